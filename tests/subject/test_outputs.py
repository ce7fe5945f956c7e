"""Every output of ``piiscan subject`` and ``piiscan audit``, through click's runner, on a real
scan: the formats, the languages, the errors, and no raw identifier anywhere."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import REPO, Scanned

from piiscan.cli import cli

# Fictional identifiers that stand in the share (and one that does not).
SEARCHED = {
    "--personnummer": "19121212-1212",
    "--email": "tolvan.tolvansson@exempel.se",
    "--phone": "08-465 004 21",
    "--name": "Tolvan Tolvansson",
    "--organisationsnummer": "556016-0680",
}
RAW_FORMS = [
    "19121212-1212", "191212121212", "121212-1212", "1212121212", "20121212",
    "tolvan.tolvansson", "465 004 21", "46500421", "Tolvan Tolvansson", "Tolvansson",
    "5560160680", "556016-0680",
]  # fmt: skip
FORMATS = ["json", "csv", "md", "html"]


def invoke(scanned: Scanned, *args: str) -> str:
    result = CliRunner().invoke(
        cli, ["subject", "--inventory", str(scanned.inventory), *args],
        env={"PIISCAN_KEY_FILE": str(scanned.key_file)},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return result.output


def request_file(tmp_path: Path, purpose: str = "access") -> Path:
    path = tmp_path / "request.toml"
    path.write_text(
        'case = "DSR-2026-0142"\nreference = "Ert brev"\nreceived = 2026-11-01\n'
        f'purpose = "{purpose}"\n[subject]\n'
        + "".join(f'{option[2:]} = "{value}"\n' for option, value in SEARCHED.items())
        + '[[keep]]\npath = "Ekonomi/"\nyears = 7\nreason = "Bokföringslagen"\n',
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize("purpose", ["access", "erasure"])
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("lang", ["sv", "en"])
def test_no_raw_identifier_in_any_output(
    share_scan: Scanned, tmp_path: Path, purpose: str, fmt: str, lang: str
) -> None:
    output = invoke(
        share_scan, "--from-file", str(request_file(tmp_path, purpose)), "--format", fmt,
        "--lang", lang,
    )  # fmt: skip
    assert output.strip()
    for raw in RAW_FORMS:
        assert raw.casefold() not in output.casefold(), raw


def test_json_extract_is_a_versioned_schema(share_scan: Scanned, tmp_path: Path) -> None:
    data = json.loads(invoke(share_scan, "--from-file", str(request_file(tmp_path))))
    assert (data["schema"], data["schema_version"]) == ("piiscan.subject-report", 1)
    assert (data["case"], data["received"], data["due"]) == ("DSR-2026-0142", "2026-11-01",
                                                              "2026-12-01")  # fmt: skip
    assert data["overdue"] is True
    assert {p["certainty"] for p in data["places"]} == {"confirmed", "possible"}
    assert data["gaps"]
    first = data["places"][0]
    assert set(first) == {
        "system", "root", "path", "member", "record", "certainty", "matched", "reasons",
        "categories", "locators", "findings", "other_findings", "first_seen", "last_seen",
        "modified",
    }  # fmt: skip


def test_erasure_worklist_honours_keep_rules(share_scan: Scanned, tmp_path: Path) -> None:
    data = json.loads(invoke(share_scan, "--from-file", str(request_file(tmp_path, "erasure"))))
    actions = {(a["path"], a["member"]): a for a in data["actions"]}
    kept = [a for a in data["actions"] if a["path"].startswith("Ekonomi/")]
    assert kept
    assert all(a["action"] == "keep" and a["keep_reason"] == "Bokföringslagen" for a in kept)
    assert actions[("Arkiv/arende_2019.zip", "2019/arende.docx")]["action"] == (
        "delete_or_redact_member"
    )
    assert data["rescan"] == [str(share_scan.root)]


def test_nothing_found_still_says_what_was_searched(share_scan: Scanned) -> None:
    text = invoke(share_scan, "--email", "ingen.alls@exempel.se", "--format", "md")
    assert "Inga uppgifter om personen hittades" in text
    assert "Genomsökta system" in text
    assert "Kunde inte genomsökas" in text
    assert "krypterad" in text


def test_verify_erasure_lists_what_is_left(share_scan: Scanned, tmp_path: Path) -> None:
    text = invoke(
        share_scan, "--verify-erasure", str(request_file(tmp_path, "erasure")), "--format",
        "md", "--lang", "en",
    )  # fmt: skip
    assert text.startswith("# Check after erasure")
    assert "Places that still hold the person's data" in text


def test_output_file_is_private(share_scan: Scanned, tmp_path: Path) -> None:
    target = tmp_path / "utdrag.html"
    target.write_text("old", encoding="utf-8")
    target.chmod(0o644)  # an existing file is made private too
    assert invoke(share_scan, "--personnummer", "20121212-1212", "--format", "html", "-o",
                  str(target)) == ""  # fmt: skip
    assert target.read_text("utf-8").startswith("<!doctype html>")
    if os.name == "posix":
        assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_audit_lists_lookups_with_value_keys_only(share_scan: Scanned, tmp_path: Path) -> None:
    invoke(share_scan, "--from-file", str(request_file(tmp_path)), "--operator", "dso")
    result = CliRunner().invoke(cli, ["audit", "--inventory", str(share_scan.inventory)])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    mine = [r for r in rows if r["operator"] == "dso"]
    assert mine
    assert mine[-1]["case"] == "DSR-2026-0142"
    for raw in RAW_FORMS:
        assert raw.casefold() not in result.output.casefold()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--personnummer", "19121212-1213"], "--personnummer value is not a valid"),
        ([], "give at least one identifier"),
        (["--from-file", "{tmp}/r.toml", "--email", "a@exempel.se"], "not both"),
        (["--from-file", "{tmp}/finns-inte.toml"], "cannot read request file"),
    ],
    ids=["invalid", "empty", "file-and-options", "missing-file"],
)
def test_usage_errors_exit_2(
    share_scan: Scanned, tmp_path: Path, args: list[str], message: str
) -> None:
    (tmp_path / "r.toml").write_text('[subject]\nemail = "a@exempel.se"\n', encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-c", "from piiscan.cli import main; main()", "subject",
         "--inventory", str(share_scan.inventory), *(a.format(tmp=tmp_path) for a in args)],
        capture_output=True, text=True, check=False,
        env={**os.environ, "PIISCAN_KEY_FILE": str(share_scan.key_file)},
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("piiscan: error: ")
    assert len(done.stderr.strip().splitlines()) == 1
    assert message in done.stderr
    assert "1213" not in done.stderr
    assert done.stdout == ""


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(_chromium() is None, reason="chromium not installed (Debian: chromium)")
def test_html_extract_renders_in_headless_chromium(share_scan: Scanned, tmp_path: Path) -> None:
    """The extract opens in a real browser: the DOM has its sections, and a screenshot of the
    first page is kept under ``build/test-artifacts/`` for a person to look at."""
    page = tmp_path / "utdrag.html"
    invoke(share_scan, "--from-file", str(request_file(tmp_path)), "--format", "html", "-o",
           str(page))  # fmt: skip
    browser = [_chromium() or "chromium", "--headless", "--no-sandbox", "--disable-gpu",
               "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}"]  # fmt: skip
    dom = subprocess.run(
        [*browser, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120,
        check=True,
    ).stdout  # fmt: skip
    for heading in ("Registerutdrag", "Bekräftade platser", "Kunde inte genomsökas"):
        assert heading in dom
    artifacts = REPO / "build" / "test-artifacts"
    artifacts.mkdir(parents=True, exist_ok=True)
    shot = artifacts / "subject_extract.png"
    shot.unlink(missing_ok=True)
    subprocess.run(
        [*browser, "--window-size=1240,1754", "--hide-scrollbars", f"--screenshot={shot}",
         page.as_uri()],
        capture_output=True, timeout=120, check=True,
    )  # fmt: skip
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 20_000  # a rendered page, not a blank one
