"""PowerPoint presentations (.pptx, .pptm, .ppsx, .potx) via python-pptx.

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

Every member of the package is checked against the size limits before python-pptx loads it, as
python-pptx reads the whole package into memory.

.. versionadded:: 0.1
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE

from piiscan.errors import EncryptedError, ExtractionError, TooLargeError
from piiscan.extractors.base import Blob, Item, Limits
from piiscan.extractors.office_crypto import is_encrypted_office
from piiscan.extractors.word import core_properties, open_zip
from piiscan.locator import Locator, join
from piiscan.model import Segment


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


def _check_package(blob: Blob, limits: Limits) -> list[Segment]:
    """Refuse oversized packages before python-pptx loads them; return the core properties."""
    with blob.opener() as stream, open_zip(stream) as archive:
        total = 0
        for info in archive.infolist():
            if info.file_size > limits.max_member_bytes:
                raise TooLargeError("presentation part exceeds the member size limit")
            total += info.file_size
        if total > limits.max_total_expanded_bytes:
            raise TooLargeError("presentation exceeds the expanded size limit")
        return list(core_properties(archive, limits))


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
    properties = _check_package(blob, limits)
    with blob.opener() as stream:
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
    yield from properties
