"""Data: which datasets are loaded, their coverage and provenance (and, later, the upload workflow)."""

from __future__ import annotations

import streamlit as st

from dashboard import data, signin, ui, upload
from reports import charts

# 1. What is loaded
st.title("Data")
coverage = data.coverage()
st.dataframe(
    ui.blank_missing(coverage, ("first date", "last date")),  # a table with no rows has no dates: empty
    hide_index=True,
    column_config={
        "rows": st.column_config.NumberColumn("Rows", format="localized"),
        "countries": st.column_config.NumberColumn("Countries", format="localized"),
    },
)
sample = data.illustrative_tables()
if sample:
    st.info(
        f"The {ui.listing(sample)} {'table is' if len(sample) == 1 else 'tables are'} the bundled "
        "illustrative sample (generated, not real). "
        "The sample is used only while your store holds no table: once you load any table, "
        "a family without data shows no data, never the sample."
    )

st.subheader("Coverage")
st.caption(
    "Which countries each loaded source covers, and when. Inside a bar, a month without an incident "
    "counts as zero incidents; outside it, the data say nothing and the month is left out. Where two "
    "sources cover the same months, the incidents chart shows the one counted (the notes below say "
    "which is set aside). `stability coverage` prints the table."
)
for note in data.overlap_notes_now():  # sources that record the same fighting are not added up
    st.info(note)
coverage = data.coverage_chart("incidents")
if charts.has_data(coverage):
    st.plotly_chart(coverage, width="stretch", config=ui.chart_config("coverage"))
else:  # no empty axes: the store holds other tables but no incidents
    st.info(
        "No incident data are loaded, so there is no coverage to show. Load an incident file (ACLED "
        "or UCDP GED) below to see which countries it covers, and when."
    )

# 2. Regions
b = data.current()
choices = data.choices()
st.subheader("Regions")
st.write(f"Region definitions: {ui.plain(b.regions_label)}.")
for grouping in choices.groupings:
    st.write(f"**{ui.plain(grouping)}**: {len(choices.regions[grouping])} regions.")

# 3. Provenance
st.subheader("Provenance")
for name, details in data.provenance():
    with st.expander(f"{name} ({len(details)} record{'s' if len(details) != 1 else ''})"):
        for record in details:
            st.json(record, expanded=True)

# 4. Upload (editors only when sign-in is on)
store_dir = data.store_dir()
signin.render()
if store_dir is None:
    st.info(
        "To add your own data, start the dashboard with a data store: "
        "`stability dashboard` (uses your default store) or `stability dashboard --store DIR`."
    )
elif signin.can_edit():
    upload.render(store_dir, user=signin.user())
    if st.button("Reload data for everyone (clears the shared caches)", key="clear_caches"):
        data.clear()
        st.rerun()
else:
    st.info("You are viewing the data. Sign in as an editor to add, withdraw or restore data.")
    upload.render_batches(store_dir, editable=False)
