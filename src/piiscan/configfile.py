"""The config file, ``piiscan.toml``: what a scheduled scan scans, where it writes, and the
organisation's rules for what it finds. Read with :mod:`tomllib`.

::

    inventory = "/var/lib/piiscan/inventory"   # relative paths are relative to this file
    key_file = "/etc/piiscan/key"

    [scan]
    roots = ["/srv/share", "smb://scanner@fileserver/ekonomi"]
    workers = 4
    include = []
    exclude = ["**/*.iso", "Backup/"]
    follow_symlinks = false
    skip_hidden = false
    min_score = 0.5
    entities = []                 # empty: every entity type
    person_model = "bundled"
    recognizers = []              # directories of your own recognizer YAML
    smb_user = "scanner"          # the password: $PIISCAN_SMB_PASSWORD, never the file
    resume = true                 # continue this config's killed or interrupted scan
    full = false                  # true: read everything, no incremental rescan
    reread_after = "90 days"      # objects with findings are read again after this; "never"
    executor = "local"            # or "dask": the workers of a Dask cluster
    scheduler = "tls://scheduler.example.se:8786"   # the Dask scheduler, for executor = "dask"
    split_size = "16M"            # text files larger than this: read in ranges ("0": never)

    [limits]
    max_size = "512M"
    max_text = "64M"              # characters of text from one object; more is too_large
    max_depth = 5
    max_ratio = 200
    max_seconds = 600

    [known_values]                # the organisation's own: counted per object, not findings
    organisationsnummer = ["556036-0793"]
    phone = ["08-123 456 78"]
    bankgiro = ["5050-1055"]
    email = ["info@exempel.se"]

    [[retention]]                 # see piiscan.inventory.retention
    glob = "Kundtjänst/**"
    older_than = "36 months"

    [report]
    title = "Personuppgifter på filservern"
    top = 20
    lang = "sv"                   # or "en"

Every key is optional; ``piiscan scan --config FILE`` takes what the command line does not say
(an option given on the command line wins; flags such as ``--skip-hidden`` can only turn a
setting on). An unknown key, a wrong type or a bad value is a :class:`~piiscan.errors.ConfigError`
of one line that names the file, the line and the key, never a value.

.. versionadded:: 0.1
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Final

from piiscan.config import EXECUTORS, ScanConfig
from piiscan.errors import ConfigError
from piiscan.inventory.retention import Period, RetentionRule
from piiscan.known import KnownValues
from piiscan.sources.select import GlobPattern

__all__ = ["ConfigFile", "ReportSettings", "load_config_file", "parse_size"]

# A config file is a page of settings; anything much larger is not one (and is not read whole).
_MAX_CONFIG_BYTES: Final = 1 << 20

_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(?:I?B)?\s*", re.IGNORECASE)
_SIZE_FACTORS: Final = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4}


def parse_size(value: int | str) -> int:
    """Bytes from ``512M``, ``2G``, ``1.5GiB`` or a whole number of bytes.

    :raises ConfigError: for anything else, or a negative number.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 0:
            raise ConfigError("a size must not be negative")
        return value
    match = _SIZE.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise ConfigError("must be a size such as 512M, 2G or a number of bytes")
    return int(float(match.group(1)) * _SIZE_FACTORS[match.group(2).upper()])


@dataclass(frozen=True, slots=True, kw_only=True)
class ReportSettings:
    """How ``piiscan report`` lays its page out.

    :param title: the page's heading.
    :param top: rows in each "top" table (locations, folders) and in the list of unreadable
        objects and retention candidates shown on the page (the JSON has them all).
    :param lang: ``sv`` or ``en``.
    """

    title: str = "Personal data inventory"
    top: int = 20
    lang: str = "sv"


