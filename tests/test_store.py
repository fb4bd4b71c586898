"""The data store: batches, manifest, idempotence, withdraw/restore, atomic writes, concurrency."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pyarrow.compute as pc
import pytest

from datasets.ingest import prepare
from datasets.loaders import load_table
from datasets.store import Store, StoreError
from datasets.store_delta import DeltaStore

FIXTURES = Path(__file__).parent / "fixtures" / "incidents"
ACLED = FIXTURES / "acled_current.csv"
UCDP = FIXTURES / "ucdp_ged.csv"
ROOT = Path(__file__).resolve().parents[1]


def snapshot(root: Path, *, skip_staging: bool = False) -> dict[str, str]:
    """SHA-256 of every file under ``root`` by relative path."""
    out = {}
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root).as_posix()
        if p.is_file() and not (skip_staging and rel.startswith(".staging/")):
            out[rel] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def acled_rows(n: int, prefix: str = "GEN", start: int = 0) -> bytes:
    """An ACLED-layout CSV of ``n`` valid rows (Mali, January 2023, 1 fatality each)."""
    header = ACLED.read_text(encoding="utf-8").splitlines()[0]
    template = (
        "{id},2023-01-{day:02d},2023,1,Political violence,Battles,Armed clash,Military Forces of Mali,,1,"
        "JNIM,,2,12,,466,Western Africa,Mali,Mopti,Djenne,Djenne,Djenne,13.9,-4.5,1,Radio,National,"
        '"Clash near Djenne, row {k}.",1,,1673900000'
    )
    lines = [header] + [
        template.format(id=f"{prefix}{k}", day=1 + k % 28, k=k) for k in range(start, start + n)
    ]
    return ("\n".join(lines) + "\n").encode()


def test_a_new_store_is_on_delta_lake_and_an_old_one_keeps_its_layout(tmp_path: Path) -> None:
    new = Store(tmp_path / "new")
    assert isinstance(new, DeltaStore)
    new.ingest(ACLED)
    assert (tmp_path / "new" / "store_manifest" / "_delta_log").is_dir()
    assert not (tmp_path / "new" / "manifest.json").exists()
    assert isinstance(Store(tmp_path / "new"), DeltaStore)
    old = Store(tmp_path / "old", layout="parquet")
    old.ingest(ACLED)
    again = Store(tmp_path / "old")  # a store of the Parquet-and-manifest layout stays one
    assert not isinstance(again, DeltaStore) and (tmp_path / "old" / "manifest.json").is_file()
    assert again.read_table("incidents").num_rows == new.read_table("incidents").num_rows == 10  # type: ignore[union-attr]


def test_ingest_writes_batch_and_manifest(tmp_path: Path) -> None:
    store = Store(tmp_path / "s", layout="parquet")
    result = store.ingest(ACLED, user="analyst")
    assert result.status == "stored"
    assert (result.rows_stored, result.duplicates, result.rejected) == (10, 0, 0)
    manifest = json.loads((tmp_path / "s" / "manifest.json").read_text())
    (b,) = manifest["batches"]
    assert b["table"] == "incidents" and b["file_name"] == "acled_current.csv"
    assert b["sha256"] == hashlib.sha256(ACLED.read_bytes()).hexdigest()
    assert b["format"] == "acled" and b["user"] == "analyst" and b["withdrawn"] is False
    assert b["countries"] == ["BFA", "CIV", "MLI", "NER", "XKX"]
    assert (b["first_date"], b["last_date"]) == ("2023-01-05", "2023-03-21")
    assert b["ingested_at"].endswith("Z")
    path = tmp_path / "s" / "batches" / "incidents" / f"{b['id']}.parquet"
    assert path.is_file()
    import pyarrow.parquet as pq

    assert pq.ParquetFile(path).metadata.row_group(0).column(0).compression == "ZSTD"
    table = store.read_table("incidents")
    assert table is not None and table.num_rows == 10
    assert store.label("incidents") == (
        "Your data store: 1 batch (ACLED export); sources: "
        "Armed Conflict Location & Event Data (ACLED), acleddata.com"
    )
    assert store.read_table("perception") is None


def test_label_and_versions(tmp_path: Path) -> None:
    store = Store(tmp_path)
    v0, all0 = store.version("incidents"), store.version()
    store.ingest(ACLED)
    v1 = store.version("incidents")
    store.ingest(UCDP)
    assert store.label("incidents") == (
        "Your data store: 2 batches (ACLED export, UCDP GED); sources: "
        "Armed Conflict Location & Event Data (ACLED), acleddata.com; "
        "UCDP Georeferenced Event Dataset (GED), Uppsala Conflict Data Program"
    )
    assert len({v0, v1, store.version("incidents")}) == 3
    assert store.version() != all0
    assert store.version("perception") == Store(tmp_path).version("perception")


def test_same_file_twice_adds_nothing(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.ingest(ACLED)
    before = snapshot(tmp_path)
    again = store.ingest(ACLED)
    assert again.status == "already stored" and again.rows_stored == 0 and again.ok
    assert "already stored" in again.message
    assert snapshot(tmp_path) == before


def test_rows_already_stored_are_skipped(tmp_path: Path) -> None:
    store = Store(tmp_path)
    first = store.ingest(acled_rows(5), "first.csv")
    assert first.rows_stored == 5
    # rows GEN3..GEN7: GEN3 and GEN4 are stored already, 3 are new
    second = store.ingest(acled_rows(5, start=3), "second.csv")
    assert (second.status, second.rows_stored, second.duplicates) == ("stored", 3, 2)
    # the same five events with the same values in a file with other bytes (CRLF): nothing new
    crlf = acled_rows(5).replace(b"\n", b"\r\n")
    third = store.ingest(crlf, "third.csv")
    assert (third.status, third.rows_stored, third.duplicates) == ("nothing new", 0, 5)
    # the same five events with a corrected note: five revisions, still 5 + 3 events
    other = acled_rows(5).replace(b"Clash near", b"Fighting near")
    fourth = store.ingest(other, "fourth.csv")
    assert (fourth.status, fourth.rows_stored, fourth.duplicates) == ("stored", 5, 0)
    assert (fourth.new, fourth.revised, fourth.removed) == (0, 5, 0)
    table = store.read_table("incidents")
    assert table is not None and table.num_rows == 5 + 3
    notes = sorted(n.split(",")[0] for n in table["notes"].to_pylist())
    assert notes == ["Clash near Djenne"] * 3 + ["Fighting near Djenne"] * 5
    assert len(store.batches("incidents")) == 3


def test_refused_file_leaves_store_unchanged(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.ingest(ACLED)
    before = snapshot(tmp_path)
    result = store.ingest(FIXTURES / "bad" / "negative_fatalities.csv")
    assert result.status == "refused" and not result.ok and result.rows_stored == 0
    assert snapshot(tmp_path) == before


def test_refused_file_never_creates_a_store(tmp_path: Path) -> None:
    result = Store(tmp_path / "new").ingest(FIXTURES / "bad" / "future_dates.csv")
    assert result.status == "refused"
    assert not (tmp_path / "new").exists()


@pytest.mark.parametrize("layout", ["delta", "parquet"])
def test_skip_invalid_keeps_valid_rows_and_writes_rejects(tmp_path: Path, layout: str) -> None:
    store = Store(tmp_path, layout=layout)
    result = store.ingest(FIXTURES / "bad" / "text_in_fatalities.csv", skip_invalid=True)
    # 5 rows, rows 3 and 5 of the file hold "a few" and "unknown": 3 stored, 2 rejected
    assert (result.status, result.rows_stored, result.rejected) == ("stored", 3, 2)
    assert result.rejects_path is not None
    rejects = result.rejects_path.read_text(encoding="utf-8").splitlines()
    assert rejects[0].startswith('"row","problem","event_id_cnty"')
    assert [r.split(",")[0] for r in rejects[1:]] == ["3", "5"]
    (b,) = store.batches("incidents")
    assert b["rows_rejected"] == 2 and b["rejects_file"] == f"rejects/{b['id']}.csv"


@pytest.mark.parametrize("layout", ["delta", "parquet"])
def test_withdraw_and_restore_change_what_load_table_returns(tmp_path: Path, layout: str) -> None:
    store = Store(tmp_path, layout=layout)
    a = store.ingest(ACLED)
    u = store.ingest(UCDP)
    assert a.batch_id and u.batch_id
    ds = load_table("incidents", tmp_path)
    assert not ds.illustrative and ds.table.num_rows == 10 + 7
    version = ds.version
    store.withdraw(a.batch_id)
    ds = load_table("incidents", tmp_path)
    assert ds.table.num_rows == 7 and ds.version != version
    assert set(pc.unique(ds.table["source"]).to_pylist()) == {"UCDP GED"}
    assert (
        ds.label == "Your data store: 1 batch (UCDP GED); sources: "
        "UCDP Georeferenced Event Dataset (GED), Uppsala Conflict Data Program"
    )
    store.withdraw(u.batch_id)
    ds = load_table("incidents", tmp_path)
    assert ds.illustrative  # nothing active: the sample again
    # withdrawing never deletes a batch's rows
    if layout == "parquet":
        files = sorted(p.name for p in (tmp_path / "batches" / "incidents").iterdir())
        assert files == sorted([f"{a.batch_id}.parquet", f"{u.batch_id}.parquet"])
    else:
        from deltalake import DeltaTable

        kept = DeltaTable(str(tmp_path / "batches_incidents")).to_pyarrow_table(columns=["_batch"])
        assert sorted(pc.unique(kept["_batch"]).to_pylist()) == sorted([a.batch_id, u.batch_id])
        assert kept.num_rows == 10 + 7
    store.restore(a.batch_id)
    ds = load_table("incidents", tmp_path)
    assert ds.table.num_rows == 10 and not ds.illustrative
    history = [h["action"] for h in store.batches()[0]["history"]]
    assert history == ["withdrawn", "restored"]


def test_restore_when_rows_are_stored_again_keeps_the_newer_values(tmp_path: Path) -> None:
    store = Store(tmp_path)
    first = store.ingest(acled_rows(3), "a.csv")
    assert first.batch_id
    store.withdraw(first.batch_id)
    # the same events in another file: stored anew while the first batch is withdrawn
    second = store.ingest(acled_rows(3).replace(b"Clash", b"Fight"), "b.csv")
    assert (second.rows_stored, second.new) == (3, 3)
    store.restore(first.batch_id)  # the newer batch's values stay current: 3 events, not 6
    table = store.read_table("incidents")
    assert table is not None and table.num_rows == 3
    assert all(n.startswith("Fight near") for n in table["notes"].to_pylist())
    assert second.batch_id
    store.withdraw(second.batch_id)  # now the restored batch's values are current again
    table = store.read_table("incidents")
    assert table is not None and table.num_rows == 3
    assert all(n.startswith("Clash near") for n in table["notes"].to_pylist())
    with pytest.raises(StoreError, match="no batch 'nope'"):
        store.withdraw("nope")


def test_canonical_collaboration_and_perception(tmp_path: Path) -> None:
    store = Store(tmp_path)
    collab = (
        b"event_id,start_date,end_date,kind,name,participants,weight,source\n"
        b"X1,2021-03-01,2021-03-10,joint_exercise,Sea Breeze,USA;UKR;GBR,1,Ministry list\n"
        b"X2,2022-07-05,,defence_agreement,Pact,France;Germany,,Ministry list\n"
    )
    r = store.ingest(collab, "collab.csv")
    assert (r.table, r.format, r.rows_stored) == ("collaboration", "canonical_collaboration", 2)
    t = store.read_table("collaboration")
    assert t is not None
    assert t["participants"].to_pylist() == [["USA", "UKR", "GBR"], ["FRA", "DEU"]]
    assert t["weight"].to_pylist() == [1.0, None]
    perception = (
        b"survey,wave_date,iso3,indicator,value,sample_size,source\n"
        b"Barometer R9,2022-06-15,MLI,feel_safe,0.41,1200,Barometer\n"
        b"Barometer R9,2022-06-15,Niger,feel_safe,0.55,1180,Barometer\n"
    )
    r = store.ingest(perception, "perception.csv")
    assert (r.table, r.rows_stored) == ("perception", 2)
    ds = load_table("perception", tmp_path)
    assert not ds.illustrative and ds.table["iso3"].to_pylist() == ["MLI", "NER"]
    # a perception share above 1 is refused by the schema's check
    bad = perception.replace(b"0.55", b"55")
    refused = store.ingest(bad, "p2.csv")
    assert refused.status == "refused" and "between 0 and 1" in refused.message


def test_damaged_manifest_is_reported_plainly(tmp_path: Path) -> None:
    (tmp_path / "manifest.json").write_text("{not json")
    with pytest.raises(StoreError, match="damaged"):
        Store(tmp_path).batches()


_HOOKED_INGEST = textwrap.dedent(
    """
    import os, sys, time
    from pathlib import Path
    root, path, marker, stage = sys.argv[1], sys.argv[2], Path(sys.argv[3]), sys.argv[4]
    real_fsync, real_replace = os.fsync, os.replace
    def fsync(fd):
        real_fsync(fd)
        if stage == "parquet":
            marker.write_text("writing")
            time.sleep(60)
    def replace(src, dst):
        if stage == "manifest" and str(dst).endswith("manifest.json"):
            marker.write_text("renaming")
            time.sleep(60)
        real_replace(src, dst)
    os.fsync, os.replace = fsync, replace
    from datasets.store import Store
    Store(root).ingest(path)
    """
)


@pytest.mark.parametrize("stage", ["parquet", "manifest"])
def test_kill_during_write_leaves_store_intact(tmp_path: Path, stage: str) -> None:
    """Kill -9 an ingest of a large file while it writes; the store reads exactly as before.
    (Parquet-and-manifest layout; the Delta Lake layout's faults: ``tests/test_store_delta.py``.)"""
    root = tmp_path / "store"
    store = Store(root, layout="parquet")
    store.ingest(ACLED)
    before = snapshot(root)
    rows_before = store.read_table("incidents").num_rows  # type: ignore[union-attr]
    big = tmp_path / "big.csv"
    big.write_bytes(acled_rows(200_000))
    marker = tmp_path / "marker"
    proc = subprocess.Popen(
        [sys.executable, "-c", _HOOKED_INGEST, str(root), str(big), str(marker), stage],
        cwd=ROOT,
    )
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert proc.poll() is None, "the ingest ended before it was killed"
            assert time.monotonic() < deadline
            time.sleep(0.01)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    after = snapshot(root, skip_staging=True)
    if stage == "parquet":
        assert after == before
    else:  # the batch file was in place, the manifest not yet: the manifest is unchanged
        assert after["manifest.json"] == before["manifest.json"]
        assert {k: v for k, v in after.items() if k in before} == before
    table = Store(root).read_table("incidents")
    assert table is not None and table.num_rows == rows_before
    # the next write removes what the killed one left, then stores normally
    Store(root).ingest(UCDP)
    leftovers = [p for p in (root / ".staging").iterdir()] if (root / ".staging").exists() else []
    assert leftovers == []
    assert len(list((root / "batches" / "incidents").iterdir())) == 2


_PLAIN_INGEST = (
    "import sys; from datasets.store import Store; "
    "r = Store(sys.argv[1]).ingest(sys.argv[2]); print(r.status)"
)


@pytest.mark.parametrize("layout", ["delta", "parquet"])
def test_two_simultaneous_ingests_both_land(tmp_path: Path, layout: str) -> None:
    root = tmp_path / "store"
    Store(root, layout=layout).ingest(acled_rows(1, prefix="SEED"), "seed.csv")
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_bytes(acled_rows(30_000, prefix="A"))
    b.write_bytes(acled_rows(20_000, prefix="B"))
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _PLAIN_INGEST, str(root), str(f)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        for f in (a, b)
    ]
    outs = [p.communicate(timeout=120)[0].strip() for p in procs]
    assert [p.returncode for p in procs] == [0, 0]
    assert outs == ["stored", "stored"]
    store = Store(root)
    assert isinstance(store, DeltaStore) == (layout == "delta")
    assert sorted(m["file_name"] for m in store.batches()) == ["a.csv", "b.csv", "seed.csv"]
    table = store.read_table("incidents")
    assert table is not None and table.num_rows == 1 + 30_000 + 20_000


