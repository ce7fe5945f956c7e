"""Outlook ``.pst``/``.ost`` files through libpff-python (``pypff``; the extra ``piiscan-se[pst]``).

libpff-python is LGPL-3.0-or-later and compiled, so it is an optional extra: without it a
``.pst`` is an ``unsupported`` row whose reason names the extra.

The file is walked folder by folder, message by message, straight from the file (it is never
read whole). Each message becomes a member for the dispatcher, rebuilt as an RFC 5322 message
and read by :func:`piiscan.extractors.mail.message.extract_eml`, so headers, bodies and
attachments are located as in any other mailbox:

- its name is ``message=<Message-ID>`` from the transport headers; without one (sent or
  drafted items have no transport headers) ``message=`` + the escaped folder path and the
  item's identifier, ``message=Inkorg%2FKunder#2097188``;
- its headers are From, Sender, Reply-To, To, Cc, Bcc, Subject, Date and Message-ID from the
  transport headers; without them From is the sender's name and Subject the item's subject;
- its parts are the plain-text body, the HTML body (as a ``multipart/alternative``) and the
  attachments with their long file names, numbered as IMAP sections of the rebuilt message
  (``part=1.1``, ``part=1.2/line=3``, ``part=2/attachment=kund.docx``). An attached Outlook
  item (an embedded message) is not opened: libpff exposes only its raw structure, which
  becomes an ``unsupported`` member;
- it is dated with the delivery time, else the submit time.

A damaged PST keeps what was read before the damage: a folder, message, body or attachment
that libpff cannot read is passed over, and after the walk the extractor raises
:class:`~piiscan.errors.ExtractionError` naming how many were passed over.

.. versionadded:: 0.2
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import email.parser
import email.policy
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

from piiscan.errors import ExtractionError, UnsupportedError
from piiscan.extractors.base import Blob, Limits, Member
from piiscan.extractors.html import decode_html
from piiscan.extractors.mail.locators import message_step
from piiscan.extractors.mail.message import MESSAGE
from piiscan.extractors.text import decode_text

__all__ = ["MISSING_EXTRA", "extract_pst"]

MISSING_EXTRA = "Outlook .pst needs the optional extra piiscan-se[pst] (libpff-python)"

_KEPT_HEADERS = (
    "From", "Sender", "Reply-To", "To", "Cc", "Bcc", "Subject", "Date", "Message-ID",
)  # fmt: skip


@dataclasses.dataclass(slots=True)
class _Damage:
    count: int = 0


def _get(item: Any, name: str, damage: _Damage | None = None) -> Any:
    try:
        return getattr(item, name, None)
    except Exception:  # a damaged property: absent, and counted when it matters
        if damage is not None:
            damage.count += 1
        return None


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return decode_text(value)[0]
    return value if isinstance(value, str) else ""


def _when(item: Any) -> dt.datetime | None:
    for name in ("delivery_time", "client_submit_time"):
        value = _get(item, name)
        if isinstance(value, dt.datetime):
            return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    return None


def _rebuild(item: Any, limits: Limits, damage: _Damage) -> EmailMessage:
    """An RFC 5322 message holding what the PST item holds."""
    msg = EmailMessage()
    headers = _text(_get(item, "transport_headers", damage))
    if headers.strip():
        parsed = email.parser.HeaderParser(policy=email.policy.compat32).parsestr(headers)
        for name in _KEPT_HEADERS:
            for value in parsed.get_all(name) or ():
                try:
                    msg[name] = value
                except (ValueError, TypeError):  # a header the policy refuses: dropped
                    continue
    if "From" not in msg and _text(_get(item, "sender_name")).strip():
        msg["From"] = _text(_get(item, "sender_name")).strip()
    if "Subject" not in msg and _text(_get(item, "subject")).strip():
        msg["Subject"] = _text(_get(item, "subject")).strip()
    when = _when(item)
    if "Date" not in msg and when is not None:
        msg["Date"] = when
    plain = _text(_get(item, "plain_text_body", damage))
    html_bytes = _get(item, "html_body", damage)
    html = decode_html(html_bytes) if isinstance(html_bytes, bytes) else ""
    msg.set_content(plain or "\n")
    if html.strip():
        msg.add_alternative(html, subtype="html")
    for index in range(_get(item, "number_of_attachments") or 0):
        try:
            attachment = item.get_attachment(index)
            size = attachment.size or 0
            if size > limits.max_member_bytes:
                continue
            data = attachment.read_buffer(size) if size else b""
        except Exception:  # an unreadable attachment: the rest of the message is kept
            damage.count += 1
            continue
        filename = _text(_get(attachment, "long_filename")) or None
        msg.add_attachment(data, maintype="application", subtype="octet-stream", filename=filename)
    return msg


def _messages(
    folder: Any, path: str, limits: Limits, damage: _Damage, depth: int
) -> Iterator[tuple[str, Any]]:
    try:
        count = folder.number_of_sub_messages
    except Exception:
        damage.count += 1
        count = 0
    for index in range(count):
        try:
            item = folder.get_sub_message(index)
        except Exception:  # a damaged message: passed over
            damage.count += 1
            continue
        yield path, item
    try:
        folders = folder.number_of_sub_folders
    except Exception:
        damage.count += 1
        return
    for index in range(folders):
        try:
            sub = folder.get_sub_folder(index)
            name = _text(_get(sub, "name"))
        except Exception:
            damage.count += 1
            continue
        yield from _messages(sub, f"{path}/{name}" if path else name, limits, damage, depth + 1)


def extract_pst(blob: Blob, limits: Limits) -> Iterator[Member]:
    """Yield the messages of an Outlook ``.pst``/``.ost`` as members, one at a time.

    :raises UnsupportedError: libpff-python is not installed (the reason names the extra).
    :raises ExtractionError: the file cannot be opened, or (after the readable messages) some
        folders or messages were damaged.
    """
    try:
        import pypff
    except ImportError:
        raise UnsupportedError(MISSING_EXTRA) from None
    damage = _Damage()
    with blob.opener() as stream:
        pst = pypff.file()
        try:
            pst.open_file_object(stream)
            root = pst.get_root_folder()
        except Exception as error:  # not a PST, or its header is damaged
            raise ExtractionError("unreadable Outlook PST") from error
        try:
            for path, item in _messages(root, "", limits, damage, 0):
                try:
                    msg = _rebuild(item, limits, damage)
                    data = msg.as_bytes()
                except Exception:  # a message that cannot be rebuilt: passed over
                    damage.count += 1
                    continue
                identifier = _get(item, "identifier")
                member = Blob.from_bytes(f"{identifier}.eml", data, depth=blob.depth + 1)
                when = _when(item)
                yield Member(
                    name=message_step(msg.get("Message-ID"), f"{path}#{identifier}"),
                    blob=dataclasses.replace(member, media_type=MESSAGE),
                    mtime=when.timestamp() if when is not None else None,
                )
        finally:
            pst.close()
    if damage.count:
        raise ExtractionError(
            f"damaged Outlook PST: {damage.count} folder(s), message(s) or part(s) could not be "
            "read; the others were scanned"
        )
