"""Accuracy of piiscan against presidio on the labelled Swedish corpus (a report, not a test).

    python benchmarks/accuracy.py              # table + the first piiscan errors
    python benchmarks/accuracy.py --details    # + all piiscan errors, recall per written form,
                                               #   decoys each system fell for, presidio errors
    python benchmarks/accuracy.py --as-text    # piiscan reads csv documents as whole text too

Corpus: ``fixtures/corpus/documents.jsonl`` (built by ``fixtures/corpus/make_corpus.py``).

Matching rule (documented in benchmarks/README.md):

- A prediction and a gold span *match* when they have the same entity type and their
  character spans overlap by at least one character. Matching is one-to-one per document and
  type, largest overlap first, so each gold span is counted at most once.
- An unmatched prediction that overlaps a gold span of its type that another prediction
  already matched is a *split* (e.g. an address reported as street line + postal line): it is
  neither a true nor a false positive and is counted separately.
- Any other unmatched prediction is a false positive; an unmatched gold span is a false negative.
- presidio has no samordningsnummer entity: its ``SE_PERSONNUMMER`` covers both, so for
  presidio the gold ``SE_SAMORDNINGSNUMMER`` spans are relabelled ``SE_PERSONNUMMER`` and that
  row is scored against the union.
- ``exact`` counts true positives whose span equals the gold span exactly.

How each system reads a document:

- piiscan reads it the way ``piiscan scan`` reads a file. A document of a delimited kind
  (:data:`DELIMITED_KINDS`) is handed to the extractor dispatcher as the UTF-8 bytes of a file
  named ``doc.csv``; the tabular extractor sniffs the dialect and yields one segment per
  non-empty cell with the column header as context, and each segment goes to ``scan_text``
  with that context. Each finding is mapped back into the document text: cells are located in
  order from a moving cursor (a quoted cell's text is inside its quotes). A cell that cannot be
  located, or whose gap from the cursor holds letters or digits, is *unmapped*: its findings
  are not scored and the count is printed (it is zero on the corpus). Every other document is
  one ``scan_text`` call on the whole text with no context. ``--as-text`` reads every document
  that way, as before the extractor was used.
- presidio always analyses the whole document text, as a presidio user calls it.

Every digit in printed text is masked except the last two of each token, so nothing printed
looks like a real identifier. The script always exits 0.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPUS = HERE.parent / "fixtures" / "corpus" / "documents.jsonl"

#: Entities scored, with the F1 each should reach (the targets of the issue).
TARGETS: dict[str, float] = {
    "SE_PERSONNUMMER": 0.99,
    "SE_SAMORDNINGSNUMMER": 0.99,
    "SE_ORGANISATIONSNUMMER": 0.99,
    "EMAIL_ADDRESS": 0.99,
    "IBAN_CODE": 0.99,
    "PHONE_NUMBER": 0.97,
    "CREDIT_CARD": 0.95,
    "SE_ADDRESS": 0.90,
    "SE_BANKGIRO": 0.0,
    "SE_PLUSGIRO": 0.0,
    "SE_BANK_ACCOUNT": 0.0,
    # Issue 16: technical data, birth dates, vehicle and travel document numbers.
    "IP_ADDRESS": 0.99,
    "DATE_OF_BIRTH": 0.97,
    "SE_VEHICLE_REGISTRATION": 0.97,
    "SE_PASSPORT_NUMBER": 0.97,
    "SE_ID_CARD_NUMBER": 0.97,
}
#: The entities scored before issue 16, totalled on their own so that a change elsewhere in
#: the catalogue shows whether it cost them anything.
EARLIER = tuple(TARGETS)[:11]
#: Scored and shown, but outside the micro totals (name recognition comes later).
EXTRA = ("PERSON",)
#: Document kinds piiscan reads as a delimited file (comma, semicolon, tab and pipe alike).
DELIMITED_KINDS = frozenset({"csv", "hr_csv", "vehicle_csv"})
#: The file name the delimited documents are given (the extension the dispatcher sees).
DELIMITED_NAME = "doc.csv"


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int
    type: str


@dataclass(slots=True)
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    split: int = 0
    exact: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def add(self, other: Tally) -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn
        self.split += other.split
        self.exact += other.exact


@dataclass(frozen=True, slots=True)
class Error:
    doc_id: str
    kind: str  # "FP" or "FN"
    span: Span
    note: str


@dataclass
class Result:
    name: str
    tallies: dict[str, Tally]
    errors: list[Error]
    form_hits: dict[tuple[str, str], list[int]]  # (type, form) -> [found, total]
    hard: Tally
    decoy_hits: Counter[str]
    kind_tallies: dict[str, Tally]
    seconds: float
    supported: frozenset[str]


# --------------------------------------------------------------------------------------------
# Matching
# --------------------------------------------------------------------------------------------


def _overlap(a: Span, b: Span) -> int:
    return min(a.end, b.end) - max(a.start, b.start)


def score_document(
    gold: list[Span], pred: list[Span]
) -> tuple[dict[str, Tally], list[tuple[Span, Span | None]], list[tuple[Span, bool]]]:
    """Match one document. Returns per-type tallies, (gold, matched pred or None) and
    (pred, is_false_positive) for unmatched predictions."""
    tallies: dict[str, Tally] = defaultdict(Tally)
    gold_result: list[tuple[Span, Span | None]] = []
    unmatched_pred: list[tuple[Span, bool]] = []
    for etype in sorted({s.type for s in gold} | {s.type for s in pred}):
        g = [s for s in gold if s.type == etype]
        p = [s for s in pred if s.type == etype]
        pairs = sorted(
            (
                (_overlap(gs, ps), i, j)
                for i, gs in enumerate(g)
                for j, ps in enumerate(p)
                if _overlap(gs, ps) > 0
            ),
            reverse=True,
        )
        g_match: dict[int, int] = {}
        p_used: set[int] = set()
        for _, i, j in pairs:
            if i not in g_match and j not in p_used:
                g_match[i] = j
                p_used.add(j)
        t = tallies[etype]
        for i, gs in enumerate(g):
            if i in g_match:
                ps = p[g_match[i]]
                t.tp += 1
                t.exact += (ps.start, ps.end) == (gs.start, gs.end)
                gold_result.append((gs, ps))
            else:
                t.fn += 1
                gold_result.append((gs, None))
        for j, ps in enumerate(p):
            if j in p_used:
                continue
            if any(_overlap(gs, ps) > 0 for i, gs in enumerate(g) if i in g_match):
                t.split += 1
                unmatched_pred.append((ps, False))
            else:
                t.fp += 1
                unmatched_pred.append((ps, True))
    return tallies, gold_result, unmatched_pred


def evaluate(
    name: str,
    docs: list[dict],
    analyze: Callable[[dict], Iterable[Span]],
    relabel: dict[str, str],
    supported: frozenset[str],
) -> Result:
    tallies: dict[str, Tally] = defaultdict(Tally)
    errors: list[Error] = []
    form_hits: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    hard = Tally()
    decoy_hits: Counter[str] = Counter()
    kind_tallies: dict[str, Tally] = defaultdict(Tally)
    seconds = 0.0
    for doc in docs:
        gold_meta = {}
        gold = []
        for e in doc["entities"]:
            span = Span(e["start"], e["end"], relabel.get(e["type"], e["type"]))
            gold.append(span)
            gold_meta[span] = e
        t0 = time.perf_counter()
        pred = list(analyze(doc))
        seconds += time.perf_counter() - t0
        per_type, gold_result, unmatched = score_document(gold, pred)
        for etype, t in per_type.items():
            tallies[etype].add(t)
            if etype in TARGETS and etype in supported:
                kind_tallies[doc["kind"]].add(t)
        for gs, ps in gold_result:
            meta = gold_meta[gs]
            hit = form_hits[(meta["type"], meta.get("form", ""))]
            hit[0] += ps is not None
            hit[1] += 1
            if meta.get("hard"):
                hard.tp += ps is not None
                hard.fn += ps is None
            if ps is None:
                others = sorted({p.type for p in pred if _overlap(p, gs) > 0})
                note = f"form={meta.get('form', '')}" + (
                    f"; reported as {','.join(others)}" if others else ""
                )
                errors.append(Error(doc["id"], "FN", gs, note))
        for ps, is_fp in unmatched:
            if not is_fp:
                continue
            kinds = [
                d["kind"] for d in doc["decoys"] if _overlap(Span(d["start"], d["end"], ""), ps) > 0
            ]
            golds = sorted({g.type for g in gold if _overlap(g, ps) > 0})
            decoy_hits.update(kinds)
            note = (
                f"decoy={','.join(kinds)}"
                if kinds
                else f"overlaps gold {','.join(golds)}"
                if golds
                else "no gold/decoy"
            )
            errors.append(Error(doc["id"], "FP", ps, note))
    return Result(
        name,
        dict(tallies),
        errors,
        dict(form_hits),
        hard,
        decoy_hits,
        dict(kind_tallies),
        seconds,
        frozenset(supported),
    )


# --------------------------------------------------------------------------------------------
# Systems
# --------------------------------------------------------------------------------------------


@dataclass(slots=True)
class TabularStats:
    """What reading the delimited documents through the extractor did."""

    documents: int = 0
    cells: int = 0
    with_context: int = 0
    unmapped_cells: int = 0
    unmapped_findings: int = 0
    failed: list[str] = field(default_factory=list)
    media: Counter[str] = field(default_factory=Counter)

    def line(self) -> str:
        media = ", ".join(f"{m} × {n}" for m, n in sorted(self.media.items()))
        failed = f"; extraction failed for {', '.join(self.failed)}" if self.failed else ""
        return (
            f"piiscan tabular read: {self.documents} documents ({media}), {self.cells} cells"
            f" ({self.with_context} with a column header as context), "
            f"{self.unmapped_findings} findings in {self.unmapped_cells} cells not located in "
            f"the document text (not scored){failed}"
        )


def locate_cells(text: str, cells: Iterable[str]) -> list[int | None]:
    """Offset of each cell's text in ``text``, in order from a moving cursor.

    A cell is located at the first occurrence of its text at or after the cursor, provided
    the characters skipped to reach it (delimiters, quotes, line breaks, spaces) hold no
    letter or digit; otherwise it is ``None`` and the cursor stays where it was.
    """
    offsets: list[int | None] = []
    cursor = 0
    for cell in cells:
        found = text.find(cell, cursor)
        if found < 0 or any(c.isalnum() for c in text[cursor:found]):
            offsets.append(None)
            continue
        offsets.append(found)
        cursor = found + len(cell)
    return offsets


def piiscan_system(
    as_text: bool,
) -> tuple[Callable[[dict], Iterable[Span]], frozenset[str], TabularStats] | None:
    try:
        import piiscan

        scan_text = piiscan.scan_text
    except (ImportError, AttributeError) as exc:
        print(f"piiscan.scan_text is not available ({exc}); reporting presidio only.\n")
        return None
    from piiscan.errors import ExtractionError
    from piiscan.extractors.base import Blob, Limits
    from piiscan.extractors.dispatch import extract
    from piiscan.model import Segment

    scan_text("warm-up 850601-2387")  # build the engine outside the timed loop
    stats = TabularStats()
    limits = Limits()

    def whole(text: str) -> list[Span]:
        return [Span(f.start, f.end, f.entity_type) for f in scan_text(text)]

    def tabular(doc: dict) -> list[Span]:
        text = doc["text"]
        stats.documents += 1
        blob = Blob.from_bytes(DELIMITED_NAME, text.encode("utf-8"))
        try:
            media, items = extract(blob, limits)
            segments = [item for item in items if isinstance(item, Segment)]
        except ExtractionError as exc:  # as in `piiscan scan`: the file is a row, no findings
            stats.failed.append(f"{doc['id']} ({type(exc).__name__})")
            return []
        stats.media[media] += 1
        stats.cells += len(segments)
        stats.with_context += sum(bool(segment.context) for segment in segments)
        spans: list[Span] = []
        for segment, offset in zip(
            segments, locate_cells(text, (s.text for s in segments)), strict=True
        ):
            findings = scan_text(segment.text, segment.context)
            if offset is None:
                stats.unmapped_cells += 1
                stats.unmapped_findings += len(findings)
                continue
            spans += [Span(offset + f.start, offset + f.end, f.entity_type) for f in findings]
        return spans

    def analyze(doc: dict) -> list[Span]:
        if as_text or doc["kind"] not in DELIMITED_KINDS:
            return whole(doc["text"])
        return tabular(doc)

    supported = frozenset(TARGETS) | (frozenset(EXTRA) if _emits_person(scan_text) else frozenset())
    return analyze, supported, stats


def _emits_person(scan_text: Callable) -> bool:
    try:
        return any(f.entity_type == "PERSON" for f in scan_text("Hej Anna Andersson!"))
    except Exception:  # a report must not crash on a probe
        return False


def presidio_system() -> tuple[Callable[[dict], Iterable[Span]], frozenset[str]]:
    from presidio_baseline import PRESIDIO_ENTITIES, build_presidio

    engine = build_presidio()
    engine.analyze("warm-up", language="sv")

    def analyze(doc: dict) -> list[Span]:
        results = engine.analyze(doc["text"], language="sv")
        return [Span(r.start, r.end, r.entity_type) for r in results]

    return analyze, frozenset(PRESIDIO_ENTITIES)


# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------


def mask(text: str) -> str:
    """Mask every digit except the last two of each whitespace-separated token."""

    def one(token: str) -> str:
        digits = [i for i, c in enumerate(token) if c.isdigit()]
        keep = set(digits[-2:])
        return "".join("*" if c.isdigit() and i not in keep else c for i, c in enumerate(token))

    return re.sub(r"\S+", lambda m: one(m.group()), text)


def mask_span(text: str) -> str:
    """Mask every digit of an identifier except its last two."""
    digits = [i for i, c in enumerate(text) if c.isdigit()]
    keep = set(digits[-2:])
    return "".join("*" if c.isdigit() and i not in keep else c for i, c in enumerate(text))


def _show(text: str, span: Span, width: int = 28) -> str:
    left = text[max(0, span.start - width) : span.start]
    right = text[span.end : span.end + width]
    inner = text[span.start : span.end]
    flat = lambda s: s.replace("\n", "⏎").replace("\t", "⇥")  # noqa: E731
    return f"…{flat(mask(left))}[{flat(mask_span(inner))}]{flat(mask(right))}…"


def _cell(t: Tally | None, ok: bool) -> str:
    if not ok or t is None:
        return f"{'n/a':>5} {'':>5} {'':>5}"
    return f"{t.precision:5.3f} {t.recall:5.3f} {t.f1:5.3f}"


def print_table(docs: list[dict], results: list[Result]) -> None:
    gold_counts = Counter(e["type"] for d in docs for e in d["entities"])
    names = [r.name for r in results]
    head = f"{'entity':<24}{'gold':>6}  " + "  ".join(f"{n + ' P/R/F1':<17}" for n in names)
    head += f"  {'TP/FP/FN/split/exact (piiscan)':<31}{'target F1':>10}"
    print(head)
    print("-" * len(head))
    for etype in [*TARGETS, *EXTRA]:
        cells = []
        for r in results:
            if r.name == "presidio" and etype == "SE_SAMORDNINGSNUMMER":
                cells.append(f"{'(in row above)':<17}")
                continue
            cells.append(_cell(r.tallies.get(etype, Tally()), etype in r.supported))
        pii = results[0] if results[0].name == "piiscan" else None
        counts = ""
        verdict = ""
        if pii is not None:
            t = pii.tallies.get(etype, Tally())
            counts = f"{t.tp}/{t.fp}/{t.fn}/{t.split}/{t.exact}"
            target = TARGETS.get(etype)
            if target:
                verdict = f"≥{target:.2f} " + ("ok" if t.f1 >= target else "MISS")
            elif etype in TARGETS:
                verdict = "(none)"
            else:
                verdict = "(later)"
        label = etype + (" *" if etype == "SE_PERSONNUMMER" else "")
        print(
            f"{label:<24}{gold_counts.get(etype, 0):>6}  "
            + "  ".join(cells)
            + f"  {counts:<31}{verdict:>10}"
        )
    # Predicted types nobody labelled (e.g. IP_ADDRESS, DATE_TIME): all false positives.
    for r in results:
        for etype, t in sorted(r.tallies.items()):
            if etype not in TARGETS and etype not in EXTRA and t.fp:
                print(f"  {r.name} also reported {t.fp} × {etype} (not labelled in the corpus)")
    print("-" * len(head))
    common = results[-1].supported | {"SE_SAMORDNINGSNUMMER"}
    for label, types in (
        (f"micro, all {len(TARGETS)} target entities", list(TARGETS)),
        (f"micro, the {len(EARLIER)} earlier ones", list(EARLIER)),
        ("micro, entities presidio has", sorted(common)),
    ):
        cells = []
        for r in results:
            total = Tally()
            for etype in types:
                total.add(r.tallies.get(etype, Tally()))
            cells.append(_cell(total, True))
        print(f"{label:<32}" + "  ".join(cells))
    for r in results:
        hard = f"{r.hard.recall:.3f} ({r.hard.tp}/{r.hard.tp + r.hard.fn})"
        print(
            f"{r.name}: hard cases recall {hard}, decoys reported {sum(r.decoy_hits.values())}, "
            f"{sum(len(d['text']) for d in docs) / 1e6 / r.seconds:.2f} MB/s while scoring"
        )
    print(
        "* presidio has no samordningsnummer entity; its SE_PERSONNUMMER row is scored against "
        "personnummer ∪ samordningsnummer."
    )


def print_errors(docs: list[dict], result: Result, limit: int | None) -> None:
    by_id = {d["id"]: d for d in docs}
    errors = sorted(
        (e for e in result.errors if e.span.type in result.supported),
        key=lambda e: (e.span.type, e.kind, e.doc_id, e.span.start),
    )
    shown = errors
    if limit is not None:  # the first `limit` of each (type, FP/FN) group
        seen: Counter[tuple[str, str]] = Counter()
        shown = []
        for e in errors:
            seen[(e.span.type, e.kind)] += 1
            if seen[(e.span.type, e.kind)] <= limit:
                shown.append(e)
    print(
        f"\n{result.name} errors: {sum(e.kind == 'FP' for e in errors)} false positives, "
        f"{sum(e.kind == 'FN' for e in errors)} false negatives"
        + (
            f" (showing up to {limit} per entity and kind; --details for all)"
            if len(shown) < len(errors)
            else ""
        )
    )
    for e in shown:
        shown_text = _show(by_id[e.doc_id]["text"], e.span)
        print(f"  {e.kind} {e.span.type:<22} {e.doc_id:<12} {shown_text}  ({e.note})")


def print_details(results: list[Result]) -> None:
    print("\nMicro P/R/F1 by document kind (each system over the target entities it supports):")
    for kind in sorted({k for r in results for k in r.kind_tallies}):
        print(
            f"  {kind:<10}"
            + "  ".join(f"{r.name}={_cell(r.kind_tallies.get(kind), True)}" for r in results)
        )
    print("\nRecall by written form (found/total):")
    keys = sorted({k for r in results for k in r.form_hits})
    print(f"  {'entity':<24}{'form':<22}" + "".join(f"{r.name:>14}" for r in results))
    for key in keys:
        cells = []
        for r in results:
            found, total = r.form_hits.get(key, [0, 0])
            cells.append(f"{found:>6}/{total:<4} " if total else f"{'':>14}")
        print(f"  {key[0]:<24}{key[1]:<22}" + "".join(f"{c:>14}" for c in cells))
    print("\nDecoys reported as personal data (false positives overlapping a decoy):")
    kinds = sorted({k for r in results for k in r.decoy_hits})
    for k in kinds:
        print(f"  {k:<16}" + "".join(f"{r.name}={r.decoy_hits[k]:<6} " for r in results))
    if not kinds:
        print("  none")


def main() -> int:
    parser = argparse.ArgumentParser(description="piiscan vs presidio accuracy on the corpus")
    parser.add_argument(
        "--details",
        action="store_true",
        help="all errors, recall per form, decoy hits, presidio errors",
    )
    parser.add_argument(
        "--as-text",
        action="store_true",
        help="piiscan reads csv documents as one whole text too, without column headers",
    )
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    args = parser.parse_args()
    sys.path.insert(0, str(HERE))

    docs = [json.loads(line) for line in args.corpus.read_text("utf-8").splitlines()]
    decoys = Counter(d["kind"] for doc in docs for d in doc["decoys"])
    print(
        f"corpus: {len(docs)} documents, {sum(len(d['entities']) for d in docs)} labelled spans,"
        f" {sum(decoys.values())} decoys, {sum(len(d['text']) for d in docs) / 1e3:.0f} kB"
    )
    from presidio_baseline import describe

    print("baseline:", describe())
    kinds = ", ".join(sorted(DELIMITED_KINDS))
    print(
        "read: every document as one whole text with no context, by both systems (--as-text)"
        if args.as_text
        else f"read: {kinds} documents read by piiscan's tabular extractor with column headers "
        "as context; everything else, and everything presidio reads, as one whole text"
    )
    print("match: same type and overlapping span, one-to-one per document (see module doc)\n")

    results = []
    pii = piiscan_system(args.as_text)
    if pii is not None:
        results.append(evaluate("piiscan", docs, pii[0], {}, pii[1]))
    analyze, supported = presidio_system()
    results.append(
        evaluate("presidio", docs, analyze, {"SE_SAMORDNINGSNUMMER": "SE_PERSONNUMMER"}, supported)
    )
    print_table(docs, results)
    if pii is not None and not args.as_text:
        print(pii[2].line())
    if pii is not None:
        print_errors(docs, results[0], None if args.details else 6)
    if args.details:
        print_details(results)
        print_errors(docs, results[-1], None)
    return 0


if __name__ == "__main__":
    try:
        main()
    except Exception as exc:  # a report always exits 0
        print(f"accuracy report failed: {type(exc).__name__}: {exc}", file=sys.stderr)
    sys.exit(0)
