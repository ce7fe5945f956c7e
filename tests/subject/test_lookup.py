"""Access requests: a subject's identifiers find their places through value keys only."""

from __future__ import annotations

from pathlib import Path

import pytest

from piiscan.api import scan
from piiscan.config import ScanConfig
from piiscan.errors import ConfigError, InventoryError
from piiscan.inventory import Inventory
from piiscan.keys import load_or_create_key
from piiscan.subject import SubjectQuery, lookup_subject

LETTER = (
    "Hej Anna Andersson,\n"
    "vi har registrerat personnummer 850601-2387 och mobil 070-174 06 05.\n"
    "Svara till anna.andersson@exempel.se.\n"
)


@pytest.fixture(scope="module")
def inventory(tmp_path_factory: pytest.TempPathFactory) -> tuple[Inventory, Path]:
    root = tmp_path_factory.mktemp("share")
    (root / "brev.txt").write_text(LETTER, encoding="utf-8")
    (root / "annat.txt").write_text("Personnummer 19121212-1212 saknas.\n", encoding="utf-8")
    key_file = tmp_path_factory.mktemp("key") / "key"
    out = tmp_path_factory.mktemp("inv")
    scan(ScanConfig(roots=(str(root),), inventory=out, workers=1, key_file=key_file, new_key=True))
    return Inventory(out), key_file


@pytest.mark.parametrize(
    ("query", "matched"),
    [
        (SubjectQuery(personnummer=["198506012387"]), {"personnummer"}),
        (SubjectQuery(personnummer=["850601-2387"]), {"personnummer"}),
        (SubjectQuery(phone=["+46701740605"]), {"phone"}),
        (SubjectQuery(email=["Anna.Andersson@EXEMPEL.se"]), {"email"}),
        (SubjectQuery(name=["anna  ANDERSSON"]), {"name"}),
        (SubjectQuery(personnummer=["201212121212"]), set()),
    ],
    ids=["pnr-12", "pnr-10", "phone-e164", "email-case", "name-folded", "absent"],
)
def test_lookup_by_each_identifier(inventory, query: SubjectQuery, matched: set[str]) -> None:  # type: ignore[no-untyped-def]
    inv, key_file = inventory
    table = lookup_subject(inv, query, load_or_create_key(key_file, create=False))
    assert set(table.column("matched").to_pylist()) == matched
    assert set(table.column("path").to_pylist()) <= {"brev.txt"}


def test_query_repr_hides_values() -> None:
    assert "850601" not in repr(SubjectQuery(personnummer=["850601-2387"]))


@pytest.mark.parametrize(
    "query",
    [SubjectQuery(), SubjectQuery(personnummer=["850601-2388"]), SubjectQuery(email=["nej"])],
    ids=["empty", "bad-pnr", "bad-email"],
)
def test_bad_queries_are_config_errors(inventory, query: SubjectQuery) -> None:  # type: ignore[no-untyped-def]
    inv, key_file = inventory
    with pytest.raises(ConfigError) as info:
        lookup_subject(inv, query, load_or_create_key(key_file, create=False))
    assert "2388" not in str(info.value)


def test_another_key_is_refused(inventory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    inv, _ = inventory
    other = load_or_create_key(tmp_path / "other")
    with pytest.raises(InventoryError, match="another key"):
        lookup_subject(inv, SubjectQuery(personnummer=["850601-2387"]), other)
