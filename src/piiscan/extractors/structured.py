"""JSON, NDJSON and XML: one segment per value, located by its path.

JSON (:func:`extract_json`) yields every non-blank string and every number (not booleans)
as a segment. The locator is a JSONPath: ``$.kunder[3].personnummer`` (array indexes are
0-based, as in JSONPath); keys that are not plain identifiers are quoted
(``$["för namn"]``). Keys that look like data — three or more digits, or an ``@`` (a
document keyed by personnummer or e-mail) — never appear in a locator or a context: they
are written as ``[#i]``, the member's 0-based position in its object, and the key itself is
yielded as a segment of its own so it is scanned. ``context`` is ``(last key,)``.

NDJSON (:func:`extract_ndjson`) streams line by line; the locator is ``line=N/$.path`` with
``N`` 1-based. A line that is not valid JSON is yielded whole as text with ``line=N``.

The ``$`` path is one locator step (a ``/``, ``=`` or ``%`` in a key escaped by
:class:`~piiscan.locator.Locator`). Keys shown in a path are names, and names are data: each
distinct one is scanned once, as a segment located at the key with ``/name`` added, and the
scan driver masks a key that holds a finding in every locator.

XML (:func:`extract_xml`) streams with :func:`lxml.etree.iterparse` with entity
resolution, DTD loading and network access off and ``huge_tree`` off: external entities are
never read and internal ones are not expanded (libxml2 refuses entity amplification, which
becomes :class:`~piiscan.errors.TooLargeError`, as does nesting deeper than libxml2's
256 levels). Element text, text between child elements
and attribute values become segments. The locator is the element path, one step per element,
``kunder/kund[3]/personnummer``, with 1-based positions among same-named siblings written
only from the second on (``kund`` is the first ``kund``), and ``/@name`` for an attribute.
Element and attribute names are data too: each distinct one is scanned once, as a segment
located at its first element with ``/name()`` added (XPath's name function: a step no element
can have), and is masked in every locator where it holds a finding.
Namespace prefixes are kept in paths as written; ``context`` is ``(local name,)`` of the
element or attribute.
Finished elements are cleared and removed, so memory stays flat on long files.

.. versionadded:: 0.1
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from piiscan.errors import ExtractionError, TooLargeError
from piiscan.extractors.base import Blob, Limits
from piiscan.extractors.text import decode_text, iter_lines, read_text
from piiscan.extractors.word import xml_limit_error
from piiscan.locator import Locator, join
from piiscan.model import Segment

__all__ = ["extract_json", "extract_ndjson", "extract_xml", "json_segments"]

_IDENTIFIER = re.compile(r"[^\W\d]\w*\Z")
_MAX_KEY_CHARS = 64


def _data_like(key: str) -> bool:
    return "@" in key or sum(char.isdigit() for char in key) >= 3


def _key_step(key: str, index: int) -> str:
    if _data_like(key) or len(key) > _MAX_KEY_CHARS:
        return f"[#{index}]"
    if _IDENTIFIER.match(key):
        return f".{key}"
    return "[" + json.dumps(key, ensure_ascii=False) + "]"


def json_segments(value: Any, *, prefix: str = "") -> Iterator[Segment]:
    """The segments of a parsed JSON value, in document order.

    :param value: what :func:`json.loads` returned.
    :param prefix: a rendered locator put before each ``$`` path, ``/`` included
        (``line=3/`` for NDJSON).
    """
    seen: set[str] = set()
    # An explicit stack: nesting depth is the document's choice, not ours.
    # (path, key, node, the keys the path is made of)
    stack: list[tuple[str, str, Any, tuple[str, ...]]] = [("$", "", value, ())]
    while stack:
        path, key, node, names = stack.pop()
        context = (key,) if key else ()
        if isinstance(node, dict):
            children: list[tuple[str, str, Any, tuple[str, ...]]] = []
            for index, (name, child) in enumerate(node.items()):
                step = _key_step(name, index)
                if step.startswith("[#") and name.strip():
                    children.append((path + step, "", name, names))
                    children.append((path + step, "", child, names))
                else:
                    child_names = (*names, name)
                    if name not in seen and name.strip():
                        # Names are data: a key shown in locators is scanned once.
                        seen.add(name)
                        children.append((path + step, "", _KeyName(name), child_names))
                    children.append((path + step, name, child, child_names))
            stack.extend(reversed(children))
        elif isinstance(node, list):
            stack.extend(
                (f"{path}[{index}]", key, child, names)
                for index, child in reversed(list(enumerate(node)))
            )
        elif isinstance(node, _KeyName):
            yield Segment(text=node.name, locator=prefix + join([path, "name"]), names=names)
        elif isinstance(node, str):
            if node.strip():
                yield Segment(
                    text=node, locator=prefix + join([path]), context=context, names=names
                )
        elif isinstance(node, int | float) and not isinstance(node, bool):
            yield Segment(
                text=str(node), locator=prefix + join([path]), context=context, names=names
            )


@dataclass(frozen=True, slots=True)
class _KeyName:
    """A JSON key to be scanned as text (a node of its own on the walk's stack)."""

    name: str


def extract_json(blob: Blob, limits: Limits) -> Iterator[Segment]:
    """Yield the strings and numbers of a JSON document.

    The document is parsed whole, so it may be at most ``limits.max_text_chars`` bytes;
    large line-oriented data belongs in NDJSON.

    :raises TooLargeError: the document is over ``max_text_chars`` bytes, or nests deeper
        than the parser can follow (Python's recursion limit, about 1,000 levels).
    :raises ExtractionError: the document is not valid JSON.
    """
    data = blob.read(limits.max_text_chars + 1)
    if len(data) > limits.max_text_chars:
        raise TooLargeError(f"JSON document over {limits.max_text_chars} bytes")
    text, _ = decode_text(data)
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise ExtractionError(f"malformed JSON at line {error.lineno}") from error
    except RecursionError as error:
        raise TooLargeError("JSON nested deeper than the parser's limit") from error
    yield from json_segments(value)


def extract_ndjson(blob: Blob, limits: Limits) -> Iterator[Segment]:
    """Yield the values of newline-delimited JSON, one line at a time.

    :raises UnsupportedError: the object looks binary.
    """
    _, pieces = read_text(blob)
    for number, line in enumerate(iter_lines(pieces), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except (json.JSONDecodeError, RecursionError):
            yield Segment(text=line.rstrip("\r\n"), locator=join([("line", str(number))]))
            continue
        yield from json_segments(value, prefix=join([("line", str(number))]) + "/")


@dataclass(slots=True)
class _Open:
    """An element being parsed: its path (rendered), the element names the path is made of, and
    how many children of each name it has."""

    path: str
    names: tuple[str, ...]
    children: dict[str, int] = field(default_factory=dict)


def _local(tag: str) -> str:
    """The local part of an lxml tag (``{namespace}local``). Not ``etree.QName``: a name with
    an undeclared prefix (``pers:nummer``) is a tag lxml reads but QName refuses with a
    ValueError (found by fuzzing)."""
    return tag.rpartition("}")[2] if tag.startswith("{") else tag


def _name(qualified: str, prefix: str | None) -> str:
    local = _local(qualified)
    return f"{prefix}:{local}" if prefix else local


def _xml_segments(element: Any, current: _Open, seen: set[str]) -> Iterator[Segment]:
    """Attributes, text and the remaining child tails of a finished element."""
    name = _local(element.tag)
    path, names = current.path, current.names
    for attribute, value in element.attrib.items():
        attribute_name = _name(attribute, None)
        locator = f"{path}/{Locator.of('@' + attribute_name).render()}"
        attribute_names = (*names, attribute_name)
        if attribute_name not in seen:  # names are data: scanned once per document
            seen.add(attribute_name)
            yield Segment(text=attribute_name, locator=f"{locator}/name()", names=attribute_names)
        if value.strip():
            yield Segment(
                text=value, locator=locator, context=(attribute_name,), names=attribute_names
            )
    if element.text and element.text.strip():
        yield Segment(text=element.text, locator=path, context=(name,), names=names)
    for child in element:
        if child.tail and child.tail.strip():
            yield Segment(text=child.tail, locator=path, context=(name,), names=names)


def extract_xml(blob: Blob, limits: Limits) -> Iterator[Segment]:
    """Yield the text and attribute values of an XML document.

    :raises TooLargeError: entity amplification, or nesting deeper than 256 levels.
    :raises ExtractionError: the document is not well-formed.
    """
    open_elements: list[_Open] = []
    seen: set[str] = set()
    with blob.opener() as stream:
        events = etree.iterparse(
            stream,
            events=("start", "end"),
            resolve_entities=False,
            no_network=True,
            huge_tree=False,
            load_dtd=False,
        )
        try:
            for event, element in events:
                if event == "start":
                    name = _name(element.tag, element.prefix)
                    parent = open_elements[-1] if open_elements else None
                    names: tuple[str, ...]
                    if parent is None:
                        names = (name,)
                        path = Locator.of(name).render()
                    else:
                        count = parent.children.get(name, 0) + 1
                        parent.children[name] = count
                        step = name + (f"[{count}]" if count > 1 else "")
                        names = (*parent.names, name)
                        path = f"{parent.path}/{Locator.of(step).render()}"
                    current = _Open(path=path, names=names)
                    if name not in seen:  # names are data: an element name is scanned once
                        seen.add(name)
                        yield Segment(text=name, locator=f"{path}/name()", names=names)
                    open_elements.append(current)
                    continue
                current = open_elements.pop()
                yield from _xml_segments(element, current, seen)
                element.clear(keep_tail=True)
                parent_element = element.getparent()
                if parent_element is None:
                    continue
                parent_path = open_elements[-1].path
                parent_name = _local(parent_element.tag)
                # Earlier siblings are done and their tails are complete now: scan, then drop.
                while (previous := element.getprevious()) is not None:
                    if previous.tail and previous.tail.strip():
                        yield Segment(
                            text=previous.tail,
                            locator=parent_path,
                            context=(parent_name,),
                            names=open_elements[-1].names,
                        )
                    del parent_element[0]
        except etree.XMLSyntaxError as error:
            limit = xml_limit_error(error)
            if limit is not None:
                raise limit from error
            raise ExtractionError(f"malformed XML at line {error.lineno}") from error
