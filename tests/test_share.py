"""Whole-scan tests over ``fixtures/share``: golden findings and objects, planted identifiers,
no raw identifier anywhere in the inventory or the output, the scanned tree left untouched,
limits, Ctrl-C, and the same findings over SMB.

The share and its golden files are made by ``fixtures/make_share.py`` (``--golden`` rewrites
the golden files; review the diff by hand, see ``fixtures/golden/README.md``). Every scan here
reads a copy of the share in a temporary directory and keeps its key file there too.
"""

from __future__ import annotations

import hashlib
import importlib.util
import io
import json
import logging
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from piiscan.api import scan
from piiscan.cli import cli
from piiscan.config import ScanConfig
from piiscan.inventory import Inventory, rows_as_dicts
from piiscan.keys import load_or_create_key

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "fixtures"
SHARE = FIXTURES / "share"
GOLDEN = FIXTURES / "golden"
TESTS_DIR = Path(__file__).resolve().parent


def _load_make_share() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_share", FIXTURES / "make_share.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("make_share", module)
    spec.loader.exec_module(module)
    return module


make_share = _load_make_share()


def _golden(name: str) -> list[dict]:
    return json.loads((GOLDEN / name).read_text(encoding="utf-8"))


GOLDEN_FINDINGS = _golden("share_findings.json")
GOLDEN_OBJECTS = _golden("share_objects.json")
PLANTED = _golden("planted.json")
KNOWN_MISSES = _golden("known_misses.json")
KNOWN_FALSE_POSITIVES = _golden("known_false_positives.json")


# ------------------------------------------------------------------------------------------
# Scans shared by the tests of this module.


@dataclass(frozen=True, slots=True)
class ScanRun:
    """One scan of a copy of the share, with everything it printed and logged."""

    root: Path
    inventory: Path
    output: str  # stdout, stderr and log records of the scan and of the query commands

    def findings(self) -> list[dict]:
        return make_share.golden_findings(list(rows_as_dicts(Inventory(self.inventory).findings())))

    def objects(self) -> list[dict]:
        return make_share.golden_objects(list(rows_as_dicts(Inventory(self.inventory).objects())))

    def object_rows(self) -> list[dict]:
        return list(rows_as_dicts(Inventory(self.inventory).objects()))


@pytest.fixture(scope="module")
def share_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("copy") / "share"
    shutil.copytree(SHARE, root, copy_function=shutil.copy2)
    return root


@pytest.fixture(scope="module")
def key_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("key") / "piiscan.key"
    load_or_create_key(path)
    return path


def _query_output(inventory: Path) -> str:
    """Everything the query commands print for an inventory, in every format."""
    runner = CliRunner()
    parts = []
    for args in (
        *(["findings", "--format", fmt] for fmt in ("jsonl", "csv", "json")),
        *(["objects", "--format", fmt] for fmt in ("jsonl", "csv", "json")),
        *(["summary", "--format", fmt] for fmt in ("text", "json")),
    ):
        result = runner.invoke(cli, [*args, "--inventory", str(inventory)])
        assert result.exit_code == 0, result.output
        parts.append(result.output)
    return "\n".join(parts)


