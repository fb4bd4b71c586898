"""A viewer in a real headless Chromium: signed in as a viewer, the Data page offers no upload and
no withdraw, and the store is byte-identical after trying. Needs Debian's Chromium."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from dashboard.access import hash_password
from datasets.store import Store

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
from test_browser_dashboard import CHROMIUM, FLAGS, free_port, stop, wait_idle  # noqa: E402

ACLED = HERE / "fixtures" / "incidents" / "acled_current.csv"


def snapshot(root: Path) -> dict[str, str]:
    """Every file of the store's data; not ``derived/``, the app's own cache of the incidents
    (``datasets.derived``), which the first visit of any visitor may write."""
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != ".lock" and p.relative_to(root).parts[0] != "derived"
    }


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    work = tmp_path_factory.mktemp("roles")
    store = work / "store"
    Store(store).ingest(ACLED, user="setup")
    editors = work / "editors.toml"
    editors.write_text(
        f'[auth.users.amina]\npassword = "{hash_password("editor pw")}"\nrole = "editor"\n'
        f'[auth.users.viktor]\npassword = "{hash_password("viewer pw")}"\nrole = "viewer"\n'
    )
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("STABILITY_")}
    cmd = [str(Path(sys.executable).with_name("stability")), "dashboard", "--port", str(port)]
    cmd += ["--store", str(store), "--editors", str(editors)]
    log = work / "server.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text(errors="replace")
            time.sleep(0.3)
        yield url, store
    finally:
        stop(proc)


def test_viewer_cannot_upload_or_withdraw(app: tuple[str, Path], tmp_path: Path) -> None:
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} not found: install Debian's Chromium to run this test")
    from playwright.sync_api import sync_playwright

    url, store = app
    before = snapshot(store)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1600})
            page.goto(f"{url}/data")
            wait_idle(page)
            page.get_by_text("Sign in (editors add and withdraw data)").click()
            page.get_by_role("textbox", name="Name").fill("viktor")
            page.get_by_role("textbox", name="Password").fill("viewer pw")
            page.get_by_role("button", name="Sign in").click()
            wait_idle(page)
            page.wait_for_selector("text=Signed in as viktor (viewer).", timeout=30_000)
            body = page.inner_text("body")
            assert "Sign in as an editor to add, withdraw or restore data" in body
            assert page.get_by_test_id("stFileUploaderDropzoneInput").count() == 0
            for verb in ("Withdraw", "Restore", "Store"):
                assert page.get_by_role("button", name=verb, exact=True).count() == 0
            assert (
                page.get_by_role("button", name="Reload data for everyone (clears the shared caches)").count()
                == 0
            )
            # trying anyway: the keyboard shortcut for clearing caches and a reload of the page
            page.keyboard.press("c")
            page.reload()
            wait_idle(page)
            assert page.get_by_test_id("stFileUploaderDropzoneInput").count() == 0
        finally:
            browser.close()
    assert snapshot(store) == before
