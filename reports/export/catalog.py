"""The charts that can be exported, by stable kebab-case name.

Each entry names a chart of the dashboard, says in one line what it shows, and builds it for a
region and a period from one ``Bundle`` with the page's own figure functions (``reports.figures``
over a ``reports.compute.Frames``), so an exported chart is the chart the page shows. The filters
are the dashboard's defaults: all member countries and event types, no minimum of fatalities and
equal index weights.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from datasets.bundle import Bundle
from metrics.catalog import describe
from metrics.frames import parse_period
from reports import charts, figures
from reports.compute import Frames
from reports.export.tables import About
from reports.figures import Chart
from reports.selection import DEFAULT_WEIGHTS, Selection, compare_regions

Make = Callable[[Frames, Selection], Chart]


@dataclass(frozen=True)
class ChartSpec:
    """One exportable chart: ``name`` (stable, kebab-case), a one-line ``description`` and ``make``,
    which draws it from a ``Frames`` and a ``Selection``."""

    name: str
    description: str
    make: Make

    def build(self, bundle: Bundle, region: str, start: str | None = None, end: str | None = None) -> Chart:
        """The chart for ``region`` from ``start`` to ``end`` (``YYYY-MM``; default the pages' default
        window, the last 10 years of the conflict data)."""
        frames = Frames(bundle)
        return self.make(frames, selection_for(frames, region, start, end))


def selection_for(frames: Frames, region: str, start: str | None = None, end: str | None = None) -> Selection:
    """The default ``Selection`` of ``region`` (any case) from ``start`` to ``end``; ``ValueError`` with
    one sentence for an unknown region or a month that is malformed, outside the data or out of order."""
    name = frames.bundle.require_region(region)
    choices = frames.choices()
    if name not in choices.grouping_of:
        raise ValueError(f"region '{name}' has no member countries in the loaded regions")
    first, last = choices.first_month, choices.last_month
    months = []
    defaults = (choices.default_start, choices.default_end)  # the pages' default window
    for label, value, default in (("start", start, defaults[0]), ("end", end, defaults[1])):
        if value is None:
            months.append(default)
            continue
        try:
            parse_period(value)
        except ValueError:
            raise ValueError(f"--{label} must be a month YYYY-MM, not '{value}'") from None
        if value not in choices.months:
            raise ValueError(f"--{label} {value} is outside the data ({first} to {last})")
        months.append(value)
    if months[0] > months[1]:
        raise ValueError(f"--start {months[0]} is after --end {months[1]}")
    return Selection(region=name, start=months[0], end=months[1])


def filters_text(sel: Selection) -> str:
    """The selection's filters in words, e.g. ``region Sahel; all member countries; all event types;
    any number of deaths; index weights conflict 33 %, collaboration 33 %, perception 33 %``."""
    parts = [
        f"region {sel.region}",
        "countries " + ", ".join(sel.countries) if sel.countries else "all member countries",
        "event types " + ", ".join(sel.event_types) if sel.event_types else "all event types",
        f"incidents with at least {sel.min_fatalities} deaths"
        if sel.min_fatalities
        else "any number of deaths",
    ]
    weights = ", ".join(f"{f} {100 * w:.0f} %" for f, w in sel.weight_map.items())
    parts.append(f"index weights {weights}" + (" (equal)" if sel.weights == DEFAULT_WEIGHTS else ""))
    return "; ".join(parts)


def chart_about(chart: Chart, sel: Selection, provenance: str = "") -> About:
    """What a data export of ``chart`` holds: its title, caption (source, span, notes), the selected
    months and filters, whether the data are the illustrative sample, and ``provenance`` (``sample``
    or the sources of each loaded family, ``reports.compute.provenance_text``)."""
    title = charts.title_text(chart.figure) or chart.filename
    source = charts.caption_text(chart.figure)
    return About(
        title=title,
        source=source,
        span=f"{sel.start} to {sel.end}",
        filters=filters_text(sel),
        illustrative="illustrative" in source.lower(),
        provenance=provenance,
    )


def _perception(indicator: str) -> Make:
    def make(frames: Frames, sel: Selection) -> Chart:
        for panel in frames.perception_panels(sel):
            if panel.indicator == indicator:
                return figures.perception(sel, panel, frames)
        raise ValueError(
            f"there is no survey data on '{describe(indicator).label}' for {sel.region} "
            f"in {sel.start} to {sel.end}"
        )

    return make


def _compare(indicator: str) -> Make:
    def make(frames: Frames, sel: Selection) -> Chart:
        regions = compare_regions(sel, frames.choices(), frames.ranked_regions(sel))
        if len(regions) < 2:
            raise ValueError(f"{sel.region} has no other region in its grouping to compare with")
        charts = figures.compare(sel, regions, frames)
        return charts[list(figures.COMPARE).index(indicator)]

    return make


_SPECS: tuple[ChartSpec, ...] = (
    ChartSpec(
        "family-scores",
        "Stability index and its conflict, collaboration and perception scores over time (0-100)",
        lambda f, s: figures.family_scores(s, f),
    ),
    ChartSpec(
        "world-map",
        "World map of the stability index in the end month, regions of the region's grouping",
        lambda f, s: figures.world_map(s, f),
    ),
    ChartSpec(
        "conflict-trend",
        "Incidents per month with the 12-month mean, Sen's trend line and the downward-trend and alarm "
        "flags (per year, without flags, for yearly data)",
        lambda f, s: figures.conflict_trend(s, f),
    ),
    ChartSpec(
        "incidents-by-type",
        "Incidents per month stacked by event type",
        lambda f, s: figures.by_event_type(s, "incidents", f),
    ),
    ChartSpec(
        "fatalities-by-type",
        "Deaths per month stacked by event type",
        lambda f, s: figures.by_event_type(s, "fatalities", f),
    ),
    ChartSpec(
        "event-map",
        "Map of where incidents happened (one marker per incident, or grid cells when many)",
        lambda f, s: figures.event_map(s, f),
    ),
    ChartSpec(
        "top-countries",
        "Member countries with the most incidents in the period",
        lambda f, s: figures.top_countries(s, f),
    ),
    ChartSpec(
        "engagements-by-kind",
        "Military engagements started per month (per year where a source dates them by year), stacked "
        "by kind; agreements in force are their own chart",
        lambda f, s: figures.engagements(s, f),
    ),
    ChartSpec(
        "agreements-in-force",
        "Agreements (pacts) in force by kind, counted in every month in force",
        lambda f, s: figures.agreements(s, f),
    ),
    ChartSpec(
        "network",
        "Collaboration network: which members and partners engaged with each other in the period",
        lambda f, s: figures.network(s, f),
    ),
    ChartSpec(
        "network-density",
        "Network density: share of member pairs tied over the trailing 12 months",
        lambda f, s: figures.density(s, f),
    ),
    ChartSpec(
        "external-partners",
        "External partners engaged over the trailing 12 months",
        lambda f, s: figures.partners(s, f),
    ),
    ChartSpec(
        "perception",
        "Survey shares by wave: feel safe, trust the military, confidence in alliances",
        lambda f, s: figures.perception_shares(s, f),
    ),
    ChartSpec(
        "perception-feel-safe",
        "Share who feel safe walking alone at night, by wave, with its 95% interval",
        _perception("feel_safe"),
    ),
    ChartSpec(
        "perception-trust-military",
        "Share who trust the military, by wave, with its 95% interval",
        _perception("trust_military"),
    ),
    ChartSpec(
        "perception-confidence-alliances",
        "Share with confidence in alliances, by wave, with its 95% interval",
        _perception("confidence_alliances"),
    ),
    ChartSpec(
        "compare-stability-index",
        "Stability index of the region and up to three others of its grouping",
        _compare("stability_index"),
    ),
    ChartSpec(
        "compare-incidents-per-member",
        "Incidents per member country (trailing 12-month mean; per year for yearly data), the region and "
        "up to three others",
        _compare("incidents_per_member"),
    ),
    ChartSpec(
        "compare-network-density",
        "Network density of the region and up to three others of its grouping",
        _compare("network_density"),
    ),
    ChartSpec(
        "compare-feel-safe",
        "Share who feel safe, the region and up to three others of its grouping",
        _compare("feel_safe"),
    ),
)

#: Every exportable chart by name, in the order ``stability export --list`` prints them.
CHARTS: dict[str, ChartSpec] = {spec.name: spec for spec in _SPECS}


def chart_catalog() -> list[ChartSpec]:
    """The exportable charts, in listing order."""
    return list(_SPECS)


def get_chart(name: str) -> ChartSpec:
    """The chart called ``name``; ``ValueError`` naming the list command otherwise."""
    try:
        return CHARTS[name.strip().lower()]
    except KeyError:
        import difflib

        close = difflib.get_close_matches(name.strip().lower(), CHARTS, n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else "; `stability export --list` lists them"
        raise ValueError(f"unknown chart '{name}'{hint}") from None


def build_chart(
    bundle: Bundle, name: str, region: str, start: str | None = None, end: str | None = None
) -> Chart:
    """Chart ``name`` for ``region`` from ``start`` to ``end`` (default: the data's span)."""
    return get_chart(name).build(bundle, region, start, end)
