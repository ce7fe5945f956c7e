"""An access or erasure request as a file: who is asked about, the case, and what is kept.

Identifiers typed on a command line end up in shell history; a request file does not. It is
TOML (read with :mod:`tomllib`)::

    case = "DSR-2026-0142"                # the organisation's case number (ärendenummer)
    reference = "Er skrivelse 2026-11-30" # the requester's reference, quoted in the extract
    received = 2026-12-01                 # when the request arrived; answer due a month later
    purpose = "access"                    # access (registerutdrag) or erasure

    [subject]                               # any of these, each a string or a list of strings
    personnummer = ["19121212-1212"]
    email = "tolvan.tolvansson@exempel.se"
    name = "Tolvan Tolvansson"

    [[keep]]                                # retention the organisation must honour (erasure)
    path = "Ekonomi/**"                     # a glob on the path; or root = "...", table = "..."
    years = 7                               # kept 7 years from the object's last change
    reason = "Bokföringslagen 7 kap. 2 §"  # or: until = 2031-12-31

Unknown keys, wrong types and bad values are :class:`~piiscan.errors.ConfigError` naming the
key and its line, never the value.
"""

from __future__ import annotations

import calendar
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Final, Literal

from piiscan.errors import ConfigError
from piiscan.sources.select import GlobPattern, glob_covers
from piiscan.subject.identifiers import IDENTIFIER_KINDS, SubjectIdentifiers

__all__ = ["Purpose", "RetentionRule", "SubjectRequest", "due_date", "load_request"]

Purpose = Literal["access", "erasure", "verify"]

_PURPOSES: Final = ("access", "erasure")
_TOP_KEYS: Final = frozenset({"case", "reference", "received", "purpose", "subject", "keep"})
_KEEP_KEYS: Final = frozenset({"root", "path", "table", "years", "until", "reason"})
# A request file is a few lines; anything much larger is not one (and is not read whole).
_MAX_REQUEST_BYTES: Final = 1 << 20


@dataclass(frozen=True, slots=True, kw_only=True)
class RetentionRule:
    """A retention duty that turns an erasure into "keep until": bookkeeping kept 7 years.

    A rule applies to a place when each of ``root``, ``path`` (a glob, ``**`` crosses folders)
    and ``table`` that it sets matches. The place is then kept until ``until``, or ``years``
    after the object's last change (its modification time), whichever the rule names.

    :param reason: the legal ground, shown in the worklist (``Bokföringslagen 7 kap. 2 §``).
    """

    reason: str
    root: str = ""
    path: str = ""
    table: str = ""
    years: int | None = None
    until: date | None = None

    def matches(self, *, root: str, path: str, table: str) -> bool:
        """Whether this rule covers a place in ``root`` at ``path`` (``table`` for a row)."""
        if self.root and self.root != root:
            return False
        if self.path and not glob_covers(GlobPattern.compile(self.path), path):
            return False
        return not self.table or self.table == table

    def keep_until(self, last_changed: datetime | None) -> date | None:
        """The date until which a place this rule covers must be kept.

        :param last_changed: the object's modification time; ``None`` when unknown, in which
            case a ``years`` rule cannot say and returns ``None`` (keep, date unknown).
        """
        if self.until is not None:
            return self.until
        if self.years is None or last_changed is None:
            return None
        return _add_years(last_changed.date(), self.years)


@dataclass(frozen=True, slots=True, kw_only=True)
class SubjectRequest:
    """An access or erasure request: the identifiers and the case around them.

    :param identifiers: what identifies the data subject.
    :param case: the organisation's case number; empty when none was given.
    :param reference: the requester's own reference, quoted back in the extract.
    :param received: when the request arrived; the answer is due one month later.
    :param purpose: ``access`` (register extract) or ``erasure`` (worklist).
    :param keep: retention rules for an erasure.
    """

    identifiers: SubjectIdentifiers
    case: str = ""
    reference: str = ""
    received: date | None = None
    purpose: Purpose = "access"
    keep: tuple[RetentionRule, ...] = field(default=())

    @property
    def due(self) -> date | None:
        """The date the answer is due (:func:`due_date` of :attr:`received`)."""
        return due_date(self.received) if self.received is not None else None


def due_date(received: date) -> date:
    """One month after ``received`` (GDPR art. 12(3)); the month's last day when it is shorter.

    >>> due_date(date(2026, 1, 31))
    datetime.date(2026, 2, 28)
    """
    year, month = (
        (received.year + 1, 1) if received.month == 12 else (received.year, received.month + 1)
    )
    last = calendar.monthrange(year, month)[1]
    return date(year, month, min(received.day, last))


