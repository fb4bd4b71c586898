"""The store on Delta Lake: migration, revisions, faults and concurrency, locally and on local S3."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from deltalake import DeltaTable, write_deltalake

from datasets.store import Store, StoreError
from datasets.store_delta import DeltaStore
from stability.cli import main

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).parent))
from test_store_revisions import acled  # noqa: E402


def fatalities(store: Store, **kw: object) -> int:
    table = store.read_table("incidents", **kw)  # type: ignore[arg-type]
    assert table is not None
    return int(pc.sum(table["fatalities"]).as_py())


def test_migrate_keeps_every_batch_its_provenance_and_history(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "store"
    old = Store(root, layout="parquet")
    assert not isinstance(old, DeltaStore)
    a = old.ingest(acled(range(200)), "week1.csv", user="amina")
    b = old.ingest(acled(range(200), {k: 12 for k in range(50)}), "week2.csv", user="amina")
    c = old.ingest(acled(range(200, 230)), "extra.csv", user="bo")
    assert a.batch_id and b.batch_id and c.batch_id
    old.withdraw(c.batch_id, user="bo")
    sources_before = old.sources()
    history_before = old.history()
    assert fatalities(old) == 200 * 2 + 50 * 10
    assert main(["store", "migrate", "--store", str(root)]) == 0
    assert capsys.readouterr().out == f"migrated 3 batches to Delta Lake at {root}\n"
    new = Store(root)
    assert isinstance(new, DeltaStore)
    assert new.sources().equals(sources_before)
    assert new.history().equals(history_before)
    assert fatalities(new) == 200 * 2 + 50 * 10
    assert fatalities(new, as_of=a.batch_id) == 200 * 2
    new.restore(c.batch_id, user="bo")
    assert fatalities(new) == 200 * 2 + 50 * 10 + 30 * 2
    assert new.batches()[2]["history"][-1]["user"] == "bo"
    # a second migration is refused in one sentence
    assert main(["store", "migrate", "--store", str(root)]) == 2
    assert "already on Delta Lake" in capsys.readouterr().err


def test_newer_delta_store_is_refused_and_not_rewritten(tmp_path: Path) -> None:
    store = DeltaStore(tmp_path / "d")
    store.ingest(acled(range(3)), "a.csv")
    uri = str(tmp_path / "d" / "store_manifest")
    manifest = json.loads(DeltaTable(uri).to_pyarrow_table()["manifest"][0].as_py())
    manifest["manifest_version"] = 99
    row = pa.table({"written_at": ["x"], "manifest": [json.dumps(manifest)]})
    write_deltalake(uri, row, mode="overwrite")
    version = DeltaTable(uri).version()
    with pytest.raises(StoreError, match="written by a newer version of this tool"):
        Store(tmp_path / "d").ingest(acled(range(3, 6)), "b.csv")
    assert DeltaTable(uri).version() == version


_HOOKED = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from datasets.store_delta import DeltaStore
    root, path, marker, stage = sys.argv[1], sys.argv[2], Path(sys.argv[3]), sys.argv[4]
    def stop(self, manifest):
        marker.write_text(stage)
        time.sleep(60)
    setattr(DeltaStore, stage, stop)
    DeltaStore(root).ingest(path)
    """
)


@pytest.mark.parametrize("stage", ["_write_manifest", "_refresh_current"])
def test_kill_during_an_ingest_leaves_a_consistent_store(location: str, tmp_path: Path, stage: str) -> None:
    """Kill -9 after the rows are written but before the manifest commit (the store is as it was),
    or after the manifest commit but before the current table's MERGE (the batch counts; the
    current table catches up with the next change); on a local folder and on local S3."""
    root = location
    store = DeltaStore(root)
    store.ingest(acled(range(10)), "a.csv")
    before = store.sources()
    big = tmp_path / "big.csv"
    big.write_bytes(acled(range(10, 20_010)))
    marker = tmp_path / "marker"
    proc = subprocess.Popen(
        [sys.executable, "-c", _HOOKED, str(root), str(big), str(marker), stage], cwd=ROOT
    )
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    again = Store(root)
    if stage == "_write_manifest":  # the killed writer's rows are never read
        assert again.sources().equals(before)
        assert again.read_table("incidents").num_rows == 10  # type: ignore[union-attr]
        assert again.ingest(big).new == 20_000
    else:  # the batch was committed: it counts, and storing it again adds nothing
        assert len(again.batches()) == 2
        assert again.read_table("incidents").num_rows == 10 + 20_000  # type: ignore[union-attr]
        assert _current(again).to_pyarrow_table().num_rows == 10  # lagging by one change
        assert again.ingest(big).status == "already stored"
        assert again.ingest(acled(range(20_010, 20_012)), "c.csv").new == 2
    rows = 10 + 20_000 + (0 if stage == "_write_manifest" else 2)
    assert again.read_table("incidents").num_rows == rows  # type: ignore[union-attr]
    assert _current(again).to_pyarrow_table().num_rows == rows  # in step again


