"""Incidents prepared once per store version: sorted rows and the cube on disk, memory-mapped on open,
rebuilt when the data change, readable by another engine without the app."""

from __future__ import annotations

import json
import os
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from deltalake import DeltaTable
from test_store_revisions import HEADER

from datasets import derived
from datasets.loaders import load_table, sort_incidents
from datasets.store import Store
from metrics.cube import build_cube
from metrics.prepared import PrepareError, cube_of, load_cube, prepare, prepare_in_child

#: (id, iso, country, admin1, date, event type, fatalities, civilian targeting)
ROWS = [
    ("MLI1", "466", "Mali", "Mopti", "2023-01-05", "Battles", 3, ""),
    ("MLI2", "466", "Mali", "Mopti", "2023-01-20", "Battles", 0, ""),
    ("MLI3", "466", "Mali", "Gao", "2023-01-09", "Violence against civilians", 12, "Civilian targeting"),
    ("MLI4", "466", "Mali", "Gao", "2023-03-02", "Battles", 30, ""),
    ("NER1", "562", "Niger", "Tillaberi", "2023-02-14", "Riots", 0, ""),
    ("NER2", "562", "Niger", "Tillaberi", "2023-02-01", "Battles", 7, ""),
    ("BFA1", "854", "Burkina Faso", "Sahel", "2022-12-31", "Battles", 150, ""),
]


def acled(rows: list[tuple[str, str, str, str, str, str, int, str]]) -> bytes:
    lines = [HEADER]
    for event_id, iso, country, admin1, date, etype, deaths, civ in rows:
        lines.append(
            f"{event_id},{date},{date[:4]},1,Political violence,{etype},Armed clash,Actor A,,1,Actor B,,2,12,"
            f'{civ},{iso},Western Africa,{country},{admin1},,,Somewhere,13.9,-4.5,1,Radio,National,"Note.",'
            f"{deaths},,1673900000"
        )
    return ("\n".join(lines) + "\n").encode()


def cells(cube) -> list[tuple[str, str, int, str, int, float, float, float, float]]:
    """The cube's cells with names instead of codes, sorted (cell order is not part of the cube)."""
    names = cube.admin_names
    out = [
        (
            str(cube.countries[c]),
            str(names[a]),
            int(cube.first_month + m),
            str(cube.event_types[t]),
            int(k),
            float(n),
            float(f),
            float(v),
            float(w),
        )
        for c, a, m, t, k, n, f, v, w in zip(
            cube.country,
            cube.admin,
            cube.month,
            cube.etype,
            cube.fclass,
            cube.n,
            cube.f,
            cube.civ,
            cube.known,
            strict=True,
        )
    ]
    return sorted(out)


@pytest.fixture
def store(tmp_path: Path) -> Path:
    root = tmp_path / "store"
    Store(root).ingest(acled(ROWS), "sahel.csv")
    return root


def test_prepare_writes_the_sorted_incidents_and_the_cube_and_loading_maps_them(store: Path) -> None:
    read = Store(store).read_table("incidents")
    assert read is not None and load_table("incidents", store).derived is None  # nothing prepared yet
    folder = prepare(store)
    assert folder is not None and folder == derived.derived_dir(store, Store(store).version("incidents"))
    record = json.loads((folder / "ready.json").read_text())
    assert (record["rows"], record["format"]) == (7, derived.DERIVED_FORMAT)
    loaded = load_table("incidents", store)
    assert loaded.derived == folder
    # the same rows as a fresh read, ordered by iso3 then date: BFA, MLI (Jan 5, 9, 20, Mar 2), NER
    assert loaded.table.equals(sort_incidents(read))
    assert loaded.table["event_id"].to_pylist() == ["BFA1", "MLI1", "MLI3", "MLI2", "MLI4", "NER2", "NER1"]
    # the cube on disk: by hand, month index = year·12 + month − 1; fatality class by (0,1,5,10,25,100)
    jan, feb, mar, dec22 = 2023 * 12, 2023 * 12 + 1, 2023 * 12 + 2, 2022 * 12 + 11
    expected = sorted(
        [
            ("BFA", "Sahel", dec22, "Battles", 5, 1.0, 150.0, 0.0, 1.0),
            ("MLI", "Gao", jan, "Violence against civilians", 3, 1.0, 12.0, 1.0, 1.0),
            ("MLI", "Gao", mar, "Battles", 4, 1.0, 30.0, 0.0, 1.0),
            ("MLI", "Mopti", jan, "Battles", 0, 1.0, 0.0, 0.0, 1.0),
            ("MLI", "Mopti", jan, "Battles", 1, 1.0, 3.0, 0.0, 1.0),
            ("NER", "Tillaberi", feb, "Battles", 2, 1.0, 7.0, 0.0, 1.0),
            ("NER", "Tillaberi", feb, "Riots", 0, 1.0, 0.0, 0.0, 1.0),
        ]
    )
    cube = cube_of(loaded)
    assert cells(cube) == expected
    assert cells(build_cube(read)) == expected  # the cube built from the rows is the same
    assert cube.row_ranges == {"BFA": (0, 1), "MLI": (1, 5), "NER": (5, 7)}
    import datetime as dt

    rows = cube.rows_for(["MLI"], dt.date(2023, 1, 6), dt.date(2023, 1, 31))
    assert rows["event_id"].to_pylist() == ["MLI3", "MLI2"]


