"""Delimited text (CSV, TSV, semicolon-separated Excel exports).

The file is decoded by the policy of :mod:`piiscan.extractors.text` and read as a stream of
records; only the first 64 KB are held at once to guess the dialect and the header.

- Delimiter: :class:`csv.Sniffer` restricted to ``; , TAB |``; when it gives up, the
  candidate that occurs most often in the first line wins (comma when none occurs).
- Header: row 1 is a header when every cell is non-empty, unique and free of digits and
  ``@`` (so a personnummer, phone number or e-mail address never becomes a column name), and
  either row 2 breaks that rule or a row-1 cell contains a common column word (``namn``,
  ``adress``, ``telefon``, ``e-post``, ``name``, ``email`` ...). :meth:`csv.Sniffer.has_header`
  is not consulted: it calls ``Anna;Bo`` over ``Carl;Dan`` a header, which would put names
  into locators. A file of one row has no header.
- Every non-empty cell becomes a segment, header cells included (so a misjudged header
  loses nothing). Locator ``row=N/column=C``: ``N`` is the 1-based record number in the
  file, the header being row 1, as a spreadsheet program shows it; ``C`` is the header name,
  or the 1-based column number when there is no header or the header cell is empty
  (:class:`~piiscan.locator.Locator` escapes it; a header name holding a finding is masked
  in every locator by the scan driver, see :attr:`~piiscan.model.Segment.names`).
  With a header, ``context`` is ``(column name,)``.
- A record that cannot be read (a field over the :mod:`csv` field size limit of 131,072
  characters, or a malformed record) is passed over, and reading goes on with the next
  line. After the last record :class:`~piiscan.errors.PartialError` names the rows lost
  (status ``partial``), so the findings of every other record are kept. When no record at
  all could be read the file is an ``error``.

A big file is read in ranges between records (:mod:`piiscan.scan.range_cuts.delimited`) by the
same parts: :func:`delimited_layout` decides dialect and header once, :func:`delimited_cells`
numbers and names the cells of any run of records.

.. versionadded:: 0.1
"""

from __future__ import annotations

import csv
import itertools
from collections.abc import Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from piiscan.errors import ExtractionError, PartialError
from piiscan.extractors.base import Blob, Limits
from piiscan.extractors.text import iter_lines, read_text
from piiscan.locator import join
from piiscan.model import Segment

__all__ = [
    "DelimitedLayout",
    "delimited_cells",
    "delimited_layout",
    "delimited_lines",
    "delimited_records",
    "extract_delimited",
    "guess_dialect",
    "header_names",
    "looks_like_header",
]

_DELIMITERS = ";,\t|"
_SNIFF_CHARS = 64 * 1024
_LOST_SHOWN = 5  # rows named in the reason of a partly read file
_COLUMN_WORDS = (
    "namn",
    "adress",
    "gata",
    "post",
    "ort",
    "telefon",
    "mobil",
    "mejl",
    "e-post",
    "epost",
    "nummer",
    "datum",
    "kund",
    "person",
    "kommun",
    "land",
    "id",
    "kod",
    "typ",
    "titel",
    "name",
    "address",
    "street",
    "city",
    "phone",
    "mail",
    "number",
    "date",
    "code",
    "type",
)


def _fallback_dialect(sample: str) -> type[csv.Dialect]:
    first = sample.split("\n", 1)[0]
    counts = {delimiter: first.count(delimiter) for delimiter in _DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    if counts[best] == 0:
        return csv.excel
    if best == "\t":
        return csv.excel_tab
    return type("Sniffed", (csv.excel,), {"delimiter": best})


def guess_dialect(sample: str) -> type[csv.Dialect]:
    """The CSV dialect of a sample: :class:`csv.Sniffer` first, counting as a fallback.

    :param sample: the first complete lines of the file.
    """
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=_DELIMITERS)
    except csv.Error:
        return _fallback_dialect(sample)
    first = sample.split("\n", 1)[0]
    # The Sniffer can pick a delimiter that never occurs in the first line on odd input.
    if dialect.delimiter not in first and any(d in first for d in _DELIMITERS):
        return _fallback_dialect(sample)
    return dialect


def _label_like(row: Sequence[str]) -> bool:
    cells = [cell.strip() for cell in row]
    return (
        len(cells) > 0
        and all(cells)
        and len(set(cells)) == len(cells)
        and not any(char.isdigit() or char == "@" for cell in cells for char in cell)
    )


def looks_like_header(rows: Sequence[Sequence[str]]) -> bool:
    """Whether the first of ``rows`` is a header (rule in the module docstring).

    :param rows: the first rows of the file (at least two to say yes).
    """
    if len(rows) < 2 or not _label_like(rows[0]):
        return False
    if not _label_like(rows[1]):
        return True
    return any(word in cell.lower() for cell in rows[0] for word in _COLUMN_WORDS)


# Fields of the csv module's limit a line may hold before it is cut (iter_lines).
_LINE_FIELDS = 16


def _sample(lines: Iterator[str]) -> tuple[list[str], str]:
    taken: list[str] = []
    size = 0
    for line in lines:
        taken.append(line)
        size += len(line)
        if size >= _SNIFF_CHARS:
            break
    return taken, "".join(taken)


def _record_problem(error: csv.Error) -> str:
    """What was wrong with a record, in words that never quote it."""
    if "field limit" in str(error):
        return f"field over {csv.field_size_limit()} characters"
    return "malformed record"


