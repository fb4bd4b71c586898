"""Yearly sources stay yearly in the breakdowns, totals and charts: a conflict-year count is never
drawn as its first month's count with zeros after it."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

import numpy as np
import pandas as pd
import pyarrow as pa
from conftest import incidents_frame

from metrics import breakdowns as bd
from metrics.coverage import yearly_grain
from metrics.cube import build_cube
from reports import charts
from reports.charts import Caption
from reports.compute import totals

MONTHLY_DAYS = [dt.date(2019, m, 10) for m in (1, 4, 4, 9)] + [dt.date(2020, 2, 3)]


def _mixed() -> pd.DataFrame:
    """BGD: four GED-like events in 2019 and one in 2020 (2 deaths each); IND: a yearly source's
    conflict-years, 3 in 2019 (500 deaths) and 1 in 2020 (40 deaths), dated the 1st of January."""
    rows = [{"iso3": "BGD", "event_date": d, "fatalities": 2, "source": "ged"} for d in MONTHLY_DAYS]
    rows += [
        {"iso3": "IND", "event_date": dt.date(2019, 1, 1), "fatalities": 500, "events": 3, "grain": "year"},
        {"iso3": "IND", "event_date": dt.date(2020, 1, 1), "fatalities": 40, "events": 1, "grain": "year"},
    ]
    frame = incidents_frame([{"source": "brd", **r} for r in rows])
    frame["events"] = frame["events"].astype("Int64")
    return frame


COVERAGE = pd.DataFrame(
    [
        ("incidents", "ged", "BGD", "2019-01-01", "2020-12-31", "day"),
        ("incidents", "brd", "IND", "2019-01-01", "2020-12-31", "year"),
    ],
    columns=["table", "source", "iso3", "first_day", "last_day", "grain"],
)


HEADER = "event_id,event_date,iso3,event_type,fatalities,source,events,grain\n"


def _frames(tmp_path, files: dict[str, str], regions: str):  # noqa: ANN202
    """``Frames`` over a new store holding ``files`` (name → CSV rows after ``HEADER``), with the
    regions ``regions`` (CSV rows after ``region,iso3``)."""
    from datasets.bundle import load_bundle
    from datasets.store import Store
    from reports.compute import Frames

    store = Store(tmp_path / "store")
    for name, rows in files.items():
        assert store.ingest((HEADER + rows).encode(), name).status == "stored"
    path = tmp_path / "regions.csv"
    path.write_text("region,iso3\n" + regions, encoding="utf-8")
    return Frames(load_bundle(store.root, path))


def test_a_yearly_member_makes_the_breakdown_yearly_with_whole_years():
    assert yearly_grain(COVERAGE, ["BGD", "IND"]) and not yearly_grain(COVERAGE, ["BGD"])
    for source in (_mixed(), build_cube(pa.Table.from_pandas(_mixed(), preserve_index=False))):
        out = bd.monthly_by_type(source, ["BGD", "IND"], start="2019-06", end="2020-03", yearly=True)
        battles = out.loc[out["event_type"] == "Battles"].set_index("period")
        # every year overlapping June 2019 to March 2020 counts whole, as the conflict indicators do
        assert list(battles.index) == ["2019", "2020"]
        assert battles.loc["2019", "incidents"] == 4 + 3  # BGD's four events + IND's three conflict-years
        assert battles.loc["2019", "fatalities"] == 4 * 2 + 500
        assert battles.loc["2020", "incidents"] == 1 + 1
        assert battles.loc["2020", "fatalities"] == 2 + 40
        assert out["incidents"].sum() == 9  # no other event type has any


def test_totals_of_yearly_rows_answer_for_a_december_end_only():
    frame = bd.monthly_by_type(_mixed(), ["BGD", "IND"], start="2019-01", end="2020-12", yearly=True)
    t = totals(frame, "2020-12")
    assert (t.incidents, t.fatalities, t.incidents_before, t.fatalities_before) == (2, 42, 7, 508)
    mid = totals(frame, "2020-06")  # the 12 months to June are no calendar year: not known
    assert (mid.incidents, mid.incidents_before) == (None, None)


def test_yearly_charts_are_labelled_by_year():
    frame = bd.monthly_by_type(_mixed(), ["BGD", "IND"], start="2019-01", end="2020-12", yearly=True)
    caption = Caption(source="test", start="2019", end="2020", illustrative=False)
    fig = charts.stacked_bars(
        frame,
        x="period",
        y="incidents",
        series="event_type",
        title="t",
        caption=caption,
        y_title="Incidents per year",
    )
    assert fig.layout.xaxis.title.text == "Year"
    assert fig.layout.xaxis.tickformat == "%Y" and fig.layout.xaxis.dtick == "M12"
    assert fig.data[0].hovertemplate.startswith("%{x|%Y}:")
    monthly = bd.monthly_by_type(_mixed(), ["BGD"], start="2019-01", end="2020-12")
    fig = charts.stacked_bars(
        monthly, x="period", y="incidents", series="event_type", title="t", caption=caption, y_title="x"
    )
    assert fig.layout.xaxis.title.text == "Month" and fig.layout.xaxis.tickformat is None
    tidy = pd.DataFrame(
        {
            "region": "R",
            "period": ["2017", "2018", "2019", "2020"],
            "indicator": "incidents",
            "value": [9.0, 8.0, 7.0, 2.0],
        }
    )
    trend = charts.conflict_trend(tidy, title="t", caption=caption)
    assert trend.layout.yaxis.title.text == "Incidents per year"
    assert "incidents/year per year" in str(trend.data[2].hovertemplate)


def test_the_exported_breakdown_of_a_region_with_a_yearly_source_is_by_year(tmp_path, capsys):
    from datasets.store import Store
    from stability.cli import main

    header = HEADER
    monthly = header + "".join(f"m{k},2020-{k:02d}-10,NER,Battles,1,mine,1,day\n" for k in range(1, 13))
    yearly = (
        header + "y1,2020-01-01,MLI,Battles,50,annual,40,year\ny2,2021-01-01,MLI,Battles,9,annual,7,year\n"
    )
    store = Store(tmp_path / "store")
    for name, text in (("m.csv", monthly), ("y.csv", yearly)):
        assert store.ingest(text.encode(), name).status == "stored"
    out = tmp_path / "by-type.csv"
    regions = tmp_path / "regions.csv"
    regions.write_text("region,iso3\nMali and Niger,MLI\nMali and Niger,NER\n", encoding="utf-8")
    args = [
        "export",
        "--store",
        str(store.root),
        "--regions",
        str(regions),
        "--chart",
        "incidents-by-type",
        "--region",
        "Mali and Niger",
    ]
    assert main([*args, "--start", "2020-01", "--end", "2021-12", "--out", str(out)]) == 0
    lines = out.read_text(encoding="utf-8-sig").splitlines()
    table = lines[lines.index("period,event_type,incidents,fatalities") + 1 :]
    battles = [line.split(",") for line in table if ",Battles," in line]
    # 2020: Niger's 12 monthly events + Mali's 40 conflict-years. 2021: only Mali is covered, and Mali
    # holds 22,388,630 / (22,388,630 + 24,502,140) = 47.7 % of the pair's people (World Bank 2021),
    # under half: the year is not shown rather than shown as Mali's 7 alone.
    assert battles == [["2020", "Battles", str(12 + 40), str(12 * 1 + 50)]]
    assert "Time span,2020-01 to 2021-12" in lines  # the requested end is accepted: coverage runs to Dec
    assert "data end" not in lines[1]  # Mali's 2021 row speaks for the whole of 2021


def test_the_span_of_the_incident_data_reaches_to_the_end_of_their_stated_coverage():
    from metrics.coverage import stated_span, widened_span

    coverage = pd.DataFrame(
        {
            "table": ["incidents", "incidents"],
            "source": ["annual", "mine"],
            "iso3": ["MLI", "NER"],
            "first_period": ["2019", "2020-03"],
            "last_period": ["2021", "2020-11"],
            "grain": ["year", "day"],
            "first_day": ["2019-01-01", "2020-03-04"],
            "last_day": ["2021-12-31", "2020-11-20"],
        }
    )
    assert stated_span(coverage) == ("2019-01", "2021-12")  # a yearly span runs January to December
    # events dated 2019-01-01 .. 2021-01-01 (a yearly row's date): the covered months after them count
    assert widened_span(("2019-01", "2021-01"), coverage) == ("2019-01", "2021-12")
    assert widened_span(("2019-01", "2021-01"), None) == ("2019-01", "2021-01")
    assert widened_span(None, coverage) is None  # no events at all: nothing to evaluate


def test_briefing_findings_of_yearly_data_say_the_data_are_yearly(tmp_path):
    from reports.export import findings
    from reports.export.catalog import selection_for

    line = "y{y},{y}-01-01,MLI,Battles,{deaths},annual,{events},year\n"
    rows = "".join(line.format(y=y, deaths=y - 2000, events=y - 2010) for y in range(2012, 2022))
    frames = _frames(tmp_path, {"mali.csv": rows}, "Mali,MLI\n")
    june = findings.conflict_findings(frames, selection_for(frames, "Mali", "2019-01", "2021-06"))
    assert june[0] == (
        "No year-on-year change to 2021-06: the incident data for these countries are yearly, so the "
        "change is read between calendar years: choose December as the end month."
    )
    assert june[2] == (
        "No alarm test: the incident data for these countries are yearly, and an alarm reads months."
    )
    december = findings.conflict_findings(frames, selection_for(frames, "Mali", "2019-01", "2021-12"))
    # 2021: 2021 − 2010 = 11 conflict-years, 21 deaths; 2020: 10 and 20
    rose = "Incidents rose 10 % year on year: 11 in the 12 months to 2021-12 against 10"
    assert december[0].startswith(rose)  # (11 − 10) / 10 = 10 %
    # yearly data raise no trend flag: the trend finding says why, never "needs 36 months of data"
    assert december[1] == june[1] == findings.YEARLY_TREND
    assert december[1].startswith("No downward-trend test: the incident data for these countries are yearly")
    # Mali has yearly incidents only (no collaboration, no perception): no index, and the reason
    (level, *_rest) = findings.composite_findings(frames, selection_for(frames, "Mali", "2019-01", "2021-12"))
    assert level.startswith("No stability index for 2021-12")


def test_the_largest_incidents_give_a_conflict_year_as_its_year():
    frame = _mixed()
    table = pa.Table.from_pandas(frame, preserve_index=False)
    for incidents in (frame, table, build_cube(table)):
        out = bd.largest_incidents(incidents, ["BGD", "IND"], start="2019-01", end="2020-12", limit=3)
        # IND 2019 (500 deaths), IND 2020 (40), then BGD's latest 2-death event (2020-02-03)
        assert out["event_date"].tolist() == ["2019", "2020", "2020-02-03"]
        assert out["fatalities"].tolist() == [500, 40, 2]
        assert "grain" not in out.columns


def test_a_region_whose_incidents_have_no_places_is_not_said_to_have_none(tmp_path):
    from metrics.signals_words import yearly_signals_words
    from reports import figures
    from reports.export.catalog import selection_for

    rows = "y1,2020-01-01,MLI,Battles,50,annual,40,year\ny2,2021-01-01,MLI,Battles,9,annual,7,year\n"
    frames = _frames(tmp_path, {"mali.csv": rows}, "Mali,MLI\n")
    sel = selection_for(frames, "Mali", "2020-01", "2021-12")
    chart = figures.event_map(sel, frames)
    # 40 + 7 = 47 conflict-years, none with coordinates: the map says why it is empty
    expected = "None of the 47 incidents of Mali from 2020-01 to 2021-12 has coordinates"
    assert chart.missing.startswith(expected)
    assert "No incidents recorded" not in chart.missing
    assert frames.yearly(sel)
    assert "Mali · Incidents per year · " in figures.conflict_trend(sel, frames).figure.layout.title.text
    words = yearly_signals_words()
    assert "no downward-trend flag and no alarm are raised" in words
    assert "Alarms read single months." in words


def test_yearly_words_quote_the_measured_yearly_figures():
    from metrics.signals_words import yearly_signals_words

    c = {
        "yearly_trend_fa": 0.081,
        "yearly_trend_power_swinging": 0.138,
        "yearly_trend_power_poisson_50": 0.505,
    }
    words = yearly_signals_words(8, c)
    # 0.081 of 100 regions → "about 8 in 100"; 13.8 % → 14 in 100; 50.5 % → 50 (round half to even)
    assert "a flag on the last 8 years that appeared by chance in about 8 in 100 regions or fewer" in words
    assert "within five years in at most 14 in 100 when years swing" in words
    assert "(50 in 100 with about 50 incidents a year" in words


def test_a_yearly_trend_chart_lists_no_flags_in_its_legend():
    tidy = pd.DataFrame(
        {
            "region": "R",
            "period": ["2017", "2018", "2019", "2020"] * 2,
            "indicator": ["incidents"] * 4 + ["downward_trend"] * 4,
            "value": [9.0, 8.0, 7.0, 2.0] + [np.nan] * 4,
        }
    )
    caption = Caption(source="test", start="2017", end="2020", illustrative=False)
    names = [
        t.name
        for t in charts.conflict_trend(tidy, title="t", caption=caption).data
        if t.showlegend is not False
    ]
    assert names == ["Incidents", "Trend (Sen)"]
    monthly = tidy.assign(period=tidy["period"] + "-01")
    names = [
        t.name
        for t in charts.conflict_trend(monthly, title="t", caption=caption).data
        if t.showlegend is not False
    ]
    assert names == ["Incidents", "Trend (Sen)", "Downward trend (0)", "Alarm (0)"]


def test_comparison_charts_of_yearly_data_say_why_they_are_empty(tmp_path):
    from reports import figures
    from reports.export.catalog import selection_for

    rows = "".join(
        f"{iso}{y},{y}-01-01,{iso},Battles,{k * 10},annual,{k},year\n"
        for k, iso in enumerate(("MLI", "NER"), start=1)
        for y in range(2015, 2022)
    )
    frames = _frames(tmp_path, {"annual.csv": rows}, "Mali,MLI\nNiger,NER\n")
    sel = selection_for(frames, "Mali", "2016-01", "2021-12")
    charts_by_name = {c.filename: c for c in figures.compare(sel, ("Mali", "Niger"), frames)}
    incidents = charts_by_name["compare-incidents_per_member"]
    # compared by year: Mali 1 conflict-year a year (one member), Niger 2, in 2016 … 2021
    assert not incidents.missing
    by_region = incidents.table.groupby("region")["value"].agg(["min", "max", "count"])
    assert by_region.loc["Mali"].tolist() == [1.0, 1.0, 6] and by_region.loc["Niger"].tolist() == [
        2.0,
        2.0,
        6,
    ]
    index = charts_by_name["compare-stability_index"].missing
    assert index == (
        "No stability index for Mali, Niger from 2016-01 to 2021-12: not enough data loaded. Load data "
        "for at least two families on the Data page or with `stability ingest`."
    )


def test_latest_of_mixed_yearly_and_monthly_sources(tmp_path):
    from datasets.bundle import load_bundle
    from datasets.store import Store
    from reports.compute import family_latest

    header = HEADER
    monthly = header + "".join(f"m{k},2020-{k:02d}-10,NER,Battles,1,mine,1,day\n" for k in range(1, 13))
    yearly = header + "y1,2020-01-01,MLI,Battles,50,annual,40,year\n"
    store = Store(tmp_path / "store")
    for name, text in (("m.csv", monthly), ("y.csv", yearly)):
        assert store.ingest(text.encode(), name).status == "stored"
    # the yearly source reaches 2020, as the monthly one does: the monthly source's last month
    assert family_latest(load_bundle(store.root), "conflict") == "2020-12"
    later = header + "y2,2021-01-01,MLI,Battles,9,annual,7,year\n"
    assert store.ingest(later.encode(), "y2021.csv").status == "stored"
    # only the yearly source reaches 2021: the latest period is that year, not 2021-01 or 2021-12
    assert family_latest(load_bundle(store.root), "conflict") == "2021"


def test_the_briefing_pack_of_yearly_data_states_no_flags_and_why():
    from metrics.signals_words import yearly_signals_words
    from reports.export import brief

    yearly = brief.methods_for(yearly=True, evaluation=False)
    assert yearly[0].startswith("Conflict: incidents and deaths per year")
    assert yearly[0].endswith(yearly_signals_words(8))
    assert not any("incidents and deaths per month" in m or m.startswith("Alarm:") for m in yearly)
    monthly = brief.methods_for(yearly=False, evaluation=True)
    assert monthly[:2] == list(brief.METHODS[:2]) and monthly[1].startswith("Alarm:")
    # the other bullets are shared; the evaluation's comes before the last ("Full formulas …")
    assert yearly[1:] == list(brief.METHODS[2:])
    assert monthly[-2] == brief.EVALUATION_METHOD and monthly[-1] == brief.METHODS[-1]
    assert len(monthly) == len(brief.METHODS) + 1


def test_event_type_legends_name_only_the_types_with_incidents(tmp_path):
    """UCDP and COW data hold battles only: the legend does not list five ACLED types with none."""
    from reports import figures
    from reports.export.catalog import selection_for

    rows = (
        "y1,2020-01-01,MLI,Battles,50,annual,40,year\n"
        "y2,2021-01-01,MLI,Battles,9,annual,7,year\n"
        "y3,2021-01-01,NER,Riots,0,annual,2,year\n"
    )
    frames = _frames(tmp_path, {"sahel.csv": rows}, "Sahel,MLI\nSahel,NER\n")
    sel = selection_for(frames, "Sahel", "2020-01", "2021-12")
    for measure in ("incidents", "fatalities"):
        chart = figures.by_event_type(sel, measure, frames)
        # Battles 40 + 7 = 47 incidents, Riots 2 (with 0 deaths: still named, as in the incidents chart)
        assert [t.name for t in chart.figure.data] == ["Battles", "Riots"]
        shown = {t.name: list(t.y) for t in chart.figure.data}
        if measure == "incidents":
            assert shown == {"Battles": [40.0, 7.0], "Riots": [0.0, 2.0]}
        assert chart.figure.layout.showlegend is True
    # a filter no incident passes: observed zeros of every type, no legend naming types with none
    none = dataclasses.replace(selection_for(frames, "Sahel", "2020-01", "2021-12"), min_fatalities=1000)
    empty = figures.by_event_type(none, "incidents", frames)
    assert empty.figure.layout.showlegend is False


def test_regions_with_yearly_incidents_are_compared_by_year(tmp_path):
    """UCDP-only users compare regions too: per member country per year, on a year axis."""
    from reports import figures
    from reports.export.catalog import selection_for

    rows = (
        "m1,2020-01-01,MLI,Battles,50,annual,40,year\n"
        "m2,2021-01-01,MLI,Battles,9,annual,6,year\n"
        "n1,2020-01-01,NER,Battles,5,annual,2,year\n"
        "c1,2021-01-01,COL,Battles,3,annual,9,year\n"
    )
    frames = _frames(tmp_path, {"ucdp.csv": rows}, "Sahel,MLI\nSahel,NER\nAndes,COL\n")
    sel = selection_for(frames, "Sahel", "2020-01", "2021-12")
    per_member = frames.compare(sel, ("Sahel", "Andes"))["incidents_per_member"]
    got = {(r.region, r.period): r.value for r in per_member.itertuples()}
    # Sahel (2 members): 2020 (40 + 2) / 2 = 21, 2021 (6 + 0) / 2 = 3; Andes (1 member): 2021 9, 2020 none
    assert got[("Sahel", "2020")] == 21.0 and got[("Sahel", "2021")] == 3.0
    assert got[("Andes", "2021")] == 9.0
    chart = figures.compare(sel, ("Sahel", "Andes"), frames)[1]
    assert not chart.missing
    assert "Incidents per member country per year" in chart.figure.layout.title.text
    assert chart.figure.layout.yaxis.title.text == "Incidents per country per year"
    assert chart.figure.layout.xaxis.tickformat == "%Y" and chart.figure.layout.xaxis.title.text == "Year"


def test_monthly_and_yearly_regions_are_compared_by_year(tmp_path):
    """A region with monthly events and one with conflict-years: both by year (the coarsest common
    grain), a monthly region's year its 12 months summed, a partly covered year missing."""
    from reports import figures
    from reports.export.catalog import selection_for

    monthly = "".join(f"b{m},2020-{m:02d}-15,BGD,Battles,1,ged,,\n" for m in range(1, 13))
    monthly += "".join(f"b2{m},2021-{m:02d}-15,BGD,Battles,1,ged,,\n" for m in range(1, 13))
    yearly = "m1,2020-01-01,MLI,Battles,50,annual,40,year\nm2,2021-01-01,MLI,Battles,9,annual,6,year\n"
    frames = _frames(tmp_path, {"ged.csv": monthly, "brd.csv": yearly}, "Bengal,BGD\nSahel,MLI\n")
    sel = selection_for(frames, "Bengal", "2020-01", "2021-12")
    chart = figures.compare(sel, ("Bengal", "Sahel"), frames)[1]
    assert "Incidents per member country per year" in chart.figure.layout.title.text
    got = {(r.region, r.period): r.value for r in chart.table.itertuples()}
    # Bengal: one event a month, one member: 12 a year; Sahel (one member): 40 in 2020, 6 in 2021
    assert got == {
        ("Bengal", "2020"): 12.0,
        ("Bengal", "2021"): 12.0,
        ("Sahel", "2020"): 40.0,
        ("Sahel", "2021"): 6.0,
    }
    # a span starting in March: Bengal's 2020 has 10 months in it, so no count for 2020
    march = selection_for(frames, "Bengal", "2020-03", "2021-12")
    part = figures.compare(march, ("Bengal", "Sahel"), frames)[1].table
    bengal = part.loc[part["region"] == "Bengal"].set_index("period")["value"]
    assert math.isnan(bengal["2020"]) and bengal["2021"] == 12.0
    # a region without any value is named in the caption
    none = figures.compare(sel, ("Bengal", "Sahel", "Nowhere"), frames)[1]
    assert "no values for Nowhere here" in str(none.figure.layout.annotations[0].text)


