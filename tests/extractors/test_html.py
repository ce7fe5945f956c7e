"""HTML extractor: block text at source lines, attributes, comments, and charset decoding."""

from __future__ import annotations

import codecs

import pytest

from piiscan.errors import TooLargeError
from piiscan.extractors.base import Blob, Limits
from piiscan.extractors.html import declared_encoding, decode_html, extract_html
from piiscan.model import Segment

PAGE = """<!DOCTYPE html>
<html><head>{meta}<title>Ärende 850601-2387</title>
<meta name="author" content="Anna Andersson">
<script>var pnr = "201212121212";</script><style>.x {{}}</style></head>
<body>
<h1>Kund</h1>
<p>Sökande: <b>Åsa Öberg</b>,
   personnummer 850601-2387<br>Storgatan 1</p>
<!-- intern anteckning 19850601-2387 -->
<table><tr><td>Telefon</td><td>070-174 06 05</td></tr></table>
<a href="mailto:asa@exempel.se">mejla</a> <img alt="Foto av Åsa Öberg" src="a.png">
<div>yttre <div>inre</div> svans</div>
<pre>  rad 1
  rad 2</pre>
</body></html>"""

EXPECTED = [
    ("line=2", "Ärende 850601-2387"),
    ("line=6", "Kund"),
    ("line=7", "Sökande: Åsa Öberg, personnummer 850601-2387\nStorgatan 1"),
    ("line=9/comment", "intern anteckning 19850601-2387"),
    ("line=10", "Telefon"),
    ("line=10", "070-174 06 05"),
    ("line=11", "mejla"),
    ("line=12", "yttre"),
    ("line=12", "inre"),
    ("line=12", "svans"),
    ("line=13", "  rad 1\n  rad 2"),
    ("line=3/@content", "Anna Andersson"),
    ("line=11/@href", "mailto:asa@exempel.se"),
    ("line=11/@alt", "Foto av Åsa Öberg"),
]


def _segments(data: bytes, limits: Limits | None = None) -> list[tuple[str, str]]:
    items = list(extract_html(Blob.from_bytes("sida.html", data), limits or Limits()))
    assert all(isinstance(item, Segment) for item in items)
    return [(item.locator, item.text) for item in items if isinstance(item, Segment)]


@pytest.mark.parametrize(
    ("meta", "codec", "prefix"),
    [
        ('<meta charset="utf-8">', "utf-8", b""),
        ("", "utf-8", b""),
        ("", "utf-8", codecs.BOM_UTF8),
        ('<meta charset="windows-1252">', "cp1252", b""),
        ('<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">', "cp1252", b""),
        ("", "cp1252", b""),  # undeclared legacy page
        ("", "utf-16-le", codecs.BOM_UTF16_LE),
        ('<meta charset="iso-8859-15">', "iso8859-15", b""),
    ],
    ids=[
        "utf8-meta",
        "utf8-bare",
        "utf8-bom",
        "cp1252",
        "latin1-http-equiv",
        "cp1252-bare",
        "utf16-bom",
        "latin9",
    ],
)
def test_planted_page_in_each_encoding(meta: str, codec: str, prefix: bytes) -> None:
    found = _segments(prefix + PAGE.format(meta=meta).encode(codec))
    # The http-equiv meta has a content attribute of its own.
    assert [item for item in found if "charset" not in item[1]] == EXPECTED


def test_script_and_style_are_dropped() -> None:
    found = _segments(PAGE.format(meta="").encode())
    assert not any("201212121212" in text or ".x" in text for _, text in found)


def test_xhtml_with_xml_declaration_keeps_line_numbers() -> None:
    page = (
        '<?xml version="1.0" encoding="ISO-8859-1"?>\n'
        '<html xmlns="http://www.w3.org/1999/xhtml"><body>\n'
        "<p>Göran 850601-2387</p></body></html>"
    )
    assert _segments(page.encode("latin-1")) == [("line=3", "Göran 850601-2387")]


@pytest.mark.parametrize(
    ("head", "codec"),
    [
        (b'<meta charset="UTF-8">', "utf-8"),
        (b"<META CHARSET=latin1>", "cp1252"),
        (b'<meta content="text/html; charset=us-ascii" http-equiv="Content-Type">', "cp1252"),
        (b'<meta charset="utf-16">', "utf-8"),
        (b'<meta charset="koi8-r">', "koi8-r"),
        (b'<meta charset="no-such-charset">', None),
        (b"<p>no declaration</p>", None),
    ],
)
def test_declared_encoding(head: bytes, codec: str | None) -> None:
    assert declared_encoding(head) == codec


def test_decode_falls_back_to_windows_1252() -> None:
    assert decode_html("Göteborg – “citat”".encode("cp1252")) == "Göteborg – “citat”"


@pytest.mark.parametrize("data", [b"", b"   \n", b"\x00\x01\x02"], ids=["empty", "blank", "nul"])
def test_empty_or_binary_gives_no_error(data: bytes) -> None:
    assert isinstance(_segments(data), list)


def test_text_limit() -> None:
    with pytest.raises(TooLargeError):
        _segments(PAGE.format(meta="").encode(), Limits(max_text_chars=100))
