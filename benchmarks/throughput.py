"""Throughput of piiscan, presidio and a bare regex pass on one core (a report, not a test).

    python benchmarks/throughput.py                    # 2 MB per corpus
    python benchmarks/throughput.py --size-mb 4 --repeat 5 --breakdown

Two corpora are built in memory, deterministically:

- **dense**: business documents from the accuracy corpus generator
  (``fixtures/corpus/make_corpus.py``, run with several seeds), each followed by a short
  prose paragraph, so there is about one identifier per 100 bytes;
- **sparse**: Swedish prose generated from a small vocabulary with ordinary sentence
  structure, with one identifier (personnummer, phone, e-mail, IBAN, ...) about every 10 KB.

The **headline figures are cold**, as a user scanning a share meets them: a fresh engine
(built outside the timing), every cache of remembered validator verdicts and name decisions
cleared, each text scanned once. Warm figures (best of ``--repeat`` on an engine that has
seen the text) stand beside them, labelled. MB/s is UTF-8 bytes / wall time
(``time.perf_counter``, one process, one thread) for:

- ``cold``: ``Engine.analyze`` on the whole text, the default engine (names with the
  bundled model);
- ``cold −PERSON``: the same without the name recognizer: the entities of issue #2's
  catalogue, like for like with presidio's configuration, which has no name recognizer;
- ``cold per doc``: one ``analyze`` per document (dense) or ~4 KB paragraph group (sparse),
  the segment sizes extractors hand over, names on;
- ``warm``, ``warm −PERSON``: best of ``--repeat`` after one run;
- ``presidio``: the baseline of ``presidio_baseline.py`` on the whole text (best of repeat);
- ``bare regex``: one compiled pattern (personnummer | phone | e-mail shapes), ``finditer``
  over the text: the ceiling for any regex-based scanner in Python.

A **short-segment** line puts a CSV of ``--cells`` cells (100,000; the dense corpus cut at
word boundaries into fields of about 25 characters, each with its column name as context,
as a spreadsheet or dump extractor hands them over) through ``Engine.analyze_batch`` in
batches of 1,000, cold, and prints µs per cell, names off and on.

``--breakdown`` adds, for each corpus, where the time goes in ms per MB (CPU time, best of
``--repeat``, caches cleared before each run, the name model's remembered windows too): the
compiled core (matching, validation, context, scoring, overlaps, masks in one call), the
recognizers still on the Python path (the names; every built-in pattern recognizer runs in
the core; timed inside the total's runs), building ``Finding`` objects and the rest; then
the names path in stages (the core's name scan, the model on its windows, combining the
two, the rest of the Python path: results, context, ``Finding`` objects), and the core
matcher's bare matching as a floor.
Nothing is asserted.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import regex

HERE = Path(__file__).resolve().parent
CORPUS_DIR = HERE.parent / "fixtures" / "corpus"

#: The ceiling: one compiled pattern. E-mail addresses are located by their ``@domain`` (the
#: local part is a one-character lookbehind) because a leading ``[\w.+-]+`` would rescan
#: every word; with the ``regex`` module this was the fastest of the forms tried.
BARE = regex.compile(
    r"(?<!\d)(?:\d{6}|\d{8})[-+]?\d{4}(?!\d)"  # personnummer-shaped
    r"|(?<![\d+])(?:\+46|0046|0)[\s-]?\d{1,3}[\s-]?\d{2,3}(?:[\s-]?\d{2,3}){1,2}(?!\d)"  # phone
    r"|(?<=[\w.+-])@[\w-]+(?:\.[\w-]+)+"  # e-mail
)

# A small Swedish vocabulary; sentences are built from the patterns in _sentence().
NOUNS = [
    "kommunen",
    "beslutet",
    "mötet",
    "rapporten",
    "projektet",
    "skolan",
    "vägen",
    "huset",
    "staden",
    "regeringen",
    "styrelsen",
    "avtalet",
    "budgeten",
    "frågan",
    "planen",
    "arbetet",
    "verksamheten",
    "förslaget",
    "utredningen",
    "kunden",
    "bolaget",
    "marknaden",
    "sommaren",
    "vintern",
    "hösten",
    "våren",
    "barnen",
    "eleverna",
    "läkaren",
    "patienten",
    "föreningen",
    "biblioteket",
    "sjukhuset",
    "företaget",
    "nämnden",
]
VERBS = [
    "beslutade",
    "diskuterade",
    "presenterade",
    "undersökte",
    "godkände",
    "föreslog",
    "granskade",
    "påbörjade",
    "avslutade",
    "förklarade",
    "visade",
    "behandlade",
    "planerade",
    "genomförde",
    "beskrev",
    "kritiserade",
    "välkomnade",
    "utvärderade",
]
ADJS = [
    "nya",
    "stora",
    "gamla",
    "viktiga",
    "första",
    "senaste",
    "kommunala",
    "lokala",
    "svenska",
    "ekonomiska",
    "tydliga",
    "långa",
    "korta",
    "öppna",
    "gemensamma",
]
ADVS = [
    "också",
    "däremot",
    "därför",
    "snart",
    "redan",
    "fortfarande",
    "tidigare",
    "i dag",
    "i går",
    "under veckan",
    "efter en lång diskussion",
    "utan större problem",
]
PLACES = [
    "i Stockholm",
    "i Göteborg",
    "i Malmö",
    "i Umeå",
    "i Luleå",
    "i Västerås",
    "i Örebro",
    "i Linköping",
    "i Jönköping",
    "i Sundsvall",
    "på landsbygden",
    "i hela regionen",
    "vid kusten",
    "i norra Sverige",
]
CONNECT = ["Enligt", "Efter", "Inför", "Under", "Trots"]


def _sentence(rng: random.Random) -> str:
    n1, n2 = rng.choice(NOUNS), rng.choice(NOUNS)
    adj, verb = rng.choice(ADJS), rng.choice(VERBS)
    adv, place = rng.choice(ADVS), rng.choice(PLACES)
    pattern = rng.randrange(5)
    if pattern == 0:
        s = f"{n1} {verb} {adv} den {adj} {n2.rstrip('n')} {place}"
    elif pattern == 1:
        s = f"{rng.choice(CONNECT)} {n1} {verb} {n2} {adv} {place}"
    elif pattern == 2:
        s = f"det {adj} {n1} {verb} att {n2} skulle {rng.choice(['öka', 'minska', 'ändras'])}"
    elif pattern == 3:
        s = f"{n1} {place} {verb} {n2}, men {rng.choice(NOUNS)} var {rng.choice(ADJS)}"
    else:
        s = f"{adv} {verb} {n1} {n2} och {rng.choice(NOUNS)} {place}"
    return s[0].upper() + s[1:] + rng.choice([".", ".", ".", "?", "!"])


def _paragraph(rng: random.Random, approx_chars: int) -> str:
    out: list[str] = []
    size = 0
    while size < approx_chars:
        s = _sentence(rng)
        out.append(s)
        size += len(s) + 1
    return " ".join(out)


def _generator():  # the generator module, loaded from its file
    spec = importlib.util.spec_from_file_location("make_corpus", CORPUS_DIR / "make_corpus.py")
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("make_corpus", module)
    spec.loader.exec_module(module)
    return module


def build_dense(size_mb: float) -> tuple[str, list[str], int]:
    """Business documents plus short prose; returns (text, documents, labelled identifiers)."""
    gen = _generator()
    rng = random.Random(1)
    docs: list[str] = []
    n_ids = 0
    size = 0
    seed = 1000
    while size < size_mb * 1e6:
        for d in gen.build(seed):
            ids = sum(1 for e in d["entities"] if e["type"] != "PERSON")
            text = d["text"] + "\n" + _paragraph(rng, int(len(d["text"]) * 0.6)) + "\n"
            docs.append(text)
            n_ids += ids
            size += len(text.encode("utf-8"))
            if size >= size_mb * 1e6:
                break
        seed += 1
    return "\n".join(docs), docs, n_ids


def build_sparse(size_mb: float) -> tuple[str, list[str], int]:
    """Swedish prose with one identifier about every 10 KB; segments of about 4 KB."""
    gen = _generator().Gen(7)
    doc_cls = _generator().Doc
    rng = random.Random(2)
    parts: list[str] = []
    n_ids = 0
    size = 0
    next_id = rng.randint(5_000, 15_000)
    while size < size_mb * 1e6:
        para = _paragraph(rng, rng.randint(300, 900)) + "\n\n"
        if size + len(para) >= next_id:
            holder = doc_cls()
            what = rng.choice(["personnummer", "phone", "email", "iban", "orgnr", "address"])
            holder.add(
                {
                    "personnummer": "Personnummer ",
                    "phone": "Ring ",
                    "email": "Mejla ",
                    "iban": "Betala till ",
                    "orgnr": "Org.nr ",
                    "address": "Adress: ",
                }[what]
            )
            if what == "email":
                gen.email(holder, gen.persona().email)
            else:
                getattr(gen, what)(holder)
            para = para.rstrip() + " " + "".join(holder.text) + ".\n\n"
            n_ids += 1
            next_id += rng.randint(5_000, 15_000)
        parts.append(para)
        size += len(para.encode("utf-8"))
    text = "".join(parts)
    segments, current = [], ""
    for p in parts:  # ~4 KB segments, as an extractor would hand over paragraphs/pages
        current += p
        if len(current) >= 4096:
            segments.append(current)
            current = ""
    if current:
        segments.append(current)
    return text, segments, n_ids


def measure(fn: Callable[[], object], repeat: int, max_seconds: float) -> tuple[float, int]:
    """Best wall time of up to ``repeat`` runs, and the number of runs made."""
    best = float("inf")
    runs = 0
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        elapsed = time.perf_counter() - t0
        best = min(best, elapsed)
        runs += 1
        if elapsed > max_seconds:
            break
    return best, runs


def clear_caches() -> None:
    """Forget every remembered verdict and name decision (bounded LRU caches in piiscan);
    caches of data loaded once per process (gazetteers, number plans) stay."""
    for name, module in list(sys.modules.items()):
        if not name.startswith("piiscan"):
            continue
        for value in list(vars(module).values()):
            info = getattr(value, "cache_info", None)
            if info is not None and info().maxsize is not None:
                value.cache_clear()


def fresh_engine(names: bool) -> Any:
    """A new engine (default settings, or without PERSON), caches cleared."""
    from piiscan.config import EngineConfig
    from piiscan.engine import build_engine
    from piiscan.plugins import load_registry

    registry = load_registry()
    config = None
    if not names:
        full = build_engine(registry, EngineConfig(entities=("SE_PERSONNUMMER",)))
        known = {e for r in full.recognizers for e in r.supported_entities}
        config = EngineConfig(entities=tuple(sorted(known - {"PERSON"})))
    engine = build_engine(registry, config)
    # Data loaded once per process (number plans, name model) is loaded, as in any scan
    # after its first object; remembered verdicts and name decisions are then forgotten.
    # ("Zorbo", a capitalised unknown word inside a sentence, is what makes the name model
    # load: a text whose names the rules settle never calls it.)
    engine.analyze("warm-up 850601-2387 070-174 06 05 a@exempel.se Anna Svensson och Zorbo")
    clear_caches()
    return engine


def cold(names: bool, run: Callable[[Any], object]) -> float:
    """Wall time of ``run(engine)`` on a fresh engine with cleared caches, once."""
    engine = fresh_engine(names)
    t0 = time.perf_counter()
    run(engine)
    return time.perf_counter() - t0


def csv_cells(text: str, count: int) -> list[Any]:
    """``count`` cells of about 25 characters cut from ``text``, with column names."""
    from piiscan.model import Segment

    columns = ("namn", "personnummer", "telefon", "e_post", "adress", "belopp", "kommentar")
    words = text.split()
    cells = []
    position = 0
    while len(cells) < count:
        field: list[str] = []
        while sum(len(w) + 1 for w in field) < 25:
            field.append(words[position % len(words)])
            position += 1
        row, column = divmod(len(cells), len(columns))
        cells.append(
            Segment(
                text=" ".join(field),
                locator=f"row={row}/column={columns[column]}",
                context=(columns[column],),
            )
        )
    return cells


def cells_us(cells: list[Any], names: bool, batch: int = 1000) -> float:
    """Cold µs per cell through ``analyze_batch``."""
    seconds = cold(
        names,
        lambda engine: [
            engine.analyze_batch(cells[at : at + batch]) for at in range(0, len(cells), batch)
        ],
    )
    return seconds * 1e6 / len(cells)


def breakdown(engine: Any, text: str, repeat: int) -> list[tuple[str, float]]:
    """Milliseconds per MB of each stage of ``engine.analyze(text)`` (see the module doc)."""
    import datetime

    from piiscan.engine.compiled import compile_catalogue

    mb = len(text.encode("utf-8")) / 1e6

    person = next((r for _, r in engine._plan if hasattr(r, "gazetteer")), None)
    model = getattr(person, "model", None)

    def best(fn: Callable[[], object]) -> float:
        times = []
        for _ in range(repeat):
            clear_caches()
            if model is not None:  # the windows the name model remembers, forgotten too
                model._seen.clear()
            t0 = time.process_time()
            fn()
            times.append(time.process_time() - t0)
        return min(times) * 1e3 / mb

    today = datetime.date.today()
    day = (today.year, today.month, today.day)
    # The Python path is timed inside the very runs of the total (its share of the best
    # one): timed in runs of its own, its best and the total's best differ by more than the
    # rest (the name model's time varies by ±20 % from run to run on a shared machine).
    inner = engine._python_findings
    spent: list[float] = []

    def timed(*args: Any, **kwargs: Any) -> Any:
        t0 = time.process_time()
        try:
            return inner(*args, **kwargs)
        finally:
            spent.append(time.process_time() - t0)

    shares: list[tuple[float, float]] = []

    def total() -> None:
        spent.clear()
        t0 = time.process_time()
        engine.analyze(text)
        shares.append((time.process_time() - t0, sum(spent)))

    engine._python_findings = timed
    try:
        rows = [("total (Engine.analyze)", best(total))]
    finally:
        del engine._python_findings
    core = engine._core
    if core is not None:
        rows.append(
            ("core: one call, no outside findings", best(lambda: core.analyze(text, [], day, [])))
        )
    python = min(shares)[1] * 1e3 / mb
    rows.append(
        (
            "Python path: names (when on)",
            python,
        )
    )
    accounted = sum(cost for _, cost in rows[1:])
    rows.append(("rest (Finding objects, outside findings)", rows[0][1] - accounted))
    rows.extend(names_stages(engine, text, best, python))
    matcher = compile_catalogue(
        [s for s in engine.registry.specs if s.id in engine.core_path]
    ).matcher
    rows.append(("floor: the core's matching alone", best(lambda: matcher.find(text))))
    return rows


def names_stages(
    engine: Any, text: str, best: Callable[[Callable[[], object]], float], python: float
) -> list[tuple[str, float]]:
    """The names path in stages, on the whole text at once (the engine reads it in chunks):
    the core's scan (rules, candidates, the model's windows), the model on those windows
    (cold: the windows it remembers forgotten first), the combination of the two, and the
    rest of the Python path (``python``: results, context words, ``Finding`` objects) by
    difference. All zero without names; the model's row zero without a model."""
    from piiscan.names.combine import combine_found
    from piiscan.names.rules import CoreScan

    # The PERSON recognizer, when the engine runs it.
    person = next((r for _, r in engine._plan if hasattr(r, "gazetteer")), None)
    labels = (
        "  names: core scan (rules, windows)",
        "  names: model on its windows",
        "  names: combine model and rules",
        "  names: the rest of the Python path",
    )
    if person is None:
        return [(label, 0.0) for label in labels]
    gaz, model = person.gazetteer, person.model
    scan = CoreScan(text, gaz)
    scanned = best(lambda: CoreScan(text, gaz))
    spans: list[Any] = []
    read = combined = 0.0
    if model is not None:

        def read_cold() -> None:  # best() has made the model forget what it read
            spans[:] = model.found_of([(text, scan.windows)])[0]

        read = best(read_cold)
        # What the engine calls (its tuples, no objects); without a model it combines nothing.
        combined = best(lambda: combine_found(text, scan.found, spans, gaz))
    costs = (scanned, read, combined, python - scanned - read - combined)
    return list(zip(labels, costs, strict=True))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size-mb", type=float, default=2.0, help="size of each corpus (2)")
    parser.add_argument("--repeat", type=int, default=3, help="best of N warm runs (3)")
    parser.add_argument("--cells", type=int, default=100_000, help="CSV cells (100000)")
    parser.add_argument(
        "--max-seconds",
        type=float,
        default=15.0,
        help="do not repeat a measurement whose run took longer (15)",
    )
    parser.add_argument(
        "--breakdown", action="store_true", help="also print piiscan's ms/MB per stage"
    )
    args = parser.parse_args()
    sys.path.insert(0, str(HERE))
    from presidio_baseline import build_presidio

    presidio = build_presidio()
    presidio.analyze("warm-up 850601-2387", language="sv")

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; one process, one thread; load average "
        f"{os.getloadavg()[0]:.1f}; cold = fresh engine, caches cleared, text once; warm = "
        f"best of {args.repeat}\n"
    )
    rows = []
    stages: dict[str, list[tuple[str, float]]] = {}
    dense_text = ""
    for name, build in (("dense", build_dense), ("sparse", build_sparse)):
        text, docs, n_ids = build(args.size_mb)
        if name == "dense":
            dense_text = text
        mb = len(text.encode("utf-8")) / 1e6
        res: dict[str, tuple[float, int]] = {}
        res["cold"] = (cold(True, lambda e, t=text: e.analyze(t)), 1)
        res["cold −PERSON"] = (cold(False, lambda e, t=text: e.analyze(t)), 1)
        res["cold per doc"] = (cold(True, lambda e, d=docs: [e.analyze(x) for x in d]), 1)
        for label, names in (("warm", True), ("warm −PERSON", False)):
            engine = fresh_engine(names)
            engine.analyze(text)
            res[label] = measure(
                lambda e=engine, t=text: e.analyze(t), args.repeat, args.max_seconds
            )
        res["presidio"] = measure(
            lambda t=text: presidio.analyze(t, language="sv"), args.repeat, args.max_seconds
        )
        res["bare regex"] = measure(
            lambda t=text: sum(1 for _ in BARE.finditer(t)), args.repeat, args.max_seconds
        )
        speed = {k: mb / v[0] for k, v in res.items()}
        rows.append((name, mb, len(docs), n_ids, speed, {k: v[1] for k, v in res.items()}))
        if args.breakdown:
            stages[name] = breakdown(fresh_engine(True), text, args.repeat)
            stages[name + " −PERSON"] = breakdown(fresh_engine(False), text, args.repeat)

    cols = [
        "cold",
        "cold −PERSON",
        "cold per doc",
        "warm",
        "warm −PERSON",
        "presidio",
        "bare regex",
    ]
    head = (
        f"{'corpus':<8}{'MB':>6}{'segs':>7}{'ids/KB':>8}"
        + "".join(f"{c:>16}" for c in cols)
        + f"{'−PERSON/presidio':>18}"
    )
    print("MB/s; (n) = runs made")
    print(head)
    print("-" * len(head))
    for name, mb, nseg, n_ids, speed, runs in rows:
        cells = "".join(f"{speed[c]:>12.2f}{'(' + str(runs[c]) + ')':>4}" for c in cols)
        ratio = speed["cold −PERSON"] / speed["presidio"]
        print(f"{name:<8}{mb:>6.2f}{nseg:>7}{n_ids / (mb * 1e3):>8.2f}{cells}{ratio:>17.1f}×")
    print(
        "\ntargets (cold): dense −PERSON ≥ 40 MB/s and ≥ 50× presidio; dense with names ≥ 8 MB/s;"
    )
    print("sparse −PERSON ≥ 400 MB/s; short cells ≤ 3 µs per cell (names off)")
    for row in rows:
        name, _, _, _, speed, _ = row
        if name == "dense":
            print(
                f"dense −PERSON {speed['cold −PERSON']:.1f} MB/s "
                f"({speed['cold −PERSON'] / speed['presidio']:.1f}× presidio), "
                f"names {speed['cold']:.2f} MB/s"
            )
        else:
            print(f"sparse −PERSON {speed['cold −PERSON']:.1f} MB/s")

    cells = csv_cells(dense_text, args.cells)
    average = sum(len(c.text) for c in cells) / len(cells)
    off = cells_us(cells, names=False)
    on = cells_us(cells, names=True)
    print(
        f"\nshort cells: {len(cells):,} CSV cells of {average:.0f} characters on average "
        f"through analyze_batch (batches of 1,000), cold: {off:.2f} µs per cell names off, "
        f"{on:.2f} µs per cell with names"
    )
    if stages:
        names = list(stages)
        print(
            f"\n{'piiscan, ms per MB (CPU, best of ' + str(args.repeat) + ', cold caches)':<52}",
            end="",
        )
        print("".join(f"{n:>16}" for n in names))
        for position, (stage, _) in enumerate(stages[names[-1]]):
            costs = "".join(f"{stages[n][position][1]:>16.1f}" for n in names)
            print(f"{stage[:51]:<52}{costs}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
