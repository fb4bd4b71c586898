"""Which members of a region the data cover, period by period (pure functions on small frames).

Input: the coverage table (``datasets.coverage.load_coverage``: ``iso3, first_day, last_day,
grain``, or ``first_period``/``last_period``) and the countries of interest. A country-month is
covered when one of the country's coverage spans overlaps the month. A country's grain is the
coarsest grain of its spans (year > month > week > day); week and day both give months.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from datasets.precedence import used_coverage
from metrics.frames import memo_for

#: Time grains from finest to coarsest.
GRAIN_ORDER: tuple[str, ...] = ("day", "week", "month", "year")


@dataclass(frozen=True)
class CountryCoverage:
    """Coverage of ``countries`` (C) over the consecutive months ``months`` (M, ``YYYY-MM``).

    ``mask``: C × M booleans (covered); ``grain``: per country, its coarsest grain (``year`` or
    ``month``; day and week data give months)."""

    countries: np.ndarray
    months: np.ndarray
    mask: np.ndarray
    grain: np.ndarray


def _day(value: object, end: bool) -> pd.Timestamp:
    text = str(value)
    if len(text) == 4:
        return pd.Timestamp(f"{text}-12-31") if end else pd.Timestamp(f"{text}-01-01")
    if len(text) == 7:
        p = pd.Period(text, "M")
        return p.end_time.normalize() if end else p.start_time
    if "-W" in text:
        y, w = text.split("-W")
        start = pd.Timestamp.fromisocalendar(int(y), int(w), 1)
        return start + pd.Timedelta(days=6) if end else start
    return pd.Timestamp(text[:10])


def country_coverage(
    coverage: pd.DataFrame | None,
    countries: Sequence[str],
    *,
    data_span: tuple[str, str] | None = None,
    present: Sequence[str] | None = None,
    grains: dict[str, str] | None = None,
) -> CountryCoverage | None:
    """The coverage of ``countries`` month by month, or None when none of them is covered.

    Every country of ``countries`` has a row (all False when it is not covered). ``coverage``
    None: the countries in ``present`` are covered over ``data_span`` (the data's first..last
    month), each at its grain in ``grains`` (default month). An empty frame: nothing is covered.
    The months run from the earliest first day to the latest last day of the countries' spans:
    never beyond what the coverage states. With a coverage table the result is kept per table (while
    it lives) and set of countries; callers never mutate it.
    """
    if coverage is None:
        return _data_coverage(countries, data_span, present, grains)
    key = ("country_coverage", tuple(sorted({str(c) for c in countries})))
    return memo_for(coverage, key, lambda: _table_coverage(coverage, countries))


def _data_coverage(
    countries: Sequence[str],
    data_span: tuple[str, str] | None,
    present: Sequence[str] | None,
    grains: dict[str, str] | None,
) -> CountryCoverage | None:
    """Without a coverage table: the countries in ``present`` covered over ``data_span``."""
    countries = np.asarray(sorted(set(countries)), dtype=object)
    if data_span is None or not len(countries):
        return None
    months = pd.period_range(data_span[0], data_span[1], freq="M").astype(str).to_numpy(dtype=object)
    covered = np.isin(countries, list(present) if present is not None else list(countries))
    mask = np.repeat(covered[:, None], len(months), axis=1)
    grain = np.asarray([(grains or {}).get(c, "month") for c in countries], dtype=object)
    return CountryCoverage(countries, months, mask, grain)


def _table_coverage(coverage: pd.DataFrame, countries: Sequence[str]) -> CountryCoverage | None:
    """From a coverage table: each country's stated spans."""
    countries = np.asarray(sorted(set(countries)), dtype=object)
    cov = coverage.loc[coverage["iso3"].isin(list(countries))]
    if "source" in cov.columns:  # one source per country-month where several cover it
        cov = used_coverage(cov.reset_index(drop=True))
    if "table" in cov.columns:
        cov = cov.loc[cov["table"] == "incidents"]
    if cov.empty:
        return None
    firsts = [
        _day(v, False) for v in (cov["first_day"] if "first_day" in cov.columns else cov["first_period"])
    ]
    lasts = [_day(v, True) for v in (cov["last_day"] if "last_day" in cov.columns else cov["last_period"])]
    first_m = min(firsts).to_period("M")
    last_m = max(lasts).to_period("M")
    months = pd.period_range(first_m, last_m, freq="M")
    index = pd.Index(countries)
    mask = np.zeros((len(countries), len(months)), dtype=bool)
    rank = np.zeros(len(countries), dtype=int)
    base = first_m.ordinal
    for iso, a, b, g in zip(cov["iso3"], firsts, lasts, cov["grain"].fillna("day"), strict=True):
        c = index.get_loc(iso)
        mask[c, a.to_period("M").ordinal - base : b.to_period("M").ordinal - base + 1] = True
        rank[c] = max(rank[c], GRAIN_ORDER.index(str(g)) if str(g) in GRAIN_ORDER else 0)
    grain = np.where(rank == GRAIN_ORDER.index("year"), "year", "month").astype(object)
    return CountryCoverage(countries, months.astype(str).to_numpy(dtype=object), mask, grain)


