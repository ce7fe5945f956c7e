"""Read a live mailbox over IMAP (``imaps://user@host[:port]/INBOX``), strictly read-only.

A root names one folder (``imaps://anna@mail.exempel.se/INBOX``, ``…/Arkiv/2019``) or, with
no folder or ``*``, every folder of the account (``imaps://anna@mail.exempel.se/``). Each
message is one object: its path is the folder, ``/``-separated whatever the server's hierarchy
delimiter, then the message's UID (``INBOX/4711``), and it is read by the message extractor
like an ``.eml`` file, so its findings are located ``message=<Message-ID>/header=From``,
``message=<Message-ID>/part=2/attachment=kund.docx``… as in an mbox.

Read-only, always: folders are opened with ``EXAMINE`` (never ``SELECT``), messages fetched
with ``BODY.PEEK[]`` (never ``BODY[]`` or ``RFC822``), so no message is marked ``\\Seen`` and
nothing is stored, copied, moved or expunged. The walk fetches only ``RFC822.SIZE`` and
``INTERNALDATE``; a message over the size limit is a ``too_large`` row without being read.

Transport, as a mail client does it:

- ``imaps://`` (port 993): TLS from the start, the server's certificate verified against the
  system's trust store or ``ca_file``.
- ``imap://`` (port 143): upgraded with ``STARTTLS`` (verified the same way) when the server
  offers it. A server that does not offer it is refused, unless the host is a loopback
  address (a test server on 127.0.0.1) or ``allow_plaintext`` is set: the password would
  cross the network in clear.
- ``insecure`` turns certificate verification off (a server with a self-signed certificate
  that cannot be given as ``ca_file``); the connection is still encrypted.

Credentials: the user from the URL, else ``user`` (``PIISCAN_IMAP_USER``); the password from
``PIISCAN_IMAP_PASSWORD`` or a file (``--imap-password-file``), never from the URL (a URL
with a password is refused, so it never reaches a process list, the config or the
inventory). The password is kept out of ``repr`` and messages, and a pickled source drops it.
A scan sends workers only message handles; each worker builds its own source for the root,
reading the password from the environment or the file itself, and logs in once. (A password
a library caller passes to :func:`piiscan.api.scan` travels to the workers with their setup,
as the SMB password does.)

.. versionadded:: 0.2
"""

from __future__ import annotations

import base64
import contextlib
import imaplib
import ipaddress
import os
import re
import socket
import ssl
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from piiscan.errors import ConfigError, SourceError
from piiscan.extractors.base import Blob
from piiscan.locator import Locator, join
from piiscan.model import ObjectRef, Status
from piiscan.sources.base import Entry
from piiscan.sources.select import WalkOptions, is_selected, is_too_large, too_large_reason

__all__ = [
    "ENV_PASSWORD",
    "ENV_USER",
    "ImapOptions",
    "ImapSource",
    "ImapUrl",
    "decode_folder_name",
    "parse_imap_url",
    "read_password_file",
]

ENV_USER = "PIISCAN_IMAP_USER"
ENV_PASSWORD = "PIISCAN_IMAP_PASSWORD"
PORTS = {"imaps": 993, "imap": 143}
TIMEOUT_SECONDS = 60.0

_LIST_LINE = re.compile(
    rb'\((?P<flags>[^)]*)\)\s+(?P<delimiter>"(?:[^"\\]|\\.)*"|NIL)\s+(?P<name>.*)'
)
_SIZE = re.compile(rb"RFC822\.SIZE\s+(\d+)")
_UID = re.compile(rb"UID\s+(\d+)")


@dataclass(frozen=True, slots=True, kw_only=True)
class ImapUrl:
    """A parsed ``imaps://`` or ``imap://`` URL (never with a password).

    :param scheme: ``imaps`` (TLS from the start) or ``imap`` (STARTTLS, see the module doc).
    :param host: the server (lower case).
    :param port: 993 or 143 unless the URL names one.
    :param folder: the folder as the user wrote it, ``/``-separated; ``None`` for every folder.
    :param username: the user named in the URL.
    """

    scheme: str
    host: str
    port: int
    folder: str | None = None
    username: str | None = None

    @property
    def url(self) -> str:
        """The URL again, normalised."""
        user = "" if self.username is None else quote(self.username, safe="") + "@"
        host = f"[{self.host}]" if ":" in self.host else self.host
        port = "" if self.port == PORTS[self.scheme] else f":{self.port}"
        folder = "" if self.folder is None else quote(self.folder)
        return f"{self.scheme}://{user}{host}{port}/{folder}"

    @property
    def is_loopback(self) -> bool:
        """Whether the server is on this machine (``localhost``, ``127.0.0.0/8``, ``::1``)."""
        if self.host == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False


