"""Conflict-incident indicators per region and month (or year, for yearly sources).

Input: the ``incidents`` table (Arrow or pandas), the ``regions`` membership table and, optionally,
the coverage table (``datasets.coverage.load_coverage``). Output: the tidy grain ``region, period,
family, indicator, value, ci_low, ci_high, covered_share`` with ``family = "conflict"``.

A region has rows for every period of its members' coverage (the first to the last covered month);
a covered member-month without incidents counts 0 (an observed zero), an uncovered member is left
out, and a period where less than the threshold share of the region is covered is missing. Trailing
statistics (rolling mean, year-on-year change, trend, alarm) use the months before ``start`` when
the data has them, then the output is clipped to ``[start, end]``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
from numpy.lib.stride_tricks import sliding_window_view

from datasets.precedence import drop_shadowed, overlaps
from metrics.coverage import (
    CountryCoverage,
    country_coverage,
    covered_share,
    population_weights_kept,
    stable_windows,
    to_years,
)
from metrics.cube import IncidentCube, cube_country_grids, cube_monthly_counts
from metrics.frames import (
    TableLike,
    clip_periods,
    finish,
    parse_period,
    query,
    region_members,
    text_column,
    tidy,
    with_events,
)
from metrics.periods import month_ordinals
from metrics.signals import TREND_ALPHA, signal_grids
from metrics.signals import trend_at as one_window_trend

INDICATORS: tuple[str, ...] = (
    "incidents",
    "fatalities",
    "fatalities_per_incident",
    "civilian_targeting_share",
    "diffusion",
    "incidents_rolling_12m",
    "incidents_yoy_change",
    "downward_trend",
    "trend_change_per_year",
    "trend_p_value",
    "alarm",
    "alarm_upper_limit",
    "sustained_decline",
    "spike",
    "covered_members",
)

_RAW_CELLS = """
    SELECT iso3, admin1, strftime(event_date, '%Y-%m') AS period, coalesce(events, 1) AS n,
           fatalities AS f,
           CASE WHEN civilian_targeting THEN coalesce(events, 1) ELSE 0 END AS civ,
           CASE WHEN civilian_targeting IS NULL THEN 0 ELSE coalesce(events, 1) END AS known
    FROM incidents
    WHERE fatalities >= $threshold"""

_MONTHLY_SQL = """
WITH members_f AS (
    SELECT region, iso3 FROM members WHERE $countries IS NULL OR list_contains($countries, iso3)
), cells AS ({cells}
      AND ($types IS NULL OR list_contains($types, event_type))
      AND iso3 IN (SELECT iso3 FROM members_f)
), a AS (
    SELECT iso3, admin1, period, sum(n) AS n, sum(f) AS f, sum(civ) AS civ, sum(known) AS known
    FROM cells GROUP BY ALL
), ever AS (
    SELECT DISTINCT iso3, admin1 FROM a WHERE admin1 IS NOT NULL AND admin1 <> ''
)
SELECT r.region, a.period, sum(a.n) AS incidents, sum(a.f) AS fatalities, sum(a.civ) AS civ,
       sum(a.known) AS civ_known, count(a.admin1) FILTER (WHERE a.admin1 <> '') AS admin_active
FROM a JOIN members_f AS r ON a.iso3 = r.iso3
GROUP BY ALL
UNION ALL
SELECT r.region, NULL, NULL, NULL, NULL, NULL, count(*)
FROM ever JOIN members_f AS r ON ever.iso3 = r.iso3
GROUP BY ALL
"""

_SPAN_SQL = (
    "SELECT strftime(min(event_date), '%Y-%m') AS first, strftime(max(event_date), '%Y-%m') AS last "
    "FROM incidents"
)


def _data_countries(incidents: TableLike | IncidentCube) -> pd.DataFrame:
    """``iso3, grain`` of the countries with at least one row in ``incidents`` (no filter applied):
    ``year`` when any of the country's rows counts a year, else ``month``."""
    table = incidents.incidents if isinstance(incidents, IncidentCube) else incidents
    if table is None:  # a cube without its rows: its countries, monthly
        return pd.DataFrame({"iso3": [str(c) for c in incidents.countries], "grain": "month"})  # type: ignore[union-attr]
    cols = table.column_names if isinstance(table, pa.Table) else list(table.columns)
    grain = "grain" if "grain" in cols else "NULL"
    return query(
        f"SELECT iso3, CASE WHEN bool_or({grain} = 'year') THEN 'year' ELSE 'month' END AS grain "
        "FROM incidents WHERE iso3 IS NOT NULL GROUP BY iso3",
        incidents=table,
    )


