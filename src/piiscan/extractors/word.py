"""Word documents (.docx, .docm, .dotx): text from every part a person can write in.

The extractor walks the OOXML parts with lxml instead of going through python-docx, because
python-docx does not see text boxes, footnotes, endnotes or comments. It reads, in this order:

* ``word/document.xml``: body paragraphs, tables (cell by cell, nested tables too) and text boxes;
* ``word/header*.xml`` and ``word/footer*.xml``;
* ``word/footnotes.xml``, ``word/endnotes.xml`` and ``word/comments.xml``;
* external link targets of those parts (``mailto:`` addresses live there);
* the core properties (``docProps/core.xml``): author and last editor are names, so personal data.

Tracked deletions (``w:delText``) are read as well: the text is still in the file. Text boxes are
stored twice (a DrawingML ``mc:Choice`` and a VML ``mc:Fallback``); the fallback is skipped.

Locators::

    part=document/p=12                       12th paragraph of the body (0-based)
    part=document/table=0/row=1/cell=2       a table cell, its paragraphs joined by newlines
    part=document/p=3/textbox=0/p=1          a paragraph in a text box anchored in paragraph 3
    part=header1/p=0, part=comments/p=0      other parts, paragraphs counted over the part
    part=document/link=0                     an external hyperlink target
    properties=creator                       a core property

XML is parsed with entity resolution and network access off; parts larger than
:attr:`~piiscan.extractors.base.Limits.max_member_bytes` or compressed suspiciously well raise
:class:`~piiscan.errors.TooLargeError`.

.. versionadded:: 0.1
"""

from __future__ import annotations

import itertools
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from lxml import etree

from piiscan.errors import EncryptedError, ExtractionError, TooLargeError
from piiscan.extractors.base import Blob, Item, Limits
from piiscan.extractors.office_crypto import is_encrypted_office
from piiscan.extractors.zips import open_zip_of
from piiscan.locator import Locator, join
from piiscan.model import Segment

MC_NS = "http://schemas.openxmlformats.org/markup-compatibility/2006"
REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
FALLBACK = f"{{{MC_NS}}}Fallback"

# Parts people write in, and the order they are reported in.
_PART = re.compile(r"word/(document\d*|header\d*|footer\d*|footnotes|endnotes|comments)\.xml")
_PART_ORDER = ("document", "header", "footer", "footnotes", "endnotes", "comments")
_CORE_PROPERTIES = ("creator", "lastModifiedBy", "title", "subject", "description", "keywords")


def xml_parser() -> etree.XMLParser:
    """A parser that never resolves entities or touches the network (XXE and billion laughs)."""
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


def xml_limit_error(error: etree.XMLSyntaxError) -> TooLargeError | None:
    """The limit a parse failure hit, when it was one of libxml2's resource limits: nesting
    deeper than 256 elements (``huge_tree`` stays off) or entity amplification.

    :returns: a :class:`TooLargeError` naming the limit, or ``None`` for malformed XML.
    """
    message = str(error).lower()
    if "depth" in message:
        return TooLargeError("XML nested deeper than the parser's limit of 256 levels")
    if "amplification" in message or ("entity" in message and "loop" in message):
        return TooLargeError("XML entity expansion refused")
    return None


# What zipfile raises for a member it cannot read: a bad CRC or header (BadZipFile), broken
# deflate data (zlib.error), a header offset outside the file (ValueError), a cut file
# (EOFError), an unknown compression method (NotImplementedError), an encrypted member
# (RuntimeError).
_DAMAGED_PART = (zipfile.BadZipFile, zlib.error, ValueError, EOFError, OSError,
                 NotImplementedError, RuntimeError)  # fmt: skip


def read_zip_part(archive: zipfile.ZipFile, name: str, limits: Limits) -> bytes:
    """Read one member of an office zip, refusing bombs.

    :param archive: the open document package.
    :param name: member name, e.g. ``word/document.xml``.
    :param limits: :attr:`~Limits.max_member_bytes` caps the expanded size and
        :attr:`~Limits.max_expansion_ratio` the compression ratio.
    :raises TooLargeError: when a limit is exceeded.
    :raises KeyError: when the member does not exist.
    """
    info = archive.getinfo(name)
    if info.file_size > limits.max_member_bytes:
        raise TooLargeError("document part exceeds the member size limit")
    if info.file_size > max(info.compress_size, 1) * limits.max_expansion_ratio:
        raise TooLargeError("document part exceeds the expansion ratio limit")
    # The sizes in the zip directory can lie; read at most one byte past the limit to be sure.
    try:
        with archive.open(info) as member:
            data = member.read(limits.max_member_bytes + 1)
    except _DAMAGED_PART as exc:  # fuzzing found a negative offset (ValueError) escaping
        raise ExtractionError("damaged document: unreadable part") from exc
    if len(data) > limits.max_member_bytes:
        raise TooLargeError("document part exceeds the member size limit")
    return data


