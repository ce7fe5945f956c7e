"""Append-only tables kept as one Parquet file per row: ``lookups`` and ``dismissals``.

A row is written once under a temporary name, synced, and renamed into place (created
``0600``, its folder ``0700``); piiscan never rewrites or deletes one, and scans leave the
folder alone. A file per row makes appending safe without a lock: two people recording at
the same moment write two files, and a crash leaves at most a temporary file readers skip.
"""

from __future__ import annotations

import os
import secrets
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from piiscan.errors import InventoryError

__all__ = ["append_row", "new_row_id", "read_rows"]


def new_row_id(at: datetime) -> str:
    """A sortable, unique row id: ``YYYYMMDDTHHMMSSffffffZ-xxxxxxxx`` (``at`` in UTC)."""
    return f"{at:%Y%m%dT%H%M%S%fZ}-{secrets.token_hex(4)}"


def append_row(
    folder: Path, row_id: str, row: dict[str, Any], schema: pa.Schema, *, what: str
) -> None:
    """Write ``row`` (one value per column) as ``folder/<row_id>.parquet``.

    :param what: what the row records, for the error (``lookup``, ``dismissal``).
    :raises InventoryError: when the row cannot be written.
    """
    temporary = folder / f".{row_id}.parquet.tmp"
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            table = pa.table({name: [value] for name, value in row.items()}, schema=schema)
            pq.write_table(table, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, folder / f"{row_id}.parquet")
    except (OSError, pa.ArrowException) as error:
        reason = (
            error.strerror
            if isinstance(error, OSError) and error.strerror
            else type(error).__name__
        )
        raise InventoryError(f"cannot record the {what} in {folder}: {reason}") from None


def read_rows(folder: Path, schema: pa.Schema, id_column: str) -> pa.Table:
    """Every row of the folder, oldest first (by ``at``, then ``id_column``); an empty table
    when there is none.

    :raises InventoryError: when a file of the table cannot be read.
    """
    paths = sorted(folder.glob("*.parquet")) if folder.is_dir() else []
    tables = []
    for path in paths:
        try:
            tables.append(pq.read_table(path, schema=schema))
        except (OSError, pa.ArrowException) as error:
            raise InventoryError(f"cannot read {path}: {type(error).__name__}") from None
    if not tables:
        return schema.empty_table()
    return pa.concat_tables(tables).sort_by([("at", "ascending"), (id_column, "ascending")])
