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

The rules run in the compiled core (``core/src/validators/personnummer.rs``, which also holds
the Skatteverket test lists); this module is its typed Python face.

.. versionadded:: 0.1
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal, cast

from piiscan import _core
from piiscan.validators.base import Verdict

__all__ = [
    "IdentityNumber",
    "is_skatteverket_test_number",
    "parse_identity_number",
    "validate_personnummer",
    "validate_samordningsnummer",
]

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


def parse_identity_number(candidate: str, *, today: date | None = None) -> IdentityNumber | None:
    """Parse a personnummer or samordningsnummer as written in text.

    :param candidate: the matched text, e.g. ``"850601-2387"`` or ``"198506012387"``.
    :param today: the reference date for century inference and the future-date check;
        defaults to :meth:`datetime.date.today`.
    :returns: the parsed number, or ``None`` when ``candidate`` is not a valid one.
    """
    ref = today or date.today()
    parsed = _core.parse_identity_number(candidate, ref.year, ref.month, ref.day)
    if parsed is None:
        return None
    digits12, kind, birth, impossible, separator, explicit_century = parsed
    return IdentityNumber(
        digits12=digits12,
        kind=cast(Kind, kind),
        birth_date=None if birth is None else date(*birth),
        impossible_date=impossible,
        separator=separator,
        explicit_century=explicit_century,
    )


def is_skatteverket_test_number(digits12: str) -> bool:
    """True when ``digits12`` is in Skatteverket's published test personnummer or
    samordningsnummer (bundled open data, CC0, compiled into the core).

    :param digits12: the 12-digit form ``CCYYMMDDNNNC``.
    """
    return _core.is_skatteverket_test_number(digits12)


def validate_personnummer(candidate: str, *, today: date | None = None) -> Verdict | None:
    """Validate a personnummer (not a samordningsnummer).

    Strength: 12-digit forms HIGH; 10 digits with ``-``/``+`` MEDIUM; a space separator or
    a bare 10-digit run LOW. Flag ``test_identity`` for a Skatteverket test number.

    :param candidate: the matched text.
    :param today: reference date for century inference (tests); defaults to today.
    :returns: a verdict whose ``normalized`` is ``CCYYMMDDNNNC``, or ``None``.
    """
    ref = today or date.today()
    return Verdict.from_core(_core.validate_personnummer(candidate, ref.year, ref.month, ref.day))


def validate_samordningsnummer(candidate: str, *, today: date | None = None) -> Verdict | None:
    """Validate a samordningsnummer (day of birth + 60).

    Strength as for :func:`validate_personnummer`, except that month ``00`` / day ``60``
    caps it at MEDIUM and an impossible date (31 April, kept because Skatteverket's own test
    data have them) gives LOW with the flag ``impossible_date``.

    :param candidate: the matched text.
    :param today: reference date for century inference (tests); defaults to today.
    :returns: a verdict whose ``normalized`` is ``CCYYMMDDNNNC``, or ``None``.
    """
    ref = today or date.today()
    return Verdict.from_core(
        _core.validate_samordningsnummer(candidate, ref.year, ref.month, ref.day)
    )
