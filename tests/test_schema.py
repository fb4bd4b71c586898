"""The schema validator finds every problem, including empty cells that Arrow holds as nulls."""

import datetime as dt

import pyarrow as pa

from datasets.schema import INCIDENTS, PERCEPTION, check, conform


def _incidents(**over):
    base = {
        "event_id": ["a", "b", None],
        "event_date": [dt.date(2020, 1, 1), dt.date(2020, 1, 2), dt.date(2020, 1, 3)],
        "iso3": ["FRA", None, " "],
        "event_type": ["Battles", "Riots", "Parade"],
        "fatalities": [0, -1, 2],
        "source": ["t", "t", "t"],
        "latitude": [91.0, 0.0, None],
    }
    base.update(over)
    return conform(pa.table(base), INCIDENTS)


def test_every_problem_is_listed_with_its_row():
    failures = check(_incidents(), INCIDENTS, today=dt.date(2025, 1, 1))
    found = {(r.row, r.column, r.problem.split(":")[0]) for r in failures.itertuples()}
    assert (2, "event_id", "value is missing") in found  # a null id
    assert (1, "iso3", "value is missing") in found  # a null country
    assert (2, "iso3", "value is missing") in found  # a blank country
    assert (2, "event_type", "not one of") in found
    assert (1, "fatalities", "below the minimum 0") in found
    assert (0, "latitude", "above the maximum 90") in found
    assert len(failures) == 6


def test_future_dates_are_refused():
    t = _incidents(
        event_id=["a", "b", "c"],
        iso3=["FRA"] * 3,
        event_type=["Battles"] * 3,
        fatalities=[0, 0, 0],
        latitude=[0.0, 0.0, 0.0],
    )
    failures = check(t, INCIDENTS, today=dt.date(2020, 1, 2))
    assert list(failures["row"]) == [2] and "future" in failures.loc[0, "problem"]


def test_share_outside_unit_interval_when_scale_is_empty():
    t = conform(
        pa.table(
            {
                "survey": ["s", "s"],
                "wave_date": [dt.date(2020, 1, 1)] * 2,
                "iso3": ["FRA", "DEU"],
                "indicator": ["feel_safe"] * 2,
                "value": [0.5, 55.0],
                "source": ["x", "x"],
                "scale": pa.array([None, None], pa.string()),
            }
        ),
        PERCEPTION,
    )
    failures = check(t, PERCEPTION, today=dt.date(2025, 1, 1))
    assert list(failures["row"]) == [1] and "share" in failures.loc[0, "problem"]
