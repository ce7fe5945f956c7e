"""pg_dump's custom format read in Python (:mod:`piiscan.extractors.dumps.pg_custom`): the same
segments as ``pg_restore`` gives, archive versions, fallbacks, and damage, as tables.

The archive is ``fixtures/dumps/crm_postgres.dump``, written by pg_dump 15 (archive 1.14,
gzip). The archives of other versions (1.10 to 1.16) and of no compression are the same
contents re-written by :func:`rewrite`, a writer of the format kept here for the tests; the
server test in ``test_dumps.py`` reads dumps the real pg_dump writes now (to a pipe, to a
file, ``-Z0``, ``--inserts``, many tables) and compares them with ``pg_restore``'s reading.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
import zlib
from collections import Counter
from pathlib import Path

import pytest

from piiscan.errors import ExtractionError, PiiscanError, TooLargeError, UnsupportedError
from piiscan.extractors.base import Blob, Limits
from piiscan.extractors.dumps.pg_custom import PIECE_BYTES, Archive, UnreadableArchive, python_codec
from piiscan.extractors.dumps.pg_directory import REASON_DUMP_DATA, owned_data_files
from piiscan.extractors.dumps.postgres import extract_pg_custom, extract_pg_restore
from piiscan.model import Segment, TableRows

from .conftest import drain

REPO = Path(__file__).resolve().parents[2]
FIXTURE = REPO / "fixtures" / "dumps" / "crm_postgres.dump"
DUMP = FIXTURE.read_bytes()
NO_PG_RESTORE = shutil.which("pg_restore") is None
NEEDS_PG_RESTORE = pytest.mark.skipif(
    NO_PG_RESTORE, reason="pg_restore not installed (Debian package: postgresql-client)"
)


def read(data: bytes, limits: Limits | None = None) -> list[Segment]:
    return list(extract_pg_custom(Blob.from_bytes("crm.dump", data), limits or Limits()))


WHOLE = read(DUMP)


# -- a writer of the format, for versions and damage pg_dump 15 does not write ------------------


def _int(value: int, size: int = 4) -> bytes:
    return bytes([1 if value < 0 else 0]) + abs(value).to_bytes(size, "little")


def _str(value: str | None) -> bytes:
    if value is None:
        return _int(-1)
    data = value.encode()
    return _int(len(data)) + data


def rewrite(
    version: tuple[int, int] = (1, 14),
    compression: str = "gzip",
    *,
    chunk: int = 4096,
    large_object: bytes | None = None,
) -> bytes:
    """The fixture's contents as an archive of ``version`` and ``compression``, data cut into
    chunks of ``chunk`` bytes (uncompressed, pg_dump writes a chunk per row); with
    ``large_object``, a ``BLOBS`` entry holding it."""
    archive = Archive(io.BytesIO(DUMP))
    entries = list(archive.entries)
    data = {block.entry.dump_id: b"".join(block.pieces) for block in archive.blocks()}
    out = [b"PGDMP", bytes([*version, 0, 4, 8, 1])]
    if version >= (1, 15):
        out.append(bytes([{"none": 0, "gzip": 1, "lz4": 2, "zstd": 3}[compression]]))
    else:
        out.append(_int(-1 if compression == "gzip" else 0))
    out += [_int(0)] * 7 + [_str("crm"), _str("15.0"), _str("15.0")]
    blobs = 9999
    out.append(_int(len(entries) + (large_object is not None)))
    toc = [
        (e.dump_id, e.desc, e.tag, e.namespace, e.defn, e.copy_stmt, e.has_data) for e in entries
    ]
    if large_object is not None:
        toc.append((blobs, "BLOBS", "BLOBS", "", "", None, True))
    for dump_id, desc, tag, namespace, defn, copy_stmt, has_data in toc:
        out += [_int(dump_id), _int(int(has_data)), _str("0"), _str("0"), _str(tag), _str(desc)]
        if version >= (1, 11):
            out.append(_int(2))
        out += [_str(defn), _str(""), _str(copy_stmt), _str(namespace), _str("")]
        if version >= (1, 14):
            out.append(_str("heap"))
        if version >= (1, 16):
            out.append(_int(ord("r")))
        out += [_str("piiscan"), _str("false"), _str("1"), _str(None)]
        out.append(bytes([1 if has_data else 3]) + bytes(8))  # offset not set (a pipe)

    def chunks(raw: bytes) -> bytes:
        stored = zlib.compress(raw) if compression == "gzip" else raw
        parts = [stored[i : i + chunk] for i in range(0, len(stored), chunk)]
        return b"".join(_int(len(p)) + p for p in parts) + _int(0)

    for dump_id, raw in data.items():
        out += [b"\x01", _int(dump_id), chunks(raw)]
    if large_object is not None:
        out += [b"\x03", _int(blobs), _int(16436), chunks(large_object), _int(0)]
    return b"".join(out)


# -- the same rows as pg_restore gives ------------------------------------------------------


@NEEDS_PG_RESTORE
@pytest.mark.parametrize("limits", [Limits(), Limits(sample_rows=2)], ids=["all", "sampled"])
def test_the_fixture_reads_as_pg_restore_reads_it(limits: Limits) -> None:
    ours = read(DUMP, limits)
    theirs = list(extract_pg_restore(Blob.from_path(FIXTURE), limits))
    assert ours == theirs
    assert any(isinstance(s, TableRows) for s in ours)


@pytest.mark.parametrize(
    ("version", "compression", "chunk"),
    [((1, 10), "gzip", 4096), ((1, 12), "none", 1), ((1, 13), "gzip", 7), ((1, 14), "none", 50),
     ((1, 15), "gzip", 4096), ((1, 15), "none", 4096), ((1, 16), "gzip", 3),
     ((1, 16), "none", 1 << 20)],
    ids=["1.10-gzip", "1.12-none-bytewise", "1.13-gzip-small-chunks", "1.14-none", "1.15-gzip",
         "1.15-none", "1.16-gzip", "1.16-none"],
)  # fmt: skip
def test_every_archive_version_reads_the_same_rows(
    version: tuple[int, int], compression: str, chunk: int
) -> None:
    assert read(rewrite(version, compression, chunk=chunk)) == WHOLE


def test_large_objects_are_passed_over() -> None:
    """pg_restore's SQL writes them as ``lowrite`` calls, which are not table data either."""
    data = rewrite(large_object=b"19121212-1212 " * 10_000)
    assert read(data) == WHOLE


