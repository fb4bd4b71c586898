"""Small Streamlit helpers shared by the pages: a chart with its data and downloads, plain text, answers,
errors, the briefing pack.

Downloads are generated only when clicked (``st.download_button`` with a callable): chart images
(PNG at 3200 × 1800 px, SVG, PDF) are drawn on the server by ``reports.export.render`` with the
system's Chromium, data files (CSV, XLSX) carry a metadata block and neutralised formulas
(``reports.export.tables``). Without Chromium the image buttons give way to one sentence saying
what to install. Charts carry no camera button: the browser's own snapshot has no title, source or
sample stamp, so every image goes through the "Download" menu.
"""

from __future__ import annotations

import math
import re
import zlib
from collections.abc import Callable, Sequence

import pandas as pd
import streamlit as st

from dashboard import data
from dashboard.sidebar import selection
from datasets.loaders import NO_DATA_LABEL
from reports import charts, vocabulary
from reports.charts import Caption, plotly_config
from reports.compute import Frames
from reports.export import brief, render, tables
from reports.export.catalog import chart_about, filters_text
from reports.figures import Chart
from reports.selection import Selection
from reports.summary import Answer, Headline

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def plain(text: object) -> str:
    """Escape Markdown so text from data shows literally (Streamlit never renders its HTML)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(text))


def chart_config(filename: str) -> dict[str, object]:
    """Browser config of a chart on a page: offline map topology, no plotly logo and no camera button
    (its image lacks the title, source and sample stamp that the "Download" menu's images carry)."""
    config = plotly_config(filename)
    config.pop("toImageButtonOptions", None)
    config["modeBarButtonsToRemove"] = ["toImage"]
    return config


#: Trace fields that hold what a trace draws; the fields that only place it (x, locations) count
#: only for a trace that has none of these.
def chart(chart: Chart, *, narrow: bool | int = False) -> None:
    """Draw a chart (offline maps, no camera button) with a "Show data" expander holding its table and
    a "Download" menu: PNG, SVG and PDF drawn on the server, the data as CSV and XLSX. A chart without
    data is not drawn: its title, then one sentence saying what is missing (the builder's own, else a
    general one) with a link to the Data page. ``narrow``: the chart sits in half the page (True or 2)
    or a third (3): its title and caption wrapped shorter; the downloads keep the full-width layout."""
    if chart.missing or not charts.has_data(chart.figure):  # no empty axes
        st.markdown(f"**{plain(charts.title_text(chart.figure))}**")
        st.info(plain(chart.missing or "No data to draw this chart for this selection."))
        if not chart.missing:
            st.page_link("views/data.py", label="Load data on the Data page")
        return
    figure = charts.narrow(chart.figure, 2 if narrow is True else int(narrow)) if narrow else chart.figure
    st.plotly_chart(figure, config=chart_config(chart.filename), theme=None)
    # the table is drawn only while its expander is open (opening it reruns the page)
    with st.expander("Show data", key=f"data-{_key(chart)}", on_change="rerun") as shown:
        if shown.open:
            st.dataframe(vocabulary.styled(chart.table), hide_index=True, placeholder="")
    downloads(chart)


def blank_missing(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """``frame`` with ``columns`` as text and their missing values empty (a table shows "None" for
    a missing cell otherwise)."""
    out = frame.copy()
    for c in columns:
        if c in out.columns:
            out[c] = ["" if v is None or pd.isna(v) else str(v) for v in out[c]]
    return out


def _safe(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in name)[:80] or "chart"


def _image(fig: object, fmt: str) -> Callable[[], bytes]:
    return lambda: render.render_image(fig, fmt)  # type: ignore[arg-type]


def _table(frame: object, about: tables.About, fmt: str) -> Callable[[], bytes]:
    return lambda: tables.export_table(frame, about, fmt)  # type: ignore[arg-type]


def _key(chart: Chart) -> str:
    """The widget key suffix of a chart: its file name and a checksum of its title."""
    return f"{_safe(chart.filename)}-{zlib.crc32(str(chart.figure.layout.title.text).encode()):08x}"


def downloads(chart: Chart) -> None:
    """The "Download" menu of a chart: images drawn on the server when clicked, and its data."""
    name = _safe(chart.filename)
    key = _key(chart)
    about = chart_about(chart, selection(), data.provenance_text())
    with st.popover("Download"):
        if render.images_available():
            for fmt, label in (("png", "PNG image"), ("svg", "SVG image"), ("pdf", "PDF image")):
                st.download_button(
                    label,
                    data=_image(chart.figure, fmt),
                    file_name=f"{name}.{fmt}",
                    mime=render.MEDIA_TYPES[fmt],
                    key=f"dl-{fmt}-{key}",
                    on_click="ignore",
                )
        else:
            st.caption(render.missing_message())
        for fmt, label in (("csv", "Data (CSV)"), ("xlsx", "Data (Excel)")):
            st.download_button(
                label,
                data=_table(chart.table, about, fmt),
                file_name=f"{name}.{fmt}",
                mime=tables.MEDIA_TYPES[fmt],
                key=f"dl-{fmt}-{key}",
                on_click="ignore",
            )


def table_downloads(frame: object, *, title: str, filename: str, caption: Caption) -> None:
    """CSV and XLSX buttons for an indicator table shown with ``st.dataframe``."""
    sel = selection()
    about = tables.About(
        title=title,
        source=caption.text,
        span=f"{caption.start} to {caption.end}",
        filters=filters_text(sel),
        illustrative=caption.illustrative,
        provenance=data.provenance_text(),
    )
    left, right, _ = st.columns([1, 1, 4])
    for col, fmt, label in ((left, "csv", "Table (CSV)"), (right, "xlsx", "Table (Excel)")):
        col.download_button(
            label,
            data=_table(frame, about, fmt),
            file_name=f"{_safe(filename)}.{fmt}",
            mime=tables.MEDIA_TYPES[fmt],
            key=f"dl-{fmt}-{_safe(filename)}",
            on_click="ignore",
        )


def _pack(frames: Frames, sel: Selection, fmt: str) -> Callable[[], bytes]:
    def make() -> bytes:
        pack = brief.build_pack(
            frames,
            sel,
            milestone=sel.milestone,
            label=sel.label,
            window=sel.window,
            comparison=sel.comparison,
        )
        return brief.write_pack(pack, fmt)

    return make


def briefing(sel: Selection) -> None:
    """The "Briefing pack" section: the region's deck (PPTX) and the same content as a PDF, built from
    the selection (months, filters, weights and, when set on the Evaluation page, the milestone)."""
    st.subheader("Briefing pack")
    what = f"{sel.region}, {sel.start} to {sel.end}"
    if sel.milestone:
        what += f", with the evaluation around {sel.milestone}"
    st.caption(
        f"Slides on {plain(what)}: each family's chart with three findings from its numbers, the "
        "stability index with its weights, sources and methods. Takes a few seconds."
    )
    if not render.images_available():
        st.info(render.missing_message())
        return
    frames = Frames(data.current(), incidents=data.incidents_source(sel.min_fatalities))
    base = f"briefing-{_safe(sel.region)}-{sel.start}-{sel.end}"
    left, right, _ = st.columns([1, 1, 3])
    for col, fmt, label in ((left, "pptx", "PowerPoint (PPTX)"), (right, "pdf", "PDF")):
        col.download_button(
            label,
            data=_pack(frames, sel, fmt),
            file_name=f"{base}.{fmt}",
            mime=brief.MEDIA_TYPES[fmt],
            key=f"brief-{fmt}",
            on_click="ignore",
        )


def sources() -> None:
    """One "Sources" expander per page: the full attribution the short source lines under the charts
    stand for."""
    with st.expander("Sources"):
        st.markdown("\n".join(f"- {plain(line)}" for line in data.attribution()))


def answer(ans: Answer) -> None:
    """The three plain-language answers, as a bordered block."""
    with st.container(border=True):
        st.markdown(f"**{plain(ans.level)}**  \n{plain(ans.direction)}  \n{plain(ans.driver)}")


def headline(
    where: object, label: str, h: Headline, *, delta_color: str = "normal", help: str | None = None
) -> None:
    """``st.metric`` of a headline number (``reports.summary.headline``) in ``where`` (a column or
    ``st``), with how old its data are underneath ("latest: 2023"); a reason instead of a change shows
    without an arrow."""
    if h.is_change:
        where.metric(label, h.value, h.delta, delta_color=delta_color, help=help)  # type: ignore[attr-defined]
    else:
        where.metric(label, h.value, h.delta, delta_color="off", delta_arrow="off", help=help)  # type: ignore[attr-defined]
    if h.latest:
        where.caption(h.latest)  # type: ignore[attr-defined]


def no_data(family: str) -> None:
    """The one sentence a page shows instead of a chart for a family without data, with a link to
    the Data page."""
    st.info(f"{NO_DATA_LABEL} ({family}).", icon=":material/block:")
    st.page_link("views/data.py", label="Load data on the Data page")


def number(value: float | int | None, fmt: str = "{:.1f}") -> str:
    """A value for ``st.metric``; "—" when missing."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    return fmt.format(value)


def delta(value: float | int | None, fmt: str = "{:+.1f}", suffix: str = "") -> str | None:
    """A delta for ``st.metric``; None (no arrow) when missing."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return None
    return fmt.format(value) + suffix


def listing(items: list[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def one_sentence(prefix: str, exc: BaseException) -> str:
    """``prefix: <first line of the error>`` with no traceback."""
    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return f"{prefix}: {first[:300]}"
