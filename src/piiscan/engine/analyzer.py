"""The piiscan engine: presidio's ``AnalyzerEngine`` set up for Swedish, offline and fast."""

from __future__ import annotations

import bisect
import dataclasses
import datetime
import gc
import itertools
import logging
from collections.abc import Sequence
from typing import Any

import regex
from presidio_analyzer import (
    AnalyzerEngine,
    EntityRecognizer,
    RecognizerRegistry,
    RecognizerResult,
)
from presidio_analyzer.context_aware_enhancers import ContextAwareEnhancer
from presidio_analyzer.nlp_engine import NoOpNlpEngine

from piiscan import _core
from piiscan.catalogue import RecognizerSpec, builtin_catalogue_dir
from piiscan.config import EngineConfig
from piiscan.engine.candidates import CandidateIndex
from piiscan.engine.chunking import WINDOW_CHARS, WINDOW_OVERLAP, chunks
from piiscan.engine.compiled import adjacency, core_engine, relaxed_matcher
from piiscan.engine.context import ContextMatcher
from piiscan.engine.person import PersonRecognizer
from piiscan.engine.recognizers import (
    LANGUAGE,
    META_CONTEXT,
    META_FLAGS,
    META_KEY,
    META_NORMALIZED,
    CatalogueRecognizer,
    SpecRecognizer,
    build_recognizers,
)
from piiscan.errors import ConfigError
from piiscan.masking import mask, masker_for
from piiscan.model import Finding, Segment
from piiscan.overlap import resolve_overlaps
from piiscan.plugins import Registry
from piiscan.validators.base import Strength

CONTEXT_BOOST = 0.35
_LOG = logging.getLogger("piiscan.engine")
# Order of third-party presidio recognizers' findings after every catalogue recognizer's.
_THIRD_PARTY_ORDER = 1 << 30
# Characters around a relaxed match where the real pattern is tried: it may start or end a
# little away from where the relaxed one did.
RELAXED_MARGIN = 64
# Chunks of a long text whose name-model sentences are read in one call (16 × 64 KB).
PREPARED_CHUNKS = 16


class LinearContextEnhancer(ContextAwareEnhancer):
    """presidio's global context step in linear time, for recognizers that are not piiscan's.

    piiscan's own recognizers do their context work in the recognizer-level hook and mark
    their results, so this only touches third-party presidio recognizers that declare
    ``context`` words: +0.35 (at least 0.4) when one is within 64 characters before or 32
    after the match, or among the words passed from outside.
    """

    def __init__(self) -> None:
        super().__init__(
            context_similarity_factor=CONTEXT_BOOST,
            min_score_with_context_similarity=0.4,
            context_prefix_count=0,
            context_suffix_count=0,
        )
        self._matchers: dict[str, ContextMatcher] = {}

    def enhance_using_context(
        self,
        text: str,
        raw_results: list[RecognizerResult],
        nlp_artifacts: Any,
        recognizers: list[Any],
        context: list[str] | None = None,
    ) -> list[RecognizerResult]:
        """Boost third-party results that have context words nearby."""
        by_id = {rec.id: rec for rec in recognizers}
        for result in raw_results:
            meta = result.recognition_metadata
            if meta.get(RecognizerResult.IS_SCORE_ENHANCED_BY_CONTEXT_KEY):
                continue
            recognizer = by_id.get(meta.get(RecognizerResult.RECOGNIZER_IDENTIFIER_KEY))
            if recognizer is None or not recognizer.context:
                continue
            matcher = self._matchers.setdefault(
                recognizer.id, ContextMatcher(tuple(w.lower() for w in recognizer.context))
            )
            if matcher.near(text, result.start, result.end, (64, 32), context or ()):
                result.score = min(1.0, max(result.score + CONTEXT_BOOST, 0.4))
                meta[RecognizerResult.IS_SCORE_ENHANCED_BY_CONTEXT_KEY] = True
        return raw_results


