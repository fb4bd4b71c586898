"""The composite regional stability index (0–100) from the three indicator families.

Input: the tidy outputs of ``conflict_indicators``, ``collaboration_indicators`` and
``perception_indicators`` for the same regions, computed over the whole data (not clipped), plus the
regions table for member counts. Output: the tidy grain with ``family = "composite"`` per region and
month of the reference period ``[start, end]``.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from datasets.schema import TIDY_COLUMNS
from metrics.frames import clip_periods, finish, month_range, parse_period, region_members

FAMILY_NAMES: tuple[str, ...] = ("conflict", "collaboration", "perception")
DEFAULT_WEIGHTS: dict[str, float] = {"conflict": 1 / 3, "collaboration": 1 / 3, "perception": 1 / 3}
PERCEPTION_SHARES: tuple[str, ...] = ("feel_safe", "trust_military", "confidence_alliances")
#: Perception measures the composite reads; all point the same way (higher = more secure).
PERCEPTION_MEASURES: tuple[str, ...] = (*PERCEPTION_SHARES, "political_stability")
INDICATORS: tuple[str, ...] = (
    "stability_index",
    "score_conflict",
    "score_collaboration",
    "score_perception",
    "coverage",
    "coverage_conflict",
    "coverage_collaboration",
    "coverage_perception",
)


def _wide(frame: pd.DataFrame, indicators: list[str], *, annual_month: str | None = None) -> pd.DataFrame:
    """``region, period`` × indicator values for monthly periods; with ``annual_month`` (e.g.
    "07"), a ``YYYY`` period counts as that month of its year (monthly rows win a tie)."""
    sub = frame.loc[frame["indicator"].isin(indicators)]
    per = sub["period"].astype(str)
    if annual_month is None:
        sub = sub.loc[per.str.len() == 7]
    else:
        sub = sub.assign(period=per.where(per.str.len() == 7, per + f"-{annual_month}"))
        sub = sub.assign(_annual=(per.str.len() == 4).to_numpy()).sort_values("_annual", kind="stable")
    return sub.pivot_table(index=["region", "period"], columns="indicator", values="value", aggfunc="first")


def _minmax(values: pd.Series) -> pd.Series:
    """100 × (x − min) / (max − min) over all regions and months given; empty when max = min."""
    lo, hi = values.min(), values.max()
    if not np.isfinite(lo) or not np.isfinite(hi) or hi == lo:
        return pd.Series(np.nan, index=values.index)
    return 100 * (values - lo) / (hi - lo)


def composite_indicators(
    conflict: pd.DataFrame,
    collaboration: pd.DataFrame,
    perception: pd.DataFrame,
    regions: pd.DataFrame,
    *,
    weights: Mapping[str, float] | None = None,
    start: str | None = None,
    end: str | None = None,
    perception_max_age: int = 36,
    min_families: int = 2,
) -> pd.DataFrame:
    """Stability index per region and month (tidy), 0 = least stable, 100 = most stable.

    Family raw measures for region r (m members) in month t:

    - conflict: C1 = incidents_rolling_12m / m and C2 = (12-month trailing mean of fatalities) / m
      (incidents and deaths per member country per month);
    - collaboration: network_density (share of member pairs tied in the trailing 12 months);
    - perception: each share indicator (feel_safe, trust_military, confidence_alliances) and the
      WGI ``political_stability`` index, from the region's latest wave no older than
      ``perception_max_age`` months (older waves: missing); an annual value (period ``YYYY``)
      counts from July of its year.

    Each raw measure x is min–max normalised over all regions and months of the reference period:
    s(x) = 100 (x − min) / (max − min). Family scores: conflict = 100 − mean(s(C1), s(C2)) (more
    conflict → less stable); collaboration = s(density); perception = mean of s over its available
    indicators (each normalised on its own scale, all higher = more secure).
    ``stability_index`` = Σ_f w_f·score_f / Σ_f w_f over the families with data in that month,
    reported only when at least ``min_families`` families with positive weight have data; a
    missing family is never read as zero. ``coverage`` = Σ w_f over families with data ÷ Σ w_f
    (share of the weight backed by data); ``coverage_conflict``, ``coverage_collaboration`` and
    ``coverage_perception`` = 1 when that family had data in the month, else 0. ``score_conflict``,
    ``score_collaboration`` and ``score_perception`` are the family scores above (0–100).
    Weights default to equal thirds; negative weights are refused.
    """
    w = dict(DEFAULT_WEIGHTS if weights is None else weights)
    for fam in FAMILY_NAMES:
        w.setdefault(fam, 0.0)
        if w[fam] < 0:
            raise ValueError(f"weight of {fam} must not be negative")
    if sum(w[f] for f in FAMILY_NAMES) <= 0:
        raise ValueError("at least one family weight must be positive")
    start_p, end_p = parse_period(start), parse_period(end)
    members = region_members(regions).groupby("region")["iso3"].nunique()

    if len(conflict):  # yearly conflict series (period YYYY) have no monthly rolling mean to use
        conflict = conflict.loc[conflict["period"].astype(str).str.len() == 7]
    cw = (
        # reindex: a column whose values are all missing (e.g. under 12 months of data) is still there
        _wide(conflict, ["incidents_rolling_12m", "fatalities"]).reindex(
            columns=["incidents_rolling_12m", "fatalities"]
        )
        if len(conflict)
        else pd.DataFrame()
    )
    raw = pd.DataFrame()
    if len(cw):
        cw = cw.reset_index().sort_values(["region", "period"])
        m = cw["region"].map(members).astype(float)
        cw["c1"] = cw["incidents_rolling_12m"] / m
        cw["c2"] = (
            cw.groupby("region")["fatalities"].transform(lambda s: s.rolling(12, min_periods=12).mean()) / m
        )
        raw = cw[["region", "period", "c1", "c2"]]
    kw = _wide(collaboration, ["network_density"]) if len(collaboration) else pd.DataFrame()
    if len(kw):
        kw = kw.reset_index()[["region", "period", "network_density"]]
        raw = kw if raw.empty else raw.merge(kw, on=["region", "period"], how="outer")
    pw = (
        _wide(perception, list(PERCEPTION_MEASURES), annual_month="07") if len(perception) else pd.DataFrame()
    )
    if raw.empty:
        return finish(pd.DataFrame(columns=list(TIDY_COLUMNS)))
    if len(pw):
        pw = pw.reset_index()
        first = min(raw["period"].min(), pw["period"].min())
        last = raw["period"].max()
        months = month_range(pd.Period(first, "M"), pd.Period(last, "M")).astype(str)
        filled = []
        for region, g in pw.groupby("region"):
            g = g.set_index("period").reindex(months)
            g = g.drop(columns="region").ffill(limit=perception_max_age - 1)
            g["region"] = region
            filled.append(g.reset_index(names="period"))
        pw = pd.concat(filled, ignore_index=True)
        cols = [c for c in PERCEPTION_MEASURES if c in pw]
        raw = raw.merge(pw[["region", "period", *cols]], on=["region", "period"], how="left")
    raw = clip_periods(raw, start_p, end_p).reset_index(drop=True)
    scores = pd.DataFrame({"region": raw["region"], "period": raw["period"]})
    if "c1" in raw:
        scores["score_conflict"] = 100 - pd.concat([_minmax(raw["c1"]), _minmax(raw["c2"])], axis=1).mean(
            axis=1, skipna=False
        )
    else:
        scores["score_conflict"] = np.nan
    scores["score_collaboration"] = _minmax(raw["network_density"]) if "network_density" in raw else np.nan
    pcols = [c for c in PERCEPTION_MEASURES if c in raw]
    if pcols:
        scores["score_perception"] = pd.concat([_minmax(raw[c]) for c in pcols], axis=1).mean(axis=1)
    else:
        scores["score_perception"] = np.nan
    total_w = sum(w[f] for f in FAMILY_NAMES)
    num = np.zeros(len(scores))
    den = np.zeros(len(scores))
    count = np.zeros(len(scores))
    for fam in FAMILY_NAMES:
        s = scores[f"score_{fam}"].to_numpy(dtype=float)
        has = np.isfinite(s)
        scores[f"coverage_{fam}"] = has.astype(float)
        num += np.where(has, w[fam] * np.nan_to_num(s), 0.0)
        den += np.where(has, w[fam], 0.0)
        count += (has & (w[fam] > 0)).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        scores["stability_index"] = np.where((count >= min_families) & (den > 0), num / den, np.nan)
    scores["coverage"] = den / total_w
    long = scores.melt(id_vars=["region", "period"], value_vars=list(INDICATORS), var_name="indicator")
    long["family"] = "composite"
    long["ci_low"] = np.nan
    long["ci_high"] = np.nan
    return finish(long)
