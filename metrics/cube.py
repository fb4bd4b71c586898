"""Incidents pre-aggregated for interactive filtering at archive scale.

A filter change in the dashboard must not rescan millions of incidents. ``build_cube`` aggregates
the incidents table once (per data version) into cells of country × admin1 × month × event type ×
fatality class holding the incident count, the fatality sum and the civilian-targeting counts, with
every key stored as a small integer code. ``cube_monthly_counts`` then answers any choice of
regions, countries, event types and minimum-fatalities threshold (from ``FATALITY_THRESHOLDS``)
exactly, with a few vectorised passes over the cells (``numpy.bincount``) instead of a scan of the
incidents.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd
import pyarrow as pa

from datasets.loaders import sort_incidents
from metrics.frames import TableLike, query, region_members
from metrics.periods import Month

#: Minimum-fatalities thresholds the cube can filter on exactly (class k holds incidents with
#: FATALITY_THRESHOLDS[k] ≤ fatalities < FATALITY_THRESHOLDS[k + 1]).
FATALITY_THRESHOLDS: tuple[int, ...] = (0, 1, 5, 10, 25, 100)

_CUBE_SQL = """
SELECT iso3, coalesce(admin1, '') AS admin1,
       CAST(year(CAST(event_date AS DATE)) * 12 + month(CAST(event_date AS DATE)) - 1 AS INTEGER) AS month,
       event_type,
       CAST(CASE WHEN fatalities >= 100 THEN 5 WHEN fatalities >= 25 THEN 4 WHEN fatalities >= 10 THEN 3
                 WHEN fatalities >= 5 THEN 2 WHEN fatalities >= 1 THEN 1 ELSE 0 END AS TINYINT) AS fclass,
       sum(coalesce(events, 1)) AS n,
       sum(fatalities) AS f,
       coalesce(sum(coalesce(events, 1)) FILTER (WHERE civilian_targeting), 0) AS civ,
       coalesce(sum(coalesce(events, 1)) FILTER (WHERE civilian_targeting IS NOT NULL), 0) AS known
FROM incidents
GROUP BY ALL
"""


@dataclass(frozen=True, eq=False)
class IncidentCube:
    """Aggregated incident cells with integer-coded keys.

    ``countries``: ISO3 per country code; ``admin_country``: country code of each admin code;
    ``admin_named``: whether the admin code stands for a named admin1 (not empty);
    ``event_types``: name per type code; ``first_month``: month index (year·12 + month − 1) of
    month code 0; ``n_months``: months in the span. Cell arrays: ``country``, ``admin``, ``month``,
    ``etype``, ``fclass`` (codes) and ``n``, ``f``, ``civ``, ``known`` (counts and sums).
    """

    countries: np.ndarray
    admin_country: np.ndarray
    admin_named: np.ndarray
    event_types: np.ndarray
    first_month: int
    n_months: int
    country: np.ndarray
    admin: np.ndarray
    month: np.ndarray
    etype: np.ndarray
    fclass: np.ndarray
    n: np.ndarray
    f: np.ndarray
    civ: np.ndarray
    known: np.ndarray
    incidents: pa.Table | None = None
    row_ranges: dict[str, tuple[int, int]] = field(default_factory=dict)
    days: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    #: admin1 name per admin code ("" for incidents without one); None for a cube built before it.
    admin_names: np.ndarray | None = None

    def rows_for(self, countries: Sequence[str], first: dt.date, last: dt.date) -> pa.Table:
        """The incidents of ``countries`` dated ``first``..``last`` (inclusive), zero-copy slices.

        The cube keeps the incidents sorted by country then date, with each country's row range, so
        a region's incidents in a period are found by binary search instead of a scan.
        """
        if self.incidents is None:
            raise ValueError("this cube was built without its incidents")
        lo_day = (np.datetime64(first, "D") - _EPOCH).astype(np.int64)
        hi_day = (np.datetime64(last, "D") - _EPOCH).astype(np.int64)
        slices = []
        for iso in sorted(set(countries)):
            if iso not in self.row_ranges:
                continue
            a, b = self.row_ranges[iso]
            days = self.days[a:b]
            i = a + int(np.searchsorted(days, lo_day, side="left"))
            j = a + int(np.searchsorted(days, hi_day, side="right"))
            if j > i:
                slices.append(self.incidents.slice(i, j - i))
        if not slices:
            return self.incidents.slice(0, 0)
        return pa.concat_tables(slices)

    @cached_property
    def _cells_by_country(self) -> tuple[np.ndarray, np.ndarray]:
        """Cell positions ordered by country code, and where each code's run starts (one more entry
        than codes: country k's cells are ``order[starts[k]:starts[k + 1]]``). Built on first use."""
        order = np.argsort(self.country, kind="stable")
        return order, _runs(self.country[order], len(self.countries))

    def cells_of(self, countries: Sequence[str]) -> np.ndarray:
        """Positions of the cells of ``countries`` (country by country), without a scan of every cell."""
        codes = np.flatnonzero(np.isin(self.countries, list(countries)))
        if not len(codes):
            return np.zeros(0, dtype=np.int64)
        order, starts = self._cells_by_country
        return np.concatenate([order[starts[k] : starts[k + 1]] for k in codes])

    @cached_property
    def country_months(self) -> CountryMonths | None:
        """The cells summed over admin1 units, with each admin unit's months (``CountryMonths``);
        built on first use, once per cube. None when the cube has more event types × fatality
        classes than one 64-bit mask holds (more than 10 event types): counts then read the cells."""
        return CountryMonths.of(self)

    @property
    def rows(self) -> int:
        """Incidents behind the cube."""
        return int(self.n.sum())

    @property
    def nbytes(self) -> int:
        """Bytes of the cube's own arrays (the incidents it indexes are shared, not counted)."""
        arrays = (getattr(self, k) for k in self.__dataclass_fields__)
        return int(sum(a.nbytes for a in arrays if isinstance(a, np.ndarray)))

    @property
    def span(self) -> tuple[str, str] | None:
        """First and last month (``YYYY-MM``) of the incidents, or None when empty."""
        if self.n_months == 0:
            return None
        return _label(self.first_month), _label(self.first_month + self.n_months - 1)


