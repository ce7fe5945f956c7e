"""Database dumps written by the real programs (``fixtures/dumps/make_dumps.py``), scanned as
tables, columns and rows; and the SQL pieces underneath, as tables."""

from __future__ import annotations

import contextlib
import hashlib
import json
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from piiscan.api import scan
from piiscan.config import ScanConfig
from piiscan.errors import ExtractionError
from piiscan.extractors.base import Blob, Limits
from piiscan.extractors.dispatch import extract
from piiscan.extractors.dumps.postgres import extract_pg_custom, extract_pg_restore
from piiscan.extractors.dumps.sql import (
    BINARY,
    TableShape,
    parse_create_table,
    parse_tuples,
    row_key,
    row_segments,
    unquote_name,
)
from piiscan.inventory import Inventory
from piiscan.keys import Keyer, load_or_create_key
from piiscan.locator import Locator
from piiscan.model import Segment, TableRows
from piiscan.scan.names import is_name
from piiscan.subject import SubjectIdentifiers, lookup_subject
from piiscan.validators.email import validate_email
from piiscan.validators.personnummer import validate_personnummer, validate_samordningsnummer
from piiscan.validators.phone import validate_phone

from .conftest import drain

REPO = Path(__file__).resolve().parents[2]
DUMPS = REPO / "fixtures" / "dumps"
FILES = ["crm_postgres.sql", "crm_postgres_inserts.sql", "crm_postgres.dump",
         "butik_mariadb.sql", "kunder.sqlite"]  # fmt: skip
BINARY_COLUMNS = ("column=avtal/", "column=bild/", "column=foto/")


def normalized(entity: str, value: str) -> str:
    validate = {
        "SE_PERSONNUMMER": validate_personnummer,
        "SE_SAMORDNINGSNUMMER": validate_samordningsnummer,
        "PHONE_NUMBER": validate_phone,
        "EMAIL_ADDRESS": validate_email,
    }[entity]
    verdict = validate(value)
    assert verdict is not None
    return verdict.normalized


def segments(path: Path) -> list[Segment]:
    _, items = extract(Blob.from_path(path), Limits())
    # TableRows notes (a table's row count) are segments without text, and a table's and its
    # columns' names are name segments: not values.
    return [
        item
        for item in items
        if isinstance(item, Segment) and not isinstance(item, TableRows) and not is_name(item)
    ]


def name_segments_of(path: Path) -> list[str]:
    _, items = extract(Blob.from_path(path), Limits())
    return [item.locator for item in items if isinstance(item, Segment) and is_name(item)]


def scan_folder(folder: Path, base: Path) -> tuple[Path, Keyer]:
    key_file = base / "key"
    keyer = load_or_create_key(key_file)
    scan(ScanConfig(roots=(str(folder),), inventory=base / "inventory", workers=1,
                    key_file=key_file))  # fmt: skip
    return base / "inventory", keyer


def assert_planted_found(folder: Path, base: Path) -> None:
    only_dumps = base / "dumps"
    only_dumps.mkdir(parents=True)
    for name in FILES:
        shutil.copy2(folder / name, only_dumps / name)
    inventory, keyer = scan_folder(only_dumps, base)
    planted = json.loads((folder / "planted.json").read_text("utf-8"))
    rows = Inventory(inventory).findings().to_pylist()
    found = {(r["path"], r["locator"], r["entity_type"], r["value_key"]) for r in rows}
    missing = [
        (p["file"], p["locator"], p["entity_type"])
        for p in planted
        if (p["file"], p["locator"], p["entity_type"],
            keyer.value_key(normalized(p["entity_type"], p["value"]))) not in found
    ]  # fmt: skip
    assert missing == []
    # Encoded columns hold the bytes of a personnummer: never scanned, never found.
    assert not [r for r in rows if any(c in r["locator"] for c in BINARY_COLUMNS)]
    # pg_dump's own words ("Data for Name: kunder") are not data.
    assert all(r["locator"].startswith("table=") for r in rows)
    statuses = {r["path"]: r["status"] for r in Inventory(inventory).objects().to_pylist()}
    assert {statuses[f] for f in FILES} == {"ok"}


