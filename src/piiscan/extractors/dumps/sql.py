"""What the dump readers share: SQL values, statements, table shapes and segments.

The value scanner reads the tuples of an ``INSERT … VALUES (…), (…);`` statement in one of
two quoting dialects:

- ``standard`` (PostgreSQL with ``standard_conforming_strings``): ``'it''s'``, ``E'a\\tb'``
  escape strings, ``NULL``, numbers, ``'…'::type`` casts, ``'\\x…'`` byte strings;
- ``mysql``: ``'it\\'s'`` and ``"…"`` with backslash escapes, ``_binary '…'``, ``0x…`` and
  ``X'…'`` hex literals, ``b'…'`` bit literals.

A value is ``None`` for SQL NULL, :data:`BINARY` for encoded bytes (never scanned), or text.
"""

from __future__ import annotations

import functools
import random
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final, Literal

from piiscan.errors import ExtractionError
from piiscan.extractors.base import Limits
from piiscan.locator import escape, join
from piiscan.model import Segment, TableRows

__all__ = [
    "BINARY",
    "CreatedTable",
    "Dialect",
    "RowSampler",
    "SqlValue",
    "Statements",
    "TableShape",
    "count_tuples",
    "key_columns",
    "name_segments",
    "parse_create_table",
    "parse_tuples",
    "row_segments",
    "sample_rng",
    "shape_of",
    "unquote_name",
]

Dialect = Literal["standard", "mysql"]


class _Binary:
    """The marker of an encoded (binary) value."""

    def __repr__(self) -> str:
        return "BINARY"


#: Stands for a value of encoded bytes: present, but never scanned as text.
BINARY: Final = _Binary()

SqlValue = str | None | _Binary

_MYSQL_ESCAPES: Final = {
    "0": "\0", "b": "\b", "n": "\n", "r": "\r", "t": "\t", "Z": "\x1a",
}  # fmt: skip
_C_ESCAPES: Final = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}
_INTEGER_TYPES: Final = re.compile(
    r"^(?:small|big|tiny|medium)?int(?:eger)?\d*\b|^(?:small|big)?serial\b|^int[248]\b",
    re.IGNORECASE,
)


_BINARY_TYPES: Final = re.compile(
    r"^(?:bytea|(?:tiny|medium|long)?blob|(?:var)?binary|bit|raw|image)\b", re.IGNORECASE
)


def is_binary_type(sql_type: str) -> bool:
    """Whether a column's declared type holds bytes (``bytea``, ``longblob``, ``varbinary(16)``)."""
    return bool(_BINARY_TYPES.match(sql_type.strip()))


def is_integer_type(sql_type: str) -> bool:
    """Whether a column's declared type holds integers (``integer``, ``bigint(20)``, ``serial``)."""
    return bool(_INTEGER_TYPES.match(sql_type.strip()))


def unquote_name(name: str) -> str:
    """An identifier without its quotes: ```kunder``` → ``kunder``, ``"Kund"`` → ``Kund``;
    ``public."Kund"`` → ``public.Kund``."""
    parts = re.findall(r'"((?:[^"]|"")*)"|`((?:[^`]|``)*)`|([^."`\s]+)', name)
    cleaned = [
        (double.replace('""', '"') if double else back.replace("``", "`") if back else plain)
        for double, back, plain in parts
    ]
    return ".".join(cleaned)


@dataclass(frozen=True, slots=True, kw_only=True)
class TableShape:
    """What a dump's DDL says about one table.

    :param name: ``schema.table`` (or ``table`` where the dump has no schemas).
    :param columns: the column names in order.
    :param key: the primary-key columns, only when every one of them is an integer column
        (see the package docstring); empty otherwise.
    :param binary: columns declared binary (``bytea``, ``BLOB``, ``VARBINARY``): their values
        are encoded bytes however the dump writes them, and are not scanned.
    """

    name: str
    columns: tuple[str, ...]
    key: tuple[str, ...] = ()
    binary: frozenset[str] = frozenset()


