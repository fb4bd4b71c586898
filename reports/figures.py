"""The figures of each page: frames from ``data`` drawn by the ``charts`` builders.

Each function returns a ``Chart`` (figure, the table behind it for "Show data", a file name for
downloads). Figures are cached by ``data.figure`` under a key of the small values they depend on
(the data version is added there), so a rerun that changes nothing about a chart reuses it.

Every function takes its data source ``src`` last: the app's cached data (``dashboard.data``,
passed by the pages), or a ``reports.compute.Frames`` for the exports and the command line, so an
exported chart is the one the page shows and this module loads without Streamlit.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, NamedTuple

import pandas as pd
import plotly.graph_objects as go

from datasets.countries import CURRENT_ISO3, country_name
from metrics.perception import measured_indicators
from metrics.periods import end_month
from reports import charts, vocabulary
from reports.compute import PerceptionPanel, engagement_series
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
    """A chart of a page or an export: ``figure``, the ``table`` behind it, a file name; ``missing``
    is the sentence shown instead of the figure when it has no data (then ``figure`` draws only
    that sentence, no axes)."""

    figure: go.Figure
    table: pd.DataFrame
    filename: str
    missing: str = ""


#: What each family is, and how to load it, for the sentence shown instead of an empty chart.
FAMILY_WORDS: dict[str, tuple[str, str]] = {
    "conflict": ("conflict incident figures", "an incident file (ACLED or UCDP GED)"),
    "collaboration": (
        "military collaboration data",
        "collaboration files (ATOP, SIPRI, MME, McManus–Nieman)",
    ),
    "perception": ("survey or governance data", "a survey file or the World Bank WGI"),
    "composite": ("stability index", "data for at least two families"),
}


def span(sel: Selection) -> str:
    """The selected months in words: "2015–2025" for whole years, else "2015-03 to 2025-06"."""
    return sel.span.words


def filter_words(sel: Selection) -> list[str]:
    """The incident filters in force, in words: countries, event types, a minimum of deaths."""
    words = []
    if sel.countries:
        words.append(", ".join(country_name(c) for c in sel.countries))
    if sel.event_types:
        words.append(", ".join(sel.event_types))
    if sel.min_fatalities:
        words.append(f"≥ {sel.min_fatalities} deaths")
    return words


def title(sel: Selection, what: str, *, incidents: bool = True, when: str | None = None) -> str:
    """A chart title saying region, what, the filters (for charts of incidents) and the span:
    "Sahel · Incidents by event type · Battles · 2015–2025"."""
    parts = [sel.region, what, *(filter_words(sel) if incidents else []), when or span(sel)]
    return " · ".join(parts)


def no_data_sentence(sel: Selection, family: str, src: Any) -> str:
    """What is missing, since when, and how to load it, in one sentence."""
    what, how = FAMILY_WORDS[family]
    latest = src.family_latest(family) if family != "composite" else None
    since = f"; the loaded data end {latest}" if latest and end_month(latest) < sel.start else ""
    filters = filter_words(sel) if family in ("conflict", "composite") else []
    with_filters = f" with the filters {'; '.join(filters)}" if filters else ""
    if family == "composite":
        loaded = [f for f in ("conflict", "collaboration", "perception") if src.family_loaded(f)]
        if len(loaded) >= 2:  # the data are there; they do not meet in the same months
            return (
                f"No stability index for {sel.region} from {sel.start} to {sel.end}{with_filters}: an "
                "index needs values of at least two indicator families in the same month, and the "
                f"loaded {', '.join(loaded)} data do not give that here (one may end earlier, or be "
                "yearly). The Region page shows each family on its own."
            )
        return (
            f"No stability index for {sel.region} from {sel.start} to {sel.end}{with_filters}: an index "
            "needs at least two indicator families. Load data for another family on the Data page or "
            "with `stability ingest`."
        )
    if family == "conflict" and not since and src.family_loaded(family):
        months = src.covered_months(sel)
        covered = None if months is None else [m for m in months if sel.start <= m <= sel.end]
        if covered == []:  # incident data are loaded, but they do not cover enough of the region
            return (
                f"No {what} for {sel.region} from {sel.start} to {sel.end}{with_filters}: the loaded "
                "incident files cover less than half of the people of its countries in these months, "
                "and a figure needs at least half. "
                f"Load {how} covering its countries on the Data page or with `stability ingest`."
            )
        if covered and src.period_totals(sel)[0] > 0:  # incidents, but not in the form this chart reads
            return (
                f"This chart has no {what} for {sel.region} from {sel.start} to {sel.end}{with_filters}: "
                "it reads months, and the region's incident data here are yearly or cover too few of its "
                "people month by month. The Conflict incidents page shows the counts as they are."
            )
        if covered:  # covered, and nothing recorded: an observed absence, not missing data
            return (
                f"No incidents recorded for {sel.region} from {sel.start} to {sel.end}{with_filters}: "
                "the loaded incident files cover its countries in these months and list none."
            )
    if family in ("collaboration", "perception") and not since and src.family_loaded(family):
        return (  # the family is loaded: asking to load it would mislead
            f"No {what} for {sel.region} from {sel.start} to {sel.end} in this chart: the loaded "
            f"{family} files do not cover its member countries in these months, or not with this "
            f"measure. To add some, load {how} covering them on the Data page or with `stability ingest`."
        )
    return (
        f"No {what} for {sel.region} from {sel.start} to {sel.end}{with_filters}{since}. "
        f"Load {how} on the Data page or with `stability ingest`."
    )


def _stated(chart: Chart, sel: Selection, family: str, src: Any) -> Chart:
    """``chart`` when its figure draws data, else the sentence saying what is missing."""
    if charts.has_data(chart.figure) and not chart.table.empty:
        return chart
    sentence = no_data_sentence(sel, family, src)
    return chart._replace(figure=charts.no_data_figure(chart.figure, sentence), missing=sentence)


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
            title=title(sel, f"Stability index by country, regions of {grouping}", when=sel.end),
            caption=src.caption(sel, note="each country takes its region's index; outlined white = no index"),
            all_iso3=sorted(CURRENT_ISO3),
        ),
    )
    return _stated(Chart(fig, values, f"stability-map-{sel.end}"), sel, "composite", src)


def family_scores(sel: Selection, src: Any) -> Chart:
    frame = src.composite(sel)
    fig = src.figure(
        "family_scores",
        _index_key(sel),
        lambda: charts.family_scores(
            frame,
            title=title(sel, "Stability index and family scores"),
            caption=src.caption(sel, note="the index is blank where one of its families has no data"),
        ),
    )
    return _stated(Chart(fig, src.composite_table(sel), f"scores-{sel.region}"), sel, "composite", src)


def rank_sensitivity(sel: Selection, src: Any) -> Chart:
    frame = src.rank_sensitivity(sel)
    fig = charts.rank_sensitivity(
        frame,
        sel.region,
        title=title(sel, "How firm is the rank? Ranks when the weights vary by ±20 %", when=sel.end),
        caption=src.caption(sel, note="1,000 random weightings, seeded"),
    )
    return _stated(Chart(fig, frame, f"rank-sensitivity-{sel.region}-{sel.end}"), sel, "composite", src)


def conflict_trend(sel: Selection, src: Any, *, compact: bool = False) -> Chart:
    frame = src.family(sel, "conflict")
    if src.yearly(sel):  # yearly counts have no 12-month mean
        what = "Incidents per year"  # no flags: see ``signals_words.yearly_signals_words``
    else:
        what = "Incidents, trend and flags" if compact else "Incidents, trailing mean, trend and flags"
    fig = src.figure(
        "conflict_trend",
        (*_incidents_key(sel), compact),
        lambda: charts.conflict_trend(
            frame, title=title(sel, what), caption=src.caption(sel, "incidents"), compact=compact
        ),
    )
    table = src.family_table(sel, "conflict", TREND_INDICATORS)
    return _stated(Chart(fig, table, f"conflict-trend-{sel.region}"), sel, "conflict", src)


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
            title=title(sel, "Network density, trailing 12 months", incidents=False),
            caption=src.caption(sel, "collaboration"),
            y_title=vocabulary.term("network_density").unit.replace("pairs", "pairs tied"),
            y_range=[0, 1],
            compact=compact,
            percent=True,
        ),
    )
    return _stated(Chart(fig, table, f"density-{sel.region}"), sel, "collaboration", src)


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
            title=title(sel, "Survey shares by wave", incidents=False),
            caption=src.caption(sel, "perception", note="95% intervals on the Public perception page"),
            y_title=vocabulary.display_unit("share of respondents"),
            y_range=[0, 1],
            compact=True,
            percent=True,
        ),
    )
    chart = Chart(fig, table, f"perception-{sel.region}")
    if not (charts.has_data(fig) and not table.empty):
        others = _other_perception(sel, src)
        if others:  # perception data, but no survey shares: say what there is instead
            sentence = (
                f"No survey shares for {sel.region} from {sel.start} to {sel.end}: its perception data "
                f"here are {others}, shown on the Public perception page."
            )
            return chart._replace(figure=charts.no_data_figure(fig, sentence), missing=sentence)
    return _stated(chart, sel, "perception", src)


def _other_perception(sel: Selection, src: Any) -> str:
    """The measured perception indicators of the region other than the survey shares, in words."""
    frame = src.family(sel, "perception")
    names = [n for n in measured_indicators(frame["indicator"]) if n not in SHARES] if len(frame) else []
    return ", ".join(vocabulary.term(n).label for n in names)


def top_countries(sel: Selection, src: Any) -> Chart:
    table = src.top_countries(sel)
    fig = src.figure(
        "top_countries",
        _incidents_key(sel),
        lambda: charts.ranked_bars(
            table,
            x="incidents",
            y="country",
            title=title(sel, "Incidents by country"),
            caption=src.caption(sel, "incidents"),
            x_title="Incidents in the period",
        ),
    )
    return _stated(Chart(fig, table, f"top-countries-{sel.region}"), sel, "conflict", src)


# --- conflict ----------------------------------------------------------------------------------


def by_event_type(sel: Selection, measure: str, src: Any) -> Chart:
    """Monthly ``measure`` ("incidents" or "fatalities") stacked by event type."""
    table = src.monthly_by_type(sel)
    yearly = charts.yearly_periods(table["period"])  # a yearly source: years
    noun = {"incidents": "Incidents", "fatalities": "Deaths"}[measure]
    unit = f"{noun} per year" if yearly else f"{noun} per month"
    # the legend names the event types with incidents in the span (the same in both charts), not
    # every type a source could have: UCDP and COW data hold battles only
    totals = table.groupby("event_type", sort=False)["incidents"].sum() if len(table) else None
    present = [str(k) for k, v in totals.items() if v > 0] if totals is not None else []
    fig = src.figure(
        "by_event_type",
        (*_incidents_key(sel), measure),
        lambda: charts.stacked_bars(
            table,
            x="period",
            y=measure,
            series="event_type",
            title=title(sel, f"{measure.capitalize()} by event type"),
            caption=src.caption(sel, "incidents"),
            y_title=unit,
            order=present or None,
            colours=vocabulary.EVENT_TYPE_COLOURS,
        ).update_layout(showlegend=bool(present)),  # observed zeros of every type: nothing to name
    )
    return _stated(Chart(fig, table, f"{measure}-by-type-{sel.region}"), sel, "conflict", src)


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
            title=title(sel, f"Where incidents happened ({places.located:,} located)"),
            caption=src.caption(sel, "incidents", note=note),
            cell_degrees=places.cell_degrees,
        ),
    )
    if places.located == 0 and places.unlocated:  # incidents, but none with a place: say that
        counted = src.period_totals(sel)[0]  # incidents as the page counts them (a row may hold many)
        sentence = (
            f"None of the {counted:,} incidents of {sel.region} from {sel.start} to {sel.end} "
            "has coordinates, so the map is empty: yearly and conflict-level sources (UCDP battle-related "
            "deaths, UCDP/PRIO, Correlates of War) give no places. Event data such as ACLED or UCDP GED do."
        )
        return Chart(charts.no_data_figure(fig, sentence), places.frame, f"event-map-{sel.region}", sentence)
    return _stated(Chart(fig, places.frame, f"event-map-{sel.region}"), sel, "conflict", src)


# --- collaboration -----------------------------------------------------------------------------


def engagements(sel: Selection, src: Any) -> Chart:
    """Engagements started (exercises, transfers, visits, missions), stacked by kind, per month, or
    per year where a source dates them by year (``compute.engagement_series``). Agreements in force
    are a stock, never stacked on them: ``agreements``."""
    table, _left = engagement_series(src.engagements_by_kind(sel), stocks=False)
    per = "year" if charts.yearly_periods(table["period"]) else "month"
    fig = src.figure(
        "engagements",
        (sel.region, sel.start, sel.end),
        lambda: charts.stacked_bars(
            table,
            x="period",
            y="engagements",
            series="kind",
            title=title(sel, f"Engagements started per {per}, by kind", incidents=False),
            caption=src.caption(sel, "collaboration"),
            y_title=f"Engagements started per {per}",
        ),
    )
    return _stated(Chart(fig, table, f"engagements-{sel.region}"), sel, "collaboration", src)


def _first_drawn(first: Chart, *others: Callable[[], Chart]) -> Chart:
    """``first`` when it draws data, else the first of ``others`` (drawn only when needed) that
    does, else ``first`` with its sentence of what is missing."""
    if not first.missing:
        return first
    for draw in others:
        other = draw()
        if not other.missing:
            return other
    return first


def collaboration_chart(sel: Selection, src: Any) -> Chart:
    """The briefing's collaboration chart: the engagements started, or the agreements in force
    when the region has no engagement in the months shown but agreements."""
    return _first_drawn(engagements(sel, src), lambda: agreements(sel, src))


def region_collaboration(sel: Selection, src: Any) -> Chart:
    """The Region page's collaboration chart: network density; where the region has none in the
    months shown (density reads monthly engagements), the briefing's collaboration chart
    (``collaboration_chart``), else density's sentence of what is missing."""
    return _first_drawn(density(sel, src, compact=True), lambda: collaboration_chart(sel, src))


