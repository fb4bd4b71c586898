"""A page never draws a chart with nothing in it (``dashboard.ui.chart``): the chart's title and one
sentence instead."""

from __future__ import annotations

import json
from pathlib import Path

import plotly.graph_objects as go
from streamlit.testing.v1 import AppTest

from reports.charts import has_data

APP = Path(__file__).resolve().parents[1] / "dashboard" / "app.py"


def test_collaboration_page_of_a_region_without_data_draws_no_empty_chart() -> None:
    """Antarctica has no engagement in the bundled sample: each collaboration chart gives way to a
    sentence saying what is missing."""
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.query_params["region"] = "Antarctica"
    at.run()
    at.switch_page("views/collaboration.py").run()
    assert not at.exception
    drawn = [go.Figure(json.loads(c.proto.spec)) for c in at.get("plotly_chart")]
    assert all(has_data(fig) for fig in drawn), [f.layout.title.text for f in drawn if not has_data(f)]
    said = [i.value for i in at.info if "Antarctica" in i.value or "No data" in i.value]
    assert len(said) >= 3, [i.value for i in at.info]


def test_lags_without_values_are_an_empty_chart() -> None:
    """The one rule pages, slides and exports share (``reports.charts.has_data``)."""
    draws_values = has_data
    lags = [-2, -1, 0, 1, 2]
    assert not draws_values(go.Figure(go.Scatter(x=lags, y=[None] * 5)))  # positions, no value
    assert draws_values(go.Figure(go.Scatter(x=lags, y=[None, None, 0.0, None, None])))  # a zero is a value
    assert not draws_values(go.Figure(go.Choropleth(locations=["FRA"], z=[float("nan")])))
    assert draws_values(go.Figure(go.Scatter(x=[0.1], y=[0.2], mode="markers")))
    assert not draws_values(go.Figure(go.Scatter(x=[1.0], y=[2.0], visible=False)))
    assert draws_values(go.Figure(go.Bar(x=[3.0], y=["Mali"], orientation="h")))  # the value is on x
    assert not draws_values(go.Figure(go.Bar(x=[None], y=["Mali"], orientation="h")))
    assert draws_values(go.Figure(go.Scattergeo(lat=[13.5], lon=[2.1])))  # a point on a map
    assert draws_values(go.Figure(go.Scatter(x=[2.0], y=["ASEAN"])))  # names on y, the rank on x
    assert not draws_values(go.Figure(go.Scatter(x=[None], y=["ASEAN"])))


def test_the_missing_conflict_sentence_says_why(sample_bundle) -> None:
    """Incidents are loaded (the sample), so a region without figures is told why: Antarctica's
    countries are not covered at all (less than half of its people); a covered region has figures
    (its chart draws observed counts, zeros included), and were they empty the sentence would say
    none were recorded rather than ask for a file."""
    from reports.compute import Frames
    from reports.figures import by_event_type, no_data_sentence
    from reports.selection import from_query

    src = Frames(sample_bundle)
    choices = src.choices()
    ata = from_query({"region": "Antarctica"}, choices)
    assert src.covered_months(ata) == []
    chart = by_event_type(ata, "incidents", src)
    assert "cover less than half of the people of its countries" in chart.missing
    assert "cover less than half" in no_data_sentence(ata, "conflict", src)
    covered = [
        r
        for r in choices.members
        if r != "Antarctica" and src.covered_months(from_query({"region": r}, choices))
    ]
    assert covered, "the sample covers some region"
    sel = from_query({"region": covered[0]}, choices)
    assert not by_event_type(sel, "incidents", src).missing
    # the region has incidents: a chart of it left empty says it cannot show them, never "none"
    assert src.period_totals(sel)[0] > 0
    sentence = no_data_sentence(sel, "conflict", src)
    assert sentence.startswith(f"This chart has no conflict incident figures for {covered[0]}")
    # with a filter no incident passes, the covered months are an observed absence
    none = from_query({"region": covered[0], "min_fatalities": "100000"}, choices)
    assert src.period_totals(none)[0] == 0
    assert no_data_sentence(none, "conflict", src).startswith(f"No incidents recorded for {covered[0]}")
