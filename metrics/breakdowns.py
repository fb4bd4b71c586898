"""Breakdowns the dashboard pages show beside the tidy indicators.

Pure functions: tables in, small pandas frames out, no I/O. Aggregations over the incident and
collaboration tables run in DuckDB through ``metrics.frames.query`` with bound parameters. Periods
are months ``YYYY-MM``; ``start`` and ``end`` are inclusive (from the first day of ``start`` to the
last day of ``end``). ``countries`` is always a list of ISO3 codes: the region's members, or the
subset a user chose.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from datasets.coverage import period_label
from datasets.schema import EVENT_TYPES
from metrics.cube import FATALITY_THRESHOLDS, IncidentCube, cube_counts
from metrics.frames import TableLike, month_range, parse_period, query, with_events
from metrics.trend import mann_kendall

FAMILY_NAMES: tuple[str, ...] = ("conflict", "collaboration", "perception")
IN_FORCE_KINDS: tuple[str, ...] = (
    "defence_agreement",
    "defence_pact",
    "offence_pact",
    "neutrality_pact",
    "non_aggression_pact",
    "consultation_pact",
)


def month_bounds(start: str, end: str) -> tuple[dt.date, dt.date]:
    """First day of month ``start`` and last day of month ``end`` (both ``YYYY-MM``)."""
    s, e = parse_period(start), parse_period(end)
    assert s is not None and e is not None
    if s > e:
        raise ValueError(f"start {start} is after end {end}")
    return s.start_time.date(), e.end_time.date()


def shift_month(period: str, months: int) -> str:
    """``period`` (``YYYY-MM``) moved by ``months`` (negative: earlier)."""
    p = parse_period(period)
    assert p is not None
    return str(p + months)


_FILTER = """
    list_contains($countries, i.iso3)
    AND i.event_date BETWEEN $first AND $last
    AND ($types IS NULL OR list_contains($types, i.event_type))
    AND i.fatalities >= $min_fatalities
