"""Tests of InventoryWriter: files, rows, atomicity, interruption, key checks, no raw values."""

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
from piiscan.inventory import SCHEMA_VERSION, Inventory, InventoryWriter, new_scan_id
from piiscan.inventory.schema import META_KEY_FINGERPRINT, META_SCHEMA_VERSION, META_TABLE
from piiscan.inventory.writer import _describe
from piiscan.model import FindingRecord, Status

from .conftest import EMAIL, KEYER, OTHER_KEYER, PNR, ROOT, WriterFactory, record, result

SCAN = "20261121T215930Z-0001"


def all_files(directory: Path) -> list[str]:
    return sorted(str(p.relative_to(directory)) for p in directory.rglob("*") if p.is_file())


def finished_files(scan_id: str = SCAN) -> list[str]:
    return [f"{table}/{scan_id}.parquet" for table in ("findings", "objects", "scans")]


def read(directory: Path, table: str, scan_id: str = SCAN) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = pq.read_table(directory / table / f"{scan_id}.parquet").to_pylist()
    return rows


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
    assert read(inventory_dir, "objects") == [
        {**common, "path": "Personal/lista.txt", "member": "", "size": 120,
         "mtime": datetime(2023, 11, 14, 22, 13, 20, 250000, tzinfo=UTC),
         "content_hash": "sha256:00", "media_type": "text/plain", "status": "ok", "reason": "",
         "findings": 1, "duration_ms": 12.5},
        {**common, "path": "arkiv.zip", "member": "2019!/kunder.xlsx", "size": None,
         "mtime": None, "content_hash": "", "media_type": "", "status": "ok", "reason": "",
         "findings": 1, "duration_ms": 0.0},
        {**common, "path": "trasig.pdf", "member": "", "size": None, "mtime": None,
         "content_hash": "", "media_type": "", "status": "error",
         "reason": "corrupt PDF: no xref table", "findings": 0, "duration_ms": 0.0},
        {**common, "path": "hemlig.docx", "member": "", "size": None, "mtime": None,
         "content_hash": "", "media_type": "", "status": "encrypted",
         "reason": "password protected", "findings": 0, "duration_ms": 0.0},
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
    metadata = pq.read_schema(inventory_dir / table / f"{SCAN}.parquet").metadata
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
    parquet = pq.ParquetFile(inventory_dir / "objects" / f"{SCAN}.parquet")
    assert parquet.metadata.num_rows == objects
    assert parquet.num_row_groups == groups
    assert [row["path"] for row in read(inventory_dir, "objects")] == [
        f"f{index}.txt" for index in range(objects)
    ]


def test_empty_scan_is_valid(inventory_dir: Path, make_writer: WriterFactory) -> None:
    with make_writer():
        pass
    assert all_files(inventory_dir) == finished_files()
    assert read(inventory_dir, "objects") == []
    assert read(inventory_dir, "findings") == []
    assert read(inventory_dir, "scans")[0]["objects"] == 0


def test_directory_created(tmp_path: Path, make_writer: WriterFactory) -> None:
    nested = tmp_path / "a" / "b" / "inv"
    with make_writer(directory=nested) as writer:
        writer.add(result("x.txt"))
    assert all_files(nested) == finished_files()


def test_temporary_files_while_writing(inventory_dir: Path, make_writer: WriterFactory) -> None:
    with make_writer(row_group_rows=1) as writer:
        writer.add(result("x.txt", record(PNR)))
        during = all_files(inventory_dir)
        assert all(name.startswith(".") and name.endswith(".parquet.tmp") for name in during)
        assert f".objects-{SCAN}.parquet.tmp" in during
    assert all_files(inventory_dir) == finished_files()


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
    assert all_files(inventory_dir) == finished_files()
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
    assert all_files(inventory_dir) == finished_files()


def test_bad_status_refused(make_writer: WriterFactory) -> None:
    writer = make_writer()
    with pytest.raises(ValueError, match="status"):
        writer.close("done")  # type: ignore[arg-type]


def test_second_scan_with_same_key(inventory_dir: Path, make_writer: WriterFactory) -> None:
    with make_writer():
        pass
    with make_writer("20261122T080000Z-0002"):
        pass
    assert len(all_files(inventory_dir)) == 6


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


def test_leftover_temporary_file_refused(inventory_dir: Path, make_writer: WriterFactory) -> None:
    inventory_dir.mkdir()
    (inventory_dir / f".objects-{SCAN}.parquet.tmp").write_bytes(b"crashed")
    writer = make_writer()
    with pytest.raises(InventoryError, match="another writer"):
        writer.close()
    assert all_files(inventory_dir) == [f".objects-{SCAN}.parquet.tmp"]


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
    parquet = pq.read_table(directory / table / f"{SCAN}.parquet")
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
        subprocess.run(["umount", str(mount_point)], capture_output=True, check=False)


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
    assert all_files(directory) == []  # the temporary files are removed


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
        "findings": 0o700,
        "objects": 0o700,
        "scans": 0o700,
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
