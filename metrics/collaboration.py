"""Military-collaboration indicators per region and period.

Input: the ``collaboration`` table (one row per engagement, ``participants`` a list of ISO3 codes or
non-state labels) and the ``regions`` membership table. Output: the tidy grain with
``family = "collaboration"``.

An engagement concerns a region when at least one participant is a member; it is counted once per
region whatever the number of members taking part. Point engagements (exercises, transfers, visits,
missions) are flows: they fall in the period they start. Agreements (``defence_agreement`` and the
ATOP kinds ``defence_pact``, ``offence_pact``, ``neutrality_pact``, ``non_aggression_pact``,
``consultation_pact``) are stocks: they count in every period they are in force, from their start
to their end (an empty end: to the end of the data). Flows and stocks are never added together.
Only states (ISO3 codes) count as participants in the weighting and as partners; non-state parties
(NATO, the EU, "unknown supplier(s)") keep their label but are never partners.

Periods follow the sources' grain. Engagements dated to the day or the month give monthly periods
(``YYYY-MM``); engagements a source dates only by their year (``period_grain`` "year": SIPRI
deliveries, McManus & Nieman country-years, an exercise whose month is unknown) give annual
periods (``YYYY``) and never enter a month.

Coverage: a source covers the periods from its first to its last engagement start (monthly: over
its engagements dated to the month or day; annual: over all its engagements). A kind's series
exists only in the periods some source of that kind covers; the indicators that add up kinds exist
only in the months every kind they add is covered (``engagements_total``: every flow kind;
``agreements_in_force``: every agreement kind; ``network_density``, ``network_dyads`` and
``external_partners``: every kind in the monthly data). Outside coverage there is no row:
missing, never zero, so exercise data that end in 2010 never read as "no collaboration" after 2010.
Within coverage, a period without engagements is an observed 0.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from datasets.countries import KNOWN_ISO3
from datasets.schema import COLLABORATION_KINDS
from metrics.coverage import covered_share, population_weights
from metrics.frames import TableLike, clip_periods, empty_tidy, finish, parse_period, region_members
from metrics.periods import end_key

#: Kinds that are stocks (counted in every period they are in force), not flows.
IN_FORCE_KINDS: frozenset[str] = frozenset(
    {
        "defence_agreement",
        "defence_pact",
        "offence_pact",
        "neutrality_pact",
        "non_aggression_pact",
        "consultation_pact",
    }
)
BASE_INDICATORS: tuple[str, ...] = (
    "engagements_total",
    "agreements_in_force",
    "network_density",
    "network_dyads",
    "external_partners",
)
#: Directional arms-transfer indicators (SIPRI TIV millions per period).
TIV_INDICATORS: tuple[str, ...] = ("arms_imports_tiv", "arms_exports_tiv", "arms_intra_tiv")
#: Deprecated aliases kept for one release: ``arms_transfer_tiv`` = imports + exports + intra;
#: ``collaboration_score`` = ``engagements_total``.
TIV_INDICATOR = "arms_transfer_tiv"
SCORE_ALIAS = "collaboration_score"
COVERAGE_END = "coverage_end"
#: The count of arms transfers concerning a region, kept only where the arms sources cover it.
ARMS_COUNT = "engagements_arms_transfer"


def _month_index(dates: pd.Series) -> np.ndarray:
    d = pd.to_datetime(dates)
    return (d.dt.year * 12 + d.dt.month - 1).to_numpy(dtype="float")


def _year_index(dates: pd.Series) -> np.ndarray:
    return pd.to_datetime(dates).dt.year.to_numpy(dtype="float")


def _period_labels(first: int, last: int) -> np.ndarray:
    idx = np.arange(first, last + 1)
    return np.array([f"{i // 12:04d}-{i % 12 + 1:02d}" for i in idx])


def _covered_counts(
    groups: np.ndarray, keys: np.ndarray, lo: np.ndarray, hi: np.ndarray, n_groups: int, first: int, last: int
) -> np.ndarray:
    """Distinct keys per group whose period intervals [lo, hi] cover each period first..last.

    Periods are integers (months or years). Returns an array of shape (n_groups, last − first + 1).
    Overlapping or adjacent intervals of the same (group, key) are merged first, so each key counts
    at most once per period.
    """
    n = last - first + 1
    counts = np.zeros((n_groups, n + 1), dtype=np.int64)
    if len(keys) == 0:
        return counts[:, :n]
    frame = pd.DataFrame(
        {"g": groups, "k": keys, "lo": np.clip(lo, first, last + 1), "hi": np.clip(hi, first - 1, last)}
    )
    frame = frame.loc[frame["lo"] <= frame["hi"]].sort_values(["g", "k", "lo"], kind="stable")
    if frame.empty:
        return counts[:, :n]
    by = [frame["g"], frame["k"]]
    run_max = frame.groupby(by, sort=False)["hi"].cummax()
    prev_max = run_max.groupby(by, sort=False).shift(1)
    block = (prev_max.isna() | (frame["lo"] > prev_max + 1)).cumsum()
    merged = frame.groupby(block).agg(g=("g", "first"), lo=("lo", "min"), hi=("hi", "max"))
    g = merged["g"].to_numpy(dtype=int)
    np.add.at(counts, (g, (merged["lo"].to_numpy() - first).astype(int)), 1)
    np.add.at(counts, (g, (merged["hi"].to_numpy() - first + 1).astype(int)), -1)
    return np.cumsum(counts, axis=1)[:, :n]


def _coverage(
    sources: np.ndarray, kinds: np.ndarray, s: np.ndarray, first: int, last: int
) -> dict[str, np.ndarray]:
    """Periods first..last each kind is covered in: the union of the spans of its sources.

    A source's span runs from its first to its last engagement start (all kinds of the source).
    """
    n = last - first + 1
    frame = pd.DataFrame({"source": sources, "kind": kinds, "s": s})
    spans = frame.groupby("source", sort=False)["s"].agg(["min", "max"])
    out: dict[str, np.ndarray] = {}
    for kind, g in frame.groupby("kind", sort=False):
        mask = np.zeros(n, dtype=bool)
        for src in g["source"].unique():
            lo, hi = int(spans.at[src, "min"]) - first, int(spans.at[src, "max"]) - first
            mask[lo : hi + 1] = True
        out[str(kind)] = mask
    return out


def _tiv_sum(
    sel: np.ndarray, tiv: np.ndarray, rg: np.ndarray, pos: np.ndarray, ng: int, n: int
) -> np.ndarray:
    """Σ TIV of the selected transfers per region and period; missing where all lack a TIV."""
    total = np.zeros((ng, n))
    count = np.zeros((ng, n))
    known = np.zeros((ng, n))
    ok = sel & np.isfinite(tiv)
    np.add.at(total, (rg[ok], pos[ok]), tiv[ok])
    np.add.at(known, (rg[ok], pos[ok]), 1)
    np.add.at(count, (rg[sel], pos[sel]), 1)
    return np.where((count > 0) & (known == 0), np.nan, np.round(total, 9))


def _tiv(
    rel: pd.DataFrame,
    rg: np.ndarray,
    ng: int,
    n: int,
    first: int,
    members: pd.DataFrame,
    scope: _ArmsScope | None = None,
) -> dict[str, np.ndarray]:
    """Imports, exports, intra-regional and total TIV (millions) per region and period.

    A transfer's first participant is its supplier, the second its recipient (``supplier`` and
    ``recipient`` columns of ``rel``). With ``scope`` (what the arms sources cover), only transfers
    to a covered recipient count, and the total exists only where its three parts do; the periods
    a region's TIV rows keep are chosen by ``_rows`` (see ``collaboration_indicators``).
    """
    is_t = (rel["kind"] == "arms_transfer").to_numpy()
    tiv = rel["tiv"].to_numpy(dtype=float)
    pos = rel["s"].to_numpy(dtype=int) - first
    inside = pd.MultiIndex.from_frame(members[["region", "iso3"]])
    sup_in = pd.MultiIndex.from_arrays([rel["region"], rel["supplier"]]).isin(inside)
    rec_in = pd.MultiIndex.from_arrays([rel["region"], rel["recipient"]]).isin(inside)
    if scope is not None:
        is_t = is_t & scope.recipient_covered(rel["recipient"].to_numpy(), rel["source"].to_numpy(), pos)
    out = {
        "arms_imports_tiv": _tiv_sum(is_t & rec_in & ~sup_in, tiv, rg, pos, ng, n),
        "arms_exports_tiv": _tiv_sum(is_t & sup_in & ~rec_in, tiv, rg, pos, ng, n),
        "arms_intra_tiv": _tiv_sum(is_t & sup_in & rec_in, tiv, rg, pos, ng, n),
        TIV_INDICATOR: _tiv_sum(is_t, tiv, rg, pos, ng, n),
    }
    if scope is not None:  # which periods a region keeps is decided by ``_rows``
        parts = [out[k] for k in TIV_INDICATORS]
        out[TIV_INDICATOR] = np.where(np.isfinite(parts).all(axis=0), out[TIV_INDICATOR], np.nan)
    return out


@dataclass(frozen=True)
class _Cover:
    """What ``collaboration_indicators`` was given to decide which arms transfers are covered."""

    coverage: pd.DataFrame | None
    population: pd.DataFrame | None
    min_covered_share: float


@dataclass(frozen=True)
class _ArmsScope:
    """What the loaded arms-transfer sources cover, on one grid of periods (monthly or annual).

    ``countries`` (C) with ``mask`` (C × P): the country's imports are covered in the period (a
    source of arms transfers covers it as a recipient), ``by_source`` the same per source (a
    transfer counts where its own source covers its recipient); ``share`` (R × P): covered share of each
    region's people (``metrics.coverage.covered_share``); ``ok`` = share ≥ the minimum;
    ``rest_covered`` (R × P): every country outside the region (of the coverage table and the
    regions file) is covered, so the region's exports are complete.
    """

    countries: pd.Index
    mask: np.ndarray
    by_source: dict[str, np.ndarray]
    share: np.ndarray
    ok: np.ndarray
    rest_covered: np.ndarray

    def recipient_covered(self, recipients: np.ndarray, sources: np.ndarray, pos: np.ndarray) -> np.ndarray:
        """Whether each transfer's own source covers its recipient in its period (pos: 0-based)."""
        idx = self.countries.get_indexer(pd.Index(recipients))
        ok = (idx >= 0) & (pos >= 0) & (pos < self.mask.shape[1])
        out = np.zeros(len(recipients), dtype=bool)
        for source, mask in self.by_source.items():
            sel = ok & (sources == source)
            out[sel] = mask[idx[sel], pos[sel]]
        return out


