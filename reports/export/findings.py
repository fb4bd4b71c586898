"""Key findings of a briefing: sentences generated from the numbers the dashboard shows.

Every sentence states the numbers it rests on and says so when they are missing; nothing is
invented. Rounding: percentages of change to whole per cent, shares to one decimal of a per cent,
points of change to one decimal (density to whole points), slopes to two decimals, p-values to
three decimals ("p < 0.001" below that), counts in full with thousands separators.

Windows (as on the Overview page): "the 12 months to E" are E − 11 … E; "the 12 months before" are
E − 23 … E − 12, where E is the selection's end month. A window counts only when the data cover
all its months.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from metrics import breakdowns as bd
from metrics.intervals import NO_INTERVAL
from metrics.periods import end_month
from reports.compute import Frames, family_latest, value_at
from reports.figures import interval_level
from reports.selection import Selection
from reports.summary import FAMILY_LABELS

ALPHA = 0.05
ALARM_RULE = "more incidents than the previous 36 months make plausible, and at least 5"


def p_text(p: float) -> str:
    """``p < 0.001`` or ``p = 0.012``."""
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def _finite(*values: float | None) -> bool:
    return all(v is not None and math.isfinite(v) for v in values)


def _history(sel: Selection, frames: Frames) -> Selection:
    """``sel`` reaching back to the first month of the data (for comparisons a year back)."""
    return replace(sel, start=frames.choices().first_month)


def _window_mean(frame, indicator: str, first: str, last: str) -> float | None:  # type: ignore[no-untyped-def]
    """Mean of ``indicator`` over the months ``first`` … ``last`` when every one has a value."""
    rows = frame.loc[
        (frame["indicator"] == indicator) & (frame["period"] >= first) & (frame["period"] <= last)
    ]
    values = rows["value"].to_numpy(dtype=float)
    months = bd.month_bounds(first, last)
    expected = (months[1].year - months[0].year) * 12 + months[1].month - months[0].month + 1
    if len(values) != expected or not np.isfinite(values).all():
        return None
    return float(values.mean())


# --- conflict -------------------------------------------------------------------------------------


def conflict_findings(frames: Frames, sel: Selection) -> list[str]:
    """Year-on-year change of incidents (and deaths), the trend test at the end month, and alarms."""
    end = sel.end
    t = frames.totals(sel)
    yearly = frames.yearly(sel)
    if yearly and (t.incidents is None or t.incidents_before is None):
        year = int(end[:4])
        yoy = f"No year-on-year change to {end}: the incident data for these countries are yearly, " + (
            f"and they do not cover both {year - 1} and {year}."
            if end.endswith("-12")
            else "so the change is read between calendar years: choose December as the end month."
        )
    elif t.incidents is None or t.incidents_before is None:
        first = t.incidents is None
        yoy = f"No year-on-year change: the incident data do not cover all 24 months to {end}" + (
            " (the last 12 are incomplete)." if first else " (the 12 months before are incomplete)."
        )
    elif t.incidents_before == 0:
        yoy = (
            f"{t.incidents:,} incidents in the 12 months to {end} and none in the 12 months before, "
            "so no year-on-year percentage."
        )
    else:
        change = 100 * (t.incidents - t.incidents_before) / t.incidents_before
        verb = "were unchanged" if change == 0 else f"{'fell' if change < 0 else 'rose'} {abs(change):.0f} %"
        yoy = (
            f"Incidents {verb} year on year: {t.incidents:,} in the 12 months to {end} against "
            f"{t.incidents_before:,} in the 12 months before; deaths {t.fatalities:,} against "
            f"{t.fatalities_before:,}."
        )
    frame = frames.family(sel, "conflict")
    trend = YEARLY_TREND if yearly else trend_sentence(frame, end)
    flags = frame.loc[frame["indicator"] == "alarm"].dropna(subset=["value"]).sort_values("period")
    raised = flags.loc[flags["value"] == 1, "period"].astype(str).tolist()
    if flags.empty and yearly:
        spikes = "No alarm test: the incident data for these countries are yearly, and an alarm reads months."
    elif flags.empty:
        spikes = f"No alarm test from {sel.start} to {end}: it needs 36 earlier months of incident data."
    elif not raised:
        spikes = f"No month from {sel.start} to {end} raised an alarm ({ALARM_RULE})."
    else:
        n = len(raised)
        spikes = (
            f"{n} month{'s' if n != 1 else ''} from {sel.start} to {end} "
            f"raised an alarm ({ALARM_RULE}), the latest in {raised[-1]}."
        )
    return [yoy, trend, spikes]


#: The trend finding of a region whose incident data are yearly (``signals_words.yearly_signals_words``).
YEARLY_TREND = (
    "No downward-trend test: the incident data for these countries are yearly, and with one count a "
    "year a test that rarely fires by chance finds few real falls (see the methods slide)."
)


def trend_sentence(frame, end: str) -> str:  # type: ignore[no-untyped-def]
    """The downward-trend test at ``end`` in words, from ``trend_change_per_year`` (its interval)
    and ``downward_trend`` of the tidy conflict rows."""
    row = frame.loc[(frame["indicator"] == "trend_change_per_year") & (frame["period"] == end)]
    flag = value_at(frame, "downward_trend", end)
    if row.empty or not _finite(float(row["value"].iloc[0]), flag):
        return f"No trend test for {end}: it needs complete incident data for the 36 months to {end}."
    change, lo, hi = (float(row[c].iloc[0]) for c in ("value", "ci_low", "ci_high"))
    stats = f"{100 * change:+.0f} % a year, 95 % interval {100 * lo:+.0f} % to {100 * hi:+.0f} %"
    if flag == 1:
        return f"Over the 36 months to {end} incidents show a downward trend ({stats})."
    if lo > 0:
        return f"Over the 36 months to {end} incidents rose ({stats})."
    return f"Over the 36 months to {end} there is no clear downward trend ({stats})."


# --- collaboration --------------------------------------------------------------------------------


def collaboration_findings(frames: Frames, sel: Selection) -> list[str]:
    """Network density now and a year earlier, engagements per month, external partners."""
    end, prev = sel.end, sel.previous
    frame = frames.family(_history(sel, frames), "collaboration")
    d_now, d_prev = value_at(frame, "network_density", end), value_at(frame, "network_density", prev)
    what = "share of member pairs tied over the trailing 12 months"
    latest = family_latest(frames.bundle, "collaboration")
    stale = (
        f" (the collaboration data end {latest})" if latest is not None and end_month(latest) < end else ""
    )
    if not _finite(d_now):
        density = f"Network density is not available for {end}{stale}."
    elif not _finite(d_prev):
        density = f"Network density was {100 * d_now:.0f} % in {end} ({what}); no value a year earlier."
    else:
        diff = 100 * (d_now - d_prev)
        move = (
            f"unchanged from {prev}"
            if diff == 0
            else f"{'up' if diff > 0 else 'down'} {abs(diff):.0f} points"
        )
        since = "" if diff == 0 else f" from {100 * d_prev:.0f} % in {prev}"
        density = f"Network density was {100 * d_now:.0f} % in {end} ({what}), {move}{since}."
    m_now = _window_mean(frame, "engagements_total", bd.shift_month(end, -11), end)
    m_prev = _window_mean(frame, "engagements_total", bd.shift_month(end, -23), bd.shift_month(end, -12))
    in_force = "agreements count in every month in force"
    if m_now is None:
        engagements = f"Engagements per month are not available for all of the 12 months to {end}."
    elif not m_prev:
        engagements = (
            f"On average {m_now:.1f} engagements a month in the 12 months to {end} ({in_force}); "
            "no comparable 12 months before."
        )
    else:
        change = 100 * (m_now - m_prev) / m_prev
        engagements = (
            f"On average {m_now:.1f} engagements a month in the 12 months to {end} against {m_prev:.1f} "
            f"in the 12 months before ({change:+.0f} %); {in_force}."
        )
    p_now, p_prev = value_at(frame, "external_partners", end), value_at(frame, "external_partners", prev)
    if not _finite(p_now):
        partners = f"External partners are not available for {end}{stale}."
    else:
        earlier = (
            f", against {p_prev:.0f} a year earlier." if _finite(p_prev) else "; no value a year earlier."
        )
        partners = f"{p_now:.0f} external partners engaged in the 12 months to {end}{earlier}"
    return [density, engagements, partners]


# --- perception -----------------------------------------------------------------------------------


def perception_findings(frames: Frames, sel: Selection, limit: int = 3) -> list[str]:
    """The latest wave of each survey indicator (up to ``limit``) with its interval and change."""
    panels = frames.perception_panels(sel)
    if not panels:
        return [f"No survey data for {sel.region} from {sel.start} to {sel.end}."]
    out = []
    for panel in panels[:limit]:
        share = panel.unit.startswith("share")

        def fmt(v: float, share: bool = share) -> str:
            return f"{100 * v:.1f} %" if share else f"{v:.2f}"

        row = panel.waves.loc[panel.waves["period"] == panel.last_wave].iloc[0]
        value, lo, hi = float(row["value"]), float(row["ci_low"]), float(row["ci_high"])
        # the interval's level is the indicator's own (WGI's standard errors give a 90 % interval)
        interval = (
            f"{interval_level(str(panel.unit))} % interval {fmt(lo)} to {fmt(hi)}"
            if _finite(lo, hi)
            else NO_INTERVAL
        )
        if _finite(panel.respondents):
            interval += f", {panel.respondents:,.0f} respondents"
        if _finite(panel.change):
            c = 100 * panel.change if share else panel.change
            unit = "percentage points" if share else "points"
            verb = "unchanged" if c == 0 else f"{'up' if c > 0 else 'down'} {abs(c):.1f} {unit}"
            at = interval_level(str(panel.unit))  # the change's interval has the indicator's level
            test = {1.0: f"significant at {at} %", 0.0: f"not significant at {at} %"}.get(
                panel.significant, NO_INTERVAL
            )
            change = f"{verb} on the previous wave ({test})"
        else:
            change = "no earlier wave to compare with"
        out.append(f"{panel.label}: {fmt(value)} in the wave of {panel.last_wave} ({interval}); {change}.")
    return out


# --- composite ------------------------------------------------------------------------------------


def composite_findings(frames: Frames, sel: Selection) -> list[str]:
    """The index at the end month and its change, the rank in the grouping, the largest driver."""
    end, prev = sel.end, sel.previous
    frame = frames.composite(sel)
    now, before = value_at(frame, "stability_index", end), value_at(frame, "stability_index", prev)
    if not _finite(now) and len(frames.bundle.loaded_families()) < 2:
        level = f"No stability index for {end}: it needs at least two families with data."
    elif not _finite(now):
        scored = [label for f, label in FAMILY_LABELS.items() if _finite(value_at(frame, f"score_{f}", end))]
        which = f"only {scored[0]} has a score" if scored else "no family has a score"
        level = (
            f"No stability index for {end}: {which} for that month, and the index needs two (the others' "
            "data may end earlier, be yearly, or not cover enough of the region)."
        )
    else:
        since = (
            f", {now - before:+.1f} points since {prev}." if _finite(before) else f"; no index for {prev}."
        )
        level = f"Stability index {now:.1f} in {end} (0-100, 100 = most stable){since}"
    grouping = frames.choices().grouping_of[sel.region]
    ranking = frames.ranking(sel)
    ranked = ranking.loc[ranking["rank"].notna()]
    mine = ranked.loc[ranked["region"] == sel.region, "rank"]
    if mine.empty:
        rank = f"{sel.region} has no index in {end}, so no rank among the regions of {grouping}."
    else:
        rank = f"Rank {int(mine.iloc[0])} of {len(ranked)} regions of {grouping} with an index in {end}."
    drivers = frames.drivers(sel)
    known = drivers.loc[drivers["contribution"].notna()]
    if known.empty:
        driver = f"No family has a score in both {prev} and {end}, so the change has no breakdown."
    else:
        top = known.iloc[0]
        driver = (
            f"Largest contribution to the change since {prev}: the {top['family']} score, "
            f"{float(top['contribution']):+.1f} index points (score {float(top['score']):.1f}, "
            f"was {float(top['previous']):.1f})."
        )
    return [level, rank, driver]


def weights_text(sel: Selection) -> str:
    """``Weights: conflict 33 %, collaboration 33 %, perception 33 %.``"""
    return "Weights: " + ", ".join(f"{f} {100 * w:.0f} %" for f, w in sel.weight_map.items()) + "."
