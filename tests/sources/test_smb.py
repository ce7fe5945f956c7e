"""The SMB source against Debian's real smbd on 127.0.0.1, and SMB URL parsing."""

from __future__ import annotations

import concurrent.futures
import io
import multiprocessing
import os
import pickle
import socket
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from samba_server import SambaServer
from source_trees import build_tree, snapshot

from piiscan.errors import ConfigError, SourceError
from piiscan.model import Status
from piiscan.sources.base import Entry
from piiscan.sources.filesystem import FileSystemSource
from piiscan.sources.select import WalkOptions
from piiscan.sources.smb import (
    SmbOpener,
    SmbSource,
    SmbUrl,
    _connect_reason,
    ensure_seekable,
    parse_smb_url,
    redact_smb_url,
)

ServeShare = Callable[[Path], SambaServer]

# -- URL parsing (no server) -----------------------------------------------------------------

URLS: list[tuple[str, SmbUrl]] = [
    ("smb://fil01/data", SmbUrl(host="fil01", share="data")),
    ("smb://fil01/data/", SmbUrl(host="fil01", share="data")),
    ("SMB://FIL01.example.se/Data/HR", SmbUrl(host="fil01.example.se", share="Data", path="HR")),
    (
        "smb://anna@127.0.0.1:4445/data/HR/L%C3%B6ner%202024",
        SmbUrl(host="127.0.0.1", port=4445, share="data", path="HR/Löner 2024", username="anna"),
    ),
    ("smb://fil01/data/HR/Löner 2024", SmbUrl(host="fil01", share="data", path="HR/Löner 2024")),
    (
        "smb://KOMMUN;anna:hemligt@fil01/data",
        SmbUrl(host="fil01", share="data", username="KOMMUN\\anna"),
    ),
    ("smb://[::1]:4445/data", SmbUrl(host="::1", port=4445, share="data")),
    ("smb://fil01/data//a//b", SmbUrl(host="fil01", share="data", path="a/b")),
]


@pytest.mark.parametrize(("url", "expected"), URLS, ids=[url for url, _ in URLS])
def test_parse_smb_url(url: str, expected: SmbUrl) -> None:
    assert parse_smb_url(url) == expected


BAD_URLS: list[tuple[str, str, str]] = [
    ("no-scheme", "fil01/data", "must start with smb://"),
    ("other-scheme", "https://fil01/data", "must start with smb://"),
    ("no-host", "smb:///data", "names no server"),
    ("no-share", "smb://fil01", "names no share"),
    ("no-share-slash", "smb://fil01/", "names no share"),
    ("bad-port", "smb://fil01:44x5/data", "invalid port"),
    ("port-range", "smb://fil01:99999/data", "invalid port"),
    ("query", "smb://fil01/data?x=1", "query or fragment"),
    ("fragment", "smb://fil01/data#a", "query or fragment"),
    ("dotdot", "smb://fil01/data/../etc", "'..'"),
    ("bad-port-with-password", "smb://anna:Hemligt-1@fil01:x/data", "invalid port"),
]


