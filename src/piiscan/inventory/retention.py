"""Retention (gallring): places that hold personal data longer than the organisation promised.

Rules come from the config file (see :mod:`piiscan.configfile`)::

    [[retention]]
    glob = "Kundtjänst/**"          # which paths the rule covers (``**`` crosses folders)
    older_than = "36 months"        # days, weeks, months or years (also dagar, veckor,
                                    # månader, år)
    entities = ["SE_PERSONNUMMER"]  # optional: only findings of these entity types
    root = "/srv/share"             # optional: only under this root
    reason = "Supportärenden gallras efter 36 månader"   # optional, shown in the listing

A finding falls under the first rule, in file order, whose ``root``, ``glob`` and ``entities``
cover it. Its age is its object's modification time: for a mail message (an mbox member) or an
attachment that is the message's ``Date``, for an archive member the member's own time, and the
containing file's time when a member has none. A place (file, member or message) is a candidate
when its age passes the cutoff of the rule that applies, ``older_than`` before ``now``. Dismissed
findings (:mod:`piiscan.inventory.dismissals`) are not counted.

.. versionadded:: 0.1
"""

from __future__ import annotations

import calendar
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final, Literal

import pyarrow as pa

from piiscan.errors import ConfigError
from piiscan.inventory.dismissals import Dismissals, dismissed_flags
from piiscan.inventory.reader import Inventory
from piiscan.sources.select import GlobPattern, glob_covers

__all__ = [
    "Period",
    "RetentionCandidate",
    "RetentionReport",
    "RetentionRule",
    "retention_candidates",
]

Unit = Literal["days", "weeks", "months", "years"]

_UNITS: Final[dict[str, Unit]] = {
    "day": "days", "days": "days", "dag": "days", "dagar": "days", "d": "days",
    "week": "weeks", "weeks": "weeks", "vecka": "weeks", "veckor": "weeks",
    "month": "months", "months": "months", "månad": "months", "månader": "months",
    "year": "years", "years": "years", "år": "years", "y": "years",
}  # fmt: skip
_PERIOD = re.compile(r"\s*(\d{1,5})\s*([^\W\d_]+)\s*", re.UNICODE)


@dataclass(frozen=True, slots=True)
class Period:
    """A span of calendar time such as ``36 months``.

    :param amount: how many units.
    :param unit: ``days``, ``weeks``, ``months`` or ``years``.
    """

    amount: int
    unit: Unit

    @classmethod
    def parse(cls, text: str) -> Period:
        """Read ``"36 months"``, ``"10 years"``, ``"90 days"`` (or ``"36 månader"``).

        :raises ConfigError: for anything else.
        """
        match = _PERIOD.fullmatch(text)
        unit = _UNITS.get(match.group(2).casefold()) if match else None
        if match is None or unit is None:
            raise ConfigError(
                f"{text!r} is not a period such as '36 months', '10 years' or '90 days'"
            )
        return cls(int(match.group(1)), unit)

    def __str__(self) -> str:
        return f"{self.amount} {self.unit if self.amount != 1 else self.unit[:-1]}"

    def before(self, moment: datetime) -> datetime:
        """``moment`` minus this period (the last day of a shorter month, for months)."""
        if self.unit == "days":
            return moment - timedelta(days=self.amount)
        if self.unit == "weeks":
            return moment - timedelta(weeks=self.amount)
        months = self.amount * (12 if self.unit == "years" else 1)
        index = moment.year * 12 + (moment.month - 1) - months
        year, month = divmod(index, 12)
        day = min(moment.day, calendar.monthrange(year, month + 1)[1])
        return moment.replace(year=year, month=month + 1, day=day)


@dataclass(frozen=True, slots=True, kw_only=True)
class RetentionRule:
    """One retention promise: personal data under ``glob`` is kept at most ``older_than``.

    :param glob: a path glob, case-insensitive, ``**`` crosses folders.
    :param older_than: how long data may be kept, counted from the object's time.
    :param entities: only findings of these entity types (empty: all).
    :param root: only under this root, as the scan named it (empty: any).
    :param reason: shown with the candidates (the legal ground or the policy).
    """

    glob: str
    older_than: Period
    entities: tuple[str, ...] = ()
    root: str = ""
    reason: str = ""
    _pattern: GlobPattern = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_pattern", GlobPattern.compile(self.glob))

    def covers(self, root: str, path: str, entity_type: str | None) -> bool:
        """Whether a finding of ``entity_type`` (any, when ``None``) in ``path`` under ``root``
        falls under it."""
        if self.root and self.root != root:
            return False
        if entity_type is not None and not self.takes(entity_type):
            return False
        return glob_covers(self._pattern, path)

    def takes(self, entity_type: str) -> bool:
        """Whether the rule covers findings of ``entity_type``."""
        return not self.entities or entity_type in self.entities

    @property
    def label(self) -> str:
        """``Kundtjänst/** older than 36 months``."""
        return f"{self.glob} older than {self.older_than}"


