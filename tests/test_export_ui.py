"""The download buttons of the dashboard under Streamlit's AppTest: every chart offers images and data,
the Region page offers the briefing pack, and without Chromium the image buttons give way to one
sentence saying what to install. The chart an export draws is the chart the page shows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from reports.export import catalog, render

APP = Path(__file__).resolve().parents[1] / "dashboard" / "app.py"
CHART_BUTTONS = ["PNG image", "SVG image", "PDF image", "Data (CSV)", "Data (Excel)"]


def page(name: str) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    if name != "overview":
        at.switch_page(f"views/{name}.py").run()
    assert not at.exception, at.exception
    return at


def test_region_page_offers_images_data_and_the_briefing_pack() -> None:
    at = page("region")
    labels = [b.label for b in at.download_button]
    charts = len(at.get("plotly_chart"))
    # family scores, rank sensitivity, conflict, density, perception, top countries
    assert charts == 6
    assert labels[: 5 * charts] == CHART_BUTTONS * charts
    assert labels[5 * charts :] == ["PowerPoint (PPTX)", "PDF"]
    keys = [b.key for b in at.download_button]
    assert keys[-2:] == ["brief-pptx", "brief-pdf"]
    assert any(k.startswith("dl-png-conflict-trend-ASEAN-") for k in keys)
    assert any(k.startswith("dl-csv-rank-sensitivity-ASEAN-") for k in keys)
    assert any(k.startswith("dl-xlsx-conflict-trend-ASEAN-") for k in keys)


def test_tables_offer_csv_and_excel() -> None:
    assert {"Table (CSV)", "Table (Excel)"} <= {b.label for b in page("overview").download_button}
    conflict = page("conflict")
    keys = [b.key for b in conflict.download_button]
    assert "dl-csv-largest-ASEAN" in keys and "dl-xlsx-largest-ASEAN" in keys


def test_without_chromium_the_page_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BROWSER_PATH", raising=False)
    monkeypatch.setattr(render, "BROWSER_CANDIDATES", ())
    at = page("region")
    labels = [b.label for b in at.download_button]
    assert "PNG image" not in labels and "PowerPoint (PPTX)" not in labels
    assert labels.count("Data (CSV)") == len(at.get("plotly_chart"))  # data downloads still work
    notes = [c.value for c in at.caption] + [i.value for i in at.info]
    assert notes.count(render.missing_message()) == len(at.get("plotly_chart")) + 1
    assert "sudo apt-get install chromium" in render.missing_message()


def test_the_exported_chart_is_the_chart_on_the_page(sample_bundle) -> None:
    at = page("conflict")
    title = "ASEAN · Incidents, trailing mean, trend and flags · "
    shown = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    spec = next(s for s in shown if s["layout"]["title"]["text"].replace("<br>", " ").startswith(title))
    exported = json.loads(catalog.build_chart(sample_bundle, "conflict-trend", "ASEAN").figure.to_json())
    assert spec["data"] == exported["data"]
    assert spec["layout"]["annotations"] == exported["layout"]["annotations"]
