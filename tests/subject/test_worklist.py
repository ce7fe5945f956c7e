"""The erasure worklist: the right action for each kind of place, retention honoured."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from piiscan.subject import Place, RetentionRule, SubjectReport
from piiscan.subject.worklist import build_worklist

SEEN = datetime(2026, 12, 1, tzinfo=UTC)
CHANGED = datetime(2020, 3, 15, tzinfo=UTC)


def place(path: str, member: str = "", record: str = "", *, possible: bool = False) -> Place:
    return Place(
        system="file_share" if not record else "mailbox" if "message" in record else "database",
        root="/srv/share",
        path=path,
        member=member,
        record=record,
        certainty="possible" if possible else "confirmed",
        matched=("name",) if possible else ("personnummer",),
        reasons=("only_name",) if possible else (),
        categories=("identity_number",),
        locators=(),
        findings=1,
        others=0,
        first_seen=SEEN,
        last_seen=SEEN,
        modified=CHANGED,
    )


def report(*places: Place) -> SubjectReport:
    return SubjectReport(
        created=SEEN, purpose="erasure", case="DSR-1", reference="", received=None, due=None,
        identifiers=(), scans=(), places=places, gaps=(),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("where", "action"),
    [
        (place("HR/a.docx"), "delete_or_redact_file"),
        (place("Arkiv/2019.zip", member="2019/arende.docx"), "delete_or_redact_member"),
        (place("Post/kund.mbox", record="message=<a/b@x>"), "delete_message"),
        (place("Post/kund.mbox", record="message=<a@x>/attachment=cv.docx"),
         "remove_attachment"),
        (place("dumps/crm.sql", record="table=public.kunder/row=id:4711"), "delete_rows"),
    ],
    ids=["file", "member", "message", "attachment", "rows"],
)  # fmt: skip
def test_each_kind_of_place_gets_its_action(where: Place, action: str) -> None:
    (only,) = build_worklist(report(where)).actions
    assert (only.action, only.erase) == (action, action)
    assert build_worklist(report(where)).rescan == ("/srv/share",)


def test_retention_turns_an_erasure_into_keep_until() -> None:
    rules = (
        RetentionRule(reason="Bokföringslagen 7 kap. 2 §", path="Ekonomi/", years=7),
        RetentionRule(reason="Avtal", table="public.avtal", until=date(2030, 6, 30)),
    )
    worklist = build_worklist(
        report(
            place("Ekonomi/2020/faktura.pdf"),
            place("dumps/crm.sql", record="table=public.avtal/row=id:9"),
            place("HR/a.docx"),
        ),
        rules,
    )
    by_path = {(a.path, a.record): a for a in worklist.actions}
    kept = by_path[("Ekonomi/2020/faktura.pdf", "")]
    assert (kept.action, kept.erase) == ("keep", "delete_or_redact_file")
    assert (kept.keep_until, kept.keep_reason) == (date(2027, 3, 15), "Bokföringslagen 7 kap. 2 §")
    row = by_path[("dumps/crm.sql", "table=public.avtal/row=id:9")]
    assert (row.action, row.keep_until) == ("keep", date(2030, 6, 30))
    assert by_path[("HR/a.docx", "")].action == "delete_or_redact_file"
    assert worklist.rescan == ("/srv/share",)


def test_possible_places_come_after_confirmed_ones_and_stay_marked() -> None:
    worklist = report(place("b.txt", possible=True), place("a.txt")).worklist()
    assert [(a.path, a.certainty) for a in worklist.actions] == [
        ("a.txt", "confirmed"),
        ("b.txt", "possible"),
    ]


def test_json_form_is_versioned() -> None:
    data = report(place("a.txt")).worklist().to_dict()
    assert (data["schema"], data["schema_version"]) == ("piiscan.subject-report", 1)
    assert data["actions"][0]["action"] == "delete_or_redact_file"  # type: ignore[index]