def test_a_prepared_version_is_not_built_again_and_a_new_one_replaces_it(store: Path) -> None:
    first = prepare(store)
    assert first is not None
    stamp = (first / "ready.json").stat().st_mtime_ns
    assert prepare(store) == first and (first / "ready.json").stat().st_mtime_ns == stamp
    Store(store).ingest(
        acled([("NER3", "562", "Niger", "Niamey", "2023-04-01", "Protests", 0, "")]), "more.csv"
    )
    second = prepare(store)
    assert second is not None and second != first and not first.exists()  # the old version is removed
    loaded = load_table("incidents", store)
    assert loaded.derived == second and loaded.table.num_rows == 7 + 1


def test_an_unfinished_folder_is_never_read(store: Path) -> None:
    folder = prepare(store)
    assert folder is not None
    (folder / "ready.json").unlink()  # as a build stopped before its last step leaves it
    loaded = load_table("incidents", store)
    assert loaded.derived is None and loaded.table.num_rows == 7
    assert prepare(store) == folder and derived.ready(folder)  # the next preparation finishes it


def test_preparing_in_a_child_process_reports_progress_and_errors(store: Path, tmp_path: Path) -> None:
    steps: list[str] = []
    folder = prepare_in_child(store, steps.append)
    assert folder == derived.derived_dir(store, Store(store).version("incidents"))
    assert steps[0] == "Reading the stored incidents" and "Sorting 7 incidents by country and date" in steps
    assert load_table("incidents", store).derived == folder
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "store_manifest").write_text("not a Delta table")  # not a store of any layout
    with pytest.raises(PrepareError) as err:
        prepare_in_child(broken)
    assert "\n" not in str(err.value) and str(err.value)


def test_a_store_without_incidents_prepares_nothing(tmp_path: Path) -> None:
    assert prepare(tmp_path / "empty") is None


def test_an_object_storage_store_keeps_its_derived_files_in_the_cache_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(derived.CACHE_ENV, str(tmp_path / "cache"))
    a = derived.derived_root("s3://team/store-a")
    assert a.parent == tmp_path / "cache" and a != derived.derived_root("s3://team/store-b")
    assert derived.derived_root("s3://team/store-a/") == a  # one folder per store, however it is spelt


def test_duckdb_builds_the_same_aggregates_from_the_store_files_without_the_app(store: Path) -> None:
    """The aggregates the app prepares, built by DuckDB over the store's own files (the current
    incidents Delta table), equal the prepared cube read through its dimension tables."""
    folder = prepare(store)
    assert folder is not None
    incidents = DeltaTable(str(store / "incidents")).to_pyarrow_dataset()  # noqa: F841 (read by DuckDB)
    readme = (Path(__file__).resolve().parents[1] / "datasets" / "README.md").read_text(encoding="utf-8")
    sql = readme.split('cube = duckdb.sql("""', 1)[1].split('""")', 1)[0]  # the documented query itself
    engine = duckdb.sql(sql + " ORDER BY ALL").fetchall()
    cube, countries, admins, types = (
        pa.ipc.open_file(folder / f"{n}.arrow").read_all()
        for n in ("cube", "countries", "admins", "event_types")
    )
    for name in ("cube", "countries", "admins", "types"):
        duckdb.register(name, locals()[name])
    prepared = duckdb.sql(
        """
        SELECT c.iso3, a.admin1, x.month, t.event_type, x.fatality_class, x.incidents, x.fatalities, x.civ
        FROM cube x JOIN countries c ON x.country = c.code JOIN admins a ON x.admin = a.code
             JOIN types t ON x.event_type = t.code
        ORDER BY ALL
        """
    ).fetchall()
    assert len(engine) == 7 and [
        tuple(float(v) if isinstance(v, int | float) else v for v in r) for r in engine
    ] == [tuple(float(v) if isinstance(v, int | float) else v for v in r) for r in prepared]


