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
from scipy.stats import norm

from metrics.frames import TableLike, clip_periods, finish, parse_period, region_members, tidy
from metrics.intervals import Z95, intervals
from metrics.periods import end_key

COVERAGE_END = "coverage_end"


DERIVED_SUFFIXES: tuple[str, ...] = (
    "_change_significant",
    "_change",
    "_sample_size",
    "_countries_covered",
    "_population_covered",
)


def measured_indicators(names: Iterable[str]) -> list[str]:
    """The measured indicators among tidy perception indicator names (sorted): not the derived
    ``<j>_change``, ``<j>_change_significant``, ``<j>_sample_size``, ``<j>_countries_covered``,
    ``<j>_population_covered`` nor ``coverage_end``."""
    return sorted({str(n) for n in names if str(n) != COVERAGE_END and not str(n).endswith(DERIVED_SUFFIXES)})


def country_population(population: pd.DataFrame, carry_years: int = 3) -> dict[tuple[str, int], float]:
    """(iso3, year) → population, each country's latest figure carried forward ``carry_years`` years."""
    if population.empty:
        return {}
    wide = population.pivot_table(index="year", columns="iso3", values="population", aggfunc="first")
    years = np.arange(int(wide.index.min()), int(wide.index.max()) + carry_years + 1)
    long = wide.reindex(years).ffill(limit=carry_years).stack()
    year = long.index.get_level_values(0).to_numpy(dtype=np.int64).tolist()
    iso3 = [str(i) for i in long.index.get_level_values(1)]
    return dict(zip(zip(iso3, year, strict=True), long.to_numpy(dtype=float).tolist(), strict=True))


def _mean(values: np.ndarray, se: np.ndarray, weights: np.ndarray) -> tuple[float, float]:
    """Weighted mean and its standard error √Σ (w_i/Σw)² se_i² (NaN if an se is missing)."""
    w = weights / weights.sum()
    return float(np.dot(w, values)), float(np.sqrt(np.sum(w**2 * se**2)))


def _region_series(
    g: pd.DataFrame, region: str, ind: str, pop: dict[tuple[str, int], float], members: list[str], z: float
) -> list[dict[str, object]]:
    """Rows of one region and indicator, wave by wave (see ``perception_indicators``)."""
    out: list[dict[str, object]] = []
    g = g.drop_duplicates(["period", "iso3"]).sort_values(["period", "iso3"], kind="stable")
    period_col = g["period"].astype(str).to_numpy()
    cols = {c: g[c].to_numpy() for c in ("iso3", "value", "se", "is_share", "ci_low_r", "ci_high_r", "n_")}
    bounds = np.flatnonzero(np.r_[True, period_col[1:] != period_col[:-1], True])
    prev: dict[str, tuple[float, float]] | None = None
    for lo_i, hi_i in zip(bounds[:-1], bounds[1:], strict=True):
        period = period_col[lo_i]
        year = int(period[:4])
        iso = cols["iso3"][lo_i:hi_i]
        weights = np.array([pop.get((str(c), year), np.nan) for c in iso])
        keep = np.isfinite(weights)
        if not keep.any():
            prev = None
            continue
        iso, wts = iso[keep], weights[keep]
        vals = cols["value"][lo_i:hi_i][keep].astype(float)
        ses = cols["se"][lo_i:hi_i][keep].astype(float)
        value, se = _mean(vals, ses, wts)
        if len(iso) == 1 and bool(cols["is_share"][lo_i:hi_i][keep][0]):  # one country: its own interval
            lo = float(cols["ci_low_r"][lo_i:hi_i][keep][0])
            hi = float(cols["ci_high_r"][lo_i:hi_i][keep][0])
        else:
            lo, hi = value - z * se, value + z * se
        sizes = cols["n_"][lo_i:hi_i][keep].astype(float)
        n = float(sizes.sum()) if np.isfinite(sizes).all() else np.nan
        all_pop = sum(pop.get((c, year), 0.0) for c in members)
        base = {"region": region, "period": period}
        out += [
            {**base, "indicator": ind, "value": value, "ci_low": lo, "ci_high": hi, "k": len(iso)},
            {**base, "indicator": f"{ind}_sample_size", "value": n},
            {**base, "indicator": f"{ind}_countries_covered", "value": float(len(iso))},
            {**base, "indicator": f"{ind}_population_covered", "value": float(wts.sum() / all_pop)},
        ]
        now = {str(c): (float(v), float(e)) for c, v, e in zip(iso, vals, ses, strict=True)}
        if prev is not None:
            both = sorted(set(now) & set(prev))
            if both:
                w_now = np.array([pop[(c, year)] for c in both])
                v1, se1 = _mean(
                    np.array([now[c][0] for c in both]), np.array([now[c][1] for c in both]), w_now
                )
                v0, se0 = _mean(
                    np.array([prev[c][0] for c in both]), np.array([prev[c][1] for c in both]), w_now
                )
                change = v1 - v0
                half = z * float(np.sqrt(se1**2 + se0**2))
                sig = np.nan if np.isnan(half) else float(change - half > 0 or change + half < 0)
                out += [
                    {
                        **base,
                        "indicator": f"{ind}_change",
                        "value": change,
                        "ci_low": change - half,
                        "ci_high": change + half,
                    },
                    {**base, "indicator": f"{ind}_change_significant", "value": sig},
                ]
        prev = now
    return out


