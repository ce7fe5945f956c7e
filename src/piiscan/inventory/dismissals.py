"""The ``dismissals`` table: findings a person marked as false positives, with why and who.

A dismissal names a finding by its place and value, not by a scan: ``path``, ``locator``,
``entity_type`` and ``value_key`` (and ``root`` when given). So it applies to that finding in
every scan, earlier and later, as long as the same value stands at the same place. A dismissed
finding is never deleted: it stays in ``findings`` and the commands show it as dismissed
(``piiscan findings`` has a ``dismissed`` column; diff, retention and the report leave it out of
their counts and say how many were dismissed).

Each dismissal is its own file, ``dismissals/<dismissal_id>.parquet``, written under a temporary
name, synced and renamed into place, created ``0600``, like the ``lookups`` audit table. Scans
leave the folder alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import pyarrow as pa
import pyarrow.compute as pc

from piiscan.errors import ConfigError
from piiscan.inventory.record_folder import append_row, new_row_id, read_rows

__all__ = [
    "DISMISSALS_SCHEMA",
    "Dismissal",
    "Dismissals",
    "append_dismissal",
    "dismissed_flags",
    "load_dismissals",
    "read_dismissals",
    "with_dismissed",
]

DISMISSALS_DIRECTORY: Final = "dismissals"

#: One row per dismissal.
#:
#: - ``dismissal_id``: sortable id, ``YYYYMMDDTHHMMSSffffffZ-xxxxxxxx``.
#: - ``at``: when (UTC). ``by``: who (``--by``, default the OS user). ``reason``: why.
#: - ``root``: the root the finding is under, empty for any root.
#: - ``path``, ``locator``, ``entity_type``, ``value_key``: the finding, as ``findings`` has it.
DISMISSALS_SCHEMA: Final = pa.schema(
    [
        pa.field("dismissal_id", pa.string(), nullable=False),
        pa.field("at", pa.timestamp("us", tz="UTC"), nullable=False),
        pa.field("by", pa.string(), nullable=False),
        pa.field("reason", pa.string(), nullable=False),
        pa.field("root", pa.string(), nullable=False),
        pa.field("path", pa.string(), nullable=False),
        pa.field("locator", pa.string(), nullable=False),
        pa.field("entity_type", pa.string(), nullable=False),
        pa.field("value_key", pa.string(), nullable=False),
    ],
    metadata={b"piiscan.table": b"dismissals", b"piiscan.dismissals_version": b"1"},
)

_HEX64 = frozenset("0123456789abcdef")


@dataclass(frozen=True, slots=True, kw_only=True)
class Dismissal:
    """One finding marked as a false positive; see :data:`DISMISSALS_SCHEMA` for the fields."""

    path: str
    locator: str
    entity_type: str
    value_key: str
    reason: str
    by: str
    root: str = ""
    at: datetime | None = None

    def __post_init__(self) -> None:
        if len(self.value_key) != 64 or not set(self.value_key) <= _HEX64:
            raise ConfigError("--value-key must be a value key: 64 lower-case hex digits")
        if not self.reason.strip():
            raise ConfigError("--reason must say why the finding is dismissed")
        if not self.path or not self.entity_type:
            raise ConfigError("--path and --entity must not be empty")


@dataclass(frozen=True, slots=True)
class Dismissals:
    """Every dismissal of an inventory, ready to match findings against.

    :param keys: ``(root, path, locator, entity_type, value_key)`` of each dismissal; the root
        is empty for a dismissal that applies under any root.
    """

    keys: frozenset[tuple[str, str, str, str, str]]

    @classmethod
    def from_table(cls, table: pa.Table) -> Dismissals:
        """Build from :func:`read_dismissals`'s table."""
        columns = [table[name].to_pylist() for name in
                   ("root", "path", "locator", "entity_type", "value_key")]  # fmt: skip
        return cls(frozenset(zip(*columns, strict=True)))

    def __len__(self) -> int:
        return len(self.keys)

    def matches(self, root: str, path: str, locator: str, entity_type: str, value_key: str) -> bool:
        """Whether a finding at that place with that value is dismissed."""
        return (root, path, locator, entity_type, value_key) in self.keys or (
            "",
            path,
            locator,
            entity_type,
            value_key,
        ) in self.keys


def append_dismissal(inventory: Path, dismissal: Dismissal) -> str:
    """Record ``dismissal`` in the inventory's ``dismissals`` table.

    :returns: the new row's ``dismissal_id``.
    :raises InventoryError: when the row cannot be written.
    """
    at = (dismissal.at or datetime.now(UTC)).astimezone(UTC)
    dismissal_id = new_row_id(at)
    folder = Path(inventory) / DISMISSALS_DIRECTORY
    row = {
        "dismissal_id": dismissal_id,
        "at": at,
        "by": dismissal.by,
        "reason": dismissal.reason.strip(),
        "root": dismissal.root,
        "path": dismissal.path,
        "locator": dismissal.locator,
        "entity_type": dismissal.entity_type,
        "value_key": dismissal.value_key,
    }
    append_row(folder, dismissal_id, row, DISMISSALS_SCHEMA, what="dismissal")
    return dismissal_id


def read_dismissals(inventory: Path) -> pa.Table:
    """Every dismissal, oldest first (an empty table when there is none).

    :raises InventoryError: when a file of the table cannot be read.
    """
    return read_rows(Path(inventory) / DISMISSALS_DIRECTORY, DISMISSALS_SCHEMA, "dismissal_id")


def dismissed_flags(findings: pa.Table, dismissals: Dismissals) -> list[bool]:
    """For each row of a ``findings`` table, whether it is dismissed.

    Only rows whose value key is dismissed somewhere are looked at one by one.
    """
    if not dismissals or findings.num_rows == 0:
        return [False] * findings.num_rows
    wanted = pa.array(sorted({key[4] for key in dismissals.keys}), type=pa.string())
    candidates = pc.is_in(findings["value_key"], value_set=wanted).to_pylist()
    flags = [False] * findings.num_rows
    columns = ("root", "path", "locator", "entity_type", "value_key")
    for index in (i for i, hit in enumerate(candidates) if hit):
        row = tuple(findings[name][index].as_py() for name in columns)
        flags[index] = dismissals.matches(*row)
    return flags


def with_dismissed(
    rows: Iterable[dict[str, Any]], dismissals: Dismissals
) -> Iterator[dict[str, Any]]:
    """``findings`` rows (as dicts) with a ``dismissed`` key added, one row at a time."""
    for row in rows:
        row["dismissed"] = bool(dismissals) and dismissals.matches(
            row["root"], row["path"], row["locator"], row["entity_type"], row["value_key"]
        )
        yield row


def load_dismissals(inventory: Path) -> Dismissals:
    """The inventory's dismissals, ready to match (none when the table is missing)."""
    return Dismissals.from_table(read_dismissals(inventory))
