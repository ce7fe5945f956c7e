"""Plain SQL dumps: cut between statements, or inside a ``COPY`` block between rows.

Which reader a ``.sql`` file gets is decided as
:func:`piiscan.extractors.dumps.plain.extract_sql_dump` decides it; a SQL file that is no dump
is cut as plain text (:mod:`.text`).

- ``pg_dump`` plain SQL: the pre-pass reads the DDL first, as the reader does (a primary key
  comes after the data), then walks the statements as the reader does, counting each table's
  rows and bytes. A range may start at a line between two statements, or at a row of a
  ``COPY`` block (carrying the block's table and columns), so a dump of one huge table is
  split too.
- ``mysqldump``/``mariadb-dump``: a range may start between two statements (an extended
  ``INSERT`` holds about a megabyte of rows); it carries the tables created before it.

A range also carries the rows each table had before it (row positions go on counting, and a
table's name and columns' names are segments once, before its first row) and the table whose
rows came last, so the :class:`~piiscan.model.TableRows` notes come as in the whole read. The
pre-pass declines for a dump that is cut short or malformed (the whole read keeps a prefix and
says so), for ``--sample-rows`` (a sample is drawn over a whole table), and for a dump larger
than the text budget (the pre-pass does not turn values into text to count them).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Literal

from piiscan.errors import PiiscanError
from piiscan.extractors.base import Blob, Limits
from piiscan.extractors.dumps.mysql import mysql_insert, mysql_rows
from piiscan.extractors.dumps.plain import SQL_HEAD_BYTES, sql_writer
from piiscan.extractors.dumps.postgres import (
    copy_record,
    copy_start,
    insert_values,
    pg_sql_rows,
    read_data,
    read_pg_ddl,
)
from piiscan.extractors.dumps.sql import RowSampler, Statements, TableShape, count_tuples
from piiscan.extractors.text import iter_lines, read_text
from piiscan.model import Segment
from piiscan.scan.range_cuts import (
    BLOCK_BYTES,
    EXACT,
    Cuts,
    TableCount,
    range_pieces,
    step_encoding,
    text_start,
)
from piiscan.scan.range_cuts import text as plain_text

if TYPE_CHECKING:
    from piiscan.scan.ranges import Span

__all__ = ["START", "DumpAt", "cut", "items"]


@dataclass(frozen=True, slots=True, kw_only=True)
class DumpAt:
    """Where a range of a dump starts and what it must know of what came before.

    :param writer: ``postgres`` (``pg_dump``) or ``mysql`` (``mysqldump``, ``mariadb-dump``).
    :param shapes: the tables' shapes (a PostgreSQL dump's from its DDL; a MySQL dump's
        created before the range).
    :param rows: ``(table, rows)`` of each table with rows before the range.
    :param current: the table whose rows came last before the range.
    :param copy: the table and columns of the ``COPY`` block the range starts inside.
    """

    writer: Literal["postgres", "mysql"]
    shapes: tuple[TableShape, ...]
    rows: tuple[tuple[str, int], ...] = ()
    current: str | None = None
    copy: tuple[TableShape, tuple[str, ...]] | None = None


START = DumpAt


class _Walk:
    """The pre-pass's count of a dump read from its start: bytes, rows, where ranges start."""

    def __init__(self, writer: Literal["postgres", "mysql"], offset: int, split_bytes: int) -> None:
        self.writer: Literal["postgres", "mysql"] = writer
        self.offset = offset
        self.split_bytes = split_bytes
        self.rows: dict[str, int] = {}
        self.current: str | None = None
        self.starts: list[tuple[int, object]] = []

    def may_cut(
        self,
        shapes: dict[str, TableShape],
        copy: tuple[TableShape, tuple[str, ...]] | None = None,
    ) -> None:
        """A range may start here: one does when the last started long enough ago."""
        if self.starts and self.offset - self.starts[-1][0] < self.split_bytes:
            return
        at = DumpAt(writer=self.writer, shapes=tuple(shapes.values()),
                    rows=tuple(self.rows.items()), current=self.current, copy=copy)  # fmt: skip
        self.starts.append((self.offset, at))

    def row(self, table: str) -> None:
        self.rows_of(table, 1)

    def rows_of(self, table: str, count: int) -> None:
        if count:
            self.rows[table] = self.rows.get(table, 0) + count
            self.current = table


