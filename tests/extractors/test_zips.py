"""A zip's central directory is read once per blob, and reads the same after."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from piiscan.extractors import zips
from piiscan.extractors.base import Blob
from tests.extractors.conftest import make_zip

SHARE = Path(__file__).parents[2] / "fixtures" / "share"
PACKAGES = sorted(p for p in SHARE.rglob("*") if p.is_file() and zipfile.is_zipfile(p))


def _contents(archive: zipfile.ZipFile) -> list[tuple[str, int, bytes]]:
    out = []
    for info in archive.infolist():
        try:
            data = archive.read(info)
        except Exception as error:  # a bomb or an encrypted member fails the same way twice
            data = repr(error).encode()
        out.append((info.filename, info.CRC, data))
    return out


@pytest.mark.parametrize("path", PACKAGES, ids=lambda p: p.name)
def test_second_open_reads_the_same(path: Path) -> None:
    blob = Blob.from_path(path)
    with blob.opener() as stream, zips.open_zip_of(blob, stream) as first:
        plain = _contents(first)
        comment = first.comment
    with blob.opener() as stream, zips.open_zip_of(blob, stream) as second:
        assert isinstance(second, zips._KnownZip)
        assert _contents(second) == plain
        assert second.comment == comment
    with blob.opener() as stream, zipfile.ZipFile(stream) as reference:
        assert _contents(reference) == plain


def test_other_bytes_behind_the_same_opener_are_read_again() -> None:
    contents = [make_zip({"a.txt": "ett"}), make_zip({"b.txt": "två", "c.txt": "tre"})]
    blob = Blob(name="x.zip", size=None, opener=lambda: io.BytesIO(contents[0]))
    with blob.opener() as stream, zips.open_zip_of(blob, stream) as archive:
        assert archive.namelist() == ["a.txt"]
    contents.pop(0)
    with blob.opener() as stream, zips.open_zip_of(blob, stream) as archive:
        assert not isinstance(archive, zips._KnownZip)
        assert archive.namelist() == ["b.txt", "c.txt"]


def test_an_unreadable_zip_fails_every_time() -> None:
    blob = Blob.from_bytes("trasig.zip", make_zip({"a.txt": "ett"})[:-10])
    for _ in range(2):
        with blob.opener() as stream, pytest.raises(zipfile.BadZipFile):
            zips.open_zip_of(blob, stream)
