"""Tests for media type sniffing."""

from __future__ import annotations

import bz2
import codecs
import gzip
import io
import lzma
import sqlite3
import tarfile
from collections.abc import Callable
from pathlib import Path

import py7zr
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from msoffcrypto.format.ooxml import OOXMLFile

from piiscan.extractors.base import Blob
from piiscan.extractors.sniff import (
    DOCX,
    EMPTY,
    ENCRYPTED_OFFICE,
    HEAD_BYTES,
    PPTX,
    XLSX,
    extension,
    looks_like_message,
    media_type,
)
from tests.extractors.conftest import make_zip

CONTENT_TYPES = '<?xml version="1.0"?><Types xmlns="urn:x"/>'
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _docx() -> bytes:
    return make_zip({"[Content_Types].xml": CONTENT_TYPES, "word/document.xml": "<w/>"})


def _xlsx() -> bytes:
    return make_zip({"[Content_Types].xml": CONTENT_TYPES, "xl/workbook.xml": "<w/>"})


def _pptx() -> bytes:
    return make_zip({"[Content_Types].xml": CONTENT_TYPES, "ppt/presentation.xml": "<p/>"})


def _odf(kind: str) -> bytes:
    return make_zip({"mimetype": f"application/vnd.oasis.opendocument.{kind}", "content.xml": ""})


def _tar(mode: str) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode=mode) as archive:  # type: ignore[call-overload]
        info = tarfile.TarInfo("a.txt")
        info.size = 3
        archive.addfile(info, io.BytesIO(b"hej"))
    return out.getvalue()


def _7z() -> bytes:
    out = io.BytesIO()
    with py7zr.SevenZipFile(out, "w") as archive:
        archive.writestr(b"hej", "a.txt")
    return out.getvalue()


def _parquet() -> bytes:
    out = io.BytesIO()
    pq.write_table(pa.table({"a": ["x"]}), out)
    return out.getvalue()


def _sqlite(tmp: Path) -> bytes:
    path = tmp / "db.sqlite"
    with sqlite3.connect(path) as connection:
        connection.execute("create table t (a text)")
    connection.close()
    return path.read_bytes()


def _encrypted_docx() -> bytes:
    # msoffcrypto-tool encrypts only a package whose content types name the main part.
    main = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
    types = (
        '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        f'content-types"><Override PartName="/word/document.xml" ContentType="{main}"/></Types>'
    )
    package = make_zip({"[Content_Types].xml": types, "word/document.xml": "<w/>"})
    out = io.BytesIO()
    OOXMLFile(io.BytesIO(package)).encrypt("hemligt", out)
    return out.getvalue()


CSV = "Namn;Personnummer\nÅsa;850601-2387\n"

