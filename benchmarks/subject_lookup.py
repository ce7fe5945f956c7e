"""How long a subject lookup takes in a large inventory: 5 million findings over 50 scans.

Builds a generated inventory once (``benchmarks/out/subject_inventory``, reused while its
parameters match) through the real :class:`~piiscan.inventory.InventoryWriter`, then times
:func:`piiscan.subject.lookup_subject` for a personnummer that stands in a few hundred places:

- **cold**: the first lookup in a fresh Python process (nothing of piiscan or pyarrow loaded;
  the operating system's file cache may hold the files);
- **warm**: the same lookup repeated in that process.

Each lookup also appends its audit row, as a real one does. Values are generated fictional
identifiers keyed with a throw-away key; nothing here is personal data. A report, not a test:
it prints figures and exits 0.

    python benchmarks/subject_lookup.py                  # 50 scans x 100,000 findings
    python benchmarks/subject_lookup.py --scans 5 --findings-per-scan 20000   # a quick look
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

import piiscan
from piiscan.inventory import InventoryWriter
from piiscan.keys import Keyer
from piiscan.model import FindingRecord, ObjectRef, ObjectResult, Status

OUT = Path(__file__).resolve().parent / "out" / "subject_inventory"
KEY = Keyer(key=bytes(range(32)))
SUBJECT = "191212121212"  # Skatteverket's test personnummer 19121212-1212, as normalised
FINDINGS_PER_OBJECT = 20
ENTITIES = ("SE_PERSONNUMMER", "EMAIL_ADDRESS", "PHONE_NUMBER", "PERSON", "SE_ADDRESS")


def build(directory: Path, scans: int, per_scan: int, seed: int) -> None:
    """Write ``scans`` scans of ``per_scan`` findings each; the subject in ~1 object in 250."""
    rng = random.Random(seed)
    subject_key = KEY.value_key(SUBJECT)
    pool = [KEY.value_key(f"generated-{i}") for i in range(200_000)]
    objects = per_scan // FINDINGS_PER_OBJECT
    for number in range(scans):
        writer = InventoryWriter(
            directory,
            scan_id=f"2026{number // 28 + 1:02d}{number % 28 + 1:02d}T000000Z-{number:04x}",
            roots=["/srv/share"],
            config_hash="0" * 16,
            recognizers=["se.personnummer@1"],
            key_fingerprint=KEY.fingerprint,
            piiscan_version="benchmark",
        )
        with writer:
            for index in range(objects):
                has_subject = rng.random() < 1 / 250
                records = tuple(
                    FindingRecord(
                        entity_type=ENTITIES[k % len(ENTITIES)],
                        locator=f"row={k}/column=c{k % 7}",
                        start=0,
                        end=11,
                        score=0.95,
                        masked="******-****",
                        value_key=subject_key if has_subject and k == 0 else rng.choice(pool),
                        recognizer="se.personnummer@1",
                    )
                    for k in range(FINDINGS_PER_OBJECT)
                )
                writer.add(
                    ObjectResult(
                        ref=ObjectRef(root="/srv/share", path=f"dept{index % 40}/file{index}.csv"),
                        status=Status.OK,
                        size=1000,
                        mtime=1_700_000_000.0,
                        findings=records,
                    )
                )


_LOOKUP = """
import json, sys, time
t0 = time.perf_counter()
from pathlib import Path
from piiscan.inventory import Inventory
from piiscan.keys import Keyer
from piiscan.subject import SubjectIdentifiers, lookup_subject
imported = time.perf_counter() - t0
inventory = Path(sys.argv[1])
keyer = Keyer(key=bytes(range(32)))
times = []
for _ in range(int(sys.argv[2])):
    t = time.perf_counter()
    report = lookup_subject(Inventory(inventory),
                            SubjectIdentifiers(personnummer=["19121212-1212"]), keyer)
    times.append(time.perf_counter() - t)
print(json.dumps({"imported": imported, "times": times, "places": len(report.places)}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scans", type=int, default=50)
    parser.add_argument("--findings-per-scan", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5, help="warm lookups after the cold one")
    parser.add_argument("--seed", type=int, default=20261207)
    args = parser.parse_args()
    stamp = OUT / "parameters.json"
    wanted = {"scans": args.scans, "per_scan": args.findings_per_scan, "seed": args.seed,
              "piiscan": piiscan.__version__, "layout": "parts, sorted findings"}  # fmt: skip
    if not stamp.is_file() or json.loads(stamp.read_text()) != wanted:
        shutil.rmtree(OUT, ignore_errors=True)
        OUT.mkdir(parents=True)
        start = time.perf_counter()
        build(OUT, args.scans, args.findings_per_scan, args.seed)
        stamp.write_text(json.dumps(wanted))
        print(f"built {args.scans} scans x {args.findings_per_scan:,} findings "
              f"in {time.perf_counter() - start:.0f} s")  # fmt: skip
    total = args.scans * args.findings_per_scan
    size = sum(p.stat().st_size for p in OUT.rglob("*.parquet")) / 1e6
    done = subprocess.run(
        [sys.executable, "-c", _LOOKUP, str(OUT), str(1 + args.repeat)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    result = json.loads(done.stdout)
    cold, *warm = result["times"]
    print(f"inventory: {args.scans} scans, {total:,} findings, {size:.0f} MB of Parquet")
    print(f"places found: {result['places']} (latest scan)")
    print(f"import piiscan.subject + pyarrow: {result['imported'] * 1000:.0f} ms")
    print(f"lookup, cold (first in a fresh process): {cold * 1000:.0f} ms")
    if warm:
        print(f"lookup, warm (best of {len(warm)}): {min(warm) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
