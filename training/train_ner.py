"""Train piiscan's small Swedish NER model on the klintan Swedish NER corpus.

The corpus (Webbnyheter 2012, Språkbanken, annotated by klintan/swedish-ner-corpus; CC BY 4.0)
is one token per line, ``token<whitespace>label`` with labels ``0`` (outside), ``PER``,
``LOC``, ``ORG`` and ``MISC`` in an IO scheme (adjacent spans of one type merge). Only its
train file is used. This script:

1. reads the train file and splits its sentences, by a fixed seed, into a training part and a
   held-out part (15 %); the held-out part is written to ``fixtures/names/news_heldout.conll``
   so ``benchmarks/names.py`` can measure on it without the original corpus;
2. trains a small spaCy pipeline (``spacy.blank("sv")`` tokenizer, hash-embedding CNN
   ``tok2vec`` and a transition-based ``ner``; no word vectors) on CPU for a few minutes;
3. evaluates PER on the held-out part (exact span match) and writes the model, its training
   configuration, metrics and the corpus licence to ``src/piiscan/data/ner/``.

Usage::

    python training/train_ner.py --corpus /path/to/klintan-swedish-ner-corpus

All four labels are learnt (ORG and LOC teach the model what a capitalised word that is *not*
a person looks like); piiscan uses only PER.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

SEED = 20240601
HELDOUT_FRACTION = 0.15
ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = ROOT.parent / "shared" / "data" / "ner" / "klintan-swedish-ner-corpus"
MODEL_DIR = ROOT / "src" / "piiscan" / "data" / "ner"
HELDOUT_FILE = ROOT / "fixtures" / "names" / "news_heldout.conll"
NO_SPACE_BEFORE = frozenset(".,:;!?)]}%»”")
NO_SPACE_AFTER = frozenset("([{«“")

CONFIG = """
[nlp]
lang = "sv"
pipeline = ["tok2vec","ner"]
batch_size = 256

[components]

[components.tok2vec]
factory = "tok2vec"

[components.tok2vec.model]
@architectures = "spacy.Tok2Vec.v2"

[components.tok2vec.model.embed]
@architectures = "spacy.MultiHashEmbed.v2"
width = 64
attrs = ["NORM","PREFIX","SUFFIX","SHAPE"]
rows = [5000,2000,2500,500]
include_static_vectors = false

[components.tok2vec.model.encode]
@architectures = "spacy.MaxoutWindowEncoder.v2"
width = 64
depth = 4
window_size = 1
maxout_pieces = 3

[components.ner]
factory = "ner"

[components.ner.model]
@architectures = "spacy.TransitionBasedParser.v2"
state_type = "ner"
extra_state_tokens = false
hidden_width = 64
maxout_pieces = 2
use_upper = true
nO = null

[components.ner.model.tok2vec]
@architectures = "spacy.Tok2VecListener.v1"
width = ${components.tok2vec.model.encode.width}
upstream = "*"

[training]
seed = 20240601
dropout = 0.2
max_epochs = 20

[training.optimizer]
@optimizers = "Adam.v1"
learn_rate = 0.002
"""


@dataclass(frozen=True, slots=True)
class Sentence:
    """One corpus sentence: tokens and one label per token (``O`` for outside)."""

    tokens: tuple[str, ...]
    labels: tuple[str, ...]

    def spans(self, label: str | None = None) -> list[tuple[int, int, str]]:
        """Token spans ``(start, end, label)`` of label runs (IO scheme)."""
        out: list[tuple[int, int, str]] = []
        i = 0
        while i < len(self.labels):
            current = self.labels[i]
            j = i + 1
            while j < len(self.labels) and self.labels[j] == current:
                j += 1
            if current != "O" and (label is None or current == label):
                out.append((i, j, current))
            i = j
        return out


def read_corpus(path: Path) -> list[Sentence]:
    """Parse the klintan file: TAB or space separated, last field is the label."""
    sentences: list[Sentence] = []
    tokens: list[str] = []
    labels: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        fields = line.split()
        if not fields:
            if tokens:
                sentences.append(Sentence(tuple(tokens), tuple(labels)))
                tokens, labels = [], []
            continue
        if len(fields) < 2:  # one malformed line in the train file
            continue
        label = fields[-1]
        tokens.append(fields[0])
        labels.append("O" if label == "0" else label)
    if tokens:
        sentences.append(Sentence(tuple(tokens), tuple(labels)))
    return sentences


def split(sentences: Sequence[Sentence]) -> tuple[list[Sentence], list[Sentence]]:
    """Shuffle indices with :data:`SEED` and hold out :data:`HELDOUT_FRACTION` of them."""
    order = list(range(len(sentences)))
    random.Random(SEED).shuffle(order)
    cut = round(len(order) * HELDOUT_FRACTION)
    held = sorted(order[:cut])
    train = sorted(order[cut:])
    return [sentences[i] for i in train], [sentences[i] for i in held]


def write_conll(sentences: Sequence[Sentence], path: Path) -> None:
    """Write ``token<TAB>label`` lines, a blank line after each sentence."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines: list[str] = []
    for sentence in sentences:
        lines.extend(f"{t}\t{lab}" for t, lab in zip(sentence.tokens, sentence.labels, strict=True))
        lines.append("")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def spaces_for(tokens: Sequence[str]) -> list[bool]:
    """Guess which tokens are followed by a space (none before closing punctuation)."""
    out = []
    for i, token in enumerate(tokens):
        nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
        out.append(bool(nxt) and nxt not in NO_SPACE_BEFORE and token not in NO_SPACE_AFTER)
    return out


