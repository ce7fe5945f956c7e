"""presidio recognizers built from the catalogue.

A :class:`CatalogueRecognizer` is an ordinary presidio ``LocalRecognizer``: it works inside
piiscan's :class:`~piiscan.engine.Engine` and inside a plain presidio ``AnalyzerEngine``::

    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import NoOpNlpEngine
    from piiscan.engine import build_recognizers
    from piiscan.plugins import load_registry

    nlp = NoOpNlpEngine(models=[{"lang_code": "sv", "model_name": "no_op"}])
    registry = RecognizerRegistry(recognizers=build_recognizers(load_registry()),
                                  supported_languages=["sv"])
    analyzer = AnalyzerEngine(registry=registry, nlp_engine=nlp, supported_languages=["sv"])
    analyzer.analyze("Personnummer: 850601-2387", language="sv")

Each result carries, in ``recognition_metadata``, the recognizer key (``id@version``), the
flags from validation and the normalised value for keyed hashing (never logged by piiscan).
"""

from __future__ import annotations

import functools
import importlib
import inspect
from collections.abc import Iterator, Sequence
from typing import Any

import regex
from presidio_analyzer import EntityRecognizer, LocalRecognizer, RecognizerResult

from piiscan.catalogue import RecognizerSpec
from piiscan.config import EngineConfig
from piiscan.engine.context import ContextMatcher
from piiscan.errors import PluginError
from piiscan.plugins import Registry
from piiscan.validators.base import Strength, Validator

LANGUAGE = "sv"
META_KEY = "piiscan.key"
META_NORMALIZED = "piiscan.normalized"
META_FLAGS = "piiscan.flags"
META_STRENGTH = "piiscan.strength"
META_CONTEXT = "piiscan.context"
# Labels stand right before what they label ("OCR: 4242 ..."); a wider window would let a
# neighbouring cell's label silence a value.
NEGATIVE_WINDOW = 24


class SpecRecognizer(LocalRecognizer):
    """A presidio recognizer configured by a catalogue entry: name, version, context, scores.

    Subclasses find spans and call :meth:`result`, which puts piiscan's metadata (recognizer
    key, normalised value, flags, strength) where the engine and the context step read it.
    """

    def __init__(self, spec: RecognizerSpec) -> None:
        self.spec = spec
        self._context = ContextMatcher(spec.context)
        self._scores = dict(spec.scores)
        super().__init__(
            supported_entities=[spec.entity],
            name=spec.id,
            supported_language=LANGUAGE,
            version=str(spec.version),
            context=list(spec.context),
        )

    def load(self) -> None:
        """Nothing to load up front."""

    def result(
        self,
        start: int,
        end: int,
        strength: Strength,
        normalized: str,
        flags: Sequence[str] = (),
        **metadata: Any,
    ) -> RecognizerResult:
        """A presidio result scored by this recognizer's tier for ``strength``."""
        return RecognizerResult(
            entity_type=self.spec.entity,
            start=start,
            end=end,
            score=self._scores[strength],
            recognition_metadata={
                RecognizerResult.RECOGNIZER_NAME_KEY: self.spec.id,
                RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
                META_KEY: self.spec.key,
                META_NORMALIZED: normalized,
                META_FLAGS: tuple(flags),
                META_STRENGTH: strength,
                **metadata,
            },
        )

    def raise_to(self, result: RecognizerResult, strength: Strength, word: str) -> None:
        """Record the context ``word`` that lifted ``result`` to ``strength`` and rescore it."""
        meta = result.recognition_metadata
        meta[META_STRENGTH] = strength
        meta[META_CONTEXT] = word
        result.score = max(result.score, self._scores[strength])


