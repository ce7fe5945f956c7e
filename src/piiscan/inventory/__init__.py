"""The Parquet inventory: schema, layout, a writer of parts, reader.

See :mod:`piiscan.inventory.schema` for the tables and columns, :mod:`.layout` for where the
files are, :mod:`.writer` for how a scan is written and :mod:`.reader` for how it is read.
"""

from __future__ import annotations

from piiscan.inventory.layout import Layout
from piiscan.inventory.reader import Inventory, ScanInfo, Summary, rows_as_dicts, top_folder
from piiscan.inventory.schema import (
    COLUMNS_SCHEMA,
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
    "COLUMNS_SCHEMA",
    "FINDINGS_SCHEMA",
    "OBJECTS_SCHEMA",
    "SCANS_SCHEMA",
    "SCHEMA_VERSION",
    "UPGRADES",
    "Inventory",
    "InventoryWriter",
    "Layout",
    "ScanInfo",
    "ScanStatus",
    "Summary",
    "Upgrade",
    "check_inventory_key",
    "new_scan_id",
    "rows_as_dicts",
    "top_folder",
]
