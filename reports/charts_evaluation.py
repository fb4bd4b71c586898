"""Chart builders of the Evaluation page: pure functions, data in, ``go.Figure`` out.

Same vocabulary and styling as ``reports.charts`` (``frame`` first, then keyword-only ``title`` and
``caption``; title, axis titles with units and the source caption always set; Okabe–Ito colours;
text from data HTML-escaped). Monthly values are drawn across their month (``xperiod`` "M1"), so
the milestone line at the start of the milestone month is exactly the boundary between the before
window (the K months before it, shaded blue) and the after window (the milestone month and the K − 1
months after it, shaded orange).
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import replace

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from metrics.catalog import describe
from metrics.periods import Month
from reports.charts import (
    _YAXIS,
    DATE_AXIS,
    Caption,
    _figure,
    _floats,
    _months,
    esc,
)
from reports.vocabulary import BLACK, BLUE, GREEN, ORANGE, PURPLE, SKY, VERMILLION

MONTHLY: dict[str, object] = {"xperiod": "M1", "xperiodalignment": "middle"}
BEFORE_FILL = "rgba(86,180,233,0.16)"
AFTER_FILL = "rgba(230,159,0,0.16)"
DRIVER_COLOURS: dict[str, str] = {"engagements_total": ORANGE, "network_density": PURPLE}
DRIVER_LABELS: dict[str, str] = {"engagements_total": "Engagements", "network_density": "Network density"}
PERCEPTION_COLOURS: tuple[str, ...] = (GREEN, VERMILLION, BLUE, PURPLE, ORANGE, SKY)
RATIO_TICKS: tuple[float, ...] = (
    0.1,
    0.2,
    0.25,
    0.33,
    0.5,
    0.67,
    0.8,
    0.9,
    1,
    1.1,
    1.25,
    1.5,
    2,
    3,
    4,
    5,
    10,
)
#: Room at the top of a multi-panel figure for the title and a legend above the first panel's title.
PANEL_TOP: dict[str, object] = {"margin": {"t": 150}, "legend": {"y": 1.04}}
LABEL_LINE = 40
LABEL_LINES = 3


def _label(name: str) -> str:
    """Plain label of an indicator (its name when the catalogue does not know it)."""
    try:
        return describe(name).label
    except (KeyError, ValueError):
        return name


def _family(name: str) -> str:
    """Indicator family of ``name`` in the catalogue ("" when unknown)."""
    try:
        return describe(name).family
    except (KeyError, ValueError):
        return ""


def window_shapes(milestone: str, window: int) -> list[dict[str, object]]:
    """Three shapes: the before window and the after window (rectangles over the whole plot height)
    and the milestone (a dashed vertical line at the start of the milestone month)."""
    m = Month(milestone)
    rect = {"type": "rect", "xref": "x", "yref": "paper", "y0": 0, "y1": 1, "line": {"width": 0}}
    before, at, after = (m - window).start_text, m.start_text, (m + window).start_text
    return [
        {**rect, "x0": before, "x1": at, "fillcolor": BEFORE_FILL, "layer": "below", "name": "before window"},
        {**rect, "x0": at, "x1": after, "fillcolor": AFTER_FILL, "layer": "below", "name": "after window"},
        {
            "type": "line",
            "xref": "x",
            "yref": "paper",
            "x0": at,
            "x1": at,
            "y0": 0,
            "y1": 1,
            "line": {"color": BLACK, "width": 2, "dash": "dash"},
            "name": "milestone",
        },
    ]


def _milestone_note(milestone: str, label: str) -> dict[str, object]:
    """The milestone's name beside its line, broken over lines of ``LABEL_LINE`` characters (at most
    ``LABEL_LINES``; a longer name ends in "…" there and is whole in the hover text), never cut off."""
    full = f"Milestone {milestone}" + (f": {label}" if label else "")
    lines = textwrap.wrap(full, LABEL_LINE) or [full]
    if len(lines) > LABEL_LINES:
        lines = [*lines[: LABEL_LINES - 1], lines[LABEL_LINES - 1][: LABEL_LINE - 1] + "…"]
    return {
        "text": "<br>".join(esc(line) for line in lines),
        "hovertext": esc(full),
        "xref": "x",
        "yref": "paper",
        "x": Month(milestone).start_text,
        "y": 1,
        "xanchor": "left",
        "yanchor": "top",
        "xshift": 4,
        "showarrow": False,
        "bgcolor": "rgba(255,255,255,0.8)",
        "font": {"size": 11},
        "name": "milestone",
    }


def _add(
    fig: go.Figure, shapes: Sequence[Mapping[str, object]], notes: Sequence[Mapping[str, object]]
) -> go.Figure:
    """``fig`` with ``shapes`` and ``notes`` (annotations) added after its own, built without
    validation like ``charts._figure`` (``update_layout`` would validate the whole layout again)."""
    layout = fig.layout.to_plotly_json()
    for key, extra in (("shapes", shapes), ("annotations", notes)):
        if extra:
            layout[key] = [*layout.get(key, ()), *extra]
    return go.Figure(data=fig.data, layout=layout, _validate=False)


def _domains(n: int, gap: float = 0.08) -> list[list[float]]:
    """Vertical domains ``[bottom, top]`` of ``n`` stacked panels, top first (lists, as plotly keeps
    them: the figures are built without validation, which would convert tuples)."""
    h = (1 - gap * (n - 1)) / n
    return [[max(0.0, 1 - (k + 1) * h - k * gap), 1 - k * h - k * gap] for k in range(n)]


def _panel_title(text: str, top: float, axis: str = "paper") -> dict[str, object]:
    return {
        "text": esc(text),
        "xref": "paper" if axis == "paper" else f"{axis} domain",
        "yref": "paper",
        "x": 0,
        "y": top,
        "xanchor": "left",
        "yanchor": "bottom",
        "showarrow": False,
        "font": {"size": 12, "color": "#333"},
        "name": "panel",
    }


def _indicator(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    return frame.loc[frame["indicator"] == name].sort_values("period")


# --- the three families on one time axis ---------------------------------------------------------


def evaluation_timeline(
    frame: pd.DataFrame, *, milestone: str, window: int, label: str, title: str, caption: Caption
) -> go.Figure:
    """The region's three indicator families in four panels sharing one month axis.

    ``frame``: tidy rows (``period, indicator, value, ci_low, ci_high``) of ``incidents``,
    ``incidents_rolling_12m``, ``downward_trend`` (0/1), ``engagements_total``, ``network_density``
    and any perception indicators. Traces: incidents per month (bars), their trailing 12-month mean,
    months flagged as a downward trend (markers on the mean), engagements per month, network
    density (share, 0–1), then one trace per perception indicator (indicators of the catalogue's
    perception family, by name; waves with 95 % interval whiskers).
    Shapes: the before and after windows and the milestone line (``window_shapes``).
    """
    top = _domains(4)
    inc, mean = _indicator(frame, "incidents"), _indicator(frame, "incidents_rolling_12m")
    flag = _indicator(frame, "downward_trend")
    flagged = set(flag.loc[flag["value"] == 1, "period"])
    declining = mean.loc[mean["period"].isin(flagged)]
    eng, dens = _indicator(frame, "engagements_total"), _indicator(frame, "network_density")

    def line(sub: pd.DataFrame, name: str, colour: str, axis: str, fmt: str) -> dict[str, object]:
        return {
            "type": "scatter",
            "mode": "lines",
            "x": _months(sub["period"]),
            "y": _floats(sub["value"]),
            "name": name,
            "line": {"color": colour, "width": 2},
            "yaxis": axis,
            "hovertemplate": "%{x|%Y-%m}: %{y:" + fmt + "}<extra>" + esc(name) + "</extra>",
            **MONTHLY,
        }

    traces: list[dict[str, object]] = [
        {
            "type": "bar",
            "x": _months(inc["period"]),
            "y": _floats(inc["value"]),
            "name": "Incidents per month",
            "marker": {"color": SKY},
            "yaxis": "y",
            "hovertemplate": "%{x|%Y-%m}: %{y:,.0f} incidents<extra></extra>",
            **MONTHLY,
        },
        line(mean, "12-month mean of incidents", BLUE, "y", ",.1f"),
        {
            "type": "scatter",
            "mode": "markers",
            "x": _months(declining["period"]),
            "y": _floats(declining["value"]),
            "name": "Downward trend (36 months)",
            "marker": {"color": BLACK, "symbol": "triangle-down", "size": 7},
            "yaxis": "y",
            "hovertemplate": "%{x|%Y-%m}: downward trend<extra></extra>",
            **MONTHLY,
        },
        line(eng, "Engagements per month", ORANGE, "y2", ",.0f"),
        line(dens, "Network density", PURPLE, "y3", ".0%"),
    ]
    known = {
        "incidents",
        "incidents_rolling_12m",
        "downward_trend",
        "engagements_total",
        "network_density",
    }
    names = sorted(n for n in set(frame["indicator"]) - known if _family(n) == "perception")
    shares = True
    for k, name in enumerate(names):
        sub = _indicator(frame, name)
        v = sub["value"].to_numpy(dtype=float)
        shares &= bool(np.all(v[np.isfinite(v)] <= 1))
        traces.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "x": _months(sub["period"]),
                "y": _floats(v),
                "error_y": {
                    "type": "data",
                    "symmetric": False,
                    "array": _floats(sub["ci_high"].to_numpy(dtype=float) - v),
                    "arrayminus": _floats(v - sub["ci_low"].to_numpy(dtype=float)),
                    "thickness": 1.2,
                    "width": 3,
                },
                "name": _label(name),
                "line": {"color": PERCEPTION_COLOURS[k % len(PERCEPTION_COLOURS)], "width": 1.5},
                "yaxis": "y4",
                "hovertemplate": "%{x|%Y-%m}: %{y:.1%}<extra>" + esc(_label(name)) + "</extra>",
                **MONTHLY,
            }
        )
    axes: dict[str, object] = {
        "xaxis": {**DATE_AXIS, "anchor": "y4"},
        "yaxis": {"domain": top[0], "title": {"text": "Incidents / month"}, "rangemode": "tozero"},
        "yaxis2": {
            **_YAXIS,
            "domain": top[1],
            "title": {"text": "Engagements / month"},
            "rangemode": "tozero",
        },
        "yaxis3": {
            **_YAXIS,
            "domain": top[2],
            "title": {"text": "Share"},
            "range": [0, 1],
            "tickformat": ".0%",
        },
        "yaxis4": {**_YAXIS, "domain": top[3], "title": {"text": "Share" if shares else "Value"}}
        | ({"tickformat": ".0%"} if shares else {}),
    }
    fig = _figure(traces, title=title, caption=caption, x_title="Month", height=860, layout=axes | PANEL_TOP)
    panels = [
        "Conflict: incidents per month, 12-month mean and months with a downward trend",
        "Collaboration: engagements active per month",
        "Collaboration: network density, share of member pairs tied in the trailing 12 months",
        "Perception: survey results by wave with 95% intervals"
        + ("" if names else " (no survey data for this region)"),
    ]
    notes = [_panel_title(t, d[1]) for t, d in zip(panels, top, strict=True)]
    return _add(fig, window_shapes(milestone, window), [*notes, _milestone_note(milestone, label)])


# --- the region against its comparison around the milestone --------------------------------------


def event_window(
    frame: pd.DataFrame,
    *,
    milestone: str,
    window: int,
    noun: str,
    label: str,
    title: str,
    caption: Caption,
) -> go.Figure:
    """Monthly ``noun`` of the region and its pooled comparison around the milestone.

    ``frame``: monthly rows ``period, series, role, value, relative`` of one quantity, ``role``
    "region" or "comparison" (rows of other roles are ignored). Each series is drawn relative to its
    own mean over the before window (1 = that mean), so the region and the comparison share an axis;
    when a series has no full before window, the counts are drawn instead. One trace per series
    present (region first). Shapes: the two windows, the milestone line and, relative, the line at 1.
    """
    parts = [frame.loc[frame["role"] == role].sort_values("period") for role in ("region", "comparison")]
    parts = [p for p in parts if len(p)]
    relative = bool(parts) and all(p["relative"].notna().any() for p in parts)
    traces = []
    for part, colour, dash in zip(parts, (BLUE, ORANGE), ("solid", "dash"), strict=False):
        name = str(part["series"].iloc[0])
        traces.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "x": _months(part["period"]),
                "y": _floats(part["relative" if relative else "value"]),
                "customdata": _floats(part["value"]),
                "name": esc(name),
                "line": {"color": colour, "width": 2.2, "dash": dash},
                "marker": {"size": 4},
                "hovertemplate": "%{x|%Y-%m}: %{customdata:,.0f} "
                + esc(noun)
                + (" (%{y:.2f} × the before mean)" if relative else "")
                + "<extra>"
                + esc(name)
                + "</extra>",
                **MONTHLY,
            }
        )
    unit = f"{noun.capitalize()} ÷ before-window mean" if relative else f"{noun.capitalize()} per month"
    if relative:
        caption = replace(caption, note="; ".join(filter(None, [caption.note, "1 = the before-window mean"])))
    fig = _figure(
        traces,
        title=title,
        caption=caption,
        x_title="Month",
        y_title=unit,
        layout={"xaxis": DATE_AXIS, "yaxis": {"rangemode": "tozero"}},
    )
    shapes = window_shapes(milestone, window)
    if relative:
        shapes.append(
            {
                "type": "line",
                "xref": "paper",
                "yref": "y",
                "x0": 0,
                "x1": 1,
                "y0": 1,
                "y1": 1,
                "line": {"color": "#777", "width": 1, "dash": "dot"},
                "name": "no change",
            }
        )
    m = Month(milestone)
    notes = [
        {
            "text": f"{side} ({'1 month' if window == 1 else f'{window} months'})",
            "xref": "x",
            "yref": "paper",
            "x": (lo + (hi - lo) // 2).start_text if hi - lo > 1 else lo.start_text,
            "y": 0,
            "yanchor": "bottom",
            "showarrow": False,
            "font": {"size": 11, "color": "#444"},
            "name": side.lower(),
        }
        for side, lo, hi in (("Before", m - window, m), ("After", m, m + window))
    ]
    return _add(fig, shapes, [*notes, _milestone_note(milestone, label)])


# --- against chance ------------------------------------------------------------------------------


def placebo_sentence(frame: pd.DataFrame) -> str:
    """ "a change this large happened in k of n other periods (p = …)" from the placebo rows (one row
    per non-overlapping placebo window; p = (1 + k)/(1 + n))."""
    n = len(frame)
    if n == 0:
        return "no other period could serve as a placebo"
    k = int(frame["at_least_as_far"].sum())
    return (
        f"a change this large happened in {k} of {n} other period{'s' if n != 1 else ''} "
        f"(p = {(1 + k) / (1 + n):.2f})"
    )


def placebo_histogram(
    frame: pd.DataFrame,
    *,
    observed: float,
    noun: str,
    title: str,
    caption: Caption,
    bins: int = 24,
) -> go.Figure:
    """Histogram of the placebo rate ratios, the observed one marked.

    ``frame``: one row per placebo month (``period, rate_ratio, log_ratio, at_least_as_far``);
    ``observed``: the observed rate ratio (after ÷ before). The x axis is the log of the rate ratio
    (labelled as ratios), in ``bins`` equal bins symmetric about a ratio of 1. Two bar traces: months
    whose change was at least as large as the observed one, either way (|log ratio| ≥ |log observed|),
    and the others. Shapes: the observed ratio (solid) and its mirror image 1/observed (dotted), which
    counts too. The title ends with ``placebo_sentence``; months with no events in one window (an
    infinite ratio) are counted but cannot be drawn (said in the caption).
    """
    logs = frame["log_ratio"].to_numpy(dtype=float)
    far = frame["at_least_as_far"].to_numpy(dtype=bool)
    finite = np.isfinite(logs)
    obs = math.log(observed) if observed > 0 and math.isfinite(observed) else math.nan
    reach = max([abs(x) for x in logs[finite]] + ([abs(obs)] if math.isfinite(obs) else []) + [0.05]) * 1.08
    edges = np.linspace(-reach, reach, bins + 1)
    centres, width = (edges[:-1] + edges[1:]) / 2, float(edges[1] - edges[0])
    traces = []
    for mask, name, colour in (
        (far, f"At least as large a change ({int(far.sum())} months)", VERMILLION),
        (~far, f"Smaller change ({int((~far).sum())} months)", SKY),
    ):
        counts, _ = np.histogram(logs[finite & mask], bins=edges)
        traces.append(
            {
                "type": "bar",
                "x": centres,
                "y": counts.astype(float),
                "width": width,
                "name": name,
                "marker": {"color": colour, "line": {"color": "white", "width": 0.5}},
                "customdata": np.column_stack([np.exp(edges[:-1]), np.exp(edges[1:])]),
                "hovertemplate": (
                    "ratio %{customdata[0]:.2f}–%{customdata[1]:.2f}: %{y:.0f} months<extra></extra>"
                ),
            }
        )
    ticks = [t for t in RATIO_TICKS if abs(math.log(t)) <= reach]
    unseen = int((~finite).sum())
    if unseen:
        note = f"{unseen} placebo month(s) with no {noun} in one window counted but not drawn"
        caption = replace(caption, note="; ".join(filter(None, [caption.note, note])))
    fig = _figure(
        traces,
        title=f"{title}: {placebo_sentence(frame)}",
        caption=caption,
        x_title="Rate ratio at the placebo month (after ÷ before, log scale)",
        y_title="Placebo months",
        layout={
            "barmode": "stack",
            "xaxis": {"tickvals": [math.log(t) for t in ticks], "ticktext": [f"{t:g}" for t in ticks]},
        },
    )
    shapes, notes = [], []
    if math.isfinite(obs):
        for x, dash, name in ((obs, "solid", "observed"), (-obs, "dot", "observed, mirrored")):
            shapes.append(
                {
                    "type": "line",
                    "xref": "x",
                    "yref": "paper",
                    "x0": x,
                    "x1": x,
                    "y0": 0,
                    "y1": 1,
                    "line": {"color": BLACK, "width": 2, "dash": dash},
                    "name": name,
                }
            )
        notes.append(
            {
                "text": f"Observed {observed:.2f}",
                "xref": "x",
                "yref": "paper",
                "x": obs,
                "y": 1,
                "xanchor": "left" if obs <= 0 else "right",
                "yanchor": "top",
                "xshift": 4 if obs <= 0 else -4,
                "showarrow": False,
                "bgcolor": "rgba(255,255,255,0.8)",
                "font": {"size": 11},
                "name": "observed",
            }
        )
    return _add(fig, shapes, notes)


# --- lead and lag --------------------------------------------------------------------------------


def lead_lag_bars(frame: pd.DataFrame, *, title: str, caption: Caption) -> go.Figure:
    """Correlations of quarterly collaboration with outcomes 0–8 quarters later, with 95 % intervals.

    ``frame``: ``driver, outcome, lag, r, ci_low, ci_high, strongest`` (pre-whitened correlations).
    One panel per outcome (in the frame's order; outcomes the catalogue does not place in the conflict
    or perception family are left out); in each, one bar trace per driver (x = lag in
    quarters, y = r, whiskers = the interval), the strongest lag of each pair outlined in black.
    Traces: outcomes × drivers, outcome by outcome.
    """
    outcomes = [o for o in dict.fromkeys(frame["outcome"]) if _family(str(o)) in ("conflict", "perception")]
    drivers = list(dict.fromkeys(frame["driver"]))
    domains = _domains(max(len(outcomes), 1), gap=0.1)
    traces: list[dict[str, object]] = []
    layout: dict[str, object] = {"barmode": "group", "bargap": 0.25}
    notes = []
    for i, outcome in enumerate(outcomes):
        ax = "" if i == 0 else str(i + 1)
        for driver in drivers:
            sub = frame.loc[(frame["outcome"] == outcome) & (frame["driver"] == driver)].sort_values("lag")
            r = sub["r"].to_numpy(dtype=float)
            name = DRIVER_LABELS.get(str(driver), str(driver))
            traces.append(
                {
                    "type": "bar",
                    "x": sub["lag"].to_numpy(dtype=float),
                    "y": _floats(r),
                    "error_y": {
                        "type": "data",
                        "symmetric": False,
                        "array": _floats(sub["ci_high"].to_numpy(dtype=float) - r),
                        "arrayminus": _floats(r - sub["ci_low"].to_numpy(dtype=float)),
                        "color": "#333",
                        "thickness": 1.2,
                        "width": 3,
                    },
                    "name": esc(name),
                    "legendgroup": str(driver),
                    "showlegend": i == 0,
                    "offsetgroup": str(driver),
                    "marker": {
                        "color": DRIVER_COLOURS.get(str(driver), BLUE),
                        "line": {
                            "color": BLACK,
                            "width": np.where(sub["strongest"].to_numpy(dtype=bool), 2.5, 0),
                        },
                    },
                    "xaxis": f"x{ax}",
                    "yaxis": f"y{ax}",
                    "hovertemplate": "lag %{x} quarters: r = %{y:+.2f}<extra>" + esc(name) + "</extra>",
                }
            )
        layout[f"xaxis{ax}"] = {
            "anchor": f"y{ax}",
            "dtick": 1,
            "showgrid": False,
            "linecolor": "#888",
            "title": {
                "text": "Lag (quarters after the change in collaboration)" if i == len(outcomes) - 1 else ""
            },
        }
        layout[f"yaxis{ax}"] = {
            **_YAXIS,
            "domain": domains[i],
            "range": [-1, 1],
            "zeroline": True,
            "zerolinecolor": "#888",
            "title": {"text": "r"},
        }
        notes.append(_panel_title(f"Outcome: {_label(str(outcome))}", domains[i][1]))
    fig = _figure(
        traces,
        title=title,
        caption=caption,
        x_title="Lag (quarters)",
        height=200 + 200 * max(len(outcomes), 1),
        layout=layout | PANEL_TOP,
    )
    return _add(fig, [], notes)
