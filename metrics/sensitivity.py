"""How much a region's rank depends on the weights: the stability index under weights varied ±20 %.

Input: the tidy composite (``composite_indicators``: ``stability_index`` and ``score_<family>``
rows) of the regions to rank. Output: one row per ranked region. Monte Carlo with a fixed seed, as
the OECD/JRC Handbook on Constructing Composite Indicators (2008, section 7) recommends for the
weights' uncertainty.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from metrics.composite import DEFAULT_WEIGHTS, FAMILY_NAMES

SENSITIVITY_COLUMNS: tuple[str, ...] = (
    "region",
    "rank",
    "rank_median",
    "rank_low",
    "rank_high",
    "share_same_rank",
    "draws",
)


def _ranks(values: np.ndarray) -> np.ndarray:
    """Rank of each column entry per row, 1 = highest; ties share the best rank."""
    order = -values
    return (order[:, :, None] > order[:, None, :]).sum(axis=2) + 1


def rank_sensitivity(
    composite: pd.DataFrame,
    period: str,
    *,
    regions: Sequence[str] | None = None,
    weights: Mapping[str, float] | None = None,
    spread: float = 0.2,
    draws: int = 1000,
    seed: int = 20261205,
) -> pd.DataFrame:
    """Each region's rank by stability index in ``period`` under randomly varied weights.

    The regions ranked are those of ``regions`` (default: all in ``composite``) with a stability
    index in ``period``; each uses the families with positive weight that have a score that month
    (those of its index). In each of ``draws`` draws every family weight w_f is multiplied by an
    independent factor u_f ~ Uniform(1 − ``spread``, 1 + ``spread``) (±20 % by default); the index is
    recomputed as Σ_f u_f w_f s_f / Σ_f u_f w_f and the regions ranked (1 = most stable; ties share
    the best rank). Columns: ``rank`` (at the given weights), ``rank_median``, ``rank_low`` and
    ``rank_high`` (the 5th and 95th percentiles of the rank over the draws), ``share_same_rank``
    (share of draws giving the same rank as the given weights, 0–1) and ``draws``. Seeded: the same
    inputs give the same table.
    """
    if not 0 <= spread < 1:
        raise ValueError("spread must be at least 0 and below 1")
    w = dict(DEFAULT_WEIGHTS if weights is None else weights)
    base = np.array([max(float(w.get(f, 0.0)), 0.0) for f in FAMILY_NAMES])
    sub = composite.loc[composite["period"] == period]
    if regions is not None:
        sub = sub.loc[sub["region"].isin(regions)]
    wide = sub.pivot_table(index="region", columns="indicator", values="value", aggfunc="first")
    if "stability_index" not in wide:
        return pd.DataFrame(columns=list(SENSITIVITY_COLUMNS))
    wide = wide.loc[wide["stability_index"].notna()].sort_index()
    if wide.empty:
        return pd.DataFrame(columns=list(SENSITIVITY_COLUMNS))
    scores = np.column_stack(
        [
            wide.get(f"score_{f}", pd.Series(np.nan, index=wide.index)).to_numpy(dtype=float)
            for f in FAMILY_NAMES
        ]
    )
    used = np.isfinite(scores) & (base > 0)
    filled = np.where(used, scores, 0.0)

    def index(wts: np.ndarray) -> np.ndarray:  # wts: draws × families → draws × regions
        num = (wts[:, None, :] * used[None] * filled[None]).sum(axis=2)
        den = (wts[:, None, :] * used[None]).sum(axis=2)
        return num / den

    rng = np.random.default_rng(seed)
    factors = rng.uniform(1 - spread, 1 + spread, size=(draws, len(FAMILY_NAMES)))
    at_base = _ranks(index(base[None]))[0]
    ranks = _ranks(index(factors * base[None]))
    return pd.DataFrame(
        {
            "region": wide.index.to_numpy(),
            "rank": at_base,
            "rank_median": np.median(ranks, axis=0),
            "rank_low": np.percentile(ranks, 5, axis=0),
            "rank_high": np.percentile(ranks, 95, axis=0),
            "share_same_rank": (ranks == at_base[None]).mean(axis=0),
            "draws": draws,
        }
    ).sort_values(["rank", "region"], kind="stable", ignore_index=True)
