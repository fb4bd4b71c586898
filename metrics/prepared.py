"""The incidents of a store version, prepared once and opened in milliseconds.

``prepare(store)`` reads the store's current incidents, sorts them by country and date, builds the
incident cube (``metrics.cube.build_cube``) and writes both into the version's derived folder
(``datasets.derived``): ``incidents.arrow`` and the cube as four Arrow IPC files. Later opens of the
same version (``datasets.loaders.load_table`` and ``cube_of``) memory-map them instead of reading,
sorting and aggregating millions of rows again; every process and session shares the mapped pages.

``prepare_in_child`` runs the same preparation in a separate process (``python -m
metrics.prepared STORE``) and relays its progress lines, so the memory the sort and the
aggregation need is returned to the system when it ends rather than kept by a long-running app.

The cube's files, for any engine (codes are row positions in the small tables):

* ``cube.arrow``: ``country`` (int32 code), ``admin`` (int32 code), ``month`` (date32, first day),
  ``event_type`` (int8 code), ``fatality_class`` (int8: class k holds incidents with
  ``FATALITY_THRESHOLDS[k] ≤ fatalities < FATALITY_THRESHOLDS[k + 1]``), ``incidents`` (Σ events,
  an empty ``events`` counting 1), ``fatalities`` (Σ deaths), ``civ`` (incidents targeting
  civilians), ``civ_known`` (incidents whose civilian targeting is known);
* ``countries.arrow``: ``code, iso3, first_row, end_row`` (that country's rows of
  ``incidents.arrow``, which is sorted by ``iso3`` then ``event_date``);
* ``admins.arrow``: ``code, country, admin1, named`` (``named`` false for an empty admin1);
* ``event_types.arrow``: ``code, event_type``.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import subprocess
import sys
from collections.abc import Callable
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
from filelock import FileLock

from datasets import derived
from datasets.loaders import Dataset, counted_incidents, resolve_store, sort_incidents
from metrics.cube import IncidentCube, build_cube

Progress = Callable[[str], None]
#: Stores with at most this many stored incident rows are prepared in the app's own process; larger
#: ones in a child process (``prepare_in_child``).
IN_PROCESS_ROWS = 200_000
_BATCH_ROWS = 1 << 18


class PrepareError(RuntimeError):
    """The preparation of a store's incidents failed; the message says why in one sentence."""


def _quiet(_message: str) -> None:
    return None


def stored_rows(store: str | os.PathLike[str]) -> int:
    """Incident rows the store's active batches hold (new and revised rows; a bound of the current rows)."""
    from datasets.store import Store

    return sum(int(b.get("rows_stored", 0) or 0) for b in Store(store).active("incidents"))


def prepare(store: str | os.PathLike[str], progress: Progress = _quiet) -> Path | None:
    """Prepare the current incidents of ``store`` (once per version); the derived folder, or None
    when the store holds no incidents. Safe to call from several processes at once (a lock file
    lets one build while the others wait and then find it ready)."""
    from datasets.store import Store

    root = resolve_store(store)
    if root is None:
        raise ValueError("preparing the incidents needs a data store")
    st = Store(root)
    if not st.active("incidents"):
        return None
    version = st.version("incidents")
    folder = derived.derived_dir(root, version)
    if derived.ready(folder):
        return folder
    lock_root = derived.derived_root(root)
    lock_root.mkdir(parents=True, exist_ok=True)
    with FileLock(str(lock_root / "build.lock")):
        for _attempt in range(3):
            version = st.version("incidents")
            folder = derived.derived_dir(root, version)
            if derived.ready(folder):
                return folder
            progress("Reading the stored incidents")
            table = st.read_table("incidents")
            if table is None:
                return None
            if st.version("incidents") != version:  # an upload landed while reading: read again
                continue
            return _build(root, version, counted_incidents(table, root), progress)
    raise PrepareError("the incidents kept changing while they were being prepared; open the page again")


