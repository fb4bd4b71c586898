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


def test_pooled_share_with_wilson_interval(survey):
    regions = pd.DataFrame({"region": ["West", "West"], "iso3": ["FRA", "DEU"]})
    out = perception_indicators(survey, regions)
    # 2020: (0.5·1000 + 0.7·3000)/4000 = 2600/4000 = 0.65 over N = 4000
    assert value(out, "West", "2020-06", "feel_safe") == pytest.approx(0.65)
    lo, hi = _wilson(0.65, 4000)
    row = out[(out["period"] == "2020-06") & (out["indicator"] == "feel_safe")].iloc[0]
    assert (row["ci_low"], row["ci_high"]) == (pytest.approx(lo), pytest.approx(hi))
    assert value(out, "West", "2020-06", "feel_safe_sample_size") == 4000
    # 2021: (0.6·1000 + 0.8·1000)/2000 = 0.70; change = 0.70 − 0.65 = 0.05
    assert value(out, "West", "2021-06", "feel_safe") == pytest.approx(0.70)
    assert value(out, "West", "2021-06", "feel_safe_change") == pytest.approx(0.05)
    lo1, hi1 = _wilson(0.70, 2000)
    se = math.sqrt(((hi - lo) / (2 * Z95)) ** 2 + ((hi1 - lo1) / (2 * Z95)) ** 2)
    ch = out[(out["period"] == "2021-06") & (out["indicator"] == "feel_safe_change")].iloc[0]
    assert ch["ci_low"] == pytest.approx(0.05 - Z95 * se)
    # 0.05 / se ≈ 3.4 > 1.96: significant
    assert value(out, "West", "2021-06", "feel_safe_change_significant") == 1
    # no change row for the first wave
    assert not ((out["period"] == "2020-06") & (out["indicator"] == "feel_safe_change")).any()


def test_single_country_keeps_its_published_interval():
    frame = pd.DataFrame(
        {
            "survey": "S",
            "wave_date": [dt.date(2019, 1, 1)],
            "iso3": ["ITA"],
            "indicator": "political_stability",
            "value": [0.3],
            "sample_size": [np.nan],
            "source": "WGI",
            "scale": ["index"],
            "std_error": [0.2],
        }
    )
    out = perception_indicators(frame, pd.DataFrame({"region": ["South"], "iso3": ["ITA"]}))
    row = out[out["indicator"] == "political_stability"].iloc[0]
    assert row["value"] == pytest.approx(0.3)
    assert row["ci_low"] == pytest.approx(0.3 - 1.959963984540054 * 0.2)


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
    out = perception_indicators(survey, regions, min_countries=3)
    assert out.empty  # only two of three members report: no regional value


def test_unknown_sample_size_means_unweighted_and_no_interval():
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
    out = perception_indicators(frame, pd.DataFrame({"region": ["W", "W"], "iso3": ["FRA", "DEU"]}))
    row = out[out["indicator"] == "feel_safe"].iloc[0]
    assert row["value"] == pytest.approx(0.5)  # (0.4 + 0.6)/2: FRA's size is unknown, so no weighting
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
