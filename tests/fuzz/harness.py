"""The extractor contract that fuzzing checks, shared by ``benchmarks/fuzz.py`` (which looks
for inputs that break it) and ``tests/fuzz/test_regressions.py`` (which keeps every input it
found).

One fuzz input is the bytes of one object, read as a scan reads it: through
:func:`piiscan.extractors.dispatch.extract` (sniffed, or with the target's media type given as
its container would give it), every item drained, every member read the same way one level
deeper. The contract (``extractors/base.py``):

- the only exceptions are :class:`~piiscan.errors.ExtractionError` subclasses (any other is
  recorded by the driver as ``unexpected``, a bug; a ``PanicException`` from compiled code is
  a ``BaseException`` and counts too);
- an error's reason never quotes the content: no identifier-shaped run of digits, no e-mail
  address (the seeds are full of fictional ones);
- items are what the driver expects: segments of ``str`` text with ``str`` locators, members
  with a name and a blob;
- bounded: the segments' text stays within the text budget, and (checked by the fuzz driver,
  not here) no input takes longer than a few seconds or grows memory without bound.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from piiscan.errors import ExtractionError
from piiscan.extractors.base import Blob, Item, Limits, Member
from piiscan.extractors.sniff import DOCX, PPTX, XLSX
from piiscan.model import Segment

REPO = Path(__file__).resolve().parents[2]
SHARE = REPO / "fixtures" / "share"
DUMPS = REPO / "fixtures" / "dumps"
THIRDPARTY = REPO / "fixtures" / "thirdparty"

LIMITS = Limits(
    max_member_bytes=4 * 1024 * 1024,
    max_total_expanded_bytes=16 * 1024 * 1024,
    max_members=200,
    max_depth=3,
    max_text_chars=4 * 1024 * 1024,
    max_object_seconds=0,
)
"""Smaller than a scan's, so that one input is read in well under a second."""

# What a reason must never hold: an identifier-shaped digit run or an e-mail address.
_LEAK = re.compile(r"\d{6}[-+]?\d{4}|\d{10,}|[\w.+-]+@[\w-]+\.\w")


class ContractBroken(AssertionError):
    """An input made an extractor break its contract; the message says how (never the
    content: only exception types, counts and which rule)."""


@dataclass(frozen=True, slots=True)
class Target:
    """One fuzz target.

    :param name: its name on the command line (``--target csv``).
    :param media_type: given to the blob as its container would (no sniffing); empty to let
        the dispatcher sniff the bytes.
    :param file_name: the blob's name (its extension is what sniffing may look at).
    :param seeds: files of the repository whose bytes start the fuzzing.
    """

    name: str
    media_type: str
    file_name: str
    seeds: tuple[Path, ...]


def _files(*paths: Path) -> tuple[Path, ...]:
    found: list[Path] = []
    for path in paths:
        found.extend(sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path])
    return tuple(found)


