"""The figures of the Evaluation page: an ``Evaluation`` drawn by the ``charts_evaluation`` builders.

Like ``reports.figures``, each function returns a ``Chart`` (figure, the table behind it, a file
name) and takes its data source ``src`` last (the app's cached data ``dashboard.data``, or a
``reports.compute.Frames``), which supplies ``caption`` and the figure cache ``figure``. Captions
cover the months each chart shows, not the sidebar's months: the evaluation always reads the whole
incident span.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pandas as pd

from metrics.evaluation import Evaluation
from reports import charts_evaluation as ce
from reports.charts import Caption
from reports.figures import Chart
from reports.selection import Selection

NOUNS = {"incidents": "incidents", "fatalities": "fatalities"}


def _key(sel: Selection, ev: Evaluation) -> tuple[object, ...]:
    return (
        sel.region,
        ev.milestone,
        ev.label,
        ev.window,
        tuple(ev.comparison_regions),
        sel.event_types,
        sel.min_fatalities,
    )


def _caption(sel: Selection, src: Any, *tables: str, start: str, end: str, note: str = "") -> Caption:
    notes = [note] if note else []
    if sel.event_types:
        notes.append("event types: " + ", ".join(sel.event_types))
    if sel.min_fatalities:
        notes.append(f"incidents with at least {sel.min_fatalities} deaths")
    return replace(src.caption(sel, *tables, note="; ".join(notes)), start=start, end=end)


def _slug(ev: Evaluation) -> str:
    return f"{ev.region}-{ev.milestone}-{ev.window}m"


def timeline(sel: Selection, ev: Evaluation, src: Any) -> Chart:
    """The three families of the region over the whole data span, the milestone and windows marked."""
    fig = src.figure(
        "evaluation_timeline",
        _key(sel, ev),
        lambda: ce.evaluation_timeline(
            ev.timeline,
            milestone=ev.milestone,
            window=ev.window,
            label=ev.label,
            title=f"{ev.region}: conflict, collaboration and perception around {ev.milestone}",
            caption=_caption(
                sel, src, start=ev.span[0], end=ev.span[1], note="shaded: before and after windows"
            ),
        ),
    )
    return Chart(fig, ev.timeline, f"evaluation-timeline-{_slug(ev)}")


def around(sel: Selection, ev: Evaluation, quantity: str, src: Any) -> Chart:
    """Monthly ``quantity`` of the region and its pooled comparison from a window before the before
    window to a window after the after window (within the data)."""
    w = ev.windows
    first, last = str(w.before[0] - ev.window), str(w.after[1] + ev.window)
    m = ev.monthly
    table = m.loc[
        (m["indicator"] == quantity)
        & m["role"].isin(["region", "comparison"])
        & (m["period"] >= first)
        & (m["period"] <= last)
    ].reset_index(drop=True)
    shown = table["period"] if len(table) else pd.Series([first, last])
    noun = NOUNS.get(quantity, quantity)
    used = ev.comparison_regions
    has_comparison = bool(used) and bool((table["role"] == "comparison").any())
    if has_comparison:
        heading = f"{ev.region} and its comparison ({', '.join(used)}): monthly {noun} around {ev.milestone}"
        note = ""
    else:  # say so, rather than promise a comparison the chart does not draw
        heading = f"{ev.region}, no comparison could be used: monthly {noun} around {ev.milestone}"
        note = "no comparison region could be used (the reasons: Comparison regions)"
    fig = src.figure(
        "evaluation_around",
        (*_key(sel, ev), quantity),
        lambda: ce.event_window(
            table,
            milestone=ev.milestone,
            window=ev.window,
            noun=noun,
            label=ev.label,
            title=heading,
            caption=_caption(sel, src, "incidents", start=str(shown.min()), end=str(shown.max()), note=note),
        ),
    )
    return Chart(fig, table, f"evaluation-{quantity}-{_slug(ev)}")


def placebo(sel: Selection, ev: Evaluation, quantity: str, src: Any) -> Chart:
    """The placebo rate ratios of ``quantity`` with the observed one marked."""
    table = ev.placebo.loc[ev.placebo["quantity"] == quantity].reset_index(drop=True)
    observed = ev.result(f"{quantity}_rate_ratio")
    noun = NOUNS.get(quantity, quantity)
    fig = src.figure(
        "evaluation_placebo",
        (*_key(sel, ev), quantity),
        lambda: ce.placebo_histogram(
            table,
            observed=observed.estimate if observed.ok else float("nan"),
            noun=noun,
            title=f"{ev.region}, {noun} against chance",
            caption=_caption(
                sel,
                src,
                "incidents",
                start=ev.span[0],
                end=ev.span[1],
                note=f"placebo months: windows of {ev.window} months in the data, clear of the milestone's",
            ),
        ),
    )
    return Chart(fig, table, f"evaluation-placebo-{quantity}-{_slug(ev)}")


def lead_lag(sel: Selection, ev: Evaluation, src: Any) -> Chart:
    """Pre-whitened correlations of quarterly collaboration with outcomes 0–8 quarters later.

    The lead–lag reads the whole data span, not the milestone: the figure is kept across milestones,
    windows and comparison regions of the same region, filters and months."""
    fig = src.figure(
        "evaluation_lead_lag",
        (sel.region, sel.start, sel.end, sel.event_types, sel.min_fatalities, ev.span),
        lambda: ce.lead_lag_bars(
            ev.lead_lag,
            title=f"{ev.region}: collaboration and what followed, by lag",
            caption=_caption(
                sel,
                src,
                start=ev.span[0],
                end=ev.span[1],
                note="quarterly series, pre-whitened; outlined: the strongest lag; whiskers: 95% intervals",
            ),
        ),
    )
    return Chart(fig, ev.lead_lag, f"evaluation-lead-lag-{_slug(ev)}")
