"""One task: the per-object time limit holds in a worker thread as in a process's main thread.

A Dask worker runs tasks in threads, where no signal arrives; the limit is then raised in the
task's thread by a watcher thread.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from piiscan.config import ScanConfig
from piiscan.extractors.base import Limits
from piiscan.keys import Keyer
from piiscan.model import FindingChunk, ObjectResult, Status
from piiscan.scan.plan import Credentials, ObjectHandle, open_roots, plan
from piiscan.scan.task import TaskContext, WorkerSetup, run_object, scan_object

from .conftest import TEST_PERSONNUMMER, dense_text

pytestmark = [
    pytest.mark.slow,
    # A ring that lands in a garbage-collector callback is reported as unraisable; the next
    # ring stops the object, which is what is tested.
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]


def _context(root: Path, tmp_path: Path, engine: Any, seconds: float) -> tuple[Any, ...]:
    config = ScanConfig(
        roots=(str(root),), inventory=tmp_path / "inv", limits=Limits(max_object_seconds=seconds)
    )
    setup = WorkerSetup(config=config, keyer=Keyer(key=bytes(range(32))))
    handles = [i for i in plan(open_roots(config, Credentials())) if isinstance(i, ObjectHandle)]
    return TaskContext.build(setup, engine=engine), handles


def test_time_limit_holds_in_a_worker_thread(tmp_path: Path, engine: Any) -> None:
    root = tmp_path / "root"
    root.mkdir()
    (root / "stor.txt").write_text(dense_text(12), encoding="utf-8")
    (root / "liten.txt").write_text("Personnummer 19121212-1212\n", encoding="utf-8")
    context, handles = _context(root, tmp_path, engine, 1.0)
    with ThreadPoolExecutor(max_workers=1) as pool:
        rows = {
            handle.ref.path: pool.submit(scan_object, handle, context).result()
            for handle in handles
        }
    [slow] = rows["stor.txt"]
    assert slow.status == Status.TIMED_OUT
    assert slow.reason == "stopped after 1 s (per-file time limit)"
    assert slow.findings  # what was found before the limit is kept
    [small] = rows["liten.txt"]  # the next task in the same thread is not hit by a late ring
    assert small.status == Status.OK
    assert not [t for t in threading.enumerate() if t.name == "piiscan-time-limit"]


def test_no_limit_in_a_thread_reads_everything(tmp_path: Path, engine: Any) -> None:
    root = tmp_path / "root"
    root.mkdir()
    (root / "liten.txt").write_text("Personnummer 19121212-1212\n", encoding="utf-8")
    context, [handle] = _context(root, tmp_path, engine, 0)
    with ThreadPoolExecutor(max_workers=1) as pool:
        [row] = pool.submit(scan_object, handle, context).result()
    assert row.status == Status.OK


def _csv_of(count: int) -> str:
    numbers = TEST_PERSONNUMMER.read_text(encoding="ascii").split()[:count]
    return "Namn;Personnummer\n" + "".join(
        f"Kund {i};{n[:8]}-{n[8:]}\n" for i, n in enumerate(numbers)
    )


def test_findings_stream_in_chunks_and_the_row_comes_last(tmp_path: Path, engine: Any) -> None:
    root = tmp_path / "root"
    root.mkdir()
    (root / "kunder.csv").write_text(_csv_of(7), encoding="utf-8")
    context, [handle] = _context(root, tmp_path, engine, 0)
    values: list[FindingChunk | ObjectResult] = []
    sent = run_object(handle, context, values.append, chunk_records=3)
    assert sent == len(values) == 3
    first, second, row = values
    assert isinstance(first, FindingChunk)
    assert isinstance(second, FindingChunk)
    assert (len(first.findings), len(second.findings)) == (3, 3)
    assert isinstance(row, ObjectResult)
    assert (row.status, row.streamed, len(row.findings), row.finding_count) == (Status.OK, 6, 1, 7)
    # The same output each run: a run after a dead worker passes over what was received.
    again: list[FindingChunk | ObjectResult] = []
    assert run_object(handle, context, again.append, skip=2, chunk_records=3) == 1
    assert again == [row]
    # scan_object collects the chunks into the whole result.
    [whole] = scan_object(handle, context)
    assert whole.streamed == 0
    assert whole.findings == (*first.findings, *second.findings, *row.findings)


def test_what_the_receiver_raises_ends_the_task(tmp_path: Path, engine: Any) -> None:
    root = tmp_path / "root"
    root.mkdir()
    (root / "kunder.csv").write_text(_csv_of(4), encoding="utf-8")
    context, [handle] = _context(root, tmp_path, engine, 0)

    def full_disk(value: FindingChunk | ObjectResult) -> None:
        raise OSError(28, "No space left on device")

    # Not an "error" row of the object: the inventory could not be written.
    with pytest.raises(OSError, match="No space"):
        run_object(handle, context, full_disk, chunk_records=2)