@pytest.mark.parametrize(
    ("url", "message"), [case[1:] for case in BAD_URLS], ids=[case[0] for case in BAD_URLS]
)
def test_malformed_smb_urls(url: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as caught:
        parse_smb_url(url)
    assert "Hemligt" not in str(caught.value)


@pytest.mark.parametrize(
    ("url", "redacted"),
    [
        ("smb://anna:Hemligt-1@fil01/data/HR", "smb://anna@fil01/data/HR"),
        ("smb://anna:p%40ss@fil01:4445/data", "smb://anna@fil01:4445/data"),
        ("smb://anna:@fil01/data", "smb://anna@fil01/data"),
        ("smb://anna@fil01/data", "smb://anna@fil01/data"),
        ("smb://fil01/data/Löner 2024", "smb://fil01/data/Löner 2024"),
    ],
)
def test_redact_smb_url(url: str, redacted: str) -> None:
    assert redact_smb_url(url) == redacted


def test_url_round_trip() -> None:
    url = parse_smb_url("smb://KOMMUN;anna@fil01:4445/data/HR/Löner 2024")
    assert url.url == "smb://KOMMUN;anna@fil01:4445/data/HR/L%C3%B6ner%202024"
    assert parse_smb_url(url.url) == url
    assert url.unc("a/b.txt") == "\\\\fil01\\data\\HR\\Löner 2024\\a\\b.txt"
    assert SmbUrl(host="fil01", share="data").unc() == "\\\\fil01\\data"


@pytest.mark.parametrize(
    ("url", "arguments", "environ", "user", "password"),
    [
        ("smb://fil01/d", {}, {}, None, None),
        ("smb://fil01/d", {}, {"PIISCAN_SMB_USER": "e", "PIISCAN_SMB_PASSWORD": "pe"}, "e", "pe"),
        ("smb://u@fil01/d", {}, {"PIISCAN_SMB_USER": "e", "PIISCAN_SMB_PASSWORD": "pe"}, "u", "pe"),
        ("smb://u:pu@fil01/d", {}, {"PIISCAN_SMB_PASSWORD": "pe"}, "u", "pu"),
        ("smb://u:pu@fil01/d", {"username": "a", "password": "pa"}, {}, "a", "pa"),
    ],
    ids=["none", "environment", "url-user", "url-password", "arguments"],
)
def test_credential_precedence(
    url: str,
    arguments: dict[str, str],
    environ: dict[str, str],
    user: str | None,
    password: str | None,
) -> None:
    source = SmbSource.from_url(
        url, environ=environ, username=arguments.get("username"), password=arguments.get("password")
    )
    assert (source.username, source.password) == (user, password)


def test_password_never_shown_and_survives_pickling() -> None:
    source = SmbSource.from_url("smb://anna:Hemligt-1@fil01:4445/data/HR")
    assert source.root == "smb://anna@fil01:4445/data/HR"
    assert "Hemligt" not in repr(source)
    assert "Hemligt" not in repr(SmbOpener(source, "a.txt"))
    copy = pickle.loads(pickle.dumps(source))
    assert copy == source
    assert copy.password == "Hemligt-1"


def test_connection_refused_is_source_error() -> None:
    with socket.socket() as probe:  # a port nothing listens on (bound, never listening)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
        source = SmbSource.from_url(f"smb://anna:Hemligt-1@127.0.0.1:{port}/data", environ={})
        with pytest.raises(
            SourceError,
            match=rf"cannot connect to SMB server 127\.0\.0\.1:{port}: connection refused$",
        ) as caught:
            source.walk()
    assert "Hemligt" not in str(caught.value)


def _wrapped(cause: BaseException) -> ValueError:
    """An error shaped like smbprotocol's: a ValueError whose cause is the socket error."""
    error = ValueError("Failed to connect to 'fil01:445': [Errno -2] Hemligt-1")
    error.__cause__ = cause
    return error


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (_wrapped(socket.gaierror(-2, "Name or service not known")), "name not resolved"),
        (_wrapped(ConnectionRefusedError(111, "Connection refused")), "connection refused"),
        (_wrapped(TimeoutError("timed out")), "timed out"),
        (_wrapped(ConnectionResetError(104, "Connection reset by peer")), "connection reset"),
        (_wrapped(OSError(113, "No route to host")), "no route to host"),
        (ValueError("Hemligt-1"), "SMB error (ValueError)"),
    ],
    ids=["unresolved", "refused", "timeout", "reset", "oserror", "unknown"],
)
def test_connect_failure_names_its_cause(error: BaseException, reason: str) -> None:
    said = _connect_reason(error)
    assert said.startswith(reason)
    assert "Hemligt" not in said


