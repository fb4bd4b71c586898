"""What the dashboard shows, computed without Streamlit: the loaded bundle and small values in, frames out.

Two layers:

* Module functions: pure computations (frames and small values in, a frame or a small value out).
  ``dashboard.data`` wraps them in its cached functions for the app; nothing here keeps state.
* ``Frames``: the same selection-level interface as ``dashboard.data`` (``family(sel, name)``,
  ``composite(sel)``, ``caption(sel, …)``, ``figure(name, key, build)`` …) over one ``Bundle``, for
  the exports and the command line. It remembers what it computed for the life of the object
  (one export or one briefing pack), so several charts of one region share the work.

``reports.figures`` builds every chart from either of them, so an exported chart is the chart the
page shows.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import pyarrow.compute as pc

from datasets.bundle import Bundle
from datasets.countries import country_name
from datasets.coverage import batch_grain
from datasets.loaders import Dataset, load_population
from datasets.schema import EVENT_TYPES, PERCEPTION_INDICATORS
from metrics import breakdowns as bd
from metrics import coverage as cm
from metrics import prepared
from metrics.catalog import describe
from metrics.collaboration import collaboration_indicators
from metrics.composite import INDICATORS as COMPOSITE_INDICATORS
from metrics.composite import composite_indicators
from metrics.conflict import conflict_indicators
from metrics.cube import IncidentCube
from metrics.evaluation import EvaluationInputs, incident_span, region_part, require_monthly, union_conflict
from metrics.evaluation_context import propose_milestones
from metrics.frames import TableLike, clip_periods, memo_for, parse_period
from metrics.perception import measured_indicators, perception_indicators
from metrics.periods import Month, Year, end_key
from reports.charts import Caption
from reports.selection import Choices, Selection, default_window, make_choices

Types = tuple[str, ...] | None
Weights = tuple[int, int, int]
FAMILY_ORDER: tuple[str, ...] = ("conflict", "collaboration", "perception")
#: Indicators of the Compare page, in order.
COMPARE_INDICATORS: tuple[str, ...] = (
    "stability_index",
    "incidents_per_member",
    "network_density",
    "feel_safe",
)
COMPOSITE_TABLE: tuple[str, ...] = (
    "stability_index",
    "score_conflict",
    "score_collaboration",
    "score_perception",
)
_DATE_COLUMNS = (("incidents", "event_date"), ("collaboration", "start_date"), ("perception", "wave_date"))
_COVERAGE = {
    "incidents": ("event_date", "iso3", False),
    "collaboration": ("start_date", "participants", True),
    "perception": ("wave_date", "iso3", False),
}


# --- the loaded data ---------------------------------------------------------------------------


def month(value: object) -> Month:
    """A date as its month ``YYYY-MM``."""
    return Month.of(value)


def choices(b: Bundle) -> Choices:
    """Regions, members, event types, the months from the first to the last date of any table (or
    the span its coverage states where it reaches further: a yearly row covers its year), and
    the default window: the last 10 years of the conflict data (of the first table holding data when
    no incident is loaded), never reaching back to the earliest year of another source."""
    firsts, lasts = [], []
    spans: dict[str, tuple[str, str]] = {}
    for name, col in _DATE_COLUMNS:
        table = getattr(b, name).table
        if table.num_rows:
            mm = pc.min_max(table[col]).as_py()
            firsts.append(month(mm["min"]))
            lasts.append(month(mm["max"]))
            spans[name] = (month(mm["min"]), month(mm["max"]))
    for name in list(spans):  # a covered month without rows is a real zero (a yearly row: its year)
        covered = stated_span(b, name)
        if covered is not None:
            first, last = min(spans[name][0], month(covered[0])), max(spans[name][1], month(covered[1]))
            spans[name] = (first, last)
            firsts.append(first)
            lasts.append(last)
    if not firsts:
        raise ValueError("no data is loaded: every table is empty")
    anchor = spans.get("incidents") or next(iter(spans.values()))
    return make_choices(
        b.regions, EVENT_TYPES, month(min(firsts)), month(max(lasts)), window=default_window(*anchor)
    )


_DATE_COLUMN = {"incidents": "event_date", "collaboration": "start_date", "perception": "wave_date"}
_LAST_MONTH: dict[tuple[str, str], Month | None] = {}


def last_month(d: Dataset) -> Month | None:
    """The last month (``YYYY-MM``) a loaded table covers, or None when it is empty."""
    key = (d.name, d.version)
    if key not in _LAST_MONTH:
        last = pc.max(d.table[_DATE_COLUMN[d.name]]).as_py() if d.table.num_rows else None
        _LAST_MONTH[key] = Month.of(last) if last is not None else None
    return _LAST_MONTH[key]


def data_end(b: Bundle, d: Dataset) -> Month | None:
    """The last month ``d`` speaks for: its last dated row, or the end of the table's stated coverage
    where it runs later (a yearly source covers through December); None when empty."""
    last = last_month(d)
    if last is None:
        return last
    covered = stated_span(b, d.name)
    return max(last, month(covered[1])) if covered is not None else last


def stated_span(b: Bundle, name: str) -> tuple[str, str] | None:
    """First and last month (``YYYY-MM``) the coverage of table ``name`` states
    (``metrics.coverage.stated_span``; a yearly span runs January to December); None without one."""
    cov = b.coverage
    if cov.empty or "table" not in cov.columns:
        return None
    return memo_for(cov, ("stated_span", name), lambda: cm.stated_span(cov.loc[cov["table"] == name]))


def family_latest(b: Bundle, family: str) -> Month | Year | None:
    """The last period of ``family``'s data (conflict, collaboration, perception): ``YYYY`` when every
    active batch behind it is yearly, else ``YYYY-MM``; None when no data is loaded. With yearly and
    finer sources mixed: the finer sources' last month, unless a yearly source reaches a later year
    (then that year: "latest: 2023" rather than a December no monthly source reaches). For the
    composite, the latest of the families it uses."""
    if family == "composite":
        ends = [e for f in b.loaded_families() if (e := family_latest(b, f)) is not None]
        return max(ends, key=end_key) if ends else None
    d = b.family_dataset(family)
    last = data_end(b, d)
    if last is None:
        return None
    active = [r for r in d.details if not r.get("withdrawn")]
    years = [r for r in active if batch_grain(r) == "year"]
    if active and len(years) == len(active):
        return last.year_value
    ends = [Month.of(r["last_date"]) for r in active if r not in years and r.get("last_date")]
    year_ends = [int(str(r["last_date"])[:4]) for r in years if r.get("last_date")]
    if ends and year_ends and max(year_ends) > max(ends).year:  # only a yearly source reaches that year
        return Year(max(year_ends))
    return max(ends) if ends and year_ends else last


def provenance_text(b: Bundle) -> str:
    """What the loaded data are, for exports: ``sample`` while the store holds no table, else each
    family with data and its sources, e.g. "conflict: UCDP GED; perception: WGI"."""
    return b.provenance("composite")


def attribution(b: Bundle) -> list[str]:
    """The full attribution, one line per table: "Conflict (short name in captions: UCDP GED): <label>,
    version <v>; source <s>, licence <l>.", then the regions' source. The pack's sources slide and
    each page's "Sources" expander show it; captions under charts name the sources by short name."""
    from reports.charts import short_source

    out = []
    for ds in b.datasets:
        line = f"{ds.name.capitalize()} ({short_source(ds.label)}): {ds.label}, version {ds.version}"
        for d in ds.details[:1]:
            src, licence = d.get("source"), d.get("licence")
            if src:
                line += f"; source {src}" + (f", licence {licence}" if licence else "")
        out.append(line + ".")
    out.append(f"Regions: {b.regions_label}.")
    return out


