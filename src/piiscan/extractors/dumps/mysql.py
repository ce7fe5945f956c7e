"""MySQL and MariaDB dumps (``mysqldump``, ``mariadb-dump``).

Statements are read one at a time, streaming: ``CREATE TABLE`` gives the columns and the
primary key (mysqldump writes them before the data), ``INSERT INTO … VALUES (…),(…);`` the
rows, extended inserts included, with MySQL's backslash escapes. ``_binary '…'``, ``0x…`` and
``X'…'`` values are encoded bytes and are not scanned. ``SET``, ``LOCK`` and comments are
mysqldump's, not the organisation's data, and are not scanned either.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import partial
from typing import Final

from piiscan.errors import ExtractionError
from piiscan.extractors.base import Blob, Limits
from piiscan.extractors.dumps.sql import (
    RowSampler,
    SqlValue,
    Statements,
    TableShape,
    parse_create_table,
    parse_tuples,
    shape_of,
    unquote_name,
)
from piiscan.extractors.text import iter_lines, read_text
from piiscan.model import Segment

__all__ = ["extract_mysql_dump", "mysql_insert", "mysql_rows", "mysql_statement"]

_NAME: Final = r"(?:`(?:[^`]|``)+`|[\w$]+)(?:\.(?:`(?:[^`]|``)+`|[\w$]+))?"
_INSERT: Final = re.compile(
    rf"^\s*(?:INSERT|REPLACE)\s+(?:IGNORE\s+)?INTO\s+(?P<name>{_NAME})\s*"
    r"(?:\((?P<columns>[^)]*)\))?\s*VALUES\s*",
    re.IGNORECASE,
)


def extract_mysql_dump(blob: Blob, limits: Limits) -> Iterator[Segment]:
    """Segments of every value in a mysqldump, located by table, column and row.

    :raises ExtractionError: a statement is malformed or the dump ends inside one.
    """
    sampler = RowSampler(limits)
    # The text budget is the dispatcher's (extractors.dispatch), as for every extractor.
    try:
        yield from _segments(blob, sampler)
    except ExtractionError:
        yield from sampler.finish()  # the rows sampled before the failure
        raise
    yield from sampler.finish()


def _segments(blob: Blob, sampler: RowSampler) -> Iterator[Segment]:
    _, pieces = read_text(blob)
    yield from mysql_rows(iter_lines(pieces), {}, sampler)


def mysql_rows(
    lines: Iterator[str], shapes: dict[str, TableShape], sampler: RowSampler
) -> Iterator[Segment]:
    """The rows of a mysqldump's lines, offered to ``sampler``.

    :param shapes: the tables created so far (a range of a big dump starts with those created
        before it, :mod:`piiscan.scan.range_cuts.dumps`); ``CREATE TABLE`` statements add to it.
    """
    statements = Statements("mysql")
    for line in lines:
        statement = statements.feed(line)
        if statement is None:
            continue
        inserted = mysql_statement(statement, shapes)
        if inserted is None:
            continue
        table, columns, rows = inserted
        for row in rows:
            yield from sampler.row(table, columns, partial(tuple, row))
    if statements.pending:
        raise ExtractionError("dump ends inside a statement (cut short?)")


def mysql_statement(
    statement: str, shapes: dict[str, TableShape]
) -> tuple[TableShape, tuple[str, ...], Iterator[tuple[SqlValue, ...]]] | None:
    """The table, columns and rows (parsed as they are taken) of an ``INSERT`` statement;
    a ``CREATE TABLE`` statement's table goes into ``shapes``; ``None`` but for an insert."""
    insert = mysql_insert(statement, shapes)
    if insert is None:
        return None
    table, columns, values = insert
    return table, columns, parse_tuples(values, "mysql")


def mysql_insert(
    statement: str, shapes: dict[str, TableShape]
) -> tuple[TableShape, tuple[str, ...], str] | None:
    """As :func:`mysql_statement`, with the text of the ``VALUES`` list, not parsed."""
    created = parse_create_table(statement)
    if created is not None:
        shapes[created.name] = shape_of(created)
        return None
    insert = _INSERT.match(statement)
    if insert is None:
        return None
    name = unquote_name(insert.group("name"))
    table = shapes.get(name) or TableShape(name=name, columns=())
    listed = insert.group("columns")
    columns = tuple(unquote_name(c.strip()) for c in listed.split(",")) if listed else table.columns
    return table, columns, statement[insert.end() :].rstrip().removesuffix(";")
