"""The pure name rules: candidates and their strength, name columns, model windows."""

from __future__ import annotations

import pytest

from piiscan.names import (
    Evidence,
    ModelSpan,
    bundled_gazetteer,
    combine,
    find_candidates,
    is_name_column,
    model_windows,
)
from piiscan.validators.base import Strength

# text, expected (span text, minimum strength) of candidates at MEDIUM or above
CANDIDATES = [
    ("Kontakta Anna Andersson i morgon.", [("Anna Andersson", Strength.HIGH)]),
    ("Namn: Sofie Borg\nPers.nr: 19121212-1212", [("Sofie Borg", Strength.HIGH)]),
    ("Pers.nr och Org.nr anges.", []),
    ("Per Andersson kommer.", [("Per Andersson", Strength.HIGH)]),
    ("Mötet leds av Anna-Karin af Klint.", [("Anna-Karin af Klint", Strength.HIGH)]),
    ("Mötet leds av Per Olof Hansson.", [("Per Olof Hansson", Strength.HIGH)]),
    ("Rapporten skrevs av A. Andersson.", [("A. Andersson", Strength.MEDIUM)]),
    ("Hej Per,\ntack för senast.", [("Per", Strength.HIGH)]),
    ("Hejsan Bo!", [("Bo", Strength.HIGH)]),
    ("Mvh\nSiv Lund", [("Siv Lund", Strength.HIGH)]),
    ("Med vänlig hälsning\n\nHans Berg\nEkonomi", [("Hans Berg", Strength.HIGH)]),
    ("Namn: Ulf Holm", [("Ulf Holm", Strength.HIGH)]),
    ("Kontaktperson: Xavier Quennell", [("Xavier Quennell", Strength.HIGH)]),
    ("Namn: Andersson, Anna", [("Andersson, Anna", Strength.HIGH)]),
    ("Vi ringde Mikael i går.", [("Mikael", Strength.MEDIUM)]),
    ("Eva Lindqvist-Berg har ordet.", [("Eva Lindqvist-Berg", Strength.HIGH)]),
    ("Hon heter Anna Nguyen.", [("Anna Nguyen", Strength.MEDIUM)]),
    # homographs and traps: nothing at MEDIUM or above
    ("Kostnaden per capita ökade.", []),
    ("Per capita", []),
    ("Bo i Lund", []),
    ("Vi bo i Lund sedan 2010.", []),
    ("Hans bil stod utanför.", []),
    ("Glad midsommar!", []),
    ("Stark tillväxt i Lund och Falun.", []),
    ("Björk och ek planteras.", []),
    ("Sten och grus levereras.", []),
    ("Vi ses på Olof Palmes gata 3.", []),
    ("Siv Lund", []),  # both are words: needs context
]


def strong(text: str) -> list[tuple[str, Strength]]:
    gaz = bundled_gazetteer()
    return [
        (text[c.start : c.end], c.strength)
        for c in find_candidates(text, gaz)
        if c.strength >= Strength.MEDIUM
    ]


@pytest.mark.parametrize(("text", "expected"), CANDIDATES, ids=[c[0] for c in CANDIDATES])
def test_candidates(text: str, expected: list[tuple[str, Strength]]) -> None:
    found = strong(text)
    assert [s for s, _ in found] == [s for s, _ in expected]
    for (_, got), (_, want) in zip(found, expected, strict=True):
        assert got >= want


# A title cue before a full stop: only an abbreviated title ("Dr.", "tf.") reaches past it;
# after any other the full stop ends a sentence. text, expected (span, evidence) at MEDIUM+
TITLE_CUES = [
    ("Vi ringde kunden. Bolaget svarade.", []),
    ("Hon ringde läkaren. Sedan kom ingen.", []),
    ("Vi träffade eleven. Skolan stängde tidigt.", []),
    ("Kontakta handläggaren. Ärendet är klart.", []),
    ("Det sa chefen. Projektet går vidare.", []),
    ("Vi skrev till advokaten. Domstolen beslutade i går.", []),
    ("Frågan gick till rektor. Svaret dröjde.", []),
    ("Vi pratade med kollegan.  Utredningen fortsätter.", []),
    ("Ring kunden! Bolaget väntar.", []),
    ("Har du mejlat patienten? Provsvaret kom i dag.", []),
    ("Kontakta handläggaren Anna Berg.", [("Anna Berg", Evidence.TITLE)]),
    ("Vi ringde kunden Zorbo Quapp i går.", [("Zorbo Quapp", Evidence.TITLE)]),
    ("Hon heter Zorbo.", [("Zorbo", Evidence.TITLE)]),
    ("Dr. Zorbo opererade i går.", [("Zorbo", Evidence.TITLE)]),
    ("Enligt tf. Zorbo Quapp är beslutet klart.", [("Zorbo Quapp", Evidence.TITLE)]),
    ("Mr. Zorbo kom sent.", [("Zorbo", Evidence.TITLE)]),
    # a name after the sentence end still stands on its own evidence
    ("Vi ringde kunden. Anna Berg svarade.", [("Anna Berg", Evidence.PAIR)]),
    ("Det sa chefen. Mikael höll med.", [("Mikael", Evidence.SINGLE)]),
]


