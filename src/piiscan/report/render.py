"""The scan report for people: one self-contained HTML file, or Markdown.

Rendered with Jinja2 (HTML autoescaped) from ``templates/`` beside this module, with the page
style of the register extract (:mod:`piiscan.subject.render`) shared. Charts are inline SVG
drawn at build time (:mod:`piiscan.report.charts`); the page has no script and refers to
nothing outside itself, so it opens from a mail attachment or a file share, and prints on A4.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import jinja2
from markupsafe import Markup

from piiscan.rendering import document_environment
from piiscan.report.charts import bar_chart
from piiscan.report.data import InventoryReport
from piiscan.report.labels import LABELS, Language

__all__ = ["LANGUAGES", "render_report"]

#: The languages a report is written in.
LANGUAGES: tuple[Language, ...] = ("sv", "en")


def _number(value: int) -> str:
    return f"{value:,}".replace(",", "\N{NARROW NO-BREAK SPACE}")


def _environment(markdown: bool) -> jinja2.Environment:
    # The register extract's page style is shared (``_style.css`` in piiscan.subject).
    return document_environment(
        ("piiscan.report", "piiscan.subject"), markdown=markdown, filters={"number": _number}
    )


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
