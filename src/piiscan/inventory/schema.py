"""The Parquet schemas of the inventory, and the upgrade path from older versions.

An inventory is a directory with one sub-directory per table (where each file lives:
:mod:`piiscan.inventory.layout`)::

    inventory/
      scans/<scan_id>.parquet          one row: what was scanned, when, how, with which key
      objects/<scan_id>/part-*.parquet one row per object visited, also skipped and failed ones
      findings/<scan_id>/part-*.parquet one row per finding; never a raw value
      columns/<scan_id>/part-*.parquet  one row per (object, table, column, entity type) of
                                        tabular sources: how many rows hold that type

A table added later is not a version change either: ``columns`` came with piiscan 0.2, and an
inventory written before it simply has none (readers return an empty table).
The file layout is not part of the schema version: parts hold the same columns as the single
files per scan that inventories held before them.

Every file carries in its Parquet key-value metadata the :data:`SCHEMA_VERSION` it was written
with (``piiscan.schema_version``), the fingerprint of the key its value keys were made with
(``piiscan.key_fingerprint``) and its table name (``piiscan.table``).

Column names and meanings are a public contract (the CLI prints them, other tools read the
files). A change bumps :data:`SCHEMA_VERSION` and adds an entry to :data:`UPGRADES` that turns a
table of the previous version into the new one, so that old inventories stay readable.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Final, Literal

import pyarrow as pa

from piiscan.errors import InventoryError

__all__ = [
    "COLUMNS_SCHEMA",
    "FINDINGS_SCHEMA",
    "META_KEY_FINGERPRINT",
    "META_SCHEMA_VERSION",
    "META_TABLE",
    "OBJECTS_SCHEMA",
    "OPEN_STATUS",
    "SCANS_SCHEMA",
    "SCAN_ID_PATTERN",
    "SCAN_STATUSES",
    "SCHEMA_VERSION",
    "TABLES",
    "UPGRADES",
    "ScanStatus",
    "TableName",
    "Upgrade",
    "schema_for",
    "upgrade_table",
]

#: Version of the column layout below. Bump it, and add to :data:`UPGRADES`, on any change.
SCHEMA_VERSION: Final = 3

#: The shape of a scan id (``20261121T215930Z-3f2a``, or one a caller chose): it names files,
#: so anything else could reach outside the inventory.
SCAN_ID_PATTERN: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")

META_SCHEMA_VERSION: Final = b"piiscan.schema_version"
META_KEY_FINGERPRINT: Final = b"piiscan.key_fingerprint"
META_TABLE: Final = b"piiscan.table"

TableName = Literal["scans", "objects", "findings", "columns"]
ScanStatus = Literal["complete", "interrupted"]

#: The tables, in the order the writer renames them into place (``scans`` last: a scan exists
#: for readers once its ``scans`` file exists).
TABLES: Final[tuple[TableName, ...]] = ("findings", "columns", "objects", "scans")
SCAN_STATUSES: Final[tuple[ScanStatus, ...]] = ("complete", "interrupted")
#: The status in the row a scan writes when it starts (``scans/open/``); the closed row says
#: ``complete`` or ``interrupted``. A reader that finds only the open row (asked to show open
#: scans) cannot tell a running scan from one killed before it could close.
OPEN_STATUS: Final = "open"

_TIMESTAMP = pa.timestamp("us", tz="UTC")


def _required(name: str, type_: pa.DataType) -> pa.Field:
    return pa.field(name, type_, nullable=False)


#: One row per scan.
#:
#: - ``scan_id``: sortable id, ``YYYYMMDDTHHMMSSZ-xxxx`` (UTC start time, random suffix).
#: - ``started``, ``finished``: UTC.
#: - ``roots``: the roots as the user named them.
#: - ``config_hash``: hash of the effective scan configuration, to tell comparable scans apart.
#: - ``piiscan_version``: the version that wrote the scan.
#: - ``recognizers``: ``id@version`` of every recognizer that ran, e.g. ``se.personnummer@1``.
#: - ``key_fingerprint``: :attr:`piiscan.keys.Keyer.fingerprint` of the key behind the value keys.
#: - ``objects``, ``findings``: row counts of the scan's other two files.
#: - ``errors``: objects whose status is ``error``, ``timed_out`` or ``partial``
#:   (:attr:`piiscan.model.Status.is_error`; other statuses are counted in ``objects``).
#: - ``status``: ``complete``, or ``interrupted`` when the scan stopped early (Ctrl-C, crash);
#:   an interrupted scan's rows are valid but the walk did not finish.
SCANS_SCHEMA: Final = pa.schema(
    [
        _required("scan_id", pa.string()),
        _required("started", _TIMESTAMP),
        _required("finished", _TIMESTAMP),
        _required("roots", pa.list_(pa.string())),
        _required("config_hash", pa.string()),
        _required("piiscan_version", pa.string()),
        _required("recognizers", pa.list_(pa.string())),
        _required("key_fingerprint", pa.string()),
        _required("objects", pa.int64()),
        _required("findings", pa.int64()),
        _required("errors", pa.int64()),
        _required("status", pa.string()),
    ]
)

#: One row per object visited, including skipped and failed ones.
#:
#: - ``root``, ``path``: the root as named, and the path relative to it with ``/`` separators.
#: - ``member``: the chain of members inside containers joined with ``!/``
#:   (:attr:`piiscan.model.ObjectRef.member`); empty for the file itself.
#: - ``size`` (bytes) and ``mtime``: null when unknown.
#: - ``content_hash``: empty when not computed. ``media_type``: empty when unknown.
#: - ``status``: a :class:`piiscan.model.Status` value; ``reason``: why, without personal data.
#:   ``partial`` means the object was read except for the parts the reason names (CSV records
#:   by row, PDF pages by number); the findings of everything else are in ``findings``.
#:   A status added later is not a column change: readers must accept values they do not know.
#: - ``findings``: number of findings in the object; ``duration_ms``: time spent on it.
#: - ``known_values``: findings of the organisation's own values (``[known_values]`` in the
#:   config file, :mod:`piiscan.known`), counted here instead of being findings (version 2).
#: - ``read_at``: when the object was read (UTC); null in scans written before version 3.
#: - ``carried_from``: empty when this scan read the object; else the id of the earlier scan
#:   that read it, whose rows an incremental rescan carried forward because the object's size
#:   and mtime had not changed (version 3). The object's findings and column profiles are
#:   carried with it; ``read_at`` then says when that scan read it.
OBJECTS_SCHEMA: Final = pa.schema(
    [
        _required("scan_id", pa.string()),
        _required("root", pa.string()),
        _required("path", pa.string()),
        _required("member", pa.string()),
        pa.field("size", pa.int64(), nullable=True),
        pa.field("mtime", _TIMESTAMP, nullable=True),
        _required("content_hash", pa.string()),
        _required("media_type", pa.string()),
        _required("status", pa.string()),
        _required("reason", pa.string()),
        _required("findings", pa.int32()),
        _required("duration_ms", pa.float64()),
        _required("known_values", pa.int32()),
        pa.field("read_at", _TIMESTAMP, nullable=True),
        _required("carried_from", pa.string()),
    ]
)

#: One row per finding. There is no column for the value itself.
#:
#: - ``locator``: where in the object (``page=2``, ``sheet=Kunder/cell=B3``), steps rendered by
#:   :class:`piiscan.locator.Locator`; empty for plain text. The member chain is not part of it
#:   (it is ``member``). ``name`` and ``folder=N`` locate a finding in the object's own name or
#:   a folder of its path; names from the content (a sheet name) are masked where they hold one.
#: - ``value_key``: HMAC-SHA256 hex of the normalised value (:meth:`piiscan.keys.Keyer.value_key`).
#: - ``masked``: a preview that does not identify anyone (``121212-****``).
#: - ``start``, ``end``: character offsets in the decoded text of the segment.
#: - ``recognizer``: ``id@version``. ``context``: e.g. the column name.
#: - ``flags``: e.g. ``test_identity`` for a published test number.
FINDINGS_SCHEMA: Final = pa.schema(
    [
        _required("scan_id", pa.string()),
        _required("root", pa.string()),
        _required("path", pa.string()),
        _required("member", pa.string()),
        _required("locator", pa.string()),
        _required("entity_type", pa.string()),
        _required("value_key", pa.string()),
        _required("masked", pa.string()),
        _required("start", pa.int32()),
        _required("end", pa.int32()),
        _required("score", pa.float32()),
        _required("recognizer", pa.string()),
        _required("context", pa.string()),
        _required("flags", pa.list_(pa.string())),
    ]
)

#: One row per (object, table, column, entity type) of a tabular source (dumps, SQLite,
#: Parquet, CSV, spreadsheets): how much of the column holds that type. No value, no row key.
#:
#: - ``root``, ``path``, ``member``: the object, as in ``objects``.
#: - ``table``: ``schema.table`` in a dump or database, the sheet of a spreadsheet, ``""`` for
#:   a CSV or Parquet file (one table). ``column``: its name (a header, else its number or
#:   letter).
#: - ``rows_scanned``: rows of the table read; ``rows_matched``: rows whose value in the column
#:   held a finding of ``entity_type``; ``share_matched``: the one over the other (0 to 1).
#: - ``sampled``: only a sample of the table was read (``--sample-rows``); then
#:   ``sample_rows`` is the N asked for. ``rows_total``: rows the table holds, when known.
COLUMNS_SCHEMA: Final = pa.schema(
    [
        _required("scan_id", pa.string()),
        _required("root", pa.string()),
        _required("path", pa.string()),
        _required("member", pa.string()),
        _required("table", pa.string()),
        _required("column", pa.string()),
        _required("entity_type", pa.string()),
        _required("rows_scanned", pa.int64()),
        _required("rows_matched", pa.int64()),
        _required("share_matched", pa.float64()),
        _required("sampled", pa.bool_()),
        pa.field("sample_rows", pa.int64(), nullable=True),
        pa.field("rows_total", pa.int64(), nullable=True),
    ]
)

_SCHEMAS: Final[Mapping[str, pa.Schema]] = MappingProxyType(
    {
        "scans": SCANS_SCHEMA,
        "objects": OBJECTS_SCHEMA,
        "findings": FINDINGS_SCHEMA,
        "columns": COLUMNS_SCHEMA,
    }
)

#: An upgrade step: given the table name and a table of version ``n``, return it at ``n + 1``.
Upgrade = Callable[[str, pa.Table], pa.Table]


def _add_known_values(name: str, table: pa.Table) -> pa.Table:
    """Version 1 to 2: ``objects`` gains ``known_values`` (0: no known values were declared)."""
    if name != "objects" or "known_values" in table.column_names:
        return table
    zeros = pa.array([0] * table.num_rows, type=pa.int32())
    return table.append_column(pa.field("known_values", pa.int32(), nullable=False), zeros)


def _add_read_at(name: str, table: pa.Table) -> pa.Table:
    """Version 2 to 3: ``objects`` gains ``read_at`` (null: not recorded) and ``carried_from``
    (empty: every object of a scan before version 3 was read by that scan)."""
    if name != "objects" or "carried_from" in table.column_names:
        return table
    rows = table.num_rows
    table = table.append_column(
        pa.field("read_at", _TIMESTAMP, nullable=True), pa.nulls(rows, type=_TIMESTAMP)
    )
    empty = pa.array([""] * rows, type=pa.string())
    return table.append_column(pa.field("carried_from", pa.string(), nullable=False), empty)


#: The upgrade steps, keyed by the version they upgrade *from*.
UPGRADES: Final[Mapping[int, Upgrade]] = MappingProxyType({1: _add_known_values, 2: _add_read_at})


def schema_for(table: TableName, *, key_fingerprint: str) -> pa.Schema:
    """The schema of ``table`` with the file metadata every inventory file carries.

    :param table: ``scans``, ``objects``, ``findings`` or ``columns``.
    :param key_fingerprint: fingerprint of the key behind the value keys.
    """
    return _SCHEMAS[table].with_metadata(
        {
            META_SCHEMA_VERSION: str(SCHEMA_VERSION).encode("ascii"),
            META_KEY_FINGERPRINT: key_fingerprint.encode("ascii"),
            META_TABLE: table.encode("ascii"),
        }
    )


def upgrade_table(
    name: TableName,
    table: pa.Table,
    version: int,
    upgrades: Mapping[int, Upgrade] = UPGRADES,
) -> pa.Table:
    """Bring a table read from a file of schema ``version`` to :data:`SCHEMA_VERSION`.

    Applies ``upgrades[version]``, ``upgrades[version + 1]``, ... in turn, then checks the
    result against the current schema. The file metadata is replaced by nothing; callers that
    need it read it from the file.

    :param name: which table this is.
    :param table: the table as read.
    :param version: the schema version recorded in the file.
    :param upgrades: the upgrade steps; :data:`UPGRADES` unless a test passes others.
    :raises InventoryError: if the version is newer than this piiscan, no step leads from it
        to the current version, or the result does not match the current schema.
    """
    if version > SCHEMA_VERSION:
        raise InventoryError(
            f"{name} file has schema version {version}, newer than this piiscan "
            f"understands ({SCHEMA_VERSION}); upgrade piiscan"
        )
    while version < SCHEMA_VERSION:
        step = upgrades.get(version)
        if step is None:
            raise InventoryError(
                f"{name} file has schema version {version} and there is no upgrade from it"
            )
        table = step(name, table)
        version += 1
    expected = _SCHEMAS[name]
    table = table.replace_schema_metadata(None)
    if table.schema.equals(expected):
        return table
    # Same columns with compatible types (e.g. rewritten by another tool): cast them.
    try:
        return table.select(expected.names).cast(expected)
    except (KeyError, ValueError, TypeError, pa.ArrowException):
        raise InventoryError(
            f"{name} file does not match the schema of version {SCHEMA_VERSION}"
        ) from None
