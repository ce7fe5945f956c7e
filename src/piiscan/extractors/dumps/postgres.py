"""PostgreSQL dumps: plain ``pg_dump`` SQL and the custom format (``pg_dump -Fc``).

Plain dumps are read twice, streaming: a first pass reads the DDL (``CREATE TABLE`` for the
columns and their types, ``ALTER TABLE … ADD CONSTRAINT … PRIMARY KEY``, which pg_dump writes
after the data), a second the data: ``COPY … FROM stdin`` blocks in PostgreSQL's text format
(tab-separated, ``\\N`` for NULL, backslash escapes) and ``INSERT`` statements of
``--inserts`` / ``--column-inserts`` dumps. Comments and other DDL are not scanned: they are
pg_dump's words (``-- Data for Name: kunder``), not the organisation's data.

The custom format is turned into plain SQL by ``pg_restore`` (the PostgreSQL client tools)
into a private temporary file, then read the same way; without ``pg_restore`` such a dump is
an ``unsupported`` row that says what to install. pgdumplib (pure Python) was considered and
is not used: it cannot read a dump written to a pipe (``pg_dump -Fc db > db.dump`` leaves the
data offsets unset), it holds a table's decompressed data in memory whole, and it strips each
row's line, losing trailing empty fields and ending a table at a row that strips to nothing.

With ``--sample-rows`` rows are chosen by :class:`~piiscan.extractors.dumps.sql.RowSampler`;
a COPY row passed over is never split into fields.

A dump cut short (mid-``COPY``) keeps every row read before the cut and ends as an ``error``
row that says so.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Final

from piiscan.errors import ExtractionError, UnsupportedError
from piiscan.extractors.base import Blob, Limits
from piiscan.extractors.dumps.sql import (
    BINARY,
    RowSampler,
    SqlValue,
    Statements,
    TableShape,
    key_columns,
    parse_create_table,
    parse_tuples,
    shape_of,
    unquote_name,
)
from piiscan.extractors.text import iter_lines, read_text
from piiscan.model import Segment

__all__ = ["extract_pg_custom", "extract_pg_plain"]

_NAME: Final = r'(?:"(?:[^"]|"")+"|[\w$]+)(?:\.(?:"(?:[^"]|"")+"|[\w$]+))?'
_COPY: Final = re.compile(
    rf"^COPY\s+(?P<name>{_NAME})\s*(?:\((?P<columns>[^)]*)\))?\s+FROM\s+stdin;"
)
_INSERT: Final = re.compile(
    rf"^\s*INSERT\s+INTO\s+(?P<name>{_NAME})\s*(?:\((?P<columns>[^)]*)\))?\s*VALUES\s*",
    re.IGNORECASE,
)
_ALTER_KEY: Final = re.compile(
    rf"^\s*ALTER\s+TABLE\s+(?:ONLY\s+)?(?P<name>{_NAME})\s+ADD\s+CONSTRAINT\s+\S+\s+"
    r"PRIMARY\s+KEY\s*\((?P<columns>[^)]*)\)",
    re.IGNORECASE,
)
_COPY_ESCAPES: Final = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}
_COPY_ESCAPE: Final = re.compile(r"\\(?:([0-7]{1,3})|x([0-9A-Fa-f]{1,2})|(.))", re.DOTALL)


def extract_pg_plain(blob: Blob, limits: Limits) -> Iterator[Segment]:
    """Segments of every value in a plain pg_dump, located by table, column and row.

    :raises ExtractionError: the dump ends inside a ``COPY`` block or a statement.
    """
    shapes = _read_ddl(blob)
    yield from _read_data(blob, shapes, limits)


def extract_pg_custom(blob: Blob, limits: Limits) -> Iterator[Segment]:
    """Segments of a custom-format dump, through ``pg_restore`` (see the module docstring).

    :raises UnsupportedError: ``pg_restore`` is not installed.
    :raises ExtractionError: ``pg_restore`` cannot read the dump.
    """
    tool = shutil.which("pg_restore")
    if tool is None:
        raise UnsupportedError(
            "PostgreSQL custom-format dump; install the PostgreSQL client tools (pg_restore)"
        )
    with tempfile.TemporaryDirectory(prefix="piiscan-pg-") as work:
        source = blob.path
        if source is None:  # a member of a container: give pg_restore a file of its own
            source = Path(work) / "dump"
            _copy_private(blob, source)
        plain = Path(work) / "plain.sql"
        done = subprocess.run(
            [tool, "--no-owner", "--no-privileges", "-f", str(plain), str(source)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            check=False,
        )
        if done.returncode != 0 or not plain.is_file():
            # pg_restore's message may quote the dump; say only that it failed.
            raise ExtractionError("pg_restore could not read the custom-format dump")
        yield from extract_pg_plain(Blob.from_path(plain, name="dump.sql"), limits)


def _copy_private(blob: Blob, target: Path) -> None:
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as out, blob.opener() as stream:
        shutil.copyfileobj(stream, out, 1 << 20)


def _lines(blob: Blob) -> Iterator[str]:
    _, pieces = read_text(blob)
    return iter_lines(pieces)


def _read_ddl(blob: Blob) -> dict[str, TableShape]:
    """First pass: tables, their columns and types, and integer primary keys."""
    created = {}
    keys: dict[str, tuple[str, ...]] = {}
    statements = Statements("standard")
    lines = _lines(blob)
    for line in lines:
        if _COPY.match(line):
            for data in lines:  # pass over the data block
                if data.rstrip("\r\n") == "\\.":
                    break
            continue
        statement = statements.feed(line)
        if statement is None:
            continue
        table = parse_create_table(statement)
        if table is not None:
            created[table.name] = table
            continue
        key = _ALTER_KEY.match(statement)
        if key is not None:
            keys[unquote_name(key.group("name"))] = key_columns(key.group("columns"))
    return {name: shape_of(table, keys.get(name, ())) for name, table in created.items()}


def _read_data(blob: Blob, shapes: dict[str, TableShape], limits: Limits) -> Iterator[Segment]:
    sampler = RowSampler(limits)
    # The text budget is the dispatcher's (extractors.dispatch), as for every extractor.
    try:
        yield from _data_segments(blob, shapes, sampler)
    except ExtractionError:
        yield from sampler.finish()  # the rows sampled before the cut
        raise
    yield from sampler.finish()


def _data_segments(
    blob: Blob, shapes: dict[str, TableShape], sampler: RowSampler
) -> Iterator[Segment]:
    statements = Statements("standard")
    lines = _lines(blob)
    for line in lines:
        copy = _COPY.match(line) if not statements.pending else None
        if copy is not None:
            table = _shape(shapes, copy.group("name"))
            columns = _columns(copy.group("columns"), table)
            yield from _copy_block(lines, table, columns, sampler)
            continue
        statement = statements.feed(line)
        if statement is None:
            continue
        insert = _INSERT.match(statement)
        if insert is None:
            continue
        table = _shape(shapes, insert.group("name"))
        columns = _columns(insert.group("columns"), table)
        values = statement[insert.end() :].rstrip().removesuffix(";")
        for row in parse_tuples(values, "standard"):
            yield from sampler.row(table, columns, partial(tuple, row))
    if statements.pending:
        raise ExtractionError("dump ends inside a statement (cut short?)")


def _shape(shapes: dict[str, TableShape], written: str) -> TableShape:
    name = unquote_name(written)
    return shapes.get(name) or TableShape(name=name, columns=())


def _columns(listed: str | None, table: TableShape) -> tuple[str, ...]:
    if listed:
        return tuple(unquote_name(c.strip()) for c in listed.split(","))
    return table.columns


def _copy_block(
    lines: Iterator[str], table: TableShape, columns: tuple[str, ...], sampler: RowSampler
) -> Iterator[Segment]:
    rows = 0
    for line in lines:
        record = line.rstrip("\n").removesuffix("\r") if line.endswith("\n") else line
        if record == "\\.":
            return
        rows += 1
        # Parsed only when the row is read (every row, unless --sample-rows passes it over).
        yield from sampler.row(table, columns, partial(_copy_fields, record))
    raise ExtractionError(f"dump ends inside the data of a table (cut short?) after row "
                          f"{rows} of this block")  # fmt: skip


def _copy_fields(record: str) -> list[SqlValue]:
    """The values of one line of a COPY block."""
    return [_copy_value(field) for field in record.split("\t")]


def _copy_value(field: str) -> SqlValue:
    """One field of PostgreSQL's COPY text format."""
    if field == "\\N":
        return None
    if field.startswith("\\\\x"):  # bytea in hex form: encoded bytes
        return BINARY
    if "\\" not in field:
        return field
    return _COPY_ESCAPE.sub(_unescape, field)


def _unescape(match: re.Match[str]) -> str:
    octal, hexadecimal, other = match.groups()
    if octal:
        return chr(int(octal, 8))
    if hexadecimal:
        return chr(int(hexadecimal, 16))
    return _COPY_ESCAPES.get(other, other)
