"""An erasure worklist: one action per place, ordered by system, with retention honoured.

Each place a lookup found becomes the action a person or a script takes there:

============================  =============================================================
``delete_or_redact_file``      a file on a share: delete it, or redact the person in it
``delete_or_redact_member``    a member of an archive: rewrite the container without it
``delete_message``             a message in a mailbox
``remove_attachment``          an attachment of a message (the message itself may stay)
``delete_rows``                rows of a table, in the **live system** whose dump was
                               scanned (the dump is only evidence; delete the dump's copy too,
                               or let it expire with the dump's own retention)
``keep``                       a retention duty (``[[keep]]`` in the request) applies: kept
                               until a date, for a stated reason; nothing is deleted
============================  =============================================================

Possible places (a name or an address only) get the same action marked ``review first``.
The worklist ends with what to rescan to confirm the erasure (``piiscan subject
--verify-erasure``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Final, Literal, get_args

from piiscan.subject.report import Certainty, Place, SubjectReport, System
from piiscan.subject.request import RetentionRule

__all__ = ["ACTIONS", "Action", "ActionKind", "Worklist", "build_worklist"]

ActionKind = Literal[
    "delete_or_redact_file",
    "delete_or_redact_member",
    "delete_message",
    "remove_attachment",
    "delete_rows",
    "keep",
]
#: Every action, in the order the module docstring explains them.
ACTIONS: Final[tuple[ActionKind, ...]] = get_args(ActionKind)


@dataclass(frozen=True, slots=True, kw_only=True)
class Action:
    """One line of the worklist.

    :param action: what to do (see the module docstring).
    :param erase: the action erasure would take where a ``keep`` rule holds it back.
    :param keep_until: for ``keep``: the date the duty ends (``None``: unknown, e.g. no
        modification time); ``keep_reason``: the rule's reason.
    """

    action: ActionKind
    erase: ActionKind
    certainty: Certainty
    system: System
    root: str
    path: str
    member: str
    record: str
    categories: tuple[str, ...]
    keep_until: date | None = None
    keep_reason: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Worklist:
    """The actions of an erasure, and the roots to rescan to confirm it."""

    report: SubjectReport
    actions: tuple[Action, ...]
    rescan: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        """The JSON form: the report's header fields, ``actions`` and ``rescan``."""
        header = self.report.to_dict()
        return {
            **{k: header[k] for k in ("schema", "schema_version", "created", "purpose", "case",
                                      "reference", "received", "due", "overdue", "identifiers",
                                      "scans")},
            "actions": [
                {
                    "action": a.action,
                    "erase": a.erase,
                    "certainty": a.certainty,
                    "system": a.system,
                    "root": a.root,
                    "path": a.path,
                    "member": a.member,
                    "record": a.record,
                    "categories": list(a.categories),
                    "keep_until": a.keep_until.isoformat() if a.keep_until else None,
                    "keep_reason": a.keep_reason,
                }
                for a in self.actions
            ],
            "rescan": list(self.rescan),
        }  # fmt: skip


def erase_action(place: Place) -> ActionKind:
    """What erasing ``place`` takes, by the kind of place it is."""
    if place.record.startswith("message="):
        return "remove_attachment" if "/attachment=" in place.record else "delete_message"
    if place.record.startswith("table="):
        return "delete_rows"
    return "delete_or_redact_member" if place.member else "delete_or_redact_file"


def build_worklist(report: SubjectReport, keep: tuple[RetentionRule, ...] = ()) -> Worklist:
    """The erasure worklist of ``report``, with the retention rules ``keep`` applied.

    :param report: a lookup's answer.
    :param keep: retention duties; the first rule that covers a place holds it back.
    """
    actions = []
    for place in report.places:
        erase = erase_action(place)
        rule = next(
            (r for r in keep if r.matches(root=place.root, path=place.path, table=place.table)),
            None,
        )
        actions.append(
            Action(
                action="keep" if rule else erase,
                erase=erase,
                certainty=place.certainty,
                system=place.system,
                root=place.root,
                path=place.path,
                member=place.member,
                record=place.record,
                categories=place.categories,
                keep_until=rule.keep_until(place.modified) if rule else None,
                keep_reason=rule.reason if rule else "",
            )
        )
    actions.sort(key=lambda a: (a.system, a.root, a.certainty != "confirmed", a.path, a.member,
                                a.record))  # fmt: skip
    rescan = tuple(sorted({a.root for a in actions if a.action != "keep"}))
    return Worklist(report=report, actions=tuple(actions), rescan=rescan)
