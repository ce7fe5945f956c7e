"""IMAP roots: URLs, folder names, and a real Dovecot on 127.0.0.1 read without marking a thing.

The server tests start Debian's ``dovecot`` with a throwaway config (``tests/dovecot_server.py``)
over a Maildir written here, scan it through the CLI, and check that every message's flags and
file are as they were.
"""

from __future__ import annotations

import email.utils
import imaplib
import json
import os
import pickle
import subprocess
import sys
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from click.testing import CliRunner

from piiscan.cli import cli
from piiscan.errors import ConfigError, SourceError
from piiscan.sources import open_source
from piiscan.sources.imap import (
    ImapOptions,
    ImapSource,
    ImapUrl,
    decode_folder_name,
    parse_imap_url,
    read_password_file,
)
from piiscan.sources.select import WalkOptions

_TESTS_DIR = str(Path(__file__).resolve().parents[1])
if _TESTS_DIR not in sys.path:
    sys.path.insert(0, _TESTS_DIR)

from dovecot_server import (  # noqa: E402
    DovecotServer,
    dovecot_missing_reason,
    openssl_missing_reason,
    serve_maildir,
)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("imaps://anna@mail.exempel.se/INBOX",
         ImapUrl(scheme="imaps", host="mail.exempel.se", port=993, folder="INBOX",
                 username="anna")),
        ("imaps://anna@mail.exempel.se/", ImapUrl(scheme="imaps", host="mail.exempel.se",
                                                 port=993, username="anna")),
        ("imaps://anna@mail.exempel.se/*", ImapUrl(scheme="imaps", host="mail.exempel.se",
                                                  port=993, username="anna")),
        ("IMAP://Mail.Exempel.se:1143/Arkiv/2019",
         ImapUrl(scheme="imap", host="mail.exempel.se", port=1143, folder="Arkiv/2019")),
        ("imaps://kundtjanst%40exempel.se@mail.exempel.se/Kundtj%C3%A4nst",
         ImapUrl(scheme="imaps", host="mail.exempel.se", port=993, folder="Kundtjänst",
                 username="kundtjanst@exempel.se")),
    ],
    ids=["inbox", "all", "all-star", "plain-port-nested", "encoded"],
)  # fmt: skip
def test_parse_imap_url(url: str, expected: ImapUrl) -> None:
    assert parse_imap_url(url) == expected
    assert parse_imap_url(expected.url) == expected


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("imaps://anna:Hemligt-42@mail.exempel.se/INBOX", "must not hold a password"),
        ("pop3://mail.exempel.se/", "must start with imaps://"),
        ("imaps:///INBOX", "names no server"),
        ("imaps://mail.exempel.se/INBOX?x=1", "query or fragment"),
        ("imaps://mail.exempel.se:99999/INBOX", "bad port"),
    ],
    ids=["password", "scheme", "no-host", "query", "port"],
)
def test_malformed_imap_urls(url: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as caught:
        parse_imap_url(url)
    assert "Hemligt" not in str(caught.value)


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("127.5.0.1", True), ("::1", True), ("localhost", True),
     ("10.0.0.1", False), ("mail.exempel.se", False)],
)  # fmt: skip
def test_loopback_hosts(host: str, loopback: bool) -> None:
    assert ImapUrl(scheme="imap", host=host, port=143).is_loopback is loopback


@pytest.mark.parametrize(
    ("raw", "text"),
    [("INBOX", "INBOX"), ("Kundtj&AOQ-nst", "Kundtjänst"), ("R&AOQ-kningar &- kvitton",
     "Räkningar & kvitton"), ("&ZeVnLIqe-", "日本語"), ("Trasig &-", "Trasig &")],
)  # fmt: skip
def test_decode_folder_name(raw: str, text: str) -> None:
    assert decode_folder_name(raw) == text


