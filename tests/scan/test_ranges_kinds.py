"""CSV, mbox and plain SQL dumps read in ranges: the same rows as a read at once, byte for byte.

The fixture share's CSV and TSV files, its mbox and the fixture dumps written by the real
``pg_dump`` and ``mariadb-dump`` (``fixtures/dumps/make_dumps.py``) are scaled up (their
records, messages and rows repeated, each copy with its own keys and Message-IDs, some
without) and scanned with a small split size and with splitting off; objects, findings and
column profiles must be equal, locators, offsets and value keys included, in one process, on
the local pool and on a Dask ``LocalCluster``.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from piiscan.api import scan
from piiscan.config import ScanConfig
from piiscan.extractors.base import Blob, Limits, Member
from piiscan.extractors.dispatch import extract
from piiscan.inventory import Inventory, rows_as_dicts
from piiscan.keys import load_or_create_key
from piiscan.model import ColumnProfile, ObjectRef, ObjectResult, Segment, Status, TableRows
from piiscan.scan.range_cuts import TableCount
from piiscan.scan.range_cuts.delimited import DelimitedAt
from piiscan.scan.range_cuts.dumps import DumpAt
from piiscan.scan.range_cuts.mbox import MboxAt
from piiscan.scan.range_cuts.text import TextAt
from piiscan.scan.ranges import RangeMerger, Span, cut_ranges, span_items

from .conftest import TEST_PERSONNUMMER
from .inventories import compacted_tasks, inventory_rows

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
SHARE = REPO / "fixtures" / "share"
DUMPS = REPO / "fixtures" / "dumps"
SPLIT = 48 * 1024
NUMBERS = TEST_PERSONNUMMER.read_text(encoding="ascii").split()

# name in the tree -> (what a range starts with, at least this many ranges)
KINDS: dict[str, tuple[type, int]] = {
    "kunder.csv": (DelimitedAt, 4),
    "kunder_cp1252.csv": (DelimitedAt, 3),
    "utan_rubrik.csv": (DelimitedAt, 3),
    "leverantorer.tsv": (DelimitedAt, 3),
    "kundtjanst.mbox": (MboxAt, 4),
    "crm_postgres.sql": (DumpAt, 4),
    "crm_postgres_inserts.sql": (DumpAt, 4),
    "butik_mariadb.sql": (DumpAt, 4),
    "anteckningar.sql": (TextAt, 2),
}


def number(index: int) -> str:
    value = NUMBERS[index % len(NUMBERS)]
    return f"{value[:8]}-{value[8:]}"


def scaled_csv(source: Path, copies: int, *, header: bool = True) -> str:
    """The fixture's records repeated, each copy with its own personnummer, every fifth with
    a quoted cell that holds a line break (a record over two lines)."""
    text = source.read_text(encoding="utf-8")
    newline = "\r\n" if "\r\n" in text else "\n"
    first, *rows = [line for line in text.split(newline) if line]
    delimiter = "\t" if "\t" in first else ";"
    out = [first] if header else []
    for copy in range(copies):
        for index, row in enumerate(rows):
            cells = row.split(delimiter)
            cells[1] = number(copy * len(rows) + index)
            if (copy + index) % 5 == 0:
                cells[0] = f'"{cells[0]}{newline}kopia {copy}"'
            out.append(delimiter.join(cells))
    return newline.join(out) + newline


def scaled_mbox(copies: int) -> bytes:
    """The fixture mailbox's messages repeated: each copy with Message-IDs of its own, every
    third without any (named ``message=#N`` by its place)."""
    raw = (SHARE / "Post" / "kundtjanst.mbox").read_bytes()
    parts = []
    for copy in range(copies):
        if copy % 3 == 2:
            body = re.sub(rb"(?m)^Message-ID: [^\r\n]*\r?\n", b"", raw)
        else:
            body = re.sub(rb"(?m)^(Message-ID: <)", rb"\g<1>kopia%d." % copy, raw)
        parts.append(body if body.endswith(b"\n\n") else body.rstrip(b"\n") + b"\n\n")
    return b"".join(parts)


def scaled_pg_copy(copies: int) -> str:
    """The pg_dump's COPY blocks with their rows repeated (integer keys made unique)."""
    text = (DUMPS / "crm_postgres.sql").read_text(encoding="utf-8")

    def block(match: re.Match[str]) -> str:
        rows = match.group(2).splitlines(keepends=True)
        out = []
        for copy in range(copies):
            for row in rows:
                key, rest = row.split("\t", 1)
                out.append(f"{int(key) + copy * 10_000}\t{rest}" if key.isdigit() else row)
        return match.group(1) + "".join(out) + "\\.\n"

    return re.sub(r"(?ms)^(COPY [^\n]*FROM stdin;\n)(.*?)^\\\.\n", block, text)


def scaled_statements(name: str, copies: int, pattern: str) -> str:
    """A dump's data statements repeated, the integer key after ``pattern`` made unique."""
    text = (DUMPS / name).read_text(encoding="utf-8")
    start = text.index("INSERT INTO")
    end = text.rindex(";\n", start, text.index("\n--", text.rindex("INSERT INTO"))) + 2
    data = text[start:end]
    copied = [
        re.sub(pattern, lambda m, c=copy: f"{m.group(1)}{int(m.group(2)) + c * 10_000}", data)
        for copy in range(copies)
    ]
    return text[:start] + "".join(copied) + text[end:]


def second_table(dump: str) -> str:
    """A mariadb-dump with its table's DDL and data again under another name after it: a
    table created after ranges have started."""
    start = dump.index("DROP TABLE IF EXISTS `kunder`")
    end = dump.index("UNLOCK TABLES;\n", start) + len("UNLOCK TABLES;\n")
    again = dump[start:end].replace("`kunder`", "`kunder_2026`")
    return dump[:end] + again + dump[end:]


@pytest.fixture(scope="module")
def big_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("big")
    ekonomi = SHARE / "Ekonomi"
    (root / "kunder.csv").write_text(scaled_csv(ekonomi / "kunder.csv", 700), encoding="utf-8")
    (root / "kunder_cp1252.csv").write_text(
        scaled_csv(ekonomi / "kunder.csv", 400), encoding="cp1252"
    )
    (root / "utan_rubrik.csv").write_text(
        scaled_csv(ekonomi / "kunder.csv", 400, header=False), encoding="utf-8"
    )
    (root / "leverantorer.tsv").write_text(
        scaled_csv(ekonomi / "leverantorer.tsv", 700), encoding="utf-8"
    )
    (root / "kundtjanst.mbox").write_bytes(scaled_mbox(5))
    (root / "crm_postgres.sql").write_text(scaled_pg_copy(120), encoding="utf-8")
    (root / "crm_postgres_inserts.sql").write_text(
        scaled_statements("crm_postgres_inserts.sql", 60, r"(VALUES \()(\d+)"), encoding="utf-8"
    )
    (root / "butik_mariadb.sql").write_text(second_table(scaled_statements(
        "butik_mariadb.sql", 100, r"(?m)(^\()(\d+)")), encoding="utf-8")  # fmt: skip
    # A .sql file that is no dump: cut as plain text, reported as SQL.
    (root / "anteckningar.sql").write_text(
        "".join(f"-- anteckning {i}: ring {number(i)}\n" for i in range(4000)), encoding="utf-8"
    )
    return root


def comparable(items: Iterator[Any]) -> list[Any]:
    """Items as compared: segments whole, members by name, date and bytes; the row-count notes
    are left out (a range ends with a note for its last table, which the column profiles'
    merge makes good, see the scans below)."""
    out: list[Any] = []
    for item in items:
        if isinstance(item, TableRows):
            continue
        if isinstance(item, Member):
            with item.blob.opener() as stream:
                out.append((item.name, item.mtime, item.blob.media_type, stream.read()))
        else:
            assert isinstance(item, Segment)
            out.append(item)
    return out


@pytest.mark.parametrize("split", [SPLIT, 1500])
@pytest.mark.parametrize("name", sorted(KINDS))
def test_ranges_hold_the_items_of_a_whole_read(big_tree: Path, name: str, split: int) -> None:
    limits = Limits()
    path = big_tree / name
    found = cut_ranges(Blob.from_path(path), limits, split)
    assert found is not None
    spans, _ = found
    kind, at_least = KINDS[name]
    assert len(spans) >= at_least
    if split < SPLIT and kind in (DelimitedAt, DumpAt):  # a range every few records or rows
        assert len(spans) >= 50
    assert all(isinstance(span.at, kind) for span in spans)
    assert spans[-1].end == path.stat().st_size
    assert all(a.end == b.start for a, b in itertools.pairwise(spans))
    assert_same_items(path, limits, split)


def assert_same_items(path: Path, limits: Limits, split: int) -> list[Span]:
    """The items of ``path`` read in ranges are those of a read at once, and the row counts
    the pre-pass hands the merge are those of the last note of each table."""
    found = cut_ranges(Blob.from_path(path), limits, split)
    assert found is not None
    spans, tables = found
    media, whole = extract(Blob.from_path(path), limits)
    assert {span.media_type for span in spans} == {media}
    pieces = itertools.chain.from_iterable(
        span_items(Blob.from_path(path), limits, span) for span in spans
    )
    items = list(whole)
    assert comparable(pieces) == comparable(iter(items))
    notes = {item.table: item for item in items if isinstance(item, TableRows)}
    if notes:
        assert {t.table: (t.rows, t.rows_total) for t in tables} == {
            name: (note.rows_read, note.rows_total) for name, note in notes.items()
        }
    return spans


def _server_tools_missing() -> str | None:
    for tool in ("initdb", "pg_ctl", "pg_dump", "pg_restore"):
        if shutil.which(tool) is None and not Path("/usr/lib/postgresql/15/bin", tool).exists():
            return f"{tool} not installed (Debian package: postgresql)"
    return None


@pytest.fixture(scope="module")
def live_dumps(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Plain SQL written by PostgreSQL's own tools from a throwaway server: the shop database
    of ``make_dumps.py --variants`` (schemas and quoted names, a 20,000-row table, ``bytea``,
    a partitioned table, an empty one, a function whose body holds an ``INSERT``), dumped by
    the real ``pg_dump`` and turned into plain SQL by ``pg_restore -f`` (COPY blocks,
    ``--inserts``, ``--column-inserts``)."""
    missing = _server_tools_missing()
    if missing is not None:
        pytest.skip(missing)
    out = tmp_path_factory.mktemp("live")
    subprocess.run(
        [sys.executable, str(DUMPS / "make_dumps.py"), "--out", str(out), "--variants"],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    restore = shutil.which("pg_restore") or "/usr/lib/postgresql/15/bin/pg_restore"
    plain = {
        "handel_file.dump": "handel.sql",
        "handel_inserts.dump": "handel_inserts.sql",
        "handel_column_inserts_z0.dump": "handel_column_inserts.sql",
    }
    for archive, name in plain.items():
        command = [restore, "-f", str(out / name), str(out / archive)]
        subprocess.run(command, check=True, capture_output=True, timeout=300)
    return out


@pytest.mark.parametrize("split", [64 * 1024, 4096])
@pytest.mark.parametrize("name", ["handel.sql", "handel_inserts.sql", "handel_column_inserts.sql"])
def test_dumps_written_now_by_a_live_server_in_ranges(
    live_dumps: Path, name: str, split: int
) -> None:
    spans = assert_same_items(live_dumps / name, Limits(), split)
    assert len(spans) >= 30
    if name == "handel.sql":  # its big table's COPY block is cut between rows, again and again
        assert sum(1 for span in spans if isinstance(span.at, DumpAt) and span.at.copy) >= 30


def test_a_copy_block_is_cut_between_its_rows(big_tree: Path) -> None:
    found = cut_ranges(Blob.from_path(big_tree / "crm_postgres.sql"), Limits(), SPLIT)
    assert found is not None
    inside = [span.at for span in found[0] if isinstance(span.at, DumpAt) and span.at.copy]
    assert inside
    assert {at.copy[0].name for at in inside if at.copy} == {"public.kunder"}
    # The key the DDL gives after the data is known to a range inside the block.
    assert all(at.copy[0].key == ("id",) for at in inside if at.copy)


def cut_short(path: Path, target: Path) -> Path:
    """The dump cut in a row half-way through (inside a COPY block or an INSERT)."""
    data = path.read_bytes()
    target.write_bytes(data[: data.index(b"Anna", len(data) // 2)])
    return target


def test_files_read_at_once(big_tree: Path, tmp_path: Path) -> None:
    limits = Limits()

    def spans(path: Path, limits: Limits = limits, split: int = SPLIT) -> list[Span] | None:
        found = cut_ranges(Blob.from_path(path), limits, split)
        return found[0] if found else None

    # A CSV record the reader refuses (a field over the csv module's limit): the whole read
    # names the records lost.
    broken = tmp_path / "trasig.csv"
    text = (big_tree / "kunder.csv").read_text(encoding="utf-8")
    broken.write_text(text + "Namn;" + "x" * 200_000 + "\r\n" + text, encoding="utf-8")
    assert spans(broken) is None
    # An mbox message over the member size limit: the whole read counts it in its row.
    assert (
        spans(big_tree / "kundtjanst.mbox", dataclasses.replace(limits, max_member_bytes=100_000))
        is None
    )
    # Dumps cut short, a sampled dump, a dump over the text budget.
    for name in ("crm_postgres.sql", "crm_postgres_inserts.sql", "butik_mariadb.sql"):
        assert spans(cut_short(big_tree / name, tmp_path / name)) is None
        assert spans(big_tree / name, dataclasses.replace(limits, sample_rows=10)) is None
        assert spans(big_tree / name, dataclasses.replace(limits, max_text_chars=100_000)) is None
    # A CSV whose encoding changes mid-file (UTF-8, then a cp1252 "ö"): ranges start at bytes.
    mixed = tmp_path / "blandad.csv"
    mixed.write_bytes((big_tree / "kunder.csv").read_bytes() + "Öberg;1;2;3\r\n".encode("cp1252"))
    assert spans(mixed) is None
    # CSV over the text budget; a custom-format dump is never split.
    assert (
        spans(big_tree / "kunder.csv", dataclasses.replace(limits, max_text_chars=100_000)) is None
    )
    assert spans(DUMPS / "crm_postgres.dump", split=1024) is None


def profiles(inventory: Path) -> list[tuple[Any, ...]]:
    rows = rows_as_dicts(Inventory(inventory).columns())
    return sorted(tuple(repr(v) for k, v in sorted(row.items()) if k != "scan_id") for row in rows)


def spy_on_ranges(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """The files the scanner splits, with their number of ranges."""
    split: dict[str, int] = {}
    expect = RangeMerger.expect

    def spy(self: RangeMerger, ref: ObjectRef, count: int, *args: Any) -> None:
        split[ref.path] = count
        expect(self, ref, count, *args)

    monkeypatch.setattr(RangeMerger, "expect", spy)
    return split


@pytest.mark.parametrize("workers", [1, 2], ids=["in-process", "pool"])
def test_a_scan_in_ranges_equals_a_scan_read_at_once(
    tmp_path: Path, big_tree: Path, workers: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = tmp_path / "key"
    load_or_create_key(key)
    common = {"roots": (str(big_tree),), "key_file": key, "workers": workers}
    ranges = spy_on_ranges(monkeypatch)
    split = scan(ScanConfig(inventory=tmp_path / "split", split_bytes=SPLIT, **common))
    assert ranges == {name: ranges[name] for name in KINDS}
    assert all(ranges[name] >= at_least for name, (_, at_least) in KINDS.items())
    whole = scan(ScanConfig(inventory=tmp_path / "whole", split_bytes=0, **common))
    objects, findings = inventory_rows(tmp_path / "split")
    assert (objects, findings) == inventory_rows(tmp_path / "whole")
    assert profiles(tmp_path / "split") == profiles(tmp_path / "whole")
    assert (split.objects, split.findings) == (whole.objects, whole.findings)
    assert len(findings) > 5000
    assert any("message=#" in row[2] for row in objects)  # messages named by their place
    assert profiles(tmp_path / "whole")


@pytest.mark.dask
def test_ranges_on_a_dask_cluster_equal_a_local_read_at_once(
    tmp_path: Path, big_tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    distributed = pytest.importorskip("distributed", reason="the dask extra is not installed")
    key = tmp_path / "key"
    load_or_create_key(key)
    ranges = spy_on_ranges(monkeypatch)
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=":0",
    ) as cluster:
        report = scan(
            ScanConfig(roots=(str(big_tree),), inventory=tmp_path / "dask", key_file=key,
                       executor="dask", scheduler=cluster.scheduler_address, split_bytes=SPLIT)
        )  # fmt: skip
    scan(
        ScanConfig(roots=(str(big_tree),), inventory=tmp_path / "local", key_file=key,
                   workers=1, split_bytes=0)
    )  # fmt: skip
    assert set(ranges) == set(KINDS)
    objects, findings = inventory_rows(tmp_path / "dask")
    assert (objects, findings) == inventory_rows(tmp_path / "local")
    assert profiles(tmp_path / "dask") == profiles(tmp_path / "local")
    assert report.objects == len(objects)
    # Each range ran as a task of its own, with its part (compacted when the scan closed).
    assert len(compacted_tasks(tmp_path / "dask")) >= sum(ranges.values())


def partial_row(
    status: Status, reason: str = "", profiles: tuple[ColumnProfile, ...] = ()
) -> ObjectResult:
    return ObjectResult(ref=ObjectRef(root="/r", path="stor.csv"), status=status, reason=reason,
                        size=10, streamed=2, columns=profiles)  # fmt: skip


def profile(column: str, matched: int, scanned: int) -> ColumnProfile:
    return ColumnProfile(table="", column=column, entity_type="SE_PERSONNUMMER",
                         rows_scanned=scanned, rows_matched=matched)  # fmt: skip


@pytest.mark.parametrize("order", list(itertools.permutations(range(3))))
def test_the_merged_row_whatever_order_the_ranges_come_in(order: tuple[int, ...]) -> None:
    timed_out = f"stopped after {Limits().max_object_seconds:g} s (per-file time limit)"
    rows = [
        partial_row(Status.OK, profiles=(profile("Personnummer", 3, 10),)),
        partial_row(Status.TIMED_OUT, timed_out, (profile("Personnummer", 4, 9),)),
        partial_row(Status.ERROR, "unexpected ValueError while reading"),
    ]
    merger = RangeMerger()
    ref = rows[0].ref
    merger.expect(ref, 3, (TableCount(table="", rows=25),))
    merged = [merger.take(rows[index]) for index in order]
    assert merged[:2] == [None, None]
    row = merged[2]
    assert row is not None
    # One range that failed fails the file: the same one whatever the order.
    assert (row.status, row.reason) == (Status.ERROR, "unexpected ValueError while reading")
    assert row.finding_count == 6  # every range's findings, recorded as they came
    # Rows matched summed; rows scanned as the pre-pass counted the whole table.
    assert row.columns == (profile("Personnummer", 7, 25),)
    assert not merger.is_range(ref)
