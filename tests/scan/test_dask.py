"""Scans on a real Dask cluster: a ``LocalCluster`` of worker processes on 127.0.0.1, and a
``dask scheduler`` and ``dask worker`` started as separate processes.

The inventory of a Dask scan is compared with a local scan of the same tree (objects and
findings, never timings); workers are killed mid-scan; a worker with another key makes the
scan refuse to start. CI installs the dask extra (``.ci/run``), so none of these skip there.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from piiscan.api import scan
from piiscan.config import ScanConfig
from piiscan.errors import ConfigError
from piiscan.inventory import Inventory, InventoryWriter, new_scan_id
from piiscan.inventory.layout import META_REPLACES
from piiscan.keys import Keyer, load_or_create_key
from piiscan.model import FindingChunk, FindingRecord, ObjectRef, ObjectResult, Status
from piiscan.scan.plan import ObjectHandle
from piiscan.scan.session import Progress
from piiscan.scan.task_parts import TaskPartWriter, task_name

from .conftest import dense_text, small_files
from .inventories import inventory_rows

distributed = pytest.importorskip("distributed", reason="the dask extra is not installed")

pytestmark = [pytest.mark.slow, pytest.mark.dask]

SHARE = Path(__file__).resolve().parents[2] / "fixtures" / "share"
WORKERS = 2
# Guards the separate processes against hanging; not a measurement of speed.
GUARD_SECONDS = 120.0


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    """A LocalCluster of two worker processes (one thread each) on 127.0.0.1."""
    with distributed.LocalCluster(
        n_workers=WORKERS,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=":0",
    ) as local:
        yield local


@pytest.fixture(scope="module")
def key_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("key") / "key"
    load_or_create_key(path)
    return path


def compacted_tasks(inventory: Path) -> list[str]:
    """The task parts the numbered parts of the inventory's scans hold (their footers say)."""
    names = []
    for path in (inventory / "objects").glob("*/part-*.parquet"):
        metadata = pq.read_schema(path).metadata or {}
        names += [name for name in metadata.get(META_REPLACES, b"").decode().split(",") if name]
    return names


def local_scan(root: Path, inventory: Path, key_file: Path) -> None:
    scan(ScanConfig(roots=(str(root),), inventory=inventory, workers=1, key_file=key_file))


def test_a_dask_scan_equals_a_local_scan(tmp_path: Path, cluster: Any, key_file: Path) -> None:
    notices: list[str] = []
    seen: list[Progress] = []
    config = ScanConfig(
        roots=(str(SHARE),), inventory=tmp_path / "dask", key_file=key_file,
        executor="dask", scheduler=cluster.scheduler_address,
    )  # fmt: skip
    report = scan(config, notice=notices.append, progress=lambda p: seen.append(p))
    local_scan(SHARE, tmp_path / "local", key_file)
    dask_rows, local_rows = inventory_rows(tmp_path / "dask"), inventory_rows(tmp_path / "local")
    assert dask_rows[0] == local_rows[0]
    assert dask_rows[1] == local_rows[1]
    assert len(dask_rows[1]) > 100  # the share is full of findings
    assert report.objects == len(dask_rows[0])
    # Progress as for a local scan: objects, bytes, findings, errors, ending at the totals.
    assert seen
    assert seen[-1].objects == report.objects
    assert seen[-1].findings == report.findings
    assert seen[-1].errors == report.errors
    assert seen[-1].bytes > 0
    assert any(notice.startswith("Dask dashboard: http://127.0.0.1:") for notice in notices)
    # The workers wrote the rows into parts named after their tasks; closing the scan
    # compacted those into one numbered part that names them.
    assert not list((tmp_path / "dask").rglob("part-task-*"))
    assert len(list((tmp_path / "dask" / "objects").glob("*/part-*.parquet"))) == 1
    assert compacted_tasks(tmp_path / "dask")
    assert not list((tmp_path / "dask").rglob("*.tmp"))