_EPOCH = np.datetime64("1970-01-01", "D")


def _runs(codes: np.ndarray, count: int) -> np.ndarray:
    """Where each code's run starts in the sorted ``codes`` (``count + 1`` entries)."""
    return np.searchsorted(codes, np.arange(count + 1))


def _slices(starts: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """The positions of the runs of ``codes``, run by run (``starts`` from ``_runs``)."""
    if not len(codes):
        return np.zeros(0, dtype=np.int64)
    return np.concatenate([np.arange(starts[k], starts[k + 1]) for k in codes])


@dataclass(frozen=True, eq=False)
class CountryMonths:
    """The cube's cells summed over admin1 units, and the months each admin unit was active in.

    Cells: one per country × month × event type × fatality class present, sorted by country
    (``starts[k]``: where country code k's run begins) then month, with ``cell_key`` = country ·
    months + month, ``etype``, ``fclass``, and ``n``, ``f``, ``civ`` and ``known`` summed over the
    admin units (whole numbers, so the sums are exact in float64). Admin months: one per admin unit
    × month with any cell, sorted by the unit's country (``admin_starts``), with ``unit_key`` =
    country · months + month, ``admin`` (the unit's code), ``unit_named`` and ``kinds``, a 64-bit
    mask with bit ``etype·6 + fclass`` set for every event type and fatality class the unit had
    that month. A choice of event types and a minimum-fatalities class is a mask (``selector``); a
    unit was active in a month under that choice when ``kinds & selector ≠ 0``.
    """

    cell_key: np.ndarray
    etype: np.ndarray
    fclass: np.ndarray
    n: np.ndarray
    f: np.ndarray
    civ: np.ndarray
    known: np.ndarray
    starts: np.ndarray
    unit_key: np.ndarray
    admin: np.ndarray
    unit_named: np.ndarray
    kinds: np.ndarray
    admin_starts: np.ndarray

    @classmethod
    def of(cls, cube: IncidentCube) -> CountryMonths | None:
        """Built from ``cube``'s cells; None when its event types × fatality classes exceed 64."""
        classes = len(FATALITY_THRESHOLDS)
        if len(cube.event_types) * classes > 64:
            return None
        months, types = max(cube.n_months, 1), max(len(cube.event_types), 1)
        place = cube.country.astype(np.int64) * months + cube.month  # country · months + month
        key = (place * types + cube.etype) * classes + cube.fclass
        uniq, inverse = np.unique(key, return_inverse=True)  # sorted: country, then month

        def total(values: np.ndarray) -> np.ndarray:
            return np.bincount(inverse, weights=values, minlength=len(uniq))

        cell_place = uniq // (types * classes)
        # the admin units' months, ordered by the unit's country, then unit, then month
        shift = cube.etype.astype(np.uint64) * np.uint64(classes) + cube.fclass.astype(np.uint64)
        bit = np.left_shift(np.uint64(1), shift)
        unit_country = cube.admin_country[cube.admin].astype(np.int64)
        pair = (unit_country * (len(cube.admin_country) or 1) + cube.admin) * months + cube.month
        order = np.argsort(pair, kind="stable")
        sorted_pair = pair[order]
        first = np.flatnonzero(np.r_[True, sorted_pair[1:] != sorted_pair[:-1]]) if len(order) else order
        kinds = np.bitwise_or.reduceat(bit[order], first) if len(order) else np.zeros(0, np.uint64)
        p_admin = cube.admin[order][first]
        p_country = unit_country[order][first]
        return cls(
            cell_key=cell_place,
            etype=(uniq // classes % types).astype(np.int8),
            fclass=(uniq % classes).astype(np.int8),
            n=total(cube.n),
            f=total(cube.f),
            civ=total(cube.civ),
            known=total(cube.known),
            starts=_runs(cell_place // months, len(cube.countries)),
            unit_key=p_country * months + cube.month[order][first],
            admin=p_admin.astype(np.int32),
            unit_named=cube.admin_named[p_admin].astype(bool),
            kinds=kinds,
            admin_starts=_runs(p_country, len(cube.countries)),
        )

    def selector(self, cube: IncidentCube, event_types: Sequence[str] | None, k: int) -> np.uint64:
        """The mask of the kept event types (all when None) in fatality classes ≥ ``k``."""
        classes = len(FATALITY_THRESHOLDS)
        kept = np.isin(cube.event_types, list(event_types)) if event_types is not None else None
        mask = 0
        for t in range(len(cube.event_types)):
            if kept is None or kept[t]:
                for c in range(k, classes):
                    mask |= 1 << (t * classes + c)
        return np.uint64(mask)


def _row_index(table: pa.Table) -> tuple[dict[str, tuple[int, int]], np.ndarray]:
    iso = table["iso3"].to_numpy(zero_copy_only=False)
    starts = np.flatnonzero(np.r_[True, iso[1:] != iso[:-1]]) if len(iso) else np.zeros(0, dtype=int)
    ends = np.r_[starts[1:], len(iso)]
    ranges = {str(iso[a]): (int(a), int(b)) for a, b in zip(starts, ends, strict=True)}
    days = table["event_date"].cast(pa.int32()).to_numpy(zero_copy_only=False)
    return ranges, days


def _label(month_index: int) -> str:
    return f"{month_index // 12:04d}-{month_index % 12 + 1:02d}"


def build_cube(incidents: TableLike, *, presorted: bool = False) -> IncidentCube:
    """Aggregate ``incidents`` (raw table) into an ``IncidentCube`` (DuckDB, then integer coding).

    The cube also keeps the incidents, sorted by country and date (``sort_incidents``: no copy when
    they already are, as ``datasets.loaders`` loads them), for queries that need whole rows;
    ``presorted=True`` says they are already in that order (the check is skipped).

    Per cell: ``n`` = incidents (Σ ``events``, an empty ``events`` counting 1); ``f`` = fatalities
    (deaths); ``civ`` = incidents targeting civilians;
    ``known`` = incidents whose civilian targeting is known.
    """
    table = (
        incidents
        if isinstance(incidents, pa.Table)
        else pa.Table.from_pandas(incidents, preserve_index=False)
    )
    if not presorted:
        table = sort_incidents(table)
    if "events" not in table.column_names:  # one incident per row
        table = table.append_column("events", pa.array(np.ones(table.num_rows, dtype=np.int64)))
    ranges, days = _row_index(table) if table.num_rows else ({}, np.zeros(0, dtype=np.int32))
    cells = query(_CUBE_SQL, incidents=table)
    if cells.empty:
        empty = np.zeros(0, dtype=np.int64)
        return IncidentCube(
            np.array([], dtype=object),
            empty,
            np.zeros(0, bool),
            np.array([], dtype=object),
            0,
            0,
            empty,
            empty,
            empty,
            empty,
            empty,
            empty,
            empty,
            empty,
            empty,
        )
    country, countries = pd.factorize(cells["iso3"], sort=True)
    pair = pd.MultiIndex.from_arrays([country, cells["admin1"].to_numpy()])
    admin, admins = pd.factorize(pair, sort=True)
    etype, types = pd.factorize(cells["event_type"], sort=True)
    months = cells["month"].to_numpy(dtype=np.int64)
    first = int(months.min())
    return IncidentCube(
        countries=np.asarray(countries, dtype=object),
        admin_country=np.asarray(admins.get_level_values(0), dtype=np.int64),
        admin_named=np.asarray(admins.get_level_values(1) != "", dtype=bool),
        event_types=np.asarray(types, dtype=object),
        first_month=first,
        n_months=int(months.max()) - first + 1,
        country=country.astype(np.int32),
        admin=admin.astype(np.int32),
        month=(months - first).astype(np.int32),
        etype=etype.astype(np.int8),
        fclass=cells["fclass"].to_numpy(dtype=np.int8),
        n=cells["n"].to_numpy(dtype=np.float64),
        f=cells["f"].to_numpy(dtype=np.float64),
        civ=cells["civ"].to_numpy(dtype=np.float64),
        known=cells["known"].to_numpy(dtype=np.float64),
        incidents=table,
        row_ranges=ranges,
        days=days,
        admin_names=np.asarray(admins.get_level_values(1), dtype=object),
    )


def fatality_class(min_fatalities: int) -> int:
    """The class index of a threshold; ``ValueError`` when the cube cannot filter on it exactly."""
    if min_fatalities not in FATALITY_THRESHOLDS:
        allowed = ", ".join(str(t) for t in FATALITY_THRESHOLDS)
        raise ValueError(f"minimum fatalities must be one of {allowed} (got {min_fatalities})")
    return FATALITY_THRESHOLDS.index(min_fatalities)


def _per_country(
    cube: IncidentCube, codes: np.ndarray, event_types: Sequence[str] | None, k: int
) -> tuple[np.ndarray, ...]:
    """Country (``codes``, in order) × month grids under the filters: incidents, fatalities,
    civilian-targeting incidents, incidents with civilian targeting known, named admin1 units
    active; and per country the named admin1 units active in any month. From the cells summed over
    admin units (``IncidentCube.country_months``) when the cube has them, else from the cells."""
    agg = cube.country_months
    if agg is None:
        return _per_country_cells(cube, codes, event_types, k)
    n_c, n_m = len(codes), cube.n_months
    if n_c == len(cube.countries):  # every country: the cube's codes are the local codes
        local = None
        rows, pairs = slice(None), slice(None)
    else:
        local = np.full(len(cube.countries), -1, dtype=np.int64)
        local[codes] = np.arange(n_c)
        rows, pairs = _slices(agg.starts, codes), _slices(agg.admin_starts, codes)

    def local_key(place: np.ndarray) -> np.ndarray:
        """country · months + month with the cube's country code turned into the local one."""
        return place if local is None else local[place // n_m] * n_m + place % n_m

    keep = np.ones(len(agg.n), dtype=bool)[rows]
    if event_types is not None:
        keep &= np.isin(cube.event_types, list(event_types))[agg.etype[rows]]
    if k > 0:
        keep &= agg.fclass[rows] >= k
    key = local_key(agg.cell_key[rows])[keep]

    def per_country(values: np.ndarray) -> np.ndarray:
        return np.bincount(key, weights=values[rows][keep], minlength=n_c * n_m).reshape(n_c, n_m)

    sums = [per_country(v) for v in (agg.n, agg.f, agg.civ, agg.known)]
    # each (named unit, month) once, so counting them counts distinct units
    on = ((agg.kinds[pairs] & agg.selector(cube, event_types, k)) != 0) & agg.unit_named[pairs]
    active = np.bincount(local_key(agg.unit_key[pairs])[on], minlength=n_c * n_m).reshape(n_c, n_m)
    ever_units = np.flatnonzero(np.bincount(agg.admin[pairs][on], minlength=len(cube.admin_country)))
    unit_countries = cube.admin_country[ever_units].astype(np.int64)
    ever = np.bincount(unit_countries if local is None else local[unit_countries], minlength=n_c)
    return (*sums, active, ever.astype(float))


def _per_country_cells(
    cube: IncidentCube, codes: np.ndarray, event_types: Sequence[str] | None, k: int
) -> tuple[np.ndarray, ...]:
    """``_per_country`` read from the cells themselves (a cube with too many event types)."""
    every = len(codes) == len(cube.countries)
    cells = np.arange(len(cube.n)) if every else cube.cells_of(cube.countries[codes])
    if event_types is not None:
        cells = cells[np.isin(cube.event_types, list(event_types))[cube.etype[cells]]]
    if k > 0:
        cells = cells[cube.fclass[cells] >= k]
    n_c, n_m = len(codes), cube.n_months
    local = np.searchsorted(codes, cube.country[cells])
    month = cube.month[cells].astype(np.int64)
    key = local * n_m + month

    def per_country(values: np.ndarray) -> np.ndarray:
        return np.bincount(key, weights=values[cells], minlength=n_c * n_m).reshape(n_c, n_m)

    inc, fat, civ, known = (per_country(v) for v in (cube.n, cube.f, cube.civ, cube.known))
    used = np.bincount(cube.admin[cells], minlength=len(cube.admin_country)) > 0
    admins = np.flatnonzero(used)  # the admin units with a kept cell, coded 0 … n_a − 1 in order
    a_local = (np.cumsum(used) - 1)[cube.admin[cells]]
    n_a = len(admins)
    active = (
        np.bincount(a_local * n_m + month, minlength=n_a * n_m).reshape(n_a, n_m) > 0
    ) & cube.admin_named[admins][:, None]
    a_country = np.searchsorted(codes, cube.admin_country[admins])  # the local country of each unit
    a_rows, a_months = np.nonzero(active)
    country_active = np.bincount(a_country[a_rows] * n_m + a_months, minlength=n_c * n_m).reshape(n_c, n_m)
    country_ever = np.bincount(a_country[active.any(axis=1)], minlength=n_c).astype(float)
    return inc, fat, civ, known, country_active, country_ever


def cube_country_grids(
    cube: IncidentCube,
    countries: Sequence[str],
    *,
    event_types: Sequence[str] | None = None,
    min_fatalities: int = 0,
) -> tuple[np.ndarray, dict[str, np.ndarray], np.ndarray]:
    """Country × month grids of ``countries`` from the cube, for ``conflict_indicators``.

    Returns ``(found, grids, ever)``: ``found`` the ISO3 codes of ``countries`` the cube holds (the
    grids' rows, in the cube's order); ``grids`` with ``incidents``, ``fatalities``, ``civ``,
    ``civ_known`` and ``admin_active`` (as ``cube_monthly_counts`` for regions of one country each),
    one column per cube month from ``cube.first_month``; ``ever`` the named admin1 units of each
    country with a kept cell in any month.
    """
    codes = np.flatnonzero(np.isin(cube.countries, list(countries)))
    inc, fat, civ, known, active, ever = _per_country(
        cube, codes, event_types, fatality_class(int(min_fatalities))
    )
    grids = {"incidents": inc, "fatalities": fat, "civ": civ, "civ_known": known, "admin_active": active}
    return cube.countries[codes], grids, ever


def cube_monthly_counts(
    cube: IncidentCube,
    regions: pd.DataFrame,
    *,
    event_types: Sequence[str] | None = None,
    min_fatalities: int = 0,
    countries: Sequence[str] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, tuple[str, str] | None]:
    """Region × month aggregates from the cube, in the shape of ``metrics.conflict.monthly_counts``.

    For region r and month t: incidents = Σ n, fatalities = Σ f, civ = Σ civ, civ_known = Σ known
    over the kept cells of r's member countries; admin_active = distinct named admin1 units with a
    kept cell in t; admin_ever (per region) = distinct named admin1 units with any kept cell.
    Only region-months with at least one incident are returned, as from the raw table.
    """
    members = region_members(regions)
    if countries is not None:
        members = members.loc[members["iso3"].isin(list(countries))]
    # only the members' cells are read; countries and admin units are coded locally (0 … k − 1)
    codes = np.flatnonzero(np.isin(cube.countries, members["iso3"].unique()))
    n_c, n_m = len(codes), cube.n_months
    inc, fat, civ, known, country_active, country_ever = _per_country(
        cube, codes, event_types, fatality_class(int(min_fatalities))
    )
    names = np.asarray(sorted(members["region"].unique()), dtype=object)
    pairs = members.loc[members["iso3"].isin(cube.countries)]
    p_region = pd.Index(names).get_indexer(pairs["region"])
    p_country = pd.Index(cube.countries[codes]).get_indexer(pairs["iso3"])

    membership = np.zeros((len(names), n_c))
    membership[p_region, p_country] = 1.0  # a country counts once per region

    def per_region(values: np.ndarray) -> np.ndarray:
        # Σ over each region's member countries (whole numbers: exact in float64)
        return membership @ np.asarray(values, dtype=float)

    r_inc = per_region(inc)
    ri, mi = np.nonzero(r_inc > 0)
    labels = np.asarray([_label(cube.first_month + m) for m in range(n_m)], dtype=object)
    monthly = pd.DataFrame(
        {
            "region": names[ri],
            "period": labels[mi],
            "incidents": r_inc[ri, mi],
            "fatalities": per_region(fat)[ri, mi],
            "civ": per_region(civ)[ri, mi],
            "civ_known": per_region(known)[ri, mi],
            "admin_active": per_region(country_active)[ri, mi],
        }
    )
    ever = per_region(country_ever)
    present = (r_inc > 0).any(axis=1) & (ever > 0)  # as the raw scan: regions with a named admin1
    per_region_frame = pd.DataFrame({"region": names[present], "admin_ever": ever[present]})
    return monthly, per_region_frame, cube.span


def cube_counts(
    cube: IncidentCube,
    countries: Sequence[str],
    *,
    first_month: str,
    last_month: str,
    event_types: Sequence[str] | None = None,
    min_fatalities: int = 0,
    by: str = "month_type",
) -> pd.DataFrame:
    """Incidents (Σ n) and fatalities (Σ f) of ``countries`` in ``[first_month, last_month]``
    (``YYYY-MM``) from the cube's cells, grouped ``by`` "month_type" (columns ``period, event_type,
    incidents, fatalities``, only non-empty groups) or "country" (``iso3, incidents, fatalities``).
    ``min_fatalities`` must be one of ``FATALITY_THRESHOLDS``."""
    k = fatality_class(int(min_fatalities))
    lo = Month(first_month).ordinal - cube.first_month  # ordinal = 12 × year + month − 1
    hi = Month(last_month).ordinal - cube.first_month
    cells = cube.cells_of(countries)  # only the countries' cells are read
    month, etype = cube.month[cells], cube.etype[cells]
    keep = (month >= lo) & (month <= hi) & (cube.fclass[cells] >= k)
    if event_types is not None:
        keep &= np.isin(cube.event_types, list(event_types))[etype]
    cells = cells[keep]
    if by == "country":
        groups, names = cube.country[cells], np.asarray(cube.countries, dtype=object)
        size = len(names)
    else:
        n_t = len(cube.event_types)
        groups = month[keep].astype(np.int64) * n_t + etype[keep]
        size = max(cube.n_months, 1) * n_t
    inc = np.bincount(groups, weights=cube.n[cells], minlength=size)
    fat = np.bincount(groups, weights=cube.f[cells], minlength=size)
    hit = np.flatnonzero(inc > 0)
    if by == "country":
        return pd.DataFrame(
            {
                "iso3": names[hit],
                "incidents": inc[hit].astype(np.int64),
                "fatalities": fat[hit].astype(np.int64),
            }
        )
    n_t = len(cube.event_types)
    return pd.DataFrame(
        {
            "period": [_label(cube.first_month + int(m)) for m in hit // n_t],
            "event_type": np.asarray(cube.event_types, dtype=object)[hit % n_t],
            "incidents": inc[hit].astype(np.int64),
            "fatalities": fat[hit].astype(np.int64),
        }
    )