def test_a_missing_index_in_the_briefing_names_the_family_that_has_a_score(tmp_path):
    """Yearly incidents and a governance index: two families loaded, one score in the month."""
    from datasets.bundle import load_bundle
    from datasets.store import Store
    from reports.compute import Frames
    from reports.export import findings
    from reports.export.catalog import selection_for

    store = Store(tmp_path / "store")
    incidents = HEADER + "".join(f"y{y},{y}-01-01,MLI,Battles,9,annual,3,year\n" for y in range(2015, 2022))
    wgi = "survey,wave_date,iso3,indicator,value,source,scale,period_grain,std_error\n" + "".join(
        f"WGI,{y}-01-01,MLI,political_stability,-1.5,World Bank,index,year,0.2\n" for y in range(2015, 2022)
    )
    for name, text in (("brd.csv", incidents), ("wgi.csv", wgi)):
        assert store.ingest(text.encode(), name).status == "stored"
    regions = tmp_path / "regions.csv"
    regions.write_text("region,iso3\nMali,MLI\n", encoding="utf-8")
    frames = Frames(load_bundle(store.root, regions))
    level = findings.composite_findings(frames, selection_for(frames, "Mali", "2016-01", "2021-07"))[0]
    # the yearly incidents give no monthly conflict score; WGI 2021 counts from July 2021
    assert level.startswith(
        "No stability index for 2021-07: only Public perception has a score for that month, and the "
        "index needs two"
    )
