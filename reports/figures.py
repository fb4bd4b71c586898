"""The figures of each page: frames from ``data`` drawn by the ``charts`` builders.

Each function returns a ``Chart`` (figure, the table behind it for "Show data", a file name for
downloads). Figures are cached by ``data.figure`` under a key of the small values they depend on
(the data version is added there), so a rerun that changes nothing about a chart reuses it.

Every function takes its data source ``src`` last: the app's cached data (``dashboard.data``,
passed by the pages), or a ``reports.compute.Frames`` for the exports and the command line, so an
exported chart is the one the page shows and this module loads without Streamlit.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import pandas as pd
import plotly.graph_objects as go

from datasets.countries import CURRENT_ISO3
from reports import charts, vocabulary
from reports.compute import PerceptionPanel
from reports.selection import Selection

TREND_INDICATORS = (
    "incidents",
    "incidents_rolling_12m",
    "trend_change_per_year",
    "trend_p_value",
    "downward_trend",
    "alarm",
    "alarm_upper_limit",
)
SHARES = ("feel_safe", "trust_military", "confidence_alliances")


class Chart(NamedTuple):
    figure: go.Figure
    table: pd.DataFrame
    filename: str


def _incidents_key(sel: Selection) -> tuple[object, ...]:
    return (sel.region, sel.countries, sel.start, sel.end, sel.event_types, sel.min_fatalities)


def _index_key(sel: Selection) -> tuple[object, ...]:
    return (sel.region, sel.event_types, sel.min_fatalities, sel.weights, sel.start, sel.end)


# --- overview and region -----------------------------------------------------------------------


def world_map(sel: Selection, src: Any) -> Chart:
    grouping = src.choices().grouping_of[sel.region]
    values = src.map_values(sel)
    fig = src.figure(
        "world_map",
        _index_key(sel),
        lambda: charts.world_map(
            values,
            title=f"Stability index by country: regions of {grouping}, {sel.end}",
            caption=src.caption(sel, note="each country takes its region's index; grey = no index"),
            all_iso3=sorted(CURRENT_ISO3),
        ),
    )
    return Chart(fig, values, f"stability-map-{sel.end}")


def family_scores(sel: Selection, src: Any) -> Chart:
    frame = src.composite(sel)
    fig = src.figure(
        "family_scores",
        _index_key(sel),
        lambda: charts.family_scores(
            frame,
            title=f"{sel.region}: stability index and family scores",
            caption=src.caption(sel, note="the index is blank where one of its families has no data"),
        ),
    )
    return Chart(fig, src.composite_table(sel), f"scores-{sel.region}")


def rank_sensitivity(sel: Selection, src: Any) -> Chart:
    frame = src.rank_sensitivity(sel)
    fig = charts.rank_sensitivity(
        frame,
        sel.region,
        title=f"How firm is the rank of {sel.region}? Ranks in {sel.end} when the weights vary by ±20 %",
        caption=src.caption(sel, note="1,000 random weightings, seeded"),
    )
    return Chart(fig, frame, f"rank-sensitivity-{sel.region}-{sel.end}")


def conflict_trend(sel: Selection, src: Any, *, compact: bool = False) -> Chart:
    frame = src.family(sel, "conflict")
    title = (
        "Incidents, trend and flags"
        if compact
        else f"{sel.region}: incidents, trailing mean, trend and flags"
    )
    fig = src.figure(
        "conflict_trend",
        (*_incidents_key(sel), compact),
        lambda: charts.conflict_trend(
            frame, title=title, caption=src.caption(sel, "incidents"), compact=compact
        ),
    )
    return Chart(fig, src.family_table(sel, "conflict", TREND_INDICATORS), f"conflict-trend-{sel.region}")


def density(sel: Selection, src: Any, *, compact: bool = False) -> Chart:
    table = src.family_table(sel, "collaboration", ("network_density",))
    fig = src.figure(
        "density",
        (sel.region, sel.start, sel.end, compact),
        lambda: charts.lines(
            table,
            x="period",
            y="value",
            series="label",
            title="Network density, trailing 12 months",
            caption=src.caption(sel, "collaboration"),
            y_title=vocabulary.term("network_density").unit.replace("pairs", "pairs tied"),
            y_range=[0, 1],
            compact=compact,
            percent=True,
        ),
    )
    return Chart(fig, table, f"density-{sel.region}")


def perception_shares(sel: Selection, src: Any) -> Chart:
    table = src.family_table(sel, "perception", SHARES)
    fig = src.figure(
        "perception_shares",
        (sel.region, sel.start, sel.end),
        lambda: charts.lines(
            table,
            x="period",
            y="value",
            series="label",
            title="Survey shares by wave",
            caption=src.caption(sel, "perception", note="95% intervals on the Public perception page"),
            y_title=vocabulary.display_unit("share of respondents"),
            y_range=[0, 1],
            compact=True,
            percent=True,
        ),
    )
    return Chart(fig, table, f"perception-{sel.region}")


def top_countries(sel: Selection, src: Any) -> Chart:
    table = src.top_countries(sel)
    fig = src.figure(
        "top_countries",
        _incidents_key(sel),
        lambda: charts.ranked_bars(
            table,
            x="incidents",
            y="country",
            title=f"{sel.region}: incidents by country, {sel.start} to {sel.end}",
            caption=src.caption(sel, "incidents"),
            x_title="Incidents in the period",
        ),
    )
    return Chart(fig, table, f"top-countries-{sel.region}")


# --- conflict ----------------------------------------------------------------------------------


def by_event_type(sel: Selection, measure: str, src: Any) -> Chart:
    """Monthly ``measure`` ("incidents" or "fatalities") stacked by event type."""
    table = src.monthly_by_type(sel)
    unit = {"incidents": "Incidents per month", "fatalities": "Deaths per month"}[measure]
    fig = src.figure(
        "by_event_type",
        (*_incidents_key(sel), measure),
        lambda: charts.stacked_bars(
            table,
            x="period",
            y=measure,
            series="event_type",
            title=f"{measure.capitalize()} by event type",
            caption=src.caption(sel, "incidents"),
            y_title=unit,
            colours=vocabulary.EVENT_TYPE_COLOURS,
        ),
    )
    return Chart(fig, table, f"{measure}-by-type-{sel.region}")


def event_map(sel: Selection, src: Any) -> Chart:
    places = src.locations(sel)
    note = (
        f"aggregated to {places.cell_degrees:g}° cells" if places.cell_degrees else "one marker per incident"
    )
    if places.unlocated:
        note += f"; {places.unlocated:,} incidents without coordinates not drawn"
    fig = src.figure(
        "event_map",
        _incidents_key(sel),
        lambda: charts.event_map(
            places.frame,
            title=f"Where incidents happened ({places.located:,} located)",
            caption=src.caption(sel, "incidents", note=note),
            cell_degrees=places.cell_degrees,
        ),
    )
    return Chart(fig, places.frame, f"event-map-{sel.region}")


# --- collaboration -----------------------------------------------------------------------------


def engagements(sel: Selection, src: Any) -> Chart:
    table = src.engagements_by_kind(sel)
    fig = src.figure(
        "engagements",
        (sel.region, sel.start, sel.end),
        lambda: charts.stacked_bars(
            table,
            x="period",
            y="engagements",
            series="kind",
            title=f"{sel.region}: engagements by kind",
            caption=src.caption(sel, "collaboration"),
            y_title="Engagements per month",
        ),
    )
    return Chart(fig, table, f"engagements-{sel.region}")


def network(sel: Selection, src: Any) -> Chart:
    table = src.edges(sel)
    fig = src.figure(
        "network",
        (sel.region, sel.start, sel.end),
        lambda: charts.network_graph(
            table,
            title=f"{sel.region}: who engaged with whom, {sel.start} to {sel.end}",
            caption=src.caption(sel, "collaboration", note="line width = engagements"),
        ),
    )
    return Chart(fig, table, f"network-{sel.region}")


def partners(sel: Selection, src: Any) -> Chart:
    table = src.family_table(sel, "collaboration", ("external_partners",))
    fig = src.figure(
        "partners",
        (sel.region, sel.start, sel.end),
        lambda: charts.lines(
            table,
            x="period",
            y="value",
            series="label",
            title="External partners",
            caption=src.caption(sel, "collaboration"),
            y_title="Partners",
            y_format=",.0f",
        ),
    )
    return Chart(fig, table, f"partners-{sel.region}")


# --- perception and compare --------------------------------------------------------------------


def perception(sel: Selection, panel: PerceptionPanel, src: Any) -> Chart:
    share = panel.unit.startswith("share")
    fig = src.figure(
        "perception",
        (sel.region, sel.start, sel.end, panel.indicator),
        lambda: charts.perception_chart(
            panel.waves,
            title=f"{sel.region}: {panel.label}",
            caption=src.caption(sel, "perception"),
            y_title=f"{panel.label} ({vocabulary.display_unit(panel.unit)})",
            share=share,
            colour=vocabulary.term(panel.indicator).colour,
        ),
    )
    return Chart(fig, panel.waves, f"{panel.indicator}-{sel.region}")


COMPARE: dict[str, tuple[str, str, list[float] | None, str, tuple[str, ...]]] = {
    "stability_index": (
        "Stability index",
        "Index (0–100)",
        [0, 100],
        ",.1f",
        ("incidents", "collaboration", "perception"),
    ),
    "incidents_per_member": (
        "Incidents per member country, trailing 12-month mean",
        "Incidents per country per month",
        None,
        ",.2f",
        ("incidents",),
    ),
    "network_density": (
        "Network density (trailing 12 months)",
        "Share of member pairs tied",
        [0, 1],
        ".0%",
        ("collaboration",),
    ),
    "feel_safe": ("Feel safe walking alone at night", "Share of respondents", [0, 1], ".0%", ("perception",)),
}


def compare(sel: Selection, regions: tuple[str, ...], src: Any) -> list[Chart]:
    """One chart per comparison indicator, the regions on the same axes."""
    frames = src.compare(sel, regions)
    out = []
    for name, (title, unit, y_range, y_format, tables) in COMPARE.items():
        frame = frames[name]
        fig = src.figure(
            "compare",
            (regions, name, sel.event_types, sel.min_fatalities, sel.weights, sel.start, sel.end),
            lambda frame=frame, title=title, unit=unit, y_range=y_range, y_format=y_format, tables=tables: (
                charts.lines(
                    frame,
                    x="period",
                    y="value",
                    series="region",
                    title=title,
                    caption=src.caption(sel, *tables),
                    y_title=unit,
                    y_range=y_range,
                    y_format=y_format,
                )
            ),
        )
        out.append(Chart(fig, frame, f"compare-{name}"))
    return out
