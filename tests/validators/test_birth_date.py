"""Dates of birth: every written form to its ISO date, and what is not a birth date."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from piiscan.validators.birth_date import validate_birth_date

TODAY = date(2026, 12, 7)
MONTHS = [
    "januari",
    "februari",
    "mars",
    "april",
    "maj",
    "juni",
    "juli",
    "augusti",
    "september",
    "oktober",
    "november",
    "december",
]


@pytest.mark.parametrize(
    ("written", "iso"),
    [
        ("1985-06-01", "1985-06-01"),
        ("1985/06/01", "1985-06-01"),
        ("1985.06.01", "1985-06-01"),
        ("19850601", "1985-06-01"),
        ("850601", "1985-06-01"),
        ("85-06-01", "1985-06-01"),
        ("010203", "2001-02-03"),
        ("01/06/1985", "1985-06-01"),
        ("1/6/1985", "1985-06-01"),
        ("01.06.1985", "1985-06-01"),
        ("1 juni 1985", "1985-06-01"),
        ("12 okt. 1990", "1990-10-12"),
        ("3 Maj 2001", "2001-05-03"),
        ("29 februari 2000", "2000-02-29"),
        ("1 June 1985", "1985-06-01"),
        ("12 Oct 1990", "1990-10-12"),
        ("261207", "2026-12-07"),  # today
        ("261208", "1926-12-08"),  # tomorrow 2026 would be in the future
    ],
)
def test_written_forms(written: str, iso: str) -> None:
    verdict = validate_birth_date(written, today=TODAY)
    assert verdict is not None
    assert verdict.normalized == iso
    assert verdict.strength is None  # the pattern decides: labelled or bare


@pytest.mark.parametrize(
    "written",
    [
        "1985-02-30",
        "1985-13-01",
        "850631",
        "29 februari 2001",
        "2027-01-01",  # the future
        "8 december 2026",
        "1889-12-31",  # before 1890
        "1985-06/01",  # mixed separators
        "06/01/85",  # a two-digit year with slashes is not read
        "1 juno 1985",
        "1985 06 01",
        "",
    ],
)
def test_rejected(written: str) -> None:
    assert validate_birth_date(written, today=TODAY) is None


@given(st.dates(min_value=date(1890, 1, 1), max_value=TODAY))
def test_every_past_date_in_every_form(day: date) -> None:
    iso = day.isoformat()
    for written in (
        iso,
        day.strftime("%Y%m%d"),
        day.strftime("%d/%m/%Y"),
        day.strftime("%d.%m.%Y"),
        f"{day.day} {MONTHS[day.month - 1]} {day.year}",
    ):
        verdict = validate_birth_date(written, today=TODAY)
        assert verdict is not None, written
        assert verdict.normalized == iso
