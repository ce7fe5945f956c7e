"""The hostile tree, scanned as a user would: every file is a row with the status it deserves,
reasons hold no personal data, nothing is written outside the inventory, and no raw identifier
reaches anything the tool writes (inventory bytes and cells, stdout, stderr, the log at its
most verbose level).

The tree is built by :mod:`tests.hostile.build_tree`. The scans run through the real entry
point in child processes, with a guard timeout so that a hang fails the test rather than the
suite (a guard, not a measurement), once in-process (``--workers 1``) and once with a worker
pool, whose rows must agree.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tests.hostile.build_tree import (
    FILES,
    NAME_FORMS,
    NAME_PERSONNUMMER,
    RAW_FORMS,
    SPECIAL,
    Expected,
    build_tree,
)

pytestmark = pytest.mark.slow

GUARD_SECONDS = 600
OUTSIDE = (Path("/tmp/piiscan-traversal.txt"), Path("/etc/piiscan-absolute.txt"))


@dataclass(frozen=True, slots=True)
class Scan:
    base: Path
    root: Path
    inventory: Path
    before: dict[str, tuple[int, int, int]]
    outputs: dict[str, str]  # what the tool printed, by command


def _main(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-c", "from piiscan.cli import main; main()", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=GUARD_SECONDS,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done


def _state(root: Path) -> dict[str, tuple[int, int, int]]:
    """Every entry under ``root`` (links not followed) with its type, size and mtime."""
    state = {}
    for path in [root, *root.rglob("*")]:
        info = path.lstat()
        state[str(path.relative_to(root))] = (info.st_mode, info.st_size, info.st_mtime_ns)
    return state


def _scan(base: Path, workers: int) -> Scan:
    root = base / "root"
    if not root.exists():
        build_tree(root)
    before = _state(root)
    inventory = base / f"inventory-{workers}"
    env = {"PIISCAN_KEY_FILE": str(base / "key"), "PIISCAN_LOG": "debug"}
    new_key = [] if (base / "key").exists() else ["--new-key"]
    scan = _main(
        "scan", str(root), "--inventory", str(inventory), "--workers", str(workers), *new_key,
        env=env,
    )  # fmt: skip
    outputs = {"scan stdout": scan.stdout, "scan stderr": scan.stderr}
    for command in ("objects", "findings"):
        for fmt in ("jsonl", "csv", "json"):
            done = _main(command, "--inventory", str(inventory), "--format", fmt, env=env)
            outputs[f"{command} {fmt}"] = done.stdout + done.stderr
    for fmt in ("text", "json"):
        done = _main("summary", "--inventory", str(inventory), "--format", fmt, env=env)
        outputs[f"summary {fmt}"] = done.stdout + done.stderr
    return Scan(base, root, inventory, before, outputs)


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("hostile")


@pytest.fixture(scope="module")
def scanned(base: Path) -> Scan:
    return _scan(base, workers=1)


@pytest.fixture(scope="module")
def pooled(base: Path, scanned: Scan) -> Scan:
    return _scan(base, workers=2)


def _rows(scan: Scan) -> dict[str, dict[str, object]]:
    rows = [json.loads(line) for line in scan.outputs["objects jsonl"].splitlines()]
    return {"!/".join(filter(None, (row["path"], row["member"]))): row for row in rows}


EXPECTED: dict[str, Expected] = {
    **{name: expected for name, (_, expected) in FILES.items()},
    **SPECIAL,
}


def test_every_object_is_one_row(scanned: Scan) -> None:
    assert sorted(_rows(scanned)) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_status_and_reason(scanned: Scan, name: str) -> None:
    if name == "ror" and not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs on this platform")
    row = _rows(scanned)[name]
    expected = EXPECTED[name]
    assert (row["status"], expected.reason in str(row["reason"])) == (expected.status, True)
    if expected.status != "ok":
        assert row["reason"], "a row that is not ok says why"
    if expected.findings:
        assert row["findings"], "a file that is read is not a silent miss"


def test_reasons_hold_no_personal_data(scanned: Scan) -> None:
    reasons = {name: str(row["reason"]) for name, row in _rows(scanned).items()}
    assert {n: r for n, r in reasons.items() if any(f in r for f in RAW_FORMS)} == {}


def test_nothing_is_written_outside_the_inventory(scanned: Scan) -> None:
    assert _state(scanned.root) == scanned.before
    assert {p.name for p in scanned.base.iterdir()} <= {"inventory-1", "inventory-2", "key", "root"}
    assert [path for path in OUTSIDE if path.exists()] == []


# Paths are stored and shown as they are: names from the tree may appear in these fields only.
PATH_FIELDS = ("path", "member")


def _without_paths(command: str, text: str) -> str:
    """What a command printed, the path and member fields of its rows left out."""
    if command.startswith(("objects", "findings")):
        if command.endswith("jsonl"):
            rows = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
        elif command.endswith(" json"):
            rows = json.loads(text)
        else:
            rows = list(csv.DictReader(io.StringIO(text)))
        return json.dumps(
            [{k: v for k, v in row.items() if k not in PATH_FIELDS} for row in rows],
            ensure_ascii=False,
        )
    return text


def test_no_raw_identifier_in_what_the_tool_prints(scanned: Scan) -> None:
    leaks = {
        name: [form for form in RAW_FORMS if form in text] for name, text in scanned.outputs.items()
    }
    assert {name: forms for name, forms in leaks.items() if forms} == {}
    names = {
        command: [form for form in NAME_FORMS if form in _without_paths(command, text)]
        for command, text in scanned.outputs.items()
    }
    assert {command: forms for command, forms in names.items() if forms} == {}
    assert "piiscan: debug: " in scanned.outputs["scan stderr"]  # the log was at its most verbose


def test_no_raw_identifier_in_the_inventory(scanned: Scan) -> None:
    files = sorted(p for p in scanned.inventory.rglob("*") if p.is_file())
    assert files
    for path in files:
        data = path.read_bytes()
        assert [form for form in RAW_FORMS if form.encode() in data] == [], path
        rows = pq.read_table(path).to_pylist()
        cells = json.dumps(rows, default=str, ensure_ascii=False)
        assert [form for form in RAW_FORMS if form in cells] == [], path
        # A name from the tree is in the path and member columns only (paths stay as they are).
        others = [{k: v for k, v in row.items() if k not in PATH_FIELDS} for row in rows]
        cells = json.dumps(others, default=str, ensure_ascii=False)
        assert [form for form in NAME_FORMS if form in cells] == [], path


def _findings(scan: Scan) -> list[dict[str, object]]:
    return [json.loads(line) for line in scan.outputs["findings jsonl"].splitlines()]


def test_names_are_findings(scanned: Scan) -> None:
    masked = NAME_PERSONNUMMER[:9] + "****"
    places = {
        (str(f["path"]), str(f["member"]), str(f["locator"]))
        for f in _findings(scanned)
        if f["masked"] == masked
    }
    named = f"arenden/{NAME_PERSONNUMMER}/{NAME_PERSONNUMMER}.txt"
    assert (named, "", "name") in places  # the file's name
    assert (named, "", "folder=2") in places  # the folder it is in
    assert ("personer.zip", f"personer/{NAME_PERSONNUMMER}.txt", "name") in places  # a member


@pytest.mark.parametrize(
    ("path", "prefix"),
    [
        ("blad.xlsx", "sheet=19121212-****/"),
        ("kolumn.parquet", ""),
        ("element.xml", "kunder/"),
        ("nyckel.json", "$.kunder"),
    ],
)
def test_content_names_are_masked_in_every_locator(scanned: Scan, path: str, prefix: str) -> None:
    findings = [f for f in _findings(scanned) if f["path"] == path]
    assert findings
    assert [f["locator"] for f in findings if not str(f["locator"]).startswith(prefix)] == []
    assert "19121212-****" in {f["masked"] for f in findings}  # the name itself is a finding


def test_a_worker_pool_makes_the_same_rows(scanned: Scan, pooled: Scan) -> None:
    def outcome(scan: Scan) -> dict[str, tuple[object, ...]]:
        return {
            name: (row["status"], row["reason"], row["findings"])
            for name, row in _rows(scan).items()
        }

    assert outcome(pooled) == outcome(scanned)
    assert _state(pooled.root) == pooled.before