def test_prepare_does_not_touch_the_store(tmp_path: Path) -> None:
    upload = prepare(ACLED.read_bytes(), "acled.csv")
    assert upload.report.ok and upload.valid.num_rows == 10
    assert list(tmp_path.iterdir()) == []


def test_ingest_from_a_path_in_each_encoding(tmp_path: Path) -> None:
    store = Store(tmp_path / "s")
    cp1252 = store.ingest(FIXTURES / "bad" / "windows1252.csv")
    assert cp1252.rows_stored == 2
    utf8 = tmp_path / "utf8.csv"
    utf8.write_bytes((FIXTURES / "bad" / "windows1252.csv").read_bytes().decode("cp1252").encode("utf-8"))
    again = store.ingest(utf8)
    # same events (ACLED, CIV9201/CIV9202), other bytes: nothing new
    assert (again.status, again.duplicates) == ("nothing new", 2)
    (b,) = store.batches("incidents")
    assert b["encoding"] == "Windows-1252" and b["countries"] == ["CIV"]
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    from datasets.ingest import UnreadableFile

    with pytest.raises(UnreadableFile, match="empty"):
        store.ingest(empty)
    with pytest.raises(UnreadableFile, match="file not found"):
        store.ingest(tmp_path / "missing.csv")


def test_store_without_manifest_is_never_written_to(tmp_path: Path) -> None:
    store = Store(tmp_path, layout="parquet")
    store.ingest(ACLED)
    (tmp_path / "manifest.json").unlink()  # e.g. deleted by hand
    before = snapshot(tmp_path)
    with pytest.raises(StoreError, match="holds batch files but no manifest"):
        store.ingest(UCDP)
    assert snapshot(tmp_path) == before


