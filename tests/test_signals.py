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
    trend_at,
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


def test_level_drop_z_by_hand():
    from metrics.signals import level_drop_z

    # 36 baseline months of 16, then 12 months of 12. The model without trend fitted to a constant
    # baseline predicts 16 for every recent month: D = 12·12 − 12·16 = −48. Over 36 months
    # (three full cycles) X'WX = 16·diag(36, 18, 18); the recent 12 months are one full cycle, so
    # c = Σ_r μ̂_r·x_r = 16·(12, 0, 0) and a_j = −c'(X'WX)⁻¹x_j = −12/36 = −1/3 in the baseline.
    y = np.array([[16.0] * 36 + [12.0] * 12])
    zero = np.zeros(1)
    # Poisson noise: Var(D) = Σ a_j²·μ_j = 36·(1/9)·16 + 12·16 = 64 + 192 = 256, z = −48/16 = −3
    z = level_drop_z(y, (zero, zero, zero))
    assert np.isnan(z[0, :47]).all()
    assert abs(z[0, 47] - (-3.0)) < 1e-6
    # κ_w = 0.1 adds 0.1·Σ (a_j·μ_j)² = 0.1·(36·(16/3)² + 12·16²) = 0.1·(1024 + 3072) = 409.6,
    # z = −48/√665.6 = −1.8605; an AR part with ρ = 0 is the same white variance
    white = level_drop_z(y, (np.full(1, 0.1), zero, zero))[0, 47]
    runs = level_drop_z(y, (zero, np.full(1, 0.1), zero))[0, 47]
    assert abs(white - (-48 / np.sqrt(665.6))) < 1e-4 and abs(runs - white) < 1e-9
    # ρ = 0.5: κ_ar·b'Rb with R_ij = 0.5^|i−j| and b = (−16/3 × 36, 16 × 12), the matrix written out
    b = np.array([-16 / 3] * 36 + [16.0] * 12)
    lag = np.abs(np.subtract.outer(np.arange(48), np.arange(48)))
    var = 256 + 0.1 * b @ (0.5**lag) @ b
    correlated = level_drop_z(y, (zero, np.full(1, 0.1), np.full(1, 0.5)))[0, 47]
    assert abs(correlated - (-48 / np.sqrt(var))) < 1e-6


def test_recent_level_one_month_by_hand():
    from metrics.signals import recent_level

    # one month, μ = 10, y = 15, κ_w = 0, κ_ar = 0.1, ρ = 0.5: F = μ²·κ_ar + μ = 20,
    # gain K = κ_ar·μ/F = 0.05, û = ρ·K·(y − μ) = 0.5·0.05·5 = 0.125,
    # P = ρ²·(κ_ar − K·μ·κ_ar) + κ_ar·(1 − ρ²) = 0.25·0.05 + 0.075 = 0.0875
    u, p = recent_level(
        np.array([[[15.0]]]), np.array([[[10.0]]]), (np.zeros(1), np.full(1, 0.1), np.full(1, 0.5))
    )
    assert abs(u[0, 0] - 0.125) < 1e-12 and abs(p[0, 0] - 0.0875) < 1e-12
    # no runs (κ_ar = 0): the recent months say nothing about the next, û = 0 and P = 0
    u, p = recent_level(
        np.array([[[15.0, 30.0]]]), np.array([[[10.0, 10.0]]]), (np.full(1, 0.1), np.zeros(1), np.zeros(1))
    )
    assert u[0, 0] == 0 and p[0, 0] == 0


def test_the_noise_read_beside_a_drop_leaves_the_drop_out():
    from metrics.signals import count_dependence_split

    rng = np.random.default_rng(22)
    drop = np.ones(120)
    drop[60:] = 0.6
    y = signals_sim.series(rng, "negbin", 50.0, 0.25, 200, effect=drop)
    # negative binomial of size 10: κ_w + κ_ar = 1/10 and no runs. The whole-series variogram takes
    # part of the 40 % drop for slow runs; left out at month 71 (the 12 recent months start at 60,
    # the month of the drop), the extra variance is close to 0.1 again
    k_w, k_ar, rho = count_dependence_split(y)
    assert abs(float(np.mean(k_w[:, 71] + k_ar[:, 71])) - 0.1) < 0.02
    whole_w, whole_ar, _ = count_dependence(y)
    assert float(np.mean(whole_ar)) > float(np.mean(k_ar[:, 71])) + 0.01


def test_a_small_ar_part_counts_as_white_noise_for_the_level_rule() -> None:
    """κ_ar below 30 % of κ_w + κ_ar moves into κ_w (same total, ρ 0); a larger one stays."""
    from metrics.signals import _white_unless_runs

    k_w = np.array([0.076, 0.02, 0.07, 0.0])
    k_ar = np.array([0.028, 0.08, 0.03, 0.0])
    rho = np.array([0.41, 0.6, 0.5, 0.0])
    w, ar, r = _white_unless_runs(k_w, k_ar, rho)
    # shares: 0.028/0.104 = 0.27 (moved); 0.08/0.10 = 0.8 (kept); 0.03/0.10 = 0.3 (kept: not below)
    np.testing.assert_allclose(w, [0.104, 0.02, 0.07, 0.0])
    np.testing.assert_allclose(ar, [0.0, 0.08, 0.03, 0.0])
    np.testing.assert_allclose(r, [0.0, 0.6, 0.5, 0.0])


