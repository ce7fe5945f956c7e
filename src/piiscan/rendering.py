"""What every document piiscan writes (the inventory report, the register extract, the erasure
worklist) shares: the Jinja2 environment and its text filters.

HTML is autoescaped; Markdown is escaped by the ``text`` filter. Either way, control
characters (a terminal escape in a file name) are replaced before a value reaches a document.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any

import jinja2

__all__ = ["clean", "day", "document_environment", "markdown_text", "when"]

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>|#])")


def clean(value: object) -> str:
    """``value`` as text, control characters replaced (``None`` is empty)."""
    return _CONTROL.sub("\N{REPLACEMENT CHARACTER}", "" if value is None else str(value))


def markdown_text(value: object) -> str:
    """:func:`clean`, Markdown's special characters escaped and lines joined."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", clean(value)).replace("\n", " ")


def when(value: date | datetime | None) -> str:
    """A moment to the minute (``2026-12-07 14:05 UTC``), a day as ISO, ``None`` empty."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M UTC")
    return value.isoformat()


def day(value: date | datetime | None) -> str:
    """The day of ``value`` (``2026-12-07``); ``None`` is empty."""
    return "" if value is None else value.strftime("%Y-%m-%d")


def document_environment(
    packages: Sequence[str],
    *,
    markdown: bool,
    filters: dict[str, Callable[..., Any]] | None = None,
) -> jinja2.Environment:
    """The environment for templates in the ``templates/`` folders of ``packages`` (first
    found wins), with the filters ``text``, ``when`` and ``day`` and any in ``filters``."""
    loaders: list[jinja2.BaseLoader] = [jinja2.PackageLoader(p, "templates") for p in packages]
    environment = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=not markdown,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters["text"] = markdown_text if markdown else clean
    environment.filters["when"] = when
    environment.filters["day"] = day
    environment.filters.update(filters or {})
    return environment
