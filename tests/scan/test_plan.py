"""Roots to tasks: handles carry where an object is, never a source, a connection or a secret."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import pytest

from piiscan.config import ScanConfig
from piiscan.model import ObjectResult, Status
from piiscan.scan.plan import Credentials, ObjectHandle, open_roots, plan

from .conftest import ServeShare, small_files


def _tree(root: Path) -> Path:
    small_files(root / "HR", 3)
    (root / "HR" / "länk").symlink_to(root / "HR" / "b_000.txt")
    (root / "tom.txt").write_bytes(b"")
    return root


def test_plan_yields_handles_and_rows(tmp_path: Path) -> None:
    root = _tree(tmp_path / "share")
    config = ScanConfig(roots=(str(root),), inventory=tmp_path / "inv")
    items = list(plan(open_roots(config, Credentials())))
    handles = [i for i in items if isinstance(i, ObjectHandle) and i.row is None]
    # Entries passed over are handles too, carrying their row: a worker scans their names.
    rows = [i for i in items if isinstance(i, ObjectHandle) and i.row is not None]
    assert [h.ref.path for h in handles] == [
        "HR/b_000.txt", "HR/b_001.txt", "HR/b_002.txt", "tom.txt",
    ]  # fmt: skip
    assert {h.root_index for h in handles} == {0}
    assert handles[0].size == 27
    assert [(r.ref.path, r.row) for r in rows] == [
        ("HR/länk", (Status.SKIPPED, "symbolic link not followed"))
    ]
    assert not [i for i in items if isinstance(i, ObjectResult)]


def test_single_file_root_opens_the_root(tmp_path: Path) -> None:
    root = _tree(tmp_path / "share")
    file_root = root / "HR" / "b_001.txt"
    config = ScanConfig(roots=(str(root), str(file_root)), inventory=tmp_path / "inv")
    sources = open_roots(config, Credentials())
    [handle] = [i for i in plan(sources[1:]) if isinstance(i, ObjectHandle)]
    assert (handle.ref.path, handle.source_path) == ("b_001.txt", "")
    assert sources[1].open(handle.source_path).read() == file_root.read_bytes()


def test_undecodable_name_opens_the_real_file(tmp_path: Path) -> None:
    root = tmp_path / "share"
    root.mkdir()
    with open(os.fsencode(str(root)) + b"/l\xf6n.txt", "wb") as out:
        out.write(b"data")
    config = ScanConfig(roots=(str(root),), inventory=tmp_path / "inv")
    [source] = open_roots(config, Credentials())
    [handle] = list(plan([source]))
    assert isinstance(handle, ObjectHandle)
    assert handle.ref.path == "l\\xf6n.txt"
    assert source.open(handle.source_path).read() == b"data"
    pickle.loads(pickle.dumps(handle))


@pytest.mark.server
def test_smb_tasks_carry_no_password(tmp_path: Path, samba_share: ServeShare) -> None:
    root = _tree(tmp_path / "share")
    server = samba_share(root)
    credentials = Credentials(smb_password=server.password)
    assert server.password not in repr(credentials)
    config = ScanConfig(roots=(server.url,), inventory=tmp_path / "inv")
    sources = open_roots(config, credentials)
    try:
        items = list(plan(sources))
    finally:
        for source in sources:
            source.close()
    handles = [i for i in items if isinstance(i, ObjectHandle)]
    assert len(handles) >= 4  # Samba serves the link as the file it points to
    for item in items:
        data = pickle.dumps(item)
        assert server.password.encode() not in data
        assert server.password.encode("utf-16-le") not in data
        assert len(data) < 1024  # a handle, not a source
