"""A fixed-budget fuzz of the extractors (a report, not a test; CI never runs it).

    pip install -e '.[dev,fuzz]'                   # atheris (a wheel for CPython 3.11 x86-64)
    python benchmarks/fuzz.py                      # every target, 30 s each
    python benchmarks/fuzz.py --seconds 300 --target csv --target pdf
    python benchmarks/fuzz.py --engine random      # without atheris: seeded random mutation

Each target (``tests/fuzz/harness.py``: text decoding, CSV, JSON, XML, HTML, Word, Excel,
PowerPoint, OpenDocument, RTF, PDF, Parquet, zip/tar/7z/gzip, eml/mbox/msg, SQL dumps of
PostgreSQL and MariaDB, SQLite, and sniffing itself) runs in a child process for its budget.
An input is the bytes of one object, read through the dispatcher as a scan reads it, members
included; it *crashes* when an exception other than an ``ExtractionError`` escapes, a reason
quotes the content, an item is malformed, it runs longer than ``--timeout`` seconds (a hang) or
the process grows past ``--rss-mb`` (unbounded memory).

Engines:

- ``atheris`` (default): coverage-guided (libFuzzer), piiscan's modules and the pure-Python
  libraries under them instrumented; the seeds are the share fixtures of each format. A child
  stops at its first crash and leaves the input as ``crash-*``, ``timeout-*`` or ``oom-*`` in
  ``--out``.
- ``random``: no coverage; byte flips, cuts, repeats and splices of the seeds from a seeded
  generator, for a machine where atheris cannot be installed. Same checks, same artefacts.

Each crash found becomes a case of ``tests/fuzz/test_regressions.py`` once fixed. Printed per
target: inputs run, seconds, and the crash (its kind and the broken rule, never the content).
"""

from __future__ import annotations

import argparse
import hashlib
import random
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

# Pure-Python code under the extractors that coverage should see (compiled ones are fuzzed
# blind: lxml, calamine, pypdfium2, pyarrow).
INSTRUMENTED = ("piiscan", "docx", "pptx", "odfdo", "striprtf", "py7zr", "olefile",
                "extract_msg", "chardet", "openpyxl")  # fmt: skip


def _mutate(rng: random.Random, data: bytes, seeds: list[bytes]) -> bytes:
    """One random change of ``data``: flips, cuts, repeats, splices, interesting bytes."""
    out = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        where = rng.randrange(len(out) + 1)
        choice = rng.randrange(7)
        if choice == 0 and out:
            out[min(where, len(out) - 1)] ^= 1 << rng.randrange(8)
        elif choice == 1:
            del out[where : where + rng.randint(1, 64)]
        elif choice == 2:
            piece = out[where : where + rng.randint(1, 64)]
            out[where:where] = piece * rng.randint(1, 64)
        elif choice == 3:
            other = rng.choice(seeds)
            start = rng.randrange(len(other) + 1)
            out[where:where] = other[start : start + rng.randint(1, 256)]
        elif choice == 4:
            out[where:where] = rng.choice(
                [
                    b"\x00",
                    b"\xff",
                    b"\xfe\xff",
                    b'"',
                    b"\n",
                    b"<",
                    b"{",
                    b"'",
                    b";",
                    b"\\",
                    b"\r\n",
                    b"PK\x03\x04",
                ]
            )
        elif choice == 5:
            del out[where:]
        elif out:
            out[min(where, len(out) - 1)] = rng.randrange(256)
    return bytes(out)


def _child_random(name: str, seconds: float, timeout: int, rss_mb: int, out: Path) -> int:
    from tests.fuzz.harness import TARGETS, ContractBroken, check

    target = TARGETS[name]
    seeds = [path.read_bytes() for path in target.seeds] or [b""]
    rng = random.Random(int(hashlib.sha256(name.encode()).hexdigest()[:8], 16))

    def hung(signum: int, frame: object) -> None:
        raise TimeoutError

    signal.signal(signal.SIGALRM, hung)
    runs = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        data = _mutate(rng, rng.choice(seeds), seeds)
        runs += 1
        kind = message = ""
        signal.alarm(timeout)
        try:
            check(target, data)
        except TimeoutError:
            kind, message = "timeout", f"over {timeout} s"
        except ContractBroken as error:
            kind, message = "crash", str(error)
        finally:
            signal.alarm(0)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
        if not kind and peak > rss_mb:
            kind, message = "oom", f"peak RSS {peak} MB > {rss_mb} MB"
        if kind:
            artefact = out / f"{name}-{kind}-{hashlib.sha1(data).hexdigest()[:12]}"
            artefact.write_bytes(data)
            print(f"RESULT {runs} {kind} {message} -> {artefact.name}", flush=True)
            return 1
    print(f"RESULT {runs} ok", flush=True)
    return 0


