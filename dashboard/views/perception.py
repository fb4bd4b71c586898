"""Public perception: each survey indicator over waves with its 95% interval and sample size."""

from __future__ import annotations

import math

import streamlit as st

from dashboard import data, ui
from dashboard.sidebar import selection
from metrics.intervals import NO_INTERVAL
from reports import figures
from reports.compute import perception_reach

# 1. Selection
sel = selection()
st.title(f"Public perception: {ui.plain(sel.region)}")
if not data.family_loaded("perception"):
    ui.no_data("public perception")
    st.stop()
panels = data.perception_panels(sel)

# 2. One chart per indicator
st.caption(
    "Regional values pool the member countries' national estimates, weighted by their populations; the band "
    "is the 95% interval (for World Bank WGI indices, the 90% interval the World Bank publishes). "
    f"Where no interval can be given the chart says so ({NO_INTERVAL}). "
    + (f"Latest wave for {ui.plain(sel.region)}: {max(p.last_wave for p in panels)}." if panels else "")
)
if not panels:
    st.info(f"No survey data for {ui.plain(sel.region)} in {sel.start} to {sel.end}.")
for panel in panels:
    share = panel.unit.startswith("share")
    st.subheader(panel.label)
    left, right = st.columns(2)
    survey = panel.unit.startswith("share")  # the WGI indices are built from many sources: no respondents
    right.metric(
        f"Respondents, wave of {panel.last_wave}",
        ui.number(panel.respondents, "{:,.0f}")
        if math.isfinite(panel.respondents)
        else ("not published" if survey else "not a survey"),
        help=None if survey else "An index the World Bank builds from expert and survey sources.",
    )
    if math.isfinite(panel.change):
        level = figures.interval_level(panel.unit)
        significance = {1.0: f"significant at {level}%", 0.0: "not significant"}.get(
            panel.significant, NO_INTERVAL
        )
        left.metric(
            "Change since the previous wave",
            ui.number(
                100 * panel.change if share else panel.change, "{:+.1f}" + (" points" if share else "")
            ),
            significance,
            delta_color="off",
            delta_arrow="off",
        )
    reach = perception_reach(panel, len(data.choices().members.get(sel.region, ())))
    if reach:
        st.caption(reach)
    ui.chart(figures.perception(sel, panel, data))

ui.sources()
