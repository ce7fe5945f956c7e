"""Opening local files without blocking: only regular files are read, whatever the name.

Every open runs in a child process with a timeout, so that a regression (an open that waits on
a FIFO for a writer that never comes) fails the test instead of hanging the suite. The timeout
is a guard, not a measurement: a correct open returns at once.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

GUARD_SECONDS = 60

# Opens the path given as argv[1] as piiscan would, and prints what happened.
_OPEN = """
import sys
from piiscan.errors import SpecialFileError
from piiscan.files import open_regular
try:
    with open_regular(sys.argv[1]) as stream:
        print("read", len(stream.read()), stream.seekable())
except SpecialFileError as error:
    print("refused", error.status, error)
"""


def _run(code: str, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        capture_output=True,
        text=True,
        timeout=GUARD_SECONDS,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def _regular(path: Path) -> None:
    path.write_bytes(b"Personnummer 19121212-1212\n")


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _directory(path: Path) -> None:
    path.mkdir()


def _socket(path: Path) -> None:
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    server.close()  # the socket file stays


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (_regular, "read 27 True"),
        (_fifo, "refused skipped special file (fifo)"),
        (_directory, "refused skipped special file (directory)"),
        (_socket, "refused skipped special file (socket)"),
    ],
    ids=["regular", "fifo", "directory", "socket"],
)
def test_open_regular(tmp_path: Path, make: Callable[[Path], None], expected: str) -> None:
    # A short name: a Unix socket path is limited to about 100 bytes.
    path = tmp_path / "f"
    make(path)
    assert _run(_OPEN, str(path)) == expected


def test_a_character_device_is_refused() -> None:
    assert _run(_OPEN, os.devnull) == "refused skipped special file (character device)"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_a_file_swapped_for_a_fifo_after_the_walk_is_refused(tmp_path: Path) -> None:
    """The walk saw a regular file; by the time it is read, it is a FIFO."""
    root = tmp_path / "root"
    root.mkdir()
    _regular(root / "kunder.txt")
    code = """
    import os, sys
    from piiscan.errors import ExtractionError
    from piiscan.extractors.base import Limits
    from piiscan.extractors.dispatch import extract
    from piiscan.sources.filesystem import FileSystemSource
    (entry,) = FileSystemSource(root=sys.argv[1]).walk()
    path = os.path.join(sys.argv[1], "kunder.txt")
    os.unlink(path)
    os.mkfifo(path)
    try:
        media, items = extract(entry.blob, Limits())
        list(items)
    except ExtractionError as error:
        print(entry.ref.path, error.status, error)
    """
    assert _run(code, str(root)) == "kunder.txt skipped special file (fifo)"
