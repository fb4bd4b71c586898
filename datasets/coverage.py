"""What the loaded data cover: per source and country, the span of time a batch speaks for.

A country-period inside a source's coverage with no row is an **observed zero**; outside it, the
value is **missing**. Each stored batch records its coverage (``datasets.store._coverage``) from,
in order:

1. the user's statement (``stability ingest --coverage START:END``, or the coverage field of the
   Data page preview): the batch's countries over ``START..END``;
2. what the importer knows (``Upload.info["coverage"]``, see ``datasets.ingest``): e.g. a SIPRI
   register filtered to one recipient covers that recipient only; ``"all"`` countries for a
   global source;
3. else the data: the countries in the file over the file's first..last period. A file of a known
   global source (``GLOBAL_FORMATS``: ACLED and UCDP downloads) that holds rows for at least
   ``GLOBAL_MIN_COUNTRIES`` (30) countries is taken as global: it covers every country of the
   regions file over its span (a global download reports every country it has events for; a
   country without events in it had none).

Plausible dates: each source has an earliest plausible date (``EARLIEST_DATES``; 1900-01-01 for
user files, mapped and canonical tables unless stated with ``--earliest``) and no date may lie
after today; ``datasets.schema.check`` refuses rows outside by row number.

``load_coverage`` returns the coverage table ``table, source, iso3, first_period, last_period,
grain``: one row per source × country × covered span (a country covered twice with a gap between
gives two rows).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Sequence

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = [
    "COVERAGE_COLUMNS",
    "DEFAULT_EARLIEST",
    "EARLIEST_DATES",
    "GLOBAL_FORMATS",
    "GLOBAL_MIN_COUNTRIES",
    "CoverageError",
    "batch_grain",
    "coverage_rows",
    "derive_coverage",
    "earliest_date",
    "load_coverage",
    "parse_coverage",
    "period_label",
]

#: Columns of the coverage table.
COVERAGE_COLUMNS: tuple[str, ...] = ("table", "source", "iso3", "first_period", "last_period", "grain")

#: Earliest plausible date per file layout (key of ``datasets.ingest.FORMAT_LABELS``).
EARLIEST_DATES: dict[str, dt.date] = {
    "acled": dt.date(1997, 1, 1),
    "acled_old": dt.date(1997, 1, 1),
    "acled_weekly": dt.date(1997, 1, 1),
    "acled_monthly": dt.date(1997, 1, 1),
    "acled_aggregated": dt.date(1997, 1, 1),
    "ucdp": dt.date(1989, 1, 1),
    "ucdp_ged": dt.date(1989, 1, 1),
    "ucdp_brd": dt.date(1989, 1, 1),
    "ucdp_acd": dt.date(1946, 1, 1),
    "cow": dt.date(1816, 1, 1),
    "cow_war": dt.date(1816, 1, 1),
    # ATOP starts with the alliances of 1815 (its country-years with the COW system in 1816).
    "atop": dt.date(1815, 1, 1),
    "atop_member": dt.date(1815, 1, 1),
}
#: Earliest plausible date of any other file (user files, mapped and canonical tables).
DEFAULT_EARLIEST = dt.date(1900, 1, 1)

#: Layouts that are global downloads: when a file holds many countries, it covers them all.
GLOBAL_FORMATS: frozenset[str] = frozenset(
    {
        "acled",
        "acled_old",
        "acled_weekly",
        "acled_monthly",
        "acled_aggregated",
        "ucdp",
        "ucdp_ged",
        "ucdp_brd",
        "ucdp_acd",
    }
)
#: A file of a ``GLOBAL_FORMATS`` layout with rows for at least this many countries is global.
GLOBAL_MIN_COUNTRIES = 30

_DATE_COLUMN = {"incidents": "event_date", "collaboration": "start_date", "perception": "wave_date"}


class CoverageError(ValueError):
    """A coverage statement cannot be read; the message is one plain sentence."""


def earliest_date(fmt: str, stated: dt.date | None = None) -> dt.date:
    """The earliest plausible date of a file of layout ``fmt``: ``stated`` when given, else
    ``EARLIEST_DATES[fmt]``, else ``DEFAULT_EARLIEST`` (1900-01-01)."""
    if stated is not None:
        return stated
    return EARLIEST_DATES.get(fmt, DEFAULT_EARLIEST)


def _parse_day(text: str, end: bool) -> dt.date:
    text = text.strip()
    try:
        if len(text) == 4:
            return dt.date(int(text), 12, 31) if end else dt.date(int(text), 1, 1)
        if len(text) == 7:
            p = pd.Period(text, "M")
            return (p.end_time if end else p.start_time).date()
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise CoverageError(f"'{text}' is not a date (YYYY, YYYY-MM or YYYY-MM-DD)") from exc


def parse_coverage(value: str) -> tuple[dt.date, dt.date]:
    """``START:END`` (each ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``) → first and last day covered.

    A year or month stands for its whole span (``2020:2023-06`` is 2020-01-01 … 2023-06-30).
    Raises ``CoverageError`` for text that is not two dates in order.
    """
    if not isinstance(value, str) or value.count(":") != 1:
        raise CoverageError(f"coverage '{value}' is not START:END, e.g. 2020-01:2023-06")
    a, b = value.split(":")
    first, last = _parse_day(a, False), _parse_day(b, True)
    if last < first:
        raise CoverageError(f"coverage '{value}' ends before it starts")
    return first, last


def _iso(d: object) -> str | None:
    if d is None:
        return None
    if isinstance(d, dt.date):
        return d.isoformat()
    return str(d)[:10]


def derive_coverage(
    rows: pa.Table,
    name: str,
    fmt: str,
    *,
    stated: tuple[dt.date, dt.date] | None = None,
    importer: dict[str, object] | None = None,
) -> dict[str, object]:
    """The ``coverage`` field of a batch record: ``countries`` (sorted ISO3, or ``"all"``),
    ``first``/``last`` (ISO dates of the first and last day covered), ``grain`` and ``basis``
    (``stated``, ``importer`` or ``data``), and ``spans`` (``{ISO3: [first, last]}``) when the
    importer knows each country's own span (a country-year file listing each state from the year
    it existed); a user's statement replaces them all. See the module docstring for the order of
    sources."""
    if name == "collaboration":
        countries = sorted(str(c) for c in pc.unique(pc.list_flatten(rows["participants"])).to_pylist() if c)
    else:
        countries = sorted(str(c) for c in pc.unique(rows["iso3"]).to_pylist() if c)
    mm = pc.min_max(rows[_DATE_COLUMN[name]]).as_py() if rows.num_rows else {"min": None, "max": None}
    first, last = _iso(mm["min"]), _iso(mm["max"])
    grain = _grain(rows, name)
    if grain in ("week", "month", "year") and last is not None:  # a count covers its whole period
        last = _period_end(dt.date.fromisoformat(last), grain).isoformat()
    basis = "data"
    cover: object = countries
    if importer:
        basis = "importer"
        given = importer.get("countries")
        cover = "all" if given == "all" else sorted(str(c) for c in (given or countries))  # type: ignore[union-attr]
        first = _iso(importer.get("first")) or first
        last = _iso(importer.get("last")) or last
        spans = importer.get("spans")
        if isinstance(spans, dict) and stated is None:  # each country over its own years
            return {
                "countries": cover,
                "first": first,
                "last": last,
                "grain": grain,
                "basis": basis,
                "spans": {str(c): [_iso(a), _iso(b)] for c, (a, b) in sorted(spans.items())},
            }
    elif fmt in GLOBAL_FORMATS and len(countries) >= GLOBAL_MIN_COUNTRIES:
        cover = "all"
    if stated is not None:
        basis = "stated"
        first, last = stated[0].isoformat(), stated[1].isoformat()
    return {"countries": cover, "first": first, "last": last, "grain": grain, "basis": basis}


def _grain(rows: pa.Table, name: str) -> str:
    """The coarsest time grain of a batch's rows (incidents ``grain``; ``period_grain`` elsewhere)."""
    column = "grain" if name == "incidents" else "period_grain"
    if column not in rows.column_names or rows.num_rows == 0:
        return "day"
    present = {str(g) for g in pc.unique(rows[column]).to_pylist() if g}
    for g in ("year", "month", "week"):
        if g in present:
            return g
    return "day"


