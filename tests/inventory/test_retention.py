"""``piiscan retention``: places holding personal data past their rule (gallring)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from scheduled import EMAIL, PERSONNUMMER, PHONE, run, scan_tree, write_tree

from piiscan.errors import ConfigError
from piiscan.inventory import Inventory
from piiscan.inventory.retention import Period, RetentionRule, retention_candidates

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
OLD = datetime(2022, 1, 10, tzinfo=UTC)  # 59 months before NOW
RECENT = datetime(2025, 6, 1, tzinfo=UTC)  # 18 months before NOW


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("retention")
    root = base / "share"
    write_tree(
        root,
        {
            "Kundtjänst/2021/arende.txt": f"Kund {PERSONNUMMER}, ring {PHONE}\n",
            "Kundtjänst/2025/arende.txt": f"Kund {PERSONNUMMER}\n",
            "Ekonomi/verifikat.txt": f"Leverantör {PERSONNUMMER}, {EMAIL}\n",
            "Ovrigt/gammal.txt": f"{PERSONNUMMER}\n",
        },
        mtimes={
            "Kundtjänst/2021/arende.txt": OLD,
            "Kundtjänst/2025/arende.txt": RECENT,
            "Ekonomi/verifikat.txt": OLD,
            "Ovrigt/gammal.txt": OLD,
        },
    )
    scan_tree(root, base / "inventory", base / "key")
    return base / "inventory"


RULES = (
    RetentionRule(glob="kundtjänst/**", older_than=Period(36, "months"), reason="Support"),
    RetentionRule(glob="Ekonomi/**", older_than=Period(10, "years")),
    RetentionRule(glob="Ekonomi/**", older_than=Period(3, "years"), entities=("EMAIL_ADDRESS",)),
)


def test_rules_hit_old_places_only(scanned: Path) -> None:
    report = retention_candidates(Inventory(scanned), RULES, now=NOW)
    found = [(c.path, c.rule.label, dict(c.by_entity)) for c in report.candidates]
    assert found == [
        # Ekonomi/ falls under the 10-year rule first (the first rule that covers a finding
        # applies), and is not past it; Ovrigt/ has no rule; Kundtjänst/2025 is recent.
        ("Kundtjänst/2021/arende.txt", "kundtjänst/** older than 36 months",
         {"PHONE_NUMBER": 1, "SE_PERSONNUMMER": 1}),
    ]  # fmt: skip
    assert report.candidates[0].modified == OLD


def test_entities_pick_the_rule(scanned: Path) -> None:
    rules = (
        RetentionRule(glob="Ekonomi/**", older_than=Period(3, "years"),
                      entities=("EMAIL_ADDRESS",)),
        RetentionRule(glob="Ekonomi/**", older_than=Period(10, "years")),
    )  # fmt: skip
    report = retention_candidates(Inventory(scanned), rules, now=NOW)
    assert [(c.path, dict(c.by_entity), c.rule.label) for c in report.candidates] == [
        ("Ekonomi/verifikat.txt", {"EMAIL_ADDRESS": 1}, "Ekonomi/** older than 3 years"),
    ]


@pytest.mark.parametrize(("period", "expected"), [
    (Period(36, "months"), datetime(2023, 12, 7, 12, 0, tzinfo=UTC)),
    (Period(10, "years"), datetime(2016, 12, 7, 12, 0, tzinfo=UTC)),
    (Period(90, "days"), datetime(2026, 9, 8, 12, 0, tzinfo=UTC)),
])  # fmt: skip
def test_cutoffs(period: Period, expected: datetime) -> None:
    assert period.before(NOW) == expected


def test_month_end_is_clamped() -> None:
    assert Period(1, "months").before(datetime(2026, 3, 31, tzinfo=UTC)) == datetime(
        2026, 2, 28, tzinfo=UTC
    )


def test_cli(scanned: Path, tmp_path: Path) -> None:
    config = tmp_path / "piiscan.toml"
    config.write_text(f'inventory = "{scanned}"\n\n[[retention]]\nglob = "Kundtjänst/**"\n'
                      'older_than = "36 months"\nreason = "Supportärenden"\n', "utf-8")  # fmt: skip
    result = run("retention", "--config", str(config), "--format", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [(r["path"], r["by_entity"], r["rule"], r["reason"]) for r in rows] == [
        ("Kundtjänst/2021/arende.txt", {"PHONE_NUMBER": 1, "SE_PERSONNUMMER": 1},
         "Kundtjänst/** older than 36 months", "Supportärenden"),
    ]  # fmt: skip
    assert rows[0]["age_days"] > 36 * 30
    text = run("retention", "--config", str(config))
    assert "1 places past their retention rule" in text.output
    assert "Kundtjänst/2021/arende.txt" in text.output
    none = tmp_path / "none.toml"
    none.write_text(f'inventory = "{scanned}"\n', "utf-8")
    refused = run("retention", "--config", str(none))
    assert isinstance(refused.exception, ConfigError)  # main() makes it exit 2
    assert "has no [[retention]] rules" in str(refused.exception)
