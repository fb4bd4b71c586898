"""The stability index and the outcome index (0–100), scaled against fixed, versioned goalposts.

Input: the tidy outputs of ``conflict_indicators``, ``collaboration_indicators`` and
``perception_indicators`` computed over the whole data (not clipped), the regions table, the
country population table (``datasets.loaders.load_population``) and the goalposts
(``datasets.loaders.load_goalposts``; ``datasets/data/goalposts.json``). Output: the tidy grain
with ``family = "composite"`` per region and month of ``[start, end]``.

A region's index for a month depends only on that region's own data and the goalposts: never on
which other regions are defined, which months are shown or which other sources are loaded.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

from metrics.frames import clip_periods, finish, memo_for, parse_period, region_members, text_column
from metrics.periods import Month, month_ordinals

FAMILY_NAMES: tuple[str, ...] = ("conflict", "collaboration", "perception")
#: The families of the outcome index: what collaboration is meant to change.
OUTCOME_FAMILIES: tuple[str, ...] = ("conflict", "perception")
DEFAULT_WEIGHTS: dict[str, float] = {"conflict": 1 / 3, "collaboration": 1 / 3, "perception": 1 / 3}
PERCEPTION_SHARES: tuple[str, ...] = ("feel_safe", "trust_military", "confidence_alliances")
#: Perception measures the composite reads; all point the same way (higher = more secure).
PERCEPTION_MEASURES: tuple[str, ...] = (*PERCEPTION_SHARES, "political_stability")
#: Conflict measures per 100,000 people (trailing 12 months), named as in the goalposts file.
CONFLICT_MEASURES: dict[str, str] = {"conflict_deaths": "fatalities", "conflict_incidents": "incidents"}
#: Years a country's latest population figure is carried forward (the table ends a year or two ago).
POPULATION_CARRY_YEARS = 3
INDICATORS: tuple[str, ...] = (
    "stability_index",
    "outcome_index",
    "score_conflict",
    "score_collaboration",
    "score_perception",
    "conflict_deaths_per_100k",
    "conflict_incidents_per_100k",
    "coverage",
    "coverage_conflict",
    "coverage_collaboration",
    "coverage_perception",
)


def goalposts_method(goalposts: Mapping[str, object]) -> str:
    """The ``method`` text of composite rows: which goalposts version scaled them."""
    return f"fixed goalposts v{goalposts['version']} (datasets/data/goalposts.json)"


def goalpost_score(values: np.ndarray | pd.Series, post: Mapping[str, object]) -> np.ndarray:
    """100 × (g(x) − g(worst)) / (g(best) − g(worst)), clipped to 0–100; NaN stays NaN.

    g(x) = x for ``scale`` "linear", log10(1 + x) for "log" (x ≥ 0).
    """
    x = np.asarray(values, dtype=float)
    best, worst = float(post["best"]), float(post["worst"])  # type: ignore[arg-type]
    if post["scale"] == "log":
        with np.errstate(invalid="ignore"):
            g, gb, gw = np.log10(1 + np.maximum(x, 0)), np.log10(1 + best), np.log10(1 + worst)
        g = np.where(np.isnan(x), np.nan, g)
    else:
        g, gb, gw = x, best, worst
    return np.clip(100 * (g - gw) / (gb - gw), 0, 100)


def region_population(regions: pd.DataFrame, population: pd.DataFrame) -> pd.DataFrame:
    """``region, year, population``: Σ of the members' populations in each year.

    A country's latest figure is carried forward up to ``POPULATION_CARRY_YEARS`` years. Members
    without a figure in a year (Taiwan, Antarctica, territories the World Bank does not list) are
    left out of that year's sum; a region none of whose members has a figure has no row.

    With a versioned population table (``attrs["version"]``, as ``load_population`` gives), the
    result is kept for the same regions frame and version; callers never mutate it.
    """
    version = population.attrs.get("version")
    if version is None:
        return _region_population(regions, population)
    key = ("region_population", version, len(population))  # a filtered copy keeps attrs, not its length
    return memo_for(regions, key, lambda: _region_population(regions, population))


def _region_population(regions: pd.DataFrame, population: pd.DataFrame) -> pd.DataFrame:
    members = region_members(regions)
    if population.empty:
        return pd.DataFrame(columns=["region", "year", "population"])
    wide = population.pivot_table(index="year", columns="iso3", values="population", aggfunc="first")
    years = np.arange(int(wide.index.min()), int(wide.index.max()) + POPULATION_CARRY_YEARS + 1)
    wide = wide.reindex(years).ffill(limit=POPULATION_CARRY_YEARS)
    long = wide.stack().rename("population").reset_index()  # year, iso3, population (no NaN)
    joined = members.merge(long, on="iso3")
    return joined.groupby(["region", "year"], as_index=False)["population"].sum()


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
    return sub.pivot_table(
        index=["region", "period"], columns="indicator", values="value", aggfunc="first", dropna=False
    )


def _covered_shares(conflict: pd.DataFrame) -> pd.Series:
    """``covered_share`` of each (region, period) of the conflict rows (1 when the rows carry none)."""
    rows = conflict.loc[conflict["indicator"] == "incidents"]
    if "covered_share" not in rows:
        return pd.Series(dtype=float)
    return rows.set_index(["region", "period"])["covered_share"].astype(float)


def _conflict_rates(conflict: pd.DataFrame, pop: pd.DataFrame) -> pd.DataFrame:
    """``region, period, conflict_deaths, conflict_incidents``: trailing 12-month sums per 100,000
    people of the covered members: Σ_12 counts / mean_12(region population × covered_share) × 1e5
    (``covered_share`` of the conflict rows: the covered members' share of the region's people when
    the conflict indicators were given a population table, else their share of members).

    Each region's rows run over every month from its first to its last conflict row. Computed on
    region × month grids over all regions at once (a missing month in the 12: missing)."""
    columns = ["region", "period", *CONFLICT_MEASURES]
    rows = conflict.loc[conflict["indicator"].isin(list(CONFLICT_MEASURES.values()))]
    rows = rows.loc[rows["period"].astype(str).str.len() == 7]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    region_codes, names = pd.factorize(rows["region"].astype(str), sort=True)
    ordinal = month_ordinals(rows["period"])
    first, inside = _region_spans(region_codes, ordinal, len(names))
    width = inside.shape[1]
    col = ordinal - first
    shape = (len(names), width)

    def grid(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
        out = np.full(shape, np.nan)
        # the first row of each (region, month) wins, as a pivot's "first" (rows are unique per key)
        out[region_codes[mask][::-1], col[mask][::-1]] = values[mask][::-1]
        return out

    indicator = rows["indicator"].to_numpy(dtype=object)
    value = rows["value"].to_numpy(dtype=float)
    counts = {}
    for name, source in CONFLICT_MEASURES.items():
        pick = indicator == source
        counts[name] = grid(np.where(np.isnan(value), np.nan, value), pick & ~np.isnan(value))
    years = (np.arange(first, first + width) // 12).astype(np.int64)
    people = np.full(shape, np.nan)
    if len(pop):
        p_reg = pd.Index(names).get_indexer(pop["region"].astype(str))
        p_year = pop["year"].to_numpy(dtype=np.int64) - int(years[0])
        keep = (p_reg >= 0) & (p_year >= 0) & (p_year <= int(years[-1] - years[0]))
        by_year = np.full((len(names), int(years[-1] - years[0]) + 1), np.nan)
        by_year[p_reg[keep], p_year[keep]] = pop["population"].to_numpy(dtype=float)[keep]
        people = by_year[:, years - years[0]]
    if "covered_share" in rows:
        known = rows["covered_share"].notna().to_numpy()
        inc = (indicator == CONFLICT_MEASURES["conflict_incidents"]) & known
        share = grid(rows["covered_share"].to_numpy(dtype=float), inc)
        has_share = np.zeros(len(names), dtype=bool)
        has_share[region_codes[indicator == CONFLICT_MEASURES["conflict_incidents"]]] = True
        weighted = people * np.where(np.isnan(share), 1.0, share)
        rolled = _rolling(np.where(inside, weighted, np.nan), np.mean)
        people = np.where(has_share[:, None], rolled, people)
    frame_cols: dict[str, np.ndarray] = {}
    with np.errstate(invalid="ignore", divide="ignore"):
        for name in CONFLICT_MEASURES:
            total = _rolling(np.where(inside, counts[name], np.nan), np.sum)
            frame_cols[name] = (total / people * 1e5)[inside]
    r_idx, c_idx = np.nonzero(inside)
    months = np.asarray([Month.from_ordinal(first + c) for c in range(width)], dtype=object)
    out = pd.DataFrame({"region": np.asarray(names, dtype=object)[r_idx], "period": months[c_idx]})
    for name in CONFLICT_MEASURES:
        out[name] = frame_cols[name]
    return out


def _region_spans(
    codes: np.ndarray, ordinal: np.ndarray, regions: int, until: int | np.ndarray | None = None
) -> tuple[int, np.ndarray]:
    """(first month, inside): a regions × months grid from the earliest month of the rows (month
    ordinals ``ordinal`` of regions ``codes``) to the latest (or ``until`` when later), True from each
    region's first month to its last (or ``until`` when later; ``until`` one month for all regions or
    one per region)."""
    first = int(ordinal.min())
    lo = np.full(regions, np.iinfo(np.int64).max, dtype=np.int64)
    hi = np.full(regions, np.iinfo(np.int64).min, dtype=np.int64)
    if until is not None:
        hi = np.maximum(hi, np.asarray(until, dtype=np.int64))
    np.minimum.at(lo, codes, ordinal)
    np.maximum.at(hi, codes, ordinal)
    cols = first + np.arange(int(hi.max()) - first + 1)
    return first, (cols[None, :] >= lo[:, None]) & (cols[None, :] <= hi[:, None])


def _rolling(grid: np.ndarray, how: object) -> np.ndarray:
    """``how`` (``np.sum`` or ``np.mean``) over the 12 columns ending at each column; NaN where
    fewer than 12 columns exist or any of them is NaN."""
    out = np.full(grid.shape, np.nan)
    if grid.shape[1] >= 12:
        out[:, 11:] = how(sliding_window_view(grid, 12, axis=1), axis=2)  # type: ignore[operator]
    return out


def _last_valued(raw: pd.DataFrame) -> tuple[tuple[str, str], ...]:
    """(region, last ``YYYY-MM`` with any value) of the measure rows ``raw`` (``region, period,
    <measures>``), sorted by region."""
    measures = [c for c in raw.columns if c not in ("region", "period")]
    if raw.empty or not measures:
        return ()
    ok = np.zeros(len(raw), dtype=bool)
    for c in measures:
        ok |= ~np.isnan(raw[c].to_numpy(dtype=float))
    if not ok.any():
        return ()
    codes, names = pd.factorize(raw["region"].to_numpy(dtype=object)[ok])
    ordinal = month_ordinals(raw["period"].to_numpy(dtype=object)[ok])
    last = np.full(len(names), np.iinfo(np.int64).min, dtype=np.int64)
    np.maximum.at(last, codes, ordinal)
    return tuple(sorted((str(n), str(Month.from_ordinal(int(o)))) for n, o in zip(names, last, strict=True)))


def _perception_filled(
    perception: pd.DataFrame, ends: tuple[tuple[str, str], ...], max_age: int
) -> pd.DataFrame:
    """Perception measures per region and month: the latest wave no older than ``max_age`` months,
    from the region's first wave to its last wave or, when later, its own last month of other data
    (``ends``: (region, ``YYYY-MM``) pairs) -- never to another region's, so that what else is loaded
    does not decide how far a region's perception score runs."""
    pw = _wide(perception, list(PERCEPTION_MEASURES), annual_month="07")
    if pw.empty:
        return pd.DataFrame(columns=["region", "period"])
    pw = pw.reset_index()
    codes, names = pd.factorize(pw["region"].astype(str), sort=True)
    ordinal = month_ordinals(pw["period"])
    last = dict(ends)
    floor = np.iinfo(np.int64).min
    until = np.array([Month(last[n]).ordinal if n in last else floor for n in names], dtype=np.int64)
    first, inside = _region_spans(codes, ordinal, len(names), until=until)
    width = inside.shape[1]
    cols = first + np.arange(width)
    r_idx, c_idx = np.nonzero(inside)
    out = pd.DataFrame({"period": np.asarray([Month.from_ordinal(c) for c in cols], dtype=object)[c_idx]})
    for name in [c for c in pw.columns if c not in ("region", "period")]:
        grid = np.full((width, len(names)), np.nan)  # months × regions: ffill runs down each region
        grid[ordinal - first, codes] = pw[name].to_numpy(dtype=float)
        filled = pd.DataFrame(grid).ffill(limit=max_age - 1).to_numpy()
        out[name] = filled.T[inside]
    out["region"] = np.asarray(names, dtype=object)[r_idx]
    return out


