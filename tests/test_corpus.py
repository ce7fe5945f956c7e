"""The labelled accuracy corpus (fixtures/corpus) is consistent with its own labels.

Every labelled span is exactly what its label says, every planted personnummer and
samordningsnummer is a Skatteverket test number, every phone number is in a PTS fictional
range, no valid personnummer hides unlabelled in the text, and the generator reproduces the
committed file byte for byte.
"""

from __future__ import annotations

import csv
import datetime
import importlib.util
import ipaddress
import itertools
import json
import re
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest
from stdnum import iban as std_iban
from stdnum import luhn

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "corpus"


def _load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_corpus", CORPUS / "make_corpus.py")
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("make_corpus", module)
    spec.loader.exec_module(module)
    return module


GEN = _load_generator()
DOCS = [json.loads(line) for line in (CORPUS / "documents.jsonl").read_text("utf-8").splitlines()]
ENTITIES = [(d, e) for d in DOCS for e in d["entities"]]
TEST_PNR = set((CORPUS / "data/skatteverket_testpersonnummer_sample.txt").read_text().split())
TEST_SAM = set((CORPUS / "data/skatteverket_testsamordningsnummer_sample.txt").read_text().split())
NAMES = set((CORPUS / "data/first_names.txt").read_text("utf-8").split()) | set(
    (CORPUS / "data/last_names.txt").read_text("utf-8").split()
)
with (CORPUS / "data/postal_sample.csv").open(encoding="utf-8") as _fh:
    POSTAL = {(r["postal_code"], r["locality"]) for r in csv.DictReader(_fh)}
PTS = {
    f"{prefix}{stem}{n:02d}" for prefix, stem, lo, hi in GEN.PTS_RANGES for n in range(lo, hi + 1)
}
EMAIL_DOMAINS = ("example.se", "exempel.se", "example.com", "example.org", "example.net")


def _span(doc: dict, ent: dict) -> str:
    return doc["text"][ent["start"] : ent["end"]]


def _twelve(value: str) -> str:
    """The 12-digit form of a personnummer as written, with the century inferred."""
    digits = re.sub(r"\D", "", value)
    if len(digits) == 12:
        return digits
    yy = int(digits[:2])
    year = GEN.REF_YEAR - ((GEN.REF_YEAR - yy) % 100) - (100 if "+" in value else 0)
    return f"{year}{digits[2:]}"


def _ids(pairs: list[tuple[dict, dict]]) -> list[str]:
    return [f"{d['id']}@{e['start']}" for d, e in pairs]


def _of(etype: str) -> list[tuple[dict, dict]]:
    return [(d, e) for d, e in ENTITIES if e["type"] == etype]


def test_shape_of_the_corpus() -> None:
    kinds = Counter(d["kind"] for d in DOCS)
    assert set(kinds) == {
        "email", "crm", "invoice", "hr", "csv", "sql", "log",
        "weblog", "hr_dob", "hr_csv", "vehicle_csv", "fleet", "travel",
    }  # fmt: skip
    assert min(kinds.values()) >= 40
    assert len({d["id"] for d in DOCS}) == len(DOCS)
    types = Counter(e["type"] for _, e in ENTITIES)
    for etype in (
        "SE_PERSONNUMMER",
        "SE_SAMORDNINGSNUMMER",
        "SE_ORGANISATIONSNUMMER",
        "PHONE_NUMBER",
        "EMAIL_ADDRESS",
        "SE_ADDRESS",
        "IBAN_CODE",
        "CREDIT_CARD",
        "SE_BANKGIRO",
        "SE_PLUSGIRO",
        "SE_BANK_ACCOUNT",
        "PERSON",
        "IP_ADDRESS",
        "DATE_OF_BIRTH",
        "SE_VEHICLE_REGISTRATION",
    ):
        assert types[etype] >= 50, etype
    assert types["SE_PASSPORT_NUMBER"] + types["SE_ID_CARD_NUMBER"] >= 50


def test_spans_are_trimmed_in_bounds_and_disjoint() -> None:
    for doc in DOCS:
        spans = sorted((x["start"], x["end"]) for x in doc["entities"] + doc["decoys"])
        for start, end in spans:
            assert 0 <= start < end <= len(doc["text"])
        for (_, end1), (start2, _) in itertools.pairwise(spans):
            assert end1 <= start2, doc["id"]
        for ent in doc["entities"]:
            text = _span(doc, ent)
            assert text == text.strip(), (doc["id"], text)
            assert text[-1] not in ".,;:)'\"", (doc["id"], text)


@pytest.mark.parametrize(("doc", "ent"), _of("SE_PERSONNUMMER"), ids=_ids(_of("SE_PERSONNUMMER")))
def test_personnummer_is_a_skatteverket_test_number(doc: dict, ent: dict) -> None:
    value = _span(doc, ent)
    assert re.fullmatch(r"(\d{6}|\d{8})[-+]?\d{4}", value)
    assert _twelve(value) in TEST_PNR


@pytest.mark.parametrize(
    ("doc", "ent"), _of("SE_SAMORDNINGSNUMMER"), ids=_ids(_of("SE_SAMORDNINGSNUMMER"))
)
def test_samordningsnummer_is_a_skatteverket_test_number(doc: dict, ent: dict) -> None:
    value = _span(doc, ent)
    assert re.fullmatch(r"(\d{6}|\d{8})-?\d{4}", value)
    assert _twelve(value) in TEST_SAM


