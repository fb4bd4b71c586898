"""Every dashboard page in a real headless Chromium, over stores loaded with the real files users
download (``../shared/data/real/``, beside the checkout) and over the bundled sample.

Three stores, one ``stability dashboard`` process each (module-scoped):

* ``real``: every real file the tool imports, ingested with the command line's own code
  (``stability ingest``) into a temporary store. Not loaded: the World Bank population table (the
  bundled copy of the same table is used; ``stability ingest`` refuses it as having no indicator) and
  the ATOP alliance-level file (the same alliances as the member-level file, which is loaded: the
  importer says to load one of the two, not both).
* ``real-surveys``: the national survey files only (SDG 16.1.4 platforms, Afrobarometer), as a user
  who has loaded nothing else: with every real file loaded, UCDP covers every country of the world,
  so no region is without data.
* ``sample``: the bundled illustrative sample (no store).

Each page is opened for three regions: one with data in every family, one with part of the families,
one with none (see ``CASES``). On each visit: no plotly figure without
a data trace, a "no data" sentence on the page of a family the region lacks, no source caption over
two lines, no "None"/"NaT"/"nan" text, no chart title cut at the edge of its figure, no exception box or
traceback. The Conflict page with an
event-type filter set through the URL says the filter in its chart titles. A screenshot of every
visit is saved under ``tests/output/browser/`` (kept as a CI artefact, not committed).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlparse

import pandas as pd
import pyarrow.parquet as pq
import pytest
from test_browser_dashboard import CHROMIUM, FLAGS, LOCAL_HOSTS, free_port, stop

ROOT = Path(__file__).resolve().parents[1]
REAL = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "real"
OUT = ROOT / "tests" / "output" / "browser"
REGIONS = pd.read_csv(ROOT / "datasets" / "data" / "regions.csv")

PAGES = (
    "overview",
    "region",
    "conflict",
    "collaboration",
    "perception",
    "compare",
    "evaluation",
    "methodology",
    "data",
)
FAMILIES = ("conflict", "collaboration", "perception")
#: Pages that show one family's charts, and must say so in a sentence when the region has none of it.
FAMILY_PAGES = {"conflict": "conflict", "collaboration": "collaboration", "perception": "perception"}
#: Pages that show every family side by side (a missing family gets its sentence there too).
ALL_FAMILY_PAGES = ("region",)
#: A sentence saying something is missing: "No data …", "No conflict incident figures for …", "not loaded".
NO_DATA = re.compile(
    r"\bnot loaded\b|\bno\b[^.]{0,60}?\b(data|figures?|values?|incidents?|engagements?|answers?|surveys?)\b",
    re.IGNORECASE,
)
#: Words that name a family in a "no data" sentence.
FAMILY_WORDS = {
    "conflict": re.compile(r"conflict|incident", re.IGNORECASE),
    "collaboration": re.compile(
        r"collaboration|engagement|exercise|alliance|arms|network|partner", re.IGNORECASE
    ),
    "perception": re.compile(r"perception|survey|feel safe|trust", re.IGNORECASE),
}
BAD_WORDS = re.compile(r"(?<![\w.])(None|NaT|nan|NaN)(?![\w])(?!\s+[a-z])")

#: store → {region: families with data in that region}; worked out below in the comments.
CASES: dict[str, dict[str, tuple[str, ...]]] = {
    # Sahel (BFA, MLI, NER, TCD, MRT): UCDP conflict-years, MME/ATOP/McManus–Nieman engagements and
    # WGI estimates for each. Antarctica (ATA): UCDP's datasets cover every country of the world, so
    # a year without a conflict there is an observed zero; no collaboration or perception file names it.
    "real": {"Sahel": FAMILIES, "Antarctica": ("conflict",)},
    # Only the national survey files (Ghana, Nigeria, Kazakhstan, Tunisia): nothing for the Sahel.
    "real-surveys": {"Sahel": ()},
    # The sample: ASEAN has all three families; Western Africa has collaboration and perception but
    # no incident data; Antarctica nothing.
    "sample": {
        "ASEAN": FAMILIES,
        "Western Africa": ("collaboration", "perception"),
        "Antarctica": (),
    },
}
VISITS = [(store, page, region) for store, regions in CASES.items() for region in regions for page in PAGES]

pytestmark = pytest.mark.skipif(not REAL.is_dir(), reason="the real files are not beside the checkout")

# --- stores and servers ----------------------------------------------------------------------------


def _ingest(store: Path, *args: str | Path) -> None:
    """``stability ingest --store STORE ARGS…`` through the command line's own entry point."""
    from stability.cli import main

    code = main(["ingest", "--store", str(store), *map(str, args)])
    assert code == 0, f"stability ingest {args} exited with {code}"


