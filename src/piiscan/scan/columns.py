"""Column profiles: how much of each column of each table holds each kind of personal data.

A reader of an inventory wants "``shop.orders.pnr`` holds SE_PERSONNUMMER in 98 % of its
rows" without listing every row. :class:`ColumnCounter` is fed, per object, every segment of a
tabular source with the findings the engine made in it, and counts per (table, column, entity
type) in constant memory per column: no value and no row key is kept.

Where a segment sits comes from its locator alone (:func:`cell_of`):

- dumps and SQLite: ``table=public.kunder/column=pnr/row=id:4711``;
- CSV and Parquet: ``row=17/column=Personnummer`` (one table per file, named ``""``);
- spreadsheets: ``sheet=Kunder/cell=B3`` (or the older ``sheet=Kunder!B3``), the column
  named by its header (the segment's context) where the sheet has one, else by its letter.

Rows scanned per table are counted as the row part of the locator changes (rows come in
order), so a row with no value at all is not seen; a header row (a first row without context
over rows with it) is not counted. Extractors that know better, the dump and SQLite readers
and Parquet, end each table with a :class:`~piiscan.model.TableRows` note giving the rows read
and whether they were a sample (``--sample-rows``); :meth:`ColumnCounter.note` takes it and its
numbers win.

.. versionadded:: 0.2
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from piiscan.locator import Locator
from piiscan.model import ColumnProfile, Finding, Segment, TableRows

__all__ = ["ColumnCounter", "cell_of"]

_A1 = re.compile(r"^(?P<sheet>.*)!(?P<column>[A-Z]{1,4})(?P<row>\d+)$")


def cell_of(segment: Segment) -> tuple[str, str, str] | None:
    """``(table, column, row)`` of a segment of a tabular source; ``None`` for other text.

    >>> cell_of(Segment(text="x", locator="table=public.kunder/column=pnr/row=id:4"))
    ('public.kunder', 'pnr', 'id:4')
    >>> cell_of(Segment(text="x", locator="sheet=Kunder!B3", context=("Namn",)))
    ('Kunder', 'Namn', '3')
    >>> cell_of(Segment(text="x", locator="page=2")) is None
    True
    """
    locator = segment.locator
    if "column=" not in locator and "sheet=" not in locator:  # most text: not a table
        return None
    # A dump's or SQLite's cell: ``table=…/column=…/row=…``. The steps before the row repeat
    # cell after cell, so they are parsed once (a dump has tens of thousands of cells a MB).
    head, slash, last = locator.rpartition("/")
    if slash and last.startswith("row="):
        place = _table_column(head)
        if place is not None:
            try:
                return place[0], place[1], _row_value(last)
            except ValueError:
                return None
    return _cell_of_steps(segment)


@functools.lru_cache(maxsize=4096)
def _table_column(head: str) -> tuple[str, str] | None:
    """``(table, column)`` of the steps before a cell's last ``row=`` step, when they name a
    column and hold no ``row`` step of their own (the last would win); else ``None``, and the
    whole locator is parsed."""
    try:
        steps = Locator.parse(head).steps
    except ValueError:
        return None
    values = {key: value for key, value in steps if value is not None}
    column = values.get("column")
    if column is None or "row" in values:
        return None
    return values.get("table") or values.get("sheet") or "", column


def _row_value(step: str) -> str:
    """The value of a ``row=…`` step, unescaped as :meth:`Locator.parse` does it."""
    ((_, value),) = Locator.parse(step).steps if "%" in step else (("row", step[4:]),)
    assert value is not None
    return value


def _cell_of_steps(segment: Segment) -> tuple[str, str, str] | None:
    """:func:`cell_of` from every step of the locator."""
    locator = segment.locator
    try:
        steps = Locator.parse(locator).steps
    except ValueError:
        return None
    values = {key: value for key, value in steps if value is not None}
    column, row = values.get("column"), values.get("row")
    if column is not None and row is not None:
        return values.get("table") or values.get("sheet") or "", column, row
    sheet = values.get("sheet")
    if sheet is None:
        return None
    # sheet=Kunder/cell=B3, or sheet=Kunder!B3 (the form before locators had a cell step)
    a1 = f"{sheet}!{values['cell']}" if "cell" in values else sheet
    cell = _A1.match(a1)
    if cell is None:
        return None
    header = segment.context[0] if segment.context else cell.group("column")
    return cell.group("sheet"), header, cell.group("row")


@dataclass(slots=True)
class _Table:
    rows: int = 0
    last_row: str | None = None
    first_row: str | None = None
    first_row_context: bool = False
    later_context: bool = False
    matched: dict[tuple[str, str], int] = field(default_factory=dict)
    noted: TableRows | None = None


class ColumnCounter:
    """Counts rows and matches per column for one object (see the module docstring).

    Feed it every item of the object in order: :meth:`note` first (it takes the
    :class:`~piiscan.model.TableRows` notes, which are no text), then :meth:`add` with each
    segment's findings; :meth:`profiles` gives the rows of the ``columns`` table.
    """

    def __init__(self) -> None:
        self._tables: dict[str, _Table] = {}

    def note(self, item: object) -> bool:
        """Take a :class:`~piiscan.model.TableRows` note; ``False`` for anything else."""
        if not isinstance(item, TableRows):
            return False
        self._tables.setdefault(item.table, _Table()).noted = item
        return True

    def add(self, segment: Segment, findings: Iterable[Finding]) -> None:
        """Count one segment (a cell) and the entity types found in it."""
        place = cell_of(segment)
        if place is None:
            return
        name, column, row = place
        table = self._tables.get(name)
        if table is None:
            table = self._tables[name] = _Table()
        if row != table.last_row:
            table.rows += 1
            table.last_row = row
            if table.first_row is None:
                table.first_row = row
        if row == table.first_row:
            table.first_row_context = table.first_row_context or bool(segment.context)
        elif segment.context:
            table.later_context = True
        for entity_type in {finding.entity_type for finding in findings}:
            key = (column, entity_type)
            table.matched[key] = table.matched.get(key, 0) + 1

    def profiles(self) -> tuple[ColumnProfile, ...]:
        """One profile per (table, column, entity type) found, by table, column, type."""
        out = []
        for name in sorted(self._tables):
            table = self._tables[name]
            rows = table.rows
            if table.first_row is not None and table.later_context and not table.first_row_context:
                rows -= 1  # the header row
            noted = table.noted
            if noted is not None:
                rows = noted.rows_read
            for (column, entity_type), matched in sorted(table.matched.items()):
                out.append(
                    ColumnProfile(
                        table=name,
                        column=column,
                        entity_type=entity_type,
                        rows_scanned=max(rows, matched),
                        rows_matched=matched,
                        rows_total=noted.rows_total if noted is not None else None,
                        sample_rows=noted.sample_rows if noted is not None else None,
                    )
                )
        return tuple(out)
