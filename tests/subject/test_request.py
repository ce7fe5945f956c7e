"""Request files: what a DPO writes instead of typing identifiers into a shell."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from piiscan.errors import ConfigError
from piiscan.subject import RetentionRule, load_request
from piiscan.subject.request import due_date

GOOD = """\
case = "DSR-2026-0142"
reference = "Er skrivelse 2026-11-30"
received = 2026-12-01
purpose = "erasure"

[subject]
personnummer = ["19121212-1212", "20121212-1212"]
email = "tolvan.tolvansson@exempel.se"

[[keep]]
path = "Ekonomi/"
years = 7
reason = "Bokföringslagen 7 kap. 2 §"

[[keep]]
table = "public.verifikationer"
until = 2031-12-31
reason = "Bokföringslagen"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "request.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_complete_request(tmp_path: Path) -> None:
    request = load_request(write(tmp_path, GOOD))
    assert request.case == "DSR-2026-0142"
    assert request.reference == "Er skrivelse 2026-11-30"
    assert request.received == date(2026, 12, 1)
    assert request.due == date(2027, 1, 1)
    assert request.purpose == "erasure"
    assert list(request.identifiers.personnummer) == ["19121212-1212", "20121212-1212"]
    assert list(request.identifiers.email) == ["tolvan.tolvansson@exempel.se"]
    assert request.keep == (
        RetentionRule(reason="Bokföringslagen 7 kap. 2 §", path="Ekonomi/", years=7),
        RetentionRule(reason="Bokföringslagen", table="public.verifikationer",
                      until=date(2031, 12, 31)),
    )  # fmt: skip
    assert "1912" not in repr(request)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('kase = "x"\n[subject]\nemail = "a@exempel.se"\n', r"kase \(line 1\): unknown key"),
        ('purpose = "radera"\n[subject]\nemail = "a@exempel.se"\n', r"purpose \(line 1\)"),
        ('received = "2026-12-01"\n[subject]\nemail = "a@exempel.se"\n',
         r"received \(line 1\): must be a date"),
        ('case = 5\n[subject]\nemail = "a@exempel.se"\n', r"case \(line 1\): must be a string"),
        ('[subject]\nemejl = "a@exempel.se"\n', r"subject\.emejl \(line 2\): unknown identifier"),
        ('[subject]\nemail = 5\n', r"subject\.email \(line 2\): must be a string or a list"),
        ('case = "x"\n', r"subject: names no identifier"),
        ('[subject]\nemail = "a@exempel.se"\n[[keep]]\nyears = 7\n',
         r"keep\.reason: every \[\[keep\]\] needs a reason"),
        ('[subject]\nemail = "a@exempel.se"\n[[keep]]\nyears = 7\nuntil = 2030-01-01\n'
         'reason = "x"\n', r"keep \(line 3\): give exactly one of"),
        ('[subject]\nemail = "a@exempel.se"\n[[keep]]\nyears = -1\nreason = "x"\n',
         r"keep\.years \(line 4\): must be a whole number"),
        ('[subject]\nemail = "a@exempel.se"\n[[keep]]\nyears = 1\nreason = "x"\npath = "a[b"\n',
         r"keep\.path \(line 6\): unclosed"),
        ('[subject]\nemail = "a@exempel.se"\n[[keep]]\nyears = 1\nreason = "x"\nwhere = "a"\n',
         r"keep\.where \(line 6\): unknown key"),
        ("case = 'oavslutad\n", r"not valid TOML"),
    ],
    ids=["unknown-key", "bad-purpose", "quoted-date", "wrong-type", "unknown-identifier",
         "identifier-type", "no-identifier", "keep-no-reason", "keep-both", "keep-negative",
         "keep-bad-glob", "keep-unknown-key", "not-toml"],
)  # fmt: skip
def test_bad_request_files_say_which_key_and_line(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as caught:
        load_request(write(tmp_path, text))
    assert "a@exempel.se" not in str(caught.value)


def test_a_missing_request_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read request file"):
        load_request(tmp_path / "finns-inte.toml")


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (date(2026, 12, 1), date(2027, 1, 1)),
        (date(2026, 1, 31), date(2026, 2, 28)),
        (date(2028, 1, 30), date(2028, 2, 29)),
        (date(2026, 11, 30), date(2026, 12, 30)),
    ],
)
def test_due_one_month_later(received: date, due: date) -> None:
    assert due_date(received) == due


@pytest.mark.parametrize(
    ("rule", "root", "path", "table", "matches"),
    [
        (RetentionRule(reason="r", path="Ekonomi/"), "/srv", "ekonomi/2019/a.xlsx", "", True),
        (RetentionRule(reason="r", path="Ekonomi/"), "/srv", "HR/a.docx", "", False),
        (RetentionRule(reason="r", path="**/*.pdf"), "/srv", "HR/2019/lön.pdf", "", True),
        (RetentionRule(reason="r", root="/srv"), "/srv", "a.txt", "", True),
        (RetentionRule(reason="r", root="/srv"), "/other", "a.txt", "", False),
        (RetentionRule(reason="r", table="public.ver"), "/d", "x.sql", "public.ver", True),
        (RetentionRule(reason="r", table="public.ver"), "/d", "x.sql", "public.kund", False),
    ],
)
def test_retention_rules_match_places(
    rule: RetentionRule, root: str, path: str, table: str, matches: bool
) -> None:
    assert rule.matches(root=root, path=path, table=table) is matches


def test_keep_until_counts_from_the_last_change() -> None:
    changed = datetime(2020, 2, 29, 12, 0)
    assert RetentionRule(reason="r", years=7).keep_until(changed) == date(2027, 2, 28)
    assert RetentionRule(reason="r", years=7).keep_until(None) is None
    assert RetentionRule(reason="r", until=date(2031, 1, 1)).keep_until(None) == date(2031, 1, 1)
