"""Tests for choosing and running the extractor of an object."""

from __future__ import annotations

import gzip
import io
import json
import zipfile
from collections.abc import Iterator

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from msoffcrypto.format.ooxml import OOXMLFile

from piiscan.errors import (
    EncryptedError,
    ExtractionError,
    NoTextError,
    TooLargeError,
    UnsupportedError,
)
from piiscan.extractors.base import Blob, Item, Limits, Member
from piiscan.extractors.dispatch import (
    FORMATS,
    SUPPORTED_EXTENSIONS,
    extract,
    extractor_for,
    supported_formats,
)
from piiscan.model import Segment
from tests.extractors.conftest import make_zip


def _parquet() -> bytes:
    out = io.BytesIO()
    pq.write_table(pa.table({"personnummer": ["850601-2387"]}), out)
    return out.getvalue()


def _texts(items: Iterator[Item]) -> list[tuple[str, str]]:
    # A TableRows note (a table's row count) is a segment without text, not content.
    return [(i.text, i.locator) for i in items if isinstance(i, Segment) and i.text]


CASES: list[tuple[str, str, bytes, str, list[tuple[str, str]]]] = [
    ("text", "a.txt", b"Ring 070-174 06 05\n", "text/plain", [("Ring 070-174 06 05\n", "")]),
    (
        "csv",
        "a.csv",
        "Namn;Pnr\nÅsa;850601-2387\n".encode("cp1252"),
        "text/csv",
        [
            ("Namn", "row=1/column=Namn"),
            ("Pnr", "row=1/column=Pnr"),
            ("Åsa", "row=2/column=Namn"),
            ("850601-2387", "row=2/column=Pnr"),
        ],
    ),
    (
        "json",
        "a.json",
        json.dumps({"pnr": "850601-2387"}).encode(),
        "application/json",
        [("pnr", "$.pnr/name"), ("850601-2387", "$.pnr")],
    ),
    (
        "ndjson",
        "a.jsonl",
        b'{"pnr": "850601-2387"}\n',
        "application/x-ndjson",
        [("pnr", "line=1/$.pnr/name"), ("850601-2387", "line=1/$.pnr")],
    ),
    (
        "xml",
        "a.xml",
        b"<k><pnr>850601-2387</pnr></k>",
        "application/xml",
        [("k", "k/name()"), ("pnr", "k/pnr/name()"), ("850601-2387", "k/pnr")],
    ),
    (
        "parquet",
        "a.parquet",
        _parquet(),
        "application/x-parquet",
        [
            ("personnummer", "column=personnummer/name"),
            ("850601-2387", "row=1/column=personnummer"),
        ],
    ),
    (
        "sql-dump",
        "d.sql",
        b"INSERT INTO t VALUES ('x');\n",
        "application/sql",
        [("t", "table=t/name"), ("x", "table=t/column=1/row=1")],  # the table name is data too
    ),
    (
        "sql-as-text",
        "q.sql",
        b"SELECT namn FROM kunder; -- 850601-2387\n",
        "application/sql",
        [("SELECT namn FROM kunder; -- 850601-2387\n", "")],
    ),
]


