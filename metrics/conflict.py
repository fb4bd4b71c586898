"""Conflict-incident indicators per region and month.

Input: the ``incidents`` table (Arrow or pandas) and the ``regions`` membership table. Output: the
tidy grain ``region, period, family, indicator, value, ci_low, ci_high`` with ``family = "conflict"``.

A region has rows for every month of the incident data's span (the first to the last month of the
loaded incidents) once it has at least one incident in that data; months without incidents are
present with 0 incidents, because the data's coverage says nothing happened there. Trailing
statistics (rolling mean, year-on-year change, trend, spike) use the months before ``start`` when
the data has them, then the output is clipped to ``[start, end]``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from metrics.frames import TableLike, clip_periods, month_range, parse_period, query, region_members, tidy
from metrics.trend import mann_kendall_windows, sen_slope_windows

INDICATORS: tuple[str, ...] = (
    "incidents",
    "fatalities",
    "fatalities_per_incident",
    "civilian_targeting_share",
    "diffusion",
    "incidents_rolling_12m",
    "incidents_yoy_change",
    "trend_slope",
    "trend_p_value",
    "sustained_decline",
    "spike",
)

_MONTHLY_SQL = """
WITH f AS (
    SELECT r.region, i.iso3, i.admin1, i.fatalities, i.civilian_targeting, i.event_date
    FROM incidents AS i JOIN members AS r ON i.iso3 = r.iso3
    WHERE ($types IS NULL OR list_contains($types, i.event_type))
      AND i.fatalities >= $min_fatalities
      AND ($countries IS NULL OR list_contains($countries, i.iso3))
)
SELECT region,
       strftime(event_date, '%Y-%m') AS period,
       count(*) AS incidents,
       sum(fatalities) AS fatalities,
       sum(CASE WHEN civilian_targeting THEN 1 ELSE 0 END) AS civ,
       count(civilian_targeting) AS civ_known,
       count(DISTINCT CASE WHEN admin1 IS NOT NULL AND admin1 <> '' THEN iso3 || '|' || admin1 END)
           AS admin_active
FROM f GROUP BY ALL
UNION ALL
SELECT region, NULL AS period, count(*), NULL, NULL, NULL,
       count(DISTINCT CASE WHEN admin1 IS NOT NULL AND admin1 <> '' THEN iso3 || '|' || admin1 END)