"""


def _rows(
    incidents: TableLike | IncidentCube, countries: Sequence[str], start: str, end: str
) -> tuple[TableLike, tuple[str, str] | None]:
    """The rows to scan and, from a cube, the data's span: a cube hands over only the incidents of
    ``countries`` in ``[start, end]`` (binary search on its sorted rows) instead of every row."""
    if isinstance(incidents, IncidentCube):
        first, last = month_bounds(start, end)
        return with_events(incidents.rows_for(countries, first, last)), incidents.span
    return with_events(incidents), None


def _candidates(
    cube: IncidentCube,
    countries: Sequence[str],
    start: str,
    end: str,
    event_types: Sequence[str] | None,
    min_fatalities: int,
) -> tuple[pa.Table, pa.ChunkedArray]:
    """The cube's incidents of ``countries`` in ``[start, end]`` (``rows_for``: binary search, no
    scan) and the mask of those passing the event-type and fatality conditions of ``_FILTER`` (null
    where a type or count is missing: a filter drops it, a sum does not count it). Callers narrow
    the mask before copying any wide column."""
    first, last = month_bounds(start, end)
    rows = cube.rows_for(countries, first, last)
    mask = pc.greater_equal(rows["fatalities"], int(min_fatalities))
    if event_types is not None:
        types = pa.array(list(event_types), rows.schema.field("event_type").type)
        mask = pc.and_(mask, pc.is_in(rows["event_type"], value_set=types))
    return rows, mask


def _params(
    countries: Sequence[str],
    start: str,
    end: str,
    event_types: Sequence[str] | None,
    min_fatalities: int,
) -> dict[str, object]:
    first, last = month_bounds(start, end)
    return {
        "countries": list(countries),
        "first": first,
        "last": last,
        "types": list(event_types) if event_types is not None else None,
        "min_fatalities": int(min_fatalities),
    }


def monthly_by_type(
    incidents: TableLike | IncidentCube,
    countries: Sequence[str],
    *,
    start: str,
    end: str,
    event_types: Sequence[str] | None = None,
    min_fatalities: int = 0,
    covered_months: Sequence[str] | None = None,
    yearly: bool = False,
) -> pd.DataFrame:
    """Incidents and fatalities per month (per year with ``yearly``) and event type for ``countries``.

    Columns: ``period`` (``YYYY-MM``), ``event_type``, ``incidents`` (count of incidents),
    ``fatalities`` (sum of reported deaths). Every month of ``[start, end]`` that lies inside the
    incident data's span appears for every event type kept by the filter, with 0 where no incident
    of that type was recorded (the data covers that month, so none happened); months outside the
    data's span are absent (unknown, not zero). With ``covered_months`` (``metrics.coverage.
    covered_months``: the months the incident data cover enough of the countries' people) only
    those months appear: a month no file covers is missing, never a row of zeros. Event types are
    ordered as in the schema, then any others alphabetically.

    ``yearly`` (``metrics.coverage.yearly_grain``: a covered country's source counts years): the
    periods are years (``YYYY``), each every year that overlaps ``[start, end]`` counted whole, as
    ``conflict.conflict_indicators`` gives such a region's values; a yearly count is never shown as
    the count of its first month with zeros after it.
    """
    if yearly:
        by_month = monthly_by_type(
            incidents,
            countries,
            start=f"{start[:4]}-01",
            end=f"{end[:4]}-12",
            event_types=event_types,
            min_fatalities=min_fatalities,
            covered_months=covered_months,
        )
        out = by_month.assign(period=by_month["period"].str[:4])
        return out.groupby(["period", "event_type"], sort=False, as_index=False)[
            ["incidents", "fatalities"]
        ].sum()
    if isinstance(incidents, IncidentCube) and min_fatalities in FATALITY_THRESHOLDS:
        # the cube's cells answer the counts directly, without touching the incidents
        known_span = incidents.span
        counts = cube_counts(
            incidents,
            countries,
            first_month=start,
            last_month=end,
            event_types=event_types,
            min_fatalities=min_fatalities,
        )
    else:
        incidents, known_span = _rows(incidents, countries, start, end)
        params = _params(countries, start, end, event_types, min_fatalities)
        counts = query(
            f"""SELECT strftime(i.event_date, '%Y-%m') AS period, i.event_type,
                       CAST(sum(coalesce(i.events, 1)) AS BIGINT) AS incidents,
                       CAST(sum(i.fatalities) AS BIGINT) AS fatalities
                FROM incidents AS i WHERE {_FILTER} GROUP BY ALL""",
            params,
            incidents=incidents,
        )
    if known_span is not None:
        span = pd.DataFrame({"a": [known_span[0]], "b": [known_span[1]]})
    elif isinstance(incidents, IncidentCube):  # a cube of no incidents: no span, nothing known
        span = pd.DataFrame({"a": [None], "b": [None]})
    else:
        span = query(
            "SELECT strftime(min(event_date), '%Y-%m') AS a, strftime(max(event_date), '%Y-%m') AS b "
            "FROM incidents",
            incidents=incidents,
        )
    columns = ["period", "event_type", "incidents", "fatalities"]
    empty = pd.DataFrame({c: pd.Series(dtype=object if c in columns[:2] else "int64") for c in columns})
    if span.empty or pd.isna(span.loc[0, "a"]):
        return empty
    first = max(str(span.loc[0, "a"]), start)
    last = min(str(span.loc[0, "b"]), end)
    months = (
        [str(m) for m in month_range(pd.Period(first, "M"), pd.Period(last, "M"))] if first <= last else []
    )
    if covered_months is not None:
        covered = set(covered_months)
        months = [m for m in months if m in covered]
    if not months:
        return empty
    kept = list(event_types) if event_types is not None else list(EVENT_TYPES)
    seen = sorted(set(counts["event_type"]) - set(kept))
    types = [t for t in EVENT_TYPES if t in kept] + sorted(set(kept) - set(EVENT_TYPES)) + seen
    grid = pd.MultiIndex.from_product([months, types], names=["period", "event_type"])
    out = counts.set_index(["period", "event_type"]).reindex(grid).fillna(0).reset_index()
    out["incidents"] = out["incidents"].astype("int64")
    out["fatalities"] = out["fatalities"].astype("int64")
    return out.loc[:, columns]


def top_countries(
    incidents: TableLike | IncidentCube,
    countries: Sequence[str],
    *,
    start: str,
    end: str,
    event_types: Sequence[str] | None = None,
    min_fatalities: int = 0,
    limit: int = 10,
) -> pd.DataFrame:
    """The countries contributing most incidents in ``[start, end]``.

    Columns: ``iso3``, ``incidents`` (count), ``fatalities`` (deaths), ``share`` = the country's
    incidents ÷ all incidents of ``countries`` in the period (share 0–1). Ordered by incidents, then
    fatalities (both descending), then ISO3; at most ``limit`` rows. Countries without incidents are
    not listed.
    """
    if isinstance(incidents, IncidentCube) and min_fatalities in FATALITY_THRESHOLDS:
        per = cube_counts(
            incidents,
            countries,
            first_month=start,
            last_month=end,
            event_types=event_types,
            min_fatalities=min_fatalities,
            by="country",
        )
        per["share"] = per["incidents"] / per["incidents"].sum() if len(per) else []
        per = per.sort_values(["incidents", "fatalities", "iso3"], ascending=[False, False, True])
        return per.head(int(limit)).reset_index(drop=True)
    incidents, _ = _rows(incidents, countries, start, end)
    params = _params(countries, start, end, event_types, min_fatalities)
    params["limit"] = int(limit)
    return query(
        f"""SELECT i.iso3, CAST(sum(coalesce(i.events, 1)) AS BIGINT) AS incidents,
                   CAST(sum(i.fatalities) AS BIGINT) AS fatalities,
                   sum(coalesce(i.events, 1)) / sum(sum(coalesce(i.events, 1))) OVER () AS share
            FROM incidents AS i WHERE {_FILTER}
            GROUP BY i.iso3 ORDER BY incidents DESC, fatalities DESC, i.iso3 LIMIT $limit""",
        params,
        incidents=incidents,
    )


LARGEST_COLUMNS: tuple[str, ...] = (
    "event_date",
    "iso3",
    "country",
    "admin1",
    "event_type",
    "sub_event_type",
    "actor1",
    "actor2",
    "fatalities",
    "source",
    "event_id",
)


def largest_incidents(
    incidents: TableLike | IncidentCube,
    countries: Sequence[str],
    *,
    start: str,
    end: str,
    event_types: Sequence[str] | None = None,
    min_fatalities: int = 0,
    limit: int = 20,
) -> pd.DataFrame:
    """The ``limit`` incidents with the most reported fatalities in ``[start, end]``.

    Ties are broken by the later date, then source and event id, so the order is deterministic.
    Columns: ``LARGEST_COLUMNS``. A row that counts a period rather than dating an event (``grain``
    week, month or year: a conflict-year of UCDP battle-related deaths) gives its period as its date
    (``2023``, ``2023-05``, ``2023-W19``), never the first day the period is stored under; the
    dates are then text (``YYYY-MM-DD`` for events).
    """
    if isinstance(incidents, IncidentCube):
        # only the rows whose deaths reach the ``limit``-th largest can be listed (ties all kept);
        # the query below orders those few exactly as it would order every row
        # (the deaths alone are filtered first: the wide text columns are copied for those few rows)
        rows, mask = _candidates(incidents, countries, start, end, event_types, min_fatalities)
        deaths = rows["fatalities"].filter(mask)
        if len(deaths) > limit > 0:  # the limit-th largest count (a heap: np.partition is slow on ties)
            top = pc.select_k_unstable(deaths, k=limit, sort_keys=[("fatalities", "descending")])
            floor = pc.min(pc.take(deaths, top)).as_py()
            mask = pc.and_(mask, pc.greater_equal(rows["fatalities"], floor))
        wanted = [*LARGEST_COLUMNS, *(["grain"] if "grain" in rows.column_names else [])]
        incidents = rows.select(wanted).filter(mask)
    else:
        incidents, _ = _rows(incidents, countries, start, end)
    params = _params(countries, start, end, event_types, min_fatalities)
    params["limit"] = int(limit)
    grained = "grain" in (incidents.column_names if isinstance(incidents, pa.Table) else incidents.columns)
    cols = ", ".join(f"i.{c}" for c in (*LARGEST_COLUMNS, *(["grain"] if grained else [])))
    out = query(
        f"""SELECT {cols} FROM incidents AS i WHERE {_FILTER}
            ORDER BY i.fatalities DESC, i.event_date DESC, i.source, i.event_id LIMIT $limit""",
        params,
        incidents=incidents,
    )
    if not grained:
        return out
    grain = out.pop("grain")
    if grain.isin(["week", "month", "year"]).any():
        out["event_date"] = [  # a period's label (datasets.coverage.period_label), an event's day
            period_label(d, g) if g in ("week", "month", "year") else pd.Timestamp(d).strftime("%Y-%m-%d")
            for d, g in zip(out["event_date"], grain, strict=True)
        ]
    return out


class Locations(NamedTuple):
    """Incident locations for a map.

    ``frame`` has ``latitude, longitude, incidents, fatalities``: one row per incident when there are
    at most ``max_points`` located incidents (``cell_degrees`` = 0), else one row per grid cell of
    ``cell_degrees`` × ``cell_degrees`` degrees placed at the cell's centre. ``located`` incidents
    have coordinates; ``unlocated`` incidents lack them and are not drawn.
    """

    frame: pd.DataFrame
    cell_degrees: float
    located: int
    unlocated: int


def event_locations(
    incidents: TableLike | IncidentCube,
    countries: Sequence[str],
    *,
    start: str,
    end: str,
    event_types: Sequence[str] | None = None,
    min_fatalities: int = 0,
    max_points: int = 5000,
    first_cell: float = 0.25,
) -> Locations:
    """Locations of the filtered incidents, aggregated to a grid when there are many.

    With more than ``max_points`` located incidents, they are counted per cell of a square grid
    (cell index = floor(coordinate / cell)); the cell size starts at ``first_cell`` degrees and
    doubles until at most ``max_points`` cells are occupied. Per cell: ``incidents`` = count,
    ``fatalities`` = sum of deaths; it is drawn at the cell centre ((index + 0.5) × cell).
    """
    params = _params(countries, start, end, event_types, min_fatalities)
    where = f"FROM incidents AS i WHERE {_FILTER}"
    located_where = f"{where} AND i.latitude IS NOT NULL AND i.longitude IS NOT NULL"
    if isinstance(incidents, IncidentCube):  # the filtered rows in Arrow, then only the located ones
        shown = (
            "latitude",
            "longitude",
            "fatalities",
            "event_date",
            "source",
            "event_id",
            "iso3",
            "event_type",
        )
        rows, mask = _candidates(incidents, countries, start, end, event_types, min_fatalities)
        total = int(pc.sum(mask).as_py() or 0)  # true only: a null (missing type or deaths) fails
        located_mask = pc.and_(mask, pc.and_(rows["latitude"].is_valid(), rows["longitude"].is_valid()))
        located = int(pc.sum(located_mask).as_py() or 0)
        if located > max_points:  # only the three columns the grid needs are copied
            points = rows.select(["latitude", "longitude", "fatalities"]).filter(located_mask)
            return _grid(points.to_pandas(), located, total, first_cell, max_points)
        incidents = rows.select(list(shown)).filter(located_mask)
    else:
        incidents, _ = _rows(incidents, countries, start, end)
        counts = query(
            f"SELECT count(*) AS n, count(i.latitude + i.longitude) AS located {where}",
            params,
            incidents=incidents,
        )
        total, located = int(counts.loc[0, "n"]), int(counts.loc[0, "located"])
    if located <= max_points:
        frame = query(
            f"""SELECT i.latitude, i.longitude, 1 AS incidents, i.fatalities {located_where}
                ORDER BY i.event_date, i.source, i.event_id""",
            params,
            incidents=incidents,
        )
        return Locations(frame, 0.0, located, total - located)
    pts = query(f"SELECT i.latitude, i.longitude, i.fatalities {located_where}", params, incidents=incidents)
    return _grid(pts, located, total, first_cell, max_points)


#: Cell indices (|index| < 2^30) packed into one int64 key: (row + offset) × base + (column + offset).
_OFFSET = 1 << 30
_BASE = 1 << 31


#: The finest cells are counted on a dense array while the points' bounding box has at most this many
#: cells (the whole globe at 0.25° has 720 × 1,440 ≈ 1.04 M), else hashed.
_DENSE_CELLS = 4_000_000


def _finest_cells(rows0: np.ndarray, cols0: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The occupied cells of points with cell indices ``rows0, cols0``: each point's cell code and each
    code's row and column index.

    Within a small bounding box the cell (r, c) is the position (r − r_min) × width + (c − c_min) of a
    dense array, so the occupied cells are its non-zero counts and a point's code is a look-up, with
    no hashing of every point; otherwise ``pd.factorize`` of the packed index. Codes number the
    cells in either order: ``_grid`` sorts its output by position."""
    if len(rows0) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64)
    r_lo, c_lo = int(rows0.min()), int(cols0.min())
    height, width = int(rows0.max()) - r_lo + 1, int(cols0.max()) - c_lo + 1
    if height * width <= _DENSE_CELLS:
        flat = (rows0 - r_lo) * width + (cols0 - c_lo)
        occupied = np.flatnonzero(np.bincount(flat, minlength=height * width))
        lookup = np.empty(height * width, dtype=np.int64)
        lookup[occupied] = np.arange(len(occupied), dtype=np.int64)
        return lookup[flat], occupied // width + r_lo, occupied % width + c_lo
    codes0, cells0 = pd.factorize((rows0 + _OFFSET) * _BASE + (cols0 + _OFFSET))
    return codes0, cells0 // _BASE - _OFFSET, cells0 % _BASE - _OFFSET


