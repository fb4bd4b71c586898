"""Compare: two to four regions on the same axes."""

from __future__ import annotations

import streamlit as st

from dashboard import data, ui
from dashboard.sidebar import compare_picker, selection
from reports import figures
from reports.selection import compare_regions

# 1. Selection
sel = selection()
choices = data.choices()
regions = compare_regions(sel, choices, data.ranked_regions(sel))

# 2. Regions
st.title("Compare regions")
compare_picker(choices, regions)
if len(regions) < 2:
    st.info("Choose at least two regions to compare.")
    st.stop()

# 3. Charts on shared axes, two per row
left, right = st.columns(2)
for k, chart in enumerate(figures.compare(sel, regions, data)):
    with left if k % 2 == 0 else right:
        ui.chart(chart, narrow=True)

ui.sources()
