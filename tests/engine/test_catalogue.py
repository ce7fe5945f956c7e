"""Every example in recognizers/*.yaml runs through the engine; the catalogue loads strictly."""

from __future__ import annotations

from pathlib import Path

import pytest

from piiscan.catalogue import builtin_catalogue_dir, load_catalogue, spec_from_mapping
from piiscan.errors import ConfigError

SPECS = load_catalogue([builtin_catalogue_dir()])
VALID = [(s.entity, text) for s in SPECS for text in s.examples_valid]
INVALID = [(s.entity, text) for s in SPECS for text in s.examples_invalid]


def test_catalogue_has_the_documented_entities() -> None:
    entities = {s.entity for s in SPECS}
    assert {
        "SE_PERSONNUMMER", "SE_SAMORDNINGSNUMMER", "SE_ORGANISATIONSNUMMER", "PHONE_NUMBER",
        "EMAIL_ADDRESS", "SE_ADDRESS", "IBAN_CODE", "CREDIT_CARD", "SE_BANKGIRO", "SE_PLUSGIRO",
        "SE_BANK_ACCOUNT",
    } <= entities  # fmt: skip


def test_ids_are_unique_and_namespaced() -> None:
    ids = [s.id for s in SPECS]
    assert len(ids) == len(set(ids))
    assert all(i.startswith("se.") for i in ids)


@pytest.mark.parametrize(("entity", "text"), VALID, ids=[f"{e}:{t}" for e, t in VALID])
def test_valid_example_is_found(engine, entity: str, text: str) -> None:  # type: ignore[no-untyped-def]
    assert entity in {f.entity_type for f in engine.analyze(text)}


@pytest.mark.parametrize(("entity", "text"), INVALID, ids=[f"{e}:{t}" for e, t in INVALID])
def test_invalid_example_is_not_found(engine, entity: str, text: str) -> None:  # type: ignore[no-untyped-def]
    assert entity not in {f.entity_type for f in engine.analyze(text)}


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ({"entity": "X", "version": 1, "patterns": [{"regex": "x"}]}, "missing 'id'"),
        ({"id": "a", "entity": "X", "version": 0, "patterns": [{"regex": "x"}]}, "version"),
        ({"id": "a", "entity": "X", "version": 1}, "at least one pattern"),
        (
            {"id": "a", "entity": "X", "version": 1, "patterns": [{"regex": "x"}], "colour": 1},
            "unknown keys",
        ),
        (
            {
                "id": "a",
                "entity": "X",
                "version": 1,
                "patterns": [{"regex": "x", "strength": "big"}],
            },
            "strength",
        ),
        (
            {
                "id": "a",
                "entity": "X",
                "version": 1,
                "patterns": [{"regex": "x"}],
                "candidates": {"kind": "anchor"},
            },
            "needs an 'anchor'",
        ),
        (
            {
                "id": "a",
                "entity": "X",
                "version": 1,
                "patterns": [{"regex": "x"}],
                "candidates": {"kind": "anchor", "anchor": "(x"},
            },
            "not a valid regex",
        ),
        (
            {
                "id": "a",
                "entity": "X",
                "version": 1,
                "patterns": [{"regex": "x"}],
                "candidates": {"kind": "words"},
            },
            "kind: digits, at or anchor",
        ),
        (
            {
                "id": "a",
                "entity": "X",
                "version": 1,
                "patterns": [{"regex": "x"}],
                "negative_context": "ocr",
            },
            "'negative_context' must be a list",
        ),
    ],
    ids=[
        "no-id",
        "bad-version",
        "no-patterns",
        "unknown-key",
        "bad-strength",
        "anchor-missing",
        "anchor-invalid",
        "unknown-kind",
        "negative-context-string",
    ],
)
def test_malformed_spec_is_a_config_error(mapping: dict, message: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(ConfigError, match=message):
        spec_from_mapping(mapping)


@pytest.mark.parametrize(
    "words", [["OCR", "faktura"], {"sv": ["faktura"], "en": ["OCR"]}], ids=["list", "per-language"]
)
def test_context_words_are_a_list_or_per_language(words: object) -> None:
    base = {"id": "a", "entity": "X", "version": 1, "patterns": [{"regex": "x"}]}
    spec = spec_from_mapping({**base, "context": words, "negative_context": words})
    assert spec.context == spec.negative_context == ("faktura", "ocr")


def test_organisation_directory_adds_and_overrides(tmp_path: Path) -> None:
    (tmp_path / "employee.yaml").write_text(
        "id: acme.employee\nentity: ACME_EMPLOYEE_ID\nversion: 1\n"
        "patterns: [{name: id, regex: 'ANST-\\d{5}', strength: medium}]\n"
        "examples: {valid: ['ANST-12345']}\n",
        encoding="utf-8",
    )
    from piiscan.engine import build_engine
    from piiscan.plugins import load_registry

    engine = build_engine(load_registry([tmp_path]))
    found = engine.analyze("Anställd ANST-12345 och 850601-2387")
    assert {f.entity_type for f in found} == {"ACME_EMPLOYEE_ID", "SE_PERSONNUMMER"}
    assert next(f for f in found if f.entity_type == "ACME_EMPLOYEE_ID").recognizer == (
        "acme.employee@1"
    )
