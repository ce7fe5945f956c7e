"""The ``piiscan`` command: options in, :mod:`piiscan.api` calls, rendered output out.

The only module that imports click and tqdm. Exit statuses: 0 when the command completed (also
when some objects failed: they are rows in the inventory), 2 for bad usage or configuration,
3 for a plug-in that cannot be loaded, 4 for an inventory that cannot be read or written (or
was made with another key), 5 for a scan root that cannot be reached, 6 for a scan that
completed with objects it could not read (only with ``--strict``), 7 when new personal data
was found since the previous scan (only with ``--fail-on-new``), 130 after Ctrl-C, 143
after SIGTERM and 129 after SIGHUP (128 + the signal's number; the scan is closed as
``interrupted`` and the inventory keeps what was finished).
"""

from __future__ import annotations

import csv
import io
import json
import logging
import os
import re
import signal
import sys
import textwrap
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from piiscan import __version__
from piiscan.config import SPLIT_BYTES, EngineConfig
from piiscan.errors import ConfigError, PiiscanError
from piiscan.extractors.base import Limits

_F = TypeVar("_F", bound=Callable[..., Any])

#: Exit status of a scan that completed with objects it could not read (``--strict``).
EXIT_UNREADABLE = 6
#: Exit status when new personal data was found since the previous scan (``--fail-on-new``).
EXIT_NEW_FINDINGS = 7

_SIZE_SUFFIXES = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4}
# Help texts show the defaults of the config classes, never a copy of them.
_LIMITS = Limits()
_ENGINE = EngineConfig()


def _size_text(size: int) -> str:
    """``512M`` for 512 MiB: the largest suffix that divides ``size``."""
    for suffix in ("T", "G", "M", "K"):
        if size % _SIZE_SUFFIXES[suffix] == 0:
            return f"{size // _SIZE_SUFFIXES[suffix]}{suffix}"
    return str(size)


class ByteSize(click.ParamType):  # type: ignore[type-arg]
    """A size such as ``512M``, ``2G`` or ``1048576``."""

    name = "size"

    def convert(self, value: Any, param: Any, ctx: Any) -> int:
        if isinstance(value, int):
            return value
        text = str(value).strip().upper().removesuffix("B").removesuffix("I")
        number, suffix = text, ""
        if text and text[-1] in _SIZE_SUFFIXES:
            number, suffix = text[:-1], text[-1]
        try:
            return int(float(number) * _SIZE_SUFFIXES[suffix])
        except ValueError:
            self.fail(f"{value!r} is not a size like 512M or 2G", param, ctx)


inventory_option = click.option(
    "--inventory",
    "inventory",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Inventory directory.",
)
scan_option = click.option("--scan", "scan_id", help="Scan id (default: the latest scan).")
open_option = click.option(
    "--include-open",
    is_flag=True,
    help="Also read scans that were not closed (still running, or killed): what their "
    "finished parts hold.",
)
recognizers_option = click.option(
    "--recognizers",
    "recognizer_dirs",
    multiple=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Directory of your own recognizer YAML files (repeatable).",
)


# C0 and C1 control characters and DEL: a file name can hold ESC, which a terminal obeys.
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_JSON_UNESCAPED_CONTROLS = re.compile(r"[\x7f-\x9f]")


def _printable(text: str, *, keep: str = "") -> str:
    """``text`` with control characters written as ``\\x1b`` escapes, so that nothing read from
    a scanned tree (a file name, a sheet name) can drive the terminal that shows it.

    :param keep: control characters to leave as they are (``"\\n\\t"`` in multi-line text).
    """
    return _CONTROLS.sub(
        lambda m: m.group() if m.group() in keep else f"\\x{ord(m.group()):02x}", text
    )


def _json(value: Any, *, indent: int | None = None) -> str:
    """JSON text with every control character escaped: :func:`json.dumps` escapes C0 but not
    DEL and C1 (``\\x9b`` is a CSI to some terminals). Lossless: they become ``\\u009b``."""
    text = json.dumps(value, ensure_ascii=False, indent=indent)
    return _JSON_UNESCAPED_CONTROLS.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


_LOG_LEVELS = ("debug", "info", "warning", "error")


class _StderrLog(logging.Handler):
    """Prints piiscan's log records on stderr as ``piiscan: warning: ...``, one line each.

    Only the message is printed: a traceback could quote what an exception was raised about,
    so an attached exception shows as its type alone. Control characters are escaped.
    """

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is not worth a crash
            message = str(record.msg)
        if record.exc_info and record.exc_info[0] is not None:
            message += f" ({record.exc_info[0].__name__})"
        where = f"{record.name}: " if self.level <= logging.DEBUG else ""
        click.echo(_printable(f"piiscan: {record.levelname.lower()}: {where}{message}"), err=True)


def _configure_logging(level: str) -> None:
    """Send the ``piiscan`` logger's records at ``level`` and above to stderr.

    The library itself only adds a ``NullHandler``; this is the command line's choice. Calling
    it again (tests invoke the CLI many times in one process) replaces the handler.
    """
    logger = logging.getLogger("piiscan")
    for handler in [h for h in logger.handlers if isinstance(h, _StderrLog)]:
        logger.removeHandler(handler)
    number = logging.getLevelName(level.upper())
    logger.addHandler(_StderrLog(level=number))
    logger.setLevel(number)