def test_the_level_rule_reads_over_dispersion_without_inventing_runs() -> None:
    """Negative binomial series (κ_w = 0.1, no runs): the level z of no-change months has SD close to
    1. Before a small AR part was counted as white noise it was 0.89, so real drops hid."""
    from metrics.signals import count_dependence_split, level_drop_z

    rng = np.random.default_rng(23)
    y = signals_sim.series(rng, "negbin", 50.0, 0.0, 300)
    dep = count_dependence_split(y)
    assert float(np.mean(dep[1][:, 60:] > 0)) < 0.35  # most months: no runs
    z = level_drop_z(y, dep)[:, 60:]
    # 300 series × 60 months, strongly correlated within a series: the SD's own error is a few %
    assert 0.93 < float(np.nanstd(z)) < 1.07
    # runs are still found where they are: AR(1) ρ 0.7 keeps its AR part in nearly every month
    y = signals_sim.series(rng, "ar0.7", 50.0, 0.0, 100)
    assert float(np.mean(count_dependence_split(y)[1][:, 60:] > 0)) > 0.9


def test_trend_at_one_month_equals_the_full_grid_in_that_month():
    rng = np.random.default_rng(7)
    # five regions × 120 months: a falling rate, flat noise, a missing month, a coverage change
    months = np.arange(120)
    lam = np.vstack(
        [40 * 0.99**months, np.full(120, 20.0), np.full(120, 8.0), np.full(120, 30.0), 3 + 0 * months]
    )
    y = rng.poisson(lam).astype(float)
    y[2, 100] = np.nan
    covered = np.full(y.shape, 5.0)
    covered[3, 90:] = 6.0  # region 3 gains a member in month 90
    full = signal_grids(y, covered=covered)
    for column in (35, 60, 95, 101, 119):
        one = trend_at(y, column, covered=covered)
        for name in ("trend_change_per_year", "trend_ci_low", "trend_ci_high", "trend_p_value"):
            np.testing.assert_allclose(one[name][:, column], full[name][:, column], rtol=1e-9, equal_nan=True)
            others = np.delete(one[name], column, axis=1)
            assert np.isnan(others).all()
    # windows holding the missing month (columns 100 … 135) or the change (90 … 125) are not computable
    assert np.isnan(trend_at(y, 101, covered=covered)["trend_p_value"][[2, 3], 101]).all()
    # the first full 36-month window ends in column 35; before it there is no trend
    assert np.isnan(trend_at(y, 34, covered=covered)["trend_p_value"]).all()
    # the falling region: 0.99¹² − 1 ≈ −11 % a year
    assert trend_at(y, 119)["trend_change_per_year"][0, 119] < 0


def test_the_variogram_fit_finds_the_noise_it_was_made_from() -> None:
    """V_h = s − κ_ar·ρ^h with s = 0.10, κ_ar = 0.04, ρ = 0.5 (on the grid): the fit gives
    κ_w = s − κ_ar = 0.06, κ_ar = 0.04, ρ = 0.5; a flat variogram (no serial dependence) gives
    κ_ar = 0 and ρ = 0 (the first ρ of the grid, all fitting equally well)."""
    from metrics.signals import _fit_variogram

    lags = np.arange(1, 13)
    made = 0.10 - 0.04 * 0.5 ** lags.astype(float)
    flat = np.full(12, 0.03)
    k_w, k_ar, rho = _fit_variogram(np.vstack([made, flat]), lags)
    np.testing.assert_allclose(k_w, [0.06, 0.03], atol=1e-12)
    np.testing.assert_allclose(k_ar, [0.04, 0.0], atol=1e-12)
    assert rho.tolist() == [0.5, 0.0]


def test_the_variogram_fit_is_the_same_whole_grid_at_once_or_rho_by_rho() -> None:
    """``_fit_variogram`` evaluates the ρ grid as arrays for up to ``_GRID_AT_ONCE`` series and ρ by
    ρ beyond: the same numbers exactly, near-ties (an earlier ρ within the 1e-15 tolerance) included."""
    from metrics.signals import _RHO_GRID, _fit_variogram_by_rho, _fit_variogram_grid

    rng = np.random.default_rng(7)
    lags = np.arange(1, 13)
    cases = [rng.normal(0.02, 0.03, size=(40, 12)), np.abs(rng.normal(0.05, 0.05, size=(3, 50, 12)))]
    cases.append(np.zeros((2, 12)))  # every ρ fits equally: the first wins
    tie = 0.1 - 0.04 * _RHO_GRID[30] ** lags.astype(float)
    cases.append(np.vstack([tie, tie + 1e-17]))  # the exact ρ and one a rounding error away
    for v in cases:
        for a, b in zip(_fit_variogram_grid(v, lags), _fit_variogram_by_rho(v, lags), strict=True):
            assert np.array_equal(a, b)