def _lost_rows(lost: Sequence[tuple[int, str]]) -> str:
    shown = "; ".join(f"row {row}: {problem}" for row, problem in lost[:_LOST_SHOWN])
    more = f"; {len(lost) - _LOST_SHOWN} more" if len(lost) > _LOST_SHOWN else ""
    return shown + more


def _records(reader: Iterator[list[str]], lost: list[tuple[int, str]]) -> Iterator[list[str]]:
    """The records of ``reader``; one that raises :class:`csv.Error` is noted and passed over.

    :param lost: receives ``(row number, problem)`` of each record passed over.
    """
    number = 0
    while True:
        number += 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            lost.append((number, _record_problem(error)))
            yield []
            continue
        yield row


def extract_delimited(blob: Blob, limits: Limits) -> Iterator[Segment]:
    """Yield every non-empty cell of a CSV/TSV file as a segment.

    :param blob: the object.
    :param limits: the scan's limits (the text budget is applied by the dispatcher).
    :raises UnsupportedError: the object looks binary.
    :raises PartialError: after the last record, when some records could not be read.
    :raises ExtractionError: no record at all could be read.
    """
    _, pieces = read_text(blob)
    layout, lines = delimited_layout(pieces)
    if layout is None:
        return
    lost: list[tuple[int, str]] = []
    records = delimited_records(lines, layout, lost)
    row_number = yield from delimited_cells(records, layout)
    if lost and len(lost) == row_number:
        raise ExtractionError(f"malformed CSV, no record readable ({_lost_rows(lost)})")
    if lost:
        noun = "record" if len(lost) == 1 else "records"
        raise PartialError(f"{len(lost)} CSV {noun} not read ({_lost_rows(lost)})")


@dataclass(frozen=True, slots=True, kw_only=True)
class DelimitedLayout:
    """What a CSV file's first lines decide for all of it.

    :param dialect: the :func:`csv.reader` parameters of the dialect
        :func:`guess_dialect` chose (a plain dict, so a range of the file can carry it).
    :param header: row 1 is a header (:func:`looks_like_header`).
    """

    dialect: dict[str, Any]
    header: bool


_DIALECT_FIELDS = ("delimiter", "quotechar", "escapechar", "doublequote", "skipinitialspace",
                   "lineterminator", "quoting", "strict")  # fmt: skip


def delimited_lines(pieces: Iterator[str]) -> Iterator[str]:
    """The lines of a CSV file's decoded text as its reader gets them (a line far past the
    field limit is a record the reader refuses anyway: cut, so that it is never held whole,
    one 50 MB field)."""
    return iter_lines(pieces, max_chars=_LINE_FIELDS * csv.field_size_limit())


def delimited_layout(pieces: Iterator[str]) -> tuple[DelimitedLayout | None, Iterator[str]]:
    """The dialect and header of a CSV file from its first 64 KB, and all its lines (those
    read to decide included); ``None`` for a file of blank text."""
    lines = delimited_lines(pieces)
    head, sample = _sample(lines)
    if not sample.strip():
        return None, iter(())
    # Sniff on whole lines only: a cut final line confuses the Sniffer.
    sniff_text = sample if len(head) == 1 else "".join(head[:-1])
    dialect = guess_dialect(sniff_text)
    params = {name: getattr(dialect, name) for name in _DIALECT_FIELDS if hasattr(dialect, name)}
    try:
        first_rows = list(itertools.islice(csv.reader(iter(head), **params), 2))
    except csv.Error:
        first_rows = []
    layout = DelimitedLayout(dialect=params, header=looks_like_header(first_rows))
    return layout, itertools.chain(head, lines)


def delimited_cells(
    records: Iterable[list[str]],
    layout: DelimitedLayout,
    *,
    first_row: int = 1,
    names: Sequence[str] = (),
) -> Generator[Segment, None, int]:
    """The segments of a CSV file's records; returns the number of the last record.

    :param first_row: the 1-based number of the first record (a range of a big file starts
        further in, :mod:`piiscan.scan.range_cuts.delimited`).
    :param names: the header's column names when the records start past it.
    """
    column_names = [*names]
    # The rendered ``column=`` step of each column index, escaped once (names hold anything).
    column_steps: dict[int, str] = {}
    header = layout.header
    row_number = first_row - 1
    for row in records:
        row_number += 1
        if row_number == 1 and header:
            column_names = header_names(row)
            column_steps.clear()
        # A header cell is not data of its own column: "Namn" under "Namn" is no name.
        is_header = header and row_number == 1
        for index, cell in enumerate(row):
            if not cell.strip():
                continue
            name = column_names[index] if index < len(column_names) else ""
            column = name or str(index + 1)
            step = column_steps.get(index)
            if step is None:
                step = column_steps[index] = join([("column", column)])
            yield Segment(
                text=cell,
                locator=f"row={row_number}/{step}",
                context=(name,) if name and not is_header else (),
                names=(name,) if name else (),
            )
    return row_number


def header_names(row: Sequence[str]) -> list[str]:
    """The column names of a header row."""
    return [cell.strip() for cell in row]


def delimited_records(
    lines: Iterable[str], layout: DelimitedLayout, lost: list[tuple[int, str]]
) -> Iterator[list[str]]:
    """The records of a CSV file's lines; one that cannot be read is noted in ``lost`` and
    passed over (an empty record in its place)."""
    return _records(csv.reader(lines, **layout.dialect), lost)
