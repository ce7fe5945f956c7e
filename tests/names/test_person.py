"""The PERSON recognizer inside the engine: homographs, catalogue examples, model, config."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from piiscan.catalogue import RecognizerSpec, load_spec
from piiscan.config import EngineConfig
from piiscan.engine import Engine
from piiscan.engine.person import (
    PersonRecognizer,
    SpacyModel,
    build_person_recognizer,
    bundled_model_path,
    resolve_model,
)
from piiscan.engine.recognizers import META_NORMALIZED
from piiscan.errors import ConfigError
from piiscan.model import Finding, Segment
from piiscan.names.combine import combine
from piiscan.plugins import Registry, load_registry

YAML = Path(__file__).resolve().parents[2] / "recognizers" / "person.yaml"


@pytest.fixture(scope="module")
def registry() -> Registry:
    return load_registry()


@pytest.fixture(scope="module")
def spec() -> RecognizerSpec:
    return load_spec(YAML)


@pytest.fixture(scope="module")
def engine(registry: Registry) -> Engine:
    return Engine(registry)


def people(engine: Engine, text: str, context: tuple[str, ...] = ()) -> list[str]:
    found: list[Finding] = engine.analyze(text, context)
    return [text[f.start : f.end] for f in found if f.entity_type == "PERSON"]


HOMOGRAPHS = [
    ("Per capita", []),
    ("Kostnaden per capita ökade.", []),
    ("Bo i Lund", []),
    ("Hans bil", []),
    ("Hans bil stod parkerad utanför.", []),
    ("Glad midsommar!", []),
    ("Stark tillväxt i Lund.", []),
    ("Hej Per,", ["Per"]),
    ("Hej Per,\nkan du ringa mig?", ["Per"]),
    ("Per Andersson", ["Per Andersson"]),
    ("Mvh\nSiv Lund", ["Siv Lund"]),
    ("Med vänlig hälsning\nBo Ek", ["Bo Ek"]),
    ("Namn: Ulf Holm", ["Ulf Holm"]),
]


@pytest.mark.parametrize(("text", "expected"), HOMOGRAPHS, ids=[h[0] for h in HOMOGRAPHS])
def test_homographs(engine: Engine, text: str, expected: list[str]) -> None:
    assert people(engine, text) == expected


# The model's span once ran on into the address after a name; the name stops before it.
NAME_THEN_ADDRESS = [
    ("Hej,\nVidarebefordrar från Magnus Quapp <mq@exempel.se> nedan.", ["Magnus Quapp"]),
    ("Skrivet av Maja Al-Hassan <maja@exempel.se>", ["Maja Al-Hassan"]),
    ("Mvh\nTolvan Tolvansson <tolvan@exempel.se>", ["Tolvan Tolvansson"]),
    ("Till: Xu Li <xu.li@exempel.se>, Anna Berg <anna.berg@exempel.se>", ["Xu Li", "Anna Berg"]),
]


@pytest.mark.parametrize(
    ("text", "expected"), NAME_THEN_ADDRESS, ids=[t[0][:30] for t in NAME_THEN_ADDRESS]
)
def test_a_name_before_an_address_stops_before_it(
    engine: Engine, text: str, expected: list[str]
) -> None:
    assert people(engine, text) == expected
    emails = [f for f in engine.analyze(text) if f.entity_type == "EMAIL_ADDRESS"]
    assert len(emails) == len(expected)


@pytest.mark.parametrize(
    "text", ["Kund: Tolvan Tolvansson", "Kund:\tTolvan Tolvansson", "Kund: Tolvan Tolvansson\n"]
)
def test_kund_is_a_field_label(engine: Engine, text: str) -> None:
    assert people(engine, text) == ["Tolvan Tolvansson"]


# A word a slash follows is part of a path, a log date or a user agent; a slash before a
# name is how a Swedish mail is signed.
SLASHES = [
    ('81.2.69.160 - - [20/Jun/2026:10:11:06 +0200] "GET /kund HTTP/1.1" 200 512', []),
    ("(KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36", []),
    ("Hör av dig om något är oklart.\n\n/Elsa Paulsson\nMyrstack AB", ["Elsa Paulsson"]),
    ("Till: Pia Söderlund\nc/o Annette Nord\nParkvägen 21", ["Pia Söderlund", "Annette Nord"]),
]


@pytest.mark.parametrize(("text", "expected"), SLASHES, ids=[t[0][:30] for t in SLASHES])
def test_a_word_a_slash_follows_is_no_name(engine: Engine, text: str, expected: list[str]) -> None:
    assert people(engine, text) == expected


@pytest.mark.parametrize("text", load_spec(YAML).examples_valid)
def test_yaml_valid_examples(engine: Engine, text: str) -> None:
    assert people(engine, text)


@pytest.mark.parametrize("text", load_spec(YAML).examples_invalid)
def test_yaml_invalid_examples(engine: Engine, text: str) -> None:
    assert people(engine, text) == []


CELLS = [
    # cell text, column, expected
    ("Siv Lund", "Namn", ["Siv Lund"]),
    ("Siv Lund", "Förnamn och efternamn", ["Siv Lund"]),
    ("Zorbo Quapp", "", []),
    ("Zorbo Quapp", "Kontaktperson", ["Zorbo Quapp"]),
    ("Zorbo Quapp", "Produktnamn", []),
    ("Per", "Förnamn", ["Per"]),
    ("Testfirman i Norr AB", "Kund", []),  # a company, even in a column that may name people
    ("Lindqvist Bygg AB", "Kund", []),
    ("Lindqvist", "Kund", ["Lindqvist"]),
]


@pytest.mark.parametrize(
    ("cell", "column", "expected"), CELLS, ids=[f"{c[0]}|{c[1]}" for c in CELLS]
)
def test_name_column_is_strong_context(
    engine: Engine, cell: str, column: str, expected: list[str]
) -> None:
    assert people(engine, cell, (column,) if column else ()) == expected


def test_homograph_pair_needs_more_than_the_gazetteer(
    spec: RecognizerSpec, registry: Registry
) -> None:
    rec = build_person_recognizer(spec, registry, EngineConfig(person_model="none"))
    assert all(r.score < 0.5 for r in rec.analyze("Siv Lund"))
    assert [r.score >= 0.5 for r in rec.analyze("Mvh\nSiv Lund")] == [True]


def test_value_key_is_folded(engine: Engine) -> None:
    (finding,) = [
        f for f in engine.analyze("Mötet leds av Åsa Öberg.") if f.entity_type == "PERSON"
    ]
    other = engine.analyze("Mötet leds av Asa Oberg.")
    assert finding.normalized == "asa oberg"
    assert [f.normalized for f in other if f.entity_type == "PERSON"] == ["asa oberg"]


def test_findings_carry_evidence_flags_not_names(engine: Engine) -> None:
    (finding,) = [f for f in engine.analyze("Hej Per,") if f.entity_type == "PERSON"]
    assert finding.flags == ("greeting",)
    assert finding.masked == "P**"


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("network access")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)


@pytest.mark.usefixtures("no_network")
def test_bundled_model_loads_offline_from_the_package() -> None:
    path = bundled_model_path()
    assert (path / "config.cfg").is_file()
    assert path.parent.parent.name == "data"
    model = resolve_model("bundled")
    assert isinstance(model, SpacyModel)
    text = "I går träffade statsministern Gunhild Westman i Uppsala."
    spans = model.entities(text, [(0, len(text))])
    assert any(text[s.start : s.end] == "Gunhild Westman" and s.label == "PER" for s in spans)


def test_bundled_model_licence_is_shipped() -> None:
    base = bundled_model_path().parent
    assert "Attribution 4.0" in (base / "LICENSE-corpus").read_text(encoding="utf-8")
    assert (base / "training.cfg").is_file()


@pytest.mark.parametrize("name", ["sv_core_news_md", "no_such_pipeline_xyz"])
def test_missing_pipeline_is_a_config_error(
    spec: RecognizerSpec, registry: Registry, name: str
) -> None:
    with pytest.raises(ConfigError, match=f"--person-model {name}: no installed spaCy pipeline"):
        build_person_recognizer(spec, registry, EngineConfig(person_model=name))
    assert ConfigError.exit_code == 2


def test_person_model_none_is_gazetteer_only(spec: RecognizerSpec, registry: Registry) -> None:
    rec = build_person_recognizer(spec, registry, EngineConfig(person_model="none"))
    assert isinstance(rec, PersonRecognizer)
    assert rec.model is None
    results = rec.analyze("Kontakta Anna Andersson.")
    assert [r.recognition_metadata[META_NORMALIZED] for r in results] == ["anna andersson"]


def test_recognizer_repr_holds_no_names(spec: RecognizerSpec, registry: Registry) -> None:
    rec = build_person_recognizer(spec, registry)
    assert repr(rec) == "PersonRecognizer(id='se.person', model=True)"


BATCH = [
    "Vi träffade Zorbo Quapp och Anna Andersson i går.",
    "Hej Per,\nkan du ringa Xyla Brant?",
    "Kostnaden per capita ökade.",
    "",
    "Mötet leds av Anna-Karin af Klint. Projektet Norrsken startar.",
    "Vi träffade Zorbo Quapp och Anna Andersson i går.",  # the same text twice
    "faktura 2024-001 utan namn",
    "Faktura 2024-001",  # a capital, no candidate: decided in the batch, not read again
]


def test_a_batch_decides_as_each_segment_alone(
    registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    alone = Engine(registry)
    batched = Engine(registry)
    segments = [Segment(text=text, locator=f"row={n}") for n, text in enumerate(BATCH)]
    want = [alone.analyze(s.text, locator=s.locator) for s in segments]
    assert batched.analyze_batch(segments) == want
    # A text longer than the engine's window: its chunks' windows in one model call.
    long = "\n".join(BATCH * 2000)
    prepared = Engine(registry).analyze(long)
    monkeypatch.setattr(PersonRecognizer, "prepare", lambda self, texts: None)
    assert prepared == Engine(registry).analyze(long)


HITS = [
    "Vi träffade Zorbo Quapp och Anna Andersson i går.",
    "Andersson, Anna skrev till Xyla Brant och Per-Olof Lindqvist-Berg.",
    "Hej Per,\nkan du ringa Åsa Öberg eller ÅSA ÖBERG?",
    "Mvh\nSiv Lund",
    "Dr. Nguyen och tf. Xu träffade Karl-Erik Quapp.",
]


@pytest.mark.parametrize("text", HITS)
def test_the_core_finds_gazetteer_words_as_python_does(
    spec: RecognizerSpec, registry: Registry, text: str
) -> None:
    rec = build_person_recognizer(spec, registry)
    assert isinstance(rec, PersonRecognizer)
    candidates, windows = rec._rules(text)
    assert rec.model is not None
    spans = combine(text, candidates, rec.model.entities(text, windows), rec.gazetteer)
    assert spans
    for span in spans:
        raw = text[span.start : span.end]
        assert span.gazetteer_hit == rec._has_gazetteer_word(raw), raw


# (text, outside words): spans raised by a context word, by a name column, and neither.
PRESIDIO_PATH = [
    ("Kontaktperson Anna Andersson ringde; Zorbo Quapp svarade.", ()),
    ("Vi träffade Zorbo Quapp och Anna Andersson i går.", ()),
    ("Hej Per,\nkan du ringa Åsa Öberg eller ÅSA ÖBERG?", ()),
    ("Siv Lund", ("Förnamn",)),
    ("Zorbo Quapp", ("kontaktperson_namn",)),
    ("Anna", ("kommentar",)),
    ("Mvh\nSiv Lund\nDr. Nguyen och tf. Xu träffade Karl-Erik Quapp.", ("Namn",)),
]


@pytest.mark.parametrize("model", ["bundled", "none"])
@pytest.mark.parametrize(("text", "context"), PRESIDIO_PATH)
def test_the_engine_makes_what_the_presidio_hooks_give(
    registry: Registry, model: str, text: str, context: tuple[str, ...]
) -> None:
    """The engine's own path for names (:meth:`PersonRecognizer.hits`) gives the findings
    that ``analyze``, ``enhance_using_context`` and the engine's presidio conversion give."""
    engine = Engine(registry, EngineConfig(person_model=model))
    rec = next(r for _, r in engine._plan if isinstance(r, PersonRecognizer))
    results = rec.analyze(text)
    results = rec.enhance_using_context(text, results, [], None, list(context) or None)
    via_presidio: list[Finding] = []
    engine._presidio_findings(results, text, 7, len(text), "loc", context, via_presidio)
    direct: list[Finding] = []
    engine._person_findings(rec, text, 7, len(text), context, "loc", direct)
    assert direct == via_presidio
    assert direct
