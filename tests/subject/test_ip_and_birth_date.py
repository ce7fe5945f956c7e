"""Lookups by IP address and date of birth: possible places, a birth date only beside a name."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from piiscan.api import scan
from piiscan.config import ScanConfig
from piiscan.inventory import Inventory
from piiscan.keys import Keyer, load_or_create_key
from piiscan.subject import SubjectIdentifiers, lookup_subject

TODAY = date(2026, 12, 7)
FILES = {
    "personal.txt": "Personalakt\nNamn: Tolvan Tolvansson\nFödd: 2012-12-12\n",
    "stranger.txt": "Ny medlem, född 2012-12-12, bor i Umeå.\n",
    "numbered.txt": "Tolvan Tolvansson, personnummer 20121212-1212.\n",
    "access.log": '81.2.69.160 - - [07/Dec/2026:10:14:02 +0100] "GET / HTTP/1.1" 200 512\n',
}


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> tuple[Inventory, Keyer]:
    base = tmp_path_factory.mktemp("subject-more")
    root = base / "share"
    root.mkdir()
    for name, text in FILES.items():
        (root / name).write_text(text, encoding="utf-8")
    key_file = base / "key"
    keyer = load_or_create_key(key_file)
    scan(ScanConfig(roots=(str(root),), inventory=base / "inventory", workers=1, key_file=key_file))
    return Inventory(base / "inventory"), keyer


def _places(scanned: tuple[Inventory, Keyer], **given: list[str]) -> dict[str, tuple[str, ...]]:
    inventory, keyer = scanned
    report = lookup_subject(inventory, SubjectIdentifiers(**given), keyer, today=TODAY)  # type: ignore[arg-type]
    return {Path(p.path).name: (p.certainty, *p.reasons) for p in report.places}


def test_an_ip_address_makes_a_place_possible(scanned: tuple[Inventory, Keyer]) -> None:
    assert _places(scanned, ip=["::ffff:81.2.69.160"]) == {
        "access.log": ("possible", "only_ip")
    }


def test_a_birth_date_counts_only_beside_the_name(scanned: tuple[Inventory, Keyer]) -> None:
    found = _places(scanned, name=["Tolvan Tolvansson"], date_of_birth=["12 december 2012"])
    # stranger.txt holds the same birth date and no name: not listed.
    assert found["personal.txt"] == ("possible", "only_date_of_birth", "only_name")
    assert "stranger.txt" not in found


def test_a_personnummer_also_finds_its_birth_date_beside_the_name(
    scanned: tuple[Inventory, Keyer],
) -> None:
    found = _places(scanned, personnummer=["20121212-1212"], name=["Tolvan Tolvansson"])
    assert found["numbered.txt"] == ("confirmed",)
    assert found["personal.txt"] == ("possible", "birth_date", "only_date_of_birth", "only_name")
    assert "stranger.txt" not in found
