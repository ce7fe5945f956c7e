"""Big text files read in ranges, as separate tasks, with the rows of a read at once.

A plain-text file larger than ``ScanConfig.split_bytes`` is split into byte ranges that run as
separate tasks (on the local pool or on Dask), so one big file no longer keeps one worker busy
while the others wait. The findings, their locators (``line=N``) and the file's ``objects`` row
are those of the file read at once, byte for byte.

How a range knows its first line: **a pre-pass in the scanner**. Before the file's tasks are
sent, the scanner reads the file once, decodes it as :func:`piiscan.extractors.text.read_text`
does, and cuts it as :func:`~piiscan.extractors.text.extract_text` does
(:func:`~piiscan.extractors.text.text_chunks`), counting lines and bytes; no engine runs. A
range starts where a chunk that ended on a line break ends, so it is cut from there exactly as
the whole file is, and it carries the byte offset, the line number and the encoding of its
start. Fixing locators up at merge time instead would need every range to hold its findings
until the ranges before it have reported, and chunk borders that depend on text before the
range would still differ; the pre-pass costs one sequential read without analysis (a small
fraction of a scan's time per byte, see ``benchmarks/scale.py``) and keeps the tasks
independent.

The pre-pass declines (the file is read at once) when the file is not ``text/plain``, when
its encoding is not one whose bytes a decoded text maps back to exactly (UTF-8, or a
single-byte code page), when the encoding changes mid-file, when its text is over the text
budget (the whole-file read then stops with ``too_large`` at a point the ranges could not
reproduce), and when it has fewer than two ranges.

Each range is a task on an :class:`~piiscan.scan.plan.ObjectHandle` with a :class:`Span`. Its
findings go to the inventory as they come; the row it sends at its end is a partial one that
:class:`RangeMerger` holds until every range of the file has sent its own, then merges into
the file's one row (worst status, first reason, summed durations and counts). The file's own
name is scanned, and its content hash made, by the first range only. The per-file time limit
applies to each range.

CSV files, mbox files and SQL dumps are not split yet: their items (rows with a header's
column names, messages, COPY blocks and INSERT statements) need a pre-pass of their own.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Final

from piiscan.config import SPLIT_BYTES
from piiscan.errors import PiiscanError
from piiscan.extractors.base import Blob, Limits
from piiscan.extractors.sniff import HEAD_BYTES, media_type
from piiscan.extractors.text import read_text, text_chunks
from piiscan.locator import join
from piiscan.model import FindingChunk, ObjectRef, ObjectResult, Segment, Status
from piiscan.scan.plan import ObjectHandle
from piiscan.sources import Source

__all__ = [
    "DEFAULT_SPLIT_BYTES",
    "RangeMerger",
    "Span",
    "span_segments",
    "split_large",
    "text_spans",
]

#: Plain-text files larger than this are read in ranges of about this size: the size up to
#: which a file gets a content hash, so a split file's row needs none.
DEFAULT_SPLIT_BYTES: Final = SPLIT_BYTES

# Encodings whose decoded text encodes back to exactly the bytes it came from.
_EXACT: Final = frozenset({"utf-8", "utf-8-sig", "cp1252", "cp850", "mac-roman", "latin-1"})
_BLOCK_BYTES: Final = 64 * 1024

REASON_STOPPED = "the scan stopped while the object was read"


@dataclass(frozen=True, slots=True, kw_only=True)
class Span:
    """A range of a text file, as one task reads it.

    :param start: the byte offset where the range starts (where a chunk of the whole file
        starts, after a line break).
    :param end: the byte offset where it ends (exclusive).
    :param line: the line number of its first character.
    :param encoding: the file's encoding (``utf-8`` for a ``utf-8-sig`` file past its mark).
    :param index: its place among the file's ranges, from 0.
    :param count: how many ranges the file has.
    """

    start: int
    end: int
    line: int
    encoding: str
    index: int
    count: int

    @property
    def first(self) -> bool:
        """The first range scans the file's name and makes its content hash."""
        return self.index == 0

    @property
    def last(self) -> bool:
        """The last range ends where the file ends."""
        return self.index == self.count - 1


