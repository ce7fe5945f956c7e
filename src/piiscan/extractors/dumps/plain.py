"""A ``.sql`` file: which dump it is, and the reader for it.

``pg_dump`` and ``mysqldump``/``mariadb-dump`` say who wrote them in their first lines. A SQL
file that says neither is read as a dump when its start holds ``INSERT INTO`` or ``COPY``
statements (backquoted names mean MySQL quoting), and as plain text otherwise: a script of
queries or notes is text, and reading it as text loses nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final, Literal

from piiscan.extractors.base import Blob, Limits
from piiscan.extractors.dumps.mysql import extract_mysql_dump
from piiscan.extractors.dumps.postgres import extract_pg_plain
from piiscan.extractors.text import extract_text
from piiscan.model import Segment

__all__ = ["SQL_HEAD_BYTES", "extract_sql_dump", "sql_writer"]

#: How much of a SQL file decides which dump it is.
SQL_HEAD_BYTES: Final = 64 * 1024


def extract_sql_dump(blob: Blob, limits: Limits) -> Iterator[Segment]:
    """Read a SQL file with the reader its writer calls for (see the module docstring)."""
    writer = sql_writer(blob.read(SQL_HEAD_BYTES))
    if writer == "postgres":
        return extract_pg_plain(blob, limits)
    if writer == "mysql":
        return extract_mysql_dump(blob, limits)
    return extract_text(blob, limits)


def sql_writer(head: bytes) -> Literal["postgres", "mysql", "text"]:
    """Which reader a SQL file's first 64 KB call for: ``text`` for what is not a dump."""
    if b"PostgreSQL database dump" in head[:4096]:
        return "postgres"
    if b"MySQL dump" in head[:4096] or b"MariaDB dump" in head[:4096]:
        return "mysql"
    upper = head.upper()
    if b"INSERT INTO" in upper or b"\nCOPY " in upper or upper.startswith(b"COPY "):
        if b"INSERT INTO `" in upper:
            return "mysql"
        return "postgres"
    return "text"
