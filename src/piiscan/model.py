"""The values that flow through a scan: segments in, findings out, one result per object.

All are frozen dataclasses. A :class:`Finding` carries the normalised value only for the keyed
hashing step: it is excluded from ``repr``, equality and hashing, and :class:`FindingRecord`
(what is stored and sent between processes) holds the HMAC value key instead.
"""

from __future__ import annotations

import enum
import operator
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from piiscan.keys import Keyer, ValueKeys


class Status(enum.StrEnum):
    """What happened to one object of a scan (the ``status`` column of ``objects``)."""

    OK = "ok"
    SKIPPED = "skipped"
    ERROR = "error"
    ENCRYPTED = "encrypted"
    TOO_LARGE = "too_large"
    TIMED_OUT = "timed_out"
    NO_TEXT = "no_text"
    UNSUPPORTED = "unsupported"
    PARTIAL = "partial"

    @property
    def is_error(self) -> bool:
        """Whether the object counts as an error: it failed, was stopped part-way, or had
        parts that could not be read."""
        return self in (Status.ERROR, Status.TIMED_OUT, Status.PARTIAL)


@dataclass(frozen=True, slots=True, kw_only=True)
class Segment:
    """A piece of decoded text from one object, with where it came from.

    :param text: the decoded text.
    :param locator: where in the object the text is, rendered by
        :class:`piiscan.locator.Locator`, e.g. ``page=2``, ``sheet=Kunder/cell=B3``,
        ``row=4/column=Personnummer``; empty for a whole plain-text file.
    :param context: words from outside the text that count like words next to a match
        (a column name, a mail header name, a JSON key).
    :param names: names taken from the content that appear in ``locator`` (a sheet, column
        or table name, an XML element name, a JSON key); the scan driver masks each one that
        holds a finding (:mod:`piiscan.scan.names`).
    """

    text: str
    locator: str = ""
    context: tuple[str, ...] = ()
    names: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class TableRows(Segment):
    """A note a tabular extractor yields after a table's rows: how many it read. No text.

    It is a :class:`Segment` with empty text, so code that reads only segments passes over it;
    the scan hands it to :class:`piiscan.scan.columns.ColumnCounter`, never to the engine.

    :param table: the table as named in its segments' locators (``public.kunder``; ``""`` for
        the one table of a Parquet file).
    :param rows_read: rows read, NULL-only rows included.
    :param rows_total: rows the table holds, when known (a sample read through, a row count).
    :param sample_rows: the ``--sample-rows`` asked for, when only a sample was read;
        ``None`` when every row was read.
    """

    table: str
    rows_read: int
    rows_total: int | None = None
    sample_rows: int | None = None

    @classmethod
    def of(
        cls,
        table: str,
        rows_read: int,
        *,
        rows_total: int | None = None,
        sample_rows: int | None = None,
    ) -> TableRows:
        """The note of ``table``, located ``table=<name>``."""
        from piiscan.locator import join

        locator = join([("table", table)]) if table else ""
        return cls(
            text="",
            locator=locator,
            table=table,
            rows_read=rows_read,
            rows_total=rows_total,
            sample_rows=sample_rows,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class ColumnProfile:
    """How many rows of one column of one table hold one entity type (``columns`` table).

    :param table: ``schema.table`` of a dump, a sheet's name, ``""`` for a CSV or Parquet file.
    :param column: the column's name (a header, else its number or letter).
    :param entity_type: e.g. ``SE_PERSONNUMMER``.
    :param rows_scanned: rows of the table read.
    :param rows_matched: rows whose value in this column held this entity type.
    :param rows_total: rows the table holds, when known.
    :param sample_rows: the ``--sample-rows`` asked for, when only a sample was read.
    """

    table: str
    column: str
    entity_type: str
    rows_scanned: int
    rows_matched: int
    rows_total: int | None = None
    sample_rows: int | None = None

    @property
    def sampled(self) -> bool:
        """Whether only a sample of the table was read."""
        return self.sample_rows is not None

    @property
    def share_matched(self) -> float:
        """``rows_matched / rows_scanned`` (0 for no rows)."""
        return self.rows_matched / self.rows_scanned if self.rows_scanned else 0.0


@dataclass(frozen=True, slots=True, kw_only=True)
class Finding:
    """One piece of personal data found in a text.

    ``start`` and ``end`` are character offsets into the text that was analysed. The raw value
    is never stored; ``normalized`` is the canonical form (``YYYYMMDDNNNC`` for a
    personnummer, E.164 for a phone number) that only :class:`piiscan.keys.Keyer` reads.
    """

    entity_type: str
    start: int
    end: int
    score: float
    masked: str
    recognizer: str
    flags: tuple[str, ...] = ()
    locator: str = ""
    context: str = ""
    normalized: str = field(default="", repr=False, compare=False, hash=False)

    @property
    def is_test_identity(self) -> bool:
        """True when the value is a published test number (Skatteverket, PTS, bank test)."""
        return "test_identity" in self.flags


@dataclass(frozen=True, slots=True, kw_only=True)
class FindingRecord:
    """A finding as stored in the inventory: value key instead of the normalised value."""

    entity_type: str
    locator: str
    start: int
    end: int
    score: float
    masked: str
    value_key: str
    recognizer: str
    context: str = ""
    flags: tuple[str, ...] = ()

    @classmethod
    def from_finding(
        cls, finding: Finding, *, locator: str, keyer: Keyer | ValueKeys
    ) -> FindingRecord:
        """The record of ``finding``: its normalised value replaced by its value key.

        :param finding: a finding from the engine (holds the normalised value).
        :param locator: where the finding is in its object (the segment's locator).
        :param keyer: the scan's key (or an object's :class:`~piiscan.keys.ValueKeys`).
        :raises ValueError: if the finding has no normalised value to key.
        """
        return cls(
            entity_type=finding.entity_type,
            locator=locator,
            start=finding.start,
            end=finding.end,
            score=finding.score,
            masked=finding.masked,
            value_key=keyer.value_key(finding.normalized),
            recognizer=finding.recognizer,
            context=finding.context,
            flags=finding.flags,
        )

    # Records cross from worker processes to the scanner by the thousand (a dump holds tens of
    # thousands of findings a MB): pickled as a plain tuple of their fields, in one C call,
    # and restored without dataclasses' per-record look-up of the fields.
    def __getstate__(self) -> tuple[object, ...]:
        return _RECORD_STATE(self)

    def __setstate__(self, state: tuple[object, ...]) -> None:
        for name, value in zip(_RECORD_FIELDS, state, strict=True):
            object.__setattr__(self, name, value)


_RECORD_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(FindingRecord))
_RECORD_STATE = operator.attrgetter(*_RECORD_FIELDS)


