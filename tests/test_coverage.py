"""Coverage: observed zero inside it, missing outside; plausible dates; yearly data stay yearly."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from conftest import incidents_frame, monthly_incidents, value

from datasets.coverage import (
    GLOBAL_MIN_COUNTRIES,
    coverage_rows,
    derive_coverage,
    load_coverage,
    parse_coverage,
)
from datasets.loaders import load_table
from datasets.store import Store
from metrics.conflict import conflict_indicators
from metrics.coverage import country_coverage
from stability.cli import main

PAIR = pd.DataFrame({"region": ["Pair", "Pair"], "iso3": ["MLI", "NER"]})


def _panel() -> tuple[pd.DataFrame, pd.DataFrame]:
    """MLI covered 2018-01…2024-12 with 2 incidents every month; NER covered 2020-01…2023-06 with 3
    every month (constant rates: nothing changes but coverage)."""
    mli = monthly_incidents("MLI", [2] * 84, first="2018-01")
    ner = monthly_incidents("NER", [3] * 42, first="2020-01")
    inc = incidents_frame(mli + ner)
    cov = pd.DataFrame(
        {
            "table": "incidents",
            "source": "test",
            "iso3": ["MLI", "NER"],
            "first_day": ["2018-01-01", "2020-01-01"],
            "last_day": ["2024-12-31", "2023-06-30"],
            "grain": "day",
        }
    )
    return inc, cov


def _rows(out: pd.DataFrame, indicator: str) -> pd.DataFrame:
    return out.loc[(out["region"] == "Pair") & (out["indicator"] == indicator)].set_index("period")


def test_constructed_panel_coverage_change_makes_no_spike_decline_or_yoy_artefact():
    inc, cov = _panel()
    out = conflict_indicators(inc, PAIR, coverage=cov)
    incidents = _rows(out, "incidents")
    # before 2020-01 only MLI is covered: 2 incidents, 1 of 2 members → share 1/2, and it says so
    assert incidents.loc["2019-06", "value"] == 2
    assert incidents.loc["2019-06", "covered_share"] == 1 / 2
    assert value(out, "Pair", "2019-06", "covered_members") == 1
    # both covered 2020-01…2023-06: 2 + 3 = 5, share 2/2
    assert incidents.loc["2020-01", "value"] == 2 + 3
    assert incidents.loc["2020-01", "covered_share"] == 2 / 2
    assert value(out, "Pair", "2023-06", "covered_members") == 2
    # after 2023-06 NER is outside its coverage: left out, not read as 0 incidents
    assert incidents.loc["2023-07", "value"] == 2
    assert incidents.loc["2023-07", "covered_share"] == 1 / 2
    # no spike, no decline anywhere: the only change is coverage
    assert not (_rows(out, "spike")["value"] == 1).any()
    assert not (_rows(out, "sustained_decline")["value"] == 1).any()
    # the windows that span the coverage change are not computable
    assert math.isnan(value(out, "Pair", "2020-01", "spike"))
    assert math.isnan(value(out, "Pair", "2020-06", "incidents_yoy_change"))
    assert math.isnan(value(out, "Pair", "2023-09", "trend_change_per_year"))
    assert math.isnan(value(out, "Pair", "2023-09", "downward_trend"))
    assert math.isnan(value(out, "Pair", "2023-09", "incidents_yoy_change"))
    # inside a stable stretch they are: 2021-01 vs 2020-01, both 5 → (5 − 5) / 5 = 0
    assert value(out, "Pair", "2021-01", "incidents_yoy_change") == (5 - 5) / 5
    # 2019-12 vs 2018-12, both 2 (MLI alone throughout) → 0; the alarm needs the 36 months
    # before it and the data start in 2018-01 (23 months earlier): not computable
    assert value(out, "Pair", "2019-12", "incidents_yoy_change") == 0
    assert math.isnan(value(out, "Pair", "2019-12", "alarm"))
    # the 12-month mean ending 2020-12 lies wholly in the two-member stretch: 12·5 / 12
    assert value(out, "Pair", "2020-12", "incidents_rolling_12m") == pytest.approx(12 * 5 / 12)
    # the grid never leaves the coverage: 2018-01 … 2024-12 = 7 years · 12 months
    assert len(incidents) == 7 * 12


def test_without_coverage_the_same_panel_shows_the_artefact_the_coverage_removes():
    inc, _cov = _panel()
    # read as if both countries were covered throughout: NER's months before 2020 become zeros
    out = conflict_indicators(inc, PAIR)
    # 2020-06 against 2019-06: NER's uncovered months read as 0 → (5 − 2) / 2 = +150 %, a rise
    # from coverage alone
    assert value(out, "Pair", "2020-06", "incidents_yoy_change") == (5 - 2) / 2


def test_share_below_threshold_is_missing_and_threshold_is_a_keyword():
    inc, cov = _panel()
    out = conflict_indicators(inc, PAIR, coverage=cov, min_covered_share=0.75)
    # 1 of 2 members = 0.5 < 0.75 → missing, but the covered count is still reported
    assert math.isnan(value(out, "Pair", "2019-06", "incidents"))
    assert value(out, "Pair", "2019-06", "covered_members") == 1
    assert value(out, "Pair", "2020-06", "incidents") == 5


def test_population_share_weights_members_by_population():
    inc, cov = _panel()
    pop = pd.DataFrame({"iso3": ["MLI", "NER"], "year": [2019, 2019], "population": [10.0, 30.0]})
    out = conflict_indicators(inc, PAIR, coverage=cov, population=pop)
    # 2019: MLI alone = 10 / (10 + 30) = 0.25 of the population < 0.5 → missing
    row = _rows(out, "incidents").loc["2019-06"]
    assert row["covered_share"] == pytest.approx(10 / (10 + 30))
    assert math.isnan(row["value"])
    # 2020-06: both → 40 / 40
    assert _rows(out, "incidents").loc["2020-06", "covered_share"] == pytest.approx(40 / 40)


def test_global_source_gives_observed_zero_in_a_region_without_incidents():
    inc = incidents_frame(monthly_incidents("MLI", [1, 1, 1], first="2020-01"))
    regions = pd.DataFrame({"region": ["West", "West", "Sahel"], "iso3": ["FRA", "DEU", "MLI"]})
    record = {
        "table": "incidents",
        "format_label": "ACLED export",
        "coverage": {"countries": "all", "first": "2020-01-01", "last": "2020-03-31", "grain": "day"},
    }
    cov = coverage_rows([record], sorted(regions["iso3"]))
    out = conflict_indicators(inc, regions, coverage=cov)
    west = out.loc[(out["region"] == "West") & (out["indicator"] == "incidents")]
    assert list(west["period"]) == ["2020-01", "2020-02", "2020-03"]
    assert list(west["value"]) == [0, 0, 0]
    assert set(west["covered_share"]) == {2 / 2}


def test_derived_coverage_rules():
    rows = incidents_frame(
        [
            {"iso3": "MLI", "event_date": dt.date(2020, 1, 5)},
            {"iso3": "NER", "event_date": dt.date(2021, 3, 9)},
        ]
    )
    table = pa.Table.from_pandas(rows, preserve_index=False)
    got = derive_coverage(table, "incidents", "canonical")
    assert got == {
        "countries": ["MLI", "NER"],
        "first": "2020-01-05",
        "last": "2021-03-09",
        "grain": "day",
        "basis": "data",
    }
    # the importer's statement wins over the data, the user's over both
    imp = derive_coverage(
        table, "incidents", "sipri", importer={"countries": ["NER"], "first": None, "last": None}
    )
    assert imp["countries"] == ["NER"] and imp["basis"] == "importer" and imp["first"] == "2020-01-05"
    stated = derive_coverage(table, "incidents", "sipri", stated=parse_coverage("2019:2022-06"))
    assert (stated["first"], stated["last"], stated["basis"]) == ("2019-01-01", "2022-06-30", "stated")
    # a known global layout with at least GLOBAL_MIN_COUNTRIES countries covers them all
    many = ["MLI", "NER", "BFA", "TCD", "NGA", "CMR", "SEN", "GIN", "CIV", "GHA", "TGO", "BEN", "MRT",
            "LBR", "SLE", "GMB", "GNB", "CPV", "DZA", "LBY", "TUN", "MAR", "EGY", "SDN", "SSD", "ETH",
            "SOM", "KEN", "UGA", "RWA"]  # fmt: skip
    assert len(many) == GLOBAL_MIN_COUNTRIES
    wide = pa.Table.from_pandas(incidents_frame([{"iso3": c} for c in many]), preserve_index=False)
    assert derive_coverage(wide, "incidents", "acled")["countries"] == "all"
    assert derive_coverage(wide.slice(1), "incidents", "acled")["countries"] == sorted(many[1:])
    assert derive_coverage(wide, "incidents", "canonical")["countries"] == sorted(many)


CSV_HEADER = "event_id,event_date,iso3,event_type,fatalities,source\n"


def _snapshot(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != ".lock"
    }


def test_dates_in_year_1_or_2090_are_refused_by_row_and_the_store_is_unchanged(tmp_path):
    store = Store(tmp_path / "store")
    ok = CSV_HEADER + "a1,2020-01-05,MLI,Battles,3,mine\n"
    assert store.ingest(ok.encode(), "ok.csv").status == "stored"
    before = _snapshot(store.root)
    bad = (
        CSV_HEADER
        + "b1,2020-01-05,MLI,Battles,3,mine\n"
        + "b2,0001-01-01,MLI,Battles,1,mine\n"
        + "b3,2090-02-01,NER,Battles,0,mine\n"
    )
    result = store.ingest(bad.encode(), "bad.csv")
    assert result.status == "refused"
    # the header is line 1: 0001-01-01 is on line 3, 2090-02-01 on line 4
    lines = result.message.splitlines()
    early = next(x for x in lines if "earliest plausible date" in x)
    future = next(x for x in lines if "in the future" in x)
    assert early.rstrip().endswith("rows 3") and future.rstrip().endswith("rows 4")
    assert _snapshot(store.root) == before


def test_earliest_can_be_stated_for_a_user_file(tmp_path):
    store = Store(tmp_path / "store")
    old = CSV_HEADER + "c1,1890-06-01,MLI,Battles,3,history\n"
    assert store.ingest(old.encode(), "old.csv").status == "refused"  # before 1900-01-01
    assert store.ingest(old.encode(), "old.csv", earliest=dt.date(1850, 1, 1)).status == "stored"


def test_yearly_rows_give_yearly_values_only(tmp_path):
    store = Store(tmp_path / "store")
    text = (
        "event_id,event_date,iso3,event_type,fatalities,source,events,grain\n"
        "y1,2019-01-01,MLI,Battles,40,yearly,10,year\n"
        "y2,2020-01-01,MLI,Battles,7,yearly,4,year\n"
        "y3,2020-01-01,NER,Battles,5,yearly,6,year\n"
    )
    assert store.ingest(text.encode(), "years.csv").status == "stored"
    cov = load_coverage(store.root, PAIR, tables=["incidents"])
    assert set(cov["grain"]) == {"year"}
    assert list(cov["first_period"]) == ["2019", "2019"] and list(cov["last_period"]) == ["2020", "2020"]
    inc = load_table("incidents", store.root).table
    out = conflict_indicators(inc, PAIR, coverage=cov)
    assert set(out["period"]) == {"2019", "2020"}  # no month anywhere
    # events, not rows: 2019 = 10; 2020 = 4 + 6
    assert value(out, "Pair", "2019", "incidents") == 10
    assert value(out, "Pair", "2020", "incidents") == 4 + 6
    assert value(out, "Pair", "2020", "fatalities") == 7 + 5
    # monthly-only statistics are missing for a yearly series
    for name in ("spike", "trend_slope", "incidents_yoy_change", "incidents_rolling_12m"):
        assert out.loc[out["indicator"] == name, "value"].isna().all()


def test_stability_coverage_lists_stated_spans_and_drops_withdrawn(tmp_path, capsys):
    root = tmp_path / "store"
    f = tmp_path / "mine.csv"
    f.write_text(CSV_HEADER + "a1,2021-05-05,MLI,Battles,3,mine\na2,2022-02-01,NER,Battles,0,mine\n")
    assert main(["ingest", str(f), "--store", str(root), "--coverage", "2020-01:2023-06"]) == 0
    capsys.readouterr()
    assert main(["coverage", "--store", str(root)]) == 0
    frame = pd.read_csv(io.StringIO(capsys.readouterr().out), dtype=str)
    assert list(frame.columns) == ["table", "source", "iso3", "first_period", "last_period", "grain"]
    mine = frame.loc[frame["source"] == "mine"]
    assert mine.values.tolist() == [
        ["incidents", "mine", "MLI", "2020-01", "2023-06", "day"],
        ["incidents", "mine", "NER", "2020-01", "2023-06", "day"],
    ]
    batch = Store(root).active("incidents")[0]["id"]
    assert main(["withdraw", str(batch), "--store", str(root)]) == 0
    capsys.readouterr()
    assert main(["coverage", "--store", str(root), "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert not [r for r in rows if r["source"] == "mine"]


def test_bad_coverage_option_is_one_line_exit_2(tmp_path, capsys):
    f = tmp_path / "mine.csv"
    f.write_text(CSV_HEADER + "a1,2021-05-05,MLI,Battles,3,mine\n")
    code = main(["ingest", str(f), "--store", str(tmp_path / "s"), "--coverage", "2023:2020"])
    err = capsys.readouterr().err
    assert code == 2 and "ends before it starts" in err and not (tmp_path / "s" / "manifest.json").exists()


def test_sample_coverage_is_its_countries_over_its_span(sample_bundle):
    cov = sample_bundle.incidents_coverage()
    inc = sample_bundle.incidents.table
    countries = sorted(set(inc["iso3"].to_pylist()))
    assert sorted(cov["iso3"]) == countries
    dates = np.asarray(inc["event_date"].to_pylist())
    assert set(cov["first_period"]) == {f"{min(dates):%Y-%m}"}
    assert set(cov["last_period"]) == {f"{max(dates):%Y-%m}"}


def test_cube_path_gives_the_same_covered_values():
    from metrics.cube import build_cube

    inc, cov = _panel()
    raw = conflict_indicators(inc, PAIR, coverage=cov)
    cubed = conflict_indicators(build_cube(inc), PAIR, coverage=cov)
    pd.testing.assert_frame_equal(raw, cubed)


def test_coverage_figure_draws_one_bar_per_country_span():
    from reports.charts_coverage import coverage_figure

    record = {
        "table": "incidents",
        "format_label": "UCDP GED",
        "coverage": {
            "countries": ["MLI", "NER"],
            "first": "2020-01-01",
            "last": "2023-06-30",
            "grain": "day",
        },
    }
    fig = coverage_figure(coverage_rows([record], ["MLI", "NER"]))
    (bar,) = fig.data
    assert bar.name == "UCDP GED" and list(bar.y) == ["Mali (MLI)", "Niger (NER)"]
    assert list(bar.base) == ["2020-01-01", "2020-01-01"]
    # 2020-01-01 … 2023-06-30 inclusive = 1277 days, in milliseconds
    days = (dt.date(2023, 7, 1) - dt.date(2020, 1, 1)).days
    assert days == 366 + 365 + 365 + 181
    assert list(bar.x) == [days * 86_400_000] * 2


def test_yearly_rows_stay_yearly_without_a_coverage_table():
    rows = [
        {"iso3": "MLI", "event_date": dt.date(2019, 1, 1), "events": 10, "grain": "year"},
        {"iso3": "MLI", "event_date": dt.date(2020, 1, 1), "events": 4, "grain": "year"},
        {"iso3": "NER", "event_date": dt.date(2020, 1, 1), "events": 6, "grain": "year"},
    ]
    out = conflict_indicators(incidents_frame(rows), PAIR)
    assert set(out["period"]) == {"2019", "2020"}
    # 2019: the data span 2019-01…2020-01 covers both countries, NER with no row → observed 0
    assert value(out, "Pair", "2019", "incidents") == 10 + 0
    assert value(out, "Pair", "2020", "incidents") == 4 + 6
    assert out.loc[out["indicator"] == "spike", "value"].isna().all()


def test_coverage_note_says_how_much_of_the_region_is_covered():
    from reports.compute import coverage_note

    inc, cov = _panel()
    out = conflict_indicators(inc, PAIR, coverage=cov)
    text = coverage_note(out.loc[out["period"] >= "2019-01"], 2)
    # 2019: 1 member; 2020-01…2023-06: 2; 2023-07 on: 1 → between 1 and 2 of 2
    assert text.startswith(
        "The incident data cover between 1 and 2 of 2 member countries from 2019-01 to 2024-12."
    )
    assert "not computed across a change" in text
    steady = coverage_note(out.loc[out["period"].between("2020-01", "2023-06")], 2)
    assert steady == "The incident data cover 2 of 2 member countries from 2020-01 to 2023-06."


def test_breakdowns_count_events_on_the_raw_and_the_cube_path():
    from metrics.breakdowns import monthly_by_type, top_countries
    from metrics.cube import build_cube

    rows = [
        {"iso3": "MLI", "event_date": dt.date(2020, 3, 1), "events": 7, "grain": "month", "fatalities": 2},
        {"iso3": "MLI", "event_date": dt.date(2020, 3, 9)},  # one event, events empty → 1
        {"iso3": "NER", "event_date": dt.date(2020, 3, 2), "events": 2, "grain": "month"},
    ]
    inc = incidents_frame(rows)
    inc["events"] = inc["events"].astype("Int64")
    for source in (inc, build_cube(inc)):
        by_type = monthly_by_type(source, ["MLI", "NER"], start="2020-03", end="2020-03")
        assert int(by_type["incidents"].sum()) == 7 + 1 + 2
        top = top_countries(source, ["MLI", "NER"], start="2020-03", end="2020-03")
        assert list(top["incidents"]) == [7 + 1, 2]
        assert top["share"].tolist() == pytest.approx([8 / 10, 2 / 10])


def _real() -> Path:
    shared = Path(__file__).resolve().parents[1].parent / "shared"
    return shared / "data" / "real"


def test_sipri_register_of_one_recipient_covers_that_recipient_only(tmp_path):
    path = _real() / "collaboration" / "sipri_trade_register_to_ukraine_2000-2024_layout2025.csv"
    if not path.is_file():
        pytest.skip("the real SIPRI register is not beside the repository")
    from datasets.countries import to_iso3

    frame = pd.read_csv(path, skiprows=11, dtype=str)
    recipients = set(frame["Recipient"].dropna())
    assert len(recipients) == 1  # the register was exported for one recipient
    (name,) = recipients
    store = Store(tmp_path / "store")
    result = store.ingest(path)
    assert result.status == "stored"
    (batch,) = store.active("collaboration")
    assert batch["coverage"]["countries"] == [to_iso3(name)]
    assert batch["coverage"]["basis"] == "importer"
    # the suppliers are participants of the batch but not covered by it
    assert len(batch["countries"]) > 1


def test_ingest_earliest_option(tmp_path, capsys):
    f = tmp_path / "old.csv"
    f.write_text(CSV_HEADER + "c1,1890-06-01,MLI,Battles,3,history\n")
    root = tmp_path / "s"
    assert main(["ingest", str(f), "--store", str(root)]) == 2  # 1890 is before 1900-01-01
    assert "rows 2" in capsys.readouterr().err
    assert main(["ingest", str(f), "--store", str(root), "--earliest", "1850"]) == 2
    assert (
        capsys.readouterr().err
        == "stability: error: --earliest: '1850' is not a date in the form YYYY-MM-DD\n"
    )
    assert main(["ingest", str(f), "--store", str(root), "--earliest", "1850-01-01"]) == 0


def test_coverage_note_says_yearly_data_need_monthly_data_for_trends():
    from reports.compute import coverage_note

    rows = [
        {"iso3": "MLI", "event_date": dt.date(2019, 1, 1), "events": 3, "grain": "year"},
        {"iso3": "NER", "event_date": dt.date(2020, 1, 1), "events": 5, "grain": "year"},
    ]
    out = conflict_indicators(incidents_frame(rows), PAIR)
    assert coverage_note(out, 2) == (
        "The incident data cover 2 of 2 member countries from 2019 to 2020. The sources are yearly: "
        "values are per year; monthly trends and spikes need monthly data."
    )


def test_indicators_weigh_coverage_by_the_bundled_population():
    from datasets.loaders import load_population
    from metrics.indicators import compute_indicators

    inc, cov = _panel()
    empty = pa.table({"event_id": pa.array([], pa.string())})
    out = compute_indicators(inc, empty, empty, PAIR, families=["conflict"], coverage=cov)
    pop = load_population().set_index(["iso3", "year"])["population"]
    mli, ner = float(pop[("MLI", 2021)]), float(pop[("NER", 2021)])
    # 2021: both covered → share 1; 2024: MLI alone → MLI's people ÷ both countries' people
    assert _rows(out, "incidents").loc["2021-06", "covered_share"] == pytest.approx(1.0)
    mli24, ner24 = float(pop[("MLI", 2024)]), float(pop[("NER", 2024)])
    share = mli24 / (mli24 + ner24)
    assert _rows(out, "incidents").loc["2024-06", "covered_share"] == pytest.approx(share)
    # Niger has more people than Mali, so Mali alone is under half the region: no value
    assert ner > mli and share < 0.5
    assert math.isnan(_rows(out, "incidents").loc["2024-06", "value"])


def test_covered_months_need_half_of_the_countries_people() -> None:
    """FRA (60 million) covered January–March 2020, DEU (80 million) February only: the covered share
    of the two countries' people is 60 / 140 = 0.43 in January and March (below half: not covered),
    (60 + 80) / 140 = 1 in February."""
    from metrics.coverage import covered_months

    cov = pd.DataFrame(
        {
            "table": ["incidents", "incidents"],
            "iso3": ["FRA", "DEU"],
            "first_day": ["2020-01-01", "2020-02-01"],
            "last_day": ["2020-03-31", "2020-02-29"],
            "grain": ["day", "day"],
        }
    )
    pop = pd.DataFrame({"iso3": ["FRA", "DEU"], "year": [2020, 2020], "population": [60e6, 80e6]})
    assert covered_months(cov, ["FRA", "DEU"], pop) == ["2020-02"]
    assert covered_months(cov, ["FRA", "DEU"], pop, min_covered_share=0.4) == [
        "2020-01",
        "2020-02",
        "2020-03",
    ]
    assert covered_months(cov, ["FRA"], pop) == ["2020-01", "2020-02", "2020-03"]
    assert covered_months(cov, ["ITA"], pop) == []  # never covered: no month, not months of zeros
    assert covered_months(None, ["ITA"], pop) is None


def test_a_longer_export_covers_its_whole_span_even_where_its_rows_are_already_stored(tmp_path: Path) -> None:
    """A re-downloaded export starting earlier repeats the stored rows (duplicates, not stored
    again) and adds one event in 2022-03: it covers 2022-03 … 2023-03, so the quiet months between
    (2022-04 … 2022-11) are observed zeros, not missing."""
    from test_prepared import ROWS, acled

    from datasets.bundle import load_bundle
    from metrics.breakdowns import monthly_by_type
    from metrics.coverage import covered_months

    store = Store(tmp_path / "store")
    store.ingest(acled(ROWS), "first.csv")  # 2022-12-31 … 2023-03-02
    earlier = [("MLI0", "466", "Mali", "Mopti", "2022-03-10", "Battles", 1, "")]
    result = store.ingest(acled(earlier + ROWS), "longer.csv")
    assert (result.new, result.duplicates) == (1, 7)
    [record] = [b for b in store.batches() if b["file_name"] == "longer.csv"]
    assert (record["first_date"], record["last_date"]) == ("2022-03-10", "2023-03-02")
    assert record["countries"] == ["BFA", "MLI", "NER"]  # the file's countries, not only its new row's
    b = load_bundle(tmp_path / "store")
    months = covered_months(b.incidents_coverage(), ["MLI"])
    # 2022-03 … 2023-03: 10 months of 2022 and 3 of 2023
    assert months is not None and months[0] == "2022-03" and months[-1] == "2023-03" and len(months) == 10 + 3
    counts = monthly_by_type(
        b.incidents.table,
        ["MLI"],
        start="2022-03",
        end="2023-03",
        event_types=["Battles"],
        covered_months=months,
    )
    per_month = counts.groupby("period")["incidents"].sum()
    assert per_month["2022-06"] == 0 and per_month["2022-03"] == 1  # a quiet month is an observed zero
    assert per_month["2023-01"] == 2  # MLI1 (Jan 5) and MLI2 (Jan 20); MLI3 is violence against civilians


def test_population_weights_take_the_nearest_year_the_table_has() -> None:
    from metrics.coverage import population_weights

    table = pd.DataFrame(
        {
            "iso3": ["AAA", "AAA", "AAA", "BBB", "CCC"],
            "year": [2000, 2004, 2010, 2005, 2001],
            "population": [10.0, 14.0, 20.0, 50.0, float("nan")],
        }
    )
    countries = np.asarray(["BBB", "AAA", "CCC", "DDD"], dtype=object)
    periods = np.asarray(["1990-01", "2002-06", "2003", "2007-12", "2020-01"], dtype=object)
    got = population_weights(table, countries, periods)
    # AAA has 2000, 2004, 2010: 1990 → 2000 (the first); 2002 is 2 from both 2000 and 2004 → the
    # earlier, 10; 2003 → 2004 (1 away); 2007 is 3 from 2004 and 3 from 2010 → 2004, 14; 2020 → 2010.
    # BBB has only 2005: 50 everywhere. CCC's one row has no population, DDD is not in the table: NaN.
    expected = np.array(
        [
            [50.0, 50.0, 50.0, 50.0, 50.0],
            [10.0, 10.0, 14.0, 14.0, 20.0],
            [np.nan] * 5,
            [np.nan] * 5,
        ]
    )
    np.testing.assert_array_equal(got, expected)
    assert population_weights(None, countries, periods) is None
    assert population_weights(table, countries[:0], periods).shape == (0, 5)


def test_country_coverage_is_kept_per_table_and_country_set():
    cov = pd.DataFrame(
        {
            "iso3": ["FRA", "DEU"],
            "first_day": [dt.date(2020, 1, 1), dt.date(2020, 3, 1)],
            "last_day": [dt.date(2020, 12, 31), dt.date(2020, 6, 30)],
            "grain": ["day", "day"],
        }
    )
    first = country_coverage(cov, ["FRA", "DEU"])
    assert country_coverage(cov, ["DEU", "FRA"]) is first  # the same set: kept, whatever the order
    # FRA covered Jan–Dec 2020 (12 months), DEU Mar–Jun (4 months), over the months Jan–Dec
    assert first.mask.sum(axis=1).tolist() == [4, 12]  # countries sorted: DEU, FRA
    other = country_coverage(cov, ["FRA"])
    assert other is not first and other.mask.sum() == 12
    # a new table of the same content is a new entry (tables are never mutated once built)
    assert country_coverage(cov.copy(), ["FRA", "DEU"]) is not first


def test_memo_for_keeps_a_result_while_its_table_lives_and_stays_bounded(monkeypatch):
    import gc

    from metrics import frames

    table = pd.DataFrame({"a": [1, 2, 3]})
    calls = []

    def build():
        calls.append(1)
        return len(calls)

    assert frames.memo_for(table, "k", build) == 1
    assert frames.memo_for(table, "k", build) == 1  # kept: built once
    assert frames.memo_for(table, "other", build) == 2  # another key, another result
    ident = (id(table), "k")
    del table
    gc.collect()
    assert ident not in frames._MEMO  # gone with its table
    monkeypatch.setattr(frames, "MEMO_ENTRIES", 2)
    tables = [pd.DataFrame({"a": [i]}) for i in range(5)]
    for t in tables:
        frames.memo_for(t, "k", lambda: 0)
    assert len(frames._MEMO) <= 2


def test_population_weights_are_kept_per_file_version_and_read_only() -> None:
    """``population_weights_kept``: the same weights as ``population_weights`` (nearest year per
    country), computed once per population version, months array and countries."""
    from metrics.coverage import population_weights, population_weights_kept

    pop = pd.DataFrame(
        {"iso3": ["FRA", "FRA", "DEU"], "year": [2019, 2021, 2020], "population": [67.0, 68.0, 83.0]}
    )
    months = np.asarray(["2019-12", "2020-01", "2021-06"], dtype=object)
    countries = np.asarray(["DEU", "FRA", "ITA"], dtype=object)
    # FRA: 2019 → 67; 2020 is as near 2019 as 2021, the earlier wins → 67; 2021 → 68. DEU 83 always;
    # ITA is not in the table → NaN
    expected = np.array([[83.0, 83.0, 83.0], [67.0, 67.0, 68.0], [np.nan, np.nan, np.nan]])
    np.testing.assert_array_equal(population_weights(pop, countries, months), expected)
    unversioned = population_weights_kept(pop, countries, months)
    np.testing.assert_array_equal(unversioned, expected)
    assert unversioned is not population_weights_kept(pop, countries, months)  # nothing kept
    versioned = pop.copy()
    versioned.attrs["version"] = "population-v1"
    first = population_weights_kept(versioned, countries, months)
    np.testing.assert_array_equal(first, expected)
    assert population_weights_kept(versioned.copy(), countries, months) is first  # a copy of one version
    assert not first.flags.writeable
    other = population_weights_kept(versioned, countries[:2], months)  # other countries: computed anew
    np.testing.assert_array_equal(other, expected[:2])
