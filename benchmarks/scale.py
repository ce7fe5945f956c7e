"""Scaling of whole scans: local workers, a Dask cluster, one big file in ranges (a report).

    python benchmarks/scale.py                        # 10 MB share, 32 MB text file, 1 and 2
    python benchmarks/scale.py --share-mb 50 --big-mb 256 --workers 1 2 4 8
    python benchmarks/scale.py --no-dask              # without the dask extra
    python benchmarks/scale.py --dump-mb 100          # and a 100 MB pg_dump, split or not

What it measures, through the public API (:func:`piiscan.api.scan`, as ``piiscan scan`` does):

1. **The fixture share scaled up** (``fixtures/share`` linked again and again until the tree
   holds ``--share-mb`` MB): objects/s and MB/s with 1, 2, … local worker processes, and with
   a Dask ``LocalCluster`` of 2 worker processes (one thread each) on 127.0.0.1.
2. **One big text file** (``--big-mb`` MB of business text dense with test personnummer,
   phone numbers and e-mail addresses): read at once (``split_bytes=0``) and in ranges
   (``--split-mb``) with the same worker counts and on Dask; and the scanner's pre-pass that
   finds the ranges, alone. Ranges must give the same findings: the figure is printed.
3. **One big plain SQL dump** (``--dump-mb`` MB, off by default: the fixture ``pg_dump``
   output, written by the real ``pg_dump``, with its ``COPY`` rows repeated under keys of
   their own): read at once and in ranges (cut between ``COPY`` rows; ``--dump-modes`` picks
   one) with the same worker counts, locally and on Dask; and the pre-pass alone.
4. **Dask's cost per task**: the wall time of ``--noop-tasks`` empty tasks on the cluster
   (submit, schedule, run, gather: the scheduler's overhead per task), and the tasks the Dask
   share scan ran (its compacted parts name them).
5. **piiscan's own cost per task**: writing a task's part (``--part-tasks`` parts of one
   object and one finding each, three files synced and renamed per part, as a worker does),
   compacting them into numbered parts all at once as a closing scan did before, and reading
   the scan back before and after the compaction; then the same parts compacted as the scan
   goes (counted with their names, a group of up to 1,000 parts each time one is full), and
   what is left for the close. ``--parts-only`` measures this alone.
6. **A paper estimate** for a 100 TB share on a 20-node, 16-core cluster from the measured
   per-core rate, and what limits it.

The load average is printed at the start and at the end: on a shared machine, read the
figures with it.

Each scan is cold: fresh worker processes build their engine (``wall`` includes that start);
*steady* is measured from the first finished object to the last (the progress callback).
Files are hard links to the committed fixtures, read from a warm page cache: this measures the
CPU cost of extraction and recognition, not disk or network speed. Scale figures on a shared
machine are ratios measured in the same run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SHARE = HERE.parent / "fixtures" / "share"
PERSONNUMMER = HERE.parent / "src" / "piiscan" / "data" / "skatteverket_testpersonnummer.txt"
MB = 1_000_000


def link(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def scaled_share(root: Path, megabytes: float) -> tuple[int, int]:
    """``fixtures/share`` linked into ``root/copyNNNN/`` until ``megabytes``; files, bytes."""
    files = sorted(p for p in SHARE.rglob("*") if p.is_file())
    size = sum(p.stat().st_size for p in files)
    copies = max(1, round(megabytes * MB / size))
    for copy in range(copies):
        for path in files:
            link(path, root / f"copy{copy:04d}" / path.relative_to(SHARE))
    return copies * len(files), copies * size


def big_text(path: Path, megabytes: float) -> int:
    """Business text with an identifier every ~100 bytes; its size."""
    numbers = PERSONNUMMER.read_text(encoding="ascii").split()
    lines = []
    for index in range(4096):
        number = numbers[index % len(numbers)]
        lines.append(
            f"Ärende {index}: kunden {number[:8]}-{number[8:]} ringde från 070-174 06 "
            f"{index % 100:02d} om fakturan, svar till kund{index}@exempel.se skickat. "
            "Inga fler åtgärder i dag.\n"
        )
    block = "".join(lines).encode("utf-8")
    with path.open("wb") as handle:
        written = 0
        while written < megabytes * MB:
            handle.write(block)
            written += len(block)
    return path.stat().st_size


def big_dump(path: Path, megabytes: float) -> int:
    """``fixtures/dumps/crm_postgres.sql`` with its COPY rows repeated (integer keys made
    unique) until the dump holds ``megabytes``; its size. Written as it is made, so a dump of
    gigabytes needs no more memory than the fixture."""
    import re

    text = (HERE.parent / "fixtures" / "dumps" / "crm_postgres.sql").read_text(encoding="utf-8")
    copy_block = re.compile(r"(?ms)^(COPY [^\n]*FROM stdin;\n)(.*?)^\\\.\n")
    per_copy = sum(len(m.group(2).encode("utf-8")) for m in copy_block.finditer(text))
    copies = max(1, round(megabytes * MB / per_copy))
    with path.open("w", encoding="utf-8") as out:
        done = 0
        for match in copy_block.finditer(text):
            out.write(text[done : match.start()])
            out.write(match.group(1))
            rows = match.group(2).splitlines(keepends=True)
            for copy in range(copies):
                for row in rows:
                    key, rest = row.split("\t", 1)
                    out.write(f"{int(key) + copy * 10_000}\t{rest}" if key.isdigit() else row)
            out.write("\\.\n")
            done = match.end()
        out.write(text[done:])
    return path.stat().st_size


@dataclass
class Run:
    label: str
    wall: float
    objects: int
    findings: int
    megabytes: float
    steady: float

    def line(self) -> str:
        return (
            f"| {self.label} | {self.wall:.1f} s | {self.objects / self.wall:.1f} | "
            f"{self.megabytes / self.wall:.2f} | {self.megabytes / self.steady:.2f} | "
            f"{self.findings:,} |"
        )


def timed_scan(label: str, config: Any, megabytes: float) -> Run:
    from piiscan.api import scan

    first: list[float] = []
    last = [0.0]

    def progress(totals: Any) -> None:
        now = time.perf_counter()
        if not first:
            first.append(now)
        last[0] = now

    started = time.perf_counter()
    report = scan(config, progress=progress)
    wall = time.perf_counter() - started
    steady = max(last[0] - (first[0] if first else started), 1e-6)
    if not first or last[0] - first[0] < 0.05 * wall:  # a few tasks: steady means nothing
        steady = wall
    run = Run(label, wall, report.objects, report.findings, megabytes, steady)
    print(run.line(), flush=True)  # as it comes: a long run that fails keeps what it measured
    return run


def noop() -> int:
    return 0


def dask_task_cost(address: str, count: int) -> float:
    """Seconds per empty task on the cluster (submit, schedule, run, gather)."""
    from distributed import Client

    with Client(address, set_as_default=False) as client:
        client.gather(client.map(lambda i: i, range(50), pure=False))  # warm up
        started = time.perf_counter()
        client.gather(client.map(lambda i: i, range(count), pure=False))
        return (time.perf_counter() - started) / count


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--share-mb", type=float, default=10.0)
    parser.add_argument("--big-mb", type=float, default=32.0)
    parser.add_argument("--split-mb", type=float, default=4.0)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--noop-tasks", type=int, default=2000)
    parser.add_argument(
        "--part-tasks",
        type=int,
        default=500,
        help="task parts to measure writing, compacting "
        "and reading back (at least 1; they feed the paper estimate) [500]",
    )
    parser.add_argument("--no-dask", action="store_true")
    parser.add_argument(
        "--parts-only", action="store_true", help="only piiscan's cost per task part (step 5)"
    )
    parser.add_argument("--dump-mb", type=float, default=0.0, help="a plain SQL dump too (MB)")
    parser.add_argument(
        "--dump-modes",
        nargs="+",
        choices=("at-once", "ranges"),
        default=["at-once", "ranges"],
        help="read the dump at once, in ranges of --split-mb, or both [both]",
    )
    args = parser.parse_args(argv)
    if args.part_tasks < 1:
        parser.error("--part-tasks must be at least 1")

    from piiscan.config import ScanConfig
    from piiscan.extractors.base import Blob, Limits
    from piiscan.keys import load_or_create_key
    from piiscan.scan.ranges import cut_ranges

    work = Path(tempfile.mkdtemp(prefix="piiscan-scale-"))
    if args.parts_only:
        try:
            print(f"machine: {os.cpu_count()} cores; Python {sys.version.split()[0]}; {load()}")
            costs = part_costs(work / "parts", args.part_tasks)
            print(costs.lines())
            print(f"{load()} (at the end)")
        finally:
            shutil.rmtree(work, ignore_errors=True)
        return
    try:
        key = work / "key"
        load_or_create_key(key)
        share = work / "share"
        files, share_bytes = scaled_share(share, args.share_mb)
        big_root = work / "big"
        big_root.mkdir()
        big_bytes = big_text(big_root / "arenden.txt", args.big_mb)
        dump_root = work / "dump"
        dump_root.mkdir()
        dump_bytes = big_dump(dump_root / "crm.sql", args.dump_mb) if args.dump_mb else 0
        split = int(args.split_mb * MB)
        # Room for the big files' text (the default text budget is 64 M characters), and for
        # the biggest object's bytes and time read at once (512 MB and 600 s by default; a
        # 2 GB dump at half a MB a second takes over an hour).
        budget = max(Limits().max_text_chars, 2 * big_bytes, 2 * dump_bytes)
        biggest = max(big_bytes, dump_bytes)
        limits = replace(
            Limits(),
            max_text_chars=budget,
            max_object_bytes=max(Limits().max_object_bytes, 2 * biggest),
            max_object_seconds=max(Limits().max_object_seconds, 4 * biggest / MB),
        )
        print(f"machine: {os.cpu_count()} cores; Python {sys.version.split()[0]}; {load()}")
        print(
            f"share: {files} files, {share_bytes / MB:.1f} MB; "
            f"big file: {big_bytes / MB:.1f} MB, ranges of {args.split_mb:g} MB"
        )

        started = time.perf_counter()
        found = cut_ranges(Blob.from_path(big_root / "arenden.txt"), limits, split)
        spans = found[0] if found else []
        prepass = time.perf_counter() - started
        print(
            f"pre-pass (scanner, no analysis): {prepass:.2f} s for {big_bytes / MB:.1f} MB "
            f"= {big_bytes / MB / prepass:.0f} MB/s, {len(spans)} ranges"
        )

        dump_spans: list[Any] = []
        if dump_bytes:
            started = time.perf_counter()
            found = cut_ranges(Blob.from_path(dump_root / "crm.sql"), limits, split)
            dump_prepass = time.perf_counter() - started
            dump_spans = found[0] if found else []
            print(
                f"dump pre-pass (scanner, no analysis): {dump_prepass:.2f} s for "
                f"{dump_bytes / MB:.1f} MB = {dump_bytes / MB / dump_prepass:.0f} MB/s, "
                f"{len(dump_spans)} ranges"
            )

        def config(root: Path, name: str, **changes: Any) -> ScanConfig:
            return ScanConfig(
                roots=(str(root),),
                inventory=work / "inv" / name,
                key_file=key,
                limits=limits,
                **changes,
            )

        share_runs: list[Run] = []
        big_runs: list[Run] = []
        for workers in args.workers:
            share_runs.append(
                timed_scan(
                    f"local, {workers} worker(s)",
                    config(share, f"s{workers}", workers=workers),
                    share_bytes / MB,
                )
            )
            for label, size in (("at once", 0), ("in ranges", split)):
                big_runs.append(
                    timed_scan(
                        f"local, {workers} worker(s), {label}",
                        config(big_root, f"b{workers}{size}", workers=workers, split_bytes=size),
                        big_bytes / MB,
                    )
                )
        dump_runs: list[Run] = []
        dump_modes = [
            (label, size)
            for mode, label, size in (("at-once", "at once", 0), ("ranges", "in ranges", split))
            if mode in args.dump_modes
        ]
        for workers in args.workers if dump_bytes else []:
            for label, size in dump_modes:
                dump_runs.append(
                    timed_scan(
                        f"dump, local, {workers} worker(s), {label}",
                        config(dump_root, f"d{workers}{size}", workers=workers, split_bytes=size),
                        dump_bytes / MB,
                    )
                )
        per_task = None
        dask_tasks = 0
        if not args.no_dask:
            from distributed import LocalCluster

            with LocalCluster(
                n_workers=2,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=":0",
            ) as cluster:
                address = cluster.scheduler_address
                dask: Callable[..., ScanConfig] = lambda root, name, **c: config(  # noqa: E731
                    root, name, executor="dask", scheduler=address, **c
                )
                share_runs.append(
                    timed_scan("Dask LocalCluster, 2 workers", dask(share, "sd"), share_bytes / MB)
                )
                dask_tasks = tasks_of(work / "inv" / "sd")
                for label, size in (("at once", 0), ("in ranges", split)):
                    big_runs.append(
                        timed_scan(
                            f"Dask LocalCluster, 2 workers, {label}",
                            dask(big_root, f"bd{size}", split_bytes=size),
                            big_bytes / MB,
                        )
                    )
                for label, size in dump_modes if dump_bytes else []:
                    dump_runs.append(
                        timed_scan(
                            f"dump, Dask LocalCluster, 2 workers, {label}",
                            dask(dump_root, f"dd{size}", split_bytes=size),
                            dump_bytes / MB,
                        )
                    )
                per_task = dask_task_cost(address, args.noop_tasks)

        header = (
            "| run | wall | objects/s | MB/s | steady MB/s | findings |\n|---|---|---|---|---|---|"
        )
        print("\nThe scaled fixture share\n")
        print(header)
        for run in share_runs:
            print(run.line())
        print("\nOne big text file\n")
        print(header)
        for run in big_runs:
            print(run.line())
        found = {run.findings for run in big_runs}
        print(
            f"\nfindings in the big file, every run: {sorted(found)} "
            f"({'the same' if len(found) == 1 else 'DIFFERENT'})"
        )
        if dump_runs:
            print("\nOne big plain SQL dump (pg_dump, COPY blocks)\n")
            print(header)
            for run in dump_runs:
                print(run.line())
            found = {run.findings for run in dump_runs}
            print(
                f"\nfindings in the dump, every run: {sorted(found)} "
                f"({'the same' if len(found) == 1 else 'DIFFERENT'})"
            )
        base = share_runs[0]
        print(
            "\nscaling (share, steady MB/s against 1 worker):",
            ", ".join(f"{r.label}: {base.steady / r.steady:.2f}x" for r in share_runs[1:]),
        )
        if per_task is not None:
            print(
                f"Dask: {per_task * 1e3:.2f} ms per empty task "
                f"({1 / per_task:.0f} tasks/s through one scheduler)"
            )
            dask_run = share_runs[-1]
            print(
                f"Dask share scan: {dask_tasks} tasks for {dask_run.objects} objects "
                f"({dask_run.objects / max(dask_tasks, 1):.1f} per task); their scheduler "
                f"time {dask_tasks * per_task:.2f} s = "
                f"{dask_tasks * per_task / dask_run.wall:.1%} of the scan's wall time"
            )
        costs = part_costs(work / "parts", args.part_tasks)
        print(costs.lines())
        estimate(base.megabytes / base.steady, per_task, costs)
        print(f"\n{load()} (at the end)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f}"


def tasks_of(inventory: Path) -> int:
    """The task parts a scan's compacted parts hold (the Dask tasks that ran)."""
    import pyarrow.parquet as pq

    from piiscan.inventory.layout import META_REPLACES

    names: set[str] = set()
    for path in (inventory / "objects").glob("*/part-*.parquet"):
        metadata = pq.read_schema(path).metadata or {}
        names.update(name for name in metadata.get(META_REPLACES, b"").decode().split(",") if name)
    names.update(path.name for path in (inventory / "objects").glob("*/part-task-*.parquet"))
    return len(names)


