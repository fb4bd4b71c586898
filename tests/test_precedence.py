"""One conflict source per country-month: sources covering the same months are not added together."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from conftest import incidents_frame, monthly_incidents, value

from datasets.coverage import load_coverage
from datasets.loaders import load_table
from datasets.precedence import drop_shadowed, set_aside, source_rank, used_coverage
from datasets.store import Store
from metrics.conflict import conflict_indicators
from metrics.coverage import country_coverage

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "real" / "conflict"
GED = REAL / "ucdp_ged_hdx_conflict_data_BGD_with_HXL_tag_row.csv"
BRD = REAL / "ucdp_brd_conflict_v24_1.csv"


def _cov(rows: list[tuple[str, str, str, str, str]]) -> pd.DataFrame:
    """Coverage rows ``(source, iso3, first_day, last_day, grain)`` of the incidents table."""
    return pd.DataFrame(
        [("incidents", s, iso, a, b, g) for s, iso, a, b, g in rows],
        columns=["table", "source", "iso3", "first_day", "last_day", "grain"],
    )


def test_the_finer_source_counts_and_the_yearly_one_keeps_the_years_left():
    cov = _cov(
        [
            ("UCDP BRD", "BGD", "1989-01-01", "2023-12-31", "year"),
            ("UCDP GED", "BGD", "1989-01-01", "2018-12-31", "day"),
            ("UCDP BRD", "IND", "1989-01-01", "2023-12-31", "year"),
        ]
    )
    used = used_coverage(cov)
    spans = sorted(zip(used["source"], used["iso3"], used["first_day"], used["last_day"], strict=True))
    assert spans == [
        ("UCDP BRD", "BGD", "2019-01-01", "2023-12-31"),  # GED's file ends in 2018
        ("UCDP BRD", "IND", "1989-01-01", "2023-12-31"),  # nobody else covers India
        ("UCDP GED", "BGD", "1989-01-01", "2018-12-31"),
    ]
    aside = set_aside(cov)
    assert aside[["source", "iso3", "first_day", "last_day", "counted_instead"]].values.tolist() == [
        ["UCDP BRD", "BGD", "1989-01-01", "2018-12-31", "UCDP GED"]
    ]


def test_a_yearly_source_keeps_a_whole_year_or_nothing():
    # GED covers June 2010 to 2012: BRD loses 2010 whole (January-May are nobody's), keeps 2008-09, 2013
    cov = _cov(
        [
            ("UCDP BRD", "BGD", "2008-01-01", "2013-12-31", "year"),
            ("UCDP GED", "BGD", "2010-06-01", "2012-12-31", "day"),
        ]
    )
    used = used_coverage(cov).sort_values(["source", "first_day"])
    assert used[["source", "first_day", "last_day"]].values.tolist() == [
        ["UCDP BRD", "2008-01-01", "2009-12-31"],
        ["UCDP BRD", "2013-01-01", "2013-12-31"],
        ["UCDP GED", "2010-06-01", "2012-12-31"],
    ]
    grid = country_coverage(cov, ["BGD"])
    assert grid is not None
    months = list(grid.months)
    # January to May 2010 are covered by no source that counts there
    assert not grid.mask[0, months.index("2010-01") : months.index("2010-05") + 1].any()
    assert grid.mask[0, months.index("2010-06")] and grid.mask[0, months.index("2009-12")]


def test_the_rank_is_grain_then_a_fixed_order_then_the_name():
    assert source_rank("ACLED", "day") < source_rank("UCDP GED", "day") < source_rank("mine", "day")
    assert source_rank("mine", "day") < source_rank("ACLED aggregated", "month")
    assert source_rank("ACLED aggregated", "month") < source_rank("UCDP BRD", "year")
    assert source_rank("UCDP BRD", "year") < source_rank("UCDP/PRIO ACD", "year")
    assert source_rank("alpha", "day") < source_rank("beta", "day")


def _rows() -> pd.DataFrame:
    ged = monthly_incidents("BGD", [2, 3, 1], first="1991-01", fatalities=4)
    brd = [{"iso3": "BGD", "event_date": dt.date(1991, 1, 1), "fatalities": 30, "events": 1, "grain": "year"}]
    brd_ind = [
        {"iso3": "IND", "event_date": dt.date(1991, 1, 1), "fatalities": 900, "events": 2, "grain": "year"}
    ]
    frame = incidents_frame(
        [{**r, "source": "UCDP GED"} for r in ged] + [{**r, "source": "UCDP BRD"} for r in brd + brd_ind]
    )
    frame["events"] = frame["events"].astype("Int64")
    return frame


def test_rows_of_the_source_set_aside_are_dropped_and_no_others():
    table = pa.Table.from_pandas(_rows(), preserve_index=False)
    cov = _cov(
        [
            ("UCDP GED", "BGD", "1991-01-01", "1991-03-31", "day"),
            ("UCDP BRD", "BGD", "1991-01-01", "1991-12-31", "year"),
            ("UCDP BRD", "IND", "1991-01-01", "1991-12-31", "year"),
        ]
    )
    kept = drop_shadowed(table, cov)
    # BRD's 1991 count for Bangladesh goes (GED covers months of 1991); India's stays
    assert kept.num_rows == table.num_rows - 1
    left = kept.to_pandas()
    assert sorted(left.loc[left["source"] == "UCDP BRD", "iso3"]) == ["IND"]
    assert (left["source"] == "UCDP GED").sum() == 2 + 3 + 1


def test_without_overlap_the_table_is_the_same_object():
    table = pa.Table.from_pandas(_rows(), preserve_index=False)
    cov = _cov(
        [
            ("UCDP GED", "BGD", "1991-01-01", "1991-03-31", "day"),
            ("UCDP BRD", "IND", "1991-01-01", "1991-12-31", "year"),
        ]
    )
    assert drop_shadowed(table, cov) is table
    assert used_coverage(cov) is cov
    assert set_aside(cov).empty


def test_two_event_sources_in_any_load_order_count_once():
    acled = monthly_incidents("MLI", [5, 6, 7, 8], first="2020-01")
    ged = monthly_incidents("MLI", [2, 2, 2, 2, 2, 2], first="2019-11")  # two months before ACLED's
    rows = [{**r, "source": "ACLED"} for r in acled] + [{**r, "source": "UCDP GED"} for r in ged]
    regions = pd.DataFrame({"region": ["Sahel"], "iso3": ["MLI"]})
    spans = [
        ("ACLED", "MLI", "2020-01-01", "2020-04-30", "day"),
        ("UCDP GED", "MLI", "2019-11-01", "2020-04-30", "day"),
    ]
    results = []
    for order in itertools.permutations(range(2)):
        cov = _cov([spans[k] for k in order])
        frame = incidents_frame(rows if order == (0, 1) else rows[::-1])
        results.append(conflict_indicators(frame, regions, coverage=cov, signals=False))
    for out in results:
        # 2019-11, 2019-12: GED alone (2 a month); 2020-01..04: ACLED alone (5, 6, 7, 8), not 7, 8, 9, 10
        got = [value(out, "Sahel", p, "incidents") for p in ("2019-11", "2019-12", "2020-01", "2020-04")]
        assert got == [2, 2, 5, 8]


def test_a_region_stays_monthly_when_its_yearly_source_is_set_aside_everywhere():
    regions = pd.DataFrame({"region": ["Bay"], "iso3": ["BGD"]})
    cov = _cov(
        [
            ("UCDP GED", "BGD", "1991-01-01", "1991-12-31", "day"),
            ("UCDP BRD", "BGD", "1991-01-01", "1991-12-31", "year"),
        ]
    )
    out = conflict_indicators(_rows(), regions, coverage=cov, signals=False)
    periods = set(out["period"])
    assert "1991" not in periods and "1991-02" in periods  # GED's months, not BRD's year
    assert value(out, "Bay", "1991-02", "incidents") == 3
    assert value(out, "Bay", "1991-02", "fatalities") == 3 * 4  # three events of 4 deaths, no BRD deaths


def _store_with(tmp_path: Path, texts: list[tuple[str, str]]) -> Store:
    store = Store(tmp_path / "store")
    for name, text in texts:
        assert store.ingest(text.encode(), name).status == "stored"
    return store


HEADER = "event_id,event_date,iso3,event_type,fatalities,source,events,grain\n"

MONTHLY = HEADER + "".join(f"m{k},2020-{k:02d}-10,MLI,Battles,1,mine,3,day\n" for k in range(1, 13))
YEARLY = HEADER + "y1,2020-01-01,MLI,Battles,50,annual,40,year\ny2,2021-01-01,MLI,Battles,9,annual,7,year\n"


def test_a_store_reads_one_source_per_country_month_in_both_load_orders(tmp_path):
    # 3 events a month in 2020; a yearly file for 2020 and 2021
    regions = pd.DataFrame({"region": ["Sahel"], "iso3": ["MLI"]})
    answers = []
    for k, texts in enumerate(
        ([("m.csv", MONTHLY), ("y.csv", YEARLY)], [("y.csv", YEARLY), ("m.csv", MONTHLY)])
    ):
        store = _store_with(tmp_path / str(k), texts)
        table = load_table("incidents", store.root).table
        # the yearly 2020 row is set aside (the monthly file covers 2020); 2021 is the yearly file's alone
        assert sorted(table.column("event_id").to_pylist()) == sorted(
            [f"m{i}" for i in range(1, 13)] + ["y2"]
        )
        cov = load_coverage(store.root, regions)
        out = conflict_indicators(table, regions, coverage=cov, signals=False)
        # a yearly member makes the region yearly: 2020 = 12 months × 3, 2021 = the yearly count 7
        answers.append((value(out, "Sahel", "2020", "incidents"), value(out, "Sahel", "2021", "incidents")))
        aside = set_aside(cov)
        assert aside[["source", "first_day", "last_day", "counted_instead"]].values.tolist() == [
            ["annual", "2020-01-01", "2020-12-31", "mine"]
        ]
    assert answers == [(36, 7), (36, 7)]


@pytest.mark.skipif(not (GED.is_file() and BRD.is_file()), reason="the real files are not available")
def test_real_ged_and_brd_count_bangladesh_once(tmp_path):
    store = Store(tmp_path / "store")
    assert store.ingest(GED).status == "stored"
    assert store.ingest(BRD, skip_invalid=True).status == "stored"
    # Bangladesh's GED events of 1991, read from the file (a tag row follows the header)
    records = list(csv.DictReader(io.StringIO(GED.read_text(encoding="utf-8"))))[1:]
    ged_1991 = sum(1 for r in records if r["iso3"] == "BGD" and r["date_start"].startswith("1991"))
    assert ged_1991 > 0
    ged_deaths = sum(
        int(r["best"]) for r in records if r["iso3"] == "BGD" and r["date_start"].startswith("1991")
    )
    with BRD.open(encoding="utf-8") as f:  # BRD's conflict-years fought in Bangladesh (G-W 771)
        brd_years = [int(r["year"]) for r in csv.DictReader(f) if "771" in r["gwno_loc"].split(", ")]
    assert brd_years and max(brd_years) <= 2018  # all inside GED's span
    table = load_table("incidents", store.root).table
    stored = table.to_pylist()
    assert not [r for r in stored if r["source"] == "UCDP BRD" and r["iso3"] == "BGD"]  # set aside
    assert len([r for r in stored if r["source"] == "UCDP GED"]) == len(records)
    regions = pd.DataFrame({"region": ["Bay"], "iso3": ["BGD"]})
    out = conflict_indicators(table, regions, coverage=load_coverage(store.root, regions), signals=False)
    # yearly (BRD alone covers 2019-2023): 1991 is GED's events alone, not one BRD conflict-year more
    assert value(out, "Bay", "1991", "incidents") == ged_1991
    assert value(out, "Bay", "1991", "fatalities") == ged_deaths
    assert value(out, "Bay", "2019", "incidents") == 0  # BRD's observed zero: no conflict-year there


def test_the_prepared_incidents_hold_one_source_per_country_month(tmp_path):
    from metrics.prepared import prepare

    store = _store_with(tmp_path, [("y.csv", YEARLY), ("m.csv", MONTHLY)])
    assert prepare(store.root) is not None
    dataset = load_table("incidents", store.root)
    assert dataset.derived is not None  # memory-mapped from the prepared folder
    assert "y1" not in dataset.table.column("event_id").to_pylist()
    assert dataset.table.num_rows == 12 + 1


def test_the_coverage_command_says_which_source_is_set_aside(tmp_path, capsys):
    from stability.cli import main

    store = _store_with(tmp_path, [("y.csv", YEARLY), ("m.csv", MONTHLY)])
    assert main(["coverage", "--store", str(store.root)]) == 0
    out, err = capsys.readouterr()
    assert "incidents,annual,MLI,2020,2021,year" in out  # the table lists what each source covers
    assert "note: annual is set aside for Mali (2020): mine covers the same months and counts there" in err


def test_the_data_page_says_which_source_is_set_aside(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    store = _store_with(tmp_path, [("y.csv", YEARLY), ("m.csv", MONTHLY)])
    monkeypatch.setenv("STABILITY_STORE", str(store.root))
    app = Path(__file__).resolve().parents[1] / "dashboard" / "app.py"
    at = AppTest.from_file(str(app), default_timeout=60)
    at.run()
    at.switch_page("views/data.py").run()
    assert not at.exception, at.exception
    infos = [str(e.value) for e in at.info]
    assert any(
        i.startswith("annual is set aside for Mali (2020): mine covers the same months") for i in infos
    )


def test_the_coverage_chart_draws_the_source_that_counts() -> None:
    from reports.charts_coverage import coverage_figure

    coverage = pd.DataFrame(
        [
            ("incidents", "UCDP GED", "BGD", "1989-01", "2018-12", "day", "1989-01-01", "2018-12-31"),
            ("incidents", "UCDP BRD", "BGD", "1989", "2023", "year", "1989-01-01", "2023-12-31"),
        ],
        columns=["table", "source", "iso3", "first_period", "last_period", "grain", "first_day", "last_day"],
    )
    both = coverage_figure(coverage)  # as stated: BRD's bar runs 1989-2023, under GED's
    assert [t.base[0] for t in both.data if t.name == "UCDP BRD"] == ["1989-01-01"]
    counted = coverage_figure(coverage, counted=True)
    # GED (finer) counts 1989-2018; BRD only the years GED does not reach: 2019-2023
    brd = [t for t in counted.data if t.name == "UCDP BRD"][0]
    assert (brd.base[0], tuple(brd.customdata[0])) == ("2019-01-01", ("2019", "2023", "year"))
    ged = [t for t in counted.data if t.name == "UCDP GED"][0]
    assert tuple(ged.customdata[0][:2]) == ("1989-01", "2018-12")
    assert counted.layout.title.text == "Which source counts for each country, and when"


def test_a_source_set_aside_for_two_others_is_said_in_the_plural() -> None:
    from datasets.precedence import overlap_notes

    rows = [
        ("incidents", "COW inter-state war", "AGO", "1946", "2003", "year", "1946-01-01", "2003-12-31"),
        ("incidents", "UCDP/PRIO ACD", "AGO", "1946", "2023", "year", "1946-01-01", "2023-12-31"),
        ("incidents", "UCDP BRD", "AGO", "1989", "2023", "year", "1989-01-01", "2023-12-31"),
    ]
    columns = ["table", "source", "iso3", "first_period", "last_period", "grain", "first_day", "last_day"]
    notes = overlap_notes(pd.DataFrame(rows, columns=columns))
    # BRD counts from 1989, ACD (next in order) 1946-1988: COW's years are covered by both
    assert notes == [
        "COW inter-state war is set aside for Angola (1946–2003): UCDP BRD, UCDP/PRIO ACD cover the same "
        "months and count there, so the same fighting is not counted twice.",
        "UCDP/PRIO ACD is set aside for Angola (1989–2023): UCDP BRD covers the same months and counts "
        "there, so the same fighting is not counted twice.",
    ]
