"""The secret key behind value keys, and where it lives.

A finding never stores the value it found. It stores a *value key*: HMAC-SHA256 of the
normalised value under a secret key that is kept outside the inventory. Whoever holds the key
can answer "where is 19121212-1212?" by keying that number and looking the result up; whoever
holds only the inventory cannot recover or confirm a value by brute force, which a plain hash
of a twelve-digit identifier would allow in seconds.

Where the key file is (first match wins):

1. the path passed in (``--key-file``);
2. the environment variable ``PIISCAN_KEY_FILE``;
3. ``$XDG_CONFIG_HOME/piiscan/key``, or ``~/.config/piiscan/key`` when ``XDG_CONFIG_HOME`` is
   unset or empty.

A scan creates a missing key file only at the default location (3), or at a named path (1, 2)
when asked to (``--new-key``): a mistyped ``--key-file`` must not quietly start a second,
unrelated key. :func:`open_scan_key` decides and prepares the key in memory;
:func:`save_new_key` writes it once the scan has passed every check, so a refused scan leaves
no key file behind.

The file holds the key hex-encoded on one line (at least 32 bytes, i.e. 64 hex digits). It is
created on first use with 32 random bytes, mode ``0600``, in a directory created ``0700``. The
new file is written under a private temporary name and linked into place, so two scans starting
at once never see a half-written key: the second one reads the first one's key.

Permissions. On POSIX systems an existing key file that group or others can read or write is
refused with :class:`~piiscan.errors.ConfigError` (as ``ssh`` refuses such a private key): a key
others can read lets them test guesses against every inventory made with it, and a key others
can write lets them make new inventories unreadable. piiscan does not warn and carry on, because
a warning is easy to miss in a scheduled scan. Permissions are not checked on Windows, where the
mode bits do not describe access.

The key, its hex form and the contents of a malformed key file never appear in a ``repr``, a
log line, an exception message or the inventory. The inventory carries a :attr:`Keyer.fingerprint`
instead, so a reader can tell which key an inventory was made with.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import hmac
import logging
import os
import secrets
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from piiscan.errors import ConfigError, SpecialFileError
from piiscan.files import open_regular

__all__ = [
    "KEY_BYTES",
    "KEY_FILE_ENV",
    "Keyer",
    "ScanKey",
    "ValueKeys",
    "default_key_path",
    "load_or_create_key",
    "open_scan_key",
    "save_new_key",
]

log = logging.getLogger(__name__)

#: Length of a newly created key, and the minimum accepted from a key file.
KEY_BYTES = 32

#: Environment variable that names the key file.
KEY_FILE_ENV = "PIISCAN_KEY_FILE"

_FINGERPRINT_MESSAGE = b"piiscan key fingerprint"
_FINGERPRINT_HEX_DIGITS = 16
# Read or write for group or others; execute bits on a data file grant nothing.
_FORBIDDEN_MODE_BITS = stat.S_IRGRP | stat.S_IWGRP | stat.S_IROTH | stat.S_IWOTH
# A key file is one short line; anything much larger is not a key file.
_MAX_KEY_FILE_BYTES = 4096


@dataclass(frozen=True, slots=True, kw_only=True)
class Keyer:
    """Turns normalised values into value keys with one secret key.

    The key is excluded from ``repr`` so that a ``Keyer`` can appear in a debugger, a log line
    or a traceback without disclosing it. A ``Keyer`` pickles (worker processes receive one).

    :param key: the secret key, at least :data:`KEY_BYTES` bytes.
    :raises ValueError: if the key is shorter than :data:`KEY_BYTES` bytes.
    """

    key: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if len(self.key) < KEY_BYTES:
            raise ValueError(f"a piiscan key must be at least {KEY_BYTES} bytes")

    def value_key(self, normalized: str) -> str:
        """The value key of a normalised value: HMAC-SHA256 of its UTF-8 bytes, as 64 hex digits.

        Normalise first (``YYYYMMDDNNNC`` for a personnummer, E.164 for a phone number): the
        same person's number written two ways must give the same key.

        :param normalized: the canonical form of the value.
        :raises ValueError: if ``normalized`` is empty; every empty value would share one key,
            so an empty value is a bug in the recognizer that produced it.
        """
        if not normalized:
            raise ValueError("cannot make a value key of an empty value; normalise it first")
        mac = _keyed(self.key).copy()  # the key's pads hashed once, not once per value
        mac.update(normalized.encode("utf-8"))
        return mac.hexdigest()

    def content_key(self, stream: BinaryIO) -> str:
        """A keyed hash of an object's bytes (HMAC-SHA256 hex), read in 1 MiB blocks.

        Keyed rather than a plain SHA-256: a tiny file holding one personnummer would otherwise
        be recoverable by hashing the few hundred million possible numbers.
        """
        mac = hmac.new(self.key, digestmod=hashlib.sha256)
        for block in iter(lambda: stream.read(1 << 20), b""):
            mac.update(block)
        return mac.hexdigest()

    @property
    def fingerprint(self) -> str:
        """A short public name of the key: the first 16 hex digits of HMAC(key, a fixed text).

        It tells whether two inventories were made with the same key and reveals nothing
        usable about the key.
        """
        digest = hmac.new(self.key, _FINGERPRINT_MESSAGE, hashlib.sha256).hexdigest()
        return digest[:_FINGERPRINT_HEX_DIGITS]


@functools.lru_cache(maxsize=4)
def _keyed(key: bytes) -> hmac.HMAC:
    """HMAC-SHA256 under ``key`` before any message, copied for each value keyed."""
    return hmac.new(key, digestmod=hashlib.sha256)


class ValueKeys:
    """:meth:`Keyer.value_key`, remembering the keys of values met again: a dump's columns
    repeat their values (a city, a company, a customer in every order). Use one per object;
    it holds at most ``size`` values, and only in memory.

    :param keyer: the scan's key.
    :param size: values remembered at most (all are forgotten when it is full).
    """

    __slots__ = ("_keyer", "_known", "_size")

    def __init__(self, keyer: Keyer, size: int = 65_536) -> None:
        self._keyer = keyer
        self._known: dict[str, str] = {}
        self._size = size

    def value_key(self, normalized: str) -> str:
        """:meth:`Keyer.value_key` of ``normalized``."""
        key = self._known.get(normalized)
        if key is None:
            key = self._keyer.value_key(normalized)
            if len(self._known) >= self._size:
                self._known.clear()
            self._known[normalized] = key
        return key


def default_key_path(environ: Mapping[str, str] | None = None) -> Path:
    """Where the key file is when no path is given (see the module docstring for the order).

    :param environ: the environment to read; :data:`os.environ` when ``None``.
    """
    env = os.environ if environ is None else environ
    named = env.get(KEY_FILE_ENV, "")
    if named:
        return Path(named).expanduser()
    config_home = env.get("XDG_CONFIG_HOME", "")
    base = Path(config_home) if config_home else Path.home() / ".config"
    return base / "piiscan" / "key"


@dataclass(frozen=True, slots=True, kw_only=True)
class ScanKey:
    """The key a scan will use, and whether its file is still to be written.

    :param keyer: the key itself.
    :param path: where its file is, or will be.
    :param is_new: true when the file does not exist yet; :func:`save_new_key` writes it.
    """

    keyer: Keyer
    path: Path
    is_new: bool


def open_scan_key(
    path: Path | None = None,
    *,
    new_key: bool = False,
    environ: Mapping[str, str] | None = None,
) -> ScanKey:
    """Read the key a scan uses, or prepare a new one in memory without writing it.

    :param path: the key file named on the command line; ``None`` for ``PIISCAN_KEY_FILE`` or
        the default location.
    :param new_key: allow a new key at a path the user named. Without it a missing named key
        file is an error, so that a typo does not silently start a second key.
    :param environ: the environment to read; :data:`os.environ` when ``None``.
    :raises ConfigError: if the file is missing and may not be created, or is unusable.
    """
    env = os.environ if environ is None else environ
    key_path = path if path is not None else default_key_path(env)
    try:
        keyer = _read_key(key_path)
    except FileNotFoundError:
        pass
    else:
        log.info("key file %s, fingerprint %s", key_path, keyer.fingerprint)
        return ScanKey(keyer=keyer, path=key_path, is_new=False)
    named = path is not None or bool(env.get(KEY_FILE_ENV, ""))
    if named and not new_key:
        where = "--key-file" if path is not None else KEY_FILE_ENV
        raise ConfigError(
            f"no key file at {key_path} (from {where}); pass the key file earlier scans used, "
            "or --new-key to create a new key there"
        )
    keyer = Keyer(key=secrets.token_bytes(KEY_BYTES))
    return ScanKey(keyer=keyer, path=key_path, is_new=True)


def save_new_key(key: ScanKey) -> Keyer:
    """Write a key prepared by :func:`open_scan_key` (0600, in a 0700 directory).

    :returns: the key now in the file: the prepared one, or the one another process wrote
        first, which then wins (the file is never overwritten).
    :raises ConfigError: if the file cannot be created or read back.
    """
    if not key.is_new:
        return key.keyer
    _create_key_file(key.path, key.keyer.key)
    try:
        return _read_key(key.path)
    except FileNotFoundError:
        raise ConfigError(f"key file {key.path} disappeared while it was being created") from None


def load_or_create_key(
    path: Path | None = None,
    *,
    create: bool = True,
    environ: Mapping[str, str] | None = None,
) -> Keyer:
    """Read the key file, creating it with a new random key if it does not exist.

    :param path: the key file; when ``None``, :func:`default_key_path` decides.
    :param create: when false, a missing key file is an error instead of being created. Use
        this for commands that only read an inventory: a new key cannot match it.
    :param environ: the environment to read; :data:`os.environ` when ``None``.
    :raises ConfigError: if the key file is missing (and ``create`` is false), cannot be read
        or created, is readable or writable by group or others, or does not hold a key.
    """
    key_path = path if path is not None else default_key_path(environ)
    try:
        return _read_key(key_path)
    except FileNotFoundError:
        if not create:
            raise ConfigError(
                f"no key file at {key_path}; pass the key file the inventory was made with"
            ) from None
    _create_key_file(key_path, secrets.token_bytes(KEY_BYTES))
    try:
        return _read_key(key_path)
    except FileNotFoundError:
        raise ConfigError(f"key file {key_path} disappeared while it was being created") from None


def _read_key(path: Path) -> Keyer:
    """Read and check one key file; :class:`FileNotFoundError` passes through."""
    try:
        # Opened without blocking and checked after the open: a FIFO named as the key file
        # would otherwise hang the command before any check.
        with open_regular(path) as handle:
            info = os.fstat(handle.fileno())
            if os.name == "posix" and info.st_mode & _FORBIDDEN_MODE_BITS:
                raise ConfigError(
                    f"key file {path} is readable or writable by others "
                    f"(mode {stat.S_IMODE(info.st_mode):04o}); run: chmod 600 {path}"
                )
            raw = handle.read(_MAX_KEY_FILE_BYTES + 1)
    except (FileNotFoundError, ConfigError):
        raise
    except SpecialFileError as error:
        raise ConfigError(f"key file {path} is not a regular file ({error.kind})") from None
    except OSError as error:
        raise ConfigError(f"cannot read key file {path}: {error.strerror}") from None
    return Keyer(key=_parse_key(raw, path))


def _parse_key(raw: bytes, path: Path) -> bytes:
    """Decode the hex key of a key file; the message never quotes the file."""
    malformed = ConfigError(
        f"key file {path} does not hold a piiscan key "
        f"(expected at least {2 * KEY_BYTES} hex digits on one line)"
    )
    if len(raw) > _MAX_KEY_FILE_BYTES:
        raise malformed
    try:
        text = raw.decode("ascii").strip()
        key = bytes.fromhex(text)
    except ValueError:
        raise malformed from None
    if len(key) < KEY_BYTES or any(ch.isspace() for ch in text):
        raise malformed
    return key


def _create_key_file(path: Path, key: bytes) -> None:
    """Write ``key`` to ``path`` unless another process got there first."""
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as error:
        raise ConfigError(
            f"cannot create the key directory {path.parent}: {error.strerror}"
        ) from None
    content = (key.hex() + "\n").encode("ascii")
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    try:
        _write_private(temporary, content)
        try:
            # link() fails when the target exists, so a key another process created in the
            # meantime wins and is never overwritten.
            os.link(temporary, path)
        except FileExistsError:
            pass
        except OSError:
            # No hard links on this file system: create the file in place. Another process
            # may then briefly see it empty, which is the lesser evil.
            with contextlib.suppress(FileExistsError):
                _write_private(path, content)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
    except OSError as error:
        raise ConfigError(f"cannot create key file {path}: {error.strerror}") from None


def _write_private(path: Path, content: bytes) -> None:
    """Create ``path`` exclusively with mode 0600, write ``content`` and sync it to disk."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())