RECORD_STEPS: tuple[str, ...] = ("message=", "part=")
"""Member names that are locator steps (a mail message, an attachment), not archive paths
(:func:`piiscan.scan.names.name_segments` reads an attachment's file name from them)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ObjectRef:
    """Identity of one object in a scan: a file under a root, or a member inside containers.

    :param root: the root as the user named it (a path or an ``smb://`` URL).
    :param path: the file's path relative to ``root`` with ``/`` separators.
    :param members: the chain of member names inside containers, outermost first; empty for
        the file itself. ``("2019.zip", "arende.docx")`` is ``arende.docx`` inside ``2019.zip``
        inside the file at ``path``.
    """

    root: str
    path: str
    members: tuple[str, ...] = ()

    @property
    def member(self) -> str:
        """The member chain as one string, ``!/``-joined as in jar URLs; empty for a file."""
        return "!/".join(self.members)

    def child(self, name: str) -> ObjectRef:
        """The reference of a member ``name`` inside this object."""
        return ObjectRef(root=self.root, path=self.path, members=(*self.members, name))


@dataclass(frozen=True, slots=True, kw_only=True)
class ObjectResult:
    """The outcome of scanning one object: one row of ``objects`` plus its findings."""

    ref: ObjectRef
    status: Status
    reason: str = ""
    size: int | None = None
    mtime: float | None = None
    media_type: str = ""
    content_hash: str = ""
    duration: float = field(default=0.0, compare=False)
    findings: tuple[FindingRecord, ...] = ()
    #: Findings of the organisation's own values (:mod:`piiscan.known`), counted, not kept.
    known_values: int = 0
    columns: tuple[ColumnProfile, ...] = ()
    #: Findings of this object already sent ahead in :class:`FindingChunk` values (a big
    #: object's findings travel in chunks of bounded size; this result carries the last ones).
    streamed: int = 0

    @property
    def finding_count(self) -> int:
        """All findings of the object: those streamed ahead and those carried here."""
        return self.streamed + len(self.findings)


@dataclass(frozen=True, slots=True, kw_only=True)
class FindingChunk:
    """Findings of an object still being read, sent ahead of its :class:`ObjectResult`.

    A task sends its object's findings in chunks of bounded size as it goes, and the object's
    result (its row, with the count of findings streamed ahead) last, so neither the worker
    nor the process that writes the inventory ever holds a big file's findings at once.
    """

    ref: ObjectRef
    findings: tuple[FindingRecord, ...]
