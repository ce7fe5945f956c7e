"""Big files read in ranges, as separate tasks, with the rows of a read at once.

A plain-text file, a CSV or TSV file, an mbox mailbox or a plain SQL dump (``pg_dump``,
``mysqldump``/``mariadb-dump``) larger than ``ScanConfig.split_bytes`` is split into byte
ranges that run as separate tasks (on the local pool or on Dask), so one big file no longer
keeps one worker busy while the others wait. The findings, their locators (``line=N``,
``row=N/column=C``, ``message=…``, ``table=…/column=…/row=…``), the rows of an mbox's messages,
the file's column profiles and its ``objects`` row are those of the file read at once, byte
for byte.

How a range knows where it is: **a pre-pass in the scanner**. Before the file's tasks are
sent, the scanner reads the file once as its extractor does, without the engine, and notes
where a range may start and what a range starting there must know (:mod:`piiscan.scan.range_cuts`,
one module per kind: the first line of a text range; the CSV dialect, header and first row
number; the number of an mbox range's first message; a dump's table shapes, the rows each
table had before the range and, for a range that starts inside a ``COPY`` block, its table and
columns). Ranges start only on boundaries the extractor itself would cross cleanly: where a
chunk of text ended on a line break, between CSV records, at an mbox ``From `` line, between
SQL statements or between the rows of a ``COPY`` block. Fixing locators up at merge time
instead would need every range to hold its findings until the ranges before it have reported;
the pre-pass costs one sequential read without analysis (a small fraction of a scan's time per
byte, see ``benchmarks/scale.py``) and keeps the tasks independent. Nothing of the content
travels with a range but what its locators carry anyway (the CSV header's column names, a
dump's table and column names).

The pre-pass declines (the file is read at once) when the format is none of those, when the
encoding is not one whose bytes a decoded text maps back to exactly (UTF-8, or a single-byte
code page) or changes mid-file, when the whole read would stop or fail part-way (more text
than the text budget; a CSV record that cannot be read; an mbox message over the member size
limit; a dump cut short or malformed; a dump larger than the text budget), when
``--sample-rows`` samples a dump's tables (a sample is drawn over the whole table), for
custom-format (``-Fc``) dumps, and when the file has fewer than two ranges.

Each range is a task on an :class:`~piiscan.scan.plan.ObjectHandle` with a :class:`Span`. Its
findings (and an mbox range's message rows) go to the inventory as they come; the file's row
it sends at its end is a partial one that :class:`RangeMerger` holds until every range of the
file has sent its own, then merges into the file's one row (worst status, first reason,
summed durations and counts, column profiles summed over the ranges with the row counts the
pre-pass counted). The file's own name is scanned, and its content hash made, by the first
range only. **The per-file time limit applies to each range**, not to the file: a file split
into ten ranges may take up to ten times the limit in all, and a range that runs out of time
makes the file's row ``timed_out`` while the other ranges' findings stay.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Final, cast

from piiscan.config import SPLIT_BYTES
from piiscan.errors import PiiscanError
from piiscan.extractors.base import Blob, Item, Limits
from piiscan.extractors.sniff import HEAD_BYTES, media_type
from piiscan.model import ColumnProfile, FindingChunk, ObjectRef, ObjectResult, Status
from piiscan.scan.plan import ObjectHandle
from piiscan.scan.range_cuts import Cuts, TableCount, delimited, dumps, mbox, text
from piiscan.sources import Source

__all__ = [
    "DEFAULT_SPLIT_BYTES",
    "RangeMerger",
    "RangeStart",
    "Span",
    "cut_ranges",
    "span_items",
    "split_large",
]

#: Files larger than this are read in ranges of about this size: the size up to which a file
#: gets a content hash, so a split file's row needs none.
DEFAULT_SPLIT_BYTES: Final = SPLIT_BYTES

REASON_STOPPED = "the scan stopped while the object was read"

#: What a range must know of what came before it, by kind (:mod:`piiscan.scan.range_cuts`).
RangeStart = text.TextAt | delimited.DelimitedAt | mbox.MboxAt | dumps.DumpAt

# The pre-pass and range reader of each media type; a SQL file's depends on its writer.
_KINDS: Final = {
    "text/plain": text,
    "text/csv": delimited,
    "text/tab-separated-values": delimited,
    "application/mbox": mbox,
    "application/sql": dumps,
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Span:
    """A range of a big file, as one task reads it.

    :param start: the byte offset where the range starts (a boundary the pre-pass found).
    :param end: the byte offset where it ends (exclusive).
    :param index: its place among the file's ranges, from 0.
    :param count: how many ranges the file has.
    :param media_type: the file's media type, as a read at once reports it.
    :param encoding: the encoding its text is decoded with (``utf-8`` for a ``utf-8-sig``
        file past its mark; unused for an mbox, read as bytes).
    :param at: what the range must know of what came before it: the start state of its
        kind (:mod:`piiscan.scan.range_cuts`).
    """

    start: int
    end: int
    index: int
    count: int
    media_type: str
    encoding: str
    at: RangeStart

    @property
    def first(self) -> bool:
        """The first range scans the file's name and makes its content hash."""
        return self.index == 0

    @property
    def last(self) -> bool:
        """The last range ends where the file ends."""
        return self.index == self.count - 1