def agreements(sel: Selection, src: Any) -> Chart:
    """Agreements (pacts) in force by kind: one line per kind, counted in every month in force (by
    year only when no source gives months); kinds a source gives only by year are named in the
    caption when the chart is by month."""
    table, left = engagement_series(src.engagements_by_kind(sel), stocks=True)
    note = f"not drawn (counted by year only): {', '.join(left)}" if left else ""
    fig = src.figure(
        "agreements",
        (sel.region, sel.start, sel.end),
        lambda: charts.lines(
            table,
            x="period",
            y="engagements",
            series="kind",
            title=title(sel, "Agreements in force, by kind", incidents=False),
            caption=src.caption(sel, "collaboration", note=note),
            y_title="Agreements in force",
            y_format=",.0f",
        ).update_layout(showlegend=True),  # the kind is named even when there is one
    )
    return _stated(Chart(fig, table, f"agreements-{sel.region}"), sel, "collaboration", src)


def network(sel: Selection, src: Any) -> Chart:
    table = src.edges(sel)
    fig = src.figure(
        "network",
        (sel.region, sel.start, sel.end),
        lambda: charts.network_graph(
            table,
            title=title(sel, "Who engaged with whom", incidents=False),
            caption=src.caption(sel, "collaboration", note="line width = engagements"),
        ),
    )
    return _stated(Chart(fig, table, f"network-{sel.region}"), sel, "collaboration", src)


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
            title=title(sel, "External partners", incidents=False),
            caption=src.caption(sel, "collaboration"),
            y_title="Partners",
            y_format=",.0f",
        ),
    )
    return _stated(Chart(fig, table, f"partners-{sel.region}"), sel, "collaboration", src)


