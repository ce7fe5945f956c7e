"""Write one scan into an inventory directory as it goes, one whole file at a time.

A writer opens the scan when it is made: it writes the scan's ``open`` row
(``scans/open/<scan_id>.parquet``, status ``open``). Rows are kept in memory and written as a
*part* (``findings/<scan_id>/part-000001.parquet``, then ``objects/<scan_id>/part-000001.parquet``)
every ``part_objects`` objects, every ``row_group_rows`` findings, and at the first object after
``part_seconds``. A big object's findings may come ahead of its row
(:meth:`InventoryWriter.add_findings`), so memory stays bounded by ``row_group_rows`` findings
whatever one file holds; the object's row, with its count of findings, comes last and may land
in a later part. :meth:`InventoryWriter.close` writes the last part and the closed row
(``scans/<scan_id>.parquet``), then removes the ``open`` row. Every file is written under a hidden
temporary name, synced and renamed (see :mod:`piiscan.inventory.layout`).

So whatever ends the process (``kill -9``, the out-of-memory killer, a power cut), every part
written before stays readable; readers see such a scan only when asked for scans that are not
closed (:class:`~piiscan.inventory.Inventory` ``include_open=True``), and earlier scans are
never touched.

The inventory holds paths and value keys, so it is private by default: directories the writer
creates are ``0700`` and the files it writes ``0600`` (the umask can only narrow that). An
inventory directory that already exists and that group or others may enter or list is used as
it is, with a warning logged on ``piiscan.inventory.writer`` (the command line prints it on
stderr): a shared inventory may be deliberate, but it should never be an accident.

When the body of the ``with`` block raises, ``KeyboardInterrupt`` included, the writer still
closes the scan, with status ``interrupted``, and lets the exception go on: what was scanned
before the interruption is a valid inventory.

Example::

    with InventoryWriter(directory, scan_id=new_scan_id(), roots=["/srv/share"],
                         config_hash=config_hash, recognizers=["se.personnummer@1"],
                         key_fingerprint=keyer.fingerprint,
                         piiscan_version=piiscan.__version__) as writer:
        for result in results:
            writer.add(result)
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import operator
import os
import queue
import re
import secrets
import stat
import threading
import time
from collections.abc import Callable, Collection, Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Final

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from piiscan.errors import InventoryError
from piiscan.inventory.layout import META_REPLACES, Layout, temporary_path
from piiscan.inventory.resume import ResumedScan, ScanLock, file_keys, prepare_resume, read_part
from piiscan.inventory.schema import (
    META_KEY_FINGERPRINT,
    OPEN_STATUS,
    SCAN_ID_PATTERN,
    SCAN_STATUSES,
    TABLES,
    ScanStatus,
    TableName,
    schema_for,
)
from piiscan.model import (
    ColumnProfile,
    FindingChunk,
    FindingRecord,
    ObjectRef,
    ObjectResult,
    Status,
)

__all__ = [
    "DEFAULT_PART_OBJECTS",
    "DEFAULT_PART_SECONDS",
    "DEFAULT_ROW_GROUP_ROWS",
    "InventoryWriter",
    "check_inventory_key",
    "check_value_keys",
    "column_row",
    "existing_fingerprints",
    "finding_row",
    "new_scan_id",
    "object_row",
    "row_place",
    "warn_if_exposed",
]

log = logging.getLogger(__name__)

#: Findings buffered before a part is written (also the row group size within a part).
DEFAULT_ROW_GROUP_ROWS: Final = 50_000
#: Rows per row group of a findings part. Parts are sorted by value key, so each row group
#: covers a narrow range of keys, and a lookup skips the groups whose range misses its keys.
FINDINGS_ROW_GROUP_ROWS: Final = 4096
#: Objects after which a part is written.
DEFAULT_PART_OBJECTS: Final = 10_000
#: Seconds after which the next object writes a part.
DEFAULT_PART_SECONDS: Final = 60.0
#: A compacted part holds task parts of up to this many ``objects`` rows ...
COMPACT_OBJECTS: Final = DEFAULT_PART_OBJECTS
#: ... and up to this many task parts (their names are in its footer).
COMPACT_TASKS: Final = 1000
# Threads that read and remove task parts while they are compacted.
_COMPACT_THREADS: Final = 8

_VALUE_KEY = re.compile(r"[0-9a-f]{64}")
_FINGERPRINT = re.compile(r"[0-9a-f]{8,64}")


_O_BINARY = getattr(os, "O_BINARY", 0)
_OTHERS = stat.S_IRWXG | stat.S_IRWXO


def warn_if_exposed(directory: Path) -> bool:
    """Log a warning when an existing inventory directory is open to group or others.

    :param directory: the inventory directory; a missing one is not exposed (the writer
        creates it ``0700``).
    :returns: whether a warning was logged. Always false where mode bits do not describe
        access (Windows).
    """
    if os.name != "posix":
        return False
    try:
        mode = os.stat(directory).st_mode
    except OSError:
        return False
    if not stat.S_ISDIR(mode) or not mode & _OTHERS:
        return False
    log.warning(
        "inventory directory %s is open to group or others (mode %04o); it holds paths and "
        "value keys: run chmod 700 %s unless sharing it is intended",
        directory,
        stat.S_IMODE(mode),
        directory,
    )
    return True


def new_scan_id(now: datetime | None = None) -> str:
    """A new scan id that sorts by start time: ``20261121T215930Z-3f2a``.

    :param now: the start time; the current time when ``None``. Converted to UTC.
    """
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return f"{moment:%Y%m%dT%H%M%SZ}-{secrets.token_hex(2)}"


def existing_fingerprints(directory: Path) -> set[str]:
    """The key fingerprints recorded in the scans of an inventory directory, open ones too.

    Every scan has a ``scans`` file (closed or open) carrying its key fingerprint; files of
    scans written before parts existed are read too.

    :param directory: the inventory directory; a missing one has none.
    :raises InventoryError: if a file's metadata cannot be read.
    """
    layout = Layout(directory)
    paths = [*layout.closed_scan_files(), *layout.open_scan_files()]
    for table in ("objects", "findings"):
        folder = directory / table
        if folder.is_dir():
            paths += sorted(p for p in folder.glob("*.parquet") if not p.name.startswith("."))
    found: set[str] = set()
    for path in paths:
        try:
            metadata = pq.read_schema(path).metadata or {}
        except (OSError, pa.ArrowException) as error:
            raise InventoryError(f"cannot read inventory file {path}: {error}") from None
        fingerprint = metadata.get(META_KEY_FINGERPRINT)
        if fingerprint is not None:
            found.add(fingerprint.decode("ascii", "replace"))
    return found


def check_inventory_key(directory: Path, key_fingerprint: str) -> None:
    """Refuse a key other than the one the inventory's earlier scans were made with.

    Call it before anything is created (a new key file, the inventory directories), so that a
    refused scan leaves nothing behind; :class:`InventoryWriter` calls it again.

    :raises InventoryError: if a finished scan in ``directory`` has another key fingerprint.
    """
    others = existing_fingerprints(directory) - {key_fingerprint}
    if others:
        raise InventoryError(
            f"inventory {directory} was made with a different key (fingerprint "
            f"{', '.join(sorted(others))}, this key is {key_fingerprint}). Value keys made "
            "with different keys never match, so one inventory must use one key: pass the "
            "original key file (--key-file or PIISCAN_KEY_FILE) or use a new inventory "
            "directory."
        )


def check_value_keys(ref: ObjectRef, records: Iterable[FindingRecord]) -> None:
    """Refuse a finding whose value key is not an HMAC hex digest (a guard against a raw value
    ending up in the inventory).

    :raises InventoryError: naming the object's path, never the value.
    """
    for record in records:
        if not _VALUE_KEY.fullmatch(record.value_key):
            raise InventoryError(
                f"refusing a finding in {ref.path} whose value_key is not an HMAC-SHA256 hex digest"
            )


def row_place(scan_id: str, ref: ObjectRef) -> dict[str, Any]:
    """The columns every row of an object starts with."""
    return {"scan_id": scan_id, "root": ref.root, "path": ref.path, "member": ref.member}


def object_row(where: dict[str, Any], result: ObjectResult) -> dict[str, Any]:
    """The ``objects`` row of ``result`` (``where`` from :func:`row_place`)."""
    return {
        **where,
        "size": result.size,
        "mtime": None if result.mtime is None else round(result.mtime * 1_000_000),
        "content_hash": result.content_hash,
        "media_type": result.media_type,
        "status": str(result.status),
        "reason": result.reason,
        "findings": result.finding_count,
        "known_values": result.known_values,
        "duration_ms": round(result.duration * 1000.0, 1),
        "read_at": datetime.now(UTC),
        "carried_from": "",
    }


def finding_row(where: dict[str, Any], record: FindingRecord) -> dict[str, Any]:
    """The ``findings`` row of ``record``."""
    return {
        **where,
        "locator": record.locator,
        "entity_type": record.entity_type,
        "value_key": record.value_key,
        "masked": record.masked,
        "start": record.start,
        "end": record.end,
        "score": record.score,
        "recognizer": record.recognizer,
        "context": record.context,
        "flags": list(record.flags),
    }


def column_row(where: dict[str, Any], profile: ColumnProfile) -> dict[str, Any]:
    """The ``columns`` row of ``profile``."""
    return {
        **where,
        "table": profile.table,
        "column": profile.column,
        "entity_type": profile.entity_type,
        "rows_scanned": profile.rows_scanned,
        "rows_matched": profile.rows_matched,
        "share_matched": profile.share_matched,
        "sampled": profile.sampled,
        "sample_rows": profile.sample_rows,
        "rows_total": profile.rows_total,
    }


def _write_whole(
    table: pa.Table, path: Path, *, row_group_rows: int, replace: bool = False
) -> None:
    """Write ``table`` to ``path`` under a temporary name, sync it, and rename it into place.

    :param replace: an existing ``path`` is replaced (atomically) rather than refused.
    :raises InventoryError: if ``path`` exists already (another writer) or cannot be written.
    """
    temporary = temporary_path(path)
    if replace:  # written again: what an interrupted first try left goes
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_BINARY, 0o600)
        handle = os.fdopen(descriptor, "wb")
    except FileExistsError:
        raise InventoryError(
            f"{temporary} exists: another writer is writing this scan, or an earlier one "
            "crashed (then delete the file)"
        ) from None
    except OSError as error:
        raise InventoryError(f"cannot write {temporary}: {_describe(error)}") from None
    try:
        with handle:
            pq.write_table(table, handle, compression="zstd", row_group_size=row_group_rows)
            handle.flush()
            os.fsync(handle.fileno())
        if path.exists() and not replace:
            raise InventoryError(f"{path} exists already")
        os.replace(temporary, path)
    except BaseException as error:
        with contextlib.suppress(OSError):
            temporary.unlink()
        if isinstance(error, (OSError, pa.ArrowException)):
            raise InventoryError(f"cannot write {path}: {_describe(error)}") from None
        raise


class _Rows:
    """One table's rows not yet written, as columns."""

    def __init__(self, schema: pa.Schema) -> None:
        self.schema = schema
        self.columns: dict[str, list[Any]] = {column: [] for column in schema.names}
        self.count = 0

    def append(self, row: dict[str, Any]) -> None:
        for column, values in self.columns.items():
            values.append(row[column])
        self.count += 1

    def take(self, name: str) -> pa.Table:
        """The buffered rows as a table (checked against the schema); the buffer empties."""
        table = pa.table(self.columns, schema=self.schema)
        for field in self.schema:
            if not field.nullable and table.column(field.name).null_count:
                raise InventoryError(f"{name}: missing value in column {field.name}")
        for values in self.columns.values():
            values.clear()
        self.count = 0
        return table


