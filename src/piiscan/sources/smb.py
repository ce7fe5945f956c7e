"""Walk an SMB share (``smb://[user@]host[:port]/share/path``) read-only with smbprotocol.

:class:`SmbSource` talks to the server with smbprotocol's high-level ``smbclient`` API, on its
own connection pool (never smbclient's process-wide one, so two sources with different
credentials never share a session). Directories are listed with ``scandir``; files are opened
with read access only and ``share_access="rwd"``, so a scan never locks users out of their
documents (the smbclient default opens files exclusively).

Selection, order, relative paths and statuses are those of
:class:`~piiscan.sources.filesystem.FileSystemSource`: both walks are
:func:`piiscan.sources.walk.walk_tree` over the source's listing. Differences that come from
SMB:

* A server such as Samba follows Unix symbolic links itself, so they look like ordinary files
  and directories. Directories are therefore always checked by file id: one met again on the
  current path is ``skipped`` ``symlink loop``, one met elsewhere ``skipped`` ``directory
  already walked through another link``. Windows symbolic links (reparse points) are treated
  like local links.
* Files are not opened during the walk, so a file the user may list but not read fails when
  its blob is opened (the scan records that as an error row); a directory that cannot be listed
  is an ``error`` ``permission denied`` row.
* Hidden and system attributes count as hidden when ``include_hidden`` is off.

Credentials: the user name comes from the argument, the URL or ``PIISCAN_SMB_USER``; the
password from the argument, the URL (discouraged: it shows in process lists) or
``PIISCAN_SMB_PASSWORD``. The password is kept out of ``repr``, messages, ``root`` and every
:class:`~piiscan.model.ObjectRef`. A scan never sends a source to another process: each worker
builds its own from the scan's configuration, opens objects by path (:meth:`SmbSource.open`) over
one connection, and closes it when the worker stops. Pickling a source (possible, for
:class:`SmbOpener`) carries the password.

.. versionadded:: 0.1
"""

from __future__ import annotations

import datetime
import errno
import io
import os
import socket
import stat
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, BinaryIO, cast
from urllib.parse import quote, unquote, urlsplit

import smbclient
from smbprotocol.exceptions import (
    SMBAuthenticationError,
    SMBException,
    SMBOSError,
    SMBResponseException,
)

from piiscan.errors import ConfigError, SourceError
from piiscan.extractors.base import Blob
from piiscan.model import ObjectRef, Status
from piiscan.sources.base import Entry
from piiscan.sources.select import (
    REASON_BROKEN_SYMLINK,
    REASON_PERMISSION,
    REASON_SYMLINK_LOOP,
    REASON_VANISHED,
    WalkOptions,
    is_hidden_attribute,
)
from piiscan.sources.walk import ListingError, Node, walk_tree

DEFAULT_PORT = 445
ENV_USER = "PIISCAN_SMB_USER"
ENV_PASSWORD = "PIISCAN_SMB_PASSWORD"
SPOOL_MEMORY_BYTES = 16 * 1024 * 1024
"""Non-seekable remote streams are copied to a temporary file, in memory up to this size."""

_FILE_ATTRIBUTE_DIRECTORY = 0x10
_FILE_ATTRIBUTE_REPARSE_POINT = 0x400
_IO_REPARSE_TAG_SYMLINK = 0xA000000C
_FILETIME_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


@dataclass(frozen=True, slots=True, kw_only=True)
class SmbUrl:
    """A parsed ``smb://`` URL, without any password.

    :param host: the server name or address (lower case).
    :param port: the TCP port, 445 unless the URL names one.
    :param share: the share name.
    :param path: the directory or file inside the share, ``/``-separated, no leading ``/``;
        empty for the share itself.
    :param username: the user named in the URL (``DOMAIN;user`` becomes ``DOMAIN\\user``).
    """

    host: str
    port: int = DEFAULT_PORT
    share: str
    path: str = ""
    username: str | None = None

    @property
    def url(self) -> str:
        """The URL again, normalised, without a password."""
        user = ""
        if self.username is not None:
            user = quote(self.username.replace("\\", ";"), safe=";") + "@"
        host = f"[{self.host}]" if ":" in self.host else self.host
        port = "" if self.port == DEFAULT_PORT else f":{self.port}"
        path = "/".join(quote(part) for part in (self.share, *self.parts))
        return f"smb://{user}{host}{port}/{path}"

    @property
    def parts(self) -> tuple[str, ...]:
        """The components of :attr:`path`."""
        return tuple(part for part in self.path.split("/") if part)

    def unc(self, rel_path: str = "") -> str:
        """The UNC path ``\\\\host\\share\\path\\rel_path`` smbclient expects.

        :param rel_path: a ``/``-separated path below :attr:`path`.
        """
        parts = (*self.parts, *(part for part in rel_path.split("/") if part))
        return "\\".join(("", "", self.host, self.share, *parts))


