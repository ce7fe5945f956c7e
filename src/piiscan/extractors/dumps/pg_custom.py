"""pg_dump's custom archive format (``pg_dump -Fc``), read front to back in bounded memory.

Written from PostgreSQL's description of the format (``pg_backup_archiver.c``,
``pg_backup_custom.c``); no code of theirs. An archive is:

- a header: ``PGDMP``, the archive version (major, minor, revision bytes), the size of an
  integer and of a file offset, the format (1 is custom; 3 tar and 5 directory use the same
  header in their ``toc.dat``), the compression (a level before archive 1.15, an algorithm
  byte after: none, gzip, lz4, zstd), the dump's date, database name and versions;
- the table of contents: one entry per object (dump id, tag, descriptor such as ``TABLE``,
  ``TABLE DATA``, ``CONSTRAINT``, section, the SQL that creates it, the ``COPY`` statement of
  its data, schema, owner, dependencies) and, in the custom format, where its data starts —
  or a flag that it was not recorded, which is what ``pg_dump -Fc > file`` writes, since a
  pipe cannot be seeked back into;
- the data blocks, in the order of the table of contents: a block type (1 table data,
  3 large objects), the entry's dump id, then chunks (a length, then that many bytes; a
  zero length ends the block). Compressed archives hold one zlib stream per block, cut into
  chunks.

Integers are a sign byte and ``int size`` bytes, least significant first; strings an integer
length (-1 for none) and bytes. The data is read sequentially, never by the recorded offsets,
so an archive written to a pipe reads the same as one written to a file, and a member of a
container needs no seeking. Each block's bytes come out in pieces of at most
twice :data:`PIECE_BYTES`, however large a chunk or however well it compresses.

What this module does not read raises :class:`UnreadableArchive` before any data is read
(archive versions other than 1.10–1.16, lz4 or zstd compression of PostgreSQL 16+, the
``toc.dat`` of a tar or directory dump), so the caller can hand the file to ``pg_restore``.
An archive cut short or damaged raises :class:`~piiscan.errors.ExtractionError` where the
damage is met, after every block before it was read. Large-object data (``BLOBS``) is passed
over.

.. versionadded:: 0.2
"""

from __future__ import annotations

import codecs
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO, Final

from piiscan.errors import ExtractionError, UnsupportedError

__all__ = [
    "PIECE_BYTES",
    "Archive",
    "DataBlock",
    "Header",
    "TocEntry",
    "UnreadableArchive",
    "python_codec",
]

#: The size of the pieces a data block's bytes come out in (decompressed): at most twice this.
PIECE_BYTES: Final = 1 << 16
_READ_BYTES: Final = 1 << 20
# A string of the table of contents (an object's SQL) longer than this is taken for damage.
_MAX_TOC_STRING: Final = 64 << 20

_MAGIC: Final = b"PGDMP"
_OLDEST: Final = (1, 10)  # PostgreSQL 8.4
_NEWEST: Final = (1, 16)  # PostgreSQL 17, the newest archive version known here
# pg_dump 15 writes 3 in the toc.dat of both its directory and its tar format.
_FORMATS: Final = {1: "custom", 3: "directory- or tar", 5: "directory"}
_ALGORITHMS: Final = {0: "none", 1: "gzip", 2: "lz4", 3: "zstd"}
_BLOCK_DATA: Final = 1
_BLOCK_LARGE_OBJECTS: Final = 3
_OFFSET_SET: Final = 2  # the offset flag of an entry whose data's offset was recorded
_NO_DATA: Final = 3  # the offset flag of an entry without data


class UnreadableArchive(UnsupportedError):
    """A pg_dump archive this module does not read (the message says which kind); a newer
    ``pg_restore`` may.

    :param toc_only: the file is the ``toc.dat`` of a directory- or tar-format dump, whose
        data is in the files beside it.
    """

    def __init__(self, message: str, *, toc_only: bool = False) -> None:
        super().__init__(message)
        self.toc_only = toc_only


@dataclass(frozen=True, slots=True, kw_only=True)
class Header:
    """The header of an archive.

    :param version: archive version, e.g. ``(1, 14, 0)`` (PostgreSQL 12 to 15).
    :param int_size: bytes of an integer's magnitude.
    :param offset_size: bytes of a file offset.
    :param compression: ``none`` or ``gzip`` (what this module reads).
    """

    version: tuple[int, int, int]
    int_size: int
    offset_size: int
    compression: str


