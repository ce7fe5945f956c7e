"""Organisationsnummer (identity numbers of Swedish legal persons, SKV 709) and VAT numbers.

What it matches: ``NNNNNN-NNNN``, a bare ten-digit run, the 12-digit form with the ``16``
prefix (``16NNNNNNNNNN`` or ``16NNNNNN-NNNN``) and the VAT number (momsregistreringsnummer)
``SE`` + ten digits + ``01``, with single spaces allowed between ``SE``, the number and ``01``
(``SE 556016-0680 01``).

What it rejects and why:

* group digit (the first) 0 or 4: never issued;
* third digit below 2: SKV keeps digits 3-4 at 20 or more so that an organisationsnummer can
  never look like a personnummer (month 01-12);
* a check digit that fails Luhn over the ten digits.

An enskild firma (sole trader) has no organisationsnummer of its own: it uses the owner's
personnummer or samordningsnummer, also inside a VAT number (``SE`` + personnummer + ``01``).
Those fail the third-digit rule here on purpose. They are personal data and are reported by
:mod:`piiscan.validators.personnummer`; :func:`parse_vat_number` hands the engine the inner
ten digits of any VAT number so that it can pass them on.

Example::

    >>> validate_organisationsnummer("SE556016068001").normalized
    '5560160680'

.. versionadded:: 0.1
"""

from __future__ import annotations

import re

from piiscan.validators.base import Strength, Verdict
from piiscan.validators.checksums import luhn

__all__ = ["is_organisationsnummer", "parse_vat_number", "validate_organisationsnummer"]

_TEN = r"(?P<head>[0-9]{6})(?P<sep>-?)(?P<tail>[0-9]{4})"
_PLAIN = re.compile(r"(?P<prefix>16)?" + _TEN)
_VAT = re.compile(r"SE ?(?P<head>[0-9]{6})(?P<sep>[- ]?)(?P<tail>[0-9]{4}) ?01")
_GROUP_DIGITS = frozenset("12356789")

# Published fictitious organisations (Skatteverket's Navet test certificate, "Kommun A").
_TEST_NUMBERS = frozenset({"2021004748"})


def is_organisationsnummer(digits10: str) -> bool:
    """True when ten digits satisfy the organisationsnummer rules.

    :param digits10: exactly ten digits, no separator.
    """
    return (
        len(digits10) == 10
        and digits10.isascii()
        and digits10.isdigit()
        and digits10[0] in _GROUP_DIGITS
        and digits10[2] >= "2"
        and luhn(digits10)
    )


def parse_vat_number(candidate: str) -> str | None:
    """The ten digits inside a Swedish VAT number ``SE NNNNNNNNNN 01``, if their Luhn holds.

    The digits may be an organisationsnummer or, for an enskild firma, a personnummer or
    samordningsnummer; the caller decides which validator to apply next.

    :param candidate: the matched text, e.g. ``"SE556016068001"``.
    :returns: the ten digits, or ``None``.
    """
    match = _VAT.fullmatch(candidate)
    if match is None:
        return None
    digits = match["head"] + match["tail"]
    return digits if luhn(digits) else None


def validate_organisationsnummer(candidate: str) -> Verdict | None:
    """Validate an organisationsnummer in any of its written forms.

    Strength: the VAT form HIGH (the ``SE``/``01`` frame is specific); the dashed or the
    ``16``-prefixed form MEDIUM; a bare ten-digit run LOW (7 % of random ten-digit strings
    pass). Flag ``test_identity`` for published fictitious organisations.

    :param candidate: the matched text.
    :returns: a verdict whose ``normalized`` is the ten digits, or ``None``.
    """
    vat = _VAT.fullmatch(candidate)
    if vat is not None:
        digits = vat["head"] + vat["tail"]
        strength = Strength.HIGH
    else:
        plain = _PLAIN.fullmatch(candidate)
        if plain is None:
            return None
        digits = plain["head"] + plain["tail"]
        strength = Strength.MEDIUM if plain["prefix"] or plain["sep"] else Strength.LOW
    if not is_organisationsnummer(digits):
        return None
    flags = frozenset({"test_identity"}) if digits in _TEST_NUMBERS else frozenset()
    return Verdict(normalized=digits, strength=strength, flags=flags)