@pytest.mark.parametrize(
    ("name", "data", "media", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_dispatch_to_own_extractors(
    name: str, data: bytes, media: str, expected: list[tuple[str, str]]
) -> None:
    found, items = extract(Blob.from_bytes(name, data), Limits())
    assert found == media
    assert _texts(items) == expected


@pytest.mark.parametrize(
    ("name", "data", "media"),
    [
        ("a.zip", make_zip({"x.txt": "hej"}), "application/zip"),
        ("a.csv.gz", gzip.compress(b"a;b\n"), "application/gzip"),
    ],
)
def test_containers_yield_members(name: str, data: bytes, media: str) -> None:
    found, items = extract(Blob.from_bytes(name, data), Limits())
    assert found == media
    members = list(items)
    assert len(members) == 1
    assert isinstance(members[0], Member)
    # Members go back through dispatch, one level deeper.
    inner_media, inner = extract(members[0].blob, Limits())
    assert members[0].blob.depth == 1
    assert inner_media in {"text/plain", "text/csv"}
    assert list(inner)


@pytest.mark.parametrize(
    "blob",
    [
        Blob.from_bytes("tom.txt", b""),
        Blob.from_bytes("tom.docx", b"", depth=2),  # a member: the same decision
        Blob(name="1", size=0, opener=lambda: io.BytesIO(b""), media_type="message/rfc822"),
    ],
    ids=["file", "member", "typed by its container"],
)
def test_empty_object_is_no_text(blob: Blob) -> None:
    # dispatch owns the decision (the driver has no rule of its own): no_text, "empty file".
    with pytest.raises(NoTextError, match=r"^empty file$"):
        extract(blob, Limits())


@pytest.mark.parametrize(
    ("name", "data", "error", "reason"),
    [
        ("a.png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", UnsupportedError, "image; OCR is out of scope"),
        ("a.jpg", b"\xff\xd8\xff\xe0", UnsupportedError, "image; OCR is out of scope"),
        (
            "a.bin",
            bytes(range(256)) * 4,
            UnsupportedError,
            "unsupported format: application/octet-stream",
        ),
    ],
)
def test_refused_before_extraction(
    name: str, data: bytes, error: type[ExtractionError], reason: str
) -> None:
    with pytest.raises(error) as raised:
        extract(Blob.from_bytes(name, data), Limits())
    assert str(raised.value) == reason


def test_object_size_limit() -> None:
    with pytest.raises(TooLargeError, match=r"^larger than the size limit \(11 > 10 bytes\)$"):
        extract(Blob.from_bytes("a.txt", b"x" * 11), Limits(max_object_bytes=10))


def test_encrypted_ooxml() -> None:
    main = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
    types = (
        '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        f'content-types"><Override PartName="/word/document.xml" ContentType="{main}"/></Types>'
    )
    package = make_zip({"[Content_Types].xml": types, "word/document.xml": "<w/>"})
    out = io.BytesIO()
    OOXMLFile(io.BytesIO(package)).encrypt("hemligt", out)
    with pytest.raises(EncryptedError, match="encrypted document"):
        extract(Blob.from_bytes("avtal.docx", out.getvalue()), Limits())


def test_errors_surface_while_iterating() -> None:
    media, items = extract(Blob.from_bytes("a.json", b'{"a": '), Limits())
    assert media == "application/json"
    with pytest.raises(ExtractionError):
        list(items)


def test_bomb_through_dispatch() -> None:
    data = make_zip({"zeros.bin": b"\0" * (8 * 1024 * 1024)})
    _, items = extract(Blob.from_bytes("a.zip", data), Limits())
    with pytest.raises(TooLargeError):
        list(items)
    assert zipfile.is_zipfile(io.BytesIO(data))


def test_format_table_is_consistent() -> None:
    assert supported_formats() == FORMATS
    media_types = [m for f in FORMATS for m in f.media_types]
    assert len(media_types) == len(set(media_types))
    assert {
        ".csv",
        ".json",
        ".xml",
        ".parquet",
        ".zip",
        ".7z",
        ".tar.gz",
        ".docx",
    } <= SUPPORTED_EXTENSIONS
    assert all(e.startswith(".") and e == e.lower() for e in SUPPORTED_EXTENSIONS)
    for known in FORMATS:
        module, _, function = known.extractor.partition(":")
        assert module.startswith("piiscan.extractors.")
        assert function.startswith("extract_")


@pytest.mark.parametrize(
    "media",
    [
        "text/plain",
        "text/csv",
        "application/json",
        "application/x-ndjson",
        "application/xml",
        "application/x-parquet",
        "application/zip",
        "application/x-tar",
        "application/x-7z-compressed",
        "application/gzip",
        "application/x-bzip2",
        "application/x-xz",
    ],
)
def test_own_extractors_resolve(media: str) -> None:
    assert callable(extractor_for(media))


def test_unknown_media_has_no_extractor() -> None:
    assert extractor_for("image/x-icon") is None


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("avtal.docx", "damaged document: no main document part (word/document.xml)"),
        ("kunder.xlsx", "damaged or unreadable workbook"),
        ("bilder.pptx", "damaged presentation"),
    ],
)
def test_office_name_without_its_main_part_is_an_error_not_a_zip(name: str, reason: str) -> None:
    data = make_zip({"[Content_Types].xml": "<Types/>", "kund.txt": "19121212-1212"})
    media, items = extract(Blob.from_bytes(name, data), Limits())
    assert media != "application/zip"
    with pytest.raises(ExtractionError) as caught:
        list(items)
    assert (caught.value.status, str(caught.value)) == ("error", reason)


@pytest.mark.parametrize(
    ("name", "data", "refused"),
    [
        ("a.eml", b"From: a@exempel.se\nSubject: hej\n\ntext\n", True),
        ("a.mbox", b"From a@exempel.se Mon Jan  1 00:00:00 2024\nSubject: hej\n\ntext\n", True),
        ("a.txt", b"text\n", False),  # not a container: depth is no concern
    ],
    ids=["eml", "mbox", "text"],
)
def test_depth_limit_is_the_dispatchers_for_every_container(
    name: str, data: bytes, refused: bool
) -> None:
    blob = Blob.from_bytes(name, data, depth=Limits().max_depth)
    if refused:
        with pytest.raises(TooLargeError, match=r"^nesting depth limit$"):
            extract(blob, Limits())
    else:
        assert list(extract(blob, Limits())[1])