def _build(root: str | os.PathLike[str], version: str, table: pa.Table, progress: Progress) -> Path:
    progress(f"Sorting {table.num_rows:,} incidents by country and date")
    table = sort_incidents(table)
    staged = derived.staging_dir(root, version)
    try:
        progress("Writing the sorted incidents")
        derived.write_arrow(staged / "incidents.arrow", table, max_chunksize=_BATCH_ROWS)
        rows = table.num_rows
        del table
        mapped = derived.open_arrow(staged / "incidents.arrow")
        progress("Aggregating the incidents by country, admin1 unit, month, type and fatalities")
        cube = build_cube(mapped, presorted=True)
        progress("Writing the aggregates")
        save_cube(cube, staged)
        cells = len(cube.n)
        progress("Computing the conflict indicators of every region")
        _default_conflict(root, version, cube, staged)
        del cube, mapped
        return derived.publish(staged, root, version, {"rows": rows, "cells": cells})
    except BaseException:
        import shutil

        shutil.rmtree(staged, ignore_errors=True)
        raise


def prepare_in_child(
    store: str | os.PathLike[str], progress: Progress = _quiet, timeout: float = 3600
) -> Path | None:
    """``prepare(store)`` in a child process, its progress lines passed to ``progress``."""
    project = str(Path(__file__).resolve().parents[1])
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(p for p in (project, os.environ.get("PYTHONPATH")) if p),
    }
    cmd = [sys.executable, "-m", "metrics.prepared", str(store)]
    with subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=project
    ) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        result: str | None = None
        for line in proc.stdout:
            kind, _, text = line.rstrip("\n").partition(": ")
            if kind == "step":
                progress(text)
            elif kind == "ready":
                result = text
        errors = proc.stderr.read()
        if proc.wait(timeout=timeout) != 0:
            last = [x for x in errors.strip().splitlines() if x.strip()]
            raise PrepareError(last[-1] if last else f"the preparation stopped (exit code {proc.returncode})")
    return Path(result) if result else None


def prepare_for_app(store: str | os.PathLike[str], progress: Progress = _quiet) -> Path | None:
    """Prepare ``store``'s incidents for the app: in this process for a small store
    (``IN_PROCESS_ROWS``), else in a child process. None when there is nothing to prepare."""
    from datasets.store import Store

    st = Store(store)
    if not st.active("incidents"):
        return None
    folder = derived.derived_dir(store, st.version("incidents"))
    if derived.ready(folder):  # prepared already (by an ingest, or an earlier open): nothing to start
        return folder
    if stored_rows(store) <= IN_PROCESS_ROWS:
        return prepare(store, progress)
    return prepare_in_child(store, progress)


# --- frames kept beside the prepared incidents ------------------------------------------------------


@cache
def code_version() -> str:
    """A digest of the code that computes the numbers (``metrics``, ``datasets`` and
    ``reports/compute.py``): a stored frame of another version of the tool is never read."""
    here = Path(__file__).resolve().parents[1]
    files = sorted([*here.joinpath("metrics").glob("*.py"), *here.joinpath("datasets").rglob("*.py")])
    files.append(here / "reports" / "compute.py")
    digest = hashlib.sha256()
    for f in files:
        with contextlib.suppress(OSError):
            digest.update(f.name.encode() + f.read_bytes())
    return digest.hexdigest()[:16]


def regions_digest(regions: pd.DataFrame) -> str:
    """A digest of a regions table's content (the same rows give the same digest)."""
    values = pd.util.hash_pandas_object(regions.reset_index(drop=True), index=False).to_numpy()
    return hashlib.sha256(values.tobytes() + ",".join(regions.columns).encode()).hexdigest()[:16]


def stored_frame(
    folder: Path | None, name: str, key: tuple[object, ...], build: Callable[[], pd.DataFrame]
) -> pd.DataFrame:
    """``build()``, kept as ``<folder>/<name>-<digest of key and code>.parquet`` so that any later
    process asking for the same frame of the same data reads it instead of computing it again.
    Without a folder (the sample, a store read directly), or when the file cannot be written, the
    frame is only computed. The file read back equals the frame written (``DataFrame.equals``)."""
    if folder is None:
        return build()
    digest = hashlib.sha256(repr((key, code_version())).encode()).hexdigest()[:16]
    path = folder / f"{name}-{digest}.parquet"
    with contextlib.suppress(OSError, pa.ArrowException):
        return pd.read_parquet(path)
    frame = build()
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        frame.to_parquet(tmp, index=True)
        tmp.rename(path)
    except (OSError, pa.ArrowException, ValueError):
        with contextlib.suppress(OSError):
            tmp.unlink()
    return frame