# --- perception and compare --------------------------------------------------------------------


def perception(sel: Selection, panel: PerceptionPanel, src: Any) -> Chart:
    share = panel.unit.startswith("share")
    fig = src.figure(
        "perception",
        (sel.region, sel.start, sel.end, panel.indicator),
        lambda: charts.perception_chart(
            panel.waves,
            title=title(sel, panel.label, incidents=False),
            caption=src.caption(sel, "perception"),
            y_title=f"{panel.label} ({vocabulary.display_unit(panel.unit)})",
            share=share,
            colour=vocabulary.term(panel.indicator).colour,
            level=interval_level(panel.unit),
        ),
    )
    return _stated(Chart(fig, panel.waves, f"{panel.indicator}-{sel.region}"), sel, "perception", src)


def interval_level(unit: str) -> int:
    """The level (%) of a perception indicator's interval, from its unit (``metrics.catalog``):
    "index (90 % interval)" for the World Bank's WGI, else 95."""
    found = re.search(r"(\d+) % interval", unit)
    return int(found.group(1)) if found else 95


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
        "% of member pairs tied",
        [0, 1],
        ".1%",
        ("collaboration",),
    ),
    "feel_safe": ("Feel safe walking alone at night", "% of respondents", [0, 1], ".1%", ("perception",)),
}


