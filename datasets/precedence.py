"""One conflict source per country and month: which source counts where two cover the same months.

ACLED, UCDP GED, UCDP BRD, UCDP/PRIO ACD, the COW war list and a user's own files can all describe
the same country in the same months. Their rows are different units (an ACLED event, a GED event,
a BRD conflict-year) that record the same fighting, so adding them counts it two or three times,
and a region's number would change with what else happens to be loaded. Instead, for every
country-month covered by more than one source, **one source counts** and the others' rows and
coverage there are set aside:

1. the finer grain first: day and week (events) before month, month before year;
2. between equal grains, the order of ``PREFERRED`` (ACLED, UCDP GED, ACLED aggregated, UCDP BRD,
   UCDP/PRIO ACD, COW inter-state war), then any other source by name.

A yearly source counts a whole year or nothing: it keeps a year only when no source ranked before
it covers any month of that year (a year half covered by GED months is GED's months alone, the
rest of it uncovered; never GED's months plus BRD's whole-year count).

The rule depends only on what is loaded, never on the order it was loaded in. Where only one
source covers a country-month nothing changes; a store with one conflict source is read as it is.

``used_coverage(coverage)`` gives the coverage spans that count (the ``incidents`` rows trimmed to
what they keep) and ``set_aside(coverage)`` the parts set aside, with the source that counts
instead; ``drop_shadowed(incidents, coverage)`` removes the incident rows that fall in a
country-month another source counts.
"""

from __future__ import annotations

import datetime as dt
import threading
import weakref
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = [
    "PREFERRED",
    "drop_shadowed",
    "mark_counted",
    "overlap_notes",
    "overlaps",
    "set_aside",
    "source_rank",
    "used_coverage",
]

#: Sources in order of preference between equal grains (the incidents' ``source`` values).
PREFERRED: tuple[str, ...] = (
    "ACLED",
    "UCDP GED",
    "ACLED aggregated",
    "UCDP BRD",
    "UCDP/PRIO ACD",
    "COW inter-state war",
)
#: Schema metadata key of an incidents table that already holds one source per country-month.
COUNTED_KEY = b"stability.one_source_per_country_month"
_GRAIN_RANK = {"day": 0, "week": 0, "month": 1, "year": 2}


def source_rank(source: str, grain: str) -> tuple[int, int, str]:
    """Sort key of a coverage span: grain (events before months before years), then ``PREFERRED``,
    then the source's name."""
    known = PREFERRED.index(source) if source in PREFERRED else len(PREFERRED)
    return (_GRAIN_RANK.get(str(grain), 0), known, str(source))


def _names(source: str) -> set[str]:
    """The row sources a coverage span speaks for: its name, and each name of a batch that held
    several (recorded joined by ", ")."""
    return {source, *(s.strip() for s in source.split(", "))}