def test_ensure_seekable_spools_a_pipe() -> None:
    read_end, write_end = os.pipe()
    data = bytes(range(256)) * 1000
    with os.fdopen(write_end, "wb") as writer:
        writer.write(data[:60_000])  # fits in the pipe buffer, so no writer thread is needed
    reader = os.fdopen(read_end, "rb")
    assert not reader.seekable()
    with ensure_seekable(reader) as stream:
        assert stream.seekable()
        assert reader.closed
        stream.seek(100)
        assert stream.read(10) == data[100:110]
        stream.seek(0)
        assert stream.read() == data[:60_000]


def test_ensure_seekable_keeps_seekable_streams() -> None:
    stream = io.BytesIO(b"abc")
    assert ensure_seekable(stream) is stream


# -- against a real Samba server ---------------------------------------------------------------


def summary(entries: list[Entry]) -> list[tuple[str, Status | None, str, int | None]]:
    return [(e.ref.path, e.status, e.reason, e.size) for e in entries]


def smb_source(
    server: SambaServer, path: str = "", options: WalkOptions | None = None
) -> SmbSource:
    url = server.url + (f"/{path}" if path else "")
    return SmbSource.from_url(url, options=options, password=server.password, environ={})


@pytest.mark.server
@pytest.mark.parametrize(
    "options",
    [
        WalkOptions(max_object_bytes=1000),
        WalkOptions(include_hidden=False),
        WalkOptions(skip_junk=False, exclude=("HR/",)),
        WalkOptions(include=("*.txt",)),
    ],
    ids=["size-limit", "no-hidden", "junk-kept", "include"],
)
def test_smb_walk_matches_local_walk(
    tmp_path: Path, samba_share: ServeShare, options: WalkOptions
) -> None:
    tree = build_tree(tmp_path / "share", links=False, special=False)
    before = snapshot(tree)
    server = samba_share(tree)
    local = list(FileSystemSource(root=str(tree), options=options).walk())
    with smb_source(server, options=options) as source:
        remote = list(source.walk())
        assert summary(remote) == summary(local)
        assert len(remote) >= 3
        for near, far in zip(local, remote, strict=True):
            assert far.ref.root == server.url
            assert far.mtime == pytest.approx(near.mtime, abs=1e-3)
            if near.blob is None:
                assert far.blob is None
                continue
            assert far.blob is not None
            assert far.blob.name == near.blob.name
            assert far.blob.size == near.blob.size
            assert far.blob.read() == near.blob.read()
    assert snapshot(tree) == before


@pytest.mark.server
def test_smb_blob_is_seekable_for_zipfile(tmp_path: Path, samba_share: ServeShare) -> None:
    server = samba_share(build_tree(tmp_path / "share", links=False, special=False))
    with smb_source(server) as source:
        [entry] = [e for e in source.walk() if e.ref.path == "arkiv.zip"]
        assert entry.blob is not None
        with entry.blob.opener() as stream:
            assert stream.seekable()
            with zipfile.ZipFile(stream) as archive:
                assert archive.read("2019/ärende.txt") == "ärende\n".encode()


@pytest.mark.server
def test_smb_open_does_not_lock_others_out(tmp_path: Path, samba_share: ServeShare) -> None:
    server = samba_share(build_tree(tmp_path / "share", links=False, special=False))
    with (
        smb_source(server) as first,
        smb_source(server) as second,
        first.open_file("a.txt") as one,
        second.open_file("a.txt") as two,
    ):
        assert one.read() == two.read() == b"hej\n"


def read_in_worker(opener: SmbOpener) -> bytes:
    """Runs in another process: call an unpickled opener, then drop its connection."""
    try:
        with opener() as stream:
            return stream.read()
    finally:
        opener.source.close()