@dataclass(frozen=True, slots=True, kw_only=True)
class TocEntry:
    """One entry of the table of contents.

    :param dump_id: the entry's id, which its data block repeats.
    :param desc: what it is: ``TABLE``, ``TABLE DATA``, ``CONSTRAINT``, ``ENCODING``, …
    :param tag: the object's name (a table's name, unquoted).
    :param namespace: its schema, ``""`` when it has none.
    :param defn: the SQL that creates it (``CREATE TABLE …;``), ``""`` when none.
    :param copy_stmt: the ``COPY … FROM stdin;`` its data is written for, ``None`` when its
        data is SQL (``pg_dump --inserts``) or it has none.
    :param has_data: a data block belongs to it.
    :param data_offset: where in the file its data block starts, as pg_dump recorded it;
        ``None`` when it did not (written to a pipe) or there is no data. Not used to read:
        blocks are read in order.
    """

    dump_id: int
    desc: str
    tag: str
    namespace: str
    defn: str
    copy_stmt: str | None
    has_data: bool
    data_offset: int | None = None


@dataclass(frozen=True, slots=True)
class DataBlock:
    """The data of one entry: its bytes as they stream past, decompressed, in pieces.

    Read ``pieces`` before asking the archive for the next block; what is left unread is
    passed over.
    """

    entry: TocEntry
    pieces: Iterator[bytes]


class _Reader:
    """Reads an archive's integers, strings and bytes front to back through one buffer."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream
        self.buffer = b""
        self.pos = 0
        self.int_size = 4
        self.offset_size = 8
        self.place = "its header"

    def _fill(self, wanted: int) -> bool:
        """Make ``wanted`` bytes available from ``pos``; false at the end of the file."""
        while len(self.buffer) - self.pos < wanted:
            more = self.stream.read(max(_READ_BYTES, wanted - (len(self.buffer) - self.pos)))
            if not more:
                return False
            self.buffer = self.buffer[self.pos :] + more
            self.pos = 0
        return True

    def cut_short(self) -> ExtractionError:
        return ExtractionError(f"custom-format dump ends inside {self.place} (cut short?)")

    def exact(self, size: int) -> bytes:
        """``size`` bytes (at most :data:`_READ_BYTES` at a time: callers loop for more)."""
        if not self._fill(size):
            raise self.cut_short()
        start = self.pos
        self.pos += size
        return self.buffer[start : self.pos]

    def at_end(self) -> bool:
        return not self._fill(1)

    def byte(self) -> int:
        if not self._fill(1):
            raise self.cut_short()
        self.pos += 1
        return self.buffer[self.pos - 1]

    def integer(self) -> int:
        size = self.int_size
        if not self._fill(size + 1):
            raise self.cut_short()
        sign, pos = self.buffer[self.pos], self.pos + 1
        self.pos = pos + size
        if sign > 1:
            raise ExtractionError("corrupt custom-format dump (an integer's sign byte)")
        value = int.from_bytes(self.buffer[pos : pos + size], "little")
        return -value if sign else value

    def string(self, codec: str) -> str | None:
        """A string: ``None`` for a null one; decoded, never raising on bad bytes."""
        length = self.integer()
        if length == -1:
            return None
        if length < 0 or length > _MAX_TOC_STRING:
            raise ExtractionError("corrupt custom-format dump (a string's length)")
        parts = []
        while length:
            part = self.exact(min(length, _READ_BYTES))
            parts.append(part)
            length -= len(part)
        return b"".join(parts).decode(codec, errors="replace")

    def offset(self) -> tuple[int, int]:
        """An entry's data offset: its flag (not set, set, no data) and its value."""
        flag = self.byte()
        return flag, int.from_bytes(self.exact(self.offset_size), "little")


def python_codec(pg_encoding: str) -> str | None:
    """The Python codec of a PostgreSQL encoding name (``UTF8`` → ``utf-8``), or ``None`` when
    the bytes have no declared encoding (``SQL_ASCII``) or the name is unknown."""
    name = pg_encoding.strip().upper().replace("-", "_")
    known = _PG_CODECS.get(name)
    if known is not None:
        return known
    for candidate in (name, name.replace("_", "")):
        try:
            return codecs.lookup(candidate).name
        except LookupError:
            continue
    return None