def test_password_never_shown_nor_pickled(tmp_path: Path) -> None:
    secret = "Hemligt-lösen-42"
    source = ImapSource.from_url("imaps://anna@mail.exempel.se/INBOX", password=secret, environ={})
    assert secret not in repr(source)
    assert secret.encode() not in pickle.dumps(source)
    assert pickle.loads(pickle.dumps(source)).password is None
    env = ImapSource.from_url(
        "imaps://mail.exempel.se/",
        environ={"PIISCAN_IMAP_USER": "bo", "PIISCAN_IMAP_PASSWORD": "x"},
    )
    assert (env.username, env.password) == ("bo", "x")
    file = tmp_path / "pw"
    file.write_text(secret + "\nrest\n", encoding="utf-8")
    assert read_password_file(file) == secret
    with pytest.raises(ConfigError, match="cannot read the IMAP password file") as caught:
        read_password_file(tmp_path / "missing")
    assert secret not in str(caught.value)


def test_open_source_picks_imap() -> None:
    source = open_source("imaps://anna@mail.exempel.se/INBOX", options=WalkOptions(), environ={})
    assert isinstance(source, ImapSource)
    with pytest.raises(ConfigError, match="imaps://"):
        open_source("ftp://x/y", options=WalkOptions())


def test_connection_refused_is_a_source_error() -> None:
    source = ImapSource.from_url(
        "imap://anna@127.0.0.1:1/INBOX", password="x", environ={}, imap=ImapOptions(timeout=5)
    )
    with pytest.raises(SourceError, match="connection refused"):
        source.walk()


# -- a real Dovecot ------------------------------------------------------------------------

PNR = "19121212-1212"  # Skatteverket's test personnummer
PHONE = "070-174 06 05"  # PTS's range for fiction
MAIL_ID = "<20261201.4711@exempel.se>"


def _message(
    subject: str, body: str, *, message_id: str | None, sender: str = "Anna Andersson"
) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"{sender} <anna.andersson@exempel.se>"
    msg["To"] = "Kundtjänst <kundtjanst@exempel.se>"
    msg["Subject"] = subject
    msg["Date"] = email.utils.format_datetime(email.utils.parsedate_to_datetime(
        "Tue, 01 Dec 2026 10:00:00 +0100"))  # fmt: skip
    if message_id:
        msg["Message-ID"] = message_id
    msg.set_content(body, cte="quoted-printable")
    return msg.as_bytes()


def _fill(tmp: Path) -> Path:
    """A Maildir: INBOX with an unseen and a seen message, Maildir++ folders
    ``Kundtjänst`` (modified UTF-7 on disk) and ``Arkiv.2019`` (nested)."""
    root = tmp / "Maildir"
    folders = {
        "": [
            ("1000000001.M1P1.test:2,", _message(
                "Begäran", f"Hej, mitt personnummer är {PNR}.\nMvh Anna", message_id=MAIL_ID)),
            ("1000000002.M2P1.test:2,FS", _message(
                "Ring mig", f"Ring mig på {PHONE}.", message_id="<a/b=c@exempel.se>")),
        ],
        ".Kundtj&AOQ-nst": [
            ("1000000003.M3P1.test:2,", _message(
                "Utan id", f"Personnummer {PNR}", message_id=None, sender="Bertil Öberg")),
        ],
        ".Arkiv.2019": [
            ("1000000004.M4P1.test:2,S", _message("Gammalt", "Inget här.", message_id="<x@y>")),
        ],
    }  # fmt: skip
    for folder, messages in folders.items():
        base = root / folder if folder else root
        for sub in ("cur", "new", "tmp"):
            (base / sub).mkdir(parents=True, exist_ok=True)
        for name, data in messages:
            (base / "cur" / name).write_bytes(data)
    return root


def _state(server: DovecotServer) -> tuple[list[str], dict[str, list[bytes]]]:
    """Every message file name (Maildir keeps flags in it) and each folder's FETCH FLAGS."""
    files = sorted(str(p.relative_to(server.maildir)) for p in server.maildir.rglob("cur/*"))
    client = imaplib.IMAP4("127.0.0.1", server.port)
    try:
        client.login(server.username, server.password)
        flags = {}
        for folder in ("INBOX", '"Kundtj&AOQ-nst"', "Arkiv.2019"):
            client.select(folder, readonly=True)
            _, data = client.fetch("1:*", "(FLAGS)")
            flags[folder] = sorted(item for item in data if isinstance(item, bytes))
    finally:
        client.logout()
    return files, flags


