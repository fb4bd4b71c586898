"""Archive-scale figures for the indicator engine: cube build, filter changes, memory.

Run: ``python benchmarks/bench_metrics.py [N]`` (default 3,000,000 incidents). Prints, for a
synthetic ACLED-like table of N incidents on this machine:

- the Arrow size of the incidents and of the cube built from them;
- the time to build the cube (once per data version, shared by every session);
- the time of a filter change: conflict indicators of one region with event-type and
  minimum-fatality filters, and of every bundled region (the ranked table), median of 7 runs;
- the process's peak resident memory against the data's Arrow size.

Targets: a filter change under 100 ms; memory within 1.5 × the Arrow size of the data. The last
line of output is ``BENCH {json}`` for ``benchmarks/run.py``.
"""

from __future__ import annotations

import json
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import acled_like  # noqa: E402

from datasets.loaders import load_regions  # noqa: E402
from metrics.conflict import conflict_indicators  # noqa: E402
from metrics.cube import build_cube  # noqa: E402


def _median_ms(fn, runs: int = 7) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def main(n: int = 3_000_000) -> None:
    regions = load_regions()
    baseline_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    table = acled_like(n)
    arrow_mb = table.nbytes / 1e6
    t = time.perf_counter()
    cube = build_cube(table)
    build_s = time.perf_counter() - t
    sahel = regions.loc[regions["region"] == "Sahel"]
    one = _median_ms(
        lambda: conflict_indicators(cube, sahel, event_types=["Battles", "Riots"], min_fatalities=1)
    )
    every = _median_ms(lambda: conflict_indicators(cube, regions))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - baseline_rss
    print(f"incidents: {n:,} rows, Arrow size {arrow_mb:,.0f} MB")
    print(f"cube: {len(cube.n):,} cells, {cube.nbytes / 1e6:,.0f} MB, built in {build_s:.2f} s", end="")
    print(" (once per data version)")
    print(f"filter change, one region (types + min fatalities): {one:.1f} ms (target < 100 ms)")
    print(f"filter change, all {regions['region'].nunique()} regions: {every:.1f} ms")
    print(
        f"peak memory above start: {peak:,.0f} MB = {peak / arrow_mb:.2f} x the Arrow size "
        "(includes the generator's temporary arrays)"
    )
    results = [
        {
            "measure": f"cube of {n:,} incidents: build (once per data version)",
            "target": "",
            "value": f"{build_s:.2f} s",
            "met": None,
        },
        {
            "measure": f"conflict indicators after a filter change, one region, {n:,} incidents",
            "target": "< 100 ms",
            "value": f"{one:.1f} ms",
            "met": one < 100,
        },
        {
            "measure": f"conflict indicators after a filter change, all regions, {n:,} incidents",
            "target": "",
            "value": f"{every:.1f} ms",
            "met": None,
        },
        {
            "measure": "peak memory of the indicator engine (with the generator's arrays)",
            "target": "≤ 1.5 × Arrow",
            "value": f"{peak / arrow_mb:.2f} × ({peak:,.0f} MB)",
            "met": peak <= 1.5 * arrow_mb,
        },
    ]
    print("BENCH " + json.dumps({"results": results}, ensure_ascii=False))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3_000_000)
