"""Exports for briefings, without Streamlit: chart images, data files and the briefing pack.

- ``catalog``: the exportable charts by stable name (``chart_catalog``, ``build_chart``), drawn by the
  pages' own figure functions from one ``Bundle``.
- ``render``: ``render_image(fig, "png" | "svg" | "pdf")`` through kaleido and the system's Chromium
  (``ChromiumMissing`` says what to install when there is none).
- ``tables``: CSV and Excel exports with a metadata block (``About``) and formula neutralisation.
- ``findings`` and ``brief``: the briefing pack (``briefing_pack``/``build_pack``, ``to_pptx``,
  ``to_pdf``).

The Streamlit pages (``dashboard.ui``) and the ``stability export``/``stability brief`` commands both
call these functions.
"""

from reports.export.brief import Pack, briefing_pack, build_pack, to_pdf, to_pptx
from reports.export.catalog import CHARTS, ChartSpec, build_chart, chart_catalog, get_chart
from reports.export.render import ChromiumMissing, images_available, missing_message, render_image
from reports.export.tables import About, export_table, neutralise, neutralise_frame, to_csv, to_xlsx

__all__ = [
    "CHARTS",
    "About",
    "ChartSpec",
    "ChromiumMissing",
    "Pack",
    "briefing_pack",
    "build_chart",
    "build_pack",
    "chart_catalog",
    "export_table",
    "get_chart",
    "images_available",
    "missing_message",
    "neutralise",
    "neutralise_frame",
    "render_image",
    "to_csv",
    "to_pdf",
    "to_pptx",
    "to_xlsx",
]
