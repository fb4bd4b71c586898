"""UN SDG 16.1.4 importers (feeling safe walking alone at night), into the ``perception`` table.

UN SDG 16.1.4, national reporting platform (``sdg_national``, open-sdg layout)
    ``Year, [Series], [Units], <disaggregation columns…>, [GeoCode], Value``. ``Year`` as
    ``2021``, ``2019/20`` or ``2020-2021``: a range is dated by its middle year (the later of two
    middle years), 1 January, ``period_grain`` "year". ``Value`` in percent, stored as a share
    (÷ 100); a file whose values all lie between 0 and 1 (one above 0) holds shares, not percent,
    and is refused by row rather than divided again (``_refuse_shares``; the global layout too).
    The national value is the row whose disaggregation columns are all empty (and whose
    ``GeoCode``, kept as text, is the country's own code or empty); every other row is stored with
    ``breakdown`` = ``column=value; …`` (spaces inside a value collapsed). A file without such a row
    has no national value: none is invented from its breakdowns. The country comes from
    ``GeoCode`` (an ISO code), else from the country the user gives, else from a country name in
    the file name (exact, with a note); otherwise the file is refused until the country is given.
    What a series measures is read from its text or code: "feel safe …" or ``VC_SNS_WALN_DRK`` →
    ``feel_safe``; a series about feeling *unsafe* → ``feel_unsafe``; a file without a series
    column is SDG 16.1.4 (``feel_safe``) only when its file name says 16-1-4. A series that is none
    of these is refused. Labels outrank the series name: a disaggregation column whose values are
    all answer categories (``answer_kind``) decides what the rows without a category measure —
    all "unsafe" ("Very unsafe", "Bit unsafe") -> ``feel_unsafe`` even under a "feel safe" series;
    all "safe" -> ``feel_safe``; mixed -> their total, not stored — and each category is stored as
    ``feel_safe_distribution_<category>``. Countries may be named row by row in a name column
    (``GeoAreaName``, ``Country``, ``country_name``), matched exactly, never fuzzily.
Answer distributions (SDMX codes such as ``_L_KZ_160104_1A`` … ``1E``)
    When a file's series are codes whose rows with a blank series hold 100 and whose coded rows add
    up to 100 in each year and breakdown, the file is a distribution across answer categories, not a
    share: each category is stored as ``feel_safe_distribution_<category>`` (share of respondents
    giving that answer) and the rows holding 100 are not stored. ``feel_safe`` exists only when the
    user says which categories count as feeling safe (``safe_categories``): then it is the sum of
    those categories' shares, in each year and breakdown where all of them are given.
UN SDG 16.1.4, UN Global SDG Database extract (``sdg_global``)
    ``SeriesCode, SeriesDescription, GeoAreaCode, GeoAreaName, TimePeriod, Value, …`` with
    dimension columns (``Age``, ``Location``, ``Sex``, …). Country from ``GeoAreaCode`` (UN M49 =
    ISO numeric), else the exact ``GeoAreaName`` ("Republic of Korea", "Türkiye"); regional
    aggregates (M49 codes of no country) are left out with a note. The national value is the row
    whose dimensions are totals (``ALLAGE``, ``BOTHSEX``, ``ALLAREA``, ``_T`` or empty); a
    dimension with one value for a country and series (``Age`` "15+") describes the population, not
    a breakdown. ``LowerBound``/``UpperBound`` become ``ci_low``/``ci_high`` (÷ 100).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from datasets.countries import country_name, iso3_from_numeric, to_iso3
from datasets.ingest.canonical import Converted
from datasets.ingest.perception.common import (
    _COLUMNS,
    FEEL_SAFE_CODE,
    SDG_GLOBAL_ATTRIBUTION,
    _bad,
    _clean,
    _country_from_name,
    _float,
    _given_country,
    _problems,
    _row,
    _share,
    wave_year,
)
from datasets.ingest.reshape import (
    Built,
    Cells,
    blank_rows,
    build,
    exact_repeats,
    line_list,
    lookup,
    skipped_notes,
    text_frame,
)
from datasets.ingest.sniff import ParsedCsv
from datasets.schema import PERCEPTION

_PERCENT_UNITS = frozenset({"", "percent", "percentage", "pt", "%", "per cent", "percent (%)"})
_TOTALS = frozenset(
    {
        "",
        "_t",
        "_z",
        "t",
        "total",
        "all",
        "allage",
        "bothsex",
        "allarea",
        "both sexes",
        "all ages",
        "all areas",
    }
)
_NON_DIMENSIONS_NATIONAL = frozenset(
    {
        "year",
        "series",
        "units",
        "unit",
        "unit_measure",
        "unit_mult",
        "unit multiplier",
        "obs_status",
        "observation status",
        "nature",
        "comment",
        "comments",
        "geocode",
        "value",
        "reporting_type",
        "reporting type",
        "source",
        "footnote",
    }
)
_NON_DIMENSIONS_GLOBAL = frozenset(
    {
        "goal",
        "target",
        "indicator",
        "seriescode",
        "seriesdescription",
        "geoareacode",
        "geoareaname",
        "timeperiod",
        "value",
        "time_detail",
        "timecoverage",
        "upperbound",
        "lowerbound",
        "baseperiod",
        "source",
        "geoinfourl",
        "footnote",
        "nature",
        "units",
        "reporting type",
        "observation status",
        "type",
    }
)


#: Columns of an open-sdg file that name the country of each row (matched exactly, never fuzzily).
_NAME_COLUMNS = ("geoareaname", "country", "country_name", "countryname", "country name")


# ---- what a series measures ----------------------------------------------------------------------


def answer_kind(label: str) -> str | None:
    """``unsafe`` or ``safe`` for an answer-category label about feeling safe, else None.

    "Very unsafe", "Bit unsafe", "Not at all safe", "Insecure" -> ``unsafe``; "Very safe",
    "Fairly safe" -> ``safe``; anything else (a sex, an age group, a region) -> None.
    """
    s = " ".join(label.split()).lower()
    if not s:
        return None
    if re.search(r"\bunsafe\b|\bnot (at all |very )?safe\b|\binsecure\b|\bafraid\b", s):
        return "unsafe"
    if re.search(r"\bsafe\b", s):
        return "safe"
    return None


def _category_column(f: Cells, rows: list[int], dims: list[str]) -> tuple[str, str, list[str]] | None:
    """The disaggregation column holding answer categories: its name, their kind and the labels.

    A column qualifies when every non-empty value is a safety answer (``answer_kind``); its kind
    is ``unsafe`` when all are "unsafe" answers, ``safe`` when all are "safe" ones, else ``mixed``.
    """
    for c in dims:
        labels = list(dict.fromkeys(f.at[i, c] for i in rows if f.at[i, c]))
        kinds = {answer_kind(v) for v in labels}
        if labels and None not in kinds:
            kind = kinds.pop() if len(kinds) == 1 else "mixed"
            return c, kind, labels
    return None


def measure_of(series: str) -> str | None:
    """The indicator a series text or code measures: ``feel_safe``, ``feel_unsafe``, or None."""
    s = " ".join(series.split()).lower()
    if not s:
        return None
    if re.search(r"\bunsafe\b|\bnot (feel )?safe\b|\binsecure\b|\bfeel afraid\b", s):
        return "feel_unsafe"
    if s == FEEL_SAFE_CODE.lower() or "feel safe" in s:
        return "feel_safe"
    return None


def _category(code: str) -> str:
    """``_L_KZ_160104_1A`` -> ``1A`` (the last part of an SDMX series code)."""
    parts = [p for p in code.split("_") if p]
    return parts[-1] if parts else code


def _indicator_of_category(category: str) -> str:
    slug = re.sub(r"[^0-9a-z]+", "_", category.lower()).strip("_")
    return f"feel_safe_distribution_{slug}"


# ---- SDG national (open-sdg) -----------------------------------------------------------------------


def _sdg_country(
    f: Cells, col: dict[str, str], file_name: str, given: str | None, notes: list[str]
) -> tuple[str | None, set[str], str]:
    """The file's country, the GeoCode values that mean the whole country, and how it was found."""
    c_geo = col.get("geocode")
    if given:
        code = _given_country(given)
        national = set()
        if c_geo:
            national = {g for g in f[c_geo].unique() if g and _given_country(g) == code}
        return code, national, "given"
    if c_geo:
        geo = {g: _given_country(g) for g in f[c_geo].unique() if g}
        countries = {c for c in geo.values() if c}
        if len(countries) == 1:
            code = countries.pop()
            return code, {g for g, c in geo.items() if c == code}, f"{c_geo}"
    code = _country_from_name(file_name)
    if code is not None:
        notes.append(
            f"The file does not name its country; {country_name(code)} ({code}) was read from the file name "
            f"'{file_name}'. If that is wrong, give the country (in the preview, or --country)."
        )
        return code, set(), "file name"
    return None, set(), ""


