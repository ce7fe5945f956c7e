"""PostgreSQL dumps: plain ``pg_dump`` SQL and the custom format (``pg_dump -Fc``).

Plain dumps are read twice, streaming: a first pass reads the DDL (``CREATE TABLE`` for the
columns and their types, ``ALTER TABLE … ADD CONSTRAINT … PRIMARY KEY``, which pg_dump writes
after the data), a second the data: ``COPY … FROM stdin`` blocks in PostgreSQL's text format
(tab-separated, ``\\N`` for NULL, backslash escapes) and ``INSERT`` statements of
``--inserts`` / ``--column-inserts`` dumps. Comments and other DDL are not scanned: they are
pg_dump's words (``-- Data for Name: kunder``), not the organisation's data.

The custom format is read in Python by :mod:`.pg_custom`, streaming: the DDL comes from the
SQL of its table of contents (the ``TABLE`` and ``CONSTRAINT`` entries, read by the same first
pass), the data from each ``TABLE DATA`` block, inflated in bounded pieces and fed to the same
COPY row parser (or, for ``pg_dump -Fc --inserts``, the same ``INSERT`` reader), so a table's
rows get the same segments, locators and column profiles as from ``pg_restore``'s SQL. Blocks
are read in order, never by the offsets the archive records, so a dump written to a pipe
(``pg_dump -Fc db > db.dump`` through a shell pipe leaves them unset) reads like one written
with ``-f``. What :mod:`.pg_custom` does not read (archive versions other than 1.10–1.16,
PostgreSQL 16's lz4 and zstd compression, a directory-format dump's ``toc.dat``) goes to
``pg_restore -f -`` (the PostgreSQL client tools), whose SQL is streamed twice, DDL then
data, into the plain reader; without ``pg_restore`` it is an ``unsupported`` row that says
what to install. Large objects (``BLOBS``) are passed over, as in ``pg_restore``'s SQL, where
they are ``lowrite`` calls rather than table data. pgdumplib (pure Python) was considered
and is not used: it cannot read a dump written to a pipe (the data offsets are unset), it
holds a table's decompressed data in memory whole, and it strips each row's line, losing
trailing empty fields and ending a table at a row that strips to nothing.

With ``--sample-rows`` rows are chosen by :class:`~piiscan.extractors.dumps.sql.RowSampler`;
a COPY row passed over is never split into fields.

A dump cut short (mid-``COPY``, or anywhere in a custom-format archive) or damaged keeps every
row read before the cut and ends as an ``error`` row that says so.
"""

from __future__ import annotations

import codecs
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import IO, Final

from piiscan.errors import ExtractionError, TooLargeError, UnsupportedError
from piiscan.extractors.base import Blob, Limits
from piiscan.extractors.dumps.pg_custom import Archive, UnreadableArchive
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
from piiscan.extractors.text import SAMPLE_BYTES, detect_encoding, iter_lines, read_text
from piiscan.model import Segment

__all__ = [
    "copy_record",
    "copy_start",
    "extract_pg_custom",
    "extract_pg_plain",
    "extract_pg_restore",
    "insert_rows",
    "insert_values",
    "pg_sql_rows",
    "read_data",
    "read_pg_ddl",
]

_NAME: Final = r'(?:"(?:[^"]|"")+"|[\w$]+)(?:\.(?:"(?:[^"]|"")+"|[\w$]+))?'
_COPY: Final = re.compile(
    rf"^COPY\s+(?P<name>{_NAME})\s*(?:\((?P<columns>[^)]*)\))?\s+FROM\s+stdin;"
)
_INSERT: Final = re.compile(
    rf"^\s*INSERT\s+INTO\s+(?P<name>{_NAME})\s*(?:\((?P<columns>[^)]*)\))?\s*VALUES\s*",
    re.IGNORECASE,
)
_ALTER_KEY: Final = re.compile(
    rf"^\s*ALTER\s+TABLE\s+(?:ONLY\s+)?(?P<name>{_NAME})\s+ADD\s+CONSTRAINT\s+"
    r'(?:"(?:[^"]|"")+"|\S+)\s+'
    r"PRIMARY\s+KEY\s*\((?P<columns>[^)]*)\)",
    re.IGNORECASE,
)
_COPY_ESCAPES: Final = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}
_COPY_ESCAPE: Final = re.compile(r"\\(?:([0-7]{1,3})|x([0-9A-Fa-f]{1,2})|(.))", re.DOTALL)