_TOGGLE = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from datasets.store import Store
    root, batch, marker = sys.argv[1], sys.argv[2], Path(sys.argv[3])
    store = Store(root)
    while True:
        store.withdraw(batch, user="loop")
        store.restore(batch, user="loop")
        marker.write_text("toggling")
    """
)


@pytest.mark.parametrize("layout", ["delta", "parquet", "s3"])
def test_kill_during_withdraw_and_restore_leaves_a_consistent_store(
    tmp_path: Path, layout: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Kill -9 a process that withdraws and restores a correction in a loop, at three moments;
    each time the store reads as either state, and the next change works (Delta Lake on a local
    folder and on the local S3 endpoint, and the Parquet-and-manifest layout)."""
    root: Path | str = tmp_path / "store"
    if layout == "s3":
        for k, v in request.getfixturevalue("s3").items():
            monkeypatch.setenv(k, v)
        root, layout = f"s3://team/toggle-{tmp_path.name}", "delta"
    store = Store(root, layout=layout)
    store.ingest(acled_rows(200), "a.csv")  # 200 events, 1 death each
    fixed = acled_rows(200).replace(b",1,,1673900000", b",5,,1673900000")  # 4 more deaths each
    correction = store.ingest(fixed, "b.csv")
    assert (correction.revised, correction.batch_id is not None) == (200, True)
    deaths = {True: 200 * 1, False: 200 * 5}  # by whether the correction is withdrawn
    for delay in (0.15, 0.4, 0.75):
        marker = tmp_path / "marker"
        marker.unlink(missing_ok=True)
        proc = subprocess.Popen(
            [sys.executable, "-c", _TOGGLE, str(root), str(correction.batch_id), str(marker)], cwd=ROOT
        )
        try:
            deadline = time.monotonic() + 60
            while not marker.exists():
                assert proc.poll() is None and time.monotonic() < deadline
                time.sleep(0.01)
            time.sleep(delay)
            os.kill(proc.pid, signal.SIGKILL)
        finally:
            proc.wait()
        assert proc.returncode == -signal.SIGKILL
        again = Store(root)
        withdrawn = bool(again.batches()[1]["withdrawn"])
        table = again.read_table("incidents")
        assert table is not None and table.num_rows == 200
        assert pc.sum(table["fatalities"]).as_py() == deaths[withdrawn]
        # the next change works and the history stays numbered in order
        again.withdraw(str(correction.batch_id)) if not withdrawn else again.restore(str(correction.batch_id))
        table = Store(root).read_table("incidents")
        assert table is not None and pc.sum(table["fatalities"]).as_py() == deaths[not withdrawn]
        seqs = list(Store(root).history()["seq"])
        assert seqs == sorted(seqs) and len(seqs) == len(set(seqs))
        if layout == "delta":  # the current table for other engines is in step after that change
            from deltalake import DeltaTable

            options = {"AWS_ALLOW_HTTP": "true"} if str(root).startswith("s3://") else None
            current = DeltaTable(f"{root}/incidents", storage_options=options).to_pyarrow_table(
                columns=["fatalities"]
            )
            assert pc.sum(current["fatalities"]).as_py() == deaths[not withdrawn]