def parse_imap_url(url: str) -> ImapUrl:
    """Parse ``imaps://[user@]host[:port]/[folder]`` (or ``imap://``).

    :raises ConfigError: not an IMAP URL, no server, a bad port, a query or fragment, or a
        password in the URL. The message never quotes the URL.
    """
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise ConfigError("malformed IMAP URL (bad port or address)") from None
    scheme = parts.scheme.lower()
    if scheme not in PORTS:
        raise ConfigError("not an IMAP URL: it must start with imaps:// or imap://")
    if parts.password is not None:
        raise ConfigError(
            f"an IMAP URL must not hold a password: use ${ENV_PASSWORD} or --imap-password-file"
        )
    if parts.query or parts.fragment:
        raise ConfigError("IMAP URL must not have a query or fragment (percent-encode ? and #)")
    if not parts.hostname:
        raise ConfigError("IMAP URL names no server: expected imaps://user@host/INBOX")
    folder = unquote(parts.path).strip("/")
    return ImapUrl(
        scheme=scheme,
        host=parts.hostname.lower(),
        port=port or PORTS[scheme],
        folder=None if folder in ("", "*") else folder,
        username=unquote(parts.username) if parts.username else None,
    )


def read_password_file(path: Path) -> str:
    """The password in the first line of ``path`` (the line end dropped).

    :raises ConfigError: the file cannot be read (the message names the file, not its text).
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) else "not UTF-8"
        raise ConfigError(f"cannot read the IMAP password file {path}: {reason}") from None
    return text.splitlines()[0] if text else ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ImapOptions:
    """How to reach IMAP servers; part of the scan's config (no secret in it).

    :param username: the user when the URL names none (``PIISCAN_IMAP_USER``).
    :param password_file: a file whose first line is the password (read by each process that
        logs in, so the password itself never travels between processes).
    :param ca_file: PEM file of certificates to trust instead of the system's.
    :param insecure: do not verify the server's certificate (still encrypted).
    :param allow_plaintext: allow ``imap://`` without TLS to a server that is not loopback.
    :param timeout: seconds to wait for the server on each read.
    """

    username: str | None = None
    password_file: Path | None = None
    ca_file: Path | None = None
    insecure: bool = False
    allow_plaintext: bool = False
    timeout: float = TIMEOUT_SECONDS


def decode_folder_name(raw: str) -> str:
    """A folder name in IMAP's modified UTF-7 (RFC 3501 5.1.3) as text.

    >>> decode_folder_name("Kundtj&AOQ-nst")
    'Kundtjänst'
    """
    out: list[str] = []
    index = 0
    while index < len(raw):
        amp = raw.find("&", index)
        if amp == -1:
            out.append(raw[index:])
            break
        out.append(raw[index:amp])
        end = raw.find("-", amp)
        if end == -1:
            out.append(raw[amp:])
            break
        encoded = raw[amp + 1 : end]
        if not encoded:
            out.append("&")
        else:
            padded = encoded.replace(",", "/") + "=" * (-len(encoded) % 4)
            try:
                out.append(base64.b64decode(padded).decode("utf-16-be"))
            except (ValueError, UnicodeDecodeError):
                out.append(raw[amp : end + 1])
        index = end + 1
    return "".join(out)


def _encode_folder_name(text: str) -> str:
    """``text`` in modified UTF-7, the inverse of :func:`decode_folder_name`."""
    out: list[str] = []
    pending: list[str] = []

    def flush() -> None:
        if pending:
            data = "".join(pending).encode("utf-16-be")
            out.append(
                "&" + base64.b64encode(data).decode("ascii").rstrip("=").replace("/", ",") + "-"
            )
            pending.clear()

    for char in text:
        if 0x20 <= ord(char) <= 0x7E:
            flush()
            out.append("&-" if char == "&" else char)
        else:
            pending.append(char)
    flush()
    return "".join(out)


def _quoted(name: str) -> str:
    """A mailbox name as an IMAP quoted string."""
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _unquoted(token: bytes) -> str:
    text = token.decode("ascii", "replace").strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return re.sub(r"\\(.)", r"\1", text[1:-1])
    return text


@dataclass(frozen=True, slots=True)
class _Folder:
    raw: str  # the server's name (modified UTF-7), as sent in commands
    path: str  # as shown in object paths: decoded, "/"-separated


@dataclass(frozen=True, slots=True, kw_only=True)
class ImapSource:
    """An IMAP account, or one folder of it, walked read-only (see the module docstring).

    Build it with :meth:`from_url`. It logs in on first use and keeps one connection until
    :meth:`close`.

    :param root: the URL as the user wrote it.
    :param location: the parsed URL.
    :param options: walk options (include/exclude globs apply to ``folder/uid`` paths; the
        size limit to messages).
    :param imap: how to connect (TLS, certificates).
    :param username: the IMAP user.
    :param password: the password; never shown in ``repr`` and never pickled.
    """

    root: str
    location: ImapUrl
    options: WalkOptions = field(default_factory=WalkOptions)
    imap: ImapOptions = field(default_factory=ImapOptions)
    username: str | None = None
    password: str | None = field(default=None, repr=False, compare=False)
    _state: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        options: WalkOptions | None = None,
        imap: ImapOptions | None = None,
        password: str | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> ImapSource:
        """A source for ``url``; the user from the URL, ``imap.username`` or
        ``PIISCAN_IMAP_USER``; the password from ``password``, ``imap.password_file`` or
        ``PIISCAN_IMAP_PASSWORD``.

        :raises ConfigError: for a malformed URL or a password file that cannot be read.
        """
        location = parse_imap_url(url)
        env = os.environ if environ is None else environ
        imap = imap or ImapOptions()
        return cls(
            root=location.url,
            location=location,
            options=options or WalkOptions(),
            imap=imap,
            username=location.username or imap.username or env.get(ENV_USER) or None,
            password=password
            or (read_password_file(imap.password_file) if imap.password_file else None)
            or env.get(ENV_PASSWORD)
            or None,
        )

    def __getstate__(self) -> dict[str, Any]:
        # The password stays in the process that read it: a pickled source cannot log in.
        names = ("root", "location", "options", "imap", "username")
        return {name: getattr(self, name) for name in names}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for name, value in state.items():
            object.__setattr__(self, name, value)
        object.__setattr__(self, "password", None)
        object.__setattr__(self, "_state", {})

    def __enter__(self) -> ImapSource:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Log out and drop the connection; safe to call more than once."""
        client = self._state.pop("client", None)
        self._state.clear()
        if client is not None:
            with contextlib.suppress(imaplib.IMAP4.error, OSError):
                client.logout()

    # -- connecting ----------------------------------------------------------------------------

    def _where(self) -> str:
        return f"{self.location.host}:{self.location.port}"

    def _tls(self) -> ssl.SSLContext:
        context = ssl.create_default_context(
            cafile=str(self.imap.ca_file) if self.imap.ca_file else None
        )
        if self.imap.insecure:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return context

    def _client(self) -> imaplib.IMAP4:
        client: imaplib.IMAP4 | None = self._state.get("client")
        if client is None:
            client = self.connect()
        return client

    def connect(self) -> imaplib.IMAP4:
        """Connect and log in now (walks and opens also do it on first use).

        :raises ConfigError: no user or no password was given.
        :raises SourceError: the server cannot be reached, its certificate is not trusted, it
            offers no TLS where TLS is required, or it refuses the login. The message names
            server and user, never the password.
        """
        self.close()
        where, user = self._where(), self.username or "(none)"
        if self.username is None or self.password is None:
            raise ConfigError(
                f"IMAP login to {where} needs a user and a password (${ENV_USER} or the URL, "
                f"${ENV_PASSWORD} or --imap-password-file)"
            )
        location = self.location
        try:
            client: imaplib.IMAP4
            if location.scheme == "imaps":
                client = imaplib.IMAP4_SSL(
                    location.host, location.port, ssl_context=self._tls(), timeout=self.imap.timeout
                )
            else:
                client = imaplib.IMAP4(location.host, location.port, timeout=self.imap.timeout)
                if "STARTTLS" in client.capabilities:
                    client.starttls(ssl_context=self._tls())
                elif not (location.is_loopback or self.imap.allow_plaintext):
                    client.shutdown()
                    raise SourceError(
                        f"IMAP server {where} offers no STARTTLS: the password would cross the "
                        "network in clear (use imaps://, or --imap-allow-plaintext)"
                    )
        except ssl.SSLCertVerificationError as error:
            raise SourceError(
                f"IMAP server {where}: certificate not trusted ({error.verify_message}); "
                "pass --imap-ca-file, or --imap-insecure"
            ) from None
        except (OSError, imaplib.IMAP4.error) as error:
            raise SourceError(f"cannot connect to IMAP server {where}: {_reason(error)}") from None
        try:
            _login(client, self.username, self.password)
        except (imaplib.IMAP4.error, UnicodeEncodeError):
            _drop(client)
            raise SourceError(
                f"IMAP login refused by {where} for user {user} (wrong user or password)"
            ) from None
        except OSError as error:
            _drop(client)
            raise SourceError(f"cannot connect to IMAP server {where}: {_reason(error)}") from None
        self._state["client"] = client
        return client

    def _examine(self, client: imaplib.IMAP4, raw: str) -> int | None:
        """Open ``raw`` read-only (``EXAMINE``); its UIDVALIDITY.

        :raises OSError: the folder cannot be opened.
        """
        if self._state.get("folder") == raw:
            return self._state.get("uidvalidity")
        self._state.pop("folder", None)
        kind, _ = client.select(_quoted(raw), readonly=True)  # readonly: EXAMINE
        if kind != "OK":
            raise OSError(f"IMAP folder cannot be opened ({kind})")
        # imaplib keeps the response codes of the EXAMINE (``[UIDVALIDITY 1234]``) by name.
        validity = client.untagged_responses.get("UIDVALIDITY", [None])[-1]
        value = int(validity) if isinstance(validity, bytes | str) else None
        self._state["folder"], self._state["uidvalidity"] = raw, value
        return value

    # -- walking -------------------------------------------------------------------------------

    def _folders(self, client: imaplib.IMAP4) -> list[_Folder]:
        kind, lines = client.list()
        if kind != "OK":
            raise SourceError(f"IMAP server {self._where()} refused to list folders")
        folders = []
        pending: list[Any] = list(lines)
        while pending:
            line = pending.pop(0)
            if isinstance(line, tuple):  # a name sent as a literal
                head, literal = line
                match = _LIST_LINE.match(head)
                name = literal.decode("ascii", "replace")
            else:
                if line is None:
                    continue
                match = _LIST_LINE.match(line)
                name = _unquoted(match.group("name")) if match else ""
            if match is None or b"\\noselect" in match.group("flags").lower():
                continue
            if b"\\nonexistent" in match.group("flags").lower():
                continue
            delimiter = _unquoted(match.group("delimiter"))
            shown = decode_folder_name(name)
            if delimiter not in ("", "NIL", "/"):
                shown = shown.replace(delimiter, "/")
            folders.append(_Folder(raw=name, path=shown))
        return sorted(folders, key=lambda folder: folder.path)

    def _wanted_folders(self, client: imaplib.IMAP4) -> list[_Folder]:
        folders = self._folders(client)
        wanted = self.location.folder
        if wanted is None:
            return folders
        for folder in folders:
            if (
                folder.path == wanted
                or folder.raw == wanted
                or (wanted.upper() == "INBOX" and folder.raw.upper() == "INBOX")
            ):
                return [folder]
        raise SourceError(f"root does not exist: no folder {_encode_folder_name(wanted)!r} "
                          f"on {self._where()}")  # fmt: skip

    def walk(self) -> Iterator[Entry]:
        """An entry per message of the root's folders, folders in name order, messages by UID.

        :raises SourceError: the server cannot be reached, refuses the login, or the folder
            does not exist.
        """
        client = self._client()
        folders = self._wanted_folders(client)
        return self._walk(client, folders)

    def _walk(self, client: imaplib.IMAP4, folders: list[_Folder]) -> Iterator[Entry]:
        for folder in folders:
            if not is_selected(folder.path, self.options, is_dir=True):
                continue
            try:
                validity = self._examine(client, folder.raw)
                kind, data = client.uid("FETCH", "1:*", "(UID RFC822.SIZE INTERNALDATE)")
            except (imaplib.IMAP4.error, OSError) as error:
                yield Entry(
                    ref=ObjectRef(root=self.root, path=folder.path),
                    blob=None,
                    status=Status.ERROR,
                    reason=f"IMAP folder cannot be read: {_reason(error)}",
                )
                continue
            if kind != "OK":
                continue
            for item in data:
                line = item[0] if isinstance(item, tuple) else item
                if not isinstance(line, bytes):
                    continue
                uid_match, size_match = _UID.search(line), _SIZE.search(line)
                if uid_match is None:
                    continue
                uid = int(uid_match.group(1))
                rel = f"{folder.path}/{uid}"
                if not is_selected(rel, self.options):
                    continue
                size = int(size_match.group(1)) if size_match else None
                date = imaplib.Internaldate2tuple(line)
                mtime = time.mktime(date) if date is not None else None
                open_path = join([("folder", folder.raw), ("uidvalidity", str(validity or 0)),
                                  ("uid", str(uid))])  # fmt: skip
                if size is not None and is_too_large(size, self.options):
                    yield Entry(
                        ref=ObjectRef(root=self.root, path=rel),
                        blob=None,
                        size=size,
                        mtime=mtime,
                        status=Status.TOO_LARGE,
                        reason=too_large_reason(size, self.options),
                    )
                    continue
                yield Entry(
                    ref=ObjectRef(root=self.root, path=rel),
                    blob=Blob(name=f"{uid}.eml", size=size, opener=_NotOpened()),
                    size=size,
                    mtime=mtime,
                    open_path=open_path,
                )

    # -- reading -------------------------------------------------------------------------------

    def open(self, path: str) -> Blob:
        """The message at ``path`` (an entry's ``open_path``), fetched with ``BODY.PEEK[]``.

        :raises SourceError: the server cannot be reached or refuses the login.
        :raises OSError: the message is gone, or the folder changed since the walk
            (another UIDVALIDITY: its UIDs may name other messages now).
        """
        steps = dict(Locator.parse(path).steps)
        raw, uid = steps.get("folder"), steps.get("uid")
        if raw is None or uid is None or not uid.isdigit():
            raise OSError("not an IMAP message handle")
        client = self._client()
        try:
            validity = self._examine(client, raw)
            if str(validity or 0) != steps.get("uidvalidity", "0"):
                raise OSError("IMAP folder changed since the walk (UIDVALIDITY)")
            kind, data = client.uid("FETCH", uid, "(BODY.PEEK[])")
        except imaplib.IMAP4.abort as error:
            self.close()  # the connection is gone; the next object reconnects
            raise OSError(f"IMAP connection lost: {_reason(error)}") from None
        except imaplib.IMAP4.error as error:
            raise OSError(f"IMAP fetch failed: {_reason(error)}") from None
        body = next(
            (item[1] for item in data if isinstance(item, tuple) and isinstance(item[1], bytes)),
            None,
        )
        if kind != "OK" or body is None:
            raise OSError("IMAP message no longer exists")
        return Blob.from_bytes(f"{uid}.eml", body)


