"""The plain-language answers: how stable, which direction, which family drives it."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from metrics.breakdowns import family_drivers, region_ranking
from reports.summary import answer, direction_word, scores


@pytest.mark.parametrize(
    ("change", "word"),
    [
        (2.5, "getting better"),
        (1.0, "getting better"),
        (0.99, "about the same"),
        (-0.5, "about the same"),
        (-1.0, "getting worse"),
        (math.nan, "unknown"),
    ],
)
def test_direction_word(change, word) -> None:
    assert direction_word(change) == word


def _composite() -> pd.DataFrame:
    rows = [
        ("A", "2021-01", "stability_index", 62.0),
        ("A", "2020-01", "stability_index", 50.0),
        ("A", "2021-01", "score_conflict", 70.0),
        ("A", "2020-01", "score_conflict", 40.0),
        ("A", "2021-01", "score_collaboration", 54.0),
        ("A", "2020-01", "score_collaboration", 60.0),
        ("B", "2021-01", "stability_index", 80.0),
        ("C", "2021-01", "stability_index", math.nan),
    ]
    return pd.DataFrame(rows, columns=["region", "period", "indicator", "value"])


def test_answer_for_a_ranked_region() -> None:
    comp = _composite()
    ranking = region_ranking(comp, ["A", "B", "C"], period="2021-01", previous="2020-01")
    drivers = family_drivers(
        comp.loc[comp["region"] == "A"],
        period="2021-01",
        previous="2020-01",
        weights={"conflict": 0.5, "collaboration": 0.5, "perception": 0.0},
    )
    ans = answer("A", ranking, drivers, period="2021-01", previous="2020-01", grouping="G")
    assert ans.level == "A scores 62.0 of 100 on the stability index in 2021-01 (rank 2 of 2 in G)."
    assert ans.direction == "Getting better: +12.0 points since 2020-01."
    # conflict: 0.5 * (70 - 40) / (0.5 + 0.5) = 15.0; collaboration: 0.5 * (54 - 60) / 1 = -3.0
    assert ans.driver == "Largest contribution: Conflict (+15.0 points; its score went from 40.0 to 70.0)."
    assert scores(ranking, "A")["score_conflict"] == (70.0, 30.0)


def test_answer_without_an_index_says_so() -> None:
    comp = _composite()
    ranking = region_ranking(comp, ["A", "B", "C"], period="2021-01", previous="2020-01")
    drivers = family_drivers(
        comp.loc[comp["region"] == "C"], period="2021-01", previous="2020-01", weights={}
    )
    ans = answer("C", ranking, drivers, period="2021-01", previous="2020-01", grouping="G")
    assert ans.level.startswith("C has no stability index for 2021-01")
    assert ans.direction == "Direction: unknown."
    b = answer("B", ranking, drivers, period="2021-01", previous="2020-01", grouping="G")
    assert b.direction == "Direction: unknown — no index for 2020-01 to compare with."
    assert all(math.isnan(v) for pair in scores(ranking, "Nowhere").values() for v in pair)


def test_a_missing_index_names_the_families_that_have_a_score() -> None:
    comp = pd.concat(
        [
            _composite(),
            pd.DataFrame(
                [("D", "2021-01", "stability_index", math.nan), ("D", "2021-01", "score_perception", 31.0)],
                columns=["region", "period", "indicator", "value"],
            ),
        ]
    )
    ranking = region_ranking(comp, ["A", "B", "C", "D"], period="2021-01", previous="2020-01")
    empty = family_drivers(comp.iloc[:0], period="2021-01", previous="2020-01", weights={})
    d = answer("D", ranking, empty, period="2021-01", previous="2020-01", grouping="G").level
    assert d.startswith(
        "D has no stability index for 2021-01: only Public perception has a score for that month, "
        "and the index needs at least two families. The others have no monthly values for D then"
    )
    c = answer("C", ranking, empty, period="2021-01", previous="2020-01", grouping="G").level
    assert c.startswith(
        "C has no stability index for 2021-01: no indicator family has a score for that month"
    )
    nowhere = answer("Nowhere", ranking, empty, period="2021-01", previous="2020-01", grouping="G").level
    assert nowhere.startswith("Nowhere has no stability index for 2021-01: no indicator family")
