"""Revision rules of the data store: which stored values are current, and what a new file changes.

Pure functions over Arrow tables and batch records; ``datasets.store`` does the reading and
writing. The rules (also in ``datasets/README.md``):

* A row is identified by its table's key (incidents and collaboration: ``source`` and
  ``event_id``). Among the active batches, the newest batch holding a key gives that key's
  current values; older values stay in their batches (history).
* A batch may also *remove* keys (a newer full export of the same source and scope that no longer
  lists them): a removal hides every older value of the key.
* A new file's rows are *new* (key not current), *revised* (key current, some value differs) or
  *duplicates* (key current with the very same values; not stored again).
* The store "as of" a batch or a moment is the same rule applied to the batches that were active
  then (ingested by then and not withdrawn at that time).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from datasets.ingest import key_strings

__all__ = [
    "Changes",
    "active_at",
    "carry_missing",
    "classify",
    "cutoff",
    "in_scope",
    "latest_values",
    "needs_merge",
]


@dataclass(frozen=True)
class Changes:
    """What a file does to the current rows: boolean masks over its rows, and the keys it removes."""

    new: np.ndarray
    revised: np.ndarray
    duplicate: np.ndarray
    removed: pa.Array  # key strings of current rows a full export no longer lists

    @property
    def counts(self) -> dict[str, int]:
        return {
            "new": int(self.new.sum()),
            "revised": int(self.revised.sum()),
            "duplicates": int(self.duplicate.sum()),
            "removed": len(self.removed),
        }


def needs_merge(records: Sequence[dict[str, object]]) -> bool:
    """Whether any two of these batches may hold the same key (a revision, removal or overlap)."""
    return any(b.get("revised") or b.get("removed") or b.get("overlaps") for b in records)


def latest_values(parts: Sequence[tuple[pa.Table, pa.Array | None]], key: tuple[str, ...]) -> pa.Table:
    """Union of batch tables (oldest first) keeping, for each key, the row of the newest batch.

    ``parts`` are ``(rows, removed_keys)`` per batch; a batch's removed keys hide older rows of
    those keys. Row order within each batch is kept; batches stay in their order.
    """
    kept: list[pa.Table] = []
    seen: pa.Array | None = None
    for rows, removed in reversed(parts):
        keys = key_strings(rows, key)
        if seen is not None and len(seen) and rows.num_rows:
            rows = rows.filter(pc.invert(pc.is_in(keys, value_set=seen)))
        kept.append(rows)
        more = [keys] + ([removed] if removed is not None and len(removed) else [])
        seen = pa.concat_arrays(([seen] if seen is not None else []) + more)
    kept.reverse()
    return pa.concat_tables(kept) if len(kept) > 1 else kept[0]


def _same(a: pa.ChunkedArray | pa.Array, b: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """Element-wise equality where two nulls are equal (lists compared as their joined text)."""
    if pa.types.is_list(a.type):
        a = pc.binary_join(a, "\x1f")
        b = pc.binary_join(b, "\x1f")
    eq = pc.fill_null(pc.equal(a, b), False)
    both_null = pc.and_(pc.is_null(a), pc.is_null(b))
    return np.asarray(pc.or_(eq, both_null).to_numpy(zero_copy_only=False), dtype=bool)


def classify(
    rows: pa.Table,
    current: pa.Table | None,
    key: tuple[str, ...],
    scope: np.ndarray | None = None,
) -> Changes:
    """Sort a file's ``rows`` into new, revised and duplicate against the ``current`` rows.

    ``scope`` (a mask over ``current``) marks the rows a full export covers: those whose key is
    not in ``rows`` are removed. Both tables must have the same columns (the table's schema).
    """
    n = rows.num_rows
    if current is None or current.num_rows == 0:
        return Changes(np.ones(n, bool), np.zeros(n, bool), np.zeros(n, bool), pa.array([], pa.string()))
    mine = key_strings(rows, key)
    theirs = key_strings(current, key)
    where = pc.index_in(mine, value_set=theirs)
    found = np.asarray(pc.is_valid(where).to_numpy(zero_copy_only=False), dtype=bool)
    same = np.zeros(n, dtype=bool)
    if found.any():
        idx = np.flatnonzero(found)
        at = pa.array(np.asarray(where.filter(pc.is_valid(where)).to_numpy(zero_copy_only=False)))
        mine_at = None if len(idx) == n else pa.array(idx)  # every row found: no copy of the file's rows
        equal = np.ones(len(idx), dtype=bool)
        # one column at a time: two copies of a column, never of every row of both tables
        for name in rows.column_names:
            new = rows[name] if mine_at is None else rows[name].take(mine_at)
            equal &= _same(new, current[name].take(at))
        same[idx] = equal
    removed = pa.array([], pa.string())
    if scope is not None and scope.any():
        covered = theirs.filter(pa.array(scope))
        removed = covered.filter(pc.invert(pc.is_in(covered, value_set=mine)))
    return Changes(~found, found & ~same, same, removed)


def carry_missing(
    rows: pa.Table, current: pa.Table | None, key: tuple[str, ...], columns: Sequence[str]
) -> tuple[pa.Table, list[str]]:
    """``rows`` with the ``columns`` the file does not carry taken from the ``current`` rows of the
    same key where the row is otherwise unchanged, and the names of the columns so taken.

    A column the file does not carry is one with no value on any of its rows while the current
    rows of those keys hold some (a WGI download through the API has no standard errors; an
    older ACLED layout has no ``civilian_targeting``). Such a file says nothing about that column,
    so a copy of the same rows must not blank the values stored from a richer copy: a row whose
    every other column equals the current row keeps the current values there (and is then a
    duplicate, not a revision). A row that changes something else keeps its empty cells (a
    stored standard error does not describe a revised estimate), as does a row whose key is not
    current.
    """
    if current is None or current.num_rows == 0 or rows.num_rows == 0:
        return rows, []
    empty = [c for c in columns if c in rows.column_names and rows[c].null_count == rows.num_rows]
    if not empty:
        return rows, []
    where = pc.index_in(key_strings(rows, key), value_set=key_strings(current, key))
    found = np.asarray(pc.is_valid(where).to_numpy(zero_copy_only=False), dtype=bool)
    if not found.any():
        return rows, []
    at = pa.array(np.asarray(where.to_numpy(zero_copy_only=False), dtype=float)[found].astype(np.int64))
    idx = pa.array(np.flatnonzero(found))
    unchanged = np.ones(len(idx), dtype=bool)
    for name in rows.column_names:  # the other columns, one at a time
        if name not in empty:
            unchanged &= _same(rows[name].take(idx), current[name].take(at))
    if not unchanged.any():
        return rows, []
    fill = np.full(rows.num_rows, -1, dtype=np.int64)
    fill[np.flatnonzero(found)[unchanged]] = np.asarray(at.to_numpy())[unchanged]
    take = pa.array(fill, mask=fill < 0)  # null: the row keeps its empty cell
    taken: list[str] = []
    for name in empty:
        values = current[name].take(take)
        if values.null_count == len(values):
            continue
        rows = rows.set_column(rows.schema.get_field_index(name), rows.schema.field(name), values)
        taken.append(name)
    return rows, taken


def in_scope(
    current: pa.Table,
    *,
    sources: Sequence[str],
    countries: Sequence[str],
    first: dt.date | None,
    last: dt.date | None,
    date_column: str,
) -> np.ndarray:
    """Mask of ``current`` rows a full export covers: its sources, its countries, its span of dates."""
    mask = pc.is_in(current["source"], value_set=pa.array(list(sources), pa.string()))
    if "iso3" in current.column_names and countries:
        mask = pc.and_(mask, pc.is_in(current["iso3"], value_set=pa.array(list(countries), pa.string())))
    dates = current[date_column]
    if first is not None:
        mask = pc.and_(mask, pc.greater_equal(dates, pa.scalar(first, dates.type)))
    if last is not None:
        mask = pc.and_(mask, pc.less_equal(dates, pa.scalar(last, dates.type)))
    return np.asarray(pc.fill_null(mask, False).to_numpy(zero_copy_only=False), dtype=bool)


def cutoff(as_of: str, records: Sequence[dict[str, object]]) -> tuple[int | None, str]:
    """The moment ``as_of`` names: ``(seq, timestamp)`` of a batch id, or ``(None, timestamp)``.

    A batch id means "just after that batch was stored"; a date (``YYYY-MM-DD``) the end of that
    day (UTC); a date and time (ISO 8601, UTC unless it says otherwise) that moment.
    Raises ``ValueError`` in one sentence for anything else.
    """
    text = as_of.strip()
    for b in records:
        if b.get("id") == text:
            seq = b.get("seq")
            return (int(seq) if isinstance(seq, int) else None), str(b.get("ingested_at") or "")
    try:
        if len(text) == 10:
            day = dt.date.fromisoformat(text)
            moment = dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=dt.UTC)
        else:
            moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=dt.UTC)
    except ValueError as exc:
        raise ValueError(
            f"--as-of '{as_of}' is neither a batch of the store nor a date or time such as 2025-06-30"
        ) from exc
    return None, moment.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _counts(event_seq: object, event_at: object, seq: int | None, stamp: str) -> bool:
    """Whether an event (ingest, withdrawal, restoration) had happened by the cut-off."""
    if seq is not None and isinstance(event_seq, int):
        return event_seq <= seq
    return bool(event_at) and str(event_at) <= stamp


def active_at(records: Sequence[dict[str, object]], as_of: str) -> list[dict[str, object]]:
    """The batches (oldest first) that were active at ``as_of`` (see ``cutoff``)."""
    seq, stamp = cutoff(as_of, records)
    out = []
    for b in records:
        if not _counts(b.get("seq"), b.get("ingested_at"), seq, stamp):
            continue
        withdrawn = False
        for h in b.get("history") or []:  # type: ignore[union-attr]
            if _counts(h.get("seq"), h.get("at"), seq, stamp):
                withdrawn = h.get("action") == "withdrawn"
        if not withdrawn:
            out.append(b)
    return out
