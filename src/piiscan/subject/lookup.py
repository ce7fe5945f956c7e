"""Find where the inventory holds data about one person: places, not finding rows.

A *place* is an object (a file, a member of a container) or a record inside one (a mail
message, a table row of a dump), in the latest scan of each root. The lookup reads findings by
value key only (pushed down into the Parquet reader), groups them by place, and for each place
says how sure it is (:data:`~piiscan.subject.identifiers.STRONG_KINDS`), which categories of
data it holds, how many *other* findings share it (counted, never shown: they may be other
people's), and when scans first and last saw it there.
"""

from __future__ import annotations

import getpass
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Final

import pyarrow as pa

from piiscan.errors import ConfigError
from piiscan.inventory import Inventory, ScanInfo
from piiscan.inventory.audit import LookupRecord, append_lookup
from piiscan.keys import Keyer
from piiscan.model import RECORD_STEPS
from piiscan.subject.identifiers import (
    HELPER_KINDS,
    IDENTIFIER_KINDS,
    STRONG_KINDS,
    IdentifierKind,
    SearchKey,
    SubjectIdentifiers,
    search_keys,
)
from piiscan.subject.report import (
    Gap,
    Place,
    SearchedScan,
    SubjectReport,
    System,
    category_of,
)
from piiscan.subject.request import Purpose, SubjectRequest

__all__ = ["GAP_STATUSES", "MAX_LOCATORS", "lookup_subject", "record_of", "system_of"]

#: Object statuses that mean "could not be searched": the extract lists them as gaps.
GAP_STATUSES: Final = frozenset(
    {"error", "encrypted", "timed_out", "unsupported", "no_text", "partial", "too_large"}
)
#: Locators listed per place; a spreadsheet row can repeat a person on every sheet.
MAX_LOCATORS: Final = 20

# message=<id> (a Message-ID may hold '/'), its attachment, and a dump's table and row.
_MESSAGE = re.compile(r"(?:^|/)(message=(?:<[^>]*>|[^/]*))")
_ATTACHMENT = re.compile(r"(?:^|/)(attachment=[^/]*)")
_TABLE = re.compile(r"(?:^|/)(table=[^/]*)")
_ROW = re.compile(r"(?:^|/)(row=[^/]*)")
_MAILBOX_SUFFIXES: Final = (".eml", ".mbox", ".msg", ".pst", ".ost")
_DATABASE_SUFFIXES: Final = (".sql", ".dump", ".sqlite", ".sqlite3", ".db", ".bak")

PlaceId = tuple[str, str, str, str]  # root, path, member, record


def record_of(locator: str, member: str = "") -> str:
    """The record a finding points into: a message (and attachment) or a table row.

    ``message=<a@b>/part=1.2`` gives ``message=<a@b>``; ``table=public.kunder/column=pnr/
    row=id:4711`` gives ``table=public.kunder/row=id:4711``; a cell of a CSV file gives ``""``
    (its place is the file).

    :param locator: the finding's locator.
    :param member: the object's member chain; a mailbox's message and a message's attachment
        are members (``message=<a@b>``, ``part=2/attachment=cv.docx``) and count here too.
    """
    records = [name for name in member.split("!/") if name.startswith(RECORD_STEPS)]
    locator = "/".join(part for part in (*records, locator) if part)
    message = _MESSAGE.search(locator)
    if message:
        attachment = _ATTACHMENT.search(locator, message.end())
        return message.group(1) + (f"/{attachment.group(1)}" if attachment else "")
    table = _TABLE.search(locator)
    if table:
        row = _ROW.search(locator, table.end())
        return table.group(1) + (f"/{row.group(1)}" if row else "")
    return ""


def system_of(path: str, record: str) -> System:
    """Which kind of system a place belongs to, for grouping an extract."""
    lowered = path.casefold()
    if record.startswith("message=") or lowered.endswith(_MAILBOX_SUFFIXES):
        return "mailbox"
    if record.startswith("table=") or lowered.endswith(_DATABASE_SUFFIXES):
        return "database"
    return "file_share"


