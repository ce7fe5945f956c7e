"""Locators: where in an object a finding is, as (key, value) steps with one render and one parse.

A locator is a path of steps joined by ``/``. A step is ``key=value`` or a bare ``key``::

    page=2
    sheet=Kunder/cell=B3
    row=4/column=Personnummer
    slide=3/notes
    message=<20191104.1234@exempel.se>/part=1.2/attachment=kund.docx

:meth:`Locator.render` escapes what the grammar uses, so any sheet name, member name, mail
Message-ID or dump row key survives the trip: ``%`` becomes ``%25``, ``/`` ``%2F``, ``=``
``%3D``, and control characters their ``%XX`` code. Nothing else is touched, so a locator of
plain names reads as it always did. :meth:`Locator.parse` is the exact inverse.

The member chain of a container is not part of a locator: it is the ``member`` column.
Every extractor builds its locators with this value. Names taken from the content (a sheet
name, a column name, a JSON key) are values like any other; where one holds personal data the
scan driver masks it (:meth:`Locator.replace_names`, :mod:`piiscan.scan.names`).

.. versionadded:: 0.1
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

__all__ = ["Locator", "Step", "escape", "join"]

Step = tuple[str, str | None]
"""One step: a key, and a value or ``None`` for a bare key (``notes`` in ``slide=3/notes``)."""

_MUST_ESCAPE = re.compile(r"[%/=\x00-\x1f\x7f]")
_ESCAPED = re.compile(r"%([0-9A-F]{2})")


def _escape(text: str) -> str:
    return _MUST_ESCAPE.sub(lambda match: f"%{ord(match.group()):02X}", text)


def escape(text: str) -> str:
    """``text`` as it appears inside a rendered locator (a step's key or value).

    >>> escape("Lön/2019=a")
    'Lön%2F2019%3Da'
    """
    return _escape(text)


def _unescape(text: str) -> str:
    if "%" not in text:
        return text
    out = _ESCAPED.sub(lambda match: chr(int(match.group(1), 16)), text)
    if "%" in _ESCAPED.sub("", text):
        raise ValueError("malformed locator: a '%' not followed by two upper-case hex digits")
    return out


@dataclass(frozen=True, slots=True)
class Locator:
    """Where in an object: a sequence of (key, value) steps.

    :param steps: the steps, outermost first; keys are non-empty.
    :raises ValueError: for an empty key.
    """

    steps: tuple[Step, ...] = ()

    def __post_init__(self) -> None:
        if any(not key for key, _ in self.steps):
            raise ValueError("a locator step needs a key")

    @classmethod
    def of(cls, *steps: Step | str) -> Locator:
        """A locator from steps, a bare key given as a plain string.

        >>> Locator.of(("sheet", "Lön/2019"), ("cell", "B3")).render()
        'sheet=Lön%2F2019/cell=B3'
        """
        return cls(tuple((step, None) if isinstance(step, str) else step for step in steps))

    def child(self, *steps: Step | str) -> Locator:
        """This locator with ``steps`` added inside it."""
        return Locator((*self.steps, *Locator.of(*steps).steps))

    def render(self) -> str:
        """The locator as stored in the inventory (``""`` for no steps)."""
        return "/".join(_render_step(step) for step in self.steps)

    @classmethod
    def parse(cls, text: str) -> Locator:
        """The locator that :meth:`render` turned into ``text``.

        :raises ValueError: for an empty step or a malformed escape.
        """
        if not text:
            return cls()
        return cls(tuple(_parse_step(part) for part in text.split("/")))

    def replace_names(self, masks: Mapping[str, str]) -> Locator:
        """This locator with every occurrence of each name in ``masks`` replaced by its mask,
        in step keys and values alike (longest names first).

        >>> Locator.of(("sheet", "19121212-1212"), ("cell", "A2")).replace_names(
        ...     {"19121212-1212": "19121212-****"}).render()
        'sheet=19121212-****/cell=A2'
        """
        names = sorted(masks, key=len, reverse=True)

        def replace(text: str) -> str:
            for name in names:
                if name in text:
                    text = text.replace(name, masks[name])
            return text

        return Locator(
            tuple(
                (replace(key), None if value is None else replace(value))
                for key, value in self.steps
            )
        )

    def __str__(self) -> str:
        return self.render()


def _render_step(step: Step) -> str:
    key, value = step
    return _escape(key) if value is None else f"{_escape(key)}={_escape(value)}"


def _parse_step(part: str) -> Step:
    if not part:
        raise ValueError("malformed locator: an empty step")
    key, separator, value = part.partition("=")
    return (_unescape(key), _unescape(value) if separator else None)


def join(steps: Iterable[Step | str]) -> str:
    """Render steps as a locator in one call (``join([("page", "2")])`` is ``page=2``)."""
    return Locator.of(*steps).render()