def to_years(grid: np.ndarray, months: np.ndarray, *, how: str = "sum") -> tuple[np.ndarray, np.ndarray]:
    """Columns of ``grid`` (months ``YYYY-MM``) gathered into years: ``sum`` or ``any`` per year.

    Returns ``(years, grid)`` with years as ``YYYY``."""
    years = np.asarray([m[:4] for m in months], dtype=object)
    labels, inverse = np.unique(years, return_inverse=True)
    out = np.zeros((grid.shape[0], len(labels)))
    np.add.at(out.T, inverse, grid.T.astype(float))
    if how == "any":
        return labels.astype(object), out > 0
    return labels.astype(object), out


def population_weights(
    population: pd.DataFrame | None, countries: np.ndarray, periods: np.ndarray
) -> np.ndarray | None:
    """Population of each country (rows) in each period's year (columns), the nearest year the table
    has for that country (the earlier of two equally near); None without a table. A country missing
    from the table gets NaN.

    One binary search per country and distinct year over the table sorted by (country, year), instead
    of a pass over each country's rows: a page asks for every region's countries over every month."""
    if population is None or population.empty:
        return None
    out = np.full((len(countries), len(periods)), np.nan)
    if not len(countries) or not len(periods):
        return out
    index = {str(c): i for i, c in enumerate(countries)}
    pop = population.loc[population["iso3"].isin(list(index)), ["iso3", "year", "population"]].dropna()
    if pop.empty:
        return out
    code = pop["iso3"].astype(str).map(index).to_numpy(dtype=np.int64)
    year = pop["year"].to_numpy(dtype=np.int64)
    value = pop["population"].to_numpy(dtype=float)
    order = np.lexsort((year, code))
    code, year, value = code[order], year[order], value[order]
    span = np.int64(1 << 20)  # > any year: code·span + year orders by country, then year
    key = code * span + year
    years, inverse = np.unique(np.asarray([int(str(p)[:4]) for p in periods]), return_inverse=True)
    rows = np.arange(len(countries), dtype=np.int64)
    start = np.searchsorted(code, rows, side="left")[:, None]  # each country's rows: [start, end)
    end = np.searchsorted(code, rows, side="right")[:, None]
    has = end > start
    last = np.maximum(end - 1, start)
    pos = np.clip(np.searchsorted(key, rows[:, None] * span + years[None, :]), start, last)
    prev = np.clip(pos - 1, start, last)
    safe_pos, safe_prev = np.minimum(pos, len(key) - 1), np.minimum(prev, len(key) - 1)
    nearest = np.where(np.abs(year[safe_prev] - years) <= np.abs(year[safe_pos] - years), safe_prev, safe_pos)
    by_year = np.where(has, value[nearest], np.nan)
    out[:] = by_year[:, inverse]
    return out


def population_weights_kept(
    population: pd.DataFrame | None, countries: np.ndarray, periods: np.ndarray
) -> np.ndarray | None:
    """``population_weights``, kept per population file version (``attrs["version"]``, set by
    ``datasets.loaders.load_population``), ``periods`` array and countries while ``periods`` lives:
    every filter change of a page asks for the same weights. A table without a version (one built
    in memory) is not kept. The array is read-only: callers never change it."""
    version = population.attrs.get("version") if population is not None else None
    if version is None:
        return population_weights(population, countries, periods)

    def build() -> np.ndarray | None:
        out = population_weights(population, countries, periods)
        if out is not None:
            out.flags.writeable = False
        return out

    key = ("population_weights", version, tuple(str(c) for c in countries))
    return memo_for(periods, key, build)


