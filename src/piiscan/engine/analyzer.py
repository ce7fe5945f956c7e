"""The piiscan engine: presidio's ``AnalyzerEngine`` set up for Swedish, offline and fast."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import regex
from presidio_analyzer import AnalyzerEngine, RecognizerRegistry, RecognizerResult
from presidio_analyzer.context_aware_enhancers import ContextAwareEnhancer
from presidio_analyzer.nlp_engine import NoOpNlpEngine

from piiscan.catalogue import RecognizerSpec
from piiscan.config import EngineConfig
from piiscan.engine.candidates import CandidateIndex
from piiscan.engine.chunking import chunks
from piiscan.engine.context import ContextMatcher
from piiscan.engine.recognizers import (
    LANGUAGE,
    META_CONTEXT,
    META_FLAGS,
    META_KEY,
    META_NORMALIZED,
    build_recognizers,
)
from piiscan.masking import mask
from piiscan.model import Finding, Segment
from piiscan.overlap import resolve_overlaps
from piiscan.plugins import Registry

CONTEXT_BOOST = 0.35


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
    """Analyses text with presidio and returns piiscan findings.

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
        self.entity_types = tuple(e for e in entity_types if wanted is None or e in wanted)
        self._prefilters = self._compile_prefilters(registry.specs)

    @staticmethod
    def _compile_prefilters(
        specs: Sequence[RecognizerSpec],
    ) -> list[tuple[regex.Pattern[str] | None, str]]:
        return [
            (regex.compile(spec.prefilter) if spec.prefilter else None, spec.entity)
            for spec in specs
        ]

    def _candidate_entities(self, text: str) -> list[str]:
        found: set[str] = set()
        cache: dict[str, bool] = {}
        for pattern, entity in self._prefilters:
            if pattern is None:
                found.add(entity)
                continue
            hit = cache.get(pattern.pattern)
            if hit is None:
                hit = cache[pattern.pattern] = pattern.search(text) is not None
            if hit:
                found.add(entity)
        # Third-party recognizers without a catalogue entry always run.
        catalogued = {entity for _, entity in self._prefilters}
        found.update(e for e in self.entity_types if e not in catalogued)
        return [e for e in self.entity_types if e in found]

    def analyze(self, text: str, context: Sequence[str] = (), locator: str = "") -> list[Finding]:
        """All findings in ``text`` above the configured score, overlaps resolved.

        :param context: words from outside the text (column name, header name) that count as
            if they stood next to every match.
        :param locator: copied into every finding.
        """
        if not text:
            return []
        findings: list[Finding] = []
        context_list = list(context) or None
        for offset, owned_until, chunk in chunks(
            text, self.config.chunk_chars, self.config.chunk_overlap
        ):
            entities = self._candidate_entities(chunk)
            if not entities:
                continue
            artifacts = self._nlp_engine.process_text(chunk, LANGUAGE)
            # Recognizers that know the index look only where they can match; others ignore it.
            setattr(artifacts, "piiscan_candidates", CandidateIndex.of(chunk))  # noqa: B010
            results = self.analyzer.analyze(
                text=chunk,
                language=LANGUAGE,
                entities=entities,
                context=context_list,
                nlp_artifacts=artifacts,
            )
            for result in results:
                start = offset + result.start
                if start >= owned_until or result.score <= 0:
                    continue
                findings.append(self._finding(result, chunk, offset, locator, context))
        kept = resolve_overlaps(findings, self._priorities)
        return [f for f in kept if f.score >= self.config.min_score]

    def analyze_segment(self, segment: Segment) -> list[Finding]:
        """Findings of one extracted segment, carrying its locator."""
        return self.analyze(segment.text, segment.context, segment.locator)

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
        context_word = meta.get(META_CONTEXT, "")
        external = next((c for c in context if context_word and context_word in c.lower()), "")
        return Finding(
            entity_type=result.entity_type,
            start=offset + result.start,
            end=offset + result.end,
            score=round(float(result.score), 4),
            masked=mask(result.entity_type, raw),
            recognizer=key,
            flags=tuple(meta.get(META_FLAGS, ())),
            locator=locator,
            context=external or context_word,
            normalized=meta.get(META_NORMALIZED) or " ".join(raw.split()).casefold(),
        )


def build_engine(registry: Registry, config: EngineConfig | None = None) -> Engine:
    """Build an :class:`Engine`; call once per process and reuse it."""
    return Engine(registry, config)