def lookup_subject(
    inventory: Inventory,
    request: SubjectRequest | SubjectIdentifiers,
    keyer: Keyer,
    *,
    scan_id: str | None = None,
    purpose: Purpose | None = None,
    operator: str | None = None,
    today: date | None = None,
) -> SubjectReport:
    """Where the inventory holds data about the person ``request`` identifies.

    Every lookup is recorded in the inventory's ``lookups`` table
    (:mod:`piiscan.inventory.audit`) before its answer is returned: who, when, the case, the
    purpose and the value keys searched (never the identifiers).

    :param inventory: the inventory to search.
    :param request: a request (identifiers and case) or just the identifiers.
    :param keyer: the key the inventory was written with.
    :param scan_id: search this scan only, instead of the latest scan of every root.
    :param purpose: overrides the request's purpose (``verify`` after an erasure).
    :param operator: who runs the lookup, for the audit row; the OS user when ``None``.
    :param today: the reference date for century inference (tests).
    :raises ConfigError: for an empty request or an invalid identifier (named by option).
    :raises InventoryError: when the inventory was written with another key, cannot be read,
        or the lookup cannot be recorded.
    """
    if isinstance(request, SubjectIdentifiers):
        request = SubjectRequest(identifiers=request)
    if request.identifiers.is_empty():
        options = ", ".join(f"--{kind.replace('_', '-')}" for kind in IDENTIFIER_KINDS)
        raise ConfigError(f"give at least one identifier ({options}) or --from-file")
    scans = inventory.scans()
    inventory.check_fingerprint(keyer.fingerprint, scans=scans)
    keys = search_keys(request.identifiers, keyer, today=today)
    by_key = {key.value_key: key for key in keys}
    searched = _searched_scans(scans, scan_id)
    places = _current_places(inventory, searched, by_key)
    # A birth date is shared by thousands: a place where nothing else matched is not theirs.
    places = {
        place_id: gathered
        for place_id, gathered in places.items()
        if any(by_key[key].kind not in HELPER_KINDS for key in gathered.keys)
    }
    _add_history(inventory, scans, searched, by_key, places)
    _count_others(inventory, searched, by_key, places)
    modified, gaps = _objects(inventory, searched, places)
    report = SubjectReport(
        created=datetime.now(UTC),
        purpose=purpose or request.purpose,
        case=request.case,
        reference=request.reference,
        received=request.received,
        due=request.due,
        identifiers=keys,
        scans=tuple(
            SearchedScan(
                root=root,
                scan_id=info.scan_id,
                started=info.started,
                finished=info.finished,
                status=info.status,
            )
            for root, info in sorted(searched.items())
        ),
        places=tuple(
            sorted(
                (
                    gathered.place(place_id, modified.get(place_id[:3]))
                    for place_id, gathered in places.items()
                ),
                key=lambda p: (
                    p.certainty != "confirmed",
                    p.system,
                    p.root,
                    p.path,
                    p.member,
                    p.record,
                ),
            )
        ),
        gaps=tuple(gaps),
    )
    append_lookup(
        inventory.directory,
        LookupRecord(
            operator=operator or _os_user(),
            case=report.case,
            purpose=report.purpose,
            value_keys=list(by_key),
            key_fingerprint=keyer.fingerprint,
            scans=sorted({scan.scan_id for scan in report.scans}),
            confirmed=len(report.confirmed),
            possible=len(report.possible),
            at=report.created,
        ),
    )
    return report


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a container), no USER variable
        return "unknown"


@dataclass(slots=True)
class _Gathered:
    """What the lookup learns about one place while it reads."""

    keys: set[str] = field(default_factory=set)
    entity_types: set[str] = field(default_factory=set)
    locators: list[str] = field(default_factory=list)
    findings: int = 0
    others: int = 0
    seen: set[datetime] = field(default_factory=set)
    by_key: dict[str, SearchKey] = field(default_factory=dict)

    def place(self, place_id: PlaceId, modified: datetime | None) -> Place:
        root, path, member, record = place_id
        matched_keys = [self.by_key[k] for k in sorted(self.keys)]
        strong = [k for k in matched_keys if k.certain and k.kind in STRONG_KINDS]
        reasons: list[str] = []
        if not strong:
            reasons = sorted(
                {k.reason for k in matched_keys if k.reason}
                | {f"only_{k.kind}" for k in matched_keys if k.kind not in STRONG_KINDS}
            )
        kinds: list[IdentifierKind] = [
            kind for kind in IDENTIFIER_KINDS if any(k.kind == kind for k in matched_keys)
        ]
        return Place(
            system=system_of(path, record),
            root=root,
            path=path,
            member=member,
            record=record,
            certainty="confirmed" if strong else "possible",
            matched=tuple(kinds),
            reasons=tuple(reasons),
            categories=tuple(sorted({category_of(e) for e in self.entity_types})),
            locators=tuple(sorted(set(self.locators))[:MAX_LOCATORS]),
            findings=self.findings,
            others=self.others,
            first_seen=min(self.seen),
            last_seen=max(self.seen),
            modified=modified,
        )


def _searched_scans(scans: list[ScanInfo], scan_id: str | None) -> dict[str, ScanInfo]:
    """The latest scan of each root (or the one scan asked for), keyed by root."""
    if scan_id is not None:
        chosen = [info for info in scans if info.scan_id == scan_id]
        if not chosen:
            raise ConfigError(f"no scan {scan_id!r} in this inventory")
        return dict.fromkeys(chosen[0].roots, chosen[0])
    latest: dict[str, ScanInfo] = {}
    for info in scans:  # oldest first, so later scans replace earlier ones
        for root in info.roots:
            latest[root] = info
    return latest