class _Cursor:
    """Reads SQL literals out of a statement, position by position."""

    def __init__(self, text: str, dialect: Dialect) -> None:
        self.text = text
        self.pos = 0
        self.dialect = dialect

    def skip_space(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] in " \t\r\n":
            self.pos += 1

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def expect(self, char: str) -> None:
        self.skip_space()
        if self.peek() != char:
            raise ExtractionError("malformed SQL values")
        self.pos += 1

    def quoted(self, quote: str, *, backslashes: bool) -> str:
        """The body of a quoted literal that starts at ``pos`` (on the quote), unescaped."""
        match = _QUOTED[(quote, backslashes)].match(self.text, self.pos + 1)
        if match is None:
            raise ExtractionError("unterminated SQL string")
        self.pos = match.end()
        body = match.group(1)
        if backslashes and ("\\" in body or quote * 2 in body):
            table = _MYSQL_ESCAPES if self.dialect == "mysql" else _C_ESCAPES
            body = _ESCAPE_SEQUENCE.sub(
                lambda e: e.group()[0] if e.group(1) is None else table.get(e[1], e[1]), body
            )
        elif quote * 2 in body:
            body = body.replace(quote * 2, quote)
        return body

    def value(self) -> SqlValue:
        self.skip_space()
        text, pos = self.text, self.pos
        char = self.peek()
        if char in ("'", '"') and (char == "'" or self.dialect == "mysql"):
            body = self.quoted(char, backslashes=self.dialect == "mysql")
            if self.dialect == "standard" and body.startswith("\\x"):
                self._skip_cast()
                return BINARY  # a bytea value
            self._skip_cast()
            return body
        prefix = text[pos : pos + 8].lower()
        if prefix.startswith("_binary"):
            self.pos += len("_binary")
            self.skip_space()
            if self.peek() in ("'", '"'):
                self.quoted(self.peek(), backslashes=True)
            return BINARY
        if prefix[:2] in {"e'", "x'", "b'"} and text[pos + 1] == "'":
            self.pos += 1
            body = self.quoted("'", backslashes=prefix[0] == "e")
            self._skip_cast()
            return body if prefix[0] == "e" else BINARY
        match = _BARE.match(text, pos)
        if match is None:
            raise ExtractionError("malformed SQL values")
        self.pos = match.end()
        word = match.group()
        self._skip_cast()
        if word.upper() == "NULL":
            return None
        if word.lower().startswith("0x"):
            return BINARY
        return word

    def _skip_cast(self) -> None:
        """Pass over a PostgreSQL cast (``'…'::text``, ``'…'::character varying(20)``)."""
        while self.text.startswith("::", self.pos):
            match = _CAST.match(self.text, self.pos)
            self.pos = match.end() if match else self.pos + 2


# A quoted literal's body and closing quote, from just after the opening quote. The
# alternatives start with different characters, so matching is linear.
_QUOTED: Final = {
    ("'", True): re.compile(r"((?:[^'\\]|\\.|'')*)'", re.DOTALL),
    ('"', True): re.compile(r'((?:[^"\\]|\\.|"")*)"', re.DOTALL),
    ("'", False): re.compile(r"((?:[^']|'')*)'", re.DOTALL),
    ('"', False): re.compile(r'((?:[^"]|"")*)"', re.DOTALL),
}
_ESCAPE_SEQUENCE: Final = re.compile(r"\\(.)|''|\"\"", re.DOTALL)
_BARE: Final = re.compile(r"[-+]?[\w.]+(?:[eE][-+]?\d+)?")
_CAST: Final = re.compile(r"::\s*[\w ]+(?:\([^)]*\))?(?:\[\])*")


def parse_tuples(text: str, dialect: Dialect) -> Iterator[tuple[SqlValue, ...]]:
    """The tuples of a ``VALUES`` list: ``(1, 'a'), (2, NULL)`` → ``(1, 'a')``, ``(2, None)``.

    :param text: the text after ``VALUES`` up to (not including) the closing ``;``.
    :raises ExtractionError: on a malformed list (the message quotes nothing).
    """
    cursor = _Cursor(text, dialect)
    while True:
        cursor.expect("(")
        row: list[SqlValue] = []
        cursor.skip_space()
        if cursor.peek() == ")":
            cursor.pos += 1
        else:
            while True:
                row.append(cursor.value())
                cursor.skip_space()
                char = cursor.peek()
                cursor.pos += 1
                if char == ")":
                    break
                if char != ",":
                    raise ExtractionError("malformed SQL values")
        yield tuple(row)
        cursor.skip_space()
        if cursor.peek() != ",":
            return
        cursor.pos += 1


