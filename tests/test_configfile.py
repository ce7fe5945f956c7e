"""The config file (``piiscan.toml``): every key read, every mistake one line naming key and
line, ``piiscan config check``, and ``piiscan scan --config`` with options that win."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from scheduled import PERSONNUMMER, run, write_tree

from piiscan.configfile import key_lines, load_config_file, parse_size
from piiscan.errors import ConfigError
from piiscan.inventory import Inventory
from piiscan.inventory.retention import Period
from piiscan.plugins import load_registry

REPO = Path(__file__).resolve().parents[1]
MAIN = [sys.executable, "-c", "from piiscan.cli import main; main()"]

COMPLETE = """\
# piiscan.toml
inventory = "inventory"
key_file = "key"

[scan]
roots = ["share", "smb://scanner@fileserver/ekonomi"]
workers = 2
include = ["**/*.txt"]
exclude = ["Backup/"]
follow_symlinks = false
skip_hidden = true
min_score = 0.6
entities = ["SE_PERSONNUMMER", "PHONE_NUMBER"]
person_model = "none"
smb_user = "scanner"
executor = "dask"
scheduler = "tls://scheduler.example.se:8786"
split_size = "32M"

[limits]
max_size = "64M"
max_text = "16M"
max_depth = 3
max_ratio = 100
max_seconds = 30

[known_values]
organisationsnummer = ["556016-0680"]
phone = ["070-174 06 05"]

[[retention]]
glob = "Kundtjänst/**"
older_than = "36 months"
reason = "Supportärenden gallras efter 36 månader"

[[retention]]
glob = "Ekonomi/**"
older_than = "10 years"
entities = ["SE_PERSONNUMMER"]

[report]
title = "Personuppgifter på filservern"
top = 10
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "piiscan.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_complete_example_is_read(tmp_path: Path) -> None:
    settings = load_config_file(_write(tmp_path, COMPLETE))
    assert settings.inventory == tmp_path / "inventory"
    assert settings.roots == (str(tmp_path / "share"), "smb://scanner@fileserver/ekonomi")
    config = settings.scan_config()
    assert config.workers == 2
    assert config.key_file == tmp_path / "key"
    assert config.walk.include == ("**/*.txt",)
    assert config.walk.exclude == ("Backup/",)
    assert config.walk.include_hidden is False
    assert config.walk.max_object_bytes == 64 * 1024**2
    assert config.limits.max_text_chars == 16 * 1024**2
    assert config.limits.max_depth == 3
    assert config.limits.max_expansion_ratio == 100
    assert config.limits.max_object_seconds == 30
    assert config.engine.min_score == 0.6
    assert config.engine.entities == ("SE_PERSONNUMMER", "PHONE_NUMBER")
    assert config.engine.person_model == "none"
    assert config.smb_username == "scanner"
    assert (config.executor, config.scheduler) == ("dask", "tls://scheduler.example.se:8786")
    assert config.split_bytes == 32 * 1024**2
    assert len(config.known_values.values) == 2
    assert "556016" not in repr(config)  # the known values stay out of repr
    assert [rule.label for rule in settings.retention] == [
        "Kundtjänst/** older than 36 months", "Ekonomi/** older than 10 years",
    ]  # fmt: skip
    assert settings.retention[1].entities == ("SE_PERSONNUMMER",)
    assert (settings.report.title, settings.report.top) == ("Personuppgifter på filservern", 10)


def test_command_line_options_win(tmp_path: Path) -> None:
    settings = load_config_file(_write(tmp_path, COMPLETE))
    config = settings.scan_config(
        ["other"], inventory=tmp_path / "inv2", workers=1, min_score=0.9, max_depth=None,
        exclude=(), skip_hidden=False,
    )  # fmt: skip
    assert config.roots == ("other",)
    assert config.inventory == tmp_path / "inv2"
    assert (config.workers, config.engine.min_score) == (1, 0.9)
    assert config.limits.max_depth == 3  # None: the file's
    assert config.walk.exclude == ("Backup/",)  # empty: the file's
    assert config.walk.include_hidden is False  # a flag not given: the file's
    assert settings.scan_config(executor="local").executor == "local"


