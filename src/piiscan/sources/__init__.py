"""Where objects come from: local or mounted paths, SMB shares, IMAP mailboxes.

:func:`open_source` picks the source for a root string: ``smb://`` URLs (and UNC paths
``\\\\host\\share\\path``) go to :class:`~piiscan.sources.smb.SmbSource`, ``imaps://`` and
``imap://`` URLs to :class:`~piiscan.sources.imap.ImapSource`, anything else is a
local or mounted path for :class:`~piiscan.sources.filesystem.FileSystemSource`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import quote

from piiscan.errors import ConfigError
from piiscan.sources.base import Entry, Source
from piiscan.sources.filesystem import FileSystemSource
from piiscan.sources.imap import ImapOptions, ImapSource, parse_imap_url
from piiscan.sources.select import WalkOptions, is_selected
from piiscan.sources.smb import SmbSource, SmbUrl, parse_smb_url

__all__ = [
    "Entry",
    "FileSystemSource",
    "ImapOptions",
    "ImapSource",
    "SmbSource",
    "SmbUrl",
    "Source",
    "WalkOptions",
    "is_selected",
    "open_source",
    "parse_imap_url",
    "parse_smb_url",
    "unc_to_smb_url",
]

_URL_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]+)://")


def unc_to_smb_url(unc: str) -> str:
    """``\\\\host\\share\\dir`` as ``smb://host/share/dir`` (components percent-encoded).

    :param unc: a UNC path with at least a server and a share.
    :raises ConfigError: when the server or share is missing.
    """
    parts = [part for part in unc.split("\\") if part]
    if len(parts) < 2:
        raise ConfigError("UNC path needs a server and a share: \\\\host\\share[\\path]")
    host, *rest = parts
    return "smb://" + host + "/" + "/".join(quote(part) for part in rest)


def open_source(
    root: str,
    *,
    options: WalkOptions,
    smb_username: str | None = None,
    smb_password: str | None = None,
    environ: Mapping[str, str] | None = None,
    imap: ImapOptions | None = None,
    imap_password: str | None = None,
) -> Source:
    """The source that walks ``root``.

    :param root: a local or mounted path, an ``smb://`` URL or a UNC path.
    :param options: selection, symlink and size options.
    :param smb_username: SMB user; else the URL's user, else ``PIISCAN_SMB_USER``.
    :param smb_password: SMB password; else the URL's, else ``PIISCAN_SMB_PASSWORD``.
    :param environ: environment to read those variables from (``os.environ`` if ``None``).
    :param imap: how to reach IMAP servers (user, certificates, plain text).
    :param imap_password: IMAP password; else ``PIISCAN_IMAP_PASSWORD``.
    :raises ConfigError: for a malformed SMB URL or an unsupported URL scheme.
    """
    if root.startswith("\\\\"):
        root = unc_to_smb_url(root)
    scheme = _URL_SCHEME.match(root)
    if scheme is None:
        source: Source = FileSystemSource(root=root, options=options)
    elif scheme.group(1).lower() == "smb":
        source = SmbSource.from_url(
            root, options=options, username=smb_username, password=smb_password, environ=environ
        )
    elif scheme.group(1).lower() in ("imaps", "imap"):
        source = ImapSource.from_url(
            root, options=options, imap=imap, password=imap_password, environ=environ
        )
    else:
        raise ConfigError(
            f"unsupported root URL scheme: {scheme.group(1)}:// (use smb://, imaps:// or a path)"
        )
    return source
