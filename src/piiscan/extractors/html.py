"""HTML pages (.html, .htm, .xhtml) via lxml.html: visible text per block, and telling attributes.

Text is gathered per block element (paragraph, heading, list item, table cell, ``div``...), the
way a browser lays it out: runs of whitespace collapse, ``<br>`` is a line break, inline markup
(``<b>``, ``<a>``, ``<span>``) joins its block's text. ``<script>`` and ``<style>`` are dropped.
Besides visible text, three things often hold personal data and are read too: the ``<title>``,
comments (``<!-- ... -->``), and the attributes ``href`` (``mailto:``/``tel:`` links, query
strings), ``alt``, ``title``, ``value``, ``placeholder`` and ``content`` (``<meta name="author">``).

Locators give the line in the source file where the block (or the element carrying the
attribute) starts: ``line=12``, ``line=12/@href``, ``line=3/comment``.

Decoding: byte-order mark first, then a declared charset (``<meta charset>``,
``http-equiv``, or an XML declaration), then strict UTF-8. An undeclared page that is not UTF-8 is
decoded as windows-1252, as browsers in Swedish locales do (UTF-8 with replacement characters
would turn every "ö" of a legacy page into U+FFFD and hide the names in it). ``latin-1`` and
``ascii`` declarations also mean windows-1252, per the WHATWG Encoding standard.

.. versionadded:: 0.1
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import lxml.html
from lxml import etree

from piiscan.errors import ExtractionError, TooLargeError
from piiscan.extractors.base import Blob, Item, Limits
from piiscan.locator import Step, join
from piiscan.model import Segment

_BLOCKS = frozenset(
    {
        "address",
        "article",
        "aside",
        "blockquote",
        "body",
        "caption",
        "center",
        "dd",
        "details",
        "dialog",
        "dir",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "frameset",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "head",
        "header",
        "hgroup",
        "hr",
        "html",
        "legend",
        "li",
        "main",
        "menu",
        "nav",
        "noscript",
        "ol",
        "optgroup",
        "option",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "tbody",
        "td",
        "textarea",
        "tfoot",
        "th",
        "thead",
        "title",
        "tr",
        "ul",
    }
)
_DROPPED = frozenset({"script", "style"})
_PREFORMATTED = frozenset({"pre", "textarea", "listing", "plaintext", "xmp"})
_ATTRIBUTES = ("href", "alt", "title", "value", "placeholder", "content")
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_DECLARED = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)"""
    rb"""|<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""",
    re.IGNORECASE,
)
# Labels that browsers decode as windows-1252 (WHATWG Encoding), which Python treats strictly.
_MEANS_WINDOWS_1252 = frozenset({"latin-1", "iso8859-1", "ascii", "iso8859-15", "cp1252"})
_XML_DECLARATION = re.compile(r"\A\s*<\?xml[^>]*\?>")


def declared_encoding(head: bytes) -> str | None:
    """The Python codec an HTML page declares in its first bytes, or None.

    :param head: the first few kilobytes of the page.
    """
    match = _DECLARED.search(head)
    if not match:
        return None
    label = (match.group(1) or match.group(2)).decode("ascii").lower()
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    if name in _MEANS_WINDOWS_1252:
        return "cp1252"
    # A page whose declaration can be read as ASCII is not UTF-16, whatever it says.
    if name.startswith("utf-16") or name.startswith("utf-32"):
        return "utf-8"
    return name


