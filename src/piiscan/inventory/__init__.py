"""The Parquet inventory: schema, atomic writer, reader.

See :mod:`piiscan.inventory.schema` for the tables and columns, :mod:`.writer` for how a scan
is written and :mod:`.reader` for how it is read.
"""

from __future__ import annotations

from piiscan.inventory.reader import Inventory, ScanInfo, Summary, rows_as_dicts, top_folder
from piiscan.inventory.schema import (
    FINDINGS_SCHEMA,
    OBJECTS_SCHEMA,
    SCANS_SCHEMA,
    SCHEMA_VERSION,
    UPGRADES,
    ScanStatus,
    Upgrade,
)
from piiscan.inventory.writer import InventoryWriter, check_inventory_key, new_scan_id

__all__ = [
    "FINDINGS_SCHEMA",
    "OBJECTS_SCHEMA",
    "SCANS_SCHEMA",
    "SCHEMA_VERSION",
    "UPGRADES",
    "Inventory",
    "InventoryWriter",
    "ScanInfo",
    "ScanStatus",
    "Summary",
    "Upgrade",
    "check_inventory_key",
    "new_scan_id",
    "rows_as_dicts",
    "top_folder",
]
