"""An evaluation from inputs computed once for all regions (what the dashboard caches: the pages'
conflict indicators from the incident cube, the collaboration indicators and milestone proposals of
every region) equals ``evaluate_milestone`` computing everything for the region from the raw
tables: same results, intervals, comparison regions and chart series."""

from __future__ import annotations

from dataclasses import fields

import numpy as np
import pandas as pd
import pytest

from metrics.cube import build_cube
from metrics.evaluation import Evaluation, evaluate_inputs, evaluate_milestone
from reports import compute

CASES = [
    # region, milestone, window, compare, event types, minimum fatalities
    ("ASEAN", "2016-02", 12, None, None, 0),
    ("ASEAN", "2019-06", 6, ("Sahel", "Middle East"), None, 0),
    ("Sahel", "2018-01", 9, None, ("Battles",), 0),
    ("Middle East", "2020-03", 12, ("East Asia",), ("Battles", "Riots"), 5),
    ("NATO Europe", "2017-07", 3, None, None, 7),  # 7 deaths: not a cube threshold, raw rows read
]


def same(a: Evaluation, b: Evaluation) -> None:
    for f in fields(Evaluation):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, pd.DataFrame):
            pd.testing.assert_frame_equal(
                x.reset_index(drop=True), y.reset_index(drop=True), check_dtype=False
            )
        elif f.name == "results":
            pd.testing.assert_frame_equal(a.table(), b.table())
            assert [r.details for r in x] == [r.details for r in y]
        else:
            assert x == y, f.name


@pytest.mark.parametrize("counts_only", [False, True], ids=["full", "counts-and-own"])
@pytest.mark.parametrize(("region", "milestone", "window", "compare", "types", "min_fatalities"), CASES)
def test_inputs_for_all_regions_give_the_same_evaluation(
    sample_bundle, region, milestone, window, compare, types, min_fatalities, counts_only
) -> None:
    b = sample_bundle
    source = build_cube(b.incidents.table) if min_fatalities in (0, 1, 5, 10, 25, 100) else b.incidents.table
    cov = b.incidents_coverage()
    # counts-and-own: every region's counts without the trend, the region's own rows with it
    conflict = compute.conflict_all(source, b.regions, types, min_fatalities, cov, signals=not counts_only)
    assert conflict["region"].nunique() > 5  # every region, not only those the evaluation reads
    assert ("downward_trend" in set(conflict["indicator"])) is not counts_only
    mine = b.regions.loc[b.regions["region"] == region]
    own = compute.conflict_all(source, mine, types, min_fatalities, cov) if counts_only else None
    inputs = compute.evaluation_inputs(b, region, conflict, compute.evaluation_collaboration(b), own=own)
    union_calls: list[tuple[str, ...]] = []

    def union(names):
        union_calls.append(tuple(names))
        return compute.evaluation_union(
            source, b.regions, names, types, min_fatalities, b.incidents_coverage()
        )

    got = evaluate_inputs(
        inputs,
        b.collaboration.table,
        b.regions,
        union,
        region=region,
        milestone=milestone,
        window=window,
        compare=list(compare) if compare else None,
    )
    expected = evaluate_milestone(
        b.incidents.table,
        b.collaboration.table,
        b.perception.table,
        b.regions,
        region=region,
        milestone=milestone,
        window=window,
        compare=list(compare) if compare else None,
        event_types=types,
        min_fatalities=min_fatalities,
        coverage=b.incidents_coverage(),
    )
    same(got, expected)
    used = tuple(expected.comparison.loc[expected.comparison["used"], "region"])
    assert union_calls == ([used] if used else [])


@pytest.mark.parametrize(("types", "min_fatalities"), [(("Battles", "Riots"), 0), (None, 5)])
def test_a_regions_conflict_indicators_do_not_depend_on_the_regions_computed_with_it(
    sample_bundle, types, min_fatalities
) -> None:
    # what the dashboard relies on when it fits the trend and alarm only for the regions on screen
    b = sample_bundle
    cube, cov = build_cube(b.incidents.table), b.incidents_coverage()
    every = compute.conflict_all(cube, b.regions, types, min_fatalities, cov)
    counts = compute.conflict_all(cube, b.regions, types, min_fatalities, cov, signals=False)
    for region in ("Sahel", "ASEAN"):
        alone = compute.conflict_all(
            cube, b.regions.loc[b.regions["region"] == region], types, min_fatalities, cov
        )
        assert set(alone["region"]) == {region}
        pd.testing.assert_frame_equal(
            every.loc[every["region"] == region].reset_index(drop=True), alone.reset_index(drop=True)
        )
        # the counts-only frame holds the same rows less the trend and alarm
        kept = alone.loc[alone["indicator"].isin(set(counts["indicator"]))].reset_index(drop=True)
        pd.testing.assert_frame_equal(counts.loc[counts["region"] == region].reset_index(drop=True), kept)
    assert "alarm" in set(every["indicator"]) and "alarm" not in set(counts["indicator"])


def test_the_trend_in_one_month_equals_the_full_computation_in_that_month(sample_bundle) -> None:
    # what the Overview's trends across regions reads under an event-type filter
    b = sample_bundle
    cube, cov = build_cube(b.incidents.table), b.incidents_coverage()
    full = compute.conflict_all(cube, b.regions, ("Battles", "Riots"), 0, cov)
    for end in ("2019-06", "2024-12"):
        one = compute.conflict_all(cube, b.regions, ("Battles", "Riots"), 0, cov, trend_at=end)
        assert not {"alarm", "downward_trend"} & set(one["indicator"])
        for name in ("trend_change_per_year", "trend_p_value"):
            want = full.loc[(full["period"] == end) & (full["indicator"] == name)].reset_index(drop=True)
            got = one.loc[(one["period"] == end) & (one["indicator"] == name)].reset_index(drop=True)
            assert list(got["region"]) == list(want["region"]) and want["value"].notna().sum() > 5
            for col in ("value", "ci_low", "ci_high"):
                np.testing.assert_allclose(got[col], want[col], rtol=1e-9, equal_nan=True)
            assert one.loc[(one["period"] != end) & (one["indicator"] == name), "value"].isna().all()
