"""Incremental rescans, in-process with one worker: what is unchanged is carried forward, not
read (the real extractor is counted, not replaced), and what changed or went is handled."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from piiscan.api import scan
from piiscan.cli import cli
from piiscan.config import ScanConfig
from piiscan.extractors import dispatch
from piiscan.inventory import Inventory
from piiscan.inventory.diff import diff_scans
from piiscan.inventory.dismissals import Dismissal, append_dismissal, load_dismissals
from piiscan.known import KnownValues
from piiscan.scan import session

_TESTS_DIR = str(Path(__file__).resolve().parents[1])
if _TESTS_DIR not in sys.path:
    sys.path.insert(0, _TESTS_DIR)

from scheduled import EMAIL, PERSONNUMMER, PHONE, write_tree  # noqa: E402

FILES = {
    "kunder.txt": f"Kund {PERSONNUMMER}, ring {PHONE}\n",
    "Ekonomi/lista.csv": f"namn;personnummer\nAnna;{PERSONNUMMER}\nBo;{PERSONNUMMER}\n",
    "Ekonomi/faktura.txt": "Exempel AB, org.nr 556016-0680\n",
    "tom.txt": "Inget här.\n",
    "kontakt.txt": f"Skriv till {EMAIL}\n",
}


class Counted:
    """How often the real extractor and the real engine builder ran."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.extracted: list[str] = []
        self.engines = 0
        extract, build = dispatch.extract, session.build_engine

        def counting_extract(blob: Any, limits: Any) -> Any:
            self.extracted.append(blob.name)
            return extract(blob, limits)

        def counting_build(config: ScanConfig, registry: Any = None) -> Any:
            self.engines += 1
            return build(config, registry)

        monkeypatch.setattr(dispatch, "extract", counting_extract)
        monkeypatch.setattr(session, "build_engine", counting_build)

    def reset(self) -> None:
        self.extracted.clear()
        self.engines = 0


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> Counted:
    return Counted(monkeypatch)


def _config(root: Path, tmp_path: Path, **options: Any) -> ScanConfig:
    return ScanConfig.from_options(
        [str(root)], inventory=tmp_path / "inv", workers=1, key_file=tmp_path / "key",
        new_key=True, person_model="none", **options,
    )  # fmt: skip


def _rows(directory: Path, table: str, scan_id: str) -> list[dict[str, Any]]:
    inventory = Inventory(directory)
    rows = getattr(inventory, table)(scan_id).to_pylist()
    skip = {"scan_id", "duration_ms", "read_at", "carried_from"}
    return [{k: v for k, v in row.items() if k not in skip} for row in rows]


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "share"
    write_tree(root, FILES)
    return root


def test_a_no_change_rescan_reads_nothing_and_carries_everything(
    tree: Path, tmp_path: Path, counted: Counted
) -> None:
    config = _config(tree, tmp_path)
    first = scan(config)
    assert len(counted.extracted) == len(FILES)
    assert counted.engines == 1
    counted.reset()
    second = scan(config)
    assert counted.extracted == []
    assert counted.engines == 0  # nothing to read: no engine was built
    assert (second.baseline, second.carried) == (first.scan_id, first.objects)
    inventory = tmp_path / "inv"
    for table in ("objects", "findings", "columns"):
        assert _rows(inventory, table, second.scan_id) == _rows(inventory, table, first.scan_id)
    objects = Inventory(inventory).objects(second.scan_id).to_pylist()
    assert {row["carried_from"] for row in objects} == {first.scan_id}
    earlier = {row["path"]: row["read_at"] for row in Inventory(inventory).objects(first.scan_id)
               .to_pylist()}  # fmt: skip
    assert all(row["read_at"] == earlier[row["path"]] for row in objects)
    assert Inventory(inventory).columns(second.scan_id).num_rows > 0  # the CSV's profile
    info = Inventory(inventory).scans()[-1]
    assert (info.status, info.objects, info.findings) == ("complete", first.objects,
                                                          first.findings)  # fmt: skip
    assert diff_scans(Inventory(inventory)).rows == ()


