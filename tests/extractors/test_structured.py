"""Tests for the JSON, NDJSON and XML extractors."""

from __future__ import annotations

import json

import pytest
from lxml import etree

from piiscan.errors import ExtractionError, TooLargeError
from piiscan.extractors.base import Blob, Extractor, Limits
from piiscan.extractors.structured import extract_json, extract_ndjson, extract_xml
from piiscan.locator import Locator

KUNDER = {
    "kunder": [
        {"namn": "Åsa Öberg", "personnummer": "850601-2387", "aktiv": True},
        {
            "namn": "Bo Ek",
            "personnummer": 198506012387,
            "telefon": ["070-174 06 05"],
            "adress": None,
        },
    ],
    "för namn": "x",
    "19850601-2387": {"e-post": "asa@exempel.se"},
}


def _triples(segments: object) -> list[tuple[str, str, tuple[str, ...]]]:
    """Text, locator and context of each segment that is not a name (see ``test_*_names``)."""
    return [
        (s.text, s.locator, s.context)
        for s in segments  # type: ignore[attr-defined]
        if not s.locator.endswith(("/name", "/name()"))
    ]


def _names(segments: object) -> list[tuple[str, str]]:
    return [
        (s.text, s.locator)
        for s in segments  # type: ignore[attr-defined]
        if s.locator.endswith(("/name", "/name()"))
    ]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16"])
def test_json_leaves_with_paths(encoding: str) -> None:
    data = json.dumps(KUNDER, ensure_ascii=False, indent=2).encode(encoding)
    assert _triples(extract_json(Blob.from_bytes("k.json", data), Limits())) == [
        ("Åsa Öberg", "$.kunder[0].namn", ("namn",)),
        ("850601-2387", "$.kunder[0].personnummer", ("personnummer",)),
        ("Bo Ek", "$.kunder[1].namn", ("namn",)),
        ("198506012387", "$.kunder[1].personnummer", ("personnummer",)),
        ("070-174 06 05", "$.kunder[1].telefon[0]", ("telefon",)),
        ("x", '$["för namn"]', ("för namn",)),
        # A key that is data is scanned but never shown in a locator.
        ("19850601-2387", "$[#2]", ()),
        ("asa@exempel.se", '$[#2]["e-post"]', ("e-post",)),
    ]


def test_json_keys_are_names() -> None:
    """Each key shown in a path is scanned once; values list the keys of their path."""
    data = json.dumps(KUNDER, ensure_ascii=False).encode()
    segments = list(extract_json(Blob.from_bytes("k.json", data), Limits()))
    assert _names(segments) == [
        ("kunder", "$.kunder/name"),
        ("namn", "$.kunder[0].namn/name"),
        ("personnummer", "$.kunder[0].personnummer/name"),
        ("aktiv", "$.kunder[0].aktiv/name"),
        ("telefon", "$.kunder[1].telefon/name"),
        ("adress", "$.kunder[1].adress/name"),
        ("för namn", '$["för namn"]/name'),
        ("e-post", '$[#2]["e-post"]/name'),
    ]
    by_text = {s.text: s for s in segments if not s.locator.endswith("/name")}
    assert by_text["Åsa Öberg"].names == ("kunder", "namn")
    assert by_text["asa@exempel.se"].names == ("e-post",)  # a data-like key is no name


def test_json_keys_with_separators_round_trip() -> None:
    data = json.dumps({"a/b=c%": "x"}).encode()
    [value] = _triples(extract_json(Blob.from_bytes("k.json", data), Limits()))
    assert value[1] == '$["a%2Fb%3Dc%25"]'
    assert Locator.parse(value[1]).steps == (('$["a/b=c%"]', None),)


DEEP = 100_000


@pytest.mark.parametrize(
    ("extract", "data", "status", "reason"),
    [
        (extract_json, b'{"a": ', "error", "malformed JSON at line 1"),
        (extract_json, b"[" * DEEP + b"]" * DEEP, "too_large",
         "JSON nested deeper than the parser's limit"),
        (extract_json, b'{"a":' * DEEP + b"1" + b"}" * DEEP, "too_large",
         "JSON nested deeper than the parser's limit"),
        (extract_xml, b"<a>" * DEEP + b"19121212-1212" + b"</a>" * DEEP, "too_large",
         "XML nested deeper than the parser's limit of 256 levels"),
        (extract_xml, b"<a><b>text</a>", "error", "malformed XML at line 1"),
        (extract_xml, b"<a>" * 300, "too_large",
         "XML nested deeper than the parser's limit of 256 levels"),
    ],
    ids=["json-truncated", "json-deep-arrays", "json-deep-objects", "xml-deep", "xml-malformed",
         "xml-deep-unclosed"],
)  # fmt: skip
def test_limits_are_named_not_called_malformed(
    extract: Extractor, data: bytes, status: str, reason: str
) -> None:
    """A document that hits a parser limit says which limit, not that it is malformed."""
    with pytest.raises(ExtractionError) as caught:
        list(extract(Blob.from_bytes("d", data), Limits()))
    assert (caught.value.status, str(caught.value)) == (status, reason)


def test_json_size_limit() -> None:
    data = json.dumps(["x" * 1000] * 100).encode()
    with pytest.raises(TooLargeError):
        list(extract_json(Blob.from_bytes("k.json", data), Limits(max_text_chars=10_000)))


