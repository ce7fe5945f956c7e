"""Swedish postal codes (postnummer) and the gazetteer of postorter behind them.

What it matches: ``NNN NN`` (the official form; a no-break space also counts, as word
processors insert one), ``NNNNN``, with an optional international prefix ``SE-`` (or the
older ``S-``).

What it rejects and why: a first digit 0 (never used). Any other five digits pass: a postnummer
has no check digit, so the gazetteer decides the strength.

The gazetteer ``data/postnummer.csv`` (postal code, locality) is the September 2024 extract of
``sjbrg/swedish-geodata`` (CC0). It covers about 82 % of Swedish postal codes; box and company
codes are mostly missing, so a code outside it is still accepted, at lower strength.

Example::

    >>> validate_postnummer("SE-114 55").normalized
    '11455'

The rules run in the compiled core (``core/src/validators/postnummer.rs``); this module is its typed
Python face.

.. versionadded:: 0.1
"""

from __future__ import annotations

from piiscan import _core
from piiscan.validators.base import Verdict

__all__ = ["is_known_postort", "postort_for", "validate_postnummer"]


def postort_for(postnummer5: str) -> str | None:
    """The locality (postort) of a postal code, as spelled in the gazetteer, or ``None``.

    :param postnummer5: the five digits, no space.
    """
    return _core.postort_for(postnummer5)


def is_known_postort(name: str) -> bool:
    """True when ``name`` is a postort in the gazetteer, ignoring case and surrounding space.

    :param name: e.g. ``"STOCKHOLM"`` or ``"Göteborg"``.
    """
    return _core.is_known_postort(name)


def validate_postnummer(candidate: str) -> Verdict | None:
    """Validate a Swedish postal code.

    Strength: MEDIUM when the code is in the gazetteer, LOW otherwise (then it is just five
    digits that do not start with 0).

    :param candidate: the matched text.
    :returns: a verdict whose ``normalized`` is the five digits, or ``None``.
    """
    return Verdict.from_core(_core.validate_postnummer(candidate))
