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
    """True when the weighted sum is 0 mod 11 (weights 1, 2, ... 10 from the right, repeating)."""
    total = sum((i % 10 + 1) * (ord(c) - 48) for i, c in enumerate(reversed(digits)))
    return total % 11 == 0


def mod97(alnum: str) -> bool:
    """True when ``alnum`` (digits and upper-case letters, IBAN order) is 1 mod 97."""
    converted = "".join(str(int(c, 36)) for c in alnum)
    return int(converted) % 97 == 1


def luhn_check_digit(payload: str) -> str:
    """The digit that, appended to ``payload`` (only 0-9), makes it pass :func:`luhn`.

    :param payload: the digits before the check digit.
    """
    total = 0
    # The appended digit takes position 0, so the payload's last digit is doubled.
    for position, char in enumerate(reversed(payload)):
        value = ord(char) - 48
        if position % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return str(-total % 10)


def mod11_check_digit(payload: str) -> str | None:
    """The digit that, appended to ``payload`` (only 0-9), makes it pass :func:`mod11`.

    :param payload: the digits before the check digit.
    :returns: ``None`` when the remainder would need the value 10, which no digit can carry.
    """
    # The appended digit has weight 1, so it must cancel the payload's weighted sum.
    total = sum(((i + 1) % 10 + 1) * (ord(c) - 48) for i, c in enumerate(reversed(payload)))
    digit = -total % 11
    return None if digit == 10 else str(digit)


def mod97_check_digits(payload: str) -> str:
    """The two digits that, appended to ``payload``, make it pass :func:`mod97`.

    For an IBAN, ``payload`` is the BBAN followed by the country code (the rearranged form
    without its check digits).

    :param payload: digits and upper-case letters.
    """
    converted = "".join(str(int(c, 36)) for c in payload)
    return f"{98 - int(converted) * 100 % 97:02d}"
