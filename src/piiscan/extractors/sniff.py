"""What kind of object is this? Magic bytes first, container contents next, extension last.

:func:`media_type` returns a MIME-like type. The order of evidence:

1. magic bytes: PDF, zip, OLE2, gzip/bzip2/xz (a tar inside is recognised by decompressing
   the first 512 bytes), 7z, tar (``ustar`` at offset 257), RTF, PNG/JPEG/GIF/TIFF/WebP,
   Parquet, Arrow, SQLite, PST, pg_dump custom format;
2. inside a zip: ``[Content_Types].xml`` and the main part name Word/Excel/PowerPoint
   (macro-enabled variants by extension), a ``mimetype`` member the OpenDocument type;
   a zip without either whose name has an Office extension (``.docx``, ``.xlsx``, ``.pptx``
   ...) is still that Office type, so that its extractor reports the missing main part
   instead of the package being read as a plain zip; anything else is ``application/zip``.
   Inside OLE2,
   :func:`piiscan.extractors.office_crypto.ole_kind` names doc/xls/ppt/msg and encrypted
   OOXML (:data:`ENCRYPTED_OFFICE`);
3. text: leading markup (``<?xml``, ``<html``, ``<!doctype html``) or JSON (``{"``, ``[{``)
   after a BOM and whitespace, an mbox ``From `` line, or a mail header block
   (:func:`looks_like_message`: how Maildir files, which have no extension, are known);
4. the extension breaks ties and names what content cannot tell apart (CSV vs TSV vs
   plain text, NDJSON vs JSON, SQL, HTML vs XML);
5. :func:`piiscan.extractors.text.looks_binary` separates ``text/plain`` from
   ``application/octet-stream``. An empty object is :data:`EMPTY`.

.. versionadded:: 0.1
"""

from __future__ import annotations

import bz2
import json
import lzma
import re
import zipfile
import zlib
from pathlib import PurePosixPath

from piiscan.extractors.base import Blob
from piiscan.extractors.text import decode_text, looks_binary
from piiscan.extractors.zips import open_zip_of

__all__ = [
    "DOCX",
    "EMPTY",
    "ENCRYPTED_OFFICE",
    "HEAD_BYTES",
    "PPTX",
    "XLSX",
    "extension",
    "looks_like_message",
    "media_type",
]

HEAD_BYTES = 8192
"""How many leading bytes :func:`media_type` wants in ``head``."""

EMPTY = "application/x-empty"
ENCRYPTED_OFFICE = "application/x-encrypted-office"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"7z\xbc\xaf\x27\x1c", "application/x-7z-compressed"),
    (b"{\\rtf", "application/rtf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
    (b"PAR1", "application/x-parquet"),
    (b"ARROW1", "application/vnd.apache.arrow.file"),
    (b"SQLite format 3\x00", "application/vnd.sqlite3"),
    (b"!BDN", "application/vnd.ms-outlook-pst"),
    (b"PGDMP", "application/x-pg-dump"),
)

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")

_OLE_TYPES = {
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
    "ppt": "application/vnd.ms-powerpoint",
    "msg": "application/vnd.ms-outlook",
    "encrypted_ooxml": ENCRYPTED_OFFICE,
}
_OLE_BY_EXTENSION = {
    ".doc": "doc",
    ".dot": "doc",
    ".xls": "xls",
    ".xlt": "xls",
    ".ppt": "ppt",
    ".pps": "ppt",
    ".msg": "msg",
}

_OOXML_MAIN_PARTS: tuple[tuple[str, str, dict[str, str]], ...] = (
    ("word/document.xml", DOCX, {".docm": "application/vnd.ms-word.document.macroEnabled.12"}),
    ("xl/workbook.xml", XLSX, {".xlsm": "application/vnd.ms-excel.sheet.macroEnabled.12"}),
    ("xl/workbook.bin", "application/vnd.ms-excel.sheet.binary.macroEnabled.12", {}),
    (
        "ppt/presentation.xml",
        PPTX,
        {".pptm": "application/vnd.ms-powerpoint.presentation.macroEnabled.12"},
    ),
)

