"""Every input the fuzzer (``benchmarks/fuzz.py``) found that broke the extractor contract,
kept so it stays fixed; and every seed of every target, read under the same checks."""

from __future__ import annotations

import pytest

from tests.fuzz.harness import TARGETS, check

# (target, input, what went wrong before the fix). Inputs are as the fuzzer left them, or
# minimised by hand where the bytes that matter are few.
REGRESSIONS: list[tuple[str, bytes, str]] = [
    ("csv", b"eF\x00F\xc3", "UnicodeDecodeError: an odd last byte of BOM-less UTF-16"),
    ("text", b"eF\x00F\xc3", "the same, through the plain-text extractor"),
]


@pytest.mark.parametrize(
    ("target", "data"),
    [(target, data) for target, data, _ in REGRESSIONS],
    ids=[f"{target}-{number}" for number, (target, _, _) in enumerate(REGRESSIONS)],
)
def test_a_fuzzed_input_keeps_the_contract(target: str, data: bytes) -> None:
    assert check(TARGETS[target], data) >= 1


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_every_seed_keeps_the_contract(target: str) -> None:
    for seed in TARGETS[target].seeds:
        assert check(TARGETS[target], seed.read_bytes()) >= 1
    assert check(TARGETS[target], b"") == 1
