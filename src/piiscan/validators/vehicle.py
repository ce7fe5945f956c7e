"""Swedish vehicle registration numbers (registreringsnummer).

What it matches: three letters and three digits (``ABC 123``) or, since 2019, three letters,
two digits and a letter (``ABC 12A``), with a space, a dash or nothing between the halves.
Personal plates are free text and not recognised.

What it rejects and why: what Transportstyrelsen never issues. The letters I, Q and V (and
Å, Ä, Ö) anywhere, a final letter O (it reads as a zero), and the letter combinations the
agency bars (offensive words, drug terms, some organisations' abbreviations, number words:
its press release of 21 October 2010 gives the reasons and examples; the list is in
``core/src/validators/vehicle.rs`` with its sources), and ``MLB``, reserved for examples.

Strength LOW: three letters and three digits are also course codes, product codes and flight
numbers, so the recognizer needs a vehicle word (``regnr``, ``bil``, ``fordon``) near.

The normalised value is the six characters without separator (``ABC123``).

Example::

    >>> validate_vehicle_registration("ABC 12A").normalized
    'ABC12A'

The rules run in the compiled core (``core/src/validators/vehicle.rs``); this module is its
typed Python face.

.. versionadded:: 0.1
"""

from __future__ import annotations

from piiscan import _core
from piiscan.validators.base import Verdict

__all__ = ["validate_vehicle_registration"]


def validate_vehicle_registration(candidate: str) -> Verdict | None:
    """Validate a Swedish registration number.

    :param candidate: the matched text.
    :returns: a LOW verdict whose ``normalized`` is e.g. ``ABC123``, or ``None``.
    """
    return Verdict.from_core(_core.validate_vehicle_registration(candidate))
