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


_STAR_ASCII_DIGITS = {ord(d): "*" for d in "0123456789"}


def _star_digits(text: str) -> str:
    """``text`` with every digit (``str.isdigit``, so fullwidth and other scripts' too) a ``*``."""
    if text.isascii():
        return text.translate(_STAR_ASCII_DIGITS)
    return "".join("*" if char.isdigit() else char for char in text)


def _start_of_last_digits(text: str, count: int) -> int:
    """Index of the first of the last ``count`` digits of ``text``; 0 when it has fewer."""
    seen = 0
    for index in range(len(text) - 1, -1, -1):
        if text[index].isdigit():
            seen += 1
            if seen == count:
                return index
    return 0


def _mask_identity_number(text: str) -> str:
    # Keep the birth date (YYMMDD or YYYYMMDD) and the separator; hide the serial and check.
    cut = _start_of_last_digits(text, 4)
    return text[:cut] + _star_digits(text[cut:])


def _keep_last_digits(count: int, keep_prefix_chars: int = 0) -> Callable[[str], str]:
    def masker(text: str) -> str:
        cut = _start_of_last_digits(text, count) if count else len(text)
        cut = max(cut, keep_prefix_chars)
        return text[:keep_prefix_chars] + _star_digits(text[keep_prefix_chars:cut]) + text[cut:]

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


def _mask_ip(text: str) -> str:
    # The first octet or group says which network; the rest would say which host.
    separator = ":" if ":" in text else "."
    head, _, rest = text.partition(separator)
    return head + separator + re.sub(r"[0-9A-Fa-f]", "*", rest)


def _mask_date(text: str) -> str:
    # A birth date identifies with a name: nothing of it stays but its shape.
    return _mask_words(_star_digits(text))


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
    "IP_ADDRESS": _mask_ip,
    "DATE_OF_BIRTH": _mask_date,
}
