"""Walking a real directory tree in tmp_path: statuses, order, read-only behaviour."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from source_trees import build_tree, snapshot

from piiscan.errors import SourceError, TooLargeError
from piiscan.extractors.base import Limits
from piiscan.extractors.dispatch import extract
from piiscan.model import Status
from piiscan.sources.base import Entry
from piiscan.sources.filesystem import FileSystemSource, display_name, special_file_kind
from piiscan.sources.select import WalkOptions

OK = None  # an entry without a status is a file to scan


OPTIONS = WalkOptions(max_object_bytes=1000)

EXPECTED_NOT_FOLLOWING: list[tuple[str, Status | None, str]] = [
    (".env", OK, ""),
    (".privat/anteckning.txt", OK, ""),
    ("HR/Löner 2024/lönelista.csv", OK, ""),
    ("HR/Löner 2024/upp", Status.SKIPPED, "symbolic link not followed"),
    ("HR/anställda.txt", OK, ""),
    ("HR-länk", Status.SKIPPED, "symbolic link not followed"),
    ("a.txt", OK, ""),
    ("arkiv.zip", OK, ""),
    ("kö", Status.SKIPPED, "special file (fifo)"),
    ("länk.txt", Status.SKIPPED, "symbolic link not followed"),
    ("stor.bin", OK, ""),  # over the size limit: the dispatcher's to judge, not the walk's
    ("tom.txt", OK, ""),
    ("trasig", Status.SKIPPED, "symbolic link not followed"),
]

EXPECTED_FOLLOWING: list[tuple[str, Status | None, str]] = [
    (".env", OK, ""),
    (".privat/anteckning.txt", OK, ""),
    ("HR/Löner 2024/lönelista.csv", OK, ""),
    ("HR/Löner 2024/upp", Status.SKIPPED, "symlink loop"),
    ("HR/anställda.txt", OK, ""),
    ("HR-länk", Status.SKIPPED, "directory already walked through another link"),
    ("a.txt", OK, ""),
    ("arkiv.zip", OK, ""),
    ("kö", Status.SKIPPED, "special file (fifo)"),
    ("länk.txt", OK, ""),
    ("stor.bin", OK, ""),  # over the size limit: the dispatcher's to judge, not the walk's
    ("tom.txt", OK, ""),
    ("trasig", Status.SKIPPED, "broken symbolic link"),
]


def summary(entries: list[Entry]) -> list[tuple[str, Status | None, str]]:
    return [(entry.ref.path, entry.status, entry.reason) for entry in entries]


@pytest.mark.parametrize(
    ("follow", "expected"),
    [(False, EXPECTED_NOT_FOLLOWING), (True, EXPECTED_FOLLOWING)],
    ids=["links-not-followed", "links-followed"],
)
def test_walk_statuses(
    tmp_path: Path, follow: bool, expected: list[tuple[str, Status | None, str]]
) -> None:
    root = build_tree(tmp_path / "share")
    options = WalkOptions(max_object_bytes=1000, follow_symlinks=follow)
    entries = list(FileSystemSource(root=str(root), options=options).walk())
    assert summary(entries) == expected


def test_files_carry_blob_size_mtime_and_root(tmp_path: Path) -> None:
    root = build_tree(tmp_path / "share")
    for entry in FileSystemSource(root=str(root), options=OPTIONS).walk():
        assert entry.ref.root == str(root)
        assert entry.ref.members == ()
        local = root / entry.ref.path
        if entry.status is None:
            assert entry.blob is not None
            assert entry.blob.read() == local.read_bytes()
            assert entry.blob.name == local.name
            assert entry.blob.path == local
            assert entry.size == entry.blob.size == local.stat().st_size
            assert entry.mtime == local.stat().st_mtime
            with entry.blob.opener() as stream:
                assert stream.seekable()
        else:
            assert entry.blob is None


def test_walk_is_deterministic_and_sorted(tmp_path: Path) -> None:
    root = tmp_path / "share"
    for name in ["b", "a", "C", "ä", "a/z", "a/y", "b/x"]:
        (root / name).mkdir(parents=True, exist_ok=True)
        (root / name / "f.txt").write_text(name, "utf-8")
    source = FileSystemSource(root=str(root))
    first = [entry.ref.path for entry in source.walk()]
    assert first == [entry.ref.path for entry in source.walk()]
    assert first == [
        "C/f.txt",
        "a/f.txt",
        "a/y/f.txt",
        "a/z/f.txt",
        "b/f.txt",
        "b/x/f.txt",
        "ä/f.txt",
    ]


def test_tree_is_unchanged_by_walk_and_reads(tmp_path: Path) -> None:
    root = build_tree(tmp_path / "share")
    before = snapshot(root)
    for follow in (False, True):
        options = WalkOptions(follow_symlinks=follow)
        for entry in FileSystemSource(root=str(root), options=options).walk():
            if entry.blob is not None:
                entry.blob.read()
    assert snapshot(root) == before


def test_selection_applies(tmp_path: Path) -> None:
    root = build_tree(tmp_path / "share")
    options = WalkOptions(include=("*.txt", "*.csv"), exclude=("Löner*/",), include_hidden=False)
    entries = list(FileSystemSource(root=str(root), options=options).walk())
    paths = [entry.ref.path for entry in entries if entry.status is None]
    assert paths == ["HR/anställda.txt", "a.txt", "tom.txt"]
    # What a glob drops is a row never opened, so that its names can still be scanned.
    assert {entry.reason for entry in entries if entry.status is not None} == {
        "excluded by --include/--exclude",
        "symbolic link not followed",
    }
    assert "HR/Löner 2024" in {entry.ref.path for entry in entries}  # not walked into


def test_junk_kept_when_asked(tmp_path: Path) -> None:
    root = build_tree(tmp_path / "share")
    options = WalkOptions(skip_junk=False)
    paths = {entry.ref.path for entry in FileSystemSource(root=str(root), options=options).walk()}
    assert {".git/config", "HR/~$anställda.docx", "Thumbs.db"} <= paths


def test_single_file_root(tmp_path: Path) -> None:
    file = tmp_path / "kunder.csv"
    file.write_text("id\n", "utf-8")
    [entry] = list(FileSystemSource(root=str(file)).walk())
    assert entry.ref.path == "kunder.csv"
    assert entry.ref.root == str(file)
    assert entry.blob is not None
    assert entry.blob.read() == b"id\n"
    assert entry.status is None


def test_single_file_root_too_large_is_the_dispatchers_to_judge(tmp_path: Path) -> None:
    file = tmp_path / "stor.bin"
    file.write_bytes(b"x" * 11)
    [entry] = list(
        FileSystemSource(root=str(file), options=WalkOptions(max_object_bytes=10)).walk()
    )
    assert entry.status is None
    assert entry.blob is not None
    with pytest.raises(TooLargeError, match=r"larger than the size limit \(11 > 10 bytes\)"):
        extract(entry.blob, Limits(max_object_bytes=10))


def test_missing_root_is_source_error(tmp_path: Path) -> None:
    missing = tmp_path / "finns-inte"
    with pytest.raises(SourceError, match=r"root does not exist: .*finns-inte"):
        FileSystemSource(root=str(missing)).walk()


def test_special_root_is_source_error(tmp_path: Path) -> None:
    fifo = tmp_path / "kö"
    os.mkfifo(fifo)
    with pytest.raises(SourceError, match="not a file or directory"):
        FileSystemSource(root=str(fifo)).walk()


def test_socket_is_skipped(tmp_path: Path) -> None:
    root = tmp_path / "s"
    root.mkdir()
    path = root / "sock"
    if len(str(path)) > 100:
        pytest.skip("tmp_path too long for an AF_UNIX socket name")
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(path))
        [entry] = list(FileSystemSource(root=str(root)).walk())
    assert (entry.ref.path, entry.status, entry.reason) == (
        "sock",
        Status.SKIPPED,
        "special file (socket)",
    )


def test_undecodable_name_is_escaped(tmp_path: Path) -> None:
    root = tmp_path / "s"
    root.mkdir()
    raw = os.fsencode(str(root)) + b"/l\xf6n.txt"  # latin-1 "lön", not UTF-8
    with open(raw, "wb") as out:
        out.write(b"data")
    [entry] = list(FileSystemSource(root=str(root)).walk())
    assert entry.ref.path == "l\\xf6n.txt"
    entry.ref.path.encode("utf-8")
    assert entry.blob is not None
    assert entry.blob.read() == b"data"


@pytest.mark.parametrize(
    ("mode", "kind"),
    [
        (0o010644, "fifo"),
        (0o140755, "socket"),
        (0o020600, "character device"),
        (0o060600, "block device"),
        (0o100644, None),
        (0o040755, None),
    ],
)
def test_special_file_kind(mode: int, kind: str | None) -> None:
    assert special_file_kind(mode) == kind


def test_display_name_keeps_valid_names() -> None:
    assert display_name("Löner 2024.xlsx") == "Löner 2024.xlsx"


# -- permission denied ----------------------------------------------------------------------

WALK_SCRIPT = """
import json, sys
from piiscan.sources.filesystem import FileSystemSource
rows = [(e.ref.path, e.status, e.reason, e.blob is not None)
        for e in FileSystemSource(root=sys.argv[1]).walk()]