def covered_share(
    membership: np.ndarray, mask: np.ndarray, weights: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """``(covered_members, covered_share)`` per region (rows of ``membership``, R × C) and period.

    covered_members = Σ_c membership·mask; covered_share = covered_members / members, or with
    ``weights`` (population, C × P) Σ_c membership·mask·w / Σ_c membership·w — falling back to the
    member share in a period where a member's population is unknown."""
    m = membership.astype(float)
    members = m.sum(axis=1)[:, None]
    count = m @ mask.astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(members > 0, count / np.where(members > 0, members, 1), np.nan)
        if weights is not None:
            unknown = (m @ np.isnan(weights).astype(float)) > 0
            w = np.nan_to_num(weights)
            total = m @ w
            pop_share = np.where(total > 0, (m @ (w * mask)) / np.where(total > 0, total, 1), np.nan)
            share = np.where(unknown, share, pop_share)
    return count, share


def stable_windows(membership: np.ndarray, mask: np.ndarray, window: int) -> np.ndarray:
    """R × P booleans: True where the ``window`` periods ending at p exist and the set of covered
    members is the same in all of them (a window that spans a change of the covered set is not
    computable)."""
    r, p = membership.shape[0], mask.shape[1]
    out = np.zeros((r, p), dtype=bool)
    if p < window or window < 1:
        return out
    change = np.zeros((r, p), dtype=bool)
    if p > 1:
        diff = (mask[:, 1:] != mask[:, :-1]).astype(float)
        change[:, 1:] = (membership.astype(float) @ diff) > 0
    idx = np.where(change, np.arange(p)[None, :], 0)
    last_change = np.maximum.accumulate(idx, axis=1)  # latest period whose set differs from the one before
    starts = np.arange(p) - window + 1
    out = (starts[None, :] >= 0) & (last_change <= starts[None, :])
    return out


def covered_months(
    coverage: pd.DataFrame | None,
    countries: Sequence[str],
    population: pd.DataFrame | None = None,
    *,
    min_covered_share: float = 0.5,
) -> list[str] | None:
    """The months (``YYYY-MM``) in which the incident data cover at least ``min_covered_share`` of
    the people of ``countries`` (their member share where a population is unknown), as
    ``conflict_indicators`` requires of a region; None without a coverage table (then the data's
    span decides), [] when none of the countries is ever covered."""
    if coverage is None:
        return None
    cov = country_coverage(coverage, countries)
    if cov is None:
        return []
    membership = np.ones((1, len(cov.countries)), dtype=bool)
    count, share = covered_share(
        membership, cov.mask, population_weights(population, cov.countries, cov.months)
    )
    ok = (count[0] > 0) & (np.nan_to_num(share[0]) >= min_covered_share)
    return [str(m) for m in cov.months[ok]]


def yearly_grain(coverage: pd.DataFrame | None, countries: Sequence[str]) -> bool:
    """Whether a source that counts years covers one of ``countries`` (``CountryCoverage.grain``):
    then their incidents are shown by year, as ``conflict.conflict_indicators`` gives them. False
    without a coverage table."""
    if coverage is None:
        return False
    cov = country_coverage(coverage, countries)
    if cov is None:
        return False
    return bool((cov.grain[cov.mask.any(axis=1)] == "year").any())


def stated_span(coverage: pd.DataFrame | None) -> tuple[str, str] | None:
    """First and last month (``YYYY-MM``) a coverage table states (a yearly span runs January to
    December); None without a coverage table or when it is empty. Kept per table while it lives."""
    if coverage is None or coverage.empty:
        return None
    return memo_for(coverage, "stated_span", lambda: _stated_span(coverage))


def _stated_span(coverage: pd.DataFrame) -> tuple[str, str] | None:
    first = coverage["first_day"] if "first_day" in coverage.columns else coverage["first_period"]
    last = coverage["last_day"] if "last_day" in coverage.columns else coverage["last_period"]
    firsts = [_day(v, False) for v in first.dropna()]
    lasts = [_day(v, True) for v in last.dropna()]
    if not firsts or not lasts:
        return None
    return str(min(firsts).to_period("M")), str(max(lasts).to_period("M"))


def widened_span(span: tuple[str, str] | None, coverage: pd.DataFrame | None) -> tuple[str, str] | None:
    """The incidents' first..last month (``span``, ``YYYY-MM``) widened to the span their coverage
    states: a covered month without events is an observed zero, not outside the data."""
    stated = stated_span(coverage)
    if span is None or stated is None:
        return span
    return min(span[0], stated[0]), max(span[1], stated[1])