def test_the_locators_name_table_column_and_integer_key() -> None:
    found = {s.locator: s.context for s in WHOLE if s.text}
    assert found["table=public.kunder/column=personnummer/row=id:1"] == ("personnummer",)
    assert "table=public.medlemmar/column=pnr/row=1" in found  # a text key is no row key
    assert not [s for s in WHOLE if "/column=avtal/row=" in s.locator]  # bytea is never text


# -- what it does not read: pg_restore, or an unsupported row that says what to install ------


def _header_15(algorithm: int) -> bytes:
    """The fixture with an archive 1.15 header whose compression is ``algorithm``."""
    return DUMP[:6] + b"\x0f" + DUMP[7:11] + bytes([algorithm]) + DUMP[16:]


@pytest.mark.parametrize(
    ("data", "reason", "names_pg_restore"),
    [(_header_15(2), "compressed with lz4", True), (_header_15(3), "compressed with zstd", True),
     (DUMP[:6] + b"\x11" + DUMP[7:], "archive version 1.17", True),
     (DUMP[:6] + b"\x09" + DUMP[7:], "archive version 1.9", True),
     # An unpacked tar-format dump's toc.dat: its data is in the other members.
     (DUMP[:10] + b"\x03" + DUMP[11:], "directory- or tar-format", False)],
    ids=["lz4", "zstd", "newer", "older", "toc.dat"],
)  # fmt: skip
def test_what_it_cannot_read_names_what_to_install(
    data: bytes,
    reason: str,
    names_pg_restore: bool,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    with pytest.raises(UnreadableArchive, match=reason):
        Archive(io.BytesIO(data))
    monkeypatch.setenv("PATH", str(tmp_path))  # no pg_restore anywhere
    with pytest.raises(UnsupportedError) as caught:
        read(data)
    assert reason in str(caught.value)
    assert ("install the PostgreSQL client tools (pg_restore)" in str(caught.value)) is (
        names_pg_restore
    )


@NEEDS_PG_RESTORE
def test_what_it_cannot_read_goes_to_pg_restore() -> None:
    """Handed to pg_restore, which (version 15) cannot read lz4 either: an error row."""
    with pytest.raises(ExtractionError, match="pg_restore could not read"):
        read(_header_15(2))


# -- damage: what was read before it is kept, then an error row -------------------------------


def _cut_at(marker: bytes) -> int:
    return DUMP.index(marker)


@pytest.mark.parametrize(
    ("cut", "reason", "noted"),
    [(0, "ends inside its header", []), (3, "ends inside its header", []),
     (40, "ends inside its header", []),
     (_cut_at(b"CREATE TABLE public.kunder"), "ends inside its table of contents", []),
     (len(DUMP) - 200, "ends inside the data of a table", [("public.arenden", 2)]),
     (len(DUMP) - 3, "ends inside the data of a table",
      [("public.arenden", 2), ("public.kunder", 7), ("public.medlemmar", 2)])],
    ids=["empty", "magic", "header", "toc", "second-table", "last-table"],
)  # fmt: skip
def test_a_cut_archive_keeps_what_came_before(
    cut: int, reason: str, noted: list[tuple[str, int]]
) -> None:
    kept, error = drain(extract_pg_custom(Blob.from_bytes("cut.dump", DUMP[:cut]), Limits()))
    assert reason in str(error)
    assert "cut short" in str(error)
    # Each table begun before the cut ends with its note: the rows read of it.
    assert [(n.table, n.rows_read) for n in kept if isinstance(n, TableRows)] == noted
    values = [s for s in kept if s.text]
    assert values == [s for s in WHOLE if s.text][: len(values)]


def test_a_cut_at_any_byte_is_an_error_row_that_keeps_a_prefix() -> None:
    values = [s for s in WHOLE if s.text]
    for cut in range(len(DUMP)):
        kept, error = drain(extract_pg_custom(Blob.from_bytes("c.dump", DUMP[:cut]), Limits()))
        assert "cut short" in str(error), cut
        got = [s for s in kept if s.text]
        assert got == values[: len(got)], cut


def test_a_cut_between_blocks_says_tables_are_missing() -> None:
    data = rewrite(compression="none")
    last = data.rindex(b"\x01" + _int(3352))  # the last table's block starts here
    _, error = drain(extract_pg_custom(Blob.from_bytes("c.dump", data[:last]), Limits()))
    assert "before the data of 1 entry" in str(error)


@NEEDS_PG_RESTORE  # a flipped version byte hands the archive to pg_restore
@pytest.mark.parametrize("mask", [0xFF, 0x01], ids=["inverted", "low-bit"])
def test_a_flipped_byte_anywhere_is_read_or_an_error_row(mask: int) -> None:
    reasons = set()
    for at in range(len(DUMP)):
        damaged = bytearray(DUMP)
        damaged[at] ^= mask
        try:
            read(bytes(damaged))
        except PiiscanError as error:  # anything else fails the test with its traceback
            reasons.add(str(error))
    assert reasons
    assert not [reason for reason in reasons if "1212" in reason]  # a reason, never the data


@pytest.mark.parametrize(
    ("data", "reason"),
    [(DUMP[:11] + b"\x02" + DUMP[12:], "sign byte"),  # the compression level's
     (b"PGDMQ" + DUMP[5:], "not a pg_dump archive"),
     (DUMP[:8] + b"\x00" + DUMP[9:], "integer sizes"),
     (DUMP[:10] + b"\x07" + DUMP[11:], "archive format")],
    ids=["sign-byte", "magic", "int-size", "format"],
)  # fmt: skip
def test_a_damaged_header_is_an_error_with_a_reason(data: bytes, reason: str) -> None:
    with pytest.raises(ExtractionError, match=reason):
        read(data)


def _one_table(chunks: bytes, compression: str = "none", encoding: str | None = None) -> bytes:
    """An archive of one table whose data block holds ``chunks`` as stored; with
    ``encoding``, an ``ENCODING`` entry that declares it."""
    entries = [
        (1, "TABLE", "t", "CREATE TABLE public.t (\n    v text\n);\n", None, False),
        (2, "TABLE DATA", "t", "", "COPY public.t (v) FROM stdin;\n", True),
    ]
    if encoding is not None:
        entries.insert(0, (3, "ENCODING", "ENCODING", f"SET client_encoding = '{encoding}';\n",
                           None, False))  # fmt: skip
    out = [b"PGDMP\x01\x0e\x00\x04\x08\x01", _int(-1 if compression == "gzip" else 0)]
    out += [_int(0)] * 7 + [_str("db"), _str("15"), _str("15"), _int(len(entries))]
    for dump_id, desc, tag, defn, copy_stmt, has_data in entries:
        out += [_int(dump_id), _int(int(has_data)), _str("0"), _str("0"), _str(tag), _str(desc),
                _int(1), _str(defn), _str(""), _str(copy_stmt), _str("public"), _str(""),
                _str(""), _str(""), _str("false"), _str(None),
                bytes([1 if has_data else 3]) + bytes(8)]  # fmt: skip
    return b"".join(out) + b"\x01" + _int(2) + chunks


def test_a_chunk_that_claims_gigabytes_is_not_allocated() -> None:
    data = _one_table(_int(0x7FFFFFFF) + b"19121212-1212\n")
    _, error = drain(extract_pg_custom(Blob.from_bytes("big.dump", data), Limits()))
    assert "cut short" in str(error)


def test_a_compression_bomb_stops_at_the_text_limit() -> None:
    """A row of 200 MB of one letter, 200 kB compressed: read in bounded pieces, refused when
    it outgrows ``max_text_chars``, never inflated whole."""
    inflater = zlib.compressobj()
    bomb = b"".join(inflater.compress(b"a" * (1 << 20)) for _ in range(200)) + inflater.flush()
    stored = b"".join(_int(len(bomb[i : i + 4096])) + bomb[i : i + 4096]
                      for i in range(0, len(bomb), 4096)) + _int(0)  # fmt: skip
    data = _one_table(stored, "gzip")
    with pytest.raises(TooLargeError):
        read(data, Limits(max_text_chars=4 * PIECE_BYTES))


@pytest.mark.parametrize(
    ("stored", "reason"),
    [(_int(5) + b"\x00\x01\x02\x03\x04" + _int(0), "compressed data"),
     (_int(4) + zlib.compress(b"v\n")[:4] + _int(0), "ends early"),
     (_int(-3) + b"abc", "a chunk's length")],
    ids=["not-zlib", "zlib-cut", "negative-length"],
)  # fmt: skip
def test_damaged_data_is_an_error_with_a_reason(stored: bytes, reason: str) -> None:
    with pytest.raises(ExtractionError, match=reason):
        read(_one_table(stored, "gzip"))


def test_a_block_with_an_unknown_id_is_damage() -> None:
    data = _one_table(_int(0)).replace(b"\x01" + _int(2) + _int(0), b"\x01" + _int(7) + _int(0))
    with pytest.raises(ExtractionError, match="data block's header"):
        read(data)


# -- the pieces ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "codec"),
    [("UTF8", "utf-8"), ("LATIN1", "latin-1"), ("WIN1252", "cp1252"), ("LATIN9", "iso8859-15"),
     ("SQL_ASCII", None), ("KOI8R", "koi8-r"), ("EUC_JP", "euc-jp"), ("MULE_INTERNAL", None),
     ("NO_SUCH", None)],
)  # fmt: skip
def test_python_codec(name: str, codec: str | None) -> None:
    assert python_codec(name) == codec


