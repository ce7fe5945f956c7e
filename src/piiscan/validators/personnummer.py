"""Personnummer and samordningsnummer (Swedish personal identity and coordination numbers).

What it matches: ``YYMMDD-NNNC``, ``YYMMDD+NNNC``, ``YYMMDDNNNC``, ``YYYYMMDDNNNC``,
``YYYYMMDD-NNNC`` (and a redundant ``+`` in the 12-digit form), and a single space as the
separator (``YYMMDD NNNC``, ``YYYYMMDD NNNC``).

What it rejects and why:

* a check digit that fails Luhn over the ten digits ``YYMMDDNNNC`` (the century is never part
  of the checksum, Skatteverket SKV 704);
* födelsenummer ``000`` (never issued; python-stdnum accepts it);
* a century other than 18, 19 or 20 in the 12-digit form;
* a date that does not exist (30 February) or lies in the future;
* a day outside 01-31 (personnummer) or 60-91 (samordningsnummer, day + 60).

Samordningsnummer may carry month ``00`` and day ``60`` (day ``00`` + 60) when the birth month
or day is unknown: Skatteverket confirmed these are legal (ActiveLogin/ActiveLogin.Identity#126,
personnummer/csharp#119), and its own test data contain them. Skatteverket's test list also has
24 samordningsnummer with dates that cannot exist (31 April, 29 February 1951): they are parsed
with ``impossible_date=True`` and reported at low strength with the flag ``impossible_date``.
The same leniency is not given to personnummer, where an impossible date means a typo or a
different number.

Century of a 10-digit form: ``year = ref - ((ref - YY) mod 100)`` with ``ref`` the current
year, and another 100 years back for ``+`` (the separator changes in the calendar year the
person turns 100, Folkbokföringslagen 18 §). A bare 10-digit form is read as if written with
``-``.

Example::

    >>> validate_personnummer("19850601-2387").normalized
    '198506012387'

.. versionadded:: 0.1
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from typing import Literal

from piiscan.validators.base import Strength, Verdict
from piiscan.validators.checksums import luhn

__all__ = [
    "IdentityNumber",
    "is_skatteverket_test_number",
    "parse_identity_number",
    "validate_personnummer",
    "validate_samordningsnummer",
]

_SHAPE = re.compile(
    r"(?P<century>[0-9]{2})?(?P<yy>[0-9]{2})(?P<mm>[0-9]{2})(?P<dd>[0-9]{2})"
    r"(?P<sep>[-+ ]?)(?P<serial>[0-9]{3})(?P<check>[0-9])"
)
_CENTURIES = frozenset({"18", "19", "20"})
_DAY_OFFSET = 60  # samordningsnummer: day of birth + 60

Kind = Literal["personnummer", "samordningsnummer"]


@dataclass(frozen=True, slots=True, kw_only=True)
class IdentityNumber:
    """A parsed, century-resolved personnummer or samordningsnummer.

    The repr leaves out the digits and the date: they must never reach a log.

    :param digits12: ``CCYYMMDDNNNC``, the canonical storage form.
    :param kind: ``"personnummer"`` or ``"samordningsnummer"``.
    :param birth_date: the date the number encodes; ``None`` when the month or day is unknown
        (samordningsnummer month ``00`` / day ``60``) or the date is impossible.
    :param impossible_date: the samordningsnummer names a day that does not exist (31 April).
    :param separator: ``"-"``, ``"+"``, ``" "`` or ``""`` as written.
    :param explicit_century: the input had 12 digits, so the century was written, not inferred.
    """

    digits12: str = field(repr=False)
    kind: Kind
    birth_date: date | None = field(repr=False)
    impossible_date: bool
    separator: str
    explicit_century: bool = False

    @property
    def partial_date(self) -> bool:
        """True when the month or the day is ``00`` (unknown) in a samordningsnummer."""
        return self.digits12[4:6] == "00" or self.digits12[6:8] == str(_DAY_OFFSET)


def _days_in_month(year: int, month: int) -> int:
    if month == 2:
        leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
        return 29 if leap else 28
    return 30 if month in (4, 6, 9, 11) else 31


def parse_identity_number(candidate: str, *, today: date | None = None) -> IdentityNumber | None:
    """Parse a personnummer or samordningsnummer as written in text.

    :param candidate: the matched text, e.g. ``"850601-2387"`` or ``"198506012387"``.
    :param today: the reference date for century inference and the future-date check;
        defaults to :meth:`datetime.date.today`.
    :returns: the parsed number, or ``None`` when ``candidate`` is not a valid one.
    """
    match = _SHAPE.fullmatch(candidate)
    if match is None:
        return None
    century, yy, mm, dd, separator, serial, check = match.group(
        "century", "yy", "mm", "dd", "sep", "serial", "check"
    )
    if serial == "000" or not luhn(yy + mm + dd + serial + check):
        return None
    ref = today or date.today()
    if century is not None:
        if century not in _CENTURIES:
            return None
        year = int(century + yy)
    else:
        year = ref.year - (ref.year - int(yy)) % 100
        if separator == "+":
            year -= 100
    month, day_field = int(mm), int(dd)
    if 1 <= day_field <= 31:
        kind: Kind = "personnummer"
        day = day_field
    elif _DAY_OFFSET <= day_field <= _DAY_OFFSET + 31:
        kind = "samordningsnummer"
        day = day_field - _DAY_OFFSET
    else:
        return None
    if month > 12 or (month == 0 and kind == "personnummer"):
        return None

    birth_date: date | None = None
    impossible = False
    if month == 0 or day == 0:
        # Unknown parts: only what is known can lie in the future.
        if (year, month) > (ref.year, ref.month if month else 0):
            return None
    elif day > _days_in_month(year, month):
        if kind == "personnummer":
            return None
        impossible = True
        if (year, month) > (ref.year, ref.month):
            return None
    else:
        birth_date = date(year, month, day)
        if birth_date > ref:
            return None
    return IdentityNumber(
        digits12=f"{year:04d}{mm}{dd}{serial}{check}",
        kind=kind,
        birth_date=birth_date,
        impossible_date=impossible,
        separator=separator,
        explicit_century=century is not None,
    )


@functools.cache
def _skatteverket_test_numbers() -> frozenset[str]:
    data = resources.files("piiscan") / "data"
    numbers: set[str] = set()
    for name in ("skatteverket_testpersonnummer.txt", "skatteverket_testsamordningsnummer.txt"):
        text = (data / name).read_text(encoding="ascii")
        numbers.update(line.strip() for line in text.splitlines() if line.strip())
    return frozenset(numbers)


def is_skatteverket_test_number(digits12: str) -> bool:
    """True when ``digits12`` is in Skatteverket's published test personnummer or
    samordningsnummer (bundled open data, CC0; the lists are read once on first use).

    :param digits12: the 12-digit form ``CCYYMMDDNNNC``.
    """
    return digits12 in _skatteverket_test_numbers()


def _strength(identity: IdentityNumber) -> Strength:
    if identity.impossible_date or identity.separator == " ":
        return Strength.LOW
    if identity.explicit_century:
        strength = Strength.HIGH
    elif identity.separator:
        strength = Strength.MEDIUM
    else:
        # About 0.75 % of random 10-digit strings pass, and mobile numbers of people born
        # 2000-09 look the same: a bare 10-digit run proves little on its own.
        return Strength.LOW
    if identity.kind == "samordningsnummer" and identity.partial_date:
        # Month 00 / day 60 removes part of the date check, so the form proves less.
        return min(strength, Strength.MEDIUM)
    return strength


def _verdict(identity: IdentityNumber) -> Verdict:
    flags: set[str] = set()
    if identity.impossible_date:
        flags.add("impossible_date")
    if is_skatteverket_test_number(identity.digits12):
        flags.add("test_identity")
    return Verdict(
        normalized=identity.digits12, strength=_strength(identity), flags=frozenset(flags)
    )


def validate_personnummer(candidate: str, *, today: date | None = None) -> Verdict | None:
    """Validate a personnummer (not a samordningsnummer).

    Strength: 12-digit forms HIGH; 10 digits with ``-``/``+`` MEDIUM; a space separator or
    a bare 10-digit run LOW. Flag ``test_identity`` for a Skatteverket test number.

    :param candidate: the matched text.
    :param today: reference date for century inference (tests); defaults to today.
    :returns: a verdict whose ``normalized`` is ``CCYYMMDDNNNC``, or ``None``.
    """
    identity = parse_identity_number(candidate, today=today)
    if identity is None or identity.kind != "personnummer":
        return None
    return _verdict(identity)


def validate_samordningsnummer(candidate: str, *, today: date | None = None) -> Verdict | None:
    """Validate a samordningsnummer (day of birth + 60).

    Strength as for :func:`validate_personnummer`, except that month ``00`` / day ``60``
    caps it at MEDIUM and an impossible date (31 April, kept because Skatteverket's own test
    data have them) gives LOW with the flag ``impossible_date``.

    :param candidate: the matched text.
    :param today: reference date for century inference (tests); defaults to today.
    :returns: a verdict whose ``normalized`` is ``CCYYMMDDNNNC``, or ``None``.
    """
    identity = parse_identity_number(candidate, today=today)
    if identity is None or identity.kind != "samordningsnummer":
        return None
    return _verdict(identity)
