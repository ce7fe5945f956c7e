"""A long text reaches the core by one of several ways, by its characters (core/src/text_in.rs:
pure ASCII as it is, Latin-1 through a Latin-1 copy, anything beyond through CPython's UTF-8);
each finds what the short text alone finds, at the same character offsets."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from piiscan.config import EngineConfig
from piiscan.engine import Engine, build_engine
from piiscan.plugins import load_registry

CORPUS = Path(__file__).resolve().parents[2] / "fixtures" / "corpus" / "documents.jsonl"

# Prose put before a document, long enough (past 2,048 characters) for the long-text way.
PADDING = {
    "ascii": "The minutes were approved. ",
    "latin-1": "Mötet i Västerås är flyttat, café öppet. ",
    "beyond latin-1": "Beslutet – som väntat – gäller i år. ",
    "astral": "Tack för i dag \U0001f642 vi ses. ",
}


@pytest.fixture(scope="module")
def engine() -> Engine:
    registry = load_registry(use_entry_points=False)
    names_off = tuple(e for e in build_engine(registry).entity_types if e != "PERSON")
    return build_engine(registry, EngineConfig(entities=names_off))


def _documents() -> list[str]:
    with CORPUS.open(encoding="utf-8") as lines:
        return [json.loads(line)["text"] for line in lines if line.strip()][:25]


def _fields(finding: object, shift: int) -> dict[str, object]:
    fields = dataclasses.asdict(finding)  # type: ignore[call-overload]
    fields["start"] -= shift
    fields["end"] -= shift
    fields.pop("context")  # the words around a match: the padding's words near the start
    return fields


@pytest.mark.parametrize("kind", list(PADDING))
def test_a_long_text_finds_what_the_short_one_finds(engine: Engine, kind: str) -> None:
    padding = PADDING[kind] * (2100 // len(PADDING[kind]) + 1) + "\n\n"
    assert len(padding) > 2048
    compared = 0
    for document in _documents():
        alone = engine.analyze(document)
        padded = engine.analyze(padding + document)
        assert [_fields(f, len(padding)) for f in padded] == [_fields(f, 0) for f in alone]
        compared += len(alone)
    assert compared > 20
