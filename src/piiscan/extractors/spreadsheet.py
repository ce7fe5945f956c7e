"""Spreadsheets (.xlsx, .xlsm, .xlsb, .xls, .ods): one segment per non-empty text or number cell.

python-calamine (Rust) reads every format here and is about 17 times faster than openpyxl. It can
panic on files it does not understand; a Rust panic surfaces as ``pyo3_runtime.PanicException``,
a :class:`BaseException` that ``except Exception`` does not catch. Such failures become
:class:`~piiscan.errors.ExtractionError`, except for .xlsx/.xlsm where openpyxl (``read_only``,
streaming) reads the sheets calamine could not.

Memory: calamine loads a whole sheet before the first row (about 50 bytes a cell in Rust, and
several times that once the rows are Python values), so an .xlsx/.xlsm whose largest sheet part
is over :data:`STREAM_SHEET_BYTES` uncompressed is read by openpyxl in read-only mode, row by
row, in constant memory (slower: about 35,000 cells a second against calamine's 600,000).
.xlsb, .xls and .ods have no streaming reader here (.xls is at most 65,536 rows a sheet).

Header rows: when the first non-empty row of a sheet holds only strings with letters in them,
it is taken as a header and each cell below gets its column's header as context, so the number in
a column called "Personnummer" scores like a number with the word beside it. Header cells are
segments too.

Numbers are formatted as a person would type them: ``198506012387``, not ``198506012387.0``.
Booleans and dates are skipped: they are not text a recognizer reads.

Locators are ``sheet=<name>/cell=<cell>`` in A1 notation, e.g. ``sheet=Kunder/cell=B3``
(:class:`~piiscan.locator.Locator` escapes a ``/``, ``=`` or ``%`` in a sheet name). A sheet's
name is scanned too, as a segment located ``sheet=<name>/name``; the sheet name is listed in
every segment's :attr:`~piiscan.model.Segment.names`, so a sheet named with a personnummer is
masked in every locator of the sheet.

.. versionadded:: 0.1
"""

from __future__ import annotations

import itertools
import math
import re
import warnings
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import PurePath
from typing import Any, TypeVar

import python_calamine

from piiscan.errors import EncryptedError, ExtractionError
from piiscan.extractors.base import Blob, Item, Limits
from piiscan.extractors.office_crypto import is_encrypted_office
from piiscan.extractors.zips import open_zip_of
from piiscan.locator import Locator
from piiscan.model import Segment

# Formats openpyxl can read when calamine fails.
_OPENPYXL_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xltx", ".xltm"})
#: An OOXML workbook with a sheet part larger than this (uncompressed) is streamed by openpyxl.
STREAM_SHEET_BYTES = 16 * 1024 * 1024
_SHEET_PART = re.compile(r"xl/worksheets/[^/]+\.xml")
# openpyxl rows are read in batches so that warnings can be silenced around the reading
# without a generator yielding inside ``catch_warnings`` (that would leak the filter).
_BATCH_ROWS = 1000

_T = TypeVar("_T")

Row = tuple[int, int, Sequence[object]]
"""A row as (0-based row index, 0-based column of its first value, values)."""


def column_letter(index: int) -> str:
    """The A1 column name of a 0-based column index (0 -> ``A``, 27 -> ``AB``).

    :param index: 0-based column index.
    """
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def cell_text(value: object) -> str:
    """The text of a cell value for scanning, or ``""`` when there is nothing to scan.

    :param value: a value as calamine or openpyxl return it.
    """
    if isinstance(value, bool):
        return ""
    if isinstance(value, str):
        return value if value.strip() else ""
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return ""
        return str(int(value)) if value.is_integer() else repr(value)
    return ""


def is_header_row(values: Iterable[object]) -> bool:
    """True when a row looks like column headers: non-empty, and every value a word-ish string.

    :param values: the row's cell values.
    """
    present = [v for v in values if cell_text(v)]
    return bool(present) and all(
        isinstance(v, str) and any(ch.isalpha() for ch in v) for v in present
    )


def sheet_segments(sheet: str, rows: Iterable[Row]) -> Iterator[Segment]:
    """Turn the rows of one sheet into cell segments, with header context where there is one.

    :param sheet: the sheet's name, used in the locator (and scanned: the first segment is
        the name itself, located ``sheet=<name>/name``).
    :param rows: the sheet's rows, top to bottom.
    """
    names = (sheet,)
    sheet_step = Locator.of(("sheet", sheet))
    if sheet.strip():
        yield Segment(text=sheet, locator=sheet_step.child("name").render(), names=names)
    # An A1 reference needs no escaping: the cell step is appended to the rendered sheet step.
    cell_prefix = sheet_step.child(("cell", "")).render()
    headers: dict[int, str] | None = None
    for r, first_column, values in rows:
        cells = [(first_column + i, text) for i, v in enumerate(values) if (text := cell_text(v))]
        if not cells:
            continue
        if headers is None:
            headers = {c: " ".join(t.split()) for c, t in cells} if is_header_row(values) else {}
            context: dict[int, str] = {}
        else:
            context = headers
        for c, text in cells:
            header = context.get(c)
            yield Segment(
                text=text,
                locator=f"{cell_prefix}{column_letter(c)}{r + 1}",
                context=(header,) if header else (),
                names=names,
            )


