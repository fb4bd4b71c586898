"""Event-study statistics around a milestone: rate ratio, difference in differences and placebo.

(Changes of survey and collaboration levels between the same windows: ``metrics.evaluation_changes``.)

A milestone is a month m. With a window of K months, *before* is the K months m − K … m − 1 and
*after* is m … m + K − 1 (the milestone month opens the after window). Series are monthly
``pandas.Series`` indexed by ``YYYY-MM`` strings (or monthly periods); a month that is absent or NaN
has no data and is never read as zero.

Every function returns a ``Result``: the estimate, its 95 % interval, a p-value, the counts it rests
on (``n_before``, ``n_after``), the method, and a one-sentence finding generated from those numbers.
When the data cannot support a number (a window runs off the data, a window without events, no
comparison), ``estimate`` is NaN and ``reason`` (also the finding) says why.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from metrics.periods import Month, month_ordinals
from metrics.signals_eval import interval as sig_interval
from metrics.signals_eval import placebo_p as sig_placebo_p
from metrics.signals_eval import subsampling_variance

NAN = math.nan
CAVEAT = "association, not proof of cause"

#: quantity → (noun for findings, the data it comes from)
QUANTITIES: dict[str, tuple[str, str]] = {
    "incidents": ("incidents", "incident"),
    "fatalities": ("fatalities", "incident"),
    "engagements": ("engagements", "collaboration"),
}


@dataclass(frozen=True)
class Result:
    """One measure of an evaluation.

    ``estimate``/``ci_low``/``ci_high`` are NaN when there is no number; then ``reason`` says why and
    ``finding`` repeats it. ``details`` holds the extra numbers a page or slide may show (for example
    the placebo ``count`` and ``denominator``, the dispersion ``phi``, the comparison ``regions``).
    """

    measure: str
    estimate: float = NAN
    ci_low: float = NAN
    ci_high: float = NAN
    p_value: float = NAN
    n_before: float = NAN
    n_after: float = NAN
    method: str = ""
    finding: str = ""
    reason: str | None = None
    details: Mapping[str, object] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when the result carries a number."""
        return self.reason is None and not math.isnan(self.estimate)


# --- windows --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Windows:
    """The before and after windows of ``window`` months around ``milestone``."""

    milestone: pd.Period
    window: int

    @property
    def before(self) -> tuple[pd.Period, pd.Period]:
        return self.milestone - self.window, self.milestone - 1

    @property
    def after(self) -> tuple[pd.Period, pd.Period]:
        return self.milestone, self.milestone + self.window - 1

    def months(self) -> str:
        """'12 months' or 'month' for findings."""
        return "month" if self.window == 1 else f"{self.window} months"

    def contains(self, period: pd.Period) -> bool:
        """True when ``period`` lies in either window."""
        return self.before[0] <= period <= self.after[1]


def make_windows(milestone: str | pd.Period, window: int) -> Windows:
    """Validate and build the windows; ``ValueError`` for a bad month or a window below 1."""
    from metrics.frames import parse_period

    if isinstance(window, bool) or not isinstance(window, int | np.integer) or window < 1:
        raise ValueError(f"window must be a whole number of months, at least 1 (got {window!r})")
    m = milestone if isinstance(milestone, pd.Period) else parse_period(milestone)
    assert m is not None
    return Windows(m, int(window))


#: ``Month.ordinal`` of January 1970, month 0 of a ``pd.Period`` ordinal.
EPOCH = Month("1970-01").ordinal


def as_monthly(series: pd.Series) -> tuple[pd.Period | None, np.ndarray]:
    """A monthly series as (first month, contiguous float values with NaN for months without data).

    The index holds ``YYYY-MM`` strings or monthly periods; a month given twice is an error.
    """
    values = series.to_numpy()
    if values.dtype.kind == "f":
        raw = values.astype(float, copy=False)
    else:
        raw = np.asarray(pd.to_numeric(pd.Series(values), errors="coerce"), dtype=float)
    keep = ~np.isnan(raw)
    if not keep.any():
        return None, np.array([], dtype=float)
    index = series.index[keep]
    if isinstance(index, pd.PeriodIndex):
        ords = np.asarray(index.asfreq("M").asi8, dtype=np.int64)
    else:
        try:
            ords = month_ordinals(index) - EPOCH
        except ValueError:
            raise ValueError("a monthly series needs YYYY-MM months as its index") from None
    if len(np.unique(ords)) != len(ords):
        raise ValueError("a monthly series has a month more than once")
    lo = int(ords.min())
    out = np.full(int(ords.max()) - lo + 1, np.nan)
    out[ords - lo] = raw[keep]
    return pd.Period(ordinal=lo, freq="M"), out


