"""The dashboard in a real headless Chromium, with every request outside this machine blocked.

Starts ``stability dashboard`` on a free port, opens the Overview, checks that the world map is drawn
from the bundled topology (no CDN), changes the region filter and checks the URL and the headline
numbers. Saves a screenshot for the README. Needs Debian's Chromium at /usr/bin/chromium.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pandas as pd
import pyarrow.parquet as pq
import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "datasets" / "data"
CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
SCREENSHOT = ROOT / "docs" / "screenshot.png"
# The pages open on the last 10 years of the conflict data: the sample incidents run 2015-01 …
# 2025-12, so 2025-12 and the 12 × 10 − 1 = 119 months before it (issue 13).
DEFAULT_START = str(pd.Period("2025-12", "M") - 119)
assert DEFAULT_START == "2016-01"
MAP_DRAWN = (
    "() => document.querySelectorAll('[data-testid=\"stPlotlyChart\"] path.choroplethlocation').length > 100"
)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop the process group started for the test (``stability`` and its Streamlit child)."""
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=15)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    log = tmp_path_factory.mktemp("server") / "stability-dashboard.log"
    env = {k: v for k, v in os.environ.items() if k not in ("STABILITY_STORE", "STABILITY_REGIONS")}
    # the default store lives in the user's data directory: point it at an empty folder
    env["XDG_DATA_HOME"] = str(tmp_path_factory.mktemp("user-data"))
    command = [str(Path(sys.executable).with_name("stability")), "dashboard", "--port", str(port)]
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                pytest.fail(f"stability dashboard exited early:\n{log.read_text(errors='replace')}")
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"stability dashboard did not start in 90 s:\n{log.read_text(errors='replace')}")
            time.sleep(0.3)
        yield url
    finally:
        stop(proc)


@pytest.fixture(scope="module")
def browser_context(tmp_path_factory: pytest.TempPathFactory):
    if not os.path.exists(CHROMIUM):
        pytest.fail(
            f"{CHROMIUM} not found: install Debian's Chromium (apt-get install chromium) to run this test"
        )
    from playwright.sync_api import sync_playwright

    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(profile),
            executable_path=CHROMIUM,
            headless=True,
            args=FLAGS,
            viewport={"width": 1440, "height": 1500},
        )
        try:
            yield context
        finally:
            context.close()


def wait_idle(page) -> None:
    """Wait until Streamlit has finished running the script."""
    page.wait_for_timeout(300)
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=60_000)


def metrics(page) -> dict[str, str]:
    out = {}
    for m in page.get_by_test_id("stMetric").all():
        label = m.get_by_test_id("stMetricLabel").inner_text().strip()
        out[label] = m.get_by_test_id("stMetricValue").inner_text().strip()
    return out


def settled_metrics(page, label: str, expected: str, timeout: float = 30.0) -> dict[str, str]:
    """The metrics once ``label`` shows ``expected`` (Streamlit may still be redrawing); the last
    reading when it never does, so the assertion that follows shows what was there."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            shown = metrics(page)
        except Exception:  # an element replaced mid-read: read again
            shown = {}
        if shown.get(label) == expected or time.monotonic() > deadline:
            return shown
        page.wait_for_timeout(250)


def incidents_total(region: str, first: str = DEFAULT_START, last: str = "2025-12") -> int:
    """Incidents of the region's members with month in [first, last], counted from the sample Parquet."""
    regions = pd.read_csv(DATA / "regions.csv")
    members = set(regions.loc[regions["region"] == region, "iso3"])
    inc = pq.read_table(DATA / "sample_incidents.parquet", columns=["iso3", "event_date"]).to_pandas()
    month = pd.to_datetime(inc["event_date"]).dt.strftime("%Y-%m")
    return int((inc["iso3"].isin(members) & (month >= first) & (month <= last)).sum())


def incidents_12_months(region: str, last: str = "2025-12") -> int:
    """Incidents of the region's members in the 12 months to ``last``."""
    return incidents_total(region, str(pd.Period(last, "M") - 11), last)


