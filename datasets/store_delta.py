"""The data store on Delta Lake tables: a local folder or S3-compatible object storage.

Layout under the store's location (a folder, or an ``s3://bucket/prefix`` URL)::

    store_manifest/          Delta table: one row, the whole manifest as JSON, overwritten by every
                             change (its earlier versions stay in the Delta log); the commit point
    batches_<table>/         Delta table: every batch's rows with a ``_batch`` column (partitioned by it),
                             append-only: earlier values stay for the history
    removals_<table>/        Delta table: keys a full export no longer lists, with ``_batch``
    rejects/                 object storage: Delta table of the rejected rows of a batch as CSV bytes,
                             with ``_batch`` (a local folder: ``rejects/<batch_id>.csv`` files)
    documents/               object storage: Delta table of saved column and survey mappings (a local
                             folder: ``mappings/`` and ``survey_mappings/`` JSON files)
    <table>/                 Delta table: the current rows (after revisions, removals and withdrawals),
                             for engines such as DuckDB, Spark or Trino; each change reaches it by a
                             MERGE of the rows it touched (``_refresh_current``), earlier states stay
                             readable by Delta's time travel
    .current-staging/        a local store's new current table while its first batch is stored
                             (moved to ``<table>/`` after the manifest commit; removed if left over)

The revision rules and the batch records are those of ``datasets.store``; only where the rows and
the manifest live differs. A write appends a batch's rows (one Delta commit, carrying the batch id,
file name, SHA-256 and user in its commit metadata), then overwrites the manifest (the commit that
makes the batch count): a writer stopped in between leaves rows no manifest names, which readers
never see; the current table is updated last, and one that missed a change (a writer stopped
after the manifest commit) is rewritten whole by the next change. A local store's first batch
is appended in key order, in files of about ``CURRENT_FILE_BYTES`` each holding the next run of
keys, and its first current table is made of those very files (hard links and one Delta commit,
staged and renamed into place after the manifest commit): the rows are encoded once. On object
storage the first current rows are sorted beside the batch's append and written after the
manifest commit; the batch's rows are never read back to build them. A new local store is
created in this layout (``datasets.store.Store``). A local folder serialises
writers with a lock file;
on object storage the manifest is overwritten through the Delta version it was read at, so a
writer that lost the race gets Delta's commit conflict and makes its change again from a fresh
read (two uploads at once both land).
Credentials and the endpoint come from the usual ``AWS_*`` environment variables
(``AWS_ENDPOINT_URL``, ``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, ``AWS_REGION``).
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import datetime as dt
import json
import os
import random
import re
import shutil
import time
import uuid
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from deltalake import CommitProperties, DeltaTable, QueryBuilder, write_deltalake
from deltalake import Schema as DeltaSchema
from deltalake.exceptions import CommitFailedError, DeltaError, TableNotFoundError
from deltalake.transaction import AddAction, create_table_with_add_actions

from datasets import revisions
from datasets.ingest import Upload, key_strings
from datasets.schema import SCHEMAS, conform
from datasets.store import MANIFEST_VERSION, IngestResult, Store, StoreError, check_manifest

T = TypeVar("T")


class _Conflict(StoreError):
    """Another writer committed a change first; the change is made again from a fresh read."""


__all__ = ["DeltaStore", "commit_point", "is_delta_store", "migrate", "refusal", "store_layout"]

_BATCH = "_batch"
#: Target size of the current tables' files: a MERGE rewrites the files holding the keys it
#: changes, so smaller files make a correction cheaper and a full scan a little dearer.
CURRENT_FILE_BYTES = 16 * 1024 * 1024
_DROP = "_drop"
#: Prepares a new current table while the batch's rows are being appended (``_save_batch``).
_SORTER = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="store-current")
#: Folder of a local store where a new current table is written before the manifest commit.
_STAGED = ".current-staging"


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def refusal(exc: BaseException, uri: str, action: str) -> StoreError:
    """One plain sentence for an error of the storage under ``uri`` (an object store's refusal,
    an endpoint that cannot be reached, a folder that cannot be written), instead of the client
    library's chain of causes and XML."""
    text = _ANSI.sub("", str(exc))
    code = re.search(r"<Code>([^<]+)</Code>", text)
    message = re.search(r"<Message>([^<]+)</Message>", text)
    where = f"the object store at {uri}" if uri.startswith("s3://") else f"the store folder {uri}"
    if code or message:
        said = (message.group(1) if message else "").rstrip(".")
        reason = f"{said} ({code.group(1)})" if code and said else (said or (code.group(1) if code else ""))
        return StoreError(f"{where} refused the request to {action}: {reason}")
    if re.search(r"Connection refused|error sending request|dns error|timed out|tcp connect", text):
        endpoint = os.environ.get("AWS_ENDPOINT_URL") or "the default AWS endpoint"
        return StoreError(
            f"{where} could not be reached to {action} ({endpoint}); check AWS_ENDPOINT_URL and the network"
        )
    status = re.search(r"\b(40[0-9]|50[0-9]) [A-Z][A-Za-z ]+", text)
    first = next((ln.strip(" ↳") for ln in text.splitlines() if ln.strip()), type(exc).__name__)
    return StoreError(f"{where} refused the request to {action}: {status.group(0) if status else first}")


