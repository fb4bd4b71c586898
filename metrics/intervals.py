"""The one interval rule for survey and index estimates.

For each estimate, its 95 % interval is, in order of preference:

1. the published interval (``ci_low``/``ci_high``) where the source gives one;
2. else estimate ± 1.96 × standard error where the source gives a standard error;
3. else, for a share with a known sample size n, the Wilson score interval for p̂ with n respondents;
4. else none: the chart says "no interval: sample size not published".
"""

from __future__ import annotations

import numpy as np
import pandas as pd

Z95 = 1.959963984540054
NO_INTERVAL = "no interval: sample size not published"
METHODS = ("published", "standard error", "Wilson (sample size)", "none")


def wilson(p: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score 95 % interval for shares ``p`` observed in ``n`` respondents (NaN where n is missing)."""
    p = np.asarray(p, dtype=float)
    n = np.asarray(n, dtype=float)
    ok = np.isfinite(p) & np.isfinite(n) & (n > 0)
    lo = np.full(p.shape, np.nan)
    hi = np.full(p.shape, np.nan)
    if ok.any():
        from statsmodels.stats.proportion import proportion_confint  # a heavy import, on first use

        low, high = proportion_confint(p[ok] * n[ok], n[ok], alpha=0.05, method="wilson")
        lo[ok] = low
        hi[ok] = high
    return lo, hi


def intervals(frame: pd.DataFrame) -> pd.DataFrame:
    """Apply the interval rule to every row of a perception-like frame.

    Reads ``value`` and, where present, ``ci_low``, ``ci_high``, ``std_error``, ``sample_size`` and
    ``scale`` (empty scale means share). Returns a frame with ``ci_low``, ``ci_high`` and ``method``
    aligned with ``frame``.
    """
    n = len(frame)

    def col(name: str) -> np.ndarray:
        if name in frame:
            return pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=float)
        return np.full(n, np.nan)

    value = col("value")
    pub_lo, pub_hi = col("ci_low"), col("ci_high")
    se = col("std_error")
    size = col("sample_size")
    scale = frame["scale"].fillna("share").to_numpy() if "scale" in frame else np.full(n, "share")
    lo = np.full(n, np.nan)
    hi = np.full(n, np.nan)
    method = np.full(n, "none", dtype=object)
    published = np.isfinite(pub_lo) & np.isfinite(pub_hi)
    lo[published], hi[published] = pub_lo[published], pub_hi[published]
    method[published] = "published"
    from_se = ~published & np.isfinite(se)
    lo[from_se] = value[from_se] - Z95 * se[from_se]
    hi[from_se] = value[from_se] + Z95 * se[from_se]
    method[from_se] = "standard error"
    from_n = ~published & ~from_se & (scale == "share") & np.isfinite(size) & (size > 0)
    w_lo, w_hi = wilson(value[from_n], size[from_n])
    lo[from_n], hi[from_n] = w_lo, w_hi
    method[from_n] = "Wilson (sample size)"
    return pd.DataFrame({"ci_low": lo, "ci_high": hi, "method": method}, index=frame.index)
