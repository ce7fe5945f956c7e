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