class Engine:
    """Analyses text with piiscan's recognizers and returns piiscan findings.

    The recognizers are presidio recognizers, and :attr:`analyzer` is a presidio
    ``AnalyzerEngine`` over all of them, for callers who want presidio's own API. For speed,
    :meth:`analyze` drives the recognizers itself: catalogue recognizers through
    :meth:`CatalogueRecognizer.find <piiscan.engine.recognizers.CatalogueRecognizer.find>`
    (the code their presidio hooks wrap), the name recognizer through its presidio hooks, and
    only third-party recognizers through ``AnalyzerEngine.analyze``, whose bookkeeping costs
    more than the matching itself on text dense with identifiers (it compares every result
    with every recognizer and every other result).

    Build it once per process (:func:`build_engine`) and reuse it.
    """

    def __init__(self, registry: Registry, config: EngineConfig | None = None) -> None:
        self.config = config or EngineConfig()
        self.registry = registry
        self.recognizers = build_recognizers(registry, self.config)
        nlp_engine = NoOpNlpEngine(models=[{"lang_code": LANGUAGE, "model_name": "no_op"}])
        nlp_engine.load()
        self._nlp_engine = nlp_engine
        # An explicit, non-empty registry: an empty one makes presidio load its English defaults.
        presidio_registry = RecognizerRegistry(
            recognizers=self.recognizers, supported_languages=[LANGUAGE]
        )
        self.analyzer = AnalyzerEngine(
            registry=presidio_registry,
            nlp_engine=nlp_engine,
            supported_languages=[LANGUAGE],
            default_score_threshold=0.0,
            context_aware_enhancer=LinearContextEnhancer(),
        )
        # presidio's decision trace would log scanned text; make sure nobody turns it on here.
        self.analyzer.log_decision_process = False
        logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)
        specs: dict[str, RecognizerSpec] = {s.key: s for s in registry.specs}
        self._priorities = {key: spec.priority for key, spec in specs.items()}
        wanted = set(self.config.entities) if self.config.entities else None
        entity_types = sorted({e for r in self.recognizers for e in r.supported_entities})
        unknown = sorted((wanted or set()) - set(entity_types))
        if unknown:
            raise ConfigError(
                f"unknown entity type {', '.join(unknown)} (--entities); "
                f"known: {', '.join(entity_types)}"
            )
        self.entity_types = tuple(e for e in entity_types if wanted is None or e in wanted)
        prefilters = {s.id: s.prefilter for s in registry.specs}
        self._order = {spec.key: position for position, spec in enumerate(registry.specs)}
        self._plan: list[tuple[regex.Pattern[str] | None, EntityRecognizer]] = []
        third_party: set[str] = set()
        # Catalogue recognizers whose patterns fit the core's subset run in the core, in one
        # pass over the whole text; the others (and the name recognizer) stay here.
        wanted_catalogue = [
            (
                recognizer.spec,
                self._order[recognizer.spec.key],
                recognizer.validator,
                recognizer.cached_validator,
            )
            for recognizer in self.recognizers
            if isinstance(recognizer, CatalogueRecognizer)
            and recognizer.spec.entity in self.entity_types
        ]
        build = core_engine(wanted_catalogue, self.config.min_score)
        self._core = build.engine
        # What a core finding of each rule becomes: entity, recognizer key, Python masker
        # (for an entity whose mask the core has no copy of).
        self._core_meta = tuple(
            (spec.entity, spec.key, masker_for(spec.entity)) for spec in build.compiled
        )
        # The core builds the Finding objects of its own findings (see core/src/py_findings.rs).
        self._maker = _core.FindingMaker(Finding, dataclasses.replace, list(self._core_meta))
        in_core = {spec.key for spec in build.compiled}
        builtin = builtin_catalogue_dir().resolve()
        for spec in build.python_only:
            if not _is_under(spec.source, builtin):
                _LOG.warning(
                    "recognizer %s: its patterns need more than the core's linear-time subset "
                    "(lookaround inside a pattern, back-reference); it runs on the slower "
                    "Python path",
                    spec.id,
                )
        self.python_path = tuple(spec.id for spec in build.python_only)
        self.core_path = tuple(spec.id for spec in build.compiled)
        # Recognizers outside the subset whose patterns relax into it (one-class lookarounds
        # dropped): the core finds where they can match, their real patterns run only there.
        relaxed = relaxed_matcher(build.python_only)
        self._relaxed = relaxed[0] if relaxed else None
        relaxed_ids = relaxed[1] if relaxed else ()
        by_id = {r.spec.id: r for r in self.recognizers if isinstance(r, CatalogueRecognizer)}
        self._relaxed_recognizers = tuple(by_id[i] for i in relaxed_ids)
        relaxed_gates = [prefilters.get(i) for i in relaxed_ids]
        self._relaxed_gate = (
            regex.compile("|".join(f"(?:{g})" for g in relaxed_gates if g))
            if relaxed_gates and all(relaxed_gates)
            else None
        )
        for recognizer in self.recognizers:
            entities = [e for e in recognizer.supported_entities if e in self.entity_types]
            if not entities:
                continue
            if isinstance(recognizer, SpecRecognizer) and recognizer.spec.key in in_core:
                continue
            if isinstance(recognizer, SpecRecognizer) and recognizer.spec.id in relaxed_ids:
                continue
            if isinstance(recognizer, SpecRecognizer):
                prefilter = prefilters.get(recognizer.spec.id)
                # The candidate index is the better prefilter: it already says where (and
                # whether) a match can be, and a prefilter that finds nothing in a long text
                # costs a whole pass over it.
                if isinstance(recognizer, CatalogueRecognizer) and recognizer.spec.candidates:
                    prefilter = None
                compiled = regex.compile(prefilter) if prefilter else None
                self._plan.append((compiled, recognizer))
            else:
                third_party.update(entities)
        self._third_party_entities = sorted(third_party)
        # Recognizers whose weak matches rise one tier right beside a finding of another
        # entity (a bare 10-digit personnummer written after a name): key -> (entities,
        # score of a weak match, score one tier up).
        self._adjacency = {
            spec.key: (
                frozenset(spec.adjacent_to),
                spec.score_for(Strength.LOW),
                spec.score_for(Strength.MEDIUM),
            )
            for spec in registry.specs
            if spec.adjacent_to
        }
        self._adjacency_core = {spec.key: adjacency(spec) for spec in registry.specs}
        self._python_work = bool(
            self._plan or self._third_party_entities or self._relaxed_recognizers
        )
        # What every recognizer on the Python path needs (the address a digit): a text
        # without it skips that path whole, which is most of what short cells cost.
        gates = [
            prefilters.get(r.spec.id) if isinstance(r, SpecRecognizer) else None
            for _, r in self._plan
        ]
        self._python_gate = (
            regex.compile("|".join(f"(?:{g})" for g in gates if g))
            if gates and all(gates) and not self._third_party_entities
            else None
        )

    def analyze(self, text: str, context: Sequence[str] = (), locator: str = "") -> list[Finding]:
        """All findings in ``text`` above the configured score, overlaps resolved.

        :param context: words from outside the text (column name, header name) that count as
            if they stood next to every match.
        :param locator: copied into every finding.
        """
        try:
            return self._analyze(text, context, locator)
        except UnicodeEncodeError:  # a lone surrogate (a JSON "\ud800" escape)
            return self._analyze(_without_surrogates(text), context, locator)

    def _analyze(self, text: str, context: Sequence[str], locator: str) -> list[Finding]:
        if not text:
            return []
        context = tuple(context)
        outside = self._python_findings(text, context, locator) if self._python_work else []
        if self._core is None:
            return self._resolve_in_python(text, outside)
        today = datetime.date.today()
        day = (today.year, today.month, today.day)
        handed = [self._outside(finding) for finding in outside]
        return self._core.analyze_findings(
            self._maker, text, list(context), day, handed, outside, locator
        )

    def _python_findings(
        self, text: str, context: tuple[str, ...], locator: str, *, located: bool = True
    ) -> list[Finding]:
        """Findings of the recognizers outside the core (names, patterns beyond its subset,
        third-party presidio recognizers), in the engine's own windows
        (:data:`~piiscan.engine.chunking.WINDOW_CHARS`).

        :param located: also those the core locates (off when the caller did that already).
        """
        findings: list[Finding] = []
        if (
            located
            and self._relaxed is not None
            and (self._relaxed_gate is None or self._relaxed_gate.search(text) is not None)
        ):
            self._relaxed_findings(text, context, locator, findings)
        if not self._plan and not self._third_party_entities:
            return findings
        if self._python_gate is not None and self._python_gate.search(text) is None:
            return findings
        if len(text) <= WINDOW_CHARS:  # one window (a cell, a field): what chunks() gives
            self._analyze_chunk(text, 0, len(text), context, locator, findings)
            return findings
        windows = chunks(text, WINDOW_CHARS, WINDOW_OVERLAP)
        # A few chunks at a time, so the name model reads their sentences in one call while
        # the copies of a long text stay few.
        while group := list(itertools.islice(windows, PREPARED_CHUNKS)):
            if len(group) > 1:
                self._prepare([chunk for _, _, chunk in group])
            for offset, owned_until, chunk in group:
                self._analyze_chunk(chunk, offset, owned_until - offset, context, locator, findings)
        return findings

    def _prepare(self, texts: Sequence[str]) -> None:
        """Let recognizers that read many texts best at once (the name model) read these,
        which the engine is about to hand them one by one."""
        for _, recognizer in self._plan:
            prepare = getattr(recognizer, "prepare", None)
            if prepare is not None:
                prepare(texts)

    def _relaxed_findings(
        self,
        text: str,
        context: tuple[str, ...],
        locator: str,
        out: list[Finding],
        hits: Sequence[tuple[int, int, int, int]] | None = None,
    ) -> None:
        """Findings of the recognizers the core locates by their relaxed patterns: the real
        pattern runs (in Python) only in windows around what the core found.

        :param hits: the core's ``(recognizer, pattern, start, end)`` in ``text``, when the
            caller located them already.
        """
        assert self._relaxed is not None
        spans: dict[int, list[tuple[int, int]]] = {}
        for which, _, start, end in self._relaxed.find(text) if hits is None else hits:
            spans.setdefault(which, []).append((start, end))
        length = len(text)
        for number, spans_of in spans.items():
            relaxed = self._relaxed_recognizers[number]
            windows: list[tuple[int, int]] = []
            for start, end in sorted(spans_of):
                low, high = max(0, start - RELAXED_MARGIN), min(length, end + RELAXED_MARGIN)
                if windows and low <= windows[-1][1]:
                    windows[-1] = (windows[-1][0], max(windows[-1][1], high))
                else:
                    windows.append((low, high))
            self._catalogue_findings(relaxed, text, None, 0, length, context, locator, out, windows)

    def _locate_batch(self, segments: Sequence[Segment], out: list[list[Finding]]) -> None:
        """:meth:`_relaxed_findings` for many segments with one location pass of the core:
        the segments that pass the gate, joined by NUL (which no catalogue pattern matches
        and every boundary reads as the end of a text)."""
        assert self._relaxed is not None
        gate = self._relaxed_gate
        chosen = [
            n
            for n, segment in enumerate(segments)
            if segment.text and (gate is None or gate.search(segment.text) is not None)
        ]
        if not chosen:
            return
        starts: list[int] = []
        position = 0
        for n in chosen:
            starts.append(position)
            position += len(segments[n].text) + 1
        joined = "\0".join(segments[n].text for n in chosen)
        by_segment: dict[int, list[tuple[int, int, int, int]]] = {}
        for which, pattern, start, end in self._relaxed.find(joined):
            at = bisect.bisect_right(starts, start) - 1
            base = starts[at]
            if end > base + len(segments[chosen[at]].text):
                continue  # across a NUL: cannot be a real match
            by_segment.setdefault(at, []).append((which, pattern, start - base, end - base))
        for at, hits in by_segment.items():
            segment = segments[chosen[at]]
            self._relaxed_findings(
                segment.text, tuple(segment.context), segment.locator, out[chosen[at]], hits
            )

    def _resolve_in_python(self, text: str, findings: list[Finding]) -> list[Finding]:
        """Corroboration and overlaps without the core (no recognizer in it)."""
        if self._adjacency:
            findings = self._corroborate(text, findings)
        kept = resolve_overlaps(findings, self._priorities)
        return [f for f in kept if f.score >= self.config.min_score]

    def _outside(self, finding: Finding) -> _core.CoreOutside:
        key = finding.recognizer
        return (
            finding.entity_type,
            finding.start,
            finding.end,
            finding.score,
            self._priorities.get(key, 0),
            self._order.get(key, _THIRD_PARTY_ORDER),
            self._adjacency_core.get(key),
        )

    def _corroborate(self, text: str, findings: list[Finding]) -> list[Finding]:
        """Raise weak matches that stand right beside a finding of an entity they name.

        "Monica Viklund, 8506012380": a bare 10-digit run is weak evidence of a
        personnummer, but not written straight after a person's name. Only separators (space,
        comma, colon, quote, bracket, bar), at most four of them, may stand between.
        """
        min_score = self.config.min_score
        wanted = {e for entities, _, _ in self._adjacency.values() for e in entities}
        anchors: dict[str, list[tuple[int, int]]] = {}
        for finding in findings:
            if finding.entity_type in wanted and finding.score >= min_score:
                anchors.setdefault(finding.entity_type, []).append((finding.start, finding.end))
        if not anchors:
            return findings
        for spans in anchors.values():
            spans.sort()
        out = []
        for finding in findings:
            rule = self._adjacency.get(finding.recognizer)
            if rule is not None and finding.score <= rule[1]:
                entity = _beside(text, finding, rule[0], anchors)
                if entity is not None:
                    finding = dataclasses.replace(finding, score=rule[2], context=entity)
            out.append(finding)
        return out

    def analyze_segment(self, segment: Segment) -> list[Finding]:
        """Findings of one extracted segment, carrying its locator."""
        return self.analyze(segment.text, segment.context, segment.locator)

    def analyze_batch(self, segments: Sequence[Segment]) -> list[list[Finding]]:
        """Findings of many segments at once, one list per segment, in order.

        Extractors of tabular data yield many short segments (cells, field values); handing
        them over in one call lets the engine pay its fixed per-call cost once per batch:
        the core analyses every segment in one call, each with its own context words.
        """
        try:
            return self._analyze_batch(segments)
        except UnicodeEncodeError:  # a lone surrogate (a JSON "\ud800" escape)
            return self._analyze_batch(
                [dataclasses.replace(s, text=_without_surrogates(s.text)) for s in segments]
            )

    def _analyze_batch(self, segments: Sequence[Segment]) -> list[list[Finding]]:
        core = self._core
        if core is None:
            return [self.analyze_segment(segment) for segment in segments]
        outside_all: list[list[Finding]] = []
        outside: list[tuple[Any, ...]] = []
        if self._python_work:
            self._prepare([s.text for s in segments if len(s.text) <= WINDOW_CHARS])
            # The gate _python_findings opens with, here: most cells of a dump do not pass it.
            gate = self._python_gate
            outside_all = [
                self._python_findings(
                    segment.text, tuple(segment.context), segment.locator, located=False
                )
                if segment.text and (gate is None or gate.search(segment.text) is not None)
                else []
                for segment in segments
            ]
            if self._relaxed is not None:
                self._locate_batch(segments, outside_all)
            for number, found in enumerate(outside_all):
                if found:
                    outside.extend((number, *self._outside(finding)) for finding in found)
        today = datetime.date.today()
        day = (today.year, today.month, today.day)
        # The core reads each segment's text, context and locator itself: lists of them built
        # here cost more than its whole analysis of a short cell without candidates.
        return core.analyze_batch_findings(self._maker, segments, day, outside, outside_all)

    def _analyze_chunk(
        self,
        chunk: str,
        offset: int,
        owned: int,
        context: tuple[str, ...],
        locator: str,
        out: list[Finding],
    ) -> None:
        # Built on first need: the name recognizer does not read it (a tenth of its cost).
        index: CandidateIndex | None = None
        artifacts: Any = None
        passed: dict[str, bool] = {}
        for prefilter, recognizer in self._plan:
            if prefilter is not None:
                hit = passed.get(prefilter.pattern)
                if hit is None:
                    hit = passed[prefilter.pattern] = prefilter.search(chunk) is not None
                if not hit:
                    continue
            if isinstance(recognizer, CatalogueRecognizer):
                if index is None:
                    index = CandidateIndex.of(chunk)
                self._catalogue_findings(
                    recognizer, chunk, index, offset, owned, context, locator, out
                )
                continue
            if isinstance(recognizer, PersonRecognizer):
                self._person_findings(recognizer, chunk, offset, owned, context, locator, out)
                continue
            # presidio's artifacts cost ~30 us a text; a recognizer may say it never reads them.
            if artifacts is None and getattr(recognizer, "reads_nlp_artifacts", True):
                artifacts = self._artifacts(chunk, index)
            results = recognizer.analyze(chunk, recognizer.supported_entities, artifacts)
            results = recognizer.enhance_using_context(
                chunk, results, [], artifacts, list(context) or None
            )
            self._presidio_findings(results, chunk, offset, owned, locator, context, out)
        if self._third_party_entities:
            if artifacts is None:
                artifacts = self._artifacts(chunk, index)
            results = self.analyzer.analyze(
                text=chunk,
                language=LANGUAGE,
                entities=self._third_party_entities,
                context=list(context) or None,
                nlp_artifacts=artifacts,
            )
            self._presidio_findings(results, chunk, offset, owned, locator, context, out)

    def _artifacts(self, chunk: str, index: CandidateIndex | None) -> Any:
        artifacts = self._nlp_engine.process_text(chunk, LANGUAGE)
        # Recognizers that know the index look only where they can match (without one, in
        # all of the text); others ignore it.
        setattr(artifacts, "piiscan_candidates", index)  # noqa: B010
        return artifacts

    def _catalogue_findings(
        self,
        recognizer: CatalogueRecognizer,
        chunk: str,
        index: CandidateIndex | None,
        offset: int,
        owned: int,
        context: tuple[str, ...],
        locator: str,
        out: list[Finding],
        windows: Sequence[tuple[int, int]] | None = None,
    ) -> None:
        entity = recognizer.spec.entity
        key = recognizer.spec.key
        masker = masker_for(entity)
        # A finding under the minimum score is never reported, and in overlap resolution it
        # can only beat findings scored lower still; unless a neighbour may raise it
        # (adjacent_to), it is not worth building.
        floor = 0.0 if key in self._adjacency else self.config.min_score
        for start, end, strength, normalized, flags, word in recognizer.find(
            chunk, index, context, windows=windows
        ):
            score = recognizer.score(strength)
            if start >= owned or score < floor:
                continue
            out.append(
                Finding(
                    entity_type=entity,
                    start=offset + start,
                    end=offset + end,
                    score=score,
                    masked=masker(chunk[start:end]),
                    recognizer=key,
                    flags=flags,
                    locator=locator,
                    context=_context_label(word, context),
                    normalized=normalized,
                )
            )

    @staticmethod
    def _person_findings(
        recognizer: PersonRecognizer,
        chunk: str,
        offset: int,
        owned: int,
        context: tuple[str, ...],
        locator: str,
        out: list[Finding],
    ) -> None:
        """The name recognizer's findings: what its presidio hooks and
        :meth:`_presidio_findings` make of them, without the presidio results."""
        entity = recognizer.spec.entity
        key = recognizer.spec.key
        for start, end, score, normalized, flags, word, masked in recognizer.hits(
            chunk, owned, context
        ):
            out.append(
                Finding(
                    entity_type=entity,
                    start=offset + start,
                    end=offset + end,
                    score=score,
                    masked=masked,
                    recognizer=key,
                    flags=flags,
                    locator=locator,
                    context=_context_label(word, context) if word else "",
                    normalized=normalized,
                )
            )

    def _presidio_findings(
        self,
        results: list[RecognizerResult],
        chunk: str,
        offset: int,
        owned: int,
        locator: str,
        context: Sequence[str],
        out: list[Finding],
    ) -> None:
        for result in results:
            if result.start >= owned or result.score <= 0:
                continue
            out.append(self._finding(result, chunk, offset, locator, context))

    @staticmethod
    def _finding(
        result: RecognizerResult, chunk: str, offset: int, locator: str, context: Sequence[str]
    ) -> Finding:
        meta = result.recognition_metadata or {}
        raw = chunk[result.start : result.end]
        key = meta.get(META_KEY)
        if key is None:  # a third-party presidio recognizer
            name = meta.get(RecognizerResult.RECOGNIZER_NAME_KEY, "presidio")
            key = f"presidio.{name}@0"
        return Finding(
            entity_type=result.entity_type,
            start=offset + result.start,
            end=offset + result.end,
            score=round(float(result.score), 4),
            masked=mask(result.entity_type, raw),
            recognizer=key,
            flags=tuple(meta.get(META_FLAGS, ())),
            locator=locator,
            context=_context_label(meta.get(META_CONTEXT, ""), context),
            normalized=meta.get(META_NORMALIZED) or " ".join(raw.split()).casefold(),
        )