class _FileLog(logging.Handler):
    """Appends piiscan's log records to a file, one line each with a UTC time, escaped like
    :class:`_StderrLog` (only the message; an exception shows as its type)."""

    def __init__(self, path: Path, level: int) -> None:
        super().__init__(level=level)
        self.path = path

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
        except Exception:
            message = str(record.msg)
        if record.exc_info and record.exc_info[0] is not None:
            message += f" ({record.exc_info[0].__name__})"
        when = datetime.fromtimestamp(record.created, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        line = _printable(f"{when} piiscan[{os.getpid()}]: {record.levelname.lower()}: {message}")
        try:
            descriptor = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            with os.fdopen(descriptor, "a", encoding="utf-8") as handle:
                handle.write(line + "\n")
        except OSError:
            self.handleError(record)


def _configure_log_file(path: Path | None, level: str) -> None:
    """Append the ``piiscan`` logger's records to ``path``: at ``level``, and at ``info`` at
    least, so the closing line of every scan is there."""
    logger = logging.getLogger("piiscan")
    for handler in [h for h in logger.handlers if isinstance(h, _FileLog)]:
        logger.removeHandler(handler)
    if path is None:
        return
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600))
    except OSError as error:
        raise ConfigError(f"cannot open log file {path}: {error.strerror}") from None
    number = min(logging.getLevelName(level.upper()), logging.INFO)
    logger.addHandler(_FileLog(path, number))
    logger.setLevel(min(logger.level or number, number))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="piiscan")
@click.option(
    "--log-level",
    type=click.Choice(_LOG_LEVELS, case_sensitive=False),
    envvar="PIISCAN_LOG",
    default="warning",
    show_default=True,
    help="How much piiscan logs on stderr [$PIISCAN_LOG]. Logs never hold a raw value.",
)
@click.option(
    "--log-file",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="PIISCAN_LOG_FILE",
    help="Also append log records (at least the info line of each scan) to this file, "
    "created 0600 [$PIISCAN_LOG_FILE].",
)
def cli(log_level: str, log_file: Path | None) -> None:
    """Find Swedish personal data and build an inventory of where it lives."""
    _configure_logging(log_level)
    _configure_log_file(log_file, log_level)


