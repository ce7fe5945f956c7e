"""Open local files read-only without ever blocking on one that is not a regular file.

``open(path)`` on a FIFO waits until some other process opens it for writing, which may be
never; on a character device it may wait for input, or read forever. A scan must not wait on a
name in a share that happens to be a FIFO (or that was swapped for one after the walk saw a
regular file), nor on a ``--key-file`` or ``scan-text`` argument that is one.

:func:`open_regular` therefore opens with ``O_NONBLOCK`` (which makes opening a FIFO return at
once), checks the type of what it opened with ``fstat`` (the object itself, so a rename in
between cannot fool it) and refuses anything but a regular file with
:class:`~piiscan.errors.SpecialFileError`, whose message names the kind (``special file
(fifo)``). A regular file is then read as usual: ``O_NONBLOCK`` is cleared again.

.. versionadded:: 0.1
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO

from piiscan.errors import SpecialFileError

__all__ = ["file_kind", "open_regular"]

_KINDS = (
    (stat.S_ISDIR, "directory"),
    (stat.S_ISFIFO, "fifo"),
    (stat.S_ISSOCK, "socket"),
    (stat.S_ISCHR, "character device"),
    (stat.S_ISBLK, "block device"),
    (stat.S_ISLNK, "symbolic link"),
    (stat.S_ISDOOR, "door"),
    (stat.S_ISPORT, "event port"),
    (stat.S_ISWHT, "whiteout"),
)

_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)


def file_kind(mode: int) -> str:
    """What kind of file an ``st_mode`` describes: ``regular file``, ``directory``, ``fifo``,
    ``socket``, ``character device`` ...

    :param mode: an ``st_mode``.
    """
    if stat.S_ISREG(mode):
        return "regular file"
    return next((kind for test, kind in _KINDS if test(mode)), "unknown file type")


def open_regular(path: Path | str) -> BinaryIO:
    """Open a regular file for binary reading, refusing every other kind without blocking.

    :param path: the file.
    :returns: a buffered, seekable binary stream at position 0; the caller closes it.
    :raises SpecialFileError: ``path`` is a FIFO, socket, device or directory.
    :raises OSError: the file cannot be opened (missing, permission denied ...).
    """
    try:
        descriptor = os.open(path, _OPEN_FLAGS)
    except OSError:
        # A socket cannot be opened at all (ENXIO): say what it is rather than how it failed.
        try:
            mode = os.stat(path).st_mode
        except OSError:
            mode = stat.S_IFREG
        if not stat.S_ISREG(mode):
            raise SpecialFileError(file_kind(mode)) from None
        raise
    try:
        mode = os.fstat(descriptor).st_mode
        if not stat.S_ISREG(mode):
            raise SpecialFileError(file_kind(mode))
        if hasattr(os, "set_blocking"):
            os.set_blocking(descriptor, True)
        return os.fdopen(descriptor, "rb")
    except BaseException:
        os.close(descriptor)
        raise
