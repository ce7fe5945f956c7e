"""Register extracts and erasure worklists for people: Markdown and self-contained HTML.

Templates live beside this module (``templates/*.j2``) and are rendered with Jinja2, HTML with
autoescaping on. The text is Swedish by default (``lang="en"`` for English). The HTML is one
file with inline CSS and no external reference, laid out to print on A4.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, Literal

import jinja2

from piiscan.rendering import document_environment
from piiscan.subject.lookup import GAP_STATUSES
from piiscan.subject.report import SubjectReport
from piiscan.subject.worklist import Worklist

__all__ = ["LANGUAGES", "Language", "render_extract", "render_worklist"]

Language = Literal["sv", "en"]
LANGUAGES: Final[tuple[Language, ...]] = ("sv", "en")
#: Gaps listed per status in a document for people; the JSON output lists them all.
MAX_GAPS_SHOWN: Final = 50

_LABELS: Final[Mapping[Language, Mapping[str, str]]] = {
    "sv": {
        "extract_title": "Registerutdrag",
        "worklist_title": "Arbetslista för radering",
        "verify_title": "Kontroll efter radering",
        "draft": "Utkast från piiscan: granska innan det skickas eller används.",
        "case": "Ärende",
        "reference": "Er referens",
        "received": "Begäran mottagen",
        "due": "Ska besvaras senast",
        "overdue": "Tidsfristen har passerat",
        "created": "Sammanställt",
        "none_given": "(inget angivet)",
        "identifiers": "Sökta uppgifter",
        "second_reading": "möjlig annan läsning",
        "scans": "Genomsökta system",
        "root": "Källa",
        "scan": "Skanning",
        "started": "Startad",
        "finished": "Avslutad",
        "status": "Status",
        "found": "Platser där personens uppgifter finns",
        "confirmed": "Bekräftade platser",
        "possible": "Möjliga platser (bara namn eller adress: granska)",
        "nothing": "Inga uppgifter om personen hittades i de genomsökta systemen.",
        "place": "Plats",
        "where": "Var",
        "categories": "Uppgifter",
        "first_seen": "Först sedd",
        "last_seen": "Senast sedd",
        "others": "Andra uppgifter på platsen",
        "others_note": "Uppgifter om andra personer på samma plats räknas men visas aldrig.",
        "why_possible": "Varför möjlig",
        "gaps": "Kunde inte genomsökas",
        "gaps_none": "Allt i de genomsökta källorna kunde läsas.",
        "gaps_note": "Dessa objekt kunde inte läsas och kan innehålla uppgifter om personen.",
        "and_more": "och {n} till (se JSON-utdata)",
        "reason": "Orsak",
        "actions": "Åtgärder",
        "action": "Åtgärd",
        "review_first": "granska först",
        "rescan": "Kontroll efter radering",
        "rescan_note": (
            "Skanna om dessa källor när åtgärderna är gjorda och kör "
            "piiscan subject --verify-erasure med samma begäran:"
        ),
        "still_there": "Platser som fortfarande har personens uppgifter",
        "all_gone": "Inga uppgifter om personen finns kvar i de senaste skanningarna.",
        "places_count": "{confirmed} bekräftade och {possible} möjliga platser",
        "file_share": "Filresurs",
        "mailbox": "E-post",
        "database": "Databas",
        "identity_number": "identitetsnummer",
        "name": "namn",
        "contact_details": "kontaktuppgifter",
        "address": "adress",
        "bank_data": "bankuppgifter",
        "technical_data": "tekniska uppgifter",
        "other": "övrigt",
        "kind_personnummer": "Personnummer",
        "kind_samordningsnummer": "Samordningsnummer",
        "kind_organisationsnummer": "Organisationsnummer",
        "kind_email": "E-postadress",
        "kind_phone": "Telefonnummer",
        "kind_iban": "IBAN",
        "kind_name": "Namn",
        "kind_address": "Adress",
        "kind_ip": "IP-adress",
        "kind_date_of_birth": "Födelsedatum",
        "status_error": "fel vid läsning",
        "status_encrypted": "krypterad",
        "status_timed_out": "tidsgränsen nåddes",
        "status_unsupported": "format som inte läses",
        "status_no_text": "ingen text (t.ex. skannad bild)",
        "status_partial": "delvis läst (vissa rader eller sidor gick inte att läsa)",
        "status_too_large": "över en storleks- eller djupgräns",
        "act_delete_or_redact_file": "Radera filen eller maskera personens uppgifter i den",
        "act_delete_or_redact_member": "Ta bort eller maskera filen i arkivet (arkivet skrivs om)",
        "act_delete_message": "Radera meddelandet ur brevlådan",
        "act_remove_attachment": "Ta bort bilagan ur meddelandet",
        "act_delete_rows": (
            "Radera raderna i det system som dumpen kommer från (dumpen är bara underlag)"
        ),
        "act_keep": "Behåll till {until}: {reason}",
        "unknown_date": "okänt datum",
        "why_other_century": (
            "samma tio siffror lästa i ett annat sekel (för den som fyllt 100 skrivs '+' "
            "ofta som '-' eller utelämnas)"
        ),
        "why_street_line": "bara gatuadressen, utan postnummer och ort",
        "why_only_name": "bara namnet stämde",
        "why_only_address": "bara adressen stämde",
        "why_only_ip": "bara IP-adressen stämde (den kan delas av flera)",
        "why_only_date_of_birth": "födelsedatumet stämde, inget identitetsnummer",
        "why_birth_date": "födelsedatumet i personnumret",
    },
    "en": {
        "extract_title": "Register extract",
        "worklist_title": "Erasure worklist",
        "verify_title": "Check after erasure",
        "draft": "Draft by piiscan: review before sending or acting on it.",
        "case": "Case",
        "reference": "Your reference",
        "received": "Request received",
        "due": "Answer due",
        "overdue": "The deadline has passed",
        "created": "Compiled",
        "none_given": "(none given)",
        "identifiers": "Identifiers searched",
        "second_reading": "possible other reading",
        "scans": "Systems searched",
        "root": "Source",
        "scan": "Scan",
        "started": "Started",
        "finished": "Finished",
        "status": "Status",
        "found": "Places that hold the person's data",
        "confirmed": "Confirmed places",
        "possible": "Possible places (name or address only: review)",
        "nothing": "No data about the person was found in the systems searched.",
        "place": "Place",
        "where": "Where",
        "categories": "Data",
        "first_seen": "First seen",
        "last_seen": "Last seen",
        "others": "Other data at the place",
        "others_note": "Data about other people at the same place is counted, never shown.",
        "why_possible": "Why possible",
        "gaps": "Could not be searched",
        "gaps_none": "Everything in the sources searched could be read.",
        "gaps_note": "These objects could not be read and may hold data about the person.",
        "and_more": "and {n} more (see the JSON output)",
        "reason": "Reason",
        "actions": "Actions",
        "action": "Action",
        "review_first": "review first",
        "rescan": "Check after erasure",
        "rescan_note": (
            "Rescan these sources once the actions are done, then run "
            "piiscan subject --verify-erasure with the same request:"
        ),
        "still_there": "Places that still hold the person's data",
        "all_gone": "No data about the person is left in the latest scans.",
        "places_count": "{confirmed} confirmed and {possible} possible places",
        "file_share": "File share",
        "mailbox": "Mail",
        "database": "Database",
        "identity_number": "identity number",
        "name": "name",
        "contact_details": "contact details",
        "address": "address",
        "bank_data": "bank data",
        "technical_data": "technical data",
        "other": "other",
        "kind_personnummer": "Personal identity number",
        "kind_samordningsnummer": "Coordination number",
        "kind_organisationsnummer": "Organisation number",
        "kind_email": "E-mail address",
        "kind_phone": "Phone number",
        "kind_iban": "IBAN",
        "kind_name": "Name",
        "kind_address": "Address",
        "kind_ip": "IP address",
        "kind_date_of_birth": "Date of birth",
        "status_error": "read error",
        "status_encrypted": "encrypted",
        "status_timed_out": "time limit reached",
        "status_unsupported": "format not read",
        "status_no_text": "no text (e.g. a scanned image)",
        "status_partial": "partly read (some rows or pages could not be read)",
        "status_too_large": "over a size or depth limit",
        "act_delete_or_redact_file": "Delete the file, or redact the person's data in it",
        "act_delete_or_redact_member": "Remove or redact the file in the archive (rewrite it)",
        "act_delete_message": "Delete the message from the mailbox",
        "act_remove_attachment": "Remove the attachment from the message",
        "act_delete_rows": (
            "Delete the rows in the system the dump came from (the dump is only evidence)"
        ),
        "act_keep": "Keep until {until}: {reason}",
        "unknown_date": "unknown date",
        "why_other_century": (
            "the same ten digits read in another century (for people over 100 the '+' is "
            "often written as '-', or left out)"
        ),
        "why_street_line": "the street line alone, without postcode and town",
        "why_only_name": "only the name matched",
        "why_only_address": "only the address matched",
        "why_only_ip": "only the IP address matched (it may be shared)",
        "why_only_date_of_birth": "the date of birth matched, no identity number",
        "why_birth_date": "the birth date in the personnummer",
    },
}


def _environment(markdown: bool) -> jinja2.Environment:
    return document_environment(("piiscan.subject",), markdown=markdown)


def _context(report: SubjectReport, lang: Language) -> dict[str, Any]:
    labels = _LABELS[lang]
    gaps_by_status: dict[str, list[Any]] = {}
    for gap in report.gaps:
        gaps_by_status.setdefault(gap.status, []).append(gap)
    return {
        "report": report,
        "lang": lang,
        "t": labels,
        "gap_statuses": [s for s in sorted(GAP_STATUSES) if s in gaps_by_status],
        "gaps_by_status": gaps_by_status,
        "max_gaps": MAX_GAPS_SHOWN,
        "systems": ("file_share", "mailbox", "database"),
    }


def render_extract(report: SubjectReport, fmt: Literal["md", "html"], lang: Language = "sv") -> str:
    """A draft register extract (or, for ``purpose="verify"``, the check after an erasure).

    :param report: a lookup's answer.
    :param fmt: ``md`` or ``html`` (one self-contained file).
    :param lang: ``sv`` (default) or ``en``.
    """
    template = _environment(fmt == "md").get_template(f"extract.{fmt}.j2")
    return template.render(**_context(report, lang))


def render_worklist(worklist: Worklist, fmt: Literal["md", "html"], lang: Language = "sv") -> str:
    """An erasure worklist for people.

    :param worklist: from :meth:`SubjectReport.worklist`.
    :param fmt: ``md`` or ``html`` (one self-contained file).
    :param lang: ``sv`` (default) or ``en``.
    """
    template = _environment(fmt == "md").get_template(f"worklist.{fmt}.j2")
    return template.render(worklist=worklist, **_context(worklist.report, lang))
