"""Collaboration indicators on a tiny literal table, expected values worked out by hand."""

import datetime as dt
import math

import pandas as pd
import pytest
from conftest import value

from metrics.collaboration import collaboration_indicators


def _collab(rows):
    frame = pd.DataFrame(
        rows, columns=["event_id", "start_date", "end_date", "kind", "participants", "weight"]
    )
    frame["source"] = "test"
    frame["name"] = None
    return frame


@pytest.fixture
def west():
    # a region of three members: 3 possible pairs
    return pd.DataFrame({"region": ["West"] * 3 + ["Solo"], "iso3": ["FRA", "DEU", "ITA", "ISL"]})


def test_counts_weights_density_partners(west):
    c = _collab(
        [
            ("a", dt.date(2020, 1, 5), None, "joint_exercise", ["FRA", "DEU", "USA", "NATO"], 1.0),
            ("b", dt.date(2020, 3, 1), None, "arms_transfer", ["USA", "ITA"], 50.0),
            ("c", dt.date(2020, 2, 1), dt.date(2020, 2, 28), "defence_agreement", ["FRA", "ITA"], None),
            (
                "d",
                dt.date(2020, 3, 9),
                None,
                "high_level_visit",
                ["CAN", "GBR"],
                1.0,
            ),  # no member: not West's
        ]
    )
    out = collaboration_indicators(c, west, window=2)
    # January: exercise a only (a flow)
    assert value(out, "West", "2020-01", "engagements_joint_exercise") == 1
    assert value(out, "West", "2020-01", "engagements_total") == 1
    assert value(out, "West", "2020-01", "collaboration_score") == 1  # alias of engagements_total
    # February: agreement c in force: a stock, never added to the flows
    assert value(out, "West", "2020-02", "engagements_defence_agreement") == 1
    assert value(out, "West", "2020-02", "agreements_in_force") == 1
    assert value(out, "West", "2020-02", "engagements_total") == 0
    # March: transfer b (USA → ITA, TIV 50) counts 1, its TIV goes to imports only; visit d is not West's
    assert value(out, "West", "2020-03", "engagements_arms_transfer") == 1
    assert value(out, "West", "2020-03", "engagements_high_level_visit") == 0
    assert value(out, "West", "2020-03", "engagements_total") == 0 + 1
    assert value(out, "West", "2020-03", "collaboration_score") == 1
    assert value(out, "West", "2020-03", "arms_imports_tiv") == 50.0
    assert value(out, "West", "2020-03", "arms_exports_tiv") == 0
    assert value(out, "West", "2020-03", "arms_intra_tiv") == 0
    assert value(out, "West", "2020-03", "arms_transfer_tiv") == 50.0 + 0 + 0
    # density over a 2-month trailing window, 3 pairs possible; exercise a has k = 3 states
    # (FRA, DEU, USA; NATO is not a state) → FRA-DEU weighs 1/(3 − 1) = 1/2; agreement c (k = 2) → 1
    # Jan {FRA-DEU 1/2} = 0.5/3; Feb {FRA-DEU 1/2, FRA-ITA 1} = 1.5/3; Mar {FRA-ITA 1} = 1/3
    assert value(out, "West", "2020-01", "network_density") == pytest.approx(0.5 / 3)
    assert value(out, "West", "2020-02", "network_density") == pytest.approx((0.5 + 1) / 3)
    assert value(out, "West", "2020-03", "network_density") == pytest.approx(1 / 3)
    assert [value(out, "West", p, "network_dyads") for p in ("2020-01", "2020-02", "2020-03")] == [1, 2, 1]
    # external partners in the window: USA (a; NATO is no partner) in Jan and Feb; USA (b) in Mar
    assert [value(out, "West", p, "external_partners") for p in ("2020-01", "2020-02", "2020-03")] == [
        1,
        1,
        1,
    ]
    # Solo (ISL) took part in nothing: no rows, not zeros
    assert "Solo" not in set(out["region"])


def test_agreement_in_force_counts_every_month_and_open_end_runs_to_data_end(west):
    c = _collab(
        [
            ("p", dt.date(2020, 1, 1), None, "defence_agreement", ["FRA", "DEU"], 1.0),
            ("x", dt.date(2020, 4, 1), None, "joint_exercise", ["ITA", "DEU"], 1.0),
        ]
    )
    out = collaboration_indicators(c, west, window=1)
    for p in ("2020-01", "2020-02", "2020-03", "2020-04"):
        assert value(out, "West", p, "engagements_defence_agreement") == 1
    # April: pact FRA-DEU and exercise ITA-DEU → 2 of 3 pairs
    assert value(out, "West", "2020-04", "network_density") == pytest.approx(2 / 3)
    assert value(out, "West", "2020-04", "engagements_total") == 1  # the exercise (a flow)
    assert value(out, "West", "2020-04", "agreements_in_force") == 1  # the pact (a stock)


