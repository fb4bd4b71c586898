"""A regional survey value says what part of the region it rests on: member countries and people."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from metrics.perception import perception_indicators
from reports import charts
from reports.charts import Caption
from reports.compute import perception_panels, perception_reach

# World Bank SP.POP.TOTL 2021 (the bundled table): Mali 22,388,630; Niger 24,502,140
MALI, NIGER = 22_388_630, 24_502_140


def _panel(countries: list[str]):
    frame = pd.DataFrame(
        {
            "survey": "S",
            "wave_date": dt.date(2021, 6, 1),
            "iso3": countries,
            "indicator": "feel_safe",
            "value": 0.6,
            "sample_size": 1000,
            "source": "x",
        }
    )
    regions = pd.DataFrame({"region": ["Sahel pair", "Sahel pair"], "iso3": ["MLI", "NER"]})
    out = perception_indicators(frame, regions)
    (panel,) = perception_panels(out.loc[out["region"] == "Sahel pair"])
    return panel


def test_a_wave_resting_on_under_half_the_people_says_so() -> None:
    panel = _panel(["MLI"])
    share = MALI / (MALI + NIGER)  # 0.4775: under half
    assert panel.waves["countries_covered"].tolist() == [1.0]
    assert abs(panel.waves["population_covered"].iloc[0] - share) < 1e-9
    assert perception_reach(panel, 2) == (
        f"The wave of 2021-06 covers 1 of 2 member countries, {share:.0%} of the region's people: "
        "read it as those countries, not the whole region."
    )
    caption = Caption(source="test", start="2021-01", end="2021-12", illustrative=False)
    fig = charts.perception_chart(panel.waves, title="t", caption=caption, y_title="Feel safe")
    estimate = [t for t in fig.data if t.name == "Estimate"][0]
    assert "1 member country, 48% of the region's people" in estimate.text[0]


def test_a_wave_covering_everyone_reads_as_the_region() -> None:
    panel = _panel(["MLI", "NER"])
    assert (
        perception_reach(panel, 2)
        == "The wave of 2021-06 covers 2 of 2 member countries, 100% of the region's people."
    )


def test_a_region_with_governance_indices_but_no_survey_shares_is_not_said_to_have_no_data(tmp_path) -> None:
    from datasets.bundle import load_bundle
    from datasets.store import Store
    from reports import figures
    from reports.compute import Frames
    from reports.export.catalog import selection_for

    text = (
        "survey,wave_date,iso3,indicator,value,source,scale,period_grain\n"
        "WGI,2019-01-01,MLI,political_stability,-2.1,World Bank,index,year\n"
        "WGI,2020-01-01,MLI,political_stability,-2.3,World Bank,index,year\n"
    )
    store = Store(tmp_path / "store")
    result = store.ingest(text.encode(), "wgi.csv")
    assert result.status == "stored", result
    regions = tmp_path / "regions.csv"
    regions.write_text("region,iso3\nMali,MLI\n", encoding="utf-8")
    frames = Frames(load_bundle(store.root, regions))
    sel = selection_for(frames, "Mali", "2019-01", "2020-12")
    chart = figures.perception_shares(sel, frames)
    assert chart.missing.startswith("No survey shares for Mali from 2019-01 to 2020-12: its perception data")
    assert "Political stability" in chart.missing and "Load" not in chart.missing


def test_governance_indices_state_their_90_percent_interval_everywhere(tmp_path) -> None:
    """WGI's standard errors give the 90 % interval the World Bank publishes: the band, its hover,
    the change's test and the briefing sentence say 90, never 95."""
    from datasets.bundle import load_bundle
    from datasets.store import Store
    from reports import figures
    from reports.compute import Frames
    from reports.export.catalog import selection_for
    from reports.export.findings import perception_findings

    text = (
        "survey,wave_date,iso3,indicator,value,source,scale,period_grain,std_error\n"
        "WGI,2019-01-01,MLI,political_stability,-1.0,World Bank,index,year,0.1\n"
        "WGI,2020-01-01,MLI,political_stability,-2.0,World Bank,index,year,0.1\n"
    )
    store = Store(tmp_path / "store")
    assert store.ingest(text.encode(), "wgi.csv").status == "stored"
    regions = tmp_path / "regions.csv"
    regions.write_text("region,iso3\nMali,MLI\n", encoding="utf-8")
    frames = Frames(load_bundle(store.root, regions))
    sel = selection_for(frames, "Mali", "2019-01", "2020-12")
    (panel,) = frames.perception_panels(sel)
    assert figures.interval_level(panel.unit) == 90 and figures.interval_level("share of respondents") == 95
    fig = figures.perception(sel, panel, frames).figure
    band, estimate = fig.data
    assert band.name == "90% interval"
    # 2020: −2.0 ± 1.6449 × 0.1 = −2.164 … −1.836
    assert "90% interval -2.16 to -1.84" in estimate.text[-1]
    # the change −1.0 ± 1.6449 × √(0.1² + 0.1²) = −1.0 ± 0.233 excludes 0: significant at 90 %
    (sentence,) = perception_findings(frames, sel)
    assert "90 % interval -2.16 to -1.84" in sentence and "significant at 90 %" in sentence
    assert "95" not in sentence
