"""Locators round-trip through render and parse, whatever the names hold."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from piiscan.locator import Locator, join

keys = st.text(min_size=1)
values = st.none() | st.text()
locators = st.lists(st.tuples(keys, values), max_size=6).map(lambda s: Locator(tuple(s)))


@given(locators)
def test_round_trip(locator: Locator) -> None:
    assert Locator.parse(locator.render()) == locator


@given(locators)
def test_rendered_steps_never_hold_the_separators_unescaped(locator: Locator) -> None:
    text = locator.render()
    assert text.count("/") == max(len(locator.steps) - 1, 0)
    assert all(part.count("=") <= 1 for part in text.split("/") if text)


@pytest.mark.parametrize(
    "text",
    [
        "page=2",
        "sheet=Kunder!B3",
        "row=4/column=Personnummer",
        "part=document/p=12",
        "slide=3/notes",
        "table=public.kunder/column=personnummer/row=id:4711",
        "",
    ],
)
def test_plain_locators_read_as_before(text: str) -> None:
    assert Locator.parse(text).render() == text


@pytest.mark.parametrize(
    ("steps", "rendered"),
    [
        ([("sheet", "Lön/2019!B3")], "sheet=Lön%2F2019!B3"),
        ([("sheet", "a=b"), "notes"], "sheet=a%3Db/notes"),
        ([("properties", "100%")], "properties=100%25"),
        ([("message", '<a/b="c"!@exempel.se>'), ("part", "1.2")],
         'message=<a%2Fb%3D"c"!@exempel.se>/part=1.2'),
        ([("row", "rad\n2")], "row=rad%0A2"),
    ],
)  # fmt: skip
def test_names_full_of_separators(steps: list, rendered: str) -> None:
    assert join(steps) == rendered
    assert Locator.parse(rendered) == Locator.of(*steps)


@pytest.mark.parametrize("text", ["a//b", "/a", "a/", "a=%2", "a=%zz", "a=%2f"])
def test_malformed(text: str) -> None:
    with pytest.raises(ValueError, match="malformed locator"):
        Locator.parse(text)


def test_child_and_empty_key() -> None:
    assert Locator.of(("slide", "3")).child("notes").render() == "slide=3/notes"
    with pytest.raises(ValueError, match="needs a key"):
        Locator((("", "x"),))
