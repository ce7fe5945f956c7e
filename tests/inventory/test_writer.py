"""Tests of InventoryWriter: files, parts, rows, atomicity, interruption, key checks, no raw
values."""

from __future__ import annotations

import errno
import os
import re
import secrets
import shutil
import stat
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from piiscan.errors import InventoryError
from piiscan.inventory import (
    SCHEMA_VERSION,
    Inventory,
    InventoryWriter,
    new_scan_id,
    rows_as_dicts,
)
from piiscan.inventory.layout import Layout
from piiscan.inventory.schema import META_KEY_FINGERPRINT, META_SCHEMA_VERSION, META_TABLE
from piiscan.inventory.writer import _describe
from piiscan.model import FindingChunk, FindingRecord, Status

from .conftest import EMAIL, KEYER, OTHER_KEYER, PNR, ROOT, WriterFactory, record, result

SCAN = "20261121T215930Z-0001"


def all_files(directory: Path) -> list[str]:
    return sorted(str(p.relative_to(directory)) for p in directory.rglob("*") if p.is_file())


def finished_files(scan_id: str = SCAN, parts: int = 1) -> list[str]:
    """The files of a closed scan with ``parts`` parts (none for a scan without objects)."""
    numbered = [f"part-{number:06d}.parquet" for number in range(1, parts + 1)]
    return [
        *(f"columns/{scan_id}/{name}" for name in numbered),
        *(f"findings/{scan_id}/{name}" for name in numbered),
        *(f"objects/{scan_id}/{name}" for name in numbered),
        f"scans/{scan_id}.parquet",
    ]


def files_of(directory: Path, table: str, scan_id: str = SCAN) -> list[Path]:
    layout = Layout(directory)
    return [layout.scan_file(scan_id)] if table == "scans" else layout.parts(table, scan_id)  # type: ignore[arg-type]


def read(directory: Path, table: str, scan_id: str = SCAN) -> list[dict[str, Any]]:
    return [row for path in files_of(directory, table, scan_id)
            for row in pq.read_table(path).to_pylist()]  # fmt: skip


def test_round_trip_rows(inventory_dir: Path, make_writer: WriterFactory) -> None:
    first = record(PNR, start=10, locator="page=2", flags=("test_identity",))
    second = record(
        EMAIL,
        entity_type="EMAIL_ADDRESS",
        masked="a***@exempel.se",
        start=40,
        locator="sheet=Kunder!B3",
        score=0.5,
        context="E-post",
    )
    results = [
        result(
            "Personal/lista.txt",
            first,
            size=120,
            mtime=1_700_000_000.25,
            duration=0.0125,
            media_type="text/plain",
            content_hash="sha256:00",
        ),
        result("arkiv.zip", second, members=("2019", "kunder.xlsx")),
        result("trasig.pdf", status=Status.ERROR, reason="corrupt PDF: no xref table"),
        result("hemlig.docx", status=Status.ENCRYPTED, reason="password protected"),
    ]
    with make_writer() as writer:
        for item in results:
            writer.add(item)
        assert (writer.objects, writer.findings) == (4, 2)

    assert all_files(inventory_dir) == finished_files()
    common = {"scan_id": SCAN, "root": ROOT}
    objects = read(inventory_dir, "objects")
    assert all(isinstance(row.pop("read_at"), datetime) for row in objects)
    assert objects == [
        {**common, "path": "Personal/lista.txt", "member": "", "size": 120,
         "mtime": datetime(2023, 11, 14, 22, 13, 20, 250000, tzinfo=UTC),
         "content_hash": "sha256:00", "media_type": "text/plain", "status": "ok", "reason": "",
         "findings": 1, "duration_ms": 12.5, "known_values": 0, "carried_from": ""},
        {**common, "path": "arkiv.zip", "member": "2019!/kunder.xlsx", "size": None,
         "mtime": None, "content_hash": "", "media_type": "", "status": "ok", "reason": "",
         "findings": 1, "duration_ms": 0.0, "known_values": 0, "carried_from": ""},
        {**common, "path": "trasig.pdf", "member": "", "size": None, "mtime": None,
         "content_hash": "", "media_type": "", "status": "error",
         "reason": "corrupt PDF: no xref table", "findings": 0, "duration_ms": 0.0,
         "known_values": 0, "carried_from": ""},
        {**common, "path": "hemlig.docx", "member": "", "size": None, "mtime": None,
         "content_hash": "", "media_type": "", "status": "encrypted",
         "reason": "password protected", "findings": 0, "duration_ms": 0.0, "known_values": 0,
         "carried_from": ""},
    ]  # fmt: skip
    findings = read(inventory_dir, "findings")
    for row in findings:
        row["score"] = round(row["score"], 6)
    assert findings == [
        {**common, "path": "Personal/lista.txt", "member": "", "locator": "page=2",
         "entity_type": "SE_PERSONNUMMER", "value_key": KEYER.value_key(PNR),
         "masked": "121212-****", "start": 10, "end": 23, "score": 0.95,
         "recognizer": "se.personnummer@1", "context": "", "flags": ["test_identity"]},
        {**common, "path": "arkiv.zip", "member": "2019!/kunder.xlsx",
         "locator": "sheet=Kunder!B3", "entity_type": "EMAIL_ADDRESS",
         "value_key": KEYER.value_key(EMAIL), "masked": "a***@exempel.se", "start": 40,
         "end": 53, "score": 0.5, "recognizer": "se.personnummer@1", "context": "E-post",
         "flags": []},
    ]  # fmt: skip
    (scan,) = read(inventory_dir, "scans")
    assert scan["started"] <= scan["finished"]
    assert {k: v for k, v in scan.items() if k not in ("started", "finished")} == {
        "scan_id": SCAN,
        "roots": [ROOT],
        "config_hash": "cfg-1",
        "piiscan_version": "0.1.0",
        "recognizers": ["se.personnummer@1", "email@1"],
        "key_fingerprint": KEYER.fingerprint,
        "objects": 4,
        "findings": 2,
        "errors": 1,
        "status": "complete",
    }


