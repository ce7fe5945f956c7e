"""The ``columns`` table end to end: dumps, SQLite, Parquet, CSV and spreadsheets scanned,
profiles written as parts, read back, printed by ``piiscan columns`` and used by ``summary``."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from piiscan.api import scan
from piiscan.cli import cli
from piiscan.config import ScanConfig
from piiscan.inventory import COLUMNS_SCHEMA, Inventory

REPO = Path(__file__).resolve().parents[2]
FILES = [
    REPO / "fixtures" / "dumps" / "crm_postgres.sql",
    REPO / "fixtures" / "dumps" / "butik_mariadb.sql",
    REPO / "fixtures" / "dumps" / "kunder.sqlite",
    REPO / "fixtures" / "share" / "Ekonomi" / "kunder.csv",
    REPO / "fixtures" / "share" / "Ekonomi" / "kunder.xlsx",
    REPO / "fixtures" / "share" / "Ekonomi" / "export.parquet",
]


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("columns")
    root = base / "root"
    root.mkdir()
    for path in FILES:
        shutil.copy2(path, root / path.name)
    config = ScanConfig.from_options(
        [str(root)], inventory=base / "inventory", workers=1, key_file=base / "key",
        new_key=True, person_model="none",
    )  # fmt: skip
    scan(config)
    return base / "inventory"


def _profiles(inventory: Path) -> dict[tuple[str, str, str, str], dict[str, object]]:
    rows = Inventory(inventory).columns().to_pylist()
    return {(r["path"], r["table"], r["column"], r["entity_type"]): r for r in rows}


@pytest.mark.parametrize(
    ("where", "scanned_rows", "matched"),
    [
        (("crm_postgres.sql", "public.kunder", "personnummer", "SE_PERSONNUMMER"), 7, 6),
        (("crm_postgres.sql", "public.kunder", "telefon", "PHONE_NUMBER"), 7, 7),
        (("butik_mariadb.sql", "kunder", "epost", "EMAIL_ADDRESS"), 7, 7),
        (("kunder.sqlite", "kunder", "personnummer", "SE_SAMORDNINGSNUMMER"), 7, 1),
        (("kunder.csv", "", "Personnummer", "SE_PERSONNUMMER"), 5, 4),
        (("kunder.xlsx", "Kunder", "Personnummer", "SE_PERSONNUMMER"), 3, 3),
        (("export.parquet", "", "personnummer", "SE_PERSONNUMMER"), 3, 3),
    ],
    ids=["pg", "pg-phone", "mariadb", "sqlite", "csv", "xlsx", "parquet"],
)
def test_a_profile_per_table_column_and_type(
    scanned: Path, where: tuple[str, str, str, str], scanned_rows: int, matched: int
) -> None:
    row = _profiles(scanned)[where]
    assert (row["rows_scanned"], row["rows_matched"]) == (scanned_rows, matched)
    assert row["share_matched"] == pytest.approx(matched / scanned_rows)
    assert row["sampled"] is False
    assert row["sample_rows"] is None


def test_the_table_has_its_schema_and_no_value(scanned: Path) -> None:
    table = Inventory(scanned).columns()
    assert table.schema.equals(COLUMNS_SCHEMA)
    text = json.dumps(table.to_pylist())
    assert "19850601" not in text
    assert "anna.andersson" not in text


def test_cli_columns_and_summary(scanned: Path) -> None:
    runner = CliRunner()
    out = runner.invoke(cli, ["columns", "--inventory", str(scanned), "--format", "csv"])
    assert out.exit_code == 0, out.output
    rows = list(csv.DictReader(io.StringIO(out.output)))
    assert rows[0].keys() >= {"table", "column", "entity_type", "rows_scanned", "share_matched"}
    assert len(rows) == len(Inventory(scanned).columns())
    summary = runner.invoke(cli, ["summary", "--inventory", str(scanned)])
    assert "top columns" in summary.output
    assert "public.kunder.telefon" in summary.output or "kunder.telefon" in summary.output
    as_json = json.loads(runner.invoke(cli, ["summary", "--inventory", str(scanned),
                                             "--format", "json"]).output)  # fmt: skip
    assert as_json["top_columns"][0]["rows_matched"] == 7


def test_a_sampled_scan_says_so(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    shutil.copy2(FILES[0], root / FILES[0].name)
    result = CliRunner().invoke(
        cli,
        ["scan", str(root), "--inventory", str(tmp_path / "inv"), "--key-file",
         str(tmp_path / "key"), "--new-key", "--workers", "1", "--person-model", "none",
         "--sample-rows", "4", "-q"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    row = _profiles(tmp_path / "inv")[
        ("crm_postgres.sql", "public.kunder", "personnummer", "SE_PERSONNUMMER")
    ]
    assert (row["sampled"], row["sample_rows"], row["rows_scanned"], row["rows_total"]) == (
        True, 4, 4, 7,
    )  # fmt: skip


def test_an_inventory_from_before_the_table_has_no_profiles(scanned: Path, tmp_path: Path) -> None:
    old = tmp_path / "old"
    shutil.copytree(scanned, old)
    shutil.rmtree(old / "columns")
    assert Inventory(old).columns().num_rows == 0
    assert Inventory(old).summary().top_columns == ()
