"""What the scan report says, gathered from the inventory as frozen values.

:func:`build_report` reads one scan (the latest by default), the scan before it of the same
roots (for the change since then), the dismissals and, when rules are given, the retention
candidates. Nothing raw is read, because the inventory holds nothing raw: findings appear as
counts and masked previews.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

import pyarrow as pa

from piiscan.errors import InventoryError
from piiscan.inventory.diff import ScanDiff, diff_scans
from piiscan.inventory.dismissals import dismissed_flags, load_dismissals
from piiscan.inventory.reader import Inventory, ScanInfo, top_folder
from piiscan.inventory.retention import RetentionReport, RetentionRule, retention_candidates
from piiscan.subject.lookup import GAP_STATUSES

__all__ = ["AGE_BUCKETS", "InventoryReport", "Location", "Unreadable", "build_report"]

#: Object statuses that mean the object could not be read (in full): listed with reasons. The
#: same as the register extract's gaps.
UNREADABLE_STATUSES: Final = GAP_STATUSES

_BATCH_ROWS: Final = 100_000
_EXAMPLES: Final = 3

#: Age buckets of the objects that hold findings: ``(label, up to this many years)``.
AGE_BUCKETS: Final[tuple[tuple[str, float], ...]] = (
    ("under 1 year", 1),
    ("1-3 years", 3),
    ("3-5 years", 5),
    ("5-10 years", 10),
    ("over 10 years", float("inf")),
)
_UNKNOWN_AGE: Final = "unknown"
_DAYS_PER_YEAR: Final = 365.2425


@dataclass(frozen=True, slots=True, kw_only=True)
class Location:
    """A place with findings: its counts by entity type and a few masked previews."""

    root: str
    path: str
    member: str
    findings: int
    by_entity: tuple[tuple[str, int], ...]
    examples: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Unreadable:
    """An object that could not be read (in full), with the reason the scan recorded."""

    root: str
    path: str
    member: str
    status: str
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class InventoryReport:
    """Everything the report shows; :meth:`to_dict` is its JSON form.

    Counts of findings leave dismissed findings out (``dismissed`` says how many there are).
    Lists (``locations``, ``unreadable``) are capped at ``top`` entries; the ``*_total`` fields
    say how many there are in all.
    """

    title: str
    generated: datetime
    scan: ScanInfo
    objects: int
    findings: int
    dismissed: int
    known_values: int
    places: int
    objects_by_status: tuple[tuple[str, int], ...]
    by_entity: tuple[tuple[str, int], ...]
    by_folder: tuple[tuple[str, int], ...]
    by_age: tuple[tuple[str, int], ...]
    locations: tuple[Location, ...]
    unreadable: tuple[Unreadable, ...]
    unreadable_total: int
    change: ScanDiff | None = None
    change_note: str = ""
    retention: RetentionReport | None = None
    top: int = 20
    roots: tuple[str, ...] = field(default=())

    @property
    def retention_shown(self) -> tuple[Any, ...]:
        """The retention candidates the page lists (at most ``top``)."""
        return self.retention.candidates[: self.top] if self.retention else ()

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-safe data (every list in full but ``locations`` and
        ``unreadable``, capped at ``top``)."""
        return {
            "report_version": 1,
            "title": self.title,
            "generated": self.generated.isoformat(),
            "scan": {
                "scan_id": self.scan.scan_id,
                "roots": list(self.scan.roots),
                "started": self.scan.started.isoformat(),
                "finished": self.scan.finished.isoformat(),
                "status": self.scan.status,
            },
            "objects": self.objects,
            "findings": self.findings,
            "dismissed": self.dismissed,
            "known_values": self.known_values,
            "places": self.places,
            "unreadable": self.unreadable_total,
            "objects_by_status": dict(self.objects_by_status),
            "findings_by_entity": dict(self.by_entity),
            "findings_by_folder": [{"folder": f, "findings": n} for f, n in self.by_folder],
            "findings_by_age": dict(self.by_age),
            "change": self.change.summary() if self.change else None,
            "change_note": self.change_note,
            "top_locations": [
                {
                    "root": loc.root,
                    "path": loc.path,
                    "member": loc.member,
                    "findings": loc.findings,
                    "by_entity": dict(loc.by_entity),
                    "examples": list(loc.examples),
                }
                for loc in self.locations
            ],
            "unreadable_objects": [
                {
                    "root": u.root,
                    "path": u.path,
                    "member": u.member,
                    "status": u.status,
                    "reason": u.reason,
                }
                for u in self.unreadable
            ],
            "retention": (
                {
                    "rules": [rule.label for rule in self.retention.rules],
                    "candidates": self.retention.rows(),
                    "undated": self.retention.undated,
                }
                if self.retention
                else None
            ),
        }


def _ranked(counter: Counter[Any]) -> tuple[tuple[Any, int], ...]:
    return tuple(sorted(counter.items(), key=lambda item: (-item[1], str(item[0]))))


def _age_bucket(modified: datetime | None, now: datetime) -> str:
    if modified is None:
        return _UNKNOWN_AGE
    years = (now - modified).total_seconds() / 86400 / _DAYS_PER_YEAR
    return next(label for label, limit in AGE_BUCKETS if years < limit)