#: Title and unit of the incidents comparison when the compared regions' incident data are yearly.
YEARLY_PER_MEMBER = ("Incidents per member country per year", "Incidents per country per year")


def compare(sel: Selection, regions: tuple[str, ...], src: Any) -> list[Chart]:
    """One chart per comparison indicator, the regions on the same axes; a region without values
    in a chart is named in its caption's note."""
    frames = src.compare(sel, regions)
    out = []
    families = {"incidents": "conflict", "collaboration": "collaboration", "perception": "perception"}
    for name, (what, unit, y_range, y_format, tables) in COMPARE.items():
        frame = frames[name]
        if name == "incidents_per_member" and charts.yearly_periods(frame["period"]):
            what, unit = YEARLY_PER_MEMBER  # the regions' incident data are yearly: years, not months
        drawn = set(frame.loc[frame["value"].notna(), "region"]) if len(frame) else set()
        absent = [r for r in regions if r not in drawn]
        note = f"no values for {', '.join(absent)} here" if drawn and absent else ""
        heading = " · ".join(
            [", ".join(regions), what, *(filter_words(sel) if "incidents" in tables else []), span(sel)]
        )
        fig = src.figure(
            "compare",
            (
                regions,
                name,
                sel.countries,
                sel.event_types,
                sel.min_fatalities,
                sel.weights,
                sel.start,
                sel.end,
            ),
            lambda frame=frame, heading=heading, unit=unit, y_range=y_range, y_format=y_format, tables=tables, note=note: (  # noqa: E501
                charts.lines(
                    frame,
                    x="period",
                    y="value",
                    series="region",
                    title=heading,
                    caption=src.caption(sel, *tables, note=note),
                    y_title=unit,
                    y_range=y_range,
                    y_format=y_format,
                    percent=y_format.endswith("%"),
                )
            ),
        )
        chart = Chart(fig, frame, f"compare-{name}")
        if not (charts.has_data(fig) and not frame.empty):
            family = families[tables[0]] if len(tables) == 1 else "composite"
            sentence = _compare_missing(sel, regions, name, family, src)
            chart = chart._replace(figure=charts.no_data_figure(fig, sentence), missing=sentence)
        out.append(chart)
    return out


