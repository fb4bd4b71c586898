"""Importers for incident files that count per period: UCDP conflict-years and ACLED aggregates.

Each row stored stands for a count over a period (``events``) at a time grain (``grain``:
``week``, ``month`` or ``year``), dated on the first day of its period (``event_date``).

UCDP/PRIO Armed Conflict Dataset (ACD; ``ucdp_acd``)
    One row per conflict-year **per location country**: ``gwno_loc`` (Gleditsch-Ward codes) may
    list several countries (``"651, 666"`` for Egypt and Israel); each location country gets its
    own row, so a conflict fought over two countries is counted once in each of them (and twice
    in a region holding both). ``events`` = 1 (one active conflict in that country and year);
    ``event_type`` "Battles", ``sub_event_type`` "State-based armed conflict (<type of
    conflict>)"; ``side_a``/``side_b`` -> actor1/actor2. ACD gives no death count, only an
    intensity level: 1 = 25–999 battle-related deaths in the year, 2 = 1,000 or more.
    ``fatalities`` holds the **lower bound** of that level (25 or 1,000 deaths) and ``notes``
    states the level and its range, so a yearly death count from ACD is a floor, never an
    estimate. For death counts load UCDP battle-related deaths instead (not both: the two files
    describe the same conflicts).
UCDP Battle-Related Deaths (BRD; ``ucdp_brd``)
    One row per conflict-year, or per dyad-year when the file has ``dyad_id`` (the conflict-level
    file users re-export often does: several dyads of one conflict in one year), per location
    country (``gwno_loc``, as ACD; the countries where the battles took place,
    ``battle_location``, are named in ``notes``). ``event_id`` joins conflict, dyad, year and
    country. ``fatalities`` = ``bd_best``
    (the best estimate, deaths); ``notes`` keeps ``bd_low`` and ``bd_high``
    ("battle-related deaths: best 27, low 23, high 27"). A conflict-year located in several
    countries credits each of them with its deaths (UCDP does not split them).
ACLED aggregated data, weekly (``acled_weekly``)
    ACLED's weekly table per admin1, event type and sub-event type: ``week`` (the Saturday that
    starts the week) -> event_date, ``events`` and ``fatalities`` as given, ``country`` by exact
    name, ``admin1``, ``event_type``, ``sub_event_type``; the admin1 centroid as latitude and
    longitude. ``event_id`` joins week, country, admin1 and sub-event type. grain ``week``.
ACLED aggregated data, country-month (``acled_monthly``)
    One row per country, month and year (``Country``, ``Month`` as a name or number, ``Year``,
    ``Events``, ``Fatalities``; an ``Event Type`` column when the table has one). A table that
    sums several event types (such as "political violence") without naming them, or gives
    events without fatalities, is refused with a sentence saying what to download instead:
    the incidents table keeps counts by ACLED event type, with deaths.

Correlates of War, Inter-State War Data (``cow_war``)
    One row per war participant (``WarNum``, ``ccode``, ``StateName``, ``Side``) per calendar year
    of its participation (``StartYear1``–``EndYear1``, and ``StartYear2``–``EndYear2`` when it took
    part twice), ``grain`` "year", ``events`` = 1, event type Battles, sub-event type
    "Inter-state war: <WarName>"; country = the participant (COW state number). ``-8`` (not
    applicable) and ``-9`` (unknown) are missing codes, never values; ``-7`` (ongoing) as an end year
    is read as the start year, with a note. COW gives a participant's battle deaths (``BatDeath``)
    for the whole war, not by year: they are stored on the row of the year it entered the war and
    the later years of the same war carry 0 with a note in ``notes`` that its deaths are counted in
    that first year (so yearly sums are deaths by year of entry). A participant whose deaths are
    unknown (``-9``) is refused by row: no number is made up. Historical states without a country
    code today (Bavaria, the Papal States, Austria-Hungary, …) are refused by row.

Identifiers written as whole numbers with a zero fraction (``11342.0``, as spreadsheets and pandas
save them) are read as the whole number (``convert.whole_id``), so a re-saved file gives the same
event ids; a fraction there is refused by row.

Every importer sets ``info["coverage"]``: the UCDP and COW files are global ("all") over their
year span when they list at least 30 countries, as their releases do, else they cover the
countries they list (a release cut to one country); ACLED's aggregates cover the countries they
list over their first to last period.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from datasets.countries import iso3_from_cow, iso3_from_gw_year
from datasets.ingest import convert as cv
from datasets.ingest.canonical import Converted, Given, Problem, convert, find_columns
from datasets.schema import INCIDENTS

__all__ = ["AGGREGATED_SIGNATURES", "detect_aggregated", "import_aggregated"]

#: Format key -> columns (lower case) that identify it.
AGGREGATED_SIGNATURES: dict[str, tuple[str, ...]] = {
    "ucdp_brd": ("conflict_id", "year", "bd_best"),
    "ucdp_acd": ("conflict_id", "year", "intensity_level", "gwno_loc"),
    "acled_weekly": ("week", "country", "event_type", "events"),
    "acled_monthly": ("country", "month", "year", "events"),
    "cow_war": ("warnum", "ccode", "startyear1", "endyear1", "batdeath"),
}

#: UCDP ``type_of_conflict`` codes.
_CONFLICT_TYPES = {
    1: "extrasystemic",
    2: "interstate",
    3: "intrastate",
    4: "internationalized intrastate",
}
#: ACD ``intensity_level`` -> (lower bound of deaths, description).
_INTENSITY = {
    1: (25, "intensity level 1 (minor: 25 to 999 battle-related deaths in the year)"),
    2: (1000, "intensity level 2 (war: at least 1,000 battle-related deaths in the year)"),
}


def detect_aggregated(columns: list[str]) -> str | None:
    """The aggregated layout a header matches (a key of ``AGGREGATED_SIGNATURES``), or None.

    The country-month signature also accepts a ``fatalities`` column in place of ``events``.
    """
    names = set(find_columns(columns))
    for key, sig in AGGREGATED_SIGNATURES.items():
        if set(sig) <= names:
            return key
    if {"country", "month", "year", "fatalities"} <= names and "week" not in names:
        return "acled_monthly"
    return None


def import_aggregated(src: pa.Table, fmt: str) -> Converted:
    """Read ``src`` (text columns) in aggregated layout ``fmt``; see the module docstring."""
    if fmt in ("ucdp_acd", "ucdp_brd"):
        return _ucdp_years(src, brd=fmt == "ucdp_brd")
    if fmt == "acled_weekly":
        return _acled_weekly(src)
    if fmt == "acled_monthly":
        return _acled_monthly(src)
    if fmt == "cow_war":
        return _cow_war(src)
    raise ValueError(f"unknown aggregated format '{fmt}'")


def _int(value: object) -> int | None:
    text = str(value or "").strip()
    if re.fullmatch(r"[+-]?\d+(\.0*)?", text):
        return int(float(text))
    return None


def _shown(value: object) -> str:
    """A cell as the note shows it: a whole number as its digits (``23.0`` -> ``23``), other text as
    written, an empty cell as "not given"."""
    text = str(value or "").strip()
    if not text:
        return "not given"
    n = _int(text)
    return text if n is None else str(n)


#: The problem stated for a ``bd_best`` that is not a count (``"1,667"``, ``12.5``).
_BD_NOT_WHOLE = (
    "not a whole number: battle-related deaths are a count written with digits only, such as 1667 "
    "(no thousands separator, no decimals)"
)


def _remap(problems: list[Problem], rows_of: np.ndarray) -> list[Problem]:
    """Problems on rows of an expanded table, moved to the file rows they come from."""
    out = []
    for p in problems:
        file_rows, first = np.unique(rows_of[np.asarray(p.rows, dtype=np.int64)], return_index=True)
        values = [p.values[k] for k in first.tolist()] if p.values is not None else None
        out.append(Problem(file_rows, p.column, p.problem, values))
    return out


def _listed(out: Converted) -> object:
    """The countries a conflict-year file speaks for: every country ("all") when it lists at least
    ``GLOBAL_MIN_COUNTRIES`` (30) of them, as the global release does (a country without a row is
    one without a conflict that year); else only those it lists (a release cut to one country or a
    few says nothing of the others)."""
    from datasets.coverage import GLOBAL_MIN_COUNTRIES

    countries = sorted(str(c) for c in pc.unique(pc.drop_null(out.table["iso3"])).to_pylist())
    return "all" if len(countries) >= GLOBAL_MIN_COUNTRIES else countries


def _coverage(first: dt.date | None, last: dt.date | None, countries: object) -> dict[str, object]:
    return {
        "countries": countries,
        "first": first.isoformat() if first else None,
        "last": last.isoformat() if last else None,
    }


def _ucdp_years(src: pa.Table, *, brd: bool) -> Converted:
    lookup = find_columns(src.column_names)
    col = {k: lookup.get(k) for k in (
        "conflict_id", "dyad_id", "year", "gwno_loc", "location", "location_inc", "side_a", "side_b",
        "type_of_conflict", "intensity_level", "bd_best", "bd_low", "bd_high", "gwno_battle",
        "battle_location",
    )}  # fmt: skip
    name = "UCDP battle-related deaths" if brd else "UCDP/PRIO Armed Conflict Dataset"
    needed = ["conflict_id", "year", "gwno_loc", "bd_best" if brd else "intensity_level"]
    missing = [k for k in needed if col[k] is None]
    if missing:
        return Converted(pa.table({}), missing=missing)
    data = {k: (src[v].to_pylist() if v else [None] * src.num_rows) for k, v in col.items()}
    rows: dict[str, list[object]] = {
        k: []
        for k in (
            "event_id", "event_date", "iso3", "country", "actor1", "actor2", "sub_event_type",
            "fatalities", "notes",
        )
    }  # fmt: skip
    origin: list[int] = []
    bad: dict[tuple[str, str], tuple[list[int], list[object]]] = {}

    def fail(row: int, column: str, problem: str, value: object) -> None:
        rs, vs = bad.setdefault((column, problem), ([], []))
        rs.append(row)
        vs.append(value)

    several = 0
    years: list[int] = []
    for i in range(src.num_rows):
        year = _int(data["year"][i])
        if year is None:
            fail(i, col["year"] or "year", "year is not a whole number such as 2019", data["year"][i])
            continue
        years.append(year)  # the file covers its years, whatever a row's other problems
        codes = [c.strip() for c in str(data["gwno_loc"][i] or "").split(",") if c.strip()]
        isos = [iso3_from_gw_year(c, year) for c in codes]  # GW 345: Yugoslavia, then Serbia
        if not codes or any(x is None for x in isos):
            fail(
                i,
                col["gwno_loc"] or "gwno_loc",
                "unknown country: not a Gleditsch-Ward state number this tool knows",
                data["gwno_loc"][i],
            )
            continue
        # ids written as 11342.0 (a spreadsheet's export) are the same conflict and dyad as 11342
        conflict = cv.whole_id(str(data["conflict_id"][i] or ""))
        dyad = cv.whole_id(str(data["dyad_id"][i])) if data["dyad_id"][i] else ""
        if conflict is None or dyad is None:
            which = "conflict_id" if conflict is None else "dyad_id"
            fail(i, col[which] or which, cv.ID_PROBLEM, data[which][i])
            continue
        several += len(codes) > 1
        loc = data["location_inc"][i] if brd else data["location"][i]
        names = [n.strip() for n in str(loc or "").split(",")]
        kind = _CONFLICT_TYPES.get(_int(data["type_of_conflict"][i]) or 0)
        if brd:
            best = _int(data["bd_best"][i])
            if best is None and str(data["bd_best"][i] or "").strip():
                # refused here, so the row is not reported again as missing its deaths
                fail(i, col["bd_best"] or "bd_best", _BD_NOT_WHOLE, data["bd_best"][i])
                continue
            deaths: object = None if best is None else str(best)
            note = (
                f"battle-related deaths: best {_shown(data['bd_best'][i])}, low {_shown(data['bd_low'][i])}, "
                f"high {_shown(data['bd_high'][i])}"
            )
            if data["battle_location"][i]:
                note += f"; battles in {data['battle_location'][i]}"
        else:
            level = _INTENSITY.get(_int(data["intensity_level"][i]) or 0)
            if level is None:
                fail(
                    i,
                    col["intensity_level"] or "intensity_level",
                    "intensity_level must be 1 (25 to 999 deaths) or 2 (1,000 or more)",
                    data["intensity_level"][i],
                )
                continue
            deaths = str(level[0])
            note = f"{level[1]}; fatalities is the level's lower bound"
        for k, iso in enumerate(isos):
            origin.append(i)
            rows["event_id"].append(f"{conflict}{'-' + dyad if dyad else ''}-{year}-{iso}")
            rows["event_date"].append(f"{year}-01-01")
            rows["iso3"].append(iso)
            rows["country"].append(names[k] if len(names) == len(isos) else loc)
            rows["actor1"].append(data["side_a"][i])
            rows["actor2"].append(data["side_b"][i])
            rows["sub_event_type"].append(
                f"State-based armed conflict ({kind})" if kind else "State-based armed conflict"
            )
            rows["fatalities"].append(deaths)
            rows["notes"].append(note)
    expanded = pa.table({k: pa.array(v, pa.string()) for k, v in rows.items()})
    columns = {k: k for k in rows if k != "iso3"}
    used_names = {
        "event_id": ", ".join(
            c for c in (col["conflict_id"], col["dyad_id"], col["year"], col["gwno_loc"]) if c
        ),
        "event_date": col["year"] or "year",
        "country": (col["location_inc"] if brd else col["location"]) or "",
        "actor1": col["side_a"] or "",
        "actor2": col["side_b"] or "",
        "sub_event_type": col["type_of_conflict"] or "",
        "fatalities": (col["bd_best"] if brd else col["intensity_level"]) or "",
        "notes": ", ".join(
            c for c in ((col["bd_low"], col["bd_high"]) if brd else (col["intensity_level"],)) if c
        ),
    }
    n = expanded.num_rows
    prepared = {"iso3": Given(expanded["iso3"].combine_chunks(), None, "", col["gwno_loc"] or "gwno_loc")}
    out = convert(
        expanded,
        INCIDENTS,
        columns,
        constants={
            "source": "UCDP BRD" if brd else "UCDP/PRIO ACD",
            "event_type": "Battles",
            "events": 1,
            "grain": "year",
        },
        prepared=prepared,
    )
    rows_of = np.asarray(origin, dtype=np.int64)
    problems = [Problem(np.asarray(rs, dtype=np.int64), c, p, vs) for (c, p), (rs, vs) in bad.items()]
    for p in _remap(out.problems, rows_of):
        p = Problem(p.rows, used_names.get(p.column, p.column) or p.column, p.problem, p.values)
        problems.append(p)
    out.problems = problems
    out.used = {k: used_names.get(k, v) for k, v in out.used.items()}
    out.origin = (np.arange(n, dtype=np.int64), rows_of)
    if several:
        out.notes.append(
            f"{several} conflict-year row(s) name several location countries (gwno_loc); each country "
            f"is counted with the whole conflict-year{' and its deaths' if brd else ''}, so a region "
            "holding several of them counts it more than once."
        )
    if not brd:
        out.notes.append(
            f"{name} gives an intensity level, not a death count: fatalities holds the level's lower "
            "bound (25 or 1,000 deaths), so yearly deaths from this file are a floor."
        )
    if years:
        out.info["coverage"] = _coverage(dt.date(min(years), 1, 1), dt.date(max(years), 12, 31), _listed(out))
    out.info["grain"] = "year"
    return out


def _acled_weekly(src: pa.Table) -> Converted:
    lookup = find_columns(src.column_names)
    lat = lookup.get("centroid_latitude") or lookup.get("latitude")
    lon = lookup.get("centroid_longitude") or lookup.get("longitude")
    wanted = {
        "event_date": lookup.get("week"),
        "country": lookup.get("country"),
        "iso3": lookup.get("country"),
        "admin1": lookup.get("admin1") or lookup.get("admin 1"),
        "event_type": lookup.get("event_type"),
        "sub_event_type": lookup.get("sub_event_type"),
        "events": lookup.get("events"),
        "fatalities": lookup.get("fatalities"),
        "latitude": lat,
        "longitude": lon,
    }
    columns = {k: v for k, v in wanted.items() if v}
    parts = [cv.text(src[v]) for v in (wanted["event_date"], wanted["country"], wanted["admin1"]) if v]
    parts.append(cv.text(src[wanted["sub_event_type"] or wanted["event_type"] or ""]))
    ids = pc.binary_join_element_wise(*[pc.fill_null(p, "") for p in parts], "|")
    prepared = {"event_id": Given(ids, None, "", "")}
    out = convert(
        src,
        INCIDENTS,
        columns,
        constants={"source": "ACLED aggregated", "grain": "week"},
        prepared=prepared,
    )
    out.used["event_id"] = "week, country, admin1, sub_event_type"
    if not out.missing:
        _period_coverage(out, lambda d: d + dt.timedelta(days=6))
        out.info["grain"] = "week"
    return out


def _month_number(value: object) -> int | None:
    text = str(value or "").strip()
    n = _int(text)
    if n is not None:
        return n if 1 <= n <= 12 else None
    low = text.casefold()
    for k in range(1, 13):
        if low in (calendar.month_name[k].casefold(), calendar.month_abbr[k].casefold()):
            return k
    return None


def _acled_monthly(src: pa.Table) -> Converted:
    lookup = find_columns(src.column_names)
    country, month, year = lookup["country"], lookup["month"], lookup["year"]
    etype = lookup.get("event_type") or lookup.get("event type")
    if etype is None:
        return Converted(
            pa.table({}),
            file_problems=[
                "This ACLED country-month table sums several event types without naming them; the "
                "incidents table keeps counts by ACLED event type, so download ACLED's weekly "
                "aggregated table (it has event_type) or the events themselves."
            ],
        )
    if "events" not in lookup or "fatalities" not in lookup:
        given = "events" if "events" in lookup else "fatalities"
        return Converted(
            pa.table({}),
            file_problems=[
                f"This ACLED country-month table gives {given} only; the incidents table needs both "
                "events and fatalities per row, so download the table that has both columns or the "
                "weekly aggregated table."
            ],
        )
    months = [_month_number(v) for v in src[month].to_pylist()]
    years = [_int(v) for v in src[year].to_pylist()]
    dates = [
        f"{y:04d}-{m:02d}-01" if y is not None and m is not None else None
        for y, m in zip(years, months, strict=True)
    ]
    raw_m, raw_y = src[month].to_pylist(), src[year].to_pylist()
    bad = [
        (str(a or "").strip() != "" and m is None) or (str(b or "").strip() != "" and y is None)
        for a, m, b, y in zip(raw_m, months, raw_y, years, strict=True)
    ]
    date_arr = pa.array([dt.date.fromisoformat(d) if d else None for d in dates], pa.date32())
    ids = pc.binary_join_element_wise(
        pc.fill_null(cv.text(src[country]), ""),
        pa.array([d or "" for d in dates], pa.string()),
        pc.fill_null(cv.text(src[etype]), ""),
        "|",
    )
    prepared = {
        "event_id": Given(ids, None, "", ""),
        "event_date": Given(
            date_arr,
            pa.array(bad, pa.bool_()),
            "month or year could not be read (a month name or 1 to 12, a year such as 2023)",
            month,
        ),
    }
    columns = {
        "country": country,
        "iso3": country,
        "event_type": etype,
        "events": lookup["events"],
        "fatalities": lookup["fatalities"],
    }
    if "admin1" in lookup:
        columns["admin1"] = lookup["admin1"]
    out = convert(
        src,
        INCIDENTS,
        columns,
        constants={"source": "ACLED aggregated", "grain": "month"},
        prepared=prepared,
    )
    out.used["event_id"] = f"{country}, {year}, {month}, {etype}"
    if not out.missing:

        def month_end(d: dt.date) -> dt.date:
            return d.replace(day=calendar.monthrange(d.year, d.month)[1])

        _period_coverage(out, month_end)
        out.info["grain"] = "month"
    return out


def _period_coverage(out: Converted, period_end: Callable[[dt.date], dt.date]) -> None:
    """``info["coverage"]``: the countries listed, from the first period to the end of the last."""
    table = out.table
    dates = pc.drop_null(table["event_date"])
    if not len(dates):
        return
    mm = pc.min_max(dates).as_py()
    countries = sorted(str(c) for c in pc.unique(pc.drop_null(table["iso3"])).to_pylist())
    out.info["coverage"] = _coverage(mm["min"], period_end(mm["max"]), countries)


def _cow_deaths_problem(raw: object) -> str:
    """Why a participant's ``BatDeath`` is not stored: a missing code (-9 unknown, -8 not applicable),
    another negative number (no count of deaths is below 0), an empty cell, or no whole number."""
    deaths = _int(raw)
    if not str(raw or "").strip():
        return "battle deaths not given (empty): not stored as any number"
    if deaths == -9:
        return "battle deaths unknown (-9, COW's missing code): not stored as any number"
    if deaths == -8:
        return "battle deaths not applicable (-8, COW's missing code): not stored as any number"
    if deaths is not None:
        return (
            "a negative number other than the missing codes -8 and -9 is not a count of deaths: "
            "not stored as any number"
        )
    return "not a whole number: battle deaths are a count such as 1500 (no thousands separator, no decimals)"


def _cow_war(src: pa.Table) -> Converted:
    lookup = find_columns(src.column_names)
    data = {k: src[lookup[k]].to_pylist() if k in lookup else [None] * src.num_rows for k in (
        "warnum", "warname", "ccode", "statename", "side", "startyear1", "endyear1", "startyear2",
        "endyear2", "batdeath",
    )}  # fmt: skip
    rows: dict[str, list[object]] = {
        k: [] for k in ("event_id", "event_date", "iso3", "country", "sub_event_type", "fatalities", "notes")
    }
    origin: list[int] = []
    bad: dict[tuple[str, str], tuple[list[int], list[object]]] = {}

    def fail(row: int, key: str, problem: str) -> None:
        rs, vs = bad.setdefault((lookup.get(key, key), problem), ([], []))
        rs.append(row)
        vs.append(data[key][row])

    ongoing = 0
    years_seen: list[int] = []
    for i in range(src.num_rows):
        # the file covers its years, whatever a row's other problems
        years_seen.extend(
            y for k in ("startyear1", "endyear1") if (y := _int(data[k][i])) is not None and y > 0
        )
        iso = iso3_from_cow(data["ccode"][i])
        if iso is None:
            fail(i, "ccode", "not a Correlates of War state number with a country code today")
            continue
        deaths = _int(data["batdeath"][i])
        if deaths is None or deaths < 0:
            fail(i, "batdeath", _cow_deaths_problem(data["batdeath"][i]))
            continue
        key = [cv.whole_id(str(data[k][i] or "")) for k in ("warnum", "ccode", "side")]
        if None in key:  # WarNum 1.0 is war 1: the same participant-years as in the original file
            k = ("warnum", "ccode", "side")[key.index(None)]
            fail(i, k, cv.ID_PROBLEM)
            continue
        years: list[int] = []
        for a, b in (("startyear1", "endyear1"), ("startyear2", "endyear2")):
            first, last = _int(data[a][i]), _int(data[b][i])
            if first is None or first < 0:
                if a == "startyear1":
                    fail(i, a, "start year missing (-8/-9) or not a year")
                continue
            if last == -7:
                ongoing += 1
                last = first
            if last is None or last < first:
                fail(i, b, "end year missing (-8/-9), not a year, or before the start year")
                years = []
                break
            years.extend(range(first, last + 1))
        if not years:
            continue
        years = sorted(set(years))
        years_seen.extend(years)  # a second spell may end later
        war = f"{data['warname'][i] or key[0]}"
        for k, year in enumerate(years):
            origin.append(i)
            rows["event_id"].append(f"{key[0]}-{key[1]}-{key[2]}-{year}")
            rows["event_date"].append(f"{year}-01-01")
            rows["iso3"].append(iso)
            rows["country"].append(data["statename"][i])
            rows["sub_event_type"].append(f"Inter-state war: {war}")
            rows["fatalities"].append(str(deaths) if k == 0 else "0")
            rows["notes"].append(
                f"battle deaths of this participant for the whole war ({deaths}) are counted in {years[0]}"
                + ("" if k == 0 else "; 0 here is not an observation")
            )
    expanded = pa.table({k: pa.array(v, pa.string()) for k, v in rows.items()})
    out = convert(
        expanded,
        INCIDENTS,
        {k: k for k in rows if k != "iso3"},
        constants={"source": "COW inter-state war", "event_type": "Battles", "events": 1, "grain": "year"},
        prepared={"iso3": Given(expanded["iso3"].combine_chunks(), None, "", lookup.get("ccode", "ccode"))},
    )
    rows_of = np.asarray(origin, dtype=np.int64)
    names = {
        "event_id": "WarNum, ccode, Side, year",
        "event_date": "StartYear1–EndYear1",
        "country": lookup.get("statename", ""),
        "sub_event_type": lookup.get("warname", ""),
        "fatalities": lookup.get("batdeath", ""),
    }
    problems = [Problem(np.asarray(rs, dtype=np.int64), c, p, vs) for (c, p), (rs, vs) in bad.items()]
    problems += [
        Problem(p.rows, names.get(p.column) or p.column, p.problem, p.values)
        for p in _remap(out.problems, rows_of)
    ]
    out.problems = problems
    out.used = {k: names.get(k, v) or v for k, v in out.used.items()}
    out.origin = (np.arange(expanded.num_rows, dtype=np.int64), rows_of)
    out.notes.append(
        "COW gives each participant's battle deaths for the whole war: they are counted in the year it "
        "entered the war, and its later years of the same war carry 0 (stated in notes), so yearly deaths "
        "from this file are deaths by year of entry."
    )
    if ongoing:
        out.notes.append(
            f"{ongoing} participation(s) marked ongoing (-7) are read as ending in their start year."
        )
    if years_seen:
        out.info["coverage"] = _coverage(
            dt.date(min(years_seen), 1, 1), dt.date(max(years_seen), 12, 31), _listed(out)
        )
    out.info["grain"] = "year"
    return out