def test_every_planted_value_at_its_table_column_and_row(tmp_path: Path) -> None:
    assert_planted_found(DUMPS, tmp_path)


def test_a_text_primary_key_never_enters_a_locator() -> None:
    for name in ("crm_postgres.sql", "crm_postgres_inserts.sql"):
        members = [s.locator for s in segments(DUMPS / name) if "medlemmar" in s.locator]
        assert members
        assert all(locator.endswith(("/row=1", "/row=2")) for locator in members)


def test_notes_keep_tabs_quotes_newlines_backslashes_and_nulls() -> None:
    expected = "Ringde 2026-11-02.\tSa: \"ring tillbaka\" och 'snart'\\n\nMvh kundtjänst – åäö ÅÄÖ"
    for name in FILES[:4]:
        notes = [s.text for s in segments(DUMPS / name) if "/column=anteckning/" in s.locator]
        assert expected in notes, name
        assert len(notes) == 5, name  # two of seven are NULL


def test_a_corrupt_sqlite_file_is_an_error_that_quotes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "trasig.db"
    path.write_bytes(b"SQLite format 3\0" + b"19121212-1212" * 100)
    with pytest.raises(ExtractionError, match="unreadable SQLite database") as caught:
        segments(path)
    assert "1212" not in str(caught.value)


@pytest.mark.parametrize("name", ["crm_postgres.sql", "butik_mariadb.sql", "kunder.sqlite"])
def test_the_text_budget_is_the_dispatchers(name: str) -> None:
    """One owner: no dump extractor counts text itself; the dispatcher ends a dump whose values
    hold more than ``max_text_chars`` characters, keeping the values before the limit."""
    _, items = extract(Blob.from_path(DUMPS / name), Limits(max_text_chars=200))
    read, error = drain(items)
    assert str(error) == "text exceeds 200 characters"
    assert 0 < sum(len(item.text) for item in read if isinstance(item, Segment)) <= 200


@pytest.mark.parametrize("name", ["crm_postgres.sql", "butik_mariadb.sql", "kunder.sqlite"])
def test_table_and_column_names_are_segments_of_their_own(name: str) -> None:
    """Names are data: each table's name and its columns' names are scanned once, before
    its rows, located ``table=…/name`` and ``table=…/column=…/name``."""
    located = name_segments_of(DUMPS / name)
    assert "table=kunder/name" in located or "table=public.kunder/name" in located
    assert any(locator.endswith("/column=personnummer/name") for locator in located)
    assert len(located) == len(set(located))


def test_sqlite_text_that_is_not_utf8_is_read_and_never_quoted(tmp_path: Path) -> None:
    """sqlite3 refuses such text with a message that quotes it; it is decoded instead."""
    path = tmp_path / "latin1.db"
    with contextlib.closing(sqlite3.connect(path)) as connection:
        connection.execute("CREATE TABLE kunder (id INTEGER PRIMARY KEY, epost TEXT)")
        value = "kärin.åström@exempel.se".encode("cp1252").hex()
        connection.execute(f"INSERT INTO kunder VALUES (1, CAST(X'{value}' AS TEXT))")
        connection.commit()
    assert [s.text for s in segments(path)][-1] == "kärin.åström@exempel.se"


def test_column_name_is_context() -> None:
    found = {s.locator: s.context for s in segments(DUMPS / "butik_mariadb.sql")}
    assert found["table=kunder/column=personnummer/row=id:1"] == ("personnummer",)


def test_a_cut_dump_keeps_what_came_before_and_says_so(tmp_path: Path) -> None:
    whole = (DUMPS / "crm_postgres.sql").read_bytes()
    cut = whole[: whole.index(b"4\tKarin")]
    (tmp_path / "cut.sql").write_bytes(cut)
    _, items = extract(Blob.from_path(tmp_path / "cut.sql"), Limits())
    read: list[str] = []

    def drain() -> None:
        for item in items:
            assert isinstance(item, Segment)
            read.append(item.locator)

    with pytest.raises(ExtractionError, match="cut short"):
        drain()
    assert "table=public.kunder/column=personnummer/row=3" in read


