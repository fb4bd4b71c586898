"""Revisions: corrected re-exports supersede, full exports remove, every earlier state can be read."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pyarrow.compute as pc
import pytest

from datasets.store import Store, StoreError
from stability.cli import main

HEADER = (
    "event_id_cnty,event_date,year,time_precision,disorder_type,event_type,sub_event_type,actor1,"
    "assoc_actor_1,inter1,actor2,assoc_actor_2,inter2,interaction,civilian_targeting,iso,region,country,"
    "admin1,admin2,admin3,location,latitude,longitude,geo_precision,source,source_scale,notes,fatalities,"
    "tags,timestamp"
)


def acled(ids: range, fatalities: dict[int, int] | None = None, base: int = 2) -> bytes:
    """ACLED-layout rows MLI<k> (Mali, January 2023): ``base`` fatalities, or ``fatalities[k]``."""
    fatalities = fatalities or {}
    lines = [HEADER]
    for k in ids:
        lines.append(
            f"MLI{k},2023-01-{1 + k % 28:02d},2023,1,Political violence,Battles,Armed clash,"
            f"Military Forces of Mali,,1,JNIM,,2,12,,466,Western Africa,Mali,Mopti,Djenne,Djenne,Djenne,"
            f'13.9,-4.5,1,Radio,National,"Clash {k}.",{fatalities.get(k, base)},,1673900000'
        )
    return ("\n".join(lines) + "\n").encode()


def total(store: Store, **kw: object) -> int:
    table = store.read_table("incidents", **kw)  # type: ignore[arg-type]
    assert table is not None
    return int(pc.sum(table["fatalities"]).as_py())


def test_corrected_reexport_changes_totals_by_exactly_the_corrections(tmp_path: Path) -> None:
    store = Store(tmp_path)
    first = store.ingest(acled(range(300)), "week1.csv")
    assert first.batch_id and (first.new, first.revised) == (300, 0)
    assert total(store) == 300 * 2
    # the corrected re-export: same 300 ids, fatalities +10 on the first 100
    second = store.ingest(acled(range(300), {k: 2 + 10 for k in range(100)}), "week2.csv")
    assert (second.status, second.new, second.revised, second.removed, second.duplicates) == (
        "stored",
        0,
        100,
        0,
        200,
    )
    assert second.rows_stored == 100  # only the revised rows are written
    assert total(store) == 300 * 2 + 100 * 10
    assert store.read_table("incidents").num_rows == 300  # type: ignore[union-attr]
    # as of the first batch: the old totals
    assert total(store, as_of=first.batch_id) == 300 * 2
    assert total(store, as_of=second.batch_id) == 300 * 2 + 1_000
    # the history keeps both; withdrawing the correction brings the old values back
    assert second.batch_id
    store.withdraw(second.batch_id)
    assert total(store) == 300 * 2
    # the store as it was just before the withdrawal (after the second batch) is still readable
    assert total(store, as_of=second.batch_id) == 300 * 2 + 1_000


def test_full_export_removes_missing_events_of_its_scope_only(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.ingest(acled(range(20)), "full1.csv")
    other = store.ingest(
        acled(range(5)).replace(b"MLI", b"BFA").replace(b",466,", b",854,").replace(b"Mali", b"Burkina Faso"),
        "bfa.csv",
    )
    assert other.new == 5
    # next export of Mali: MLI17..MLI19 are gone, MLI20..MLI22 are new, MLI3 corrected
    newer = acled([*range(17), 20, 21, 22], {3: 9})  # type: ignore[arg-type]
    from datasets.ingest import prepare

    upload = prepare(newer, "full2.csv")
    assert store.full_export_of(upload) is not None  # same source, countries and first date
    assert store.preview(upload, full_export=True) == {"new": 3, "revised": 1, "duplicates": 16, "removed": 3}
    assert store.preview(upload) == {"new": 3, "revised": 1, "duplicates": 16, "removed": 0}
    result = store.add(upload, full_export=True)
    assert (result.new, result.revised, result.removed) == (3, 1, 3)
    table = store.read_table("incidents")
    assert table is not None
    ids = set(table["event_id"].to_pylist())
    assert not ids & {"MLI17", "MLI18", "MLI19"}
    assert {"MLI20", "MLI21", "MLI22", "BFA0"} <= ids
    assert table.num_rows == 20 - 3 + 3 + 5  # Burkina Faso is outside the scope: kept
    assert total(store) == (20 - 3 + 3) * 2 + (9 - 2) + 5 * 2
    assert result.batch_id
    store.withdraw(result.batch_id)  # the removals are undone with their batch
    assert store.read_table("incidents").num_rows == 20 + 5  # type: ignore[union-attr]


def test_ingest_line_names_new_revised_removed_and_duplicates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_bytes(acled(range(10)))
    b.write_bytes(acled([*range(8), 10], {0: 5, 1: 5}))  # type: ignore[arg-type]
    store = tmp_path / "store"
    assert main(["ingest", str(a), "--store", str(store)]) == 0
    capsys.readouterr()
    assert main(["ingest", str(b), "--store", str(store), "--preview"]) == 0
    out = capsys.readouterr().out
    assert "would store 1 new and 2 revised events, remove 0, skip 6 duplicates" in out
    assert len(Store(store).batches()) == 1  # a preview stores nothing
    assert main(["ingest", str(b), "--store", str(store)]) == 0
    out = capsys.readouterr().out
    # 9 rows: 1 new (MLI10), 2 revised (MLI0, MLI1), 6 the same; MLI8 and MLI9 are not in the file
    assert "b.csv: incidents, ACLED export: 3 rows stored, 6 duplicates skipped, 0 rows rejected; " in out
    assert "1 new, 2 revised, 0 removed" in out
    assert "looks like a newer full export" in out and "2 stored events" in out
    assert main(["ingest", str(b), "--store", str(store), "--full-export"]) == 0
    out = capsys.readouterr().out
    assert "(this file is already stored; nothing added)" in out
    # history: two ingests, numbered in order
    assert main(["sources", "--history", "--store", str(store)]) == 0
    hist = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert list(hist["action"]) == ["ingested", "ingested"]
    assert list(hist["seq"]) == [1, 2]
    assert list(hist["new"]) == [10, 1] and list(hist["revised"]) == [0, 2]


def test_metrics_as_of_gives_the_numbers_of_that_time(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_bytes(acled(range(40)))
    b.write_bytes(acled(range(40), {k: 30 for k in range(10)}))
    only_a, both = tmp_path / "only_a", tmp_path / "both"
    for root, files in ((only_a, [a]), (both, [a, b])):
        assert main(["ingest", *map(str, files), "--store", str(root)]) == 0
    capsys.readouterr()
    first_id = Store(both).batches()[0]["id"]
    # a region of Mali alone: the files cover MLI only, and a bundled region with MLI among many
    # members is below the half-the-members coverage threshold (no values to compare)
    regions = tmp_path / "regions.csv"
    regions.write_text("region,iso3\nMali,MLI\n", encoding="utf-8")
    outputs = {}
    for key, args in {
        "only_a": ["--store", str(only_a)],
        "both": ["--store", str(both)],
        "as_of": ["--store", str(both), "--as-of", str(first_id)],
    }.items():
        assert main(["metrics", "--family", "conflict", "--regions", str(regions), *args]) == 0
        outputs[key] = capsys.readouterr().out
    assert outputs["as_of"] == outputs["only_a"]
    assert outputs["both"] != outputs["only_a"]
    assert main(["metrics", "--store", str(both), "--as-of", "last tuesday"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("stability: error: --as-of 'last tuesday' is neither a batch")
    assert err.count("\n") == 1


def test_as_of_a_time_before_and_after(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.ingest(acled(range(4)), "a.csv")
    assert store.read_table("incidents", as_of="2000-01-01") is None
    assert total(store, as_of="2999-01-01") == 4 * 2


def test_newer_store_format_is_refused_and_never_rewritten(tmp_path: Path) -> None:
    store = Store(tmp_path, layout="parquet")  # the manifest.json layout
    store.ingest(acled(range(3)), "a.csv")
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    manifest["manifest_version"] = 99
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    before = (tmp_path / "manifest.json").read_bytes()
    with pytest.raises(StoreError, match="written by a newer version of this tool"):
        store.ingest(acled(range(3, 6)), "b.csv")
    with pytest.raises(StoreError, match="newer version"):
        store.read_table("incidents")
    assert (tmp_path / "manifest.json").read_bytes() == before


def test_batch_record_without_id_is_one_sentence(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = Store(tmp_path, layout="parquet")  # the manifest.json layout
    store.ingest(acled(range(3)), "a.csv")
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    del manifest["batches"][0]["id"]
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    assert main(["sources", "--store", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err == (
        f"stability: error: batch record 1 of the store's manifest {tmp_path / 'manifest.json'} has no id "
        "or table; the manifest is damaged\n"
    )


def test_version_1_store_is_read_and_upgraded(tmp_path: Path) -> None:
    store = Store(tmp_path, layout="parquet")  # the manifest.json layout
    store.ingest(acled(range(3)), "a.csv")
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    manifest["manifest_version"] = 1
    for b in manifest["batches"]:
        for k in ("seq", "new", "revised", "removed", "scope", "full_export"):
            b.pop(k, None)
    manifest.pop("seq", None)
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    assert total(store) == 3 * 2
    second = store.ingest(acled(range(3), {0: 7}), "b.csv")
    assert (second.revised, second.new) == (1, 0)
    assert total(store) == 3 * 2 + 5
    assert json.loads((tmp_path / "manifest.json").read_text())["manifest_version"] == 2
    assert list(store.history()["action"]) == ["ingested", "ingested"]


MINISTRY = [
    ("2024-03-01", "Mali", "Mopti", "Army", "JNIM", "Battles", "3"),
    ("2024-03-01", "Mali", "Mopti", "Army", "JNIM", "Battles", "3"),  # the same on one day: two events
    ("2024-03-02", "Niger", "Tillaberi", "ISGS", "", "Violence against civilians", "5"),
    ("2024-03-05", "Burkina Faso", "Sahel", "JNIM", "Army", "Explosions/Remote violence", "0"),
]


def ministry_csv(rows: list[tuple[str, ...]], *, order: list[int], crlf: bool, quote: bool) -> bytes:
    """The ministry's sheet (no event ids) with columns in the given order."""
    header = ["Date", "Country", "Province", "Perpetrator", "Target", "Type", "Killed"]
    q = (lambda v: f'"{v}"') if quote else (lambda v: v)
    lines = [",".join(q(header[i]) for i in order)]
    lines += [",".join(q(r[i]) for i in order) for r in rows]
    end = "\r\n" if crlf else "\n"
    return (end.join(lines) + end).encode()


