"""IP addresses, dates of birth, vehicle and identity document numbers through the engine.

Tables of texts where each entity must be found (with the normalised value its key is made
from) and texts where it must not (the decoys named in issue 16 among them); column names
as context for dumps and CSV files; and the core compiling every new pattern.
"""

from __future__ import annotations

import pytest

from piiscan.catalogue import builtin_catalogue_dir, load_catalogue
from piiscan.engine.compiled import compile_catalogue

NEW = {
    "IP_ADDRESS",
    "DATE_OF_BIRTH",
    "SE_VEHICLE_REGISTRATION",
    "SE_PASSPORT_NUMBER",
    "SE_ID_CARD_NUMBER",
}


def _found(engine, text: str, entity: str, context: tuple[str, ...] = ()) -> list[str]:  # type: ignore[no-untyped-def]
    return [f.normalized for f in engine.analyze(text, context) if f.entity_type == entity]


FOUND = [
    # IP_ADDRESS: global addresses anywhere, special ranges with a person's context.
    ("IP_ADDRESS", "Inloggning från 81.2.69.160", "81.2.69.160"),
    ("IP_ADDRESS", "Besökare 8.8.4.40 laddade ner filen", "8.8.4.40"),
    (
        "IP_ADDRESS",
        '81.2.69.160 - - [07/Dec/2026:10:14:02 +0100] "GET / HTTP/1.1" 200 512 "-" '
        '"Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0.0.0 Safari/537.36"',
        "81.2.69.160",
    ),
    (
        "IP_ADDRESS",
        '10.1.2.3 - anna [07/Dec/2026:10:14:02 +0100] "POST /login HTTP/1.1" 302 0',
        "10.1.2.3",
    ),
    ("IP_ADDRESS", '{"remote_addr": "192.168.4.7", "status": 200}', "192.168.4.7"),
    ("IP_ADDRESS", '{"client_ip": "2A00:1450:4001:814::200E"}', "2a00:1450:4001:814::200e"),
    ("IP_ADDRESS", "Anslutning från [2001:67c:2e8:22::c100:68b]:443", "2001:67c:2e8:22::c100:68b"),
    ("IP_ADDRESS", "X-Forwarded-For: ::ffff:81.2.69.160", "81.2.69.160"),
    ("IP_ADDRESS", "Klientens IP-adress: 192.168.1.20", "192.168.1.20"),
    ("IP_ADDRESS", "klient fe80::1%eth0 anslöt", "fe80::1"),
    # DATE_OF_BIRTH: a label or phrase marks it; the value is the ISO date.
    ("DATE_OF_BIRTH", "Anna Andersson, född 1985-06-01, bor i Umeå", "1985-06-01"),
    ("DATE_OF_BIRTH", "Erik Svensson f. 1 juni 1985", "1985-06-01"),
    ("DATE_OF_BIRTH", "Födelsedatum: 850601", "1985-06-01"),
    ("DATE_OF_BIRTH", "DOB: 01/06/1985", "1985-06-01"),
    ("DATE_OF_BIRTH", "Date of birth 12 October 1990", "1990-10-12"),
    ("DATE_OF_BIRTH", "Sökanden är född den 3 maj 2001.", "2001-05-03"),
    ("DATE_OF_BIRTH", "Född: 01.06.1985", "1985-06-01"),
    # SE_VEHICLE_REGISTRATION: with a vehicle word.
    ("SE_VEHICLE_REGISTRATION", "Regnr: ABC 123", "ABC123"),
    ("SE_VEHICLE_REGISTRATION", "Tjänstebilen WER 84A ska besiktas", "WER84A"),
    ("SE_VEHICLE_REGISTRATION", "Fordon: GHJ-456", "GHJ456"),
    ("SE_VEHICLE_REGISTRATION", "registreringsnummer XYZ001", "XYZ001"),
    # Passport and ID card numbers: with their document's word.
    ("SE_PASSPORT_NUMBER", "Passnummer: 87654321", "87654321"),
    ("SE_PASSPORT_NUMBER", "Passport number: AA1234567", "AA1234567"),
    ("SE_ID_CARD_NUMBER", "Nationellt id-kort nr 56781234", "56781234"),
    ("SE_ID_CARD_NUMBER", "ID-kortsnummer: XP4K7L2M9", "XP4K7L2M9"),
]

