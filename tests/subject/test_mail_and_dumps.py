"""``piiscan subject`` finds a planted person in a mailbox and in every database dump by each
of their identifiers, through the CLI as a data protection officer runs it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import REPO, SHARE

from piiscan.api import scan
from piiscan.cli import cli
from piiscan.config import ScanConfig

DUMPS = REPO / "fixtures" / "dumps"
DUMP_FILES = ["crm_postgres.sql", "crm_postgres_inserts.sql", "crm_postgres.dump",
              "butik_mariadb.sql", "kunder.sqlite"]  # fmt: skip

# Karin Åström writes to customer service (fixtures/share/Post/kundtjanst.mbox, fictional).
MAIL_PERSON = [
    ("--personnummer", "19730729-9284"),
    ("--email", "karin.astrom@exempel.se"),
    ("--phone", "070-174 06 44"),
    ("--address", "Södra Förstadsgatan 21, 211 43 Malmö"),
    ("--name", "Karin Åström"),
]
MAIL_PLACE = ("Post/kundtjanst.mbox", "message=<20240301.0001@exempel.se>")

# Anna Andersson is a customer in every dump (fixtures/dumps/make_dumps.py, fictional).
DUMP_PERSON = [
    ("--personnummer", "19850601-2387"),
    ("--email", "anna.andersson@exempel.se"),
    ("--phone", "070-174 06 05"),
    ("--name", "Anna Andersson"),
]
DUMP_PLACES = {
    ("crm_postgres.sql", "table=public.kunder/row=id:1"),
    ("crm_postgres_inserts.sql", "table=public.kunder/row=id:1"),
    ("crm_postgres.dump", "table=public.kunder/row=id:1"),
    ("butik_mariadb.sql", "table=kunder/row=id:1"),
    ("kunder.sqlite", "table=kunder/row=id:1"),
}


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """One scan of the share's mail folder and of the dumps, side by side."""
    base = tmp_path_factory.mktemp("mail-dumps")
    root = base / "root"
    shutil.copytree(SHARE / "Post", root / "Post")
    (root / "dumps").mkdir()
    for name in DUMP_FILES:
        shutil.copy2(DUMPS / name, root / "dumps" / name)
    key = base / "key"
    scan(ScanConfig.from_options([str(root)], inventory=base / "inventory", workers=1,
                                 key_file=key, new_key=True))  # fmt: skip
    return base / "inventory", key


# A name or an address alone finds a place only as possible (reason only_name): many people
# share one. The others confirm it.
WEAK = {"--name", "--address"}


def _places(scanned: tuple[Path, Path], option: str, value: str) -> set[tuple[str, str]]:
    """The places found, with the certainty the identifier's kind gives."""
    inventory, key = scanned
    result = CliRunner().invoke(
        cli, ["subject", "--inventory", str(inventory), option, value, "--format", "json"],
        env={"PIISCAN_KEY_FILE": str(key)},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    return {
        (place["path"], place["record"])
        for place in report["places"]
        if place["certainty"] == ("possible" if option in WEAK else "confirmed")
    }


@pytest.mark.parametrize(("option", "value"), MAIL_PERSON, ids=[o for o, _ in MAIL_PERSON])
def test_the_mail_person_by_each_identifier(
    scanned: tuple[Path, Path], option: str, value: str
) -> None:
    assert MAIL_PLACE in _places(scanned, option, value)


@pytest.mark.parametrize(("option", "value"), DUMP_PERSON, ids=[o for o, _ in DUMP_PERSON])
def test_the_dump_person_by_each_identifier(
    scanned: tuple[Path, Path], option: str, value: str
) -> None:
    places = {(path.removeprefix("dumps/"), record) for path, record in
              _places(scanned, option, value) if path.startswith("dumps/")}  # fmt: skip
    assert places >= DUMP_PLACES
