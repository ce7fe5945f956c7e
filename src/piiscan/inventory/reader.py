"""Read an inventory directory: its scans, objects and findings, and summaries of them.

A scan exists once its closed ``scans/<scan_id>.parquet`` row does (the writer writes it
last). A scan that is running, or was killed before it could close, has only its open row
(``scans/open/<scan_id>.parquet``, status ``open``) and the parts written so far: readers see it
only when asked (``Inventory(directory, include_open=True)``), and then read every part it
finished. Hidden and ``*.tmp`` files are ignored, and so is a findings part whose objects part
is missing (a crash between the two renames). Paths come from :mod:`piiscan.inventory.layout`.

A table of a scan is read as a :mod:`pyarrow.dataset` over its parts, with the value-key and
entity filters pushed down to the Parquet reader. Files of an older schema version are upgraded
in memory as they are read; the files themselves are never changed.

Reading never needs the key. To look a value up, key it with the key the inventory was made
with (:meth:`Inventory.check_fingerprint` says whether you have it) and pass the value keys to
:meth:`Inventory.findings`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Final

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from piiscan.errors import InventoryError
from piiscan.inventory.layout import Layout
from piiscan.inventory.schema import (
    COLUMNS_SCHEMA,
    FINDINGS_SCHEMA,
    META_SCHEMA_VERSION,
    OBJECTS_SCHEMA,
    OPEN_STATUS,
    SCAN_ID_PATTERN,
    SCANS_SCHEMA,
    SCHEMA_VERSION,
    UPGRADES,
    TableName,
    Upgrade,
    upgrade_table,
)
from piiscan.model import Status

# Statuses counted in a scan's ``errors`` (Status.is_error); unknown ones are not errors.
_ERROR_STATUSES = frozenset(str(status) for status in Status if status.is_error)

_SCHEMAS: Mapping[str, pa.Schema] = {
    "scans": SCANS_SCHEMA,
    "objects": OBJECTS_SCHEMA,
    "findings": FINDINGS_SCHEMA,
    "columns": COLUMNS_SCHEMA,
}

__all__ = ["TOP_COLUMNS", "Inventory", "ScanInfo", "Summary", "rows_as_dicts", "top_folder"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ScanInfo:
    """One row of ``scans``: what one scan covered and how it ended.

    The fields are the columns of ``scans`` (see :data:`piiscan.inventory.schema.SCANS_SCHEMA`).
    """

    scan_id: str
    started: datetime
    finished: datetime
    roots: tuple[str, ...]
    config_hash: str
    piiscan_version: str
    recognizers: tuple[str, ...]
    key_fingerprint: str
    objects: int
    findings: int
    errors: int
    status: str

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> ScanInfo:
        """Build from a ``scans`` row as :meth:`pyarrow.Table.to_pylist` returns it.

        :param row: the row.
        """
        return cls(
            scan_id=row["scan_id"],
            started=row["started"],
            finished=row["finished"],
            roots=tuple(row["roots"]),
            config_hash=row["config_hash"],
            piiscan_version=row["piiscan_version"],
            recognizers=tuple(row["recognizers"]),
            key_fingerprint=row["key_fingerprint"],
            objects=row["objects"],
            findings=row["findings"],
            errors=row["errors"],
            status=row["status"],
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Summary:
    """Counts for one scan, each ordered by count (largest first), then by name.

    :param scan_id: the scan summarised.
    :param objects: objects visited.
    :param findings: findings made.
    :param objects_by_status: ``(status, count)`` pairs, e.g. ``("ok", 120)``.
    :param findings_by_entity: ``(entity_type, count)`` pairs.
    :param findings_by_folder: ``(root, folder, count)`` triples, where ``folder`` is the first
        component of ``path``, or ``"."`` for files directly in the root.
    :param top_columns: the columns of tabular sources that hold the most rows of one entity
        type (at most :data:`TOP_COLUMNS`), as ``(path, member, table, column, entity_type,
        rows_matched, rows_scanned)``, by rows matched, then share.
    """

    scan_id: str
    objects: int
    findings: int
    objects_by_status: tuple[tuple[str, int], ...]
    findings_by_entity: tuple[tuple[str, int], ...]
    findings_by_folder: tuple[tuple[str, str, int], ...]
    top_columns: tuple[tuple[str, str, str, str, str, int, int], ...] = ()


#: How many columns :meth:`Inventory.summary` lists.
TOP_COLUMNS: Final = 10


def top_folder(path: str) -> str:
    """The first component of a root-relative ``/``-separated path; ``"."`` for a top file.

    :param path: e.g. ``Personal/2019/lista.xlsx`` (gives ``Personal``).
    """
    head, separator, _ = path.strip("/").partition("/")
    return head if separator else "."


class Inventory:
    """An inventory directory opened for reading.

    Nothing is cached: every call reads the files again, so an ``Inventory`` sees scans that
    finish after it was opened.

    :param directory: the inventory directory.
    :param upgrades: the schema upgrade steps (see :data:`piiscan.inventory.schema.UPGRADES`).
    :param include_open: also see scans that are not closed (running, or killed before they
        could close), with status ``open`` and the rows of the parts they finished.
    :raises InventoryError: if the directory holds no scan (no closed one, unless
        ``include_open``).
    """

    def __init__(
        self,
        directory: Path,
        *,
        upgrades: Mapping[int, Upgrade] = UPGRADES,
        include_open: bool = False,
    ) -> None:
        self.directory = Path(directory)
        self.layout = Layout(self.directory)
        self.include_open = include_open
        self._upgrades = upgrades
        if not self._scan_files():
            raise InventoryError(f"no inventory at {self.directory}")

    def __repr__(self) -> str:
        return f"Inventory({str(self.directory)!r})"

    def _scan_files(self) -> list[tuple[Path, bool]]:
        """The ``scans`` files to read, each with whether it is an open scan's row."""
        closed = self.layout.closed_scan_files()
        files = [(path, False) for path in closed]
        if self.include_open:
            names = {path.name for path in closed}
            files += [(path, True) for path in self.layout.open_scan_files()
                      if path.name not in names]  # fmt: skip
        return files

    @staticmethod
    def _version(path: Path, metadata: Mapping[bytes, bytes] | None) -> int:
        raw_version = (metadata or {}).get(META_SCHEMA_VERSION)
        try:
            version = int(raw_version) if raw_version is not None else -1
        except ValueError:
            version = -1
        if version < 0:
            raise InventoryError(f"{path} is not a piiscan inventory file (no schema version)")
        return version

    def _read(self, name: TableName, path: Path, filters: Any = None) -> pa.Table:
        """Read one file and bring it to the current schema.

        :param filters: a pyarrow filter expression applied while reading (row groups whose
            statistics exclude it are skipped; other columns of dropped rows are not built).
        """
        try:
            table = pq.read_table(path, filters=filters)
        except FileNotFoundError:
            raise InventoryError(f"inventory file {path} is missing") from None
        except (OSError, pa.ArrowException) as error:
            raise InventoryError(
                f"cannot read inventory file {path}: {type(error).__name__}"
            ) from None
        version = self._version(path, table.schema.metadata)
        try:
            return upgrade_table(name, table, version, self._upgrades)
        except InventoryError as error:
            raise InventoryError(f"{path}: {error}") from None

    def _parts(self, name: TableName, scan_id: str) -> list[Path]:
        paths = self.layout.parts(name, scan_id)
        if name in ("findings", "columns") and paths != [self.layout.legacy_file(name, scan_id)]:
            # A findings or columns part counts once its objects part is there (renamed last).
            objects = {path.name for path in self.layout.parts("objects", scan_id)}
            paths = [path for path in paths if path.name in objects]
        return paths

    def _read_parts(
        self,
        name: TableName,
        scan_id: str,
        where: ds.Expression | None = None,
        *,
        expected_rows: int | None = None,
    ) -> pa.Table:
        """Read every part of one scan's table, keeping the rows ``where`` selects.

        :param expected_rows: the rows the parts must hold together (a closed scan's count).
        :raises InventoryError: if a part cannot be read, or parts are missing.
        """
        paths = self._parts(name, scan_id)
        try:
            footers = [pq.read_metadata(path) for path in paths]
            versions = {self._version(p, f.metadata) for p, f in zip(paths, footers, strict=True)}
            if expected_rows is not None and sum(f.num_rows for f in footers) != expected_rows:
                raise InventoryError(f"inventory files of scan {scan_id} are missing ({name})")
            if not paths:
                return _SCHEMAS[name].empty_table()
            if versions == {SCHEMA_VERSION}:
                dataset = ds.dataset([str(path) for path in paths], format="parquet")
                table = upgrade_table(name, dataset.to_table(filter=where), SCHEMA_VERSION)
                return table
        except FileNotFoundError:
            raise InventoryError(f"inventory files of scan {scan_id} are missing") from None
        except (OSError, pa.ArrowException) as error:
            raise InventoryError(
                f"cannot read {name} of scan {scan_id}: {type(error).__name__}"
            ) from None
        # Older files: read each, upgrade it, then filter.
        table = pa.concat_tables([self._read(name, path) for path in paths])
        return table if where is None else table.filter(where)

    def _open_info(self, row: Mapping[str, Any]) -> ScanInfo:
        """An open scan's info, with the counts of the parts it finished."""
        objects = self._read_parts("objects", row["scan_id"])
        findings = self._parts("findings", row["scan_id"])
        statuses = objects["status"].to_pylist()
        return ScanInfo.from_row(
            {
                **row,
                "objects": objects.num_rows,
                "findings": sum(pq.read_metadata(path).num_rows for path in findings),
                "errors": sum(status in _ERROR_STATUSES for status in statuses),
            }
        )

    def scans(self) -> list[ScanInfo]:
        """Every closed scan (complete or interrupted), oldest first; open ones too when the
        inventory was opened with ``include_open``.

        :raises InventoryError: if a ``scans`` file cannot be read.
        """
        infos = [
            self._open_info(row) if is_open else ScanInfo.from_row(row)
            for path, is_open in self._scan_files()
            for row in self._read("scans", path).to_pylist()
        ]
        return sorted(infos, key=lambda info: (info.started, info.scan_id))

    def latest_scan_id(self) -> str | None:
        """The id of the most recently started scan, or ``None`` if there is none."""
        infos = self.scans()
        return infos[-1].scan_id if infos else None

    @property
    def key_fingerprint(self) -> str | None:
        """The fingerprint of the key this inventory's value keys were made with.

        :raises InventoryError: if scans were made with different keys.
        """
        return self._fingerprint_of(self.scans())

    def _fingerprint_of(self, scans: Sequence[ScanInfo]) -> str | None:
        fingerprints = {info.key_fingerprint for info in scans}
        if len(fingerprints) > 1:
            raise InventoryError(
                f"inventory {self.directory} mixes keys ({', '.join(sorted(fingerprints))})"
            )
        return fingerprints.pop() if fingerprints else None

    def check_fingerprint(
        self, fingerprint: str, *, scans: Sequence[ScanInfo] | None = None
    ) -> None:
        """Make sure value keys made with the key of ``fingerprint`` can match this inventory.

        :param fingerprint: :attr:`piiscan.keys.Keyer.fingerprint` of the key at hand.
        :param scans: :meth:`scans` if the caller has read them already (they are not read
            again).
        :raises InventoryError: if the inventory was made with another key.
        """
        expected = self._fingerprint_of(self.scans() if scans is None else scans)
        if expected is not None and expected != fingerprint:
            raise InventoryError(
                f"inventory {self.directory} was made with the key of fingerprint {expected}, "
                f"not {fingerprint}; value keys made with another key never match. Pass the "
                "key file the inventory was made with (--key-file or PIISCAN_KEY_FILE)."
            )

    def _info(self, scan_id: str | None) -> ScanInfo:
        """The scan ``scan_id`` (the latest when ``None``), reading only its own row."""
        if scan_id is None:
            infos = self.scans()
            if not infos:
                raise InventoryError(f"no inventory at {self.directory}")
            return infos[-1]
        path = self._resolve_file(scan_id)
        rows = self._read("scans", path).to_pylist()
        if len(rows) != 1:
            raise InventoryError(f"{path} does not hold one scan")
        if path == self.layout.open_scan_file(scan_id):
            return self._open_info(rows[0])
        return ScanInfo.from_row(rows[0])

    def _resolve_file(self, scan_id: str) -> Path:
        """The row file of scan ``scan_id``: closed, or open when open scans are seen."""
        # The scan's own file says whether it exists; reading every scan to find out would
        # make a lookup over many scans quadratic in their number.
        if SCAN_ID_PATTERN.fullmatch(scan_id):
            closed = self.layout.scan_file(scan_id)
            if closed.is_file():
                return closed
            opened = self.layout.open_scan_file(scan_id)
            if self.include_open and opened.is_file():
                return opened
        raise InventoryError(f"no scan {scan_id!r} in {self.directory}")

    def _resolve(self, scan_id: str | None) -> str:
        if scan_id is None:
            latest = self.latest_scan_id()
            if latest is None:
                raise InventoryError(f"no inventory at {self.directory}")
            return latest
        self._resolve_file(scan_id)
        return scan_id

    def objects(self, scan_id: str | None = None) -> pa.Table:
        """The ``objects`` rows of one scan.

        :param scan_id: the scan; the latest when ``None``.
        :raises InventoryError: if there is no such scan or its file cannot be read.
        """
        info = self._info(scan_id)
        expected = None if info.status == OPEN_STATUS else info.objects
        return self._read_parts("objects", info.scan_id, expected_rows=expected)

    def findings(
        self,
        scan_id: str | None = None,
        *,
        value_keys: Collection[str] | None = None,
        entity_types: Collection[str] | None = None,
        paths: Collection[str] | None = None,
    ) -> pa.Table:
        """The ``findings`` rows of one scan, optionally only some, ordered by place (root,
        path, member, locator, start).

        The filters are pushed down into the Parquet reader, so looking up a few value keys
        does not build the rows of millions of other findings.

        :param scan_id: the scan; the latest when ``None``.
        :param value_keys: keep only findings with one of these value keys.
        :param entity_types: keep only findings of these entity types.
        :param paths: keep only findings in objects at these root-relative paths.
        :raises InventoryError: if there is no such scan or its file cannot be read.
        """
        condition = _condition(value_keys=value_keys, entity_type=entity_types, paths=paths)
        info = self._info(scan_id)
        expected = None if info.status == OPEN_STATUS else info.findings
        table = self._read_parts("findings", info.scan_id, condition, expected_rows=expected)
        # Parts are stored sorted by value key (for lookups); people read them by place.
        return table.sort_by([(column, "ascending") for column in _PLACE_ORDER])

    def columns(self, scan_id: str | None = None) -> pa.Table:
        """The ``columns`` rows of one scan (column profiles of tabular sources), by place.

        A scan made before piiscan had the table has none: the table is then empty.

        :param scan_id: the scan; the latest when ``None``.
        :raises InventoryError: if there is no such scan or its files cannot be read.
        """
        info = self._info(scan_id)
        table = self._read_parts("columns", info.scan_id)
        order = ("root", "path", "member", "table", "column", "entity_type")
        return table.sort_by([(column, "ascending") for column in order])

    def iter_findings(
        self, scan_id: str | None = None, *, batch_rows: int = 10_000
    ) -> Iterator[pa.RecordBatch]:
        """The ``findings`` rows of one scan in batches, one part in memory at a time.

        Memory stays bounded by the size of a part (the writer's ``row_group_rows``) however
        many findings the scan has, so this is what ``piiscan findings`` prints from. The order
        is by place (root, path, member, locator, start) within each part, and parts come in
        the order they were written; :meth:`findings` orders the whole table instead, and
        holds it in memory.

        :param scan_id: the scan; the latest when ``None``.
        :param batch_rows: rows per batch at most.
        :raises InventoryError: if there is no such scan, or its parts cannot be read or are
            missing.
        """
        info = self._info(scan_id)
        expected = None if info.status == OPEN_STATUS else info.findings
        paths = self._parts("findings", info.scan_id)
        try:
            rows = sum(pq.read_metadata(path).num_rows for path in paths)
        except FileNotFoundError:
            raise InventoryError(f"inventory files of scan {info.scan_id} are missing") from None
        except (OSError, pa.ArrowException) as error:
            raise InventoryError(
                f"cannot read findings of scan {info.scan_id}: {type(error).__name__}"
            ) from None
        if expected is not None and rows != expected:
            raise InventoryError(f"inventory files of scan {info.scan_id} are missing (findings)")
        for path in paths:
            table = self._read("findings", path)
            table = table.sort_by([(column, "ascending") for column in _PLACE_ORDER])
            yield from table.to_batches(max_chunksize=max(batch_rows, 1))

    def findings_of_scans(
        self,
        scan_ids: Collection[str],
        *,
        value_keys: Collection[str] | None = None,
        paths: Collection[str] | None = None,
        columns: Sequence[str] | None = None,
    ) -> pa.Table:
        """The ``findings`` rows of several scans, read in one pass over their files.

        One dataset scan with the filters pushed down is many times faster than a read per
        scan when a lookup spans the whole history of an inventory.

        :param scan_ids: the scans (each must exist).
        :param value_keys: keep only findings with one of these value keys.
        :param paths: keep only findings in objects at these root-relative paths.
        :param columns: the columns to return (default: all).
        :raises InventoryError: if a scan does not exist or a file cannot be read.
        """
        files = [
            part for scan_id in scan_ids for part in self._parts("findings", self._resolve(scan_id))
        ]
        condition = _condition(value_keys=value_keys, paths=paths)
        if not files:
            empty = FINDINGS_SCHEMA.empty_table()
            return empty.select(list(columns)) if columns is not None else empty
        try:
            dataset = ds.dataset([str(f) for f in files], format="parquet")
            versions = {
                (fragment.physical_schema.metadata or {}).get(META_SCHEMA_VERSION)
                for fragment in dataset.get_fragments()
            }
            if versions <= {str(SCHEMA_VERSION).encode("ascii")}:
                table = dataset.to_table(filter=condition, columns=columns)
                return table.replace_schema_metadata(None)
        except (OSError, pa.ArrowException) as error:
            raise InventoryError(
                f"cannot read the findings of {self.directory}: {type(error).__name__}"
            ) from None
        # Files of an older schema version: read (and upgrade) one at a time.
        tables = [self._read("findings", f, condition) for f in files]
        table = pa.concat_tables(tables) if tables else FINDINGS_SCHEMA.empty_table()
        return table.select(list(columns)) if columns is not None else table

    def summary(self, scan_id: str | None = None) -> Summary:
        """Counts of one scan's objects by status and findings by entity type and folder.

        :param scan_id: the scan; the latest when ``None``.
        :raises InventoryError: if there is no such scan or its files cannot be read.
        """
        resolved = self._resolve(scan_id)
        objects = self.objects(resolved)
        findings = self.findings(resolved)
        by_status = Counter(objects["status"].to_pylist())
        by_entity = Counter(findings["entity_type"].to_pylist())
        by_folder = Counter(
            (root, top_folder(path))
            for root, path in zip(
                findings["root"].to_pylist(), findings["path"].to_pylist(), strict=True
            )
        )
        profiles = self.columns(resolved).to_pylist()
        profiles.sort(key=lambda row: (-row["rows_matched"], -row["share_matched"], row["path"],
                                       row["member"], row["table"], row["column"]))  # fmt: skip
        top = tuple(
            (row["path"], row["member"], row["table"], row["column"], row["entity_type"],
             row["rows_matched"], row["rows_scanned"])
            for row in profiles[:TOP_COLUMNS]
        )  # fmt: skip
        return Summary(
            scan_id=resolved,
            objects=objects.num_rows,
            findings=findings.num_rows,
            objects_by_status=_ranked(by_status),
            findings_by_entity=_ranked(by_entity),
            findings_by_folder=tuple(
                (root, folder, count)
                for (root, folder), count in sorted(
                    by_folder.items(), key=lambda item: (-item[1], item[0])
                )
            ),
            top_columns=top,
        )