NOT_FOUND = [
    ("IP_ADDRESS", "Uppgradera till version 10.2.0.1 i helgen"),
    ("IP_ADDRESS", "Uppgradera till version 4.12.200.7 i helgen"),
    ("IP_ADDRESS", "Installerade v1.2.3.4 på servern"),
    ("IP_ADDRESS", "OID 1.3.6.1.4.1.311 avser Microsoft"),
    ("IP_ADDRESS", "1.3.6.1.2.1.1.5.0"),
    ("IP_ADDRESS", "Se avsnitt 3.2.1.4 i avtalet"),
    ("IP_ADDRESS", "3.2.1.4 Inledning"),
    ("IP_ADDRESS", "Mötet 15.03.2024 flyttas till 2024.03.22"),
    ("IP_ADDRESS", "Routern svarar på 192.168.1.1"),
    ("IP_ADDRESS", "Kopplade in 192.168.1.1 igen"),
    ("IP_ADDRESS", "Kl. 10:30:00 startade jobbet"),
    ("IP_ADDRESS", "MAC 00:1A:2B:3C:4D:5E"),
    ("IP_ADDRESS", "Adressen 256.12.1.1 finns inte"),
    ("IP_ADDRESS", "Adressen 010.1.1.1 skrivs inte så"),
    ("IP_ADDRESS", "Mozilla/5.0 (Windows NT 10.0) Chrome/120.0.0.0 Safari/537.36"),
    ("IP_ADDRESS", "std::vector<int> och a::b"),
    ("DATE_OF_BIRTH", "Mötet hölls 1985-06-01 i Umeå"),
    ("DATE_OF_BIRTH", "Anställd 2019-03-01, född i Umeå"),
    ("DATE_OF_BIRTH", "Faktura 2024-03-15, förfaller 2024-04-15"),
    ("DATE_OF_BIRTH", "född 1985-02-30"),
    ("DATE_OF_BIRTH", "född 2099-01-01"),
    ("DATE_OF_BIRTH", "Personnummer: 850601-2387"),
    ("DATE_OF_BIRTH", "Anna Andersson, född 850601-2387"),
    ("SE_VEHICLE_REGISTRATION", "Kurskod ABC 123 ges i höst"),
    ("SE_VEHICLE_REGISTRATION", "Rum ABC 123 på plan 2"),
    ("SE_VEHICLE_REGISTRATION", "Regnr: IBM 123"),
    ("SE_VEHICLE_REGISTRATION", "Regnr: KKK 123"),
    ("SE_VEHICLE_REGISTRATION", "Regnr: MLB 84A"),
    ("SE_VEHICLE_REGISTRATION", "Regnr: ABC 12O"),
    ("SE_PASSPORT_NUMBER", "Bokningsnummer 87654321"),
    ("SE_PASSPORT_NUMBER", "Passnummer: 00000000"),
    ("SE_PASSPORT_NUMBER", "Passport valid until 20300115"),
    ("SE_PASSPORT_NUMBER", "Order 87654321 skickad"),
    ("SE_PASSPORT_NUMBER", "Nationellt id-kort 56781234"),
    ("SE_ID_CARD_NUMBER", "Kundnummer 56781234"),
    ("SE_ID_CARD_NUMBER", "Passnummer: 56781234"),
    ("SE_ID_CARD_NUMBER", "Id-kort: 11111111"),
]


@pytest.mark.parametrize(("entity", "text", "value"), FOUND, ids=[t for _, t, _ in FOUND])
def test_found_with_its_normalised_value(engine, entity: str, text: str, value: str) -> None:  # type: ignore[no-untyped-def]
    assert value in _found(engine, text, entity)


@pytest.mark.parametrize(("entity", "text"), NOT_FOUND, ids=[t for _, t in NOT_FOUND])
def test_decoys_are_not_found(engine, entity: str, text: str) -> None:  # type: ignore[no-untyped-def]
    assert _found(engine, text, entity) == []


@pytest.mark.parametrize(
    ("entity", "column", "cell", "value"),
    [
        ("DATE_OF_BIRTH", "fodelsedatum", "1985-06-01", "1985-06-01"),
        ("DATE_OF_BIRTH", "Födelsedatum", "850601", "1985-06-01"),
        ("DATE_OF_BIRTH", "date_of_birth", "01/06/1985", "1985-06-01"),
        ("IP_ADDRESS", "ip", "192.168.4.7", "192.168.4.7"),
        ("IP_ADDRESS", "client_ip", "10.0.0.5", "10.0.0.5"),
        ("SE_VEHICLE_REGISTRATION", "regnr", "ABC123", "ABC123"),
        ("SE_PASSPORT_NUMBER", "passnummer", "87654321", "87654321"),
        ("SE_ID_CARD_NUMBER", "id_kort", "56781234", "56781234"),
    ],
)
def test_column_names_are_context(engine, entity: str, column: str, cell: str, value: str) -> None:  # type: ignore[no-untyped-def]
    assert _found(engine, cell, entity) == []
    assert _found(engine, cell, entity, (column,)) == [value]


@pytest.mark.parametrize(
    ("column", "cell"),
    [("anstalld", "2019-03-01"), ("skapad", "1985-06-01"), ("kurskod", "ABC123")],
)
def test_other_columns_are_not_context(engine, column: str, cell: str) -> None:  # type: ignore[no-untyped-def]
    found = {f.entity_type for f in engine.analyze(cell, (column,))}
    assert not found & NEW


def test_the_core_compiles_every_new_pattern() -> None:
    specs = [s for s in load_catalogue([builtin_catalogue_dir()]) if s.entity in NEW]
    assert {s.entity for s in specs} == NEW
    compiled = compile_catalogue(specs)
    assert compiled.python_only == ()
    assert {s.entity for s in compiled.compiled} == NEW


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("Inloggning från 81.2.69.160", "81.*.**.***"),
        ("klient 2a00:1450:4001:814::200e", "2a00:****:****:***::****"),
        ("Anna Andersson, född 1985-06-01", "****-**-**"),
        ("Erik Svensson f. 1 juni 1985", "* j*** ****"),
    ],
)
def test_masks_keep_no_host_and_no_date(engine, text: str, masked: str) -> None:  # type: ignore[no-untyped-def]
    wanted = {"IP_ADDRESS", "DATE_OF_BIRTH"}
    assert [f.masked for f in engine.analyze(text) if f.entity_type in wanted] == [masked]
