"""Property tests for the check-digit algorithms (Luhn, mod 11, ISO 7064 mod 97-10)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from piiscan.validators.checksums import (
    luhn,
    luhn_check_digit,
    mod11,
    mod11_check_digit,
    mod97,
    mod97_check_digits,
)

digit_strings = st.text(alphabet="0123456789", min_size=1, max_size=30)
iban_payloads = st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=34)


def _replace_digit(digits: str, index: int, shift: int) -> str:
    position = index % len(digits)
    changed = str((int(digits[position]) + shift) % 10)
    return digits[:position] + changed + digits[position + 1 :]


@given(digit_strings)
def test_luhn_appended_check_digit_validates(payload: str) -> None:
    assert luhn(payload + luhn_check_digit(payload))


@given(digit_strings, st.integers(min_value=0), st.integers(min_value=1, max_value=9))
def test_luhn_detects_every_single_digit_change(payload: str, index: int, shift: int) -> None:
    number = payload + luhn_check_digit(payload)
    assert not luhn(_replace_digit(number, index, shift))


@given(digit_strings)
def test_mod11_appended_check_digit_validates(payload: str) -> None:
    digit = mod11_check_digit(payload)
    if digit is None:
        # Remainder 10: no digit completes the payload, so every digit must fail.
        assert not any(mod11(payload + str(d)) for d in range(10))
    else:
        assert mod11(payload + digit)


@given(digit_strings, st.integers(min_value=0), st.integers(min_value=1, max_value=9))
def test_mod11_detects_every_single_digit_change(payload: str, index: int, shift: int) -> None:
    digit = mod11_check_digit(payload)
    if digit is None:
        return
    assert not mod11(_replace_digit(payload + digit, index, shift))


@given(iban_payloads)
def test_mod97_appended_check_digits_validate(payload: str) -> None:
    assert mod97(payload + mod97_check_digits(payload))


@given(digit_strings, st.integers(min_value=0), st.integers(min_value=1, max_value=9))
def test_mod97_detects_every_single_digit_change(payload: str, index: int, shift: int) -> None:
    number = payload + mod97_check_digits(payload)
    assert not mod97(_replace_digit(number, index, shift))


@pytest.mark.parametrize(
    ("function", "value", "expected"),
    [
        pytest.param(luhn, "6408233234", True, id="luhn-skv-worked-example"),
        pytest.param(luhn, "6408233235", False, id="luhn-altered"),
        pytest.param(luhn_check_digit, "640823323", "4", id="luhn-digit-skv-example"),
        pytest.param(mod11, "2740235305", True, id="mod11-danske-type1-comment1"),
        pytest.param(mod11, "90221114884", True, id="mod11-lf-type1-comment2"),
        pytest.param(mod11_check_digit, "51718235", "1", id="mod11-digit-handelsbanken"),
        pytest.param(mod97, "50000000058398257466SE45", True, id="mod97-seb-iban"),
        pytest.param(mod97_check_digits, "50000000058398257466SE", "45", id="mod97-digits"),
    ],
)
def test_known_values(function: object, value: str, expected: object) -> None:
    assert callable(function)
    assert function(value) == expected