def _arms_scope(
    cover: _Cover,
    eng: pd.DataFrame,
    names: list[str],
    members: pd.DataFrame,
    first: int,
    labels: np.ndarray,
    *,
    monthly: bool,
) -> _ArmsScope | None:
    """The coverage of the arms sources of ``eng`` on the periods ``first``…, or None without a
    coverage table (every transfer then counts, as for a source covering every country)."""
    coverage = cover.coverage
    if coverage is None or "table" not in coverage.columns:
        return None
    sources = set(eng.loc[eng["kind"] == "arms_transfer", "source"])
    rows = coverage.loc[(coverage["table"] == "collaboration") & coverage["source"].isin(sources)]
    if rows.empty:  # the table says nothing of these sources: every transfer counts
        return None
    universe = sorted(set(coverage["iso3"].dropna()) | set(members["iso3"]))
    countries = pd.Index(universe)
    n = len(labels)
    by_source = {str(src): np.zeros((len(countries), n), dtype=bool) for src in rows["source"].unique()}
    index = _month_index if monthly else _year_index
    lo = index(pd.Series(pd.to_datetime(rows["first_day"]))) - first
    hi = index(pd.Series(pd.to_datetime(rows["last_day"]))) - first
    for src, iso, a, b in zip(rows["source"], rows["iso3"], lo, hi, strict=True):
        a, b = max(int(a), 0), min(int(b), n - 1)
        if a <= b:
            by_source[str(src)][countries.get_loc(iso), a : b + 1] = True
    mask = np.logical_or.reduce(list(by_source.values()))
    membership = np.zeros((len(names), len(countries)), dtype=bool)
    gid = {r: i for i, r in enumerate(names)}
    for region, iso in zip(members["region"], members["iso3"], strict=True):
        if region in gid:
            membership[gid[region], countries.get_loc(iso)] = True
    count, share = covered_share(membership, mask, population_weights(cover.population, countries, labels))
    ok = (count > 0) & (np.nan_to_num(share) >= cover.min_covered_share)
    outside = ~membership
    missing = outside.astype(float) @ (~mask).astype(float)
    return _ArmsScope(countries, mask, by_source, share, ok, missing == 0)


