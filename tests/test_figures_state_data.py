"""Every chart states its data or its absence (issue 17): figure-property tests over every exportable
chart, on the bundled sample with filters and on months without any data."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

from datasets.countries import CURRENT_ISO3
from reports import charts, figures
from reports.charts import Caption
from reports.compute import Frames
from reports.export import catalog
from reports.export.catalog import selection_for


@pytest.fixture(scope="module")
def frames(sample_bundle) -> Frames:
    return Frames(sample_bundle)


def _charts(frames: Frames, sel) -> list[tuple[str, figures.Chart]]:
    out = []
    for spec in catalog.chart_catalog():
        try:
            made = spec.make(frames, sel)
        except ValueError:  # e.g. no survey wave of that question: the export says so in one sentence
            continue
        for k, chart in enumerate(made if isinstance(made, list) else [made]):
            out.append((f"{spec.name}-{k}", chart))
    return out


def test_titles_say_region_filters_and_span(frames: Frames) -> None:
    sel = replace(selection_for(frames, "Sahel", "2016-01", "2025-12"), event_types=("Battles",))
    built = dict(_charts(frames, sel))
    assert built, "no chart built"
    for name in ("conflict-trend-0", "incidents-by-type-0", "event-map-0", "top-countries-0"):
        assert name in built, sorted(built)
        title = charts.title_text(built[name].figure)
        assert title.startswith("Sahel · ") and " · Battles · " in title and title.endswith("2016–2025"), (
            title
        )
    # The by-type chart keeps its legend with one event type: the one trace is named.
    by_type = built["incidents-by-type-0"].figure
    assert [t.name for t in by_type.data] == ["Battles"]
    # Collaboration charts carry no incident filter, but region and span.
    network = charts.title_text(built["network-0"].figure)
    assert network == "Sahel · Who engaged with whom · 2016–2025"


def test_a_minimum_of_deaths_and_countries_are_said(frames: Frames) -> None:
    sel = replace(selection_for(frames, "Sahel", "2020-03", "2021-06"), countries=("MLI",), min_fatalities=5)
    chart = figures.conflict_trend(sel, frames)
    title = charts.title_text(chart.figure)
    assert (
        title == "Sahel · Incidents, trailing mean, trend and flags · Mali · ≥ 5 deaths · 2020-03 to 2021-06"
    )


@pytest.mark.parametrize("region", ["Sahel", "ASEAN"])
def test_every_chart_has_data_traces_and_a_short_source_line(frames: Frames, region: str) -> None:
    sel = selection_for(frames, region)
    for name, chart in _charts(frames, sel):
        lines = charts.shown_caption_lines(chart.figure)
        assert 1 <= len(lines) <= charts.CAPTION_LINES, (name, lines)
        assert "Source" in " ".join(lines), (name, lines)
        if chart.missing:
            assert not chart.figure.data, name  # the sentence, never empty axes
        else:
            assert charts.has_data(chart.figure), name


def test_months_without_data_give_a_sentence_not_an_empty_figure(frames: Frames) -> None:
    """The sample starts in 2015: months before it have no incidents, engagements or survey waves."""
    sel = replace(selection_for(frames, "Sahel"), start="2001-01", end="2001-12")
    stated = dict(_charts(frames, sel))
    for name in (
        "conflict-trend-0",
        "network-density-0",
        "perception-0",
        "engagements-by-kind-0",
        "network-0",
    ):
        chart = stated[name]
        assert chart.missing, name
        assert not chart.figure.data and not charts.has_data(chart.figure)
        assert "for Sahel from 2001-01 to 2001-12" in chart.missing
        assert "Data page" in chart.missing and "stability ingest" in chart.missing
        texts = [a.text for a in chart.figure.layout.annotations]
        assert any("for Sahel from 2001-01" in t.replace("<br>", " ") for t in texts)  # the image says it too
    assert stated["conflict-trend-0"].missing.startswith("No conflict incident figures for Sahel")


def test_has_data_counts_numbers_not_dates() -> None:
    cap = Caption("S", "2020-01", "2020-02", illustrative=False)
    empty = pd.DataFrame({"period": ["2020-01", "2020-02"], "label": ["A", "A"], "value": [None, None]})
    kw = {"x": "period", "y": "value", "series": "label", "title": "t", "caption": cap, "y_title": "n"}
    assert not charts.has_data(charts.lines(empty, **kw))  # dates on x, no number on y
    one = empty.assign(value=[None, 3.0])
    assert charts.has_data(charts.lines(one, **kw))


def test_long_source_lists_are_numbered_short_names_in_two_lines() -> None:
    cap = Caption(
        "UCDP Georeferenced Event Dataset (GED) Global version 24.1, Sundberg and Melander 2013; "
        "SIPRI Arms Transfers Database, Stockholm International Peace Research Institute; "
        "Alliance Treaty Obligations and Provisions (ATOP) 5.1, Leeds et al. 2002",
        "2015-01",
        "2025-12",
        illustrative=False,
        note="collaboration data end 2023-12; no perception data loaded",
    )
    lines = charts.caption_lines(cap)
    assert lines == [
        "Sources: [1] UCDP GED, [2] SIPRI Arms Transfers Database, [3] ATOP · 2015-01 to 2025-12",
        "collaboration data end 2023-12; no perception data loaded",
    ]
    narrow = charts.caption_lines(cap, charts.COMPACT_CAPTION_WIDTH)
    assert len(narrow) == 2 and narrow[-1].endswith("… (see Sources)")
    assert all(len(line) <= charts.COMPACT_CAPTION_WIDTH for line in narrow)
    fig = charts.lines(pd_frame(), x="period", y="value", series="label", title="t", caption=cap, y_title="n")
    assert charts.caption_text(fig) == cap.text  # the full attribution stays with the figure
    assert charts.shown_caption_lines(fig) == lines


def pd_frame() -> pd.DataFrame:
    return pd.DataFrame({"period": ["2020-01"], "label": ["A"], "value": [1.0]})


def test_network_labels_point_outward_and_dense_rings_label_the_busiest() -> None:
    members = ["FRA", "DEU"]
    partners = sorted(CURRENT_ISO3 - {"FRA", "DEU"})[:30]
    rows = [
        {"source": "FRA", "target": p, "engagements": k + 1, "source_member": True, "target_member": False}
        for k, p in enumerate(partners)
    ]
    rows.append(
        {"source": "FRA", "target": "DEU", "engagements": 3, "source_member": True, "target_member": True}
    )
    cap = Caption("S", "2020-01", "2020-12", illustrative=False)
    fig = charts.network_graph(pd.DataFrame(rows), title="t", caption=cap)
    nodes = {t.name: t for t in fig.data if t.name in ("Members", "Partners")}
    assert sorted(nodes["Members"].text) == sorted(members)  # a sparse ring labels every node
    shown = [s for s in nodes["Partners"].text if s]
    # 30 partners > RING_LABELS = 20: the 20 with the most engagements are labelled
    assert sorted(shown) == partners[10:]  # partners[k] has k + 1 engagements
    assert len(nodes["Partners"].customdata) == 30  # every node keeps its hover text
    for trace in nodes.values():
        for x, y, where in zip(trace.x, trace.y, trace.textposition, strict=True):
            if abs(x) >= abs(y):
                assert where == ("middle right" if x >= 0 else "middle left")
            else:
                assert where == ("top center" if y >= 0 else "bottom center")