def to_examples(nlp: object, sentences: Sequence[Sentence]) -> Iterator[object]:
    """spaCy ``Example`` objects with gold entity spans."""
    from spacy.tokens import Doc, Span
    from spacy.training import Example

    for sentence in sentences:
        doc = Doc(nlp.vocab, words=list(sentence.tokens), spaces=spaces_for(sentence.tokens))  # type: ignore[attr-defined]
        reference = doc.copy()
        reference.ents = [Span(reference, s, e, label=lab) for s, e, lab in sentence.spans()]
        yield Example(doc, reference)


def evaluate_per(nlp: object, sentences: Sequence[Sentence]) -> dict[str, float]:
    """Exact-span precision, recall and F1 for PER over pre-tokenised sentences."""
    from spacy.tokens import Doc

    tp = fp = fn = 0
    docs = (
        Doc(nlp.vocab, words=list(s.tokens), spaces=spaces_for(s.tokens))  # type: ignore[attr-defined]
        for s in sentences
    )
    for sentence, doc in zip(sentences, nlp.pipe(docs), strict=True):  # type: ignore[attr-defined]
        gold = {(s, e) for s, e, _ in sentence.spans("PER")}
        pred = {(ent.start, ent.end) for ent in doc.ents if ent.label_ == "PER"}
        tp += len(gold & pred)
        fp += len(pred - gold)
        fn += len(gold - pred)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def train(corpus_dir: Path, out_dir: Path, heldout_file: Path, epochs: int | None) -> None:
    """Split, train, evaluate and write the model (see the module docstring)."""
    import spacy
    from spacy.training import Example
    from spacy.util import compounding, fix_random_seed, load_config_from_str, minibatch

    sentences = read_corpus(corpus_dir / "train" / "train_corpus.txt")
    train_part, held_part = split(sentences)
    write_conll(held_part, heldout_file)
    print(f"sentences: {len(sentences)} train {len(train_part)} held-out {len(held_part)}")

    fix_random_seed(SEED)
    config = load_config_from_str(CONFIG)
    max_epochs = epochs or int(config["training"]["max_epochs"])
    nlp = spacy.util.load_model_from_config(config, auto_fill=True, validate=True)
    examples: list[Example] = list(to_examples(nlp, train_part))  # type: ignore[arg-type]
    optimizer = nlp.initialize(lambda: examples)
    optimizer.learn_rate = float(config["training"]["optimizer"]["learn_rate"])
    rng = random.Random(SEED)
    started = time.perf_counter()
    best_f1, best_bytes = -1.0, b""
    # Choose the best epoch on a slice of the training part: the held-out part stays unseen.
    dev = train_part[: len(held_part) // 2]
    for epoch in range(max_epochs):
        rng.shuffle(examples)
        losses: dict[str, float] = {}
        for batch in minibatch(examples, size=compounding(8.0, 64.0, 1.05)):
            nlp.update(
                batch, drop=float(config["training"]["dropout"]), sgd=optimizer, losses=losses
            )
        scores = evaluate_per(nlp, dev)
        print(f"epoch {epoch + 1:2d} loss {losses.get('ner', 0):8.1f} train-slice PER {scores}")
        if scores["f1"] >= best_f1:
            best_f1, best_bytes = scores["f1"], nlp.to_bytes()
    nlp.from_bytes(best_bytes)
    seconds = time.perf_counter() - started
    held = evaluate_per(nlp, held_part)
    print(f"held-out PER (model alone): {held}; training took {seconds:.0f} s")

    model_dir = out_dir / "model"
    if model_dir.exists():
        shutil.rmtree(model_dir)
    nlp.meta.update(
        {
            "name": "piiscan_sv_ner",
            "version": "1.0.0",
            "description": "Small Swedish NER (PER/LOC/ORG/MISC) for piiscan",
            "license": "CC BY 4.0 (derived from the CC BY 4.0 klintan corpus)",
            "sources": [
                {"name": "klintan/swedish-ner-corpus (Webbnyheter 2012)", "license": "CC BY 4.0"}
            ],
            "performance": {"heldout_per": held},
        }
    )
    nlp.to_disk(model_dir)
    (out_dir / "metrics.json").write_text(
        json.dumps(
            {
                "seed": SEED,
                "heldout_fraction": HELDOUT_FRACTION,
                "sentences": {"train": len(train_part), "heldout": len(held_part)},
                "epochs": max_epochs,
                "training_seconds": round(seconds),
                "heldout_per_model_alone": held,
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    (out_dir / "training.cfg").write_text(CONFIG.lstrip(), encoding="utf-8")
    licence = corpus_dir / "LICENSE"
    if licence.is_file():
        shutil.copyfile(licence, out_dir / "LICENSE-corpus")


def main(argv: Sequence[str] | None = None) -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--out", type=Path, default=MODEL_DIR)
    parser.add_argument("--heldout", type=Path, default=HELDOUT_FILE)
    parser.add_argument("--epochs", type=int, default=None)
    args = parser.parse_args(argv)
    train(args.corpus, args.out, args.heldout, args.epochs)


if __name__ == "__main__":
    main()