def _counted(incidents: TableLike, coverage: pd.DataFrame) -> TableLike:
    """``incidents`` without the rows of a source set aside where another counts
    (``datasets.precedence.drop_shadowed``); the same object when no two sources overlap."""
    if not overlaps(coverage):
        return incidents
    table = (
        incidents
        if isinstance(incidents, pa.Table)
        else pa.Table.from_pandas(incidents, preserve_index=False)
    )
    counted = drop_shadowed(table, coverage)
    if counted is table:
        return incidents
    return counted if isinstance(incidents, pa.Table) else counted.to_pandas()


def monthly_counts(
    incidents: TableLike | IncidentCube,
    regions: pd.DataFrame,
    *,
    event_types: Sequence[str] | None = None,
    min_fatalities: int = 0,
    countries: Sequence[str] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, tuple[str, str] | None]:
    """Aggregate incidents (a raw table or an ``IncidentCube``) to region × month (DuckDB).

    Returns ``(monthly, per_region, span)``: ``monthly`` has ``region, period, incidents, fatalities,
    civ, civ_known, admin_active``; ``per_region`` has ``region, admin_ever`` (distinct admin1 that
    ever had an incident in the filtered data); ``span`` is the data's first and last month, or None.
    With a cube, ``min_fatalities`` must be one of ``metrics.cube.FATALITY_THRESHOLDS``.
    """
    if isinstance(incidents, IncidentCube):
        return cube_monthly_counts(
            incidents, regions, event_types=event_types, min_fatalities=min_fatalities, countries=countries
        )
    members = region_members(regions)
    sql = _MONTHLY_SQL.format(cells=_RAW_CELLS)
    threshold = int(min_fatalities)
    table: TableLike = incidents
    table = with_events(table)
    span_row = query(_SPAN_SQL, incidents=table)
    span = None
    if len(span_row) and pd.notna(span_row.loc[0, "first"]):
        span = (str(span_row.loc[0, "first"]), str(span_row.loc[0, "last"]))
    params = {
        "types": list(event_types) if event_types is not None else None,
        "threshold": threshold,
        "countries": list(countries) if countries is not None else None,
    }
    out = query(sql, params, incidents=table, members=members)
    per_region = out.loc[out["period"].isna(), ["region", "admin_active"]].rename(
        columns={"admin_active": "admin_ever"}
    )
    monthly = out.loc[out["period"].notna()].reset_index(drop=True)
    return monthly, per_region.reset_index(drop=True), span


