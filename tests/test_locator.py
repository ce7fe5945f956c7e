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


# Names as they come: sheet names, archive member names, JSON keys and Message-IDs drawn from
# an alphabet heavy in what the grammar uses, quotes, '!' (the old sheet separator) and '%'.
_HOSTILE = st.text(alphabet=st.sampled_from("!/=%\"'<>@.:[]$ \n\tåäö19-aZ"), min_size=1)


@given(sheet=_HOSTILE, row=st.integers(1, 1_048_576))
def test_sheet_names_round_trip(sheet: str, row: int) -> None:
    rendered = join([("sheet", sheet), ("cell", f"B{row}")])
    assert Locator.parse(rendered).steps == (("sheet", sheet), ("cell", f"B{row}"))


@given(member=_HOSTILE, inner=_HOSTILE)
def test_member_and_attachment_names_round_trip(member: str, inner: str) -> None:
    locator = Locator.of(("part", "2"), ("attachment", member), ("name", inner), "name")
    assert Locator.parse(locator.render()) == locator


@given(keys=st.lists(_HOSTILE, min_size=1, max_size=4))
def test_json_paths_round_trip(keys: list[str]) -> None:
    import json

    path = "$" + "".join("[" + json.dumps(key, ensure_ascii=False) + "]" for key in keys)
    rendered = join([("line", "3"), path])
    assert Locator.parse(rendered).steps == (("line", "3"), (path, None))


@given(local=_HOSTILE, domain=_HOSTILE)
def test_message_ids_round_trip(local: str, domain: str) -> None:
    message_id = f"<{local}@{domain}>"
    rendered = join([("message", message_id), ("part", "1.2"), ("header", "Subject")])
    assert rendered.count("/") == 2
    assert Locator.parse(rendered).steps[0] == ("message", message_id)


@pytest.mark.parametrize(
    ("steps", "masks", "rendered"),
    [
        ([("sheet", "19121212-1212"), ("cell", "A2")], {"19121212-1212": "19121212-****"},
         "sheet=19121212-****/cell=A2"),
        ([("sheet", "Lön 19121212-1212/2019"), "name"], {"19121212-1212": "19121212-****"},
         "sheet=Lön 19121212-****%2F2019/name"),
        (['$["Anna Andersson"]'], {"Anna Andersson": "A*** A*******"}, '$["A*** A*******"]'),
        ([("row", "4"), ("column", "Namn")], {"Anna": "A***"}, "row=4/column=Namn"),
    ],
)  # fmt: skip
def test_replace_names(steps: list, masks: dict[str, str], rendered: str) -> None:
    assert Locator.of(*steps).replace_names(masks).render() == rendered