def test_workers_killed_mid_scan_end_in_a_complete_scan_without_duplicates(
    tmp_path: Path, cluster: Any, key_file: Path
) -> None:
    root = tmp_path / "share"
    root.mkdir()
    (root / "a_slow.txt").write_text(dense_text(3), encoding="utf-8")
    names = ["a_slow.txt", *small_files(root, 24)]
    with distributed.Client(cluster.scheduler_address, set_as_default=False) as client:
        pids = set(client.run(os.getpid).values())
    killed: set[int] = set()
    paths_done: set[str] = set()
    slow_done_before_kill = []

    def kill_workers(progress: Progress) -> None:
        paths_done.add(progress.current)
        if not killed and progress.objects >= 3:
            slow_done_before_kill.append("a_slow.txt" in paths_done)
            for pid in pids:
                os.kill(pid, signal.SIGKILL)
                killed.add(pid)

    config = ScanConfig(
        roots=(str(root),), inventory=tmp_path / "dask", key_file=key_file,
        executor="dask", scheduler=cluster.scheduler_address,
    )  # fmt: skip
    report = scan(config, progress=kill_workers)
    assert killed
    assert slow_done_before_kill == [False]  # its worker died while it read it
    local_scan(root, tmp_path / "local", key_file)
    objects, findings = inventory_rows(tmp_path / "dask")
    # One row per file (the nannies started new workers; Dask ran the tasks again, and each
    # rerun replaced its part), and the same findings as a local scan: none twice.
    assert sorted(row[1] for row in objects) == sorted(names)
    assert (objects, findings) == inventory_rows(tmp_path / "local")
    assert report.objects == len(names)
    with distributed.Client(cluster.scheduler_address, set_as_default=False) as client:
        client.wait_for_workers(WORKERS, timeout=GUARD_SECONDS)


def test_a_big_text_file_in_ranges_on_dask_equals_a_local_read_at_once(
    tmp_path: Path, cluster: Any, key_file: Path
) -> None:
    root = tmp_path / "share"
    root.mkdir()
    (root / "stor.txt").write_text(dense_text(0.6), encoding="utf-8")
    small_files(root, 3)
    split = 64 * 1024
    config = ScanConfig(
        roots=(str(root),), inventory=tmp_path / "dask", key_file=key_file,
        executor="dask", scheduler=cluster.scheduler_address, split_bytes=split,
    )  # fmt: skip
    report = scan(config)
    scan(
        ScanConfig(roots=(str(root),), inventory=tmp_path / "local", workers=1,
                   key_file=key_file, split_bytes=0)
    )  # fmt: skip
    assert inventory_rows(tmp_path / "dask") == inventory_rows(tmp_path / "local")
    assert report.objects == 4
    # The big file's ranges (about 600 KB in ranges of at least 64 KB: 8 or 9) ran as tasks
    # of their own, each with its part (compacted when the scan closed).
    assert len(compacted_tasks(tmp_path / "dask")) >= 8


def test_a_stopped_dask_scan_is_closed_with_every_row_it_counted(
    tmp_path: Path, cluster: Any, key_file: Path
) -> None:
    root = tmp_path / "share"
    root.mkdir()
    (root / "a_slow.txt").write_text(dense_text(2), encoding="utf-8")
    small_files(root, 60)

    def stop(progress: Progress) -> None:
        if progress.objects >= 3:
            raise KeyboardInterrupt

    config = ScanConfig(
        roots=(str(root),), inventory=tmp_path / "dask", key_file=key_file,
        executor="dask", scheduler=cluster.scheduler_address,
    )  # fmt: skip
    with pytest.raises(KeyboardInterrupt):
        scan(config, progress=stop)
    time.sleep(5)  # what still ran on the workers has ended (and renamed nothing)
    reader = Inventory(tmp_path / "dask")
    (info,) = reader.scans()
    assert info.status == "interrupted"
    assert 3 <= info.objects < 61
    # The reader checks the parts hold the closed row's counts: no part of a task that was
    # still running when the scan stopped is in the scan.
    assert reader.objects().num_rows == info.objects
    assert reader.findings().num_rows == info.findings


def test_a_task_run_again_replaces_its_part(tmp_path: Path) -> None:
    keyer = Keyer(key=bytes(range(32)))
    inventory = tmp_path / "inv"
    scan_id = new_scan_id()
    ref = ObjectRef(root="/srv", path="kunder.txt")
    handle = ObjectHandle(root_index=0, ref=ref, size=10)
    name = task_name(scan_id, [handle])
    record = FindingRecord(
        locator="line=1", entity_type="SE_PERSONNUMMER", value_key=keyer.value_key("191212121212"),
        masked="191212-****", start=0, end=13, score=1.0, recognizer="se.personnummer@1",
    )  # fmt: skip
    with InventoryWriter(
        inventory, scan_id=scan_id, roots=["/srv"], config_hash="0" * 16, recognizers=[],
        key_fingerprint=keyer.fingerprint, piiscan_version="0",
    ) as writer:  # fmt: skip
        for _ in range(2):  # the first run's worker "died" after it wrote its part
            with TaskPartWriter(
                inventory, scan_id=scan_id, name=name, key_fingerprint=keyer.fingerprint
            ) as part:
                part.add(FindingChunk(ref=ref, findings=(record,)))
                part.add(ObjectResult(ref=ref, status=Status.OK, size=10, findings=(record,),
                                      streamed=1))  # fmt: skip
        counts = part.summary(ref, 10)
        writer.note_task_part(objects=counts.objects, findings=counts.findings,
                              errors=counts.errors)  # fmt: skip
    reader = Inventory(inventory)
    (info,) = reader.scans()
    assert (info.status, info.objects, info.findings) == ("complete", 1, 2)
    assert reader.objects().num_rows == 1
    assert reader.findings().num_rows == 2
    assert len(list((inventory / "objects" / scan_id).iterdir())) == 1