def test_mapped_file_resaved_adds_nothing(tmp_path: Path) -> None:
    from datasets.ingest import ColumnMapping

    mapping = ColumnMapping(
        name="Ministry sheet",
        columns={
            "event_date": "Date",
            "country": "Country",
            "admin1": "Province",
            "actor1": "Perpetrator",
            "actor2": "Target",
            "event_type": "Type",
            "fatalities": "Killed",
        },
        constants={"source": "Ministry of Defence"},
    )
    store = Store(tmp_path)
    first = store.ingest(
        ministry_csv(MINISTRY, order=list(range(7)), crlf=False, quote=False),
        "sheet.csv",
        format="mapped",
        mapping=mapping,
    )
    assert first.new == 4 and total(store) == 3 + 3 + 5 + 0
    # re-saved: rows in another order, CRLF line ends, every field quoted, columns in another order
    resaved = ministry_csv(MINISTRY[::-1], order=[6, 5, 4, 3, 2, 1, 0], crlf=True, quote=True)
    again = store.ingest(resaved, "sheet-resaved.csv", format="mapped", mapping=mapping)
    assert (again.status, again.new, again.revised, again.duplicates) == ("nothing new", 0, 0, 4)
    assert total(store) == 11
    # a corrected count for the Niger event is a revision of that event, not a new one
    fixed = [r if r[1] != "Niger" else (*r[:6], "7") for r in MINISTRY]
    third = store.ingest(
        ministry_csv(fixed, order=list(range(7)), crlf=False, quote=False), "fixed.csv", mapping=mapping
    )
    assert (third.new, third.revised, third.duplicates) == (0, 1, 3)
    assert total(store) == 3 + 3 + 7 + 0


