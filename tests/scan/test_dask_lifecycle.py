"""A Dask scan's progress and its plugin's life, on a real ``LocalCluster`` on 127.0.0.1.

Progress moves object by object as a local scan's does (the running tasks report what they
finished), and ends at the inventory's totals; the scan's worker plugin leaves the cluster
however the scanner ends (normally, on an error, Ctrl-C, ``SIGTERM``), and a plugin that a
scanner killed with ``kill -9`` left is removed by the next scan, while the plugin of a scan
still running stays. Assertions are on counts and plugin names, never on timings.
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from piiscan.api import scan
from piiscan.config import ScanConfig
from piiscan.inventory import Inventory, InventoryWriter, Layout
from piiscan.keys import load_or_create_key
from piiscan.scan.session import Progress

from .conftest import small_files
from .inventories import compacted_tasks, inventory_rows

distributed = pytest.importorskip("distributed", reason="the dask extra is not installed")
dask_executor = pytest.importorskip("piiscan.scan.dask_executor")

pytestmark = [pytest.mark.slow, pytest.mark.dask]

# Guards the separate processes against hanging; not a measurement of speed.
GUARD_SECONDS = 120.0
FIELDS = ("objects", "bytes", "findings", "errors")


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    """A LocalCluster of two worker processes (one thread each) on 127.0.0.1."""
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
        dashboard_address=":0",
    ) as local:  # fmt: skip
        yield local


@pytest.fixture(scope="module")
def key_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("key") / "key"
    load_or_create_key(path)
    return path


def dask_config(root: Path, inventory: Path, key_file: Path, cluster: Any) -> ScanConfig:
    return ScanConfig(roots=(str(root),), inventory=inventory, key_file=key_file,
                      executor="dask", scheduler=cluster.scheduler_address)  # fmt: skip


def piiscan_plugins(cluster: Any) -> tuple[list[str], set[str]]:
    """The scans' plugins the scheduler holds, and those the workers hold."""

    def on_scheduler(dask_scheduler: Any = None) -> list[str]:
        return sorted(name for name in dask_scheduler.worker_plugins if name.startswith("piiscan-"))

    def on_worker(dask_worker: Any = None) -> list[str]:
        return sorted(name for name in dask_worker.plugins if name.startswith("piiscan-"))

    with distributed.Client(cluster.scheduler_address, set_as_default=False) as client:
        scheduler = client.run_on_scheduler(on_scheduler)
        workers = {name for names in client.run(on_worker).values() for name in names}
    return scheduler, workers


