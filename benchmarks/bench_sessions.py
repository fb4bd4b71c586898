"""Many users at once: concurrent browser sessions against the real server, over Streamlit's websocket.

Run: ``python benchmarks/bench_sessions.py [N] [SESSIONS]`` (defaults 1,000,000 incidents and 20
sessions; ``--rounds R`` rounds of page visits, default 2; ``--timeout S`` for the whole run, default
1,800 s). It writes N synthetic ACLED-like incidents into a temporary store (through the real ingest,
in a child process), starts the app as ``stability dashboard`` does (``streamlit run
dashboard/app.py`` with ``STABILITY_STORE``) on 127.0.0.1 on a free port, and connects clients that
speak the browser's own protocol, without a browser: ``ws://127.0.0.1:PORT/_stcore/stream``, a
``BackMsg`` ``rerun_script`` request out (page chosen by its URL path, the way a link opens it, then
by the ``page_script_hash`` the server's navigation message lists, the way the sidebar switches),
``ForwardMsg`` messages back until ``script_finished``.

Each session opens a link to the Overview with a region and event types in its query string, then,
``R`` times, visits Overview, Region, Conflict incidents, Collaboration, Perception, Compare and
Evaluation and on each page changes the sidebar filters (Region and Event types widgets) to a pair no
request of the run has used before. A page's time runs from the request to ``script_finished``. A
request is an error when the script did not finish successfully, or its page holds an ``exception``
element or an error box (the app's own "could not be drawn"), or the page is not found.

First one session runs alone, then SESSIONS sessions at once. Memory is the resident set
(``VmRSS``) of the server process and its children, read from ``/proc`` when the server has started
(no data loaded), after the single session, and after all concurrent sessions (still connected);
the app's data memory is the difference from the idle server, set against the Arrow size of the
incidents (``table.nbytes``).

Targets: page p90 ≤ 2 s, no error, memory ≤ 1.5 × the Arrow size and flat in the number of sessions
(growth from 1 to SESSIONS sessions ≤ 0.1 × the Arrow size). The last line of output is
``BENCH {json}`` for ``benchmarks/run.py``. The server is stopped (its whole process group) and the
temporary store removed in every case.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

APP = ROOT / "dashboard" / "app.py"
# (name in the report, URL path of the page in dashboard/app.py)
PAGES: tuple[tuple[str, str], ...] = (
    ("Overview", "overview"),
    ("Region", "region"),
    ("Conflict incidents", "conflict"),
    ("Collaboration", "collaboration"),
    ("Perception", "perception"),
    ("Compare", "compare"),
    ("Evaluation", "evaluation"),
)
OPEN = "open a link (new session)"
P90_TARGET_S = 2.0
MEMORY_TARGET = 1.5  # × the Arrow size of the incidents
FLAT_TARGET = 0.1  # growth from 1 to SESSIONS sessions, × the Arrow size
REFERENCE_N = 1_000  # incidents in the reference store (the software's own memory)
REGION_LABEL = "Region"
TYPES_LABEL = "Event types"


# --- the store -----------------------------------------------------------------------------------


def prepare(store: Path, n: int) -> None:
    """Write ``n`` synthetic incidents into ``store`` through the real ingest; the Arrow size of the
    table (bytes) goes to ``store.parent / "arrow_bytes"``. Run in a child process, so its memory is
    not counted anywhere."""
    import pyarrow.csv as pacsv
    from synthetic import acled_like

    from datasets.store import Store

    table = acled_like(n)
    (store.parent / "arrow_bytes").write_text(str(table.nbytes), encoding="ascii")
    csv = store.parent / "incidents.csv"
    pacsv.write_csv(table, csv)
    del table
    Store(store).ingest(csv, table="incidents")
    csv.unlink()
    from metrics.prepared import prepare

    prepare(store)  # as `stability ingest` does after storing: the app opens the prepared files


def make_store(tmp: Path, n: int, timeout: float) -> tuple[Path, int]:
    """A store of ``n`` synthetic incidents under ``tmp`` and the incidents' Arrow size in bytes."""
    store = tmp / "store"
    subprocess.run(
        [sys.executable, __file__, "--prepare", str(store), str(n)], check=True, timeout=timeout, cwd=ROOT
    )
    return store, int((tmp / "arrow_bytes").read_text(encoding="ascii"))