# An office extension on a zip without its main part: the package is damaged, and reading it
# as a plain zip would hide that (the office extractor names the missing part).
_OOXML_BY_EXTENSION = {
    ext: by_extension.get(ext, media)
    for part, media, by_extension in _OOXML_MAIN_PARTS
    for ext in {
        "word/document.xml": (".docx", ".docm", ".dotx", ".dotm"),
        "xl/workbook.xml": (".xlsx", ".xlsm", ".xltx", ".xltm"),
        "xl/workbook.bin": (".xlsb",),
        "ppt/presentation.xml": (".pptx", ".pptm", ".potx", ".ppsx"),
    }[part]
}

_COMPRESSED = {
    b"\x1f\x8b": ("application/gzip", "application/x-compressed-tar"),
    b"BZh": ("application/x-bzip2", "application/x-bzip-compressed-tar"),
    b"\xfd7zXZ\x00": ("application/x-xz", "application/x-xz-compressed-tar"),
}

_TEXT_BY_EXTENSION = {
    ".csv": "text/csv",
    ".tsv": "text/tab-separated-values",
    ".tab": "text/tab-separated-values",
    ".json": "application/json",
    ".geojson": "application/json",
    ".ndjson": "application/x-ndjson",
    ".jsonl": "application/x-ndjson",
    ".xml": "application/xml",
    ".html": "text/html",
    ".htm": "text/html",
    ".xhtml": "text/html",
    ".sql": "application/sql",
    ".eml": "message/rfc822",
    ".mbox": "application/mbox",
    ".txt": "text/plain",
    ".log": "text/plain",
    ".md": "text/plain",
}
_BINARY_BY_EXTENSION = {
    ".bmp": "image/bmp",
    ".heic": "image/heic",
    ".webp": "image/webp",
    ".tif": "image/tiff",
    ".tiff": "image/tiff",
}
_MAIL_HEADERS = (b"received:", b"return-path:", b"delivered-to:", b"message-id:", b"mime-version:")
# Headers that only mail has (one is needed), and headers mail usually has (two are needed).
_MAIL_ONLY = frozenset(
    {b"received", b"return-path", b"delivered-to", b"message-id", b"mime-version", b"x-mailer"}
)
_MAIL_USUAL = (
    frozenset({b"from", b"to", b"cc", b"subject", b"date", b"reply-to", b"sender", b"content-type"})
    | _MAIL_ONLY
)
_HEADER_LINE = re.compile(rb"([A-Za-z0-9][A-Za-z0-9-]*)[ \t]*:")


def extension(name: str) -> str:
    """The lower-case extension of a file name, ``.tar.gz`` style double ones included."""
    suffixes = [s.lower() for s in PurePosixPath(name).suffixes]
    if len(suffixes) >= 2 and suffixes[-2] == ".tar":
        return ".tar" + suffixes[-1]
    return suffixes[-1] if suffixes else ""


def looks_like_message(head: bytes) -> bool:
    """Whether ``head`` begins with an RFC 5322 header block: header lines (and folded
    continuations) up to an empty line or the end of ``head``, with at least one header only
    mail has (``Received``, ``Message-ID``, ``Return-Path``...) or ``From``/``Date`` and at
    least two usual mail headers in all.

    :param head: the object's first bytes.
    """
    names: set[bytes] = set()
    lines = head.split(b"\n")
    if len(lines) > 1:
        lines = lines[:-1]  # the last line may be cut
    for line in lines:
        line = line.rstrip(b"\r")
        if not line:
            break
        if line[:1] in (b" ", b"\t") and names:
            continue
        match = _HEADER_LINE.match(line)
        if match is None:
            return False
        names.add(match.group(1).lower())
    usual = names & _MAIL_USUAL
    return bool(names & _MAIL_ONLY) or (bool(names & {b"from", b"date"}) and len(usual) >= 2)


def _zip_type(blob: Blob, ext: str) -> str:
    try:
        with blob.opener() as stream, open_zip_of(blob, stream) as archive:
            names = set(archive.namelist())
            if "[Content_Types].xml" in names:
                for part, media, by_extension in _OOXML_MAIN_PARTS:
                    if part in names:
                        return by_extension.get(ext, media)
            if "mimetype" in names:
                with archive.open("mimetype") as member:  # never a bomb read whole
                    declared = member.read(100).decode("ascii", "replace").strip()
                if declared.startswith("application/vnd.oasis.opendocument."):
                    return declared
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, KeyError,
            NotImplementedError, RuntimeError):  # fmt: skip
        pass  # a damaged or encrypted "mimetype": judged by the extension
    return _OOXML_BY_EXTENSION.get(ext, "application/zip")


