"""Benchmark: ``stability ingest`` of an ACLED-layout CSV against a bare ``pyarrow.csv.read_csv`` of it.

Usage::

    python benchmarks/bench_ingest.py                    # 1,000,000 and 3,000,000 rows
    python benchmarks/bench_ingest.py 1000000            # one size
    python benchmarks/bench_ingest.py 300000 --repeat 1

For each size, generates a synthetic ACLED export (current layout, 31 columns, seeded; 5 % of
the notes hold a line break) in a temporary directory, then times (best of ``--repeat`` runs each):

- ``read_csv``: ``pyarrow.csv.read_csv(path, parse_options=ParseOptions(newlines_in_values=True))``
  with default type inference (the floor: a bare read of a file whose notes hold line breaks);
- ``ingest``: ``stability ingest FILE --store NEW`` (in this process) into a new local store (Delta
  Lake) -- reading the bytes, SHA-256, parsing, converting and checking every row, appending the
  batch, committing the manifest and writing the current table. The upload limit
  (``STABILITY_MAX_UPLOAD_MB``) is raised above the file's size, as a user with a larger file would.

The two are timed alternately (after one untimed read that warms the page cache).

Prints both times in seconds, the rows per second of the ingest and the ratio ingest/read_csv;
the last line is ``BENCH {"results": [...]}``, one result per size, for ``./dev bench``.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

HEADER = [
    "event_id_cnty",
    "event_date",
    "year",
    "time_precision",
    "disorder_type",
    "event_type",
    "sub_event_type",
    "actor1",
    "assoc_actor_1",
    "inter1",
    "actor2",
    "assoc_actor_2",
    "inter2",
    "interaction",
    "civilian_targeting",
    "iso",
    "region",
    "country",
    "admin1",
    "admin2",
    "admin3",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "source_scale",
    "notes",
    "fatalities",
    "tags",
    "timestamp",
]
_COUNTRIES = [
    ("NGA", 566, "Nigeria"),
    ("MLI", 466, "Mali"),
    ("UKR", 804, "Ukraine"),
    ("SYR", 760, "Syria"),
    ("MMR", 104, "Myanmar"),
    ("CIV", 384, "Ivory Coast"),
    ("COD", 180, "Democratic Republic of Congo"),
    ("TUR", 792, "Turkey"),
]
_TYPES = np.array(
    [
        "Battles",
        "Explosions/Remote violence",
        "Violence against civilians",
        "Protests",
        "Riots",
        "Strategic developments",
    ]
)


#: Share of rows whose ``notes`` hold a line break (quoted), as in real ACLED exports.
NOTES_WITH_LINE_BREAKS = 0.05


def generate(n: int, path: Path, seed: int = 1) -> None:
    """Write ``n`` synthetic ACLED rows (dates 2016-2024) to ``path`` in chunks of 250,000; about
    ``NOTES_WITH_LINE_BREAKS`` of them carry a line break inside their (quoted) notes."""
    rng = np.random.default_rng(seed)
    chunk = 250_000
    with pacsv.CSVWriter(
        str(path),
        pa.schema([pa.field(h, pa.string()) for h in HEADER]),
        write_options=pacsv.WriteOptions(quoting_style="needed"),
    ) as writer:
        for start in range(0, n, chunk):
            m = min(chunk, n - start)
            ci = rng.integers(0, len(_COUNTRIES), m)
            iso3 = np.array([c[0] for c in _COUNTRIES])[ci]
            names = np.array([c[2] for c in _COUNTRIES])[ci]
            codes = np.array([str(c[1]) for c in _COUNTRIES])[ci]
            dates = (np.datetime64("2016-01-01") + rng.integers(0, 3200, m)).astype(str)
            et = _TYPES[rng.integers(0, len(_TYPES), m)]
            ids = np.char.add(iso3, (np.arange(start, start + m)).astype(str))
            cols = {
                "event_id_cnty": ids,
                "event_date": dates,
                "year": dates.astype("U4"),
                "time_precision": rng.integers(1, 4, m).astype(str),
                "disorder_type": np.where(et == "Protests", "Demonstrations", "Political violence"),
                "event_type": et,
                "sub_event_type": np.char.add(et, " (sub-type)"),
                "actor1": np.char.add("Military Forces of ", names),
                "assoc_actor_1": np.full(m, ""),
                "inter1": rng.integers(1, 8, m).astype(str),
                "actor2": np.char.add(np.char.add("Civilians (", names), ")"),
                "assoc_actor_2": np.full(m, ""),
                "inter2": rng.integers(0, 8, m).astype(str),
                "interaction": rng.integers(10, 80, m).astype(str),
                "civilian_targeting": np.where(et == "Violence against civilians", "Civilian targeting", ""),
                "iso": codes,
                "region": np.full(m, "Somewhere"),
                "country": names,
                "admin1": np.char.add("Province ", rng.integers(1, 30, m).astype(str)),
                "admin2": np.full(m, "District"),
                "admin3": np.full(m, ""),
                "location": np.char.add("Town ", rng.integers(1, 500, m).astype(str)),
                "latitude": np.round(rng.uniform(-30, 50, m), 4).astype(str),
                "longitude": np.round(rng.uniform(-20, 100, m), 4).astype(str),
                "geo_precision": rng.integers(1, 4, m).astype(str),
                "source": np.full(m, "Local newspaper; Radio"),
                "source_scale": np.full(m, "National"),
                "notes": np.where(
                    rng.random(m) < NOTES_WITH_LINE_BREAKS,
                    np.char.add("On this date, an armed group attacked a position.\nReported: ", names),
                    np.char.add(
                        "On this date, an armed group, with rifles, attacked a position near the town. ",
                        rng.integers(0, 10**6, m).astype(str),
                    ),
                ),
                "fatalities": rng.poisson(1.5, m).astype(str),
                "tags": np.full(m, ""),
                "timestamp": np.full(m, "1700000000"),
            }
            writer.write_table(pa.table({h: pa.array(cols[h], pa.string()) for h in HEADER}))


def best_of(repeat: int, fn: object) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - t0)
    return min(times)


#: Target: the ingest takes at most this many times the bare ``read_csv``.
TARGET_RATIO = 2.0


def measure(rows: int, repeat: int, tmp: Path) -> list[dict[str, object]]:
    """Time ``read_csv`` and ``stability ingest --no-prepare`` on ``rows`` generated rows, then the
    preparation ``stability ingest`` does after storing (``stability store prepare``) on its own;
    print the figures and return the result entries of the ``BENCH`` line."""
    from datasets.ingest import DEFAULT_MAX_UPLOAD_MB, MAX_UPLOAD_ENV
    from datasets.store import Store
    from stability.cli import main as cli

    path = tmp / f"acled-{rows}.csv"
    generate(rows, path)
    size_mb = path.stat().st_size / 1e6
    # 3 M rows are 1.3 GB, above the default upload limit (1 GB): raised as a user would
    os.environ[MAX_UPLOAD_ENV] = str(max(int(size_mb) * 2, DEFAULT_MAX_UPLOAD_MB))
    opts = pacsv.ParseOptions(newlines_in_values=True)
    pacsv.read_csv(path, parse_options=opts)  # warm the page cache: both timings read from memory
    reads, ingests, prepares = [], [], []
    for k in range(repeat):  # interleaved, so a busy machine slows both alike
        reads.append(best_of(1, lambda: pacsv.read_csv(path, parse_options=opts)))
        store = tmp / f"store-{rows}-{k}"

        def ingest(store: Path = store) -> None:
            with contextlib.redirect_stdout(io.StringIO()):
                code = cli(["ingest", str(path), "--store", str(store), "--no-prepare"])
            assert code == 0, f"stability ingest exited with {code}"

        def prepare(store: Path = store) -> None:
            with contextlib.redirect_stdout(io.StringIO()):
                assert cli(["store", "prepare", "--store", str(store)]) == 0

        ingests.append(best_of(1, ingest))
        prepares.append(best_of(1, prepare))
        batches = Store(store).batches()
        assert [b["rows_stored"] for b in batches] == [rows], batches
        shutil.rmtree(store, ignore_errors=True)
    read, full = min(reads), min(ingests)
    ratio = full / read
    print(f"rows: {rows:,}  file: {size_mb:,.0f} MB")
    print(f"pyarrow.csv.read_csv (newlines_in_values=True): {read:.2f} s")
    print(f"stability ingest (parse, check, store): {full:.2f} s  ({rows / full:,.0f} rows/s)")
    print(f"ratio ingest / read_csv: {ratio:.2f}", flush=True)
    print(f"then preparing the dashboard's copy (sort, cube, files): {min(prepares):.2f} s", flush=True)
    path.unlink()
    return [
        {
            "measure": f"ingest of {rows:,} ACLED rows vs read_csv",
            "target": f"≤ {TARGET_RATIO:.1f} ×",
            "value": f"{ratio:.2f} ×",
            "met": ratio <= TARGET_RATIO,
        },
        {
            "measure": f"preparing {rows:,} incidents for the dashboard, after the ingest",
            "target": "once per data version",
            "value": f"{min(prepares):.1f} s",
            "met": None,
        },
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "rows",
        nargs="*",
        type=int,
        default=[1_000_000, 3_000_000],
        help="rows to generate, one run per size (default 1,000,000 and 3,000,000)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs of each timing; the best is kept")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    try:
        results = [entry for n in args.rows for entry in measure(n, args.repeat, tmp)]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("BENCH " + json.dumps({"results": results}, ensure_ascii=False))


if __name__ == "__main__":
    main()
