"""Conflict indicators on tiny frames, each expected value worked out by hand."""

import math

import numpy as np
import pytest
from conftest import incidents_frame, monthly_incidents, value
from scipy.stats import nbinom

from metrics.conflict import INDICATORS, conflict_indicators
from metrics.frames import month_range
from metrics.signals import count_dependence, design


def test_counts_shares_and_diffusion(regions):
    inc = incidents_frame(
        [
            # 2020-01: FRA admin A (2 deaths, civilians targeted), FRA admin B (0, not),
            # DEU admin A (4 deaths, targeting unknown)
            {
                "event_date": np.datetime64("2020-01-03"),
                "iso3": "FRA",
                "admin1": "A",
                "fatalities": 2,
                "civilian_targeting": True,
            },
            {
                "event_date": np.datetime64("2020-01-20"),
                "iso3": "FRA",
                "admin1": "B",
                "fatalities": 0,
                "civilian_targeting": False,
            },
            {"event_date": np.datetime64("2020-01-21"), "iso3": "DEU", "admin1": "A", "fatalities": 4},
            # 2020-03: one FRA incident in admin A
            {
                "event_date": np.datetime64("2020-03-02"),
                "iso3": "FRA",
                "admin1": "A",
                "fatalities": 1,
                "civilian_targeting": True,
            },
        ]
    )
    out = conflict_indicators(inc, regions)
    # North = FRA + DEU. January: 3 incidents, 2 + 0 + 4 = 6 deaths.
    assert value(out, "North", "2020-01", "incidents") == 3
    assert value(out, "North", "2020-01", "fatalities") == 6
    assert value(out, "North", "2020-01", "fatalities_per_incident") == pytest.approx(6 / 3)
    # civilian targeting known for 2 incidents, 1 of them True → 1/2
    assert value(out, "North", "2020-01", "civilian_targeting_share") == pytest.approx(1 / 2)
    # admin1 units ever: FRA|A, FRA|B, DEU|A = 3; January has all 3 → 1.0; March has FRA|A → 1/3
    assert value(out, "North", "2020-01", "diffusion") == pytest.approx(3 / 3)
    assert value(out, "North", "2020-03", "diffusion") == pytest.approx(1 / 3)
    # February has no incident but lies inside the data's span: present with 0, not absent
    assert value(out, "North", "2020-02", "incidents") == 0
    assert value(out, "North", "2020-02", "fatalities") == 0
    assert math.isnan(value(out, "North", "2020-02", "fatalities_per_incident"))
    assert value(out, "North", "2020-02", "diffusion") == 0
    # FRA is in North and in Both: its incidents count in both regions (Both = FRA + ITA → 2 in January)
    assert value(out, "Both", "2020-01", "incidents") == 2
    assert value(out, "Both", "2020-01", "fatalities") == 2
    # Empty (ISL) and South (ITA) never had an incident: no rows at all
    assert not (out["region"].isin(["Empty", "South"])).any()
    assert set(out["indicator"]) == set(INDICATORS)
    assert list(out.columns) == [
        "region",
        "period",
        "family",
        "indicator",
        "value",
        "ci_low",
        "ci_high",
        "covered_share",
    ]
    # only the trend's relative change carries an interval
    assert out.loc[out["indicator"] != "trend_change_per_year", "ci_low"].isna().all()
    # without a coverage table the data cover the countries they have rows for: North has FRA and
    # DEU (2 of 2 members) → share 2/2; Both has FRA only (ITA has no row) → 1/2
    assert set(out.loc[out["region"] == "North", "covered_share"]) == {2 / 2}
    assert set(out.loc[out["region"] == "Both", "covered_share"]) == {1 / 2}