def count_tuples(text: str, dialect: Dialect) -> int:
    """How many tuples :func:`parse_tuples` yields for ``text``, without building values.

    The pre-pass that cuts a big dump into ranges counts each table's rows; parsing every
    value in Python made it read a MySQL dump at about 4 MB/s. Here one regular expression
    takes a whole tuple of the common forms (quoted strings, bare words and numbers,
    ``_binary '…'``) in one call. Each of its values is an atomic group that matches what
    :class:`_Cursor` would take there, and nothing is tried again after it, so a tuple it
    takes is one the cursor takes too. From the first tuple it cannot take (a cast, an
    ``E'…'`` or ``X'…'`` literal, a malformed list), :func:`parse_tuples` counts the rest,
    raising as it raises.

    :raises ExtractionError: as :func:`parse_tuples` does.
    """
    tuple_at = _TUPLE[dialect].match
    count = position = 0
    while (taken := tuple_at(text, position)) is not None:
        count += 1
        if not taken.group("more"):
            return count
        position = taken.end()
    return count + sum(1 for _ in parse_tuples(text[position:], dialect))


def _quote_rest(quote: str, dialect: Dialect) -> str:
    """The rest of a quoted string or name after its opening quote, its closing quote
    included: a doubled quote stands for one, and in MySQL a backslash escapes any character.
    Atomic: the first quote that is not doubled or escaped closes it, read left to right."""
    escaped = r"|\\." if dialect == "mysql" else ""
    other = f"[^{quote}\\\\]++" if dialect == "mysql" else f"[^{quote}]++"
    return f"(?>(?:{other}{escaped}|{quote}{quote})*){quote}"


def _tuple_pattern(dialect: Dialect) -> re.Pattern[str]:
    space = r"[ \t\r\n]*"  # what _Cursor.skip_space passes over
    single = "'" + _quote_rest("'", dialect)
    double = '|"' + _quote_rest('"', dialect) if dialect == "mysql" else ""
    binary = (
        rf"|_[bB][iI][nN][aA][rR][yY]{space}'" + _quote_rest("'", "mysql")
        if dialect == "mysql"
        else ""
    )
    # _BARE, not where _Cursor.value tries a prefix first (``_binary``, a quoted literal).
    bare = r"|(?![_][bB][iI][nN][aA][rR][yY])[-+]?[\w.]+(?:[eE][-+]?\d+)?"
    value = f"{space}(?>{single}{double}{binary}{bare})"
    return re.compile(
        rf"{space}\((?:{space}\)|{value}(?:{space},{value})*{space}\)){space}(?P<more>,?)",
        re.DOTALL,
    )


_TUPLE: Final = {dialect: _tuple_pattern(dialect) for dialect in ("standard", "mysql")}


# Outside a statement: comments, and psql meta-commands (pg_dump writes ``\restrict``).
_NOT_STATEMENTS: Final = ("--", "/*", "\\")


class Statements:
    """Regroups a dump's lines into whole statements, knowing where strings and comments are.

    :param dialect: how strings quote (see the module docstring).
    """

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        self._parts: list[str] = []
        self._quote = ""

    @property
    def pending(self) -> bool:
        """Whether a statement has started and not ended."""
        return bool(self._parts)

    def feed(self, line: str) -> str | None:
        """Add one line; return the whole statement when this line ends it, else ``None``."""
        if not self._parts and (not line.strip() or line.lstrip().startswith(_NOT_STATEMENTS)):
            return None
        self._parts.append(line)
        if self._ends_statement(line):
            statement = "".join(self._parts)
            self._parts.clear()
            return statement
        return None

    def _ends_statement(self, line: str) -> bool:
        """Follow quotes through ``line``; true when it ends with a ``;`` outside them."""
        position = 0
        if self._quote:  # a string or quoted name goes on from the line before
            closed = _QUOTE_REST[self.dialect][self._quote].match(line)
            if closed is None:
                return False
            self._quote, position = "", closed.end()
        taken = _OUTSIDE_QUOTES[self.dialect].match(line, position)
        outside = taken.end() if taken is not None else position  # it matches even nothing
        if outside < len(line):  # a quote opens there and does not close on this line
            self._quote = line[outside]
            return False
        # Every quote on the line closed with a quote character, so a `;` last but for
        # white space is outside them.
        return line.rstrip().endswith(";")


