"""Perception indicators: pooled shares, Wilson intervals, changes and the interval rule."""

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest
from conftest import value

from metrics.intervals import Z95, intervals
from metrics.perception import perception_indicators


def _wilson(p, n, z=Z95):
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


@pytest.fixture
def survey():
    return pd.DataFrame(
        {
            "survey": "S",
            "wave_date": [dt.date(2020, 6, 1)] * 2 + [dt.date(2021, 6, 1)] * 2 + [dt.date(2021, 6, 1)],
            "iso3": ["FRA", "DEU", "FRA", "DEU", "DEU"],
            "indicator": "feel_safe",
            "value": [0.5, 0.7, 0.6, 0.8, 0.1],
            "sample_size": [1000, 3000, 1000, 1000, 500],
            "source": "test",
            "breakdown": [None, None, None, None, "sex=F"],  # the breakdown never enters a national figure
        }
    )


POP = pd.DataFrame(
    {
        "iso3": ["FRA", "DEU", "ITA"] * 2,
        "year": [2020] * 3 + [2021] * 3,
        "population": [60_000_000, 80_000_000, 50_000_000] * 2,
    }
)


def _se(p, n):
    lo, hi = _wilson(p, n)
    return (hi - lo) / (2 * Z95)


def test_population_weighted_share_with_its_interval(survey):
    regions = pd.DataFrame({"region": ["West", "West"], "iso3": ["FRA", "DEU"]})
    out = perception_indicators(survey, regions, population=POP)
    # 2020: (0.5·60 + 0.7·80)/140 = 86/140, weights by population (not by sample size)
    v20 = (0.5 * 60 + 0.7 * 80) / 140
    assert value(out, "West", "2020-06", "feel_safe") == pytest.approx(v20)
    se20 = math.sqrt((60 / 140) ** 2 * _se(0.5, 1000) ** 2 + (80 / 140) ** 2 * _se(0.7, 3000) ** 2)
    row = out[(out["period"] == "2020-06") & (out["indicator"] == "feel_safe")].iloc[0]
    assert (row["ci_low"], row["ci_high"]) == (
        pytest.approx(v20 - Z95 * se20),
        pytest.approx(v20 + Z95 * se20),
    )
    assert value(out, "West", "2020-06", "feel_safe_sample_size") == 1000 + 3000
    assert value(out, "West", "2020-06", "feel_safe_countries_covered") == 2
    assert value(out, "West", "2020-06", "feel_safe_population_covered") == pytest.approx(140 / 140)
    # 2021: (0.6·60 + 0.8·80)/140; change over the same two countries, same weights
    v21 = (0.6 * 60 + 0.8 * 80) / 140
    assert value(out, "West", "2021-06", "feel_safe") == pytest.approx(v21)
    assert value(out, "West", "2021-06", "feel_safe_change") == pytest.approx(v21 - v20)
    se21 = math.sqrt((60 / 140) ** 2 * _se(0.6, 1000) ** 2 + (80 / 140) ** 2 * _se(0.8, 1000) ** 2)
    ch = out[(out["period"] == "2021-06") & (out["indicator"] == "feel_safe_change")].iloc[0]
    assert ch["ci_low"] == pytest.approx((v21 - v20) - Z95 * math.sqrt(se20**2 + se21**2))
    assert value(out, "West", "2021-06", "feel_safe_change_significant") == 1
    assert not ((out["period"] == "2020-06") & (out["indicator"] == "feel_safe_change")).any()


def test_two_waves_with_unchanged_countries_show_no_change():
    # the same national values in both waves; one sample size is missing in the second wave only
    frame = pd.DataFrame(
        {
            "survey": "S",
            "wave_date": [dt.date(2020, 6, 1)] * 2 + [dt.date(2021, 6, 1)] * 2,
            "iso3": ["FRA", "DEU", "FRA", "DEU"],
            "indicator": "feel_safe",
            "value": [0.5, 0.7, 0.5, 0.7],
            "sample_size": [1000, 3000, np.nan, 3000],
            "source": "test",
        }
    )
    regions = pd.DataFrame({"region": ["West", "West"], "iso3": ["FRA", "DEU"]})
    out = perception_indicators(frame, regions, population=POP)
    both = (0.5 * 60 + 0.7 * 80) / 140
    assert value(out, "West", "2020-06", "feel_safe") == pytest.approx(both)
    assert value(out, "West", "2021-06", "feel_safe") == pytest.approx(both)
    assert value(out, "West", "2021-06", "feel_safe_change") == pytest.approx(0.0, abs=1e-12)
    assert math.isnan(value(out, "West", "2021-06", "feel_safe_sample_size"))  # N unknown