CASES: list[tuple[str, Callable[[], bytes], str, str]] = [
    ("empty", lambda: b"", "x.txt", EMPTY),
    ("pdf", lambda: b"%PDF-1.7\n%\xe2\xe3\n1 0 obj", "a.pdf", "application/pdf"),
    ("pdf-junk-first", lambda: b"\r\n\r\n%PDF-1.4\n", "a", "application/pdf"),
    ("pdf-wrong-ext", lambda: b"%PDF-1.7\n", "a.docx", "application/pdf"),
    ("docx", _docx, "a.docx", DOCX),
    ("docx-renamed", _docx, "a.zip", DOCX),
    ("docm", _docx, "a.docm", "application/vnd.ms-word.document.macroEnabled.12"),
    ("xlsx", _xlsx, "a.xlsx", XLSX),
    ("xlsm", _xlsx, "a.xlsm", "application/vnd.ms-excel.sheet.macroEnabled.12"),
    ("pptx", _pptx, "a.pptx", PPTX),
    ("odt", lambda: _odf("text"), "a.odt", "application/vnd.oasis.opendocument.text"),
    ("ods", lambda: _odf("spreadsheet"), "a", "application/vnd.oasis.opendocument.spreadsheet"),
    ("zip", lambda: make_zip({"a.txt": "hej"}), "a.zip", "application/zip"),
    # A zip named as an Office file but without its main part is that (damaged) Office file,
    # not a plain zip: its extractor then says which part is missing.
    ("zip-named-docx", lambda: make_zip({"a.txt": "hej"}), "a.docx", DOCX),
    ("zip-named-xlsx", lambda: make_zip({"[Content_Types].xml": "<Types/>"}), "a.xlsx", XLSX),
    (
        "zip-named-pptm",
        lambda: make_zip({"a.txt": "hej"}),
        "a.pptm",
        "application/vnd.ms-powerpoint.presentation.macroEnabled.12",
    ),
    ("zip-truncated", lambda: make_zip({"a.txt": "hej"})[:20], "a.zip", "application/zip"),
    ("encrypted-docx", _encrypted_docx, "a.docx", ENCRYPTED_OFFICE),
    ("ole-doc-by-ext", lambda: OLE_MAGIC + b"\0" * 600, "a.doc", "application/msword"),
    ("ole-xls-by-ext", lambda: OLE_MAGIC + b"\0" * 600, "a.XLS", "application/vnd.ms-excel"),
    ("ole-unknown", lambda: OLE_MAGIC + b"\0" * 600, "a.bin", "application/x-ole-storage"),
    ("gzip", lambda: gzip.compress(b"hej"), "a.csv.gz", "application/gzip"),
    ("tar.gz", lambda: _tar("w:gz"), "a.gz", "application/x-compressed-tar"),
    ("bzip2", lambda: bz2.compress(b"hej"), "a.bz2", "application/x-bzip2"),
    ("tar.bz2", lambda: _tar("w:bz2"), "a.tbz2", "application/x-bzip-compressed-tar"),
    ("xz", lambda: lzma.compress(b"hej"), "a.xz", "application/x-xz"),
    ("tar.xz", lambda: _tar("w:xz"), "a.tar.xz", "application/x-xz-compressed-tar"),
    ("tar", lambda: _tar("w"), "a.tar", "application/x-tar"),
    ("7z", _7z, "a.7z", "application/x-7z-compressed"),
    ("rtf", lambda: b"{\\rtf1\\ansi hej}", "a.rtf", "application/rtf"),
    ("png", lambda: b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "a.png", "image/png"),
    ("jpeg", lambda: b"\xff\xd8\xff\xe0\0\x10JFIF", "a.jpg", "image/jpeg"),
    ("gif", lambda: b"GIF89a\x01\0\x01\0", "a.gif", "image/gif"),
    ("tiff", lambda: b"II*\0\x08\0\0\0", "scan.tif", "image/tiff"),
    ("webp", lambda: b"RIFF\x10\0\0\0WEBPVP8 ", "a.webp", "image/webp"),
    ("parquet", _parquet, "a.parquet", "application/x-parquet"),
    ("pst", lambda: b"!BDN\x00\x00\x00\x00SM", "a.pst", "application/vnd.ms-outlook-pst"),
    ("csv", lambda: CSV.encode("cp1252"), "a.csv", "text/csv"),
    ("tsv", lambda: b"a\tb\n1\t2\n", "a.tsv", "text/tab-separated-values"),
    ("csv-utf16", lambda: CSV.encode("utf-16"), "a.csv", "text/csv"),
    ("text", lambda: "Åsa Öberg 850601-2387\n".encode(), "a.txt", "text/plain"),
    ("text-no-ext", lambda: b"hej hopp\n", "README", "text/plain"),
    ("text-starting-with-bzh", lambda: b"BZh hej\n", "a", "text/plain"),
    ("txt-with-markup", lambda: b"<Anna> sa hej\n", "chat.txt", "text/plain"),
    ("xml", lambda: b'<?xml version="1.0"?><kunder/>', "a.dat", "application/xml"),
    (
        "xml-utf16",
        lambda: codecs.BOM_UTF16_LE + "<kunder/>".encode("utf-16-le"),
        "a",
        "application/xml",
    ),
    ("xhtml", lambda: b'<?xml version="1.0"?>\n<html><body/></html>', "a.xml", "text/html"),
    ("html", lambda: b"\n<!DOCTYPE html><html></html>", "a", "text/html"),
    ("html-ext", lambda: b"<p>hej</p>", "a.htm", "text/html"),
    ("json", lambda: b'{"kunder": []}', "a", "application/json"),
    ("json-array", lambda: b'[\n  {"a": 1}\n]', "a.txt.bak", "application/json"),
    ("json-ext", lambda: b"[1, 2]", "a.json", "application/json"),
    ("ndjson", lambda: b'{"a": 1}\n{"a": 2}\n', "a.log1", "application/x-ndjson"),
    ("ndjson-ext", lambda: b'{"a": 1}\n', "a.jsonl", "application/x-ndjson"),
    ("log-with-bracket", lambda: b"[2024-01-01 12:00] start\n", "a", "text/plain"),
    ("sql", lambda: b"INSERT INTO t VALUES ('x');\n", "dump.sql", "application/sql"),
    ("eml", lambda: b"Received: from x\nFrom: a@exempel.se\n\nhej", "a", "message/rfc822"),
    (
        "mbox",
        lambda: b"From a@exempel.se Mon Jan  1 00:00:00 2024\nSubject: x\n",
        "a",
        "application/mbox",
    ),
    ("binary", lambda: bytes(range(256)) * 4, "a.bin", "application/octet-stream"),
    ("binary-bmp-ext", lambda: b"BM" + bytes(range(256)) * 2, "a.bmp", "image/bmp"),
]