def load_request(path: Path) -> SubjectRequest:
    """Read a request file (see the module docstring for its keys).

    :raises ConfigError: when the file cannot be read, is not TOML, or holds an unknown key,
        a wrong type or a bad value; the message names the key and its line.
    """
    try:
        with open(path, "rb") as handle:
            raw = handle.read(_MAX_REQUEST_BYTES + 1)
    except OSError as error:
        raise ConfigError(f"cannot read request file {path}: {error.strerror}") from None
    if len(raw) > _MAX_REQUEST_BYTES:
        raise ConfigError(f"request file {path} is larger than a request file can be (1 MiB)")
    try:
        text = raw.decode("utf-8")
        data = tomllib.loads(text)
    except UnicodeDecodeError:
        raise ConfigError(f"request file {path} is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as error:
        # The parser's message names a line and column, never the text around it.
        raise ConfigError(f"request file {path} is not valid TOML: {error}") from None
    return _Parser(path, text).request(data)


class _Parser:
    """Checks a parsed request and names the key and line of the first problem."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.lines = text.splitlines()

    def fail(self, key: str, problem: str) -> ConfigError:
        name = key.rpartition(".")[2]
        pattern = re.compile(rf"^\s*(?:\[+\s*)?[\"']?{re.escape(name)}[\"']?\s*(?:=|\])")
        line = next((n for n, text in enumerate(self.lines, 1) if pattern.match(text)), None)
        where = f" (line {line})" if line else ""
        return ConfigError(f"request file {self.path}: {key}{where}: {problem}")

    def request(self, data: Mapping[str, Any]) -> SubjectRequest:
        for key in data:
            if key not in _TOP_KEYS:
                raise self.fail(key, f"unknown key; expected one of {', '.join(sorted(_TOP_KEYS))}")
        purpose = self.string(data, "purpose") or "access"
        if purpose not in _PURPOSES:
            raise self.fail("purpose", "must be 'access' or 'erasure'")
        received = data.get("received")
        if received is not None and not _is_date(received):
            raise self.fail("received", "must be a date such as 2026-12-01 (no quotes)")
        subject = data.get("subject", {})
        if not isinstance(subject, Mapping):
            raise self.fail("subject", "must be a table: [subject]")
        identifiers = self.identifiers(subject)
        if identifiers.is_empty():
            raise self.fail("subject", 'names no identifier; add e.g. personnummer = "..."')
        keep = data.get("keep", [])
        if not isinstance(keep, list):
            raise self.fail("keep", "must be an array of tables: [[keep]]")
        return SubjectRequest(
            identifiers=identifiers,
            case=self.string(data, "case"),
            reference=self.string(data, "reference"),
            received=received,
            purpose="erasure" if purpose == "erasure" else "access",
            keep=tuple(self.rule(item) for item in keep),
        )

    def string(self, data: Mapping[str, Any], key: str, prefix: str = "") -> str:
        value = data.get(key, "")
        if not isinstance(value, str):
            raise self.fail(prefix + key, "must be a string")
        return value.strip()

    def identifiers(self, subject: Mapping[str, Any]) -> SubjectIdentifiers:
        values: dict[str, Sequence[str]] = {}
        for key, value in subject.items():
            if key not in IDENTIFIER_KINDS:
                raise self.fail(
                    f"subject.{key}",
                    f"unknown identifier; expected one of {', '.join(IDENTIFIER_KINDS)}",
                )
            items = [value] if isinstance(value, str) else value
            if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
                raise self.fail(f"subject.{key}", "must be a string or a list of strings")
            values[key] = tuple(items)
        return SubjectIdentifiers(**values)

    def rule(self, item: Any) -> RetentionRule:
        if not isinstance(item, Mapping):
            raise self.fail("keep", "each [[keep]] must be a table")
        for key in item:
            if key not in _KEEP_KEYS:
                raise self.fail(
                    f"keep.{key}", f"unknown key; expected one of {', '.join(sorted(_KEEP_KEYS))}"
                )
        reason = self.string(item, "reason", "keep.")
        if not reason:
            raise self.fail("keep.reason", "every [[keep]] needs a reason (the legal ground)")
        years, until = item.get("years"), item.get("until")
        if (years is None) == (until is None):
            raise self.fail("keep", "give exactly one of years = N or until = YYYY-MM-DD")
        if years is not None and (
            not isinstance(years, int) or isinstance(years, bool) or years < 0
        ):
            raise self.fail("keep.years", "must be a whole number of years, 0 or more")
        if until is not None and not _is_date(until):
            raise self.fail("keep.until", "must be a date such as 2031-12-31 (no quotes)")
        pattern = self.string(item, "path", "keep.")
        if pattern:
            try:
                GlobPattern.compile(pattern)
            except ConfigError as error:
                raise self.fail("keep.path", str(error)) from None
        return RetentionRule(
            reason=reason,
            root=self.string(item, "root", "keep."),
            path=self.string(item, "path", "keep."),
            table=self.string(item, "table", "keep."),
            years=years,
            until=until,
        )


def _is_date(value: object) -> bool:
    """A TOML local date (``2026-12-01``), not a date-time."""
    return isinstance(value, date) and not isinstance(value, datetime)


def _add_years(start: date, years: int) -> date:
    try:
        return start.replace(year=start.year + years)
    except ValueError:  # 29 February into a year that has none
        return start.replace(year=start.year + years, day=28)
