"""PowerPoint extractor: shapes, groups, tables, notes and properties at the right locators."""

from __future__ import annotations

from pathlib import Path

import pytest
from pptx import Presentation
from pptx.util import Inches

from piiscan.errors import EncryptedError, ExtractionError, TooLargeError
from piiscan.extractors.base import Blob, Limits
from piiscan.extractors.powerpoint import extract_pptx
from piiscan.model import Segment
from tests.extractors.conftest import dispatched

THIRDPARTY = Path(__file__).parents[2] / "fixtures" / "thirdparty"


def _segments(path: Path, limits: Limits | None = None) -> dict[str, str]:
    items = list(extract_pptx(Blob.from_path(path), limits or Limits()))
    assert all(isinstance(item, Segment) for item in items)
    return {item.locator: item.text for item in items if isinstance(item, Segment)}


def _write(path: Path) -> None:
    presentation = Presentation()
    presentation.core_properties.author = "Anna Andersson"
    presentation.slides.add_slide(presentation.slide_layouts[6])  # an empty first slide
    slide = presentation.slides.add_slide(presentation.slide_layouts[5])  # title only
    assert slide.shapes.title is not None
    slide.shapes.title.text = "Kundärende"
    box = slide.shapes.add_textbox(Inches(1), Inches(2), Inches(4), Inches(1))
    box.name = "Kontakt"
    box.text_frame.text = "Anna Andersson"
    paragraph = box.text_frame.add_paragraph()
    paragraph.text = "850601-2387"
    run = paragraph.add_run()
    run.text = " mejla"
    run.hyperlink.address = "mailto:anna@exempel.se"
    group = slide.shapes.add_group_shape()
    group.name = "Grupp"
    inner = group.shapes.add_textbox(Inches(1), Inches(3), Inches(2), Inches(1))
    inner.name = "Telefon"
    inner.text_frame.text = "070-174 06 05"
    table = slide.shapes.add_table(2, 3, Inches(1), Inches(4), Inches(6), Inches(1))
    table.name = "Tabell"
    table.table.cell(0, 1).text = "Personnummer"
    table.table.cell(1, 1).text = "201212121212"
    assert slide.notes_slide.notes_text_frame is not None
    slide.notes_slide.notes_text_frame.text = "Ring 19850601-2387 i morgon"
    presentation.save(str(path))


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    path = tmp_path_factory.mktemp("pptx") / "arende.pptx"
    _write(path)
    return _segments(path)


@pytest.mark.parametrize(
    ("locator", "value"),
    [
        ("slide=2/shape=Title 1/p=0", "Kundärende"),
        ("slide=2/shape=Kontakt/p=0", "Anna Andersson"),
        ("slide=2/shape=Kontakt/p=1", "850601-2387 mejla"),
        ("slide=2/shape=Kontakt/p=1/link", "mailto:anna@exempel.se"),
        ("slide=2/shape=Grupp/shape=Telefon/p=0", "070-174 06 05"),
        ("slide=2/shape=Tabell/row=0/cell=1", "Personnummer"),
        ("slide=2/shape=Tabell/row=1/cell=1", "201212121212"),
        ("slide=2/notes", "Ring 19850601-2387 i morgon"),
        ("properties=creator", "Anna Andersson"),
    ],
)
def test_planted_values_at_locators(planted: dict[str, str], locator: str, value: str) -> None:
    assert planted[locator] == value


def test_empty_slide_yields_nothing(planted: dict[str, str]) -> None:
    assert not any(locator.startswith("slide=1/") for locator in planted)


@pytest.mark.parametrize(
    ("locator", "value"),
    [
        ("slide=1/shape=Table 3/row=1/cell=2", "Row 2 Col 3"),
        ("slide=1/shape=Text Box 1/p=0", "Here is a text box"),
        ("slide=1/shape=Rectangle 5/p=0", "This is a footnote."),
        ("properties=creator", "Michael McCandless"),
    ],
)
def test_thirdparty_sample(locator: str, value: str) -> None:
    assert value in _segments(THIRDPARTY / "tika_testPPT_various.pptx")[locator]


def test_password_protected_raises_encrypted(tmp_path: Path) -> None:
    # An encrypted OOXML package looks the same whatever application wrote it.
    path = tmp_path / "skyddad.pptx"
    path.write_bytes((THIRDPARTY / "tika_testWORD_protected_passtika.docx").read_bytes())
    with pytest.raises(EncryptedError):
        _segments(path)


def test_truncated_file_raises(tmp_path: Path) -> None:
    data = (THIRDPARTY / "tika_testPPT_various.pptx").read_bytes()
    path = tmp_path / "truncated.pptx"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ExtractionError):
        _segments(path)


def test_zip_that_is_not_a_presentation_raises(tmp_path: Path) -> None:
    path = tmp_path / "fake.pptx"
    path.write_bytes((THIRDPARTY / "tika_testWORD_various.docx").read_bytes())
    with pytest.raises(ExtractionError, match="damaged presentation"):
        _segments(path)


@pytest.mark.parametrize(
    "limits",
    [
        Limits(max_text_chars=20),
        Limits(max_member_bytes=1000),
        Limits(max_total_expanded_bytes=1000),
    ],
    ids=["text", "member", "total"],
)
def test_limits(limits: Limits, tmp_path: Path) -> None:
    path = tmp_path / "arende.pptx"
    _write(path)
    with pytest.raises(TooLargeError):
        dispatched(Blob.from_path(path), limits)  # the text budget is the dispatcher's
