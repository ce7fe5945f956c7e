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
_NON_DIGIT = re.compile(r"\D")


@functools.cache
def _pts_ranges() -> tuple[tuple[str, str], ...]:
    text = (resources.files("piiscan") / "data" / "pts_fictional_ranges.json").read_text("utf-8")
    return tuple((row["e164_from"], row["e164_to"]) for row in json.loads(text)["ranges"])


def is_pts_fictional(e164: str) -> bool:
    """True when ``e164`` lies in a PTS series reserved for fiction (films, books, tests).

    :param e164: a number in E.164 form, e.g. ``"+46701740605"``.
    """
    if not e164.startswith("+46"):
        return False  # every PTS series is Swedish
    return any(len(low) == len(e164) and low <= e164 <= high for low, high in _pts_ranges())


def _grouped_after_area_code(candidate: str, number: phonenumbers.PhoneNumber) -> bool:
    first_group = _SEPARATORS.split(candidate.replace("(", "").replace(")", " ").strip(), 1)
    if len(first_group) < 2:
        return False
    national = phonenumbers.national_significant_number(number)
    if number.country_code == 46:
        ndc_length = _swedish_ndc_length(national[:NDC_KEY_DIGITS], len(national))
    else:
        ndc_length = phonenumbers.length_of_national_destination_code(number)
    return first_group[0] == "0" + national[:ndc_length]


# libphonenumber picks a Swedish number's format, and so its area code, by its first three
# digits at most and by its length; five digits and the length are a safe key.
# tests/validators/test_phone.py checks the cache against phonenumbers.
NDC_KEY_DIGITS = 5


@functools.lru_cache(maxsize=1 << 14)
def _swedish_ndc_length(prefix: str, length: int) -> int:
    sample = prefix + "0" * (length - len(prefix))
    number = phonenumbers.PhoneNumber(country_code=46, national_number=int(sample))
    return int(phonenumbers.length_of_national_destination_code(number))


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
    number = _swedish_number(candidate, international)
    if number is None:
        number = _parsed_number(candidate)
        if number is None:
            return None
        kind = phonenumbers.number_type(number)
    else:
        kind = _swedish_type(str(number.national_number))
        if kind == phonenumbers.PhoneNumberType.UNKNOWN:
            return None
    if not international and number.country_code != 46:
        return None
    e164 = f"+{number.country_code}{phonenumbers.national_significant_number(number)}"
    if (
        international
        or kind == phonenumbers.PhoneNumberType.MOBILE
        or _grouped_after_area_code(candidate, number)
    ):
        # A bare 07x number is a mobile far more often than a personnummer (1.1 % of random
        # mobile numbers pass the personnummer checks); a pnr word nearby still wins it back.
        strength = Strength.MEDIUM
    else:
        strength = Strength.LOW
    flags = frozenset({"test_identity"}) if is_pts_fictional(e164) else frozenset()
    return Verdict(normalized=e164, strength=strength, flags=flags)


def _swedish_number(candidate: str, international: bool) -> phonenumbers.PhoneNumber | None:
    """The number for the common Swedish shapes, without ``phonenumbers.parse``.

    ``parse`` costs most of the validation time; for ``0NN...``, ``+46 NN...`` and
    ``0046 NN...`` the national significant number is simply the digits after the trunk
    ``0`` or the country code. Anything else (``(0)``, other countries) returns ``None`` and
    goes through ``parse``; ``tests/validators/test_phone.py`` checks both paths agree.
    """
    if "(" in candidate:
        return None
    digits = _NON_DIGIT.sub("", candidate)
    if international:
        prefix = "46" if candidate.startswith("+") else "0046"
        if not digits.startswith(prefix):
            return None
        national = digits[len(prefix) :]
    else:
        national = digits[1:]
    if not national or national[0] == "0" or len(national) > 13:
        return None
    return phonenumbers.PhoneNumber(country_code=46, national_number=int(national))


# The order in which libphonenumber tests number types; the first match decides.
_TYPE_ORDER = (
    ("premium_rate", phonenumbers.PhoneNumberType.PREMIUM_RATE),
    ("toll_free", phonenumbers.PhoneNumberType.TOLL_FREE),
    ("shared_cost", phonenumbers.PhoneNumberType.SHARED_COST),
    ("voip", phonenumbers.PhoneNumberType.VOIP),
    ("personal_number", phonenumbers.PhoneNumberType.PERSONAL_NUMBER),
    ("pager", phonenumbers.PhoneNumberType.PAGER),
    ("uan", phonenumbers.PhoneNumberType.UAN),
    ("voicemail", phonenumbers.PhoneNumberType.VOICEMAIL),
    ("fixed_line", phonenumbers.PhoneNumberType.FIXED_LINE),
    ("mobile", phonenumbers.PhoneNumberType.MOBILE),
)

_Desc = tuple[re.Pattern[str], frozenset[int]]


@functools.cache
def _swedish_descriptions() -> tuple[_Desc, tuple[tuple[_Desc, int], ...]]:
    """libphonenumber's Swedish number descriptions, compiled once.

    ``phonenumbers.number_type`` looks each pattern up in a cache on every call; here they
    are compiled at first use and matched directly, in libphonenumber's order.
    """
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(_REGION)
    if metadata is None or metadata.general_desc is None:
        raise RuntimeError("phonenumbers has no metadata for Sweden")

    def compiled(desc: phonenumbers.PhoneNumberDesc) -> _Desc:
        lengths = frozenset(desc.possible_length or ()) - {-1}
        return re.compile(desc.national_number_pattern or "(?!)"), lengths

    types = tuple(
        (compiled(desc), kind)
        for name, kind in _TYPE_ORDER
        if (desc := getattr(metadata, name)) is not None and desc.national_number_pattern
    )
    assert not metadata.same_mobile_and_fixed_line_pattern  # Sweden's are distinct
    return compiled(metadata.general_desc), types


def _swedish_type(national: str) -> int:
    """``phonenumbers.number_type`` for a Swedish national significant number."""
    general, types = _swedish_descriptions()
    length = len(national)
    if (general[1] and length not in general[1]) or not general[0].fullmatch(national):
        return phonenumbers.PhoneNumberType.UNKNOWN
    for (pattern, lengths), kind in types:
        if (not lengths or length in lengths) and pattern.fullmatch(national):
            if kind == phonenumbers.PhoneNumberType.FIXED_LINE:
                mobile = next(d for d, k in types if k == phonenumbers.PhoneNumberType.MOBILE)
                if mobile[0].fullmatch(national) and length in (mobile[1] or {length}):
                    return phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE
            return kind
    return phonenumbers.PhoneNumberType.UNKNOWN


def _parsed_number(candidate: str) -> phonenumbers.PhoneNumber | None:
    try:
        number = phonenumbers.parse(candidate, _REGION)
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None
