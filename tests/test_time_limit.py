"""The per-file time limit: a file that takes too long becomes a ``timed_out`` row, keeps
what was found before the alarm, and the scan goes on.

The slow file is ordinary text dense with fictional identifiers (Skatteverket's test
personnummer, PTS's fictional mobile range), large enough that reading it takes several times
the limit even on a fast machine, in 64 KB chunks that each take a small fraction of it, so
some findings are made before the alarm rings. Nothing is timed except by the limit itself.
"""

from __future__ import annotations

import signal
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

import piiscan
from piiscan.api import scan
from piiscan.cli import cli
from piiscan.config import ScanConfig
from piiscan.extractors.base import Limits
from piiscan.inventory import Inventory, rows_as_dicts

pytestmark = [
    pytest.mark.slow,
    # The alarm may ring inside a garbage-collector callback (hypothesis installs one in this
    # process when its tests ran first), which swallows the exception and reports it as
    # unraisable; the alarm then rings again, and that is what these tests check.
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]

LIMIT_SECONDS = 1.0
SMALL_TEXT = "Personnummer 19121212-1212\n"
TEST_PERSONNUMMER = Path(piiscan.__file__).parent / "data" / "skatteverket_testpersonnummer.txt"


def _dense_text(megabytes: float = 12.0) -> str:
    # Every line differs, so that the text does not compress like a zip bomb.
    numbers = TEST_PERSONNUMMER.read_text(encoding="ascii").split()
    lines, size, index = [], 0, 0
    while size < megabytes * 1_000_000:
        number = numbers[index % len(numbers)]
        line = f"personnummer {number[:8]}-{number[8:]}, mobil 070-174 06 {5 + index % 95:02d}\n"
        lines.append(line)
        size += len(line)
        index += 1
    return "".join(lines)


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("root")
    (root / "a_liten.txt").write_text(SMALL_TEXT, encoding="utf-8")
    (root / "b_stor.txt").write_text(_dense_text(), encoding="utf-8")
    with zipfile.ZipFile(root / "c_arkiv.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("forst.txt", SMALL_TEXT)
        archive.writestr("sedan.txt", _dense_text())
        archive.writestr("aldrig.txt", SMALL_TEXT)
    (root / "d_liten.txt").write_text(SMALL_TEXT, encoding="utf-8")
    return root


def _scan(root: Path, tmp_path: Path, workers: int, seconds: float) -> Inventory:
    inventory = tmp_path / "inventory"
    scan(
        ScanConfig(
            roots=(str(root),),
            inventory=inventory,
            workers=workers,
            key_file=tmp_path / "piiscan.key",
            new_key=True,
            limits=Limits(max_object_seconds=seconds),
        )
    )
    return Inventory(inventory)


@pytest.mark.parametrize("workers", [1, 2])
def test_slow_file_is_a_timed_out_row_and_the_scan_goes_on(
    root: Path, tmp_path: Path, workers: int
) -> None:
    handler = signal.getsignal(signal.SIGALRM)
    inventory = _scan(root, tmp_path, workers, LIMIT_SECONDS)
    # The alarm is lifted and the previous handler back (in-process scans use this process).
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert signal.getsignal(signal.SIGALRM) is handler
    rows = {(r["path"], r["member"]): r for r in rows_as_dicts(inventory.objects())}
    assert rows[("a_liten.txt", "")]["status"] == "ok"
    assert rows[("d_liten.txt", "")]["status"] == "ok"
    slow = rows[("b_stor.txt", "")]
    assert slow["status"] == "timed_out"
    assert slow["reason"] == "stopped after 1 s (per-file time limit)"
    # What was found before the alarm is kept.
    assert slow["findings"] > 0
    found = [f for f in rows_as_dicts(inventory.findings()) if f["path"] == "b_stor.txt"]
    assert len(found) == slow["findings"]
    # In a container, the finished member keeps its row, the slow one and the container are
    # stopped, and nothing after them is read.
    assert rows[("c_arkiv.zip", "forst.txt")]["status"] == "ok"
    assert rows[("c_arkiv.zip", "sedan.txt")]["status"] == "timed_out"
    assert rows[("c_arkiv.zip", "")]["status"] == "timed_out"
    assert ("c_arkiv.zip", "aldrig.txt") not in rows
    (info,) = inventory.scans()
    assert info.status == "complete"
    assert info.errors == 3  # a stopped object counts as an error in the scan's totals


def test_no_limit_reads_everything(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    (root / "liten.txt").write_text(SMALL_TEXT, encoding="utf-8")
    inventory = _scan(root, tmp_path, 1, 0)
    assert [r["status"] for r in rows_as_dicts(inventory.objects())] == ["ok"]


@pytest.mark.parametrize("value", ["-1", "soon"])
def test_bad_time_limit_is_a_usage_error(tmp_path: Path, value: str) -> None:
    result = CliRunner().invoke(
        cli, ["scan", str(tmp_path), "--inventory", str(tmp_path / "inv"), "--max-seconds", value]
    )
    assert result.exit_code == 2
    assert "--max-seconds" in result.output
    assert "Traceback" not in result.output


def test_time_limit_from_the_command_line(root: Path, tmp_path: Path) -> None:
    inventory = tmp_path / "inventory"
    result = CliRunner().invoke(
        cli,
        ["scan", str(root), "--inventory", str(inventory), "--workers", "1",
         "--key-file", str(tmp_path / "piiscan.key"), "--new-key", "--max-seconds", "1",
         "--quiet"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    statuses = {r["path"]: r["status"] for r in rows_as_dicts(Inventory(inventory).objects())}
    assert statuses["b_stor.txt"] == "timed_out"