_PLACE_ORDER: Final = ("root", "path", "member", "locator", "start")


def _condition(
    *,
    value_keys: Collection[str] | None = None,
    entity_type: Collection[str] | None = None,
    paths: Collection[str] | None = None,
) -> pc.Expression | None:
    """A filter keeping rows whose columns hold one of the wanted values (``None``: any)."""
    condition = None
    for column, wanted in (("value_key", value_keys), ("entity_type", entity_type),
                           ("path", paths)):  # fmt: skip
        if wanted is not None:
            term = pc.field(column).isin(pa.array(sorted(set(wanted)), type=pa.string()))
            condition = term if condition is None else condition & term
    return condition


def _ranked(counts: Counter[str]) -> tuple[tuple[str, int], ...]:
    return tuple(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def rows_as_dicts(table: pa.Table | Iterable[pa.RecordBatch]) -> Iterator[dict[str, Any]]:
    """The rows of a table as JSON-safe dicts, one batch in memory at a time.

    Timestamps become ISO 8601 strings (``2026-11-21T21:59:30.123456+00:00``), lists stay
    lists, and 32-bit floats are rounded to the digits they hold (``0.95``, not
    ``0.949999988079071``).

    :param table: any inventory table, or its batches as :meth:`Inventory.iter_findings`
        yields them.
    """
    batches = table.to_batches() if isinstance(table, pa.Table) else table
    for batch in batches:
        timestamps = [f.name for f in batch.schema if pa.types.is_timestamp(f.type)]
        floats32 = [f.name for f in batch.schema if pa.types.is_float32(f.type)]
        for row in batch.to_pylist():
            for name in timestamps:
                value = row[name]
                if value is not None:
                    row[name] = value.isoformat()
            for name in floats32:
                value = row[name]
                if value is not None:
                    row[name] = float(f"{value:.7g}")
            yield row
