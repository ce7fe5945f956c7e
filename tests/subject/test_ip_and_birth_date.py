"""Lookups by IP address and date of birth: possible places, a birth date only beside a name."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from piiscan.api import scan
from piiscan.cli import cli, main
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
def share(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("subject-more")
    root = base / "share"
    root.mkdir()
    for name, text in FILES.items():
        (root / name).write_text(text, encoding="utf-8")
    key_file = base / "key"
    load_or_create_key(key_file)
    scan(ScanConfig(roots=(str(root),), inventory=base / "inventory", workers=1, key_file=key_file))
    return base


@pytest.fixture(scope="module")
def scanned(share: Path) -> tuple[Inventory, Keyer]:
    return Inventory(share / "inventory"), load_or_create_key(share / "key", create=False)


def _places(scanned: tuple[Inventory, Keyer], **given: list[str]) -> dict[str, tuple[str, ...]]:
    inventory, keyer = scanned
    report = lookup_subject(inventory, SubjectIdentifiers(**given), keyer, today=TODAY)  # type: ignore[arg-type]
    return {Path(p.path).name: (p.certainty, *p.reasons) for p in report.places}


def test_an_ip_address_makes_a_place_possible(scanned: tuple[Inventory, Keyer]) -> None:
    assert _places(scanned, ip=["::ffff:81.2.69.160"]) == {"access.log": ("possible", "only_ip")}


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


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--ip", "81.2.69.160"], '"only_ip"'),
        (["--name", "Tolvan Tolvansson", "--date-of-birth", "2012-12-12"], '"only_date_of_birth"'),
    ],
    ids=["ip", "name-and-birth-date"],
)
def test_subject_command(share: Path, args: list[str], says: str) -> None:
    result = CliRunner().invoke(
        cli, ["subject", "--inventory", str(share / "inventory"), *args],
        env={"PIISCAN_KEY_FILE": str(share / "key")},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert says in result.output


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--date-of-birth", "2012-12-12"], "--date-of-birth is only searched beside a --name"),
        (["--ip", "999.1.1.1"], "--ip value is not a valid IP address"),
    ],
    ids=["birth-date-alone", "bad-ip"],
)
def test_subject_command_refuses_in_one_line(
    share: Path,
    args: list[str],
    says: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("PIISCAN_KEY_FILE", str(share / "key"))
    with pytest.raises(SystemExit) as exited:
        main(["subject", "--inventory", str(share / "inventory"), *args])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert says in err
    assert "999.1.1.1" not in err