def _period_end(day: dt.date, grain: str) -> dt.date:
    if grain == "year":
        return dt.date(day.year, 12, 31)
    if grain == "month":
        return pd.Period(day, "M").end_time.date()
    if grain == "week":
        return day + dt.timedelta(days=6)
    return day


def batch_grain(record: dict[str, object]) -> str | None:
    """The time grain of a stored batch: its ``period_grain`` (collaboration, perception), else its
    coverage's grain (incidents, whose rows carry a ``grain``: "year" for UCDP ACD and BRD, COW)."""
    cover = record.get("coverage")
    grain = record.get("period_grain") or (cover.get("grain") if isinstance(cover, dict) else None)
    return str(grain) if grain else None


def period_label(day: str | dt.date | None, grain: str) -> str | None:
    """A date as the period it falls in at ``grain``: ``YYYY`` (year), ``YYYY-MM`` (month, day) or
    ``YYYY-Www`` (ISO week)."""
    if day is None:
        return None
    d = day if isinstance(day, dt.date) else dt.date.fromisoformat(str(day)[:10])
    if grain == "year":
        return f"{d.year:04d}"
    if grain == "week":
        y, w, _ = d.isocalendar()
        return f"{y:04d}-W{w:02d}"
    return f"{d.year:04d}-{d.month:02d}"


