"""The core's linear-time matcher finds what the catalogue's Python patterns find.

Compared over the whole text (the engine's candidate windows are not involved): the catalogue
examples, every document of the labelled corpus, and texts built to hit the boundaries.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from piiscan import _core
from piiscan.catalogue import RecognizerSpec
from piiscan.config import EngineConfig
from piiscan.engine import Engine, build_engine
from piiscan.engine.compiled import (
    CompiledCatalogue,
    CorePattern,
    compile_catalogue,
    split_boundaries,
    strongest_first,
)
from piiscan.plugins import load_registry
from piiscan.validators.email import validate_email

CORPUS = Path(__file__).resolve().parents[2] / "fixtures" / "corpus" / "documents.jsonl"

BOUNDARY_TEXTS = [
    "x850601-2387 850601-23870 -850601-2387 (850601-2387) 19850601-2387.",
    "08-123 45 67-8, 08-123 45 67.5 och 08-123 45 67-89; tel 070-174 06 05 200",
    "+46 (0)8-465 004 00 / 0046 70 174 06 05 / +4670174060512345",
    "4242 4242 4242 4242-1 4242-4242-4242-4242 378282246310005 36227206271667x",
    "SE45 5000 0000 0583 9825 7466, se4550000000058398257466 ÅSE4550000000058398257466",
    "Clearingnr 1274, kontonr 0235305 och clearing 8327-9, 014 725 892-5.",
    "åsa.öberg@företag.se, _a@b.se, a@b.se-x, x.y+z@sub.exempel.co.uk.",
    "92 01 00-5 920100-5-1 4-2 991-2346 5402-9681 0991-2346",
    "SE 556016-0680 01 SE556016068001 16556016-0680 5560160680 ١٢٣٤٥٦٧٨٩٠",
]


@pytest.fixture(scope="module")
def catalogue() -> CompiledCatalogue:
    return compile_catalogue(load_registry(use_entry_points=False).specs)


def _texts() -> list[str]:
    texts = list(BOUNDARY_TEXTS)
    for spec in load_registry(use_entry_points=False).specs:
        texts.extend(spec.examples_valid)
        texts.extend(spec.examples_invalid)
    with CORPUS.open(encoding="utf-8") as lines:
        texts.extend(json.loads(line)["text"] for line in lines if line.strip())
    return texts


def _core_matches(catalogue: CompiledCatalogue, text: str) -> dict[str, list[tuple[int, ...]]]:
    found: dict[str, list[tuple[int, ...]]] = {spec.id: [] for spec in catalogue.compiled}
    for recognizer, pattern, start, end in catalogue.matcher.find(text):
        found[catalogue.compiled[recognizer].id].append((pattern, start, end))
    return {key: sorted(value) for key, value in found.items()}


def python_matches(spec: RecognizerSpec, text: str) -> list[tuple[int, int, int]]:
    """``(pattern, start, end)`` of the engine's alternation over the whole text, in Python."""
    ordered = strongest_first(spec)
    combined = "|".join(f"(?P<_p{i}>{p})" for i, p in enumerate(ordered))
    compiled = regex.compile(combined, regex.IGNORECASE if spec.ignore_case else 0)
    has_value = "value" in compiled.groupindex
    found = []
    for match in compiled.finditer(text):
        name = match.lastgroup or ""
        span = match.span("value") if has_value and match.start("value") >= 0 else match.span()
        if span[0] != span[1]:
            found.append((int(name[2:]), span[0], span[1]))
    return found


def _python(specs: tuple[RecognizerSpec, ...], text: str) -> dict[str, list[tuple[int, ...]]]:
    return {spec.id: sorted(python_matches(spec, text)) for spec in specs}


def test_every_builtin_pattern_compiles_into_the_core(catalogue: CompiledCatalogue) -> None:
    # se.address writes its house-letter boundary as three patterns, not an inner lookahead.
    assert catalogue.python_only == ()
    assert len(catalogue.compiled) == 16


def test_core_finds_what_python_finds(catalogue: CompiledCatalogue) -> None:
    differences = []
    for number, text in enumerate(_texts()):
        core = _core_matches(catalogue, text)
        python = _python(catalogue.compiled, text)
        if core != python:
            differences.append(number)
    assert differences == []