def test_loaded_cube_counts_match_the_raw_scan_on_a_larger_store(tmp_path: Path) -> None:
    """Over a few thousand incidents in many countries, the cube read from disk answers region
    queries exactly as the cube built from the rows (``cube_monthly_counts``)."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    from synthetic import acled_like

    from datasets.loaders import load_regions
    from metrics.cube import cube_monthly_counts

    table = acled_like(5_000, seed=3)
    csv = tmp_path / "incidents.csv"
    import pyarrow.csv as pacsv

    pacsv.write_csv(table, csv)
    root = tmp_path / "store"
    Store(root).ingest(csv, table="incidents")
    assert prepare(root) is not None
    loaded = load_table("incidents", root)
    regions = load_regions()
    a, pa_, span_a = cube_monthly_counts(cube_of(loaded), regions, event_types=["Battles"], min_fatalities=5)
    b, pb, span_b = cube_monthly_counts(
        build_cube(Store(root).read_table("incidents")), regions, event_types=["Battles"], min_fatalities=5
    )
    assert span_a == span_b and a.equals(b) and pa_.equals(pb)
    assert a["incidents"].sum() > 0
    assert os.path.getsize(loaded.derived / "incidents.arrow") > 0
    assert np.array_equal(load_cube(loaded.derived, loaded.table).days, cube_of(loaded).days)


@pytest.mark.parametrize("in_process_rows", [10_000, 0], ids=["in-process", "child-process"])
def test_the_dashboard_prepares_a_new_version_once_and_draws_from_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, in_process_rows: int
) -> None:
    """The first open of a data version prepares the incidents (in the app's process for a small
    store, in a child process above ``IN_PROCESS_ROWS``), shows the Overview from the mapped files,
    and leaves no progress box behind; the figures equal those from the rows read directly."""
    from streamlit.testing.v1 import AppTest

    import metrics.prepared

    monkeypatch.setattr(metrics.prepared, "IN_PROCESS_ROWS", in_process_rows)
    # one event per country in 2022-03, so the file covers Burkina Faso, Mali and Niger (63 % of the
    # Sahel's people) from 2022-03 to 2023-03: the 12 months to 2023-03 are all covered
    earlier = [
        (f"{iso}0", code, name, "X", "2022-03-10", "Battles", 1, "")
        for iso, code, name in (
            ("MLI", "466", "Mali"),
            ("NER", "562", "Niger"),
            ("BFA", "854", "Burkina Faso"),
        )
    ]
    store = tmp_path / "store"
    Store(store).ingest(acled(earlier + ROWS), "sahel-longer.csv")
    monkeypatch.setenv("STABILITY_STORE", str(store))
    app = Path(__file__).resolve().parents[1] / "dashboard" / "app.py"

    def overview() -> tuple[AppTest, dict[str, object]]:
        at = AppTest.from_file(str(app), default_timeout=60)
        at.query_params["region"] = "Sahel"
        at.run()
        assert not at.exception, at.exception
        return at, {m.label: m.value for m in at.metric}

    at, prepared_values = overview()
    folder = derived.derived_dir(store, Store(store).version("incidents"))
    assert derived.ready(folder) is not None
    assert all("Opening the data" not in str(e.label) for e in at.get("expandable"))
    # the same page from the rows read directly (nothing prepared, every cache emptied)
    import shutil

    import streamlit as st

    shutil.rmtree(folder.parent)
    monkeypatch.setattr("dashboard.data.prepare_for_app", lambda *a, **k: None)
    st.cache_data.clear()
    st.cache_resource.clear()
    _, direct_values = overview()
    assert load_table("incidents", store).derived is None
    assert prepared_values == direct_values
    # the 12 months 2022-04 … 2023-03 hold the 7 incidents of ROWS, not the three of 2022-03
    assert prepared_values["Incidents, 12 months"] == "7", prepared_values


def test_stability_ingest_prepares_the_incidents_unless_told_not_to(tmp_path: Path, capsys) -> None:
    from stability.cli import main

    csv = tmp_path / "sahel.csv"
    csv.write_bytes(acled(ROWS))
    assert main(["ingest", str(csv), "--store", str(tmp_path / "a"), "--no-prepare"]) == 0
    assert not (tmp_path / "a" / "derived").exists()
    assert main(["ingest", str(csv), "--store", str(tmp_path / "b")]) == 0
    assert "prepared the incidents for the dashboard" in capsys.readouterr().out
    assert derived.ready(derived.derived_dir(tmp_path / "b", Store(tmp_path / "b").version("incidents")))
    assert main(["store", "prepare", "--store", str(tmp_path / "a")]) == 0
    assert load_table("incidents", tmp_path / "a").derived is not None


def test_the_unfiltered_conflict_indicators_are_prepared_and_read_back_unchanged(store: Path) -> None:
    from datasets.bundle import load_bundle
    from metrics.prepared import conflict_all, conflict_key, stored_frame

    folder = prepare(store)
    assert folder is not None and len(list(folder.glob("conflict-*.parquet"))) == 1
    b = load_bundle(store)
    direct = conflict_all(
        build_cube(Store(store).read_table("incidents")), b.regions, None, 0, b.incidents_coverage()
    )
    assert len(direct) > 0

    def must_not_build() -> None:
        raise AssertionError("the prepared frame should have been read")

    key = conflict_key(b.incidents.version, b.regions, None, 0)
    kept = stored_frame(folder, "conflict", key, must_not_build)
    pd.testing.assert_frame_equal(kept, direct)
    # another filter (or other regions) is another frame: computed, then kept too
    calls = []
    other = conflict_key(b.incidents.version, b.regions, ("Battles",), 0)
    stored_frame(folder, "conflict", other, lambda: calls.append(1) or direct.head(3))
    pd.testing.assert_frame_equal(stored_frame(folder, "conflict", other, must_not_build), direct.head(3))
    assert calls == [1]
