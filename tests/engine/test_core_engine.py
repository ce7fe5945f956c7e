"""The engine's compiled hot path: which recognizers run in the core, the batch API, an
organisation's patterns (catastrophic ones included), plug-in validators, panics."""

from __future__ import annotations

import dataclasses
import json
import logging
from pathlib import Path

import pytest

from piiscan import _core
from piiscan.api import make_engine
from piiscan.config import EngineConfig
from piiscan.engine import Engine, build_engine
from piiscan.model import Segment
from piiscan.plugins import Registry, load_registry
from piiscan.validators.base import Verdict

CORPUS = Path(__file__).resolve().parents[2] / "fixtures" / "corpus" / "documents.jsonl"
NO_NAMES = EngineConfig(
    entities=tuple(
        e for e in build_engine(load_registry(use_entry_points=False)).entity_types if e != "PERSON"
    )
)


@pytest.fixture(scope="module")
def engine() -> Engine:
    return build_engine(load_registry(use_entry_points=False))


def _write(directory: Path, name: str, body: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{name}.yaml").write_text(body, encoding="utf-8")
    return directory


def test_every_builtin_pattern_recognizer_runs_in_the_core(engine) -> None:  # type: ignore[no-untyped-def]
    assert set(engine.core_path) == {
        "se.card", "se.email", "se.iban", "se.phone", "se.bank_account", "se.bankgiro",
        "se.organisationsnummer", "se.personnummer", "se.plusgiro", "se.samordningsnummer",
        "se.ip_address", "se.date_of_birth", "se.vehicle_registration", "se.passport_number",
        "se.id_card_number", "se.address",
    }  # fmt: skip
    assert engine.python_path == ()


def _cells() -> list[Segment]:
    """Corpus documents cut into cells of a few words, with and without column names."""
    cells: list[Segment] = []
    with CORPUS.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines):
            if not line.strip() or number >= 40:
                continue
            words = json.loads(line)["text"].split(" ")
            for at in range(0, len(words), 4):
                context = (("Personnummer",), ("telefon_nr",), ())[at % 3]
                cells.append(
                    Segment(text=" ".join(words[at : at + 4]), locator=f"c{at}", context=context)
                )
    cells.append(Segment(text="", locator="empty"))
    cells.append(Segment(text="8506012387", locator="bare", context=("pnr",)))
    return cells


@pytest.mark.parametrize("config", [None, NO_NAMES], ids=["names", "no-names"])
def test_a_batch_finds_what_one_call_per_segment_finds(config: EngineConfig | None) -> None:
    engine = build_engine(load_registry(use_entry_points=False), config)
    cells = _cells()
    batch = engine.analyze_batch(cells)
    assert batch == [engine.analyze_segment(cell) for cell in cells]
    assert sum(map(len, batch)) > 50
    assert all(
        f.locator == cell.locator for cell, found in zip(cells, batch, strict=True) for f in found
    )


def test_a_batch_reads_each_segment_and_keeps_every_field() -> None:
    """The core reads the segments themselves: a tuple of them, contexts equal but not the
    same object, give what one call per segment gives, ``normalized`` (left out of ``==``)
    included."""
    engine = build_engine(load_registry(use_entry_points=False), NO_NAMES)
    cells = tuple(
        Segment(text=cell.text, locator=cell.locator, context=(*cell.context,)) for cell in _cells()
    )
    batch = engine.analyze_batch(cells)
    one_by_one = [engine.analyze_segment(cell) for cell in cells]
    assert [[dataclasses.astuple(f) for f in found] for found in batch] == [
        [dataclasses.astuple(f) for f in found] for found in one_by_one
    ]
    assert sum(map(len, batch)) > 50


def test_whole_documents_keep_python_character_offsets(engine) -> None:  # type: ignore[no-untyped-def]
    text = "Åsa Öberg, född 850601-2387, tel 070-174 06 05 ✓ 😀 e-post åsa@exempel.se"
    for finding in engine.analyze(text):
        assert finding.start < finding.end <= len(text)
    found = {f.entity_type: text[f.start : f.end] for f in engine.analyze(text)}
    assert found["SE_PERSONNUMMER"] == "850601-2387"
    assert found["PHONE_NUMBER"] == "070-174 06 05"
    assert found["EMAIL_ADDRESS"] == "åsa@exempel.se"


def test_a_lone_surrogate_keeps_offsets(engine) -> None:  # type: ignore[no-untyped-def]
    text = "x\ud800 pnr 850601-2387"
    [found] = engine.analyze(text)
    assert text[found.start : found.end] == "850601-2387"
    [[in_batch]] = engine.analyze_batch([Segment(text=text)])
    assert in_batch == found