@dataclass
class PartCosts:
    parts: int
    write: float
    compact: float
    read_tasks: float
    read_compacted: float
    files_before: int
    files_after: int
    # Compacted as the scan goes: the scanner's time in it while tasks run, the parts and
    # time left for the close, and the files at the end.
    running: float = 0.0
    tail_parts: int = 0
    tail: float = 0.0
    files_running: int = 0
    # The longest the scanner's thread spent counting one part (compacting a group in it, or
    # handing the group to the background compaction, waiting when one waits already).
    longest: float = 0.0

    def lines(self) -> str:
        return (
            f"task parts ({self.parts}, one object and one finding each): written "
            f"{self.write / self.parts * 1e3:.2f} ms per part (3 files synced and renamed); "
            f"compacted at close {self.compact / self.parts * 1e3:.2f} ms per part "
            f"({self.files_before} files -> {self.files_after}); reading the scan's objects and "
            f"findings back: {self.read_tasks * 1e3:.0f} ms from task parts, "
            f"{self.read_compacted * 1e3:.0f} ms compacted "
            f"({self.read_tasks / self.read_compacted:.1f}x)\n"
            f"compacted as the scan goes: {self.running / self.parts * 1e3:.2f} ms per part in "
            f"the scanner's thread while tasks run (longest {self.longest * 1e3:.0f} ms for "
            f"one part), then {self.tail * 1e3:.0f} ms at close for "
            f"the last {self.tail_parts} parts (close only: {self.compact * 1e3:.0f} ms for all "
            f"{self.parts}); {self.files_running} files at the end"
        )


