"""Collaboration and perception files through the store, ``stability ingest`` and the Data page.

The same guarantees as incidents: a refused file leaves the store byte for byte as it was; with
``--skip-invalid`` only the valid rows are stored; re-sending a file adds nothing; batches can be
withdrawn and restored; once the store holds a table its sample is no longer used.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from datasets.ingest import FORMAT_LABELS, prepare
from datasets.loaders import load_table
from datasets.store import Store
from stability import cmd_ingest
from stability.cli import main

COLLAB = Path(__file__).parent / "fixtures" / "collaboration"
PERCEP = Path(__file__).parent / "fixtures" / "perception"


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


def test_every_layout_can_be_forced_on_the_command_line() -> None:
    own = {
        k
        for k in FORMAT_LABELS
        # survey microdata is recognised by its file type (or --item), not forced with --format
        if k not in ("unknown", "mapped", "acled_old", "survey_microdata") and not k.startswith("canonical_")
    }
    assert own <= set(cmd_ingest._FORMATS)
    assert set(cmd_ingest._FORMATS) - {"auto"} <= set(FORMAT_LABELS) | {"canonical"}


def test_bad_collaboration_files_leave_the_store_byte_for_byte(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = tmp_path / "store"
    code, _, err = run(["ingest", str(COLLAB / "sipri_2025.csv"), "--store", str(store)], capsys)
    assert code == 0, err
    before = snapshot(store)
    for name in ("mme_long_conflict.csv", "mme_long_shared_id.csv", "sipri_classic_broken.csv"):
        code, out, err = run(["ingest", str(COLLAB / name), "--store", str(store)], capsys)
        assert code == 2 and f"{name}: refused, nothing was stored." in err
        assert snapshot(store) == before, name
    _, _, err = run(["ingest", str(COLLAB / "mme_long_shared_id.csv"), "--store", str(store)], capsys)
    assert "two different exercises share the ID mme912" in err and "rows 4, 5, 6, 7" in err
    # an unknown country: refused, with its row
    bad = tmp_path / "bad_sipri.csv"
    text = (
        (COLLAB / "sipri_2025.csv").read_text(encoding="utf-8").replace("Turkiye,Ukraine", "Atlantis,Ukraine")
    )
    bad.write_text(text, encoding="utf-8")
    code, _, err = run(["ingest", str(bad), "--store", str(store)], capsys)
    assert code == 2 and "column 'Supplier': unknown country" in err and "rows 18" in err
    assert snapshot(store) == before


def test_bad_perception_files_leave_the_store_byte_for_byte(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = tmp_path / "store"
    code, _, err = run(["ingest", str(PERCEP / "wgi_saved_from_excel.csv"), "--store", str(store)], capsys)
    assert code == 0, err
    before = snapshot(store)
    bad_wgi = tmp_path / "wgi_bad.csv"
    bad_wgi.write_text(
        "code,countryname,year,indicator,estimate,stddev\nXYZ,Atlantis,2023,pv,0.1,0.2\nFRA,France,2023,pv,high,0.2\n"
        "DEU,Germany,2023,pv,7.5,0.2\n",
        encoding="utf-8",
    )
    conflict = tmp_path / "indicator_16-1-4_conflict.csv"
    conflict.write_text(
        "Year,Sex,GeoCode,Value\n2020,,SN,70\n<<<<<<< HEAD\n2021,,SN,71\n=======\n2021,,SN,72\n>>>>>>> b\n",
        encoding="utf-8",
    )
    for path, expected in (
        (bad_wgi, "unknown World Bank country code"),
        (PERCEP / "indicator_16-1-4.csv", "does not say which country"),
        (conflict, "'<<<<<<<' at line 3, '=======' at line 5, '>>>>>>>' at line 7"),
    ):
        code, _, err = run(["ingest", str(path), "--store", str(store)], capsys)
        assert code == 2 and expected in err, err
        assert snapshot(store) == before, path.name
    _, _, err = run(["ingest", str(bad_wgi), "--store", str(store)], capsys)
    assert "column 'estimate': not a number (e.g. 'high'): rows 3" in err
    assert "not a WGI estimate" in err and "rows 4" in err


def test_skip_invalid_idempotence_withdraw_restore_and_the_sample_left_aside(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = tmp_path / "store"
    assert load_table("collaboration", store).illustrative
    code, out, err = run(
        ["ingest", str(COLLAB / "mme_long_shared_id.csv"), "--store", str(store), "--skip-invalid"], capsys
    )
    assert code == 0, err
    assert out.startswith(
        "mme_long_shared_id.csv: collaboration, MME exercises (long form, one row per participant): "
        "1 rows stored, 0 duplicates skipped, 4 rows rejected"
    )
    ds = load_table("collaboration", store)
    assert not ds.illustrative and ds.table["event_id"].to_pylist() == ["mme911"]
    # the same file again: nothing added
    code, out, _ = run(
        ["ingest", str(COLLAB / "mme_long_shared_id.csv"), "--store", str(store), "--skip-invalid"], capsys
    )
    assert code == 0 and "(this file is already stored; nothing added)" in out
    # a repaired copy of the file (merge conflict with equal sides) adds only what is new: mme912
    code, out, _ = run(["ingest", str(COLLAB / "mme_long_conflict_same.csv"), "--store", str(store)], capsys)
    assert code == 0 and "1 rows stored, 1 duplicates skipped" in out
    assert "note: A merge conflict whose two versions are the same" in out
    batches = Store(store).batches("collaboration")
    assert [b["rows_stored"] for b in batches] == [1, 1]
    assert batches[1]["notes"] and batches[1]["attribution"].startswith("MME (D'Orazio & Galambos)")
    code, _, _ = run(["withdraw", batches[0]["id"], "--store", str(store)], capsys)
    assert code == 0 and load_table("collaboration", store).table["event_id"].to_pylist() == ["mme912"]
    code, _, _ = run(["restore", batches[0]["id"], "--store", str(store)], capsys)
    assert sorted(load_table("collaboration", store).table["event_id"].to_pylist()) == ["mme911", "mme912"]
    # perception: stored, the sample no longer used
    code, _, err = run(["ingest", str(PERCEP / "wgi_api.csv"), "--store", str(store)], capsys)
    assert code == 0, err
    assert set(load_table("perception", store).table["indicator"].to_pylist()) == {"political_stability"}


def test_ingest_says_the_table_layout_and_notes_and_sources_gives_annual_periods(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = tmp_path / "store"
    code, out, err = run(
        [
            "ingest",
            str(COLLAB / "sipri_2025.csv"),
            str(PERCEP / "indicator_16-1-4_senegal.csv"),
            "--store",
            str(store),
        ],
        capsys,
    )
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith(
        "sipri_2025.csv: collaboration, SIPRI trade register (2025 layout): 8 rows stored"
    )
    assert (
        lines[1]
        == "  note: lines 1–11 are SIPRI's notes above the column names (a preamble) and were skipped."
    )
    assert any(
        line.startswith(
            "indicator_16-1-4_senegal.csv: perception, UN SDG 16.1.4, national reporting platform (open-sdg "
            "layout): 8 rows stored"
        )
        for line in lines
    )
    code, out, _ = run(["sources", "--store", str(store), "--format", "json"], capsys)
    rows = json.loads(out)
    sipri = next(r for r in rows if r["file_name"] == "sipri_2025.csv")
    assert (sipri["first_period"], sipri["last_period"]) == ("2020", "2023")
    assert sipri["attribution"] == "SIPRI Arms Transfers Database, © SIPRI"
    assert sipri["format"] == "SIPRI trade register (2025 layout)"
    senegal = next(r for r in rows if r["table"] == "perception")
    assert senegal["attribution"] == "UN SDG indicator 16.1.4 (national platform of Senegal)"
    assert senegal["countries"] == "SEN"


def test_country_and_safe_categories_on_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = tmp_path / "store"
    dist = PERCEP / "indicator_16-1-4_distribution.csv"
    code, _, err = run(["ingest", str(dist), "--store", str(store)], capsys)
    assert code == 2 and "--country" in err
    code, out, err = run(["ingest", str(dist), "--store", str(store), "--country", "Kazakhstan"], capsys)
    assert code == 0, err
    assert "A feel_safe value exists only once you say which categories count" in out
    assert "feel_safe" not in set(load_table("perception", store).table["indicator"].to_pylist())
    other = tmp_path / "other"
    code, out, err = run(
        ["ingest", str(dist), "--store", str(other), "--country", "KAZ", "--safe-categories", "1A, 1B"],
        capsys,
    )
    assert code == 0, err
    assert "feel_safe = the share answering 1A or 1B, as chosen at import" in out
    t = load_table("perception", other).table.to_pandas()
    national = t.loc[(t["indicator"] == "feel_safe") & t["breakdown"].isna()]
    assert sorted(national["value"].round(6).tolist()) == [0.85, 0.88]  # 40 + 45 %, 50 + 38 %


def test_forced_layouts_and_layouts_of_another_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = tmp_path / "store"
    code, out, err = run(
        [
            "ingest",
            str(COLLAB / "sipri_2025.csv"),
            "--format",
            "sipri",
            "--table",
            "collaboration",
            "--store",
            str(store),
        ],
        capsys,
    )
    assert code == 0, err
    code, _, err = run(
        [
            "ingest",
            str(PERCEP / "wgi_api.csv"),
            "--format",
            "wgi_api",
            "--table",
            "collaboration",
            "--store",
            str(store),
        ],
        capsys,
    )
    assert code == 2 and "the layout 'wgi_api' feeds the perception table, not collaboration" in err


def test_distribution_and_unsafe_files_never_produce_feel_safe(tmp_path: Path) -> None:
    store = Store(tmp_path / "store")
    for name, kwargs in (
        ("indicator_16-1-4_distribution.csv", {"country": "KAZ"}),
        ("sdg_unsafe.csv", {}),
    ):
        upload = prepare((PERCEP / name).read_bytes(), name, **kwargs)  # type: ignore[arg-type]
        assert store.add(upload).status == "stored"
    table = load_table("perception", tmp_path / "store").table
    indicators = set(table["indicator"].to_pylist())
    assert "feel_safe" not in indicators
    assert {"feel_unsafe", "feel_safe_distribution_1a"} <= indicators
    import pandas as pd

    from metrics.perception import perception_indicators

    regions = pd.DataFrame({"region": ["Central Asia", "East Asia"], "iso3": ["KAZ", "MNG"]})
    out = perception_indicators(table, regions)
    assert not out["indicator"].str.fullmatch(r"feel_safe(_change|_change_significant|_sample_size)?").any()


SCRIPT = """
import os
from pathlib import Path
from dashboard import upload
upload.render(Path(os.environ["STABILITY_STORE"]))
"""


def test_data_page_asks_which_categories_count_as_safe_and_says_what_each_series_measures(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "store"
    monkeypatch.setenv("STABILITY_STORE", str(store))
    script = tmp_path / "upload_page.py"
    script.write_text(SCRIPT, encoding="utf-8")
    at = AppTest.from_file(str(script), default_timeout=30)
    at.run()
    data = (PERCEP / "indicator_16-1-4_distribution.csv").read_bytes()
    at.file_uploader[0].set_value(("indicator_16-1-4_kazakhstan.csv", data, "text/csv")).run()
    assert not at.exception
    assert at.text[0].value.startswith("Layout: UN SDG 16.1.4, national reporting platform")
    measures = at.dataframe[0].value
    assert (
        "feel_safe_distribution_1a: share giving this answer (one category of a distribution, not feel_safe)"
        in list(measures["stored as"])
    )
    (question,) = at.multiselect
    assert question.options == ["1A", "1B", "1C", "1D"] and "no feel_safe value is stored" in question.label
    assert "1A: 50.0%, 1B: 38.0%" in " ".join(c.value for c in at.caption)
    # 30 file rows: 6 hold the distribution's total (100 %), 24 are categories -> 24 rows to store
    assert (
        at.success[0].value
        == "Every row passed the checks: the file's 30 rows give 24 perception rows to store."
    )
    assert at.button(key="upload_confirm").label == "Store 24 rows"
    question.set_value(["1A", "1B"]).run()
    assert not at.exception
    # and one feel_safe per year and breakdown: 2 × 3 more
    assert at.button(key="upload_confirm").label == "Store 30 rows"
    at.button(key="upload_confirm").click().run()
    assert not at.exception
    t = load_table("perception").table.to_pandas()
    national = t.loc[(t["indicator"] == "feel_safe") & t["breakdown"].isna()]
    assert sorted(national["value"].round(6).tolist()) == [0.85, 0.88]