@dataclass(frozen=True, slots=True, kw_only=True)
class RetentionCandidate:
    """A place holding personal data past the rule that applies to it.

    :param modified: the time its age is counted from (UTC).
    :param by_entity: ``(entity_type, count)`` pairs, largest first.
    :param rule: the rule that applies (the first that covers the place's findings).
    """

    root: str
    path: str
    member: str
    modified: datetime
    by_entity: tuple[tuple[str, int], ...]
    rule: RetentionRule

    @property
    def findings(self) -> int:
        """Findings past the rule in this place."""
        return sum(count for _, count in self.by_entity)

    def to_dict(self, now: datetime) -> dict[str, Any]:
        """A JSON-safe row (``age_days`` counted to ``now``)."""
        return {
            "root": self.root,
            "path": self.path,
            "member": self.member,
            "modified": self.modified.isoformat(),
            "age_days": (now - self.modified).days,
            "findings": self.findings,
            "by_entity": dict(self.by_entity),
            "rule": self.rule.label,
            "reason": self.rule.reason,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class RetentionReport:
    """The candidates of one scan, oldest first.

    :param undated: places under a rule whose time is unknown (they cannot be judged).
    :param dismissed: dismissed findings left out.
    """

    scan_id: str
    now: datetime
    rules: tuple[RetentionRule, ...]
    candidates: tuple[RetentionCandidate, ...]
    undated: int = 0
    dismissed: int = 0

    def rows(self) -> list[dict[str, Any]]:
        """One JSON-safe dict per candidate."""
        return [candidate.to_dict(self.now) for candidate in self.candidates]


def retention_candidates(
    inventory: Inventory,
    rules: Sequence[RetentionRule],
    *,
    scan_id: str | None = None,
    now: datetime | None = None,
    dismissals: Dismissals | None = None,
) -> RetentionReport:
    """The places in one scan that hold personal data past their retention rule.

    :param inventory: the inventory to read.
    :param rules: the rules, in the order they apply (first match wins).
    :param scan_id: the scan; the latest when ``None``.
    :param now: the moment ages are counted to (default: now, UTC).
    :param dismissals: findings to leave out (default: the inventory's).
    :raises InventoryError: if the scan cannot be read.
    """
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    resolved = scan_id or inventory.latest_scan_id() or ""
    if dismissals is None:
        from piiscan.inventory.dismissals import load_dismissals

        dismissals = load_dismissals(inventory.directory)
    objects = inventory.objects(resolved).select(["root", "path", "member", "mtime"])
    times: dict[tuple[str, str, str], datetime | None] = {
        (root, path, member): mtime
        for root, path, member, mtime in zip(
            *(objects[name].to_pylist() for name in ("root", "path", "member", "mtime")),
            strict=True,
        )
    }
    # Locator and value key only matter to match dismissals.
    matched = ["locator", "value_key"] if dismissals else []
    findings = inventory.findings_of_scans(
        [resolved], columns=["root", "path", "member", "entity_type", *matched]
    )
    flags = dismissed_flags(findings, dismissals)
    dismissed = sum(flags)
    if dismissed:
        findings = findings.filter(pa.array([not flag for flag in flags], type=pa.bool_()))
    # Counted in Arrow per place and entity type; the rules are matched once per path.
    grouped = findings.group_by(
        ["root", "path", "member", "entity_type"], use_threads=False
    ).aggregate([("entity_type", "count")])
    names = ("root", "path", "member", "entity_type", "entity_type_count")
    columns = [grouped[name].to_pylist() for name in names]
    cutoffs = [rule.older_than.before(moment) for rule in rules]
    covering: dict[tuple[str, str], list[int]] = {}
    # A place can hold findings under two rules (one for some entity types, one for the rest).
    counts: dict[tuple[tuple[str, str, str], int], Counter[str]] = {}
    undated: set[tuple[str, str, str]] = set()
    for root, path, member, entity, count in zip(*columns, strict=True):
        candidates_of_path = covering.get((root, path))
        if candidates_of_path is None:
            candidates_of_path = [
                i for i, rule in enumerate(rules) if rule.covers(root, path, None)
            ]
            covering[(root, path)] = candidates_of_path
        index = next((i for i in candidates_of_path if rules[i].takes(entity)), None)
        if index is None:
            continue
        place = (root, path, member)
        modified = times.get(place) or times.get((root, path, ""))
        if modified is None:
            undated.add(place)
            continue
        if modified < cutoffs[index]:
            counts.setdefault((place, index), Counter())[entity] += count
    candidates = []
    for ((root, path, member), index), counter in counts.items():
        modified = times.get((root, path, member)) or times.get((root, path, ""))
        assert modified is not None  # undated places were set aside above
        candidates.append(
            RetentionCandidate(
                root=root,
                path=path,
                member=member,
                modified=modified,
                by_entity=tuple(sorted(counter.items(), key=lambda item: (-item[1], item[0]))),
                rule=rules[index],
            )
        )
    candidates.sort(key=lambda c: (c.modified, c.root, c.path, c.member))
    return RetentionReport(
        scan_id=resolved,
        now=moment,
        rules=tuple(rules),
        candidates=tuple(candidates),
        undated=len(undated),
        dismissed=dismissed,
    )
