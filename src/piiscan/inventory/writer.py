"""Write one scan into an inventory directory, atomically per file.

While a scan runs, its rows go to hidden temporary files in the inventory directory
(``.objects-<scan_id>.parquet.tmp`` and ``.findings-<scan_id>.parquet.tmp``), a row group at a
time. :meth:`InventoryWriter.close` writes the ``scans`` row, syncs the files to disk and
renames them to ``findings/<scan_id>.parquet``, ``objects/<scan_id>.parquet`` and, last,
``scans/<scan_id>.parquet``. Readers only see scans that have a ``scans`` file, so a crash at
any point never leaves something that looks like a whole scan but is not.

The inventory holds paths and value keys, so it is private by default: directories the writer
creates are ``0700`` and the files it writes ``0600`` (the umask can only narrow that). An
inventory directory that already exists and that group or others may enter or list is used as
it is, with a warning logged on ``piiscan.inventory.writer`` (the command line prints it on
stderr): a shared inventory may be deliberate, but it should never be an accident.

When the body of the ``with`` block raises, ``KeyboardInterrupt`` included, the writer still
finishes the files, with the scan's status ``interrupted``, and lets the exception go on: what
was scanned before the interruption is a valid inventory.

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
import logging
import os
import re
import secrets
import stat
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Final

import pyarrow as pa
import pyarrow.parquet as pq

from piiscan.errors import InventoryError
from piiscan.inventory.schema import (
    META_KEY_FINGERPRINT,
    SCAN_ID_PATTERN,
    SCAN_STATUSES,
    TABLES,
    ScanStatus,
    TableName,
    schema_for,
)
from piiscan.model import ObjectResult

__all__ = [
    "DEFAULT_ROW_GROUP_ROWS",
    "InventoryWriter",
    "check_inventory_key",
    "existing_fingerprints",
    "new_scan_id",
    "warn_if_exposed",
]

log = logging.getLogger(__name__)

#: Rows buffered per table before a row group is written.
DEFAULT_ROW_GROUP_ROWS: Final = 50_000

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
    """The key fingerprints recorded in the finished files of an inventory directory.

    :param directory: the inventory directory; a missing one has none.
    :raises InventoryError: if a file's metadata cannot be read.
    """
    found: set[str] = set()
    for table in TABLES:
        folder = directory / table
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.parquet")):
            if path.name.startswith("."):
                continue
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


class _TableFile:
    """One table's temporary Parquet file, its column buffers and its row count."""

    def __init__(self, directory: Path, name: TableName, scan_id: str, schema: pa.Schema) -> None:
        self.name = name
        self.schema = schema
        self.temporary = directory / f".{name}-{scan_id}.parquet.tmp"
        self.final = directory / name / f"{scan_id}.parquet"
        self.columns: dict[str, list[Any]] = {column: [] for column in schema.names}
        self.buffered = 0
        self.rows = 0
        self._handle: IO[bytes] | None = None
        self._writer: pq.ParquetWriter | None = None

    def append(self, row: dict[str, Any]) -> None:
        for column, values in self.columns.items():
            values.append(row[column])
        self.buffered += 1
        self.rows += 1

    def flush(self) -> None:
        """Write the buffered rows as one row group (opening the file on first use)."""
        if self._writer is None:
            try:
                descriptor = os.open(
                    self.temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_BINARY, 0o600
                )
                self._handle = os.fdopen(descriptor, "wb")  # closed in finish()
            except FileExistsError:
                raise InventoryError(
                    f"{self.temporary} exists: another writer is writing this scan, or an "
                    "earlier one crashed (then delete the file)"
                ) from None
            self._writer = pq.ParquetWriter(self._handle, self.schema, compression="zstd")
        if not self.buffered:
            return
        table = pa.table(self.columns, schema=self.schema)
        for field in self.schema:
            if not field.nullable and table.column(field.name).null_count:
                raise InventoryError(f"{self.name}: missing value in column {field.name}")
        self._writer.write_table(table)
        log.debug("%s: row group of %d rows written", self.name, self.buffered)
        for values in self.columns.values():
            values.clear()
        self.buffered = 0

    def finish(self) -> None:
        """Write what is left, close the file and sync it to disk."""
        self.flush()
        writer, handle = self._writer, self._handle
        if writer is None or handle is None:  # flush() opened both
            raise InventoryError(f"{self.temporary} was never opened")
        writer.close()
        handle.flush()
        os.fsync(handle.fileno())
        handle.close()

    def discard(self) -> None:
        """Close and delete the temporary file after a failure; never raises.

        A file this writer did not create (another writer's) is left alone.
        """
        if self._handle is None:
            return
        with contextlib.suppress(Exception):
            if self._writer is not None:
                self._writer.close()
        with contextlib.suppress(Exception):
            self._handle.close()
        with contextlib.suppress(OSError):
            self.temporary.unlink()


