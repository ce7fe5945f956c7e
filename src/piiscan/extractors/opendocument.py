"""OpenDocument text (.odt, .ott; also the text boxes of .odp/.odg) with lxml on the package XML.

OpenDocument spreadsheets (.ods) go through :mod:`piiscan.extractors.spreadsheet` (calamine).

Reads ``content.xml`` (paragraphs, headings, lists, sections, tables, frames, footnotes,
comments, tracked deletions), the page headers and footers in ``styles.xml``, and the personal
properties in ``meta.xml`` (author and initial author are names).

Locators (0-based counters)::

    p=4                         the 5th paragraph or heading of the body
    table=0/row=1/cell=2        a table cell, its paragraphs joined by newlines
    p=4/frame=0/p=1             a paragraph in a text frame anchored in paragraph 4
    p=4/note=0/p=0              a footnote or endnote of paragraph 4
    p=4/annotation=0/p=0        a comment on paragraph 4
    p=4/link=0                  a hyperlink target in paragraph 4
    header/p=0, footer/p=0      page headers and footers (all page styles)
    properties=creator          a document property

A password-protected package raises :class:`~piiscan.errors.EncryptedError`.

.. versionadded:: 0.1
"""

from __future__ import annotations

import itertools
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from lxml import etree

from piiscan.errors import EncryptedError, ExtractionError
from piiscan.extractors.base import Blob, Item, Limits
from piiscan.extractors.word import open_zip, parse_zip_xml
from piiscan.locator import Locator, join
from piiscan.model import Segment

TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
DRAW = "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"
STYLE = "urn:oasis:names:tc:opendocument:xmlns:style:1.0"
META = "urn:oasis:names:tc:opendocument:xmlns:meta:1.0"
DC = "http://purl.org/dc/elements/1.1/"
XLINK = "http://www.w3.org/1999/xlink"
MANIFEST = "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"


def _q(namespace: str, local: str) -> str:
    return f"{{{namespace}}}{local}"


_P = frozenset({_q(TEXT, "p"), _q(TEXT, "h")})
_TABLE = _q(TABLE, "table")
_ROW = _q(TABLE, "table-row")
_CELLS = frozenset({_q(TABLE, "table-cell"), _q(TABLE, "covered-table-cell")})
_SPACE = _q(TEXT, "s")
_TAB = _q(TEXT, "tab")
_LINE_BREAK = _q(TEXT, "line-break")
_LINK = _q(TEXT, "a")
_HREF = _q(XLINK, "href")
# Inline elements whose content is a block container of its own, and their locator names.
_NESTED = {
    _q(DRAW, "text-box"): "frame",
    _q(TEXT, "note-body"): "note",
    _q(OFFICE, "annotation"): "annotation",
}
# Inline content that is not text of the paragraph (the footnote number, shapes' metadata).
_SKIP_INLINE = frozenset(
    {_q(TEXT, "note-citation"), _q(OFFICE, "annotation-end"), _q(DRAW, "image")}
)
_HEADERS = {
    "header": ("header", "header-left", "header-first"),
    "footer": ("footer", "footer-left", "footer-first"),
}
_PROPERTIES = (
    (DC, "creator", "creator"),
    (META, "initial-creator", "initial-creator"),
    (DC, "title", "title"),
    (DC, "subject", "subject"),
    (DC, "description", "description"),
    (META, "keyword", "keyword"),
)


@dataclass(frozen=True, slots=True)
class _Text:
    """A piece of text found by the walk; ``direct`` when it is a paragraph of the container."""

    locator: Locator
    text: str
    direct: bool


def _inline(
    el: etree._Element, out: list[str], nested: list[tuple[str, etree._Element]], links: list[str]
) -> None:
    """Collect a paragraph's text (with tails), its nested containers and its link targets."""
    if el.text:
        out.append(el.text)
    for child in el:
        tag = child.tag
        if tag == _SPACE:
            out.append(" " * int(child.get(_q(TEXT, "c"), "1") or 1))
        elif tag == _TAB:
            out.append("\t")
        elif tag == _LINE_BREAK:
            out.append("\n")
        elif tag in _NESTED:
            nested.append((_NESTED[tag], child))
        elif tag in _SKIP_INLINE or not isinstance(tag, str):
            pass
        else:
            if tag == _LINK and child.get(_HREF):
                links.append(child.get(_HREF, ""))
            _inline(child, out, nested, links)
        if child.tail:
            out.append(child.tail)