def _split_smb_url(url: str) -> tuple[SmbUrl, str | None, str]:
    """Parse ``url`` into the URL, its password (if any) and the URL with the password removed.

    Messages never quote the URL, since it may hold a password.
    """
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        raise ConfigError("malformed SMB URL") from None
    if parts.scheme.lower() != "smb":
        raise ConfigError("not an SMB URL: it must start with smb://")
    if parts.query or parts.fragment:
        raise ConfigError("SMB URL must not have a query or fragment (percent-encode ? and #)")
    host = parts.hostname
    if not host:
        raise ConfigError("SMB URL names no server: expected smb://host/share[/path]")
    try:
        port = parts.port or DEFAULT_PORT
    except ValueError:
        raise ConfigError("SMB URL has an invalid port") from None
    segments = [unquote(segment) for segment in parts.path.split("/") if segment]
    if not segments:
        raise ConfigError("SMB URL names no share: expected smb://host/share[/path]")
    if any(segment in (".", "..") or "\\" in segment for segment in segments):
        raise ConfigError("SMB URL path must not contain '.', '..' or backslashes")
    username = unquote(parts.username).replace(";", "\\") if parts.username else None
    password = unquote(parts.password) if parts.password is not None else None
    smb_url = SmbUrl(
        host=host.lower(),
        port=port,
        share=segments[0],
        path="/".join(segments[1:]),
        username=username,
    )
    redacted = url.strip()
    if parts.password is not None:
        netloc = parts.netloc.rsplit("@", 1)[1]
        netloc = f"{parts.username}@{netloc}"
        redacted = parts._replace(netloc=netloc).geturl()
    return smb_url, password, redacted


def parse_smb_url(url: str) -> SmbUrl:
    """Parse ``smb://[user@]host[:port]/share[/path]``; a password in the URL is dropped.

    :param url: the URL; non-ASCII and special characters may be percent-encoded.
    :raises ConfigError: when the URL is not ``smb://``, names no server or share, has a bad
        port, a query, a fragment or ``..`` components. The message never quotes the URL.
    """
    return _split_smb_url(url)[0]


def redact_smb_url(url: str) -> str:
    """``url`` as written but without its password (the form stored as ``root``).

    :raises ConfigError: as :func:`parse_smb_url`.
    """
    return _split_smb_url(url)[2]


def _mtime(value: object) -> float | None:
    """Seconds since the epoch from an smbprotocol time (a datetime), if it is one."""
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=datetime.UTC)
        return (value - _FILETIME_EPOCH).total_seconds()
    return None


def ensure_seekable(stream: BinaryIO) -> BinaryIO:
    """``stream`` if it can seek, else a seekable copy (the original is read and closed).

    The copy is a :class:`tempfile.SpooledTemporaryFile`: in memory up to
    :data:`SPOOL_MEMORY_BYTES`, then a file in the system temporary directory, never on the share.

    :param stream: a binary stream positioned at 0.
    """
    if stream.seekable():
        return stream
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY_BYTES)  # noqa: SIM115
    try:
        with stream:
            while chunk := stream.read(io.DEFAULT_BUFFER_SIZE * 16):
                spool.write(chunk)
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    return cast(BinaryIO, spool)


def _os_reason(exc: OSError) -> str:
    if exc.errno in (errno.EACCES, errno.EPERM) or isinstance(exc, PermissionError):
        return REASON_PERMISSION
    if exc.errno == errno.ENOENT:
        return REASON_VANISHED
    status = getattr(exc, "ntstatus", None)
    return f"SMB error 0x{status:08x}" if isinstance(status, int) else (exc.strerror or "SMB error")