@pytest.mark.parametrize("table", ["scans", "objects", "findings"])
def test_file_metadata(inventory_dir: Path, make_writer: WriterFactory, table: str) -> None:
    with make_writer() as writer:
        writer.add(result("a.txt", record(PNR)))
    metadata = pq.read_schema(files_of(inventory_dir, table)[0]).metadata
    assert metadata[META_SCHEMA_VERSION] == str(SCHEMA_VERSION).encode()
    assert metadata[META_KEY_FINGERPRINT] == KEYER.fingerprint.encode()
    assert metadata[META_TABLE] == table.encode()


@pytest.mark.parametrize(
    ("objects", "row_group_rows", "groups"),
    [(0, 2, 0), (1, 2, 1), (4, 2, 2), (5, 2, 3), (5, 100, 1)],
)
def test_row_groups(
    inventory_dir: Path, make_writer: WriterFactory, objects: int, row_group_rows: int, groups: int
) -> None:
    with make_writer(row_group_rows=row_group_rows) as writer:
        for index in range(objects):
            writer.add(result(f"f{index}.txt"))
    parts = files_of(inventory_dir, "objects")
    assert len(parts) == (1 if objects else 0)  # no findings: one part, written at the end
    assert sum(pq.ParquetFile(part).metadata.num_rows for part in parts) == objects
    assert sum(pq.ParquetFile(part).num_row_groups for part in parts) == groups
    assert [row["path"] for row in read(inventory_dir, "objects")] == [
        f"f{index}.txt" for index in range(objects)
    ]


def test_empty_scan_is_valid(inventory_dir: Path, make_writer: WriterFactory) -> None:
    with make_writer():
        pass
    assert all_files(inventory_dir) == finished_files(parts=0)
    assert read(inventory_dir, "objects") == []
    assert read(inventory_dir, "findings") == []
    assert read(inventory_dir, "scans")[0]["objects"] == 0


def test_directory_created(tmp_path: Path, make_writer: WriterFactory) -> None:
    nested = tmp_path / "a" / "b" / "inv"
    with make_writer(directory=nested) as writer:
        writer.add(result("x.txt"))
    assert all_files(nested) == finished_files()