def conflict_key(
    version: str, regions: pd.DataFrame, types: tuple[str, ...] | None, min_fatalities: int
) -> tuple:
    """The key of the all-regions conflict indicators: incidents version, regions, filters."""
    return ("conflict", version, regions_digest(regions), types, int(min_fatalities))


def _default_conflict(root: str | os.PathLike[str], version: str, cube: IncidentCube, folder: Path) -> None:
    """The conflict indicators of every region of the default regions (``$STABILITY_REGIONS``, else
    the bundled ones) without filters, as the Overview first asks for them."""
    from datasets.coverage import load_coverage
    from datasets.loaders import load_regions

    regions = load_regions(os.environ.get("STABILITY_REGIONS") or None)
    coverage = load_coverage(root, regions)
    coverage = coverage.loc[coverage["table"] == "incidents"].reset_index(drop=True)
    stored_frame(
        folder,
        "conflict",
        conflict_key(version, regions, None, 0),
        lambda: conflict_all(cube, regions, None, 0, coverage),
    )


def conflict_all(
    incidents: pa.Table | IncidentCube,
    regions: pd.DataFrame,
    types: tuple[str, ...] | None,
    min_fatalities: int,
    coverage: pd.DataFrame | None = None,
    signals: bool = True,
    trend_at: str | None = None,
) -> pd.DataFrame:
    """Conflict indicators of every region of ``regions`` under the incident filters, over the
    covered members (``metrics.conflict.conflict_indicators`` with the bundled population;
    ``signals=False``: without the trend and alarm; ``trend_at``: of the signals only the trend in
    that month)."""
    from datasets.loaders import load_population
    from metrics.conflict import conflict_indicators

    return conflict_indicators(
        incidents,
        regions,
        event_types=types,
        min_fatalities=min_fatalities,
        coverage=coverage,
        population=load_population(),
        signals=signals,
        trend_at=trend_at,
    )


# --- the cube on disk ---------------------------------------------------------------------------


def save_cube(cube: IncidentCube, folder: Path) -> None:
    """Write ``cube`` as ``cube.arrow``, ``countries.arrow``, ``admins.arrow``, ``event_types.arrow``."""
    months = (cube.month.astype(np.int64) + cube.first_month - (1970 * 12)).astype("datetime64[M]")
    cells = pa.table(
        {
            "country": pa.array(cube.country, pa.int32()),
            "admin": pa.array(cube.admin, pa.int32()),
            "month": pa.array(months.astype("datetime64[D]"), pa.date32()),
            "event_type": pa.array(cube.etype, pa.int8()),
            "fatality_class": pa.array(cube.fclass, pa.int8()),
            "incidents": pa.array(cube.n, pa.float64()),
            "fatalities": pa.array(cube.f, pa.float64()),
            "civ": pa.array(cube.civ, pa.float64()),
            "civ_known": pa.array(cube.known, pa.float64()),
        }
    )
    derived.write_arrow(folder / "cube.arrow", cells)  # one record batch: zero-copy columns on open
    ranges = [cube.row_ranges.get(str(iso), (0, 0)) for iso in cube.countries]
    countries = pa.table(
        {
            "code": pa.array(np.arange(len(cube.countries)), pa.int32()),
            "iso3": pa.array([str(c) for c in cube.countries], pa.string()),
            "first_row": pa.array([a for a, _ in ranges], pa.int64()),
            "end_row": pa.array([b for _, b in ranges], pa.int64()),
        }
    )
    derived.write_arrow(folder / "countries.arrow", countries)
    admins = pa.table(
        {
            "code": pa.array(np.arange(len(cube.admin_country)), pa.int32()),
            "country": pa.array(cube.admin_country, pa.int32()),
            "admin1": pa.array(_admin_names(cube), pa.string()),
            "named": pa.array(cube.admin_named, pa.bool_()),
        }
    )
    derived.write_arrow(folder / "admins.arrow", admins)
    types = pa.table(
        {
            "code": pa.array(np.arange(len(cube.event_types)), pa.int8()),
            "event_type": pa.array([str(t) for t in cube.event_types], pa.string()),
        }
    )
    derived.write_arrow(folder / "event_types.arrow", types)


