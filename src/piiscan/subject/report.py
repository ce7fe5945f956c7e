"""What a subject lookup found: places, what could not be searched, and the case around it.

A :class:`SubjectReport` is a frozen value the CLI only renders. It holds no raw identifier:
the identifiers searched appear masked, places by path and locator, data by category.
:meth:`SubjectReport.to_dict` is the documented JSON form (``schema`` / ``schema_version``), so
a case-management tool can take it in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Final, Literal

from piiscan.subject.identifiers import IdentifierKind, SearchKey
from piiscan.subject.request import Purpose, RetentionRule

if TYPE_CHECKING:
    from piiscan.subject.worklist import Worklist

__all__ = [
    "CATEGORY_OF_ENTITY",
    "REPORT_SCHEMA",
    "REPORT_SCHEMA_VERSION",
    "Certainty",
    "Gap",
    "Place",
    "SearchedScan",
    "SubjectReport",
    "System",
]

REPORT_SCHEMA: Final = "piiscan.subject-report"
#: Bump on any change of :meth:`SubjectReport.to_dict`'s keys or meanings.
REPORT_SCHEMA_VERSION: Final = 1

Certainty = Literal["confirmed", "possible"]
System = Literal["file_share", "mailbox", "database"]

#: The category of personal data each entity type belongs to, as an extract names it.
CATEGORY_OF_ENTITY: Final[Mapping[str, str]] = {
    "SE_PERSONNUMMER": "identity_number",
    "SE_SAMORDNINGSNUMMER": "identity_number",
    "SE_ORGANISATIONSNUMMER": "identity_number",
    "PERSON": "name",
    "EMAIL_ADDRESS": "contact_details",
    "PHONE_NUMBER": "contact_details",
    "SE_ADDRESS": "address",
    "IBAN_CODE": "bank_data",
    "CREDIT_CARD": "bank_data",
    "SE_BANKGIRO": "bank_data",
    "SE_PLUSGIRO": "bank_data",
    "SE_BANK_ACCOUNT": "bank_data",
    "IP_ADDRESS": "technical_data",
    "DATE_OF_BIRTH": "identity_number",
    "SE_PASSPORT_NUMBER": "identity_number",
    "SE_ID_CARD_NUMBER": "identity_number",
}


def category_of(entity_type: str) -> str:
    """The category of ``entity_type``; ``other`` for an organisation's own entity types."""
    return CATEGORY_OF_ENTITY.get(entity_type, "other")