def test_parts_while_writing(inventory_dir: Path, make_writer: WriterFactory) -> None:
    with make_writer(part_objects=2) as writer:
        # The lock says the scan is being written (see piiscan.inventory.resume).
        assert all_files(inventory_dir) == [f"scans/open/{SCAN}.lock", f"scans/open/{SCAN}.parquet"]
        writer.add(result("x.txt", record(PNR)))
        assert writer.parts == 0  # kept in memory until two objects
        writer.add(result("y.txt"))
        assert writer.parts == 1
        writer.add(result("z.txt", record(PNR)))
        during = all_files(inventory_dir)
        assert during == [*finished_files(parts=1)[:3], f"scans/open/{SCAN}.lock",
                          f"scans/open/{SCAN}.parquet"]  # fmt: skip
        # Readers see the scan only when asked, with the rows of its finished parts.
        with pytest.raises(InventoryError, match="no inventory"):
            Inventory(inventory_dir)
        reader = Inventory(inventory_dir, include_open=True)
        (info,) = reader.scans()
        assert (info.status, info.objects, info.findings) == ("open", 2, 1)
        assert reader.objects(SCAN)["path"].to_pylist() == ["x.txt", "y.txt"]
    assert all_files(inventory_dir) == finished_files(parts=2)
    reader = Inventory(inventory_dir)
    assert reader.objects()["path"].to_pylist() == ["x.txt", "y.txt", "z.txt"]
    assert reader.findings()["path"].to_pylist() == ["x.txt", "z.txt"]
    assert Inventory(inventory_dir, include_open=True).scans() == reader.scans()


def test_part_after_seconds(inventory_dir: Path, make_writer: WriterFactory) -> None:
    with make_writer(part_seconds=0) as writer:
        writer.add(result("x.txt"))
        assert writer.parts == 1
        writer.add(result("y.txt"))
        assert writer.parts == 2
    assert all_files(inventory_dir) == finished_files(parts=2)


def test_findings_part_without_its_objects_part_is_not_read(
    inventory_dir: Path, make_writer: WriterFactory
) -> None:
    """A crash between the two renames of a part leaves findings whose objects row is not on
    disk; readers leave them out."""
    writer = make_writer(part_objects=1)  # never closed: the process died
    writer.add(result("x.txt", record(PNR)))
    writer.add(result("y.txt", record(PNR)))
    (inventory_dir / "objects" / SCAN / "part-000002.parquet").unlink()
    reader = Inventory(inventory_dir, include_open=True)
    assert reader.objects()["path"].to_pylist() == ["x.txt"]
    assert reader.findings()["path"].to_pylist() == ["x.txt"]
    (info,) = reader.scans()
    assert (info.objects, info.findings) == (1, 1)


def test_closed_scan_with_a_missing_part_is_an_error(
    inventory_dir: Path, make_writer: WriterFactory
) -> None:
    with make_writer(part_objects=1) as writer:
        writer.add(result("x.txt", record(PNR)))
        writer.add(result("y.txt", record(PNR)))
    (inventory_dir / "objects" / SCAN / "part-000002.parquet").unlink()
    with pytest.raises(InventoryError, match="missing"):
        Inventory(inventory_dir).objects()


@pytest.mark.parametrize("error", [RuntimeError, KeyboardInterrupt])
def test_interrupted_scan_still_valid(
    inventory_dir: Path, make_writer: WriterFactory, error: type[BaseException]
) -> None:
    def scan_then_fail() -> None:
        with make_writer(row_group_rows=1) as writer:
            writer.add(result("one.txt", record(PNR)))
            writer.add(result("two.txt"))
            raise error

    with pytest.raises(error):
        scan_then_fail()
    assert all_files(inventory_dir) == finished_files(parts=2)
    (scan,) = read(inventory_dir, "scans")
    assert (scan["status"], scan["objects"], scan["findings"]) == ("interrupted", 2, 1)
    inventory = Inventory(inventory_dir)
    assert [info.status for info in inventory.scans()] == ["interrupted"]
    assert inventory.objects().num_rows == 2
    assert inventory.findings().num_rows == 1


def test_explicit_close_status(inventory_dir: Path, make_writer: WriterFactory) -> None:
    writer = make_writer()
    writer.add(result("one.txt"))
    writer.close("interrupted")
    assert read(inventory_dir, "scans")[0]["status"] == "interrupted"
    with pytest.raises(InventoryError, match="closed"):
        writer.add(result("two.txt"))
    with pytest.raises(InventoryError, match="already closed"):
        writer.close()


def test_close_inside_with_is_final(inventory_dir: Path, make_writer: WriterFactory) -> None:
    with make_writer() as writer:
        writer.close()
    assert all_files(inventory_dir) == finished_files(parts=0)


def test_bad_status_refused(make_writer: WriterFactory) -> None:
    writer = make_writer()
    with pytest.raises(ValueError, match="status"):
        writer.close("done")  # type: ignore[arg-type]


def test_second_scan_with_same_key(inventory_dir: Path, make_writer: WriterFactory) -> None:
    with make_writer():
        pass
    with make_writer("20261122T080000Z-0002"):
        pass
    assert len(all_files(inventory_dir)) == 2