def _grid(pts: pd.DataFrame, located: int, total: int, first_cell: float, max_points: int) -> Locations:
    """``event_locations``' grid of the located points ``pts`` (``latitude, longitude, fatalities``).

    Cell sizes double from ``first_cell``; a cell of size c·2^k holds exactly the cells of size c
    whose indices agree after an arithmetic shift by k bits (x / (c·2^k) = (x / c) / 2^k, exact in
    floating point, and (x >> k) >> 1 = x >> (k + 1)), so each size is tried on the occupied cells of
    the size before it, not on every point."""
    lat = pts["latitude"].to_numpy(dtype=float)
    lon = pts["longitude"].to_numpy(dtype=float)
    rows0 = np.floor(lat / first_cell).astype(np.int64)
    cols0 = np.floor(lon / first_cell).astype(np.int64)
    codes, u_rows, u_cols = _finest_cells(rows0, cols0)
    k = 0
    while len(u_rows) > max_points:  # the occupied cells of twice the size, from those of this size
        up, u_rows, u_cols = _finest_cells(u_rows >> 1, u_cols >> 1)
        codes = up[codes]
        k += 1
    cell = first_cell * 2**k
    incidents_per = np.bincount(codes, minlength=len(u_rows))
    deaths = np.bincount(codes, weights=pts["fatalities"].to_numpy(dtype=float), minlength=len(u_rows))
    frame = pd.DataFrame(
        {
            "latitude": (u_rows + 0.5) * cell,
            "longitude": (u_cols + 0.5) * cell,
            "incidents": incidents_per.astype(np.int64),
            "fatalities": deaths.astype(np.int64),
        }
    )
    frame = frame.sort_values(["latitude", "longitude"], kind="stable").reset_index(drop=True)
    return Locations(frame, cell, located, total - located)