def coverage_rows(records: Iterable[dict[str, object]], all_countries: Sequence[str]) -> pd.DataFrame:
    """The coverage table of batch records (withdrawn ones skipped): one row per table, source,
    country and covered span, with ``first``/``last`` as ISO dates (``first_day``, ``last_day``)
    and as periods at the batch's grain. Overlapping or touching spans of one source and country
    merge; ``"all"`` expands to ``all_countries``."""
    items = []
    for b in records:
        if b.get("withdrawn"):
            continue
        cov = b.get("coverage")
        if not isinstance(cov, dict):  # a batch stored before coverage was recorded: from its fields
            cov = {
                "countries": b.get("countries") or [],
                "first": b.get("first_date"),
                "last": b.get("last_date"),
                "grain": "year" if b.get("period_grain") == "year" else "day",
            }
        if not cov.get("first") or not cov.get("last"):
            continue
        countries = all_countries if cov.get("countries") == "all" else cov.get("countries") or []
        source = str(cov.get("source") or b.get("source") or b.get("format_label") or b.get("format") or "")
        spans = cov.get("spans") if isinstance(cov.get("spans"), dict) else {}
        for iso in countries:  # type: ignore[union-attr]
            first, last = spans.get(str(iso)) or (cov["first"], cov["last"])  # type: ignore[union-attr]
            items.append(
                (str(b.get("table")), source, str(iso), str(first), str(last), str(cov.get("grain") or "day"))
            )
    return _merge(pd.DataFrame(items, columns=["table", "source", "iso3", "first_day", "last_day", "grain"]))


def _merge(frame: pd.DataFrame) -> pd.DataFrame:
    cols = [*COVERAGE_COLUMNS, "first_day", "last_day"]
    if frame.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    out = []
    order = ["table", "source", "iso3", "grain"]
    for key, g in frame.sort_values([*order, "first_day"]).groupby(order, sort=True):
        cur_first = cur_last = None
        for first, last in zip(g["first_day"], g["last_day"], strict=True):
            if cur_last is not None and dt.date.fromisoformat(first) <= dt.date.fromisoformat(
                cur_last
            ) + dt.timedelta(days=1):
                cur_last = max(cur_last, last)
                continue
            if cur_first is not None:
                out.append((*key, cur_first, cur_last))
            cur_first, cur_last = first, last
        out.append((*key, cur_first, cur_last))
    merged = pd.DataFrame(out, columns=[*order, "first_day", "last_day"])
    merged["first_period"] = [
        period_label(d, g) for d, g in zip(merged["first_day"], merged["grain"], strict=True)
    ]
    merged["last_period"] = [
        period_label(d, g) for d, g in zip(merged["last_day"], merged["grain"], strict=True)
    ]
    return merged.loc[:, cols].reset_index(drop=True)


def _sample_record(name: str, table: pa.Table | None = None) -> dict[str, object]:
    """The coverage record of the bundled sample ``name`` (``table``: the sample already loaded)."""
    from datasets.loaders import SAMPLE_LABEL, load_sample

    t = table if table is not None else load_sample(name)
    return {"table": name, "source": SAMPLE_LABEL, "coverage": derive_coverage(t, name, "sample")}


def load_coverage(
    store: str | os.PathLike[str] | None = None,
    regions: pd.DataFrame | None = None,
    *,
    tables: Sequence[str] = ("incidents", "collaboration", "perception"),
    samples: dict[str, pa.Table] | None = None,
    as_of: str | None = None,
) -> pd.DataFrame:
    """The coverage table of the loaded data: each table from the store when it holds that table;
    the bundled sample (its countries over its span) only while the store holds no table at all, as
    ``datasets.loaders.load_table`` reads them (a table the store lacks then has no rows).
    ``as_of`` (a batch id, date or time): the coverage of the batches active then
    (``Store.active_at``), as the tables are read then.

    Grain: one row per table, source, country and covered span. Columns ``table, source, iso3,
    first_period, last_period, grain`` (periods at the grain: ``YYYY``, ``YYYY-MM`` or
    ``YYYY-Www``; day-grain sources give months) and ``first_day, last_day`` (ISO dates).
    ``regions`` (default: the bundled regions file) lists the countries a global source covers.
    ``samples``: sample tables already loaded (by name), read instead of the bundled files.
    """
    from datasets.loaders import holds_data, load_regions, resolve_store

    if regions is None:
        regions = load_regions()
    everyone = sorted(regions["iso3"].unique())
    root = resolve_store(store)
    records: list[dict[str, object]] = []
    stored: dict[str, list[dict[str, object]]] = {}
    real = False  # sample and real data never meet (``datasets.loaders.load_table``)
    if root is not None:
        from datasets.store import Store

        st = Store(root)
        stored = {name: st.active_at(name, as_of) for name in tables}
        real = holds_data(st, as_of)
    for name in tables:
        if stored.get(name):
            records.extend(stored[name])
        elif not real:
            records.append(_sample_record(name, (samples or {}).get(name)))
    return coverage_rows(records, everyone)