@cli.command()
@click.argument("roots", nargs=-1)
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Config file (piiscan.toml): roots, inventory and every setting below; options "
    "given here win.",
)
@click.option(
    "--inventory",
    "inventory",
    type=click.Path(file_okay=False, path_type=Path),
    help="Inventory directory (required unless the config file names it).",
)
@click.option(
    "--workers", type=click.IntRange(min=1), help="Worker processes [default: all cores]."
)
@click.option(
    "--key-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="HMAC key file [default: $PIISCAN_KEY_FILE or ~/.config/piiscan/key].",
)
@click.option(
    "--new-key",
    is_flag=True,
    help="Create the key file named by --key-file or $PIISCAN_KEY_FILE if it is missing "
    "(only the default location is created without it).",
)
@click.option("--include", multiple=True, help="Only files matching this glob (repeatable).")
@click.option("--exclude", multiple=True, help="Skip files and folders matching this glob.")
@click.option("--follow-symlinks", is_flag=True, help="Follow symbolic links (loops detected).")
@click.option("--skip-hidden", is_flag=True, help="Skip dot-files and hidden/system files.")
@click.option(
    "--max-size",
    type=ByteSize(),
    help=f"Largest file to read [default: {_size_text(_LIMITS.max_object_bytes)}].",
)
@click.option(
    "--max-text",
    type=ByteSize(),
    help="Most text read from one object, in characters; past it the object is too_large "
    f"[default: {_size_text(_LIMITS.max_text_chars)}].",
)
@click.option(
    "--max-depth",
    type=click.IntRange(min=0),
    help=f"Container nesting limit [{_LIMITS.max_depth}].",
)
@click.option(
    "--max-ratio",
    type=click.FloatRange(min=1),
    help=f"Archive expansion ratio [{_LIMITS.max_expansion_ratio:g}].",
)
@click.option(
    "--max-seconds",
    type=click.FloatRange(min=0),
    help=f"Time limit per file; 0: none [{_LIMITS.max_object_seconds:g}].",
)
@click.option(
    "--min-score",
    type=click.FloatRange(0, 1),
    help=f"Lowest score reported [{_ENGINE.min_score:g}].",
)
@click.option("--entities", help="Comma-separated entity types to report (default: all).")
@click.option(
    "--person-model",
    help=f"Names: 'bundled' model, 'none' (rules only, fastest) or an installed spaCy "
    f"pipeline such as sv_core_news_md [{_ENGINE.person_model}].",
)
@recognizers_option
@click.option("--smb-user", envvar="PIISCAN_SMB_USER", help="SMB user [$PIISCAN_SMB_USER].")
@click.option(
    "--smb-password",
    envvar="PIISCAN_SMB_PASSWORD",
    help="SMB password; prefer $PIISCAN_SMB_PASSWORD so it stays out of the process list.",
)
@click.option("--imap-user", envvar="PIISCAN_IMAP_USER", help="IMAP user [$PIISCAN_IMAP_USER].")
@click.option(
    "--imap-password-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File whose first line is the IMAP password [else $PIISCAN_IMAP_PASSWORD].",
)
@click.option(
    "--imap-ca-file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="PEM certificates to trust for IMAP servers instead of the system's.",
)
@click.option(
    "--imap-insecure", is_flag=True, help="Do not verify IMAP server certificates (still TLS)."
)
@click.option(
    "--imap-allow-plaintext",
    is_flag=True,
    help="Allow imap:// without TLS to a server that is not on this machine.",
)
@click.option(
    "--sample-rows",
    type=click.IntRange(min=1),
    help="Survey mode: read about N rows of each table (the first ones and a seeded, "
    "repeatable spread through the rest) [default: every row].",
)
@click.option(
    "--resume/--no-resume",
    "resume",
    default=None,
    help="Continue the inventory's latest scan if it did not complete (killed or "
    "interrupted) under its own id; --no-resume always starts a new scan [default: resume "
    "with --config when that scan has the same roots and settings, else a new scan].",
)
@click.option(
    "--full",
    is_flag=True,
    help="Read every object, even those an earlier complete scan saw unchanged.",
)
@click.option(
    "--reread-after",
    help="Read again objects with findings read longer ago than this, e.g. '30 days', "
    "'6 months' or 'never' [default: 90 days].",
)
@click.option(
    "--executor",
    type=click.Choice(["local", "dask"]),
    help="Where tasks run: this machine's worker processes, or the workers of a Dask cluster "
    "(needs the dask extra and --scheduler) [default: local].",
)
@click.option(
    "--scheduler",
    envvar="PIISCAN_DASK_SCHEDULER",
    help="The Dask scheduler for --executor dask, e.g. tcp://host:8786 or tls://host:8786 "
    "[$PIISCAN_DASK_SCHEDULER].",
)
@click.option(
    "--split-size",
    type=ByteSize(),
    help="Read text, CSV, mbox and plain SQL dump files larger than this in ranges of about "
    f"this size, as separate tasks (0: never) [default: {_size_text(SPLIT_BYTES)}].",
)
@click.option("-q", "--quiet", is_flag=True, help="No progress bar and no summary line.")
@click.option(
    "--strict",
    is_flag=True,
    help=f"Exit {EXIT_UNREADABLE} when objects could not be read (status error, timed_out "
    "or partial).",
)
@click.option(
    "--fail-on-new",
    is_flag=True,
    help=f"Exit {EXIT_NEW_FINDINGS} when the scan found personal data the previous complete "
    "scan of the same roots did not.",
)
def scan(
    roots: tuple[str, ...],
    config_file: Path | None,
    inventory: Path | None,
    workers: int | None,
    key_file: Path | None,
    new_key: bool,
    include: tuple[str, ...],
    exclude: tuple[str, ...],
    follow_symlinks: bool,
    skip_hidden: bool,
    max_size: int | None,
    max_text: int | None,
    max_depth: int | None,
    max_ratio: float | None,
    max_seconds: float | None,
    min_score: float | None,
    entities: str | None,
    person_model: str | None,
    recognizer_dirs: tuple[Path, ...],
    smb_user: str | None,
    smb_password: str | None,
    imap_user: str | None,
    imap_password_file: Path | None,
    imap_ca_file: Path | None,
    imap_insecure: bool,
    imap_allow_plaintext: bool,
    sample_rows: int | None,
    resume: bool | None,
    full: bool,
    reread_after: str | None,
    executor: str | None,
    scheduler: str | None,
    split_size: int | None,
    quiet: bool,
    strict: bool,
    fail_on_new: bool,
) -> None:
    """Scan ROOT... (paths, smb://[user@]host[:port]/share/path or imaps://user@host/INBOX
    URLs) into the inventory.

    Example: piiscan scan fixtures/share --inventory inventory

    Example: piiscan scan --config /etc/piiscan/piiscan.toml --quiet --fail-on-new

    Example: piiscan scan fixtures/share --inventory inventory --resume
    """
    from piiscan.api import scan as run
    from piiscan.configfile import ConfigFile, load_config_file
    from piiscan.sources.imap import ImapOptions

    # The password file is read by each process that logs in: the password never travels.
    imap = ImapOptions(
        username=imap_user,
        password_file=imap_password_file,
        ca_file=imap_ca_file,
        insecure=imap_insecure,
        allow_plaintext=imap_allow_plaintext,
    )
    settings = load_config_file(config_file) if config_file else ConfigFile(path=Path("."))
    if config_file is None and not roots:
        raise click.UsageError("Missing argument 'ROOTS...': name them, or pass --config FILE")
    config = settings.scan_config(
        roots,
        inventory=inventory,
        workers=workers,
        key_file=key_file,
        new_key=new_key,
        include=include,
        exclude=exclude,
        follow_symlinks=follow_symlinks,
        skip_hidden=skip_hidden,
        max_size=max_size,
        max_text=max_text,
        max_depth=max_depth,
        max_ratio=max_ratio,
        max_seconds=max_seconds,
        min_score=min_score,
        entities=entities,
        person_model=person_model,
        recognizer_dirs=recognizer_dirs,
        smb_user=smb_user,
        imap=imap,
        sample_rows=sample_rows,
        full=full,
        reread_after=reread_after,
        executor=executor,
        scheduler=scheduler,
        split_size=split_size,
    )
    if resume is None:  # a config file run resumes its unclosed scan unless the file says not
        resume = None if config_file and settings.scan_options.get("resume", True) else False
    config = replace(config, resume=resume)
    bar = None
    if not quiet and sys.stderr.isatty():
        from tqdm import tqdm

        bar = tqdm(unit=" obj", file=sys.stderr, dynamic_ncols=True, desc="scanning")

    def on_progress(progress: Any) -> None:
        if bar is not None:
            bar.update(progress.objects - bar.n)
            bar.set_postfix(
                MB=f"{progress.bytes / 1e6:.1f}",
                findings=progress.findings,
                errors=progress.errors,
                refresh=False,
            )

    def on_notice(message: str) -> None:
        click.echo(_printable(f"piiscan: {message}"), err=True)

    try:
        report = run(
            config,
            progress=on_progress,
            smb_password=smb_password,
            notice=on_notice,
        )
    finally:
        if bar is not None:
            bar.close()
    if not quiet:
        how = " (resumed)" if report.resumed else ""
        if report.baseline is not None:
            how += f" ({report.carried} carried from scan {report.baseline})"
        click.echo(
            _printable(
                f"scan {report.scan_id}: {report.objects} objects, {report.findings} findings, "
                f"{report.errors} errors{how} -> {report.inventory}"
            ),
            err=True,
        )
    _scan_exit(report, strict=strict, fail_on_new=fail_on_new, quiet=quiet)