@dataclass(frozen=True, slots=True)
class _NotOpened:
    """The walk's blobs are never read: a scan opens a message through :meth:`ImapSource.open`."""

    def __call__(self) -> Any:
        raise OSError("an IMAP message is read through its source's open()")


def _login(client: imaplib.IMAP4, user: str, password: str) -> None:
    """Log in: ``AUTHENTICATE PLAIN`` (UTF-8, so any password) where offered, else ``LOGIN``."""
    if "AUTH=PLAIN" in client.capabilities:
        response = f"\0{user}\0{password}".encode()
        client.authenticate("PLAIN", lambda _challenge: response)
    else:
        client.login(user, password)


def _drop(client: imaplib.IMAP4) -> None:
    with contextlib.suppress(OSError):
        client.shutdown()


def _reason(error: BaseException) -> str:
    """What went wrong, without quoting the server (its text may echo a command)."""
    if isinstance(error, socket.gaierror):
        return "name not resolved"
    if isinstance(error, ConnectionRefusedError):
        return "connection refused"
    if isinstance(error, TimeoutError | socket.timeout):
        return "timed out"
    if isinstance(error, ssl.SSLError):
        return f"TLS error ({error.reason or type(error).__name__})"
    if isinstance(error, OSError) and error.strerror:
        return error.strerror.lower()
    if isinstance(error, OSError) and error.args and isinstance(error.args[0], str):
        return error.args[0]
    return type(error).__name__
