"""NameScan reads only part of a long text; the rules must come out as if it read it all."""

from __future__ import annotations

import json
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from piiscan.names import Evidence, bundled_gazetteer, find_candidates, model_windows, rules
from piiscan.names.combine import _may_trigger
from piiscan.names.rules import CoreScan, NameScan, runs, token_runs, tokens

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
    # capitals the scan may leave out: a common word after a sentence end, a place after "i"
    "Det regnade. Det blåste i Umeå och i norra Sverige. Efter det kom Anna.",
    "Hon ringde Dr. Det och mrs. Efter och DR. Den och biträdande bitr. Det.",  # not after titles
    "Hej! Det är Anna. Vi ses i Umeå-Karin och i Umeås hamn. Nu Zorbo.",  # names, genitives
    "Umeå. Det i Umeå",  # within the first characters of the text
]


def _same_as_all_tokens(text: str) -> None:
    gaz = bundled_gazetteer()
    toks = tokens(text)
    want = find_candidates(text, gaz, toks)
    got = find_candidates(text, gaz, scan=NameScan(text))
    assert got == want
    assert model_windows(text, got, gaz) == model_windows(text, want, gaz, toks)
    assert token_runs(text) == runs(text, toks)
    _core_same_as_all_tokens(text)


def _core_same_as_all_tokens(text: str) -> None:
    """The compiled core's scan gives what the rules read off every token."""
    gaz = bundled_gazetteer()
    toks = tokens(text)
    core = CoreScan(text, gaz)
    want = find_candidates(text, gaz, toks)
    assert find_candidates(text, gaz, scan=core) == want
    assert model_windows(text, want, gaz, scan=core) == model_windows(text, want, gaz, toks)
    all_runs = token_runs(text)
    assert all(run in all_runs for run in core.groups)


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
    "i", "𝐀nna", "Efter", "Detta", "Vi", "Nu", "Umeå", "Sverige", "norra", "på", "från", "mſ",
]  # fmt: skip
GAPS = [
    " ", "  ", "    ", "\t", "\u00a0", "\n", "\n\n", ". ", "! ", "? ", ", ", ": ", "=", " / ", "-",
]  # fmt: skip


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


@settings(max_examples=500, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [*"AaBbÅåÖöZzKkµ.-‐ \t\u00a0\n:,!?/=(1'", "af ", "von ", "del ", "Hej ", "Mvh\n"]
        ),
        max_size=60,
    )
)
def test_core_scan_gives_what_all_tokens_give_on_any_text(pieces: list[str]) -> None:
    _core_same_as_all_tokens("".join(pieces))


@pytest.mark.parametrize(
    "text", ["Hej Anna Andersson \ud800 och Zorbo Quapp.", "\udc80Mvh\nZorbo", PROSE + "Per \ud800"]
)
def test_core_scan_reads_a_lone_surrogate_as_a_replacement_character(text: str) -> None:
    _core_same_as_all_tokens(text)
    gaz = bundled_gazetteer()
    replaced = "".join("\ufffd" if "\ud800" <= c <= "\udfff" else c for c in text)
    assert CoreScan(text, gaz).candidates == CoreScan(replaced, gaz).candidates


def test_for_core_replaces_lone_surrogates_each_time() -> None:
    clean, dirty = "Anna Andersson", "Anna \ud800 Andersson"
    calls = [  # in this order: what is remembered as clean must not leak to the next text
        (clean, clean),
        (dirty, "Anna \ufffd Andersson"),
        (clean, clean),
        ("\udc80Mvh", "\ufffdMvh"),
        ("\udc80Mvh", "\ufffdMvh"),
        (dirty, "Anna \ufffd Andersson"),
    ]
    for text, expected in calls:
        assert rules._for_core(text) == expected


