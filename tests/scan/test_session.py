"""A scan's life seen from outside: the real command in a child process, stopped by signals
or killed, and what it leaves behind (the inventory, and no process).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from piiscan.api import scan
from piiscan.cli import cli
from piiscan.config import ScanConfig
from piiscan.inventory import Inventory

from .conftest import dense_text, small_files
from .processes import children, cmdline, descendants, forkserver_workers, is_running, wait_for

pytestmark = pytest.mark.slow

WORKERS = 2


@pytest.fixture(scope="module")
def slow_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tree whose first file keeps a worker busy long enough to stop the scan mid-way."""
    root = tmp_path_factory.mktemp("slow") / "share"
    root.mkdir()
    (root / "a_slow.txt").write_text(dense_text(24), encoding="utf-8")
    small_files(root, 20)
    return root


# Waits that only bound a hang: a loaded machine may take minutes to import and start.
HANG_SECONDS = 300.0


def _start_scan(root: Path, tmp_path: Path, *, own_group: bool = False) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", "from piiscan.cli import main; main()", "scan", str(root),
         "--inventory", str(tmp_path / "inv"), "--workers", str(WORKERS),
         "--key-file", str(tmp_path / "key"), "--new-key", "--quiet"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=own_group,
    )  # fmt: skip


def _mid_scan(scanner: subprocess.Popen[str]) -> set[int]:
    """Wait until the scanner's workers run (they exist only while tasks run); its processes."""
    workers = lambda: len(forkserver_workers(scanner.pid)) == WORKERS  # noqa: E731
    assert wait_for(workers, seconds=HANG_SECONDS), "no workers"
    family = descendants(scanner.pid)
    assert len(family) >= WORKERS + 2  # the fork server and the resource tracker too
    return family


def _starting(scanner: subprocess.Popen[str]) -> set[int]:
    """Wait until the scanner's fork server runs (the first worker is being started)."""
    fork_server = lambda: any("forkserver" in cmdline(p) for p in children(scanner.pid))  # noqa: E731
    assert wait_for(fork_server, seconds=HANG_SECONDS, step=0.005), "no fork server"
    return descendants(scanner.pid)


def _all_gone(family: set[int]) -> bool:
    return not any(is_running(pid) for pid in family)


@pytest.mark.parametrize(
    "signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT], ids=["TERM", "HUP", "INT"]
)
def test_signal_closes_the_scan_as_interrupted(
    slow_root: Path, tmp_path: Path, signum: signal.Signals
) -> None:
    scanner = _start_scan(slow_root, tmp_path)
    try:
        family = _mid_scan(scanner)
        scanner.send_signal(signum)
        _, stderr = scanner.communicate(timeout=HANG_SECONDS)
    finally:
        if scanner.poll() is None:
            scanner.kill()
    _closed_as_interrupted(scanner, stderr, family, tmp_path, signum)


def _closed_as_interrupted(
    scanner: subprocess.Popen[str], stderr: str, family: set[int], tmp_path: Path, signum: int
) -> None:
    """The scan stopped as interrupted: the exit status, one line, no traceback from any of
    its processes, none left behind, and the inventory's scan closed as interrupted."""
    assert scanner.returncode == 128 + signum, stderr
    assert "Traceback" not in stderr, stderr
    by = "" if signum == signal.SIGINT else f" by {signal.Signals(signum).name}"
    # One line says so (besides the note of the new key file).
    lines = [line for line in stderr.splitlines() if line and "new key file" not in line]
    assert lines == [f"piiscan: interrupted{by}; the inventory keeps what was finished"], stderr
    assert wait_for(lambda: _all_gone(family), seconds=HANG_SECONDS), "processes left behind"
    (info,) = Inventory(tmp_path / "inv").scans()
    assert info.status == "interrupted"
    assert info.objects < 21


@pytest.mark.parametrize("moment", ["starting", "reading"])
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["TERM", "INT"])
def test_a_signal_to_the_process_group_prints_no_traceback(
    slow_root: Path, tmp_path: Path, signum: signal.Signals, moment: str
) -> None:
    """Ctrl-C in a terminal, ``timeout`` and systemd signal the whole process group: the fork
    server and the workers too, perhaps while a worker starts. Only the scanner acts on it;
    the others end without a word (a worker's traceback, or the fork server's, was printed
    before), and the scan is closed as interrupted."""
    scanner = _start_scan(slow_root, tmp_path, own_group=True)
    try:
        family = _starting(scanner) if moment == "starting" else _mid_scan(scanner)
        os.killpg(scanner.pid, signum)
        _, stderr = scanner.communicate(timeout=HANG_SECONDS)
    finally:
        if scanner.poll() is None:
            os.killpg(scanner.pid, signal.SIGKILL)
    _closed_as_interrupted(scanner, stderr, family, tmp_path, signum)