def test_touching_one_file_reads_only_it(tree: Path, tmp_path: Path, counted: Counted) -> None:
    config = _config(tree, tmp_path)
    first = scan(config)
    counted.reset()
    changed = tree / "kontakt.txt"
    changed.write_text(f"Skriv till {EMAIL} eller ring {PHONE}\n", encoding="utf-8")
    stat = changed.stat()
    os.utime(changed, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))
    second = scan(config)
    assert counted.extracted == ["kontakt.txt"]
    objects = {row["path"]: row for row in Inventory(tmp_path / "inv").objects(second.scan_id)
               .to_pylist()}  # fmt: skip
    assert objects["kontakt.txt"]["carried_from"] == ""
    assert objects["kontakt.txt"]["findings"] == 2
    assert {row["carried_from"] for path, row in objects.items() if path != "kontakt.txt"} == {
        first.scan_id
    }
    change = diff_scans(Inventory(tmp_path / "inv"))
    assert [(row.change, row.path, row.entity_type) for row in change.rows] == [
        ("added", "kontakt.txt", "PHONE_NUMBER")
    ]


def test_a_deleted_file_leaves_the_scan_and_shows_in_the_diff(
    tree: Path, tmp_path: Path, counted: Counted
) -> None:
    config = _config(tree, tmp_path)
    scan(config)
    counted.reset()
    (tree / "kunder.txt").unlink()
    new = tree / "ny.txt"
    new.write_text(f"Ny kund {PERSONNUMMER}\n", encoding="utf-8")
    second = scan(config)
    assert counted.extracted == ["ny.txt"]
    inventory = Inventory(tmp_path / "inv")
    assert "kunder.txt" not in inventory.objects(second.scan_id)["path"].to_pylist()
    assert "kunder.txt" not in inventory.findings(second.scan_id)["path"].to_pylist()
    change = diff_scans(inventory)
    removed = {(row.kind, row.path, row.entity_type) for row in change.rows
               if row.change == "removed"}  # fmt: skip
    assert removed == {("object", "kunder.txt", ""), ("finding", "kunder.txt", "SE_PERSONNUMMER"),
                       ("finding", "kunder.txt", "PHONE_NUMBER")}  # fmt: skip
    added = {(row.kind, row.path) for row in change.rows if row.change == "added"}
    assert added == {("object", "ny.txt"), ("finding", "ny.txt")}
    # And the command says so too.
    shown = CliRunner().invoke(cli, ["diff", "--inventory", str(tmp_path / "inv"), "--format",
                                     "jsonl"])  # fmt: skip
    assert shown.exit_code == 0, shown.output
    rows = [json.loads(line) for line in shown.output.splitlines()]
    assert {(r["change"], r["kind"], r["path"]) for r in rows if r["path"] == "kunder.txt"} == {
        ("removed", "object", "kunder.txt"),
        ("removed", "finding", "kunder.txt"),
    }


@pytest.mark.parametrize(
    "change",
    [{"full": True}, {"min_score": 0.9}],
    ids=["--full", "other settings"],
)
def test_full_or_other_settings_read_everything(
    tree: Path, tmp_path: Path, counted: Counted, change: dict[str, Any]
) -> None:
    scan(_config(tree, tmp_path))
    counted.reset()
    report = scan(_config(tree, tmp_path, **change))
    assert sorted(counted.extracted) == sorted(Path(path).name for path in FILES)
    assert (report.baseline, report.carried) == (None, 0)


def test_a_catalogue_change_reads_everything(tree: Path, tmp_path: Path, counted: Counted) -> None:
    scan(_config(tree, tmp_path))
    counted.reset()
    own = tmp_path / "recognizers"
    own.mkdir()
    (own / "kundnummer.yaml").write_text(
        "id: acme.kundnummer\nentity: ACME_KUNDNUMMER\nversion: 1\nname: Kundnummer\n"
        "patterns:\n  - name: number\n    regex: 'KN-[0-9]{6}'\n    strength: medium\n"
        "scores: {low: 0.4, medium: 0.85, high: 0.95}\n"
        "examples:\n  valid: ['Kund KN-123456']\n  invalid: ['KN-12']\n",
        encoding="utf-8",
    )
    report = scan(_config(tree, tmp_path, recognizer_dirs=[own]))
    assert len(counted.extracted) == len(FILES)
    assert report.baseline is None


