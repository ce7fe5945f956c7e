"""Locator steps of mail: ``message=<Message-ID>``, ``message=#17``, ``part=1.2``,
``attachment=kund.docx``, ``header=From``.

A finding in a mail is located by steps joined with ``/``, outermost first::

    message=<20240301.4711@exempel.se>/part=1.2
    message=#17/header=From

A mailbox's messages and a message's attachments are members: their steps are in the
``member`` column (``message=<20240301.4711@exempel.se>!/part=2/attachment=kund.docx``) and the
locator goes on inside them (``part=document/p=3``).

Steps are rendered by :mod:`piiscan.locator`, the one place that escapes locator values:
``%``, ``/``, ``=`` and control characters are percent-encoded in every value, so a locator
always splits back into its steps and no value holds a ``/``. A Message-ID keeps its angle
brackets (``message=<a%2Fb%3Dc@exempel.se>`` for ``<a/b=c@exempel.se>``), so a reader can
also take ``message=<`` up to the next ``>``. A Message-ID without brackets is given them;
one that is empty or longer than :data:`MAX_MESSAGE_ID` characters is not used, and the
message is named by its place instead (an mbox index ``#17``, a Maildir or ``.eml`` file name,
a PST folder path and item id).

.. versionadded:: 0.2
"""

from __future__ import annotations

from piiscan.locator import join

__all__ = [
    "MAX_MESSAGE_ID",
    "attachment_step",
    "message_id_value",
    "message_step",
]

MAX_MESSAGE_ID = 250
"""Longer Message-IDs are not used in locators (the fallback is used instead)."""


def message_id_value(header: str | None) -> str | None:
    """The ``<…>`` form of a Message-ID header, or None when it is unusable.

    :param header: the header's value as decoded (``<a/b@x>``, or a broken one without
        brackets).

    >>> message_id_value(" <a/b=c@exempel.se> (kommentar)")
    '<a/b=c@exempel.se>'
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
    return f"<{inner}>"


def message_step(message_id: str | None, fallback: str) -> str:
    """``message=<Message-ID>``, or ``message=`` + the fallback when there is none; rendered.

    :param message_id: the Message-ID header's value, if any.
    :param fallback: what names the message otherwise: ``#17`` (an mbox index) or a file name.

    >>> message_step("<a/b@x>", "#3")
    'message=<a%2Fb@x>'
    """
    value = message_id_value(message_id)
    return join([("message", value if value is not None else fallback)])


def attachment_step(section: str, filename: str | None) -> str:
    """``part=2/attachment=kund.docx``, or ``part=2`` for an attachment without a name.

    :param section: the IMAP-style section number of the part (``2``, ``1.3``).
    :param filename: the decoded file name (RFC 2231 and RFC 2047 already applied).
    """
    if not filename:
        return join([("part", section)])
    return join([("part", section), ("attachment", filename)])
