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

The rules run in the compiled core (``core/src/validators/card.rs``); this module is its typed
Python face.

.. versionadded:: 0.1
"""

from __future__ import annotations

from piiscan import _core
from piiscan.validators.base import Verdict

__all__ = ["card_brand", "validate_card"]


def card_brand(digits: str) -> str | None:
    """The brand whose IIN range and lengths fit ``digits``, or ``None``.

    :param digits: the card number, digits only.
    """
    return _core.card_brand(digits)


def validate_card(candidate: str) -> Verdict | None:
    """Validate a payment card number.

    Strength: printed grouping (4-4-4-4, 4-6-5, ...) MEDIUM; an ungrouped run LOW, because
    OCR references and other long identifiers pass Luhn as often as cards do.
    Flag ``test_identity`` for well-known provider test cards (Stripe, Adyen, PayPal/Braintree
    documentation).

    :param candidate: the matched text.
    :returns: a verdict whose ``normalized`` is the digits, or ``None``.
    """
    return Verdict.from_core(_core.validate_card(candidate))