def _scan_exit(report: Any, *, strict: bool, fail_on_new: bool, quiet: bool) -> None:
    """Exit with the documented status of a completed scan (0 returns normally)."""
    status = 0
    if strict and report.errors:
        status = EXIT_UNREADABLE
    if fail_on_new:
        from piiscan.errors import InventoryError
        from piiscan.inventory import Inventory
        from piiscan.inventory.diff import diff_scans

        try:
            change = diff_scans(Inventory(report.inventory), to_scan=report.scan_id)
        except InventoryError:
            if not quiet:
                click.echo("piiscan: no earlier complete scan of these roots to compare with",
                           err=True)  # fmt: skip
        else:
            if change.new_findings:
                status = EXIT_NEW_FINDINGS
                if not quiet:
                    click.echo(f"piiscan: {change.new_findings} new findings since scan "
                               f"{change.old.scan_id}", err=True)  # fmt: skip
    if status:
        sys.exit(status)


def _table_command(table_name: str, help_text: str) -> None:
    """Register a command that prints one inventory table of a scan."""

    @cli.command(name=table_name, help=help_text)
    @inventory_option
    @scan_option
    @open_option
    @click.option(
        "--format", "fmt", type=click.Choice(["jsonl", "csv", "json"]), default="jsonl",
        show_default=True,
    )  # fmt: skip
    def command(inventory: Path, scan_id: str | None, include_open: bool, fmt: str) -> None:
        from piiscan.inventory import Inventory, rows_as_dicts
        from piiscan.inventory.schema import FINDINGS_SCHEMA

        reader = Inventory(inventory, include_open=include_open)
        rows: Iterable[dict[str, Any]]
        if table_name == "findings":
            # Streamed part by part: a scan of millions of findings prints in bounded memory.
            # Dismissed findings are shown as such (piiscan dismiss).
            rows = rows_as_dicts(reader.iter_findings(scan_id))
            rows, columns = _dismissed_shown(rows, list(FINDINGS_SCHEMA.names), inventory)
        else:
            table = getattr(reader, table_name)(scan_id)
            rows, columns = rows_as_dicts(table), list(table.column_names)
        _render(rows, columns, fmt)


def _dismissed_shown(
    rows: Iterable[dict[str, Any]], columns: list[str], inventory: Path
) -> tuple[Iterable[dict[str, Any]], list[str]]:
    from piiscan.inventory.dismissals import load_dismissals, with_dismissed

    return with_dismissed(rows, load_dismissals(inventory)), [*columns, "dismissed"]


_table_command(
    "columns",
    "Print the column profiles of a scan: per table, column and entity type of every tabular "
    "source (dumps, SQLite, Parquet, CSV, spreadsheets), the rows scanned and the rows and "
    "share holding that type. No values.\n\n"
    "Example: piiscan columns --inventory inventory --format csv",
)

_table_command(
    "findings",
    "Print the findings of a scan (no raw values: masked previews and value keys).\n\n"
    "Example: piiscan findings --inventory inventory --format csv",
)
_table_command(
    "objects",
    "Print every object a scan visited, with its status and reason.\n\n"
    "Example: piiscan objects --inventory inventory --format json",
)


@cli.command()
@inventory_option
@scan_option
@open_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def summary(inventory: Path, scan_id: str | None, include_open: bool, fmt: str) -> None:
    """Counts by entity type, by top-level folder and by object status.

    Example: piiscan summary --inventory inventory
    """
    from piiscan.inventory import Inventory

    result = Inventory(inventory, include_open=include_open).summary(scan_id)
    if fmt == "json":
        click.echo(
            _json(
                {
                    "scan_id": result.scan_id,
                    "objects": result.objects,
                    "findings": result.findings,
                    "objects_by_status": dict(result.objects_by_status),
                    "findings_by_entity": dict(result.findings_by_entity),
                    "findings_by_folder": [
                        {"root": r, "folder": f, "findings": n}
                        for r, f, n in result.findings_by_folder
                    ],
                    "top_columns": [
                        {
                            "path": p,
                            "member": m,
                            "table": t,
                            "column": c,
                            "entity_type": e,
                            "rows_matched": k,
                            "rows_scanned": n,
                        }
                        for p, m, t, c, e, k, n in result.top_columns
                    ],
                },
                indent=2,
            )
        )
        return
    click.echo(f"scan {result.scan_id}: {result.objects} objects, {result.findings} findings")
    click.echo("\nobjects by status:")
    for status, count in result.objects_by_status:
        click.echo(_printable(f"  {status:<12} {count:>8}"))
    click.echo("\nfindings by entity type:")
    for entity, count in result.findings_by_entity:
        click.echo(_printable(f"  {entity:<24} {count:>8}"))
    click.echo("\nfindings by top-level folder:")
    for root, folder, count in result.findings_by_folder:
        click.echo(_printable(f"  {root} :: {folder:<30} {count:>8}"))
    if result.top_columns:
        click.echo("\ntop columns (rows holding the type / rows scanned):")
        for path, member, table, column, entity, matched, scanned in result.top_columns:
            where = ".".join(part for part in (table, column) if part)
            inside = f"!/{member}" if member else ""
            share = 100.0 * matched / scanned if scanned else 0.0
            click.echo(_printable(f"  {path}{inside} :: {where:<30} {entity:<24} "
                                  f"{matched:>8}/{scanned:<8} {share:5.1f} %"))  # fmt: skip


