"""The direct reading of presentations gives what python-pptx gives, or leaves the file to it.

``powerpoint._read_direct`` reads slides with zipfile and lxml; ``_read_with_python_pptx`` is
the reading it replaces, kept as its fallback and as the reference here. For every
presentation below, whenever the direct reading answers, python-pptx must give the very same
segments (text, locator, names, order); where python-pptx refuses a file, the direct reading
must not answer. Decks are written by python-pptx (seeded, with placeholders of every layout,
groups, tables, charts, pictures, connectors, notes, links, fields and awkward shape names) and
then damaged on purpose, member by member.
"""

from __future__ import annotations

import io
import itertools
import random
import re
import struct
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.enum.chart import XL_CHART_TYPE
from pptx.enum.shapes import MSO_CONNECTOR, MSO_SHAPE
from pptx.util import Inches

from piiscan.errors import ExtractionError
from piiscan.extractors import powerpoint
from piiscan.extractors.base import Blob, Limits
from piiscan.model import Segment

FIXTURES = Path(__file__).parents[2] / "fixtures"
A = "http://schemas.openxmlformats.org/drawingml/2006/main"

Outcome = tuple[str, object]


def _direct(data: bytes) -> list[Segment] | None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        return None  # the extractor refuses it before either reading
    try:
        return powerpoint._read_direct(archive)
    except powerpoint._Unsure:
        return None


def _reference(data: bytes) -> Outcome:
    try:
        return ("segments", list(powerpoint._read_with_python_pptx(io.BytesIO(data))))
    except ExtractionError as error:
        return ("error", str(error))


def _check(data: bytes, *, direct_expected: bool) -> None:
    """The direct reading agrees with python-pptx, or gives the file to it."""
    direct = _direct(data)
    reference = _reference(data)
    if direct is not None:
        assert reference == ("segments", direct)
    if direct_expected:
        assert direct is not None, reference
    # And through the extractor, which picks one of the two readings.
    try:
        items: Outcome = ("segments", list(powerpoint.extract_pptx(_blob(data), Limits())))
    except ExtractionError as error:
        items = ("error", str(error))
    properties = _properties(data)
    if reference[0] == "segments" and properties is not None:
        assert items == ("segments", [*reference[1], *properties])  # type: ignore[misc]
    elif properties is not None:
        assert items == reference


def _properties(data: bytes) -> list[Segment] | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return powerpoint._check_package(archive, Limits())
    except (zipfile.BadZipFile, ExtractionError):
        return None


def _blob(data: bytes) -> Blob:
    return Blob.from_bytes("deck.pptx", data)


# --- presentations in the repository and the shared samples ----------------------------------


def _repository_decks() -> list[Path]:
    found = sorted(FIXTURES.rglob("*.pp[st][xm]")) + sorted(FIXTURES.rglob("*.potx"))
    shared = Path("/work/shared")
    if shared.is_dir():  # the project's shared samples, where they are at hand
        found += sorted(p for p in shared.rglob("*.pptx") if p.is_file())
    return found


@pytest.mark.parametrize("path", _repository_decks(), ids=lambda p: p.name)
def test_repository_presentations(path: Path) -> None:
    _check(path.read_bytes(), direct_expected=True)


def test_the_share_presentation_is_read_directly() -> None:
    data = (FIXTURES / "share" / "HR" / "personalmote.pptx").read_bytes()
    direct = _direct(data)
    assert direct is not None
    assert any(s.locator.endswith("/notes") for s in direct)


# --- decks written by python-pptx --------------------------------------------------------------


def _png() -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body)
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00" + b"\xff\x00\x00" * 2 + b"\x00" + b"\x00\xff\x00" * 2)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


_WORDS = ["Anna Andersson", "850601-2387", "070-174 06 05", "anna@exempel.se", "Kundärende",
          "", " ", "\t", "Räksmörgås", "x/y=z%", "Rad\vbrytning", "bell\x07", "  indrag",
          "201212121212", "Göteborg", "ÅÄÖ"]  # fmt: skip
_NAMES = ["Kontakt", "", " ", "Anna Andersson", "a/b=c", "TextBox 2", "Namn%2F", "ÅÄÖ 1"]


def _text(rng: random.Random) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(rng.randint(0, 3)))


def _fill(frame: Any, rng: random.Random) -> None:
    """Paragraphs with runs, links and now and then a field, into a python-pptx text frame."""
    frame.text = _text(rng)
    for _ in range(rng.randint(0, 3)):
        paragraph = frame.add_paragraph()
        for _ in range(rng.randint(0, 3)):
            run = paragraph.add_run()
            run.text = _text(rng)
            if rng.random() < 0.3:
                run.hyperlink.address = rng.choice(
                    ["mailto:anna@exempel.se", "https://exempel.se/a?b=c", "file:///x"]
                )
        if rng.random() < 0.2:
            paragraph.add_line_break()
        if rng.random() < 0.2:
            field = etree.SubElement(paragraph._p, f"{{{A}}}fld", id="{1}", type="slidenum")
            if rng.random() < 0.8:
                etree.SubElement(field, f"{{{A}}}t").text = str(rng.randint(1, 9))