def caption(b: Bundle, start: str, end: str, *tables: str, note: str = "") -> Caption:
    """Caption of a chart drawn from ``tables`` (names; default all three) over ``start`` to ``end``.

    When a table's data end before ``end``, the caption says so ("collaboration data end 2010-12"),
    so the months after it read as not covered, not as zero; a table without data is not a source
    but a note ("no collaboration or perception data loaded")."""
    asked = [getattr(b, t) for t in tables or ("incidents", "collaboration", "perception")]
    sets = [d for d in asked if d.loaded] or asked  # a table without data is named in the note
    labels = list(dict.fromkeys(d.label for d in sets))
    ends = [f"{d.name} data end {m}" for d in sets if (m := data_end(b, d)) is not None and m < end]
    missing = [d.name for d in asked if not d.loaded and d not in sets]
    if missing:
        ends.append(f"no {' or '.join(missing)} data loaded")
    note = "; ".join([*ends, note] if note else ends)
    names = tuple(dict.fromkeys(n for d in sets for n in (d.sources or [d.label])))
    return Caption("; ".join(labels), start, end, any(d.illustrative for d in sets), note, names)


def illustrative_tables(b: Bundle) -> list[str]:
    """Names of the loaded tables that are the illustrative sample."""
    return [d.name for d in b.datasets if d.illustrative]


def coverage(b: Bundle) -> pd.DataFrame:
    """One row per loaded table: origin, label, rows, countries, first and last date, version."""
    rows = []
    for ds in b.datasets:
        date_col, country_col, lists = _COVERAGE[ds.name]
        cov = bd.table_coverage(
            ds.table, date_column=date_col, country_column=country_col, country_lists=lists
        )
        rows.append(
            {
                "table": ds.name,
                "origin": "illustrative sample"
                if ds.illustrative
                else ("your store" if ds.loaded else "no data loaded"),
                "label": ds.label,
                "rows": cov["rows"],
                "countries": cov["countries"],
                "first date": cov["first"],
                "last date": cov["last"],
                "version": ds.version,
            }
        )
    return pd.DataFrame(rows)


def provenance(b: Bundle) -> list[tuple[str, list[dict[str, object]]]]:
    """Each table's provenance records (``Dataset.details``)."""
    return [(d.name, list(d.details)) for d in b.datasets]


# --- indicator families ------------------------------------------------------------------------


def weight_map(weights: Weights) -> dict[str, float]:
    """Relative weights (conflict, collaboration, perception) as shares of their sum, by family."""
    return {f: w / sum(weights) for f, w in zip(FAMILY_ORDER, weights, strict=True)}


def conflict_all(
    incidents: TableLike | IncidentCube,
    regions: pd.DataFrame,
    types: Types,
    min_fatalities: int,
    coverage: pd.DataFrame | None = None,
    signals: bool = True,
    trend_at: str | None = None,
) -> pd.DataFrame:
    """Conflict indicators of every region of ``regions`` under the incident filters, over the
    covered members (``metrics.prepared.conflict_all``, which also prepares the unfiltered ones beside
    the store). ``signals=False``: counts, rates and coverage without the trend and alarm, whose
    models cost most; a region's values never depend on the other regions computed with it.
    ``trend_at`` (``YYYY-MM``): of the signals only the trend of the window ending that month."""
    return prepared.conflict_all(incidents, regions, types, min_fatalities, coverage, signals, trend_at)


