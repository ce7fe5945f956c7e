"""Continue a scan that did not close: find it, tell it from a running one, and tidy its parts.

A scan killed with ``kill -9`` (or by the out-of-memory killer, or a power cut) leaves its
``open`` row and the parts it finished; a scan stopped by Ctrl-C or a signal is closed as
``interrupted``. Either can be resumed (``piiscan scan --resume``): the scan keeps its id, its
start time and every file it finished, and the files it had not finished are read again.

What "finished" means is decided per file (``root``, ``path``): a file is finished when its own
``objects`` row (``member`` empty) is on disk and does not say that the scan stopped while the
file was read. Rows of everything else are dropped before the scan goes on, so that the resumed
scan holds each file's rows once, and exactly what an uninterrupted scan would hold:

- findings whose object row never came (the scanner was killed in the middle of a file: its
  findings may have gone ahead into a part, see :meth:`InventoryWriter.add_findings`);
- rows of members of a file whose own row is missing;
- the ``error`` rows a stopped scan writes for the objects it was reading;
- parts of ``findings`` and ``columns`` whose ``objects`` part was never renamed into place,
  and files left under their temporary names.

A scan that ran on Dask has task parts too (:mod:`piiscan.scan.task_parts`), which are tidied
the same way: a task part whose ``objects`` file is there marks its files finished. Before
anything is looked at, the run markers of the killed scanner go (a task still running for it
on a worker then renames nothing, see :mod:`piiscan.inventory.layout`), and task parts that a
compacted part already holds (a compaction killed half-way) are removed.

Each part that loses rows is rewritten under a temporary name and renamed over the old one, so
a resume that is itself killed leaves a scan that can be resumed again.

A running scan holds the lock of :meth:`piiscan.inventory.layout.Layout.lock_file`
(:class:`ScanLock`); one that holds no lock is not running and may be resumed.

.. versionadded:: 0.3
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Final

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from piiscan.errors import InventoryError
from piiscan.inventory.layout import Layout, temporary_path
from piiscan.inventory.reader import ScanInfo
from piiscan.inventory.schema import (
    META_SCHEMA_VERSION,
    OPEN_STATUS,
    TableName,
    upgrade_table,
)
from piiscan.model import Status

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no lock, see the layout's docstring
    fcntl = None  # type: ignore[assignment]

__all__ = [
    "ResumedScan",
    "ScanLock",
    "file_keys",
    "is_running",
    "latest_unclosed",
    "prepare_resume",
    "read_part",
]

_TABLES: Final[tuple[TableName, ...]] = ("findings", "columns", "objects")
_SIDE_TABLES: Final[tuple[TableName, ...]] = ("findings", "columns")
_ERROR: Final = "error"
#: After a run marker is removed: time for a task that saw it to rename its part's files.
RUN_GRACE_SECONDS: Final = 0.5


class ScanLock:
    """The advisory lock a process holds while it writes a scan (see
    :mod:`piiscan.inventory.layout`). The kernel releases it however the process ends."""

    def __init__(self, path: Path, descriptor: int | None) -> None:
        self.path = path
        self._descriptor = descriptor

    @classmethod
    def acquire(cls, layout: Layout, scan_id: str) -> ScanLock:
        """Lock scan ``scan_id`` for this process.

        :raises InventoryError: if another process holds the lock (the scan is running), or
            the lock file cannot be made.
        """
        path = layout.lock_file(scan_id)
        if fcntl is None:
            return cls(path, None)
        try:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as error:
            raise InventoryError(f"cannot create lock file {path}: {error.strerror}") from None
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(descriptor)
            raise InventoryError(
                f"scan {scan_id} is being written by another process (it holds {path})"
            ) from None
        return cls(path, descriptor)

    def release(self, *, remove: bool = True) -> None:
        """Let the lock go (once); ``remove`` deletes the lock file first."""
        descriptor, self._descriptor = self._descriptor, None
        if descriptor is None:
            return
        if remove:
            with contextlib.suppress(OSError):
                self.path.unlink()
        os.close(descriptor)


def is_running(layout: Layout, scan_id: str) -> bool:
    """Whether a process holds the lock of scan ``scan_id`` (always false without ``flock``)."""
    path = layout.lock_file(scan_id)
    if fcntl is None or not path.is_file():
        return False
    try:
        descriptor = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(descriptor, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(descriptor)
    return False


def read_part(name: TableName, path: Path) -> pa.Table | None:
    """One inventory file, brought to the current schema; ``None`` when it is gone.

    :raises InventoryError: if the file cannot be read.
    """
    try:
        table = pq.read_table(path)
    except FileNotFoundError:
        return None
    except (OSError, pa.ArrowException) as error:
        raise InventoryError(f"cannot read inventory file {path}: {type(error).__name__}") from None
    raw = (table.schema.metadata or {}).get(META_SCHEMA_VERSION, b"-1")
    try:
        version = int(raw)
    except ValueError:
        version = -1
    if version < 0:
        raise InventoryError(f"{path} is not a piiscan inventory file (no schema version)")
    try:
        return upgrade_table(name, table, version)
    except InventoryError as error:
        raise InventoryError(f"{path}: {error}") from None


def file_keys(table: pa.Table) -> pa.Array | pa.ChunkedArray:
    """``root`` and ``path`` of each row as one string (NUL between: no path holds one)."""
    return pc.binary_join_element_wise(table["root"], table["path"], "\0")


@dataclass(frozen=True, slots=True, kw_only=True)
class ResumedScan:
    """What a scan keeps when it is resumed.

    :param started: when it first started.
    :param finished: ``(root, path)`` of every file it finished.
    :param objects: its ``objects`` rows kept; ``findings`` and ``errors`` likewise.
    :param parts: the number of its last part (new parts come after it).
    """

    started: datetime
    finished: frozenset[tuple[str, str]]
    objects: int
    findings: int
    errors: int
    parts: int


def _scan_row(layout: Layout, scan_id: str) -> dict[str, object]:
    for path in (layout.open_scan_file(scan_id), layout.scan_file(scan_id)):
        table = read_part("scans", path)
        if table is not None and table.num_rows == 1:
            row: dict[str, object] = table.to_pylist()[0]
            return row
    raise InventoryError(f"no scan {scan_id!r} in {layout.directory}")


def prepare_resume(
    layout: Layout, scan_id: str, unfinished_reasons: Collection[str] = ()
) -> ResumedScan:
    """Tidy the parts of unclosed scan ``scan_id`` so it can go on (see the module docstring).

    Call it holding the scan's lock.

    :param unfinished_reasons: reasons of ``error`` rows meaning "stopped while being read".
    :raises InventoryError: if the scan is not in the inventory, is complete, was written
        before parts existed, or its files cannot be read or rewritten.
    """
    row = _scan_row(layout, scan_id)
    if row["status"] not in (OPEN_STATUS, "interrupted"):
        raise InventoryError(f"scan {scan_id} is {row['status']}; only an unclosed scan resumes")
    if layout.legacy_file("objects", scan_id).is_file():
        raise InventoryError(f"scan {scan_id} was written before scans could be resumed")
    _end_earlier_runs(layout, scan_id)
    for leftover in layout.temporary_files(scan_id):
        with contextlib.suppress(FileNotFoundError):
            leftover.unlink()
    numbers = {name: layout.part_numbers(name, scan_id) for name in _TABLES}
    # Parts by file name: numbered parts and the parts of tasks (a Dask scan's) alike.
    files = {name: _part_files(layout, name, scan_id) for name in _TABLES}
    replaced = layout.replaced_task_parts(scan_id)
    for name in ("objects", *_SIDE_TABLES):  # objects first, as readers need
        for task in replaced:
            with contextlib.suppress(FileNotFoundError):
                layout.task_part_file(name, scan_id, task).unlink()
            files[name].pop(f"part-task-{task}.parquet", None)
    for name in _SIDE_TABLES:
        for file_name, path in list(files[name].items()):
            if file_name not in files["objects"]:  # killed between the renames of a part
                path.unlink()
                del files[name][file_name]
    objects = [read_part("objects", path) for _, path in sorted(files["objects"].items())]
    finished: set[str] = set()
    stopped = set(unfinished_reasons)
    for table in objects:
        if table is None:
            continue
        for key, member, status, reason in zip(
            file_keys(table).to_pylist(), table["member"].to_pylist(),
            table["status"].to_pylist(), table["reason"].to_pylist(), strict=True,
        ):  # fmt: skip
            if member == "" and not (status == _ERROR and reason in stopped):
                finished.add(key)
    wanted = pa.array(sorted(finished), type=pa.string())
    counts = {"objects": 0, "findings": 0, "errors": 0}
    for name in _TABLES:
        for _, path in sorted(files[name].items()):
            if not path.is_file():
                continue
            kept = _keep(name, path, wanted)
            if name in ("objects", "findings"):
                counts[name] += kept.num_rows
            if name == "objects":
                counts["errors"] += _errors(kept["status"].to_pylist())
    return ResumedScan(
        started=row["started"],  # type: ignore[arg-type]
        finished=frozenset(tuple(key.split("\0", 1)) for key in finished),  # type: ignore[misc]
        objects=counts["objects"],
        findings=counts["findings"],
        errors=counts["errors"],
        parts=max(numbers["objects"], default=0),
    )


_ERROR_STATUSES: Final = frozenset(str(status) for status in Status if status.is_error)


def _part_files(layout: Layout, name: TableName, scan_id: str) -> dict[str, Path]:
    """The finished parts of one scan's table, numbered and tasks', by file name."""
    found = {path.name: path for path in layout.part_numbers(name, scan_id).values()}
    found.update({path.name: path for path in layout.task_parts(name, scan_id).values()})
    return found


def _end_earlier_runs(layout: Layout, scan_id: str) -> None:
    """Remove the run markers a killed Dask scanner left: a task still running for it on a
    worker then renames nothing into the scan. One that was renaming its files as the marker
    went is given time to finish, before the parts are looked at."""
    folder = layout.run_folder(scan_id)
    if not folder.is_dir():
        return
    for marker in folder.iterdir():
        with contextlib.suppress(FileNotFoundError):
            marker.unlink()
    with contextlib.suppress(OSError):
        folder.rmdir()
    time.sleep(RUN_GRACE_SECONDS)


def _errors(statuses: Sequence[str]) -> int:
    return sum(status in _ERROR_STATUSES for status in statuses)


def _keep(name: TableName, path: Path, wanted: pa.Array) -> pa.Table:
    """Keep the rows of ``path`` whose file is in ``wanted``, rewriting it when some go."""
    raw = pq.read_table(path)
    mask = pc.is_in(file_keys(raw), value_set=wanted)
    if pc.all(mask).as_py() is not False:
        return raw
    kept = raw.filter(mask)
    temporary = temporary_path(path)
    with contextlib.suppress(FileNotFoundError):
        temporary.unlink()
    rows = pq.ParquetFile(path).metadata
    row_group = max(rows.row_group(0).num_rows if rows.num_row_groups else 1, 1)
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            pq.write_table(kept, handle, compression="zstd", row_group_size=row_group)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except (OSError, pa.ArrowException) as error:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise InventoryError(f"cannot rewrite {path}: {type(error).__name__}") from None
    return kept


def latest_unclosed(layout: Layout, scans: Sequence[ScanInfo]) -> ScanInfo | None:
    """The scan to resume among ``scans``: the latest, when it did not close as complete and
    no process writes it.

    :param scans: the scans to consider (open ones included).
    """
    if not scans:
        return None
    latest = max(scans, key=lambda info: (info.started, info.scan_id))
    if latest.status == "complete" or is_running(layout, latest.scan_id):
        return None
    return latest