def window_sums(
    first: pd.Period | None, values: np.ndarray, w: Windows, what: str
) -> tuple[float, float, np.ndarray, np.ndarray] | str:
    """(S0, S1, before values, after values), or the reason the windows cannot be used.

    ``what`` names the data in reasons ("incident" → "the incident data").
    """
    if first is None or len(values) == 0 or np.isnan(values).all():
        return f"the {what} data hold nothing for this region"
    last = first + (len(values) - 1)
    b0, b1 = w.before
    a0, a1 = w.after
    if b0 < first:
        return (
            f"the before window ({b0} to {b1}) starts before the {what} data (from {first}), "
            "so the windows cannot be compared"
        )
    if a1 > last:
        return (
            f"the after window ({a0} to {a1}) ends after the {what} data (to {last}), "
            "so the windows cannot be compared"
        )
    i = (b0 - first).n
    before = values[i : i + w.window]
    after = values[i + w.window : i + 2 * w.window]
    missing = int(np.isnan(before).sum() + np.isnan(after).sum())
    if missing:
        return f"{missing} month(s) of the windows have no {what} data"
    return float(before.sum()), float(after.sum()), before, after


# --- formatting -----------------------------------------------------------------------------------


def fmt_num(x: float) -> str:
    """Counts with thousands separators; other numbers with up to 2 decimals."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    if float(x).is_integer():
        return f"{int(x):,}"
    return f"{x:,.2f}" if abs(x) < 100 else f"{x:,.0f}"


def fmt_ratio(x: float) -> str:
    return "–" if math.isnan(x) else (f"{x:.2f}" if x >= 0.01 else f"{x:.3g}")


def interval_text(lo: float, hi: float, f: Callable[[float], str] = fmt_ratio) -> str:
    """'95% interval a to b' with ``f`` formatting each bound."""
    return f"95% interval {f(lo)} to {f(hi)}"


def after_phrase(w: Windows, label: str | None) -> str:
    return f"after {label} ({w.milestone})" if label else f"after {w.milestone}"


def cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def level_words(change: float, scale: float, unit: str) -> str:
    """'rose by 3.3 percentage points', 'fell by …', or 'did not change measurably' (below 0.05)."""
    shown = abs(change) * scale
    if shown < 0.05:
        return "did not change measurably"
    return f"{'rose' if change > 0 else 'fell'} by {shown:.1f} {unit}"


def _change_words(ratio: float) -> str:
    pct = round(abs(ratio - 1) * 100)
    if pct == 0:
        return "did not change measurably"
    return f"{'fell' if ratio < 1 else 'rose'} {pct:d}%"


# --- quasi-Poisson event study --------------------------------------------------------------------

RATE_METHOD = (
    "rate ratio = sum after ÷ sum before (equal windows of {k}); 95% interval and p from the subsampling "
    "variance of the log ratio over the region's other months (Politis–Romano; over-dispersion, "
    "seasonality and serial dependence read off the series), t with {nu} df"
)
DID_METHOD = (
    "difference in differences: rate ratio of the region ÷ that of the comparison ({names}, pooled as a "
    "union of countries); subsampling variance of the difference of log ratios (each group its own "
    "dispersion and dependence), t with {nu} df; n_before/n_after = comparison's counts"
)
PLACEBO_METHOD = (
    "placebo: permutation p = (1 + b)/(1 + M) over the M non-overlapping windows of {k} at other times "
    "(milestone ± 2K, ± 4K, …), b = those with a change at least as large in log((after + 0.5)/(before "
    "+ 0.5))"
)


def _align_pair(
    series: pd.Series, other: pd.Series | None
) -> tuple[pd.Period | None, np.ndarray, np.ndarray | None]:
    """Both monthly series on one contiguous month axis (NaN where one has no data)."""
    first, values = as_monthly(series)
    if other is None:
        return first, values, None
    c_first, c_values = as_monthly(other)
    if first is None or c_first is None:
        return first, values, None if c_first is None else c_values
    lo = min(first, c_first)
    hi = max(first + (len(values) - 1), c_first + (len(c_values) - 1))
    n = (hi - lo).n + 1
    a = np.full(n, np.nan)
    c = np.full(n, np.nan)
    a[(first - lo).n : (first - lo).n + len(values)] = values
    c[(c_first - lo).n : (c_first - lo).n + len(c_values)] = c_values
    return lo, a, c


def coverage_change(covered: pd.Series | None, w: Windows) -> str | None:
    """The reason the windows are not computable when the covered-member count changes inside them
    ("not computable: coverage changes inside the window (2019-01, 2020-07)"), else None."""
    if covered is None or len(covered) == 0:
        return None
    first, values = as_monthly(covered)
    if first is None:
        return None
    months = pd.period_range(first, periods=len(values), freq="M")
    inside = (months >= w.before[0]) & (months <= w.after[1])
    v = values[inside]
    m = months[inside]
    changed = [
        str(m[i])
        for i in range(1, len(v))
        if v[i] != v[i - 1] and not (np.isnan(v[i]) and np.isnan(v[i - 1]))
    ]
    if not changed:
        return None
    return f"not computable: coverage changes inside the window ({', '.join(changed[:6])})"


def _covered_array(covered: pd.Series | None, first: pd.Period | None, n: int) -> np.ndarray | None:
    if covered is None or len(covered) == 0 or first is None:
        return None
    c_first, c_values = as_monthly(covered)
    out = np.full(n, np.nan)
    if c_first is None:
        return out
    j = (c_first - first).n + np.arange(len(c_values))  # position of each covered month in the series
    inside = (j >= 0) & (j < n)
    out[j[inside]] = c_values[inside]
    return out


def _subsample(
    values: np.ndarray,
    first: pd.Period,
    w: Windows,
    comparison: np.ndarray | None = None,
    covered: pd.Series | None = None,
    comparison_covered: pd.Series | None = None,
) -> tuple[float, int, int]:
    """(V, positions used, ν) of ``metrics.signals_eval.subsampling_variance`` for one series."""
    m = (w.milestone - first).n
    n = len(values)
    var, used, nu = subsampling_variance(
        values,
        m,
        w.window,
        comparison=comparison,
        covered=_covered_array(covered, first, n),
        comparison_covered=_covered_array(comparison_covered, first, n),
    )
    return float(var[0]), int(used[0]), int(nu[0])


def _no_history(noun: str, w: Windows) -> str:
    return (
        f"the data hold no other stretch of {2 * w.window} complete months outside the windows, so how "
        f"much {noun} vary by chance cannot be measured"
    )


def rate_ratio(
    series: pd.Series,
    milestone: str | pd.Period,
    window: int = 12,
    *,
    quantity: str = "incidents",
    region: str = "",
    label: str | None = None,
    covered: pd.Series | None = None,
) -> Result:
    """Event-study rate ratio of a monthly count series around ``milestone``.

    rate_ratio = S1 / S0 with S0 = Σ y over the before window and S1 = Σ y over the after window
    (a ratio of counts in equal windows; unitless). The 95 % interval and p-value:
    log((S1 + ½)/(S0 + ½)) ± t_{0.975, ν}·√V with the subsampling variance V of the same statistic
    at the series' other months (``metrics.signals_eval``). ``covered`` (covered member countries
    per month): a change inside the windows makes the ratio not computable.
    """
    w = make_windows(milestone, window)
    noun, source = QUANTITIES.get(quantity, (quantity, quantity))
    measure = f"{quantity}_rate_ratio"
    method = RATE_METHOD.format(k=w.months(), nu="ν")
    first, values = as_monthly(series)
    sums = window_sums(first, values, w, source)
    if isinstance(sums, str):
        return no_number(measure, f"No {noun} rate ratio for {region}: {sums}.", method)
    s0, s1, _before, _after = sums
    changed = coverage_change(covered, w)
    if changed:
        return no_number(measure, f"No {noun} rate ratio for {region}: {changed}.", method, s0, s1)
    if s0 == 0 or s1 == 0:
        which = "either window" if s0 == s1 == 0 else ("the before window" if s0 == 0 else "the after window")
        return no_number(
            measure,
            f"No {noun} rate ratio for {region}: no {noun} in {which} ({fmt_num(s0)} before, "
            f"{fmt_num(s1)} after), so a ratio with an interval cannot be formed.",
            method,
            s0,
            s1,
        )
    assert first is not None
    var, used, nu = _subsample(values, first, w, covered=covered)
    method = RATE_METHOD.format(k=w.months(), nu=nu)
    if used == 0 or not math.isfinite(var):
        return no_number(
            measure, f"No {noun} rate ratio for {region}: {_no_history(noun, w)}.", method, s0, s1
        )
    lo_a, hi_a, p_a = sig_interval(
        np.array([math.log((s1 + 0.5) / (s0 + 0.5))]), np.array([var]), np.array([nu])
    )
    ratio = s1 / s0
    ci_low, ci_high, p = float(lo_a[0]), float(hi_a[0]), float(p_a[0])
    unclear = ci_low <= 1 <= ci_high
    finding = (
        f"{noun.capitalize()} in {region} {_change_words(ratio)} {after_phrase(w, label)}: "
        f"{fmt_num(s1)} in the {w.months()} from then against {fmt_num(s0)} in the {w.months()} before "
        f"(rate ratio {fmt_ratio(ratio)}, {interval_text(ci_low, ci_high)}"
        + ("; the interval includes 1, so this cannot be told apart from no change" if unclear else "")
        + f"); {CAVEAT}."
    )
    return Result(
        measure,
        ratio,
        ci_low,
        ci_high,
        p,
        s0,
        s1,
        method,
        finding,
        details={"variance": var, "positions": used, "df": nu, "log_se": math.sqrt(var)},
    )


def did_ratio(
    series: pd.Series,
    comparison: pd.Series,
    milestone: str | pd.Period,
    window: int = 12,
    *,
    quantity: str = "incidents",
    region: str = "",
    comparison_names: Sequence[str] = (),
    label: str | None = None,
    covered: pd.Series | None = None,
    comparison_covered: pd.Series | None = None,
) -> Result:
    """Difference in differences of rate ratios: the region against the comparison.

    did_ratio = (A1/A0) ÷ (C1/C0), with A the region's and C the comparison's window sums (unitless;
    below 1: the region's count fell more, or rose less, than the comparison's). ``comparison`` is
    one series: the comparison regions pooled as a union of countries (each country once). Interval
    and p: D = log((A1 + ½)/(A0 + ½)) − log((C1 + ½)/(C0 + ½)) ± t_{0.975, ν}·√V, V the subsampling
    variance of D at the other months (each group keeps its own dispersion and dependence).
    """
    w = make_windows(milestone, window)
    noun, source = QUANTITIES.get(quantity, (quantity, quantity))
    measure = f"{quantity}_did_ratio"
    names = list(comparison_names)
    named = ", ".join(names) if names else "none"
    method = DID_METHOD.format(names=named, nu="ν")
    first, values, c_values = _align_pair(series, comparison if len(comparison) else None)
    own = window_sums(first, values, w, source)
    if isinstance(own, str):
        return no_number(measure, f"No {noun} difference in differences for {region}: {own}.", method)
    a0, a1, _ab, _aa = own
    if not names or c_values is None:
        return no_number(
            measure,
            f"No {noun} difference in differences for {region}: no comparison region with {noun} data "
            "and no milestone of its own in the windows.",
            method,
        )
    comp = window_sums(first, c_values, w, source)
    if isinstance(comp, str):
        return no_number(
            measure, f"No {noun} difference in differences for {region}: comparison: {comp}.", method
        )
    c0, c1, _cb, _ca = comp
    changed = coverage_change(covered, w) or coverage_change(comparison_covered, w)
    if changed:
        return no_number(
            measure, f"No {noun} difference in differences for {region}: {changed}.", method, c0, c1
        )
    if min(a0, a1, c0, c1) == 0:
        return no_number(
            measure,
            f"No {noun} difference in differences for {region}: a window without {noun} "
            f"(region {fmt_num(a0)} before, {fmt_num(a1)} after; comparison {fmt_num(c0)} before, "
            f"{fmt_num(c1)} after).",
            method,
            c0,
            c1,
        )
    assert first is not None
    var, used, nu = _subsample(values, first, w, c_values, covered, comparison_covered)
    method = DID_METHOD.format(names=named, nu=nu)
    if used == 0 or not math.isfinite(var):
        return no_number(
            measure,
            f"No {noun} difference in differences for {region}: {_no_history(noun, w)}.",
            method,
            c0,
            c1,
        )
    centre = math.log((a1 + 0.5) / (a0 + 0.5)) - math.log((c1 + 0.5) / (c0 + 0.5))
    lo_a, hi_a, p_a = sig_interval(np.array([centre]), np.array([var]), np.array([nu]))
    ratio = (a1 / a0) / (c1 / c0)
    ci_low, ci_high, p = float(lo_a[0]), float(hi_a[0]), float(p_a[0])
    unclear = ci_low <= 1 <= ci_high
    level = "lower" if ratio < 1 else "higher"
    gap = abs(ratio - 1) * 100
    finding = (
        f"Relative to the comparison ({named}; its rate ratio {fmt_ratio(c1 / c0)}), {noun} in {region} "
        f"{after_phrase(w, label)} were {round(gap):d}% {level} than if they had changed as there "
        f"(DiD ratio {fmt_ratio(ratio)}, {interval_text(ci_low, ci_high)}"
        + ("; the interval includes 1, so no difference from the comparison is shown" if unclear else "")
        + f"); {CAVEAT}."
    )
    return Result(
        measure,
        ratio,
        ci_low,
        ci_high,
        p,
        c0,
        c1,
        method,
        finding,
        details={
            "variance": var,
            "positions": used,
            "df": nu,
            "log_se": math.sqrt(var),
            "regions": names,
            "region_before": a0,
            "region_after": a1,
            "comparison_ratio": c1 / c0,
        },
    )


def placebo(
    series: pd.Series,
    milestone: str | pd.Period,
    window: int = 12,
    *,
    quantity: str = "incidents",
    region: str = "",
    covered: pd.Series | None = None,
) -> tuple[Result, pd.DataFrame]:
    """Placebo test: how often a change at least this large happened at other times.

    Placebo positions p = m ± 2K·j (j ≥ 1; non-overlapping windows, none overlapping the milestone's)
    whose windows lie in the data, hold no missing month and no change of coverage. Statistic
    L = log((S1 + ½)/(S0 + ½)) (bounded, so a window without events is not infinitely extreme).
    placebo_p = (1 + b)/(1 + M), b = #{|L_p| ≥ |L_m|}, a valid permutation p-value (its smallest
    value is 1/(1 + M)). ``n_before``/``n_after`` are the observed window sums; ``details`` hold
    ``count`` (b) and ``denominator`` (M).

    Returns the result and a frame ``period, rate_ratio, log_ratio, at_least_as_far`` (one row per
    placebo window, for the histogram; ``rate_ratio`` the bounded ratio).
    """
    w = make_windows(milestone, window)
    noun, source = QUANTITIES.get(quantity, (quantity, quantity))
    measure = f"{quantity}_placebo_p"
    method = PLACEBO_METHOD.format(k=w.months())
    empty = pd.DataFrame(
        {
            "period": pd.Series(dtype=object),
            "rate_ratio": pd.Series(dtype=float),
            "log_ratio": pd.Series(dtype=float),
            "at_least_as_far": pd.Series(dtype=bool),
        }
    )
    first, values = as_monthly(series)
    sums = window_sums(first, values, w, source)
    if isinstance(sums, str):
        return no_number(measure, f"No {noun} placebo test for {region}: {sums}.", method), empty
    s0, s1, _b, _a = sums
    changed = coverage_change(covered, w)
    if changed:
        return no_number(measure, f"No {noun} placebo test for {region}: {changed}.", method, s0, s1), empty
    assert first is not None
    m = (w.milestone - first).n
    n = len(values)
    p_arr, b_arr, total_arr, pos, lr = sig_placebo_p(values, m, w.window, _covered_array(covered, first, n))
    observed = math.log((s1 + 0.5) / (s0 + 0.5))
    lr = lr[0]
    keep = np.isfinite(lr)
    pos, lr = pos[keep], lr[keep]
    far = np.abs(lr) >= abs(observed) - 1e-9
    periods = pd.period_range(first, periods=n, freq="M").astype(str)[pos]
    frame = pd.DataFrame(
        {
            "period": pd.Series(np.asarray(periods, dtype=object), dtype=object),
            "rate_ratio": np.exp(lr),
            "log_ratio": lr,
            "at_least_as_far": far,
        }
    )
    total = int(total_arr[0])
    if total == 0:
        return (
            no_number(
                measure,
                f"No {noun} placebo test for {region}: no other stretch of two full windows of "
                f"{w.months()} in the data outside the milestone's windows.",
                method,
                s0,
                s1,
            ),
            frame,
        )
    count = int(b_arr[0])
    share = float(p_arr[0])
    floor = f"; with {total} placebo windows the smallest possible p is {1 / (total + 1):.2f}"
    finding = (
        f"A change in {noun} at least this large (ratio {fmt_ratio(math.exp(observed))}, either way) "
        "happened "
        f"in {count} of {total} other non-overlapping stretches of {region}'s data "
        f"(placebo p = (1 + {count})/(1 + {total}) = {share:.2f}){floor}."
    )
    return (
        Result(
            measure,
            share,
            NAN,
            NAN,
            share,
            s0,
            s1,
            method,
            finding,
            details={"count": count, "denominator": total, "observed_log_ratio": observed},
        ),
        frame,
    )


def no_number(measure: str, reason: str, method: str, n_before: float = NAN, n_after: float = NAN) -> Result:
    return Result(measure, n_before=n_before, n_after=n_after, method=method, finding=reason, reason=reason)
