"""Roots to tasks: walk each root and turn what the walk meets into object handles or rows.

An :class:`ObjectHandle` is what a task carries to the process that scans the object: which
root (by its index in :attr:`piiscan.config.ScanConfig.roots`), which path, and the size and
mtime the walk saw. It holds no source, no connection and no credential, so it can be pickled
to a worker process (or, later, sent to a Dask worker) without carrying a secret. The worker
opens the object through its own source for that root (see :mod:`piiscan.scan.task`).

Entries the walk passed over (a symlink not followed, a directory it may not list, a FIFO, a
path an include or exclude glob drops) are never opened, but their names are data: their handle
carries the row (:attr:`ObjectHandle.row`), and the worker, which has the engine, adds the
findings in their names (a row of an excluded path is kept only when it has some). An
incremental rescan carries such an entry forward when the baseline saw it unchanged (same size,
mtime, status and reason), the findings of its names included, as it carries an unchanged file;
others get a handle, and their names are scanned. An excluded path the baseline kept no row of
is passed over: its names held no finding then, and scanning them again would start the engine
for every excluded path of every rescan (one that is new since the baseline is scanned by the
next ``--full`` scan).

Incremental rescans: given the :class:`Baseline` of an earlier complete scan of the same roots
(same key, recognizers and settings), :func:`plan` yields a :class:`Carry` instead of a handle
for each file whose size and mtime are what that scan saw: its rows are copied forward from the
earlier scan, and it is not read. A file is read again when it is new or changed, when its
earlier row says it was stopped (a time limit, a dead worker) and when it held findings and was
read longer ago than ``reread_after``, so that stale results age out. Files the walk no longer
meets are simply not in the new scan.

Resumed scans: :func:`plan` passes over the files a resumed scan finished (``done``).
"""

from __future__ import annotations

from collections.abc import Collection, Container, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.compute as pc

from piiscan.config import ScanConfig
from piiscan.model import ObjectRef, ObjectResult, Status
from piiscan.sources import Entry, Source, open_source
from piiscan.sources.select import REASON_EXCLUDED

if TYPE_CHECKING:
    from piiscan.scan.ranges import Span

