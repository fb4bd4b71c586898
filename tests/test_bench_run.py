"""``benchmarks/run.py``: one table from every benchmark's ``BENCH`` line, with fake benchmark scripts.

A benchmark that fails, prints no ``BENCH`` line, prints a broken one or runs out of time becomes
one row with its error, and the others still give their rows.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _gatherer():
    spec = importlib.util.spec_from_file_location("bench_run", ROOT / "benchmarks" / "run.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


run = _gatherer()

GOOD = {
    "results": [
        {"measure": "filter change | one region", "target": "< 100 ms", "value": "42 ms", "met": True},
        {"measure": "memory", "target": "≤ 1.5 × Arrow", "value": "1.76 ×", "met": False},
        {"measure": "cube cells", "target": "", "value": "1,125,811", "met": None},
    ]
}


def _script(tmp: Path, name: str, body: str) -> Path:
    path = tmp / f"{name}.py"
    path.write_text(body, encoding="utf-8")
    return path


def test_rows_come_from_the_last_bench_line_and_failures_are_rows(tmp_path):
    older = {"results": [{"measure": "stale", "target": "", "value": "0", "met": True}]}
    good = _script(
        tmp_path,
        "good",
        f"import sys\nprint('working …')\nprint('BENCH ' + {json.dumps(json.dumps(older))})\n"
        f"print('BENCH not this one', file=sys.stderr)\nprint('BENCH ' + {json.dumps(json.dumps(GOOD))})\n"
        "print('done')\n",
    )
    crash = _script(tmp_path, "crash", "print('loading')\nraise SystemExit('the store is missing')\n")
    silent = _script(tmp_path, "silent", "print('no verdict here')\n")
    broken = _script(tmp_path, "broken", 'print(\'BENCH {"results": [{"measure": 1}]}\')\n')
    slow = _script(
        tmp_path, "slow", "import time\nprint('BENCH {\"results\": []}', flush=True)\ntime.sleep(60)\n"
    )
    benches = [
        run.Benchmark("good", good),
        run.Benchmark("crash", crash),
        run.Benchmark("silent", silent),
        run.Benchmark("broken", broken),
        run.Benchmark("slow", slow),
    ]
    rows = [row for b in benches for row in run.run_one(b, quick=False, timeout=5)]
    got = [(r.benchmark, r.measure, r.target, r.value, r.met) for r in rows]
    assert got == [
        ("good", "filter change | one region", "< 100 ms", "42 ms", True),
        ("good", "memory", "≤ 1.5 × Arrow", "1.76 ×", False),
        ("good", "cube cells", "", "1,125,811", None),
        # SystemExit with a message: the message goes to stderr (merged) and the status is 1
        ("crash", "(did not finish)", "", "error: exit status 1; last output: the store is missing", None),
        ("silent", "(did not finish)", "", "error: no line starting with 'BENCH' in its output", None),
        ("broken", "(did not finish)", "", "error: its BENCH line is not the expected JSON ('met')", None),
        ("slow", "(did not finish)", "", "error: stopped after 5 s", None),
    ]
    assert rows[-1].seconds < 30  # stopped, not waited for


def test_the_table_and_the_report(tmp_path):
    rows = run.parse("metrics", ["BENCH " + json.dumps(GOOD)], 0, 12.0) + run.parse("ingest", ["x"], 2, 3.0)
    table = run.markdown(rows)
    assert table.splitlines() == [
        "| benchmark | measure | target | today | met |",
        "|---|---|---|---|---|",
        "| metrics | filter change \\| one region | < 100 ms | 42 ms | yes |",
        "| metrics | memory | ≤ 1.5 × Arrow | 1.76 × | **no** |",
        "| metrics | cube cells |  | 1,125,811 | – |",
        "| ingest | (did not finish) |  | error: exit status 2; last output: x | – |",
    ]
    import datetime as dt

    text = run.report(rows, False, dt.datetime(2026, 12, 6, 5, 7, tzinfo=dt.UTC), run.machine())
    assert "2026-12-06 05:07 UTC, full run" in text
    assert "time per benchmark: metrics 12 s, ingest 3 s" in text
    assert table in text
    assert "cores" in run.machine() and "Python" in run.machine() and "load average" in run.machine()


def test_only_runs_the_named_benchmark_and_writes_the_file(tmp_path, monkeypatch, capsys):
    one = _script(tmp_path, "one", f"print('BENCH ' + {json.dumps(json.dumps(GOOD))})\n")
    two = _script(tmp_path, "two", "raise SystemExit(3)\n")
    monkeypatch.setattr(run, "BENCHMARKS", (run.Benchmark("one", one), run.Benchmark("two", two)))
    out = tmp_path / "latest.md"
    assert run.main(["--only", "one", "--output", str(out)]) == 0
    printed = capsys.readouterr().out
    assert printed.count("| one |") == 3 and "| two |" not in printed
    assert "| one | memory | ≤ 1.5 × Arrow | 1.76 × | **no** |" in out.read_text(encoding="utf-8")


def test_calibration_summarises_each_target_by_its_worst_cell():
    import pandas as pd

    spec = importlib.util.spec_from_file_location("calibration_bench", ROOT / "benchmarks" / "calibration.py")
    assert spec and spec.loader
    calibration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(calibration)
    table = pd.DataFrame(
        {
            "mean": [0.5, 5.0, 50.0],
            "trend_fa": [0.02, 0.081, 0.05],
            "trend_power_step": [0.01, 0.45, 0.83],  # mean 0.5 is left out of the power minimum
            "trend_power_linear": [0.0, 0.05, 0.49],
            "alarm_fa": [0.0002, 0.0086, 0.005],
            "alarm_power": [0.02, 0.81, 1.0],
            "rr_cover": [0.977, 0.958, 0.962],
            "did_cover": [0.94, 0.95, 0.96],
            "placebo_fa": [0.012, 0.035, 0.046],
        }
    )
    got = {
        r["measure"].split(",")[0]: (r["target"], r["value"], r["met"])
        for r in calibration.bench_results(table, 0.047)
    }
    assert got == {
        "downward trend: no-change series flagged": ("≤ 10 %", "8.1 %", True),  # max of 2, 8.1, 5
        "downward trend: 40 % step found in 18 months": ("≥ 80 %", "45.0 %", False),  # min of 45, 83
        "downward trend: 40 % linear drop found": ("≥ 80 %", "5.0 %", False),
        "alarm: no-change months flagged": ("≤ 1 %", "0.86 %", True),
        "alarm: one-month tripling caught": ("≥ 80 %", "81.0 %", True),  # min of 81, 100
        "rate-ratio interval covers the truth": ("93–97 %", "95.8–97.7 %", False),  # 97.7 > 97
        "DiD interval covers the truth": ("93–97 %", "94.0–96.0 %", True),
        "placebo p ≤ 0.05 on no-effect series": ("3–7 %", "1.2–4.6 %", False),  # 1.2 < 3
        "lead–lag interval excludes 0 on independent noise": ("≤ 6 %", "4.7 %", True),
    }