def parse_zip_xml(archive: zipfile.ZipFile, name: str, limits: Limits) -> etree._Element:
    """Read and parse one XML member of an office zip safely.

    :param archive: the open document package.
    :param name: member name.
    :param limits: size limits for :func:`read_zip_part`.
    :raises TooLargeError: when the XML hits a parser limit (depth, entity expansion).
    :raises ExtractionError: when the XML is malformed.
    """
    data = read_zip_part(archive, name, limits)
    try:
        return etree.fromstring(data, parser=xml_parser())
    except etree.XMLSyntaxError as exc:
        raise xml_limit_error(exc) or ExtractionError(
            "damaged document: malformed XML part"
        ) from exc


def open_zip(stream: BinaryIO, blob: Blob | None = None) -> zipfile.ZipFile:
    """Open an office package, turning a non-zip into :class:`ExtractionError`.

    :param stream: a seekable binary stream.
    :param blob: the object ``stream`` was opened from: its central directory is then read
        once for all who open it (:mod:`piiscan.extractors.zips`).
    """
    try:
        return zipfile.ZipFile(stream) if blob is None else open_zip_of(blob, stream)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
        raise ExtractionError("damaged document: not a readable zip package") from exc


@dataclass(frozen=True, slots=True)
class _Names:
    """Tag names in the WordprocessingML namespace of one part (transitional or strict)."""

    p: str
    t: str
    del_text: str
    tab: str
    br: str
    cr: str
    no_break_hyphen: str
    tbl: str
    tr: str
    tc: str
    txbx: str

    @classmethod
    def of(cls, namespace: str) -> _Names:
        def q(local: str) -> str:
            return f"{{{namespace}}}{local}"

        return cls(
            p=q("p"),
            t=q("t"),
            del_text=q("delText"),
            tab=q("tab"),
            br=q("br"),
            cr=q("cr"),
            no_break_hyphen=q("noBreakHyphen"),
            tbl=q("tbl"),
            tr=q("tr"),
            tc=q("tc"),
            txbx=q("txbxContent"),
        )


def _inline(el: etree._Element, w: _Names, out: list[str], boxes: list[etree._Element]) -> None:
    """Collect a paragraph's run text into ``out`` and its text boxes into ``boxes``."""
    for child in el:
        tag = child.tag
        if tag == w.t or tag == w.del_text:
            out.append(child.text or "")
        elif tag == w.tab:
            out.append("\t")
        elif tag == w.br or tag == w.cr:
            out.append("\n")
        elif tag == w.no_break_hyphen:
            out.append("-")
        elif tag == w.txbx:
            boxes.append(child)
        elif tag == FALLBACK or not isinstance(tag, str):
            continue
        else:
            _inline(child, w, out, boxes)


@dataclass(frozen=True, slots=True)
class _Text:
    """A piece of text found by the walk; ``direct`` when it is a paragraph of the container."""

    locator: Locator
    text: str
    direct: bool


def _blocks(
    container: etree._Element,
    w: _Names,
    prefix: Locator,
    paragraphs: Iterator[int],
    tables: Iterator[int],
) -> Iterator[_Text]:
    """Walk block-level content (paragraphs and tables) of a body, cell, text box or part."""
    for child in container:
        tag = child.tag
        if tag == w.p:
            locator = prefix.child(("p", str(next(paragraphs))))
            out: list[str] = []
            boxes: list[etree._Element] = []
            _inline(child, w, out, boxes)
            text = "".join(out)
            if text.strip():
                yield _Text(locator, text, True)
            for k, box in enumerate(boxes):
                for inner in _blocks(
                    box, w, locator.child(("textbox", str(k))), itertools.count(), itertools.count()
                ):
                    yield _Text(inner.locator, inner.text, False)
        elif tag == w.tbl:
            yield from _table(child, w, prefix.child(("table", str(next(tables)))))
        elif tag == FALLBACK or not isinstance(tag, str):
            continue
        else:
            # Content controls, custom XML, comments, footnotes, mc:Choice: look inside.
            yield from _blocks(child, w, prefix, paragraphs, tables)


