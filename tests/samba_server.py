"""A throwaway Samba server on 127.0.0.1 for tests that need a real SMB share.

:func:`serve_directory` starts Debian's ``smbd`` in the foreground with a private ``smb.conf``
written under a work directory: every Samba directory (private, lock, state, cache, pid, ncalrpc,
log) lives there, the passdb is a private ``tdbsam`` file, the server listens on loopback only
(``interfaces = lo``, ``bind interfaces only = yes``) on a free unprivileged port, and the one
share is read-only. Nothing of the system's Samba configuration is read or changed.

The share's user is the account that runs the tests (``root`` in CI containers), added to the
private passdb with a throwaway password; smbd needs a Unix account behind every SMB user and
this way no system account is created.

Usage::

    with serve_directory(tree, workdir) as server:
        server.url          # smb://root@127.0.0.1:40123/data
        server.password     # the throwaway password

The module does not import piiscan, so any test directory can use it (see
``tests/sources/conftest.py`` for the ``samba_share`` fixture built on it).
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

SMBD_CANDIDATES = ("/usr/sbin/smbd", "/usr/local/sbin/smbd", "/usr/local/samba/sbin/smbd")
SMBPASSWD_CANDIDATES = ("/usr/bin/smbpasswd", "/usr/local/bin/smbpasswd")
LOOPBACK = "127.0.0.1"


@dataclass(frozen=True, slots=True, kw_only=True)
class SambaServer:
    """A running test server and how to reach its share.

    :param host: always ``127.0.0.1``.
    :param port: the TCP port smbd listens on.
    :param share: the share name.
    :param username: the SMB user allowed to read the share.
    :param password: that user's throwaway password (kept out of ``repr``).
    :param directory: the local directory the share serves.
    :param workdir: where smb.conf, the passdb, locks and logs live.
    """

    host: str
    port: int
    share: str
    username: str
    password: str = field(repr=False)
    directory: Path
    workdir: Path

    @property
    def url(self) -> str:
        """``smb://user@127.0.0.1:port/share`` (no password)."""
        return f"smb://{self.username}@{self.host}:{self.port}/{self.share}"

    @property
    def log_file(self) -> Path:
        """The smbd log, useful when a test fails."""
        return self.workdir / "log" / "smbd.log"


def find_program(candidates: tuple[str, ...], name: str) -> str | None:
    """The first existing executable among ``candidates``, else ``name`` on ``PATH``.

    :param candidates: absolute paths to try first (``/usr/sbin`` is often not on ``PATH``).
    :param name: the program name to look up on ``PATH``.
    """
    for candidate in candidates:
        if os.access(candidate, os.X_OK):
            return candidate
    return shutil.which(name)


def smbd_missing_reason() -> str | None:
    """Why a Samba test cannot run here, or ``None`` when smbd and smbpasswd exist."""
    if find_program(SMBD_CANDIDATES, "smbd") is None:
        return "smbd not installed (Debian package: samba)"
    if find_program(SMBPASSWD_CANDIDATES, "smbpasswd") is None:
        return "smbpasswd not installed (Debian package: samba-common-bin)"
    return None


def free_port() -> int:
    """An unprivileged TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        port: int = probe.getsockname()[1]
        return port


def write_config(*, workdir: Path, directory: Path, port: int, share: str, username: str) -> Path:
    """Write the private smb.conf and create the directories it names.

    :param workdir: a directory for everything Samba writes.
    :param directory: the directory the share serves, read-only.
    :param port: the TCP port to listen on (loopback only).
    :param share: the share name.
    :param username: the only user allowed on the share.
    :return: the path of the written smb.conf.
    """
    dirs = {name: workdir / name for name in ("private", "lock", "state", "cache", "pid", "log")}
    dirs["ncalrpc"] = workdir / "lock" / "ncalrpc"
    for path in dirs.values():
        path.mkdir(parents=True, exist_ok=True)
    conf = workdir / "smb.conf"
    conf.write_text(
        f"""[global]
  server role = standalone server
  workgroup = PIISCANTEST
  netbios name = PIISCANTEST
  interfaces = lo
  bind interfaces only = yes
  smb ports = {port}
  disable netbios = yes
  server min protocol = SMB2_10
  smb encrypt = desired
  passdb backend = tdbsam:{dirs["private"]}/passdb.tdb
  private dir = {dirs["private"]}
  lock directory = {dirs["lock"]}
  state directory = {dirs["state"]}
  cache directory = {dirs["cache"]}
  pid directory = {dirs["pid"]}
  ncalrpc dir = {dirs["ncalrpc"]}
  binddns dir = {dirs["private"]}/bind-dns
  log file = {dirs["log"]}/smbd.log
  max log size = 0
  log level = 1
  load printers = no
  printing = bsd
  printcap name = /dev/null
  disable spoolss = yes
  map to guest = never
  unix extensions = no
  kernel oplocks = no

[{share}]
  path = {directory}
  read only = yes
  browseable = yes
  guest ok = no
  valid users = {username}
""",
        encoding="utf-8",
    )
    return conf


def add_user(conf: Path, username: str, password: str) -> None:
    """Add ``username`` with ``password`` to the private passdb named in ``conf``."""
    smbpasswd = find_program(SMBPASSWD_CANDIDATES, "smbpasswd")
    if smbpasswd is None:
        raise RuntimeError("smbpasswd not installed")
    subprocess.run(
        [smbpasswd, "-c", str(conf), "-s", "-a", username],
        input=f"{password}\n{password}\n",
        text=True,
        check=True,
        capture_output=True,
        timeout=30,
    )


def _wait_until_listening(process: subprocess.Popen[bytes], port: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.settimeout(0.5)
            if probe.connect_ex((LOOPBACK, port)) == 0:
                return True
        time.sleep(0.1)
    return False


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Stop smbd and every child it forked: they share the session it was started in."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
    else:
        # smbd itself ended; its forked children may linger in its process group.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)


@contextlib.contextmanager
def serve_directory(
    directory: Path,
    workdir: Path,
    *,
    share: str = "data",
    password: str = "Test-Password-1",
    attempts: int = 3,
    timeout: float = 30.0,
) -> Iterator[SambaServer]:
    """Serve ``directory`` read-only over SMB on 127.0.0.1 while the block runs.

    :param directory: the local directory to share.
    :param workdir: an empty directory for smb.conf, passdb, locks and logs.
    :param share: the share name.
    :param password: the SMB password of the test user.
    :param attempts: how many free ports to try (another process may grab one first).
    :param timeout: seconds to wait for smbd to listen.
    :raises RuntimeError: when smbd does not come up; the message quotes its log.
    """
    smbd = find_program(SMBD_CANDIDATES, "smbd")
    if smbd is None:
        raise RuntimeError("smbd not installed")
    username = pwd.getpwuid(os.getuid()).pw_name
    last_log = ""
    for _ in range(attempts):
        port = free_port()
        conf = write_config(
            workdir=workdir, directory=directory, port=port, share=share, username=username
        )
        add_user(conf, username, password)
        log = workdir / "log" / "smbd.stdout"
        with log.open("ab") as out:
            process = subprocess.Popen(
                [smbd, "--foreground", "--no-process-group", f"--configfile={conf}"],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            if _wait_until_listening(process, port, timeout):
                yield SambaServer(
                    host=LOOPBACK,
                    port=port,
                    share=share,
                    username=username,
                    password=password,
                    directory=directory,
                    workdir=workdir,
                )
                return
        finally:
            _stop(process)
        last_log = log.read_text(errors="replace")[-2000:]
    raise RuntimeError(f"smbd did not start on 127.0.0.1; last output:\n{last_log}")