def test_overview_offline_map_and_region_filter(server: str, browser_context, tmp_path: Path) -> None:
    requested: list[str] = []
    blocked: list[str] = []

    def route(r) -> None:
        host = urlparse(r.request.url).hostname or ""
        if r.request.url.startswith(("http://", "https://")) and host not in LOCAL_HOSTS:
            blocked.append(r.request.url)
            r.abort()
        else:
            r.continue_()

    browser_context.route("**/*", route)
    page = browser_context.new_page()
    page.on("request", lambda req: requested.append(req.url))
    page.goto(server + "/")
    page.wait_for_selector('[data-testid="stMetricValue"]', timeout=60_000)
    wait_idle(page)

    # The world map is drawn from the bundled topology: well over 100 country shapes.
    page.wait_for_function(MAP_DRAWN, timeout=60_000)
    assert page.locator("path.choroplethlocation").count() > 100
    assert "Illustrative sample data, not real." in page.inner_text("body")
    query = parse_qs(urlparse(page.url).query)
    assert query["region"] == ["ASEAN"]
    label = "Incidents, 12 months"
    before = settled_metrics(page, label, f"{incidents_12_months('ASEAN'):,}")
    assert before[label] == f"{incidents_12_months('ASEAN'):,}"
    page.screenshot(path=str(tmp_path / "screenshot.png"))

    # Change the region in the sidebar: the URL and the headline numbers follow.
    page.get_by_role("combobox", name="Region", exact=True).click()
    page.get_by_role("option", name="Sahel", exact=True).click()
    page.wait_for_url("**region=Sahel**", timeout=30_000)
    wait_idle(page)
    page.wait_for_function(MAP_DRAWN, timeout=60_000)
    after = settled_metrics(page, label, f"{incidents_12_months('Sahel'):,}")
    assert after[label] == f"{incidents_12_months('Sahel'):,}"
    assert after[label] != before[label]
    assert after["Stability index"] != before["Stability index"]
    query = parse_qs(urlparse(page.url).query)
    assert query["region"] == ["Sahel"] and query["start"] == [DEFAULT_START] and query["end"] == ["2025-12"]

    # Another page through the sidebar navigation keeps the filters, in the view and in the URL.
    page.get_by_test_id("stSidebarNav").get_by_text("Conflict incidents", exact=True).click()
    page.wait_for_url("**/conflict?**region=Sahel**", timeout=30_000)
    total = f"{incidents_total('Sahel'):,}"
    shown = f"Incidents, {DEFAULT_START} to 2025-12"
    assert settled_metrics(page, shown, total).get(shown) == total
    page.get_by_test_id("stSidebarNav").get_by_text("Overview", exact=True).click()
    page.wait_for_url("**region=Sahel**", timeout=30_000)
    page.wait_for_function(MAP_DRAWN, timeout=60_000)

    # Reopening the copied link gives the same view in a fresh page.
    copy = browser_context.new_page()
    copy.on("request", lambda req: requested.append(req.url))
    copy.goto(page.url)
    copy.wait_for_selector('[data-testid="stMetricValue"]', timeout=60_000)
    wait_idle(copy)
    assert settled_metrics(copy, label, after[label]).get(label) == after[label]
    copy.close()

    # Nothing left this machine.
    hosts = {urlparse(u).hostname for u in requested if u.startswith(("http://", "https://"))}
    assert blocked == []
    assert hosts <= LOCAL_HOSTS, hosts
    assert len(requested) > 10

    # README screenshot: regenerated each run; the committed one is only written when missing.
    shot = tmp_path / "overview-sahel.png"
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000
    if not SCREENSHOT.exists():
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(tmp_path / "screenshot.png", SCREENSHOT)
    page.close()


def test_server_side_map_export_is_offline(tmp_path: Path) -> None:
    """kaleido draws the same world map with the bundled topology (its default is a CDN)."""
    if not os.path.exists(CHROMIUM):
        pytest.fail(
            f"{CHROMIUM} not found: install Debian's Chromium (apt-get install chromium) to run this test"
        )
    os.environ.setdefault("BROWSER_PATH", CHROMIUM)
    from reports import charts

    charts.configure_offline_topojson()
    frame = pd.DataFrame(
        {"iso3": ["FRA", "DEU", "MLI"], "region": ["A", "A", "B"], "value": [80.0, 80.0, 10.0]}
    )
    fig = charts.world_map(
        frame,
        title="Export",
        caption=charts.Caption("Test", "2020-01", "2020-12", True),
        all_iso3=["FRA", "DEU", "MLI", "ESP", "BRA"],
    )
    svg = fig.to_image(format="svg", width=900, height=500)
    # One path per drawn country: 3 coloured + ESP and BRA in grey.
    assert svg.count(b"choroplethlocation") == 5
