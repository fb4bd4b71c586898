"""Composite indices: fixed goalposts, conflict per capita, gaps where a family ends, the outcome
index without collaboration, and invariance to other regions, the window and unrelated sources."""

import datetime as dt
import math

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from conftest import value

from datasets.loaders import load_goalposts, load_population, load_regions, load_table
from metrics.composite import composite_indicators, goalpost_score, goalposts_method, region_population
from metrics.frames import month_range
from metrics.indicators import compute_indicators

POSTS = {
    "version": "test",
    "measures": {
        "conflict_deaths": {"scale": "log", "best": 0, "worst": 99},
        "conflict_incidents": {"scale": "log", "best": 0, "worst": 9},
        "network_density": {"scale": "linear", "best": 1, "worst": 0},
        "feel_safe": {"scale": "linear", "best": 1, "worst": 0},
        "political_stability": {"scale": "linear", "best": 2.5, "worst": -2.5},
    },
}
POP = pd.DataFrame(
    {
        "iso3": ["FRA", "DEU", "ITA", "FRA", "DEU", "ITA"],
        "year": [2020, 2020, 2020, 2021, 2021, 2021],
        "population": [60_000_000, 40_000_000, 50_000_000, 60_000_000, 40_000_000, 50_000_000],
    }
)
MONTHS = list(month_range(pd.Period("2020-01", "M"), pd.Period("2021-12", "M")).astype(str))


def _tidy(rows, family):
    frame = pd.DataFrame(rows, columns=["region", "period", "indicator", "value"])
    frame["family"] = family
    frame["ci_low"] = np.nan
    frame["ci_high"] = np.nan
    return frame


@pytest.fixture
def regions():
    return pd.DataFrame({"region": ["A", "A", "B"], "iso3": ["FRA", "DEU", "ITA"]})


@pytest.fixture
def families():
    rows = []
    for p in MONTHS:
        rows += [("A", p, "fatalities", 100.0), ("A", p, "incidents", 50.0)]
        rows += [("B", p, "fatalities", 0.0), ("B", p, "incidents", 5.0)]
    conflict = _tidy(rows, "conflict")
    collab = _tidy([("A", p, "network_density", 0.4) for p in MONTHS[:18]], "collaboration")  # ends 2021-06
    perception = _tidy([("A", "2020-06", "feel_safe", 0.5), ("B", "2020-06", "feel_safe", 0.8)], "perception")
    return conflict, collab, perception


def _run(families, regions, **kw):
    return composite_indicators(*families, regions, population=POP, goalposts=POSTS, **kw)


def test_goalpost_score_by_hand():
    log = {"scale": "log", "best": 0, "worst": 99}
    # log10(1 + 9) = 1 of log10(1 + 99) = 2 → half way; beyond the worst → 0; negative share → clipped
    assert goalpost_score(np.array([0.0, 9.0, 500.0]), log).tolist() == pytest.approx([100, 50, 0])
    lin = {"scale": "linear", "best": 2.5, "worst": -2.5}
    assert goalpost_score(np.array([0.0, -2.5, np.nan]), lin)[:2].tolist() == pytest.approx([50, 0])
    assert math.isnan(goalpost_score(np.array([np.nan]), lin)[0])


def test_index_worked_by_hand(regions, families):
    out = _run(families, regions, start="2020-12", end="2021-12")
    # A: 12 × 100 deaths ÷ (60 + 40 million) × 100,000 = 1.2 per 100k; incidents 12 × 50 → 0.6
    assert value(out, "A", "2020-12", "conflict_deaths_per_100k") == pytest.approx(1200 / 100e6 * 1e5)
    assert value(out, "A", "2020-12", "conflict_incidents_per_100k") == pytest.approx(600 / 100e6 * 1e5)
    deaths = 100 * (1 - math.log10(1 + 1.2) / math.log10(1 + 99))
    incidents = 100 * (1 - math.log10(1 + 0.6) / math.log10(1 + 9))
    conflict_a = (deaths + incidents) / 2
    assert value(out, "A", "2020-12", "score_conflict") == pytest.approx(conflict_a)
    # B: no deaths → 100; 60 incidents ÷ 50 million × 100,000 = 0.12
    conflict_b = (100 + 100 * (1 - math.log10(1.12) / math.log10(10))) / 2
    assert value(out, "B", "2020-12", "score_conflict") == pytest.approx(conflict_b)
    # density 0.4 → 40; feel_safe 0.5 → 50 (the June 2020 wave carried forward, under 36 months old)
    assert value(out, "A", "2020-12", "score_collaboration") == pytest.approx(40)
    assert value(out, "A", "2020-12", "score_perception") == pytest.approx(50)
    assert value(out, "A", "2020-12", "stability_index") == pytest.approx((conflict_a + 40 + 50) / 3)
    assert value(out, "A", "2020-12", "outcome_index") == pytest.approx((conflict_a + 50) / 2)
    # B never has collaboration data: its index families are conflict and perception
    assert value(out, "B", "2020-12", "stability_index") == pytest.approx((conflict_b + 80) / 2)
    # the first 11 months have no full 12-month window: no conflict score, so no index
    early = _run(families, regions, start="2020-11", end="2020-11")
    assert math.isnan(value(early, "A", "2020-11", "score_conflict"))
    assert math.isnan(value(early, "A", "2020-11", "stability_index"))


