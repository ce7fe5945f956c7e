"""NameScan reads only part of a long text; the rules must come out as if it read it all."""

from __future__ import annotations

from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from piiscan.names import Evidence, bundled_gazetteer, find_candidates, model_windows, rules
from piiscan.names.rules import NameScan, runs, token_runs, tokens

PROSE = "det här är en mening utan namn som bara fyller ut texten. " * 12

# Each tests one way a capital's position or run could be misjudged from a narrow view.
TEXTS = [
    "Anna Andersson kom.",  # a name at the very start: no key before it
    "Hej Zorbo,\nvi ses.",  # an unknown word after a greeting
    "HEJ Zorbo och hEj Quapp",  # greetings in odd case
    "Vi ringde kunden. Bolaget svarade.",  # a title before a full stop
    "Hon ringde mr. Quapp och xdr. Zorbo.",  # an abbreviated title, and one inside a word
    "Intyget skrevs av xhandläggare. Quapp läste.",  # the title is the end of a long word
    "Mvh\n\n\nZorbo Quapp",  # a closing two blank lines up
    "Med vänliga hälsningar,\n  Zorbo",  # a closing with a comma, the name indented
    "Handläggs av: Zorbo Quapp",  # a field label of two words
    "E-postadress: Zorbo",  # a colon after a word that is no label
    "Hon bor i Stockholm och jobbar i Göteborg.",  # places only
    "Mötet leds av Anna-Karin af Klint och Per-Olof von der Linden.",  # particles
    "Projektet Andersson startade.",  # an unknown word swallows a surname
    "Leverantör Testfirman i Norr AB och Lindqvist & Söner HB\tQuapp Bygg 2000 AB",  # companies
    "Rapporten skrevs av A.B. Berg och A.-C. Lind och C.Dahl.",  # initials
    "McDonald och O'Brien och Anna1 och Lill-Marie Quapp",  # no token inside a word
    "kontakta Nguyen, enligt Xu, sa Kowalski, ring Nowak",  # lower-case titles
    "dr. Nowak och tf. Xu och Dr. Nguyen",  # titles with a full stop
    "Ankomst 12/3 / Zorbo",  # a slash as closing word
    "𝐀nna Berg och 😀 Zorbo Quapp",  # letters and symbols beyond U+FFFF
    "  \n\n  Zorbo Quapp  ",  # the whole text one cell
    "Mötet hölls med Zorbo Quapp.\nandra raden med Quapp.",  # model triggers
]


def _same_as_all_tokens(text: str) -> None:
    gaz = bundled_gazetteer()
    toks = tokens(text)
    want = find_candidates(text, gaz, toks)
    got = find_candidates(text, gaz, scan=NameScan(text))
    assert got == want
    assert model_windows(text, got, gaz) == model_windows(text, want, gaz, toks)
    assert token_runs(text) == runs(text, toks)


@pytest.mark.parametrize("text", TEXTS, ids=range(len(TEXTS)))
@pytest.mark.parametrize("padding", ["", PROSE], ids=["alone", "after-prose"])
@pytest.mark.parametrize("small", [0, rules.SMALL_TEXT], ids=["scanned", "tokenized-whole"])
def test_scan_gives_what_all_tokens_give(text: str, padding: str, small: int) -> None:
    with mock.patch.object(rules, "SMALL_TEXT", small):  # 0: read even short texts by a scan
        _same_as_all_tokens(padding + text)
        _same_as_all_tokens(text + " " + padding)


def test_a_long_text_is_read_through_a_scan() -> None:
    text = PROSE * 3 + "Hon ska kontakta Nguyen i morgon."
    assert len(text) > rules.SMALL_TEXT
    found = {text[c.start : c.end]: c.evidence for c in find_candidates(text, bundled_gazetteer())}
    assert found["Nguyen"] is Evidence.TITLE


WORDS = [
    "Anna", "Per", "Bo", "Siv", "Lund", "Andersson", "Lindqvist", "Berg", "Stockholm", "Zorbo",
    "Nguyen", "Anna-Karin", "Lill-Marie", "Annas", "Anderssons", "Det", "Bolaget", "Kunden",
    "Utveckling", "A.", "A.B.", "B.-C.", "af", "von", "de", "hej", "HEJ", "Mvh", "mvh",
    "hälsningar", "enligt", "kunden", "dr", "tf", "Mrs", "sa", "namn", "Kontaktperson", "och",
    "i", "𝐀nna",
]  # fmt: skip
GAPS = [" ", "  ", "    ", "\t", "\u00a0", "\n", "\n\n", ". ", "! ", ", ", ": ", "=", " / ", "-"]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(WORDS), st.sampled_from(GAPS)), max_size=30),
    st.sampled_from([0, rules.SMALL_TEXT]),
)
def test_scan_gives_what_all_tokens_give_on_any_mix(
    parts: list[tuple[str, str]], small: int
) -> None:
    text = "".join(word + gap for word, gap in parts)
    with mock.patch.object(rules, "SMALL_TEXT", small):
        _same_as_all_tokens(text)
