"""`stability metrics`: output columns, monthly rows, filters and one-line error exits."""

import io
import json
import subprocess
import sys

import pandas as pd
import pyarrow.parquet as pq
import pytest

from datasets.loaders import _data_path
from stability.cli import main

# covered_share: share of members the conflict data cover; provenance: "sample" or the sources (issue 13)
COLUMNS = [
    "region",
    "period",
    "family",
    "indicator",
    "value",
    "ci_low",
    "ci_high",
    "covered_share",
    "provenance",
]


def run(args, capsys):
    code = main(args)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_conflict_nato_europe_has_every_month_of_the_sample(capsys):
    code, out, err = run(
        ["metrics", "--family", "conflict", "--region", "NATO Europe", "--format", "csv"], capsys
    )
    assert code == 0
    frame = pd.read_csv(io.StringIO(out), dtype={"period": str})
    assert list(frame.columns) == COLUMNS
    months = sorted(frame.loc[frame["indicator"] == "incidents", "period"])
    assert months == [f"{y}-{m:02d}" for y in range(2015, 2026) for m in range(1, 13)]
    assert len(months) == 132
    assert set(frame["family"]) == {"conflict"} and set(frame["region"]) == {"NATO Europe"}
    assert "Illustrative sample data" in err
    assert set(frame["provenance"]) == {"sample"}
    # incidents in 2020-03 equal a count done directly on the sample file
    inc = pq.read_table(_data_path("sample_incidents.parquet"), columns=["iso3", "event_date"]).to_pandas()
    regions = pd.read_csv(_data_path("regions.csv"))
    nato = set(regions.loc[regions["region"] == "NATO Europe", "iso3"])
    dates = pd.to_datetime(inc["event_date"])
    expected = int((inc["iso3"].isin(nato) & (dates.dt.strftime("%Y-%m") == "2020-03")).sum())
    got = frame.loc[(frame["indicator"] == "incidents") & (frame["period"] == "2020-03"), "value"].item()
    assert got == expected


def test_every_bundled_region_gets_a_composite_table(capsys):
    code, out, _ = run(["metrics", "--family", "composite", "--start", "2025-01", "--end", "2025-12"], capsys)
    assert code == 0
    frame = pd.read_csv(io.StringIO(out), dtype={"period": str})
    index = frame[frame["indicator"] == "stability_index"]
    for region in ["NATO Europe", "East Asia", "ASEAN", "Sahel", "Middle East"]:
        values = index.loc[index["region"] == region, "value"]
        assert len(values) == 12 and values.notna().all()
        assert ((values >= 0) & (values <= 100)).all()
    assert set(frame["period"]) == {f"2025-{m:02d}" for m in range(1, 13)}
    names = set(frame["indicator"])
    assert {"stability_index", "outcome_index", "coverage"} <= names
    assert {"score_conflict", "score_collaboration", "score_perception"} <= names
    from datasets.loaders import load_goalposts

    version = load_goalposts()["version"]
    assert set(frame["method"]) == {f"fixed goalposts v{version} (datasets/data/goalposts.json)"}


def test_json_and_region_name_case(capsys):
    code, out, _ = run(["metrics", "--family", "perception", "--region", "sahel", "--format", "json"], capsys)
    assert code == 0
    rows = json.loads(out)
    assert rows and set(rows[0]) == set(COLUMNS)
    assert {r["region"] for r in rows} == {"Sahel"}


def test_custom_regions_file(tmp_path, capsys):
    f = tmp_path / "r.csv"
    f.write_text("region,iso3\nPair,FRA\nPair,DEU\n", encoding="utf-8")
    code, out, _ = run(["metrics", "--family", "conflict", "--regions", str(f)], capsys)
    assert code == 0
    frame = pd.read_csv(io.StringIO(out), dtype={"period": str})
    assert set(frame["region"]) == {"Pair"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["metrics", "--region", "Atlantis"], "unknown region 'Atlantis'"),
        (["metrics", "--start", "2020-13"], "YYYY-MM"),
        (["metrics", "--start", "2021-01", "--end", "2020-01"], "after"),
        (["metrics", "--regions", "/nonexistent/regions.csv"], "not found"),
        (["metrics", "--family", "weather"], "invalid choice"),
    ],
)
def test_errors_are_one_line_and_non_zero(args, message):
    proc = subprocess.run([sys.executable, "-m", "stability.cli", *args], capture_output=True, text=True)
    assert proc.returncode != 0
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert proc.stdout == ""


def test_bad_regions_file_names_the_row(tmp_path):
    f = tmp_path / "r.csv"
    f.write_text("region,iso3\nX,FRA\nX,QQQ\n", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "stability.cli", "metrics", "--regions", str(f)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 1
    # header is line 1, so the second data row is line 3
    assert "line 3, column 'iso3': unknown country code 'QQQ'" in proc.stderr
    assert proc.stdout == ""


def test_output_piped_into_head_is_not_an_error():
    # `stability metrics | head -1`: the reader stops early; no error line, exit 0
    proc = subprocess.run(
        f"{sys.executable} -m stability.cli metrics --family conflict | head -1",
        shell=True,
        capture_output=True,
        text=True,
    )
    assert proc.stdout.startswith("region,period,family")
    assert "error" not in proc.stderr and "Traceback" not in proc.stderr


def test_trend_flags_of_several_regions_are_also_read_across_the_regions(capsys):
    code, out, err = run(
        ["metrics", "--family", "conflict", "--start", "2025-10", "--end", "2025-12"], capsys
    )
    assert code == 0
    frame = pd.read_csv(io.StringIO(out), dtype={"period": str})
    across = frame.loc[frame["indicator"] == "downward_trend_across_regions"]
    trends = frame.loc[(frame["indicator"] == "trend_p_value") & frame["value"].notna()]
    # one row per region and month with a trend, 1/0
    assert len(across) == len(trends) > 0
    assert set(across["value"]) <= {0.0, 1.0}
    # a region flagged across regions has a decline (negative change) in that month
    change = frame.loc[frame["indicator"] == "trend_change_per_year"].set_index(["region", "period"])["value"]
    for r in across.loc[across["value"] == 1].itertuples():
        assert change[(r.region, r.period)] < 0
    assert "at most about 1 in 10 flags is expected to be a false discovery" in err
    # one region only: nothing to read across
    code, out, _ = run(["metrics", "--family", "conflict", "--region", "Sahel"], capsys)
    assert "downward_trend_across_regions" not in out