def test_conflict_rate_counts_only_the_covered_members_people(regions, families):
    conflict, collab, perception = families
    # A's incident data cover only FRA: 60 of the 100 million people → covered_share 0.6
    conflict = conflict.assign(covered_share=np.where(conflict["region"] == "A", 0.6, 1.0))
    out = composite_indicators(
        conflict, collab, perception, regions, population=POP, goalposts=POSTS, start="2020-12", end="2020-12"
    )
    # 12 × 100 deaths ÷ (100 million × 0.6) × 100,000 = 2.0 per 100k (not 1.2 over all of A's people)
    assert value(out, "A", "2020-12", "conflict_deaths_per_100k") == pytest.approx(1200 / 60e6 * 1e5)
    # B is fully covered: 60 incidents ÷ 50 million × 100,000 = 0.12
    assert value(out, "B", "2020-12", "conflict_incidents_per_100k") == pytest.approx(60 / 50e6 * 1e5)


def test_family_ending_is_a_gap_not_a_jump(regions, families):
    out = _run(families, regions, start="2021-05", end="2021-08")
    # collaboration ends in 2021-06: the stability index stops there instead of rescaling over the
    # two families left; the outcome index (no collaboration) goes on; coverage says why
    assert not math.isnan(value(out, "A", "2021-06", "stability_index"))
    assert math.isnan(value(out, "A", "2021-07", "stability_index"))
    assert math.isnan(value(out, "A", "2021-08", "stability_index"))
    assert value(out, "A", "2021-07", "coverage") == pytest.approx(2 / 3)
    assert value(out, "A", "2021-07", "coverage_collaboration") == 0
    assert value(out, "A", "2021-07", "outcome_index") == pytest.approx(
        value(out, "A", "2021-06", "outcome_index")
    )


def test_outcome_index_ignores_collaboration(regions, families):
    conflict, collab, perception = families
    more = collab.assign(value=0.9)
    a = _run(families, regions, start="2021-01", end="2021-06")
    b = _run((conflict, more, perception), regions, start="2021-01", end="2021-06")
    pick = ["A", "2021-03"]
    assert value(a, *pick, "outcome_index") == value(b, *pick, "outcome_index")
    assert value(b, *pick, "stability_index") - value(a, *pick, "stability_index") == pytest.approx(
        (90 - 40) / 3
    )


def test_weights(regions, families):
    w = {"conflict": 0.5, "collaboration": 0.25, "perception": 0.25}
    out = _run(families, regions, start="2021-01", end="2021-01", weights=w)
    c = value(out, "A", "2021-01", "score_conflict")
    assert value(out, "A", "2021-01", "stability_index") == pytest.approx(0.5 * c + 0.25 * 40 + 0.25 * 50)
    assert value(out, "A", "2021-01", "outcome_index") == pytest.approx((0.5 * c + 0.25 * 50) / 0.75)
    only = _run(families, regions, start="2021-01", end="2021-01", weights={"conflict": 1}, min_families=1)
    assert value(only, "A", "2021-01", "stability_index") == pytest.approx(c)


def test_bad_weights_are_refused(regions, families):
    with pytest.raises(ValueError, match="negative"):
        _run(families, regions, weights={"conflict": -1, "collaboration": 1, "perception": 1})
    with pytest.raises(ValueError, match="positive"):
        _run(families, regions, weights={"conflict": 0, "collaboration": 0, "perception": 0})


def test_annual_political_stability_enters_the_perception_score(regions, families):
    conflict, collab, _ = families
    wgi = _tidy([("A", "2020", "political_stability", -1.0)], "perception")
    out = _run((conflict, collab, wgi), regions, start="2021-01", end="2021-01")
    # counts from July 2020; −1.0 on −2.5 … 2.5 → 100 × 1.5 / 5 = 30
    assert value(out, "A", "2021-01", "score_perception") == pytest.approx(30)