def _possible(size: pd.Series, names: list[str]) -> np.ndarray:
    """m(m − 1)/2 member pairs of each region (a column vector; NaN when m < 2)."""
    m = np.array([float(size.get(r, 0)) for r in names])
    return np.where(m >= 2, m * (m - 1) / 2, np.nan)[:, None]


def _weighted_density(
    pairs: pd.DataFrame, gid: dict[str, int], ng: int, first: int, last: int, window: int
) -> np.ndarray:
    """Σ over member pairs of min(1, w_ab) per region and month, w_ab = Σ_e 1/(k_e − 1).

    ``pairs``: one row per (region, engagement, member pair) with ``s``, ``hi`` and ``states``
    (k_e, the state participants of the engagement); engagement e counts in the months
    s … hi + window − 1.
    """
    n = last - first + 1
    out = np.zeros((ng, n))
    if pairs.empty:
        return out
    key = pairs["region"] + "|" + pairs["iso3_x"] + "|" + pairs["iso3_y"]
    pid, uniques = pd.factorize(key)
    region_of = pairs.groupby(pid)["region"].first().map(gid).to_numpy(dtype=int)
    k = pairs["states"].to_numpy(dtype=float)
    w = 1.0 / np.maximum(k - 1, 1)
    lo = np.clip(pairs["s"].to_numpy(dtype=int) - first, 0, n)
    hi = np.clip(pairs["hi"].to_numpy(dtype=int) + window - 1 - first, -1, n - 1)
    ok = lo <= hi
    diff = np.zeros((len(uniques), n + 1))
    np.add.at(diff, (pid[ok], lo[ok]), w[ok])
    np.add.at(diff, (pid[ok], hi[ok] + 1), -w[ok])
    strength = np.minimum(np.round(np.cumsum(diff, axis=1)[:, :n], 12), 1.0)
    np.add.at(out, region_of, strength)
    return out


