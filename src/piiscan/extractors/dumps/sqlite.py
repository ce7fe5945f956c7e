"""SQLite database files, read with the standard library's :mod:`sqlite3`.

The file is opened through a ``file:…?mode=ro&immutable=1`` URI: read-only, and immutable, so
SQLite never writes a journal or a WAL index next to it (a scan must not write into the tree
it scans). A database inside a container is first copied to a private temporary file. Every
table is read row by row; a column declared ``INTEGER PRIMARY KEY`` (or an integer key) gives
the row key, else the row's position. ``BLOB`` values are encoded data and are not scanned.
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
from piiscan.extractors.dumps.sql import BINARY, SqlValue, TableShape, TextBudget, row_segments
from piiscan.model import Segment

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
            yield from _tables(connection, TextBudget(limits))
        except sqlite3.DatabaseError as error:
            # sqlite3's messages name the problem ("file is not a database"), not the data.
            raise ExtractionError(f"unreadable SQLite database ({error})") from None


def _tables(connection: sqlite3.Connection, budget: TextBudget) -> Iterator[Segment]:
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
        cursor = connection.execute(f"SELECT * FROM {quoted}")
        number = 0
        while batch := cursor.fetchmany(_BATCH_ROWS):
            for row in batch:
                number += 1
                values = [_value(v) for v in row]
                for segment in row_segments(table, columns, number, values):
                    yield budget.spend(segment)


def _value(value: object) -> SqlValue:
    if value is None:
        return None
    if isinstance(value, bytes | bytearray | memoryview):
        return BINARY
    return str(value)
