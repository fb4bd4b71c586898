"""`stability evaluate` on the bundled sample data: columns, values equal to the metrics functions
and to counts done on the sample file, and one-line error exits."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from datasets.bundle import load_bundle
from datasets.loaders import _data_path
from metrics.evaluation import evaluate_milestone
from stability.cli import main

COLUMNS = [
    "region",
    "milestone",
    "measure",
    "estimate",
    "ci_low",
    "ci_high",
    "p_value",
    "n_before",
    "n_after",
    "method",
    "finding",
    "provenance",  # the sources of the families a measure reads, or "sample" (issue 13)
]
NUMERIC = ["estimate", "ci_low", "ci_high", "p_value", "n_before", "n_after"]


def run(args, capsys):
    try:
        code = main(["evaluate", *args])
    except SystemExit as exc:  # argparse rejects a bad argument with exit status 2
        code = exc.code
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture(scope="module")
def asean_csv():
    import contextlib

    buf, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(err):
        code = main(["evaluate", "--region", "asean", "--milestone", "2019-06", "--label", "the pact"])
    assert code == 0
    return pd.read_csv(io.StringIO(buf.getvalue()), dtype={"milestone": str}), err.getvalue()


def test_columns_and_measures(asean_csv):
    frame, err = asean_csv
    assert list(frame.columns) == COLUMNS
    assert set(frame["region"]) == {"ASEAN"} and set(frame["milestone"]) == {"2019-06"}
    measures = frame["measure"].tolist()
    for q in ("incidents", "fatalities"):
        for m in ("rate_ratio", "did_ratio", "placebo_p"):
            assert f"{q}_{m}" in measures
    assert {"engagements_rate_ratio", "network_density_change", "perception_feel_safe_change"} <= set(
        measures
    )
    assert any(m.startswith("leadlag_") for m in measures)
    assert "Illustrative sample data" in err
    placebo = frame.set_index("measure").loc["incidents_placebo_p"]
    assert pd.isna(placebo["ci_low"]) and pd.isna(placebo["ci_high"])
    assert placebo["estimate"] == placebo["p_value"]


def test_values_equal_the_metrics_function(asean_csv):
    frame, _ = asean_csv
    b = load_bundle()
    ev = evaluate_milestone(
        b.incidents.table,
        b.collaboration.table,
        b.perception.table,
        b.regions,
        region="ASEAN",
        milestone="2019-06",
        label="the pact",
    )
    expected = ev.table()
    assert frame["measure"].tolist() == expected["measure"].tolist()
    np.testing.assert_allclose(frame[NUMERIC].to_numpy(float), expected[NUMERIC].to_numpy(float), rtol=1e-12)
    assert frame["finding"].tolist() == expected["finding"].tolist()
    assert frame["method"].tolist() == expected["method"].tolist()


def test_rate_ratio_equals_a_count_on_the_sample_file(asean_csv):
    frame, _ = asean_csv
    inc = pq.read_table(_data_path("sample_incidents.parquet"), columns=["iso3", "event_date"]).to_pandas()
    regions = pd.read_csv(_data_path("regions.csv"))
    members = set(regions.loc[regions["region"] == "ASEAN", "iso3"])
    month = pd.to_datetime(inc.loc[inc["iso3"].isin(members), "event_date"]).dt.strftime("%Y-%m")
    before = int(((month >= "2018-06") & (month <= "2019-05")).sum())
    after = int(((month >= "2019-06") & (month <= "2020-05")).sum())
    row = frame.set_index("measure").loc["incidents_rate_ratio"]
    assert (row["n_before"], row["n_after"]) == (before, after)
    assert row["estimate"] == pytest.approx(after / before, rel=1e-12)
    assert row["ci_low"] < row["estimate"] < row["ci_high"]
    assert "the pact (2019-06)" in row["finding"]


def test_json_compare_and_window(capsys):
    code, out, _ = run(
        [
            "--region",
            "ASEAN",
            "--milestone",
            "2021-01",
            "--window",
            "6",
            "--compare",
            "sahel",
            "East Asia",
            "--format",
            "json",
        ],
        capsys,
    )
    assert code == 0
    rows = json.loads(out)
    assert list(rows[0]) == COLUMNS
    did = next(r for r in rows if r["measure"] == "incidents_did_ratio")
    assert "East Asia, Sahel" in did["method"] or "Sahel, East Asia" in did["method"]
    assert did["estimate"] is not None and did["ci_low"] < did["estimate"] < did["ci_high"]
    assert "6 months" in next(r for r in rows if r["measure"] == "incidents_rate_ratio")["finding"]


@pytest.mark.parametrize(
    ("args", "code", "needle"),
    [
        (["--region", "Atlantis", "--milestone", "2019-06"], 1, "unknown region 'Atlantis'"),
        (["--region", "ASEAN", "--milestone", "2019-13"], 2, "not a month in the form YYYY-MM"),
        (["--region", "ASEAN", "--milestone", "2019-06", "--window", "0"], 2, "at least 1 month"),
        (
            ["--region", "ASEAN", "--milestone", "2031-01"],
            1,
            "outside the incident data (2015-01 to 2025-12)",
        ),
        (
            ["--region", "ASEAN", "--milestone", "2019-06", "--compare", "Narnia"],
            1,
            "unknown region 'Narnia'",
        ),
        (["--region", "ASEAN", "--milestone", "2019-06", "--compare", "asean"], 1, "itself"),
    ],
)
def test_bad_arguments_exit_non_zero_with_one_line(args, code, needle, capsys):
    got, out, err = run(args, capsys)
    assert got == code
    assert out == ""
    lines = [line for line in err.splitlines() if not line.startswith("note:")]
    assert len(lines) == 1 and needle in lines[0]
    assert "Traceback" not in err


def test_evaluate_says_in_one_sentence_that_yearly_incident_data_cannot_be_evaluated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from datasets.store import Store

    # UCDP battle-related deaths: one conflict-year in Mali (Sahel), in the publisher's layout
    brd = (
        '"conflict_id","dyad_id","location_inc","side_a","side_a_id","side_a_2nd","side_b","side_b_id",'
        '"side_b_2nd","incompatibility","territory_name","year","bd_best","bd_low","bd_high",'
        '"type_of_conflict","battle_location","gwno_a","gwno_a_2nd","gwno_b","gwno_b_2nd","gwno_loc",'
        '"gwno_battle","region","version"\n'
        '"300","3001","Mali","Government of Mali","94","","Rebels Y","901","","2","","2013","40","31","55",'
        '"3","Mali","432","","","","432","432","4","24.1"\n'
    )

    store = tmp_path / "store"
    assert Store(store).ingest(brd.encode(), "brd.csv").status == "stored"
    code = main(["evaluate", "--store", str(store), "--region", "Sahel", "--milestone", "2013-06"])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err
    assert err.startswith("stability: error: the incident data for Sahel are yearly (conflict-years")
    assert "needs monthly incident data for the region (ACLED or UCDP GED)" in err
