"""Known values: the organisation's own numbers are counted per object, never findings, and
never stored raw."""

from __future__ import annotations

from pathlib import Path

import pytest
from scheduled import PERSONNUMMER, PHONE, scan_tree, write_tree

from piiscan.errors import ConfigError
from piiscan.inventory import Inventory
from piiscan.keys import Keyer
from piiscan.known import KnownValues, known_value_keys

ORGNR = "556016-0680"  # a test organisationsnummer (python-stdnum's test vectors)
EMAIL = "info@exempel.se"


def test_known_values_are_counted_not_reported(tmp_path: Path) -> None:
    root, inventory, key = tmp_path / "share", tmp_path / "inv", tmp_path / "key"
    footer = f"Exempel AB, org.nr {ORGNR}, växel {PHONE}, {EMAIL}\n"
    write_tree(root, {
        "faktura1.txt": f"Kund {PERSONNUMMER}\n{footer}",
        "faktura2.txt": footer,
        "annat.txt": f"Ring {PHONE}\n",
    })  # fmt: skip
    known = KnownValues.from_mapping({"organisationsnummer": [ORGNR], "phone": ["070-1740605"],
                                      "email": ["Info@Exempel.se"]})  # fmt: skip
    scan_tree(root, inventory, key, known=known)
    reader = Inventory(inventory)
    objects = {row["path"]: row for row in reader.objects().to_pylist()}
    assert {path: row["known_values"] for path, row in objects.items()} == {
        "annat.txt": 1, "faktura1.txt": 3, "faktura2.txt": 3,
    }  # fmt: skip
    findings = reader.findings().to_pylist()
    assert [(row["path"], row["entity_type"]) for row in findings] == [
        ("faktura1.txt", "SE_PERSONNUMMER")
    ]
    assert objects["faktura1.txt"]["findings"] == 1
    assert reader.scans()[0].findings == 1
    # Nothing raw anywhere in the inventory.
    for path in inventory.rglob("*.parquet"):
        data = path.read_bytes()
        for raw in (ORGNR, "5560160680", "info@exempel", "1740605"):
            assert raw.encode() not in data


def test_value_keys_match_the_engine_normalisation() -> None:
    keyer = Keyer(key=b"k" * 32)
    one = known_value_keys(KnownValues.from_mapping({"phone": ["070-174 06 05"]}), keyer)
    two = known_value_keys(KnownValues.from_mapping({"phone": ["+46 70 174 06 05"]}), keyer)
    assert one == two
    assert len(one) == 1


@pytest.mark.parametrize(("mapping", "message"), [
    ({"telefon": ["070-174 06 05"]}, "known_values.telefon: unknown kind"),
    ({"bankgiro": ["1234-5678"]}, "known_values.bankgiro: value 1 is not a valid bankgiro"),
])  # fmt: skip
def test_bad_known_values(mapping: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as caught:
        KnownValues.from_mapping(mapping)
    assert "5678" not in str(caught.value)


def test_repr_holds_no_value() -> None:
    known = KnownValues.from_mapping({"organisationsnummer": [ORGNR]})
    assert repr(known) == "KnownValues(1 values)"


def test_objects_of_schema_version_1_read_with_no_known_values(tmp_path: Path) -> None:
    """Inventories written before ``known_values`` existed are read with 0 in it."""
    import pyarrow.parquet as pq

    from piiscan.inventory.schema import META_SCHEMA_VERSION

    write_tree(tmp_path / "share", {"a.txt": f"Kund {PERSONNUMMER}\n"})
    scan_tree(tmp_path / "share", tmp_path / "inv", tmp_path / "key")
    for part in (tmp_path / "inv" / "objects").rglob("part-*.parquet"):
        table = pq.read_table(part)
        old = table.drop_columns(["known_values"])
        metadata = {**(table.schema.metadata or {}), META_SCHEMA_VERSION: b"1"}
        pq.write_table(old.replace_schema_metadata(metadata), part)
    rows = Inventory(tmp_path / "inv").objects().to_pylist()
    assert [(row["path"], row["known_values"], row["findings"]) for row in rows] == [
        ("a.txt", 0, 1)
    ]


def test_filter_counts_findings_sent_ahead_of_the_object() -> None:
    """A big object's findings may come in batches before its row: what the filter drops from
    them is counted in the row when it comes."""
    from dataclasses import dataclass

    from piiscan.known import KnownValueFilter
    from piiscan.model import FindingRecord, ObjectRef, ObjectResult, Status

    @dataclass(frozen=True, slots=True, kw_only=True)
    class Batch:  # the shape of a batch of findings sent ahead
        ref: ObjectRef
        findings: tuple[FindingRecord, ...]

    def record(key: str) -> FindingRecord:
        return FindingRecord(
            entity_type="PHONE_NUMBER", locator="", start=0, end=1, score=1.0,
            masked="070-*** ** 05", value_key=key, recognizer="se.phone@1",
        )  # fmt: skip

    known, other = "a" * 64, "b" * 64
    ref = ObjectRef(root="/r", path="a.txt")
    filter_ = KnownValueFilter(frozenset({known}))
    batch = filter_.apply(Batch(ref=ref, findings=(record(known), record(other), record(known))))
    assert [r.value_key for r in batch.findings] == [other]
    row = filter_.apply(
        ObjectResult(ref=ref, status=Status.OK, findings=(record(known), record(other)))
    )
    assert row.known_values == 3
    assert [r.value_key for r in row.findings] == [other]
    untouched = ObjectResult(ref=ObjectRef(root="/r", path="b.txt"), status=Status.OK)
    assert filter_.apply(untouched) is untouched
