"""Task parts (a Dask scan's, :mod:`piiscan.scan.task_parts`) compacted as the scan goes, in a
thread of their own, and when the scan closes.

A compaction stopped at each of its steps (as a kill would stop it, and by a real ``SIGKILL``
while it runs in the background) leaves every row once, for a reader of the open scan and for
a resume; a compaction that fails in the background fails the scan clearly, every row kept; a
task of a killed scanner that finishes after the scan was resumed renames nothing into it.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from piiscan.errors import InventoryError
from piiscan.inventory import Inventory, InventoryWriter, Layout
from piiscan.inventory.layout import META_REPLACES
from piiscan.model import FindingChunk, ObjectRef
from piiscan.scan.task_parts import TaskPartWriter

from .conftest import EMAIL, KEYER, PNR, ROOT, WriterFactory, record, result

SCAN = "20261121T215930Z-0001"
TASKS = 5
# The steps of compacting TASKS task parts into one part: three renames (findings, columns,
# objects), then the removal of each task's three files.
STEPS = 3 + 3 * TASKS


def task(index: int) -> str:
    return f"{index:02d}" * 8


def write_task_parts(directory: Path, writer: InventoryWriter) -> None:
    """Five tasks, each with its part of two files (one with findings, one without), and a row
    of the scanner's own (a merged range's row goes that way)."""
    for index in range(TASKS):
        with TaskPartWriter(
            directory, scan_id=SCAN, name=task(index), key_fingerprint=KEYER.fingerprint
        ) as part:
            part.add(result(f"t{index}.txt", record(PNR, start=index),
                            record(EMAIL, entity_type="EMAIL_ADDRESS", start=20)))  # fmt: skip
            part.add(result(f"u{index}.txt"))
        writer.note_task_part(objects=part.objects, findings=part.findings, errors=part.errors)
    writer.add(result("own.txt", record(PNR)))
    writer.write_part()


def rows(
    directory: Path, *, include_open: bool = False, scan_id: str = SCAN
) -> tuple[list[Any], list[Any]]:
    reader = Inventory(directory, include_open=include_open)
    objects = sorted(zip(*(reader.objects(scan_id)[c].to_pylist() for c in ("path", "member")),
                         strict=True))  # fmt: skip
    findings = sorted(zip(*(reader.findings(scan_id)[c].to_pylist() for c in
                            ("path", "start", "entity_type")), strict=True))  # fmt: skip
    return objects, findings


EXPECTED = (
    sorted([(f"{p}{i}.txt", "") for i in range(TASKS) for p in "tu"] + [("own.txt", "")]),
    sorted([(f"t{i}.txt", i, "SE_PERSONNUMMER") for i in range(TASKS)]
           + [(f"t{i}.txt", 20, "EMAIL_ADDRESS") for i in range(TASKS)]
           + [("own.txt", 0, "SE_PERSONNUMMER")]),
)  # fmt: skip


def test_closing_compacts_the_task_parts_into_one_part_that_names_them(
    make_writer: WriterFactory, inventory_dir: Path
) -> None:
    writer = make_writer(SCAN)
    write_task_parts(inventory_dir, writer)
    writer.close()
    assert rows(inventory_dir) == EXPECTED
    (info,) = Inventory(inventory_dir).scans()
    assert (info.objects, info.findings) == (len(EXPECTED[0]), len(EXPECTED[1]))
    for table in ("objects", "findings", "columns"):
        names = sorted(path.name for path in (inventory_dir / table / SCAN).iterdir())
        # The scanner's own row in part 1; the five tasks' rows in part 2.
        assert names == ["part-000001.parquet", "part-000002.parquet"]
    metadata = pq.read_schema(inventory_dir / "objects" / SCAN / "part-000002.parquet").metadata
    assert metadata[META_REPLACES].decode().split(",") == [task(i) for i in range(TASKS)]


def test_a_failed_compaction_leaves_task_parts_that_are_read_and_carried(
    make_writer: WriterFactory, inventory_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer = make_writer(SCAN)
    write_task_parts(inventory_dir, writer)

    def full_disk(self: InventoryWriter) -> int:
        raise InventoryError("cannot write part-000002.parquet: No space left on device")

    with monkeypatch.context() as patched:
        patched.setattr(InventoryWriter, "_compact", full_disk)
        writer.close()  # closed all the same, with its task parts as they were
    assert len(list((inventory_dir / "objects" / SCAN).glob("part-task-*.parquet"))) == TASKS
    assert rows(inventory_dir) == EXPECTED
    # An incremental rescan carries the task parts' rows forward like any part's.
    later = make_writer("20261122T215930Z-0001")
    files = {(ROOT, path) for path, _ in EXPECTED[0]}
    assert later.carry(SCAN, files) == len(EXPECTED[0])
    later.close()
    assert rows(inventory_dir, scan_id="20261122T215930Z-0001") == EXPECTED


class Killed(BaseException):
    """Stands for a ``kill -9`` at one step of the compaction."""


@pytest.mark.parametrize("step", range(STEPS))
def test_a_compaction_stopped_at_any_step_leaves_every_row_once(
    step: int, make_writer: WriterFactory, inventory_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer = make_writer(SCAN)
    write_task_parts(inventory_dir, writer)
    steps = 0
    rename, unlink = os.replace, Path.unlink

    def counted() -> None:
        nonlocal steps
        if steps == step:
            raise Killed
        steps += 1

    def counted_rename(source: Any, target: Any) -> None:
        if Path(target).name.startswith("part-0"):
            counted()
        rename(source, target)

    def counted_unlink(path: Path, missing_ok: bool = False) -> None:
        if path.name.startswith("part-task-"):
            counted()
        unlink(path, missing_ok=missing_ok)

    with monkeypatch.context() as patched:
        patched.setattr(os, "replace", counted_rename)
        patched.setattr(Path, "unlink", counted_unlink)
        with pytest.raises(Killed):
            writer.close()
    # The scan is open (its closed row was never written); read as it is, every row once.
    (info,) = Inventory(inventory_dir, include_open=True).scans()
    assert info.status == "open"
    assert rows(inventory_dir, include_open=True) == EXPECTED
    # Resumed: nothing is read again, and it closes compacted, every row once.
    resumed = make_writer(SCAN, resume=True)
    assert len(resumed.finished) == len(EXPECTED[0])
    resumed.close()
    assert rows(inventory_dir) == EXPECTED
    (info,) = Inventory(inventory_dir).scans()
    assert (info.status, info.objects, info.findings) == (
        "complete", len(EXPECTED[0]), len(EXPECTED[1]),
    )  # fmt: skip
    assert not list(inventory_dir.rglob("part-task-*"))
    assert not list(inventory_dir.rglob("*.tmp"))


def test_a_task_of_a_killed_scanner_renames_nothing_into_the_resumed_scan(
    make_writer: WriterFactory, inventory_dir: Path
) -> None:
    layout = Layout(inventory_dir)
    first = make_writer(SCAN)
    old_run, new_run = "a1" * 4, "b2" * 4
    old_marker = layout.run_file(SCAN, old_run)
    old_marker.parent.mkdir()
    old_marker.touch()
    # A task of the first scanner, still running on a worker when that scanner stopped ...
    late = TaskPartWriter(inventory_dir, scan_id=SCAN, name=task(7),
                          key_fingerprint=KEYER.fingerprint, run=old_run)  # fmt: skip
    late.__enter__()
    late.add(result("late.txt", record(PNR)))
    first.close("interrupted")
    second = make_writer(SCAN, resume=True)  # ... whose run marker the resume removes,
    assert not old_marker.exists()
    layout.run_file(SCAN, new_run).parent.mkdir()
    layout.run_file(SCAN, new_run).touch()
    # ... while the resumed scan runs the same task again (the same part name).
    again = TaskPartWriter(inventory_dir, scan_id=SCAN, name=task(7),
                           key_fingerprint=KEYER.fingerprint, run=new_run)  # fmt: skip
    again.__enter__()
    again.add(result("late.txt", record(PNR)))
    with pytest.raises(InventoryError, match="stopped while this task ran"):
        late.__exit__(None, None, None)
    assert not layout.task_part_file("objects", SCAN, task(7)).exists()
    again.__exit__(None, None, None)  # its temporary files were not the late task's to remove
    second.note_task_part(objects=again.objects, findings=again.findings, errors=again.errors)
    second.close()
    objects, findings = rows(inventory_dir)
    assert objects == [("late.txt", "")]
    assert findings == [("late.txt", 0, "SE_PERSONNUMMER")]
    assert ROOT in Inventory(inventory_dir).scans()[0].roots


# --- Compacted as the scan goes ----------------------------------------------------------------

# Each task part holds two objects rows: groups of two task parts.
GROUP_ROWS = 4


def write_counted_task_parts(directory: Path, writer: InventoryWriter, indexes: range) -> None:
    """Task parts as :func:`write_task_parts` writes them, counted with their names (as the
    scanner counts a Dask task's part once its task ended)."""
    for index in indexes:
        with TaskPartWriter(
            directory, scan_id=SCAN, name=task(index), key_fingerprint=KEYER.fingerprint
        ) as part:
            part.add(result(f"t{index}.txt", record(PNR, start=index),
                            record(EMAIL, entity_type="EMAIL_ADDRESS", start=20)))  # fmt: skip
            part.add(result(f"u{index}.txt"))
        writer.note_task_part(objects=part.objects, findings=part.findings, errors=part.errors,
                              task=task(index))  # fmt: skip


def held(directory: Path) -> dict[str, list[str]]:
    """Each numbered objects part and the task parts it holds."""
    found = {}
    for path in sorted((directory / "objects" / SCAN).glob("part-0*.parquet")):
        names = (pq.read_schema(path).metadata or {}).get(META_REPLACES, b"").decode()
        if names:
            found[path.name] = names.split(",")
    return found


def task_files(directory: Path) -> list[str]:
    return sorted(path.name for path in directory.rglob("part-task-*"))


@pytest.fixture
def small_groups(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("piiscan.inventory.writer.COMPACT_OBJECTS", GROUP_ROWS)


@pytest.mark.usefixtures("small_groups")
def test_task_parts_are_compacted_as_the_scan_goes_and_closing_compacts_the_rest(
    make_writer: WriterFactory, inventory_dir: Path
) -> None:
    writer = make_writer(SCAN)
    write_counted_task_parts(inventory_dir, writer, range(TASKS))
    # A group is compacted once the next part would overflow it: two groups while the scan
    # runs (in the background); the fifth part waits for more.
    writer.wait_for_compaction()
    assert held(inventory_dir) == {
        "part-000001.parquet": [task(0), task(1)],
        "part-000002.parquet": [task(2), task(3)],
    }
    assert task_files(inventory_dir) == [f"part-task-{task(4)}.parquet"] * 3
    # Read as it is meanwhile: every row once.
    assert rows(inventory_dir, include_open=True)[0] == [
        row for row in EXPECTED[0] if row[0] != "own.txt"
    ]
    writer.add(result("own.txt", record(PNR)))
    writer.close()
    assert rows(inventory_dir) == EXPECTED
    assert held(inventory_dir)["part-000004.parquet"] == [task(4)]  # the tail, at close
    assert not task_files(inventory_dir)


@pytest.mark.usefixtures("small_groups")
def test_a_task_run_again_after_its_part_was_compacted_adds_no_row(
    make_writer: WriterFactory, inventory_dir: Path
) -> None:
    writer = make_writer(SCAN)
    write_counted_task_parts(inventory_dir, writer, range(3))  # tasks 0 and 1 compacted
    writer.wait_for_compaction()
    assert held(inventory_dir) == {"part-000001.parquet": [task(0), task(1)]}
    # Task 0 runs again (its worker died before its result reached the scanner): its part
    # comes back under the same name, and is never counted again.
    with TaskPartWriter(
        inventory_dir, scan_id=SCAN, name=task(0), key_fingerprint=KEYER.fingerprint
    ) as part:
        part.add(result("t0.txt", record(PNR, start=0),
                        record(EMAIL, entity_type="EMAIL_ADDRESS", start=20)))  # fmt: skip
        part.add(result("u0.txt"))
    assert f"part-task-{task(0)}.parquet" in task_files(inventory_dir)
    objects, _ = rows(inventory_dir, include_open=True)
    assert sorted(objects) == sorted(set(objects))  # read as it is: once
    write_counted_task_parts(inventory_dir, writer, range(3, TASKS))
    writer.add(result("own.txt", record(PNR)))
    writer.close()
    assert rows(inventory_dir) == EXPECTED
    (info,) = Inventory(inventory_dir).scans()
    assert (info.objects, info.findings) == (len(EXPECTED[0]), len(EXPECTED[1]))
    assert not task_files(inventory_dir)
    assert sum(len(tasks) for tasks in held(inventory_dir).values()) == TASKS


# The steps of compacting the first group while the scan runs: three renames, then the
# removal of two tasks' three files each.
RUNNING_STEPS = 3 + 3 * 2


@pytest.mark.usefixtures("small_groups")
@pytest.mark.parametrize("step", range(RUNNING_STEPS))
def test_a_scan_killed_while_it_compacts_resumes_with_every_row_once(
    step: int, make_writer: WriterFactory, inventory_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer = make_writer(SCAN)
    write_counted_task_parts(inventory_dir, writer, range(2))
    steps = 0
    rename, unlink = os.replace, Path.unlink

    def counted() -> None:
        nonlocal steps
        if steps == step:
            raise Killed
        steps += 1

    def counted_rename(source: Any, target: Any) -> None:
        if Path(target).name.startswith("part-0"):
            counted()
        rename(source, target)

    def counted_unlink(path: Path, missing_ok: bool = False) -> None:
        if path.name.startswith("part-task-"):
            counted()
        unlink(path, missing_ok=missing_ok)

    with monkeypatch.context() as patched:
        patched.setattr(os, "replace", counted_rename)
        patched.setattr(Path, "unlink", counted_unlink)
        write_counted_task_parts(inventory_dir, writer, range(2, 3))  # fills the group
        # Stopped in the compaction's thread; the scanner hears of it at its next step.
        with pytest.raises(InventoryError, match=r"compacting task parts failed \(Killed\)"):
            writer.wait_for_compaction()
    # The process ends here (the kernel releases its lock); the scan is open, every row once.
    writer._stop_background()
    writer._lock.release(remove=False)
    assert rows(inventory_dir, include_open=True)[0] == sorted(
        (f"{p}{i}.txt", "") for i in range(3) for p in "tu"
    )
    resumed = make_writer(SCAN, resume=True)
    assert len(resumed.finished) == 6
    write_counted_task_parts(inventory_dir, resumed, range(3, TASKS))
    resumed.add(result("own.txt", record(PNR)))
    resumed.close()
    assert rows(inventory_dir) == EXPECTED
    (info,) = Inventory(inventory_dir).scans()
    assert (info.status, info.objects, info.findings) == (
        "complete", len(EXPECTED[0]), len(EXPECTED[1]),
    )  # fmt: skip
    assert not task_files(inventory_dir)
    assert not list(inventory_dir.rglob("*.tmp"))


# --- In the background: a real kill, and a failure ----------------------------------------------

# Run as a separate process: compacts the first group in the background, stops (as if the
# machine were slow) at one step of it, and goes on counting task parts meanwhile. It says
# where it is through files, and waits for the test's SIGKILL.
KILLED_IN_BACKGROUND = """
import os
import sys
import threading
import time
from pathlib import Path

import piiscan.inventory.writer as writer_module
from piiscan.inventory import InventoryWriter
from piiscan.keys import Keyer
from piiscan.model import FindingRecord, ObjectRef, ObjectResult, Status
from piiscan.scan.task_parts import TaskPartWriter

directory, scan_id, step = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
signals = Path(sys.argv[4])
writer_module.COMPACT_OBJECTS = int(sys.argv[5])
keyer = Keyer(key=bytes(range(32)))
steps = 0
count = threading.Lock()
rename, unlink = os.replace, Path.unlink


def counted():
    global steps
    with count:
        reached, steps = steps == int(step), steps + 1
    if reached:
        (signals / "compacting").touch()
        time.sleep(120)  # held here until the SIGKILL


def counted_rename(source, target):
    if Path(target).name.startswith("part-0"):
        counted()
    rename(source, target)


def counted_unlink(path, missing_ok=False):
    if path.name.startswith("part-task-"):
        counted()
    unlink(path, missing_ok=missing_ok)


os.replace = counted_rename
Path.unlink = counted_unlink
writer = InventoryWriter(directory, scan_id=scan_id, roots=[sys.argv[6]], config_hash="0" * 16,
                         recognizers=["se.personnummer@1"], key_fingerprint=keyer.fingerprint,
                         piiscan_version="test")


def record(start, entity_type, value):
    return FindingRecord(entity_type=entity_type, locator="", start=start, end=start + 13,
                         score=0.95, masked="121212-****", value_key=keyer.value_key(value),
                         recognizer="se.personnummer@1")


for index in range(int(sys.argv[7])):
    name = f"{index:02d}" * 8
    with TaskPartWriter(directory, scan_id=scan_id, name=name,
                        key_fingerprint=keyer.fingerprint) as part:
        ref = ObjectRef(root=sys.argv[6], path=f"t{index}.txt")
        part.add(ObjectResult(ref=ref, status=Status.OK, findings=(
            record(index, "SE_PERSONNUMMER", "191212121212"),
            record(20, "EMAIL_ADDRESS", "anna.testsson@exempel.se"))))
        part.add(ObjectResult(ref=ObjectRef(root=sys.argv[6], path=f"u{index}.txt"),
                              status=Status.OK))
    writer.note_task_part(objects=part.objects, findings=part.findings, errors=part.errors,
                          task=name)
(signals / "went-on").touch()  # every task part counted while the first group waits
time.sleep(120)
"""

# Guards the separate process against hanging; not a measurement of speed.
GUARD_SECONDS = 60.0


def wait_for_file(path: Path, process: subprocess.Popen[bytes], stderr: Path) -> None:
    deadline = time.monotonic() + GUARD_SECONDS
    while not path.exists():
        assert process.poll() is None, stderr.read_text()
        assert time.monotonic() < deadline, f"{path.name} never came"
        time.sleep(0.02)


@pytest.mark.parametrize("step", range(RUNNING_STEPS))
def test_a_scan_killed_while_a_background_compaction_runs_resumes_with_every_row_once(
    step: int, make_writer: WriterFactory, inventory_dir: Path, tmp_path: Path
) -> None:
    signals = tmp_path / "signals"
    signals.mkdir()
    stderr = tmp_path / "stderr"
    with stderr.open("wb") as errors:
        process = subprocess.Popen(
            [sys.executable, "-c", KILLED_IN_BACKGROUND, str(inventory_dir), SCAN, str(step),
             str(signals), str(GROUP_ROWS), ROOT, str(TASKS)],
            stdout=subprocess.DEVNULL, stderr=errors,
        )  # fmt: skip
    try:
        wait_for_file(signals / "compacting", process, stderr)  # the first group's, held
        wait_for_file(signals / "went-on", process, stderr)  # while the scanner counted the rest
        process.send_signal(signal.SIGKILL)
    finally:
        process.kill()
        process.wait(GUARD_SECONDS)
    assert process.returncode == -signal.SIGKILL
    # Killed: the scan is open, every row once.
    (info,) = Inventory(inventory_dir, include_open=True).scans()
    assert info.status == "open"
    expected_objects = [row for row in EXPECTED[0] if row[0] != "own.txt"]
    assert rows(inventory_dir, include_open=True)[0] == expected_objects
    resumed = make_writer(SCAN, resume=True)
    assert len(resumed.finished) == len(expected_objects)
    resumed.add(result("own.txt", record(PNR)))
    resumed.close()
    assert rows(inventory_dir) == EXPECTED
    (info,) = Inventory(inventory_dir).scans()
    assert (info.status, info.objects, info.findings) == (
        "complete", len(EXPECTED[0]), len(EXPECTED[1]),
    )  # fmt: skip
    assert not task_files(inventory_dir)
    assert not list(inventory_dir.rglob("*.tmp"))


class Defect(Exception):
    """Stands for a defect in the compaction (not a file it cannot read or write)."""


@pytest.mark.usefixtures("small_groups")
def test_a_compaction_that_fails_in_the_background_fails_the_scan_with_every_row_kept(
    make_writer: WriterFactory, inventory_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer = make_writer(SCAN)

    def defect(self: Any, name: str, number: int) -> None:
        raise Defect("a message that names nothing")

    with monkeypatch.context() as patched:
        patched.setattr(InventoryWriter, "_write_numbered_part", defect)
        write_counted_task_parts(inventory_dir, writer, range(3))  # the first group fills
        writer._background.wait()  # type: ignore[union-attr]
        # The scanner's next step says so, in one line (task 3's part is counted first: it
        # is on disk), and the scan stops.
        with pytest.raises(InventoryError, match=r"compacting task parts failed \(Defect\)"):
            write_counted_task_parts(inventory_dir, writer, range(3, TASKS))
        # Closed as interrupted (the error goes on), its task parts kept, every row once.
        with pytest.raises(InventoryError, match="compacting task parts failed"):
            writer.close("interrupted")
    (info,) = Inventory(inventory_dir).scans()
    assert info.status == "interrupted"
    assert rows(inventory_dir)[0] == sorted((f"{p}{i}.txt", "") for i in range(4) for p in "tu")
    assert (info.objects, info.findings) == (8, 8)
    assert len(task_files(inventory_dir)) == 3 * 4
    # A resume finishes it, compacted.
    resumed = make_writer(SCAN, resume=True)
    assert len(resumed.finished) == 8
    write_counted_task_parts(inventory_dir, resumed, range(4, TASKS))
    resumed.add(result("own.txt", record(PNR)))
    resumed.close()
    assert rows(inventory_dir) == EXPECTED
    assert not task_files(inventory_dir)


@pytest.mark.usefixtures("small_groups")
def test_a_compaction_found_failed_at_close_closes_the_scan_as_interrupted(
    make_writer: WriterFactory, inventory_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer = make_writer(SCAN)
    calls = 0
    write = InventoryWriter._write_numbered_part

    def defect_once(self: InventoryWriter, tables: Any, number: int, **options: Any) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise Defect("a message that names nothing")
        write(self, tables, number, **options)

    monkeypatch.setattr(InventoryWriter, "_write_numbered_part", defect_once)
    write_counted_task_parts(inventory_dir, writer, range(3))
    writer.add(result("own.txt", record(PNR)))
    # The last step of a scan: close hears of the failure, writes its own part, and says so.
    with pytest.raises(InventoryError, match=r"compacting task parts failed \(Defect\)"):
        writer.close()
    (info,) = Inventory(inventory_dir).scans()
    assert info.status == "interrupted"
    assert rows(inventory_dir)[0] == sorted(
        [(f"{p}{i}.txt", "") for i in range(3) for p in "tu"] + [("own.txt", "")]
    )  # fmt: skip


@pytest.mark.usefixtures("small_groups")
def test_a_group_whose_files_cannot_be_written_is_left_for_the_close(
    make_writer: WriterFactory,
    inventory_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    writer = make_writer(SCAN)
    calls = 0
    write = InventoryWriter._write_numbered_part

    def full_disk_once(self: InventoryWriter, tables: Any, number: int, **options: Any) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise InventoryError("cannot write part-000001.parquet: No space left on device")
        write(self, tables, number, **options)

    monkeypatch.setattr(InventoryWriter, "_write_numbered_part", full_disk_once)
    with caplog.at_level(logging.WARNING, logger="piiscan.inventory.writer"):
        write_counted_task_parts(inventory_dir, writer, range(TASKS))
        writer.wait_for_compaction()  # no error: the scan goes on
    assert "task parts left for the close (cannot write part-000001.parquet" in caplog.text
    writer.add(result("own.txt", record(PNR)))
    writer.close()
    assert rows(inventory_dir) == EXPECTED
    (info,) = Inventory(inventory_dir).scans()
    assert info.status == "complete"
    assert not task_files(inventory_dir)


def write_range_part(directory: Path, writer: InventoryWriter, index: int) -> None:
    """A range of ``big.txt`` read by a task of its own: findings only, the file's row comes
    from the scanner once every range is in (:mod:`piiscan.scan.ranges`)."""
    with TaskPartWriter(
        directory, scan_id=SCAN, name=task(10 + index), key_fingerprint=KEYER.fingerprint
    ) as part:
        ref = ObjectRef(root=ROOT, path="big.txt")
        part.add(FindingChunk(ref=ref, findings=(record(PNR, start=100 * index),)))
    writer.note_task_part(objects=0, findings=1, errors=0, task=task(10 + index))


def test_a_range_read_again_after_a_resume_keeps_its_rows_though_its_name_was_compacted(
    make_writer: WriterFactory, inventory_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("piiscan.inventory.writer.COMPACT_TASKS", 2)
    writer = make_writer(SCAN)
    for index in range(2):
        write_range_part(inventory_dir, writer, index)
    write_counted_task_parts(inventory_dir, writer, range(1))  # the ranges' group is full
    writer.wait_for_compaction()
    assert held(inventory_dir) == {"part-000001.parquet": [task(10), task(11)]}
    # Killed before the file's last range: its row never came, so it is read again.
    writer._stop_background()
    writer._lock.release(remove=False)
    resumed = make_writer(SCAN, resume=True)
    assert ("/srv/share", "big.txt") not in resumed.finished
    for index in range(2):  # the same ranges, so tasks of the same names (without a run)
        write_range_part(inventory_dir, resumed, index)
    resumed.add(result("big.txt", streamed=2))
    resumed.close()
    objects, findings = rows(inventory_dir)
    assert objects == [("big.txt", ""), ("t0.txt", ""), ("u0.txt", "")]
    assert [row for row in findings if row[0] == "big.txt"] == [
        ("big.txt", 0, "SE_PERSONNUMMER"), ("big.txt", 100, "SE_PERSONNUMMER"),
    ]  # fmt: skip
    (info,) = Inventory(inventory_dir).scans()
    assert (info.objects, info.findings) == (3, 4)
