"""Numbers of Swedish passports and national identity cards.

What it matches: the eight digits of documents issued before 2022 and the nine-character
alphanumeric series of those issued since 1 January 2022 (Polisen: "en alfanumerisk serie på
nio tecken istället för den tidigare åttasiffriga serien"). Passports and national ID cards
share the series; the context word tells which document a number belongs to.

What it rejects and why: one digit repeated (``00000000``), eight digits that read as a date
(``20300115`` is an expiry date next to the word "pass"), nine characters without both a
letter and a digit. There is no check digit outside the machine-readable zone.

Strength LOW: the recognizers report a number only with a passport or ID-card word (or
column name) near.

The normalised value is the number upper-cased.

Example::

    >>> validate_identity_document("aa1234567").normalized
    'AA1234567'

The rules run in the compiled core (``core/src/validators/identity_document.rs``); this
module is its typed Python face.

.. versionadded:: 0.1
"""

from __future__ import annotations

from piiscan import _core
from piiscan.validators.base import Verdict

__all__ = ["validate_identity_document"]


def validate_identity_document(candidate: str) -> Verdict | None:
    """Validate a Swedish passport or national identity card number.

    :param candidate: the matched text.
    :returns: a LOW verdict whose ``normalized`` is the number upper-cased, or ``None``.
    """
    return Verdict.from_core(_core.validate_identity_document(candidate))