def _sdg_national(
    parsed: ParsedCsv, file_name: str, country: str | None, safe_categories: Sequence[str] | None
) -> Converted:
    f = Cells(text_frame(parsed.table))
    col = lookup(f)
    notes: list[str] = []
    blank = blank_rows(f.frame)
    repeats = exact_repeats(f.frame) & ~blank
    notes += skipped_notes(parsed, blank, repeats)
    keep = ~(blank | repeats)
    c_year, c_value = col["year"], col["value"]
    c_series = col.get("series")
    c_units = col.get("units") or col.get("unit_measure") or col.get("unit")
    c_geo = col.get("geocode")
    c_name = next((col[k] for k in _NAME_COLUMNS if k in col), None)
    dims = [
        c
        for c in f.columns
        if str(c).strip().lower() not in _NON_DIMENSIONS_NATIONAL
        and not str(c).startswith("column_")
        and c != c_name
    ]
    row_iso: dict[str, str | None] | None = None  # country name -> ISO3, when rows name their country
    iso3, national_geo, how = _sdg_country(f, col, file_name, country, notes)
    if c_name and not country and how != c_geo:
        names = {n: to_iso3(n) for n in f[c_name].unique() if n}
        if any(names.values()):
            row_iso = names
            known = sorted({c for c in names.values() if c})
            iso3, national_geo, how = (known[0] if len(known) == 1 else "several"), set(), c_name
            notes[:] = [n for n in notes if "was read from the file name" not in n]
    info: dict[str, object] = {"country": iso3, "country_from": how}
    if iso3 is None:
        info["ask_country"] = True
        problem_text = (
            "This file does not say which country it covers (no GeoCode, and no country in its file name): "
            "give the country in the preview, or with --country on the command line."
            if not country
            else f"'{country}' is not a country name or code this tool knows."
        )
        return Converted(
            PERCEPTION.arrow_schema.empty_table(), notes=notes, file_problems=[problem_text], info=info
        )
    name = country_name(iso3) if iso3 != "several" else "several countries'"
    survey = f"UN SDG 16.1.4 ({name} national platform)"
    source = f"UN SDG indicator 16.1.4 (national platform of {name})"
    if iso3 == "several":
        survey, source = "UN SDG 16.1.4 (national platforms)", "UN SDG indicator 16.1.4 (national platforms)"
    info["attribution"] = source
    rows = np.flatnonzero(keep).tolist()
    series = {i: (f.at[i, c_series] if c_series else "") for i in rows}
    distinct = list(dict.fromkeys(series.values()))
    measures = {s: measure_of(s) for s in distinct}
    bad: dict[tuple[str, str], list[tuple[int, str]]] = {}

    # what is measured: named series, a distribution across answer categories, or the file's name
    distribution = _is_distribution(f, rows, series, dims, c_value, measures)
    if distribution:
        cats = [s for s in distinct if s]
        measures = {s: _indicator_of_category(_category(s)) for s in cats} | {"": None}
        info["distribution"] = True
        info["categories"] = [_category(s) for s in cats]
    elif c_series is None or distinct == [""]:
        if re.search(r"16[-_. ]1[-_. ]4", file_name):
            measures = {"": "feel_safe"}
            notes.append(
                "The file does not name what it measures; it is read as SDG 16.1.4, the share who feel safe "
                "walking alone after dark, because its file name says 16-1-4."
            )
        else:
            return Converted(
                PERCEPTION.arrow_schema.empty_table(),
                notes=notes,
                info=info,
                file_problems=[
                    "This file does not say what it measures (no Series column, and no 16-1-4 in its file "
                    "name): it cannot be read as SDG 16.1.4. Rename it like indicator_16-1-4.csv if it is."
                ],
            )
    if distribution and iso3 == "several":
        return Converted(
            PERCEPTION.arrow_schema.empty_table(),
            notes=notes,
            info=info,
            file_problems=[
                "This file gives answer distributions for several countries: split it into one file per "
                "country and load each, choosing the categories that count as feeling safe."
            ],
        )
    categories = None if distribution else _category_column(f, rows, dims)
    if categories is not None:
        c_cat, kind, labels = categories
        info["answer_categories"] = {"column": c_cat, "kind": kind, "labels": labels}
        total_as = {"unsafe": "feel_unsafe", "safe": "feel_safe"}.get(kind)
        notes.append(
            f"Column '{c_cat}' holds answer categories ({', '.join(labels)}), "
            + {
                "unsafe": "all of them 'unsafe': rows without a category (their total) are stored as "
                "feel_unsafe, the share who feel UNSAFE, never as feel_safe",
                "safe": "all of them 'safe': rows without a category (their total) are stored as feel_safe",
                "mixed": "some 'safe' and some 'unsafe': rows without a category are their total and are "
                "not stored",
            }[kind]
            + "; each category is stored as feel_safe_distribution_<category> (share giving that answer)."
        )
    info["series"] = [
        {
            "series": s or "(no series named)",
            "measures": _describe(measures.get(s), distribution and not s),
            "rows": sum(1 for v in series.values() if v == s),
        }
        for s in distinct
    ]
    built = Built(_COLUMNS)
    missing_value = []
    totals = []
    cells: list[tuple[int, int, str, str, float]] = []  # row, year, breakdown, series, share
    percents: list[tuple[int, str, float]] = []  # row, text, value of every percentage read
    for i in rows:
        s = series[i]
        indicator = measures.get(s)
        if distribution and not s:
            totals.append(i)
            continue
        row_dims = dims
        if categories is not None and indicator is not None:
            label = f.at[i, c_cat]
            row_dims = [c for c in dims if c != c_cat]
            if label:
                indicator = _indicator_of_category(label)
            elif total_as is None:
                totals.append(i)
                continue
            elif indicator == "feel_safe":
                indicator = total_as
        iso_i = iso3
        if row_iso is not None:
            iso_i = row_iso.get(f.at[i, c_name] if c_name else "")  # type: ignore[assignment]
            if iso_i is None:
                _bad(
                    bad,
                    c_name or c_value,
                    "unknown country: not a country name this tool knows (names are matched exactly)",
                    i,
                    f.at[i, c_name] if c_name else "",
                )
                continue
        if indicator is None:
            _bad(
                bad,
                c_series or c_value,
                "this series is not one this tool reads as SDG 16.1.4 (feel safe, or feel unsafe, walking "
                "alone after dark)",
                i,
                s,
            )
            continue
        yr = wave_year(f.at[i, c_year])
        if yr is None:
            _bad(
                bad,
                c_year,
                "year could not be read (write it like 2021, 2019/20 or 2020-2021)",
                i,
                f.at[i, c_year],
            )
            continue
        unit = f.at[i, c_units].strip().lower() if c_units else ""
        if unit not in _PERCENT_UNITS:
            _bad(
                bad,
                c_units or c_value,
                "not a percentage: only values in percent are read",
                i,
                f.at[i, c_units],
            )
            continue
        text = f.at[i, c_value]
        if not text:
            missing_value.append(i)
            continue
        v = _float(text)
        if v is None:
            _bad(bad, c_value, "not a number", i, text)
            continue
        if not 0 <= v <= 100:
            _bad(bad, c_value, "a percentage must lie between 0 and 100", i, text)
            continue
        percents.append((i, text, v))
        parts = [f"{c}={_clean(f.at[i, c])}" for c in row_dims if f.at[i, c]]
        geo = f.at[i, c_geo] if c_geo else ""
        if geo and geo not in national_geo:
            parts.append(f"{c_geo}={geo}")
        breakdown = "; ".join(parts) or None
        cells.append((i, yr[0], breakdown or "", s, _share(v)))
        if row_iso is not None and iso_i is not None:
            one = country_name(iso_i)
            survey_i = f"UN SDG 16.1.4 ({one} national platform)"
            source_i = f"UN SDG indicator 16.1.4 (national platform of {one})"
        else:
            survey_i, source_i = survey, source
        built.add(_row(survey_i, yr[0], str(iso_i), indicator, _share(v), source_i, breakdown=breakdown), [i])
    _refuse_shares(bad, c_value, percents)
    if totals and categories is not None:
        notes.append(
            f"{len(totals)} row(s) without an answer category hold the total over 'safe' and 'unsafe' "
            f"answers, not a share of people: not stored ({line_list(parsed, totals)})."
        )
    elif totals:
        notes.append(
            f"{len(totals)} row(s) with a blank series hold the total of the answer distribution (100%), "
            f"not a share of people: not stored ({line_list(parsed, totals)})."
        )
    if missing_value:
        notes.append(
            f"{len(missing_value)} row(s) have no value: missing, not stored "
            f"({line_list(parsed, missing_value)})."
        )
    if distribution:
        _distribution_notes(cells, measures, safe_categories, built, survey, iso3, source, notes, info)
    national = sum(1 for r in built.rows if r[_COLUMNS.index("breakdown")] is None)
    info["national_rows"] = national
    if not national and len(built):
        notes.append(
            "This file has no national value (no row with every disaggregation empty): only its breakdowns "
            "are stored, and regional figures get no value from it (none is made up from the breakdowns)."
        )
    used = {
        "survey": f"(fixed: {survey})",
        "wave_date": f"{c_year} (1 January of the year; a range: its middle year)",
        "iso3": (
            f"{c_name} (country names, matched exactly)"
            if row_iso is not None
            else f"(fixed: {iso3}, from {how})"
        ),
        "indicator": f"{c_series}: what the series measures"
        if c_series
        else "(fixed: feel_safe, from the file name)",
        "value": f"{c_value} ÷ 100",
        "source": f"(fixed: {source})",
        "scale": "(fixed: share)",
        "breakdown": ", ".join(dims + ([c_geo] if c_geo else [])) or "(none)",
        "period_grain": "(fixed: year)",
    }
    return build(built, PERCEPTION, problems=_problems(bad), used=used, notes=notes, info=info)


