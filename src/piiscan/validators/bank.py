"""Swedish bank data: bankgiro, plusgiro and bank account numbers (clearing + account).

What it matches:

* bankgiro: ``NNN-NNNN`` or ``NNNN-NNNN`` (also zero-padded ``0NNN-NNNN``) or the bare digits;
* plusgiro: 2-8 digits written with the last digit after a dash, the rest whole or in pairs
  from the right (``4-2``, ``920100-5``, ``28 65 43-4``, ``410 54 68-5``);
* bank account: the clearing number followed by the account number, as people write them
  (``1274-0235305``, ``3300 101010-1010``, ``8327-9, 014 725 892-5``, ``6114 517 182 351``).
  The first four digits are the clearing number; for Swedbank's 8xxx range the clearing
  number has a fifth digit, its Luhn check digit, which must be present.

What it rejects and why: failing check digits; bankgiro shorter than 7 or longer than 8
digits; plusgiro longer than 8 digits; a clearing number in no bank's range; an account
length outside the range's minimum and maximum (accounts shorter than the maximum are
zero-padded on the left before the check, as banks do).

Account rules come from Bankgirot's "Bankernas kontonummeruppbyggnad", as machine-readable
data in ``data/clearing_ranges.psv`` (Bankinfrastruktur/BankData, MIT):

* Type 1, comment 1: mod 11 over the last three clearing digits and the 7-digit account;
* Type 1, comment 2: mod 11 over the four clearing digits and the 7-digit account;
* Type 2, comment 1: Luhn over the 10-digit account (Nordea personkonto 3300/3782,
  Danske 9180, Swedbank 9300, Sparbanken Syd 9570);
* Type 2, comment 2: mod 11 over the 9-digit account (Handelsbanken);
* Type 2, comment 3: Luhn over the 10-digit account (Swedbank 8xxx-x, Nordea/Plusgirot
  95xx and 996x).

Example::

    >>> validate_bank_account("5839-8257466").normalized
    '58398257466'

The rules run in the compiled core (``core/src/validators/bank.rs``); this module is its typed
Python face.

.. versionadded:: 0.1
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from piiscan import _core
from piiscan.validators.base import Verdict

__all__ = [
    "ClearingRange",
    "bank_for_clearing",
    "clearing_range",
    "validate_bank_account",
    "validate_bankgiro",
    "validate_plusgiro",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class ClearingRange:
    """One row of ``clearing_ranges.psv``: a clearing-number range and its account rules.

    :param start: first clearing number of the range.
    :param end: last clearing number of the range (inclusive).
    :param iban_id: the 3-digit bank id used in Swedish IBANs.
    :param bic: the bank's BIC.
    :param bank: the bank's name.
    :param account_type: ``"Type1"`` or ``"Type2"``.
    :param check: ``"Comment1"``, ``"Comment2"`` or ``"Comment3"`` (see the module docstring).
    :param iban_method: how the IBAN is built (``"Method1"`` ... or ``"MethodUnknown"``).
    :param min_length: the shortest account number accepted (zero-padded to ``length``).
    :param length: the full account number length.
    """

    start: int
    end: int
    iban_id: str
    bic: str
    bank: str
    account_type: str
    check: str
    iban_method: str
    min_length: int
    length: int


def clearing_range(clearing: str) -> ClearingRange | None:
    """The range a clearing number belongs to.

    :param clearing: four digits, or five for Swedbank's 8xxx-x (the fifth is ignored here).
    """
    row = _core.clearing_range(clearing)
    if row is None:
        return None
    start, end, iban_id, bic, bank, account_type, check, iban_method, min_length, length = row
    return ClearingRange(
        start=start,
        end=end,
        iban_id=iban_id,
        bic=bic,
        bank=bank,
        account_type=account_type,
        check=check,
        iban_method=iban_method,
        min_length=min_length,
        length=length,
    )


def bank_for_clearing(clearing: str) -> str | None:
    """The name of the bank that owns a clearing number, or ``None`` if none does.

    :param clearing: four digits, or five for Swedbank's 8xxx-x.
    """
    row = clearing_range(clearing)
    return None if row is None else row.bank


def validate_bank_account(candidate: str) -> Verdict | None:
    """Validate a Swedish bank account written as clearing number + account number.

    Strength: MEDIUM when the account is written at its full length (for Type 1 the check
    then covers clearing and account together; for Type 2 a full 10-digit mod 10 or 9-digit
    mod 11 account) and for Swedbank's 5-digit clearing (two checks). LOW when the account was
    shorter and had to be zero-padded: the shape proves less.
    Flag ``personnummer_account`` for a Nordea personkonto (3300/3782) whose account number
    is a personnummer; ``test_identity`` for Swedbank's Validex test account.

    :param candidate: the matched text.
    :returns: a verdict whose ``normalized`` is the 4-digit clearing number followed by the
        account zero-padded to its full length, or ``None``.
    """
    # The personkonto check reads the account as a personnummer, whose century depends on today.
    today = date.today()
    return Verdict.from_core(
        _core.validate_bank_account(candidate, today.year, today.month, today.day)
    )


def validate_bankgiro(candidate: str) -> Verdict | None:
    """Validate a bankgiro number (7 or 8 digits, Luhn over all of them).

    Strength LOW: OCR payment references use the same Luhn check, so the form alone proves
    little. Flag ``test_identity`` for Bankgirot's test number 991-2346.

    :param candidate: the matched text.
    :returns: a verdict whose ``normalized`` is the digits without fixed-width zero padding,
        or ``None``.
    """
    return Verdict.from_core(_core.validate_bankgiro(candidate))


def validate_plusgiro(candidate: str) -> Verdict | None:
    """Validate a plusgiro number (2-8 digits, Luhn over all of them).

    Strength LOW, for the same reason as bankgiro. Flag ``test_identity`` for Nordea's test
    number 920100-5.

    :param candidate: the matched text.
    :returns: a verdict whose ``normalized`` is the digits, or ``None``.
    """
    return Verdict.from_core(_core.validate_plusgiro(candidate))
