"""Context for an evaluation: milestones proposed from the collaboration data, the comparison regions,
and the sustained declines of incidents with the engagements that preceded them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from metrics.evaluation_stats import CAVEAT, NAN, Result, Windows, fmt_num
from metrics.frames import TableLike, region_members
from metrics.signals import TREND_MONTHS

#: engagement kinds that make a partnership (a visit or an arms sale alone does not)
PARTNER_KINDS: tuple[str, ...] = (
    "joint_exercise",
    "defence_agreement",
    "training_mission",
    "defence_pact",
    "offence_pact",
    "neutrality_pact",
    "non_aggression_pact",
    "consultation_pact",
)
PROPOSAL_COLUMNS: tuple[str, ...] = ("region", "month", "label", "reason", "kind")
COMPARISON_COLUMNS: tuple[str, ...] = ("region", "used", "reason")


def _kind_label(kind: str) -> str:
    return str(kind).replace("_", " ")


def _name(code: str) -> str:
    from datasets.countries import country_name

    try:
        return country_name(str(code))
    except KeyError:
        return str(code)


def _engagements(collaboration: TableLike, regions: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(engagements with ``eng, month, kind, name``; ``region, eng, iso3, member`` participation rows)."""
    frame = collaboration.to_pandas() if not isinstance(collaboration, pd.DataFrame) else collaboration
    eng = pd.DataFrame(
        {
            "eng": np.arange(len(frame)),
            "event_id": frame["event_id"].to_numpy() if "event_id" in frame else np.arange(len(frame)),
            "month": pd.to_datetime(frame["start_date"]).dt.strftime("%Y-%m").to_numpy(),
            "kind": frame["kind"].to_numpy(),
            "name": frame["name"].to_numpy() if "name" in frame else None,
            "participants": frame["participants"].to_numpy(),
        }
    )
    parts = eng[["eng", "participants"]].explode("participants").dropna().drop_duplicates()
    parts = parts.rename(columns={"participants": "iso3"})
    members = region_members(regions)
    concerned = parts.merge(members, on="iso3")[["region", "eng"]].drop_duplicates()
    rows = concerned.merge(parts, on="eng")
    keys = pd.MultiIndex.from_frame(members[["region", "iso3"]])
    rows["member"] = pd.MultiIndex.from_frame(rows[["region", "iso3"]]).isin(keys)
    return eng, rows


