"""Where the files of an inventory live: one place that knows every path.

::

    inventory/
      scans/<scan_id>.parquet                    the closed scan's row (complete / interrupted)
      scans/open/<scan_id>.parquet               the scan's row while it runs (status ``open``)
      scans/open/<scan_id>.lock                  locked while a process writes the scan
      objects/<scan_id>/part-000001.parquet      objects rows, one part per batch of objects
      findings/<scan_id>/part-000001.parquet     those objects' findings, same part number

A scan writes its ``open`` row when it starts, a part of each table every so many objects or
seconds, and its closed row when it ends; then the ``open`` row is removed. Each file is written
under a hidden temporary name (``.part-000001.parquet.tmp``), synced and renamed into place, so
a file that is there is whole. Within a part number, the findings file is renamed before the
objects file: an ``objects`` part never names findings that are not on disk.

The lock file tells a scan that runs from one whose process was killed: the writer holds an
advisory lock on it (``flock``, released by the kernel however the process ends), and a scan
is resumed only when nobody holds it. Where there is no ``flock`` (Windows), no lock is taken.

A task that writes its own rows (a Dask worker, :mod:`piiscan.scan.task_parts`) writes a part named
after the task, ``part-task-<hash>.parquet``, in the same folders: a task run again after its
worker died replaces its part instead of adding its rows twice. While a scan runs on Dask, its
scanner keeps a *run marker* (``scans/open/<scan_id>.runs/<token>``); a task renames its part
into place only while the marker of its run is there, so a task still running for a scanner
that was killed cannot add rows to the scan once it is resumed.

While such a scan runs, and for the last ones when it closes, its task parts are *compacted*
into numbered parts, a group at a time
(:meth:`piiscan.inventory.writer.InventoryWriter.compact_task_parts`): each compacted
``objects`` part names, in its Parquet metadata (``piiscan.replaces``), the task parts it holds,
and readers pass over a task part so named (:meth:`Layout.replaced_task_parts`); the task parts
are then removed. A compaction killed half-way thus leaves every row once.

Inventories written before parts existed keep one file per scan per table
(``objects/<scan_id>.parquet``); :meth:`Layout.parts` finds those too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import pyarrow as pa
import pyarrow.parquet as pq

from piiscan.inventory.schema import TableName

__all__ = ["META_REPLACES", "OPEN_FOLDER", "Layout", "task_of", "temporary_path"]

#: The folder under ``scans/`` that holds the rows of scans not closed yet.
OPEN_FOLDER: Final = "open"

_PART = re.compile(r"part-(\d{6,})\.parquet")
_TASK_PART = re.compile(r"part-task-([0-9a-f]{16,64})\.parquet")

#: Parquet metadata of a compacted ``objects`` part: the names of the task parts it holds,
#: separated by commas.
META_REPLACES: Final = b"piiscan.replaces"


def task_of(path: Path) -> str | None:
    """The task name of a task part's file (``None``: not a task part)."""
    match = _TASK_PART.fullmatch(path.name)
    return match.group(1) if match is not None else None


def temporary_path(path: Path) -> Path:
    """The hidden name a file is written under before it is renamed to ``path``."""
    return path.with_name(f".{path.name}.tmp")


