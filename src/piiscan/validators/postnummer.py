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

.. versionadded:: 0.1
"""

from __future__ import annotations

import csv
import functools
import re
from importlib import resources

from piiscan.validators.base import Strength, Verdict

__all__ = ["is_known_postort", "postort_for", "validate_postnummer"]

_SHAPE = re.compile(r"(?:SE-|S-)?(?P<head>[1-9][0-9]{2})[ \u00a0]?(?P<tail>[0-9]{2})")


@functools.cache
def _gazetteer() -> dict[str, str]:
    text = (resources.files("piiscan") / "data" / "postnummer.csv").read_text("utf-8")
    return {row["postal_code"]: row["locality"] for row in csv.DictReader(text.splitlines())}


@functools.cache
def _postorter() -> frozenset[str]:
    return frozenset(name.casefold() for name in _gazetteer().values())


def postort_for(postnummer5: str) -> str | None:
    """The locality (postort) of a postal code, as spelled in the gazetteer, or ``None``.

    :param postnummer5: the five digits, no space.
    """
    return _gazetteer().get(postnummer5)


def is_known_postort(name: str) -> bool:
    """True when ``name`` is a postort in the gazetteer, ignoring case and surrounding space.

    :param name: e.g. ``"STOCKHOLM"`` or ``"Göteborg"``.
    """
    return " ".join(name.split()).casefold() in _postorter()


def validate_postnummer(candidate: str) -> Verdict | None:
    """Validate a Swedish postal code.

    Strength: MEDIUM when the code is in the gazetteer, LOW otherwise (then it is just five
    digits that do not start with 0).

    :param candidate: the matched text.
    :returns: a verdict whose ``normalized`` is the five digits, or ``None``.
    """
    match = _SHAPE.fullmatch(candidate)
    if match is None:
        return None
    digits = match["head"] + match["tail"]
    strength = Strength.MEDIUM if digits in _gazetteer() else Strength.LOW
    return Verdict(normalized=digits, strength=strength)