EDGE_COLUMNS: tuple[str, ...] = ("source", "target", "engagements", "source_member", "target_member")


def collaboration_edges(
    collaboration: TableLike,
    members: Sequence[str],
    *,
    start: str,
    end: str,
) -> pd.DataFrame:
    """Pairs of participants tied by engagements concerning a region in ``[start, end]``.

    An engagement concerns the region when at least one participant is in ``members``; it is active
    in the period when it starts on or before the period's last day and ends on or after its first
    day, where its end is ``end_date`` when given, else (agreements) still in force, else (point
    engagements) its start date. For every such engagement, each unordered pair {a, b} of distinct
    participants (members and partners alike) gains one. Columns: ``source`` < ``target``
    (participant codes), ``engagements`` (count), ``source_member``/``target_member`` (bool).
    Ordered by engagements (descending), then source and target.
    """
    first, last = month_bounds(start, end)
    out = query(
        """WITH e AS (
               SELECT row_number() OVER () AS eid, participants FROM collaboration
               WHERE start_date <= $last
                 AND coalesce(end_date,
                              CASE WHEN list_contains($in_force, kind) THEN DATE '9999-12-31'
                                   ELSE start_date END) >= $first),
           p AS (SELECT DISTINCT eid, unnest(participants) AS code FROM e),
           c AS (SELECT DISTINCT eid FROM p WHERE list_contains($members, code))
           SELECT a.code AS source, b.code AS target, count(*) AS engagements
           FROM p AS a JOIN p AS b ON a.eid = b.eid AND a.code < b.code
           WHERE a.eid IN (SELECT eid FROM c) AND a.code IS NOT NULL AND b.code IS NOT NULL
           GROUP BY ALL ORDER BY engagements DESC, source, target""",
        {"first": first, "last": last, "members": list(members), "in_force": list(IN_FORCE_KINDS)},
        collaboration=collaboration,
    )
    member_set = set(members)
    out["source_member"] = out["source"].isin(member_set)
    out["target_member"] = out["target"].isin(member_set)
    out["engagements"] = out["engagements"].astype("int64")
    return out.loc[:, list(EDGE_COLUMNS)]


