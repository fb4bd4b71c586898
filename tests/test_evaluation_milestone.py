"""``evaluate_milestone`` end to end on tiny literal tables: which regions are compared, which rows
come out, and that its numbers are those of the series-level functions on counts done here."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest
from conftest import incidents_frame, monthly_incidents

from metrics.evaluation import RESULT_COLUMNS, evaluate_milestone
from metrics.evaluation_stats import did_ratio, placebo, rate_ratio

REGIONS = pd.DataFrame(
    {
        "region": ["North", "South", "Empty", "Other"],
        "iso3": ["FRA", "ITA", "ISL", "JPN"],
        "grouping": ["G", "G", "G", "H"],
    }
)
EMPTY_COLLAB = pd.DataFrame(
    {
        "event_id": pd.Series(dtype=object),
        "start_date": pd.Series(dtype="datetime64[s]"),
        "end_date": pd.Series(dtype="datetime64[s]"),
        "kind": pd.Series(dtype=object),
        "name": pd.Series(dtype=object),
        "participants": pd.Series(dtype=object),
        "weight": pd.Series(dtype=float),
        "source": pd.Series(dtype=object),
    }
)
EMPTY_PERCEPTION = pd.DataFrame(
    {
        "survey": pd.Series(dtype=object),
        "wave_date": pd.Series(dtype="datetime64[s]"),
        "iso3": pd.Series(dtype=object),
        "indicator": pd.Series(dtype=object),
        "value": pd.Series(dtype=float),
    }
)


@pytest.fixture(scope="module")
def counts():
    """96 months from 2020-01; North (FRA) drops by half at 2022-07 (month 30); South (ITA) does not.
    (The months 54 … 84 give the intervals their measure of chance variation.)"""
    rng = np.random.default_rng(5)
    north = np.r_[rng.poisson(20, 30), rng.poisson(10, 66)].astype(int)
    south = rng.poisson(15, 96).astype(int)
    rows = monthly_incidents("FRA", list(north), fatalities=2) + monthly_incidents(
        "ITA", list(south), fatalities=1
    )
    return incidents_frame(rows), north.astype(float), south.astype(float)


def series(values: np.ndarray) -> pd.Series:
    return pd.Series(
        values, index=[str(p) for p in pd.period_range("2020-01", periods=len(values), freq="M")]
    )


def test_evaluation_matches_the_series_functions_on_counts_done_here(counts):
    incidents, north, south = counts
    ev = evaluate_milestone(
        incidents, EMPTY_COLLAB, EMPTY_PERCEPTION, REGIONS, region="North", milestone="2022-07", label="pact"
    )
    # default comparison: South (same grouping, data); Empty has no incidents; Other is grouping H
    assert ev.comparison_regions == ["South"]
    assert (
        dict(zip(ev.comparison["region"], ev.comparison["reason"], strict=True))["Empty"]
        == "no incident data"
    )
    table = ev.table()
    assert tuple(table.columns) == RESULT_COLUMNS
    assert set(table["region"]) == {"North"} and set(table["milestone"]) == {"2022-07"}
    rr = ev.result("incidents_rate_ratio")
    assert (rr.n_before, rr.n_after) == (north[18:30].sum(), north[30:42].sum())
    assert rr.estimate == north[30:42].sum() / north[18:30].sum()
    assert rr == rate_ratio(series(north), "2022-07", 12, region="North", label="pact")
    did = ev.result("incidents_did_ratio")
    assert did == did_ratio(
        series(north), series(south), "2022-07", 12, region="North", comparison_names=["South"], label="pact"
    )
    # each incident carries 2 deaths in North and 1 in South
    fat = ev.result("fatalities_rate_ratio")
    assert (fat.n_before, fat.n_after) == (2 * north[18:30].sum(), 2 * north[30:42].sum())
    fdid = ev.result("fatalities_did_ratio")
    assert (fdid.n_before, fdid.n_after) == (south[18:30].sum(), south[30:42].sum())
    pl, frame = placebo(series(north), "2022-07", 12, region="North")
    assert ev.result("incidents_placebo_p") == pl
    assert (
        ev.placebo.loc[ev.placebo["quantity"] == "incidents", "period"].tolist() == frame["period"].tolist()
    )
    assert "pact (2022-07)" in rr.finding
    # no collaboration or perception data: stated reasons, no numbers
    for m in ("engagements_rate_ratio", "network_density_change", "leadlag_engagements_total_incidents"):
        r = ev.result(m)
        assert math.isnan(r.estimate) and r.reason
    # chart series: North and the pooled comparison, windows marked
    north_rows = ev.monthly.loc[(ev.monthly["role"] == "region") & (ev.monthly["indicator"] == "incidents")]
    assert north_rows["value"].tolist() == north.tolist()
    assert (north_rows["window"] == "before").sum() == 12 and (north_rows["window"] == "after").sum() == 12
    assert north_rows["relative"].iloc[0] == pytest.approx(north[0] / north[18:30].mean())
    assert set(ev.monthly["role"]) == {"region", "comparison", "comparison_member"}


def test_a_named_comparison_without_data_gives_a_reason(counts):
    incidents, _, _ = counts
    ev = evaluate_milestone(
        incidents,
        EMPTY_COLLAB,
        EMPTY_PERCEPTION,
        REGIONS,
        region="North",
        milestone="2022-07",
        compare=["Empty"],
    )
    assert ev.comparison_regions == []
    did = ev.result("incidents_did_ratio")
    assert math.isnan(did.estimate) and "no comparison region" in did.reason


def test_bad_arguments_raise_one_clear_error(counts):
    incidents, _, _ = counts
    args = (incidents, EMPTY_COLLAB, EMPTY_PERCEPTION, REGIONS)
    with pytest.raises(ValueError, match="unknown region 'Nowhere'"):
        evaluate_milestone(*args, region="Nowhere", milestone="2022-07")
    with pytest.raises(ValueError, match="unknown comparison region 'Atlantis'"):
        evaluate_milestone(*args, region="North", milestone="2022-07", compare=["Atlantis"])
    with pytest.raises(ValueError, match="outside the incident data \\(2020-01 to 2027-12\\)"):
        evaluate_milestone(*args, region="North", milestone="2028-01")
    with pytest.raises(ValueError, match="at least 1"):
        evaluate_milestone(*args, region="North", milestone="2022-07", window=0)
    with pytest.raises(ValueError, match="YYYY-MM"):
        evaluate_milestone(*args, region="North", milestone="July 2022")


def test_milestone_at_the_first_month_gives_reasons(counts):
    incidents, _, _ = counts
    ev = evaluate_milestone(
        incidents, EMPTY_COLLAB, EMPTY_PERCEPTION, REGIONS, region="North", milestone="2020-01"
    )
    for m in ("incidents_rate_ratio", "incidents_did_ratio", "incidents_placebo_p", "fatalities_rate_ratio"):
        r = ev.result(m)
        assert math.isnan(r.estimate) and "starts before" in r.reason


def test_one_month_of_data():
    incidents = incidents_frame(
        [
            {"iso3": "FRA", "event_date": dt.date(2021, 3, 5)},
            {"iso3": "ITA", "event_date": dt.date(2021, 3, 9)},
        ]
    )
    ev = evaluate_milestone(
        incidents, EMPTY_COLLAB, EMPTY_PERCEPTION, REGIONS, region="North", milestone="2021-03"
    )
    assert ev.span == ("2021-03", "2021-03")
    table = ev.table()
    assert table["estimate"].isna().all()
    assert (table["finding"].str.len() > 0).all()
    assert ev.decline.empty


def test_an_exercise_the_month_before_the_milestone_does_not_raise_density_after(counts):
    incidents, _, _ = counts
    regions = pd.DataFrame({"region": ["North", "North"], "iso3": ["FRA", "DEU"], "grouping": ["G", "G"]})

    def exercise(i: int, month: str) -> dict:
        day = pd.Timestamp(f"{month}-10")
        return {
            "event_id": f"E{i}",
            "start_date": day,
            "end_date": day,
            "kind": "joint_exercise",
            "name": f"Exercise {i}",
            "participants": ["FRA", "DEU"],
            "weight": 1.0,
            "source": "test",
        }

    # exercises in 2020-01 and 2024-01 give the collaboration data their span; the one in 2022-06
    # is the month before the milestone 2022-07
    collab = pd.DataFrame([exercise(1, "2020-01"), exercise(2, "2022-06"), exercise(3, "2024-01")])
    collab["start_date"] = collab["start_date"].astype("datetime64[s]")
    collab["end_date"] = collab["end_date"].astype("datetime64[s]")
    ev = evaluate_milestone(
        incidents, collab, EMPTY_PERCEPTION, regions, region="North", milestone="2022-07", compare=[]
    )
    res = ev.result("network_density_change")
    # density per month inside each window: the one pair is tied in 2022-06 only, so the before
    # window's mean is 1/12 and the after window's 0 (a trailing 12-month density would read 1 after)
    assert res.estimate == pytest.approx(0 - 1 / 12)
    assert "fell" in res.finding
