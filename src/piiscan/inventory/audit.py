"""The ``lookups`` table: an append-only record of every subject lookup.

Looking a person up is itself processing of their personal data, and a tool that can find
everyone's data must show who used it and why. Every :func:`piiscan.subject.lookup_subject` call
made through the CLI appends one row here: when, who, the case, the purpose, the identifiers as
value keys only (never raw), and how many places it returned.

Each lookup is its own file, ``lookups/<lookup_id>.parquet``, written under a temporary name,
synced and renamed into place, created ``0600``. Rows are never rewritten or deleted by piiscan,
and later scans leave the folder alone, so the record survives rescans.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

import pyarrow as pa

from piiscan.inventory.record_folder import append_row, new_row_id, read_rows

__all__ = ["LOOKUPS_SCHEMA", "LookupRecord", "append_lookup", "read_lookups"]

LOOKUPS_DIRECTORY: Final = "lookups"

#: One row per lookup.
#:
#: - ``lookup_id``: sortable id, ``YYYYMMDDTHHMMSSffffffZ-xxxxxxxx``.
#: - ``at``: when (UTC). ``operator``: who ran it (``--operator``, default the OS user).
#: - ``case``: the case number, empty when none was given (allowed, and visible as such).
#: - ``purpose``: ``access``, ``erasure`` or ``verify``.
#: - ``value_keys``: the keys looked up, never the identifiers themselves.
#: - ``key_fingerprint``: the key those value keys were made with.
#: - ``scans``: the scans searched. ``confirmed``, ``possible``: places returned.
LOOKUPS_SCHEMA: Final = pa.schema(
    [
        pa.field("lookup_id", pa.string(), nullable=False),
        pa.field("at", pa.timestamp("us", tz="UTC"), nullable=False),
        pa.field("operator", pa.string(), nullable=False),
        pa.field("case", pa.string(), nullable=False),
        pa.field("purpose", pa.string(), nullable=False),
        pa.field("value_keys", pa.list_(pa.string()), nullable=False),
        pa.field("key_fingerprint", pa.string(), nullable=False),
        pa.field("scans", pa.list_(pa.string()), nullable=False),
        pa.field("confirmed", pa.int64(), nullable=False),
        pa.field("possible", pa.int64(), nullable=False),
    ],
    metadata={b"piiscan.table": b"lookups", b"piiscan.lookups_version": b"1"},
)


@dataclass(frozen=True, slots=True, kw_only=True)
class LookupRecord:
    """One audit row; see :data:`LOOKUPS_SCHEMA` for the fields."""

    operator: str
    case: str
    purpose: str
    value_keys: Sequence[str]
    key_fingerprint: str
    scans: Sequence[str]
    confirmed: int
    possible: int
    at: datetime | None = None


def append_lookup(inventory: Path, record: LookupRecord) -> str:
    """Append ``record`` to the inventory's ``lookups`` table.

    :returns: the new row's ``lookup_id``.
    :raises InventoryError: when the row cannot be written (the lookup's answer must then not
        be given: an unrecorded lookup is what the table exists to prevent).
    """
    at = (record.at or datetime.now(UTC)).astimezone(UTC)
    lookup_id = new_row_id(at)
    folder = Path(inventory) / LOOKUPS_DIRECTORY
    row = {
        "lookup_id": lookup_id,
        "at": at,
        "operator": record.operator,
        "case": record.case,
        "purpose": record.purpose,
        "value_keys": sorted(record.value_keys),
        "key_fingerprint": record.key_fingerprint,
        "scans": list(record.scans),
        "confirmed": record.confirmed,
        "possible": record.possible,
    }
    append_row(folder, lookup_id, row, LOOKUPS_SCHEMA, what="lookup")
    return lookup_id


def read_lookups(inventory: Path) -> pa.Table:
    """Every recorded lookup, oldest first (an empty table when there is none).

    :raises InventoryError: when a file of the table cannot be read.
    """
    return read_rows(Path(inventory) / LOOKUPS_DIRECTORY, LOOKUPS_SCHEMA, "lookup_id")
