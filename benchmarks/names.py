"""PERSON accuracy and the cost of name detection (a report, not a test).

    python benchmarks/names.py                   # accuracy on both sets + throughput on 1 MB
    python benchmarks/names.py --size-mb 2 --repeat 3 --errors 10

Accuracy: precision, recall and F1 of ``PERSON`` on

- **news**: the 15 % of the klintan corpus train file that ``training/train_ner.py`` held out
  (``fixtures/names/news_heldout.conll``; never trained on); sentences are scanned one at a
  time, tokens joined with spaces as in training;
- **business**: ``fixtures/names/business.jsonl`` (``make_business.py``), fictional e-mails,
  minutes, invoices, case notes, staff lists and contracts with planted names and traps.

Match rules: ``exact`` = identical character span; ``overlap`` = one-to-one, largest overlap
first (as ``benchmarks/accuracy.py``). Systems: piiscan with the bundled model, piiscan with
gazetteer and rules only (``person_model="none"``), the bundled model alone (PER spans, no
gazetteer), presidio configured for Swedish without a model (``NoOpNlpEngine``: it has no
name recognizer, so it finds none), and an installed ``sv_core_news_*`` pipeline if any.

Throughput: MB/s on the dense business corpus of ``benchmarks/throughput.py`` with no PERSON
recognizer, with gazetteer only, and with the bundled model: one ``Engine.analyze`` per
document, ``Engine.analyze_batch`` over 100 documents at a time (the model reads the sentences
of a whole batch in one call) and one ``analyze`` of the whole text; plus the share of
characters the model was shown.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
FIXTURES = ROOT / "fixtures" / "names"
NO_SPACE_BEFORE = frozenset(".,:;!?)]}%»”")
NO_SPACE_AFTER = frozenset("([{«“")
TARGETS = {"news": 0.85, "business": 0.92}
BATCH = 100
"""Documents per ``Engine.analyze_batch`` call in the throughput figures."""
SPACY_PIPELINES = ("sv_core_news_lg", "sv_core_news_md", "sv_core_news_sm")

Span = tuple[int, int]
Doc = tuple[str, list[Span]]


def load_news(path: Path) -> list[Doc]:
    """Held-out sentences as text with gold PER character spans."""
    docs: list[Doc] = []
    tokens: list[tuple[str, str]] = []
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if line.strip():
            token, label = line.rsplit("\t", 1)
            tokens.append((token, label))
            continue
        if not tokens:
            continue
        text, spans, label_before = "", [], "O"
        for i, (token, label) in enumerate(tokens):
            start = len(text)
            text += token
            if label == "PER" and label_before == "PER":
                spans[-1] = (spans[-1][0], len(text))
            elif label == "PER":
                spans.append((start, len(text)))
            label_before = label
            nxt = tokens[i + 1][0] if i + 1 < len(tokens) else ""
            if nxt and nxt not in NO_SPACE_BEFORE and token not in NO_SPACE_AFTER:
                text += " "
        docs.append((text, spans))
        tokens = []
    return docs


def load_business(path: Path) -> list[Doc]:
    """The planted names of the business documents."""
    docs = []
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        docs.append((row["text"], [tuple(s) for s in row["names"]]))
    return docs


def score(
    gold: Sequence[Sequence[Span]], pred: Sequence[Sequence[Span]], *, exact: bool
) -> tuple[float, float, float, int, int, int]:
    """Precision, recall, F1, TP, FP, FN over documents."""
    tp = fp = fn = 0
    for g_spans, p_spans in zip(gold, pred, strict=True):
        if exact:
            g, p = set(g_spans), set(p_spans)
            hits = len(g & p)
        else:
            pairs = sorted(
                (
                    (min(ge, pe) - max(gs, ps), gi, pi)
                    for gi, (gs, ge) in enumerate(g_spans)
                    for pi, (ps, pe) in enumerate(p_spans)
                    if min(ge, pe) > max(gs, ps)
                ),
                reverse=True,
            )
            used_g: set[int] = set()
            used_p: set[int] = set()
            for _, gi, pi in pairs:
                if gi not in used_g and pi not in used_p:
                    used_g.add(gi)
                    used_p.add(pi)
            hits = len(used_g)
        tp += hits
        fp += len(p_spans) - hits
        fn += len(g_spans) - hits
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1, tp, fp, fn


def engine_for(model: str | None) -> object:
    """A piiscan engine; ``model=None`` leaves the PERSON recognizer out entirely."""
    from piiscan.config import EngineConfig
    from piiscan.engine import Engine
    from piiscan.plugins import Registry, load_registry

    registry = load_registry()
    if model is None:
        registry = Registry(
            specs=tuple(spec for spec in registry.specs if spec.entity != "PERSON"),
            validators=registry.validators,
            catalogue_dirs=registry.catalogue_dirs,
        )
    # The model is chosen by EngineConfig.person_model, which wins over the spec's option.
    return Engine(registry, EngineConfig(person_model=model or "none"))


def piiscan_system(model: str) -> Callable[[str], list[Span]]:
    """PERSON spans of the whole piiscan engine with the given ``person_model``."""
    engine = engine_for(model)

    def run(text: str) -> list[Span]:
        return [(f.start, f.end) for f in engine.analyze(text) if f.entity_type == "PERSON"]  # type: ignore[attr-defined]

    return run


def model_alone() -> Callable[[str], list[Span]]:
    """PER entities of the bundled model on the whole text, no gazetteer, no rules."""
    import spacy

    from piiscan.engine.person import bundled_model_path

    nlp = spacy.load(bundled_model_path())

    def run(text: str) -> list[Span]:
        return [(e.start_char, e.end_char) for e in nlp(text).ents if e.label_ == "PER"]

    return run


def presidio_system() -> Callable[[str], list[Span]]:
    """presidio for Swedish without a model (``benchmarks/presidio_baseline.py``)."""
    spec = importlib.util.spec_from_file_location(
        "presidio_baseline", HERE / "presidio_baseline.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    analyzer = module.build_presidio()

    def run(text: str) -> list[Span]:
        results = analyzer.analyze(text=text, language="sv")
        return [(r.start, r.end) for r in results if r.entity_type == "PERSON"]

    return run


def show_errors(name: str, docs: Sequence[Doc], pred: Sequence[Sequence[Span]], limit: int) -> None:
    """Print a few false positives/negatives with the name letters masked."""
    import regex

    def masked(text: str) -> str:
        return regex.sub(r"(?<=\p{L})\p{L}", "*", text).replace("\n", "⏎")

    shown = 0
    for (text, gold), p_spans in zip(docs, pred, strict=True):
        for kind, spans, other in (("FN", gold, p_spans), ("FP", p_spans, gold)):
            for s, e in spans:
                if any(min(e, oe) > max(s, os_) for os_, oe in other):
                    continue
                if shown >= limit:
                    return
                shown += 1
                left = text[max(0, s - 30) : s].replace("\n", "⏎")
                print(f"    {name} {kind}: …{left}[{masked(text[s:e])}]{text[e : e + 20]!r}")


def accuracy(docs_by_set: dict[str, list[Doc]], errors: int) -> None:
    """Print the accuracy table."""
    from piiscan.engine.person import resolve_model

    systems: list[tuple[str, Callable[[], Callable[[str], list[Span]]]]] = [
        ("piiscan bundled model", lambda: piiscan_system("bundled")),
        ("piiscan gazetteer only", lambda: piiscan_system("none")),
        ("bundled model alone", model_alone),
        ("presidio, no model", presidio_system),
    ]
    for name in SPACY_PIPELINES:
        try:
            resolve_model(name)
        except Exception:  # not installed: say so below
            print(f"(spaCy pipeline {name} is not installed; not compared)")
            continue
        systems.append((f"piiscan + {name}", lambda n=name: piiscan_system(n)))  # type: ignore[misc]
    header = (
        f"{'set':9} {'system':26} {'match':7} {'P':>6} {'R':>6} {'F1':>6} "
        f"{'TP':>5} {'FP':>5} {'FN':>5}"
    )
    print(header)
    print("-" * len(header))
    for set_name, docs in docs_by_set.items():
        gold = [spans for _, spans in docs]
        for sys_name, factory in systems:
            run = factory()
            started = time.perf_counter()
            pred = [run(text) for text, _ in docs]
            seconds = time.perf_counter() - started
            for exact in (True, False):
                p, r, f, tp, fp, fn = score(gold, pred, exact=exact)
                print(
                    f"{set_name:9} {sys_name:26} {'exact' if exact else 'overlap':7} "
                    f"{p:6.3f} {r:6.3f} {f:6.3f} {tp:5d} {fp:5d} {fn:5d}"
                    + (f"   ({seconds:.1f} s)" if exact else "")
                )
            if errors and sys_name == "piiscan bundled model":
                show_errors(set_name, docs, pred, errors)
        print(f"{set_name:9} target F1 ≥ {TARGETS[set_name]:.2f}")
        print()


def throughput(size_mb: float, repeat: int) -> None:
    """Print MB/s on the dense corpus with and without the PERSON recognizer."""
    spec = importlib.util.spec_from_file_location("throughput", HERE / "throughput.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["throughput"] = module
    spec.loader.exec_module(module)
    text, docs, _ = module.build_dense(size_mb)
    size = len(text.encode("utf-8")) / 1e6
    print(f"throughput on dense business text ({size:.2f} MB, {len(docs)} documents, one core)")
    from piiscan.model import Segment

    segments = [Segment(text=doc, locator=f"doc={n}") for n, doc in enumerate(docs)]
    for label, model in (
        ("no PERSON recognizer", None),
        ("PERSON, person_model='none'", "none"),
        ("PERSON, person_model='bundled'", "bundled"),
    ):
        engine = engine_for(model)
        engine.analyze("Hej Zorbo Quapp, välkommen.")  # type: ignore[attr-defined]  # load
        per_doc = whole = batched = float("inf")
        for _ in range(repeat):
            started = time.perf_counter()
            for doc in docs:
                engine.analyze(doc)  # type: ignore[attr-defined]
            per_doc = min(per_doc, time.perf_counter() - started)
            started = time.perf_counter()
            for at in range(0, len(segments), BATCH):
                engine.analyze_batch(segments[at : at + BATCH])  # type: ignore[attr-defined]
            batched = min(batched, time.perf_counter() - started)
            started = time.perf_counter()
            engine.analyze(text)  # type: ignore[attr-defined]
            whole = min(whole, time.perf_counter() - started)
        print(
            f"  {label:32} {size / per_doc:7.2f} MB/s per doc   {size / batched:7.2f} MB/s in "
            f"batches of {BATCH}   {size / whole:7.2f} MB/s whole"
        )
    from piiscan.names import bundled_gazetteer, find_candidates, model_windows

    gaz = bundled_gazetteer()
    shown = sum(e - s for d in docs for s, e in model_windows(d, find_candidates(d, gaz), gaz))
    print(f"  share of characters shown to the model: {shown / max(1, sum(map(len, docs))):.1%}")
    rules_cost(docs, size, repeat)


def rules_cost(docs: Sequence[str], size: float, repeat: int) -> None:
    """ms/MB of the name rules and model windows (no model) per document, with the capitals
    read by the Python ``NameScan`` and by the core's ``CoreScan``, in the same run; each
    run starts with the rules' look-up caches cleared (cold)."""
    from piiscan.names import bundled_gazetteer, find_candidates, model_windows, rules
    from piiscan.names.combine import _may_trigger

    gaz = bundled_gazetteer()
    rules.core_rules(gaz)  # built once per engine, outside the timing
    rules.quiet_words(gaz)
    scans: tuple[tuple[str, Callable[[str], rules.NameScan | rules.CoreScan]], ...] = (
        ("Python NameScan", rules.NameScan),
        ("core CoreScan", lambda doc: rules.CoreScan(doc, gaz)),
    )
    best: dict[str, float] = {}
    for label, make in scans:
        best[label] = float("inf")
        for _ in range(repeat):
            for cached in (rules._classify, rules._key_flags, rules._may_name):
                cached.cache_clear()
            _may_trigger.cache_clear()
            started = time.perf_counter()
            for doc in docs:
                scan = make(doc)
                model_windows(doc, find_candidates(doc, gaz, scan=scan), gaz, scan=scan)
            best[label] = min(best[label], time.perf_counter() - started)
    python, core = best["Python NameScan"], best["core CoreScan"]
    print(
        f"  name rules + model windows, cold, per doc: Python NameScan {python / size * 1e3:.0f}"
        f" ms/MB, core CoreScan {core / size * 1e3:.0f} ms/MB ({python / core:.1f}x)"
    )


