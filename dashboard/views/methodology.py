"""Methodology: what every number means, in plain words, by family; the index's goalposts; how often
the signals fire by chance; and the code's own definitions as a technical appendix."""

from __future__ import annotations

import re

import streamlit as st

from dashboard import data, ui
from metrics.catalog import FAMILY_TITLES, indicators, methodology
from metrics.signals_words import plain_words

#: Technical appendix section (a title of ``methodology()``) behind each family.
APPENDIX = {
    "conflict": "Conflict incidents",
    "collaboration": "Military collaboration",
    "perception": "Public perception",
    "composite": "Composite indices",
}


def anchor(title: str) -> str:
    """The page anchor of a technical appendix section."""
    return "technical-" + re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


# 1. What the page holds
st.title("Methodology")
st.markdown(
    "What each number on these pages means, how it is worked out and what to keep in mind when "
    "reading it, family by family. The exact definitions used by the code are in the "
    "[technical appendix](#technical-appendix) at the end of the page."
)

# 2. Every indicator in plain words, by family
entries = indicators()
for family, title in FAMILY_TITLES.items():
    st.header(title, anchor=f"family-{family}")
    for ind in (i for i in entries if i.family == family):
        st.markdown(
            f"**{ui.plain(ind.label)}** ({ui.plain(ind.unit)})  \n{ui.plain(ind.meaning)}  \n"
            f"*How:* {ui.plain(ind.formula)}  \n*Keep in mind:* {ui.plain(ind.caveats)}  \n"
            f"[Technical definition](#{anchor(APPENDIX[family])})"
        )
    if family == "composite":
        # 3. Goalposts of the indices
        version, provenance, posts = data.goalposts()
        st.subheader(f"Goalposts of the stability and outcome indices (version {version})")
        st.caption(
            "Each measure is scored 0–100 between these fixed bounds, whatever regions, months or "
            "sources are shown, so a published index can be reproduced later from the same data."
        )
        st.dataframe(posts, hide_index=True)
        with st.expander("Where the goalposts come from"):
            st.markdown(provenance)

# 4. Signals: what they mean and how often they fire by chance (figures from benchmarks/calibration.py)
st.header("Signals and how often they fire by chance", anchor="signals")
for title, text in plain_words():
    st.markdown(f"**{title}.** {text}")
st.markdown(f"[Technical definition](#{anchor('Signals: downward trend and alarm')})")

# 5. Data sources
st.header("Data sources", anchor="sources")
st.dataframe(data.coverage(), hide_index=True, column_order=["table", "origin", "label"])
st.caption("Provenance of each table, with its licence and citation, is on the Data page.")

# 6. Technical appendix: the code's own documentation, as written there
st.header("Technical appendix", anchor="technical-appendix")
st.caption(
    "The documentation of the functions that compute the indicators (metrics/*.py), shown as "
    "written there: one source of truth for the code and this page."
)
st.dataframe(
    data.catalog(),
    hide_index=True,
    column_config={"family": "Family", "indicator": "Name in exports", "label": "Label", "unit": "Unit"},
)
for title, text in methodology():
    st.subheader(title, anchor=anchor(title))
    with st.expander("Definition in the code", expanded=False):
        st.markdown(text)
