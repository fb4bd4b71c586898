"""The one vocabulary of labels, units and colours (``reports.vocabulary``) and its use by the charts."""

from __future__ import annotations

import itertools
import re

import pandas as pd
import plotly.colors
import pytest
from coloraide import Color

from datasets.schema import EVENT_TYPES
from metrics import catalog
from reports import charts, vocabulary
from reports.charts import Caption

CAP = Caption("Test source", "2020-01", "2020-12", illustrative=False)
HEX = re.compile(r"^#[0-9A-Fa-f]{6}$")


@pytest.mark.parametrize("name", vocabulary.catalogue_names())
def test_every_catalogue_indicator_has_a_label_unit_and_colour(name: str) -> None:
    t = vocabulary.term(name)
    assert t.label == catalog.describe(name).label and t.label.strip()
    assert t.unit.strip() and "share" not in t.unit.lower()  # shares are shown in %
    assert HEX.match(t.colour)


def test_the_catalogue_is_all_there() -> None:
    names = vocabulary.catalogue_names()
    assert {"incidents", "network_density", "stability_index", "feel_safe", "trust_military"} <= set(names)
    assert len(names) == len(set(names))


@pytest.mark.parametrize(
    ("name", "unit"),
    [
        ("network_density", "% of member pairs"),
        ("civilian_targeting_share", "% of incidents"),
        ("feel_safe", "% of respondents"),
        ("trust_military", "% of respondents"),
        ("coverage", "% of the weight backed by data"),
        ("feel_safe_population_covered", "% of population"),
        ("feel_safe_change", "percentage points"),
    ],
)
def test_shares_are_shown_in_percent(name: str, unit: str) -> None:
    t = vocabulary.term(name)
    assert t.percent and t.unit == unit
    assert t.display(0.85) == pytest.approx(85.0)  # 0.85 of member pairs = 85 %
    assert t.display(float("nan")) is None  # missing stays missing, never 0


def test_counts_are_not_scaled() -> None:
    t = vocabulary.term("incidents")
    assert not t.percent and t.unit == "incidents per month" and t.display(12) == 12.0


def test_one_colour_per_series_whatever_shares_the_chart() -> None:
    """ "Trust the military" and "Confidence in alliances" keep their colours alone or together."""
    both = pd.DataFrame(
        {
            "period": ["2020-01", "2020-02"] * 2,
            "label": ["Trust the military"] * 2 + ["Confidence in alliances"] * 2,
            "value": [0.5, 0.6, 0.3, 0.4],
        }
    )
    alone = both.loc[both["label"] == "Trust the military"]
    kw = {"x": "period", "y": "value", "series": "label", "title": "t", "caption": CAP, "y_title": "%"}
    colours_both = {t.name: t.line.color for t in charts.lines(both, **kw).data}
    colours_alone = {t.name: t.line.color for t in charts.lines(alone, **kw).data}
    assert colours_both["Trust the military"] == colours_alone["Trust the military"]
    assert colours_both["Trust the military"] == vocabulary.term("trust_military").colour
    assert colours_both["Confidence in alliances"] == vocabulary.term("confidence_alliances").colour
    assert colours_both["Trust the military"] != colours_both["Confidence in alliances"]


def test_event_types_are_pairwise_distinct_also_with_colour_blindness() -> None:
    """CIEDE2000 difference of every pair of event-type colours: at least 20 for normal vision, 15
    under simulated deuteranopia and 12 under protanopia (Battles in vermillion #D55E00 beside
    Explosions in the old orange #E69F00 differed by 12.5 under deuteranopia)."""
    colours = [vocabulary.EVENT_TYPE_COLOURS[e] for e in EVENT_TYPES]
    assert len(set(colours)) == len(EVENT_TYPES)
    for a, b in itertools.combinations(colours, 2):
        assert Color(a).delta_e(b, method="2000") >= 20, (a, b)
        for deficiency, least in (("deutan", 15), ("protan", 12)):
            d = Color(a).filter(deficiency).delta_e(Color(b).filter(deficiency), method="2000")
            assert d >= least, (a, b, deficiency, d)


def test_the_old_near_identical_oranges_would_fail() -> None:
    """The threshold bites: vermillion and orange under deuteranopia differ by less than 15."""
    d = Color("#D55E00").filter("deutan").delta_e(Color("#E69F00").filter("deutan"), method="2000")
    assert d < 15


