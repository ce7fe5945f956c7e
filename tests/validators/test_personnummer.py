"""Personnummer and samordningsnummer: Skatteverket's full test lists and published vectors."""

from __future__ import annotations

import json
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from piiscan.validators.base import Strength, Verdict
from piiscan.validators.checksums import luhn_check_digit
from piiscan.validators.personnummer import (
    is_skatteverket_test_number,
    parse_identity_number,
    validate_personnummer,
    validate_samordningsnummer,
)

VECTORS = Path(__file__).resolve().parents[2] / "fixtures" / "vectors" / "personnummer"
TODAY = date(2026, 11, 21)  # fixes the century inference and the `+`/`-` choice


def _vectors(name: str) -> Any:
    return json.loads((VECTORS / name).read_text(encoding="utf-8"))


def _bundled(name: str) -> list[str]:
    text = (resources.files("piiscan") / "data" / name).read_text(encoding="ascii")
    return [line for line in text.splitlines() if line]


def _short_form(digits12: str) -> str:
    """The 10-digit form with the separator the law prescribes on TODAY."""
    separator = "+" if int(digits12[:4]) <= TODAY.year - 100 else "-"
    return digits12[2:8] + separator + digits12[8:]


def _both(candidate: str) -> tuple[Verdict | None, Verdict | None]:
    return (
        validate_personnummer(candidate, today=TODAY),
        validate_samordningsnummer(candidate, today=TODAY),
    )


# Skatteverket's test samordningsnummer whose day cannot exist in that month (31 April, ...).
IMPOSSIBLE_SAMORDNINGSNUMMER = [
    ("192004912388", "1920-04-31"),
    ("193002902397", "1930-02-30"),
    ("193302912385", "1933-02-31"),
    ("193309912388", "1933-09-31"),
    ("194209912387", "1942-09-31"),
    ("194804912386", "1948-04-31"),
    ("195102892386", "1951-02-29"),
    ("195109912385", "1951-09-31"),
    ("195202912381", "1952-02-31"),
    ("196602902394", "1966-02-30"),
    ("197404912383", "1974-04-31"),
    ("197902902399", "1979-02-30"),
    ("198106912382", "1981-06-31"),
    ("198502902391", "1985-02-30"),
    ("199611912388", "1996-11-31"),
    ("200111912382", "2001-11-31"),
    ("200302912381", "2003-02-31"),
    ("200902912385", "2009-02-31"),
    ("201109912384", "2011-09-31"),
    ("201302892383", "2013-02-29"),
    ("201402902397", "2014-02-30"),
    ("201402912388", "2014-02-31"),
    ("201604912384", "2016-04-31"),
    ("201902892387", "2019-02-29"),
]


# --- the full Skatteverket lists ------------------------------------------------------------


@pytest.mark.parametrize(
    ("form", "expected_strength"),
    [
        pytest.param(lambda d: d, Strength.HIGH, id="12-digits"),
        pytest.param(lambda d: d[:8] + "-" + d[8:], Strength.HIGH, id="12-digits-dash"),
        pytest.param(_short_form, Strength.MEDIUM, id="10-digits-with-separator"),
    ],
)
def test_every_skatteverket_test_personnummer(form: Any, expected_strength: Strength) -> None:
    numbers = _bundled("skatteverket_testpersonnummer.txt")
    assert len(numbers) == 41_493
    failures = []
    for digits12 in numbers:
        verdict = validate_personnummer(form(digits12), today=TODAY)
        expected = Verdict(
            normalized=digits12, strength=expected_strength, flags=frozenset({"test_identity"})
        )
        # A personnummer verdict implies validate_samordningsnummer rejects the same text:
        # both read the one parse, which names a single kind.
        if verdict != expected:
            failures.append(digits12)
    assert failures == []


def test_every_skatteverket_test_samordningsnummer() -> None:
    numbers = _bundled("skatteverket_testsamordningsnummer.txt")
    assert len(numbers) == 2_264
    impossible = {digits for digits, _ in IMPOSSIBLE_SAMORDNINGSNUMMER}
    failures = []
    for digits12 in numbers:
        for candidate in (digits12, _short_form(digits12)):
            verdict = validate_samordningsnummer(candidate, today=TODAY)
            ok = (
                verdict is not None
                and verdict.normalized == digits12
                and "test_identity" in verdict.flags
                and ("impossible_date" in verdict.flags) == (digits12 in impossible)
                and validate_personnummer(candidate, today=TODAY) is None
            )
            if not ok:
                failures.append(candidate)
    assert failures == []