@pytest.mark.parametrize(
    ("build", "name", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_media_type(build: Callable[[], bytes], name: str, expected: str) -> None:
    data = build()
    blob = Blob.from_bytes(name, data)
    assert media_type(blob, data[:HEAD_BYTES]) == expected


def test_sqlite(tmp_path: Path) -> None:
    data = _sqlite(tmp_path)
    assert media_type(Blob.from_bytes("a.db", data), data[:HEAD_BYTES]) == "application/vnd.sqlite3"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("a.TXT", ".txt"),
        ("arkiv.tar.gz", ".tar.gz"),
        ("kunder.2019.csv", ".csv"),
        ("README", ""),
        ("dir.d/fil", ""),
    ],
)
def test_extension(name: str, expected: str) -> None:
    assert extension(name) == expected


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"Return-Path: <a@x>\nDelivered-To: b@x\nFrom: a@x\n\nhej", True),
        (b"From: Anna <a@x>\r\nTo: b@x\r\nSubject: hej\r\nDate: Fri, 1 Mar 2024\r\n\r\n", True),
        (b"Date: Fri, 1 Mar 2024\nSubject: hej\n", True),
        (b"Subject: hej\nTo: b@x\n\n", False),  # neither From, Date nor a mail-only header
        (b"Namn: Anna Andersson\nTelefon: 070-174 06 05\n\n", False),
        (b"From: Anna\nnot a header line\n\n", False),
        (b"Received: from x\n\tby y\nMessage-ID: <a@x>\n", True),
        (b"", False),
    ],
    ids=["maildir", "crlf", "date-subject", "no-from", "note", "not-headers", "folded", "empty"],
)
def test_looks_like_message(head: bytes, expected: bool) -> None:
    assert looks_like_message(head) is expected


def test_maildir_file_without_extension() -> None:
    data = b"Date: Fri, 1 Mar 2024 10:00:00 +0100\nFrom: Anna <anna@exempel.se>\n\nHej\n"
    blob = Blob.from_bytes("1709283600.M1P2.exempel.se:2,S", data)
    assert media_type(blob, data[:HEAD_BYTES]) == "message/rfc822"