# Per dialect, per opening quote: the rest of the quoted text (see _quote_rest).
_QUOTE_REST: Final = {
    dialect: {quote: re.compile(_quote_rest(quote, dialect), re.DOTALL) for quote in "'\"`"}
    for dialect in ("standard", "mysql")
}
# Per dialect: text outside quotes and whole quoted strings and names, as far as it goes; it
# stops only at a quote that does not close on the line.
_OUTSIDE_QUOTES: Final = {
    dialect: re.compile(
        r"(?:[^'\"`]++|" + "|".join(q + _quote_rest(q, dialect) for q in "'\"`") + ")*+",
        re.DOTALL,
    )
    for dialect in ("standard", "mysql")
}


def row_segments(
    table: TableShape, columns: Sequence[str], row_number: int, values: Iterable[SqlValue]
) -> Iterator[Segment]:
    """The segments of one row: a segment per non-empty text value, column name as context.

    :param table: the table's shape (its key decides the row key).
    :param columns: the column of each value (the statement's list, or the table's).
    :param row_number: the row's 1-based position in the table's data.
    """
    row = values if isinstance(values, (list, tuple)) else list(values)
    cells, key_at = _row_plan(table, tuple(columns), len(row))
    # Steps rendered as Locator renders them, without building one per value (a dump is
    # millions of values): key=escaped value, joined by "/".
    row_step = "row=" + escape(_row_key(table, row, key_at, row_number))
    for index, prefix, context, content_names in cells:
        value = row[index]
        if isinstance(value, str) and value.strip():
            yield Segment(
                text=value, locator=prefix + row_step, context=context, names=content_names
            )


_Cell = tuple[int, str, tuple[str, ...], tuple[str, ...]]


@functools.lru_cache(maxsize=1024)
def _row_plan(
    table: TableShape, columns: tuple[str, ...], width: int
) -> tuple[tuple[_Cell, ...], tuple[int, ...]]:
    """What :func:`row_segments` does with a row of ``width`` values, worked out once per
    table and column list (a dump's rows share them): per value that may be text, its index,
    its locator up to the row step, its context and its names; and where each key column's
    value is (``-1``: none), the last of equal names winning as in a dict."""
    # Columns a dump does not name (no DDL, no column list) go by their 1-based position.
    names = [*columns, *(str(i) for i in range(len(columns) + 1, width + 1))]
    cells: list[_Cell] = []
    for index, column in enumerate(names[:width]):
        if column in table.binary:
            continue
        prefix, content_names = _column_place(table.name, column, table.key)
        cells.append((index, prefix, (column,) if index < len(columns) else (), content_names))
    last = {column: index for index, column in enumerate(names[:width])}
    return tuple(cells), tuple(last.get(column, -1) for column in table.key)


def _row_key(
    table: TableShape, row: Sequence[SqlValue], key_at: tuple[int, ...], row_number: int
) -> str:
    """:func:`row_key` of a row whose key columns' values are at ``key_at``."""
    if table.key:
        values = [row[index] if index >= 0 else None for index in key_at]
        if all(isinstance(v, str) and _INTEGER_KEY.fullmatch(v) for v in values):
            return ",".join(f"{c}:{v}" for c, v in zip(table.key, values, strict=True))
    return str(row_number)


_INTEGER_KEY: Final = re.compile(r"-?\d+")


def name_segments(table: TableShape, columns: Sequence[str]) -> Iterator[Segment]:
    """A table's own names as segments, yielded once before its first row: the table's name
    (``table=…/name``) and each column's (``table=…/column=…/name``). Names are data: a
    table or column named with a personnummer is a finding of its own, and masked in every
    locator that carries it (:mod:`piiscan.scan.names`)."""
    yield Segment(text=table.name, locator=join([("table", table.name), "name"]),
                  names=(table.name,))  # fmt: skip
    for column in dict.fromkeys(columns):
        if column.strip():
            place = join([("table", table.name), ("column", column), "name"])
            yield Segment(text=column, locator=place, names=(table.name, column))