def test_fingerprint_mismatch_refused(inventory_dir: Path, make_writer: WriterFactory) -> None:
    with make_writer() as writer:
        writer.add(result("a.txt", record(PNR)))
    before = all_files(inventory_dir)
    with pytest.raises(InventoryError, match="different key") as caught:
        make_writer("20261122T080000Z-0002", key_fingerprint=OTHER_KEYER.fingerprint)
    message = str(caught.value)
    assert KEYER.fingerprint in message
    assert "never match" in message
    assert OTHER_KEYER.key.hex() not in message
    assert all_files(inventory_dir) == before


def test_duplicate_scan_id_refused(make_writer: WriterFactory) -> None:
    with make_writer():
        pass
    with pytest.raises(InventoryError, match="already in"):
        make_writer()


def test_open_scan_of_the_same_id_refused(inventory_dir: Path, make_writer: WriterFactory) -> None:
    (inventory_dir / "scans" / "open").mkdir(parents=True)
    (inventory_dir / "scans" / "open" / f"{SCAN}.parquet").write_bytes(b"crashed")
    with pytest.raises(InventoryError, match="already in"):
        make_writer()
    assert all_files(inventory_dir) == [f"scans/open/{SCAN}.parquet"]


def test_leftover_temporary_part_refused(inventory_dir: Path, make_writer: WriterFactory) -> None:
    writer = make_writer()
    writer.add(result("x.txt"))
    (inventory_dir / "findings" / SCAN).mkdir()
    (inventory_dir / "findings" / SCAN / ".part-000001.parquet.tmp").write_bytes(b"other")
    with pytest.raises(InventoryError, match="another writer"):
        writer.write_part()


@pytest.mark.parametrize(
    "scan_id", ["", "../escape", "a/b", ".hidden", "-dash", "x" * 200, "tab\there"]
)
def test_invalid_scan_id(make_writer: WriterFactory, scan_id: str) -> None:
    with pytest.raises(InventoryError, match="invalid scan id"):
        make_writer(scan_id)


@pytest.mark.parametrize("fingerprint", ["", "XYZ", "0123456789ABCDEF", KEYER.key.hex() + "00"])
def test_invalid_fingerprint(make_writer: WriterFactory, fingerprint: str) -> None:
    with pytest.raises(InventoryError, match="invalid key fingerprint") as caught:
        make_writer(key_fingerprint=fingerprint)
    assert KEYER.key.hex() not in str(caught.value)


@pytest.mark.parametrize(
    "value_key",
    ["191212121212", "19121212-1212", "", "A" * 64, "a" * 63, "g" * 64],
    ids=["raw", "raw-dash", "empty", "upper", "short", "not-hex"],
)
def test_raw_value_key_refused(
    inventory_dir: Path, make_writer: WriterFactory, value_key: str
) -> None:
    bad = FindingRecord(
        entity_type="SE_PERSONNUMMER", locator="", start=0, end=12, score=1.0,
        masked="121212-****", value_key=value_key, recognizer="se.personnummer@1",
    )  # fmt: skip
    with pytest.raises(InventoryError, match="value_key") as caught, make_writer() as writer:
        writer.add(result("a.txt", bad))
    if value_key:
        assert value_key not in str(caught.value)
    assert read(inventory_dir, "objects") == []  # the object was refused whole


def test_new_scan_id() -> None:
    moment = datetime(2026, 11, 21, 21, 59, 30, tzinfo=UTC)
    scan_id = new_scan_id(moment)
    assert re.fullmatch(r"20261121T215930Z-[0-9a-f]{4}", scan_id)
    assert new_scan_id(datetime(2026, 11, 21, 22, 0, 0, tzinfo=UTC)) > scan_id
    assert re.fullmatch(r"\d{8}T\d{6}Z-[0-9a-f]{4}", new_scan_id())


# The values below are fictional. None of them may reach the inventory in any form.
RAW_VALUES = ["198506012387", "850601-2387", "8506012387", "19850601-2387", EMAIL, PNR]


