"""Server-side chart images: PNG, SVG and PDF drawn by plotly's kaleido in the system's Chromium.

Chromium is found without downloading anything: ``$BROWSER_PATH`` when it names a file, else the
first of ``BROWSER_CANDIDATES`` on the ``PATH`` (Debian's package installs ``/usr/bin/chromium``).
One Chromium is started per process, on the first image, and kept for the next ones (the first
image pays about 3 s for the start, later ones about 0.3 s). Maps read the bundled country shapes
(``dashboard/static/topojson``), never a CDN; MathJax is off, so nothing is fetched.

``for_export`` prepares a page figure for a slide-sized canvas (larger type, the caption with
source, time span and the sample-data note kept under the plot, and a badge reading
"Illustrative sample data, not real" in the top right corner when the data are the sample).
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import os
import shutil
import threading
import time
import weakref
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

import plotly.graph_objects as go

from reports import charts, vocabulary

FORMATS: tuple[str, ...] = ("png", "svg", "pdf")
MEDIA_TYPES: dict[str, str] = {"png": "image/png", "svg": "image/svg+xml", "pdf": "application/pdf"}
BROWSER_CANDIDATES: tuple[str, ...] = (
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
)
INSTALL_HINT = "Install Debian's chromium package: sudo apt-get install chromium"
WIDTH, HEIGHT, SCALE = 1600, 900, 2
#: Type on the export canvas is this many times the page's (1600 px is wider than a page column).
TYPE_SCALE = 1.35
START_TIMEOUT = 90.0
RENDER_TIMEOUT = 120.0
BADGE = "ILLUSTRATIVE SAMPLE DATA, NOT REAL"


class ChromiumMissing(RuntimeError):
    """No Chromium to draw images with; the message says what to install."""


def find_browser() -> str | None:
    """The Chromium to draw with: ``$BROWSER_PATH`` if it is an executable file, else the first of
    ``BROWSER_CANDIDATES`` found on the ``PATH``; None when there is none. The answer is kept for
    ``BROWSER_RECHECK_S`` seconds per (``$BROWSER_PATH``, ``$PATH``, candidates): a page asks once
    per chart, and each search stats every directory of the ``PATH``."""
    key = (os.environ.get("BROWSER_PATH"), os.environ.get("PATH"), BROWSER_CANDIDATES)
    now = time.monotonic()
    kept = _FOUND.get(key)
    if kept is not None and now - kept[0] < BROWSER_RECHECK_S:
        return kept[1]
    found = _search_browser(key[0])
    _FOUND.clear()
    _FOUND[key] = (now, found)
    return found


#: Seconds a ``find_browser`` answer is kept (a Chromium installed meanwhile is seen after that).
BROWSER_RECHECK_S = 30.0
_FOUND: dict[tuple[str | None, str | None, tuple[str, ...]], tuple[float, str | None]] = {}


def _search_browser(env: str | None) -> str | None:
    if env and os.path.isfile(env) and os.access(env, os.X_OK):
        return env
    for name in BROWSER_CANDIDATES:
        hit = shutil.which(name)
        if hit:
            return hit
    return None


def missing_message() -> str:
    """One sentence for a user whose machine has no Chromium."""
    return f"Chart images are drawn on this computer with Chromium, which was not found. {INSTALL_HINT}."


def images_available() -> bool:
    """True when server-side images can be drawn (a Chromium is installed)."""
    return find_browser() is not None


# --- the one Chromium of this process ------------------------------------------------------------


class _Renderer:
    """A kaleido instance on its own event-loop thread; ``render`` is safe to call from any thread
    (requests queue for the one browser tab)."""

    def __init__(self, browser: str) -> None:
        import kaleido

        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="kaleido", daemon=True)
        self._thread.start()

        async def start() -> Any:
            k = kaleido.Kaleido(n=1, mathjax=False, path=browser)
            await k.open()
            return k

        try:
            self._kaleido = self._run(start(), START_TIMEOUT)
        except BaseException:
            self._loop.call_soon_threadsafe(self._loop.stop)
            raise
        # Closed at exit before the browser's temporary profile folder is removed: the folder's own
        # clean-up (a ``weakref.finalize`` made while the browser started) runs after finalizers
        # made later, so the browser no longer writes into it ("Directory not empty" otherwise).
        self._finalizer = weakref.finalize(self, _shut, self._loop, self._kaleido)

    def _run(self, coroutine: Any, timeout: float) -> Any:
        future = asyncio.run_coroutine_threadsafe(coroutine, self._loop)
        try:
            return future.result(timeout=timeout)
        except FutureTimeout:
            future.cancel()
            raise TimeoutError(f"Chromium did not answer within {timeout:.0f} s") from None

    def render(self, spec: dict[str, Any], opts: dict[str, Any], topojson: str) -> bytes:
        return bytes(self._run(self._kaleido.calc_fig(spec, opts, topojson=topojson), RENDER_TIMEOUT))

    def close(self) -> None:
        """Close the browser and stop the loop (once: a finalizer runs at most once, so later calls
        do nothing)."""
        self._finalizer()


def _shut(loop: asyncio.AbstractEventLoop, k: Any) -> None:
    """Close kaleido's browser on its loop, then stop the loop; nothing is reported (closing)."""
    with contextlib.suppress(Exception):
        asyncio.run_coroutine_threadsafe(k.close(), loop).result(timeout=15)
    loop.call_soon_threadsafe(loop.stop)


