"""The SQL dump readers' fast paths agree with the slow ones they stand for.

- :func:`count_tuples` (the range pre-pass's row count) against :func:`parse_tuples` (the
  reader): the same count, or both raise :class:`ExtractionError`;
- :class:`Statements` (regular expressions over a line) against a character-by-character
  reading of the same rules.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from piiscan.errors import ExtractionError
from piiscan.extractors.dumps.sql import Dialect, Statements, count_tuples, parse_tuples

DIALECTS: tuple[Dialect, ...] = ("standard", "mysql")


def parsed_count(text: str, dialect: Dialect) -> int | None:
    """How many tuples the reader yields, or ``None`` when it refuses the list."""
    try:
        return sum(1 for _ in parse_tuples(text, dialect))
    except ExtractionError:
        return None


def counted(text: str, dialect: Dialect) -> int | None:
    try:
        return count_tuples(text, dialect)
    except ExtractionError:
        return None


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize(
    "text",
    [
        "(1,'a'),(2,NULL)",
        "(1,'O\\'Brien','a\\nb\\tc\\\\')",
        "(_binary 'x\\0y',0xABCD,X'01',b'101')",
        "(_BINARY 'x'), (_binary,1), (_binaryx)",
        '("dq",-4,3.5e2), (1e+5), (-), (+1)',
        "(1, 'it''s', E'a\\tb')",
        "('\\x0102'::bytea, 'x'::character varying(20))",
        "('C:\\temp'), ( ), (\n1\t,\r'x' ) ,\n(2) trailing",
        "('ab'')",
        "('ab'''), ('')",
        "(1,",
        "(_binary",
        "(1 2)",
        "1,2",
        "",
        "(1),",
        "(1),(2",
        "(1,'open' x)",
        "(e'x', x 'y', ı)",
    ],
)
def test_the_count_is_the_readers(text: str, dialect: Dialect) -> None:
    assert counted(text, dialect) == parsed_count(text, dialect)


# Pieces that make the value scanner take every branch: quotes doubled and escaped, prefixes
# it tries before a bare word, casts, signs, exponents, white space it does and does not skip.
_VALUE_PIECES = st.sampled_from(
    ["(", ")", ",", " ", "\n", "\f", "'", '"', "\\", "''", "_binary", "_BINARY", "_bınary",
     "e'", "X'", "b'", "::text", "::varchar(3)", "NULL", "1e+5", "-", "+", ".", "a", "Ö", "0x1F"]
)  # fmt: skip


@settings(max_examples=3000, deadline=None)
@given(st.lists(_VALUE_PIECES, max_size=24), st.sampled_from(DIALECTS))
def test_the_count_is_the_readers_on_any_list(pieces: list[str], dialect: Dialect) -> None:
    text = "".join(pieces)
    assert counted(text, dialect) == parsed_count(text, dialect)
    assert counted(f"(1),{text}", dialect) == parsed_count(f"(1),{text}", dialect)


def statement_ends(lines: list[str], dialect: Dialect) -> list[bool]:
    """Character by character: whether each line ends a statement (see ``Statements``)."""
    ends, quote = [], ""
    for line in lines:
        semicolon, at = -1, 0
        while at < len(line):
            char = line[at]
            if quote:
                if char == "\\" and dialect == "mysql":
                    at += 2
                    continue
                if char == quote:
                    if line[at + 1 : at + 2] == quote:
                        at += 2
                        continue
                    quote = ""
            elif char in "'\"`":
                quote, semicolon = char, -1
            elif char == ";":
                semicolon = at
            at += 1
        ends.append(not quote and semicolon >= 0 and not line[semicolon + 1 :].strip())
    return ends


_LINE_PIECES = st.sampled_from(["'", '"', "`", "\\", ";", "a", " ", "\t", "''", "\u2003", "Ö"])


@settings(max_examples=3000, deadline=None)
@given(
    st.lists(st.lists(_LINE_PIECES, max_size=12).map("".join), min_size=1, max_size=5),
    st.sampled_from(DIALECTS),
    st.booleans(),
)
def test_statements_end_where_the_character_reading_ends_them(
    bodies: list[str], dialect: Dialect, newlines: bool
) -> None:
    # A statement begins with a word (a line of white space alone, or a comment, begins none).
    lines = [f"x{body}\n" if newlines else f"x{body}" for body in bodies]
    statements = Statements(dialect)
    ended = [statements.feed(line) is not None for line in lines]
    assert ended == statement_ends(lines, dialect)


@pytest.mark.parametrize(
    ("lines", "dialect", "ended"),
    [
        (["INSERT INTO t VALUES ('a;');\n"], "mysql", [True]),
        (["INSERT INTO t VALUES ('a\\');\n", "');\n"], "mysql", [False, True]),
        (["INSERT INTO t VALUES ('a\\');\n"], "standard", [True]),
        (["INSERT INTO t VALUES ('it''s');  \n"], "standard", [True]),
        (["INSERT INTO `t;` VALUES (1) ; -- x\n"], "mysql", [False]),
        (["SELECT 'x' ;'\n", "y';\n"], "standard", [False, True]),
    ],
)  # fmt: skip
def test_statements_table(lines: list[str], dialect: Dialect, ended: list[bool]) -> None:
    statements = Statements(dialect)
    assert [statements.feed(line) is not None for line in lines] == ended
