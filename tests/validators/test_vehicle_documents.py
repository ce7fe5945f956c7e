"""Vehicle registration numbers, passport and national ID card numbers."""

from __future__ import annotations

import pytest

from piiscan.validators.base import Strength
from piiscan.validators.identity_document import validate_identity_document
from piiscan.validators.vehicle import validate_vehicle_registration


@pytest.mark.parametrize(
    ("written", "plate"),
    [
        ("ABC 123", "ABC123"),
        ("ABC123", "ABC123"),
        ("ABC-123", "ABC123"),
        ("WER 84A", "WER84A"),
        ("XYZ 001", "XYZ001"),
        ("DYR 123", "DYR123"),  # barred once, issued again since 2010
        ("GUB 001", "GUB001"),
    ],
)
def test_plates(written: str, plate: str) -> None:
    verdict = validate_vehicle_registration(written)
    assert verdict is not None
    assert (verdict.normalized, verdict.strength) == (plate, Strength.LOW)


@pytest.mark.parametrize(
    "written",
    [
        "IBM 123",  # I is not used
        "QRS 123",  # nor Q
        "VOL 123",  # nor V
        "ÅÄÖ 123",
        "ABC 12O",  # a final O reads as a zero
        "ABC 12I",
        "KKK 123",  # barred combinations
        "SEX 666",
        "FEM 555",
        "LSD 100",
        "MLB 84A",  # reserved for examples and advertising
        "abc 123",
        "ABC  123",
        "ABC 1234",
        "AB 123",
        "ABC 1A3",
        "",
    ],
)
def test_not_plates(written: str) -> None:
    assert validate_vehicle_registration(written) is None


@pytest.mark.parametrize(
    ("written", "number"),
    [
        ("12345678", "12345678"),
        ("87654321", "87654321"),
        ("AA1234567", "AA1234567"),
        ("aa1234567", "AA1234567"),
        ("XP4K7L2M9", "XP4K7L2M9"),
        ("19851301", "19851301"),  # no such month: not a date
    ],
)
def test_document_numbers(written: str, number: str) -> None:
    verdict = validate_identity_document(written)
    assert verdict is not None
    assert (verdict.normalized, verdict.strength) == (number, Strength.LOW)


@pytest.mark.parametrize(
    "written",
    [
        "00000000",
        "11111111",
        "20300115",  # an expiry date
        "19850601",  # a birth date
        "1234567",
        "123456789",  # nine digits: an order or account number more often
        "ABCDEFGHI",
        "1234 5678",
        "1234-5678",
        "AB12345678",
        "",
    ],
)
def test_not_document_numbers(written: str) -> None:
    assert validate_identity_document(written) is None