# --- the server ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _tree(pid: int) -> list[int]:
    """``pid`` and all its descendants (from the parent ids in ``/proc/*/stat``)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, ()))
    return out


def tree_rss_mb(pid: int) -> float:
    """Resident memory (VmRSS) of process ``pid`` and all its descendants, in MB (1 MB = 2^20 B)."""
    total_kb = 0
    for p in _tree(pid):
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kb += int(line.split()[1])
    return total_kb / 1024


def tree_cpu_s(pid: int) -> float:
    """CPU time (user + system, ``/proc/PID/stat`` fields 14 and 15, in clock ticks) of ``pid`` and
    its descendants, in seconds."""
    ticks = 0
    for p in _tree(pid):
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])  # fields 14, 15 counted from 1 with pid and comm
    return ticks / os.sysconf("SC_CLK_TCK")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop the server's whole process group: SIGTERM, then SIGKILL after 15 s."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=15)


@contextlib.contextmanager
def serve(app: Path, env: dict[str, str], log: Path, timeout: float = 120) -> Iterator[tuple[int, int]]:
    """Run ``streamlit run app`` with the options of ``stability dashboard`` on a free loopback port,
    in its own process group; yields (port, pid) once ``/_stcore/health`` answers, and stops the
    group on leaving, whatever happened."""
    from argparse import Namespace

    from stability.cmd_dashboard import command, server_environment

    port = free_port()
    argv = command(Namespace(port=port, host="127.0.0.1"))
    argv[argv.index("run") + 1] = str(app)  # the script to run
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            argv,
            env=server_environment({**os.environ, **env}),
            cwd=APP.parent,  # dashboard/.streamlit/config.toml
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"the server stopped (exit {proc.returncode}): {_tail(log)}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"the server did not answer within {timeout:.0f} s: {_tail(log)}")
            time.sleep(0.2)
        yield port, proc.pid
    finally:
        _stop(proc)


def _tail(log: Path, chars: int = 2000) -> str:
    try:
        return log.read_text(errors="replace")[-chars:]
    except OSError:
        return ""


# --- the client ----------------------------------------------------------------------------------


@dataclass
class Request:
    """One rerun request of one session: which page, why, how long, what went wrong."""

    page: str  # name in the report (PAGES) or OPEN
    kind: str  # "open", "visit" (page switch) or "filter" (new sidebar values)
    seconds: float  # from sending the request to the script_finished message
    finished: bool  # a script_finished message with a successful status arrived
    elements: int  # elements the page drew
    errors: list[str] = field(default_factory=list)
    query: str = ""  # the tab's URL query string after the request


class Client:
    """One browser tab's side of Streamlit's websocket protocol: rerun requests out, the page's
    messages in, with a time limit on every message."""

    def __init__(self, ws: object, message_timeout: float) -> None:
        self.ws = ws
        self.timeout = message_timeout
        self.query = ""  # the tab's URL query string, as the server last set it
        self.page_hashes: dict[str, str] = {}  # URL path → page_script_hash (navigation message)
        self.widgets: dict[str, tuple[str, list[str]]] = {}  # label → (widget id, options)

    async def request(
        self, name: str, kind: str, url_path: str, query: str | None = None, widgets: Sequence[object] = ()
    ) -> Request:
        """Send a ``rerun_script`` for the page at ``url_path`` (by its script hash once the server
        has listed it, else by its URL path as a link does) and read messages until the script
        finishes. ``query`` replaces the tab's query string (a link); ``widgets`` are the
        ``WidgetState`` values that changed."""
        from streamlit.proto.Alert_pb2 import Alert
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        back = BackMsg()
        rerun = back.rerun_script
        rerun.query_string = self.query if query is None else query
        if url_path in self.page_hashes:
            rerun.page_script_hash = self.page_hashes[url_path]
        else:
            rerun.page_name = url_path
        rerun.widget_states.widgets.extend(widgets)
        errors: list[str] = []
        elements, finished = 0, False
        t0 = time.perf_counter()
        await self.ws.send(back.SerializeToString())  # type: ignore[attr-defined]
        while True:
            raw = await asyncio.wait_for(self.ws.recv(), self.timeout)  # type: ignore[attr-defined]
            msg = ForwardMsg()
            msg.ParseFromString(raw)
            what = msg.WhichOneof("type")
            if what == "new_session":
                elements = 0
            elif what == "delta" and msg.delta.WhichOneof("type") == "new_element":
                elements += 1
                el = msg.delta.new_element
                ty = el.WhichOneof("type")
                if ty == "exception":
                    errors.append(f"exception {el.exception.type}: {el.exception.message}"[:300])
                elif ty == "alert" and el.alert.format == Alert.ERROR:
                    errors.append(f"error box: {el.alert.body}"[:300])
                elif ty in ("selectbox", "multiselect"):
                    w = getattr(el, ty)
                    self.widgets[w.label] = (w.id, list(w.options))
            elif what == "navigation":
                self.page_hashes = {p.url_pathname: p.page_script_hash for p in msg.navigation.app_pages}
            elif what == "page_info_changed":
                self.query = msg.page_info_changed.query_string
            elif what == "page_not_found":
                errors.append(f"page not found: {url_path}")
            elif (
                what == "session_event"
                and msg.session_event.WhichOneof("type") == "script_compilation_exception"
            ):
                errors.append(
                    f"script does not compile: {msg.session_event.script_compilation_exception.message}"
                )
            elif what == "script_finished":
                status = msg.script_finished
                if (
                    status == ForwardMsg.FINISHED_EARLY_FOR_RERUN
                ):  # st.switch_page / st.rerun: a new run follows
                    continue
                finished = status in (
                    ForwardMsg.FINISHED_SUCCESSFULLY,
                    ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY,
                )
                if not finished:
                    errors.append(
                        f"script finished with status {ForwardMsg.ScriptFinishedStatus.Name(status)}"
                    )
                break
        return Request(name, kind, time.perf_counter() - t0, finished, elements, errors, self.query)


def type_subsets(types: Sequence[str]) -> list[tuple[str, ...]]:
    """Every non-empty proper subset of ``types`` (the empty one means all types), smallest first."""
    return [c for k in range(1, len(types)) for c in itertools.combinations(sorted(types), k)]


class Views:
    """Filter values no earlier request of the run has used: the k-th call gives region
    ``regions[k mod R]`` and event types ``subsets[(k div R) mod S]``, so the first R·S pairs are
    all different (R regions of the grouping on screen, S = 2^T − 2 subsets of T event types)."""

    def __init__(self) -> None:
        self.k = 0
        self.regions: list[str] = []  # the region options last seen

    def next(self, regions: Sequence[str], types: Sequence[str]) -> tuple[str, tuple[str, ...]]:
        subsets = type_subsets(types)
        self.regions = list(regions)
        k, self.k = self.k, self.k + 1
        return regions[k % len(regions)], subsets[(k // len(regions)) % len(subsets)]


def _filter_states(client: Client, views: Views) -> list[object]:
    """The ``WidgetState`` values of the sidebar's Region and Event types widgets set to a new pair."""
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    (region_id, regions), (types_id, types) = client.widgets[REGION_LABEL], client.widgets[TYPES_LABEL]
    region, chosen = views.next(regions, types)
    a, b = WidgetState(id=region_id, string_value=region), WidgetState(id=types_id)
    b.string_array_value.data[:] = list(chosen)
    return [a, b]


