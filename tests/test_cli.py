"""The ``piiscan`` command line: every command, every output format, and the error contract.

Commands run in-process through click's :class:`~click.testing.CliRunner` where only their
output matters, and through the real entry point ``piiscan.cli:main`` in a child process where
the exit status and the one-line error message are the contract (``main`` maps exceptions to
``piiscan: error: ...`` and exit statuses: 2 for bad usage, others for a failure to run).
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from piiscan import __version__
from piiscan.cli import cli
from piiscan.inventory import Inventory

FINDING_COLUMNS = {
    "root", "path", "locator", "entity_type", "start", "end", "score", "masked", "value_key",
}  # fmt: skip
OBJECT_COLUMNS = {"root", "path", "member", "status", "reason"}

CSV_TEXT = (
    "Namn;Personnummer;Telefon;E-post\n"
    "Anna Andersson;19850601-2387;070-174 06 05;anna.andersson@exempel.se\n"
    "Tolvan Tolvansson;201212121212;08-465 004 12;tolvan.tolvansson@exempel.se\n"
)
NOTE_TEXT = "Samordningsnummer 701063-2391, organisationsnummer 556016-0680.\n"
EXPECTED_ENTITIES = {
    "SE_PERSONNUMMER": 2, "PHONE_NUMBER": 2, "EMAIL_ADDRESS": 2,
    "SE_SAMORDNINGSNUMMER": 1, "SE_ORGANISATIONSNUMMER": 1,
}  # fmt: skip
# Scans here report these entities only, so a change in the name recognizer does not move them.
ENTITIES_OPTION = ["--entities", ",".join(EXPECTED_ENTITIES)]


@dataclass(frozen=True, slots=True)
class Scanned:
    root: Path
    inventory: Path
    key_file: Path
    scan_output: str
    scan_ids: tuple[str, ...]


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> Scanned:
    """A small tree scanned twice into one inventory (so ``--scan`` has a choice)."""
    base = tmp_path_factory.mktemp("cli")
    root = base / "root"
    (root / "Ekonomi").mkdir(parents=True)
    (root / "Ekonomi" / "kunder.csv").write_text(CSV_TEXT, encoding="utf-8")
    (root / "anteckning.txt").write_text(NOTE_TEXT, encoding="utf-8")
    (root / "tom.txt").write_bytes(b"")
    inventory, key_file = base / "inventory", base / "key"
    runner = CliRunner()
    outputs = []
    for first in (True, False):  # the first scan creates the key it names
        result = runner.invoke(
            cli,
            ["scan", str(root), "--inventory", str(inventory), "--workers", "1",
             "--key-file", str(key_file), *(["--new-key"] if first else []), *ENTITIES_OPTION],
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        outputs.append(result.output)
    scan_ids = tuple(info.scan_id for info in Inventory(inventory).scans())
    return Scanned(root, inventory, key_file, outputs[-1], scan_ids)


def invoke(*args: str, input: str | bytes | None = None) -> str:
    result = CliRunner().invoke(cli, list(args), input=input)
    assert result.exit_code == 0, result.output
    return result.output


# Guards a child process against hanging (a blocking open); not a measurement of speed.
GUARD_SECONDS = 300


def run_main(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``piiscan.cli:main`` as the installed command does, in a child process."""
    return subprocess.run(
        [sys.executable, "-c", "from piiscan.cli import main; main()", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        check=False,
        timeout=GUARD_SECONDS,
    )


# ------------------------------------------------------------------------------------------
# scan


def test_scan_prints_a_summary_line(scanned: Scanned) -> None:
    line = scanned.scan_output.strip()
    assert line.startswith("scan ")
    assert "3 objects" in line
    assert "8 findings" in line
    assert str(scanned.inventory) in line
    assert len(scanned.scan_ids) == 2


def test_scan_quiet_prints_nothing(tmp_path: Path, scanned: Scanned) -> None:
    result = CliRunner().invoke(
        cli,
        ["scan", str(scanned.root), "--inventory", str(tmp_path / "inv"), "--workers", "1",
         "--key-file", str(scanned.key_file), "--quiet"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.output == ""


@pytest.mark.parametrize(
    ("options", "entities"),
    [
        ([], set(EXPECTED_ENTITIES)),
        (["--entities", "SE_PERSONNUMMER,EMAIL_ADDRESS"], {"SE_PERSONNUMMER", "EMAIL_ADDRESS"}),
        (["--include", "*.txt"], {"SE_SAMORDNINGSNUMMER", "SE_ORGANISATIONSNUMMER"}),
        (["--exclude", "Ekonomi"], {"SE_SAMORDNINGSNUMMER", "SE_ORGANISATIONSNUMMER"}),
    ],
    ids=["all", "entities", "include", "exclude"],
)
def test_scan_options_select_what_is_reported(
    tmp_path: Path, scanned: Scanned, options: list[str], entities: set[str]
) -> None:
    inventory = tmp_path / "inv"
    result = CliRunner().invoke(
        cli,
        ["scan", str(scanned.root), "--inventory", str(inventory), "--workers", "1",
         "--key-file", str(scanned.key_file), "--quiet", *ENTITIES_OPTION, *options],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = _jsonl(invoke("findings", "--inventory", str(inventory)))
    assert {r["entity_type"] for r in rows} == entities


def test_scan_max_text_stops_an_object_with_more_text(tmp_path: Path, scanned: Scanned) -> None:
    """``--max-text``: an object with more text than that is ``too_large``; what was found in
    the text before the budget ran out stays."""
    inventory = tmp_path / "inv"
    result = CliRunner().invoke(
        cli,
        ["scan", str(scanned.root), "--inventory", str(inventory), "--workers", "1",
         "--key-file", str(scanned.key_file), "--quiet", *ENTITIES_OPTION, "--max-text", "40"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    objects = Inventory(inventory).objects().to_pylist()
    status = {Path(row["path"]).name: row["status"] for row in objects if not row["member"]}
    assert status["anteckning.txt"] == "too_large"
    assert status["tom.txt"] == "no_text"


def test_scan_key_file_from_environment(tmp_path: Path, scanned: Scanned) -> None:
    """``PIISCAN_KEY_FILE`` names the key; the same key gives the same value keys."""
    inventory = tmp_path / "inv"
    done = run_main(
        "scan", str(scanned.root), "--inventory", str(inventory), "--workers", "2", "--quiet",
        *ENTITIES_OPTION, env={"PIISCAN_KEY_FILE": str(scanned.key_file)},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr

    def keys(inv: Path) -> set[str]:
        return {r["value_key"] for r in _jsonl(invoke("findings", "--inventory", str(inv)))}

    assert keys(inventory) == keys(scanned.inventory)


# ------------------------------------------------------------------------------------------
# findings and objects in every format


def _jsonl(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def _csv(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


PARSERS = {"jsonl": _jsonl, "csv": _csv, "json": json.loads}


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "json"])
def test_findings_formats(scanned: Scanned, fmt: str) -> None:
    rows = PARSERS[fmt](invoke("findings", "--inventory", str(scanned.inventory), "--format", fmt))
    assert len(rows) == sum(EXPECTED_ENTITIES.values())
    assert set(rows[0]) >= FINDING_COLUMNS
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["entity_type"]] = counts.get(row["entity_type"], 0) + 1
        assert "*" in row["masked"]
        assert len(row["value_key"]) == 64
    assert counts == EXPECTED_ENTITIES
    csv_rows = [r for r in rows if r["path"] == "Ekonomi/kunder.csv"]
    assert {r["locator"] for r in csv_rows} >= {"row=2/column=Personnummer"}


def test_findings_formats_agree(scanned: Scanned) -> None:
    inv = str(scanned.inventory)
    as_json = json.loads(invoke("findings", "--inventory", inv, "--format", "json"))
    as_jsonl = _jsonl(invoke("findings", "--inventory", inv))
    as_csv = _csv(invoke("findings", "--inventory", inv, "--format", "csv"))
    assert as_json == as_jsonl
    assert [(r["path"], r["masked"]) for r in as_csv] == [(r["path"], r["masked"]) for r in as_json]


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "json"])
def test_objects_formats(scanned: Scanned, fmt: str) -> None:
    rows = PARSERS[fmt](invoke("objects", "--inventory", str(scanned.inventory), "--format", fmt))
    assert set(rows[0]) >= OBJECT_COLUMNS
    assert sorted(r["path"] for r in rows) == ["Ekonomi/kunder.csv", "anteckning.txt", "tom.txt"]


def test_scan_option_picks_a_scan(scanned: Scanned) -> None:
    first, latest = scanned.scan_ids[0], scanned.scan_ids[-1]
    for scan_id in (first, latest):
        rows = _jsonl(invoke("findings", "--inventory", str(scanned.inventory), "--scan", scan_id))
        assert {r["scan_id"] for r in rows} == {scan_id}
    default = _jsonl(invoke("objects", "--inventory", str(scanned.inventory)))
    assert {r["scan_id"] for r in default} == {latest}


# ------------------------------------------------------------------------------------------
# summary and recognizers


def test_summary_text(scanned: Scanned) -> None:
    text = invoke("summary", "--inventory", str(scanned.inventory))
    assert text.startswith(f"scan {scanned.scan_ids[-1]}: 3 objects, 8 findings")
    for heading in ("objects by status:", "findings by entity type:", "findings by top-level"):
        assert heading in text
    assert "SE_PERSONNUMMER" in text
    assert "Ekonomi" in text


def test_summary_json(scanned: Scanned) -> None:
    data = json.loads(invoke("summary", "--inventory", str(scanned.inventory), "--format", "json"))
    assert data["scan_id"] == scanned.scan_ids[-1]
    assert data["objects"] == 3
    assert data["findings"] == 8
    assert data["findings_by_entity"] == EXPECTED_ENTITIES
    assert sum(data["objects_by_status"].values()) == 3
    folders = {f["folder"]: f["findings"] for f in data["findings_by_folder"]}
    assert folders == {"Ekonomi": 6, ".": 2}


def test_recognizers_table() -> None:
    text = invoke("recognizers")
    header, *rows = text.splitlines()
    assert header.split()[:3] == ["ID", "VER", "ENTITY"]
    ids = {row.split()[0] for row in rows}
    assert {"se.personnummer", "se.samordningsnummer", "se.phone", "se.email"} <= ids


def test_recognizers_json() -> None:
    rows = json.loads(invoke("recognizers", "--format", "json"))
    by_id = {row["id"]: row for row in rows}
    assert by_id["se.personnummer"]["entity"] == "SE_PERSONNUMMER"
    assert by_id["se.personnummer"]["validator"] == "personnummer"
    assert all(isinstance(row["version"], int) and row["version"] >= 1 for row in rows)
    assert [row["id"] for row in rows] == sorted(by_id)


# ------------------------------------------------------------------------------------------
# scan-text

SCAN_TEXT_CASES = [
    ("Personnummer: 850601-2387", [], "SE_PERSONNUMMER", "850601-****"),
    ("Ring 070-174 06 05 i morgon", [], "PHONE_NUMBER", "070-*** ** 05"),
    ("Skriv till anna.andersson@exempel.se", [], "EMAIL_ADDRESS", "a***@exempel.se"),
    ("8506012387", ["--context", "personnummer"], "SE_PERSONNUMMER", "850601****"),
]


@pytest.mark.parametrize(
    ("text", "options", "entity", "masked"),
    SCAN_TEXT_CASES,
    ids=[case[2] + ("+context" if case[1] else "") for case in SCAN_TEXT_CASES],
)
def test_scan_text_from_stdin(text: str, options: list[str], entity: str, masked: str) -> None:
    rows = _jsonl(invoke("scan-text", "-", *options, input=text.encode("utf-8")))
    assert [(r["entity_type"], r["masked"]) for r in rows] == [(entity, masked)]
    assert {"start", "end", "score", "recognizer", "flags"} <= set(rows[0])
    assert text[rows[0]["start"] : rows[0]["end"]].replace(" ", "")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "cp1252"])
def test_scan_text_from_file(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "brev.txt"
    path.write_bytes("Hej Göran! Ditt personnummer 19850601-2387 är ändrat.\n".encode(encoding))
    rows = _jsonl(invoke("scan-text", str(path)))
    assert ("SE_PERSONNUMMER", "19850601-****") in {(r["entity_type"], r["masked"]) for r in rows}
    assert (
        "test_identity" in next(r for r in rows if r["entity_type"] == "SE_PERSONNUMMER")["flags"]
    )


def test_scan_text_min_score_filters() -> None:
    low = _jsonl(invoke("scan-text", "-", "--min-score", "0", input=b"8506012387"))
    high = _jsonl(invoke("scan-text", "-", "--min-score", "1", input=b"8506012387"))
    assert all(r["score"] >= 0 for r in low)
    assert high == []


def test_scan_text_prints_no_raw_value() -> None:
    text = "Personnummer 850601-2387, telefon 070-174 06 05, anna.andersson@exempel.se"
    output = invoke("scan-text", "-", input=text.encode())
    for raw in ("850601-2387", "8506012387", "174 06 05", "0701740605", "anna.andersson"):
        assert raw not in output


def test_version() -> None:
    assert __version__ in invoke("--version")


@pytest.mark.parametrize("command", ["scan", "findings", "objects", "columns", "summary",
                                     "recognizers", "scan-text"])  # fmt: skip
def test_every_command_has_help_with_an_example(command: str) -> None:
    assert "Example:" in invoke(command, "--help")


# ------------------------------------------------------------------------------------------
# Errors through main(): one line, documented exit status, no traceback.

ERROR_CASES = [
    # id, args, exit status (None: any non-zero other than 2), text in the message
    ("missing-root", ["scan", "{tmp}/finns-inte", "--inventory", "{tmp}/inv"], 2,
     "does not exist"),
    ("no-root", ["scan", "--inventory", "{tmp}/inv"], 2, "Missing argument"),
    ("unknown-option", ["scan", "{tmp}", "--bogus"], 2, "No such option"),
    ("bad-workers", ["scan", "{tmp}", "--inventory", "{tmp}/inv", "--workers", "0"], 2,
     "--workers"),
    ("bad-size", ["scan", "{tmp}", "--inventory", "{tmp}/inv", "--max-size", "lots"], 2,
     "--max-size"),
    ("bad-format", ["findings", "--inventory", "{inv}", "--format", "xml"], 2, "--format"),
    ("unknown-command", ["skanna"], 2, "No such command"),
    ("unknown-scan-findings", ["findings", "--inventory", "{inv}", "--scan", "nope"], None,
     "nope"),
    ("unknown-scan-objects", ["objects", "--inventory", "{inv}", "--scan", "nope"], None,
     "nope"),
    ("unknown-scan-summary", ["summary", "--inventory", "{inv}", "--scan", "nope"], None,
     "nope"),
    ("no-inventory", ["findings", "--inventory", "{tmp}/ingen"], None, "no inventory"),
    ("scan-text-missing-file", ["scan-text", "{tmp}/finns-inte.txt"], 2, "finns-inte"),
    ("unknown-entity", ["scan", "{tmp}", "--inventory", "{tmp}/inv", "--entities", "FOO"], 2,
     "unknown entity type FOO (--entities); known: "),
    ("unknown-person-model", ["scan", "{tmp}", "--inventory", "{tmp}/inv", "--person-model",
     "no_such_pipeline_xyz"], 2, "--person-model no_such_pipeline_xyz"),
    ("mistyped-key-file", ["scan", "{tmp}", "--inventory", "{tmp}/inv", "--key-file",
     "{tmp}/typo/key"], 2, "--new-key"),
    ("smb-refused", ["scan", "smb://127.0.0.1:1/share", "--inventory", "{tmp}/inv"], 5,
     "127.0.0.1:1: connection refused"),
    ("imap-password-in-url", ["scan", "imaps://anna:Hemligt-42@127.0.0.1/INBOX",
     "--inventory", "{tmp}/inv"], 2, "must not hold a password"),
    ("imap-no-password", ["scan", "imaps://anna@127.0.0.1:1/INBOX", "--inventory",
     "{tmp}/inv"], 2, "needs a user and a password"),
    ("other-key", ["scan", "{tmp}", "--inventory", "{inv}", "--key-file", "{tmp}/new.key",
     "--new-key"], 4, "was made with a different key"),
    # A FIFO is refused at once instead of waiting for a writer (the guard timeout of
    # run_main turns a regression into a failure, not a hang).
    ("key-file-fifo", ["scan", "{tmp}", "--inventory", "{tmp}/inv", "--key-file", "{fifo}"], 2,
     "is not a regular file (fifo)"),
    ("scan-text-fifo", ["scan-text", "{fifo}"], 2, "is not a regular file (fifo)"),
    ("scan-text-device", ["scan-text", os.devnull], 2,
     "is not a regular file (character device)"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("args", "status", "message"),
    [pytest.param(args, status, message, id=name) for name, args, status, message in ERROR_CASES],
)
def test_errors_are_one_line_with_exit_status(
    tmp_path: Path, scanned: Scanned, args: list[str], status: int | None, message: str
) -> None:
    fifo = tmp_path / "rör"
    os.mkfifo(fifo)
    argv = [a.format(tmp=tmp_path, inv=scanned.inventory, fifo=fifo) for a in args]
    done = run_main(*argv, env={"PIISCAN_KEY_FILE": str(scanned.key_file)})
    if status is None:
        assert done.returncode not in (0, 2), done.stderr
    else:
        assert done.returncode == status, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("piiscan: error: ")
    assert message in lines[0]
    assert "Traceback" not in done.stderr
    assert done.stdout == ""


REFUSED_SCANS = [
    ("mistyped-key-file", ["--key-file", "{tmp}/typo/key"]),
    ("other-key", ["--key-file", "{tmp}/new.key", "--new-key"]),
    ("bad-person-model", ["--key-file", "{tmp}/new.key", "--new-key", "--person-model", "x_y"]),
    ("unknown-entity", ["--key-file", "{tmp}/new.key", "--new-key", "--entities", "FOO"]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("inventory", "args"),
    [pytest.param("{inv}" if name == "other-key" else "{tmp}/inv", args, id=name)
     for name, args in REFUSED_SCANS],
)  # fmt: skip
def test_refused_scan_leaves_nothing_behind(
    tmp_path: Path, scanned: Scanned, inventory: str, args: list[str]
) -> None:
    root = tmp_path / "root"
    root.mkdir()
    (root / "a.txt").write_text(NOTE_TEXT, encoding="utf-8")
    before = {p.name for p in scanned.inventory.rglob("*")}
    argv = [a.format(tmp=tmp_path, inv=scanned.inventory) for a in args]
    done = run_main(
        "scan", str(root), "--inventory", inventory.format(tmp=tmp_path, inv=scanned.inventory),
        "--workers", "1", *argv, env={"PIISCAN_KEY_FILE": str(scanned.key_file)},
    )  # fmt: skip
    assert done.returncode in (2, 4), done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["root"]
    assert {p.name for p in scanned.inventory.rglob("*")} == before


def test_new_key_is_created_only_when_asked_and_announced(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    (root / "a.txt").write_text(NOTE_TEXT, encoding="utf-8")
    key_file = tmp_path / "keys" / "piiscan.key"
    done = run_main(
        "scan", str(root), "--inventory", str(tmp_path / "inv"), "--workers", "1",
        "--key-file", str(key_file), "--new-key", *ENTITIES_OPTION,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert f"piiscan: created a new key file {key_file}" in done.stderr
    assert key_file.is_file()
    again = run_main(
        "scan", str(root), "--inventory", str(tmp_path / "inv"), "--workers", "1",
        "--key-file", str(key_file), *ENTITIES_OPTION,
    )  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert "created a new key" not in again.stderr


def test_duration_is_rounded(scanned: Scanned) -> None:
    rows = _jsonl(invoke("objects", "--inventory", str(scanned.inventory)))
    assert all(r["duration_ms"] == round(r["duration_ms"], 1) for r in rows)


def test_missing_root_creates_no_inventory(tmp_path: Path, scanned: Scanned) -> None:
    done = run_main(
        "scan", str(tmp_path / "finns-inte"), "--inventory", str(tmp_path / "inv"),
        env={"PIISCAN_KEY_FILE": str(scanned.key_file)},
    )  # fmt: skip
    assert done.returncode != 0
    assert not (tmp_path / "inv").exists()


def test_main_exit_zero_when_objects_fail(tmp_path: Path, scanned: Scanned) -> None:
    """A broken file is a row, not a failure of the command."""
    root = tmp_path / "root"
    root.mkdir()
    (root / "trasig.pdf").write_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 4 + b"\n%%EOF\n")
    (root / "avbruten.docx").write_bytes(b"PK\x03\x04" + b"\x00" * 64)
    done = run_main(
        "scan", str(root), "--inventory", str(tmp_path / "inv"), "--workers", "1",
        env={"PIISCAN_KEY_FILE": str(scanned.key_file)},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "2 objects" in done.stderr
    rows = _jsonl(run_main("objects", "--inventory", str(tmp_path / "inv")).stdout)
    assert {r["status"] for r in rows} == {"error"}
    assert all(r["reason"] for r in rows)


def test_partly_read_csv_is_a_partial_row_that_keeps_its_findings(
    tmp_path: Path, scanned: Scanned
) -> None:
    root = tmp_path / "root"
    root.mkdir()
    oversized = "x" * 200_000  # over the csv module's field size limit
    (root / "kunder.csv").write_text(
        f"Namn;Personnummer\nAnna;19850601-2387\nBo;{oversized}\nTolvan;19121212-1212\n",
        encoding="utf-8",
    )
    inventory = tmp_path / "inv"
    result = CliRunner().invoke(
        cli,
        ["scan", str(root), "--inventory", str(inventory), "--workers", "1",
         "--key-file", str(scanned.key_file), *ENTITIES_OPTION],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "1 errors" in result.output  # a partly read file counts as an error
    (row,) = _jsonl(invoke("objects", "--inventory", str(inventory)))
    assert (row["status"], row["reason"], row["findings"]) == (
        "partial", "1 CSV record not read (row 3: field over 131072 characters)", 2,
    )  # fmt: skip
    locators = {r["locator"] for r in _jsonl(invoke("findings", "--inventory", str(inventory)))}
    assert locators == {"row=2/column=Personnummer", "row=4/column=Personnummer"}
    (info,) = Inventory(inventory).scans()
    assert info.errors == 1


# ------------------------------------------------------------------------------------------
# What reaches a terminal and the log


ESC_NAME = "\x1b[31mröd\x1b[0m\x9b2J.txt"  # SGR colour, and a C1 CSI that clears the screen
# Every way the fictional identifiers in the hostile tree below could be written out raw.
RAW_FORMS = (
    "19121212-1212", "191212121212", "1212121212", "121212-1212",
    "19850601-2387", "198506012387", "8506012387", "850601-2387",
    "070-174 06 05", "0701740605", "+46701740605", "anna.andersson@exempel.se",
)  # fmt: skip


@pytest.fixture(scope="module")
def hostile_names(tmp_path_factory: pytest.TempPathFactory, scanned: Scanned) -> Scanned:
    """A tree whose names hold an escape sequence and identifiers, scanned at debug level."""
    base = tmp_path_factory.mktemp("names")
    root = base / "root"
    (root / "19850601-2387").mkdir(parents=True)
    (root / ESC_NAME).write_text(CSV_TEXT, encoding="utf-8")
    (root / "19850601-2387" / "kund 19121212-1212.txt").write_text(NOTE_TEXT, encoding="utf-8")
    (root / "kunder.csv").write_text(CSV_TEXT, encoding="utf-8")
    inventory = base / "inventory"
    done = run_main(
        "--log-level", "debug", "scan", str(root), "--inventory", str(inventory),
        "--workers", "1", env={"PIISCAN_KEY_FILE": str(scanned.key_file)},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return Scanned(root, inventory, scanned.key_file, done.stderr, ())


def test_most_verbose_log_holds_no_raw_identifier(hostile_names: Scanned) -> None:
    log = hostile_names.scan_output
    assert "piiscan: debug: piiscan.extractors.dispatch: object of " in log
    assert "piiscan: info: piiscan.inventory.writer: scan " in log
    assert [form for form in RAW_FORMS if form in log] == []
    assert "\x1b" not in log


def test_log_level_from_the_environment(tmp_path: Path, scanned: Scanned) -> None:
    (tmp_path / "a.txt").write_text(NOTE_TEXT, encoding="utf-8")
    args = ["scan", str(tmp_path / "a.txt"), "--inventory", str(tmp_path / "inv"),
            "--workers", "1", "-q"]  # fmt: skip
    quiet = run_main(*args, env={"PIISCAN_KEY_FILE": str(scanned.key_file)})
    verbose = run_main(
        *args, env={"PIISCAN_KEY_FILE": str(scanned.key_file), "PIISCAN_LOG": "info"}
    )
    assert quiet.stderr == ""
    assert "piiscan: info: scan " in verbose.stderr
    assert "debug" not in verbose.stderr


@pytest.mark.parametrize("command", ["objects", "findings"])
@pytest.mark.parametrize("fmt", ["csv", "jsonl", "json"])
def test_control_characters_in_names_never_reach_the_terminal(
    hostile_names: Scanned, command: str, fmt: str
) -> None:
    out = invoke(command, "--inventory", str(hostile_names.inventory), "--format", fmt)
    assert not re.search(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]", out)
    paths = {row["path"] for row in PARSERS[fmt](out)}
    if fmt == "csv":  # escaped, readable
        assert "\\x1b[31mröd\\x1b[0m\\x9b2J.txt" in paths
    else:  # JSON escapes are lossless
        assert ESC_NAME in paths


def test_control_characters_in_summary_are_escaped(hostile_names: Scanned) -> None:
    out = invoke("summary", "--inventory", str(hostile_names.inventory))
    assert not re.search(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]", out)


@pytest.mark.skipif(os.name != "posix", reason="mode bits describe access on POSIX only")
def test_an_inventory_open_to_others_is_warned_about_on_stderr(
    tmp_path: Path, scanned: Scanned
) -> None:
    (tmp_path / "a.txt").write_text(NOTE_TEXT, encoding="utf-8")
    inventory = tmp_path / "inv"
    inventory.mkdir(mode=0o755)
    inventory.chmod(0o755)
    done = run_main(
        "scan", str(tmp_path / "a.txt"), "--inventory", str(inventory), "--workers", "1", "-q",
        env={"PIISCAN_KEY_FILE": str(scanned.key_file)},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stderr == (
        f"piiscan: warning: inventory directory {inventory} is open to group or others "
        f"(mode 0755); it holds paths and value keys: run chmod 700 {inventory} unless "
        "sharing it is intended\n"
    )


def test_an_exception_python_cannot_raise_is_logged_by_type_not_printed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import contextlib
    import types

    from piiscan import cli as cli_module

    monkeypatch.setattr(sys, "unraisablehook", sys.__unraisablehook__)
    with contextlib.suppress(SystemExit):
        cli_module.main(["--version"])
    hook = sys.unraisablehook
    assert hook is cli_module._unraisable_to_debug_log
    capsys.readouterr()
    error = OSError(9, "Bad file descriptor")
    hook(types.SimpleNamespace(exc_type=OSError, exc_value=error, exc_traceback=None,
                               err_msg=None, object=None))  # fmt: skip
    assert capsys.readouterr().err == ""