def conflict_indicators(
    incidents: TableLike | IncidentCube,
    regions: pd.DataFrame,
    *,
    start: str | None = None,
    end: str | None = None,
    event_types: Sequence[str] | None = None,
    min_fatalities: int = 0,
    countries: Sequence[str] | None = None,
    window: int = 12,
    trend_window: int | None = None,
    alpha: float = TREND_ALPHA,
    coverage: pd.DataFrame | None = None,
    population: pd.DataFrame | None = None,
    min_covered_share: float = 0.5,
    signals: bool = True,
    trend_at: str | None = None,
) -> pd.DataFrame:
    """Conflict indicators per region and period (tidy), over the members the data cover.

    Coverage (``coverage``: the incidents rows of ``datasets.coverage.load_coverage``, columns
    ``iso3, first_day, last_day, grain``): a member country-month inside its coverage with no
    incident is an observed 0; outside it the member is left out. Without ``coverage`` the data
    speak for themselves: each country with a row in ``incidents`` (before the filters) is covered
    over the incidents' first..last month, and no other country is. For
    region r and period t, with M_t the members covered in t:

    - ``covered_members`` = |M_t| (countries); the ``covered_share`` column of every row of (r, t)
      = |M_t| / members of r, or with ``population`` (``iso3, year, population``) the covered
      members' share of the region's population in t's year (share 0–1). Below
      ``min_covered_share`` (default 0.5: half the region) every value of (r, t) is missing.
    - ``incidents`` = N_t = Σ ``events`` of M_t's rows (an empty ``events`` counts 1);
      ``fatalities`` = F_t (deaths).
    - ``fatalities_per_incident`` = F_t / N_t (deaths per incident; empty when N_t = 0).
    - ``civilian_targeting_share`` = incidents with civilian targeting / incidents where it is known
      (share 0–1; empty when none is known).
    - ``diffusion`` = distinct admin1 units with ≥ 1 incident in t ÷ distinct admin1 units that
      ever had one in the region's (filtered) data (share 0–1).
    - ``incidents_rolling_12m`` = mean of N over the ``window`` months ending at t (incidents per
      month).
    - ``incidents_yoy_change`` = (N_t − N_{t−12}) / N_{t−12} (relative change; empty when N_{t−12} is
      0 or outside the data).
    - ``trend_change_per_year`` (relative change per year, 95 % interval in ``ci_low``/``ci_high``),
      ``trend_p_value`` and ``downward_trend`` (1/0) over the ``trend_window`` months ending at t
      (default 36), from the seasonal quasi-Poisson trend model with serial dependence allowed for;
      ``alarm`` (1/0) when N_t is above ``alarm_upper_limit``, the model's one-step upper prediction
      limit from the 36 months before t, and at least 5 (``metrics.signals``, formulas there).
    - ``sustained_decline`` and ``spike``: the old names of ``downward_trend`` and ``alarm``, kept as
      aliases (same values) for one release.

    The trailing statistics (rolling mean, year-on-year change, trend, alarm) are missing (not
    computable) where their window is incomplete, holds a missing month, or spans a change of the
    covered member set M.

    Grain: monthly (``YYYY-MM``) unless a covered member's source is yearly; then the region's
    values are yearly (``YYYY``, the coarsest common grain: N, F summed over the year, a member
    covered when covered in any month of the year) and the monthly-only statistics (rolling mean,
    year-on-year change, trend, alarm) are missing: they need monthly data. Week and day data give
    months (a weekly count falls in the month its week starts in).

    ``signals=False`` leaves out the trend and alarm indicators (and their old names): for callers
    that read only counts, such as the evaluation's pooled comparison, it saves fitting their models.
    ``trend_at`` (``YYYY-MM``): of the signals only the trend of the window ending that month
    (``trend_change_per_year`` with its interval, ``trend_p_value``; ``metrics.signals.trend_at``),
    the same values as the full computation gives that month, for one fit per region; for reading
    many regions' trend in one month.

    Filters: ``event_types`` (ACLED types kept), ``min_fatalities`` (incidents with at least that
    many deaths), ``countries`` (ISO3 kept). ``incidents`` may be the raw table or its
    ``metrics.cube.IncidentCube`` (same results, much faster on large archives).
    """
    start_p, end_p = parse_period(start), parse_period(end)
    members = region_members(regions)
    if countries is not None:
        members = members.loc[members["iso3"].isin(list(countries))]
    isos = sorted(members["iso3"].unique())
    if coverage is not None and not isinstance(incidents, IncidentCube):
        incidents = _counted(incidents, coverage)
    if isinstance(incidents, IncidentCube):  # country × month grids straight from the cube
        found, counts, found_ever = cube_country_grids(
            incidents, isos, event_types=event_types, min_fatalities=min_fatalities
        )
        span = incidents.span
    else:
        own = pd.DataFrame({"region": isos, "iso3": isos})  # one "region" per country
        monthly, per_country, span = monthly_counts(
            incidents, own, event_types=event_types, min_fatalities=min_fatalities, countries=countries
        )
    if coverage is None:  # the data's own coverage: the countries in them over their span
        present = _data_countries(incidents)
        cov = country_coverage(
            None,
            isos,
            data_span=span,
            present=present["iso3"],
            grains=dict(zip(present["iso3"], present["grain"], strict=True)),
        )
    else:
        cov = country_coverage(coverage, isos)
    if cov is None:
        return tidy(pd.DataFrame(), "conflict", INDICATORS)
    ci = pd.Index(cov.countries)
    if isinstance(incidents, IncidentCube):
        rows = ci.get_indexer(found)  # the cube's countries in the coverage's rows
        cols = month_ordinals(cov.months) - incidents.first_month  # the coverage's months in the cube's
        take_r, take_c = np.flatnonzero(rows >= 0), np.flatnonzero((cols >= 0) & (cols < incidents.n_months))

        def grid(column: str) -> np.ndarray:
            out = np.zeros(cov.mask.shape)
            out[np.ix_(rows[take_r], take_c)] = counts[column][np.ix_(take_r, cols[take_c])]
            return np.where(cov.mask, out, 0.0)

        ever_c = np.zeros(len(cov.countries))
        ever_c[rows[take_r]] = found_ever[take_r]
    else:
        c_row = ci.get_indexer(monthly["region"])
        m_col = pd.Index(cov.months).get_indexer(monthly["period"])
        inside = (c_row >= 0) & (m_col >= 0)

        def grid(column: str) -> np.ndarray:
            out = np.zeros(cov.mask.shape)
            out[c_row[inside], m_col[inside]] = monthly[column].to_numpy(dtype=float)[inside]
            return np.where(cov.mask, out, 0.0)

        ever_c = (
            per_country.set_index("region")["admin_ever"].reindex(cov.countries).fillna(0).to_numpy(float)
        )
    grids = {k: grid(k) for k in ("incidents", "fatalities", "civ", "civ_known", "admin_active")}
    names = np.asarray(sorted(members["region"].unique()), dtype=object)
    membership = np.zeros((len(names), len(cov.countries)), dtype=bool)
    membership[pd.Index(names).get_indexer(members["region"]), ci.get_indexer(members["iso3"])] = True
    covered_ever = (membership.astype(float) @ cov.mask.any(axis=1).astype(float)) > 0
    yearly = (membership.astype(float) @ (cov.grain == "year").astype(float)) > 0
    frames = []
    for pick, is_year in ((covered_ever & ~yearly, False), (covered_ever & yearly, True)):
        if not pick.any():
            continue
        frames.append(
            _region_frame(
                names[pick],
                membership[pick],
                cov,
                grids,
                ever_c,
                yearly=is_year,
                population=population,
                min_covered_share=min_covered_share,
                window=window,
                trend_window=trend_window,
                alpha=alpha,
                signals=signals,
                trend_at=trend_at,
            )
        )
    if not frames:
        return tidy(pd.DataFrame(), "conflict", INDICATORS)
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    frame = clip_periods(frame, start_p, end_p)
    return finish(frame, presorted=len(frames) == 1 and start_p is None and end_p is None)


