"""Object identity: where an object's findings sit in their locators."""

from __future__ import annotations

import pytest

from piiscan.model import ObjectRef


@pytest.mark.parametrize(
    ("members", "expected"),
    [
        ((), ""),
        (("2019/arende.docx",), "member=2019/arende.docx"),
        (("aldre.zip", "anteckning.txt"), "member=aldre.zip!/anteckning.txt"),
        (("message=<a/b@x>",), "message=<a/b@x>"),
        (("message=<a@x>", "part=2/attachment=cv.docx"), "message=<a@x>/part=2/attachment=cv.docx"),
        (("message=<a@x>/part=2/attachment=k.zip", "b/c.docx"),
         "message=<a@x>/part=2/attachment=k.zip/member=b/c.docx"),
        (("Post.zip", "kund.mbox", "message=#3", "part=2"),
         "member=Post.zip!/kund.mbox/message=#3/part=2"),
    ],
    ids=["file", "member", "nested", "message", "attachment", "zip-attachment", "mbox-in-zip"],
)  # fmt: skip
def test_locator_prefix(members: tuple[str, ...], expected: str) -> None:
    assert ObjectRef(root="r", path="p", members=members).locator_prefix == expected
