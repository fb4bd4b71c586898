"""Trend statistics over trailing windows: Mann–Kendall test and Sen's slope.

The textbook definitions (Mann 1945; Kendall 1975; Sen 1968; Hirsch et al. 1982), vectorised over
every trailing window of a monthly series at once, so a dashboard can flag sustained declines for
all regions and months in a few milliseconds. Tests check them against ``pymannkendall``.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from scipy.special import ndtr


def _windows(x: np.ndarray, window: int) -> np.ndarray:
    return sliding_window_view(np.asarray(x, dtype=float), window, axis=-1)


def mann_kendall_windows(x: np.ndarray, window: int) -> tuple[np.ndarray, np.ndarray]:
    """Mann–Kendall S and two-sided p-value for every trailing window along the last axis of ``x``.

    For a window x_1..x_n: S = Σ_{i<j} sign(x_j − x_i);
    Var(S) = [n(n−1)(2n+5) − Σ_g t_g(t_g−1)(2t_g+5)] / 18, where t_g are the sizes of tied groups;
    Z = (S − 1)/√Var if S > 0, (S + 1)/√Var if S < 0, 0 otherwise; p = 2·(1 − Φ(|Z|)).

    Returns arrays aligned with ``x`` (NaN for the first ``window − 1`` positions and for any window
    holding a NaN). A constant window has Var(S) = 0 and p = 1.
    """
    x = np.asarray(x, dtype=float)
    out_s = np.full(x.shape, np.nan)
    out_p = np.full(x.shape, np.nan)
    if window < 3 or x.shape[-1] < window:
        return out_s, out_p
    w = _windows(x, window)  # (..., m, n)
    n = window
    diff = w[..., None, :] - w[..., :, None]  # diff[..., k, i, j] = x_j - x_i
    upper = np.triu(np.ones((n, n), dtype=bool), k=1)
    s = np.sign(diff)[..., upper].sum(axis=-1)
    # tie correction: every element of a tied group of size t contributes (t-1)(2t+5); summed over the
    # group's t elements that is t(t-1)(2t+5).
    counts = (diff == 0).sum(axis=-1)  # group size of each element
    ties = ((counts - 1) * (2 * counts + 5)).sum(axis=-1)
    var = (n * (n - 1) * (2 * n + 5) - ties) / 18.0
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(s > 0, (s - 1) / np.sqrt(var), np.where(s < 0, (s + 1) / np.sqrt(var), 0.0))
    z = np.where(var > 0, z, 0.0)
    p = 2.0 * (1.0 - ndtr(np.abs(z)))
    bad = np.isnan(w).any(axis=-1)
    s = np.where(bad, np.nan, s)
    p = np.where(bad, np.nan, p)
    out_s[..., window - 1 :] = s
    out_p[..., window - 1 :] = p
    return out_s, out_p


def sen_slope_windows(x: np.ndarray, window: int) -> np.ndarray:
    """Sen's slope (median of (x_j − x_i)/(j − i) over all pairs i < j) for every trailing window.

    Units: units of ``x`` per time step. NaN for the first ``window − 1`` positions.
    """
    x = np.asarray(x, dtype=float)
    out = np.full(x.shape, np.nan)
    if window < 2 or x.shape[-1] < window:
        return out
    w = _windows(x, window)
    i, j = np.triu_indices(window, k=1)
    slopes = (w[..., j] - w[..., i]) / (j - i)
    out[..., window - 1 :] = np.median(slopes, axis=-1)
    return out


def mann_kendall(x: np.ndarray) -> tuple[float, float, float]:
    """Mann–Kendall over a whole series: (S, p-value, Sen's slope). NaN when fewer than 3 points."""
    x = np.asarray(x, dtype=float)
    if x.size < 3:
        return math.nan, math.nan, math.nan
    s, p = mann_kendall_windows(x, x.size)
    return float(s[-1]), float(p[-1]), float(sen_slope_windows(x, x.size)[-1])
