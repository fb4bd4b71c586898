"""Military collaboration: engagements over time by kind, the network of members and partners, and
network density over time."""

from __future__ import annotations

import streamlit as st

from dashboard import data, figures, ui
from dashboard.sidebar import selection

# 1. Selection
sel = selection()
frame = data.family(sel, "collaboration")

# 2. Headline
st.title(f"Military collaboration: {ui.plain(sel.region)}")
density_now = data.value_at(frame, "network_density", sel.end)
density_before = data.value_at(frame, "network_density", sel.previous)
a, b, c = st.columns(3)
a.metric(
    f"Engagements started in {sel.end}",
    ui.number(data.value_at(frame, "engagements_total", sel.end), "{:,.0f}"),
)
in_force = ui.number(data.value_at(frame, "agreements_in_force", sel.end), "{:,.0f}")
a.caption(f"Exercises, visits, transfers and missions. Agreements in force, counted apart: {in_force}.")
b.metric(
    "Network density (trailing 12 months)",
    ui.number(density_now, "{:.0%}"),
    ui.delta(100 * (density_now - density_before), "{:+.1f}", f" points since {sel.previous}"),
)
c.metric(
    "External partners (trailing 12 months)",
    ui.number(data.value_at(frame, "external_partners", sel.end), "{:.0f}"),
)

# 3. Engagements by kind, the network, density and partners over time
ui.chart(figures.engagements(sel))
ui.chart(figures.network(sel))
left, right = st.columns(2)
with left:
    ui.chart(figures.density(sel))
with right:
    ui.chart(figures.partners(sel))