async def session(
    port: int,
    pages: Sequence[tuple[str, str]],
    rounds: int,
    views: Views,
    link: str,
    message_timeout: float,
    done: asyncio.Event,
    release: asyncio.Event,
) -> list[Request]:
    """One user: open ``link`` (a query string) on the first page, then ``rounds`` times visit every
    page of ``pages`` and change the filters on it. Signals ``done`` when finished and keeps the
    connection open until ``release`` (so memory is read with every session still connected). A
    failure ends the session and is recorded as an error of the request it happened in."""
    import websockets

    out: list[Request] = []
    name, path = pages[0]
    try:
        async with websockets.connect(
            f"ws://127.0.0.1:{port}/_stcore/stream",
            subprotocols=["streamlit"],  # type: ignore[list-item]
            max_size=None,
            ping_interval=None,  # the browser does not ping either; a busy server must not drop us
            open_timeout=message_timeout,
        ) as ws:
            client = Client(ws, message_timeout)
            try:
                out.append(await client.request(OPEN, "open", path, query=link))
                for _ in range(rounds):
                    for name, path in pages:
                        out.append(await client.request(name, "visit", path))
                        out.append(
                            await client.request(name, "filter", path, widgets=_filter_states(client, views))
                        )
            except Exception as exc:  # a timeout, a closed connection, a widget missing from the page
                out.append(Request(name, "failure", float("nan"), False, 0, [f"{type(exc).__name__}: {exc}"]))
            done.set()
            await release.wait()
    except Exception as exc:  # could not connect
        out.append(Request(name, "failure", float("nan"), False, 0, [f"{type(exc).__name__}: {exc}"]))
    finally:
        done.set()
    return out


