"""Server-side rerun time of dashboard pages after a filter change, and memory, at archive scale.

Run: ``python benchmarks/bench_dashboard.py [N]`` (default 3,000,000 incidents). It writes N
synthetic ACLED-like incidents into a temporary store, then drives the real app with Streamlit's
AppTest (the same script a browser session runs, without the browser): the first load, then
filter changes on the Overview, Region and Conflict pages, each a value not seen before, so
nothing comes from a cache of that exact view. Reported: median script time per filter change,
and the process's resident memory against the Arrow size of the incidents.

Targets: a filter change under 100 ms server-side; memory within 1.5 × the data's Arrow size.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import acled_like  # noqa: E402

APP = Path(__file__).resolve().parents[1] / "dashboard" / "app.py"


def _rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def prepare(store: Path, n: int) -> None:
    """Write ``n`` synthetic incidents into ``store`` through the real ingest (run in a child process,
    so the memory it needs is not counted against the app)."""
    import pyarrow.csv as pacsv

    from datasets.store import Store

    table = acled_like(n)
    print(f"incidents: {n:,} rows, Arrow size {table.nbytes / 1e6:,.0f} MB")
    (store.parent / "arrow_bytes").write_text(str(table.nbytes), encoding="ascii")
    csv = store.parent / "incidents.csv"
    pacsv.write_csv(table, csv)
    del table
    t = time.perf_counter()
    result = Store(store).ingest(csv, table="incidents")
    print(f"stored {result.rows_stored:,} incidents in {time.perf_counter() - t:.1f} s")
    csv.unlink()
    from metrics.prepared import prepare as prepare_incidents

    t = time.perf_counter()
    prepare_incidents(store)  # as `stability ingest` does after storing
    print(f"prepared the incidents (sorted rows and cube on disk) in {time.perf_counter() - t:.1f} s")


def main(n: int = 3_000_000) -> None:
    from streamlit.testing.v1 import AppTest

    tmp = Path(tempfile.mkdtemp(prefix="rsm-bench-"))
    store = tmp / "store"
    subprocess.run([sys.executable, __file__, "--prepare", str(store), str(n)], check=True)
    arrow_mb = int((tmp / "arrow_bytes").read_text(encoding="ascii")) / 1e6
    os.environ["STABILITY_STORE"] = str(store)
    base = _rss_mb()  # the interpreter, Streamlit and the libraries, before any data is loaded
    at = AppTest.from_file(str(APP), default_timeout=600)
    t = time.perf_counter()
    at.run()
    print(f"first load (reads the store, builds the cube): {time.perf_counter() - t:.1f} s")
    assert not at.exception, at.exception

    def timed(action) -> float:
        t0 = time.perf_counter()
        action().run()
        assert not at.exception, at.exception
        return (time.perf_counter() - t0) * 1000

    results: dict[str, list[float]] = {}
    pages = {"Overview": None, "Region": "views/region.py", "Conflict incidents": "views/conflict.py"}
    for page, target in pages.items():
        if target:
            at.switch_page(target).run()
        times = []
        for region in ("Sahel", "Middle East", "ASEAN", "East Asia", "NATO Europe"):
            times.append(timed(lambda r=region: at.sidebar.selectbox(key="f_region").set_value(r)))
        for types in (["Battles"], ["Battles", "Riots"], ["Protests"]):
            times.append(timed(lambda t=types: at.sidebar.multiselect(key="f_types").set_value(t)))
        at.sidebar.multiselect(key="f_types").set_value([]).run()
        results[page] = times
    memory = _rss_mb() - base
    for page, times in results.items():
        print(
            f"{page}: filter change median {statistics.median(times):.0f} ms, "
            f"max {max(times):.0f} ms over {len(times)} changes (target < 100 ms)"
        )
    print(f"resident memory of the app's data: {memory:,.0f} MB = {memory / arrow_mb:.2f} x the Arrow size")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--prepare":
        prepare(Path(sys.argv[2]), int(sys.argv[3]))
    else:
        main(int(sys.argv[1]) if len(sys.argv) > 1 else 3_000_000)