def extract_pg_plain(blob: Blob, limits: Limits) -> Iterator[Segment]:
    """Segments of every value in a plain pg_dump, located by table, column and row.

    :raises ExtractionError: the dump ends inside a ``COPY`` block or a statement.
    """
    shapes = read_pg_ddl(blob)
    yield from read_data(partial(pg_sql_rows, _lines(blob), shapes), limits)


def extract_pg_custom(blob: Blob, limits: Limits) -> Iterator[Segment]:
    """Segments of a custom-format dump, read by :mod:`.pg_custom`; an archive that module
    does not read goes through ``pg_restore`` (see the module docstring).

    :raises UnsupportedError: an archive :mod:`.pg_custom` does not read, and no
        ``pg_restore``.
    :raises ExtractionError: the dump is cut short or damaged (after every row before the
        damage), or ``pg_restore`` cannot read it.
    """
    with blob.opener() as stream:
        try:
            archive = Archive(stream)
        except UnreadableArchive as unreadable:
            reason, toc_only = str(unreadable), unreadable.toc_only
        else:
            shapes = _ddl(_toc_lines(archive))
            yield from read_data(partial(_archive_segments, archive, shapes, limits), limits)
            return
    if not toc_only:
        yield from extract_pg_restore(blob, limits, what=reason)
    elif blob.path is not None and blob.path.name == "toc.dat":
        # pg_restore reads a directory-format dump from its folder.
        yield from extract_pg_restore(blob, limits, what=reason, source=blob.path.parent)
    else:  # a tar-format dump's toc.dat, unpacked: its data is in the other members
        raise UnsupportedError(f"{reason}; its data files are read as text")


def extract_pg_restore(
    blob: Blob,
    limits: Limits,
    *,
    what: str = "PostgreSQL custom-format dump",
    source: Path | None = None,
) -> Iterator[Segment]:
    """Segments of a pg_dump archive turned into SQL by ``pg_restore -f -``, streamed: once
    for its DDL (``--schema-only``), once for its data (``--data-only``).

    :param what: the kind of archive, for the message when ``pg_restore`` is missing.
    :param source: what to hand ``pg_restore`` instead of the blob (a directory-format dump's
        folder).
    :raises UnsupportedError: ``pg_restore`` is not installed.
    :raises ExtractionError: ``pg_restore`` cannot read the dump (after every row it gave).
    """
    tool = shutil.which("pg_restore")
    if tool is None:
        raise UnsupportedError(f"{what}; install the PostgreSQL client tools (pg_restore)")
    with tempfile.TemporaryDirectory(prefix="piiscan-pg-") as work:
        source = source or blob.path
        if source is None:  # a member of a container: give pg_restore a file of its own
            source = Path(work) / "dump"
            _copy_private(blob, source)
        shapes = _ddl(_restored(tool, source, "--schema-only"))
        lines = _restored(tool, source, "--data-only")
        yield from read_data(partial(pg_sql_rows, lines, shapes), limits)


def _restored(tool: str, source: Path, part: str) -> Iterator[str]:
    """The lines ``pg_restore`` writes for one part of an archive, as they come."""
    command = [tool, "--no-owner", "--no-privileges", part, "-f", "-", str(source)]
    process = subprocess.Popen(
        command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )
    assert process.stdout is not None
    try:
        yield from iter_lines(_decoded_pipe(process.stdout))
        status = process.wait()
    finally:
        process.stdout.close()
        if process.poll() is None:  # the reader stopped early
            process.kill()
        process.wait()
    if status != 0:
        # pg_restore's message may quote the dump; say only that it failed.
        raise ExtractionError("pg_restore could not read the dump")


def _decoded_pipe(pipe: IO[bytes]) -> Iterator[str]:
    """A pipe's text, decoded as :func:`~piiscan.extractors.text.read_text` would choose."""
    head = pipe.read(SAMPLE_BYTES)
    encoding = detect_encoding(head, truncated=len(head) == SAMPLE_BYTES)
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    block = head
    while block:
        if piece := decoder.decode(block):
            yield piece
        block = pipe.read(SAMPLE_BYTES)
    if tail := decoder.decode(b"", final=True):
        yield tail