def test_impossible_dates_are_exactly_the_listed_ones() -> None:
    found = [
        digits
        for digits in _bundled("skatteverket_testsamordningsnummer.txt")
        if (identity := parse_identity_number(digits, today=TODAY)) and identity.impossible_date
    ]
    assert found == [digits for digits, _ in IMPOSSIBLE_SAMORDNINGSNUMMER]


@pytest.mark.parametrize(
    ("digits12", "written_date"),
    IMPOSSIBLE_SAMORDNINGSNUMMER,
    ids=[written for _, written in IMPOSSIBLE_SAMORDNINGSNUMMER],
)
def test_impossible_samordningsnummer_are_low_and_flagged(digits12: str, written_date: str) -> None:
    identity = parse_identity_number(digits12, today=TODAY)
    assert identity is not None
    assert identity.impossible_date
    assert identity.birth_date is None
    assert f"{digits12[:4]}-{digits12[4:6]}-{int(digits12[6:8]) - 60:02d}" == written_date
    assert validate_samordningsnummer(digits12, today=TODAY) == Verdict(
        normalized=digits12,
        strength=Strength.LOW,
        flags=frozenset({"impossible_date", "test_identity"}),
    )


# --- forms, strength and flags ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("candidate", "normalized", "strength"),
    [
        pytest.param("198506012387", "198506012387", Strength.HIGH, id="12"),
        pytest.param("19850601-2387", "198506012387", Strength.HIGH, id="12-dash"),
        pytest.param("19090527+1474", "190905271474", Strength.HIGH, id="12-redundant-plus"),
        pytest.param("850601-2387", "198506012387", Strength.MEDIUM, id="10-dash"),
        pytest.param("000101+9801", "190001019801", Strength.MEDIUM, id="10-plus"),
        pytest.param("8506012387", "198506012387", Strength.LOW, id="10-bare"),
        pytest.param("850601 2387", "198506012387", Strength.LOW, id="10-space"),
        pytest.param("19850601 2387", "198506012387", Strength.LOW, id="12-space"),
        pytest.param("000229-2399", "200002292399", Strength.MEDIUM, id="leap-day-2000"),
    ],
)
def test_forms_and_strength(candidate: str, normalized: str, strength: Strength) -> None:
    verdict = validate_personnummer(candidate, today=TODAY)
    assert verdict is not None
    assert (verdict.normalized, verdict.strength) == (normalized, strength)


@pytest.mark.parametrize(
    "candidate",
    [
        pytest.param("850601--2387", id="double-dash"),
        pytest.param("850601  2387", id="double-space"),
        pytest.param("8506012387 ", id="trailing-space"),
        pytest.param("85O6012387", id="letter-o"),
        pytest.param("８５０６０１２３８７", id="fullwidth-digits"),
        pytest.param("178506012387", id="century-17"),
        pytest.param("218506012387", id="century-21"),
        pytest.param("198506012388", id="luhn"),
        pytest.param("850230-2386", id="30-february"),
        pytest.param("010229-2382", id="29-february-2001"),
        pytest.param("201509160006", id="serial-000"),
        pytest.param("851301-2382", id="month-13"),
        pytest.param("850632-2383", id="day-32"),
        pytest.param("850600-2385", id="day-00-personnummer"),
        pytest.param("850001-2388", id="month-00-personnummer"),
        pytest.param("261231-2384", id="future-date"),
        pytest.param("20261231-2384", id="future-date-12"),
        pytest.param("1985060123870", id="too-long"),
    ],
)
def test_rejected(candidate: str) -> None:
    assert _both(candidate) == (None, None)


def _with_check_digit(yymmdd: str, separator: str, serial: str) -> str:
    return yymmdd + separator + serial + luhn_check_digit(yymmdd + serial)


@pytest.mark.parametrize(
    ("yymmdd", "separator", "today", "year"),
    [
        pytest.param("850601", "-", date(2026, 1, 1), 1985, id="minus-recent"),
        pytest.param("850601", "+", date(2026, 1, 1), 1885, id="plus-100"),
        pytest.param("000101", "-", date(2026, 1, 1), 2000, id="minus-2000"),
        pytest.param("000101", "+", date(2026, 1, 1), 1900, id="plus-1900"),
        pytest.param("000101", "", date(2026, 1, 1), 2000, id="bare-as-minus"),
        pytest.param("260101", "-", date(2025, 12, 31), 1926, id="yy-after-ref-goes-back"),
        pytest.param("261121", "-", date(2026, 11, 21), 2026, id="born-today"),
        pytest.param("270101", "-", date(2026, 11, 21), 1927, id="yy-27-in-2026"),
        pytest.param("000101", "-", date(2100, 6, 1), 2100, id="next-century"),
        pytest.param("000101", "+", date(2100, 6, 1), 2000, id="next-century-plus"),
    ],
)
def test_century(yymmdd: str, separator: str, today: date, year: int) -> None:
    identity = parse_identity_number(_with_check_digit(yymmdd, separator, "238"), today=today)
    assert identity is not None
    assert identity.digits12[:4] == str(year)


