"""Telephone numbers, Swedish first (libphonenumber metadata via ``phonenumbers``).

What it matches: a Swedish number in national form with the trunk prefix ``0``
(``070-174 06 05``, ``08-465 004 00``, ``(08) 465 004 00``, ``0701740605``) or any number in
international form with ``+`` or ``00`` (``+46 70 174 06 05``, ``+46 (0)8-465 004 00``,
``0046 70 174 06 05``, ``+1 650 ...``). Separators: spaces, ``-``, ``/``, ``.``, parentheses.

What it rejects and why: numbers that libphonenumber does not consider valid (wrong prefix or
length for their type); national forms without the leading ``0`` (any digit run would pass);
letters (vanity numbers are not personal data).

Strength: the international form MEDIUM; a national form whose first separator follows the
area code (``070-``, ``08-``, ``0980-``) MEDIUM; a bare digit run, or a grouping that does not
follow the area code (``090619-2380`` is a personnummer shape, not how anyone writes a Umeå
number), LOW. The engine still arbitrates overlaps with personnummer.

Example::

    >>> validate_phone("070-174 06 05").normalized
    '+46701740605'

.. versionadded:: 0.1
"""

from __future__ import annotations

import functools
import json
import re
from importlib import resources

import phonenumbers

from piiscan.validators.base import Strength, Verdict

__all__ = ["is_pts_fictional", "validate_phone"]

_REGION = "SE"
_SHAPE = re.compile(r"(?:\+|00)?[0-9()][0-9 ()./-]*[0-9]")
_SEPARATORS = re.compile(r"[ ./-]")


@functools.cache
def _pts_ranges() -> tuple[tuple[str, str], ...]:
    text = (resources.files("piiscan") / "data" / "pts_fictional_ranges.json").read_text("utf-8")
    return tuple((row["e164_from"], row["e164_to"]) for row in json.loads(text)["ranges"])


def is_pts_fictional(e164: str) -> bool:
    """True when ``e164`` lies in a PTS series reserved for fiction (films, books, tests).

    :param e164: a number in E.164 form, e.g. ``"+46701740605"``.
    """
    return any(len(low) == len(e164) and low <= e164 <= high for low, high in _pts_ranges())


def _grouped_after_area_code(candidate: str, number: phonenumbers.PhoneNumber) -> bool:
    first_group = _SEPARATORS.split(candidate.replace("(", "").replace(")", " ").strip(), 1)
    if len(first_group) < 2:
        return False
    national = phonenumbers.national_significant_number(number)
    ndc_length = phonenumbers.length_of_national_destination_code(number)
    return first_group[0] == "0" + national[:ndc_length]


def validate_phone(candidate: str) -> Verdict | None:
    """Validate a telephone number: Swedish in national form, any country in international form.

    Flag ``test_identity`` for the PTS fictional ranges.

    :param candidate: the matched text.
    :returns: a verdict whose ``normalized`` is the E.164 form (``+46701740605``), or ``None``.
    """
    if not candidate.isascii() or not _SHAPE.fullmatch(candidate):
        return None
    international = candidate.startswith(("+", "00"))
    if not international and not candidate.lstrip("(").startswith("0"):
        return None
    try:
        number = phonenumbers.parse(candidate, _REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    if not international and number.country_code != 46:
        return None
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if international or _grouped_after_area_code(candidate, number):
        strength = Strength.MEDIUM
    elif phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.MOBILE:
        # A bare 07x number is a mobile far more often than a personnummer (1.1 % of random
        # mobile numbers pass the personnummer checks); a pnr word nearby still wins it back.
        strength = Strength.MEDIUM
    else:
        strength = Strength.LOW
    flags = frozenset({"test_identity"}) if is_pts_fictional(e164) else frozenset()
    return Verdict(normalized=e164, strength=strength, flags=flags)
