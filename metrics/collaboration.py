"""Military-collaboration indicators per region and period.

Input: the ``collaboration`` table (one row per engagement, ``participants`` a list of ISO3 codes or
non-state labels) and the ``regions`` membership table. Output: the tidy grain with
``family = "collaboration"``.

An engagement concerns a region when at least one participant is a member; it is counted once per
region whatever the number of members taking part. Point engagements (exercises, transfers, visits,
missions) fall in the period they start. Agreements (``defence_agreement``) count in every period
they are in force, from their start to their end (an empty end: to the end of the data).

Periods follow the sources' grain. Engagements dated to the day or the month give monthly periods
(``YYYY-MM``); engagements a source dates only by their year (``period_grain`` "year": SIPRI
deliveries, McManus & Nieman country-years, an exercise whose month is unknown) give annual
periods (``YYYY``) and never enter a month.

Coverage: a source covers the periods from its first to its last engagement start (monthly: over
its engagements dated to the month or day; annual: over all its engagements). A kind's series
exists only in the periods some source of that kind covers; the indicators that add up every kind
(``engagements_total``, ``collaboration_score``, ``network_density``, ``external_partners``) exist
only in the months every kind in the monthly data is covered. Outside coverage there is no row:
missing, never zero, so exercise data that end in 2010 never read as "no collaboration" after 2010.
Within coverage, a period without engagements is an observed 0.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from datasets.schema import COLLABORATION_KINDS
from metrics.frames import TableLike, clip_periods, empty_tidy, finish, parse_period, region_members

IN_FORCE_KINDS: frozenset[str] = frozenset({"defence_agreement"})
BASE_INDICATORS: tuple[str, ...] = (
    "engagements_total",
    "collaboration_score",
    "network_density",
    "external_partners",
)
TIV_INDICATOR = "arms_transfer_tiv"
COVERAGE_END = "coverage_end"


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


def _tiv(rel: pd.DataFrame, rg: np.ndarray, ng: int, n: int, first: int) -> np.ndarray:
    """TIV (millions) of the arms transfers concerning each region, per period (see the docstring)."""
    is_t = (rel["kind"] == "arms_transfer").to_numpy()
    tiv = rel["tiv"].to_numpy(dtype=float)
    pos = rel["s"].to_numpy(dtype=int) - first
    total = np.zeros((ng, n))
    count = np.zeros((ng, n))
    known = np.zeros((ng, n))
    sel = is_t & np.isfinite(tiv)
    np.add.at(total, (rg[sel], pos[sel]), tiv[sel])
    np.add.at(known, (rg[sel], pos[sel]), 1)
    np.add.at(count, (rg[is_t], pos[is_t]), 1)
    return np.where((count > 0) & (known == 0), np.nan, np.round(total, 9))


def _engagements(frame: pd.DataFrame, monthly: bool) -> pd.DataFrame:
    """One row per engagement with its kind, weights, source and start/end period indices."""
    index = _month_index if monthly else _year_index
    weight = (
        pd.to_numeric(frame["weight"], errors="coerce")
        if "weight" in frame
        else pd.Series(np.nan, index=frame.index)
    )
    return pd.DataFrame(
        {
            "eng": np.arange(len(frame)),
            "kind": frame["kind"].to_numpy(),
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
    frame: pd.DataFrame, members: pd.DataFrame, window: int, kind_list: list[str]
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
    total = np.zeros((ng, len(labels)))
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
        total += c
    data["engagements_total"] = total
    weights = np.zeros((ng, last - first + 2))
    np.add.at(weights, (rg, rel["s"].to_numpy() - first), rel["weight"].to_numpy())
    np.add.at(weights, (rg, np.minimum(rel["hi"].to_numpy(), last) - first + 1), -rel["weight"].to_numpy())
    data["collaboration_score"] = np.cumsum(weights, axis=1)[:, : len(labels)]
    if "arms_transfer" in present:
        data[TIV_INDICATOR] = _tiv(rel, rg, ng, len(labels), first)
    # pairs of members tied within the trailing window: interval [s, hi + window - 1]
    mem = inside[["region", "eng", "iso3"]]
    pairs = mem.merge(mem, on=["region", "eng"])
    pairs = pairs.loc[pairs["iso3_x"] < pairs["iso3_y"]].merge(eng[["eng", "s", "hi"]], on="eng")
    tied = _covered_counts(
        pairs["region"].map(gid).to_numpy(dtype=int),
        (pairs["iso3_x"] + "|" + pairs["iso3_y"]).to_numpy(),
        pairs["s"].to_numpy(),
        pairs["hi"].to_numpy() + window - 1,
        ng,
        first,
        last,
    )
    m = np.array([float(size.get(r, 0)) for r in names])
    possible = np.where(m >= 2, m * (m - 1) / 2, np.nan)[:, None]
    data["network_density"] = tied / possible
    ext = concerned.merge(parts, on="eng").merge(eng[["eng", "s", "hi"]], on="eng")
    ext = ext.loc[~ext.set_index(["region", "iso3"]).index.isin(members.set_index(["region", "iso3"]).index)]
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
    every = np.logical_and.reduce([cover[k] for k in present]) if present else np.zeros(len(labels), bool)
    masks = {name: every for name in data}
    masks |= {f"engagements_{k}": cover[k] for k in present}
    if TIV_INDICATOR in data:
        masks[TIV_INDICATOR] = cover["arms_transfer"]
    active = set(concerned["region"].unique())
    out = []
    for i, region in enumerate(names):
        if region not in active:  # a region none of whose members ever took part: no rows
            continue
        for name, values in data.items():
            keep = masks[name]
            out.append(
                pd.DataFrame(
                    {"region": region, "period": labels[keep], "indicator": name, "value": values[i][keep]}
                )
            )
    long = pd.concat(out, ignore_index=True) if out else pd.DataFrame()
    ends = {k: str(labels[np.flatnonzero(cover[k])[-1]]) for k in present}
    return long, ends, active


def _annual(
    frame: pd.DataFrame, annual: np.ndarray, members: pd.DataFrame
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
    if "arms_transfer" in kinds:
        data[TIV_INDICATOR] = _tiv(rel, rg, len(names), len(labels), first)
    out = []
    for i, region in enumerate(names):
        for name, values in data.items():
            keep = cover["arms_transfer" if name == TIV_INDICATOR else name.removeprefix("engagements_")]
            out.append(
                pd.DataFrame(
                    {"region": region, "period": labels[keep], "indicator": name, "value": values[i][keep]}
                )
            )
    long = pd.concat(out, ignore_index=True) if out else pd.DataFrame()
    ends = {k: str(labels[np.flatnonzero(cover[k])[-1]]) for k in cover}
    return long, ends, set(names)


def _end_key(label: str) -> tuple[int, int]:
    """Order periods by their last month: ``2010`` ends with December 2010, after ``2010-11``."""
    return (int(label[:4]), int(label[5:7]) if len(label) == 7 else 12)


def collaboration_indicators(
    collaboration: TableLike,
    regions: pd.DataFrame,
    *,
    start: str | None = None,
    end: str | None = None,
    window: int = 12,
    kinds: tuple[str, ...] = COLLABORATION_KINDS,
) -> pd.DataFrame:
    """Collaboration indicators per region and period (tidy).

    For region r with member set M (|M| = m) and month t:

    - ``engagements_<kind>`` = number of engagements of that kind concerning r in period t
      (engagements; agreements in every period in force); monthly, and annual (``YYYY``) for the
      kinds a source dates by year only, where it counts every engagement of the kind in the year.
    - ``arms_transfer_tiv`` = Σ SIPRI TIV (millions) of the arms transfers concerning r delivered in
      period t, to or from a member, each transfer once per region (TIV millions per period). A
      transfer whose TIV is not given adds nothing; a period whose transfers all lack a TIV is
      missing. Where the SIPRI register gives several delivery years for one order and no split, the
      importer divides its TIV evenly among them (``datasets.ingest.collaboration``).
    - ``engagements_total`` = Σ over kinds (monthly).
    - ``collaboration_score`` = Σ weight of those engagements (weighted engagements; weight 1 when
      not given; arms transfers carry their TIV in millions) (monthly).
    - ``network_density`` = distinct pairs {a, b} ⊆ M tied by ≥ 1 shared engagement active in the
      ``window`` months ending at t ÷ m(m − 1)/2 (share 0–1; empty when m < 2).
    - ``external_partners`` = distinct participants outside M in engagements concerning r active in
      the same trailing window (count of partners).
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
    yearly, year_ends, year_active = _annual(frame, annual, members)
    if (~annual).any():
        monthly, month_ends, month_active = _monthly(
            frame.loc[~annual].reset_index(drop=True), members, window, kind_list
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
    latest = max(ends.values(), key=_end_key)
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
