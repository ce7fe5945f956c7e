"""Locator steps of mail: ``message=<Message-ID>``, ``message=#17``, ``part=1.2``,
``attachment=kund.docx``, ``header=From``.

A finding in a mail is located by steps joined with ``/``, outermost first::

    message=<20240301.4711@exempel.se>/part=1.2
    message=<20240301.4711@exempel.se>/part=2/attachment=kund.docx/part=document/p=3
    message=#17/header=From

Values are escaped so that a locator can always be split back into its steps:

- a Message-ID keeps its angle brackets; inside them ``%``, ``<``, ``>``, whitespace and
  control characters are percent-encoded. ``/`` and ``=`` stay as they are (RFC 5322 allows
  both in a Message-ID), because the brackets already delimit the value: a reader takes
  ``message=<`` up to the next ``>``. A Message-ID without brackets is given them; one that is
  empty or longer than :data:`MAX_MESSAGE_ID` characters is not used;
- every other value (an mbox index ``#17``, a Maildir or ``.eml`` file name, an attachment's
  file name) has ``%``, ``/``, ``=`` and control characters percent-encoded, so it never holds
  a ``/``.

Percent-encoding is UTF-8 based, as in URLs: ``a/b`` is ``a%2Fb``.

.. versionadded:: 0.2
"""

from __future__ import annotations

__all__ = [
    "MAX_MESSAGE_ID",
    "attachment_step",
    "escape_value",
    "message_id_value",
    "message_step",
]

MAX_MESSAGE_ID = 250
"""Longer Message-IDs are not used in locators (the fallback is used instead)."""

_VALUE_SPECIALS = frozenset("%/=")
_BRACKETED_SPECIALS = frozenset("%<>")


def _percent(char: str) -> str:
    return "".join(f"%{byte:02X}" for byte in char.encode("utf-8", "surrogatepass"))


def _escape(text: str, specials: frozenset[str], *, space: bool) -> str:
    out = []
    for char in text:
        code = ord(char)
        if char in specials or code < 0x20 or code == 0x7F or (space and char.isspace()):
            out.append(_percent(char))
        else:
            out.append(char)
    return "".join(out)


def escape_value(text: str) -> str:
    """A step value without angle brackets: ``%``, ``/``, ``=`` and controls percent-encoded.

    >>> escape_value("2019/kund=1.docx")
    '2019%2Fkund%3D1.docx'
    """
    return _escape(text, _VALUE_SPECIALS, space=False)


def message_id_value(header: str | None) -> str | None:
    """The ``<…>`` form of a Message-ID header for a locator, or None when it is unusable.

    :param header: the header's value as decoded (``<a/b@x>``, or a broken one without
        brackets).

    >>> message_id_value(" <a/b=c@exempel.se> ")
    '<a/b=c@exempel.se>'
    >>> message_id_value("a b@x")
    '<a%20b@x>'
    >>> message_id_value("") is None
    True
    """
    if header is None:
        return None
    text = header.strip()
    start = text.find("<")
    end = text.find(">", start + 1) if start != -1 else -1
    inner = text[start + 1 : end] if start != -1 and end != -1 else text.strip("<>")
    inner = inner.strip()
    if not inner or len(inner) > MAX_MESSAGE_ID:
        return None
    return "<" + _escape(inner, _BRACKETED_SPECIALS, space=True) + ">"


def message_step(message_id: str | None, fallback: str) -> str:
    """``message=<Message-ID>``, or ``message=`` + the escaped fallback when there is none.

    :param message_id: the Message-ID header's value, if any.
    :param fallback: what names the message otherwise: ``#17`` (an mbox index) or a file name.
    """
    value = message_id_value(message_id)
    return f"message={value}" if value is not None else f"message={escape_value(fallback)}"


def attachment_step(section: str, filename: str | None) -> str:
    """``part=2/attachment=kund.docx``, or ``part=2`` for an attachment without a name.

    :param section: the IMAP-style section number of the part (``2``, ``1.3``).
    :param filename: the decoded file name (RFC 2231 and RFC 2047 already applied).
    """
    if not filename:
        return f"part={section}"
    return f"part={section}/attachment={escape_value(filename)}"
