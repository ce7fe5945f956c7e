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
from piiscan.model import Status
from piiscan.scan.plan import Credentials, ObjectHandle, open_roots, plan
from piiscan.scan.task import TaskContext, WorkerSetup, scan_object

from .conftest import dense_text

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
