"""Typed periods: ``Month``, ``Year`` and ``Span`` carry their own arithmetic and words, and the
selection holds them from the URL onwards."""

from __future__ import annotations

import datetime as dt
import json
import pickle

import pandas as pd
import pytest

from metrics.periods import Month, Span, Year, end_key, end_month, month_ordinals, period, start_month
from reports.selection import Choices, Proposal, Selection, default_milestone, from_query, to_query


def test_month_arithmetic_is_calendar_arithmetic() -> None:
    m = Month("2025-03")
    # 2025-03 is month 12 × 2025 + 2 = 24302 counted from January of year 0.
    assert m.ordinal == 12 * 2025 + 2
    assert (m.year, m.number) == (2025, 3)
    # Twelve months back is March of the year before; ten forward crosses into January 2026.
    assert m - 12 == "2024-03"
    assert m + 10 == "2026-01"
    assert isinstance(m - 12, Month)
    # From December 2024 to March 2025: January, February, March = 3 months.
    assert m - Month("2024-12") == 3
    assert m - "2024-12" == 3
    assert Month("2024-01") - 1 == "2023-12"


def test_month_words_and_days() -> None:
    m = Month("2024-02")
    assert m.label == "Feb 2024"
    assert m.first_day == dt.date(2024, 2, 1)
    assert m.last_day == dt.date(2024, 2, 29)  # 2024 is a leap year
    assert Month("2023-02").last_day == dt.date(2023, 2, 28)
    assert Month("2023-12").last_day == dt.date(2023, 12, 31)
    assert m.start_text == "2024-02-01"
    assert m.period == pd.Period("2024-02", freq="M")


def test_month_of_dates_timestamps_and_periods() -> None:
    assert Month.of(dt.date(2025, 3, 17)) == "2025-03"
    assert Month.of(pd.Timestamp("1999-12-31 23:59")) == "1999-12"
    assert Month.of("2025-03-17") == "2025-03"
    assert Month.of(pd.Period("2020-07", freq="M")) == "2020-07"
    with pytest.raises(ValueError):
        Month.of(pd.NaT)


@pytest.mark.parametrize(
    "text", ["2025-13", "2025-00", "25-03", "2025-3", "2025/03", "", "2025-03-01", "March"]
)
def test_invalid_month_text_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        Month(text)
    assert Month.parse(text) is None


def test_month_is_its_text_everywhere_text_goes() -> None:
    m = Month("2025-03")
    assert m == "2025-03" and hash(m) == hash("2025-03")
    assert {"2025-03": 1}[m] == 1
    assert sorted([Month("2025-01"), Month("2024-12"), Month("2025-10")]) == ["2024-12", "2025-01", "2025-10"]
    assert json.dumps({"start": m}) == '{"start": "2025-03"}'
    back = pickle.loads(pickle.dumps(m))
    assert isinstance(back, Month) and back == m and back.ordinal == m.ordinal
    frame = pd.DataFrame({"period": ["2025-02", "2025-03", "2025-04"]})
    assert frame.loc[frame["period"] == m].index.tolist() == [1]


def test_years_end_with_december() -> None:
    y = Year("2010")
    assert (y.first_month, y.last_month) == ("2010-01", "2010-12")
    assert Year(2010) == "2010"
    assert period("2010") == y and isinstance(period("2010"), Year)
    assert isinstance(period("2010-11"), Month)
    assert end_month("2010") == "2010-12" and start_month("2010") == "2010-01"
    # A year is ordered by its last month: after November 2010, before January 2011.
    assert end_key("2010-11") < end_key("2010") < end_key("2011-01")
    assert max(["2010-11", "2010", "2009-12"], key=end_key) == "2010"
    with pytest.raises(ValueError):
        Year("201")
    assert isinstance(pickle.loads(pickle.dumps(y)), Year)