def row_key(table: TableShape, by_column: dict[str, SqlValue], row_number: int) -> str:
    """``id:4711`` from an integer primary key, else the row's position (``17``)."""
    if table.key and all(isinstance(by_column.get(c), str) for c in table.key):
        values = [str(by_column[c]) for c in table.key]
        if all(re.fullmatch(r"-?\d+", v) for v in values):
            return ",".join(f"{c}:{v}" for c, v in zip(table.key, values, strict=True))
    return str(row_number)


@functools.lru_cache(maxsize=4096)
def _column_place(table: str, column: str, key: tuple[str, ...]) -> tuple[str, tuple[str, ...]]:
    """``table=…/column=…/`` rendered, and the names in a value's locator: table and column
    names are the database's, masked by the driver where they hold personal data. A dump
    names the same tables and columns row after row, hence the cache."""
    return join([("table", table), ("column", column)]) + "/", (table, column, *key)


_CREATE_TABLE: Final = re.compile(
    r"^\s*CREATE\s+(?:UNLOGGED\s+|TEMPORARY\s+|TEMP\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?"
    r"(?P<name>(?:[`\"][^`\"]+[`\"]|[\w$]+)(?:\s*\.\s*(?:[`\"][^`\"]+[`\"]|[\w$]+))?)\s*\((?P<body>.*)\)",
    re.IGNORECASE | re.DOTALL,
)
_KEY_LIST: Final = re.compile(r"PRIMARY\s+KEY\s*(?:\w+\s*)?\((?P<columns>[^)]*)\)", re.IGNORECASE)
_NOT_COLUMNS: Final = ("constraint", "primary", "unique", "key", "index", "foreign", "check",
                       "fulltext", "spatial", "exclude", "like")  # fmt: skip


@dataclass(frozen=True, slots=True, kw_only=True)
class CreatedTable:
    """A ``CREATE TABLE`` statement, read: columns with their types, an inline primary key."""

    name: str
    columns: tuple[tuple[str, str], ...]
    key: tuple[str, ...]


def parse_create_table(statement: str) -> CreatedTable | None:
    """Read a ``CREATE TABLE`` statement; ``None`` when the statement is something else."""
    match = _CREATE_TABLE.match(statement)
    if match is None:
        return None
    columns: list[tuple[str, str]] = []
    key: tuple[str, ...] = ()
    for part in _split_top_level(match.group("body")):
        stripped = part.strip()
        lowered = stripped.lower()
        if lowered.startswith(_NOT_COLUMNS):
            found = _KEY_LIST.search(stripped)
            if found and lowered.startswith(("primary", "constraint")):
                key = key_columns(found.group("columns"))
            continue
        name_match = re.match(r'(`[^`]+`|"(?:[^"]|"")+"|[\w$]+)\s*(.*)', stripped, re.DOTALL)
        if name_match is None:
            continue
        column, rest = unquote_name(name_match.group(1)), name_match.group(2)
        columns.append((column, rest))
        if re.search(r"\bPRIMARY\s+KEY\b", rest, re.IGNORECASE):
            key = (column,)
    return CreatedTable(name=unquote_name(match.group("name")), columns=tuple(columns), key=key)


def key_columns(listed: str) -> tuple[str, ...]:
    """The columns of a ``PRIMARY KEY (a, b)`` list (``(`id`)`` → ``("id",)``)."""
    return tuple(unquote_name(c.strip().split("(")[0]) for c in listed.split(",") if c.strip())


def shape_of(table: CreatedTable, key: Sequence[str] = ()) -> TableShape:
    """The table's shape, keyed only by integer primary-key columns (see the package doc)."""
    types = dict(table.columns)
    chosen = tuple(key) or table.key
    integer = bool(chosen) and all(is_integer_type(types.get(c, "")) for c in chosen)
    return TableShape(
        name=table.name,
        columns=tuple(c for c, _ in table.columns),
        key=chosen if integer else (),
        binary=frozenset(c for c, kind in table.columns if is_binary_type(kind)),
    )


