"""A throwaway Dovecot IMAP server on 127.0.0.1 for tests that need a real mailbox.

:func:`serve_maildir` starts Debian's ``dovecot`` in the foreground with a private
``dovecot.conf`` under a work directory: its base, state and log paths live there, the passdb
is a private ``passwd-file`` with one user and a throwaway password, the userdb is static, and
mail is a Maildir the test fills before the server starts. It listens on loopback only, on
free unprivileged ports: plain IMAP (with STARTTLS when ``tls`` is set) and, with ``tls``,
IMAPS, with a self-signed certificate for ``127.0.0.1`` made by ``openssl``. Nothing of the
system's Dovecot configuration is read or changed.

Run as root (CI), Dovecot's own unprivileged accounts (``dovecot``, ``dovenull``, created by
the Debian package) run its processes and own the Maildir; run as another user, that user
runs everything.

The module does not import piiscan.
"""

from __future__ import annotations

import contextlib
import grp
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

DOVECOT_CANDIDATES = ("/usr/sbin/dovecot", "/usr/local/sbin/dovecot")
LOOPBACK = "127.0.0.1"


@dataclass(frozen=True, slots=True, kw_only=True)
class DovecotServer:
    """A running test server.

    :param port: plain IMAP port (STARTTLS offered when the server has TLS).
    :param tls_port: IMAPS port, or ``None`` without TLS.
    :param username: the one user.
    :param password: its throwaway password (kept out of ``repr``).
    :param maildir: the user's Maildir.
    :param ca_file: the server's self-signed certificate (PEM), or ``None`` without TLS.
    """

    port: int
    tls_port: int | None
    username: str
    password: str = field(repr=False)
    maildir: Path
    ca_file: Path | None
    workdir: Path

    def url(self, folder: str = "INBOX", *, tls: bool = False) -> str:
        """``imap://user@127.0.0.1:port/folder`` (``imaps://`` on the TLS port)."""
        if tls:
            return f"imaps://{self.username}@{LOOPBACK}:{self.tls_port}/{folder}"
        return f"imap://{self.username}@{LOOPBACK}:{self.port}/{folder}"


def dovecot_missing_reason() -> str | None:
    """Why the server cannot run here, or ``None`` when it can."""
    if not any(Path(path).is_file() for path in DOVECOT_CANDIDATES):
        return "dovecot is not installed (Debian package dovecot-imapd)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("dovecot")
            pwd.getpwnam("dovenull")
        except KeyError:
            return "the dovecot/dovenull accounts of the Debian package are missing"
    return None


def openssl_missing_reason() -> str | None:
    return None if shutil.which("openssl") else "openssl is not installed"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return int(probe.getsockname()[1])


def make_certificate(workdir: Path) -> tuple[Path, Path]:
    """A self-signed certificate and key for 127.0.0.1, valid one day."""
    cert, key = workdir / "cert.pem", workdir / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
         "-out", str(cert), "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", f"subjectAltName=IP:{LOOPBACK}"],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


def _accounts() -> tuple[str, str, int, int]:
    """(internal user, login user, mail uid, mail gid)."""
    if os.geteuid() == 0:
        internal = pwd.getpwnam("dovecot")
        return "dovecot", "dovenull", internal.pw_uid, internal.pw_gid
    me = pwd.getpwuid(os.geteuid())
    return me.pw_name, me.pw_name, me.pw_uid, me.pw_gid


