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
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from piiscan.api import scan
from piiscan.config import ScanConfig
from piiscan.errors import ConfigError
from piiscan.inventory import Inventory, InventoryWriter, new_scan_id
from piiscan.keys import Keyer, load_or_create_key
from piiscan.model import FindingChunk, FindingRecord, ObjectRef, ObjectResult, Status
from piiscan.scan.plan import ObjectHandle
from piiscan.scan.session import Progress
from piiscan.scan.task_parts import TaskPartWriter, task_name

from .conftest import dense_text, small_files
from .inventories import compacted_tasks, inventory_rows

distributed = pytest.importorskip("distributed", reason="the dask extra is not installed")
dask_executor = pytest.importorskip("piiscan.scan.dask_executor")

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


def test_a_new_key_is_in_its_file_before_workers_that_share_its_path_are_checked(
    tmp_path: Path, cluster: Any
) -> None:
    notices: list[str] = []
    key = tmp_path / "keys" / "key"
    config = ScanConfig(
        roots=(str(SHARE / "Texter"),), inventory=tmp_path / "inv", key_file=key,
        new_key=True, executor="dask", scheduler=cluster.scheduler_address,
    )  # fmt: skip
    report = scan(config, notice=notices.append)
    assert report.objects == 5
    assert key.is_file()
    assert any(notice.startswith(f"created a new key file {key}") for notice in notices)
    (info,) = Inventory(tmp_path / "inv").scans()
    assert info.key_fingerprint == load_or_create_key(key, create=False).fingerprint


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
    # Resumed on Dask: the parts its tasks wrote count, the rest is read, once.
    report = scan(dataclasses.replace(config, resume=True))
    assert (report.scan_id, report.resumed) == (info.scan_id, True)
    local_scan(root, tmp_path / "local", key_file)
    assert inventory_rows(tmp_path / "dask") == inventory_rows(tmp_path / "local")


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


def test_a_task_keeps_its_name_within_a_run_and_takes_another_in_the_next() -> None:
    # Within a run, a task Dask runs again replaces its part; a resumed scan's task never
    # takes a name that a compacted part of the run before names (see run_task_name).
    handle = ObjectHandle(root_index=0, ref=ObjectRef(root="/srv", path="stor.txt"), size=10)
    scan_id = new_scan_id()
    first, again = (dask_executor.run_task_name(scan_id, "a1" * 8, [handle]) for _ in range(2))
    assert first == again
    assert dask_executor.run_task_name(scan_id, "b2" * 8, [handle]) != first


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
                # With --new-key: the key is in its file while the workers are checked (they
                # may read it there), and a refused scan takes it away again.
                new_key = tmp_path / "keys" / "new-key"
                done = subprocess.run(
                    [sys.executable, "-c", "from piiscan.cli import main; main()", "scan",
                     str(root), "--inventory", str(tmp_path / "new"), "--key-file",
                     str(new_key), "--new-key", "--executor", "dask", "--scheduler", address,
                     "-q"],
                    capture_output=True, text=True, check=False, timeout=GUARD_SECONDS,
                )  # fmt: skip
                assert done.returncode == 2, done.stderr
                assert "differs from the scan's" in done.stderr
                assert not new_key.exists()
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


# --- Resume of a Dask scan whose scanner was killed ------------------------------------------

_CLI = [sys.executable, "-c", "from piiscan.cli import main; main()"]


@pytest.fixture(scope="module")
def dask_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Small files between files dense with findings (slow to scan), and an archive."""
    root = tmp_path_factory.mktemp("dask-resume") / "share"
    for index in range(6):
        small_files(root, 20, prefix=f"{index}a")
        (root / f"{index}m_dense.txt").write_text(dense_text(0.3), encoding="utf-8")
    with zipfile.ZipFile(root / "7_arkiv.zip", "w") as archive:
        archive.writestr("inne/brev.txt", "Ring 070-174 06 05 eller skriv till 19121212-1212.")
        archive.writestr("lista.txt", "Personnummer 19121212-1212\n")
    return root


@pytest.fixture(scope="module")
def dask_tree_reference(
    dask_tree: Path, key_file: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The objects and findings of an uninterrupted local scan of :func:`dask_tree`."""
    inventory = tmp_path_factory.mktemp("dask-reference") / "inv"
    scan(ScanConfig.from_options([str(dask_tree)], inventory=inventory, workers=1,
                                 key_file=key_file, person_model="none"))  # fmt: skip
    return inventory_rows(inventory)