def test_progress_moves_object_by_object_and_ends_at_the_inventory_totals(
    tmp_path: Path, cluster: Any, key_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every finished object reported (by default a running task reports once a second).
    monkeypatch.setattr(dask_executor, "PROGRESS_SECONDS", 0.0)
    root = tmp_path / "share"
    names = small_files(root, 80)
    (root / "trasig.docx").write_bytes(b"not a zip")  # a row of its own status
    seen: list[Progress] = []
    notices: list[str] = []
    inventory = tmp_path / "inv"
    report = scan(
        dask_config(root, inventory, key_file, cluster),
        progress=lambda p: seen.append(dataclasses.replace(p)),
        notice=notices.append,
    )
    # Never backwards, in any of the four counts.
    for before, after in itertools.pairwise(seen):
        assert all(getattr(after, name) >= getattr(before, name) for name in FIELDS), after
    (info,) = Inventory(inventory).scans()
    last = seen[-1]
    assert (last.objects, last.findings, last.errors) == (info.objects, info.findings, info.errors)
    assert (report.objects, report.errors) == (len(names) + 1, last.errors)
    assert last.findings == len(names)
    assert last.bytes == sum(path.stat().st_size for path in root.iterdir())
    # Moving within tasks, not task by task: more steps than the scan had Dask tasks (a task
    # is a batch of up to 32 objects; the tasks' parts are named in the compacted part).
    tasks = len(compacted_tasks(inventory))
    assert tasks < len(names)
    assert len(seen) > tasks
    assert any(notice.startswith("Dask dashboard: http://127.0.0.1:") for notice in notices)


def test_the_plugin_leaves_the_cluster_when_the_scan_ends_or_fails_or_is_stopped(
    tmp_path: Path, cluster: Any, key_file: Path
) -> None:
    root = tmp_path / "share"
    small_files(root, 40)
    registered: list[tuple[list[str], set[str]]] = []

    def look(progress: Progress) -> None:
        if not registered:
            registered.append(piiscan_plugins(cluster))

    # 1. A scan that ends normally.
    scan(dask_config(root, tmp_path / "a", key_file, cluster), progress=look)
    (scheduler, workers) = registered.pop()
    assert len(scheduler) == 1  # this scan's, while it ran
    assert set(scheduler) == workers
    assert piiscan_plugins(cluster) == ([], set())

    # 2. An error in the caller's progress callback, and Ctrl-C (KeyboardInterrupt).
    for error in (RuntimeError, KeyboardInterrupt):

        def fail(progress: Progress, error: type[BaseException] = error) -> None:
            look(progress)
            raise error

        with pytest.raises(error):
            scan(dask_config(root, tmp_path / error.__name__, key_file, cluster), progress=fail)
        assert len(registered.pop()[0]) == 1
        assert piiscan_plugins(cluster) == ([], set())


PROGRAM = """
import signal
import sys
from pathlib import Path
from piiscan.api import scan
from piiscan.config import ScanConfig

def stop_here(progress):
    print("scanning", flush=True)
    sys.stdin.readline()  # until the test has signalled or killed this process

root, inventory, key_file, scheduler = sys.argv[1:]
try:
    scan(ScanConfig(roots=(root,), inventory=Path(inventory), key_file=Path(key_file),
                    executor="dask", scheduler=scheduler), progress=stop_here)
except KeyboardInterrupt as stopped:  # as the command line ends: 128 + the signal's number
    sys.exit(128 + getattr(stopped, "signum", signal.SIGINT))
"""


def scanner_stopped_by(signum: int, tmp_path: Path, cluster: Any, key_file: Path) -> int:
    """Run a Dask scan in a process of its own; signal it while it scans; its exit status."""
    root = tmp_path / "share"
    small_files(root, 40)
    process = subprocess.Popen(
        [sys.executable, "-c", PROGRAM, str(root), str(tmp_path / f"inv-{signum}"), str(key_file),
         cluster.scheduler_address],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        assert process.stdout.readline() == "scanning\n", process.communicate()
        assert len(piiscan_plugins(cluster)[0]) >= 1
        process.send_signal(signum)  # SIGTERM: raised in the callback's wait
        return process.wait(timeout=GUARD_SECONDS)
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=GUARD_SECONDS)


def test_a_scanner_stopped_by_sigterm_removes_its_plugin(
    tmp_path: Path, cluster: Any, key_file: Path
) -> None:
    assert scanner_stopped_by(signal.SIGTERM, tmp_path, cluster, key_file) == 128 + 15
    assert piiscan_plugins(cluster) == ([], set())
    (info,) = Inventory(tmp_path / f"inv-{signal.SIGTERM}").scans()
    assert info.status == "interrupted"


def test_the_next_scan_removes_the_plugin_a_killed_scanner_left_but_not_a_running_ones(
    tmp_path: Path, cluster: Any, key_file: Path
) -> None:
    assert scanner_stopped_by(signal.SIGKILL, tmp_path, cluster, key_file) == -signal.SIGKILL
    (stale,) = piiscan_plugins(cluster)[0]  # a scanner killed with kill -9 cannot remove it
    # The plugin of a scan running now, from another scanner (another Dask client).
    config = dask_config(tmp_path / "share", tmp_path / "other", key_file, cluster)
    with distributed.Client(cluster.scheduler_address, set_as_default=False) as other:
        running = dask_executor.ScanPlugin(
            config, scan_id="20261207T120000Z-0001", key_fingerprint="00", owner=str(other.id)
        )
        other.register_plugin(running, name=running.name)
        seen: list[tuple[list[str], set[str]]] = []
        root = tmp_path / "next"
        small_files(root, 5)
        report = scan(
            dask_config(root, tmp_path / "next-inv", key_file, cluster),
            progress=lambda p: seen.append(piiscan_plugins(cluster)) if not seen else None,
        )
        assert report.objects == 5
        (scheduler, _) = seen[0]
        assert stale not in scheduler  # gone before the next scan registered its own
        assert running.name in scheduler
        assert piiscan_plugins(cluster) == ([running.name], {running.name})
    # Its scanner gone too (its client closed without removing it): the next scan removes it.
    scan(dask_config(root, tmp_path / "last-inv", key_file, cluster))
    assert piiscan_plugins(cluster) == ([], set())
    assert inventory_rows(tmp_path / "last-inv")[0]


# --- Task parts compacted as the scan goes ----------------------------------------------------

# A compacted part holds task parts of up to this many objects rows: about two batches of 32.
GROUP_ROWS = 70


def numbered_parts(inventory: Path) -> list[Path]:
    return sorted((inventory / "objects").glob("*/part-0*.parquet"))


@pytest.fixture(scope="module")
def many_files(tmp_path_factory: pytest.TempPathFactory, key_file: Path) -> tuple[Path, Any]:
    """A tree of many small files (many Dask tasks), and its local scan's rows."""
    root = tmp_path_factory.mktemp("many") / "share"
    small_files(root, 240)
    inventory = tmp_path_factory.mktemp("many-local") / "inv"
    scan(ScanConfig(roots=(str(root),), inventory=inventory, workers=1, key_file=key_file))
    return root, inventory_rows(inventory)


def test_task_parts_are_compacted_while_the_scan_runs(
    tmp_path: Path,
    cluster: Any,
    key_file: Path,
    many_files: tuple[Path, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("piiscan.inventory.writer.COMPACT_OBJECTS", GROUP_ROWS)
    root, reference = many_files
    inventory = tmp_path / "inv"
    compacted_while_running: list[int] = []
    report = scan(
        dask_config(root, inventory, key_file, cluster),
        progress=lambda p: compacted_while_running.append(len(numbered_parts(inventory))),
    )
    assert max(compacted_while_running) >= 2  # groups compacted before the scan closed
    # The same rows as a local scan, none twice, in few files: no task part is left.
    assert inventory_rows(inventory) == reference
    assert report.objects == 240
    assert not list(inventory.rglob("part-task-*"))
    tasks = compacted_tasks(inventory)
    assert len(tasks) == len(set(tasks))  # each task's part in one compacted part
    assert len(numbered_parts(inventory)) < len(tasks)


KILLED_WHILE_COMPACTING = """
import os
import sys
from pathlib import Path
import piiscan.inventory.writer as writer
from piiscan.api import scan
from piiscan.config import ScanConfig

writer.COMPACT_OBJECTS = int(sys.argv[5])
removed = 0
remove = writer._remove

def remove_then_die(path):
    # The first group's part is whole; its task parts are being removed: die as kill -9 would.
    global removed
    removed += 1
    if removed == 2:
        os._exit(9)
    remove(path)

writer._remove = remove_then_die
root, inventory, key_file, scheduler = sys.argv[1:5]
scan(ScanConfig(roots=(root,), inventory=Path(inventory), key_file=Path(key_file),
                executor="dask", scheduler=scheduler))
"""


def test_a_dask_scan_killed_while_it_compacts_resumes_to_an_uninterrupted_scan(
    tmp_path: Path, cluster: Any, key_file: Path, many_files: tuple[Path, Any]
) -> None:
    root, reference = many_files
    inventory = tmp_path / "inv"
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_WHILE_COMPACTING, str(root), str(inventory),
         str(key_file), cluster.scheduler_address, str(GROUP_ROWS)],
        capture_output=True, text=True, check=False, timeout=GUARD_SECONDS,
    )  # fmt: skip
    assert killed.returncode == 9, killed.stderr
    (info,) = Inventory(inventory, include_open=True).scans()
    assert info.status == "open"
    assert len(numbered_parts(inventory)) == 1  # the first group's part, its tasks' parts left
    assert list(inventory.rglob("part-task-*"))
    report = scan(dataclasses.replace(dask_config(root, inventory, key_file, cluster),
                                      resume=True))  # fmt: skip
    assert (report.scan_id, report.resumed) == (info.scan_id, True)
    assert inventory_rows(inventory) == reference  # every row once
    assert not list(inventory.rglob("part-task-*"))
    assert not list(inventory.rglob("*.tmp"))
    # The killed scanner's plugin went when the resumed scan started; the resumed one's at its end.
    assert piiscan_plugins(cluster) == ([], set())


# --- Plugins that earlier versions registered ---------------------------------------------------


def test_earlier_versions_plugins_go_when_their_scan_is_complete_or_its_scanner_was_killed(
    tmp_path: Path, cluster: Any
) -> None:
    """Earlier versions named a scan's plugin ``piiscan-<scan id>``, without their client: each
    is judged by its scan, as the workers see it in the inventory."""
    fingerprint = "ab" * 8
    writers: list[InventoryWriter] = []

    def earlier_plugin(name: str, run: str) -> Any:
        """A scan opened in an inventory of its own, its run's marker, and its plugin as an
        earlier version registered it; its scan is left as ``name`` says."""
        scan_id = f"20261207T12000{len(writers)}Z-0001"
        inventory = tmp_path / name
        writer = InventoryWriter(inventory, scan_id=scan_id, roots=[str(tmp_path)],
                                 config_hash="0" * 16, recognizers=[],
                                 key_fingerprint=fingerprint, piiscan_version="0")  # fmt: skip
        writers.append(writer)
        marker = Layout(inventory).run_file(scan_id, run)
        marker.parent.mkdir()
        marker.touch()
        if name == "killed":  # kill -9: the kernel lets the lock go; the marker stays
            writer._lock.release(remove=False)
        elif name in ("complete", "interrupted"):  # closed: the run's marker went first
            marker.unlink()
            writer.close(name)
        # "running": its scanner holds the lock and its marker
        # No key at that path: a plugin that sets up at once (no engine built).
        config = ScanConfig(
            roots=(str(tmp_path),), inventory=inventory, key_file=tmp_path / "no-key"
        )
        plugin = dask_executor.ScanPlugin(config, scan_id=scan_id, key_fingerprint=fingerprint,
                                          run=run)  # fmt: skip
        assert plugin.name == f"piiscan-{scan_id}"  # no client in the name
        return plugin

    states = ("killed", "complete", "interrupted", "running")
    with distributed.Client(cluster.scheduler_address, set_as_default=False) as earlier:
        plugins = {state: earlier_plugin(state, f"{index + 1:02d}" * 8)
                   for index, state in enumerate(states)}  # fmt: skip
        try:
            for plugin in plugins.values():
                earlier.register_plugin(plugin, name=plugin.name)
            assert len(piiscan_plugins(cluster)[1]) == len(states)
            with distributed.Client(cluster.scheduler_address, set_as_default=False) as later:
                removed = dask_executor.remove_stale_plugins(later)
            assert sorted(removed) == sorted([plugins["killed"].name, plugins["complete"].name])
            # Kept: a scan whose scanner holds its lock, and a scan closed as interrupted (a
            # scanner resuming it may be starting: it cannot be told from a gone one).
            kept = sorted([plugins["interrupted"].name, plugins["running"].name])
            assert piiscan_plugins(cluster) == (kept, set(kept))
        finally:
            for plugin in plugins.values():
                with contextlib.suppress(Exception):
                    earlier.unregister_worker_plugin(plugin.name)
            writers[-1].close()
    assert piiscan_plugins(cluster) == ([], set())


# Run as a separate process: the command line, with a defect in the compaction (which runs in a
# thread of its own while the scan goes on).
COMPACTION_DEFECT = """
import sys
import piiscan.inventory.writer as writer
from piiscan.cli import main

writer.COMPACT_OBJECTS = int(sys.argv[1])

def defect(self, tasks):
    raise RuntimeError("a defect")

writer.InventoryWriter._compact_group = defect
main(sys.argv[2:])
"""


def said(stderr: str) -> list[str]:
    """What the command line said on stderr, but for the dashboard's address (and the end of
    the line a progress display may have left)."""
    return [line for line in stderr.splitlines()
            if line and not line.startswith("piiscan: Dask dashboard")]  # fmt: skip


def test_a_compaction_that_fails_in_the_background_fails_the_scan_in_one_line(
    tmp_path: Path, cluster: Any, key_file: Path, many_files: tuple[Path, Any]
) -> None:
    root, reference = many_files
    inventory = tmp_path / "inv"
    failed = subprocess.run(
        [sys.executable, "-c", COMPACTION_DEFECT, str(GROUP_ROWS), "scan", str(root),
         "--inventory", str(inventory), "--key-file", str(key_file), "--executor", "dask",
         "--scheduler", cluster.scheduler_address, "--quiet"],
        capture_output=True, text=True, check=False, timeout=GUARD_SECONDS,
    )  # fmt: skip
    # Exit status 4 (the inventory could not be written as it should), one line, no traceback.
    assert failed.returncode == 4, failed.stderr
    (line,) = said(failed.stderr)
    assert line.startswith("piiscan: error: scan "), line
    assert "compacting task parts failed (RuntimeError)" in line
    # Closed as interrupted, every row it finished kept once; a resume finishes it.
    (info,) = Inventory(inventory).scans()
    assert info.status == "interrupted"
    reader = Inventory(inventory)
    assert reader.objects().num_rows == info.objects > 0
    assert len(set(reader.objects()["path"].to_pylist())) == info.objects
    report = scan(dataclasses.replace(dask_config(root, inventory, key_file, cluster),
                                      resume=True))  # fmt: skip
    assert (report.scan_id, report.resumed) == (info.scan_id, True)
    assert inventory_rows(inventory) == reference
    assert not list(inventory.rglob("part-task-*"))
    assert piiscan_plugins(cluster) == ([], set())


# Run as a separate process: the command line, whose first compaction in the background takes
# a while (it says so on stdout first).
SLOW_COMPACTION = """
import sys
import time
import piiscan.inventory.writer as writer
from piiscan.cli import main

writer.COMPACT_OBJECTS = int(sys.argv[1])
compact = writer.InventoryWriter._compact_group
held = []

def slow(self, tasks):
    if not held:
        held.append(True)
        print("compacting", flush=True)
        time.sleep(3)  # the test's SIGTERM comes meanwhile
    compact(self, tasks)

writer.InventoryWriter._compact_group = slow
main(sys.argv[2:])
"""


def test_sigterm_while_a_group_is_compacted_in_the_background_closes_the_scan_as_interrupted(
    tmp_path: Path, cluster: Any, key_file: Path, many_files: tuple[Path, Any]
) -> None:
    root, reference = many_files
    inventory = tmp_path / "inv"
    process = subprocess.Popen(
        [sys.executable, "-c", SLOW_COMPACTION, str(GROUP_ROWS), "scan", str(root),
         "--inventory", str(inventory), "--key-file", str(key_file), "--executor", "dask",
         "--scheduler", cluster.scheduler_address, "--quiet"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        assert process.stdout.readline() == "compacting\n", process.communicate()
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=GUARD_SECONDS)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate(timeout=GUARD_SECONDS)
    assert process.returncode == 128 + signal.SIGTERM, stderr
    (line,) = said(stderr)
    assert line == "piiscan: interrupted by SIGTERM; the inventory keeps what was finished"
    # Closed as interrupted once the compaction ended: every row it finished, once, and no
    # task part left (the group compacted, the rest at close).
    (info,) = Inventory(inventory).scans()
    assert info.status == "interrupted"
    objects = Inventory(inventory).objects()
    assert objects.num_rows == info.objects > 0
    assert len(set(objects["path"].to_pylist())) == info.objects
    assert not list(inventory.rglob("part-task-*"))
    assert piiscan_plugins(cluster) == ([], set())
    report = scan(dataclasses.replace(dask_config(root, inventory, key_file, cluster),
                                      resume=True))  # fmt: skip
    assert (report.scan_id, report.resumed) == (info.scan_id, True)
    assert inventory_rows(inventory) == reference