def _child_atheris(name: str, seconds: float, timeout: int, rss_mb: int, out: Path) -> int:
    import atheris

    with atheris.instrument_imports(include=list(INSTRUMENTED)):
        import piiscan.extractors.dispatch as dispatch
        from tests.fuzz.harness import TARGETS, check

        for known in dispatch.FORMATS:  # the extractors are imported lazily: import them here
            dispatch.extractor_for(known.media_types[0])
    target = TARGETS[name]
    corpus = Path(tempfile.mkdtemp(prefix=f"piiscan-fuzz-{name}-"))
    for number, seed in enumerate(target.seeds):
        shutil.copy(seed, corpus / f"seed{number}")
    longest = max((seed.stat().st_size for seed in target.seeds), default=4096)
    atheris.Setup(
        [
            sys.argv[0],
            str(corpus),
            f"-max_total_time={int(seconds)}",
            f"-timeout={timeout}",
            f"-rss_limit_mb={rss_mb}",
            f"-max_len={min(max(2 * longest, 4096), 1 << 20)}",
            f"-artifact_prefix={out}/{name}-",
            "-print_final_stats=1",
        ],
        lambda data: check(target, data),
    )
    atheris.Fuzz()
    return 0


def _run_target(name: str, args: argparse.Namespace) -> tuple[int, float, str]:
    """Fuzz one target in a child: inputs run, seconds, and the crash line (or ``ok``)."""
    started = time.perf_counter()
    # Start-up (instrumenting piiscan and the libraries under it) takes minutes on a loaded VM.
    allowed = args.seconds + 10 * args.timeout + 900
    try:
        child = subprocess.run(
            [sys.executable, __file__, "--child", name, "--engine", args.engine,
             "--seconds", str(args.seconds), "--timeout", str(args.timeout),
             "--rss-mb", str(args.rss_mb), "--out", str(args.out)],
            capture_output=True, text=True, errors="replace", timeout=allowed,
        )  # fmt: skip
    except subprocess.TimeoutExpired as late:  # the child is killed by subprocess.run
        output = _text(late.stdout) + _text(late.stderr)
        (args.out / f"{name}.log").write_text(output)
        return 0, time.perf_counter() - started, f"no end within {allowed:.0f} s (see log)"
    seconds = time.perf_counter() - started
    output = child.stdout + child.stderr
    (args.out / f"{name}.log").write_text(output)
    runs, verdict = 0, "ok"
    for line in output.splitlines():
        if line.startswith("RESULT "):  # the random engine
            _, count, *rest = line.split(" ", 2)
            runs, verdict = int(count), rest[0] if rest else "ok"
        elif line.startswith("stat::number_of_executed_units:"):
            runs = int(line.split(":")[-1])
        elif "ContractBroken:" in line:
            verdict = "crash: " + line.split("ContractBroken:", 1)[1].strip()
        elif "ERROR: libFuzzer: timeout" in line:
            verdict = f"timeout: an input ran over {args.timeout} s"
        elif "ERROR: libFuzzer: out-of-memory" in line:
            verdict = f"oom: over {args.rss_mb} MB"
        elif "Test unit written to" in line and verdict != "ok":
            verdict += " -> " + Path(line.rsplit(" ", 1)[-1]).name
    if child.returncode != 0 and verdict == "ok":
        verdict = f"exit {child.returncode} (see {name}.log)"
    return runs, seconds, verdict


def _text(data: bytes | str | None) -> str:
    if isinstance(data, bytes):
        return data.decode("utf-8", "replace")
    return data or ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--target", action="append", help="a target (repeatable); all if none")
    parser.add_argument("--engine", choices=["atheris", "random"], default="atheris")
    parser.add_argument("--seconds", type=float, default=30.0, help="budget per target (30)")
    parser.add_argument("--timeout", type=int, default=10, help="seconds one input may take")
    parser.add_argument("--rss-mb", type=int, default=2048, help="memory one child may use")
    parser.add_argument("--out", type=Path, help="where crash inputs go (a temporary folder)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.out = (args.out or Path(tempfile.mkdtemp(prefix="piiscan-fuzz-out-"))).resolve()
    args.out.mkdir(parents=True, exist_ok=True)
    if args.child:
        run = _child_atheris if args.engine == "atheris" else _child_random
        sys.exit(run(args.child, args.seconds, args.timeout, args.rss_mb, args.out))
    if args.engine == "atheris":
        try:
            import atheris  # noqa: F401
        except ImportError:
            sys.exit("atheris is not installed: pip install -e '.[fuzz]', or --engine random")
    from tests.fuzz.harness import TARGETS

    names = args.target or list(TARGETS)
    print(f"engine {args.engine}, {args.seconds:.0f} s a target, crash inputs in {args.out}")
    print(f"{'target':<8} {'inputs':>9} {'s':>6}  result", flush=True)
    crashes = total = 0
    for name in names:
        runs, seconds, verdict = _run_target(name, args)
        total += runs
        crashes += verdict != "ok"
        print(f"{name:<8} {runs:>9,} {seconds:>6.0f}  {verdict}", flush=True)
    print(f"targets {len(names)}, inputs {total:,}, crashes {crashes}")


if __name__ == "__main__":
    main()