def part_costs(directory: Path, count: int) -> PartCosts:
    """What a Dask task's part costs piiscan: written as a worker writes it, compacted as a
    closing scan compacts it, and read back before and after."""
    from piiscan.inventory import Inventory, InventoryWriter, new_scan_id
    from piiscan.keys import Keyer
    from piiscan.model import FindingRecord, ObjectRef, ObjectResult, Status
    from piiscan.scan.task_parts import TaskPartWriter

    keyer = Keyer(key=bytes(range(32)))
    scan_id = new_scan_id()
    record = FindingRecord(
        locator="line=1", entity_type="SE_PERSONNUMMER", value_key=keyer.value_key("191212121212"),
        masked="191212-****", start=0, end=13, score=1.0, recognizer="se.personnummer@1",
    )  # fmt: skip
    writer = InventoryWriter(
        directory, scan_id=scan_id, roots=["/bench"], config_hash="0" * 16, recognizers=[],
        key_fingerprint=keyer.fingerprint, piiscan_version="bench",
    )  # fmt: skip

    def read_back() -> float:
        started = time.perf_counter()
        reader = Inventory(directory, include_open=True)
        assert reader.objects(scan_id).num_rows == count
        assert reader.findings(scan_id).num_rows == count
        return time.perf_counter() - started

    def files() -> int:
        return sum(1 for path in directory.rglob("part-*.parquet"))

    def write_parts(named: bool) -> tuple[float, float, float]:
        """Write the parts as workers do, count them as the scanner does (``named``: with
        their names, compacted as they fill groups); the seconds of both, and the longest
        count of one part."""
        writing = counting = longest = 0.0
        for index in range(count):
            ref = ObjectRef(root="/bench", path=f"f{index:06d}.txt")
            started = time.perf_counter()
            with TaskPartWriter(
                directory, scan_id=scan_id, name=f"{index:024x}",
                key_fingerprint=keyer.fingerprint,
            ) as part:  # fmt: skip
                part.add(ObjectResult(ref=ref, status=Status.OK, size=100, findings=(record,)))
            counted = time.perf_counter()
            writer.note_task_part(objects=1, findings=1, errors=0,
                                  task=f"{index:024x}" if named else "")  # fmt: skip
            writing += counted - started
            counting += time.perf_counter() - counted
            longest = max(longest, time.perf_counter() - counted)
        return writing, counting, longest

    # Before: compacted all at once when the scan closes.
    write, _, _ = write_parts(named=False)
    before = files()
    read_tasks = read_back()
    started = time.perf_counter()
    writer.compact_task_parts()
    compact = time.perf_counter() - started
    read_compacted = read_back()
    after = files()
    writer.close()
    # After: compacted as the scan goes, the rest at close.
    shutil.rmtree(directory)
    scan_id = new_scan_id()
    writer = InventoryWriter(
        directory, scan_id=scan_id, roots=["/bench"], config_hash="0" * 16, recognizers=[],
        key_fingerprint=keyer.fingerprint, piiscan_version="bench",
    )  # fmt: skip
    _, running, longest = write_parts(named=True)
    tail_parts = sum(1 for _ in directory.rglob("objects/*/part-task-*.parquet"))
    started = time.perf_counter()
    writer.compact_task_parts()
    tail = time.perf_counter() - started
    read_back()
    files_running = files()
    writer.close()
    return PartCosts(count, write, compact, read_tasks, read_compacted, before, after,
                     running, tail_parts, tail, files_running, longest)  # fmt: skip


