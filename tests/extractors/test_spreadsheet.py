"""Spreadsheet extractor: every format, cell locators, header context, panics and fallbacks."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlsxwriter
import xlwt
from odfdo import Document, Table

from piiscan.errors import EncryptedError, ExtractionError, TooLargeError
from piiscan.extractors import spreadsheet
from piiscan.extractors.base import Blob, Limits
from piiscan.extractors.spreadsheet import (
    cell_text,
    column_letter,
    extract_spreadsheet,
    is_header_row,
)
from piiscan.locator import Locator
from piiscan.model import Segment
from tests.extractors.conftest import dispatched

THIRDPARTY = Path(__file__).parents[2] / "fixtures" / "thirdparty"

# (row, column) 0-based -> value; the table starts at B3 so offsets are exercised.
CELLS: dict[tuple[int, int], object] = {
    (2, 1): "Namn",
    (2, 2): "Personnummer",
    (2, 3): "Telefon",
    (3, 1): "Anna Andersson",
    (3, 2): "850601-2387",
    (3, 3): "070-174 06 05",
    (4, 1): "Bertil Berg",
    (4, 2): 198506012387,
    (4, 3): "bertil@exempel.se",
}
EXPECTED = {
    "sheet=Kunder/cell=B3": ("Namn", ()),
    "sheet=Kunder/cell=C3": ("Personnummer", ()),
    "sheet=Kunder/cell=D3": ("Telefon", ()),
    "sheet=Kunder/cell=B4": ("Anna Andersson", ("Namn",)),
    "sheet=Kunder/cell=B5": ("Bertil Berg", ("Namn",)),
    "sheet=Kunder/cell=C4": ("850601-2387", ("Personnummer",)),
    "sheet=Kunder/cell=D4": ("070-174 06 05", ("Telefon",)),
    "sheet=Kunder/cell=C5": ("198506012387", ("Personnummer",)),
    "sheet=Kunder/cell=D5": ("bertil@exempel.se", ("Telefon",)),
    "sheet=Dolt/cell=A1": ("201212121212", ()),
    # Names are data: each sheet's name is a segment of its own.
    "sheet=Kunder/name": ("Kunder", ()),
    "sheet=Dolt/name": ("Dolt", ()),
}


def _write_openpyxl(path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Kunder"
    for (r, c), value in CELLS.items():
        sheet.cell(row=r + 1, column=c + 1, value=value)
    hidden = workbook.create_sheet("Dolt")
    hidden.sheet_state = "hidden"
    hidden["A1"] = 201212121212
    workbook.save(path)


def _write_xlsxwriter(path: Path) -> None:
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("Kunder")
    for (r, c), value in CELLS.items():
        sheet.write(r, c, value)
    workbook.add_worksheet("Dolt").write(0, 0, 201212121212)
    workbook.close()


def _write_xlwt(path: Path) -> None:
    workbook = xlwt.Workbook()
    sheet = workbook.add_sheet("Kunder")
    for (r, c), value in CELLS.items():
        sheet.write(r, c, value)
    workbook.add_sheet("Dolt").write(0, 0, 201212121212)
    workbook.save(str(path))


def _write_odfdo(path: Path) -> None:
    document = Document("spreadsheet")
    document.body.clear()
    sheet = Table("Kunder")
    for (r, c), value in CELLS.items():
        sheet.set_value((c, r), value)
    hidden = Table("Dolt")
    hidden.set_value((0, 0), 201212121212)
    document.body.append(sheet)
    document.body.append(hidden)
    document.save(str(path))


WRITERS: dict[str, Callable[[Path], None]] = {
    "openpyxl.xlsx": _write_openpyxl,
    "xlsxwriter.xlsx": _write_xlsxwriter,
    "xlwt.xls": _write_xlwt,
    "odfdo.ods": _write_odfdo,
}


def _segments(path: Path, limits: Limits | None = None) -> dict[str, Segment]:
    items = list(extract_spreadsheet(Blob.from_path(path), limits or Limits()))
    return {item.locator: item for item in items if isinstance(item, Segment)}


@pytest.mark.parametrize("writer", WRITERS)
def test_planted_cells(writer: str, tmp_path: Path) -> None:
    path = tmp_path / f"kunder.{writer.rsplit('.', 1)[1]}"
    WRITERS[writer](path)
    found = {loc: (s.text, s.context) for loc, s in _segments(path).items()}
    assert found == EXPECTED


def test_openpyxl_fallback_when_calamine_panics(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class FakePanic(BaseException):
        pass

    class Broken:
        @staticmethod
        def from_path(*_: Any) -> None:
            raise FakePanic("no entry found for key")

    path = tmp_path / "kunder.xlsx"
    _write_openpyxl(path)
    monkeypatch.setattr(spreadsheet.python_calamine, "CalamineWorkbook", Broken)
    found = {loc: (s.text, s.context) for loc, s in _segments(path).items()}
    assert found == EXPECTED


def test_keyboard_interrupt_is_not_swallowed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Interrupted:
        @staticmethod
        def from_path(*_: Any) -> None:
            raise KeyboardInterrupt

    path = tmp_path / "kunder.xlsx"
    _write_openpyxl(path)
    monkeypatch.setattr(spreadsheet.python_calamine, "CalamineWorkbook", Interrupted)
    with pytest.raises(KeyboardInterrupt):
        _segments(path)


def test_xlsb_panic_becomes_extraction_error() -> None:
    with pytest.raises(ExtractionError) as caught:
        _segments(THIRDPARTY / "tika_testEXCEL.xlsb")
    assert type(caught.value) is ExtractionError


def test_password_protected_workbook() -> None:
    with pytest.raises(EncryptedError, match="password-protected workbook"):
        _segments(THIRDPARTY / "tika_testEXCEL_protected_passtika.xlsx")


@pytest.mark.parametrize(
    ("name", "locator", "value"),
    [
        ("tika_testEXCEL.xls", "sheet=Feuil1/cell=A1", "Sample Excel Worksheet"),
        ("textract_xls_standardized_text.xls", "sheet=Sheet1/cell=A1", "the"),
        ("textract_ods_standardized_text.ods", "sheet=Sheet1/cell=A1", "the"),
    ],
)
def test_thirdparty_samples(name: str, locator: str, value: str) -> None:
    assert value in _segments(THIRDPARTY / name)[locator].text


def test_excel_95_reads_without_error() -> None:
    cells = _segments(THIRDPARTY / "tika_testEXCEL_95.xls")
    assert {locator for locator in cells if not locator.endswith("/name")} == set()


@pytest.mark.parametrize("title", ["Lön=2019!", "a=b!c", "100%", "Kund \"A\" 'B'"])
def test_sheet_names_with_separators_round_trip(title: str, tmp_path: Path) -> None:
    path = tmp_path / "blad.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = title
    sheet["B3"] = "Anna Andersson"
    workbook.save(path)
    cells = _segments(path)
    assert sorted(Locator.parse(locator).steps for locator in cells) == [
        (("sheet", title), ("cell", "B3")),
        (("sheet", title), ("name", None)),
    ]
    assert {segment.names for segment in cells.values()} == {(title,)}


@pytest.mark.parametrize("suffix", [".xlsx", ".xls", ".ods", ".xlsb"])
def test_truncated_workbook_raises(suffix: str, tmp_path: Path) -> None:
    source = tmp_path / f"full{suffix}"
    if suffix == ".xlsb":
        source = THIRDPARTY / "tika_testEXCEL.xlsb"
    else:
        {".xlsx": _write_openpyxl, ".xls": _write_xlwt, ".ods": _write_odfdo}[suffix](source)
    data = source.read_bytes()
    path = tmp_path / f"truncated{suffix}"
    path.write_bytes(data[: len(data) // 3])
    with pytest.raises(ExtractionError):
        _segments(path)


def test_text_limit(tmp_path: Path) -> None:
    path = tmp_path / "kunder.xlsx"
    _write_openpyxl(path)
    with pytest.raises(TooLargeError):
        dispatched(Blob.from_path(path), Limits(max_text_chars=30))


def test_blob_without_path(tmp_path: Path) -> None:
    path = tmp_path / "kunder.xlsx"
    _write_openpyxl(path)
    items = list(extract_spreadsheet(Blob.from_bytes("kunder.xlsx", path.read_bytes()), Limits()))
    assert {item.locator for item in items if isinstance(item, Segment)} == set(EXPECTED)


@pytest.mark.parametrize(
    ("index", "letters"), [(0, "A"), (25, "Z"), (26, "AA"), (27, "AB"), (701, "ZZ"), (702, "AAA")]
)
def test_column_letter(index: int, letters: str) -> None:
    assert column_letter(index) == letters


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("850601-2387", "850601-2387"),
        ("   ", ""),
        (198506012387.0, "198506012387"),
        (198506012387, "198506012387"),
        (3.5, "3.5"),
        (float("nan"), ""),
        (True, ""),
        (None, ""),
    ],
)
def test_cell_text(value: object, text: str) -> None:
    assert cell_text(value) == text


@pytest.mark.parametrize(
    ("values", "header"),
    [
        (["Namn", "", "Personnummer"], True),
        (["Namn", 1.0], False),
        (["850601-2387", "Namn"], False),
        (["", ""], False),
    ],
)
def test_is_header_row(values: list[object], header: bool) -> None:
    assert is_header_row(values) is header
