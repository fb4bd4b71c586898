"""Military collaboration: engagements over time by kind, the network of members and partners, and
network density over time."""

from __future__ import annotations

import math

import streamlit as st

from dashboard import data, ui
from dashboard.sidebar import selection
from reports import figures
from reports.compute import agreements_words, region_latest
from reports.summary import headline

# 1. Selection
sel = selection()
st.title(f"Military collaboration: {ui.plain(sel.region)}")
if not data.family_loaded("collaboration"):
    ui.no_data("military collaboration")
    st.stop()
frame = data.family(sel, "collaboration")


# 2. Headline, each with how old the region's data are (a "—" says why)
def when(indicator: str) -> dict[str, object]:
    latest = region_latest(frame, indicator)
    return {"loaded": True, "latest": latest, "end": sel.end, "previous": sel.previous}


density_now = data.value_at(frame, "network_density", sel.end)
density_before = data.value_at(frame, "network_density", sel.previous)
a, b, c = st.columns(3)
engagements = data.value_at(frame, "engagements_total", sel.end)
ui.headline(
    a,
    f"Engagements started in {sel.end}",
    headline(engagements, math.nan, fmt="{:,.0f}", **when("engagements_total")),
)
a.caption("Exercises, visits, transfers and missions. " + agreements_words(frame, sel.end))
ui.headline(
    b,
    "Network density (trailing 12 months)",
    headline(
        density_now,
        100 * (density_now - density_before),
        fmt="{:.0%}",
        change_suffix=f" points since {sel.previous}",
        **when("network_density"),
    ),
)
partners = data.value_at(frame, "external_partners", sel.end)
ui.headline(
    c,
    "External partners (trailing 12 months)",
    headline(partners, math.nan, fmt="{:.0f}", **when("external_partners")),
)

# 3. Engagements started and agreements in force (never added together), the network, density and
# partners over time
ui.chart(figures.engagements(sel, data))
ui.chart(figures.agreements(sel, data))
ui.chart(figures.network(sel, data))
left, right = st.columns(2)
with left:
    ui.chart(figures.density(sel, data), narrow=True)
with right:
    ui.chart(figures.partners(sel, data), narrow=True)

ui.sources()
