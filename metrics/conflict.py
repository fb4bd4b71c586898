"""Conflict-incident indicators per region and month.

Input: the ``incidents`` table (Arrow or pandas) and the ``regions`` membership table. Output: the
tidy grain ``region, period, family, indicator, value, ci_low, ci_high`` with ``family = "conflict"``.

A region has rows for every month of the incident data's span (the first to the last month of the
loaded incidents) once it has at least one incident in that data; months without incidents are
present with 0 incidents, because the data's coverage says nothing happened there. Trailing
statistics (rolling mean, year-on-year change, trend, alarm) use the months before ``start`` when
the data has them, then the output is clipped to ``[start, end]``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

from metrics.cube import IncidentCube, cube_monthly_counts
from metrics.frames import TableLike, finish, month_range, parse_period, query, region_members, tidy
from metrics.signals import TREND_ALPHA, signal_grids

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
)

_RAW_CELLS = """
    SELECT iso3, admin1, strftime(event_date, '%Y-%m') AS period, 1 AS n, fatalities AS f,
           CASE WHEN civilian_targeting THEN 1 ELSE 0 END AS civ,
           CASE WHEN civilian_targeting IS NULL THEN 0 ELSE 1 END AS known
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
    span_row = query(_SPAN_SQL, incidents=incidents)
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
) -> pd.DataFrame:
    """Conflict indicators per region and month (tidy).

    For region r and month t, with N_t incidents and F_t fatalities of the region's members:

    - ``incidents`` = N_t (count of incidents); ``fatalities`` = F_t (deaths).
    - ``fatalities_per_incident`` = F_t / N_t (deaths per incident; empty when N_t = 0).
    - ``civilian_targeting_share`` = incidents with civilian targeting / incidents where it is known
      (share 0–1; empty when none is known).
    - ``diffusion`` = distinct admin1 units with ≥ 1 incident in month t ÷ distinct admin1 units that
      ever had one in the region's (filtered) data (share 0–1).
    - ``incidents_rolling_12m`` = mean of N over the ``window`` months ending at t (incidents per
      month; empty until ``window`` months of data exist).
    - ``incidents_yoy_change`` = (N_t − N_{t−12}) / N_{t−12} (relative change; empty when N_{t−12} is
      0 or outside the data).
    - ``trend_change_per_year`` (relative change per year, 95 % interval in ``ci_low``/``ci_high``),
      ``trend_p_value`` and ``downward_trend`` (1/0) over the ``trend_window`` months ending at t
      (default 36), from the seasonal quasi-Poisson trend model with serial dependence allowed for;
      ``alarm`` (1/0) when N_t is above ``alarm_upper_limit``, the model's one-step upper prediction
      limit from the 36 months before t, and at least 5 (``metrics.signals``, formulas there).
    - ``sustained_decline`` and ``spike``: the old names of ``downward_trend`` and ``alarm``, kept as
      aliases (same values) for one release.

    Filters: ``event_types`` (ACLED types kept), ``min_fatalities`` (incidents with at least that
    many deaths), ``countries`` (ISO3 kept). Months are ``YYYY-MM``. ``incidents`` may be the raw
    table or its ``metrics.cube.IncidentCube`` (same results, much faster on large archives).
    """
    start_p, end_p = parse_period(start), parse_period(end)
    monthly, per_region, span = monthly_counts(
        incidents, regions, event_types=event_types, min_fatalities=min_fatalities, countries=countries
    )
    if span is None or monthly.empty:
        return tidy(pd.DataFrame(), "conflict", INDICATORS)
    months = np.asarray(month_range(pd.Period(span[0], "M"), pd.Period(span[1], "M")).astype(str))
    names = np.asarray(sorted(monthly["region"].unique()), dtype=object)
    ri = pd.Index(names).get_indexer(monthly["region"])
    mi = pd.Index(months).get_indexer(monthly["period"])

    def grid(column: str) -> np.ndarray:
        out = np.zeros((len(names), len(months)))
        out[ri, mi] = monthly[column].to_numpy(dtype=float)
        return out

    n, f = grid("incidents"), grid("fatalities")
    civ, known, active = grid("civ"), grid("civ_known"), grid("admin_active")
    ever = per_region.set_index("region")["admin_ever"].reindex(names).fillna(0).to_numpy(dtype=float)
    values = _indicator_grids(n, f, civ, known, active, ever, window, trend_window, alpha)
    bounds = {"trend_change_per_year": (values.pop("trend_ci_low"), values.pop("trend_ci_high"))}
    keep = np.ones(len(months), dtype=bool)
    if start_p is not None:
        keep &= months >= str(start_p)
    if end_p is not None:
        keep &= months <= str(end_p)
    months = months[keep]
    order = sorted(values)
    stacked = np.stack([values[k][:, keep] for k in order], axis=1)  # (regions, indicators, months)
    nan = np.full(stacked.shape[::2], np.nan)
    low = np.stack([bounds[k][0][:, keep] if k in bounds else nan for k in order], axis=1)
    high = np.stack([bounds[k][1][:, keep] if k in bounds else nan for k in order], axis=1)
    r, i, m = stacked.shape
    frame = pd.DataFrame(
        {
            "region": np.repeat(names, i * m),
            "period": np.tile(months, r * i).astype(object),
            "family": "conflict",
            "indicator": np.tile(np.repeat(np.asarray(order, dtype=object), m), r),
            "value": stacked.reshape(-1),
            "ci_low": low.reshape(-1),
            "ci_high": high.reshape(-1),
        }
    )
    return finish(frame, presorted=True)


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
) -> dict[str, np.ndarray]:
    """Every conflict indicator as a regions × months grid (see ``conflict_indicators``).

    ``periods_per_year`` (12, or 1 for yearly series) and ``covered`` (covered member countries per
    region and period) go to ``metrics.signals.signal_grids``: windows with a missing period or a
    change of coverage are not computable, and yearly series have no alarm."""
    with np.errstate(invalid="ignore", divide="ignore"):
        per_incident = np.where(n > 0, f / np.where(n > 0, n, 1), np.nan)
        civ_share = np.where(known > 0, civ / np.where(known > 0, known, 1), np.nan)
        diffusion = np.where(ever[:, None] > 0, active / np.where(ever > 0, ever, 1)[:, None], np.nan)
        prev = np.full(n.shape, np.nan)
        prev[:, 12:] = n[:, :-12]
        yoy = np.where(prev > 0, (n - prev) / np.where(prev > 0, prev, 1), np.nan)
    signals = signal_grids(
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
        **signals,
    }
