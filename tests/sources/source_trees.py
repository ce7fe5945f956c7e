"""Trees for source tests, and a snapshot to prove a walk changed nothing."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path


def build_tree(root: Path, *, links: bool = True, special: bool = True) -> Path:
    """A small share: nested folders, hidden files, junk, links, a loop, a fifo, a big file.

    :param links: add symbolic links (one to a file, one to a directory, a loop, a broken one).
    :param special: add a fifo.
    """
    (root / "HR" / "Löner 2024").mkdir(parents=True)
    (root / "HR" / "Löner 2024" / "lönelista.csv").write_text("namn;personnummer\n", "utf-8")
    (root / "HR" / "anställda.txt").write_text("Anna Andersson\n", "utf-8")
    (root / "HR" / "~$anställda.docx").write_bytes(b"\x05owner")
    (root / "a.txt").write_text("hej\n", "utf-8")
    (root / ".env").write_text("SECRET=1\n", "utf-8")
    (root / ".privat").mkdir()
    (root / ".privat" / "anteckning.txt").write_text("anteckning\n", "utf-8")
    (root / ".git").mkdir()
    (root / ".git" / "config").write_text("[core]\n", "utf-8")
    (root / "Thumbs.db").write_bytes(b"\0" * 8)
    (root / "stor.bin").write_bytes(b"x" * 2000)
    (root / "tom.txt").write_bytes(b"")
    with zipfile.ZipFile(root / "arkiv.zip", "w") as archive:
        archive.writestr("2019/ärende.txt", "ärende\n")
    if special:
        os.mkfifo(root / "kö")
    if not links:
        return root
    (root / "länk.txt").symlink_to("a.txt")
    (root / "HR-länk").symlink_to("HR", target_is_directory=True)
    (root / "HR" / "Löner 2024" / "upp").symlink_to("..", target_is_directory=True)
    (root / "trasig").symlink_to("finns-inte")
    return root


def snapshot(root: Path) -> dict[str, tuple[int, int, bytes | str]]:
    """Mode, mtime and content (or link target) of everything under ``root``, links unfollowed."""
    state: dict[str, tuple[int, int, bytes | str]] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in [*dirnames, *filenames]:
            path = Path(dirpath) / name
            st = path.lstat()
            if path.is_symlink():
                content: bytes | str = os.readlink(path)
            elif path.is_file():
                content = path.read_bytes()
            else:
                content = b""
            state[str(path.relative_to(root))] = (st.st_mode, st.st_mtime_ns, content)
    return state