@pytest.mark.server
@pytest.mark.slow
def test_smb_opener_works_in_another_process(tmp_path: Path, samba_share: ServeShare) -> None:
    server = samba_share(build_tree(tmp_path / "share", links=False, special=False))
    with smb_source(server) as source:
        openers = [e.blob.opener for e in source.walk() if e.blob is not None]
    assert all(isinstance(opener, SmbOpener) for opener in openers)
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        remote = list(pool.map(read_in_worker, openers))
    local = [
        (tmp_path / "share" / o.rel_path).read_bytes() for o in openers if isinstance(o, SmbOpener)
    ]
    assert remote == local


@pytest.mark.server
def test_smb_open_by_path(tmp_path: Path, samba_share: ServeShare) -> None:
    server = samba_share(build_tree(tmp_path / "share", links=False, special=False))
    with smb_source(server) as source:
        blob = source.open("HR/Löner 2024/lönelista.csv")
        assert (blob.name, blob.size, blob.path) == ("lönelista.csv", 18, None)
        assert blob.read() == b"namn;personnummer\n"


@pytest.mark.server
def test_smb_links_followed_by_server_are_caught(tmp_path: Path, samba_share: ServeShare) -> None:
    """Samba follows Unix links itself; loops and second paths show up by file id."""
    server = samba_share(build_tree(tmp_path / "share", links=True, special=False))
    with smb_source(server) as source:
        rows = {e.ref.path: (e.status, e.reason) for e in source.walk()}
    assert rows["HR/Löner 2024/upp"] == (Status.SKIPPED, "symlink loop")
    assert rows["HR-länk"] == (Status.SKIPPED, "directory already walked through another link")
    assert rows["länk.txt"] == (None, "")  # a link to a file is served as the file
    assert "trasig" not in rows  # Samba does not list dangling links


@pytest.mark.server
def test_smb_subdirectory_and_single_file_roots(tmp_path: Path, samba_share: ServeShare) -> None:
    server = samba_share(build_tree(tmp_path / "share", links=False, special=False))
    with smb_source(server, "HR") as source:
        assert [e.ref.path for e in source.walk()] == [
            "Löner 2024/lönelista.csv",
            "anställda.txt",
        ]
    with smb_source(server, "HR/anst%C3%A4llda.txt") as source:
        [entry] = list(source.walk())
        assert (entry.ref.root, entry.ref.path) == (
            f"{server.url}/HR/anst%C3%A4llda.txt",
            "anställda.txt",
        )
        assert entry.blob is not None
        assert entry.blob.read() == b"Anna Andersson\n"


@pytest.mark.server
@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("finns-inte", "root does not exist: smb://"),
        ("HR/saknas.txt", "root does not exist: smb://"),
    ],
)
def test_smb_missing_root(tmp_path: Path, samba_share: ServeShare, path: str, message: str) -> None:
    server = samba_share(build_tree(tmp_path / "share", links=False, special=False))
    with smb_source(server, path) as source, pytest.raises(SourceError, match=message):
        source.walk()


@pytest.mark.server
def test_smb_missing_share(tmp_path: Path, samba_share: ServeShare) -> None:
    server = samba_share(build_tree(tmp_path / "share", links=False, special=False))
    url = f"smb://{server.username}@{server.host}:{server.port}/saknas"
    with (
        SmbSource.from_url(url, password=server.password, environ={}) as source,
        pytest.raises(SourceError, match="root does not exist"),
    ):
        source.walk()


@pytest.mark.server
def test_smb_wrong_password(tmp_path: Path, samba_share: ServeShare) -> None:
    server = samba_share(build_tree(tmp_path / "share", links=False, special=False))
    wrong = "Fel-Lösenord-42"
    # A good session to the same server must not let a wrong password through.
    with smb_source(server) as good:
        assert list(good.walk())
        with (
            SmbSource.from_url(server.url, password=wrong, environ={}) as bad,
            pytest.raises(SourceError, match="logon refused") as caught,
        ):
            bad.walk()
    message = str(caught.value)
    assert wrong not in message
    assert server.password not in message
    assert f"127.0.0.1:{server.port}" in message
    assert caught.value.__cause__ is None