def cut_ranges(
    blob: Blob, limits: Limits, split_bytes: int
) -> tuple[list[Span], tuple[TableCount, ...]] | None:
    """The ranges of a file of about ``split_bytes`` each, with the row counts of its tables,
    or ``None`` when it is read at once (see the module docstring)."""
    if blob.size is None or blob.size <= split_bytes or blob.size > limits.max_object_bytes:
        return None
    try:
        media = media_type(blob, blob.read(HEAD_BYTES))
        kind = _KINDS.get(media)
        cuts: Cuts | None = kind.cut(blob, limits, split_bytes) if kind is not None else None
    except (PiiscanError, OSError, UnicodeError):
        return None
    if cuts is None or len(cuts.starts) < 2:
        return None
    ends = [start for start, _ in cuts.starts[1:]] + [blob.size]
    spans = [
        Span(start=start, end=end, index=index, count=len(cuts.starts), media_type=media,
             encoding=cuts.encoding, at=cast(RangeStart, at))
        for index, ((start, at), end) in enumerate(zip(cuts.starts, ends, strict=True))
    ]  # fmt: skip
    return spans, cuts.tables


def span_items(blob: Blob, limits: Limits, span: Span) -> Iterator[Item]:
    """The items of one range: those the file's extractor yields for its bytes."""
    at = span.at
    if isinstance(at, text.START):
        return text.items(blob, limits, span)
    if isinstance(at, delimited.START):
        return delimited.items(blob, limits, span)
    if isinstance(at, mbox.START):
        return mbox.items(blob, limits, span)
    if isinstance(at, dumps.START):
        return dumps.items(blob, limits, span)
    raise TypeError(f"no range reader for {type(at).__name__}")


def split_large(
    items: Iterable[Any],
    sources: list[Source],
    limits: Limits,
    split_bytes: int | None,
    merger: RangeMerger,
) -> Iterator[Any]:
    """``items`` with each big file that can be split replaced by a handle per range
    (registered with ``merger``); ``split_bytes`` ``None`` or 0 splits nothing."""
    for item in items:
        if (
            not split_bytes
            or not isinstance(item, ObjectHandle)
            or item.ref.members
            or item.span is not None
            or item.row is not None
            or (item.size or 0) <= split_bytes
        ):
            yield item
            continue
        try:
            blob = sources[item.root_index].open(item.source_path)
            found = cut_ranges(blob, limits, split_bytes)
        except (PiiscanError, OSError):
            found = None
        if not found:
            yield item
            continue
        spans, tables = found
        merger.expect(item.ref, len(spans), tables)
        for span in spans:
            yield dataclasses.replace(item, span=span)


