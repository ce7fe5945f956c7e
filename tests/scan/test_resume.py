"""``kill -9`` of a real scanner at several points, then resume: the result is the inventory an
uninterrupted scan of the same tree makes (objects, findings and column profiles; not timings).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from piiscan.api import scan
from piiscan.cli import main
from piiscan.config import ScanConfig
from piiscan.inventory import Inventory

from .conftest import dense_text, small_files
from .processes import descendants, is_running, wait_for

pytestmark = pytest.mark.slow

# A scan in a child process that writes a part every 2 objects and every 0.1 s (so a big
# file's findings reach the disk ahead of its row), then resumes when told to.
_SCAN = """
import sys
from dataclasses import replace
from pathlib import Path
from piiscan.api import scan
from piiscan.config import ScanConfig
root, inventory, key, workers, resume = sys.argv[1:]
config = ScanConfig.from_options([root], inventory=Path(inventory), workers=int(workers),
                                 key_file=Path(key), new_key=True, person_model="none",
                                 resume=resume == "resume")
scan(replace(config, part_objects=2, part_seconds=0.1))
"""

# Columns that say when and how fast, not what: left out of the comparison.
_TIMINGS = {"scan_id", "duration_ms", "read_at", "carried_from"}


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Small files, two files dense with findings (streamed in chunks), an archive, a CSV."""
    root = tmp_path_factory.mktemp("resume") / "share"
    small_files(root, 12, prefix="a")
    (root / "m_dense.txt").write_text(dense_text(0.6), encoding="utf-8")
    small_files(root, 12, prefix="n")
    with zipfile.ZipFile(root / "p_arkiv.zip", "w") as archive:
        archive.writestr("inne/brev.txt", "Ring 070-174 06 05 eller skriv till 19121212-1212.")
        archive.writestr("lista.txt", "Personnummer 19121212-1212\n")
    (root / "q_kunder.csv").write_text(
        "namn;personnummer\nAnna;19121212-1212\nBo;19121212-1212\n", encoding="utf-8"
    )
    (root / "z_dense.txt").write_text(dense_text(0.6), encoding="utf-8")
    small_files(root, 6, prefix="zz")
    return root


def _rows(table: Any, order: list[str]) -> list[dict[str, Any]]:
    rows = [{k: v for k, v in row.items() if k not in _TIMINGS} for row in table.to_pylist()]
    return sorted(rows, key=lambda row: [str(row[column]) for column in order])


def _snapshot(directory: Path, scan_id: str | None = None) -> dict[str, list[dict[str, Any]]]:
    inventory = Inventory(directory)
    return {
        "objects": _rows(inventory.objects(scan_id), ["root", "path", "member"]),
        "findings": _rows(
            inventory.findings(scan_id), ["path", "member", "locator", "start", "entity_type"]
        ),
        "columns": _rows(inventory.columns(scan_id), ["path", "table", "column", "entity_type"]),
    }


