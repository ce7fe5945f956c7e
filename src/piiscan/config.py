"""Settings of the engine and of a scan: frozen, picklable values built from CLI options."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal, TypeVar

from piiscan.errors import ConfigError
from piiscan.extractors.base import Limits
from piiscan.known import KnownValues
from piiscan.sources.imap import ImapOptions
from piiscan.sources.select import WalkOptions

#: Where a scan's tasks run (:attr:`ScanConfig.executor`).
Executor = Literal["local", "dask"]
EXECUTORS: Final[tuple[Executor, ...]] = ("local", "dask")

#: Text, CSV, mbox and plain SQL dump files larger than this are read in ranges of about
#: this size (:attr:`ScanConfig.split_bytes`, :mod:`piiscan.scan.ranges`).
SPLIT_BYTES: Final = 16 * 1024 * 1024

if TYPE_CHECKING:
    from piiscan.inventory.retention import Period

_Settings = TypeVar("_Settings", WalkOptions, Limits, "EngineConfig")


def _with(settings: _Settings, **values: Any) -> _Settings:
    """``settings`` with the given values; a ``None`` keeps the default."""
    return replace(settings, **{name: value for name, value in values.items() if value is not None})


@dataclass(frozen=True, slots=True, kw_only=True)
class EngineConfig:
    """How the engine runs; picklable, so worker processes build their own engine from it.

    :param min_score: findings scoring below this are not reported. The default hides a bare
        10-digit run that merely passes a checksum (weak evidence) unless context supports it.
    :param entities: report only these entity types (``None``: all).
    :param person_model: the NER model behind PERSON: ``"bundled"`` (the small Swedish model
        shipped with piiscan), ``"none"`` (gazetteer and rules only, fastest), or the name of
        an installed spaCy pipeline such as ``"sv_core_news_sm"``.
    """

    min_score: float = 0.5
    entities: tuple[str, ...] | None = None
    person_model: str = "bundled"


@dataclass(frozen=True, slots=True, kw_only=True)
class ScanConfig:
    """Everything a scan needs, picklable so worker processes can rebuild their engine.

    :param roots: local paths, mounted paths or ``smb://`` URLs (never with a password).
    :param inventory: the inventory directory (created if missing).
    :param workers: worker processes; ``None`` means one per core; ``1`` scans in-process.
    :param key_file: the HMAC key file; ``None`` uses ``PIISCAN_KEY_FILE`` or the default.
    :param new_key: create the key file when it is missing at a named path (``key_file`` or
        ``PIISCAN_KEY_FILE``); only the default location is created without being asked.
    :param walk: which files to visit (include/exclude globs, symlinks, hidden files).
    :param limits: size, depth and expansion limits against bombs and giants.
    :param engine: engine settings (minimum score, entity filter).
    :param recognizer_dirs: an organisation's own catalogue directories.
    :param smb_username: SMB user name (the password comes from the environment or a prompt
        and is never part of the config, so it never reaches the inventory or a config hash).
    :param imap: how IMAP roots are reached (user, certificates); the password is never
        part of the config.
    :param part_objects: the inventory gets a part (a file per table) every this many objects;
        what a killed scan loses is at most the objects since its last part.
    :param part_seconds: ... and at the first object after this many seconds.
    :param known_values: the organisation's own values (:mod:`piiscan.known`), counted per
        object instead of reported; keyed with the scan's key when the scan starts.
    :param resume: continue the inventory's latest scan when it did not close as complete
        (killed, or stopped and closed as ``interrupted``), under its own id: ``True`` requires
        one (of the same roots, key, recognizers and settings), ``None`` resumes one of the
        same roots and settings when there is one and starts a new scan otherwise (what a
        config file run does), ``False`` always starts a new scan.
    :param full: read every object, even when an earlier complete scan of the same roots and
        settings saw it unchanged (no incremental rescan).
    :param reread_after: an incremental rescan reads again the objects with findings that
        were read longer ago than this, so that stale results age out (``None``: never).
    :param executor: where tasks run: ``local`` (this machine: in-process or a pool of worker
        processes) or ``dask`` (the workers of a Dask cluster, :mod:`piiscan.scan.dask_executor`).
    :param scheduler: the Dask scheduler's address (``tcp://host:8786``, ``tls://...``) for
        ``executor="dask"``.
    :param split_bytes: plain-text, CSV/TSV, mbox and plain SQL dump files larger than this
        are read in ranges of about this size, as separate tasks, with the rows of a read at
        once (:mod:`piiscan.scan.ranges`); 0 reads every file at once.
    """

    roots: tuple[str, ...]
    inventory: Path
    workers: int | None = None
    key_file: Path | None = None
    new_key: bool = False
    walk: WalkOptions = field(default_factory=lambda: WalkOptions())
    limits: Limits = field(default_factory=lambda: Limits())
    engine: EngineConfig = field(default_factory=EngineConfig)
    recognizer_dirs: tuple[Path, ...] = ()
    smb_username: str | None = None
    imap: ImapOptions = field(default_factory=lambda: ImapOptions())
    part_objects: int = 10_000
    part_seconds: float = 60.0
    known_values: KnownValues = field(default_factory=KnownValues)
    resume: bool | None = False
    full: bool = False
    reread_after: Period | None = field(default_factory=lambda: _default_reread_after())
    executor: Executor = "local"
    scheduler: str | None = None
    split_bytes: int = SPLIT_BYTES

    def __post_init__(self) -> None:
        if self.executor not in EXECUTORS:
            raise ConfigError(f"executor must be one of {', '.join(EXECUTORS)}")

    @classmethod
    def from_options(
        cls,
        roots: Sequence[str],
        *,
        inventory: Path,
        workers: int | None = None,
        key_file: Path | None = None,
        new_key: bool = False,
        include: Sequence[str] = (),
        exclude: Sequence[str] = (),
        follow_symlinks: bool = False,
        skip_hidden: bool = False,
        max_size: int | None = None,
        max_text: int | None = None,
        max_depth: int | None = None,
        max_ratio: float | None = None,
        max_seconds: float | None = None,
        min_score: float | None = None,
        entities: str | Sequence[str] | None = None,
        person_model: str | None = None,
        recognizer_dirs: Sequence[Path] = (),
        smb_user: str | None = None,
        imap: ImapOptions | None = None,
        sample_rows: int | None = None,
        resume: bool | None = False,
        full: bool = False,
        reread_after: Period | str | None = "default",
        executor: Executor = "local",
        scheduler: str | None = None,
        split_size: int | None = None,
    ) -> ScanConfig:
        """A config from the options of ``piiscan scan``; ``None`` keeps a setting's default.

        :param roots: paths, ``smb://`` URLs or UNC paths.
        :param inventory: the inventory directory.
        :param max_size: the largest file read, in bytes (walk and extraction alike).
        :param max_text: the most text read from one object, in characters (the text budget).
        :param entities: entity types to report, as a sequence or one comma-separated string.
        :param skip_hidden: skip dot-files and files marked hidden or system.
        :param reread_after: a period such as ``"90 days"``, ``"never"`` (or ``None``) for no
            re-reading, or ``"default"`` for :data:`DEFAULT_REREAD_AFTER`.
        :raises ConfigError: for a ``reread_after`` that is not a period.
        :returns: the config; the other parameters are those of the CLI option of that name.
        """
        if isinstance(entities, str):
            entities = [entity.strip() for entity in entities.split(",")]
        walk = _with(
            WalkOptions(
                include=tuple(include),
                exclude=tuple(exclude),
                follow_symlinks=follow_symlinks,
                include_hidden=not skip_hidden,
            ),
            max_object_bytes=max_size,
        )
        limits = _with(
            Limits(),
            max_object_bytes=max_size,
            max_text_chars=max_text,
            max_depth=max_depth,
            max_expansion_ratio=max_ratio,
            max_object_seconds=max_seconds,
            sample_rows=sample_rows,
        )
        engine = _with(
            EngineConfig(),
            min_score=min_score,
            entities=tuple(e for e in entities if e) or None if entities is not None else None,
            person_model=person_model,
        )
        return cls(
            roots=tuple(roots),
            inventory=Path(inventory),
            workers=workers,
            key_file=key_file,
            new_key=new_key,
            walk=walk,
            limits=limits,
            engine=engine,
            recognizer_dirs=tuple(recognizer_dirs),
            smb_username=smb_user,
            imap=imap or ImapOptions(),
            resume=resume,
            full=full,
            reread_after=_reread_after(reread_after),
            executor=executor,
            scheduler=scheduler,
            split_bytes=SPLIT_BYTES if split_size is None else split_size,
        )

    def fingerprint(self) -> str:
        """A hash of the settings that change what a scan finds (stored in ``scans``)."""
        described = repr(
            (self.walk, self.limits, self.engine, tuple(str(d) for d in self.recognizer_dirs))
        )
        return hashlib.sha256(described.encode("utf-8")).hexdigest()[:16]


#: How long an incremental rescan trusts the findings of an object it did not read again.
DEFAULT_REREAD_AFTER = "90 days"


def _default_reread_after() -> Period:
    from piiscan.inventory.retention import Period

    return Period.parse(DEFAULT_REREAD_AFTER)


def _reread_after(value: Period | str | None) -> Period | None:
    """A ``reread_after`` setting: a period, ``"never"``/``None``, or ``"default"``."""
    from piiscan.inventory.retention import Period

    if value is None or isinstance(value, Period):
        return value
    if value == "default":
        return _default_reread_after()
    if value.strip().casefold() == "never":
        return None
    try:
        return Period.parse(value)
    except ConfigError as error:
        raise ConfigError(f"reread_after: {error}; or 'never'") from None
