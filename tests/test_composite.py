"""Composite index: min–max normalisation, direction, weights, coverage and the missing-data policy."""

import math

import numpy as np
import pandas as pd
import pytest
from conftest import value

from metrics.composite import composite_indicators
from metrics.frames import month_range


def _tidy(rows, family):
    frame = pd.DataFrame(rows, columns=["region", "period", "indicator", "value"])
    frame["family"] = family
    frame["ci_low"] = np.nan
    frame["ci_high"] = np.nan
    return frame


@pytest.fixture
def regions():
    return pd.DataFrame({"region": ["A", "A", "B"], "iso3": ["FRA", "DEU", "ITA"]})


@pytest.fixture
def families():
    months = list(month_range(pd.Period("2020-01", "M"), pd.Period("2021-02", "M")).astype(str))
    rows = []
    for p in months:
        rows.append(("A", p, "fatalities", 4.0))  # 4 deaths/month, 2 members → 2 per member
        rows.append(("B", p, "fatalities", 1.0))  # 1 death/month, 1 member → 1 per member
    rows += [
        ("A", "2021-01", "incidents_rolling_12m", 10.0),
        ("A", "2021-02", "incidents_rolling_12m", 20.0),
        ("B", "2021-01", "incidents_rolling_12m", 3.0),
        ("B", "2021-02", "incidents_rolling_12m", 3.0),
    ]
    conflict = _tidy(rows, "conflict")
    collab = _tidy(
        [("A", "2021-01", "network_density", 0.2), ("A", "2021-02", "network_density", 0.6)], "collaboration"
    )
    perception = _tidy(
        [
            ("A", "2020-06", "feel_safe", 0.5),
            ("A", "2021-02", "feel_safe", 0.7),
            ("B", "2018-01", "feel_safe", 0.9),
        ],
        "perception",
    )
    return conflict, collab, perception


def test_index_worked_by_hand(regions, families):
    out = composite_indicators(*families, regions, start="2021-01", end="2021-02")
    # conflict: C1 per member = A 5, 10; B 3, 3 → min 3, max 10: s = 100·(5−3)/7 = 28.571, 100, 0, 0
    #           C2 per member = A 2, 2; B 1, 1 → s = 100, 100, 0, 0
    #           score = 100 − mean(s1, s2): A-Jan 100 − (28.571 + 100)/2 = 35.714; A-Feb 0; B 100
    s1 = 100 * (5 - 3) / 7
    assert value(out, "A", "2021-01", "score_conflict") == pytest.approx(100 - (s1 + 100) / 2)
    assert value(out, "A", "2021-02", "score_conflict") == pytest.approx(0)
    assert value(out, "B", "2021-01", "score_conflict") == pytest.approx(100)
    # collaboration: density 0.2 → 0, 0.6 → 100
    assert value(out, "A", "2021-01", "score_collaboration") == pytest.approx(0)
    assert value(out, "A", "2021-02", "score_collaboration") == pytest.approx(100)
    # perception: A carries 0.5 (2020-06) into January, 0.7 in February → 0, 100. B's 2018-01 wave is
    # 36 months old in 2021-01: older than the 36-month limit allows, so missing (not zero).
    assert value(out, "A", "2021-01", "score_perception") == pytest.approx(0)
    assert value(out, "A", "2021-02", "score_perception") == pytest.approx(100)
    assert math.isnan(value(out, "B", "2021-01", "score_perception"))
    # index with equal weights: A-Jan (35.714 + 0 + 0)/3; A-Feb (0 + 100 + 100)/3
    assert value(out, "A", "2021-01", "stability_index") == pytest.approx((100 - (s1 + 100) / 2) / 3)
    assert value(out, "A", "2021-02", "stability_index") == pytest.approx(200 / 3)
    # B has only the conflict family: below min_families = 2 → no index; coverage 1/3
    assert math.isnan(value(out, "B", "2021-01", "stability_index"))
    assert value(out, "B", "2021-01", "coverage") == pytest.approx(1 / 3)
    assert value(out, "B", "2021-01", "coverage_conflict") == 1
    assert value(out, "B", "2021-01", "coverage_collaboration") == 0
    assert value(out, "A", "2021-01", "coverage") == pytest.approx(1.0)


def test_weights_and_min_families(regions, families):
    out = composite_indicators(
        *families,
        regions,
        start="2021-01",
        end="2021-02",
        weights={"conflict": 0.5, "collaboration": 0.25, "perception": 0.25},
        min_families=1,
    )
    s1 = 100 * (5 - 3) / 7
    assert value(out, "A", "2021-01", "stability_index") == pytest.approx(0.5 * (100 - (s1 + 100) / 2))
    assert value(out, "A", "2021-02", "stability_index") == pytest.approx(0.25 * 100 + 0.25 * 100)
    # B: only conflict (100), weights renormalised over the families with data → 100
    assert value(out, "B", "2021-01", "stability_index") == pytest.approx(100)
    assert value(out, "B", "2021-01", "coverage") == pytest.approx(0.5)


def test_zero_weight_family_is_ignored(regions, families):
    out = composite_indicators(
        *families,
        regions,
        start="2021-01",
        end="2021-02",
        weights={"conflict": 1, "collaboration": 0, "perception": 0},
        min_families=1,
    )
    assert value(out, "A", "2021-02", "stability_index") == pytest.approx(0)
    assert value(out, "B", "2021-02", "stability_index") == pytest.approx(100)


def test_bad_weights_are_refused(regions, families):
    with pytest.raises(ValueError, match="negative"):
        composite_indicators(
            *families, regions, weights={"conflict": -1, "collaboration": 1, "perception": 1}
        )
    with pytest.raises(ValueError, match="positive"):
        composite_indicators(*families, regions, weights={"conflict": 0, "collaboration": 0, "perception": 0})


def test_family_with_no_data(regions, families):
    conflict, _, perception = families
    empty = conflict.iloc[0:0]
    out = composite_indicators(conflict, empty, perception, regions, start="2021-01", end="2021-02")
    assert (out.loc[out["indicator"] == "coverage_collaboration", "value"] == 0).all()
    # A-Feb: conflict 0 and perception 100 → (0 + 100)/2 over the two families with data
    assert value(out, "A", "2021-02", "stability_index") == pytest.approx(50)


def test_annual_political_stability_enters_the_perception_score(regions, families):
    conflict, collab, _ = families
    # WGI-style annual values: A −1.0 in 2020, B 0.5 in 2020; each counts from July 2020, so in
    # 2021-01 (6 months later, within the 36-month limit) A is the minimum and B the maximum
    wgi = _tidy(
        [("A", "2020", "political_stability", -1.0), ("B", "2020", "political_stability", 0.5)], "perception"
    )
    out = composite_indicators(conflict, collab, wgi, regions, start="2021-01", end="2021-02")
    assert value(out, "A", "2021-01", "score_perception") == pytest.approx(0)  # 100·(−1 − (−1))/1.5
    assert value(out, "B", "2021-01", "score_perception") == pytest.approx(100)  # 100·(0.5 + 1)/1.5
    # B now has two families (conflict 100, perception 100): an index of 100 with equal weights
    assert value(out, "B", "2021-01", "stability_index") == pytest.approx(100)
