"""``piiscan report``: a self-contained page a data protection officer reads, checked in a real
browser (headless Chromium): charts and tables render, nothing is loaded from the network, and
a screenshot is kept in ``build/test-artifacts/scan_report.png``."""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import ClassVar

import pytest
from scheduled import EMAIL, OTHER_PERSONNUMMER, PERSONNUMMER, PHONE, run, scan_tree, write_tree

from piiscan.inventory import Inventory
from piiscan.inventory.retention import Period, RetentionRule
from piiscan.report import build_report, render_report
from report.browser import chromium, visit

REPO = Path(__file__).resolve().parents[2]
HOSTILE = "<script>alert(1)</script>"
OLD = datetime(2019, 3, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Scanned:
    inventory: Path
    config: Path


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> Scanned:
    """A tree with several folders, old and new files, an unreadable one and a hostile folder
    name, scanned twice with a change between."""
    base = tmp_path_factory.mktemp("report")
    root, inventory, key = base / "share", base / "inventory", base / "key"
    write_tree(
        root,
        {
            "Kundtjänst/2019/arende.txt": f"Kund {PERSONNUMMER}, ring {PHONE}, {EMAIL}\n",
            "Kundtjänst/2024/arende.txt": f"Kund {OTHER_PERSONNUMMER}\n",
            "HR/lista.txt": f"{PERSONNUMMER}\n{OTHER_PERSONNUMMER}\n{EMAIL}\n",
            f"{HOSTILE}/a.txt": f"{PERSONNUMMER}\n",
        },
        mtimes={"Kundtjänst/2019/arende.txt": OLD, "HR/lista.txt": OLD},
    )
    (root / "Trasig").mkdir()
    (root / "Trasig" / "rapport.docx").write_bytes(b"PK\x03\x04 not really a docx")
    scan_tree(root, inventory, key)
    write_tree(root, {"Ekonomi/ny.txt": f"Leverantör {PERSONNUMMER}, {PHONE}\n"})
    scan_tree(root, inventory, key)
    config = base / "piiscan.toml"
    config.write_text(
        f'inventory = "{inventory}"\n\n[[retention]]\nglob = "Kundtjänst/**"\n'
        'older_than = "36 months"\nreason = "Supportärenden gallras"\n\n'
        '[report]\ntitle = "Personuppgifter på filservern"\ntop = 5\n',
        encoding="utf-8",
    )
    return Scanned(inventory, config)


def _report(scanned: Scanned) -> object:
    rules = (RetentionRule(glob="Kundtjänst/**", older_than=Period(36, "months")),)
    return build_report(Inventory(scanned.inventory), rules=rules)


def test_report_figures(scanned: Scanned) -> None:
    report = _report(scanned)
    data = report.to_dict()  # type: ignore[attr-defined]
    assert data["findings"] == 10
    assert data["unreadable"] == 1
    assert data["unreadable_objects"][0]["path"] == "Trasig/rapport.docx"
    assert data["change"]["findings_added"] == 2
    assert data["change"]["objects_added"] == 1
    assert data["findings_by_entity"]["SE_PERSONNUMMER"] == 6
    assert [c["path"] for c in data["retention"]["candidates"]] == ["Kundtjänst/2019/arende.txt"]
    assert data["findings_by_age"]["5-10 years"] == 6  # 2019: arende (3) and lista (3)
    assert data["top_locations"][0]["findings"] == 3


def test_no_raw_value_in_any_format(scanned: Scanned, tmp_path: Path) -> None:
    for fmt in ("html", "md", "json"):
        result = run("report", "--config", str(scanned.config), "--format", fmt)
        assert result.exit_code == 0, result.output
        for raw in (PERSONNUMMER, "121212-1212", "1740605", "174 06 05", "tolvan.tolvansson"):
            assert raw not in result.output, (fmt, raw)
    out = tmp_path / "r.html"
    assert run("report", "--config", str(scanned.config), "--out", str(out)).exit_code == 0
    assert out.stat().st_mode & 0o777 == 0o600


def test_html_is_escaped_and_self_contained(scanned: Scanned) -> None:
    html = render_report(_report(scanned), "html")  # type: ignore[arg-type]
    assert HOSTILE not in html
    assert "&lt;script&gt;" in html
    assert html.count("<svg") == 3

    class References(HTMLParser):
        found: ClassVar[list[str]] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            for name, value in attrs:
                if name in ("src", "href", "action", "poster", "data") and value:
                    self.found.append(value)

    parser = References()
    parser.feed(html)
    assert parser.found == []
    assert not re.search(r"url\(|@import|<script|<link|<iframe|<img", html, re.IGNORECASE)


needs_chromium = pytest.mark.skipif(
    chromium() is None, reason="chromium not installed (Debian: chromium)"
)

# Evaluated in the page once it has loaded: what a reader would see.
CHECKS = {
    "charts": "document.querySelectorAll('svg.chart').length",
    "drawn_charts": "[...document.querySelectorAll('svg.chart')]"
    ".filter(s => s.getBoundingClientRect().width > 300 && s.getBoundingClientRect().height > 20)"
    ".length",
    "bars": "[...document.querySelectorAll('svg.chart rect')]"
    ".filter(r => r.getBoundingClientRect().width > 0).length",
    "tables": "document.querySelectorAll('table').length",
    "rows": "document.querySelectorAll('tbody tr').length",
    "sections": "[...document.querySelectorAll('section')].map(s => s.id)",
    "heading": "document.querySelector('h1').textContent",
    "text": "document.body.innerText",
}


@needs_chromium
def test_report_renders_in_chromium_and_loads_nothing(scanned: Scanned, tmp_path: Path) -> None:
    page = tmp_path / "rapport.html"
    result = run("report", "--config", str(scanned.config), "--out", str(page))
    assert result.exit_code == 0, result.output
    seen = visit(page, tmp_path / "profile", CHECKS)
    assert seen.requests == (page.as_uri(),)  # the page itself, and nothing else
    values = seen.values
    assert values["heading"] == "Personuppgifter på filservern"
    assert values["sections"] == ["headline", "by-entity", "by-folder", "by-age", "change",
                                  "locations", "unreadable", "retention", "statuses"]  # fmt: skip
    assert values["charts"] == values["drawn_charts"] == 3
    assert values["bars"] >= 8
    assert values["tables"] == 5
    assert values["rows"] >= 12
    assert "Trasig/rapport.docx" in values["text"]
    assert "Kundtjänst/2019/arende.txt" in values["text"]  # a retention candidate
    assert HOSTILE in values["text"]  # shown as text, not run
    artifacts = REPO / "build" / "test-artifacts"
    artifacts.mkdir(parents=True, exist_ok=True)
    shot = artifacts / "scan_report.png"
    shot.unlink(missing_ok=True)
    subprocess.run(
        [chromium() or "chromium", "--headless", "--no-sandbox", "--disable-gpu",
         "--no-first-run", f"--user-data-dir={tmp_path / 'profile2'}", "--window-size=1280,2400",
         "--hide-scrollbars", f"--screenshot={shot}", page.as_uri()],
        capture_output=True, timeout=120, check=True,
    )  # fmt: skip
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 30_000  # a rendered page, not a blank one


@needs_chromium
def test_the_network_check_would_see_a_load(tmp_path: Path) -> None:
    """The same check catches a page that does load something: it is not vacuous."""
    page = tmp_path / "leaky.html"
    page.write_text('<!doctype html><img src="http://report-test.invalid/x.png">', "utf-8")
    seen = visit(page, tmp_path / "profile", {})
    assert "http://report-test.invalid/x.png" in seen.requests


def test_markdown_and_json(scanned: Scanned) -> None:
    md = run("report", "--config", str(scanned.config), "--format", "md").output
    assert md.startswith("# Personuppgifter på filservern")
    assert "| SE\\_PERSONNUMMER | 6 |" in md
    data = json.loads(run("report", "--config", str(scanned.config), "--format", "json").output)
    assert data["title"] == "Personuppgifter på filservern"
    assert len(data["top_locations"]) <= 5


def test_languages(scanned: Scanned) -> None:
    from piiscan.report.labels import LABELS

    assert set(LABELS["sv"]) == set(LABELS["en"])
    swedish = run("report", "--config", str(scanned.config), "--format", "md").output
    english = run("report", "--config", str(scanned.config), "--format", "md", "--lang", "en")
    assert "## Nyckeltal" in swedish
    assert "| 5–10 år | 6 |" in swedish
    assert "Kundtjänst/\\*\\* äldre än 36 månader" in swedish
    assert "## Headline figures" in english.output
    assert "| 5-10 years | 6 |" in english.output
    assert "Kundtjänst/\\*\\* older than 36 months" in english.output
    html = render_report(_report(scanned), "html", "en")  # type: ignore[arg-type]
    assert '<html lang="en">' in html
    assert "Findings by age of the object" in html
