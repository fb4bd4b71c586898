"""Server-side rerun time of every dashboard page after a filter change, and memory, at archive scale.

Run: ``python benchmarks/bench_dashboard.py [N]`` (default 3,000,000 incidents). It writes N
synthetic ACLED-like incidents into a temporary store, then drives the real app with Streamlit's
AppTest (the same script a browser session runs, without the browser): the first load, then, page
by page, changes to values not seen before on that page, so nothing comes from a cache of that
exact view. The Overview, Region, Conflict incidents, Military collaboration and Public perception
pages change the sidebar's region and event types (the collaboration and perception data are the
bundled sample's); Compare changes its regions to compare and the event types; Evaluation changes
its milestone, its window and its comparison regions. Reported: median script time per change (and
the CPU time the process spent on it, a steadier figure on a busy machine), the first load, and the
process's resident memory against the Arrow size of the incidents. The last line is
``BENCH {json}``: each measure, its target, today's value and whether it is met.

``--store DIR`` keeps the store under DIR (made once per N, reused by later runs);
``--pages Overview,Region`` measures only those pages; ``--profile DIR`` writes one cProfile file
per page (``<page>.prof``) of its timed reruns.

Targets: a rerun ≤ 100 ms server-side; first load ≤ 3 s; memory ≤ 1.5 × the data's Arrow size.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import acled_like  # noqa: E402

APP = Path(__file__).resolve().parents[1] / "dashboard" / "app.py"
RERUN_TARGET_MS = 100.0
FIRST_LOAD_TARGET_S = 3.0
MEMORY_TARGET = 1.5
REGIONS = ("Sahel", "Middle East", "ASEAN", "East Asia", "NATO Europe")
TYPES = (["Battles"], ["Battles", "Riots"], ["Protests"])


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
    (store.parent / f"arrow_bytes-{n}").write_text(str(table.nbytes), encoding="ascii")
    csv = store.parent / "incidents.csv"
    pacsv.write_csv(table, csv)
    del table
    t = time.perf_counter()
    result = Store(store).ingest(csv, table="incidents")
    print(f"stored {result.rows_stored:,} incidents in {time.perf_counter() - t:.1f} s")
    csv.unlink()
    add_sample_families(store)
    from metrics.prepared import prepare as prepare_incidents

    t = time.perf_counter()
    prepare_incidents(store)  # as `stability ingest` does after storing
    print(f"prepared the incidents (sorted rows and cube on disk) in {time.perf_counter() - t:.1f} s")


def add_sample_families(store: Path) -> None:
    """Ingest the bundled sample collaboration and perception tables into ``store``, so the pages that
    show them (and the Evaluation page's milestones) draw their charts instead of "no data"."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    from datasets.store import Store

    data = Path(__file__).resolve().parents[1] / "datasets" / "data"
    for name in ("collaboration", "perception"):
        table = pq.read_table(data / f"sample_{name}.parquet")
        for i, field in enumerate(table.schema):
            if pa.types.is_list(field.type):  # a CSV cell holds a list as "a;b"
                table = table.set_column(i, field.name, pc.binary_join(table[field.name], ";"))
        csv = store.parent / f"{name}.csv"
        pacsv.write_csv(table, csv)
        Store(store).ingest(csv, table=name)
        csv.unlink()
    print("added the sample collaboration and perception tables")


Action = Callable[[Any], Any]


def _sidebar_changes() -> list[Action]:
    """New region values, then new event-type lists (the existing benchmark's changes)."""
    changes: list[Action] = [
        lambda at, r=region: at.sidebar.selectbox(key="f_region").set_value(r) for region in REGIONS
    ]
    changes += [lambda at, t=types: at.sidebar.multiselect(key="f_types").set_value(t) for types in TYPES]
    return changes


def _compare_changes() -> list[Action]:
    """New sets of regions to compare, then new event-type lists."""
    sets = (
        ["Sahel", "Middle East"],
        ["ASEAN", "East Asia", "NATO Europe"],
        ["Sahel", "ASEAN", "East Asia", "Middle East"],
        ["NATO Europe", "Middle East"],
        ["East Asia", "Sahel", "NATO Europe"],
    )
    changes: list[Action] = [lambda at, s=s: at.multiselect(key="f_compare").set_value(s) for s in sets]
    changes += [lambda at, t=types: at.sidebar.multiselect(key="f_types").set_value(t) for types in TYPES]
    return changes


def _evaluation_changes() -> list[Action]:
    """Other proposed milestones, new windows, then new comparison regions (region: ASEAN, whose
    sample collaboration data propose three milestones; the page opens on the last)."""
    changes: list[Action] = [  # the milestone selectbox's values are proposal indices
        lambda at, k=k: at.selectbox(key="e_milestone").set_value(k) for k in (0, 1)
    ]
    changes += [lambda at, w=w: at.number_input(key="e_window").set_value(w) for w in (6, 9, 18)]
    changes += [
        lambda at, c=c: at.multiselect(key="e_comparison").set_value(c)
        for c in (["Sahel", "Middle East"], ["East Asia", "NATO Europe", "Sahel"])
    ]
    return changes


#: Page → (script to switch to, the changes made on it).
PAGES: dict[str, tuple[str | None, Callable[[], list[Action]]]] = {
    "Overview": (None, _sidebar_changes),
    "Region": ("views/region.py", _sidebar_changes),
    "Conflict incidents": ("views/conflict.py", _sidebar_changes),
    "Military collaboration": ("views/collaboration.py", _sidebar_changes),
    "Public perception": ("views/perception.py", _sidebar_changes),
    "Compare": ("views/compare.py", _compare_changes),
    "Evaluation": ("views/evaluation.py", _evaluation_changes),
}


def main(n: int, store_dir: str | None, pages: list[str], profile: str | None) -> None:
    from streamlit.testing.v1 import AppTest

    tmp = Path(store_dir).resolve() / str(n) if store_dir else Path(tempfile.mkdtemp(prefix="rsm-bench-"))
    store = tmp / "store"
    if not (tmp / f"arrow_bytes-{n}").exists():
        tmp.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, __file__, "--prepare", str(store), str(n)], check=True)
    arrow_mb = int((tmp / f"arrow_bytes-{n}").read_text(encoding="ascii")) / 1e6
    os.environ["STABILITY_STORE"] = str(store)
    base = _rss_mb()  # the interpreter, Streamlit and the libraries, before any data is loaded
    at = AppTest.from_file(str(APP), default_timeout=600)
    t = time.perf_counter()
    at.run()
    first_load = time.perf_counter() - t
    print(f"first load (reads the store, builds the cube): {first_load:.1f} s")
    assert not at.exception, at.exception

    prof: cProfile.Profile | None = None
    if profile:  # the script runs in its own thread: profile that thread's runs
        from streamlit.runtime.scriptrunner.script_runner import ScriptRunner

        run_script = ScriptRunner._run_script

        def profiled(self: ScriptRunner, rerun_data: Any) -> None:
            if prof is None:
                return run_script(self, rerun_data)
            prof.enable()
            try:
                return run_script(self, rerun_data)
            finally:
                prof.disable()

        ScriptRunner._run_script = profiled  # type: ignore[method-assign]

    cpu: dict[str, list[float]] = {}

    def timed(action: Action, page: str) -> float:
        widget = action(at)
        t0, c0 = time.perf_counter(), time.process_time()
        widget.run()
        ms = (time.perf_counter() - t0) * 1000
        cpu.setdefault(page, []).append((time.process_time() - c0) * 1000)
        assert not at.exception, at.exception
        return ms

    results: dict[str, list[float]] = {}
    for page in pages:
        target, changes = PAGES[page]
        at.switch_page(target or "views/overview.py").run()
        if page == "Evaluation":
            at.sidebar.selectbox(key="f_region").set_value("ASEAN").run()
        assert not at.exception, at.exception
        prof = cProfile.Profile() if profile else None
        results[page] = [timed(action, page) for action in changes()]
        if prof is not None and profile:
            Path(profile).mkdir(parents=True, exist_ok=True)
            prof.dump_stats(str(Path(profile) / f"{page.replace(' ', '_')}.prof"))
            prof = None
        at.sidebar.multiselect(key="f_types").set_value([]).run()
        times = results[page]
        print(
            f"{page}: rerun median {statistics.median(times):.0f} ms, max {max(times):.0f} ms "
            f"(CPU time median {statistics.median(cpu[page]):.0f} ms) over {len(times)} changes "
            f"(target ≤ {RERUN_TARGET_MS:.0f} ms)",
            flush=True,
        )
    memory = _rss_mb() - base
    ratio = memory / arrow_mb
    print(f"resident memory of the app's data: {memory:,.0f} MB = {ratio:.2f} x the Arrow size")
    scale = f"{n / 1e6:g} M incidents"
    rows: list[dict[str, object]] = [
        {
            "measure": f"{page} rerun after a new filter value, {scale} (median)",
            "target": f"≤ {RERUN_TARGET_MS:.0f} ms",
            "value": f"{statistics.median(times):.0f} ms",
            "met": statistics.median(times) <= RERUN_TARGET_MS,
        }
        for page, times in results.items()
    ]
    rows.append(
        {
            "measure": f"dashboard first load, {scale}",
            "target": f"≤ {FIRST_LOAD_TARGET_S:.0f} s",
            "value": f"{first_load:.1f} s",
            "met": first_load <= FIRST_LOAD_TARGET_S,
        }
    )
    rows.append(
        {
            "measure": f"resident memory of the app's data, {scale} (one session)",
            "target": f"≤ {MEMORY_TARGET} × Arrow size",
            "value": f"{ratio:.2f} × ({memory:,.0f} MB)",
            "met": ratio <= MEMORY_TARGET,
        }
    )
    print("BENCH " + json.dumps({"results": rows}, ensure_ascii=False))


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--prepare":
        prepare(Path(sys.argv[2]), int(sys.argv[3]))
    else:
        parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
        parser.add_argument("n", nargs="?", type=int, default=3_000_000, help="number of incidents")
        parser.add_argument("--store", help="keep the store under this directory and reuse it")
        parser.add_argument("--pages", default=",".join(PAGES), help="comma-separated page names")
        parser.add_argument("--profile", help="write one cProfile file per page into this directory")
        args = parser.parse_args()
        main(args.n, args.store, [p.strip() for p in args.pages.split(",")], args.profile)