def _index(
    scores: pd.DataFrame,
    families: tuple[str, ...],
    w: Mapping[str, float],
    least: int,
    held: Mapping[str, set[str]] | None = None,
) -> np.ndarray:
    """Weighted mean of the family scores over the region's own family set (see the docstring):
    a region's own families are those with positive weight and a score in some month, or data of
    the family at another grain (``held``: family -> regions, e.g. yearly conflict counts, which
    have no monthly score); a month gets Σ w_f·score_f / Σ w_f over them when all of them have a
    score, and the region needs at least ``least`` (and one) own families."""
    fams = [f for f in families if w[f] > 0]
    out = np.full(len(scores), np.nan)
    if not fams or not len(scores):
        return out
    vals = scores[[f"score_{f}" for f in fams]].to_numpy(dtype=float)  # rows × families
    has = np.isfinite(vals)
    codes, names = pd.factorize(scores["region"], sort=False)
    own = np.zeros((int(codes.max()) + 1, len(fams)), dtype=bool)
    np.logical_or.at(own, codes, has)
    for j, fam in enumerate(fams):  # a family held at another grain is the region's own: a gap, not a rescale
        for region in (held or {}).get(fam, set()):
            at = names.get_indexer([region])[0]
            if at >= 0:
                own[at, j] = True
    row_own = own[codes]  # rows × families: the row's region has the family
    wt = np.array([w[f] for f in fams])
    n_own = row_own.sum(axis=1)
    den = row_own @ wt
    complete = (has | ~row_own).all(axis=1)
    num = np.where(row_own, np.where(has, vals, 0.0), 0.0) @ wt
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where((n_own >= max(least, 1)) & complete, num / den, np.nan)