@pytest.mark.parametrize(
    ("encoding", "stored", "text"),
    [("LATIN1", "Åsa Öst".encode("latin-1"), "Åsa Öst"),
     ("UTF8", "Åsa Öst €".encode(), "Åsa Öst €"),
     ("WIN1252", "Åsa € Öst".encode("cp1252"), "Åsa € Öst"),
     (None, "Åsa Öst".encode("cp1252"), "Åsa Öst"),  # none declared: sniffed
     ("SQL_ASCII", "Åsa Öst".encode(), "Åsa Öst")],
    ids=["latin1", "utf8", "win1252", "undeclared", "sql-ascii"],
)  # fmt: skip
def test_text_is_decoded_as_the_dump_declares(
    encoding: str | None, stored: bytes, text: str
) -> None:
    row = stored + b"\n"
    data = _one_table(_int(len(row)) + row + _int(0), encoding=encoding)
    assert [s.text for s in read(data) if "/row=" in s.locator] == [text]


def test_rows_are_located_as_in_the_plain_dump() -> None:
    stored = b"a\nb\\tc\n"
    got = read(_one_table(_int(len(stored)) + stored + _int(0)))
    rows = [s for s in got if "/row=" in s.locator]  # not the table's and column's names
    assert [(s.text, s.locator, s.context) for s in rows] == [
        ("a", "table=public.t/column=v/row=1", ("v",)),
        ("b\tc", "table=public.t/column=v/row=2", ("v",)),
    ]


