"""OpenDocument text extractor: body, tables, notes, comments, links, headers and properties."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from odfdo import Annotation, Document, Header, Link, Note, Paragraph, Table

from piiscan.errors import EncryptedError, ExtractionError, TooLargeError
from piiscan.extractors.base import Blob, Limits
from piiscan.extractors.opendocument import extract_odt
from piiscan.model import Segment
from tests.extractors.conftest import dispatched

THIRDPARTY = Path(__file__).parents[2] / "fixtures" / "thirdparty"


def _segments(path: Path, limits: Limits | None = None) -> dict[str, str]:
    items = list(extract_odt(Blob.from_path(path), limits or Limits()))
    assert all(isinstance(item, Segment) for item in items)
    return {item.locator: item.text for item in items if isinstance(item, Segment)}


def _write(path: Path) -> Path:
    document = Document("text")
    document.meta.set_creator("Anna Andersson")
    document.meta.set_initial_creator("Bertil Berg")
    body = document.body
    body.clear()
    body.append(Header(1, "Ärende 17"))
    paragraph = Paragraph("Sökande 850601-2387, ")
    paragraph.append(Link("mailto:anna@exempel.se", text="mejla"))
    body.append(paragraph)
    noted = Paragraph("Se fotnot")
    noted.append(Note(note_class="footnote", note_id="n1", citation="1", body="Ring 070-174 06 05"))
    body.append(noted)
    commented = Paragraph("Beslut")
    commented.append(Annotation("Kolla 201212121212", creator="Cecilia"))
    body.append(commented)
    table = Table("Kunder", width=3, height=3)
    table.set_value((1, 0), "Personnummer")
    table.set_value((1, 2), "19850601-2387")
    body.append(table)
    body.append(Paragraph("Efter tabellen"))
    master = document.get_styles("master-page")[0]
    master.set_page_header("Handläggare bertil@exempel.se")
    master.set_page_footer("Sidfot")
    document.save(str(path))
    return path


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return _segments(_write(tmp_path_factory.mktemp("odt") / "arende.odt"))


@pytest.mark.parametrize(
    ("locator", "value"),
    [
        ("p=0", "Ärende 17"),
        ("p=1", "Sökande 850601-2387, mejla"),
        ("p=1/link=0", "mailto:anna@exempel.se"),
        ("p=2", "Se fotnot"),
        ("p=2/note=0/p=0", "Ring 070-174 06 05"),
        ("p=3", "Beslut"),
        ("p=3/annotation=0/p=0", "Kolla 201212121212"),
        ("table=0/row=0/cell=1", "Personnummer"),
        ("table=0/row=2/cell=1", "19850601-2387"),
        ("p=4", "Efter tabellen"),
        ("header/p=0", "Handläggare bertil@exempel.se"),
        ("footer/p=0", "Sidfot"),
        ("properties=creator", "Anna Andersson"),
        ("properties=initial-creator", "Bertil Berg"),
    ],
)
def test_planted_values_at_locators(planted: dict[str, str], locator: str, value: str) -> None:
    assert planted[locator] == value


def test_footnote_number_is_not_paragraph_text(planted: dict[str, str]) -> None:
    assert planted["p=2"] == "Se fotnot"


def test_thirdparty_sample() -> None:
    found = _segments(THIRDPARTY / "textract_odt_standardized_text.odt")
    assert [found[f"p={i}"].strip() for i in range(4)] == [
        "the quick",
        "brown fox",
        "jumps over the",
        "lazy dog",
    ]


def test_repeated_cells_keep_indices(tmp_path: Path) -> None:
    content = (
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        ' xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
        ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:text>'
        '<table:table><table:table-row table:number-rows-repeated="3"><table:table-cell/>'
        "</table:table-row><table:table-row>"
        '<table:table-cell table:number-columns-repeated="4"/>'
        "<table:table-cell><text:p>850601-2387</text:p></table:table-cell>"
        "</table:table-row></table:table></office:text></office:body></office:document-content>"
    )
    path = tmp_path / "rader.odt"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("content.xml", content)
    assert _segments(path) == {"table=0/row=3/cell=4": "850601-2387"}


def test_encrypted_package_raises(tmp_path: Path) -> None:
    manifest = (
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
        '<manifest:file-entry manifest:full-path="content.xml"><manifest:encryption-data/>'
        "</manifest:file-entry></manifest:manifest>"
    )
    path = tmp_path / "skyddad.odt"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("META-INF/manifest.xml", manifest)
        archive.writestr("content.xml", b"\x8f\x00 encrypted bytes")
    with pytest.raises(EncryptedError, match="password-protected"):
        _segments(path)


@pytest.mark.parametrize(
    ("members", "message"),
    [
        ({"mimetype": "application/vnd.oasis.opendocument.text"}, "no content part"),
        ({"content.xml": "<office:document-content 850601-2387"}, "malformed XML"),
        ({"content.xml": "<root/>"}, "no document body"),
    ],
    ids=["no-content", "malformed", "no-body"],
)
def test_damaged_packages(members: dict[str, str], message: str, tmp_path: Path) -> None:
    path = tmp_path / "trasig.odt"
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    with pytest.raises(ExtractionError, match=message) as caught:
        _segments(path)
    assert "850601" not in str(caught.value)


def test_truncated_raises(tmp_path: Path) -> None:
    data = _write(tmp_path / "hel.odt").read_bytes()
    path = tmp_path / "avklippt.odt"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ExtractionError):
        _segments(path)


def test_text_limit(tmp_path: Path) -> None:
    with pytest.raises(TooLargeError):
        dispatched(Blob.from_path(_write(tmp_path / "arende.odt")), Limits(max_text_chars=30))