@cli.command()
@recognizers_option
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
def recognizers(recognizer_dirs: tuple[Path, ...], fmt: str) -> None:
    """List the recognizer catalogue: ids, versions, entities, validators.

    Example: piiscan recognizers --format json
    """
    from piiscan.plugins import load_registry

    registry = load_registry(recognizer_dirs)
    rows = [
        {
            "id": spec.id,
            "version": spec.version,
            "entity": spec.entity,
            "name": spec.name,
            "validator": spec.validator or "",
            "source": spec.source,
        }
        for spec in sorted(registry.specs, key=lambda s: s.id)
    ]
    if fmt == "json":
        click.echo(_json(rows, indent=2))
        return
    click.echo(f"{'ID':<26} {'VER':>3}  {'ENTITY':<24} {'VALIDATOR':<20} NAME")
    for row in rows:
        click.echo(
            _printable(
                f"{row['id']:<26} {row['version']:>3}  {row['entity']:<24} "
                f"{row['validator']:<20} {row['name']}"
            )
        )


@cli.command("scan-text")
@click.argument(
    "file", type=click.Path(exists=True, dir_okay=False, allow_dash=True, path_type=str)
)
@click.option("--context", "context", multiple=True, help="Context word, e.g. a column name.")
@click.option(
    "--min-score",
    type=click.FloatRange(0, 1),
    help=f"Lowest score reported [{_ENGINE.min_score:g}].",
)
@recognizers_option
def scan_text(
    file: str, context: tuple[str, ...], min_score: float | None,
    recognizer_dirs: tuple[Path, ...],
) -> None:  # fmt: skip
    """Print the findings in one text FILE (or - for standard input) as JSON lines.

    FILE must be a regular file: a FIFO or device is refused rather than waited on (pipe
    into - instead).

    Example: echo "Personnummer: 850601-2387" | piiscan scan-text -
    """
    from piiscan.api import make_engine
    from piiscan.errors import SpecialFileError
    from piiscan.extractors.text import decode_text
    from piiscan.files import open_regular

    if file == "-":
        data = sys.stdin.buffer.read()
    else:
        try:
            with open_regular(file) as stream:
                data = stream.read()
        except SpecialFileError as error:
            raise ConfigError(
                f"{file} is not a regular file ({error.kind}); pipe it into 'scan-text -'"
            ) from None
        except OSError as error:
            raise ConfigError(f"cannot read {file}: {error.strerror}") from None
    text, _ = decode_text(data)
    config = EngineConfig() if min_score is None else EngineConfig(min_score=min_score)
    engine = make_engine(recognizer_dirs, config=config)
    for finding in engine.analyze(text, context):
        click.echo(
            _json(
                {
                    "entity_type": finding.entity_type,
                    "start": finding.start,
                    "end": finding.end,
                    "score": finding.score,
                    "masked": finding.masked,
                    "recognizer": finding.recognizer,
                    "flags": list(finding.flags),
                },
            )
        )


def _identifier_option(kind: str, help_text: str) -> Callable[[_F], _F]:
    return click.option(f"--{kind}", kind, multiple=True, help=f"{help_text} (repeatable).")


@cli.command()
@inventory_option
@scan_option
@_identifier_option("personnummer", "Personnummer, 10 or 12 digits")
@_identifier_option("samordningsnummer", "Samordningsnummer")
@_identifier_option("organisationsnummer", "Organisationsnummer (a sole trader's)")
@_identifier_option("email", "E-mail address")
@_identifier_option("phone", "Phone number")
@_identifier_option("iban", "IBAN")
@_identifier_option("name", "Full name; case, spacing and accents ignored")
@_identifier_option("address", "Postal address, e.g. 'Storgatan 1, 111 22 Stockholm'")
@_identifier_option("ip", "IP address, IPv4 or IPv6; a place it alone matches is only possible")
@click.option(
    "--date-of-birth",
    "date_of_birth",
    multiple=True,
    help="Date of birth, e.g. 1985-06-01; only searched beside --name, places it matches are "
    "only possible (repeatable).",
)
@click.option(
    "--from-file",
    "request_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Request file (TOML): identifiers, case, dates, retention rules. Keeps identifiers "
    "out of shell history.",
)
@click.option(
    "--verify-erasure",
    "verify_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="After an erasure: the request file; lists the places that still hold the data.",
)
@click.option(
    "--purpose",
    type=click.Choice(["access", "erasure"]),
    help="access: register extract; erasure: worklist [default: the request file's, or access].",
)
@click.option("--case", "case", help="Case number (ärendenummer); overrides the request file's.")
@click.option("--operator", help="Who runs the lookup, for the audit table [default: OS user].")
@click.option(
    "--key-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The key file the inventory was written with [default: as for scan].",
)
@click.option(
    "--format", "fmt", type=click.Choice(["json", "csv", "md", "html"]), default="json",
    show_default=True,
)  # fmt: skip
@click.option("--lang", type=click.Choice(["sv", "en"]), default="sv", show_default=True)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file (created 0600) instead of standard output.",
)
def subject(
    inventory: Path,
    scan_id: str | None,
    request_file: Path | None,
    verify_file: Path | None,
    purpose: str | None,
    case: str | None,
    operator: str | None,
    key_file: Path | None,
    fmt: str,
    lang: str,
    output: Path | None,
    **identifiers: tuple[str, ...],
) -> None:
    """Where the inventory holds one person's data: a register extract or an erasure worklist.

    A place is a file, an archive member, a message or a table row in the latest scan of each
    root. Identifiers are validated and keyed with the inventory's key; nothing raw is
    searched for, stored or printed. Every lookup is recorded (see `piiscan audit`).

    Example: piiscan subject --inventory inventory --from-file request.toml --format html
    """
    from piiscan.inventory import Inventory
    from piiscan.keys import load_or_create_key
    from piiscan.subject import SubjectIdentifiers, SubjectRequest, load_request, lookup_subject

    given = SubjectIdentifiers(**identifiers)
    files = [f for f in (request_file, verify_file) if f is not None]
    if len(files) > 1:
        raise click.UsageError("give --from-file or --verify-erasure, not both")
    if files and not given.is_empty():
        raise click.UsageError("give identifiers on the command line or in the file, not both")
    request = load_request(files[0]) if files else SubjectRequest(identifiers=given)
    changes: dict[str, Any] = {}
    if case is not None:
        changes["case"] = case
    if purpose is not None:
        changes["purpose"] = purpose
    request = replace(request, **changes)
    keyer = load_or_create_key(key_file, create=False)
    report = lookup_subject(
        Inventory(inventory),
        request,
        keyer,
        scan_id=scan_id,
        purpose="verify" if verify_file is not None else None,
        operator=operator,
    )
    if report.purpose == "erasure":
        text = _render_worklist(report.worklist(request.keep), fmt, lang)
    else:
        text = _render_report(report, fmt, lang)
    if output is None:
        # A report names paths; on a terminal, control characters in them must not act.
        click.echo(_printable(text, keep="\n\t"), nl=False)
    else:
        _write_private(output, text)


