"""The user's data store: batches that are never changed plus a manifest, never losing data.

A new store is on Delta Lake tables (``datasets.store_delta.DeltaStore``, local or on object
storage); this module holds the revision rules every layout shares and the earlier
Parquet-and-manifest layout, which keeps working for stores written in it.

Layout of a store directory of the Parquet-and-manifest layout::

    <root>/manifest.json                      every batch and its provenance (written last)
    <root>/batches/<table>/<batch_id>.parquet one upload's rows (zstd), never changed or deleted
    <root>/removals/<table>/<batch_id>.parquet keys a full export no longer lists (never changed)
    <root>/rejects/<batch_id>.csv             rows refused when only the valid rows were kept
    <root>/mappings/<name>.json               saved column mappings
    <root>/.lock                              serialises writers (``filelock``)
    <root>/.staging/                          temporary files of a write in progress

A write stages each file under ``.staging``, flushes it to disk, renames it into place, then
writes the manifest the same way, last. A crash or a kill at any moment leaves the manifest as it
was, so readers see the store as it was; the next writer removes what the interrupted one left
(staged files, batch files no manifest names). Writers take the lock, so two uploads at the same
time both land. Withdrawing a batch only flags it in the manifest.

Revisions (``datasets.revisions``): a batch holds only the new and the revised rows of its file;
the newest active batch holding a key gives its current values, and a full export's removals hide
older values of the keys it no longer lists. Every change (ingest, withdrawal, restoration) gets
the next number ``seq`` in the manifest, so the store as it was after any change can be read
again (``read_table(name, as_of=...)``). ``manifest_version`` is checked on every read: a store
written by a newer version of the tool is refused, never rewritten.

Where the store is: ``--store DIR``, else ``$STABILITY_STORE``; ``stability ingest`` with neither
uses ``default_store_dir()`` (``platformdirs.user_data_dir("regional-stability-monitor")/store``,
e.g. ``~/.local/share/regional-stability-monitor/store`` on Linux).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import getpass
import hashlib
import json
import os
import secrets
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from filelock import FileLock, Timeout

from datasets import revisions
from datasets.coverage import derive_coverage
from datasets.ingest import ColumnMapping, Progress, Upload, key_strings, prepare, read_file
from datasets.schema import SCHEMAS, conform
from datasets.store_report import history_frame, sources_frame

__all__ = ["IngestResult", "Store", "StoreError", "default_store_dir"]

APP_NAME = "regional-stability-monitor"
#: 2: batches may revise or remove earlier rows (``revised``, ``removed``), changes are numbered
#: (``seq``). Version 1 stores are read as they are and upgraded on the next write.
MANIFEST_VERSION = 2
LOCK_TIMEOUT_S = 900.0
_DATE_COLUMN = {"incidents": "event_date", "collaboration": "start_date", "perception": "wave_date"}
_LOW_CARDINALITY = {
    "iso3",
    "country",
    "admin1",
    "event_type",
    "sub_event_type",
    "actor1",
    "actor2",
    "source",
    "kind",
    "survey",
    "indicator",
    "scale",
    "breakdown",
}


class StoreError(ValueError):
    """A store operation cannot be done; the message is one plain sentence."""


def default_store_dir() -> Path:
    """The store used when neither ``--store`` nor ``$STABILITY_STORE`` is given (ingest only)."""
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME)) / "store"


@dataclass(frozen=True)
class IngestResult:
    """What happened to one file.

    ``status``: ``stored`` (a new batch), ``already stored`` (same file bytes already in an active
    batch), ``nothing new`` (every row already stored with the same values), or ``refused``
    (nothing stored). ``rows_stored`` = ``new`` + ``revised``; ``removed`` counts the events a
    full export no longer lists; ``duplicates`` the rows stored already with the same values;
    ``unlisted`` (counted when ``Store.add`` is asked to, for a file that is not stored as a full
    export) the stored events of the file's scope that the file does not list: what storing it as
    a full export would have removed. ``carried``: the columns the file holds no value in, whose
    stored values its rows kept (``revisions.carry_missing``).
    """

    file_name: str
    table: str
    format: str
    format_label: str
    status: str
    batch_id: str | None
    rows_stored: int
    duplicates: int
    rejected: int
    message: str
    rejects_path: Path | str | None = None
    new: int = 0
    revised: int = 0
    removed: int = 0
    unlisted: int = 0
    carried: tuple[str, ...] = ()

    @property
    def carried_note(self) -> str:
        """One sentence on ``carried`` (empty when none)."""
        return _carried_note(self.carried)

    @property
    def ok(self) -> bool:
        return self.status != "refused"

    @property
    def summary(self) -> str:
        """E.g. "3,120 new, 412 revised, 17 removed, 5 duplicates skipped, 0 rows rejected"."""
        return (
            f"{self.new:,} new, {self.revised:,} revised, {self.removed:,} removed, "
            f"{self.duplicates:,} duplicates skipped, {self.rejected:,} rows rejected"
        )


def _carried_note(columns: Sequence[str]) -> str:
    """One sentence on the columns a file holds no value in whose stored values its rows kept."""
    if not columns:
        return ""
    return (
        f"The file has no values in {', '.join(columns)}: its rows keep the values stored from an "
        "earlier copy."
    )


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _user(user: str | None) -> str | None:
    if user:
        return user
    try:
        return getpass.getuser()
    except Exception:  # no login name on this system
        return None


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _already_stored(base: dict[str, str], same: dict[str, object]) -> IngestResult:
    """The result for a file whose bytes are already stored: nothing added, not an error."""
    return IngestResult(
        **base,
        status="already stored",
        batch_id=None,
        rows_stored=0,
        duplicates=int(same.get("rows_stored", 0)),  # type: ignore[call-overload]
        rejected=0,
        message=f"{base['file_name']}: this file is already stored (batch {same['id']}); nothing was added.",
    )


def _refused(base: dict[str, str], rejected: int, message: str) -> IngestResult:
    """The result for a refused file: nothing stored, the report as the message."""
    return IngestResult(
        **base,
        status="refused",
        batch_id=None,
        rows_stored=0,
        duplicates=0,
        rejected=rejected,
        message=message,
    )


def check_manifest(data: object, where: object, root: object) -> dict[str, object]:
    """``data`` when it is a manifest this version can read; ``StoreError`` in one sentence otherwise.

    Checked on every open: a store written by a newer version (a higher ``manifest_version``) is
    refused and never rewritten; a batch record without ``id`` or ``table`` is a damaged manifest.
    """
    if not isinstance(data, dict) or not isinstance(data.get("batches"), list):
        raise StoreError(f"the store's manifest {where} is not a manifest of this tool")
    version = data.get("manifest_version", 1)
    if not isinstance(version, int) or version > MANIFEST_VERSION:
        raise StoreError(
            f"the store {root} was written by a newer version of this tool (store format "
            f"{version}, this version reads up to {MANIFEST_VERSION}); upgrade the tool to use it"
        )
    for k, b in enumerate(data["batches"]):
        if not isinstance(b, dict) or not b.get("id") or not b.get("table"):
            raise StoreError(
                f"batch record {k + 1} of the store's manifest {where} has no id or table; "
                "the manifest is damaged"
            )
    return data


class Store:
    """A store directory (it need not exist until the first write).

    ``Store(root)`` gives a ``datasets.store_delta.DeltaStore`` (Delta Lake tables) for an
    ``s3://`` URL, a folder holding a Delta Lake store, and a new or empty folder; this class (the
    Parquet-and-manifest layout) for a folder that already holds such a store, which keeps working
    and can be converted with ``stability store migrate``. ``layout`` ("delta" or "parquet")
    chooses the layout of a new store explicitly.
    """

    def __new__(cls, root: str | os.PathLike[str], layout: str | None = None) -> Store:
        if cls is Store:
            from datasets.store_delta import DeltaStore, store_layout

            if (layout or store_layout(root)) == "delta":
                return super().__new__(DeltaStore)
        return super().__new__(cls)

    def __init__(self, root: str | os.PathLike[str], layout: str | None = None) -> None:
        if layout not in (None, "parquet"):
            raise ValueError(f"a Parquet-and-manifest store cannot have the layout {layout!r}")
        self.root = Path(root).expanduser()

    # ---- paths -------------------------------------------------------------------------------
    @property
    def location(self) -> str:
        """Where the store is, as the user named it (a folder, or an ``s3://`` URL)."""
        return str(self.root)

    @property
    def manifest_path(self) -> Path:
        return self.root / "manifest.json"

    @property
    def lock_path(self) -> Path:
        return self.root / ".lock"

    @property
    def staging(self) -> Path:
        return self.root / ".staging"

    def batch_path(self, record: dict[str, object]) -> Path:
        return self.root / "batches" / str(record["table"]) / f"{record['id']}.parquet"

    def removals_path(self, record: dict[str, object]) -> Path:
        return self.root / "removals" / str(record["table"]) / f"{record['id']}.parquet"

    def rejects_path(self, batch_id: str) -> Path:
        return self.root / "rejects" / f"{batch_id}.csv"

    # ---- reading -----------------------------------------------------------------------------
    def _manifest(self) -> dict[str, object]:
        try:
            raw = self.manifest_path.read_bytes()
        except FileNotFoundError:
            return {"manifest_version": MANIFEST_VERSION, "batches": []}
        try:
            data = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise StoreError(
                f"the store's manifest {self.manifest_path} is damaged and cannot be read"
            ) from exc
        return check_manifest(data, self.manifest_path, self.root)

    def batches(self, name: str | None = None, *, include_withdrawn: bool = True) -> list[dict[str, object]]:
        """Provenance records of the batches (of table ``name`` when given), oldest first."""
        out = [dict(b) for b in self._manifest()["batches"]]  # type: ignore[union-attr]
        if name is not None:
            out = [b for b in out if b.get("table") == name]
        if not include_withdrawn:
            out = [b for b in out if not b.get("withdrawn")]
        return out

    def active(self, name: str) -> list[dict[str, object]]:
        """Batches of table ``name`` that are not withdrawn."""
        return self.batches(name, include_withdrawn=False)

    def active_at(self, name: str | None, as_of: str | None) -> list[dict[str, object]]:
        """Batches (of table ``name``) active now, or at ``as_of`` (a batch id, date or time)."""
        if as_of is None:
            return self.batches(name, include_withdrawn=False)
        try:
            active = revisions.active_at(self.batches(), as_of)
        except ValueError as exc:
            raise StoreError(str(exc)) from exc
        return [b for b in active if name is None or b.get("table") == name]

    def read_table(
        self, name: str, columns: list[str] | None = None, *, as_of: str | None = None
    ) -> pa.Table | None:
        """Current rows of table ``name`` (conformed to its schema), or as they were at ``as_of``.

        The newest active batch holding a key gives its values; removals of a full export hide
        older values (``datasets.revisions``). None when no batch is active.
        """
        if name not in SCHEMAS:
            raise ValueError(f"unknown table '{name}'")
        return self._combine(name, self.active_at(name, as_of), columns)

    def _combine(
        self, name: str, active: list[dict[str, object]], columns: list[str] | None = None
    ) -> pa.Table | None:
        """The rows of table ``name`` that the batches ``active`` (oldest first) make current."""
        if not active:
            return None
        schema = SCHEMAS[name]
        merge = revisions.needs_merge(active)
        wanted = columns
        if merge and columns is not None:
            wanted = list(dict.fromkeys([*columns, *schema.key]))
        parts: list[tuple[pa.Table, pa.Array | None]] = []
        for b in active:
            t = self._read_batch(b, wanted)
            removed = self._removed(b) if merge else None
            parts.append((t if wanted is not None else conform(t, schema), removed))
        if merge:
            table = revisions.latest_values(parts, schema.key)
            return table.select(columns) if columns is not None else table
        tables = [t for t, _ in parts]
        return pa.concat_tables(tables) if len(tables) > 1 else tables[0]

    def _read_batch(self, record: dict[str, object], columns: list[str] | None) -> pa.Table:
        """The rows a batch stored (its Parquet file)."""
        path = self.batch_path(record)
        try:
            return pq.read_table(path, columns=columns)
        except FileNotFoundError as exc:
            raise StoreError(
                f"batch {record['id']} is listed in the store but its file {path} is missing"
            ) from exc

    def _read_removals(self, record: dict[str, object]) -> pa.Table:
        """The keys a batch removed (its removals Parquet file)."""
        path = self.removals_path(record)
        try:
            return pq.read_table(path)
        except FileNotFoundError as exc:
            raise StoreError(
                f"batch {record['id']} is listed in the store but its removals file {path} is missing"
            ) from exc

    def _save_batch(self, record: dict[str, object], rows: pa.Table, removals: pa.Table | None) -> None:
        """Write a new batch's rows (and the keys it removes) before the manifest names it."""
        self._write_parquet(self.batch_path(record), rows)
        if removals is not None:
            self._write_parquet(self.removals_path(record), removals)

    def _save_rejects(self, batch_id: str, data: bytes) -> Path | str:
        """Write the rejected rows of a batch as CSV (``rejects/<batch_id>.csv``); where they are."""
        path = self.rejects_path(batch_id)
        self._write_bytes(path, data)
        return path

    def _removed(self, record: dict[str, object]) -> pa.Array | None:
        """Key strings a batch removed (a full export that no longer lists them), if any."""
        if not record.get("removed"):
            return None
        return key_strings(self._read_removals(record), SCHEMAS[str(record["table"])].key)

    def label(self, name: str, *, as_of: str | None = None) -> str:
        """E.g. "Your data store: 2 batches (ACLED export, UCDP GED)", followed by the attribution
        each source requires ("; sources: SIPRI Arms Transfers Database, © SIPRI") when known."""
        active = self.active_at(name, as_of)
        formats = list(dict.fromkeys(str(b.get("format_label", b.get("format", ""))) for b in active))
        noun = "batch" if len(active) == 1 else "batches"
        label = f"Your data store: {len(active)} {noun} ({', '.join(formats)})"
        credits = list(dict.fromkeys(str(b["attribution"]) for b in active if b.get("attribution")))
        return f"{label}; sources: {'; '.join(credits)}" if credits else label

    def version(self, name: str | None = None, as_of: str | None = None) -> str:
        """Changes whenever the active batches (of table ``name``, or of any table) change."""
        if as_of is not None:
            state: list[object] = [(b["table"], b["id"]) for b in self.active_at(name, as_of)]
            return "as-of-" + hashlib.sha256(json.dumps(state).encode()).hexdigest()[:16]
        records = self.batches(name)
        state = [(b["table"], b["id"], bool(b.get("withdrawn"))) for b in records]
        return hashlib.sha256(json.dumps(state).encode()).hexdigest()[:16]

    def sources(self) -> pd.DataFrame:
        """One row per batch: table, format, file name, SHA-256, rows, countries, period, attribution,
        and the events it added, revised and removed (``datasets.store_report.sources_frame``)."""
        return sources_frame(self.batches())

    def history(self) -> pd.DataFrame:
        """One row per change (ingest, withdrawal, restoration), oldest first (``history_frame``)."""
        return history_frame(self.batches())

    # ---- writing -----------------------------------------------------------------------------
    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.root.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(self.lock_path), timeout=LOCK_TIMEOUT_S)
        try:
            with lock:
                self._clean_leftovers()
                yield
        except Timeout as exc:
            raise StoreError("another upload is still being stored; try again in a moment") from exc

    def _clean_leftovers(self) -> None:
        """Remove what an interrupted writer left: staged files, and batch files no manifest names.

        A batch file is removed only when the manifest exists, does not name it, and is older
        than the file (the writer was stopped between the two renames). A store whose manifest
        is missing while batch files exist is refused rather than touched.
        """
        if self.staging.is_dir():
            for p in self.staging.iterdir():
                with contextlib.suppress(OSError):
                    p.unlink()
        files = [
            p
            for folder in (self.root / "batches", self.root / "removals")
            if folder.is_dir()
            for p in folder.glob("*/*.parquet")
        ]
        if not self.manifest_path.exists():
            if files:
                raise StoreError(
                    f"the store {self.root} holds batch files but no manifest.json; "
                    "restore the manifest from a backup before adding data"
                )
            return
        known = {path for b in self.batches() for path in (self.batch_path(b), self.removals_path(b))}
        written = self.manifest_path.stat().st_mtime_ns
        for p in files:
            with contextlib.suppress(OSError):
                if p not in known and p.stat().st_mtime_ns >= written:
                    p.unlink()

    def _stage(self, name: str) -> Path:
        self.staging.mkdir(parents=True, exist_ok=True)
        return self.staging / f"{name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"

    def _publish(self, tmp: Path, target: Path) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, target)
        _fsync_dir(target.parent)

    def _write_bytes(self, target: Path, data: bytes) -> None:
        tmp = self._stage(target.name)
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        self._publish(tmp, target)

    def _write_parquet(self, target: Path, table: pa.Table) -> None:
        tmp = self._stage(target.name)
        dictionary = [c for c in table.column_names if c in _LOW_CARDINALITY]
        with open(tmp, "wb") as fh:
            pq.write_table(
                table,
                fh,
                compression="zstd",
                use_dictionary=dictionary,
                write_statistics=[c for c in table.column_names if c not in ("notes", "name")],
            )
            fh.flush()
            os.fsync(fh.fileno())
        self._publish(tmp, target)

    def _write_manifest(self, manifest: dict[str, object]) -> None:
        manifest["manifest_version"] = MANIFEST_VERSION  # a version 1 store is upgraded here
        manifest["updated_at"] = _now()
        self._write_bytes(
            self.manifest_path, json.dumps(manifest, indent=1, ensure_ascii=False).encode("utf-8")
        )

    def _keys(self, name: str, exclude: str | None = None) -> pa.Array:
        schema = SCHEMAS[name]
        parts = []
        for b in self.active(name):
            if b["id"] == exclude:
                continue
            parts.append(key_strings(self._read_batch(b, list(schema.key)), schema.key))
        if not parts:
            return pa.array([], pa.string())
        return pa.concat_arrays(parts)

    def _next_seq(self, manifest: dict[str, object]) -> int:
        """The number of the next change (numbers continue after those already given)."""
        seen = [int(manifest.get("seq") or 0)]  # type: ignore[call-overload]
        for b in manifest["batches"]:  # type: ignore[union-attr]
            seen.append(int(b.get("seq") or 0))
            seen.extend(int(h.get("seq") or 0) for h in b.get("history") or [])
        manifest["seq"] = max(seen) + 1
        return int(manifest["seq"])  # type: ignore[call-overload]

    def _stored_copy(self, sha256: str, name: str) -> dict[str, object] | None:
        """The active batch of table ``name`` holding a file with this SHA-256, if any."""
        for b in self.active(name):
            if b.get("sha256") == sha256:
                return b
        return None

    def _new_id(self, sha: str, manifest: dict[str, object]) -> str:
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        taken = {b["id"] for b in manifest["batches"]}  # type: ignore[union-attr]
        while True:
            candidate = f"{stamp}-{sha[:8]}-{secrets.token_hex(2)}"
            if candidate not in taken:
                return candidate

    def full_export_of(self, upload: Upload, *, skip_invalid: bool = False) -> dict[str, object] | None:
        """The active batch a file looks like a newer full export of, if any.

        Detected when an earlier active batch of the same table came from the same sources and
        covered the same countries from the same first date, and the file reaches at least as far.
        """
        rows = _rows(upload, skip_invalid)
        if rows is None or rows.num_rows == 0:
            return None
        scope = _scope(rows, upload.table)
        for b in reversed(self.active(upload.table)):
            old = b.get("scope")
            if not isinstance(old, dict):
                continue
            if (
                old.get("sources") == scope["sources"]
                and old.get("countries") == scope["countries"]
                and old.get("first_date") == scope["first_date"]
                and str(old.get("last_date") or "") <= str(scope["last_date"] or "")
            ):
                return b
        return None

    def _carried(self, name: str, rows: pa.Table) -> tuple[pa.Table, list[str], pa.Table | None]:
        """``rows`` with the columns the file does not carry taken from the current rows
        (``revisions.carry_missing``), those columns' names, and the current rows (None: no
        current rows; read only when some optional column of ``rows`` is empty throughout)."""
        schema = SCHEMAS[name]
        optional = [c.name for c in schema.columns if c.nullable and c.name not in schema.key]
        if not any(rows[c].null_count == rows.num_rows for c in optional if c in rows.column_names):
            return rows, [], None
        current = self.read_table(name)
        rows, taken = revisions.carry_missing(rows, current, schema.key, optional)
        return rows, taken, current

    def _changes(
        self, name: str, rows: pa.Table, full_export: bool, current: pa.Table | None = None
    ) -> revisions.Changes:
        """What ``rows`` do to the current rows of ``name`` (removals only for a full export);
        ``current``: those rows when already read."""
        schema = SCHEMAS[name]
        current = self.read_table(name) if current is None else current
        mask = None
        if full_export and current is not None:
            scope = _scope(rows, name)
            mask = revisions.in_scope(
                current,
                sources=scope["sources"],  # type: ignore[arg-type]
                countries=scope["countries"] if name != "collaboration" else [],  # type: ignore[arg-type]
                first=dt.date.fromisoformat(str(scope["first_date"])) if scope["first_date"] else None,
                last=dt.date.fromisoformat(str(scope["last_date"])) if scope["last_date"] else None,
                date_column=_DATE_COLUMN[name],
            )
        return revisions.classify(rows, current, schema.key, mask)

    def preview(
        self, upload: Upload, *, full_export: bool = False, skip_invalid: bool = False
    ) -> dict[str, int]:
        """What storing ``upload`` would do, without storing it: counts of ``new``, ``revised``,
        ``duplicates`` and (for a full export) ``removed`` events."""
        rows = _rows(upload, skip_invalid)
        if rows is None or rows.num_rows == 0:
            return {"new": 0, "revised": 0, "duplicates": 0, "removed": 0}
        rows, _taken, current = self._carried(upload.table, rows)
        return self._changes(upload.table, rows, full_export, current).counts

    def add(
        self,
        upload: Upload,
        *,
        skip_invalid: bool = False,
        user: str | None = None,
        progress: Progress | None = None,
        coverage: tuple[dt.date, dt.date] | None = None,
        full_export: bool = False,
        count_unlisted: bool = False,
    ) -> IngestResult:
        """Store a checked file (``datasets.ingest.Upload``) as a new batch.

        ``coverage``: the first and last day the file covers, as the user states it
        (``datasets.coverage.parse_coverage``); else the importer's or the data's (see
        ``datasets.coverage``). The batch record keeps it in its ``coverage`` field.

        A file with any problem is refused unless ``skip_invalid``; then only its valid rows are
        stored and the rejected rows are written to ``<root>/rejects/<batch_id>.csv``. Rows whose
        key (incidents: source and event id) is current with the same values are skipped
        (duplicates); rows whose key is current with other values are stored as revisions, which
        supersede the earlier values (kept in their batch). With ``full_export``, current events
        of the file's sources, countries and span of dates that the file no longer lists are
        marked removed. A file whose SHA-256 matches an active batch adds nothing. A refused file
        does not touch the store. ``count_unlisted`` (without ``full_export``): count, in the same
        pass, the stored events of the file's scope it does not list (``IngestResult.unlisted``),
        nothing removed.
        """
        step: Progress = progress or (lambda _f, _m: None)
        name = upload.table
        base = dict(
            file_name=upload.file_name, table=name, format=upload.format, format_label=upload.format_label
        )
        rejected = upload.report.rejected_rows
        same = self._stored_copy(upload.sha256, name)
        if same is not None:
            return _already_stored(base, same)
        if upload.report.file_problems or upload.data is None:
            return _refused(base, upload.total_rows, upload.report.to_text())
        if not upload.report.ok and not skip_invalid:
            return _refused(base, rejected, upload.report.to_text())
        rows = _rows(upload, skip_invalid)
        if rows is None or rows.num_rows == 0:
            return _refused(
                base,
                rejected,
                f"{upload.file_name}: no row of the file is valid; nothing was stored.\n"
                + upload.report.to_text(),
            )
        scope = _scope(rows, name)
        # what the file covers, from all its valid rows: rows already stored (duplicates) still
        # show that the file spans their months, so its quiet months in between are observed zeros
        covered = _coverage(rows, name, upload, stated=coverage)
        step(0.92, "storing")
        with self._locked():
            manifest = self._manifest()
            same = self._stored_copy(upload.sha256, name)
            if same is not None:
                return _already_stored(base, same)
            rows, carried, current = self._carried(name, rows)
            changes = self._changes(name, rows, full_export or count_unlisted, current)
            del current
            kept = f" {_carried_note(carried)}" if carried else ""
            unlisted = 0
            if not full_export and len(changes.removed):  # counted, not removed
                unlisted = len(changes.removed)
                changes = dataclasses.replace(changes, removed=changes.removed.slice(0, 0))
            counts = changes.counts
            duplicates = counts["duplicates"]
            if duplicates:
                rows = rows.filter(pa.array(~changes.duplicate))
            if rows.num_rows == 0 and not counts["removed"]:
                return IngestResult(
                    **base,
                    status="nothing new",
                    batch_id=None,
                    rows_stored=0,
                    duplicates=duplicates,
                    rejected=rejected if skip_invalid else 0,
                    message=f"{upload.file_name}: every row is already stored; nothing was added.{kept}",
                    carried=tuple(carried),
                )
            batch_id = self._new_id(upload.sha256, manifest)
            record: dict[str, object] = {
                "id": batch_id,
                "table": name,
                "file_name": upload.file_name,
                "sha256": upload.sha256,
                "file_size": upload.size,
                "format": upload.format,
                "format_label": upload.format_label,
                "encoding": upload.parsed.encoding if upload.parsed else None,
                "delimiter": upload.parsed.delimiter_name if upload.parsed else None,
                "columns_used": upload.used,
                "attribution": upload.attribution,
                "rows_in_file": upload.total_rows,
                "rows_stored": rows.num_rows,
                "duplicates_skipped": duplicates,
                "rows_rejected": rejected if skip_invalid else 0,
                "new": counts["new"],
                "revised": counts["revised"],
                "removed": counts["removed"],
                "full_export": bool(full_export),
                "scope": scope,
                "ingested_at": _now(),
                "user": _user(user),
                "withdrawn": False,
                "notes": list(upload.report.notes) + ([_carried_note(carried)] if carried else []),
                **covered,
            }
            gone = None
            if counts["removed"]:
                keys = SCHEMAS[name].key
                gone = self.read_table(name, columns=list(keys))
                assert gone is not None  # rows were removed, so some are current
                gone = gone.filter(pc.is_in(key_strings(gone, keys), value_set=changes.removed))
            self._save_batch(record, rows, gone)
            rejects_path = None
            if skip_invalid and rejected:
                rejects_path = self._save_rejects(batch_id, upload.rejects_csv())
                record["rejects_file"] = f"rejects/{batch_id}.csv"
            record["seq"] = self._next_seq(manifest)
            manifest["batches"].append(record)  # type: ignore[union-attr]
            self._write_manifest(manifest)
        step(1.0, "stored")
        result = IngestResult(
            **base,
            status="stored",
            batch_id=batch_id,
            rows_stored=rows.num_rows,
            duplicates=duplicates,
            rejected=rejected if skip_invalid else 0,
            message="",
            rejects_path=rejects_path,
            new=counts["new"],
            revised=counts["revised"],
            removed=counts["removed"],
            unlisted=unlisted,
            carried=tuple(carried),
        )
        message = f"{upload.file_name}: stored as batch {batch_id}: {result.summary}.{kept}"
        return dataclasses.replace(result, message=message)

    def ingest(
        self,
        source: bytes | str | os.PathLike[str],
        file_name: str | None = None,
        *,
        table: str = "auto",
        format: str = "auto",
        mapping: ColumnMapping | None = None,
        skip_invalid: bool = False,
        user: str | None = None,
        progress: Progress | None = None,
        coverage: tuple[dt.date, dt.date] | None = None,
        earliest: dt.date | None = None,
        full_export: bool = False,
    ) -> IngestResult:
        """Read, check and store a file (``datasets.ingest.prepare`` then ``add``).

        ``coverage``: the span the file covers as the user states it; ``earliest``: the earliest
        plausible date of its rows (default per source, ``datasets.coverage.earliest_date``).

        Raises ``datasets.ingest.UnreadableFile`` for bytes that are not a readable CSV file.
        """
        if isinstance(source, bytes):
            data, name = source, file_name or "upload.csv"
        else:
            data, name = read_file(source), file_name or Path(source).name
        upload = prepare(
            data, name, table=table, format=format, mapping=mapping, progress=progress, earliest=earliest
        )
        return self.add(
            upload,
            skip_invalid=skip_invalid,
            user=user,
            progress=progress,
            full_export=full_export,
            coverage=coverage,
        )

    def _set_withdrawn(self, batch_id: str, withdrawn: bool, user: str | None) -> dict[str, object]:
        with self._locked():
            manifest = self._manifest()
            for b in manifest["batches"]:  # type: ignore[union-attr]
                if b["id"] == batch_id:
                    break
            else:
                raise StoreError(f"there is no batch '{batch_id}' in the store {self.location}")
            if bool(b.get("withdrawn")) == withdrawn:
                return dict(b)
            if not withdrawn and not revisions.needs_merge([b]):
                # restored rows may share keys with batches stored since: the newest one wins
                schema = SCHEMAS[str(b["table"])]
                mine = key_strings(self._read_batch(b, list(schema.key)), schema.key)
                others = self._keys(str(b["table"]), exclude=batch_id)
                if len(others) and pc.any(pc.is_in(mine, value_set=others)).as_py():
                    b["overlaps"] = True
            b["withdrawn"] = withdrawn
            b.setdefault("history", []).append(
                {
                    "action": "withdrawn" if withdrawn else "restored",
                    "at": _now(),
                    "user": _user(user),
                    "seq": self._next_seq(manifest),
                }
            )
            self._write_manifest(manifest)
            return dict(b)

    def withdraw(self, batch_id: str, *, user: str | None = None) -> dict[str, object]:
        """Flag a batch as withdrawn: it no longer counts; its file is kept."""
        return self._set_withdrawn(batch_id, True, user)

    def restore(self, batch_id: str, *, user: str | None = None) -> dict[str, object]:
        """Undo ``withdraw``. Where a batch stored since holds the same events, the newer values stay
        current (the restored batch's values are history until that batch is withdrawn)."""
        return self._set_withdrawn(batch_id, False, user)


