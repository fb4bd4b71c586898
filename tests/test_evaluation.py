"""Event study around a milestone: rate ratio, difference in differences, placebo and changes.

Every expected value is computed here independently: window sums by slicing, the subsampling
variance and the placebo permutation p by plain loops.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import t as student_t

from metrics.evaluation_changes import mean_change_hac, pretrend, wave_change
from metrics.evaluation_stats import CAVEAT, did_ratio, placebo, rate_ratio

Z95 = 1.959963984540054


def months(n: int, first: str = "2015-01") -> list[str]:
    return [str(p) for p in pd.period_range(first, periods=n, freq="M")]


@pytest.fixture(scope="module")
def panel():
    """120 months; milestone at month 60 (2020-01). Region: mean 100, 40 % lower from the milestone.
    Comparison: mean 80, 10 % lower from the milestone. Poisson noise, seed 20240601."""
    rng = np.random.default_rng(20240601)
    n, m = 120, 60
    after = np.arange(n) >= m
    region = rng.poisson(np.where(after, 60.0, 100.0)).astype(float)
    comp = rng.poisson(np.where(after, 72.0, 80.0)).astype(float)
    idx = months(n)
    return pd.Series(region, index=idx), pd.Series(comp, index=idx), idx[m]


def bounded(s0: float, s1: float) -> float:
    return math.log((s1 + 0.5) / (s0 + 0.5))


def subsampling(y: np.ndarray, mi: int, k: int, c: np.ndarray | None = None) -> tuple[float, int, int]:
    """V = mean of D_p² over positions p whose windows fit and are ≥ 2K from the milestone, by a loop;
    ν = ⌊1.5·P/K⌋."""
    total, used = 0.0, 0
    for p in range(len(y)):
        if p - k < 0 or p + k > len(y) or abs(p - mi) < 2 * k:
            continue
        d = bounded(y[p - k : p].sum(), y[p : p + k].sum())
        if c is not None:
            d -= bounded(c[p - k : p].sum(), c[p : p + k].sum())
        total += d * d
        used += 1
    return total / used, used, int(1.5 * used // k)


def test_rate_ratio_recovers_the_planted_drop_with_the_subsampling_interval(panel):
    region, _, m = panel
    y = region.to_numpy()
    s0, s1 = y[48:60].sum(), y[60:72].sum()  # before: months 48..59, after: 60..71
    res = rate_ratio(region, m, 12, region="North")
    assert res.estimate == s1 / s0  # exactly the ratio of the window sums
    assert (res.n_before, res.n_after) == (s0, s1)
    var, used, nu = subsampling(y, 60, 12)
    # positions 12..108 minus 37..83: 25 + 25 = 50; ν = ⌊1.5 × 50 / 12⌋ = 6
    assert (used, nu) == (50, 6)
    q = student_t.ppf(0.975, 6)
    centre = bounded(s0, s1)
    assert res.ci_low == pytest.approx(math.exp(centre - q * math.sqrt(var)), rel=1e-9)
    assert res.ci_high == pytest.approx(math.exp(centre + q * math.sqrt(var)), rel=1e-9)
    assert res.p_value == pytest.approx(2 * student_t.sf(abs(centre) / math.sqrt(var), 6), rel=1e-9)
    assert "6 df" in res.method and "subsampling" in res.method
    # the planted 40 % drop lies inside the interval, and no change does not
    assert res.ci_low < 0.6 < res.ci_high and res.ci_high < 1
    assert "fell" in res.finding and CAVEAT in res.finding


def test_did_ratio_recovers_0_6_over_0_9_with_the_subsampling_interval(panel):
    region, comp, m = panel
    a, c = region.to_numpy(), comp.to_numpy()
    a0, a1, c0, c1 = a[48:60].sum(), a[60:72].sum(), c[48:60].sum(), c[60:72].sum()
    res = did_ratio(region, comp, m, 12, region="North", comparison_names=["South"])
    assert res.estimate == pytest.approx((a1 / a0) / (c1 / c0), rel=1e-12)
    assert (res.n_before, res.n_after) == (c0, c1)  # the comparison's counts
    var, used, nu = subsampling(a, 60, 12, c)
    q = student_t.ppf(0.975, nu)
    centre = bounded(a0, a1) - bounded(c0, c1)
    assert res.ci_low == pytest.approx(math.exp(centre - q * math.sqrt(var)), rel=1e-9)
    assert res.ci_high == pytest.approx(math.exp(centre + q * math.sqrt(var)), rel=1e-9)
    assert res.ci_low < 0.6 / 0.9 < res.ci_high
    assert "South" in res.finding and "lower" in res.finding


def test_pretrend_compares_the_two_windows_before_the_milestone(panel):
    region, comp, m = panel
    a, c = region.to_numpy(), comp.to_numpy()
    res = pretrend(region, comp, m, 12, region="North", comparison_names=["South"])
    # windows 36..47 and 48..59: no planted change before month 60 in either series
    centre = bounded(a[36:48].sum(), a[48:60].sum()) - bounded(c[36:48].sum(), c[48:60].sum())
    var, _used, nu = subsampling(a, 48, 12, c)
    p = 2 * student_t.sf(abs(centre) / math.sqrt(var), nu)
    assert res.measure == "incidents_pretrend_p"
    assert res.estimate == res.p_value == pytest.approx(p, rel=1e-9)
    assert ("warning" in res.finding) == (p < 0.10)


def test_placebo_p_is_a_permutation_p_over_non_overlapping_windows(panel):
    region, _, m = panel
    y = region.to_numpy()
    k, mi = 12, 60
    observed = abs(bounded(y[48:60].sum(), y[60:72].sum()))
    count = total = 0
    for p in (mi - 48, mi - 24, mi + 24, mi + 48):  # m ± 2K·j whose windows fit in 0..119
        total += 1
        count += abs(bounded(y[p - k : p].sum(), y[p : p + k].sum())) >= observed - 1e-9
    res, frame = placebo(region, m, 12, region="North")
    assert res.details["count"] == count and res.details["denominator"] == total == 4
    assert res.estimate == res.p_value == (1 + count) / (1 + total)
    assert math.isnan(res.ci_low) and math.isnan(res.ci_high)
    assert list(frame["period"]) == ["2016-01", "2018-01", "2022-01", "2024-01"]  # months 12, 36, 84, 108
    assert "smallest possible p is 0.20" in res.finding


def test_placebo_counts_zero_event_windows_with_the_bounded_statistic():
    y = np.full(96, 10.0)
    y[12:24] = 0.0  # a window without events: bounded, not infinitely extreme
    s = pd.Series(y, index=months(96))
    res, frame = placebo(s, months(96)[48], 12, region="R")
    # milestone windows 36..59 are equal (ratio 1); placebo positions 24 and 72 (0 and 96 do not fit)
    assert list(frame["period"]) == [months(96)[24], months(96)[72]]
    assert frame["log_ratio"].iloc[0] == pytest.approx(math.log(120.5 / 0.5))
    assert res.details["count"] == 2 and res.estimate == (1 + 2) / (1 + 2)


# --- edge cases -----------------------------------------------------------------------------------


def test_milestone_at_the_edges_of_the_data():
    s = pd.Series(np.arange(1.0, 25.0), index=months(24))  # 2015-01 .. 2016-12
    ok = rate_ratio(s, "2016-01", 12, region="R")  # windows exactly fill the data: no history left
    assert ok.n_after / ok.n_before == sum(range(13, 25)) / sum(range(1, 13))
    assert math.isnan(ok.estimate) and "vary by chance cannot be measured" in ok.reason
    early = rate_ratio(s, "2015-12", 12, region="R")
    assert math.isnan(early.estimate) and "starts before" in early.reason and "2015-01" in early.reason
    late = rate_ratio(s, "2016-02", 12, region="R")
    assert math.isnan(late.estimate) and "ends after" in late.reason
    assert late.finding == late.reason
    res, frame = placebo(s, "2016-01", 12, region="R")
    assert math.isnan(res.estimate) and "no other stretch" in res.reason and frame.empty


def test_zero_incidents_in_a_window_gives_a_reason_not_a_number():
    y = np.r_[np.zeros(12), np.full(12, 5.0)]
    s = pd.Series(y, index=months(24))
    res = rate_ratio(s, "2016-01", 12, region="R")
    assert math.isnan(res.estimate) and math.isnan(res.ci_low)
    assert (res.n_before, res.n_after) == (0, 60)
    assert "no incidents in the before window" in res.reason
    both = rate_ratio(pd.Series(np.zeros(24), index=months(24)), "2016-01", 12, region="R")
    assert "either window" in both.reason
    did = did_ratio(s, pd.Series(np.full(24, 3.0), index=months(24)), "2016-01", 12, comparison_names=["C"])
    assert math.isnan(did.estimate) and "a window without incidents" in did.reason


def test_a_comparison_without_data_gives_a_reason():
    s = pd.Series(np.full(24, 4.0), index=months(24))
    res = did_ratio(s, pd.Series(dtype=float), "2016-01", 12, region="R", comparison_names=[])
    assert math.isnan(res.estimate) and "no comparison region" in res.reason


def test_one_month_of_data():
    s = pd.Series([7.0], index=["2020-05"])
    for fn in (rate_ratio, lambda *a, **k: placebo(*a, **k)[0]):
        res = fn(s, "2020-05", 12, region="R")
        assert math.isnan(res.estimate) and res.reason


def test_months_without_data_are_not_read_as_zero():
    s = pd.Series(np.full(24, 4.0), index=months(24)).drop("2015-06")
    res = rate_ratio(s, "2016-01", 12, region="R")
    assert math.isnan(res.estimate) and "1 month(s)" in res.reason


def test_bad_window_and_month_raise():
    s = pd.Series(np.full(24, 4.0), index=months(24))
    with pytest.raises(ValueError, match="at least 1"):
        rate_ratio(s, "2016-01", 0)
    with pytest.raises(ValueError, match="YYYY-MM"):
        rate_ratio(s, "2016-13", 12)


def test_a_rise_that_cannot_be_told_apart_from_no_change_says_so():
    # windows 10,12,10,12,… before and 11,13,11,13,… after: ratio 72/66; the 24 months before them
    # swing between 8 and 14 per 6 months' windows, so a 9 % rise is within the usual range
    history = np.r_[np.full(6, 8.0), np.full(6, 14.0), np.full(6, 8.0), np.full(6, 14.0)]
    y = np.r_[history, np.tile([10.0, 12.0], 3), np.tile([11.0, 13.0], 3)]
    res = rate_ratio(pd.Series(y, index=months(36)), months(36)[30], 6, region="R")
    assert res.estimate == 72 / 66
    assert res.ci_low < 1 < res.ci_high
    assert "rose 9%" in res.finding and "cannot be told apart from no change" in res.finding


# --- perception and collaboration changes ---------------------------------------------------------


def test_wave_change_of_a_survey_share():
    waves = pd.DataFrame(
        {
            "period": ["2018-06", "2019-03", "2019-09", "2020-02", "2021-01"],
            "value": [0.40, 0.44, 0.50, 0.54, 0.90],
            "ci_low": [0.38, 0.42, 0.47, 0.52, 0.80],
            "ci_high": [0.42, 0.46, 0.53, 0.56, 1.00],
        }
    )
    # milestone 2019-07, K = 12: before 2018-07..2019-06 holds 2019-03 only (2018-06 is outside);
    # after 2019-07..2020-06 holds 2019-09 and 2020-02; 2021-01 is outside.
    res = wave_change(waves, "2019-07", 12, measure="m", what="Feel safe", region="R")
    assert (res.n_before, res.n_after) == (1, 2)
    change = (0.50 + 0.54) / 2 - 0.44  # 0.08
    se_b = 0.04 / (2 * Z95)
    se_a = math.sqrt((0.06 / (2 * Z95)) ** 2 + (0.04 / (2 * Z95)) ** 2) / 2
    se = math.sqrt(se_a**2 + se_b**2)
    assert res.estimate == pytest.approx(change, abs=1e-12)
    assert res.ci_low == pytest.approx(change - Z95 * se, abs=1e-12)
    assert res.ci_high == pytest.approx(change + Z95 * se, abs=1e-12)
    assert "rose by 8.0 points" in res.finding
    none = wave_change(waves, "2017-01", 12, measure="m", what="Feel safe", region="R")
    assert math.isnan(none.estimate) and "no survey wave" in none.reason


def test_wave_change_without_intervals_has_no_interval():
    waves = pd.DataFrame(
        {"period": ["2019", "2020"], "value": [0.3, 0.4], "ci_low": [np.nan, 0.35], "ci_high": [np.nan, 0.45]}
    )
    # annual values are dated July: 2019-07 before a 2020-01 milestone, 2020-07 after
    res = wave_change(waves, "2020-01", 12, measure="m", what="Trust", region="R")
    assert res.estimate == pytest.approx(0.1) and math.isnan(res.ci_low) and "no interval" in res.finding


def test_density_change_uses_newey_west_standard_errors():
    rng = np.random.default_rng(3)
    y = np.clip(np.r_[0.3 + rng.normal(0, 0.02, 12).cumsum(), 0.5 + rng.normal(0, 0.02, 12).cumsum()], 0, 1)
    s = pd.Series(y, index=months(24))
    res = mean_change_hac(s, "2016-01", 12, measure="network_density_change", what="Density", region="R")
    assert res.estimate == pytest.approx(y[12:].mean() - y[:12].mean(), abs=1e-12)
    # Newey–West by hand: Bartlett weights 1 − l/(L+1), L = 11 lags, no small-sample factor
    x = np.column_stack([np.ones(24), np.r_[np.zeros(12), np.ones(12)]])
    u = y - x @ np.linalg.lstsq(x, y, rcond=None)[0]
    meat = (x * u[:, None]).T @ (x * u[:, None])
    for lag in range(1, 12):
        g = (x[lag:] * u[lag:, None]).T @ (x[:-lag] * u[:-lag, None])
        meat += (1 - lag / 12) * (g + g.T)
    bread = np.linalg.inv(x.T @ x)
    se = math.sqrt((bread @ meat @ bread)[1, 1])
    assert res.ci_low == pytest.approx(res.estimate - Z95 * se, abs=1e-10)
    assert res.ci_high == pytest.approx(res.estimate + Z95 * se, abs=1e-10)
    assert (res.n_before, res.n_after) == (12, 12)
