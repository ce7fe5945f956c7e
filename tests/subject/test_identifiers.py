"""Identifiers are validated, normalised like findings, and keyed; second readings are marked."""

from __future__ import annotations

from datetime import date

import pytest

from piiscan.errors import ConfigError
from piiscan.keys import Keyer
from piiscan.subject import SubjectIdentifiers, search_keys

KEYER = Keyer(key=bytes(range(32)))
TODAY = date(2026, 12, 7)


def keys_of(**given: list[str]) -> list[tuple[str, str, bool, str]]:
    found = search_keys(SubjectIdentifiers(**given), KEYER, today=TODAY)  # type: ignore[arg-type]
    return [(k.kind, k.masked, k.certain, k.reason) for k in found]


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ({"personnummer": ["19121212-1212"]},
         [("personnummer", "19121212-****", True, ""),
          ("personnummer", "121212-****", False, "other_century")]),
        ({"personnummer": ["121212-1212"]},  # read as born 2012; the '+' reading is 1912
         [("personnummer", "121212-****", True, ""),
          ("personnummer", "121212+****", False, "other_century")]),
        ({"personnummer": ["198506012387"]},
         [("personnummer", "19850601****", True, ""),
          ("personnummer", "850601+****", False, "other_century")]),
        ({"samordningsnummer": ["701063-2391"]},
         [("samordningsnummer", "701063-****", True, ""),
          ("samordningsnummer", "701063+****", False, "other_century")]),
        ({"organisationsnummer": ["556016-0680"]},
         [("organisationsnummer", "556016-****", True, "")]),
        ({"email": ["Anna.Andersson@EXEMPEL.se"]}, [("email", "A***@EXEMPEL.se", True, "")]),
        ({"phone": ["070-174 06 05"]}, [("phone", "070-*** ** 05", True, "")]),
        ({"iban": ["SE45 5000 0000 0583 9825 7466"]},
         [("iban", "SE45 **** **** **** **** 7466", True, "")]),
        ({"name": ["Åsa  Öberg"]}, [("name", "Å**  Ö****", True, "")]),
        ({"address": ["Storgatan 5, 903 26 Umeå"]},
         [("address", "S******** 5, 9** 2* U***", True, ""),
          ("address", "S******** 5", False, "street_line")]),
    ],
    ids=["pnr-12-old", "pnr-10", "pnr-12", "samordning", "orgnr", "email", "phone", "iban",
         "name", "address"],
)  # fmt: skip
def test_readings_of_each_kind(
    given: dict[str, list[str]], expected: list[tuple[str, str, bool, str]]
) -> None:
    assert keys_of(**given) == expected


def test_a_sole_traders_number_is_also_their_personnummer() -> None:
    found = search_keys(SubjectIdentifiers(organisationsnummer=["8506012387"]), KEYER, today=TODAY)
    person = search_keys(SubjectIdentifiers(personnummer=["850601-2387"]), KEYER, today=TODAY)
    assert person[0].value_key in {k.value_key for k in found}


def test_the_same_number_two_ways_is_one_key() -> None:
    found = keys_of(personnummer=["19121212-1212", "191212121212"])
    assert [certain for _, _, certain, _ in found] == [True, False]


def test_value_keys_are_the_recognizers() -> None:
    """A lookup key equals the value key a scan stores for the same number."""
    import piiscan

    (finding,) = piiscan.scan_text("Personnummer: 19121212-1212")
    (key, *_) = search_keys(SubjectIdentifiers(personnummer=["191212121212"]), KEYER)
    assert key.value_key == KEYER.value_key(finding.normalized)