def _conflict_files() -> list[Path]:
    return sorted((REAL / "conflict").glob("*.csv"))


def build_real_store(store: Path) -> None:
    """Every real file the tool imports, with the answers a user gives for the files that need them."""
    collaboration = [
        REAL / "collaboration" / "sipri_trade_register_to_ukraine_2000-2024_layout2025.csv",
        REAL / "collaboration" / "mme_v7_long.csv",
        REAL / "collaboration" / "atop_v5.1_member_level.csv",
        REAL / "collaboration" / "mcmanus_nieman_2019_signals.csv",
    ]
    perception = [
        REAL / "perception" / "wgi_2024_wgidataset.xlsx",
        REAL / "perception" / "sdg_16-1-4_ghana.csv",
        REAL / "perception" / "sdg_16-1-4_nigeria.csv",
    ]
    _ingest(store, "--skip-invalid", *_conflict_files(), *collaboration, *perception)
    # a distribution across answer categories: "very safe" and "safe" count as feeling safe
    _ingest(store, "--safe-categories", "1A,1B", REAL / "perception" / "sdg_16-1-4_kazakhstan.csv")
    # survey microdata: never felt unsafe walking in the neighbourhood; trusts the army somewhat or a lot
    _ingest(
        store,
        *("--item", "Q10A", "--safe-answers", "0"),
        *("--item", "Q43H=trust_military", "--safe-answers", "2,3"),
        REAL / "perception" / "afrobarometer_tunisia_r7_2018_tun_r7_data.sav",
    )


def _surveys(store: Path) -> None:
    national = sorted((REAL / "perception").glob("sdg_16-1-4_*.csv"))
    _ingest(store, *(f for f in national if "kazakhstan" not in f.name))
    _ingest(store, "--safe-categories", "1A,1B", REAL / "perception" / "sdg_16-1-4_kazakhstan.csv")
    _ingest(
        store,
        *("--item", "Q10A", "--safe-answers", "0"),
        *("--item", "Q43H=trust_military", "--safe-answers", "2,3"),
        REAL / "perception" / "afrobarometer_tunisia_r7_2018_tun_r7_data.sav",
    )


BUILDERS = {"real": build_real_store, "real-surveys": _surveys}


class Stores:
    """The temporary stores, built on first use (the sample needs none)."""

    def __init__(self, factory: pytest.TempPathFactory) -> None:
        self.factory = factory
        self.built: dict[str, Path] = {}

    def __getitem__(self, name: str) -> Path | None:
        if name not in BUILDERS:
            return None
        if name not in self.built:
            store = self.factory.mktemp(f"{name}-store")
            BUILDERS[name](store)
            self.built[name] = store
        return self.built[name]


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> Stores:
    return Stores(tmp_path_factory)


class Servers:
    """One ``stability dashboard`` process per store, started on first use and stopped at the end."""

    def __init__(self, stores: Stores, logs: Path) -> None:
        self.stores, self.logs = stores, logs
        self.urls: dict[str, str] = {}
        self.procs: dict[str, subprocess.Popen[bytes]] = {}

    def url(self, name: str) -> str:
        if name not in self.urls:
            self.urls[name] = self._start(name)
        return self.urls[name]

    def _start(self, name: str) -> str:
        port = free_port()
        log = self.logs / f"{name}.log"
        env = {k: v for k, v in os.environ.items() if k not in ("STABILITY_STORE", "STABILITY_REGIONS")}
        env["XDG_DATA_HOME"] = str(self.logs / f"{name}-user-data")  # no default store of the user
        command = [str(Path(sys.executable).with_name("stability")), "dashboard", "--port", str(port)]
        store = self.stores[name]
        if store is not None:
            command += ["--store", str(store)]
        with open(log, "wb") as out:
            proc = subprocess.Popen(
                command, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True
            )
        self.procs[name] = proc
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                pytest.fail(f"stability dashboard exited early:\n{log.read_text(errors='replace')}")
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        return url
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"stability dashboard did not start in 90 s:\n{log.read_text(errors='replace')}")
            time.sleep(0.3)

    def close(self) -> None:
        for proc in self.procs.values():
            stop(proc)


