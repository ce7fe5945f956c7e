"""open_source picks the source by the root string (no server needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from piiscan.errors import ConfigError
from piiscan.sources import open_source, unc_to_smb_url
from piiscan.sources.filesystem import FileSystemSource
from piiscan.sources.select import WalkOptions
from piiscan.sources.smb import SmbSource

OPTIONS = WalkOptions(include=("*.docx",))


@pytest.mark.parametrize(
    "root", ["/srv/share", "relative/dir", "C:\\Users\\anna", "./a://b", "file.txt"]
)
def test_paths_become_filesystem_sources(root: str) -> None:
    source = open_source(root, options=OPTIONS)
    assert isinstance(source, FileSystemSource)
    assert (source.root, source.options) == (root, OPTIONS)


@pytest.mark.parametrize(
    ("root", "expected_root"),
    [
        ("smb://fil01/data/HR", "smb://fil01/data/HR"),
        ("SMB://anna:Hemligt-1@fil01/data", "smb://anna@fil01/data"),
        ("\\\\fil01\\data\\Löner 2024", "smb://fil01/data/L%C3%B6ner%202024"),
    ],
)
def test_smb_roots_become_smb_sources(root: str, expected_root: str) -> None:
    source = open_source(root, options=OPTIONS, smb_username="anna", smb_password="pw", environ={})
    assert isinstance(source, SmbSource)
    assert source.root == expected_root
    assert source.options == OPTIONS
    assert (source.username, source.password) == ("anna", "pw")
    assert "Hemligt" not in repr(source)


def test_smb_credentials_from_environment() -> None:
    environ = {"PIISCAN_SMB_USER": "svc-scan", "PIISCAN_SMB_PASSWORD": "från-miljön"}
    source = open_source("smb://fil01/data", options=OPTIONS, environ=environ)
    assert isinstance(source, SmbSource)
    assert (source.username, source.password) == ("svc-scan", "från-miljön")


@pytest.mark.parametrize(
    ("root", "message"),
    [
        ("ftp://fil01/data", "unsupported root URL scheme: ftp://"),
        ("smb://fil01", "names no share"),
        ("\\\\fil01", "needs a server and a share"),
    ],
)
def test_bad_roots_are_config_errors(root: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        open_source(root, options=OPTIONS)


def test_unc_to_smb_url() -> None:
    assert unc_to_smb_url("\\\\fil01\\data\\a b\\c") == "smb://fil01/data/a%20b/c"


def test_filesystem_source_walks_through_open_source(tmp_path: Path) -> None:
    (tmp_path / "a.docx").write_bytes(b"PK")
    (tmp_path / "b.txt").write_bytes(b"x")
    source = open_source(str(tmp_path), options=OPTIONS)
    walked = [(entry.ref.path, entry.status) for entry in source.walk()]
    assert walked == [("a.docx", None), ("b.txt", "skipped")]  # excluded: a row, never opened
