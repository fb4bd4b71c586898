"""Simulated monthly count series for calibrating the signals (``benchmarks/calibration.py`` and the
fast versions in the tests).

A cell is a noise model, a mean and a seasonal amplitude. For series s and month t (t = 0 … T − 1):

    λ_t = mean · e_t · (1 + amplitude · sin(2π(t + phase)/12)) · effect_t,   y_t ~ Poisson(λ_t) or NB

- ``poisson``: e_t = 1, y_t ~ Poisson(λ_t).
- ``negbin``: y_t ~ negative binomial with mean λ_t and variance λ_t + λ_t²/``NB_SIZE``.
- ``ar0.5`` / ``ar0.7``: log e_t is a stationary AR(1) with that ρ and marginal standard deviation
  ``AR_SD``, centred so E[e_t] = 1; y_t ~ Poisson(λ_t).

``effect_t`` is 1 without a planted effect. The phase is drawn uniformly per series.
"""

from __future__ import annotations

import numpy as np

NB_SIZE = 10.0
AR_SD = 0.3
NOISES: tuple[str, ...] = ("poisson", "negbin", "ar0.5", "ar0.7")
MEANS: tuple[float, ...] = (0.5, 5.0, 50.0)
AMPLITUDES: tuple[float, ...] = (0.0, 0.25)


def rates(
    rng: np.random.Generator,
    noise: str,
    mean: float,
    amplitude: float,
    series: int,
    months: int = 120,
) -> np.ndarray:
    """Expected counts λ (series × months) of the cell, before any planted effect."""
    return rates_and_mean(rng, noise, mean, amplitude, series, months)[0]


def rates_and_mean(
    rng: np.random.Generator,
    noise: str,
    mean: float,
    amplitude: float,
    series: int,
    months: int = 120,
) -> tuple[np.ndarray, np.ndarray]:
    """(λ, m): the expected counts λ of ``rates`` (same draws) and the seasonal mean
    m_t = mean·(1 + amplitude·sin(2π(t + phase)/12)) they vary around (E[λ_t] = m_t), both
    (series × months). m is what a detector that knows the pre-change mean knows."""
    phase = rng.integers(0, 12, size=(series, 1))
    t = np.arange(months)[None, :]
    lam = mean * (1 + amplitude * np.sin(2 * np.pi * (t + phase) / 12)) * np.ones((series, 1))
    base = lam.copy()
    if noise.startswith("ar"):
        rho = float(noise[2:])
        innov = AR_SD * np.sqrt(1 - rho**2)
        e = np.empty((series, months))
        e[:, 0] = rng.normal(0, AR_SD, series)
        shocks = rng.normal(0, innov, (series, months))
        for i in range(1, months):
            e[:, i] = rho * e[:, i - 1] + shocks[:, i]
        lam = lam * np.exp(e - AR_SD**2 / 2)
    elif noise not in ("poisson", "negbin"):
        raise ValueError(f"unknown noise '{noise}'")
    return lam, base


def draw(rng: np.random.Generator, noise: str, lam: np.ndarray) -> np.ndarray:
    """Counts with expectation ``lam`` under the cell's noise (float array)."""
    if noise == "negbin":
        return rng.negative_binomial(NB_SIZE, NB_SIZE / (NB_SIZE + lam)).astype(float)
    return rng.poisson(lam).astype(float)


def series(
    rng: np.random.Generator,
    noise: str,
    mean: float,
    amplitude: float,
    n: int,
    months: int = 120,
    effect: np.ndarray | None = None,
) -> np.ndarray:
    """n simulated series of ``months`` months (float counts); ``effect`` multiplies λ month by month."""
    lam = rates(rng, noise, mean, amplitude, n, months)
    if effect is not None:
        lam = lam * effect
    return draw(rng, noise, lam)