def test_kill_9_leaves_no_process_behind(slow_root: Path, tmp_path: Path) -> None:
    scanner = _start_scan(slow_root, tmp_path)
    try:
        family = _mid_scan(scanner)
    finally:
        os.kill(scanner.pid, signal.SIGKILL)
        scanner.communicate(timeout=60)
    assert scanner.returncode == -signal.SIGKILL
    # The fork server sees the scanner's end and exits; the workers die with it; then the
    # resource tracker, whose last client is gone.
    assert wait_for(lambda: _all_gone(family)), "processes left behind"


PART_OBJECTS = 5

# A scan in a child process that writes a part every PART_OBJECTS objects.
_SCAN_IN_PARTS = f"""
import sys
from pathlib import Path
from piiscan.api import scan
from piiscan.config import ScanConfig
root, inventory, key = sys.argv[1:]
scan(ScanConfig(roots=(root,), inventory=Path(inventory), workers={WORKERS},
                key_file=Path(key), part_objects={PART_OBJECTS}))
"""


def test_kill_9_keeps_finished_parts_and_earlier_scans(tmp_path: Path) -> None:
    inventory, key = tmp_path / "inv", tmp_path / "key"
    earlier_root = tmp_path / "earlier"
    small_files(earlier_root, 3)
    first = scan(
        ScanConfig(roots=(str(earlier_root),), inventory=inventory, workers=1, key_file=key,
                   new_key=True)
    )  # fmt: skip
    before = Inventory(inventory)
    earlier = (before.scans(), before.objects().to_pylist(), before.findings().to_pylist())

    root = tmp_path / "share"
    names = small_files(root, 40)
    (root / "z_slow.txt").write_text(dense_text(24), encoding="utf-8")
    scanner = subprocess.Popen(
        [sys.executable, "-c", _SCAN_IN_PARTS, str(root), str(inventory), str(key)]
    )

    def parts_written() -> int:
        folders = [p for p in (inventory / "objects").iterdir() if p.name != first.scan_id]
        return sum(1 for folder in folders for _ in folder.glob("part-*.parquet"))

    try:
        assert wait_for(lambda: parts_written() >= 2), "no parts written"
        family = descendants(scanner.pid)
    finally:
        os.kill(scanner.pid, signal.SIGKILL)
        scanner.wait(timeout=60)
    assert wait_for(lambda: _all_gone(family)), "processes left behind"

    # Earlier scans are untouched, and the killed one is not a closed scan.
    after = Inventory(inventory)
    assert (after.scans(), after.objects().to_pylist(), after.findings().to_pylist()) == earlier
    # Asked for, the killed scan is there, open, with every object of the parts it finished.
    opened = Inventory(inventory, include_open=True)
    killed = opened.scans()[-1]
    assert killed.scan_id != first.scan_id
    assert killed.status == "open"
    objects = opened.objects(killed.scan_id).to_pylist()
    assert len(objects) >= 2 * PART_OBJECTS
    assert len(objects) % PART_OBJECTS == 0  # whole parts only
    assert killed.objects == len(objects)
    paths = [row["path"] for row in objects]
    assert len(set(paths)) == len(paths)
    assert set(paths) <= set(names)  # z_slow was still being read
    assert all(row["status"] == "ok" and row["findings"] == 1 for row in objects)
    findings = opened.findings(killed.scan_id)["path"].to_pylist()
    assert sorted(findings) == sorted(paths)
    # The commands read it too, when asked.
    runner = CliRunner()
    args = ["objects", "--inventory", str(inventory), "--scan", killed.scan_id, "--format", "json"]
    hidden = runner.invoke(cli, args)
    assert hidden.exit_code != 0
    assert "no scan" in str(hidden.exception)
    shown = runner.invoke(cli, [*args, "--include-open"])
    assert shown.exit_code == 0, shown.output
    assert sorted(row["path"] for row in json.loads(shown.output)) == sorted(paths)