def _render_report(report: Any, fmt: str, lang: Any) -> str:
    if fmt == "json":
        return _json(report.to_dict(), indent=2) + "\n"
    if fmt == "csv":
        rows = [
            {k: v for k, v in place.items() if k != "reasons"} | {"reasons": place["reasons"]}
            for place in report.to_dict()["places"]
        ]
        return _csv_text(rows, _PLACE_COLUMNS)
    from piiscan.subject.render import render_extract

    return render_extract(report, "md" if fmt == "md" else "html", lang)


def _render_worklist(worklist: Any, fmt: str, lang: Any) -> str:
    if fmt == "json":
        return _json(worklist.to_dict(), indent=2) + "\n"
    if fmt == "csv":
        return _csv_text(worklist.to_dict()["actions"], _ACTION_COLUMNS)
    from piiscan.subject.render import render_worklist

    return render_worklist(worklist, "md" if fmt == "md" else "html", lang)


_PLACE_COLUMNS = (
    "certainty", "system", "root", "path", "member", "record", "matched", "categories",
    "locators", "findings", "other_findings", "first_seen", "last_seen", "modified", "reasons",
)  # fmt: skip
_ACTION_COLUMNS = (
    "action", "erase", "certainty", "system", "root", "path", "member", "record", "categories",
    "keep_until", "keep_reason",
)  # fmt: skip


def _csv_text(rows: Iterable[dict[str, Any]], columns: Sequence[str]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _csv_cell(row.get(k)) for k in columns})
    return buffer.getvalue()


def _write_private(path: Path, text: str) -> None:
    """Write a report to ``path``, created 0600: it says where a person's data is."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(descriptor, 0o600)  # an existing file keeps its mode through O_CREAT
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as error:
        raise click.FileError(str(path), hint=error.strerror or "cannot write") from None


@cli.command()
@inventory_option
@click.option(
    "--format", "fmt", type=click.Choice(["jsonl", "csv", "json"]), default="jsonl",
    show_default=True,
)  # fmt: skip
def audit(inventory: Path, fmt: str) -> None:
    """List every subject lookup made in the inventory: when, who, case, purpose, results.

    Identifiers appear as value keys only.

    Example: piiscan audit --inventory inventory --format csv
    """
    from piiscan.inventory import rows_as_dicts
    from piiscan.inventory.audit import read_lookups

    table = read_lookups(inventory)
    _render(rows_as_dicts(table), table.column_names, fmt)


# --- Scheduled scans: config file, diff, retention, dismissals, report -----------------------

config_file_option = click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Config file (piiscan.toml); names the inventory when --inventory is not given.",
)
optional_inventory_option = click.option(
    "--inventory",
    "inventory",
    type=click.Path(file_okay=False, path_type=Path),
    help="Inventory directory [default: the config file's].",
)


def _settings(config_file: Path | None) -> Any:
    """The config file's settings (an empty one without a file)."""
    from piiscan.configfile import ConfigFile, load_config_file

    return load_config_file(config_file) if config_file else ConfigFile(path=Path("."))


def _inventory_dir(inventory: Path | None, settings: Any) -> Path:
    chosen: Path | None = inventory or settings.inventory
    if chosen is None:
        raise click.UsageError("pass --inventory DIR, or --config FILE that names the inventory")
    return chosen


@cli.group()
def config() -> None:
    """Check a config file (piiscan.toml)."""


@config.command("check")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def config_check(file: Path) -> None:
    """Validate FILE without scanning: keys, types, values, globs, roots, entity types.

    Example: piiscan config check /etc/piiscan/piiscan.toml
    """
    from piiscan.configfile import load_config_file
    from piiscan.plugins import load_registry

    settings = load_config_file(file)
    settings.check_roots()
    registry = load_registry(settings.scan_options.get("recognizer_dirs", ()))
    settings.check_entities({spec.entity for spec in registry.specs})
    click.echo(
        _printable(
            f"{file}: ok ({len(settings.roots)} roots, {len(settings.retention)} retention "
            f"rules, {len(settings.known_values.values)} known values)"
        )
    )


@cli.command()
@optional_inventory_option
@config_file_option
@click.option("--from", "from_scan", help="The older scan [default: the complete scan before "
              "--to of the same roots].")  # fmt: skip