def _capture_logs() -> tuple[logging.Handler, io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setLevel(logging.DEBUG)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    return handler, stream


@pytest.fixture(scope="module")
def scan_one(share_copy: Path, key_file: Path, tmp_path_factory: pytest.TempPathFactory) -> ScanRun:
    """One worker, in-process through the CLI, with every logger at DEBUG captured."""
    inventory = tmp_path_factory.mktemp("inv1") / "inventory"
    handler, stream = _capture_logs()
    root_logger = logging.getLogger()
    old_level = root_logger.level
    root_logger.addHandler(handler)
    root_logger.setLevel(logging.DEBUG)
    try:
        result = CliRunner().invoke(
            cli,
            ["scan", str(share_copy), "--inventory", str(inventory), "--workers", "1",
             "--key-file", str(key_file)],
        )  # fmt: skip
    finally:
        root_logger.removeHandler(handler)
        root_logger.setLevel(old_level)
    assert result.exit_code == 0, result.output
    output = "\n".join((result.output, stream.getvalue(), _query_output(inventory)))
    return ScanRun(share_copy, inventory, output)


def _piiscan(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the real entry point (``piiscan.cli:main``) in a child process."""
    return subprocess.run(
        [sys.executable, "-c", "from piiscan.cli import main; main()", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        check=False,
    )


@pytest.fixture(scope="module")
def scan_two(share_copy: Path, key_file: Path, tmp_path_factory: pytest.TempPathFactory) -> ScanRun:
    """Two worker processes through ``piiscan.cli:main``, key file from the environment."""
    inventory = tmp_path_factory.mktemp("inv2") / "inventory"
    done = _piiscan(
        "scan", str(share_copy), "--inventory", str(inventory), "--workers", "2",
        env={"PIISCAN_KEY_FILE": str(key_file)},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    output = "\n".join((done.stdout, done.stderr, _query_output(inventory)))
    return ScanRun(share_copy, inventory, output)


@pytest.fixture(scope="module", params=[1, 2], ids=["1-worker", "2-workers"])
def any_scan(request: pytest.FixtureRequest) -> ScanRun:
    return request.getfixturevalue("scan_one" if request.param == 1 else "scan_two")


# ------------------------------------------------------------------------------------------
# Golden comparisons.


def _diff(actual: list[dict], expected: list[dict]) -> str:
    def key(row: dict) -> str:
        return json.dumps(row, ensure_ascii=False, sort_keys=True)

    have, want = {key(r) for r in actual}, {key(r) for r in expected}
    lines = [f"- missing {r}" for r in sorted(want - have)]
    lines += [f"+ extra   {r}" for r in sorted(have - want)]
    return "\n".join(lines) or "(same rows, different multiplicity or order)"


def test_findings_match_golden(any_scan: ScanRun) -> None:
    actual = any_scan.findings()
    assert actual == GOLDEN_FINDINGS, (
        "findings differ from fixtures/golden/share_findings.json "
        "(regenerate with `python fixtures/make_share.py --golden` and review):\n"
        + _diff(actual, GOLDEN_FINDINGS)
    )


def test_objects_match_golden(any_scan: ScanRun) -> None:
    actual = any_scan.objects()
    assert actual == GOLDEN_OBJECTS, _diff(actual, GOLDEN_OBJECTS)


def test_golden_files_are_sorted_and_unique_per_object() -> None:
    assert sorted(GOLDEN_FINDINGS, key=lambda r: tuple(r.values())) == GOLDEN_FINDINGS
    keys = [(r["path"], r["member"]) for r in GOLDEN_OBJECTS]
    assert len(keys) == len(set(keys))


def test_every_file_of_the_share_is_an_object() -> None:
    files = sorted(p.relative_to(SHARE).as_posix() for p in SHARE.rglob("*") if p.is_file())
    top_level = sorted(r["path"] for r in GOLDEN_OBJECTS if not r["member"])
    assert top_level == files


def _planted_params() -> Iterator[object]:
    misses = {(m["path"], m["locator"], m["entity_type"], m["masked"]): m for m in KNOWN_MISSES}
    for p in PLANTED:
        if not p["findable"]:
            continue
        ident = f"{p['path']}:{p['locator'] or '*'}:{p['entity_type']}:{p['masked']}"
        miss = misses.get((p["path"], p["locator"], p["entity_type"], p["masked"]))
        marks = [pytest.mark.xfail(reason=miss["reason"], strict=True)] if miss else []
        yield pytest.param(p, id=ident, marks=marks)


@pytest.mark.parametrize("planted", list(_planted_params()))
def test_planted_identifier_in_golden(planted: dict) -> None:
    """Each planted identifier is in the golden findings at its locator, with its mask."""
    candidates = [
        f
        for f in GOLDEN_FINDINGS
        if f["path"] == planted["path"]
        and f["entity_type"] == planted["entity_type"]
        and f["masked"] == planted["masked"]
    ]
    if planted["locator"] is not None:
        candidates = [
            f
            for f in candidates
            if (f["member"], f["locator"]) == (planted["member"], planted["locator"])
        ]
    assert candidates, f"not found: {planted['masked']} at {planted['member']} {planted['locator']}"


def test_known_misses_and_false_positives_are_current() -> None:
    planted = {(p["path"], p["locator"], p["entity_type"], p["masked"]) for p in PLANTED}
    for miss in KNOWN_MISSES:
        assert (miss["path"], miss["locator"], miss["entity_type"], miss["masked"]) in planted
        assert miss["reason"]
    golden = {(f["path"], f["locator"], f["entity_type"], f["masked"]) for f in GOLDEN_FINDINGS}
    for fp in KNOWN_FALSE_POSITIVES:
        assert (fp["path"], fp["locator"], fp["entity_type"], fp["masked"]) in golden, fp
        assert fp["reason"]


def test_unfindable_identifiers_are_not_found(scan_one: ScanRun) -> None:
    """What sits inside an encrypted archive cannot be found; the archive says so instead."""
    hidden = [p for p in PLANTED if not p["findable"]]
    assert hidden
    paths = {f["path"] for f in scan_one.findings()}
    assert not {p["path"] for p in hidden} & paths


# ------------------------------------------------------------------------------------------
# Broken, encrypted, empty and binary objects are rows with a status and a reason.

BROKEN = [
    # path, member, expected statuses, xfail reason
    ("Trasigt/avbruten.docx", "", {"error"}, None),
    ("Trasigt/trasig.pdf", "", {"error"}, None),
    ("Trasigt/skannad.pdf", "", {"no_text"}, None),
    ("Trasigt/hemlig.7z", "", {"encrypted"}, None),
    ("Trasigt/skyddad.docx", "", {"encrypted"}, None),
    ("Trasigt/slumpdata.bin", "", {"unsupported", "skipped"}, None),
    ("Trasigt/zipbomb.zip", "", {"too_large"}, None),
    ("Trasigt/tom.txt", "", {"no_text"}, None),
]  # fmt: skip


@pytest.mark.parametrize(
    ("path", "member", "statuses"),
    [
        pytest.param(
            path, member, statuses, id=path,
            marks=[pytest.mark.xfail(reason=why, strict=True)] if why else [],
        )
        for path, member, statuses, why in BROKEN
    ],
)  # fmt: skip
def test_broken_object_is_a_row_with_status_and_reason(
    any_scan: ScanRun, path: str, member: str, statuses: set[str]
) -> None:
    rows = [
        r for r in any_scan.object_rows() if r["path"] == path and (r["member"] or "") == member
    ]
    assert len(rows) == 1
    assert rows[0]["status"] in statuses
    assert rows[0]["reason"], "a failed object needs a reason"


def test_zip_bomb_small_member_is_still_scanned(scan_one: ScanRun) -> None:
    rows = {(r["path"], r["member"]): r for r in scan_one.object_rows()}
    assert rows[("Trasigt/zipbomb.zip", "lasmig.txt")]["status"] == "ok"
    assert ("Trasigt/zipbomb.zip", "nollor.txt") not in rows


def test_only_ok_objects_have_no_reason(any_scan: ScanRun) -> None:
    for row in any_scan.object_rows():
        if row["status"] != "ok":
            assert row["reason"], row["path"]


# ------------------------------------------------------------------------------------------
# No raw identifier anywhere.


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def _raw_forms() -> list[str]:
    """Every spelling of every planted value that must never leave the engine."""
    forms: set[str] = set()
    for person in make_share.PEOPLE:
        p = person.pnr
        forms |= {p, f"{p[:8]}-{p[8:]}", p[2:], f"{p[2:8]}-{p[8:]}", f"{p[2:8]}+{p[8:]}"}
        national = _digits(person.phone)
        forms |= {person.phone, national, "+46" + national[1:], "46" + national[1:]}
        forms |= {person.email, person.email.split("@")[0], person.name, person.address}
    for value in (make_share.ORGNR, make_share.ORGNR2, make_share.IBAN, make_share.CARD):
        forms |= {value, _digits(value) if value[0].isdigit() else value.replace(" ", "")}
    for planted in PLANTED:
        forms.add(planted["value"])
    return sorted(forms)


RAW_FORMS = _raw_forms()


def _inventory_text(inventory: Path) -> tuple[bytes, str]:
    """The raw bytes of every file of the inventory, and every decoded value and metadata."""
    raw = b"".join(p.read_bytes() for p in sorted(inventory.rglob("*")) if p.is_file())
    decoded = []
    for path in sorted(inventory.rglob("*.parquet")):
        table = pq.read_table(path)
        decoded.append(json.dumps(table.to_pylist(), default=str, ensure_ascii=False))
        metadata = table.schema.metadata or {}
        decoded += [k.decode("utf-8", "replace") + v.decode("utf-8", "replace")
                    for k, v in metadata.items()]  # fmt: skip
    return raw, "\n".join(decoded)


def test_raw_forms_cover_the_planted_values() -> None:
    assert "198506012387" in RAW_FORMS
    assert "850601-2387" in RAW_FORMS
    assert "0701740605" in RAW_FORMS
    assert "+46701740605" in RAW_FORMS
    assert "anna.andersson" in RAW_FORMS
    assert len(RAW_FORMS) > 100


def test_no_raw_identifier_in_inventory_or_output(any_scan: ScanRun) -> None:
    raw, decoded = _inventory_text(any_scan.inventory)
    assert decoded, "the inventory has no Parquet files"
    leaks = []
    for form in RAW_FORMS:
        if form.encode("utf-8") in raw or form.encode("utf-16-le") in raw:
            leaks.append(f"inventory bytes: {form!r}")
        if form in decoded:
            leaks.append(f"inventory values: {form!r}")
        if form in any_scan.output:
            leaks.append(f"command output or logs: {form!r}")
    assert not leaks, "\n".join(leaks)


def test_output_was_captured(scan_one: ScanRun, scan_two: ScanRun) -> None:
    """The leak test above looked at real output: the rows and the summary are in it."""
    for run in (scan_one, scan_two):
        assert "SE_PERSONNUMMER" in run.output
        assert "850601-****" in run.output
        assert "objects by status" in run.output


# ------------------------------------------------------------------------------------------
# The scanned tree is left as it was.


def _snapshot(root: Path) -> dict[str, tuple]:
    state: dict[str, tuple] = {}
    for path in sorted(root.rglob("*")):
        info = path.lstat()
        rel = path.relative_to(root).as_posix()
        if path.is_dir():
            state[rel] = ("dir", info.st_mode, info.st_mtime_ns, tuple(sorted(os.listdir(path))))
        else:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            state[rel] = ("file", info.st_mode, info.st_mtime_ns, info.st_size, digest)
    return state


@pytest.mark.parametrize("workers", [1, 2])
def test_scan_leaves_the_tree_unchanged(tmp_path: Path, key_file: Path, workers: int) -> None:
    root = tmp_path / "share"
    shutil.copytree(SHARE, root, copy_function=shutil.copy2)
    before = _snapshot(root)
    root_info = root.stat()
    scan(
        ScanConfig(
            roots=(str(root),), inventory=tmp_path / "inventory", workers=workers,
            key_file=key_file,
        )
    )  # fmt: skip
    assert _snapshot(root) == before
    assert root.stat().st_mtime_ns == root_info.st_mtime_ns
    assert sorted(os.listdir(tmp_path)) == ["inventory", "share"]


# Written byte by byte by the generator itself (not by a library whose output may change
# between versions), so the committed bytes must be reproduced exactly.
HAND_WRITTEN = (".txt", ".csv", ".tsv", ".json", ".ndjson", ".xml", ".html", ".rtf", ".gz",
                ".bin", ".doc")  # fmt: skip


def test_share_matches_its_generator(tmp_path: Path) -> None:
    """The committed tree is what ``fixtures/make_share.py`` writes: the same files, the same
    planted identifiers, and the same bytes for every file not written through an Office/PDF
    library (``.doc`` is a verbatim copy of a third-party sample)."""
    committed = {
        p.relative_to(SHARE).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in SHARE.rglob("*")
        if p.is_file()
    }
    assert sum((SHARE / p).stat().st_size for p in committed) < 2 * 1024 * 1024
    script = (
        "import sys, pathlib, importlib.util as u\n"
        "spec = u.spec_from_file_location('m', sys.argv[1]); m = u.module_from_spec(spec)\n"
        "sys.modules['m'] = m; spec.loader.exec_module(m)\n"
        "m.SHARE = pathlib.Path(sys.argv[2]); m.GOLDEN = pathlib.Path(sys.argv[3]); m.build()\n"
    )
    target, golden = tmp_path / "share", tmp_path / "golden"
    done = subprocess.run(
        [sys.executable, "-c", script, str(FIXTURES / "make_share.py"), str(target), str(golden)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    rebuilt = {
        p.relative_to(target).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in target.rglob("*")
        if p.is_file()
    }
    assert sorted(rebuilt) == sorted(committed)
    exact = [name for name in committed if name.endswith(HAND_WRITTEN)]
    assert len(exact) > 15
    assert {n: rebuilt[n] for n in exact} == {n: committed[n] for n in exact}
    assert json.loads((golden / "planted.json").read_text(encoding="utf-8")) == PLANTED


# ------------------------------------------------------------------------------------------
# Limits and interruption.


@pytest.mark.parametrize(
    ("size", "max_size", "too_large"),
    [
        (64 * 1024 * 1024, "1M", True),
        (3 * 1024 * 1024, "2M", True),
        (512 * 1024, "1M", False),
    ],
    ids=["64M-over-1M", "3M-over-2M", "512K-under-1M"],
)
def test_oversized_file_is_a_too_large_row(
    tmp_path: Path, key_file: Path, size: int, max_size: str, too_large: bool
) -> None:
    root = tmp_path / "root"
    root.mkdir()
    with (root / "stor.log").open("wb") as sparse:
        sparse.truncate(size)  # a sparse file: no disk space, nothing committed
    (root / "liten.txt").write_text("Personnummer 850601-2387\n", encoding="utf-8")
    inventory = tmp_path / "inventory"
    result = CliRunner().invoke(
        cli,
        ["scan", str(root), "--inventory", str(inventory), "--workers", "1",
         "--key-file", str(key_file), "--max-size", max_size, "--quiet"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = {r["path"]: r for r in rows_as_dicts(Inventory(inventory).objects())}
    assert (rows["stor.log"]["status"] == "too_large") is too_large
    assert rows["stor.log"]["reason"]  # too large, or (under the limit) binary zeros
    assert rows["liten.txt"]["status"] == "ok"
    assert [f["path"] for f in rows_as_dicts(Inventory(inventory).findings())] == ["liten.txt"]


class _StopAfter:
    def __init__(self, objects: int) -> None:
        self.objects = objects

    def __call__(self, progress: object) -> None:
        if progress.objects >= self.objects:  # type: ignore[attr-defined]
            raise KeyboardInterrupt


@pytest.mark.parametrize("workers", [1, 2])
def test_ctrl_c_leaves_a_readable_interrupted_inventory(
    share_copy: Path, key_file: Path, tmp_path: Path, workers: int
) -> None:
    inventory = tmp_path / "inventory"
    config = ScanConfig(
        roots=(str(share_copy),), inventory=inventory, workers=workers, key_file=key_file
    )
    with pytest.raises(KeyboardInterrupt):
        scan(config, progress=_StopAfter(5))
    reader = Inventory(inventory)
    (info,) = reader.scans()
    assert info.status == "interrupted"
    objects = reader.objects().num_rows
    assert 5 <= objects < len(GOLDEN_OBJECTS)
    assert info.objects == objects
    # What was written is consistent: every finding belongs to a recorded file.
    recorded = {r["path"] for r in rows_as_dicts(reader.objects())}
    assert {f["path"] for f in rows_as_dicts(reader.findings())} <= recorded


# ------------------------------------------------------------------------------------------
# The same share over SMB.


def _samba() -> ModuleType:
    if str(TESTS_DIR) not in sys.path:
        sys.path.insert(0, str(TESTS_DIR))
    import samba_server

    return samba_server


@pytest.mark.server
def test_smb_scan_finds_the_same(
    share_copy: Path, scan_one: ScanRun, key_file: Path, tmp_path: Path
) -> None:
    samba = _samba()
    reason = samba.smbd_missing_reason()
    if reason is not None:
        pytest.skip(reason)
    workdir = tmp_path / "samba"
    workdir.mkdir()
    inventory = tmp_path / "inventory"
    with samba.serve_directory(share_copy, workdir) as server:
        result = CliRunner().invoke(
            cli,
            ["scan", server.url, "--inventory", str(inventory), "--workers", "2",
             "--key-file", str(key_file), "--quiet"],
            env={"PIISCAN_SMB_PASSWORD": server.password},
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        password = server.password
    run = ScanRun(share_copy, inventory, result.output)
    assert run.findings() == scan_one.findings(), _diff(run.findings(), scan_one.findings())
    assert run.objects() == scan_one.objects(), _diff(run.objects(), scan_one.objects())
    raw, decoded = _inventory_text(inventory)
    assert password.encode() not in raw
    assert password not in decoded
    assert password not in result.output