print(json.dumps(rows))
"""


def walk_without_privileges(root: Path) -> list[list[object]]:
    """Walk ``root`` in a child process that cannot bypass file permissions.

    As root the permission bits are not enforced, so the child drops the capabilities that
    bypass them (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH) with util-linux ``setpriv``.
    """
    command = [sys.executable, "-c", WALK_SCRIPT, str(root)]
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root and setpriv (util-linux) is missing to drop privileges")
        drop = "-dac_override,-dac_read_search"
        command = [setpriv, f"--inh-caps={drop}", f"--bounding-set={drop}", *command]
    result = subprocess.run(command, capture_output=True, text=True, check=True, timeout=60)
    rows: list[list[object]] = json.loads(result.stdout)
    return rows


def test_permission_denied_is_an_error_row(tmp_path: Path) -> None:
    root = tmp_path / "share"
    (root / "låst").mkdir(parents=True)
    (root / "låst" / "inne.txt").write_text("x", "utf-8")
    (root / "hemlig.txt").write_text("x", "utf-8")
    (root / "öppen.txt").write_text("x", "utf-8")
    (root / "hemlig.txt").chmod(0)
    (root / "låst").chmod(0)
    try:
        rows = walk_without_privileges(root)
    finally:
        (root / "låst").chmod(0o755)
        (root / "hemlig.txt").chmod(0o644)
    assert rows == [
        ["hemlig.txt", "error", "permission denied", False],
        ["låst", "error", "permission denied", False],
        ["öppen.txt", None, "", True],
    ]