def _value_at(frame: pd.DataFrame, period: str | None) -> dict[str, float]:
    if period is None:
        return {}
    rows = frame.loc[frame["period"] == period]
    return dict(zip(rows["indicator"], rows["value"].astype(float), strict=True))


def region_ranking(
    composite: pd.DataFrame, regions: Sequence[str], *, period: str, previous: str
) -> pd.DataFrame:
    """Ranked table of ``regions`` by stability index in ``period``, with changes since ``previous``.

    ``composite`` is the tidy composite family (``stability_index``, ``score_<family>``, ``coverage``).
    Columns: ``rank`` (1 = most stable; empty without an index), ``region``, ``stability_index`` and
    ``score_<family>`` (0–100) in ``period``, ``change_<name>`` = value in ``period`` − value in
    ``previous`` (index points; empty when either is missing) and ``coverage`` (share 0–1). Regions
    without an index come last, alphabetically.
    """
    names = ["stability_index", *(f"score_{f}" for f in FAMILY_NAMES)]
    rows = []
    for region in regions:
        sub = composite.loc[composite["region"] == region]
        now, before = _value_at(sub, period), _value_at(sub, previous)
        row: dict[str, object] = {"region": region}
        for n in names:
            v, b = now.get(n, math.nan), before.get(n, math.nan)
            row[n] = v
            row[f"change_{n}"] = v - b
        row["coverage"] = now.get("coverage", math.nan)
        rows.append(row)
    cols = ["region", *names, *(f"change_{n}" for n in names), "coverage"]
    out = pd.DataFrame(rows, columns=cols)
    for c in cols[1:]:
        out[c] = out[c].astype(float)
    out = out.sort_values(["stability_index", "region"], ascending=[False, True], na_position="last")
    out = out.reset_index(drop=True)
    ranks = np.arange(1, len(out) + 1, dtype=float)
    out.insert(0, "rank", pd.array(np.where(out["stability_index"].notna(), ranks, np.nan), dtype="Int64"))
    return out


