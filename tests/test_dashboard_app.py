"""Every dashboard page under Streamlit's AppTest, and filters changing the numbers shown.

Expected numbers are computed here straight from the bundled sample Parquet files and the regions
CSV with pandas, independently of ``metrics`` and ``dashboard``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "dashboard" / "app.py"
DATA = ROOT / "datasets" / "data"
PAGES = [
    "views/overview.py",
    "views/region.py",
    "views/conflict.py",
    "views/collaboration.py",
    "views/perception.py",
    "views/compare.py",
    "views/evaluation.py",
    "views/methodology.py",
    "views/data.py",
]
SAMPLE_BANNER = "Illustrative sample data, not real."
# The pages open on the last 10 years of the conflict data: the sample incidents run 2015-01 …
# 2025-12, so 2025-12 and the 12 × 10 − 1 = 119 months before it (issue 13).
DEFAULT_START = str(pd.Period("2025-12", "M") - 119)
assert DEFAULT_START == "2016-01"


# --- independent expectations --------------------------------------------------------------------


@pytest.fixture(scope="module")
def members() -> dict[str, set[str]]:
    regions = pd.read_csv(DATA / "regions.csv")
    return {r: set(g["iso3"]) for r, g in regions.groupby("region")}


@pytest.fixture(scope="module")
def incidents() -> pd.DataFrame:
    frame = pq.read_table(DATA / "sample_incidents.parquet").to_pandas()
    frame["month"] = pd.to_datetime(frame["event_date"]).dt.strftime("%Y-%m")
    return frame


def count_incidents(
    incidents: pd.DataFrame,
    countries: set[str],
    first: str,
    last: str,
    *,
    min_fatalities: int = 0,
    types: list[str] | None = None,
) -> tuple[int, int]:
    """(incidents, fatalities) of ``countries`` with month in [first, last]."""
    keep = (
        incidents["iso3"].isin(countries)
        & (incidents["month"] >= first)
        & (incidents["month"] <= last)
        & (incidents["fatalities"] >= min_fatalities)
    )
    if types is not None:
        keep &= incidents["event_type"].isin(types)
    return int(keep.sum()), int(incidents.loc[keep, "fatalities"].sum())


# --- helpers -------------------------------------------------------------------------------------


def start(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=60)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, at.exception
    return at


def metric(at: AppTest, label: str) -> str:
    hits = [m.value for m in at.metric if m.label == label]
    assert len(hits) == 1, f"metric {label!r} not found in {[m.label for m in at.metric]}"
    return hits[0]


def ok(at: AppTest) -> None:
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]


def figures(at: AppTest) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def url(at: AppTest) -> dict[str, list[str]]:
    return {k: list(v) if isinstance(v, list) else [v] for k, v in at.query_params.items()}


# --- every page ----------------------------------------------------------------------------------


def test_every_view_has_a_test() -> None:
    on_disk = {
        f"views/{p.name}" for p in (ROOT / "dashboard" / "views").glob("*.py") if not p.name.startswith("_")
    }
    assert on_disk == set(PAGES)


@pytest.mark.parametrize("region", ["ASEAN", "Antarctica"])
def test_every_page_runs_with_the_sample_banner(region: str) -> None:
    # Antarctica has no data at all: every page must still answer without an error.
    at = start({"region": region})
    for page in PAGES:
        at.switch_page(page).run()
        ok(at)
        assert any(w.value.startswith(f"**{SAMPLE_BANNER}**") for w in at.warning), page
        assert at.sidebar.selectbox(key="f_region").value == region


# --- overview ------------------------------------------------------------------------------------


def test_overview_region_and_fatality_filters_change_the_headline(members, incidents) -> None:
    at = start()
    ok(at)
    assert at.sidebar.selectbox(key="f_region").value == "ASEAN"  # first of the security groupings
    expected, _ = count_incidents(incidents, members["ASEAN"], "2025-01", "2025-12")
    assert metric(at, "Incidents, 12 months") == f"{expected:,}"
    # trend flags read across the five regions, with the false-discovery sentence
    across = [c.value for c in at.caption if "Read across the 5 regions shown" in c.value]
    assert len(across) == 1 and "at most about 1 in 10 flags is expected to be a false discovery" in across[0]

    at.sidebar.selectbox(key="f_region").set_value("Sahel").run()
    ok(at)
    sahel, _ = count_incidents(incidents, members["Sahel"], "2025-01", "2025-12")
    assert sahel != expected
    assert metric(at, "Incidents, 12 months") == f"{sahel:,}"
    assert url(at)["region"] == ["Sahel"]

    at.sidebar.number_input(key="f_min_fatalities").set_value(5).run()
    ok(at)
    deadly, _ = count_incidents(incidents, members["Sahel"], "2025-01", "2025-12", min_fatalities=5)
    assert deadly < sahel
    assert metric(at, "Incidents, 12 months") == f"{deadly:,}"
    assert url(at)["min_fatalities"] == ["5"]
    # The ranked table lists the five security groupings, the map every country.
    assert sorted(at.dataframe[-1].value["Region"]) == [
        "ASEAN",
        "East Asia",
        "Middle East",
        "NATO Europe",
        "Sahel",
    ]


def test_a_link_reopens_the_same_view(members, incidents) -> None:
    at = start({"region": "Middle East", "start": "2018-01", "end": "2024-06", "type": "Battles"})
    ok(at)
    assert at.sidebar.selectbox(key="f_region").value == "Middle East"
    assert at.sidebar.select_slider(key="f_months").value == ("2018-01", "2024-06")
    assert at.sidebar.multiselect(key="f_types").value == ["Battles"]
    expected, _ = count_incidents(incidents, members["Middle East"], "2023-07", "2024-06", types=["Battles"])
    assert metric(at, "Incidents, 12 months") == f"{expected:,}"
    helps = [m.help for m in at.metric if m.label == "Incidents, 12 months"]
    assert helps == ["Incidents in the 12 months to 2024-06, against the 12 months before."]
    assert url(at) == {
        "region": ["Middle East"],
        "start": ["2018-01"],
        "end": ["2024-06"],
        "type": ["Battles"],
    }


def test_charts_have_no_camera_button_and_read_the_local_topology() -> None:
    at = start()
    charts = at.get("plotly_chart")
    assert charts
    for chart in charts:
        config = json.loads(chart.proto.config)
        # images come from the Download menu (title, source, sample stamp), not the camera button
        assert config["modeBarButtonsToRemove"] == ["toImage"]
        assert "toImageButtonOptions" not in config
        assert config["topojsonURL"] == "app/static/topojson/"
    assert not [r for r in at.sidebar.radio if r.label == "Chart download format"]


def test_a_bad_link_falls_back_to_defaults() -> None:
    at = start({"region": "<script>alert(1)</script>", "start": "2099-01", "min_fatalities": "-3"})
    ok(at)
    assert at.sidebar.selectbox(key="f_region").value == "ASEAN"
    assert url(at) == {"region": ["ASEAN"], "start": [DEFAULT_START], "end": ["2025-12"]}


def test_weights_change_the_index(sample_bundle) -> None:
    from metrics.indicators import compute_indicators

    at = start({"region": "Sahel"})
    before = metric(at, "Stability index")
    at.sidebar.slider(key="f_weight_perception").set_value(0).run()
    ok(at)
    after = metric(at, "Stability index")
    assert after != before
    assert url(at)["w_perception"] == ["0"]
    b = sample_bundle
    # The same weights through the metrics API (conflict 5, collaboration 5, perception 0).
    ref = compute_indicators(
        b.incidents.table,
        b.collaboration.table,
        b.perception.table,
        b.regions,
        families=["composite"],
        start="2015-01",
        end="2025-12",
        weights={"conflict": 0.5, "collaboration": 0.5, "perception": 0.0},
    )
    value = ref.loc[
        (ref["region"] == "Sahel") & (ref["period"] == "2025-12") & (ref["indicator"] == "stability_index"),
        "value",
    ].iloc[0]
    assert after == f"{value:.1f}"


# --- region --------------------------------------------------------------------------------------


def test_region_page_top_countries(members, incidents) -> None:
    at = start({"region": "Sahel"})
    at.switch_page("views/region.py").run()
    ok(at)
    top = [
        f for f in figures(at) if f["layout"]["title"]["text"].startswith("Sahel · Incidents by country · ")
    ]
    assert len(top) == 1
    sahel = incidents.loc[incidents["iso3"].isin(members["Sahel"])]
    counts = sahel.groupby("country").size().sort_values(ascending=False)
    bars = top[0]["data"][0]
    # bars are drawn largest at the top, i.e. last
    assert list(bars["y"])[::-1] == list(counts.index)
    assert any(md.value.startswith("**Sahel scores ") for md in at.markdown)


# --- conflict ------------------------------------------------------------------------------------


def test_conflict_months_and_event_types_change_the_totals(members, incidents) -> None:
    at = start({"region": "Sahel"})
    at.switch_page("views/conflict.py").run()
    ok(at)
    n, f = count_incidents(incidents, members["Sahel"], DEFAULT_START, "2025-12")
    assert metric(at, f"Incidents, {DEFAULT_START} to 2025-12") == f"{n:,}"
    assert metric(at, f"Fatalities, {DEFAULT_START} to 2025-12") == f"{f:,}"
    # the sample covers the countries it has rows for, over its span: all of the Sahel's members
    sahel = members["Sahel"]
    covered = sahel & set(incidents["iso3"])
    note = (
        f"The incident data cover {len(covered)} of {len(sahel)} member countries "
        f"from {DEFAULT_START} to 2025-12."
    )
    assert any(note in c.value for c in at.caption)

    at.sidebar.select_slider(key="f_months").set_range("2020-01", "2020-12").run()
    ok(at)
    n20, f20 = count_incidents(incidents, members["Sahel"], "2020-01", "2020-12")
    assert metric(at, "Incidents, 2020-01 to 2020-12") == f"{n20:,}"
    assert metric(at, "Fatalities, 2020-01 to 2020-12") == f"{f20:,}"
    assert (url(at)["start"], url(at)["end"]) == (["2020-01"], ["2020-12"])

    at.sidebar.multiselect(key="f_types").set_value(["Protests", "Riots"]).run()
    ok(at)
    nt, ft = count_incidents(incidents, members["Sahel"], "2020-01", "2020-12", types=["Protests", "Riots"])
    assert metric(at, "Incidents, 2020-01 to 2020-12") == f"{nt:,}"
    assert metric(at, "Fatalities, 2020-01 to 2020-12") == f"{ft:,}"

    at.sidebar.multiselect(key="f_countries").set_value(["MLI"]).run()
    ok(at)
    nm, _ = count_incidents(incidents, {"MLI"}, "2020-01", "2020-12", types=["Protests", "Riots"])
    assert metric(at, "Incidents, 2020-01 to 2020-12") == f"{nm:,}"
    assert url(at)["country"] == ["MLI"]
    largest = at.dataframe[-1].value
    assert set(largest["Country"]) == {"Mali"} and set(largest["Event type"]) <= {"Protests", "Riots"}
    # what a reader looks for first, under human names; dates without a time of day
    assert list(largest.columns[:4]) == ["Date", "Country", "Event type", "Deaths"]
    assert not largest["Date"].str.contains("00:00").any()


# --- collaboration -------------------------------------------------------------------------------


def engagements_in(members: set[str], month: str) -> int:
    """Engagements concerning the region started in ``month``: exercises, visits, transfers and
    missions (flows); agreements in force are a stock, counted apart."""
    c = pq.read_table(DATA / "sample_collaboration.parquet").to_pandas()
    s = pd.to_datetime(c["start_date"]).dt.strftime("%Y-%m")
    concerns = c["participants"].map(lambda ps: bool(set(ps) & members))
    agreement = c["kind"] == "defence_agreement"
    return int((concerns & ~agreement & (s == month)).sum())


def test_collaboration_engagements_follow_the_region(members) -> None:
    at = start({"region": "NATO Europe"})
    at.switch_page("views/collaboration.py").run()
    ok(at)
    expected = engagements_in(members["NATO Europe"], "2025-12")
    assert metric(at, "Engagements started in 2025-12") == f"{expected:,}"
    at.sidebar.selectbox(key="f_region").set_value("Sahel").run()
    ok(at)
    assert metric(at, "Engagements started in 2025-12") == f"{engagements_in(members['Sahel'], '2025-12'):,}"
    network = [f for f in figures(at) if "Who engaged with whom" in f["layout"]["title"]["text"]][0]
    member_nodes = [t for t in network["data"] if t.get("name") == "Members"][0]
    assert set(member_nodes["text"]) <= members["Sahel"]


# --- perception ----------------------------------------------------------------------------------


def last_waves(members: set[str], indicator: str, last: str = "2025-12") -> pd.DataFrame:
    """Per wave month up to ``last``: Σ n·p and Σ n over the members' national values."""
    p = pq.read_table(DATA / "sample_perception.parquet").to_pandas()
    p = p.loc[p["iso3"].isin(members) & (p["indicator"] == indicator) & p["breakdown"].isna()]
    p = p.assign(
        period=pd.to_datetime(p["wave_date"]).dt.strftime("%Y-%m"), np_=p["sample_size"] * p["value"]
    )
    p = p.loc[p["period"] <= last]
    return p.groupby("period")[["np_", "sample_size"]].sum().sort_index()


