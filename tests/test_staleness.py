"""Headline numbers say how old their data are and never show a change their data do not cover
(issue 13)."""

from __future__ import annotations

import math

import pandas as pd

from datasets.bundle import Bundle
from datasets.loaders import Dataset, empty_dataset, load_regions, load_sample
from reports import compute
from reports.summary import headline


def test_perception_ending_2023_shows_no_change_since_2024_12():
    # yearly perception data end 2023; the view ends 2025-12 and compares with 2024-12: both values
    # are the 2023 value carried forward, so no change is shown, only how old it is
    h = headline(61.3, 0.0, loaded=True, latest="2023", end="2025-12", previous="2024-12")
    assert h.value == "61.3" and h.delta == "no new data since 2023" and not h.is_change
    assert h.latest == "latest: 2023"


def test_a_change_needs_data_after_the_earlier_month():
    # data to 2025-07, compared month 2024-12: 2025-07 > 2024-12, so the change is shown
    h = headline(
        50.0, 2.5, loaded=True, latest="2025-07", end="2025-12", previous="2024-12", change_suffix=" pts"
    )
    assert h.delta == "+2.5 pts" and h.is_change and h.latest == "latest: 2025-07"
    # data to 2024-12 exactly: no month after 2024-12 has data
    h = headline(50.0, 0.0, loaded=True, latest="2024-12", end="2025-12", previous="2024-12")
    assert h.delta == "no new data since 2024-12"


def test_a_dash_says_why():
    h = headline(math.nan, math.nan, loaded=True, latest="2010-12", end="2025-12", previous="2024-12")
    assert (h.value, h.delta) == ("—", "no value: data end 2010-12")
    h = headline(math.nan, math.nan, loaded=True, latest="2025-12", end="2025-12", previous="2024-12")
    assert (h.value, h.delta) == ("—", "no value for 2025-12")
    h = headline(math.nan, math.nan, loaded=False, latest=None, end="2025-12", previous="2024-12")
    assert (h.value, h.delta, h.latest) == ("No data loaded", None, "")


def test_family_latest_is_a_year_for_yearly_sources():
    perception = load_sample("perception")  # the sample's last wave: 2025-07 (see its caption)
    yearly = Dataset(
        "perception", perception, False, "WGI", "v", [{"format_label": "WGI", "period_grain": "year"}]
    )
    monthly = Dataset("perception", perception, False, "survey", "v", [{"format_label": "survey"}])
    b = Bundle(load_regions(), empty_dataset("incidents"), empty_dataset("collaboration"), yearly, "r")
    assert compute.family_latest(b, "perception") == "2025"
    assert compute.family_latest(b, "conflict") is None
    b = Bundle(load_regions(), empty_dataset("incidents"), empty_dataset("collaboration"), monthly, "r")
    assert compute.family_latest(b, "perception") == "2025-07"
    assert compute.family_latest(b, "composite") == "2025-07"


def test_collaboration_findings_say_the_data_end_before_the_month_shown():
    import datetime as dt

    import pyarrow as pa
    import pyarrow.compute as pc

    from reports.compute import Frames
    from reports.export import findings
    from reports.export.catalog import selection_for

    col = load_sample("collaboration")
    col = col.filter(pc.less_equal(col["start_date"], pa.scalar(dt.date(2020, 12, 31))))
    last = pc.max(col["start_date"]).as_py().strftime("%Y-%m")  # the last engagement's month
    real = {"format_label": "test"}
    b = Bundle(
        load_regions(),
        Dataset("incidents", load_sample("incidents"), False, "inc", "i", [real]),
        Dataset("collaboration", col, False, "col", "c", [real]),
        empty_dataset("perception"),
        "r",
    )
    frames = Frames(b)
    sel = selection_for(frames, "Sahel", "2024-01", "2025-12")
    lines = findings.collaboration_findings(frames, sel)
    assert lines[0] == f"Network density is not available for 2025-12 (the collaboration data end {last})."


def _collab_rows(last: str, value: float) -> pd.DataFrame:
    months = [str(p) for p in pd.period_range("2018-01", last, freq="M")]
    return pd.DataFrame(
        {"region": "Sahel", "period": months, "indicator": "agreements_in_force", "value": value}
    )


def test_a_region_is_stamped_with_its_own_data_end_not_the_familys():
    # the Sahel's agreements end 2018-09 while another region's arms transfers reach 2023
    rows = _collab_rows("2018-09", 10.0)
    latest = compute.region_latest(rows, "agreements_in_force")
    assert latest == "2018-09"
    h = headline(math.nan, math.nan, loaded=True, latest=latest, end="2023-12", previous="2022-12")
    assert (h.value, h.delta, h.latest) == ("—", "no value: data end 2018-09", "latest: 2018-09")
    # no value of that indicator for the region in the months shown: no date is claimed for it
    assert compute.region_latest(rows, "network_density") is None
    h = headline(math.nan, math.nan, loaded=True, latest=None, end="2023-12", previous="2022-12")
    assert (h.value, h.delta, h.latest) == ("—", "no data for these months", "")


def test_agreements_in_force_are_said_with_their_month():
    rows = _collab_rows("2018-09", 10.0)
    assert compute.agreements_words(rows, "2018-06") == "Agreements in force, counted apart: 10."
    assert compute.agreements_words(rows, "2023-12") == (
        "Agreements in force, counted apart: no value for 2023-12 (latest: 10 in 2018-09)."
    )
    assert compute.agreements_words(rows.iloc[:0], "2023-12") == "No agreement data for these months."
