"""Lead–lag association between quarterly collaboration and later incidents or perception.

Both series are taken to quarters, each is pre-whitened with its own autoregressive model (so that a
shared trend or a series' own memory does not pass for an association), and the correlation of the
collaboration series with the outcome L = 0 … 8 quarters later is computed with a Fisher interval.
Because the strongest of the L + 1 lags is reported, intervals and p-values are Bonferroni-adjusted
for the lag search: each interval at level 1 − 0.05/(L + 1), each p multiplied by L + 1 (at most 1).
"""

from __future__ import annotations

import functools
import warnings

import numpy as np
import pandas as pd
from scipy.special import betaincc, ndtri

from metrics.evaluation_stats import CAVEAT, EPOCH, NAN, Result
from metrics.periods import month_ordinals

LEADLAG_COLUMNS: tuple[str, ...] = ("lag", "r", "ci_low", "ci_high", "p_value", "n_pairs")


def to_quarters(series: pd.Series, how: str = "sum") -> pd.Series:
    """A monthly series (index ``YYYY-MM``; ``YYYY`` = an annual value, dated July) by quarter.

    ``how="sum"`` (counts) and ``how="mean"`` (levels such as network density) keep only quarters whose
    three months all have data; ``how="waves"`` (survey waves) averages whatever waves fall in the
    quarter. Index: quarterly ``pandas.Period``; quarters without data are absent.
    """
    if how not in ("sum", "mean", "waves"):
        raise ValueError(f"unknown aggregation '{how}'")
    s = pd.to_numeric(series, errors="coerce").dropna()
    if s.empty:
        return pd.Series(dtype=float, index=pd.PeriodIndex([], freq="Q"))
    texts = [f"{p}-07" if len(str(p)) == 4 else str(p) for p in s.index.tolist()]  # a year: its July
    try:  # months since 1970-01 of YYYY-MM texts, 1970Q1 being quarter 0
        quarters = pd.PeriodIndex.from_ordinals((month_ordinals(texts) - EPOCH) // 3, freq="Q")
    except ValueError:  # another spelling of a month: pandas reads it
        quarters = pd.PeriodIndex([pd.Period(t, freq="M") for t in texts]).asfreq("Q")
    g = pd.Series(s.to_numpy(dtype=float), index=quarters).groupby(level=0)
    if how == "waves":
        return g.mean().sort_index()
    agg = g.sum() if how == "sum" else g.mean()
    n = pd.Series(np.ones(len(s)), index=quarters).groupby(level=0).sum()
    return agg.loc[n == 3].sort_index()


def prewhiten(values: np.ndarray, ar_order: int | None = None, max_ar: int = 4) -> tuple[np.ndarray, int]:
    """Residuals of an AR(p) model with a constant, aligned with ``values`` (NaN for the first p).

    p = ``ar_order`` when given, else chosen by AIC among 0 … min(``max_ar``, n // 4)
    (``statsmodels.tsa.ar_model.ar_select_order``); the fit is ``AutoReg`` (conditional least squares).
    With p = 0 the residuals are the values minus their mean.
    """
    x = np.ascontiguousarray(values, dtype=float)
    residuals, order = _prewhiten(x.tobytes(), ar_order, max_ar)
    return residuals.copy(), order


@functools.lru_cache(maxsize=1024)
def _prewhiten(data: bytes, ar_order: int | None, max_ar: int) -> tuple[np.ndarray, int]:
    """``prewhiten`` of the float64 values in ``data``, kept per series: a region's collaboration
    drivers and survey outcomes are the same whatever the incident filters, and each driver is
    pre-whitened once for every outcome it is set against. Never mutate the result."""
    from statsmodels.tsa.ar_model import AutoReg, ar_select_order  # a heavy import, on first use

    x = np.frombuffer(data, dtype=float).copy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if ar_order is None:
            top = max(0, min(max_ar, len(x) // 4))
            lags = ar_select_order(x, maxlag=top, ic="aic", trend="c").ar_lags if top > 0 else None
            ar_order = int(max(lags)) if lags else 0
        res = AutoReg(x, lags=ar_order, trend="c").fit()
    out = np.full(len(x), np.nan)
    out[ar_order:] = np.asarray(res.resid, dtype=float)
    out.flags.writeable = False  # shared by every caller of the same series
    return out, int(ar_order)


def pearson(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Pearson's r of two non-constant series of equal length n ≥ 3, and its two-sided p-value:
    r = Σ x̃ỹ / (‖x̃‖ ‖ỹ‖) with x̃ = x − mean(x) (each scaled by its largest |x̃| before the norm), and
    p = 2 · P(R ≥ |r|) for R the null distribution of r, a beta(n/2 − 1, n/2 − 1) on (−1, 1). The
    arithmetic of ``scipy.stats.pearsonr`` for one pair of series, without its checks and array
    dispatch (a lead–lag computes dozens per region)."""
    a, b = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    xm, ym = a - a.mean(keepdims=True), b - b.mean(keepdims=True)
    xmax, ymax = np.abs(xm).max(keepdims=True), np.abs(ym).max(keepdims=True)
    norm_x = xmax * np.linalg.norm(xm / xmax, ord=2, axis=-1, keepdims=True)
    norm_y = ymax * np.linalg.norm(ym / ymax, ord=2, axis=-1, keepdims=True)
    r = np.clip(np.vecdot(xm / norm_x, ym / norm_y, axis=-1), -1.0, 1.0)
    ab = np.asarray(len(a) / 2 - 1, dtype=float)
    return float(r), float(2 * betaincc(ab, ab, (np.abs(r) + 1.0) / 2.0))


def _longest_run(s: pd.Series) -> pd.Series:
    """The longest stretch of consecutive quarters with data."""
    if s.empty:
        return s
    ordinals = np.array([p.ordinal for p in s.index])
    breaks = np.r_[0, np.flatnonzero(np.diff(ordinals) != 1) + 1, len(s)]
    lengths = np.diff(breaks)
    i = int(np.argmax(lengths))
    return s.iloc[breaks[i] : breaks[i + 1]]


def lead_lag(
    driver: pd.Series,
    outcome: pd.Series,
    *,
    max_lag: int = 8,
    ar_order: int | None = None,
    max_ar: int = 4,
    min_quarters: int = 12,
    min_pairs: int = 8,
) -> tuple[pd.DataFrame, dict[str, object]]:
    """Correlation of the pre-whitened ``driver`` at quarter q with the ``outcome`` at q + L.

    Both inputs are quarterly series (index quarterly periods). The driver's longest run of
    consecutive quarters is pre-whitened (``prewhiten``); the outcome is pre-whitened with its own AR
    model when it has no gap and at least ``min_quarters`` quarters, else used as observed (with a
    white driver the correlation's sampling error is still about 1/√n, Bartlett 1935). For each lag
    L = 0 … ``max_lag``: r_L = Pearson correlation over the n_L quarters where both exist; interval by
    Fisher's z, tanh(atanh r ± z*/√(n_L − 3)) with z* = Φ⁻¹(1 − 0.025/(max_lag + 1)) (Bonferroni over
    the lags searched: 2.77 for 9 lags); p = min(1, (max_lag + 1) × two-sided p of ``pearson``).
    Lags with fewer than ``min_pairs`` pairs get no number.

    Returns ``(frame, info)``: frame columns ``lag, r, ci_low, ci_high, p_value, n_pairs``; info holds
    ``reason`` (None when usable), ``driver_ar``, ``outcome_ar`` (None when not pre-whitened),
    ``driver_quarters``, ``outcome_quarters``.
    """
    info: dict[str, object] = {
        "reason": None,
        "driver_ar": None,
        "outcome_ar": None,
        "driver_quarters": 0,
        "outcome_quarters": int(outcome.notna().sum()),
    }
    lags = np.arange(max_lag + 1)
    tests = len(lags)
    z_star = float(ndtri(1 - 0.025 / tests))
    stats = np.full((len(lags), 4), np.nan)  # r, ci_low, ci_high, p
    pairs = np.zeros(len(lags), dtype=int)

    def frame() -> pd.DataFrame:
        return pd.DataFrame(
            {
                "lag": lags,
                "r": stats[:, 0],
                "ci_low": stats[:, 1],
                "ci_high": stats[:, 2],
                "p_value": stats[:, 3],
                "n_pairs": pairs,
            }
        )

    d = _longest_run(driver.dropna().sort_index())
    info["driver_quarters"] = len(d)
    if len(d) < min_quarters:
        info["reason"] = (
            f"only {len(d)} consecutive quarters of collaboration data (at least {min_quarters} needed)"
        )
        return frame(), info
    dx, info["driver_ar"] = prewhiten(d.to_numpy(), ar_order, max_ar)
    y = outcome.dropna().sort_index()
    if y.empty:
        info["reason"] = "no outcome data"
        return frame(), info
    run = _longest_run(y)
    if len(run) == len(y) and len(y) >= min_quarters:
        wy, info["outcome_ar"] = prewhiten(y.to_numpy(), ar_order, max_ar)
        y = pd.Series(wy, index=y.index)
    x = pd.Series(dx, index=d.index)
    x_ord = {p.ordinal: v for p, v in x.items() if np.isfinite(v)}
    y_ord = {p.ordinal: v for p, v in y.items() if np.isfinite(v)}
    for i, lag in enumerate(lags):
        keys = [q for q in x_ord if q + lag in y_ord]
        n = len(keys)
        pairs[i] = n
        if n < max(min_pairs, 4):
            continue
        a = np.array([x_ord[q] for q in keys])
        b = np.array([y_ord[q + lag] for q in keys])
        if np.ptp(a) == 0 or np.ptp(b) == 0:
            continue
        r_value, p_value = pearson(a, b)
        r = float(np.clip(r_value, -0.999999, 0.999999))
        half = z_star / np.sqrt(n - 3)
        lo, hi = np.tanh(np.arctanh(r) - half), np.tanh(np.arctanh(r) + half)
        stats[i] = [r_value, float(lo), float(hi), min(1.0, p_value * tests)]
    if np.isnan(stats[:, 0]).all():
        info["reason"] = (
            f"no lag has {max(min_pairs, 4)} quarter pairs of collaboration and outcome data "
            f"(most: {int(pairs.max())})"
        )
    return frame(), info


def lead_lag_result(
    frame: pd.DataFrame,
    info: dict[str, object],
    *,
    measure: str,
    region: str,
    driver: str,
    outcome: str,
) -> Result:
    """Summarise a lead–lag frame by its strongest lag (largest |r|) as a ``Result``.

    ``estimate`` = r at that lag, with its Fisher interval and p; ``n_after`` = quarter pairs behind
    it (``n_before`` empty); ``details`` hold ``lag``, ``lags_tested`` and the AR orders.
    """
    tested = int(len(frame))
    whiten = (
        f"driver AR({info['driver_ar']})"
        + (
            f", outcome AR({info['outcome_ar']})"
            if info.get("outcome_ar") is not None
            else ", outcome not pre-whitened (gaps or too short)"
        )
        if info.get("driver_ar") is not None
        else "no pre-whitening"
    )
    method = (
        f"Pearson correlation of quarterly series after pre-whitening ({whiten}), lags 0–{tested - 1} "
        "quarters; Fisher interval and p Bonferroni-adjusted for the lag search (95% over all lags); "
        "n_after = quarter pairs"
    )
    if info.get("reason") or frame["r"].isna().all():
        reason = f"No lead–lag estimate of {outcome} on {driver} for {region}: {info.get('reason')}."
        return Result(measure, method=method, finding=reason, reason=reason)
    i = int(frame["r"].abs().idxmax())
    row = frame.loc[i]
    r, lo, hi = float(row["r"]), float(row["ci_low"]), float(row["ci_high"])
    lag, n = int(row["lag"]), int(row["n_pairs"])
    when = "in the same quarter" if lag == 0 else f"{lag} quarter{'s' if lag != 1 else ''} later"
    clear = not (lo <= 0 <= hi)
    verdict = "" if clear else "; the interval includes 0, so no lag shows an association beyond chance"
    finding = (
        f"In {region}, unexpected changes in {driver} go most strongly with {outcome} {when}: "
        f"r = {r:+.2f} ({'95% interval'} {lo:+.2f} to {hi:+.2f}; {n} quarter pairs; strongest of "
        f"{tested} lags, interval and p adjusted for that choice){verdict}; {CAVEAT}."
    )
    return Result(
        measure,
        r,
        lo,
        hi,
        float(row["p_value"]),
        NAN,
        float(n),
        method,
        finding,
        details={
            "lag": lag,
            "lags_tested": tested,
            "driver_ar": info.get("driver_ar"),
            "outcome_ar": info.get("outcome_ar"),
        },
    )