FROM f GROUP BY region
"""

_SPAN_SQL = (
    "SELECT strftime(min(event_date), '%Y-%m') AS first, strftime(max(event_date), '%Y-%m') AS last "
    "FROM incidents"
)


def monthly_counts(
    incidents: TableLike,
    regions: pd.DataFrame,
    *,
    event_types: Sequence[str] | None = None,
    min_fatalities: int = 0,
    countries: Sequence[str] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, tuple[str, str] | None]:
    """Aggregate incidents to region × month (DuckDB).

    Returns ``(monthly, per_region, span)``: ``monthly`` has ``region, period, incidents, fatalities,
    civ, civ_known, admin_active``; ``per_region`` has ``region, admin_ever`` (distinct admin1 that
    ever had an incident in the filtered data); ``span`` is the data's first and last month, or None.
    """
    params = {
        "types": list(event_types) if event_types is not None else None,
        "min_fatalities": int(min_fatalities),
        "countries": list(countries) if countries is not None else None,
    }
    members = region_members(regions)
    out = query(_MONTHLY_SQL, params, incidents=incidents, members=members)
    span_row = query(_SPAN_SQL, incidents=incidents)
    span = None
    if len(span_row) and pd.notna(span_row.loc[0, "first"]):
        span = (str(span_row.loc[0, "first"]), str(span_row.loc[0, "last"]))
    per_region = out.loc[out["period"].isna(), ["region", "admin_active"]].rename(
        columns={"admin_active": "admin_ever"}
    )
    monthly = out.loc[out["period"].notna()].reset_index(drop=True)
    return monthly, per_region.reset_index(drop=True), span


def conflict_indicators(
    incidents: TableLike,
    regions: pd.DataFrame,
    *,
    start: str | None = None,
    end: str | None = None,
    event_types: Sequence[str] | None = None,
    min_fatalities: int = 0,
    countries: Sequence[str] | None = None,
    window: int = 12,
    trend_window: int = 12,
    alpha: float = 0.05,
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
    - ``trend_slope`` = Sen's slope of N over the ``trend_window`` months ending at t (incidents per
      month, per month); ``trend_p_value`` = two-sided Mann–Kendall p over the same window.
    - ``sustained_decline`` = 1 when trend_slope < 0 and trend_p_value < ``alpha``, else 0.
    - ``spike`` = 1 when N_t > mean + 2·SD (sample SD) of N over the 12 months before t, else 0
      (empty until 12 earlier months exist).

    Filters: ``event_types`` (ACLED types kept), ``min_fatalities`` (incidents with at least that
    many deaths), ``countries`` (ISO3 kept). Months are ``YYYY-MM``.
    """
    start_p, end_p = parse_period(start), parse_period(end)
    monthly, per_region, span = monthly_counts(
        incidents, regions, event_types=event_types, min_fatalities=min_fatalities, countries=countries
    )
    if span is None or monthly.empty:
        return tidy(pd.DataFrame(), "conflict", INDICATORS)
    months = month_range(pd.Period(span[0], "M"), pd.Period(span[1], "M")).astype(str)
    ever = per_region.set_index("region")["admin_ever"]
    frames = []
    for region, grp in monthly.groupby("region", sort=True):
        g = grp.set_index("period").reindex(months)
        n = g["incidents"].fillna(0).to_numpy(dtype=float)
        f = g["fatalities"].fillna(0).to_numpy(dtype=float)
        civ = g["civ"].fillna(0).to_numpy(dtype=float)
        known = g["civ_known"].fillna(0).to_numpy(dtype=float)
        active = g["admin_active"].fillna(0).to_numpy(dtype=float)
        admin_ever = float(ever.get(region, 0) or 0)
        frames.append(
            _region_frame(
                str(region), months, n, f, civ, known, active, admin_ever, window, trend_window, alpha
            )
        )
    wide = pd.concat(frames, ignore_index=True)
    wide = clip_periods(wide, start_p, end_p)
    return tidy(wide, "conflict", INDICATORS)


def _region_frame(
    region: str,
    months: pd.Index,
    n: np.ndarray,
    f: np.ndarray,
    civ: np.ndarray,
    known: np.ndarray,
    active: np.ndarray,
    admin_ever: float,
    window: int,
    trend_window: int,
    alpha: float,
) -> pd.DataFrame:
    series = pd.Series(n)
    with np.errstate(invalid="ignore", divide="ignore"):
        per_incident = np.where(n > 0, f / np.where(n > 0, n, 1), np.nan)
        civ_share = np.where(known > 0, civ / np.where(known > 0, known, 1), np.nan)
        diffusion = active / admin_ever if admin_ever > 0 else np.full(n.shape, np.nan)
        prev = series.shift(12).to_numpy()
        yoy = np.where(prev > 0, (n - prev) / np.where(prev > 0, prev, 1), np.nan)
    rolling = series.rolling(window, min_periods=window).mean().to_numpy()
    slope = sen_slope_windows(n, trend_window)
    _, p = mann_kendall_windows(n, trend_window)
    decline = np.where(np.isnan(slope) | np.isnan(p), np.nan, ((slope < 0) & (p < alpha)).astype(float))
    before = series.shift(1).rolling(12, min_periods=12)
    threshold = (before.mean() + 2 * before.std(ddof=1)).to_numpy()
    spike = np.where(np.isnan(threshold), np.nan, (n > threshold).astype(float))
    return pd.DataFrame(
        {
            "region": region,
            "period": np.asarray(months),
            "incidents": n,
            "fatalities": f,
            "fatalities_per_incident": per_incident,
            "civilian_targeting_share": civ_share,
            "diffusion": diffusion,
            "incidents_rolling_12m": rolling,
            "incidents_yoy_change": yoy,
            "trend_slope": slope,
            "trend_p_value": p,
            "sustained_decline": decline,
            "spike": spike,
        }
    )
