"""Periods as typed values: a calendar ``Month`` (``YYYY-MM``) and a ``Year`` (``YYYY``), parsed once
where text enters (a URL, a widget, a table's period column, a date) and carried as values with their
own arithmetic and words from there on.

Both are ``str`` subclasses holding their canonical text, because the tidy frames key periods by that
text: a ``Month`` compares, hashes, sorts and joins with a frame's ``period`` column unchanged, and
serialises as itself in a URL, a JSON file or a cache key. What a period *means* (its year and month
number, the month twelve months earlier, its first and last day, its name in words, whether a span of
months is whole years) comes from the type, computed once at construction, never from slicing the
text again.

    >>> m = Month("2025-03")
    >>> m - 12, m + 10, m.label, (m - Month("2024-12"))
    (Month('2024-03'), Month('2026-01'), 'Mar 2025', 3)
    >>> Span(Month("2015-01"), Month("2025-12")).words
    '2015–2025'
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_YEAR = re.compile(r"^\d{4}$")
_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class Month(str):
    """A calendar month. ``Month("2025-03")``, ``Month.of(date)``, ``Month.from_ordinal(k)``.

    ``ordinal`` = 12 × year + (month − 1), so ``m + k`` is the month k months later and ``a − b`` the
    number of months from b to a. Raises ``ValueError`` on text that is not ``YYYY-MM``.
    """

    year: int
    number: int
    ordinal: int

    def __new__(cls, value: object) -> Month:
        if isinstance(value, Month):
            return value
        text = str(value).strip()
        match = _MONTH.match(text)
        if match is None:
            raise ValueError(f"not a month (YYYY-MM): {value!r}")
        self = super().__new__(cls, text)
        self.year, self.number = int(match[1]), int(match[2])
        self.ordinal = 12 * self.year + self.number - 1
        return self

    @classmethod
    def of(cls, value: object) -> Month:
        """The month of a date, timestamp, ``pd.Period`` or date text (``2025-03-17`` → ``2025-03``)."""
        if isinstance(value, Month):
            return value
        if isinstance(value, pd.Period):
            value = value.start_time
        stamp = pd.Timestamp(value)
        if pd.isna(stamp):
            raise ValueError(f"not a date: {value!r}")
        return cls.from_ordinal(12 * stamp.year + stamp.month - 1)

    @classmethod
    def parse(cls, value: object) -> Month | None:
        """``Month(value)``, or None when ``value`` is not ``YYYY-MM`` text (user input: never raises)."""
        try:
            return cls(value)
        except ValueError:
            return None

    @classmethod
    def from_ordinal(cls, ordinal: int) -> Month:
        year, index = divmod(int(ordinal), 12)
        return cls(f"{year:04d}-{index + 1:02d}")

    def __repr__(self) -> str:
        return f"Month({str(self)!r})"

    def __reduce__(self) -> tuple[type[Month], tuple[str]]:
        return (Month, (str(self),))

    def __add__(self, months: int) -> Month:  # type: ignore[override]
        if not isinstance(months, int) or isinstance(months, bool):
            return NotImplemented
        return Month.from_ordinal(self.ordinal + months)

    def __sub__(self, other: int | Month) -> Month | int:  # type: ignore[override]
        if isinstance(other, Month):
            return self.ordinal - other.ordinal
        if isinstance(other, int) and not isinstance(other, bool):
            return Month.from_ordinal(self.ordinal - other)
        if isinstance(other, str):
            return self.ordinal - Month(other).ordinal
        return NotImplemented

    # ``str`` defines ordering, equality and hashing on the text; ``YYYY-MM`` sorts as the calendar
    # does, so those are right for months as they are.

    @property
    def label(self) -> str:
        """The month in words: ``Mar 2025``."""
        return f"{_NAMES[self.number - 1]} {self.year}"

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.year, self.number, 1)

    @property
    def last_day(self) -> dt.date:
        return (self + 1).first_day - dt.timedelta(days=1)

    @property
    def start_text(self) -> str:
        """The first day as ``YYYY-MM-DD`` (where a chart's date axis puts the month)."""
        return f"{self}-01"

    @property
    def period(self) -> pd.Period:
        return pd.Period(year=self.year, month=self.number, freq="M")

    @property
    def year_value(self) -> Year:
        return Year(self.year)


class Year(str):
    """A calendar year (``YYYY``), the period of yearly data; it ends with December: ``last_month``."""

    value: int

    def __new__(cls, value: object) -> Year:
        if isinstance(value, Year):
            return value
        is_int = isinstance(value, int) and not isinstance(value, bool)
        text = f"{value:04d}" if is_int else str(value).strip()
        if not _YEAR.match(text):
            raise ValueError(f"not a year (YYYY): {value!r}")
        self = super().__new__(cls, text)
        self.value = int(text)
        return self

    def __repr__(self) -> str:
        return f"Year({str(self)!r})"

    def __reduce__(self) -> tuple[type[Year], tuple[str]]:
        return (Year, (str(self),))

    @property
    def first_month(self) -> Month:
        return Month.from_ordinal(12 * self.value)

    @property
    def last_month(self) -> Month:
        return Month.from_ordinal(12 * self.value + 11)


def period(value: object) -> Month | Year:
    """A period label as its type: ``YYYY-MM`` → ``Month``, ``YYYY`` → ``Year``; ``ValueError`` otherwise."""
    if isinstance(value, Month | Year):
        return value
    text = str(value).strip()
    return Year(text) if _YEAR.match(text) else Month(text)


def end_month(value: object) -> Month:
    """The last month of a period label: a month is its own, a year ends with its December."""
    p = period(value)
    return p.last_month if isinstance(p, Year) else p


def start_month(value: object) -> Month:
    """The first month of a period label: a month is its own, a year begins with its January."""
    p = period(value)
    return p.first_month if isinstance(p, Year) else p


#: ``Month.ordinal`` per month text met by ``month_ordinals`` (at most ``_ORDINALS_KEPT`` texts).
_ORDINALS: dict[str, int] = {}
_ORDINALS_KEPT = 100_000


def month_ordinals(texts: Iterable[object]) -> np.ndarray:
    """``Month(t).ordinal`` (12 × year + month − 1) of each text, as an int64 array: for long columns
    of month texts, each distinct text parsed once. Raises ``ValueError`` as ``Month`` does."""
    items = [str(t) for t in (texts.tolist() if hasattr(texts, "tolist") else texts)]  # type: ignore[union-attr]
    return np.fromiter(map(_ordinal, items), dtype=np.int64, count=len(items))


def _ordinal(text: str) -> int:
    hit = _ORDINALS.get(text)
    if hit is None:
        hit = Month(text).ordinal
        if len(_ORDINALS) < _ORDINALS_KEPT:
            _ORDINALS[text] = hit
    return hit


def end_key(value: object) -> int:
    """Order periods by their last month: ``2010`` ends with December 2010, after ``2010-11``."""
    return end_month(value).ordinal


@dataclass(frozen=True)
class Span:
    """The months from ``start`` to ``end`` inclusive (``start ≤ end``)."""

    start: Month
    end: Month

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", Month(self.start))
        object.__setattr__(self, "end", Month(self.end))
        if self.start > self.end:
            raise ValueError(f"a span starts before it ends: {self.start} … {self.end}")

    def __len__(self) -> int:
        """Number of months: end − start + 1."""
        return self.end - self.start + 1

    def __iter__(self) -> Iterator[Month]:
        return (Month.from_ordinal(k) for k in range(self.start.ordinal, self.end.ordinal + 1))

    def __contains__(self, value: object) -> bool:
        """Whether a month (or a period label: a year by its last month) lies in the span."""
        try:
            m = end_month(value)
        except ValueError:
            return False
        return self.start <= m <= self.end

    @property
    def whole_years(self) -> bool:
        return self.start.number == 1 and self.end.number == 12

    @property
    def words(self) -> str:
        """The span in words: "2015–2025" (or "2024") for whole years, else "2015-03 to 2025-06"."""
        if self.whole_years:
            a, b = self.start.year, self.end.year
            return str(a) if a == b else f"{a}–{b}"
        return f"{self.start} to {self.end}"

    @classmethod
    def last_years(cls, first: object, last: object, years: int) -> Span:
        """The last ``years`` years up to ``last``, never before ``first``:
        start = max(first, last − (12 × years − 1) months)."""
        lo, hi = Month(first), Month(last)
        return cls(max(lo, hi - (12 * years - 1)), hi)
