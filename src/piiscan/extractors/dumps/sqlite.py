"""SQLite database files, read with the standard library's :mod:`sqlite3`.

The file is opened through a ``file:…?mode=ro&immutable=1`` URI: read-only, and immutable, so
SQLite never writes a journal or a WAL index next to it (a scan must not write into the tree
it scans). A database inside a container is first copied to a private temporary file. Every
table is read row by row; a column declared ``INTEGER PRIMARY KEY`` (or an integer key) gives
the row key, else the row's position. ``BLOB`` values are encoded data and are not scanned.

With ``limits.sample_rows`` (``--sample-rows N``) a table of more than ``N`` rows is sampled
by rowid: its first ``N - N // 2`` rows, then ``N // 2`` rows found by seeking to rowids drawn
from the rest of the rowid range (seeded by the table's name, so repeatable; rows are found
through the rowid b-tree, never by reading the table through). A table without rowids
(``WITHOUT ROWID``) gives its first ``N`` rows. Each table ends with a
:class:`~piiscan.model.TableRows` note: rows read, rows held, sampled or not.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

from piiscan.errors import ExtractionError
from piiscan.extractors.base import Blob, Limits
from piiscan.extractors.dumps.sql import (
    BINARY,
    SqlValue,
    TableShape,
    name_segments,
    row_segments,
    sample_rng,
)
from piiscan.extractors.text import decode_text
from piiscan.model import Segment, TableRows

__all__ = ["extract_sqlite"]

_BATCH_ROWS = 1000


def extract_sqlite(blob: Blob, limits: Limits) -> Iterator[Segment]:
    """Segments of every text value of every table, located by table, column and row.

    :raises ExtractionError: the file is not a readable SQLite database.
    """
    with contextlib.ExitStack() as stack:
        path = blob.path
        if path is None:
            work = stack.enter_context(tempfile.TemporaryDirectory(prefix="piiscan-sqlite-"))
            path = Path(work) / "database.sqlite"
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "wb") as out, blob.opener() as stream:
                shutil.copyfileobj(stream, out, 1 << 20)
        uri = f"file:{quote(str(path.resolve()))}?mode=ro&immutable=1"
        try:
            connection = stack.enter_context(contextlib.closing(sqlite3.connect(uri, uri=True)))
            # Text that is not UTF-8 is decoded by the text policy, not refused by sqlite3.
            connection.text_factory = _text
            yield from _tables(connection, limits.sample_rows)
        except sqlite3.DatabaseError as error:
            raise ExtractionError(f"unreadable SQLite database ({_problem(error)})") from None


# sqlite3's messages can quote a value ("Could not decode to UTF-8 column 'epost' with text
# '…'", found by fuzzing): only the library's own fixed phrases are shown, else the type.
_PHRASES = ("file is not a database", "database disk image is malformed",
            "unable to open database file", "database is locked", "malformed database schema",
            "no such table", "not authorized")  # fmt: skip


def _problem(error: sqlite3.Error) -> str:
    said = str(error)
    return next((phrase for phrase in _PHRASES if said.startswith(phrase)), type(error).__name__)


def _text(data: bytes) -> str:
    return decode_text(data)[0]


def _tables(connection: sqlite3.Connection, sample_rows: int) -> Iterator[Segment]:
    names = [
        row[0]
        for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        )
    ]
    for name in names:
        quoted = '"' + name.replace('"', '""') + '"'
        info = connection.execute(f"PRAGMA table_info({quoted})").fetchall()
        columns = tuple(str(row[1]) for row in info)
        key = tuple(
            str(row[1])
            for row in sorted(info, key=lambda r: r[5])
            if row[5] and "INT" in str(row[2]).upper()
        )
        binary = frozenset(str(row[1]) for row in info if "BLOB" in str(row[2]).upper())
        table = TableShape(name=name, columns=columns, key=key, binary=binary)
        yield from name_segments(table, columns)
        total = None
        if sample_rows:
            total = int(connection.execute(f"SELECT count(*) FROM {quoted}").fetchone()[0])
        if total is not None and total > sample_rows:
            rows = _sample(connection, quoted, name, sample_rows)
        else:
            rows = _every_row(connection.execute(f"SELECT * FROM {quoted}"))
        read = 0
        for number, row in rows:
            read += 1
            values = [_value(v) for v in row]
            yield from row_segments(table, columns, number, values)
        sampled = total is not None and total > sample_rows
        yield TableRows.of(
            name, read, rows_total=total if total is not None else read,
            sample_rows=sample_rows if sampled else None,
        )  # fmt: skip


def _every_row(cursor: sqlite3.Cursor, start: int = 0) -> Iterator[tuple[int, tuple[object, ...]]]:
    number = start
    while batch := cursor.fetchmany(_BATCH_ROWS):
        for row in batch:
            number += 1
            yield number, row


def _sample(
    connection: sqlite3.Connection, quoted: str, name: str, size: int
) -> Iterator[tuple[int, tuple[object, ...]]]:
    """The first ``size - size // 2`` rows by rowid, then rows at seeded rowids beyond them.

    Rows found by seeking are numbered by their rowid (their position is not known without
    reading the table through); a row with an integer key is located by its key anyway.
    """
    head = size - size // 2
    try:
        first = connection.execute(
            f"SELECT rowid, * FROM {quoted} ORDER BY rowid LIMIT ?", (head,)
        ).fetchall()
    except sqlite3.OperationalError:  # WITHOUT ROWID: the first rows only
        yield from _every_row(connection.execute(f"SELECT * FROM {quoted} LIMIT ?", (size,)))
        return
    last = 0
    for number, row in enumerate(first, start=1):
        last = int(row[0])
        yield number, tuple(row[1:])
    high = connection.execute(f"SELECT max(rowid) FROM {quoted}").fetchone()[0]
    if high is None or int(high) <= last:
        return
    rng = sample_rng(name)
    wanted = sorted(rng.sample(range(last + 1, int(high) + 1), min(size // 2, int(high) - last)))
    seen: set[int] = set()
    for rowid in wanted:
        found = connection.execute(
            f"SELECT rowid, * FROM {quoted} WHERE rowid >= ? ORDER BY rowid LIMIT 1", (rowid,)
        ).fetchone()
        if found is None or int(found[0]) in seen:
            continue
        seen.add(int(found[0]))
        yield int(found[0]), tuple(found[1:])


def _value(value: object) -> SqlValue:
    if value is None:
        return None
    if isinstance(value, bytes | bytearray | memoryview):
        return BINARY
    return str(value)