@click.option("--to", "to_scan", help="The newer scan [default: the latest complete scan].")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "jsonl", "csv", "json"]), default="text",
    show_default=True,
)  # fmt: skip
@click.option(
    "--fail-on-new",
    is_flag=True,
    help=f"Exit {EXIT_NEW_FINDINGS} when findings were added (dismissed ones aside).",
)
@click.option("-q", "--quiet", is_flag=True, help="Print nothing; only the exit status says.")
def diff(
    inventory: Path | None,
    config_file: Path | None,
    from_scan: str | None,
    to_scan: str | None,
    fmt: str,
    fail_on_new: bool,
    quiet: bool,
) -> None:
    """Objects and findings added and removed between two scans.

    A finding is (path, member, locator, entity type, value key); moved text is no change.

    Example: piiscan diff --inventory inventory --fail-on-new
    """
    from piiscan.inventory import Inventory
    from piiscan.inventory.diff import DIFF_COLUMNS, diff_scans

    directory = _inventory_dir(inventory, _settings(config_file))
    change = diff_scans(Inventory(directory), from_scan, to_scan)
    if not quiet:
        if fmt == "text":
            summary = change.summary()
            click.echo(
                f"scan {change.old.scan_id} -> {change.new.scan_id}: "
                f"objects +{summary['objects_added']} -{summary['objects_removed']}, "
                f"findings +{summary['findings_added']} -{summary['findings_removed']}"
            )
            for row in change.rows:
                sign = "+" if row.change == "added" else "-"
                where = "!/".join(part for part in (row.path, row.member) if part)
                if row.kind == "object":
                    click.echo(_printable(f"{sign} object  {where}"))
                else:
                    times = f" x{row.count}" if row.count > 1 else ""
                    note = " (dismissed)" if row.dismissed else ""
                    click.echo(_printable(
                        f"{sign} finding {where} {row.locator} {row.entity_type} "
                        f"{row.masked}{times}{note}"
                    ))  # fmt: skip
        else:
            _render((row.to_dict() for row in change.rows), DIFF_COLUMNS, fmt)
    if fail_on_new and change.new_findings:
        sys.exit(EXIT_NEW_FINDINGS)


@cli.command()
@optional_inventory_option
@click.option(
    "--config",
    "config_file",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Config file with the [[retention]] rules.",
)
@scan_option
@click.option(
    "--format", "fmt", type=click.Choice(["text", "jsonl", "csv", "json"]), default="text",
    show_default=True,
)  # fmt: skip
def retention(inventory: Path | None, config_file: Path, scan_id: str | None, fmt: str) -> None:
    """List the places holding personal data past their retention rule (gallring).

    Counts by entity type and the rule that applies; age is the object's modification time,
    or the message's date for mail.

    Example: piiscan retention --config piiscan.toml --format csv
    """
    from piiscan.inventory import Inventory
    from piiscan.inventory.retention import retention_candidates

    settings = _settings(config_file)
    if not settings.retention:
        raise ConfigError(f"config file {config_file} has no [[retention]] rules")
    directory = _inventory_dir(inventory, settings)
    result = retention_candidates(Inventory(directory), settings.retention, scan_id=scan_id)
    rows = result.rows()
    if fmt == "text":
        click.echo(f"scan {result.scan_id}: {len(rows)} places past their retention rule")
        for row in rows:
            where = "!/".join(part for part in (row["path"], row["member"]) if part)
            counts = ", ".join(f"{entity} {count}" for entity, count in row["by_entity"].items())
            click.echo(_printable(f"  {row['modified'][:10]}  {where}  [{counts}]  {row['rule']}"))
        if result.undated:
            click.echo(f"  ({result.undated} places under a rule have no date and are not judged)")
        return
    columns = ("root", "path", "member", "modified", "age_days", "findings", "by_entity",
               "rule", "reason")  # fmt: skip
    if fmt == "csv":
        rows = [row | {"by_entity": [f"{k}={v}" for k, v in row["by_entity"].items()]}
                for row in rows]  # fmt: skip
    _render(iter(rows), columns, fmt)


@cli.command()
@optional_inventory_option
@config_file_option
@click.option("--path", "path", required=True, help="The finding's path, as `findings` shows it.")
@click.option("--locator", default="", help="The finding's locator (empty for plain text).")
@click.option("--entity", "entity_type", required=True, help="The entity type, e.g. PHONE_NUMBER.")
@click.option("--value-key", required=True, help="The finding's value key (64 hex digits).")
@click.option("--reason", required=True, help="Why it is not personal data.")
@click.option("--by", "by", help="Who dismisses it [default: the OS user].")
@click.option("--root", default="", help="Only under this root [default: any root].")
def dismiss(
    inventory: Path | None,
    config_file: Path | None,
    path: str,
    locator: str,
    entity_type: str,
    value_key: str,
    reason: str,
    by: str | None,
    root: str,
) -> None:
    """Mark a finding as a false positive, with a reason and who did it.

    The finding stays in the inventory and is shown as dismissed (findings, diff, report);
    the dismissal applies to the same value at the same place in every scan.

    Example: piiscan dismiss --inventory inventory --path Ekonomi/faktura.pdf --locator page=1
    --entity PHONE_NUMBER --value-key 3f2a... --reason "our switchboard"
    """
    import getpass

    from piiscan.inventory import Inventory
    from piiscan.inventory.dismissals import Dismissal, append_dismissal

    directory = _inventory_dir(inventory, _settings(config_file))
    dismissal = Dismissal(
        path=path,
        locator=locator,
        entity_type=entity_type,
        value_key=value_key.strip().lower(),
        reason=reason,
        by=by or getpass.getuser(),
        root=root,
    )
    reader = Inventory(directory)
    found = reader.findings_of_scans(
        [info.scan_id for info in reader.scans()],
        value_keys=[dismissal.value_key],
        paths=[path],
        columns=["root", "locator", "entity_type"],
    )
    if not any(
        row["locator"] == locator and row["entity_type"] == entity_type
        and (not root or row["root"] == root)
        for row in found.to_pylist()
    ):  # fmt: skip
        raise ConfigError(
            "no finding with that path, locator, entity type and value key in any scan "
            "(copy them from `piiscan findings`)"
        )
    dismissal_id = append_dismissal(directory, dismissal)
    click.echo(f"dismissed ({dismissal_id})", err=True)


