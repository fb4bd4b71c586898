"""Chart builders: pure functions, data in, ``go.Figure`` out.

No Streamlit here, so the export commands reuse the same builders. One argument vocabulary:
``frame`` (a small long-format table) first, then keyword-only ``title``, ``caption`` (a
``Caption`` naming the source and time span) and the column names ``x``, ``y``, ``series``.
Every figure has a title, axis titles with units, and the caption as an annotation under the plot
("Illustrative sample data, not real" when it is). Colours, units and labels come from
``reports.vocabulary`` (Okabe–Ito, one colour per series; the map uses Viridis). Text that came
from data is HTML-escaped before plotly sees it.
"""

from __future__ import annotations

import html
import math
import re
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from plotly.colors import get_colorscale

from datasets.countries import country_name
from metrics.breakdowns import sen_line
from metrics.intervals import NO_INTERVAL
from reports import vocabulary
from reports.vocabulary import (
    BLACK,
    BLUE,
    FAMILY_COLOURS,
    GREEN,
    MAP_COLOURSCALE,
    NO_DATA_FILL,
    NO_DATA_LINE,
    ORANGE,
    PALETTE,
    SKY,
    VERMILLION,
)

#: Colours, units and labels come from one vocabulary shared by every page, export and slide.
NO_DATA_COLOUR = NO_DATA_FILL
SAMPLE_NOTE = "Illustrative sample data, not real"
TOPOJSON_DIR = Path(__file__).resolve().parents[1] / "dashboard" / "static" / "topojson"
#: Where the browser finds the topology files (Streamlit static serving, relative to the app URL).
TOPOJSON_URL = "app/static/topojson/"


#: Styling shared by every figure, set directly in its layout (no plotly template: smaller JSON,
#: faster construction, and the same look whatever ``plotly.io.templates.default`` is).
_STYLE: dict[str, object] = {
    "template": {"layout": {"colorway": list(PALETTE)}},
    "font": {"family": "Liberation Sans, Arial, sans-serif", "size": 13, "color": "#222"},
    "paper_bgcolor": "white",
    "plot_bgcolor": "white",
    "hoverlabel": {"namelength": -1},
    "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.01, "x": 0, "xanchor": "left"},
}
_XAXIS: dict[str, object] = {"showgrid": False, "linecolor": "#888", "ticks": "outside", "zeroline": False}
_YAXIS: dict[str, object] = {"showgrid": True, "gridcolor": "#e5e5e5", "linecolor": "#888", "zeroline": False}
CAPTION_WIDTH = 90
COMPACT_CAPTION_WIDTH = 46
#: A source line under a chart never takes more than this many lines; the full attribution is in the
#: annotation's hover text, the page's "Sources" expander and the briefing pack's sources slide.
CAPTION_LINES = 2
#: Titles break onto a new line (at " · " where possible) past this many characters, never cut.
TITLE_WIDTH = 80
#: A single source's label is kept whole up to this many characters, else shortened.
SHORT_SOURCE = 40
EDGE_CLASSES = 4


@dataclass(frozen=True)
class Caption:
    """Where a chart's data came from and the span it covers."""

    source: str
    start: str
    end: str
    illustrative: bool
    note: str = ""
    #: The sources' own names (e.g. "UCDP GED", "ACLED export"), for the short numbered list; when
    #: empty, the parts of ``source`` between "; " are used.
    names: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        """Plain text: ``Source: … · a to b[ · note][ · Illustrative sample data, not real]``."""
        parts = [f"Source: {self.source}", f"{self.start} to {self.end}"]
        if self.note:
            parts.append(self.note)
        if self.illustrative and "illustrative" not in self.source.lower():
            parts.append(SAMPLE_NOTE)
        return " · ".join(parts)


def esc(text: object) -> str:
    """HTML-escape a value from data for plotly text (which renders a subset of HTML)."""
    return html.escape(str(text), quote=True)


def _wrap(text: str, width: int = CAPTION_WIDTH) -> list[str]:
    """Break a caption into lines of at most ``width`` characters, preferably at its " · " separators."""
    lines: list[str] = []
    for part in text.split(" · "):
        if lines and len(lines[-1]) + 3 + len(part) <= width:
            lines[-1] += " · " + part
        else:
            lines.extend(textwrap.wrap(part, width) or [""])
    return lines


def short_source(label: str) -> str:
    """A source's short name: the acronym in brackets when there is one ("Alliance Treaty Obligations
    and Provisions (ATOP) 5.1" → "ATOP", with a leading acronym kept: "UCDP Georeferenced Event
    Dataset (GED)" → "UCDP GED"), else the label up to the first bracket, comma, colon or dash, at
    most 5 words."""
    acronym = re.search(r"\(([A-Z][A-Z0-9&-]{1,9})\)", label)
    if acronym:
        first = label.split()[0]
        return (
            f"{first} {acronym.group(1)}"
            if first.isupper() and first != acronym.group(1)
            else acronym.group(1)
        )
    head = re.split(r"\s[(\[–—-]\s?|[(,:;]", label.strip(), maxsplit=1)[0].strip()
    words = head.split()
    return " ".join(words[:5]) + ("…" if len(words) > 5 else "") if words else label.strip()


