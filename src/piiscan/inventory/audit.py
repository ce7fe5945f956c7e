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

import os
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

import pyarrow as pa
import pyarrow.parquet as pq

from piiscan.errors import InventoryError

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
    lookup_id = f"{at:%Y%m%dT%H%M%S%fZ}-{secrets.token_hex(4)}"
    folder = Path(inventory) / LOOKUPS_DIRECTORY
    row = {
        "lookup_id": [lookup_id],
        "at": [at],
        "operator": [record.operator],
        "case": [record.case],
        "purpose": [record.purpose],
        "value_keys": [sorted(record.value_keys)],
        "key_fingerprint": [record.key_fingerprint],
        "scans": [list(record.scans)],
        "confirmed": [record.confirmed],
        "possible": [record.possible],
    }
    temporary = folder / f".{lookup_id}.parquet.tmp"
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            pq.write_table(pa.table(row, schema=LOOKUPS_SCHEMA), handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, folder / f"{lookup_id}.parquet")
    except (OSError, pa.ArrowException) as error:
        reason = (
            error.strerror
            if isinstance(error, OSError) and error.strerror
            else type(error).__name__
        )
        raise InventoryError(f"cannot record the lookup in {folder}: {reason}") from None
    return lookup_id


def read_lookups(inventory: Path) -> pa.Table:
    """Every recorded lookup, oldest first (an empty table when there is none).

    :raises InventoryError: when a file of the table cannot be read.
    """
    folder = Path(inventory) / LOOKUPS_DIRECTORY
    paths = sorted(folder.glob("*.parquet")) if folder.is_dir() else []
    tables = []
    for path in paths:
        try:
            tables.append(pq.read_table(path, schema=LOOKUPS_SCHEMA))
        except (OSError, pa.ArrowException) as error:
            raise InventoryError(f"cannot read {path}: {type(error).__name__}") from None
    if not tables:
        return LOOKUPS_SCHEMA.empty_table()
    return pa.concat_tables(tables).sort_by([("at", "ascending"), ("lookup_id", "ascending")])
