"""The contract every extractor follows.

An extractor is a function ``extract(blob: Blob, limits: Limits) -> Iterator[Item]`` where an
item is either a :class:`~piiscan.model.Segment` of text or a :class:`Member` (a child object of
a container: a zip entry, a mail attachment, an embedded file). The scan driver feeds members
back through :func:`piiscan.extractors.dispatch.extract` with ``depth + 1``, so nesting needs no
special case.

Extractors raise subclasses of :class:`~piiscan.errors.ExtractionError` for encrypted, oversized,
text-less or unsupported objects; any other exception is caught by the driver and recorded as
``error``. Reasons never quote the content.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from piiscan.files import open_regular
from piiscan.model import Segment


@dataclass(frozen=True, slots=True, kw_only=True)
class Limits:
    """Guards against bombs and giants; every value has a command-line flag."""

    max_object_bytes: int = 512 * 1024 * 1024
    max_member_bytes: int = 256 * 1024 * 1024
    max_total_expanded_bytes: int = 2 * 1024 * 1024 * 1024
    max_expansion_ratio: float = 200.0
    max_depth: int = 5
    max_members: int = 10_000
    max_text_chars: int = 64 * 1024 * 1024
    # How a long text file is cut into segments, each overlapping the next (the one owner of
    # this: the engine's windows for its Python-path recognizers are its own, not a setting).
    chunk_chars: int = 64 * 1024
    chunk_overlap: int = 256
    # Wall time for one file with everything inside it; 0 turns the limit off. Ten minutes
    # reads a 512 MB text file at the engine's slowest (about 1 MB/s on dense business text).
    max_object_seconds: float = 600.0
    # Survey mode: read about this many rows of each table (the first ones and a seeded,
    # repeatable spread through the rest where the format allows); 0 reads every row.
    sample_rows: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class Blob:
    """The bytes of one object, opened read-only.

    :param name: the object's file name (used for the extension), e.g. ``kunder.xlsx``.
    :param size: size in bytes when known.
    :param opener: returns a fresh seekable binary stream positioned at 0.
    :param path: a local path to the same bytes when one exists (lets tools that need a
        file name, like ``antiword``, read it in place); never written to.
    :param depth: how many containers the object sits in.
    :param media_type: the type its container already knows it to be (a mailbox's message);
        when set, :func:`~piiscan.extractors.dispatch.extract` uses it instead of sniffing.
    """

    name: str
    size: int | None
    opener: Callable[[], BinaryIO]
    path: Path | None = None
    depth: int = 0
    media_type: str = ""

    @classmethod
    def from_bytes(cls, name: str, data: bytes, *, depth: int = 0) -> Blob:
        """A blob over bytes held in memory (archive members, mail attachments)."""
        return cls(name=name, size=len(data), opener=lambda: io.BytesIO(data), depth=depth)

    @classmethod
    def from_path(cls, path: Path, *, name: str | None = None) -> Blob:
        """A blob over a local file, opened read-only each time.

        Each open checks that the path is still a regular file and never blocks: a file
        swapped for a FIFO after it was listed raises
        :class:`~piiscan.errors.SpecialFileError` (status ``skipped``).
        """
        return cls(
            name=name or path.name,
            size=path.stat().st_size,
            opener=lambda: open_regular(path),
            path=path,
        )

    def read(self, limit: int | None = None) -> bytes:
        """Read the whole object (or its first ``limit`` bytes)."""
        with self.opener() as stream:
            return stream.read() if limit is None else stream.read(limit)


@dataclass(frozen=True, slots=True, kw_only=True)
class Member:
    """A child object found inside a container.

    :param name: the member's path inside the container (``2019/arende.docx``), a step of
        the ``member`` column (never part of a locator); its name is scanned too
        (:mod:`piiscan.scan.names`).
    """

    name: str
    blob: Blob
    mtime: float | None = None


Item = Segment | Member
Extractor = Callable[[Blob, Limits], Iterator[Item]]
