"""Tests for the CSV/TSV extractor."""

from __future__ import annotations

import csv
import io

import pytest

from piiscan.errors import ExtractionError, PartialError, UnsupportedError
from piiscan.extractors.base import Blob, Limits
from piiscan.extractors.tabular import extract_delimited, guess_dialect, looks_like_header
from piiscan.model import Segment
from tests.extractors.conftest import drain

ROWS = [
    ["Namn", "Personnummer", "Ort", "Telefon"],
    ["Åsa Öberg", "850601-2387", "Göteborg", "070-174 06 05"],
    ["Bo Ek", "19850601-2387", "Skövde", ""],
]


def _csv(rows: list[list[str]], delimiter: str) -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


def _cells(data: bytes, name: str = "kunder.csv") -> list[tuple[str, str, tuple[str, ...]]]:
    segments = list(extract_delimited(Blob.from_bytes(name, data), Limits()))
    return [(s.text, s.locator, s.context) for s in segments]


EXPECTED_WITH_HEADER = [
    ("Namn", "row=1/column=Namn", ()),  # a header cell carries no context of its own
    ("Personnummer", "row=1/column=Personnummer", ()),
    ("Ort", "row=1/column=Ort", ()),
    ("Telefon", "row=1/column=Telefon", ()),
    ("Åsa Öberg", "row=2/column=Namn", ("Namn",)),
    ("850601-2387", "row=2/column=Personnummer", ("Personnummer",)),
    ("Göteborg", "row=2/column=Ort", ("Ort",)),
    ("070-174 06 05", "row=2/column=Telefon", ("Telefon",)),
    ("Bo Ek", "row=3/column=Namn", ("Namn",)),
    ("19850601-2387", "row=3/column=Personnummer", ("Personnummer",)),
    ("Skövde", "row=3/column=Ort", ("Ort",)),
]


@pytest.mark.parametrize(
    ("delimiter", "encoding"),
    [
        (";", "cp1252"),
        (";", "utf-8-sig"),
        (",", "utf-8"),
        ("\t", "utf-16"),
        ("|", "utf-8"),
        (";", "cp850"),
    ],
)
def test_delimiters_and_encodings(delimiter: str, encoding: str) -> None:
    data = _csv(ROWS, delimiter).encode(encoding)
    assert _cells(data) == EXPECTED_WITH_HEADER


def test_without_header_columns_are_numbered() -> None:
    data = _csv(ROWS[1:], ";").encode()
    assert _cells(data)[:4] == [
        ("Åsa Öberg", "row=1/column=1", ()),
        ("850601-2387", "row=1/column=2", ()),
        ("Göteborg", "row=1/column=3", ()),
        ("070-174 06 05", "row=1/column=4", ()),
    ]


def test_names_are_not_taken_for_a_header() -> None:
    data = b"Anna;Bo\nCarl;Dan\n"
    assert [loc for _, loc, _ in _cells(data)] == [
        "row=1/column=1",
        "row=1/column=2",
        "row=2/column=1",
        "row=2/column=2",
    ]


@pytest.mark.parametrize(
    ("rows", "header"),
    [
        ([["Namn", "Ort"], ["Åsa", "850601-2387"]], True),
        ([["Förnamn", "Efternamn"], ["Åsa", "Öberg"]], True),
        ([["Anna", "Bo"], ["Carl", "Dan"]], False),
        ([["850601-2387", "Namn"], ["x", "y"]], False),
        ([["a@exempel.se", "Namn"], ["x", "1"]], False),
        ([["Namn", ""], ["x", "1"]], False),
        ([["Namn", "Namn"], ["x", "1"]], False),
        ([["Namn", "Ort"]], False),
    ],
)
def test_looks_like_header(rows: list[list[str]], header: bool) -> None:
    assert looks_like_header(rows) is header


@pytest.mark.parametrize(
    ("sample", "delimiter"),
    [
        ("a;b;c\n1;2;3\n", ";"),
        ("a,b,c\n1,2,3\n", ","),
        ("a\tb\n1\t2\n", "\t"),
        ("a|b\n1|2\n", "|"),
        ("one column\nonly\n", ","),
        ("Namn;Ort\nÅsa;Borås, V\n", ";"),
    ],
)
def test_guess_dialect(sample: str, delimiter: str) -> None:
    assert guess_dialect(sample).delimiter == delimiter


def test_quoted_multiline_cells_and_extra_columns() -> None:
    data = 'Namn,Adress\n"Öberg, Åsa","Storgatan 1\n123 45 Göteborg",extra 1\n'.encode()
    assert _cells(data)[2:] == [
        ("Öberg, Åsa", "row=2/column=Namn", ("Namn",)),
        ("Storgatan 1\n123 45 Göteborg", "row=2/column=Adress", ("Adress",)),
        ("extra 1", "row=2/column=3", ()),
    ]