@dataclass(frozen=True, slots=True, kw_only=True)
class ConfigFile:
    """A config file, read and checked.

    :param path: where it was read from.
    :param inventory: the inventory directory (``None``: not set).
    :param roots: the scan roots (relative local paths resolved against the file's folder).
    :param scan_options: keyword arguments of :meth:`ScanConfig.from_options` that the file
        sets (only those).
    :param known_values: the organisation's own values.
    :param retention: the retention rules, in file order.
    :param report: the report's settings.
    """

    path: Path
    inventory: Path | None = None
    roots: tuple[str, ...] = ()
    scan_options: Mapping[str, Any] = field(default_factory=dict)
    known_values: KnownValues = field(default_factory=KnownValues)
    retention: tuple[RetentionRule, ...] = ()
    report: ReportSettings = field(default_factory=ReportSettings)
    lines: Mapping[Key, int] = field(default_factory=dict, repr=False, compare=False)

    def check_entities(self, known: Collection[str]) -> None:
        """Make sure every entity type the file names is one the catalogue knows.

        :param known: the catalogue's entity types (:attr:`piiscan.plugins.Registry.specs`).
        :raises ConfigError: naming the line and key of the first unknown one.
        """
        named: list[tuple[Key, tuple[str, ...]]] = [
            (("scan", "entities"), tuple(self.scan_options.get("entities") or ()))
        ]
        named += [(("retention", i, "entities"), rule.entities)
                  for i, rule in enumerate(self.retention)]  # fmt: skip
        for key, entities in named:
            unknown = sorted(set(entities) - set(known))
            if unknown:
                raise _failure(
                    self.path, self.lines, key,
                    f"unknown entity type {', '.join(unknown)}; known: {', '.join(sorted(known))}",
                )  # fmt: skip

    def check_roots(self) -> None:
        """Parse every root as a scan would, without connecting: a local root must exist, a
        URL must be one a source reads (``smb://``, UNC paths and the other schemes piiscan
        has).

        :raises ConfigError: naming the line, the key and which root.
        """
        from piiscan.sources import WalkOptions, open_source

        for index, root in enumerate(self.roots, 1):
            try:
                open_source(root, options=WalkOptions()).close()
            except ConfigError as error:
                raise _failure(self.path, self.lines, ("scan", "roots"),
                               f"root {index}: {error}") from None  # fmt: skip
            if "://" not in root and not root.startswith("\\\\") and not Path(root).exists():
                raise _failure(self.path, self.lines, ("scan", "roots"),
                               f"root {index} does not exist: {root}")  # fmt: skip

    def scan_config(
        self,
        roots: Sequence[str] = (),
        *,
        inventory: Path | None = None,
        **options: Any,
    ) -> ScanConfig:
        """The scan's config: the command line's ``roots``, ``inventory`` and ``options`` where
        given (not ``None``, not empty, not ``False``), this file's settings elsewhere.

        :raises ConfigError: when neither names the roots or the inventory.
        """
        merged = dict(self.scan_options)
        merged.update({name: value for name, value in options.items()
                       if value is not None and value != () and value is not False})  # fmt: skip
        chosen_roots = tuple(roots) or self.roots
        chosen_inventory = inventory or self.inventory
        if not chosen_roots:
            raise ConfigError("no roots to scan: name them, or set roots in [scan] of the config")
        if chosen_inventory is None:
            raise ConfigError("no inventory: pass --inventory DIR, or set inventory in the config")
        # ``resume`` is the command line's to decide (a tri-state: see ``piiscan scan``).
        merged.pop("resume", None)
        config = ScanConfig.from_options(chosen_roots, inventory=chosen_inventory, **merged)
        return replace(config, known_values=self.known_values)