def _refuse_shares(
    bad: dict[tuple[str, str], list[tuple[int, str]]], column: str, percents: list[tuple[int, str, float]]
) -> None:
    """Refuse every value of a percent column that holds shares (0–1) instead.

    The layout gives percent (82.5 for 82.5 %), stored ÷ 100. When every value read lies between 0
    and 1 and one is above 0, the file most likely holds shares (0.825): divided again they would be
    stored 100 times too small. Nothing in the file settles which it is, so no number is stored;
    like day/month dates that read both ways, the file is refused with a sentence, not guessed.
    """
    if not percents or not all(v <= 1 for _i, _t, v in percents) or not any(v > 0 for *_r, v in percents):
        return
    example = next(t for _i, t, v in percents if v > 0)
    text = (
        f"the values look like shares (0 to 1), not percent: every value of column '{column}' lies "
        f"between 0 and 1 ('{example}' would be read as {example} %), but this layout gives percent "
        f"(82.5 for 82.5 %); nothing is stored. If they are shares, multiply them by 100 and load the "
        "file again"
    )
    for i, t, _v in percents:
        _bad(bad, column, text, i, t)


def _describe(indicator: str | None, total: bool) -> str:
    if total:
        return "the total of the answer distribution (100%): not stored"
    if indicator is None:
        return "not recognised: refused"
    if indicator == "feel_safe":
        return "feel_safe: share who feel safe walking alone after dark"
    if indicator == "feel_unsafe":
        return "feel_unsafe: share who feel UNSAFE (stored as such, never as feel_safe)"
    return f"{indicator}: share giving this answer (one category of a distribution, not feel_safe)"