def test_preview_of_a_refused_file_exits_2_and_stores_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = Path(__file__).parent / "fixtures" / "incidents" / "bad" / "negative_fatalities.csv"
    store = tmp_path / "store"
    assert main(["ingest", str(bad), "--store", str(store), "--preview"]) == 2
    out = capsys.readouterr()
    assert "would store" not in out.out and "column 'fatalities'" in out.err
    assert not (store / "manifest.json").exists()


def test_as_of_uses_the_coverage_as_it_was(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from datasets.bundle import load_bundle

    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_bytes(acled(range(40)))  # Mali, 2023-01-01 .. 2023-01-28
    b.write_bytes(acled(range(10), {0: 9}))  # one correction, stated to cover January to March
    only_a, both = tmp_path / "only_a", tmp_path / "both"
    assert main(["ingest", str(a), "--store", str(only_a)]) == 0
    assert main(["ingest", str(a), "--store", str(both)]) == 0
    assert main(["ingest", str(b), "--store", str(both), "--coverage", "2023-01-01:2023-03-31"]) == 0
    capsys.readouterr()
    first_id = str(Store(both).batches()[0]["id"])
    # the second batch widens Mali's coverage from January to March 2023
    now = load_bundle(both).incidents_coverage()
    then = load_bundle(both, as_of=first_id).incidents_coverage()
    assert now is not None and then is not None
    assert max(now.loc[now["iso3"] == "MLI", "last_day"]) == "2023-03-31"
    assert list(then.loc[then["iso3"] == "MLI", "last_day"]) == ["2023-01-28"]
    assert then.equals(load_bundle(only_a).incidents_coverage())
    assert main(["coverage", "--store", str(both), "--as-of", first_id]) == 0
    as_of_csv = capsys.readouterr().out
    assert main(["coverage", "--store", str(only_a)]) == 0
    assert as_of_csv == capsys.readouterr().out
    assert "incidents,ACLED,MLI,2023-01,2023-01,day\n" in as_of_csv
    assert main(["coverage", "--store", str(both)]) == 0
    assert "incidents,ACLED,MLI,2023-01,2023-03,day\n" in capsys.readouterr().out
    # and the numbers: February 2023 is an observed zero now, outside the coverage as of batch 1
    regions = tmp_path / "regions.csv"
    regions.write_text("region,iso3\nMali,MLI\n", encoding="utf-8")
    outputs = {}
    for key, args in {
        "only_a": ["--store", str(only_a)],
        "as_of": ["--store", str(both), "--as-of", first_id],
        "both": ["--store", str(both)],
    }.items():
        assert main(["metrics", "--family", "conflict", "--regions", str(regions), *args]) == 0
        outputs[key] = capsys.readouterr().out
    assert outputs["as_of"] == outputs["only_a"]
    assert "2023-02" in outputs["both"] and "2023-02" not in outputs["only_a"]


def test_unlisted_events_are_counted_in_the_same_pass_and_nothing_is_removed(tmp_path: Path) -> None:
    """``count_unlisted``: the stored events of the file's scope that it does not list, what a full
    export would remove, counted while the file is stored; the events stay."""
    from datasets.ingest import prepare

    store = Store(tmp_path)
    store.ingest(acled(range(10)), "a.csv")
    upload = prepare(acled([*range(7), 10], {0: 5}), "b.csv")  # MLI7, MLI8, MLI9 not listed
    result = store.add(upload, count_unlisted=True)
    assert (result.new, result.revised, result.removed, result.unlisted) == (1, 1, 0, 3)
    assert store.read_table("incidents").num_rows == 11  # type: ignore[union-attr]
    assert total(store) == 10 * 2 + (5 - 2) + 2  # MLI0 revised to 5, MLI10 new
    # the same count as a preview of the file as a full export, and without asking: none
    assert store.preview(upload, full_export=True)["removed"] == 3
    plain = store.add(prepare(acled([*range(5), 11]), "c.csv"))
    assert plain.unlisted == 0 and plain.removed == 0


def test_a_copy_without_a_column_keeps_the_stored_values_of_that_column(tmp_path: Path) -> None:
    """A WGI download through the API has no standard errors: loaded after the workbook, its rows
    must not blank the stored ones. Rows otherwise unchanged are duplicates that keep the stored
    standard error; a row whose estimate changed is a revision with no standard error (the old
    one does not describe the new estimate)."""
    head = "survey,wave_date,iso3,indicator,value,sample_size,source"
    rows = [("SEN", 0.62), ("NER", 0.55), ("MLI", 0.48)]
    rich = "\n".join(
        [head + ",std_error"]
        + [f"Survey R9,2022-03-15,{c},feel_safe,{v},1200,Survey,0.0{k + 1}" for k, (c, v) in enumerate(rows)]
    )
    poor = "\n".join(
        [head]
        + [f"Survey R9,2022-03-15,{c},feel_safe,{v if c != 'MLI' else 0.5},1200,Survey" for c, v in rows]
    )
    store = Store(tmp_path / "store")
    assert store.ingest(rich.encode() + b"\n", "rich.csv", table="perception").status == "stored"
    result = store.ingest(poor.encode() + b"\n", "poor.csv", table="perception")
    assert (result.status, result.new, result.revised, result.duplicates) == ("stored", 0, 1, 2)
    assert result.carried == ("std_error",)
    assert "The file has no values in std_error: its rows keep the values stored" in result.message
    table = store.read_table("perception")
    assert table is not None
    got = {r["iso3"]: (r["value"], r["std_error"]) for r in table.to_pylist()}
    # SEN and NER unchanged: their standard errors 0.01 and 0.02 stay; MLI revised 0.48 -> 0.5, none
    assert got == {"SEN": (0.62, 0.01), "NER": (0.55, 0.02), "MLI": (0.5, None)}
    # the poor copy saved again (other bytes, same rows) adds nothing and keeps them
    again = store.ingest(poor.replace("\n", "\r\n").encode() + b"\r\n", "poor.csv", table="perception")
    assert (again.status, again.duplicates) == ("nothing new", 3)
    assert store.read_table("perception")["std_error"].to_pylist() == table["std_error"].to_pylist()