def covered_months(bundle: Bundle, countries: Sequence[str]) -> list[str] | None:
    """The months the incident data cover at least half of the people of ``countries``
    (``metrics.coverage.covered_months``; None when the bundle carries no coverage)."""
    return cm.covered_months(bundle.incidents_coverage(), countries, load_population())


def yearly_grain(bundle: Bundle, countries: Sequence[str]) -> bool:
    """Whether the incidents of ``countries`` are counted by year (``metrics.coverage.yearly_grain``)."""
    return cm.yearly_grain(bundle.incidents_coverage(), countries)


def collaboration_all(bundle: Bundle) -> pd.DataFrame:
    """Collaboration indicators of every region; the arms-transfer TIV over what the arms sources
    cover (``bundle.coverage``), with covered shares of people."""
    coverage = bundle.coverage if not bundle.coverage.empty else None
    return collaboration_indicators(
        bundle.collaboration.table, bundle.regions, coverage=coverage, population=load_population()
    )


def evaluation_collaboration(bundle: Bundle) -> tuple[pd.DataFrame, pd.DataFrame]:
    """What every evaluation reads of the collaboration data, for all regions at once:
    ``collaboration_indicators`` (trailing 12 months, as ``evaluate_milestone`` computes them) and
    ``propose_milestones`` over those indicators. Both are empty frames without collaboration data."""
    table = bundle.collaboration.table
    if not len(table):
        empty = pd.DataFrame(columns=["region", "period", "indicator", "value"])
        return empty, propose_milestones(table, bundle.regions, indicators=empty)
    collab = collaboration_indicators(table, bundle.regions)
    return collab, propose_milestones(table, bundle.regions, indicators=collab)