def test_organisationsnummer_are_valid() -> None:
    for doc, ent in _of("SE_ORGANISATIONSNUMMER"):
        value = _span(doc, ent)
        m = re.fullmatch(r"SE(\d{10})01|(\d{6})-?(\d{4})", value)
        assert m, value
        digits = m.group(1) or m.group(2) + m.group(3)
        assert luhn.is_valid(digits), value
        assert digits[2] >= "2", value
        assert digits[0] in "25789", value


def test_phone_numbers_are_pts_fictional() -> None:
    for doc, ent in _of("PHONE_NUMBER"):
        value = _span(doc, ent)
        assert re.fullmatch(r"[+(]?[\d() -]+\d", value), value
        digits = re.sub(r"\D", "", value)
        national = (
            "0" + digits[4:]
            if digits.startswith("0046")
            else ("0" + digits[2:] if value.startswith("+46") else digits)
        )
        assert national in PTS, value


def test_emails_use_reserved_domains() -> None:
    for doc, ent in _of("EMAIL_ADDRESS"):
        value = _span(doc, ent)
        assert re.fullmatch(r"[a-z0-9._]+@[a-z0-9.-]+", value), value
        assert value.endswith(EMAIL_DOMAINS), value


def test_ibans_cards_and_giros_have_valid_check_digits() -> None:
    cards = {n for _, n in GEN.CARDS}
    for doc, ent in ENTITIES:
        value = _span(doc, ent)
        digits = re.sub(r"\D", "", value)
        if ent["type"] == "IBAN_CODE":
            assert value.startswith("SE"), value
            assert std_iban.is_valid(value), value
        elif ent["type"] == "CREDIT_CARD":
            assert digits in cards, value
        elif ent["type"] == "SE_BANKGIRO":
            assert re.fullmatch(r"\d{3,4}-\d{4}", value), value
            assert luhn.is_valid(digits), value
        elif ent["type"] == "SE_PLUSGIRO":
            assert re.fullmatch(r"\d{1,3}( \d\d)*-\d|\d{1,7}-\d", value), value
            assert luhn.is_valid(digits), value
            assert 2 <= len(digits) <= 8, value


def test_bank_accounts_are_published_examples() -> None:
    known = {re.sub(r"\D", "", clr + acct) for clr, acct, _ in GEN.BANK_ACCOUNTS}
    for doc, ent in _of("SE_BANK_ACCOUNT"):
        assert re.sub(r"\D", "", _span(doc, ent)) in known, _span(doc, ent)


def test_addresses_end_with_a_known_postnummer_and_postort() -> None:
    for doc, ent in _of("SE_ADDRESS"):
        value = _span(doc, ent)
        m = re.search(r"(\d{3}) ?(\d{2}) ([^\n,]+)$", value)
        assert m, value
        assert (m.group(1) + m.group(2), m.group(3)) in POSTAL, value
        assert re.match(r"(Box \d+|\D+ \d+)", value), value


def test_person_names_come_from_the_name_lists() -> None:
    for doc, ent in _of("PERSON"):
        first, last = _span(doc, ent).split(" ")
        assert first in NAMES
        assert last in NAMES


def test_no_unlabelled_valid_personnummer_in_the_text() -> None:
    shape = re.compile(r"(?<![\d-])(?:\d{6}|\d{8})[-+]?\d{4}(?!\d)")
    for doc in DOCS:
        labelled = [(e["start"], e["end"]) for e in doc["entities"]]
        for m in shape.finditer(doc["text"]):
            digits = re.sub(r"\D", "", m.group())
            if not GEN.personnummer_shaped(digits[-10:]):
                continue
            if len(digits) == 12 and digits[:2] not in ("18", "19", "20"):
                continue
            assert any(s <= m.start() and m.end() <= e for s, e in labelled), (doc["id"], m.group())


def test_decoys_are_not_identifiers() -> None:
    for doc in DOCS:
        for dec in doc["decoys"]:
            value = doc["text"][dec["start"] : dec["end"]]
            digits = re.sub(r"\D", "", value)
            if len(digits) == 10:
                assert not GEN.personnummer_shaped(digits), (doc["id"], value)
                assert not GEN.orgnr_shaped(digits), (doc["id"], value)
            if dec["kind"] in ("ocr", "luhn_bad_date"):
                assert luhn.is_valid(digits), value  # deliberately Luhn-valid


def test_generator_reproduces_the_committed_file() -> None:
    built = "".join(json.dumps(d, ensure_ascii=False) + "\n" for d in GEN.build())
    assert built == (CORPUS / "documents.jsonl").read_text("utf-8")


def test_personnummer_dates_are_real() -> None:
    for doc, ent in _of("SE_PERSONNUMMER"):
        n = _twelve(_span(doc, ent))
        datetime.date(int(n[:4]), int(n[4:6]), int(n[6:8]))


def test_ip_addresses_birth_dates_and_plates_are_what_they_say() -> None:
    """IP addresses parse (global ones, or private ones in a client's context), birth dates
    are real past dates, plates avoid the letters and combinations never issued."""
    for doc, ent in _of("IP_ADDRESS"):
        address = ipaddress.ip_address(_span(doc, ent))
        assert address.is_global or ent["hard"], (doc["id"], ent)
    for _, ent in _of("DATE_OF_BIRTH"):
        assert ent["form"] in {"iso", "compact", "yymmdd", "dmy_slash", "dmy_dot", "month_sv",
                               "month_en"}  # fmt: skip
    for doc, ent in _of("SE_VEHICLE_REGISTRATION"):
        plate = _span(doc, ent).replace(" ", "").replace("-", "")
        assert re.fullmatch(r"[A-HJ-PR-UW-Z]{3}\d\d[\dA-HJ-NPR-UW-Z]", plate), plate
        assert plate[:3] not in GEN.BARRED_PLATES
