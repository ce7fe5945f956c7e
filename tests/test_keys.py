"""Tests of piiscan.keys: where the key file is, how it is created, checked and used."""

from __future__ import annotations

import os
import pickle
import stat
from pathlib import Path

import pytest

from piiscan.errors import ConfigError
from piiscan.keys import (
    KEY_FILE_ENV,
    Keyer,
    ScanKey,
    ValueKeys,
    default_key_path,
    load_or_create_key,
    open_scan_key,
    save_new_key,
)

POSIX = os.name == "posix"
KEY_A = Keyer(key=bytes(range(32)))
KEY_B = Keyer(key=bytes(range(1, 33)))


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({KEY_FILE_ENV: "/srv/keys/piiscan.key"}, Path("/srv/keys/piiscan.key")),
        (
            {KEY_FILE_ENV: "/srv/keys/piiscan.key", "XDG_CONFIG_HOME": "/cfg"},
            Path("/srv/keys/piiscan.key"),
        ),
        ({"XDG_CONFIG_HOME": "/cfg"}, Path("/cfg/piiscan/key")),
        ({"XDG_CONFIG_HOME": ""}, Path.home() / ".config" / "piiscan" / "key"),
        ({}, Path.home() / ".config" / "piiscan" / "key"),
        ({KEY_FILE_ENV: ""}, Path.home() / ".config" / "piiscan" / "key"),
    ],
    ids=["env", "env-beats-xdg", "xdg", "xdg-empty", "home", "env-empty"],
)
def test_default_key_path(environ: dict[str, str], expected: Path) -> None:
    assert default_key_path(environ) == expected


