"""IBAN (International Bank Account Number, ISO 13616), any country.

What it matches: two letters, two check digits and the country's BBAN, either compact
(``SE4550000000058398257466``) or in groups of four separated by single spaces
(``SE45 5000 0000 0583 9825 7466``, the last group may be shorter). Lower case is accepted.

What it rejects and why: an unknown country code, a length or BBAN shape that does not fit the
country (python-stdnum's ISO 13616 registry table), a failing ISO 7064 mod 97-10 check, and
other groupings (they are not how an IBAN is printed).

Example::

    >>> validate_iban("SE45 5000 0000 0583 9825 7466").normalized
    'SE4550000000058398257466'

.. versionadded:: 0.1
"""

from __future__ import annotations

import re

from stdnum import iban as stdnum_iban
from stdnum.exceptions import ValidationError

from piiscan.validators.base import Strength, Verdict

__all__ = ["validate_iban"]

_COMPACT = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{8,30}")
_GROUPED = re.compile(r"[A-Z]{2}[0-9]{2}(?: [A-Z0-9]{4})+(?: [A-Z0-9]{1,3})?")

# Published example and test IBANs: Swedbank's Validex test account, the examples in
# Bankgirot/bank documentation (bankinfrastruktur.se, iban.se, SEB and Nordea account-structure
# documents) and the ECBS/SWIFT registry examples for GB and DE.
_TEST_IBANS = frozenset(
    {
        "SE4280000890119146168423",
        "SE4550000000058398257466",
        "SE3550000000054910000003",
        "SE4112000000012740235305",
        "SE7280000810340009783242",
        "GB82WEST12345698765432",
        "DE89370400440532013000",
    }
)


def validate_iban(candidate: str) -> Verdict | None:
    """Validate an IBAN of any country.

    Strength HIGH: country, length and mod 97-10 together leave about one false match in a
    hundred even for a random string of the right shape, and the shape itself is rare.
    Flag ``test_identity`` for published example and test IBANs.

    :param candidate: the matched text.
    :returns: a verdict whose ``normalized`` is the compact upper-case IBAN, or ``None``.
    """
    upper = candidate.upper()
    if not (_COMPACT.fullmatch(upper) or _GROUPED.fullmatch(upper)):
        return None
    compact = upper.replace(" ", "")
    try:  # country table, BBAN shape and mod 97-10 in one place
        stdnum_iban.validate(compact)
    except ValidationError:
        return None
    flags = frozenset({"test_identity"}) if compact in _TEST_IBANS else frozenset()
    return Verdict(normalized=compact, strength=Strength.HIGH, flags=flags)