def _ole_type(blob: Blob, ext: str) -> str:
    kind: str | None = None
    try:
        from piiscan.extractors.office_crypto import ole_kind
    except ImportError:
        pass
    else:
        kind = ole_kind(blob)
    kind = kind or _OLE_BY_EXTENSION.get(ext)
    return _OLE_TYPES.get(kind or "", "application/x-ole-storage")


def _is_tar_header(block: bytes) -> bool:
    return len(block) >= 262 and block[257:262] == b"ustar"


def _compressed_tar(blob: Blob, magic: bytes) -> bool:
    """Whether the first 512 decompressed bytes are a tar header."""
    data = blob.read(64 * 1024)
    try:
        if magic == b"\x1f\x8b":
            block = zlib.decompressobj(wbits=47).decompress(data, 512)
        elif magic == b"BZh":
            block = bz2.BZ2Decompressor().decompress(data, 512)
        else:
            block = lzma.LZMADecompressor().decompress(data, 512)
    except (zlib.error, OSError, EOFError, ValueError, lzma.LZMAError):
        return False
    return _is_tar_header(block)


def _ndjson(text: str) -> bool:
    """A complete JSON value on line 1 and another object or array starting on line 2."""
    lines = text.split("\n", 2)
    if len(lines) < 2 or not lines[1].lstrip().startswith(("{", "[")):
        return False
    try:
        json.loads(lines[0])
    except ValueError:
        return False
    return True


_DUMP_SIGNATURES = (b"PostgreSQL database dump", b"MySQL dump", b"MariaDB dump")


def _text_type(head: bytes, ext: str) -> str:
    if any(signature in head[:1024] for signature in _DUMP_SIGNATURES):
        return "application/sql"  # whatever its name: crm.dump, backup.txt
    if ext in _TEXT_BY_EXTENSION and ext not in {".xml", ".json"}:
        return _TEXT_BY_EXTENSION[ext]
    text, _ = decode_text(head[:1024])
    start = text.lstrip("\ufeff \t\r\n")
    lower = start[:200].lower()
    if lower.startswith(("<!doctype html", "<html")) or (
        lower.startswith("<?xml") and "<html" in lower
    ):
        return "text/html"
    if start.startswith("<") and not start.startswith("<<"):
        return "application/xml"
    if ext in _TEXT_BY_EXTENSION:
        return _TEXT_BY_EXTENSION[ext]
    if start.startswith(("{", "[")):
        after = start[1:].lstrip()
        if after[:1] in {'"', "{", "[", "}", "]"}:
            return "application/x-ndjson" if _ndjson(start) else "application/json"
    raw = head.lstrip().lower()
    if raw.startswith(b"from ") and b"\n" in raw:
        return "application/mbox"
    if raw.startswith(_MAIL_HEADERS) or looks_like_message(head.lstrip()):
        return "message/rfc822"
    return "text/plain"


def media_type(blob: Blob, head: bytes) -> str:
    """The media type of an object.

    :param blob: the object; read again only to look inside zip, OLE2 and compressed files.
    :param head: its first bytes (:data:`HEAD_BYTES` of them, or all of a shorter object).
    :returns: a MIME-like type such as ``application/pdf``, :data:`DOCX`, ``text/csv``,
        ``application/x-parquet``, ``image/png`` or ``application/octet-stream``.
    """
    ext = extension(blob.name)
    if not head:
        return EMPTY
    for magic, media in _MAGIC:
        if head.startswith(magic):
            return media
    # PDF may have a little junk before the header; readers accept it within 1 KB.
    if head.find(b"%PDF-", 0, 1024) >= 0:
        return "application/pdf"
    if head.startswith(_ZIP_MAGIC):
        return _zip_type(blob, ext)
    if head.startswith(_OLE_MAGIC):
        return _ole_type(blob, ext)
    for magic, (single, tar) in _COMPRESSED.items():
        # "BZh" is followed by the block size digit; plain text may begin "BZh" too.
        if head.startswith(magic) and (magic != b"BZh" or head[3:4].isdigit()):
            return tar if _compressed_tar(blob, magic) else single
    if _is_tar_header(head):
        return "application/x-tar"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "image/webp"
    if looks_binary(head):
        return _BINARY_BY_EXTENSION.get(ext, "application/octet-stream")
    return _text_type(head, ext)
