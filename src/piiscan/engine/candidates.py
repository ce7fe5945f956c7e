"""One cheap pass over a text that tells each recognizer where it can possibly match.

Running every recognizer's regexes over every byte costs one pass per pattern; most text is
prose with no digits in it. The index finds, in one pass, the runs of digits (with the
separators identifiers are written with: space, ``-``, ``+``, ``/``, ``.``, brackets) and the
``@`` signs. A recognizer that declares ``candidates`` in the catalogue then runs its patterns
only in small windows around the runs it can use (a personnummer needs 10 or 12 digits, a
bankgiro 7 or 8). Lookbehind still sees the text before a window, so boundaries behave the
same as in a whole-text scan.

A run joined by a space may hold two values side by side (``2024-03-15 850601-2387``, a
phone number and a personnummer in adjacent table cells), so such a run is a candidate for
every recognizer whose minimum it reaches, however many digits it holds in all.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import regex

from piiscan.catalogue import CandidateSpec

_DIGIT_RUN = regex.compile(r"\d+(?:(?:[ \-+/.–]|\s?\(|\)\s?)\d+)*")
_NOT_DIGITS = str.maketrans("", "", " -+/.–()\t\n\r\xa0\x0b\x0c")
_SPACES = (" ", "\t", "\n", "\r", "\xa0")


@dataclass(frozen=True, slots=True)
class CandidateIndex:
    """Digit runs ``(start, end, digit_count, spaced)`` and ``@`` positions of one text."""

    length: int
    digit_runs: tuple[tuple[int, int, int, bool], ...]
    at_signs: tuple[int, ...]
    _windows: dict[CandidateSpec, list[tuple[int, int]]] = field(
        default_factory=dict, compare=False, repr=False
    )

    @classmethod
    def of(cls, text: str) -> CandidateIndex:
        """Index ``text``."""
        runs = []
        for match in _DIGIT_RUN.finditer(text):
            run = match.group()
            if run.isdigit():
                runs.append((match.start(), match.end(), len(run), False))
                continue
            digits = len(run.translate(_NOT_DIGITS))
            spaced = any(space in run for space in _SPACES)
            runs.append((match.start(), match.end(), digits, spaced))
        ats = []
        position = text.find("@")
        while position != -1:
            ats.append(position)
            position = text.find("@", position + 1)
        return cls(len(text), tuple(runs), tuple(ats))

    def windows(self, spec: CandidateSpec) -> list[tuple[int, int]]:
        """Merged ``(pos, endpos)`` windows where a recognizer with ``spec`` must look."""
        cached = self._windows.get(spec)
        if cached is not None:
            return cached
        if spec.kind == "at":
            spans: Iterator[tuple[int, int]] = ((p, p + 1) for p in self.at_signs)
        else:
            low, high = spec.min_digits, spec.max_digits
            spans = (
                (s, e) for s, e, n, spaced in self.digit_runs if low <= n and (n <= high or spaced)
            )
        merged: list[tuple[int, int]] = []
        before, after, length = spec.before, spec.after, self.length
        for start, end in spans:
            lo, hi = max(0, start - before), min(length, end + after)
            if merged and lo <= merged[-1][1]:
                if hi > merged[-1][1]:
                    merged[-1] = (merged[-1][0], hi)
            else:
                merged.append((lo, hi))
        self._windows[spec] = merged
        return merged