def pooled_change(members: set[str], indicator: str, last: str = "2025-12") -> float:
    """Change of the population-weighted regional share Σ P·p / Σ P between the last two waves, over
    the countries in both, weighted by the populations of the later wave's year (the bundled World
    Bank table; a year after its last carries the latest figure)."""
    p = pq.read_table(DATA / "sample_perception.parquet").to_pandas()
    p = p.loc[p["iso3"].isin(members) & (p["indicator"] == indicator) & p["breakdown"].isna()]
    p = p.assign(period=pd.to_datetime(p["wave_date"]).dt.strftime("%Y-%m"))
    p = p.loc[p["period"] <= last]
    pop = pd.read_csv(DATA / "population.csv")
    periods = sorted(p["period"].unique())
    # the latest wave sharing countries with the wave before it (a wave of other countries has no change)
    for before, now in reversed(list(zip(periods[:-1], periods[1:], strict=True))):
        a = p.loc[p["period"] == before].set_index("iso3")["value"]
        b = p.loc[p["period"] == now].set_index("iso3")["value"]
        year = min(int(now[:4]), int(pop["year"].max()))
        weights = pop.loc[pop["year"] == year].set_index("iso3")["population"]
        both = sorted(set(a.index) & set(b.index) & set(weights.index))
        if both:
            w = weights[both].astype(float)
            return float((b[both] * w).sum() / w.sum() - (a[both] * w).sum() / w.sum())
    raise AssertionError("no two consecutive waves share a country")


