"""Engagements started and agreements in force are never added together, and a year of a source
dated by year is never drawn as its January (``reports.compute.engagement_series``)."""

from __future__ import annotations

import math

import pandas as pd

from reports.compute import engagement_series


def _table() -> pd.DataFrame:
    rows = []
    for m in range(1, 13):  # MME-like exercises by month in 2020, one a month; ATOP-like pacts in force
        rows += [(f"2020-{m:02d}", "joint exercise", 1.0), (f"2020-{m:02d}", "defence pact", 3.0)]
    rows += [(f"2021-{m:02d}", "joint exercise", 2.0) for m in range(1, 7)]  # 2021 half covered
    rows += [
        ("2020", "joint exercise", 7.0),  # a yearly source counting the same kind
        ("2021", "joint exercise", 9.0),
        ("2020", "arms transfer", 4.0),  # SIPRI-like deliveries dated by year
        ("2021", "arms transfer", 5.0),
        ("2020", "defence agreement", 2.0),  # a yearly count of agreements in force
    ]
    return pd.DataFrame(rows, columns=["period", "kind", "engagements"])


def test_flows_of_mixed_grains_are_counted_by_year():
    flows, left = engagement_series(_table(), stocks=False)
    got = {(r.period, r.kind): r.engagements for r in flows.itertuples()}
    # 2020 exercises: the monthly source's whole year, 12 × 1 = 12 (not 12 + 7: never both sources);
    # 2021: only 6 months covered, so the monthly sum is no count and the yearly source's 9 stands
    assert got == {
        ("2020", "arms transfer"): 4.0,
        ("2020", "joint exercise"): 12.0,
        ("2021", "arms transfer"): 5.0,
        ("2021", "joint exercise"): 9.0,
    }
    assert left == []
    # no pact is among the flows: stocks are never stacked on engagements started
    assert not flows["kind"].str.contains("pact|agreement").any()


def test_stocks_stay_monthly_and_name_the_kinds_counted_by_year():
    stocks, left = engagement_series(_table(), stocks=True)
    assert set(stocks["kind"]) == {"defence pact"}
    assert stocks["period"].tolist() == [f"2020-{m:02d}" for m in range(1, 13)]
    assert stocks["engagements"].tolist() == [3.0] * 12
    assert left == ["defence agreement"]


def test_monthly_flows_alone_stay_monthly_with_their_gaps():
    table = pd.DataFrame(
        {
            "period": ["2020-01", "2020-02", "2020-03"],
            "kind": "joint exercise",
            "engagements": [1.0, math.nan, 0.0],
        }
    )
    flows, left = engagement_series(table, stocks=False)
    assert flows["period"].tolist() == ["2020-01", "2020-02", "2020-03"] and left == []
    assert math.isnan(flows["engagements"].iloc[1]) and flows["engagements"].iloc[2] == 0.0


def test_the_charts_draw_flows_and_agreements_apart(sample_bundle):
    """The sample's ASEAN: four kinds of flows and defence agreements in force, all by month."""
    from reports import figures
    from reports.compute import Frames
    from reports.export.catalog import selection_for

    frames = Frames(sample_bundle)
    sel = selection_for(frames, "ASEAN", "2016-01", "2025-12")
    table = frames.engagements_by_kind(sel)
    started, in_force = figures.engagements(sel, frames), figures.agreements(sel, frames)
    assert {t.name for t in started.figure.data} == {
        "arms transfer",
        "high level visit",
        "joint exercise",
        "training mission",
    }
    assert started.figure.layout.yaxis.title.text == "Engagements started per month"
    # the bars of a month add up the flows only: the agreements in force are not among them
    flows = table.loc[table["kind"] != "defence agreement"]
    assert sum(sum(v for v in t.y if v == v) for t in started.figure.data) == flows["engagements"].sum()
    assert [t.name for t in in_force.figure.data] == ["defence agreement"]
    assert in_force.figure.layout.showlegend is True  # one kind, still named
    assert in_force.figure.layout.yaxis.title.text == "Agreements in force"
    agreements = table.loc[table["kind"] == "defence agreement", "engagements"]
    assert list(in_force.figure.data[0].y) == agreements.tolist()


def test_the_region_page_falls_back_from_density_to_what_the_region_has(sample_bundle, monkeypatch):
    from reports import figures
    from reports.compute import Frames
    from reports.export.catalog import selection_for

    frames = Frames(sample_bundle)
    sel = selection_for(frames, "ASEAN", "2016-01", "2025-12")
    # the sample's ASEAN has a monthly density: that is the chart
    assert figures.region_collaboration(sel, frames).filename == f"density-{sel.region}"
    # a region without density (say, only yearly sources) but with engagements: the engagements
    started = figures.engagements(sel, frames)
    no_density = figures.density(sel, frames, compact=True)._replace(missing="No network density")
    monkeypatch.setattr(figures, "density", lambda *_a, **_k: no_density)
    assert figures.region_collaboration(sel, frames).filename == started.filename
    # neither: the agreements in force
    monkeypatch.setattr(figures, "engagements", lambda *_a: started._replace(missing="none"))
    assert figures.region_collaboration(sel, frames).filename == f"agreements-{sel.region}"
