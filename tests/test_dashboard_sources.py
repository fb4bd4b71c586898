"""Each page ends with one "Sources" expander: the full attribution behind the short source lines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from reports import charts

APP = Path(__file__).resolve().parents[1] / "dashboard" / "app.py"
PAGES = ("overview", "region", "conflict", "collaboration", "perception", "compare")


@pytest.mark.parametrize("page", PAGES)
def test_one_sources_expander_and_short_source_lines(page: str) -> None:
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.query_params["region"] = "Sahel"
    at.run()
    at.switch_page(f"views/{page}.py").run()
    assert not at.exception, at.exception
    sources = [e for e in at.expander if e.label == "Sources"]
    assert len(sources) == 1
    text = "\n".join(m.value for m in sources[0].markdown)
    for family in ("Incidents", "Collaboration", "Perception", "Regions"):
        assert f"- {family}" in text, text
    for spec in (json.loads(c.proto.spec) for c in at.get("plotly_chart")):
        caption = [a for a in spec["layout"].get("annotations", []) if a.get("name") == "caption"]
        assert len(caption) == 1
        assert 1 <= len(caption[0]["text"].split("<br>")) <= charts.CAPTION_LINES