@pytest.fixture(scope="module")
def plain_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DovecotServer]:
    reason = dovecot_missing_reason()
    if reason:
        pytest.skip(reason)
    tmp = tmp_path_factory.mktemp("dovecot")
    with serve_maildir(_fill(tmp)) as server:
        yield server


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DovecotServer]:
    reason = dovecot_missing_reason() or openssl_missing_reason()
    if reason:
        pytest.skip(reason)
    tmp = tmp_path_factory.mktemp("dovecot-tls")
    with serve_maildir(_fill(tmp), tls=True) as server:
        yield server


def _scan(
    tmp_path: Path, url: str, password: str, *extra: str
) -> tuple[int, str, list[dict[str, object]]]:
    """``piiscan scan`` as a user runs it (a process: exit statuses are main()'s)."""
    inventory = tmp_path / "inventory"
    env = {**os.environ, "PIISCAN_IMAP_PASSWORD": password}
    env.pop("PIISCAN_IMAP_USER", None)
    done = subprocess.run(
        [sys.executable, "-c", "from piiscan.cli import main; main()",
         "scan", url, "--inventory", str(inventory), "--key-file", str(tmp_path / "key"),
         "--new-key", "--workers", "1", "--person-model", "none", "-q", *extra],
        env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        lines = (done.stdout + done.stderr).splitlines()
        return done.returncode, "\n".join(x for x in lines if "created a new key" not in x), []
    out = CliRunner().invoke(cli, ["findings", "--inventory", str(inventory)])
    return 0, done.stderr, [json.loads(line) for line in out.output.splitlines()]


@pytest.mark.server
def test_scan_every_folder_reads_and_marks_nothing(
    tmp_path: Path, plain_server: DovecotServer
) -> None:
    before = _state(plain_server)
    code, output, findings = _scan(tmp_path, plain_server.url(""), plain_server.password)
    assert code == 0, output
    assert _state(plain_server) == before  # no \Seen set, no file renamed, nothing moved
    where = {(f["path"], f["locator"], f["entity_type"]) for f in findings}
    assert ("INBOX/1", f"message={MAIL_ID}/part=1", "SE_PERSONNUMMER") in where
    assert ("INBOX/2", "message=<a%2Fb%3Dc@exempel.se>/part=1", "PHONE_NUMBER") in where
    assert ("INBOX/1", f"message={MAIL_ID}/header=From", "EMAIL_ADDRESS") in where
    # No Message-ID: the message is named by its UID's file name, in the decoded folder.
    assert ("Kundtjänst/1", "message=1.eml/part=1", "SE_PERSONNUMMER") in where
    objects = CliRunner().invoke(cli, ["objects", "--inventory", str(tmp_path / "inventory")])
    paths = {json.loads(line)["path"] for line in objects.output.splitlines()}
    assert paths == {"INBOX/1", "INBOX/2", "Kundtjänst/1", "Arkiv/2019/1"}
    assert PNR not in objects.output
    # An access request finds the person in the live mailbox, message by message.
    subject = CliRunner().invoke(
        cli, ["subject", "--inventory", str(tmp_path / "inventory"), "--personnummer", PNR,
              "--format", "json"], env={"PIISCAN_KEY_FILE": str(tmp_path / "key")},
    )  # fmt: skip
    places = {(p["path"], p["record"], p["system"]) for p in json.loads(subject.output)["places"]}
    assert ("INBOX/1", f"message={MAIL_ID}", "mailbox") in places
    assert ("Kundtjänst/1", "message=1.eml", "mailbox") in places


@pytest.mark.server
def test_scan_one_folder(tmp_path: Path, plain_server: DovecotServer) -> None:
    code, output, findings = _scan(
        tmp_path, plain_server.url("Kundtj%C3%A4nst"), plain_server.password
    )
    assert code == 0, output
    assert {f["path"] for f in findings} == {"Kundtjänst/1"}


@pytest.mark.server
def test_wrong_password_is_one_line_and_exit_5(tmp_path: Path, plain_server: DovecotServer) -> None:
    wrong = "Fel-Lösenord-42"
    code, output, _ = _scan(tmp_path, plain_server.url(), wrong)
    assert code == 5
    assert output.strip().count("\n") == 0, output
    assert "login refused" in output
    assert "anna" in output
    assert wrong not in output
    assert plain_server.password not in output
    assert "Traceback" not in output


@pytest.mark.server
def test_missing_folder_is_exit_5(tmp_path: Path, plain_server: DovecotServer) -> None:
    code, output, _ = _scan(tmp_path, plain_server.url("Finns-inte"), plain_server.password)
    assert code == 5
    assert "root does not exist" in output


@pytest.mark.server
def test_password_file(tmp_path: Path, plain_server: DovecotServer) -> None:
    secret = tmp_path / "pw"
    secret.write_text(plain_server.password + "\n", encoding="utf-8")
    code, output, findings = _scan(
        tmp_path, plain_server.url(), "", "--imap-password-file", str(secret)
    )
    assert code == 0, output
    assert findings


@pytest.mark.server
def test_workers_open_each_root_once(tmp_path: Path, plain_server: DovecotServer) -> None:
    code, output, findings = _scan(tmp_path, plain_server.url(""), plain_server.password)
    assert code == 0
    again = tmp_path / "two"
    again.mkdir()
    code, output, two = _scan(again, plain_server.url(""), plain_server.password, "--workers", "2")
    assert code == 0, output
    place = sorted((str(f["path"]), str(f["locator"])) for f in two)
    assert place == sorted((str(f["path"]), str(f["locator"])) for f in findings)


@pytest.mark.server
@pytest.mark.parametrize(
    ("tls", "extra", "ok"),
    [(True, ("--imap-ca-file", "CA"), True), (True, (), False),
     (True, ("--imap-insecure",), True), (False, ("--imap-ca-file", "CA"), True),
     (False, (), False)],
    ids=["imaps-ca", "imaps-untrusted", "imaps-insecure", "starttls-ca", "starttls-untrusted"],
)  # fmt: skip
def test_tls(
    tmp_path: Path, tls_server: DovecotServer, tls: bool, extra: tuple[str, ...], ok: bool
) -> None:
    args = tuple(str(tls_server.ca_file) if arg == "CA" else arg for arg in extra)
    code, output, findings = _scan(tmp_path, tls_server.url(tls=tls), tls_server.password, *args)
    if ok:
        assert code == 0, output
        assert {f["path"] for f in findings} == {"INBOX/1", "INBOX/2"}
    else:
        assert code == 5
        assert "certificate not trusted" in output
        assert output.strip().count("\n") == 0


def test_the_password_file_is_read_by_the_source_and_not_carried(tmp_path: Path) -> None:
    file = tmp_path / "pw"
    file.write_text("Hemligt-42\n", encoding="utf-8")
    options = ImapOptions(password_file=file)
    source = ImapSource.from_url("imaps://anna@mail.exempel.se/", imap=options, environ={})
    assert source.password == "Hemligt-42"
    assert b"Hemligt" not in pickle.dumps(options)
    with pytest.raises(ConfigError, match="password file"):
        ImapSource.from_url(
            "imaps://anna@mail.exempel.se/", imap=ImapOptions(password_file=tmp_path / "x")
        )


@pytest.mark.server
def test_a_message_over_the_size_limit_is_a_row_not_read(
    tmp_path: Path, plain_server: DovecotServer
) -> None:
    code, output, findings = _scan(tmp_path, plain_server.url(), plain_server.password,
                                   "--max-size", "100")  # fmt: skip
    assert code == 0, output
    assert findings == []
    objects = CliRunner().invoke(cli, ["objects", "--inventory", str(tmp_path / "inventory")])
    rows = [json.loads(line) for line in objects.output.splitlines()]
    assert {(r["path"], r["status"]) for r in rows} == {
        ("INBOX/1", "too_large"),
        ("INBOX/2", "too_large"),
    }