@pytest.mark.parametrize(("text", "expected"), TITLE_CUES, ids=[c[0] for c in TITLE_CUES])
def test_title_cue_stops_at_a_sentence_end(text: str, expected: list[tuple[str, Evidence]]) -> None:
    found = [
        (text[c.start : c.end], c.evidence)
        for c in find_candidates(text, bundled_gazetteer())
        if c.strength >= Strength.MEDIUM
    ]
    assert found == expected


# A word that begins a company name (more words, then a legal form, on one line) is the
# company's; a full name stands, and so does a word the legal form does not follow closely.
# text, expected candidates (span) at any strength
COMPANY_NAMES = [
    ("Testfirman i Norr AB", []),
    ("Andersson Bygg AB", []),
    ("Lindqvist & Söner HB", []),
    ("Faktura från Lindqvist Bygg Aktiebolag", []),
    ("Mvh\nLindqvist Bygg AB", []),
    ("Namn: Zorbo Konsult KB", []),
    ("Berg och Lund Kommanditbolag", []),
    ("Lindqvist Fastigheter Handelsbolag", []),
    ("Nordljus ekonomisk förening", []),
    ("Lindqvist Bygg 2000 AB", []),
    ("Anna Berg Konsult AB", ["Anna Berg Konsult"]),  # a full name
    ("Ärendet gick till Mikael på Bygg AB.", ["Mikael"]),  # "på": a person at a company
    ("Lindqvist, Bygg AB", ["Lindqvist"]),
    ("Namn: Lindqvist\nBygg AB", ["Lindqvist"]),  # another line
    ("Lindqvist ABC", ["Lindqvist"]),  # no legal form
]


@pytest.mark.parametrize(("text", "expected"), COMPANY_NAMES, ids=[c[0] for c in COMPANY_NAMES])
def test_a_word_that_begins_a_company_name_is_no_candidate(text: str, expected: list[str]) -> None:
    found = [text[c.start : c.end] for c in find_candidates(text, bundled_gazetteer())]
    assert found == expected


def test_weak_homograph_pair_is_a_low_candidate() -> None:
    gaz = bundled_gazetteer()
    (cand,) = find_candidates("Siv Lund", gaz)
    assert cand.strength is Strength.LOW
    assert cand.evidence is Evidence.PAIR


COLUMNS = [
    ("Namn", True),
    ("namn", True),
    ("Förnamn", True),
    ("EFTERNAMN", True),
    ("Kontaktperson", True),
    ("first_name", True),
    ("Full name", True),
    ("Från", True),
    ("Företagsnamn", False),
    ("Filnamn", False),
    ("user_name", False),
    ("Produktnamn", False),
    ("Personnummer", False),
    ("Belopp", False),
    ("", False),
]


@pytest.mark.parametrize(("label", "expected"), COLUMNS, ids=[c[0] or "empty" for c in COLUMNS])
def test_is_name_column(label: str, expected: bool) -> None:
    assert is_name_column(label) is expected


WINDOWS = [
    ("1234 5678 90 12 34", 0),  # digits only
    ("det här är en mening utan namn.", 0),
    ("Kontakta Anna Andersson.", 0),  # the rules settled it
    ("Mötet hölls med Zorbo Quapp.", 1),
    ("första raden.\nandra raden med Quapp.\ntredje.", 1),
    # Capitalised words that label a value, sit in a delimited line, open a line after a
    # timestamp, begin a street or stand in a technical line send nothing to the model.
    ("Vi har Fakturadatum: 17/10 2023 och Konsulttimmar   42 292 kr", 0),
    ("Namn,Födelsedatum,Telefon,Regnr", 0),
    ("2024-05-17T08:08:00.518Z Samtal med kunden", 0),
    ("Brevet gick till Södra Långgatan i går.", 0),
    ('"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)"', 0),
    ("Vi ringde Quapp, sedan Samtal med Xyla.", 1),
]


@pytest.mark.parametrize(("text", "count"), WINDOWS, ids=[w[0][:30] for w in WINDOWS])
def test_model_windows(text: str, count: int) -> None:
    gaz = bundled_gazetteer()
    windows = model_windows(text, find_candidates(text, gaz), gaz)
    assert len(windows) == count
    for start, end in windows:
        assert 0 <= start < end <= len(text)


def test_combine_extends_model_span_and_drops_companies() -> None:
    gaz = bundled_gazetteer()
    text = "Styrelsen: Anna Xyzinski och Nordisk Bygg AB."
    cands = find_candidates(text, gaz)
    model = [
        ModelSpan(start=text.index("Xyzinski"), end=text.index("Xyzinski") + 8, label="PER"),
        ModelSpan(start=text.index("Bygg"), end=text.index("AB") + 2, label="PER"),
    ]
    spans = [(text[s.start : s.end], s.strength) for s in combine(text, cands, model, gaz)]
    assert ("Anna Xyzinski", Strength.HIGH) in spans
    assert all("Bygg" not in s for s, _ in spans)


def test_gazetteer_repr_holds_no_names() -> None:
    text = repr(bundled_gazetteer())
    assert "anna" not in text.casefold()
    assert len(text) < 200
