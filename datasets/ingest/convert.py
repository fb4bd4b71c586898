"""Vectorised conversions of text columns, each returning the values and where they failed.

Every converter takes a column of text (``pa.string()``, empty cells as ``""``) and returns
``(values, bad)``: the converted column (null where the cell was empty or could not be read) and
a boolean mask of the non-empty cells that could not be read. Conversions that depend only on a
cell's text (dates, whole numbers, yes/no, countries) work on the column's distinct values once
and spread the result with ``take``, so a million rows cost a few thousand conversions.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from datasets.countries import map_names, non_state_label, to_iso3

__all__ = [
    "DATE_FORMATS",
    "ID_PROBLEM",
    "DateOrder",
    "blank",
    "by_distinct",
    "parse_bools",
    "parse_countries",
    "parse_dates",
    "parse_dates_detail",
    "parse_floats",
    "parse_ids",
    "parse_ints",
    "parse_lists",
    "text",
    "whole_id",
]

Column = pa.ChunkedArray | pa.Array

#: Date layouts tried, in order of preference. A file's dates are read with the first layout
#: that reads all of them; when none does, the one that reads most is used and the others are
#: tried only where they cannot be confused with it (ISO and month-name layouts). When the day-first
#: and the month-first layout both read every date, the order cannot be told and those dates are
#: refused (``parse_dates_detail``), never guessed.
DATE_FORMATS: tuple[str, ...] = (
    "%Y-%m-%d",
    "%d %B %Y",
    "%d %b %Y",
    "%d-%B-%Y",
    "%d-%b-%Y",
    "%B %d, %Y",
    "%b %d, %Y",
    "%d/%m/%Y",
    "%m/%d/%Y",
    "%Y/%m/%d",
    "%d.%m.%Y",
    "%d-%m-%Y",
    "%Y%m%d",
    "%d-%b-%y",
    "%d/%m/%y",
    "%m/%d/%y",
)
_UNAMBIGUOUS = frozenset(DATE_FORMATS[:7]) | {"%Y/%m/%d", "%d-%b-%y"}
#: Layouts that read the same text with day and month swapped: 03/04/2021 is 3 April day-first and
#: 4 March month-first. When both read every date of a column, its order cannot be told.
_SWAPPED = {
    "%d/%m/%Y": "%m/%d/%Y",
    "%m/%d/%Y": "%d/%m/%Y",
    "%d/%m/%y": "%m/%d/%y",
    "%m/%d/%y": "%d/%m/%y",
}
_TIME_SUFFIX = re.compile(r"^(\S+)[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")

_INT = r"^[+-]?\d+(\.0*)?$"
_FLOAT = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"
_COMMA_DECIMAL = r"^[+-]?\d+,\d+$"
#: A whole number written with a zero fraction, as spreadsheets and pandas write them: ``157230.0``.
_ZERO_FRACTION = re.compile(r"^([+-]?\d+)\.0*$")
#: A number that is not written as a whole number: a fraction (``157230.5``) or scientific notation
#: (``1.5723E+05``, which may have lost digits).
_NOT_WHOLE = re.compile(r"^[+-]?(\d+\.\d*|\.\d+|\d+(\.\d*)?[eE][+-]?\d+)$")
#: The problem stated for an identifier cell that ``whole_id`` refuses.
ID_PROBLEM = (
    "not a whole number: an identifier must be a whole number such as 157230 (157230.0 is read as "
    "157230, but a fraction such as 157230.5 or scientific notation such as 1.5723E+05 cannot be an id)"
)
_TRUE = frozenset({"true", "yes", "y", "t", "1"})
_FALSE = frozenset({"false", "no", "n", "f", "0"})


def text(arr: Column) -> Column:
    """Trimmed text with empty cells as null."""
    trimmed = pc.utf8_trim_whitespace(arr)
    return pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, pa.string()), trimmed)


def _spread(arr: Column, convert: Callable[[pa.Array], tuple[pa.Array, pa.Array]]) -> tuple[Column, Column]:
    encoded = pc.dictionary_encode(arr)
    chunks = encoded.chunks if isinstance(encoded, pa.ChunkedArray) else [encoded]
    if not chunks:
        values, bad = convert(pa.array([], pa.string()))
        return pa.chunked_array([], values.type), pa.chunked_array([], pa.bool_())
    cache: list[tuple[pa.Array, pa.Array, pa.Array]] = []
    out_v, out_b = [], []
    for chunk in chunks:
        hit = next((c for c in cache if c[0] is chunk.dictionary or c[0].equals(chunk.dictionary)), None)
        if hit is None:
            hit = (chunk.dictionary, *convert(chunk.dictionary))
            cache.append(hit)
        out_v.append(pc.take(hit[1], chunk.indices))
        out_b.append(pc.fill_null(pc.take(hit[2], chunk.indices), False))
    if isinstance(encoded, pa.ChunkedArray):
        return pa.chunked_array(out_v, out_v[0].type), pa.chunked_array(out_b, pa.bool_())
    return out_v[0], out_b[0]


def blank(arr: Column) -> Column:
    """True where a cell is null or holds only whitespace."""

    def conv(d: pa.Array) -> tuple[pa.Array, pa.Array]:
        empty = pc.equal(pc.utf8_trim_whitespace(d), "")
        return empty, pa.array(np.zeros(len(d), dtype=bool))

    values, _ = _spread(arr, conv)
    return pc.fill_null(values, True)


def by_distinct(
    arr: Column, convert: Callable[[pa.Array], tuple[pa.Array, pa.Array]]
) -> tuple[Column, Column]:
    """Apply ``convert`` to the distinct trimmed values of ``arr`` and spread the result to every row.

    ``convert`` receives distinct non-null, non-blank trimmed values and returns ``(values, bad)``
    of the same length. Empty cells give null values and are never bad.
    """

    def conv(d: pa.Array) -> tuple[pa.Array, pa.Array]:
        trimmed = pc.utf8_trim_whitespace(d)
        empty = pc.equal(trimmed, "")
        if pc.any(empty).as_py():
            keep = pc.invert(empty)
            sub = trimmed.filter(keep)
            v_sub, b_sub = convert(sub)
            positions = pc.subtract(pc.cumulative_sum(pc.cast(keep, pa.int64())), 1)
            idx = pc.if_else(keep, positions, pa.scalar(None, pa.int64()))
            return pc.take(v_sub, idx), pc.fill_null(pc.take(b_sub, idx), False)
        return convert(trimmed)

    return _spread(arr, conv)


@dataclass(frozen=True)
class DateOrder:
    """A date whose day and month order a column cannot settle: its text and both readings."""

    text: str
    day_first: dt.date
    month_first: dt.date


def _date_values(
    values: Sequence[str | None],
) -> tuple[list[dt.date | None], list[bool], DateOrder | None]:
    """Read date texts with the layout of ``DATE_FORMATS`` that reads most of them.

    Returns the dates, the texts that could not be read (not those whose day and month order cannot
    be told), and one text of unclear order with both readings (or None). The order cannot be told when
    the layout chosen is day-first or month-first (``_SWAPPED``) and its swapped twin reads every
    text the chosen one reads: 03/04/2021 and 11/12/2022 fit both, so nothing says which is
    meant. Those texts get no date (a swapped date would be stored silently otherwise); texts
    whose day and month are equal (01/01/2021) read the same either way and keep theirs.
    """
    cut = []
    for v in values:
        if v is None:
            cut.append(None)
            continue
        m = _TIME_SUFFIX.match(v)
        cut.append(m.group(1) if m else v)

    def attempt(fmt: str, v: str) -> dt.date | None:
        try:
            return dt.datetime.strptime(v, fmt).date()
        except ValueError:
            return None

    todo = [v for v in dict.fromkeys(cut) if v is not None]
    best_fmt, best_n, best = None, -1, {}
    for fmt in DATE_FORMATS:
        parsed = {v: d for v in todo if (d := attempt(fmt, v)) is not None}
        if len(parsed) > best_n:
            best_fmt, best_n, best = fmt, len(parsed), parsed
        if len(parsed) == len(todo):
            break
    unclear: set[str] = set()
    example: DateOrder | None = None
    twin = _SWAPPED.get(best_fmt or "")
    if twin is not None:
        other = {v: attempt(twin, v) for v in best}
        if all(d is not None for d in other.values()):
            unclear = {v for v, d in other.items() if d != best[v]}
            first = next((v for v in best if v in unclear), None)
            if first is not None:
                d_best, d_twin = best[first], other[first]
                assert d_twin is not None
                day_first = best_fmt in ("%d/%m/%Y", "%d/%m/%y")
                example = DateOrder(first, *((d_best, d_twin) if day_first else (d_twin, d_best)))
    if best_n < len(todo):
        for v in todo:
            if v in best:
                continue
            for fmt in DATE_FORMATS:
                if fmt in _UNAMBIGUOUS and fmt != best_fmt and (d := attempt(fmt, v)) is not None:
                    best[v] = d
                    break
    out = [None if v is None or v in unclear else best.get(v) for v in cut]
    bad = [v is not None and d is None and v not in unclear for v, d in zip(cut, out, strict=True)]
    return out, bad, example


def parse_dates_detail(arr: Column) -> tuple[Column, Column, Column, DateOrder | None]:
    """Dates in any layout of ``DATE_FORMATS``, with the cells whose day/month order is unclear.

    Returns ``(values, bad, ambiguous, example)``: ``bad`` marks cells no layout reads;
    ``ambiguous`` marks cells that read as two different dates, day-first and month-first, in a
    column where every date fits both orders (``_date_values``); those get no value. ``example``
    is the first such cell with both readings, for the message.
    """
    found: list[DateOrder] = []

    def convert(d: pa.Array) -> tuple[pa.Array, pa.Array]:
        out, bad, example = _date_values(d.to_pylist())
        if example is not None:
            found.append(example)
        return pa.array(out, pa.date32()), pa.array(bad, pa.bool_())

    values, bad = by_distinct(arr, convert)
    # a given cell is read, bad, or unclear: the unclear ones are those given with no date, not bad
    ambiguous = pc.and_(pc.and_(pc.is_valid(arr), pc.is_null(values)), pc.invert(bad))
    return values, bad, ambiguous, (found[0] if found else None)


def parse_dates(arr: Column) -> tuple[Column, Column]:
    """Dates in any layout of ``DATE_FORMATS`` (a time of day after the date is ignored).

    A cell whose day and month order the column cannot settle (``parse_dates_detail``) is bad:
    no date is guessed for it.
    """
    values, bad, ambiguous, _example = parse_dates_detail(arr)
    return values, pc.or_(bad, ambiguous)


def whole_id(text: str) -> str | None:
    """An identifier cell as the whole number it states: ``157230.0`` -> ``157230``.

    Why: spreadsheets and pandas write whole numbers with a zero fraction, and the same event must
    get the same key whichever way its file was saved. Text that is not a number (``BGD1234``,
    ``ALG-1989-1``) is kept as written, trimmed; so are the digits of a whole number (leading
    zeros stay). None for a number that is not whole or is written in scientific notation
    (``157230.5``, ``1.5723E+05``): no identifier is made up from it.
    """
    t = text.strip()
    m = _ZERO_FRACTION.match(t)
    if m:
        return m.group(1)
    if _NOT_WHOLE.match(t):
        return None
    return t


def parse_ids(arr: Column) -> tuple[Column, Column]:
    """Identifier cells read as ``whole_id`` reads one, for a whole column at once (Arrow's regular
    expressions: millions of ids take a fraction of a second); a number that is not whole is bad
    (``ID_PROBLEM``) and gets no value. Empty cells stay empty and are not bad."""
    trimmed = pc.utf8_trim_whitespace(arr)
    whole = pc.replace_substring_regex(trimmed, pattern=_ZERO_FRACTION.pattern, replacement=r"\1")
    bad = pc.fill_null(pc.match_substring_regex(whole, pattern=_NOT_WHOLE.pattern), False)
    return pc.if_else(bad, pa.scalar(None, whole.type), whole), bad


def parse_ints(arr: Column) -> tuple[pa.Array, pa.Array]:
    """Whole numbers (``12``, ``+12``, ``-3`` or ``12.0``); anything else non-empty is bad."""

    def convert(d: pa.Array) -> tuple[pa.Array, pa.Array]:
        ok = pc.match_substring_regex(d, _INT)
        digits = pc.replace_substring_regex(pc.if_else(ok, d, pa.scalar(None, pa.string())), r"\.0*$", "")
        try:
            values = pc.cast(digits, pa.int64())
        except pa.ArrowInvalid:  # beyond int64
            values = pa.array([_to_int(v) for v in digits.to_pylist()], pa.int64())
            ok = pc.and_(ok, pc.is_valid(values))
        return values, pc.invert(ok)

    return by_distinct(arr, convert)


def _to_int(v: str | None) -> int | None:
    if v is None:
        return None
    n = int(v)
    return n if -(2**63) <= n < 2**63 else None


def parse_floats(arr: Column) -> tuple[Column, Column]:
    """Decimal numbers; a decimal comma (``12,5``) is read as a decimal point."""
    try:
        values = pc.cast(arr, pa.float64())
        return values, pc.fill_null(pc.is_null(pc.is_valid(values)), False)
    except pa.ArrowInvalid:
        pass
    values = text(arr)
    comma = pc.fill_null(pc.match_substring_regex(values, _COMMA_DECIMAL), False)
    values = pc.if_else(comma, pc.replace_substring(values, ",", "."), values)
    ok = pc.fill_null(pc.match_substring_regex(values, _FLOAT), False)
    bad = pc.and_(pc.invert(ok), pc.is_valid(values))
    good = pc.if_else(ok, values, pa.scalar(None, pa.string()))
    return pc.cast(good, pa.float64()), bad


def parse_bools(arr: Column) -> tuple[pa.Array, pa.Array]:
    """Yes/no cells: true/false, yes/no, y/n, t/f, 1/0 (any case)."""

    def convert(d: pa.Array) -> tuple[pa.Array, pa.Array]:
        lowered = d.to_pylist()
        out = [
            True if str(v).lower() in _TRUE else False if str(v).lower() in _FALSE else None for v in lowered
        ]
        return pa.array(out, pa.bool_()), pa.array([o is None for o in out], pa.bool_())

    return by_distinct(arr, convert)


def parse_countries(
    arr: Column, convert: Callable[[object], str | None] = to_iso3
) -> tuple[pa.Array, pa.Array]:
    """ISO3 codes from country names or codes (``datasets.countries``, exact matching only)."""

    def conv(d: pa.Array) -> tuple[pa.Array, pa.Array]:
        mapping, _unknown = map_names(d, convert)
        out = [mapping.get(v) for v in d.to_pylist()]
        return pa.array(out, pa.string()), pa.array([o is None for o in out], pa.bool_())

    return by_distinct(arr, conv)


def parse_lists(arr: Column, separator: str = ";") -> tuple[pa.Array, pa.Array]:
    """Lists of country codes or names separated by ``separator``; non-state parties keep their label.

    Each element becomes its ISO3 code, or the label ``non_state_label`` gives it; a row is bad
    when any element is neither.
    """

    def conv(d: pa.Array) -> tuple[pa.Array, pa.Array]:
        out: list[list[str] | None] = []
        bad: list[bool] = []
        cache: dict[str, str | None] = {}
        for cell in d.to_pylist():
            parts = [p.strip() for p in str(cell).split(separator) if p.strip()]
            items: list[str] = []
            wrong = False
            for p in parts:
                if p not in cache:
                    cache[p] = to_iso3(p) or non_state_label(p)
                code = cache[p]
                if code is None:
                    wrong = True
                else:
                    items.append(code)
            out.append(None if wrong else items)
            bad.append(wrong)
        return pa.array(out, pa.list_(pa.string())), pa.array(bad, pa.bool_())

    return by_distinct(arr, conv)