# -- dumps the real pg_dump writes now, read as pg_restore reads them --------------------------


def _server_tools_missing() -> str | None:
    for tool in ("initdb", "pg_ctl", "pg_dump", "pg_restore"):
        if shutil.which(tool) is None and not Path("/usr/lib/postgresql/15/bin", tool).exists():
            return f"{tool} not installed (Debian package: postgresql)"
    return None


@pytest.fixture(scope="module")
def variants(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The custom-format variants, written by a throwaway PostgreSQL (make_dumps.py)."""
    out = tmp_path_factory.mktemp("variants")
    subprocess.run(
        [sys.executable, str(REPO / "fixtures" / "dumps" / "make_dumps.py"), "--out", str(out),
         "--variants"],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    return out


# Each variant, and where pg_dump wrote it: to a pipe, or to a file it can seek in.
VARIANTS = {"crm_file.dump": "file", "handel_pipe.dump": "pipe", "handel_file.dump": "file",
            "handel_z0.dump": "pipe", "handel_inserts.dump": "pipe",
            "handel_column_inserts_z0.dump": "file"}  # fmt: skip
server = pytest.mark.skipif(
    _server_tools_missing() is not None, reason=str(_server_tools_missing())
)


@pytest.mark.server
@pytest.mark.slow
@server
@pytest.mark.parametrize("limits", [Limits(), Limits(sample_rows=1000)], ids=["all", "sampled"])
@pytest.mark.parametrize(("name", "written"), VARIANTS.items())
def test_dumps_pg_dump_writes_now_read_as_pg_restore_reads_them(
    variants: Path, name: str, written: str, limits: Limits
) -> None:
    path = variants / name
    ours = list(extract_pg_custom(Blob.from_path(path), limits))
    theirs = list(extract_pg_restore(Blob.from_path(path), limits))
    assert ours == theirs
    noted = {note.table: note for note in ours if isinstance(note, TableRows)}
    if name.startswith("handel"):
        tables = {"Försäljning.Kund register", "public.order_rader", "public.sammansatt",
                  "public.medlemmar", "public.besok_1"}  # fmt: skip
        assert set(noted) == tables
        assert noted["public.order_rader"].rows_total == 20000
        located = {s.locator for s in ours if s.text}
        assert "table=Försäljning.Kund register/column=e-post/row=Id:1" in located
        assert "table=public.sammansatt/column=pnr/row=a:1,b:2" in located
        assert "table=public.medlemmar/column=pnr/row=1" in located
    # Written to a pipe, pg_dump cannot record where each table's data starts.
    with path.open("rb") as stream:
        offsets = [e.data_offset for e in Archive(stream).entries if e.has_data]
    assert {offset is None for offset in offsets} == {written == "pipe"}


@pytest.mark.server
@pytest.mark.slow
@server
@pytest.mark.parametrize("name", ["handel_pipe.dump", "handel_z0.dump"])
def test_a_real_dump_cut_or_damaged_anywhere_is_an_error_row(variants: Path, name: str) -> None:
    """Cuts and flips spread through the whole archive. Most are read as a sample (every
    byte is still read through; only the sampled rows are parsed, which keeps this quick)."""
    data = (variants / name).read_bytes()
    values = [s for s in read(data) if s.text]
    for cut in range(len(data) // 7, len(data), len(data) // 7):  # what was read is kept
        kept, error = drain(extract_pg_custom(Blob.from_bytes(name, data[:cut]), Limits()))
        assert "cut short" in str(error), cut
        got = [s for s in kept if s.text]
        assert got == values[: len(got)], cut
    limits = Limits(sample_rows=20)
    for cut in range(0, len(data), len(data) // 40):
        _, error = drain(extract_pg_custom(Blob.from_bytes(name, data[:cut]), limits))
        assert "cut short" in str(error), cut
    reasons = set()
    for at in range(0, len(data), len(data) // 60):
        damaged = bytearray(data)
        damaged[at] ^= 0xFF
        try:
            read(bytes(damaged), limits)
        except PiiscanError as error:  # anything else fails the test with its traceback
            reasons.add(str(error))
    assert not [reason for reason in reasons if "1212" in reason]


@pytest.mark.server
@pytest.mark.slow
@server
def test_a_directory_format_dump_is_read_through_pg_restore(variants: Path) -> None:
    """Its toc.dat names the tables; pg_restore reads the folder, data files and all."""
    toc = Blob.from_path(variants / "handel_dir" / "toc.dat")
    pipe = read((variants / "handel_pipe.dump").read_bytes())
    assert list(extract_pg_custom(toc, Limits())) == pipe


# -- a directory-format dump is one object: its toc.dat ----------------------------------------


@NEEDS_PG_RESTORE
@pytest.mark.parametrize(
    ("names", "magic", "owned"),
    [
        (["3375.dat.gz", "3376.dat", "blob_1.dat.gz", "blobs.toc", "toc.dat"], b"PGDMP",
         {"3375.dat.gz", "3376.dat"}),
        (["10.dat.lz4", "11.dat.zst", "12.dat.gz.bak", "toc.dat"], b"PGDMP",
         {"10.dat.lz4", "11.dat.zst"}),
        (["3375.dat.gz", "toc.dat"], b"notpg", set()),  # a toc.dat of something else
        (["3375.dat.gz", "toc.txt"], b"PGDMP", set()),  # no toc.dat: plain files
    ],
)  # fmt: skip
def test_the_data_files_a_toc_dat_reads(
    tmp_path: Path, names: list[str], magic: bytes, owned: set[str]
) -> None:
    for name in names:
        (tmp_path / name).write_bytes(magic + b"\0" * 16)
    assert owned_data_files(tmp_path, names) == owned


@pytest.mark.server
@pytest.mark.slow
@server
def test_a_directory_format_dump_is_scanned_once_by_table_and_column(
    variants: Path, tmp_path: Path
) -> None:
    """A scan of a folder holding a ``pg_dump -Fd`` dump reads its tables once, through its
    toc.dat, with table, column and row locators: the same findings as the same database
    dumped to one custom-format file. Its data files are skipped rows, not read again as
    gzip text (which gave every finding a second time, located by line)."""
    from piiscan.api import scan
    from piiscan.config import ScanConfig
    from piiscan.inventory import Inventory

    share = tmp_path / "share"
    shutil.copytree(variants / "handel_dir", share / "handel_dir")
    shutil.copy(variants / "handel_pipe.dump", share / "handel_pipe.dump")
    config = ScanConfig.from_options([str(share)], inventory=tmp_path / "inv", workers=1,
                                     key_file=tmp_path / "key", new_key=True,
                                     person_model="none")  # fmt: skip
    scan(config)
    inventory = Inventory(tmp_path / "inv")
    rows = {row["path"]: row for row in inventory.objects().to_pylist() if not row["member"]}
    data = [path for path in rows if re.fullmatch(r"handel_dir/[0-9]+\.dat\.gz", path)]
    assert len(data) == 6
    for path in data:
        assert (rows[path]["status"], rows[path]["reason"], rows[path]["findings"]) == (
            "skipped", REASON_DUMP_DATA, 0)  # fmt: skip
    assert rows["handel_dir/toc.dat"]["status"] == "ok"
    found: dict[str, Counter[tuple[str, str, str]]] = {}
    for row in inventory.findings().to_pylist():
        found.setdefault(row["path"], Counter())[
            (row["locator"], row["entity_type"], row["value_key"])
        ] += 1
    toc = found.pop("handel_dir/toc.dat")
    assert toc == found.pop("handel_pipe.dump")
    assert all(locator.startswith("table=") for locator, _, _ in toc)
    assert max(toc.values()) == 1  # every finding once
    # What is left is the large object, which the dump reader passes over: read as a file.
    assert set(found) == {"handel_dir/blob_16450.dat.gz"}