@cli.command()
@optional_inventory_option
@config_file_option
@scan_option
@click.option(
    "--format", "fmt", type=click.Choice(["html", "md", "json"]), default="html",
    show_default=True,
)  # fmt: skip
@click.option(
    "--out",
    "output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file (created 0600) instead of standard output.",
)
@click.option(
    "--lang",
    type=click.Choice(["sv", "en"]),
    help="Language of the page [default: the config file's, else sv].",
)
def report(
    inventory: Path | None,
    config_file: Path | None,
    scan_id: str | None,
    fmt: str,
    output: Path | None,
    lang: str | None,
) -> None:
    """A report of a scan for people: one self-contained HTML page (or Markdown, JSON).

    Headline figures, findings by entity type, folder and age (charts), change since the
    previous scan, top locations, unreadable objects and retention candidates (with
    --config). Values are masked; the page loads nothing from the network.

    Example: piiscan report --config piiscan.toml --out report.html
    """
    from piiscan.inventory import Inventory
    from piiscan.report import build_report, render_report

    settings = _settings(config_file)
    built = build_report(
        Inventory(_inventory_dir(inventory, settings)),
        scan_id=scan_id,
        rules=settings.retention,
        title=settings.report.title,
        top=settings.report.top,
    )
    if fmt == "json":
        text = _json(built.to_dict(), indent=2) + "\n"
    else:
        chosen = lang or settings.report.lang
        text = render_report(
            built, "md" if fmt == "md" else "html", "en" if chosen == "en" else "sv"
        )
    if output is None:
        click.echo(_printable(text, keep="\n\t"), nl=False)
    else:
        _write_private(output, text)


def _render(rows: Iterable[dict[str, Any]], columns: Sequence[str], fmt: str) -> None:
    out = sys.stdout
    if fmt == "jsonl":
        for row in rows:
            out.write(_json(row) + "\n")
    elif fmt == "json":
        # One row at a time, laid out as json.dumps(list, indent=2) lays it out.
        first = True
        for row in rows:
            out.write(("[\n" if first else ",\n") + textwrap.indent(_json(row, indent=2), "  "))
            first = False
        out.write("[]\n" if first else "\n]\n")
    else:
        writer = csv.DictWriter(out, fieldnames=list(columns), lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _csv_cell(v) for k, v in row.items()})


def _csv_cell(value: Any) -> Any:
    """A value as a CSV cell: lists joined with ``;``, control characters escaped."""
    if isinstance(value, list):
        value = ";".join(map(str, value))
    return _printable(value) if isinstance(value, str) else value


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the ``piiscan`` command: one-line errors, documented exit statuses."""
    if sys.unraisablehook is sys.__unraisablehook__:  # not when a host (a test runner) set one
        sys.unraisablehook = _unraisable_to_debug_log
    try:
        cli.main(args=list(argv) if argv is not None else None, standalone_mode=False)
    except click.exceptions.Abort as exc:
        # click turns Ctrl-C (and a scan's SIGTERM or SIGHUP, raised as a KeyboardInterrupt)
        # into Abort, chained to the KeyboardInterrupt, before we see it.
        if isinstance(exc.__cause__, KeyboardInterrupt):
            _interrupted(exc.__cause__)
        click.echo("piiscan: aborted", err=True)
        sys.exit(130)
    except click.UsageError as exc:
        click.echo(_printable(f"piiscan: error: {exc.format_message()}"), err=True)
        sys.exit(2)
    except click.ClickException as exc:
        click.echo(_printable(f"piiscan: error: {exc.format_message()}"), err=True)
        sys.exit(exc.exit_code)
    except ConfigError as exc:
        click.echo(_printable(f"piiscan: error: {exc}"), err=True)
        sys.exit(exc.exit_code)
    except PiiscanError as exc:
        click.echo(_printable(f"piiscan: error: {exc}"), err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt as exc:
        _interrupted(exc)
    except BrokenPipeError:
        sys.exit(0)


def _unraisable_to_debug_log(args: Any) -> None:
    """Log an exception Python cannot raise (in a ``__del__``, or at exit) by its type only.

    Python prints these with a traceback and nothing can act on them. One case is a race in
    the standard library: after a signal stopped a scan, the process pool's exit hook can
    write to a pipe the pool's own thread is closing at that moment (``OSError: [Errno 9]``),
    after the scan was closed and its one-line message printed.
    """
    logging.getLogger("piiscan").debug(
        "ignored an exception Python could not raise (%s)", args.exc_type.__name__
    )


def _interrupted(exc: KeyboardInterrupt) -> NoReturn:
    """Exit after Ctrl-C (130), or a scan stopped by a signal (128 + its number)."""
    signum = getattr(exc, "signum", signal.SIGINT)
    by = "" if signum == signal.SIGINT else f" by {signal.Signals(signum).name}"
    click.echo(f"piiscan: interrupted{by}; the inventory keeps what was finished", err=True)
    sys.exit(128 + signum)
