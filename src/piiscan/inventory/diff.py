"""What changed between two scans: objects and findings added and removed.

An object is its place, ``(root, path, member)``. A finding is its place in the object and what
it is: ``(root, path, member, locator, entity_type, value_key)``; its offsets are left out, so
text moved within a paragraph is no change, while another value at the same place is a removal
and an addition. Places holding the same finding more than once (a number written twice in one
plain-text file) are counted, and the difference of the counts is what was added or removed.

By default the newer scan is the latest complete scan and the older one the complete scan before
it of the same roots; an interrupted scan is never chosen by default, since what it did not
reach would look deleted. Dismissed findings (:mod:`piiscan.inventory.dismissals`) are kept in
the result, marked as such, and left out of :attr:`ScanDiff.new_findings`.

Memory grows with the changes, not with the findings: two scans of more than
:data:`ROWS_IN_MEMORY` findings together are compared bucket by bucket (each bucket the
findings of some objects, in both scans), spilled to a private temporary folder.

.. versionadded:: 0.1
"""

from __future__ import annotations

import tempfile
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal

import pyarrow as pa
import pyarrow.compute as pc

from piiscan.errors import InventoryError
from piiscan.inventory.dismissals import Dismissals, load_dismissals
from piiscan.inventory.reader import Inventory, ScanInfo
from piiscan.inventory.schema import FINDINGS_SCHEMA

__all__ = ["DIFF_COLUMNS", "DiffRow", "ScanDiff", "choose_scans", "diff_scans"]

Change = Literal["added", "removed"]

_OBJECT_KEY: Final = ("root", "path", "member")
_FINDING_KEY: Final = ("root", "path", "member", "locator", "entity_type", "value_key")

#: The columns of a diff row, in output order.
DIFF_COLUMNS: Final = (
    "change", "kind", "root", "path", "member", "locator", "entity_type", "masked", "value_key",
    "count", "dismissed",
)  # fmt: skip


