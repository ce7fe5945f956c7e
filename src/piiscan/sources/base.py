"""The contract every source follows: walk a root, open what the walk met, close.

A scan walks each root once, in the process that drives the scan, and sends each worker only
an object's handle (root index, path, size, mtime). A worker builds its own source for each
root from the scan's configuration, opens objects by path with :meth:`Source.open`, and closes
the source when it stops. A source therefore never crosses a process boundary, and neither do
its connections or credentials.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from piiscan.extractors.base import Blob
from piiscan.model import ObjectRef, Status


@dataclass(frozen=True, slots=True, kw_only=True)
class Entry:
    """One thing a source walk met: a file to scan, or one it passed over and why.

    Entries with a ``status`` (e.g. ``skipped`` for a symlink loop, ``error`` for a permission
    denied) still become ``objects`` rows, so nothing a walk met goes unrecorded.
    """

    ref: ObjectRef
    blob: Blob | None
    size: int | None = None
    mtime: float | None = None
    status: Status | None = None
    reason: str = ""
    open_path: str | None = None
    """What to pass to :meth:`Source.open` when it is not ``ref.path``: ``""`` for a root that
    is itself a file, or a local name that is not valid UTF-8 (``ref.path`` shows it escaped)."""


class Source(Protocol):
    """A root that can be walked and whose objects can be opened by path.

    Sources open everything read-only and never write. A source may hold connections (SMB);
    :meth:`close` drops them, and a closed source reconnects when used again.
    """

    @property
    def root(self) -> str:
        """The root as the user named it (never with a password)."""
        ...

    def walk(self) -> Iterator[Entry]:
        """Yield every file under the root (after include/exclude filtering), in a stable order."""
        ...

    def open(self, path: str) -> Blob:
        """The object at ``path`` (an entry's ``open_path``, else its ``ref.path``), read-only.

        :raises OSError: when the object cannot be opened.
        :raises SourceError: when the root cannot be reached at all (SMB logon refused).
        """
        ...

    def close(self) -> None:
        """Drop what the source holds open (connections); safe to call more than once."""
        ...