def test_sqlite_is_opened_without_writing_beside_it(tmp_path: Path) -> None:
    copy = tmp_path / "kunder.sqlite"
    shutil.copy2(DUMPS / "kunder.sqlite", copy)
    before = hashlib.sha256(copy.read_bytes()).hexdigest(), copy.stat().st_mtime_ns
    assert segments(copy)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kunder.sqlite"]
    assert (hashlib.sha256(copy.read_bytes()).hexdigest(), copy.stat().st_mtime_ns) == before


def test_a_person_is_found_in_the_dumps_by_each_identifier(tmp_path: Path) -> None:
    (tmp_path / "dumps").mkdir()
    for name in FILES:
        shutil.copy2(DUMPS / name, tmp_path / "dumps" / name)
    inventory, keyer = scan_folder(tmp_path / "dumps", tmp_path)
    for identifiers in (
        SubjectIdentifiers(personnummer=["19850601-2387"]),
        SubjectIdentifiers(email=["anna.andersson@exempel.se"]),
        SubjectIdentifiers(phone=["070-174 06 05"]),
    ):
        report = lookup_subject(Inventory(inventory), identifiers, keyer)
        places = {(p.path, p.record) for p in report.confirmed}
        assert ("butik_mariadb.sql", "table=kunder/row=id:1") in places
        assert ("kunder.sqlite", "table=kunder/row=id:1") in places
        assert ("crm_postgres.dump", "table=public.kunder/row=id:1") in places
        assert all(p.system == "database" for p in report.confirmed)
    worklist = lookup_subject(
        Inventory(inventory), SubjectIdentifiers(personnummer=["19850601-2387"]), keyer
    ).worklist()
    assert {a.action for a in worklist.actions} == {"delete_rows"}


def _dump_tools_missing() -> str | None:
    for tool in ("pg_dump", "pg_restore", "mariadbd", "mariadb-dump"):
        if shutil.which(tool) is None and not Path("/usr/lib/postgresql/15/bin", tool).exists():
            return f"{tool} not installed (Debian packages: postgresql, mariadb-server)"
    if shutil.which("mariadbd") is None and not Path("/usr/sbin/mariadbd").exists():
        return "mariadbd not installed (Debian package: mariadb-server)"
    return None