class CatalogueRecognizer(SpecRecognizer):
    """A recognizer declared in ``recognizers/*.yaml``: patterns, a validator, context tiers.

    :param spec: the catalogue entry.
    :param validator: the function named by ``spec.validator`` (``None`` when it names none).
    """

    def __init__(self, spec: RecognizerSpec, validator: Validator | None) -> None:
        super().__init__(spec)
        # Validators are pure, and the same phone number or org number recurs across a share
        # (signatures, letterheads), so remembering verdicts saves most validation work.
        self._validator = functools.lru_cache(maxsize=1 << 16)(validator) if validator else None
        flags = regex.IGNORECASE if spec.ignore_case else 0
        self._patterns = [(regex.compile(p.regex, flags), p.strength) for p in spec.patterns]
        self._negative = ContextMatcher(spec.negative_context)

    def analyze(
        self, text: str, entities: Sequence[str] | None = None, nlp_artifacts: Any = None
    ) -> list[RecognizerResult]:
        """Find, validate and score every match of this recognizer's patterns in ``text``."""
        best: dict[tuple[int, int], RecognizerResult] = {}
        index = getattr(nlp_artifacts, "piiscan_candidates", None)
        if index is None or self.spec.candidates is None:
            windows = [(0, len(text))]  # plain presidio use: scan the whole text
        else:
            windows = index.windows(self.spec.candidates)
        for pattern, pattern_strength in self._patterns:
            for match in _matches(pattern, text, windows):
                if "value" in pattern.groupindex:
                    start, end = match.span("value")
                else:
                    start, end = match.span()
                if start == end:
                    continue
                normalized = text[start:end]
                strength = pattern_strength
                flags: frozenset[str] = frozenset()
                if self._validator is not None:
                    verdict = self._validator(normalized)
                    if verdict is None:
                        continue
                    normalized = verdict.normalized
                    flags = verdict.flags
                    if verdict.strength is not None:
                        strength = verdict.strength
                previous = best.get((start, end))
                if (
                    previous is not None
                    and previous.recognition_metadata[META_STRENGTH] >= strength
                ):
                    continue
                best[(start, end)] = self.result(start, end, strength, normalized, sorted(flags))
        return list(best.values())

    def enhance_using_context(
        self,
        text: str,
        raw_recognizer_results: list[RecognizerResult],
        other_raw_recognizer_results: list[RecognizerResult],
        nlp_artifacts: Any,
        context: list[str] | None = None,
    ) -> list[RecognizerResult]:
        """Raise a result one strength tier when a context word is near; drop it on a negative one.

        Runs in presidio's recognizer-level hook, so it applies in a plain ``AnalyzerEngine``
        too, and marks results as enhanced so presidio's own enhancer leaves them alone.
        """
        extra = context or ()
        window = self.spec.context_window
        for result in raw_recognizer_results:
            meta = result.recognition_metadata
            meta[RecognizerResult.IS_SCORE_ENHANCED_BY_CONTEXT_KEY] = True
            # A negative word counts only before the match, where labels stand ("OCR: ..."):
            # "betalat med kort 4242 ... men ordern" must not silence the card.
            if self._negative.near(text, result.start, result.end, (NEGATIVE_WINDOW, 0)):
                result.score = 0.0
                continue
            word = self._context.near(text, result.start, result.end, window, extra)
            if word is None:
                continue
            self.raise_to(result, Strength(min(meta[META_STRENGTH] + 1, Strength.HIGH)), word)
        return raw_recognizer_results


def _matches(
    pattern: regex.Pattern[str], text: str, windows: Sequence[tuple[int, int]]
) -> Iterator[regex.Match[str]]:
    for low, high in windows:
        yield from pattern.finditer(text, low, high)


def build_recognizers(
    registry: Registry, config: EngineConfig | None = None
) -> list[EntityRecognizer]:
    """One presidio recognizer per catalogue entry, language ``sv``.

    :raises PluginError: when a ``kind: class`` factory cannot be imported.
    """
    recognizers: list[EntityRecognizer] = []
    for spec in registry.specs:
        if spec.kind == "class":
            recognizers.append(_from_factory(spec, registry, config))
        else:
            validator = registry.validator(spec.validator) if spec.validator else None
            recognizers.append(CatalogueRecognizer(spec, validator))
    return recognizers


def _from_factory(
    spec: RecognizerSpec, registry: Registry, config: EngineConfig | None
) -> EntityRecognizer:
    module_name, _, attribute = (spec.factory or "").partition(":")
    try:
        factory = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as exc:
        raise PluginError(f"{spec.source}: cannot load factory {spec.factory!r} ({exc})") from None
    # Factories that take engine settings (the person model) get them; plain ones do not.
    if "config" in inspect.signature(factory).parameters:
        recognizer = factory(spec, registry, config=config)
    else:
        recognizer = factory(spec, registry)
    if not isinstance(recognizer, EntityRecognizer):
        raise PluginError(f"{spec.source}: factory did not return a presidio EntityRecognizer")
    return recognizer
