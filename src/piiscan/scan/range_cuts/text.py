"""Plain text: cut where a chunk of the whole text ends on a line break.

The pre-pass decodes the file as :func:`piiscan.extractors.text.read_text` does and cuts it
as :func:`~piiscan.extractors.text.extract_text` does
(:func:`~piiscan.extractors.text.text_chunks`), counting lines and bytes; no engine runs. A
range starts where a chunk that ended on a line break ends, so it is cut from there exactly as
the whole file is, and it knows the line number of its start. It declines when the text is
over the text budget (the whole read then stops with ``too_large`` at a point the ranges could
not reproduce).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from piiscan.errors import PiiscanError
from piiscan.extractors.base import Blob, Limits
from piiscan.extractors.text import read_text, text_chunks
from piiscan.locator import join
from piiscan.model import Segment
from piiscan.scan.range_cuts import BLOCK_BYTES, EXACT, Cuts, range_pieces, step_encoding

if TYPE_CHECKING:
    from piiscan.scan.ranges import Span

__all__ = ["START", "TextAt", "cut", "items"]


@dataclass(frozen=True, slots=True)
class TextAt:
    """Where a range of a text file starts: the line number of its first character."""

    line: int


START = TextAt


def cut(blob: Blob, limits: Limits, split_bytes: int) -> Cuts | None:
    """Where the ranges of a plain-text file start, or ``None`` to read it at once."""
    try:
        encoding, pieces = read_text(blob, block_bytes=BLOCK_BYTES)
    except (PiiscanError, OSError):
        return None
    if encoding not in EXACT:
        return None
    offset = 3 if encoding == "utf-8-sig" else 0  # the byte-order mark is not text
    step = step_encoding(encoding)
    chars = 0
    starts: list[tuple[int, object]] = [(offset, TextAt(1))]
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
            if ended_on_line and offset - starts[-1][0] >= split_bytes:
                starts.append((offset, TextAt(chunk.line + dropped.count("\n"))))
    except (UnicodeError, OSError, PiiscanError):
        return None
    if offset != blob.size:
        return None  # the encoding changed mid-file, or the file changed meanwhile
    return Cuts(encoding=step, starts=tuple(starts))


def items(blob: Blob, limits: Limits, span: Span) -> Iterator[Segment]:
    """The segments of one range: the chunks of the whole file that lie in it."""
    assert isinstance(span.at, TextAt)
    pieces = range_pieces(blob, span)
    for chunk in text_chunks(pieces, limits, first_line=span.at.line, final=span.last):
        yield Segment(text=chunk.text, locator=join([("line", str(chunk.line))]))