# What identifiers are written with, and what their boundaries test: digits of two scripts,
# separators, letters (one multi-byte), "@" and the letters of "SE", "konto" and "clearing".
_WRITTEN = st.text(
    alphabet=st.sampled_from(list("0123456789012389 -+.,:/()@\nSEacklnortuxå٣_")),
    max_size=60,
)


@settings(max_examples=400, deadline=None)
@given(_WRITTEN)
def test_core_finds_what_python_finds_in_any_text(catalogue: CompiledCatalogue, text: str) -> None:
    assert _core_matches(catalogue, text) == _python(catalogue.compiled, text)


# Pieces of e-mail addresses and what surrounds them: local parts up to and past 64
# characters, several "@" close together, domains with and without a real top-level domain.
_MAIL_PIECES = ["a", "b.c", "@", "x.se", "exempel.com", " ", "-", "+", "_", ".", "å", "\n", ","]
_MAIL_PIECES += ["se", "k" * 60, "m" * 70, "@@", "@exempel.se", "a" * 200]
_MAILISH = st.lists(st.sampled_from(_MAIL_PIECES), max_size=30).map("".join)


@pytest.fixture(scope="module")
def email_engine() -> Engine:
    return build_engine(
        load_registry(use_entry_points=False), EngineConfig(entities=("EMAIL_ADDRESS",))
    )


@settings(max_examples=300, deadline=None)
@given(_MAILISH)
def test_email_addresses_where_the_pattern_finds_them(email_engine: Engine, text: str) -> None:
    # The core looks for an address's start only before each "@" of its windows (an
    # address holds one); the pattern over the whole text, validated, is the reference.
    spec = next(s for s in email_engine.registry.specs if s.entity == "EMAIL_ADDRESS")
    expected = [
        (start, end)
        for _, start, end in python_matches(spec, text)
        if validate_email(text[start:end]) is not None
    ]
    found = [(f.start, f.end) for f in email_engine.analyze(text)]
    assert found == expected


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        pytest.param(
            r"(?<![\d\p{L}-])\d{4}(?!\d)",
            CorePattern(regex=r"\d{4}", not_after=r"\d\p{L}-", not_before=((r"\d",),)),
            id="both",
        ),
        pytest.param(
            r"0\d+(?![\d.,:]\d)(?!-\d)",
            CorePattern(regex=r"0\d+", not_before=((r"\d.,:", r"\d"), (r"\-", r"\d"))),
            id="two-lookaheads",
        ),
        pytest.param(r"[(]\d+[)]", CorePattern(regex=r"[(]\d+[)]"), id="parentheses-in-class"),
        pytest.param(r"(?<!\d\d)\d", None, id="lookbehind-of-two"),
        pytest.param(r"(?<=x)\d", CorePattern(regex=r"(?<=x)\d"), id="left-to-the-core"),
        pytest.param(r"\d(?!a|b)", None, id="lookahead-alternation"),
        pytest.param(r"(\d", None, id="unbalanced"),
    ],
)
def test_split_boundaries(pattern: str, expected: CorePattern | None) -> None:
    assert split_boundaries(pattern) == expected


def test_the_core_refuses_lookaround_and_back_references() -> None:
    for pattern in (r"(?<=x)\d", r"(\d)\1", r"\d(?=x)"):
        with pytest.raises(ValueError, match=r"look-around|backreferences|syntax"):
            _core.CompiledPatterns([([(pattern, None, [])], False)])


def test_a_catastrophic_pattern_finishes_in_linear_time() -> None:
    # Under Python's backtracking engines `(\d|\d\d)+$` on 40 digits and a letter runs for
    # longer than anyone waits; through the core, 400,000 digits take milliseconds.
    matcher = _core.CompiledPatterns([([(r"(\d|\d\d)+$", None, [])], False)])
    started = time.perf_counter()
    assert matcher.find("1" * 400_000 + "x") == []
    assert matcher.find("pnr " + "1" * 40) == [(0, 0, 4, 44)]
    assert time.perf_counter() - started < 30  # generous: only a hang fails it


def test_offsets_are_python_characters() -> None:
    matcher = _core.CompiledPatterns([([(r"\d{6}-\d{4}", r"\d", [[r"\d"]])], False)])
    text = "Åsa Öberg, född 850601-2387 i Göteborg 🇸🇪 850601-2387"
    found = matcher.find(text)
    assert [text[start:end] for _, _, start, end in found] == ["850601-2387"] * 2