async def sessions(
    port: int,
    count: int,
    pages: Sequence[tuple[str, str]],
    rounds: int,
    views: Views | Sequence[Views],
    links: Sequence[str],
    message_timeout: float,
    measure: object,
) -> tuple[list[Request], float]:
    """``count`` sessions at once; returns their requests and ``measure()`` read when all are done
    (still connected). ``views``: one source of filter values shared by all (every request a new
    view), or one per session."""
    dones = [asyncio.Event() for _ in range(count)]
    release = asyncio.Event()
    tasks = [
        asyncio.create_task(
            session(
                port,
                pages,
                rounds,
                views if isinstance(views, Views) else views[i],
                links[i % len(links)],
                message_timeout,
                dones[i],
                release,
            )
        )
        for i in range(count)
    ]
    try:
        await asyncio.gather(*(d.wait() for d in dones))
        value = measure()  # type: ignore[operator]
    finally:
        release.set()
    results = await asyncio.gather(*tasks)
    return [r for rs in results for r in rs], value


# --- the run and its report ----------------------------------------------------------------------


@dataclass
class Outcome:
    """What a run measured."""

    arrow_mb: float
    idle_mb: float  # server before any session (no data loaded, the app not yet imported)
    reference_mb: (
        float  # a server over REFERENCE_N incidents after one session: code, libraries, sample tables
    )
    single: list[Request]  # the session that ran alone
    single_mb: float  # server after it
    many: list[Request]  # the concurrent sessions
    many_mb: float  # server after them, all still connected
    sessions: int
    server_pid: int
    cpu_s: tuple[float, float, float] = (0.0, 0.0, 0.0)  # server CPU time: idle, after 1, after SESSIONS


def run(
    n: int,
    count: int,
    *,
    rounds: int = 2,
    pages: Sequence[tuple[str, str]] = PAGES,
    timeout: float = 1800,
    message_timeout: float = 120,
    app: Path = APP,
    reference: bool = True,
    same_views: bool = False,
) -> Outcome:
    """Make the store, start the server, run one session then ``count`` at once; everything is
    stopped and removed on return or on any error. ``timeout`` bounds the whole run (store
    included), ``message_timeout`` the wait for any one message. With ``reference``, a server over
    ``REFERENCE_N`` incidents runs one session first: its memory (the code, libraries and bundled
    sample tables) is what the data's memory is measured above. With ``same_views``, every
    concurrent session opens the same link and changes the filters to the same values as the single
    session did (the caches already hold every view: what grows is per-session state alone)."""
    from datasets.schema import EVENT_TYPES

    started = time.monotonic()
    tmp = Path(tempfile.mkdtemp(prefix="rsm-sessions-"))
    try:
        reference_mb = float("nan")
        if reference:
            (tmp / "reference").mkdir()
            small, _ = make_store(tmp / "reference", REFERENCE_N, timeout)
            with serve(app, {"STABILITY_STORE": str(small)}, tmp / "reference.log") as (port, pid):
                left = timeout - (time.monotonic() - started)
                one = sessions(port, 1, pages, 1, Views(), [""], message_timeout, lambda: tree_rss_mb(pid))
                _, reference_mb = asyncio.run(asyncio.wait_for(one, left))
        store, arrow_bytes = make_store(tmp, n, timeout)
        left = timeout - (time.monotonic() - started)
        with serve(app, {"STABILITY_STORE": str(store)}, tmp / "server.log") as (port, pid):
            idle, idle_cpu = tree_rss_mb(pid), tree_cpu_s(pid)
            views = Views()
            cpu: list[float] = [idle_cpu]

            def measure() -> float:
                cpu.append(tree_cpu_s(pid))
                return tree_rss_mb(pid)

            async def both() -> tuple[list[Request], float, list[Request], float]:
                types = sorted(EVENT_TYPES)
                first = urlencode({"type": types[:2]}, doseq=True)
                single, single_mb = await sessions(
                    port, 1, pages, rounds, views, [first], message_timeout, measure
                )
                # links to every region the single session saw, each with its own event types
                subsets = type_subsets(types)
                links = [
                    urlencode({"region": r, "type": list(subsets[-1 - i % len(subsets)])}, doseq=True)
                    for i, r in enumerate(views.regions or [""])
                ]
                if same_views:
                    many, many_mb = await sessions(
                        port,
                        count,
                        pages,
                        rounds,
                        [Views() for _ in range(count)],
                        [first],
                        message_timeout,
                        measure,
                    )
                else:
                    many, many_mb = await sessions(
                        port, count, pages, rounds, views, links, message_timeout, measure
                    )
                return single, single_mb, many, many_mb

            try:
                single, single_mb, many, many_mb = asyncio.run(asyncio.wait_for(both(), left))
            except TimeoutError as exc:
                raise TimeoutError(f"the run took longer than {timeout:.0f} s") from exc
            return Outcome(
                arrow_bytes / 2**20,
                idle,
                reference_mb,
                single,
                single_mb,
                many,
                many_mb,
                count,
                pid,
                (cpu[0], cpu[1], cpu[2]),
            )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def percentiles(seconds: Sequence[float]) -> tuple[float, float, float]:
    """(p50, p90, max) of ``seconds``: linear interpolation between order statistics (numpy's
    default), so p90 of 1…10 s is 9.1 s."""
    import numpy as np

    a = np.asarray(seconds, dtype=float)
    return float(np.percentile(a, 50)), float(np.percentile(a, 90)), float(a.max())


