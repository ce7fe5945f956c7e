"""Pick the extractor for an object: sniff its type, then look the type up in :data:`FORMATS`.

:func:`extract` is what the scan driver calls for every object, members of containers
included. It decides before any extractor runs:

- an object over ``limits.max_object_bytes`` → :class:`~piiscan.errors.TooLargeError`
  ("larger than the size limit (2000 > 1000 bytes)"), from the size its source or container
  knows, before anything is read (a walk also passes over files above ``--max-size``
  without opening them, and an IMAP source never fetches such a message);
- an empty object (0 bytes: a file, an archive member, a message) →
  :class:`~piiscan.errors.NoTextError` ("empty file"), status ``no_text``: there was nothing
  to read, which is not a failure (``no_text`` is no error). This is the one place that
  decides it (the scan driver used to say ``no_text`` and this module ``ok``; ``no_text``
  was what the inventory showed, and stays);
- an image → :class:`~piiscan.errors.UnsupportedError` ("image; OCR is out of scope");
- a password-protected Office file (encrypted OOXML, or a .doc/.xls/.ppt with the
  encryption flag) → :class:`~piiscan.errors.EncryptedError`;
- a type without an extractor, or whose extractor module is not installed →
  :class:`~piiscan.errors.UnsupportedError` ("unsupported format: image/x-icon").

- a container (archive, mailbox, message) at ``blob.depth >= limits.max_depth`` →
  :class:`~piiscan.errors.TooLargeError` ("nesting depth limit"), before it is opened: the
  one depth rule for every container (each used to check it itself). Depth is the blob's
  (a member is one deeper than its container); nesting inside one message (forwarded
  messages) is the mail reader's to bound.

And while the extractor runs, the text budget: once the segments of one object hold more
than ``limits.max_text_chars`` characters together, :class:`~piiscan.errors.TooLargeError`
("text exceeds N characters") ends it, keeping what was found before. Extractors do not count
text themselves; a few bound what they read into memory at once (a JSON document, an HTML
page, an RTF file, the output of ``antiword``) with the same figure before any text exists.
Nesting depth is enforced by the containers (archives, mail), which alone know it.

Extractor modules are imported when first needed, so a missing optional module only makes
its formats unsupported. A blob whose container set its ``media_type`` (an mbox's
message) is not sniffed.

.. versionadded:: 0.1
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import cast

from piiscan.errors import EncryptedError, NoTextError, TooLargeError, UnsupportedError
from piiscan.extractors.base import Blob, Extractor, Item, Limits
from piiscan.extractors.sniff import (
    DOCX,
    EMPTY,
    ENCRYPTED_OFFICE,
    HEAD_BYTES,
    PPTX,
    XLSX,
    media_type,
)
from piiscan.model import Segment

__all__ = [
    "FORMATS",
    "SUPPORTED_EXTENSIONS",
    "Format",
    "extract",
    "extractor_for",
    "supported_formats",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class Format:
    """One readable format.

    :param media_types: the sniffed types this format covers.
    :param extractor: ``module:function`` of the extractor, imported on first use.
    :param extensions: the usual file extensions, for documentation and filters.
    :param description: a few words for ``--help`` and the README.
    :param container: objects of this format hold members (archives, mailboxes, messages),
        so the nesting depth limit applies to them.
    """

    media_types: tuple[str, ...]
    extractor: str
    extensions: tuple[str, ...]
    description: str
    container: bool = False


_X = "piiscan.extractors."

FORMATS: tuple[Format, ...] = (
    Format(
        media_types=("text/plain",),
        extractor=_X + "text:extract_text",
        extensions=(".txt", ".log", ".md"),
        description="plain text in any common Swedish encoding, chunked",
    ),
    Format(
        media_types=("application/sql",),
        extractor=_X + "dumps.plain:extract_sql_dump",
        extensions=(".sql",),
        description="SQL dumps (pg_dump, mysqldump, mariadb-dump); values by table, column, row",
    ),
    Format(
        media_types=("application/x-pg-dump",),
        extractor=_X + "dumps.postgres:extract_pg_custom",
        extensions=(".dump", ".backup"),
        description="pg_dump custom format (-Fc), read in Python (pg_restore for lz4/zstd)",
    ),
    Format(
        media_types=("application/vnd.sqlite3",),
        extractor=_X + "dumps.sqlite:extract_sqlite",
        extensions=(".sqlite", ".sqlite3", ".db"),
        description="SQLite databases, opened read-only and immutable",
    ),
    Format(
        media_types=("message/rfc822",),
        extractor=_X + "mail.message:extract_eml",
        extensions=(".eml",),
        description="e-mail messages (also Maildir files): headers, bodies, attachments",
        container=True,
    ),
    Format(
        media_types=("application/mbox",),
        extractor=_X + "mail.mbox:extract_mbox",
        extensions=(".mbox", ".mbx"),
        description="mbox mailboxes, read message by message",
        container=True,
    ),
    Format(
        media_types=("application/vnd.ms-outlook",),
        extractor=_X + "mail.outlook:extract_msg",
        extensions=(".msg",),
        description="Outlook messages (with the optional extra piiscan-se[msg])",
        container=True,
    ),
    Format(
        media_types=("application/vnd.ms-outlook-pst",),
        extractor=_X + "mail.pst:extract_pst",
        extensions=(".pst", ".ost"),
        description="Outlook data files, message by message (with the extra piiscan-se[pst])",
        container=True,
    ),
    Format(
        media_types=("text/csv", "text/tab-separated-values"),
        extractor=_X + "tabular:extract_delimited",
        extensions=(".csv", ".tsv", ".tab"),
        description="delimited text; cells located by row and column name",
    ),
    Format(
        media_types=("application/json",),
        extractor=_X + "structured:extract_json",
        extensions=(".json", ".geojson"),
        description="JSON; values located by JSONPath",
    ),
    Format(
        media_types=("application/x-ndjson",),
        extractor=_X + "structured:extract_ndjson",
        extensions=(".ndjson", ".jsonl"),
        description="newline-delimited JSON; values located by line and JSONPath",
    ),
    Format(
        media_types=("application/xml",),
        extractor=_X + "structured:extract_xml",
        extensions=(".xml",),
        description="XML; text and attributes located by element path",
    ),
    Format(
        media_types=("text/html",),
        extractor=_X + "html:extract_html",
        extensions=(".html", ".htm", ".xhtml"),
        description="HTML pages",
    ),
    Format(
        media_types=("application/x-parquet",),
        extractor=_X + "parquet:extract_parquet",
        extensions=(".parquet",),
        description="Parquet; text and integer columns by row and column",
    ),
    Format(
        media_types=("application/pdf",),
        extractor=_X + "pdf:extract_pdf",
        extensions=(".pdf",),
        description="PDF text layer, by page",
    ),
    Format(
        media_types=("application/rtf",),
        extractor=_X + "rtf:extract_rtf",
        extensions=(".rtf",),
        description="Rich Text Format",
    ),
    Format(
        media_types=(DOCX, "application/vnd.ms-word.document.macroEnabled.12"),
        extractor=_X + "word:extract_docx",
        extensions=(".docx", ".docm"),
        description="Word documents",
    ),
    Format(
        media_types=(PPTX, "application/vnd.ms-powerpoint.presentation.macroEnabled.12"),
        extractor=_X + "powerpoint:extract_pptx",
        extensions=(".pptx", ".pptm"),
        description="PowerPoint presentations",
    ),
    Format(
        media_types=(
            XLSX,
            "application/vnd.ms-excel.sheet.macroEnabled.12",
            "application/vnd.ms-excel.sheet.binary.macroEnabled.12",
            "application/vnd.ms-excel",
            "application/vnd.oasis.opendocument.spreadsheet",
        ),
        extractor=_X + "spreadsheet:extract_spreadsheet",
        extensions=(".xlsx", ".xlsm", ".xlsb", ".xls", ".ods"),
        description="spreadsheets; cells located by sheet and A1 reference",
    ),
    Format(
        media_types=("application/vnd.oasis.opendocument.text",),
        extractor=_X + "opendocument:extract_odt",
        extensions=(".odt",),
        description="OpenDocument text",
    ),
    Format(
        media_types=("application/msword",),
        extractor=_X + "legacy_office:extract_doc",
        extensions=(".doc",),
        description="Word 97–2003 documents",
    ),
    Format(
        media_types=("application/vnd.ms-powerpoint",),
        extractor=_X + "legacy_office:extract_ppt",
        extensions=(".ppt",),
        description="PowerPoint 97–2003 presentations",
    ),
    Format(
        media_types=("application/zip",),
        extractor=_X + "archives:extract_zip",
        extensions=(".zip",),
        description="zip archives (members scanned recursively)",
        container=True,
    ),
    Format(
        media_types=(
            "application/x-tar",
            "application/x-compressed-tar",
            "application/x-bzip-compressed-tar",
            "application/x-xz-compressed-tar",
        ),
        extractor=_X + "archives:extract_tar",
        extensions=(".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz"),
        description="tar archives, plain or compressed",
        container=True,
    ),
    Format(
        media_types=("application/x-7z-compressed",),
        extractor=_X + "archives:extract_7z",
        extensions=(".7z",),
        description="7-Zip archives",
        container=True,
    ),
    Format(
        media_types=("application/gzip",),
        extractor=_X + "archives:extract_gzip",
        extensions=(".gz",),
        description="a gzip-compressed file",
        container=True,
    ),
    Format(
        media_types=("application/x-bzip2",),
        extractor=_X + "archives:extract_bzip2",
        extensions=(".bz2",),
        description="a bzip2-compressed file",
        container=True,
    ),
    Format(
        media_types=("application/x-xz",),
        extractor=_X + "archives:extract_xz",
        extensions=(".xz", ".lzma"),
        description="an xz-compressed file",
        container=True,
    ),
)

SUPPORTED_EXTENSIONS: frozenset[str] = frozenset(
    extension for known in FORMATS for extension in known.extensions
)
"""Every extension of :data:`FORMATS` (content decides, not the extension)."""

_LEGACY_OFFICE = frozenset(
    {"application/msword", "application/vnd.ms-excel", "application/vnd.ms-powerpoint"}
)


def supported_formats() -> tuple[Format, ...]:
    """The formats piiscan reads, whether or not each extractor module is installed."""
    return FORMATS


def _format_for(media: str) -> Format | None:
    for known in FORMATS:
        if media in known.media_types:
            return known
    return None


def extractor_for(media: str) -> Extractor | None:
    """The extractor function for a media type, or None when there is none or it is missing.

    :param media: a type as :func:`~piiscan.extractors.sniff.media_type` returns it.
    """
    known = _format_for(media)
    if known is None:
        return None
    module_name, _, function = known.extractor.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return None
    found = getattr(module, function, None)
    return cast(Extractor, found) if callable(found) else None


def _encrypted_legacy(blob: Blob) -> bool:
    try:
        from piiscan.extractors.office_crypto import is_encrypted_office
    except ImportError:
        return False
    return is_encrypted_office(blob)


def extract(blob: Blob, limits: Limits) -> tuple[str, Iterator[Item]]:
    """Sniff an object and start extracting it.

    :param blob: the object (a file, or a member of a container at ``depth > 0``).
    :param limits: the scan's limits.
    :returns: the media type and the extractor's items (lazily: extraction errors surface
        while iterating).
    :raises TooLargeError: the object is over ``max_object_bytes``, or a container at the
        depth limit.
    :raises NoTextError: the object is empty.
    :raises EncryptedError: a password-protected Office document.
    :raises UnsupportedError: an image, or a type without an (installed) extractor.

    Iterating the items raises what the extractor raises, and :class:`TooLargeError` once the
    text is over ``max_text_chars``.
    """
    if blob.size is not None and blob.size > limits.max_object_bytes:
        limit = limits.max_object_bytes
        raise TooLargeError(f"larger than the size limit ({blob.size} > {limit} bytes)")
    if blob.media_type:
        media = blob.media_type if blob.size != 0 else EMPTY
    else:
        media = media_type(blob, blob.read(HEAD_BYTES))
    # Never the name: names are data (a file can be named after a person or a number).
    log.debug("object of %s bytes at depth %d read as %s", blob.size, blob.depth, media)
    if media == EMPTY:
        raise NoTextError("empty file")
    if media.startswith("image/"):
        raise UnsupportedError("image; OCR is out of scope")
    if media == ENCRYPTED_OFFICE or (media in _LEGACY_OFFICE and _encrypted_legacy(blob)):
        raise EncryptedError("encrypted document")
    known = _format_for(media)
    if known is not None and known.container and blob.depth >= limits.max_depth:
        raise TooLargeError("nesting depth limit")
    extractor = extractor_for(media)
    if extractor is None:
        raise UnsupportedError(f"unsupported format: {media}")
    return media, _within_budget(extractor(blob, limits), limits.max_text_chars)


def _within_budget(items: Iterator[Item], budget: int) -> Iterator[Item]:
    """The items of one object, ended by :class:`TooLargeError` once its segments hold more
    than ``budget`` characters (members have budgets of their own)."""
    used = 0
    for item in items:
        if isinstance(item, Segment):
            used += len(item.text)
            if used > budget:
                raise TooLargeError(f"text exceeds {budget} characters")
        yield item