def _toc_lines(archive: Archive) -> Iterator[str]:
    """The SQL of every entry of an archive's table of contents, line by line, as
    ``pg_restore`` would print it (``CREATE TABLE``, ``ALTER TABLE … PRIMARY KEY``, …)."""
    for entry in archive.entries:
        yield from _split_lines(entry.defn)


def _split_lines(text: str) -> Iterator[str]:
    """Lines that keep their ``\\n``; only ``\\n`` ends one (as in the plain path)."""
    *whole, last = text.split("\n")
    for line in whole:
        yield line + "\n"
    if last:
        yield last


def _archive_segments(
    archive: Archive, shapes: dict[str, TableShape], limits: Limits, sampler: RowSampler
) -> Iterator[Segment]:
    """The rows of every table's data block, as the plain path reads the same data."""
    for block in archive.blocks():
        entry = block.entry
        if entry.desc != "TABLE DATA":
            continue  # the archive passes over what is left unread
        text = _decoded(block.pieces, archive.codec)
        if entry.copy_stmt is None:  # pg_dump --inserts: the data is SQL
            yield from pg_sql_rows(iter_lines(text), shapes, sampler)
            continue
        copy = _COPY.match(entry.copy_stmt)
        if copy is not None:
            table = _shape(shapes, copy.group("name"))
            columns = _columns(copy.group("columns"), table)
        else:
            name = f"{entry.namespace}.{entry.tag}" if entry.namespace else entry.tag
            table = shapes.get(name) or TableShape(name=name, columns=())
            columns = table.columns
        for record in _records(text, limits.max_text_chars):
            if record == "\\.":  # the end marker pg_dump writes after the rows
                break
            # Parsed only when the row is read (every row, unless --sample-rows passes it over).
            yield from sampler.row(table, columns, partial(_copy_fields, record))


def _decoded(pieces: Iterator[bytes], codec: str | None) -> Iterator[str]:
    """A data block's text. A dump without a declared encoding (``SQL_ASCII``) is decoded
    as :func:`~piiscan.extractors.text.detect_encoding` chooses on its first piece."""
    decoder = None
    for piece in pieces:
        if decoder is None:
            chosen = codec or detect_encoding(piece, truncated=True)
            decoder = codecs.getincrementaldecoder(chosen)(errors="replace")
        if text := decoder.decode(piece):
            yield text
    if decoder is not None and (tail := decoder.decode(b"", final=True)):
        yield tail


def _records(text: Iterator[str], longest: int) -> Iterator[str]:
    """The lines of a COPY block, without their ``\\n``.

    :param longest: the most characters one line may hold (``--max-text-chars``); memory
        holds at most one line.
    :raises TooLargeError: a line is longer.
    """
    held: list[str] = []
    size = 0
    for piece in text:
        if "\n" not in piece:
            held.append(piece)
            size += len(piece)
            if size > longest:
                raise TooLargeError(f"a row of a dump exceeds {longest} characters")
            continue
        lines = piece.split("\n")
        if held:
            lines[0] = "".join(held) + lines[0]
        last = lines.pop()
        held, size = ([last], len(last)) if last else ([], 0)
        yield from lines
    if held:
        yield "".join(held)


def _copy_private(blob: Blob, target: Path) -> None:
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as out, blob.opener() as stream:
        shutil.copyfileobj(stream, out, 1 << 20)


def _lines(blob: Blob) -> Iterator[str]:
    _, pieces = read_text(blob)
    return iter_lines(pieces)


def read_pg_ddl(blob: Blob) -> dict[str, TableShape]:
    """First pass: tables, their columns and types, and integer primary keys."""
    return _ddl(_lines(blob))


def _ddl(lines: Iterator[str]) -> dict[str, TableShape]:
    """Tables, their columns and types, and integer primary keys, from a dump's SQL."""
    created = {}
    keys: dict[str, tuple[str, ...]] = {}
    statements = Statements("standard")
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


def read_data(
    rows: Callable[[RowSampler], Iterator[Segment]],
    limits: Limits,
    sampler: RowSampler | None = None,
) -> Iterator[Segment]:
    """Second pass: ``rows(sampler)`` offers each row to the sampler; a dump cut short still
    ends with the rows sampled so far.

    :param sampler: the sampler to offer rows to (one that resumes where a range of a big dump
        starts); a fresh one when ``None``.
    """
    sampler = sampler or RowSampler(limits)
    # The text budget is the dispatcher's (extractors.dispatch), as for every extractor.
    try:
        yield from rows(sampler)
    except ExtractionError:
        yield from sampler.finish()  # the rows sampled before the cut
        raise
    yield from sampler.finish()