@pytest.fixture(scope="module")
def servers(stores: Stores, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    s = Servers(stores, tmp_path_factory.mktemp("servers"))
    try:
        yield s
    finally:
        s.close()


@pytest.fixture(scope="module")
def tab(tmp_path_factory: pytest.TempPathFactory):
    """One browser tab for the whole module; every request leaving this machine is blocked."""
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} not found: install Debian's Chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(profile),
            executable_path=CHROMIUM,
            headless=True,
            args=FLAGS,
            viewport={"width": 1440, "height": 2600},
        )

        def route(r) -> None:  # noqa: ANN001
            host = urlparse(r.request.url).hostname or ""
            if r.request.url.startswith(("http://", "https://")) and host not in LOCAL_HOSTS:
                r.abort()
            else:
                r.continue_()

        context.route("**/*", route)
        try:
            yield context.new_page()
        finally:
            context.close()


# --- reading a page --------------------------------------------------------------------------------

#: Per plotly figure on the page: its title, how many of its traces hold at least one value, the
#: lines of its source caption, and every text it draws.
FIGURES_JS = """
() => Array.from(document.querySelectorAll('.js-plotly-plot')).map((gd) => {
  const keys = ['x', 'y', 'z', 'values', 'locations', 'lat', 'lon', 'r', 'labels'];
  const filled = (v) => {
    if (v === undefined || v === null) return 0;
    if (!(Array.isArray(v) || ArrayBuffer.isView(v))) return 0;
    let n = 0;
    for (const e of v) {
      if (Array.isArray(e) || ArrayBuffer.isView(e)) n += filled(e);
      else if (e !== null && e !== undefined && e !== '' && !(typeof e === 'number' && isNaN(e))) n += 1;
    }
    return n;
  };
  const traces = (gd._fullData || []).filter((t) => t.visible !== false);
  const withData = traces.filter((t) => {
    if (t.type === 'table') return filled((t.cells || {}).values) > 0;
    const ks = keys.filter((k) => t[k] !== undefined);
    if (!ks.length) return false;
    // a point needs a value on every coordinate the trace has: x without y draws nothing
    const values = ks.filter((k) => !['labels', 'x', 'locations', 'lat', 'lon'].includes(k));
    const counts = (values.length ? values : ks).map((k) => filled(t[k]));
    return counts.length ? Math.min(...counts) > 0 : filled(t[ks[0]]) > 0;
  }).length;
  const layout = gd._fullLayout || gd.layout || {};
  const title = ((layout.title || {}).text || '');
  const captions = ((gd.layout || {}).annotations || [])
    .filter((a) => a.name === 'caption' || /^\\s*(Source|Sources)\\b/i.test(a.text || ''))
    .map((a) => (a.text || '').split(/<br\\s*\\/?>/i).filter((l) => l.trim()).length);
  const texts = Array.from(gd.querySelectorAll('text')).map((t) => t.textContent);
  // the drawn title inside the figure's box (a hidden figure has an empty box and is not judged)
  const box = (gd.querySelector('svg.main-svg') || gd).getBoundingClientRect();
  const drawn = gd.querySelector('.gtitle');
  const t = drawn ? drawn.getBoundingClientRect() : null;
  const titleCut = Boolean(t && box.width > 0 && t.width > 0 &&
    (t.top < box.top - 1 || t.left < box.left - 1 || t.right > box.right + 1));
  return {title, traces: traces.length, withData, captions, texts, titleCut};
})
"""
#: Streamlit captions that give a source: how many lines each takes on screen.
CAPTIONS_JS = """
() => Array.from(document.querySelectorAll('[data-testid="stCaptionContainer"]'))
  .filter((c) => /^\\s*(Source|Sources)\\b/i.test(c.innerText))
  .map((c) => {
    const lh = parseFloat(getComputedStyle(c).lineHeight) || 20;
    return {text: c.innerText, lines: Math.round(c.getBoundingClientRect().height / lh)};
  })
"""