#: What an empty comparison chart lacks, and why it can be empty while its family is loaded.
_COMPARE_WHY: dict[str, tuple[str, str]] = {
    "stability_index": (
        "stability index",
        "an index needs values of at least two indicator families in the same month, and the loaded "
        "data do not give that for them (one family may end earlier, or be yearly)",
    ),
    "incidents_per_member": (
        "incidents per member country",
        "the loaded incident files cover less than half of their people in these months (or, for "
        "yearly data, these years); the Conflict incidents page shows each region's counts",
    ),
    "network_density": (
        "network density",
        "the loaded collaboration files do not cover their members in these months",
    ),
    "feel_safe": (
        "share who feel safe walking alone at night",
        "the loaded perception data hold no such survey share for them (governance indices such as "
        "the World Bank WGI are on the Public perception page)",
    ),
}


def _compare_missing(sel: Selection, regions: tuple[str, ...], name: str, family: str, src: Any) -> str:
    """The sentence of an empty comparison chart: about every region compared, and why."""
    lacks, why = _COMPARE_WHY[name]
    head = f"No {lacks} for {', '.join(regions)} from {sel.start} to {sel.end}"
    families = ("conflict", "collaboration", "perception") if family == "composite" else (family,)
    loaded = [f for f in families if src.family_loaded(f)]
    if family == "composite" and len(loaded) < 2 or family != "composite" and not loaded:
        _, how = FAMILY_WORDS[family]
        return f"{head}: not enough data loaded. Load {how} on the Data page or with `stability ingest`."
    return f"{head}: {why}."
