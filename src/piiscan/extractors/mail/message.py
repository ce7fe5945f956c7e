"""E-mail messages (RFC 5322 / MIME): ``.eml`` files, Maildir files and the messages of an mbox.

A message is parsed with the standard library's :mod:`email` package from bytes, with the
fast ``compat32`` policy for its structure (``policy.default`` parses every header it touches,
which cost about 10 ms a message); the headers that are read are then parsed with
``policy.default``'s header classes. It is read as:

- **headers** From, Sender, Reply-To, To, Cc, Bcc and Subject, one segment each (locator
  ``header=From``), RFC 2047 encoded words decoded. Address headers are written one address a
  line as ``Display Name (addr@exempel.se)``: with angle brackets the name recognizer ran some
  names into the address and lost the address. The context is the header name and its Swedish
  name (``From``/``Från``, ``Bcc``/``Dold kopia``...), so a display name counts as a name in a
  name field. Raw 8-bit header bytes are decoded by the Swedish text policy
  (:func:`piiscan.extractors.text.decode_text`), not replaced;
- **bodies**: every ``text/plain`` and ``text/html`` part that is not an attachment, with its
  transfer encoding (quoted-printable, base64) undone and its declared charset applied
  (``iso-8859-1`` is read as windows-1252; an unknown, missing or wrong charset falls back to
  the text policy). Locator ``part=1.2`` (IMAP section numbers). HTML goes through the HTML
  extractor's text path (:func:`piiscan.extractors.html.extract_html`): ``part=1.2/line=3``.
  Both alternatives of a ``multipart/alternative`` are read;
- **attachments** (every other leaf part, and a text part that is an attachment, has a file
  name, or decodes to binary) are handed back as :class:`~piiscan.extractors.base.Member`
  objects named ``part=2/attachment=kund.docx`` (RFC 2231 and RFC 2047 file names decoded),
  dated with the message's ``Date``, so the dispatcher reads a .docx as a .docx;
- **forwarded messages** (``message/rfc822`` parts) are recursed in place: their headers are
  at ``part=2/header=From``, their parts at ``part=2.1``...

What is never scanned as text: encoded data (base64 and quoted-printable are decoded first),
attachments (the dispatcher decides), signatures (``application/pkcs7-signature``,
``application/pgp-signature``: skipped), the body of a multipart whose boundary is missing
(it holds the encoded parts), and encrypted bodies (S/MIME ``pkcs7-mime``,
``multipart/encrypted``).

Failures keep what was read: multiparts nested deeper than :data:`MAX_MIME_DEPTH` stop the
message with :class:`~piiscan.errors.TooLargeError`; after the last part, a missing multipart
boundary raises :class:`~piiscan.errors.ExtractionError` (status ``error``) and an encrypted
body :class:`~piiscan.errors.EncryptedError`; the headers and readable parts keep their
findings.

Where the message sits in the locator: an ``.eml`` or Maildir file holds one message and its
items are located under ``message=<Message-ID>`` (without one, ``message=`` + the file name).
A mailbox (:mod:`piiscan.extractors.mail.mbox`) yields each message as a member named that way
and dated with its ``Date``; such a blob arrives with its media type set by the mailbox, and its
items carry no ``message=`` step of their own. See :mod:`piiscan.extractors.mail.locators`.

.. versionadded:: 0.2
"""

from __future__ import annotations

import codecs
import datetime as dt
import email
import email.errors
import email.header
import email.policy
import email.utils
import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import Message
from pathlib import PurePosixPath

from piiscan.errors import EncryptedError, ExtractionError, TooLargeError
from piiscan.extractors.base import Blob, Item, Limits, Member
from piiscan.extractors.html import extract_html
from piiscan.extractors.mail.locators import attachment_step, message_step
from piiscan.extractors.text import decode_text, looks_binary
from piiscan.model import Segment

__all__ = [
    "HEADERS",
    "MAX_MIME_DEPTH",
    "MESSAGE",
    "decode_body",
    "extract_eml",
    "header_segments",
    "message_date",
    "message_id",
    "parse_message",
]

MESSAGE = "message/rfc822"

HEADERS: tuple[tuple[str, str], ...] = (
    ("From", "Från"),
    ("Sender", "Avsändare"),
    ("Reply-To", "Svar till"),
    ("To", "Till"),
    ("Cc", "Kopia"),
    ("Bcc", "Dold kopia"),
    ("Subject", "Ämne"),
)
"""The headers read, each with the Swedish name passed beside it as context."""

