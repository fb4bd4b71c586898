"""Indicators the imported sources feed: periods at the source's grain, coverage, TIV, coverage_end.

Tiny literal tables; every expected value is worked out by hand in the comments.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest
from conftest import incidents_frame, monthly_incidents, value

from metrics.collaboration import collaboration_indicators
from metrics.indicators import compute_indicators
from metrics.perception import perception_indicators


def _collab(rows: list[tuple]) -> pd.DataFrame:
    """(event_id, start, end, kind, participants, weight, source, period_grain) rows."""
    return pd.DataFrame(
        rows,
        columns=[
            "event_id",
            "start_date",
            "end_date",
            "kind",
            "participants",
            "weight",
            "source",
            "period_grain",
        ],
    ).assign(name=None)


REGIONS = pd.DataFrame({"region": ["North", "North"], "iso3": ["NOR", "DNK"]})


def _two_sources() -> pd.DataFrame:
    # exercises from source A cover 2005-01 .. 2006-12; agreements from source B 2005-01 .. 2008-12
    return _collab(
        [
            ("x1", dt.date(2005, 1, 10), None, "joint_exercise", ["NOR", "DNK"], None, "A", None),
            ("x2", dt.date(2006, 12, 3), None, "joint_exercise", ["NOR", "USA"], None, "A", None),
            ("p1", dt.date(2005, 1, 1), None, "defence_agreement", ["NOR", "DNK"], None, "B", None),
            ("p2", dt.date(2008, 12, 1), None, "defence_agreement", ["DNK", "SWE"], None, "B", None),
        ]
    )


def test_each_kind_covers_only_its_sources_span_and_sums_only_where_every_kind_is_covered() -> None:
    out = collaboration_indicators(_two_sources(), REGIONS)

    def periods(indicator: str) -> list[str]:
        return sorted(out.loc[out["indicator"] == indicator, "period"])

    # exercises end with source A (2006-12): no rows after, not zeros
    assert periods("engagements_joint_exercise")[-1] == "2006-12"
    assert periods("engagements_defence_agreement")[-1] == "2008-12"
    # the sums over kinds exist only where both kinds are covered: 2005-01 .. 2006-12 (24 months)
    for name in ("engagements_total", "collaboration_score", "network_density", "external_partners"):
        assert periods(name) == [f"{y}-{m:02d}" for y in (2005, 2006) for m in range(1, 13)], name
    # an observed zero inside the coverage: no exercise in 2005-02
    assert value(out, "North", "2005-02", "engagements_joint_exercise") == 0
    # p1 in force from 2005-01 (open end: to the data's end); p2 adds one in 2008-12
    assert value(out, "North", "2007-06", "engagements_defence_agreement") == 1
    assert value(out, "North", "2008-12", "engagements_defence_agreement") == 2
    # kinds absent from the data have no series at all
    assert not out["indicator"].isin(["engagements_high_level_visit", "engagements_arms_transfer"]).any()
    # where the data end: the family's last period, and each kind's
    assert value(out, "North", "2008-12", "coverage_end") == 1
    assert value(out, "North", "2006-12", "coverage_end_joint_exercise") == 1
    assert value(out, "North", "2008-12", "coverage_end_defence_agreement") == 1


def test_coverage_end_rows_are_kept_whatever_the_period_asked_for() -> None:
    out = collaboration_indicators(_two_sources(), REGIONS, start="2008-01", end="2008-06")
    assert sorted(out.loc[out["indicator"] == "engagements_defence_agreement", "period"])[0] == "2008-01"
    assert value(out, "North", "2006-12", "coverage_end_joint_exercise") == 1


def test_composite_reads_months_after_a_sources_end_as_missing_not_as_no_collaboration() -> None:
    # three members (3 pairs): NOR-DNK tied throughout, DNK-SWE from the exercise of 2006-06 on, so the
    # density varies (1/3, then 2/3; bilateral ties weigh 1)
    collab = pd.concat(
        [
            _two_sources(),
            _collab([("x3", dt.date(2006, 6, 2), None, "joint_exercise", ["DNK", "SWE"], None, "A", None)]),
        ],
        ignore_index=True,
    )
    three = pd.DataFrame({"region": ["North"] * 3, "iso3": ["NOR", "DNK", "SWE"]})
    incidents = incidents_frame(
        monthly_incidents("NOR", [2] * 48, first="2005-01")
        + monthly_incidents("DNK", [1] * 48, first="2005-01")
    )
    perception = pd.DataFrame(columns=["survey", "wave_date", "iso3", "indicator", "value", "source"])
    out = compute_indicators(incidents, collab, perception, three, families=("collaboration", "composite"))
    # 2006-06: both kinds covered -> the collaboration family has data (density 2/3 on the fixed
    # goalposts 0 … 1 -> 100 × 2/3)
    assert value(out, "North", "2006-06", "network_density") == pytest.approx(2 / 3)
    assert value(out, "North", "2006-06", "score_collaboration") == pytest.approx(100 * 2 / 3)
    assert value(out, "North", "2006-06", "coverage_collaboration") == 1
    # 2007-06: exercise data have ended -> collaboration is missing (no density), not a score of 0
    assert value(out, "North", "2007-06", "coverage_collaboration") == 0
    assert math.isnan(value(out, "North", "2007-06", "score_collaboration"))
    # compute_indicators keeps where the data end, even outside the period asked for
    clipped = compute_indicators(
        incidents, collab, perception, three, families=("collaboration",), start="2008-01", end="2008-03"
    )
    assert value(clipped, "North", "2006-12", "coverage_end_joint_exercise") == 1


def test_arms_transfer_tiv_annual_and_monthly_with_unknown_tiv() -> None:
    regions = pd.DataFrame({"region": ["R", "R"], "iso3": ["POL", "CZE"]})
    c = _collab(
        [
            # annual (SIPRI-like): 2020 known 5 + unknown; 2021 only unknown -> missing; 2022 nothing -> 0
            ("s1", dt.date(2020, 1, 1), None, "arms_transfer", ["USA", "POL"], 5.0, "S", "year"),
            ("s2", dt.date(2020, 1, 1), None, "arms_transfer", ["DEU", "CZE"], None, "S", "year"),
            ("s3", dt.date(2021, 1, 1), None, "arms_transfer", ["DEU", "POL"], None, "S", "year"),
            ("s4", dt.date(2023, 1, 1), None, "arms_transfer", ["CZE", "POL"], 2.5, "S", "year"),
        ]
    )
    out = collaboration_indicators(c, regions)
    assert value(out, "R", "2020", "arms_transfer_tiv") == pytest.approx(5.0)
    assert math.isnan(value(out, "R", "2021", "arms_transfer_tiv"))
    assert value(out, "R", "2022", "arms_transfer_tiv") == 0
    # CZE -> POL: both members, counted once
    assert value(out, "R", "2023", "arms_transfer_tiv") == pytest.approx(2.5)
    assert [value(out, "R", y, "engagements_arms_transfer") for y in ("2020", "2021", "2022", "2023")] == [
        2,
        1,
        0,
        1,
    ]
    monthly = _collab(
        [
            ("m1", dt.date(2020, 3, 5), None, "arms_transfer", ["USA", "POL"], 1.5, "M", None),
            ("m2", dt.date(2020, 3, 20), None, "arms_transfer", ["USA", "CZE"], 2.0, "M", None),
            ("m3", dt.date(2020, 5, 1), None, "arms_transfer", ["USA", "CZE"], 1.0, "M", None),
        ]
    )
    out = collaboration_indicators(monthly, regions)
    assert [
        value(out, "R", p, "arms_transfer_tiv") for p in ("2020-03", "2020-04", "2020-05")
    ] == pytest.approx([3.5, 0.0, 1.0])


def test_annual_agreements_count_in_every_year_in_force() -> None:
    regions = pd.DataFrame({"region": ["R"], "iso3": ["KAZ"]})
    c = _collab(
        [
            (
                "k1",
                dt.date(2001, 1, 1),
                dt.date(2001, 12, 31),
                "defence_agreement",
                ["RUS", "KAZ"],
                1.0,
                "MN",
                "year",
            ),
            (
                "k2",
                dt.date(2003, 1, 1),
                dt.date(2003, 12, 31),
                "defence_agreement",
                ["RUS", "KAZ"],
                1.0,
                "MN",
                "year",
            ),
            (
                "k3",
                dt.date(2000, 1, 1),
                dt.date(2002, 12, 31),
                "defence_agreement",
                ["CHN", "KAZ"],
                1.0,
                "MN",
                "year",
            ),
        ]
    )
    out = collaboration_indicators(c, regions)
    # k3 in force 2000-2002; k1 2001; k2 2003
    assert [
        value(out, "R", y, "engagements_defence_agreement") for y in ("2000", "2001", "2002", "2003")
    ] == [
        1,
        2,
        1,
        1,
    ]
    assert value(out, "R", "2003", "coverage_end") == 1


def test_perception_annual_periods_coverage_end_and_only_national_values() -> None:
    frame = pd.DataFrame(
        {
            "survey": "S",
            "wave_date": [dt.date(2019, 1, 1), dt.date(2021, 1, 1), dt.date(2021, 1, 1), dt.date(2021, 1, 1)],
            "iso3": ["GHA", "GHA", "GHA", "GHA"],
            "indicator": ["feel_safe", "feel_safe", "feel_safe", "feel_unsafe"],
            "value": [0.6, 0.7, 0.2, 0.3],
            "source": "x",
            "breakdown": [None, None, "Sex=Female", None],
            "period_grain": "year",
        }
    )
    out = perception_indicators(frame, pd.DataFrame({"region": ["W"], "iso3": ["GHA"]}))
    assert value(out, "W", "2019", "feel_safe") == pytest.approx(0.6)
    assert value(out, "W", "2021", "feel_safe") == pytest.approx(0.7)  # the breakdown (0.2) never enters
    assert value(out, "W", "2021", "feel_unsafe") == pytest.approx(0.3)
    assert value(out, "W", "2021", "feel_safe_change") == pytest.approx(0.1)
    assert value(out, "W", "2021", "coverage_end") == 1
    clipped = perception_indicators(frame, pd.DataFrame({"region": ["W"], "iso3": ["GHA"]}), end="2019-12")
    assert value(clipped, "W", "2021", "coverage_end") == 1
    assert not ((clipped["indicator"] == "feel_safe") & (clipped["period"] == "2021")).any()


def test_sample_data_keeps_every_earlier_indicator(sample_bundle) -> None:  # noqa: ANN001
    b = sample_bundle
    out = collaboration_indicators(b.collaboration.table, b.regions)
    # one source covering every kind: every month of the data has every series, as before
    months = out.loc[out["indicator"] == "network_density", "period"]
    assert months.str.len().eq(7).all() and months.min() == "2015-01"
    assert np.isfinite(out.loc[out["indicator"] == "arms_transfer_tiv", "value"]).all()