def _ordinal(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


def _day(value: object) -> dt.date:
    return dt.date.fromisoformat(str(value)[:10])


@dataclass(frozen=True)
class _Resolved:
    """``kept``: per incidents coverage row (by position), the month ordinals it keeps. ``owner``:
    per country where two sources meet, its first month ordinal and, month by month, the code of
    the source that counts (``labels[code]``; ``labels[0]`` is "" for none: the rest of a year a
    yearly source cannot split) or -1 where one source alone covers the month."""

    kept: dict[int, np.ndarray]
    owner: dict[str, tuple[int, np.ndarray]]
    labels: list[str]
    positions: list[int]


def _resolve(coverage: pd.DataFrame) -> _Resolved:
    kept: dict[int, np.ndarray] = {}
    owner: dict[str, tuple[int, np.ndarray]] = {}
    labels = [""]
    code = {"": 0}
    positions = [int(p) for p in np.flatnonzero(_is_incidents(coverage))]
    iso3 = coverage["iso3"].astype(str).to_numpy()
    sources = coverage["source"].astype(str).to_numpy()
    grains = coverage["grain"].astype(str).to_numpy()
    firsts = [_ordinal(_day(v)) for v in coverage["first_day"].to_numpy()]
    lasts = [_ordinal(_day(v)) for v in coverage["last_day"].to_numpy()]
    by_iso: dict[str, list[int]] = {}
    for pos in positions:
        by_iso.setdefault(iso3[pos], []).append(pos)
    for iso, rows in by_iso.items():
        if len({sources[p] for p in rows}) < 2:  # one source: nothing to choose
            for p in rows:
                kept[p] = np.arange(firsts[p], lasts[p] + 1)
            continue
        lo = min(firsts[p] for p in rows)
        hi = max(lasts[p] for p in rows)
        depth = np.zeros(hi - lo + 1, dtype=np.int32)
        for p in rows:
            depth[firsts[p] - lo : lasts[p] - lo + 1] += 1
        taken = np.full(hi - lo + 1, -1, dtype=np.int32)  # -1 free, else the code that counts
        for p in sorted(rows, key=lambda p: source_rank(sources[p], grains[p])):
            months = np.arange(firsts[p], lasts[p] + 1)
            free = taken[months - lo] < 0
            if grains[p] == "year":  # a whole year or nothing
                lost = np.isin(months // 12, np.unique(months[~free] // 12))
                free &= ~lost
                nobody = months[lost] - lo
                taken[nobody] = np.where(taken[nobody] < 0, 0, taken[nobody])  # not split: nobody's
            kept[p] = months[free]
            if sources[p] not in code:
                code[sources[p]] = len(labels)
                labels.append(sources[p])
            taken[months[free] - lo] = code[sources[p]]
        codes = np.where((depth > 1) | (taken == 0), taken, -1).astype(np.int32)
        owner[iso] = (lo, codes)
    return _Resolved(kept, owner, labels, positions)


_CACHE: dict[int, tuple[weakref.ref[pd.DataFrame], int, _Resolved]] = {}
_CACHE_LOCK = threading.Lock()


def _resolved(coverage: pd.DataFrame) -> _Resolved:
    """``_resolve(coverage)``, kept while the frame lives (the few most recent frames): the
    dashboard asks about the same coverage table many times."""
    hit = _CACHE.get(id(coverage))
    if hit is not None and hit[0]() is coverage and hit[1] == len(coverage):
        return hit[2]
    out = _resolve(coverage)
    with _CACHE_LOCK:
        _CACHE[id(coverage)] = (weakref.ref(coverage), len(coverage), out)
        while len(_CACHE) > 8:
            del _CACHE[next(iter(_CACHE))]
    return out


def mark_counted(incidents: pa.Table) -> pa.Table:
    """``incidents`` marked (schema metadata, no copy) as already holding one source per
    country-month, so ``drop_shadowed`` passes it through without checking it again."""
    meta = dict(incidents.schema.metadata or {})
    meta[COUNTED_KEY] = b"1"
    return incidents.replace_schema_metadata(meta)


def _segments(months: np.ndarray) -> list[tuple[int, int]]:
    if not len(months):
        return []
    breaks = np.flatnonzero(np.diff(months) != 1)
    starts = np.r_[0, breaks + 1]
    ends = np.r_[breaks, len(months) - 1]
    return [(int(months[a]), int(months[b])) for a, b in zip(starts, ends, strict=True)]


def _month_first(m: int) -> dt.date:
    return dt.date(m // 12, m % 12 + 1, 1)


def _month_last(m: int) -> dt.date:
    return _month_first(m + 1) - dt.timedelta(days=1)


def _rebuild(coverage: pd.DataFrame, keep_used: bool) -> pd.DataFrame:
    """The incidents coverage rows split into what they keep (``keep_used``) or what they lose."""
    from datasets.coverage import period_label

    if coverage.empty or "source" not in coverage.columns:
        return coverage if keep_used else coverage.iloc[0:0]
    res = _resolved(coverage)
    rows: list[dict[str, object]] = []
    inc = set(res.positions)
    for pos in range(len(coverage)):
        row = coverage.iloc[pos].to_dict()
        if pos not in inc:
            if keep_used:
                rows.append(row)
            continue
        first, last = _day(row["first_day"]), _day(row["last_day"])
        all_months = np.arange(_ordinal(first), _ordinal(last) + 1)
        kept = res.kept.get(pos, all_months)
        months = kept if keep_used else all_months[~np.isin(all_months, kept)]
        if keep_used and len(kept) == len(all_months):
            rows.append(row)
            continue
        for a, b in _segments(months):
            part = dict(row)
            part_first = max(first, _month_first(a))
            part_last = min(last, _month_last(b))
            part["first_day"], part["last_day"] = part_first.isoformat(), part_last.isoformat()
            if "first_period" in part:
                part["first_period"] = period_label(part_first, str(row["grain"]))
                part["last_period"] = period_label(part_last, str(row["grain"]))
            if not keep_used:
                lo, codes = res.owner.get(str(row["iso3"]), (a, np.full(b - a + 1, -1)))
                owners = {res.labels[c] for c in codes[a - lo : b - lo + 1].tolist() if c > 0}
                part["counted_instead"] = ", ".join(sorted(owners)) or None
            rows.append(part)
    columns = list(coverage.columns) + ([] if keep_used else ["counted_instead"])
    return pd.DataFrame(rows, columns=columns).reset_index(drop=True)


def used_coverage(coverage: pd.DataFrame) -> pd.DataFrame:
    """``coverage`` (``datasets.coverage.load_coverage``) with each incidents span trimmed to the
    country-months its source counts (see the module docstring); other tables' rows unchanged.
    The same frame when no two sources share a country-month."""
    if coverage.empty or not overlaps(coverage):
        return coverage
    return _rebuild(coverage, True)


def set_aside(coverage: pd.DataFrame) -> pd.DataFrame:
    """The incidents coverage set aside because another source counts there: the columns of
    ``coverage`` plus ``counted_instead`` (the source that counts those months; empty for the
    rest of a year a yearly source cannot split). No rows when no two sources share a month."""
    if coverage.empty or not overlaps(coverage):
        return pd.DataFrame(columns=[*coverage.columns, "counted_instead"])
    return _rebuild(coverage, False)


def _is_incidents(coverage: pd.DataFrame) -> np.ndarray:
    if "table" not in coverage.columns:
        return np.ones(len(coverage), dtype=bool)
    return (coverage["table"] == "incidents").to_numpy(dtype=bool)


def overlaps(coverage: pd.DataFrame) -> bool:
    """Whether two incidents sources cover a common month of one country (cheap check first)."""
    inc = coverage.loc[_is_incidents(coverage)]
    if inc.empty or inc["source"].nunique() < 2:
        return False
    return any(bool((codes >= 0).any()) for _, codes in _resolved(coverage).owner.values())


def drop_shadowed(incidents: pa.Table, coverage: pd.DataFrame | None) -> pa.Table:
    """``incidents`` without the rows that fall in a country-month another source counts.

    A row (``iso3``, month of ``event_date``, ``source``) is dropped when that country-month is
    covered by two or more sources and its source is not the one that counts (``used_coverage``).
    The same table when no two sources share a country-month."""
    if (
        coverage is None
        or coverage.empty
        or incidents.num_rows == 0
        or "source" not in incidents.column_names
    ):
        return incidents
    if (incidents.schema.metadata or {}).get(COUNTED_KEY) == b"1":
        return incidents  # read by ``datasets.loaders``: already one source per country-month
    res = _resolved(coverage)
    owners = {iso: o for iso, o in res.owner.items() if (o[1] >= 0).any()}
    if not owners:
        return incidents
    countries = pd.Index(sorted(owners))
    lo = min(o[0] for o in owners.values())
    hi = max(o[0] + len(o[1]) - 1 for o in owners.values())
    labels = res.labels
    grid = np.full((len(countries), hi - lo + 1), -1, dtype=np.int32)  # -1: one source, kept
    for c, iso in enumerate(countries):
        first, codes = owners[iso]
        grid[c, first - lo : first - lo + len(codes)] = codes
    src = incidents["source"].combine_chunks().dictionary_encode()
    row_names = [str(s) for s in src.dictionary.to_pylist()]
    # allowed[k, j]: a row of source row_names[k] counts where label j counts
    allowed = np.zeros((len(row_names) + 1, len(labels)), dtype=bool)
    for k, name in enumerate(row_names):
        for j, label in enumerate(labels):
            allowed[k, j] = bool(label) and name in _names(label)
    iso_codes = countries.get_indexer(pc.fill_null(incidents["iso3"], "").to_numpy(zero_copy_only=False))
    dates = incidents["event_date"]
    month = (
        pc.fill_null(pc.year(dates), 0).to_numpy(zero_copy_only=False).astype(np.int64) * 12
        + pc.fill_null(pc.month(dates), 1).to_numpy(zero_copy_only=False).astype(np.int64)
        - 1
    )
    col = month - lo
    inside = (iso_codes >= 0) & (col >= 0) & (col < grid.shape[1])
    label_of = np.full(incidents.num_rows, -1, dtype=np.int32)
    label_of[inside] = grid[iso_codes[inside], col[inside]]
    codes = pc.fill_null(src.indices, len(row_names)).to_numpy(zero_copy_only=False)
    keep = label_of < 0
    shared = ~keep
    keep[shared] = allowed[codes[shared], label_of[shared]]
    if keep.all():
        return incidents
    return incidents.filter(pa.array(keep))


def _years(first: str, last: str) -> str:
    a, b = str(first)[:4], str(last)[:4]
    return a if a == b else f"{a}–{b}"


def overlap_notes(coverage: pd.DataFrame, *, most: int = 4) -> list[str]:
    """Plain sentences saying which source is set aside where, and which counts instead: one per
    source set aside and source counting, naming up to ``most`` countries (with their years) and
    then how many more. No sentences when no two sources share a country-month."""
    from datasets.countries import country_name

    aside = set_aside(coverage)
    if aside.empty:
        return []
    notes = []
    aside = aside.assign(counted_instead=aside["counted_instead"].fillna(""))
    for (source, instead), group in aside.groupby(["source", "counted_instead"], sort=True):
        spans: dict[str, list[str]] = {}
        for iso, a, b in zip(group["iso3"], group["first_day"], group["last_day"], strict=True):
            spans.setdefault(str(iso), []).append(_years(a, b))
        named = [f"{country_name(iso)} ({', '.join(years)})" for iso, years in sorted(spans.items())]
        where = ", ".join(named[:most]) + (
            f" and {len(named) - most} more countries" if len(named) > most else ""
        )
        if instead:
            several = ", " in instead  # e.g. "UCDP BRD, UCDP/PRIO ACD" (each counts in some of them)
            verbs = "cover the same months and count" if several else "covers the same months and counts"
            notes.append(
                f"{source} is set aside for {where}: {instead} {verbs} there, "
                "so the same fighting is not counted twice."
            )
        else:
            notes.append(
                f"{source} counts whole years, so it is set aside in the years another source covers in "
                f"part: {where}."
            )
    return notes
