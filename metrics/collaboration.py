"""Military-collaboration indicators per region and month.

Input: the ``collaboration`` table (one row per engagement, ``participants`` a list of ISO3 codes or
non-state labels) and the ``regions`` membership table. Output: the tidy grain with
``family = "collaboration"``.

An engagement concerns a region when at least one participant is a member; it is counted once per
region whatever the number of members taking part. Point engagements (exercises, transfers, visits,
missions) fall in the month they start. Agreements (``defence_agreement``) count in every month they
are in force, from their start to their end (an empty end: to the end of the data). The span of a
region's rows is the collaboration data's first to last month; months without engagements are
present with 0 engagements.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from datasets.schema import COLLABORATION_KINDS
from metrics.frames import TableLike, clip_periods, parse_period, region_members, tidy

IN_FORCE_KINDS: frozenset[str] = frozenset({"defence_agreement"})
BASE_INDICATORS: tuple[str, ...] = (
    "engagements_total",
    "collaboration_score",
    "network_density",
    "external_partners",
)


def _month_index(dates: pd.Series) -> np.ndarray:
    d = pd.to_datetime(dates)
    return (d.dt.year * 12 + d.dt.month - 1).to_numpy(dtype="float")


def _period_labels(first: int, last: int) -> np.ndarray:
    idx = np.arange(first, last + 1)
    return np.array([f"{i // 12:04d}-{i % 12 + 1:02d}" for i in idx])


def _covered_counts(
    groups: np.ndarray, keys: np.ndarray, lo: np.ndarray, hi: np.ndarray, n_groups: int, first: int, last: int
) -> np.ndarray:
    """Distinct keys per group whose month intervals [lo, hi] cover each month first..last.

    Returns an array of shape (n_groups, last − first + 1). Overlapping or adjacent intervals of the
    same (group, key) are merged first, so each key counts at most once per month.
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


def collaboration_indicators(
    collaboration: TableLike,
    regions: pd.DataFrame,
    *,
    start: str | None = None,
    end: str | None = None,
    window: int = 12,
    kinds: tuple[str, ...] = COLLABORATION_KINDS,
) -> pd.DataFrame:
    """Collaboration indicators per region and month (tidy).

    For region r with member set M (|M| = m) and month t:

    - ``engagements_<kind>`` = number of engagements of that kind concerning r in month t
      (engagements; agreements in every month in force).
    - ``engagements_total`` = Σ over kinds.
    - ``collaboration_score`` = Σ weight of those engagements (weighted engagements; weight 1 when
      not given; arms transfers carry their TIV in millions).
    - ``network_density`` = distinct pairs {a, b} ⊆ M tied by ≥ 1 shared engagement active in the
      ``window`` months ending at t ÷ m(m − 1)/2 (share 0–1; empty when m < 2).
    - ``external_partners`` = distinct participants outside M in engagements concerning r active in
      the same trailing window (count of partners).
    """
    start_p, end_p = parse_period(start), parse_period(end)
    frame = collaboration.to_pandas() if not isinstance(collaboration, pd.DataFrame) else collaboration
    kind_list = list(dict.fromkeys([*kinds, *sorted(set(frame["kind"].dropna()) - set(kinds))]))
    indicator_names = [*(f"engagements_{k}" for k in kind_list), *BASE_INDICATORS]
    if frame.empty:
        return tidy(pd.DataFrame(), "collaboration", indicator_names)
    eng = pd.DataFrame(
        {
            "eng": np.arange(len(frame)),
            "kind": frame["kind"].to_numpy(),
            "weight": pd.to_numeric(frame["weight"], errors="coerce").fillna(1.0).to_numpy()
            if "weight" in frame
            else 1.0,
            "s": _month_index(frame["start_date"]),
            "e": _month_index(frame["end_date"]) if "end_date" in frame else np.nan,
        }
    )
    first = int(np.nanmin(eng["s"]))
    last = int(np.nanmax(eng["s"]))
    in_force = eng["kind"].isin(IN_FORCE_KINDS)
    eng["hi"] = np.where(in_force, eng["e"].fillna(last), eng["s"])
    eng["hi"] = np.maximum(eng["hi"], eng["s"]).astype(int)
    eng["s"] = eng["s"].astype(int)
    parts = pd.DataFrame({"eng": eng["eng"], "iso3": frame["participants"].to_numpy()}).explode("iso3")
    parts = parts.dropna().drop_duplicates()
    members = region_members(regions)
    size = members.groupby("region")["iso3"].nunique()
    inside = parts.merge(members, on="iso3")  # eng, iso3, region
    concerned = inside[["region", "eng"]].drop_duplicates()
    labels = _period_labels(first, last)
    names = sorted(members["region"].unique())
    gid = {r: i for i, r in enumerate(names)}
    ng = len(names)
    rel = concerned.merge(eng, on="eng")
    rg = rel["region"].map(gid).to_numpy(dtype=int)
    data: dict[str, np.ndarray] = {}
    total = np.zeros((ng, len(labels)))
    for k in kind_list:
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
    out = []
    for i, region in enumerate(names):
        frame_r = {"region": region, "period": labels}
        frame_r.update({k: v[i] for k, v in data.items()})
        out.append(pd.DataFrame(frame_r))
    wide = pd.concat(out, ignore_index=True)
    # a region none of whose members ever took part has no collaboration data: no rows
    active = concerned["region"].unique()
    wide = wide.loc[wide["region"].isin(active)]
    wide = clip_periods(wide, start_p, end_p)
    return tidy(wide, "collaboration", indicator_names)
