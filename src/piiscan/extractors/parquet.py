"""Parquet files, streamed in record batches.

Only top-level text and integer columns are read (a personnummer is often stored as an
``int64``); string, large string, string view and dictionary-encoded string columns count as
text. Every non-null, non-blank value is a segment with locator ``row=N/column=Name``
(``N`` 1-based across the whole file) and ``context=(column name,)``; each scanned column's
name is a segment too, located ``column=Name/name``, and is masked in every locator where it
holds a finding. Nested, binary, floating-point, decimal and temporal columns are skipped.

.. versionadded:: 0.1
"""

from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa
import pyarrow.parquet as pq

from piiscan.errors import ExtractionError, TooLargeError
from piiscan.extractors.base import Blob, Limits
from piiscan.locator import join
from piiscan.model import Segment

__all__ = ["extract_parquet", "scanned_columns"]

BATCH_ROWS = 16_384


def _wanted(data_type: pa.DataType) -> bool:
    if pa.types.is_dictionary(data_type):
        return _wanted(data_type.value_type)
    return bool(
        pa.types.is_string(data_type)
        or pa.types.is_large_string(data_type)
        or pa.types.is_string_view(data_type)
        or pa.types.is_integer(data_type)
    )


def scanned_columns(schema: pa.Schema) -> list[str]:
    """The names of the columns :func:`extract_parquet` reads, in schema order."""
    return [schema_field.name for schema_field in schema if _wanted(schema_field.type)]


def extract_parquet(blob: Blob, limits: Limits) -> Iterator[Segment]:
    """Yield the text and integer values of a Parquet file.

    :raises ExtractionError: the file is not readable Parquet.
    :raises TooLargeError: after ``limits.max_text_chars`` characters.
    """
    total = 0
    with blob.opener() as stream:
        try:
            parquet = pq.ParquetFile(stream)
            columns = scanned_columns(parquet.schema_arrow)
            if not columns:
                return
            row = 0
            # Column names are the writer's choice: escaped once, masked by the driver.
            steps = {name: join([("column", name)]) for name in columns}
            for name in columns:  # names are data: a column name is scanned too
                if name.strip():
                    yield Segment(text=name, locator=f"{steps[name]}/name", names=(name,))
            for batch in parquet.iter_batches(batch_size=BATCH_ROWS, columns=columns):
                values = [batch.column(name).to_pylist() for name in columns]
                for offset in range(batch.num_rows):
                    for name, column in zip(columns, values, strict=True):
                        value = column[offset]
                        if value is None:
                            continue
                        text = value if isinstance(value, str) else str(value)
                        if not text.strip():
                            continue
                        total += len(text)
                        if total > limits.max_text_chars:
                            raise TooLargeError(f"text exceeds {limits.max_text_chars} characters")
                        yield Segment(
                            text=text,
                            locator=f"row={row + offset + 1}/{steps[name]}",
                            context=(name,),
                            names=(name,),
                        )
                row += batch.num_rows
        except (pa.ArrowException, OSError) as error:
            raise ExtractionError("malformed Parquet") from error
