"""Tests for the archive extractors, including bombs, encryption and odd members."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import random
import tarfile
import zipfile
from collections.abc import Callable, Iterator

import py7zr
import pytest

from piiscan.errors import EncryptedError, ExtractionError, TooLargeError
from piiscan.extractors.archives import (
    extract_7z,
    extract_bzip2,
    extract_gzip,
    extract_tar,
    extract_xz,
    extract_zip,
)
from piiscan.extractors.base import Blob, Limits, Member
from piiscan.extractors.dispatch import extract as dispatch

KUNDER = "Namn;Personnummer\nÅsa Öberg;850601-2387\n".encode()
NOTE = b"Ring 070-174 06 05 eller skriv till asa@exempel.se\n"
FILES = {"kunder.csv": KUNDER, "2019/arende/note.txt": NOTE}


def _zip(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=(2019, 5, 1, 12, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return out.getvalue()


def _tar(files: dict[str, bytes], mode: str = "w") -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode=mode) as archive:  # type: ignore[call-overload]
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 1_556_712_000
            archive.addfile(info, io.BytesIO(data))
    return out.getvalue()


def _7z(files: dict[str, bytes], **options: object) -> bytes:
    out = io.BytesIO()
    with py7zr.SevenZipFile(out, "w", **options) as archive:  # type: ignore[arg-type]
        for name, data in files.items():
            archive.writestr(data, name)
    return out.getvalue()


def _collect(items: Iterator[Member]) -> tuple[list[Member], ExtractionError | None]:
    got: list[Member] = []
    try:
        got.extend(items)
    except ExtractionError as error:
        return got, error
    return got, None


Extract = Callable[[Blob, Limits], Iterator[Member]]

FORMATS: list[tuple[str, str, bytes, Extract]] = [
    ("zip", "a.zip", _zip(FILES), extract_zip),
    ("tar", "a.tar", _tar(FILES), extract_tar),
    ("tar.gz", "a.tar.gz", _tar(FILES, "w:gz"), extract_tar),
    ("tar.bz2", "a.tar.bz2", _tar(FILES, "w:bz2"), extract_tar),
    ("tar.xz", "a.tar.xz", _tar(FILES, "w:xz"), extract_tar),
    ("7z", "a.7z", _7z(FILES), extract_7z),
]


@pytest.mark.parametrize(
    ("name", "data", "extract"), [f[1:] for f in FORMATS], ids=[f[0] for f in FORMATS]
)
def test_members_are_yielded_with_bytes_names_and_depth(
    name: str, data: bytes, extract: Extract
) -> None:
    members, error = _collect(extract(Blob.from_bytes(name, data, depth=1), Limits()))
    assert error is None
    assert {m.name: m.blob.read() for m in members} == FILES
    assert {m.blob.name for m in members} == {"kunder.csv", "note.txt"}
    assert all(m.blob.depth == 2 for m in members)
    assert all(m.mtime is not None for m in members)


def test_zip_mtime_is_read_as_utc() -> None:
    members = list(extract_zip(Blob.from_bytes("a.zip", _zip(FILES)), Limits()))
    assert members[0].mtime == 1_556_712_000.0


@pytest.mark.parametrize(
    ("name", "compress", "extract", "inner"),
    [
        ("kunder.csv.gz", gzip.compress, extract_gzip, "kunder.csv"),
        ("dump.tgz", gzip.compress, extract_gzip, "dump.tar"),
        ("kunder.csv.bz2", bz2.compress, extract_bzip2, "kunder.csv"),
        ("kunder.csv.xz", lzma.compress, extract_xz, "kunder.csv"),
        ("utan-suffix", gzip.compress, extract_gzip, "utan-suffix"),
    ],
)
def test_single_file_compression(
    name: str, compress: Callable[[bytes], bytes], extract: Extract, inner: str
) -> None:
    (member,) = extract(Blob.from_bytes(name, compress(KUNDER)), Limits())
    assert member.name == inner
    assert member.blob.read() == KUNDER
    assert member.blob.depth == 1


def test_nested_zip_in_zip() -> None:
    inner = _zip(FILES)
    outer = _zip({"inre/paket.zip": inner, "readme.txt": b"hej"})
    (paket, readme) = extract_zip(Blob.from_bytes("outer.zip", outer), Limits())
    assert paket.name == "inre/paket.zip"
    assert readme.blob.read() == b"hej"
    nested = list(extract_zip(paket.blob, Limits()))
    assert {m.name for m in nested} == set(FILES)
    assert all(m.blob.depth == 2 for m in nested)


@pytest.mark.parametrize(("kind", "name", "data", "extract"), FORMATS, ids=[f[0] for f in FORMATS])
def test_depth_limit(kind: str, name: str, data: bytes, extract: Extract) -> None:
    # The dispatcher refuses a container at the limit before it is opened (one rule for
    # every container); one level less is read.
    with pytest.raises(TooLargeError, match="nesting depth limit"):
        dispatch(Blob.from_bytes(name, data, depth=3), Limits(max_depth=3))
    _, items = dispatch(Blob.from_bytes(name, data, depth=2), Limits(max_depth=3))
    assert list(items)


def _zeros() -> dict[str, bytes]:
    return {"zeros.bin": b"\0" * (50 * 1024 * 1024)}


@pytest.mark.parametrize(
    ("name", "build", "extract"),
    [
        ("bomb.zip", lambda: _zip(_zeros()), extract_zip),
        ("bomb.tar.gz", lambda: _tar(_zeros(), "w:gz"), extract_tar),
        ("bomb.7z", lambda: _7z(_zeros()), extract_7z),
        ("bomb.gz", lambda: gzip.compress(_zeros()["zeros.bin"]), extract_gzip),
        ("bomb.xz", lambda: lzma.compress(_zeros()["zeros.bin"]), extract_xz),
    ],
    ids=["zip", "tar.gz", "7z", "gz", "xz"],
)
def test_bombs_stop_at_the_expansion_ratio(
    name: str, build: Callable[[], bytes], extract: Extract
) -> None:
    data = build()
    assert len(data) < 300_000
    members, error = _collect(extract(Blob.from_bytes(name, data), Limits()))
    assert members == []
    assert isinstance(error, TooLargeError)
    assert "expansion ratio 200" in str(error)


_NOISE = random.Random(11).randbytes(1024 * 1024)  # 1 MiB deflate cannot shrink: a big archive


@pytest.mark.parametrize(
    ("files", "limits"),
    [
        # The archive-wide ratio stops the archive; the member before it stays yielded.
        ({"a.txt": NOTE, "zeros.bin": b"\0" * (25 * 1024 * 1024), "z.txt": NOTE}, Limits()),
        # A big archive: the member's own ratio skips it; the archive goes on.
        ({"noise.bin": _NOISE * 4, "zeros.bin": b"\0" * (8 * 1024 * 1024), "z.txt": NOTE},
         Limits(max_expansion_ratio=20.0)),
        # The total expanded size is reached first.
        ({"zeros.bin": b"\0" * (6 * 1024 * 1024)},
         Limits(max_total_expanded_bytes=3 * 1024 * 1024 // 2, max_expansion_ratio=500.0)),
        # Two bombs in a row: the accounting of the first counts for the second.
        ({"noise.bin": _NOISE * 6, "z1.bin": b"\0" * (4 * 1024 * 1024 + 7),
          "z2.bin": b"\0" * (5 * 1024 * 1024), "z.txt": NOTE},
         Limits(max_expansion_ratio=30.0)),
    ],
    ids=["archive-ratio", "member-ratio", "total", "two-bombs"],
)  # fmt: skip
def test_zip_bomb_refused_on_its_header_as_reading_it_would(
    files: dict[str, bytes], limits: Limits, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A member whose header declares a ratio past the limit is not inflated, and gets the
    verdict (members, error and its reason) that inflating it gives."""
    import piiscan.extractors.archives as archives

    data = _zip(files)
    declared = _collect(extract_zip(Blob.from_bytes("a.zip", data), limits))
    monkeypatch.setattr(archives, "_declares_bomb", lambda info, limits: False)
    read = _collect(extract_zip(Blob.from_bytes("a.zip", data), limits))
    assert [m.name for m in declared[0]] == [m.name for m in read[0]]
    assert type(declared[1]) is type(read[1])
    assert str(declared[1]) == str(read[1])
    assert declared[1] is not None