# Each mistake: the text, the line the error must name, and the key it must name.
MISTAKES = [
    ("typo-top", 'inventory = "i"\ninventroy = "x"\n', 2,
     "inventroy: unknown key; did you mean inventory?"),
    ("typo-table", '[scan]\nroots = ["a"]\n\n[limtis]\nmax_depth = 2\n', 4, "limtis: unknown key"),
    ("typo-scan-key", '[scan]\nroots = ["a"]\nworkerz = 2\n', 3,
     "scan.workerz: unknown key; did you mean workers?"),
    ("typo-limit", '[limits]\nmax_depth = 2\nmax_sise = "5M"\n', 3,
     "limits.max_sise: unknown key; did you mean max_size?"),
    ("wrong-type", '[scan]\nworkers = "four"\n', 2, "scan.workers: must be a whole number"),
    ("bool-for-number", '[scan]\nworkers = true\n', 2, "scan.workers: must be a whole number"),
    ("out-of-range", '[scan]\nmin_score = 1.5\n', 2, "scan.min_score: must be from 0 to 1"),
    ("bad-size", '[limits]\nmax_size = "lots"\n', 2, "limits.max_size: must be a size"),
    ("bad-glob", '[scan]\nexclude = ["[abc"]\n', 2, "scan.exclude: unclosed '['"),
    ("roots-not-list", '[scan]\nroots = 3\n', 2,
     "scan.roots: must be a string or a list of strings"),
    ("scan-not-table", 'scan = 3\n', 1, "scan: must be a table"),
    ("retention-period", '[[retention]]\nglob = "a/**"\nolder_than = "36 moons"\n', 3,
     "retention[1].older_than: '36 moons' is not a period"),
    ("second-retention", '[[retention]]\nglob = "a/**"\nolder_than = "1 year"\n\n'
     '[[retention]]\nglob = "b/**"\nolder_than = "2 years"\nreasn = "x"\n', 8,
     "retention[2].reasn: unknown key; did you mean reason?"),
    ("retention-missing", '[[retention]]\nglob = "a/**"\n', 1, "retention[1]: needs older_than"),
    ("known-kind", '[known_values]\nbankgirot = ["5050-1055"]\n', 2,
     "known_values.bankgirot: unknown kind"),
    ("known-invalid", '[known_values]\norganisationsnummer = ["556016-0681"]\n', 2,
     "known_values.organisationsnummer: value 1 is not a valid organisationsnummer"),
    ("report-top", '[report]\ntop = 0\n', 2, "report.top: must be from 1 to 1000"),
    ("executor", '[scan]\nexecutor = "ray"\n', 2, "scan.executor: must be one of local, dask"),
    ("scheduler-type", '[scan]\nscheduler = 8786\n', 2,
     "scan.scheduler: must be an address (a string)"),
    ("after-multiline-array", '[scan]\nexclude = [\n  "a/",\n  "b/",\n]\nworkrs = 1\n', 6,
     "scan.workrs: unknown key"),
    ("reread-period", '[scan]\nreread_after = "90 dagz"\n', 2,
     "scan.reread_after: '90 dagz' is not a period"),
    ("resume-not-bool", '[scan]\nresume = "yes"\n', 2, "scan.resume: must be true or false"),
    ("typo-full", '[scan]\nfulll = true\n', 2, "scan.fulll: unknown key; did you mean full?"),
]  # fmt: skip


def test_rescan_keys(tmp_path: Path) -> None:
    path = _write(tmp_path, '[scan]\nroots = ["a"]\nreread_after = "never"\nfull = true\n'
                  'resume = false\n')  # fmt: skip
    config = load_config_file(path).scan_config(inventory=tmp_path / "inv")
    assert (config.reread_after, config.full, config.resume) == (None, True, False)
    path = _write(tmp_path, '[scan]\nroots = ["a"]\nreread_after = "6 months"\n')
    config = load_config_file(path).scan_config(inventory=tmp_path / "inv")
    assert str(config.reread_after) == "6 months"


@pytest.mark.parametrize(("text", "line", "message"), [m[1:] for m in MISTAKES],
                         ids=[m[0] for m in MISTAKES])  # fmt: skip
def test_mistakes_name_key_and_line(tmp_path: Path, text: str, line: int, message: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config_file(path)
    error = str(caught.value)
    assert "\n" not in error
    assert f"config file {path}: line {line}: {message}" in error
    assert "556016-0681" not in error  # never a value


def test_toml_syntax_error_names_the_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"not valid TOML: .*line 2"):
        load_config_file(_write(tmp_path, "[scan]\nworkers = = 2\n"))


def test_key_lines_follow_tables_and_arrays_of_tables() -> None:
    lines = key_lines(COMPLETE)
    assert lines[("inventory",)] == 2
    assert lines[("scan", "workers")] == 7
    assert lines[("retention", 0, "older_than")] == 33
    assert lines[("retention", 1, "entities")] == 39


