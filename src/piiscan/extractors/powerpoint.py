"""PowerPoint presentations (.pptx, .pptm, .ppsx, .potx), read as python-pptx reads them.

Reads, slide by slide: the text of every shape (group shapes recursively), every table cell and
the speaker notes; then the core properties (author and last editor are names). Charts and
SmartArt are not read: python-pptx does not expose their text.

Locators (slides are numbered from 1 as PowerPoint shows them; paragraphs from 0)::

    slide=3/shape=Title 1/name                   the shape's name itself
    slide=3/shape=Title 1/p=0                    a paragraph of a shape, by the shape's name
    slide=3/shape=Title 1/p=0/link               a hyperlink target in that paragraph
    slide=3/shape=Group 5/shape=TextBox 2/p=0    a shape inside a group
    slide=3/shape=Table 1/row=1/cell=2           a table cell
    slide=3/notes                                the speaker notes
    properties=creator                           a core property

Shape names are the author's (PowerPoint names them ``TextBox 2``, but anyone can rename one);
each is scanned as a segment of its own (``…/name``), so one that holds personal data is a
finding, and it is listed in :attr:`~piiscan.model.Segment.names`, so it is masked in every
locator.

Every member of the package is checked against the size limits before it is loaded, as the
reading (like python-pptx's) holds the whole package in memory.

The slides are read with zipfile and lxml following python-pptx 1.0's rules (which parts it
reads and parses, which relationships it keeps, how it names shapes and joins paragraphs), about
four times faster than through python-pptx's objects; a package that reading does not model, or
that python-pptx would refuse, is read by python-pptx itself, so its output and verdicts are
python-pptx's either way.

.. versionadded:: 0.1
"""

from __future__ import annotations

import posixpath
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

from lxml import etree

from piiscan.errors import EncryptedError, ExtractionError, TooLargeError
from piiscan.extractors.base import Blob, Item, Limits
from piiscan.extractors.office_crypto import is_encrypted_office
from piiscan.extractors.word import core_properties, open_zip
from piiscan.locator import Locator, join
from piiscan.model import Segment

# ---------------------------------------------------------------------------------------------
# The direct reading: zipfile and lxml, python-pptx's own rules, no python-pptx objects.
#
# python-pptx builds a Python object for every part, relationship and element it touches;
# that costs about three times the reading itself. The functions below read the same parts
# with the same parser settings and follow python-pptx 1.0's rules step by step: which
# members it reads (all of them), which parts it parses (every part of an XML part type
# reachable through relationships), which relationships it keeps, how it picks the slides,
# the shapes, their names, paragraphs, runs, links, tables and the notes. Wherever python-pptx
# would raise, or where its behaviour is not modelled here (ink, OLE frames, links to parts
# inside the package, odd attribute values), the reading gives up with :class:`_Unsure`
# before anything is yielded, and python-pptx reads the file as before: the outcome is then
# python-pptx's, by construction. tests/extractors/test_powerpoint_direct.py compares the two
# on every presentation in the repository and many generated and damaged ones.
# ---------------------------------------------------------------------------------------------


class _Unsure(Exception):
    """The direct reading met something it does not model; python-pptx decides."""


_P = "{http://schemas.openxmlformats.org/presentationml/2006/main}"
_A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
_R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_PR = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_CT = "{http://schemas.openxmlformats.org/package/2006/content-types}"

_RT_OFFICE_DOCUMENT = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
)
_RT_NOTES_SLIDE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/notesSlide"

_PML = "application/vnd.openxmlformats-officedocument.presentationml."
_CT_SLIDE = _PML + "slide+xml"
_CT_NOTES_SLIDE = _PML + "notesSlide+xml"
# Content types whose parts python-pptx parses when it opens a package (its XmlPart classes).
_CT_MAIN = frozenset(
    {
        _PML + "presentation.main+xml",
        "application/vnd.ms-powerpoint.presentation.macroEnabled.main+xml",
    }
)
_CT_PARSED = _CT_MAIN | {
    _PML + "template.main+xml", _PML + "slideshow.main+xml", _CT_SLIDE, _CT_NOTES_SLIDE,
    _PML + "notesMaster+xml", _PML + "slideLayout+xml", _PML + "slideMaster+xml",
    "application/vnd.openxmlformats-package.core-properties+xml",
    "application/vnd.openxmlformats-officedocument.drawingml.chart+xml",
}  # fmt: skip