_PG_CODECS: Final = {
    "UTF8": "utf-8", "UNICODE": "utf-8", "SQL_ASCII": None, "LATIN1": "latin-1",
    "LATIN2": "iso8859-2", "LATIN3": "iso8859-3", "LATIN4": "iso8859-4", "LATIN5": "iso8859-9",
    "LATIN6": "iso8859-10", "LATIN7": "iso8859-13", "LATIN8": "iso8859-14",
    "LATIN9": "iso8859-15", "LATIN10": "iso8859-16", "WIN1250": "cp1250", "WIN1251": "cp1251",
    "WIN1252": "cp1252", "WIN1253": "cp1253", "WIN1254": "cp1254", "WIN1255": "cp1255",
    "WIN1256": "cp1256", "WIN1257": "cp1257", "WIN1258": "cp1258", "WIN866": "cp866",
    "WIN874": "cp874", "KOI8R": "koi8-r", "KOI8U": "koi8-u", "EUC_CN": "gb2312",
    "EUC_JP": "euc-jp", "EUC_JIS_2004": "euc-jis-2004", "EUC_KR": "euc-kr", "EUC_TW": None,
    "ISO_8859_5": "iso8859-5", "ISO_8859_6": "iso8859-6", "ISO_8859_7": "iso8859-7",
    "ISO_8859_8": "iso8859-8", "MULE_INTERNAL": None,
}  # fmt: skip


