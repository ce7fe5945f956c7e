"""Tests of Inventory: listing scans, reading and filtering tables, summaries, upgrades."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from piiscan.errors import InventoryError
from piiscan.inventory import (
    FINDINGS_SCHEMA,
    OBJECTS_SCHEMA,
    SCANS_SCHEMA,
    Inventory,
    ScanInfo,
    Summary,
    rows_as_dicts,
    top_folder,
)
from piiscan.inventory.schema import (
    META_KEY_FINGERPRINT,
    META_SCHEMA_VERSION,
    META_TABLE,
    UPGRADES,
    upgrade_table,
)
from piiscan.model import Status

from .conftest import EMAIL, KEYER, OTHER_KEYER, ROOT, WriterFactory, record, result

OLD = "20261120T100000Z-0001"
NEW = "20261121T100000Z-0002"
PNR_A = "191212121212"
PNR_B = "200001012384"  # fictional


@pytest.fixture
def two_scans(inventory_dir: Path, make_writer: WriterFactory) -> Path:
    """An inventory with an older scan of one file and a newer, richer one."""
    with make_writer(OLD) as writer:
        writer.add(result("gammal.txt", record(PNR_A)))
    with make_writer(NEW) as writer:
        writer.add(result("Personal/a.txt", record(PNR_A), record(PNR_B, start=20)))
        writer.add(
            result(
                "Personal/2019/b.xlsx",
                record(EMAIL, entity_type="EMAIL_ADDRESS", masked="a***@exempel.se"),
            )
        )
        writer.add(result("c.txt", record(PNR_B)))
        writer.add(result("d.txt", record(PNR_A), root="/srv/other"))
        writer.add(result("e.pdf", status=Status.NO_TEXT, reason="no text layer"))
        writer.add(result("f.bin", status=Status.ERROR, reason="read error"))
    return inventory_dir


@pytest.mark.parametrize(
    "setup",
    ["missing", "empty", "only-tmp", "empty-scans-dir", "orphans-only"],
)
def test_no_inventory(tmp_path: Path, setup: str) -> None:
    directory = tmp_path / "inv"
    if setup != "missing":
        directory.mkdir()
    if setup == "only-tmp":
        (directory / ".scans-x.parquet.tmp").write_bytes(b"partial")
    if setup == "empty-scans-dir":
        (directory / "scans").mkdir()
    if setup == "orphans-only":
        (directory / "objects").mkdir()
        pq.write_table(OBJECTS_SCHEMA.empty_table(), directory / "objects" / "x.parquet")
    with pytest.raises(InventoryError, match="no inventory at"):
        Inventory(directory)


def test_scans_listed_oldest_first(two_scans: Path) -> None:
    inventory = Inventory(two_scans)
    infos = inventory.scans()
    assert [info.scan_id for info in infos] == [OLD, NEW]
    assert all(isinstance(info, ScanInfo) for info in infos)
    newest = infos[-1]
    assert (newest.objects, newest.findings, newest.errors) == (6, 5, 1)
    assert newest.status == "complete"
    assert newest.roots == (ROOT,)
    assert newest.recognizers == ("se.personnummer@1", "email@1")
    assert newest.key_fingerprint == KEYER.fingerprint
    assert newest.started.tzinfo is not None
    assert inventory.latest_scan_id() == NEW


def test_latest_is_by_start_time(inventory_dir: Path, make_writer: WriterFactory) -> None:
    # Ids sort the other way round; the start time decides.
    with make_writer("zzz-first"):
        pass
    with make_writer("aaa-second"):
        pass
    assert Inventory(inventory_dir).latest_scan_id() == "aaa-second"


@pytest.mark.parametrize(
    ("scan_id", "objects", "findings"),
    [(None, 6, 5), (NEW, 6, 5), (OLD, 1, 1)],
    ids=["default-latest", "new", "old"],
)
def test_tables_per_scan(two_scans: Path, scan_id: str | None, objects: int, findings: int) -> None:
    inventory = Inventory(two_scans)
    assert inventory.objects(scan_id).num_rows == objects
    assert inventory.findings(scan_id).num_rows == findings
    assert inventory.objects(scan_id).schema.equals(OBJECTS_SCHEMA)
    assert inventory.findings(scan_id).schema.equals(FINDINGS_SCHEMA)


def test_unknown_scan(two_scans: Path) -> None:
    inventory = Inventory(two_scans)
    for call in (inventory.objects, inventory.findings, inventory.summary):
        with pytest.raises(InventoryError, match="no scan 'nope'"):
            call("nope")


# In place order: root ("/srv/other" before "/srv/share"), then path.
ALL_PATHS = ["d.txt", "Personal/2019/b.xlsx", "Personal/a.txt", "Personal/a.txt", "c.txt"]


@pytest.mark.parametrize(
    ("value_keys", "entity_types", "paths"),
    [
        (None, None, ALL_PATHS),
        ([KEYER.value_key(PNR_A)], None, ["d.txt", "Personal/a.txt"]),
        ({KEYER.value_key(PNR_A), KEYER.value_key(PNR_B)}, None,
         ["d.txt", "Personal/a.txt", "Personal/a.txt", "c.txt"]),
        ([OTHER_KEYER.value_key(PNR_A)], None, []),
        ([], None, []),
        (None, ["EMAIL_ADDRESS"], ["Personal/2019/b.xlsx"]),
        (None, ["SE_PERSONNUMMER", "EMAIL_ADDRESS"], ALL_PATHS),
        ([KEYER.value_key(PNR_B)], ["EMAIL_ADDRESS"], []),
        ([KEYER.value_key(EMAIL)], ["EMAIL_ADDRESS"], ["Personal/2019/b.xlsx"]),
    ],
    ids=["all", "one-key", "two-keys", "other-key", "no-keys", "entity", "entities",
         "key-and-wrong-entity", "key-and-entity"],
)  # fmt: skip
def test_findings_filters(
    two_scans: Path,
    value_keys: list[str] | set[str] | None,
    entity_types: list[str] | None,
    paths: list[str],
) -> None:
    table = Inventory(two_scans).findings(value_keys=value_keys, entity_types=entity_types)
    assert table["path"].to_pylist() == paths


def test_summary(two_scans: Path) -> None:
    assert Inventory(two_scans).summary() == Summary(
        scan_id=NEW,
        objects=6,
        findings=5,
        objects_by_status=(("ok", 4), ("error", 1), ("no_text", 1)),
        findings_by_entity=(("SE_PERSONNUMMER", 4), ("EMAIL_ADDRESS", 1)),
        findings_by_folder=(
            (ROOT, "Personal", 3),
            ("/srv/other", ".", 1),
            (ROOT, ".", 1),
        ),
    )
    assert Inventory(two_scans).summary(OLD).findings_by_folder == ((ROOT, ".", 1),)


@pytest.mark.parametrize(
    ("path", "folder"),
    [
        ("a.txt", "."),
        ("Personal/a.txt", "Personal"),
        ("Personal/2019/b.xlsx", "Personal"),
        ("/leading/slash.txt", "leading"),
        ("", "."),
    ],
)
def test_top_folder(path: str, folder: str) -> None:
    assert top_folder(path) == folder


def test_ignores_temporary_and_orphan_files(two_scans: Path, make_writer: WriterFactory) -> None:
    (two_scans / ".scans-junk.parquet.tmp").write_bytes(b"partial")
    (two_scans / "scans" / ".hidden.parquet").write_bytes(b"partial")
    pq.write_table(
        FINDINGS_SCHEMA.empty_table(), two_scans / "findings" / "20261130T000000Z-dead.parquet"
    )
    with make_writer("20261201T000000Z-busy") as writer:
        writer.add(result("x.txt"))
        inventory = Inventory(two_scans)
        assert [info.scan_id for info in inventory.scans()] == [OLD, NEW]
        assert inventory.latest_scan_id() == NEW


def test_missing_table_file_of_listed_scan(two_scans: Path) -> None:
    (two_scans / "objects" / NEW / "part-000001.parquet").unlink()
    with pytest.raises(InventoryError, match="missing"):
        Inventory(two_scans).objects()


def test_corrupt_file(two_scans: Path) -> None:
    (two_scans / "findings" / NEW / "part-000001.parquet").write_bytes(b"not parquet")
    with pytest.raises(InventoryError, match="cannot read"):
        Inventory(two_scans).findings()


def test_foreign_parquet_refused(two_scans: Path) -> None:
    pq.write_table(pa.table({"x": [1]}), two_scans / "scans" / "foreign.parquet")
    with pytest.raises(InventoryError, match="not a piiscan inventory file"):
        Inventory(two_scans).scans()


def test_key_fingerprint(two_scans: Path) -> None:
    inventory = Inventory(two_scans)
    assert inventory.key_fingerprint == KEYER.fingerprint
    inventory.check_fingerprint(KEYER.fingerprint)
    with pytest.raises(InventoryError, match="--key-file") as caught:
        inventory.check_fingerprint(OTHER_KEYER.fingerprint)
    assert OTHER_KEYER.key.hex() not in str(caught.value)


def test_sees_scans_finished_after_opening(inventory_dir: Path, make_writer: WriterFactory) -> None:
    with make_writer(OLD):
        pass
    inventory = Inventory(inventory_dir)
    with make_writer(NEW):
        pass
    assert inventory.latest_scan_id() == NEW


def test_rows_as_dicts_json_safe(two_scans: Path) -> None:
    inventory = Inventory(two_scans)
    (scan,) = rows_as_dicts(pa.Table.from_pylist([{"scan_id": OLD}]))  # any table works
    assert scan == {"scan_id": OLD}
    findings = list(rows_as_dicts(inventory.findings(OLD)))
    assert findings[0]["score"] == 0.95
    assert findings[0]["value_key"] == KEYER.value_key(PNR_A)
    objects = list(rows_as_dicts(inventory.objects()))
    assert objects[0]["mtime"] is None
    json.dumps(findings + objects)


def test_rows_as_dicts_timestamps(inventory_dir: Path, make_writer: WriterFactory) -> None:
    with make_writer(OLD) as writer:
        writer.add(result("a.txt", mtime=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC).timestamp()))
    inventory = Inventory(inventory_dir)
    (row,) = rows_as_dicts(inventory.objects())
    assert row["mtime"] == "2026-01-02T03:04:05+00:00"
    scans = pq.read_table(inventory_dir / "scans" / f"{OLD}.parquet")
    (scan_row,) = rows_as_dicts(scans)
    assert datetime.fromisoformat(scan_row["started"]).tzinfo is not None
    json.dumps(scan_row)


# -- schema upgrades -------------------------------------------------------------------------

V0_SCANS_SCHEMA = pa.schema([field for field in SCANS_SCHEMA if field.name != "errors"])


def write_v0_inventory(directory: Path) -> None:
    """An inventory as a fictional version 0 wrote it: ``scans`` had no ``errors`` column."""
    tables = {
        "scans": V0_SCANS_SCHEMA.empty_table(),
        "objects": OBJECTS_SCHEMA.empty_table(),
        "findings": FINDINGS_SCHEMA.empty_table(),
    }
    now = datetime(2025, 1, 1, tzinfo=UTC)
    tables["scans"] = pa.Table.from_pylist(
        [
            {"scan_id": "v0-scan", "started": now, "finished": now, "roots": [ROOT],
             "config_hash": "old", "piiscan_version": "0.0.1", "recognizers": [],
             "key_fingerprint": KEYER.fingerprint, "objects": 0, "findings": 0,
             "status": "complete"}
        ],
        schema=V0_SCANS_SCHEMA,
    )  # fmt: skip
    for name, table in tables.items():
        (directory / name).mkdir(parents=True)
        metadata = {
            META_SCHEMA_VERSION: b"0",
            META_KEY_FINGERPRINT: KEYER.fingerprint.encode(),
            META_TABLE: name.encode(),
        }
        target = directory / name / "v0-scan.parquet"
        pq.write_table(table.replace_schema_metadata(metadata), target)


def add_errors_column(name: str, table: pa.Table) -> pa.Table:
    """The fictional upgrade 0 → 1: add ``errors`` to ``scans`` (unknown, so 0)."""
    if name != "scans":
        return table
    index = SCANS_SCHEMA.get_field_index("errors")
    return table.add_column(
        index, SCANS_SCHEMA.field("errors"), pa.array([0] * table.num_rows, pa.int64())
    )


def test_old_version_upgraded_by_hook(tmp_path: Path) -> None:
    write_v0_inventory(tmp_path)
    inventory = Inventory(tmp_path, upgrades={**UPGRADES, 0: add_errors_column})
    (info,) = inventory.scans()
    assert (info.scan_id, info.errors, info.piiscan_version) == ("v0-scan", 0, "0.0.1")
    assert inventory.summary().objects == 0


def test_old_version_without_upgrade_refused(tmp_path: Path) -> None:
    write_v0_inventory(tmp_path)
    with pytest.raises(InventoryError, match="no upgrade from it"):
        Inventory(tmp_path).scans()


def test_broken_upgrade_refused(tmp_path: Path) -> None:
    write_v0_inventory(tmp_path)
    inventory = Inventory(tmp_path, upgrades={**UPGRADES, 0: lambda name, table: table})
    with pytest.raises(InventoryError, match="does not match the schema"):
        inventory.scans()


def test_newer_version_refused(two_scans: Path) -> None:
    path = two_scans / "scans" / f"{NEW}.parquet"
    table = pq.read_table(path)
    metadata = {**(table.schema.metadata or {}), META_SCHEMA_VERSION: b"99"}
    pq.write_table(table.replace_schema_metadata(metadata), path)
    with pytest.raises(InventoryError, match="newer than this piiscan"):
        Inventory(two_scans).scans()


def test_compatible_types_are_cast() -> None:
    # e.g. a file rewritten by another tool with nullable columns and large strings
    loose = pa.table(
        {name: pa.array([], type=pa.large_string()) if field.type == pa.string() else
         pa.array([], type=field.type) for name, field in zip(
             FINDINGS_SCHEMA.names, FINDINGS_SCHEMA, strict=True)}
    )  # fmt: skip
    assert upgrade_table("findings", loose, 1).schema.equals(FINDINGS_SCHEMA)
