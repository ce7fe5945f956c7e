"""Cost of one call of each built-in validator, uncached (a report, not a test).

    python benchmarks/validators.py                 # best of 5 rounds of 20,000 calls
    python benchmarks/validators.py --calls 50000

The engine keeps validators' verdicts in an LRU cache, so ``throughput.py`` (best of 3, warm)
hides what a first sighting costs; this calls each validator on one typical written form,
without the cache, and prints microseconds per call. The validators marked ``core`` run in the
compiled core (``piiscan._core``) behind their Python wrapper; the others are Python.
"""

from __future__ import annotations

import argparse
import timeit
from collections.abc import Callable

from piiscan.validators import (
    address,
    bank,
    card,
    email,
    iban,
    organisationsnummer,
    personnummer,
    phone,
    postnummer,
)
from piiscan.validators.base import Verdict

# (label, where it runs, validator, a typical written form; all fictional or published tests)
CASES: list[tuple[str, str, Callable[[str], Verdict | None], str]] = [
    ("personnummer 10+sep", "core", personnummer.validate_personnummer, "850601-2387"),
    ("personnummer 12", "core", personnummer.validate_personnummer, "198506012387"),
    ("personnummer, bad check", "core", personnummer.validate_personnummer, "850601-2388"),
    ("samordningsnummer", "core", personnummer.validate_samordningsnummer, "701063-2391"),
    (
        "organisationsnummer",
        "core",
        organisationsnummer.validate_organisationsnummer,
        "556016-0680",
    ),
    ("card, grouped", "core", card.validate_card, "4242 4242 4242 4242"),
    ("bankgiro", "core", bank.validate_bankgiro, "5402-9681"),
    ("plusgiro", "core", bank.validate_plusgiro, "410 54 68-5"),
    ("bank account", "core", bank.validate_bank_account, "8327-9, 014 725 892-5"),
    ("postnummer", "core", postnummer.validate_postnummer, "114 55"),
    ("iban", "python", iban.validate_iban, "SE45 5000 0000 0583 9825 7466"),
    ("phone", "python", phone.validate_phone, "070-174 06 05"),
    ("email", "python", email.validate_email, "anna.andersson@exempel.se"),
    ("address", "python", address.validate_address, "Storgatan 12, 114 55 Stockholm"),
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=20_000, help="calls per round (20000)")
    parser.add_argument("--rounds", type=int, default=5, help="best of N rounds (5)")
    args = parser.parse_args()
    print(f"{'validator':26} {'runs in':8} {'µs/call':>8}")
    for label, where, validator, written in CASES:
        validator(written)  # data and metadata are loaded on first use
        best = min(
            timeit.repeat(
                lambda v=validator, w=written: v(w), number=args.calls, repeat=args.rounds
            )
        )
        print(f"{label:26} {where:8} {best / args.calls * 1e6:8.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