def pg_sql_rows(
    lines: Iterator[str],
    shapes: dict[str, TableShape],
    sampler: RowSampler,
    *,
    copy: tuple[TableShape, tuple[str, ...]] | None = None,
    final: bool = True,
) -> Iterator[Segment]:
    """The rows of a dump's SQL: ``COPY`` blocks and ``INSERT`` statements.

    :param copy: the table and columns of the ``COPY`` block ``lines`` start inside (a range
        of a big dump, :mod:`piiscan.scan.range_cuts.dumps`).
    :param final: ``lines`` end where the dump ends; otherwise (a range that ends between the
        rows of a block) a block they end inside is not a dump cut short.
    """
    if copy is not None:
        yield from _copy_block(lines, *copy, sampler, final=final)
    statements = Statements("standard")
    for line in lines:
        copy = copy_start(line, shapes) if not statements.pending else None
        if copy is not None:
            yield from _copy_block(lines, *copy, sampler, final=final)
            continue
        statement = statements.feed(line)
        if statement is None:
            continue
        inserted = insert_rows(statement, shapes)
        if inserted is None:
            continue
        table, columns, rows = inserted
        for row in rows:
            yield from sampler.row(table, columns, partial(tuple, row))
    if statements.pending:
        raise ExtractionError("dump ends inside a statement (cut short?)")


def copy_start(
    line: str, shapes: dict[str, TableShape]
) -> tuple[TableShape, tuple[str, ...]] | None:
    """The table and columns of a ``COPY … FROM stdin;`` line; ``None`` for another line."""
    copy = _COPY.match(line)
    if copy is None:
        return None
    table = _shape(shapes, copy.group("name"))
    return table, _columns(copy.group("columns"), table)


def insert_rows(
    statement: str, shapes: dict[str, TableShape]
) -> tuple[TableShape, tuple[str, ...], Iterator[tuple[SqlValue, ...]]] | None:
    """The table, columns and rows (parsed as they are taken) of an ``INSERT`` statement;
    ``None`` for another statement."""
    insert = insert_values(statement, shapes)
    if insert is None:
        return None
    table, columns, values = insert
    return table, columns, parse_tuples(values, "standard")


def insert_values(
    statement: str, shapes: dict[str, TableShape]
) -> tuple[TableShape, tuple[str, ...], str] | None:
    """As :func:`insert_rows`, with the text of the ``VALUES`` list, not parsed."""
    insert = _INSERT.match(statement)
    if insert is None:
        return None
    table = _shape(shapes, insert.group("name"))
    return (
        table,
        _columns(insert.group("columns"), table),
        statement[insert.end() :].rstrip().removesuffix(";"),
    )


def _shape(shapes: dict[str, TableShape], written: str) -> TableShape:
    name = unquote_name(written)
    return shapes.get(name) or TableShape(name=name, columns=())


def _columns(listed: str | None, table: TableShape) -> tuple[str, ...]:
    if listed:
        return tuple(unquote_name(c.strip()) for c in listed.split(","))
    return table.columns


def copy_record(line: str) -> str:
    """A line of a ``COPY`` block without its line break (``\\.`` ends the block)."""
    return line.rstrip("\n").removesuffix("\r") if line.endswith("\n") else line


def _copy_block(
    lines: Iterator[str],
    table: TableShape,
    columns: tuple[str, ...],
    sampler: RowSampler,
    *,
    final: bool = True,
) -> Iterator[Segment]:
    rows = 0
    for line in lines:
        record = copy_record(line)
        if record == "\\.":
            return
        rows += 1
        # Parsed only when the row is read (every row, unless --sample-rows passes it over).
        yield from sampler.row(table, columns, partial(_copy_fields, record))
    if not final:
        return  # a range of a big dump that ends between two rows of the block
    raise ExtractionError(f"dump ends inside the data of a table (cut short?) after row "
                          f"{rows} of this block")  # fmt: skip


def _copy_fields(record: str) -> list[SqlValue]:
    """The values of one line of a COPY block."""
    # Most fields hold no backslash: they are their own value (no call for them).
    return [field if "\\" not in field else _copy_value(field) for field in record.split("\t")]


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