#: Indicators computed over a trailing window (missing where the window is not computable).
_WINDOWED = ("incidents_rolling_12m", "incidents_yoy_change")
#: The signals (``metrics.signals``): they handle missing periods and coverage changes themselves.
_SIGNALS = (
    "downward_trend",
    "trend_change_per_year",
    "trend_p_value",
    "alarm",
    "alarm_upper_limit",
    "sustained_decline",
    "spike",
)


def _region_frame(
    names: np.ndarray,
    membership: np.ndarray,
    cov: CountryCoverage,
    grids: dict[str, np.ndarray],
    ever_c: np.ndarray,
    *,
    yearly: bool,
    population: pd.DataFrame | None,
    min_covered_share: float,
    window: int,
    trend_window: int | None,
    alpha: float,
    signals: bool = True,
    trend_at: str | None = None,
) -> pd.DataFrame:
    """The tidy rows of regions ``names`` (all at one grain); see ``conflict_indicators``."""
    periods, mask = cov.months, cov.mask
    if yearly:
        periods, mask = to_years(cov.mask, cov.months, how="any")
        grids = {k: to_years(v, cov.months)[1] for k, v in grids.items()}
    m = membership.astype(float)
    count, share = covered_share(
        membership, mask, population_weights_kept(population, cov.countries, periods)
    )
    ok = (count > 0) & (share >= min_covered_share)
    region = {k: m @ v for k, v in grids.items()}
    ever = m @ ever_c
    values = _indicator_grids(
        np.where(ok, region["incidents"], np.nan),  # a period not covered is missing, never 0
        region["fatalities"],
        region["civ"],
        region["civ_known"],
        region["admin_active"],
        ever,
        window,
        trend_window,
        alpha,
        periods_per_year=1 if yearly else 12,
        covered=np.where(ok, count, np.nan),
        signals=signals,
        trend_column=None if trend_at is None else _column(periods, trend_at),
    )
    nan = np.full(ok.shape, np.nan)
    low, high = values.pop("trend_ci_low", nan), values.pop("trend_ci_high", nan)
    lengths = {"incidents_rolling_12m": window, "incidents_yoy_change": 13}
    for name in values:
        if name in _SIGNALS:
            if yearly:  # monthly-only: a yearly series says "needs monthly data"
                values[name] = np.full(ok.shape, np.nan)
            continue
        if name in _WINDOWED:
            if yearly:
                values[name] = np.full(ok.shape, np.nan)
                continue
            n_ok = lengths[name]
            full = _trailing_all(ok, n_ok) & stable_windows(membership, mask, n_ok)
            values[name] = np.where(full, values[name], np.nan)
        else:
            values[name] = np.where(ok, values[name], np.nan)
    values["covered_members"] = count
    bounds = {}
    if "trend_change_per_year" in values:
        known = np.isfinite(values["trend_change_per_year"])
        bounds["trend_change_per_year"] = (np.where(known, low, np.nan), np.where(known, high, np.nan))
    order = sorted(values)
    stacked = np.stack([values[k] for k in order], axis=1)  # (regions, indicators, periods)
    lows = np.stack([bounds[k][0] if k in bounds else nan for k in order], axis=1)
    highs = np.stack([bounds[k][1] if k in bounds else nan for k in order], axis=1)
    r, i, p = stacked.shape
    return pd.DataFrame(
        {
            "region": text_column(names, np.repeat(np.arange(r), i * p)),
            "period": text_column(periods, np.tile(np.arange(p), r * i)),
            "family": text_column(["conflict"], np.zeros(r * i * p, dtype=np.int32)),
            "indicator": text_column(order, np.tile(np.repeat(np.arange(i), p), r)),
            "value": stacked.reshape(-1),
            "ci_low": lows.reshape(-1),
            "ci_high": highs.reshape(-1),
            "covered_share": np.repeat(share, i, axis=0).reshape(-1),
        }
    )