_renderer: _Renderer | None = None
_lock = threading.Lock()


def _get_renderer() -> _Renderer:
    global _renderer
    with _lock:
        if _renderer is None:
            browser = find_browser()
            if browser is None:
                raise ChromiumMissing(missing_message())
            os.environ.setdefault("BROWSER_PATH", browser)
            _renderer = _Renderer(browser)
        return _renderer


def prestart() -> None:
    """Start Chromium in the background, so that it is ready when the first image is asked for (the
    command line starts it while it computes the data). Does nothing without a Chromium; a failure
    surfaces at the first ``render_image``."""
    if _renderer is None and find_browser() is not None:
        # not a daemon: a process that ends while Chromium is starting waits for it to have started,
        # so that it is closed (``_Renderer``'s finalizer) before its profile folder is removed
        threading.Thread(target=_try_start, name="kaleido-start").start()


def _try_start() -> None:
    with contextlib.suppress(Exception):
        _get_renderer()


def _reset() -> None:
    global _renderer
    with _lock:
        old, _renderer = _renderer, None
    if old is not None:
        old.close()


# --- figures for export ----------------------------------------------------------------------------


def _scaled(size: object, default: float) -> float:
    return round((float(size) if isinstance(size, int | float) else default) * TYPE_SCALE, 1)


def for_export(fig: go.Figure, *, width: int = WIDTH, height: int = HEIGHT) -> go.Figure:
    """A copy of ``fig`` laid out for a ``width`` × ``height`` canvas: larger type, room for the
    caption (source, time span, notes) under the plot, and the sample-data badge when the caption
    says the data are illustrative. ``fig`` itself is not changed (page figures are shared)."""
    out = go.Figure(fig)
    layout = out.layout
    layout.width, layout.height = width, height
    layout.font.size = _scaled(layout.font.size, 13)
    layout.title.font.size = _scaled(layout.title.font.size, 16)
    if layout.title.yref == "container":  # a title built here: its lines kept inside the canvas
        lines = str(layout.title.text or "").count("<br>") + 1
        layout.title.y = charts.title_y(lines, height, charts.TITLE_LINE_PX * TYPE_SCALE)
    if layout.legend.font.size is not None:
        layout.legend.font.size = _scaled(layout.legend.font.size, 10)
    caption_text = ""
    top = float(layout.margin.t or 96)
    for ann in layout.annotations:
        ann.font.size = _scaled(ann.font.size, 11)
        if ann.name == "caption":
            caption_text = html.unescape(str(ann.text).replace("<br>", " "))
            lines = str(ann.text).count("<br>") + 1
            below = round(-(ann.yshift or 0) * TYPE_SCALE)
            ann.yshift = -below
            layout.margin.b = below + round(ann.font.size * 1.3) * lines + 16
    layout.margin.t = round(top * TYPE_SCALE) if top > 60 else 72
    if "illustrative" in caption_text.lower():
        out.add_annotation(
            text=f"<b>{BADGE}</b>",
            xref="paper",
            yref="paper",
            x=1,
            y=1,
            xanchor="right",
            yanchor="top",
            yshift=layout.margin.t - 10,
            showarrow=False,
            font={"size": round(12 * TYPE_SCALE), "color": vocabulary.VERMILLION},
            bordercolor=vocabulary.VERMILLION,
            borderwidth=1.5,
            borderpad=4,
            bgcolor="white",
            name="sample-badge",
        )
    return out


def render_image(
    fig: go.Figure, fmt: str, *, width: int = WIDTH, height: int = HEIGHT, scale: float = SCALE
) -> bytes:
    """``fig`` as a PNG, SVG or PDF file (bytes), laid out by ``for_export`` on a ``width`` ×
    ``height`` canvas (CSS pixels); a PNG has ``width·scale`` × ``height·scale`` pixels (default
    3200 × 1800). Raises ``ChromiumMissing`` when no Chromium is installed and ``ValueError`` for
    another format."""
    if fmt not in FORMATS:
        raise ValueError(f"image format must be one of {', '.join(FORMATS)}, not '{fmt}'")
    topojson = charts.configure_offline_topojson().resolve().as_uri() + "/"
    spec = for_export(fig, width=width, height=height).to_dict()
    opts = {"format": fmt, "width": width, "height": height, "scale": scale}
    renderer = _get_renderer()
    try:
        return renderer.render(spec, opts, topojson)
    except (TimeoutError, RuntimeError, OSError):
        _reset()  # a browser that stopped answering is replaced on the next image
        raise