def test_perception_change_follows_the_region(members) -> None:
    at = start({"region": "ASEAN"})
    at.switch_page("views/perception.py").run()
    ok(at)
    assert [s.value for s in at.subheader][:3] == [
        "Feel safe walking alone at night",
        "Trust the military",
        "Confidence in alliances",
    ]
    changes = [m.value for m in at.metric if m.label == "Change since the previous wave"]
    assert changes[0] == f"{100 * pooled_change(members['ASEAN'], 'feel_safe'):+.1f} points"
    waves = last_waves(members["ASEAN"], "feel_safe")
    respondents = [m.value for m in at.metric if m.label == f"Respondents, wave of {waves.index[-1]}"]
    assert respondents[0] == f"{int(waves['sample_size'].iloc[-1]):,}"  # the first panel is feel_safe
    at.sidebar.selectbox(key="f_region").set_value("Middle East").run()
    ok(at)
    changes = [m.value for m in at.metric if m.label == "Change since the previous wave"]
    assert changes[0] == f"{100 * pooled_change(members['Middle East'], 'feel_safe'):+.1f} points"
    band = figures(at)[0]["data"][0]
    assert band["name"] == "95% interval" and band["fill"] == "toself"


# --- compare, methodology, data ------------------------------------------------------------------


def test_compare_regions_are_in_the_url() -> None:
    at = start({"region": "Sahel"})
    at.switch_page("views/compare.py").run()
    ok(at)
    default = at.multiselect(key="f_compare").value
    assert default[0] == "Sahel" and len(default) == 4
    at.multiselect(key="f_compare").set_value(["Middle East", "ASEAN"]).run()
    ok(at)
    assert url(at)["compare"] == ["Middle East", "ASEAN"]
    for fig in figures(at):
        assert [t["name"] for t in fig["data"]] == ["ASEAN", "Middle East"]
    # The list survives a round trip through another page.
    at.switch_page("views/overview.py").run()
    assert url(at)["compare"] == ["Middle East", "ASEAN"]