def test_large_file_streams_past_the_sniff_sample() -> None:
    rows = [["Namn", "Personnummer"]] + [[f"Person {n}", "850601-2387"] for n in range(20_000)]
    segments = list(extract_delimited(Blob.from_bytes("k.csv", _csv(rows, ";").encode()), Limits()))
    assert len(segments) == 2 + 40_000
    assert segments[-1] == Segment(
        text="850601-2387",
        locator="row=20001/column=Personnummer",
        context=("Personnummer",),
        names=("Personnummer",),  # a column name is masked in locators where it holds a finding
    )


def test_empty_file() -> None:
    assert _cells(b"") == []


def test_binary_is_unsupported() -> None:
    with pytest.raises(UnsupportedError):
        _cells(bytes(range(256)) * 4)


BIG = "Personnummer 19121212-1212 " * 8000  # over the csv module's 131,072-character limit


def _partial(data: bytes) -> tuple[list[tuple[str, str, tuple[str, ...]]], str]:
    """The cells read before :class:`PartialError`, and its reason."""
    segments, error = drain(extract_delimited(Blob.from_bytes("kunder.csv", data), Limits()))
    assert isinstance(error, PartialError)
    return [(s.text, s.locator, s.context) for s in segments], str(error)


@pytest.mark.parametrize(
    ("rows", "kept", "reason"),
    [
        (
            ["Namn;Personnummer", "Åsa;19850601-2387", f"Bo;{BIG}", "Per;19121212-1212"],
            ["Namn", "Personnummer", "Åsa", "19850601-2387", "Per", "19121212-1212"],
            "1 CSV record not read (row 3: field over 131072 characters)",
        ),
        (
            ["Namn;Personnummer", f'Bo;"{BIG}"', "Per;19121212-1212"],
            ["Namn", "Personnummer", "Per", "19121212-1212"],
            "1 CSV record not read (row 2: field over 131072 characters)",
        ),
        (
            [f"{BIG};x", "Åsa;19850601-2387", "Per;19121212-1212"],
            ["Åsa", "19850601-2387", "Per", "19121212-1212"],
            "1 CSV record not read (row 1: field over 131072 characters)",
        ),
        (
            ["Namn;Personnummer", *[f"x;{BIG}"] * 7, "Per;19121212-1212"],
            ["Namn", "Personnummer", "Per", "19121212-1212"],
            "7 CSV records not read (row 2: field over 131072 characters; "
            "row 3: field over 131072 characters; row 4: field over 131072 characters; "
            "row 5: field over 131072 characters; row 6: field over 131072 characters; "
            "2 more)",
        ),
    ],
    ids=["middle", "quoted", "first", "many"],
)
def test_a_bad_record_loses_only_itself(rows: list[str], kept: list[str], reason: str) -> None:
    cells, why = _partial("\n".join(rows).encode() + b"\n")
    assert [text for text, _, _ in cells] == kept
    assert why == reason
    assert "1212" not in why


def test_rows_after_a_bad_record_keep_their_numbers_and_columns() -> None:
    data = f"Namn;Personnummer\nÅsa;19850601-2387\nBo;{BIG}\nPer;19121212-1212\n".encode()
    cells, _ = _partial(data)
    assert cells[-1] == (
        "19121212-1212", "row=4/column=Personnummer", ("Personnummer",)
    )  # fmt: skip


def test_no_readable_record_is_an_extraction_error() -> None:
    data = b'"' + b"x" * 200_000 + b'",1\n'
    with pytest.raises(ExtractionError, match="malformed CSV, no record readable") as caught:
        _cells(data)
    assert not isinstance(caught.value, PartialError)


def test_a_giant_field_is_never_held_whole() -> None:
    """A 24 MB field costs the reader a few MB, not the field several times over; the
    records around it are read and keep their numbers."""
    import tracemalloc

    data = b"Namn;Personnummer\nAsa;19850601-2387\nBo;" + b"y" * (24 << 20)
    data += b"\nPer;19121212-1212\n"
    tracemalloc.start()
    try:
        cells, why = _partial(data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert cells[-1] == ("19121212-1212", "row=4/column=Personnummer", ("Personnummer",))
    assert why == "1 CSV record not read (row 3: field over 131072 characters)"
    assert peak < 12 << 20


@pytest.mark.parametrize(
    ("pieces", "lines"),
    [
        (["ab\ncd", "efgh\n", "ij"], ["ab\n", "cdefgh\n", "ij"]),
        (["ab\nc", "defghijk", "lm\nno\n"], ["ab\n", "cdefg\n", "no\n"]),  # cut, rest skipped
        (["abcdefgh", "ij", "k\nl"], ["abcde\n", "l"]),
    ],
)
def test_iter_lines_cuts_a_line_past_its_limit(pieces: list[str], lines: list[str]) -> None:
    from piiscan.extractors.text import iter_lines

    assert list(iter_lines(iter(pieces), max_chars=4)) == lines
