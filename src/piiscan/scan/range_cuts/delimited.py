"""CSV and TSV files: cut between records.

A quoted field may hold line breaks, so where a record ends is found by the :mod:`csv` reader
itself: the pre-pass decodes the file as :func:`piiscan.extractors.tabular.extract_delimited`
does, decides its dialect and header from its first lines as that does
(:func:`~piiscan.extractors.tabular.delimited_layout`), and reads every record with the same
reader over the same lines, counting the bytes of the lines each record took (the reader
takes lines one at a time and no further than its record). A range starts at a line where a
record starts, and carries the dialect, whether the file has a header, the header's column
names (its locators name them) and the number of its first record. The pre-pass also counts
the rows the column profiles count (rows with a value, less the header row), since a range
sees only part of them.

It declines when a record cannot be read (the whole read names the records lost in its
row), when a line is cut at the reader's field limit, and when the cells hold more text than
the text budget.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from piiscan.errors import ExtractionError, PiiscanError
from piiscan.extractors.base import Blob, Limits
from piiscan.extractors.tabular import (
    DelimitedLayout,
    delimited_cells,
    delimited_layout,
    delimited_lines,
    delimited_records,
    header_names,
)
from piiscan.extractors.text import read_text
from piiscan.model import Segment
from piiscan.scan.range_cuts import (
    BLOCK_BYTES,
    EXACT,
    Cuts,
    TableCount,
    range_pieces,
    step_encoding,
    text_start,
)

if TYPE_CHECKING:
    from piiscan.scan.ranges import Span

__all__ = ["START", "DelimitedAt", "cut", "items"]


@dataclass(frozen=True, slots=True, kw_only=True)
class DelimitedAt:
    """Where a range of a CSV file starts and what it must know of the file's start.

    :param row: the 1-based number of its first record.
    :param dialect: the :func:`csv.reader` parameters of the file's dialect.
    :param header: the file's row 1 is a header.
    :param names: the header's column names (empty without a header).
    """

    row: int
    dialect: tuple[tuple[str, Any], ...]
    header: bool
    names: tuple[str, ...] = ()


START = DelimitedAt


def cut(blob: Blob, limits: Limits, split_bytes: int) -> Cuts | None:
    """Where the ranges of a CSV file start (between records), or ``None`` to read it at
    once."""
    try:
        encoding, pieces = read_text(blob, block_bytes=BLOCK_BYTES)
    except (PiiscanError, OSError):
        return None
    if encoding not in EXACT:
        return None
    step = step_encoding(encoding)
    offset = text_start(encoding)
    layout, lines = delimited_layout(pieces)
    if layout is None:
        return None
    dialect = tuple(layout.dialect.items())

    def counted(lines: Iterable[str]) -> Iterator[str]:
        nonlocal offset
        for line in lines:
            offset += len(line.encode(step))
            yield line

    lost: list[tuple[int, str]] = []
    starts: list[tuple[int, object]] = [
        (offset, DelimitedAt(row=1, dialect=dialect, header=layout.header))
    ]
    names: tuple[str, ...] = ()
    budget = limits.max_text_chars if (blob.size or 0) > limits.max_text_chars else None
    chars = 0
    rows = 0  # rows with a value, as the column profiles count them
    later_named = False  # a row after the header has a value in a named column
    number = 0
    for number, record in enumerate(delimited_records(counted(lines), layout, lost), 1):
        if lost:
            return None
        if number == 1 and layout.header:
            names = tuple(header_names(record))
        values = [index for index, cell in enumerate(record) if cell.strip()]
        if values:
            rows += 1
            if number > 1 and layout.header and values[0] < len(names):
                later_named = True
        if budget is not None:
            chars += sum(len(record[index]) for index in values)
            if chars > budget:
                return None
        if offset - starts[-1][0] >= split_bytes:
            at = DelimitedAt(row=number + 1, dialect=dialect, header=layout.header, names=names)
            starts.append((offset, at))
    if lost or offset != blob.size:
        return None  # a line cut at the field limit, the encoding changed, the file changed
    if starts[-1][0] == offset:
        starts.pop()  # the last record ended a range: no empty range after it
    # The header row is not counted once later rows have a value under a header name.
    header_row = layout.header and later_named and number > 0
    tables = (TableCount(table="", rows=rows - header_row),)
    return Cuts(encoding=step, starts=tuple(starts), tables=tables)


def items(blob: Blob, limits: Limits, span: Span) -> Iterator[Segment]:
    """The cells of one range's records, located as in the whole file."""
    at = span.at
    assert isinstance(at, DelimitedAt)
    layout = DelimitedLayout(dialect=dict(at.dialect), header=at.header)
    lost: list[tuple[int, str]] = []
    lines = delimited_lines(range_pieces(blob, span))
    yield from delimited_cells(
        delimited_records(lines, layout, lost), layout, first_row=at.row, names=at.names
    )
    if lost:  # the file changed since the pre-pass read it
        raise ExtractionError("a CSV record of this range could not be read (changed?)")
