"""The core's linear-time matcher against the catalogue's Python patterns (a report, not a test).

    python benchmarks/core_matcher.py                 # 2 MB per corpus, best of 3
    python benchmarks/core_matcher.py --size-mb 4 --repeat 5

On the dense and sparse corpora of ``throughput.py`` it finds the candidates of every built-in
recognizer the core compiles (all but ``se.address``) over the whole text, twice:

- ``python``: each recognizer's alternation of patterns (strongest first, as the engine builds
  it) with ``regex.finditer``, as the engine would without its candidate windows;
- ``core``: ``piiscan.engine.compiled.compile_catalogue(...).matcher.find`` (one ``RegexSet``
  pass, then the recognizers that can match), offsets converted to characters.

It prints MB/s (UTF-8 bytes / best wall time, one thread), the number of matches and whether
both found the same matches. The engine's own candidate stage runs the Python patterns only in
windows around digit runs (see ``throughput.py --breakdown``), so ``python`` here is the
whole-text cost that the windows avoid, and ``core`` what replaces both.
"""

from __future__ import annotations

import argparse
import functools
import sys
import time
from collections.abc import Callable
from pathlib import Path

import regex

sys.path.insert(0, str(Path(__file__).resolve().parent))

from throughput import build_dense, build_sparse

from piiscan.engine.compiled import compile_catalogue, strongest_first
from piiscan.plugins import load_registry


def best_of(repeat: int, run: Callable[[], object]) -> float:
    """The best wall time of ``repeat`` runs of ``run``."""
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - started)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=float, default=2.0, help="size of each corpus (2)")
    parser.add_argument("--repeat", type=int, default=3, help="best of N runs (3)")
    args = parser.parse_args()

    started = time.perf_counter()
    catalogue = compile_catalogue(load_registry(use_entry_points=False).specs)
    print(
        f"compiled {len(catalogue.compiled)} recognizers in {time.perf_counter() - started:.2f} s;"
        f" Python only: {', '.join(catalogue.python_only) or 'none'}"
    )
    python_patterns = []
    for spec in catalogue.compiled:
        ordered = strongest_first(spec)
        combined = "|".join(f"(?P<_p{i}>{p})" for i, p in enumerate(ordered))
        python_patterns.append(regex.compile(combined, regex.IGNORECASE if spec.ignore_case else 0))

    def python_find(text: str) -> list[tuple[int, int, int, int]]:
        found = []
        for recognizer, pattern in enumerate(python_patterns):
            value = "value" in pattern.groupindex
            for match in pattern.finditer(text):
                span = match.span("value") if value and match.start("value") >= 0 else match.span()
                if span[0] != span[1]:
                    found.append((recognizer, int((match.lastgroup or "_p0")[2:]), *span))
        return found

    header = f"{'corpus':8} {'MB':>5} {'matches':>8} {'python MB/s':>12} {'core MB/s':>10}"
    print(f"{header} {'ratio':>6}  same")
    for name, build in (("dense", build_dense), ("sparse", build_sparse)):
        text = build(args.size_mb)[0]
        megabytes = len(text.encode("utf-8")) / 1e6
        python_found = sorted(python_find(text))
        core_found = sorted(catalogue.matcher.find(text))
        python_time = best_of(args.repeat, functools.partial(python_find, text))
        core_time = best_of(args.repeat, functools.partial(catalogue.matcher.find, text))
        print(
            f"{name:8} {megabytes:5.2f} {len(core_found):8d} {megabytes / python_time:12.1f}"
            f" {megabytes / core_time:10.1f} {python_time / core_time:5.1f}×  "
            f"{'yes' if python_found == core_found else 'NO'}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