def test_no_raw_values_in_inventory(inventory_dir: Path, make_writer: WriterFactory) -> None:
    masks = {
        "198506012387": "850601-****",
        "850601-2387": "850601-****",
        "8506012387": "850601****",
        "19850601-2387": "19850601-****",
        EMAIL: "a***@exempel.se",
        PNR: "121212-****",
    }
    with make_writer() as writer:
        for index, raw in enumerate(RAW_VALUES):
            normalized = "198506012387" if "850601" in raw else raw
            writer.add(
                result(
                    f"mapp{index}/fil.txt",
                    record(normalized, masked=masks[raw], context="Personnummer"),
                    size=len(raw),
                )
            )
    blob = b"".join(path.read_bytes() for path in inventory_dir.rglob("*") if path.is_file())
    tables = ("scans", "objects", "findings")
    texts = [cell for table in tables for cell in cells(inventory_dir, table)]
    assert "Personnummer" in texts  # the cell scan sees stored text
    for raw in RAW_VALUES:
        assert raw.encode() not in blob
        assert raw.encode("utf-16-le") not in blob
        assert not [cell for cell in texts if raw in cell]
    assert KEYER.key.hex().encode() not in blob
    assert KEYER.key not in blob


def cells(directory: Path, table: str) -> list[str]:
    """Every stored string of one table, decompressed, including the file metadata."""
    parquet = pq.read_table(files_of(directory, table)[0])
    found = [repr(value) for row in parquet.to_pylist() for value in row.values()]
    found += [str(value) for row in parquet.to_pylist() for value in row.values()]
    metadata = parquet.schema.metadata or {}
    found += [value.decode("utf-8", "replace") for value in metadata.values()]
    return found


def test_writer_is_not_an_inventory_until_closed(
    inventory_dir: Path, make_writer: WriterFactory
) -> None:
    with make_writer() as writer:
        writer.add(result("a.txt"))
        with pytest.raises(InventoryError, match="no inventory"):
            Inventory(inventory_dir)


