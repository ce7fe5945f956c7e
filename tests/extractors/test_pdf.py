"""PDF extractor: text per page, properties, and the ways a PDF can fail to give text."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image
from reportlab.lib.pdfencrypt import StandardEncryption
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from piiscan.errors import (
    EncryptedError,
    ExtractionError,
    NoTextError,
    PartialError,
    TooLargeError,
)
from piiscan.extractors.base import Blob, Limits
from piiscan.extractors.pdf import extract_pdf
from piiscan.model import Segment
from tests.extractors.conftest import dispatched, drain

THIRDPARTY = Path(__file__).parents[2] / "fixtures" / "thirdparty"


def _segments(path: Path, limits: Limits | None = None) -> dict[str, str]:
    items = list(extract_pdf(Blob.from_path(path), limits or Limits()))
    assert all(isinstance(item, Segment) for item in items)
    return {item.locator: item.text for item in items if isinstance(item, Segment)}


def _text_pdf(path: Path, encrypt: StandardEncryption | None = None) -> Path:
    pdf = canvas.Canvas(str(path), encrypt=encrypt)
    pdf.setAuthor("Anna Andersson")
    pdf.setTitle("Ärende 850601-2387")
    pdf.drawString(72, 720, "Sökande: Åsa Öberg, 850601-2387")
    pdf.drawString(72, 700, "Telefon 070-174 06 05")
    pdf.showPage()
    pdf.showPage()  # a blank page between
    pdf.drawString(72, 720, "E-post asa@exempel.se")
    pdf.showPage()
    pdf.save()
    return path


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return _segments(_text_pdf(tmp_path_factory.mktemp("pdf") / "arende.pdf"))


@pytest.mark.parametrize(
    ("locator", "value"),
    [
        ("page=1", "Sökande: Åsa Öberg, 850601-2387\nTelefon 070-174 06 05"),
        ("page=3", "asa@exempel.se"),
        ("properties=author", "Anna Andersson"),
        ("properties=title", "850601-2387"),
    ],
)
def test_planted_values_at_locators(planted: dict[str, str], locator: str, value: str) -> None:
    assert value in planted[locator]


def test_blank_page_gives_no_segment(planted: dict[str, str]) -> None:
    assert "page=2" not in planted


def test_blob_without_path(tmp_path: Path) -> None:
    data = _text_pdf(tmp_path / "arende.pdf").read_bytes()
    items = list(extract_pdf(Blob.from_bytes("arende.pdf", data), Limits()))
    assert [item.locator for item in items if isinstance(item, Segment)][:2] == [
        "page=1",
        "page=3",
    ]


def test_user_password_raises_encrypted(tmp_path: Path) -> None:
    path = _text_pdf(tmp_path / "skyddad.pdf", StandardEncryption("hemligt", ownerPassword="x"))
    with pytest.raises(EncryptedError, match="password-protected PDF"):
        _segments(path)


def test_owner_password_only_is_read(tmp_path: Path) -> None:
    path = _text_pdf(tmp_path / "las.pdf", StandardEncryption("", ownerPassword="agare"))
    assert "850601-2387" in _segments(path)["page=1"]


def test_drawing_only_raises_no_text(tmp_path: Path) -> None:
    path = tmp_path / "rektangel.pdf"
    pdf = canvas.Canvas(str(path))
    pdf.rect(72, 72, 200, 100, fill=1)
    pdf.showPage()
    pdf.save()
    with pytest.raises(NoTextError, match="PDF has no text layer"):
        _segments(path)


def test_image_only_raises_no_text(tmp_path: Path) -> None:
    scan = Image.new("RGB", (200, 100), "white")
    path = tmp_path / "skannad.pdf"
    pdf = canvas.Canvas(str(path))
    pdf.drawImage(ImageReader(scan), 72, 500, width=400, height=200)
    pdf.showPage()
    pdf.save()
    with pytest.raises(NoTextError):
        _segments(path)


@pytest.mark.parametrize(
    "data",
    [b"", b"%PDF-1.4\n850601-2387 garbage", b"not a pdf at all"],
    ids=["empty", "garbage", "not-pdf"],
)
def test_corrupt_raises_extraction_error(data: bytes, tmp_path: Path) -> None:
    path = tmp_path / "trasig.pdf"
    path.write_bytes(data)
    with pytest.raises(ExtractionError) as caught:
        _segments(path)
    assert type(caught.value) is ExtractionError
    assert "850601" not in str(caught.value)


def test_truncated_raises_extraction_error(tmp_path: Path) -> None:
    data = _text_pdf(tmp_path / "hel.pdf").read_bytes()
    path = tmp_path / "avklippt.pdf"
    path.write_bytes(data[:200])
    with pytest.raises(ExtractionError):
        _segments(path)


def test_thirdparty_two_column() -> None:
    found = _segments(THIRDPARTY / "textract_pdf_two_column.pdf")
    assert [loc for loc in found if loc.startswith("page=")] == [f"page={n}" for n in range(1, 7)]
    assert "mentorship" in found["page=1"]
    assert found["properties=author"] == "R. Dean Malmgren"


def test_text_limit(tmp_path: Path) -> None:
    with pytest.raises(TooLargeError):
        dispatched(Blob.from_path(_text_pdf(tmp_path / "arende.pdf")), Limits(max_text_chars=40))


def _pdf_with_a_broken_page(path: Path) -> Path:
    """Three pages; the page tree's second entry is a number, not a page (PDFium cannot load
    that page and reads the others)."""
    pdf = canvas.Canvas(str(path), pageCompression=0)
    for line in ("Sökande 19121212-1212", "Sida två", "Handläggare 19850601-2387"):
        pdf.drawString(72, 720, line)
        pdf.showPage()
    pdf.save()
    data = path.read_bytes()
    kids = b"/Kids [ 3 0 R 4 0 R 5 0 R ]"
    assert kids in data
    path.write_bytes(data.replace(kids, b"/Kids [ 3 0 R 44444 5 0 R ]"))
    return path


def test_a_broken_page_loses_only_itself(tmp_path: Path) -> None:
    blob = Blob.from_path(_pdf_with_a_broken_page(tmp_path / "arende.pdf"))
    items, error = drain(extract_pdf(blob, Limits()))
    pages = {item.locator: item.text for item in items if isinstance(item, Segment)}
    assert {k: v for k, v in pages.items() if k.startswith("page=")} == {
        "page=1": "Sökande 19121212-1212",
        "page=3": "Handläggare 19850601-2387",
    }
    assert "properties=title" in pages  # the properties are read before the error
    assert isinstance(error, PartialError)
    assert (str(error), error.status) == ("1 PDF page of 3 not loaded (page 2)", "partial")
