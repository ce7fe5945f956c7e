"""What the scan tests ask the operating system: processes below a pid, SMB sockets.

Read from ``/proc`` (Linux), so the tests see real processes and real connections.
"""

from __future__ import annotations

import os
import time
from pathlib import Path


def _stat_fields(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_bytes()
    except OSError:
        return None
    return raw.rsplit(b")", 1)[-1].decode("ascii", "replace").split()


def parent_of(pid: int) -> int | None:
    """The parent pid of ``pid``, or ``None`` when it is gone."""
    fields = _stat_fields(pid)
    return int(fields[1]) if fields else None


def is_running(pid: int) -> bool:
    """Whether ``pid`` exists and is not a zombie."""
    fields = _stat_fields(pid)
    return fields is not None and fields[0] != "Z"


def children(pid: int) -> set[int]:
    """The running processes whose parent is ``pid``."""
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit() and parent_of(int(entry)) == pid and is_running(int(entry)):
            found.add(int(entry))
    return found


def descendants(pid: int) -> set[int]:
    """Every running process below ``pid`` (children, their children, ...)."""
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        below = set().union(*(children(p) for p in frontier)) - found
        found |= below
        frontier = below
    return found


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def forkserver_workers(pid: int) -> set[int]:
    """The pool workers of the scanner ``pid``: children of its fork server."""
    servers = [child for child in children(pid) if "forkserver" in cmdline(child)]
    return set().union(*(children(server) for server in servers)) if servers else set()


def wait_for(condition: object, *, seconds: float = 60.0, step: float = 0.05) -> bool:
    """Poll ``condition()`` until it is true or ``seconds`` pass; whether it became true."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(step)
    return bool(condition())  # type: ignore[operator]


def established_to(port: int) -> set[int]:
    """Local ports of this machine's established TCP connections to ``port`` (client side)."""
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local, remote, state = fields[1], fields[2], fields[3]
            if state == "01" and int(remote.rsplit(":", 1)[1], 16) == port:
                ports.add(int(local.rsplit(":", 1)[1], 16))
    return ports