def estimate(core_mb_s: float, per_task: float | None, costs: PartCosts | None = None) -> None:
    """A 100 TB share on 20 nodes × 16 cores, from the measured per-core rate."""
    cores = 20 * 16
    share_mb = 100e6  # 100 TB in MB
    cpu_hours = share_mb / (core_mb_s * cores) / 3600
    print("\nPaper estimate: 100 TB share, 20 nodes x 16 cores (320 worker processes)")
    print(
        f"- CPU: {core_mb_s:.2f} MB/s per core (this share's mix) x 320 = "
        f"{core_mb_s * cores:.0f} MB/s -> {cpu_hours:.0f} h ({cpu_hours / 24:.1f} days)"
    )
    need_gbit = core_mb_s * 16 * 8 / 1000
    print(
        f"- network per node: 16 cores read {core_mb_s * 16:.0f} MB/s = {need_gbit:.2f} Gbit/s "
        "(10 GbE is far from the limit)"
    )
    print(
        f"- SMB server: the cluster reads {core_mb_s * cores:.0f} MB/s from the file server(s); "
        "one server serving ~1 GB/s is the limit only once the CPU rate passes it"
    )
    files = share_mb / 1.0  # an average file of 1 MB
    if per_task is not None:
        tasks = files / 32  # batches of 32 objects
        print(
            f"- scheduler: ~{files:.0e} files in ~{tasks:.0e} batches x "
            f"{per_task * 1e3:.2f} ms = {tasks * per_task / 3600:.1f} h of scheduler time, "
            f"spread over the scan ({tasks * per_task / 3600 / cpu_hours:.1%} of it); one "
            f"scheduler handles {1 / per_task:.0f} tasks/s, the cluster needs "
            f"{core_mb_s * cores / 32:.1f} batches/s of 1 MB files"
        )
    if costs is not None:
        part = costs.write / costs.parts
        compact = costs.compact / costs.parts
        running = costs.running / costs.parts
        tasks = files / 32
        print(
            f"- task parts: {part * 1e3:.1f} ms per part on a worker (~{tasks:.0e} parts: "
            f"{tasks * part / 3600 / cores:.2f} h per core, on the shared inventory's disk); "
            f"compacted all at close that was {tasks * compact / 3600:.1f} h in the scanner "
            f"alone; compacted as the scan goes, {tasks * running / 3600:.1f} h of the "
            f"scanner's thread spread over the scan ({tasks * running / 3600 / cpu_hours:.1%} "
            f"of it) and at close only the last group (up to 1,000 parts, "
            f"~{1000 * compact:.0f} s)"
        )
    print(
        "- the walk: one scanner lists every file (SMB directory listing ~1-5k entries/s "
        f"per connection): 1e8 files = {1e8 / 3000 / 3600:.0f} h at 3k/s, a limit that "
        "approaches the CPU time once the cluster is this big"
    )


if __name__ == "__main__":
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    main()
