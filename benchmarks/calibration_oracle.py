"""What any detector could do at best: oracle power of the downward trend and the alarm, per cell.

The oracle knows, for every simulated series, the pre-change seasonal mean m_t
(``signals_sim.rates_and_mean``), the noise model and its parameters, and for the trend the size and
shape of the planted change (a step to 0.6, or a linear fall to 0.6 over 24 months). It is tuned to
the same false-alarm budgets as the tool's flags, on the same no-change series of 120 months:

- **Trend**: the generalised likelihood-ratio (GLR) detector with known change size (Page's CUSUM
  for a step under independent noise; optimal in Lorden's sense). For each possible start k ≤ t,
  with e_i the change's relative level i months after its start (step: e_i = 0.6; linear:
  e_i = 1 − 0.4·min(i + 1, 24)/24),

      L_k(t) = Σ_{j=k}^{t} ℓ_j(k),   G_t = max(0, max_{k≤t} L_k(t)),   flag when G_t > h,

  ℓ_j(k) the log-likelihood ratio of month j (changed against unchanged). Poisson:
  ℓ = y·log e − m·(e − 1); negative binomial (size r): the exact log-ratio of the NB pmfs with means
  e·m and m. AR(1) on the log rate: the counts are treated in their second-order (Gaussian)
  approximation y_t = m_t·(1 + u_t) + v_t, u_t AR(1) with correlation ρ and variance
  κ = exp(σ²) − 1, Var(v_t) = m_t (Poisson); a Kalman filter gives the innovations ε_t with variance
  F_t, and a change of the mean by d_j = (e_{j−k} − 1)·m_j from month k shifts them by the
  deterministic signature s_t(k) = d_t − m_t·b_t, b_{t+1} = ρ·(b_t + K_t·s_t), b_k = 0
  (Willsky & Jones 1976), so ℓ_j(k) = (s_j·ε_j − s_j²/2)/F_j. This is the exact GLR of the
  Gaussian approximation, not of the Poisson–lognormal itself.
  h is the smallest value with at most 10 % of the no-change series above it in months 36–119
  (the months the tool's flag is defined); power = share of changed series with G_t > h in months
  60–77 (within 18 months of the change's start).
- **Alarm**: the one-sided test of month t against the predictive distribution of y_t given the
  earlier months: Poisson(m_t) or NB(m_t, r) for independent noise; for AR(1), the Kalman
  one-step prediction of u_t (mean û_t, variance P_t) and the negative binomial with mean
  m_t·(1 + û_t) and variance mean + P_t·m_t² (moment-matched). Tail p-value P(Y ≥ y_t); threshold
  c the largest value with at most 1 % of the no-change months 36–119 at or below it; power =
  share of tripled months (month 100) with p ≤ c.

Seeded; the thresholds are tuned on the same no-change series the false alarms are counted on.
"""

from __future__ import annotations

import numpy as np
from scipy.special import gammaln
from scipy.stats import nbinom, poisson

from metrics import signals_sim

MONTHS = 120
FIRST = 36  # first month the tool's flags are defined
DROP = 0.6


def effect_shapes() -> dict[str, np.ndarray]:
    """Relative level e_i, i = 0 … MONTHS − 1 months after the change's start, of each planted drop."""
    i = np.arange(MONTHS)
    return {"step": np.full(MONTHS, DROP), "linear": 1 - (1 - DROP) * np.minimum(i + 1, 24) / 24}


def _noise_params(noise: str) -> tuple[float, float]:
    """(κ, ρ) of the latent AR(1) relative rate (0, 0 for independent noise)."""
    if noise.startswith("ar"):
        return float(np.expm1(signals_sim.AR_SD**2)), float(noise[2:])
    return 0.0, 0.0


def _nb_logpmf(y: np.ndarray, mean: np.ndarray, r: float) -> np.ndarray:
    return (
        gammaln(y + r)
        - gammaln(r)
        - gammaln(y + 1)
        + r * np.log(r / (r + mean))
        + y * np.log(mean / (r + mean))
    )


def _kalman(y: np.ndarray, m: np.ndarray, kappa: float, rho: float):
    """Kalman filter of the Gaussian approximation: yields per month (innovation ε, its variance F,
    gain K, predicted state û, its variance P), arrays (series,)."""
    u = np.zeros(len(y))
    p = np.full(len(y), kappa)
    for t in range(y.shape[1]):
        f = m[:, t] ** 2 * p + m[:, t]
        k = p * m[:, t] / f
        eps = y[:, t] - m[:, t] * (1 + u)
        yield eps, f, k, u, p
        u = rho * (u + k * eps)
        p = rho**2 * (p - k * m[:, t] * p) + kappa * (1 - rho**2)