def caption_lines(caption: Caption, width: int = CAPTION_WIDTH) -> list[str]:
    """The caption in at most ``CAPTION_LINES`` lines of ``width`` characters.

    The full text when it fits; else the sources by short numbered name ("Sources: [1] UCDP GED,
    [2] SIPRI"), and if that is still too long, the second line cut with "… (see Sources)"."""
    lines = _wrap(caption.text, width)
    if len(lines) <= CAPTION_LINES:
        return lines
    sources = list(caption.names) or [s for s in caption.source.split("; ") if s]
    if len(sources) == 1:
        short = "Source: " + (sources[0] if len(sources[0]) <= SHORT_SOURCE else short_source(sources[0]))
    else:
        short = "Sources: " + ", ".join(f"[{k}] {short_source(s)}" for k, s in enumerate(sources, 1))
    # whose data and when first, then the notes (cut first when they do not fit)
    parts = [short, f"{caption.start} to {caption.end}"]
    if caption.illustrative and "illustrative" not in caption.source.lower():
        parts.append(SAMPLE_NOTE)
    parts.append(caption.note)
    lines = _wrap(" · ".join(p for p in parts if p), width)
    if len(lines) <= CAPTION_LINES:
        return lines
    tail = "… (see Sources)"
    kept = lines[: CAPTION_LINES - 1]
    last = lines[CAPTION_LINES - 1]
    kept.append(last[: max(0, width - len(tail))].rstrip(" ·,;") + tail)
    return kept


def _wrap_title(text: str, width: int = TITLE_WIDTH) -> list[str]:
    """Break a title into lines of at most ``width`` characters at its " · " separators (a line
    broken there ends with " ·", so joining the lines with spaces gives the title back)."""
    lines = _wrap(text, width)
    parts = text.split(" · ")
    out: list[str] = []
    joined = ""
    for line in lines:
        joined = f"{joined} {line}".strip() if joined else line
        out.append(line)
        # the break fell on a separator when the text so far ends a part
        if " · ".join(parts).startswith(joined + " · "):
            out[-1] = line + " ·"
            joined += " ·"
    return out


def _merge(base: dict[str, object], extra: Mapping[str, object]) -> dict[str, object]:
    """``base`` updated with ``extra``, merging nested dicts key by key."""
    out = dict(base)
    for key, value in extra.items():
        old = out.get(key)
        out[key] = _merge(old, value) if isinstance(old, dict) and isinstance(value, Mapping) else value
    return out


#: Height of a figure without its own (px), and of one line of a title (16 px text).
DEFAULT_HEIGHT = 460
TITLE_LINE_PX = 21


def title_y(lines: int, height: int, line_px: float = TITLE_LINE_PX) -> float:
    """Where a title of ``lines`` lines anchors its top, in container coordinates: 1.5 % below the
    top of the figure, lowered by one line (``TITLE_LINE_PX``) for each line after the first.
    plotly.js places a title's first line at the anchor as if it were the only one and stacks the
    others above it, so without the shift a two-line title is cut at the top of the figure:
    y = 0.985 − line_px × (lines − 1) ÷ height (``line_px`` larger for larger type)."""
    return 0.985 - line_px * max(lines - 1, 0) / max(height, 1)


