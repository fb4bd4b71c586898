"""The load test's client (``benchmarks/bench_sessions.py``) against a real server on loopback.

Small and fast: 2,000 synthetic incidents, one page. The client must see each script finish, must
see the filter change reach the app (the URL the app writes back), and must report a script that
raised or drew an error box; the server is stopped and the temporary store removed afterwards.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import sys
import tempfile
from pathlib import Path
from urllib.parse import parse_qs

import pytest

from datasets.schema import EVENT_TYPES

ROOT = Path(__file__).resolve().parents[1]


def _bench():
    spec = importlib.util.spec_from_file_location("bench_sessions", ROOT / "benchmarks" / "bench_sessions.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


bench = _bench()


def test_two_sessions_over_a_small_store_finish_without_error(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    out = bench.run(2_000, 2, rounds=1, pages=(("Overview", "overview"),), timeout=600, reference=False)
    # one session alone, then two at once; each: open a link, visit the Overview, change the filters
    assert [(r.page, r.kind) for r in out.single] == [
        (bench.OPEN, "open"),
        ("Overview", "visit"),
        ("Overview", "filter"),
    ]
    assert len(out.many) == 2 * 3
    for r in out.single + out.many:
        assert r.finished, r
        assert r.errors == [], r
        assert r.elements > 10, r  # the sidebar filters and the page were drawn
        assert 0 < r.seconds < 600
    # the single session's link asked for the first two event types in alphabetical order …
    types = sorted(EVENT_TYPES)
    assert parse_qs(out.single[0].query)["type"] == types[:2]
    # … and its filter change was the run's first new pair: region 0 of the list, event types
    # subset 0 = the first type alone; the app wrote it back to the URL
    assert parse_qs(out.single[2].query)["type"] == [types[0]]
    # the concurrent sessions' filter changes were pairs 1 and 2: subsets 0 (regions 1 and 2 differ)
    regions = {parse_qs(r.query)["region"][0] for r in out.single[2:] + out.many if r.kind == "filter"}
    assert len(regions) == 3
    # memory was read from the server process: it grew once the data was loaded
    assert out.single_mb > out.idle_mb > 0
    idle_cpu, after_one, after_two = out.cpu_s
    assert 0 < idle_cpu < after_one < after_two
    # the server is gone, the store removed
    assert not os.path.exists(f"/proc/{out.server_pid}")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        ("import streamlit as st\nst.title('x')\nraise ValueError('boom')\n", "exception"),
        ("import streamlit as st\nst.title('x')\nst.error('This page could not be drawn.')\n", "error box"),
    ],
)
def test_the_client_reports_a_page_that_failed(tmp_path, script, expected):
    app = tmp_path / "app.py"
    app.write_text(script, encoding="utf-8")
    with bench.serve(app, {}, tmp_path / "server.log") as (port, pid):
        requests, _ = asyncio.run(
            bench.sessions(port, 1, (("App", ""),), 0, bench.Views(), [""], 60, lambda: 0.0)
        )
    assert len(requests) == 1
    (r,) = requests
    assert r.finished  # the script ran to its end …
    assert len(r.errors) == 1 and r.errors[0].startswith(expected), r.errors  # … and the failure is seen
    assert not os.path.exists(f"/proc/{pid}")


def test_same_views_repeats_the_single_sessions_filter_values(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    out = bench.run(
        2_000, 2, rounds=1, pages=(("Overview", "overview"),), timeout=600, reference=False, same_views=True
    )
    assert all(r.finished and not r.errors for r in out.single + out.many)
    first = [r.query for r in out.single]
    # each concurrent session opened the same link and chose the same new region and event types
    assert [r.query for r in out.many[:3]] == first
    assert [r.query for r in out.many[3:]] == first
    assert list(tmp_path.iterdir()) == []