@contextlib.contextmanager
def _storage(uri: str, action: str) -> Iterator[None]:
    """Turn the storage errors of a block into ``StoreError`` in one sentence (``refusal``)."""
    try:
        yield
    except (CommitFailedError, TableNotFoundError):
        raise
    except (OSError, DeltaError) as exc:
        raise refusal(exc, uri, action) from exc


def _change_log(manifest: dict[str, object]) -> list[tuple[int, str, str, str]]:
    """Every change of the manifest as ``(seq, table, batch id, action)``, oldest first."""
    out = []
    for b in manifest["batches"]:  # type: ignore[union-attr]
        if b.get("seq") is not None:
            out.append((int(b["seq"]), str(b["table"]), str(b["id"]), "ingested"))
        for h in b.get("history") or []:
            if h.get("seq") is not None:
                out.append((int(h["seq"]), str(b["table"]), str(b["id"]), str(h.get("action"))))
    return sorted(out)


def _current_seq(table: DeltaTable) -> int | None:
    """The manifest ``seq`` a current table reflects (its last commit's ``store_seq``), if known."""
    try:
        last = table.history(1)[0]
    except (IndexError, DeltaError):
        return None
    value = last.get("store_seq")
    return int(value) if value is not None and str(value).isdigit() else None


def _key_order(rows: pa.Table, name: str) -> pa.Array | None:
    """The row indices that put ``rows`` in the key order of table ``name`` (ascending, nulls
    last), or None when they already are in it.

    Arrow's sort is stable, so a key column holding one value on every row (the source of a
    single file, say) changes nothing in the order and is left out of the sort.
    """
    varying = []
    for k in SCHEMAS[name].key:
        col = rows[k]
        if col.null_count or not len(col) or pa.types.is_list(col.type):
            varying.append(k)
            continue
        bounds = pc.min_max(col).as_py()
        if bounds["min"] != bounds["max"]:
            varying.append(k)
    if not varying:
        return None
    return pc.sort_indices(rows, sort_keys=[(k, "ascending") for k in varying])


def _in_key_order(rows: pa.Table, name: str) -> pa.Table:
    """``rows`` sorted by the key of table ``name`` (``_key_order``)."""
    order = _key_order(rows, name)
    return rows if order is None else rows.take(order)


#: Compressed bytes per row against Arrow bytes per row of typical incident rows (snappy
#: Parquet), to cut a batch into files of about ``CURRENT_FILE_BYTES`` before writing them.
_PARQUET_SHARE = 0.4
#: Rows taken at a time into key order: small enough to stay in the processor's cache while they
#: are copied.
_RUN_ROWS = 32_768
#: Text bounds this long or longer stay out of a file's statistics (a note, say: its column keeps
#: only its null count), so that a bound a writer may have cut short is never taken as exact.
_STATS_TEXT = 64