def test_span_length_iteration_and_words() -> None:
    whole = Span(Month("2015-01"), Month("2025-12"))
    assert len(whole) == 11 * 12  # eleven calendar years
    assert whole.words == "2015–2025"
    assert Span("2024-01", "2024-12").words == "2024"
    part = Span("2015-03", "2025-06")
    assert part.words == "2015-03 to 2025-06"
    assert len(part) == (2025 - 2015) * 12 + (6 - 3) + 1
    assert list(Span("2024-11", "2025-02")) == ["2024-11", "2024-12", "2025-01", "2025-02"]
    assert "2025-01" in part and "2015-02" not in part
    assert "2024" in part and "2025" not in part  # 2025 ends in December, after 2025-06
    with pytest.raises(ValueError):
        Span("2025-02", "2025-01")


def test_last_years_never_reaches_before_the_data() -> None:
    # Ten years up to 2025-06: 120 months, from 2015-07.
    assert Span.last_years("2000-01", "2025-06", 10) == Span("2015-07", "2025-06")
    assert len(Span.last_years("2000-01", "2025-06", 10)) == 120
    assert Span.last_years("2020-05", "2025-06", 10) == Span("2020-05", "2025-06")


def _choices() -> Choices:
    months = tuple(Span("2015-01", "2025-12"))
    return Choices(
        groupings=("Security grouping",),
        regions={"Security grouping": ("Sahel", "West Africa")},
        grouping_of={"Sahel": "Security grouping", "West Africa": "Security grouping"},
        members={"Sahel": ("MLI", "NER"), "West Africa": ("GHA", "NGA")},
        event_types=("Battles",),
        months=months,
    )


def test_selection_holds_months_from_text_and_url() -> None:
    sel = Selection(region="Sahel", start="2020-01", end="2024-12", milestone="2022-06")
    assert isinstance(sel.start, Month) and isinstance(sel.end, Month) and isinstance(sel.milestone, Month)
    assert sel.previous == "2023-12" and isinstance(sel.previous, Month)
    assert len(sel.span) == 5 * 12 and sel.span.words == "2020–2024"

    choices = _choices()
    query = {"region": "Sahel", "start": "2018-04", "end": "2021-09", "milestone": "2019-05"}
    got = from_query(query, choices)
    assert isinstance(got.start, Month) and got.start.year == 2018 and got.end.number == 9
    assert got.milestone == "2019-05"
    out = to_query(got)
    assert type(out["start"]) is str and out["start"] == "2018-04" and out["milestone"] == "2019-05"
    assert from_query(out, choices) == got
    # Text that is not a month, or a month outside the data, falls back to the default window.
    bad = from_query({"region": "Sahel", "start": "2018-13", "end": "2031-01"}, choices)
    assert (bad.start, bad.end) == (choices.default_start, choices.default_end) == ("2015-01", "2025-12")


def test_default_milestone_uses_month_arithmetic() -> None:
    months = list(Span("2015-01", "2025-12"))
    proposals = [
        Proposal("2015-06", "too early", "", "exercise"),  # 12 months before reaches 2014-06
        Proposal("2020-03", "fits", "", "exercise"),
        Proposal("2025-02", "too late", "", "exercise"),  # after window ends 2026-01
    ]
    assert default_milestone(proposals, months, 12) == 1
    # A window of 5 months fits 2015-06 (before from 2015-01) and 2025-02 (after to 2025-06): the latest.
    assert default_milestone(proposals, months, 5) == 2


def test_module_examples_hold() -> None:
    import doctest

    import metrics.periods

    result = doctest.testmod(metrics.periods)
    assert result.attempted >= 2 and result.failed == 0


def test_month_ordinals_of_a_column():
    # 2025-03 → 12 × 2025 + 3 − 1 = 24302; 1970-01 → 23640; as Month.ordinal, text by text
    got = month_ordinals(pd.Series(["2025-03", "1970-01", "2025-03"]))
    assert got.tolist() == [24302, 23640, 24302]
    assert [Month.from_ordinal(k) for k in got] == ["2025-03", "1970-01", "2025-03"]
    with pytest.raises(ValueError):
        month_ordinals(["2025-13"])  # refused as Month refuses it
