"""The walk rules over a listing that is neither a disk nor a share: a tree held in a dict.

The file system and SMB walks are tested against real trees and a real Samba server in
``test_filesystem.py`` and ``test_smb.py``; this shows that a new kind of source gets the same
rules by implementing :class:`~piiscan.sources.walk.Listing`, without copying them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from piiscan.model import ObjectRef, Status
from piiscan.sources.base import Entry
from piiscan.sources.select import WalkOptions
from piiscan.sources.walk import ListingError, Node, walk_tree

# name -> children (a dict), a file (bytes), or a node kind with its details.
TREE: dict[str, Any] = {
    "Arkiv": {
        "2019": {"a.txt": b"a", ".dold.txt": b"d"},
        "upp": ("dir", "root"),  # the root again: a loop
    },
    "HR": {"lön.xlsx": b"x", "låst": ("unlistable", "")},
    "gömd.txt": ("hidden", b"h"),
    "länk": ("link", ""),
    "fifo": ("special", "fifo"),
    "trasig": ("failed", "broken symbolic link"),
}


@dataclass
class DictListing:
    options: WalkOptions = field(default_factory=WalkOptions)

    def children(self, directory: Node[Any]) -> Iterator[Node[Any]]:
        if directory.handle == "unlistable":
            raise ListingError("permission denied")
        return self.nodes(directory.handle)

    def nodes(self, tree: dict[str, Any]) -> Iterator[Node[Any]]:
        for name, value in sorted(tree.items()):
            if isinstance(value, dict):
                yield Node(name=name, kind="dir", handle=value, key=id(value))
            elif isinstance(value, bytes):
                yield Node(name=name, kind="file", handle=value)
            elif value[0] == "dir":
                yield Node(name=name, kind="dir", handle=TREE, key=id(TREE))
            elif value[0] == "unlistable":
                yield Node(name=name, kind="dir", handle="unlistable", key=name)
            elif value[0] == "hidden":
                yield Node(name=name, kind="file", handle=value[1], hidden=True)
            elif value[0] == "failed":
                yield Node(name=name, kind="failed", handle=None, status=Status.SKIPPED,
                           reason=value[1])  # fmt: skip
            else:
                yield Node(name=name, kind=value[0], handle=None, reason=value[1])

    def file_entry(self, rel: str, node: Node[Any]) -> Entry:
        return Entry(ref=ObjectRef(root="mem", path=rel), blob=None, size=len(node.handle))

    def row(self, rel: str, status: Status, reason: str, node: Node[Any]) -> Entry:
        return Entry(ref=ObjectRef(root="mem", path=rel), blob=None, status=status, reason=reason)


def _walk(options: WalkOptions) -> list[tuple[str, str, str]]:
    listing = DictListing(options)
    entries = walk_tree(listing, listing.nodes(TREE), root_key=id(TREE), remember_walked=True)
    return [(e.ref.path, str(e.status or ""), e.reason) for e in entries]


def test_the_rules_over_a_new_listing() -> None:
    assert _walk(WalkOptions()) == [
        ("Arkiv/2019/.dold.txt", "", ""),
        ("Arkiv/2019/a.txt", "", ""),
        ("Arkiv/upp", "skipped", "symlink loop"),
        ("HR/låst", "error", "permission denied"),  # sorted by code point: å before ö
        ("HR/lön.xlsx", "", ""),
        ("fifo", "skipped", "special file (fifo)"),
        ("gömd.txt", "", ""),
        ("länk", "skipped", "symbolic link not followed"),
        ("trasig", "skipped", "broken symbolic link"),
    ]


def test_selection_and_hidden_files() -> None:
    """Includes select files; directories are still walked (a file below may match), so a
    directory's own row stays. What a glob drops is a ``skipped`` row, never opened or walked
    into (its names are data); hidden entries and dot-names are not rows."""
    options = WalkOptions(include=("*.txt",), exclude=("Arkiv/2019/",), include_hidden=False)
    excluded = "excluded by --include/--exclude"
    assert _walk(options) == [
        ("Arkiv/2019", "skipped", excluded),
        ("Arkiv/upp", "skipped", "symlink loop"),
        ("HR/låst", "error", "permission denied"),
        ("HR/lön.xlsx", "skipped", excluded),
        ("fifo", "skipped", excluded),
        ("länk", "skipped", excluded),
        ("trasig", "skipped", excluded),
    ]
