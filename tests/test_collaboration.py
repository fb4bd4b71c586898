"""Collaboration indicators on a tiny literal table, expected values worked out by hand."""

import datetime as dt
import math

import pandas as pd
import pytest
from conftest import value

from metrics.collaboration import collaboration_indicators


def _collab(rows):
    frame = pd.DataFrame(
        rows, columns=["event_id", "start_date", "end_date", "kind", "participants", "weight"]
    )
    frame["source"] = "test"
    frame["name"] = None
    return frame


@pytest.fixture
def west():
    # a region of three members: 3 possible pairs
    return pd.DataFrame({"region": ["West"] * 3 + ["Solo"], "iso3": ["FRA", "DEU", "ITA", "ISL"]})


def test_counts_weights_density_partners(west):
    c = _collab(
        [
            ("a", dt.date(2020, 1, 5), None, "joint_exercise", ["FRA", "DEU", "USA"], 1.0),
            ("b", dt.date(2020, 3, 1), None, "arms_transfer", ["USA", "ITA"], 50.0),
            ("c", dt.date(2020, 2, 1), dt.date(2020, 2, 28), "defence_agreement", ["FRA", "ITA"], None),
            (
                "d",
                dt.date(2020, 3, 9),
                None,
                "high_level_visit",
                ["CAN", "GBR"],
                1.0,
            ),  # no member: not West's
        ]
    )
    out = collaboration_indicators(c, west, window=2)
    # January: exercise a only
    assert value(out, "West", "2020-01", "engagements_joint_exercise") == 1
    assert value(out, "West", "2020-01", "engagements_total") == 1
    assert value(out, "West", "2020-01", "collaboration_score") == 1.0
    # February: agreement c in force (weight missing → 1)
    assert value(out, "West", "2020-02", "engagements_defence_agreement") == 1
    assert value(out, "West", "2020-02", "collaboration_score") == 1.0
    # March: transfer b (TIV 50); visit d concerns no member of West
    assert value(out, "West", "2020-03", "engagements_arms_transfer") == 1
    assert value(out, "West", "2020-03", "engagements_high_level_visit") == 0
    assert value(out, "West", "2020-03", "collaboration_score") == 50.0
    # density over a 2-month trailing window, 3 pairs possible:
    # Jan {FRA-DEU} = 1/3; Feb {FRA-DEU (Jan), FRA-ITA} = 2/3;
    # Mar {FRA-ITA (Feb)} = 1/3 (b ties ITA to a non-member)
    assert value(out, "West", "2020-01", "network_density") == pytest.approx(1 / 3)
    assert value(out, "West", "2020-02", "network_density") == pytest.approx(2 / 3)
    assert value(out, "West", "2020-03", "network_density") == pytest.approx(1 / 3)
    # external partners in the window: USA (a) in Jan and Feb; USA (b) in Mar → 1 each month
    assert [value(out, "West", p, "external_partners") for p in ("2020-01", "2020-02", "2020-03")] == [
        1,
        1,
        1,
    ]
    # Solo (ISL) took part in nothing: no rows, not zeros
    assert "Solo" not in set(out["region"])


def test_agreement_in_force_counts_every_month_and_open_end_runs_to_data_end(west):
    c = _collab(
        [
            ("p", dt.date(2020, 1, 1), None, "defence_agreement", ["FRA", "DEU"], 1.0),
            ("x", dt.date(2020, 4, 1), None, "joint_exercise", ["ITA", "DEU"], 1.0),
        ]
    )
    out = collaboration_indicators(c, west, window=1)
    for p in ("2020-01", "2020-02", "2020-03", "2020-04"):
        assert value(out, "West", p, "engagements_defence_agreement") == 1
    # April: pact FRA-DEU and exercise ITA-DEU → 2 of 3 pairs
    assert value(out, "West", "2020-04", "network_density") == pytest.approx(2 / 3)
    assert value(out, "West", "2020-04", "engagements_total") == 2


def test_engagement_counted_once_per_region_and_single_member_region(west):
    c = _collab([("a", dt.date(2021, 6, 1), None, "joint_exercise", ["FRA", "DEU", "ITA", "ISL"], 2.0)])
    out = collaboration_indicators(c, west)
    assert value(out, "West", "2021-06", "engagements_total") == 1  # three members, one engagement
    assert value(out, "West", "2021-06", "network_density") == 1.0  # all 3 pairs tied
    assert value(out, "West", "2021-06", "external_partners") == 1  # ISL
    # Solo has one member: density undefined (no pairs), shown missing
    assert math.isnan(value(out, "Solo", "2021-06", "network_density"))
    assert value(out, "Solo", "2021-06", "external_partners") == 3


def test_trailing_window_of_twelve_months(west):
    c = _collab(
        [
            ("a", dt.date(2020, 1, 10), None, "joint_exercise", ["FRA", "DEU"], 1.0),
            ("z", dt.date(2021, 3, 10), None, "high_level_visit", ["ITA", "USA"], 1.0),
        ]
    )
    out = collaboration_indicators(c, west)
    assert value(out, "West", "2020-12", "network_density") == pytest.approx(1 / 3)  # 12th month incl. Jan
    assert value(out, "West", "2021-01", "network_density") == 0  # January 2020 has left the window
    assert value(out, "West", "2021-01", "engagements_total") == 0


def test_empty_collaboration(west):
    c = _collab([]).astype({"start_date": "datetime64[s]"})
    assert collaboration_indicators(c, west).empty