def propose_milestones(
    collaboration: TableLike,
    regions: pd.DataFrame,
    *,
    region_names: Sequence[str] | None = None,
    burn_in: int = 12,
    density_jump: float = 0.10,
    partner_kinds: Sequence[str] = PARTNER_KINDS,
    indicators: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Milestones proposed from the collaboration data, one row per region, month and kind of novelty.

    Columns ``region, month, label, reason, kind``; ``kind`` is one of

    - ``new_partner``: the first engagement of a kind in ``partner_kinds`` between a member and a
      state outside the region that had not taken part in any such engagement with the region before;
    - ``new_kind``: the first engagement of a kind (exercise, agreement, …) concerning the region;
    - ``density_jump``: network density (share of member pairs tied in the trailing 12 months) rising
      by at least ``density_jump`` (share points) from one month to the next.

    Everything is new when the data begin, so nothing is proposed in the first ``burn_in`` months of
    the collaboration data. ``indicators``: the tidy output of ``collaboration_indicators`` when already
    computed (else it is computed here for the density).
    """
    from metrics.collaboration import collaboration_indicators

    cols = {c: pd.Series(dtype=object) for c in PROPOSAL_COLUMNS}
    empty = pd.DataFrame(cols)
    if region_names is not None:
        regions = regions.loc[regions["region"].isin(list(region_names))]
    if len(collaboration) == 0 or regions.empty:
        return empty
    eng, rows = _engagements(collaboration, regions)
    first = pd.Period(min(eng["month"]), freq="M")
    start = str(first + burn_in)
    since = f"since the collaboration data began ({first})"
    out: list[dict[str, object]] = []
    rel = rows.merge(eng[["eng", "month", "kind", "name"]], on="eng")
    rel = rel.sort_values(["month", "eng"], kind="stable")
    # first engagement of each kind per region
    firsts = rel.drop_duplicates(["region", "kind"])
    for r in firsts.loc[firsts["month"] >= start].itertuples():
        k = _kind_label(str(r.kind))
        named = f": {r.name}" if isinstance(r.name, str) and r.name else ""
        out.append(
            {
                "region": r.region,
                "month": r.month,
                "label": f"First {k} involving {r.region}{named}",
                "reason": f"no {k} concerned a member of {r.region} {since}",
                "kind": "new_kind",
            }
        )
    # first engagement with each outside partner
    ext = rel.loc[~rel["member"] & rel["kind"].isin(list(partner_kinds))]
    newp = ext.drop_duplicates(["region", "iso3"])
    newp = newp.loc[newp["month"] >= start]
    kinds = ", ".join(_kind_label(k) for k in partner_kinds)
    for (region, month), g in newp.groupby(["region", "month"], sort=True):
        names = [_name(c) for c in g["iso3"]]
        first_name = g["name"].iloc[0]
        label = (
            f"First engagement with {names[0]}" + (f" ({first_name})" if isinstance(first_name, str) else "")
            if len(names) == 1
            else f"First engagements with {', '.join(names)}"
        )
        out.append(
            {
                "region": region,
                "month": month,
                "label": label,
                "reason": f"first {kinds} between a member of {region} and {', '.join(names)} {since}",
                "kind": "new_partner",
            }
        )
    # jumps in network density
    tidy = indicators if indicators is not None else collaboration_indicators(collaboration, regions)
    dens = tidy.loc[tidy["indicator"] == "network_density"]
    for region, g in dens.groupby("region", sort=True):
        if region not in set(regions["region"]):
            continue
        s = g.set_index("period")["value"].sort_index()
        rise = s.diff()
        hits = rise.loc[(rise >= density_jump - 1e-12) & (rise.index >= start)]
        for month, d in hits.items():
            before, after = s.shift(1).loc[month], s.loc[month]
            out.append(
                {
                    "region": region,
                    "month": month,
                    "label": f"Network density rose from {before:.0%} to {after:.0%}",
                    "reason": (
                        "the share of member pairs tied in the trailing 12 months rose by "
                        f"{d * 100:.0f} points in one month (threshold {density_jump * 100:.0f})"
                    ),
                    "kind": "density_jump",
                }
            )
    if not out:
        return empty
    frame = pd.DataFrame(out, columns=list(PROPOSAL_COLUMNS))
    return frame.sort_values(["region", "month", "kind"], kind="stable").reset_index(drop=True)


def choose_comparison(
    regions: pd.DataFrame,
    region: str,
    windows: Windows,
    *,
    with_data: Sequence[str],
    proposals: pd.DataFrame,
    compare: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Which regions serve as the comparison, and why the others do not.

    Default (``compare`` None): the other regions of the region's grouping (``grouping`` column) that
    (1) share no member country with the region, (2) have incident data (``with_data``), and (3) have no
    proposed milestone (``proposals``, any kind) in the before or after window. With ``compare``, the
    named regions are used whenever they have incident data; a shared member or a milestone of their
    own is noted in ``reason``. Columns ``region, used, reason``.
    """
    members = region_members(regions)
    member_sets = {str(r): set(g) for r, g in members.groupby("region", sort=False)["iso3"]}
    own = member_sets.get(region, set())
    if compare is None:
        groups = (
            set(regions.loc[regions["region"] == region, "grouping"].dropna())
            if "grouping" in regions
            else set()
        )
        cand = (
            sorted(set(regions.loc[regions["grouping"].isin(groups), "region"]) - {region}) if groups else []
        )
    else:
        cand = list(dict.fromkeys(compare))
    data = set(with_data)
    proposed: dict[str, list[tuple[str, str]]] = {}
    if len(proposals):
        for r, m, lbl in zip(proposals["region"], proposals["month"], proposals["label"], strict=True):
            proposed.setdefault(str(r), []).append((str(m), str(lbl)))
    rows = []
    for c in cand:
        shared = sorted(own & member_sets.get(c, set()))
        inside = [f"{m} {lbl}" for m, lbl in proposed.get(c, []) if windows.contains(pd.Period(m, freq="M"))]
        notes = []
        if shared:
            notes.append(f"shares member countries with {region} ({', '.join(shared[:5])})")
        if inside:
            more = f" (+{len(inside) - 1} more)" if len(inside) > 1 else ""
            notes.append(f"proposed milestone in the windows: {inside[0]}{more}")
        if c not in data:
            rows.append((c, False, "no incident data"))
        elif compare is None and notes:
            rows.append((c, False, "; ".join(notes)))
        else:
            rows.append((c, True, "; ".join(notes)))
    return pd.DataFrame(rows, columns=list(COMPARISON_COLUMNS)).astype({"used": bool})


EPISODE_COLUMNS: tuple[str, ...] = (
    "region",
    "flag_on",
    "flag_off",
    "ongoing",
    "decline_from",
    "incidents_before",
    "incidents_latest",
    "change",
    "trend_change_per_year",
    "trend_p_value",
    "engagements_before",
    "finding",
)
ENGAGEMENT_COLUMNS: tuple[str, ...] = ("flag_on", "event_id", "month", "kind", "name", "participants")


def decline_context(
    conflict: pd.DataFrame,
    collaboration: TableLike,
    regions: pd.DataFrame,
    *,
    region: str,
    trend_window: int = TREND_MONTHS,
    lookback: int = 12,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each episode of the downward-trend flag, with its size and the engagements before it.

    ``conflict``: tidy output of ``conflict_indicators`` (computed with ``trend_window``). An episode is
    a run of months with ``downward_trend`` = 1, from ``flag_on`` to ``flag_off`` (``ongoing`` when
    it reaches the last month of the data). The test that first raised the flag covered the
    ``trend_window`` months ending at ``flag_on``, so the decline began about ``decline_from`` =
    flag_on − (trend_window − 1). Size: ``incidents_before`` = incidents in the ``lookback`` months before
    ``decline_from``, ``incidents_latest`` = incidents in the ``lookback`` months ending at ``flag_off``,
    ``change`` = latest ÷ before − 1 (relative change; empty when the before months run off the data).
    ``engagements_before``: engagements concerning the region that started in the ``lookback`` months
    before ``decline_from``; they are listed in the second frame (``flag_on, event_id, month, kind,
    name, participants``).
    """
    ep_empty = pd.DataFrame({c: pd.Series(dtype=object) for c in EPISODE_COLUMNS})
    en_empty = pd.DataFrame({c: pd.Series(dtype=object) for c in ENGAGEMENT_COLUMNS})
    mine = conflict.loc[conflict["region"] == region]
    if mine.empty:
        return ep_empty, en_empty
    wide = mine.pivot(index="period", columns="indicator", values="value").sort_index()
    months = pd.PeriodIndex(wide.index, freq="M")
    flag = wide.get("downward_trend", pd.Series(np.nan, index=wide.index)).fillna(0).to_numpy() == 1
    inc = wide.get("incidents", pd.Series(np.nan, index=wide.index)).to_numpy(dtype=float)
    slope = wide.get("trend_change_per_year", pd.Series(np.nan, index=wide.index)).to_numpy(dtype=float)
    pval = wide.get("trend_p_value", pd.Series(np.nan, index=wide.index)).to_numpy(dtype=float)
    edges = np.diff(np.r_[0, flag.astype(int), 0])
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1
    eng, rows = (None, None)
    if len(starts) and len(collaboration):
        eng, rows = _engagements(collaboration, regions.loc[regions["region"] == region])
    episodes, listed = [], []
    for s, e in zip(starts, ends, strict=True):
        d = s - (trend_window - 1)
        before = float(inc[d - lookback : d].sum()) if d - lookback >= 0 else NAN
        latest = float(inc[max(0, e - lookback + 1) : e + 1].sum()) if e - lookback + 1 >= 0 else NAN
        change = latest / before - 1 if before and not math.isnan(before) and not math.isnan(latest) else NAN
        decline_from = str(months[max(d, 0)])
        picked = en_empty
        if eng is not None and rows is not None and d - lookback >= 0:
            lo, hi = str(months[d - lookback]), str(months[d - 1])
            ids = rows.loc[rows["region"] == region, "eng"].unique()
            sel = eng.loc[eng["eng"].isin(ids) & (eng["month"] >= lo) & (eng["month"] <= hi)]
            picked = pd.DataFrame(
                {
                    "flag_on": str(months[s]),
                    "event_id": sel["event_id"].to_numpy(),
                    "month": sel["month"].to_numpy(),
                    "kind": sel["kind"].to_numpy(),
                    "name": sel["name"].to_numpy(),
                    "participants": [", ".join(map(str, p)) for p in sel["participants"]],
                }
            )
        listed.append(picked)
        ongoing = bool(e == len(flag) - 1)
        row = {
            "region": region,
            "flag_on": str(months[s]),
            "flag_off": str(months[e]),
            "ongoing": ongoing,
            "decline_from": decline_from,
            "incidents_before": before,
            "incidents_latest": latest,
            "change": change,
            "trend_change_per_year": float(slope[e]),
            "trend_p_value": float(pval[e]),
            "engagements_before": len(picked) if eng is not None and d - lookback >= 0 else NAN,
        }
        row["finding"] = _decline_finding(row, picked, lookback, trend_window)
        episodes.append(row)
    if not episodes:
        return ep_empty, en_empty
    found = [p for p in listed if len(p)]
    return (
        pd.DataFrame(episodes, columns=list(EPISODE_COLUMNS)),
        pd.concat(found, ignore_index=True) if found else en_empty,
    )


def _decline_finding(row: dict[str, object], picked: pd.DataFrame, lookback: int, trend_window: int) -> str:
    region = row["region"]
    if row["ongoing"]:
        span = f"have shown a downward trend since {row['flag_on']}"
    elif row["flag_on"] == row["flag_off"]:
        span = f"showed a downward trend in {row['flag_on']}"
    else:
        span = f"showed a downward trend from {row['flag_on']} to {row['flag_off']}"
    text = (
        f"Incidents in {region} {span} (trend test over {trend_window}-month windows), "
        f"the decline beginning about {row['decline_from']}"
    )
    before, latest, change = row["incidents_before"], row["incidents_latest"], row["change"]
    if isinstance(change, float) and not math.isnan(change):
        text += (
            f": {fmt_num(float(latest))} incidents in the {lookback} months to {row['flag_off']} against "
            f"{fmt_num(float(before))} in the {lookback} months before it began ({change:+.0%})"
        )
    else:
        text += f"; the data do not reach {lookback} months before it began"
    if isinstance(row["engagements_before"], int):
        n = row["engagements_before"]
        if n:
            counts = picked["kind"].value_counts()
            parts = ", ".join(f"{v} {_kind_label(k)}{'s' if v != 1 else ''}" for k, v in counts.items())
            text += f". In the {lookback} months before it began: {n} engagements ({parts}); {CAVEAT}"
        else:
            text += f". No engagement concerning {region} started in the {lookback} months before it began"
    return text + "."


def decline_result(episodes: pd.DataFrame, region: str, milestone: pd.Period | None = None) -> Result:
    """The latest decline episode as a ``Result`` (measure ``incidents_sustained_decline``).

    ``estimate`` = its relative change (incidents in the latest ``lookback`` months ÷ those before the
    decline began − 1); ``p_value`` = the trend p at ``flag_off``; ``n_before``/``n_after`` =
    those two incident counts. No interval.
    """
    measure = "incidents_sustained_decline"
    method = (
        "latest run of the downward-trend flag (seasonal count model over the trailing 36 months, "
        "metrics.signals): relative change of incidents, 12 months before it began against the last 12 months"
    )
    if episodes.empty:
        reason = f"The downward-trend flag never turned on for {region} in the incident data."
        return Result(measure, method=method, finding=reason, reason=reason)
    row = episodes.iloc[-1]
    finding = str(row["finding"])
    if milestone is not None:
        on = str(row["flag_on"])
        gap = (pd.Period(on, freq="M") - milestone).n
        side = "after" if gap > 0 else "before"
        where = f"{abs(gap)} months {side} the milestone" if gap else "the milestone month"
        finding = finding.replace(f" {on}", f" {on} ({where})", 1)
    change = float(row["change"]) if pd.notna(row["change"]) else NAN
    return Result(
        measure,
        change,
        NAN,
        NAN,
        float(row["trend_p_value"]),
        float(row["incidents_before"]),
        float(row["incidents_latest"]),
        method,
        finding,
        details={k: row[k] for k in ("flag_on", "flag_off", "ongoing", "decline_from", "engagements_before")},
    )
