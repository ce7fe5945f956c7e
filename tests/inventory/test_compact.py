"""Task parts (a Dask scan's, :mod:`piiscan.scan.task_parts`) compacted when the scan closes.

A compaction stopped at each of its steps (as a kill would stop it) leaves every row once, for
a reader of the open scan and for a resume; a task of a killed scanner that finishes after the
scan was resumed renames nothing into it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from piiscan.errors import InventoryError
from piiscan.inventory import Inventory, InventoryWriter, Layout
from piiscan.inventory.layout import META_REPLACES
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
    # runs; the fifth part waits for more.
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
        with pytest.raises(Killed):
            write_counted_task_parts(inventory_dir, writer, range(2, 3))  # fills the group
    # The process ends here (the kernel releases its lock); the scan is open, every row once.
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
