"""IBAN and payment card validators."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from piiscan.validators.base import Strength
from piiscan.validators.card import card_brand, validate_card
from piiscan.validators.iban import validate_iban

VECTORS = json.loads(
    (
        Path(__file__).resolve().parents[2] / "fixtures" / "vectors" / "bank" / "test_vectors.json"
    ).read_text("utf-8")
)
ACCOUNT_IBANS = [row["iban"] for row in VECTORS["bank_accounts_valid"] if row["iban"]]


@pytest.mark.parametrize("iban", [row["iban"] for row in VECTORS["iban_valid"]] + ACCOUNT_IBANS)
def test_valid_ibans(iban: str) -> None:
    verdict = validate_iban(iban)
    assert verdict is not None
    assert verdict.normalized == iban.replace(" ", "")
    assert verdict.strength is Strength.HIGH


@pytest.mark.parametrize("iban", [row["iban"] for row in VECTORS["iban_invalid"]])
def test_invalid_ibans(iban: str) -> None:
    assert validate_iban(iban) is None


@pytest.mark.parametrize(
    ("candidate", "normalized", "flags"),
    [
        pytest.param(
            "SE42 8000 0890 1191 4616 8423",
            "SE4280000890119146168423",
            {"test_identity"},
            id="validex-grouped",
        ),
        pytest.param(
            "se4550000000058398257466", "SE4550000000058398257466", {"test_identity"}, id="lower"
        ),
        pytest.param(
            "GB82 WEST 1234 5698 7654 32", "GB82WEST12345698765432", {"test_identity"}, id="gb"
        ),
        pytest.param(
            "SE95 3000 0000 0010 1010 1010", "SE9530000000001010101010", set(), id="personkonto"
        ),
    ],
)
def test_iban_forms(candidate: str, normalized: str, flags: set[str]) -> None:
    verdict = validate_iban(candidate)
    assert verdict is not None
    assert (verdict.normalized, verdict.flags) == (normalized, frozenset(flags))


@pytest.mark.parametrize(
    "candidate",
    [
        pytest.param("SE45 5000 0000 0583 9825 746", id="too-short"),
        pytest.param("SE455 000 0000 0583 9825 7466", id="bad-grouping"),
        pytest.param("SE45  5000 0000 0583 9825 7466", id="double-space"),
        pytest.param("XX4550000000058398257466", id="unknown-country"),
        pytest.param("SE4550000000058398257467", id="mod97"),
        pytest.param("SE45500000000583982574661", id="too-long"),
    ],
)
def test_iban_rejected(candidate: str) -> None:
    assert validate_iban(candidate) is None


@pytest.mark.parametrize("row", VECTORS["cards"], ids=lambda row: str(row["number"]))
def test_card_vectors(row: dict[str, Any]) -> None:
    assert (validate_card(row["number"]) is not None) is row["valid"]


@pytest.mark.parametrize(
    ("candidate", "brand", "strength", "test"),
    [
        pytest.param("4242 4242 4242 4242", "visa", Strength.MEDIUM, True, id="stripe-visa"),
        pytest.param("4242-4242-4242-4242", "visa", Strength.MEDIUM, True, id="dashes"),
        pytest.param("4242424242424242", "visa", Strength.LOW, True, id="bare"),
        pytest.param("5555 5555 5555 4444", "mastercard", Strength.MEDIUM, True, id="mc-5"),
        pytest.param("2223 0031 2200 3222", "mastercard", Strength.MEDIUM, True, id="mc-2"),
        pytest.param("3782 822463 10005", "amex", Strength.MEDIUM, True, id="amex"),
        pytest.param("3622 720627 1667", "diners", Strength.MEDIUM, True, id="diners-14"),
        pytest.param("6011 1111 1111 1117", "discover", Strength.MEDIUM, True, id="discover"),
        pytest.param("3566 0020 2036 0505", "jcb", Strength.MEDIUM, True, id="jcb"),
        pytest.param("6200 0000 0000 0005", "unionpay", Strength.MEDIUM, True, id="unionpay"),
        pytest.param("4000 0000 0000 0002", "visa", Strength.MEDIUM, False, id="visa-other"),
    ],
)
def test_card_forms(candidate: str, brand: str, strength: Strength, test: bool) -> None:
    verdict = validate_card(candidate)
    assert verdict is not None
    assert card_brand(verdict.normalized) == brand
    assert verdict.strength is strength
    assert ("test_identity" in verdict.flags) is test


@pytest.mark.parametrize(
    "candidate",
    [
        pytest.param("4242 4242 4242 4241", id="luhn"),
        pytest.param("4242 4242 42424242", id="bad-grouping"),
        pytest.param("4242-4242 4242-4242", id="mixed-separators"),
        pytest.param("4242  4242 4242 4242", id="double-space"),
        pytest.param("1234567812345670", id="no-brand"),  # Luhn-valid, IIN 1 (airlines/OCR)
        pytest.param("5555555555554", id="mastercard-13"),
        pytest.param("424242424242", id="twelve-digits"),
        pytest.param("42424242424242424242", id="twenty-digits"),
    ],
)
def test_card_rejected(candidate: str) -> None:
    assert validate_card(candidate) is None
