"""Files derived from one version of a store's incidents, kept beside the store.

Opening the archive must not mean reading and sorting millions of rows again. For each version of
the incidents table (``Store.version("incidents")``) the app prepares, once, a folder of plain
Arrow IPC files that any engine reads (pyarrow, polars, DuckDB through Arrow) and that the app
memory-maps, so every session of every app process on the machine shares the same pages and only
the pages a query touches are read::

    <store>/derived/incidents-<version>/
        incidents.arrow     the current incidents, sorted by iso3 then event_date (uncompressed)
        cube.arrow          the incident cube's cells (``metrics.prepared``)
        countries.arrow     the cube's country codes: code, iso3, first_row, end_row (rows of
                            incidents.arrow)
        admins.arrow        the cube's admin1 codes: code, country code, admin1, named
        event_types.arrow   the cube's event-type codes: code, event_type
        ready.json          written last: format, version, rows, cells, built_at; a folder without
                            it is unfinished and never read

A store on object storage (``s3://``) keeps its derived files in the user's cache folder
(``$STABILITY_CACHE`` if set), one folder per store URL. Derived files are a cache: deleting the
``derived`` folder loses nothing, and the next open prepares them again. Folders of earlier
versions are removed when a newer one is ready.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import shutil
from pathlib import Path

import pyarrow as pa

#: Version of the derived files' layout and content; a folder of another format is prepared again.
#: 2: the incidents hold one source per country-month (``datasets.precedence``).
DERIVED_FORMAT = 2
CACHE_ENV = "STABILITY_CACHE"
_READY = "ready.json"
_PREFIX = "incidents-"


def derived_root(store: str | os.PathLike[str]) -> Path:
    """Where the derived files of ``store`` live: ``<store>/derived`` for a folder; for an ``s3://``
    store, ``$STABILITY_CACHE`` (else the user's cache folder) / ``derived-<hash of the URL>``."""
    text = str(store)
    if text.startswith("s3://"):
        base = os.environ.get(CACHE_ENV)
        if not base:
            from platformdirs import user_cache_dir

            base = user_cache_dir("regional-stability-monitor")
        digest = hashlib.sha256(text.rstrip("/").encode()).hexdigest()[:16]
        return Path(base).expanduser() / f"derived-{digest}"
    return Path(store).expanduser() / "derived"


def derived_dir(store: str | os.PathLike[str], version: str) -> Path:
    """The folder of the derived files of incidents version ``version``."""
    return derived_root(store) / f"{_PREFIX}{version}"


def ready(folder: Path) -> dict[str, object] | None:
    """The ``ready.json`` record of a finished folder of the current format, else None."""
    try:
        record = json.loads((folder / _READY).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if record.get("format") == DERIVED_FORMAT else None


def open_arrow(path: Path) -> pa.Table:
    """An Arrow IPC file as a table, memory-mapped (zero copy: pages are read when touched)."""
    return pa.ipc.open_file(pa.memory_map(str(path), "r")).read_all()


def write_arrow(path: Path, table: pa.Table, *, max_chunksize: int | None = None) -> None:
    """Write ``table`` as an uncompressed Arrow IPC file (memory-mappable)."""
    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table, max_chunksize=max_chunksize)


def staging_dir(store: str | os.PathLike[str], version: str) -> Path:
    """A fresh folder to write version ``version``'s files into before ``publish``."""
    root = derived_root(store)
    root.mkdir(parents=True, exist_ok=True)
    folder = root / f".{_PREFIX}{version}.{os.getpid()}.tmp"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    return folder


def publish(staged: Path, store: str | os.PathLike[str], version: str, record: dict[str, object]) -> Path:
    """Finish a staged folder: write ``ready.json`` (format, version, built_at and ``record``), move
    it into place in one rename, and remove the folders of other versions. Returns its folder."""
    info = {"format": DERIVED_FORMAT, "version": version, "built_at": dt.datetime.now(dt.UTC).isoformat()}
    (staged / _READY).write_text(json.dumps({**info, **record}, indent=1), encoding="utf-8")
    target = derived_dir(store, version)
    if target.exists():  # an unfinished or older-format folder of this version
        shutil.rmtree(target, ignore_errors=True)
    staged.rename(target)
    prune(store, keep=version)
    return target


def prune(store: str | os.PathLike[str], keep: str) -> list[Path]:
    """Remove the derived folders of versions other than ``keep`` and stale staging folders.

    A process that still maps an old file keeps reading it (the file is unlinked, not changed)."""
    root = derived_root(store)
    removed = []
    if not root.is_dir():
        return removed
    for folder in root.iterdir():
        if folder.name == f"{_PREFIX}{keep}" or folder.suffix == ".lock":
            continue
        if folder.name.startswith(".") and folder.name.endswith(f".{os.getpid()}.tmp"):
            continue  # this process is writing it
        with contextlib.suppress(OSError):
            shutil.rmtree(folder) if folder.is_dir() else folder.unlink()
            removed.append(folder)
    return removed


__all__ = [
    "CACHE_ENV",
    "DERIVED_FORMAT",
    "derived_dir",
    "derived_root",
    "open_arrow",
    "prune",
    "publish",
    "ready",
    "staging_dir",
    "write_arrow",
]
