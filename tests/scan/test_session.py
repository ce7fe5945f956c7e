"""A scan's life seen from outside: the real command in a child process, stopped by signals
or killed, and what it leaves behind (the inventory, and no process).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from piiscan.inventory import Inventory

from .conftest import dense_text, small_files
from .processes import descendants, forkserver_workers, is_running, wait_for

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


def _start_scan(root: Path, tmp_path: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", "from piiscan.cli import main; main()", "scan", str(root),
         "--inventory", str(tmp_path / "inv"), "--workers", str(WORKERS),
         "--key-file", str(tmp_path / "key"), "--new-key", "--quiet"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip


def _mid_scan(scanner: subprocess.Popen[str]) -> set[int]:
    """Wait until the scanner's workers run (they exist only while tasks run); its processes."""
    assert wait_for(lambda: len(forkserver_workers(scanner.pid)) == WORKERS), "no workers"
    family = descendants(scanner.pid)
    assert len(family) >= WORKERS + 2  # the fork server and the resource tracker too
    return family


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
        _, stderr = scanner.communicate(timeout=300)
    finally:
        if scanner.poll() is None:
            scanner.kill()
    assert scanner.returncode == 128 + signum, stderr
    assert "interrupted" in stderr
    assert "Traceback" not in stderr
    assert wait_for(lambda: _all_gone(family)), "processes left behind"
    (info,) = Inventory(tmp_path / "inv").scans()
    assert info.status == "interrupted"
    assert info.objects < 21


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