def load_config_file(path: Path) -> ConfigFile:
    """Read and check a config file (see the module docstring for its keys).

    :raises ConfigError: when the file cannot be read, is not TOML, or holds an unknown key,
        a wrong type or a bad value; the message names the file, the line and the key.
    """
    path = Path(path)
    try:
        with open(path, "rb") as handle:
            raw = handle.read(_MAX_CONFIG_BYTES + 1)
    except OSError as error:
        raise ConfigError(f"cannot read config file {path}: {error.strerror}") from None
    if len(raw) > _MAX_CONFIG_BYTES:
        raise ConfigError(f"config file {path} is larger than a config file can be (1 MiB)")
    try:
        text = raw.decode("utf-8")
        data = tomllib.loads(text)
    except UnicodeDecodeError:
        raise ConfigError(f"config file {path} is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as error:
        # The parser's message names a line and column, never the text around it.
        raise ConfigError(f"config file {path} is not valid TOML: {error}") from None
    return _Checker(path, text).config(data)


# --- finding the line of a key -------------------------------------------------------------

Key = tuple[str | int, ...]

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$")
_ASSIGN = re.compile(
    r"^\s*((?:[A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*'))*)\s*="
)


def _key_parts(text: str) -> tuple[str, ...]:
    parts = re.findall(r"\"([^\"]*)\"|'([^']*)'|([A-Za-z0-9_-]+)", text)
    return tuple(next(p for p in part if p) if any(part) else "" for part in parts)


def key_lines(text: str) -> dict[Key, int]:
    """The line (from 1) where each table and key of a TOML text is written.

    Array-of-tables entries are numbered from 0 (``("retention", 1, "glob")``). Values that
    span lines (arrays, multi-line strings) are stepped over. Only what :mod:`tomllib` accepted
    is looked up here, so the scan can be simple.
    """
    lines: dict[Key, int] = {}
    table: Key = ()
    counters: dict[tuple[str, ...], int] = {}
    depth = 0
    in_string: str | None = None
    for number, line in enumerate(text.splitlines(), 1):
        if in_string is not None:
            if in_string in line:
                in_string = None
            continue
        if depth > 0:
            depth += _bracket_balance(line)
            continue
        header = _HEADER.match(line)
        if header is not None:
            names = _key_parts(header.group(2))
            if header.group(1) == "[[":
                index = counters.get(names, -1) + 1
                counters[names] = index
                table = (*names, index)
                lines.setdefault(names, number)
            else:
                table = names
            lines.setdefault(table, number)
            continue
        assign = _ASSIGN.match(line)
        if assign is None:
            continue
        lines.setdefault((*table, *_key_parts(assign.group(1))), number)
        value = line[assign.end() :]
        for quote in ('"""', "'''"):
            if value.count(quote) == 1:
                in_string = quote
        if in_string is None:
            depth = max(_bracket_balance(value), 0)
    return lines


def _bracket_balance(text: str) -> int:
    """``[`` minus ``]`` outside strings and comments."""
    balance, quote = 0, ""
    for char in text:
        if quote:
            if char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char == "#":
            break
        elif char == "[":
            balance += 1
        elif char == "]":
            balance -= 1
    return balance


def _dotted(key: Key) -> str:
    out = ""
    for part in key:
        out += f"[{part + 1}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def _failure(path: Path, lines: Mapping[Key, int], key: Key, problem: str) -> ConfigError:
    """``config file F: line N: key: problem``; the line of the key, else of its table."""
    line = None
    for length in range(len(key), 0, -1):
        line = lines.get(key[:length])
        if line is not None:
            break
    where = f"line {line}: " if line is not None else ""
    return ConfigError(f"config file {path}: {where}{_dotted(key)}: {problem}")


# --- checking ------------------------------------------------------------------------------

_TOP: Final = ("inventory", "key_file", "scan", "limits", "known_values", "retention", "report")
_SCAN: Final = (
    "roots", "workers", "include", "exclude", "follow_symlinks", "skip_hidden", "min_score",
    "entities", "person_model", "recognizers", "smb_user", "new_key", "resume", "full",
    "reread_after", "executor", "scheduler", "split_size",
)  # fmt: skip
_LIMITS: Final = ("max_size", "max_text", "max_depth", "max_ratio", "max_seconds")
_RETENTION: Final = ("glob", "older_than", "entities", "root", "reason")
_REPORT: Final = ("title", "top", "lang")


class _Checker:
    """Checks a parsed config and names the line and key of the first problem."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.lines = key_lines(text)
        self.base = path.resolve().parent

    def fail(self, key: Key, problem: str) -> ConfigError:
        return _failure(self.path, self.lines, key, problem)

    def known_keys(self, table: Mapping[str, Any], prefix: Key, allowed: Sequence[str]) -> None:
        for name in table:
            if name not in allowed:
                close = difflib.get_close_matches(name, allowed, n=1)
                hint = f"did you mean {close[0]}?" if close else f"expected {', '.join(allowed)}"
                raise self.fail((*prefix, name), f"unknown key; {hint}")

    def table(self, data: Mapping[str, Any], key: Key) -> Mapping[str, Any]:
        value = data.get(str(key[-1]), {})
        if not isinstance(value, Mapping):
            raise self.fail(key, f"must be a table: [{_dotted(key)}]")
        return value

    def typed(self, data: Mapping[str, Any], key: Key, kind: type | tuple[type, ...],
              what: str) -> Any:  # fmt: skip
        value = data.get(str(key[-1]))
        if value is None:
            return None
        if not isinstance(value, kind) or (isinstance(value, bool) and bool not in _types(kind)):
            raise self.fail(key, f"must be {what}")
        return value

    def strings(self, data: Mapping[str, Any], key: Key) -> tuple[str, ...] | None:
        value = data.get(str(key[-1]))
        if value is None:
            return None
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            raise self.fail(key, "must be a string or a list of strings")
        return tuple(items)

    def number(self, data: Mapping[str, Any], key: Key, *, low: float, high: float | None = None,
               whole: bool = False) -> Any:  # fmt: skip
        kind: tuple[type, ...] = (int,) if whole else (int, float)
        value = self.typed(data, key, kind, "a whole number" if whole else "a number")
        if value is not None and (value < low or (high is not None and value > high)):
            span = f"from {low:g} to {high:g}" if high is not None else f"{low:g} or more"
            raise self.fail(key, f"must be {span}")
        return value

    def local_path(self, value: str) -> Path:
        path = Path(value).expanduser()
        return path if path.is_absolute() else self.base / path

    def root(self, value: str) -> str:
        if "://" in value or value.startswith("\\\\"):
            return value
        return str(self.local_path(value))

    def config(self, data: Mapping[str, Any]) -> ConfigFile:
        self.known_keys(data, (), _TOP)
        options: dict[str, Any] = {}
        inventory = self.typed(data, ("inventory",), str, "a path (a string)")
        key_file = self.typed(data, ("key_file",), str, "a path (a string)")
        if key_file:
            options["key_file"] = self.local_path(key_file)
        scan = self.table(data, ("scan",))
        self.known_keys(scan, ("scan",), _SCAN)
        roots = self.strings(scan, ("scan", "roots")) or ()
        for index, root in enumerate(roots):
            if not root.strip():
                raise self.fail(("scan", "roots"), f"root {index + 1} is empty")
        self.scan_table(scan, options)
        self.limits(self.table(data, ("limits",)), options)
        return ConfigFile(
            path=self.path,
            inventory=self.local_path(inventory) if inventory else None,
            roots=tuple(self.root(root) for root in roots),
            scan_options=options,
            known_values=self.known_values(self.table(data, ("known_values",))),
            retention=self.retention(data.get("retention", [])),
            report=self.report(self.table(data, ("report",))),
            lines=self.lines,
        )

    def scan_table(self, scan: Mapping[str, Any], options: dict[str, Any]) -> None:
        def put(name: str, value: Any, convert: Callable[[Any], Any] = lambda v: v) -> None:
            if value is not None:
                options[name] = convert(value)

        put("workers", self.number(scan, ("scan", "workers"), low=1, whole=True))
        for name in ("include", "exclude"):
            patterns = self.strings(scan, ("scan", name))
            for pattern in patterns or ():
                try:
                    GlobPattern.compile(pattern)
                except ConfigError as error:
                    raise self.fail(("scan", name), str(error)) from None
            put(name, patterns)
        for name in ("follow_symlinks", "skip_hidden", "new_key", "resume", "full"):
            put(name, self.typed(scan, ("scan", name), bool, "true or false"))
        put("min_score", self.number(scan, ("scan", "min_score"), low=0, high=1))
        entities = self.strings(scan, ("scan", "entities"))
        if entities:
            put("entities", entities)
        put("person_model", self.typed(scan, ("scan", "person_model"), str, "a string"))
        recognizers = self.strings(scan, ("scan", "recognizers"))
        for directory in recognizers or ():
            if not self.local_path(directory).is_dir():
                raise self.fail(("scan", "recognizers"), "names a directory that does not exist")
        put("recognizer_dirs", recognizers, lambda v: tuple(self.local_path(d) for d in v))
        put("smb_user", self.typed(scan, ("scan", "smb_user"), str, "a string"))
        reread = self.typed(scan, ("scan", "reread_after"), str, "a period such as '90 days'")
        if reread is not None and reread.strip().casefold() != "never":
            try:
                Period.parse(reread)
            except ConfigError as error:
                raise self.fail(("scan", "reread_after"), str(error)) from None
        put("reread_after", reread)
        executor = self.typed(scan, ("scan", "executor"), str, "a string")
        if executor is not None and executor not in EXECUTORS:
            raise self.fail(("scan", "executor"), f"must be one of {', '.join(EXECUTORS)}")
        put("executor", executor)
        put("scheduler", self.typed(scan, ("scan", "scheduler"), str, "an address (a string)"))
        split = scan.get("split_size")
        if split is not None:
            try:
                options["split_size"] = parse_size(split)
            except ConfigError as error:
                raise self.fail(("scan", "split_size"), str(error)) from None

    def limits(self, limits: Mapping[str, Any], options: dict[str, Any]) -> None:
        self.known_keys(limits, ("limits",), _LIMITS)
        for name in ("max_size", "max_text"):
            size = limits.get(name)
            if size is not None:
                try:
                    options[name] = parse_size(size)
                except ConfigError as error:
                    raise self.fail(("limits", name), str(error)) from None
        for name, option, low in (("max_depth", "max_depth", 0), ("max_ratio", "max_ratio", 1),
                                  ("max_seconds", "max_seconds", 0)):  # fmt: skip
            value = self.number(limits, ("limits", name), low=low, whole=name == "max_depth")
            if value is not None:
                options[option] = value

    def known_values(self, table: Mapping[str, Any]) -> KnownValues:
        values: dict[str, tuple[str, ...]] = {}
        for kind in table:
            items = self.strings(table, ("known_values", kind))
            values[kind] = items or ()
        try:
            return KnownValues.from_mapping(values)
        except ConfigError as error:
            kind = str(error).partition(":")[0].removeprefix("known_values.")
            problem = str(error).partition(": ")[2]
            raise self.fail(("known_values", kind), problem) from None

    def retention(self, items: Any) -> tuple[RetentionRule, ...]:
        if not isinstance(items, list):
            raise self.fail(("retention",), "must be an array of tables: [[retention]]")
        rules = []
        for index, item in enumerate(items):
            key: Key = ("retention", index)
            if not isinstance(item, Mapping):
                raise self.fail(key, "each [[retention]] must be a table")
            self.known_keys(item, key, _RETENTION)
            glob = self.typed(item, (*key, "glob"), str, "a glob (a string)")
            older = self.typed(item, (*key, "older_than"), str, "a period such as '36 months'")
            if not glob:
                raise self.fail(key, 'needs glob = "..." (use "**" for everything)')
            if not older:
                raise self.fail(key, 'needs older_than = "36 months" (days, months, years)')
            try:
                period = Period.parse(older)
            except ConfigError as error:
                raise self.fail((*key, "older_than"), str(error)) from None
            try:
                rule = RetentionRule(
                    glob=glob,
                    older_than=period,
                    entities=self.strings(item, (*key, "entities")) or (),
                    root=self.root(self.typed(item, (*key, "root"), str, "a string") or "")
                    if item.get("root")
                    else "",
                    reason=self.typed(item, (*key, "reason"), str, "a string") or "",
                )
            except ConfigError as error:
                raise self.fail((*key, "glob"), str(error)) from None
            rules.append(rule)
        return tuple(rules)

    def report(self, table: Mapping[str, Any]) -> ReportSettings:
        self.known_keys(table, ("report",), _REPORT)
        title = self.typed(table, ("report", "title"), str, "a string")
        top = self.number(table, ("report", "top"), low=1, high=1000, whole=True)
        lang = self.typed(table, ("report", "lang"), str, "a string")
        if lang is not None and lang not in ("sv", "en"):
            raise self.fail(("report", "lang"), "must be 'sv' or 'en'")
        defaults = ReportSettings()
        return ReportSettings(
            title=title if title is not None else defaults.title,
            top=top if top is not None else defaults.top,
            lang=lang or defaults.lang,
        )


def _types(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)
