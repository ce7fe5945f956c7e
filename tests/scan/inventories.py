"""Inventories compared between scans: objects and findings, never timings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from piiscan.inventory import Inventory, rows_as_dicts
from piiscan.inventory.layout import META_REPLACES

# Compared between scans: everything but the scan id, timings and the content hash's input.
OBJECT_COLUMNS = ("root", "path", "member", "size", "mtime", "content_hash", "media_type",
                  "status", "reason", "findings", "known_values")  # fmt: skip


def inventory_rows(inventory: Path) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The objects and findings of the inventory's one scan, sorted, without the scan id."""
    reader = Inventory(inventory)
    (info,) = reader.scans()
    assert info.status == "complete"
    objects = sorted(
        tuple(row[column] for column in OBJECT_COLUMNS) for row in rows_as_dicts(reader.objects())
    )
    findings = sorted(
        tuple(repr(value) for name, value in sorted(row.items()) if name != "scan_id")
        for row in rows_as_dicts(reader.findings())
    )
    assert info.objects == len(objects)
    assert info.findings == len(findings)
    return objects, findings


def compacted_tasks(inventory: Path) -> list[str]:
    """The task parts (a Dask scan's) that the numbered parts of the inventory's scans hold,
    compacted when the scan closed (their footers name them)."""
    names = []
    for path in (inventory / "objects").glob("*/part-*.parquet"):
        metadata = pq.read_schema(path).metadata or {}
        names += [name for name in metadata.get(META_REPLACES, b"").decode().split(",") if name]
    return names