def _connect_reason(exc: BaseException) -> str:
    """Why a connection failed, from the socket error smbprotocol wraps (in its cause chain).

    The reason names the kind of failure only; smbprotocol's own message is not repeated, so
    nothing it might quote can reach the user.
    """
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, socket.gaierror):
            return "name not resolved"
        if isinstance(seen, ConnectionRefusedError):
            return "connection refused"
        if isinstance(seen, TimeoutError):
            return "timed out"
        if isinstance(seen, ConnectionResetError):
            return "connection reset by the server"
        if isinstance(seen, OSError) and seen.strerror:
            return seen.strerror.lower()
        seen = seen.__cause__ or seen.__context__
    return f"SMB error ({type(exc).__name__})"


def _smb_reason(exc: SMBException) -> str:
    """A reason for any smbprotocol error, naming no path or credential."""
    if isinstance(exc, SMBOSError):
        return _os_reason(exc)
    return f"SMB error ({type(exc).__name__})"


@dataclass(frozen=True, slots=True)
class _Item:
    """What the walk needs to know about one directory entry."""

    name: str
    unc: str
    is_link: bool
    is_dir: bool
    size: int
    mtime: float | None
    file_id: int
    attributes: int


@dataclass(frozen=True, slots=True)
class SmbOpener:
    """A picklable blob opener: opens one remote file read-only through its source.

    :param source: the source that knows the server and credentials.
    :param rel_path: the file's path relative to the source's root.
    """

    source: SmbSource
    rel_path: str

    def __call__(self) -> BinaryIO:
        """A fresh seekable binary stream over the remote file, positioned at 0."""
        return self.source.open_file(self.rel_path)


