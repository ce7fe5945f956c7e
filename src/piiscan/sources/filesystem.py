"""Walk a local or mounted directory (or a single file) read-only.

:class:`FileSystemSource` yields one :class:`~piiscan.sources.base.Entry` per file it meets, in a
deterministic order: depth first, names sorted by code point within each directory. Paths are
relative to the root with ``/`` separators. Nothing is opened for writing and nothing is written
into the tree; files are only opened (read-only) when a blob's opener is called.

What becomes of each thing the walk meets:

==========================  ====================================================================
regular file                ``Entry`` with ``Blob.from_path`` (read-only), size and mtime
unreadable file/directory   status ``error``, reason ``permission denied``
symbolic link               status ``skipped``, reason ``symbolic link not followed``; with
                            ``follow_symlinks`` the target is walked, a directory seen again
                            on the current path is ``skipped`` ``symlink loop`` and one seen
                            elsewhere ``skipped`` ``directory already walked through another
                            link``; a dangling link is ``skipped`` ``broken symbolic link``
fifo, socket, device        status ``skipped``, reason ``special file (fifo)`` etc.; a file
                            that has become one by the time it is read is refused the same
                            way, without blocking (:func:`piiscan.files.open_regular`)
excluded, junk, hidden      not yielded at all (see :mod:`piiscan.sources.select`)
pg_dump ``-Fd`` data file   status ``skipped``, reason ``table data of a directory-format dump,
                            read with its toc.dat`` (:mod:`~piiscan.extractors.dumps.pg_directory`)
==========================  ====================================================================

A name that is not valid UTF-8 (possible on Linux) is shown in ``path`` with ``\\x..`` escapes;
the blob still reads the real file.

The rules are applied by :func:`piiscan.sources.walk.walk_tree`, the one walker every source
shares; this module lists directories and stats entries for it.

.. versionadded:: 0.1
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from piiscan.errors import SourceError
from piiscan.extractors.base import Blob
from piiscan.extractors.dumps.pg_directory import REASON_DUMP_DATA, owned_data_files
from piiscan.files import file_kind
from piiscan.model import ObjectRef, Status
from piiscan.sources.base import Entry
from piiscan.sources.select import (
    REASON_BROKEN_SYMLINK,
    REASON_EXCLUDED,
    REASON_PERMISSION,
    REASON_SYMLINK_LOOP,
    REASON_VANISHED,
    WalkOptions,
    is_hidden_attribute,
)
from piiscan.sources.walk import ListingError, Node, walk_tree

_DirKey = tuple[int, int]


def special_file_kind(mode: int) -> str | None:
    """The kind of a non-regular, non-directory file (``fifo``, ``socket``...), else ``None``.

    :param mode: an ``st_mode``.
    """
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode) or stat.S_ISLNK(mode):
        return None
    return file_kind(mode)


def display_name(name: str) -> str:
    """A file name as it can be stored: undecodable bytes become ``\\x..`` escapes.

    :param name: a name from ``os.scandir`` (may carry surrogate escapes).
    """
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return name


def _error_reason(exc: OSError) -> str:
    """A reason for an OS error that names no path (the path is in the row already)."""
    if isinstance(exc, PermissionError):
        return REASON_PERMISSION
    if isinstance(exc, FileNotFoundError):
        return REASON_VANISHED
    if exc.errno == errno.ELOOP:
        return REASON_SYMLINK_LOOP
    return exc.strerror or type(exc).__name__


@dataclass(frozen=True, slots=True)
class _Seen:
    """A directory entry and what its stat said (``None`` when the stat failed)."""

    entry: os.DirEntry[str]
    st: os.stat_result | None


@dataclass(frozen=True, slots=True, kw_only=True)
class FileSystemSource:
    """A local or mounted directory, or a single file, walked read-only.

    :param root: the path as the user named it; stored unchanged in every
        :class:`~piiscan.model.ObjectRef`.
    :param options: selection, symlink and size options.
    """

    root: str
    options: WalkOptions = field(default_factory=WalkOptions)

    def walk(self) -> Iterator[Entry]:
        """Yield every selected file under the root, depth first in sorted order.

        A root that is a single file yields one entry whose path is the file's name.

        :raises SourceError: when the root does not exist, cannot be read, or is neither a
            file nor a directory.
        """
        base = Path(self.root).absolute()
        try:
            root_stat = base.stat()
        except FileNotFoundError:
            raise SourceError(f"root does not exist: {self.root}") from None
        except OSError as exc:
            raise SourceError(f"cannot open root: {_error_reason(exc)}: {self.root}") from None
        if stat.S_ISDIR(root_stat.st_mode):
            try:
                entries = self._list(base)
            except OSError as exc:
                raise SourceError(f"cannot list root: {_error_reason(exc)}: {self.root}") from None
            key = (root_stat.st_dev, root_stat.st_ino)
            return walk_tree(
                self,
                self._nodes(entries),
                root_key=key,
                # Without links a directory cannot be reached twice (bind mounts aside, which
                # the ancestor check covers).
                remember_walked=self.options.follow_symlinks,
            )
        if stat.S_ISREG(root_stat.st_mode):
            entry = self._file_entry(base, display_name(base.name), root_stat)
            return iter((replace(entry, open_path=""),))
        raise SourceError(f"root is not a file or directory: {self.root}")

    def open(self, path: str) -> Blob:
        """The file at ``path`` below the root (``""``: the root itself), opened read-only.

        :param path: an entry's ``open_path``, else its ``ref.path``.
        :raises OSError: when the file is missing or cannot be read.
        """
        target = Path(self.root).absolute() / path if path else Path(self.root).absolute()
        return Blob.from_path(target, name=display_name(target.name))

    def close(self) -> None:
        """Nothing to close: a local file is opened and closed by each reader."""

    def _ref(self, rel: str) -> ObjectRef:
        return ObjectRef(root=self.root, path=rel)

    def _row(
        self, rel: str, status: Status, reason: str, st: os.stat_result | None = None
    ) -> Entry:
        return Entry(
            ref=self._ref(rel),
            blob=None,
            size=st.st_size if st is not None and stat.S_ISREG(st.st_mode) else None,
            mtime=st.st_mtime if st is not None else None,
            status=status,
            reason=reason,
        )

    @staticmethod
    def _list(path: Path | str) -> Iterator[os.DirEntry[str]]:
        with os.scandir(path) as scan:
            return iter(sorted(scan, key=lambda entry: entry.name))

    @staticmethod
    def _dump_data(
        entries: Iterator[os.DirEntry[str]],
    ) -> tuple[list[os.DirEntry[str]], frozenset[str]]:
        """A directory's entries, and the table data files of a directory-format pg_dump
        among them, which its ``toc.dat`` reads (:mod:`~piiscan.extractors.dumps.pg_directory`)."""
        listed = list(entries)
        if not listed:
            return listed, frozenset()
        folder = Path(listed[0].path).parent
        return listed, owned_data_files(folder, [entry.name for entry in listed])

    def _file_entry(self, path: Path, rel: str, st: os.stat_result) -> Entry:
        """The entry of a regular file: a blob, or a row saying why there is none."""
        # The size limit is the dispatcher's to judge (sources.select, "max_object_bytes").
        if not os.access(path, os.R_OK):
            return self._row(rel, Status.ERROR, REASON_PERMISSION, st)
        try:
            blob = Blob.from_path(path, name=display_name(path.name))
        except OSError as exc:
            return self._row(rel, Status.ERROR, _error_reason(exc))
        native, raw = None, str(path)
        if display_name(raw) != raw:  # the shown path escapes bytes: open by the real one
            native = os.path.relpath(path, Path(self.root).absolute())
        return Entry(
            ref=self._ref(rel), blob=blob, size=st.st_size, mtime=st.st_mtime, open_path=native
        )

    # -- the listing the walk rules run over (piiscan.sources.walk) -------------------------

    def children(self, directory: Node[_Seen]) -> Iterator[Node[_Seen]]:
        """The entries of a directory, sorted by name, each stat'ed as it is reached.

        :raises ListingError: when the directory cannot be listed.
        """
        try:
            return self._nodes(self._list(directory.handle.entry.path))
        except OSError as exc:
            raise ListingError(_error_reason(exc)) from None

    def _nodes(self, entries: Iterator[os.DirEntry[str]]) -> Iterator[Node[_Seen]]:
        follow = self.options.follow_symlinks
        listed, dump_data = self._dump_data(entries)
        for entry in listed:
            name = display_name(entry.name)
            is_link = False
            try:
                is_link = entry.is_symlink()
                st = entry.stat(follow_symlinks=follow or not is_link)
            except OSError as exc:
                status, reason = _unstattable(exc, is_link=is_link)
                yield Node(name=name, kind="failed", handle=_Seen(entry, None),
                           status=status, reason=reason)  # fmt: skip
                continue
            seen = _Seen(entry, st)
            hidden = is_hidden_attribute(getattr(st, "st_file_attributes", 0))
            if is_link and not follow:
                yield Node(name=name, kind="link", handle=seen, hidden=hidden)
            elif stat.S_ISDIR(st.st_mode):
                key = self._dir_key(entry, st)
                yield Node(name=name, kind="dir", handle=seen, key=key, hidden=hidden)
            elif stat.S_ISREG(st.st_mode) and entry.name in dump_data:
                # Read with the dump's toc.dat, by table and column: not a second time here.
                yield Node(name=name, kind="failed", handle=seen, hidden=hidden,
                           status=Status.SKIPPED, reason=REASON_DUMP_DATA)  # fmt: skip
            elif stat.S_ISREG(st.st_mode):
                yield Node(name=name, kind="file", handle=seen, hidden=hidden)
            else:
                kind = special_file_kind(st.st_mode) or "unknown file type"
                yield Node(name=name, kind="special", handle=seen, hidden=hidden, reason=kind)

    def file_entry(self, rel: str, node: Node[_Seen]) -> Entry:
        """The entry of a regular file the walk selected."""
        st = node.handle.st
        if st is None:  # only failed nodes lack a stat, and they are rows
            return self._row(rel, Status.ERROR, "not readable")
        return self._file_entry(Path(node.handle.entry.path), rel, st)

    def row(self, rel: str, status: Status, reason: str, node: Node[_Seen]) -> Entry:
        """The row of an entry the walk passed over (an excluded one with its mtime, as an SMB
        listing gives it)."""
        if reason == REASON_DUMP_DATA:  # a file: its size and mtime, as a read one has
            return self._row(rel, status, reason, node.handle.st)
        entry = self._row(rel, status, reason)
        st = node.handle.st if reason == REASON_EXCLUDED else None
        return entry if st is None else dataclasses.replace(entry, mtime=st.st_mtime)

    def _dir_key(self, entry: os.DirEntry[str], st: os.stat_result) -> _DirKey:
        """(device, inode) of a directory; ``os.DirEntry.stat`` leaves both zero on Windows."""
        if st.st_ino == 0:
            with contextlib.suppress(OSError):
                st = os.stat(entry.path, follow_symlinks=self.options.follow_symlinks)
        return (st.st_dev, st.st_ino)


def _unstattable(exc: OSError, *, is_link: bool) -> tuple[Status, str]:
    """Status and reason of an entry whose stat failed: a dangling or looping link, or an
    error."""
    if is_link and isinstance(exc, FileNotFoundError):
        return Status.SKIPPED, REASON_BROKEN_SYMLINK
    if is_link and exc.errno == errno.ELOOP:
        return Status.SKIPPED, REASON_SYMLINK_LOOP
    return Status.ERROR, _error_reason(exc)
