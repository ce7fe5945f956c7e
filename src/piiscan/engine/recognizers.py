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

import dataclasses
import datetime
import functools
import importlib
import inspect
from collections.abc import Sequence
from typing import Any

import regex
from presidio_analyzer import EntityRecognizer, LocalRecognizer, RecognizerResult

from piiscan.catalogue import RecognizerSpec
from piiscan.config import EngineConfig
from piiscan.engine.candidates import CandidateIndex
from piiscan.engine.context import ContextMatcher
from piiscan.errors import PluginError
from piiscan.plugins import Registry
from piiscan.validators.base import Strength, Validator

LANGUAGE = "sv"
# A core engine not built yet (None means: the patterns need Python's engine).
_UNBUILT: Any = object()
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


# A match found by a catalogue recognizer, before it becomes a Finding:
# (start, end, strength, normalised value, flags, context word that raised it or "").
# A plain tuple: the engine builds thousands per megabyte of business text.
Hit = tuple[int, int, Strength, str, tuple[str, ...], str]


class CatalogueRecognizer(SpecRecognizer):
    """A recognizer declared in ``recognizers/*.yaml``: patterns, a validator, context tiers.

    The matching itself is :meth:`find`, which piiscan's engine calls directly; presidio's
    :meth:`analyze` and :meth:`enhance_using_context` hooks wrap the same code, so a plain
    presidio ``AnalyzerEngine`` gets the same matches and scores.

    :param spec: the catalogue entry.
    :param validator: the function named by ``spec.validator`` (``None`` when it names none).
    """

    def __init__(self, spec: RecognizerSpec, validator: Validator | None) -> None:
        super().__init__(spec)
        # Validators are pure, and the same phone number or org number recurs across a share
        # (signatures, letterheads), so remembering verdicts saves most validation work.
        self._validator = functools.lru_cache(maxsize=1 << 16)(validator) if validator else None
        #: The validator as registered, and the same with remembered verdicts (what the core
        #: calls back for a validator it has no copy of).
        self.validator = validator
        self.cached_validator = self._validator
        # One alternation per recognizer, strongest pattern first: one regex call per window
        # instead of one per pattern, and where two patterns match at the same place the
        # stronger reading wins, as it would after deduplication.
        ordered = sorted(spec.patterns, key=lambda p: -p.strength)
        self._strengths = tuple(p.strength for p in ordered)
        # Each alternative is a named group around the whole pattern: it closes after any
        # group inside it, so a match's ``lastgroup`` names the pattern that matched.
        self._strength_of = {f"_p{i}": p.strength for i, p in enumerate(ordered)}
        flags = regex.IGNORECASE if spec.ignore_case else 0
        combined = "|".join(f"(?P<_p{i}>{p.regex})" for i, p in enumerate(ordered))
        self._pattern = regex.compile(combined, flags) if ordered else None
        self._has_value = self._pattern is not None and "value" in self._pattern.groupindex
        self._negative = ContextMatcher(spec.negative_context)
        self._has_negative = bool(spec.negative_context)
        self._core: Any = _UNBUILT

    def find(
        self,
        text: str,
        index: CandidateIndex | None = None,
        context: Sequence[str] = (),
        *,
        apply_context: bool = True,
        windows: Sequence[tuple[int, int]] | None = None,
    ) -> list[Hit]:
        """Every validated match in ``text``; with ``apply_context``, rescored by context.

        :param index: the candidate index of ``text``; without one the whole text is scanned.
        :param context: words from outside the text (a column name) that count as near.
        :param windows: ``(pos, endpos)`` ranges to search instead of the index's.
        """
        pattern = self._pattern
        if pattern is None:
            return []
        candidates = self.spec.candidates
        given = windows is not None
        if windows is not None:
            pass
        elif index is None or candidates is None:
            windows = ((0, len(text)),)
        else:
            windows = index.windows(candidates)
        # An "@" window starts where the address must start: one anchored attempt each.
        anchored = (
            not given and candidates is not None and candidates.kind == "at" and index is not None
        )
        best: dict[tuple[int, int], Hit] = {}
        for low, high in windows:
            if anchored:
                found = pattern.match(text, low, high)
                matches: Any = () if found is None else (found,)
            else:
                matches = pattern.finditer(text, low, high)
            for match in matches:
                accepted = self._validated(match, text)
                if accepted is None:
                    continue
                start, end, strength, normalized, flags = accepted
                word = ""
                if apply_context:
                    judged = self.judge_context(text, start, end, strength, context)
                    if judged is None:
                        continue
                    strength, word = judged
                previous = best.get((start, end))
                if previous is not None and previous[2] >= strength:
                    continue
                best[(start, end)] = (start, end, strength, normalized, flags, word)
        return list(best.values())

    def _validated(
        self, match: Any, text: str
    ) -> tuple[int, int, Strength, str, tuple[str, ...]] | None:
        """``(start, end, strength, normalised, flags)`` of a match its validator accepts.

        A match that fails validation and holds a space is tried again cut before its last
        space, up to three times: in ``telefon=070-174 06 05 200`` the HTTP status joined
        the phone number's groups.
        """
        has_value = self._has_value
        for _ in range(4):
            if has_value and match.start("value") >= 0:
                start, end = match.span("value")
            else:
                start, end = match.span()
            if start == end:
                return None
            strength = self._strength_of[match.lastgroup]
            value = text[start:end]
            if self._validator is None:
                return start, end, strength, value, ()
            verdict = self._validator(value)
            if verdict is not None:
                flags = tuple(sorted(verdict.flags)) if verdict.flags else ()
                return start, end, verdict.strength or strength, verdict.normalized, flags
            cut = text.rfind(" ", start, end)
            if cut <= start or self._pattern is None:
                return None
            match = self._pattern.match(text, match.start(), cut)
            if match is None:
                return None
        return None

    def judge_context(
        self, text: str, start: int, end: int, strength: Strength, extra: Sequence[str] = ()
    ) -> tuple[Strength, str] | None:
        """The strength of ``text[start:end]`` after context, and the word that raised it.

        ``None`` when a negative word labels the match: it stands within 24 characters
        before it with no other number in between ("OCR: 4242 ..." is an OCR reference, but
        in "konto 1234-5, tel 070 ..." the label belongs to the account number).
        """
        if self._has_negative:
            label_end = self._negative.last_end(text, max(0, start - NEGATIVE_WINDOW), start)
            if label_end is not None and not _has_digit(text, label_end, start):
                return None
        word = self._context.near(text, start, end, self.spec.context_window, extra)
        if word is None:
            return strength, ""
        return Strength(min(strength + 1, Strength.HIGH)), word

    def score(self, strength: Strength) -> float:
        """This recognizer's score for ``strength``."""
        return self._scores[strength]

    def analyze(
        self, text: str, entities: Sequence[str] | None = None, nlp_artifacts: Any = None
    ) -> list[RecognizerResult]:
        """presidio's hook: every validated match, scored before context.

        Matching and validation run in the compiled core when this recognizer's patterns fit
        its subset (every built-in's do), else in :meth:`find`.
        """
        core = self._core_matcher()
        if core is not None:
            today = datetime.date.today()
            try:
                found = core.analyze(text, [], (today.year, today.month, today.day), [])
            except UnicodeEncodeError:  # a lone surrogate: Python's path reads it
                pass
            else:
                # Scored 1, 2, 3 by strength (see _core_matcher), so the score is the strength.
                return [
                    self.result(start, end, Strength(round(score)), normalized, flags)
                    for _, _, start, end, score, _, normalized, flags, _ in found
                ]
        index = getattr(nlp_artifacts, "piiscan_candidates", None)
        return [
            self.result(start, end, strength, normalized, flags)
            for start, end, strength, normalized, flags, _ in self.find(
                text, index, apply_context=False
            )
        ]

    def _core_matcher(self) -> Any:
        """This recognizer alone compiled into a core engine that only matches and validates
        (no context words, no minimum score, scores 1, 2, 3 for the strengths), built on first
        use; ``None`` when its patterns need Python's engine."""
        if self._core is _UNBUILT:
            from piiscan.engine.compiled import core_engine

            bare = dataclasses.replace(
                self.spec,
                context=(),
                negative_context=(),
                adjacent_to=(),
                scores=((Strength.LOW, 1.0), (Strength.MEDIUM, 2.0), (Strength.HIGH, 3.0)),
            )
            self._core = core_engine([(bare, 0, self.validator, self._validator)], 0.0).engine
        return self._core

    def enhance_using_context(
        self,
        text: str,
        raw_recognizer_results: list[RecognizerResult],
        other_raw_recognizer_results: list[RecognizerResult],
        nlp_artifacts: Any,
        context: list[str] | None = None,
    ) -> list[RecognizerResult]:
        """presidio's recognizer-level hook: :meth:`judge_context` for every result.

        Marks results as enhanced so presidio's own (quadratic) enhancer leaves them alone; a
        result a negative word labels gets score 0, which presidio drops.
        """
        extra = context or ()
        for result in raw_recognizer_results:
            meta = result.recognition_metadata
            meta[RecognizerResult.IS_SCORE_ENHANCED_BY_CONTEXT_KEY] = True
            judged = self.judge_context(text, result.start, result.end, meta[META_STRENGTH], extra)
            if judged is None:
                result.score = 0.0
            elif judged[1]:
                self.raise_to(result, judged[0], judged[1])
        return raw_recognizer_results


_DIGIT = regex.compile(r"\d")


def _has_digit(text: str, start: int, end: int) -> bool:
    return start < end and _DIGIT.search(text, start, end) is not None


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
