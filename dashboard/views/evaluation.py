"""Evaluation: did the region become more stable after a milestone of its military diplomacy?

Rate ratios of incidents and fatalities around the milestone, against comparison regions (difference
in differences) and against chance (placebo months), the other families' changes and the lead–lag
of collaboration and outcomes, each with its interval and the sentence it supports.
"""

from __future__ import annotations

import streamlit as st

from dashboard import data, ui
from dashboard.sidebar import comparison_picker, milestone_picker, selection
from metrics.signals_words import evaluation_method, evaluation_words
from reports import figures_evaluation as fe
from reports import findings, vocabulary
from reports.selection import milestone_of

# 1. Selection: the milestone (proposed from the data, or a month and a label) and the window
sel = selection()
choices = data.choices()
if not data.family_loaded("conflict"):
    st.title(f"Evaluation: {ui.plain(sel.region)}")
    ui.no_data("conflict incidents, which every evaluation needs")
    st.stop()
proposals = data.milestone_proposals(sel)
month, label, index = milestone_of(sel, proposals, choices.months)

st.title(f"Evaluation: {ui.plain(sel.region)}")
st.caption(
    "Before: the K months before the milestone. After: the milestone month and the K − 1 months after it. "
    "Rate ratio = incidents after ÷ incidents before; below 1 means fewer incidents after."
)
milestone_picker(choices, proposals, month, label, index)

# 2. Evaluation
try:
    ev = data.evaluation(sel, month, label)
except ValueError as exc:  # e.g. a milestone outside the incident data: one sentence, no traceback
    st.warning(ui.one_sentence("This milestone cannot be evaluated", exc))
    st.stop()

# 3. Comparison regions: which were used and why others were not
comparison_picker(choices, sel.comparison or tuple(ev.comparison_regions))
st.markdown(ui.plain(findings.comparison_note(ev)))

# 4. Findings in plain sentences first; the numbers that support them behind an expander
st.subheader("Findings")
heads = findings.headlines(ev)
for h in heads:
    if h.ok:
        st.markdown(f"- {ui.plain(h.finding)}")
    else:
        st.info(ui.plain(h.finding), icon=":material/info:")
if findings.caveated(ev):
    st.caption(
        "Association, not proof of cause: a change around a milestone can have other causes "
        "(other events, trends already under way). The comparison and placebo results show how unusual "
        "the change was, not why it happened."
    )
with st.expander("The numbers behind these findings"):
    for h in heads:
        left, right = st.columns([1, 3])
        left.metric(h.label, h.estimate)
        right.caption(h.detail if h.ok else "—: the data cannot support a number (see the finding above).")
    st.caption(evaluation_words())
    st.markdown(evaluation_method())

# 5. Charts
ui.chart(fe.timeline(sel, ev, data))
# only the open tab's charts are built and sent (switching tabs reruns the page)
incidents_tab, fatalities_tab = st.tabs(["Incidents", "Fatalities"], key="e_quantity_tab", on_change="rerun")
for tab, quantity in ((incidents_tab, "incidents"), (fatalities_tab, "fatalities")):
    if not tab.open:
        continue
    with tab:
        left, right = st.columns(2)
        with left:
            ui.chart(fe.around(sel, ev, quantity, data), narrow=True)
        with right:
            ui.chart(fe.placebo(sel, ev, quantity, data), narrow=True)
if data.family_loaded("collaboration"):
    ui.chart(fe.lead_lag(sel, ev, data))
st.caption(f"Families evaluated: {ui.listing(data.loaded_families())}.")

# 6. Every measure, and the comparison regions (statistics: behind expanders)
# the tables are built only while their expander is open (opening it reruns the page)
with st.expander(
    "All measures: each finding with its estimate, interval and p-value", key="e_measures", on_change="rerun"
) as measures:
    if measures.open:
        shown = vocabulary.styled(findings.findings_table(ev), drop=("measure",))
        st.dataframe(shown, hide_index=True, placeholder="")
        st.caption("—: the data cannot support a number; the finding then says why.")
with st.expander(
    "Comparison regions: which were used, and why others were not",
    key="e_comparison_table",
    on_change="rerun",
) as compared:
    if compared.open:
        st.dataframe(vocabulary.styled(findings.comparison_table(ev)), hide_index=True, placeholder="")

ui.sources()
