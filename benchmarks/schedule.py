"""How long the scheduled-scan commands take on a large inventory: diff, retention, report.

Builds a generated inventory once (``benchmarks/out/schedule_inventory``, reused while its
parameters match) through the real :class:`~piiscan.inventory.InventoryWriter`: two complete
scans of the same root, the second with 1 % of the objects deleted, 1 % added and 1 % holding
another value. Then it times, each once in this process:

- :func:`piiscan.inventory.diff.diff_scans` of the two scans;
- :func:`piiscan.inventory.retention.retention_candidates` with two rules;
- :func:`piiscan.report.build_report` and :func:`~piiscan.report.render_report` (HTML);

and prints the peak resident memory of the process. Values are generated and keyed with a
throw-away key; nothing here is personal data. A report, not a test: it prints figures and
exits 0.

    python benchmarks/schedule.py                              # 2 scans x 500,000 findings
    python benchmarks/schedule.py --findings-per-scan 100000   # a quick look
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import time
from pathlib import Path

import piiscan
from piiscan.inventory import Inventory, InventoryWriter
from piiscan.inventory.diff import diff_scans
from piiscan.inventory.retention import Period, RetentionRule, retention_candidates
from piiscan.keys import Keyer
from piiscan.model import FindingRecord, ObjectRef, ObjectResult, Status
from piiscan.report import build_report, render_report

OUT = Path(__file__).resolve().parent / "out" / "schedule_inventory"
KEY = Keyer(key=bytes(range(32)))
FINDINGS_PER_OBJECT = 20
ENTITIES = ("SE_PERSONNUMMER", "EMAIL_ADDRESS", "PHONE_NUMBER", "PERSON", "SE_ADDRESS")
YEAR = 365.25 * 86400


def _object(index: int, rng: random.Random, pool: list[str], changed: bool) -> ObjectResult:
    records = tuple(
        FindingRecord(
            entity_type=ENTITIES[k % len(ENTITIES)],
            locator=f"row={k}/column=c{k % 7}",
            start=0,
            end=11,
            score=0.95,
            masked="******-****",
            value_key=pool[(index * FINDINGS_PER_OBJECT + k + (7 if changed else 0)) % len(pool)],
            recognizer="se.personnummer@1",
        )
        for k in range(FINDINGS_PER_OBJECT)
    )
    return ObjectResult(
        ref=ObjectRef(root="/srv/share", path=f"dept{index % 40}/sub{index % 7}/file{index}.csv"),
        status=Status.OK if index % 500 else Status.ERROR,
        reason="" if index % 500 else "damaged document",
        size=1000,
        mtime=1_790_000_000.0 - (index % 12) * YEAR,
        findings=records if index % 500 else (),
    )


def build(directory: Path, per_scan: int, seed: int) -> None:
    rng = random.Random(seed)
    pool = [KEY.value_key(f"generated-{i}") for i in range(200_000)]
    objects = per_scan // FINDINGS_PER_OBJECT
    for number in range(2):
        writer = InventoryWriter(
            directory,
            scan_id=f"20261{number + 1:03d}T000000Z-{number:04x}",
            roots=["/srv/share"],
            config_hash="0" * 16,
            recognizers=["se.personnummer@1"],
            key_fingerprint=KEY.fingerprint,
            piiscan_version="benchmark",
        )
        with writer:
            for index in range(objects + (objects // 100 if number else 0)):
                if number and index % 100 == 1:
                    continue  # deleted before the second scan
                writer.add(_object(index, rng, pool, changed=bool(number) and index % 100 == 2))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--findings-per-scan", type=int, default=500_000)
    parser.add_argument("--seed", type=int, default=20261207)
    args = parser.parse_args()
    stamp = OUT / "parameters.json"
    wanted = {"per_scan": args.findings_per_scan, "seed": args.seed, "piiscan": piiscan.__version__}
    if not stamp.is_file() or json.loads(stamp.read_text()) != wanted:
        shutil.rmtree(OUT, ignore_errors=True)
        OUT.mkdir(parents=True)
        start = time.perf_counter()
        build(OUT, args.findings_per_scan, args.seed)
        stamp.write_text(json.dumps(wanted))
        print(f"built 2 scans x {args.findings_per_scan:,} findings "
              f"in {time.perf_counter() - start:.0f} s")  # fmt: skip
    inventory = Inventory(OUT)
    size = sum(p.stat().st_size for p in OUT.rglob("*.parquet")) / 1e6
    print(f"inventory: 2 scans, {args.findings_per_scan:,} findings each, {size:.0f} MB of Parquet")
    start = time.perf_counter()
    change = diff_scans(inventory)
    took = time.perf_counter() - start
    summary = change.summary()
    print(f"diff: {took:.2f} s (objects +{summary['objects_added']} "
          f"-{summary['objects_removed']}, findings +{summary['findings_added']} "
          f"-{summary['findings_removed']})")  # fmt: skip
    rules = (
        RetentionRule(glob="dept1*/**", older_than=Period(36, "months")),
        RetentionRule(glob="**", older_than=Period(10, "years")),
    )
    start = time.perf_counter()
    retention = retention_candidates(inventory, rules)
    print(f"retention: {time.perf_counter() - start:.2f} s "
          f"({len(retention.candidates):,} candidates)")  # fmt: skip
    start = time.perf_counter()
    report = build_report(inventory, rules=rules)
    built = time.perf_counter() - start
    start = time.perf_counter()
    page = render_report(report, "html")
    rendered = time.perf_counter() - start
    print(f"report: built {built:.2f} s, HTML rendered {rendered * 1000:.0f} ms "
          f"({len(page) / 1000:.0f} kB)")  # fmt: skip
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS: {peak:.0f} MB")


if __name__ == "__main__":
    main()
