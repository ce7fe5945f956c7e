"""Legacy .doc/.ppt extractor: antiword, catdoc and catppt as subprocesses."""

from __future__ import annotations

import shutil
import stat
from collections.abc import Iterable
from pathlib import Path

import pytest

from piiscan.errors import EncryptedError, ExtractionError, UnsupportedError
from piiscan.extractors import legacy_office
from piiscan.extractors.base import Blob, Item, Limits
from piiscan.extractors.legacy_office import extract_doc, extract_ppt
from piiscan.model import Segment

THIRDPARTY = Path(__file__).parents[2] / "fixtures" / "thirdparty"


def _need(program: str) -> None:
    if shutil.which(program) is None:
        pytest.skip(f"{program} not installed")


def _lines(items: Iterable[Item]) -> dict[str, str]:
    return {item.locator: item.text for item in items if isinstance(item, Segment)}


def _fake_program(directory: Path, name: str, script: str) -> None:
    path = directory / name
    path.write_text(f"#!/bin/sh\n{script}\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


@pytest.mark.parametrize(
    ("name", "locator", "value"),
    [
        ("tika_testWORD_various.doc", "line=2", "Footnote appears here"),
        ("tika_testWORD_various.doc", "line=44", "|Row 1 Col 1"),
        ("textract_doc_raw_text.doc", "line=2", "I love word documents."),
        # Word 6: antiword finds no text, catdoc does.
        ("tika_testWORD6.doc", "line=1", "The quick brown fox jumps over the lazy dog"),
    ],
)
def test_doc_samples(name: str, locator: str, value: str) -> None:
    _need("antiword")
    _need("catdoc")
    found = _lines(extract_doc(Blob.from_path(THIRDPARTY / name), Limits()))
    assert value in found[locator]


def test_ppt_sample() -> None:
    _need("catppt")
    found = _lines(extract_ppt(Blob.from_path(THIRDPARTY / "tika_testPPT.ppt"), Limits()))
    assert found["line=1"] == "Sample Powerpoint Slide"
    assert found["line=6"] == "Blank Presentation"


def test_blob_without_path_uses_private_temp_copy_and_removes_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _need("antiword")
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(temp))
    data = (THIRDPARTY / "textract_doc_raw_text.doc").read_bytes()
    items = list(extract_doc(Blob.from_bytes("-arende.doc", data), Limits()))
    assert "I love word documents." in _lines(items)["line=2"]
    assert list(temp.iterdir()) == []


def test_missing_converters_raise_unsupported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    doc = Blob.from_path(THIRDPARTY / "textract_doc_raw_text.doc")
    with pytest.raises(UnsupportedError, match="antiword is not installed"):
        list(extract_doc(doc, Limits()))
    with pytest.raises(UnsupportedError, match="catppt is not installed"):
        list(extract_ppt(Blob.from_path(THIRDPARTY / "tika_testPPT.ppt"), Limits()))


def test_catdoc_is_used_when_antiword_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fake_program(tmp_path, "antiword", "exit 1")
    _fake_program(tmp_path, "catdoc", "echo 'Kontakt: 850601-2387'")
    monkeypatch.setenv("PATH", str(tmp_path))
    doc = Blob.from_path(THIRDPARTY / "textract_doc_raw_text.doc")
    assert _lines(extract_doc(doc, Limits())) == {"line=1": "Kontakt: 850601-2387"}


def test_both_converters_failing_raises(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_program(tmp_path, "antiword", "echo 'is not a Word Document' >&2; exit 1")
    _fake_program(tmp_path, "catdoc", "exit 2")
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ExtractionError, match="damaged or unsupported Word document"):
        list(extract_doc(Blob.from_bytes("x.doc", b"not a word file"), Limits()))


def test_timeout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_program(tmp_path, "catppt", "exec /bin/sleep 5")
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(legacy_office, "TIMEOUT_SECONDS", 0.2)
    with pytest.raises(ExtractionError, match="catppt timed out"):
        list(extract_ppt(Blob.from_path(THIRDPARTY / "tika_testPPT.ppt"), Limits()))


def test_real_antiword_on_garbage_raises(tmp_path: Path) -> None:
    _need("antiword")
    _need("catdoc")
    path = tmp_path / "trasig.doc"
    path.write_bytes((THIRDPARTY / "tika_testWORD_various.doc").read_bytes()[:3000])
    with pytest.raises(ExtractionError):
        list(extract_doc(Blob.from_path(path), Limits()))


def test_real_catppt_on_garbage_raises(tmp_path: Path) -> None:
    _need("catppt")
    path = tmp_path / "trasig.ppt"
    path.write_bytes(b"\x00" * 100)
    with pytest.raises(ExtractionError):
        list(extract_ppt(Blob.from_path(path), Limits()))


@pytest.mark.parametrize("extract", [extract_doc, extract_ppt])
def test_password_protected_raises_encrypted(extract: object, tmp_path: Path) -> None:
    path = tmp_path / "skyddad.doc"
    path.write_bytes((THIRDPARTY / "tika_testWORD_protected_passtika.docx").read_bytes())
    with pytest.raises(EncryptedError):
        list(extract(Blob.from_path(path), Limits()))  # type: ignore[operator]