def evaluation_region(bundle: Bundle, region: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """What an evaluation of ``region`` reads whatever the incident filters: its collaboration
    indicators as flows inside each month (``window=1``) and its survey indicators (each an empty
    frame without that data)."""
    mine = bundle.regions.loc[bundle.regions["region"] == region]
    table, survey = bundle.collaboration.table, bundle.perception.table
    empty = pd.DataFrame(columns=["region", "period", "family", "indicator", "value", "ci_low", "ci_high"])
    flows = collaboration_indicators(table, mine, window=1) if len(table) else empty
    percep = perception_indicators(survey, mine) if len(survey) else empty
    return flows, percep


def evaluation_inputs(
    bundle: Bundle,
    region: str,
    conflict: pd.DataFrame,
    collaboration: tuple[pd.DataFrame, pd.DataFrame],
    region_frames: tuple[pd.DataFrame, pd.DataFrame] | None = None,
    own: pd.DataFrame | None = None,
) -> EvaluationInputs:
    """The inputs of an evaluation of ``region`` (``metrics.evaluation.EvaluationInputs``) from frames
    computed once for all regions: ``conflict`` (``conflict_all`` under the evaluation's incident
    filters) and ``collaboration`` (``evaluation_collaboration``), the region's own flows and survey
    indicators (``region_frames``, from ``evaluation_region`` when not given), with the region's
    lead–lag and decline episodes (``region_part``), which no milestone changes. ``conflict`` may hold
    counts only (``conflict_all(..., signals=False)``) when ``own`` holds the region's own conflict
    indicators with the trend. Raises ``ValueError`` when there is no incident data, or when the
    region's incident data are yearly (``metrics.evaluation.require_monthly``)."""
    span = cm.widened_span(incident_span(bundle.incidents.table), bundle.incidents_coverage())
    if span is None:
        raise ValueError("there is no incident data to evaluate")
    require_monthly(conflict, region)
    collab, proposals = collaboration
    table = bundle.collaboration.table
    empty = conflict.iloc[0:0]
    collab = collab if len(table) else empty
    flows, percep = region_frames if region_frames is not None else evaluation_region(bundle, region)
    flows = flows if len(flows) else empty
    percep = percep if len(percep) else empty
    return EvaluationInputs(
        span=span,
        conflict=conflict,
        collab=collab,
        flows=flows,
        percep=percep,
        proposals=proposals,
        region_part=region_part(
            conflict if own is None else own, collab, percep, table, bundle.regions, region
        ),
        own=own,
    )


def evaluation_union(
    incidents: TableLike | IncidentCube,
    regions: pd.DataFrame,
    names: Sequence[str],
    types: Types,
    min_fatalities: int,
    coverage: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Conflict indicators of the comparison regions ``names`` pooled as a union of countries
    (``metrics.evaluation.union_conflict``), under the incident filters."""
    return union_conflict(incidents, regions, names, types, min_fatalities, coverage, load_population())


def member_conflict(
    incidents: TableLike | IncidentCube,
    regions: pd.DataFrame,
    region: str,
    types: Types,
    min_fatalities: int,
    countries: Sequence[str],
    coverage: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Conflict indicators of ``region`` counting only the chosen member ``countries``."""
    members = regions.loc[regions["region"] == region]
    return conflict_indicators(
        incidents,
        members,
        event_types=types,
        min_fatalities=min_fatalities,
        countries=list(countries),
        coverage=coverage,
        population=load_population(),
    )


def composite_all(
    conflict: pd.DataFrame,
    collaboration: pd.DataFrame,
    perception: pd.DataFrame,
    regions: pd.DataFrame,
    weights: Weights,
    start: str,
    end: str,
) -> pd.DataFrame:
    """The composite index of every region, scores normalised over ``start`` to ``end``."""
    return composite_indicators(
        conflict, collaboration, perception, regions, weights=weight_map(weights), start=start, end=end
    )


def region_rows(
    frame: pd.DataFrame, region: str, start: str | None = None, end: str | None = None
) -> pd.DataFrame:
    """Rows of one region from a tidy frame, optionally clipped to the months ``start`` to ``end``."""
    out = frame.loc[frame["region"] == region]
    if start is not None or end is not None:
        out = clip_periods(out, parse_period(start), parse_period(end))
    return out.reset_index(drop=True)


def coverage_note(conflict: pd.DataFrame, members: int) -> str:
    """A plain sentence on how much of the region the incident data cover in the selected months,
    from the ``covered_members`` rows of one region's conflict frame (``members``: its countries)."""
    rows = conflict.loc[conflict["indicator"] == "covered_members"]
    if rows.empty or members <= 0:
        return "No incident data cover this region in the selected months."
    counts = rows["value"].to_numpy(dtype=float)
    low, high = int(counts.min()), int(counts.max())
    first, last = str(rows["period"].iloc[0]), str(rows["period"].iloc[-1])
    cover = f"{high} of {members}" if low == high else f"between {low} and {high} of {members}"
    text = f"The incident data cover {cover} member countries from {first} to {last}."
    if len(first) == 4:
        text += " The sources are yearly: values are per year; monthly trends and spikes need monthly data."
    if low != high:
        text += " Trends and spikes are not computed across a change in which countries are covered."
    if high / members < 0.5 or low / members < 0.5:
        text += " Months where fewer than half the members are covered show no value."
    return text


def ranking(composite: pd.DataFrame, regions: Sequence[str], end: str) -> pd.DataFrame:
    """``regions`` ranked by stability index in ``end``, with changes since a year earlier."""
    return bd.region_ranking(composite, regions, period=end, previous=bd.shift_month(end, -12))


def goalposts() -> tuple[str, str, pd.DataFrame]:
    """The composite's goalposts: version, provenance text and one row per scored measure."""
    from datasets.loaders import load_goalposts

    posts = load_goalposts()
    rows = [
        {
            "measure": name,
            "family": m.get("family", ""),
            "label": m.get("label", ""),
            "unit": m.get("unit", ""),
            "scale": m["scale"],
            "worst (score 0)": m["worst"],
            "best (score 100)": m["best"],
            "why": m.get("rationale", ""),
        }
        for name, m in posts["measures"].items()  # type: ignore[union-attr]
    ]
    text = f"{posts.get('provenance', '')} Formula: {posts.get('formula', '')}."
    return str(posts["version"]), text, pd.DataFrame(rows)


def rank_sensitivity(
    composite: pd.DataFrame, regions: Sequence[str], end: str, weights: Weights
) -> pd.DataFrame:
    """``regions`` ranked in ``end`` with the range of their ranks under weights varied ±20 %."""
    from metrics.sensitivity import rank_sensitivity as sensitivity

    return sensitivity(composite, end, regions=list(regions), weights=weight_map(weights))


def map_values(
    composite: pd.DataFrame, regions: pd.DataFrame, grouping: str, region: str, end: str
) -> pd.DataFrame:
    """Each country of ``grouping`` with its region's stability index in ``end`` (``region`` preferred)."""
    memberships = regions.loc[regions["grouping"] == grouping]
    return bd.country_values(composite, memberships, period=end, prefer=region)


def drivers(region_composite: pd.DataFrame, end: str, weights: Weights) -> pd.DataFrame:
    """Each family's score in ``end`` and a year earlier, and its contribution to the index change."""
    return bd.family_drivers(
        region_composite, period=end, previous=bd.shift_month(end, -12), weights=weight_map(weights)
    )


# --- breakdowns --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Totals:
    """Incidents and deaths in the 12 months to ``end`` and in the 12 months before (None: outside
    the data)."""

    end: str
    incidents: int | None
    fatalities: int | None
    incidents_before: int | None
    fatalities_before: int | None

    @property
    def change_percent(self) -> float | None:
        """100 × (incidents − incidents before) / incidents before (%); None when either is unknown
        or there were none before."""
        if self.incidents is None or not self.incidents_before:
            return None
        return 100 * (self.incidents - self.incidents_before) / self.incidents_before


def totals_first(end: str) -> str:
    """First month of the 24 months that ``totals`` needs (``end`` − 23 months)."""
    return bd.shift_month(end, -23)


def totals(monthly: pd.DataFrame, end: str) -> Totals:
    """``Totals`` from ``monthly_by_type`` rows covering ``totals_first(end)`` to ``end``.

    A 12-month window counts only when all 12 of its months are in the data (else None). Yearly
    rows (``YYYY``) answer only when ``end`` is a December: the 12 months to it are that year."""
    if len(monthly) and len(str(monthly["period"].iloc[0])) == 4:
        return _yearly_totals(monthly, end)
    first = totals_first(end)
    recent_first = bd.shift_month(end, -11)
    out: list[int | None] = []
    for lo, hi in ((recent_first, end), (first, bd.shift_month(end, -12))):
        months = monthly.loc[(monthly["period"] >= lo) & (monthly["period"] <= hi)]
        complete = months["period"].nunique() == 12
        out += [int(months["incidents"].sum()), int(months["fatalities"].sum())] if complete else [None, None]
    return Totals(end, out[0], out[1], out[2], out[3])


def _yearly_totals(yearly: pd.DataFrame, end: str) -> Totals:
    out: list[int | None] = [None, None, None, None]
    if end.endswith("-12"):
        for k, year in enumerate((end[:4], str(int(end[:4]) - 1))):
            rows = yearly.loc[yearly["period"] == year]
            if len(rows):
                out[2 * k : 2 * k + 2] = [int(rows["incidents"].sum()), int(rows["fatalities"].sum())]
    return Totals(end, out[0], out[1], out[2], out[3])


def period_totals(monthly: pd.DataFrame) -> tuple[int, int]:
    """Incidents and deaths summed over ``monthly_by_type`` rows."""
    return int(monthly["incidents"].sum()), int(monthly["fatalities"].sum())


def with_country_names(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` (with ``iso3`` first) with a ``country`` name column after it."""
    out = frame.copy()
    out.insert(1, "country", [country_name(c) for c in out["iso3"]])
    return out


def compare_frame(
    composite: pd.DataFrame,
    conflict: pd.DataFrame,
    collaboration: pd.DataFrame,
    perception: pd.DataFrame,
    members: Mapping[str, Sequence[str]],
    regions: Sequence[str],
    start: str,
    end: str,
) -> pd.DataFrame:
    """Long frame ``region, period, indicator, value`` of ``COMPARE_INDICATORS`` for ``regions``.

    ``incidents_per_member`` = trailing 12-month mean of incidents ÷ member countries (per country
    per month); when a compared region's incident data are yearly, incidents per year ÷ member
    countries for every region (per country per year, periods ``YYYY``; a monthly region's whole
    years summed): a chart of years, never years drawn among months. The others are the
    indicators of those names.
    """
    parts = [composite.query("indicator == 'stability_index'")]
    size = {r: len(members.get(r, ())) for r in regions}
    parts.append(_per_member(conflict, size, start, end))
    parts.append(collaboration.loc[collaboration["indicator"] == "network_density"])
    parts.append(perception.loc[perception["indicator"] == "feel_safe"])
    out = pd.concat(parts, ignore_index=True)
    out = out.loc[out["region"].isin(regions), ["region", "period", "indicator", "value"]]
    return clip_periods(out, parse_period(start), parse_period(end)).reset_index(drop=True)


def whole_years(rows: pd.DataFrame, key: str, value: str) -> pd.DataFrame:
    """Monthly ``rows`` (``period`` ``YYYY-MM``, ``key``, ``value``) summed into years: ``key``,
    ``period`` (``YYYY``), ``value``. A year is the sum of its 12 months, missing when any of them
    is missing or absent: a partly covered year is no count, and is never drawn as one."""
    by_year = (
        rows.assign(period=rows["period"].astype(str).str[:4])
        .groupby([key, "period"], sort=True)[value]
        .agg(["sum", "count"])  # count: the months with a value
        .reset_index()
    )
    whole = by_year["sum"].where(by_year["count"] == 12).to_numpy(dtype=float)
    return pd.DataFrame({key: by_year[key], "period": by_year["period"], value: whole})


def _per_member(conflict: pd.DataFrame, size: Mapping[str, int], start: str, end: str) -> pd.DataFrame:
    """``incidents_per_member`` rows of the regions in ``size`` (their member counts): monthly from
    the trailing 12-month mean when no region's incident data are yearly in [start, end]; else by
    year for every region (the coarsest common grain, see ``compare_frame``): a yearly region's
    incidents per year, a monthly region's 12 months of [start, end] summed (missing when any of
    them is: a partly covered year is no count)."""
    mine = conflict.loc[conflict["region"].isin(list(size))]
    periods = mine["period"].astype(str)
    span = parse_period(start), parse_period(end)
    monthly = mine.loc[(mine["indicator"] == "incidents_rolling_12m") & (periods.str.len() == 7)]
    yearly = clip_periods(mine.loc[(mine["indicator"] == "incidents") & (periods.str.len() == 4)], *span)
    if yearly["value"].notna().any():
        months = clip_periods(mine.loc[(mine["indicator"] == "incidents") & (periods.str.len() == 7)], *span)
        monthly = pd.concat([yearly, whole_years(months, "region", "value")], ignore_index=True)
    out = monthly.copy()
    out["value"] = out["value"] / out["region"].map(size)
    out["indicator"] = "incidents_per_member"
    return out


def compare_split(frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """``compare_frame`` as one frame ``region, period, value`` per indicator."""
    return {
        name: frame.loc[frame["indicator"] == name, ["region", "period", "value"]].reset_index(drop=True)
        for name in COMPARE_INDICATORS
    }


# --- shaping for the pages ---------------------------------------------------------------------


def labelled(frame: pd.DataFrame, indicators: tuple[str, ...]) -> pd.DataFrame:
    """Rows of ``indicators`` from a tidy frame, with ``label`` and ``unit`` columns (``metrics.catalog``)."""
    out = frame.loc[
        frame["indicator"].isin(indicators), ["period", "indicator", "value", "ci_low", "ci_high"]
    ]
    out = out.assign(
        label=out["indicator"].map({i: describe(i).label for i in indicators}),
        unit=out["indicator"].map({i: describe(i).unit for i in indicators}),
    )
    return out.sort_values(["indicator", "period"]).reset_index(drop=True)


def value_at(frame: pd.DataFrame, indicator: str, period: str) -> float:
    """The value of ``indicator`` in ``period`` (NaN when absent)."""
    hit = frame.loc[(frame["indicator"] == indicator) & (frame["period"] == period), "value"]
    return float(hit.iloc[0]) if len(hit) else math.nan


def latest(frame: pd.DataFrame, indicator: str) -> tuple[str | None, float]:
    """The last period with a value of ``indicator``, and that value."""
    hit = frame.loc[(frame["indicator"] == indicator) & frame["value"].notna()].sort_values("period")
    if hit.empty:
        return None, math.nan
    return str(hit["period"].iloc[-1]), float(hit["value"].iloc[-1])


def region_latest(frame: pd.DataFrame, indicator: str) -> str | None:
    """How old a region's ``indicator`` is: the last period with a value in the region's ``frame``
    (its rows over the selected months); None when it has none there. A region whose sources end
    before other regions' is not stamped with their later date."""
    return latest(frame, indicator)[0]


def agreements_words(collaboration: pd.DataFrame, end: str) -> str:
    """The agreements a region has in force at ``end`` (``agreements_in_force`` of its rows), counted
    apart from the engagements started, in a sentence; without a value at ``end``, the latest count
    of the rows and its month; without any, said so."""
    now = value_at(collaboration, "agreements_in_force", end)
    if math.isfinite(now):
        return f"Agreements in force, counted apart: {now:,.0f}."
    last, value = latest(collaboration, "agreements_in_force")
    if last is None:
        return "No agreement data for these months."
    return f"Agreements in force, counted apart: no value for {end} (latest: {value:,.0f} in {last})."


def engagements_by_kind(collaboration: pd.DataFrame) -> pd.DataFrame:
    """``period, kind, engagements`` from one region's collaboration rows (agreements count in every
    month in force)."""
    frame = collaboration.loc[
        collaboration["indicator"].str.startswith("engagements_")
        & (collaboration["indicator"] != "engagements_total")
    ]
    return pd.DataFrame(
        {
            "period": frame["period"],
            "kind": frame["indicator"].str.removeprefix("engagements_").str.replace("_", " "),
            "engagements": frame["value"],
        }
    ).reset_index(drop=True)


def engagement_series(table: pd.DataFrame, *, stocks: bool) -> tuple[pd.DataFrame, list[str]]:
    """The engagements started (``stocks`` False: the flows, such as exercises, transfers, visits)
    or the agreements in force (``stocks`` True: ``metrics.collaboration.IN_FORCE_KINDS``) of
    ``engagements_by_kind`` rows, at one grain, and the kinds left out.

    Flows: by month when every flow row is monthly; else by year (the coarsest common grain, as a
    region's incidents): a kind's year of monthly rows is the sum of its 12 months, missing when
    any of them is (a partly covered year is not a count), so a year is never drawn as its January;
    where a monthly and a yearly source both count a kind in a year, the monthly one's whole year
    counts (the finer grain first), never the two added.
    Stocks: by month when some stock row is monthly, the kinds a source gives only by year left out
    (an agreement count of a year is no month's); else by year. Returns (``period, kind,
    engagements``, left-out kind labels)."""
    from metrics.collaboration import IN_FORCE_KINDS

    is_stock = table["kind"].str.replace(" ", "_").isin(sorted(IN_FORCE_KINDS))
    part = table.loc[is_stock if stocks else ~is_stock]
    yearly = part["period"].astype(str).str.len() == 4
    if not yearly.any() or yearly.all():
        return part.reset_index(drop=True), []
    if stocks:
        left = sorted(set(part.loc[yearly, "kind"]) - set(part.loc[~yearly, "kind"]))
        return part.loc[~yearly].reset_index(drop=True), left
    summed = whole_years(part.loc[~yearly], "kind", "engagements")
    # a kind counted both by a monthly and a yearly source in the same year: the finer source's
    # whole year counts (as for incidents: the finer grain first), never both added
    out = pd.concat([summed.dropna(subset=["engagements"]), part.loc[yearly], summed], ignore_index=True)
    out = out.drop_duplicates(["period", "kind"], keep="first").sort_values(["period", "kind"])
    return out[["period", "kind", "engagements"]].reset_index(drop=True), []


@dataclass(frozen=True)
class PerceptionPanel:
    """One survey indicator of a region: its waves and its latest change."""

    indicator: str
    label: str
    unit: str
    waves: pd.DataFrame  # period, value, ci_low, ci_high, sample_size, countries_covered, population_covered
    change: float
    significant: float
    last_wave: str | None
    respondents: float  # behind the last wave's regional value; NaN when not published


def perception_panels(perception: pd.DataFrame) -> list[PerceptionPanel]:
    """Each perception indicator with data in one region's perception rows, in a fixed order."""
    names = sorted(
        measured_indicators(perception["indicator"]),
        key=lambda i: (PERCEPTION_INDICATORS.index(i) if i in PERCEPTION_INDICATORS else 99, i),
    )
    panels = []
    for name in names:
        est = perception.loc[perception["indicator"] == name, ["period", "value", "ci_low", "ci_high"]]
        size = perception.loc[perception["indicator"] == f"{name}_sample_size", ["period", "value"]]
        waves = est.merge(size.rename(columns={"value": "sample_size"}), on="period", how="left")
        for part in ("countries_covered", "population_covered"):
            extra = perception.loc[perception["indicator"] == f"{name}_{part}", ["period", "value"]]
            waves = waves.merge(extra.rename(columns={"value": part}), on="period", how="left")
        _, change = latest(perception, f"{name}_change")
        _, sig = latest(perception, f"{name}_change_significant")
        last_wave, _ = latest(perception, name)
        respondents = value_at(perception, f"{name}_sample_size", last_wave) if last_wave else math.nan
        d = describe(name)
        panels.append(
            PerceptionPanel(
                name, d.label, d.unit, waves.sort_values("period"), change, sig, last_wave, respondents
            )
        )
    return panels


def perception_reach(panel: PerceptionPanel, members: int) -> str:
    """What the latest wave's regional value rests on, in one sentence: its member countries out of
    ``members`` and their share of the region's people; "" when the wave states neither. Under half
    the people: the value is said to describe those countries rather than the region."""
    if panel.last_wave is None:
        return ""
    row = panel.waves.loc[panel.waves["period"] == panel.last_wave]
    if row.empty or "countries_covered" not in row.columns:
        return ""
    k = float(row["countries_covered"].iloc[0])
    share = float(row["population_covered"].iloc[0]) if "population_covered" in row.columns else math.nan
    if not math.isfinite(k):
        return ""
    text = f"The wave of {panel.last_wave} covers {k:,.0f} of {members:,} member countries"
    if not math.isfinite(share):
        return text + "."
    text += f", {share:.0%} of the region's people"
    if share < 0.5:
        return text + ": read it as those countries, not the whole region."
    return text + "."


def catalog(conflict: pd.DataFrame, collaboration: pd.DataFrame, perception: pd.DataFrame) -> pd.DataFrame:
    """Every indicator the families produce (and the composite's): family, name, label and unit."""
    names: dict[str, None] = {}
    for frame in (conflict, collaboration, perception):
        names.update(dict.fromkeys(frame["indicator"].unique()))
    names.update(dict.fromkeys(COMPOSITE_INDICATORS))
    rows = [describe(n) for n in names]
    order = {"conflict": 0, "collaboration": 1, "perception": 2, "composite": 3}
    out = pd.DataFrame(
        [{"family": i.family, "indicator": i.name, "label": i.label, "unit": i.unit} for i in rows]
    )
    return out.sort_values(["family", "indicator"], key=lambda s: s.map(order) if s.name == "family" else s)


# --- one bundle, selection by selection ----------------------------------------------------------


class Frames:
    """``dashboard.data``'s selection-level interface over one ``Bundle``, without Streamlit.

    ``incidents``: what incident queries read (default the bundle's incidents table; an
    ``IncidentCube`` of it gives the same numbers faster). Results are remembered for the life of
    the object; the bundle must not change meanwhile.
    """

    def __init__(self, bundle: Bundle, incidents: TableLike | IncidentCube | None = None) -> None:
        self.bundle = bundle
        self.incidents = bundle.incidents.table if incidents is None else incidents
        self._memo: dict[tuple[object, ...], Any] = {}

    def _get(self, key: tuple[object, ...], make: Callable[[], Any]) -> Any:
        if key not in self._memo:
            self._memo[key] = make()
        return self._memo[key]

    # the loaded data
    def choices(self) -> Choices:
        return self._get(("choices",), lambda: choices(self.bundle))

    def caption(self, sel: Selection, *tables: str, note: str = "") -> Caption:
        return caption(self.bundle, sel.start, sel.end, *tables, note=note)

    def family_latest(self, family: str) -> str | None:
        return family_latest(self.bundle, family)

    def family_loaded(self, family: str) -> bool:
        return self.bundle.family_dataset(family).loaded

    def covered_months(self, sel: Selection) -> list[str] | None:
        """The months the incident files cover at least half of the selected countries' people."""
        return covered_months(self.bundle, self._countries(sel))

    def illustrative_tables(self) -> list[str]:
        return illustrative_tables(self.bundle)

    def figure(self, name: str, key: tuple[object, ...], build: Callable[[], go.Figure]) -> go.Figure:
        """``build()`` (nothing to share between exports)."""
        del name, key
        return build()

    # families
    def _conflict_all(self, types: Types, min_fatalities: int) -> pd.DataFrame:
        return self._get(
            ("conflict", types, min_fatalities),
            lambda: conflict_all(
                self.incidents,
                self.bundle.regions,
                types,
                min_fatalities,
                self.bundle.incidents_coverage(),
            ),
        )

    def _collaboration_all(self) -> pd.DataFrame:
        return self._get(
            ("collaboration",),
            lambda: collaboration_all(self.bundle),
        )

    def _perception_all(self) -> pd.DataFrame:
        return self._get(
            ("perception",), lambda: perception_indicators(self.bundle.perception.table, self.bundle.regions)
        )

    def _composite_all(self, sel: Selection) -> pd.DataFrame:
        types, mf = sel.types_filter, sel.min_fatalities
        return self._get(
            ("composite", types, mf, sel.weights, sel.start, sel.end),
            lambda: composite_all(
                self._conflict_all(types, mf),
                self._collaboration_all(),
                self._perception_all(),
                self.bundle.regions,
                sel.weights,
                sel.start,
                sel.end,
            ),
        )

    def _countries(self, sel: Selection) -> tuple[str, ...]:
        return sel.countries or self.choices().members.get(sel.region, ())

    def family(self, sel: Selection, name: str) -> pd.DataFrame:
        """Tidy rows of one family for the selected region and months (see ``dashboard.data.family``)."""
        if name == "conflict" and sel.countries:
            frame = self._get(
                ("member_conflict", sel.region, sel.types_filter, sel.min_fatalities, sel.countries),
                lambda: member_conflict(
                    self.incidents,
                    self.bundle.regions,
                    sel.region,
                    sel.types_filter,
                    sel.min_fatalities,
                    sel.countries,
                    self.bundle.incidents_coverage(),
                ),
            )
        elif name == "conflict":
            frame = self._conflict_all(sel.types_filter, sel.min_fatalities)
        elif name == "collaboration":
            frame = self._collaboration_all()
        else:
            frame = self._perception_all()
        return region_rows(frame, sel.region, sel.start, sel.end)

    def family_table(self, sel: Selection, name: str, indicators: tuple[str, ...]) -> pd.DataFrame:
        return labelled(self.family(sel, name), tuple(indicators))

    def composite(self, sel: Selection, region: str | None = None) -> pd.DataFrame:
        return region_rows(self._composite_all(sel), region or sel.region)

    def composite_table(self, sel: Selection) -> pd.DataFrame:
        return labelled(self.composite(sel), COMPOSITE_TABLE)

    def ranking(self, sel: Selection) -> pd.DataFrame:
        regions = self.choices().regions[self.choices().grouping_of[sel.region]]
        return ranking(self._composite_all(sel), regions, sel.end)

    def rank_sensitivity(self, sel: Selection) -> pd.DataFrame:
        regions = self.choices().regions[self.choices().grouping_of[sel.region]]
        return rank_sensitivity(self._composite_all(sel), regions, sel.end, sel.weights)

    def ranked_regions(self, sel: Selection) -> tuple[str, ...]:
        frame = self.ranking(sel)
        return tuple(frame.loc[frame["rank"].notna(), "region"])

    def map_values(self, sel: Selection) -> pd.DataFrame:
        grouping = self.choices().grouping_of[sel.region]
        return map_values(self._composite_all(sel), self.bundle.regions, grouping, sel.region, sel.end)

    def drivers(self, sel: Selection) -> pd.DataFrame:
        return drivers(self.composite(sel), sel.end, sel.weights)

    # breakdowns
    def _monthly(self, countries: tuple[str, ...], start: str, end: str, sel: Selection) -> pd.DataFrame:
        return self._get(
            ("monthly", countries, start, end, sel.types_filter, sel.min_fatalities),
            lambda: bd.monthly_by_type(
                self.incidents,
                countries,
                start=start,
                end=end,
                event_types=sel.types_filter,
                min_fatalities=sel.min_fatalities,
                covered_months=covered_months(self.bundle, countries),
                yearly=yearly_grain(self.bundle, countries),
            ),
        )

    def monthly_by_type(self, sel: Selection) -> pd.DataFrame:
        return self._monthly(self._countries(sel), sel.start, sel.end, sel)

    def yearly(self, sel: Selection) -> bool:
        """Whether the selected countries' incidents are counted by year (``yearly_grain``)."""
        return yearly_grain(self.bundle, self._countries(sel))

    def totals(self, sel: Selection) -> Totals:
        return totals(self._monthly(self._countries(sel), totals_first(sel.end), sel.end, sel), sel.end)

    def period_totals(self, sel: Selection) -> tuple[int, int]:
        return period_totals(self.monthly_by_type(sel))

    def _filters(self, sel: Selection) -> dict[str, object]:
        return {
            "start": sel.start,
            "end": sel.end,
            "event_types": sel.types_filter,
            "min_fatalities": sel.min_fatalities,
        }

    def top_countries(self, sel: Selection) -> pd.DataFrame:
        frame = bd.top_countries(self.incidents, self._countries(sel), **self._filters(sel))  # type: ignore[arg-type]
        return with_country_names(frame)

    def largest_incidents(self, sel: Selection) -> pd.DataFrame:
        return bd.largest_incidents(self.incidents, self._countries(sel), **self._filters(sel))  # type: ignore[arg-type]

    def locations(self, sel: Selection) -> bd.Locations:
        return bd.event_locations(self.incidents, self._countries(sel), **self._filters(sel))  # type: ignore[arg-type]

    def edges(self, sel: Selection) -> pd.DataFrame:
        members = self.choices().members.get(sel.region, ())
        return bd.collaboration_edges(self.bundle.collaboration.table, members, start=sel.start, end=sel.end)

    def compare(self, sel: Selection, regions: tuple[str, ...]) -> dict[str, pd.DataFrame]:
        frame = compare_frame(
            self._composite_all(sel),
            self._conflict_all(sel.types_filter, sel.min_fatalities),
            self._collaboration_all(),
            self._perception_all(),
            self.choices().members,
            regions,
            sel.start,
            sel.end,
        )
        return compare_split(frame)

    def engagements_by_kind(self, sel: Selection) -> pd.DataFrame:
        return engagements_by_kind(self.family(sel, "collaboration"))

    def perception_panels(self, sel: Selection) -> list[PerceptionPanel]:
        return perception_panels(self.family(sel, "perception"))

    def catalog(self) -> pd.DataFrame:
        return catalog(self._conflict_all(None, 0), self._collaboration_all(), self._perception_all())
