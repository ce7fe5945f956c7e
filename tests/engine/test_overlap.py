"""Overlap resolution: table cases, and the per-group resolution against a whole-list reference."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from piiscan.model import Finding
from piiscan.overlap import resolve_overlaps

PRIORITIES = {"pnr@1": 90, "orgnr@1": 80, "phone@1": 60, "person@1": 40}
ENTITY = {"pnr@1": "PNR", "orgnr@1": "ORGNR", "phone@1": "PHONE", "person@1": "PERSON"}


def _finding(start: int, end: int, score: float, recognizer: str) -> Finding:
    return Finding(
        entity_type=ENTITY[recognizer], start=start, end=end, score=score, masked="*",
        recognizer=recognizer,
    )  # fmt: skip


def _spans(findings: list[Finding]) -> list[tuple[int, int, str]]:
    return [(f.start, f.end, f.entity_type) for f in findings]


@pytest.mark.parametrize(
    ("findings", "survivors"),
    [
        # The same digits as a personnummer and as a phone number: equal score, priority wins.
        ([_finding(0, 11, 0.75, "phone@1"), _finding(0, 11, 0.75, "pnr@1")], [(0, 11, "PNR")]),
        # A higher score beats a higher priority.
        ([_finding(0, 11, 0.95, "phone@1"), _finding(0, 11, 0.75, "pnr@1")], [(0, 11, "PHONE")]),
        # Findings that do not overlap are all kept, in order.
        (
            [_finding(20, 25, 0.75, "phone@1"), _finding(0, 11, 0.75, "pnr@1")],
            [(0, 11, "PNR"), (20, 25, "PHONE")],
        ),
        # Findings of one entity type never remove each other.
        (
            [_finding(0, 11, 0.75, "pnr@1"), _finding(5, 15, 0.95, "pnr@1")],
            [(0, 11, "PNR"), (5, 15, "PNR")],
        ),
        # A chain: the winner in the middle removes both neighbours of other types.
        (
            [
                _finding(0, 10, 0.75, "phone@1"),
                _finding(8, 20, 0.95, "orgnr@1"),
                _finding(18, 30, 0.75, "phone@1"),
            ],
            [(8, 20, "ORGNR")],
        ),
        # Touching spans do not overlap.
        (
            [_finding(0, 10, 0.75, "phone@1"), _finding(10, 20, 0.95, "orgnr@1")],
            [(0, 10, "PHONE"), (10, 20, "ORGNR")],
        ),
        ([], []),
    ],
)
def test_resolve_overlaps(findings: list[Finding], survivors: list[tuple[int, int, str]]) -> None:
    assert _spans(resolve_overlaps(findings, PRIORITIES)) == survivors


def _reference(findings: list[Finding], priorities: dict[str, int]) -> list[Finding]:
    """The whole-list algorithm: every finding ranked against every kept finding."""
    kept: list[Finding] = []
    for candidate in sorted(
        sorted(findings, key=lambda f: (f.start, f.end)),
        key=lambda f: (f.score, priorities.get(f.recognizer, 0), f.end - f.start),
        reverse=True,
    ):
        if any(
            k.start < candidate.end and k.end > candidate.start
            and k.entity_type != candidate.entity_type
            for k in kept
        ):  # fmt: skip
            continue
        kept.append(candidate)
    return sorted(kept, key=lambda f: (f.start, f.end, f.entity_type))


FINDINGS = st.lists(
    st.builds(
        lambda start, length, score, recognizer: _finding(start, start + length, score, recognizer),
        st.integers(0, 60),
        st.integers(1, 14),
        st.sampled_from([0.4, 0.75, 0.85, 0.95]),
        st.sampled_from(sorted(PRIORITIES)),
    ),
    max_size=25,
)


@given(FINDINGS)
def test_groups_resolve_as_the_whole_list_does(findings: list[Finding]) -> None:
    assert _spans(resolve_overlaps(findings, PRIORITIES)) == _spans(
        _reference(findings, PRIORITIES)
    )


def test_a_long_chain_resolves_as_the_whole_list_does() -> None:
    # Every finding overlaps its neighbours: one group of 600.
    chain = [
        _finding(i * 5, i * 5 + 8, [0.75, 0.95][i % 3 == 0], ["phone@1", "orgnr@1"][i % 2])
        for i in range(600)
    ]
    assert _spans(resolve_overlaps(chain, PRIORITIES)) == _spans(_reference(chain, PRIORITIES))
