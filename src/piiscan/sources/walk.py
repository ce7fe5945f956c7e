"""The walk rules, once, over any source's listing.

A source lists directories (:meth:`Listing.children`) and turns a file into an entry
(:meth:`Listing.file_entry`); :func:`walk_tree` applies the rules every source shares, in this
order, to each :class:`Node` met:

1. an entry that could not be looked at (a broken link, a link loop, no permission) is a row,
   when its path is selected;
2. a path an include or exclude glob drops is a ``skipped`` row (``excluded by
   --include/--exclude``), never opened or walked into: its names are data, and the scan
   driver keeps the row when they hold a finding; junk and dot-names (see
   :mod:`piiscan.sources.select`) are passed over without a row, and so is an entry with the
   hidden or system attribute when hidden files are skipped;
3. a symbolic link not followed is a ``skipped`` row;
4. a directory already on the current path is a ``symlink loop``, one walked through another
   link ``directory already walked through another link``, one deeper than
   :data:`~piiscan.sources.select.MAX_DEPTH` an ``error``; otherwise it is walked, depth first,
   in the order the source lists it (sorted by name);
5. a regular file is the source's entry (an object to scan, or a ``too_large`` row);
6. anything else (a fifo, a socket, a device) is a ``skipped`` row naming its kind.

A source with a new kind of listing (a mailbox's folders) gets these rules by implementing
:class:`Listing`; it never copies them.

.. versionadded:: 0.1
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator
from dataclasses import dataclass
from typing import Generic, Literal, Protocol, TypeVar

from piiscan.model import Status
from piiscan.sources.base import Entry
from piiscan.sources.select import (
    MAX_DEPTH,
    REASON_ALREADY_WALKED,
    REASON_EXCLUDED,
    REASON_SYMLINK,
    REASON_SYMLINK_LOOP,
    REASON_TOO_DEEP,
    WalkOptions,
    passed_over,
)

__all__ = ["Listing", "ListingError", "Node", "walk_tree"]

H = TypeVar("H")

NodeKind = Literal["file", "dir", "link", "special", "failed"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Node(Generic[H]):
    """One directory entry as a source sees it, links already followed when they are followed.

    :param name: the name as it is shown (valid UTF-8).
    :param kind: ``file``, ``dir``, ``link`` (a link not followed), ``special`` or ``failed``.
    :param handle: what the source needs to list or open the entry again.
    :param key: a directory's identity (device and inode, a file id); ``None`` when unknown,
        which turns the loop checks off for it.
    :param hidden: the entry has the hidden or system attribute.
    :param status: for ``failed``: the row's status.
    :param reason: for ``failed``: why; for ``special``: the kind of file.
    :param mtime: the modification time shown in rows of entries passed over.
    """

    name: str
    kind: NodeKind
    handle: H
    key: Hashable | None = None
    hidden: bool = False
    status: Status = Status.ERROR
    reason: str = ""
    mtime: float | None = None


class ListingError(Exception):
    """A directory could not be listed; ``args[0]`` is the reason (no path, no content)."""


class Listing(Protocol[H]):
    """What a source gives the walk."""

    @property
    def options(self) -> WalkOptions:
        """The walk options."""
        ...

    def children(self, directory: Node[H]) -> Iterator[Node[H]]:
        """The entries of ``directory`` in walk order.

        :raises ListingError: when the directory cannot be listed.
        """
        ...

    def file_entry(self, rel: str, node: Node[H]) -> Entry:
        """The entry of a regular file at ``rel``: an object to scan, or a row."""
        ...

    def row(self, rel: str, status: Status, reason: str, node: Node[H]) -> Entry:
        """The row of something at ``rel`` the walk passed over."""
        ...


@dataclass(slots=True)
class _Frame(Generic[H]):
    nodes: Iterator[Node[H]]
    rel: str
    ancestors: frozenset[Hashable]
    depth: int


def walk_tree(
    listing: Listing[H],
    top: Iterator[Node[H]],
    *,
    root_key: Hashable | None,
    remember_walked: bool,
) -> Iterator[Entry]:
    """Apply the walk rules (module docstring) to the tree under a root, depth first.

    :param listing: the source's listing.
    :param top: the root directory's entries.
    :param root_key: the root directory's identity, if known.
    :param remember_walked: also catch a directory met again off the current path (needed
        where links are followed, or where the server follows them itself).
    """
    options = listing.options
    ancestors = frozenset({root_key} if root_key is not None else ())
    stack = [_Frame(top, "", ancestors, 0)]
    walked: set[Hashable] = set(ancestors)
    while stack:
        frame = stack[-1]
        node = next(frame.nodes, None)
        if node is None:
            stack.pop()
            continue
        rel = f"{frame.rel}/{node.name}" if frame.rel else node.name
        if not options.include_hidden and node.hidden:
            continue
        why = passed_over(rel, options, is_dir=node.kind == "dir")
        if why == REASON_EXCLUDED:  # never opened or walked into; its names are still data
            yield listing.row(rel, Status.SKIPPED, why, node)
            continue
        if why is not None:
            continue
        if node.kind == "failed":
            yield listing.row(rel, node.status, node.reason, node)
            continue
        if node.kind == "link":
            yield listing.row(rel, Status.SKIPPED, REASON_SYMLINK, node)
        elif node.kind == "dir":
            key = node.key
            if key is not None and key in frame.ancestors:
                yield listing.row(rel, Status.SKIPPED, REASON_SYMLINK_LOOP, node)
            elif key is not None and key in walked:
                yield listing.row(rel, Status.SKIPPED, REASON_ALREADY_WALKED, node)
            elif frame.depth + 1 > MAX_DEPTH:
                yield listing.row(rel, Status.ERROR, REASON_TOO_DEEP, node)
            else:
                try:
                    children = listing.children(node)
                except ListingError as error:
                    yield listing.row(rel, Status.ERROR, str(error.args[0]), node)
                    continue
                if key is not None and remember_walked:
                    walked.add(key)
                below = frame.ancestors | {key} if key is not None else frame.ancestors
                stack.append(_Frame(children, rel, below, frame.depth + 1))
        elif node.kind == "file":
            yield listing.file_entry(rel, node)
        else:
            yield listing.row(rel, Status.SKIPPED, f"special file ({node.reason})", node)
