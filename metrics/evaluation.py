"""Evaluating success around a milestone: did a region become more stable after its military
diplomacy deepened?

``evaluate_milestone`` takes the three tables and the regions, a region, a milestone month and a
window of K months, and returns an ``Evaluation``: one ``Result`` per measure (estimate, 95 %
interval, p, the counts it rests on, the method and a one-sentence finding) and the series a page
or slide charts. The measures:

- ``incidents_rate_ratio`` / ``fatalities_rate_ratio``: after ÷ before window sums, interval from the
  subsampling variance over the region's other months (``metrics.evaluation_stats.rate_ratio``).
- ``incidents_did_ratio`` / ``fatalities_did_ratio``: the region's rate ratio ÷ the comparison's, the
  comparison regions pooled as a union of countries (``did_ratio``); ``n_before``/``n_after`` are
  the comparison's counts.
- ``incidents_pretrend_p`` / ``fatalities_pretrend_p``: did the region and the comparison already
  move apart in the two windows before the milestone (``pretrend``); p in ``estimate``/``p_value``,
  a warning in the finding when p < 0.10.
- ``incidents_placebo_p`` / ``fatalities_placebo_p``: permutation p (1 + b)/(1 + M) over the M
  non-overlapping windows at other times (``placebo``); the p is in ``estimate`` and ``p_value``, the
  interval is empty, ``n_before``/``n_after`` are the observed window sums and ``details`` hold
  ``count`` (b) and ``denominator`` (M).
- ``engagements_rate_ratio`` (engagements active per month, same method), ``network_density_change``
  (difference of the monthly means of the density of pairs tied by an engagement active in that
  month, so nothing from before the milestone is carried into the after window; Newey–West
  interval) and ``perception_<j>_change`` for each survey indicator j (difference of wave means,
  interval from the waves' intervals; ``n`` = waves).
- ``leadlag_<driver>_<outcome>``: quarterly engagements (``engagements_total``) or network density
  against incidents or a perception indicator 0–8 quarters later, pre-whitened; the strongest lag's
  correlation (``n_after`` = quarter pairs).
- ``incidents_sustained_decline``: the latest run of the downward-trend flag, its relative
  change and the engagements before it.

Comparison regions (``metrics.evaluation_context.choose_comparison``): by default the other regions of
the region's grouping that share no member, have incident data, and have no milestone proposed from
the collaboration data (a new partner, a new kind of engagement, a jump in network density;
``propose_milestones``) inside the before or after window. Results that read causally end with
"association, not proof of cause".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from metrics.catalog import describe
from metrics.collaboration import collaboration_indicators
from metrics.conflict import conflict_indicators
from metrics.coverage import widened_span
from metrics.cube import IncidentCube
from metrics.evaluation_changes import mean_change_hac, pretrend, wave_change
from metrics.evaluation_context import (
    choose_comparison,
    decline_context,
    decline_result,
    propose_milestones,
)
from metrics.evaluation_leadlag import lead_lag, lead_lag_result, to_quarters
from metrics.evaluation_stats import (
    Result,
    Windows,
    did_ratio,
    make_windows,
    placebo,
    rate_ratio,
)
from metrics.frames import TableLike, memo_for, query
from metrics.perception import measured_indicators, perception_indicators

RESULT_COLUMNS: tuple[str, ...] = (
    "region",
    "milestone",
    "measure",
    "estimate",
    "ci_low",
    "ci_high",
    "p_value",
    "n_before",
    "n_after",
    "method",
    "finding",
)
MONTHLY_COLUMNS: tuple[str, ...] = ("period", "series", "role", "indicator", "value", "window", "relative")
LEADLAG_FRAME_COLUMNS: tuple[str, ...] = (
    "driver",
    "outcome",
    "lag",
    "r",
    "ci_low",
    "ci_high",
    "p_value",
    "n_pairs",
    "strongest",
)
DRIVERS: dict[str, tuple[str, str]] = {
    "engagements_total": ("engagements", "sum"),
    "network_density": ("network density", "mean"),
}
TIMELINE_INDICATORS: tuple[str, ...] = (
    "incidents",
    "fatalities",
    "incidents_rolling_12m",
    "downward_trend",
    "engagements_total",
    "network_density",
)


@dataclass(frozen=True)
class Evaluation:
    """Everything an evaluation page, slide or command needs.

    - ``results``: one ``Result`` per measure (see the module docstring); ``table()`` gives them as the
      frame ``region, milestone, measure, estimate, ci_low, ci_high, p_value, n_before, n_after, method,
      finding``.
    - ``comparison``: ``region, used, reason`` for every candidate comparison region.
    - ``monthly``: ``period, series, role, indicator, value, window, relative`` — monthly incidents and
      fatalities of the region (role ``region``), the pooled comparison (``comparison``) and each
      comparison region (``comparison_member``) over the whole incident span; ``window`` is
      ``before``/``after``/empty; ``relative`` = value ÷ that series' mean over the before window.
    - ``placebo``: ``quantity, period, rate_ratio, log_ratio, at_least_as_far`` (histogram).
    - ``lead_lag``: ``driver, outcome, lag, r, ci_low, ci_high, p_value, n_pairs, strongest``.
    - ``decline`` / ``decline_engagements``: episodes of the decline flag and the engagements before.
    - ``timeline``: tidy rows (``region, period, family, indicator, value, ci_low, ci_high``) of the
      region's incidents, fatalities, engagements, density and perception, for a shared time axis.
    - ``proposals``: milestones proposed from the collaboration data for the region.
    """

    region: str
    milestone: str
    label: str
    window: int
    span: tuple[str, str]
    results: tuple[Result, ...]
    comparison: pd.DataFrame
    monthly: pd.DataFrame
    placebo: pd.DataFrame
    lead_lag: pd.DataFrame
    decline: pd.DataFrame
    decline_engagements: pd.DataFrame
    timeline: pd.DataFrame
    proposals: pd.DataFrame

    @property
    def comparison_regions(self) -> list[str]:
        return [str(r) for r in self.comparison.loc[self.comparison["used"], "region"]]

    @property
    def windows(self) -> Windows:
        return make_windows(self.milestone, self.window)

    def result(self, measure: str) -> Result:
        for r in self.results:
            if r.measure == measure:
                return r
        raise KeyError(measure)

    def table(self) -> pd.DataFrame:
        rows = [
            {
                "region": self.region,
                "milestone": self.milestone,
                "measure": r.measure,
                "estimate": r.estimate,
                "ci_low": r.ci_low,
                "ci_high": r.ci_high,
                "p_value": r.p_value,
                "n_before": r.n_before,
                "n_after": r.n_after,
                "method": r.method,
                "finding": r.finding,
            }
            for r in self.results
        ]
        frame = pd.DataFrame(rows, columns=list(RESULT_COLUMNS))
        for c in ("estimate", "ci_low", "ci_high", "p_value", "n_before", "n_after"):
            frame[c] = frame[c].astype(float)
        return frame


def incident_span(incidents: TableLike) -> tuple[str, str] | None:
    """First and last month (``YYYY-MM``) of the incident data, or None when it is empty (kept per
    table while it lives: one scan of the incidents, not one per evaluation)."""
    return memo_for(incidents, "incident_span", lambda: _incident_span(incidents))


def _incident_span(incidents: TableLike) -> tuple[str, str] | None:
    span = query(
        "SELECT strftime(min(event_date), '%Y-%m') AS first, strftime(max(event_date), '%Y-%m') AS last "
        "FROM incidents",
        incidents=incidents,
    )
    if not len(span) or pd.isna(span.loc[0, "first"]):
        return None
    return str(span.loc[0, "first"]), str(span.loc[0, "last"])


def _positions(tidy: pd.DataFrame) -> dict[tuple[str, str], np.ndarray]:
    """``(region, indicator)`` → positions of its rows in ``tidy`` (in frame order; indicator "" for
    a frame without an ``indicator`` column), kept while the frame lives (``memo_for``): an
    evaluation reads many series of the same shared, never-mutated frames."""
    return memo_for(tidy, "positions", lambda: _group_positions(tidy))


def _group_positions(tidy: pd.DataFrame) -> dict[tuple[str, str], np.ndarray]:
    if tidy.empty:
        return {}
    region, regions = pd.factorize(tidy["region"], sort=False)
    if "indicator" in tidy:
        indicator, indicators = pd.factorize(tidy["indicator"], sort=False)
    else:  # a frame of regions' rows without indicators (proposals): grouped by region alone
        indicator, indicators = np.zeros(len(tidy), dtype=np.int64), pd.Index([""])
    code = region.astype(np.int64) * (len(indicators) + 1) + indicator
    order = np.argsort(code, kind="stable")
    bounds = np.flatnonzero(np.diff(code[order])) + 1
    groups: dict[tuple[str, str], np.ndarray] = {}
    for chunk in np.split(order, bounds):
        first = int(chunk[0])
        groups[(str(regions[region[first]]), str(indicators[indicator[first]]))] = chunk
    return groups


def _series(tidy: pd.DataFrame, region: str, indicator: str) -> pd.Series:
    """The values of ``indicator`` of ``region`` in the tidy frame, indexed by period text."""
    rows = _positions(tidy).get((region, indicator))
    if rows is None:
        return pd.Series(np.array([], dtype=float), index=np.array([], dtype=object))
    values = tidy["value"].to_numpy(dtype=float)[rows] if len(rows) else np.array([], dtype=float)
    periods = tidy["period"].iloc[rows].astype(str).to_numpy()
    return pd.Series(values, index=periods)


def _check_names(regions: pd.DataFrame, region: str, compare: Sequence[str] | None) -> None:
    names = set(regions["region"])
    if region not in names:
        raise ValueError(f"unknown region '{region}'")
    for c in compare or ():
        if c not in names:
            raise ValueError(f"unknown comparison region '{c}'")
        if c == region:
            raise ValueError(f"'{c}' cannot be compared with itself")


def require_monthly(conflict: pd.DataFrame, region: str) -> None:
    """Raise ``ValueError`` (one plain sentence) when ``region``'s incident series in ``conflict``
    (``conflict_indicators`` rows) is yearly: the windows before and after a milestone are months."""
    periods = conflict.loc[conflict["region"] == region, "period"].astype(str)
    if len(periods) and not periods.str.fullmatch(r"\d{4}-\d{2}").any():
        raise ValueError(
            f"the incident data for {region} are yearly (conflict-years, such as UCDP ACD, UCDP "
            "battle-related deaths or COW): the evaluation compares the months before and after the "
            "milestone, so it needs monthly incident data for the region (ACLED or UCDP GED)"
        )


def evaluate_milestone(
    incidents: TableLike,
    collaboration: TableLike,
    perception: TableLike,
    regions: pd.DataFrame,
    *,
    region: str,
    milestone: str,
    label: str | None = None,
    window: int = 12,
    compare: Sequence[str] | None = None,
    max_lag: int = 8,
    event_types: Sequence[str] | None = None,
    min_fatalities: int = 0,
    coverage: pd.DataFrame | None = None,
) -> Evaluation:
    """Evaluate ``region`` around ``milestone`` (``YYYY-MM``) with windows of ``window`` months.

    ``compare``: comparison regions by name (default: chosen by ``choose_comparison``). ``label``: what
    happened at the milestone (used in findings). Incident filters and ``coverage`` (the incidents'
    coverage table: months outside it are missing, not zero) as in ``conflict_indicators``.
    Raises ``ValueError`` for an unknown region or comparison region, a bad month, a window below 1,
    a milestone outside the incident data, incident data that are empty, or a region whose
    incident data are yearly (the windows are months).

    Loads the inputs (``EvaluationInputs``) and evaluates them with ``evaluate_inputs``.
    """
    make_windows(milestone, window)
    _check_names(regions, region, compare)
    span = widened_span(incident_span(incidents), coverage)
    if span is None:
        raise ValueError("there is no incident data to evaluate")
    sub = in_scope(regions, region, compare)
    from datasets.loaders import load_population

    population = load_population()  # covered shares are shares of the region's people
    conflict = conflict_indicators(
        incidents,
        sub,
        event_types=event_types,
        min_fatalities=min_fatalities,
        coverage=coverage,
        population=population,
    )
    require_monthly(conflict, region)
    collab = collaboration_indicators(collaboration, sub) if len(collaboration) else conflict.iloc[0:0]
    percep = (
        perception_indicators(perception, sub.loc[sub["region"] == region])
        if len(perception)
        else conflict.iloc[0:0]
    )
    # density as a flow inside each window: pairs tied by an engagement active in that month (no
    # trailing window, which would carry an engagement from before the milestone into the after window)
    mine = sub.loc[sub["region"] == region]
    flows = collaboration_indicators(collaboration, mine, window=1) if len(collaboration) else collab
    inputs = EvaluationInputs(
        span=span,
        conflict=conflict,
        collab=collab,
        flows=flows,
        percep=percep,
        proposals=propose_milestones(collaboration, sub, indicators=collab),
    )

    def union(used: Sequence[str]) -> pd.DataFrame:
        return union_conflict(incidents, regions, used, event_types, min_fatalities, coverage, population)

    return evaluate_inputs(
        inputs,
        collaboration,
        regions,
        union,
        region=region,
        milestone=milestone,
        label=label,
        window=window,
        compare=compare,
        max_lag=max_lag,
    )


@dataclass(frozen=True)
class EvaluationInputs:
    """What an evaluation of a region reads that does not depend on the milestone or the window.

    ``span``: first and last month of the incident data. ``conflict``: ``conflict_indicators`` of the
    region and its candidate comparison regions (``in_scope``), under the incident filters;
    ``collab``: ``collaboration_indicators`` (trailing 12 months) of the same regions; ``proposals``:
    ``propose_milestones`` of the same regions; ``flows``: ``collaboration_indicators`` of the region
    with ``window=1``; ``percep``: ``perception_indicators`` of the region. Each indicator of a region
    depends only on its own members' rows, so frames that hold more regions (e.g. all) give the same
    evaluation; the extra regions are left out. ``own``: the region's own conflict indicators with
    the trend, when ``conflict`` holds counts only (``conflict_indicators(..., signals=False)``):
    the decline episodes and the timeline read the trend from it.
    """

    span: tuple[str, str]
    conflict: pd.DataFrame
    collab: pd.DataFrame
    flows: pd.DataFrame
    percep: pd.DataFrame
    proposals: pd.DataFrame
    #: ``region_part`` of the region when already computed (else computed by ``evaluate_inputs``).
    region_part: RegionPart | None = None
    own: pd.DataFrame | None = None


@dataclass(frozen=True)
class RegionPart:
    """What an evaluation of a region finds whatever the milestone: the lead–lag results
    (``leadlag_<driver>_<outcome>``, with ``max_lag``) and their frame, and the episodes of the
    downward-trend flag with the engagements before them (``decline_context``)."""

    max_lag: int
    lead_lag_results: tuple[Result, ...]
    lead_lag: pd.DataFrame
    decline: pd.DataFrame
    decline_engagements: pd.DataFrame


def region_part(
    conflict: pd.DataFrame,
    collab: pd.DataFrame,
    percep: pd.DataFrame,
    collaboration: TableLike,
    regions: pd.DataFrame,
    region: str,
    max_lag: int = 8,
) -> RegionPart:
    """The lead–lag of each driver (quarterly engagements or network density) against incidents and
    each survey indicator of ``region`` 0–``max_lag`` quarters later, and its decline episodes."""
    outcomes: dict[str, tuple[str, pd.Series]] = {
        "incidents": ("incidents", to_quarters(_series(conflict, region, "incidents"), "sum"))
    }
    for j in _perception_names(percep, region):
        outcomes[j] = (f"'{describe(j).label}'", to_quarters(_series(percep, region, j), "waves"))
    results: list[Result] = []
    frames = []
    for driver, (driver_words, how) in DRIVERS.items():
        x = to_quarters(_series(collab, region, driver), how)
        for outcome, (outcome_words, y) in outcomes.items():
            frame, info_ll = lead_lag(x, y, max_lag=max_lag)
            res = lead_lag_result(
                frame,
                info_ll,
                measure=f"leadlag_{driver}_{outcome}",
                region=region,
                driver=driver_words,
                outcome=outcome_words,
            )
            results.append(res)
            strongest = res.details.get("lag") if res.ok else None
            frames.append(frame.assign(driver=driver, outcome=outcome, strongest=frame["lag"] == strongest))
    decline, engagements = decline_context(conflict, collaboration, regions, region=region)
    return RegionPart(
        max_lag=max_lag,
        lead_lag_results=tuple(results),
        lead_lag=pd.concat(frames, ignore_index=True)[list(LEADLAG_FRAME_COLUMNS)],
        decline=decline,
        decline_engagements=engagements,
    )


def in_scope(regions: pd.DataFrame, region: str, compare: Sequence[str] | None) -> pd.DataFrame:
    """Rows of ``regions`` an evaluation of ``region`` reads: the region and ``compare``, or, with no
    ``compare``, every region of its groupings (the candidate comparisons). Kept per regions table,
    region and comparison (``memo_for``); never mutate the result."""
    key = ("in_scope", region, None if compare is None else tuple(compare))
    return memo_for(regions, key, lambda: _in_scope(regions, region, compare))


def _in_scope(regions: pd.DataFrame, region: str, compare: Sequence[str] | None) -> pd.DataFrame:
    groups = _groupings(regions, region)
    names = {region, *(compare or ())}
    if compare is None and groups:
        names |= set(regions.loc[regions["grouping"].isin(groups), "region"])
    return regions.loc[regions["region"].isin(names)]


def evaluate_inputs(
    inputs: EvaluationInputs,
    collaboration: TableLike,
    regions: pd.DataFrame,
    union: Callable[[Sequence[str]], pd.DataFrame],
    *,
    region: str,
    milestone: str,
    label: str | None = None,
    window: int = 12,
    compare: Sequence[str] | None = None,
    max_lag: int = 8,
) -> Evaluation:
    """``evaluate_milestone`` from loaded ``inputs``: the event study, difference in differences,
    pre-trend and placebo for incidents and fatalities, the collaboration and perception changes, the
    lead–lag and the sustained decline. ``union(names)``: the conflict indicators of the comparison
    regions ``names`` pooled as a union of countries (``union_conflict`` under the same filters).
    Raises ``ValueError`` as ``evaluate_milestone`` does."""
    w = make_windows(milestone, window)
    _check_names(regions, region, compare)
    span = inputs.span
    if not (pd.Period(span[0], freq="M") <= w.milestone <= pd.Period(span[1], freq="M")):
        raise ValueError(f"milestone {w.milestone} is outside the incident data ({span[0]} to {span[1]})")
    sub = in_scope(regions, region, compare)
    names = set(sub["region"])
    conflict = _only(inputs.conflict, names)
    own_rows = conflict if inputs.own is None else _only(inputs.own, {region})
    collab = _only(inputs.collab, names)
    percep = _only(inputs.percep, {region})
    flows = _only(inputs.flows, {region})
    proposals = _only(inputs.proposals, names)
    comparison = choose_comparison(
        regions,
        region,
        w,
        with_data=sorted(str(r) for r in conflict["region"].unique()),
        proposals=proposals,
        compare=compare,
    )
    used = [str(r) for r in comparison.loc[comparison["used"], "region"]]
    union_frame = union(used) if used else pd.DataFrame(columns=["region", "period", "indicator", "value"])
    # Process data: event study, DiD, pre-trend and placebo for incidents and fatalities
    results: list[Result] = []
    placebos = []
    own_cov = _covered(conflict, region)
    comp_cov = _covered(union_frame, UNION)
    for quantity in ("incidents", "fatalities"):
        own = _series(conflict, region, quantity)
        pooled = _series(union_frame, UNION, quantity) if used else pd.Series(dtype=float)
        results.append(
            rate_ratio(
                own, w.milestone, window, quantity=quantity, region=region, label=label, covered=own_cov
            )
        )
        shared = {
            "quantity": quantity,
            "region": region,
            "comparison_names": used,
            "covered": own_cov,
            "comparison_covered": comp_cov,
        }
        results.append(did_ratio(own, pooled, w.milestone, window, label=label, **shared))
        results.append(pretrend(own, pooled, w.milestone, window, **shared))
        res, frame = placebo(own, w.milestone, window, quantity=quantity, region=region, covered=own_cov)
        results.append(res)
        placebos.append(frame.assign(quantity=quantity))
    # collaboration and perception changes
    results.append(
        rate_ratio(
            _series(collab, region, "engagements_total"),
            w.milestone,
            window,
            quantity="engagements",
            region=region,
            label=label,
        )
    )
    # density as a flow inside each window (``inputs.flows``)
    results.append(
        mean_change_hac(
            _series(flows, region, "network_density"),
            w.milestone,
            window,
            measure="network_density_change",
            what="network density",
            region=region,
            label=label,
        )
    )
    perception_names = _perception_names(percep, region)
    for j in perception_names:
        info = describe(j)
        rows = percep.loc[(percep["region"] == region) & (percep["indicator"] == j)]
        index_scale = info.unit == "index"
        results.append(
            wave_change(
                rows[["period", "value", "ci_low", "ci_high"]],
                w.milestone,
                window,
                measure=f"perception_{j}_change",
                what=f"'{info.label}'",
                region=region,
                label=label,
                scale=1.0 if index_scale else 100.0,
                unit="points" if index_scale else "percentage points",
            )
        )
    # lead–lag over the whole data, and the episodes of decline: the same for every milestone
    lagged = inputs.region_part
    if lagged is None or lagged.max_lag != max_lag:
        lagged = region_part(own_rows, collab, percep, collaboration, sub, region, max_lag)
    results.extend(lagged.lead_lag_results)
    ll_frames = [lagged.lead_lag]
    decline, decline_eng = lagged.decline, lagged.decline_engagements
    results.append(decline_result(decline, region, w.milestone))
    # Save outputs: the series for charts
    return Evaluation(
        region=region,
        milestone=str(w.milestone),
        label=label or "",
        window=window,
        span=span,
        results=tuple(results),
        comparison=comparison,
        monthly=_monthly(conflict, union_frame, region, used, w),
        placebo=pd.concat(placebos, ignore_index=True)[
            ["quantity", "period", "rate_ratio", "log_ratio", "at_least_as_far"]
        ],
        lead_lag=ll_frames[0],
        decline=decline,
        decline_engagements=decline_eng,
        timeline=_timeline(own_rows, collab, percep, region, perception_names),
        proposals=proposals.loc[proposals["region"] == region].reset_index(drop=True),
    )


def _groupings(regions: pd.DataFrame, region: str) -> set[str]:
    if "grouping" not in regions:
        return set()
    return set(regions.loc[regions["region"] == region, "grouping"].dropna())


UNION = "Comparison (union of countries)"


def _only(frame: pd.DataFrame, names: set[str]) -> pd.DataFrame:
    """The rows of ``frame`` of the regions ``names`` (all of them when it holds no others). Not
    kept: the shared frames live as long as the data, and one copy per set of names would grow
    with the views asked for."""
    if frame.empty:
        return frame
    groups = _positions(frame)
    if {r for r, _ in groups} <= names:
        return frame
    rows = [p for (r, _), p in groups.items() if r in names]
    keep = np.sort(np.concatenate(rows)) if rows else np.array([], dtype=np.int64)
    return frame.take(keep)


def union_conflict(
    incidents: TableLike | IncidentCube,
    regions: pd.DataFrame,
    names: Sequence[str],
    event_types: Sequence[str] | None,
    min_fatalities: int,
    coverage: pd.DataFrame | None = None,
    population: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Conflict indicators of the comparison regions pooled as a union of countries: every member
    country of any comparison region counted once (overlapping regions do not count it twice).
    Counts and coverage only: the evaluation reads no trend or alarm of the pool."""
    if not names:
        return pd.DataFrame(columns=["region", "period", "indicator", "value"])
    members = regions.loc[regions["region"].isin(list(names))].drop_duplicates("iso3")
    union = members.assign(region=UNION)
    return conflict_indicators(
        incidents,
        union,
        event_types=event_types,
        min_fatalities=min_fatalities,
        coverage=coverage,
        population=population,
        signals=False,
    )