def test_ndjson_lines() -> None:
    lines = [
        json.dumps({"namn": "Åsa", "pnr": "850601-2387"}, ensure_ascii=False),
        "",
        json.dumps([1, "070-174 06 05"]),
        "inte json 850601-2387",
        json.dumps("asa@exempel.se"),
    ]
    data = "\r\n".join(lines).encode()
    assert _triples(extract_ndjson(Blob.from_bytes("k.ndjson", data), Limits())) == [
        ("Åsa", "line=1/$.namn", ("namn",)),
        ("850601-2387", "line=1/$.pnr", ("pnr",)),
        ("1", "line=3/$[0]", ()),
        ("070-174 06 05", "line=3/$[1]", ()),
        ("inte json 850601-2387", "line=4", ()),
        ("asa@exempel.se", "line=5/$", ()),
    ]


def _kunder_xml(encoding: str) -> bytes:
    root = etree.Element("kunder", nsmap={"k": "urn:exempel:kontakt"})
    for number, (namn, pnr) in enumerate(
        [("Åsa Öberg", "850601-2387"), ("Bo Ek", "19850601-2387")], start=1
    ):
        kund = etree.SubElement(root, "kund", id=str(number))
        etree.SubElement(kund, "namn").text = namn
        etree.SubElement(kund, "personnummer").text = pnr
        etree.SubElement(kund, "{urn:exempel:kontakt}telefon").text = "070-174 06 05"
    note = etree.SubElement(root, "notering")
    note.text = "Ring "
    bold = etree.SubElement(note, "b")
    bold.text = "Åsa"
    bold.tail = " på 070-174 06 05"
    return bytes(etree.tostring(root, xml_declaration=True, encoding=encoding))


@pytest.mark.parametrize("encoding", ["utf-8", "iso-8859-1", "utf-16"])
def test_xml_text_and_attributes(encoding: str) -> None:
    blob = Blob.from_bytes("k.xml", _kunder_xml(encoding))
    assert sorted(_triples(extract_xml(blob, Limits()))) == sorted(
        [
            ("1", "kunder/kund/@id", ("id",)),
            ("Åsa Öberg", "kunder/kund/namn", ("namn",)),
            ("850601-2387", "kunder/kund/personnummer", ("personnummer",)),
            ("070-174 06 05", "kunder/kund/k:telefon", ("telefon",)),
            ("2", "kunder/kund[2]/@id", ("id",)),
            ("Bo Ek", "kunder/kund[2]/namn", ("namn",)),
            ("19850601-2387", "kunder/kund[2]/personnummer", ("personnummer",)),
            ("070-174 06 05", "kunder/kund[2]/k:telefon", ("telefon",)),
            ("Ring ", "kunder/notering", ("notering",)),
            ("Åsa", "kunder/notering/b", ("b",)),
            (" på 070-174 06 05", "kunder/notering", ("notering",)),
        ]
    )


def test_xml_many_records_keep_positions() -> None:
    body = "".join(f"<kund><nr>{n}</nr></kund>" for n in range(1, 3001))
    data = f"<kunder>{body}</kunder>".encode()
    extracted = extract_xml(Blob.from_bytes("k.xml", data), Limits())
    segments = [s for s in extracted if not s.locator.endswith("/name()")]
    assert len(segments) == 3000
    assert segments[-1].locator == "kunder/kund[3000]/nr"
    assert segments[-1].text == "3000"


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<lolz>&lol9;</lolz>"""


def test_xml_billion_laughs_is_not_expanded() -> None:
    segments = extract_xml(Blob.from_bytes("b.xml", BILLION_LAUGHS), Limits())
    collected: list[str] = []
    with pytest.raises(TooLargeError, match="entity expansion"):
        collected.extend(s.text for s in segments)
    assert sum(len(t) for t in collected) < 1000


def test_xml_entities_are_neither_expanded_nor_fetched() -> None:
    data = """<?xml version="1.0"?>
<!DOCTYPE d [
 <!ENTITY namn "Åsa Öberg">
 <!ENTITY fil SYSTEM "file:///etc/hostname">
]>
<d>Hej &namn; och &fil; slut</d>""".encode()
    texts = [t for t, _, _ in _triples(extract_xml(Blob.from_bytes("e.xml", data), Limits()))]
    assert texts == ["Hej ", " och ", " slut"]


def test_xml_names() -> None:
    data = b"<kunder><kund-19121212-1212 id='1'>x</kund-19121212-1212><kund id='2'/></kunder>"
    segments = list(extract_xml(Blob.from_bytes("k.xml", data), Limits()))
    assert _names(segments) == [
        ("kunder", "kunder/name()"),
        ("kund-19121212-1212", "kunder/kund-19121212-1212/name()"),
        ("id", "kunder/kund-19121212-1212/@id/name()"),
        ("kund", "kunder/kund/name()"),
    ]
    [text] = [s for s in segments if s.text == "x"]
    assert text.names == ("kunder", "kund-19121212-1212")


def test_an_element_called_name_is_not_taken_for_a_name() -> None:
    data = b"<kunder><name>Anna Andersson</name></kunder>"
    segments = list(extract_xml(Blob.from_bytes("k.xml", data), Limits()))
    assert [(s.text, s.locator) for s in segments] == [
        ("kunder", "kunder/name()"),
        ("name", "kunder/name/name()"),
        ("Anna Andersson", "kunder/name"),
    ]


def test_malformed_xml() -> None:
    with pytest.raises(ExtractionError, match="malformed XML"):
        list(extract_xml(Blob.from_bytes("m.xml", b"<a><b>text</a>"), Limits()))
