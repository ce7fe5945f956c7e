"""Archives: zip, tar (plain, gzip, bzip2, xz), 7z, and single gzip/bzip2/xz files.

Each extractor yields :class:`~piiscan.extractors.base.Member` objects whose blobs hold the
member's bytes in memory at ``depth + 1``; the scan driver dispatches them again. Member
names are reported as stored (absolute or ``..`` names included): nothing is ever written to
disk. Directories, symbolic and hard links, devices and FIFOs are skipped, except a zip
directory entry that holds data, which is read like a file (named as stored, ``dir/``).

Limits, all checked on the bytes actually decompressed, in 1 MiB reads, never on the sizes
the headers declare alone (declared sizes only refuse early: a zip member whose header declares
a size over ``max_member_bytes``, or an expansion past ``max_expansion_ratio``, gets the verdict
reading it would give, with the same accounting, without being inflated):

- an archive at ``depth >= max_depth`` is not opened: :func:`~piiscan.extractors.dispatch.extract`
  refuses it (:class:`TooLargeError`, "nesting depth limit"), as it does every container;
- per member: ``max_member_bytes``, and for zip (where each member's compressed size is
  known) ``max_expansion_ratio`` once a member has expanded past 1 MiB. A member over
  either is **skipped** and scanning goes on; after the last member the extractor raises
  :class:`TooLargeError` naming how many were skipped and why, so the archive's row says
  "partly scanned" while the other members still were;
- per archive: ``max_members``, ``max_total_expanded_bytes`` and ``max_expansion_ratio`` of
  all expanded bytes to the archive's size (past 1 MiB). Breaking one **aborts** the archive
  at once with :class:`TooLargeError` (members yielded so far stay yielded);
- encrypted zip members are skipped the same way and end in :class:`EncryptedError`
  ("encrypted archive: 2 of 3 members encrypted"); an encrypted 7z is refused whole.

A single ``.gz``/``.bz2``/``.xz`` file is one member named without the suffix (``.tgz`` →
``.tar``); over a limit, it raises :class:`TooLargeError` at once.

Reasons name limits and counts, never member names (a file may be named after a person).

.. versionadded:: 0.1
"""

from __future__ import annotations

import bz2
import calendar
import gzip
import io
import lzma
import stat
import struct
import tarfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import IO, Any, Protocol

import py7zr
import py7zr.exceptions
import py7zr.io

from piiscan.errors import EncryptedError, ExtractionError, TooLargeError, UnsupportedError
from piiscan.extractors.base import Blob, Limits, Member
from piiscan.extractors.zips import open_zip_of

__all__ = [
    "extract_7z",
    "extract_bzip2",
    "extract_gzip",
    "extract_tar",
    "extract_xz",
    "extract_zip",
]

READ_BYTES = 1024 * 1024
RATIO_FLOOR = 1024 * 1024
"""Expansion ratios are checked only past this many bytes: small, highly compressible
members (a zip of empty XML parts, as in every .xlsx) are normal."""


class _Readable(Protocol):
    def read(self, size: int = ..., /) -> bytes: ...


def _archive_size(blob: Blob, stream: IO[bytes]) -> int:
    if blob.size is not None:
        return blob.size
    size = stream.seek(0, 2)
    stream.seek(0)
    return size


