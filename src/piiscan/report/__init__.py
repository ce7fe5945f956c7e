"""The scan report: what a data protection officer and their manager read after a scan.

:func:`build_report` gathers it from the inventory (:mod:`.data`), :func:`render_report` writes
it as one self-contained HTML page or as Markdown (:mod:`.render`), and
:meth:`InventoryReport.to_dict` is its JSON form.
"""

from __future__ import annotations

from piiscan.report.data import InventoryReport, build_report
from piiscan.report.render import render_report

__all__ = ["InventoryReport", "build_report", "render_report"]
