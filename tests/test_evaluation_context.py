"""Proposed milestones, the choice of comparison regions and sustained declines in context."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from metrics.evaluation_context import choose_comparison, decline_context, decline_result, propose_milestones
from metrics.evaluation_stats import make_windows


def engagements(rows: list[tuple[str, str, str, list[str]]]) -> pd.DataFrame:
    """(start month, kind, name, participants) → a collaboration frame."""
    return pd.DataFrame(
        {
            "event_id": [f"E{i}" for i in range(len(rows))],
            "start_date": [dt.date.fromisoformat(f"{m}-10") for m, *_ in rows],
            "end_date": [None] * len(rows),
            "kind": [k for _, k, _, _ in rows],
            "name": [n for _, _, n, _ in rows],
            "participants": [p for *_, p in rows],
            "weight": [1.0] * len(rows),
            "source": ["test"] * len(rows),
        }
    )


REGIONS = pd.DataFrame(
    {
        "region": ["North", "North", "South", "West", "Both", "Both", "Far"],
        "iso3": ["FRA", "DEU", "ITA", "ESP", "FRA", "PRT", "JPN"],
        "grouping": ["G", "G", "G", "G", "G", "G", "H"],
    }
)


def test_proposed_milestones_new_partner_new_kind_and_density_jump():
    collab = engagements(
        [
            ("2020-01", "joint_exercise", "Ex A", ["FRA", "DEU"]),  # data begin: burn-in to 2020-12
            ("2020-06", "joint_exercise", "Ex B", ["FRA", "USA"]),  # USA in the burn-in: not proposed
            ("2021-03", "joint_exercise", "Ex C", ["FRA", "GBR"]),  # new partner GBR for North
            ("2021-05", "training_mission", "Tm D", ["DEU", "ITA"]),  # new kind N & S; partners ITA, DEU
            ("2021-06", "high_level_visit", "Visit E", ["FRA", "CAN"]),  # new kind for North; CAN no partner
            ("2022-02", "joint_exercise", "Ex F", ["FRA", "DEU"]),  # North pair tied again: density 0 → 1
        ]
    )
    regions = REGIONS.loc[REGIONS["region"].isin(["North", "South"])]
    got = propose_milestones(collab, regions)
    assert list(got.columns) == ["region", "month", "label", "reason", "kind"]
    rows = list(got[["region", "month", "kind"]].itertuples(index=False, name=None))
    # North's one pair is tied 2020-01..2020-12 (trailing 12 months of Ex A), untied 2021-01..2022-01,
    # tied again from 2022-02: a rise of 1.0 in one month.
    assert rows == [
        ("North", "2021-03", "new_partner"),
        ("North", "2021-05", "new_kind"),
        ("North", "2021-05", "new_partner"),
        ("North", "2021-06", "new_kind"),
        ("North", "2022-02", "density_jump"),
        ("South", "2021-05", "new_kind"),
        ("South", "2021-05", "new_partner"),
    ]
    label = dict(zip(zip(got["region"], got["month"], got["kind"], strict=True), got["label"], strict=True))
    assert label[("North", "2021-03", "new_partner")] == "First engagement with United Kingdom (Ex C)"
    assert label[("North", "2021-05", "new_partner")] == "First engagement with Italy (Tm D)"
    assert label[("South", "2021-05", "new_partner")] == "First engagement with Germany (Tm D)"
    assert label[("North", "2021-06", "new_kind")] == "First high level visit involving North: Visit E"
    assert label[("North", "2022-02", "density_jump")] == "Network density rose from 0% to 100%"
    assert got["reason"].str.len().gt(20).all()


def test_no_proposals_inside_the_burn_in_or_without_data():
    collab = engagements([("2020-01", "joint_exercise", "A", ["FRA", "USA"])])
    assert propose_milestones(collab, REGIONS).empty
    assert propose_milestones(collab.iloc[0:0], REGIONS).empty


def test_default_comparison_is_the_grouping_without_overlap_milestones_or_missing_data():
    proposals = pd.DataFrame(
        {
            "region": ["West", "South"],
            "month": ["2021-02", "2024-01"],  # West's inside the windows, South's outside
            "label": ["First engagement with Canada", "x"],
            "reason": ["r", "r"],
            "kind": ["new_partner", "new_partner"],
        }
    )
    w = make_windows("2021-06", 12)  # windows 2020-06 .. 2022-05
    got = choose_comparison(REGIONS, "North", w, with_data=["North", "South", "West"], proposals=proposals)
    assert got["region"].tolist() == ["Both", "South", "West"]  # Far is in another grouping
    used = dict(zip(got["region"], got["used"], strict=True))
    assert used == {"Both": False, "South": True, "West": False}
    reasons = dict(zip(got["region"], got["reason"], strict=True))
    assert "no incident data" in reasons["Both"]
    assert "2021-02 First engagement with Canada" in reasons["West"]
    # named comparisons are used even with a milestone of their own (noted), not without data
    named = choose_comparison(
        REGIONS,
        "North",
        w,
        with_data=["South", "West", "Both"],
        proposals=proposals,
        compare=["West", "Both"],
    )
    assert named["used"].tolist() == [True, True]
    assert "proposed milestone" in named["reason"].iloc[0] and "shares member" in named["reason"].iloc[1]


def conflict_tidy(region: str, incidents: list[float], flags: list[float]) -> pd.DataFrame:
    periods = [str(p) for p in pd.period_range("2018-01", periods=len(incidents), freq="M")]
    n = len(periods)
    rows = []
    for ind, vals in (
        ("incidents", incidents),
        ("downward_trend", flags),
        ("trend_change_per_year", [-0.5] * n),
        ("trend_p_value", [0.01] * n),
    ):
        rows.append(pd.DataFrame({"region": region, "period": periods, "indicator": ind, "value": vals}))
    out = pd.concat(rows, ignore_index=True)
    out["family"] = "conflict"
    out["ci_low"] = np.nan
    out["ci_high"] = np.nan
    return out


def test_decline_context_sizes_the_decline_and_lists_preceding_engagements():
    inc = [10.0] * 13 + [5.0] * 17  # 30 months from 2018-01
    flags = [0.0] * 24 + [1.0] * 3 + [0.0] * 3  # flag on 2020-01 .. 2020-03 (months 24..26)
    collab = engagements(
        [
            ("2018-06", "joint_exercise", "Before", ["FRA", "DEU"]),  # month 5: inside 2018-02..2019-01
            ("2019-02", "joint_exercise", "During", ["FRA", "DEU"]),  # month 13: after the decline began
            ("2018-07", "joint_exercise", "Elsewhere", ["ITA", "ESP"]),  # not North's
        ]
    )
    episodes, listed = decline_context(
        conflict_tidy("North", inc, flags), collab, REGIONS, region="North", trend_window=12
    )
    assert len(episodes) == 1
    e = episodes.iloc[0]
    # the first flagged test covered 2019-02..2020-01, so the decline began about 2019-02 (month 13)
    assert (e["flag_on"], e["flag_off"], e["decline_from"], e["ongoing"]) == (
        "2020-01",
        "2020-03",
        "2019-02",
        False,
    )
    # before: months 1..12 = 12 × 10 = 120; latest: the 12 months to 2020-03 (months 15..26) = 12 × 5
    assert (e["incidents_before"], e["incidents_latest"]) == (120.0, 60.0)
    assert e["change"] == pytest.approx(-0.5)
    assert e["engagements_before"] == 1
    assert listed["name"].tolist() == ["Before"] and listed["participants"].tolist() == ["FRA, DEU"]
    assert "-50%" in e["finding"] and "1 joint exercise" in e["finding"]
    res = decline_result(episodes, "North", pd.Period("2019-06", freq="M"))
    assert res.estimate == pytest.approx(-0.5) and (res.n_before, res.n_after) == (120.0, 60.0)
    assert "2020-01 (7 months after the milestone)" in res.finding


def test_no_decline_gives_a_reason():
    episodes, listed = decline_context(
        conflict_tidy("North", [3.0] * 30, [0.0] * 30), engagements([]), REGIONS, region="North"
    )
    assert episodes.empty and listed.empty
    res = decline_result(episodes, "North")
    assert math.isnan(res.estimate) and "never turned on" in res.reason
