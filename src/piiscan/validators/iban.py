"""IBAN (International Bank Account Number, ISO 13616), any country.

What it matches: two letters, two check digits and the country's BBAN, either compact
(``SE4550000000058398257466``) or in groups of four separated by single spaces
(``SE45 5000 0000 0583 9825 7466``, the last group may be shorter). Lower case is accepted.

What it rejects and why: an unknown country code, a length or BBAN shape that does not fit the
country (the SWIFT IBAN registry, release 101), a failing ISO 7064 mod 97-10 check, a failing
national check inside the BBAN for Belgium, Spain, Montenegro and Norway, and other groupings
(they are not how an IBAN is printed).

The rules run in the compiled core (``core/src/validators/iban.rs``); this module is its typed
Python face.

Example::

    >>> validate_iban("SE45 5000 0000 0583 9825 7466").normalized
    'SE4550000000058398257466'

.. versionadded:: 0.1
"""

from __future__ import annotations

from piiscan import _core
from piiscan.validators.base import Verdict

__all__ = ["validate_iban"]


def validate_iban(candidate: str) -> Verdict | None:
    """Validate an IBAN of any country.

    Strength HIGH: country, length and mod 97-10 together leave about one false match in a
    hundred even for a random string of the right shape, and the shape itself is rare.
    Flag ``test_identity`` for published example and test IBANs (Swedbank's Validex test
    account, Bankgirot and bank documentation, the ECBS/SWIFT registry examples).

    :param candidate: the matched text.
    :returns: a verdict whose ``normalized`` is the compact upper-case IBAN, or ``None``.
    """
    try:
        raw = _core.validate_iban(candidate)
    except UnicodeEncodeError:  # a lone surrogate (a JSON "\ud800" escape) is in none
        return None
    return Verdict.from_core(raw)