# Relationship chains deeper than this (slides linking to slides) are left to python-pptx, far
# below the recursion limit that makes it fail.
_MAX_CHAIN = 200

_URI_TABLE = "http://schemas.openxmlformats.org/drawingml/2006/table"
_URI_OLE = "http://schemas.openxmlformats.org/presentationml/2006/ole"

# The values python-pptx's PP_PLACEHOLDER reads from ``p:ph/@type``; others make it raise.
_PLACEHOLDER_TYPES = frozenset({
    "body", "chart", "clipArt", "ctrTitle", "dgm", "dt", "ftr", "hdr", "media", "obj", "pic",
    "sldImg", "sldNum", "subTitle", "tbl", "title",
})  # fmt: skip

_SP, _GRP_SP, _GRAPHIC_FRAME = f"{_P}sp", f"{_P}grpSp", f"{_P}graphicFrame"
_CXN_SP, _PIC, _CONTENT_PART = f"{_P}cxnSp", f"{_P}pic", f"{_P}contentPart"
# Each shape's non-visual properties element (its first child), where its name lives.
_NON_VISUAL = {
    _SP: f"{_P}nvSpPr", _GRP_SP: f"{_P}nvGrpSpPr", _GRAPHIC_FRAME: f"{_P}nvGraphicFramePr",
    _CXN_SP: f"{_P}nvCxnSpPr", _PIC: f"{_P}nvPicPr",
}  # fmt: skip
_SHAPE_TAGS = frozenset({*_NON_VISUAL, _CONTENT_PART})
_A_P, _A_R, _A_BR, _A_FLD, _A_T = f"{_A}p", f"{_A}r", f"{_A}br", f"{_A}fld", f"{_A}t"


@dataclass(frozen=True, slots=True)
class _Rel:
    """One relationship python-pptx keeps: its type, and its target (a URL or a partname)."""

    reltype: str
    external: bool
    target: str


def _parse(data: bytes) -> etree._Element:
    # python-pptx's parser settings: the same bytes give the same tree and the same failures.
    parser = etree.XMLParser(remove_blank_text=True, resolve_entities=False)
    try:
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise _Unsure from exc


# Parts python-pptx parses that are read here: the presentation, slides and notes slides.
_CT_READ = _CT_MAIN | {_CT_SLIDE, _CT_NOTES_SLIDE}

# The other parts it parses (layouts, masters, the notes master, charts, core properties) only
# have to be well-formed XML, as python-pptx refuses the package otherwise. Most of an ordinary
# presentation's XML is there (11 layouts and a master: 60 KB of the 75 KB of a two-slide deck)
# and most of it comes unchanged from a few templates, so the parts found well-formed are
# remembered by their bytes (the same bytes parse the same way), up to a total size.
_WELL_FORMED: dict[bytes, None] = {}
_WELL_FORMED_MAX_BYTES = 16 * 1024 * 1024
_WELL_FORMED_MAX_PART = 256 * 1024
_well_formed_bytes = 0


def _check_well_formed(data: bytes) -> None:
    """Raise :class:`_Unsure` unless python-pptx's parser takes ``data``."""
    global _well_formed_bytes
    if data in _WELL_FORMED:
        return
    _parse(data)
    if len(data) <= _WELL_FORMED_MAX_PART:
        if _well_formed_bytes + len(data) > _WELL_FORMED_MAX_BYTES:
            _WELL_FORMED.clear()
            _well_formed_bytes = 0
        _WELL_FORMED[data] = None
        _well_formed_bytes += len(data)


def _required(element: etree._Element, attribute: str) -> str:
    value = element.get(attribute)
    if value is None:
        raise _Unsure  # python-pptx: a required attribute is missing
    return str(value)


def _partname(base: str, ref: str) -> str:
    """python-pptx's ``PackURI.from_rel_ref``."""
    return posixpath.abspath(posixpath.join(base, ref))


def _rels_name(partname: str) -> str:
    """python-pptx's ``PackURI.rels_uri``."""
    base, filename = posixpath.split(partname)
    return posixpath.join(base, "_rels", f"{filename}.rels")


