"""A chart with nothing to draw is replaced by one sentence (``dashboard.ui.chart``)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.ui import has_data

APP = Path(__file__).resolve().parents[1] / "dashboard" / "app.py"


@pytest.mark.parametrize(
    ("fig", "expected"),
    [
        (go.Figure(), False),  # no trace at all
        (go.Figure(go.Scatter(x=["2020-01", "2020-02"], y=[np.nan, np.nan])), False),  # dates, no value
        (go.Figure(go.Bar(x=["a", "b"], y=[None, None])), False),
        (go.Figure(go.Bar(x=["a", "b"], y=[0, None])), True),  # an observed zero is data
        (go.Figure(go.Choropleth(locations=["FRA"], z=[np.nan])), False),
        (go.Figure(go.Choropleth(locations=["FRA"], z=[42.0])), True),
        (go.Figure(go.Scatter(x=[1.0], y=[2.0], visible=False)), False),  # hidden traces do not count
        (go.Figure([go.Scatter(x=[1], y=[np.nan]), go.Scatter(x=[1], y=[3])]), True),
        (go.Figure(go.Scatter(x=[0.1, 0.5], y=[0.2, 0.9], mode="markers")), True),  # a network's nodes
        (go.Figure(go.Table(cells={"values": [[], []]})), False),
        (go.Figure(go.Table(cells={"values": [["x"], [1]]})), True),
    ],
)
def test_has_data(fig: go.Figure, expected: bool) -> None:
    assert has_data(fig) is expected


def test_collaboration_page_of_a_region_without_data_draws_no_empty_chart() -> None:
    """Antarctica has no engagement in the bundled sample: no figure is drawn, each chart gives way to
    one sentence naming it."""
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.query_params["region"] = "Antarctica"
    at.run()
    at.switch_page("views/collaboration.py").run()
    assert not at.exception
    for chart in at.get("plotly_chart"):
        fig = go.Figure(json.loads(chart.proto.spec))
        assert has_data(fig), fig.layout.title.text
    said = [i.value for i in at.info if i.value.startswith("No data to draw")]
    assert said, [i.value for i in at.info]
    assert all(s.endswith("for this selection.") for s in said)
