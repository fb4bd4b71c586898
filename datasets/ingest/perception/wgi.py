"""World Bank Worldwide Governance Indicators importers, into the ``perception`` table.

World Bank Worldwide Governance Indicators (``wgi``, ``wgi_databank``, ``wgi_api``)
    The official ``wgidataset.xlsx`` (long form ``code, countryname, year, indicator, estimate,
    stddev, …``; read from the workbook or from the same table saved as CSV), a DataBank export
    (``Country Code, Series Code, 1996 [YR1996], …``, footer lines skipped) or an API download
    (``Country Code, Indicator Code, 1960, …`` after a preamble, a trailing comma on every line).
    Only Political Stability and Absence of Violence/Terrorism is read (``pv``, ``PV.EST`` with
    its standard error ``stddev`` or ``PV.STD.ERR``): indicator ``political_stability``, scale
    ``index`` (about −2.5 to 2.5, higher = more stable), ``std_error`` as published, dated 1 January
    of its year with ``period_grain`` "year". ``..`` or an empty cell is missing: not stored. World
    Bank codes that are not ISO3 (``ROM``, ``ZAR``, ``TMP``, ``ADO``, ``WBG``, ``KSV``) are translated
    (``datasets.countries.iso3_from_wb``); World Bank aggregates (``WLD``, ``SSF``, …) are left out.
"""

from __future__ import annotations

import numpy as np

from datasets.countries import iso3_from_wb, to_iso3
from datasets.ingest.canonical import Converted
from datasets.ingest.perception.common import (
    _COLUMNS,
    _YEAR_COLUMN,
    WGI_ATTRIBUTION,
    WGI_SOURCE,
    WGI_SURVEY,
    _bad,
    _float,
    _problems,
    _row,
    wave_year,
)
from datasets.ingest.reshape import (
    Built,
    Cells,
    blank_rows,
    build,
    exact_repeats,
    lookup,
    skipped_notes,
    text_frame,
)
from datasets.ingest.sniff import ParsedCsv
from datasets.schema import PERCEPTION

#: World Bank aggregate codes (regions, income groups, lending groups): not countries.
WB_AGGREGATES: frozenset[str] = frozenset(
    [
        "AFE",
        "AFW",
        "ARB",
        "CEB",
        "CSS",
        "EAP",
        "EAR",
        "EAS",
        "ECA",
        "ECS",
        "EMU",
        "EUU",
        "FCS",
        "HIC",
        "HPC",
        "IBD",
        "IBT",
        "IDA",
        "IDB",
        "IDX",
        "INX",
        "LAC",
        "LCN",
        "LDC",
        "LIC",
        "LMC",
        "LMY",
        "LTE",
        "MEA",
        "MIC",
        "MNA",
        "NAC",
        "OED",
        "OSS",
        "PRE",
        "PSS",
        "PST",
        "SAS",
        "SSA",
        "SSF",
        "SST",
        "TEA",
        "TEC",
        "TLA",
        "TMN",
        "TSA",
        "TSS",
        "UMC",
        "WLD",
        "XZN",
    ]
)


# ---- WGI -------------------------------------------------------------------------------------------


def _wb_country(code: str, name: str) -> tuple[str | None, bool]:
    """ISO3 of a World Bank code (else the exact country name) and whether it is an aggregate."""
    iso3 = iso3_from_wb(code) if code else None
    if iso3 is not None:
        return iso3, False
    if code.strip().upper() in WB_AGGREGATES:
        return None, True
    return (to_iso3(name) if name else None), False


def _wgi_row(year: int, iso3: str, value: float, se: float | None) -> dict[str, object]:
    return _row(WGI_SURVEY, year, iso3, "political_stability", value, WGI_SOURCE, scale="index", std_error=se)


