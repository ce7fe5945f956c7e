"""The core's copies of the masks against ``piiscan.masking``, the one definition: every
entity the core masks, on table values and on generated ones. A value the core leaves to
Python (``None``) is masked there."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from piiscan import _core
from piiscan.masking import mask

CORE_MASKED = [
    "SE_PERSONNUMMER",
    "SE_SAMORDNINGSNUMMER",
    "SE_ORGANISATIONSNUMMER",
    "PHONE_NUMBER",
    "EMAIL_ADDRESS",
    "IBAN_CODE",
    "CREDIT_CARD",
    "SE_BANKGIRO",
    "SE_PLUSGIRO",
    "SE_BANK_ACCOUNT",
    "SE_ADDRESS",
    "PERSON",
    "SE_VEHICLE_REGISTRATION",
    "SE_PASSPORT_NUMBER",
    "SE_ID_CARD_NUMBER",
    "IP_ADDRESS",
    "DATE_OF_BIRTH",
]

CASES = [
    ("IP_ADDRESS", "81.2.69.160", "81.*.**.***"),
    ("IP_ADDRESS", "2001:db8::ff00:42", "2001:***::****:**"),
    ("IP_ADDRESS", "::ffff:192.0.2.1", "::****:***.*.*.*"),
    ("IP_ADDRESS", "81", "81."),
    ("DATE_OF_BIRTH", "1985-06-01", "****-**-**"),
    ("DATE_OF_BIRTH", "1 juni 1985", "* j*** ****"),
    ("DATE_OF_BIRTH", "01.06.85", "**.**.**"),
    ("SE_VEHICLE_REGISTRATION", "ABC 12D", "A** 1**"),
    ("SE_PASSPORT_NUMBER", "AA1234567", "A********"),
    ("SE_ID_CARD_NUMBER", "12345678", "1*******"),
]


@pytest.mark.parametrize(("entity", "raw", "masked"), CASES, ids=[c[1] for c in CASES])
def test_core_masks_as_python(entity: str, raw: str, masked: str) -> None:
    assert mask(entity, raw) == masked
    assert _core.core_mask(entity, raw) == masked


def test_values_outside_ascii_are_left_to_python() -> None:
    for entity in ("IP_ADDRESS", "DATE_OF_BIRTH", "SE_VEHICLE_REGISTRATION"):
        assert _core.core_mask(entity, "1 maj 1985 ö") is None
    assert _core.core_mask("NOT_AN_ENTITY", "x") is None


VALUES = st.text(alphabet=st.sampled_from("0123456789abcfxABFX :.-/+_@åÖ"), max_size=24)


@given(entity=st.sampled_from(CORE_MASKED), text=VALUES)
def test_every_core_mask_matches_python(entity: str, text: str) -> None:
    masked = _core.core_mask(entity, text)
    if masked is not None:
        assert masked == mask(entity, text)
