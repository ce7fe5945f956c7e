"""The candidate index: where each recognizer must look, found in one pass over a text."""

from __future__ import annotations

import pytest

from piiscan.catalogue import CandidateSpec
from piiscan.engine.candidates import CandidateIndex


def looked_at(text: str, spec: CandidateSpec) -> list[str]:
    return [text[low:high] for low, high in CandidateIndex.of(text).windows(spec)]


@pytest.mark.parametrize(
    ("text", "spec", "expected"),
    [
        # Digit counts select runs; separators do not count.
        ("a 850601-2387 b 12 c", CandidateSpec(kind="digits", min_digits=10, max_digits=12,
                                               before=0, after=0), ["850601-2387"]),
        # A run joined by a space may hold two values, so it counts however long it is.
        ("d 2024-03-15 850601-2387 e", CandidateSpec(kind="digits", min_digits=10,
                                                     max_digits=12, before=0, after=0),
         ["2024-03-15 850601-2387"]),
        # A run joined only by dashes and longer than the maximum does not.
        ("f 2024-03-15-850601-2387 g", CandidateSpec(kind="digits", min_digits=10,
                                                     max_digits=12, before=0, after=0), []),
        # House numbers: only after a street-name ending, or a postnummer before a town.
        ("Storgatan 12 och 13 st, 123 45 Umeå", CandidateSpec(
            kind="digits", min_digits=1, max_digits=5, before=0, after=0,
            word_before=("gatan",), capital_after=True), ["12", "123 45"]),
        # An "@" window starts at the first character of the address.
        ("Mejla anna.a@exempel.se nu", CandidateSpec(kind="at", before=80, after=3),
         ["anna.a@exe"]),
        # An anchor regex marks the places.
        ("x Box 12 y", CandidateSpec(kind="anchor", anchor=r"Box \d", before=1, after=1),
         [" Box 12"]),
    ],
)  # fmt: skip
def test_windows(text: str, spec: CandidateSpec, expected: list[str]) -> None:
    assert looked_at(text, spec) == expected