_WGI_USED = {
    "survey": f"(fixed: {WGI_SURVEY})",
    "iso3": "the World Bank code (ROM, ZAR, TMP, ADO, WBG, KSV translated)",
    "indicator": "(fixed: political_stability, from pv / PV.EST)",
    "source": f"(fixed: {WGI_SOURCE})",
    "scale": "(fixed: index, about -2.5 to 2.5)",
    "period_grain": "(fixed: year)",
}
_WGI_RANGE = "not a WGI estimate (these lie between about -2.5 and 2.5)"


def _wgi_long(parsed: ParsedCsv) -> Converted:
    f = Cells(text_frame(parsed.table))
    col = lookup(f)
    notes: list[str] = []
    blank = blank_rows(f.frame)
    repeats = exact_repeats(f.frame) & ~blank
    notes += skipped_notes(parsed, blank, repeats)
    c_code, c_year, c_ind, c_est = col["code"], col["year"], col["indicator"], col["estimate"]
    c_se, c_name = col.get("stddev"), col.get("countryname")
    bad: dict[tuple[str, str], list[tuple[int, str]]] = {}
    built = Built(_COLUMNS)
    others: dict[str, int] = {}
    missing: list[int] = []
    aggregates: set[str] = set()
    cache: dict[tuple[str, str], tuple[str | None, bool]] = {}
    for i in np.flatnonzero(~(blank | repeats)).tolist():
        ind = f.at[i, c_ind].lower()
        if ind != "pv":
            others[ind] = others.get(ind, 0) + 1
            continue
        est = f.at[i, c_est]
        if est in ("", ".."):
            missing.append(i)
            continue
        key = (f.at[i, c_code], f.at[i, c_name] if c_name else "")
        if key not in cache:
            cache[key] = _wb_country(*key)
        iso3, aggregate = cache[key]
        if iso3 is None:
            if aggregate:
                aggregates.add(key[0])
            else:
                _bad(bad, c_code, "unknown World Bank country code", i, key[0])
            continue
        yr = wave_year(f.at[i, c_year])
        if yr is None or "/" in f.at[i, c_year] or "-" in f.at[i, c_year]:
            _bad(bad, c_year, "year could not be read", i, f.at[i, c_year])
            continue
        v = _float(est)
        if v is None or abs(v) > 5:
            _bad(bad, c_est, "not a number" if v is None else _WGI_RANGE, i, est)
            continue
        se_text = f.at[i, c_se] if c_se else ""
        se = _float(se_text) if se_text not in ("", "..") else None
        if se_text not in ("", "..") and (se is None or se < 0):
            _bad(bad, c_se, "not a standard error (a number of 0 or more)", i, se_text)
            continue
        built.add(_wgi_row(yr[0], iso3, v, se), [i])
    if others:
        shown = ", ".join(f"{k} ({n} rows)" for k, n in sorted(others.items()))
        notes.append(
            f"Only pv (Political Stability and Absence of Violence/Terrorism) feeds this tool; the other WGI "
            f"indicators were not read: {shown}."
        )
    if missing:
        notes.append(f"{len(missing)} pv row(s) have no estimate ('..'): missing, not stored.")
    if aggregates:
        notes.append(f"World Bank aggregates, not countries, were left out: {', '.join(sorted(aggregates))}.")
    used = _WGI_USED | {
        "wave_date": f"{c_year} (1 January)",
        "value": f"{c_est} of indicator pv",
        "std_error": c_se or "(none)",
    }
    info = {
        "series": [
            {
                "series": "pv: Political Stability and Absence of Violence/Terrorism",
                "measures": "political_stability (index -2.5 to 2.5, with its standard error)",
                "rows": len(built),
            }
        ],
        "attribution": WGI_ATTRIBUTION,
    }
    return build(built, PERCEPTION, problems=_problems(bad), used=used, notes=notes, info=info)