def test_findings_read_too_long_ago_are_read_again(
    tree: Path, tmp_path: Path, counted: Counted
) -> None:
    scan(_config(tree, tmp_path))
    counted.reset()
    scan(_config(tree, tmp_path, reread_after="0 days"))
    # Objects with findings are read again; those without (tom.txt) are carried.
    with_findings = {"kunder.txt", "lista.csv", "faktura.txt", "kontakt.txt"}
    assert set(counted.extracted) == with_findings
    counted.reset()
    scan(_config(tree, tmp_path, reread_after="never"))
    assert counted.extracted == []


def test_dismissals_and_known_values_carry(tree: Path, tmp_path: Path, counted: Counted) -> None:
    known = KnownValues.from_mapping({"organisationsnummer": ["556016-0680"]})
    config = replace(_config(tree, tmp_path), known_values=known)
    first = scan(config)
    inventory = tmp_path / "inv"
    (row,) = Inventory(inventory).findings(first.scan_id, paths=["kontakt.txt"]).to_pylist()
    append_dismissal(inventory, Dismissal(path=row["path"], locator=row["locator"],
                                          entity_type=row["entity_type"],
                                          value_key=row["value_key"], reason="support address",
                                          by="test"))  # fmt: skip
    counted.reset()
    second = scan(config)
    assert counted.extracted == []
    objects = {r["path"]: r for r in Inventory(inventory).objects(second.scan_id).to_pylist()}
    assert objects["Ekonomi/faktura.txt"]["known_values"] == 1
    (carried,) = Inventory(inventory).findings(second.scan_id, paths=["kontakt.txt"]).to_pylist()
    dismissals = load_dismissals(inventory)
    assert dismissals.matches(carried["root"], carried["path"], carried["locator"],
                              carried["entity_type"], carried["value_key"])  # fmt: skip
    # Another list of known values is another setting: everything is read again.
    counted.reset()
    scan(replace(config, known_values=KnownValues()))
    assert len(counted.extracted) == len(FILES)


