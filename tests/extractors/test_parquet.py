"""Tests for the Parquet extractor."""

from __future__ import annotations

import io

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from piiscan.errors import ExtractionError
from piiscan.extractors.base import Blob, Limits
from piiscan.extractors.parquet import extract_parquet, scanned_columns
from piiscan.model import Segment, TableRows


def _parquet(table: pa.Table, **options: object) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink, **options)  # type: ignore[arg-type]
    return sink.getvalue()


TABLE = pa.table(
    {
        "namn": ["Åsa Öberg", None, "Bo Ek"],
        "personnummer": pa.array([198506012387, None, 201212121212], pa.int64()),
        "ort": pa.array(["Göteborg", "Skövde", "  "]).dictionary_encode(),
        "belopp": [1.5, 2.0, 3.25],
        "aktiv": [True, False, True],
        "taggar": [["a"], [], ["b"]],
        "epost": pa.array(["asa@exempel.se", None, None], pa.large_string()),
    }
)


def test_scanned_columns() -> None:
    assert scanned_columns(TABLE.schema) == ["namn", "personnummer", "ort", "epost"]


def test_values_with_row_and_column() -> None:
    blob = Blob.from_bytes("k.parquet", _parquet(TABLE))
    assert [(s.text, s.locator, s.context) for s in _values(blob)] == [
        # Names are data: each column's name first.
        ("namn", "column=namn/name", ()),
        ("personnummer", "column=personnummer/name", ()),
        ("ort", "column=ort/name", ()),
        ("epost", "column=epost/name", ()),
        ("Åsa Öberg", "row=1/column=namn", ("namn",)),
        ("198506012387", "row=1/column=personnummer", ("personnummer",)),
        ("Göteborg", "row=1/column=ort", ("ort",)),
        ("asa@exempel.se", "row=1/column=epost", ("epost",)),
        ("Skövde", "row=2/column=ort", ("ort",)),
        ("Bo Ek", "row=3/column=namn", ("namn",)),
        ("201212121212", "row=3/column=personnummer", ("personnummer",)),
    ]


def test_row_numbers_run_across_batches_and_row_groups() -> None:
    rows = 40_000
    table = pa.table({"nr": [f"n{n}" for n in range(1, rows + 1)]})
    blob = Blob.from_bytes("big.parquet", _parquet(table, row_group_size=7_000))
    segments = _values(blob)[1:]  # after the column's name
    assert len(segments) == rows
    assert all(s.locator == f"row={s.text[1:]}/column=nr" for s in segments)


def test_no_text_columns() -> None:
    blob = Blob.from_bytes("f.parquet", _parquet(pa.table({"x": [1.0, 2.0]})))
    assert list(extract_parquet(blob, Limits())) == []


@pytest.mark.parametrize(
    "data",
    [b"PAR1 not really parquet PAR1", _parquet(TABLE)[:-100]],
    ids=["garbage", "truncated"],
)
def test_malformed(data: bytes) -> None:
    with pytest.raises(ExtractionError, match="malformed Parquet"):
        list(extract_parquet(Blob.from_bytes("bad.parquet", data), Limits()))


def _values(blob: Blob, limits: Limits | None = None) -> list[Segment]:
    """The value segments, without the file's TableRows note."""
    items = extract_parquet(blob, limits or Limits())
    return [item for item in items if not isinstance(item, TableRows)]


def test_the_file_ends_with_its_row_count() -> None:
    items = list(extract_parquet(Blob.from_bytes("k.parquet", _parquet(TABLE)), Limits()))
    assert items[-1] == TableRows.of("", 3, rows_total=3)


def test_a_sample_is_the_first_rows_and_a_repeatable_spread_by_row_group() -> None:
    rows = 40_000
    table = pa.table({"nr": [f"n{n}" for n in range(1, rows + 1)]})
    blob = Blob.from_bytes("big.parquet", _parquet(table, row_group_size=7_000))
    limits = Limits(sample_rows=100)
    items = list(extract_parquet(blob, limits))
    assert items[-1] == TableRows.of("", 100, rows_total=rows, sample_rows=100)
    values = [s for s in items[:-1] if s.text[1:].isdigit()]  # not the column's name
    numbers = [int(s.text[1:]) for s in values]
    assert numbers[:50] == list(range(1, 51))
    spread = numbers[50:]
    assert len(spread) == 50
    assert spread == sorted(set(spread))
    assert spread[0] > 50
    assert spread[-1] > rows // 2  # through the whole file, not just after the head
    assert all(s.locator == f"row={s.text[1:]}/column=nr" for s in values)
    assert [s.text for s in _values(blob, limits)] == [s.text for s in items[:-1]]  # seeded


def test_a_table_smaller_than_the_sample_is_read_whole() -> None:
    items = list(
        extract_parquet(Blob.from_bytes("k.parquet", _parquet(TABLE)), Limits(sample_rows=5))
    )
    assert items[-1] == TableRows.of("", 3, rows_total=3)