def _coverage(
    rows: pa.Table,
    name: str,
    upload: Upload | None = None,
    *,
    stated: tuple[dt.date, dt.date] | None = None,
) -> dict[str, object]:
    """The coverage fields of a batch record: ``countries`` (sorted ISO3 of its rows), ``first_date``
    and ``last_date`` (of its rows), ``period_grain`` for annual sources, and ``coverage``: the
    countries and span the batch speaks for (``datasets.coverage.derive_coverage``: the user's
    statement ``stated``, else the importer's ``upload.info["coverage"]``, else the data), with the
    source it is counted under. The one place a batch's coverage is computed."""
    if name == "collaboration":
        flat = pc.list_flatten(rows["participants"])
        countries = sorted(str(c) for c in pc.unique(flat).to_pylist() if c)
    else:
        countries = sorted(str(c) for c in pc.unique(rows["iso3"]).to_pylist() if c)
    dates = rows[_DATE_COLUMN[name]]
    mm = pc.min_max(dates).as_py()
    first, last = mm["min"], mm["max"]
    out: dict[str, object] = {
        "countries": countries,
        "first_date": first.isoformat() if first else None,
        "last_date": last.isoformat() if last else None,
    }
    if "period_grain" in rows.column_names and pc.all(pc.equal(rows["period_grain"], "year")).as_py():
        out["period_grain"] = "year"  # an annual source: its periods are years
    fmt = upload.format if upload is not None else ""
    importer = upload.info.get("coverage") if upload is not None else None
    cover = derive_coverage(
        rows, name, fmt, stated=stated, importer=importer if isinstance(importer, dict) else None
    )
    cover["source"] = _source_name(rows, name, upload)
    out["coverage"] = cover
    return out


