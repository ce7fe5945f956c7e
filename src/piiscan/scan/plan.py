"""Roots to tasks: walk each root and turn what the walk meets into object handles or rows.

An :class:`ObjectHandle` is what a task carries to the process that scans the object: which
root (by its index in :attr:`piiscan.config.ScanConfig.roots`), which path, and the size and
mtime the walk saw. It holds no source, no connection and no credential, so it can be pickled
to a worker process (or, later, sent to a Dask worker) without carrying a secret. The worker
opens the object through its own source for that root (see :mod:`piiscan.scan.task`).

Entries the walk passed over (a symlink not followed, a directory it may not list, a file over
the size limit) need no task: :func:`plan` yields their ``objects`` row directly.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from piiscan.config import ScanConfig
from piiscan.model import ObjectRef, ObjectResult, Status
from piiscan.sources import Entry, Source, open_source

__all__ = ["Credentials", "ObjectHandle", "entry_row", "open_roots", "plan"]


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
    """

    root_index: int
    ref: ObjectRef
    size: int | None = None
    mtime: float | None = None
    open_path: str | None = None

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


def plan(sources: Sequence[Source]) -> Iterator[ObjectHandle | ObjectResult]:
    """Walk every source in turn: a handle for each object to scan, a row for each entry the
    walk passed over.

    :raises SourceError: when a root cannot be walked at all.
    """
    for index, source in enumerate(sources):
        for entry in source.walk():
            if entry.status is not None or entry.blob is None:
                yield entry_row(entry)
            else:
                yield ObjectHandle(
                    root_index=index,
                    ref=entry.ref,
                    size=entry.size,
                    mtime=entry.mtime,
                    open_path=entry.open_path,
                )


def entry_row(entry: Entry) -> ObjectResult:
    """The ``objects`` row of an entry the walk passed over."""
    return ObjectResult(
        ref=entry.ref,
        status=entry.status or Status.ERROR,
        reason=entry.reason or "not readable",
        size=entry.size,
        mtime=entry.mtime,
    )
