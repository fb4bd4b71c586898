"""Trend and alarm signals for count series, with measured false-alarm rates.

One count model per trailing window of a region's series, and every signal a statement about it.
For the window of N periods ending at period t (local time j = 0 … N − 1, in years
u_j = (j − (N − 1)/2) / P with P periods per year):

    log E[y_j] = α + β·u_j (+ γ·sin(2πj/12) + δ·cos(2πj/12) for monthly series, P = 12)

fitted by Poisson iteratively reweighted least squares, vectorised over every window of every
region at once. The seasonal pair has the same column space whatever month the window starts in, so
one design serves all windows.

- **Noise model** (``count_dependence``): given the fitted means μ_t, the counts vary as
  Cov(y_s, y_t) = μ_t·[s = t] + μ_s·μ_t·(κ_w·[s = t] + κ_ar·ρ^|s−t|): Poisson noise, white
  over-dispersion κ_w (the negative binomial) and runs of busy and quiet months (a latent AR(1)
  rate, κ_ar and ρ). The three are read off the variogram of y_t/μ_t over the whole series (lags
  1–12), which a level change barely disturbs and which needs no mean-removal correction.
- **Trend** (``trend_signals``): β is the log change per year; β̂ − β ≈ Σ_j g_j·(y_j − μ_j) with
  g_j = [(X'WX)⁻¹x_j]_trend (W = diag μ), so Var(β̂) = Σ_j g_j²·μ_j + κ_w·Σ_j (g_j·μ_j)² +
  κ_ar·Σ_ij g_i·μ_i·g_j·μ_j·ρ^|i−j| (``trend_variance``). ``trend_change_per_year`` = exp(β) − 1
  (relative change per year) with the 95 % interval exp(β ± t_{0.975, N−k}·SE) − 1;
  ``trend_p_value`` the two-sided t p-value. The trend rule fires when the one-sided p for a
  decline is below ``alpha`` (0.005) in ``persist`` (3) consecutive windows.
- **Level drop** (``level_drop_z``, monthly series): the latest 12 months against the 36 months
  before them, predicted by the model without trend fitted to those 36; z = (observed − predicted
  sum)/SD from the same noise model, counting the correlation between the two stretches, with the
  noise read without the pairs of months that straddle the two stretches
  (``count_dependence_split``), so the fall being tested is not taken for noise, and an AR part
  below 30 % of the extra variance counted as white noise (the fit's κ_ar ≥ 0 reads one into
  noise without runs, which overstated the noise of 12-month sums). The level rule
  fires when z < −``LEVEL_Z`` (2.5) in ``LEVEL_PERSIST`` (2) consecutive months: a fall a
  36-month trend line is slow to see (a step).
  ``downward_trend`` = 1 when the trend rule or the level rule fires. Earlier designs
  (a residual correlation c·ρ^h from two lags, a window-only dispersion, Newey–West on 36 points,
  noise read from the periods outside the window) fired on 14–35 % of no-change AR(1) series.
- **Across regions** (``downward_trends_across_regions``, ``trends_across_regions_rows``): when many
  regions are read at once, ``downward_trend_across_regions`` = 1 for the regions that
  Benjamini–Hochberg at q = 0.10 picks on the one-sided p for a decline, period by period: of the
  regions so flagged, at most about 1 in 10 is expected to be chance.
- **Alarm** (``alarm_signals``, monthly series only): the model fitted to the ``baseline`` (36)
  months before month t predicts μ̂_t = exp(x_t'β̂); following Farrington et al. (1996) the trend
  enters the prediction only where it is significant (|β̂/SE| ≥ 1.96), else the window is refitted
  with intercept and seasonal pair only. The upper limit U_t (counts) is the exact ``level``
  (99.2 %) quantile of the negative binomial with mean μ̂_t and variance μ̂_t + v·μ̂_t²,
  v = κ_w + P_t + Var(η̂_t) (Var(η̂_t) by the same formula as the trend's, for x_t'β̂). Runs of
  busy and quiet months set the level (``recent_level``): a Kalman filter of the baseline's
  counts against its fitted means predicts the latent relative level û_t of month t and its
  variance P_t, and μ̂_t becomes μ̂_t·(1 + û_t) (with no runs, û_t = 0 and P_t = 0; ignoring the
  recent months, P_t = κ_ar).
  ``alarm`` = 1 when y_t > U_t and y_t ≥ ``min_count`` (5), so one incident after quiet months is
  not an alarm.

A window holding a missing period, or in which the number of covered member countries changes, is
not computable: every signal of that period is missing (NaN). A window with no events at all has no
trend (change NaN, flag 0). All functions are pure: arrays in, arrays out, shape (regions, periods).
Defaults and measured error rates: ``benchmarks/calibration.py`` and ``benchmarks/README.md``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view
from scipy.stats import nbinom
from scipy.stats import t as student_t

#: Defaults, chosen by the calibration in ``benchmarks/calibration.py`` (figures in its README).
TREND_MONTHS = 36
TREND_YEARS = 8
TREND_ALPHA = 0.005
TREND_PERSIST = 3
ALARM_BASELINE = 36
ALARM_LEVEL = 0.992
ALARM_MIN_COUNT = 5
ALARM_TREND_Z = 1.96
IRLS_STEPS = 12
LEVEL_BASELINE = 36
LEVEL_RECENT = 12
LEVEL_Z = 2.5
LEVEL_PERSIST = 2

ALIASES: dict[str, str] = {"sustained_decline": "downward_trend", "spike": "alarm"}
ALIAS_NOTE = "old name kept for one release; use '{new}'"


@dataclass(frozen=True)
class WindowFits:
    """Poisson fits of every trailing window: arrays (regions, windows[, k]).

    ``beta`` coefficients, ``inv`` (X'WX)⁻¹, ``mu`` fitted means (…, N),
    ``ok`` True where the window is computable and holds at least one event, ``computable`` True where
    the window has no missing period and no change in coverage.
    """

    design: np.ndarray
    beta: np.ndarray
    inv: np.ndarray
    mu: np.ndarray
    windows: np.ndarray
    ok: np.ndarray
    computable: np.ndarray


def design(n: int, periods_per_year: int, at: np.ndarray | None = None, trend: bool = True) -> np.ndarray:
    """The window design: intercept, time in years (centred on the window of ``n``), and for monthly
    series a seasonal sine/cosine pair of period 12. Rows for j = 0 … n − 1, or for the local times
    ``at`` (e.g. ``[n]``, the period after the window). Shape (rows, k)."""
    j = np.arange(n, dtype=float) if at is None else np.asarray(at, dtype=float)
    n_rows = len(j)
    cols = [np.ones(n_rows)] + ([(j - (n - 1) / 2) / periods_per_year] if trend else [])
    if periods_per_year == 12:
        cols += [np.sin(2 * np.pi * j / 12), np.cos(2 * np.pi * j / 12)]
    return np.column_stack(cols)


def _stable_windows(x: np.ndarray, n: int) -> np.ndarray:
    """True for each window of ``n`` periods with no NaN in ``x`` and no change of its values."""
    w = sliding_window_view(x, n, axis=-1)
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an all-missing window: not stable, no warning
        same = np.nanmax(w, axis=-1) == np.nanmin(w, axis=-1) if np.isfinite(x).any() else True
    return ~np.isnan(w).any(axis=-1) & same


def computable_windows(y: np.ndarray, n: int, covered: np.ndarray | None = None) -> np.ndarray:
    """(regions, periods − n + 1): the window has no missing period and (when ``covered`` is given,
    the number of covered member countries per period) the same coverage throughout."""
    ok = ~np.isnan(sliding_window_view(y, n, axis=-1)).any(axis=-1)
    if covered is not None:
        c = np.broadcast_to(np.asarray(covered, dtype=float), y.shape)
        ok &= _stable_windows(c, n)
    return ok


def fit_windows(
    y: np.ndarray,
    n: int,
    periods_per_year: int = 12,
    covered: np.ndarray | None = None,
    steps: int = IRLS_STEPS,
    trend: bool = True,
) -> WindowFits:
    """Fit the Poisson window model to every trailing window of ``n`` periods of ``y`` (without the
    trend column when ``trend`` is False).

    ``y``: (regions, periods) counts, NaN = missing. Vectorised IRLS from the starting values
    α = log(mean + 0.1), other coefficients 0; η is kept within ±30 so a window of zeros cannot
    overflow.
    """
    y = np.atleast_2d(np.asarray(y, dtype=float))
    x = design(n, periods_per_year, trend=trend)
    windows = sliding_window_view(y, n, axis=-1)  # (r, m, n)
    computable = computable_windows(y, n, covered)
    w = np.where(computable[..., None], windows, 0.0)
    total = w.sum(axis=-1)
    ok = computable & (total > 0)
    beta, mu, inv = _irls(w, np.ones(w.shape, dtype=bool), x, steps)
    return WindowFits(x, beta, inv, mu, w, ok, computable)


def _irls(
    y: np.ndarray, mask: np.ndarray, x: np.ndarray, steps: int = IRLS_STEPS
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Poisson IRLS of y (…, n) on the design x (n, k), observations where ``mask``; returns
    (β (…, k), μ (…, n), (X'WX)⁻¹ (…, k, k))."""
    k = x.shape[1]
    y = np.where(mask, y, 0.0)
    m = mask.astype(float)
    outer = (x[:, :, None] * x[:, None, :]).reshape(len(x), k * k)  # x_n x_n' flattened, (n, k²)
    beta = np.zeros((*y.shape[:-1], k))
    beta[..., 0] = np.log(y.sum(axis=-1) / np.maximum(m.sum(axis=-1), 1) + 0.1)
    eye = np.eye(k) * 1e-9
    for _ in range(steps):
        eta = np.clip(beta @ x.T, -30.0, 30.0)
        mu = np.exp(eta)
        w = mu * m
        a = (w @ outer).reshape(*w.shape[:-1], k, k) + eye  # X'WX
        b = (w * (eta + (y - mu) / mu)) @ x  # X'Wz
        beta = np.linalg.solve(a, b[..., None])[..., 0]
    mu = np.exp(np.clip(beta @ x.T, -30.0, 30.0))
    inv = np.linalg.inv(((mu * m) @ outer).reshape(*mu.shape[:-1], k, k) + eye)
    return beta, mu, inv


DEPENDENCE_LAGS = 12
_RHO_GRID = np.linspace(0.0, 0.95, 96)


def count_dependence(
    y: np.ndarray, periods_per_year: int = 12, max_lag: int = DEPENDENCE_LAGS
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Extra-Poisson variance and serial dependence of each region's counts: (κ_w, κ_ar, ρ) per region.

    The counts are modelled as Poisson given a latent rate μ_t·(1 + ε_t) whose relative fluctuation
    has a white part (variance κ_w) and an AR(1) part (variance κ_ar, correlation ρ^h at lag h):

        Cov(y_s, y_t) = μ_t·[s = t] + μ_s·μ_t·(κ_w·[s = t] + κ_ar·ρ^|s−t|)

    (κ_w alone is the negative binomial; κ_ar, ρ a latent AR(1) log rate). With μ_t from one
    quasi-Poisson fit over the whole series (intercept, trend, seasonal pair when monthly) and
    r_t = y_t/μ_t, the variogram at lag h = 1 … ``max_lag`` over pairs of observed periods

        V_h = Σ w_t·[(r_t − r_{t+h})² − y_t/μ_t² − y_{t+h}/μ_{t+h}²] / (2·Σ w_t),  w_t = μ_t·μ_{t+h},

    estimates κ_w + κ_ar·(1 − ρ^h): differences cancel a level the fit misses, so no mean-removal
    bias arises and a real change inflates it only through the few pairs that straddle it.
    (s = κ_w + κ_ar, κ_ar, ρ) is the least-squares fit of V_h = s − κ_ar·ρ^h over the grid
    ρ = 0, 0.01, … 0.95 with κ_ar ≥ 0 and s ≥ κ_ar. The whole series is used (a window's own
    swings belong to its noise: estimates from other periods only were tried and fired 20–24 % of
    AR(1) series). Units: κ are squared relative deviations (0.09 ≈ a 30 % spread).
    """
    y = np.atleast_2d(np.asarray(y, dtype=float))
    regions, t_len = y.shape
    if t_len < 3:
        return np.zeros(regions), np.zeros(regions), np.zeros(regions)
    mask = ~np.isnan(y)
    _beta, mu, _inv = _irls(y, mask, design(t_len, periods_per_year))
    obs = np.where(mask, y, 0.0)
    r = np.where(mask, obs / mu, 0.0)
    pois = np.where(mask, obs / mu**2, 0.0)
    lags = np.arange(1, min(max_lag, t_len - 1) + 1)
    v = np.empty((regions, len(lags)))
    for i, h in enumerate(lags):
        w = (mask[:, h:] & mask[:, :-h]) * mu[:, h:] * mu[:, :-h]
        d = w * ((r[:, h:] - r[:, :-h]) ** 2 - pois[:, h:] - pois[:, :-h])
        sw = w.sum(axis=-1)
        v[:, i] = np.where(sw > 0, d.sum(axis=-1) / np.where(sw > 0, sw, 1.0), 0.0) / 2
    return _fit_variogram(v, lags)


#: Series (rows of a variogram) up to which ``_fit_variogram`` fits every ρ of the grid at once.
_GRID_AT_ONCE = 4096


def _fit_variogram(v: np.ndarray, lags: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(κ_w, κ_ar, ρ): the least-squares fit of V_h = s − κ_ar·ρ^h (s = κ_w + κ_ar) to the
    variogram ``v`` (…, lags) over the grid ρ = 0, 0.01, … 0.95, κ_ar ≥ 0, s ≥ κ_ar.

    For each ρ (p_h = ρ^h, p̄ their mean, p_c = p − p̄): κ_ar = max(0, −Σ v·p_c / Σ p_c²), s =
    max(v̄ + κ_ar·p̄, κ_ar), SSE = Σ_h (v_h − s + κ_ar·p_h)²; the ρ of least SSE wins, an earlier
    (smaller) ρ unless a later one is lower by more than 1e-15. Up to ``_GRID_AT_ONCE`` series the
    grid is evaluated as arrays (the same arithmetic, value for value); more go ρ by ρ."""
    rows = int(np.prod(v.shape[:-1], dtype=np.int64))
    if rows > _GRID_AT_ONCE:
        return _fit_variogram_by_rho(v, lags)
    return _fit_variogram_grid(v, lags)


def _fit_variogram_grid(v: np.ndarray, lags: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``_fit_variogram`` with the grid of ρ as one more array axis."""
    shape, n_lags, n_rho = v.shape[:-1], v.shape[-1], len(_RHO_GRID)
    powers = _RHO_GRID[:, None] ** lags.astype(float)[None, :]  # (ρ, lags): p for each ρ
    p_mean = powers.mean(axis=-1)
    centred = powers - p_mean[:, None]
    spp = (centred * centred).sum(axis=-1)
    dots = np.empty((*shape, n_rho))
    for j in range(n_rho):  # v·p_c as the ρ-by-ρ fit computes it
        dots[..., j] = v @ centred[j]
    with np.errstate(invalid="ignore", divide="ignore"):
        k = np.where(spp > 0, np.clip(-dots / np.where(spp > 0, spp, 1.0), 0.0, None), 0.0)
    s = np.maximum(v.mean(axis=-1)[..., None] + k * p_mean, k)
    flat_v, flat_k, flat_s = v.reshape(-1, n_lags), k.reshape(-1, n_rho), s.reshape(-1, n_rho)
    sse = ((flat_v[:, None, :] - (flat_s[:, :, None] - flat_k[:, :, None] * powers)) ** 2).sum(axis=-1)
    pick = np.argmin(sse, axis=-1)  # the first least SSE
    at = np.arange(len(pick))
    low = sse[at, pick]
    # where an earlier ρ comes within the 1e-15 tolerance of the least SSE (or an SSE is not a
    # number), the ρ-by-ρ rule decides, exactly as the loop does
    near = (sse <= (low + 1e-14 + 1e-12 * np.abs(low))[:, None]) & (np.arange(n_rho)[None, :] < pick[:, None])
    redo = np.flatnonzero(near.any(axis=-1) | ~np.isfinite(sse).all(axis=-1))
    if len(redo):
        best = np.full(len(redo), np.inf)
        chosen = np.full(len(redo), -1, dtype=np.int64)
        for j in range(n_rho):
            better = sse[redo, j] < best - 1e-15
            best = np.where(better, sse[redo, j], best)
            chosen = np.where(better, j, chosen)
        pick[redo] = chosen
    found = pick >= 0
    k_ar = np.where(found, flat_k[at, pick], 0.0)
    s_fit = np.where(found, flat_s[at, pick], 0.0)
    rho = np.where(found, _RHO_GRID[pick], 0.0)
    return np.maximum(s_fit - k_ar, 0.0).reshape(shape), k_ar.reshape(shape), rho.reshape(shape)


def _fit_variogram_by_rho(v: np.ndarray, lags: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``_fit_variogram`` one ρ at a time (many series: the arrays of every ρ would be large)."""
    shape = v.shape[:-1]
    best = np.full(shape, np.inf)
    k_w, k_ar, rho = np.zeros(shape), np.zeros(shape), np.zeros(shape)
    v_mean = v.mean(axis=-1)
    for g in _RHO_GRID:
        p = g ** lags.astype(float)
        pc = p - p.mean()
        spp = float((pc * pc).sum())
        k = np.clip(-(v @ pc) / spp, 0.0, None) if spp > 0 else np.zeros(shape)
        s = np.maximum(v_mean + k * p.mean(), k)
        sse = ((v - (s[..., None] - k[..., None] * p)) ** 2).sum(axis=-1)
        better = sse < best - 1e-15
        best = np.where(better, sse, best)
        k_w = np.where(better, s - k, k_w)
        k_ar = np.where(better, k, k_ar)
        rho = np.where(better, g, rho)
    return np.maximum(k_w, 0.0), k_ar, rho


def count_dependence_split(
    y: np.ndarray, recent: int = 12, max_lag: int = DEPENDENCE_LAGS
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(κ_w, κ_ar, ρ) of monthly counts for each month t, (regions, periods) each, with the pairs
    that straddle the boundary before month b = t − ``recent`` + 1 left out.

    As ``count_dependence`` (the same variogram and fit), except that (a) μ_t comes from the fit
    without trend (intercept and seasonal pair over the whole series), so a change of level does
    not tilt the fitted line and with it every lag's differences, and (b) for the level comparison
    at month t the pairs (s, s + h) with s < b ≤ s + h are left out: the very change the comparison
    tests (the recent months against the months before) is not counted as noise, and (c) an AR
    part below ``RUNS_SHARE`` of the extra variance counts as white noise (``_white_unless_runs``).
    The sums over pairs come from cumulative sums, so every t costs O(1) per lag.
    """
    y = np.atleast_2d(np.asarray(y, dtype=float))
    regions, t_len = y.shape
    if t_len < 3:
        zeros = np.zeros(y.shape)
        return zeros, zeros.copy(), zeros.copy()
    mask = ~np.isnan(y)
    _beta, mu, _inv = _irls(y, mask, design(t_len, 12, trend=False))
    obs = np.where(mask, y, 0.0)
    r = np.where(mask, obs / mu, 0.0)
    pois = np.where(mask, obs / mu**2, 0.0)
    lags = np.arange(1, min(max_lag, t_len - 1) + 1)
    boundary = np.arange(t_len) - recent + 1
    v = np.empty((regions, t_len, len(lags)))
    zero = np.zeros((regions, 1))
    for i, h in enumerate(lags):
        w = (mask[:, h:] & mask[:, :-h]) * mu[:, h:] * mu[:, :-h]
        d = w * ((r[:, h:] - r[:, :-h]) ** 2 - pois[:, h:] - pois[:, :-h])
        cum_d = np.concatenate([zero, np.cumsum(d, axis=-1)], axis=-1)
        cum_w = np.concatenate([zero, np.cumsum(w, axis=-1)], axis=-1)
        lo = np.clip(boundary - h, 0, d.shape[-1])
        hi = np.clip(boundary, 0, d.shape[-1])
        sum_d = cum_d[:, -1:] - (cum_d[:, hi] - cum_d[:, lo])
        sum_w = cum_w[:, -1:] - (cum_w[:, hi] - cum_w[:, lo])
        v[..., i] = np.where(sum_w > 0, sum_d / np.where(sum_w > 0, sum_w, 1.0), 0.0) / 2
    return _white_unless_runs(*_fit_variogram(v, lags))


#: An AR part below this share of the extra-Poisson variance (κ_ar < share·(κ_w + κ_ar)) is counted
#: as white noise by the level rule (``_white_unless_runs``).
RUNS_SHARE = 0.3


def _white_unless_runs(
    k_w: np.ndarray, k_ar: np.ndarray, rho: np.ndarray, share: float = RUNS_SHARE
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(κ_w, κ_ar, ρ) with a small AR part moved into the white part: where κ_ar < ``share``·(κ_w +
    κ_ar), the result is (κ_w + κ_ar, 0, 0), the same extra variance without runs.

    The fit keeps κ_ar ≥ 0, so on a flat variogram (no runs) the chance slope of its noisy lags
    becomes a small AR part half the time and never a negative one: on negative binomial series
    (κ_w = 0.1, κ_ar = 0) it read κ_w 0.076, κ_ar 0.028 at ρ 0.41 on average. Runs inflate the
    variance of a 12-month sum by up to (1 + ρ)/(1 − ρ), so that chance part overstated the level
    rule's noise (z with SD 0.89 on no-change series) and hid real drops. A real AR part is
    most of the extra variance (ρ 0.5 and 0.7 series: 80–90 %) and is kept. Measured
    (``benchmarks/calibration.py``): negative binomial, mean 50, a 40 % step found within 18 months
    in 75–78 % of series before, 84–86 % after; no-change AR(1) series flagged +0.4 points."""
    move = k_ar < share * (k_w + k_ar)
    return np.where(move, k_w + k_ar, k_w), np.where(move, 0.0, k_ar), np.where(move, 0.0, rho)


def _align(values: np.ndarray, periods: int, n: int, shift: int = 0) -> np.ndarray:
    """Place window values (…, m) at the window's last period (+ ``shift``) in a (…, periods) grid."""
    out = np.full((*values.shape[:-1], periods), np.nan)
    stop = min(periods, n - 1 + shift + values.shape[-1])
    out[..., n - 1 + shift : stop] = values[..., : stop - (n - 1 + shift)]
    return out


def _ar_quadratic(a: np.ndarray, rho: np.ndarray) -> np.ndarray:
    """Σ_ij a_i·a_j·ρ^|i−j| over the last axis of ``a`` (ρ broadcast over the leading axes), by the
    recursions f_i = a_i + ρ·f_{i−1} and b_i = a_i + ρ·b_{i+1}: Σ_i a_i·(f_i + b_i − a_i)."""
    fwd = np.zeros(a.shape[:-1])
    bwd = np.zeros(a.shape[:-1])
    f = np.empty(a.shape)
    b = np.empty(a.shape)
    for i in range(a.shape[-1]):
        fwd = a[..., i] + rho * fwd
        f[..., i] = fwd
    for i in range(a.shape[-1] - 1, -1, -1):
        bwd = a[..., i] + rho * bwd
        b[..., i] = bwd
    return (a * (f + b - a)).sum(axis=-1)


def linear_variance(
    f: WindowFits, dependence: tuple[np.ndarray, np.ndarray, np.ndarray], row: np.ndarray
) -> np.ndarray:
    """Var(c'β̂) of every window's fit for the rows c'(X'WX)⁻¹ given as ``row`` (regions, windows, k).

    c'β̂ − c'β ≈ g'(y − μ) with g_j = c'(X'WX)⁻¹x_j, so, with a_j = g_j·μ_j and (κ_w, κ_ar, ρ) of
    ``count_dependence``: Var = Σ_j g_j²·μ_j + κ_w·Σ_j a_j² + κ_ar·Σ_ij a_i·a_j·ρ^|i−j|
    (Poisson noise, over-dispersion, and runs of busy and quiet months).
    """
    k_w, k_ar, rho = (np.asarray(v, dtype=float)[:, None] for v in dependence)
    g = np.einsum("rmk,nk->rmn", row, f.design)
    a = g * f.mu
    return (g * g * f.mu).sum(axis=-1) + k_w * (a * a).sum(axis=-1) + k_ar * _ar_quadratic(a, rho)


def trend_variance(f: WindowFits, dependence: tuple[np.ndarray, np.ndarray, np.ndarray]) -> np.ndarray:
    """Var(β̂) of every window's trend, (log change per year)², (regions, windows): ``linear_variance``
    with c the trend coefficient's indicator."""
    return linear_variance(f, dependence, f.inv[..., 1, :])


@dataclass(frozen=True)
class Trend:
    """Trend signals on the (regions, periods) grid: see the module docstring."""

    change_per_year: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    p_value: np.ndarray
    downward: np.ndarray


def _trend_statistics(
    f: WindowFits, dependence: tuple[np.ndarray, np.ndarray, np.ndarray], n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(change per year, its 95 % bounds, two-sided p, one-sided p of a decline) of every fitted
    window: see the module docstring."""
    k = f.design.shape[1]
    var = trend_variance(f, dependence)
    with np.errstate(invalid="ignore", divide="ignore"):
        se = np.sqrt(var)
        beta = f.beta[..., 1]
        tstat = beta / se
    df = n - k
    q = student_t.ppf(0.975, df)
    ok = f.ok & np.isfinite(tstat) & (se > 0)
    with np.errstate(over="ignore", invalid="ignore"):
        change = np.where(ok, np.expm1(beta), np.nan)
        lo = np.where(ok, np.expm1(beta - q * se), np.nan)
        hi = np.where(ok, np.expm1(beta + q * se), np.nan)
    p = np.where(ok, 2 * student_t.sf(np.abs(tstat), df), np.nan)
    one_sided = np.where(ok, student_t.cdf(tstat, df), 1.0)
    return change, lo, hi, p, one_sided


def trend_at(
    y: np.ndarray,
    column: int,
    *,
    periods_per_year: int = 12,
    window: int | None = None,
    covered: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """The trend of the one window ending at ``column`` of ``y`` (regions × periods counts): the
    ``trend_change_per_year``, ``trend_ci_low``, ``trend_ci_high`` and ``trend_p_value`` grids of
    ``signal_grids``, NaN in every other period. Each window's fit depends on its own months only
    and the serial dependence on the whole series, as there, so the values are the same as
    ``signal_grids`` gives for that period, for one fit per region instead of one per period."""
    y = np.atleast_2d(np.asarray(y, dtype=float))
    n = window or (TREND_MONTHS if periods_per_year == 12 else TREND_YEARS)
    out = {k: np.full(y.shape, np.nan) for k in TREND_AT}
    if not 0 <= column < y.shape[-1] or column < n - 1:
        return out
    part = slice(column - n + 1, column + 1)
    c = None if covered is None else np.broadcast_to(np.asarray(covered, dtype=float), y.shape)[..., part]
    f = fit_windows(y[..., part], n, periods_per_year, c)
    change, lo, hi, p, _ = _trend_statistics(f, count_dependence(y, periods_per_year), n)
    for name, values in zip(TREND_AT, (change, lo, hi, p), strict=True):
        out[name][..., column] = values[..., 0]
    return out


#: What ``trend_at`` gives.
TREND_AT: tuple[str, ...] = ("trend_change_per_year", "trend_ci_low", "trend_ci_high", "trend_p_value")


def trend_signals(
    y: np.ndarray,
    *,
    periods_per_year: int = 12,
    window: int | None = None,
    covered: np.ndarray | None = None,
    alpha: float = TREND_ALPHA,
    persist: int = TREND_PERSIST,
    fits: WindowFits | None = None,
    dependence: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
) -> Trend:
    """Trend of every trailing window of ``y`` (regions × periods counts; NaN = missing).

    ``window`` defaults to ``TREND_MONTHS`` months for monthly series and ``TREND_YEARS`` years for
    yearly ones (``periods_per_year`` 12 or 1). Formulas in the module docstring; units: relative
    change per year (−0.2 = 20 % fewer per year). ``downward`` is 1/0 (NaN where the window is not
    computable or earlier ``persist`` windows are missing).
    """
    y = np.atleast_2d(np.asarray(y, dtype=float))
    monthly = periods_per_year == 12
    n = window or (TREND_MONTHS if monthly else TREND_YEARS)
    periods = y.shape[-1]
    shape = y.shape
    if periods < n:
        empty = np.full(shape, np.nan)
        return Trend(empty, empty.copy(), empty.copy(), empty.copy(), empty.copy())
    f = fits if fits is not None else fit_windows(y, n, periods_per_year, covered)
    dep = count_dependence(y, periods_per_year) if dependence is None else dependence
    change, lo, hi, p, one_sided = _trend_statistics(f, dep, n)
    hit = np.where(f.computable, (one_sided < alpha).astype(float), np.nan)
    if persist > 1:
        hit_run = np.full(hit.shape, np.nan)
        if hit.shape[-1] >= persist:
            hit_run[..., persist - 1 :] = sliding_window_view(hit, persist, axis=-1).min(axis=-1)
        hit = hit_run
    return Trend(
        _align(change, periods, n),
        _align(lo, periods, n),
        _align(hi, periods, n),
        _align(p, periods, n),
        _align(hit, periods, n).reshape(shape),
    )


def recent_level(
    y: np.ndarray, mu: np.ndarray, dependence: tuple[np.ndarray, np.ndarray, np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """Where the latent rate stands after a window: the one-step prediction of its relative level.

    ``y`` and ``mu`` (regions, windows, n): a window's counts and fitted means; (κ_w, κ_ar, ρ) of
    ``count_dependence``. In the second-order (Gaussian) form of that noise model,
    y_j = μ_j·(1 + u_j) + v_j with u_j an AR(1) of variance κ_ar and correlation ρ and
    Var(v_j) = μ_j + κ_w·μ_j², the Kalman filter over j = 0 … n − 1 (from u's stationary
    distribution) gives the prediction of u_n: its mean û (a relative level, −0.2 = 20 % below the
    fitted mean) and variance P. Runs of busy or quiet months thus move the alarm's expected count;
    with no runs (κ_ar = 0) û = 0 and P = 0. Returns (û, P), arrays (regions, windows).
    """
    k_w, k_ar, rho = (np.asarray(v, dtype=float)[:, None] for v in dependence)
    u = np.zeros(y.shape[:-1])
    p = np.broadcast_to(k_ar, u.shape).copy()
    for j in range(y.shape[-1]):
        m = mu[..., j]
        f = m * m * p + m + k_w * m * m
        gain = np.where(f > 0, p * m / np.where(f > 0, f, 1.0), 0.0)
        u = rho * (u + gain * (y[..., j] - m * (1 + u)))
        p = rho * rho * (p - gain * m * p) + k_ar * (1 - rho * rho)
    return np.maximum(u, -0.9), p


def _per_window(v: np.ndarray, n: int) -> np.ndarray:
    """A noise parameter per region (regions,) as (regions, 1), or per month (regions, periods) as
    (regions, windows): the value of the month each window of ``n`` ends at."""
    v = np.asarray(v, dtype=float)
    return v[:, None] if v.ndim == 1 else v[:, n - 1 :]


def level_drop_z(
    y: np.ndarray,
    dependence: tuple[np.ndarray, np.ndarray, np.ndarray],
    *,
    baseline: int = LEVEL_BASELINE,
    recent: int = LEVEL_RECENT,
    covered: np.ndarray | None = None,
) -> np.ndarray:
    """The latest ``recent`` months against the ``baseline`` months before them: z per month.

    For month t, the model without trend (intercept and seasonal pair) is fitted to months
    t − recent − baseline + 1 … t − recent and predicts the recent months t − recent + 1 … t:
    Ŝ = Σ_r μ̂_r. With S the observed sum, D = S − Ŝ ≈ Σ_j a_j·(y_j − μ_j) over all
    baseline + recent months, a_j = 1 for a recent month and a_j = −c'(X'WX)⁻¹x_j for a baseline
    month (c = Σ_r μ̂_r·x_r: Ŝ's sensitivity to the fitted coefficients), so under the noise
    model of ``count_dependence`` (with b_j = a_j·μ_j)

        Var(D) = Σ_j a_j²·μ_j + κ_w·Σ_j b_j² + κ_ar·Σ_ij b_i·b_j·ρ^|i−j|,

    which counts the correlation between the baseline and the recent months; (κ_w, κ_ar, ρ) per
    region (``count_dependence``) or per month (``count_dependence_split``). z = D/√Var(D)
    (negative: fewer incidents than the baseline predicts). NaN where the months are not
    computable (a missing month, a coverage change) or the baseline holds no event; shape
    (regions, periods), aligned at month t.
    """
    y = np.atleast_2d(np.asarray(y, dtype=float))
    n = baseline + recent
    periods = y.shape[-1]
    if periods < n:
        return np.full(y.shape, np.nan)
    computable = computable_windows(y, n, covered)
    w = np.where(computable[..., None], sliding_window_view(y, n, axis=-1), 0.0)
    x_base = design(baseline, 12, trend=False)
    x_rec = design(baseline, 12, at=np.arange(baseline, n), trend=False)
    beta, mu_base, inv = _irls(w[..., :baseline], np.ones(w[..., :baseline].shape, dtype=bool), x_base)
    mu_rec = np.exp(np.clip(beta @ x_rec.T, -30.0, 30.0))
    c = np.einsum("rmn,nk->rmk", mu_rec, x_rec)
    g = np.einsum("rmk,rmkl,nl->rmn", c, inv, x_base)
    a = np.concatenate([-g, np.ones(mu_rec.shape)], axis=-1)
    mu = np.concatenate([mu_base, mu_rec], axis=-1)
    k_w, k_ar, rho = (_per_window(v, n) for v in dependence)
    b = a * mu
    var = (a * a * mu).sum(axis=-1) + k_w * (b * b).sum(axis=-1) + k_ar * _ar_quadratic(b, rho)
    d = w[..., baseline:].sum(axis=-1) - mu_rec.sum(axis=-1)
    ok = computable & (w[..., :baseline].sum(axis=-1) > 0) & (var > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(ok, d / np.sqrt(np.where(var > 0, var, 1.0)), np.nan)
    return _align(z, periods, n)


def predictive_upper_limit(mu: np.ndarray, relative_var: np.ndarray, level: float) -> np.ndarray:
    """Upper prediction limit (counts) of next month's count: the ``level`` quantile of the negative
    binomial with mean μ and variance μ + v·μ² (v = ``relative_var``: the month's extra-Poisson
    variance κ_w + κ_ar plus Var(η̂), the uncertainty of the predicted level), i.e. size r = 1/v and
    success probability r/(r + μ); the Poisson quantile as v → 0. An exact count quantile:
    P(Y > U) ≤ 1 − ``level`` under the model."""
    v = np.maximum(np.asarray(relative_var, dtype=float), 1e-9)
    size = 1.0 / v
    with np.errstate(invalid="ignore"):
        return nbinom.ppf(level, size, size / (size + mu))


@dataclass(frozen=True)
class Alarm:
    """Alarm signals on the (regions, periods) grid: ``alarm`` 1/0 and ``upper_limit`` (counts)."""

    alarm: np.ndarray
    upper_limit: np.ndarray


def alarm_signals(
    y: np.ndarray,
    *,
    periods_per_year: int = 12,
    baseline: int = ALARM_BASELINE,
    covered: np.ndarray | None = None,
    level: float = ALARM_LEVEL,
    min_count: float = ALARM_MIN_COUNT,
    fits: WindowFits | None = None,
    dependence: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
    recent: bool = True,
) -> Alarm:
    """Month-by-month alarm against the model's one-step upper prediction limit (Farrington).

    For month t the model is fitted to months t − ``baseline`` … t − 1 and extrapolated to t; the
    limit U_t (counts, see the module docstring) is the ``level`` quantile of the negative binomial
    predictive distribution; with ``recent`` (default) the expected count follows where the
    baseline's last months put a region with runs of busy and quiet months (``recent_level``).
    Missing (NaN) for yearly
    series, before ``baseline`` months exist, and where the baseline and month t hold a missing
    month or a change in coverage.
    """
    y = np.atleast_2d(np.asarray(y, dtype=float))
    periods = y.shape[-1]
    nan = np.full(y.shape, np.nan)
    if periods_per_year != 12 or periods <= baseline:
        return Alarm(nan, nan.copy())
    f = fits if fits is not None else fit_windows(y, baseline, periods_per_year, covered)
    dep = count_dependence(y, periods_per_year) if dependence is None else dependence
    flat = fit_windows(y, baseline, periods_per_year, covered, trend=False)
    # Farrington's rule: the trend enters the prediction only where it is significant (|t| ≥ 1.96)
    trend_t = f.beta[..., 1] / np.sqrt(trend_variance(f, dep))
    sloped = np.abs(np.nan_to_num(trend_t)) >= ALARM_TREND_Z
    mu_v = []
    for fit in (f, flat):
        x_next = design(baseline, periods_per_year, at=np.array([baseline]), trend=fit is f)[0]
        mu_fit = np.exp(np.clip(fit.beta @ x_next, -30.0, 30.0))
        var_eta = linear_variance(fit, dep, fit.inv @ x_next)  # Var(η̂_t), η̂_t = x_t'β̂ = log μ̂_t
        mu_v.append((mu_fit, var_eta))
    mu = np.where(sloped, mu_v[0][0], mu_v[1][0])
    var_eta = np.where(sloped, mu_v[0][1], mu_v[1][1])
    k_w = np.asarray(dep[0], dtype=float)[:, None]
    if recent:
        mu_window = np.where(sloped[..., None], f.mu, flat.mu)
        u_hat, p_u = recent_level(f.windows, mu_window, dep)
        mu = mu * (1 + u_hat)
        extra = p_u / (1 + u_hat) ** 2
    else:
        extra = np.asarray(dep[1], dtype=float)[:, None]
    upper = predictive_upper_limit(mu, k_w + extra + var_eta, level)[..., :-1]
    # the baseline ending at t − 1 serves month t; month t itself must be observed with the same coverage
    target = y[..., baseline:]
    ok = f.computable[..., :-1] & ~np.isnan(target)
    if covered is not None:
        c = np.broadcast_to(np.asarray(covered, dtype=float), y.shape)
        ok &= c[..., baseline:] == c[..., baseline - 1 : -1]
    upper = np.where(ok, np.where(f.ok[..., :-1], upper, 0.0), np.nan)
    hit = np.where(ok, ((target > upper) & (target >= min_count)).astype(float), np.nan)
    out_u, out_a = nan.copy(), nan.copy()
    out_u[..., baseline:] = upper
    out_a[..., baseline:] = hit
    return Alarm(out_a, out_u)


def benjamini_hochberg(p: np.ndarray, q: float = 0.10) -> np.ndarray:
    """Benjamini–Hochberg: True for the p-values declared discoveries at false-discovery rate ``q``.

    Sort the m non-missing p-values p_(1) ≤ … ≤ p_(m); with k the largest i such that
    p_(i) ≤ i·q/m, the k smallest are discoveries. NaN is never a discovery.
    """
    p = np.asarray(p, dtype=float)
    out = np.zeros(p.shape, dtype=bool)
    good = np.flatnonzero(~np.isnan(p))
    if not len(good):
        return out
    order = good[np.argsort(p[good], kind="stable")]
    m = len(order)
    passed = np.flatnonzero(p[order] <= q * np.arange(1, m + 1) / m)
    if len(passed):
        out[order[: passed[-1] + 1]] = True
    return out


def level_drop_flag(y: np.ndarray, covered: np.ndarray | None = None) -> np.ndarray:
    """The level rule, 1/0 per (region, month): z of ``level_drop_z`` (noise per month from
    ``count_dependence_split``) below −``LEVEL_Z`` in ``LEVEL_PERSIST`` consecutive months; 0 where
    z is not computable."""
    y = np.atleast_2d(np.asarray(y, dtype=float))
    z = level_drop_z(y, count_dependence_split(y), covered=covered)
    below = np.where(np.isnan(z), 0.0, (z < -LEVEL_Z).astype(float))
    level = np.zeros(below.shape)
    if below.shape[-1] >= LEVEL_PERSIST:
        level[..., LEVEL_PERSIST - 1 :] = sliding_window_view(below, LEVEL_PERSIST, axis=-1).min(axis=-1)
    return level


def downward_trend(y: np.ndarray, trend: Trend, covered: np.ndarray | None = None) -> np.ndarray:
    """``downward_trend`` of a monthly series: 1 where the trend rule (``trend.downward``) or the
    level rule (``level_drop_flag``) fires, else 0; NaN where the trend rule is not computable."""
    return np.where(np.isnan(trend.downward), np.nan, np.fmax(trend.downward, level_drop_flag(y, covered)))


def signal_grids(
    y: np.ndarray,
    *,
    periods_per_year: int = 12,
    covered: np.ndarray | None = None,
    trend_window: int | None = None,
    alpha: float = TREND_ALPHA,
) -> dict[str, np.ndarray]:
    """Every signal as a (regions, periods) grid, keyed by indicator name.

    ``downward_trend``, ``trend_change_per_year`` (with ``trend_ci_low``/``trend_ci_high``, its
    95 % interval), ``trend_p_value``, ``alarm``, ``alarm_upper_limit``, and the aliases
    ``sustained_decline`` (= ``downward_trend``) and ``spike`` (= ``alarm``) kept for one release.
    ``y`` counts per period (NaN = missing), ``covered`` the covered member countries per period.
    """
    y = np.atleast_2d(np.asarray(y, dtype=float))
    monthly = periods_per_year == 12
    n = trend_window or (TREND_MONTHS if monthly else TREND_YEARS)
    fits = fit_windows(y, n, periods_per_year, covered) if y.shape[-1] >= n else None
    dep = count_dependence(y, periods_per_year)
    trend = trend_signals(
        y,
        periods_per_year=periods_per_year,
        window=n,
        covered=covered,
        alpha=alpha,
        fits=fits,
        dependence=dep,
    )
    downward = downward_trend(y, trend, covered=covered) if monthly else trend.downward
    shared = fits if (fits is not None and n == ALARM_BASELINE and monthly) else None
    alarm = alarm_signals(y, periods_per_year=periods_per_year, covered=covered, fits=shared, dependence=dep)
    return {
        "downward_trend": downward,
        "trend_change_per_year": trend.change_per_year,
        "trend_ci_low": trend.ci_low,
        "trend_ci_high": trend.ci_high,
        "trend_p_value": trend.p_value,
        "alarm": alarm.alarm,
        "alarm_upper_limit": alarm.upper_limit,
        "sustained_decline": downward.copy(),
        "spike": alarm.alarm.copy(),
    }


def downward_trends_across_regions(conflict: pd.DataFrame, period: str, q: float = 0.10) -> pd.DataFrame:
    """Which regions show a downward trend at ``period`` when many regions are read at once.

    ``conflict``: tidy conflict rows (``region, period, indicator, value``) holding
    ``trend_change_per_year`` and ``trend_p_value``. The one-sided p for a decline is p/2 when the
    change is negative, else 1 − p/2; Benjamini–Hochberg at false-discovery rate ``q`` (default
    0.10: of the regions declared, about 1 in 10 or fewer is expected to be chance) picks the
    regions. Returns ``region, trend_change_per_year, p_decline, discovery`` (one row per region
    with a trend at ``period``; ``discovery`` True/False).
    """
    rows = conflict.loc[
        (conflict["period"].astype(str) == str(period))
        & conflict["indicator"].isin(["trend_change_per_year", "trend_p_value"])
    ]
    wide = rows.pivot_table(index="region", columns="indicator", values="value", aggfunc="first")
    cols = ["region", "trend_change_per_year", "p_decline", "discovery"]
    if wide.empty or not {"trend_change_per_year", "trend_p_value"} <= set(wide.columns):
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    wide = wide.dropna(subset=["trend_change_per_year", "trend_p_value"])
    change = wide["trend_change_per_year"].to_numpy(dtype=float)
    p = wide["trend_p_value"].to_numpy(dtype=float)
    one_sided = np.where(change < 0, p / 2, 1 - p / 2)
    return pd.DataFrame(
        {
            "region": wide.index.astype(str),
            "trend_change_per_year": change,
            "p_decline": one_sided,
            "discovery": benjamini_hochberg(one_sided, q),
        }
    )


ACROSS_REGIONS = "downward_trend_across_regions"


def trends_across_regions_rows(table: pd.DataFrame, q: float = 0.10) -> pd.DataFrame:
    """Tidy rows of ``downward_trend_across_regions`` (1/0): the downward trend read across every
    region of ``table`` at once, period by period, with false discoveries controlled.

    ``table``: tidy rows (``region, period, family, indicator, value`` and any further columns)
    holding ``trend_change_per_year`` and ``trend_p_value`` for several regions. At each period the
    regions with a trend go through ``downward_trends_across_regions`` (Benjamini–Hochberg at ``q``
    on the one-sided p for a decline); value 1 for a discovery, else 0. Further columns are taken
    from the region's ``trend_p_value`` row (``ci_low``/``ci_high`` left empty). Empty when no
    period holds a trend.
    """
    p_rows = table.loc[table["indicator"] == "trend_p_value"]
    parts = []
    for period, rows in table.loc[
        table["indicator"].isin(["trend_change_per_year", "trend_p_value"])
    ].groupby("period", sort=True):
        found = downward_trends_across_regions(rows, str(period), q)
        if found.empty:
            continue
        base = p_rows.loc[p_rows["period"] == period].set_index("region").loc[found["region"]].reset_index()
        base["indicator"] = ACROSS_REGIONS
        base["value"] = found["discovery"].astype(float).to_numpy()
        for col in ("ci_low", "ci_high"):
            if col in base.columns:
                base[col] = np.nan
        parts.append(base[table.columns])
    if not parts:
        return table.iloc[0:0].copy()
    return pd.concat(parts, ignore_index=True)
