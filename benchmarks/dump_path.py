"""Where a plain SQL dump's scan spends its time, per MB and stage (a report).

    python benchmarks/dump_path.py                 # 4 MB, both dumps
    python benchmarks/dump_path.py --mb 16 --only repeated

One worker in this process (``workers=1``, as ``piiscan scan --workers 1``), through the
public API (:func:`piiscan.api.scan`), on two ``pg_dump`` outputs of the fixture's three
tables (``fixtures/dumps/crm_postgres.sql``):

- **repeated**: ``scale.py --dump-mb``'s dump, the fixture's ``COPY`` rows repeated under keys
  of their own (13 rows of values, again and again);
- **distinct**: the same tables with values of their own in every row: names drawn from the
  bundled gazetteer, Skatteverket's test personnummer in turn, PTS's numbers for fiction,
  postal codes and places from the bundled list, notes from a few templates (seeded, the same
  dump every run). A real customer table is nearer this one: repetition lets the name
  model's memory, the value keys' memory and the PERSON spans of a batch pay off.

Each stage is timed in CPU seconds of the scanning thread (``time.thread_time``: steadier than
wall time on a shared machine, and without the CPU the numerical library's idle threads spin
away while the name model waits) by wrapping the function that does it:

- **extract**: the dump reader, from the file to segments (the DDL pass included);
- **engine**: ``Engine.analyze_batch``, of which **PERSON model** (``PersonRecognizer.prepare``:
  the name rules and the spaCy model over a batch's texts) and **Python path** (the PERSON
  recognizer per cell, ``Engine._python_findings``) are shown apart; the rest is the core;
- **inventory**: handing findings to the inventory writer (rows, parts written);
- **per cell and finding**: the rest of the task: locators and names, column profiles, value
  keys, finding records.

The wrappers cost a little per call (about 2 % here). A report, not a test.
"""

from __future__ import annotations

import argparse
import csv
import importlib
import importlib.resources
import random
import re
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
MB = 1024 * 1024