def _file_stats(meta: pq.FileMetaData, nulls: list[int]) -> str:
    """A file's statistics as the Delta log holds them (``numRecords``, ``minValues``,
    ``maxValues``, ``nullCount``), from the statistics of its Parquet row groups: the smallest and
    largest value of each column of plain values where every row group has them (dates as ISO
    text; text shorter than ``_STATS_TEXT`` characters) and its null count (``nulls``: one per column);
    nothing for a list column, as ``write_deltalake`` writes them."""
    low: dict[str, object] = {}
    high: dict[str, object] = {}
    schema = meta.schema.to_arrow_schema()
    first = meta.row_group(0) if meta.num_row_groups else None
    # Parquet keeps statistics per leaf column: a top-level column of plain values is the leaf of
    # its own name; a list's leaf holds its elements' bounds, which are not the column's
    leaves = {first.column(k).path_in_schema: k for k in range(first.num_columns)} if first else {}
    for field in schema:
        j = leaves.get(field.name)
        if j is None or pa.types.is_nested(field.type):
            continue
        bounds = [meta.row_group(g).column(j).statistics for g in range(meta.num_row_groups)]
        if not bounds or not all(b is not None and b.has_min_max for b in bounds):
            continue
        lo, hi = min(b.min for b in bounds), max(b.max for b in bounds)
        if isinstance(lo, str) and max(len(lo), len(hi)) >= _STATS_TEXT:  # or a bound cut short
            continue
        if isinstance(lo, dt.date):
            lo, hi = lo.isoformat(), hi.isoformat()
        low[field.name], high[field.name] = lo, hi
    return json.dumps(
        {
            "numRecords": meta.num_rows,
            "minValues": low,
            "maxValues": high,
            "nullCount": {
                f.name: n for f, n in zip(schema, nulls, strict=True) if not pa.types.is_nested(f.type)
            },
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )


def _write_runs(rows: pa.Table, order: pa.Array | None, folder: Path) -> list[dict[str, Any]]:
    """Write ``rows`` taken in ``order`` (None: as they are) as Parquet files (snappy, as
    ``write_deltalake``) of about ``CURRENT_FILE_BYTES`` into ``folder``, each holding the next
    run of that order, two files at a time; return one add action per file (``path`` its name
    in ``folder``, ``size``, ``modificationTime`` in ms, ``stats``) in that order."""
    n = rows.num_rows
    per_row = max(rows.nbytes / max(n, 1) * _PARQUET_SHARE, 1.0)
    step = max(1, int(CURRENT_FILE_BYTES / per_row))
    whole = rows.combine_chunks()  # a take across many chunks resolves them on every call
    folder.mkdir(parents=True, exist_ok=True)
    tag = uuid.uuid4()

    def write(k: int) -> dict[str, Any]:
        first, last = k * step, min(k * step + step, n)
        path = folder / f"part-{k:05d}-{tag}-c000.snappy.parquet"
        if order is None:
            part = whole.slice(first, last - first)
        else:
            runs = range(first, last, _RUN_ROWS)
            part = pa.concat_tables(whole.take(order[s : min(s + _RUN_ROWS, last)]) for s in runs)
        nulls = [c.null_count for c in part.columns]
        # one row group per file, as write_deltalake writes them: readers and MERGE scan fewer groups
        pq.write_table(part, path, compression="snappy", row_group_size=max(part.num_rows, 1))
        stat = path.stat()
        return {
            "path": path.name,
            "size": stat.st_size,
            "modificationTime": int(stat.st_mtime * 1000),
            "stats": _file_stats(pq.read_metadata(path), nulls),
        }

    with concurrent.futures.ThreadPoolExecutor(max_workers=2, thread_name_prefix="store-write") as pool:
        return list(pool.map(write, range(max(1, -(-n // step)))))


def _scan(
    table: DeltaTable,
    remote: bool,
    *,
    columns: list[str] | None = None,
    where: tuple[str, str] | None = None,
) -> pa.Table:
    """The rows of a Delta table (``columns``; those whose column ``where[0]`` equals the text
    ``where[1]``), as the Delta table's Arrow schema types them.

    Local stores are scanned by pyarrow's dataset scanner (all cores). On object storage the rows are
    read by deltalake's own engine (DataFusion, ``QueryBuilder``): through pyarrow, deltalake serves
    the files with a Python file-system handler, and a process that had scanned that way aborted at
    exit ("terminate called without an active exception", apache/arrow#45214) in 7 to 18 of 30
    runs on the local S3 endpoint with Arrow's threads and in about 1 of 40 without them."""
    if not remote:
        expression = pc.field(where[0]) == pa.scalar(where[1]) if where else None
        return table.to_pyarrow_dataset().to_table(columns=columns, filter=expression)
    schema = pa.schema(table.schema().to_arrow())
    names = columns if columns is not None else schema.names
    picked = ", ".join(_quoted(c) for c in names)
    sql = f"SELECT {picked} FROM t"
    if where:
        sql += f" WHERE {_quoted(where[0])} = '{where[1].replace(chr(39), chr(39) * 2)}'"
    rows = pa.table(QueryBuilder().register("t", table).execute(sql))
    return rows.cast(pa.schema([schema.field(n) for n in names]))


def _quoted(name: str) -> str:
    """A column name as a SQL identifier (double quotes, doubled inside)."""
    return '"' + name.replace('"', '""') + '"'


def _add_action(add: dict[str, Any], path: str, partition: dict[str, str | None]) -> AddAction:
    """The Delta add action of a file written by ``_write_runs`` (``add``), at ``path`` in its
    table, in the partition ``partition``."""
    return AddAction(path, add["size"], partition, add["modificationTime"], True, add["stats"])


def _commit_meta(record: dict[str, object]) -> dict[str, str]:
    """The commit metadata of a batch's append: its id, file name, SHA-256 and user."""
    return {
        "batch_id": str(record["id"]),
        "file_name": str(record.get("file_name")),
        "sha256": str(record.get("sha256")),
        "user": str(record.get("user")),
    }


def is_delta_store(root: str | os.PathLike[str]) -> bool:
    """Whether ``root`` is (or, for an ``s3://`` URL, is to be) a Delta Lake store."""
    text = str(root)
    if text.startswith("s3://"):
        return True
    return (Path(text).expanduser() / "store_manifest" / "_delta_log").is_dir()


def store_layout(root: str | os.PathLike[str]) -> str:
    """The layout of the store at ``root``: "delta" or "parquet".

    Delta Lake for an ``s3://`` URL, a folder holding a Delta Lake store and a new or empty folder
    (the default); "parquet" for a folder holding a store of the Parquet-and-manifest layout (a
    ``manifest.json`` or a ``batches/`` folder), which keeps working until it is migrated.
    """
    if is_delta_store(root):
        return "delta"
    folder = Path(str(root)).expanduser()
    if (folder / "manifest.json").exists() or (folder / "batches").is_dir():
        return "parquet"
    return "delta"


def commit_point(root: str | os.PathLike[str]) -> tuple[str, int, int] | None:
    """(path, mtime in ns, size) of the file whose change marks a new state of the local store at
    ``root``: a Delta Lake store's newest manifest commit (``store_manifest/_delta_log/<version>.json``),
    a Parquet store's ``manifest.json``; None for a folder that is neither. Every change of the data
    (an ingest, a withdrawal, a restoration) is a new manifest, and readers read through it only."""
    folder = Path(str(root)).expanduser()
    if is_delta_store(folder):
        with os.scandir(folder / "store_manifest" / "_delta_log") as entries:
            commits = [e for e in entries if e.name.endswith(".json") and e.name[:-5].isdigit()]
        if commits:
            newest = max(commits, key=lambda e: e.name)
            s = newest.stat()
            return (newest.path, s.st_mtime_ns, s.st_size)
    manifest = folder / "manifest.json"
    if manifest.is_file():
        s = manifest.stat()
        return (str(manifest), s.st_mtime_ns, s.st_size)
    return None


def _storage_options(uri: str) -> dict[str, str] | None:
    if not uri.startswith("s3://"):
        return None
    options = {"conditional_put": "etag"}
    if os.environ.get("AWS_ENDPOINT_URL", "").startswith("http://"):
        options["AWS_ALLOW_HTTP"] = "true"
    return options


class DeltaStore(Store):
    """A store on Delta Lake tables (``Store(root)`` returns one for such a location)."""

    def __init__(self, root: str | os.PathLike[str], layout: str | None = None) -> None:
        if layout not in (None, "delta"):
            raise ValueError(f"a Delta Lake store cannot have the layout {layout!r}")
        text = str(root)
        self.uri = text.rstrip("/") if text.startswith("s3://") else str(Path(text).expanduser())
        self.remote = self.uri.startswith("s3://")
        self.root = Path(self.uri) if not self.remote else Path("/nonexistent-remote-store")
        self._options = _storage_options(self.uri)
        self._loaded: dict[int, DeltaTable] = {}
        # While ``add`` runs: the rows of the batch it appended (by batch id), so that bringing
        # the current table up to date does not read back what was just written; and, when the
        # current table is new, that table staged from the batch's own files (a local store) or
        # the same rows in key order, sorted while they were appended (``_staged``).
        self._keep_fresh = False
        self._fresh: dict[str, pa.Table] = {}
        self._staged: dict[str, concurrent.futures.Future[tuple[pa.Table | None, Path | None]]] = {}
        self._read_manifest: dict[str, object] | None = None

    def __repr__(self) -> str:
        return f"DeltaStore({self.uri!r})"

    @property
    def location(self) -> str:
        """Where the store is: its folder, or its ``s3://`` URL."""
        return self.uri

    def _uri(self, name: str) -> str:
        return f"{self.uri}/{name}"

    def _table(self, name: str) -> DeltaTable | None:
        try:
            with _storage(self.uri, "read the store"):
                return DeltaTable(self._uri(name), storage_options=self._options)
        except TableNotFoundError:
            return None

    # ---- the manifest ---------------------------------------------------------------------------
    def _manifest(self) -> dict[str, object]:
        table = self._table("store_manifest")
        if table is None:
            self._read_manifest = {"manifest_version": MANIFEST_VERSION, "layout": "delta", "batches": []}
            return self._read_manifest
        with _storage(self.uri, "read the store"):
            rows = _scan(table, self.remote)
        if rows.num_rows != 1:
            raise StoreError(f"the store's manifest in {self.uri} is damaged and cannot be read")
        try:
            data = json.loads(rows["manifest"][0].as_py())
        except json.JSONDecodeError as exc:
            raise StoreError(f"the store's manifest in {self.uri} is damaged and cannot be read") from exc
        data = check_manifest(data, f"{self.uri}/store_manifest", self.uri)
        self._loaded[id(data)] = table  # the version a write of this manifest must still find
        self._read_manifest = data
        return data

    def _write_manifest(self, manifest: dict[str, object]) -> None:
        from datasets.store import _now

        manifest["manifest_version"] = MANIFEST_VERSION
        manifest["layout"] = "delta"
        manifest["updated_at"] = _now()
        row = pa.table(
            {
                "written_at": pa.array([manifest["updated_at"]], pa.string()),
                "manifest": pa.array([json.dumps(manifest, ensure_ascii=False)], pa.string()),
            }
        )
        base = self._loaded.pop(id(manifest), None)
        try:
            with _storage(self.uri, "store the change"):
                if base is None:  # a new store: refused if another writer created it meanwhile
                    if self._table("store_manifest") is not None:
                        raise CommitFailedError("the store was created by another writer meanwhile")
                    write_deltalake(
                        self._uri("store_manifest"), row, mode="error", storage_options=self._options
                    )
                else:  # refused when another writer committed since this manifest was read
                    write_deltalake(base, row, mode="overwrite")
        except CommitFailedError as exc:
            raise _Conflict("another change to the store was committed at the same time") from exc
        except StoreError:
            if base is None and self._table("store_manifest") is not None:  # created meanwhile
                raise _Conflict("another change to the store was committed at the same time") from None
            raise
        self._refresh_current(manifest)

    def _retrying(self, action: Callable[[], T]) -> T:
        """Run a change again (from a fresh read) when another writer committed first."""
        for attempt in range(10):
            try:
                return action()
            except _Conflict:
                time.sleep(0.05 + random.random() * 0.1 * (attempt + 1))
        raise StoreError("the store kept changing while this change was made; try again in a moment")

    def add(self, upload: Upload, **kwargs: Any) -> IngestResult:  # noqa: D102 (as Store.add)
        self._keep_fresh = True
        try:
            return self._retrying(lambda: Store.add(self, upload, **kwargs))
        finally:
            self._keep_fresh = False
            for pending in self._staged.values():  # a staged table no change used
                with contextlib.suppress(Exception):
                    staged = pending.result()[1]
                    if staged is not None:
                        shutil.rmtree(staged, ignore_errors=True)
                        with contextlib.suppress(OSError):
                            staged.parent.rmdir()  # when empty
            self._fresh.clear()
            self._staged.clear()

    def _set_withdrawn(self, batch_id: str, withdrawn: bool, user: str | None) -> dict[str, object]:
        return self._retrying(lambda: Store._set_withdrawn(self, batch_id, withdrawn, user))

    def _refresh_current(self, manifest: dict[str, object]) -> None:
        """Bring each table's current rows (``<table>``, for other engines) up to ``manifest``.

        The table a change touched gets a MERGE of that change alone (its rows upserted by key,
        keys it no longer makes current deleted: a cost proportional to the change); a current
        table that missed a change (a writer stopped after its manifest commit, a store migrated
        or written by an earlier version) is rewritten whole. Each commit records the manifest
        ``seq`` it reflects (``store_seq`` in its commit metadata); earlier states stay readable
        through Delta's time travel. The manifest is the truth: a failure here never undoes the
        change, and the next change repairs the current table.
        """
        changes = _change_log(manifest)
        for name in SCHEMAS:
            if self._table(f"batches_{name}") is None:
                continue
            problem = "another writer kept changing it"
            for _attempt in range(5):
                try:
                    if self._update_current(name, manifest, changes):
                        problem = ""
                        break
                except CommitFailedError:
                    pass
                except (DeltaError, OSError) as exc:
                    problem = str(exc).splitlines()[0]
                    break
                manifest = self._manifest()  # another writer committed: rebuild from a fresh read
                changes = _change_log(manifest)
            if problem:
                warnings.warn(
                    f"the current {name} table of {self.uri} could not be brought up to date "
                    f"({problem}); the next change to the store will do it",
                    stacklevel=2,
                )

    def _update_current(
        self, name: str, manifest: dict[str, object], changes: list[tuple[int, str, str, str]]
    ) -> bool:
        """One attempt at bringing ``<name>`` up to ``manifest``; False when another writer
        committed to it meanwhile (the caller tries again from a fresh read)."""
        seq = int(manifest.get("seq") or 0)  # type: ignore[call-overload]
        table = self._table(name)
        done = _current_seq(table) if table is not None else None
        pending = [c for c in changes if c[1] == name and (done is None or c[0] > done)]
        if table is not None and done is not None and not pending:
            return True  # already up to date (or newer: another writer got there first)
        records: list[dict[str, object]] = manifest["batches"]  # type: ignore[assignment]
        active = [b for b in records if b.get("table") == name and not b.get("withdrawn")]
        meta = CommitProperties(custom_metadata={"store_seq": str(seq)})
        if table is not None and done is not None and len(pending) == 1 and pending[0][0] == seq:
            before = table.version()
            source = self._merge_source(name, pending[0], records, active)
            key = SCHEMAS[name].key
            columns = SCHEMAS[name].arrow_schema.names
            (
                table.merge(
                    source,
                    predicate=" AND ".join(f"(t.{k} IS NOT DISTINCT FROM s.{k})" for k in key),
                    source_alias="s",
                    target_alias="t",
                    commit_properties=meta,
                )
                .when_matched_delete(predicate=f"s.{_DROP}")
                .when_matched_update(updates={c: f"s.{c}" for c in columns})
                .when_not_matched_insert(updates={c: f"s.{c}" for c in columns}, predicate=f"NOT s.{_DROP}")
                .execute()
            )
            return table.version() == before + 1  # no other commit came in between
        # in key order, in files of about CURRENT_FILE_BYTES: a later MERGE rewrites only the
        # files that hold the keys it changes (Delta rewrites whole files)
        only = str(active[0]["id"]) if len(active) == 1 and not revisions.needs_merge(active) else None
        current = None
        if only is not None and only in self._staged:  # the one batch, prepared while it was appended
            current, staged = self._staged.pop(only).result()
            target = Path(self._uri(name))
            fits = staged is not None and staged.name == f"{name}-{seq}"
            if fits and table is None and not target.exists():
                os.rename(staged, target)  # the new current table appears whole, after the manifest commit
                with contextlib.suppress(OSError):
                    staged.parent.rmdir()  # when empty
                return True
            if staged is not None:
                shutil.rmtree(staged, ignore_errors=True)
        if current is None:
            current = self._combine(name, active)
            if current is None:
                current = SCHEMAS[name].arrow_schema.empty_table()
            current = _in_key_order(current, name)
        before = table.version() if table is not None else -1
        write_deltalake(
            table if table is not None else self._uri(name),
            current,
            mode="overwrite",
            schema_mode="overwrite",
            storage_options=None if table is not None else self._options,
            commit_properties=meta,
            target_file_size=CURRENT_FILE_BYTES,
        )
        after = self._table(name)
        return after is not None and after.version() == before + 1

    def _merge_source(
        self,
        name: str,
        change: tuple[int, str, str, str],
        records: list[dict[str, object]],
        active: list[dict[str, object]],
    ) -> pa.Table:
        """The rows a change makes current (to upsert) and the keys it no longer makes current
        (``_drop`` true), for the MERGE into ``<name>``."""
        schema = SCHEMAS[name]
        key = schema.key
        _seq, _table, batch_id, action = change
        (record,) = [b for b in records if b["id"] == batch_id]
        removed = self._read_removals(record) if record.get("removed") else None
        if action == "ingested":  # the newest batch: its rows are current, its removals gone
            upsert = conform(self._read_batch(record, None), schema)
            drops = removed.select(list(key)) if removed is not None else None
        else:  # withdrawn or restored: the keys it holds or removed take the values now current
            touched = key_strings(self._read_batch(record, list(key)), key)
            if removed is not None:
                touched = pa.concat_arrays([touched, key_strings(removed, key)])
            now = self._combine(name, active)
            if now is None:
                now = schema.arrow_schema.empty_table()
            upsert = now.filter(pc.is_in(key_strings(now, key), value_set=touched))
            gone = pc.invert(pc.is_in(touched, value_set=key_strings(upsert, key)))
            keys = self._read_batch(record, list(key))
            if removed is not None:
                keys = pa.concat_tables([keys, removed.select(list(key))])
            drops = keys.filter(gone)
        upsert = upsert.append_column(_DROP, pa.array([False] * upsert.num_rows, pa.bool_()))
        if drops is None or drops.num_rows == 0:
            return upsert
        drops = drops.group_by(list(key)).aggregate([])  # each key once: a MERGE source row per key
        filler = {
            f.name: drops[f.name] if f.name in key else pa.nulls(drops.num_rows, f.type)
            for f in schema.arrow_schema
        }
        dropped = pa.table(filler).append_column(_DROP, pa.array([True] * drops.num_rows, pa.bool_()))
        return pa.concat_tables([upsert, dropped.cast(upsert.schema)])

    # ---- locking --------------------------------------------------------------------------------
    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        if self.remote:  # optimistic: _write_manifest refuses when another writer committed since
            yield
            return
        with super()._locked():
            yield

    def _clean_leftovers(self) -> None:
        """Remove a new current table a stopped writer left staged (``_save_batch``); rows no
        manifest names are never read (Delta commits are atomic), so nothing else is removed."""
        if not self.remote:
            shutil.rmtree(self.root / _STAGED, ignore_errors=True)

    # ---- batches --------------------------------------------------------------------------------
    def _read_batch(self, record: dict[str, object], columns: list[str] | None) -> pa.Table:
        fresh = self._fresh.get(str(record["id"]))
        if fresh is not None:  # appended by this change: the same rows, not read back
            return fresh.select(columns) if columns is not None else fresh
        t = self._table(f"batches_{record['table']}")
        if t is None:
            raise StoreError(f"batch {record['id']} is listed in the store but its rows are missing")
        with _storage(self.uri, "read the store"):
            data = _scan(t, self.remote, columns=columns, where=(_BATCH, str(record["id"])))
        return data.drop_columns([_BATCH]) if _BATCH in data.column_names else data

    def _read_removals(self, record: dict[str, object]) -> pa.Table:
        t = self._table(f"removals_{record['table']}")
        if t is None:
            raise StoreError(f"batch {record['id']} is listed in the store but its removals are missing")
        with _storage(self.uri, "read the store"):
            data = _scan(t, self.remote, where=(_BATCH, str(record["id"])))
        return data.drop_columns([_BATCH])

    def _append(self, name: str, rows: pa.Table, record: dict[str, object]) -> None:
        rows = rows.append_column(_BATCH, pa.repeat(pa.scalar(str(record["id"]), pa.string()), rows.num_rows))
        with _storage(self.uri, "store the file's rows"):
            write_deltalake(
                self._uri(name),
                rows,
                mode="append",
                partition_by=[_BATCH],
                storage_options=self._options,
                commit_properties=CommitProperties(custom_metadata=_commit_meta(record)),
            )

    def _append_in_key_order(
        self, name: str, rows: pa.Table, record: dict[str, object]
    ) -> list[dict[str, Any]] | None:
        """Append ``rows`` to the local Delta table ``batches_<name>`` as batch ``record`` (one
        commit, as ``_append``), in the key order of table ``name``: files of about
        ``CURRENT_FILE_BYTES`` each holding the next run of keys (``_write_runs``), so that a new
        current table can be made of the same files. Return their add actions (``path``
        relative to ``batches_<name>``); None, with nothing appended, when that table's columns
        are not those of ``rows`` (the caller then appends as usual)."""
        batch_id = str(record["id"])
        uri = self._uri(f"batches_{name}")
        schema = DeltaSchema.from_arrow(rows.schema.append(pa.field(_BATCH, pa.string())))
        table = self._table(f"batches_{name}")
        if table is not None and table.schema().to_json() != schema.to_json():
            return None
        if not re.fullmatch(r"[A-Za-z0-9_.-]+", batch_id):  # its folder name needs no escaping
            return None
        folder = f"{_BATCH}={batch_id}"
        adds = _write_runs(rows, _key_order(rows, name), Path(uri) / folder)
        actions = [_add_action(a, f"{folder}/{a['path']}", {_BATCH: batch_id}) for a in adds]
        meta = CommitProperties(custom_metadata=_commit_meta(record))
        if table is None:
            create_table_with_add_actions(
                uri, schema, actions, mode="error", partition_by=[_BATCH], commit_properties=meta
            )
        else:
            table.create_write_transaction(
                actions, mode="append", schema=schema, partition_by=[_BATCH], commit_properties=meta
            )
        return [{**a, "path": f"{folder}/{a['path']}"} for a in adds]

    def _save_batch(self, record: dict[str, object], rows: pa.Table, removals: pa.Table | None) -> None:
        name, batch_id = str(record["table"]), str(record["id"])
        shared = None  # the manifest seq whose new current table shares this batch's files
        if self._keep_fresh:
            if self._table(name) is None and self._read_manifest is not None:
                seq = self._next_seq(dict(self._read_manifest))  # the number this change will get
                if not self.remote and rows.schema.equals(SCHEMAS[name].arrow_schema):
                    shared = seq  # the batch's files can be the current table's as they are
                else:
                    conformed = conform(rows, SCHEMAS[name])
                    self._staged[batch_id] = _SORTER.submit(self._stage_current, conformed, name, seq)
            self._fresh[batch_id] = rows
        adds = None
        if shared is not None:
            with _storage(self.uri, "store the file's rows"):
                adds = self._append_in_key_order(name, rows, record)
        if adds is None:
            self._append(f"batches_{name}", rows, record)
        if adds is not None and shared is not None:
            done: concurrent.futures.Future[tuple[pa.Table | None, Path | None]] = concurrent.futures.Future()
            done.set_result((None, self._link_current(name, adds, shared)))
            self._staged[batch_id] = done
        if removals is not None:
            self._append(f"removals_{record['table']}", removals, record)

    def _link_current(self, name: str, adds: list[dict[str, Any]], seq: int) -> Path | None:
        """A local store's new current table ``name`` made of a batch's files (``adds``: their
        add actions, ``path`` relative to ``batches_<name>``, appended in key order): each file
        hard-linked (copied where the file system has no links) into
        ``.current-staging/<name>-<seq>`` and named there by one Delta commit (``store_seq`` =
        ``seq``) carrying the files' statistics, moved into place after the manifest commit
        (``_update_current``). The rows are encoded once, not twice. None when it could not be
        made (the current table is then written as usual)."""
        source = self.root / f"batches_{name}"
        staged = self.root / _STAGED / f"{name}-{seq}"
        try:
            shutil.rmtree(staged, ignore_errors=True)
            staged.mkdir(parents=True)
            actions = []
            for add in adds:
                path = source / add["path"]
                try:
                    os.link(path, staged / path.name)
                except OSError:
                    shutil.copyfile(path, staged / path.name)
                actions.append(_add_action(add, path.name, {}))
            create_table_with_add_actions(
                str(staged),
                DeltaSchema.from_arrow(SCHEMAS[name].arrow_schema),
                actions,
                mode="error",
                commit_properties=CommitProperties(custom_metadata={"store_seq": str(seq)}),
            )
        except (OSError, ValueError, KeyError, DeltaError):
            shutil.rmtree(staged, ignore_errors=True)
            with contextlib.suppress(OSError):
                staged.parent.rmdir()  # when empty
            return None
        return staged

    def _stage_current(self, rows: pa.Table, name: str, seq: int) -> tuple[pa.Table, Path | None]:
        """A new current table ``name`` holding only ``rows``, prepared while they are appended to
        the batches: ``rows`` in key order and, for a local store, that table already written
        (commit ``store_seq`` = ``seq``) in ``.current-staging/<name>-<seq>``, renamed into place
        once the manifest commit makes the batch count (``_update_current``); None when it could
        not be written (the current table is then written there as usual)."""
        ordered = _in_key_order(rows, name)
        if self.remote:
            return ordered, None
        staged = self.root / _STAGED / f"{name}-{seq}"
        try:
            shutil.rmtree(staged, ignore_errors=True)
            write_deltalake(
                str(staged),
                ordered,
                mode="overwrite",
                schema_mode="overwrite",
                commit_properties=CommitProperties(custom_metadata={"store_seq": str(seq)}),
                target_file_size=CURRENT_FILE_BYTES,
            )
        except (OSError, DeltaError):
            shutil.rmtree(staged, ignore_errors=True)
            return ordered, None
        return ordered, staged

    def _save_rejects(self, batch_id: str, data: bytes) -> Path | str:
        """A local store writes ``rejects/<batch_id>.csv`` as a file; object storage appends the
        CSV bytes to the ``rejects`` Delta table (``read_rejects`` gives them back)."""
        if not self.remote:
            return super()._save_rejects(batch_id, data)
        rows = pa.table({"csv": pa.array([data], pa.binary())})
        self._append("rejects", rows, {"id": batch_id})
        return f"{self._uri('rejects')} (Delta table, batch {batch_id})"

    # ---- saved mappings (object storage) -------------------------------------------------------
    def save_document(self, kind: str, name: str, text: str, *, user: str | None = None) -> str:
        """Save a small JSON document (a column mapping, ``kind`` "mappings", or a survey mapping,
        "survey_mappings") in the store's ``documents`` Delta table; the newest under a name wins.
        Where it was saved, for the user."""
        from datasets.store import _now, _user

        row = pa.table(
            {
                "kind": [kind],
                "name": [name],
                "text": [text],
                "saved_at": [dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")],
                "user": pa.array([_user(user)], pa.string()),
            }
        )
        with _storage(self.uri, "save the mapping"):
            write_deltalake(
                self._uri("documents"),
                row,
                mode="append",
                storage_options=self._options,
                commit_properties=CommitProperties(custom_metadata={"saved": f"{kind}/{name}", "at": _now()}),
            )
        return f"{self._uri('documents')} ({kind}/{name})"

    def documents(self, kind: str) -> dict[str, str]:
        """The newest text of each document of ``kind`` saved with ``save_document``, by name."""
        t = self._table("documents")
        if t is None:
            return {}
        with _storage(self.uri, "read the store"):
            rows = _scan(t, self.remote, where=("kind", kind))
        out: dict[str, tuple[str, str]] = {}
        for name, text, at in zip(
            rows["name"].to_pylist(), rows["text"].to_pylist(), rows["saved_at"].to_pylist(), strict=True
        ):
            if name not in out or at >= out[name][1]:
                out[name] = (text, at)
        return {name: out[name][0] for name in sorted(out)}

    def read_rejects(self, batch_id: str) -> bytes | None:
        """The rejected rows of a batch as CSV bytes, or None when it has none."""
        if not self.remote:
            path = self.rejects_path(batch_id)
            return path.read_bytes() if path.is_file() else None
        t = self._table("rejects")
        if t is None:
            return None
        rows = _scan(t, self.remote, where=(_BATCH, batch_id))
        return rows["csv"][0].as_py() if rows.num_rows else None


def migrate(source: str | os.PathLike[str], target: str | os.PathLike[str] | None = None) -> DeltaStore:
    """Copy a store of the Parquet-and-manifest layout into a Delta Lake store, batch by batch.

    Every batch keeps its id, provenance record, history, rows, removals and rejects. ``target``
    defaults to the same folder (the old files stay beside the Delta tables; they are no longer
    read). Refuses a store already on Delta Lake and a target that already holds one.
    """
    if is_delta_store(source):
        raise StoreError(f"the store {source} is already on Delta Lake; nothing to migrate")
    if store_layout(source) != "parquet":
        raise StoreError(f"there is no store to migrate at {source} (no manifest.json)")
    old = Store(source, layout="parquet")
    manifest = old._manifest()
    new = DeltaStore(target if target is not None else old.root)
    if new._table("store_manifest") is not None:
        raise StoreError(f"{new.uri} already holds a Delta Lake store; migrate into an empty location")
    with old._locked():
        for record in manifest["batches"]:  # type: ignore[union-attr]
            rows = old._read_batch(record, None)
            removals = old._read_removals(record) if record.get("removed") else None
            new._save_batch(record, rows, removals)
            rejects = record.get("rejects_file")
            if rejects and (old.root / str(rejects)).is_file():
                new._save_rejects(str(record["id"]), (old.root / str(rejects)).read_bytes())
        if new.remote:  # saved mappings travel with the store (a local Delta store keeps the files)
            for kind in ("mappings", "survey_mappings"):
                for path in sorted((old.root / kind).glob("*.json")):
                    new.save_document(kind, path.stem, path.read_text(encoding="utf-8"))
        copied = dict(manifest)
        copied["migrated_from"] = str(old.root)
        new._write_manifest(copied)
    return new