class InventoryWriter:
    """Writes the ``scans``, ``objects`` and ``findings`` files of one scan.

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
    :param row_group_rows: rows per Parquet row group (memory use grows with it).
    :raises InventoryError: if the directory cannot be created or read, the scan id is invalid
        or already in the inventory, or the inventory was made with a different key.
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
    ) -> None:
        if not SCAN_ID_PATTERN.fullmatch(scan_id):
            raise InventoryError(
                f"invalid scan id {scan_id!r}: use letters, digits, '.', '_' and '-' only"
            )
        if not _FINGERPRINT.fullmatch(key_fingerprint):
            raise InventoryError("invalid key fingerprint: expected lower-case hex digits")
        if row_group_rows < 1:
            raise ValueError("row_group_rows must be at least 1")
        self.directory = Path(directory)
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
        self._errors = 0
        self._closed = False
        self._check_directory(key_fingerprint)
        self._tables = {
            name: _TableFile(
                self.directory, name, scan_id, schema_for(name, key_fingerprint=key_fingerprint)
            )
            for name in TABLES
        }

    def _check_directory(self, key_fingerprint: str) -> None:
        warn_if_exposed(self.directory)
        try:
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            for name in TABLES:
                (self.directory / name).mkdir(mode=0o700, exist_ok=True)
        except OSError as error:
            raise InventoryError(
                f"cannot create inventory directory {self.directory}: {error.strerror}"
            ) from None
        check_inventory_key(self.directory, key_fingerprint)
        for name in TABLES:
            if (self.directory / name / f"{self.scan_id}.parquet").exists():
                raise InventoryError(f"scan {self.scan_id} is already in {self.directory}")

    def __enter__(self) -> InventoryWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._closed:
            return
        if exc is None:
            self.close("complete")
        else:
            self.close("interrupted")

    @property
    def objects(self) -> int:
        """Objects added so far."""
        return self._tables["objects"].rows

    @property
    def findings(self) -> int:
        """Findings added so far."""
        return self._tables["findings"].rows

    def add(self, result: ObjectResult) -> None:
        """Add one object and its findings.

        :param result: the outcome of scanning one object.
        :raises InventoryError: if the writer is closed, a value key is not 64 lower-case hex
            digits (a guard against a raw value ending up in the inventory), or the rows
            cannot be written.
        """
        if self._closed:
            raise InventoryError("the inventory writer is closed")
        for record in result.findings:
            if not _VALUE_KEY.fullmatch(record.value_key):
                raise InventoryError(
                    f"refusing a finding in {result.ref.path} whose value_key is not an "
                    "HMAC-SHA256 hex digest"
                )
        ref = result.ref
        where = {"scan_id": self.scan_id, "root": ref.root, "path": ref.path, "member": ref.member}
        objects = self._tables["objects"]
        objects.append(
            {
                **where,
                "size": result.size,
                "mtime": None if result.mtime is None else round(result.mtime * 1_000_000),
                "content_hash": result.content_hash,
                "media_type": result.media_type,
                "status": str(result.status),
                "reason": result.reason,
                "findings": len(result.findings),
                "duration_ms": round(result.duration * 1000.0, 1),
            }
        )
        if result.status.is_error:
            self._errors += 1
        findings = self._tables["findings"]
        for record in result.findings:
            findings.append(
                {
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
            )
        for table in (objects, findings):
            if table.buffered >= self._row_group_rows:
                self._flush(table)

    def _flush(self, table: _TableFile) -> None:
        try:
            table.flush()
        except (OSError, pa.ArrowException) as error:
            raise InventoryError(f"cannot write {table.temporary}: {_describe(error)}") from None

    def close(self, status: ScanStatus = "complete") -> None:
        """Finish the scan: write its ``scans`` row and move the three files into place.

        Closing twice is an error; after a failure the temporary files are removed.

        :param status: ``complete``, or ``interrupted`` when the scan stopped early.
        :raises InventoryError: if the writer is already closed or the files cannot be
            written or renamed.
        """
        if status not in SCAN_STATUSES:
            raise ValueError(f"status must be one of {', '.join(SCAN_STATUSES)}")
        if self._closed:
            raise InventoryError("the inventory writer is already closed")
        self._closed = True
        scans = self._tables["scans"]
        scans.append(
            {
                **self._scan_row,
                "started": self.started,
                "finished": datetime.now(UTC),
                "objects": self.objects,
                "findings": self.findings,
                "errors": self._errors,
                "status": status,
            }
        )
        try:
            for table in self._tables.values():
                table.finish()
            for table in self._tables.values():  # in TABLES order: scans last
                if table.final.exists():
                    raise InventoryError(f"scan {self.scan_id} is already in {self.directory}")
                os.replace(table.temporary, table.final)
            _sync_directories(self.directory)
            log.info(
                "scan %s closed as %s: %d objects, %d findings, %d errors",
                self.scan_id, status, self.objects, self.findings, self._errors,
            )  # fmt: skip
        except InventoryError:
            self._discard()
            raise
        except (OSError, pa.ArrowException) as error:
            self._discard()
            raise InventoryError(
                f"cannot finish scan {self.scan_id} in {self.directory}: {_describe(error)}"
            ) from None
        except BaseException:
            self._discard()
            raise

    def _discard(self) -> None:
        for table in self._tables.values():
            table.discard()


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


def _sync_directories(directory: Path) -> None:
    """Make the renames durable where the platform allows syncing a directory."""
    if os.name != "posix":
        return
    for folder in (directory, *(directory / name for name in TABLES)):
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
