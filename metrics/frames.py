"""Shared plumbing for metric functions: the tidy output frame, periods and the query engine.

Aggregations over incident tables run in DuckDB (in-process, vectorised, zero-copy over Arrow and
pandas); the per-region monthly series that come out of it are small and handled with pandas.
Every query binds its parameters; no value is formatted into SQL text.
"""

from __future__ import annotations

import re
import threading
import weakref
from collections.abc import Callable, Hashable, Iterable
from typing import Any, TypeVar

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from datasets.schema import TIDY_COLUMNS

TableLike = pa.Table | pd.DataFrame
PERIOD_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")

T = TypeVar("T")


def parse_period(value: str | None) -> pd.Period | None:
    """Parse ``YYYY-MM`` into a monthly period; ``None`` passes through. Raises ``ValueError`` otherwise."""
    if value is None:
        return None
    if not isinstance(value, str) or not PERIOD_RE.match(value):
        raise ValueError(f"'{value}' is not a month in the form YYYY-MM")
    return pd.Period(value, freq="M")


_DATABASE: duckdb.DuckDBPyConnection | None = None
_DATABASE_LOCK = threading.Lock()


def _database() -> duckdb.DuckDBPyConnection:
    """One in-memory DuckDB database per process (opening one costs ~20 ms; a cursor ~1 ms)."""
    global _DATABASE
    with _DATABASE_LOCK:
        if _DATABASE is None:
            _DATABASE = duckdb.connect(":memory:")
            _DATABASE.execute("SET threads TO 2")
        return _DATABASE


def query(sql: str, params: dict[str, object] | None = None, **tables: TableLike) -> pd.DataFrame:
    """Run ``sql`` with ``tables`` registered by name, on a cursor of its own.

    Each call gets a fresh cursor (its own connection to the shared in-memory database), so the
    names it registers are visible to that call only and concurrent callers never see each other's
    tables. Nothing is written to the database.
    """
    cur = _database().cursor()
    try:
        for name, table in tables.items():
            cur.register(name, table)
        return cur.execute(sql, params or {}).df()
    finally:
        cur.close()


def tidy(frame: pd.DataFrame, family: str, value_columns: Iterable[str]) -> pd.DataFrame:
    """Melt a wide ``region, period, <indicator…>`` frame into the tidy grain.

    CI columns are empty (NaN) unless ``<indicator>__ci_low``/``__ci_high`` columns are present.
    """
    value_columns = list(value_columns)
    if frame.empty:
        return empty_tidy()
    long = frame.melt(id_vars=["region", "period"], value_vars=value_columns, var_name="indicator")
    long["ci_low"] = np.nan
    long["ci_high"] = np.nan
    for ind in value_columns:
        lo, hi = f"{ind}__ci_low", f"{ind}__ci_high"
        if lo in frame.columns:
            mask = long["indicator"] == ind
            long.loc[mask, "ci_low"] = frame[lo].to_numpy()
            long.loc[mask, "ci_high"] = frame[hi].to_numpy()
    long["family"] = family
    long["value"] = long["value"].astype(float)
    return finish(long)


def empty_tidy() -> pd.DataFrame:
    """An empty frame with the tidy columns and types."""
    return pd.DataFrame(
        {
            "region": pd.Series(dtype=object),
            "period": pd.Series(dtype=object),
            "family": pd.Series(dtype=object),
            "indicator": pd.Series(dtype=object),
            "value": pd.Series(dtype=float),
            "ci_low": pd.Series(dtype=float),
            "ci_high": pd.Series(dtype=float),
            "covered_share": pd.Series(dtype=float),
        }
    )


def finish(frame: pd.DataFrame, *, presorted: bool = False) -> pd.DataFrame:
    """Order columns and rows of a tidy frame and check its unique key (region, period, indicator).

    ``presorted``: the caller built the rows from a full grid, already ordered by region, family,
    indicator and period and unique by construction; only the columns are ordered and typed.
    """
    if "covered_share" not in frame.columns:  # families that do not measure coverage
        frame = frame.assign(covered_share=np.nan)
    out = frame.loc[:, list(TIDY_COLUMNS)].copy()
    for c in ("value", "ci_low", "ci_high", "covered_share"):
        out[c] = out[c].astype(float)
    if presorted:
        return out.reset_index(drop=True)
    out = out.sort_values(["region", "family", "indicator", "period"], kind="stable").reset_index(drop=True)
    if out.duplicated(["region", "period", "family", "indicator"]).any():
        raise ValueError("tidy output has duplicate (region, period, family, indicator) keys")
    return out


