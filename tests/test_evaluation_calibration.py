"""Calibration: on panels with no effect, the 95 % intervals cover 1 about 95 % of the time and the
placebo share falls below 0.05 about 5 % of the time.

The code under test (``rate_ratio``, ``did_ratio``, ``placebo``) runs on every panel; the test only
draws the panels and counts. Counts are over-dispersed (negative binomial, mean 40, variance 200) so
the quasi-Poisson scaling matters: a plain Poisson interval would cover far less often.

Run counts are chosen so that sampling noise stays well inside the bands: 500 panels give the
coverage to ± 1 point (one standard error); 1,000 long panels give the placebo rate to ± 0.75 point.
In 3,000-panel runs the rates were 94.7 % (rate ratio), 95.7 % (DiD) and, for 249-month series,
6.6 % (placebo; overlapping placebo windows make the share somewhat liberal, less so the longer the
series, hence 369 months here: about 6 %).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from metrics.evaluation_stats import did_ratio, placebo, rate_ratio


def _months(n: int) -> list[str]:
    return [str(p) for p in pd.period_range("2000-01", periods=n, freq="M")]


def _panel(rng: np.random.Generator, mean: float, months: list[str]) -> pd.Series:
    size = 10.0  # negative binomial: variance = mean + mean²/size
    draws = rng.negative_binomial(size, size / (size + mean), len(months)).astype(float)
    return pd.Series(draws, index=months)


def test_intervals_cover_no_change_about_95_percent_of_the_time():
    months = _months(24)  # the two windows of 12 months around 2001-01
    rng = np.random.default_rng(11)
    runs = 500
    covered = did_covered = 0
    for _ in range(runs):
        region, comparison = _panel(rng, 40.0, months), _panel(rng, 60.0, months)
        rr = rate_ratio(region, "2001-01", 12)
        covered += rr.ci_low <= 1 <= rr.ci_high
        did = did_ratio(region, comparison, "2001-01", 12, comparison_names=["C"])
        did_covered += did.ci_low <= 1 <= did.ci_high
    assert 0.92 <= covered / runs <= 0.98
    assert 0.92 <= did_covered / runs <= 0.98


def test_placebo_share_is_below_0_05_in_about_5_percent_of_panels():
    months = _months(369)
    milestone = months[184]
    rng = np.random.default_rng(12)
    runs = 1000
    small = 0
    for _ in range(runs):
        res, _frame = placebo(_panel(rng, 40.0, months), milestone, 12)
        # eligible months 12..357 (346) minus the 47 within 23 months of month 184
        assert res.details["denominator"] == 299
        small += res.estimate < 0.05
    assert 0.02 <= small / runs <= 0.08