class InventoryWriter:
    """Writes one scan: its ``open`` row at once, parts as it goes, its closed row at the end.

    Use it as a context manager; see the module docstring for what happens on the way out.

    :param directory: the inventory directory; created when missing.
    :param scan_id: the new scan's id (see :func:`new_scan_id`); letters, digits, ``.``, ``_``
        and ``-`` only.
    :param roots: the roots as the user named them.
    :param config_hash: hash of the effective configuration.
    :param recognizers: ``id@version`` of each recognizer that runs.
    :param key_fingerprint: :attr:`piiscan.keys.Keyer.fingerprint` of the key behind the value
        keys of the findings that will be added.
    :param piiscan_version: the version of piiscan writing the scan.
    :param row_group_rows: findings kept in memory before a part is written, and rows per
        Parquet row group (memory use grows with it).
    :param part_objects: objects after which a part is written.
    :param part_seconds: seconds after which the next object added writes a part.
    :param resume: continue scan ``scan_id``, which is in the inventory unclosed (killed, or
        closed as ``interrupted``), instead of starting a new one: the rows of files it did not
        finish are dropped from its parts (:func:`piiscan.inventory.resume.prepare_resume`),
        its counts and start time are kept, and new parts are numbered after its last one.
        :attr:`finished` then names the files it finished.
    :param unfinished_reasons: with ``resume``, the reasons of ``error`` rows that mean "the
        scan stopped while the object was read": such files count as not finished.
    :raises InventoryError: if the directory cannot be created or read, the scan id is invalid
        or already in the inventory (unless resumed), another process writes the scan, or
        the inventory was made with a different key.
    """

    def __init__(
        self,
        directory: Path,
        *,
        scan_id: str,
        roots: Iterable[str],
        config_hash: str,
        recognizers: Iterable[str],
        key_fingerprint: str,
        piiscan_version: str,
        row_group_rows: int = DEFAULT_ROW_GROUP_ROWS,
        part_objects: int = DEFAULT_PART_OBJECTS,
        part_seconds: float = DEFAULT_PART_SECONDS,
        resume: bool = False,
        unfinished_reasons: Collection[str] = (),
    ) -> None:
        if not SCAN_ID_PATTERN.fullmatch(scan_id):
            raise InventoryError(
                f"invalid scan id {scan_id!r}: use letters, digits, '.', '_' and '-' only"
            )
        if not _FINGERPRINT.fullmatch(key_fingerprint):
            raise InventoryError("invalid key fingerprint: expected lower-case hex digits")
        if row_group_rows < 1 or part_objects < 1:
            raise ValueError("row_group_rows and part_objects must be at least 1")
        self.directory = Path(directory)
        self.layout = Layout(self.directory)
        self.scan_id = scan_id
        self.started = datetime.now(UTC)
        self._scan_row: dict[str, Any] = {
            "scan_id": scan_id,
            "roots": list(roots),
            "config_hash": config_hash,
            "piiscan_version": piiscan_version,
            "recognizers": list(recognizers),
            "key_fingerprint": key_fingerprint,
        }
        self._row_group_rows = row_group_rows
        self._part_objects = part_objects
        self._part_seconds = part_seconds
        self._schemas = {name: schema_for(name, key_fingerprint=key_fingerprint) for name in TABLES}
        self._rows = {
            name: _Rows(self._schemas[name]) for name in ("objects", "findings", "columns")
        }
        self._objects = 0
        self._findings = 0
        self._errors = 0
        self._parts = 0
        self._last_part = time.monotonic()
        self._closed = False
        self._failed = False  # a part could not be written: the scan stays open
        # Task parts compacted by this writer, and those waiting for their group to fill.
        self._compacted: set[str] = set()
        self._pending = _Pending()
        # Guards the part numbers and the compacted names: groups are compacted in a thread
        # of their own (:class:`_Background`, started with the first full group) while this
        # one goes on writing parts of its own.
        self._guard = threading.Lock()
        self._background: _Background | None = None
        self.finished: frozenset[tuple[str, str]] = frozenset()
        self._check_directory(key_fingerprint, resume=resume)
        self._lock = ScanLock.acquire(self.layout, scan_id)
        try:
            if resume:
                self._resume(prepare_resume(self.layout, scan_id, unfinished_reasons))
            self._write_scan_row(
                self.layout.open_scan_file(scan_id), OPEN_STATUS, self.started, replace=resume
            )
            if resume:
                # The open row is there first: a reader sees the scan, open, all along.
                with contextlib.suppress(FileNotFoundError):
                    self.layout.scan_file(scan_id).unlink()
        except BaseException:
            self._lock.release()
            raise

    def _resume(self, state: ResumedScan) -> None:
        self.started = state.started
        self.finished = state.finished
        self._objects, self._findings, self._errors = state.objects, state.findings, state.errors
        self._parts = state.parts

    def _check_directory(self, key_fingerprint: str, *, resume: bool) -> None:
        warn_if_exposed(self.directory)
        try:
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            for folder in (*(self.layout.table_folder(name) for name in TABLES),
                           self.layout.open_scan_file(self.scan_id).parent):  # fmt: skip
                folder.mkdir(mode=0o700, exist_ok=True)
        except OSError as error:
            raise InventoryError(
                f"cannot create inventory directory {self.directory}: {error.strerror}"
            ) from None
        if self.layout.has_scan(self.scan_id) and not resume:
            raise InventoryError(f"scan {self.scan_id} is already in {self.directory}")
        check_inventory_key(self.directory, key_fingerprint)

    def __enter__(self) -> InventoryWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._closed or (exc is not None and self._failed):
            if not self._closed:
                self._closed = True
                self._stop_background()
            self._lock.release(remove=False)
            return  # closed already, or failed writing: the error on its way says so
        if exc is None:
            self.close("complete")
        else:
            self.close("interrupted")

    @property
    def objects(self) -> int:
        """Objects added so far."""
        return self._objects

    @property
    def findings(self) -> int:
        """Findings added so far."""
        return self._findings

    @property
    def errors(self) -> int:
        """Objects added so far whose status is an error."""
        return self._errors

    @property
    def parts(self) -> int:
        """The number of the last part written so far (or being written by the compaction
        in the background)."""
        return self._parts

    def add(self, result: ObjectResult) -> None:
        """Add one object and its findings; write a part when one is due.

        :param result: the outcome of scanning one object.
        :raises InventoryError: if the writer is closed, a value key is not 64 lower-case hex
            digits (a guard against a raw value ending up in the inventory), or the rows
            cannot be written.
        """
        if self._closed:
            raise InventoryError("the inventory writer is closed")
        check_value_keys(result.ref, result.findings)
        where = row_place(self.scan_id, result.ref)
        self._rows["objects"].append(object_row(where, result))
        self._objects += 1
        self._findings += len(result.findings)
        if result.status.is_error:
            self._errors += 1
        self._append_findings(where, result.findings)
        for profile in result.columns:
            self._rows["columns"].append(column_row(where, profile))
        self._maybe_write_part()

    def add_findings(self, chunk: FindingChunk) -> None:
        """Add findings of an object still being read, ahead of its row.

        The object's row comes later through :meth:`add`, counting these findings in its
        ``streamed``; a part may then hold findings whose object row is in a later part
        (never the other way round). A scan closed by :meth:`close` has a row for every
        finding; an open scan (the scanner was killed) may hold findings of the object it was
        reading, whose row never came.

        :raises InventoryError: as :meth:`add`.
        """
        if self._closed:
            raise InventoryError("the inventory writer is closed")
        check_value_keys(chunk.ref, chunk.findings)
        where = row_place(self.scan_id, chunk.ref)
        self._findings += len(chunk.findings)
        self._append_findings(where, chunk.findings)
        self._maybe_write_part()

    def _append_findings(self, where: dict[str, Any], records: Iterable[FindingRecord]) -> None:
        # Column by column (the rows finding_row makes, without a dict per finding: a dump
        # has tens of thousands of findings a MB).
        records = records if isinstance(records, (tuple, list)) else list(records)
        if not records:
            return
        findings = self._rows["findings"]
        count = len(records)
        for column, values in findings.columns.items():
            if column in where:
                values.extend(itertools.repeat(where[column], count))
            else:  # the record's field of the column's name (flags as tuples: Arrow takes them)
                values.extend(map(operator.attrgetter(column), records))
        findings.count += count

    def note_task_part(self, *, objects: int, findings: int, errors: int, task: str = "") -> None:
        """Count rows a task wrote into a part of its own (a Dask worker writes its task's
        part into the shared inventory, :mod:`piiscan.scan.task_parts`), so the closed
        ``scans`` row counts every row of every part.

        :param task: the part's name: the part is whole and counted, and is compacted while
            the scan runs, with others, once they fill a group (see
            :meth:`compact_task_parts`), so that closing compacts only the last ones. ""
            leaves the part to :meth:`close`.
        :raises InventoryError: if the writer is closed.
        """
        if self._closed:
            raise InventoryError("the inventory writer is closed")
        self._objects += objects
        self._findings += findings
        self._errors += errors
        if task:
            self._compact_when_full(task, objects, findings)

    def _maybe_write_part(self) -> None:
        if (
            self._rows["objects"].count >= self._part_objects
            or self._rows["findings"].count >= self._row_group_rows
            or time.monotonic() - self._last_part >= self._part_seconds
        ):
            self.write_part()

    def write_part(self) -> None:
        """Write the rows added since the last part as the next part (nothing if none).

        :raises InventoryError: if the part cannot be written.
        """
        if self._closed:
            raise InventoryError("the inventory writer is closed")
        self._write_part()

    def _write_part(self) -> None:
        if not self._rows["objects"].count and not self._rows["findings"].count:
            return
        try:
            tables = {name: self._rows[name].take(name) for name in _PART_TABLES}
        except BaseException:
            self._failed = True
            raise
        self._write_tables(tables)

    def _write_tables(self, tables: dict[str, pa.Table]) -> None:
        """Write ``tables`` as the next part; a part that cannot be written leaves the scan
        open (the rows taken for it are gone: closing would claim rows not on disk)."""
        number = self._next_number()
        try:
            self._write_numbered_part(tables, number)
        except KeyboardInterrupt:
            # Ctrl-C or a stopping signal (raised once) while the part was written: its rows
            # are still here, so the part is finished before the interruption goes on, and the
            # scan then closes as interrupted with them instead of staying open.
            try:
                self._write_numbered_part(tables, number, again=True)
            except BaseException:
                self._failed = True
                raise
            raise
        except BaseException:
            self._failed = True
            raise
        self._last_part = time.monotonic()

    def _next_number(self) -> int:
        """Take the next part number (this thread's parts and the compaction's alike; a
        number whose part was never written leaves a gap, which readers and a resume pass
        over)."""
        with self._guard:
            self._parts += 1
            return self._parts

    def _write_numbered_part(
        self, tables: dict[str, pa.Table], number: int, *, again: bool = False
    ) -> None:
        # Findings first: an objects part never names findings that are not on disk.
        for name in _PART_TABLES:
            table = tables[name]
            row_group_rows = self._row_group_rows
            if name == "findings":
                # Sorted by value key, in small row groups: a subject lookup then reads only
                # the row groups whose key range (Parquet statistics) can hold its keys.
                table = table.sort_by("value_key")
                row_group_rows = min(row_group_rows, FINDINGS_ROW_GROUP_ROWS)
            path = self.layout.part_file(name, self.scan_id, number)
            try:
                path.parent.mkdir(mode=0o700, exist_ok=True)
            except OSError as error:
                raise InventoryError(f"cannot create {path.parent}: {_describe(error)}") from None
            _write_whole(table, path, row_group_rows=row_group_rows, replace=again)
        log.debug("part %d of scan %s written: %d objects so far", number, self.scan_id,
                  self._objects)  # fmt: skip
        _sync_directories([self.layout.part_folder(name, self.scan_id) for name in _PART_TABLES])

    def carry(self, source: str, files: Collection[tuple[str, str]]) -> int:
        """Copy the rows of ``files`` from scan ``source`` into this scan, without reading them.

        An incremental rescan carries the objects whose size and mtime have not changed: their
        ``objects`` rows (members included), findings and column profiles are copied from the
        earlier scan's parts, one part at a time (memory stays bounded by a part), into new
        parts of this scan. Carried ``objects`` rows keep their ``read_at`` (the earlier scan's
        start when it had none) and say in ``carried_from`` which scan read them.

        :param source: a complete scan of the same roots, key and settings.
        :param files: ``(root, path)`` of the files to carry.
        :returns: the ``objects`` rows carried (files and members).
        :raises InventoryError: if the writer is closed or a file cannot be read or written.
        """
        if self._closed:
            raise InventoryError("the inventory writer is closed")
        if not files:
            return 0
        self.write_part()  # what was added so far goes first, in its own part
        wanted = pa.array(sorted(f"{root}\0{path}" for root, path in files), type=pa.string())
        started = self._source_started(source)
        carried = 0
        for objects_path in self._source_parts(source):
            tables: dict[str, pa.Table] = {}
            for name in ("findings", "columns", "objects"):
                path = objects_path if name == "objects" else _sibling(objects_path, name)
                table = read_part(name, path) if path is not None and path.is_file() else None
                if table is None:
                    tables[name] = self._schemas[name].empty_table()
                    continue
                table = table.filter(pc.is_in(file_keys(table), value_set=wanted))
                tables[name] = self._as_carried(name, table, source, started)
            rows = tables["objects"].num_rows
            if rows == 0 and tables["findings"].num_rows == 0:
                continue
            self._write_tables(tables)
            log.debug("carried %s of scan %s", objects_path.name, source)
            carried += rows
            self._objects += rows
            self._findings += tables["findings"].num_rows
            statuses = tables["objects"]["status"].to_pylist()
            self._errors += sum(status in _ERROR_STATUSES for status in statuses)
        return carried

    def compact_task_parts(self) -> int:
        """Rewrite the scan's task parts (one per Dask task, :mod:`piiscan.scan.task_parts`)
        into few numbered parts, so that a scan of many small files is not thousands of tiny
        files to read. :meth:`close` does it for the parts left; those counted with their
        name (:meth:`note_task_part`) are compacted as the scan goes, a group each time one
        is full, in a thread of their own, so that closing a scan of millions of tasks does
        not take hours and the scan does not pause for it.

        Task parts are taken in name order and grouped up to :data:`COMPACT_OBJECTS` objects
        rows, ``row_group_rows`` findings and :data:`COMPACT_TASKS` parts (memory stays
        bounded by a group); a task part that alone reaches the findings bound stays as it is.
        Each group is written as the next part, findings first and ``objects`` last, the
        ``objects`` file naming the task parts it holds (:data:`~piiscan.inventory.layout.
        META_REPLACES`); only then are the task parts removed, ``objects`` files first. Killed
        at any point, the scan holds every row once: readers pass over task parts a compacted
        part names, and a resume removes them. A task part whose rows a compacted part holds
        already (its task ran again after the part was compacted: the same name) is removed,
        never compacted twice.

        A compaction running in the background is waited for first.

        :returns: the task parts compacted.
        :raises InventoryError: if the writer is closed, a compaction in the background failed
            (:meth:`wait_for_compaction`), or a part cannot be read or written (the task parts
            not compacted yet stay, as valid as before).
        """
        if self._closed:
            raise InventoryError("the inventory writer is closed")
        self.wait_for_compaction()
        return self._compact()

    def wait_for_compaction(self) -> None:
        """Wait until the groups of task parts handed to the background compaction are done
        (at once when there are none).

        :raises InventoryError: if the compaction failed other than by a file it could not
            read or write (those leave the task parts for :meth:`close`, with a warning): a
            defect, which stops the compactions of this writer. The task parts stay as they
            are; :meth:`close` then closes the scan as ``interrupted``, every row kept.
        """
        if self._background is not None:
            self._background.wait()
        self._raise_if_broken()

    def _raise_if_broken(self) -> None:
        background = self._background
        if background is not None and background.error is not None:
            raise InventoryError(
                f"scan {self.scan_id}: compacting task parts failed "
                f"({type(background.error).__name__}); the task parts are kept as they are"
            )

    def _compact_when_full(self, task: str, rows: int, findings: int) -> None:
        """Add a counted task part to the group being filled; hand the group to the
        background compaction first when the part would overflow it (the same bounds as
        :meth:`compact_task_parts`).

        The scan's thread only hands the group over (a list of names): the compaction (up to
        :data:`COMPACT_TASKS` small files read, three written) runs in a thread of its own,
        one group at a time, so the scanner goes on feeding tasks and collecting results.
        When the group before is still being compacted, this one waits its turn; only when a
        third fills meanwhile does the scanner wait. A group that cannot be compacted is left
        as task parts, which are valid, for :meth:`close` to try again.

        :raises InventoryError: if an earlier compaction failed (see
            :meth:`wait_for_compaction`).
        """
        self._raise_if_broken()
        with self._guard:
            again = task in self._compacted
        if again or findings >= self._row_group_rows:
            return  # compacted already (a task run again); or big: it stays as it is
        pending = self._pending
        if pending.tasks and (
            pending.rows + rows > COMPACT_OBJECTS
            or pending.findings + findings > self._row_group_rows
            or len(pending.tasks) >= COMPACT_TASKS
        ):
            tasks, self._pending = pending.tasks, _Pending()
            if self._background is None:
                self._background = _Background(self._compact_in_background, self.scan_id)
            self._background.submit(tasks)
        self._pending.add(task, rows, findings)

    def _compact_in_background(self, tasks: list[str]) -> None:
        """Compact one group, in the background thread."""
        try:
            self._compact_group(tasks)
        except (InventoryError, OSError, pa.ArrowException) as error:
            # The scan goes on: its task parts are valid as they are.
            log.warning("scan %s: task parts left for the close (%s)", self.scan_id,
                        _describe(error) if not isinstance(error, InventoryError)
                        else error)  # fmt: skip

    def _compact(self) -> int:
        self._pending = _Pending()
        objects = self.layout.task_parts("objects", self.scan_id)
        # A task part whose rows a compacted part holds already: a task run again after its
        # part was compacted (its worker died before the result reached the scanner), or a
        # compaction stopped before it removed the parts. Readers pass over it; it goes.
        # This writer knows them all without reading the compacted parts' footers (2 ms a
        # part, seconds at thousands of parts): those of a run before a resume were removed
        # when it resumed, and a task of this run that has the name of one compacted then
        # (a range of a file that run did not finish, read again) holds rows it needs.
        with self._guard:
            done = set(self._compacted)
        again = sorted(done.intersection(objects))
        if again:
            _remove_task_parts(self.layout, self.scan_id, again)
            objects = {task: path for task, path in objects.items() if task not in done}
        groups: list[list[str]] = []
        group: list[str] = []
        rows = findings = 0
        try:
            for task in sorted(objects):
                path = self.layout.task_part_file("findings", self.scan_id, task)
                task_rows = pq.read_metadata(objects[task]).num_rows
                task_findings = pq.read_metadata(path).num_rows if path.is_file() else 0
                if task_findings >= self._row_group_rows:
                    continue  # big already: nothing gained by writing it again
                if group and (
                    rows + task_rows > COMPACT_OBJECTS
                    or findings + task_findings > self._row_group_rows
                    or len(group) >= COMPACT_TASKS
                ):
                    groups.append(group)
                    group, rows, findings = [], 0, 0
                group.append(task)
                rows += task_rows
                findings += task_findings
        except (OSError, pa.ArrowException) as error:
            raise InventoryError(f"cannot read a task part: {_describe(error)}") from None
        if group:
            groups.append(group)
        compacted = 0
        for tasks in groups:
            self._compact_group(tasks)
            compacted += len(tasks)
        if compacted:
            log.debug("scan %s: %d task parts compacted into %d parts", self.scan_id, compacted,
                      len(groups))  # fmt: skip
        return compacted

    def _compact_group(self, tasks: list[str]) -> None:
        # Threads: reading and removing many small files waits on the file system (a shared
        # mount most of all), not on the CPU, and pyarrow reads without the GIL.
        with ThreadPoolExecutor(max_workers=_COMPACT_THREADS) as pool:
            tables: dict[str, pa.Table] = {}
            for name in _PART_TABLES:
                paths = [self.layout.task_part_file(name, self.scan_id, task) for task in tasks]
                read = [
                    table.cast(self._schemas[name])
                    for table in pool.map(lambda path, n=name: read_part(n, path), paths)
                    if table is not None
                ]
                tables[name] = pa.concat_tables(read) if read else self._schemas[name].empty_table()
            objects = tables["objects"]
            replaces = ",".join(tasks).encode("ascii")
            metadata = {**(objects.schema.metadata or {}), META_REPLACES: replaces}
            tables["objects"] = objects.replace_schema_metadata(metadata)
            number = self._next_number()
            try:
                self._write_numbered_part(tables, number)
            except BaseException:
                if self.layout.part_file("objects", self.scan_id, number).is_file():
                    # Stopped after the part was whole (Ctrl-C): it holds the tasks' rows,
                    # and the tasks count as compacted.
                    with self._guard:
                        self._compacted.update(tasks)
                else:
                    for side in _REMOVAL_ORDER[1:]:  # renamed before the write failed
                        with contextlib.suppress(OSError):
                            self.layout.part_file(side, self.scan_id, number).unlink()
                raise
            with self._guard:
                self._compacted.update(tasks)
            _remove_task_parts(self.layout, self.scan_id, tasks, pool)
        _sync_directories([self.layout.part_folder(name, self.scan_id) for name in _PART_TABLES])

    def _compact_quietly(self) -> Exception | None:
        """Compact at close; a compaction that fails leaves the task parts, which are valid.

        :returns: the error of a compaction that failed other than by its files (a defect),
            which closes the scan as interrupted; ``None`` otherwise.
        """
        if not self.layout.task_parts("objects", self.scan_id):
            return None
        try:
            self._compact()
        except InventoryError as error:
            log.warning("scan %s: task parts left as they are (%s)", self.scan_id, error)
        except Exception as error:  # no traceback in the log: it could quote a part's rows
            return error
        self._remove_leftovers()
        return None

    def _remove_leftovers(self) -> None:
        for name in _PART_TABLES:  # what workers that died while writing left
            folder = self.layout.part_folder(name, self.scan_id)
            for leftover in folder.glob(".part-task-*.tmp") if folder.is_dir() else ():
                with contextlib.suppress(OSError):
                    leftover.unlink()

    def _source_parts(self, source: str) -> list[Path]:
        """The ``objects`` files of scan ``source``: legacy, numbered, and tasks' (Dask)."""
        return self.layout.parts("objects", source)

    def _source_started(self, source: str) -> datetime:
        table = read_part("scans", self.layout.scan_file(source))
        if table is None or table.num_rows != 1:
            raise InventoryError(f"no complete scan {source} in {self.directory}")
        started: datetime = table["started"][0].as_py()
        return started

    def _as_carried(
        self, name: TableName, table: pa.Table, source: str, started: datetime
    ) -> pa.Table:
        """Rows of scan ``source`` as rows of this scan."""
        ids = pa.array([self.scan_id] * table.num_rows, type=pa.string())
        table = table.set_column(table.schema.get_field_index("scan_id"), "scan_id", ids)
        if name == "objects":
            earlier = table["carried_from"]
            carried_from = pc.if_else(pc.equal(earlier, ""), source, earlier)
            read_at = pc.fill_null(table["read_at"], pa.scalar(started, type=table["read_at"].type))
            table = table.set_column(table.schema.get_field_index("carried_from"), "carried_from",
                                     carried_from)  # fmt: skip
            table = table.set_column(table.schema.get_field_index("read_at"), "read_at", read_at)
        return table.cast(self._schemas[name])

    def _write_scan_row(
        self, path: Path, status: str, finished: datetime, *, replace: bool = False
    ) -> None:
        rows = _Rows(self._schemas["scans"])
        rows.append(
            {
                **self._scan_row,
                "started": self.started,
                "finished": finished,
                "objects": self._objects,
                "findings": self._findings,
                "errors": self._errors,
                "status": status,
            }
        )
        _write_whole(rows.take("scans"), path, row_group_rows=self._row_group_rows,
                     replace=replace)  # fmt: skip
        _sync_directories([path.parent])

    def close(self, status: ScanStatus = "complete") -> None:
        """Finish the scan: wait for the compaction running in the background, write the last
        part, compact the task parts left, and write the closed ``scans`` row.

        Closing twice is an error. When a part could not be written (now or earlier), the scan
        stays open (its earlier parts remain readable as an open scan) and an error is raised.
        When a compaction in the background failed (:meth:`wait_for_compaction`), the scan is
        closed as ``interrupted`` with every row (the task parts left as they are; a resume
        finishes it) and an error is raised.

        :param status: ``complete``, or ``interrupted`` when the scan stopped early.
        :raises InventoryError: if the writer is already closed, the files cannot be
            written, or a compaction failed.
        """
        if status not in SCAN_STATUSES:
            raise ValueError(f"status must be one of {', '.join(SCAN_STATUSES)}")
        if self._closed:
            raise InventoryError("the inventory writer is already closed")
        self._closed = True
        # Before the lock can go: no compaction may run once another process may take the
        # scan. (Interrupted while waiting, the lock stays with this process until it ends.)
        self._stop_background()
        if self._failed:
            self._lock.release(remove=False)
            raise InventoryError(
                f"scan {self.scan_id} could not be written in full; it stays open with the "
                "parts written before the failure"
            )
        broken = self._background.error if self._background is not None else None
        try:
            self._write_part()
            if broken is None:
                broken = self._compact_quietly()
            if broken is not None:
                status = "interrupted"
                self._remove_leftovers()
            self._write_scan_row(self.layout.scan_file(self.scan_id), status, datetime.now(UTC))
            with contextlib.suppress(FileNotFoundError):
                self.layout.open_scan_file(self.scan_id).unlink()
        finally:
            self._lock.release(remove=not self._failed)
        log.info(
            "scan %s closed as %s: %d objects, %d findings, %d errors",
            self.scan_id, status, self._objects, self._findings, self._errors,
        )  # fmt: skip
        if broken is not None:
            raise InventoryError(
                f"scan {self.scan_id}: compacting task parts failed ({type(broken).__name__}); "
                "the scan is closed as interrupted with every row, its task parts as they are "
                "(resuming it compacts them)"
            )

    def _stop_background(self) -> None:
        """Let the compaction in the background finish the groups handed to it, then end its
        thread."""
        if self._background is not None:
            self._background.stop()