def test_change_only_over_countries_in_both_waves():
    frame = pd.DataFrame(
        {
            "survey": "S",
            "wave_date": [dt.date(2020, 6, 1)] + [dt.date(2021, 6, 1)] * 2,
            "iso3": ["FRA", "FRA", "ITA"],
            "indicator": "feel_safe",
            "value": [0.5, 0.6, 0.9],
            "sample_size": [1000, 1000, 1000],
            "source": "test",
        }
    )
    regions = pd.DataFrame({"region": ["West"] * 3, "iso3": ["FRA", "DEU", "ITA"]})
    out = perception_indicators(frame, regions, population=POP)
    # 2020: France alone, 60 of 190 million; 2021: France and Italy, 110 of 190 million
    assert value(out, "West", "2020-06", "feel_safe_countries_covered") == 1
    assert value(out, "West", "2020-06", "feel_safe_population_covered") == pytest.approx(60 / 190)
    assert value(out, "West", "2021-06", "feel_safe") == pytest.approx((0.6 * 60 + 0.9 * 50) / 110)
    assert value(out, "West", "2021-06", "feel_safe_population_covered") == pytest.approx(110 / 190)
    # the change compares France with France only: 0.6 − 0.5, not Italy's arrival
    assert value(out, "West", "2021-06", "feel_safe_change") == pytest.approx(0.6 - 0.5)


def test_single_country_keeps_its_published_interval():
    frame = pd.DataFrame(
        {
            "survey": "S",
            "wave_date": [dt.date(2020, 1, 1)],
            "iso3": ["ITA"],
            "indicator": "political_stability",
            "value": [0.3],
            "sample_size": [np.nan],
            "source": "WGI",
            "scale": ["index"],
            "std_error": [0.2],
        }
    )
    out = perception_indicators(frame, pd.DataFrame({"region": ["South"], "iso3": ["ITA"]}), population=POP)
    row = out[out["indicator"] == "political_stability"].iloc[0]
    assert row["value"] == pytest.approx(0.3)
    # WGI: the World Bank's 90 % interval by default (z = 1.6449), 95 % when asked
    assert row["ci_low"] == pytest.approx(0.3 - 1.6448536269514722 * 0.2)
    out95 = perception_indicators(
        frame, pd.DataFrame({"region": ["South"], "iso3": ["ITA"]}), population=POP, index_level=0.95
    )
    assert out95.loc[out95["indicator"] == "political_stability", "ci_low"].iloc[0] == pytest.approx(
        0.3 - 1.959963984540054 * 0.2
    )


def test_interval_rule_order():
    frame = pd.DataFrame(
        {
            "value": [0.5, 0.5, 0.5, 0.5],
            "ci_low": [0.4, np.nan, np.nan, np.nan],
            "ci_high": [0.55, np.nan, np.nan, np.nan],
            "std_error": [0.01, 0.05, np.nan, np.nan],
            "sample_size": [100, 100, 100, np.nan],
            "scale": ["share"] * 4,
        }
    )
    iv = intervals(frame)
    assert list(iv["method"]) == ["published", "standard error", "Wilson (sample size)", "none"]
    assert iv.loc[0, "ci_low"] == 0.4  # the published interval wins even when an SE is given
    assert iv.loc[1, "ci_high"] == pytest.approx(0.5 + Z95 * 0.05)
    assert iv.loc[2, "ci_low"] == pytest.approx(_wilson(0.5, 100)[0])
    assert math.isnan(iv.loc[3, "ci_low"])


def test_min_countries_policy(survey):
    regions = pd.DataFrame({"region": ["West", "West", "West"], "iso3": ["FRA", "DEU", "ITA"]})
    out = perception_indicators(survey, regions, min_countries=3, population=POP)
    assert out.empty  # only two of three members report: no regional value


def test_unknown_sample_size_leaves_the_estimand_and_drops_the_interval():
    frame = pd.DataFrame(
        {
            "survey": "S",
            "wave_date": [dt.date(2020, 1, 1)] * 2,
            "iso3": ["FRA", "DEU"],
            "indicator": "feel_safe",
            "value": [0.4, 0.6],
            "sample_size": [np.nan, 1000],
            "source": "x",
        }
    )
    out = perception_indicators(
        frame, pd.DataFrame({"region": ["W", "W"], "iso3": ["FRA", "DEU"]}), population=POP
    )
    row = out[out["indicator"] == "feel_safe"].iloc[0]
    assert row["value"] == pytest.approx((0.4 * 60 + 0.6 * 80) / 140)  # still population-weighted
    assert math.isnan(row["ci_low"])  # FRA has no interval of its own


def test_measured_indicators_leave_out_derived_rows():
    from metrics.perception import measured_indicators

    names = [
        "feel_safe",
        "feel_safe_change",
        "feel_safe_change_significant",
        "feel_safe_sample_size",
        "coverage_end",
        "political_stability",
        "feel_unsafe",
    ]
    assert measured_indicators(names) == ["feel_safe", "feel_unsafe", "political_stability"]
