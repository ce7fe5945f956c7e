"""``piiscan dismiss``: a false positive marked with a reason, kept, and shown as dismissed."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from scheduled import PERSONNUMMER, PHONE, run, scan_tree, write_tree

from piiscan.errors import ConfigError
from piiscan.inventory import Inventory
from piiscan.inventory.diff import diff_scans
from piiscan.inventory.dismissals import read_dismissals
from piiscan.inventory.retention import Period, RetentionRule, retention_candidates
from piiscan.report import build_report


def _findings(inventory: Path) -> list[dict]:
    result = run("findings", "--inventory", str(inventory), "--format", "json")
    assert result.exit_code == 0, result.output
    rows: list[dict] = json.loads(result.output)
    return rows


def test_dismiss_round_trip(tmp_path: Path) -> None:
    root, inventory, key = tmp_path / "share", tmp_path / "inv", tmp_path / "key"
    write_tree(root, {"faktura.txt": f"Växel {PHONE}\nKund {PERSONNUMMER}\n"})
    scan_tree(root, inventory, key)
    rows = _findings(inventory)
    assert [row["dismissed"] for row in rows] == [False, False]
    phone = next(row for row in rows if row["entity_type"] == "PHONE_NUMBER")
    result = run(
        "dismiss", "--inventory", str(inventory), "--path", phone["path"],
        "--locator", phone["locator"], "--entity", "PHONE_NUMBER",
        "--value-key", phone["value_key"], "--reason", "vår växel", "--by", "dpo",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    # Shown as dismissed, never deleted.
    after = _findings(inventory)
    assert len(after) == 2
    assert {row["entity_type"]: row["dismissed"] for row in after} == {
        "PHONE_NUMBER": True, "SE_PERSONNUMMER": False,
    }  # fmt: skip
    stored = read_dismissals(inventory).to_pylist()
    assert [(r["by"], r["reason"], r["path"], r["value_key"]) for r in stored] == [
        ("dpo", "vår växel", "faktura.txt", phone["value_key"])
    ]
    files = list((inventory / "dismissals").glob("*.parquet"))
    assert len(files) == 1
    assert files[0].stat().st_mode & 0o777 == 0o600
    assert pq.read_schema(files[0]).metadata[b"piiscan.table"] == b"dismissals"
    # It carries over to the next scan of the same value at the same place; a new phone
    # number shows up in the diff as new, the dismissed one would not.
    write_tree(root, {"ny.txt": f"Växel {PHONE}\n"})
    scan_tree(root, inventory, key)
    again = {(r["path"], r["entity_type"]): r["dismissed"] for r in _findings(inventory)}
    assert again[("faktura.txt", "PHONE_NUMBER")] is True
    assert again[("ny.txt", "PHONE_NUMBER")] is False  # another place: not dismissed
    change = diff_scans(Inventory(inventory))
    assert [(r.path, r.dismissed) for r in change if r.kind == "finding"] == [("ny.txt", False)]
    # Retention and the report leave it out of their counts, and say so.
    rule = RetentionRule(glob="**", older_than=Period(0, "days"))
    kept = retention_candidates(Inventory(inventory), [rule], now=datetime.now(UTC) + timedelta(1))
    assert kept.dismissed == 1
    phones = {(c.path, dict(c.by_entity).get("PHONE_NUMBER", 0)) for c in kept.candidates}
    assert phones == {("faktura.txt", 0), ("ny.txt", 1)}
    report = build_report(Inventory(inventory)).to_dict()
    assert (report["findings"], report["dismissed"]) == (2, 1)


@pytest.mark.parametrize(("change", "message"), [
    ({"--value-key": "ab" * 32}, "no finding with that path"),
    ({"--locator": "page=9"}, "no finding with that path"),
    ({"--value-key": "not-a-key"}, "64 lower-case hex digits"),
    ({"--reason": " "}, "--reason must say why"),
])  # fmt: skip
def test_dismiss_refuses_what_matches_nothing(tmp_path: Path, change: dict, message: str) -> None:
    root, inventory, key = tmp_path / "share", tmp_path / "inv", tmp_path / "key"
    write_tree(root, {"a.txt": f"Kund {PERSONNUMMER}\n"})
    scan_tree(root, inventory, key)
    finding = _findings(inventory)[0]
    options = {"--path": finding["path"], "--locator": finding["locator"],
               "--entity": finding["entity_type"], "--value-key": finding["value_key"],
               "--reason": "test"} | change  # fmt: skip
    args = [item for pair in options.items() for item in pair]
    result = run("dismiss", "--inventory", str(inventory), *args)
    assert isinstance(result.exception, ConfigError), result.output
    assert message in str(result.exception)
    assert not (inventory / "dismissals").exists()
