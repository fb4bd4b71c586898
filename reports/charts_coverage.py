"""The coverage chart: which countries each loaded source covers, from when to when (no Streamlit).

One horizontal bar per source × country × covered span, countries down, time across: inside a bar
a period without a row counts as an observed zero; outside, the data say nothing.
"""

from __future__ import annotations

import html

import pandas as pd
import plotly.graph_objects as go

from datasets.countries import country_name

#: Okabe–Ito colours, one per source.
_PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")


def _name(iso3: str) -> str:
    try:
        return country_name(iso3)
    except KeyError:
        return iso3


def coverage_figure(
    coverage: pd.DataFrame, *, table: str = "incidents", title: str | None = None, counted: bool = False
) -> go.Figure:
    """Bars of ``coverage`` (``datasets.coverage.load_coverage``) for ``table``: y = country,
    x = first day … last day covered, one colour per source. ``counted`` (incidents): each source
    over the months it counts (``datasets.precedence.used_coverage``), so where two sources cover
    the same months the bar shows the one counted, not both drawn over each other."""
    rows = coverage.loc[coverage["table"] == table] if "table" in coverage.columns else coverage
    if counted and table == "incidents" and "source" in rows.columns and not rows.empty:
        from datasets.precedence import used_coverage

        rows = used_coverage(rows.reset_index(drop=True))
        rows = rows.loc[rows["source"].astype(str) != ""]
        title = title or "Which source counts for each country, and when"
    fig = go.Figure()
    if rows.empty:
        fig.update_layout(
            title=title or f"Coverage of the {table} data",
            annotations=[{"text": "No data loaded", "showarrow": False, "xref": "paper", "yref": "paper"}],
        )
        return fig
    rows = rows.sort_values(["iso3", "first_day"])
    labels = [f"{_name(str(i))} ({i})" for i in rows["iso3"]]
    order = list(dict.fromkeys(sorted(labels)))
    frame = rows.assign(label=labels)
    for k, (source, g) in enumerate(frame.groupby("source", sort=True)):
        start = pd.to_datetime(g["first_day"])
        end = pd.to_datetime(g["last_day"]) + pd.Timedelta(days=1)
        ms = (end - start).dt.total_seconds() * 1000
        fig.add_trace(
            go.Bar(
                name=html.escape(str(source)),
                y=g["label"].map(html.escape),
                x=ms,
                base=start.dt.strftime("%Y-%m-%d"),
                orientation="h",
                marker_color=_PALETTE[k % len(_PALETTE)],
                customdata=list(zip(g["first_period"], g["last_period"], g["grain"], strict=True)),
                hovertemplate="%{y}: %{customdata[0]} to %{customdata[1]} (%{customdata[2]} data)"
                "<extra>%{fullData.name}</extra>",
            )
        )
    fig.update_layout(
        title=title or f"Which countries the {table} data cover, and when",
        barmode="overlay",
        height=max(320, 22 * len(order) + 140),
        legend_title_text="Source",
        xaxis={"type": "date", "title": "Covered span"},
        yaxis={
            "title": "Country",
            "categoryorder": "array",
            "categoryarray": [html.escape(o) for o in reversed(order)],
        },
    )
    return fig
