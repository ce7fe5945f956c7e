"""Charts as inline SVG, drawn when the report is built: no script, no network, prints sharp.

A horizontal bar chart is all the report needs (counts by entity type, folder, age), and a few
lines of SVG draw it without a plotting library. Every label is escaped here, since labels
come from a scanned tree (a folder name can hold ``<script>``).
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import Final

__all__ = ["bar_chart"]

_WIDTH: Final = 640
_LABEL_WIDTH: Final = 210
_ROW: Final = 24
_BAR: Final = 16
_LABEL_CHARS: Final = 30
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _text(value: str) -> str:
    return html.escape(_CONTROL.sub("\N{REPLACEMENT CHARACTER}", value), quote=True)


def _short(label: str) -> str:
    return (
        label
        if len(label) <= _LABEL_CHARS
        else label[: _LABEL_CHARS - 1] + "\N{HORIZONTAL ELLIPSIS}"
    )


def bar_chart(items: Sequence[tuple[str, int]], *, title: str, colour: str = "#3a6ea5") -> str:
    """An SVG bar chart of ``(label, count)`` pairs, in the order given.

    :param items: the bars; long labels are shortened (the full label is the bar's tooltip).
    :param title: the chart's accessible name.
    :param colour: the bars' fill.
    :returns: an ``<svg>`` element as text, safe to insert into HTML as it is.
    """
    height = max(len(items), 1) * _ROW + 8
    largest = max((count for _, count in items), default=0) or 1
    span = _WIDTH - _LABEL_WIDTH - 70
    parts = [
        f'<svg class="chart" role="img" '
        f'viewBox="0 0 {_WIDTH} {height}" width="100%" preserveAspectRatio="xMinYMin meet" '
        f'aria-label="{_text(title)}">',
        f"<title>{_text(title)}</title>",
    ]
    if not items:
        parts.append(f'<text x="0" y="{_ROW - 8}" class="label">(none)</text>')
    for index, (label, count) in enumerate(items):
        y = 4 + index * _ROW
        width = max(round(span * count / largest), 1 if count else 0)
        parts.append(
            f'<g class="bar"><title>{_text(label)}: {count}</title>'
            f'<text x="{_LABEL_WIDTH - 8}" y="{y + _BAR - 3}" text-anchor="end" '
            f'class="label">{_text(_short(label))}</text>'
            f'<rect x="{_LABEL_WIDTH}" y="{y}" width="{width}" height="{_BAR}" '
            f'fill="{_text(colour)}"/>'
            f'<text x="{_LABEL_WIDTH + width + 6}" y="{y + _BAR - 3}" class="count">'
            f"{count}</text></g>"
        )
    parts.append("</svg>")
    return "".join(parts)