_INGEST = "import sys; from datasets.store import Store; print(Store(sys.argv[1]).ingest(sys.argv[2]).status)"


def _concurrent(root: str, files: list[Path], env: dict[str, str] | None = None) -> list[str]:
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _INGEST, root, str(f)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for f in files
    ]
    done = [p.communicate(timeout=180) for p in procs]
    assert [p.returncode for p in procs] == [0] * len(files), [err[-3000:] for _, err in done]
    return [out.strip() for out, _ in done]


def test_two_simultaneous_ingests_both_land_on_a_local_delta_store(tmp_path: Path) -> None:
    root = tmp_path / "d"
    DeltaStore(root).ingest(acled(range(1)), "seed.csv")
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_bytes(acled(range(1000, 4000)))
    b.write_bytes(acled(range(5000, 7000)))
    assert _concurrent(str(root), [a, b]) == ["stored", "stored"]
    assert Store(root).read_table("incidents").num_rows == 1 + 3000 + 2000  # type: ignore[union-attr]


# ---- a local S3 endpoint (moto in server mode on 127.0.0.1) --------------------------------------


def test_object_storage_store_revisions_withdraw_and_as_of(
    s3: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for k, v in s3.items():
        monkeypatch.setenv(k, v)
    uri = "s3://team/revisions"
    store = Store(uri)
    assert isinstance(store, DeltaStore)
    first = store.ingest(acled(range(300)), "week1.csv")
    second = store.ingest(acled(range(300), {k: 12 for k in range(100)}), "week2.csv")
    assert (second.revised, second.duplicates) == (100, 200)
    assert fatalities(Store(uri)) == 300 * 2 + 100 * 10
    assert fatalities(Store(uri), as_of=first.batch_id) == 300 * 2
    assert second.batch_id
    store.withdraw(second.batch_id)
    assert fatalities(Store(uri)) == 300 * 2
    store.restore(second.batch_id)
    assert fatalities(Store(uri)) == 300 * 2 + 1_000


def test_object_storage_concurrent_ingests_and_a_second_process_sees_them(
    s3: dict[str, str], tmp_path: Path
) -> None:
    env = {**os.environ, **s3}
    uri = "s3://team/shared"
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_bytes(acled(range(0, 2000)))
    b.write_bytes(acled(range(3000, 4500)))
    assert _concurrent(uri, [a, b], env) == ["stored", "stored"]
    # another process (another app server) reads the store and sees both uploads
    read = (
        "import sys; from datasets.store import Store; "
        "print(Store(sys.argv[1]).read_table('incidents').num_rows)"
    )
    # five times: a process that had scanned object storage with Arrow's worker threads aborted at
    # exit in about a quarter of runs (``store_delta._scan``)
    for _ in range(5):
        done = subprocess.run(
            [sys.executable, "-c", read, uri], cwd=ROOT, env=env, capture_output=True, text=True
        )
        assert (done.returncode, done.stdout.strip()) == (0, str(2000 + 1500)), done.stderr[-2000:]


def test_cli_on_object_storage(
    s3: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for k, v in s3.items():
        monkeypatch.setenv(k, v)
    f = tmp_path / "a.csv"
    f.write_bytes(acled(range(7)))
    assert main(["ingest", str(f), "--store", "s3://team/cli"]) == 0
    assert "7 new, 0 revised, 0 removed" in capsys.readouterr().out
    # a local store migrated onto object storage
    local = tmp_path / "local"
    Store(local, layout="parquet").ingest(acled(range(100, 104)), "b.csv")
    assert main(["store", "migrate", "--store", str(local), "--to", "s3://team/migrated"]) == 0
    assert Store("s3://team/migrated").read_table("incidents").num_rows == 4  # type: ignore[union-attr]


# ---- revisions reach the current table by MERGE, locally and on local S3 -----------------------


@pytest.fixture(params=["local", "s3"])
def location(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A new store's location: a local folder, or a prefix on the local S3 endpoint."""
    if request.param == "local":
        return str(tmp_path / "store")
    for k, v in request.getfixturevalue("s3").items():
        monkeypatch.setenv(k, v)
    return f"s3://team/merge-{tmp_path.name}"


def _current(store: DeltaStore, version: int | None = None) -> DeltaTable:
    return DeltaTable(store._uri("incidents"), version=version, storage_options=store._options)


def _sum(table: DeltaTable) -> int:
    return int(pc.sum(table.to_pyarrow_table(columns=["fatalities"])["fatalities"]).as_py())


def test_a_correction_is_merged_into_the_current_table_and_time_travel_keeps_the_old_state(
    location: str,
) -> None:
    store = Store(location)
    assert isinstance(store, DeltaStore)
    first = store.ingest(acled(range(300)), "week1.csv")
    before = _current(store)
    assert before.to_pyarrow_table().num_rows == 300 and _sum(before) == 300 * 2
    # the corrected re-export: same 300 ids, fatalities 2 + 10 on the first 100
    second = store.ingest(acled(range(300), {k: 12 for k in range(100)}), "week2.csv")
    assert (second.new, second.revised, second.duplicates) == (0, 100, 200)
    after = _current(store)
    last = after.history(1)[0]
    assert last["operation"] == "MERGE"
    metrics = last["operationMetrics"]
    # the MERGE source is the 100 revised rows alone: 100 updated, nothing inserted or deleted
    assert metrics["num_source_rows"] == 100
    assert (metrics["num_target_rows_updated"], metrics["num_target_rows_inserted"]) == (100, 0)
    assert metrics["num_target_rows_deleted"] == 0
    assert after.to_pyarrow_table().num_rows == 300
    assert _sum(after) == 300 * 2 + 100 * 10 == 1_600  # exactly 1,000 more
    assert fatalities(Store(location)) == 1_600
    # every earlier state stays: the store as of the first batch, and Delta's time travel
    assert fatalities(Store(location), as_of=first.batch_id) == 300 * 2
    assert _sum(_current(store, before.version())) == 300 * 2
    # withdrawing the correction is a MERGE of the 100 keys it touched; restoring it again
    assert second.batch_id
    store.withdraw(second.batch_id)
    assert _current(store).history(1)[0]["operationMetrics"]["num_target_rows_updated"] == 100
    assert _sum(_current(store)) == 600 == fatalities(Store(location))
    store.restore(second.batch_id)
    assert _sum(_current(store)) == 1_600 == fatalities(Store(location))
    # a full export that no longer lists MLI290..MLI299 deletes them from the current table
    third = store.ingest(acled(range(290), {k: 12 for k in range(100)}), "full.csv", full_export=True)
    assert (third.removed, third.new, third.revised) == (10, 0, 0)
    last = _current(store).history(1)[0]
    assert last["operation"] == "MERGE" and last["operationMetrics"]["num_target_rows_deleted"] == 10
    assert _current(store).to_pyarrow_table().num_rows == 290
    assert _sum(_current(store)) == 1_600 - 10 * 2 == fatalities(Store(location))


def test_a_current_table_that_missed_a_change_is_rebuilt_by_the_next_one(tmp_path: Path) -> None:
    root = tmp_path / "d"
    store = DeltaStore(root)
    store.ingest(acled(range(50)), "a.csv")
    # a writer stopped after its manifest commit, before the current table's MERGE
    real = DeltaStore._refresh_current
    DeltaStore._refresh_current = lambda self, manifest: None  # type: ignore[method-assign]
    try:
        store.ingest(acled(range(50), {0: 7}), "b.csv")
    finally:
        DeltaStore._refresh_current = real  # type: ignore[method-assign]
    assert _sum(_current(store)) == 50 * 2  # behind the store by one change
    assert fatalities(store) == 50 * 2 + 5  # readers of the store see the change
    store.ingest(acled(range(50, 60)), "c.csv")
    last = _current(store).history(1)[0]
    assert last["operation"] == "WRITE" and last["store_seq"] == "3"  # rewritten whole, in step
    assert _sum(_current(store)) == 60 * 2 + 5 == fatalities(store)


# ---- object storage: refusals in one sentence, saved mappings, two processes on one store -------


def test_a_refusal_of_the_object_store_is_one_sentence(
    s3: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from datasets.store_delta import refusal

    for k, v in s3.items():
        monkeypatch.setenv(k, v)
    assert main(["sources", "--store", "s3://no-such-bucket/x"]) == 1
    assert capsys.readouterr().err == (
        "stability: error: the object store at s3://no-such-bucket/x refused the request to read the store: "
        "The specified bucket does not exist (NoSuchBucket)\n"
    )
    f = tmp_path / "a.csv"
    f.write_bytes(acled(range(3)))
    assert main(["ingest", str(f), "--store", "s3://no-such-bucket/x"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "NoSuchBucket" in err and "<Error>" not in err
    # a refused write, as the client library reports it, in the same plain words
    with pytest.raises(OSError) as info:
        write_deltalake(
            "s3://no-such-bucket/t", pa.table({"a": [1]}), storage_options={"AWS_ALLOW_HTTP": "true"}
        )
    assert str(refusal(info.value, "s3://no-such-bucket/t", "store the change")) == (
        "the object store at s3://no-such-bucket/t refused the request to store the change: "
        "The specified bucket does not exist (NoSuchBucket)"
    )
    with pytest.raises(StoreError, match="no batch 'nope' in the store s3://team/refusals$"):
        Store("s3://team/refusals").withdraw("nope")


def test_column_mappings_are_saved_on_object_storage(
    s3: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from datasets.ingest import ColumnMapping, list_mappings, save_mapping

    for k, v in s3.items():
        monkeypatch.setenv(k, v)
    monkeypatch.chdir(tmp_path)  # nothing may land in a local folder named after the URL
    uri = "s3://team/mappings"
    sheet = ColumnMapping(
        name="Ministry sheet",
        columns={"event_date": "Date", "country": "Country", "event_type": "Type", "fatalities": "Killed"},
        constants={"source": "Ministry"},
    )
    where = save_mapping(uri, sheet)
    assert str(where).startswith(f"{uri}/documents")
    assert list_mappings(uri) == {"Ministry sheet": sheet}
    newer = ColumnMapping(name="Ministry sheet", columns=sheet.columns, constants={"source": "MoD"})
    save_mapping(uri, newer)  # saved again under the same name: the newer one is used
    assert list_mappings(uri) == {"Ministry sheet": newer}
    assert list_mappings(uri, "perception") == {}
    assert list(tmp_path.iterdir()) == []
    # a local store's saved mapping travels with it to object storage
    local = tmp_path / "local"
    Store(local, layout="parquet").ingest(acled(range(2)), "a.csv")
    save_mapping(local, sheet)
    assert main(["store", "migrate", "--store", str(local), "--to", "s3://team/migrated-maps"]) == 0
    assert list_mappings("s3://team/migrated-maps") == {"Ministry sheet": sheet}


_SESSION = textwrap.dedent(
    """
    import sys
    from datasets.store import Store
    from datasets.ingest import list_mappings, save_mapping, ColumnMapping
    store = Store(sys.argv[1])  # one Store object for the whole life of the process, as an app holds it
    for line in sys.stdin:
        verb, _, arg = line.strip().partition(" ")
        if verb == "ingest":
            print(store.ingest(arg).status, flush=True)
        elif verb == "count":
            table = store.read_table("incidents")
            print(0 if table is None else table.num_rows, flush=True)
        elif verb == "map":
            save_mapping(sys.argv[1], ColumnMapping(name=arg, columns={"event_date": "Date"}))
            print("saved", flush=True)
        elif verb == "maps":
            print(",".join(list_mappings(sys.argv[1])), flush=True)
    """
)


def test_two_processes_on_one_store_see_each_others_uploads(
    location: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    env = {**os.environ, **(request.getfixturevalue("s3") if location.startswith("s3://") else {})}
    files = []
    for k, ids in enumerate((range(0, 40), range(100, 125))):
        f = tmp_path / f"upload{k}.csv"
        f.write_bytes(acled(ids))
        files.append(f)
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _SESSION, location],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(2)
    ]

    def ask(proc: subprocess.Popen[str], line: str) -> str:
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(line + "\n")
        proc.stdin.flush()
        return proc.stdout.readline().strip()

    a, b = procs
    try:
        assert (ask(a, "count"), ask(b, "count")) == ("0", "0")
        assert ask(a, f"ingest {files[0]}") == "stored"
        assert ask(b, "count") == "40"  # b sees a's upload
        assert ask(b, f"ingest {files[1]}") == "stored"
        assert ask(a, "count") == str(40 + 25)  # and a sees b's
        assert ask(a, "map Sheet A") == "saved"
        assert ask(b, "maps") == "Sheet A"  # saved mappings too
    finally:
        for p in procs:
            p.communicate(timeout=60)
    assert [p.returncode for p in procs] == [0, 0]


def test_duckdb_reads_the_incidents_table_directly(location: str) -> None:
    """DuckDB reads the current incidents (the Delta table, through deltalake's Arrow dataset; no
    project code) and finds the store's rows, after a correction, a removal and a withdrawal."""
    import duckdb

    store = Store(location)
    store.ingest(acled(range(120)), "a.csv")
    b = store.ingest(acled(range(100, 150), {100: 9}), "b.csv")  # 30 new, 1 revised, 19 the same
    options = {"AWS_ALLOW_HTTP": "true"} if location.startswith("s3://") else None

    def query() -> tuple[int, int]:
        dataset = DeltaTable(f"{location}/incidents", storage_options=options).to_pyarrow_dataset()  # noqa: F841
        [(count, deaths)] = duckdb.sql("select count(*), sum(fatalities) from dataset").fetchall()
        return int(count), int(deaths)

    assert query() == (120 + 30, 150 * 2 + (9 - 2))
    assert query()[0] == Store(location).read_table("incidents").num_rows  # type: ignore[union-attr]
    assert b.batch_id
    store.withdraw(b.batch_id)
    assert query() == (120, 120 * 2) == (store.read_table("incidents").num_rows, fatalities(store))  # type: ignore[union-attr]


def test_a_correction_rewrites_only_the_files_that_hold_its_events(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import datasets.store_delta

    monkeypatch.setattr(datasets.store_delta, "CURRENT_FILE_BYTES", 4 * 1024)  # small files
    store = Store(tmp_path / "d")
    ids = range(100_000, 104_000)  # ids in key order: MLI100000 .. MLI103999
    store.ingest(acled(ids), "week1.csv")
    files = len(_current(store).file_uris())
    assert files >= 4  # 4,000 rows in key order, split into small files
    # a correction of 100 events next to each other in key order: MLI102000 .. MLI102099
    store.ingest(acled(ids, {k: 12 for k in range(102_000, 102_100)}), "week2.csv")
    metrics = _current(store).history(1)[0]["operationMetrics"]
    assert metrics["num_target_rows_updated"] == 100
    assert metrics["num_target_files_removed"] <= 2 < files  # one file, or two at a boundary
    assert metrics["num_target_rows_copied"] < 4_000 - 100  # not the whole table
    assert _sum(_current(store)) == 4_000 * 2 + 100 * 10 == fatalities(store)


def test_a_new_current_table_is_staged_beside_the_append_and_appears_only_after_the_commit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first batch's current table is made beside its append, in a staging folder, and moved
    into place after the manifest commit: a change stopped before that commit leaves no current
    table, a staged table left by a killed writer is removed by the next change, and the current
    table holds the batch's rows in key order, tagged with its change."""
    root = tmp_path / "d"

    def stopped(self: DeltaStore, manifest: dict[str, object]) -> None:
        raise RuntimeError("stopped before the manifest commit")

    with monkeypatch.context() as m:
        m.setattr(DeltaStore, "_write_manifest", stopped)
        with pytest.raises(RuntimeError):
            DeltaStore(root).ingest(acled(range(30)), "a.csv")
    assert not (root / "incidents").exists() and not (root / ".current-staging").exists()
    # what a writer killed after staging leaves: a staged table no manifest commit made current
    write_deltalake(str(root / ".current-staging" / "incidents-1"), pa.table({"event_id": ["MLI999"]}))
    store = DeltaStore(root)
    # ids in the file's order 25..29, 0..24: in key order (source, event_id as text) MLI0, MLI1,
    # MLI10, ..., MLI19, MLI2, MLI20, ..., MLI29, MLI3, ..., MLI9
    order = [*range(25, 30), *range(25)]
    assert store.ingest(acled(order), "b.csv").new == 30
    assert not (root / ".current-staging").exists()
    current = _current(store)
    assert current.version() == 0 and current.history(1)[0]["store_seq"] == "1"
    ids = current.to_pyarrow_table()["event_id"].to_pylist()
    assert ids == sorted(f"MLI{k}" for k in range(30))
    assert ids[:4] == ["MLI0", "MLI1", "MLI10", "MLI11"]
    assert _sum(current) == 30 * 2 == fatalities(store)
    # the first batch is stored in key order too: its files are the current table's
    assert store.read_table("incidents")["event_id"].to_pylist() == ids  # type: ignore[index]


def _files(folder: Path) -> dict[str, os.stat_result]:
    return {f.name: f.stat() for f in folder.rglob("*.parquet")}


def _ranges(table: DeltaTable) -> list[tuple[str, str, int]]:
    """Each file's smallest and largest event id and row count, from the Delta log's statistics."""
    adds = pa.table(table.get_add_actions(flatten=True)).to_pydict()
    return sorted(zip(adds["min.event_id"], adds["max.event_id"], adds["num_records"], strict=True))


def test_a_new_stores_current_table_is_made_of_the_first_batchs_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first batch of a new local store is appended in key order, in files of about
    CURRENT_FILE_BYTES each holding the next run of keys, by one commit; the current table is the
    same files (hard links: one copy on disk) with their statistics, so a later correction
    rewrites only the files holding its keys."""
    import datasets.store_delta

    monkeypatch.setattr(datasets.store_delta, "CURRENT_FILE_BYTES", 16 * 1024)  # small files
    root = tmp_path / "d"
    store = DeltaStore(root)
    # 3,000 ids in a shuffled file order: 1000 .. 3999 as text sort as numbers
    order = [1000 + (k * 7919) % 3000 for k in range(3000)]
    assert sorted(order) == list(range(1000, 4000))
    first = store.ingest(acled(order, {1500: 9}), "week1.csv")
    assert first.new == 3000
    batches, current = _files(root / "batches_incidents"), _files(root / "incidents")
    assert len(current) >= 4 and set(current) == set(batches)  # the same files, by name ...
    for name, stat in current.items():  # ... and on disk: one inode, two names
        assert stat.st_ino == batches[name].st_ino and stat.st_nlink == 2
    table = _current(store)
    assert table.version() == 0 and table.history(1)[0]["store_seq"] == "1"
    assert table.schema().to_json() == DeltaSchemaOf(store)
    # the files cover adjacent ranges of keys, without overlap, and every row once
    ranges = _ranges(table)
    assert sum(n for _, _, n in ranges) == 3000
    assert all(hi < lo for (_, hi, _), (lo, _, _) in zip(ranges, ranges[1:], strict=False))
    assert ranges[0][0] == "MLI1000" and ranges[-1][1] == "MLI3999"
    # one commit appended the batch, with its provenance
    history = DeltaTable(str(root / "batches_incidents")).history()
    assert len(history) == 1 and history[0]["batch_id"] == first.batch_id
    assert history[0]["file_name"] == "week1.csv"
    ids = store.read_table("incidents")["event_id"].to_pylist()  # type: ignore[index]
    assert ids == sorted(f"MLI{k}" for k in order)
    assert _sum(table) == 2999 * 2 + 9 == fatalities(store)
    # a correction of 100 neighbouring keys rewrites one or two of the files, not all
    fixed = {k: 12 for k in range(2000, 2100)}
    store.ingest(acled(order, {1500: 9, **fixed}), "week2.csv")
    metrics = _current(store).history(1)[0]["operationMetrics"]
    assert metrics["num_target_rows_updated"] == 100
    assert metrics["num_target_files_removed"] <= 2 < len(current)
    assert _sum(_current(store)) == 2899 * 2 + 9 + 100 * 12 == fatalities(store)
    # the batch's own files are untouched by the MERGE that replaced some of the current ones
    assert _files(root / "batches_incidents").keys() >= batches.keys()
    assert not (root / ".current-staging").exists()


def DeltaSchemaOf(store: DeltaStore) -> str:  # noqa: N802 (reads as a value)
    """The Delta schema a current table written by ``write_deltalake`` gets, as JSON."""
    from datasets.schema import SCHEMAS

    probe = store.root.parent / "probe"
    write_deltalake(str(probe), SCHEMAS["incidents"].arrow_schema.empty_table())
    return DeltaTable(str(probe)).schema().to_json()


def test_where_files_cannot_be_linked_the_current_table_gets_copies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import datasets.store_delta

    def no_links(src: object, dst: object) -> None:
        raise OSError("hard links are not supported on this file system")

    monkeypatch.setattr(datasets.store_delta.os, "link", no_links)
    root = tmp_path / "d"
    store = DeltaStore(root)
    store.ingest(acled(range(40)), "a.csv")
    batches, current = _files(root / "batches_incidents"), _files(root / "incidents")
    assert set(current) == set(batches)
    assert all(current[n].st_ino != batches[n].st_ino for n in current)
    assert _sum(_current(store)) == 40 * 2 == fatalities(store)


def test_when_the_shared_files_cannot_be_named_the_current_table_is_written_as_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure to make the current table from the batch's files (here: its commit) loses
    nothing: the batch is stored and the current table is written from its rows."""
    import datasets.store_delta

    real = datasets.store_delta.create_table_with_add_actions

    def refuse_current(uri: str, *args: object, **kwargs: object) -> None:
        if ".current-staging" in uri:
            raise OSError("disk full")
        real(uri, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(datasets.store_delta, "create_table_with_add_actions", refuse_current)
    root = tmp_path / "d"
    store = DeltaStore(root)
    assert store.ingest(acled(range(60)), "a.csv").new == 60
    current = _current(store)
    assert current.history(1)[0]["store_seq"] == "1"
    assert not set(_files(root / "incidents")) & set(_files(root / "batches_incidents"))  # own files
    assert _sum(current) == 60 * 2 == fatalities(store)
    assert not (root / ".current-staging").exists()


def test_a_first_batch_stopped_before_its_commit_leaves_nothing_readable_and_the_next_lands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The batch's files are written into its folder before one commit names them: stopped in
    between, the store holds no batch and no current table (the files are never read), and the
    same file stored again lands whole."""
    import datasets.store_delta

    real = datasets.store_delta.create_table_with_add_actions

    def stopped(uri: str, *args: object, **kwargs: object) -> None:
        if uri.endswith("batches_incidents"):
            raise OSError("stopped before the commit")
        real(uri, *args, **kwargs)  # type: ignore[arg-type]

    root = tmp_path / "d"
    with monkeypatch.context() as m:
        m.setattr(datasets.store_delta, "create_table_with_add_actions", stopped)
        with pytest.raises(StoreError):
            DeltaStore(root).ingest(acled(range(50)), "a.csv")
    assert _files(root / "batches_incidents")  # the files were written ...
    store = DeltaStore(root)
    assert store.read_table("incidents") is None and store.batches() == []  # ... and are never read
    assert not (root / "incidents").exists()
    assert store.ingest(acled(range(50)), "a.csv").new == 50
    assert fatalities(store) == 50 * 2 == _sum(_current(store))


@pytest.mark.parametrize(
    ("table", "fixture"),
    [("incidents", "incidents/acled_current.csv"), ("collaboration", "collaboration/mme_wide.csv")],
)
def test_the_shared_files_statistics_are_those_write_deltalake_writes(
    tmp_path: Path, table: str, fixture: str
) -> None:
    """The statistics of a first batch's files (written by the store, not by write_deltalake) are
    the ones write_deltalake writes for the same rows: bounds of plain columns (dates as text), no
    statistics for a list (collaboration's participants), every other column's null count."""
    from datasets.schema import SCHEMAS

    root = tmp_path / "d"
    store = DeltaStore(root)
    data = (Path(__file__).parent / "fixtures" / fixture).read_bytes()
    assert store.ingest(data, Path(fixture).name).status == "stored"

    def stats(folder: Path) -> dict[str, object]:
        (line,) = [
            json.loads(x)
            for x in (folder / "_delta_log" / f"{0:020d}.json").read_text().splitlines()
            if '"add"' in x
        ]
        return json.loads(line["add"]["stats"])

    ours = stats(root / table)
    rows = DeltaTable(str(root / table)).to_pyarrow_table()
    assert rows.schema == SCHEMAS[table].arrow_schema
    write_deltalake(str(tmp_path / "probe"), rows)
    theirs = stats(tmp_path / "probe")
    assert ours == theirs
    if table == "collaboration":
        assert "participants" not in ours["minValues"] and "participants" not in ours["nullCount"]
