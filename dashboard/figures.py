"""The figures of each page: frames from ``data`` drawn by the ``charts`` builders.

Each function returns a ``Chart`` (figure, the table behind it for "Show data", a file name for
downloads). Figures are cached by ``data.figure`` under a key of the small values they depend on
(the data version is added there), so a rerun that changes nothing about a chart reuses it.
"""

from __future__ import annotations

from typing import NamedTuple

import pandas as pd
import plotly.graph_objects as go

from dashboard import charts, data
from dashboard.selection import Selection
from datasets.countries import CURRENT_ISO3

TREND_INDICATORS = (
    "incidents",
    "incidents_rolling_12m",
    "trend_slope",
    "trend_p_value",
    "sustained_decline",
    "spike",
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


def world_map(sel: Selection) -> Chart:
    grouping = data.choices().grouping_of[sel.region]
    values = data.map_values(sel)
    fig = data.figure(
        "world_map",
        _index_key(sel),
        lambda: charts.world_map(
            values,
            title=f"Stability index by country: regions of {grouping}, {sel.end}",
            caption=data.caption(sel, note="each country takes its region's index; grey = no index"),
            all_iso3=sorted(CURRENT_ISO3),
        ),
    )
    return Chart(fig, values, f"stability-map-{sel.end}")


def family_scores(sel: Selection) -> Chart:
    frame = data.composite(sel)
    fig = data.figure(
        "family_scores",
        _index_key(sel),
        lambda: charts.family_scores(
            frame, title=f"{sel.region}: stability index and family scores", caption=data.caption(sel)
        ),
    )
    return Chart(fig, data.composite_table(sel), f"scores-{sel.region}")


def conflict_trend(sel: Selection, *, compact: bool = False) -> Chart:
    frame = data.family(sel, "conflict")
    title = (
        "Incidents, trend and flags"
        if compact
        else f"{sel.region}: incidents, trailing mean, trend and flags"
    )
    fig = data.figure(
        "conflict_trend",
        (*_incidents_key(sel), compact),
        lambda: charts.conflict_trend(
            frame, title=title, caption=data.caption(sel, "incidents"), compact=compact
        ),
    )
    return Chart(fig, data.family_table(sel, "conflict", TREND_INDICATORS), f"conflict-trend-{sel.region}")


def density(sel: Selection, *, compact: bool = False) -> Chart:
    table = data.family_table(sel, "collaboration", ("network_density",))
    fig = data.figure(
        "density",
        (sel.region, sel.start, sel.end, compact),
        lambda: charts.lines(
            table,
            x="period",
            y="value",
            series="label",
            title="Network density, trailing 12 months",
            caption=data.caption(sel, "collaboration"),
            y_title="Share of member pairs tied",
            y_range=[0, 1],
            compact=compact,
        ),
    )
    return Chart(fig, table, f"density-{sel.region}")


def perception_shares(sel: Selection) -> Chart:
    table = data.family_table(sel, "perception", SHARES)
    fig = data.figure(
        "perception_shares",
        (sel.region, sel.start, sel.end),
        lambda: charts.lines(
            table,
            x="period",
            y="value",
            series="label",
            title="Survey shares by wave",
            caption=data.caption(sel, "perception", note="95% intervals on the Public perception page"),
            y_title="Share of respondents",
            y_range=[0, 1],
            compact=True,
        ),
    )
    return Chart(fig, table, f"perception-{sel.region}")


def top_countries(sel: Selection) -> Chart:
    table = data.top_countries(sel)
    fig = data.figure(
        "top_countries",
        _incidents_key(sel),
        lambda: charts.ranked_bars(
            table,
            x="incidents",
            y="country",
            title=f"{sel.region}: incidents by country, {sel.start} to {sel.end}",
            caption=data.caption(sel, "incidents"),
            x_title="Incidents in the period",
        ),
    )
    return Chart(fig, table, f"top-countries-{sel.region}")


# --- conflict ----------------------------------------------------------------------------------


def by_event_type(sel: Selection, measure: str) -> Chart:
    """Monthly ``measure`` ("incidents" or "fatalities") stacked by event type."""
    table = data.monthly_by_type(sel)
    unit = {"incidents": "Incidents per month", "fatalities": "Deaths per month"}[measure]
    fig = data.figure(
        "by_event_type",
        (*_incidents_key(sel), measure),
        lambda: charts.stacked_bars(
            table,
            x="period",
            y=measure,
            series="event_type",
            title=f"{measure.capitalize()} by event type",
            caption=data.caption(sel, "incidents"),
            y_title=unit,
            colours=charts.EVENT_TYPE_COLOURS,
        ),
    )
    return Chart(fig, table, f"{measure}-by-type-{sel.region}")


def event_map(sel: Selection) -> Chart:
    places = data.locations(sel)
    note = (
        f"aggregated to {places.cell_degrees:g}° cells" if places.cell_degrees else "one marker per incident"
    )
    if places.unlocated:
        note += f"; {places.unlocated:,} incidents without coordinates not drawn"
    fig = data.figure(
        "event_map",
        _incidents_key(sel),
        lambda: charts.event_map(
            places.frame,
            title=f"Where incidents happened ({places.located:,} located)",
            caption=data.caption(sel, "incidents", note=note),
            cell_degrees=places.cell_degrees,
        ),
    )
    return Chart(fig, places.frame, f"event-map-{sel.region}")


# --- collaboration -----------------------------------------------------------------------------


def engagements(sel: Selection) -> Chart:
    table = data.engagements_by_kind(sel)
    fig = data.figure(
        "engagements",
        (sel.region, sel.start, sel.end),
        lambda: charts.stacked_bars(
            table,
            x="period",
            y="engagements",
            series="kind",
            title=f"{sel.region}: engagements by kind",
            caption=data.caption(sel, "collaboration"),
            y_title="Engagements per month",
        ),
    )
    return Chart(fig, table, f"engagements-{sel.region}")


def network(sel: Selection) -> Chart:
    table = data.edges(sel)
    fig = data.figure(
        "network",
        (sel.region, sel.start, sel.end),
        lambda: charts.network_graph(
            table,
            title=f"{sel.region}: who engaged with whom, {sel.start} to {sel.end}",
            caption=data.caption(sel, "collaboration", note="line width = engagements"),
        ),
    )
    return Chart(fig, table, f"network-{sel.region}")


def partners(sel: Selection) -> Chart:
    table = data.family_table(sel, "collaboration", ("external_partners",))
    fig = data.figure(
        "partners",
        (sel.region, sel.start, sel.end),
        lambda: charts.lines(
            table,
            x="period",
            y="value",
            series="label",
            title="External partners",
            caption=data.caption(sel, "collaboration"),
            y_title="Partners",
            y_format=",.0f",
        ),
    )
    return Chart(fig, table, f"partners-{sel.region}")


# --- perception and compare --------------------------------------------------------------------


def perception(sel: Selection, panel: data.PerceptionPanel) -> Chart:
    share = panel.unit.startswith("share")
    fig = data.figure(
        "perception",
        (sel.region, sel.start, sel.end, panel.indicator),
        lambda: charts.perception_chart(
            panel.waves,
            title=f"{sel.region}: {panel.label}",
            caption=data.caption(sel, "perception"),
            y_title=f"{panel.label} ({panel.unit})",
            share=share,
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


def compare(sel: Selection, regions: tuple[str, ...]) -> list[Chart]:
    """One chart per comparison indicator, the regions on the same axes."""
    frames = data.compare(sel, regions)
    out = []
    for name, (title, unit, y_range, y_format, tables) in COMPARE.items():
        frame = frames[name]
        fig = data.figure(
            "compare",
            (regions, name, sel.event_types, sel.min_fatalities, sel.weights, sel.start, sel.end),
            lambda frame=frame, title=title, unit=unit, y_range=y_range, y_format=y_format, tables=tables: (
                charts.lines(
                    frame,
                    x="period",
                    y="value",
                    series="region",
                    title=title,
                    caption=data.caption(sel, *tables),
                    y_title=unit,
                    y_range=y_range,
                    y_format=y_format,
                )
            ),
        )
        out.append(Chart(fig, frame, f"compare-{name}"))
    return out
