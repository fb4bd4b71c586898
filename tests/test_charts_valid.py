"""Every chart builder's figure is a valid plotly figure. The builders skip plotly's property
validation for speed (``reports.charts._figure``); here each figure is rebuilt with validation on,
which raises on any property plotly does not know or any value it refuses, and must give back the
same JSON."""

from __future__ import annotations

import json

import plotly.graph_objects as go
import pytest
from plotly.basedatatypes import BasePlotlyType
from test_charts_evaluation import around_frame, lead_lag_frame, placebo_frame, timeline_frame

from reports import charts_evaluation as ce
from reports.charts import Caption
from reports.export import catalog

CAPTION = Caption("Test source", "2019-01", "2019-12", True)


def read_every_property(obj: BasePlotlyType) -> None:
    """Read each property through plotly's API, as pages and tests do (``fig.layout.yaxis.domain``):
    a value plotly cannot present (e.g. a tuple where it keeps a list) raises here."""
    for key in list(obj._props or {}):
        value = obj[key]
        items = value if isinstance(value, tuple) else (value,)
        for item in items:
            if isinstance(item, BasePlotlyType):
                read_every_property(item)


def assert_valid(fig: go.Figure) -> None:
    for trace in fig.data:
        read_every_property(trace)
    read_every_property(fig.layout)
    spec = fig.to_plotly_json()
    checked = go.Figure(spec)  # validates every property; raises ValueError on a bad one
    assert json.loads(checked.to_json()) == json.loads(fig.to_json())


@pytest.mark.parametrize("name", list(catalog.CHARTS))
def test_every_exportable_chart_is_valid_plotly(sample_bundle, name: str) -> None:
    chart = catalog.build_chart(sample_bundle, name, "ASEAN")
    assert chart.figure.data or chart.missing  # a drawn chart, or the sentence saying why not
    assert_valid(chart.figure)


def test_every_evaluation_chart_is_valid_plotly() -> None:
    figures = [
        ce.evaluation_timeline(
            timeline_frame(), milestone="2019-06", window=3, label="Pact", title="T", caption=CAPTION
        ),
        ce.event_window(
            around_frame(),
            milestone="2019-06",
            window=2,
            noun="incidents",
            label="",
            title="T",
            caption=CAPTION,
        ),
        ce.placebo_histogram(placebo_frame(), observed=0.8, noun="incidents", title="T", caption=CAPTION),
        ce.lead_lag_bars(lead_lag_frame(), title="Lead–lag", caption=CAPTION),
    ]
    for fig in figures:
        assert fig.layout.shapes or fig.layout.annotations  # the added marks are there
        assert_valid(fig)


def test_an_invalid_property_is_caught() -> None:
    with pytest.raises(ValueError):
        go.Figure({"data": [{"type": "scatter", "x": [1], "colour": "red"}], "layout": {}})