def family_drivers(
    composite: pd.DataFrame,
    *,
    period: str,
    previous: str,
    weights: Mapping[str, float],
) -> pd.DataFrame:
    """What moved one region's stability index between ``previous`` and ``period``.

    ``composite`` holds one region's tidy composite rows. Per family f with weight w_f: ``score`` and
    ``previous`` (0–100), ``change`` = score − previous (points), and ``contribution`` =
    w_f · change / Σ w_g over the families with a score in both months (index points; the
    contributions add up to the index change when the same families have data in both months).
    Empty where a score is missing. Ordered by |contribution|, largest first (missing last).
    """
    now, before = _value_at(composite, period), _value_at(composite, previous)
    both = [
        f
        for f in FAMILY_NAMES
        if math.isfinite(now.get(f"score_{f}", math.nan))
        and math.isfinite(before.get(f"score_{f}", math.nan))
    ]
    total = sum(float(weights.get(f, 0.0)) for f in both)
    rows = []
    for f in FAMILY_NAMES:
        s, b = now.get(f"score_{f}", math.nan), before.get(f"score_{f}", math.nan)
        change = s - b
        contribution = float(weights.get(f, 0.0)) * change / total if f in both and total > 0 else math.nan
        rows.append({"family": f, "score": s, "previous": b, "change": change, "contribution": contribution})
    out = pd.DataFrame(rows)
    order = out["contribution"].abs().fillna(-1.0)
    return out.iloc[np.argsort(-order.to_numpy(), kind="stable")].reset_index(drop=True)


