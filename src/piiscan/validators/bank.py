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

.. versionadded:: 0.1
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from importlib import resources

from piiscan.validators.base import Strength, Verdict
from piiscan.validators.checksums import luhn, mod11
from piiscan.validators.personnummer import parse_identity_number

__all__ = [
    "ClearingRange",
    "bank_for_clearing",
    "clearing_range",
    "validate_bank_account",
    "validate_bankgiro",
    "validate_plusgiro",
]

_BANKGIRO = re.compile(r"[0-9]{3,4}-[0-9]{4}|[0-9]{7,8}")
_PLUSGIRO = re.compile(r"(?P<body>[0-9]{1,7}|[0-9]{1,3}(?: [0-9]{2})+)-(?P<check>[0-9])")
_ACCOUNT = re.compile(r"[0-9]+(?:(?:, ?|[ .-])[0-9]+)*")

_TEST_BANKGIRO = frozenset({"9912346"})  # Bankgirot's published test number 991-2346
_TEST_PLUSGIRO = frozenset({"9201005"})  # Nordea Total-IN test files, 920100-5
# Swedbank's Validex test account (IBAN SE42 8000 0890 1191 4616 8423), as normalised here.
_TEST_ACCOUNTS = frozenset({"89019146168423"})
# Nordea personkonto: the account number is the holder's personnummer.
_PERSONKONTO_CLEARINGS = frozenset({"3300", "3782"})
_SWEDBANK_FIVE_DIGIT = "8"  # clearing numbers 8xxx are written with a fifth, check digit


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


@functools.cache
def _clearing_ranges() -> tuple[ClearingRange, ...]:
    text = (resources.files("piiscan") / "data" / "clearing_ranges.psv").read_text("utf-8")
    ranges = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        start, end, iban_id, bic, bank, acc_type, check, method, min_len, length = line.split("|")
        ranges.append(
            ClearingRange(
                start=int(start),
                end=int(end),
                iban_id=iban_id,
                bic=bic,
                bank=bank,
                account_type=acc_type,
                check=check,
                iban_method=method,
                min_length=int(min_len),
                length=int(length),
            )
        )
    return tuple(ranges)


def clearing_range(clearing: str) -> ClearingRange | None:
    """The range a clearing number belongs to.

    :param clearing: four digits, or five for Swedbank's 8xxx-x (the fifth is ignored here).
    """
    if len(clearing) not in (4, 5) or not (clearing.isascii() and clearing.isdigit()):
        return None
    number = int(clearing[:4])
    for row in _clearing_ranges():
        if row.start <= number <= row.end:
            return row
    return None


def bank_for_clearing(clearing: str) -> str | None:
    """The name of the bank that owns a clearing number, or ``None`` if none does.

    :param clearing: four digits, or five for Swedbank's 8xxx-x.
    """
    row = clearing_range(clearing)
    return None if row is None else row.bank


def _account_check(row: ClearingRange, clearing4: str, account: str) -> bool:
    if row.account_type == "Type1":
        payload = clearing4[1:] if row.check == "Comment1" else clearing4
        return mod11(payload + account)
    if row.check == "Comment2":
        return mod11(account)
    return luhn(account)


_ACCOUNT_LABELS = re.compile(r"(?i)\b(?:kontonummer|kontonr|konto|nr)\b\.?:?")


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
    # "1274, konto 0235305" and "clearingnr 1274 kontonr 0235305" name the parts in words.
    candidate = " ".join(_ACCOUNT_LABELS.sub(" ", candidate).split())
    if not _ACCOUNT.fullmatch(candidate) or not candidate.isascii():
        return None
    digits = "".join(char for char in candidate if char.isdigit())
    clearing_length = 5 if digits.startswith(_SWEDBANK_FIVE_DIGIT) else 4
    clearing, account = digits[:clearing_length], digits[clearing_length:]
    row = clearing_range(clearing)
    if row is None or not row.min_length <= len(account) <= row.length:
        return None
    if clearing_length == 5 and not luhn(clearing):
        return None
    clearing4 = clearing[:4]
    padded = account.zfill(row.length)
    if not _account_check(row, clearing4, padded):
        return None
    full = len(account) == row.length or clearing_length == 5
    flags: set[str] = set()
    if clearing4 in _PERSONKONTO_CLEARINGS and parse_identity_number(padded) is not None:
        flags.add("personnummer_account")
    normalized = clearing4 + padded
    if normalized in _TEST_ACCOUNTS:
        flags.add("test_identity")
    return Verdict(
        normalized=normalized,
        strength=Strength.MEDIUM if full else Strength.LOW,
        flags=frozenset(flags),
    )


def validate_bankgiro(candidate: str) -> Verdict | None:
    """Validate a bankgiro number (7 or 8 digits, Luhn over all of them).

    Strength LOW: OCR payment references use the same Luhn check, so the form alone proves
    little. Flag ``test_identity`` for Bankgirot's test number 991-2346.

    :param candidate: the matched text.
    :returns: a verdict whose ``normalized`` is the digits without fixed-width zero padding,
        or ``None``.
    """
    if not _BANKGIRO.fullmatch(candidate):
        return None
    digits = candidate.replace("-", "")
    if len(digits) == 8 and digits.startswith("0"):
        digits = digits[1:]  # zero-padded to fixed width in payment files
    if digits.startswith("0") or not luhn(digits):
        return None
    flags = frozenset({"test_identity"}) if digits in _TEST_BANKGIRO else frozenset()
    return Verdict(normalized=digits, strength=Strength.LOW, flags=flags)


def validate_plusgiro(candidate: str) -> Verdict | None:
    """Validate a plusgiro number (2-8 digits, Luhn over all of them).

    Strength LOW, for the same reason as bankgiro. Flag ``test_identity`` for Nordea's test
    number 920100-5.

    :param candidate: the matched text.
    :returns: a verdict whose ``normalized`` is the digits, or ``None``.
    """
    match = _PLUSGIRO.fullmatch(candidate)
    if match is None:
        return None
    digits = match["body"].replace(" ", "") + match["check"]
    if not 2 <= len(digits) <= 8 or digits.startswith("0") or not luhn(digits):
        return None
    flags = frozenset({"test_identity"}) if digits in _TEST_PLUSGIRO else frozenset()
    return Verdict(normalized=digits, strength=Strength.LOW, flags=flags)
