"""Benchmark: server memory for checking an uploaded file on the Data page.

Usage::

    python benchmarks/bench_upload_memory.py          # a 100 MB ACLED-layout CSV
    python benchmarks/bench_upload_memory.py 250      # a 250 MB one

Writes a synthetic ACLED export (``bench_ingest.generate``) of about N MB, then in this process:

1. ``before``: resident memory (RSS, from ``/proc/self/status``) with the tool imported;
2. ``held``: after Streamlit's share, the uploaded bytes held in a file object (Streamlit keeps
   them in memory as an ``UploadedFile``; simulated by an ``io.BytesIO`` of the file);
3. ``peak during the check``: the highest RSS, sampled every 5 ms, while
   ``dashboard.upload.check_file`` -- the function the Data page calls -- spools the file to disk
   and checks it (parse, convert, validate every row);
4. ``after``: the check's result and the uploaded bytes dropped (the tab closed), after 2 s and
   after 10 s.

Figures are printed in MB and as multiples of the file's size N: the check's own memory is
``peak − held`` (target: < 2 × N) and ``after − before`` should come back near zero. ``RssAnon``
(private memory, without the page cache of mapped files) is printed beside RSS. The last line of
output is ``BENCH {json}`` for ``benchmarks/run.py`` ("back to the earlier level" is read as at most
+0.25 × N of RSS left 10 s after the tab closes).
"""

from __future__ import annotations

import gc
import io
import json
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_ingest import generate  # noqa: E402

ROW_BYTES = 420  # about this many bytes per row of the synthetic ACLED export


def rss() -> tuple[float, float]:
    """(VmRSS, RssAnon) of this process in MB."""
    values = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "RssAnon"):
            values[key] = int(rest.split()[0]) / 1024
    return values["VmRSS"], values["RssAnon"]


class Peak(threading.Thread):
    """Samples RSS every 5 ms until stopped; keeps the highest values."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.stop = threading.Event()
        self.high = (0.0, 0.0)

    def run(self) -> None:
        while not self.stop.is_set():
            now = rss()
            self.high = (max(self.high[0], now[0]), max(self.high[1], now[1]))
            time.sleep(0.005)


def release() -> None:
    import pyarrow as pa

    gc.collect()
    pa.default_memory_pool().release_unused()


def main() -> None:
    size_mb = float(sys.argv[1]) if len(sys.argv) > 1 else 100.0
    from dashboard.upload import check_file

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "acled.csv"
        generate(int(size_mb * 1024 * 1024 / ROW_BYTES), path)
        n = path.stat().st_size / 1024 / 1024
        release()
        before = rss()
        held = io.BytesIO(path.read_bytes())  # what Streamlit holds for an uploaded file
        after_held = rss()
        peak = Peak()
        peak.start()
        t0 = time.perf_counter()
        upload = check_file(held, "acled.csv")
        seconds = time.perf_counter() - t0
        peak.stop.set()
        peak.join()
        rows, ok = upload.total_rows, upload.report.ok
        with_result = rss()
        del upload, held
        release()
        time.sleep(2)
        after2 = rss()
        time.sleep(8)
        after30 = rss()

    def line(label: str, value: tuple[float, float]) -> str:
        return f"{label:<36} RSS {value[0]:8.0f} MB   RssAnon {value[1]:8.0f} MB"

    print(f"file: {n:.1f} MB, {rows:,} rows, checked in {seconds:.2f} s, report ok: {ok}")
    print(line("before", before))
    print(line("held by Streamlit (+N)", after_held))
    print(line("peak during the check", peak.high))
    print(line("check done, result held", with_result))
    print(line("dropped, after 2 s", after2))
    print(line("dropped, after 10 s", after30))
    own = peak.high[0] - after_held[0]
    own_anon = peak.high[1] - after_held[1]
    print(
        f"the check's own memory: {own:.0f} MB = {own / n:.2f} × N (RSS); "
        f"{own_anon:.0f} MB = {own_anon / n:.2f} × N (RssAnon); target < 2 × N"
    )
    print(
        f"after the tab closes: {after30[0] - before[0]:+.0f} MB RSS against before "
        f"({(after30[0] - before[0]) / n:+.2f} × N)"
    )
    kept = after30[0] - before[0]
    results = [
        {
            "measure": f"upload check of a {n:.0f} MB CSV: its own memory (RSS)",
            "target": "< 2 × N",
            "value": f"{own / n:.2f} × N ({own:.0f} MB)",
            "met": own < 2 * n,
        },
        {
            "measure": f"upload check of a {n:.0f} MB CSV: time",
            "target": "",
            "value": f"{seconds:.1f} s",
            "met": None,
        },
        {
            "measure": "memory left 10 s after the tab closes",
            "target": "≤ +0.25 × N",
            "value": f"{kept / n:+.2f} × N ({kept:+.0f} MB)",
            "met": kept <= 0.25 * n,
        },
    ]
    print("BENCH " + json.dumps({"results": results}, ensure_ascii=False))


if __name__ == "__main__":
    main()