def country_values(
    composite: pd.DataFrame,
    memberships: pd.DataFrame,
    *,
    period: str,
    prefer: str | None = None,
) -> pd.DataFrame:
    """Each member country coloured by its region's stability index in ``period``.

    ``memberships`` has ``region, iso3`` for the regions to draw (one grouping). A country in several
    of them takes the value of ``prefer`` when it is a member, else of the first region
    alphabetically. Columns: ``iso3``, ``region``, ``value`` (0–100; empty when the region has no
    index in that month).
    """
    idx = composite.loc[(composite["indicator"] == "stability_index") & (composite["period"] == period)]
    values = dict(zip(idx["region"], idx["value"].astype(float), strict=True))
    m = memberships.loc[:, ["region", "iso3"]].drop_duplicates()
    m = m.assign(first=(m["region"] != prefer) if prefer is not None else True)
    m = m.sort_values(["iso3", "first", "region"]).drop_duplicates("iso3").reset_index(drop=True)
    return pd.DataFrame(
        {
            "iso3": m["iso3"].astype(object),
            "region": m["region"].astype(object),
            "value": m["region"].map(values).astype(float),
        }
    )


def sen_line(values: Sequence[float]) -> tuple[float, float, float]:
    """Sen's trend line through equally spaced ``values`` (x = 0, 1, …).

    Returns ``(slope, intercept, p_value)``: slope = Sen's slope (median pairwise slope, units of the
    values per step), intercept = median(yᵢ − slope·xᵢ), p = two-sided Mann–Kendall p-value. All NaN
    with fewer than 3 values or any value missing.
    """
    y = np.asarray(values, dtype=float)
    if y.size < 3 or not np.isfinite(y).all():
        return math.nan, math.nan, math.nan
    _, p, slope = mann_kendall(y)
    intercept = float(np.median(y - slope * np.arange(y.size)))
    return float(slope), intercept, float(p)


def table_coverage(
    table: TableLike, *, date_column: str, country_column: str, country_lists: bool = False
) -> dict[str, object]:
    """Rows, distinct countries and date span of a table.

    ``country_column`` holds ISO3 codes, or lists of codes when ``country_lists`` (collaboration
    participants). Column names come from the schemas, never from user input. Returns ``rows``,
    ``countries`` (distinct codes), ``first`` and ``last`` (ISO dates; None when empty).
    """
    codes = f"unnest({country_column})" if country_lists else country_column
    out = query(
        f"""SELECT (SELECT count(*) FROM t) AS rows,
                   (SELECT count(DISTINCT code) FROM (SELECT {codes} AS code FROM t)) AS countries,
                   (SELECT min({date_column}) FROM t) AS first,
                   (SELECT max({date_column}) FROM t) AS last""",
        t=table,
    )
    first, last = out.loc[0, "first"], out.loc[0, "last"]
    return {
        "rows": int(out.loc[0, "rows"]),
        "countries": int(out.loc[0, "countries"]),
        "first": None if pd.isna(first) else pd.Timestamp(first).date().isoformat(),
        "last": None if pd.isna(last) else pd.Timestamp(last).date().isoformat(),
    }
