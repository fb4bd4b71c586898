"""The results of an evaluation as the Evaluation page shows them: plain labels and rounded text.

Pure functions (no Streamlit), so the page, the tests and any export read the same text. Rounding:
estimates, interval bounds and p-values to three decimals (changes and correlations with a sign,
p below 0.001 as "< 0.001"), counts as whole numbers with thousands separators; a missing number is
"—", and a measure without a number carries its reason as its finding.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import pandas as pd

from metrics.catalog import describe
from metrics.evaluation import Evaluation
from metrics.evaluation_stats import CAVEAT, Result

MISSING = "—"
TABLE_COLUMNS: tuple[str, ...] = (
    "measure",
    "what",
    "estimate",
    "95% interval",
    "p",
    "n_before",
    "n_after",
    "method",
    "finding",
)
#: The measures shown as headlines, with their labels.
HEADLINES: dict[str, str] = {
    "incidents_rate_ratio": "Incidents: rate ratio, after ÷ before",
    "incidents_did_ratio": "Incidents: ratio against the comparison (DiD)",
    "incidents_placebo_p": "Incidents: placebo p",
    "fatalities_rate_ratio": "Fatalities: rate ratio, after ÷ before",
    "fatalities_did_ratio": "Fatalities: ratio against the comparison (DiD)",
    "fatalities_placebo_p": "Fatalities: placebo p",
}
LABELS: dict[str, str] = {
    **HEADLINES,
    "engagements_rate_ratio": "Engagements: rate ratio, after ÷ before",
    "network_density_change": "Network density: change of the monthly mean (share)",
    "incidents_pretrend_p": "Incidents: pre-trend check against the comparison (p)",
    "fatalities_pretrend_p": "Fatalities: pre-trend check against the comparison (p)",
    "incidents_sustained_decline": "Incidents: latest downward trend (relative change)",
}
DRIVERS: dict[str, str] = {"engagements_total": "engagements", "network_density": "network density"}


class Headline(NamedTuple):
    """One headline measure: label, the rounded numbers, a line of detail and the sentence they support."""

    measure: str
    label: str
    estimate: str
    interval: str
    p: str
    detail: str
    finding: str
    ok: bool


def _signed(measure: str) -> bool:
    return measure.endswith(("_change", "_sustained_decline")) or measure.startswith("leadlag_")


def _finite(x: float | None) -> bool:
    try:
        return x is not None and math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


def number(x: float, *, signed: bool = False) -> str:
    """``x`` to three decimals (with its sign when ``signed``); "—" when missing."""
    if not _finite(x):
        return MISSING
    return f"{x:+.3f}" if signed else f"{x:.3f}"


def p_text(p: float) -> str:
    """A p-value to three decimals, "< 0.001" below that; "—" when missing."""
    if not _finite(p):
        return MISSING
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def interval(lo: float, hi: float, *, signed: bool = False) -> str:
    """ "lo to hi", each as ``number``; "—" when either bound is missing."""
    if not (_finite(lo) and _finite(hi)):
        return MISSING
    return f"{number(lo, signed=signed)} to {number(hi, signed=signed)}"


def count(n: float) -> str:
    """A count as a whole number with thousands separators; "—" when missing."""
    return MISSING if not _finite(n) else f"{n:,.0f}"


def _indicator_label(name: str) -> str:
    try:
        return describe(name).label
    except (KeyError, ValueError):
        return name.replace("_", " ")


def measure_label(measure: str) -> str:
    """What a measure is, in words."""
    if measure in LABELS:
        return LABELS[measure]
    if measure.startswith("perception_") and measure.endswith("_change"):
        name = measure.removeprefix("perception_").removesuffix("_change")
        return f"Perception: change in '{_indicator_label(name)}' (share)"
    if measure.startswith("leadlag_"):
        rest = measure.removeprefix("leadlag_")
        for key, words in DRIVERS.items():
            if rest.startswith(key + "_"):
                outcome = rest.removeprefix(key + "_")
                return f"Lead–lag: {words} → {_indicator_label(outcome).lower()} (strongest correlation)"
    return measure.replace("_", " ")


def estimate_text(result: Result) -> str:
    """The estimate as shown: rounded, "—" when the data could not support a number."""
    return number(result.estimate, signed=_signed(result.measure)) if result.ok else MISSING


def findings_table(evaluation: Evaluation) -> pd.DataFrame:
    """Every measure of ``evaluation``, one row each, as text: ``TABLE_COLUMNS``."""
    rows = []
    for r in evaluation.results:
        signed = _signed(r.measure)
        rows.append(
            {
                "measure": r.measure,
                "what": measure_label(r.measure),
                "estimate": estimate_text(r),
                "95% interval": interval(r.ci_low, r.ci_high, signed=signed) if r.ok else MISSING,
                "p": p_text(r.p_value) if r.ok else MISSING,
                "n_before": count(r.n_before),
                "n_after": count(r.n_after),
                "method": r.method,
                "finding": r.finding,
            }
        )
    return pd.DataFrame(rows, columns=list(TABLE_COLUMNS))


def headlines(evaluation: Evaluation) -> list[Headline]:
    """The six headline measures (rate ratio, DiD ratio and placebo p of incidents and fatalities).

    ``detail``: "95% interval … · p … · <counts>" for the ratios (the DiD's counts are the
    comparison's), "k of n other periods changed at least as much" for the placebo p.
    """
    out = []
    for measure, label in HEADLINES.items():
        r = evaluation.result(measure)
        lo_hi, p = (interval(r.ci_low, r.ci_high), p_text(r.p_value)) if r.ok else (MISSING, MISSING)
        if not r.ok:
            detail = ""
        elif measure.endswith("_placebo_p"):
            k, n = r.details.get("count"), r.details.get("denominator")
            detail = f"{k} of {n} other periods changed at least as much"
        else:
            who = "comparison: " if measure.endswith("_did_ratio") else ""
            detail = (
                f"95% interval {lo_hi} · p {p} · {who}{count(r.n_before)} before, {count(r.n_after)} after"
            )
        out.append(Headline(measure, label, estimate_text(r), lo_hi, p, detail, r.finding, r.ok))
    return out


def caveated(evaluation: Evaluation) -> bool:
    """True when any finding says it is an association, not proof of cause."""
    return any(CAVEAT in r.finding for r in evaluation.results)


def comparison_note(evaluation: Evaluation) -> str:
    """One sentence naming the comparison regions used (or saying there are none)."""
    used = evaluation.comparison_regions
    if not used:
        return f"No comparison region could be used for {evaluation.region}: see the reasons below."
    names = used[0] if len(used) == 1 else f"{', '.join(used[:-1])} and {used[-1]}"
    return f"{evaluation.region} is compared with {names} (their incidents pooled)."


def comparison_table(evaluation: Evaluation) -> pd.DataFrame:
    """``region, used, reason`` of every candidate comparison region, "yes"/"no" for ``used``."""
    frame = evaluation.comparison.loc[:, ["region", "used", "reason"]].copy()
    frame["used"] = frame["used"].map({True: "yes", False: "no"})
    frame["reason"] = frame["reason"].fillna("").astype(str)
    return frame.reset_index(drop=True)
