"""Region: the three indicator families side by side, their trends and flags, and the countries
that contribute most incidents."""

from __future__ import annotations

import streamlit as st

from dashboard import data, ui
from dashboard.sidebar import selection
from reports import figures
from reports.summary import answer

# 1. Selection
sel = selection()
grouping = data.choices().grouping_of[sel.region]

# 2. Answer and family scores
st.title(f"Region: {ui.plain(sel.region)}")
ui.answer(
    answer(
        sel.region,
        data.ranking(sel),
        data.drivers(sel),
        period=sel.end,
        previous=sel.previous,
        grouping=grouping,
    )
)
ui.chart(figures.family_scores(sel, data))
with st.expander("How firm is this rank? (weights varied by ±20 %)"):
    ui.chart(figures.rank_sensitivity(sel, data))

# 3. The three families side by side (each chart laid out for a third of the page)
left, middle, right = st.columns(3)
with left:
    st.subheader("Conflict incidents")
    if data.family_loaded("conflict"):
        ui.chart(figures.conflict_trend(sel, data, compact=True), narrow=3)
    else:
        ui.no_data("conflict incidents")
with middle:
    st.subheader("Military collaboration")
    if data.family_loaded("collaboration"):
        ui.chart(figures.region_collaboration(sel, data), narrow=3)
    else:
        ui.no_data("military collaboration")
with right:
    st.subheader("Public perception")
    if data.family_loaded("perception"):
        ui.chart(figures.perception_shares(sel, data), narrow=3)
    else:
        ui.no_data("public perception")

# 4. Countries contributing most
if data.family_loaded("conflict"):
    st.subheader("Countries with the most incidents")
    ui.chart(figures.top_countries(sel, data))

# 5. Briefing pack (PowerPoint and PDF)
ui.briefing(sel)

ui.sources()
