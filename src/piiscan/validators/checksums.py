"""Check-digit algorithms: Luhn (mod 10), weighted mod 11 and ISO 7064 mod 97-10.

The algorithms run in the compiled core (``core/src/checksums.rs``), the one copy the Rust
validators use too; these functions are their typed Python face.
"""

from __future__ import annotations

from piiscan import _core


def luhn(digits: str) -> bool:
    """True when ``digits`` (only 0-9) passes the Luhn check, the check digit last.

    Any other character makes it ``False``.
    """
    return _core.luhn(digits)


def mod11(digits: str) -> bool:
    """True when the weighted sum is 0 mod 11 (weights 1, 2, ... 10 from the right, repeating).

    Any character other than 0-9 makes it ``False``.
    """
    return _core.mod11(digits)


def mod97(alnum: str) -> bool:
    """True when ``alnum`` (digits and upper-case letters, IBAN order) is 1 mod 97.

    :raises ValueError: for an empty string or a character other than 0-9 and A-Z (or a-z).
    """
    return _core.mod97(alnum)


def luhn_check_digit(payload: str) -> str:
    """The digit that, appended to ``payload`` (only 0-9), makes it pass :func:`luhn`.

    :param payload: the digits before the check digit.
    :raises ValueError: when ``payload`` holds a character other than 0-9.
    """
    return _core.luhn_check_digit(payload)


def mod11_check_digit(payload: str) -> str | None:
    """The digit that, appended to ``payload`` (only 0-9), makes it pass :func:`mod11`.

    :param payload: the digits before the check digit.
    :returns: ``None`` when the remainder would need the value 10, which no digit can carry.
    :raises ValueError: when ``payload`` holds a character other than 0-9.
    """
    return _core.mod11_check_digit(payload)


def mod97_check_digits(payload: str) -> str:
    """The two digits that, appended to ``payload``, make it pass :func:`mod97`.

    For an IBAN, ``payload`` is the BBAN followed by the country code (the rearranged form
    without its check digits).

    :param payload: digits and upper-case letters.
    :raises ValueError: for an empty string or a character other than 0-9 and A-Z (or a-z).
    """
    return _core.mod97_check_digits(payload)
