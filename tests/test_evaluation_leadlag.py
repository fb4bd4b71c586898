"""Lead–lag association: quarterly aggregation, AR pre-whitening and lagged correlations by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import pearsonr

from metrics.evaluation_leadlag import lead_lag, lead_lag_result, pearson, prewhiten, to_quarters


def quarters(values: list[float], first: str = "2020Q1") -> pd.Series:
    return pd.Series(values, index=pd.period_range(first, periods=len(values), freq="Q"), dtype=float)


def test_to_quarters_sums_complete_quarters_only():
    s = pd.Series([1.0, 2, 3, 4, 5, 6, 7], index=[f"2020-{m:02d}" for m in range(1, 8)])
    q = to_quarters(s, "sum")
    # Q1 = 1+2+3, Q2 = 4+5+6; Q3 has one month only and is left out
    assert list(q.index.astype(str)) == ["2020Q1", "2020Q2"]
    assert list(q) == [6.0, 15.0]
    assert list(to_quarters(s, "mean")) == [2.0, 5.0]


def test_to_quarters_of_survey_waves_averages_what_is_there():
    waves = pd.Series([0.4, 0.6, 0.5], index=["2020-05", "2020-06", "2021"])
    q = to_quarters(waves, "waves")
    # 2020-05 and 2020-06 fall in 2020Q2 (mean 0.5); an annual value is dated July: 2021Q3
    assert list(q.index.astype(str)) == ["2020Q2", "2021Q3"]
    assert q.tolist() == pytest.approx([0.5, 0.5])


def test_prewhiten_with_an_ar1_worked_by_hand():
    # x = 1, 2, 4, 3, 5. Regress x_t on (1, x_{t-1}) over the pairs (1,2), (2,4), (4,3), (3,5):
    # means 2.5 and 3.5; Sxy = 2.25 − 0.25 − 0.75 + 0.75 = 2; Sxx = 5; φ = 0.4; c = 3.5 − 0.4·2.5 = 2.5.
    # residuals: 2 − 2.9 = −0.9, 4 − 3.3 = 0.7, 3 − 4.1 = −1.1, 5 − 3.7 = 1.3
    resid, order = prewhiten(np.array([1.0, 2, 4, 3, 5]), ar_order=1)
    assert order == 1
    assert math.isnan(resid[0])
    assert resid[1:] == pytest.approx([-0.9, 0.7, -1.1, 1.3])
    flat, zero = prewhiten(np.array([1.0, 2, 6]), ar_order=0)
    assert zero == 0 and flat == pytest.approx([-2.0, -1.0, 3.0])  # minus the mean 3


def test_lagged_correlations_worked_by_hand():
    x = quarters([1, 2, 3, 4, 5])  # deviations −2, −1, 0, 1, 2; Sxx = 10
    y = quarters([2, 1, 4, 3, 5, 7, 1])
    frame, info = lead_lag(x, y, max_lag=2, ar_order=0, min_quarters=4, min_pairs=4)
    # lag 0: y1..y5 = 2,1,4,3,5 (mean 3; dev −1,−2,1,0,2): Sxy = 2+2+0+0+4 = 8, Syy = 10 → r = 0.8
    # lag 1: y2..y6 = 1,4,3,5,7 (mean 4; dev −3,0,−1,1,3): Sxy = 6+0+0+1+6 = 13, Syy = 20 → 13/√200
    # lag 2: y3..y7 = 4,3,5,7,1 (mean 4; dev 0,−1,1,3,−3): Sxy = 0+1+0+3−6 = −2, Syy = 20 → −2/√200
    expected = [0.8, 13 / math.sqrt(200), -2 / math.sqrt(200)]
    assert frame["r"].tolist() == pytest.approx(expected)
    assert frame["n_pairs"].tolist() == [5, 5, 5]
    assert info["driver_ar"] == 0 and info["outcome_ar"] == 0
    # Fisher interval with n = 5, Bonferroni over 3 lags: tanh(atanh r ± z/√2), z = Φ⁻¹(1 − 0.025/3)
    r1 = expected[1]
    half = 2.3939797998185104 / math.sqrt(2)
    assert frame.loc[1, "ci_low"] == pytest.approx(math.tanh(math.atanh(r1) - half), rel=1e-6)
    assert frame.loc[1, "ci_high"] == pytest.approx(math.tanh(math.atanh(r1) + half), rel=1e-6)
    res = lead_lag_result(frame, info, measure="m", region="R", driver="engagements", outcome="incidents")
    assert res.estimate == pytest.approx(r1) and res.details["lag"] == 1
    assert res.n_after == 5 and math.isnan(res.n_before)
    assert "1 quarter later" in res.finding and "strongest of 3 lags" in res.finding
    assert "association, not proof of cause" in res.finding


def test_too_short_series_give_a_reason():
    frame, info = lead_lag(quarters([1, 2, 3]), quarters([1, 2, 3, 4]), max_lag=8)
    assert info["reason"] and "3 consecutive quarters" in info["reason"]
    assert frame["r"].isna().all() and len(frame) == 9
    res = lead_lag_result(frame, info, measure="m", region="R", driver="d", outcome="o")
    assert math.isnan(res.estimate) and res.reason == res.finding


def test_an_outcome_with_gaps_is_used_as_observed():
    rng = np.random.default_rng(4)
    x = quarters(list(rng.normal(size=20)))
    y = quarters(list(rng.normal(size=20))).iloc[::2]  # every other quarter
    frame, info = lead_lag(x, y, max_lag=2, ar_order=0, min_pairs=4)
    assert info["outcome_ar"] is None
    # lag 0 pairs: quarters 0, 2, …, 18 → 10; lag 1: x at 1, 3, …, 17 with y one later → 9
    assert frame["n_pairs"].tolist() == [10, 9, 9]
    xv, yv = x.to_numpy(), y.reindex(x.index).to_numpy()
    assert frame.loc[0, "r"] == pytest.approx(np.corrcoef(xv[::2], yv[::2])[0, 1])


def test_pearson_by_hand_and_as_scipy_computes_it():
    # x = 1, 2, 3, 4 and y = 1, 3, 2, 4: deviations −1.5, −0.5, 0.5, 1.5 and −1.5, 0.5, −0.5, 1.5;
    # Σ x̃ỹ = 2.25 − 0.25 − 0.25 + 2.25 = 4, ‖x̃‖² = ‖ỹ‖² = 5, so r = 4/5 = 0.8; with n = 4 the null
    # distribution of r is uniform on (−1, 1) (beta(1, 1)), so p = 2 · (1 − 0.8)/2 = 0.2
    r, p = pearson(np.array([1.0, 2, 3, 4]), np.array([1.0, 3, 2, 4]))
    assert r == pytest.approx(0.8) and p == pytest.approx(0.2)
    rng = np.random.default_rng(5)
    for n in (5, 12, 40):
        for _ in range(50):
            x = rng.normal(size=n)
            y = 0.3 * x + rng.normal(size=n)
            want = pearsonr(x, y)
            got = pearson(x, y)
            assert got == pytest.approx((float(want.statistic), float(want.pvalue)), rel=1e-12)
