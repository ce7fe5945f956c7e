"""The hostile tree at a chosen size: status, seconds and peak memory per file (a report, not a
test; ``tests/hostile/`` checks the same tree at scale 1 in CI).

    python benchmarks/hostile.py                 # scale 10
    python benchmarks/hostile.py --scale 100     # bigger bombs, deeper nesting, longer records
    python benchmarks/hostile.py --full          # scale 10 plus issue #15's giants: a
        # 100,000-page PDF, a 1,000,001-row XLSX, a 200 MB line, 1 GB and 16 x 256 MB zip
        # bombs, a CSV with a 50 MB field (about 10 minutes to build, an hour or more to scan)

The tree is built by ``tests/hostile/build_tree.py``. Each regular file of it is scanned on its
own, as a single-file root, by ``piiscan scan --workers 1`` in a child process, so that the
child's peak resident memory (``ru_maxrss`` from ``wait4``) belongs to that file alone; the
seconds are the child's wall time, start-up (about a second for the engine) included. Then the
whole tree (FIFO and symlink loop included; the giants, already scanned alone, excluded by glob)
is scanned once, and the totals are printed:
inputs tried, crashes (a scan that did not exit 0, or a row with ``unexpected`` in its reason),
raw identifiers leaked (any raw form of the tree's fictional identifiers in the inventory's
cells, or in what the commands printed), and the peak memory over all runs.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
KIB = 1024


def _run(args: list[str], env: dict[str, str]) -> tuple[int, float, int, str]:
    """Run ``piiscan ARGS``: exit status, wall seconds, peak RSS in KiB, stdout + stderr."""
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-c", "from piiscan.cli import main; main()", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, **env},
    )
    assert child.stdout is not None
    output = child.stdout.read().decode("utf-8", "replace")
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    return child.returncode, time.perf_counter() - started, usage.ru_maxrss, output


def _rows(inventory: Path, env: dict[str, str]) -> tuple[list[dict[str, object]], str]:
    code, _, _, output = _run(["objects", "--inventory", str(inventory)], env)
    rows = [json.loads(line) for line in output.splitlines()] if code == 0 else []
    return rows, output


def _cells(inventory: Path) -> str:
    import pyarrow.parquet as pq

    return "".join(
        json.dumps(pq.read_table(path).to_pylist(), default=str, ensure_ascii=False)
        for path in sorted(inventory.rglob("*.parquet"))
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, default=10, help="size multiplier (10)")
    parser.add_argument("--full", action="store_true", help="add the full-size giants")
    parser.add_argument("--tree", type=Path, help="scan this tree, built before, as it is")
    parser.add_argument(
        "--alone",
        choices=["all", "giants", "none"],
        default="all",
        help="which files are scanned alone (all); the whole-tree scan lists every object",
    )
    arguments = parser.parse_args()
    sys.path.insert(0, str(REPO))
    from tests.hostile.build_tree import FULL_SIZE, RAW_FORMS, build_tree

    with tempfile.TemporaryDirectory(prefix="piiscan-hostile-") as temporary:
        base = Path(temporary)
        started = time.perf_counter()
        if arguments.tree:
            root = arguments.tree
        else:
            root = build_tree(base / "root", scale=arguments.scale, full=arguments.full)
            print(f"tree built in {time.perf_counter() - started:.0f} s", flush=True)
        env = {"PIISCAN_KEY_FILE": str(base / "key"), "PIISCAN_LOG": "debug"}
        crashes = leaks = 0
        peak = 0
        print(f"{'file':<24} {'MB':>8} {'status':<12} {'s':>7} {'peak MiB':>9}  reason")
        # The giants first: they are what --full is for.
        files = sorted((p for p in root.iterdir() if p.is_file()),
                       key=lambda p: (p.name not in FULL_SIZE, p.name))  # fmt: skip
        if arguments.alone != "all":
            files = [p for p in files if arguments.alone == "giants" and p.name in FULL_SIZE]
        for number, path in enumerate(files):
            inventory = base / f"inventory-{number}"
            code, seconds, rss, printed = _run(
                ["scan", str(path), "--inventory", str(inventory), "--workers", "1",
                 "--new-key", "-q"],
                env,
            )  # fmt: skip
            rows, listed = _rows(inventory, env)
            top = next((row for row in rows if not row["member"]), {})
            crashes += code != 0 or any("unexpected" in str(row["reason"]) for row in rows)
            text = printed + listed + (_cells(inventory) if inventory.exists() else "")
            leaks += sum(form in text for form in RAW_FORMS)
            peak = max(peak, rss)
            print(
                f"{path.name:<24} {path.stat().st_size / 1e6:>8.1f} "
                f"{top.get('status', f'exit {code}')!s:<12} {seconds:>7.1f} "
                f"{rss / KIB:>9.0f}  {top.get('reason', '')}",
                flush=True,
            )
        inventory = base / "inventory-all"
        giants = [f"--exclude={name}" for name in FULL_SIZE] if arguments.full else []
        fresh = [] if (base / "key").exists() else ["--new-key"]
        code, seconds, rss, printed = _run(
            ["scan", str(root), "--inventory", str(inventory), "--workers", "1", "-q", *giants,
             *fresh],
            env,
        )  # fmt: skip
        rows, listed = _rows(inventory, env)
        if arguments.alone != "all":  # the objects not scanned alone, as the whole tree has them
            print(f"\nwhole tree (each object; {'giants excluded' if giants else 'all'}):")
            for row in rows:
                place = str(row["path"]) + (f" !/ {row['member']}" if row["member"] else "")
                print(f"  {place[:60]:<60} {row['status']!s:<12} {row['reason']}")
        crashes += code != 0 or any("unexpected" in str(row["reason"]) for row in rows)
        leaks += sum(form in printed + listed + _cells(inventory) for form in RAW_FORMS)
        peak = max(peak, rss)
        print(
            f"\nwhole tree: {len(rows)} objects in {seconds:.1f} s, peak {rss / KIB:.0f} MiB\n"
            f"inputs tried: {len(rows)}, crashes: {crashes}, raw identifiers leaked: {leaks}, "
            f"peak memory: {peak / KIB:.0f} MiB"
        )


if __name__ == "__main__":
    main()
