"""Mann–Kendall and Sen's slope against a textbook example and the reference implementation."""

import math

import numpy as np
import pymannkendall
import pytest

from metrics.trend import mann_kendall, mann_kendall_windows, sen_slope_windows


def test_textbook_strictly_increasing_series():
    # x = 1..5: every pair increases, S = C(5,2) = 10; Var(S) = 5·4·15/18 = 16.667;
    # Z = (10 − 1)/√16.667 = 2.2045; p = 2(1 − Φ(2.2045)) = 0.02749; Sen's slope = 1.
    s, p, slope = mann_kendall(np.array([1, 2, 3, 4, 5]))
    assert s == 10
    z = 9 / math.sqrt(5 * 4 * 15 / 18)
    assert p == pytest.approx(math.erfc(z / math.sqrt(2)), rel=1e-12)
    assert p == pytest.approx(0.02749, abs=1e-5)
    assert slope == 1


def test_ties_reduce_the_variance():
    # x = [1, 1, 2]: pairs (1,1)→0, (1,2)→+1, (1,2)→+1: S = 2. One tied group of t = 2:
    # Var = [3·2·11 − 2·1·9]/18 = (66 − 18)/18 = 2.667; Z = (2 − 1)/√2.667 = 0.6124.
    s, p, slope = mann_kendall(np.array([1.0, 1.0, 2.0]))
    assert s == 2
    z = 1 / math.sqrt((66 - 18) / 18)
    assert p == pytest.approx(math.erfc(z / math.sqrt(2)), rel=1e-12)
    # slopes: (1-1)/1 = 0, (2-1)/2 = 0.5, (2-1)/1 = 1 → median 0.5
    assert slope == 0.5


def test_constant_series_has_no_trend():
    s, p, slope = mann_kendall(np.full(12, 4.0))
    assert (s, p, slope) == (0, 1.0, 0.0)


def test_windows_match_pymannkendall_on_random_series():
    rng = np.random.default_rng(7)
    x = rng.poisson(20, size=60).astype(float) + np.arange(60) * rng.normal(0, 0.3)
    x = np.round(x)
    s, p = mann_kendall_windows(x, 12)
    slope = sen_slope_windows(x, 12)
    assert np.isnan(s[:11]).all() and np.isnan(slope[:11]).all()
    for t in range(11, 60):
        ref = pymannkendall.original_test(x[t - 11 : t + 1])
        assert s[t] == ref.s
        assert p[t] == pytest.approx(ref.p, rel=1e-10, abs=1e-14)
        assert slope[t] == pytest.approx(ref.slope, rel=1e-12)


def test_short_series_gives_nan():
    s, p, slope = mann_kendall(np.array([1.0, 2.0]))
    assert math.isnan(s) and math.isnan(p) and math.isnan(slope)
