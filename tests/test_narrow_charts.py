"""A chart in half the page: title and caption wrapped short enough not to be cut, the sources by
their own short names (not the store's label split at its semicolons)."""

from __future__ import annotations

import json

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import pytest

from reports import charts

LABEL = (
    "Your data store: 3 batches (UCDP BRD, UCDP GED, UCDP ACD); sources: UCDP Battle-Related Deaths "
    "Dataset, © UCDP; UCDP Georeferenced Event Dataset (GED) Global version 25.1; UCDP/PRIO Armed "
    "Conflict Dataset"
)


def _figure(names: tuple[str, ...] = ("UCDP BRD", "UCDP GED", "UCDP/PRIO ACD")) -> go.Figure:
    frame = pd.DataFrame(
        {"period": ["2022-01", "2022-02"], "event_type": ["Battles"] * 2, "incidents": [3, 4]}
    )
    caption = charts.Caption(LABEL, "2013-02", "2023-01", False, "incidents data end 2023-01", names)
    return charts.stacked_bars(
        frame,
        x="period",
        y="incidents",
        series="event_type",
        title="Sahel · Incidents by event type · Battles, Explosions/Remote violence · 2013-02 to 2023-01",
        caption=caption,
        y_title="Incidents per month",
    )


def _caption_lines(fig: dict) -> list[str]:
    [note] = [a for a in fig["layout"]["annotations"] if a.get("name") == "caption"]
    return note["text"].split("<br>")


def test_a_narrow_chart_wraps_its_title_and_caption_at_the_compact_widths() -> None:
    wide = _figure()
    slim = charts.narrow(wide)
    lines = _caption_lines(slim)
    assert len(lines) <= charts.CAPTION_LINES
    assert all(len(line) <= charts.COMPACT_CAPTION_WIDTH for line in lines), lines
    # the short names, numbered, then the span: nothing from the store's label
    assert " ".join(lines).startswith("Sources: [1] UCDP BRD, [2] UCDP GED, [3]")
    assert "Your data store" not in " ".join(lines) and "[4]" not in " ".join(lines)
    title = slim["layout"]["title"]["text"].split("<br>")
    assert len(title) >= 2 and all(len(t) <= charts.TITLE_WIDTH // 2 + 10 for t in title), title
    # room for them: 120 px over the plot for the first title line and 20 px for each further one
    assert slim["layout"]["margin"]["t"] == 120 + 20 * (len(title) - 1)
    assert json.loads(pio.to_json(slim))["layout"]["margin"]["t"] == slim["layout"]["margin"]["t"]
    # the wide figure (what the downloads draw) is unchanged, with its lines at the full width
    assert all(len(x) <= charts.CAPTION_WIDTH for x in _caption_lines(wide.to_dict()))
    assert wide.layout.title.text != slim["layout"]["title"]["text"]


def test_without_names_the_caption_falls_back_to_the_parts_of_its_source() -> None:
    lines = _caption_lines(charts.narrow(_figure(names=())))
    assert len(lines) <= charts.CAPTION_LINES and all(len(x) <= charts.COMPACT_CAPTION_WIDTH for x in lines)


def test_a_figure_not_built_here_is_left_as_it_is() -> None:
    fig = go.Figure(go.Bar(x=[1], y=[2]), layout={"title": {"text": "Own"}})
    assert charts.narrow(fig)["layout"]["title"]["text"] == "Own"


def test_a_chart_in_a_third_of_the_page_wraps_its_title_shorter_and_lowers_it() -> None:
    third = charts.narrow(_figure(), 3)
    lines = third["layout"]["title"]["text"].split("<br>")
    # at most TITLE_WIDTH // 3 + 10 = 36 characters a line, besides the " ·" ending a broken line
    assert all(len(line.removesuffix(" ·")) <= charts.TITLE_WIDTH // 3 + 10 for line in lines), lines
    assert len(lines) >= 2
    # plotly stacks a title's further lines above its anchor: the anchor is lowered by one line
    # (21 px) per further line, on the figure's own height
    height = third["layout"]["height"]
    assert third["layout"]["title"]["y"] == pytest.approx(0.985 - 21 * (len(lines) - 1) / height)
    assert third["layout"]["margin"]["t"] == 120 + 20 * (len(lines) - 1)


def test_a_one_line_title_stays_where_it_was() -> None:
    assert charts.title_y(1, 460) == pytest.approx(0.985)
    assert charts.title_y(3, 460) == pytest.approx(0.985 - 42 / 460)
