"""Breakdowns for the dashboard pages, on tiny literal tables with the arithmetic worked by hand."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest
from conftest import incidents_frame

from metrics import breakdowns as bd

D = dt.date


@pytest.fixture
def incidents() -> pd.DataFrame:
    return incidents_frame(
        [
            # FRA, 2020-01: two battles (3 + 1 deaths), one protest (0)
            {"iso3": "FRA", "event_date": D(2020, 1, 5), "fatalities": 3, "event_id": "a"},
            {"iso3": "FRA", "event_date": D(2020, 1, 20), "fatalities": 1, "event_id": "b"},
            {"iso3": "FRA", "event_date": D(2020, 1, 31), "event_type": "Protests", "event_id": "c"},
            # DEU, 2020-03: one riot with 5 deaths
            {
                "iso3": "DEU",
                "event_date": D(2020, 3, 1),
                "event_type": "Riots",
                "fatalities": 5,
                "event_id": "d",
            },
            # ITA (outside the countries asked for below), 2020-02
            {"iso3": "ITA", "event_date": D(2020, 2, 10), "fatalities": 9, "event_id": "e"},
        ]
    )


def test_month_helpers() -> None:
    assert bd.month_bounds("2020-02", "2020-02") == (D(2020, 2, 1), D(2020, 2, 29))
    assert bd.shift_month("2020-01", -12) == "2019-01"
    assert bd.shift_month("2020-12", 1) == "2021-01"
    with pytest.raises(ValueError):
        bd.month_bounds("2020-03", "2020-01")


def test_monthly_by_type_fills_observed_months_with_zero(incidents: pd.DataFrame) -> None:
    out = bd.monthly_by_type(
        incidents, ["FRA", "DEU"], start="2019-12", end="2020-04", event_types=["Battles", "Riots"]
    )
    # The data span is 2020-01..2020-03, so 2019-12 and 2020-04 are absent (unknown), not zero;
    # 3 months x 2 kept types = 6 rows.
    assert out["period"].tolist() == ["2020-01", "2020-01", "2020-02", "2020-02", "2020-03", "2020-03"]
    assert out["event_type"].tolist() == ["Battles", "Riots"] * 3
    # 2020-01 battles: FRA a + b = 2 incidents, 3 + 1 = 4 deaths; ITA's 2020-02 battle is not asked for.
    assert out["incidents"].tolist() == [2, 0, 0, 0, 0, 1]
    assert out["fatalities"].tolist() == [4, 0, 0, 0, 0, 5]


def test_monthly_by_type_min_fatalities(incidents: pd.DataFrame) -> None:
    out = bd.monthly_by_type(incidents, ["FRA", "DEU"], start="2020-01", end="2020-03", min_fatalities=3)
    # Only a (3 deaths) and d (5 deaths) have at least 3.
    assert int(out["incidents"].sum()) == 2
    assert int(out["fatalities"].sum()) == 8
    # All six schema types appear for every month: 3 months x 6 types.
    assert len(out) == 18


def test_top_countries(incidents: pd.DataFrame) -> None:
    out = bd.top_countries(incidents, ["FRA", "DEU", "ITA"], start="2020-01", end="2020-12", limit=2)
    # FRA 3 incidents, DEU 1, ITA 1 (ties broken by fatalities: ITA 9 > DEU 5); 5 incidents in all.
    assert out["iso3"].tolist() == ["FRA", "ITA"]
    assert out["incidents"].tolist() == [3, 1]
    assert out["fatalities"].tolist() == [4, 9]
    assert out["share"].tolist() == pytest.approx([3 / 5, 1 / 5])


def test_largest_incidents_order(incidents: pd.DataFrame) -> None:
    out = bd.largest_incidents(incidents, ["FRA", "DEU", "ITA"], start="2020-01", end="2020-12", limit=3)
    assert out["event_id"].tolist() == ["e", "d", "a"]  # 9, 5, 3 deaths
    assert list(out.columns) == list(bd.LARGEST_COLUMNS)


def test_event_locations_points_and_grid() -> None:
    frame = incidents_frame(
        [
            {"latitude": 10.1, "longitude": 20.1, "fatalities": 1},
            {"latitude": 10.2, "longitude": 20.2, "fatalities": 2},
            {"latitude": 11.9, "longitude": 20.1, "fatalities": 4},
            {"latitude": None, "longitude": None, "fatalities": 8},
        ]
    )
    pts = bd.event_locations(frame, ["FRA"], start="2020-01", end="2020-01")
    assert (pts.cell_degrees, pts.located, pts.unlocated) == (0.0, 3, 1)
    assert pts.frame["incidents"].tolist() == [1, 1, 1]
    # At most 2 points, 3 located: a grid. Cell 0.25: lat 10.1/0.25 = 40.4 -> 40, 10.2/0.25 -> 40,
    # 11.9/0.25 = 47.6 -> 47; lon 20.1/0.25 = 80.4 -> 80, 20.2/0.25 -> 80: two cells, few enough.
    grid = bd.event_locations(frame, ["FRA"], start="2020-01", end="2020-01", max_points=2)
    assert grid.cell_degrees == 0.25
    assert grid.frame["incidents"].tolist() == [2, 1]
    assert grid.frame["fatalities"].tolist() == [3, 4]
    # centres: (40 + 0.5) * 0.25 = 10.125, (47 + 0.5) * 0.25 = 11.875; lon (80 + 0.5) * 0.25 = 20.125
    assert grid.frame["latitude"].tolist() == [10.125, 11.875]
    assert grid.frame["longitude"].tolist() == [20.125, 20.125]
    # At most one cell: 0.25 gives 2, 0.5 gives lat 20 and 23 (2 cells), 1.0 gives 10 and 11 (2),
    # 2.0 gives 5 and 5 -> one cell of 3 incidents centred at (5.5 * 2, 10.5 * 2) = (11, 21).
    one = bd.event_locations(frame, ["FRA"], start="2020-01", end="2020-01", max_points=1)
    assert one.cell_degrees == 2.0
    assert one.frame[["latitude", "longitude", "incidents", "fatalities"]].values.tolist() == [[11, 21, 3, 7]]


def _collab(rows: list[dict]) -> pd.DataFrame:
    base = {"end_date": None, "kind": "joint_exercise", "name": None, "weight": 1.0, "source": "t"}
    return pd.DataFrame([{**base, "event_id": f"C{k}", **r} for k, r in enumerate(rows)])


def test_collaboration_edges() -> None:
    frame = _collab(
        [
            {"start_date": D(2020, 1, 5), "participants": ["FRA", "DEU", "USA"]},  # concerns the region
            {"start_date": D(2020, 2, 5), "participants": ["FRA", "DEU"]},
            {"start_date": D(2020, 3, 5), "participants": ["USA", "CAN"]},  # no member: ignored
            {"start_date": D(2019, 1, 5), "participants": ["FRA", "GBR"], "kind": "defence_agreement"},
            {"start_date": D(2019, 1, 5), "participants": ["FRA", "ESP"]},  # point event before the period
            {"start_date": D(2021, 1, 5), "participants": ["FRA", "ITA"]},  # after the period
        ]
    )
    out = bd.collaboration_edges(frame, ["FRA", "DEU"], start="2020-01", end="2020-12")
    got = {(a, b): n for a, b, n in zip(out["source"], out["target"], out["engagements"], strict=True)}
    # DEU-FRA in two engagements; DEU-USA and FRA-USA in one; FRA-GBR: agreement still in force.
    assert got == {("DEU", "FRA"): 2, ("DEU", "USA"): 1, ("FRA", "USA"): 1, ("FRA", "GBR"): 1}
    assert out.iloc[0][["source", "target"]].tolist() == ["DEU", "FRA"]
    gbr = out.loc[out["target"] == "GBR"].iloc[0]
    assert (bool(gbr["source_member"]), bool(gbr["target_member"])) == (True, False)


def _composite(rows: list[tuple[str, str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["region", "period", "indicator", "value"]).assign(family="composite")


def test_region_ranking() -> None:
    comp = _composite(
        [
            ("A", "2021-01", "stability_index", 60.0),
            ("A", "2020-01", "stability_index", 50.0),
            ("A", "2021-01", "score_conflict", 70.0),
            ("A", "2020-01", "score_conflict", 75.0),
            ("A", "2021-01", "coverage", 1.0),
            ("B", "2021-01", "stability_index", 80.0),
            ("C", "2021-01", "stability_index", math.nan),
        ]
    )
    out = bd.region_ranking(comp, ["C", "A", "B"], period="2021-01", previous="2020-01")
    assert out["region"].tolist() == ["B", "A", "C"]
    assert out["rank"].tolist()[:2] == [1, 2] and pd.isna(out["rank"].iloc[2])
    a = out.loc[out["region"] == "A"].iloc[0]
    assert a["change_stability_index"] == 10.0  # 60 - 50
    assert a["change_score_conflict"] == -5.0  # 70 - 75
    assert math.isnan(a["score_collaboration"])
    assert math.isnan(out.loc[out["region"] == "B", "change_stability_index"].iloc[0])  # no 2020-01


def test_family_drivers() -> None:
    comp = _composite(
        [
            ("A", "2021-01", "score_conflict", 70.0),
            ("A", "2020-01", "score_conflict", 40.0),
            ("A", "2021-01", "score_collaboration", 50.0),
            ("A", "2020-01", "score_collaboration", 60.0),
            ("A", "2021-01", "score_perception", 55.0),  # no 2020-01 value
        ]
    )
    out = bd.family_drivers(
        comp,
        period="2021-01",
        previous="2020-01",
        weights={"conflict": 2, "collaboration": 1, "perception": 1},
    )
    # Families with both months: conflict (w 2) and collaboration (w 1), Σw = 3.
    # conflict: 2 * (70 - 40) / 3 = 20; collaboration: 1 * (50 - 60) / 3 = -3.333.
    assert out["family"].tolist() == ["conflict", "collaboration", "perception"]
    assert out["contribution"].iloc[0] == pytest.approx(20.0)
    assert out["contribution"].iloc[1] == pytest.approx(-10 / 3)
    assert math.isnan(out["contribution"].iloc[2])
    assert out["change"].iloc[0] == 30.0


def test_country_values_prefers_the_selected_region() -> None:
    comp = _composite(
        [("North", "2021-01", "stability_index", 40.0), ("Both", "2021-01", "stability_index", 90.0)]
    )
    members = pd.DataFrame(
        {"region": ["North", "North", "Both", "Both", "Empty"], "iso3": ["FRA", "DEU", "FRA", "ITA", "ISL"]}
    )
    out = bd.country_values(comp, members, period="2021-01", prefer="North").set_index("iso3")
    assert out.loc["FRA", "region"] == "North" and out.loc["FRA", "value"] == 40.0
    assert out.loc["ITA", "value"] == 90.0
    assert math.isnan(out.loc["ISL", "value"])  # no index: missing, not zero
    default = bd.country_values(comp, members, period="2021-01").set_index("iso3")
    assert default.loc["FRA", "region"] == "Both"  # alphabetically first


def test_sen_line() -> None:
    slope, intercept, p = bd.sen_line([1.0, 3.0, 5.0, 7.0])
    assert slope == 2.0 and intercept == 1.0
    # Mann–Kendall, n = 4, no ties: S = 6, Var = 4·3·13/18 = 8.667, Z = (6 − 1)/√8.667 = 1.6984
    z = 5 / math.sqrt(4 * 3 * 13 / 18)
    assert p == pytest.approx(2 * (1 - 0.5 * (1 + math.erf(z / math.sqrt(2)))))
    assert all(np.isnan(bd.sen_line([1.0, math.nan, 2.0])))


def test_table_coverage(incidents: pd.DataFrame) -> None:
    cov = bd.table_coverage(incidents, date_column="event_date", country_column="iso3")
    assert cov == {"rows": 5, "countries": 3, "first": "2020-01-05", "last": "2020-03-01"}
    collab = _collab([{"start_date": D(2020, 1, 5), "participants": ["FRA", "DEU", "USA"]}])
    cov = bd.table_coverage(
        collab, date_column="start_date", country_column="participants", country_lists=True
    )
    assert cov["countries"] == 3


def test_monthly_by_type_keeps_only_the_covered_months(incidents: pd.DataFrame) -> None:
    """Only the months the coverage vouches for appear: 2020-02 (no FRA/DEU row: an observed zero)
    and 2020-03 (DEU's riot); 2020-01 is not covered, so its rows are dropped (missing), and months
    outside the data's span stay absent even when covered."""
    out = bd.monthly_by_type(
        incidents,
        ["FRA", "DEU"],
        start="2019-12",
        end="2020-04",
        event_types=["Battles", "Riots"],
        covered_months=["2020-02", "2020-03", "2020-04"],
    )
    assert out["period"].tolist() == ["2020-02", "2020-02", "2020-03", "2020-03"]
    assert out["incidents"].tolist() == [0, 0, 0, 1]
    assert out["fatalities"].tolist() == [0, 0, 0, 5]
    none = bd.monthly_by_type(incidents, ["FRA", "DEU"], start="2020-01", end="2020-03", covered_months=[])
    assert none.empty


@pytest.mark.parametrize(
    ("region", "types", "min_fatalities", "span", "max_points"),
    [
        ("Sahel", None, 0, ("2015-01", "2025-12"), 5000),  # every point listed
        ("Sahel", None, 0, ("2015-01", "2025-12"), 50),  # a grid
        ("ASEAN", ("Battles",), 5, ("2015-01", "2025-12"), 50),
        ("Middle East", ("Protests", "Riots"), 1, ("2020-03", "2020-05"), 5000),
        ("NATO Europe", None, 25, ("2015-01", "2025-12"), 5000),
    ],
)
def test_cube_rows_answer_the_largest_incidents_and_locations_as_the_raw_rows(
    sample_bundle, region, types, min_fatalities, span, max_points
) -> None:
    """From the cube, the rows are filtered in Arrow (and only the top candidates ordered); the
    answer is the one the SQL over every raw row gives, frame for frame."""
    from metrics.cube import build_cube

    raw = sample_bundle.incidents.table
    cube = build_cube(raw)
    regions = sample_bundle.regions
    countries = tuple(regions.loc[regions["region"] == region, "iso3"])
    kw = {"start": span[0], "end": span[1], "event_types": types, "min_fatalities": min_fatalities}
    for limit in (1, 3, 20):
        pd.testing.assert_frame_equal(
            bd.largest_incidents(cube, countries, limit=limit, **kw),
            bd.largest_incidents(raw, countries, limit=limit, **kw),
        )
    got = bd.event_locations(cube, countries, max_points=max_points, **kw)
    expected = bd.event_locations(raw, countries, max_points=max_points, **kw)
    pd.testing.assert_frame_equal(got.frame, expected.frame)
    assert (got.cell_degrees, got.located, got.unlocated) == (
        expected.cell_degrees,
        expected.located,
        expected.unlocated,
    )
    assert got.located + got.unlocated > 0  # the case has incidents


@pytest.mark.parametrize("dense_cells", [bd._DENSE_CELLS, 0], ids=["dense", "hashed"])
def test_the_grid_equals_counting_every_point_at_each_cell_size(dense_cells: int, monkeypatch) -> None:
    """The event map's grid tries each doubled cell size on the occupied finest cells; here every
    point is counted afresh at each size, as the docstring defines it, and the cells must agree,
    whether the finest cells are counted on a dense array (a bounding box of 560 × 1,440 cells of
    0.25°) or hashed."""
    monkeypatch.setattr(bd, "_DENSE_CELLS", dense_cells)
    rng = np.random.default_rng(3)
    n, first, max_points = 20_000, 0.25, 500
    pts = pd.DataFrame(
        {
            "latitude": rng.uniform(-60, 80, n),
            "longitude": rng.uniform(-180, 180, n),
            "fatalities": rng.integers(0, 50, n),
        }
    )
    cell = first
    while True:
        cells = pd.DataFrame(
            {
                "r": np.floor(pts["latitude"] / cell),
                "c": np.floor(pts["longitude"] / cell),
                "f": pts["fatalities"],
            }
        )
        counted = (
            cells.groupby(["r", "c"]).agg(incidents=("f", "size"), fatalities=("f", "sum")).reset_index()
        )
        if len(counted) <= max_points:
            break
        cell *= 2
    got = bd._grid(pts, n, n, first, max_points)
    assert got.cell_degrees == cell and cell > first  # the points needed larger cells
    expected = pd.DataFrame(
        {
            "latitude": (counted["r"] + 0.5) * cell,
            "longitude": (counted["c"] + 0.5) * cell,
            "incidents": counted["incidents"].astype(np.int64),
            "fatalities": counted["fatalities"].astype(np.int64),
        }
    )
    pd.testing.assert_frame_equal(got.frame, expected)
    assert got.frame["incidents"].sum() == n
