"""Masked previews: enough to recognise a finding, too little to reuse it.

``850601-2387`` becomes ``850601-****``, ``anna.andersson@exempel.se`` becomes
``a***@exempel.se``, a card keeps its last four digits. Masks are what the inventory, the
reports and the logs may show; the raw value never leaves the engine.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_DIGIT = re.compile(r"\d")
_ALNUM = re.compile(r"\w", re.UNICODE)


def mask(entity_type: str, text: str) -> str:
    """The masked preview of ``text`` found as ``entity_type``."""
    return masker_for(entity_type)(text)


def masker_for(entity_type: str) -> Callable[[str], str]:
    """The function that masks values of ``entity_type`` (look it up once, call it often)."""
    return _MASKERS.get(entity_type, _mask_words)


def _mask_identity_number(text: str) -> str:
    # Keep the birth date (YYMMDD or YYYYMMDD) and the separator; hide the serial and check.
    digits_seen = 0
    total = sum(c.isdigit() for c in text)
    keep = total - 4
    out = []
    for char in text:
        if char.isdigit():
            out.append(char if digits_seen < keep else "*")
            digits_seen += 1
        else:
            out.append(char)
    return "".join(out)


def _keep_last_digits(count: int, keep_prefix_chars: int = 0) -> Callable[[str], str]:
    def masker(text: str) -> str:
        total = sum(c.isdigit() for c in text)
        seen = 0
        out = []
        for index, char in enumerate(text):
            if char.isdigit():
                seen += 1
                keep = index < keep_prefix_chars or seen > total - count
                out.append(char if keep else "*")
            else:
                out.append(char)
        return "".join(out)

    return masker


def _mask_email(text: str) -> str:
    local, _, domain = text.partition("@")
    return f"{local[:1]}***@{domain}"


def _mask_iban(text: str) -> str:
    head, tail = text[:4], text[4:]
    return head + _keep_last_digits(4)(tail)


def _mask_words(text: str) -> str:
    # First character of each word stays; other letters and digits become '*'.
    return re.sub(r"(?<=\w)\w", "*", text)


_MASKERS: dict[str, Callable[[str], str]] = {
    "SE_PERSONNUMMER": _mask_identity_number,
    "SE_SAMORDNINGSNUMMER": _mask_identity_number,
    "SE_ORGANISATIONSNUMMER": _keep_last_digits(0, keep_prefix_chars=6),
    "PHONE_NUMBER": _keep_last_digits(2, keep_prefix_chars=4),
    "EMAIL_ADDRESS": _mask_email,
    "IBAN_CODE": _mask_iban,
    "CREDIT_CARD": _keep_last_digits(4),
    "SE_BANKGIRO": _keep_last_digits(2),
    "SE_PLUSGIRO": _keep_last_digits(2),
    "SE_BANK_ACCOUNT": _keep_last_digits(2, keep_prefix_chars=4),
    "SE_ADDRESS": _mask_words,
    "PERSON": _mask_words,
}
