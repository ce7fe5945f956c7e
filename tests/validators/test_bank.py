"""Bankgiro, plusgiro and bank accounts: Bankinfrastruktur/banktools-se vectors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from piiscan.validators.bank import (
    bank_for_clearing,
    clearing_range,
    validate_bank_account,
    validate_bankgiro,
    validate_plusgiro,
)
from piiscan.validators.base import Strength

VECTORS = json.loads(
    (
        Path(__file__).resolve().parents[2] / "fixtures" / "vectors" / "bank" / "test_vectors.json"
    ).read_text("utf-8")
)
SEPARATORS = ["-", " ", ", "]


def _account_id(row: dict[str, Any]) -> str:
    return f"{row['clearing']}/{row['account']}"


@pytest.mark.parametrize("separator", SEPARATORS, ids=["dash", "space", "comma"])
@pytest.mark.parametrize("row", VECTORS["bank_accounts_valid"], ids=_account_id)
def test_valid_accounts(row: dict[str, Any], separator: str) -> None:
    verdict = validate_bank_account(row["clearing"] + separator + row["account"])
    assert verdict is not None
    clearing = "".join(c for c in row["clearing"] if c.isdigit())[:4]
    account = "".join(c for c in row["account"] if c.isdigit())
    assert verdict.normalized.startswith(clearing)
    assert verdict.normalized.endswith(account)


@pytest.mark.parametrize("separator", SEPARATORS, ids=["dash", "space", "comma"])
@pytest.mark.parametrize("row", VECTORS["bank_accounts_invalid"], ids=_account_id)
def test_invalid_accounts(row: dict[str, Any], separator: str) -> None:
    assert validate_bank_account(row["clearing"] + separator + row["account"]) is None


@pytest.mark.parametrize(
    ("candidate", "normalized", "strength", "flags"),
    [
        pytest.param("1274-0235305", "12740235305", Strength.MEDIUM, set(), id="type1-c1"),
        pytest.param("9022-1114884", "90221114884", Strength.MEDIUM, set(), id="type1-c2"),
        pytest.param(
            "3300 101010-1010",
            "33001010101010",
            Strength.MEDIUM,
            {"personnummer_account"},
            id="personkonto",
        ),
        pytest.param(
            "8327-9, 014 725 892-5", "83270147258925", Strength.MEDIUM, set(), id="swedbank-5"
        ),
        pytest.param("81034 978 3242", "81030009783242", Strength.MEDIUM, set(), id="swedbank-7"),
        pytest.param("6114 517 182 351", "6114517182351", Strength.MEDIUM, set(), id="shb-9"),
        pytest.param("6114 5171822", "6114005171822", Strength.LOW, set(), id="shb-padded-7"),
        pytest.param("5839-8257466", "58398257466", Strength.MEDIUM, set(), id="seb"),
        pytest.param("9570 525 004 176 0", "95705250041760", Strength.MEDIUM, set(), id="sbsyd"),
        pytest.param("9570-12344", "95700000012344", Strength.LOW, set(), id="sbsyd-padded"),
        pytest.param(
            "8901-1, 914 616 842-3",
            "89019146168423",
            Strength.MEDIUM,
            {"test_identity"},
            id="validex",
        ),
    ],
)
def test_account_forms(
    candidate: str, normalized: str, strength: Strength, flags: set[str]
) -> None:
    verdict = validate_bank_account(candidate)
    assert verdict is not None
    assert (verdict.normalized, verdict.strength, verdict.flags) == (
        normalized,
        strength,
        frozenset(flags),
    )


@pytest.mark.parametrize(
    ("candidate", "flagged"),
    [
        pytest.param("3300 101010-1010", True, id="personnummer-2010-10-10"),
        pytest.param("3782 1010101010", True, id="legacy-clearing"),
        pytest.param("3300 9913131315", False, id="month-13-not-a-personnummer"),
        pytest.param("9180 1010101010", False, id="danske-not-personkonto"),
    ],
)
def test_personkonto_flag(candidate: str, flagged: bool) -> None:
    verdict = validate_bank_account(candidate)
    assert verdict is not None
    assert ("personnummer_account" in verdict.flags) is flagged


@pytest.mark.parametrize(
    "candidate",
    [
        pytest.param("1274--0235305", id="double-dash"),
        pytest.param("1274/0235305", id="slash"),
        pytest.param("0274-0235305", id="leading-zero"),
        pytest.param("9990-1234567", id="no-bank"),
        pytest.param("1274-0235306", id="check"),
        pytest.param("１２７４-0235305", id="fullwidth"),
    ],
)
def test_account_rejected(candidate: str) -> None:
    assert validate_bank_account(candidate) is None


@pytest.mark.parametrize(
    ("clearing", "bank"),
    [
        pytest.param("1274", "Danske Bank", id="danske"),
        pytest.param("3300", "Nordea", id="nordea"),
        pytest.param("8327", "Swedbank", id="swedbank-4"),
        pytest.param("83279", "Swedbank", id="swedbank-5"),
        pytest.param("9750", "Northmill Bank", id="northmill"),
        pytest.param("9650", None, id="medmera-gone"),
        pytest.param("0999", None, id="below-1000"),
        pytest.param("12", None, id="short"),
    ],
)
def test_bank_for_clearing(clearing: str, bank: str | None) -> None:
    assert bank_for_clearing(clearing) == bank


def test_clearing_table_loads_every_range() -> None:
    rows = [clearing_range(str(n)) for n in range(1000, 10000)]
    covered = [row for row in rows if row is not None]
    assert len({(row.start, row.end) for row in covered}) == 53  # data rows in clearing_ranges.psv
    assert all(row.min_length <= row.length for row in covered)


@pytest.mark.parametrize("row", VECTORS["bankgiro"], ids=lambda row: str(row["number"]))
def test_bankgiro_vectors(row: dict[str, Any]) -> None:
    verdict = validate_bankgiro(row["number"])
    assert (verdict is not None) is row["valid"]
    if verdict is not None:
        assert verdict.strength is Strength.LOW


@pytest.mark.parametrize(
    ("candidate", "normalized", "flags"),
    [
        pytest.param("991-2346", "9912346", {"test_identity"}, id="bankgirot-test"),
        pytest.param("0991-2346", "9912346", {"test_identity"}, id="zero-padded"),
        pytest.param("9912346", "9912346", {"test_identity"}, id="bare"),
        pytest.param("5402-9681", "54029681", set(), id="eight"),
    ],
)
def test_bankgiro_forms(candidate: str, normalized: str, flags: set[str]) -> None:
    verdict = validate_bankgiro(candidate)
    assert verdict is not None
    assert (verdict.normalized, verdict.flags) == (normalized, frozenset(flags))


@pytest.mark.parametrize(
    "candidate",
    [
        pytest.param("99-12346", id="dash-misplaced"),
        pytest.param("991 2346", id="space"),
        pytest.param("00991-2346", id="double-padding"),
    ],
)
def test_bankgiro_rejected(candidate: str) -> None:
    assert validate_bankgiro(candidate) is None


@pytest.mark.parametrize("row", VECTORS["plusgiro"], ids=lambda row: str(row["number"]))
def test_plusgiro_vectors(row: dict[str, Any]) -> None:
    verdict = validate_plusgiro(row["number"])
    assert (verdict is not None) is row["valid"]
    if verdict is not None:
        assert verdict.strength is Strength.LOW


@pytest.mark.parametrize(
    ("candidate", "normalized", "flags"),
    [
        pytest.param("920100-5", "9201005", {"test_identity"}, id="nordea-test"),
        pytest.param("92 01 00-5", "9201005", {"test_identity"}, id="nordea-test-grouped"),
        pytest.param("410 54 68-5", "41054685", set(), id="eight"),
        pytest.param("4-2", "42", set(), id="two"),
    ],
)
def test_plusgiro_forms(candidate: str, normalized: str, flags: set[str]) -> None:
    verdict = validate_plusgiro(candidate)
    assert verdict is not None
    assert (verdict.normalized, verdict.flags) == (normalized, frozenset(flags))


@pytest.mark.parametrize(
    "candidate",
    [
        pytest.param("2865434", id="no-dash"),
        pytest.param("28 654 3-4", id="bad-grouping"),
        pytest.param("28 65 43 -4", id="space-before-dash"),
        pytest.param("0-0", id="zero"),
    ],
)
def test_plusgiro_rejected(candidate: str) -> None:
    assert validate_plusgiro(candidate) is None
