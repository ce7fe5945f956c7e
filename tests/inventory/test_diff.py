"""``piiscan diff``: objects and findings added and removed between two scans of one tree."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from scheduled import EMAIL, OTHER_PERSONNUMMER, PERSONNUMMER, PHONE, run, scan_tree, write_tree

from piiscan.errors import InventoryError
from piiscan.inventory import Inventory
from piiscan.inventory import diff as diff_module
from piiscan.inventory.diff import DIFF_COLUMNS, choose_scans, diff_scans


@dataclass(frozen=True, slots=True)
class TwoScans:
    inventory: Path
    first: str
    second: str


@pytest.fixture(scope="module")
def two_scans(tmp_path_factory: pytest.TempPathFactory) -> TwoScans:
    """A tree scanned, changed (one file deleted, one added, one edited), scanned again."""
    base = tmp_path_factory.mktemp("diff")
    root, inventory, key = base / "share", base / "inventory", base / "key"
    write_tree(root, {
        "kvar.txt": f"Personnummer {PERSONNUMMER}\n",
        "raderas.txt": f"Ring {PHONE}\n",
        "andras.txt": f"E-post {EMAIL}\n",
    })  # fmt: skip
    first = scan_tree(root, inventory, key)
    (root / "raderas.txt").unlink()
    write_tree(root, {
        "ny/lista.txt": f"Personnummer {OTHER_PERSONNUMMER} och {PERSONNUMMER}\n",
        "andras.txt": f"E-post {EMAIL}, personnummer {OTHER_PERSONNUMMER}\n",
    })  # fmt: skip
    second = scan_tree(root, inventory, key)
    return TwoScans(inventory, first, second)


def test_added_and_deleted_files_and_findings(two_scans: TwoScans) -> None:
    change = diff_scans(Inventory(two_scans.inventory))
    assert (change.old.scan_id, change.new.scan_id) == (two_scans.first, two_scans.second)
    objects = {(row.change, row.path) for row in change if row.kind == "object"}
    assert objects == {("added", "ny/lista.txt"), ("removed", "raderas.txt")}
    findings = sorted((row.change, row.path, row.entity_type, row.count)
                      for row in change if row.kind == "finding")  # fmt: skip
    assert findings == [
        ("added", "andras.txt", "SE_PERSONNUMMER", 1),
        ("added", "ny/lista.txt", "SE_PERSONNUMMER", 1),
        ("added", "ny/lista.txt", "SE_PERSONNUMMER", 1),
        ("removed", "raderas.txt", "PHONE_NUMBER", 1),
    ]
    assert change.new_findings == 3
    assert dict(change.by_entity("removed")) == {"PHONE_NUMBER": 1}
    for row in change:
        assert PERSONNUMMER not in row.masked
        assert "174 06 05" not in row.masked


@pytest.mark.parametrize("rows_in_memory", [1, 2, 3])
def test_compared_in_buckets_the_changes_are_the_same(
    two_scans: TwoScans, rows_in_memory: int
) -> None:
    """Scans too large to hold at once are compared bucket by bucket, spilled to disk: the
    same changes, in the same order."""
    inventory = Inventory(two_scans.inventory)
    old, new = choose_scans(inventory)
    whole = diff_module._changes(inventory, old, new, rows_in_memory=1_000_000)
    assert whole
    assert diff_module._changes(inventory, old, new, rows_in_memory=rows_in_memory) == whole


def test_same_scan_pair_reversed_swaps_added_and_removed(two_scans: TwoScans) -> None:
    forward = diff_scans(Inventory(two_scans.inventory), two_scans.first, two_scans.second)
    backward = diff_scans(Inventory(two_scans.inventory), two_scans.second, two_scans.first)
    flip = {"added": "removed", "removed": "added"}
    assert sorted((flip[r.change], r.kind, r.path, r.locator, r.value_key) for r in forward) == \
        sorted((r.change, r.kind, r.path, r.locator, r.value_key) for r in backward)  # fmt: skip


def test_one_scan_has_nothing_to_compare_with(tmp_path: Path) -> None:
    write_tree(tmp_path / "share", {"a.txt": f"Personnummer {PERSONNUMMER}\n"})
    scan_tree(tmp_path / "share", tmp_path / "inv", tmp_path / "key")
    with pytest.raises(InventoryError, match="no complete scan of the same roots before"):
        diff_scans(Inventory(tmp_path / "inv"))


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "json"])
def test_cli_formats(two_scans: TwoScans, fmt: str) -> None:
    result = run("diff", "--inventory", str(two_scans.inventory), "--format", fmt)
    assert result.exit_code == 0, result.output
    if fmt == "jsonl":
        rows = [json.loads(line) for line in result.output.splitlines()]
    elif fmt == "json":
        rows = json.loads(result.output)
    else:
        rows = list(csv.DictReader(io.StringIO(result.output)))
    assert len(rows) == 6  # 2 objects, 4 findings
    assert list(rows[0]) == list(DIFF_COLUMNS)
    assert {row["change"] for row in rows} == {"added", "removed"}


def test_cli_text_and_fail_on_new(two_scans: TwoScans) -> None:
    result = run("diff", "--inventory", str(two_scans.inventory), "--fail-on-new")
    assert result.exit_code == 7
    assert result.output.startswith(f"scan {two_scans.first} -> {two_scans.second}: "
                                    "objects +1 -1, findings +3 -1")  # fmt: skip
    assert "- object  raderas.txt" in result.output
    assert "+ object  ny/lista.txt" in result.output
    quiet = run("diff", "--inventory", str(two_scans.inventory), "--fail-on-new", "-q")
    assert (quiet.exit_code, quiet.output) == (7, "")
    # A scan against itself: nothing new.
    same = run("diff", "--inventory", str(two_scans.inventory), "--from", two_scans.second,
               "--to", two_scans.second, "--fail-on-new")  # fmt: skip
    assert same.exit_code == 0, same.output
    assert same.output.endswith("objects +0 -0, findings +0 -0\n")


def test_scan_fail_on_new(tmp_path: Path) -> None:
    root, inventory, key = tmp_path / "share", tmp_path / "inv", tmp_path / "key"
    write_tree(root, {"a.txt": f"Personnummer {PERSONNUMMER}\n"})
    base = ["scan", str(root), "--inventory", str(inventory), "--key-file", str(key),
            "--workers", "1", "--person-model", "none", "--fail-on-new"]  # fmt: skip
    first = run(*base, "--new-key")
    assert first.exit_code == 0, first.output  # nothing to compare with: no alarm
    same = run(*base)
    assert same.exit_code == 0, same.output
    write_tree(root, {"b.txt": f"Ring {PHONE}\n"})
    new = run(*base)
    assert new.exit_code == 7, new.output
    assert "1 new findings since scan" in new.output