def model_facts() -> None:
    """Size on disk and training figures of the bundled model."""
    from piiscan.engine.person import bundled_model_path

    path = bundled_model_path()
    size = sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
    metrics_file = path.parent / "metrics.json"
    if not metrics_file.is_file():
        print(f"bundled model: {size / 1e6:.1f} MB on disk (no metrics.json)")
        return
    metrics = json.loads(metrics_file.read_text(encoding="utf-8"))
    print(
        f"bundled model: {size / 1e6:.1f} MB on disk; trained {metrics['training_seconds']} s, "
        f"{metrics['epochs']} epochs on {metrics['sentences']['train']} sentences; "
        f"held-out PER (model alone, exact tokens) {metrics['heldout_per_model_alone']}"
    )


def main(argv: Iterable[str] | None = None) -> int:
    """Run the report; always exits 0."""
    parser = argparse.ArgumentParser(description="PERSON accuracy and throughput")
    parser.add_argument("--size-mb", type=float, default=1.0)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--errors", type=int, default=0, help="print this many errors per set")
    parser.add_argument("--no-throughput", action="store_true")
    args = parser.parse_args(list(argv) if argv is not None else None)
    sys.path.insert(0, str(ROOT / "src"))
    model_facts()
    print()
    accuracy(
        {
            "news": load_news(FIXTURES / "news_heldout.conll"),
            "business": load_business(FIXTURES / "business.jsonl"),
        },
        args.errors,
    )
    if not args.no_throughput:
        throughput(args.size_mb, args.repeat)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