def composite_indicators(
    conflict: pd.DataFrame,
    collaboration: pd.DataFrame,
    perception: pd.DataFrame,
    regions: pd.DataFrame,
    *,
    population: pd.DataFrame | None = None,
    goalposts: Mapping[str, object] | None = None,
    weights: Mapping[str, float] | None = None,
    start: str | None = None,
    end: str | None = None,
    perception_max_age: int = 36,
    min_families: int = 2,
) -> pd.DataFrame:
    """Stability index and outcome index per region and month (tidy), 0 = least, 100 = most stable.

    Raw measures of region r (members M) in month t:

    - ``conflict_deaths_per_100k`` = Σ fatalities over the 12 months ending at t ÷ Σ_{i∈M}
      population_i(year of t) × 100,000 (deaths per 100,000 people per year); likewise
      ``conflict_incidents_per_100k`` with incidents. A month without conflict data in the window
      makes the sum missing (never zero). Populations: World Bank ``SP.POP.TOTL``; a member
      without a figure is left out of the sum (``region_population``).
    - collaboration: ``network_density`` (collaboration-weighted share of member pairs tied).
    - perception: ``feel_safe``, ``trust_military``, ``confidence_alliances`` and WGI
      ``political_stability``, from the region's latest wave no older than ``perception_max_age``
      months (older: missing); an annual value (period ``YYYY``) counts from July of its year. A
      region's perception runs to its last wave or, when later, its own last month of conflict or
      collaboration values, never to another region's: what else is loaded does not change it.

    Each measure x is scaled against fixed goalposts (``datasets/data/goalposts.json``, version in
    ``goalposts_method``): s(x) = 100 × (g(x) − g(worst)) / (g(best) − g(worst)), clipped to 0–100,
    with g(x) = log10(1 + x) for the conflict rates and g(x) = x otherwise. The goalposts never depend
    on the data in view. Family scores (0–100): ``score_conflict`` = mean(s(deaths), s(incidents))
    (both needed); ``score_collaboration`` = s(density); ``score_perception`` = mean of s over the
    perception measures available that month.

    Index families of region r: the families with positive weight that have a score for r in some
    month of the whole data. ``stability_index`` = Σ_f w_f·score_f / Σ_f w_f over r's index
    families (conflict, collaboration, perception; ``weights``, default equal thirds), reported only
    when every one of them has a score that month and they are at least ``min_families``: where a
    family's data end the series breaks (a gap, with ``coverage`` < 1 saying why), it never
    rescales over the families left; a region whose conflict data are yearly only (conflict-years:
    no monthly score) has conflict among its index families, so its index is a gap too.
    ``outcome_index`` is the same over conflict and perception only (collaboration excluded, so it
    can be compared with collaboration without circularity),
    with the same weights for those two; it needs both (each one with a positive weight): a region
    without a monthly conflict series (only yearly conflict sources loaded) or without perception
    data has no outcome index, rather than one that is the other family alone. ``coverage`` = Σ w_f over
    families with a score that month ÷ Σ w_f; ``coverage_conflict``, ``coverage_collaboration`` and
    ``coverage_perception`` = 1 when that family has a score that month, else 0. Negative weights are refused.
    """
    if population is None or goalposts is None:
        from datasets.loaders import load_goalposts, load_population

        population = load_population() if population is None else population
        goalposts = load_goalposts() if goalposts is None else goalposts
    posts: Mapping[str, Mapping[str, object]] = goalposts["measures"]  # type: ignore[assignment]
    w = dict(DEFAULT_WEIGHTS if weights is None else weights)
    for fam in FAMILY_NAMES:
        w.setdefault(fam, 0.0)
        if w[fam] < 0:
            raise ValueError(f"weight of {fam} must not be negative")
    if sum(w[f] for f in FAMILY_NAMES) <= 0:
        raise ValueError("at least one family weight must be positive")
    start_p, end_p = parse_period(start), parse_period(end)

    held: dict[str, set[str]] = {}
    if len(conflict):  # yearly conflict series (period YYYY) are not monthly rates
        monthly = conflict["period"].astype(str).str.len() == 7
        held["conflict"] = {str(r) for r in conflict.loc[~monthly, "region"].unique()}
        conflict = conflict.loc[monthly]
    pop = region_population(regions, population)
    raw = _conflict_rates(conflict, pop) if len(conflict) else pd.DataFrame(columns=["region", "period"])
    if len(collaboration):
        kw = memo_for(collaboration, "density", lambda: _wide(collaboration, ["network_density"]))
        if len(kw):
            kw = kw.reset_index()[["region", "period", "network_density"]]
            raw = raw.merge(kw, on=["region", "period"], how="outer")
    if len(perception):
        ends = _last_valued(raw)  # each region's own last month of conflict or collaboration values
        pw = memo_for(
            perception,
            ("filled", ends, perception_max_age),
            lambda: _perception_filled(perception, ends, perception_max_age),
        )
        if len(pw):
            raw = pw if raw.empty else raw.merge(pw, on=["region", "period"], how="outer")
    if raw.empty:
        return finish(
            pd.DataFrame(columns=["region", "period", "family", "indicator", "value"]).assign(
                ci_low=np.nan, ci_high=np.nan
            )
        )
    raw = raw.sort_values(["region", "period"]).reset_index(drop=True)

    scores = pd.DataFrame({"region": raw["region"], "period": raw["period"]})
    for name in CONFLICT_MEASURES:
        scores[f"{name}_per_100k"] = raw.get(name, np.nan)
    if all(name in raw for name in CONFLICT_MEASURES):
        parts = [goalpost_score(raw[name], posts[name]) for name in CONFLICT_MEASURES]
        scores["score_conflict"] = np.mean(parts, axis=0)  # NaN when either is missing
    else:
        scores["score_conflict"] = np.nan
    if "network_density" in raw:
        scores["score_collaboration"] = goalpost_score(raw["network_density"], posts["network_density"])
    else:
        scores["score_collaboration"] = np.nan
    pcols = [c for c in PERCEPTION_MEASURES if c in raw]
    if pcols:
        stack = pd.DataFrame({c: goalpost_score(raw[c], posts[c]) for c in pcols})
        scores["score_perception"] = stack.mean(axis=1, skipna=True).to_numpy()
    else:
        scores["score_perception"] = np.nan

    total_w = sum(w[f] for f in FAMILY_NAMES)
    den = np.zeros(len(scores))
    for fam in FAMILY_NAMES:
        has = np.isfinite(scores[f"score_{fam}"].to_numpy(dtype=float))
        scores[f"coverage_{fam}"] = has.astype(float)
        den += np.where(has, w[fam], 0.0)
    scores["coverage"] = den / total_w
    scores["stability_index"] = _index(scores, FAMILY_NAMES, w, min_families, held)
    scores["outcome_index"] = _index(scores, OUTCOME_FAMILIES, w, sum(w[f] > 0 for f in OUTCOME_FAMILIES))

    scores = clip_periods(scores, start_p, end_p)
    return _long(scores)