def cut(blob: Blob, limits: Limits, split_bytes: int) -> Cuts | None:
    """Where the ranges of a plain SQL dump start, or ``None`` to read it at once."""
    writer = sql_writer(blob.read(SQL_HEAD_BYTES))
    if writer == "text":
        return plain_text.cut(blob, limits, split_bytes)
    if limits.sample_rows or (blob.size or 0) > limits.max_text_chars:
        return None
    try:
        encoding, pieces = read_text(blob, block_bytes=BLOCK_BYTES)
        if encoding not in EXACT:
            return None
        step = step_encoding(encoding)
        walk = _Walk(writer, text_start(encoding), split_bytes)

        def counted(lines: Iterator[str]) -> Iterator[str]:
            for line in lines:
                walk.offset += len(line.encode(step))
                yield line

        lines = counted(iter_lines(pieces))
        if writer == "postgres":
            complete = _walk_postgres(lines, read_pg_ddl(blob), walk)
        else:
            complete = _walk_mysql(lines, walk)
    except (PiiscanError, OSError, UnicodeError):
        return None
    if not complete or walk.offset != blob.size:
        return None  # cut short, the encoding changed, or the file changed meanwhile
    starts = walk.starts
    while starts and starts[-1][0] >= walk.offset:
        starts.pop()  # no empty range at the end
    tables = tuple(TableCount(table=name, rows=rows, rows_total=rows)
                   for name, rows in walk.rows.items())  # fmt: skip
    return Cuts(encoding=step, starts=tuple(starts), tables=tables)


def _walk_postgres(lines: Iterator[str], shapes: dict[str, TableShape], walk: _Walk) -> bool:
    """Walk a pg_dump's SQL as :func:`~piiscan.extractors.dumps.postgres.pg_sql_rows` reads
    it; whether it ended cleanly."""
    statements = Statements("standard")
    line = _next(lines, walk, shapes, None)
    while line is not None:
        copy = copy_start(line, shapes) if not statements.pending else None
        if copy is not None:
            name = copy[0].name
            while (row := _next(lines, walk, shapes, copy)) is not None:
                if copy_record(row) == "\\.":
                    break
                walk.row(name)
            else:
                return False  # the dump ends inside the block
        else:
            statement = statements.feed(line)
            inserted = insert_values(statement, shapes) if statement is not None else None
            if inserted is not None:
                table, _, values = inserted
                # counted as the reader parses them (a malformed list raises)
                walk.rows_of(table.name, count_tuples(values, "standard"))
        line = _next(lines, walk, shapes, None, pending=statements.pending)
    return not statements.pending


def _walk_mysql(lines: Iterator[str], walk: _Walk) -> bool:
    """Walk a mysqldump's SQL as :func:`~piiscan.extractors.dumps.mysql.mysql_rows` reads it;
    whether it ended cleanly."""
    shapes: dict[str, TableShape] = {}
    statements = Statements("mysql")
    while (line := _next(lines, walk, shapes, None, pending=statements.pending)) is not None:
        statement = statements.feed(line)
        if statement is None:
            continue
        inserted = mysql_insert(statement, shapes)
        if inserted is not None:
            table, _, values = inserted
            walk.rows_of(table.name, count_tuples(values, "mysql"))
    return not statements.pending


def _next(
    lines: Iterator[str],
    walk: _Walk,
    shapes: dict[str, TableShape],
    copy: tuple[TableShape, tuple[str, ...]] | None,
    *,
    pending: bool = False,
) -> str | None:
    """The next line, after noting that a range may start before it (between statements, or
    at a row of a ``COPY`` block); ``None`` at the end."""
    if not pending:
        walk.may_cut(shapes, copy)
    return next(lines, None)


def items(blob: Blob, limits: Limits, span: Span) -> Iterator[Segment]:
    """The segments of one range's rows, located, numbered and noted as in the whole dump."""
    at = span.at
    assert isinstance(at, DumpAt)
    lines = iter_lines(range_pieces(blob, span))
    shapes = {shape.name: shape for shape in at.shapes}
    sampler = RowSampler(limits, rows=dict(at.rows), current=at.current)
    rows: Callable[[RowSampler], Iterator[Segment]]
    if at.writer == "postgres":
        rows = partial(pg_sql_rows, lines, shapes, copy=at.copy, final=span.last)
    else:
        rows = partial(mysql_rows, lines, shapes)
    return read_data(rows, limits, sampler)