STATE_JS = """
() => {
  const app = document.querySelector('[data-testid="stApp"]');
  const plots = Array.from(document.querySelectorAll('.js-plotly-plot'));
  return {
    idle: !!app && app.getAttribute('data-test-script-state') === 'notRunning',
    title: !!document.querySelector('[data-testid="stMain"] h1'),
    stale: document.querySelectorAll('[data-stale="true"]').length,
    // an element whose code is still loading (a chart before plotly.js has arrived) shows a skeleton
    loading: document.querySelectorAll('[data-testid="stSkeleton"]').length,
    plots: plots.length,
    drawn: plots.every((gd) => gd._fullLayout && gd.querySelector('.main-svg')),
  };
}
"""


def settle(page, timeout: float = 120.0) -> float:  # noqa: ANN001
    """Wait until the script has run (a first run can be followed by a rerun once the URL is
    written) and every chart is drawn: the same reading three times in a row, 300 ms apart.
    Returns the seconds from the call to the first of those readings (when the page was drawn)."""
    started = time.monotonic()
    deadline = started + timeout
    last, same, since = None, 0, started
    while same < 3:
        if time.monotonic() > deadline:
            raise AssertionError(f"the page did not settle in {timeout:.0f} s: {last}")
        page.wait_for_timeout(300)
        state = page.evaluate(STATE_JS)
        busy = state["stale"] or state["loading"]
        ready = state["idle"] and state["title"] and not busy and state["drawn"]
        if ready and state == last:
            same += 1
        else:
            same, since = 0, time.monotonic()
        last = state
    return since - started


#: (store, page, region, seconds to settle) of every page visit, written to ``OUT/settle_times.csv``
#: at the module's end: how long each page took to draw in a real browser (a record, not a test).
SETTLE_TIMES: list[tuple[str, str, str, float]] = []


@pytest.fixture(scope="module", autouse=True)
def _settle_times() -> Iterator[None]:
    yield
    if SETTLE_TIMES:
        OUT.mkdir(parents=True, exist_ok=True)
        frame = pd.DataFrame(SETTLE_TIMES, columns=["store", "page", "region", "seconds"])
        frame.to_csv(OUT / "settle_times.csv", index=False)


def visit(tab, url: str) -> dict[str, object]:  # noqa: ANN001
    tab.goto(url)
    settled = settle(tab)
    main = tab.get_by_test_id("stMain")
    return {
        "settled": settled,
        "text": main.inner_text(),
        "figures": tab.evaluate(FIGURES_JS),
        "captions": tab.evaluate(CAPTIONS_JS),
        "exceptions": tab.get_by_test_id("stException").count(),
    }


def problems(seen: dict[str, object], page: str, families: tuple[str, ...]) -> list[str]:
    """What is wrong with one visited page, in words (empty when nothing is)."""
    out: list[str] = []
    text = str(seen["text"])
    if seen["exceptions"] or "Traceback" in text or "could not be drawn" in text:
        out.append("an exception or error box is shown: " + text[:300].replace("\n", " "))
    if "Page not found" in text:
        out.append('"Page not found"')
    for fig in seen["figures"]:  # type: ignore[attr-defined]
        name = fig["title"] or "(untitled)"
        if fig["withData"] == 0:
            out.append(f"figure {name!r} has no trace with data ({fig['traces']} trace(s))")
        if fig["titleCut"]:
            out.append(f"figure {name!r}: its title is cut at the edge of the figure")
        for lines in fig["captions"]:
            if lines > 2:
                out.append(f"figure {name!r}: source caption of {lines} lines")
        for t in [fig["title"], *fig["texts"]]:
            if BAD_WORDS.search(t or ""):
                out.append(f"figure {name!r} shows {t!r}")
    for cap in seen["captions"]:  # type: ignore[attr-defined]
        if cap["lines"] > 2:
            out.append(f"source caption of {cap['lines']} lines: {cap['text'][:120]!r}")
    bad = BAD_WORDS.search(text)
    if bad:
        out.append(f"page text shows {bad.group(0)!r}: …{text[max(0, bad.start() - 60) : bad.end() + 20]!r}…")
    missing = [f for f in FAMILIES if f not in families]
    shown = (
        [FAMILY_PAGES[page]] if page in FAMILY_PAGES else list(FAMILIES) if page in ALL_FAMILY_PAGES else []
    )
    lines = text.splitlines()
    for family in (f for f in shown if f in missing):
        said = [ln for ln in lines if NO_DATA.search(ln) and FAMILY_WORDS[family].search(ln)]
        if not said:
            out.append(f"no sentence saying the region has no {family} data")
    return out


