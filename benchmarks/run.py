"""Run every benchmark and print one table: each measure, its target, today's figure, met or not.

Usage: ``python benchmarks/run.py [--quick] [--only NAME ...] [--timeout S]`` (``./dev bench`` runs it).
Each benchmark runs in its own process; its output passes through, and the last line of its
standard output that starts with ``BENCH `` is read as JSON
``{"results": [{"measure": ..., "target": ..., "value": ..., "met": true/false/null}, ...]}``. A
benchmark that fails, runs out of time or prints no such line is one row with its error; the others
still run. The table, with the machine (cores, memory, Python, load average) and the date, is
written to ``benchmarks/latest.md`` (a quick run: ``latest-quick.md``, not kept in git).

``--quick`` runs each benchmark at a small size (a smoke run: the figures say nothing about the
targets); ``--only`` picks benchmarks by name (see ``BENCHMARKS``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
MARK = "BENCH "


@dataclass(frozen=True)
class Benchmark:
    """A benchmark script and its arguments for a full and for a quick run."""

    name: str
    script: Path
    full: tuple[str, ...] = ()
    quick: tuple[str, ...] = ()


BENCHMARKS: tuple[Benchmark, ...] = (
    Benchmark("ingest", HERE / "bench_ingest.py", (), ("100000",)),
    Benchmark("metrics", HERE / "bench_metrics.py", (), ("100000",)),
    Benchmark("dashboard", HERE / "bench_dashboard.py", (), ("50000",)),
    Benchmark("sessions", HERE / "bench_sessions.py", (), ("20000", "3", "--rounds", "1")),
    Benchmark("upload_memory", HERE / "bench_upload_memory.py", (), ("10",)),
    # a quick calibration keeps the committed figures: --no-save writes none of its files
    Benchmark("calibration", HERE / "calibration.py", (), ("50", "--no-save")),
)


@dataclass(frozen=True)
class Row:
    """One line of the table. ``met`` is None when the benchmark gives no verdict (or failed)."""

    benchmark: str
    measure: str
    target: str
    value: str
    met: bool | None
    seconds: float


def parse(benchmark: str, stdout_lines: Sequence[str], returncode: int, seconds: float) -> list[Row]:
    """The rows of one benchmark from its standard output: the last ``BENCH {json}`` line; one
    error row when the process failed, printed no such line, or the line is not the expected JSON."""

    def error(text: str) -> list[Row]:
        return [Row(benchmark, "(did not finish)", "", text, None, seconds)]

    tail = [line for line in stdout_lines if line.strip()][-1:] or [""]
    if returncode != 0:
        return error(f"error: exit status {returncode}; last output: {tail[0].strip()[:200]}")
    marked = [line for line in stdout_lines if line.startswith(MARK)]
    if not marked:
        return error(f"error: no line starting with {MARK.strip()!r} in its output")
    try:
        results = json.loads(marked[-1][len(MARK) :])["results"]
        rows = []
        for r in results:
            met = r["met"]
            if met is not None and not isinstance(met, bool):
                raise ValueError(f"met is {met!r}, not true, false or null")
            rows.append(Row(benchmark, str(r["measure"]), str(r["target"]), str(r["value"]), met, seconds))
    except (ValueError, KeyError, TypeError) as exc:
        return error(f"error: its {MARK.strip()} line is not the expected JSON ({exc})")
    return rows or error(f"error: its {MARK.strip()} line lists no results")


def run_one(benchmark: Benchmark, quick: bool, timeout: float, python: str = sys.executable) -> list[Row]:
    """Run one benchmark in its own process group (output passed through to stderr), stopped
    after ``timeout`` seconds, and parse its rows."""
    argv = [python, str(benchmark.script), *(benchmark.quick if quick else benchmark.full)]
    print(f"==> {benchmark.name}: {' '.join(argv[1:])}", file=sys.stderr, flush=True)
    t0 = time.monotonic()
    proc = subprocess.Popen(
        argv,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
        start_new_session=True,
        cwd=HERE.parent,
    )
    timed_out = threading.Event()

    def stop() -> None:
        timed_out.set()
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            time.sleep(10)
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    timer = threading.Timer(timeout, stop)
    timer.daemon = True
    timer.start()
    lines: deque[str] = deque(maxlen=2000)
    assert proc.stdout is not None
    for line in proc.stdout:
        sys.stderr.write(line)
        lines.append(line.rstrip("\n"))
    returncode = proc.wait()
    timer.cancel()
    seconds = time.monotonic() - t0
    if timed_out.is_set():
        return [
            Row(
                benchmark.name, "(did not finish)", "", f"error: stopped after {timeout:.0f} s", None, seconds
            )
        ]
    return parse(benchmark.name, list(lines), returncode, seconds)


def _met(met: bool | None) -> str:
    return {True: "yes", False: "**no**", None: "–"}[met]


def markdown(rows: Sequence[Row]) -> str:
    """The table (Markdown): benchmark, measure, target, today, met; ``|`` in a cell is escaped."""

    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    out = ["| benchmark | measure | target | today | met |", "|---|---|---|---|---|"]
    for r in rows:
        cells = (cell(r.benchmark), cell(r.measure), cell(r.target), cell(r.value), _met(r.met))
        out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out)


def machine() -> str:
    """Cores, memory, Python and the load average (1, 5, 15 minutes, as ``uptime`` shows it)."""
    mem = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = f"{int(line.split()[1]) / 2**20:.0f} GB"
    except OSError:
        pass
    try:
        load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        load = "?"
    return (
        f"{os.cpu_count()} cores, {mem} memory, Python {platform.python_version()} "
        f"({platform.system()} {platform.machine()}), load average {load}"
    )


def report(rows: Sequence[Row], quick: bool, started: dt.datetime, machine_before: str) -> str:
    """``latest.md``: the date, the machine before and after, the table and each benchmark's time."""
    seconds: dict[str, float] = {}
    for r in rows:
        seconds.setdefault(r.benchmark, r.seconds)
    kind = "quick run (small sizes: a smoke test, not the targets)" if quick else "full run"
    return "\n".join(
        [
            "# Latest benchmark run",
            "",
            f"{started:%Y-%m-%d %H:%M} UTC, {kind}; `./dev bench` (`benchmarks/run.py`) writes this file.",
            "",
            f"- machine at the start: {machine_before}",
            f"- at the end: {machine()}",
            "- time per benchmark: " + ", ".join(f"{b} {s:.0f} s" for b, s in seconds.items()),
            "",
            markdown(rows),
            "",
        ]
    )


def main(argv: Sequence[str] | None = None) -> int:
    names = [b.name for b in BENCHMARKS]
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument(
        "--only", action="append", choices=names, metavar="NAME", help=f"one of {', '.join(names)}"
    )
    parser.add_argument("--timeout", type=float, default=None, help="seconds per benchmark (7200; quick 900)")
    parser.add_argument(
        "--output", type=Path, default=None, help="where the table goes (latest.md; quick: latest-quick.md)"
    )
    args = parser.parse_args(argv)
    timeout = args.timeout or (900.0 if args.quick else 7200.0)
    started = dt.datetime.now(dt.UTC)
    before = machine()
    rows: list[Row] = []
    for b in BENCHMARKS:
        if args.only and b.name not in args.only:
            continue
        rows.extend(run_one(b, args.quick, timeout))
    table = markdown(rows)
    print(table)
    output = args.output or HERE / ("latest-quick.md" if args.quick else "latest.md")
    output.write_text(report(rows, args.quick, started, before), encoding="utf-8")
    print(f"written to {output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
