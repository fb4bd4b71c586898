"""The user's data store: immutable Parquet batches plus a manifest, never losing data.

Layout of a store directory::

    <root>/manifest.json                      every batch and its provenance (written last)
    <root>/batches/<table>/<batch_id>.parquet one upload's rows (zstd), never changed or deleted
    <root>/rejects/<batch_id>.csv             rows refused when only the valid rows were kept
    <root>/mappings/<name>.json               saved column mappings
    <root>/.lock                              serialises writers (``filelock``)
    <root>/.staging/                          temporary files of a write in progress

A write stages each file under ``.staging``, flushes it to disk, renames it into place, then
writes the manifest the same way, last. A crash or a kill at any moment leaves the manifest as it
was, so readers see the store as it was; the next writer removes what the interrupted one left
(staged files, batch files no manifest names). Writers take the lock, so two uploads at the same
time both land. Withdrawing a batch only flags it in the manifest.

Where the store is: ``--store DIR``, else ``$STABILITY_STORE``; ``stability ingest`` with neither
uses ``default_store_dir()`` (``platformdirs.user_data_dir("regional-stability-monitor")/store``,
e.g. ``~/.local/share/regional-stability-monitor/store`` on Linux).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import getpass
import hashlib
import json
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from filelock import FileLock, Timeout

from datasets.coverage import derive_coverage
from datasets.ingest import ColumnMapping, Progress, Upload, key_strings, prepare, read_file
from datasets.schema import SCHEMAS, conform

__all__ = ["IngestResult", "Store", "StoreError", "default_store_dir"]

APP_NAME = "regional-stability-monitor"
MANIFEST_VERSION = 1
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
    batch), ``nothing new`` (every row's key already stored), or ``refused`` (nothing stored).
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
    rejects_path: Path | None = None

    @property
    def ok(self) -> bool:
        return self.status != "refused"


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


class Store:
    """A store directory (it need not exist until the first write)."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).expanduser()

    # ---- paths -------------------------------------------------------------------------------
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
        if not isinstance(data, dict) or not isinstance(data.get("batches"), list):
            raise StoreError(f"the store's manifest {self.manifest_path} is not a manifest of this tool")
        return data

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

    def read_table(self, name: str, columns: list[str] | None = None) -> pa.Table | None:
        """Union of the active batches of table ``name``, conformed to its schema; None when none."""
        if name not in SCHEMAS:
            raise ValueError(f"unknown table '{name}'")
        active = self.active(name)
        if not active:
            return None
        schema = SCHEMAS[name]
        parts = []
        for b in active:
            path = self.batch_path(b)
            try:
                t = pq.read_table(path, columns=columns)
            except FileNotFoundError as exc:
                raise StoreError(
                    f"batch {b['id']} is listed in the store but its file {path} is missing"
                ) from exc
            parts.append(t if columns is not None else conform(t, schema))
        table = pa.concat_tables(parts) if len(parts) > 1 else parts[0]
        return table

    def label(self, name: str) -> str:
        """E.g. "Your data store: 2 batches (ACLED export, UCDP GED)", followed by the attribution
        each source requires ("; sources: SIPRI Arms Transfers Database, © SIPRI") when known."""
        active = self.active(name)
        formats = list(dict.fromkeys(str(b.get("format_label", b.get("format", ""))) for b in active))
        noun = "batch" if len(active) == 1 else "batches"
        label = f"Your data store: {len(active)} {noun} ({', '.join(formats)})"
        credits = list(dict.fromkeys(str(b["attribution"]) for b in active if b.get("attribution")))
        return f"{label}; sources: {'; '.join(credits)}" if credits else label

    def version(self, name: str | None = None) -> str:
        """Changes whenever the active batches (of table ``name``, or of any table) change."""
        records = self.batches(name)
        state = [(b["table"], b["id"], bool(b.get("withdrawn"))) for b in records]
        return hashlib.sha256(json.dumps(state).encode()).hexdigest()[:16]

    def sources(self) -> pd.DataFrame:
        """One row per batch: table, format, file name, SHA-256, rows, countries, period, attribution."""
        cols = [
            "batch_id",
            "table",
            "format",
            "file_name",
            "sha256",
            "rows_stored",
            "duplicates_skipped",
            "rows_rejected",
            "countries",
            "first_period",
            "last_period",
            "attribution",
            "ingested_at",
            "user",
            "withdrawn",
        ]
        rows = []
        for b in self.batches():
            rows.append(
                {
                    "batch_id": b["id"],
                    "table": b["table"],
                    "format": b.get("format_label", b.get("format")),
                    "file_name": b.get("file_name"),
                    "sha256": b.get("sha256"),
                    "rows_stored": b.get("rows_stored"),
                    "duplicates_skipped": b.get("duplicates_skipped"),
                    "rows_rejected": b.get("rows_rejected"),
                    "countries": " ".join(b.get("countries") or []),  # type: ignore[arg-type]
                    "first_period": (b.get("first_date") or "")[: _width(b)] or None,  # type: ignore[index]
                    "last_period": (b.get("last_date") or "")[: _width(b)] or None,  # type: ignore[index]
                    "attribution": b.get("attribution"),
                    "ingested_at": b.get("ingested_at"),
                    "user": b.get("user"),
                    "withdrawn": bool(b.get("withdrawn")),
                }
            )
        return pd.DataFrame(rows, columns=cols)

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
        folder = self.root / "batches"
        files = list(folder.glob("*/*.parquet")) if folder.is_dir() else []
        if not self.manifest_path.exists():
            if files:
                raise StoreError(
                    f"the store {self.root} holds batch files but no manifest.json; "
                    "restore the manifest from a backup before adding data"
                )
            return
        known = {self.batch_path(b) for b in self.batches()}
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
            t = pq.read_table(self.batch_path(b), columns=list(schema.key))
            parts.append(key_strings(t, schema.key))
        if not parts:
            return pa.array([], pa.string())
        return pa.concat_arrays(parts)

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

    def add(
        self,
        upload: Upload,
        *,
        skip_invalid: bool = False,
        user: str | None = None,
        progress: Progress | None = None,
        coverage: tuple[dt.date, dt.date] | None = None,
    ) -> IngestResult:
        """Store a checked file (``datasets.ingest.Upload``) as a new batch.

        ``coverage``: the first and last day the file covers, as the user states it
        (``datasets.coverage.parse_coverage``); else the importer's or the data's (see
        ``datasets.coverage``). The batch record keeps it in its ``coverage`` field.

        A file with any problem is refused unless ``skip_invalid``; then only its valid rows are
        stored and the rejected rows are written to ``<root>/rejects/<batch_id>.csv``. Rows whose
        key (incidents: source and event id) is already in an active batch are skipped; a file
        whose SHA-256 matches an active batch adds nothing. A refused file does not touch the store.
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
        rows = upload.valid if skip_invalid else upload.data
        if rows.num_rows == 0:
            return _refused(
                base,
                rejected,
                f"{upload.file_name}: no row of the file is valid; nothing was stored.\n"
                + upload.report.to_text(),
            )
        schema = SCHEMAS[name]
        step(0.92, "storing")
        with self._locked():
            manifest = self._manifest()
            same = self._stored_copy(upload.sha256, name)
            if same is not None:
                return _already_stored(base, same)
            stored_keys = self._keys(name)
            duplicates = 0
            if len(stored_keys):
                seen = pc.is_in(key_strings(rows, schema.key), value_set=stored_keys)
                duplicates = int(pc.sum(seen).as_py() or 0)
                if duplicates:
                    rows = rows.filter(pc.invert(seen))
            if rows.num_rows == 0:
                return IngestResult(
                    **base,
                    status="nothing new",
                    batch_id=None,
                    rows_stored=0,
                    duplicates=duplicates,
                    rejected=rejected if skip_invalid else 0,
                    message=f"{upload.file_name}: every row is already stored; nothing was added.",
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
                "ingested_at": _now(),
                "user": _user(user),
                "withdrawn": False,
                "notes": list(upload.report.notes),
                **_coverage(rows, name, upload, stated=coverage),
            }
            target = self.batch_path(record)
            self._write_parquet(target, rows)
            rejects_path = None
            if skip_invalid and rejected:
                rejects_path = self.rejects_path(batch_id)
                self._write_bytes(rejects_path, upload.rejects_csv())
                record["rejects_file"] = str(rejects_path.relative_to(self.root))
            manifest["batches"].append(record)  # type: ignore[union-attr]
            self._write_manifest(manifest)
        step(1.0, "stored")
        parts = [f"{rows.num_rows} rows stored as batch {batch_id}"]
        if duplicates:
            parts.append(f"{duplicates} already stored")
        if skip_invalid and rejected:
            parts.append(f"{rejected} rejected")
        return IngestResult(
            **base,
            status="stored",
            batch_id=batch_id,
            rows_stored=rows.num_rows,
            duplicates=duplicates,
            rejected=rejected if skip_invalid else 0,
            message=f"{upload.file_name}: " + "; ".join(parts) + ".",
            rejects_path=rejects_path,
        )

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
        return self.add(upload, skip_invalid=skip_invalid, user=user, progress=progress, coverage=coverage)

    def _set_withdrawn(self, batch_id: str, withdrawn: bool, user: str | None) -> dict[str, object]:
        with self._locked():
            manifest = self._manifest()
            for b in manifest["batches"]:  # type: ignore[union-attr]
                if b["id"] == batch_id:
                    break
            else:
                raise StoreError(f"there is no batch '{batch_id}' in the store {self.root}")
            if bool(b.get("withdrawn")) == withdrawn:
                return dict(b)
            if not withdrawn:
                schema = SCHEMAS[str(b["table"])]
                mine = pq.read_table(self.batch_path(b), columns=list(schema.key))
                others = self._keys(str(b["table"]), exclude=batch_id)
                overlap = int(pc.sum(pc.is_in(key_strings(mine, schema.key), value_set=others)).as_py() or 0)
                if overlap:
                    raise StoreError(
                        f"batch {batch_id} cannot be restored: {overlap} of its rows are stored again in "
                        "another active batch; withdraw that batch first"
                    )
            b["withdrawn"] = withdrawn
            b.setdefault("history", []).append(
                {"action": "withdrawn" if withdrawn else "restored", "at": _now(), "user": _user(user)}
            )
            self._write_manifest(manifest)
            return dict(b)

    def withdraw(self, batch_id: str, *, user: str | None = None) -> dict[str, object]:
        """Flag a batch as withdrawn: it no longer counts; its file is kept."""
        return self._set_withdrawn(batch_id, True, user)

    def restore(self, batch_id: str, *, user: str | None = None) -> dict[str, object]:
        """Undo ``withdraw``; refused when its rows are now stored by another active batch."""
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


def _width(record: dict[str, object]) -> int:
    """Characters of a date that make its period: 4 (``YYYY``) for annual sources, else 7 (``YYYY-MM``)."""
    return 4 if record.get("period_grain") == "year" else 7