def _engagements(frame: pd.DataFrame, monthly: bool) -> pd.DataFrame:
    """One row per engagement with its kind, weights, source and start/end period indices."""
    index = _month_index if monthly else _year_index
    weight = (
        pd.to_numeric(frame["weight"], errors="coerce")
        if "weight" in frame
        else pd.Series(np.nan, index=frame.index)
    )
    parts = frame["participants"]
    return pd.DataFrame(
        {
            "eng": np.arange(len(frame)),
            "kind": frame["kind"].to_numpy(),
            "supplier": parts.map(lambda p: p[0] if len(p) else None).to_numpy(),
            "recipient": parts.map(lambda p: p[1] if len(p) > 1 else (p[0] if len(p) else None)).to_numpy(),
            "states": parts.map(lambda p: len({x for x in p if x in KNOWN_ISO3})).to_numpy(),
            "weight": weight.fillna(1.0).to_numpy(),
            "tiv": weight.to_numpy(dtype=float),
            "source": frame["source"].fillna("").to_numpy() if "source" in frame else "",
            "s": index(frame["start_date"]),
            "e": index(frame["end_date"]) if "end_date" in frame else np.nan,
        }
    )


def _concerned(
    frame: pd.DataFrame, eng: pd.DataFrame, members: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Participants per engagement, members taking part, and the (region, engagement) pairs."""
    parts = pd.DataFrame({"eng": eng["eng"], "iso3": frame["participants"].to_numpy()}).explode("iso3")
    parts = parts.dropna().drop_duplicates()
    inside = parts.merge(members, on="iso3")  # eng, iso3, region
    return parts, inside, inside[["region", "eng"]].drop_duplicates()


def _in_force_end(eng: pd.DataFrame, last: int) -> None:
    """Set ``hi``: the last period of each engagement (agreements: their end, open ones: ``last``)."""
    in_force = eng["kind"].isin(IN_FORCE_KINDS)
    eng["hi"] = np.where(in_force, eng["e"].fillna(last), eng["s"])
    eng["hi"] = np.maximum(eng["hi"], eng["s"]).astype(int)
    eng["s"] = eng["s"].astype(int)


def _monthly(
    frame: pd.DataFrame,
    members: pd.DataFrame,
    window: int,
    kind_list: list[str],
    arms_cover: _Cover,
) -> tuple[pd.DataFrame, dict[str, str], set[str]]:
    """Monthly indicators (tidy), the last covered month of each kind, and the regions concerned."""
    eng = _engagements(frame, monthly=True)
    first = int(np.nanmin(eng["s"]))
    last = int(np.nanmax(eng["s"]))
    _in_force_end(eng, last)
    parts, inside, concerned = _concerned(frame, eng, members)
    size = members.groupby("region")["iso3"].nunique()
    labels = _period_labels(first, last)
    names = sorted(members["region"].unique())
    gid = {r: i for i, r in enumerate(names)}
    ng = len(names)
    rel = concerned.merge(eng, on="eng")
    rg = rel["region"].map(gid).to_numpy(dtype=int)
    present = [k for k in kind_list if (eng["kind"] == k).any()]
    data: dict[str, np.ndarray] = {}
    flows = np.zeros((ng, len(labels)))
    stocks = np.zeros((ng, len(labels)))
    for k in present:
        is_k = (rel["kind"] == k).to_numpy()
        c = _covered_counts(
            rg[is_k],
            rel["eng"].to_numpy()[is_k],
            rel["s"].to_numpy()[is_k],
            rel["hi"].to_numpy()[is_k],
            ng,
            first,
            last,
        )
        data[f"engagements_{k}"] = c.astype(float)
        if k in IN_FORCE_KINDS:
            stocks += c
        else:
            flows += c
    flow_kinds = [k for k in present if k not in IN_FORCE_KINDS]
    stock_kinds = [k for k in present if k in IN_FORCE_KINDS]
    if flow_kinds:
        data["engagements_total"] = flows
        data[SCORE_ALIAS] = flows.copy()
    if stock_kinds:
        data["agreements_in_force"] = stocks
    scope = None
    if "arms_transfer" in present:
        scope = _arms_scope(arms_cover, eng, names, members, first, labels, monthly=True)
        data |= _tiv(rel, rg, ng, len(labels), first, members, scope)
    # pairs of members tied within the trailing window: interval [s, hi + window - 1]
    mem = inside[["region", "eng", "iso3"]]
    pairs = mem.merge(mem, on=["region", "eng"])
    pairs = pairs.loc[pairs["iso3_x"] < pairs["iso3_y"]].merge(eng[["eng", "s", "hi", "states"]], on="eng")
    data["network_density"] = _weighted_density(pairs, gid, ng, first, last, window) / _possible(size, names)
    tied = _covered_counts(
        pairs["region"].map(gid).to_numpy(dtype=int),
        (pairs["iso3_x"] + "|" + pairs["iso3_y"]).to_numpy(),
        pairs["s"].to_numpy(),
        pairs["hi"].to_numpy() + window - 1,
        ng,
        first,
        last,
    )
    data["network_dyads"] = tied.astype(float)
    ext = concerned.merge(parts, on="eng").merge(eng[["eng", "s", "hi"]], on="eng")
    ext = ext.loc[~ext.set_index(["region", "iso3"]).index.isin(members.set_index(["region", "iso3"]).index)]
    ext = ext.loc[ext["iso3"].isin(KNOWN_ISO3)]  # non-state parties (NATO, EU, ...) are not partners
    data["external_partners"] = _covered_counts(
        ext["region"].map(gid).to_numpy(dtype=int),
        ext["iso3"].to_numpy(),
        ext["s"].to_numpy(),
        ext["hi"].to_numpy() + window - 1,
        ng,
        first,
        last,
    ).astype(float)
    # coverage: each kind where a source of it covers the month; the sums where every kind is covered
    cover = _coverage(eng["source"].to_numpy(), eng["kind"].to_numpy(), eng["s"].to_numpy(), first, last)

    def _all(kinds: list[str]) -> np.ndarray:
        return np.logical_and.reduce([cover[k] for k in kinds]) if kinds else np.zeros(len(labels), bool)

    every = _all(present)
    masks = {name: every for name in data}
    masks |= {f"engagements_{k}": cover[k] for k in present}
    masks |= {"engagements_total": _all(flow_kinds), SCORE_ALIAS: _all(flow_kinds)}
    masks["agreements_in_force"] = _all(stock_kinds)
    for name in (*TIV_INDICATORS, TIV_INDICATOR):
        if name in data:
            masks[name] = cover["arms_transfer"]
    active = set(concerned["region"].unique())
    long = _rows(names, labels, data, lambda name: masks[name], scope, skip=lambda r: r not in active)
    ends = {k: str(labels[np.flatnonzero(cover[k])[-1]]) for k in present}
    return long, ends, active


def _rows(
    names: list[str],
    labels: np.ndarray,
    data: dict[str, np.ndarray],
    keep_of: Callable[[str], np.ndarray],
    scope: _ArmsScope | None,
    skip: Callable[[str], bool] | None = None,
) -> pd.DataFrame:
    """The tidy rows of ``data`` (indicator → R × P values) in the periods ``keep_of(name)`` keeps.

    With an arms ``scope``, the TIV rows of a region exist only where the scope covers it
    (imports and intra-regional TIV carry its covered share of people; exports cover it all), and
    so does its count of arms transfers (``ARMS_COUNT``), as its imports: where the arms sources
    cover enough of its people as recipients, with that share beside it. A register of one
    recipient's imports says nothing of another region's transfers: missing there, never 0."""
    out = []
    for i, region in enumerate(names):
        if skip is not None and skip(region):
            continue
        for name, values in data.items():
            keep = keep_of(name)
            share = np.full(len(labels), np.nan)
            if scope is not None and name in (*TIV_INDICATORS, TIV_INDICATOR, ARMS_COUNT):
                covered = scope.rest_covered[i] if name == "arms_exports_tiv" else scope.ok[i]
                if name == TIV_INDICATOR:
                    covered = scope.ok[i] & scope.rest_covered[i]
                keep = keep & covered
                share = np.ones(len(labels)) if name == "arms_exports_tiv" else scope.share[i]
            out.append(
                pd.DataFrame(
                    {
                        "region": region,
                        "period": labels[keep],
                        "indicator": name,
                        "value": values[i][keep],
                        "covered_share": share[keep],
                    }
                )
            )
    return pd.concat(out, ignore_index=True) if out else pd.DataFrame()


def _annual(
    frame: pd.DataFrame, annual: np.ndarray, members: pd.DataFrame, arms_cover: _Cover
) -> tuple[pd.DataFrame, dict[str, str], set[str]]:
    """Annual indicators of the kinds some source dates by year only (see the module docstring)."""
    kinds = sorted(set(frame.loc[annual, "kind"].dropna()))
    if not kinds:
        return pd.DataFrame(), {}, set()
    all_eng = _engagements(frame, monthly=False)
    first = int(np.nanmin(all_eng["s"]))
    last = int(np.nanmax(all_eng["s"]))
    cover = _coverage(
        all_eng["source"].to_numpy(), all_eng["kind"].to_numpy(), all_eng["s"].to_numpy(), first, last
    )
    sub = frame.loc[frame["kind"].isin(kinds)].reset_index(drop=True)
    eng = _engagements(sub, monthly=False)
    _in_force_end(eng, last)
    _parts, _inside, concerned = _concerned(sub, eng, members)
    names = sorted(concerned["region"].unique())
    gid = {r: i for i, r in enumerate(names)}
    labels = np.array([f"{y:04d}" for y in range(first, last + 1)])
    rel = concerned.merge(eng, on="eng")
    rg = rel["region"].map(gid).to_numpy(dtype=int)
    data: dict[str, np.ndarray] = {}
    for k in kinds:
        is_k = (rel["kind"] == k).to_numpy()
        data[f"engagements_{k}"] = _covered_counts(
            rg[is_k],
            rel["eng"].to_numpy()[is_k],
            rel["s"].to_numpy()[is_k],
            rel["hi"].to_numpy()[is_k],
            len(names),
            first,
            last,
        ).astype(float)
    scope = None
    if "arms_transfer" in kinds:
        scope = _arms_scope(arms_cover, eng, names, members, first, labels, monthly=False)
        data |= _tiv(rel, rg, len(names), len(labels), first, members, scope)

    def keep(name: str) -> np.ndarray:
        tiv = name in (*TIV_INDICATORS, TIV_INDICATOR)
        return cover["arms_transfer" if tiv else name.removeprefix("engagements_")]

    long = _rows(names, labels, data, keep, scope)
    ends = {k: str(labels[np.flatnonzero(cover[k])[-1]]) for k in cover}
    return long, ends, set(names)


def collaboration_indicators(
    collaboration: TableLike,
    regions: pd.DataFrame,
    *,
    start: str | None = None,
    end: str | None = None,
    window: int = 12,
    kinds: tuple[str, ...] = COLLABORATION_KINDS,
    coverage: pd.DataFrame | None = None,
    population: pd.DataFrame | None = None,
    min_covered_share: float = 0.5,
) -> pd.DataFrame:
    """Collaboration indicators per region and period (tidy).

    For region r with member set M (|M| = m) and month t:

    - ``engagements_<kind>`` = number of engagements of that kind concerning r in period t
      (flows: started in the period; agreements: in force in the period); monthly, and annual
      (``YYYY``) for the kinds a source dates by year only, where it counts every engagement of the
      kind in the year (engagements per year).
    - ``arms_imports_tiv`` = Σ SIPRI TIV (millions) of the arms transfers delivered in period t to a
      member of M by a supplier outside M; ``arms_exports_tiv`` = the same from a member of M to a
      recipient outside M; ``arms_intra_tiv`` = the same between two members of M (TIV millions per
      period; a transfer's first participant is its supplier, the second its recipient). A
      transfer whose TIV is not given adds nothing; a period whose transfers all lack a TIV is
      missing. Where the SIPRI register gives several delivery years for one order and no split, the
      importer divides its TIV evenly among them (``datasets.ingest.collaboration``).
      Coverage (with ``coverage``, the table of ``datasets.coverage.load_coverage``): a register
      filtered to some recipients covers the imports of those recipients only. Only transfers to
      a recipient the arms source covers in period t count; imports and intra-regional TIV sum over
      the covered members M_t and exist only where their share of the region's people
      (``population``; the member share where a population is unknown) is at least
      ``min_covered_share`` (default 0.5), that share in the row's ``covered_share``; exports exist
      only where every country outside M (of the coverage table and the regions file) is covered,
      since a transfer to an uncovered recipient is unknown, not zero. Without ``coverage`` every
      transfer counts (each source is taken to cover every recipient).
    - ``arms_transfer_tiv`` (deprecated alias, kept for one release) = imports + exports + intra,
      where all three exist.
    - ``engagements_total`` = Σ over the flow kinds of the engagements concerning r started in
      month t (engagements started per month); ``collaboration_score`` is its deprecated alias
      (kept for one release). ``agreements_in_force`` = agreements concerning r in force in month t
      (a stock: agreements). Neither ever adds TIV.
    - ``network_density`` = Σ over member pairs {a, b} ⊆ M of min(1, w_ab) ÷ m(m − 1)/2, with
      w_ab = Σ_e 1/(k_e − 1) over the engagements e active in the ``window`` months ending at t in
      which both a and b take part, k_e = the number of states taking part in e (Newman's
      collaboration weighting: a bilateral exercise ties its pair with weight 1, an exercise of 20
      states each of its pairs with 1/19). Share 0–1; empty when m < 2.
    - ``network_dyads`` = distinct member pairs tied by ≥ 1 shared engagement active in the same
      window, unweighted (pairs).
    - ``external_partners`` = distinct states outside M in engagements concerning r active in the
      same trailing window (count of partner states; non-state parties excluded).
    - ``coverage_end`` = 1 in the last period the loaded collaboration sources cover (the latest
      over kinds, monthly or annual), and ``coverage_end_<kind>`` = 1 in the last period covered
      for each kind; these rows are kept whatever the period asked for, so a chart can say where
      its data end.

    Kinds with no engagement in the data have no series: unknown, not zero.
    """
    start_p, end_p = parse_period(start), parse_period(end)
    frame = collaboration.to_pandas() if not isinstance(collaboration, pd.DataFrame) else collaboration
    kind_list = list(dict.fromkeys([*kinds, *sorted(set(frame["kind"].dropna()) - set(kinds))]))
    if frame.empty:
        return empty_tidy()
    grain = frame["period_grain"] if "period_grain" in frame else pd.Series(None, index=frame.index)
    annual = (grain == "year").to_numpy()
    members = region_members(regions)
    parts: list[pd.DataFrame] = []
    ends: dict[str, str] = {}
    active: set[str] = set()
    arms_cover = _Cover(coverage, population, min_covered_share)
    yearly, year_ends, year_active = _annual(frame, annual, members, arms_cover)
    if (~annual).any():
        monthly, month_ends, month_active = _monthly(
            frame.loc[~annual].reset_index(drop=True), members, window, kind_list, arms_cover
        )
        parts.append(monthly)
        ends |= month_ends
        active |= month_active
    parts.append(yearly)
    ends = {k: v for k, v in year_ends.items() if k not in ends} | ends
    active |= year_active
    out = pd.concat([p for p in parts if len(p)], ignore_index=True) if any(len(p) for p in parts) else None
    if out is None or not active:
        return empty_tidy()
    out = clip_periods(out, start_p, end_p)
    latest = max(ends.values(), key=end_key)
    marks = [{"indicator": COVERAGE_END, "period": latest}] + [
        {"indicator": f"{COVERAGE_END}_{k}", "period": p} for k, p in sorted(ends.items())
    ]
    cov = pd.DataFrame([{"region": r, **m, "value": 1.0} for r in sorted(active) for m in marks])
    out = pd.concat([out, cov], ignore_index=True)
    out["ci_low"] = np.nan
    out["ci_high"] = np.nan
    out["family"] = "collaboration"
    return finish(out)


__all__ = ["BASE_INDICATORS", "COVERAGE_END", "IN_FORCE_KINDS", "TIV_INDICATOR", "collaboration_indicators"]