class _Package:
    """A presentation package read as python-pptx reads it, or :class:`_Unsure`."""

    def __init__(self, archive: zipfile.ZipFile) -> None:
        names = archive.namelist()
        if len(set(names)) != len(names):
            raise _Unsure
        # python-pptx reads every member: a damaged one anywhere fails the package.
        try:
            self.blobs = {f"/{name}": archive.read(name) for name in names}
        except Exception as exc:
            raise _Unsure from exc
        types = _parse(self._blob("/[Content_Types].xml"))
        if types.tag != f"{_CT}Types":
            raise _Unsure
        self.overrides = {_required(o, "PartName").lower(): _required(o, "ContentType")
                          for o in types.iterchildren(f"{_CT}Override")}  # fmt: skip
        self.defaults = {_required(d, "Extension").lower(): _required(d, "ContentType")
                         for d in types.iterchildren(f"{_CT}Default")}  # fmt: skip
        # Relationships of every part reachable from the package, in python-pptx's order: it
        # recurses, one call a part deeper, so a chain of parts deeper than its recursion limit
        # fails there; such packages are left to it.
        self.xml_rels: dict[str, list[etree._Element]] = {"/": self._rel_elements("/")}
        walks = [self._targets("/")]
        while walks:
            for target in walks[-1]:
                if target not in self.xml_rels:
                    self.xml_rels[target] = self._rel_elements(target)
                    walks.append(self._targets(target))
                    if len(walks) > _MAX_CHAIN:
                        raise _Unsure
                    break
            else:
                walks.pop()
        # The parts: reachable partnames present in the zip, each with a content type.
        self.types: dict[str, str] = {}
        self.roots: dict[str, etree._Element] = {}
        for partname in self.xml_rels:
            if partname == "/" or partname not in self.blobs:
                continue
            content_type = self._content_type(partname)
            self.types[partname] = content_type
            if content_type in _CT_READ:
                self.roots[partname] = _parse(self.blobs[partname])
            elif content_type in _CT_PARSED:
                _check_well_formed(self.blobs[partname])
        self.rels = {source: self._valid_rels(source) for source in self.xml_rels}

    def _targets(self, source: str) -> Iterator[str]:
        """The internal targets of ``source``'s relationships, read as python-pptx reads them."""
        base = posixpath.split(source)[0]
        for rel in self.xml_rels[source]:
            mode = rel.get("TargetMode")
            if mode not in (None, "Internal", "External"):
                raise _Unsure  # python-pptx would treat it as internal, and might fail
            if mode != "External":
                yield _partname(base, _required(rel, "Target"))

    def _blob(self, partname: str) -> bytes:
        try:
            return self.blobs[partname]
        except KeyError:
            raise _Unsure from None

    def _rel_elements(self, partname: str) -> list[etree._Element]:
        name = "/_rels/.rels" if partname == "/" else _rels_name(partname)
        if name not in self.blobs:
            return []
        root = _parse(self.blobs[name])
        if root.tag != f"{_PR}Relationships":
            raise _Unsure
        return list(root.iterchildren(f"{_PR}Relationship"))

    def _content_type(self, partname: str) -> str:
        lowered = partname.lower()
        if lowered in self.overrides:
            return self.overrides[lowered]
        extension = posixpath.splitext(partname)[1]
        extension = extension[1:] if extension.startswith(".") else extension
        if extension.lower() in self.defaults:
            return self.defaults[extension.lower()]
        raise _Unsure  # python-pptx: KeyError, no content type

    def _valid_rels(self, source: str) -> dict[str, _Rel]:
        """The relationships python-pptx keeps for ``source``, by id (the last of an id)."""
        base = posixpath.split(source)[0]
        rels: dict[str, _Rel] = {}
        for element in self.xml_rels[source]:
            external = element.get("TargetMode") == "External"
            target = _required(element, "Target")
            if not external:
                target = _partname(base, target)
                if target not in self.types:
                    continue  # a link to a missing part: python-pptx drops it
            rels[_required(element, "Id")] = _Rel(_required(element, "Type"), external, target)
        return rels

    def related(self, source: str, reltype: str) -> str | None:
        """The one internal part ``source`` relates to by ``reltype``; ``None`` for none."""
        found = [rel for rel in self.rels[source].values() if rel.reltype == reltype]
        if not found:
            return None
        if len(found) > 1 or found[0].external:
            raise _Unsure
        return found[0].target


def _first_element(element: etree._Element) -> etree._Element | None:
    for child in element:
        if isinstance(child.tag, str):
            return child
    return None


def _placeholder(first: etree._Element | None) -> etree._Element | None:
    """python-pptx's ``./*[1]/p:nvPr/p:ph``, its type checked as python-pptx reads it."""
    if first is None:
        return None
    for nv_pr in first.iterchildren(f"{_P}nvPr"):
        for ph in nv_pr.iterchildren(f"{_P}ph"):
            kind = ph.get("type")
            if kind is not None and kind not in _PLACEHOLDER_TYPES:
                raise _Unsure
            return ph
    return None