def table(requests: list[Request]) -> list[dict[str, object]]:
    """Per page (and opening a link, and all requests): count, p50, p90, max in seconds, errors.
    A request that failed (timeout, lost connection) counts as an error and has no time."""
    groups: dict[str, list[Request]] = {}
    for r in requests:
        groups.setdefault(r.page, []).append(r)
    order = [OPEN] + [name for name, _ in PAGES]
    rows = []
    for name, rs in [(g, groups[g]) for g in order if g in groups] + [("all requests", requests)]:
        timed = [r.seconds for r in rs if r.kind != "failure"]
        p50, p90, top = percentiles(timed) if timed else (float("nan"),) * 3
        errors = sum(bool(r.errors) or not r.finished for r in rs)
        rows.append(
            {"page": name, "requests": len(timed), "p50": p50, "p90": p90, "max": top, "errors": errors}
        )
    return rows


def report(out: Outcome) -> tuple[str, list[dict[str, object]]]:
    """The printed report and the BENCH results."""
    lines = []
    for title, reqs in (("1 session alone", out.single), (f"{out.sessions} sessions at once", out.many)):
        lines.append(f"\n{title}: page time from request to script_finished, seconds")
        lines.append(f"{'page':<28}{'requests':>9}{'p50':>8}{'p90':>8}{'max':>8}{'errors':>8}")
        for row in table(reqs):
            lines.append(
                f"{row['page']:<28}{row['requests']:>9}{row['p50']:>8.2f}{row['p90']:>8.2f}"
                f"{row['max']:>8.2f}{row['errors']:>8}"
            )
    errors = [
        e for r in out.single + out.many for e in (r.errors or ([] if r.finished else ["not finished"]))
    ]
    for e in sorted(set(errors))[:10]:
        lines.append(f"error ({errors.count(e)}×): {e}")
    measured = not math.isnan(out.reference_mb)  # NaN: no reference run
    base = out.reference_mb if measured else out.idle_mb
    base_name = f"a server over {REFERENCE_N:,} incidents" if measured else "the idle server"
    data1, data_n = out.single_mb - base, out.many_mb - base
    c0, c1, c2 = out.cpu_s
    lines.append(
        f"\nserver CPU time per request (user + system, all threads): 1 session "
        f"{(c1 - c0) / max(len(out.single), 1):.2f} s (its first request loads the data); "
        f"{out.sessions} sessions "
        f"{(c2 - c1) / max(len(out.many), 1):.2f} s (the script runs hold Python's GIL: requests "
        "arriving together share about one core)"
    )
    reference = (
        f"a server over {REFERENCE_N:,} incidents after one session {base:,.0f} MB (code, libraries, "
        "sample tables); "
        if measured
        else ""
    )
    lines.append(
        f"incidents: Arrow size {out.arrow_mb:,.0f} MB. Server resident memory (process and children): "
        f"idle {out.idle_mb:,.0f} MB; {reference}after 1 session {out.single_mb:,.0f} MB; "
        f"after {out.sessions} sessions "
        f"{out.many_mb:,.0f} MB, that is {out.single_mb / out.arrow_mb:.2f} and "
        f"{out.many_mb / out.arrow_mb:.2f} × Arrow in all"
    )
    lines.append(
        f"the app's data (above {base_name}): 1 session {data1:,.0f} MB = "
        f"{data1 / out.arrow_mb:.2f} × Arrow; "
        f"{out.sessions} sessions {data_n:,.0f} MB = {data_n / out.arrow_mb:.2f} × Arrow "
        f"(target ≤ {MEMORY_TARGET} ×); growth {data_n - data1:+,.0f} MB = "
        f"{(data_n - data1) / out.arrow_mb:+.2f} × Arrow (target ≤ {FLAT_TARGET} ×)"
    )
    many = table(out.many)
    label = f"{out.sessions} sessions"
    results: list[dict[str, object]] = []
    for row in many:
        if row["page"] == OPEN:
            continue
        p90 = float(row["p90"])  # type: ignore[arg-type]
        results.append(
            {
                "measure": f"{label}: {row['page']} p90 (p50 {float(row['p50']):.1f} s)",  # type: ignore[arg-type]
                "target": f"≤ {P90_TARGET_S:g} s",
                "value": f"{p90:.1f} s",
                "met": bool(p90 <= P90_TARGET_S),
            }
        )
    total = many[-1]["errors"]
    results.append(
        {
            "measure": f"{label}: requests with an error",
            "target": "0",
            "value": f"{total} of {sum(1 for _ in out.many)}",
            "met": total == 0,
        }
    )
    for what, mb in (("1 session", data1), (label, data_n)):
        results.append(
            {
                "measure": f"server memory of the data (above {base_name}), {what}",
                "target": f"≤ {MEMORY_TARGET} × Arrow",
                "value": f"{mb / out.arrow_mb:.2f} × ({mb:,.0f} MB)",
                "met": bool(mb <= MEMORY_TARGET * out.arrow_mb),
            }
        )
    growth = data_n - data1
    results.append(
        {
            "measure": f"server memory growth, 1 → {out.sessions} sessions",
            "target": f"≤ {FLAT_TARGET} × Arrow",
            "value": f"{growth / out.arrow_mb:+.2f} × ({growth:+,.0f} MB)",
            "met": bool(growth <= FLAT_TARGET * out.arrow_mb),
        }
    )
    return "\n".join(lines), results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", nargs="?", type=int, default=1_000_000, help="incidents (default 1,000,000)")
    parser.add_argument("sessions", nargs="?", type=int, default=20, help="concurrent sessions (default 20)")
    parser.add_argument("--rounds", type=int, default=2, help="rounds of page visits per session (default 2)")
    parser.add_argument(
        "--timeout", type=float, default=1800, help="seconds for the whole run (default 1800)"
    )
    parser.add_argument("--message-timeout", type=float, default=120, help="seconds to wait for one message")
    parser.add_argument(
        "--no-reference",
        action="store_true",
        help="measure memory above the idle server, not a small-store one",
    )
    parser.add_argument(
        "--same-views",
        action="store_true",
        help="every concurrent session repeats the single session's filter values (per-session memory alone)",
    )
    args = parser.parse_args(argv)
    t0 = time.monotonic()
    out = run(
        args.n,
        args.sessions,
        rounds=args.rounds,
        timeout=args.timeout,
        message_timeout=args.message_timeout,
        reference=not args.no_reference,
        same_views=args.same_views,
    )
    text, results = report(out)
    print(
        f"{args.n:,} incidents, {args.sessions} sessions × {args.rounds} rounds of {len(PAGES)} pages", end=""
    )
    same = "; every session repeats the same views" if args.same_views else ""
    print(f" (a visit and a filter change on each{same}), {time.monotonic() - t0:.0f} s in all")
    print(text)
    print("BENCH " + json.dumps({"results": results}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--prepare":
        prepare(Path(sys.argv[2]), int(sys.argv[3]))
    else:
        sys.exit(main())
