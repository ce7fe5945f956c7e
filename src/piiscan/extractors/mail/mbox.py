"""mbox mailboxes: one member per message, read as a stream in constant memory.

Messages are separated by ``From `` lines (``From sender Mon Jan  1 00:00:00 2024``). A line
counts as a separator only at the start of the file or after an empty line, and only when it
holds a time of day and a year (``12:34:56 2024``), so an unescaped ``From here on...`` in a
body does not split a message. ``>From `` lines (mboxrd escaping) lose one ``>``. Text
before the first separator is a message of its own when the file does not begin with one.

Each message is yielded as a :class:`~piiscan.extractors.base.Member` named
``message=<Message-ID>`` (without one: ``message=#17``, its 1-based index in the file), dated
with its ``Date`` header, and typed ``message/rfc822`` by the mailbox, so the dispatcher reads
it with :func:`piiscan.extractors.mail.message.extract_eml` in its own guard: a message with
broken MIME is an ``error`` row of its own and the other messages are read as usual.

Memory holds one message at a time. A message over ``limits.max_member_bytes`` is skipped
(read through, not kept); after the last message the extractor raises
:class:`~piiscan.errors.TooLargeError` naming how many were skipped, so the mailbox's row says
"partly scanned" while the other messages were scanned.

A big mbox is read in ranges that start at ``From`` lines (:mod:`piiscan.scan.range_cuts.mbox`):
:func:`mbox_members` reads a range's lines with the number of its first message.

.. versionadded:: 0.2
"""

from __future__ import annotations

import dataclasses
import email.parser
import email.policy
import re
from collections.abc import Iterable, Iterator
from email.message import Message

from piiscan.errors import TooLargeError
from piiscan.extractors.base import Blob, Limits, Member
from piiscan.extractors.mail.locators import message_step
from piiscan.extractors.mail.message import MESSAGE, message_date, message_id

__all__ = ["extract_mbox", "is_separator", "mbox_members", "split_mbox"]

_SEPARATOR = re.compile(rb"From \S+\s.*\d{1,2}:\d\d")
_YEAR = re.compile(rb"\b(?:19|20)\d\d\b")
_ESCAPED_FROM = re.compile(rb">+From ")
_BLANK = (b"\n", b"\r\n")


def is_separator(line: bytes) -> bool:
    """Whether ``line`` looks like an mbox ``From `` line (a sender, a time of day, a year)."""
    return _SEPARATOR.match(line) is not None and _YEAR.search(line) is not None


def split_mbox(lines: Iterable[bytes], max_bytes: int) -> Iterator[bytes | None]:
    """Split the lines of an mbox into messages: each message's bytes, or None for a message
    over ``max_bytes`` (read through and dropped)."""
    kept: list[bytes] = []
    size = 0
    started = False  # a message (possibly empty) is open
    previous_blank = True
    for line in lines:
        if previous_blank and line.startswith(b"From ") and is_separator(line):
            if started or any(part.strip() for part in kept):
                yield b"".join(kept) if size <= max_bytes else None
            kept, size, started, previous_blank = [], 0, True, False
            continue
        previous_blank = line in _BLANK
        size += len(line)
        if size > max_bytes:
            kept = []
            continue
        if line.startswith(b">") and _ESCAPED_FROM.match(line):  # the regex on few lines
            line = line[1:]
        kept.append(line)
    if started or any(part.strip() for part in kept):
        yield b"".join(kept) if size <= max_bytes else None


def _header_block(data: bytes) -> bytes:
    """A message's bytes up to its first empty line, which hold all its headers: the header
    parser would read the body's lines too (a quarter of an mbox's time), only to drop them."""
    cuts = [at + len(blank) for blank in (b"\n\n", b"\n\r\n") if (at := data.find(blank)) >= 0]
    return data[: min(cuts)] if cuts else data


def extract_mbox(blob: Blob, limits: Limits) -> Iterator[Member]:
    """Yield the messages of an mbox file as members, one at a time.

    :raises TooLargeError: after the last message, when some messages were over
        ``max_member_bytes``.
    """
    skipped: list[int] = []
    with blob.opener() as stream:
        yield from mbox_members(stream, blob.depth, limits, skipped=skipped)
    if skipped:
        raise TooLargeError(
            f"mbox: {len(skipped)} message(s) skipped, message over {limits.max_member_bytes} bytes"
        )


def mbox_members(
    lines: Iterable[bytes],
    depth: int,
    limits: Limits,
    *,
    first: int = 1,
    skipped: list[int] | None = None,
) -> Iterator[Member]:
    """The messages of an mbox's lines as members (a range of a big mbox starts at a ``From``
    line, :mod:`piiscan.scan.range_cuts.mbox`).

    :param depth: the mailbox's depth (its messages are one deeper).
    :param first: the 1-based number of the first message, which names a message without a
        Message-ID.
    :param skipped: receives the number of each message over ``max_member_bytes``.
    """
    parser = email.parser.BytesHeaderParser(policy=email.policy.compat32)
    for index, data in enumerate(split_mbox(lines, limits.max_member_bytes), start=first):
        if data is None:
            if skipped is not None:
                skipped.append(index)
            continue
        headers: Message
        try:
            headers = parser.parsebytes(_header_block(data))
        except Exception:  # the message's own extractor reports it; name it by index
            headers = Message()
        member = Blob.from_bytes(f"{index}.eml", data, depth=depth + 1)
        yield Member(
            name=message_step(message_id(headers), f"#{index}"),
            blob=dataclasses.replace(member, media_type=MESSAGE),
            mtime=message_date(headers),
        )