def _source_name(rows: pa.Table, name: str, upload: Upload | None) -> str:
    """The source a batch's coverage is counted under: the rows' ``source`` when they name one,
    else the layout's label (e.g. "UCDP GED")."""
    if "source" in rows.column_names and rows.num_rows:
        names = sorted(str(s) for s in pc.unique(rows["source"]).to_pylist() if s)
        if names:
            return ", ".join(names)
    return upload.format_label if upload is not None else name


def _rows(upload: Upload, skip_invalid: bool) -> pa.Table | None:
    """The rows of ``upload`` that would be stored: all of them, or its valid ones."""
    return upload.valid if skip_invalid else upload.data


def _scope(rows: pa.Table, name: str) -> dict[str, object]:
    """What a file covers, for recognising a newer full export: sources, countries, first and last date."""
    sources = sorted(str(s) for s in pc.unique(rows["source"]).to_pylist() if s)
    if name == "collaboration":
        countries = sorted(str(c) for c in pc.unique(pc.list_flatten(rows["participants"])).to_pylist() if c)
    else:
        countries = sorted(str(c) for c in pc.unique(rows["iso3"]).to_pylist() if c)
    mm = pc.min_max(rows[_DATE_COLUMN[name]]).as_py()
    return {
        "sources": sources,
        "countries": countries,
        "first_date": mm["min"].isoformat() if mm["min"] else None,
        "last_date": mm["max"].isoformat() if mm["max"] else None,
    }
