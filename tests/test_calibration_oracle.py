"""The oracle bound of the calibration benchmark: its detectors by hand on short series."""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def _oracle():
    spec = importlib.util.spec_from_file_location(
        "calibration_oracle", ROOT / "benchmarks" / "calibration_oracle.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_step_detector_under_poisson_noise_is_page_s_cusum():
    oracle = _oracle()
    y = np.array([[3.0, 1.0, 5.0, 0.0]])
    m = np.full((1, 4), 4.0)
    shape = np.full(oracle.MONTHS, 0.6)
    g = oracle.glr_statistic(y, m, "poisson", shape)[0]
    # month log-likelihood ratio of a fall to 0.6·m: y·log 0.6 − m·(0.6 − 1) = 1.6 + y·log 0.6
    ell = [1.6 + v * math.log(0.6) for v in (3, 1, 5, 0)]  # 0.0675, 1.0892, −0.9541, 1.6
    s, expected = 0.0, []
    for v in ell:  # Page: S_t = max(0, S_{t−1} + ℓ_t)
        s = max(0.0, s + v)
        expected.append(s)
    assert np.allclose(g, expected)
    assert abs(g[-1] - 1.8027) < 1e-3


def test_the_alarm_threshold_keeps_within_its_share():
    oracle = _oracle()
    p = np.array([0.001, 0.002, 0.002, 0.5, 0.7, 0.9, 0.9, 0.9, 0.95, 1.0])
    # at most 10 % of 10 values (one) may be ≤ c: 0.001 (one value); 0.002 would take three
    assert oracle._largest_at_most(p, 0.10) == 0.001
    # 30 %: three values ≤ 0.002
    assert oracle._largest_at_most(p, 0.30) == 0.002
    # nothing can be flagged at 5 % of 10 values
    assert oracle._largest_at_most(p, 0.05) == -np.inf