def test_methodology_is_the_code_documentation() -> None:
    from metrics.catalog import methodology

    at = start()
    at.switch_page("views/methodology.py").run()
    ok(at)
    shown = "\n".join(md.value for md in at.markdown)
    for _title, text in methodology():
        assert text in shown
    # the goalposts with their version; the sources; the catalogue in the technical appendix
    from datasets.loaders import load_goalposts

    posts = load_goalposts()
    assert f"(version {posts['version']})" in "\n".join(h.value for h in at.subheader)
    shown_posts = at.dataframe[0].value.set_index("measure")
    worst = posts["measures"]["conflict_deaths"]["worst"]
    assert shown_posts.loc["conflict_deaths", "worst (score 0)"] == worst
    catalog = at.dataframe[2].value
    assert {"incidents", "sustained_decline", "network_density", "feel_safe", "stability_index"} <= set(
        catalog["indicator"]
    )
    assert "outcome_index" in set(catalog["indicator"])


def test_data_page_coverage() -> None:
    at = start()
    at.switch_page("views/data.py").run()
    ok(at)
    coverage = at.dataframe[0].value.set_index("table")
    for name in ("incidents", "collaboration", "perception"):
        rows = pq.read_metadata(DATA / f"sample_{name}.parquet").num_rows
        assert coverage.loc[name, "rows"] == rows
        assert coverage.loc[name, "origin"] == "illustrative sample"
    incidents = pq.read_table(DATA / "sample_incidents.parquet", columns=["iso3"]).to_pandas()
    assert coverage.loc["incidents", "countries"] == incidents["iso3"].nunique()