@pytest.mark.server
@pytest.mark.slow
@pytest.mark.skipif(_dump_tools_missing() is not None, reason=str(_dump_tools_missing()))
def test_dumps_written_now_by_live_servers(tmp_path: Path) -> None:
    """Regenerate every dump from a live PostgreSQL and MariaDB, then scan them."""
    out = tmp_path / "dumps"
    subprocess.run(
        [sys.executable, str(DUMPS / "make_dumps.py"), "--out", str(out)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    assert sorted(p.name for p in out.iterdir()) == sorted([*FILES, "planted.json"])
    assert_planted_found(out, tmp_path / "scan")
    # The custom-format dump, read in Python, gives what pg_restore's SQL gives.
    custom = Blob.from_path(out / "crm_postgres.dump")
    assert list(extract_pg_custom(custom, Limits())) == list(extract_pg_restore(custom, Limits()))


# ------------------------------------------------------------------------------------------
# The pieces, as tables.


@pytest.mark.parametrize(
    ("text", "dialect", "rows"),
    [
        ("(1,'a'),(2,NULL)", "mysql", [("1", "a"), ("2", None)]),
        ("(1,'O\\'Brien','a\\nb\\tc\\\\')", "mysql", [("1", "O'Brien", "a\nb\tc\\")]),
        ("(_binary 'x\\0y',0xABCD,X'01',b'101')", "mysql", [(BINARY, BINARY, BINARY, BINARY)]),
        ('("dq",-4,3.5e2)', "mysql", [("dq", "-4", "3.5e2")]),
        ("(1, 'it''s', E'a\\tb')", "standard", [("1", "it's", "a\tb")]),
        ("('\\x0102'::bytea, 'x'::character varying(20))", "standard", [(BINARY, "x")]),
        ("('C:\\temp')", "standard", [("C:\\temp",)]),
        ("()", "standard", [()]),
        ("('line\none')", "standard", [("line\none",)]),
    ],
    ids=["simple", "mysql-escapes", "binary", "numbers", "standard", "casts", "backslash",
         "empty", "newline"],
)  # fmt: skip
def test_parse_tuples(text: str, dialect: str, rows: list[tuple[object, ...]]) -> None:
    assert list(parse_tuples(text, dialect)) == rows  # type: ignore[arg-type]


@pytest.mark.parametrize("text", ["(1,'open", "(1 2)", "1,2", "(1,'open' x)"])
def test_malformed_values_quote_nothing(text: str) -> None:
    rows: Iterator[object] = parse_tuples(text, "mysql")
    with pytest.raises(ExtractionError) as caught:
        list(rows)
    assert "open" not in str(caught.value)


@pytest.mark.parametrize(
    ("statement", "name", "columns", "key"),
    [
        ("CREATE TABLE public.kunder (\n    id integer NOT NULL,\n    namn text\n);",
         "public.kunder", ("id", "namn"), ()),
        ("CREATE TABLE `kunder` (\n  `id` int(11) NOT NULL,\n  `pris` decimal(10,2),\n"
         "  PRIMARY KEY (`id`)\n) ENGINE=InnoDB;", "kunder", ("id", "pris"), ("id",)),
        ('CREATE TABLE "Kund" ("Id" bigint PRIMARY KEY, "e-post" text);', "Kund",
         ("Id", "e-post"), ("Id",)),
        ("SET x = 1;", None, (), ()),
    ],
)  # fmt: skip
def test_parse_create_table(
    statement: str, name: str | None, columns: tuple[str, ...], key: tuple[str, ...]
) -> None:
    table = parse_create_table(statement)
    if name is None:
        assert table is None
        return
    assert table is not None
    assert (table.name, tuple(c for c, _ in table.columns), table.key) == (name, columns, key)


@pytest.mark.parametrize(
    ("written", "name"),
    [("`kunder`", "kunder"), ('public."Kund"', "public.Kund"), ("a.b", "a.b"),
     ('"we""ird"', 'we"ird')],
)  # fmt: skip
def test_unquote_name(written: str, name: str) -> None:
    assert unquote_name(written) == name


@pytest.mark.parametrize(
    ("key", "values", "expected"),
    [
        (("id",), {"id": "4711"}, "id:4711"),
        (("a", "b"), {"a": "1", "b": "2"}, "a:1,b:2"),
        (("id",), {"id": None}, "17"),
        (("id",), {"id": "19121212-1212"}, "17"),  # never a text value in a locator
        ((), {"id": "4711"}, "17"),
    ],
)
def test_row_key(key: tuple[str, ...], values: dict[str, object], expected: str) -> None:
    table = TableShape(name="t", columns=tuple(values), key=key)
    assert row_key(table, values, 17) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("table", "column", "key"),
    [("public.kunder", "pnr", ("id",)), ("a/b", "c=d%", ("x/y",)), ("kund 19121212-1212", "k", ())],
)
def test_row_locators_round_trip_and_name_their_names(
    table: str, column: str, key: tuple[str, ...]
) -> None:
    """Table and column names hold anything: escaped in the locator, listed for masking."""
    shape = TableShape(name=table, columns=(*key, column), key=key)
    values = [*("4711" for _ in key), "x"]
    [*_, segment] = row_segments(shape, shape.columns, 17, values)
    row = f"{key[0]}:4711" if key else "17"
    assert Locator.parse(segment.locator).steps == (
        ("table", table),
        ("column", column),
        ("row", row),
    )
    assert segment.names == (table, column, *key)


# -- row counts and --sample-rows ---------------------------------------------------------


def notes(path: Path, limits: Limits | None = None) -> list[TableRows]:
    _, items = extract(Blob.from_path(path), limits or Limits())
    return [item for item in items if isinstance(item, TableRows)]


@pytest.mark.parametrize("name", FILES)
def test_each_table_ends_with_its_row_count(name: str) -> None:
    counted = {note.table: note for note in notes(DUMPS / name)}
    kunder = "kunder" if name in ("kunder.sqlite", "butik_mariadb.sql") else "public.kunder"
    if name == "butik_mariadb.sql":
        kunder = next(t for t in counted if t.endswith("kunder"))
    note = counted[kunder]
    assert note.rows_read == note.rows_total >= 3
    assert note.sample_rows is None


def _pg_copy_dump(rows: int) -> bytes:
    lines = [
        "CREATE TABLE public.t (\n    id integer NOT NULL,\n    pnr text\n);\n",
        "COPY public.t (id, pnr) FROM stdin;\n",
        *(f"{n}\tv{n}\n" for n in range(1, rows + 1)),
        "\\.\n",
        "ALTER TABLE ONLY public.t\n    ADD CONSTRAINT t_pkey PRIMARY KEY (id);\n",
    ]
    return "".join(lines).encode()


def _mysql_dump(rows: int) -> bytes:
    head = (
        "CREATE TABLE `t` (\n  `id` int(11) NOT NULL,\n  `pnr` varchar(20),\n"
        "  PRIMARY KEY (`id`)\n);\n"
    )
    inserts = []
    for start in range(1, rows + 1, 100):  # extended inserts of 100 rows, as mysqldump does
        values = ",".join(f"({n},'v{n}')" for n in range(start, min(start + 100, rows + 1)))
        inserts.append(f"INSERT INTO `t` VALUES {values};\n")
    return (head + "".join(inserts)).encode()


@pytest.mark.parametrize(
    ("name", "data"),
    [("t.sql", _pg_copy_dump(5000)), ("m.sql", _mysql_dump(5000))],
    ids=["pg-copy", "mysql-inserts"],
)
def test_a_sampled_dump_reads_the_first_rows_and_a_repeatable_spread(
    name: str, data: bytes
) -> None:
    limits = Limits(sample_rows=100)

    def sample() -> tuple[list[int], list[TableRows]]:
        _, items = extract(Blob.from_bytes(name, data), limits)
        got = list(items)
        numbers = [int(s.text[1:]) for s in got if s.text.startswith("v")]
        return numbers, [item for item in got if isinstance(item, TableRows)]

    numbers, counted = sample()
    assert counted == [TableRows.of(counted[0].table, 100, rows_total=5000, sample_rows=100)]
    assert numbers[:50] == list(range(1, 51))
    spread = numbers[50:]
    assert len(spread) == 50
    assert spread == sorted(set(spread))
    assert spread[0] > 50
    assert spread[-1] > 2500
    assert sample()[0] == numbers  # seeded: the same rows every time


def test_a_sampled_sqlite_table_seeks_by_rowid(tmp_path: Path) -> None:
    path = tmp_path / "stor.sqlite"
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, pnr TEXT)")
        db.execute("CREATE TABLE liten (id INTEGER PRIMARY KEY, pnr TEXT)")
        db.executemany("INSERT INTO t VALUES (?, ?)", [(n, f"v{n}") for n in range(1, 5001)])
        db.executemany("INSERT INTO liten VALUES (?, ?)", [(n, f"v{n}") for n in range(1, 4)])
        db.commit()
    limits = Limits(sample_rows=100)
    _, items = extract(Blob.from_path(path), limits)
    got = list(items)
    counted = [item for item in got if isinstance(item, TableRows)]
    assert counted == [
        TableRows.of("liten", 3, rows_total=3),
        TableRows.of("t", 100, rows_total=5000, sample_rows=100),
    ]
    rows = [s.locator for s in got if s.text.startswith("v") and "table=t/" in s.locator]
    keys = [int(locator.rsplit(":", 1)[1]) for locator in rows]
    assert keys[:50] == list(range(1, 51))
    assert len(keys) == 100
    assert keys == sorted(set(keys))
    assert keys[-1] > 2500
    again = [s.locator for s in extract(Blob.from_path(path), limits)[1] if s.text]
    assert [s.locator for s in got if s.text] == again