def _paragraph_text(paragraph: etree._Element) -> str:
    """python-pptx's ``_Paragraph.text``: runs, line breaks (a vertical tab) and fields."""
    parts = []
    for child in paragraph:
        tag = child.tag
        if tag == _A_R:
            t = child.find(_A_T)
            if t is None:
                raise _Unsure
            parts.append(t.text or "")
        elif tag == _A_BR:
            parts.append("\v")
        elif tag == _A_FLD:
            t = child.find(_A_T)
            parts.append("" if t is None else t.text or "")
    return "".join(parts)


def _frame_text(body: etree._Element | None) -> str:
    """python-pptx's ``TextFrame.text`` (an absent body reads as one empty paragraph)."""
    if body is None:
        return ""
    return "\n".join(_paragraph_text(p) for p in body.iterchildren(_A_P))


class _SlideReader:
    """The segments of one slide, as :func:`_slide` gets them through python-pptx."""

    def __init__(self, package: _Package, partname: str) -> None:
        self.rels = package.rels[partname]

    def link(self, run: etree._Element) -> str:
        r_pr = run.find(f"{_A}rPr")
        if r_pr is None:
            return ""
        click = r_pr.find(f"{_A}hlinkClick")
        if click is None:
            return ""
        rid = click.get(_R_ID)
        rel = None if rid is None else self.rels.get(str(rid))
        if rel is None:
            return ""  # python-pptx: KeyError, read as no link
        if not rel.external:
            raise _Unsure  # a link into the package: python-pptx computes a relative name
        return rel.target

    def paragraphs(self, body: etree._Element | None, locator: Locator,
                   names: tuple[str, ...], out: list[Segment]) -> None:  # fmt: skip
        if body is None:
            return  # python-pptx adds an empty body: one empty paragraph, no runs
        for i, paragraph in enumerate(body.iterchildren(_A_P)):
            text = _paragraph_text(paragraph).replace("\v", "\n")
            here = locator.child(("p", str(i)))
            if text.strip():
                out.append(Segment(text=text, locator=here.render(), names=names))
            for run in paragraph.iterchildren(_A_R):
                address = self.link(run)
                if address:
                    link = here.child("link").render()
                    out.append(Segment(text=address, locator=link, names=names))

    def shapes(self, tree: etree._Element, prefix: Locator, names: tuple[str, ...],
               out: list[Segment]) -> None:  # fmt: skip
        for element in tree:
            tag = element.tag
            if tag not in _SHAPE_TAGS:
                continue
            if tag == _CONTENT_PART:
                raise _Unsure  # python-pptx: NotImplementedError (no shape type)
            first = _first_element(element)
            if first is None or first.tag != _NON_VISUAL[tag]:
                raise _Unsure
            c_nv_pr = first.find(f"{_P}cNvPr")
            if c_nv_pr is None:
                raise _Unsure
            name = _required(c_nv_pr, "name")
            placeholder = _placeholder(first)
            locator = prefix.child(("shape", name))
            shape_names = (*names, name)
            if name.strip():
                out.append(Segment(text=name, locator=locator.child("name").render(),
                                   names=shape_names))  # fmt: skip
            if tag == _GRP_SP:
                self.shapes(element, locator, shape_names, out)
            elif tag == _SP:
                if placeholder is None:
                    _check_autoshape(element, first)
                self.paragraphs(element.find(f"{_P}txBody"), locator, shape_names, out)
            elif tag == _GRAPHIC_FRAME:
                self.frame(element, locator, shape_names, out)

    def frame(self, element: etree._Element, locator: Locator, names: tuple[str, ...],
              out: list[Segment]) -> None:  # fmt: skip
        graphic = element.find(f"{_A}graphic")
        data = None if graphic is None else graphic.find(f"{_A}graphicData")
        if data is None:
            raise _Unsure
        uri = _required(data, "uri")
        if uri == _URI_OLE:
            raise _Unsure  # python-pptx looks further into an OLE frame for its shape type
        if uri != _URI_TABLE:
            return
        table = data.find(f"{_A}tbl")
        if table is None:
            raise _Unsure
        for r, row in enumerate(table.iterchildren(f"{_A}tr")):
            for c, cell in enumerate(row.iterchildren(f"{_A}tc")):
                text = _frame_text(cell.find(f"{_A}txBody")).replace("\v", "\n")
                if text.strip():
                    place = locator.child(("row", str(r)), ("cell", str(c)))
                    out.append(Segment(text=text, locator=place.render(), names=names))


