"""Engine behaviour: context tiers, overlaps across entity types, chunking, privacy."""

from __future__ import annotations

import logging

import pytest

from piiscan.engine.chunking import chunks


def types(findings) -> list[str]:  # type: ignore[no-untyped-def]
    return [f.entity_type for f in findings]


@pytest.mark.parametrize(
    ("text", "context", "expected"),
    [
        ("8506012387", (), []),  # bare 10 digits: weak evidence, not reported
        ("pnr 8506012387", (), ["SE_PERSONNUMMER"]),
        ("8506012387", ("Personnummer",), ["SE_PERSONNUMMER"]),  # a column name as context
        ("0406280404", (), []),  # phone or personnummer? neither without context
        ("Tel 0406280404", (), ["PHONE_NUMBER"]),
        ("Personnummer 0406280404", (), ["SE_PERSONNUMMER"]),
        ("040628-0404", (), ["SE_PERSONNUMMER"]),  # a validated personnummer beats a phone
        ("Mobil: 070-174 06 07", (), ["PHONE_NUMBER"]),
        ("OCR 4242 4242 4242 4242", (), []),  # an OCR reference is not a card number
        ("Kort 4242 4242 4242 4242", (), ["CREDIT_CARD"]),
        ("Org.nr 556016-0680", (), ["SE_ORGANISATIONSNUMMER"]),
        ("5402-9681", (), []),  # Luhn-valid but no bankgiro word
        ("Bankgiro 5402-9681", (), ["SE_BANKGIRO"]),
        # A negative label belongs to the number right after it, not to the next one.
        ("Bankkonto 1234-5, tel 070-174 06 05", (), ["PHONE_NUMBER"]),
        ("Order 12345. Kort 4242 4242 4242 4242", (), ["CREDIT_CARD"]),
        ("Konto 070-174 06 05", (), []),
        # "kontor" is no "konto": only the compound head counts ("bankkonto").
        ("kontor.exempel.se eller 070-174 06 05", (), ["PHONE_NUMBER"]),
        ("Betalat med företagskort 4242424242424242", (), ["CREDIT_CARD"]),
        # A value joined by a space to the next number is cut back until it validates.
        ("telefon=070-174 06 05 200 61ms", (), ["PHONE_NUMBER"]),
        ("2024-03-15 8112189876 pnr", (), ["SE_PERSONNUMMER"]),
        # snake_case column names read as words.
        ("5599001236", ("org_nr",), ["SE_ORGANISATIONSNUMMER"]),
        ("5599001236", (), []),
        # A bare personnummer written right beside a name is that person's number.
        ("Anna Andersson, 8112189876, Storgatan 1", (), ["PERSON", "SE_PERSONNUMMER"]),
        ("('Anna Andersson', '8112189876')", (), ["PERSON", "SE_PERSONNUMMER"]),
        ("Anna Andersson har nummer 8112189876", (), ["PERSON"]),
        ("Kunden 8112189876 ringde", (), ["SE_PERSONNUMMER"]),
    ],
    ids=lambda v: repr(v),
)
def test_context_and_overlaps(
    engine, text: str, context: tuple[str, ...], expected: list[str]
) -> None:  # type: ignore[no-untyped-def]
    assert types(engine.analyze(text, context)) == expected


def test_skatteverket_test_numbers_are_reported_and_flagged(engine) -> None:  # type: ignore[no-untyped-def]
    (finding,) = engine.analyze("Personnummer: 19850601-2387")
    assert finding.is_test_identity
    assert finding.masked == "19850601-****"
    assert finding.recognizer == "se.personnummer@1"


def test_finding_repr_and_equality_hide_the_value(engine) -> None:  # type: ignore[no-untyped-def]
    (finding,) = engine.analyze("Personnummer: 850601-2387")
    assert "2387" not in repr(finding)
    assert finding.normalized == "198506012387"


def test_long_text_is_chunked_without_losing_or_doubling(engine) -> None:  # type: ignore[no-untyped-def]
    line = "Kund med personnummer 850601-2387 ringde. " + "bla " * 40 + "\n"
    text = line * 5000  # about 1 MB, many chunk borders
    found = engine.analyze(text)
    assert len(found) == 5000
    assert all(text[f.start : f.end] == "850601-2387" for f in found)


@pytest.mark.parametrize("size", [10, 64, 1000])
def test_chunks_cover_the_text(size: int) -> None:
    text = "ord " * 997
    pieces = list(chunks(text, size, 8))
    owned = "".join(text[o:u] for o, u, _ in pieces)
    assert owned == text
    assert all(chunk.startswith(text[o:u]) for o, u, chunk in pieces)


def test_nothing_is_logged_with_the_value(engine, caplog: pytest.LogCaptureFixture) -> None:  # type: ignore[no-untyped-def]
    with caplog.at_level(logging.DEBUG):
        engine.analyze("Personnummer: 850601-2387, tel 070-174 06 05")
    assert "850601" not in caplog.text
    assert "174 06" not in caplog.text


def test_recognizers_work_in_a_plain_presidio_analyzer(registry) -> None:  # type: ignore[no-untyped-def]
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import NoOpNlpEngine

    from piiscan.engine import build_recognizers

    nlp = NoOpNlpEngine(models=[{"lang_code": "sv", "model_name": "no_op"}])
    presidio_registry = RecognizerRegistry(
        recognizers=build_recognizers(registry), supported_languages=["sv"]
    )
    analyzer = AnalyzerEngine(
        registry=presidio_registry, nlp_engine=nlp, supported_languages=["sv"]
    )
    results = analyzer.analyze("Personnummer: 850601-2387", language="sv")
    assert [(r.entity_type, r.start, r.end) for r in results] == [("SE_PERSONNUMMER", 14, 25)]
    assert results[0].score == pytest.approx(0.95)


@pytest.mark.parametrize(
    ("text", "context", "recorded"),
    [
        ("5599001236", ("org_nr",), "org_nr"),  # the column name, not the stem it holds
        ("pnr 8112189876", (), "pnr"),
        ("Anna Andersson, 8112189876", (), "PERSON"),
    ],
)
def test_finding_records_what_raised_it(
    engine, text: str, context: tuple[str, ...], recorded: str
) -> None:  # type: ignore[no-untyped-def]
    numbers = [f for f in engine.analyze(text, context) if f.entity_type != "PERSON"]
    assert [f.context for f in numbers] == [recorded]