def test_zip_member_over_the_size_limit_is_skipped_and_reported() -> None:
    big = bytes(range(256)) * 8192  # 2 MiB that deflate barely shrinks
    data = _zip({"a.txt": NOTE, "big.bin": big, "z.txt": NOTE})
    limits = Limits(max_member_bytes=1024 * 1024)
    members, error = _collect(extract_zip(Blob.from_bytes("a.zip", data), limits))
    assert [m.name for m in members] == ["a.txt", "z.txt"]
    assert isinstance(error, TooLargeError)
    assert "1 member(s) skipped" in str(error)
    assert "big" not in str(error)


def test_zip_member_lying_about_its_size_is_still_bounded() -> None:
    big = bytes(range(256)) * 8192
    data = bytearray(_zip({"big.bin": big}))
    # Patch the declared uncompressed size (local header and central directory) to 100 bytes.
    local = data.index(b"PK\x03\x04")
    data[local + 22 : local + 26] = (100).to_bytes(4, "little")
    central = data.index(b"PK\x01\x02")
    data[central + 24 : central + 28] = (100).to_bytes(4, "little")
    members, error = _collect(extract_zip(Blob.from_bytes("lie.zip", bytes(data)), Limits()))
    assert members == []
    assert isinstance(error, ExtractionError)


def test_member_count_limit() -> None:
    data = _zip({f"f{n}.txt": NOTE for n in range(5)})
    members, error = _collect(extract_zip(Blob.from_bytes("a.zip", data), Limits(max_members=3)))
    assert len(members) == 3
    assert isinstance(error, TooLargeError)
    assert "more than 3 members" in str(error)


