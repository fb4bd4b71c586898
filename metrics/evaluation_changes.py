"""Changes of survey and collaboration levels between the windows around a milestone.

Companion of ``metrics.evaluation_stats`` (same windows, same ``Result``): a survey indicator's change
between the mean of its waves before and after, and a monthly level's change (network density) with
an autocorrelation-robust interval.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.stats import norm

from metrics.evaluation_stats import (
    CAVEAT,
    NAN,
    QUANTITIES,
    Result,
    after_phrase,
    as_monthly,
    cap,
    did_ratio,
    fmt_ratio,
    interval_text,
    level_words,
    make_windows,
    no_number,
    window_sums,
)
from metrics.intervals import Z95


def wave_change(
    waves: pd.DataFrame,
    milestone: str | pd.Period,
    window: int = 12,
    *,
    measure: str,
    what: str,
    region: str = "",
    label: str | None = None,
    scale: float = 100.0,
    unit: str = "points",
) -> Result:
    """Change of a survey estimate between the windows.

    ``waves`` has ``period, value, ci_low, ci_high`` (one row per wave; ``period`` ``YYYY-MM``, or
    ``YYYY`` for an annual value, dated at July of that year). With k_b waves before and k_a after:
    change = mean(after) − mean(before), in the unit of ``value`` (findings multiply by ``scale``:
    100 turns shares into percentage points). Each wave's standard error is (ci_high − ci_low)/(2 ×
    1.96); SE(mean) = √(Σ se²)/k; SE(change) = √(SE_a² + SE_b²); interval change ± 1.96 SE, p the
    two-sided normal p. Without an interval for every wave, the change has no interval.
    ``n_before``/``n_after`` are the numbers of waves.
    """
    w = make_windows(milestone, window)
    method = (
        "change of the mean of survey waves between the windows of "
        f"{w.months()}; interval from the waves' own intervals (independent samples)"
    )
    months = pd.PeriodIndex(
        [pd.Period(f"{p}-07" if len(str(p)) == 4 else str(p), freq="M") for p in waves["period"]]
    )
    before = waves.loc[(months >= w.before[0]) & (months <= w.before[1])]
    after = waves.loc[(months >= w.after[0]) & (months <= w.after[1])]
    before = before.loc[before["value"].notna()]
    after = after.loc[after["value"].notna()]
    kb, ka = len(before), len(after)
    if kb == 0 or ka == 0:
        which = "either window" if kb == ka == 0 else ("the before window" if kb == 0 else "the after window")
        return no_number(
            measure,
            f"No change in {what} for {region}: no survey wave in {which} "
            f"({w.before[0]} to {w.before[1]} / {w.after[0]} to {w.after[1]}).",
            method,
            kb,
            ka,
        )
    change = float(after["value"].mean() - before["value"].mean())
    se_b = ((before["ci_high"] - before["ci_low"]) / (2 * Z95)).to_numpy(dtype=float)
    se_a = ((after["ci_high"] - after["ci_low"]) / (2 * Z95)).to_numpy(dtype=float)
    moved = level_words(change, scale, unit)
    head = (
        f"{cap(what)} in {region} {moved} {after_phrase(w, label)} "
        f"({ka} wave(s) in the {w.months()} from then, {kb} in the {w.months()} before"
    )
    if np.isnan(se_a).any() or np.isnan(se_b).any():
        return Result(
            measure,
            change,
            NAN,
            NAN,
            NAN,
            kb,
            ka,
            method,
            head + f"; no interval: a wave has no published interval or sample size); {CAVEAT}.",
        )
    se = math.sqrt(float((se_a**2).sum()) / ka**2 + float((se_b**2).sum()) / kb**2)
    lo, hi = change - Z95 * se, change + Z95 * se
    p = float(2 * norm.sf(abs(change) / se)) if se > 0 else NAN
    unclear = lo <= 0 <= hi

    def pts(v: float) -> str:
        return f"{v * scale:+.1f}"

    finding = (
        head
        + f"; {interval_text(lo, hi, pts)} {unit}"
        + ("; the interval includes 0, so this cannot be told apart from no change" if unclear else "")
        + f"); {CAVEAT}."
    )
    return Result(measure, change, lo, hi, p, kb, ka, method, finding, details={"se": se})


def mean_change_hac(
    series: pd.Series,
    milestone: str | pd.Period,
    window: int = 12,
    *,
    measure: str,
    what: str,
    region: str = "",
    label: str | None = None,
    max_lags: int = 11,
    scale: float = 100.0,
    unit: str = "points",
    source: str = "collaboration",
) -> Result:
    """Change of a monthly level (e.g. network density, a share) between the windows.

    change = mean(after) − mean(before) (unit of the series); interval and p from OLS of the 2K
    monthly values on an 'after' indicator with Newey–West (HAC) standard errors using
    min(``max_lags``, 2K − 3) lags, because a trailing-window indicator is autocorrelated by
    construction. ``n_before``/``n_after`` are the months with data. Needs at least 3 months per window.
    ``source`` names the data in reasons.
    """
    w = make_windows(milestone, window)
    lags = max(0, min(max_lags, 2 * w.window - 3))
    method = (
        f"change of the monthly mean between the windows of {w.months()}; OLS with Newey–West "
        f"standard errors ({lags} lags)"
    )
    first, values = as_monthly(series)
    sums = window_sums(first, values, w, source)
    if isinstance(sums, str):
        return no_number(measure, f"No change in {what} for {region}: {sums}.", method)
    _s0, _s1, before, after = sums
    k = w.window
    if k < 3:
        return no_number(
            measure,
            f"No change in {what} for {region}: windows under 3 months are too short for an interval.",
            method,
            k,
            k,
        )
    y = np.concatenate([before, after])
    x = np.column_stack([np.ones(2 * k), np.r_[np.zeros(k), np.ones(k)]])
    change = float(after.mean() - before.mean())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import statsmodels.api as sm  # on first use: a heavy import the other pages never need

        res = sm.OLS(y, x).fit(cov_type="HAC", cov_kwds={"maxlags": lags})
        lo, hi = (float(v) for v in np.asarray(res.conf_int(alpha=0.05))[1])
        p = float(np.asarray(res.pvalues)[1])
    if not np.isfinite(lo):
        lo, hi, p = NAN, NAN, NAN
    moved = level_words(change, scale, unit)

    def pts(v: float) -> str:
        return f"{v * scale:+.1f}"

    if math.isnan(lo):
        tail = "; no interval: the series does not vary within the windows"
    else:
        tail = f"; {interval_text(lo, hi, pts)} {unit}" + (
            "; the interval includes 0, so this cannot be told apart from no change" if lo <= 0 <= hi else ""
        )
    finding = (
        f"{cap(what)} in {region} {moved} {after_phrase(w, label)} "
        f"(mean of the {w.months()} from then against the {w.months()} before{tail}); {CAVEAT}."
    )
    return Result(measure, change, lo, hi, p, float(k), float(k), method, finding)


PRETREND_METHOD = (
    "pre-trend check: difference in differences between the two windows of {k} before the milestone "
    "(region against the comparison), subsampling variance, t with {nu} df"
)


def pretrend(
    series: pd.Series,
    comparison: pd.Series,
    milestone: str | pd.Period,
    window: int = 12,
    *,
    quantity: str = "incidents",
    region: str = "",
    comparison_names: Sequence[str] = (),
    covered: pd.Series | None = None,
    comparison_covered: pd.Series | None = None,
) -> Result:
    """Pre-trend check (measure ``<quantity>_pretrend_p``): did the region and the comparison already
    move apart before the milestone?

    The DiD between the two windows before the milestone (m − 2K … m − K − 1 against m − K … m − 1),
    its subsampling variance as in ``did_ratio``. ``estimate`` and ``p_value`` = the two-sided p;
    ``details`` hold the pre-period DiD ratio. The finding warns when p < 0.10.
    """
    w = make_windows(milestone, window)
    noun, _source = QUANTITIES.get(quantity, (quantity, quantity))
    measure = f"{quantity}_pretrend_p"
    earlier = make_windows(w.milestone - w.window, w.window)
    res = did_ratio(
        series,
        comparison,
        earlier.milestone,
        window,
        quantity=quantity,
        region=region,
        comparison_names=comparison_names,
        covered=covered,
        comparison_covered=comparison_covered,
    )
    method = PRETREND_METHOD.format(k=w.months(), nu=res.details.get("df", "ν"))
    if not res.ok:
        reason = (res.reason or "").replace("difference in differences", "pre-trend check", 1)
        return no_number(measure, reason, method, res.n_before, res.n_after)
    differ = res.p_value < 0.10
    finding = (
        f"Before the milestone, {noun} in {region} changed by a ratio of {fmt_ratio(res.estimate)} relative "
        f"to the comparison between {earlier.before[0]}–{earlier.before[1]} and {earlier.after[0]}–"
        f"{earlier.after[1]} (pre-trend p = {res.p_value:.2f}): "
        + (
            "warning: the region and the comparison were already moving apart, so the difference in "
            "differences may reflect that, not the milestone."
            if differ
            else "no sign that they were already moving apart."
        )
    )
    return Result(
        measure,
        res.p_value,
        NAN,
        NAN,
        res.p_value,
        res.n_before,
        res.n_after,
        method,
        finding,
        details={**res.details, "pretrend_ratio": res.estimate, "differ": differ},
    )
