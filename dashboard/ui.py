"""Small Streamlit helpers shared by the pages: a chart with its data, plain text, answers, errors."""

from __future__ import annotations

import math
import re

import streamlit as st

from dashboard.charts import plotly_config
from dashboard.figures import Chart
from dashboard.sidebar import K_IMAGE_FORMAT
from dashboard.summary import Answer

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def plain(text: object) -> str:
    """Escape Markdown so text from data shows literally (Streamlit never renders its HTML)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(text))


def chart(chart: Chart) -> None:
    """Draw a chart (offline maps, PNG/SVG download) with a "Show data" expander holding its table."""
    fmt = st.session_state.get(K_IMAGE_FORMAT, "png")
    st.plotly_chart(chart.figure, config=plotly_config(chart.filename, fmt), theme=None)
    with st.expander("Show data"):
        st.dataframe(chart.table, hide_index=True)


def answer(ans: Answer) -> None:
    """The three plain-language answers, as a bordered block."""
    with st.container(border=True):
        st.markdown(f"**{plain(ans.level)}**  \n{plain(ans.direction)}  \n{plain(ans.driver)}")


def number(value: float | int | None, fmt: str = "{:.1f}") -> str:
    """A value for ``st.metric``; "—" when missing."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    return fmt.format(value)


def delta(value: float | int | None, fmt: str = "{:+.1f}", suffix: str = "") -> str | None:
    """A delta for ``st.metric``; None (no arrow) when missing."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return None
    return fmt.format(value) + suffix


def listing(items: list[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def one_sentence(prefix: str, exc: BaseException) -> str:
    """``prefix: <first line of the error>`` with no traceback."""
    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return f"{prefix}: {first[:300]}"