E = SHARE / "Ekonomi"
H = SHARE / "HR"
A = SHARE / "Arkiv"
P = SHARE / "Post"
T = SHARE / "Texter"
B = SHARE / "Trasigt"
TARGETS: dict[str, Target] = {
    target.name: target
    for target in (
        Target("sniff", "", "objekt", _files(SHARE)),
        Target("text", "text/plain", "a.txt", _files(T / "anteckningar_cp1252.txt",
               T / "anteckningar_utf16.txt", T / "anteckningar_utf8_bom.txt")),
        Target("csv", "text/csv", "a.csv", _files(E / "kunder.csv", E / "leverantorer.tsv")),
        Target("json", "application/json", "a.json", _files(E / "kunder.json")),
        Target("ndjson", "application/x-ndjson", "a.ndjson", _files(E / "handelser.ndjson")),
        Target("xml", "application/xml", "a.xml", _files(E / "register.xml")),
        Target("html", "text/html", "a.html", _files(T / "kontakt.html")),
        Target("docx", DOCX, "a.docx", _files(H / "anstallningsavtal.docx", B / "avbruten.docx")),
        Target("xlsx", XLSX, "a.xlsx", _files(E / "kunder.xlsx", E / "fakturor.xlsx")),
        Target("pptx", PPTX, "a.pptx", _files(H / "personalmote.pptx")),
        Target("odt", "application/vnd.oasis.opendocument.text", "a.odt", _files(H / "intyg.odt")),
        Target("ods", "application/vnd.oasis.opendocument.spreadsheet", "a.ods",
               _files(E / "deltagare.ods")),
        Target("rtf", "application/rtf", "a.rtf", _files(H / "rekommendation.rtf")),
        Target("pdf", "application/pdf", "a.pdf", _files(H / "lonespecifikation.pdf",
               B / "trasig.pdf")),
        Target("parquet", "application/x-parquet", "a.parquet", _files(E / "export.parquet")),
        Target("zip", "application/zip", "a.zip", _files(A / "arende_2019.zip")),
        Target("tar", "application/x-compressed-tar", "a.tar.gz", _files(A / "backup.tar.gz")),
        Target("7z", "application/x-7z-compressed", "a.7z", _files(A / "dokument.7z")),
        Target("gzip", "application/gzip", "a.gz", _files(A / "samtalslogg.txt.gz")),
        Target("eml", "message/rfc822", "a.eml", _files(P / "svar_till_kund.eml", P / "Maildir")),
        Target("mbox", "application/mbox", "a.mbox", _files(P / "kundtjanst.mbox")),
        Target("msg", "application/vnd.ms-outlook", "a.msg",
               _files(*THIRDPARTY.glob("*.msg"))),
        Target("sql", "application/sql", "a.sql", _files(DUMPS / "crm_postgres.sql",
               DUMPS / "crm_postgres_inserts.sql", DUMPS / "butik_mariadb.sql")),
        Target("sqlite", "application/vnd.sqlite3", "a.sqlite", _files(DUMPS / "kunder.sqlite")),
    )
}  # fmt: skip
"""Every fuzz target by name: the extractors of issue #15's list, and sniffing itself."""


def _drain(items: Iterator[Item], budget: int) -> Iterator[Member]:
    """Check every item; yield the members (read after their container, as the driver does)."""
    text = 0
    members: list[Member] = []
    for item in items:
        if isinstance(item, Member):
            if not isinstance(item.name, str) or not isinstance(item.blob, Blob):
                raise ContractBroken("a member without a str name and a Blob")
            members.append(item)
        elif isinstance(item, Segment):
            if not isinstance(item.text, str) or not isinstance(item.locator, str):
                raise ContractBroken("a segment whose text or locator is not str")
            text += len(item.text)
            if text > budget + 1024 * 1024:
                raise ContractBroken(f"text past the budget ({text} > {budget})")
        else:
            raise ContractBroken(f"an item of type {type(item).__name__}")
    yield from members


def check(target: Target, data: bytes, limits: Limits = LIMITS) -> int:
    """Read ``data`` as ``target``'s object; return how many objects were read (members
    included) or raise :class:`ContractBroken`."""
    from piiscan.extractors.dispatch import extract

    media = target.media_type if data else ""
    pending = [Blob(name=target.file_name, size=len(data), opener=lambda: io.BytesIO(data),
                    media_type=media)]  # fmt: skip
    read = 0
    while pending and read < 2 * limits.max_members:
        blob = pending.pop()
        read += 1
        try:
            _, items = extract(blob, limits)
            pending.extend(member.blob for member in _drain(items, limits.max_text_chars))
        except ExtractionError as error:
            if _LEAK.search(str(error)):
                raise ContractBroken(
                    f"the reason of a {type(error).__name__} quotes the content"
                ) from None
        except ContractBroken:
            raise
        except BaseException as error:  # the contract: nothing else escapes
            if isinstance(error, KeyboardInterrupt | SystemExit):
                raise
            raise ContractBroken(f"{type(error).__name__} escaped the extractor") from error
    return read
