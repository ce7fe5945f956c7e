"""Peak memory of a scan as a file grows: a big sheet, a big CSV and a big SQL dump.

    python benchmarks/memory.py                  # 100,001-row sheet, 64 MB CSV and dump
    python benchmarks/memory.py --full           # 1,000,001-row sheet, 1 GB CSV and dump
    python benchmarks/memory.py --only xlsx --xlsx-rows 300000 --workers 2
    python benchmarks/memory.py --only csv --only sql --csv-mb 1024 --sql-mb 1024 --sparse \
        --workers 2 --trace 60                  # 1 GB each, identifiers on 1 row in 1,000

Each input is generated (the sheet by openpyxl in write-only mode, the CSV and the
mysqldump-style dump by plain writes) with Skatteverket's test personnummer and PTS's numbers
for fiction, then scanned on its own by a child process through :func:`piiscan.api.scan`, with
the size, text and time limits lifted so the whole file is read. Printed per input: the file
size, the rows found, the seconds (start-up of about a second included), and the peak resident
memory of the scanning process and of its busiest worker. With ``--workers 1`` the scan runs in
one process (no worker); with ``--workers 2`` or more, the scanner and the workers are apart.

How memory is measured: the scanner's peak is ``ru_maxrss`` from ``wait4``; each worker's is
its ``VmHWM`` (the kernel's high-water mark of its resident set) from ``/proc``, read every
0.2 s while it runs, so a worker's peak is seen whatever it was between two readings. Then
``piiscan findings`` reads the inventory back (``--workers`` has no part in it) and its peak is
printed too. A report, not a test; run it with another checkout's code first by setting
``PYTHONPATH`` to compare (the child inherits it).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

PNRS = ("19121212-1212", "19850601-2387", "19450202-4732", "20121212-1212", "19000101-9801")
PHONES = ("070-174 06 05", "08-465 004 21", "031-390 06 11")
MB = 1024 * 1024

_SCAN = """
import dataclasses, sys
from pathlib import Path
from piiscan.api import scan
from piiscan.config import ScanConfig
config = ScanConfig.from_options([sys.argv[1]], inventory=Path(sys.argv[2]),
                                 workers=int(sys.argv[3]), key_file=Path(sys.argv[4]),
                                 new_key=True, max_seconds=0, max_size=1 << 40,
                                 entities=sys.argv[5] or None)