def test_quiet_words_are_never_names_nor_triggers() -> None:
    gaz = bundled_gazetteer()
    quiet = rules.quiet_words(gaz)
    assert {"Det", "Efter", "Enligt"} <= quiet.starters
    assert {"Umeå", "Stockholm"} <= quiet.places
    assert not quiet.starters & {"Vi", "Hon", "Nu", "Anna"}  # first names in the gazetteer
    for word in quiet.starters | quiet.places:
        assert not rules._may_name(word, gaz), word
    for word in quiet.places:
        assert not _may_trigger(word, gaz), word


@pytest.mark.parametrize("lead", rules.PLACE_LEADS)
def test_a_place_lead_is_no_strong_position(lead: str) -> None:
    # What the scan sees before the capital: the lead and a space, within KEY_WIDTH.
    seen = (" " + lead + " ")[-rules.KEY_WIDTH :]
    for before in ("", "Hej ", "Mvh\n", "Namn: ", "dr. ", "x", "/"):
        text = "text " + before + seen + "Umeå"
        assert rules._context_strength(text, len(text) - 4) is None
    key = ("xxxxxx" + seen)[-rules.KEY_WIDTH :]
    assert not rules._key_flags(key) & (rules._STRONG | rules._HYPHEN)


# text, the capital looked at, whether the scan lists it
LEFT_OUT = [
    ("Mötet slutade. Det regnade.", "Det", False),  # a common word after a sentence end
    ("Mötet slutade! Efter det gick vi.", "Efter", False),
    ("Mötet slutade. Anna kom.", "Anna", True),  # a name
    ("Mötet slutade. Kommunen svarade.", "Kommunen", True),  # not a listed common word
    ("Vi ringde Dr. Det var sent.", "Det", True),  # after a title
    ("Vi ringde mrs. Det var sent.", "Det", True),
    ("Mötet slutade.  Det regnade.", "Det", True),  # two spaces: not looked at
    ("Mötet slutade. Detta regnade.", "Detta", False),
    ("Mötet slutade. Dettas regnade.", "Dettas", True),  # a longer word
    ("Hon bor i Umeå nu.", "Umeå", False),  # a place after a lead
    ("Hon bor i norra Sverige.", "Sverige", False),
    ("Hon bor i Umeås hamn.", "Umeås", True),
    ("Hon bor hos Umeå nu.", "Umeå", True),  # no lead
    ("Hon bor i Lund nu.", "Lund", False),  # a surname too, but also a word: no name alone
    ("Hon bor i Mora nu.", "Mora", True),  # a first name too
    ("Ab. Det", "Det", True),  # within KEY_WIDTH of the start
]


@pytest.mark.parametrize(("text", "word", "listed"), LEFT_OUT, ids=[t for t, _, _ in LEFT_OUT])
def test_quiet_capitals_are_left_out_only_where_quiet(text: str, word: str, listed: bool) -> None:
    quiet = rules.quiet_words(bundled_gazetteer())
    assert (word in [piece for piece, _ in rules._pieces(text, quiet)]) is listed
    assert word in [piece for piece, _ in rules._pieces(text)]


def test_a_question_with_other_quiet_words_has_every_capital_listed() -> None:
    gaz = bundled_gazetteer()
    text = PROSE + "Det regnade i Umeå. Efter det kom Zorbo Quapp till Umeå."
    scan = NameScan(text)
    scan.groups(lambda piece: rules._may_name(piece, gaz), rules.quiet_words(gaz))

    def every_word(word: str) -> bool:  # takes places too: promises nothing
        return True

    assert scan.tokens(every_word) == NameScan(text).tokens(every_word)
    assert "Umeå" in [t.text for t in scan.tokens(every_word)]


def _business_texts() -> list[str]:
    path = Path(__file__).resolve().parents[2] / "fixtures" / "names" / "business.jsonl"
    return [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines()]


def test_core_scan_gives_what_all_tokens_give_on_the_business_documents() -> None:
    texts = _business_texts()
    assert len(texts) > 200
    for text in texts:
        _core_same_as_all_tokens(text)