def _children(el: etree._Element, tag: str, stop: str) -> Iterator[etree._Element]:
    """Descendants with ``tag``, through wrappers (content controls) but not into ``stop``."""
    for child in el:
        if child.tag == tag:
            yield child
        elif child.tag != stop and child.tag != FALLBACK and isinstance(child.tag, str):
            yield from _children(child, tag, stop)


def _table(tbl: etree._Element, w: _Names, locator: Locator) -> Iterator[_Text]:
    """One segment per non-empty cell; nested tables and text boxes keep their own locators."""
    for r, row in enumerate(_children(tbl, w.tr, w.tbl)):
        for c, cell in enumerate(_children(row, w.tc, w.tbl)):
            cell_locator = locator.child(("row", str(r)), ("cell", str(c)))
            direct: list[_Text] = []
            nested: list[_Text] = []
            for item in _blocks(cell, w, cell_locator, itertools.count(), itertools.count()):
                (direct if item.direct else nested).append(item)
            text = "\n".join(item.text for item in direct)
            if text.strip():
                yield _Text(cell_locator, text, False)
            for item in nested:
                yield _Text(item.locator, item.text, False)


def _part_sort_key(name: str) -> tuple[int, int, str]:
    stem = name.removeprefix("word/").removesuffix(".xml")
    kind = stem.rstrip("0123456789")
    number = stem[len(kind) :]
    return (_PART_ORDER.index(kind), int(number or 0), stem)


def _links(archive: zipfile.ZipFile, part: str, limits: Limits) -> Iterator[str]:
    """External relationship targets (hyperlinks) of one part, in file order."""
    rels = part.replace("word/", "word/_rels/", 1) + ".rels"
    if rels not in archive.NameToInfo:
        return
    root = parse_zip_xml(archive, rels, limits)
    for rel in root.iter(f"{{{REL_NS}}}Relationship"):
        if rel.get("TargetMode") == "External" and rel.get("Target"):
            yield rel.get("Target", "")


def core_properties(archive: zipfile.ZipFile, limits: Limits) -> Iterator[Segment]:
    """Segments for the personal core properties of an OOXML package (author, last editor, ...).

    :param archive: the open package (docx, pptx, xlsx alike).
    :param limits: size limits for reading the part.
    """
    if "docProps/core.xml" not in archive.NameToInfo:
        return
    root = parse_zip_xml(archive, "docProps/core.xml", limits)
    values = {etree.QName(el).localname: (el.text or "").strip() for el in root}
    for name in _CORE_PROPERTIES:
        if values.get(name):
            yield Segment(text=values[name], locator=join([("properties", name)]))


def extract_docx(blob: Blob, limits: Limits) -> Iterator[Item]:
    """Yield the text of a Word document, paragraph by paragraph and cell by cell.

    :param blob: a .docx/.docm/.dotx package.
    :param limits: size and text limits.
    :raises EncryptedError: when the document is password protected.
    :raises TooLargeError: when a part exceeds a limit.
    :raises ExtractionError: when the package or its XML is damaged.
    """
    if is_encrypted_office(blob):
        raise EncryptedError("password-protected document")
    with blob.opener() as stream, open_zip(stream, blob) as archive:
        parts = sorted((n for n in archive.namelist() if _PART.fullmatch(n)), key=_part_sort_key)
        if not any(n.startswith("word/document") for n in parts):
            raise ExtractionError("damaged document: no main document part (word/document.xml)")
        for part in parts:
            root = parse_zip_xml(archive, part, limits)
            w = _Names.of(etree.QName(root).namespace or "")
            label = part.removeprefix("word/").removesuffix(".xml")
            part_step = Locator.of(("part", label))
            items = _blocks(root, w, part_step, itertools.count(), itertools.count())
            for item in items:
                yield Segment(text=item.text, locator=item.locator.render())
            for k, target in enumerate(_links(archive, part, limits)):
                yield Segment(text=target, locator=part_step.child(("link", str(k))).render())
        yield from core_properties(archive, limits)