class RangeMerger:
    """Holds the partial rows of a file's ranges until all have come, then makes its row."""

    def __init__(self) -> None:
        self._expected: dict[ObjectRef, int] = {}
        self._rows: dict[ObjectRef, list[ObjectResult]] = {}
        self._tables: dict[ObjectRef, tuple[TableCount, ...]] = {}

    def expect(self, ref: ObjectRef, count: int, tables: tuple[TableCount, ...] = ()) -> None:
        """The file ``ref`` is read in ``count`` ranges; ``tables``: the row counts of its
        tables, as a read at once counts them (the pre-pass's)."""
        self._expected[ref] = count
        self._rows[ref] = []
        self._tables[ref] = tables

    def is_range(self, ref: ObjectRef) -> bool:
        """Whether rows of ``ref`` are partial rows of ranges."""
        return ref in self._expected

    def take(self, row: ObjectResult) -> ObjectResult | None:
        """Keep a range's partial row (its findings recorded already); the file's row once
        every range has sent its own."""
        rows = self._rows[row.ref]
        rows.append(row)
        if len(rows) < self._expected[row.ref]:
            return None
        tables = self._tables.pop(row.ref)
        del self._expected[row.ref], self._rows[row.ref]
        return _merged(rows, tables)

    def take_row(
        self, row: ObjectResult, add_findings: Callable[[FindingChunk], None]
    ) -> ObjectResult | None:
        """:meth:`take` for a range's row as a local task sent it: the findings it carries go
        to ``add_findings`` first."""
        if row.findings:
            add_findings(FindingChunk(ref=row.ref, findings=row.findings))
        return self.take(dataclasses.replace(row, findings=(), streamed=row.finding_count))

    def flush(self) -> Iterator[ObjectResult]:
        """The rows of files whose ranges did not all come (the scan stopped): ``error``
        rows that count the findings recorded."""
        for ref, rows in list(self._rows.items()):
            merged = _merged(rows, ()) if rows else None
            streamed = merged.finding_count if merged is not None else 0
            yield ObjectResult(
                ref=ref,
                status=Status.ERROR,
                reason=REASON_STOPPED,
                size=merged.size if merged is not None else None,
                mtime=merged.mtime if merged is not None else None,
                streamed=streamed,
            )
        self._expected.clear()
        self._rows.clear()
        self._tables.clear()


def _merged(rows: list[ObjectResult], tables: tuple[TableCount, ...]) -> ObjectResult:
    """One row from the ranges' rows, which come in any order: a range that is not ``ok``
    decides the status and reason (a range that failed fails the file, as the whole read would
    have); of several, the same one whatever the order (by status, then reason)."""
    failed = [row for row in rows if row.status is not Status.OK]
    worst = min(failed, key=lambda row: (row.status.value, row.reason)) if failed else rows[0]
    first = rows[0]
    return ObjectResult(
        ref=first.ref,
        status=worst.status,
        reason=worst.reason,
        size=first.size,
        mtime=first.mtime,
        media_type=next((row.media_type for row in rows if row.media_type), ""),
        content_hash=next((row.content_hash for row in rows if row.content_hash), ""),
        duration=sum(row.duration for row in rows),
        findings=(),
        streamed=sum(row.finding_count for row in rows),
        known_values=sum(row.known_values for row in rows),
        columns=_merged_columns(rows, tables),
    )


def _merged_columns(
    rows: list[ObjectResult], tables: tuple[TableCount, ...]
) -> tuple[ColumnProfile, ...]:
    """The file's column profiles: rows matched summed over the ranges, rows scanned and
    held as the pre-pass counted them for the whole table (a range sees part of it), ordered
    as :meth:`~piiscan.scan.columns.ColumnCounter.profiles` orders them."""
    matched: dict[tuple[str, str, str], int] = {}
    scanned: dict[tuple[str, str, str], int] = {}
    for row in rows:
        for profile in row.columns:
            key = (profile.table, profile.column, profile.entity_type)
            matched[key] = matched.get(key, 0) + profile.rows_matched
            scanned[key] = scanned.get(key, 0) + profile.rows_scanned
    counts = {count.table: count for count in tables}
    out = []
    for key in sorted(matched):
        count = counts.get(key[0])
        rows_matched = matched[key]
        table_rows = count.rows if count is not None else scanned[key]
        out.append(
            ColumnProfile(
                table=key[0],
                column=key[1],
                entity_type=key[2],
                rows_scanned=max(table_rows, rows_matched),
                rows_matched=rows_matched,
                rows_total=count.rows_total if count is not None else None,
            )
        )
    return tuple(out)