def _column(periods: Sequence[str], period: str) -> int:
    """Position of ``period`` among ``periods`` (−1 when absent)."""
    labels = [str(p) for p in periods]
    return labels.index(period) if period in labels else -1


def _trailing_all(ok: np.ndarray, window: int) -> np.ndarray:
    """True where the ``window`` columns ending at each column exist and are all ``ok``."""
    out = np.zeros(ok.shape, dtype=bool)
    if ok.shape[1] >= window:
        out[:, window - 1 :] = sliding_window_view(ok, window, axis=1).all(axis=2)
    return out


def _trailing_mean(x: np.ndarray, window: int) -> np.ndarray:
    """Mean over the ``window`` columns ending at each column (NaN until ``window`` exist)."""
    out = np.full(x.shape, np.nan)
    if x.shape[1] >= window:
        out[:, window - 1 :] = sliding_window_view(x, window, axis=1).mean(axis=2)
    return out


def _indicator_grids(
    n: np.ndarray,
    f: np.ndarray,
    civ: np.ndarray,
    known: np.ndarray,
    active: np.ndarray,
    ever: np.ndarray,
    window: int,
    trend_window: int | None,
    alpha: float,
    periods_per_year: int = 12,
    covered: np.ndarray | None = None,
    signals: bool = True,
    trend_column: int | None = None,
) -> dict[str, np.ndarray]:
    """Every conflict indicator as a regions × months grid (see ``conflict_indicators``).

    ``periods_per_year`` (12, or 1 for yearly series) and ``covered`` (covered member countries per
    region and period) go to ``metrics.signals.signal_grids``: windows with a missing period or a
    change of coverage are not computable, and yearly series have no alarm. ``signals=False``: the
    grids without the signals; ``trend_column``: of the signals only the trend in that column
    (``metrics.signals.trend_at``; −1: none)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        per_incident = np.where(n > 0, f / np.where(n > 0, n, 1), np.nan)
        civ_share = np.where(known > 0, civ / np.where(known > 0, known, 1), np.nan)
        diffusion = np.where(ever[:, None] > 0, active / np.where(ever > 0, ever, 1)[:, None], np.nan)
        prev = np.full(n.shape, np.nan)
        prev[:, 12:] = n[:, :-12]
        yoy = np.where(prev > 0, (n - prev) / np.where(prev > 0, prev, 1), np.nan)
    if not signals:
        fitted: dict[str, np.ndarray] = {}
    elif trend_column is not None:
        fitted = one_window_trend(
            n, trend_column, periods_per_year=periods_per_year, window=trend_window, covered=covered
        )
    else:
        fitted = signal_grids(
            n, periods_per_year=periods_per_year, covered=covered, trend_window=trend_window, alpha=alpha
        )
    return {
        "incidents": n,
        "fatalities": f,
        "fatalities_per_incident": per_incident,
        "civilian_targeting_share": civ_share,
        "diffusion": diffusion,
        "incidents_rolling_12m": _trailing_mean(n, window),
        "incidents_yoy_change": yoy,
        **fitted,
    }
