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
    from dashboard.ui import draws_values

    lags = [-2, -1, 0, 1, 2]
    assert not draws_values(go.Figure(go.Scatter(x=lags, y=[None] * 5)))  # positions, no value
    assert draws_values(go.Figure(go.Scatter(x=lags, y=[None, None, 0.0, None, None])))  # a zero is a value
    assert not draws_values(go.Figure(go.Choropleth(locations=["FRA"], z=[float("nan")])))
    assert draws_values(go.Figure(go.Scatter(x=[0.1], y=[0.2], mode="markers")))
    assert not draws_values(go.Figure(go.Scatter(x=[1.0], y=[2.0], visible=False)))