@pytest.mark.parametrize(("text", "expected"), [
    ("512M", 512 * 1024**2), ("2G", 2 * 1024**3), ("1.5GiB", int(1.5 * 1024**3)), ("100", 100),
    ("64 kB", 64 * 1024),
])  # fmt: skip
def test_sizes(text: str, expected: int) -> None:
    assert parse_size(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("36 months", Period(36, "months")), ("10 years", Period(10, "years")),
    ("90 days", Period(90, "days")), ("1 year", Period(1, "years")),
    ("36 månader", Period(36, "months")), ("10 år", Period(10, "years")),
    ("2 veckor", Period(2, "weeks")),
])  # fmt: skip
def test_periods(text: str, expected: Period) -> None:
    assert Period.parse(text) == expected


def test_config_check_command(tmp_path: Path) -> None:
    path = _write(tmp_path, COMPLETE)
    (tmp_path / "share").mkdir()
    result = run("config", "check", str(path))
    assert result.exit_code == 0, result.output
    assert "ok (2 roots, 2 retention rules, 2 known values)" in result.output


def test_config_check_rejects_an_unknown_entity_type_with_its_line(tmp_path: Path) -> None:
    path = _write(tmp_path, '[[retention]]\nglob = "a/**"\nolder_than = "1 year"\n'
                            'entities = ["SE_PERSONUMMER"]\n')  # fmt: skip
    done = subprocess.run(
        [*MAIN, "config", "check", str(path)],
        capture_output=True, text=True, cwd=REPO, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1
    assert "line 4: retention[1].entities: unknown entity type SE_PERSONUMMER" in done.stderr


def test_typo_through_the_entry_point_is_one_line_exit_2(tmp_path: Path) -> None:
    path = _write(tmp_path, '[scan]\nroots = ["."]\nexlude = ["a/"]\n')
    for args in (["config", "check", str(path)], ["scan", "--config", str(path)]):
        done = subprocess.run(
            [*MAIN, *args], capture_output=True, text=True,
            cwd=REPO, check=False,
        )  # fmt: skip
        assert done.returncode == 2, done.stderr
        assert done.stderr == (
            f"piiscan: error: config file {path}: line 3: scan.exlude: unknown key; "
            "did you mean exclude?\n"
        )
        assert done.stdout == ""


def test_scan_with_config_file(tmp_path: Path) -> None:
    write_tree(tmp_path / "share", {"a.txt": f"Personnummer {PERSONNUMMER}\n",
                                    "Backup/b.txt": f"Personnummer {PERSONNUMMER}\n"})  # fmt: skip
    path = _write(
        tmp_path,
        """\
inventory = "inv"
key_file = "key"
[scan]
roots = ["share"]
workers = 1
exclude = ["Backup/"]
person_model = "none"
new_key = true
""",
    )
    result = run("scan", "--config", str(path), "--quiet")
    assert result.exit_code == 0, result.output
    assert "scan " not in result.output  # quiet: only the notice of the new key file
    objects = Inventory(tmp_path / "inv").objects().to_pylist()
    assert [row["path"] for row in objects] == ["a.txt"]
    # The command line wins: another inventory.
    result = run("scan", "--config", str(path), "--inventory", str(tmp_path / "inv2"), "-q")
    assert result.exit_code == 0, result.output
    assert Inventory(tmp_path / "inv2").scans()[0].roots == (str(tmp_path / "share"),)


def test_the_readme_example_is_valid(tmp_path: Path) -> None:
    readme = (REPO / "README.md").read_text("utf-8")
    start = readme.index("```toml\n# /etc/piiscan/piiscan.toml")
    example = readme[start + len("```toml\n") : readme.index("```", start + 3)]
    settings = load_config_file(_write(tmp_path, example))
    assert (len(settings.roots), len(settings.retention), len(settings.known_values.values)) == (
        2, 2, 4,
    )  # fmt: skip
    registry = load_registry(())
    settings.check_entities({spec.entity for spec in registry.specs})


@pytest.mark.parametrize(("roots", "message"), [
    ('["finns-inte"]', "line 2: scan.roots: root 1 does not exist: "),
    ('[".", "ftp://server/share"]', "line 2: scan.roots: root 2: unsupported root URL scheme: ftp://"),
])  # fmt: skip
def test_config_check_parses_roots(tmp_path: Path, roots: str, message: str) -> None:
    path = _write(tmp_path, f"[scan]\nroots = {roots}\n")
    result = run("config", "check", str(path))
    assert isinstance(result.exception, ConfigError)
    assert message in str(result.exception)