def test_default_key_path_reads_os_environ(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(KEY_FILE_ENV, str(tmp_path / "k"))
    assert default_key_path() == tmp_path / "k"


def test_key_created_private_and_reused(tmp_path: Path) -> None:
    path = tmp_path / "conf" / "piiscan" / "key"
    first = load_or_create_key(path)
    assert path.is_file()
    content = path.read_text("ascii")
    assert len(content.strip()) == 64
    assert content.endswith("\n")
    if POSIX:
        assert mode_of(path) == 0o600
        assert mode_of(path.parent) == 0o700
    second = load_or_create_key(path)
    assert second == first
    assert second.fingerprint == first.fingerprint
    assert [p.name for p in path.parent.iterdir()] == ["key"]  # no temporary left


def test_key_created_under_xdg_config_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(KEY_FILE_ENV, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    keyer = load_or_create_key()
    assert (tmp_path / "piiscan" / "key").is_file()
    assert load_or_create_key() == keyer


def test_env_override(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    named = tmp_path / "named.key"
    named.write_text(bytes(range(32)).hex() + "\n", "ascii")
    named.chmod(0o600)
    monkeypatch.setenv(KEY_FILE_ENV, str(named))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert load_or_create_key() == KEY_A
    assert not (tmp_path / "xdg").exists()


def test_explicit_path_beats_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(KEY_FILE_ENV, str(tmp_path / "env.key"))
    load_or_create_key(tmp_path / "explicit.key")
    assert (tmp_path / "explicit.key").exists()
    assert not (tmp_path / "env.key").exists()


def test_create_false_refuses_missing_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no key file"):
        load_or_create_key(tmp_path / "missing", create=False)
    assert not (tmp_path / "missing").exists()


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"\n",
        b"not hex, quoted never\n",
        bytes(range(31)).hex().encode(),  # too short
        bytes(range(32)).hex()[:-1].encode(),  # odd number of digits
        (bytes(range(16)).hex() + " " + bytes(range(16)).hex()).encode(),
        "é".encode() * 40,
        b"0" * 5000,
    ],
    ids=["empty", "newline", "text", "short", "odd", "inner-space", "non-ascii", "huge"],
)
def test_malformed_key_file(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "key"
    path.write_bytes(content)
    path.chmod(0o600)
    with pytest.raises(ConfigError, match="does not hold a piiscan key") as caught:
        load_or_create_key(path)
    assert "quoted" not in str(caught.value)
    assert path.read_bytes() == content  # never replaced


@pytest.mark.parametrize(
    "content",
    [
        bytes(range(32)).hex(),
        bytes(range(32)).hex().upper() + "\r\n",
        "  " + bytes(range(32)).hex() + "\n\n",
    ],
    ids=["bare", "upper-crlf", "padded"],
)
def test_key_file_formats_accepted(tmp_path: Path, content: str) -> None:
    path = tmp_path / "key"
    path.write_text(content, "ascii", newline="")
    path.chmod(0o600)
    assert load_or_create_key(path) == KEY_A


def test_longer_key_accepted(tmp_path: Path) -> None:
    path = tmp_path / "key"
    path.write_text(bytes(range(64)).hex(), "ascii")
    path.chmod(0o600)
    assert load_or_create_key(path).key == bytes(range(64))


@pytest.mark.skipif(not POSIX, reason="mode bits are only checked on POSIX")
@pytest.mark.parametrize(
    ("mode", "refused"),
    [
        (0o600, False),
        (0o400, False),
        (0o700, False),
        (0o640, True),
        (0o604, True),
        (0o620, True),
        (0o602, True),
        (0o644, True),
        (0o666, True),
    ],
    ids=lambda value: f"{value:o}" if isinstance(value, int) and value > 1 else str(value),
)
def test_permissions(tmp_path: Path, mode: int, refused: bool) -> None:
    path = tmp_path / "key"
    secret = bytes(range(32)).hex()
    path.write_text(secret, "ascii")
    path.chmod(mode)
    if refused:
        with pytest.raises(ConfigError, match="chmod 600") as caught:
            load_or_create_key(path)
        assert secret not in str(caught.value)
    else:
        assert load_or_create_key(path) == KEY_A


def test_key_path_is_a_directory(tmp_path: Path) -> None:
    (tmp_path / "key").mkdir(mode=0o700)
    with pytest.raises(ConfigError):
        load_or_create_key(tmp_path / "key")


def test_value_keys_stable_and_differ_per_key() -> None:
    value = "19121212" + "1212"
    assert KEY_A.value_key(value) == KEY_A.value_key(value)
    assert KEY_A.value_key(value) != KEY_B.value_key(value)
    assert KEY_A.value_key(value) != KEY_A.value_key("19121212" + "1213")
    assert len(KEY_A.value_key(value)) == 64
    assert int(KEY_A.value_key(value), 16) >= 0


def test_value_key_known_vector() -> None:
    # RFC 4231 test case 6 (HMAC-SHA-256): value keys are plain HMAC-SHA256 of the UTF-8 bytes.
    # Changing that would make every existing inventory unsearchable.
    keyer = Keyer(key=b"\xaa" * 131)
    assert keyer.value_key("Test Using Larger Than Block-Size Key - Hash Key First") == (
        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
    )
    assert KEY_A.fingerprint == KEY_A.fingerprint.lower()
    assert len(KEY_A.fingerprint) == 16
    assert KEY_A.fingerprint != KEY_B.fingerprint


# RFC 4231 test cases 6 and 7 (HMAC-SHA-256, a key longer than a block).
_RFC_4231 = [
    ("Test Using Larger Than Block-Size Key - Hash Key First",
     "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
    ("This is a test using a larger than block-size key and a larger than block-size data. "
     "The key needs to be hashed before being used by the HMAC algorithm.",
     "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"),
]  # fmt: skip


@pytest.mark.parametrize("size", [1, 2, 65_536])
def test_remembered_value_keys_are_the_keyers(size: int) -> None:
    # Asked again after being forgotten (size 1) or remembered (size 2 and up): the same keys.
    keys = ValueKeys(Keyer(key=b"\xaa" * 131), size=size)
    for value, expected in [*_RFC_4231, *_RFC_4231, _RFC_4231[0]]:
        assert keys.value_key(value) == expected
    with pytest.raises(ValueError, match="empty"):
        keys.value_key("")


def test_value_key_utf8() -> None:
    assert KEY_A.value_key("åsa@exempel.se") != KEY_A.value_key("asa@exempel.se")


def test_empty_value_refused() -> None:
    with pytest.raises(ValueError, match="empty"):
        KEY_A.value_key("")


def test_short_key_refused() -> None:
    with pytest.raises(ValueError, match="at least 32"):
        Keyer(key=b"short")


def test_key_not_in_repr_and_pickles() -> None:
    text = repr(KEY_A) + str(KEY_A)
    assert bytes(range(32)).hex() not in text
    assert repr(bytes(range(32))) not in text
    assert pickle.loads(pickle.dumps(KEY_A)) == KEY_A


def test_fingerprint_is_not_the_key_prefix() -> None:
    assert not bytes(range(32)).hex().startswith(KEY_A.fingerprint)


def test_concurrent_first_use_agrees_on_one_key(tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    path = tmp_path / "piiscan" / "key"
    with ThreadPoolExecutor(max_workers=8) as pool:
        keyers = list(pool.map(lambda _: load_or_create_key(path), range(16)))
    assert len({keyer.fingerprint for keyer in keyers}) == 1
    assert [p.name for p in path.parent.iterdir()] == ["key"]


def test_content_key_is_keyed_and_streamed() -> None:
    import hashlib
    import io

    from piiscan.keys import Keyer

    data = b"850601-2387\n" * 200_000  # several 1 MiB blocks
    one = Keyer(key=b"a" * 32).content_key(io.BytesIO(data))
    other = Keyer(key=b"b" * 32).content_key(io.BytesIO(data))
    assert one != other
    assert one != hashlib.sha256(data).hexdigest()
    assert len(one) == 64


# ------------------------------------------------------------------------------------------
# The key a scan opens: created only where it may be, and written only after every check.


def test_scan_key_at_default_location_is_prepared_not_written(tmp_path: Path) -> None:
    environ = {"XDG_CONFIG_HOME": str(tmp_path)}
    key = open_scan_key(environ=environ)
    assert key.is_new
    assert key.path == tmp_path / "piiscan" / "key"
    assert not (tmp_path / "piiscan").exists()  # nothing on disk until the scan is accepted
    assert save_new_key(key) == key.keyer
    assert open_scan_key(environ=environ) == ScanKey(keyer=key.keyer, path=key.path, is_new=False)


@pytest.mark.parametrize(
    ("named_by", "where"),
    [("argument", "--key-file"), ("environment", KEY_FILE_ENV)],
)
def test_named_missing_key_needs_new_key(tmp_path: Path, named_by: str, where: str) -> None:
    path = tmp_path / "typo" / "key"
    path_argument = path if named_by == "argument" else None
    environ = {KEY_FILE_ENV: str(path)} if named_by == "environment" else {}
    with pytest.raises(ConfigError, match=f"no key file at .*from {where}.*--new-key"):
        open_scan_key(path_argument, environ=environ)
    assert not (tmp_path / "typo").exists()
    key = open_scan_key(path_argument, new_key=True, environ=environ)
    assert key.is_new
    assert key.path == path
    assert not path.exists()
    assert save_new_key(key) == key.keyer
    if POSIX:
        assert mode_of(path) == 0o600


def test_existing_key_is_read_whatever_new_key_says(tmp_path: Path) -> None:
    path = tmp_path / "key"
    first = load_or_create_key(path)
    for new_key in (False, True):
        key = open_scan_key(path, new_key=new_key, environ={})
        assert key == ScanKey(keyer=first, path=path, is_new=False)
        assert save_new_key(key) == first


def test_saving_loses_the_race_gracefully(tmp_path: Path) -> None:
    """Another scan that wrote the key first wins; its key is the one returned."""
    path = tmp_path / "key"
    prepared = open_scan_key(path, new_key=True, environ={})
    winner = load_or_create_key(path)
    assert save_new_key(prepared) == winner
    assert winner != prepared.keyer
