"""Methodology: every indicator's definition, formula and unit, from the code's own documentation."""

from __future__ import annotations

import streamlit as st

from dashboard import data
from metrics.catalog import methodology

st.title("Methodology")
st.caption(
    "The text below is the documentation of the functions that compute the indicators "
    "(metrics/*.py), shown as written there: one source of truth for the code and this page."
)

# 1. Definitions, per family
for title, text in methodology():
    with st.expander(title, expanded=title == "Composite stability index"):
        st.markdown(text)

# 2. Catalogue of indicators
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

# 3. Data sources
st.subheader("Data sources")
st.dataframe(data.coverage(), hide_index=True, column_order=["table", "origin", "label"])
st.caption("Provenance of each table, with its licence and citation, is on the Data page.")