@dataclass(frozen=True, slots=True)
class Layout:
    """The paths of one inventory directory.

    :param directory: the inventory directory.
    """

    directory: Path

    def table_folder(self, table: TableName) -> Path:
        """The folder of one table (``objects/``)."""
        return self.directory / table

    def scan_file(self, scan_id: str) -> Path:
        """The closed row of a scan."""
        return self.directory / "scans" / f"{scan_id}.parquet"

    def open_scan_file(self, scan_id: str) -> Path:
        """The row a scan writes when it starts and removes when it is closed."""
        return self.directory / "scans" / OPEN_FOLDER / f"{scan_id}.parquet"

    def lock_file(self, scan_id: str) -> Path:
        """The file a process writing scan ``scan_id`` holds locked."""
        return self.directory / "scans" / OPEN_FOLDER / f"{scan_id}.lock"

    def run_folder(self, scan_id: str) -> Path:
        """The folder of a Dask scan's run markers (one file per scanner run)."""
        return self.directory / "scans" / OPEN_FOLDER / f"{scan_id}.runs"

    def run_file(self, scan_id: str, run: str) -> Path:
        """The marker of one run of a scanner (``run``: hex digits, new for each run)."""
        if not re.fullmatch(r"[0-9a-f]{8,64}", run):
            raise ValueError("a run is named by 8 to 64 lower-case hex digits")
        return self.run_folder(scan_id) / run

    def part_folder(self, table: TableName, scan_id: str) -> Path:
        """The folder of one scan's parts of ``table``."""
        return self.directory / table / scan_id

    def part_file(self, table: TableName, scan_id: str, number: int) -> Path:
        """Part ``number`` (from 1) of one scan's ``table``."""
        return self.part_folder(table, scan_id) / f"part-{number:06d}.parquet"

    def task_part_file(self, table: TableName, scan_id: str, task: str) -> Path:
        """The part of one task (``task``: hex digits derived from what the task reads)."""
        if not _TASK_PART.fullmatch(f"part-task-{task}.parquet"):
            raise ValueError("a task part is named by 16 to 64 lower-case hex digits")
        return self.part_folder(table, scan_id) / f"part-task-{task}.parquet"

    def legacy_file(self, table: TableName, scan_id: str) -> Path:
        """The single file per table of a scan written before parts existed."""
        return self.directory / table / f"{scan_id}.parquet"

    def parts(self, table: TableName, scan_id: str) -> list[Path]:
        """The finished files of one scan's ``table``, in part order (tasks' parts last, those
        a compacted part holds left out)."""
        legacy = self.legacy_file(table, scan_id)
        if legacy.is_file():
            return [legacy]
        folder = self.part_folder(table, scan_id)
        if not folder.is_dir():
            return []
        numbered = []
        tasks = []
        for path in folder.iterdir():
            match = _PART.fullmatch(path.name)
            if match is not None and path.is_file():
                numbered.append((int(match.group(1)), path))
            elif _TASK_PART.fullmatch(path.name) and path.is_file():
                tasks.append(path)
        if tasks and numbered:
            replaced = self.replaced_task_parts(scan_id)
            tasks = [path for path in tasks if task_of(path) not in replaced]
        return [path for _, path in sorted(numbered)] + sorted(tasks)

    def task_parts(self, table: TableName, scan_id: str) -> dict[str, Path]:
        """The finished task parts of one scan's ``table`` by task name."""
        folder = self.part_folder(table, scan_id)
        if not folder.is_dir():
            return {}
        found = {}
        for path in folder.iterdir():
            task = task_of(path)
            if task is not None and path.is_file():
                found[task] = path
        return found

    def replaced_task_parts(self, scan_id: str) -> frozenset[str]:
        """Task parts of scan ``scan_id`` held by a compacted part (see the module docstring):
        read from the numbered ``objects`` parts' footers, and only while task parts are there
        (a footer that cannot be read names none: reading that part fails on its own)."""
        if not self.task_parts("objects", scan_id) and not self.task_parts("findings", scan_id):
            return frozenset()
        replaced: set[str] = set()
        for path in self.part_numbers("objects", scan_id).values():
            try:
                metadata = pq.read_schema(path).metadata or {}
            except (OSError, pa.ArrowException):
                continue
            names = metadata.get(META_REPLACES, b"").decode("ascii", "replace")
            replaced.update(name for name in names.split(",") if name)
        return frozenset(replaced)

    def part_numbers(self, table: TableName, scan_id: str) -> dict[int, Path]:
        """The finished parts of one scan's ``table`` by number (none for a legacy file)."""
        folder = self.part_folder(table, scan_id)
        if not folder.is_dir():
            return {}
        numbered = {}
        for path in folder.iterdir():
            match = _PART.fullmatch(path.name)
            if match is not None and path.is_file():
                numbered[int(match.group(1))] = path
        return numbered

    def temporary_files(self, scan_id: str) -> list[Path]:
        """Files of scan ``scan_id`` a killed writer left under their temporary names."""
        folders = [self.part_folder(table, scan_id) for table in ("objects", "findings", "columns")]
        folders += [self.directory / "scans", self.directory / "scans" / OPEN_FOLDER]
        found = []
        for folder in folders:
            if not folder.is_dir():
                continue
            ours = folder.name == scan_id  # a part folder: every file in it is the scan's
            found += [path for path in folder.glob(".*.tmp")
                      if ours or path.name.startswith(f".{scan_id}.")]  # fmt: skip
        return sorted(found)

    def closed_scan_files(self) -> list[Path]:
        """The closed rows of every scan, by file name."""
        return _parquet_files(self.directory / "scans")

    def open_scan_files(self) -> list[Path]:
        """The rows of scans that are not closed (running, or stopped without closing)."""
        return _parquet_files(self.directory / "scans" / OPEN_FOLDER)

    def has_scan(self, scan_id: str) -> bool:
        """Whether anything of scan ``scan_id`` is in the inventory."""
        tables: tuple[TableName, ...] = ("objects", "findings")
        return (
            self.scan_file(scan_id).exists()
            or self.open_scan_file(scan_id).exists()
            or any(self.legacy_file(table, scan_id).exists() for table in tables)
            or any(self.part_folder(table, scan_id).exists() for table in tables)
        )


def _parquet_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(
        path
        for path in folder.glob("*.parquet")
        if not path.name.startswith(".") and path.is_file()
    )
