"""Public security-perception indicators per region and survey wave.

Input: the ``perception`` table and the ``regions`` membership table. Only national values (empty
``breakdown``) enter a regional figure; breakdowns are never summed into a national value. Output:
the tidy grain with ``family = "perception"``; ``period`` is the wave's month (``YYYY-MM``) or, for
annual sources whose waves carry only a year (``wave_date`` on 1 January with ``period_grain``
"year": WGI, SDG 16.1.4), the year (``YYYY``).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from metrics.frames import TableLike, clip_periods, finish, parse_period, region_members, tidy
from metrics.intervals import Z95, intervals, wilson

COVERAGE_END = "coverage_end"


DERIVED_SUFFIXES: tuple[str, ...] = ("_change_significant", "_change", "_sample_size")


def measured_indicators(names: Iterable[str]) -> list[str]:
    """The measured indicators among tidy perception indicator names (sorted): not the derived
    ``<j>_change``, ``<j>_change_significant``, ``<j>_sample_size`` nor ``coverage_end``."""
    return sorted({str(n) for n in names if str(n) != COVERAGE_END and not str(n).endswith(DERIVED_SUFFIXES)})


def _pool(joined: pd.DataFrame, min_countries: int) -> pd.DataFrame:
    """Regional estimate of each (region, indicator, period) from its member countries' national values.

    Columns out: ``region, indicator, period, value, lo, hi, n`` (see ``perception_indicators``).
    """
    j = joined.assign(
        is_share=(joined["scale"].fillna("share") == "share"),
        n_=pd.to_numeric(joined["sample_size"], errors="coerce"),
    )
    j["np_"] = j["n_"] * j["value"]
    j["se2"] = ((j["ci_high_r"] - j["ci_low_r"]) / (2 * Z95)) ** 2
    g = j.groupby(["region", "indicator", "period"], sort=True)
    agg = g.agg(
        k=("iso3", "nunique"),
        rows=("value", "size"),
        mean=("value", "mean"),
        first=("value", "first"),
        first_lo=("ci_low_r", "first"),
        first_hi=("ci_high_r", "first"),
        share=("is_share", "all"),
        n_known=("n_", "count"),
        n_sum=("n_", "sum"),
        np_sum=("np_", "sum"),
        se_known=("se2", "count"),
        se2_sum=("se2", "sum"),
    ).reset_index()
    single = (agg["k"] == 1) & (agg["rows"] == 1)
    pooled = ~single & agg["share"] & (agg["n_known"] == agg["rows"])
    by_se = ~single & ~pooled & (agg["se_known"] == agg["rows"])
    value = np.where(
        single, agg["first"], np.where(pooled, agg["np_sum"] / agg["n_sum"].where(pooled, 1), agg["mean"])
    )
    w_lo, w_hi = wilson(value, np.where(pooled, agg["n_sum"], np.nan))
    half = Z95 * np.sqrt(agg["se2_sum"]) / agg["rows"]
    lo = np.where(single, agg["first_lo"], np.where(pooled, w_lo, np.where(by_se, value - half, np.nan)))
    hi = np.where(single, agg["first_hi"], np.where(pooled, w_hi, np.where(by_se, value + half, np.nan)))
    n = np.where(agg["n_known"] == agg["rows"], agg["n_sum"], np.nan)
    enough = agg["k"] >= min_countries
    out = agg[["region", "indicator", "period"]].assign(value=value, lo=lo, hi=hi, n=n)
    return out.loc[enough.to_numpy()]


def perception_indicators(
    perception: TableLike,
    regions: pd.DataFrame,
    *,
    start: str | None = None,
    end: str | None = None,
    min_countries: int = 1,
) -> pd.DataFrame:
    """Perception indicators per region and wave (tidy).

    For region r, indicator j and wave w, over member countries i with a national value p_i:

    - ``<j>`` (e.g. ``feel_safe``, share 0–1): when every country gives its sample size n_i and the
      scale is a share, the sample-size-weighted mean p̄ = Σ n_i p_i / Σ n_i with the Wilson 95 %
      interval of the pooled sample N = Σ n_i. Otherwise the unweighted mean of the p_i, with
      ± 1.96 × √(Σ se_i²)/k where every country has an interval (se_i from the interval rule),
      else no interval. A single country keeps its own interval (``metrics.intervals``).
    - ``<j>_sample_size``: N, the respondents behind the regional value (empty when unknown).
    - ``<j>_change`` = p̄_w − p̄_{w−1}, the change since the region's previous wave of that
      indicator (share points), with the interval ± 1.96 × √(se_w² + se_{w−1}²).
    - ``<j>_change_significant`` = 1 when that interval excludes 0, else 0 (empty without intervals).

    - ``coverage_end`` = 1 in the region's latest period with a value of any indicator: the last
      period the loaded perception sources cover for it. This row is kept whatever the period asked
      for, so a chart can say where its data end.

    ``min_countries``: the least number of member countries that must report for a regional value.
    Countries reporting in different waves make the regional mean's composition differ between waves.
    A distribution across answer categories is stored as ``feel_safe_distribution_<category>``
    and a share who feel unsafe as ``feel_unsafe``: each is pooled like any share, and neither ever
    enters ``feel_safe``.
    """
    start_p, end_p = parse_period(start), parse_period(end)
    frame = perception.to_pandas() if not isinstance(perception, pd.DataFrame) else perception.copy()
    if frame.empty:
        return tidy(pd.DataFrame(), "perception", [])
    for c in ("scale", "breakdown", "sample_size", "std_error", "ci_low", "ci_high"):
        if c not in frame:
            frame[c] = np.nan if c not in ("scale", "breakdown") else None
    national = frame.loc[
        frame["breakdown"].isna() | (frame["breakdown"].astype(str).str.strip() == "")
    ].copy()
    iv = intervals(national)
    national["ci_low_r"] = iv["ci_low"].to_numpy()
    national["ci_high_r"] = iv["ci_high"].to_numpy()
    national["period"] = pd.to_datetime(national["wave_date"]).dt.strftime("%Y-%m")
    if "period_grain" in national:
        annual = national["period_grain"] == "year"
        national.loc[annual, "period"] = national.loc[annual, "period"].str.slice(0, 4)
    joined = national.merge(region_members(regions), on="iso3")
    if joined.empty:
        return tidy(pd.DataFrame(), "perception", [])
    pooled = _pool(joined, min_countries)
    pooled = pooled.loc[pooled["value"].notna()].sort_values(["region", "indicator", "period"])
    rows = []
    for (region, ind), g in pooled.groupby(["region", "indicator"], sort=True):
        g = g.reset_index(drop=True)
        se = (g["hi"] - g["lo"]) / (2 * Z95)
        change = g["value"].diff()
        half = Z95 * np.sqrt(se**2 + se.shift(1) ** 2)
        lo, hi = change - half, change + half
        sig = np.where(lo.isna(), np.nan, ((lo > 0) | (hi < 0)).astype(float))
        base = {"region": region, "period": g["period"]}
        rows.append(
            pd.DataFrame(
                {**base, "indicator": ind, "value": g["value"], "ci_low": g["lo"], "ci_high": g["hi"]}
            )
        )
        rows.append(
            pd.DataFrame(
                {
                    **base,
                    "indicator": f"{ind}_sample_size",
                    "value": g["n"],
                    "ci_low": np.nan,
                    "ci_high": np.nan,
                }
            )
        )
        rows.append(
            pd.DataFrame(
                {**base, "indicator": f"{ind}_change", "value": change, "ci_low": lo, "ci_high": hi}
            ).iloc[1:]
        )
        rows.append(
            pd.DataFrame(
                {
                    **base,
                    "indicator": f"{ind}_change_significant",
                    "value": sig,
                    "ci_low": np.nan,
                    "ci_high": np.nan,
                }
            ).iloc[1:]
        )
    if not rows:
        return tidy(pd.DataFrame(), "perception", [])
    out = pd.concat(rows, ignore_index=True)
    out = clip_periods(out, start_p, end_p)
    ends = pooled.groupby("region")["period"].agg(lambda p: max(p, key=_end_key))
    cov = pd.DataFrame(
        {"region": ends.index, "period": ends.to_numpy(), "indicator": COVERAGE_END, "value": 1.0}
    ).assign(ci_low=np.nan, ci_high=np.nan)
    out = pd.concat([out, cov], ignore_index=True)
    out["family"] = "perception"
    return finish(out)


def _end_key(label: str) -> tuple[int, int]:
    """Order periods by their last month: ``2010`` ends with December 2010, after ``2010-11``."""
    return (int(label[:4]), int(label[5:7]) if len(label) == 7 else 12)