def test_total_expanded_limit() -> None:
    data = _tar({f"f{n}.bin": bytes(range(256)) * 4096 for n in range(4)})
    limits = Limits(max_total_expanded_bytes=3 * 1024 * 1024)
    members, error = _collect(extract_tar(Blob.from_bytes("a.tar", data), limits))
    assert len(members) == 3
    assert isinstance(error, TooLargeError)


def _encrypt_flag(data: bytes, member: str) -> bytes:
    """Set the 'encrypted' flag bit of one member, as a password-protected zip has it."""
    patched = bytearray(data)
    encoded = member.encode()
    for signature, flag_at, name_at in ((b"PK\x03\x04", 6, 30), (b"PK\x01\x02", 8, 46)):
        start = 0
        while (start := patched.find(signature, start)) != -1:
            if patched[start + name_at : start + name_at + len(encoded)] == encoded:
                patched[start + flag_at] |= 0x01
            start += 4
    return bytes(patched)


def test_encrypted_zip_members_are_skipped_and_reported() -> None:
    data = _encrypt_flag(_zip(FILES), "kunder.csv")
    members, error = _collect(extract_zip(Blob.from_bytes("a.zip", data), Limits()))
    assert [m.name for m in members] == ["2019/arende/note.txt"]
    assert isinstance(error, EncryptedError)
    assert str(error) == "encrypted archive: 1 of 2 members encrypted"


@pytest.mark.parametrize("header_encryption", [False, True])
def test_encrypted_7z(header_encryption: bool) -> None:
    data = _7z(FILES, password="hemligt", header_encryption=header_encryption)
    with pytest.raises(EncryptedError, match="encrypted archive"):
        list(extract_7z(Blob.from_bytes("a.7z", data), Limits()))


def test_tar_skips_links_devices_and_directories() -> None:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as archive:
        for name, kind in [
            ("dir", tarfile.DIRTYPE),
            ("link", tarfile.SYMTYPE),
            ("hard", tarfile.LNKTYPE),
            ("dev", tarfile.CHRTYPE),
            ("fifo", tarfile.FIFOTYPE),
        ]:
            info = tarfile.TarInfo(name)
            info.type = kind
            info.linkname = "/etc/passwd" if kind in (tarfile.SYMTYPE, tarfile.LNKTYPE) else ""
            archive.addfile(info)
        info = tarfile.TarInfo("../../ut/ur.txt")
        info.size = len(NOTE)
        archive.addfile(info, io.BytesIO(NOTE))
    members = list(extract_tar(Blob.from_bytes("a.tar", out.getvalue()), Limits()))
    assert [(m.name, m.blob.read()) for m in members] == [("../../ut/ur.txt", NOTE)]


def test_zip_skips_symlinks() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        link = zipfile.ZipInfo("link")
        link.external_attr = 0o120777 << 16
        archive.writestr(link, "/etc/passwd")
        archive.writestr("dir/", b"")
        archive.writestr("/abs/fil.txt", NOTE)
    members = list(extract_zip(Blob.from_bytes("a.zip", out.getvalue()), Limits()))
    # Names are reported as stored; nothing is ever written to disk under them.
    assert [m.name for m in members] == ["/abs/fil.txt"]


@pytest.mark.parametrize(
    ("name", "data", "extract"),
    [
        ("trunc.zip", _zip(FILES)[:-40], extract_zip),
        ("half.zip", _zip(FILES)[: len(_zip(FILES)) // 2], extract_zip),
        ("junk.zip", b"PK\x03\x04 not a zip at all", extract_zip),
        ("trunc.tar.gz", _tar(FILES, "w:gz")[:-30], extract_tar),
        ("junk.tar", b"\x01" * 1024, extract_tar),
        ("trunc.7z", _7z(FILES)[:-20], extract_7z),
        ("trunc.gz", gzip.compress(KUNDER)[:-10], extract_gzip),
        ("junk.bz2", b"BZh9 nope", extract_bzip2),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_corrupt_archives_are_extraction_errors(name: str, data: bytes, extract: Extract) -> None:
    _, error = _collect(extract(Blob.from_bytes(name, data), Limits()))
    assert isinstance(error, ExtractionError)


@pytest.mark.parametrize(
    ("entries", "expected"),
    [
        ([("dir/", b"")], []),
        ([("dir/", NOTE)], [("dir/", NOTE)]),
        ([("dir/", NOTE), ("dir/fil.txt", NOTE)], [("dir/", NOTE), ("dir/fil.txt", NOTE)]),
        ([("ut/", b""), ("ut/fil.txt", NOTE)], [("ut/fil.txt", NOTE)]),
    ],
    ids=["empty-dir", "dir-with-data", "dir-with-data-and-file", "empty-dir-and-file"],
)
def test_zip_directory_entry_with_data_is_a_member(
    entries: list[tuple[str, bytes]], expected: list[tuple[str, bytes]]
) -> None:
    """A directory entry that holds data is where something could hide: it is read."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            info = zipfile.ZipInfo(name)
            if name.endswith("/"):
                info.external_attr = (0o40755 << 16) | 0x10  # a directory, as zip tools mark it
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    members = list(extract_zip(Blob.from_bytes("a.zip", out.getvalue()), Limits()))
    assert [(m.name, m.blob.read()) for m in members] == expected