limits = dataclasses.replace(config.limits, max_text_chars=1 << 40)
report = scan(dataclasses.replace(config, limits=limits))
print(report.objects, report.findings, report.errors)
"""

_READ = """
import sys
from piiscan.cli import main
sys.argv = ["piiscan", "findings", "--inventory", sys.argv[1], "--format", "csv"]
main()
"""


def write_xlsx(path: Path, rows: int) -> None:
    """A sheet of a header and ``rows`` rows: a number and a personnummer."""
    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("Kunder")
    sheet.append(["Kundnummer", "Personnummer"])
    for number in range(1, rows + 1):
        sheet.append([number, PNRS[number % 5]])
    workbook.save(path)


def _pnr(number: int, sparse: bool) -> str:
    """A personnummer on every row, or (sparse) on one row in 1,000 and a plain number else."""
    return PNRS[number % 5] if not sparse or number % 1000 == 0 else f"K{number:09d}"


def _phone(number: int, sparse: bool) -> str:
    return PHONES[number % 3] if not sparse or number % 1000 == 500 else "saknas"


def write_csv(path: Path, size: int, *, sparse: bool = False) -> None:
    """Semicolon-separated rows up to ``size`` bytes."""
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("Kundnummer;Personnummer;Telefon;Anteckning\n")
        number = 0
        while out.tell() < size:
            lines = []
            for _ in range(1000):
                number += 1
                lines.append(f"{number};{_pnr(number, sparse)};{_phone(number, sparse)};"
                             "Ringde om fakturan\n")  # fmt: skip
            out.write("".join(lines))


def write_sql(path: Path, size: int, *, sparse: bool = False) -> None:
    """A mysqldump-style dump of one table, 500 rows an INSERT, up to ``size`` bytes."""
    with path.open("w", encoding="utf-8") as out:
        out.write("-- MariaDB dump 10.19\n\nCREATE TABLE `kunder` (\n  `id` int(11) NOT NULL,\n"
                  "  `personnummer` char(13), `telefon` varchar(20), `anteckning` text,\n"
                  "  PRIMARY KEY (`id`)\n);\n")  # fmt: skip
        number = 0
        while out.tell() < size:
            values = []
            for _ in range(500):
                number += 1
                values.append(f"({number},'{_pnr(number, sparse)}','{_phone(number, sparse)}',"
                              "'Ringde om fakturan')")  # fmt: skip
            out.write("INSERT INTO `kunder` VALUES " + ",".join(values) + ";\n")


def _descendants(pid: int) -> list[int]:
    found: list[int] = []
    todo = [pid]
    while todo:
        parent = todo.pop()
        try:
            children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
        except OSError:
            continue
        for child in map(int, children):
            found.append(child)
            todo.append(child)
    return found


def _high_water_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _resident_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _run(code: str, *args: str, trace: float = 0.0) -> tuple[int, float, int, int, str]:
    """Run ``code`` in a child: exit status, seconds, its peak RSS (KiB), the largest peak of
    its descendants (KiB), and its output. With ``trace``, print every ``trace`` seconds the
    resident memory now of the child and of its largest descendant (flat or growing?)."""
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-c", code, *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    peaks: dict[int, int] = {}
    done = threading.Event()

    def watch() -> None:
        last = time.perf_counter()
        while not done.wait(0.2):
            for pid in _descendants(child.pid):
                peaks[pid] = max(peaks.get(pid, 0), _high_water_kib(pid))
            if trace and time.perf_counter() - last >= trace:
                last = time.perf_counter()
                now = max((_resident_kib(p) for p in _descendants(child.pid)), default=0)
                print(f"{'':5} {'':8}     at {last - started:7.0f} s: scanner "
                      f"{_resident_kib(child.pid) / 1024:6.0f} MB, worker {now / 1024:6.0f} MB "
                      "resident now", flush=True)  # fmt: skip

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    assert child.stdout is not None
    output = child.stdout.read().decode("utf-8", "replace")
    _, status, usage = os.wait4(child.pid, 0)
    done.set()
    watcher.join()
    seconds = time.perf_counter() - started
    # The fork server is a descendant too; workers are its children. Report the largest.
    return (
        os.waitstatus_to_exitcode(status),
        seconds,
        usage.ru_maxrss,
        max(peaks.values(), default=0),
        output,
    )


def _measure(
    name: str, path: Path, workers: int, work: Path, trace: float = 0.0, entities: str = ""
) -> None:
    inventory = work / f"inv-{name}"
    key = str(work / f"{name}.key")
    code, seconds, parent, worker, output = _run(
        _SCAN, str(path), str(inventory), str(workers), key, entities, trace=trace
    )
    if code != 0:
        print(f"{name}: scan failed ({code}): {output.strip()[-400:]}")
        return
    _, findings, errors = output.split()[-3:]
    worker_text = f"{worker / 1024:7.0f} MB" if workers > 1 else "    (none)"
    print(
        f"{name:5} {path.stat().st_size / MB:8.0f} MB  {int(findings):>10,} findings "
        f"{seconds:7.1f} s   scanner {parent / 1024:6.0f} MB   worker {worker_text}"
        f"   errors {errors}",
        flush=True,
    )
    code, seconds, parent, _, output = _run(_READ, str(inventory))
    lines = output.count("\n")
    print(
        f"{'':5} {'':8}     findings read back: {lines - 1:>10,} rows {seconds:7.1f} s   "
        f"reader  {parent / 1024:6.0f} MB" + ("" if code == 0 else f"  (exit {code})"),
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--full", action="store_true", help="1,000,001 rows, 1 GB, 1 GB")
    parser.add_argument("--xlsx-rows", type=int, default=100_000, help="data rows of the sheet")
    parser.add_argument("--csv-mb", type=int, default=64, help="size of the CSV")
    parser.add_argument("--sql-mb", type=int, default=64, help="size of the SQL dump")
    parser.add_argument("--workers", type=int, default=1, help="--workers of the scan")
    parser.add_argument("--only", choices=["xlsx", "csv", "sql"], action="append")
    parser.add_argument("--keep", type=Path, help="build the inputs here and keep them")
    parser.add_argument(
        "--sparse",
        action="store_true",
        help="identifiers on one row in 1,000 (a scan of 1 GB then takes "
        "minutes, not hours, and the inventory stays small)",
    )
    parser.add_argument(
        "--entities",
        default="",
        help="report only these entity types (comma-separated): a narrower engine is faster; "
        "the pipeline's memory is the same",
    )
    parser.add_argument(
        "--trace",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="print the resident memory now every SECONDS while scanning",
    )
    args = parser.parse_args()
    if args.full:
        args.xlsx_rows, args.csv_mb, args.sql_mb = 1_000_000, 1024, 1024
    chosen = args.only or ["xlsx", "csv", "sql"]
    kind = "-sparse" if args.sparse else ""
    with tempfile.TemporaryDirectory(prefix="piiscan-memory-") as scratch:
        work = args.keep or Path(scratch)
        work.mkdir(parents=True, exist_ok=True)
        print(f"workers {args.workers}; peak resident memory per process", flush=True)
        for name in chosen:
            folder = work / f"in-{name}"
            folder.mkdir(exist_ok=True)
            if name == "xlsx":
                path = folder / f"kunder-{args.xlsx_rows + 1}.xlsx"
                if not path.exists():
                    write_xlsx(path, args.xlsx_rows)
            elif name == "csv":
                path = folder / f"kunder-{args.csv_mb}mb{kind}.csv"
                if not path.exists():
                    write_csv(path, args.csv_mb * MB, sparse=args.sparse)
            else:
                path = folder / f"kunder-{args.sql_mb}mb{kind}.sql"
                if not path.exists():
                    write_sql(path, args.sql_mb * MB, sparse=args.sparse)
            for old in work.glob(f"inv-{name}*"):
                shutil.rmtree(old)
            _measure(name, path, args.workers, work, args.trace, args.entities)


if __name__ == "__main__":
    main()