class _SheetFailed(Exception):
    """calamine could not read a sheet (or the workbook); carries the original error."""


def _guard(action: Callable[..., _T], *args: object) -> _T:
    """Call into calamine, turning errors and Rust panics into :class:`_SheetFailed`."""
    try:
        return action(*args)
    except (KeyboardInterrupt, SystemExit, GeneratorExit):
        raise
    except python_calamine.PasswordError as exc:
        raise EncryptedError("password-protected workbook") from exc
    except BaseException as exc:
        # PanicException derives from BaseException; anything else calamine raises is an
        # Exception. Both mean this file (or sheet) cannot be read by calamine.
        raise _SheetFailed from exc


def _open_calamine(blob: Blob) -> python_calamine.CalamineWorkbook:
    if blob.path is not None:
        return _guard(python_calamine.CalamineWorkbook.from_path, str(blob.path))
    with blob.opener() as stream:
        return _guard(python_calamine.CalamineWorkbook.from_filelike, stream)


def _calamine_rows(workbook: python_calamine.CalamineWorkbook, name: str) -> Iterator[Row]:
    sheet = _guard(workbook.get_sheet_by_name, name)
    if sheet.start is None:
        return iter(())
    row0, column0 = sheet.start
    # to_python(skip_empty_area=True) starts at sheet.start in both directions; iter_rows does not
    # do so consistently across calamine versions, so the documented form is used.
    data = _guard(sheet.to_python, True)
    return ((row0 + i, column0, values) for i, values in enumerate(data))


def _largest_sheet_part(blob: Blob) -> int:
    """The uncompressed size of the largest sheet part of an OOXML workbook (0 if none)."""
    try:
        with blob.opener() as stream, open_zip_of(blob, stream) as archive:
            return max(
                (i.file_size for i in archive.infolist() if _SHEET_PART.fullmatch(i.filename)),
                default=0,
            )
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        return 0  # (a zip of a version zipfile does not know: found by fuzzing)


def _openpyxl_sheets(blob: Blob, skip: set[str]) -> Iterator[tuple[str, Iterator[Row]]]:
    """Sheets that calamine did not read, streamed by openpyxl in read-only mode."""
    # Imported here: only a workbook calamine cannot read, or one with a sheet too large to
    # read whole, needs it, and its import (with Pillow's) costs about 0.1 s a process.
    import openpyxl

    with blob.opener() as stream:
        try:
            with warnings.catch_warnings():
                # openpyxl warns about styles and extensions it drops; not our concern here.
                warnings.simplefilter("ignore")
                workbook = openpyxl.load_workbook(stream, read_only=True, data_only=True)
        except Exception as exc:
            raise ExtractionError("damaged or unreadable workbook") from exc
        try:
            for sheet in workbook.worksheets:
                if sheet.title in skip:
                    continue
                yield sheet.title, _openpyxl_rows(sheet)
        finally:
            workbook.close()


def _openpyxl_rows(sheet: Any) -> Iterator[Row]:
    rows = enumerate(sheet.iter_rows(min_row=1, min_col=1, values_only=True))
    while True:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                batch = list(itertools.islice(rows, _BATCH_ROWS))
        except Exception as exc:
            raise ExtractionError("damaged or unreadable worksheet") from exc
        if not batch:
            return
        for r, values in batch:
            yield r, 0, values


def _calamine_sheets(blob: Blob, done: set[str]) -> Iterator[tuple[str, Iterator[Row]]]:
    workbook = _open_calamine(blob)
    try:
        for name in workbook.sheet_names:
            yield name, _calamine_rows(workbook, name)
            done.add(name)
    finally:
        workbook.close()


def extract_spreadsheet(blob: Blob, limits: Limits) -> Iterator[Item]:
    """Yield one segment per non-empty text or number cell of every sheet, hidden ones included.

    :param blob: an .xlsx, .xlsm, .xlsb, .xls or .ods workbook.
    :param limits: the scan's limits (the text budget is applied by the dispatcher).
    :raises EncryptedError: when the workbook is password protected.
    :raises ExtractionError: when the workbook cannot be read (including calamine panics).
    """
    if is_encrypted_office(blob):
        raise EncryptedError("password-protected workbook")
    done: set[str] = set()
    sheets: Iterator[tuple[str, Iterator[Row]]]
    if _largest_sheet_part(blob) > STREAM_SHEET_BYTES:
        sheets = _openpyxl_sheets(blob, set())
    else:
        sheets = _calamine_sheets(blob, done)
    while True:
        try:
            name, rows = next(sheets)
        except StopIteration:
            return
        except _SheetFailed as exc:
            if PurePath(blob.name).suffix.lower() not in _OPENPYXL_SUFFIXES:
                raise ExtractionError("damaged or unsupported workbook") from exc.__cause__
            sheets = _openpyxl_sheets(blob, set(done))
            continue
        yield from sheet_segments(name, rows)
