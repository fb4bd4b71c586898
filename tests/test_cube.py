"""The incident cube answers every filter exactly as a scan of the raw incidents does."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from conftest import incidents_frame
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from datasets.schema import EVENT_TYPES
from metrics.conflict import conflict_indicators, monthly_counts
from metrics.cube import FATALITY_THRESHOLDS, build_cube

REGIONS = pd.DataFrame(
    {"region": ["R1", "R1", "R2", "R2", "R3"], "iso3": ["FRA", "DEU", "DEU", "ITA", "ESP"]}
)

incident = st.fixed_dictionaries(
    {
        "iso3": st.sampled_from(["FRA", "DEU", "ITA", "ESP", "PRT"]),
        "admin1": st.sampled_from([None, "", "A", "B", "C"]),
        "event_date": st.dates(dt.date(2019, 1, 1), dt.date(2021, 12, 31)),
        "event_type": st.sampled_from(EVENT_TYPES),
        "fatalities": st.integers(0, 150),
        "civilian_targeting": st.sampled_from([None, True, False]),
    }
)


def _sorted(frame):
    return frame.sort_values(list(frame.columns[:2])).reset_index(drop=True)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(incident, min_size=1, max_size=60),
    types=st.none() | st.lists(st.sampled_from(EVENT_TYPES), min_size=1, max_size=3, unique=True),
    threshold=st.sampled_from(FATALITY_THRESHOLDS),
    countries=st.none() | st.lists(st.sampled_from(["FRA", "DEU", "ITA", "ESP"]), min_size=1, unique=True),
)
def test_cube_equals_raw_scan(rows, types, threshold, countries):
    raw = incidents_frame(rows)
    cube = build_cube(raw)
    kwargs = {"event_types": types, "min_fatalities": threshold, "countries": countries}
    m_raw, e_raw, span_raw = monthly_counts(raw, REGIONS, **kwargs)
    m_cube, e_cube, span_cube = monthly_counts(cube, REGIONS, **kwargs)
    assert span_raw == span_cube
    pd.testing.assert_frame_equal(
        _sorted(m_raw).astype({c: float for c in m_raw.columns[2:]}), _sorted(m_cube), check_dtype=False
    )
    pd.testing.assert_frame_equal(
        _sorted(e_raw).astype({"admin_ever": float}), _sorted(e_cube), check_dtype=False
    )
    a = conflict_indicators(raw, REGIONS, **kwargs)
    b = conflict_indicators(cube, REGIONS, **kwargs)
    pd.testing.assert_frame_equal(a, b)


def test_cube_counts_by_hand():
    raw = incidents_frame(
        [
            {"iso3": "FRA", "admin1": "A", "event_date": dt.date(2020, 1, 2), "fatalities": 3},
            {"iso3": "FRA", "admin1": "A", "event_date": dt.date(2020, 1, 9), "fatalities": 7},
            {"iso3": "DEU", "admin1": "B", "event_date": dt.date(2020, 2, 1), "fatalities": 0},
        ]
    )
    cube = build_cube(raw)
    # FRA Jan: fatalities 3 (class 1: 1–4) and 7 (class 2: 5–9) → two cells; DEU Feb one cell
    assert len(cube.n) == 3 and cube.rows == 3
    assert cube.span == ("2020-01", "2020-02")
    monthly, ever, _ = monthly_counts(cube, REGIONS, min_fatalities=5)
    # only the 7-death incident has ≥ 5: R1 (FRA, DEU) January = 1 incident, 7 deaths
    assert monthly.to_dict("records") == [
        {
            "region": "R1",
            "period": "2020-01",
            "incidents": 1.0,
            "fatalities": 7.0,
            "civ": 0.0,
            "civ_known": 0.0,
            "admin_active": 1.0,
        }
    ]
    assert ever.to_dict("records") == [{"region": "R1", "admin_ever": 1.0}]


def test_threshold_outside_the_classes_is_refused():
    cube = build_cube(incidents_frame([{"fatalities": 2}]))
    with pytest.raises(ValueError, match="one of 0, 1, 5, 10, 25, 100"):
        monthly_counts(cube, REGIONS, min_fatalities=3)


def test_empty_cube():
    cube = build_cube(incidents_frame([{}]).iloc[0:0])
    assert cube.span is None and cube.rows == 0
    assert conflict_indicators(cube, REGIONS).empty
    assert np.asarray(cube.n).size == 0


def test_breakdowns_from_the_cube_equal_the_raw_scan():
    from metrics import breakdowns as bd

    rows = []
    for k in range(40):
        rows.append(
            {
                "iso3": ["FRA", "DEU", "ITA"][k % 3],
                "admin1": "A",
                "event_id": f"e{k}",
                "event_date": dt.date(2020, 1 + k % 12, 1 + k % 27),
                "fatalities": (k * 7) % 11,
                "event_type": EVENT_TYPES[k % 6],
                "latitude": 40.0 + k / 10,
                "longitude": 5.0 + k / 10,
            }
        )
    raw = incidents_frame(rows)
    cube = build_cube(raw)
    # 3 is not a fatality class (the cube reads rows); 5 is (the cube's cells answer)
    for threshold, types in ((3, None), (5, None), (0, ["Battles", "Riots"])):
        kw = {"start": "2020-03", "end": "2020-10", "event_types": types, "min_fatalities": threshold}
        for fn in (bd.monthly_by_type, bd.top_countries, bd.largest_incidents):
            a = fn(raw, ["FRA", "DEU"], **kw)
            b = fn(cube, ["FRA", "DEU"], **kw)
            pd.testing.assert_frame_equal(
                a.reset_index(drop=True), b.reset_index(drop=True), check_dtype=False
            )
    kw = {"start": "2020-03", "end": "2020-10", "event_types": None, "min_fatalities": 3}
    a = bd.event_locations(raw, ["FRA", "DEU"], **kw)
    b = bd.event_locations(cube, ["FRA", "DEU"], **kw)
    pd.testing.assert_frame_equal(a.frame, b.frame, check_dtype=False)
    assert (a.located, a.unlocated) == (b.located, b.unlocated)
    # rows_for: FRA and DEU incidents dated 2020-03-01..2020-10-31, counted by hand from the rows above
    first, last = dt.date(2020, 3, 1), dt.date(2020, 10, 31)
    expected = sum(1 for r in rows if r["iso3"] in ("FRA", "DEU") and first <= r["event_date"] <= last)
    assert cube.rows_for(["FRA", "DEU"], first, last).num_rows == expected


def test_cube_size_counts_its_own_arrays_only():
    cube = build_cube(incidents_frame([{"fatalities": 1}, {"fatalities": 30, "iso3": "DEU"}]))
    own = sum(
        getattr(cube, k).nbytes
        for k in (
            "country",
            "admin",
            "month",
            "etype",
            "fclass",
            "n",
            "f",
            "civ",
            "known",
            "countries",
            "admin_country",
            "admin_named",
            "event_types",
            "days",
            "admin_names",
        )
    )
    assert cube.nbytes == own and cube.incidents.num_rows == 2


def test_a_cube_of_no_incidents_gives_no_months_not_an_error() -> None:
    """A store holding only survey files has an empty incidents table: the monthly counts are
    empty (nothing is known), as from the raw table, instead of a query error."""
    from metrics.breakdowns import monthly_by_type

    empty = incidents_frame([{"iso3": "FRA"}]).iloc[0:0]
    cube = build_cube(empty)
    args = {"start": "2020-01", "end": "2020-12"}
    from_cube = monthly_by_type(cube, ["FRA"], **args)
    from_rows = monthly_by_type(empty, ["FRA"], **args)
    assert from_cube.empty and from_rows.empty
    assert list(from_cube.columns) == ["period", "event_type", "incidents", "fatalities"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(incident, min_size=1, max_size=60),
    countries=st.lists(st.sampled_from(["FRA", "DEU", "ITA", "ESP", "PRT", "XXX"]), unique=True),
)
def test_the_cells_of_some_countries_are_exactly_theirs(rows, countries):
    cube = build_cube(incidents_frame(rows))
    got = cube.cells_of(countries)
    # a scan of every cell: those whose country code names one of ``countries``
    expected = [i for i, c in enumerate(cube.country) if cube.countries[c] in set(countries)]
    assert sorted(got.tolist()) == expected


def test_cells_summed_over_admin_units_by_hand() -> None:
    """``country_months``: the cells without the admin1 dimension, and each admin unit's months with
    the event types and fatality classes it had (bit etype·6 + class)."""
    raw = incidents_frame(
        [
            {"iso3": "FRA", "admin1": "A", "event_date": dt.date(2020, 1, 2), "fatalities": 3},
            {"iso3": "FRA", "admin1": "B", "event_date": dt.date(2020, 1, 5), "fatalities": 2},
            {"iso3": "FRA", "admin1": "A", "event_date": dt.date(2020, 1, 9), "fatalities": 7},
            {"iso3": "FRA", "admin1": "A", "event_date": dt.date(2020, 1, 9), "event_type": "Riots"},
            {"iso3": "DEU", "admin1": None, "event_date": dt.date(2020, 2, 1), "fatalities": 0},
        ]
    )
    cube = build_cube(raw)
    agg = cube.country_months
    assert agg is not None
    battles = list(cube.event_types).index("Battles")
    riots = list(cube.event_types).index("Riots")
    fra, deu = list(cube.countries).index("FRA"), list(cube.countries).index("DEU")
    # cells: FRA Jan Battles class 1 (A: 3 deaths, B: 2 deaths → 2 incidents, 5 deaths), FRA Jan
    # Battles class 2 (7), FRA Jan Riots class 0 (0), DEU Feb Battles class 0 (0)
    cells = sorted(
        zip(
            agg.cell_key.tolist(),
            agg.etype.tolist(),
            agg.fclass.tolist(),
            agg.n.tolist(),
            agg.f.tolist(),
            strict=True,
        )
    )
    jan, feb = 0, 1  # months since the cube's first month, 2020-01
    m = cube.n_months
    assert cells == sorted(
        [
            (fra * m + jan, battles, 1, 2.0, 5.0),
            (fra * m + jan, battles, 2, 1.0, 7.0),
            (fra * m + jan, riots, 0, 1.0, 0.0),
            (deu * m + feb, battles, 0, 1.0, 0.0),
        ]
    )
    # admin months: A in January had Battles of class 1 and 2 and Riots of class 0; B Battles class 1
    names = list(cube.admin_names)
    units = {
        (names[a], key): (int(kinds), bool(named))
        for a, key, kinds, named in zip(agg.admin, agg.unit_key, agg.kinds, agg.unit_named, strict=True)
    }
    assert units == {
        ("A", fra * m + jan): (
            (1 << (battles * 6 + 1)) | (1 << (battles * 6 + 2)) | (1 << (riots * 6)),
            True,
        ),
        ("B", fra * m + jan): (1 << (battles * 6 + 1), True),
        ("", deu * m + feb): (1 << (battles * 6), False),
    }
    # Battles with at least 5 deaths: only A's 7-death incident; FRA (R1) has one active unit
    monthly, ever, _ = monthly_counts(cube, REGIONS, event_types=["Battles"], min_fatalities=5)
    assert monthly[["region", "period", "incidents", "fatalities", "admin_active"]].to_dict("records") == [
        {"region": "R1", "period": "2020-01", "incidents": 1.0, "fatalities": 7.0, "admin_active": 1.0}
    ]
    # every type at any toll: FRA January has A and B active (2 units), DEU's unnamed unit never counts
    monthly, ever, _ = monthly_counts(cube, REGIONS)
    r1 = monthly.loc[monthly["region"] == "R1"].set_index("period")
    assert r1.loc["2020-01", "incidents"] == 4.0 and r1.loc["2020-01", "admin_active"] == 2.0
    assert r1.loc["2020-02", "incidents"] == 1.0 and r1.loc["2020-02", "admin_active"] == 0.0
    assert ever.set_index("region").loc["R1", "admin_ever"] == 2.0


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(
        st.fixed_dictionaries(
            {
                "iso3": st.sampled_from(["FRA", "DEU", "ITA", "ESP"]),
                "admin1": st.sampled_from([None, "A", "B"]),
                "event_date": st.dates(dt.date(2020, 1, 1), dt.date(2020, 12, 31)),
                "event_type": st.sampled_from([f"Kind {k}" for k in range(12)]),
                "fatalities": st.integers(0, 30),
            }
        ),
        min_size=1,
        max_size=40,
    ),
    threshold=st.sampled_from(FATALITY_THRESHOLDS),
)
def test_a_cube_with_more_event_types_than_a_mask_holds_counts_from_its_cells(rows, threshold):
    """Twelve event types × six fatality classes exceed 64 bits: the counts read the cells, and
    still equal the raw scan."""
    raw = incidents_frame(rows)
    cube = build_cube(raw)
    many = len(cube.event_types) * len(FATALITY_THRESHOLDS) > 64
    assert (cube.country_months is None) == many
    kwargs = {"event_types": ["Kind 1", "Kind 2", "Kind 11"], "min_fatalities": threshold}
    m_raw, e_raw, _ = monthly_counts(raw, REGIONS, **kwargs)
    m_cube, e_cube, _ = monthly_counts(cube, REGIONS, **kwargs)
    pd.testing.assert_frame_equal(
        _sorted(m_raw).astype({c: float for c in m_raw.columns[2:]}), _sorted(m_cube), check_dtype=False
    )
    pd.testing.assert_frame_equal(
        _sorted(e_raw).astype({"admin_ever": float}), _sorted(e_cube), check_dtype=False
    )
