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