def _shapes(shapes: Any, rng: random.Random, depth: int) -> None:
    for _ in range(rng.randint(0, 4)):
        kind = rng.choice(["text", "auto", "table", "chart", "picture", "line", "group"])
        left, top = Inches(rng.randint(0, 5)), Inches(rng.randint(0, 4))
        if kind == "table" and not hasattr(shapes, "add_table"):
            kind = "text"  # python-pptx puts no tables into groups
        if kind == "text":
            shape = shapes.add_textbox(left, top, Inches(2), Inches(1))
            _fill(shape.text_frame, rng)
        elif kind == "auto":
            form = rng.choice([MSO_SHAPE.RECTANGLE, MSO_SHAPE.OVAL, MSO_SHAPE.CHEVRON])
            shape = shapes.add_shape(form, left, top, Inches(1), Inches(1))
            if rng.random() < 0.7:
                _fill(shape.text_frame, rng)
        elif kind == "table":
            rows, cols = rng.randint(1, 4), rng.randint(1, 4)
            shape = shapes.add_table(rows, cols, left, top, Inches(4), Inches(1))
            for r in range(rows):
                for c in range(cols):
                    if rng.random() < 0.7:
                        _fill(shape.table.cell(r, c).text_frame, rng)
            if rows > 1 and cols > 1 and rng.random() < 0.3:
                shape.table.cell(0, 0).merge(shape.table.cell(1, 1))
        elif kind == "chart":
            data = CategoryChartData()
            data.categories = ["Q1", "Q2"]
            data.add_series("Anna Andersson", (1.0, 2.0))
            frame = shapes.add_chart(
                XL_CHART_TYPE.COLUMN_CLUSTERED, left, top, Inches(3), Inches(2), data
            )
            frame.chart.has_title = True
            frame.chart.chart_title.text_frame.text = _text(rng) or "Titel"
            shape = frame
        elif kind == "picture":
            shape = shapes.add_picture(io.BytesIO(_png()), left, top)
        elif kind == "line":
            shape = shapes.add_connector(MSO_CONNECTOR.STRAIGHT, left, top, Inches(6), Inches(5))
        else:
            if depth > 2:
                continue
            shape = shapes.add_group_shape()
            _shapes(shape.shapes, rng, depth + 1)
        if rng.random() < 0.5:
            shape.name = rng.choice(_NAMES)


def _deck(seed: int) -> bytes:
    rng = random.Random(seed)
    presentation = Presentation()
    presentation.core_properties.author = "Anna Andersson"
    slides = []
    for _ in range(rng.randint(0, 4)):
        layout = rng.choice(list(presentation.slide_layouts))
        slide = presentation.slides.add_slide(layout)
        slides.append(slide)
        for placeholder in slide.placeholders:
            if placeholder.has_text_frame and rng.random() < 0.8:
                _fill(placeholder.text_frame, rng)
            if rng.random() < 0.2:
                placeholder.name = rng.choice(_NAMES)
        _shapes(slide.shapes, rng, 0)
        if rng.random() < 0.6:
            notes = slide.notes_slide.notes_text_frame
            assert notes is not None
            _fill(notes, rng)
    for slide in slides:  # jumps between slides: relationships inside the package
        if len(slides) > 1 and rng.random() < 0.3:
            target = rng.choice(slides)
            shape = slide.shapes.add_textbox(Inches(1), Inches(1), Inches(1), Inches(1))
            shape.text_frame.text = "Nästa"
            shape.click_action.target_slide = target
    out = io.BytesIO()
    presentation.save(out)
    return out.getvalue()


@pytest.mark.parametrize("seed", range(60))
def test_generated_decks(seed: int) -> None:
    _check(_deck(seed), direct_expected=True)


# --- damaged on purpose ---------------------------------------------------------------------


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return out.getvalue()


def _edit(name_part: str, change: Callable[[bytes], bytes]) -> Callable[[bytes], bytes]:
    """A damage: ``change`` applied to the first member whose name contains ``name_part``."""

    def damage(data: bytes) -> bytes:
        members = _members(data)
        name = next(n for n in members if name_part in n)
        members[name] = change(members[name])
        return _zip(members)

    return damage


def _drop(name_part: str) -> Callable[[bytes], bytes]:
    def damage(data: bytes) -> bytes:
        members = _members(data)
        del members[next(n for n in members if name_part in n)]
        return _zip(members)

    return damage


