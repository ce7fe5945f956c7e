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

import functools
from collections.abc import Iterable
from dataclasses import dataclass, field

import regex

from piiscan.catalogue import CandidateSpec

_DIGIT_RUN = regex.compile(r"\d+(?:(?:[ \-+/.–]|\s?\(|\)\s?)\d+)*")
_NOT_DIGITS = str.maketrans("", "", " -+/.–()\t\n\r\xa0\x0b\x0c")
_SPACES = frozenset(" \t\n\r\xa0")


# Characters of an e-mail address's local part: the window of an "@" starts at the first
# of them before it, so the pattern is tried once per address, not once per character.
_LOCAL_PART_BOUNDARY = regex.compile(r"(?r)[^\w.%+-]")


@functools.lru_cache(maxsize=64)
def _anchor(pattern: str) -> regex.Pattern[str]:
    return regex.compile(pattern)


@dataclass(frozen=True, slots=True)
class CandidateIndex:
    """Digit runs ``(start, end, digit_count, spaced)`` and ``@`` positions of one text."""

    text: str = field(repr=False, compare=False)
    digit_runs: tuple[tuple[int, int, int, bool], ...]
    at_signs: tuple[int, ...]
    # Keyed by the spec's identity: specs live as long as their recognizers, and hashing a
    # frozen dataclass field by field costs more than the windows of a short text.
    _windows: dict[int, list[tuple[int, int]]] = field(
        default_factory=dict, compare=False, repr=False
    )

    @property
    def length(self) -> int:
        """Length of the indexed text."""
        return len(self.text)

    @classmethod
    def of(cls, text: str) -> CandidateIndex:
        """Index ``text``."""
        runs: list[tuple[int, int, int, bool]] = []
        append = runs.append
        for match in _DIGIT_RUN.finditer(text):
            start, end = match.span()
            run = text[start:end]
            if run.isdigit():
                append((start, end, end - start, False))
            else:
                append((start, end, len(run.translate(_NOT_DIGITS)), not _SPACES.isdisjoint(run)))
        ats = []
        position = text.find("@")
        while position != -1:
            ats.append(position)
            position = text.find("@", position + 1)
        return cls(text, tuple(runs), tuple(ats))

    def windows(self, spec: CandidateSpec) -> list[tuple[int, int]]:
        """``(pos, endpos)`` windows where a recognizer with ``spec`` must look.

        Windows are merged where they overlap, except for ``kind: at``: there each window
        starts at the first character of the word holding its ``@``, where a match must start.
        """
        cached = self._windows.get(id(spec))
        if cached is not None:
            return cached
        if spec.kind == "digits" and not self.digit_runs:
            return []
        if spec.kind == "at":
            # Not merged: each window starts where its address must start (see find()).
            at_windows = [
                (self._local_part_start(p, spec.before), min(len(self.text), p + 1 + spec.after))
                for p in self.at_signs
            ]
            self._windows[id(spec)] = at_windows
            return at_windows
        if spec.kind == "anchor":
            spans: Iterable[tuple[int, int]] = (
                m.span() for m in _anchor(spec.anchor or "").finditer(self.text)
            )
        else:
            spans = self._runs_for(spec)
        merged: list[tuple[int, int]] = []
        before, after, length = spec.before, spec.after, len(self.text)
        last_high = -1
        for start, end in spans:
            lo = start - before if start > before else 0
            hi = end + after
            if hi > length:
                hi = length
            if lo <= last_high:
                if hi > last_high:
                    merged[-1] = (merged[-1][0], hi)
                    last_high = hi
            else:
                merged.append((lo, hi))
                last_high = hi
        self._windows[id(spec)] = merged
        return merged

    def _runs_for(self, spec: CandidateSpec) -> list[tuple[int, int]]:
        """``(start, end)`` of the digit runs a ``kind: digits`` recognizer can use."""
        low, high, starts = spec.min_digits, spec.max_digits, spec.starts_with
        endings, capital_after = spec.word_before, spec.capital_after
        text, length = self.text, len(self.text)
        spans = []
        for start, end, digits, spaced in self.digit_runs:
            if digits < low or (digits > high and not spaced):
                continue
            if (
                starts
                and not spaced
                and text[start] not in starts
                and (start == 0 or text[start - 1] not in starts)
            ):
                continue
            if (endings or capital_after) and not (
                (endings and text[max(0, start - 16) : start].rstrip().casefold().endswith(endings))
                or (
                    capital_after
                    and end + 1 < length
                    and text[end] == " "
                    and text[end + 1].isupper()
                )
            ):
                continue
            spans.append((start, end))
        return spans

    def _local_part_start(self, at: int, limit: int) -> int:
        low = max(0, at - limit)
        boundary = _LOCAL_PART_BOUNDARY.search(self.text, low, at)
        return low if boundary is None else boundary.end()