@dataclass(frozen=True, slots=True, kw_only=True)
class SmbSource:
    """An SMB share, or a directory or file on one, walked read-only.

    Build it with :meth:`from_url`. Close it (or use it as a context manager) to drop its
    connections; blobs opened later reconnect on demand.

    :param root: the URL as the user wrote it, without password; stored in every ObjectRef.
    :param location: the parsed URL.
    :param options: selection, symlink and size options.
    :param username: the SMB user (``DOMAIN\\user`` allowed); ``None`` for Kerberos.
    :param password: the password; never shown in ``repr`` and never compared.
    :param encrypt: ``True`` to require SMB3 encryption, ``None`` to let the server decide.
    :param connection_timeout: seconds to wait for the server to answer a connect.
    """

    root: str
    location: SmbUrl
    options: WalkOptions = field(default_factory=WalkOptions)
    username: str | None = None
    password: str | None = field(default=None, repr=False, compare=False)
    encrypt: bool | None = None
    connection_timeout: int = 30
    _connections: dict[str, Any] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        options: WalkOptions | None = None,
        username: str | None = None,
        password: str | None = None,
        environ: Mapping[str, str] | None = None,
        encrypt: bool | None = None,
    ) -> SmbSource:
        """A source for ``url``, with credentials from the arguments, the URL or the environment.

        :param url: ``smb://[user[:password]@]host[:port]/share[/path]``.
        :param options: walk options (defaults if ``None``).
        :param username: overrides the URL's user and ``PIISCAN_SMB_USER``.
        :param password: overrides the URL's password and ``PIISCAN_SMB_PASSWORD``.
        :param environ: where to read the environment variables (``os.environ`` if ``None``).
        :param encrypt: ``True`` to require SMB3 encryption.
        :raises ConfigError: for a malformed URL.
        """
        location, url_password, redacted = _split_smb_url(url)
        env = os.environ if environ is None else environ
        return cls(
            root=redacted,
            location=location,
            options=options or WalkOptions(),
            username=username or location.username or env.get(ENV_USER) or None,
            password=password or url_password or env.get(ENV_PASSWORD) or None,
            encrypt=encrypt,
        )

    # -- pickling: the connection pool stays in its process ---------------------------------

    def __getstate__(self) -> dict[str, Any]:
        names = ("root", "location", "options", "username", "password", "encrypt")
        return {name: getattr(self, name) for name in (*names, "connection_timeout")}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for name, value in state.items():
            object.__setattr__(self, name, value)
        object.__setattr__(self, "_connections", {})

    def __enter__(self) -> SmbSource:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Disconnect every connection this source opened in this process."""
        smbclient.reset_connection_cache(fail_on_error=False, connection_cache=self._connections)

    # -- connecting ----------------------------------------------------------------------------

    def _kwargs(self) -> dict[str, Any]:
        return {
            "username": self.username,
            "password": self.password,
            "port": self.location.port,
            "encrypt": self.encrypt,
            "connection_timeout": self.connection_timeout,
            "connection_cache": self._connections,
        }

    def _where(self) -> str:
        return f"{self.location.host}:{self.location.port}"

    def connect(self) -> None:
        """Log on to the server now (walks and openers also do it on first use).

        :raises SourceError: when the server cannot be reached or refuses the logon; the
            message names server and user, never the password.
        """
        try:
            smbclient.register_session(self.location.host, **self._kwargs())
        except SMBAuthenticationError:
            self.close()
            raise SourceError(
                f"SMB logon refused by {self._where()} for user {self.username or '(none)'} "
                "(logon failure: wrong user or password)"
            ) from None
        except SMBResponseException as exc:
            self.close()
            raise SourceError(
                f"SMB logon refused by {self._where()} for user {self.username or '(none)'}: "
                f"{type(exc).__name__}"
            ) from None
        except (OSError, ValueError, SMBException) as exc:
            self.close()
            raise SourceError(
                f"cannot connect to SMB server {self._where()}: {_connect_reason(exc)}"
            ) from None

    # -- reading -------------------------------------------------------------------------------

    def open_file(self, rel_path: str) -> BinaryIO:
        """Open the file at ``rel_path`` (relative to the root) read-only, seekable, at 0.

        Opened with read access and ``share_access="rwd"``, so users keep full access to the
        file while it is read. A stream that cannot seek is spooled to a temporary file under
        the system temporary directory (never the share).

        :param rel_path: ``/``-separated path below the root; empty when the root is a file.
        :raises OSError: when the file cannot be opened (smbprotocol's ``SMBOSError``).
        """
        stream = smbclient.open_file(
            self.location.unc(rel_path), mode="rb", share_access="rwd", **self._kwargs()
        )
        return ensure_seekable(cast(BinaryIO, stream))

    def open(self, rel_path: str) -> Blob:
        """A blob for the file at ``rel_path``, with its size; logs on at first use.

        The connection is kept in this source (one per server) until :meth:`close`.

        :param rel_path: ``/``-separated path below the root (an entry's ``open_path``, else
            its ``ref.path``); empty when the root is a file.
        :raises SourceError: when the server cannot be reached or refuses the logon.
        :raises OSError: when the file does not exist or cannot be read.
        """
        if not self._connections:
            self.connect()
        info = smbclient.stat(self.location.unc(rel_path), **self._kwargs())
        return self._blob(rel_path, int(info.st_size))

    def _blob(self, rel_path: str, size: int | None) -> Blob:
        name = rel_path.rsplit("/", 1)[-1] or (self.location.parts or (self.location.share,))[-1]
        return Blob(name=name, size=size, opener=SmbOpener(self, rel_path))

    # -- walking -------------------------------------------------------------------------------

    def walk(self) -> Iterator[Entry]:
        """Yield every selected file under the root, depth first in sorted order.

        :raises SourceError: when the server cannot be reached, refuses the logon, or the root
            does not exist or cannot be listed.
        """
        self.connect()
        try:
            root_stat = smbclient.stat(self.location.unc(), **self._kwargs())
        except SMBException as exc:
            if isinstance(exc, SMBOSError) and exc.errno == errno.ENOENT:
                raise SourceError(f"root does not exist: {self.root}") from None
            raise SourceError(f"cannot open root: {_smb_reason(exc)}: {self.root}") from None
        if stat.S_ISDIR(root_stat.st_mode):
            try:
                items = self._list(self.location.unc())
            except SMBException as exc:
                raise SourceError(f"cannot list root: {_smb_reason(exc)}: {self.root}") from None
            # Samba follows links itself, so a directory can be met twice whatever the options.
            return walk_tree(
                self,
                self._nodes(items),
                root_key=int(root_stat.st_ino) or None,
                remember_walked=True,
            )
        name = (self.location.parts or (self.location.share,))[-1]
        size = int(root_stat.st_size)
        entry = self._file_entry("", size, float(root_stat.st_mtime))
        return iter((_with_path(entry, name, open_path=""),))

    def _list(self, unc: str) -> Iterator[_Item]:
        items = []
        with smbclient.scandir(unc, **self._kwargs()) as scan:
            for dir_entry in scan:
                info = dir_entry.smb_info
                attributes = int(info.file_attributes)
                is_link = bool(attributes & _FILE_ATTRIBUTE_REPARSE_POINT) and (
                    int(info.ea_size) == _IO_REPARSE_TAG_SYMLINK
                )
                items.append(
                    _Item(
                        name=dir_entry.name,
                        unc=dir_entry.path,
                        is_link=is_link,
                        is_dir=bool(attributes & _FILE_ATTRIBUTE_DIRECTORY),
                        size=int(info.end_of_file),
                        mtime=_mtime(info.last_write_time),
                        file_id=int(info.file_id),
                        attributes=attributes,
                    )
                )
        items.sort(key=lambda item: item.name)
        return iter(items)

    def _row(self, rel: str, status: Status, reason: str, mtime: float | None = None) -> Entry:
        return Entry(
            ref=ObjectRef(root=self.root, path=rel),
            blob=None,
            mtime=mtime,
            status=status,
            reason=reason,
        )

    def _file_entry(self, rel: str, size: int, mtime: float | None) -> Entry:
        # The size limit is the dispatcher's to judge (sources.select, "max_object_bytes"):
        # it refuses the object from this size before a byte is read.
        return Entry(
            ref=ObjectRef(root=self.root, path=rel),
            blob=self._blob(rel, size),
            size=size,
            mtime=mtime,
        )

    def _follow(self, item: _Item) -> _Item | str:
        """The link's target as an item, or the reason it cannot be followed."""
        try:
            target = smbclient.stat(item.unc, follow_symlinks=True, **self._kwargs())
        except SMBOSError as exc:
            if exc.errno == errno.ENOENT:
                return REASON_BROKEN_SYMLINK
            if exc.errno == errno.ELOOP:
                return REASON_SYMLINK_LOOP
            return _os_reason(exc)
        except SMBException as exc:
            return _smb_reason(exc)
        return _Item(
            name=item.name,
            unc=item.unc,
            is_link=True,
            is_dir=stat.S_ISDIR(target.st_mode),
            size=int(target.st_size),
            mtime=float(target.st_mtime),
            file_id=int(target.st_ino),
            attributes=int(target.st_file_attributes),
        )

    # -- the listing the walk rules run over (piiscan.sources.walk) -------------------------

    def children(self, directory: Node[_Item]) -> Iterator[Node[_Item]]:
        """The entries of a directory, sorted by name.

        :raises ListingError: when the directory cannot be listed.
        """
        try:
            return self._nodes(self._list(directory.handle.unc))
        except SMBException as exc:
            raise ListingError(_smb_reason(exc)) from None

    def _nodes(self, items: Iterator[_Item]) -> Iterator[Node[_Item]]:
        follow = self.options.follow_symlinks
        for item in items:
            hidden = is_hidden_attribute(item.attributes)
            if item.is_link and not follow:
                yield Node(name=item.name, kind="link", handle=item, hidden=hidden,
                           mtime=item.mtime)  # fmt: skip
                continue
            target = self._follow(item) if item.is_link else item
            if isinstance(target, str):
                status = Status.ERROR if target == REASON_PERMISSION else Status.SKIPPED
                yield Node(name=item.name, kind="failed", handle=item, status=status,
                           reason=target)  # fmt: skip
                continue
            yield Node(
                name=item.name,
                kind="dir" if target.is_dir else "file",
                handle=target,
                key=target.file_id or None,
                hidden=is_hidden_attribute(target.attributes),
                mtime=target.mtime,
            )

    def file_entry(self, rel: str, node: Node[_Item]) -> Entry:
        """The entry of a file the walk selected."""
        return self._file_entry(rel, node.handle.size, node.handle.mtime)

    def row(self, rel: str, status: Status, reason: str, node: Node[_Item]) -> Entry:
        """The row of an entry the walk passed over."""
        return self._row(rel, status, reason, node.mtime)


def _with_path(entry: Entry, path: str, *, open_path: str) -> Entry:
    """The same entry under another relative path (a single-file root is named by its name)."""
    ref = ObjectRef(root=entry.ref.root, path=path)
    return Entry(
        ref=ref,
        blob=entry.blob,
        size=entry.size,
        mtime=entry.mtime,
        status=entry.status,
        reason=entry.reason,
        open_path=open_path,
    )
