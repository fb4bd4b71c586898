"""Before/after statistics around a milestone with uncertainty measured on the series itself.

Companion of ``metrics.signals`` for the evaluation (used by ``metrics.evaluation_stats``, the
``stability evaluate`` command, the pages and ``benchmarks/calibration.py``). Arrays hold one series
per row (…, months); NaN is a month without data. With windows of K months, position p has the
*before* window p − K … p − 1 and the *after* window p … p + K − 1; the milestone is position m.

- Bounded log ratio at p: L_p = log((S1_p + ½)/(S0_p + ½)), finite even when a window has no events.
- **Subsampling variance** (Politis & Romano 1994): the statistic's spread when nothing happened,
  measured at every other position whose windows lie in the data, hold no missing month and no change
  of coverage, and do not overlap the milestone's windows (|p − m| ≥ 2K):
  V = mean_p(D_p²), D_p = L_p (rate ratio) or L_p(region) − L_p(comparison) (difference in
  differences; each group keeps its own dispersion). The interval is log(estimate) ± t_{0.975, ν}·√V
  with ν = max(1, ⌊1.5·P/K⌋) for P positions (the overlapping positions carry about 1.5 times the
  information of the P/K non-overlapping ones; the factor was set by the calibration). It allows
  for over-dispersion, seasonality and serial dependence of any form, because it reads them off the
  region's own history.
- **Placebo p** (a valid permutation p-value): over the non-overlapping placebo positions
  p = m ± 2K·j (j = 1, 2, …) with complete windows, p = (1 + b)/(1 + M), b = #{|L_p| ≥ |L_m|}.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import t as student_t


def window_sums(values: np.ndarray, pos: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(S0, S1) at positions ``pos``: sums of the K months before and from each position (NaN when a
    month of either window is missing or the windows leave the data). Shapes (…, len(pos))."""
    v = np.asarray(values, dtype=float)
    n = v.shape[-1]
    c = np.concatenate([np.zeros((*v.shape[:-1], 1)), np.cumsum(np.nan_to_num(v), axis=-1)], axis=-1)
    gaps = np.concatenate([np.zeros((*v.shape[:-1], 1)), np.cumsum(np.isnan(v), axis=-1)], axis=-1)
    pos = np.asarray(pos, dtype=int)
    inside = (pos - k >= 0) & (pos + k <= n)
    p = np.clip(pos, k, max(n - k, k))
    lo, mid, hi = np.clip(p - k, 0, n), np.clip(p, 0, n), np.clip(p + k, 0, n)
    s0 = c[..., mid] - c[..., lo]
    s1 = c[..., hi] - c[..., mid]
    complete = inside & ((gaps[..., hi] - gaps[..., lo]) == 0)
    return np.where(complete, s0, np.nan), np.where(complete, s1, np.nan)


def stable_coverage(covered: np.ndarray | None, pos: np.ndarray, k: int) -> np.ndarray | bool:
    """True where the covered-member count is the same over both windows at each position."""
    if covered is None:
        return True
    c = np.asarray(covered, dtype=float)
    n = c.shape[-1]
    flat = c.reshape(-1, n)
    # window [p − k, p + k): no missing month and no change between neighbours inside it (every
    # series at once), counted with cumulative sums so each position costs O(1)
    missing = np.concatenate([[0], np.cumsum(np.isnan(flat).any(axis=0))])
    change = np.zeros(n, dtype=bool)
    change[1:] = (flat[:, 1:] != flat[:, :-1]).any(axis=0)
    changes = np.concatenate([[0], np.cumsum(change)])
    p = np.asarray(pos, dtype=int)
    lo, hi = p - k, p + k
    fits = (lo >= 0) & (hi <= n)
    lo, hi = np.clip(lo, 0, n), np.clip(hi, 0, n)
    first_inner = np.minimum(lo + 1, hi)  # a change at the window's first month is outside it
    return fits & (missing[hi] == missing[lo]) & (changes[hi] == changes[first_inner])


def bounded_log_ratio(s0: np.ndarray, s1: np.ndarray) -> np.ndarray:
    """log((S1 + ½)/(S0 + ½)): the log rate ratio, bounded when a window has no events."""
    return np.log((np.asarray(s1) + 0.5) / (np.asarray(s0) + 0.5))


def reference_positions(n: int, m: int, k: int) -> np.ndarray:
    """Positions whose windows fit in n months and do not overlap the milestone's (|p − m| ≥ 2K)."""
    pos = np.arange(k, n - k + 1)
    return pos[np.abs(pos - m) >= 2 * k]


def placebo_positions(n: int, m: int, k: int) -> np.ndarray:
    """Non-overlapping placebo positions m ± 2K·j (j ≥ 1) whose windows fit in n months."""
    pos = m + 2 * k * np.arange(-(n // (2 * k)) - 1, n // (2 * k) + 2)
    return pos[(pos != m) & (pos - k >= 0) & (pos + k <= n)]


def subsampling_variance(
    values: np.ndarray,
    m: int,
    k: int,
    comparison: np.ndarray | None = None,
    covered: np.ndarray | None = None,
    comparison_covered: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(V, positions used, ν) of the log rate ratio (or, with ``comparison``, of the DiD log ratio).

    See the module docstring. Rows of ``values`` are series (same length as ``comparison``'s).
    """
    v = np.atleast_2d(np.asarray(values, dtype=float))
    n = v.shape[-1]
    pos = reference_positions(n, m, k)
    s0, s1 = window_sums(v, pos, k)
    d = bounded_log_ratio(s0, s1)
    ok = np.isfinite(d) & stable_coverage(covered, pos, k)
    if comparison is not None:
        c = np.atleast_2d(np.asarray(comparison, dtype=float))
        c0, c1 = window_sums(c, pos, k)
        d = d - bounded_log_ratio(c0, c1)
        ok &= np.isfinite(d) & stable_coverage(comparison_covered, pos, k)
    used = ok.sum(axis=-1)
    var = np.where(used > 0, np.where(ok, d * d, 0.0).sum(axis=-1) / np.maximum(used, 1), np.nan)
    nu = np.maximum(1, (1.5 * used) // k).astype(int)
    return var, used, nu


def interval(log_estimate: np.ndarray, var: np.ndarray, nu: np.ndarray, level: float = 0.95):  # type: ignore[no-untyped-def]
    """(low, high, p) on the ratio scale: exp(log ± t_{(1+level)/2, ν}·√V); p two-sided t."""
    se = np.sqrt(var)
    q = student_t.ppf(0.5 + level / 2, nu)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = 2 * student_t.sf(np.abs(log_estimate) / se, nu)
    return np.exp(log_estimate - q * se), np.exp(log_estimate + q * se), p


def placebo_p(
    values: np.ndarray, m: int, k: int, covered: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Permutation p = (1 + b)/(1 + M) per series, with b, M, the placebo positions and their L_p."""
    v = np.atleast_2d(np.asarray(values, dtype=float))
    n = v.shape[-1]
    s0, s1 = window_sums(v, np.array([m]), k)
    observed = np.abs(bounded_log_ratio(s0, s1))[..., 0]
    pos = placebo_positions(n, m, k)
    p0, p1 = window_sums(v, pos, k)
    lr = bounded_log_ratio(p0, p1)
    ok = np.isfinite(lr) & stable_coverage(covered, pos, k)
    far = ok & (np.abs(lr) >= observed[..., None] - 1e-9)
    b = far.sum(axis=-1)
    total = ok.sum(axis=-1)
    p = np.where(np.isfinite(observed) & (total > 0), (1 + b) / (1 + total), np.nan)
    return p, b, total, pos, lr