def perception_indicators(
    perception: TableLike,
    regions: pd.DataFrame,
    *,
    start: str | None = None,
    end: str | None = None,
    min_countries: int = 1,
    population: pd.DataFrame | None = None,
    index_level: float = 0.90,
) -> pd.DataFrame:
    """Perception indicators per region and wave (tidy).

    For region r, indicator j and wave w, over the member countries i with a national value p_i
    and a population P_i (World Bank ``SP.POP.TOTL`` of the wave's year; the latest figure is
    carried forward up to 3 years; a country without a figure, such as Taiwan, is left out):

    - ``<j>`` (e.g. ``feel_safe``, share 0–1) = Σ P_i p_i / Σ P_i, the population-weighted mean of
      the covered countries' national values: one estimand whatever the sample sizes given. Its
      interval: value ± z × √Σ (P_i/ΣP)² se_i², se_i from each country's interval
      (``metrics.intervals``: published, standard error or Wilson from the sample size); no
      interval when a country has none. z = 1.96 (95 %) for shares; for an index (WGI
      ``political_stability``) z for ``index_level``, 90 % by default as the World Bank publishes
      (0.95 selectable). A single country keeps its own share interval.
    - ``<j>_countries_covered`` = the number of member countries behind the value (countries);
      ``<j>_population_covered`` = their population ÷ the population of every member with a figure
      that year (share 0–1). One country of seventeen is shown as such, never as the region.
    - ``<j>_sample_size``: N = Σ n_i, the respondents behind the value (empty when one is unknown).
    - ``<j>_change`` = the change since the region's previous wave of that indicator, over the
      countries present in both waves only, both waves weighted by the populations of the later
      wave's year (share points, or index points), with the interval ± z × √(se_w² + se_{w−1}²)
      (independent samples); no row when no country is in both waves.
    - ``<j>_change_significant`` = 1 when that interval excludes 0, else 0 (empty without intervals).

    - ``coverage_end`` = 1 in the region's latest period with a value of any indicator: the last
      period the loaded perception sources cover for it. This row is kept whatever the period asked
      for, so a chart can say where its data end.

    ``min_countries``: the least number of covered member countries for a regional value.
    A distribution across answer categories is stored as ``feel_safe_distribution_<category>``
    and a share who feel unsafe as ``feel_unsafe``: each is pooled like any share, and neither ever
    enters ``feel_safe``.
    """
    start_p, end_p = parse_period(start), parse_period(end)
    frame = perception.to_pandas() if not isinstance(perception, pd.DataFrame) else perception.copy()
    if frame.empty:
        return tidy(pd.DataFrame(), "perception", [])
    if population is None:
        from datasets.loaders import load_population

        population = load_population()
    pop = country_population(population)
    z_index = float(norm.ppf(0.5 + index_level / 2))
    for c in ("scale", "breakdown", "sample_size", "std_error", "ci_low", "ci_high"):
        if c not in frame:
            frame[c] = np.nan if c not in ("scale", "breakdown") else None
    national = frame.loc[
        frame["breakdown"].isna() | (frame["breakdown"].astype(str).str.strip() == "")
    ].copy()
    iv = intervals(national)
    national["ci_low_r"] = iv["ci_low"].to_numpy()
    national["ci_high_r"] = iv["ci_high"].to_numpy()
    national["se"] = (national["ci_high_r"] - national["ci_low_r"]) / (2 * Z95)
    national["is_share"] = national["scale"].fillna("share") == "share"
    national["n_"] = pd.to_numeric(national["sample_size"], errors="coerce")
    national["period"] = pd.to_datetime(national["wave_date"]).dt.strftime("%Y-%m")
    if "period_grain" in national:
        annual = national["period_grain"] == "year"
        national.loc[annual, "period"] = national.loc[annual, "period"].str.slice(0, 4)
    members = region_members(regions)
    joined = national.merge(members, on="iso3")
    if joined.empty:
        return tidy(pd.DataFrame(), "perception", [])
    by_region = members.groupby("region")["iso3"].apply(list).to_dict()
    rows: list[dict[str, object]] = []
    for (region, ind), g in joined.groupby(["region", "indicator"], sort=True):
        z = Z95 if bool(g["is_share"].all()) else z_index
        rows += _region_series(g, str(region), str(ind), pop, by_region[region], z)
    out = pd.DataFrame(rows, columns=["region", "period", "indicator", "value", "ci_low", "ci_high", "k"])
    if out.empty:
        return tidy(pd.DataFrame(), "perception", [])
    # min_countries: drop every row of a wave whose value rests on fewer countries
    k = out.loc[out["k"].notna(), ["region", "period", "indicator", "k"]].rename(
        columns={"indicator": "base"}
    )
    out["base"] = out["indicator"].str.replace(
        r"_(sample_size|countries_covered|population_covered|change_significant|change)$", "", regex=True
    )
    out = out.merge(k, on=["region", "period", "base"], how="left", suffixes=("_x", ""))
    out = out.loc[out["k"] >= min_countries]
    out = out.loc[
        out["value"].notna() | out["indicator"].str.endswith(("_sample_size", "_change_significant"))
    ]
    pooled = out.loc[out["indicator"] == out["base"]]
    out = clip_periods(out, start_p, end_p)
    ends = pooled.groupby("region")["period"].agg(lambda p: max(p, key=end_key))
    cov = pd.DataFrame(
        {"region": ends.index, "period": ends.to_numpy(), "indicator": COVERAGE_END, "value": 1.0}
    ).assign(ci_low=np.nan, ci_high=np.nan)
    out = pd.concat([out, cov], ignore_index=True)
    out["family"] = "perception"
    return finish(out)
