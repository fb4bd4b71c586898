"""Sample data never beside real data; every CLI output row says where its data come from (issue 13)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest

from datasets.bundle import load_bundle
from datasets.loaders import NO_DATA_LABEL, load_table
from datasets.store import Store
from metrics.provenance import loaded_measures, measure_families
from stability.cli import main

FIXTURES = Path(__file__).parent / "fixtures"
UCDP = FIXTURES / "incidents" / "ucdp_ged.csv"
ACLED = FIXTURES / "incidents" / "acled_current.csv"


def run(args, capsys):
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def incidents_only(tmp_path: Path) -> Path:
    """A store holding one real table, the UCDP GED fixture (7 events, 2022-05 and 2022-06)."""
    root = tmp_path / "store"
    assert Store(root).ingest(UCDP).status == "stored"
    return root


def test_sample_only_while_the_store_is_empty(tmp_path: Path, incidents_only: Path):
    empty = tmp_path / "nothing"
    assert load_table("collaboration", empty).illustrative  # no table at all: the sample, all three
    assert load_table("incidents", empty).provenance == "sample"
    b = load_bundle(incidents_only)
    assert b.incidents.table.num_rows == 8 - 1  # the file's lines minus the header
    for ds in (b.collaboration, b.perception):
        assert not ds.illustrative and not ds.loaded
        assert ds.table.num_rows == 0 and ds.label == NO_DATA_LABEL and ds.provenance == ""
        assert ds.table.schema.names == load_table(ds.name).table.schema.names  # its schema, no rows
    assert b.loaded_families() == ["conflict"]
    assert b.provenance("conflict") == "UCDP GED"
    assert b.provenance("composite") == "conflict: UCDP GED"


def test_two_sources_are_both_named(tmp_path: Path):
    root = tmp_path / "s"
    Store(root).ingest(UCDP)
    Store(root).ingest(ACLED)
    b = load_bundle(root)
    assert b.incidents.sources == ["UCDP GED", b.incidents.details[1]["format_label"]]
    assert b.provenance("conflict") == "; ".join(b.incidents.sources)


def test_withdrawn_batch_is_not_a_source(tmp_path: Path):
    root = tmp_path / "s"
    st = Store(root)
    first = st.ingest(UCDP)
    st.ingest(ACLED)
    st.withdraw(first.batch_id)
    assert "UCDP GED" not in load_bundle(root).provenance("conflict")


def test_metrics_with_only_incidents_has_no_sample_row(incidents_only: Path, capsys):
    code, out, err = run(["metrics", "--store", str(incidents_only)], capsys)
    assert code == 0
    frame = pd.read_csv(io.StringIO(out), dtype={"period": str})
    # only conflict and the composite: collaboration and perception hold no data, so no row of theirs
    assert set(frame["family"]) == {"conflict", "composite"}
    assert "sample" not in set(frame["provenance"])
    assert set(frame.loc[frame["family"] == "conflict", "provenance"]) == {"UCDP GED"}
    # the composite names the one family it uses
    assert set(frame.loc[frame["family"] == "composite", "provenance"]) == {"conflict: UCDP GED"}
    comp = frame.loc[frame["family"] == "composite"]
    assert comp.loc[comp["indicator"] == "coverage_collaboration", "value"].eq(0).all()
    assert comp.loc[comp["indicator"] == "coverage_perception", "value"].eq(0).all()
    assert "Illustrative" not in err and "collaboration: No data loaded for this family" in err
    for family in ("collaboration", "perception"):
        code, out, _ = run(["metrics", "--store", str(incidents_only), "--family", family], capsys)
        assert code == 0 and pd.read_csv(io.StringIO(out)).empty


def test_evaluate_with_only_incidents_has_no_collaboration_or_perception(incidents_only: Path, capsys):
    where = ["--region", "Western Africa", "--milestone", "2022-06"]
    code, out, err = run(["evaluate", "--store", str(incidents_only), *where, "--format", "json"], capsys)
    assert code == 0
    rows = json.loads(out)
    measures = [r["measure"] for r in rows]
    # 4 incident + 4 fatality measures (rate ratio, DiD, pre-trend p, placebo) + the trend measure
    assert len(measures) == 4 + 4 + 1
    assert all(measure_families(m) == ("conflict",) for m in measures)
    assert not [m for m in measures if m.startswith(("engagements", "network", "perception", "leadlag"))]
    assert {r["provenance"] for r in rows} == {"UCDP GED"}


def test_measure_families():
    assert measure_families("incidents_did_ratio") == ("conflict",)
    assert measure_families("network_density_change") == ("collaboration",)
    assert measure_families("perception_feel_safe_change") == ("perception",)
    assert measure_families("leadlag_engagements_total_incidents") == ("collaboration", "conflict")
    assert measure_families("leadlag_network_density_feel_safe") == ("collaboration", "perception")
    table = pd.DataFrame({"measure": ["incidents_rate_ratio", "leadlag_network_density_incidents"]})
    assert list(loaded_measures(table, ["conflict"])["measure"]) == ["incidents_rate_ratio"]
    assert len(loaded_measures(table, ["conflict", "collaboration"])) == 2


def test_evaluate_on_the_sample_says_sample(capsys):
    where = ["--region", "Sahel", "--milestone", "2022-06"]
    code, out, _ = run(["evaluate", *where, "--format", "json"], capsys)
    assert code == 0
    rows = json.loads(out)
    assert {r["provenance"] for r in rows} == {"sample"}
    assert any(r["measure"].startswith("perception_") for r in rows)  # every family is the sample


def test_briefing_pack_names_its_sources_and_families_without_data(incidents_only: Path):
    from reports.export import brief

    pack = brief.briefing_pack(load_bundle(incidents_only), "Western Africa", milestone="2022-06")
    title = pack.slides[0]
    assert title.kind == "title" and not pack.illustrative
    assert brief.SAMPLE_NOTE not in title.bullets
    assert "Sources: conflict — UCDP GED. No data loaded for collaboration, perception." in title.bullets
    by_title = {s.title: s for s in pack.slides}
    for name in ("Military collaboration", "Public perception"):
        assert by_title[name].image is None and by_title[name].bullets == (brief.NO_DATA,)
    # the fixture's 7 events cover too few of the region's people for a regional count: the monthly
    # incidents are missing, so the slide says so in a sentence instead of an empty chart
    conflict = by_title["Conflict incidents"]
    assert conflict.image is None
    # the window is the default: the GED download covers the whole of 2022
    expected = "No conflict incident figures for Western Africa from 2022-01 to 2022-12"
    assert conflict.bullets[-1].startswith(expected)
    assert by_title["Stability index"].subtitle.endswith("Families with data: conflict.")
    # one family cannot make an index (it needs two): the slide says so
    end = pack.end
    assert by_title["Stability index"].bullets[0] == (
        f"No stability index for {end}: it needs at least two families with data."
    )
    # the evaluation slide: only the conflict measures' findings
    evaluation = [s for s in pack.slides if s.kind == "evaluation"]
    sentences = [b for s in evaluation for b in s.bullets]
    assert not [b for b in sentences if "collaboration" in b or "survey" in b or "engagements" in b]


def test_exported_chart_data_carry_the_provenance(incidents_only: Path, tmp_path: Path, capsys):
    from reports.export import tables

    out = tmp_path / "trend.csv"
    code, _, err = run(
        ["export", "--store", str(incidents_only), "--chart", "conflict-trend"]
        + ["--region", "Western Africa", "--out", str(out)],
        capsys,
    )
    assert code == 0, err
    n = 8  # Title, Source, Time span, Filters, Data, Provenance, Tool, Exported
    meta = pd.read_csv(out, nrows=n, header=None, encoding="utf-8-sig")
    fields = dict(zip(meta[0], meta[1], strict=True))
    assert n == len(tables.About("t", "s", "x").rows())
    assert fields["Provenance"] == "conflict: UCDP GED"
    assert "sample" not in fields["Data"].lower()