def test_engagement_counted_once_per_region_and_single_member_region(west):
    c = _collab([("a", dt.date(2021, 6, 1), None, "joint_exercise", ["FRA", "DEU", "ITA", "ISL"], 2.0)])
    out = collaboration_indicators(c, west)
    assert value(out, "West", "2021-06", "engagements_total") == 1  # three members, one engagement
    # all 3 pairs tied, each by one exercise of k = 4 states: 3 × 1/(4 − 1) ÷ 3 pairs
    assert value(out, "West", "2021-06", "network_density") == pytest.approx(3 * (1 / 3) / 3)
    assert value(out, "West", "2021-06", "network_dyads") == 3
    assert value(out, "West", "2021-06", "external_partners") == 1  # ISL
    # Solo has one member: density undefined (no pairs), shown missing
    assert math.isnan(value(out, "Solo", "2021-06", "network_density"))
    assert value(out, "Solo", "2021-06", "external_partners") == 3


def test_density_weighting_on_three_exercises():
    four = pd.DataFrame({"region": ["Four"] * 4, "iso3": ["FRA", "DEU", "ITA", "ESP"]})
    c = _collab(
        [
            ("e1", dt.date(2020, 5, 1), None, "joint_exercise", ["FRA", "DEU"], None),
            ("e2", dt.date(2020, 5, 3), None, "joint_exercise", ["FRA", "DEU", "ITA", "ESP", "USA"], None),
            ("e3", dt.date(2020, 5, 9), None, "joint_exercise", ["ITA", "ESP", "GBR"], None),
        ]
    )
    out = collaboration_indicators(c, four)
    # k = 2, 5, 3 → each pair of e1 gets 1, of e2 1/4, of e3 1/2
    # FRA-DEU 1 + 1/4 → capped at 1; ITA-ESP 1/4 + 1/2 = 3/4; four other pairs 1/4 each
    expected = (1 + (1 / 4 + 1 / 2) + 4 * (1 / 4)) / (4 * 3 / 2)
    assert value(out, "Four", "2020-05", "network_density") == pytest.approx(expected)
    assert value(out, "Four", "2020-05", "network_dyads") == 6  # every pair tied at least once
    assert value(out, "Four", "2020-05", "external_partners") == 2  # USA, GBR


def test_trailing_window_of_twelve_months(west):
    c = _collab(
        [
            ("a", dt.date(2020, 1, 10), None, "joint_exercise", ["FRA", "DEU"], 1.0),
            ("z", dt.date(2021, 3, 10), None, "high_level_visit", ["ITA", "USA"], 1.0),
        ]
    )
    out = collaboration_indicators(c, west)
    assert value(out, "West", "2020-12", "network_density") == pytest.approx(1 / 3)  # 12th month incl. Jan
    assert value(out, "West", "2021-01", "network_density") == 0  # January 2020 has left the window
    assert value(out, "West", "2021-01", "engagements_total") == 0


def test_empty_collaboration(west):
    c = _collab([]).astype({"start_date": "datetime64[s]"})
    assert collaboration_indicators(c, west).empty


def _cover(rows):
    """A coverage table (``datasets.coverage.load_coverage`` columns) from (source, iso3, first, last)."""
    return pd.DataFrame(
        [
            {"table": "collaboration", "source": s, "iso3": i, "first_day": a, "last_day": b, "grain": "year"}
            for s, i, a, b in rows
        ]
    )


def strict_count_missing(c, regions, cover, population) -> bool:  # noqa: ANN001
    """Below the minimum covered share (0.5 by default) no region has a count of transfers."""
    out = collaboration_indicators(c, regions, coverage=cover, population=population)
    return out.loc[out["indicator"] == "engagements_arms_transfer"].empty


