"""Outlook ``.msg`` messages, through extract-msg (the optional extra ``piiscan-se[msg]``).

extract-msg is licensed GPL-3.0, so it is not a dependency of the MIT-licensed package: it
comes with ``pip install 'piiscan-se[msg]'``. Without it a ``.msg`` is an ``unsupported`` row
whose reason names the extra.

A ``.msg`` holds one message, read like an ``.eml`` (:mod:`piiscan.extractors.mail.message`)
and located under ``message=<Message-ID>`` (without one, ``message=`` + the file name):

- headers From (the sender), To, Cc, Bcc and Subject: ``header=From``, one address a line,
  the header name and its Swedish name as context;
- the plain-text body ``part=body`` and the HTML body through the HTML extractor,
  ``part=html/line=3``. An .msg has no MIME sections: these names stand in for them;
- attachment ``i`` (1-based) as a member ``part=att1/attachment=kund.docx`` for the
  dispatcher, dated with the message's date; an attached Outlook item (an embedded message)
  is read in place under ``part=att1``.

.. versionadded:: 0.2
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from piiscan.errors import ExtractionError, TooLargeError, UnsupportedError
from piiscan.extractors.base import Blob, Item, Limits, Member
from piiscan.extractors.html import extract_html
from piiscan.extractors.mail.locators import attachment_step, message_step
from piiscan.extractors.mail.message import HEADERS
from piiscan.model import Segment

__all__ = ["MISSING_EXTRA", "extract_msg"]

MISSING_EXTRA = "Outlook .msg needs the optional extra piiscan-se[msg] (extract-msg)"

_SWEDISH = dict(HEADERS)
_FIELDS = (("From", "sender"), ("To", "to"), ("Cc", "cc"), ("Bcc", "bcc"), ("Subject", "subject"))


def _join(*steps: str) -> str:
    return "/".join(step for step in steps if step)


def _field(msg: Any, attribute: str) -> str:
    try:
        value = getattr(msg, attribute, None)
    except Exception:  # a missing or malformed property stream
        return ""
    return value if isinstance(value, str) else ""


def _headers(msg: Any, prefix: str) -> Iterator[Segment]:
    for name, attribute in _FIELDS:
        text = _field(msg, attribute)
        if name != "Subject":
            text = "\n".join(part.strip() for part in text.split(";") if part.strip())
        if text.strip():
            yield Segment(
                text=text, locator=_join(prefix, f"header={name}"), context=(name, _SWEDISH[name])
            )


def _timestamp(msg: Any) -> float | None:
    try:
        when = msg.date
    except Exception:
        return None
    if not isinstance(when, dt.datetime):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.timestamp()


def _bodies(msg: Any, prefix: str, limits: Limits) -> Iterator[Item]:
    body = _field(msg, "body")
    if body.strip():
        yield Segment(text=body, locator=_join(prefix, "part=body"))
    try:
        html = msg.htmlBody
    except Exception:  # extract-msg may fail to derive HTML from an RTF body
        html = None
    if isinstance(html, bytes) and html.strip():
        page = Blob.from_bytes("body.html", html)
        for item in extract_html(page, limits):
            if isinstance(item, Segment):
                locator = _join(prefix, "part=html", item.locator)
                yield Segment(text=item.text, locator=locator, context=item.context)


def _message(
    msg: Any, prefix: str, blob: Blob, limits: Limits, nesting: int, mtime: float | None
) -> Iterator[Item]:
    yield from _headers(msg, prefix)
    yield from _bodies(msg, prefix, limits)
    for index, attachment in enumerate(getattr(msg, "attachments", ()), start=1):
        section = f"att{index}"
        data = getattr(attachment, "data", None)
        if isinstance(data, bytes):
            name = getattr(attachment, "longFilename", None) or getattr(
                attachment, "shortFilename", None
            )
            filename = name if isinstance(name, str) and name else None
            member = Blob.from_bytes(filename or f"{section}.bin", data, depth=blob.depth + 1)
            step = attachment_step(section, filename)
            yield Member(name=_join(prefix, step), blob=member, mtime=mtime)
        elif data is not None and hasattr(data, "attachments"):
            if nesting >= limits.max_depth:
                raise TooLargeError("nesting depth limit")
            inner = _join(prefix, f"part={section}")
            yield from _message(data, inner, blob, limits, nesting + 1, mtime)


def extract_msg(blob: Blob, limits: Limits) -> Iterator[Item]:
    """Yield the headers, bodies and attachments of an Outlook ``.msg``.

    :raises UnsupportedError: extract-msg is not installed (the reason names the extra).
    :raises ExtractionError: the file is not a readable Outlook item.
    :raises TooLargeError: attachments nested deeper than the depth limit.
    """
    try:
        import extract_msg as outlook
    except ImportError:
        raise UnsupportedError(MISSING_EXTRA) from None
    try:
        msg = outlook.openMsg(blob.read())
    except Exception as error:  # any parse failure of the OLE file is one reason
        raise ExtractionError("unreadable Outlook message") from error
    try:
        message_id = _field(msg, "messageId") or None
        prefix = message_step(message_id, blob.name)
        yield from _message(msg, prefix, blob, limits, 0, _timestamp(msg))
    finally:
        msg.close()
