"""The contract every source follows."""

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


class Source(Protocol):
    """A root that can be walked. Sources open everything read-only and never write."""

    @property
    def root(self) -> str:
        """The root as the user named it (never with a password)."""
        ...

    def walk(self) -> Iterator[Entry]:
        """Yield every file under the root (after include/exclude filtering), in a stable order."""
        ...
