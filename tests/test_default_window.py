"""The default view window: the last 10 years of the conflict data, never the earliest year of any
source (issue 13)."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pyarrow.compute as pc

from datasets.bundle import Bundle
from datasets.loaders import Dataset, empty_dataset, load_regions, load_sample
from reports import compute
from reports.selection import default_window, from_query


def _real(name: str, table: pa.Table) -> Dataset:
    return Dataset(name, table, False, f"test {name}", f"test-{name}", [{"format_label": f"test {name}"}])


def _bundle(incidents: Dataset, collaboration: Dataset, perception: Dataset) -> Bundle:
    return Bundle(load_regions(), incidents, collaboration, perception, "bundled regions")


def _incidents_2015_2024() -> pa.Table:
    """The sample incidents of 2015-01-01 … 2024-12-31 (the sample runs 2015-01 … 2025-12)."""
    inc = load_sample("incidents")
    return inc.filter(pc.less_equal(inc["event_date"], pa.scalar(dt.date(2024, 12, 31))))


def _collaboration_from_1815() -> pa.Table:
    """The sample engagements with the first one moved to 1815-06-01, as an ATOP alliance would be."""
    col = load_sample("collaboration")
    starts = col["start_date"].to_pylist()
    starts[0] = dt.date(1815, 6, 1)
    return col.set_column(col.column_names.index("start_date"), "start_date", pa.array(starts, pa.date32()))


def test_an_1815_alliance_does_not_move_the_default_window():
    b = _bundle(
        _real("incidents", _incidents_2015_2024()),
        _real("collaboration", _collaboration_from_1815()),
        empty_dataset("perception"),
    )
    choices = compute.choices(b)
    assert choices.first_month == "1815-06"  # the months still reach back to the alliance
    assert choices.last_month == "2025-12"  # the collaboration sample runs to 2025-12
    # last 10 years of the conflict data: 2024-12 and the 12 × 10 − 1 = 119 months before it
    sel = choices.default()
    assert (sel.start, sel.end) == ("2015-01", "2024-12")
    assert len(choices.months[choices.months.index(sel.start) : choices.months.index(sel.end) + 1]) == 120
    # a URL without months opens on the same window
    assert (from_query({}, choices).start, from_query({}, choices).end) == ("2015-01", "2024-12")


def test_without_incidents_the_window_follows_the_family_that_exists():
    b = _bundle(
        empty_dataset("incidents"),
        _real("collaboration", _collaboration_from_1815()),
        empty_dataset("perception"),
    )
    sel = compute.choices(b).default()
    # the collaboration data end 2025-12: 2025-12 − 119 months = 2016-01
    assert (sel.start, sel.end) == ("2016-01", "2025-12")


def test_short_data_keep_their_whole_span():
    assert default_window("2022-05", "2022-06") == ("2022-05", "2022-06")
    # 2000-01 … 2020-12: the last 120 months start at 2020-12 − 119 months = 2011-01
    assert default_window("2000-01", "2020-12") == ("2011-01", "2020-12")
    assert default_window("2000-01", "2020-12", years=1) == ("2020-01", "2020-12")