def test_a_register_filtered_to_one_recipient_covers_that_recipient_only():
    """Yearly SIPRI-like transfers; the register covers recipient FRA only (filtered to it)."""
    regions = pd.DataFrame(
        {"region": ["West"] * 3 + ["East"] * 2, "iso3": ["FRA", "DEU", "ITA", "POL", "CZE"]}
    )
    c = _collab(
        [
            ("t1", dt.date(2020, 1, 1), None, "arms_transfer", ["USA", "FRA"], 40.0),  # import of West
            ("t2", dt.date(2020, 1, 1), None, "arms_transfer", ["DEU", "FRA"], 10.0),  # intra West
            ("t3", dt.date(2020, 1, 1), None, "arms_transfer", ["POL", "FRA"], 5.0),  # export of East
        ]
    ).assign(period_grain="year", source="SIPRI")
    population = pd.DataFrame(
        {
            "iso3": ["FRA", "DEU", "ITA", "POL", "CZE"],
            "year": [2020] * 5,
            "population": [60.0, 80.0, 60.0, 40.0, 10.0],
        }
    )
    cover = _cover([("SIPRI", "FRA", "2020-01-01", "2020-12-31")])
    out = collaboration_indicators(c, regions, coverage=cover, population=population, min_covered_share=0.25)
    # West: FRA's people are 60 / (60 + 80 + 60) = 0.30 of the region ≥ 0.25: imports and intra are
    # the sums over the covered member FRA, with that share beside them
    imp = out.loc[(out["region"] == "West") & (out["indicator"] == "arms_imports_tiv")]
    assert imp["value"].tolist() == [40.0 + 5.0]  # from USA and from POL (outside West)
    assert imp["covered_share"].tolist() == [pytest.approx(60 / 200)]
    assert value(out, "West", "2020", "arms_intra_tiv") == 10.0
    # exports of West: a transfer from FRA/DEU/ITA to an uncovered recipient would be unknown, so
    # West's exports are missing (no row), never 0; so is the total alias
    for name in ("arms_exports_tiv", "arms_transfer_tiv"):
        assert out.loc[(out["region"] == "West") & (out["indicator"] == name)].empty
    # East: neither POL nor CZE is covered as a recipient; its exports need FRA, DEU, ITA covered
    east = out.loc[(out["region"] == "East") & out["indicator"].str.endswith("_tiv")]
    assert east.empty
    # a count of transfers is known where the recipients are, as the imports: West (FRA covered,
    # 0.30 of its people ≥ 0.25) counts t1, t2, t3, each concerning it (FRA receives all three);
    # East (neither POL nor CZE covered) has no row, never 0 transfers
    counts = out.loc[out["indicator"] == "engagements_arms_transfer"]
    assert counts["region"].tolist() == ["West"] and counts["value"].tolist() == [3.0]
    assert counts["covered_share"].tolist() == [pytest.approx(60 / 200)]
    assert strict_count_missing(c, regions, cover, population)
    # below the minimum share (0.30 < 0.5, the default) West's imports are missing too
    strict = collaboration_indicators(c, regions, coverage=cover, population=population)
    assert strict.loc[strict["indicator"].str.endswith("_tiv")].empty
    # a register covering every country: exports of East = t3 (POL → FRA) = 5, shares 1
    everyone = _cover([("SIPRI", i, "2020-01-01", "2020-12-31") for i in regions["iso3"]])
    full = collaboration_indicators(c, regions, coverage=everyone, population=population)
    assert value(full, "East", "2020", "arms_exports_tiv") == 5.0
    assert value(full, "East", "2020", "arms_imports_tiv") == 0.0
    assert value(full, "West", "2020", "arms_exports_tiv") == 0.0
    assert value(full, "West", "2020", "arms_transfer_tiv") == 40.0 + 10.0 + 5.0
    assert set(full.loc[full["indicator"] == "arms_imports_tiv", "covered_share"]) == {1.0}
    # every country covered: t1, t2, t3 each concern West (FRA receives all three), t3 East (POL)
    assert value(full, "West", "2020", "engagements_arms_transfer") == 3
    assert value(full, "East", "2020", "engagements_arms_transfer") == 1
    # outside the covered years there is no row
    cover_2019 = _cover([("SIPRI", i, "2019-01-01", "2019-12-31") for i in regions["iso3"]])
    later = collaboration_indicators(c, regions, coverage=cover_2019, population=population)
    assert later.loc[later["indicator"].str.endswith("_tiv")].empty


def test_a_transfer_counts_only_where_its_own_source_covers_its_recipient():
    """Two arms sources: A (filtered to FRA) and B (every country). A's transfer to DEU is outside
    A's scope and does not count, even though B covers DEU; B's transfer to DEU counts."""
    regions = pd.DataFrame({"region": ["West"] * 2, "iso3": ["FRA", "DEU"]})
    c = _collab(
        [
            ("a1", dt.date(2020, 1, 1), None, "arms_transfer", ["USA", "FRA"], 7.0),
            ("a2", dt.date(2020, 1, 1), None, "arms_transfer", ["USA", "DEU"], 100.0),
            ("b1", dt.date(2020, 1, 1), None, "arms_transfer", ["GBR", "DEU"], 3.0),
        ]
    ).assign(period_grain="year", source=["A", "A", "B"])
    cover = _cover(
        [("A", "FRA", "2020-01-01", "2020-12-31")]
        + [("B", i, "2020-01-01", "2020-12-31") for i in ("FRA", "DEU", "USA", "GBR")]
    )
    out = collaboration_indicators(c, regions, coverage=cover)
    assert value(out, "West", "2020", "arms_imports_tiv") == 7.0 + 3.0  # a2 is not counted
