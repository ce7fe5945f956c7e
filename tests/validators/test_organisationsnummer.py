"""Organisationsnummer and VAT numbers: organisationsnummer/meta vectors and written forms."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from piiscan.validators.base import Strength
from piiscan.validators.organisationsnummer import (
    is_organisationsnummer,
    parse_vat_number,
    validate_organisationsnummer,
)
from piiscan.validators.personnummer import validate_personnummer, validate_samordningsnummer

VECTORS = Path(__file__).resolve().parents[2] / "fixtures" / "vectors"
META = json.loads((VECTORS / "organisationsnummer" / "meta_list.json").read_text("utf-8"))
AP_FONDER = json.loads((VECTORS / "personnummer" / "meta_orgnumber.json").read_text("utf-8"))


def _id(row: dict[str, Any]) -> str:
    return f"{row['type']}-{row['input']}"


@pytest.mark.parametrize("row", [row for row in META if row["type"] != "Enskild firma"], ids=_id)
def test_meta_legal_persons(row: dict[str, Any]) -> None:
    forms = [row["input"], row["long_format"], row["short_format"], row["vat_number"]]
    for candidate in forms:
        verdict = validate_organisationsnummer(candidate)
        assert (verdict is not None) is row["valid"], candidate
        if verdict is not None:
            assert verdict.normalized == row["short_format"]


@pytest.mark.parametrize("row", [row for row in META if row["type"] == "Enskild firma"], ids=_id)
def test_meta_enskild_firma_is_reported_as_identity_number(row: dict[str, Any]) -> None:
    # An enskild firma's "organisationsnummer" is the owner's personnummer or
    # samordningsnummer: the identity-number validators report it, never this one.
    for candidate in (row["input"], row["long_format"], row["short_format"], row["vat_number"]):
        assert validate_organisationsnummer(candidate) is None, candidate
    identity = validate_personnummer(row["input"]) or validate_samordningsnummer(row["input"])
    assert identity is not None
    assert identity.normalized == row["input"]
    inner = parse_vat_number(row["vat_number"])
    assert inner == row["short_format"]


@pytest.mark.parametrize("row", AP_FONDER, ids=lambda row: str(row["separated_format"]))
def test_ap_fonder_are_organisationsnummer(row: dict[str, Any]) -> None:
    assert validate_organisationsnummer(row["separated_format"]) is not None
    assert validate_organisationsnummer(row["short_format"]) is not None


@pytest.mark.parametrize(
    ("candidate", "strength", "flags"),
    [
        pytest.param("SE556016068001", Strength.HIGH, frozenset(), id="vat"),
        pytest.param("SE 556016-0680 01", Strength.HIGH, frozenset(), id="vat-spaced-dash"),
        pytest.param("SE 5560160680 01", Strength.HIGH, frozenset(), id="vat-spaced"),
        pytest.param("556016-0680", Strength.MEDIUM, frozenset(), id="dash"),
        pytest.param("165560160680", Strength.MEDIUM, frozenset(), id="16-prefix"),
        pytest.param("16556016-0680", Strength.MEDIUM, frozenset(), id="16-prefix-dash"),
        pytest.param("5560160680", Strength.LOW, frozenset(), id="bare"),
        pytest.param("202100-4748", Strength.MEDIUM, frozenset({"test_identity"}), id="navet"),
        pytest.param("162021004748", Strength.MEDIUM, frozenset({"test_identity"}), id="navet-16"),
    ],
)
def test_forms(candidate: str, strength: Strength, flags: frozenset[str]) -> None:
    verdict = validate_organisationsnummer(candidate)
    assert verdict is not None
    assert (verdict.strength, verdict.flags) == (strength, flags)


@pytest.mark.parametrize(
    "candidate",
    [
        pytest.param("556016-0681", id="luhn"),
        pytest.param("056016-0680", id="group-0"),
        pytest.param("456016-0683", id="group-4"),
        pytest.param("551016-0680", id="third-digit-1"),
        pytest.param("175560160680", id="prefix-17"),
        pytest.param("SE556016068002", id="vat-suffix-02"),
        pytest.param("se556016068001", id="vat-lower-case"),
        pytest.param("556016 0680", id="space-separator"),
        pytest.param("5560-160680", id="dash-misplaced"),
    ],
)
def test_rejected(candidate: str) -> None:
    assert validate_organisationsnummer(candidate) is None


@pytest.mark.parametrize(
    ("digits", "expected"),
    [
        pytest.param("5560160680", True, id="ab"),
        pytest.param("8020051952", True, id="ap-fond"),
        pytest.param("8506012387", False, id="personnummer"),
        pytest.param("556016068", False, id="nine-digits"),
        pytest.param("556016068a", False, id="letter"),
    ],
)
def test_is_organisationsnummer(digits: str, expected: bool) -> None:
    assert is_organisationsnummer(digits) is expected