_BOOLEANS = {"1": True, "true": True, "0": False, "false": False}


def _check_autoshape(element: etree._Element, first: etree._Element) -> None:
    """Raise :class:`_Unsure` where python-pptx finds no shape type for a ``p:sp`` that is not
    a placeholder (``Shape.shape_type``): no ``p:spPr``, or neither geometry nor text box."""
    sp_pr = element.find(f"{_P}spPr")
    if sp_pr is None:
        raise _Unsure
    if sp_pr.find(f"{_A}custGeom") is not None:
        return
    nv_sp_pr = element.find(f"{_P}nvSpPr")
    c_nv_sp_pr = None if nv_sp_pr is None else nv_sp_pr.find(f"{_P}cNvSpPr")
    if c_nv_sp_pr is None:
        raise _Unsure
    text_box = c_nv_sp_pr.get("txBox")
    if text_box is not None and text_box not in _BOOLEANS:
        raise _Unsure
    if sp_pr.find(f"{_A}prstGeom") is None and not _BOOLEANS.get(text_box or "0"):
        raise _Unsure  # python-pptx: "Shape instance of unrecognized shape type"


def _tree(root: etree._Element, tag: str) -> etree._Element:
    """The ``p:cSld/p:spTree`` of a slide or notes slide whose root is ``tag``."""
    if root.tag != tag:
        raise _Unsure
    c_sld = root.find(f"{_P}cSld")
    tree = None if c_sld is None else c_sld.find(f"{_P}spTree")
    if tree is None:
        raise _Unsure
    return tree


def _notes(package: _Package, slide: str) -> str:
    """The text of a slide's notes placeholder, as python-pptx's ``notes_text_frame``."""
    notes = package.related(slide, _RT_NOTES_SLIDE)
    if notes is None:
        return ""
    if package.types[notes] != _CT_NOTES_SLIDE:
        raise _Unsure
    for element in _tree(package.roots[notes], f"{_P}notes"):
        if element.tag not in _SHAPE_TAGS:
            continue
        placeholder = _placeholder(_first_element(element))
        if placeholder is None:
            continue
        if element.tag not in _NON_VISUAL:
            raise _Unsure
        if placeholder.get("type") == "body":
            if element.tag != _SP:
                raise _Unsure
            return _frame_text(element.find(f"{_P}txBody"))
    return ""


def _read_direct(archive: zipfile.ZipFile) -> list[Segment]:
    """Every slide's segments, as :func:`_slide` gives them through python-pptx.

    :param archive: the package, open (python-pptx opens the same bytes again the same way).
    :raises _Unsure: wherever python-pptx would raise or this reading does not model it.
    """
    package = _Package(archive)
    main = package.related("/", _RT_OFFICE_DOCUMENT)
    if main is None or package.types[main] not in _CT_MAIN:
        raise _Unsure
    presentation = package.roots[main]
    if presentation.tag != f"{_P}presentation":
        raise _Unsure
    listed = presentation.find(f"{_P}sldIdLst")
    slides: list[str] = []
    for slide_id in () if listed is None else listed:
        if slide_id.tag != f"{_P}sldId":
            raise _Unsure
        rel = package.rels[main].get(_required(slide_id, _R_ID))
        if rel is None or rel.external or package.types[rel.target] != _CT_SLIDE:
            raise _Unsure
        slides.append(rel.target)
    if len(set(slides)) != len(slides):
        raise _Unsure
    segments: list[Segment] = []
    for number, slide in enumerate(slides, start=1):
        reader = _SlideReader(package, slide)
        tree = _tree(package.roots[slide], f"{_P}sld")
        reader.shapes(tree, Locator.of(("slide", str(number))), (), segments)
        notes = _notes(package, slide).replace("\v", "\n")
        if notes.strip():
            locator = join([("slide", str(number)), "notes"])
            segments.append(Segment(text=notes, locator=locator))
    return segments


# ---------------------------------------------------------------------------------------------
# python-pptx's reading: the files the direct reading leaves to it, and the tests' reference.
# ---------------------------------------------------------------------------------------------


