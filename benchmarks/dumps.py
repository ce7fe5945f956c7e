"""Database dumps: MB/s and peak memory, as the dump grows.

Generates a plain ``pg_dump``-style dump (``COPY`` block) and a ``mysqldump``-style dump
(extended inserts) of fictional customers at each size, and, where PostgreSQL is installed,
loads the plain dump into a throwaway server (``fixtures/dumps/make_dumps.py`` starts it on a
Unix socket in a temporary directory) and writes it back with the real ``pg_dump -Fc`` to a
pipe (data offsets unset, the usual ``pg_dump -Fc db > db.dump``), compressed (the default)
and uncompressed (``-Z0``: an archive as large as its data). Then it measures in a fresh
process each:

- **parse**: the dump extractor alone (segments produced, nothing analysed): MB/s;
- **pre-pass** (plain dumps): the scanner's cut of the dump into ranges of 1 MB
  (:func:`piiscan.scan.ranges.cut_ranges`, which reads the whole dump and counts each table's
  rows): MB/s and the number of ranges;
- **scan**: ``piiscan scan --workers 1`` of the dump (extract, analyse, key, write): MB/s and
  the process's peak RSS;
- **survey** (``--sample-rows N``): the same scan reading a seeded sample of ``N`` rows of the
  table (``piiscan scan --sample-rows N``): the whole dump is still read through, but only the
  sampled rows are parsed and analysed.

For the custom format, ``MB`` is the archive's size and ``data MB`` the COPY text inside it;
its parse MB/s counts the data. **pg_restore parse** is the same archive read the fallback's
way (``pg_restore -f -`` piped into the plain reader), for the ratio.

Peak RSS should stay flat as the dump grows (streamed, constant memory). Values are
Skatteverket's test personnummer and PTS's numbers for fiction. A report, not a test.

    python benchmarks/dumps.py                    # 2 and 8 MB
    python benchmarks/dumps.py --sizes 100,1000   # the sizes the issue names (slow)
    python benchmarks/dumps.py --sizes 100,1000 --scan-sizes 100 --sample-rows 10000
    python benchmarks/dumps.py --sizes 100,400 --only pg_dump-Fc --scan-sizes 100
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures" / "dumps"))
import make_dumps  # starts the throwaway PostgreSQL

PNRS = ("19121212-1212", "19850601-2387", "19450202-4732", "20121212-1212", "19000101-9801")
PHONES = ("070-174 06 05", "08-465 004 21", "031-390 06 11")
NAMES = ("Anna Andersson", "Tolvan Tolvansson", "Göran Ekström", "Karin Åström")


def _row(number: int) -> tuple[str, ...]:
    return (
        str(number), NAMES[number % 4], PNRS[number % 5], PHONES[number % 3],
        f"kund{number}@exempel.se", f"Storgatan {number % 90 + 1}, 123 45 Stockholm",
        "Ringde om fakturan.\tVill bli kontaktad per e-post.",
    )  # fmt: skip


def write_pg(path: Path, size: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write("--\n-- PostgreSQL database dump\n--\n\nCREATE TABLE public.kunder (\n"
                  "    id integer NOT NULL,\n    namn text,\n    personnummer text,\n"
                  "    telefon text,\n    epost text,\n    adress text,\n    anteckning text\n"
                  ");\n\nCOPY public.kunder (id, namn, personnummer, telefon, epost, adress, "
                  "anteckning) FROM stdin;\n")  # fmt: skip
        number = 0
        while out.tell() < size:
            number += 1
            out.write("\t".join(v.replace("\t", "\\t") for v in _row(number)) + "\n")
        out.write("\\.\n\nALTER TABLE ONLY public.kunder\n"
                  "    ADD CONSTRAINT kunder_pkey PRIMARY KEY (id);\n")  # fmt: skip


def write_mysql(path: Path, size: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write("-- MariaDB dump 10.19\n\nCREATE TABLE `kunder` (\n  `id` int(11) NOT NULL,\n"
                  "  `namn` varchar(100), `personnummer` char(13), `telefon` varchar(20),\n"
                  "  `epost` varchar(100), `adress` varchar(200), `anteckning` text,\n"
                  "  PRIMARY KEY (`id`)\n);\n")  # fmt: skip
        number = 0
        while out.tell() < size:
            values = []
            for _ in range(500):
                number += 1
                cells = ",".join("'" + v.replace("\t", "\\t") + "'" for v in _row(number)[1:])
                values.append(f"({number},{cells})")
            out.write("INSERT INTO `kunder` VALUES " + ",".join(values) + ";\n")


@contextlib.contextmanager
def pg_server(work: Path) -> Iterator[tuple[str, str | None] | None]:
    """A throwaway PostgreSQL, or ``None`` when it is not installed."""
    if shutil.which("initdb") is None and not (make_dumps.PG_BIN / "initdb").exists():
        yield None
        return
    folder = work / "pg"
    folder.mkdir()
    work.chmod(0o755)  # the server's own user must reach its folder
    with make_dumps.postgres(folder) as server:
        yield server


def write_pg_custom(
    server: tuple[str, str | None], plain: Path, target: Path, n: int, *extra: str
) -> None:
    """Load ``plain`` into a new database and write it with ``pg_dump -Fc`` (and ``extra``
    options) through a pipe."""
    sockets, owner = server
    make_dumps._psql(sockets, owner, f"CREATE DATABASE bench{n}")
    psql = [make_dumps._tool("psql"), "-h", sockets, "-U", "piiscan", "-d", f"bench{n}",
            "-v", "ON_ERROR_STOP=1", "-q", "-o", "/dev/null", "-f", "-"]  # fmt: skip
    with plain.open("rb") as source:
        subprocess.run(make_dumps._as_owner(owner, psql), stdin=source, check=True)
    dump = [make_dumps._tool("pg_dump"), "-h", sockets, "-U", "piiscan", "--no-owner", "-Fc",
            *extra, f"bench{n}"]  # fmt: skip
    with subprocess.Popen(make_dumps._as_owner(owner, dump), stdout=subprocess.PIPE) as process:
        assert process.stdout is not None
        with target.open("wb") as out:
            shutil.copyfileobj(process.stdout, out, 1 << 20)
    if process.returncode != 0:
        raise SystemExit("pg_dump failed")
    make_dumps._psql(sockets, owner, f"DROP DATABASE bench{n}")


_PARSE_RESTORE = """
import resource, sys, time
from pathlib import Path
from piiscan.extractors.base import Blob, Limits
from piiscan.extractors.dumps.postgres import extract_pg_restore
start = time.perf_counter()
limits = Limits(max_text_chars=1 << 40, max_object_bytes=1 << 40)
count = sum(1 for _ in extract_pg_restore(Blob.from_path(Path(sys.argv[1])), limits))
print(time.perf_counter() - start, count, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""

_PARSE = """
import resource, sys, time
from pathlib import Path
from piiscan.extractors.base import Blob, Limits
from piiscan.extractors.dispatch import extract
start = time.perf_counter()
limits = Limits(max_text_chars=1 << 40, max_object_bytes=1 << 40)
_, items = extract(Blob.from_path(Path(sys.argv[1])), limits)
count = sum(1 for _ in items)
print(time.perf_counter() - start, count, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""

_PREPASS = """
import resource, sys, time
from pathlib import Path
from piiscan.extractors.base import Blob, Limits
from piiscan.scan.ranges import cut_ranges
start = time.perf_counter()
limits = Limits(max_text_chars=1 << 40, max_object_bytes=1 << 40)
spans, _ = cut_ranges(Blob.from_path(Path(sys.argv[1])), limits, 1 << 20) or ([], ())
print(time.perf_counter() - start, len(spans), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""

_SCAN = """
import dataclasses, resource, sys, time
from pathlib import Path
from piiscan.api import scan
from piiscan.config import ScanConfig
root, inventory, sample = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
# max_size sets the walk's and the extractors' size limits alike (a 1 GB dump is read).
config = ScanConfig.from_options([str(root)], inventory=inventory, workers=1,
                                 key_file=inventory.parent / "key", new_key=True,
                                 max_size=1 << 40, max_seconds=0, sample_rows=sample or None)
config = dataclasses.replace(
    config, limits=dataclasses.replace(config.limits, max_text_chars=1 << 40))
start = time.perf_counter()
report = scan(config)
print(time.perf_counter() - start, report.findings,
      resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def _measure(code: str, *args: str) -> tuple[float, int, float]:
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          check=True)  # fmt: skip
    seconds, count, rss_kb = done.stdout.split()
    return float(seconds), int(count), int(rss_kb) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="2,8", help="dump sizes in MB, comma-separated")
    parser.add_argument("--no-scan", action="store_true", help="measure parsing only")
    parser.add_argument("--scan-sizes", help="scan only at these sizes (default: every size)")
    parser.add_argument("--sample-rows", type=int, default=0,
                        help="also scan with --sample-rows N at every size")  # fmt: skip
    parser.add_argument("--only", help="comma-separated kinds: pg_dump, mysqldump, "
                        "pg_dump-Fc, pg_dump-Fc-Z0 (default: all)")  # fmt: skip
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    scan_sizes = {int(s) for s in args.scan_sizes.split(",")} if args.scan_sizes else set(sizes)
    kinds = (set(args.only.split(",")) if args.only
             else {"pg_dump", "mysqldump", "pg_dump-Fc", "pg_dump-Fc-Z0"})  # fmt: skip
    rows = []
    with (
        tempfile.TemporaryDirectory(prefix="piiscan-dumps-bench-") as temporary,
        pg_server(Path(temporary)) as server,
    ):
        work = Path(temporary)
        if server is None and kinds & {"pg_dump-Fc", "pg_dump-Fc-Z0"}:
            print("PostgreSQL not installed: no pg_dump -Fc case", file=sys.stderr)
        for size in sizes:
            plain = work / f"plain-{size}.sql"
            write_pg(plain, size * 1_000_000)
            for kind, writer in (("pg_dump", write_pg), ("mysqldump", write_mysql),
                                 ("pg_dump-Fc", None), ("pg_dump-Fc-Z0", None)):  # fmt: skip
                if kind not in kinds or (writer is None and server is None):
                    continue
                folder = work / f"{kind}-{size}"
                folder.mkdir()
                row: dict[str, object] = {"dump": kind}
                if writer is None:
                    assert server is not None
                    dump = folder / "crm.dump"
                    extra = ["-Z0"] if kind.endswith("-Z0") else []
                    write_pg_custom(server, plain, dump, size, *extra)
                    data_mb = plain.stat().st_size / 1e6
                    row["MB"] = round(dump.stat().st_size / 1e6, 1)
                    row["data MB"] = round(data_mb, 1)
                else:
                    dump = folder / f"{kind}.sql"
                    writer(dump, size * 1_000_000)
                    data_mb = dump.stat().st_size / 1e6
                    row["MB"] = round(data_mb, 1)
                seconds, segments, rss = _measure(_PARSE, str(dump))
                row |= {"parse MB/s": round(data_mb / seconds, 1), "segments": segments,
                        "parse peak RSS MB": round(rss)}  # fmt: skip
                if writer is not None:
                    seconds, ranges, _ = _measure(_PREPASS, str(dump))
                    row |= {"pre-pass MB/s": round(data_mb / seconds, 1), "ranges": ranges}
                if writer is None:
                    seconds, segments, rss = _measure(_PARSE_RESTORE, str(dump))
                    row |= {"pg_restore parse MB/s": round(data_mb / seconds, 1),
                            "pg_restore segments": segments,
                            "pg_restore parse peak RSS MB": round(rss)}  # fmt: skip
                if not args.no_scan and size in scan_sizes:
                    seconds, findings, rss = _measure(
                        _SCAN, str(folder), str(work / f"inv-{kind}-{size}"), "0"
                    )
                    row |= {"scan MB/s": round(data_mb / seconds, 2), "findings": findings,
                            "scan peak RSS MB": round(rss)}  # fmt: skip
                if args.sample_rows:
                    seconds, findings, rss = _measure(
                        _SCAN,
                        str(folder),
                        str(work / f"sample-{kind}-{size}"),
                        str(args.sample_rows),
                    )
                    row |= {"survey MB/s": round(data_mb / seconds, 1),
                            "survey findings": findings,
                            "survey peak RSS MB": round(rss)}  # fmt: skip
                rows.append(row)
                print(json.dumps(row, ensure_ascii=False), flush=True)
            plain.unlink()


if __name__ == "__main__":
    main()