def _context_label(word: str, context: Sequence[str]) -> str:
    """What a finding records as its context: the outside word (a column name) that holds
    the matched stem, else the stem itself."""
    if word and context:
        for outside in context:
            # The matcher reads snake_case names as words ("org_nr" as "org nr").
            if word in outside.lower().replace("_", " "):
                return outside
    return word


_SEPARATORS_ONLY = regex.compile(r"[\s,;:'\"()\[\]|]{0,4}")


def _beside(
    text: str,
    finding: Finding,
    entities: frozenset[str],
    anchors: dict[str, list[tuple[int, int]]],
) -> str | None:
    """The entity of an anchor directly before or after ``finding``, if any."""
    for entity in entities:
        spans = anchors.get(entity)
        if not spans:
            continue
        position = bisect.bisect_left(spans, (finding.start, finding.start))
        if position > 0:
            _, end = spans[position - 1]
            if end <= finding.start and _SEPARATORS_ONLY.fullmatch(text, end, finding.start):
                return entity
        if position < len(spans):
            start, _ = spans[position]
            if start >= finding.end and _SEPARATORS_ONLY.fullmatch(text, finding.end, start):
                return entity
    return None


_SURROGATE = regex.compile("[\ud800-\udfff]")


def _without_surrogates(text: str) -> str:
    """``text`` with every lone surrogate as U+FFFD: the same length, so offsets stay."""
    return str(_SURROGATE.sub("\ufffd", text))


def _is_under(source: str, directory: Any) -> bool:
    """True when the catalogue file ``source`` lies in ``directory`` (the built-in one)."""
    try:
        from pathlib import Path

        return Path(source).resolve().is_relative_to(directory)
    except (OSError, ValueError):
        return False


def build_engine(registry: Registry, config: EngineConfig | None = None) -> Engine:
    """Build an :class:`Engine`; call once per process and reuse it.

    What is loaded by then (presidio, the recognizers, the gazetteers) lives as long as the
    process, so it is moved out of the cyclic garbage collector's reach (``gc.freeze``):
    otherwise every full collection, which the findings of a dense text trigger, walks all of
    it again (a fifth of a short cell's cost, measured).
    """
    engine = Engine(registry, config)
    gc.freeze()
    return engine