def _admin_names(cube: IncidentCube) -> list[str]:
    return (
        [str(a) for a in cube.admin_names] if cube.admin_names is not None else [""] * len(cube.admin_country)
    )


def _column(table: pa.Table, name: str, dtype: type | np.dtype) -> np.ndarray:
    column = table.column(name)
    chunk = column.chunk(0) if column.num_chunks == 1 else column.combine_chunks()
    return chunk.to_numpy(zero_copy_only=False).astype(dtype, copy=False)


def load_cube(folder: Path, incidents: pa.Table) -> IncidentCube:
    """The cube saved in ``folder`` (memory-mapped), over ``incidents`` (its ``incidents.arrow``)."""
    cells = derived.open_arrow(folder / "cube.arrow")
    countries = derived.open_arrow(folder / "countries.arrow")
    admins = derived.open_arrow(folder / "admins.arrow")
    types = derived.open_arrow(folder / "event_types.arrow")
    month_days = _column(cells, "month", "datetime64[D]")
    months = month_days.astype("datetime64[M]").astype(np.int64) + 1970 * 12
    first = int(months.min()) if len(months) else 0
    n_months = int(months.max()) - first + 1 if len(months) else 0
    iso = np.asarray(countries.column("iso3").to_pylist(), dtype=object)
    ranges = {
        str(i): (int(a), int(b))
        for i, a, b in zip(
            iso,
            countries.column("first_row").to_pylist(),
            countries.column("end_row").to_pylist(),
            strict=True,
        )
        if b > a
    }
    days = (
        incidents.column("event_date").cast(pa.int32()).to_numpy()
        if incidents.num_rows
        else np.zeros(0, dtype=np.int32)
    )
    return IncidentCube(
        countries=iso,
        admin_country=_column(admins, "country", np.int64),
        admin_named=_column(admins, "named", bool),
        event_types=np.asarray(types.column("event_type").to_pylist(), dtype=object),
        first_month=first,
        n_months=n_months,
        country=_column(cells, "country", np.int32),
        admin=_column(cells, "admin", np.int32),
        month=(months - first).astype(np.int32),
        etype=_column(cells, "event_type", np.int8),
        fclass=_column(cells, "fatality_class", np.int8),
        n=_column(cells, "incidents", np.float64),
        f=_column(cells, "fatalities", np.float64),
        civ=_column(cells, "civ", np.float64),
        known=_column(cells, "civ_known", np.float64),
        incidents=incidents,
        row_ranges=ranges,
        days=days,
        admin_names=np.asarray(admins.column("admin1").to_pylist(), dtype=object),
    )


def cube_of(dataset: Dataset) -> IncidentCube:
    """The cube of a loaded incidents table: read from its derived folder when it was opened from
    one (``Dataset.derived``), else built from the rows (``build_cube``)."""
    if dataset.derived is not None:
        with contextlib.suppress(OSError, pa.ArrowInvalid, KeyError):
            return load_cube(dataset.derived, dataset.table)
    return build_cube(dataset.table)


def main(argv: list[str] | None = None) -> int:
    """``python -m metrics.prepared STORE``: prepare, printing ``step: …`` lines and ``ready: FOLDER``."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m metrics.prepared STORE", file=sys.stderr)
        return 2
    try:
        folder = prepare(args[0], lambda m: print(f"step: {m}", flush=True))
    except Exception as exc:  # noqa: BLE001 (one sentence for the parent, not a traceback)
        print(f"{type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    print(f"ready: {folder}" if folder else "ready: ", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