_BROKEN = (
    email.errors.StartBoundaryNotFoundDefect,
    email.errors.CloseBoundaryNotFoundDefect,
)
_SIGNATURES = frozenset(
    {"application/pkcs7-signature", "application/x-pkcs7-signature", "application/pgp-signature"}
)
_ENCRYPTED = frozenset(
    {"multipart/encrypted", "application/pkcs7-mime", "application/x-pkcs7-mime"}
)
_BODY_TYPES = frozenset({"text/plain", "text/html"})
MAX_MIME_DEPTH = 64
"""Multiparts nested deeper than this are refused (``too_large``), before Python's recursion
limit is: real mail nests a few levels."""
_EXTENSIONS = {
    "text/plain": ".txt",
    "text/html": ".html",
    "text/csv": ".csv",
    "text/calendar": ".ics",
    "text/vcard": ".vcf",
    "text/x-vcard": ".vcf",
    "application/json": ".json",
    "application/xml": ".xml",
}
_MEANS_WINDOWS_1252 = frozenset({"iso8859-1", "iso8859-15", "latin-1", "cp1252"})


def parse_message(data: bytes) -> Message:
    """Parse a message's structure from bytes (``compat32``: headers stay raw until read).

    :raises ExtractionError: the parser failed (it is lenient: this is rare).
    """
    data, runs = _fold_base64_runs(data)
    try:
        msg = email.message_from_bytes(data, policy=email.policy.compat32)
    except Exception as error:  # the parser's own bugs: the message is a row, not a crash
        raise ExtractionError("unreadable message") from error
    if runs:
        _unfold_base64_runs(msg, runs)
    return msg


# The stdlib parser handles a message line by line in Python, checking each line against the
# boundaries of every multipart around it: an attachment's base64 lines are most of a mail's
# lines, and most of its parsing time (a 130 KB attachment: 1,700 lines, 4 ms). A line made of
# base64 characters alone plays one part in that parser wherever it stands: it is no boundary
# (those start with ``--``), no header or continuation line (no colon, no leading blank), no
# empty line and no ``From`` line, so it is content of whatever the parser is collecting (a
# body, a preamble, an epilogue; in a header block, the end of the headers and the first body
# line). A run of such lines is therefore parsed as one line of the same kind, a token, and the
# run is put back where the token landed. The last line of a part before its boundary loses its
# line break to the boundary: the token keeps the run's last line break for that. The parser's
# own lines are split on \r, \n and \r\n; the runs here hold no \r but before their \n.
# tests/extractors/test_mail_runs.py compares the parsed trees with and without this.
_BASE64_RUN = re.compile(rb"^(?:[A-Za-z0-9+/=]+\r?\n){16,}", re.MULTILINE)
_RUN_PREFIX = "PiiscanFoldedRun"
_RUN_TOKEN = re.compile(_RUN_PREFIX + r"(\d+)Z")


def _fold_base64_runs(data: bytes) -> tuple[bytes, list[str]]:
    """``data`` with each long run of base64 lines as one token line, and the runs."""
    if len(data) < 4096 or _RUN_PREFIX.encode() in data:
        return data, []
    runs: list[str] = []

    def fold(match: re.Match[bytes]) -> bytes:
        run = match.group(0)
        ending = b"\r\n" if run.endswith(b"\r\n") else b"\n"
        runs.append(run[: -len(ending)].decode("ascii"))
        return f"{_RUN_PREFIX}{len(runs) - 1}Z".encode() + ending

    return _BASE64_RUN.sub(fold, data), runs


def _unfold_base64_runs(msg: Message, runs: list[str]) -> None:
    """Put the runs back wherever the parser left their tokens."""

    def unfold(text: str) -> str:
        return _RUN_TOKEN.sub(lambda m: runs[int(m.group(1))], text)

    for attribute in ("preamble", "epilogue"):
        value = getattr(msg, attribute)
        if isinstance(value, str) and _RUN_PREFIX in value:
            setattr(msg, attribute, unfold(value))
    # The raw payload, as the parser left it (get_payload() would decode 8-bit text).
    payload = getattr(msg, "_payload", None)
    if isinstance(payload, list):
        for part in payload:
            if isinstance(part, Message):
                _unfold_base64_runs(part, runs)
    elif isinstance(payload, str) and _RUN_PREFIX in payload:
        msg.set_payload(unfold(payload))  # a str and no charset: stored as it is


# A raw byte 0x80-0xff as the parser's surrogateescape leaves it.
_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")


