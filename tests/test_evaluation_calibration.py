"""Calibration, fast versions: on simulated series with no change the signals fire about as often as
their targets allow, and a planted change is found. The full run (1,000 series per cell, every
noise model) is ``benchmarks/calibration.py``; these keep a few hundred seeded series of the easier
cells in the suite.

Tolerances come from the binomial standard error: with n series and a true rate r the observed rate
has SE √(r(1 − r)/n); bounds are the target plus about 2.5 SE (e.g. n = 300, r = 0.10: SE 1.7 points).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from metrics import signals, signals_eval, signals_sim
from metrics.evaluation_leadlag import lead_lag


def se(rate: float, n: int) -> float:
    return math.sqrt(rate * (1 - rate) / n)


def test_downward_trend_rarely_fires_on_autocorrelated_noise_and_finds_a_step_drop_at_mean_50():
    rng = np.random.default_rng(101)
    n = 300
    # the hardest noise cell: AR(1) ρ 0.7 on the log rate, mean 5 (runs hard to tell from Poisson noise)
    for noise, mean in (("ar0.7", 5.0), ("negbin", 50.0)):
        flags = signals.signal_grids(signals_sim.series(rng, noise, mean, 0.25, n))["downward_trend"]
        flagged = float(np.nanmax(flags, axis=1).mean())
        assert flagged <= 0.10 + 2.5 * se(0.10, n)  # ≤ 14.3 %
    drop = np.ones(120)
    drop[60:] = 0.6
    # Poisson and over-dispersed (negative binomial of size 10) noise at 50 incidents a month
    for noise in ("poisson", "negbin"):
        flags = signals.signal_grids(signals_sim.series(rng, noise, 50.0, 0.25, n, effect=drop))[
            "downward_trend"
        ]
        found = float(np.nan_to_num(flags[:, 60:78]).max(axis=1).mean())  # within 18 months of the drop
        assert found >= 0.80 - 2.5 * se(0.80, n)  # ≥ 74 %


def test_alarm_fires_in_at_most_1_percent_of_months_and_catches_a_tripling_at_mean_50():
    rng = np.random.default_rng(102)
    n = 200
    for noise in ("ar0.7", "negbin"):  # runs of busy months; over-dispersion
        alarm = signals.signal_grids(signals_sim.series(rng, noise, 50.0, 0.25, n))["alarm"]
        months = int(np.isfinite(alarm).sum())
        assert months == n * (120 - 36)  # months 36..119 have a 36-month baseline
        assert float(np.nanmean(alarm)) <= 0.01 + 2.5 * se(0.01, months)  # ≤ 1.24 %
    spike = np.ones(120)
    spike[100] = 3.0
    alarm = signals.signal_grids(signals_sim.series(rng, "poisson", 50.0, 0.0, n, effect=spike))["alarm"]
    assert float(alarm[:, 100].mean()) >= 0.80 - 2.5 * se(0.80, n)


def test_rate_ratio_and_did_intervals_cover_the_truth_under_autocorrelation():
    rng = np.random.default_rng(103)
    n, k, m, truth = 400, 12, 60, 0.6
    eff = np.ones(120)
    eff[m:] = truth
    y = signals_sim.series(rng, "ar0.5", 50.0, 0.25, n, effect=eff)
    c = signals_sim.series(rng, "ar0.5", 100.0, 0.25, n)
    s0, s1 = (v[:, 0] for v in signals_eval.window_sums(y, np.array([m]), k))
    c0, c1 = (v[:, 0] for v in signals_eval.window_sums(c, np.array([m]), k))
    var, used, nu = signals_eval.subsampling_variance(y, m, k)
    assert (used == 50).all() and (nu == 6).all()  # 25 + 25 positions, ⌊1.5 × 50/12⌋
    lo, hi, _ = signals_eval.interval(signals_eval.bounded_log_ratio(s0, s1), var, nu)
    covered = float(((lo <= truth) & (truth <= hi)).mean())
    assert abs(covered - 0.95) <= 2.5 * se(0.95, n)  # 95 % ± 2.7 points
    var2, _, nu2 = signals_eval.subsampling_variance(y, m, k, comparison=c)
    centre = signals_eval.bounded_log_ratio(s0, s1) - signals_eval.bounded_log_ratio(c0, c1)
    lo2, hi2, _ = signals_eval.interval(centre, var2, nu2)
    covered = float(((lo2 <= truth) & (truth <= hi2)).mean())
    assert abs(covered - 0.95) <= 2.5 * se(0.95, n)


def test_placebo_p_is_at_most_0_05_in_about_1_of_29_no_effect_series():
    rng = np.random.default_rng(104)
    n = 600
    y = signals_sim.series(rng, "negbin", 50.0, 0.0, n)
    # windows of 2 around month 60: placebo positions 60 ± 4j inside 2..118 → 28 windows, so
    # p = (1 + b)/29 ≤ 0.05 only when b = 0, which has probability 1/29 = 3.4 % when nothing happened
    p, _b, total, _pos, _lr = signals_eval.placebo_p(y, 60, 2)
    assert (total == 28).all()
    rate = float((p <= 0.05).mean())
    assert abs(rate - 1 / 29) <= 2.5 * se(1 / 29, n)


def test_lead_lag_with_the_lag_search_adjusted_rarely_excludes_zero_on_independent_noise():
    rng = np.random.default_rng(105)
    n = 150
    quarters = pd.period_range("2010Q1", periods=40, freq="Q")
    hits = 0
    for _ in range(n):
        frame, _info = lead_lag(
            pd.Series(rng.normal(size=40), index=quarters), pd.Series(rng.normal(size=40), index=quarters)
        )
        i = int(frame["r"].abs().idxmax())
        hits += not (frame.loc[i, "ci_low"] <= 0 <= frame.loc[i, "ci_high"])
    assert hits / n <= 0.06 + 2.5 * se(0.06, n)