def _blocks(
    container: etree._Element, prefix: Locator, paragraphs: Iterator[int], tables: Iterator[int]
) -> Iterator[_Text]:
    """Walk block content: paragraphs and headings, tables, and everything that wraps them."""
    for child in container:
        tag = child.tag
        if tag in _P:
            locator = prefix.child(("p", str(next(paragraphs))))
            out: list[str] = []
            nested: list[tuple[str, etree._Element]] = []
            links: list[str] = []
            _inline(child, out, nested, links)
            text = "".join(out)
            if text.strip():
                yield _Text(locator, text, True)
            for k, target in enumerate(links):
                yield _Text(locator.child(("link", str(k))), target, False)
            counters: dict[str, Iterator[int]] = {}
            for kind, box in nested:
                number = next(counters.setdefault(kind, itertools.count()))
                inner_prefix = locator.child((kind, str(number)))
                for inner in _blocks(box, inner_prefix, itertools.count(), itertools.count()):
                    yield _Text(inner.locator, inner.text, False)
        elif tag == _TABLE:
            yield from _table(child, prefix.child(("table", str(next(tables)))))
        elif isinstance(tag, str):
            yield from _blocks(child, prefix, paragraphs, tables)


def _descendants(el: etree._Element, tags: frozenset[str]) -> Iterator[etree._Element]:
    """Descendants with one of ``tags``, through row groups and headers but not nested tables."""
    for child in el:
        if child.tag in tags:
            yield child
        elif child.tag != _TABLE and isinstance(child.tag, str):
            yield from _descendants(child, tags)


def _repeat(el: etree._Element, attribute: str) -> int:
    try:
        return max(1, int(el.get(_q(TABLE, attribute), "1")))
    except ValueError:
        return 1


def _table(table: etree._Element, locator: Locator) -> Iterator[_Text]:
    """One segment per non-empty cell; repeated rows and columns keep the indices right."""
    r = 0
    for row in _descendants(table, frozenset({_ROW})):
        c = 0
        for cell in _descendants(row, _CELLS):
            cell_locator = locator.child(("row", str(r)), ("cell", str(c)))
            direct: list[_Text] = []
            nested: list[_Text] = []
            for item in _blocks(cell, cell_locator, itertools.count(), itertools.count()):
                (direct if item.direct else nested).append(item)
            text = "\n".join(item.text for item in direct)
            if text.strip():
                yield _Text(cell_locator, text, False)
            for item in nested:
                yield _Text(item.locator, item.text, False)
            c += _repeat(cell, "number-columns-repeated")
        r += _repeat(row, "number-rows-repeated")


def _is_encrypted(archive: zipfile.ZipFile, limits: Limits) -> bool:
    if "META-INF/manifest.xml" not in archive.NameToInfo:
        return False
    manifest = parse_zip_xml(archive, "META-INF/manifest.xml", limits)
    return next(manifest.iter(_q(MANIFEST, "encryption-data")), None) is not None


def _content(archive: zipfile.ZipFile, limits: Limits) -> Iterator[_Text]:
    content = parse_zip_xml(archive, "content.xml", limits)
    body = content.find(_q(OFFICE, "body"))
    if body is None:
        raise ExtractionError("damaged document: no document body")
    yield from _blocks(body, Locator(), itertools.count(), itertools.count())


def _headers_footers(archive: zipfile.ZipFile, limits: Limits) -> Iterator[_Text]:
    if "styles.xml" not in archive.NameToInfo:
        return
    styles = parse_zip_xml(archive, "styles.xml", limits)
    pages = list(styles.iter(_q(STYLE, "master-page")))
    for label, locals_ in _HEADERS.items():
        paragraphs, tables = itertools.count(), itertools.count()
        for page in pages:
            for part in page:
                if part.tag in {_q(STYLE, name) for name in locals_}:
                    yield from _blocks(part, Locator.of(label), paragraphs, tables)


def _properties(archive: zipfile.ZipFile, limits: Limits) -> Iterator[Segment]:
    if "meta.xml" not in archive.NameToInfo:
        return
    meta = parse_zip_xml(archive, "meta.xml", limits)
    for namespace, local, name in _PROPERTIES:
        values = [(el.text or "").strip() for el in meta.iter(_q(namespace, local))]
        text = ", ".join(value for value in values if value)
        if text:
            yield Segment(text=text, locator=join([("properties", name)]))


def extract_odt(blob: Blob, limits: Limits) -> Iterator[Item]:
    """Yield the text of an OpenDocument text document, then its headers, footers and properties.

    :param blob: an .odt/.ott package (the text of .odp/.odg frames is read too).
    :param limits: size and text limits.
    :raises EncryptedError: when the document is password protected.
    :raises TooLargeError: when a part exceeds a limit.
    :raises ExtractionError: when the package or its XML is damaged.
    """
    with blob.opener() as stream, open_zip(stream, blob) as archive:
        if _is_encrypted(archive, limits):
            raise EncryptedError("password-protected document")
        if "content.xml" not in archive.NameToInfo:
            raise ExtractionError("damaged document: no content part")
        for item in itertools.chain(_content(archive, limits), _headers_footers(archive, limits)):
            yield Segment(text=item.text, locator=item.locator.render())
        yield from _properties(archive, limits)
