"""Resuming an unclosed scan and carrying rows forward, at the inventory level: a writer killed
for real (a child process ends itself with SIGKILL), then a writer that resumes its scan."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from piiscan.errors import InventoryError
from piiscan.inventory import Inventory, Layout
from piiscan.inventory.resume import ScanLock, is_running, latest_unclosed
from piiscan.inventory.schema import SCHEMA_VERSION, upgrade_table
from piiscan.model import FindingChunk, ObjectRef, Status

from .conftest import EMAIL, PNR, ROOT, WriterFactory, record, result

SCAN = "20261121T215930Z-0001"
STOPPED = "the scan stopped while the object was read"

# A writer in a child process: two finished files, the findings of a third sent ahead of its
# row and written in a part, the members of a fourth without the file's own row; then the
# process kills itself, as ``kill -9`` would, leaving a temporary file behind.
_KILLED_WRITER = textwrap.dedent(
    f"""
    import os, signal, sys
    from pathlib import Path
    sys.path.insert(0, {str(Path(__file__).resolve().parents[2])!r})
    from tests.inventory.conftest import KEYER, ROOT, PNR, EMAIL, record, result
    from piiscan.inventory import InventoryWriter
    from piiscan.model import FindingChunk, ObjectRef
    directory = Path(sys.argv[1])
    writer = InventoryWriter(directory, scan_id={SCAN!r}, roots=[ROOT], config_hash="cfg-1",
                             recognizers=["se.personnummer@1"], key_fingerprint=KEYER.fingerprint,
                             piiscan_version="0.1.0")
    writer.add(result("a.txt", record(PNR)))
    writer.add(result("b.txt", record(EMAIL, entity_type="EMAIL_ADDRESS")))
    big = ObjectRef(root=ROOT, path="c.txt")
    writer.add_findings(FindingChunk(ref=big, findings=(record(PNR, start=40),)))
    writer.add(result("d.zip", record(PNR), members=("in.txt",)))
    writer.write_part()
    (directory / "objects" / {SCAN!r} / ".part-000002.parquet.tmp").write_bytes(b"half")
    os.kill(os.getpid(), signal.SIGKILL)
    """
)


def _killed_scan(directory: Path) -> None:
    child = subprocess.run([sys.executable, "-c", _KILLED_WRITER, str(directory)], check=False)
    assert child.returncode == -signal.SIGKILL


def test_a_killed_scan_is_open_with_orphan_findings_then_resumes_as_one(
    inventory_dir: Path, make_writer: WriterFactory
) -> None:
    _killed_scan(inventory_dir)
    opened = Inventory(inventory_dir, include_open=True)
    (info,) = opened.scans()
    assert (info.status, info.objects, info.findings) == ("open", 3, 4)  # c.txt has no row
    layout = Layout(inventory_dir)
    assert not is_running(layout, SCAN)
    assert latest_unclosed(layout, opened.scans()) == info

    writer = make_writer(SCAN, resume=True)
    assert writer.finished == {(ROOT, "a.txt"), (ROOT, "b.txt")}
    assert (writer.objects, writer.findings, writer.parts) == (2, 2, 1)
    assert not layout.temporary_files(SCAN)
    # While it runs, others see it running, and cannot write it.
    assert is_running(layout, SCAN)
    with pytest.raises(InventoryError, match="another process"):
        make_writer(SCAN, resume=True)
    writer.add(result("c.txt", record(PNR, start=40), record(PNR, start=90)))
    writer.add(result("d.zip", record(PNR), members=("in.txt",)))
    writer.add(result("d.zip"))
    writer.close()

    inventory = Inventory(inventory_dir)
    (closed,) = inventory.scans()
    assert (closed.scan_id, closed.status, closed.started) == (SCAN, "complete", info.started)
    assert (closed.objects, closed.findings) == (5, 5)
    objects = inventory.objects().to_pylist()
    assert sorted((row["path"], row["member"]) for row in objects) == [
        ("a.txt", ""), ("b.txt", ""), ("c.txt", ""), ("d.zip", ""), ("d.zip", "in.txt"),
    ]  # fmt: skip
    findings = inventory.findings()
    places = zip(findings["path"].to_pylist(), findings["start"].to_pylist(), strict=True)
    assert sorted(places) == [
        ("a.txt", 0),
        ("b.txt", 0),
        ("c.txt", 40),
        ("c.txt", 90),
        ("d.zip", 0),
    ]
    assert not layout.lock_file(SCAN).exists()
    assert not layout.open_scan_files()


def test_an_interrupted_scan_resumes_without_its_stopped_rows(
    inventory_dir: Path, make_writer: WriterFactory
) -> None:
    def stopped_scan() -> None:
        with make_writer(SCAN) as writer:
            writer.add(result("a.txt", record(PNR)))
            chunk = FindingChunk(ref=ObjectRef(root=ROOT, path="b.txt"), findings=(record(PNR),))
            writer.add_findings(chunk)
            writer.add(result("b.txt", status=Status.ERROR, reason=STOPPED, streamed=1))
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        stopped_scan()
    (info,) = Inventory(inventory_dir).scans()
    assert info.status == "interrupted"
    writer = make_writer(SCAN, resume=True, unfinished_reasons=[STOPPED])
    assert writer.finished == {(ROOT, "a.txt")}
    # While resumed it is open again: not a closed interrupted scan any more.
    assert Inventory(inventory_dir, include_open=True).scans()[0].status == "open"
    writer.add(result("b.txt", record(PNR)))
    writer.close()
    objects = Inventory(inventory_dir).objects().to_pylist()
    assert sorted((row["path"], row["status"]) for row in objects) == [
        ("a.txt", "ok"), ("b.txt", "ok"),
    ]  # fmt: skip
    assert Inventory(inventory_dir).scans()[0].findings == 2


def test_a_complete_scan_is_never_resumed(inventory_dir: Path, make_writer: WriterFactory) -> None:
    with make_writer(SCAN) as writer:
        writer.add(result("a.txt"))
    assert latest_unclosed(Layout(inventory_dir), Inventory(inventory_dir).scans()) is None
    with pytest.raises(InventoryError, match="complete"):
        make_writer(SCAN, resume=True)


def test_a_lock_is_held_until_released(inventory_dir: Path) -> None:
    layout = Layout(inventory_dir)
    lock = ScanLock.acquire(layout, SCAN)
    assert is_running(layout, SCAN)
    with pytest.raises(InventoryError):
        ScanLock.acquire(layout, SCAN)
    lock.release()
    assert not is_running(layout, SCAN)
    assert not layout.lock_file(SCAN).exists()


def test_carry_copies_the_rows_of_unchanged_files(
    inventory_dir: Path, make_writer: WriterFactory
) -> None:
    first = "20261121T215930Z-0001"
    with make_writer(first, part_objects=2) as writer:
        writer.add(result("a.txt", record(PNR), size=10, known_values=2))
        writer.add(result("b.txt", record(EMAIL, entity_type="EMAIL_ADDRESS")))
        writer.add(result("c.zip", record(PNR), members=("in.txt",)))
        writer.add(result("c.zip"))
    second = "20261128T215930Z-0002"
    with make_writer(second) as writer:
        writer.add(result("b.txt"))  # read again: changed, no findings now
        assert writer.carry(first, [(ROOT, "a.txt"), (ROOT, "c.zip")]) == 3
    inventory = Inventory(inventory_dir)
    before = {(r["path"], r["member"]): r for r in inventory.objects(first).to_pylist()}
    after = {(r["path"], r["member"]): r for r in inventory.objects(second).to_pylist()}
    assert set(after) == set(before)
    for place in [("a.txt", ""), ("c.zip", ""), ("c.zip", "in.txt")]:
        assert after[place]["carried_from"] == first
        assert after[place]["read_at"] == before[place]["read_at"]
        assert after[place]["scan_id"] == second
        for column in ("size", "status", "findings", "known_values", "content_hash"):
            assert after[place][column] == before[place][column]
    assert after[("b.txt", "")]["carried_from"] == ""
    findings = inventory.findings(second)
    assert sorted(findings["path"].to_pylist()) == ["a.txt", "c.zip"]
    assert set(findings["scan_id"].to_pylist()) == {second}
    assert inventory.scans()[-1].objects == 4
    assert inventory.scans()[-1].findings == 2
    # Carried again, a row still names the scan that read it.
    third = "20261205T215930Z-0003"
    with make_writer(third) as writer:
        writer.carry(second, [(ROOT, "a.txt")])
    (row,) = Inventory(inventory_dir).objects(third).to_pylist()
    assert row["carried_from"] == first


def test_objects_of_version_2_gain_read_at_and_carried_from() -> None:
    table = pa.table(
        {"scan_id": ["s"], "root": [ROOT], "path": ["a.txt"], "member": [""], "size": [1],
         "mtime": pa.array([None], type=pa.timestamp("us", tz="UTC")), "content_hash": [""],
         "media_type": [""], "status": ["ok"], "reason": [""],
         "findings": pa.array([0], type=pa.int32()), "duration_ms": [0.0],
         "known_values": pa.array([0], type=pa.int32())}
    )  # fmt: skip
    upgraded = upgrade_table("objects", table, 2)
    assert SCHEMA_VERSION == 3
    assert upgraded.column_names[-2:] == ["read_at", "carried_from"]
    assert upgraded.to_pylist()[0]["read_at"] is None
    assert upgraded.to_pylist()[0]["carried_from"] == ""


def test_read_rows_say_when_they_were_read(inventory_dir: Path, make_writer: WriterFactory) -> None:
    before = datetime.now(UTC)
    with make_writer(SCAN) as writer:
        writer.add(result("a.txt"))
    (row,) = Inventory(inventory_dir).objects().to_pylist()
    assert before <= row["read_at"] <= datetime.now(UTC)
    assert row["carried_from"] == ""
    part = Layout(inventory_dir).parts("objects", SCAN)[0]
    assert pq.read_schema(part).field("read_at").nullable
    assert os.stat(part).st_mode & 0o077 == 0


def test_an_interruption_while_a_part_is_written_still_writes_it(
    inventory_dir: Path, make_writer: WriterFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C or SIGTERM landing in the middle of writing a part (the signal handler raises
    once): the part is written whole, and the scan closes as interrupted with its rows."""
    from piiscan.inventory import writer as writer_module

    real = writer_module.pq.write_table
    calls = 0

    def interrupted_once(*args: object, **kwargs: object) -> None:
        nonlocal calls
        calls += 1
        if calls == 3:  # the objects file of the first part: findings and columns are in place
            raise KeyboardInterrupt
        real(*args, **kwargs)

    def scan_stopped_mid_part() -> None:
        with make_writer(SCAN, part_objects=2) as writer:
            monkeypatch.setattr(writer_module.pq, "write_table", interrupted_once)
            writer.add(result("a.txt", record(PNR)))
            writer.add(result("b.txt"))  # the part is due here

    with pytest.raises(KeyboardInterrupt):
        scan_stopped_mid_part()
    (info,) = Inventory(inventory_dir).scans()
    assert (info.status, info.objects, info.findings) == ("interrupted", 2, 1)
    assert not Layout(inventory_dir).temporary_files(SCAN)
