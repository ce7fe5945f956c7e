"""Word extractor: planted values come out at the right locators; odd files become errors."""

from __future__ import annotations

import zipfile
from pathlib import Path

import docx
import pytest

from piiscan.errors import EncryptedError, ExtractionError, TooLargeError
from piiscan.extractors.base import Blob, Limits
from piiscan.extractors.word import extract_docx
from piiscan.model import Segment
from tests.extractors.conftest import dispatched

THIRDPARTY = Path(__file__).parents[2] / "fixtures" / "thirdparty"


def _segments(path: Path, limits: Limits | None = None) -> dict[str, str]:
    items = list(extract_docx(Blob.from_path(path), limits or Limits()))
    assert all(isinstance(item, Segment) for item in items)
    return {item.locator: item.text for item in items if isinstance(item, Segment)}


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    document = docx.Document()
    document.core_properties.author = "Anna Andersson"
    document.core_properties.last_modified_by = "Bertil Berg"
    document.add_heading("Ärende 2024-17", level=1)
    document.add_paragraph("Sökande: Anna Andersson, personnummer 850601-2387.")
    paragraph = document.add_paragraph("Ring ")
    run = paragraph.add_run("070-174 06 05")
    document.add_comment(run, text="Kontrollera 19850601-2387", author="Cecilia")
    table = document.add_table(rows=2, cols=3)
    for c, header in enumerate(("Namn", "Personnummer", "E-post")):
        table.cell(0, c).text = header
    table.cell(1, 0).text = "Anna Andersson"
    table.cell(1, 1).text = "201212121212"
    table.cell(1, 2).text = "anna@exempel.se"
    section = document.sections[0]
    section.header.paragraphs[0].text = "Handläggare: bertil@exempel.se"
    section.footer.paragraphs[0].text = "Sidfot 070-174 06 05"
    path = tmp_path_factory.mktemp("word") / "arende.docx"
    document.save(str(path))
    return _segments(path)


@pytest.mark.parametrize(
    ("locator", "value"),
    [
        ("part=document/p=0", "Ärende 2024-17"),
        ("part=document/p=1", "850601-2387"),
        ("part=document/p=2", "Ring 070-174 06 05"),
        ("part=document/table=0/row=0/cell=1", "Personnummer"),
        ("part=document/table=0/row=1/cell=1", "201212121212"),
        ("part=document/table=0/row=1/cell=2", "anna@exempel.se"),
        ("part=header1/p=0", "bertil@exempel.se"),
        ("part=footer1/p=0", "070-174 06 05"),
        ("part=comments/p=0", "19850601-2387"),
        ("properties=creator", "Anna Andersson"),
        ("properties=lastModifiedBy", "Bertil Berg"),
    ],
)
def test_planted_values_at_locators(planted: dict[str, str], locator: str, value: str) -> None:
    assert value in planted[locator]


@pytest.mark.parametrize(
    ("name", "locator", "value"),
    [
        ("tika_testWORD_text_box.docx", "part=document/p=0/textbox=0/p=0", "inside of a text box"),
        ("tika_testWORD_text_box.docx", "part=header1/p=0/textbox=0/p=0", "in the header"),
        ("tika_testWORD_text_box.docx", "part=footer1/p=0/textbox=0/p=0", "in the footer"),
        ("tika_testWORD_various.docx", "part=footnotes/p=2", "This is a footnote."),
        ("tika_testWORD_various.docx", "part=document/table=0/row=1/cell=2", "Row 2 Col 3"),
        ("tika_testWORD_various.docx", "part=document/link=0", "http://tika.apache.org/"),
        ("tika_testWORD_various.docx", "properties=creator", "Michael McCandless"),
    ],
)
def test_thirdparty_samples(name: str, locator: str, value: str) -> None:
    assert value in _segments(THIRDPARTY / name)[locator]


def test_text_box_fallback_is_not_read_twice() -> None:
    texts = list(_segments(THIRDPARTY / "tika_testWORD_text_box.docx").values())
    assert sum("inside of a text box in the body" in text for text in texts) == 1


def test_password_protected_raises_encrypted() -> None:
    with pytest.raises(EncryptedError, match="password-protected"):
        _segments(THIRDPARTY / "tika_testWORD_protected_passtika.docx")


def test_truncated_file_raises_extraction_error(tmp_path: Path) -> None:
    data = (THIRDPARTY / "tika_testWORD_various.docx").read_bytes()
    path = tmp_path / "truncated.docx"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ExtractionError):
        _segments(path)


def test_zip_without_document_raises(tmp_path: Path) -> None:
    path = tmp_path / "empty.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "hej")
    with pytest.raises(ExtractionError, match="no main document"):
        _segments(path)


def test_text_limit(planted: dict[str, str], tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("850601-2387 " * 100)
    path = tmp_path / "long.docx"
    document.save(str(path))
    with pytest.raises(TooLargeError):
        dispatched(Blob.from_path(path), Limits(max_text_chars=500))


def test_error_messages_do_not_quote_content(tmp_path: Path) -> None:
    path = tmp_path / "bad.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("word/document.xml", "<w:document 850601-2387")
    with pytest.raises(ExtractionError) as caught:
        _segments(path)
    assert "850601" not in str(caught.value)


def test_deeply_nested_part_names_the_depth_limit(tmp_path: Path) -> None:
    path = tmp_path / "deep.docx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", "<w>" * 100_000 + "19121212-1212" + "</w>" * 100_000)
    with pytest.raises(TooLargeError, match="nested deeper than the parser's limit"):
        _segments(path, Limits(max_expansion_ratio=10_000))
