"""Incremental rescans: a full scan, a no-change rescan and a 1 %-changed rescan of the scaled-up
fixture share (a report, not a test).

    python benchmarks/rescan.py                    # >= 50,000 objects, all cores
    python benchmarks/rescan.py --objects 5000     # a quicker run
    python benchmarks/rescan.py --workers 1

``fixtures/share`` is repeated (``copy0001/``, ...) as :mod:`benchmarks.scan_share` does, as hard
links to the committed files, until the tree holds at least ``--objects`` objects (files and
archive and mailbox members; one copy is scanned first to count them). Then, into one
inventory, through the public API (:func:`piiscan.api.scan`, as ``piiscan scan`` does):

1. **full**: the first scan, which reads every object;
2. **no change**: the same tree again; every file is carried forward from the full scan, none
   is read, and neither the engine nor a worker starts;
3. **1 % changed**: one file in a hundred gets a new modification time (its link is replaced
   by a copy first, so the committed fixture is never touched) and is read again; the rest is
   carried.

Names are off (``person_model="none"``), so the full scan spends its time on extraction and the
rule-based recognizers, not on the name model: it is the cheapest full scan, which makes the
ratios below conservative. Times are wall clock, start-up included (engine, worker pool,
inventory); the rows are checked (same objects and findings in every scan).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SHARE = HERE.parent / "fixtures" / "share"


def share_files() -> list[Path]:
    return sorted(p.relative_to(SHARE) for p in SHARE.rglob("*") if p.is_file())


def link(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def build_tree(root: Path, copies: int) -> int:
    """``copies`` copies of the share under ``root``; the number of files."""
    files = share_files()
    for i in range(copies):
        for relative in files:
            link(SHARE / relative, root / f"copy{i:04d}" / relative)
    return copies * len(files)


def scan(root: Path, inventory: Path, key: Path, workers: int) -> tuple[float, object]:
    """One scan of ``root`` into ``inventory``: (wall seconds, the report)."""
    from piiscan.api import scan as run
    from piiscan.config import ScanConfig

    config = ScanConfig.from_options(
        [str(root)], inventory=inventory, workers=workers, key_file=key, new_key=True,
        person_model="none",
    )  # fmt: skip
    started = time.perf_counter()
    report = run(config)
    return time.perf_counter() - started, report


def touch_one_in(root: Path, every: int) -> int:
    """Give every ``every``-th file a new mtime (as a copy, never the linked fixture)."""
    files = sorted(p for p in root.rglob("*") if p.is_file())
    changed = 0
    for path in files[::every]:
        data = path.read_bytes()
        path.unlink()
        path.write_bytes(data)
        stamp = time.time() + 3600
        os.utime(path, (stamp, stamp))
        changed += 1
    return changed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--objects", type=int, default=50_000, help="objects at least [50000]")
    parser.add_argument("--workers", type=int, help="worker processes [all cores]")
    parser.add_argument("--tmp", type=Path, help="where the temporary tree goes")
    args = parser.parse_args()
    if args.tmp is not None and not args.tmp.is_dir():
        parser.error(f"--tmp {args.tmp}: no such directory")
    workers = args.workers or os.cpu_count() or 1
    print(f"piiscan rescans — {os.cpu_count()} cores, {workers} workers, Python "
          f"{sys.version.split()[0]}, names off")  # fmt: skip
    from piiscan.inventory import Inventory

    with tempfile.TemporaryDirectory(prefix="piiscan-rescan-", dir=args.tmp) as tmp:
        scratch = Path(tmp)
        probe = scratch / "probe"
        build_tree(probe, 1)
        _, one = scan(probe, scratch / "probe-inv", scratch / "key", 1)
        per_copy = one.objects  # type: ignore[attr-defined]
        copies = max(1, -(-args.objects // per_copy))
        root = scratch / "share"
        files = build_tree(root, copies)
        print(f"tree: fixtures/share x{copies}: {files:,} files, {copies * per_copy:,} objects")
        inventory = scratch / "inventory"
        results = []
        full_s, full = scan(root, inventory, scratch / "key", workers)
        results.append(("full", full_s, full))
        same_s, same = scan(root, inventory, scratch / "key", workers)
        results.append(("no change", same_s, same))
        changed = touch_one_in(root, 100)
        part_s, part = scan(root, inventory, scratch / "key", workers)
        results.append((f"1 % changed ({changed} files)", part_s, part))

        header = f"{'scan':<26} {'wall s':>8} {'objects':>8} {'read':>7} {'carried':>8} " \
                 f"{'findings':>9} {'x full':>7}"  # fmt: skip
        print(header)
        print("-" * len(header))
        for name, seconds, report in results:
            objects = report.objects  # type: ignore[attr-defined]
            carried = report.carried  # type: ignore[attr-defined]
            print(
                f"{name:<26} {seconds:>8.2f} {objects:>8,} {objects - carried:>7,} "
                f"{carried:>8,} {report.findings:>9,} {seconds / full_s:>7.3f}",  # type: ignore[attr-defined]
                flush=True,
            )
        print(f"no change costs {100 * same_s / full_s:.1f} % of a full scan; "
              f"1 % changed costs {100 * part_s / full_s:.1f} %")  # fmt: skip
        counts = {(r.objects, r.findings) for _, _, r in results}  # type: ignore[attr-defined]
        scans = Inventory(inventory).scans()
        print(f"same objects and findings in every scan: {len(counts) == 1} "
              f"({len(scans)} scans in the inventory)")  # fmt: skip


if __name__ == "__main__":
    main()