def test_rolling_and_year_on_year(regions):
    counts = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 30, 0, 1]  # 2020-01 … 2021-03
    out = conflict_indicators(incidents_frame(monthly_incidents("ITA", counts)), regions)
    # trailing 12-month mean needs 12 months
    assert math.isnan(value(out, "South", "2020-11", "incidents_rolling_12m"))
    assert value(out, "South", "2020-12", "incidents_rolling_12m") == pytest.approx(78 / 12)  # 1+…+12 = 78
    assert value(out, "South", "2021-01", "incidents_rolling_12m") == pytest.approx((78 - 1 + 30) / 12)
    assert value(out, "South", "2021-02", "incidents_rolling_12m") == pytest.approx(
        (78 - 1 - 2 + 30 + 0) / 12
    )
    # year on year: (30 − 1)/1 = 29; (0 − 2)/2 = −1
    assert value(out, "South", "2021-01", "incidents_yoy_change") == pytest.approx(29)
    assert value(out, "South", "2021-02", "incidents_yoy_change") == pytest.approx(-1)
    assert math.isnan(value(out, "South", "2020-12", "incidents_yoy_change"))
    # alarm and trend need 36 months: none here
    assert np.isnan(out.loc[out["indicator"].isin(["alarm", "spike", "downward_trend"]), "value"]).all()


def test_alarm_above_the_upper_limit_with_a_minimum_count(regions):
    counts = [10] * 36 + [40, 10]  # 2020-01 … 2023-02
    out = conflict_indicators(incidents_frame(monthly_incidents("ITA", counts)), regions)
    # a flat baseline of 10: the fit is μ̂ = 10 exactly, its trend 0 (not significant, so by
    # Farrington's rule the prediction comes from intercept and seasonal pair only) and W = 10·I.
    # With (κ_w, κ_ar, ρ) of the series and h = X(X'X)⁻¹x for the 37th month,
    # Var(η̂) = (1/10 + κ_w)·x'(X'X)⁻¹x + κ_ar·h'Rh (R_ij = ρ^|i−j|); the limit is the 99.2 %
    # quantile of the negative binomial with mean 10 and variance 10 + v·10², v = κ_w + κ_ar + Var(η̂)
    y = np.array([counts], dtype=float)
    k_w, k_ar, rho = (float(v[0]) for v in count_dependence(y))
    assert 0 <= k_w < 0.05 and k_ar >= 0  # one busy month in 38: little extra-Poisson variance
    x = design(36, 12, trend=False)  # the baseline's design: intercept and seasonal pair
    xt = np.array([1, math.sin(2 * math.pi * 36 / 12), math.cos(2 * math.pi * 36 / 12)])
    h = x @ np.linalg.inv(x.T @ x) @ xt
    lag = np.abs(np.subtract.outer(np.arange(36), np.arange(36)))
    var_eta = (0.1 + k_w) * (xt @ np.linalg.inv(x.T @ x) @ xt) + k_ar * h @ (rho**lag) @ h
    v = k_w + k_ar + var_eta
    upper = nbinom.ppf(0.992, 1 / v, (1 / v) / (1 / v + 10))
    assert value(out, "South", "2023-01", "alarm_upper_limit") == upper
    assert 10 < upper < 40
    assert value(out, "South", "2023-01", "alarm") == 1
    assert value(out, "South", "2023-01", "spike") == 1  # the old name, an alias
    assert math.isnan(value(out, "South", "2022-12", "alarm"))  # only 35 earlier months
    # one incident in 36 months: 4 incidents are above the limit but below the minimum count of 5,
    # so no alarm; 5 are an alarm
    for last, alarm in ((4, 0), (5, 1)):
        quiet = conflict_indicators(
            incidents_frame(monthly_incidents("ITA", [1] + [0] * 35 + [last])), regions
        )
        assert value(quiet, "South", "2023-01", "alarm_upper_limit") < 4
        assert value(quiet, "South", "2023-01", "alarm") == alarm


def test_downward_trend_halving_each_year(regions):
    counts = [round(200 * 0.5 ** (t / 12)) for t in range(38)]  # 2020-01 … 2023-02, halving yearly
    out = conflict_indicators(incidents_frame(monthly_incidents("ITA", counts)), regions)
    # log-linear counts: the change per year is 0.5 − 1 = −0.5 (up to rounding of the counts)
    assert value(out, "South", "2022-12", "trend_change_per_year") == pytest.approx(-0.5, abs=0.01)
    row = out.loc[(out["period"] == "2022-12") & (out["indicator"] == "trend_change_per_year")].iloc[0]
    assert row["ci_low"] < -0.5 < row["ci_high"] < 0
    assert value(out, "South", "2022-12", "trend_p_value") < 0.001
    # the flag needs three consecutive windows: 2022-12, 2023-01 and 2023-02 are the first three
    assert math.isnan(value(out, "South", "2023-01", "downward_trend"))
    assert value(out, "South", "2023-02", "downward_trend") == 1
    assert value(out, "South", "2023-02", "sustained_decline") == 1  # the old name, an alias


