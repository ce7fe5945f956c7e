"""Masked previews: table cases, and every masker against a plain per-character reference."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from piiscan.masking import mask

CASES = [
    ("SE_PERSONNUMMER", "850601-2387", "850601-****"),
    ("SE_PERSONNUMMER", "19850601 2387", "19850601 ****"),
    ("SE_SAMORDNINGSNUMMER", "701063-2391", "701063-****"),
    ("SE_ORGANISATIONSNUMMER", "556016-0680", "556016-****"),
    ("SE_ORGANISATIONSNUMMER", "SE556016068001", "SE5560********"),
    ("PHONE_NUMBER", "070-174 06 05", "070-*** ** 05"),
    ("PHONE_NUMBER", "+46 70 174 06 05", "+46 ** *** ** 05"),
    ("CREDIT_CARD", "4111 1111 1111 1111", "**** **** **** 1111"),
    ("SE_BANKGIRO", "5402-9681", "****-**81"),
    ("SE_PLUSGIRO", "28 65 43-4", "** ** *3-4"),
    ("SE_BANK_ACCOUNT", "8327-9, 913 062 155-8", "8327-*, *** *** **5-8"),
    ("IBAN_CODE", "SE45 5000 0000 0583 9825 7466", "SE45 **** **** **** **** 7466"),
    ("EMAIL_ADDRESS", "anna.berg@example.se", "a***@example.se"),
    ("PERSON", "Anna Berg", "A*** B***"),
    # Fullwidth digits are digits too: none may show through.
    ("SE_PERSONNUMMER", "８５０６０１-２３８７", "８５０６０１-****"),
    ("PHONE_NUMBER", "０７０-１７４", "０７０-*７４"),
]


@pytest.mark.parametrize(("entity", "raw", "masked"), CASES, ids=[c[0] for c in CASES])
def test_mask(entity: str, raw: str, masked: str) -> None:
    assert mask(entity, raw) == masked


def _keep_last_digits_reference(text: str, count: int, keep_prefix_chars: int) -> str:
    total = sum(c.isdigit() for c in text)
    seen, out = 0, []
    for index, char in enumerate(text):
        if char.isdigit():
            seen += 1
            keep = index < keep_prefix_chars or seen > total - count
            out.append(char if keep else "*")
        else:
            out.append(char)
    return "".join(out)


# entity -> (digits kept at the end, characters kept at the start)
KEEP = {
    "SE_ORGANISATIONSNUMMER": (0, 6),
    "PHONE_NUMBER": (2, 4),
    "CREDIT_CARD": (4, 0),
    "SE_BANKGIRO": (2, 0),
    "SE_PLUSGIRO": (2, 0),
    "SE_BANK_ACCOUNT": (2, 4),
}
VALUES = st.text(alphabet=st.sampled_from("0123456789 -+()SE٣８²"), max_size=24)


@given(entity=st.sampled_from(sorted(KEEP)), text=VALUES)
def test_digit_maskers_match_the_reference(entity: str, text: str) -> None:
    count, prefix = KEEP[entity]
    assert mask(entity, text) == _keep_last_digits_reference(text, count, prefix)


@given(text=VALUES)
def test_identity_number_mask_hides_the_last_four_digits(text: str) -> None:
    total = sum(c.isdigit() for c in text)
    seen, expected = 0, []
    for char in text:
        if char.isdigit():
            expected.append(char if seen < total - 4 else "*")
            seen += 1
        else:
            expected.append(char)
    assert mask("SE_PERSONNUMMER", text) == "".join(expected)