@contextlib.contextmanager
def dask_process(
    *args: str, env: dict[str, str] | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """``dask ARGS...`` as a separate process, stopped at the end."""
    command = [str(Path(sys.executable).with_name("dask")), *args]
    process = subprocess.Popen(
        command, env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=GUARD_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_for_file(path: Path) -> None:
    deadline = time.monotonic() + GUARD_SECONDS
    while not path.is_file() or not path.stat().st_size:
        if time.monotonic() > deadline:
            raise AssertionError(f"{path} did not appear")
        time.sleep(0.1)


def worker_args(scheduler_file: Path) -> list[str]:
    return ["worker", "--scheduler-file", str(scheduler_file), "--host", "127.0.0.1",
            "--nthreads", "1", "--no-dashboard", "--no-nanny"]  # fmt: skip


def test_scheduler_and_workers_as_separate_processes(tmp_path: Path, key_file: Path) -> None:
    scheduler_file = tmp_path / "scheduler.json"
    root = tmp_path / "share"
    small_files(root, 6)
    other_key = tmp_path / "other-key"
    load_or_create_key(other_key)
    with dask_process(
        "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
        "--scheduler-file", str(scheduler_file),
    ):  # fmt: skip
        wait_for_file(scheduler_file)
        address = json.loads(scheduler_file.read_text(encoding="utf-8"))["address"]
        config = ScanConfig(
            roots=(str(root),), inventory=tmp_path / "dask", key_file=key_file,
            executor="dask", scheduler=address,
        )  # fmt: skip
        # The worker reads the key at its own $PIISCAN_KEY_FILE: the same key here.
        with dask_process(*worker_args(scheduler_file), env={"PIISCAN_KEY_FILE": str(key_file)}):
            report = scan(config)
            local_scan(root, tmp_path / "local", key_file)
            assert inventory_rows(tmp_path / "dask") == inventory_rows(tmp_path / "local")
            assert report.objects == 6
            # A second worker with another key: the scan refuses to start, writing nothing.
            with dask_process(
                *worker_args(scheduler_file), env={"PIISCAN_KEY_FILE": str(other_key)}
            ):
                with distributed.Client(address, set_as_default=False) as client:
                    client.wait_for_workers(2, timeout=GUARD_SECONDS)
                refused = dataclasses.replace(config, inventory=tmp_path / "new")
                with pytest.raises(ConfigError, match=r"key fingerprint \w+ differs"):
                    scan(refused)
                assert not (tmp_path / "new").exists()
                # The command line: one line, exit status 2.
                done = subprocess.run(
                    [sys.executable, "-c", "from piiscan.cli import main; main()", "scan",
                     str(root), "--inventory", str(tmp_path / "new"), "--key-file",
                     str(key_file), "--executor", "dask", "--scheduler", address, "-q"],
                    capture_output=True, text=True, check=False, timeout=GUARD_SECONDS,
                )  # fmt: skip
                assert done.returncode == 2, done.stderr
                assert done.stderr.count("\n") == 1
                assert "differs from the scan's" in done.stderr
                assert not (tmp_path / "new").exists()


def test_without_the_extra_executor_dask_is_one_line_naming_it(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("hej\n", encoding="utf-8")
    program = (
        "import sys; sys.modules['distributed'] = None; "  # as if the extra were not installed
        "from piiscan.cli import main; main()"
    )
    done = subprocess.run(
        [sys.executable, "-c", program, "scan", str(tmp_path / "a.txt"), "--inventory",
         str(tmp_path / "inv"), "--key-file", str(tmp_path / "key"), "--new-key",
         "--executor", "dask", "--scheduler", "tcp://127.0.0.1:1"],
        capture_output=True, text=True, check=False, timeout=GUARD_SECONDS,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr == (
        "piiscan: error: --executor dask needs the dask extra: pip install 'piiscan-se[dask]'\n"
    )


def test_executor_dask_needs_a_scheduler(tmp_path: Path, key_file: Path) -> None:
    config = ScanConfig(roots=(str(SHARE),), inventory=tmp_path / "inv", key_file=key_file,
                        executor="dask")  # fmt: skip
    with pytest.raises(ConfigError, match="--scheduler"):
        scan(config)
    assert not (tmp_path / "inv").exists()
