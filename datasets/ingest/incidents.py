"""Importers for incident files: ACLED (current and older layouts), UCDP GED, canonical, mapped.

Each importer reads a table of text columns (``sniff.parse``) and returns ``Converted``: the
rows conformed to ``datasets.schema.INCIDENTS`` and every problem found while reading them.

ACLED, current layout
    ``event_id_cnty`` -> event_id; ``event_date`` (``YYYY-MM-DD``); country from ``iso`` (ISO
    3166 numeric), else from the ``country`` name (ACLED gives Kosovo ``iso`` 0);
    ``civilian_targeting`` non-empty -> True, empty -> False; ``event_type``, ``sub_event_type``,
    ``actor1``, ``actor2``, ``admin1``, ``latitude``, ``longitude``, ``fatalities``, ``notes`` as
    they are. ``source`` = "ACLED" (ACLED's own ``source`` column names the news sources).
ACLED, older layout
    The same, with ``data_id`` as event_id when ``event_id_cnty`` is absent, dates such as
    ``15 January 2023``, country from the ``iso3`` column first, and no ``disorder_type`` or
    ``civilian_targeting`` (civilian targeting is then unknown, not false). Older event types
    are mapped to the current ones (``canonical.LEGACY_EVENT_TYPES``).
UCDP GED
    ``id`` (older layouts: ``relid``) -> event_id (``157230.0``, as a spreadsheet re-saves it, is
    ``157230``; ACLED's ``data_id`` too: ``convert.whole_id``); ``date_start`` -> event_date; country from
    ``country_id`` (Gleditsch-Ward), else the ``country`` name; fatalities = ``best`` (older:
    ``best_est``); ``type_of_violence``
    1 (state-based) and 2 (non-state) -> "Battles", 3 (one-sided) -> "Violence against
    civilians" with civilian targeting True (False for 1 and 2); ``side_a``/``side_b`` ->
    actor1/actor2; ``adm_1`` -> admin1. ``source`` = "UCDP GED".
Canonical
    The project's own columns (``datasets/README.md``).
Mapped ("any other CSV")
    A ``ColumnMapping`` says which column holds what; without an event id column, rows are
    identified as ``<first 12 hex of the file's SHA-256>-<record number>``.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from datasets.countries import GW_DATED, iso3_from_gw, iso3_from_gw_year, iso3_from_numeric, to_iso3
from datasets.ingest import convert as cv
from datasets.ingest.aggregated import AGGREGATED_SIGNATURES, detect_aggregated, import_aggregated
from datasets.ingest.canonical import Converted, Given, convert, find_columns, import_canonical
from datasets.ingest.mapping import ColumnMapping
from datasets.schema import INCIDENTS

__all__ = ["INCIDENT_FORMATS", "IncidentFormat", "detect_incidents", "import_incidents"]


@dataclass(frozen=True)
class IncidentFormat:
    """A file layout: its key, the label users read, and the attribution its data requires."""

    key: str
    label: str
    attribution: str
    signature: tuple[str, ...]


INCIDENT_FORMATS: dict[str, IncidentFormat] = {
    f.key: f
    for f in (
        IncidentFormat(
            "acled",
            "ACLED export",
            "Armed Conflict Location & Event Data (ACLED), acleddata.com",
            ("event_id_cnty", "event_date", "event_type"),
        ),
        IncidentFormat(
            "acled_old",
            "ACLED export (older layout)",
            "Armed Conflict Location & Event Data (ACLED), acleddata.com",
            ("data_id", "event_date", "event_type"),
        ),
        IncidentFormat(
            "ucdp",
            "UCDP GED",
            "UCDP Georeferenced Event Dataset (GED), Uppsala Conflict Data Program",
            ("id", "type_of_violence", "date_start"),
        ),
        IncidentFormat(
            "ucdp_acd",
            "UCDP/PRIO Armed Conflict Dataset (conflict-years)",
            "UCDP/PRIO Armed Conflict Dataset, Uppsala Conflict Data Program and PRIO",
            AGGREGATED_SIGNATURES["ucdp_acd"],
        ),
        IncidentFormat(
            "ucdp_brd",
            "UCDP battle-related deaths (conflict-years)",
            "UCDP Battle-Related Deaths Dataset, Uppsala Conflict Data Program",
            AGGREGATED_SIGNATURES["ucdp_brd"],
        ),
        IncidentFormat(
            "acled_weekly",
            "ACLED aggregated data (weekly, admin1)",
            "Armed Conflict Location & Event Data (ACLED), acleddata.com",
            AGGREGATED_SIGNATURES["acled_weekly"],
        ),
        IncidentFormat(
            "acled_monthly",
            "ACLED aggregated data (country-month)",
            "Armed Conflict Location & Event Data (ACLED), acleddata.com",
            AGGREGATED_SIGNATURES["acled_monthly"],
        ),
        IncidentFormat(
            "cow_war",
            "Correlates of War inter-state war data (participant-years)",
            "Correlates of War Project, Inter-State War Data (Sarkees & Wayman)",
            AGGREGATED_SIGNATURES["cow_war"],
        ),
        IncidentFormat("canonical", "Canonical incidents table", "", ("event_id", "event_date", "iso3")),
        IncidentFormat("mapped", "Any other CSV (column mapping)", "", ()),
    )
}

_ACLED_TEXT = {
    "country": "country",
    "admin1": "admin1",
    "event_type": "event_type",
    "sub_event_type": "sub_event_type",
    "actor1": "actor1",
    "actor2": "actor2",
    "fatalities": "fatalities",
    "latitude": "latitude",
    "longitude": "longitude",
    "notes": "notes",
}


def detect_incidents(columns: list[str]) -> str | None:
    """The incident layout a header matches best (a key of ``INCIDENT_FORMATS``), or None.

    ACLED is recognised by ``event_date`` and ``event_type`` with ``event_id_cnty`` or
    ``data_id``; it is the older layout when it has ``data_id`` or ``iso3``, or lacks both
    ``disorder_type`` and ``civilian_targeting``. UCDP GED by ``id``, ``type_of_violence`` and
    ``date_start``. Counts per period (UCDP conflict-years, ACLED aggregates) by
    ``aggregated.detect_aggregated``. Canonical by ``event_id``, ``event_date`` and ``iso3``.
    """
    names = set(find_columns(columns))
    if {"type_of_violence", "date_start"} <= names and ("id" in names or "relid" in names):
        return "ucdp"
    if {"event_date", "event_type"} <= names and names & {"event_id_cnty", "data_id"}:
        older = "data_id" in names or "iso3" in names or not names & {"disorder_type", "civilian_targeting"}
        return "acled_old" if older else "acled"
    aggregated = detect_aggregated(columns)
    if aggregated is not None:
        return aggregated
    if {"event_id", "event_date", "iso3"} <= names or set(INCIDENTS.required) <= names:
        return "canonical"
    return None


def import_incidents(
    src: pa.Table, fmt: str, *, mapping: ColumnMapping | None = None, file_sha256: str = ""
) -> Converted:
    """Read ``src`` (text columns) in layout ``fmt``; see the module docstring for each layout."""
    if fmt in ("acled", "acled_old"):
        return _acled(src, older=fmt == "acled_old")
    if fmt == "ucdp":
        return _ucdp(src)
    if fmt in AGGREGATED_SIGNATURES:
        return import_aggregated(src, fmt)
    if fmt == "canonical":
        return import_canonical(src, INCIDENTS)
    if fmt == "mapped":
        if mapping is None:
            raise ValueError("choose which column holds what before reading this file")
        return import_mapped(src, mapping, file_sha256=file_sha256)
    raise ValueError(f"unknown incident format '{fmt}'")


def _country(src: pa.Table, lookup: dict[str, str], code_cols: list[tuple[str, object]]) -> Given | None:
    """ISO3 from the first code column that gives one, else from the ``country`` name."""
    values: pa.Array | None = None
    blank_all: pa.Array | None = None
    report_col = ""
    sources: list[str] = []
    for col, conv in [*code_cols, ("country", to_iso3)]:
        if col not in lookup:
            continue
        name = lookup[col]
        sources.append(name)
        got, _bad = cv.parse_countries(src[name], conv)  # type: ignore[arg-type]
        values = got if values is None else pc.coalesce(values, got)
        is_blank = cv.blank(src[name])
        blank_all = is_blank if blank_all is None else pc.and_(blank_all, is_blank)
        if not report_col or col == "country":
            report_col = name
    if values is None or blank_all is None:
        return None
    bad = pc.and_(pc.is_null(values), pc.invert(blank_all))
    return Given(
        values,
        bad,
        "unknown country: not a country name or code this tool knows",
        report_col,
        ", else ".join(sources),
    )


def _dated_gw(src: pa.Table, lookup: dict[str, str], country: Given | None) -> Given | None:
    """GED rows whose Gleditsch-Ward ``country_id`` names another state in another year take the
    state of the row's year (``datasets.countries.GW_DATED``: GW 345 is Yugoslavia until 1991 and
    Serbia from 1992, so the Kosovo war of 1998-99 counts for Serbia)."""
    if country is None or "country_id" not in lookup or "date_start" not in lookup:
        return country
    codes, _bad = cv.parse_ints(src[lookup["country_id"]])
    dated = pc.fill_null(pc.is_in(codes, value_set=pa.array(sorted(GW_DATED), pa.int64())), False)
    rows = pc.indices_nonzero(dated).to_pylist()
    if not rows:
        return country
    years = pc.utf8_slice_codeunits(src[lookup["date_start"]].cast(pa.string()), 0, 4).to_pylist()
    values = country.values.to_pylist()
    for i in rows:
        year = years[i]
        if year is not None and year.isdigit():
            values[i] = iso3_from_gw_year(codes[i].as_py(), int(year)) or values[i]
    return dataclasses.replace(country, values=pa.array(values, pa.string()))


def _numeric_id(src: pa.Table, col: str) -> Given:
    """Event ids of ``col`` read with ``convert.whole_id``: a whole number written with a zero
    fraction (``157230.0``, as spreadsheets and pandas save them) is the same id as ``157230``, so
    a re-saved file does not store its events twice; a fraction (``157230.5``) is refused."""
    values, bad = cv.parse_ids(src[col])
    return Given(values, bad, cv.ID_PROBLEM, col)


def _acled(src: pa.Table, *, older: bool) -> Converted:
    lookup = find_columns(src.column_names)
    columns = {k: lookup[v] for k, v in _ACLED_TEXT.items() if v in lookup}
    for cand in ("event_id_cnty", "data_id"):
        if cand in lookup:
            columns["event_id"] = lookup[cand]
            break
    if "event_date" in lookup:
        columns["event_date"] = lookup["event_date"]
    prepared: dict[str, Given] = {}
    if "event_id_cnty" not in lookup and "event_id" in columns:  # data_id is a number: 1234.0 is 1234
        prepared["event_id"] = _numeric_id(src, columns.pop("event_id"))
    country = _country(src, lookup, [("iso3", to_iso3), ("iso", iso3_from_numeric)])
    if country is not None:
        prepared["iso3"] = country
    if "civilian_targeting" in lookup:
        col = lookup["civilian_targeting"]
        prepared["civilian_targeting"] = Given(pc.invert(cv.blank(src[col])), None, "", col)
    out = convert(src, INCIDENTS, columns, constants={"source": "ACLED"}, prepared=prepared)
    return _name_missing(out, {"iso3": "country (or iso)", "event_id": "event_id_cnty"})


_UCDP_TYPES = {1: "Battles", 2: "Battles", 3: "Violence against civilians"}
_UCDP_SUB = {1: "State-based conflict", 2: "Non-state conflict", 3: "One-sided violence"}


def _ucdp(src: pa.Table) -> Converted:
    lookup = find_columns(src.column_names)
    wanted = {
        "event_id": "id",
        "event_date": "date_start",
        "country": "country",
        "admin1": "adm_1",
        "actor1": "side_a",
        "actor2": "side_b",
        "fatalities": "best",
        "latitude": "latitude",
        "longitude": "longitude",
    }
    # older GED layouts (v1.x–v5): ``best_est`` for the best estimate, ``relid`` as the identifier
    for target, older in (("fatalities", "best_est"), ("event_id", "relid")):
        if wanted[target] not in lookup and older in lookup:
            wanted[target] = older
    columns = {k: lookup[v] for k, v in wanted.items() if v in lookup}
    prepared: dict[str, Given] = {}
    if "event_id" in columns:  # GED ids are numbers: 157230.0 is 157230
        prepared["event_id"] = _numeric_id(src, columns.pop("event_id"))
    country = _dated_gw(src, lookup, _country(src, lookup, [("country_id", iso3_from_gw)]))
    if country is not None:
        prepared["iso3"] = country
    if "type_of_violence" in lookup:
        col = lookup["type_of_violence"]
        tov, bad = cv.parse_ints(src[col])
        known = pc.is_in(tov, value_set=pa.array(list(_UCDP_TYPES), pa.int64()))
        bad = pc.or_(bad, pc.and_(pc.is_valid(tov), pc.invert(known)))
        bad = pc.or_(bad, pc.is_null(tov))
        keys = pa.array(list(_UCDP_TYPES), pa.int64())
        event_type = pc.take(pa.array(list(_UCDP_TYPES.values())), pc.index_in(tov, value_set=keys))
        sub = pc.take(pa.array(list(_UCDP_SUB.values())), pc.index_in(tov, value_set=keys))
        problem = "type_of_violence must be 1 (state-based), 2 (non-state) or 3 (one-sided)"
        prepared["event_type"] = Given(event_type, bad, problem, col)
        prepared["sub_event_type"] = Given(sub, None, "", col)
        civ = pc.if_else(pc.is_valid(event_type), pc.equal(tov, 3), pa.scalar(None, pa.bool_()))
        prepared["civilian_targeting"] = Given(civ, None, "", col)
    out = convert(src, INCIDENTS, columns, constants={"source": "UCDP GED"}, prepared=prepared)
    if not out.missing:
        _ged_coverage(out)
    return _name_missing(
        out,
        {
            "event_id": "id",
            "event_date": "date_start",
            "iso3": "country_id (or country)",
            "fatalities": "best",
            "event_type": "type_of_violence",
        },
    )


#: A GED file naming more countries than this is the global release (it covers every country).
_GED_GLOBAL = 100


def _ged_coverage(out: Converted) -> None:
    """``info["coverage"]`` of a GED file: whole calendar years (GED is released by year), over the
    countries it names (a national extract such as HDX's per-country files), or "all" for the
    global release (more than ``_GED_GLOBAL`` countries)."""
    dates = pc.drop_null(out.table["event_date"])
    if not len(dates):
        return
    mm = pc.min_max(dates).as_py()
    countries = sorted(str(c) for c in pc.unique(pc.drop_null(out.table["iso3"])).to_pylist())
    out.info["coverage"] = {
        "countries": "all" if len(countries) > _GED_GLOBAL else countries,
        "first": f"{mm['min'].year}-01-01",
        "last": f"{mm['max'].year}-12-31",
    }


def _name_missing(out: Converted, names: dict[str, str]) -> Converted:
    out.missing = [names.get(m, m) for m in out.missing]
    return out


def import_mapped(src: pa.Table, mapping: ColumnMapping, *, file_sha256: str = "") -> Converted:
    """Read ``src`` with a user's column mapping (see ``datasets.ingest.mapping``)."""
    lookup = find_columns(src.column_names)
    columns: dict[str, str] = {}
    unknown = []
    for target, file_col in mapping.columns.items():
        actual = file_col if file_col in src.column_names else lookup.get(file_col.strip().lower())
        if actual is None:
            unknown.append(file_col)
            continue
        columns[target] = actual
    if unknown:
        raise ValueError(
            f"the mapping '{mapping.name}' names column(s) this file does not have: {', '.join(unknown)}"
        )
    constants: dict[str, object] = dict(mapping.constants)
    constants.setdefault("source", mapping.name)
    prepared: dict[str, Given] = {}
    if "iso3" not in columns and "country" in columns:
        got, bad = cv.parse_countries(src[columns["country"]])
        prepared["iso3"] = Given(
            got, bad, "unknown country: not a country name or code this tool knows", columns["country"]
        )
    content_key = "event_id" not in columns and "event_id" not in constants
    if content_key:  # placeholder ids, replaced below by keys made from each row's content
        numbers = pc.cast(pa.array(range(1, src.num_rows + 1), pa.int64()), pa.string())
        prepared["event_id"] = Given(numbers, None, "", "")
    out = convert(src, INCIDENTS, columns, constants=constants, prepared=prepared)
    if content_key:
        unknown_key = [k for k in mapping.key if k not in out.table.column_names]
        if unknown_key:
            raise ValueError(
                f"the mapping '{mapping.name}' keys rows on column(s) the incidents table does not have: "
                + ", ".join(unknown_key)
            )
        chosen = list(mapping.key) or [
            c for c in CONTENT_KEY if c in columns or c in constants or (c == "iso3" and "country" in columns)
        ]
        ids = content_keys(out.table, chosen)
        out.table = out.table.set_column(out.table.column_names.index("event_id"), "event_id", ids)
        out.notes.append(
            "the file has no event ids: each row's id is made from its "
            + ", ".join(chosen)
            + ", so the same events saved again are recognised"
        )
    return out


#: Columns whose values identify an incident of a file without event ids (date, place, actors, type).
CONTENT_KEY = (
    "event_date",
    "iso3",
    "admin1",
    "latitude",
    "longitude",
    "actor1",
    "actor2",
    "event_type",
    "sub_event_type",
)


def content_keys(table: pa.Table, key_columns: list[str]) -> pa.Array:
    """An id per row made from its values in ``key_columns``: ``c`` + 20 hex digits of SHA-256.

    Values are compared as stored (dates as ISO dates, text trimmed, case-folded, inner spaces
    collapsed, coordinates to 4 decimals), so re-ordered rows, other quoting, line ends or column
    order give the same ids. Rows with the very same values get ``-2``, ``-3``… in file order.
    """
    parts = []
    for name in key_columns:
        col = table[name]
        if pa.types.is_floating(col.type):
            col = pc.round(col, 4)
        text = pc.fill_null(pc.cast(col, pa.string()), "")
        if name not in ("event_date", "latitude", "longitude"):
            text = pc.utf8_lower(pc.replace_substring_regex(pc.utf8_trim_whitespace(text), r"\s+", " "))
        parts.append(text.to_pylist())
    ids: list[str] = []
    seen: dict[str, int] = {}
    for values in zip(*parts, strict=True) if parts else ([()] * table.num_rows):
        digest = hashlib.sha256("\x1f".join(values).encode("utf-8")).hexdigest()[:20]
        seen[digest] = seen.get(digest, 0) + 1
        ids.append(f"c{digest}" if seen[digest] == 1 else f"c{digest}-{seen[digest]}")
    return pa.array(ids, pa.string())