def _shot(tab, name: str) -> None:  # noqa: ANN001
    tab.screenshot(path=str(OUT / f"{re.sub(r'[^A-Za-z0-9_-]+', '-', name)}.png"), full_page=True)


# --- the visits ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("store", "page", "region"), VISITS, ids=[f"{s}-{p}-{r}" for s, p, r in VISITS])
def test_page_reads_well(servers: Servers, tab, store: str, page: str, region: str) -> None:  # noqa: ANN001
    seen = visit(tab, f"{servers.url(store)}/{page}?region={quote(region)}")
    SETTLE_TIMES.append((store, page, region, round(float(seen["settled"]), 2)))  # type: ignore[arg-type]
    _shot(tab, f"{store}-{page}-{region}")
    found = problems(seen, page, CASES[store][region])
    assert not found, f"{store} store, {page} page, {region}:\n- " + "\n- ".join(found)


def _most_common_type(store: Path | None, region: str) -> str:
    """The event type with the most incidents in the region's member countries, counted from the
    store's current incidents table (Delta Lake, read with deltalake; or the bundled sample) with
    pyarrow and pandas."""
    from deltalake import DeltaTable

    columns = ["iso3", "event_type"]
    if store is not None:
        tables = [DeltaTable(str(store / "incidents")).to_pyarrow_table(columns=columns)]
    else:
        tables = [pq.read_table(ROOT / "datasets" / "data" / "sample_incidents.parquet", columns=columns)]
    members = set(REGIONS.loc[REGIONS["region"] == region, "iso3"])
    counts: Counter[str] = Counter()
    for table in tables:
        t = table.to_pandas()
        counts.update(t.loc[t["iso3"].isin(members), "event_type"].dropna().astype(str))
    assert counts, f"no incident in {region}"
    return counts.most_common(1)[0][0]


@pytest.mark.parametrize(("store", "region"), [("real", "Sahel"), ("sample", "ASEAN")])
def test_event_type_filter_is_said_in_the_titles(
    servers: Servers,
    stores: Stores,
    tab,  # noqa: ANN001
    store: str,
    region: str,
) -> None:
    kind = _most_common_type(stores[store], region)
    seen = visit(tab, f"{servers.url(store)}/conflict?region={quote(region)}&type={quote(kind)}")
    if not seen["figures"]:  # this page draws charts: give a slow machine time to load plotly.js
        tab.wait_for_selector(".js-plotly-plot .main-svg", timeout=60_000)
        settle(tab)
        seen = {**seen, "figures": tab.evaluate(FIGURES_JS)}
    _shot(tab, f"{store}-conflict-{region}-{kind}")
    assert problems(seen, "conflict", CASES[store][region]) == []
    figures = seen["figures"]
    assert figures, "no chart on the Conflict page"
    untold = [f["title"] for f in figures if kind.lower() not in str(f["title"]).lower()]  # type: ignore[index]
    assert not untold, f"titles that do not say the filter {kind!r}: {untold}"


def test_overview_has_its_own_address(servers: Servers, tab) -> None:  # noqa: ANN001
    """``/overview`` opens the Overview (not "Page not found"); ``/`` leads to the same address."""
    url = servers.url("sample")
    seen = visit(tab, f"{url}/overview?region=Sahel")
    assert "Page not found" not in str(seen["text"])
    assert tab.get_by_role("heading", name="Overview").count() == 1
    assert urlparse(tab.url).path == "/overview" and "region=Sahel" in tab.url
    visit(tab, f"{url}/?region=Sahel")
    tab.wait_for_url("**/overview?**", timeout=30_000)
    assert "region=Sahel" in tab.url
    assert tab.get_by_role("heading", name="Overview").count() == 1