def decode_html(data: bytes) -> str:
    """Decode an HTML page: BOM, declared charset, UTF-8, then windows-1252.

    :param data: the page's bytes.
    """
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return data.decode(codec, errors="replace")
    declared = declared_encoding(data[:4096])
    if declared:
        return data.decode(declared, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


_SPACE = re.compile(r"[ \t\r\n\f]+")


@dataclass(slots=True)
class _Run:
    """Inline text being gathered between two block boundaries, and the line it starts on."""

    preformatted: bool
    parts: list[str] = field(default_factory=list)
    line: int | None = None

    def add(self, text: str | None, line: int | None) -> None:
        if not text:
            return
        if not self.preformatted:
            # Source line breaks are only whitespace to a browser; <br> is the line break.
            text = _SPACE.sub(" ", text)
        if self.line is None and text.strip():
            self.line = line
        self.parts.append(text)

    def flush(self, fallback_line: int, found: list[tuple[int, str, str]]) -> None:
        text = "".join(self.parts)
        if not self.preformatted:
            text = "\n".join(line.strip() for line in text.split("\n") if line.strip())
        if text.strip():
            found.append((self.line or fallback_line, "", text))
        self.parts, self.line = [], None


def _tag(el: etree._Element) -> str:
    return el.tag.lower() if isinstance(el.tag, str) else ""


def _block(el: etree._Element, found: list[tuple[int, str, str]]) -> None:
    """Gather one block element's text; each run of inline content between nested blocks is a
    segment of its own, located at the line where it starts."""
    run = _Run(preformatted=_tag(el) in _PREFORMATTED)
    line = el.sourceline or 1
    _inline(el, run, line, found)
    run.flush(line, found)


def _inline(
    el: etree._Element, run: _Run, block_line: int, found: list[tuple[int, str, str]]
) -> None:
    run.add(el.text, el.sourceline)
    for child in el:
        tag = _tag(child)
        if child.tag is etree.Comment:
            text = " ".join((child.text or "").split())
            if text:
                found.append((child.sourceline or block_line, "/comment", text))
        elif tag in _DROPPED or not tag:
            pass
        elif tag == "br":
            run.parts.append("\n")
        elif tag in _BLOCKS:
            run.flush(block_line, found)
            _block(child, found)
        else:
            _inline(child, run, block_line, found)
        # A tail starts where its element ends; the element's start line is the nearest known.
        run.add(child.tail, child.sourceline)


def _attributes(root: etree._Element) -> Iterator[tuple[int, str, str]]:
    for el in root.iter():
        if _tag(el) in _DROPPED or not _tag(el):
            continue
        for name in _ATTRIBUTES:
            value = (el.get(name) or "").strip()
            if value:
                yield el.sourceline or 1, f"/@{name}", value


def extract_html(blob: Blob, limits: Limits) -> Iterator[Item]:
    """Yield the visible text of an HTML page block by block, then comments and attributes.

    :param blob: an HTML or XHTML page.
    :param limits: :attr:`~Limits.max_text_chars` caps the page's size in characters.
    :raises TooLargeError: when the page exceeds the text limit.
    :raises ExtractionError: when the page cannot be parsed.
    """
    data = blob.read(4 * limits.max_text_chars + 1)
    if len(data) > 4 * limits.max_text_chars:
        raise TooLargeError("page exceeds the text limit")
    source = decode_html(data)
    if len(source) > limits.max_text_chars:
        raise TooLargeError("page exceeds the text limit")
    # lxml refuses str input with an encoding declaration; the text is decoded already. The
    # declaration sits on the first line, so removing it keeps the line numbers.
    source = _XML_DECLARATION.sub("", source, count=1)
    if not source.strip():
        return
    try:
        root = lxml.html.document_fromstring(source)
    except (etree.ParserError, ValueError) as exc:
        raise ExtractionError("unparseable HTML page") from exc
    found: list[tuple[int, str, str]] = []
    try:
        _block(root, found)
    except RecursionError as exc:
        raise ExtractionError("HTML page nested too deeply") from exc
    found.sort(key=lambda item: item[0])
    found.extend(_attributes(root))
    for line, suffix, text in found:
        # The suffix is a bare step of the extractor's own (``@href``, ``comment``).
        steps: list[Step | str] = [("line", str(line))]
        if suffix:
            steps.append(suffix[1:])
        yield Segment(text=text, locator=join(steps))