class _MemberTooLarge(Exception):
    """Internal: one member broke a per-member limit and is skipped."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


@dataclass(slots=True)
class _Budget:
    """What one archive has expanded so far, against its limits."""

    limits: Limits
    kind: str
    archive_bytes: int
    members: int = 0
    expanded: int = 0
    too_large: int = 0
    too_large_why: str = ""
    encrypted: int = 0

    def count_member(self) -> None:
        self.members += 1
        if self.members > self.limits.max_members:
            raise TooLargeError(f"{self.kind} has more than {self.limits.max_members} members")

    def add(self, size: int) -> None:
        self.expanded += size
        limits = self.limits
        if self.expanded > limits.max_total_expanded_bytes:
            raise TooLargeError(f"{self.kind} expands past {limits.max_total_expanded_bytes} bytes")
        ratio = self.expanded / max(self.archive_bytes, 1)
        if self.expanded > RATIO_FLOOR and ratio > limits.max_expansion_ratio:
            raise TooLargeError(
                f"{self.kind} exceeds expansion ratio {limits.max_expansion_ratio:g}"
            )

    def skip_large(self, why: str) -> None:
        self.too_large += 1
        self.too_large_why = self.too_large_why or why

    def finish(self) -> None:
        """Raise the deferred verdict for skipped members, if any."""
        if self.encrypted:
            raise EncryptedError(
                f"encrypted archive: {self.encrypted} of {self.members} members encrypted"
            )
        if self.too_large:
            raise TooLargeError(
                f"{self.kind}: {self.too_large} member(s) skipped, {self.too_large_why}"
            )


def _member_limit_reason(limits: Limits) -> str:
    return f"member over {limits.max_member_bytes} bytes"


def _read_member(stream: _Readable, budget: _Budget, *, compressed: int | None = None) -> bytes:
    """Read one member in bounded steps.

    :raises _MemberTooLarge: the member broke a per-member limit.
    :raises TooLargeError: the archive broke an archive-wide limit.
    """
    limits = budget.limits
    parts: list[bytes] = []
    size = 0
    while chunk := stream.read(READ_BYTES):
        size += len(chunk)
        budget.add(len(chunk))
        if size > limits.max_member_bytes:
            raise _MemberTooLarge(_member_limit_reason(limits))
        if (
            compressed is not None
            and size > RATIO_FLOOR
            and size / max(compressed, 1) > limits.max_expansion_ratio
        ):
            raise _MemberTooLarge(f"member exceeds expansion ratio {limits.max_expansion_ratio:g}")
        parts.append(chunk)
    return b"".join(parts)


def _refuse_declared(budget: _Budget, declared: int, compressed: int) -> None:
    """Account for a zip member whose header declares an expansion past the ratio limit as
    :func:`_read_member` would on bytes of that size, and raise what it would raise, without
    inflating it (a bomb's 25 MB of zeros cost 13 ms to read only to be refused).

    Only called when the declared sizes break the member's ratio: the read would then raise by
    its last step at the latest, so this always raises. Declared sizes never let a member
    through; a header that overstates only gets a member refused.

    :raises _MemberTooLarge: the member ratio, as the read would.
    :raises TooLargeError: an archive-wide limit reached first, as the read would.
    """
    limits = budget.limits
    size = 0
    while size < declared:
        step = min(READ_BYTES, declared - size)
        size += step
        budget.add(step)
        if size > limits.max_member_bytes:
            raise _MemberTooLarge(_member_limit_reason(limits))
        if size > RATIO_FLOOR and size / max(compressed, 1) > limits.max_expansion_ratio:
            raise _MemberTooLarge(f"member exceeds expansion ratio {limits.max_expansion_ratio:g}")
    raise AssertionError("unreachable: the declared sizes break the ratio")


def _member(name: str, data: bytes, parent: Blob, mtime: float | None) -> Member:
    blob = Blob.from_bytes(PurePosixPath(name).name or name, data, depth=parent.depth + 1)
    return Member(name=name, blob=blob, mtime=mtime)


def _zip_mtime(info: zipfile.ZipInfo) -> float | None:
    # Zip stores local time without a zone; read as UTC so results do not depend on the host.
    try:
        return float(calendar.timegm((*info.date_time, 0, 0, 0)))
    except (ValueError, OverflowError):
        return None


def _zip_regular(info: zipfile.ZipInfo) -> bool:
    kind = stat.S_IFMT(info.external_attr >> 16)
    if info.is_dir() or kind == stat.S_IFDIR:
        # A directory entry is empty; one that holds data is read like a file (a tool that
        # honours the name would drop the data, which is where something could hide).
        return info.file_size > 0 or info.compress_size > 2
    # Unix file-type bits, when present, tell links and devices apart; zero means "a file".
    return kind in (0, stat.S_IFREG)


def _declares_bomb(info: zipfile.ZipInfo, limits: Limits) -> bool:
    """Whether a zip member's header declares an expansion the ratio limit refuses."""
    declared = info.file_size
    return (
        declared > RATIO_FLOOR
        and declared / max(info.compress_size, 1) > limits.max_expansion_ratio
    )


def extract_zip(blob: Blob, limits: Limits) -> Iterator[Member]:
    """Yield the regular members of a zip archive.

    :raises TooLargeError: depth, member count, total size or ratio limit (see module).
    :raises EncryptedError: after the other members, when some were encrypted.
    :raises ExtractionError: the archive is corrupt.
    """
    with blob.opener() as stream:
        budget = _Budget(limits=limits, kind="zip", archive_bytes=_archive_size(blob, stream))
        try:
            archive = open_zip_of(blob, stream)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as error:
            raise ExtractionError("corrupt zip") from error
        with archive:
            for info in archive.infolist():
                if not _zip_regular(info):
                    continue
                budget.count_member()
                if info.flag_bits & 0x1:
                    budget.encrypted += 1
                    continue
                # Cheap early rejection on declared sizes; the read below enforces the real ones.
                if info.file_size > limits.max_member_bytes:
                    budget.skip_large(_member_limit_reason(limits))
                    continue
                try:
                    if _declares_bomb(info, limits):
                        _refuse_declared(budget, info.file_size, info.compress_size)
                    with archive.open(info) as member:
                        data = _read_member(member, budget, compressed=info.compress_size)
                except _MemberTooLarge as skipped:
                    budget.skip_large(skipped.why)
                    continue
                except NotImplementedError as error:
                    raise UnsupportedError("zip compression method not supported") from error
                # ValueError: a member's header offset outside the file (found by fuzzing).
                except (zipfile.BadZipFile, zlib.error, lzma.LZMAError, OSError, EOFError,
                        ValueError, RuntimeError) as error:  # fmt: skip
                    raise ExtractionError("corrupt zip") from error
                yield _member(info.filename, data, blob, _zip_mtime(info))
        budget.finish()


def extract_tar(blob: Blob, limits: Limits) -> Iterator[Member]:
    """Yield the regular members of a tar archive, plain or gzip/bzip2/xz compressed.

    The archive is read as a stream, so a compressed tar is decompressed once.

    :raises TooLargeError: depth, member count, total size or ratio limit (see module).
    :raises ExtractionError: the archive is corrupt.
    """
    with blob.opener() as stream:
        budget = _Budget(limits=limits, kind="tar", archive_bytes=_archive_size(blob, stream))
        try:
            with tarfile.open(fileobj=stream, mode="r|*") as archive:
                for info in archive:
                    if not info.isreg():
                        continue
                    budget.count_member()
                    if info.size > limits.max_member_bytes:
                        # The stream still runs through the member: count it, then skip it.
                        budget.add(info.size)
                        budget.skip_large(_member_limit_reason(limits))
                        continue
                    member = archive.extractfile(info)
                    if member is None:
                        continue
                    try:
                        data = _read_member(member, budget)
                    except _MemberTooLarge as skipped:
                        budget.skip_large(skipped.why)
                        continue
                    yield _member(info.name, data, blob, float(info.mtime))
        # TypeError: tarfile's gzip header reader on a cut header (ord() of b"", found by
        # fuzzing).
        except (tarfile.TarError, zlib.error, lzma.LZMAError, OSError, EOFError,
                TypeError) as error:  # fmt: skip
            raise ExtractionError("corrupt tar") from error
    budget.finish()


_SUFFIXES = {
    ".tgz": ".tar",
    ".taz": ".tar",
    ".tbz": ".tar",
    ".tbz2": ".tar",
    ".txz": ".tar",
}


def _inner_name(name: str, suffixes: tuple[str, ...]) -> str:
    lower = name.lower()
    for suffix, replacement in _SUFFIXES.items():
        if lower.endswith(suffix):
            return name[: -len(suffix)] + replacement
    for suffix in suffixes:
        if lower.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def _extract_single(
    blob: Blob,
    limits: Limits,
    *,
    kind: str,
    suffixes: tuple[str, ...],
    open_stream: Callable[[IO[bytes]], io.BufferedIOBase],
    errors: tuple[type[BaseException], ...],
) -> Iterator[Member]:
    with blob.opener() as stream:
        budget = _Budget(limits=limits, kind=kind, archive_bytes=_archive_size(blob, stream))
        mtime: float | None = None
        try:
            with open_stream(stream) as inner:
                data = _read_member(inner, budget)
                if isinstance(inner, gzip.GzipFile) and inner.mtime:
                    mtime = float(inner.mtime)
        except _MemberTooLarge as too_large:
            raise TooLargeError(f"{kind}: {too_large.why}") from None
        except errors as error:
            raise ExtractionError(f"corrupt {kind}") from error
    yield _member(_inner_name(blob.name, suffixes), data, blob, mtime)


def extract_gzip(blob: Blob, limits: Limits) -> Iterator[Member]:
    """Yield the one member of a gzip file (``x.csv.gz`` → ``x.csv``).

    :raises TooLargeError: depth, size or ratio limit.
    :raises ExtractionError: the data is corrupt or truncated.
    """

    def open_stream(stream: IO[bytes]) -> io.BufferedIOBase:
        return gzip.GzipFile(fileobj=stream, mode="rb")

    yield from _extract_single(
        blob,
        limits,
        kind="gzip",
        suffixes=(".gz", ".gzip", ".z"),
        open_stream=open_stream,
        errors=(OSError, EOFError, zlib.error),
    )


def extract_bzip2(blob: Blob, limits: Limits) -> Iterator[Member]:
    """Yield the one member of a bzip2 file (``x.sql.bz2`` → ``x.sql``).

    :raises TooLargeError: depth, size or ratio limit.
    :raises ExtractionError: the data is corrupt or truncated.
    """

    def open_stream(stream: IO[bytes]) -> io.BufferedIOBase:
        return bz2.BZ2File(stream, mode="rb")

    yield from _extract_single(
        blob,
        limits,
        kind="bzip2",
        suffixes=(".bz2", ".bzip2"),
        open_stream=open_stream,
        errors=(OSError, EOFError, ValueError),
    )


def extract_xz(blob: Blob, limits: Limits) -> Iterator[Member]:
    """Yield the one member of an xz or lzma file (``x.log.xz`` → ``x.log``).

    :raises TooLargeError: depth, size or ratio limit.
    :raises ExtractionError: the data is corrupt or truncated.
    """

    def open_stream(stream: IO[bytes]) -> io.BufferedIOBase:
        return lzma.LZMAFile(stream, mode="rb")

    yield from _extract_single(
        blob,
        limits,
        kind="xz",
        suffixes=(".xz", ".lzma"),
        open_stream=open_stream,
        errors=(OSError, EOFError, lzma.LZMAError),
    )


class _BoundedWriter(py7zr.io.Py7zIO):
    """Collects one 7z member in memory and fails as soon as it breaks a limit.

    py7zr's own ``BytesIOFactory(limit)`` truncates silently and keeps decompressing, so
    the limit is enforced here by raising out of ``write``.
    """

    def __init__(self, budget: _Budget) -> None:
        self._budget = budget
        self._parts: list[bytes] = []
        self._size = 0

    def write(self, s: bytes | bytearray) -> int:
        self._size += len(s)
        self._budget.add(len(s))
        if self._size > self._budget.limits.max_member_bytes:
            raise _MemberTooLarge(_member_limit_reason(self._budget.limits))
        self._parts.append(bytes(s))
        return len(s)

    def read(self, size: int | None = None) -> bytes:
        return b""

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._size

    def flush(self) -> None:
        return None

    def size(self) -> int:
        return self._size

    def value(self) -> bytes:
        return b"".join(self._parts)


class _BoundedFactory(py7zr.io.WriterFactory):
    def __init__(self, budget: _Budget) -> None:
        self.budget = budget
        self.writers: dict[str, _BoundedWriter] = {}

    def create(self, filename: str) -> py7zr.io.Py7zIO:
        writer = _BoundedWriter(self.budget)
        self.writers[filename] = writer
        return writer


def _7z_mtime(info: Any) -> float | None:
    created = getattr(info, "creationtime", None)
    return created.timestamp() if created is not None else None


# py7zr decodes hostile bytes in pure Python, and a damaged archive surfaces as any of these
# (fuzzing found an LZMAError from a corrupt stream escaping as a bug).
_CORRUPT_7Z = (
    py7zr.exceptions.ArchiveError, lzma.LZMAError, zlib.error, OSError, EOFError, ValueError,
    KeyError, IndexError, struct.error,
)  # fmt: skip


def extract_7z(blob: Blob, limits: Limits) -> Iterator[Member]:
    """Yield the regular members of a 7z archive, one decompressed at a time.

    Each member is extracted on its own (``targets=[name]``), so memory holds at most one
    member; in a solid archive this decompresses the block again for every member, which
    costs time, never memory.

    :raises EncryptedError: the archive (or its header) is encrypted.
    :raises TooLargeError: depth, member count, total size or ratio limit (see module).
    :raises ExtractionError: the archive is corrupt.
    """
    with blob.opener() as stream:
        budget = _Budget(limits=limits, kind="7z", archive_bytes=_archive_size(blob, stream))
        try:
            archive = py7zr.SevenZipFile(stream, mode="r")
        except py7zr.exceptions.PasswordRequired as error:
            raise EncryptedError("encrypted archive") from error
        except _CORRUPT_7Z as error:
            raise ExtractionError("corrupt 7z") from error
        try:
            with archive:
                yield from _7z_members(archive, blob, budget)
        except _CORRUPT_7Z as error:
            raise ExtractionError("corrupt 7z") from error
        budget.finish()


def _7z_members(archive: py7zr.SevenZipFile, blob: Blob, budget: _Budget) -> Iterator[Member]:
    limits = budget.limits
    if archive.needs_password():
        raise EncryptedError("encrypted archive")
    for info in archive.list():
        if info.is_directory or info.is_symlink or not info.is_file:
            continue
        budget.count_member()
        if info.uncompressed > limits.max_member_bytes:
            budget.skip_large(_member_limit_reason(limits))
            continue
        factory = _BoundedFactory(budget)
        try:
            archive.extract(targets=[info.filename], factory=factory)
        except _MemberTooLarge as skipped:
            budget.skip_large(skipped.why)
            continue
        finally:
            archive.reset()
        writer = factory.writers.get(info.filename)
        data = writer.value() if writer is not None else b""
        yield _member(info.filename, data, blob, _7z_mtime(info))
