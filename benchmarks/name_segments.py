"""What scanning names costs the driver (a report, not a test).

    python benchmarks/name_segments.py                # 2,000 objects, 200,000 cells
    python benchmarks/name_segments.py --objects 5000 --cells 1000000

Three figures, through the driver's own functions (:mod:`piiscan.scan.names`) and a fresh
engine with the built-in recognizers, warmed up once (the name model loaded):

1. **names per object**: :func:`~piiscan.scan.names.scan_names` for files three folders deep
   (50 files per folder, so folder names come from the per-process cache after the first
   file) and for files at the root; µs per object.
2. **first file of a folder**: the same with a new folder for every file (no cache hits).
3. **masked locators**: :meth:`~piiscan.scan.names.NameMasks.locator` for every cell of a
   sheet whose name holds a personnummer (each locator parsed, masked and rendered again)
   against a sheet with a plain name (the locator returned as it is); µs per cell.
"""

from __future__ import annotations

import argparse
import time

from piiscan.engine import build_engine
from piiscan.model import ObjectRef, Segment
from piiscan.plugins import load_registry
from piiscan.scan.names import NameMasks, scan_names

# Fictional: Skatteverket's test personnummer.
PERSONNUMMER = "19121212-1212"


def _per_object(refs: list[ObjectRef], engine: object) -> float:
    started = time.perf_counter()
    for ref in refs:
        scan_names(ref, engine)  # type: ignore[arg-type]
    return (time.perf_counter() - started) / len(refs) * 1e6


def _per_cell(sheet: str, cells: int, engine: object) -> float:
    masks = NameMasks(engine.analyze)  # type: ignore[attr-defined]
    segments = [
        Segment(text="x", locator=f"sheet={sheet}/cell=B{row}", names=(sheet,))
        for row in range(1, cells + 1)
    ]
    started = time.perf_counter()
    for segment in segments:
        masks.locator(segment)
    return (time.perf_counter() - started) / cells * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--objects", type=int, default=2000, help="objects per row [2000]")
    parser.add_argument("--cells", type=int, default=200_000, help="cells per sheet [200000]")
    args = parser.parse_args()
    engine = build_engine(load_registry(()))
    engine.analyze(f"Kontakta Zorbo Quapp, personnummer {PERSONNUMMER}")
    n = args.objects
    deep = [
        ObjectRef(root="r", path=f"a{i // 50}/Ekonomi/Kunder/kunder_{i}.xlsx") for i in range(n)
    ]
    fresh = [ObjectRef(root="r", path=f"b{i}/Ekonomi{i}/Kunder{i}/kunder.xlsx") for i in range(n)]
    flat = [ObjectRef(root="r", path=f"fil{i}.txt") for i in range(n)]
    print(f"names per object ({n} objects), µs")
    print(f"  three folders deep, 50 files per folder  {_per_object(deep, engine):8.0f}")
    print(f"  three folders deep, a new folder each    {_per_object(fresh, engine):8.0f}")
    print(f"  at the root                              {_per_object(flat, engine):8.0f}")
    print(f"locator of a cell ({args.cells} cells), µs")
    masked = _per_cell(PERSONNUMMER, args.cells, engine)
    print(f"  sheet named {PERSONNUMMER} (masked)   {masked:8.2f}")
    print(
        f"  sheet named Kunder (as it is)            {_per_cell('Kunder', args.cells, engine):8.2f}"
    )


if __name__ == "__main__":
    main()
