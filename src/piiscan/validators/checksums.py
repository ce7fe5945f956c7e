"""Check-digit algorithms: Luhn (mod 10), weighted mod 11 and ISO 7064 mod 97-10."""

from __future__ import annotations


def luhn(digits: str) -> bool:
    """True when ``digits`` (only 0-9) passes the Luhn check, the check digit last."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        if position % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def mod11(digits: str) -> bool:
    """True when the weighted sum (weights 1, 2, 3, ... 10 from the right, repeating) is 0 mod 11."""
    total = sum((i % 10 + 1) * (ord(c) - 48) for i, c in enumerate(reversed(digits)))
    return total % 11 == 0


def mod97(alnum: str) -> bool:
    """True when ``alnum`` (digits and upper-case letters, IBAN order) is 1 mod 97."""
    converted = "".join(str(int(c, 36)) for c in alnum)
    return int(converted) % 97 == 1