def _bad_crc(name_part: str) -> Callable[[bytes], bytes]:
    """Flip a byte of a member's stored data, so that its CRC no longer matches."""

    def damage(data: bytes) -> bytes:
        members = _members(data)
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
            for name, content in members.items():
                archive.writestr(name, content)
        raw = bytearray(out.getvalue())
        with zipfile.ZipFile(io.BytesIO(bytes(raw))) as archive:
            info = next(i for i in archive.infolist() if name_part in i.filename)
        start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
        raw[start + info.compress_size // 2] ^= 0x20
        return bytes(raw)

    return damage


def _replace(old: bytes, new: bytes, name_part: str = "slides/slide") -> Callable[[bytes], bytes]:
    return _edit(name_part, lambda content: content.replace(old, new, 1))


DAMAGES: dict[str, Callable[[bytes], bytes]] = {
    "no content types": _drop("[Content_Types].xml"),
    "no package rels": _drop("_rels/.rels"),
    "no presentation": _drop("ppt/presentation.xml"),
    "no presentation rels": _drop("ppt/_rels/presentation.xml.rels"),
    "no layout": _drop("slideLayouts/slideLayout3.xml"),
    "no master": _drop("slideMasters/slideMaster1.xml"),
    "no slide": _drop("slides/slide1.xml"),
    "no slide rels": _drop("slides/_rels/slide1.xml.rels"),
    "no notes": _drop("notesSlides/notesSlide1.xml"),
    "no theme": _drop("theme/theme1.xml"),
    "no core": _drop("docProps/core.xml"),
    "malformed layout": _edit("slideLayouts/slideLayout2.xml", lambda c: c[: len(c) // 2]),
    "malformed master": _edit("slideMasters/slideMaster1.xml", lambda c: c + b"<x"),
    "malformed theme": _edit("theme/theme1.xml", lambda c: c[:100]),
    "malformed slide": _edit("slides/slide1.xml", lambda c: c[:-20]),
    "malformed notes": _edit("notesSlides/notesSlide1.xml", lambda c: c[:-5]),
    "malformed rels": _edit("slides/_rels/slide1.xml.rels", lambda c: c[:-3]),
    "malformed content types": _edit("[Content_Types].xml", lambda c: c[:-3]),
    "malformed core": _edit("docProps/core.xml", lambda c: c[:-3]),
    "bad crc in a layout": _bad_crc("slideLayout4.xml"),
    "bad crc in the thumbnail": _bad_crc("thumbnail"),
    "bad crc in a slide": _bad_crc("slides/slide1.xml"),
    "slide typed as a layout": _edit(
        "[Content_Types].xml",
        lambda c: c.replace(b"presentationml.slide+xml", b"presentationml.slideLayout+xml", 1),
    ),
    "no type for slides": _edit(
        "[Content_Types].xml",
        lambda c: c.replace(b'PartName="/ppt/slides/slide1.xml"', b'PartName="/x.xml"', 1),
    ),
    "template content type": _edit(
        "[Content_Types].xml", lambda c: c.replace(b"presentation.main+xml", b"template.main+xml")
    ),
    "a missing slide target": _replace(
        b'Target="slides/slide1.xml"', b'Target="slides/NULL"', "presentation.xml.rels"
    ),
    "odd target mode": _replace(
        b"<Relationship ", b'<Relationship TargetMode="external" ', "slides/_rels/slide1.xml.rels"
    ),
    "a relationship without a target": _replace(b' Target="', b' Trg="', "slides/_rels/slide1"),
    "ink on the slide": _replace(b"</p:spTree>", b"<p:contentPart/></p:spTree>"),
    "a shape of no known type": _edit(
        "slides/slide1.xml",
        lambda c: re.sub(
            rb"<a:prstGeom.*?</a:prstGeom>", b"", c.replace(b'txBox="1"', b'txBox="0"'), flags=re.S
        ),
    ),
    "a shape without properties": _edit(
        "slides/slide1.xml", lambda c: re.sub(rb"<p:spPr>.*?</p:spPr>", b"", c, count=1, flags=re.S)
    ),
    "a text box flag that is no boolean": _replace(b'txBox="1"', b'txBox="yes"'),
    "a placeholder of no known type": _replace(b'<p:ph type="', b'<p:ph type="x'),
    "a run without text": _edit(
        "slides/slide1.xml",
        lambda c: c.replace(b"<a:t>", b"<a:u>", 1).replace(b"</a:t>", b"</a:u>", 1),
    ),
    "a shape without a name": _edit(
        "slides/slide1.xml",
        lambda c: re.sub(rb'(<p:sp><p:nvSpPr><p:cNvPr id="\d+") name="[^"]*"', rb"\1", c, count=1),
    ),
    "a shape without non-visual properties": _edit(
        "slides/slide1.xml",
        lambda c: c.replace(b"<p:nvSpPr>", b"<p:nvX>", 1).replace(b"</p:nvSpPr>", b"</p:nvX>", 1),
    ),
    "a frame without a graphic": _edit(
        "slides/slide1.xml", lambda c: re.sub(rb"<a:graphic>.*?</a:graphic>", b"", c, flags=re.S)
    ),
    "an OLE frame": _replace(b"drawingml/2006/table", b"presentationml/2006/ole"),
    "a frame that says table without one": _edit(
        "slides/slide1.xml",
        lambda c: c.replace(b"<a:tbl>", b"<a:tblX>").replace(b"</a:tbl>", b"</a:tblX>"),
    ),
    "two notes": _replace(
        b"</Relationships>",
        b'<Relationship Id="rId99" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        b'relationships/notesSlide" Target="../notesSlides/notesSlide1.xml"/></Relationships>',
        "slides/_rels/slide1.xml.rels",
    ),
    "a slide id that is no slide id": _replace(b"<p:sldId ", b"<p:sldIdX ", "ppt/presentation.xml"),
    "a slide id without a relationship": _edit(
        "ppt/presentation.xml", lambda c: re.sub(rb'(<p:sldId id="\d+") r:id=', rb"\1 r:ix=", c)
    ),
    "a link to a missing relationship": _replace(b'<a:hlinkClick r:id="', b'<a:hlinkClick r:id="x'),
    "a link without an id": _replace(b'<a:hlinkClick r:id="', b'<a:hlinkClick r:ix="'),
    # rId1 of a slide is its layout: a link to a part inside the package.
    "a link into the package": _edit(
        "slides/slide1.xml", lambda c: re.sub(rb'(<a:hlinkClick r:id=")[^"]*', rb"\1rId1", c)
    ),
    "a comment among the shapes": _replace(b"<p:sp>", b"<!-- c --><p:sp>"),
    "a comment in a paragraph": _replace(b"<a:r>", b"<!-- c --><a:r>"),
    "a duplicate member": lambda data: data,  # replaced below
    "not a zip": lambda data: data[: len(data) // 3],
}


def _duplicate_member(data: bytes) -> bytes:
    members = _members(data)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
        with pytest.warns(UserWarning, match="Duplicate name"):
            archive.writestr("ppt/slides/slide1.xml", b"<x/>")
    return out.getvalue()


DAMAGES["a duplicate member"] = _duplicate_member


def _damageable(seed: int) -> bytes:
    """A deck with two slides, a table, a link, notes and a text box on slide 1."""
    presentation = Presentation()
    slide = presentation.slides.add_slide(presentation.slide_layouts[1])
    assert slide.shapes.title is not None
    slide.shapes.title.text = "Kundärende"
    box = slide.shapes.add_textbox(Inches(1), Inches(2), Inches(4), Inches(1))
    run = box.text_frame.paragraphs[0].add_run()
    run.text = "Anna Andersson"
    run.hyperlink.address = "mailto:anna@exempel.se"
    table = slide.shapes.add_table(2, 2, Inches(1), Inches(4), Inches(4), Inches(1))
    table.table.cell(1, 1).text = "850601-2387"
    notes = slide.notes_slide.notes_text_frame
    assert notes is not None
    notes.text = "Ring 070-174 06 05"
    second = presentation.slides.add_slide(presentation.slide_layouts[5])
    _shapes(second.shapes, random.Random(seed), 0)
    out = io.BytesIO()
    presentation.save(out)
    return out.getvalue()


@pytest.mark.parametrize("damage", DAMAGES, ids=list(DAMAGES))
def test_damaged_decks(damage: str) -> None:
    original = _damageable(1)
    try:
        data = DAMAGES[damage](original)
    except StopIteration:
        pytest.skip("the deck has no such member")
    assert data != original or damage == "a duplicate member"
    _check(data, direct_expected=False)


def test_damaged_base_deck_is_read_directly() -> None:
    _check(_damageable(1), direct_expected=True)


def _chained(slides: int) -> bytes:
    """A deck whose every slide links to the next: a relationship chain ``slides`` deep."""
    presentation = Presentation()
    made = [presentation.slides.add_slide(presentation.slide_layouts[6]) for _ in range(slides)]
    for slide, following in itertools.pairwise(made):
        box = slide.shapes.add_textbox(Inches(1), Inches(1), Inches(1), Inches(1))
        box.text_frame.text = "Nästa"
        box.click_action.target_slide = following
    out = io.BytesIO()
    presentation.save(out)
    return out.getvalue()


@pytest.mark.parametrize(("slides", "direct"), [(150, True), (260, False)])
def test_deep_relationship_chains(slides: int, direct: bool) -> None:
    # python-pptx walks relationships recursively; chains near its recursion limit are its own.
    _check(_chained(slides), direct_expected=direct)
    assert (_direct(_chained(slides)) is not None) is direct
