"""Telephone numbers, Swedish first (libphonenumber's metadata).

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

Swedish numbers in the common shapes are decided by the compiled core
(``core/src/validators/phone.rs``, Sweden's numbering plan from libphonenumber's metadata);
parentheses and other countries go through ``phonenumbers``, which is slower and rarer.

Example::

    >>> validate_phone("070-174 06 05").normalized
    '+46701740605'

.. versionadded:: 0.1
"""

from __future__ import annotations

import re

import phonenumbers

from piiscan import _core
from piiscan.validators.base import Strength, Verdict

__all__ = ["is_pts_fictional", "validate_phone"]

_REGION = "SE"
_SEPARATORS = re.compile(r"[ ./-]")


def is_pts_fictional(e164: str) -> bool:
    """True when ``e164`` lies in a PTS series reserved for fiction (films, books, tests).

    :param e164: a number in E.164 form, e.g. ``"+46701740605"``.
    """
    return _core.is_pts_fictional(e164)


def _grouped_after_area_code(candidate: str, number: phonenumbers.PhoneNumber) -> bool:
    first_group = _SEPARATORS.split(candidate.replace("(", "").replace(")", " ").strip(), 1)
    if len(first_group) < 2:
        return False
    national = phonenumbers.national_significant_number(number)
    if number.country_code == 46:
        ndc_length = _core.swedish_ndc_length(national)
    else:
        ndc_length = phonenumbers.length_of_national_destination_code(number)
    return first_group[0] == "0" + national[:ndc_length]


# libphonenumber picks a Swedish number's format, and so its area code, by its first three
# digits at most and by its length; five digits and the length are a safe key.
# tests/validators/test_phone.py checks the core's area codes against phonenumbers.
NDC_KEY_DIGITS = 5


def _swedish_ndc_length(prefix: str, length: int) -> int:
    """The area code's length of a Swedish number that starts with ``prefix``, ``length`` long."""
    return _core.swedish_ndc_length(prefix + "0" * (length - len(prefix)))


def validate_phone(candidate: str) -> Verdict | None:
    """Validate a telephone number: Swedish in national form, any country in international form.

    Flag ``test_identity`` for the PTS fictional ranges.

    :param candidate: the matched text.
    :returns: a verdict whose ``normalized`` is the E.164 form (``+46701740605``), or ``None``.
    """
    try:
        elsewhere, raw = _core.validate_phone(candidate)
    except UnicodeEncodeError:  # a lone surrogate (a JSON "\ud800" escape) is in none
        return None
    if not elsewhere:
        return Verdict.from_core(raw)
    # The core checked the shape; parentheses and other countries need phonenumbers.
    number = _parsed_number(candidate)
    if number is None:
        return None
    international = candidate.startswith(("+", "00"))
    if not international and number.country_code != 46:
        return None
    e164 = f"+{number.country_code}{phonenumbers.national_significant_number(number)}"
    if (
        international
        or phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.MOBILE
        or _grouped_after_area_code(candidate, number)
    ):
        strength = Strength.MEDIUM
    else:
        strength = Strength.LOW
    flags = frozenset({"test_identity"}) if is_pts_fictional(e164) else frozenset()
    return Verdict(normalized=e164, strength=strength, flags=flags)


def _swedish_type(national: str) -> int:
    """``phonenumbers.number_type`` for a Swedish national significant number."""
    return _core.swedish_phone_type(national)


def _parsed_number(candidate: str) -> phonenumbers.PhoneNumber | None:
    try:
        number = phonenumbers.parse(candidate, _REGION)
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None