CATASTROPHIC = """\
id: org.digits
entity: ORG_DIGITS
version: 1
patterns:
  - {name: runs, regex: '(\\d|\\d\\d)+$', strength: high}
"""


def test_a_catastrophic_pattern_runs_through_the_core(tmp_path: Path) -> None:
    directory = _write(tmp_path / "org", "digits", CATASTROPHIC)
    engine = make_engine([directory])
    assert "org.digits" in engine.core_path
    # Backtracking takes exponential time on this; the core one linear pass.
    found = engine.analyze("1" * 20_000 + "x\n" + "2" * 20_000)
    assert [(f.entity_type, f.end - f.start) for f in found] == [("ORG_DIGITS", 20_000)]


LOOKAROUND = """\
id: org.ticket
entity: ORG_TICKET
version: 1
patterns:
  - {name: ticket, regex: 'T(?=\\d{4})\\d{4}', strength: high}
"""

BOUNDED = """\
id: org.member
entity: ORG_MEMBER
version: 1
patterns:
  - {name: member, regex: '(?<![\\d\\p{L}])M-\\d{5}(?!\\d)', strength: high}
"""


def test_an_organisation_pattern_beyond_the_subset_stays_on_python_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    directory = _write(tmp_path / "org", "ticket", LOOKAROUND)
    _write(directory, "member", BOUNDED)
    with caplog.at_level(logging.WARNING, logger="piiscan.engine"):
        engine = make_engine([directory])
    assert engine.python_path == ("org.ticket",)
    assert "org.member" in engine.core_path  # boundary lookarounds are declared fields
    warnings = [r.getMessage() for r in caplog.records if r.name == "piiscan.engine"]
    assert len(warnings) == 1
    assert "org.ticket" in warnings[0]
    found = engine.analyze("Ärende T1234, medlem M-12345, inte xM-12345 eller M-123456.")
    assert [(f.entity_type, f.start) for f in found] == [("ORG_TICKET", 7), ("ORG_MEMBER", 21)]


def test_a_plugin_validator_is_called_back_from_the_core() -> None:
    seen: list[str] = []

    def strict_bankgiro(candidate: str) -> Verdict | None:
        seen.append(candidate)
        return Verdict(normalized="x", flags=frozenset({"plugin"})) if "54" in candidate else None

    builtin = load_registry(use_entry_points=False)
    registry = Registry(
        specs=builtin.specs,
        validators={**builtin.validators, "bankgiro": strict_bankgiro},
    )
    engine = build_engine(registry)
    assert "se.bankgiro" in engine.core_path
    found = engine.analyze("Bankgiro 5402-9681. Bankgiro 991-2346.")
    bankgiro = [f for f in found if f.entity_type == "SE_BANKGIRO"]
    assert [(f.start, f.flags, f.normalized) for f in bankgiro] == [(9, ("plugin",), "x")]
    assert seen == ["5402-9681", "991-2346"]


def test_a_validator_error_reaches_the_caller() -> None:
    def broken(candidate: str) -> Verdict | None:
        raise KeyError("broken plug-in")

    builtin = load_registry(use_entry_points=False)
    engine = build_engine(
        Registry(specs=builtin.specs, validators={**builtin.validators, "bankgiro": broken})
    )
    with pytest.raises(KeyError, match="broken plug-in"):
        engine.analyze("Bankgiro 5402-9681")


def test_a_panic_in_the_core_is_an_ordinary_exception_without_text() -> None:
    with pytest.raises(RuntimeError, match="internal error in piiscan's core") as raised:
        _core._panic_for_test()
    assert "deliberate" not in str(raised.value)


def test_catalogue_recognizers_in_plain_presidio_match_through_the_core() -> None:
    """In a plain presidio ``AnalyzerEngine`` our recognizers match and validate in the core
    and find what their Python ``find`` finds in the engine's candidate windows."""
    from piiscan.engine.candidates import CandidateIndex
    from piiscan.engine.recognizers import CatalogueRecognizer, build_recognizers

    recognizers = [
        r
        for r in build_recognizers(load_registry(use_entry_points=False))
        if isinstance(r, CatalogueRecognizer)
    ]
    assert recognizers
    assert all(r._core_matcher() is not None for r in recognizers)
    with CORPUS.open(encoding="utf-8") as lines:
        texts = [json.loads(line)["text"] for line in lines if line.strip()][:120]
    for recognizer in recognizers:
        for text in texts:
            core = sorted(
                (r.start, r.end, r.score, r.recognition_metadata["piiscan.normalized"])
                for r in recognizer.analyze(text)
            )
            python = sorted(
                (start, end, recognizer.score(strength), normalized)
                for start, end, strength, normalized, _, _ in recognizer.find(
                    text, CandidateIndex.of(text), apply_context=False
                )
            )
            assert core == python, recognizer.spec.id