def text_spans(blob: Blob, limits: Limits, split_bytes: int) -> list[Span] | None:
    """The ranges of a plain-text file of about ``split_bytes`` each, or ``None`` when it is
    read at once (see the module docstring)."""
    if blob.size is None or blob.size <= split_bytes or blob.size > limits.max_object_bytes:
        return None
    try:
        if media_type(blob, blob.read(HEAD_BYTES)) != "text/plain":
            return None
        encoding, pieces = read_text(blob, block_bytes=_BLOCK_BYTES)
    except (PiiscanError, OSError):
        return None
    if encoding not in _EXACT:
        return None
    offset = 3 if encoding == "utf-8-sig" else 0  # the byte-order mark is not text
    step = "utf-8" if encoding == "utf-8-sig" else encoding
    chars = 0
    borders: list[tuple[int, int]] = [(offset, 1)]  # (byte offset, line) where a range starts
    try:
        for chunk in text_chunks(pieces, limits):
            chars += len(chunk.text)
            if chars > limits.max_text_chars:
                return None
            dropped = chunk.text[: chunk.dropped]
            offset += len(dropped.encode(step))
            if chunk.last:
                break
            ended_on_line = chunk.dropped == len(chunk.text)
            if ended_on_line and offset - borders[-1][0] >= split_bytes:
                borders.append((offset, chunk.line + dropped.count("\n")))
    except (UnicodeError, OSError, PiiscanError):
        return None
    if offset != blob.size or len(borders) < 2:
        return None  # the encoding changed mid-file, or the file changed meanwhile
    ends = [start for start, _ in borders[1:]] + [blob.size]
    return [
        Span(start=start, end=end, line=line, encoding=step, index=index, count=len(borders))
        for index, ((start, line), end) in enumerate(zip(borders, ends, strict=True))
    ]


def span_segments(blob: Blob, limits: Limits, span: Span) -> Iterator[Segment]:
    """The segments of one range: the chunks of the whole file that lie in it."""
    import codecs

    def pieces() -> Iterator[str]:
        decoder = codecs.getincrementaldecoder(span.encoding)(errors="strict")
        with blob.opener() as stream:
            stream.seek(span.start)
            left = span.end - span.start
            while left > 0:
                block = stream.read(min(_BLOCK_BYTES, left))
                if not block:
                    break
                left -= len(block)
                yield decoder.decode(block)
            yield decoder.decode(b"", final=True)

    for chunk in text_chunks(pieces(), limits, first_line=span.line, final=span.last):
        yield Segment(text=chunk.text, locator=join([("line", str(chunk.line))]))


def split_large(
    items: Iterable[Any],
    sources: list[Source],
    limits: Limits,
    split_bytes: int | None,
    merger: RangeMerger,
) -> Iterator[Any]:
    """``items`` with each big plain-text file replaced by a handle per range (registered
    with ``merger``); ``split_bytes`` ``None`` or 0 splits nothing."""
    for item in items:
        if (
            not split_bytes
            or not isinstance(item, ObjectHandle)
            or item.ref.members
            or item.span is not None
            or (item.size or 0) <= split_bytes
        ):
            yield item
            continue
        try:
            blob = sources[item.root_index].open(item.source_path)
            spans = text_spans(blob, limits, split_bytes)
        except (PiiscanError, OSError):
            spans = None
        if not spans:
            yield item
            continue
        merger.expect(item.ref, len(spans))
        for span in spans:
            yield dataclasses.replace(item, span=span)


class RangeMerger:
    """Holds the partial rows of a file's ranges until all have come, then makes its row."""

    def __init__(self) -> None:
        self._expected: dict[ObjectRef, int] = {}
        self._rows: dict[ObjectRef, list[ObjectResult]] = {}

    def expect(self, ref: ObjectRef, count: int) -> None:
        """The file ``ref`` is read in ``count`` ranges."""
        self._expected[ref] = count
        self._rows[ref] = []

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
        del self._expected[row.ref], self._rows[row.ref]
        return _merged(rows)

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
            merged = _merged(rows) if rows else None
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


def _merged(rows: list[ObjectResult]) -> ObjectResult:
    """One row from the ranges' rows: the first row that is not ``ok`` decides the status
    and reason (a range that failed fails the file, as the whole read would have)."""
    worst = next((row for row in rows if row.status is not Status.OK), rows[0])
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
        columns=(),
    )