def _figure(
    traces: list[dict[str, object]],
    *,
    title: str,
    caption: Caption,
    x_title: str = "",
    y_title: str = "",
    height: int = DEFAULT_HEIGHT,
    axes: bool = True,
    compact: bool = False,
    layout: Mapping[str, object] | None = None,
) -> go.Figure:
    """Build a figure in one step: title at the top left, legend under it, the caption (source, span,
    sample note) under the plot. ``compact`` suits a narrow column (shorter caption lines, smaller
    legend). Traces are dicts with a ``type``; ``layout`` adds to or overrides the common layout.

    The figure is built without plotly's property validation (which takes most of a figure's build
    time, about 15 ms, and gives the same JSON); ``tests/test_charts.py`` validates every builder's
    figure instead."""
    lines = caption_lines(caption, COMPACT_CAPTION_WIDTH if compact else CAPTION_WIDTH)
    title_lines = _wrap_title(title, TITLE_WIDTH // 2 + 10 if compact else TITLE_WIDTH)
    below = (56 if x_title else 30) if axes else 4
    base: dict[str, object] = {
        **_STYLE,
        "title": {
            "text": "<br>".join(esc(line) for line in title_lines),
            "x": 0.01,
            "xref": "container",
            "xanchor": "left",
            "y": title_y(len(title_lines), height),
            "yref": "container",
            "yanchor": "top",
            "font": {"size": 16},
        },
        "height": height,
        "margin": {
            "l": 64,
            "r": 24,
            "t": (120 if compact else 96) + 20 * (len(title_lines) - 1),
            "b": below + 14 * len(lines) + 12,
        },
        "annotations": [
            {
                "text": "<br>".join(esc(line) for line in lines),
                "hovertext": esc(caption.text),
                "xref": "paper",
                "yref": "paper",
                "x": 0,
                "y": 0,
                "yshift": -below,
                "xanchor": "left",
                "yanchor": "top",
                "showarrow": False,
                "align": "left",
                "font": {"size": 11, "color": "#555"},
                "name": "caption",
            }
        ],
    }
    base["meta"] = {"title": title, "caption": asdict(caption)}  # for ``narrow``
    if compact:
        base["legend"] = {**_STYLE["legend"], "font": {"size": 10}}  # type: ignore[dict-item]
    if axes:
        base["xaxis"] = {**_XAXIS, "title": {"text": x_title}}
        base["yaxis"] = {**_YAXIS, "title": {"text": y_title}}
    return go.Figure(data=traces, layout=_merge(base, layout or {}), _validate=False)


def narrow(fig: go.Figure, columns: int = 2) -> dict[str, Any]:
    """``fig`` laid out for a narrow column (one of ``columns`` side by side: 2, half the page; 3, a
    third), as a figure dict: its title wrapped at ``TITLE_WIDTH // columns + 10`` characters and its
    caption at the compact width, the margins made room for them (a figure not built here keeps its
    layout)."""
    out = fig.to_dict()
    layout = out.setdefault("layout", {})
    meta = layout.get("meta")
    if not isinstance(meta, dict) or "caption" not in meta:
        return out
    caption = Caption(**{**meta["caption"], "names": tuple(meta["caption"].get("names", ()))})
    lines = caption_lines(caption, COMPACT_CAPTION_WIDTH)
    title_lines = _wrap_title(str(meta["title"]), TITLE_WIDTH // max(columns, 1) + 10)
    below = 0
    for a in layout.get("annotations", []):
        if a.get("name") == "caption":
            a["text"] = "<br>".join(esc(line) for line in lines)
            below = -int(a.get("yshift") or 0)
    title = layout.setdefault("title", {})
    title["text"] = "<br>".join(esc(line) for line in title_lines)
    title["y"] = title_y(len(title_lines), int(layout.get("height") or DEFAULT_HEIGHT))
    margin = layout.setdefault("margin", {})
    margin["t"] = 120 + 20 * (len(title_lines) - 1)
    margin["b"] = below + 14 * len(lines) + 12
    return out


def caption_text(fig: go.Figure) -> str:
    """The full caption of a figure built here (for tests and exports): the annotation's hover text,
    of which the lines under the chart are the short form."""
    for a in fig.layout.annotations:
        if a.name == "caption":
            return html.unescape(a.hovertext or a.text.replace("<br>", " "))
    return ""


#: ``meta`` of a trace that draws the absence of data (the map's countries without an index).
NO_DATA_META = "no data"


def _numbers(values: object) -> np.ndarray:
    """``values`` as floats, NaN where a value is not a number (text that reads as a number
    counts); an array of numbers (or booleans) is converted directly."""
    if values is None:
        return np.empty(0)
    if isinstance(values, np.ndarray | tuple | list):
        try:
            plain = np.asarray(values)
        except ValueError:  # rows of unequal length: read one value at a time below
            plain = None
        if plain is not None and plain.dtype.kind in "biuf":
            return np.ravel(plain).astype(float)
    return pd.to_numeric(
        pd.Series(list(np.ravel(np.asarray(values, dtype=object)))), errors="coerce"
    ).to_numpy(dtype=float)


def _categories(values: object) -> bool:
    """Whether ``values`` are names (text that is not a number), as on a categorical axis."""
    if values is None or isinstance(values, str | bytes):
        return False
    items = [v for v in np.ravel(np.asarray(values, dtype=object)) if isinstance(v, str) and v.strip()]
    return bool(items) and not np.isfinite(_numbers(items)).any()


def has_data(fig: go.Figure) -> bool:
    """Whether a visible trace of ``fig`` draws at least one value: a finite number in its value
    field (``y``, ``z``, ``values``, ``r``; ``x`` for a horizontal bar or names on the y axis;
    ``lat`` for points on a map; ``x`` only for a trace with none of these). Positions without a
    value (lags or months on the x axis with every ``y`` empty), dates, names and traces marked
    ``NO_DATA_META`` do not count."""
    for trace in fig.data:
        if getattr(trace, "meta", None) == NO_DATA_META or getattr(trace, "visible", True) is False:
            continue
        spec = {k: getattr(trace, k, None) for k in ("orientation", "x", "y", "z", "values", "r", "lat")}
        if spec["orientation"] == "h" or _categories(spec["y"]):
            fields: tuple[str, ...] = ("x",)  # names on the y axis: the values are on x
        else:
            fields = tuple(k for k in ("y", "z", "values", "r", "lat") if spec[k] is not None) or ("x",)
        if any(np.isfinite(_numbers(spec[k])).any() for k in fields):
            return True
    return False


def no_data_figure(fig: go.Figure, sentence: str, *, width: int = 70) -> go.Figure:
    """A figure without data traces or axes: ``fig``'s title and caption, and ``sentence`` in the
    middle, so an exported image states the absence instead of showing empty axes."""
    caption = [a for a in fig.layout.annotations if a.name == "caption"]
    text = "<br>".join(esc(line) for line in textwrap.wrap(sentence, width))
    note = {
        "text": text,
        "xref": "paper",
        "yref": "paper",
        "x": 0.5,
        "y": 0.55,
        "showarrow": False,
        "align": "center",
        "font": {"size": 14, "color": "#222"},
        "name": "no data",
    }
    layout = {
        **_STYLE,
        "title": fig.layout.title,
        "height": fig.layout.height,
        "margin": fig.layout.margin,
        "xaxis": {"visible": False},
        "yaxis": {"visible": False},
        "annotations": [*caption, note],
    }
    return go.Figure(layout=layout, _validate=False)


def title_text(fig: go.Figure) -> str:
    """A figure's title as plain text on one line."""
    return html.unescape(str(fig.layout.title.text or "").replace("<br>", " "))


def shown_caption_lines(fig: go.Figure) -> list[str]:
    """The lines of the caption as drawn under the chart."""
    for a in fig.layout.annotations:
        if a.name == "caption":
            return html.unescape(a.text).split("<br>")
    return []


def _translucent(colour: str, alpha: float) -> str:
    """``#rrggbb`` as ``rgba(r,g,b,alpha)``."""
    r, g, b = (int(colour[k : k + 2], 16) for k in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def _floats(values: object) -> np.ndarray:
    """Numbers for plotly as a float array: missing values stay NaN (drawn as a gap), never zero.

    Arrays rather than lists: plotly validates and copies an array in one step, a list item by item.
    """
    return np.asarray(values, dtype=float)


def _indicator(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    return frame.loc[frame["indicator"] == name].sort_values("period")


def _months(periods: pd.Series | Sequence[str]) -> np.ndarray:
    """Periods (``YYYY-MM`` or ``YYYY``) as plotly date strings, unchanged: a date axis reads both."""
    if isinstance(periods, pd.Series):
        return periods.to_numpy(dtype=str)
    return np.asarray(periods, dtype=str)


DATE_AXIS: dict[str, object] = {"type": "date"}
#: A date axis of years: one tick label per year, never "Jul 2015" between two yearly values.
YEAR_AXIS: dict[str, object] = {"type": "date", "tickformat": "%Y", "dtick": "M12"}


def yearly_periods(periods: pd.Series | Sequence[str]) -> bool:
    """Whether the periods are years (``YYYY``): a yearly source's values, to be labelled by year."""
    values = [str(p) for p in (periods.tolist() if isinstance(periods, pd.Series) else periods)]
    return bool(values) and all(len(v) == 4 for v in values)


def _time_axis(yearly: bool) -> tuple[str, str, dict[str, object]]:
    """Axis title, hover date format and axis layout of a monthly or a yearly series."""
    return ("Year", "%{x|%Y}", YEAR_AXIS) if yearly else ("Month", "%{x|%Y-%m}", DATE_AXIS)


# --- maps -------------------------------------------------------------------------------------


def world_map(
    frame: pd.DataFrame,
    *,
    title: str,
    caption: Caption,
    all_iso3: Sequence[str],
    value_title: str = "Stability index (0–100)",
) -> go.Figure:
    """Choropleth of ``frame`` (``iso3, region, value``), countries coloured by their region's value.

    Trace 0 draws every country of ``all_iso3`` without a value white with a dark outline ("no
    index"), so a country without a value is shown as missing, never as a low score nor as a colour of
    the scale; trace 1 colours the countries with a value on a fixed 0–100 scale without grey.
    """
    has = frame.loc[frame["value"].notna()]
    without = frame.loc[frame["value"].isna()]
    region_of = dict(zip(without["iso3"], without["region"], strict=True))
    grey_codes = sorted(set(all_iso3) - set(has["iso3"]))
    grey_text = [
        f"{esc(country_name(c))}<br>{esc(region_of[c]) + ': no index' if c in region_of else 'no index'}"
        for c in grey_codes
    ]
    text = [
        f"{esc(country_name(c))}<br>{esc(r)}: {v:.1f}"
        for c, r, v in zip(has["iso3"], has["region"], has["value"], strict=True)
    ]
    border = {"line": {"color": "white", "width": 0.5}}
    traces: list[dict[str, object]] = [
        {
            "type": "choropleth",
            "locations": grey_codes,
            "z": [0.0] * len(grey_codes),
            "locationmode": "ISO-3",
            "colorscale": [[0, NO_DATA_FILL], [1, NO_DATA_FILL]],
            "showscale": False,
            "text": grey_text,
            "hovertemplate": "%{text}<extra></extra>",
            "marker": {"line": {"color": NO_DATA_LINE, "width": 0.6}},
            "name": "No index",
            "meta": NO_DATA_META,
        },
        {
            "type": "choropleth",
            "locations": list(has["iso3"]),
            "z": _floats(has["value"]),
            "locationmode": "ISO-3",
            "zmin": 0,
            "zmax": 100,
            "colorscale": get_colorscale(MAP_COLOURSCALE),  # the named scale's stops, as plotly sends them
            "colorbar": {"title": {"text": value_title.replace(" (", "<br>(")}, "thickness": 14},
            "text": text,
            "hovertemplate": "%{text}<extra></extra>",
            "marker": border,
            "name": value_title,
        },
    ]
    geo = {
        "projection": {"type": "natural earth"},
        "showframe": False,
        "showcoastlines": False,
        "showland": True,
        "landcolor": NO_DATA_FILL,
        "lataxis": {"range": [-58, 85]},
    }
    return _figure(
        traces,
        title=title,
        caption=caption,
        axes=False,
        height=500,
        layout={"geo": geo, "margin": {"l": 8, "r": 8, "t": 48}},
    )


def event_map(frame: pd.DataFrame, *, title: str, caption: Caption, cell_degrees: float = 0.0) -> go.Figure:
    """Incident locations (``latitude, longitude, incidents, fatalities``) on a map.

    One marker per incident, or per grid cell of ``cell_degrees`` when aggregated (marker area
    proportional to the incidents in the cell). One trace.
    """
    n = frame["incidents"].to_numpy(dtype=float)
    if cell_degrees > 0 and len(n):
        size = 4 + 16 * np.sqrt(n / n.max())
        name = f"Incidents per {cell_degrees:g}° cell"
    else:
        size = np.full(len(n), 5.0)
        name = "Incident"
    trace = {
        "type": "scattergeo",
        "lat": _floats(frame["latitude"]),
        "lon": _floats(frame["longitude"]),
        "mode": "markers",
        "marker": {"size": size, "color": VERMILLION, "opacity": 0.55, "line": {"width": 0}},
        "customdata": np.column_stack([n, frame["fatalities"].to_numpy(dtype=float)]),
        "hovertemplate": "%{customdata[0]:,.0f} incident(s), %{customdata[1]:,.0f} deaths<extra></extra>",
        "name": name,
    }
    geo = {
        "projection": {"type": "natural earth"},
        "showcountries": True,
        "countrycolor": "white",
        "showland": True,
        "landcolor": "#eeeeee",
        "showcoastlines": False,
        "showframe": False,
        "fitbounds": "locations" if len(n) else False,
    }
    return _figure(
        [trace],
        title=title,
        caption=caption,
        axes=False,
        height=500,
        layout={"geo": geo, "margin": {"l": 8, "r": 8}},
    )


# --- time series ------------------------------------------------------------------------------


def family_scores(frame: pd.DataFrame, *, title: str, caption: Caption) -> go.Figure:
    """The stability index and its three family scores over time (tidy composite rows of one region).

    Four traces in the order index, conflict, collaboration, perception; y from 0 to 100.
    """
    traces = []
    for name, label in (
        ("stability_index", "Stability index"),
        ("conflict", "Conflict score"),
        ("collaboration", "Collaboration score"),
        ("perception", "Perception score"),
    ):
        sub = _indicator(frame, name if name == "stability_index" else f"score_{name}")
        traces.append(
            {
                "type": "scatter",
                "x": _months(sub["period"]),
                "y": _floats(sub["value"]),
                "mode": "lines",
                "name": label,
                "line": {"color": FAMILY_COLOURS[name], "width": 3 if name == "stability_index" else 1.8},
                "hovertemplate": "%{x|%Y-%m}: %{y:.1f}<extra>" + label + "</extra>",
            }
        )
    return _figure(
        traces,
        title=title,
        caption=caption,
        x_title="Month",
        y_title="Score (0–100, 100 = most stable)",
        layout={"xaxis": DATE_AXIS, "yaxis": {"range": [0, 100]}},
    )


def rank_sensitivity(frame: pd.DataFrame, region: str, *, title: str, caption: Caption) -> go.Figure:
    """Each region's rank with the 5–95 % range of its rank under weights varied ±20 %.

    ``frame``: ``metrics.sensitivity.rank_sensitivity`` output. Two traces: the ranges (horizontal
    error bars around the median rank) and the rank at the chosen weights; ``region`` is drawn in
    black, the others in grey. Rank 1 (most stable) at the top.
    """
    regions = frame["region"].astype(str).tolist()
    colour = [BLACK if r == region else "#9a9a9a" for r in regions]
    median = frame["rank_median"].to_numpy(dtype=float)
    traces: list[dict[str, object]] = [
        {
            "type": "scatter",
            "x": median.tolist(),
            "y": regions,
            "mode": "markers",
            "marker": {"symbol": "line-ns-open", "size": 10, "color": colour},
            "error_x": {
                "type": "data",
                "symmetric": False,
                "array": (frame["rank_high"].to_numpy(dtype=float) - median).tolist(),
                "arrayminus": (median - frame["rank_low"].to_numpy(dtype=float)).tolist(),
                "color": "#9a9a9a",
                "thickness": 6,
                "width": 0,
            },
            "name": "Rank range when weights vary ±20 % (5–95 %)",
            "hovertemplate": "%{y}: median rank %{x}<extra></extra>",
        },
        {
            "type": "scatter",
            "x": frame["rank"].to_numpy(dtype=float).tolist(),
            "y": regions,
            "mode": "markers",
            "marker": {"size": 11, "color": colour},
            "name": "Rank with the chosen weights",
            "hovertemplate": "%{y}: rank %{x}<extra></extra>",
        },
    ]
    return _figure(
        traces,
        title=title,
        caption=caption,
        x_title="Rank (1 = most stable)",
        height=max(300, 120 + 28 * len(regions)),
        layout={"yaxis": {"autorange": "reversed", "type": "category"}, "xaxis": {"dtick": 1}},
    )


def conflict_trend(frame: pd.DataFrame, *, title: str, caption: Caption, compact: bool = False) -> go.Figure:
    """Monthly incidents with the trailing 12-month mean, Sen's trend line and the flags.

    ``frame``: tidy conflict rows of one region. Five traces: incidents (bars), trailing mean,
    trend line over the shown months (Sen's slope and intercept, a descriptive line: the tested
    trend is ``downward_trend``), months flagged as a downward trend, months flagged as an alarm
    (markers at the month's count; a flag trace is empty when no month is flagged). Yearly
    periods: the flag traces are left out of the legend (yearly data have no flags).
    """
    inc = _indicator(frame, "incidents")
    yearly = yearly_periods(inc["period"])
    step = "year" if yearly else "month"
    x_title, when, axis = _time_axis(yearly)
    x = _months(inc["period"])
    y = inc["value"].to_numpy(dtype=float)
    roll = _indicator(frame, "incidents_rolling_12m")
    slope, intercept, _p = sen_line(y)
    if math.isfinite(slope):
        trend_y = _floats(intercept + slope * np.arange(len(y)))
        hover = f"Sen's slope {slope:+.2f} incidents/{step} per {step} (a line to read by eye, not a test)"
        caption = replace(caption, note="; ".join(filter(None, [caption.note, "trend: " + hover])))
    else:
        trend_y = [None] * len(y)
        hover = f"not enough {step}s for a trend"
    traces: list[dict[str, object]] = [
        {
            "type": "bar",
            "x": x,
            "y": _floats(y),
            "name": "Incidents",
            "marker": {"color": SKY},
            "hovertemplate": when + ": %{y:,.0f}<extra></extra>",
        },
        {
            "type": "scatter",
            "x": _months(roll["period"]),
            "y": _floats(roll["value"]),
            "mode": "lines",
            "name": "12-month mean",
            # yearly data have no 12-month mean: no legend entry for an empty line
            "showlegend": bool(np.isfinite(roll["value"].to_numpy(dtype=float)).any()),
            "line": {"color": BLUE, "width": 2.5},
            "hovertemplate": when + ": %{y:,.1f}<extra>12-month mean</extra>",
        },
        {
            "type": "scatter",
            "x": x,
            "y": trend_y,
            "mode": "lines",
            "name": "Trend (Sen)",
            "line": {"color": BLACK, "dash": "dash"},
            "hovertemplate": when + f": %{{y:,.1f}}<extra>{hover}</extra>",
        },
    ]
    counts = dict(zip(inc["period"].to_numpy(dtype=str), y, strict=True))
    for ind, label, symbol, colour in (
        ("downward_trend", "Downward trend", "triangle-down", GREEN),
        ("alarm", "Alarm", "triangle-up", VERMILLION),
    ):
        flag = _indicator(frame, ind)
        months = flag["period"].to_numpy(dtype=str)[flag["value"].to_numpy(dtype=float) == 1]
        traces.append(
            {
                "type": "scatter",
                "x": months,
                "y": _floats([counts.get(str(m), np.nan) for m in months]),
                "mode": "markers",
                "name": f"{label} ({len(months)})",
                "showlegend": not yearly,  # yearly series have no flags: no "(0)" entry to read
                "marker": {
                    "symbol": symbol,
                    "size": 11,
                    "color": colour,
                    "line": {"color": BLACK, "width": 1},
                },
                "hovertemplate": when + ": " + label.lower() + "<extra></extra>",
            }
        )
    return _figure(
        traces,
        title=title,
        caption=caption,
        x_title=x_title,
        y_title=f"Incidents per {step}",
        compact=compact,
        layout={"xaxis": axis},
    )


def stacked_bars(
    frame: pd.DataFrame,
    *,
    x: str,
    y: str,
    series: str,
    title: str,
    caption: Caption,
    y_title: str,
    order: Sequence[str] | None = None,
    colours: Mapping[str, str] | None = None,
) -> go.Figure:
    """Stacked bars by month (by year when every period is a ``YYYY`` year): one trace per value of
    ``series`` (in ``order``, else first seen)."""
    names = list(order) if order is not None else list(dict.fromkeys(frame[series]))
    x_title, when, axis = _time_axis(yearly_periods(frame[x]))
    groups = dict(list(frame.sort_values(x).groupby(series, sort=False)))
    traces = []
    for k, name in enumerate(names):
        sub = groups.get(name, frame.iloc[:0])
        traces.append(
            {
                "type": "bar",
                "x": _months(sub[x]),
                "y": _floats(sub[y]),
                "name": esc(name),
                "marker": {"color": (colours or {}).get(name) or vocabulary.colour(str(name), k)},
                "hovertemplate": when + ": %{y:,.0f}<extra>" + esc(name) + "</extra>",
            }
        )
    return _figure(
        traces,
        title=title,
        caption=caption,
        x_title=x_title,
        y_title=y_title,
        layout={"barmode": "stack", "bargap": 0.1, "legend": {"traceorder": "normal"}, "xaxis": axis},
    )


def lines(
    frame: pd.DataFrame,
    *,
    x: str,
    y: str,
    series: str,
    title: str,
    caption: Caption,
    y_title: str,
    y_range: Sequence[float] | None = None,
    y_format: str = ",.2f",
    compact: bool = False,
    percent: bool = False,
) -> go.Figure:
    """One line per value of ``series`` (alphabetical order), on shared axes; each series takes its own
    colour from the vocabulary (the same on every page), others the Okabe–Ito palette in turn.
    ``percent``: the values are shares (0–1) shown in % (axis ticks and hover ``100 · value`` %).
    Periods that are all years (``YYYY``) get a year axis and a marker at each year."""
    if percent:
        y_format = ".1%"
    x_title, when, axis = _time_axis(yearly_periods(frame[x]))
    traces = []
    for k, name in enumerate(sorted(frame[series].unique(), key=str)):
        sub = frame.loc[frame[series] == name].sort_values(x)
        traces.append(
            {
                "type": "scatter",
                "x": _months(sub[x]),
                "y": _floats(sub[y]),
                "mode": "lines+markers" if axis is YEAR_AXIS else "lines",
                "name": esc(name),
                "line": {"color": vocabulary.colour(str(name), k), "width": 2},
                "hovertemplate": when + ": %{y:" + y_format + "}<extra>" + esc(name) + "</extra>",
            }
        )
    yaxis: dict[str, object] = {"range": list(y_range)} if y_range is not None else {}
    if percent:
        yaxis["tickformat"] = ".0%"
    return _figure(
        traces,
        title=title,
        caption=caption,
        x_title=x_title,
        y_title=y_title,
        compact=compact,
        layout={"xaxis": axis, "yaxis": yaxis},
    )


def _column(frame: pd.DataFrame, name: str) -> np.ndarray:
    """Column ``name`` of ``frame`` as floats, all NaN when the frame has no such column."""
    if name not in frame.columns:
        return np.full(len(frame), np.nan)
    return pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=float)


def perception_chart(
    frame: pd.DataFrame,
    *,
    title: str,
    caption: Caption,
    y_title: str,
    share: bool = True,
    colour: str = GREEN,
    level: int = 95,
) -> go.Figure:
    """One survey indicator over waves with its ``level`` % interval as a band (95; the World
    Bank's WGI indices publish 90).

    ``frame``: ``period, value, ci_low, ci_high, sample_size`` of one region and indicator. Two
    traces: the band (one shaded polygon per run of consecutive waves with an interval) and the
    estimate (markers and line; hollow markers where there is no interval). Hover shows the
    interval and the sample size, or "no interval: sample size not published", and (where the frame
    has ``countries_covered`` and ``population_covered``) how many member countries and what share
    of the region's people the value rests on.
    """
    f = frame.sort_values("period").reset_index(drop=True)
    x = _months(f["period"])
    lo, hi = f["ci_low"].to_numpy(dtype=float), f["ci_high"].to_numpy(dtype=float)
    has = np.isfinite(lo) & np.isfinite(hi)
    band_x: list[str | None] = []
    band_y: list[float | None] = []
    k = 0
    while k < len(f):
        if not has[k]:
            k += 1
            continue
        j = k
        while j + 1 < len(f) and has[j + 1]:
            j += 1
        if band_x:
            band_x.append(None)
            band_y.append(None)
        band_x += [*x[k : j + 1], *x[k : j + 1][::-1]]
        band_y += [float(v) for v in hi[k : j + 1]] + [float(v) for v in lo[k : j + 1][::-1]]
        k = j + 1
    fmt = ".1%" if share else ",.2f"
    n = pd.to_numeric(f["sample_size"], errors="coerce").to_numpy(dtype=float)
    k = _column(f, "countries_covered")
    people = _column(f, "population_covered")
    hover = []
    for v, a, b, m, c, p in zip(f["value"].to_numpy(dtype=float), lo, hi, n, k, people, strict=True):
        iv = (
            f"{level}% interval {a:{fmt}} to {b:{fmt}}"
            if math.isfinite(a) and math.isfinite(b)
            else NO_INTERVAL
        )
        size = f"n = {m:,.0f}" if math.isfinite(m) else "sample size not published"
        covers = ""
        if math.isfinite(c):
            covers = f"<br>{c:,.0f} member countr{'y' if c == 1 else 'ies'}"
            covers += f", {p:.0%} of the region's people" if math.isfinite(p) else ""
        hover.append(f"{v:{fmt}}<br>{iv}<br>{size}{covers}")
    traces: list[dict[str, object]] = [
        {
            "type": "scatter",
            "x": band_x,
            "y": band_y,
            "fill": "toself",
            "mode": "lines",
            "line": {"width": 0},
            "fillcolor": _translucent(colour, 0.22),
            "name": f"{level}% interval",
            "hoverinfo": "skip",
        },
        {
            "type": "scatter",
            "x": x,
            "y": _floats(f["value"]),
            "mode": "lines+markers",
            "name": "Estimate",
            "line": {"color": colour, "width": 2},
            "marker": {"symbol": ["circle" if h else "circle-open" for h in has], "size": 8, "color": colour},
            "text": hover,
            "hovertemplate": "%{x|%Y-%m}: %{text}<extra></extra>",
        },
    ]
    if not has.all() and len(f):
        extra = f"{int((~has).sum())} wave(s): {NO_INTERVAL}"
        caption = replace(caption, note="; ".join(filter(None, [caption.note, extra])))
    yaxis = {"tickformat": ".0%", "range": [0, 1]} if share else {}
    return _figure(
        traces,
        title=title,
        caption=caption,
        x_title="Survey wave",
        y_title=y_title,
        layout={"xaxis": DATE_AXIS, "yaxis": yaxis},
    )


# --- other ------------------------------------------------------------------------------------


def ranked_bars(
    frame: pd.DataFrame, *, x: str, y: str, title: str, caption: Caption, x_title: str
) -> go.Figure:
    """Horizontal bars of ``x`` per ``y`` label, largest at the top (one trace)."""
    f = frame.iloc[::-1]
    trace = {
        "type": "bar",
        "x": _floats(f[x]),
        "y": [esc(v) for v in f[y]],
        "orientation": "h",
        "marker": {"color": VERMILLION},
        "hovertemplate": "%{y}: %{x:,.0f}<extra></extra>",
        "name": x_title,
    }
    return _figure(
        [trace],
        title=title,
        caption=caption,
        x_title=x_title,
        height=max(320, 190 + 26 * len(f)),
        layout={"margin": {"l": 150, "t": 60}},
    )


def circle_layout(members: Sequence[str], partners: Sequence[str]) -> dict[str, tuple[float, float]]:
    """Deterministic positions: members evenly on the unit circle, partners on a circle of radius 1.6.

    Both sorted alphabetically and starting at the top (angle π/2), going clockwise.
    """
    pos: dict[str, tuple[float, float]] = {}
    for names, radius in ((sorted(members), 1.0), (sorted(partners), 1.6)):
        for k, name in enumerate(names):
            angle = math.pi / 2 - 2 * math.pi * k / max(len(names), 1)
            pos[name] = (radius * math.cos(angle), radius * math.sin(angle))
    return pos


def network_graph(frame: pd.DataFrame, *, title: str, caption: Caption, max_partners: int = 40) -> go.Figure:
    """Collaboration network from an edge list (``source, target, engagements, source_member,
    target_member``): members on the inner circle, partners outside.

    At most ``max_partners`` partners are drawn: those with the most engagements (ties by code);
    the caption says how many more there are (the data table keeps every edge).

    Traces: ``EDGE_CLASSES`` edge traces (line width by engagements, class k holding edges with
    engagements in ((k−1)/K·max, k/K·max]), one invisible trace of edge midpoints carrying the hover
    text, then member nodes and partner nodes (marker size by the node's total engagements).
    """
    member_set = set(frame.loc[frame["source_member"], "source"]) | set(
        frame.loc[frame["target_member"], "target"]
    )
    codes = set(frame["source"]) | set(frame["target"])
    totals = (
        pd.concat(
            [
                frame[["source", "engagements"]].set_axis(["code", "n"], axis=1),
                frame[["target", "engagements"]].set_axis(["code", "n"], axis=1),
            ]
        )
        .groupby("code")["n"]
        .sum()
    )
    partners = sorted(codes - member_set, key=lambda c: (-totals.get(c, 0), c))
    if len(partners) > max_partners:
        dropped = set(partners[max_partners:])
        frame = frame.loc[~frame["source"].isin(dropped) & ~frame["target"].isin(dropped)]
        codes -= dropped
        more = f"{len(dropped)} more partners with fewer engagements not drawn (see the data)"
        caption = replace(caption, note=f"{caption.note}; {more}" if caption.note else more)
    pos = circle_layout(sorted(member_set), sorted(codes - member_set))
    top = float(frame["engagements"].max()) if len(frame) else 1.0
    pairs = list(zip(frame["source"], frame["target"], frame["engagements"].astype(int), strict=True))
    cls = np.ceil(EDGE_CLASSES * frame["engagements"].to_numpy(dtype=float) / top).clip(1, EDGE_CLASSES)
    traces: list[dict[str, object]] = []
    for k in range(1, EDGE_CLASSES + 1):
        xs: list[float] = []
        ys: list[float] = []
        for (a, b, _n), c in zip(pairs, cls, strict=True):
            if c == k:  # each edge a segment, NaN between segments
                xs += [pos[a][0], pos[b][0], math.nan]
                ys += [pos[a][1], pos[b][1], math.nan]
        lo, hi = math.floor((k - 1) * top / EDGE_CLASSES) + 1, math.floor(k * top / EDGE_CLASSES)
        traces.append(
            {
                "type": "scatter",
                "x": np.asarray(xs),
                "y": np.asarray(ys),
                "mode": "lines",
                "line": {"width": 0.8 + 1.6 * (k - 1), "color": "rgba(80,80,80,0.45)"},
                "hoverinfo": "skip",
                "name": f"{lo}–{hi} engagements" if hi > lo else f"{hi} engagements",
                "showlegend": bool(xs),
            }
        )
    traces.append(
        {
            "type": "scatter",
            "x": [(pos[a][0] + pos[b][0]) / 2 for a, b, _ in pairs],
            "y": [(pos[a][1] + pos[b][1]) / 2 for a, b, _ in pairs],
            "mode": "markers",
            "marker": {"size": 6, "opacity": 0},
            "text": [f"{esc(a)}–{esc(b)}: {n} engagement{'s' if n != 1 else ''}" for a, b, n in pairs],
            "hovertemplate": "%{text}<extra></extra>",
            "showlegend": False,
            "name": "Ties",
        }
    )
    degree: dict[str, int] = {}
    for a, b, n in pairs:
        degree[a] = degree.get(a, 0) + int(n)
        degree[b] = degree.get(b, 0) + int(n)
    biggest = max(degree.values()) if degree else 1
    for names, label, colour in (
        (sorted(member_set), "Members", BLUE),
        (sorted(codes - member_set), "Partners", ORANGE),
    ):
        traces.append(
            {
                "type": "scatter",
                "x": [pos[c][0] for c in names],
                "y": [pos[c][1] for c in names],
                "mode": "markers+text",
                "text": _ring_labels(names, degree),
                "textposition": [_outward(*pos[c]) for c in names],
                "marker": {
                    "size": [10 + 18 * math.sqrt(degree[c] / biggest) for c in names],
                    "color": colour,
                    "line": {"color": "white", "width": 1},
                },
                "customdata": [[esc(_name(c)), degree[c]] for c in names],
                "hovertemplate": "%{customdata[0]}: %{customdata[1]} engagement ties<extra></extra>",
                "name": label,
            }
        )
    return _figure(
        traces,
        title=title,
        caption=caption,
        axes=False,
        height=600,
        layout={
            "xaxis": {"visible": False},
            "yaxis": {"visible": False, "scaleanchor": "x", "scaleratio": 1},
        },
    )


#: A ring with more nodes than this labels only its busiest ones (the rest by hover), so that
#: neighbouring codes never run into each other ("USAAUS").
RING_LABELS = 20


def _ring_labels(names: Sequence[str], degree: Mapping[str, int]) -> list[str]:
    """Node labels of one ring: every code, or on a dense ring the ``RING_LABELS`` busiest (ties by
    code) and "" for the others, which keep their hover text."""
    if len(names) <= RING_LABELS:
        return [esc(c) for c in names]
    keep = set(sorted(names, key=lambda c: (-degree[c], c))[:RING_LABELS])
    return [esc(c) if c in keep else "" for c in names]


def _outward(x: float, y: float) -> str:
    """Label position pointing away from the centre, so labels of neighbours on a circle do not
    overlap: right of nodes on the right, left on the left, above at the top, below at the bottom."""
    if abs(x) >= abs(y):
        return "middle right" if x >= 0 else "middle left"
    return "top center" if y >= 0 else "bottom center"


def _name(code: str) -> str:
    name = country_name(code) if len(code) == 3 and code.isupper() else ""
    return f"{name} ({code})" if name and name != code else code


# --- configuration ----------------------------------------------------------------------------


def plotly_config(filename: str, image_format: str = "png") -> dict[str, object]:
    """Browser config of a chart: the modebar's camera button saves ``image_format`` ("png" or
    "svg"), and maps read their topology from the app's own static files (no CDN)."""
    if image_format not in ("png", "svg"):
        raise ValueError(f"image format must be png or svg, not {image_format!r}")
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in filename)[:80] or "chart"
    return {
        "displaylogo": False,
        "topojsonURL": TOPOJSON_URL,
        "toImageButtonOptions": {
            "format": image_format,
            "filename": safe,
            "scale": 2 if image_format == "png" else 1,
        },
    }


def configure_offline_topojson() -> Path:
    """Point server-side image export (kaleido) at the bundled topology files; returns their directory."""
    if not (TOPOJSON_DIR / "world_110m.json").is_file():
        raise FileNotFoundError(f"bundled map topology missing: {TOPOJSON_DIR / 'world_110m.json'}")
    pio.defaults.topojson = TOPOJSON_DIR.resolve().as_uri() + "/"
    return TOPOJSON_DIR