#: ``memo_for``: (id of a frame, key) → (weak reference, length, result).
_MEMO: dict[tuple[int, Hashable], tuple[weakref.ref[Any], int, Any]] = {}
_MEMO_LOCK = threading.Lock()
#: At most this many results are kept by ``memo_for`` (each a small table or index).
MEMO_ENTRIES = 4096


def memo_for(frame: pd.DataFrame | pa.Table | np.ndarray, key: Hashable, build: Callable[[], T]) -> T:
    """``build()``, kept while ``frame`` lives, per ``key``: for results derived from a shared frame
    or Arrow table (or array) that is never mutated once built (the dashboard's cached tables, the
    bundled regions, the loaded incidents, a coverage's months). Keyed by
    the frame's identity and length; the entry goes when the frame does, or when more than
    ``MEMO_ENTRIES`` are kept (oldest first). Callers never mutate the result."""
    ident = (id(frame), key)
    hit = _MEMO.get(ident)
    if hit is not None and hit[0]() is frame and hit[1] == len(frame):
        return hit[2]  # type: ignore[no-any-return]
    out = build()
    with _MEMO_LOCK:
        if ident not in _MEMO:
            weakref.finalize(frame, _MEMO.pop, ident, None)
        _MEMO[ident] = (weakref.ref(frame), len(frame), out)
        while len(_MEMO) > MEMO_ENTRIES:  # bounded: the oldest entries go first
            del _MEMO[next(iter(_MEMO))]
    return out


def text_column(labels: Iterable[str], codes: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """``labels[codes]`` as a text column (pandas' ``str`` dtype), built in Arrow from the codes
    rather than from one Python string per row: the same column a frame infers from the strings,
    at a fraction of the cost for the long tidy frames."""
    dictionary = pa.array([str(x) for x in labels], pa.string())
    indices = pa.array(np.asarray(codes, dtype=np.int32), pa.int32())
    return pd.array(pa.DictionaryArray.from_arrays(indices, dictionary).cast(pa.string()), dtype="str")


def month_range(first: pd.Period, last: pd.Period) -> pd.PeriodIndex:
    """Every month from ``first`` to ``last`` inclusive."""
    return pd.period_range(first, last, freq="M")


def clip_periods(frame: pd.DataFrame, start: pd.Period | None, end: pd.Period | None) -> pd.DataFrame:
    """Keep rows whose ``period`` (a ``YYYY-MM`` or ``YYYY`` string) lies in [start, end]."""
    if frame.empty or (start is None and end is None):
        return frame
    per = frame["period"].astype(str).to_numpy()
    annual = np.char.str_len(per.astype(str)) == 4
    keep = np.ones(len(frame), dtype=bool)
    if start is not None:
        keep &= per >= np.where(annual, f"{start.year:04d}", str(start))
    if end is not None:
        keep &= per <= np.where(annual, f"{end.year:04d}", str(end))
    return frame.loc[keep]


def region_members(regions: pd.DataFrame) -> pd.DataFrame:
    """``region, iso3`` pairs, de-duplicated (the ``grouping`` column, if any, is dropped). Kept per
    regions frame while it lives (``memo_for``: a page asks for the same members several times, about
    2 ms each with text columns); never mutate the result."""
    return memo_for(regions, "region_members", lambda: _members(regions))


def _members(regions: pd.DataFrame) -> pd.DataFrame:
    return regions.loc[:, ["region", "iso3"]].drop_duplicates().reset_index(drop=True)


def with_events(incidents: TableLike) -> TableLike:
    """``incidents`` with an ``events`` column (incidents each row stands for; 1 where absent)."""
    cols = incidents.column_names if isinstance(incidents, pa.Table) else list(incidents.columns)
    if "events" in cols:
        return incidents
    if isinstance(incidents, pa.Table):
        return incidents.append_column("events", pa.array(np.ones(incidents.num_rows, dtype=np.int64)))
    return incidents.assign(events=1)