# The tables of a part, in the order they are renamed into place.
_PART_TABLES: Final = ("findings", "columns", "objects")
# The order task parts are removed in once compacted: a reader passes over the findings and
# columns of a task part whose objects file is gone.
_REMOVAL_ORDER: Final[tuple[TableName, ...]] = ("objects", "findings", "columns")


def _remove(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def _remove_task_parts(
    layout: Layout, scan_id: str, tasks: Iterable[str], pool: ThreadPoolExecutor | None = None
) -> None:
    """Remove the files of task parts a compacted part holds, ``objects`` files first."""
    tasks = list(tasks)
    for table in _REMOVAL_ORDER:  # objects first, as readers need
        paths = [layout.task_part_file(table, scan_id, task) for task in tasks]
        if pool is None:
            for path in paths:
                _remove(path)
        else:
            list(pool.map(_remove, paths))


class _Background:
    """The thread that compacts full groups of task parts while the scan goes on.

    One group at a time; one more group may wait its turn (:meth:`submit` blocks while one
    waits already), so memory stays bounded by the group being compacted. A group's work
    either succeeds, or leaves the task parts as they are (valid): an error other than the
    files' own (those ``work`` logs itself) is kept in :attr:`error`, and the groups after it
    are not compacted.

    The thread is a daemon: a process that ends without closing the scan stops it wherever it
    is, as a kill would, which leaves every row once (see
    :meth:`InventoryWriter.compact_task_parts`).
    """

    def __init__(self, work: Callable[[list[str]], None], scan_id: str) -> None:
        self._work = work
        self._groups: queue.Queue[list[str] | None] = queue.Queue(maxsize=1)
        self.error: BaseException | None = None
        self._thread = threading.Thread(
            target=self._run, name=f"piiscan-compact-{scan_id}", daemon=True
        )
        self._thread.start()

    def submit(self, tasks: list[str]) -> None:
        """Hand a full group over; waits while another group waits already."""
        self._groups.put(tasks)

    def wait(self) -> None:
        """Wait until every group handed over is done."""
        self._groups.join()

    def stop(self) -> None:
        """Finish the groups handed over, then end the thread (once)."""
        if self._thread.is_alive():
            self._groups.put(None)
            self._thread.join()

    def _run(self) -> None:
        while True:
            tasks = self._groups.get()
            try:
                if tasks is None:
                    return
                if self.error is None:
                    self._work(tasks)
            except BaseException as error:  # a defect: kept for the scanner to raise
                # No traceback in the log: it could quote what a part holds.
                self.error = error
            finally:
                self._groups.task_done()


class _Pending:
    """Counted task parts waiting for their group to fill (compacted while the scan runs)."""

    def __init__(self) -> None:
        self.tasks: list[str] = []
        self.rows = 0
        self.findings = 0

    def add(self, task: str, rows: int, findings: int) -> None:
        self.tasks.append(task)
        self.rows += rows
        self.findings += findings


def _sibling(objects_part: Path, table: str) -> Path | None:
    """The part of ``table`` with the number (or scan) of an ``objects`` part."""
    if objects_part.parent.name == "objects":  # a legacy file per scan
        return objects_part.parent.parent / table / objects_part.name
    return objects_part.parent.parent.parent / table / objects_part.parent.name / objects_part.name


_ERROR_STATUSES: Final = frozenset(str(status) for status in Status if status.is_error)

_ERRNO = re.compile(r"\[Errno (\d+)\]")


def _describe(error: BaseException) -> str:
    """Say what went wrong without quoting data: pyarrow messages can quote a cell value.

    The operating system's cause ("No space left on device", "Permission denied") is kept
    when there is one: from the error itself, from an error it was raised from or while
    handling, or from an ``[Errno N]`` that pyarrow copied into its message.
    """
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, OSError) and current.strerror:
            return current.strerror
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    match = _ERRNO.search(str(error))
    if match is not None:
        return os.strerror(int(match.group(1)))
    return type(error).__name__


def _sync_directories(folders: Iterable[Path]) -> None:
    """Make the renames durable where the platform allows syncing a directory."""
    if os.name != "posix":
        return
    for folder in folders:
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