def test_writer_class_exported() -> None:
    assert InventoryWriter.__module__ == "piiscan.inventory.writer"


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 64 KiB tmpfs, so that writing runs out of space; skipped where mounting is refused."""
    mount_point = tmp_path / "small"
    mount_point.mkdir()
    if not hasattr(os, "geteuid") or os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root and mount(8)")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount_point)],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip("mounting a tmpfs is not permitted here")
    try:
        yield mount_point
    finally:
        unmounted = subprocess.run(["umount", str(mount_point)], capture_output=True, check=False)
        if unmounted.returncode != 0:
            # Busy for a moment under load: detach it now, so that pytest's clean-up of old
            # temporary directories never meets a mount point (a warning, an error here).
            subprocess.run(["umount", "-l", str(mount_point)], capture_output=True, check=False)


def _write_many(writer: InventoryWriter) -> None:
    with writer:
        for number in range(100_000):
            # Random paths do not compress, so the disk fills after a few row groups.
            writer.add(result(f"{number}-{secrets.token_hex(100)}.txt", record(PNR)))


def test_a_full_disk_is_named(small_disk: Path, make_writer: WriterFactory) -> None:
    directory = small_disk / "inventory"
    with pytest.raises(InventoryError) as caught:
        _write_many(make_writer(directory=directory, row_group_rows=50))
    assert "No space left on device" in str(caught.value)
    files = all_files(directory)
    assert not [name for name in files if name.endswith(".tmp")]  # temporary files removed
    # The scan stays open with the parts written before the disk filled, each one whole.
    (info,) = Inventory(directory, include_open=True).scans()
    assert info.status == "open"
    assert info.objects == sum(
        pq.read_metadata(directory / name).num_rows for name in files if name.startswith("objects")
    )


def _chained(error: Exception) -> Exception:
    """``error`` as raised while handling a full disk."""
    try:
        try:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        except OSError as cause:
            raise error from cause
    except Exception as raised:
        return raised


@pytest.mark.parametrize(
    ("error", "described"),
    [
        (OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)), os.strerror(errno.ENOSPC)),
        (_chained(pa.ArrowInvalid("cannot write 19121212-1212")), os.strerror(errno.ENOSPC)),
        (pa.ArrowIOError("[Errno 28] Error writing bytes to file"), os.strerror(errno.ENOSPC)),
        (pa.ArrowInvalid("Could not convert '19121212-1212' with type str"), "ArrowInvalid"),
    ],
    ids=["oserror", "chained", "errno-in-message", "no-cause"],
)  # fmt: skip
def test_write_errors_keep_the_os_cause_and_no_content(error: Exception, described: str) -> None:
    assert _describe(error) == described


@pytest.mark.skipif(os.name != "posix", reason="mode bits describe access on POSIX only")
def test_inventory_is_private_by_default(inventory_dir: Path, make_writer: WriterFactory) -> None:
    old_umask = os.umask(0o022)  # a usual umask, which would give 0755 and 0644
    try:
        with make_writer() as writer:
            writer.add(result("a.txt", record(PNR)))
    finally:
        os.umask(old_umask)
    modes = {
        str(p.relative_to(inventory_dir)): stat.S_IMODE(p.stat().st_mode)
        for p in [inventory_dir, *inventory_dir.rglob("*")]
    }
    assert modes == {
        ".": 0o700,
        "columns": 0o700,
        "findings": 0o700,
        "objects": 0o700,
        "scans": 0o700,
        "scans/open": 0o700,
        f"columns/{SCAN}": 0o700,
        f"findings/{SCAN}": 0o700,
        f"objects/{SCAN}": 0o700,
        **dict.fromkeys(finished_files(), 0o600),
    }


@pytest.mark.skipif(os.name != "posix", reason="mode bits describe access on POSIX only")
@pytest.mark.parametrize(
    ("mode", "warned"),
    [(None, False), (0o700, False), (0o750, True), (0o705, True), (0o755, True)],
    ids=["new", "0700", "0750", "0705", "0755"],
)
def test_an_inventory_open_to_others_is_warned_about(
    inventory_dir: Path,
    make_writer: WriterFactory,
    caplog: pytest.LogCaptureFixture,
    mode: int | None,
    warned: bool,
) -> None:
    if mode is not None:
        inventory_dir.mkdir()
        inventory_dir.chmod(mode)
    with caplog.at_level("WARNING", logger="piiscan"), make_writer() as writer:
        writer.add(result("a.txt"))
    messages = [r.getMessage() for r in caplog.records if r.name == "piiscan.inventory.writer"]
    if warned:
        assert messages == [
            f"inventory directory {inventory_dir} is open to group or others (mode {mode:04o}); "
            f"it holds paths and value keys: run chmod 700 {inventory_dir} unless sharing it "
            "is intended"
        ]
        assert stat.S_IMODE(inventory_dir.stat().st_mode) == mode  # warned, not changed
    else:
        assert messages == []


def test_findings_streamed_ahead_of_their_row(
    inventory_dir: Path, make_writer: WriterFactory
) -> None:
    """A big object's findings come in chunks before its row; parts are written as they fill,
    and the row (last) counts every finding of the object."""
    ref = result("stor.csv").ref
    chunks = [
        FindingChunk(ref=ref, findings=(record(PNR, start=i), record(PNR, start=i + 20)))
        for i in range(3)
    ]
    with make_writer(row_group_rows=3) as writer:
        for chunk in chunks:
            writer.add_findings(chunk)
        # Findings parts are on disk (with empty objects parts) before the object has a row.
        assert writer.parts == 1  # four findings, three to a part
        assert writer.objects == 0
        writer.add(result("stor.csv", record(EMAIL, masked="a***@exempel.se"), streamed=6))
    reader = Inventory(inventory_dir)
    (info,) = reader.scans()
    assert (info.objects, info.findings) == (1, 7)
    (row,) = rows_as_dicts(reader.objects())
    assert row["findings"] == 7
    assert reader.findings().num_rows == 7
    streamed = [row for batch in reader.iter_findings(batch_rows=2) for row in batch.to_pylist()]
    assert sorted(r["start"] for r in streamed) == sorted(reader.findings()["start"].to_pylist())


def test_iter_findings_reads_a_part_at_a_time(
    inventory_dir: Path, make_writer: WriterFactory
) -> None:
    with make_writer(part_objects=2) as writer:
        for name in ("d.txt", "c.txt", "b.txt", "a.txt"):
            writer.add(result(name, record(PNR, locator="line=2"), record(PNR, locator="line=1")))
    reader = Inventory(inventory_dir)
    batches = list(reader.iter_findings(batch_rows=3))
    assert [batch.num_rows for batch in batches] == [3, 1, 3, 1]  # two parts of four rows
    places = [(r["path"], r["locator"]) for b in batches for r in b.to_pylist()]
    # By place within each part; parts in the order they were written.
    assert places == [
        ("c.txt", "line=1"), ("c.txt", "line=2"), ("d.txt", "line=1"), ("d.txt", "line=2"),
        ("a.txt", "line=1"), ("a.txt", "line=2"), ("b.txt", "line=1"), ("b.txt", "line=2"),
    ]  # fmt: skip
