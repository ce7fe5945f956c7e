"""Column profiles counted from segments: where a cell is, rows, header rows, notes."""

from __future__ import annotations

import pytest

from piiscan.model import ColumnProfile, Finding, Segment, TableRows
from piiscan.scan.columns import ColumnCounter, cell_of


@pytest.mark.parametrize(
    ("segment", "cell"),
    [
        (Segment(text="x", locator="table=public.kunder/column=pnr/row=id:4711"),
         ("public.kunder", "pnr", "id:4711")),
        (Segment(text="x", locator="table=a%2Fb/column=c%3Dd/row=3"), ("a/b", "c=d", "3")),
        (Segment(text="x", locator="table=t/column=c/row=a%2Fb"), ("t", "c", "a/b")),
        (Segment(text="x", locator="table=t/row=1/column=c/row=2"), ("t", "c", "2")),
        (Segment(text="x", locator="table=t/column=c/row=1%zz"), None),  # bad escape
        (Segment(text="x", locator="row=17/column=Personnummer"), ("", "Personnummer", "17")),
        (Segment(text="x", locator="sheet=Kunder!B3", context=("Namn",)), ("Kunder", "Namn", "3")),
        (Segment(text="x", locator="sheet=Kunder!AB12"), ("Kunder", "AB", "12")),
        (Segment(text="x", locator="sheet=Kunder/cell=B3", context=("Namn",)),
         ("Kunder", "Namn", "3")),
        (Segment(text="x", locator="sheet=Kunder/name"), None),  # the sheet's own name
        (Segment(text="x", locator="column=pnr/name"), None),  # a Parquet column's name
        (Segment(text="x", locator="page=2"), None),
        (Segment(text="x", locator="message=<a@b>/part=1"), None),
        (Segment(text="x", locator="sheet=100%!B3"), None),  # not a locator (bad escape)
        (Segment(text="x", locator="$.kunder[3].personnummer"), None),
    ],
    ids=["dump", "escaped", "escaped-row", "two-rows", "bad-row-escape", "csv", "sheet-header",
         "sheet-letter", "sheet-cell", "sheet-name",
         "column-name", "page", "mail",
         "bad-escape", "json"],
)  # fmt: skip
def test_cell_of(segment: Segment, cell: tuple[str, str, str] | None) -> None:
    assert cell_of(segment) == cell


def _found(*types: str) -> list[Finding]:
    return [Finding(entity_type=t, start=0, end=1, score=0.9, masked="*", recognizer="r")
            for t in types]  # fmt: skip


def test_rows_matches_and_a_header_row() -> None:
    counter = ColumnCounter()
    cells = [
        ("row=1/column=Namn", (), ()),  # the header row: no context
        ("row=1/column=Personnummer", (), ()),
        ("row=2/column=Namn", ("Namn",), ("PERSON",)),
        ("row=2/column=Personnummer", ("Personnummer",), ("SE_PERSONNUMMER",)),
        ("row=3/column=Personnummer", ("Personnummer",), ("SE_PERSONNUMMER",)),
        ("row=4/column=Namn", ("Namn",), ("PERSON", "PERSON")),  # two names, one row
        ("row=5/column=Personnummer", ("Personnummer",), ("SE_SAMORDNINGSNUMMER",)),
    ]
    for locator, context, types in cells:
        counter.add(Segment(text="v", locator=locator, context=context), _found(*types))
    assert counter.profiles() == (
        ColumnProfile(table="", column="Namn", entity_type="PERSON", rows_scanned=4,
                      rows_matched=2),
        ColumnProfile(table="", column="Personnummer", entity_type="SE_PERSONNUMMER",
                      rows_scanned=4, rows_matched=2),
        ColumnProfile(table="", column="Personnummer", entity_type="SE_SAMORDNINGSNUMMER",
                      rows_scanned=4, rows_matched=1),
    )  # fmt: skip
    assert counter.profiles()[0].share_matched == 0.5


def test_a_note_gives_the_rows_read_and_the_sample() -> None:
    counter = ColumnCounter()
    for row in (1, 2):
        segment = Segment(text="v", locator=f"table=t/column=pnr/row=id:{row}", context=("pnr",))
        counter.add(segment, _found("SE_PERSONNUMMER"))
    assert counter.note(TableRows.of("t", 100, rows_total=5000, sample_rows=100))
    assert not counter.note(Segment(text="", locator="table=t"))
    (profile,) = counter.profiles()
    assert (profile.rows_scanned, profile.rows_matched, profile.rows_total) == (100, 2, 5000)
    assert profile.sampled
    assert profile.sample_rows == 100


def test_text_that_is_not_a_table_counts_nothing() -> None:
    counter = ColumnCounter()
    counter.add(Segment(text="v", locator="page=1"), _found("PERSON"))
    counter.add(Segment(text="v", locator=""), _found("PERSON"))
    assert counter.profiles() == ()
