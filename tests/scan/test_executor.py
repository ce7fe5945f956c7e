"""Where tasks run: SMB connections per worker, and a worker that dies mid-scan.

Real processes and a real Samba server; the tests look at sockets and processes through
``/proc``, never at timings.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

import pytest

from piiscan.api import scan
from piiscan.config import ScanConfig
from piiscan.inventory import Inventory, rows_as_dicts
from piiscan.keys import Keyer
from piiscan.model import FindingChunk, ObjectResult, Status
from piiscan.scan.executor import REASON_STOPPED, REASON_WORKER_DIED, InlineRunner, run_tasks
from piiscan.scan.plan import Credentials, ObjectHandle, open_roots, plan
from piiscan.scan.session import Progress
from piiscan.scan.task import TaskContext, WorkerSetup

from .conftest import TEST_PERSONNUMMER, ServeShare, dense_text, small_files
from .processes import established_to, forkserver_workers

pytestmark = pytest.mark.slow

WORKERS = 2


@pytest.mark.server
@pytest.mark.parametrize("workers", [WORKERS, 1], ids=["pool", "in-process"])
def test_smb_scan_opens_one_connection_per_worker_and_root_and_closes_them(
    tmp_path: Path, samba_share: ServeShare, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    root = tmp_path / "share"
    names = small_files(root / "A", 30, "a") + small_files(root / "B", 30, "b")
    server = samba_share(root)
    monkeypatch.delenv("PIISCAN_SMB_PASSWORD", raising=False)
    seen: set[int] = set()  # client ports of every connection to the server during the scan
    most = 0

    def sample(progress: Progress) -> None:
        nonlocal most
        now = established_to(server.port)
        seen.update(now)
        most = max(most, len(now))

    assert established_to(server.port) == set()
    roots = (f"{server.url}/A", f"{server.url}/B")  # two roots on one server
    report = scan(
        ScanConfig(
            roots=roots, inventory=tmp_path / "inv", workers=workers,
            key_file=tmp_path / "key", new_key=True,
        ),
        progress=sample,
        smb_password=server.password,
    )  # fmt: skip
    assert report.objects == len(names)
    statuses = {r["status"] for r in rows_as_dicts(Inventory(tmp_path / "inv").objects())}
    assert statuses == {"ok"}
    # The scanner walks each root on one connection; each worker opens each root once; an
    # in-process scan reads through the walk's connection.
    per_root = workers + 1 if workers > 1 else 1
    assert 0 < most <= len(roots) * per_root
    assert len(seen) <= len(roots) * per_root
    # Everything is closed when the scan returns: the workers closed theirs as they exited.
    assert established_to(server.port) == set()


def test_a_dead_worker_costs_its_object_not_the_scan(tmp_path: Path) -> None:
    root = tmp_path / "share"
    root.mkdir()
    (root / "a_slow.txt").write_text(dense_text(24), encoding="utf-8")
    names = ["a_slow.txt", *small_files(root, 20)]
    killed: set[int] = set()

    def kill_workers(progress: Progress) -> None:
        # The first task (a_slow) keeps one worker busy while the other reads small files.
        if not killed and progress.objects >= 3:
            for pid in forkserver_workers(os.getpid()):
                os.kill(pid, signal.SIGKILL)
                killed.add(pid)

    inventory = tmp_path / "inv"
    config = ScanConfig(
        roots=(str(root),), inventory=inventory, workers=WORKERS,
        key_file=tmp_path / "key", new_key=True,
    )  # fmt: skip
    report = scan(config, progress=kill_workers)
    assert killed
    reader = Inventory(inventory)
    (info,) = reader.scans()
    assert info.status == "complete"
    assert report.objects == info.objects == len(names)
    rows = {r["path"]: r for r in rows_as_dicts(reader.objects())}
    assert sorted(rows) == sorted(names)  # one row each: nothing lost, nothing twice
    died = {path for path, row in rows.items() if row["reason"] == REASON_WORKER_DIED}
    assert "a_slow.txt" in died
    assert len(died) <= WORKERS  # only what the killed workers were reading
    assert all(rows[path]["status"] == "error" for path in died)
    assert all(row["status"] == "ok" for path, row in rows.items() if path not in died)
    # a_slow's findings streamed before its worker died stay, counted in its row: every
    # finding has a row, and no finding was recorded twice by the tasks that ran again.
    assert sum(row["findings"] for row in rows.values()) == info.findings
    assert reader.findings().num_rows == info.findings
    # The fresh pool's workers exited with the scan.
    assert forkserver_workers(os.getpid()) == set()


def test_a_stop_leaves_a_row_for_every_finding_recorded(tmp_path: Path, engine: Any) -> None:
    root = tmp_path / "share"
    root.mkdir()
    numbers = TEST_PERSONNUMMER.read_text(encoding="ascii").split()[:7]
    (root / "kunder.csv").write_text(
        "Namn;Personnummer\n" + "".join(f"Kund;{n[:8]}-{n[8:]}\n" for n in numbers),
        encoding="utf-8",
    )
    config = ScanConfig(roots=(str(root),), inventory=tmp_path / "inv")
    setup = WorkerSetup(config=config, keyer=Keyer(key=bytes(range(32))), chunk_records=3)
    handles = [i for i in plan(open_roots(config, Credentials())) if isinstance(i, ObjectHandle)]
    recorded: list[FindingChunk | ObjectResult] = []

    def record(value: FindingChunk | ObjectResult) -> None:
        recorded.append(value)
        if len(recorded) == 2:
            raise KeyboardInterrupt  # Ctrl-C while the second chunk is being written

    with pytest.raises(KeyboardInterrupt):
        run_tasks(InlineRunner(TaskContext.build(setup, engine=engine)), handles, record, window=1)
    first, second, row = recorded
    assert isinstance(first, FindingChunk)
    assert isinstance(second, FindingChunk)
    # The row counts the findings recorded (the second chunk was, before Ctrl-C struck).
    assert isinstance(row, ObjectResult)
    assert (row.status, row.reason, row.finding_count) == (Status.ERROR, REASON_STOPPED, 6)
