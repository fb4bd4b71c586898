"""``stability ingest``, ``sources``, ``withdraw``, ``restore`` and ``metrics --store``."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import pandas as pd
import pytest

from stability.cli import main

FIX = Path(__file__).parent / "fixtures" / "incidents"


def snapshot(root: Path) -> dict[str, str]:
    """SHA-256 of every file under ``root`` by relative path."""
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_ingest_prints_one_line_per_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = tmp_path / "store"
    code, out, err = run(
        ["ingest", str(FIX / "acled_current.csv"), str(FIX / "ucdp_ged.csv"), "--store", str(store)], capsys
    )
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith(
        "acled_current.csv: incidents, ACLED export: 10 rows stored, 0 duplicates skipped, "
        "0 rows rejected; 10 new, 0 revised, 0 removed (batch "
    )
    assert lines[1].startswith(
        "ucdp_ged.csv: incidents, UCDP GED: 7 rows stored, 0 duplicates skipped, 0 rows rejected; "
        "7 new, 0 revised, 0 removed"
    )
    assert f"stability dashboard --store {store}" in out
    # the same file again: nothing added, exit 0
    code, out, _ = run(["ingest", str(FIX / "acled_current.csv"), "--store", str(store)], capsys)
    assert code == 0
    assert out.splitlines()[0] == (
        "acled_current.csv: incidents, ACLED export: 0 rows stored, 10 duplicates skipped, 0 rows rejected; "
        "0 new, 0 revised, 0 removed (this file is already stored; nothing added)"
    )


def test_refused_file_exits_2_and_store_is_unchanged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = tmp_path / "store"
    assert run(["ingest", str(FIX / "acled_current.csv"), "--store", str(store)], capsys)[0] == 0
    before = snapshot(store)
    for bad in ("negative_fatalities.csv", "wrong_columns.csv", "empty.csv", "binary.csv", "header_only.csv"):
        code, out, err = run(["ingest", str(FIX / "bad" / bad), "--store", str(store)], capsys)
        assert code == 2, bad
        assert err.startswith(f"{bad}: refused, nothing was stored.")
        assert "Traceback" not in err and out == ""
        assert snapshot(store) == before
    code, _, err = run(
        ["ingest", str(FIX / "bad" / "negative_fatalities.csv"), "--store", str(store)], capsys
    )
    assert "column 'fatalities': fatalities cannot be negative (e.g. '-4'): rows 4" in err


def test_skip_invalid(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = tmp_path / "store"
    code, out, _ = run(
        ["ingest", str(FIX / "bad" / "unknown_country.csv"), "--store", str(store), "--skip-invalid"], capsys
    )
    assert code == 0
    # 4 rows: rows 3 and 5 of the file are in "Narnia"
    assert "2 rows stored, 0 duplicates skipped, 2 rows rejected" in out
    assert "rejected rows written to " in out


def test_default_store_location(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("STABILITY_STORE", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    code, out, _ = run(["ingest", str(FIX / "acled_current.csv")], capsys)
    assert code == 0
    expected = tmp_path / "data" / "regional-stability-monitor" / "store"
    assert f"data store: {expected} (the default store)" in out
    assert f"stability dashboard --store {expected}" in out and f"STABILITY_STORE={expected}" in out
    assert (expected / "store_manifest" / "_delta_log").is_dir()  # a new store is on Delta Lake


def test_other_tables(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = tmp_path / "store"
    code, _, err = run(
        ["ingest", str(FIX / "acled_current.csv"), "--table", "perception", "--store", str(store)], capsys
    )
    assert code == 2 and "do not match any layout of the perception table" in err
    collab = tmp_path / "c.csv"
    collab.write_text(
        "event_id,start_date,kind,participants,source\nE1,2020-05-01,joint_exercise,FRA;DEU;POL,List\n",
        encoding="utf-8",
    )
    code, out, err = run(["ingest", str(collab), "--table", "collaboration", "--store", str(store)], capsys)
    assert code == 0, err
    assert out.startswith("c.csv: collaboration, Canonical collaboration table: 1 rows stored")


def test_mapping_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("When,Where,Dead,What\n2024-01-05,Mali,3,Battles\n", encoding="utf-8")
    mapping = tmp_path / "m.json"
    mapping.write_text(
        json.dumps(
            {
                "name": "Field office",
                "columns": {
                    "event_date": "When",
                    "country": "Where",
                    "fatalities": "Dead",
                    "event_type": "What",
                },
            }
        ),
        encoding="utf-8",
    )
    code, out, err = run(
        ["ingest", str(sheet), "--mapping", str(mapping), "--store", str(tmp_path / "s")], capsys
    )
    assert code == 0, err
    assert out.startswith("sheet.csv: incidents, Column mapping 'Field office': 1 rows stored")
    code, _, err = run(["ingest", str(sheet), "--mapping", str(tmp_path / "none.json")], capsys)
    assert code == 1 and "mapping file not found" in err


def test_sources_withdraw_restore(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = tmp_path / "store"
    run(["ingest", str(FIX / "acled_current.csv"), str(FIX / "ucdp_ged.csv"), "--store", str(store)], capsys)
    code, out, _ = run(["sources", "--store", str(store)], capsys)
    assert code == 0
    frame = pd.read_csv(io.StringIO(out))
    assert frame["file_name"].tolist() == ["acled_current.csv", "ucdp_ged.csv"]
    assert frame["format"].tolist() == ["ACLED export", "UCDP GED"]
    assert frame["rows_stored"].tolist() == [10, 7] and frame["rows_rejected"].tolist() == [0, 0]
    assert frame["first_period"].tolist() == ["2023-01", "2022-05"]
    assert frame["last_period"].tolist() == ["2023-03", "2022-06"]
    assert frame["countries"].tolist() == ["BFA CIV MLI NER XKX", "BFA MLI MMR NER YEM"]
    assert frame["attribution"].str.contains("ACLED").tolist() == [True, False]
    assert frame["withdrawn"].tolist() == [False, False]
    batch = frame["batch_id"].iloc[0]
    code, out, _ = run(["withdraw", batch, "--store", str(store)], capsys)
    assert code == 0 and out.strip().endswith("is now withdrawn")
    code, out, _ = run(["sources", "--store", str(store), "--format", "json"], capsys)
    assert [r["withdrawn"] for r in json.loads(out)] == [True, False]
    code, out, _ = run(["restore", batch, "--store", str(store)], capsys)
    assert code == 0 and out.strip().endswith("is now active")
    code, _, err = run(["withdraw", "no-such-batch", "--store", str(store)], capsys)
    assert code == 2 and err.startswith("stability: error: there is no batch 'no-such-batch'")


def test_metrics_uses_stored_incidents_only(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = tmp_path / "store"
    run(["ingest", str(FIX / "acled_current.csv"), "--store", str(store)], capsys)
    code, out, err = run(
        ["metrics", "--store", str(store), "--family", "conflict", "--region", "Sahel"], capsys
    )
    assert code == 0, err
    frame = pd.read_csv(io.StringIO(out))
    incidents = frame[frame["indicator"] == "incidents"].set_index("period")["value"]
    # only the stored months (the sample spans 2015-2025): Sahel 3, 3 and 2 incidents
    assert incidents.to_dict() == {"2023-01": 3.0, "2023-02": 3.0, "2023-03": 2.0}
    fatalities = frame[frame["indicator"] == "fatalities"].set_index("period")["value"]
    assert fatalities.to_dict() == {"2023-01": 6.0, "2023-02": 12.0, "2023-03": 12.0}
    assert "incidents:" not in err  # no "illustrative sample" note for incidents
    # the store holds a table, so the sample is used nowhere: collaboration has no data (issue 13)
    assert "Illustrative sample data" not in err
    assert "collaboration: No data loaded for this family" in err


def test_regions_note_and_forced_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    regions = tmp_path / "regions.csv"
    regions.write_text("region,iso3\nLevant,SYR\nLevant,IRQ\n", encoding="utf-8")
    code, out, err = run(
        [
            "ingest",
            str(FIX / "acled_older.csv"),
            "--format",
            "acled",
            "--regions",
            str(regions),
            "--store",
            str(tmp_path / "s"),
        ],
        capsys,
    )
    assert code == 0, err
    assert out.startswith("acled_older.csv: incidents, ACLED export (older layout): 6 rows stored")
    # stored countries IRQ, SYR, TUR, YEM; TUR and YEM are in no region of the file
    assert f"note: 2 stored country code(s) are in no region of {regions}: TUR, YEM" in out


def test_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["ingest", str(tmp_path / "nope.csv"), "--store", str(tmp_path / "s")], capsys)
    assert code == 2 and f"file not found: {tmp_path / 'nope.csv'}" in err


def test_coverage_of_a_store_with_real_incidents_lists_no_sample_rows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = tmp_path / "store"
    assert run(["ingest", str(FIX / "ucdp_ged.csv"), "--store", str(store), "--no-prepare"], capsys)[0] == 0
    code, out, err = run(["coverage", "--store", str(store)], capsys)
    assert code == 0, err
    frame = pd.read_csv(io.StringIO(out))
    # the store holds incidents only: collaboration and perception have no rows, never the sample's
    assert set(frame["table"]) == {"incidents"}
    assert set(frame["source"]) == {"UCDP GED"}
    # with no store at all the sample is what is shown, and says so
    code, out, _err = run(["coverage", "--store", str(tmp_path / "empty")], capsys)
    assert code == 2  # a folder that does not exist is refused (below)
    (tmp_path / "empty").mkdir()
    code, out, err = run(["coverage", "--store", str(tmp_path / "empty")], capsys)
    assert code == 0, err
    assert set(pd.read_csv(io.StringIO(out))["source"]) == {"Illustrative sample data (not real)"}


@pytest.mark.parametrize(
    "command",
    [["metrics"], ["coverage"], ["sources"], ["evaluate", "--region", "Sahel", "--milestone", "2020-01"]],
)
def test_a_store_folder_that_does_not_exist_is_refused_by_commands_that_read_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    missing = tmp_path / "stroe"  # a typo
    code, out, err = run([*command, "--store", str(missing)], capsys)
    assert code == 2 and out == ""
    assert err.strip() == (
        f"stability: error: there is no data store at {missing} (--store): the folder does not exist. "
        "Check the path; `stability ingest FILE --store DIR` creates a store."
    )
    assert not missing.exists()


def test_python_m_stability_cli_reports_errors_in_one_line(tmp_path: Path) -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "stability.cli", "sources", "--store", str(tmp_path / "nowhere")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("stability: error: there is no data store at")


def test_as_of_before_the_first_batch_shows_no_sample(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = tmp_path / "store"
    assert run(["ingest", str(FIX / "ucdp_ged.csv"), "--store", str(store), "--no-prepare"], capsys)[0] == 0
    code, out, err = run(["metrics", "--store", str(store), "--as-of", "2020-01-01"], capsys)
    assert code == 0, err
    assert pd.read_csv(io.StringIO(out)).empty  # no row, and above all none from the sample
    assert "Illustrative sample" not in err and "incidents: No data loaded for this family" in err
    code, out, err = run(["coverage", "--store", str(store), "--as-of", "2020-01-01"], capsys)
    assert code == 0 and pd.read_csv(io.StringIO(out)).empty, err
    # now, the store's GED batch: its coverage, no sample row beside it
    code, out, err = run(["coverage", "--store", str(store)], capsys)
    assert set(pd.read_csv(io.StringIO(out))["table"]) == {"incidents"}
