"""Resolve findings of different entity types that claim the same characters.

presidio removes duplicates within one entity type only; the digits ``0406280404`` can be a
personnummer, a phone number and an organisationsnummer at once. The rule here: the
higher score wins; on equal scores the recognizer with the higher priority wins (a validated
personnummer beats the phone number the same digits form). Findings that do not overlap are
never touched.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Mapping, Sequence

from piiscan.model import Finding


def resolve_overlaps(findings: Sequence[Finding], priorities: Mapping[str, int]) -> list[Finding]:
    """Keep, of every group of overlapping findings, those that do not lose to a neighbour.

    :param findings: findings of one text, any order.
    :param priorities: recognizer key (``id@version``) to priority; unknown keys rank 0.
    :returns: the surviving findings ordered by start offset.
    """
    # Whether a finding survives depends only on the findings it overlaps, so each run of
    # transitively overlapping findings is settled on its own; most runs hold one finding.
    kept: list[Finding] = []
    for group in _overlapping_runs(sorted(findings, key=lambda f: (f.start, f.end))):
        kept.extend(group if len(group) == 1 else _settle(group, priorities))
    return kept


def _overlapping_runs(ordered: Sequence[Finding]) -> Iterator[list[Finding]]:
    """Findings ordered by start, cut where none before reaches past the next one's start."""
    group: list[Finding] = []
    reach = -1
    for finding in ordered:
        if finding.start >= reach and group:
            yield group
            group = []
        group.append(finding)
        reach = max(reach, finding.end)
    if group:
        yield group


def _settle(group: list[Finding], priorities: Mapping[str, int]) -> list[Finding]:
    """The survivors of one run of overlapping findings, ordered by start, end and entity.

    The higher score wins, then the higher priority, then the longer span; a finding is
    dropped when a finding of another entity type that beat it overlaps it.
    """

    def rank(f: Finding) -> tuple[float, int, int]:
        return (f.score, priorities.get(f.recognizer, 0), f.end - f.start)

    # Kept findings sorted by start: those that can overlap a candidate start within the
    # longest span before it, which keeps a long run of chained matches from going quadratic.
    longest = max(f.end - f.start for f in group)
    starts: list[int] = []
    kept: list[Finding] = []
    for candidate in sorted(group, key=rank, reverse=True):
        low = bisect.bisect_left(starts, candidate.start - longest)
        high = bisect.bisect_left(starts, candidate.end)
        if any(
            kept[i].end > candidate.start and kept[i].entity_type != candidate.entity_type
            for i in range(low, high)
        ):
            continue
        position = bisect.bisect_left(starts, candidate.start)
        starts.insert(position, candidate.start)
        kept.insert(position, candidate)
    return sorted(kept, key=lambda f: (f.start, f.end, f.entity_type))