def task_parts_on_disk(inventory: Path) -> int:
    return len(list((inventory / "objects").glob("*/part-task-*.parquet")))


def kill_9_when(scanner: subprocess.Popen[str], condition: Any) -> None:
    """``kill -9`` the scanner once ``condition()`` holds (it must, before the scan ends)."""
    try:
        deadline = time.monotonic() + GUARD_SECONDS
        while not condition():
            assert scanner.poll() is None, f"the scan ended first: {scanner.communicate()}"
            assert time.monotonic() < deadline, "the scan never got there"
            time.sleep(0.02)
    finally:
        scanner.kill()
        scanner.communicate(timeout=GUARD_SECONDS)


def test_a_dask_scan_killed_with_kill_9_resumes_to_an_uninterrupted_scan(
    tmp_path: Path,
    cluster: Any,
    key_file: Path,
    dask_tree: Path,
    dask_tree_reference: tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]],
) -> None:
    inventory = tmp_path / "inv"
    config = tmp_path / "piiscan.toml"
    config.write_text(
        f'inventory = "{inventory}"\nkey_file = "{key_file}"\n[scan]\nroots = ["{dask_tree}"]\n'
        f'person_model = "none"\nexecutor = "dask"\nscheduler = "{cluster.scheduler_address}"\n',
        encoding="utf-8",
    )
    config_run = [*_CLI, "scan", "--config", str(config), "--quiet"]

    def start(command: list[str]) -> subprocess.Popen[str]:
        return subprocess.Popen(command, stderr=subprocess.PIPE, text=True)

    # 1. A config-file run, killed once workers wrote some parts (tasks it had sent run on).
    kill_9_when(start(config_run), lambda: task_parts_on_disk(inventory) >= 2)
    (killed,) = Inventory(inventory, include_open=True).scans()
    assert killed.status == "open"
    assert killed.objects < len(dask_tree_reference[0])
    # 2. The next config-file run resumes it by itself (at once: the killed scanner's tasks
    # may still run on the workers), and is killed again.
    done = task_parts_on_disk(inventory)
    kill_9_when(start(config_run), lambda: task_parts_on_disk(inventory) >= done + 2)
    assert len(Inventory(inventory, include_open=True).scans()) == 1
    # 3. --resume on the command line, to the end.
    resumed = subprocess.run(
        [*_CLI, "scan", str(dask_tree), "--inventory", str(inventory), "--key-file",
         str(key_file), "--person-model", "none", "--executor", "dask", "--scheduler",
         cluster.scheduler_address, "--resume", "--quiet"],
        capture_output=True, text=True, check=False, timeout=GUARD_SECONDS * 4,
    )  # fmt: skip
    assert resumed.returncode == 0, resumed.stderr
    assert f"resuming scan {killed.scan_id}" in resumed.stderr
    assert "piiscan: Dask dashboard: http://127.0.0.1:" in resumed.stderr  # --quiet or not
    (info,) = Inventory(inventory).scans()
    assert (info.scan_id, info.status, info.started) == (killed.scan_id, "complete", killed.started)
    # Every object and finding once, as in an uninterrupted scan (inventory_rows also checks
    # the scan's counts against its rows).
    assert inventory_rows(inventory) == dask_tree_reference
    # Tasks of the killed scanners that were still running added nothing after the resume.
    time.sleep(2)
    assert inventory_rows(inventory) == dask_tree_reference
    assert not list(inventory.rglob("part-task-*"))
    assert not list(inventory.rglob("*.tmp"))
    assert not list(inventory.rglob("*.runs"))