def test_no_data_is_not_a_grey_of_the_map_scale() -> None:
    """No colour of the map's scale is grey (chroma in CIE LCh above 20), nor the no-data white."""
    scale = plotly.colors.get_colorscale(vocabulary.MAP_COLOURSCALE)
    for _, c in scale:
        colour = Color(c)
        assert colour.convert("lch")["chroma"] > 20, c
        assert colour.delta_e(vocabulary.NO_DATA_FILL, method="2000") > 20
    mid = plotly.colors.sample_colorscale(scale, [0.5])[0]
    assert Color(mid).convert("lch")["chroma"] > 20


def test_map_draws_no_index_white_and_outlined() -> None:
    frame = pd.DataFrame({"iso3": ["MLI", "NER"], "region": ["Sahel", "Sahel"], "value": [40.0, None]})
    fig = charts.world_map(frame, title="t", caption=CAP, all_iso3=["MLI", "NER", "FRA"])
    no_index = fig.data[0]
    assert list(no_index.locations) == ["FRA", "NER"]
    assert {c for _, c in no_index.colorscale} == {vocabulary.NO_DATA_FILL}
    assert no_index.marker.line.color == vocabulary.NO_DATA_LINE and no_index.marker.line.width > 0
    scale = [c.lower() for _, c in plotly.colors.get_colorscale(vocabulary.MAP_COLOURSCALE)]
    assert [c.lower() for _, c in fig.data[1].colorscale] == scale
    assert vocabulary.NO_DATA_FILL.lower() not in scale


def test_share_lines_are_drawn_in_percent() -> None:
    frame = pd.DataFrame({"period": ["2020-01"], "label": ["Trust the military"], "value": [0.85]})
    fig = charts.lines(
        frame, x="period", y="value", series="label", title="t", caption=CAP, y_title="%", percent=True
    )
    assert fig.layout.yaxis.tickformat == ".0%"  # 0.85 is drawn as 85 %
    assert "%{y:.1%}" in fig.data[0].hovertemplate


def test_tables_show_human_names_dates_and_empty_cells() -> None:
    frame = pd.DataFrame(
        {
            "event_id": ["e1", "e2"],
            "iso3": ["MLI", "NER"],
            "event_date": pd.to_datetime(["2024-03-05", None]),
            "country": ["Mali", None],
            "event_type": ["Battles", "Riots"],
            "fatalities": [12, 0],
            "coverage": [0.5, float("nan")],
            "stability_index": [41.25, float("nan")],
        }
    )
    shown = vocabulary.display_table(frame, shares=("coverage",), drop=("iso3", "event_id"))
    assert list(shown.columns) == [
        "Date",
        "Country",
        "Event type",
        "Deaths",
        "Weight with data (%)",
        "Stability index",
    ]
    assert list(shown["Date"]) == ["2024-03-05", ""]  # a date, no "00:00:00"; missing is empty
    assert list(shown["Country"]) == ["Mali", ""]  # never "None"
    assert shown["Weight with data (%)"].iloc[0] == pytest.approx(50.0)  # 0.5 × 100
    assert frame["coverage"].iloc[0] == 0.5  # the input is not changed
    html = vocabulary.styled(frame, shares=("coverage",)).to_html()
    for word in ("None", "NaT", "nan", "00:00:00"):
        assert word not in html
    assert "41.2" in html  # one decimal (41.25 rounds half to even)


def test_changes_are_signed_and_never_minus_zero() -> None:
    frame = pd.DataFrame({"change_score_conflict": [-0.04, 2.26, -1.25, float("nan")]})
    html = vocabulary.styled(frame).to_html()
    # −0.04 rounds to 0.0 → "+0.0"; 2.26 → "+2.3"; −1.25 → "-1.2" (half to even); NaN → empty cell
    for text in ("+0.0", "+2.3", "-1.2"):
        assert f">{text}<" in html
    assert "-0.0" not in html and "nan" not in html


def test_column_labels_fall_back_to_the_catalogue_then_words() -> None:
    assert vocabulary.column_label("incidents_rate_ratio") == "Change in incidents (rate ratio)"
    assert vocabulary.column_label("trust_military") == "Trust the military"
    assert vocabulary.column_label("some_new_column") == "Some new column"


def test_duplicate_labels_are_told_apart() -> None:
    shown = vocabulary.display_table(pd.DataFrame({"label": ["a"], "indicator": ["x"], "Indicator": ["y"]}))
    assert len(set(shown.columns)) == 3