def _long(scores: pd.DataFrame) -> pd.DataFrame:
    """The tidy rows of ``scores`` (one row per region and month, sorted by region then month,
    unique), in the tidy order: region, then indicator (alphabetical), then month."""
    if scores.empty:
        long = scores.melt(id_vars=["region", "period"], value_vars=list(INDICATORS), var_name="indicator")
        return finish(long.assign(family="composite", ci_low=np.nan, ci_high=np.nan))
    names = sorted(INDICATORS)
    region_codes, regions = pd.factorize(scores["region"].astype(str), sort=False)
    period_codes, periods = pd.factorize(scores["period"].astype(str), sort=False)
    starts = np.flatnonzero(np.r_[True, region_codes[1:] != region_codes[:-1]])
    ends = np.r_[starts[1:], len(scores)]
    # row positions of the output: each region's block of months, once per indicator
    blocks = list(zip(starts, ends, strict=True))
    rows = np.concatenate([np.tile(np.arange(a, b), len(names)) for a, b in blocks])
    which = np.concatenate([np.repeat(np.arange(len(names)), b - a) for a, b in blocks])
    values = scores[names].to_numpy(dtype=float)
    n = len(rows)
    return finish(
        pd.DataFrame(
            {
                "region": text_column(regions, region_codes[rows]),
                "period": text_column(periods, period_codes[rows]),
                "family": text_column(["composite"], np.zeros(n, dtype=np.int32)),
                "indicator": text_column(names, which),
                "value": values[rows, which],
                "ci_low": np.full(n, np.nan),
                "ci_high": np.full(n, np.nan),
            }
        ),
        presorted=True,
    )
