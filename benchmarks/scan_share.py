"""Throughput of whole scans over ``fixtures/share`` (a report, not a test).

    python benchmarks/scan_share.py                  # per format, then the share scaled to 500 MB
    python benchmarks/scan_share.py --size-mb 50     # a quicker run
    python benchmarks/scan_share.py --no-formats     # only the scaled share
    python benchmarks/scan_share.py --workers 1 4    # worker counts for the scaled share

What it measures, through the public API (:func:`piiscan.api.scan`, as ``piiscan scan`` does):

1. **Per format**: the files of one format (by extension; ``Trasigt/`` is its own "broken"
   group) are linked into a temporary tree again and again until there are at least
   ``--format-files`` of them, and scanned with one worker. ``files/s`` counts files,
   ``objects/s`` also counts archive members, ``MB/s`` is file bytes.
2. **The whole share scaled up**: ``fixtures/share`` is repeated (``copy0001/``, ...) until the
   tree holds at least ``--size-mb`` MB, then scanned with 1 worker and with all cores
   (``os.cpu_count()``), and the scaling factor is the ratio of the two steady rates.

Two figures per run: *wall* includes start-up (building the engine in each worker process,
writing the inventory); *steady* is measured from the first finished object to the last (the
progress callback), which is what a long scan approaches. With one worker the scan runs in this
process, so its CPU time (this process and the converters it waits for, ``os.times``) is shown
too, whole (``cpu s``) and over the steady span (``steady MB/cpu-s``): on a machine shared with
other work these move far less than the wall-clock figures. Files are hard links to the
committed fixtures (copies where links are not possible), so they are read from a warm page
cache: this measures CPU cost of extraction and recognition, not disk speed.
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
SHARE = HERE.parent / "fixtures" / "share"
MB = 1_000_000


def format_of(relative: Path) -> str:
    """The group a file of the share is measured in: its extension, or ``broken``."""
    if relative.parts[0] == "Trasigt":
        return "broken"
    name = relative.name.lower()
    for double in (".tar.gz", ".txt.gz"):
        if name.endswith(double):
            return double[1:]
    return relative.suffix.lower().lstrip(".") or "(none)"


def share_files() -> list[Path]:
    return sorted(p.relative_to(SHARE) for p in SHARE.rglob("*") if p.is_file())


def link(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


@dataclass(slots=True)
class Timing:
    """Totals of one scan, with the time of the first and last finished object."""

    files: int = 0
    objects: int = 0
    bytes: int = 0
    findings: int = 0
    wall: float = 0.0
    first: float | None = None
    last: float | None = None
    first_objects: int = 0
    first_bytes: int = 0
    first_files: int = 0
    cpu: float = 0.0
    first_cpu: float | None = None
    last_cpu: float | None = None

    def steady(self) -> tuple[float, float, float]:
        """(files/s, objects/s, MB/s) between the first and the last finished object."""
        if self.first is None or self.last is None or self.last <= self.first:
            return (math.nan, math.nan, math.nan)
        span = self.last - self.first
        return (
            (self.files - self.first_files) / span,
            (self.objects - self.first_objects) / span,
            (self.bytes - self.first_bytes) / MB / span,
        )

    def steady_cpu(self) -> float:
        """MB per CPU second between the first and the last finished object."""
        if self.first_cpu is None or self.last_cpu is None or self.last_cpu <= self.first_cpu:
            return math.nan
        return (self.bytes - self.first_bytes) / MB / (self.last_cpu - self.first_cpu)

    def overall(self) -> tuple[float, float, float]:
        return (self.files / self.wall, self.objects / self.wall, self.bytes / MB / self.wall)


def cpu_seconds() -> float:
    """CPU time of this process and of the children it waited for (a converter it ran)."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def run_scan(root: Path, workers: int, scratch: Path) -> Timing:
    """Scan ``root`` into a fresh inventory under ``scratch`` and time it."""
    from piiscan.api import scan
    from piiscan.config import ScanConfig

    inventory = scratch / f"inventory-{time.monotonic_ns()}"
    config = ScanConfig(
        roots=(str(root),),
        inventory=inventory,
        workers=workers,
        key_file=scratch / "key",
        new_key=True,
    )
    timing = Timing()
    seen_files = 0

    def on_progress(progress: object) -> None:
        nonlocal seen_files
        now, cpu = time.perf_counter(), cpu_seconds()
        timing.objects = progress.objects  # type: ignore[attr-defined]
        timing.bytes = progress.bytes  # type: ignore[attr-defined]
        timing.findings = progress.findings  # type: ignore[attr-defined]
        seen_files += 1  # the driver reports once per file (with its members)
        timing.files = seen_files
        if timing.first is None:
            timing.first = now
            timing.first_objects, timing.first_bytes = timing.objects, timing.bytes
            timing.first_files = seen_files
            timing.first_cpu = cpu
        timing.last, timing.last_cpu = now, cpu

    started, started_cpu = time.perf_counter(), cpu_seconds()
    scan(config, progress=on_progress)
    timing.wall = time.perf_counter() - started
    timing.cpu = cpu_seconds() - started_cpu
    shutil.rmtree(inventory, ignore_errors=True)
    return timing


