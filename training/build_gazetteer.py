"""Derive piiscan's bundled name gazetteer from the SCB name statistics.

Inputs (not read at run time; the outputs are committed):

- SCB tilltalsnamn (names in use) for women and men, registered population 2020-12-31, with
  the number of bearers (via ``peterdalle/svensktext``), CC BY 4.0;
- SCB's 1,000 most common surnames in 2019, with counts, CC BY 4.0;
- the klintan Swedish NER corpus (train file), CC BY 4.0, used only to find names that are
  also ordinary Swedish words (they occur in lower case mid-sentence) or that mostly denote a
  place or an organisation.

Outputs in ``src/piiscan/data/names/``:

- ``first_names.tsv``: ``name<TAB>bearers`` for single-word tilltalsnamn with at least
  :data:`MIN_BEARERS` bearers (women and men added);
- ``surnames.tsv``: ``name<TAB>bearers`` for the top-1000 surnames (particles dropped);
- ``places.txt``: Swedish localities (postorter, from piiscan's own bundled
  ``postnummer.csv``), a few country and region names, and words the training part of the
  klintan corpus labels only as a place or an organisation (never as a person, never a
  gazetteer name), case-folded: such a word is no person on its own and need not be shown
  to the NER model;
- ``homographs.txt``: lower-case names that need more evidence than the gazetteer (a
  hand-kept list plus the corpus-derived words), one per line, ``#`` comments.

Usage::

    python training/build_gazetteer.py --names /path/to/data/names --corpus /path/to/klintan
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
SHARED = ROOT.parent / "shared" / "data"
OUT = ROOT / "src" / "piiscan" / "data" / "names"
MIN_BEARERS = 10
PARTICLES = frozenset({"af", "von", "de", "van", "der", "den", "da", "la", "le", "di", "del"})
MIN_LOWERCASE_USES = 1

# Names that are also everyday Swedish (or English office) words, kept by hand because a
# 113k-token news corpus does not contain every word.
MANUAL_HOMOGRAPHS = [
    "per",
    "bo",
    "ulf",
    "sten",
    "björn",
    "maj",
    "vera",
    "siv",
    "rut",
    "hans",
    "lund",
    "berg",
    "holm",
    "ek",
    "stark",
    "glad",
    "frisk",
    "vik",
    "falk",
    "björk",
    "ström",
    "sol",
    "liv",
    "love",
    "vilja",
    "dag",
    "tor",
    "bror",
    "gun",
    "lo",
    "ros",
    "rose",
    "mark",
    "will",
    "may",
    "bill",
    "max",
    "grant",
    "hope",
    "joy",
    "summer",
    "april",
    "juni",
    "juli",
    "augusti",
    "august",
    "mars",
    "jul",
    "stig",
    "ask",
    "alm",
    "lind",
    "strand",
    "sand",
    "hall",
    "nord",
    "blom",
    "kron",
    "kung",
    "herr",
    "fru",
    "fröken",
    "dam",
    "eld",
    "hav",
    "sjö",
    "skog",
    "äng",
    "lövgren",
    "linné",
    "klar",
    "snäll",
    "rask",
    "ung",
    "gammal",
    "svensk",
    "eng",
    "hage",
    "dal",
    "kvist",
    "nyström",
    "rosen",
    "lilja",
    "viol",
    "ros",
    "iris",
    "vide",
    "malm",
    "stål",
    "guld",
    "silver",
    "ära",
    "tro",
    "hopp",
    "frid",
    "fred",
    "sixten",
    "alla",
    "arbete",
    "bra",
    "god",
    "ny",
    "vän",
    "sann",
    "sigge",
    "bruno",
    "leo",
    "lejon",
    "björne",
    "kim",
    "tim",
    "tom",
    "ben",
    "dick",
    "sam",
    "jack",
    "rob",
    "pat",
    "ray",
    "sue",
    "don",
    "dean",
    "guy",
    "art",
    "nick",
    "hunter",
    "chase",
    "page",
    "case",
    "are",
    "vide",
    "fors",
    "bäck",
    "kyrka",
    "skola",
    "konsum",
    "ica",
    "coop",
    "telia",
    "lina",
    "sverige",
    "norden",
    "europa",
    "from",
    "ring",
    "hösten",
]


def read_counts(path: Path, key: str, value: str) -> Counter[str]:
    """``name -> count`` from an SCB CSV file."""
    counts: Counter[str] = Counter()
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            counts[row[key].strip()] += int(row[value])
    return counts


def corpus_words(corpus: Path) -> tuple[Counter[str], Counter[str], Counter[str]]:
    """Lower-case uses, capitalised PER uses and capitalised non-PER entity uses per word.

    Only the training part of the split made by ``train_ner.py`` is read, so the held-out
    sentences stay unseen.
    """
    from train_ner import read_corpus, split

    train_part, _ = split(read_corpus(corpus / "train" / "train_corpus.txt"))
    lower: Counter[str] = Counter()
    person: Counter[str] = Counter()
    other: Counter[str] = Counter()
    for sentence in train_part:
        for token, label in zip(sentence.tokens, sentence.labels, strict=True):
            if token[:1].islower():
                lower[token] += 1
            elif label == "PER":
                person[token.casefold()] += 1
            elif label in ("LOC", "ORG", "MISC"):
                other[token.casefold()] += 1
    return lower, person, other


PLACES_EXTRA = [
    "sverige", "norge", "danmark", "finland", "island", "tyskland", "frankrike", "spanien",
    "italien", "polen", "ryssland", "kina", "usa", "europa", "norden", "skåne", "gotland",
    "norrland", "svealand", "götaland", "dalarna", "värmland", "uppland", "halland",
    "lappland", "jämtland", "bohuslän", "småland", "öland", "blekinge", "london", "paris",
    "berlin", "oslo", "köpenhamn", "helsingfors", "bryssel", "new york",
]  # fmt: skip


def places(postnummer: Path) -> list[str]:
    """Case-folded localities of the bundled postnummer gazetteer, plus :data:`PLACES_EXTRA`."""
    found = set(PLACES_EXTRA)
    with postnummer.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            found.add(row["locality"].strip().casefold())
    return sorted(found)


def build(names_dir: Path, corpus: Path, out: Path) -> None:
    """Write the gazetteer files (see the module docstring)."""
    first = read_counts(names_dir / "tilltalsnamn-kvinnor.csv", "name", "persons")
    first.update(read_counts(names_dir / "tilltalsnamn-man.csv", "name", "persons"))
    first_rows = sorted(
        (name, n)
        for name, n in first.items()
        if n >= MIN_BEARERS and name.isalpha() and name[0].isupper()
    )
    surnames = read_counts(names_dir / "efternamn-top1000-2019.csv", "lastname", "frequency")
    surname_rows = sorted(
        (name, n)
        for name, n in surnames.items()
        if name.casefold() not in PARTICLES and name.replace("-", "").isalpha()
    )
    lower, person, other = corpus_words(corpus)
    known = {n.casefold() for n, _ in first_rows} | {n.casefold() for n, _ in surname_rows}
    derived = sorted(
        w
        for w in known
        if lower[w] >= MIN_LOWERCASE_USES or (other[w] >= 2 and other[w] > person[w])
    )
    manual = sorted(set(MANUAL_HOMOGRAPHS))
    out.mkdir(parents=True, exist_ok=True)
    (out / "first_names.tsv").write_text(
        "".join(f"{name}\t{n}\n" for name, n in first_rows), encoding="utf-8"
    )
    (out / "surnames.tsv").write_text(
        "".join(f"{name}\t{n}\n" for name, n in surname_rows), encoding="utf-8"
    )
    lines = [
        "# Names that are also common words or mostly places/organisations: a gazetteer hit",
        "# alone is no evidence for these. Hand-kept list, then words derived from the klintan",
        "# corpus (CC BY 4.0). Generated by training/build_gazetteer.py.",
        *manual,
        "# derived",
        *(w for w in derived if w not in set(manual)),
    ]
    (out / "homographs.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    place_rows = sorted(
        set(places(ROOT / "src" / "piiscan" / "data" / "postnummer.csv"))
        | {
            w
            for w, n in other.items()
            if n >= 1 and not person[w] and w not in known and len(w) >= 3 and w.isalpha()
        }
    )
    (out / "places.txt").write_text(
        "# Swedish localities (from piiscan/data/postnummer.csv), a few other places, and\n"
        "# words the klintan corpus (CC BY 4.0) labels only as places or organisations.\n"
        + "\n".join(place_rows)
        + "\n",
        encoding="utf-8",
    )
    print(
        f"first names {len(first_rows)}, surnames {len(surname_rows)}, "
        f"homographs {len(manual)} manual + {len(derived)} derived"
    )


def main(argv: Sequence[str] | None = None) -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description="Build the bundled name gazetteer")
    parser.add_argument("--names", type=Path, default=SHARED / "names")
    parser.add_argument(
        "--corpus", type=Path, default=SHARED / "ner" / "klintan-swedish-ner-corpus"
    )
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    build(args.names, args.corpus, args.out)


if __name__ == "__main__":
    main()