@pytest.mark.parametrize(
    ("candidate", "today"),
    [
        pytest.param("261122-238", date(2026, 11, 21), id="10-tomorrow"),
        pytest.param("20261122238", date(2026, 11, 21), id="12-tomorrow"),
        pytest.param("20270101238", date(2026, 11, 21), id="12-next-year"),
        pytest.param("000000238", date(2026, 11, 21), id="zero-date"),
    ],
)
def test_future_and_empty_dates_rejected(candidate: str, today: date) -> None:
    number = candidate + luhn_check_digit(candidate.replace("-", "")[-9:])
    assert parse_identity_number(number, today=today) is None


@pytest.mark.parametrize(
    ("candidate", "kind", "strength", "partial"),
    [
        pytest.param("191500722390", "samordningsnummer", Strength.MEDIUM, True, id="month-00"),
        pytest.param("191711602399", "samordningsnummer", Strength.MEDIUM, True, id="day-60"),
        pytest.param("196403722397", "samordningsnummer", Strength.HIGH, False, id="day-72"),
        pytest.param("701063-2391", "samordningsnummer", Strength.MEDIUM, False, id="skvm-2010-3"),
    ],
)
def test_samordningsnummer(candidate: str, kind: str, strength: Strength, partial: bool) -> None:
    identity = parse_identity_number(candidate, today=TODAY)
    assert identity is not None
    assert (identity.kind, identity.partial_date) == (kind, partial)
    assert (identity.birth_date is None) == partial
    verdict = validate_samordningsnummer(candidate, today=TODAY)
    assert verdict is not None
    assert verdict.strength == strength


def test_samordningsnummer_birth_date_is_day_minus_60() -> None:
    identity = parse_identity_number("701063-2391", today=TODAY)
    assert identity is not None
    assert identity.birth_date == date(1970, 10, 3)


def test_repr_hides_the_number() -> None:
    identity = parse_identity_number("19850601-2387", today=TODAY)
    assert identity is not None
    assert "2387" not in repr(identity)
    assert "1985" not in repr(identity)


@pytest.mark.parametrize(
    ("digits12", "expected"),
    [
        pytest.param("201212121212", True, id="tolvan-2012-in-list"),
        pytest.param("191212121212", False, id="tolvan-1912-not-in-list"),
        pytest.param("191500722390", True, id="samordningsnummer-list"),
        pytest.param("200001019801", False, id="derived-not-in-list"),
    ],
)
def test_is_skatteverket_test_number(digits12: str, expected: bool) -> None:
    assert is_skatteverket_test_number(digits12) is expected


# --- personnummer/meta vectors ---------------------------------------------------------------


def _meta_list_cases() -> list[Any]:
    cases = []
    for row in _vectors("meta_list.json"):
        for field in ("long_format", "short_format", "separated_format", "separated_long"):
            candidate = row[field]
            if " " in candidate:
                continue  # space separator: our documented divergence, tested below
            cases.append(pytest.param(candidate, row["type"], row["valid"], id=f"{candidate}"))
    return cases


@pytest.mark.parametrize(("candidate", "kind", "valid"), _meta_list_cases())
def test_meta_list(candidate: str, kind: str, valid: bool) -> None:
    personnummer, samordningsnummer = _both(candidate)
    if not valid:
        assert (personnummer, samordningsnummer) == (None, None)
    elif kind == "ssn":
        assert personnummer is not None
        assert samordningsnummer is None
    else:
        assert personnummer is None
        assert samordningsnummer is not None


def _meta_structured_cases() -> list[Any]:
    cases = []
    for kind, groups in _vectors("meta_structured.json").items():
        for representation, by_validity in groups.items():
            for validity, values in by_validity.items():
                for value in values:
                    text = str(value)
                    case_id = f"{kind}-{representation}-{validity}-{text}"
                    cases.append(pytest.param(text, kind, validity == "valid", id=case_id))
    return cases