def _by_scan(searched: dict[str, ScanInfo]) -> dict[str, tuple[ScanInfo, set[str]]]:
    grouped: dict[str, tuple[ScanInfo, set[str]]] = {}
    for root, info in searched.items():
        grouped.setdefault(info.scan_id, (info, set()))[1].add(root)
    return grouped


def _rows(table: pa.Table, columns: Iterable[str]) -> Iterator[tuple[Any, ...]]:
    """The given columns of ``table`` as row tuples."""
    return zip(*(table.column(name).to_pylist() for name in columns), strict=True)


def _current_places(
    inventory: Inventory, searched: dict[str, ScanInfo], by_key: dict[str, SearchKey]
) -> dict[PlaceId, _Gathered]:
    places: dict[PlaceId, _Gathered] = defaultdict(_Gathered)
    roots_of = {scan_id: roots for scan_id, (_, roots) in _by_scan(searched).items()}
    table = inventory.findings_of_scans(list(roots_of), value_keys=list(by_key))
    for scan_id, root, path, member, locator, entity, value_key in _rows(
        table, ("scan_id", "root", "path", "member", "locator", "entity_type", "value_key")
    ):
        if root not in roots_of[scan_id]:
            continue
        gathered = places[(root, path, member, record_of(locator, member))]
        gathered.keys.add(value_key)
        gathered.by_key[value_key] = by_key[value_key]
        gathered.entity_types.add(entity)
        gathered.locators.append(locator)
        gathered.findings += 1
    return dict(places)


def _add_history(
    inventory: Inventory,
    scans: list[ScanInfo],
    searched: dict[str, ScanInfo],
    by_key: dict[str, SearchKey],
    places: dict[PlaceId, _Gathered],
) -> None:
    """When scans first and last saw each place (only for places that are there now).

    Scans newer than the searched ones (when one scan was asked for) do not count.
    """
    if not places:
        return
    newest = max(info.started for info in searched.values())
    history = {
        info.scan_id: info
        for info in scans
        if info.started <= newest and set(info.roots) & set(searched)
    }
    table = inventory.findings_of_scans(
        list(history),
        value_keys=list(by_key),
        columns=["scan_id", "root", "path", "member", "locator"],
    )
    for scan_id, root, path, member, locator in _rows(
        table, ("scan_id", "root", "path", "member", "locator")
    ):
        gathered = places.get((root, path, member, record_of(locator, member)))
        if gathered is not None and root in history[scan_id].roots:
            gathered.seen.add(history[scan_id].started)


def _count_others(
    inventory: Inventory,
    searched: dict[str, ScanInfo],
    by_key: dict[str, SearchKey],
    places: dict[PlaceId, _Gathered],
) -> None:
    """Count the findings in each place that are not the subject's (never shown)."""
    roots_of = {scan_id: roots for scan_id, (_, roots) in _by_scan(searched).items()}
    paths = {path for _, path, _, _ in places}
    if not paths:
        return
    table = inventory.findings_of_scans(
        list(roots_of), paths=paths, columns=["scan_id", "root", "path", "member", "locator",
                                              "value_key"],
    )  # fmt: skip
    counts: Counter[PlaceId] = Counter()
    for scan_id, root, path, member, locator, value_key in _rows(
        table, ("scan_id", "root", "path", "member", "locator", "value_key")
    ):
        if root in roots_of[scan_id] and value_key not in by_key:
            counts[(root, path, member, record_of(locator, member))] += 1
    for place_id, count in counts.items():
        if place_id in places:
            places[place_id].others = count


def _objects(
    inventory: Inventory, searched: dict[str, ScanInfo], places: dict[PlaceId, _Gathered]
) -> tuple[dict[tuple[str, str, str], datetime | None], list[Gap]]:
    """Modification times of the places' objects, and the objects that could not be read."""
    wanted = {place_id[:3] for place_id in places}
    modified: dict[tuple[str, str, str], datetime | None] = {}
    gaps: list[Gap] = []
    for scan_id, (_, roots) in _by_scan(searched).items():
        table = inventory.objects(scan_id)
        for root, path, member, mtime, status, reason in _rows(
            table, ("root", "path", "member", "mtime", "status", "reason")
        ):
            if root not in roots:
                continue
            object_id = (root, path, member)
            if object_id in wanted:
                modified[object_id] = mtime if isinstance(mtime, datetime) else None
            if status in GAP_STATUSES:
                gaps.append(
                    Gap(root=root, path=path, member=member, status=status, reason=reason)
                )  # fmt: skip
    gaps.sort(key=lambda g: (g.root, g.status, g.path, g.member))
    return modified, gaps