def _covered(conflict: pd.DataFrame, region: str) -> pd.Series | None:
    """The covered member countries per month (indicator ``covered_members``), when the data have it."""
    if conflict.empty or not any(ind == "covered_members" for _, ind in _positions(conflict)):
        return None
    return _series(conflict, region, "covered_members")


def _perception_names(percep: pd.DataFrame, region: str) -> list[str]:
    return measured_indicators(percep.loc[percep["region"] == region, "indicator"].unique())


def _monthly(
    conflict: pd.DataFrame, union: pd.DataFrame, region: str, used: Sequence[str], w: Windows
) -> pd.DataFrame:
    """The chart series (``MONTHLY_COLUMNS``): each series' months, values, window ("before",
    "after" or "") and value relative to its mean before the milestone (empty when that window is
    not complete). Built as one frame from arrays (one frame per series cost more than the rest)."""
    parts: dict[str, list[np.ndarray]] = {c: [] for c in MONTHLY_COLUMNS}
    series = [(region, "region", region)]
    if used:
        series.append((f"Comparison ({', '.join(used)}; each country once)", "comparison", None))
        series += [(c, "comparison_member", c) for c in used]
    b0, b1, a0, a1 = (str(p) for p in (*w.before, *w.after))
    for quantity in ("incidents", "fatalities"):
        for name, role, source in series:
            s = _series(conflict, source, quantity) if source else _series(union, UNION, quantity)
            if s.empty:
                continue
            months = s.index.astype(str).to_numpy(dtype=object)  # YYYY-MM: text order is time order
            window = np.where(
                (months >= b0) & (months <= b1),
                "before",
                np.where((months >= a0) & (months <= a1), "after", ""),
            ).astype(object)
            values = s.to_numpy(dtype=float)
            base = values[window == "before"]
            full = (window == "before").sum() == w.window
            mean = float(base.mean()) if full and len(base) else np.nan
            relative = values / mean if mean and not np.isnan(mean) else np.full(len(s), np.nan)
            n = len(values)
            for column, array in (
                ("period", months),
                ("series", np.full(n, name, dtype=object)),
                ("role", np.full(n, role, dtype=object)),
                ("indicator", np.full(n, quantity, dtype=object)),
                ("value", values),
                ("window", window),
                ("relative", relative),
            ):
                parts[column].append(array)
    if not parts["period"]:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in MONTHLY_COLUMNS})
    return pd.DataFrame({c: np.concatenate(parts[c]) for c in MONTHLY_COLUMNS})


def _timeline(
    conflict: pd.DataFrame,
    collab: pd.DataFrame,
    percep: pd.DataFrame,
    region: str,
    perception_names: Sequence[str],
) -> pd.DataFrame:
    keep = set(TIMELINE_INDICATORS) | set(perception_names)
    parts = [f.loc[(f["region"] == region) & f["indicator"].isin(keep)] for f in (conflict, collab, percep)]
    parts = [p for p in parts if len(p)]
    if not parts:
        return conflict.iloc[0:0]
    return pd.concat(parts, ignore_index=True)