@pytest.mark.parametrize(
    ("given", "option"),
    [
        ({"personnummer": ["19121212-1213"]}, "--personnummer"),
        ({"samordningsnummer": ["19121212-1212"]}, "--samordningsnummer"),
        ({"organisationsnummer": ["5560160681"]}, "--organisationsnummer"),
        ({"email": ["anna.andersson@"]}, "--email"),
        ({"phone": ["12"]}, "--phone"),
        ({"iban": ["SE45 5000 0000 0583 9825 7467"]}, "--iban"),
        ({"name": ["  "]}, "--name"),
        ({"address": ["ingenstans"]}, "--address"),
    ],
    ids=["pnr", "samordning", "orgnr", "email", "phone", "iban", "name", "address"],
)
def test_invalid_identifiers_name_the_option_never_the_value(
    given: dict[str, list[str]], option: str
) -> None:
    with pytest.raises(ConfigError, match=option) as caught:
        keys_of(**given)
    for value in next(iter(given.values())):
        if value.strip():
            assert value not in str(caught.value)


def test_repr_hides_values() -> None:
    identifiers = SubjectIdentifiers(personnummer=["19121212-1212"], email=["a@exempel.se"])
    assert repr(identifiers) == "SubjectIdentifiers(personnummer=1, email=1)"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ({"ip": ["81.2.69.160"]}, [("ip", "81.*.**.***", True, "")]),
        ({"ip": ["2A00:1450:4001:0814::200E"]}, [("ip", "2A00:****:****:****::****", True, "")]),
        ({"name": ["Tolvan Tolvansson"], "date_of_birth": ["1 juni 1985"]},
         [("name", "T***** T*********", True, ""),
          ("date_of_birth", "* j*** ****", True, "")]),
        ({"personnummer": ["19850601-2387"], "name": ["Anna Andersson"]},
         [("personnummer", "19850601-****", True, ""),
          ("personnummer", "850601+****", False, "other_century"),
          ("name", "A*** A********", True, ""),
          ("date_of_birth", "****-**-**", False, "birth_date")]),
    ],
    ids=["ipv4", "ipv6", "name-and-birth-date", "birth-date-of-personnummer"],
)  # fmt: skip
def test_ip_and_birth_date_readings(
    given: dict[str, list[str]], expected: list[tuple[str, str, bool, str]]
) -> None:
    assert keys_of(**given) == expected


def test_ip_and_birth_date_keys_are_the_recognizers() -> None:
    import piiscan

    text = "Anna Andersson, född 1 juni 1985, loggade in från ::ffff:81.2.69.160"
    stored = {f.entity_type: KEYER.value_key(f.normalized) for f in piiscan.scan_text(text)}
    keys = search_keys(
        SubjectIdentifiers(
            name=["Anna Andersson"], date_of_birth=["1985-06-01"], ip=["81.2.69.160"]
        ),
        KEYER,
        today=TODAY,
    )
    by_kind = {k.kind: k.value_key for k in keys}
    assert by_kind["date_of_birth"] == stored["DATE_OF_BIRTH"]
    assert by_kind["ip"] == stored["IP_ADDRESS"]
    assert by_kind["name"] == stored["PERSON"]


def test_a_birth_date_is_only_searched_beside_a_name() -> None:
    with pytest.raises(ConfigError, match=r"--date-of-birth .* beside a --name"):
        keys_of(date_of_birth=["1985-06-01"])


@pytest.mark.parametrize(
    ("given", "option"),
    [
        ({"ip": ["256.1.1.1"]}, "--ip"),
        ({"ip": ["v1.2.3.4"]}, "--ip"),
        ({"name": ["Anna Andersson"], "date_of_birth": ["1985-02-30"]}, "--date-of-birth"),
        ({"name": ["Anna Andersson"], "date_of_birth": ["2099-01-01"]}, "--date-of-birth"),
    ],
    ids=["ip-octet", "ip-version", "dob-impossible", "dob-future"],
)
def test_invalid_ip_or_birth_date_names_the_option(
    given: dict[str, list[str]], option: str
) -> None:
    with pytest.raises(ConfigError, match=option) as caught:
        keys_of(**given)
    for values in given.values():
        for value in values:
            if value != "Anna Andersson":
                assert value not in str(caught.value)