def _undo_surrogates(text: str) -> str:
    """Raw 8-bit header bytes arrive as surrogate escapes; decode them by the text policy."""
    if _ESCAPED_BYTE.search(text) is None:
        return text
    return decode_text(text.encode("utf-8", "surrogateescape"))[0]


def _raw_header(value: str) -> str:
    try:
        return str(email.header.make_header(email.header.decode_header(value)))
    except Exception:  # malformed encoded words: keep the text as it stands
        return value


def _raw_values(msg: Message, name: str) -> list[str]:
    """The raw values of a header, unfolded, 8-bit bytes decoded by the text policy."""
    wanted = name.lower()
    values = []
    for key, value in msg.raw_items():
        if key.lower() == wanted and isinstance(value, str):
            values.append(_undo_surrogates("".join(value.splitlines())))
    return values


@functools.lru_cache(maxsize=4096)
def _header_value(name: str, raw: str) -> str:
    # Remembered per process: parsing one address header costs about 0.1 ms, and a mailbox
    # repeats its addresses (its own, its regular correspondents') from message to message.
    try:
        header = email.policy.default.header_factory(name, raw)
        addresses = getattr(header, "addresses", None)
        if not addresses:
            return str(header)
        lines = []
        for address in addresses:
            display, spec = address.display_name, address.addr_spec
            lines.append(f"{display} ({spec})" if display and spec else display or spec)
        return "\n".join(lines)
    except Exception:  # the header parser failed on this header: decode its raw value
        return _raw_header(raw)


def _header_text(msg: Message, name: str) -> list[str]:
    texts = [_header_value(name, raw) for raw in _raw_values(msg, name)]
    return [_undo_surrogates(text) for text in texts if text.strip()]


def header_segments(msg: Message, prefix: str = "") -> Iterator[Segment]:
    """One segment per From/Sender/Reply-To/To/Cc/Bcc/Subject header of ``msg``.

    :param msg: a parsed message.
    :param prefix: the locator of the message (``message=<id>``, ``part=2``), or empty.
    """
    for name, swedish in HEADERS:
        for text in _header_text(msg, name):
            locator = _join(prefix, f"header={name}")
            yield Segment(text=text, locator=locator, context=(name, swedish))


def message_date(msg: Message) -> float | None:
    """The message's ``Date`` as a POSIX timestamp (a date without a zone is read as UTC)."""
    try:
        values = _raw_values(msg, "Date")
        if not values:
            return None
        when = email.utils.parsedate_to_datetime(values[0].strip())
    except Exception:  # missing, malformed or out-of-range dates are common
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    try:
        return when.timestamp()
    except (OverflowError, OSError, ValueError):
        return None


def message_id(msg: Message) -> str | None:
    """The raw value of the message's ``Message-ID`` header, if it has one."""
    values = _raw_values(msg, "Message-ID")
    return values[0] if values else None


def decode_body(payload: bytes, charset: str | None) -> str:
    """Decode a text part: its declared charset when that decodes strictly, else the text
    policy. ``iso-8859-1`` is read as windows-1252, as mail clients do.

    :param payload: the part's bytes, transfer encoding already undone.
    :param charset: the ``charset`` parameter, if any.
    """
    codec: str | None = None
    if charset:
        try:
            codec = codecs.lookup(charset).name
        except (LookupError, ValueError):  # ValueError: a NUL in the name (found by fuzzing)
            codec = None
    if codec in _MEANS_WINDOWS_1252:
        codec = "cp1252"
    if codec is not None:
        try:
            return payload.decode(codec)
        except UnicodeDecodeError:
            pass
    return decode_text(payload)[0]


def _join(*steps: str) -> str:
    return "/".join(step for step in steps if step)


def _blob_name(filename: str | None, section: str, content_type: str) -> str:
    if filename:
        name = PurePosixPath(filename.replace("\\", "/")).name
        if name:
            return name
    return f"part-{section}{_EXTENSIONS.get(content_type, '')}"


@dataclass(slots=True)
class _Walk:
    """One message being read: where its items go and what went wrong on the way."""

    blob: Blob
    limits: Limits
    prefix: str  # locator of the message for segments ("" inside a mailbox's member)
    mtime: float | None
    broken: int = 0
    encrypted: int = 0

    def finish(self) -> None:
        if self.broken:
            raise ExtractionError(
                "broken MIME structure (a multipart boundary is missing); "
                "the readable parts were scanned"
            )
        if self.encrypted:
            raise EncryptedError("encrypted message body; the headers were scanned")


