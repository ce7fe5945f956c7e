"""Telephone numbers and the PTS fictional ranges."""

from __future__ import annotations

import json
import re
from importlib import resources

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from piiscan.validators.base import Strength
from piiscan.validators.phone import (
    NDC_KEY_DIGITS,
    _swedish_ndc_length,
    _swedish_type,
    is_pts_fictional,
    validate_phone,
)

PTS = json.loads(
    (resources.files("piiscan") / "data" / "pts_fictional_ranges.json").read_text("utf-8")
)["ranges"]


def _range_numbers(row: dict[str, str]) -> list[str]:
    low, high = int(row["from"]), int(row["to"])
    return ["0" + str(n) for n in range(low, high + 1)]


@pytest.mark.parametrize("row", PTS, ids=lambda row: str(row["area"]))
def test_every_pts_fictional_number(row: dict[str, str]) -> None:
    failures = []
    for national in _range_numbers(row):
        verdict = validate_phone(national)
        if (
            verdict is None
            or "test_identity" not in verdict.flags
            or verdict.normalized != "+46" + national[1:]
        ):
            failures.append(national)
    assert failures == []


@pytest.mark.parametrize("row", PTS, ids=lambda row: str(row["area"]))
def test_pts_range_edges(row: dict[str, str]) -> None:
    assert is_pts_fictional(row["e164_from"])
    assert is_pts_fictional(row["e164_to"])
    before = f"+{int(row['e164_from'][1:]) - 1}"
    after = f"+{int(row['e164_to'][1:]) + 1}"
    assert not is_pts_fictional(before)
    assert not is_pts_fictional(after)
    for form in (row["national_format_from"], row["national_format_to"]):
        verdict = validate_phone(form)
        assert verdict is not None
        assert verdict.strength is Strength.MEDIUM


@pytest.mark.parametrize(
    ("candidate", "normalized", "strength"),
    [
        pytest.param("070-174 06 05", "+46701740605", Strength.MEDIUM, id="mobile-grouped"),
        pytest.param("070-1740605", "+46701740605", Strength.MEDIUM, id="mobile-dash"),
        pytest.param("070 174 06 05", "+46701740605", Strength.MEDIUM, id="mobile-spaces"),
        pytest.param("0701740605", "+46701740605", Strength.MEDIUM, id="mobile-bare"),
        pytest.param("+46 70 174 06 05", "+46701740605", Strength.MEDIUM, id="plus46"),
        pytest.param("+46(0)70-174 06 05", "+46701740605", Strength.MEDIUM, id="plus46-0"),
        pytest.param("0046 70 174 06 05", "+46701740605", Strength.MEDIUM, id="0046"),
        pytest.param("+46701740605", "+46701740605", Strength.MEDIUM, id="e164"),
        pytest.param("08-465 004 00", "+46846500400", Strength.MEDIUM, id="stockholm"),
        pytest.param("08/46500400", "+46846500400", Strength.MEDIUM, id="stockholm-slash"),
        pytest.param("(08) 465 004 00", "+46846500400", Strength.MEDIUM, id="parentheses"),
        pytest.param("0980-31 92 00", "+46980319200", Strength.MEDIUM, id="kiruna"),
        pytest.param("031-390 06 00", "+46313900600", Strength.MEDIUM, id="goteborg"),
        pytest.param("090619-2380", "+46906192380", Strength.LOW, id="personnummer-shape"),
    ],
)
def test_forms(candidate: str, normalized: str, strength: Strength) -> None:
    verdict = validate_phone(candidate)
    assert verdict is not None
    assert (verdict.normalized, verdict.strength) == (normalized, strength)


@pytest.mark.parametrize(
    "candidate",
    [
        pytest.param("701740605", id="no-trunk-zero"),
        pytest.param("46500400", id="subscriber-only"),
        pytest.param("070-174 06 0", id="too-short"),
        pytest.param("070-174 06 055 5", id="too-long"),
        pytest.param("+46 70 174 06 0", id="intl-too-short"),
        pytest.param("070-ABC 06 05", id="letters"),
        pytest.param("０７０１７４０６０５", id="fullwidth"),
        pytest.param("12345", id="short-run"),
    ],
)
def test_rejected(candidate: str) -> None:
    assert validate_phone(candidate) is None


def test_foreign_numbers_only_in_international_form() -> None:
    verdict = validate_phone("+44 20 7946 0018")
    assert verdict is not None
    assert verdict.normalized == "+442079460018"
    assert validate_phone("+44 20 7946 001") is None


def _reference_verdict(candidate: str) -> tuple[str, bool] | None:
    """What ``phonenumbers.parse`` alone says: the E.164 form of a valid number."""
    try:
        number = phonenumbers.parse(candidate, "SE")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), True


