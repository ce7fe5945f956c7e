"""The scan report for people: one self-contained HTML file, or Markdown.

Rendered with Jinja2 (HTML autoescaped) from ``templates/`` beside this module, with the page
style of the register extract (:mod:`piiscan.subject.render`) shared. Charts are inline SVG
drawn at build time (:mod:`piiscan.report.charts`); the page has no script and refers to
nothing outside itself, so it opens from a mail attachment or a file share, and prints on A4.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Literal

import jinja2
from markupsafe import Markup

from piiscan.report.charts import bar_chart
from piiscan.report.data import InventoryReport
from piiscan.report.labels import LABELS, Language

__all__ = ["LANGUAGES", "render_report"]

#: The languages a report is written in.
LANGUAGES: tuple[Language, ...] = ("sv", "en")

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>|#])")


def _clean(value: object) -> str:
    return _CONTROL.sub("\N{REPLACEMENT CHARACTER}", "" if value is None else str(value))


def _markdown(value: object) -> str:
    return _MARKDOWN_SPECIAL.sub(r"\\\1", _clean(value)).replace("\n", " ")


def _when(value: datetime | None) -> str:
    return "" if value is None else value.strftime("%Y-%m-%d %H:%M UTC")


def _day(value: datetime | None) -> str:
    return "" if value is None else value.strftime("%Y-%m-%d")


def _number(value: int) -> str:
    return f"{value:,}".replace(",", "\N{NARROW NO-BREAK SPACE}")


def _environment(markdown: bool) -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.ChoiceLoader(
            [
                jinja2.PackageLoader("piiscan.report", "templates"),
                # The register extract's page style, shared (``_style.css``).
                jinja2.PackageLoader("piiscan.subject", "templates"),
            ]
        ),
        autoescape=not markdown,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters["text"] = _markdown if markdown else _clean
    environment.filters["when"] = _when
    environment.filters["day"] = _day
    environment.filters["number"] = _number
    return environment


def _charts(report: InventoryReport, t: Mapping[str, str]) -> dict[str, Markup]:
    """The SVG charts; :func:`bar_chart` escapes every label, so they are safe markup."""
    ages = [(t.get(label, label), count) for label, count in report.by_age]
    return {
        "entity": Markup(bar_chart(report.by_entity, title=t["by_entity"])),
        "folder": Markup(bar_chart(report.by_folder, title=t["by_folder"], colour="#5b8c5a")),
        "age": Markup(bar_chart(ages, title=t["by_age"], colour="#a5673a")),
    }


def render_report(
    report: InventoryReport, fmt: Literal["html", "md"], lang: Language = "sv"
) -> str:
    """The report as one self-contained HTML page or as Markdown.

    :param report: from :func:`piiscan.report.build_report`.
    :param fmt: ``html`` or ``md``.
    :param lang: ``sv`` (default, as for the register extract) or ``en``.
    """
    labels = LABELS[lang]
    template = _environment(fmt == "md").get_template(f"report.{fmt}.j2")
    charts = _charts(report, labels) if fmt == "html" else {}
    return template.render(report=report, charts=charts, t=labels, lang=lang)