def _section(base: str, index: int) -> str:
    return f"{base}.{index}" if base else str(index)


def _subparts(entity: Message) -> list[Message]:
    payload = entity.get_payload()
    return [sub for sub in payload if isinstance(sub, Message)] if isinstance(payload, list) else []


def _body(walk: _Walk, entity: Message, base: str, nesting: int) -> Iterator[Item]:
    """The parts of a message's body, numbered as IMAP sections under ``base``."""
    if entity.get_content_maintype() == "multipart" and entity.is_multipart():
        for index, sub in enumerate(_subparts(entity), start=1):
            yield from _part(walk, sub, _section(base, index), nesting)
    else:
        yield from _part(walk, entity, _section(base, 1), nesting)


def _part(walk: _Walk, part: Message, section: str, nesting: int) -> Iterator[Item]:
    if section.count(".") >= MAX_MIME_DEPTH:
        raise TooLargeError(f"MIME parts nested deeper than {MAX_MIME_DEPTH} levels")
    if any(isinstance(defect, _BROKEN) for defect in part.defects):
        walk.broken += 1
    content_type = part.get_content_type()
    if content_type in _ENCRYPTED:
        walk.encrypted += 1
        return
    if content_type in _SIGNATURES:
        return
    if content_type in ("message/rfc822", "message/global") and part.is_multipart():
        if nesting >= walk.limits.max_depth:
            raise TooLargeError("nesting depth limit")
        inner = part.get_payload(0)
        if isinstance(inner, Message):
            yield from header_segments(inner, _join(walk.prefix, f"part={section}"))
            yield from _body(walk, inner, section, nesting + 1)
        return
    if part.get_content_maintype() == "multipart":
        if part.is_multipart():
            for index, sub in enumerate(_subparts(part), start=1):
                yield from _part(walk, sub, _section(section, index), nesting)
        else:
            walk.broken += 1  # a boundary that never came: the payload is raw encoded parts
        return
    yield from _leaf(walk, part, section)


def _leaf(walk: _Walk, part: Message, section: str) -> Iterator[Item]:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes) or not payload:
        return
    content_type = part.get_content_type()
    try:
        filename = part.get_filename()
    except Exception:  # a malformed parameter list
        filename = None
    # RFC 2231 is decoded by get_filename; RFC 2047 words (Outlook writes them) are not.
    filename = _raw_header(_undo_surrogates(filename)) if filename else None
    is_body = (
        content_type in _BODY_TYPES
        and part.get_content_disposition() != "attachment"
        and not filename
        and not looks_binary(payload)
    )
    if not is_body:
        blob = Blob.from_bytes(
            _blob_name(filename, section, content_type), payload, depth=walk.blob.depth + 1
        )
        name = attachment_step(section, filename)
        # An .eml's attachments are named from the message; a mailbox names its messages.
        member_name = _join(walk.prefix, name) if not walk.blob.media_type else name
        yield Member(name=member_name, blob=blob, mtime=walk.mtime)
        return
    text = decode_body(payload, part.get_content_charset())
    locator = _join(walk.prefix, f"part={section}")
    if content_type == "text/html":
        page = Blob.from_bytes("body.html", codecs.BOM_UTF8 + text.encode("utf-8", "replace"))
        for item in extract_html(page, walk.limits):
            if isinstance(item, Segment):
                yield Segment(
                    text=item.text, locator=_join(locator, item.locator), context=item.context
                )
    elif text.strip():
        yield Segment(text=text, locator=locator)


def extract_eml(blob: Blob, limits: Limits) -> Iterator[Item]:
    """Yield the headers, bodies and attachments of one message (see the module docstring).

    :param blob: an ``.eml`` or Maildir file, an attached ``.eml``, or a mailbox's message
        (``blob.media_type`` set by the mailbox: no ``message=`` step is added).
    :param limits: ``max_depth`` bounds nested containers and forwarded messages.
    :raises TooLargeError: forwarded messages nested deeper than ``max_depth``.
    :raises ExtractionError: after the readable parts, when a multipart boundary is missing.
    :raises EncryptedError: after the headers, when the body is encrypted.
    """
    msg = parse_message(blob.read())
    prefix = "" if blob.media_type else message_step(message_id(msg), blob.name)
    walk = _Walk(blob=blob, limits=limits, prefix=prefix, mtime=message_date(msg))
    if any(isinstance(defect, _BROKEN) for defect in msg.defects):
        walk.broken += 1
    yield from header_segments(msg, prefix)
    yield from _body(walk, msg, "", 0)
    walk.finish()