def test_flat_series_is_not_a_decline(regions):
    out = conflict_indicators(incidents_frame(monthly_incidents("ITA", [5] * 40)), regions)
    assert value(out, "South", "2023-04", "trend_change_per_year") == pytest.approx(0, abs=1e-9)
    assert value(out, "South", "2023-04", "trend_p_value") == pytest.approx(1)
    assert value(out, "South", "2023-04", "downward_trend") == 0


def test_single_month_all_zero_fatalities(regions):
    out = conflict_indicators(incidents_frame(monthly_incidents("ITA", [3], first="2022-05")), regions)
    assert sorted(out["period"].unique()) == ["2022-05"]
    assert value(out, "South", "2022-05", "incidents") == 3
    assert value(out, "South", "2022-05", "fatalities") == 0
    assert value(out, "South", "2022-05", "fatalities_per_incident") == 0  # 0 deaths / 3 incidents
    assert math.isnan(value(out, "South", "2022-05", "incidents_rolling_12m"))


def test_empty_table_gives_empty_tidy_frame(regions):
    out = conflict_indicators(incidents_frame([{}]).iloc[0:0], regions)
    assert out.empty
    assert list(out.columns) == [
        "region",
        "period",
        "family",
        "indicator",
        "value",
        "ci_low",
        "ci_high",
        "covered_share",
    ]


def test_filters_and_clipping(regions):
    rows = monthly_incidents("ITA", [2, 2, 2], fatalities=0) + monthly_incidents(
        "ITA", [1, 1, 1], fatalities=5
    )
    for r in rows[6:]:
        r["event_type"] = "Protests"
    out = conflict_indicators(incidents_frame(rows), regions, start="2020-02", end="2020-03")
    assert sorted(out["period"].unique()) == ["2020-02", "2020-03"]
    assert value(out, "South", "2020-02", "incidents") == 3
    only_deadly = conflict_indicators(incidents_frame(rows), regions, min_fatalities=1)
    assert value(only_deadly, "South", "2020-02", "incidents") == 1
    assert value(only_deadly, "South", "2020-02", "fatalities") == 5
    battles = conflict_indicators(incidents_frame(rows), regions, event_types=["Battles"])
    assert value(battles, "South", "2020-02", "incidents") == 2
    # a country filter that leaves nothing in the region: the region has no rows
    none = conflict_indicators(incidents_frame(rows), regions, countries=["FRA"])
    assert "South" not in set(none["region"])


def test_every_month_of_span_present(regions):
    rows = monthly_incidents("FRA", [1], first="2019-01") + monthly_incidents("FRA", [1], first="2020-12")
    out = conflict_indicators(incidents_frame(rows), regions)
    months = list(month_range(np.datetime64("2019-01", "M").astype(str), "2020-12").astype(str))
    got = sorted(out.loc[(out["region"] == "North") & (out["indicator"] == "incidents"), "period"])
    assert got == months and len(months) == 24


def test_counts_only_leaves_out_the_signals(regions):
    counts = [round(200 * 0.5 ** (t / 12)) for t in range(38)]  # 2020-01 … 2023-02, halving yearly
    table = incidents_frame(monthly_incidents("ITA", counts))
    full = conflict_indicators(table, regions)
    counts_only = conflict_indicators(table, regions, signals=False)
    signal_names = {"downward_trend", "trend_change_per_year", "trend_p_value", "alarm", "alarm_upper_limit"}
    assert signal_names <= set(full["indicator"])
    assert not signal_names & set(counts_only["indicator"])
    # the counts are the same either way: 2020-01 has round(200 × 0.5⁰) = 200 incidents
    assert value(counts_only, "South", "2020-01", "incidents") == 200
    kept = full.loc[~full["indicator"].isin(signal_names | {"sustained_decline", "spike"})]
    assert kept.reset_index(drop=True).equals(counts_only.reset_index(drop=True))