def write_config(*, workdir: Path, port: int, tls: tuple[int, Path, Path] | None) -> Path:
    internal, login, uid, gid = _accounts()
    group = grp.getgrgid(gid).gr_name
    if tls is None:
        ssl_lines = "ssl = no\n"
        imaps = "  inet_listener imaps {\n    port = 0\n  }\n"
    else:
        tls_port, cert, key = tls
        ssl_lines = f"ssl = yes\nssl_cert = <{cert}\nssl_key = <{key}\n"
        imaps = f"  inet_listener imaps {{\n    address = {LOOPBACK}\n    port = {tls_port}\n  }}\n"
    conf = workdir / "dovecot.conf"
    conf.write_text(
        f"base_dir = {workdir}/run\n"
        f"state_dir = {workdir}/state\n"
        f"log_path = {workdir}/dovecot.log\n"
        "protocols = imap\n"
        f"listen = {LOOPBACK}\n"
        f"{ssl_lines}"
        "disable_plaintext_auth = no\n"
        "auth_mechanisms = plain login\n"
        f"default_internal_user = {internal}\n"
        f"default_internal_group = {group}\n"
        f"default_login_user = {login}\n"
        "first_valid_uid = 1\n"
        "mail_location = maildir:~/Maildir\n"
        "passdb {\n  driver = passwd-file\n"
        f"  args = scheme=PLAIN username_format=%u {workdir}/passwd\n}}\n"
        "userdb {\n  driver = static\n"
        f"  args = uid={uid} gid={gid} home={workdir}/home/%u\n}}\n"
        "service imap-login {\n"
        f"  inet_listener imap {{\n    address = {LOOPBACK}\n    port = {port}\n  }}\n"
        f"{imaps}"
        "}\n",
        encoding="utf-8",
    )
    return conf


def _wait_until_listening(process: subprocess.Popen[bytes], port: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        with contextlib.suppress(OSError), socket.create_connection((LOOPBACK, port), 0.5):
            return True
        time.sleep(0.1)
    return False


@contextlib.contextmanager
def serve_maildir(
    fill: Path, *, username: str = "anna", tls: bool = False
) -> Iterator[DovecotServer]:
    """Serve a copy of the Maildir ``fill`` as ``username``'s mailbox until the block ends.

    The server's files live in a directory of their own under the system's temporary
    directory, open for reading to Dovecot's unprivileged processes (pytest's own temporary
    directories are private to the user running the tests), and removed afterwards.

    :raises RuntimeError: the server did not start (its log is in the message).
    """
    workdir = Path(tempfile.mkdtemp(prefix="piiscan-dovecot-"))
    try:
        with _serve(fill, workdir, username=username, tls=tls) as server:
            yield server
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


@contextlib.contextmanager
def _serve(fill: Path, workdir: Path, *, username: str, tls: bool) -> Iterator[DovecotServer]:
    password = "test-" + os.urandom(6).hex()
    for name in ("run", "state"):
        (workdir / name).mkdir(parents=True, exist_ok=True)
    home = workdir / "home" / username
    maildir = home / "Maildir"
    shutil.copytree(fill, maildir)
    (workdir / "passwd").write_text(f"{username}:{{PLAIN}}{password}\n", encoding="utf-8")
    _, _, uid, gid = _accounts()
    for path in [workdir / "home", home, *home.rglob("*")]:
        os.chown(path, uid, gid)
    os.chmod(workdir, 0o755)
    port = free_port()
    tls_setup = None
    ca_file = None
    if tls:
        cert, key = make_certificate(workdir)
        tls_setup, ca_file = (free_port(), cert, key), cert
    conf = write_config(workdir=workdir, port=port, tls=tls_setup)
    binary = next(path for path in DOVECOT_CANDIDATES if Path(path).is_file())
    log = (workdir / "stdout.log").open("wb")
    process = subprocess.Popen(
        [binary, "-F", "-c", str(conf)], stdout=log, stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        if not _wait_until_listening(process, port, 20) or (
            tls_setup and not _wait_until_listening(process, tls_setup[0], 20)
        ):
            log.flush()
            logs = [workdir / "stdout.log", workdir / "dovecot.log"]
            text = "".join(p.read_text("utf-8", "replace") for p in logs if p.exists())
            raise RuntimeError(f"dovecot did not start: {text[-2000:]}")
        yield DovecotServer(
            port=port,
            tls_port=tls_setup[0] if tls_setup else None,
            username=username,
            password=password,
            maildir=maildir,
            ca_file=ca_file,
            workdir=workdir,
        )
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)
        log.close()
