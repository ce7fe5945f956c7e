"""Payment card numbers (PAN, ISO/IEC 7812).

What it matches: 13-19 digits, either as one run or in the groups a card is printed with,
separated by single spaces or by single dashes (one kind per number): 4-4-4-4 for 16 digits,
4-6-5 (American Express) for 15, 4-6-4 (Diners Club) for 14, 4-4-5 or 4-3-3-3 for 13,
4-4-4-5 / 4-4-4-6 for 17 / 18, and 4-4-4-4-3 for 19.

What it rejects and why: a failing Luhn check; a number whose issuer identification number
(IIN) belongs to no known brand, or whose length that brand never issues (a Luhn-valid
16-digit run that starts with 1 is an OCR reference or an order number, not a card); other
groupings.

IIN ranges (public brand rules, as summarised in ISO/IEC 7812 listings):
Visa 4 (13, 16, 19 digits); Mastercard 51-55 and 2221-2720 (16); American Express 34, 37 (15);
Discover 6011, 644-649, 65 (16-19); Diners Club 300-305, 3095, 36, 38-39 (14-19);
JCB 3528-3589 (16-19); UnionPay 62 (16-19); Maestro 5018, 5020, 5038, 5893, 6304, 6759,
6761-6763 (13-19); Mir 2200-2204 (16-19).

Example::

    >>> validate_card("4242 4242 4242 4242").flags
    frozenset({'test_identity'})

.. versionadded:: 0.1
"""

from __future__ import annotations

import re

from piiscan.validators.base import Strength, Verdict
from piiscan.validators.checksums import luhn

__all__ = ["card_brand", "validate_card"]

_SHAPE = re.compile(r"[0-9]+(?:(?P<sep>[ -])[0-9]+(?:(?P=sep)[0-9]+)*)?")

# (brand, inclusive IIN range as equal-length strings, allowed lengths)
_BRANDS: tuple[tuple[str, str, str, frozenset[int]], ...] = (
    ("visa", "4", "4", frozenset({13, 16, 19})),
    ("mastercard", "51", "55", frozenset({16})),
    ("mastercard", "2221", "2720", frozenset({16})),
    ("amex", "34", "34", frozenset({15})),
    ("amex", "37", "37", frozenset({15})),
    ("discover", "6011", "6011", frozenset(range(16, 20))),
    ("discover", "644", "649", frozenset(range(16, 20))),
    ("discover", "65", "65", frozenset(range(16, 20))),
    ("diners", "300", "305", frozenset(range(14, 20))),
    ("diners", "3095", "3095", frozenset(range(14, 20))),
    ("diners", "36", "36", frozenset(range(14, 20))),
    ("diners", "38", "39", frozenset(range(14, 20))),
    ("jcb", "3528", "3589", frozenset(range(16, 20))),
    ("unionpay", "62", "62", frozenset(range(16, 20))),
    ("maestro", "5018", "5018", frozenset(range(13, 20))),
    ("maestro", "5020", "5020", frozenset(range(13, 20))),
    ("maestro", "5038", "5038", frozenset(range(13, 20))),
    ("maestro", "5893", "5893", frozenset(range(13, 20))),
    ("maestro", "6304", "6304", frozenset(range(13, 20))),
    ("maestro", "6759", "6759", frozenset(range(13, 20))),
    ("maestro", "6761", "6763", frozenset(range(13, 20))),
    ("mir", "2200", "2204", frozenset(range(16, 20))),
)

_GROUPINGS: frozenset[tuple[int, ...]] = frozenset(
    {
        (4, 4, 5),
        (4, 3, 3, 3),
        (4, 6, 4),
        (4, 6, 5),
        (4, 4, 4, 4),
        (4, 4, 4, 5),
        (4, 4, 4, 6),
        (4, 4, 4, 4, 3),
    }
)

# Test cards published by payment providers (Stripe, Adyen, PayPal/Braintree documentation).
_TEST_CARDS = frozenset(
    {
        "4242424242424242",
        "4111111111111111",
        "4012888888881881",
        "4000056655665556",
        "5555555555554444",
        "5105105105105100",
        "5200828282828210",
        "2223003122003222",
        "378282246310005",
        "371449635398431",
        "6011111111111117",
        "6011000990139424",
        "3056930009020004",
        "36227206271667",
        "3566002020360505",
        "6200000000000005",
    }
)


def card_brand(digits: str) -> str | None:
    """The brand whose IIN range and lengths fit ``digits``, or ``None``.

    :param digits: the card number, digits only.
    """
    for brand, low, high, lengths in _BRANDS:
        if len(digits) in lengths and low <= digits[: len(low)] <= high:
            return brand
    return None


def validate_card(candidate: str) -> Verdict | None:
    """Validate a payment card number.

    Strength: printed grouping (4-4-4-4, 4-6-5, ...) MEDIUM; an ungrouped run LOW, because
    OCR references and other long identifiers pass Luhn as often as cards do.
    Flag ``test_identity`` for well-known provider test cards.

    :param candidate: the matched text.
    :returns: a verdict whose ``normalized`` is the digits, or ``None``.
    """
    match = _SHAPE.fullmatch(candidate)
    if match is None or not candidate.isascii():
        return None
    separator = match["sep"]
    groups = candidate.split(separator) if separator else [candidate]
    digits = "".join(groups)
    if not 13 <= len(digits) <= 19:
        return None
    if separator and tuple(len(group) for group in groups) not in _GROUPINGS:
        return None
    if card_brand(digits) is None or not luhn(digits):
        return None
    strength = Strength.MEDIUM if separator else Strength.LOW
    flags = frozenset({"test_identity"}) if digits in _TEST_CARDS else frozenset()
    return Verdict(normalized=digits, strength=strength, flags=flags)
