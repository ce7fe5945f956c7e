"""Swedish person names (entity ``PERSON``): gazetteer rules plus a small bundled NER model.

What it matches: names found by the pure rules of :mod:`piiscan.names.rules` (SCB first
names and surnames, Swedish surname endings, initials, particles, greetings, closings,
``Namn:`` fields, titles), confirmed, extended or added to by a spaCy NER model that runs only
on the parts of sentences where it can matter (:func:`piiscan.names.combine.model_windows`).
How the two are combined is documented in :mod:`piiscan.names.combine`.

What it rejects and why: names that are also words (``Per capita``, ``Bo i Lund``,
``Hans bil``) without further evidence; capitalisation at a sentence start; names before
``gata``/``väg``/``skola``.

Config: ``EngineConfig.person_model``:

- ``"bundled"`` (default): the model in ``piiscan/data/ner/model`` (trained by
  ``training/train_ner.py`` on the klintan corpus, CC BY 4.0), loaded from the package
  directory; nothing is downloaded;
- ``"none"``: gazetteer and rules only;
- the name (or directory) of an installed spaCy pipeline, e.g. ``"sv_core_news_sm"``; its
  ``PRS`` entities count as persons. A missing pipeline is a :class:`~piiscan.errors.ConfigError`.

A table column or mail header passed as external context (``context=["Namn"]``) that names
a person column (:func:`piiscan.names.rules.is_name_column`) is strong evidence: a weak
candidate in such a cell becomes a finding.

Each result carries ``piiscan.normalized`` = :func:`piiscan.names.name_value_form` of the span
(case, space and diacritics folded), so ``Åsa Öberg`` and ``ASA OBERG`` share a value key,
and flags naming the evidence (``name_pair``, ``greeting``, ``model`` ...), never the name.

Example::

    >>> engine.analyze("Hej Per,\\nTack för i går.")      # doctest: +SKIP
    [Finding(entity_type='PERSON', start=4, end=7, ...)]

.. versionadded:: 0.1
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any, ClassVar

import regex
from presidio_analyzer import EntityRecognizer, RecognizerResult

from piiscan import _core
from piiscan.catalogue import RecognizerSpec
from piiscan.config import EngineConfig
from piiscan.engine.recognizers import (
    META_STRENGTH,
    SpecRecognizer,
)
from piiscan.errors import ConfigError
from piiscan.masking import masker_for
from piiscan.names.combine import (
    FoundSpan,
    ModelSpan,
    PersonSpan,
    combine_found,
    model_windows,
    person_spans,
)
from piiscan.names.gazetteer import Gazetteer, bundled_gazetteer
from piiscan.names.normalize import name_value_form
from piiscan.names.rules import (
    CoreScan,
    NameCandidate,
    _for_core,
    core_rules,
    find_candidates,
    is_name_column,
)
from piiscan.plugins import Registry
from piiscan.validators.base import Strength

BUNDLED = "bundled"
NONE = "none"
META_GAZETTEER = "piiscan.person.gazetteer_hit"
_UPPER = regex.compile(r"\p{Lu}")  # recognizers/person.yaml's prefilter
_STRENGTHS = {int(s): s for s in Strength}


_MASK = masker_for("PERSON")


def _value_form(raw: str) -> str:
    """The normalised value of a PERSON span the core could not fold itself."""
    return name_value_form(raw) or " ".join(raw.split()).casefold()


def bundled_model_path() -> Path:
    """The directory of the model shipped in the package (``piiscan/data/ner/model``)."""
    return Path(str(resources.files("piiscan.data").joinpath("ner").joinpath("model")))


class SpacyModel:
    """A spaCy pipeline, loaded on first use, that returns entity spans for text windows.

    :param source: a directory, or the name of an installed pipeline package.
    """

    #: Windows remembered with their entities. The same window recurs across a share (an
    #: e-mail signature, a letterhead, a name column's repeated values), and the model is
    #: deterministic, so a window it has read need not be read again.
    CACHE_WINDOWS = 16_384

    #: Strings the pipeline may learn (its vocabulary and string store grow by about two
    #: strings, 0.7 KB, for each new word it reads, measured) before what it reads next is
    #: forgotten after each call (spaCy's memory zone): a scan meets new words without end
    #: (names, codes, misspellings), and its memory must stay bounded. The words met first
    #: (a share's common words) stay known, so later calls do not make them again.
    LEARNED_STRINGS = 200_000

    def __init__(self, source: str | Path) -> None:
        self.source = source
        self._nlp: Any = None
        self._blas: Any = None
        self._seen: dict[str, tuple[tuple[int, int, str], ...]] = {}
        self._strings_cap = 0

    def _load(self) -> Any:
        import spacy
        from thinc.api import use_ops
        from threadpoolctl import ThreadpoolController

        with warnings.catch_warnings(), use_ops("numpy", use_blis=False):
            # A pipeline trained with another spaCy patch version warns (W095) on load; it
            # still works, and a warning must not turn a scan into an error.
            warnings.filterwarnings("ignore", message=r".*\[W09[45]\]")
            # Its layers multiply matrices with numpy's BLAS instead of thinc's bundled BLIS:
            # on the model's small products that is 1.35-1.4x less CPU for the whole pipeline
            # (same entities, benchmarks/README.md), provided the BLAS runs in one thread
            # (see `found_of`).
            nlp = spacy.load(self.source)
        # Held to one thread while the model reads: a BLAS thread pool per worker process
        # would fight the other workers for the cores (and spins while it waits).
        self._blas = ThreadpoolController()
        keep = [name for name in nlp.pipe_names if name in ("tok2vec", "ner")]
        nlp.select_pipes(enable=keep)
        _read_features_only(nlp)
        return nlp

    def entities(self, text: str, windows: Sequence[tuple[int, int]]) -> list[ModelSpan]:
        """Entities of every label the model finds in ``text[start:end]`` of each window."""
        return self.entities_of([(text, windows)])[0]

    def entities_of(
        self, items: Sequence[tuple[str, Sequence[tuple[int, int]]]]
    ) -> list[list[ModelSpan]]:
        """:meth:`entities` of many texts, their unread windows in one ``nlp.pipe`` call.

        The model costs about four times as much per window called alone as in a batch of a
        few hundred (its fixed cost per call), so the windows of a whole batch of segments,
        or of every chunk of a long text, go in together.
        """
        return [
            [ModelSpan(start=start, end=end, label=label) for start, end, label in spans]
            for spans in self.found_of(items)
        ]

    def found_of(
        self, items: Sequence[tuple[str, Sequence[tuple[int, int]]]]
    ) -> list[list[tuple[int, int, str]]]:
        """:meth:`entities_of` as ``(start, end, label)`` tuples, what the core's
        :func:`~piiscan.names.combine.combine_found` reads (no object per entity)."""
        pieces = [[text[start:end] for start, end in windows] for text, windows in items]
        if not any(pieces):
            return [[] for _ in items]
        if self._nlp is None:
            self._nlp = self._load()
            self._strings_cap = len(self._nlp.vocab.strings) + self.LEARNED_STRINGS
        seen = self._seen
        unread = [p for p in dict.fromkeys(p for ps in pieces for p in ps) if p not in seen]
        if len(seen) + len(unread) > self.CACHE_WINDOWS:
            seen.clear()
            unread = list(dict.fromkeys(p for ps in pieces for p in ps))
        nlp = self._nlp
        full = len(nlp.vocab.strings) >= self._strings_cap
        with (
            nlp.memory_zone() if full else contextlib.nullcontext(),
            self._blas.limit(limits=1, user_api="blas"),
        ):
            for piece, doc in zip(unread, nlp.pipe(unread), strict=True):
                seen[piece] = tuple((ent.start_char, ent.end_char, ent.label_) for ent in doc.ents)
        out: list[list[tuple[int, int, str]]] = []
        for (_, windows), texts in zip(items, pieces, strict=True):
            spans: list[tuple[int, int, str]] = []
            for (start, _), piece in zip(windows, texts, strict=True):
                spans.extend(
                    (start + ent_start, start + ent_end, label)
                    for ent_start, ent_end, label in seen[piece]
                )
            out.append(spans)
        return out

    def __getstate__(self) -> dict[str, Any]:
        # Worker processes reload the pipeline themselves and start with an empty cache.
        return {"source": self.source}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.source = state["source"]
        self._nlp = None
        self._blas = None
        self._seen = {}
        self._strings_cap = 0


def _read_features_only(nlp: Any) -> None:
    """Let the vocabulary compute, for each new word, only the lexical attributes the
    pipeline reads, when its config says which (the bundled model's does).

    Every word the model has not met gets a lexeme, and spaCy computes all of its language's
    attribute getters for it (``like_url``, ``like_num``, ``is_stop`` and a dozen more):
    about a fifth of tokenizing text full of new words (measured). The token vectors read
    the attributes named in ``tok2vec``'s ``embed.attrs`` and the entity recognizer reads the
    ``IS_SPACE`` flag; those are kept, with ``LOWER`` and ``LANG``, so what the model decides
    is the same. A pipeline with other components, or a config that does not say, keeps
    every getter.
    """
    from spacy import attrs

    try:
        if set(nlp.pipe_names) != {"tok2vec", "ner"}:
            return
        listener = nlp.config["components"]["ner"]["model"]["tok2vec"]["@architectures"]
        if not str(listener).startswith("spacy.Tok2VecListener"):
            return  # the recognizer embeds words itself, maybe with other attributes
        named = nlp.config["components"]["tok2vec"]["model"]["embed"]["attrs"]
        wanted = {attrs.IDS[str(name).upper()] for name in named}
    except (KeyError, TypeError, AttributeError):
        return
    wanted |= {attrs.IS_SPACE, attrs.LOWER, attrs.LANG}
    # A new dict: the one the vocabulary holds may be shared with the language's defaults.
    getters = nlp.vocab.lex_attr_getters
    nlp.vocab.lex_attr_getters = {a: get for a, get in getters.items() if a in wanted}


def resolve_model(setting: str) -> SpacyModel | None:
    """The model named by ``EngineConfig.person_model``, checked but not yet loaded.

    :raises ConfigError: when the bundled model is missing or the named pipeline is not
        installed.
    """
    if setting == NONE:
        return None
    if setting == BUNDLED:
        path = bundled_model_path()
        if not (path / "config.cfg").is_file():
            raise ConfigError(
                "the bundled person-name model is missing from this installation; "
                "reinstall piiscan or use --person-model none"
            )
        return SpacyModel(path)
    import spacy.util

    if spacy.util.is_package(setting) or (Path(setting) / "config.cfg").is_file():
        return SpacyModel(setting)
    raise ConfigError(
        f"--person-model {setting}: no installed spaCy pipeline of that name; install its wheel "
        "or use --person-model bundled (or none)"
    )


class PersonRecognizer(SpecRecognizer):
    """presidio recognizer for ``PERSON``: gazetteer rules, optionally a spaCy NER model.

    :param spec: the catalogue entry (``recognizers/person.yaml``): scores, context words.
    :param gazetteer: first names, surnames and homographs.
    :param model: the NER model, or ``None`` for rules only.
    """

    def __init__(
        self, spec: RecognizerSpec, gazetteer: Gazetteer, model: SpacyModel | None
    ) -> None:
        self.gazetteer = gazetteer
        self.model = model
        self._planned: dict[str, list[FoundSpan]] = {}
        super().__init__(spec)
        scores = [self._scores[strength] for strength in Strength]
        self._finish = _core.NameContext(
            list(self._context.rules),
            spec.context_window,
            scores,
            [round(float(score), 4) for score in scores],
        )

    def load(self) -> None:
        """Nothing to load up front: the gazetteer and the model load on first use."""

    def __repr__(self) -> str:
        return f"PersonRecognizer(id={self.spec.id!r}, model={self.model is not None})"

    #: Neither :meth:`analyze` nor :meth:`enhance_using_context` reads presidio's NLP
    #: artifacts, so the engine need not build them for this recognizer.
    reads_nlp_artifacts: ClassVar[bool] = False

    #: Texts :meth:`prepare` may hold decided at once; more are read when asked for.
    PREPARED_TEXTS = 4096

    def prepare(self, texts: Sequence[str]) -> None:
        """Decide the PERSON spans of ``texts`` now, with one model call for all of them.

        The engine calls this with every chunk of a long text, or every segment of a batch,
        before it asks :meth:`analyze` about each; :meth:`analyze` then hands back what was
        decided here, as often as the text comes in the batch (a dump's column repeats its
        values), until the next call. Without it, :meth:`analyze` decides alone, with the
        same result. A text without capitals is never asked about (the catalogue's
        prefilter), so it is not decided.
        """
        if self.model is None:
            return
        planned = self._planned
        planned.clear()  # what the last batch decided
        gaz = self.gazetteer
        work: dict[str, tuple[list[tuple[int, int, int, str, bool]], list[tuple[int, int]]]] = {}
        for text in texts:
            if not text or text in planned or text in work or _UPPER.search(text) is None:
                continue
            scan = CoreScan(text, gaz)  # one pass in the core, for rules and windows
            if scan.windows:
                work[text] = (scan.found, scan.windows)
            else:
                planned[text] = combine_found(text, scan.found, [], gaz) if scan.found else []
            if len(planned) + len(work) >= self.PREPARED_TEXTS:
                break  # the rest are decided when asked for
        found = self.model.found_of([(text, windows) for text, (_, windows) in work.items()])
        for (text, (candidates, _)), spans in zip(work.items(), found, strict=True):
            planned[text] = combine_found(text, candidates, spans, gaz)

    def _rules(self, text: str) -> tuple[list[NameCandidate], list[tuple[int, int]]]:
        """The candidates of ``text`` and the windows the model must read."""
        scan = CoreScan(text, self.gazetteer)  # one pass in the core, for rules and windows
        candidates = find_candidates(text, self.gazetteer, scan=scan)
        if self.model is None:
            return candidates, []
        return candidates, model_windows(text, candidates, self.gazetteer, scan=scan)

    def _decided(self, text: str) -> list[FoundSpan]:
        """The combined spans of ``text`` as the core gives them: what :meth:`prepare`
        decided, else decided now."""
        spans = self._planned.get(text)
        if spans is None:
            scan = CoreScan(text, self.gazetteer)
            if self.model is None:  # the candidates as they are (candidates_only)
                return [
                    (start, end, strength, (evidence,), None)
                    for start, end, strength, evidence, _ in scan.found
                ]
            found = self.model.found_of([(text, scan.windows)])[0]
            spans = combine_found(text, scan.found, found, self.gazetteer)
        return spans

    def spans(self, text: str) -> list[PersonSpan]:
        """The combined PERSON spans of ``text``."""
        return person_spans(self._decided(text))

    def analyze(
        self, text: str, entities: Sequence[str] | None = None, nlp_artifacts: Any = None
    ) -> list[RecognizerResult]:
        """PERSON spans of ``text``, with strength tiers as scores."""
        return [self._result(text, span) for span in self.spans(text)]

    def hits(
        self, text: str, owned: int, context: Sequence[str]
    ) -> list[tuple[int, int, float, str, tuple[str, ...], str, str]]:
        """What :meth:`analyze` and then :meth:`enhance_using_context` give for ``text``
        (with ``context`` as the outside words), for piiscan's engine: ``(start, end, score,
        normalised value, flags, context word or "", mask)`` of each span starting before
        ``owned``, its score rounded as a finding's.

        The same decisions without a presidio result per span (a dict of metadata, then
        read back), made by the compiled core (``NameContext`` in ``core/src/py.rs``): on
        dense text, doing this span by span in Python cost about a tenth of the names path.
        """
        spans = self._decided(text)
        if not spans:
            return []
        column = next((c for c in context if is_name_column(c)), None)
        return self._finish.hits(
            core_rules(self.gazetteer),
            text,
            _for_core(text),
            spans,
            owned,
            column.casefold() if column is not None else None,
            _value_form,
            _MASK,
        )

    def _result(self, text: str, span: PersonSpan) -> RecognizerResult:
        raw = text[span.start : span.end]
        hit = span.gazetteer_hit
        if hit is None:
            hit = self._has_gazetteer_word(raw)
        return self.result(
            span.start,
            span.end,
            span.strength,
            name_value_form(raw),
            span.evidence,
            **{META_GAZETTEER: hit},
        )

    def _has_gazetteer_word(self, raw: str) -> bool:
        gaz = self.gazetteer
        return any(
            gaz.first_name_bearers(w) or gaz.is_known_surname(w)
            for w in raw.replace(",", " ").split()
        )

    def enhance_using_context(
        self,
        text: str,
        raw_recognizer_results: list[RecognizerResult],
        other_raw_recognizer_results: list[RecognizerResult],
        nlp_artifacts: Any,
        context: list[str] | None = None,
    ) -> list[RecognizerResult]:
        """Raise results in a name column to a finding; raise others near a context word.

        A column or header naming a person (``Namn``, ``Förnamn``, ``Kontaktperson``,
        ``Från``) makes a candidate with a gazetteer word :attr:`~Strength.HIGH` and any other
        at least :attr:`~Strength.MEDIUM`; a context word within the window raises one tier.
        """
        if not raw_recognizer_results:  # most cells of a table hold no name
            return raw_recognizer_results
        column = next((c for c in context or () if is_name_column(c)), None)
        window = self.spec.context_window
        for result in raw_recognizer_results:
            meta = result.recognition_metadata
            meta[RecognizerResult.IS_SCORE_ENHANCED_BY_CONTEXT_KEY] = True
            strength = Strength(meta[META_STRENGTH])
            if column is not None:
                wanted = Strength.HIGH if meta.get(META_GAZETTEER) else Strength.MEDIUM
                self.raise_to(result, max(strength, wanted), column.casefold())
                continue
            word = self._context.near(text, result.start, result.end, window)
            if word is not None:
                self.raise_to(result, Strength(min(strength + 1, Strength.HIGH)), word)
        return raw_recognizer_results


def build_person_recognizer(
    spec: RecognizerSpec, registry: Registry, config: EngineConfig | None = None
) -> EntityRecognizer:
    """Factory named by ``recognizers/person.yaml`` (``kind: class``).

    The model comes from ``config.person_model`` when a config is passed, else from the
    spec's ``options: {model: ...}``, else the bundled one.

    :raises ConfigError: when the configured spaCy pipeline is not installed.
    """
    options = dict(spec.options)
    setting = config.person_model if config is not None else str(options.get("model", BUNDLED))
    return PersonRecognizer(spec, bundled_gazetteer(), resolve_model(setting))