def glr_statistic(y: np.ndarray, m: np.ndarray, noise: str, shape: np.ndarray) -> np.ndarray:
    """G_t (series × months) of the module docstring for the change shape ``shape``."""
    n, months = y.shape
    kappa, rho = _noise_params(noise)
    big_l = np.zeros((n, months))  # L_k(t) for every start k (column k), updated month by month
    b = np.zeros((n, months))  # signature state b_t(k) (AR only)
    out = np.empty((n, months))
    ks = np.arange(months)
    filt = _kalman(y, m, kappa, rho) if noise.startswith("ar") else None
    for t in range(months):
        active = ks <= t
        e = np.where(active, shape[np.clip(t - ks, 0, months - 1)], 1.0)[None, :]  # (1, K)
        yt, mt = y[:, t : t + 1], m[:, t : t + 1]
        if noise == "poisson":
            ell = yt * np.log(e) - mt * (e - 1)
        elif noise == "negbin":
            ell = _nb_logpmf(yt, e * mt, signals_sim.NB_SIZE) - _nb_logpmf(yt, mt, signals_sim.NB_SIZE)
        else:
            eps, f, k, _u, _p = next(filt)
            s = (e - 1) * mt - mt * b
            ell = (s * eps[:, None] - s**2 / 2) / f[:, None]
            b = rho * (b + k[:, None] * s)
        big_l += np.where(active, ell, 0.0)
        out[:, t] = np.maximum(0.0, big_l[:, active].max(axis=1))
    return out


def alarm_p_values(y: np.ndarray, m: np.ndarray, noise: str) -> np.ndarray:
    """P(Y_t ≥ y_t) under the oracle's predictive distribution of month t (series × months)."""
    if noise == "poisson":
        return poisson.sf(y - 1, m)
    r = signals_sim.NB_SIZE
    if noise == "negbin":
        return nbinom.sf(y - 1, r, r / (r + m))
    kappa, rho = _noise_params(noise)
    out = np.empty(y.shape)
    for t, (_eps, _f, _k, u, p) in enumerate(_kalman(y, m, kappa, rho)):
        mean = m[:, t] * np.maximum(1 + u, 1e-3)
        size = 1 / np.maximum(p / np.maximum(1 + u, 1e-3) ** 2, 1e-9)
        out[:, t] = nbinom.sf(y[:, t] - 1, size, size / (size + mean))
    return out


def _largest_at_most(values: np.ndarray, share: float) -> float:
    """The largest c among ``values`` with at most ``share`` of them ≤ c (−inf if none)."""
    v = np.sort(values.ravel())
    cand = np.unique(v)
    ok = cand[np.searchsorted(v, cand, side="right") <= share * len(v)]
    return float(ok.max()) if len(ok) else -np.inf


def oracle_cell(rng: np.random.Generator, noise: str, mean: float, amp: float, n: int) -> dict[str, float]:
    """Oracle false alarms and power of the trend (step, linear) and the alarm in one cell."""
    lam, m = signals_sim.rates_and_mean(rng, noise, mean, amp, n, MONTHS)
    y0 = signals_sim.draw(rng, noise, lam)
    out: dict[str, float] = {"noise": noise, "mean": mean, "seasonal": f"{int(amp * 100)} %"}
    for name, shape in effect_shapes().items():
        g0 = glr_statistic(y0, m, noise, shape)[:, FIRST:].max(axis=1)
        h = float(np.quantile(g0, 0.90, method="higher"))
        eff = np.ones(MONTHS)
        eff[60:] = shape[: MONTHS - 60]
        lam1, m1 = signals_sim.rates_and_mean(rng, noise, mean, amp, n, MONTHS)
        y1 = signals_sim.draw(rng, noise, lam1 * eff)
        g1 = glr_statistic(y1, m1, noise, shape)[:, 60:78].max(axis=1)
        if name == "step":
            out["oracle_trend_fa"] = float((g0 > h).mean())
        out[f"oracle_trend_power_{name}"] = float((g1 > h).mean())
    p0 = alarm_p_values(y0, m, noise)[:, FIRST:]
    c = _largest_at_most(p0, 0.01)
    spike = np.ones(MONTHS)
    spike[100] = 3.0
    lam2, m2 = signals_sim.rates_and_mean(rng, noise, mean, amp, n, MONTHS)
    y2 = signals_sim.draw(rng, noise, lam2 * spike)
    out["oracle_alarm_fa"] = float((p0 <= c).mean())
    out["oracle_alarm_power"] = float((alarm_p_values(y2, m2, noise)[:, 100] <= c).mean())
    return out