def test_region_population_sums_members_and_carries_forward(regions):
    pop = region_population(regions, POP.loc[POP["year"] == 2021])
    a = pop.loc[pop["region"] == "A"].set_index("year")["population"]
    assert a[2021] == 60_000_000 + 40_000_000
    assert a[2024] == 100_000_000  # carried three years forward
    assert 2025 not in a.index


def test_bundled_goalposts_and_population():
    posts = load_goalposts()
    assert goalposts_method(posts).startswith(f"fixed goalposts v{posts['version']}")
    assert {"conflict_deaths", "conflict_incidents", "network_density", "feel_safe"} <= set(posts["measures"])
    pop = load_population()
    assert list(pop.columns) == ["iso3", "year", "population"]
    assert not pop["iso3"].isin(["WLD", "SSF", "HIC", "INX", "CHI"]).any()
    assert (pop["iso3"] == "XKX").any()


# ---- invariance on the bundled sample ----------------------------------------------------------


@pytest.fixture(scope="module")
def sample():
    return {name: load_table(name).table for name in ("incidents", "collaboration", "perception")}


def _index_rows(sample, regions, collaboration=None, **kw):
    out = compute_indicators(
        sample["incidents"],
        sample["collaboration"] if collaboration is None else collaboration,
        sample["perception"],
        regions,
        families=["composite"],
        region_names=["NATO Europe", "Sahel"],
        **kw,
    )
    keep = out["indicator"].isin(["stability_index", "outcome_index"])
    return out.loc[keep].set_index(["region", "period", "indicator"])["value"]


def test_index_is_invariant_to_other_regions_window_and_unrelated_sources(sample):
    regions = load_regions()
    base = _index_rows(sample, regions)
    assert base.notna().sum() > 100
    # another region added to the regions file
    extra = pd.concat(
        [regions, pd.DataFrame({"region": ["Big"] * 3, "iso3": ["CHN", "IND", "USA"], "grouping": "Custom"})]
    )
    pd.testing.assert_series_equal(_index_rows(sample, extra), base)
    # another window: the same values in the months both show
    window = _index_rows(sample, regions, start="2020-01", end="2021-06")
    pd.testing.assert_series_equal(window, base.loc[window.index])
    assert len(window) == 2 * 2 * 18
    # an unrelated source loaded: exercises between Brazil and Argentina only
    rows = pa.Table.from_pylist(
        [
            {
                "event_id": f"x{y}",
                "start_date": dt.date(y, 5, 1),
                "end_date": dt.date(y, 5, 10),
                "kind": "joint_exercise",
                "name": "Unrelated",
                "participants": ["BRA", "ARG"],
                "weight": None,
                "source": "Other",
                "period_grain": None,
            }
            for y in range(2016, 2025)
        ],
        schema=sample["collaboration"].schema,
    )
    more = pa.concat_tables([sample["collaboration"], rows])
    pd.testing.assert_series_equal(_index_rows(sample, regions, collaboration=more), base)


def test_outcome_index_needs_both_conflict_and_perception(regions, families):
    conflict, collab, perception = families
    # B has no perception data at all: its outcome index would be its conflict score alone, so it
    # has none (a gap), while A (both families) keeps (conflict + perception) / 2
    only_a = perception.loc[perception["region"] == "A"]
    out = _run((conflict, collab, only_a), regions, start="2020-12", end="2020-12")
    assert not math.isnan(value(out, "B", "2020-12", "score_conflict"))
    assert math.isnan(value(out, "B", "2020-12", "outcome_index"))
    assert value(out, "A", "2020-12", "outcome_index") == pytest.approx(
        (value(out, "A", "2020-12", "score_conflict") + 50) / 2
    )
    # with the perception weight set to 0 the user asks for conflict alone: B's outcome index is it
    out0 = _run(
        (conflict, collab, only_a),
        regions,
        start="2020-12",
        end="2020-12",
        weights={"conflict": 0.5, "collaboration": 0.5, "perception": 0.0},
    )
    assert value(out0, "B", "2020-12", "outcome_index") == pytest.approx(
        value(out0, "B", "2020-12", "score_conflict")
    )