@dataclass(frozen=True, slots=True, kw_only=True)
class SearchedScan:
    """The scan of one root that a lookup searched (the latest of that root)."""

    root: str
    scan_id: str
    started: datetime
    finished: datetime
    status: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Place:
    """One place that holds the data subject's data: an object, or a record inside one.

    :param system: where it lives: a file share, a mailbox, a database (from a dump).
    :param root: the scan root; ``path``: relative to it; ``member``: inside a container.
    :param record: the message or table row inside the object (``message=<id>``,
        ``table=public.kunder/row=id:4711``); empty when the place is the whole object.
    :param certainty: ``confirmed`` when a strong identifier matched, else ``possible``.
    :param matched: the kinds of identifier that matched here.
    :param reasons: why a possible place is only possible, as codes: ``only_name``,
        ``only_address``, or a reading's reason (``other_century``, ``street_line``).
    :param categories: categories of the subject's data found here.
    :param locators: where inside the place (at most :data:`MAX_LOCATORS`).
    :param findings: the subject's findings here. ``others``: other findings in the same place,
        counted and never shown (they may be other people's data).
    :param first_seen, last_seen: start of the first and the latest scan that found it.
    :param modified: the object's last modification time, when known.
    """

    system: System
    root: str
    path: str
    member: str
    record: str
    certainty: Certainty
    matched: tuple[IdentifierKind, ...]
    reasons: tuple[str, ...]
    categories: tuple[str, ...]
    locators: tuple[str, ...]
    findings: int
    others: int
    first_seen: datetime
    last_seen: datetime
    modified: datetime | None

    @property
    def folder(self) -> str:
        """The folder of :attr:`path` (``.`` for a file directly in the root)."""
        head, separator, _ = self.path.rpartition("/")
        return head if separator else "."

    @property
    def table(self) -> str:
        """The table of a row place (``public.kunder``), else empty."""
        for step in self.record.split("/"):
            if step.startswith("table="):
                return step.removeprefix("table=")
        return ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Gap:
    """An object in a searched root that could not be searched (and so may hold data)."""

    root: str
    path: str
    member: str
    status: str
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SubjectReport:
    """The answer of one lookup, for a register extract, an erasure worklist or a check.

    :param created: when the lookup ran.
    :param purpose: ``access``, ``erasure`` or ``verify``.
    :param case, reference, received, due: the request's case number, the requester's
        reference, when it arrived and when the answer is due (one month later).
    :param identifiers: what was searched, masked, with second readings marked.
    :param scans: the scans searched, one per root.
    :param places: confirmed places first, then possible ones; each by system, root, path.
    :param gaps: objects in the searched scans that could not be searched.
    """

    created: datetime
    purpose: Purpose
    case: str
    reference: str
    received: date | None
    due: date | None
    identifiers: tuple[SearchKey, ...]
    scans: tuple[SearchedScan, ...]
    places: tuple[Place, ...]
    gaps: tuple[Gap, ...]

    @property
    def confirmed(self) -> tuple[Place, ...]:
        """The places where a strong identifier matched."""
        return tuple(p for p in self.places if p.certainty == "confirmed")

    @property
    def possible(self) -> tuple[Place, ...]:
        """The places where only a name, an address or a second reading matched."""
        return tuple(p for p in self.places if p.certainty == "possible")

    @property
    def overdue(self) -> bool:
        """Whether the due date has passed on the day of the lookup."""
        return self.due is not None and self.created.date() > self.due

    def worklist(self, keep: tuple[RetentionRule, ...] = ()) -> Worklist:
        """The erasure worklist of this report (:func:`piiscan.subject.worklist.build_worklist`).

        :param keep: retention duties that hold places back from erasure.
        """
        from piiscan.subject.worklist import build_worklist

        return build_worklist(self, keep)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (schema ``piiscan.subject-report``, version 1), JSON-safe."""
        return {
            "schema": REPORT_SCHEMA,
            "schema_version": REPORT_SCHEMA_VERSION,
            "created": self.created.isoformat(),
            "purpose": self.purpose,
            "case": self.case,
            "reference": self.reference,
            "received": _iso(self.received),
            "due": _iso(self.due),
            "overdue": self.overdue,
            "identifiers": [
                {"kind": k.kind, "masked": k.masked, "certain": k.certain, "reason": k.reason}
                for k in self.identifiers
            ],
            "scans": [
                {
                    "root": s.root,
                    "scan_id": s.scan_id,
                    "started": s.started.isoformat(),
                    "finished": s.finished.isoformat(),
                    "status": s.status,
                }
                for s in self.scans
            ],
            "places": [_place_dict(p) for p in self.places],
            "gaps": [
                {
                    "root": g.root,
                    "path": g.path,
                    "member": g.member,
                    "status": g.status,
                    "reason": g.reason,
                }
                for g in self.gaps
            ],
        }


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _place_dict(place: Place) -> dict[str, Any]:
    return {
        "system": place.system,
        "root": place.root,
        "path": place.path,
        "member": place.member,
        "record": place.record,
        "certainty": place.certainty,
        "matched": list(place.matched),
        "reasons": list(place.reasons),
        "categories": list(place.categories),
        "locators": list(place.locators),
        "findings": place.findings,
        "other_findings": place.others,
        "first_seen": place.first_seen.isoformat(),
        "last_seen": place.last_seen.isoformat(),
        "modified": _iso(place.modified),
    }
