"""normalize_name and name_value_form: one table."""

from __future__ import annotations

import pytest

from piiscan.names import name_value_form, normalize_name

CASES = [
    # text, normalised, folded
    ("Anna Andersson", "anna andersson", "anna andersson"),
    ("  ANNA   ANDERSSON ", "anna andersson", "anna andersson"),
    ("Anna\nAndersson", "anna andersson", "anna andersson"),
    ("Åsa Öberg", "åsa öberg", "asa oberg"),
    ("ÅSA ÖBERG", "åsa öberg", "asa oberg"),
    ("Anna-Karin Lindström", "anna-karin lindström", "anna-karin lindstrom"),
    ("Anna – Karin", "anna-karin", "anna-karin"),
    ("Anna ‐ Karin", "anna-karin", "anna-karin"),
    ("Ebba von Platen", "ebba von platen", "ebba von platen"),
    ("A. Andersson", "a. andersson", "a. andersson"),
    ("Per,", "per", "per"),
    ('"Siv Lund"', "siv lund", "siv lund"),
    ("Élise Müller", "élise müller", "elise muller"),
    ("Søren Ærø", "søren ærø", "soren aero"),
    ("A\u030asa", "åsa", "asa"),  # decomposed å
    ("Strauß", "strauss", "strauss"),
    ("", "", ""),
    ("123", "", ""),
]


@pytest.mark.parametrize(
    ("text", "normalised", "folded"), CASES, ids=[c[1] or "empty" for c in CASES]
)
def test_normalize_name(text: str, normalised: str, folded: str) -> None:
    assert normalize_name(text) == normalised
    assert normalize_name(text, fold_diacritics=True) == folded
    assert name_value_form(text) == folded


def test_value_form_is_idempotent() -> None:
    for text, _, folded in CASES:
        assert name_value_form(folded) == folded, text
