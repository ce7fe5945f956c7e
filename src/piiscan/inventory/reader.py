"""Read an inventory directory: its scans, objects and findings, and summaries of them.

A scan exists once its ``scans/<scan_id>.parquet`` file does (the writer renames that file
last). Hidden files and ``*.tmp`` files of scans still being written are ignored, and so are
``objects`` and ``findings`` files of a scan whose ``scans`` file is missing (left by a crash
between two renames). Files of an older schema version are upgraded in memory as they are
read; the files themselves are never changed.

Reading never needs the key. To look a value up, key it with the key the inventory was made
with (:meth:`Inventory.check_fingerprint` says whether you have it) and pass the value keys to
:meth:`Inventory.findings`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from piiscan.errors import InventoryError
from piiscan.inventory.schema import (
    FINDINGS_SCHEMA,
    META_SCHEMA_VERSION,
    SCAN_ID_PATTERN,
    SCHEMA_VERSION,
    UPGRADES,
    TableName,
    Upgrade,
    upgrade_table,
)

__all__ = ["Inventory", "ScanInfo", "Summary", "rows_as_dicts", "top_folder"]


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
    """

    scan_id: str
    objects: int
    findings: int
    objects_by_status: tuple[tuple[str, int], ...]
    findings_by_entity: tuple[tuple[str, int], ...]
    findings_by_folder: tuple[tuple[str, str, int], ...]


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
    :raises InventoryError: if the directory holds no finished scan.
    """

    def __init__(self, directory: Path, *, upgrades: Mapping[int, Upgrade] = UPGRADES) -> None:
        self.directory = Path(directory)
        self._upgrades = upgrades
        if not self._scan_files():
            raise InventoryError(f"no inventory at {self.directory}")

    def __repr__(self) -> str:
        return f"Inventory({str(self.directory)!r})"

    def _scan_files(self) -> list[Path]:
        folder = self.directory / "scans"
        if not folder.is_dir():
            return []
        return sorted(
            path
            for path in folder.glob("*.parquet")
            if not path.name.startswith(".") and path.is_file()
        )

    def _scan_file(self, scan_id: str) -> Path:
        return self.directory / "scans" / f"{scan_id}.parquet"

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
        metadata = table.schema.metadata or {}
        raw_version = metadata.get(META_SCHEMA_VERSION)
        try:
            version = int(raw_version) if raw_version is not None else -1
        except ValueError:
            version = -1
        if version < 0:
            raise InventoryError(f"{path} is not a piiscan inventory file (no schema version)")
        try:
            return upgrade_table(name, table, version, self._upgrades)
        except InventoryError as error:
            raise InventoryError(f"{path}: {error}") from None

    def scans(self) -> list[ScanInfo]:
        """Every finished or interrupted scan, oldest first.

        :raises InventoryError: if a ``scans`` file cannot be read.
        """
        infos = [
            ScanInfo.from_row(row)
            for path in self._scan_files()
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

    def _resolve(self, scan_id: str | None) -> str:
        if scan_id is None:
            latest = self.latest_scan_id()
            if latest is None:
                raise InventoryError(f"no inventory at {self.directory}")
            return latest
        # The scan's own file says whether it exists; reading every scan to find out would
        # make a lookup over many scans quadratic in their number.
        if not SCAN_ID_PATTERN.fullmatch(scan_id) or not self._scan_file(scan_id).is_file():
            raise InventoryError(f"no scan {scan_id!r} in {self.directory}")
        return scan_id

    def objects(self, scan_id: str | None = None) -> pa.Table:
        """The ``objects`` rows of one scan.

        :param scan_id: the scan; the latest when ``None``.
        :raises InventoryError: if there is no such scan or its file cannot be read.
        """
        resolved = self._resolve(scan_id)
        return self._read("objects", self.directory / "objects" / f"{resolved}.parquet")

    def findings(
        self,
        scan_id: str | None = None,
        *,
        value_keys: Collection[str] | None = None,
        entity_types: Collection[str] | None = None,
        paths: Collection[str] | None = None,
    ) -> pa.Table:
        """The ``findings`` rows of one scan, optionally only some.

        The filters are pushed down into the Parquet reader, so looking up a few value keys
        does not build the rows of millions of other findings.

        :param scan_id: the scan; the latest when ``None``.
        :param value_keys: keep only findings with one of these value keys.
        :param entity_types: keep only findings of these entity types.
        :param paths: keep only findings in objects at these root-relative paths.
        :raises InventoryError: if there is no such scan or its file cannot be read.
        """
        resolved = self._resolve(scan_id)
        condition = _condition(value_keys=value_keys, entity_type=entity_types, paths=paths)
        return self._read("findings", self._findings_file(resolved), condition)

    def _findings_file(self, scan_id: str) -> Path:
        return self.directory / "findings" / f"{scan_id}.parquet"

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
        files = [self._findings_file(self._resolve(scan_id)) for scan_id in scan_ids]
        condition = _condition(value_keys=value_keys, paths=paths)
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
        )


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


def rows_as_dicts(table: pa.Table) -> Iterator[dict[str, Any]]:
    """The rows of a table as JSON-safe dicts, one batch in memory at a time.

    Timestamps become ISO 8601 strings (``2026-11-21T21:59:30.123456+00:00``), lists stay
    lists, and 32-bit floats are rounded to the digits they hold (``0.95``, not
    ``0.949999988079071``).

    :param table: any inventory table.
    """
    timestamps = [field.name for field in table.schema if pa.types.is_timestamp(field.type)]
    floats32 = [field.name for field in table.schema if pa.types.is_float32(field.type)]
    for batch in table.to_batches():
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
