"""mbox mailboxes: cut at the ``From `` line that starts a message.

The pre-pass runs the mailbox's own splitter (:func:`piiscan.extractors.mail.mbox.split_mbox`)
over the file's lines, counting bytes: when it hands over a message it has just read the
``From `` line of the next one, so a range may start at that line, and knows the number of
its first message (which names a message without a Message-ID, ``message=#17``). A range is
read by the same splitter from there: a ``From `` line at its start is a separator as it is
after the empty line before it in the whole file. It declines when a message is over the
member size limit (the whole read names how many were skipped in the mailbox's row).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from piiscan.extractors.base import Blob, Limits, Member
from piiscan.extractors.mail.mbox import mbox_members, split_mbox
from piiscan.scan.range_cuts import Cuts, range_lines

if TYPE_CHECKING:
    from piiscan.scan.ranges import Span

__all__ = ["START", "MboxAt", "cut", "items"]


@dataclass(frozen=True, slots=True)
class MboxAt:
    """Where a range of an mbox starts: the number of its first message."""

    message: int


START = MboxAt


def cut(blob: Blob, limits: Limits, split_bytes: int) -> Cuts | None:
    """Where the ranges of an mbox start (at ``From `` lines), or ``None`` to read it at
    once."""
    offset = 0
    last_line = 0  # the length of the line read last
    ended = False  # every line has been read
    starts: list[tuple[int, object]] = [(0, MboxAt(1))]

    def counted(lines: Iterable[bytes]) -> Iterator[bytes]:
        nonlocal offset, last_line, ended
        for line in lines:
            offset += len(line)
            last_line = len(line)
            yield line
        ended = True

    with blob.opener() as stream:
        for number, message in enumerate(split_mbox(counted(stream), limits.max_member_bytes), 1):
            if message is None:
                return None  # skipped as too large: the whole read's row counts them
            if ended:
                break  # the last message, handed over at the end of the file
            # Handed over on the ``From`` line of the next message, read just now.
            separator = offset - last_line
            if separator - starts[-1][0] >= split_bytes:
                starts.append((separator, MboxAt(number + 1)))
    if offset != blob.size:
        return None  # the file changed meanwhile
    return Cuts(encoding="", starts=tuple(starts))


def items(blob: Blob, limits: Limits, span: Span) -> Iterator[Member]:
    """The messages of one range, numbered as in the whole mailbox."""
    assert isinstance(span.at, MboxAt)
    return mbox_members(range_lines(blob, span), blob.depth, limits, first=span.at.message)