def _is_distribution(
    f: Cells,
    rows: list[int],
    series: dict[int, str],
    dims: list[str],
    c_value: str,
    measures: dict[str, str | None],
) -> bool:
    """True when coded series add up to 100 in each year and breakdown (a distribution of answers)."""
    coded = [s for s in dict.fromkeys(series.values()) if s]
    if len(coded) < 2 or any(measures.get(s) for s in coded):
        return False
    totals: dict[tuple[str, ...], float] = {}
    blanks: list[float] = []
    c_year = lookup(f)["year"]
    for i in rows:
        v = _float(f.at[i, c_value])
        if v is None:
            continue
        key = (f.at[i, c_year], *(f.at[i, c] for c in dims))
        if series[i]:
            totals[key] = totals.get(key, 0.0) + v
        else:
            blanks.append(v)
    if not totals or any(abs(b - 100) > 0.5 for b in blanks):
        return False
    return all(abs(t - 100) <= 1.5 for t in totals.values())


def _distribution_notes(
    cells: list[tuple[int, int, str, str, float]],
    measures: dict[str, str | None],
    safe: Sequence[str] | None,
    built: Built,
    survey: str,
    iso3: str,
    source: str,
    notes: list[str],
    info: dict[str, object],
) -> None:
    """Say what a distribution is; add ``feel_safe`` only from the categories the user chose."""
    cats = {_category(s): s for s in measures if s}
    latest = max((c[1] for c in cells if not c[2]), default=None)
    info["category_shares"] = {_category(s): v for (_i, y, b, s, v) in cells if y == latest and not b}
    info["category_shares_year"] = latest
    notes.append(
        "This file gives a distribution across answer categories ("
        + ", ".join(cats)
        + "), not the share who feel safe: each category is stored as feel_safe_distribution_<category>. "
        + "A feel_safe value exists only once you say which categories count as feeling safe."
    )
    if not safe:
        info["question"] = "Which answer categories count as feeling safe?"
        return
    chosen = [c.strip() for c in safe if c.strip()]
    unknown = [c for c in chosen if c not in cats]
    if unknown:
        notes.append(
            f"Categories {', '.join(unknown)} are not in this file (it has {', '.join(cats)}): no feel_safe."
        )
        return
    groups: dict[tuple[int, str], dict[str, tuple[int, float]]] = {}
    for i, y, b, s, v in cells:
        groups.setdefault((y, b), {})[_category(s)] = (i, v)
    incomplete = 0
    for (y, b), got in groups.items():
        if not all(c in got for c in chosen):
            incomplete += 1
            continue
        total = sum(got[c][1] for c in chosen)
        built.add(
            _row(survey, y, iso3, "feel_safe", min(round(total, 10), 1.0), source, breakdown=b or None),
            [got[c][0] for c in chosen],
        )
    info["safe_categories"] = chosen
    notes.append(
        f"feel_safe = the share answering {' or '.join(chosen)}, as chosen at import"
        + (
            f"; {incomplete} year/breakdown group(s) lack one of them and have no feel_safe."
            if incomplete
            else "."
        )
    )


