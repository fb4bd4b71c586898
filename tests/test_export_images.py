"""Server-side chart images (PNG, SVG, PDF) of three chart types drawn through kaleido and Debian's
Chromium: a time series (conflict trend), the world map and the network graph.

Each chart is rendered once per format (nine renders; one Chromium for the whole test process). The
checks read the files themselves: the signature, the PNG's pixel size from its IHDR header and its
colours, and the title, source and sample note in the SVG and PDF text.
"""

from __future__ import annotations

import io
import re
import struct

import pytest
from PIL import Image
from pypdf import PdfReader

from reports.export import catalog, render

REGION = "Sahel"
CHARTS = {
    # name → the title the chart must carry (as the page shows it)
    "conflict-trend": f"{REGION} · Incidents, trailing mean, trend and flags · 2016–2025",
    "world-map": f"{REGION} · Stability index by country, regions of Security grouping · 2025-12",
    "network": f"{REGION} · Who engaged with whom · 2016–2025",
}
SOURCE = "Source: Illustrative sample data (not real)"
# the default window: the last 10 years of the sample incidents (2015-01 … 2025-12), i.e. 2025-12
# and the 12 × 10 − 1 = 119 months before it, from 2016-01 (issue 13)
SPAN = "2016-01 to 2025-12"


@pytest.fixture(scope="module")
def images(sample_bundle) -> dict[tuple[str, str], bytes]:
    out = {}
    for name in CHARTS:
        chart = catalog.build_chart(sample_bundle, name, REGION)
        for fmt in render.FORMATS:
            out[name, fmt] = render.render_image(chart.figure, fmt)
    return out


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from the IHDR chunk: 8-byte signature, 4-byte length, b"IHDR", then two
    big-endian 32-bit integers."""
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def pdf_text(data: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.mark.parametrize("name", CHARTS)
def test_png_is_slide_sized_and_drawn(images, name: str) -> None:
    data = images[name, "png"]
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    # 1600 × 900 CSS pixels at scale 2 → 3200 × 1800 pixels
    assert png_size(data) == (3200, 1800)
    picture = Image.open(io.BytesIO(data)).convert("RGB")
    assert picture.size == (3200, 1800)
    small = picture.resize((400, 225))
    colours = small.getcolors(maxcolors=400 * 225)
    assert colours is not None and len(colours) > 20  # not a blank or one-colour canvas
    white = sum(n for n, c in colours if c == (255, 255, 255))
    assert white < 0.97 * 400 * 225  # more than 3 % of the canvas is drawn


@pytest.mark.parametrize("name", CHARTS)
def test_svg_carries_title_source_span_and_sample_note(images, name: str) -> None:
    text = images[name, "svg"].decode("utf-8")
    assert text.lstrip().startswith("<svg")
    assert CHARTS[name] in text
    assert SOURCE in text and SPAN in text
    assert render.BADGE in text
    assert 'width="1600"' in text and 'height="900"' in text


@pytest.mark.parametrize("name", CHARTS)
def test_pdf_carries_title_source_and_sample_note(images, name: str) -> None:
    data = images[name, "pdf"]
    assert data[:5] == b"%PDF-"
    text = squash(pdf_text(data))
    assert squash(CHARTS[name]) in text
    assert squash(SOURCE) in text and squash(SPAN) in text
    assert squash(render.BADGE) in text


def test_world_map_is_drawn_from_the_bundled_topology(images) -> None:
    # One path per country shape: far more than the 68 member countries coloured, because every
    # other country is drawn in grey as "no index".
    assert images["world-map", "svg"].count(b"choroplethlocation") > 150


def test_time_series_axes_carry_units(images) -> None:
    text = images["conflict-trend", "svg"].decode("utf-8")
    assert "Incidents per month" in text and "Month" in text


def test_export_layout_leaves_the_page_figure_alone(sample_bundle) -> None:
    chart = catalog.build_chart(sample_bundle, "network", REGION)
    before = chart.figure.to_json()
    out = render.for_export(chart.figure)
    assert chart.figure.to_json() == before
    assert (out.layout.width, out.layout.height) == (1600, 900)
    assert [a.name for a in out.layout.annotations][-1] == "sample-badge"


def test_unknown_format_is_refused(sample_bundle) -> None:
    chart = catalog.build_chart(sample_bundle, "network", REGION)
    with pytest.raises(ValueError, match="png, svg, pdf"):
        render.render_image(chart.figure, "gif")


def test_without_chromium_the_error_says_what_to_install(monkeypatch, sample_bundle) -> None:
    monkeypatch.delenv("BROWSER_PATH", raising=False)
    monkeypatch.setattr(render, "BROWSER_CANDIDATES", ())
    monkeypatch.setattr(render, "_renderer", None)  # as in a process that has drawn nothing yet
    assert render.find_browser() is None and not render.images_available()
    chart = catalog.build_chart(sample_bundle, "network", REGION)
    with pytest.raises(render.ChromiumMissing, match=r"sudo apt-get install chromium"):
        render.render_image(chart.figure, "png")


def test_browser_path_names_the_chromium(monkeypatch) -> None:
    monkeypatch.setenv("BROWSER_PATH", "/usr/bin/chromium")
    assert render.find_browser() == "/usr/bin/chromium"
    monkeypatch.setenv("BROWSER_PATH", "/nonexistent/chromium")
    monkeypatch.setattr(render, "BROWSER_CANDIDATES", ())
    assert render.find_browser() is None


def test_a_process_that_started_chromium_closes_it_before_its_profile_is_removed() -> None:
    """The command line starts Chromium early (``prestart``). A process that ended while it was
    starting removed its profile folder under it ("OSError: Directory not empty: 'Default'", a
    traceback after the brief was written, in about 1 run in 6). The starting thread is not a
    daemon, and the renderer closes Chromium through a finalizer that runs before the folder's."""
    import subprocess
    import sys

    if render.find_browser() is None:
        pytest.skip("no Chromium on this machine")
    code = (
        "import threading; from reports.export import render; render.prestart(); "
        "t = [t for t in threading.enumerate() if t.name == 'kaleido-start']; "
        "assert t and not t[0].daemon, t; t[0].join(60); "
        "assert render._renderer is not None and render._renderer._finalizer.alive; "
        "print('started')"
    )
    for _ in range(2):
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
        assert done.returncode == 0 and done.stdout.strip() == "started", done.stderr
        assert "Traceback" not in done.stderr and "Error" not in done.stderr, done.stderr
