"""The selection <-> URL query string: round trips, defaults and bad values."""

from __future__ import annotations

import pandas as pd
import pytest

from datasets.schema import EVENT_TYPES
from reports.selection import (
    DEFAULT_WEIGHTS,
    Selection,
    compare_regions,
    from_query,
    make_choices,
    to_query,
)


@pytest.fixture
def choices():
    regions = pd.DataFrame(
        {
            "region": ["North", "North", "South", "Both", "Both", "Zed", "Alpha"],
            "iso3": ["FRA", "DEU", "ITA", "FRA", "ITA", "ISL", "ESP"],
            "grouping": ["Security grouping"] * 5 + ["Security grouping", "UN M49 sub-region"],
        }
    )
    return make_choices(regions, EVENT_TYPES, "2019-11", "2021-02")


def test_choices(choices) -> None:
    assert choices.groupings == ("Security grouping", "UN M49 sub-region")
    assert choices.regions["Security grouping"] == ("Both", "North", "South", "Zed")
    assert choices.members["North"] == ("DEU", "FRA")
    # 2019-11 .. 2021-02: 2 + 12 + 2 = 16 months
    assert len(choices.months) == 16 and choices.months[0] == "2019-11" and choices.months[-1] == "2021-02"
    assert choices.default() == Selection(region="Both", start="2019-11", end="2021-02")


def test_empty_query_gives_defaults(choices) -> None:
    sel = from_query({}, choices)
    assert sel == choices.default()
    assert to_query(sel) == {"region": "Both", "start": "2019-11", "end": "2021-02"}


def test_round_trip(choices) -> None:
    sel = Selection(
        region="North",
        start="2020-01",
        end="2020-12",
        countries=("FRA",),
        event_types=("Battles", "Riots"),
        min_fatalities=3,
        weights=(2, 0, 7),
        compare=("South", "Alpha"),
    )
    query = to_query(sel)
    assert query == {
        "region": "North",
        "start": "2020-01",
        "end": "2020-12",
        "country": ["FRA"],
        "type": ["Battles", "Riots"],
        "min_fatalities": "3",
        "w_conflict": "2",
        "w_collaboration": "0",
        "w_perception": "7",
        "compare": ["South", "Alpha"],
    }
    assert from_query(query, choices) == sel


def test_single_strings_are_accepted_like_lists(choices) -> None:
    sel = from_query({"region": "north", "country": "fra", "type": "Protests"}, choices)
    assert (sel.region, sel.countries, sel.event_types) == ("North", ("FRA",), ("Protests",))


@pytest.mark.parametrize(
    ("query", "field", "expected"),
    [
        ({"region": "Atlantis"}, "region", "Both"),
        ({"start": "2020-13"}, "start", "2019-11"),
        ({"start": "1990-01"}, "start", "2019-11"),  # outside the data
        ({"end": "soon"}, "end", "2021-02"),
        ({"start": "2021-01", "end": "2020-01"}, "start", "2019-11"),  # start after end: both reset
        ({"start": "2021-01", "end": "2020-01"}, "end", "2021-02"),
        ({"region": "North", "country": ["ITA", "XXX"]}, "countries", ()),  # not members of North
        ({"region": "North", "country": ["FRA", "DEU"]}, "countries", ()),  # all members = all
        ({"type": ["Battles", "Tea parties"]}, "event_types", ("Battles",)),
        ({"type": list(EVENT_TYPES)}, "event_types", ()),
        ({"min_fatalities": "-4"}, "min_fatalities", 0),
        ({"min_fatalities": "many"}, "min_fatalities", 0),
        ({"min_fatalities": "25"}, "min_fatalities", 25),
        ({"w_conflict": "11"}, "weights", DEFAULT_WEIGHTS),  # above the maximum: that weight resets
        ({"w_conflict": "0", "w_collaboration": "0", "w_perception": "0"}, "weights", DEFAULT_WEIGHTS),
        ({"w_perception": "1.5"}, "weights", DEFAULT_WEIGHTS),
        ({"w_perception": "0"}, "weights", (5, 5, 0)),
        (
            {"compare": ["South", "Nowhere", "south", "North", "Zed", "Alpha", "Both"]},
            "compare",
            ("South", "North", "Zed", "Alpha"),
        ),  # unknown and repeated dropped, at most four
    ],
)
def test_bad_values_fall_back(choices, query, field, expected) -> None:
    assert getattr(from_query(query, choices), field) == expected


def test_weight_map_and_previous() -> None:
    sel = Selection(region="North", start="2020-01", end="2020-03", weights=(2, 1, 1))
    assert sel.weight_map == {"conflict": 0.5, "collaboration": 0.25, "perception": 0.25}
    assert sel.previous == "2019-03"
    assert sel.types_filter is None
    sel = Selection(region="N", start="2020-01", end="2020-02", event_types=("Riots",))
    assert sel.types_filter == ("Riots",)
    # Months are typed values: text that is not a month is refused where it enters.
    with pytest.raises(ValueError, match="not a month"):
        Selection(region="N", start="a", end="b")


def test_compare_regions(choices) -> None:
    sel = Selection(region="North", start="2020-01", end="2020-12")
    # No list chosen: the region and up to three more of its grouping (alphabetical).
    assert compare_regions(sel, choices) == ("North", "Both", "South", "Zed")
    # Candidates (e.g. ranked regions with an index) come first, then the rest of the grouping
    # alphabetically; other groupings (Alpha) are ignored.
    assert compare_regions(sel, choices, ["South", "Alpha", "North"]) == ("North", "South", "Both", "Zed")
    # No region has an index (e.g. yearly conflict data only): the page still compares the grouping
    assert compare_regions(sel, choices, []) == ("North", "Both", "South", "Zed")
    chosen = Selection(region="North", start="2020-01", end="2020-12", compare=("Alpha", "South"))
    assert compare_regions(chosen, choices) == ("Alpha", "South")
