"""Tests for the Parquet extractor."""

from __future__ import annotations

import io

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from piiscan.errors import ExtractionError
from piiscan.extractors.base import Blob, Limits
from piiscan.extractors.parquet import extract_parquet, scanned_columns


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
    assert [(s.text, s.locator, s.context) for s in extract_parquet(blob, Limits())] == [
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
    segments = list(extract_parquet(blob, Limits()))[1:]  # after the column's name
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
