"""Chart builders: figure properties (traces, titles, axes, data, captions), not pixels."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import pytest

from metrics.intervals import NO_INTERVAL
from reports import charts, vocabulary
from reports.charts import Caption, caption_text

CAP = Caption("Test source", "2020-01", "2020-12", illustrative=False)
SAMPLE = Caption("Test source", "2020-01", "2020-12", illustrative=True)


def tidy(region: str, series: dict[str, list[float]], first: str = "2020-01") -> pd.DataFrame:
    rows = []
    for ind, values in series.items():
        for k, v in enumerate(values):
            rows.append((region, str(pd.Period(first, "M") + k), ind, v))
    return pd.DataFrame(rows, columns=["region", "period", "indicator", "value"])


def axis_title(axis: go.layout.XAxis | go.layout.YAxis) -> str:
    return axis.title.text or ""


def test_caption_text() -> None:
    assert CAP.text == "Source: Test source · 2020-01 to 2020-12"
    assert SAMPLE.text == "Source: Test source · 2020-01 to 2020-12 · Illustrative sample data, not real"
    # A source label that already says it is illustrative is not repeated.
    assert "not real ·" not in Caption("Illustrative sample data (not real)", "a", "b", True).text
    assert Caption("S", "a", "b", False, note="n").text == "Source: S · a to b · n"


def test_world_map() -> None:
    frame = pd.DataFrame(
        {
            "iso3": ["FRA", "DEU", "ITA"],
            "region": ["<b>North</b>", "<b>North</b>", "South"],
            "value": [40.0, 40.0, np.nan],
        }
    )
    fig = charts.world_map(frame, title="Index", caption=SAMPLE, all_iso3=["FRA", "DEU", "ITA", "ESP"])
    assert len(fig.data) == 2
    grey, coloured = fig.data
    # Grey base: every country without a value, ITA (its region has no index) and ESP (no region).
    assert list(grey.locations) == ["ESP", "ITA"] and list(grey.z) == [0.0, 0.0]
    assert grey.showscale is False
    assert list(coloured.locations) == ["FRA", "DEU"] and list(coloured.z) == [40.0, 40.0]
    assert (coloured.zmin, coloured.zmax) == (0, 100)
    assert "no index" in grey.text[1] and "South" in grey.text[1]
    # Text from data is escaped, never rendered as HTML.
    assert "&lt;b&gt;North&lt;/b&gt;" in coloured.text[0] and "<b>North" not in coloured.text[0]
    assert fig.layout.title.text == "Index"
    assert caption_text(fig).endswith("Illustrative sample data, not real")


def test_event_map_points_and_cells() -> None:
    frame = pd.DataFrame(
        {"latitude": [1.0, 2.0], "longitude": [3.0, 4.0], "incidents": [1, 4], "fatalities": [0, 2]}
    )
    pts = charts.event_map(frame, title="Where", caption=CAP)
    assert len(pts.data) == 1 and list(pts.data[0].marker.size) == [5.0, 5.0]
    cells = charts.event_map(frame, title="Where", caption=CAP, cell_degrees=0.5)
    # size = 4 + 16 * sqrt(n / max n): 4 + 16 * 0.5 = 12 and 4 + 16 = 20
    assert list(cells.data[0].marker.size) == [12.0, 20.0]
    assert cells.data[0].name == "Incidents per 0.5° cell"
    assert list(cells.data[0].lat) == [1.0, 2.0]


def test_family_scores() -> None:
    frame = tidy(
        "A",
        {
            "stability_index": [50.0, 55.0],
            "score_conflict": [40.0, 60.0],
            "score_collaboration": [30.0, 30.0],
            "score_perception": [np.nan, 70.0],
        },
    )
    fig = charts.family_scores(frame, title="Scores", caption=CAP)
    assert [t.name for t in fig.data] == [
        "Stability index",
        "Conflict score",
        "Collaboration score",
        "Perception score",
    ]
    assert list(fig.data[1].y) == [40.0, 60.0]
    assert math.isnan(fig.data[3].y[0])  # missing stays missing (a gap), never zero
    assert list(pd.to_datetime(fig.data[0].x).strftime("%Y-%m")) == ["2020-01", "2020-02"]
    assert tuple(fig.layout.yaxis.range) == (0, 100)
    assert fig.layout.xaxis.type == "date"
    assert "0–100" in axis_title(fig.layout.yaxis) and axis_title(fig.layout.xaxis) == "Month"
    assert caption_text(fig) == CAP.text


def test_conflict_trend_marks_flags_and_trend() -> None:
    frame = tidy(
        "A",
        {
            "incidents": [1.0, 3.0, 5.0, 7.0],
            "incidents_rolling_12m": [np.nan, np.nan, 3.0, 4.0],
            "downward_trend": [np.nan, 0.0, 1.0, 0.0],
            "alarm": [0.0, 0.0, 0.0, 1.0],
        },
    )
    fig = charts.conflict_trend(frame, title="Trend", caption=CAP)
    assert len(fig.data) == 5
    bars, rolling, trend, decline, spike = fig.data
    assert isinstance(bars, go.Bar) and list(bars.y) == [1.0, 3.0, 5.0, 7.0]
    assert list(rolling.y)[2:] == [3.0, 4.0]
    # Sen's slope of 1, 3, 5, 7 is 2 and the intercept 1, so the trend line passes through the data.
    assert list(trend.y) == [1.0, 3.0, 5.0, 7.0]
    # Flags sit on the flagged months, at that month's count.
    assert list(pd.to_datetime(decline.x).strftime("%Y-%m")) == ["2020-03"] and list(decline.y) == [5.0]
    assert list(pd.to_datetime(spike.x).strftime("%Y-%m")) == ["2020-04"] and list(spike.y) == [7.0]
    assert decline.name == "Downward trend (1)" and spike.name == "Alarm (1)"
    assert axis_title(fig.layout.yaxis) == "Incidents per month"
    assert "trend: Sen's slope +2.00 incidents/month per month" in caption_text(fig)


def test_conflict_trend_without_flags_keeps_five_traces() -> None:
    frame = tidy("A", {"incidents": [2.0, 2.0], "alarm": [0.0, 0.0]})
    fig = charts.conflict_trend(frame, title="T", caption=CAP)
    assert len(fig.data) == 5
    assert len(fig.data[3].x) == 0 and len(fig.data[4].x) == 0
    assert fig.data[4].name == "Alarm (0)"


def test_stacked_bars() -> None:
    frame = pd.DataFrame(
        {
            "period": ["2020-01", "2020-01", "2020-02", "2020-02"],
            "event_type": ["Riots", "Battles", "Riots", "Battles"],
            "incidents": [1, 2, 3, 4],
        }
    )
    fig = charts.stacked_bars(
        frame,
        x="period",
        y="incidents",
        series="event_type",
        title="By type",
        caption=CAP,
        y_title="Incidents per month",
        order=["Battles", "Riots"],
        colours=vocabulary.EVENT_TYPE_COLOURS,
    )
    assert [t.name for t in fig.data] == ["Battles", "Riots"]
    assert list(fig.data[0].y) == [2.0, 4.0] and list(fig.data[1].y) == [1.0, 3.0]
    assert fig.layout.barmode == "stack"
    assert fig.data[0].marker.color == vocabulary.EVENT_TYPE_COLOURS["Battles"]
    assert axis_title(fig.layout.yaxis) == "Incidents per month"


def test_lines_share_axes_and_palette() -> None:
    frame = pd.DataFrame(
        {"period": ["2020-01", "2020-02"] * 2, "region": ["B", "B", "A", "A"], "value": [0.1, 0.2, 0.3, 0.4]}
    )
    fig = charts.lines(
        frame,
        x="period",
        y="value",
        series="region",
        title="Compare",
        caption=CAP,
        y_title="Share",
        y_range=[0, 1],
    )
    assert [t.name for t in fig.data] == ["A", "B"]  # alphabetical, so colours are stable
    assert [t.line.color for t in fig.data] == list(vocabulary.PALETTE[:2])
    assert list(fig.data[0].y) == [0.3, 0.4]
    assert tuple(fig.layout.yaxis.range) == (0, 1)


def test_perception_chart_band_and_missing_interval() -> None:
    frame = pd.DataFrame(
        {
            "period": ["2020-01", "2021-01", "2022-01", "2023-01"],
            "value": [0.5, 0.6, 0.55, 0.7],
            "ci_low": [0.45, 0.55, np.nan, 0.65],
            "ci_high": [0.55, 0.65, np.nan, 0.75],
            "sample_size": [1000, 1200, np.nan, 900],
        }
    )
    fig = charts.perception_chart(frame, title="Feel safe", caption=CAP, y_title="Share")
    assert len(fig.data) == 2
    band, est = fig.data
    # Two polygons: waves 1-2 (x1, x2, x2, x1) and wave 4 (x4, x4), separated by a gap.
    xs = [None if v is None else pd.Timestamp(v).strftime("%Y-%m") for v in band.x]
    assert xs == ["2020-01", "2021-01", "2021-01", "2020-01", None, "2023-01", "2023-01"]
    assert list(band.y) == [0.55, 0.65, 0.55, 0.45, None, 0.75, 0.65]
    assert band.fill == "toself"
    assert list(est.marker.symbol) == ["circle", "circle", "circle-open", "circle"]
    assert NO_INTERVAL in est.text[2] and "n = 1,200" in est.text[1]
    assert f"1 wave(s): {NO_INTERVAL}" in caption_text(fig)
    assert fig.layout.yaxis.tickformat == ".0%"


def test_ranked_bars() -> None:
    frame = pd.DataFrame({"country": ["Mali", "Niger"], "incidents": [30, 10]})
    fig = charts.ranked_bars(frame, x="incidents", y="country", title="Top", caption=CAP, x_title="Incidents")
    assert len(fig.data) == 1 and fig.data[0].orientation == "h"
    assert list(fig.data[0].y) == ["Niger", "Mali"]  # plotly draws the first category at the bottom
    assert list(fig.data[0].x) == [10.0, 30.0]
    assert axis_title(fig.layout.xaxis) == "Incidents"


def test_circle_layout() -> None:
    pos = charts.circle_layout(["B", "A"], ["X"])
    assert pos["A"] == pytest.approx((0.0, 1.0))  # first member at the top
    assert pos["B"] == pytest.approx((0.0, -1.0))  # two members: opposite
    assert pos["X"] == pytest.approx((0.0, 1.6))  # partners on the outer circle


def test_network_graph() -> None:
    edges = pd.DataFrame(
        {
            "source": ["DEU", "DEU", "FRA"],
            "target": ["FRA", "USA", "USA"],
            "engagements": [4, 1, 2],
            "source_member": [True, True, True],
            "target_member": [True, False, False],
        }
    )
    fig = charts.network_graph(edges, title="Network", caption=CAP)
    assert len(fig.data) == charts.EDGE_CLASSES + 3
    # classes: ceil(4 * n / 4): 4 -> class 4, 1 -> class 1, 2 -> class 2; each edge is (a, b, None)
    assert [len(fig.data[k].x) for k in range(4)] == [3, 3, 0, 3]
    members, partners = fig.data[-2], fig.data[-1]
    assert (members.name, list(members.text)) == ("Members", ["DEU", "FRA"])
    assert (partners.name, list(partners.text)) == ("Partners", ["USA"])
    # node totals: DEU 4 + 1 = 5, FRA 4 + 2 = 6, USA 1 + 2 = 3
    assert [c[1] for c in members.customdata] == [5, 6]
    assert fig.layout.xaxis.visible is False


def test_every_builder_sets_title_and_caption() -> None:
    empty = pd.DataFrame({"period": [], "indicator": [], "value": []})
    figs = [
        charts.family_scores(empty, title="a", caption=SAMPLE),
        charts.conflict_trend(empty, title="b", caption=SAMPLE),
        charts.network_graph(
            pd.DataFrame(
                columns=["source", "target", "engagements", "source_member", "target_member"]
            ).astype({"source_member": bool, "target_member": bool}),
            title="c",
            caption=SAMPLE,
        ),
    ]
    for fig, title in zip(figs, "abc", strict=True):
        assert fig.layout.title.text == title
        assert "Illustrative sample data, not real" in caption_text(fig)
        json.loads(pio.to_json(fig))  # serialisable for the browser


def test_plotly_config() -> None:
    cfg = charts.plotly_config("scores-Sahel / 2020", "svg")
    assert cfg["toImageButtonOptions"] == {"format": "svg", "filename": "scores-Sahel___2020", "scale": 1}
    assert cfg["topojsonURL"] == "app/static/topojson/"  # relative: served by the app, no CDN
    assert charts.plotly_config("x")["toImageButtonOptions"]["format"] == "png"
    with pytest.raises(ValueError):
        charts.plotly_config("x", "gif")


def test_bundled_topology_and_offline_export_setting() -> None:
    path = charts.TOPOJSON_DIR / "world_110m.json"
    topo = json.loads(path.read_text(encoding="utf-8"))
    assert len(topo["objects"]["countries"]["geometries"]) > 170
    before = pio.defaults.topojson
    try:
        directory = charts.configure_offline_topojson()
        assert directory == charts.TOPOJSON_DIR
        assert pio.defaults.topojson == directory.resolve().as_uri() + "/"
    finally:
        pio.defaults.topojson = before


def test_network_draws_the_busiest_partners_and_says_how_many_more():
    import pandas as pd

    from reports.charts import Caption, network_graph

    # one member (FRA) tied to 5 partners: USA with 5 engagements, CAN 4, JPN 3, AUS 2, IND 1
    edges = pd.DataFrame(
        {
            "source": ["FRA"] * 5,
            "target": ["USA", "CAN", "JPN", "AUS", "IND"],
            "engagements": [5, 4, 3, 2, 1],
            "source_member": [True] * 5,
            "target_member": [False] * 5,
        }
    )
    fig = network_graph(edges, title="t", caption=Caption("s", "2020-01", "2020-12", False), max_partners=3)
    names = [str(t) for tr in fig.data if tr.text is not None for t in tr.text]
    assert {"USA", "CAN", "JPN"} <= set(names) and not {"AUS", "IND"} & set(names)
    assert "2 more partners with fewer engagements not drawn" in str(fig.layout.annotations[0].text)