def build_format_trees(scratch: Path, min_files: int) -> dict[str, tuple[Path, int, int]]:
    """One tree per format: ``{format: (root, files, bytes)}``."""
    groups: dict[str, list[Path]] = defaultdict(list)
    for relative in share_files():
        groups[format_of(relative)].append(relative)
    trees = {}
    for fmt, files in sorted(groups.items()):
        root = scratch / "formats" / fmt.replace(".", "_")
        copies = max(1, math.ceil(min_files / len(files)))
        size = 0
        for i in range(copies):
            for relative in files:
                link(SHARE / relative, root / f"copy{i:04d}" / relative)
                size += (SHARE / relative).stat().st_size
        trees[fmt] = (root, copies * len(files), size)
    return trees


def build_scaled_share(scratch: Path, size_mb: float) -> tuple[Path, int, int, int]:
    """The share repeated until it holds ``size_mb`` MB: (root, copies, files, bytes)."""
    files = share_files()
    share_bytes = sum((SHARE / f).stat().st_size for f in files)
    copies = max(1, math.ceil(size_mb * MB / share_bytes))
    root = scratch / "scaled"
    for i in range(copies):
        for relative in files:
            link(SHARE / relative, root / f"copy{i:04d}" / relative)
    return root, copies, copies * len(files), copies * share_bytes


def _fmt(value: float, digits: int = 1) -> str:
    return "—" if math.isnan(value) else f"{value:,.{digits}f}"


def report_formats(scratch: Path, min_files: int) -> None:
    trees = build_format_trees(scratch, min_files)
    print(f"\nPer format — 1 worker, steady state (files repeated to >= {min_files})")
    header = (
        f"{'format':<10} {'files':>6} {'objects':>8} {'MB':>7} {'wall s':>7} "
        f"{'files/s':>8} {'objects/s':>9} {'MB/s':>7} {'findings':>9}"
    )
    print(header)
    print("-" * len(header))
    for fmt, (root, files, size) in trees.items():
        timing = run_scan(root, 1, scratch)
        files_s, objects_s, mb_s = timing.steady()
        print(
            f"{fmt:<10} {files:>6} {timing.objects:>8} {size / MB:>7.2f} {timing.wall:>7.1f} "
            f"{_fmt(files_s):>8} {_fmt(objects_s):>9} {_fmt(mb_s, 2):>7} {timing.findings:>9}",
            flush=True,
        )


def report_share(scratch: Path, size_mb: float, worker_counts: list[int]) -> None:
    started = time.perf_counter()
    root, copies, files, size = build_scaled_share(scratch, size_mb)
    print(
        f"\nWhole share x{copies}: {files:,} files, {size / MB:,.1f} MB "
        f"(tree built in {time.perf_counter() - started:.1f} s)"
    )
    header = (
        f"{'workers':>7} {'wall s':>8} {'files/s':>8} {'objects/s':>9} {'MB/s':>7} "
        f"{'steady files/s':>14} {'steady MB/s':>11} {'findings':>9} {'cpu s':>7} "
        f"{'steady MB/cpu-s':>15}"
    )
    print(header)
    print("-" * len(header))
    steady: dict[int, float] = {}
    wall: dict[int, float] = {}
    for workers in worker_counts:
        timing = run_scan(root, workers, scratch)
        files_s, objects_s, mb_s = timing.overall()
        s_files, _, s_mb = timing.steady()
        steady[workers], wall[workers] = s_mb, timing.wall
        # Workers run in processes this one did not start: their CPU is not counted here.
        cpu = f"{timing.cpu:>7.1f}" if workers == 1 else f"{'—':>7}"
        s_cpu = _fmt(timing.steady_cpu(), 2) if workers == 1 else "—"
        print(
            f"{workers:>7} {timing.wall:>8.1f} {files_s:>8.1f} {objects_s:>9.1f} {mb_s:>7.2f} "
            f"{_fmt(s_files):>14} {_fmt(s_mb, 2):>11} {timing.findings:>9} {cpu} {s_cpu:>15}",
            flush=True,
        )
    base = min(worker_counts)
    for workers in worker_counts:
        if workers != base:
            factor = steady[workers] / steady[base]
            print(
                f"scaling {base} -> {workers} workers: steady x{factor:.2f}, "
                f"wall x{wall[base] / wall[workers]:.2f}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=float, default=500.0, help="scaled share size [500]")
    parser.add_argument(
        "--format-files", type=int, default=120, help="files per format at least [120]"
    )
    parser.add_argument(
        "--workers", type=int, nargs="+", help="worker counts for the scaled share [1 and all]"
    )
    parser.add_argument("--no-formats", action="store_true", help="skip the per-format table")
    parser.add_argument("--no-share", action="store_true", help="skip the scaled share")
    parser.add_argument("--tmp", type=Path, help="where the temporary trees go")
    args = parser.parse_args()
    if args.tmp is not None and not args.tmp.is_dir():
        parser.error(f"--tmp {args.tmp}: no such directory")
    cores = os.cpu_count() or 1
    worker_counts = args.workers or sorted({1, cores})
    print(f"piiscan scan throughput — {cores} cores, Python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory(prefix="piiscan-bench-", dir=args.tmp) as tmp:
        scratch = Path(tmp)
        if not args.no_formats:
            report_formats(scratch, args.format_files)
        if not args.no_share:
            report_share(scratch, args.size_mb, worker_counts)


if __name__ == "__main__":
    main()