class Archive:
    """A custom-format archive, opened: its header and table of contents are read at once,
    its data blocks as :meth:`blocks` is iterated.

    :param stream: the archive's bytes from the start; read once, front to back.
    :raises UnreadableArchive: a version, compression or format this module does not read.
    :raises ExtractionError: not an archive, or one cut short or damaged in its header or
        table of contents.
    """

    def __init__(self, stream: BinaryIO) -> None:
        self._reader = _Reader(stream)
        self.header = self._read_header()
        #: The Python codec of the dump's text (``None``: undeclared, ``SQL_ASCII``), from
        #: its ``ENCODING`` entry.
        self.codec: str | None = None
        self.entries: tuple[TocEntry, ...] = tuple(self._read_toc())
        self._started = False

    def _read_header(self) -> Header:
        reader = self._reader
        if reader.exact(len(_MAGIC)) != _MAGIC:
            raise ExtractionError("not a pg_dump archive")
        major, minor = reader.byte(), reader.byte()
        revision = reader.byte() if (major, minor) > (1, 0) else 0
        if not _OLDEST <= (major, minor) <= _NEWEST:
            raise UnreadableArchive(f"pg_dump archive version {major}.{minor}")
        reader.int_size = reader.byte()
        reader.offset_size = reader.byte()
        if not (1 <= reader.int_size <= 16 and 1 <= reader.offset_size <= 16):
            raise ExtractionError("corrupt custom-format dump (integer sizes)")
        kind = reader.byte()
        if kind != 1:
            name = _FORMATS.get(kind)
            if name is None:
                raise ExtractionError("corrupt custom-format dump (archive format)")
            raise UnreadableArchive(
                f"table of contents of a pg_dump {name}-format dump", toc_only=True
            )
        if (major, minor) >= (1, 15):
            algorithm = _ALGORITHMS.get(reader.byte(), "an unknown method")
        else:
            algorithm = "gzip" if reader.integer() != 0 else "none"
        if algorithm not in ("none", "gzip"):
            raise UnreadableArchive(f"pg_dump custom-format dump compressed with {algorithm}")
        reader.place = "its header"
        for _ in range(7):  # the date: seconds, minutes, hours, day, month, year, DST
            reader.integer()
        reader.string("utf-8")  # the database's name
        reader.string("utf-8")  # the server's version
        reader.string("utf-8")  # pg_dump's version
        return Header(
            version=(major, minor, revision),
            int_size=reader.int_size,
            offset_size=reader.offset_size,
            compression=algorithm,
        )

    def _read_toc(self) -> Iterator[TocEntry]:
        reader, version = self._reader, self.header.version[:2]
        reader.place = "its table of contents"
        count = reader.integer()
        if count < 0:
            raise ExtractionError("corrupt custom-format dump (entry count)")
        codec = "utf-8"
        for _ in range(count):
            dump_id = reader.integer()
            if dump_id <= 0:
                raise ExtractionError("corrupt custom-format dump (an entry's id)")
            had_dumper = reader.integer() != 0
            reader.string(codec)  # catalog table oid
            reader.string(codec)  # object oid
            tag = reader.string(codec) or ""
            desc = reader.string(codec) or ""
            if version >= (1, 11):
                reader.integer()  # section
            defn = reader.string(codec) or ""
            reader.string(codec)  # DROP statement
            copy_stmt = reader.string(codec)
            namespace = reader.string(codec) or ""
            reader.string(codec)  # tablespace
            if version >= (1, 14):
                reader.string(codec)  # table access method
            if version >= (1, 16):
                reader.integer()  # relation kind
            reader.string(codec)  # owner
            reader.string(codec)  # "false": WITH OIDS
            while reader.string(codec) is not None:  # dependencies, ended by a null string
                pass
            state, offset = reader.offset()
            if desc == "ENCODING":
                codec = self._declared_codec(defn)
            yield TocEntry(
                dump_id=dump_id,
                desc=desc,
                tag=tag,
                namespace=namespace,
                defn=defn,
                copy_stmt=copy_stmt or None,
                has_data=had_dumper and state != _NO_DATA,
                data_offset=offset if state == _OFFSET_SET else None,
            )

    def _declared_codec(self, defn: str) -> str:
        """Take the dump's encoding from ``SET client_encoding = 'UTF8';``."""
        quoted = defn.split("'")
        self.codec = python_codec(quoted[1]) if len(quoted) >= 3 else None
        return self.codec or "utf-8"

    def blocks(self) -> Iterator[DataBlock]:
        """The data blocks of table data, in the order they were written; once only.

        :raises ExtractionError: the archive ends inside a block or before every entry with
            data had its block (cut short), or a block is damaged.
        """
        if self._started:
            raise RuntimeError("an archive's data is read once")
        self._started = True
        reader = self._reader
        with_data = {entry.dump_id: entry for entry in self.entries if entry.has_data}
        seen: set[int] = set()
        while True:
            reader.place = "its data"
            if reader.at_end():
                break
            kind = reader.byte()
            dump_id = reader.integer()
            entry = with_data.get(dump_id)
            if kind not in (_BLOCK_DATA, _BLOCK_LARGE_OBJECTS) or entry is None:
                raise ExtractionError("corrupt custom-format dump (a data block's header)")
            if dump_id in seen:
                raise ExtractionError("corrupt custom-format dump (a data block repeated)")
            seen.add(dump_id)
            reader.place = "the data of a table"
            if kind == _BLOCK_LARGE_OBJECTS:
                self._pass_large_objects()
                continue
            pieces = self._pieces()
            yield DataBlock(entry, pieces)
            for _ in pieces:  # whatever the caller left unread
                pass
        missing = len(with_data) - len(seen)
        if missing:
            raise ExtractionError(
                f"custom-format dump ends before the data of {missing} "
                f"{'entry' if missing == 1 else 'entries'} (cut short?)"
            )

    def _chunks(self) -> Iterator[bytes]:
        """A block's stored bytes, chunk by chunk, each cut to at most ``_READ_BYTES``."""
        reader = self._reader
        while (length := reader.integer()) != 0:
            if length < 0:
                raise ExtractionError("corrupt custom-format dump (a chunk's length)")
            while length:
                part = reader.exact(min(length, _READ_BYTES))
                length -= len(part)
                yield part

    def _pieces(self) -> Iterator[bytes]:
        if self.header.compression == "gzip":
            return _inflated(self._chunks())
        return self._stored()

    def _stored(self) -> Iterator[bytes]:
        """Uncompressed chunks (pg_dump writes one per row) joined into pieces of about
        :data:`PIECE_BYTES`: fewer, larger pieces to decode and split. One loop, no
        generator per chunk: this is the per-row cost of an uncompressed archive."""
        reader = self._reader
        held: list[bytes] = []
        size = 0
        while (length := reader.integer()) != 0:
            if length < 0:
                raise ExtractionError("corrupt custom-format dump (a chunk's length)")
            while length:
                part = reader.exact(min(length, PIECE_BYTES))
                length -= len(part)
                held.append(part)
                size += len(part)
                if size >= PIECE_BYTES:
                    yield b"".join(held)
                    held, size = [], 0
        if held:
            yield b"".join(held)

    def _pass_large_objects(self) -> None:
        reader = self._reader
        while reader.integer() != 0:  # each large object: its oid, then chunks
            for _ in self._chunks():
                pass


def _inflated(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """The zlib stream of a block, inflated in pieces of at most :data:`PIECE_BYTES` (a chunk
    that inflates to gigabytes never is held whole)."""
    inflater = zlib.decompressobj()
    received = False
    try:
        for chunk in chunks:
            received = True
            pending = chunk
            while not inflater.eof:
                before = len(pending)
                piece = inflater.decompress(pending, PIECE_BYTES)
                pending = inflater.unconsumed_tail
                if piece:
                    yield piece
                elif pending and len(pending) == before:  # no progress: never spin
                    raise ExtractionError("corrupt custom-format dump (compressed data)")
                if not pending and len(piece) < PIECE_BYTES:
                    break  # this chunk is used up and nothing is held back
            if inflater.eof and (pending or inflater.unused_data):
                raise ExtractionError("corrupt custom-format dump (data after a block's end)")
    except zlib.error as error:
        raise ExtractionError("corrupt custom-format dump (compressed data)") from error
    if received and not inflater.eof:
        raise ExtractionError("corrupt custom-format dump (compressed data ends early)")