def _paragraphs(text_frame: Any, locator: Locator, names: tuple[str, ...]) -> Iterator[Segment]:
    for i, paragraph in enumerate(text_frame.paragraphs):
        # python-pptx renders a soft line break (a:br) as a vertical tab.
        text = paragraph.text.replace("\v", "\n")
        here = locator.child(("p", str(i)))
        if text.strip():
            yield Segment(text=text, locator=here.render(), names=names)
        # Link targets are not part of the text, and mailto: links name people.
        for run in paragraph.runs:
            address = _link_address(run)
            if address:
                yield Segment(text=address, locator=here.child("link").render(), names=names)


def _link_address(run: Any) -> str:
    """A run's hyperlink target; ``""`` when there is none or it points at a missing part."""
    try:
        return str(run.hyperlink.address or "")
    except KeyError:
        # Real files (tika's sample) carry links to relationships that do not exist.
        return ""


def _shapes(shapes: Iterable[Any], prefix: Locator, names: tuple[str, ...]) -> Iterator[Segment]:
    """Text of shapes, recursing into groups."""
    from pptx.enum.shapes import MSO_SHAPE_TYPE  # imported with python-pptx, when it is needed

    for shape in shapes:
        name = str(shape.name)
        locator = prefix.child(("shape", name))
        shape_names = (*names, name)
        if name.strip():  # names are data: a shape named after a person is a finding
            yield Segment(text=name, locator=locator.child("name").render(), names=shape_names)
        if shape.shape_type == MSO_SHAPE_TYPE.GROUP:
            yield from _shapes(shape.shapes, locator, shape_names)
            continue
        if shape.has_text_frame:
            yield from _paragraphs(shape.text_frame, locator, shape_names)
        if getattr(shape, "has_table", False) and shape.has_table:
            for r, row in enumerate(shape.table.rows):
                for c, cell in enumerate(row.cells):
                    text = cell.text.replace("\v", "\n")
                    if text.strip():
                        place = locator.child(("row", str(r)), ("cell", str(c)))
                        yield Segment(text=text, locator=place.render(), names=shape_names)


def _slide(slide: Any, number: int) -> list[Segment]:
    """All segments of one slide, notes last."""
    segments = list(_shapes(slide.shapes, Locator.of(("slide", str(number))), ()))
    if slide.has_notes_slide:
        frame = slide.notes_slide.notes_text_frame
        notes = frame.text.replace("\v", "\n") if frame is not None else ""
        if notes.strip():
            locator = join([("slide", str(number)), "notes"])
            segments.append(Segment(text=notes, locator=locator))
    return segments


def _check_package(archive: zipfile.ZipFile, limits: Limits) -> list[Segment]:
    """Refuse oversized packages before they are loaded; return the core properties."""
    total = 0
    for info in archive.infolist():
        if info.file_size > limits.max_member_bytes:
            raise TooLargeError("presentation part exceeds the member size limit")
        total += info.file_size
    if total > limits.max_total_expanded_bytes:
        raise TooLargeError("presentation exceeds the expanded size limit")
    return list(core_properties(archive, limits))


def _read_with_python_pptx(stream: BinaryIO) -> Iterator[Segment]:
    """Every slide's segments through python-pptx, a slide at a time.

    :raises ExtractionError: when python-pptx cannot open the package or read a slide.
    """
    from pptx import Presentation  # its import costs 0.2 s, for the files that need it only

    try:
        slides = list(Presentation(stream).slides)
    except Exception as exc:
        raise ExtractionError("damaged presentation") from exc
    for number, slide in enumerate(slides, start=1):
        try:
            segments = _slide(slide, number)
        except Exception as exc:
            raise ExtractionError("damaged presentation slide") from exc
        yield from segments


def extract_pptx(blob: Blob, limits: Limits) -> Iterator[Item]:
    """Yield the text of a presentation: shapes, tables and notes of each slide, then properties.

    :param blob: a .pptx/.pptm/.ppsx/.potx package.
    :param limits: size and text limits.
    :raises EncryptedError: when the presentation is password protected.
    :raises TooLargeError: when a part exceeds a limit.
    :raises ExtractionError: when the package is damaged.
    """
    if is_encrypted_office(blob):
        raise EncryptedError("password-protected document")
    with blob.opener() as stream, open_zip(stream, blob) as archive:
        properties = _check_package(archive, limits)
        try:
            segments: list[Segment] | None = _read_direct(archive)
        except Exception:  # _Unsure, or anything else the direct reading did not expect
            segments = None
    if segments is None:
        with blob.opener() as stream:
            yield from _read_with_python_pptx(stream)
    else:
        yield from segments
    yield from properties