@pytest.mark.parametrize(("candidate", "kind", "valid"), _meta_structured_cases())
def test_meta_structured(candidate: str, kind: str, valid: bool) -> None:
    personnummer, samordningsnummer = _both(candidate)
    if " " in candidate:
        # personnummer/meta rejects a space separator (meta@#41); a scanner meets it in real
        # text, so piiscan accepts it at LOW strength instead.
        assert personnummer is not None
        assert personnummer.strength is Strength.LOW
        return
    found = personnummer if kind == "ssn" else samordningsnummer
    other = samordningsnummer if kind == "ssn" else personnummer
    assert (found is not None) is valid
    assert other is None


@pytest.mark.parametrize(
    "row", _vectors("meta_interim.json"), ids=lambda row: str(row["separated_long"])
)
def test_interim_numbers_are_not_identity_numbers(row: dict[str, Any]) -> None:
    # T-/interim numbers (letters in the serial) are not issued by Skatteverket and are out of
    # scope for these validators, whatever personnummer/meta says about their validity.
    for field in ("long_format", "short_format", "separated_format", "separated_long"):
        assert _both(row[field]) == (None, None)


@pytest.mark.parametrize(
    "row", _vectors("meta_orgnumber.json"), ids=lambda row: str(row["separated_format"])
)
def test_organisationsnummer_are_not_identity_numbers(row: dict[str, Any]) -> None:
    for field in ("short_format", "separated_format"):
        assert _both(row[field]) == (None, None)


# --- curated edge cases ----------------------------------------------------------------------

# input -> (validator that accepts it, strength, flags); None = neither accepts it.
# `expected_valid: null` rows are our documented choices.
EDGE_CASE_OUTCOMES: dict[str, tuple[str, Strength, frozenset[str]] | None] = {
    "198506012387": ("personnummer", Strength.HIGH, frozenset({"test_identity"})),
    "19850601-2387": ("personnummer", Strength.HIGH, frozenset({"test_identity"})),
    "850601-2387": ("personnummer", Strength.MEDIUM, frozenset({"test_identity"})),
    "8506012387": ("personnummer", Strength.LOW, frozenset({"test_identity"})),
    # null: accepted at LOW (a scanner meets the space form in real text).
    "19850601 2387": ("personnummer", Strength.LOW, frozenset({"test_identity"})),
    "000101+9801": ("personnummer", Strength.MEDIUM, frozenset({"test_identity"})),
    "000101-9801": ("personnummer", Strength.MEDIUM, frozenset()),
    "201212121212": ("personnummer", Strength.HIGH, frozenset({"test_identity"})),
    "198506012388": None,
    "850230-2386": None,
    "201509160006": None,
    "196403722397": ("samordningsnummer", Strength.HIGH, frozenset({"test_identity"})),
    "701063-2391": ("samordningsnummer", Strength.MEDIUM, frozenset()),
    "191500722390": ("samordningsnummer", Strength.MEDIUM, frozenset({"test_identity"})),
    "191711602399": ("samordningsnummer", Strength.MEDIUM, frozenset({"test_identity"})),
    # null: accepted at LOW with the flag impossible_date.
    "192004912388": (
        "samordningsnummer",
        Strength.LOW,
        frozenset({"test_identity", "impossible_date"}),
    ),
    # T-numbers are out of scope for these validators (see test_interim_numbers_...).
    "20000101-T220": None,
    "20000101-E221": None,
    # null: a bare 10-digit run is LOW; the phone validator flags it as PTS fictional and the
    # engine arbitrates with context.
    "0701740607": ("samordningsnummer", Strength.LOW, frozenset()),
    "0406280404": ("personnummer", Strength.LOW, frozenset()),
    "8572090606": None,
}


def test_edge_case_table_covers_the_file() -> None:
    inputs = [case["input"] for case in _vectors("edge_cases.json")["cases"]]
    assert sorted(inputs) == sorted(EDGE_CASE_OUTCOMES)


@pytest.mark.parametrize(
    "case", _vectors("edge_cases.json")["cases"], ids=lambda case: str(case["input"])
)
def test_edge_cases(case: dict[str, Any]) -> None:
    expected = EDGE_CASE_OUTCOMES[case["input"]]
    personnummer, samordningsnummer = _both(case["input"])
    if case["expected_valid"] is False:
        assert expected is None
    if expected is None:
        assert (personnummer, samordningsnummer) == (None, None)
        return
    kind, strength, flags = expected
    verdict, other = (
        (personnummer, samordningsnummer)
        if kind == "personnummer"
        else (samordningsnummer, personnummer)
    )
    assert other is None
    assert verdict is not None
    assert (verdict.strength, verdict.flags) == (strength, flags)