def test_an_interrupted_scan_is_no_baseline(tree: Path, tmp_path: Path, counted: Counted) -> None:
    config = _config(tree, tmp_path)
    calls = 0
    real = dispatch.extract

    def stop_at_third(blob: Any, limits: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise KeyboardInterrupt
        return real(blob, limits)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(dispatch, "extract", stop_at_third)
        with pytest.raises(KeyboardInterrupt):
            scan(config)
    counted.reset()
    report = scan(config)
    assert report.baseline is None
    assert len(counted.extracted) == len(FILES)


_RESCAN = """
import os
import sys
from pathlib import Path
from piiscan.api import scan
from piiscan.config import ScanConfig
root, inventory, key = sys.argv[1:]
report = scan(ScanConfig.from_options([root], inventory=Path(inventory), workers=2,
                                      key_file=Path(key), person_model="none"))
loaded = sorted(m for m in ("presidio_analyzer", "spacy", "piiscan.engine") if m in sys.modules)
def parent(pid):
    try:
        return (Path("/proc") / pid / "stat").read_text().rsplit(")", 1)[-1].split()[1]
    except OSError:  # gone meanwhile
        return None
me = str(os.getpid())
children = [p for p in os.listdir("/proc") if p.isdigit() and parent(p) == me]
print(report.carried, report.objects, loaded, len(children))
"""


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
def test_a_no_change_rescan_starts_no_worker_and_loads_no_engine(
    tree: Path, tmp_path: Path
) -> None:
    first = scan(_config(tree, tmp_path))
    out = subprocess.run(
        [sys.executable, "-c", _RESCAN, str(tree), str(tmp_path / "inv"), str(tmp_path / "key")],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    # Everything carried, with two workers asked for: no engine imported, no process started.
    assert out.stdout.split() == [str(first.objects), str(first.objects), "[]", "0"]


def test_an_interrupted_incremental_scan_resumes_incrementally(
    tree: Path, tmp_path: Path, counted: Counted
) -> None:
    config = _config(tree, tmp_path)
    first = scan(config)
    later = (tree / "kunder.txt").stat().st_mtime_ns + 5_000_000_000
    for name in ("kunder.txt", "kontakt.txt"):
        os.utime(tree / name, ns=(later, later))
    real = dispatch.extract

    def stop_at_kunder(blob: Any, limits: Any) -> Any:
        if blob.name == "kunder.txt":
            raise KeyboardInterrupt
        return real(blob, limits)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(dispatch, "extract", stop_at_kunder)
        with pytest.raises(KeyboardInterrupt):
            scan(config)
    counted.reset()
    report = scan(replace(config, resume=True))
    assert report.resumed
    assert report.baseline == first.scan_id
    assert counted.extracted == ["kunder.txt"]  # kontakt.txt was finished before the stop
    inventory = Inventory(tmp_path / "inv")
    assert len(inventory.scans()) == 2
    objects = {row["path"]: row for row in inventory.objects(report.scan_id).to_pylist()}
    assert set(objects) == set(FILES)
    read = {path for path, row in objects.items() if not row["carried_from"]}
    assert read == {"kunder.txt", "kontakt.txt"}
    for table in ("findings", "columns"):
        assert _rows(tmp_path / "inv", table, report.scan_id) == _rows(
            tmp_path / "inv", table, first.scan_id
        )


def test_a_rescan_carries_the_findings_in_names_of_entries_passed_over(
    tmp_path: Path, counted: Counted
) -> None:
    """Entries the walk passes over (a symbolic link not followed, a FIFO, an excluded file, a
    file over the size limit) are never opened, but their names are scanned; an incremental
    rescan of the unchanged tree has the same rows and findings as the full scan, PERSON
    included, and builds no engine."""
    root = tmp_path / "share"
    write_tree(root, FILES)
    (root / f"Anna Lindqvist {PERSONNUMMER}.tmp").write_text("Inget.\n", encoding="utf-8")
    (root / "utesluten.tmp").write_text("Inget.\n", encoding="utf-8")
    (root / "stor Karin Johansson.txt").write_text("x" * 2000, encoding="utf-8")
    (root / f"Erik Nilsson {PERSONNUMMER}").symlink_to(root / "tom.txt")
    if hasattr(os, "mkfifo"):
        os.mkfifo(root / f"rör Maria Karlsson {PERSONNUMMER}")
    config = _config(root, tmp_path, exclude=["*.tmp"], max_size=1000)
    first = scan(config)
    found = _rows(tmp_path / "inv", "findings", first.scan_id)
    in_names = {(row["path"], row["entity_type"]) for row in found if row["locator"] == "name"}
    assert (f"Anna Lindqvist {PERSONNUMMER}.tmp", "PERSON") in in_names
    assert (f"Erik Nilsson {PERSONNUMMER}", "SE_PERSONNUMMER") in in_names
    assert ("stor Karin Johansson.txt", "PERSON") in in_names
    counted.reset()
    second = scan(config)
    assert counted.engines == 0  # nothing changed: nothing read, no engine
    assert (second.baseline, second.objects, second.findings) == (
        first.scan_id, first.objects, first.findings,
    )  # fmt: skip
    for table in ("objects", "findings"):
        rows = _rows(tmp_path / "inv", table, second.scan_id)
        assert rows == _rows(tmp_path / "inv", table, first.scan_id), table
    carried = Inventory(tmp_path / "inv").objects(second.scan_id).to_pylist()
    assert {row["carried_from"] for row in carried} == {first.scan_id}
    # A new entry passed over has its names scanned in a rescan too.
    (root / f"Olof Berg {PERSONNUMMER}").symlink_to(root / "tom.txt")
    third = scan(config)
    assert third.baseline == second.scan_id
    third_found = _rows(tmp_path / "inv", "findings", third.scan_id)
    names = {(row["path"], row["entity_type"]) for row in third_found if row["locator"] == "name"}
    assert names == in_names | {(f"Olof Berg {PERSONNUMMER}", "SE_PERSONNUMMER"),
                                (f"Olof Berg {PERSONNUMMER}", "PERSON")}  # fmt: skip