__all__ = [
    "Baseline",
    "Carry",
    "Credentials",
    "ObjectHandle",
    "entry_row",
    "open_roots",
    "plan",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class Credentials:
    """Secrets a source needs that are never part of a config, a task or the inventory.

    :param smb_password: the SMB password (else the URL's or ``PIISCAN_SMB_PASSWORD``); never
        shown in ``repr`` and never compared.
    :param imap_password: the IMAP password (else ``PIISCAN_IMAP_PASSWORD``); likewise.
    """

    smb_password: str | None = field(default=None, repr=False, compare=False)
    imap_password: str | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class ObjectHandle:
    """One object to scan, as a task carries it: small, picklable, without a secret.

    :param root_index: the object's root, as an index into ``ScanConfig.roots``.
    :param ref: the object's identity (root as named, path, member chain).
    :param size: the size the walk saw, in bytes.
    :param mtime: the modification time the walk saw.
    :param open_path: what to pass to :meth:`~piiscan.sources.Source.open` when it is not
        ``ref.path`` (a root that is a file, a local name that is not valid UTF-8).
    :param span: the range of a big file this task reads (:mod:`piiscan.scan.ranges`);
        ``None``: the whole object.
    """

    root_index: int
    ref: ObjectRef
    size: int | None = None
    mtime: float | None = None
    open_path: str | None = None
    row: tuple[Status, str] | None = None
    """For an entry the walk passed over: the status and reason of its row; the object is
    never opened, only its names are scanned."""
    span: Span | None = None

    @property
    def source_path(self) -> str:
        """The path the object's source opens it by."""
        return self.ref.path if self.open_path is None else self.open_path


def open_roots(config: ScanConfig, credentials: Credentials) -> list[Source]:
    """A source for each root of ``config``, in order (no connection is made yet).

    :raises ConfigError: for a malformed root (an SMB URL without a share, an unknown scheme).
    """
    return [
        open_source(
            root,
            options=config.walk,
            smb_username=config.smb_username,
            smb_password=credentials.smb_password,
            imap=config.imap,
            imap_password=credentials.imap_password,
        )
        for root in config.roots
    ]


@dataclass(frozen=True, slots=True, kw_only=True)
class Carry:
    """A file whose rows are carried forward from the baseline scan instead of being read.

    :param ref: the file.
    """

    ref: ObjectRef

    @property
    def key(self) -> tuple[str, str]:
        """``(root, path)`` of the file."""
        return (self.ref.root, self.ref.path)


@dataclass(frozen=True, slots=True)
class _Seen:
    size: int | None
    mtime: int | None  # microseconds, as the inventory stores it
    reread: bool  # read again whatever its size and mtime
    row: tuple[Status, str] | None = None  # status and reason, when not ok


@dataclass(frozen=True, slots=True, kw_only=True)
class Baseline:
    """What an earlier complete scan saw of each file: the ground of an incremental rescan.

    Holds one small entry per file of the earlier scan (its size, mtime and whether it must be
    read again): about 300 bytes and the length of its path, in memory for the whole scan.

    :param scan_id: the earlier scan.
    """

    scan_id: str
    files: dict[tuple[str, str], _Seen] = field(repr=False)

    @classmethod
    def from_objects(
        cls,
        scan_id: str,
        objects: pa.Table,
        *,
        started: datetime,
        stale_before: datetime | None = None,
        reread_reasons: Collection[str] = (),
    ) -> Baseline:
        """The baseline of scan ``scan_id`` from its ``objects`` rows.

        :param started: the scan's start, the read time of rows that have none.
        :param stale_before: files with findings read before this are read again (``None``:
            never).
        :param reread_reasons: reasons of ``error`` rows that say the file was not read
            through (a worker died): such files are read again.
        """
        tops = objects.filter(pc.equal(objects["member"], ""))
        mtimes = pc.cast(tops["mtime"], pa.int64()).to_pylist()
        read_at = tops["read_at"].to_pylist()
        stopped = set(reread_reasons)
        roots: dict[str, str] = {}  # one string per root, not one per row
        rows: dict[tuple[Status, str], tuple[Status, str]] = {}  # likewise per status, reason
        files = {}
        for root, path, size, mtime, status, reason, findings, read in zip(
            tops["root"].to_pylist(), tops["path"].to_pylist(), tops["size"].to_pylist(),
            mtimes, tops["status"].to_pylist(), tops["reason"].to_pylist(),
            tops["findings"].to_pylist(), read_at, strict=True,
        ):  # fmt: skip
            reread = status == Status.TIMED_OUT or (status == Status.ERROR and reason in stopped)
            if stale_before is not None and findings and (read or started) < stale_before:
                reread = True
            row = None
            if status != Status.OK:
                said = (Status(status), reason)
                row = rows.setdefault(said, said)
            files[(roots.setdefault(root, root), path)] = _Seen(size, mtime, reread, row)
        return cls(scan_id=scan_id, files=files)

    def unchanged(self, handle: ObjectHandle) -> bool:
        """Whether ``handle``'s file may be carried forward without being read; for an entry
        the walk passed over (:attr:`ObjectHandle.row`), whether the baseline passed it over
        for the same reason too."""
        seen = self.files.get((handle.ref.root, handle.ref.path))
        if seen is None or seen.reread:
            return False
        if handle.row is not None:  # never opened: a walk's entry without a time is carried
            mtime = None if handle.mtime is None else round(handle.mtime * 1_000_000)
            return (seen.row, seen.size, seen.mtime) == (handle.row, handle.size, mtime)
        if handle.mtime is None or seen.mtime is None:
            return False
        return seen.size == handle.size and seen.mtime == round(handle.mtime * 1_000_000)


def plan(
    sources: Sequence[Source],
    *,
    baseline: Baseline | None = None,
    done: Container[tuple[str, str]] = frozenset(),
) -> Iterator[ObjectHandle | ObjectResult | Carry]:
    """Walk every source in turn: a handle for each object to scan and for each entry the walk
    passed over (its :attr:`ObjectHandle.row` set), a :class:`Carry` for each file and entry
    the baseline saw unchanged (an excluded path it has no row of is passed over).

    :param baseline: the earlier scan an incremental rescan carries unchanged files from.
    :param done: ``(root, path)`` of files a resumed scan finished: passed over.
    :raises SourceError: when a root cannot be walked at all.
    """
    for index, source in enumerate(sources):
        for entry in source.walk():
            if (entry.ref.root, entry.ref.path) in done:
                continue
            if entry.status is not None or entry.blob is None:
                row = entry_row(entry)
                passed = ObjectHandle(root_index=index, ref=entry.ref, size=entry.size,
                                      mtime=entry.mtime, row=(row.status, row.reason))  # fmt: skip
                if baseline is not None and baseline.unchanged(passed):
                    # Its names are what the baseline scanned: its row and their findings
                    # are carried like an unchanged file's.
                    yield Carry(ref=entry.ref)
                elif baseline is None or entry.reason != REASON_EXCLUDED:
                    yield passed
                # An excluded path the baseline has no row of had no finding in its names
                # (or is new since; a full scan reads it), so an incremental rescan passes
                # it over rather than start the engine for every excluded path.
                continue
            handle = ObjectHandle(
                root_index=index,
                ref=entry.ref,
                size=entry.size,
                mtime=entry.mtime,
                open_path=entry.open_path,
            )
            if baseline is not None and baseline.unchanged(handle):
                yield Carry(ref=entry.ref)
            else:
                yield handle


def entry_row(entry: Entry) -> ObjectResult:
    """The ``objects`` row of an entry the walk passed over."""
    return ObjectResult(
        ref=entry.ref,
        status=entry.status or Status.ERROR,
        reason=entry.reason or "not readable",
        size=entry.size,
        mtime=entry.mtime,
    )
