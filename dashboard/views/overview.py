"""Overview: how stable is each region of the grouping, with the selected region in headline numbers."""

from __future__ import annotations

import math

import streamlit as st

from dashboard import data, ui
from dashboard.sidebar import selection
from metrics.signals_words import across_regions_words
from reports import figures, summary, vocabulary
from reports.compute import region_latest
from reports.summary import answer, scores

# 1. Selection
sel = selection()
grouping = data.choices().grouping_of[sel.region]

# 2. Data
ranking = data.ranking(sel)
totals = data.totals(sel)
headline = scores(ranking, sel.region)

# 3. Headline: how stable, which direction, which family
st.title("Overview")
st.caption(f"Values for {sel.end}, compared with {sel.previous}. Index 0 = least stable, 100 = most stable.")
ui.answer(
    answer(sel.region, ranking, data.drivers(sel), period=sel.end, previous=sel.previous, grouping=grouping)
)
cards = st.columns(5)
region_scores = data.composite(sel)
for col, (name, label, family) in zip(
    cards,
    (
        ("stability_index", "Stability index", "composite"),
        ("score_conflict", "Conflict score", "conflict"),
        ("score_collaboration", "Collaboration score", "collaboration"),
        ("score_perception", "Perception score", "perception"),
    ),
    strict=False,
):
    value, change = headline[name]
    loaded = bool(data.loaded_families()) if family == "composite" else data.family_loaded(family)
    latest = region_latest(region_scores, name)  # the region's own, not another region's
    when = {"latest": latest, "end": sel.end, "previous": sel.previous}
    ui.headline(
        col,
        label,
        summary.headline(value, change, loaded=loaded, change_suffix=f" since {sel.previous}", **when),
    )
conflict_when = {"latest": data.family_latest("conflict"), "end": sel.end, "previous": sel.previous}
ui.headline(
    cards[4],
    "Incidents, 12 months",
    summary.headline(
        float(totals.incidents) if totals.incidents is not None else math.nan,
        totals.change_percent if totals.change_percent is not None else math.nan,
        loaded=data.family_loaded("conflict"),
        fmt="{:,.0f}",
        change_suffix="% year on year",
        **conflict_when,
    ),
    delta_color="inverse",
    help=f"Incidents in the 12 months to {sel.end}, against the 12 months before.",
)
st.caption(f"The stability index uses {ui.listing(data.loaded_families() or ['no family'])}.")

# 4. Map and ranking
ui.chart(figures.world_map(sel, data))
st.subheader(f"Regions of {ui.plain(grouping)}, ranked")
st.dataframe(vocabulary.styled(ranking, shares=("coverage",)), hide_index=True, placeholder="")
st.caption(
    f"Scores in {sel.end}; changes against {sel.previous} (index points). Empty cells: no data, never zero. "
    "Scores are normalised over all regions and the selected months (see Methodology)."
)
trends = data.trends_across_regions(sel)
if len(trends) > 1:
    st.caption(across_regions_words(len(trends), list(trends.loc[trends["discovery"], "region"])))
ui.table_downloads(
    ranking,
    title=f"Regions of {grouping} ranked, {sel.end}",
    filename=f"ranking-{sel.end}",
    caption=data.caption(sel),
)

ui.sources()