@settings(max_examples=3000, deadline=None)
@given(
    prefix=st.sampled_from(["0", "+46 ", "0046 ", "+46", "0046"]),
    digits=st.text(alphabet="0123456789", min_size=5, max_size=12),
    separator=st.sampled_from(["", " ", "-"]),
)
def test_fast_swedish_path_agrees_with_parse(prefix: str, digits: str, separator: str) -> None:
    # validate_phone skips phonenumbers.parse for common Swedish shapes; it must decide
    # exactly as parse + is_valid_number would.
    candidate = prefix + digits[:2] + separator + digits[2:]
    verdict = validate_phone(candidate)
    reference = _reference_verdict(candidate)
    international = candidate.startswith(("+", "00"))
    if reference is None or not (international or reference[0].startswith("+46")):
        assert verdict is None
    else:
        assert verdict is not None
        assert verdict.normalized == reference[0]


def _phonenumbers_verdict(candidate: str) -> tuple[str, Strength] | None:
    """What validate_phone decided for every shape before the core read parentheses:
    phonenumbers.parse and is_valid_number, the strength by the same rule."""
    try:
        number = phonenumbers.parse(candidate, "SE")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number) or number.country_code != 46:
        return None
    national = phonenumbers.national_significant_number(number)
    first = re.split(r"[ ./-]", candidate.replace("(", "").replace(")", " ").strip(), maxsplit=1)
    ndc = phonenumbers.length_of_national_destination_code(number)
    grouped = len(first) == 2 and first[0] == "0" + national[:ndc]
    mobile = phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.MOBILE
    return f"+46{national}", Strength.MEDIUM if mobile or grouped else Strength.LOW


@settings(max_examples=3000, deadline=None)
@given(
    area=st.text(alphabet="0123456789", min_size=1, max_size=3),
    digits=st.text(alphabet="0123456789", min_size=4, max_size=10),
    separator=st.sampled_from(["", " ", "-", " - "]),
    grouping=st.sampled_from(["", " "]),
)
def test_area_code_in_parentheses_agrees_with_phonenumbers(
    area: str, digits: str, separator: str, grouping: str
) -> None:
    # "(08) 465 004 00": the core reads the parentheses as phonenumbers does (punctuation).
    rest = digits[:3] + grouping + digits[3:]
    candidate = f"(0{area}){separator}{rest}"
    verdict = validate_phone(candidate)
    expected = _phonenumbers_verdict(candidate)
    got = None if verdict is None else (verdict.normalized, verdict.strength)
    assert got == expected, candidate


@settings(max_examples=3000, deadline=None)
@given(
    national=st.text(alphabet="0123456789", min_size=5, max_size=13).filter(lambda d: d[0] != "0")
)
def test_swedish_type_agrees_with_phonenumbers(national: str) -> None:
    number = phonenumbers.PhoneNumber(country_code=46, national_number=int(national))
    assert _swedish_type(national) == phonenumbers.number_type(number)


def test_area_code_cache_agrees_with_phonenumbers() -> None:
    # Every three-digit start, every length a Swedish number has, three different tails.
    checked = 0
    for start in range(100, 1000):
        for length in range(6, 11):
            for tail in "059":
                national = str(start) + tail * (length - 3)
                number = phonenumbers.PhoneNumber(country_code=46, national_number=int(national))
                if not phonenumbers.is_valid_number(number):
                    continue
                expected = phonenumbers.length_of_national_destination_code(number)
                got = _swedish_ndc_length(national[:NDC_KEY_DIGITS], len(national))
                assert got == expected, national
                checked += 1
    assert checked > 1000


def _example_numbers() -> list[str]:
    """One valid number of every calling code phonenumbers knows, in E.164 form."""
    numbers = []
    for code, regions in sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE.items()):
        for region in regions:
            example = (
                phonenumbers.example_number_for_non_geo_entity(code)
                if region == "001"
                else phonenumbers.example_number(region)
            )
            if example is not None:
                numbers.append(
                    phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)
                )
                break
    return numbers


def test_every_calling_code_in_use_reaches_phonenumbers() -> None:
    # The core refuses an international number whose calling code no country has, without
    # asking phonenumbers; a code phonenumbers knows must never be refused that way.
    examples = _example_numbers()
    assert len(examples) > 200
    for e164 in examples:
        for written in (e164, "00" + e164[1:]):
            verdict = validate_phone(written)
            assert verdict is not None, written
            assert verdict.normalized == e164


@pytest.mark.parametrize(
    "candidate", ["+0 123 456 789", "000 123 456 789", "+28 123 4567", "0028 123 4567"]
)
def test_numbers_no_calling_code_begins_are_refused(candidate: str) -> None:
    # No calling code begins with 0 or is 28x: phonenumbers refuses them, and so does the core.
    assert _reference_verdict(candidate) is None
    assert validate_phone(candidate) is None
