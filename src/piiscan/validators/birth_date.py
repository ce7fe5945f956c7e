"""Dates of birth, as Swedish and English text writes dates.

What it matches: ISO ``YYYY-MM-DD`` (also with ``/`` or ``.``, or ``YYYYMMDD``), ``YYMMDD``
and ``YY-MM-DD``, day first ``DD/MM/YYYY``, ``DD.MM.YYYY``, ``DD-MM-YYYY`` (one or two digits
for day and month), and ``D månad YYYY`` with a Swedish or English month name, full or
abbreviated (``1 juni 1985``, ``12 okt. 1990``, ``1 June 1985``). Slashed dates are read day
first, as Swedish text writes them.

What it rejects and why: dates that do not exist, dates after today (nobody is born in the
future), years before 1890. A two-digit year is read in the latest century that does not put
the date after today.

That a date is a *birth* date is not the validator's business: the recognizer reports one
only beside a label or phrase (``född``, ``f.``, ``födelsedatum``, ``DOB``, ``date of
birth``) or in a column so named.

The normalised value is the ISO date, so ``850601`` and ``1 juni 1985`` give the same value
key, and a lookup by personnummer can find the birth date it holds.

Example::

    >>> validate_birth_date("1 juni 1985").normalized
    '1985-06-01'

The rules run in the compiled core (``core/src/validators/birth_date.rs``); this module is its
typed Python face.

.. versionadded:: 0.1
"""

from __future__ import annotations

from datetime import date

from piiscan import _core
from piiscan.validators.base import Verdict

__all__ = ["validate_birth_date"]


def validate_birth_date(candidate: str, *, today: date | None = None) -> Verdict | None:
    """Validate a written date as a possible date of birth.

    Strength: ``None`` (the pattern's: a labelled date is strong, a bare one weak).

    :param candidate: the matched text.
    :param today: the reference date (tests); defaults to today.
    :returns: a verdict whose ``normalized`` is ``YYYY-MM-DD``, or ``None``.
    """
    ref = today or date.today()
    return Verdict.from_core(_core.validate_birth_date(candidate, ref.year, ref.month, ref.day))