# ---- SDG global database ---------------------------------------------------------------------------


def _sdg_global(parsed: ParsedCsv) -> Converted:
    frame = text_frame(parsed.table)
    frame.columns = [str(c).strip("[]") for c in frame.columns]
    f = Cells(frame)
    col = lookup(f)
    notes: list[str] = []
    blank = blank_rows(f.frame)
    repeats = exact_repeats(f.frame) & ~blank
    notes += skipped_notes(parsed, blank, repeats)
    c_code, c_desc = col["seriescode"], col.get("seriesdescription")
    c_geo, c_name = col.get("geoareacode"), col.get("geoareaname")
    c_time, c_value = col["timeperiod"], col["value"]
    c_lo, c_hi, c_units = col.get("lowerbound"), col.get("upperbound"), col.get("units")
    dims = [
        c
        for c in f.columns
        if c.strip().lower() not in _NON_DIMENSIONS_GLOBAL and not c.startswith("column_")
    ]
    bad: dict[tuple[str, str], list[tuple[int, str]]] = {}
    rows = np.flatnonzero(~(blank | repeats)).tolist()
    aggregates: dict[str, int] = {}
    missing_value: list[int] = []
    prepared: list[tuple[int, str, str, int]] = []  # row, iso3, indicator, year
    percents: list[tuple[int, str, float]] = []  # row, text, value of every percentage read
    series_info: dict[str, dict[str, object]] = {}
    for i in rows:
        code = f.at[i, c_code]
        desc = f.at[i, c_desc] if c_desc else ""
        indicator = measure_of(code) or measure_of(desc)
        key = code or desc
        entry = series_info.setdefault(
            key,
            {
                "series": f"{code}: {desc}" if desc else code,
                "measures": _describe(indicator, False),
                "rows": 0,
            },
        )
        entry["rows"] = int(entry["rows"]) + 1  # type: ignore[call-overload]
        if indicator is None:
            _bad(
                bad,
                c_code,
                "this series is not SDG 16.1.4 (feel safe, or feel unsafe, walking alone after dark)",
                i,
                code,
            )
            continue
        geo = f.at[i, c_geo] if c_geo else ""
        name = f.at[i, c_name] if c_name else ""
        iso3 = iso3_from_numeric(geo) if geo else None
        if iso3 is None and name:
            iso3 = to_iso3(name)
        if iso3 is None:
            if geo and re.fullmatch(r"\d+", geo):
                aggregates[name or geo] = aggregates.get(name or geo, 0) + 1
                continue
            _bad(
                bad,
                c_name or c_geo or c_code,
                "unknown country: not a country name or code this tool knows",
                i,
                name or geo,
            )
            continue
        year = wave_year(f.at[i, c_time])
        if year is None:
            _bad(bad, c_time, "year could not be read", i, f.at[i, c_time])
            continue
        unit = f.at[i, c_units].strip().lower() if c_units else ""
        if unit not in _PERCENT_UNITS:
            _bad(bad, c_units or c_value, "not a percentage: only values in percent are read", i, unit)
            continue
        text = f.at[i, c_value]
        if not text or text.lower() == "nan":
            missing_value.append(i)
            continue
        v = _float(text)
        if v is None or not 0 <= v <= 100:
            _bad(bad, c_value, "not a percentage between 0 and 100", i, text)
            continue
        prepared.append((i, iso3, indicator, year[0]))
        percents.append((i, text, v))
    _refuse_shares(bad, c_value, percents)
    # a dimension with a single value for a country and series describes its population
    constant: dict[tuple[str, str, str], bool] = {}
    for c in dims:
        seen: dict[tuple[str, str], set[str]] = {}
        for i, iso3, ind, _y in prepared:
            seen.setdefault((iso3, ind), set()).add(f.at[i, c])
        for k, values in seen.items():
            constant[(k[0], k[1], c)] = len(values) == 1
    built = Built(_COLUMNS)
    for i, iso3, ind, year in prepared:
        parts = [
            f"{c}={_clean(f.at[i, c])}"
            for c in dims
            if f.at[i, c].strip().lower() not in _TOTALS and not constant.get((iso3, ind, c), False)
        ]
        lo = _float(f.at[i, c_lo]) if c_lo and f.at[i, c_lo] else None
        hi = _float(f.at[i, c_hi]) if c_hi and f.at[i, c_hi] else None
        built.add(
            _row(
                "UN Global SDG Database",
                year,
                iso3,
                ind,
                _share(float(_float(f.at[i, c_value]) or 0.0)),
                "UN SDG indicator 16.1.4 (UN Global SDG Database)",
                breakdown="; ".join(parts) or None,
                ci_low=None if lo is None else _share(lo),
                ci_high=None if hi is None else _share(hi),
            ),
            [i],
        )
    if aggregates:
        shown = ", ".join(f"{k} ({n})" for k, n in sorted(aggregates.items())[:6])
        notes.append(f"Rows of regional aggregates, not countries, were left out: {shown}.")
    if missing_value:
        notes.append(
            f"{len(missing_value)} row(s) have no value: missing, not stored "
            f"({line_list(parsed, missing_value)})."
        )
    used = {
        "survey": "(fixed: UN Global SDG Database)",
        "wave_date": f"{c_time} (1 January)",
        "iso3": f"{c_geo or ''} (UN M49), else {c_name or ''}".strip(", "),
        "indicator": f"{c_code}: what the series measures",
        "value": f"{c_value} ÷ 100",
        "ci_low": f"{c_lo} ÷ 100" if c_lo else "(none)",
        "ci_high": f"{c_hi} ÷ 100" if c_hi else "(none)",
        "breakdown": ", ".join(dims) or "(none)",
        "source": "(fixed: UN SDG indicator 16.1.4 (UN Global SDG Database))",
        "period_grain": "(fixed: year)",
    }
    info = {"series": list(series_info.values()), "attribution": SDG_GLOBAL_ATTRIBUTION}
    return build(built, PERCEPTION, problems=_problems(bad), used=used, notes=notes, info=info)
