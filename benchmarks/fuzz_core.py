"""A fixed-budget fuzz of the compiled core's text entry points (a report, not a test).

    python benchmarks/fuzz_core.py                      # 20,000 cases per property + 60 s
    python benchmarks/fuzz_core.py --cases 200000 --seconds 300

Two parts, both deterministic for a given ``--seed``:

1. **Rust**: the proptest properties of ``core/tests/proptest_entry_points.rs`` (every
   validator and the name scan, on any string and on identifier- and name-like strings) with
   ``--cases`` cases each, in a release build (``cargo test`` in CI runs 256).
2. **Python**: random strings through every text entry point of ``piiscan._core`` as Python
   calls it (the PyO3 conversions included), for ``--seconds``: lone surrogates, NUL, long
   digit runs, mixed scripts. Any exception but the documented ones (``ValueError`` from the
   check-digit helpers, ``UnicodeEncodeError`` for a lone surrogate) is a crash; a
   ``PanicException`` is one for sure.

A crash prints its input and exits 1; add it to ``REGRESSIONS`` in the proptest file. Needs a
Rust toolchain for part 1 (skipped with a note when ``cargo`` is missing).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from piiscan import _core
from piiscan.names import bundled_gazetteer
from piiscan.names.rules import core_rules

ROOT = Path(__file__).resolve().parent.parent
PIECES = [
    *"0123456789", *"0123456789", "-", "+", " ", " ", ",", ".", ":", "/", "(", ")", "@", "\n",
    "\t", "\u00a0", "\u2010", "S", "E", "a", "k", "A", "Å", "ö", "ß", "ſ", "٣", "𝟘", "\u0301",
    "\ud800", "\udfff", "\x00", "😀", "Anna ", "Andersson", "af ", "Hej ", "Mvh\n", "Namn: ",
    "Dr. ", "se", ".se", "xn--p1ai", "SE45", "070-", "+46 ", "0046", "19121212-1212",
]  # fmt: skip
EXPECTED = (ValueError, UnicodeEncodeError)


def _entry_points() -> list[tuple[str, Callable[[str], Any]]]:
    rules = core_rules(bundled_gazetteer())
    today = (2026, 12, 7)
    return [
        ("luhn", _core.luhn),
        ("luhn_check_digit", _core.luhn_check_digit),
        ("mod11", _core.mod11),
        ("mod11_check_digit", _core.mod11_check_digit),
        ("mod97", _core.mod97),
        ("mod97_check_digits", _core.mod97_check_digits),
        ("parse_identity_number", lambda t: _core.parse_identity_number(t, *today)),
        ("validate_personnummer", lambda t: _core.validate_personnummer(t, *today)),
        ("validate_samordningsnummer", lambda t: _core.validate_samordningsnummer(t, *today)),
        ("is_skatteverket_test_number", _core.is_skatteverket_test_number),
        ("is_organisationsnummer", _core.is_organisationsnummer),
        ("parse_vat_number", _core.parse_vat_number),
        ("validate_organisationsnummer", _core.validate_organisationsnummer),
        ("card_brand", _core.card_brand),
        ("validate_card", _core.validate_card),
        ("clearing_range", _core.clearing_range),
        ("validate_bank_account", lambda t: _core.validate_bank_account(t, *today)),
        ("validate_bankgiro", _core.validate_bankgiro),
        ("validate_plusgiro", _core.validate_plusgiro),
        ("postort_for", _core.postort_for),
        ("is_known_postort", _core.is_known_postort),
        ("validate_postnummer", _core.validate_postnummer),
        ("validate_ip_address", _core.validate_ip_address),
        ("validate_birth_date", lambda t: _core.validate_birth_date(t, *today)),
        ("validate_vehicle_registration", _core.validate_vehicle_registration),
        ("validate_identity_document", _core.validate_identity_document),
        ("validate_iban", _core.validate_iban),
        ("validate_phone", _core.validate_phone),
        ("swedish_phone_type", _core.swedish_phone_type),
        ("swedish_ndc_length", _core.swedish_ndc_length),
        ("is_pts_fictional", _core.is_pts_fictional),
        ("validate_email", _core.validate_email),
        ("is_top_level_domain", _core.is_top_level_domain),
        ("NameRules.scan", rules.scan),
    ]


def _text(rng: random.Random) -> str:
    shape = rng.random()
    if shape < 0.05:  # a long run: linear time and no overflow
        return rng.choice("0123456789A a") * rng.randint(1_000, 50_000)
    if shape < 0.15:  # any code points, surrogates included
        return "".join(chr(rng.randrange(0x110000)) for _ in range(rng.randint(0, 40)))
    return "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 30)))


def fuzz_python(seconds: float, seed: int) -> int:
    """Random strings through every entry point for ``seconds``; the number of crashes."""
    rng = random.Random(seed)
    entry_points = _entry_points()
    calls = texts = crashes = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        text = _text(rng)
        texts += 1
        for name, call in entry_points:
            calls += 1
            try:
                call(text)
            except EXPECTED:
                pass
            except BaseException as exc:  # a PanicException is a BaseException
                crashes += 1
                print(f"  CRASH {name}({text[:200]!r}): {type(exc).__name__}")
    print(
        f"python: {texts:,} texts x {len(entry_points)} entry points = {calls:,} calls "
        f"in {seconds:.0f} s, {crashes} crashes"
    )
    return crashes


def fuzz_rust(cases: int) -> int | None:
    """The proptest properties with ``cases`` cases each; cargo's exit status."""
    if shutil.which("cargo") is None:
        print("rust: skipped (no cargo on PATH)")
        return None
    started = time.perf_counter()
    done = subprocess.run(
        [
            "cargo",
            "test",
            "--release",
            "--quiet",
            "--manifest-path",
            str(ROOT / "core" / "Cargo.toml"),
            "--test",
            "proptest_entry_points",
        ],
        env={**os.environ, "PIISCAN_FUZZ_CASES": str(cases)},
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    summary = [line for line in done.stdout.splitlines() if line.startswith("test result")]
    print(f"rust: {cases:,} cases per property, {elapsed:.0f} s: {' '.join(summary) or '?'}")
    if done.returncode != 0:
        print(done.stdout[-4000:], done.stderr[-4000:], sep="\n")
    return done.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=20_000, help="proptest cases (20000)")
    parser.add_argument("--seconds", type=float, default=60.0, help="Python fuzz budget (60)")
    parser.add_argument("--seed", type=int, default=20261207)
    args = parser.parse_args()
    rust = fuzz_rust(args.cases)
    crashes = fuzz_python(args.seconds, args.seed)
    return 1 if crashes or rust not in (0, None) else 0


if __name__ == "__main__":
    sys.exit(main())
