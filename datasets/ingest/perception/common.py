"""Shared parts of the perception importers: the layout registry and helpers.

``PERCEPTION_FORMATS`` lists every perception layout; the helpers read numbers, survey years and
countries, and gather problems on file lines, as every importer does.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import PurePath

from datasets.countries import iso3_from_wb, to_iso3
from datasets.ingest.canonical import Problem
from datasets.ingest.collaboration.common import LayoutFormat
from datasets.ingest.reshape import problem
from datasets.schema import PERCEPTION

WGI_ATTRIBUTION = "World Bank WGI, CC BY 4.0 (Worldwide Governance Indicators, www.govindicators.org)"
WGI_SURVEY = "Worldwide Governance Indicators"
WGI_SOURCE = "World Bank WGI"
SDG_GLOBAL_ATTRIBUTION = "UN SDG indicator 16.1.4 (UN Global SDG Database, unstats.un.org/sdgs)"
FEEL_SAFE_CODE = "VC_SNS_WALN_DRK"

PERCEPTION_FORMATS: dict[str, LayoutFormat] = {
    f.key: f
    for f in (
        LayoutFormat(
            "sdg_national",
            "UN SDG 16.1.4, national reporting platform (open-sdg layout)",
            "UN SDG indicator 16.1.4 (national reporting platform)",
            "perception",
            "Year first, Value last (open-sdg)",
        ),
        LayoutFormat(
            "sdg_global",
            "UN SDG 16.1.4, UN Global SDG Database extract",
            SDG_GLOBAL_ATTRIBUTION,
            "perception",
            "SeriesCode, GeoAreaCode or GeoAreaName, TimePeriod, Value",
        ),
        LayoutFormat(
            "wgi",
            "World Bank WGI (wgidataset, long form)",
            WGI_ATTRIBUTION,
            "perception",
            "code, year, indicator, estimate",
        ),
        LayoutFormat(
            "wgi_databank",
            "World Bank DataBank export (WGI)",
            WGI_ATTRIBUTION,
            "perception",
            "Country Code, Series Code, 1996 [YR1996] …",
        ),
        LayoutFormat(
            "wgi_api",
            "World Bank API download (WGI)",
            WGI_ATTRIBUTION,
            "perception",
            "Country Code, Indicator Code, 1996 …",
        ),
    )
}
_COLUMNS = [c.name for c in PERCEPTION.columns]
_YEAR_COLUMN = re.compile(r"^(\d{4})( \[yr\d{4}\])?$", re.IGNORECASE)


# ---- helpers ---------------------------------------------------------------------------------------


def _float(text: str) -> float | None:
    t = text.strip()
    if re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", t):
        return float(t)
    if re.fullmatch(r"[+-]?\d+,\d+", t):
        return float(t.replace(",", "."))
    return None


def wave_year(text: str) -> tuple[int, str] | None:
    """The year a wave is dated by, and its label: ``2021``; ``2019/20`` -> 2020; ``2018-2020`` -> 2019.

    A range of years is dated by its middle year; with two middle years, the later one.
    """
    t = text.strip()
    m = re.fullmatch(r"(\d{4})(?:\.0*)?", t)
    if m:
        return int(m.group(1)), t
    m = re.fullmatch(r"(\d{4})\s*[/\-–]\s*(\d{2}|\d{4})", t)
    if m:
        y1 = int(m.group(1))
        y2 = int(m.group(2)) if len(m.group(2)) == 4 else (y1 // 100) * 100 + int(m.group(2))
        if y2 < y1:
            y2 += 100
        if y2 - y1 > 10:
            return None
        return (y1 + y2 + 1) // 2, t
    return None


def _share(percent: float) -> float:
    """A percentage as a share (÷ 100), rounded to 10 decimals so 66.8 % is 0.668, not 0.66799…"""
    return round(percent / 100, 10)


def _clean(value: str) -> str:
    return " ".join(value.split())


def _bad(bad: dict[tuple[str, str], list[tuple[int, str]]], column: str, text: str, i: int, v: str) -> None:
    bad.setdefault((column, text), []).append((i, v))


def _problems(bad: dict[tuple[str, str], list[tuple[int, str]]]) -> list[Problem]:
    return [problem([r for r, _ in items], c, t, [v for _, v in items]) for (c, t), items in bad.items()]


def _country_from_name(file_name: str) -> str | None:
    """A country named by the words of a file name (exact names of four letters or more), if one."""
    stem = PurePath(file_name).stem
    words = [w for w in re.split(r"[^A-Za-zÀ-ÿ]+", stem) if w]
    found = set()
    for size in (3, 2, 1):
        for k in range(len(words) - size + 1):
            phrase = " ".join(words[k : k + size])
            if len(phrase) < 4:
                continue
            code = to_iso3(phrase)
            if code is not None:
                found.add(code)
    return found.pop() if len(found) == 1 else None


def _given_country(value: str | None) -> str | None:
    if not value:
        return None
    v = value.strip()
    return to_iso3(v) or iso3_from_wb(v)


def _row(
    survey: str, year: int, iso3: str, indicator: str, value: float, source: str, **extra: object
) -> dict[str, object]:
    out: dict[str, object] = {
        "survey": survey,
        "wave_date": dt.date(year, 1, 1),
        "iso3": iso3,
        "indicator": indicator,
        "value": value,
        "source": source,
        "scale": "share",
        "period_grain": "year",
    }
    out.update(extra)
    return out
