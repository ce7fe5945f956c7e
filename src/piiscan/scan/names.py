"""Names are data: the names of files, folders and members are scanned, and the content names in
locators are masked where they hold a finding.

A file called ``19121212-1212.txt``, a folder named after an employee or an archive member
``personer/19900101-0017.txt`` say something about a person as plainly as the text inside.
:func:`name_segments` turns an object's names into segments the driver scans like any other
text:

- a file: its name (locator ``name``) and each folder of its path below the root
  (``folder=1`` is the outermost); the path itself stays in the ``path`` column as it is,
  because a person must be able to find the file;
- an archive member: its name and the folders of its path inside the archive, the same way;
- a mail attachment (a member named ``part=2/attachment=kund.docx``): the attachment's file
  name (``name``). Mail subjects are headers and are scanned with the message.

An object that cannot be opened or read still gets the findings of its names, and so does one
passed over without being opened (too large, a link not followed, a FIFO, a path a glob
excludes): the walk hands its row to a task (:attr:`piiscan.scan.plan.ObjectHandle.row`),
which adds the findings of its names; an excluded path's row is kept only when it has some.

Extractors put *content names* into locators: a sheet name, a column or table name, an XML
element name, a JSON key. They list them in :attr:`~piiscan.model.Segment.names`; a
:class:`NameMasks` (one per object) analyses each distinct name once and, where a name holds a
finding, puts the finding's masked preview in its place in every locator that carries it. Every
row of a sheet named ``19121212-1212`` is then located ``sheet=19121212-****/cell=A2``, and a
finding's ``context`` (the column or element name that raised its score) is masked the same
way. The name's own finding is recorded where the extractor yields the name as a segment: a
sheet's ``sheet=…/name``, a Parquet column's ``column=…/name``, a dump's table and column
(``table=…/name``, ``table=…/column=…/name``), a PowerPoint shape's ``slide=…/shape=…/name``,
an XML element's or attribute's ``…/name()``, a JSON key's ``$.…/name``, a CSV header cell.

Names are read as names (:func:`readable_name`): an underscore or a letter glued to digits
does not hide an identifier. A folder's findings are remembered per process
(:func:`scan_names`), since every file in it has the same folder.

.. versionadded:: 0.2
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Callable, Sequence
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from piiscan.locator import Locator, escape
from piiscan.model import RECORD_STEPS, Finding, ObjectRef, Segment

if TYPE_CHECKING:
    from piiscan.engine import Engine

__all__ = [
    "NameMasks",
    "as_read",
    "is_name",
    "mask_spans",
    "name_segments",
    "readable_name",
    "scan_names",
]

# A name is short; longer "names" (a member path gone wrong) are cut before analysis.
_MAX_NAME_CHARS = 1024
# Every file in a folder scans the folder's name again; its findings (and its segments) are
# kept per process (for the one engine the process uses), up to this many folder names.
_FOLDER_CACHE_SIZE = 4096

# Names glue words together where text would not: ``p19121212_1212``, ``kund19121212-1212``.
_GLUED = re.compile(r"(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_])")


def readable_name(name: str) -> tuple[str, list[int]]:
    """A name as the engine should read it, and where each of its characters came from.

    An underscore is read as a ``-`` between digits (``19121212_1212``) and as a space
    elsewhere, and a space is put where letters and digits meet (``p19121212`` reads
    ``p 19121212``), so an identifier glued into a name is still found.

    :returns: the text, and for each of its characters the index in ``name`` it stands for
        (an added space stands for the character after it), plus ``len(name)`` at the end.
    """
    # Where letters and digits meet (a zero-width match at every such index but the first).
    glued = {match.start() for match in _GLUED.finditer(name)}
    if not glued and "_" not in name:  # most names: read as they are
        return name, list(range(len(name) + 1))
    text: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(name):
        if index and index in glued:
            text.append(" ")
            origin.append(index)
        if char == "_":
            between_digits = 0 < index < len(name) - 1 and name[index - 1].isdigit()
            char = "-" if between_digits and name[index + 1].isdigit() else " "
        text.append(char)
        origin.append(index)
    origin.append(len(name))
    return "".join(text), origin


def is_name(segment: Segment) -> bool:
    """Whether a segment is a name: its text is one of the content names of its locator (a
    sheet's ``sheet=Kunder/name``, an XML element's ``kunder/name()``)."""
    return bool(segment.names) and segment.text in segment.names


def as_read(segment: Segment) -> Segment:
    """A name segment with its text made readable (:func:`readable_name`); others as they are.

    The findings of a name are then located in the readable text.
    """
    if not is_name(segment):
        return segment
    text, _ = readable_name(segment.text)
    return segment if text == segment.text else dataclasses.replace(segment, text=text)


def name_segments(ref: ObjectRef) -> list[Segment]:
    """The segments of the names an object has: its own and its folders' (see the module),
    their text made readable (:func:`readable_name`).

    :param ref: the object; a file scans its path below the root, a member its name inside
        the container around it.
    """
    if not ref.members:
        return _readable_path_segments(ref.path)
    if ref.members[-1].startswith(RECORD_STEPS):
        return [_readable(segment) for segment in _attachment_segments(ref.members[-1])]
    return _readable_path_segments(ref.members[-1])


def _readable(segment: Segment) -> Segment:
    return dataclasses.replace(segment, text=readable_name(segment.text)[0])


def _readable_path_segments(path: str) -> list[Segment]:
    """:func:`_path_segments` made readable, the folders' segments remembered per folder
    path: every file of a folder has the same ones, and building them again was about 23 of
    the 30 µs a file three folders deep spent here."""
    folder, _, last = path.rpartition("/")
    # The folders of ``path`` are those of ``folder`` unless the last part is dropped or
    # not a name (``a/``, ``a/.``, ``a/..``) or ``folder`` is only a root (``/``, ``//``).
    if last in ("", ".", "..") or not folder.strip("/"):
        return [_readable(segment) for segment in _path_segments(path)]
    segments = list(_folder_segments(folder))
    if last.strip():
        segments.append(_readable(Segment(text=last[:_MAX_NAME_CHARS], locator="name")))
    return segments


@functools.lru_cache(maxsize=_FOLDER_CACHE_SIZE)
def _folder_segments(folder: str) -> tuple[Segment, ...]:
    parts = [part for part in PurePosixPath(folder).parts if part not in ("/", ".", "..")]
    return tuple(
        _readable(Segment(text=part[:_MAX_NAME_CHARS], locator=_folder_locator(depth)))
        for depth, part in enumerate(parts, start=1)
        if part.strip()
    )


def _folder_locator(depth: int) -> str:
    return Locator.of(("folder", str(depth))).render()


_NAMES_CACHE_SIZE = 4096
_folder_cache: dict[str, list[Finding]] = {}
_folder_cache_engine: list[Engine] = []


def scan_names(ref: ObjectRef, engine: Engine) -> list[tuple[Segment, list[Finding]]]:
    """The name segments of ``ref`` (:func:`name_segments`) with their findings.

    Folder names repeat from file to file: their findings are remembered per process.
    """
    if not _folder_cache_engine or _folder_cache_engine[0] is not engine:
        _folder_cache.clear()
        _folder_cache_engine[:] = [engine]
    segments = name_segments(ref)
    todo = [s for s in segments if not _is_folder(s) or s.text not in _folder_cache]
    found = dict(zip((id(s) for s in todo), engine.analyze_batch(todo), strict=True))
    out: list[tuple[Segment, list[Finding]]] = []
    for segment in segments:
        if id(segment) in found:
            findings = found[id(segment)]
            if _is_folder(segment):
                if len(_folder_cache) >= _FOLDER_CACHE_SIZE:
                    _folder_cache.clear()
                _folder_cache[segment.text] = findings
        else:  # another thread may have cleared the cache since (Dask runs tasks in threads)
            cached = _folder_cache.get(segment.text)
            findings = cached if cached is not None else engine.analyze_batch([segment])[0]
        out.append((segment, findings))
    return out


def _is_folder(segment: Segment) -> bool:
    return segment.locator.startswith("folder=")


def _path_segments(path: str) -> list[Segment]:
    parts = [part for part in PurePosixPath(path).parts if part not in ("/", ".", "..")]
    segments = [
        Segment(text=part[:_MAX_NAME_CHARS], locator=Locator.of(("folder", str(depth))).render())
        for depth, part in enumerate(parts[:-1], start=1)
        if part.strip()
    ]
    if parts and parts[-1].strip():
        segments.append(Segment(text=parts[-1][:_MAX_NAME_CHARS], locator="name"))
    return segments


def _attachment_segments(name: str) -> list[Segment]:
    try:
        steps = Locator.parse(name).steps
    except ValueError:
        return []
    names = [value for key, value in steps if key == "attachment" and value and value.strip()]
    return [Segment(text=names[-1][:_MAX_NAME_CHARS], locator="name")] if names else []


def mask_spans(text: str, findings: Sequence[Finding]) -> str:
    """``text`` with each finding's span replaced by its masked preview.

    :param findings: findings in ``text`` (offsets into it); overlapping ones are skipped.
    """
    out: list[str] = []
    at = 0
    for finding in sorted(findings, key=lambda f: (f.start, -f.end)):
        if finding.start < at:
            continue
        out.append(text[at : finding.start])
        out.append(finding.masked)
        at = finding.end
    out.append(text[at:])
    return "".join(out)


def _mask_origin(name: str, findings: Sequence[Finding], origin: list[int]) -> str:
    """``name`` with each finding (in its readable text) replaced by its masked preview."""
    moved = [
        dataclasses.replace(f, start=origin[f.start], end=origin[f.end - 1] + 1) for f in findings
    ]
    return mask_spans(name, moved)


@dataclasses.dataclass(frozen=True, slots=True)
class _Masks:
    """The masks among one segment's names: raw, and escaped as in a rendered locator
    (longest first)."""

    raw: dict[str, str]
    escaped: tuple[tuple[str, str], ...]


class NameMasks:
    """Masks the content names of one object's locators (see the module).

    :param analyze: the engine's ``analyze`` (text in, findings out).
    :param known: masks of names already analysed with the same ``analyze``, shared by the
        objects of one process (a :class:`~piiscan.scan.task.TaskContext` keeps it): the same
        column, key, element and header names recur from file to file, and each costs an
        engine call. Bounded: cleared past :data:`_NAMES_CACHE_SIZE` names.
    """

    __slots__ = ("_analyze", "_by_names", "_contexts", "_masks")

    def __init__(
        self,
        analyze: Callable[[str], list[Finding]],
        known: dict[str, str | None] | None = None,
    ) -> None:
        self._analyze = analyze
        # name -> its masked form, or None when it holds no finding.
        self._masks: dict[str, str | None] = {} if known is None else known
        # a segment's names -> the masks among them.
        self._by_names: dict[tuple[str, ...], _Masks] = {}
        # a segment's context words -> the same, each that holds a finding masked.
        self._contexts: dict[tuple[str, ...], tuple[str, ...]] = {}

    def mask(self, name: str) -> str | None:
        """The masked form of ``name``, or ``None`` when it holds no finding."""
        try:  # one look-up: Dask's threads share the known masks, and one may clear them
            return self._masks[name]
        except KeyError:
            pass
        masked = None
        if name.strip():
            text, origin = readable_name(name[:_MAX_NAME_CHARS])
            findings = self._analyze(text)
            if findings:
                masked = _mask_origin(name, findings, origin)
        if masked is not None and masked == name:
            masked = None
        if len(self._masks) >= _NAMES_CACHE_SIZE:
            self._masks.clear()
        self._masks[name] = masked
        return masked

    def _masks_of(self, segment: Segment) -> _Masks:
        masks = self._by_names.get(segment.names)
        if masks is None:
            raw = {name: masked for name in segment.names if (masked := self.mask(name))}
            ordered = sorted(raw, key=len, reverse=True)
            masks = _Masks(raw, tuple((escape(name), escape(raw[name])) for name in ordered))
            # The same names come with every cell of a sheet: remember them (bounded).
            if len(self._by_names) >= _NAMES_CACHE_SIZE:
                self._by_names.clear()
            self._by_names[segment.names] = masks
        return masks

    def locator(self, segment: Segment) -> str:
        """The segment's locator, every content name that holds a finding masked."""
        if not segment.names:
            return segment.locator
        masks = self._masks_of(segment)
        # Every key and value of a rendered locator is escaped the same way, so a name is
        # replaced in the rendered text (what Locator.replace_names does on the steps).
        text = segment.locator
        for name, masked in masks.escaped:
            text = text.replace(name, masked)
        return text

    def counted(self, segment: Segment, locator: str) -> Segment:
        """``segment`` as the column profiles may keep it: its masked ``locator``, and every
        context word that holds a finding masked (a spreadsheet's first row is its header, and
        a first row may as well be data: a column named by an e-mail address)."""
        context = self._contexts.get(segment.context)
        if context is None:
            context = tuple(self.mask(word) or word for word in segment.context)
            # The same column name comes with every cell of the column (bounded).
            if len(self._contexts) >= _NAMES_CACHE_SIZE:
                self._contexts.clear()
            self._contexts[segment.context] = context
        if locator == segment.locator and context == segment.context:
            return segment
        return dataclasses.replace(segment, locator=locator, context=context)

    def finding(self, finding: Finding, segment: Segment) -> Finding:
        """``finding`` of ``segment``, a content name in its ``context`` masked (the context
        is the column or element name that raised its score)."""
        if not finding.context or not segment.names:
            return finding
        masks = self._masks_of(segment).raw
        context = _replace(finding.context, masks) if masks else finding.context
        return (
            finding if context == finding.context else dataclasses.replace(finding, context=context)
        )


def _replace(text: str, masks: dict[str, str]) -> str:
    for name in sorted(masks, key=len, reverse=True):
        text = text.replace(name, masks[name])
    return text
