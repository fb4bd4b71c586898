"""Methodology: every indicator's definition, formula and unit, from the code's own documentation."""

from __future__ import annotations

import streamlit as st

from dashboard import data
from metrics.catalog import methodology
from metrics.signals_words import plain_words

st.title("Methodology")
st.caption(
    "The text below is the documentation of the functions that compute the indicators "
    "(metrics/*.py), shown as written there: one source of truth for the code and this page."
)

# 1. What the signals mean and how often they fire by chance (figures from benchmarks/calibration.py)
st.subheader("Signals and how often they fire by chance")
for title, text in plain_words():
    st.markdown(f"**{title}.** {text}")

# 2. Definitions, per family
for title, text in methodology():
    with st.expander(title, expanded=title == "Composite indices"):
        st.markdown(text)

# 2. Goalposts of the indices
version, provenance, posts = data.goalposts()
st.subheader(f"Goalposts of the stability and outcome indices (version {version})")
st.caption(
    "Each measure is scored 0–100 between these fixed bounds, whatever regions, months or sources "
    "are shown, so a published index can be reproduced later from the same data."
)
st.dataframe(posts, hide_index=True)
with st.expander("Where the goalposts come from"):
    st.markdown(provenance)

# 3. Catalogue of indicators
st.subheader("Indicators")
st.dataframe(
    data.catalog(),
    hide_index=True,
    column_config={
        "family": "Family",
        "indicator": "Name in exports",
        "label": "Label",
        "unit": "Unit",
    },
)

# 4. Data sources
st.subheader("Data sources")
st.dataframe(data.coverage(), hide_index=True, column_order=["table", "origin", "label"])
st.caption("Provenance of each table, with its licence and citation, is on the Data page.")
