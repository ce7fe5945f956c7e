"""One task's rows, written by the process that ran it into a part named after the task.

When tasks run on other machines (Dask workers), their rows do not travel back to the scanner:
each task writes its own part of each table into the shared inventory
(``objects/<scan_id>/part-task-<name>.parquet``, and the same name under ``findings/`` and
``columns/``, see :mod:`piiscan.inventory.layout`) and returns only a :class:`TaskPart`, its
counts, to the scanner. The name is :func:`task_name` of what the task reads, so a task that
the scheduler runs again after its worker died writes the same name and replaces the part of
the first run instead of adding its rows twice.

Memory stays bounded whatever the object holds: rows are streamed into the files under
hidden temporary names (:func:`piiscan.inventory.layout.temporary_path`), findings sorted by
value key in batches of :data:`~piiscan.inventory.writer.DEFAULT_ROW_GROUP_ROWS`. When the task
ends the files are synced and renamed, findings and columns first and objects last: readers
count a findings part only once the objects part of that name is there, so a run killed
half-way leaves nothing a reader takes as whole. A task never renames a part into a scan that is
closed already (the scan was interrupted while it ran): its rows would not be in the scan's
counts. Nor, given its scanner's run, once that run's marker is gone
(:meth:`~piiscan.inventory.layout.Layout.run_file`): a task still running for a scanner that
was killed cannot add rows to the scan after it was resumed. Its temporary files carry the
run in their names, so that it never removes the files of the same task of a later run.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO, Final

import pyarrow as pa
import pyarrow.parquet as pq

from piiscan.errors import InventoryError
from piiscan.inventory.layout import Layout, temporary_path
from piiscan.inventory.schema import TableName, schema_for
from piiscan.inventory.writer import (
    DEFAULT_ROW_GROUP_ROWS,
    FINDINGS_ROW_GROUP_ROWS,
    check_value_keys,
    column_row,
    finding_row,
    object_row,
    row_place,
)
from piiscan.model import FindingChunk, ObjectRef, ObjectResult
from piiscan.scan.plan import ObjectHandle

__all__ = ["TaskPart", "TaskPartWriter", "remove_task_part", "task_name"]

# Renamed in this order: an objects part never names findings that are not on disk.
_TABLES: Final[tuple[TableName, ...]] = ("findings", "columns", "objects")
# Objects and column rows kept before a row group is written.
_SMALL_ROWS: Final = 10_000


def task_name(scan_id: str, handles: Sequence[ObjectHandle]) -> str:
    """The name of a task's part: a hash of the scan and of what the task reads (each
    object's root, path, member chain and range, in order), the same however often the task
    runs."""
    described = repr(
        (
            scan_id,
            [
                (h.root_index, h.ref.path, h.ref.members, h.open_path, h.span and h.span.start)
                for h in handles
            ],
        )
    )
    return hashlib.sha256(described.encode("utf-8", "surrogateescape")).hexdigest()[:24]


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskPart:
    """What a task that wrote its own part sends back to the scanner for each object it read:
    counts, no rows.

    :param name: the part's name (:func:`task_name`).
    :param ref: the object (for the progress line).
    :param objects: its rows in the objects part (the object and its members).
    :param findings: its rows in the findings part.
    :param errors: its objects whose status is an error.
    :param bytes: the size of the object (members not counted again).
    :param row: for a range of a big file (:mod:`piiscan.scan.ranges`), the range's partial
        row, without findings (they are in the part): the scanner merges the ranges' rows
        into the file's row. ``None`` otherwise.
    """

    name: str
    ref: ObjectRef
    objects: int
    findings: int
    errors: int
    bytes: int
    row: ObjectResult | None = None


class _Table:
    """One table's part, streamed into its temporary file."""

    def __init__(self, name: TableName, path: Path, key_fingerprint: str, run: str) -> None:
        self.name = name
        self.path = path
        self.temporary = temporary_path(path)
        if run:
            self.temporary = path.with_name(f".{path.name}.{run}.tmp")
        self.schema = schema_for(name, key_fingerprint=key_fingerprint)
        self.rows: dict[str, list[Any]] = {column: [] for column in self.schema.names}
        self.buffered = 0
        self.written = 0
        self._writer: pq.ParquetWriter | None = None
        self._handle: BinaryIO | None = None

    def append(self, row: dict[str, Any]) -> None:
        for column, values in self.rows.items():
            values.append(row[column])
        self.buffered += 1

    def flush(self) -> None:
        if self._writer is None:
            with contextlib.suppress(FileNotFoundError):
                self.temporary.unlink()  # left by a run of this task killed before its rename
            descriptor = os.open(self.temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            self._handle = os.fdopen(descriptor, "wb")
            self._writer = pq.ParquetWriter(self._handle, self.schema, compression="zstd")
        if not self.buffered:
            return
        table = pa.table(self.rows, schema=self.schema)
        for field in self.schema:
            if not field.nullable and table.column(field.name).null_count:
                raise InventoryError(f"{self.name}: missing value in column {field.name}")
        row_group = _SMALL_ROWS
        if self.name == "findings":
            # As the scanner's parts: sorted by value key in small row groups, so a lookup
            # reads only the groups whose key range can hold its keys.
            table = table.sort_by("value_key")
            row_group = FINDINGS_ROW_GROUP_ROWS
        self._writer.write_table(table, row_group_size=row_group)
        self.written += self.buffered
        self.buffered = 0
        for values in self.rows.values():
            values.clear()

    def finish(self) -> None:
        """Write what is left and close the temporary file, synced."""
        self.flush()
        writer, self._writer = self._writer, None
        handle, self._handle = self._handle, None
        if writer is None or handle is None:
            return
        with handle:
            writer.close()  # the file is the caller's to close, flushed and synced here
            handle.flush()
            os.fsync(handle.fileno())

    def discard(self) -> None:
        writer, self._writer = self._writer, None
        handle, self._handle = self._handle, None
        if writer is not None:
            with contextlib.suppress(Exception):
                writer.close()
        if handle is not None:
            with contextlib.suppress(OSError):
                handle.close()
        with contextlib.suppress(OSError):
            self.temporary.unlink()


class TaskPartWriter:
    """Writes one task's rows into its own part of each table of a scan.

    Use it as a context manager: leaving it normally renames the part into place (replacing
    the part of an earlier run of the same task); leaving it with an exception removes the
    temporary files.

    :param inventory: the inventory directory (shared by the scanner and every worker).
    :param scan_id: the scan, which must be open (its ``open`` row there).
    :param name: the part's name, :func:`task_name`.
    :param key_fingerprint: the fingerprint of the key behind the value keys.
    :param row_group_rows: findings kept in memory before they are written.
    :param run: the scanner's run (its marker must be there when the part is renamed into
        place); "" for none.
    :raises InventoryError: when the scan is not open in ``inventory`` (a worker that does not
        see the scanner's inventory, or a scan that ended).
    """

    def __init__(
        self,
        inventory: Path,
        *,
        scan_id: str,
        name: str,
        key_fingerprint: str,
        row_group_rows: int = DEFAULT_ROW_GROUP_ROWS,
        run: str = "",
    ) -> None:
        self.layout = Layout(Path(inventory))
        self.scan_id = scan_id
        self.name = name
        self.run = run
        if not self.layout.open_scan_file(scan_id).is_file():
            raise InventoryError(
                f"scan {scan_id} is not open in inventory {inventory} as this worker sees it: "
                "workers must write into the scanner's inventory (a shared mount)"
            )
        self._row_group_rows = row_group_rows
        for table in _TABLES:
            try:
                self.layout.part_folder(table, scan_id).mkdir(mode=0o700, exist_ok=True)
            except OSError as error:
                raise InventoryError(
                    f"cannot create the {table} folder of scan {scan_id}: {error.strerror}"
                ) from None
        self._tables = {
            table: _Table(
                table, self.layout.task_part_file(table, scan_id, name), key_fingerprint, run
            )
            for table in _TABLES
        }
        self.objects = 0
        self.findings = 0
        self.errors = 0

    def __enter__(self) -> TaskPartWriter:
        for table in self._tables.values():
            table.flush()  # create the temporary files now: a full disk fails the task early
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc is not None:
            for table in self._tables.values():
                table.discard()
            return
        self._commit()

    def add(self, value: FindingChunk | ObjectResult) -> None:
        """Add a chunk of findings sent ahead, or an object's row with its last findings."""
        check_value_keys(value.ref, value.findings)
        where = row_place(self.scan_id, value.ref)
        findings = self._tables["findings"]
        for record in value.findings:
            findings.append(finding_row(where, record))
        self.findings += len(value.findings)
        if isinstance(value, ObjectResult):
            self._tables["objects"].append(object_row(where, value))
            self.objects += 1
            self.errors += value.status.is_error
            for profile in value.columns:
                self._tables["columns"].append(column_row(where, profile))
        for table in self._tables.values():
            limit = self._row_group_rows if table.name == "findings" else _SMALL_ROWS
            if table.buffered >= limit:
                table.flush()

    def counts(self) -> tuple[int, int, int]:
        """Objects, findings and errors added so far."""
        return self.objects, self.findings, self.errors

    def summary(
        self,
        ref: ObjectRef,
        size: int | None,
        *,
        since: tuple[int, int, int] = (0, 0, 0),
        row: ObjectResult | None = None,
    ) -> TaskPart:
        """The counts of one object of the part: what was added after ``since``
        (:meth:`counts` before the object)."""
        objects, findings, errors = since
        return TaskPart(
            name=self.name,
            ref=ref,
            objects=self.objects - objects,
            findings=self.findings - findings,
            errors=self.errors - errors,
            bytes=size or 0,
            row=row,
        )

    def _commit(self) -> None:
        try:
            for table in self._tables.values():
                table.finish()
            if not self.layout.open_scan_file(self.scan_id).is_file():
                raise InventoryError(f"scan {self.scan_id} was closed while this task ran")
            if self.run and not self.layout.run_file(self.scan_id, self.run).is_file():
                raise InventoryError(
                    f"the scanner of scan {self.scan_id} stopped while this task ran"
                )
            for table in self._tables.values():
                os.replace(table.temporary, table.path)  # a rerun's part replaces the first's
        except BaseException:
            for table in self._tables.values():
                table.discard()
            raise
        if os.name == "posix":
            for table in self._tables.values():
                descriptor = os.open(table.path.parent, os.O_RDONLY)
                try:
                    os.fsync(descriptor)
                finally:
                    os.close(descriptor)


def remove_task_part(inventory: Path, scan_id: str, name: str, run: str = "") -> None:
    """Remove what a failed task may have left of its part (a findings file whose objects file
    never came is ignored by readers, but it is not kept either); ``run``: the scanner's run."""
    layout = Layout(Path(inventory))
    for table in _TABLES:
        path = layout.task_part_file(table, scan_id, name)
        ran = path.with_name(f".{path.name}.{run}.tmp") if run else temporary_path(path)
        for leftover in (path, temporary_path(path), ran):
            with contextlib.suppress(OSError):
                leftover.unlink()