def test_rates_of_regions_with_different_spans_and_a_missing_month(regions):
    # A reports 2020-01 … 2021-12 but its 2021-03 is missing (not zero); B starts only in 2020-07.
    rows = []
    for p in MONTHS:
        if p != "2021-03":
            rows += [("A", p, "fatalities", 10.0), ("A", p, "incidents", 2.0)]
        if p >= "2020-07":
            rows += [("B", p, "fatalities", 5.0), ("B", p, "incidents", 1.0)]
    conflict = _tidy(rows, "conflict")
    empty = _tidy([], "collaboration")
    out = composite_indicators(conflict, empty, empty, regions, population=POP, goalposts=POSTS)
    # A in 2021-02: 12 months 2020-03 … 2021-02 all present: 12 × 10 deaths ÷ 100 million × 1e5
    assert value(out, "A", "2021-02", "conflict_deaths_per_100k") == pytest.approx(120 / 100e6 * 1e5)
    # every window holding 2021-03 (2021-03 … 2021-12) is missing, never a sum over 11 months
    for p in ("2021-03", "2021-08", "2021-12"):
        assert math.isnan(value(out, "A", p, "conflict_deaths_per_100k"))
    # B's first full window ends 2021-06 (2020-07 + 11 months): 12 × 1 incident ÷ 50 million × 1e5
    assert math.isnan(value(out, "B", "2021-05", "conflict_incidents_per_100k"))
    assert value(out, "B", "2021-06", "conflict_incidents_per_100k") == pytest.approx(12 / 50e6 * 1e5)
    # B has no rows before its own first month
    b_months = out.loc[(out["region"] == "B") & (out["indicator"] == "conflict_incidents_per_100k"), "period"]
    assert str(b_months.min()) == "2020-07"


def test_population_table_is_a_fresh_copy_each_time():
    first = load_population()
    first.loc[first.index[0], "population"] = -1
    assert load_population().loc[first.index[0], "population"] >= 0


def test_a_region_with_yearly_conflict_only_has_a_gap_not_an_index_without_conflict(regions, families):
    """B's conflict counts are conflict-years (UCDP ACD/BRD, COW): no monthly conflict score. Its
    stability index must not be (collaboration + perception) / 2, a stability index that says
    nothing of conflict: it is a gap, and coverage says conflict is missing."""
    conflict, collab, perception = families
    yearly = _tidy([("B", "2020", "fatalities", 30.0), ("B", "2020", "incidents", 2.0)], "conflict")
    only_a = conflict.loc[conflict["region"] == "A"]
    collab_b = _tidy([("B", p, "network_density", 0.6) for p in MONTHS], "collaboration")
    out = _run((pd.concat([only_a, yearly]), pd.concat([collab, collab_b]), perception), regions)
    assert math.isnan(value(out, "B", "2020-12", "score_conflict"))
    assert math.isnan(value(out, "B", "2020-12", "stability_index"))
    assert value(out, "B", "2020-12", "coverage_conflict") == 0
    assert value(out, "B", "2020-12", "coverage") == pytest.approx(2 / 3)  # collaboration and perception
    # A (monthly conflict) keeps its index: (conflict + collaboration 40 + perception 50) / 3
    assert value(out, "A", "2020-12", "stability_index") == pytest.approx(
        (value(out, "A", "2020-12", "score_conflict") + 40 + 50) / 3
    )


def test_a_regions_perception_score_runs_as_far_as_its_own_data_not_another_regions(regions):
    """B's perception (one wave, 2020-06) runs to B's own last month of conflict data, whatever
    region A's data reach: the same input for B gives the same answer."""
    wave = _tidy([("B", "2020-06", "feel_safe", 0.8)], "perception")
    b_conflict = [("B", p, k, v) for p in MONTHS[:12] for k, v in (("fatalities", 0.0), ("incidents", 5.0))]
    a_conflict = [("A", p, k, v) for p in MONTHS for k, v in (("fatalities", 9.0), ("incidents", 3.0))]
    empty = _tidy([], "collaboration")

    def b_perception(conflict_rows):
        out = _run((_tidy(conflict_rows, "conflict"), empty, wave), regions)
        rows = out.loc[
            (out["region"] == "B") & (out["indicator"] == "score_perception") & out["value"].notna()
        ]
        return dict(zip(rows["period"], rows["value"], strict=True))

    alone, beside = b_perception(b_conflict), b_perception(b_conflict + a_conflict)
    assert alone == beside
    # 0.8 on 0 … 1 → 80, from the wave (2020-06) to B's last month of conflict data (2020-12)
    assert alone == dict.fromkeys(MONTHS[5:12], pytest.approx(80.0))
    # with no other data at all, B's score runs from its wave to that wave: the month it was asked
    only = _run((_tidy([], "conflict"), empty, wave), regions)
    rows = only.loc[(only["region"] == "B") & (only["indicator"] == "score_perception")]
    assert rows.dropna(subset=["value"])["period"].tolist() == ["2020-06"]