def distinct_dump(path: Path, megabytes: float) -> int:
    """The fixture dump's tables with values of their own in every row; its size."""
    # piiscan.data is a namespace package: a folder of it is a plain path.
    data = Path(str(importlib.resources.files("piiscan.data").joinpath("names"))).parent
    rng = random.Random(17)
    first = _names(data / "names" / "first_names.tsv", 2000)
    last = _names(data / "names" / "surnames.tsv", 2000)
    pnrs = (data / "skatteverket_testpersonnummer.txt").read_text(encoding="utf-8").split()
    with (data / "postnummer.csv").open(encoding="utf-8") as handle:
        places = [(row["postal_code"], row["locality"]) for row in csv.DictReader(handle)]
    phones = [f"070-174 06 {n:02d}" for n in range(5, 100)]
    phones += [f"{area} {n:02d}" for area in ("031-390 06", "08-465 004") for n in range(100)]
    streets = ("Storgatan", "Kungsgatan", "Drottninggatan", "Kyrkogatan", "Bergsgatan",
               "Skolvägen", "Ringvägen", "Parkgatan")  # fmt: skip
    notes = ("Ringde {d}. Vill bli kontaktad av {n}.", "Kund sedan {y}; tel. ändrat",
             "Mejlade om fakturan {d}", "Flyttat till {c}")  # fmt: skip
    rows = max(1, round(megabytes * MB / 150))  # a kunder row and its share of the others

    def pnr(index: int) -> str:
        digits = pnrs[index % len(pnrs)]
        return f"{digits[:8]}-{digits[8:]}"

    def mail(name: str) -> str:
        return name.lower().translate(str.maketrans("åäöéü ", "aaoeu."))

    def kunder() -> Iterator[str]:
        for number in range(1, rows + 1):
            name = f"{rng.choice(first)} {rng.choice(last)}"
            code, place = rng.choice(places)
            date = f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            note = rng.choice(notes).format(
                d=date, n=rng.choice(first), y=rng.randint(1970, 2025), c=place
            )
            yield (f"{number}\t{name}\t{pnr(number)}\t{rng.choice(phones)}\t"
                   f"{mail(name)}{number}@exempel.se\t{rng.choice(streets)} "
                   f"{rng.randint(1, 150)}, {code[:3]} {code[3:]} {place}\t"
                   f"{note if rng.random() < 0.6 else chr(92) + 'N'}\t\\\\x3132\n")  # fmt: skip

    def arenden() -> Iterator[str]:
        for number in range(1, rows // 4 + 1):
            yield f"{1000 + number}\t{pnrs[(number * 7) % len(pnrs)][2:]}\n"

    def medlemmar() -> Iterator[str]:
        for number in range(1, rows // 4 + 1):
            yield f"{pnr(number * 13)}\t{rng.choice(first)} {rng.choice(last)}\n"

    tables: dict[str, Callable[[], Iterator[str]]] = {
        "arenden": arenden, "kunder": kunder, "medlemmar": medlemmar,
    }  # fmt: skip

    def block(match: re.Match[str]) -> str:
        table = re.search(r"public\.(\w+)", match.group(1))
        assert table is not None
        return match.group(1) + "".join(tables[table.group(1)]()) + "\\.\n"

    text = (HERE.parent / "fixtures" / "dumps" / "crm_postgres.sql").read_text(encoding="utf-8")
    path.write_text(
        re.sub(r"(?ms)^(COPY [^\n]*FROM stdin;\n)(.*?)^\\\.\n", block, text), encoding="utf-8"
    )
    return path.stat().st_size


def _names(path: Path, at_least: int) -> list[str]:
    """The names of a gazetteer list borne by at least ``at_least`` people."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        name, _, count = line.partition("\t")
        if count.isdigit() and int(count) >= at_least:
            out.append(name)
    return out


class Stages:
    """CPU seconds per stage, taken by wrapping the functions that do each."""

    def __init__(self) -> None:
        self.seconds: Counter[str] = Counter()
        self._undo: list[Callable[[], None]] = []

    def call(self, owner: Any, name: str, stage: str) -> None:
        original = getattr(owner, name)
        seconds = self.seconds

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.thread_time()
            try:
                return original(*args, **kwargs)
            finally:
                seconds[stage] += time.thread_time() - started

        self._wrap(owner, name, original, timed)

    def generator(self, owner: Any, name: str, stage: str) -> None:
        original = getattr(owner, name)
        seconds = self.seconds

        def timed(*args: Any, **kwargs: Any) -> Iterator[Any]:
            items = original(*args, **kwargs)
            while True:
                started = time.thread_time()
                try:
                    item = next(items)
                except StopIteration:
                    return
                finally:
                    seconds[stage] += time.thread_time() - started
                yield item

        self._wrap(owner, name, original, timed)

    def _wrap(self, owner: Any, name: str, original: Any, timed: Any) -> None:
        setattr(owner, name, timed)
        self._undo.append(lambda: setattr(owner, name, original))

    def undo(self) -> None:
        while self._undo:
            self._undo.pop()()


def measure(label: str, dump: Path, key: Path, work: Path) -> None:
    from piiscan.api import scan
    from piiscan.config import ScanConfig
    from piiscan.extractors.base import Limits

    engine = importlib.import_module("piiscan.engine.analyzer")
    person = importlib.import_module("piiscan.engine.person")
    writer = importlib.import_module("piiscan.inventory.writer")
    dispatch = importlib.import_module("piiscan.extractors.dispatch")
    task = importlib.import_module("piiscan.scan.task")
    stages = Stages()
    stages.generator(dispatch, "_within_budget", "extract")
    stages.call(engine.Engine, "analyze_batch", "engine")
    stages.call(engine.Engine, "_python_findings", "python")
    stages.call(person.PersonRecognizer, "prepare", "model")
    stages.call(writer.InventoryWriter, "add_findings", "inventory")
    stages.call(writer.InventoryWriter, "add", "inventory")
    stages.call(task, "_scan_blob", "task")
    size = dump.stat().st_size
    limits = replace(Limits(), max_text_chars=max(Limits().max_text_chars, 2 * size))
    inventory = work / f"inventory-{label}"
    config = ScanConfig(
        roots=(str(dump.parent),), inventory=inventory, key_file=key, limits=limits, workers=1
    )
    started, cpu = time.perf_counter(), time.process_time()
    try:
        report = scan(config)
    finally:
        stages.undo()
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    shutil.rmtree(inventory, ignore_errors=True)
    s = stages.seconds
    megabytes = size / MB
    rest = s["task"] - s["extract"] - s["engine"] - s["inventory"]
    rows = [
        ("extract", s["extract"]),
        ("engine", s["engine"]),
        ("  PERSON model (rules and spaCy, per batch)", s["model"]),
        ("  PERSON Python path (per cell)", s["python"]),
        ("  the core and the rest", s["engine"] - s["model"] - s["python"]),
        ("per cell and finding (names, columns, keys, records)", rest),
        ("inventory (rows, parts)", s["inventory"]),
        ("the object, all stages", s["task"]),
    ]
    print(
        f"\n{label}: {megabytes:.1f} MB (MiB), {report.findings:,} findings "
        f"({report.findings / megabytes:,.0f} a MB); wall {wall:.1f} s, CPU {cpu:.1f} s "
        f"(the process, all threads)\n"
    )
    print("| stage | CPU ms per MB |\n|---|---|")
    for name, seconds in rows:
        print(f"| {name} | {1000 * seconds / megabytes:,.0f} |")
    print(f"\n{label}: {megabytes / s['task']:.2f} MB per CPU second in the object's stages")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=4.0, help="size of each dump [4]")
    parser.add_argument("--only", choices=("repeated", "distinct"), help="one dump only")
    args = parser.parse_args(argv)
    if args.mb <= 0:
        parser.error("--mb must be above 0")
    sys.path.insert(0, str(HERE))
    from scale import big_dump

    from piiscan.keys import load_or_create_key

    work = Path(tempfile.mkdtemp(prefix="piiscan-dump-path-"))
    try:
        key = work / "key"
        load_or_create_key(key)
        makers = {"repeated": big_dump, "distinct": distinct_dump}
        for label, make in makers.items():
            if args.only not in (None, label):
                continue
            folder = work / label
            folder.mkdir()
            make(folder / "crm.sql", args.mb)
            measure(label, folder / "crm.sql", key, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
