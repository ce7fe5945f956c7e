"""The NER model's window cache: the same window is read once, and the answer is the same."""

from __future__ import annotations

import pickle

from piiscan.engine.person import SpacyModel, bundled_model_path

TEXT = (
    "Hej Tolvan Tolvansson, tack för samtalet.\n"
    "Med vänliga hälsningar\nAnna Andersson\n"
    "Hej Tolvan Tolvansson, tack för samtalet.\n"
)
FIRST = (0, 42)
THIRD = (80, 122)


def test_a_window_seen_before_gives_the_same_entities() -> None:
    model = SpacyModel(bundled_model_path())
    fresh = SpacyModel(bundled_model_path())
    assert TEXT[FIRST[0] : FIRST[1]] == TEXT[THIRD[0] : THIRD[1]]
    first = model.entities(TEXT, [FIRST])
    again = model.entities(TEXT, [FIRST, THIRD])
    assert first
    assert again[: len(first)] == first
    # The repeated window's entities are the first one's, moved to where it stands.
    shift = THIRD[0] - FIRST[0]
    assert [(s.start - shift, s.end - shift, s.label) for s in again[len(first) :]] == [
        (s.start, s.end, s.label) for s in first
    ]
    assert again == fresh.entities(TEXT, [FIRST, THIRD])


def test_a_full_cache_starts_again() -> None:
    model = SpacyModel(bundled_model_path())
    model.CACHE_WINDOWS = 1
    one = model.entities(TEXT, [FIRST])
    both = model.entities(TEXT, [FIRST, (42, 80)])
    assert both[: len(one)] == one
    assert model.entities(TEXT, [FIRST]) == one


def test_a_pickled_model_carries_no_text() -> None:
    model = SpacyModel(bundled_model_path())
    model.entities(TEXT, [FIRST])
    copy = pickle.loads(pickle.dumps(model))
    assert b"Tolvansson" not in pickle.dumps(model)
    assert copy.entities(TEXT, [FIRST]) == model.entities(TEXT, [FIRST])


NEW_WORDS = (
    "Mötet med Zorbo Quapplund och Xyla Brantqvist hölls i Vrekkeby.\n"
    "Kvittot från Ormbergs Trävaror skickades till Yngvild Aspgren.\n"
)
LINES = [(0, 63), (64, 126)]


def test_a_model_that_has_learned_enough_reads_new_words_without_keeping_them() -> None:
    """Past :attr:`SpacyModel.LEARNED_STRINGS` new strings the pipeline forgets what it
    reads after each call (memory stays bounded), and decides the same."""
    model = SpacyModel(bundled_model_path())
    model.LEARNED_STRINGS = 0
    forgetting = model.entities(NEW_WORDS, LINES)
    strings = model._nlp.vocab.strings
    known = len(strings)
    model._seen.clear()
    assert model.entities(NEW_WORDS, LINES) == forgetting
    assert len(strings) == known
    assert "Quapplund" not in strings
    learning = SpacyModel(bundled_model_path())
    assert learning.entities(NEW_WORDS, LINES) == forgetting
    assert "Quapplund" in learning._nlp.vocab.strings
    assert forgetting


def test_the_vocabulary_computes_only_the_attributes_the_model_reads() -> None:
    import spacy
    from spacy import attrs

    model = SpacyModel(bundled_model_path())
    found = model.entities(NEW_WORDS, LINES) + model.entities(TEXT, [FIRST, THIRD])
    getters = model._nlp.vocab.lex_attr_getters
    read = {attrs.NORM, attrs.PREFIX, attrs.SUFFIX, attrs.SHAPE, attrs.IS_SPACE}
    assert read <= set(getters) <= read | {attrs.LOWER, attrs.LANG}
    # The pipeline as spaCy loads it, every getter kept, finds the same entities.
    full = spacy.load(bundled_model_path(), exclude=["parser", "tagger", "lemmatizer"])
    assert attrs.LIKE_URL in full.vocab.lex_attr_getters
    assert [
        (start + e.start_char, start + e.end_char, e.label_)
        for text, windows in ((NEW_WORDS, LINES), (TEXT, [FIRST, THIRD]))
        for start, end in windows
        for e in full(text[start:end]).ents
    ] == [(s.start, s.end, s.label) for s in found]


def test_the_model_multiplies_with_numpy_in_one_blas_thread() -> None:
    from threadpoolctl import threadpool_info

    model = SpacyModel(bundled_model_path())
    model.entities(TEXT, [FIRST])
    nlp = model._nlp
    assert all(not pipe.model.ops.use_blis for _, pipe in nlp.pipeline)
    threads: list[set[int]] = []
    pipe = nlp.pipe

    def watched(texts: list[str]) -> object:
        threads.append(
            {lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"}
        )
        return pipe(texts)

    nlp.pipe = watched
    model.entities(TEXT, [(42, 80)])
    assert threads == [{1}]
