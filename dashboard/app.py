"""Regional Stability Monitor: the Streamlit entry point.

Routes the pages in ``views/`` with stable URL paths, draws the sidebar filters (mirrored into the
URL), shows the sample-data banner, and turns any error into one sentence. Run it with
``stability dashboard``.
"""

from __future__ import annotations

import gc
from collections.abc import Callable

import streamlit as st

from dashboard import data, sidebar, signin, ui
from dashboard.turns import runs_allowed, shared

# The server holds many long-lived objects (the data, the caches). With Python's default thresholds
# a cycle collection ran after every 700 net allocations of container objects: about 6 % of the CPU
# of a run of new views (AppTest, Evaluation page: 988 collections, 0.56 s of 8.5 s). Most objects
# are freed by reference counting; cycles are now collected after 100,000 (4 collections, 0.12 s).
gc.set_threshold(100_000, 50, 100)

st.set_page_config(page_title="Regional Stability Monitor", layout="wide")
signin.warn_if_exposed()

# No page icons: Streamlit fetches a page's Material icon from a font CDN to use as the favicon.
OVERVIEW = st.Page("views/overview.py", title="Overview", url_path="overview")


def _home() -> None:
    """The root URL opens the Overview at its own address, so ``/`` and ``/overview`` are one page
    (Streamlit serves the default page at ``/`` only)."""
    st.switch_page(OVERVIEW, query_params={k: st.query_params.get_all(k) for k in st.query_params})


PAGES = [
    st.Page(_home, title="Home", url_path="home", default=True, visibility="hidden"),
    OVERVIEW,
    st.Page("views/region.py", title="Region", url_path="region"),
    st.Page("views/conflict.py", title="Conflict incidents", url_path="conflict"),
    st.Page("views/collaboration.py", title="Military collaboration", url_path="collaboration"),
    st.Page("views/perception.py", title="Public perception", url_path="perception"),
    st.Page("views/compare.py", title="Compare", url_path="compare"),
    st.Page("views/evaluation.py", title="Evaluation", url_path="evaluation"),
    st.Page("views/methodology.py", title="Methodology", url_path="methodology"),
    st.Page("views/data.py", title="Data", url_path="data"),
]
page = st.navigation(PAGES)

try:
    choices = data.choices()
    sidebar.render(choices)
    sample_tables = data.illustrative_tables()
except Exception as exc:  # no traceback reaches the user
    st.error(ui.one_sentence("The data could not be loaded", exc))
    st.stop()

if sample_tables:
    st.warning(
        f"**Illustrative sample data, not real.** The {ui.listing(sample_tables)} "
        f"{'table is a generated example' if len(sample_tables) == 1 else 'tables are generated examples'} "
        "for trying the tool; see the Data page for what is loaded.",
        icon=":material/science:",
    )


def _abandon_check() -> Callable[[], None] | None:
    """Streamlit's own test of whether this run should stop for a newer click (it raises then)."""
    try:
        from streamlit.runtime.scriptrunner_utils.script_run_context import get_run_yield_check
    except ImportError:  # another Streamlit version: the wait is not abandoned, only finished
        return None
    return get_run_yield_check()


#: Pages that never wait for a turn: the Data page's checks and writes of uploaded files can take
#: minutes, and must not hold up everyone else's pages.
OWN_TURN = {"data"}
#: What a waiting page shows until its turn comes (then removed); a page that does not wait has none.
_notice: list = []


def _waiting() -> None:
    _notice.append(st.empty())
    _notice[0].caption("Other people's pages on this server are being drawn; this one is next in line…")


try:
    if page.url_path in OWN_TURN:
        page.run()
    else:
        # pages take turns, first come first served (dashboard/turns.py)
        with shared(runs_allowed()).turn(_abandon_check(), _waiting) as waited:
            if waited:
                _notice[0].empty()
            page.run()
except Exception as exc:  # no traceback reaches the user
    st.error(ui.one_sentence("This page could not be drawn", exc))
