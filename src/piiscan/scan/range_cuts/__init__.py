"""Where a big file of each kind may be cut, and how one range of it is read.

Each module here is one kind of file, in two halves that must agree with the extractor of
that kind, and with each other:

- a **pre-pass** (``cut``), run by the scanner before the file's tasks are sent: it reads the
  file once from the start as the extractor does, without the engine, and returns the byte
  offsets where a range may start (:class:`Cuts`) with what a range starting there needs to
  know (its first line, its first row and the CSV header, its first message's number, the
  dump's tables and the rows each had so far), or ``None`` when the file is read at once;
- a **range reader** (``items``), run by the task: it reads the bytes of one range and yields
  the items the extractor yields for them, with the same locators.

Kinds:

- :mod:`.text`: plain text, cut where a chunk of the whole text ends on a line break;
- :mod:`.delimited`: CSV and TSV, cut between records (a quoted field may hold line breaks,
  so records are found by the :mod:`csv` reader itself), carrying the dialect, the header
  and the row number;
- :mod:`.mbox`: mbox mailboxes, cut at the ``From `` line of a message, carrying its number;
- :mod:`.dumps`: plain ``pg_dump`` SQL (between statements and ``COPY`` blocks, or inside a
  ``COPY`` block between rows, carrying the table and its columns) and
  ``mysqldump``/``mariadb-dump`` SQL (between statements), carrying the tables' shapes and
  row counts.

Every kind decodes text as :func:`piiscan.extractors.text.read_text` does and declines when
the file's encoding is not one whose bytes a decoded text maps back to exactly (UTF-8, or a
single-byte code page), or when it changes mid-file: a range must start at a byte offset.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

from piiscan.extractors.base import Blob

if TYPE_CHECKING:
    from piiscan.scan.ranges import Span

__all__ = [
    "BLOCK_BYTES",
    "EXACT",
    "Cuts",
    "TableCount",
    "range_bytes",
    "range_lines",
    "range_pieces",
    "step_encoding",
    "text_start",
]

#: Encodings whose decoded text encodes back to exactly the bytes it came from.
EXACT: Final = frozenset({"utf-8", "utf-8-sig", "cp1252", "cp850", "mac-roman", "latin-1"})
#: Bytes read per step.
BLOCK_BYTES: Final = 64 * 1024


@dataclass(frozen=True, slots=True, kw_only=True)
class TableCount:
    """The rows a whole read counts for one table of a file, as its column profiles give
    them (:class:`~piiscan.scan.columns.ColumnCounter`): the ranges' profiles are merged with
    these, since a range sees only part of the table.

    :param table: the table as its locators name it (``""`` for a CSV file).
    :param rows: the rows scanned (``rows_scanned`` is at least the rows matched).
    :param rows_total: the rows the table holds, when the reader says.
    """

    table: str
    rows: int
    rows_total: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Cuts:
    """What a pre-pass found: where ranges start, and what each must know.

    :param encoding: the encoding a range decodes its bytes with (``utf-8`` for a
        ``utf-8-sig`` file: its ranges start past the byte-order mark).
    :param starts: ``(byte offset, start state)`` of each range, the first at the file's
        first byte of text; each range ends where the next starts, the last at the file's
        end. The state is the kind's own frozen dataclass.
    :param tables: the row counts of the file's tables, for the column profiles.
    """

    encoding: str
    starts: tuple[tuple[int, object], ...]
    tables: tuple[TableCount, ...] = field(default=())


def step_encoding(encoding: str) -> str:
    """The codec a range decodes with: ``utf-8`` past a ``utf-8-sig`` file's mark."""
    return "utf-8" if encoding == "utf-8-sig" else encoding


def text_start(encoding: str) -> int:
    """The byte offset of the first character of text (past a UTF-8 byte-order mark)."""
    return 3 if encoding == "utf-8-sig" else 0


def range_bytes(blob: Blob, span: Span) -> Iterator[bytes]:
    """The bytes of one range, in blocks."""
    with blob.opener() as stream:
        stream.seek(span.start)
        left = span.end - span.start
        while left > 0:
            block = stream.read(min(BLOCK_BYTES, left))
            if not block:
                break
            left -= len(block)
            yield block


def range_pieces(blob: Blob, span: Span) -> Iterator[str]:
    """The text of one range, decoded strictly in pieces (the pre-pass decoded it so)."""
    decoder = codecs.getincrementaldecoder(span.encoding)(errors="strict")
    for block in range_bytes(blob, span):
        if piece := decoder.decode(block):
            yield piece
    if tail := decoder.decode(b"", final=True):
        yield tail


def range_lines(blob: Blob, span: Span) -> Iterator[bytes]:
    """The lines of one range as bytes (each keeps its ``\\n``), as iterating a binary file
    gives them."""
    with blob.opener() as stream:
        stream.seek(span.start)
        left = span.end - span.start
        while left > 0:
            line = stream.readline()  # whole lines, however long, as the extractor reads them
            if not line:
                break
            line = line[:left]  # a range ends at a line's start; this only guards a change
            left -= len(line)
            yield line