def _wgi_wide(parsed: ParsedCsv, fmt: str) -> Converted:
    """DataBank export or API download: one row per country and series, one column per year."""
    f = Cells(text_frame(parsed.table))
    col = lookup(f)
    notes: list[str] = []
    blank = blank_rows(f.frame)
    repeats = exact_repeats(f.frame) & ~blank
    notes += skipped_notes(parsed, blank, repeats)
    c_code, c_name = col["country code"], col.get("country name")
    c_series = col.get("series code") if fmt == "wgi_databank" else col.get("indicator code")
    assert c_series is not None
    years = [
        (c, int(_YEAR_COLUMN.match(c.strip().lower()).group(1)))
        for c in f.columns
        if _YEAR_COLUMN.match(c.strip().lower())
    ]  # type: ignore[union-attr]
    bad: dict[tuple[str, str], list[tuple[int, str]]] = {}
    est_rows: dict[str, int] = {}
    se_rows: dict[str, int] = {}
    others: dict[str, int] = {}
    aggregates: set[str] = set()
    countries: dict[str, str] = {}
    for i in np.flatnonzero(~(blank | repeats)).tolist():
        series = f.at[i, c_series].upper()
        if series not in ("PV.EST", "PV.STD.ERR"):
            others[series or "(blank)"] = others.get(series or "(blank)", 0) + 1
            continue
        code = f.at[i, c_code]
        iso3, aggregate = _wb_country(code, f.at[i, c_name] if c_name else "")
        if iso3 is None:
            if aggregate:
                aggregates.add(code)
            else:
                _bad(bad, c_code, "unknown World Bank country code", i, code)
            continue
        target = est_rows if series == "PV.EST" else se_rows
        if iso3 in target:
            _bad(bad, c_code, f"a second {series} row for the same country", i, code)
            continue
        target[iso3] = i
        countries[iso3] = code
    if not est_rows and not bad:
        return Converted(
            PERCEPTION.arrow_schema.empty_table(),
            notes=notes,
            file_problems=[
                "This World Bank file holds no Political Stability estimates (series PV.EST): only that WGI "
                "indicator feeds this tool." + (f" It holds {', '.join(sorted(others))}." if others else "")
            ],
        )
    built = Built(_COLUMNS)
    missing = 0
    for iso3, i in est_rows.items():
        j = se_rows.get(iso3)
        for c, year in years:
            est = f.at[i, c]
            if est in ("", ".."):
                missing += 1
                continue
            v = _float(est)
            if v is None or abs(v) > 5:
                _bad(bad, c, "not a number" if v is None else _WGI_RANGE, i, est)
                continue
            se = None
            if j is not None:
                se_text = f.at[j, c]
                if se_text not in ("", ".."):
                    se = _float(se_text)
                    if se is None or se < 0:
                        _bad(bad, c, "not a standard error (a number of 0 or more)", j, se_text)
                        continue
            built.add(_wgi_row(year, iso3, v, se), [i] if j is None else [i, j])
    if not se_rows:
        notes.append(
            "The file gives no standard errors (PV.STD.ERR): political_stability is stored without them, "
            "so it has no interval."
        )
    if others:
        notes.append(f"Rows of other series were not read: {', '.join(sorted(others))}.")
    if missing:
        notes.append(f"{missing} country-year estimate(s) are empty or '..': missing, not stored.")
    if aggregates:
        notes.append(f"World Bank aggregates, not countries, were left out: {', '.join(sorted(aggregates))}.")
    used = _WGI_USED | {
        "wave_date": "the year columns (1 January)",
        "value": f"{c_series} = PV.EST",
        "std_error": f"{c_series} = PV.STD.ERR",
    }
    info = {
        "series": [
            {
                "series": "PV.EST: Political Stability and Absence of Violence/Terrorism",
                "measures": "political_stability (index -2.5 to 2.5)",
                "rows": len(built),
            }
        ],
        "attribution": WGI_ATTRIBUTION,
    }
    return build(built, PERCEPTION, problems=_problems(bad), used=used, notes=notes, info=info)
