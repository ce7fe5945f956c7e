"""The command line of scheduled scans: documented exit statuses, --quiet, --log-file, help."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from scheduled import PERSONNUMMER, run, write_tree

MAIN = [sys.executable, "-c", "from piiscan.cli import main; main()"]


def _tree(root: Path) -> None:
    write_tree(root, {"a.txt": f"Kund {PERSONNUMMER}\n"})
    (root / "trasig.docx").write_bytes(b"PK\x03\x04 not really a docx")


def test_strict_exits_6_when_objects_could_not_be_read(tmp_path: Path) -> None:
    _tree(tmp_path / "share")
    base = [*MAIN, "scan", str(tmp_path / "share"), "--inventory", str(tmp_path / "inv"),
            "--key-file", str(tmp_path / "key"), "--workers", "1", "--person-model", "none",
            "--quiet"]  # fmt: skip
    plain = subprocess.run([*base, "--new-key"], capture_output=True, text=True, check=False)
    assert plain.returncode == 0, plain.stderr
    strict = subprocess.run([*base, "--strict"], capture_output=True, text=True, check=False)
    assert strict.returncode == 6, strict.stderr
    assert strict.stdout == ""
    assert strict.stderr == ""  # --quiet: nothing for cron to mail


def test_log_file_gets_a_line_per_scan_and_no_value(tmp_path: Path) -> None:
    _tree(tmp_path / "share")
    log = tmp_path / "piiscan.log"
    for _ in range(2):
        result = run("--log-file", str(log), "scan", str(tmp_path / "share"), "--inventory",
                     str(tmp_path / "inv"), "--key-file", str(tmp_path / "key"), "--new-key",
                     "--workers", "1", "--person-model", "none", "-q")  # fmt: skip
        assert result.exit_code == 0, result.output
    lines = [line for line in log.read_text("utf-8").splitlines() if " closed as " in line]
    assert len(lines) == 2
    assert lines[0].endswith("closed as complete: 2 objects, 1 findings, 1 errors")
    assert " piiscan[" in lines[0]
    assert lines[0][:4].isdigit()
    text = log.read_text("utf-8")
    assert PERSONNUMMER not in text
    assert "121212" not in text
    assert "a.txt" not in text  # nor a scanned file's name
    assert log.stat().st_mode & 0o777 == 0o600


def test_unwritable_log_file_is_a_one_line_error(tmp_path: Path) -> None:
    done = subprocess.run(
        [*MAIN, "--log-file", str(tmp_path / "no" / "such" / "dir.log"), "recognizers"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.startswith("piiscan: error: cannot open log file")
    assert done.stderr.count("\n") == 1


@pytest.mark.parametrize("command", [["diff"], ["retention"], ["dismiss"], ["report"],
                                     ["config", "check"], ["scan"]])  # fmt: skip
def test_every_new_command_has_help_with_an_example(command: list[str]) -> None:
    result = run(*command, "--help")
    assert result.exit_code == 0
    assert "Example:" in result.output


@pytest.mark.parametrize(("args", "message"), [
    (["diff"], "pass --inventory DIR, or --config FILE"),
    (["report"], "pass --inventory DIR, or --config FILE"),
    (["scan"], "Missing argument 'ROOTS...'"),
    (["scan", "."], "no inventory: pass --inventory DIR"),
    (["config", "check", "/nonexistent/piiscan.toml"], "cannot read config file"),
])  # fmt: skip
def test_usage_errors_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    done = subprocess.run([*MAIN, *args], capture_output=True, text=True, cwd=tmp_path,
                          check=False)  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1
    assert message in done.stderr