@dataclass(frozen=True, slots=True, kw_only=True)
class DiffRow:
    """One object or finding added or removed.

    :param change: ``added`` or ``removed``.
    :param kind: ``object`` or ``finding``.
    :param locator: empty for an object; ``entity_type``, ``masked`` and ``value_key`` too.
    :param count: how many more (added) or fewer (removed) such findings the place holds; 1 for
        an object.
    :param dismissed: the finding is dismissed as a false positive.
    """

    change: Change
    kind: Literal["object", "finding"]
    root: str
    path: str
    member: str
    locator: str = ""
    entity_type: str = ""
    masked: str = ""
    value_key: str = ""
    count: int = 1
    dismissed: bool = False

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe row with the :data:`DIFF_COLUMNS`."""
        return {column: getattr(self, column) for column in DIFF_COLUMNS}


@dataclass(frozen=True, slots=True, kw_only=True)
class ScanDiff:
    """The changes from scan ``old`` to scan ``new``, objects first, then findings, each sorted
    by place."""

    old: ScanInfo
    new: ScanInfo
    rows: tuple[DiffRow, ...]

    def __iter__(self) -> Iterator[DiffRow]:
        return iter(self.rows)

    def count(self, change: Change, kind: str, *, dismissed: bool | None = False) -> int:
        """How many objects or findings were added or removed (findings counted with their
        multiplicity; ``dismissed=None`` counts dismissed ones too)."""
        return sum(
            row.count
            for row in self.rows
            if row.change == change
            and row.kind == kind
            and (dismissed is None or row.dismissed == dismissed)
        )

    @property
    def new_findings(self) -> int:
        """Findings added and not dismissed: what ``--fail-on-new`` alerts on."""
        return self.count("added", "finding")

    def by_entity(self, change: Change) -> tuple[tuple[str, int], ...]:
        """``(entity_type, count)`` of the findings added or removed (dismissed ones left out),
        largest first."""
        counts: Counter[str] = Counter()
        for row in self.rows:
            if row.kind == "finding" and row.change == change and not row.dismissed:
                counts[row.entity_type] += row.count
        return tuple(sorted(counts.items(), key=lambda item: (-item[1], item[0])))

    def summary(self) -> dict[str, Any]:
        """The counts, as JSON-safe data."""
        return {
            "from": self.old.scan_id,
            "to": self.new.scan_id,
            "objects_added": self.count("added", "object"),
            "objects_removed": self.count("removed", "object"),
            "findings_added": self.count("added", "finding"),
            "findings_removed": self.count("removed", "finding"),
            "dismissed_added": self.count("added", "finding", dismissed=True),
            "added_by_entity": dict(self.by_entity("added")),
            "removed_by_entity": dict(self.by_entity("removed")),
        }


def choose_scans(
    inventory: Inventory, from_scan: str | None = None, to_scan: str | None = None
) -> tuple[ScanInfo, ScanInfo]:
    """The two scans to compare.

    :param from_scan: the older scan; default the complete scan before ``to_scan`` with the
        same roots.
    :param to_scan: the newer scan; default the latest complete scan (of ``from_scan``'s
        roots, when that is given).
    :raises InventoryError: when a named scan does not exist or no earlier scan fits.
    """
    scans = inventory.scans()
    by_id = {info.scan_id: info for info in scans}
    for named in (from_scan, to_scan):
        if named is not None and named not in by_id:
            raise InventoryError(f"no scan {named!r} in {inventory.directory}")
    complete = [info for info in scans if info.status == "complete"]
    if to_scan is not None:
        new = by_id[to_scan]
    else:
        pool = complete
        if from_scan is not None:
            old_roots = sorted(by_id[from_scan].roots)
            pool = [i for i in complete if sorted(i.roots) == old_roots and i.scan_id != from_scan]
            pool = [i for i in pool if (i.started, i.scan_id) > _order(by_id[from_scan])]
        if not pool:
            raise InventoryError(f"no complete scan to compare in {inventory.directory}")
        new = pool[-1]
    if from_scan is not None:
        return by_id[from_scan], new
    earlier = [
        info
        for info in complete
        if sorted(info.roots) == sorted(new.roots) and _order(info) < _order(new)
    ]
    if not earlier:
        raise InventoryError(
            f"no complete scan of the same roots before scan {new.scan_id} to compare with "
            "(pass --from SCAN)"
        )
    return earlier[-1], new


def _order(info: ScanInfo) -> tuple[Any, str]:
    return (info.started, info.scan_id)


def diff_scans(
    inventory: Inventory,
    from_scan: str | None = None,
    to_scan: str | None = None,
    *,
    dismissals: Dismissals | None = None,
) -> ScanDiff:
    """The objects and findings added and removed between two scans.

    :param inventory: the inventory both scans are in.
    :param from_scan: the older scan (see :func:`choose_scans` for the defaults).
    :param to_scan: the newer scan.
    :param dismissals: dismissals to mark (default: the inventory's own).
    :raises InventoryError: when the scans cannot be chosen or read.
    """
    old, new = choose_scans(inventory, from_scan, to_scan)
    if dismissals is None:
        dismissals = load_dismissals(inventory.directory)
    rows: list[DiffRow] = []
    old_objects = inventory.objects(old.scan_id).select(list(_OBJECT_KEY))
    new_objects = inventory.objects(new.scan_id).select(list(_OBJECT_KEY))
    for change, (these, others) in (("added", (new_objects, old_objects)),
                                    ("removed", (old_objects, new_objects))):  # fmt: skip
        only = these.join(others, keys=list(_OBJECT_KEY), join_type="left anti", use_threads=False)
        rows.extend(
            DiffRow(change=change, kind="object", root=root, path=path, member=member)  # type: ignore[arg-type]
            for root, path, member in sorted(_keys(only, _OBJECT_KEY))
        )
    for key, delta, masked in _changes(inventory, old, new):
        root, path, member, locator, entity_type, value_key = key
        rows.append(
            DiffRow(
                change="added" if delta > 0 else "removed",
                kind="finding",
                root=root,
                path=path,
                member=member,
                locator=locator,
                entity_type=entity_type,
                masked=masked,
                value_key=value_key,
                count=abs(delta),
                dismissed=dismissals.matches(root, path, locator, entity_type, value_key),
            )
        )
    return ScanDiff(old=old, new=new, rows=tuple(rows))


ROWS_IN_MEMORY: Final = 1_000_000
"""Findings of both scans read into memory at once at most. Past that, the findings are spilled
into buckets by object (a hash of the path, so every finding of an object, in both scans, is in
the same bucket) in a private temporary folder, and the buckets are compared one at a time:
memory then grows with the changes, not with the findings."""


def _changes(
    inventory: Inventory, old: ScanInfo, new: ScanInfo, *, rows_in_memory: int = ROWS_IN_MEMORY
) -> list[tuple[tuple[str, ...], int, str]]:
    """:func:`_changed_findings` of the two scans, in buckets when they are large; sorted by
    key, as from one comparison."""
    columns = [*_FINDING_KEY, "masked"]
    buckets = -(-(max(old.findings, 0) + max(new.findings, 0)) // max(rows_in_memory, 1))
    if buckets <= 1:
        return _changed_findings(
            inventory.findings_of_scans([old.scan_id], columns=columns),
            inventory.findings_of_scans([new.scan_id], columns=columns),
        )
    changes: list[tuple[tuple[str, ...], int, str]] = []
    with tempfile.TemporaryDirectory(prefix="piiscan-diff-") as spill:  # created 0700
        folder = Path(spill)
        for side, info in (("old", old), ("new", new)):
            _spill(inventory.iter_findings(info.scan_id), columns, buckets, folder / side)
        for bucket in range(buckets):
            changes.extend(
                _changed_findings(
                    _bucket(folder / "old", bucket, columns),
                    _bucket(folder / "new", bucket, columns),
                )
            )
    return sorted(changes)


def _spill(
    batches: Iterator[pa.RecordBatch], columns: list[str], buckets: int, folder: Path
) -> None:
    """Write each finding into the Arrow file of its bucket under ``folder``."""
    folder.mkdir()
    writers: dict[int, pa.ipc.RecordBatchFileWriter] = {}
    try:
        for batch in batches:
            batch = batch.select(columns)
            paths = batch.column(columns.index("path")).to_pylist()
            numbers = pa.array(
                [zlib.crc32(path.encode("utf-8", "surrogatepass")) % buckets for path in paths],
                type=pa.int32(),
            )
            for bucket in pc.unique(numbers).to_pylist():
                if bucket not in writers:
                    writers[bucket] = pa.ipc.new_file(folder / f"{bucket}.arrow", batch.schema)
                writers[bucket].write_batch(batch.filter(pc.equal(numbers, bucket)))
    finally:
        for writer in writers.values():
            writer.close()


def _bucket(folder: Path, bucket: int, columns: list[str]) -> pa.Table:
    path = folder / f"{bucket}.arrow"
    if not path.exists():
        return FINDINGS_SCHEMA.empty_table().select(columns)
    with pa.memory_map(str(path)) as source:
        return pa.ipc.open_file(source).read_all()


def _keys(table: pa.Table, columns: tuple[str, ...]) -> set[tuple[str, ...]]:
    return set(zip(*(table[name].to_pylist() for name in columns), strict=True))


# Arrow's grouping and joins run single-threaded: on a busy machine (a scan server, CI) its
# thread pool was 5-8 times slower than one thread over the same rows.


def _grouped(table: pa.Table, suffix: str) -> pa.Table:
    """Findings counted by :data:`_FINDING_KEY`, with one masked preview of each."""
    grouped = table.group_by(list(_FINDING_KEY), use_threads=False).aggregate(
        [("masked", "count"), ("masked", "min")]
    )
    return grouped.select([*_FINDING_KEY, "masked_count", "masked_min"]).rename_columns(
        [*_FINDING_KEY, f"count_{suffix}", f"masked_{suffix}"]
    )


def _changed_findings(old: pa.Table, new: pa.Table) -> list[tuple[tuple[str, ...], int, str]]:
    """``(key, new count - old count, masked)`` of every finding key whose count changed,
    sorted by key. Counting and matching run in Arrow; only the changes become Python."""
    joined = _grouped(old, "old").join(
        _grouped(new, "new"), keys=list(_FINDING_KEY), join_type="full outer", use_threads=False
    )
    delta = pc.subtract(
        pc.fill_null(pc.cast(joined["count_new"], pa.int64()), 0),
        pc.fill_null(pc.cast(joined["count_old"], pa.int64()), 0),
    )
    joined = joined.append_column("delta", delta).filter(pc.not_equal(delta, 0))
    masked = pc.coalesce(joined["masked_new"], joined["masked_old"]).to_pylist()
    keys = zip(*(joined[name].to_pylist() for name in _FINDING_KEY), strict=True)
    return sorted(zip(keys, joined["delta"].to_pylist(), masked, strict=True))
