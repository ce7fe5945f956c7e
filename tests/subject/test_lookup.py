"""Lookups over a real scan of ``fixtures/share``: each planted person's places, exactly."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from pathlib import Path

import pytest
from conftest import Scanned

from piiscan.api import scan
from piiscan.config import ScanConfig
from piiscan.errors import ConfigError, InventoryError
from piiscan.inventory import Inventory
from piiscan.inventory.audit import read_lookups
from piiscan.keys import load_or_create_key
from piiscan.model import Status
from piiscan.subject import SubjectIdentifiers, SubjectRequest, lookup_subject
from piiscan.subject.lookup import GAP_STATUSES, record_of, system_of
from piiscan.validators.email import validate_email
from piiscan.validators.iban import validate_iban
from piiscan.validators.organisationsnummer import validate_organisationsnummer
from piiscan.validators.personnummer import validate_personnummer, validate_samordningsnummer
from piiscan.validators.phone import validate_phone

TODAY = date(2026, 12, 7)
# Planted entity type -> (lookup option, the validator that normalises it).
KINDS = {
    "SE_PERSONNUMMER": ("personnummer", validate_personnummer),
    "SE_SAMORDNINGSNUMMER": ("samordningsnummer", validate_samordningsnummer),
    "SE_ORGANISATIONSNUMMER": ("organisationsnummer", validate_organisationsnummer),
    "EMAIL_ADDRESS": ("email", validate_email),
    "PHONE_NUMBER": ("phone", validate_phone),
    "IBAN_CODE": ("iban", validate_iban),
}


def planted_people(planted: list[dict[str, object]]) -> dict[tuple[str, str], dict[str, object]]:
    """Each findable planted identifier, by (kind, normalised value): a raw value that writes
    it, and every file it was planted in."""
    people: dict[tuple[str, str], dict[str, object]] = defaultdict(lambda: {"paths": set()})
    for row in planted:
        entity = str(row["entity_type"])
        if entity not in KINDS or not row["findable"]:
            continue
        kind, validate = KINDS[entity]
        verdict = validate(str(row["value"]))
        assert verdict is not None, row["masked"]
        person = people[(kind, verdict.normalized)]
        person["value"] = row["value"]
        person["paths"].add(row["path"])  # type: ignore[attr-defined]
    return dict(people)


def test_each_planted_identifier_finds_exactly_its_files(
    share_scan: Scanned, planted: list[dict[str, object]]
) -> None:
    inventory = share_scan.open()
    people = planted_people(planted)
    assert len(people) >= 40
    wrong = []
    for (kind, _), person in sorted(people.items(), key=lambda item: str(item[0])):
        identifiers = SubjectIdentifiers(**{kind: [str(person["value"])]})  # type: ignore[arg-type]
        report = lookup_subject(inventory, identifiers, share_scan.keyer, today=TODAY)
        found = {place.path for place in report.confirmed}
        if found != person["paths"]:
            wrong.append((kind, person["paths"], found))
    assert wrong == []


def test_an_old_person_written_without_plus_is_a_possible_place(share_scan: Scanned) -> None:
    """The share writes 121212-1212 (read as born 2012); a lookup of 19121212-1212 must not
    come back empty-handed."""
    report = lookup_subject(
        share_scan.open(), SubjectIdentifiers(personnummer=["19121212-1212"]), share_scan.keyer,
        today=TODAY,
    )  # fmt: skip
    assert report.confirmed == ()
    assert report.possible
    assert all(place.reasons == ("other_century",) for place in report.possible)


def test_a_name_alone_makes_places_possible(share_scan: Scanned) -> None:
    inventory = share_scan.open()
    by_name = lookup_subject(
        inventory, SubjectIdentifiers(name=["Tolvan Tolvansson"]), share_scan.keyer
    )
    assert by_name.places
    assert by_name.confirmed == ()
    assert {place.reasons for place in by_name.possible} == {("only_name",)}
    both = lookup_subject(
        inventory,
        SubjectIdentifiers(name=["Tolvan Tolvansson"], personnummer=["20121212-1212"]),
        share_scan.keyer,
    )
    confirmed = {place.path for place in both.confirmed}
    # Where the name stands beside the number, the place is confirmed, with both categories.
    assert any({"identity_number", "name"} <= set(p.categories) for p in both.confirmed)
    assert {p.path for p in both.possible}.isdisjoint(confirmed)


def test_other_peoples_findings_are_counted_never_shown(share_scan: Scanned) -> None:
    report = lookup_subject(
        share_scan.open(), SubjectIdentifiers(personnummer=["20121212-1212"]), share_scan.keyer
    )
    place = next(p for p in report.confirmed if p.path == "Ekonomi/export.parquet")
    assert place.others > 0
    assert place.findings >= 1
    shown = {key.masked for key in report.identifiers}
    assert shown == {"20121212-****", "121212+****"}
    # The report holds no finding of anyone else: no masked preview besides the subject's.
    text = repr(report.to_dict())
    assert "19850601" not in text
    assert "***@" not in text  # no masked e-mail (a Message-ID in a gap's member holds an @)


def test_gaps_list_what_could_not_be_searched(share_scan: Scanned) -> None:
    report = lookup_subject(
        share_scan.open(), SubjectIdentifiers(email=["nobody@exempel.se"]), share_scan.keyer
    )
    assert report.places == ()
    assert {(g.path, g.status) for g in report.gaps} >= {
        ("Trasigt/hemlig.7z", "encrypted"),
        ("Trasigt/trasig.pdf", "error"),
        ("Trasigt/skannad.pdf", "no_text"),
        ("Trasigt/slumpdata.bin", "unsupported"),
    }
    assert [s.root for s in report.scans] == [str(share_scan.root)]


def test_first_and_last_seen_span_rescans(share_scan: Scanned, tmp_path: Path) -> None:
    """Places carry the first and latest scan that saw them; only the latest scan is searched."""
    inventory = tmp_path / "inventory"
    root = tmp_path / "root"
    root.mkdir()
    (root / "gammal.txt").write_text("Personnummer 19121212-1212\n", encoding="utf-8")
    config = ScanConfig(roots=(str(root),), inventory=inventory, workers=1,
                        key_file=share_scan.key_file)  # fmt: skip
    scan(config)
    (root / "ny.txt").write_text("Personnummer 19121212-1212\n", encoding="utf-8")
    scan(config)
    report = lookup_subject(
        Inventory(inventory), SubjectIdentifiers(personnummer=["19121212-1212"]),
        share_scan.keyer,
    )  # fmt: skip
    by_path = {p.path: p for p in report.confirmed}
    assert by_path["ny.txt"].first_seen == by_path["ny.txt"].last_seen
    assert by_path["gammal.txt"].first_seen < by_path["gammal.txt"].last_seen
    assert by_path["gammal.txt"].last_seen == by_path["ny.txt"].first_seen
    assert len({s.scan_id for s in report.scans}) == 1


def test_every_lookup_is_audited_with_value_keys_only(share_scan: Scanned, tmp_path: Path) -> None:
    inventory = share_scan.open()
    before = read_lookups(share_scan.inventory).num_rows
    request = SubjectRequest(
        identifiers=SubjectIdentifiers(personnummer=["20121212-1212"]), case="DSR-1"
    )
    report = lookup_subject(inventory, request, share_scan.keyer, operator="dso")
    table = read_lookups(share_scan.inventory)
    assert table.num_rows == before + 1
    row = table.to_pylist()[-1]
    assert (row["operator"], row["case"], row["purpose"]) == ("dso", "DSR-1", "access")
    assert row["confirmed"] == len(report.confirmed)
    assert len(row["value_keys"]) == 2
    assert all(len(key) == 64 for key in row["value_keys"])
    for path in (share_scan.inventory / "lookups").iterdir():
        data = path.read_bytes()
        assert b"20121212" not in data
        assert b"121212" not in data


def test_the_audit_survives_rescans(share_scan: Scanned, tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    (root / "a.txt").write_text("Personnummer 19121212-1212\n", encoding="utf-8")
    inventory = tmp_path / "inventory"
    config = ScanConfig(roots=(str(root),), inventory=inventory, workers=1,
                        key_file=share_scan.key_file)  # fmt: skip
    scan(config)
    lookup_subject(Inventory(inventory), SubjectIdentifiers(personnummer=["19121212-1212"]),
                   share_scan.keyer, operator="dso")  # fmt: skip
    scan(config)
    scan(config)
    rows = read_lookups(inventory).to_pylist()
    assert [(r["operator"], r["confirmed"]) for r in rows] == [("dso", 1)]
    assert len(Inventory(inventory).scans()) == 3


def test_wrong_key_is_an_error_not_an_empty_answer(share_scan: Scanned, tmp_path: Path) -> None:
    other = load_or_create_key(tmp_path / "other")
    with pytest.raises(InventoryError, match="another key"):
        lookup_subject(share_scan.open(), SubjectIdentifiers(personnummer=["850601-2387"]), other)


def test_an_empty_request_names_the_options(share_scan: Scanned) -> None:
    with pytest.raises(ConfigError, match=r"--personnummer.*--from-file"):
        lookup_subject(share_scan.open(), SubjectIdentifiers(), share_scan.keyer)


@pytest.mark.parametrize(
    ("locator", "record"),
    [
        ("", ""),
        ("page=2", ""),
        ("row=4/column=Personnummer", ""),
        ("member=2019/arende.docx/part=document/p=1", ""),
        ("message=<a/b=c@exempel.se>/part=1.2", "message=<a/b=c@exempel.se>"),
        ("message=<x@y>/attachment=kund.docx/part=document/p=3",
         "message=<x@y>/attachment=kund.docx"),
        ("table=public.kunder/column=pnr/row=id:4711", "table=public.kunder/row=id:4711"),
        ("table=public.kunder/column=pnr", "table=public.kunder"),
    ],
)  # fmt: skip
def test_record_of_a_locator(locator: str, record: str) -> None:
    assert record_of(locator) == record


@pytest.mark.parametrize(
    ("member", "locator", "record"),
    [
        ("2019/arende.docx", "part=document/p=1", ""),
        ("message=<a%2Fb@x>", "header=From", "message=<a%2Fb@x>"),
        ("message=#3!/part=2/attachment=kund.docx", "part=document/p=3",
         "message=#3/attachment=kund.docx"),
        ("Post.zip!/kund.mbox!/message=<x@y>", "part=1", "message=<x@y>"),
        ("", "message=<x@y>/part=2/attachment=a.pdf/page=1", "message=<x@y>/attachment=a.pdf"),
    ],
)  # fmt: skip
def test_record_of_a_member(member: str, locator: str, record: str) -> None:
    """A mailbox's messages and a message's attachments are members, not locator steps."""
    assert record_of(locator, member) == record


@pytest.mark.parametrize(
    ("path", "record", "system"),
    [
        ("HR/a.docx", "", "file_share"),
        ("Post/kundtjanst.mbox", "", "mailbox"),
        ("x", "message=<a@b>", "mailbox"),
        ("dumps/crm.sql", "", "database"),
        ("dumps/crm.sql", "table=public.kunder/row=id:1", "database"),
    ],
)
def test_system_of_a_place(path: str, record: str, system: str) -> None:
    assert system_of(path, record) == system


def test_every_status_that_counts_as_an_error_is_a_gap() -> None:
    """An object that was not wholly read (error, timed_out, partial) may hold the person."""
    assert {str(status) for status in Status if status.is_error} <= GAP_STATUSES


def test_a_mail_message_is_a_place_dated_by_its_date(share_scan: Scanned) -> None:
    from datetime import UTC, datetime

    from piiscan.subject.worklist import erase_action

    report = lookup_subject(
        share_scan.open(), SubjectIdentifiers(personnummer=["19730729-9284"]), share_scan.keyer,
        today=TODAY,
    )  # fmt: skip
    message = next(p for p in report.confirmed if p.path == "Post/kundtjanst.mbox")
    assert message.system == "mailbox"
    assert message.member == message.record == "message=<20240301.0001@exempel.se>"
    assert message.modified == datetime(2024, 3, 1, 9, 0, tzinfo=UTC)  # its Date header
    assert erase_action(message) == "delete_message"

    report = lookup_subject(
        share_scan.open(), SubjectIdentifiers(phone=["08-465 004 12"]), share_scan.keyer,
        today=TODAY,
    )  # fmt: skip
    attachment = next(p for p in report.confirmed if p.path == "Post/kundtjanst.mbox")
    assert attachment.record == "message=<20240301.0001@exempel.se>/attachment=kund.docx"
    assert erase_action(attachment) == "remove_attachment"