def _split_top_level(body: str) -> list[str]:
    """Split a column list on the commas outside parentheses and quotes."""
    parts, depth, quote, start = [], 0, "", 0
    for index, char in enumerate(body):
        if quote:
            if char == quote:
                quote = ""
        elif char in "'\"`":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(body[start:index])
            start = index + 1
    parts.append(body[start:])
    return parts


def sample_rng(table: str) -> random.Random:
    """The random source of one table's sample: seeded by the table's name, so the same dump
    gives the same sample on every scan and on every machine."""
    return random.Random(f"piiscan.sample:{table}")


@dataclass(slots=True)
class _Pending:
    """One table's rows while a dump streams past: how many, and the sample kept so far."""

    rows: int = 0
    kept: list[tuple[int, TableShape, tuple[str, ...], Sequence[SqlValue]]] = field(
        default_factory=list
    )
    rng: random.Random | None = None


class RowSampler:
    """Which rows of a streamed dump are read, and the row count each table ends with.

    Without ``limits.sample_rows`` every row is read. With ``N``, a table's first ``N // 2``
    rows are read as they come, and a seeded reservoir (:func:`sample_rng`) keeps a uniform
    sample of ``N - N // 2`` of the rest, read when the table ends: a spread through the
    whole table, the same on every scan. A row passed over is never parsed (a COPY line) or
    turned into segments. Memory holds at most the reservoir's rows.

    When a table ends (:meth:`finish`, or another table starts), a
    :class:`~piiscan.model.TableRows` note follows its rows.
    """

    def __init__(
        self, limits: Limits, *, rows: Mapping[str, int] | None = None, current: str | None = None
    ) -> None:
        """:param rows: for a range of a big dump that is read whole (no sample), the rows
        each table had before it (their names were yielded already), and ``current``
        the table whose rows came last (:mod:`piiscan.scan.range_cuts.dumps`)."""
        self.size = max(0, limits.sample_rows)
        self.head = self.size - self.size // 2 if self.size else 0
        if rows and self.size:
            raise ValueError("a sampled dump is read from its start")
        self._tables: dict[str, _Pending] = {
            name: _Pending(rows=count) for name, count in (rows or {}).items()
        }
        self._current: str | None = current

    def row(
        self,
        table: TableShape,
        columns: tuple[str, ...],
        values: Callable[[], Sequence[SqlValue]],
    ) -> Iterator[Segment]:
        """Offer the next row of ``table``; ``values`` parses it only when it is read."""
        if self._current != table.name:
            yield from self._switch(table.name)
        if table.name not in self._tables:
            yield from name_segments(table, columns)
        pending = self._tables.setdefault(table.name, _Pending())
        pending.rows += 1
        number = pending.rows
        if not self.size or number <= self.head:
            yield from row_segments(table, columns, number, values())
            return
        room = self.size - self.head
        if len(pending.kept) < room:
            pending.kept.append((number, table, columns, values()))
            return
        if pending.rng is None:
            pending.rng = sample_rng(table.name)
        slot = pending.rng.randrange(number - self.head)
        if slot < room:
            pending.kept[slot] = (number, table, columns, values())

    def _switch(self, name: str | None) -> Iterator[Segment]:
        previous, self._current = self._current, name
        if previous is not None and previous != name:
            yield from self._flush(previous)

    def _flush(self, name: str) -> Iterator[Segment]:
        pending = self._tables.get(name)
        if pending is None:
            return
        for number, table, columns, values in sorted(pending.kept, key=lambda row: row[0]):
            yield from row_segments(table, columns, number, values)
        sampled = bool(self.size) and pending.rows > self.size
        read = min(pending.rows, self.size) if sampled else pending.rows
        pending.kept = []
        yield TableRows.of(
            name,
            read,
            rows_total=pending.rows,
            sample_rows=self.size if sampled else None,
        )

    def finish(self) -> Iterator[Segment]:
        """End the dump: the last table's sampled rows and its note."""
        yield from self._switch(None)