def build_report(
    inventory: Inventory,
    *,
    scan_id: str | None = None,
    rules: Sequence[RetentionRule] = (),
    title: str = "Personal data inventory",
    top: int = 20,
    now: datetime | None = None,
) -> InventoryReport:
    """Gather the report of one scan.

    :param inventory: the inventory.
    :param scan_id: the scan; the latest when ``None``.
    :param rules: retention rules; without any the report has no retention section.
    :param title: the report's heading.
    :param top: entries in each list on the page.
    :param now: when the report is made (ages are counted to it).
    :raises InventoryError: if the scan cannot be read.
    """
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    resolved = scan_id or inventory.latest_scan_id()
    if resolved is None:
        raise InventoryError(f"no inventory at {inventory.directory}")
    info = next((i for i in inventory.scans() if i.scan_id == resolved), None)
    if info is None:
        raise InventoryError(f"no scan {resolved!r} in {inventory.directory}")
    dismissals = load_dismissals(inventory.directory)
    objects = inventory.objects(resolved)
    # Locator and value key only matter to match dismissals.
    matched = ["locator", "value_key"] if dismissals else []
    wanted = ["root", "path", "member", "entity_type", "masked", *matched]
    place_columns = [objects[name].to_pylist() for name in ("root", "path", "member")]
    times = dict(zip(zip(*place_columns, strict=True), objects["mtime"].to_pylist(), strict=True))
    statuses = objects["status"].to_pylist()
    reasons = objects["reason"].to_pylist()
    unreadable = [
        Unreadable(root=root, path=path, member=member, status=status, reason=reason)
        for (root, path, member), status, reason in zip(
            zip(*place_columns, strict=True), statuses, reasons, strict=True
        )
        if status in UNREADABLE_STATUSES
    ]

    by_entity: Counter[str] = Counter()
    by_folder: Counter[str] = Counter()
    by_age: Counter[str] = Counter({label: 0 for label, _ in AGE_BUCKETS})
    per_place: dict[tuple[str, str, str], Counter[str]] = {}
    examples: dict[tuple[str, str, str], list[str]] = {}
    multiple_roots = len(set(place_columns[0])) > 1
    counted = dismissed = 0
    # The findings stream part by part (memory grows with the places that hold findings, not
    # with the findings): each batch is counted in Arrow per place and entity type, and Python
    # sees one row per such pair.
    for batch in inventory.iter_findings(resolved, batch_rows=_BATCH_ROWS):
        findings = pa.Table.from_batches([batch]).select(wanted)
        flags = dismissed_flags(findings, dismissals)
        if any(flags):
            dismissed += sum(flags)
            findings = findings.filter(pa.array([not flag for flag in flags], type=pa.bool_()))
        counted += findings.num_rows
        grouped = findings.group_by(
            ["root", "path", "member", "entity_type"], use_threads=False
        ).aggregate([("masked", "count"), ("masked", "distinct")])
        names = ("root", "path", "member", "entity_type", "masked_count", "masked_distinct")
        columns = [grouped[name].to_pylist() for name in names]
        for root, path, member, entity, count, masks in zip(*columns, strict=True):
            place = (root, path, member)
            by_entity[entity] += count
            folder = top_folder(path)
            by_folder[f"{root} :: {folder}" if multiple_roots else folder] += count
            by_age[_age_bucket(times.get(place) or times.get((root, path, "")), moment)] += count
            per_place.setdefault(place, Counter())[entity] += count
            # The place's three smallest masked previews, whatever batch they came in.
            shown = examples.setdefault(place, [])
            shown[:] = sorted({*shown, *masks})[:_EXAMPLES]
    if not by_age.get(_UNKNOWN_AGE):
        by_age.pop(_UNKNOWN_AGE, None)
    locations = sorted(per_place.items(), key=lambda item: (-item[1].total(), item[0]))

    change, note = None, ""
    try:
        change = diff_scans(inventory, to_scan=resolved, dismissals=dismissals)
    except InventoryError as error:
        note = str(error)
    return InventoryReport(
        title=title,
        generated=moment,
        scan=info,
        roots=info.roots,
        objects=objects.num_rows,
        findings=counted,
        dismissed=dismissed,
        known_values=sum(objects["known_values"].to_pylist()),
        places=len(per_place),
        objects_by_status=_ranked(Counter(statuses)),
        by_entity=_ranked(by_entity),
        by_folder=_ranked(by_folder)[:top],
        by_age=tuple(
            (label, by_age[label])
            for label in [*(label for label, _ in AGE_BUCKETS), _UNKNOWN_AGE]
            if label in by_age
        ),
        locations=tuple(
            Location(
                root=root,
                path=path,
                member=member,
                findings=counter.total(),
                by_entity=_ranked(counter),
                examples=tuple(examples[(root, path, member)]),
            )
            for (root, path, member), counter in locations[:top]
        ),
        unreadable=tuple(unreadable[:top]),
        unreadable_total=len(unreadable),
        change=change,
        change_note=note,
        retention=(
            retention_candidates(
                inventory, rules, scan_id=resolved, now=moment, dismissals=dismissals
            )
            if rules
            else None
        ),
        top=top,
    )
