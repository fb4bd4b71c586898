"""metrics.signals: Benjamini–Hochberg across regions, missing periods and coverage changes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from metrics import signals_sim
from metrics.signals import (
    benjamini_hochberg,
    count_dependence,
    downward_trends_across_regions,
    predictive_upper_limit,
    signal_grids,
    trends_across_regions_rows,
)


def test_benjamini_hochberg_by_hand():
    p = np.array([0.01, 0.04, 0.03, 0.20, np.nan])
    # sorted 0.01, 0.03, 0.04, 0.20 against i·0.10/4 = 0.025, 0.05, 0.075, 0.10: the largest i with
    # p_(i) ≤ i·q/m is 3 (0.04 ≤ 0.075), so the three smallest are discoveries; NaN never is
    assert benjamini_hochberg(p, 0.10).tolist() == [True, True, True, False, False]
    # at q = 0.02: 0.01 ≤ 0.005? no; 0.03 ≤ 0.01? no; … none
    assert not benjamini_hochberg(p, 0.02).any()


def test_downward_trends_across_regions_uses_one_sided_p():
    rows = []
    for region, change, p in (("A", -0.3, 0.002), ("B", 0.4, 0.002), ("C", -0.1, 0.5)):
        rows += [
            {"region": region, "period": "2024-12", "indicator": "trend_change_per_year", "value": change},
            {"region": region, "period": "2024-12", "indicator": "trend_p_value", "value": p},
        ]
    out = downward_trends_across_regions(pd.DataFrame(rows), "2024-12").set_index("region")
    # one-sided p for a decline: A 0.002/2 = 0.001, B (a rise) 1 − 0.001 = 0.999, C 0.25
    assert out["p_decline"].to_dict() == {"A": 0.001, "B": 0.999, "C": 0.25}
    # BH, m = 3: 0.001 ≤ 0.10/3; 0.25 > 0.2; 0.999 > 0.3 → only A
    assert out["discovery"].to_dict() == {"A": True, "B": False, "C": False}


def test_a_missing_month_or_a_coverage_change_makes_the_windows_not_computable():
    rng = np.random.default_rng(1)
    y = rng.poisson(20, (2, 80)).astype(float)
    y[0, 50] = np.nan  # region 0: month 50 missing
    covered = np.ones((2, 80)) * 3
    covered[1, 60:] = 4  # region 1: a fourth member country covered from month 60
    g = signal_grids(y, covered=covered)
    # trend windows of 36 ending at months 50..85 hold month 50; months 35..49 are computable
    assert np.isnan(g["trend_change_per_year"][0, 50:]).all()
    assert np.isfinite(g["trend_change_per_year"][0, 35:50]).all()
    # region 1: windows ending at 60..79 straddle the change (months 59 and 60 differ)
    assert np.isnan(g["trend_change_per_year"][1, 60:]).all()
    assert np.isfinite(g["trend_change_per_year"][1, 35:60]).all()
    # the alarm at month t needs months t − 36 … t with the same coverage: 60 differs from 59
    assert np.isnan(g["alarm"][1, 60:]).all() and np.isfinite(g["alarm"][1, 36:60]).all()
    assert np.isnan(g["alarm"][0, 50:87]).all()


def test_yearly_series_have_a_trend_and_no_alarm():
    y = np.array([[100 * 0.8**t for t in range(10)]])
    g = signal_grids(np.round(y), periods_per_year=1)
    # 8-year windows from year 7: change ≈ 0.8 − 1 = −0.2 a year
    assert np.isnan(g["trend_change_per_year"][0, :7]).all()
    assert abs(g["trend_change_per_year"][0, 9] - (0.8 - 1)) < 0.01
    assert np.isnan(g["alarm"]).all() and np.isnan(g["alarm_upper_limit"]).all()


def test_count_dependence_recovers_the_simulated_extra_poisson_variance():
    rng = np.random.default_rng(21)
    # negative binomial of size 10: Var = μ + μ²/10, so κ_w + κ_ar = 1/10 = 0.1 and no runs
    k_w, k_ar, _rho = count_dependence(signals_sim.series(rng, "negbin", 50.0, 0.25, 200))
    assert abs(float((k_w + k_ar).mean()) - 0.1) < 0.02
    # AR(1) log rate, SD 0.3, ρ 0.7: relative variance exp(0.3²) − 1 = 0.094, lag correlation ≈ 0.7^h
    k_w, k_ar, rho = count_dependence(signals_sim.series(rng, "ar0.7", 50.0, 0.25, 200))
    assert abs(float((k_w + k_ar).mean()) - 0.094) < 0.03
    assert float(k_ar.mean()) > 5 * float(k_w.mean())  # the extra variance comes in runs
    assert 0.6 < float(np.median(rho)) < 0.9
    # Poisson: no extra variance
    k_w, k_ar, _rho = count_dependence(signals_sim.series(rng, "poisson", 50.0, 0.25, 200))
    assert float((k_w + k_ar).mean()) < 0.01


def test_predictive_upper_limit_is_an_exact_count_quantile():
    # no extra variance: the Poisson(5) quantile. P(Y ≤ 10) = 0.9863 < 0.992 ≤ P(Y ≤ 11) = 0.9945
    assert predictive_upper_limit(np.array([5.0]), np.array([0.0]), 0.992)[0] == 11
    # v = 1 with mean 1: size 1, p = 1/2, the geometric P(Y ≤ u) = 1 − 2^−(u+1);
    # 1 − 2^−7 = 0.9922 ≥ 0.992 > 1 − 2^−6 = 0.984, so U = 6
    assert predictive_upper_limit(np.array([1.0]), np.array([1.0]), 0.992)[0] == 6


def test_trends_across_regions_rows_period_by_period():
    rows = []
    for period, values in (
        ("2024-11", (("A", -0.3, 0.002), ("B", 0.4, 0.002), ("C", -0.1, 0.5))),
        ("2024-12", (("A", -0.3, 0.08), ("B", -0.2, 0.09), ("C", -0.1, np.nan))),
    ):
        for region, change, p in values:
            key = {"region": region, "period": period, "family": "conflict", "provenance": "x"}
            rows += [
                {**key, "indicator": "trend_change_per_year", "value": change},
                {**key, "indicator": "trend_p_value", "value": p},
            ]
    out = trends_across_regions_rows(pd.DataFrame(rows))
    got = {(r.period, r.region): r.value for r in out.itertuples()}
    # 2024-11 as in the test above: only A. 2024-12: C has no p-value (no row); one-sided p of A
    # 0.04 and B 0.045 against i·0.10/2 = 0.05, 0.10: the largest passing i is 2 → both
    assert got == {
        ("2024-11", "A"): 1.0,
        ("2024-11", "B"): 0.0,
        ("2024-11", "C"): 0.0,
        ("2024-12", "A"): 1.0,
        ("2024-12", "B"): 1.0,
    }
    assert set(out["indicator"]) == {"downward_trend_across_regions"} and set(out["provenance"]) == {"x"}
