"""Cost of one call of each built-in validator, uncached (a report, not a test).

    python benchmarks/validators.py                 # best of 5 rounds of 20,000 calls
    python benchmarks/validators.py --calls 50000
    python benchmarks/validators.py --before a30307e  # also the Python IBAN, phone and e-mail
                                                      # validators of that commit, same run

The engine keeps validators' verdicts in an LRU cache, so ``throughput.py`` (best of 3, warm)
hides what a first sighting costs; this calls each validator on one typical written form,
without the cache, and prints microseconds per call. The validators marked ``core`` run in the
compiled core (``piiscan._core``) behind their Python wrapper; the others are Python.
``--before REV`` loads ``iban.py``, ``phone.py`` and ``email.py`` as they were at git revision
REV (before the core took them over; they need python-stdnum, phonenumbers and tldextract)
and times them beside the core's, in the same run.
"""

from __future__ import annotations

import argparse
import subprocess
import timeit
import types
from collections.abc import Callable
from pathlib import Path

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
    ("iban", "core", iban.validate_iban, "SE45 5000 0000 0583 9825 7466"),
    ("phone", "core", phone.validate_phone, "070-174 06 05"),
    ("phone, fixed line", "core", phone.validate_phone, "08-465 004 00"),
    ("phone, parentheses", "core+py", phone.validate_phone, "(08) 465 004 00"),
    ("email", "core", email.validate_email, "anna.andersson@exempel.se"),
    ("address", "python", address.validate_address, "Storgatan 12, 114 55 Stockholm"),
]


def _before(revision: str) -> list[tuple[str, str, Callable[[str], Verdict | None], str]]:
    """The Python IBAN, phone and e-mail validators as they were at ``revision``."""
    root = Path(__file__).resolve().parent.parent
    loaded: dict[str, types.ModuleType] = {}
    for name in ("iban", "phone", "email"):
        source = subprocess.run(
            ["git", "-C", str(root), "show", f"{revision}:src/piiscan/validators/{name}.py"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        module = types.ModuleType(f"before_{name}")
        exec(compile(source, f"{revision}:{name}.py", "exec"), module.__dict__)
        loaded[name] = module
    return [
        ("iban", "python", loaded["iban"].validate_iban, "SE45 5000 0000 0583 9825 7466"),
        ("phone", "python", loaded["phone"].validate_phone, "070-174 06 05"),
        ("phone, fixed line", "python", loaded["phone"].validate_phone, "08-465 004 00"),
        ("phone, parentheses", "python", loaded["phone"].validate_phone, "(08) 465 004 00"),
        ("email", "python", loaded["email"].validate_email, "anna.andersson@exempel.se"),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=20_000, help="calls per round (20000)")
    parser.add_argument("--rounds", type=int, default=5, help="best of N rounds (5)")
    parser.add_argument(
        "--before", metavar="REV", help="also time the Python validators of git revision REV"
    )
    args = parser.parse_args()
    cases = CASES + (_before(args.before) if args.before else [])
    print(f"{'validator':26} {'runs in':8} {'µs/call':>8}")
    for label, where, validator, written in cases:
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