@pytest.fixture(scope="module")
def reference(tree: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """An uninterrupted scan of the tree: its key file and its rows."""
    scratch = tmp_path_factory.mktemp("reference")
    key = scratch / "key"
    scan(ScanConfig.from_options([str(tree)], inventory=scratch / "inv", workers=1,
                                 key_file=key, new_key=True, person_model="none"))  # fmt: skip
    return key, _snapshot(scratch / "inv")


def _start(tree: Path, inventory: Path, key: Path, *, workers: int = 1,
           resume: bool = False) -> subprocess.Popen[bytes]:  # fmt: skip
    return subprocess.Popen(
        [sys.executable, "-c", _SCAN, str(tree), str(inventory), str(key), str(workers),
         "resume" if resume else "new"],
        stderr=subprocess.PIPE,
    )  # fmt: skip


def _parts(inventory: Path, table: str) -> list[Path]:
    return list((inventory / table).glob("*/part-*.parquet"))


def _orphans(inventory: Path) -> set[str]:
    """Paths with findings on disk but no row of their own in any objects part."""
    rows: set[str] = set()
    for part in _parts(inventory, "objects"):
        try:
            table = pq.read_table(part, columns=["path", "member"])
        except OSError:
            continue
        rows |= {p for p, m in zip(table["path"].to_pylist(), table["member"].to_pylist(),
                                   strict=True) if not m}  # fmt: skip
    found: set[str] = set()
    for part in _parts(inventory, "findings"):
        try:
            found |= set(pq.read_table(part, columns=["path"])["path"].to_pylist())
        except OSError:
            continue
    return found - rows


def _kill(scanner: subprocess.Popen[bytes], until: Any) -> None:
    try:
        assert wait_for(until, seconds=240, step=0.02), "the scan never got there"
        # Frozen at once: listing its processes takes a while on a loaded machine, and a
        # scanner left running meanwhile could finish the scan before the kill (seen once).
        os.kill(scanner.pid, signal.SIGSTOP)
        family = descendants(scanner.pid)
    finally:
        os.kill(scanner.pid, signal.SIGKILL)
        scanner.communicate(timeout=60)
    assert wait_for(lambda: not any(is_running(pid) for pid in family)), "processes left"


def _finish(scanner: subprocess.Popen[bytes]) -> None:
    _, stderr = scanner.communicate(timeout=600)
    assert scanner.returncode == 0, stderr.decode(errors="replace")


def test_kill_9_at_several_points_then_resume_equals_an_uninterrupted_scan(
    tree: Path, reference: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    key, expected = reference
    inventory = tmp_path / "inv"
    # 1. In the middle of the first dense file, its findings on disk ahead of its row.
    _kill(_start(tree, inventory, key), lambda: "m_dense.txt" in _orphans(inventory))
    assert "m_dense.txt" in _orphans(inventory)  # the gap resume must close
    (killed,) = Inventory(inventory, include_open=True).scans()
    assert killed.status == "open"
    # 2. The resumed scan killed again, once it wrote more parts (past the archive).
    done = len(_parts(inventory, "objects"))
    _kill(_start(tree, inventory, key, resume=True),
          lambda: len(_parts(inventory, "objects")) >= done + 3)  # fmt: skip
    # 3. Again, in the middle of the second dense file, with two workers.
    _kill(_start(tree, inventory, key, workers=2, resume=True),
          lambda: "z_dense.txt" in _orphans(inventory))  # fmt: skip
    # 4. Resumed to the end.
    _finish(_start(tree, inventory, key, resume=True))
    (info,) = Inventory(inventory).scans()
    assert (info.scan_id, info.status, info.started) == (killed.scan_id, "complete", killed.started)
    assert _snapshot(inventory) == expected
    assert info.objects == len(expected["objects"])
    assert info.findings == len(expected["findings"])


def test_sigterm_then_resume_equals_an_uninterrupted_scan(
    tree: Path, reference: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    key, expected = reference
    inventory = tmp_path / "inv"
    scanner = _start(tree, inventory, key)
    assert wait_for(lambda: "m_dense.txt" in _orphans(inventory), seconds=240, step=0.02)
    scanner.send_signal(signal.SIGTERM)
    scanner.communicate(timeout=120)
    # Closed as interrupted, with "stopped" rows for the files it was reading; or, when the
    # signal came while a part was being written, left open as after kill -9.
    (stopped,) = Inventory(inventory, include_open=True).scans()
    assert stopped.status in ("interrupted", "open")
    _finish(_start(tree, inventory, key, resume=True))
    (info,) = Inventory(inventory).scans()
    assert (info.scan_id, info.status) == (stopped.scan_id, "complete")
    assert _snapshot(inventory) == expected


def _main(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """Run the ``piiscan`` command in-process: its exit status and its stderr."""
    try:
        main(args)
    except SystemExit as ended:
        return int(ended.code or 0), capsys.readouterr().err
    return 0, capsys.readouterr().err


def test_resume_is_refused_with_one_line_when_it_cannot_be(
    tree: Path,
    reference: tuple[Path, dict[str, Any]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    key, _ = reference
    inventory = tmp_path / "inv"
    base = ["scan", "--inventory", str(inventory), "--key-file", str(key), "--workers", "1",
            "--person-model", "none", "--quiet"]  # fmt: skip
    status, err = _main([*base, "--resume", str(tree)], capsys)
    assert (status, err.count("\n")) == (2, 1)
    assert "nothing to resume" in err
    _kill(_start(tree, inventory, key), lambda: len(_parts(inventory, "objects")) >= 2)
    other = tree.parent / "other"
    small_files(other, 2)
    for extra, words in (([str(other)], "other roots"),
                         ([str(tree), "--min-score", "0.9"], "other settings")):  # fmt: skip
        status, err = _main([*base, "--resume", *extra], capsys)
        assert (status, err.count("\n")) == (2, 1), err
        assert words in err
    # Without --resume and without a config file, a new scan starts; with it, the killed
    # scan is finished, as one scan.
    status, err = _main([*base, "--resume", str(tree)], capsys)
    assert status == 0, err
    (info,) = Inventory(inventory).scans()
    assert info.status == "complete"
    assert len(Inventory(inventory, include_open=True).scans()) == 1


def test_a_config_run_resumes_its_own_unclosed_scan(
    tree: Path,
    reference: tuple[Path, dict[str, Any]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    key, expected = reference
    inventory = tmp_path / "inv"
    config = tmp_path / "piiscan.toml"
    config.write_text(
        f'inventory = "{inventory}"\nkey_file = "{key}"\n[scan]\nroots = ["{tree}"]\n'
        'workers = 1\nperson_model = "none"\n',
        encoding="utf-8",
    )
    _kill(_start(tree, inventory, key), lambda: len(_parts(inventory, "objects")) >= 2)
    (killed,) = Inventory(inventory, include_open=True).scans()
    status, err = _main(["scan", "--config", str(config)], capsys)
    assert status == 0, err
    assert f"resuming scan {killed.scan_id}" in err
    (info,) = Inventory(inventory).scans()
    assert info.scan_id == killed.scan_id
    assert _snapshot(inventory) == expected
