"""Conflict incidents: monthly incidents and fatalities by event type, the trend with its flags,
where incidents happened and the largest ones."""

from __future__ import annotations

import streamlit as st

from dashboard import data, ui
from dashboard.sidebar import selection
from metrics.signals import TREND_YEARS
from metrics.signals_words import alarm_words, downward_trend_words, signals_method, yearly_signals_words
from reports import figures, vocabulary
from reports.compute import region_latest

# 1. Selection
sel = selection()
scope = ui.plain(sel.region) + (f" ({len(sel.countries)} selected countries)" if sel.countries else "")

# 2. Totals
st.title(f"Conflict incidents: {scope}")
if not data.family_loaded("conflict"):
    ui.no_data("conflict incidents")
    st.stop()
incidents, fatalities = data.period_totals(sel)
a, b, c = st.columns(3)
a.metric(f"Incidents, {sel.start} to {sel.end}", f"{incidents:,}")
b.metric(f"Fatalities, {sel.start} to {sel.end}", f"{fatalities:,}")
c.metric("Fatalities per incident", ui.number(fatalities / incidents if incidents else None, "{:.2f}"))
st.caption(data.coverage_note(sel))
# the region's own data end; when its values are missing (under half its people covered), the files'
latest = region_latest(data.family(sel, "conflict"), "incidents") or data.family_latest("conflict")
st.caption(f"Incident data latest: {latest}.")

# 3. By event type
left, right = st.columns(2)
with left:
    ui.chart(figures.by_event_type(sel, "incidents", data), narrow=True)
with right:
    ui.chart(figures.by_event_type(sel, "fatalities", data), narrow=True)

# 4. Trend and flags
ui.chart(figures.conflict_trend(sel, data))
if data.yearly(sel):
    st.caption(yearly_signals_words(TREND_YEARS))
else:
    st.caption(downward_trend_words())
    st.caption(alarm_words())
with st.expander("How the trend and the alarm are computed"):
    st.markdown(signals_method())

# 5. Where, and the largest incidents
ui.chart(figures.event_map(sel, data))
st.subheader("Largest incidents by fatalities")
largest = data.largest_incidents(sel)
st.dataframe(vocabulary.styled(largest, drop=("iso3", "event_id")), hide_index=True, placeholder="")
ui.table_downloads(
    largest,
    title=f"{sel.region}: largest incidents",
    filename=f"largest-{sel.region}",
    caption=data.caption(sel, "incidents"),
)

ui.sources()
