"""Importers for public-perception sources, into the ``perception`` table.

Each importer reads a parsed file (``sniff.parse`` after ``preread``) and returns ``Converted``
whose rows carry their origin in the file (see ``reshape``). A file is stored as what it measures:
nothing that is not a share of people who feel safe ever becomes ``feel_safe``.

One module per source: ``sdg`` (UN SDG 16.1.4, national platforms and the global database) and
``wgi`` (World Bank Worldwide Governance Indicators); ``common`` holds the layout registry and the
helpers they share. This package detects a file's layout and hands it to its importer.
"""

from __future__ import annotations

from collections.abc import Sequence

from datasets.ingest.canonical import Converted
from datasets.ingest.perception.common import (  # noqa: F401 (public names of this package)
    _YEAR_COLUMN,
    FEEL_SAFE_CODE,
    PERCEPTION_FORMATS,
    SDG_GLOBAL_ATTRIBUTION,
    WGI_ATTRIBUTION,
    WGI_SOURCE,
    WGI_SURVEY,
    LayoutFormat,
    wave_year,
)
from datasets.ingest.perception.sdg import _sdg_global, _sdg_national, measure_of
from datasets.ingest.perception.wgi import (
    WB_AGGREGATES,  # noqa: F401 (a public name of this package)
    _wgi_long,
    _wgi_wide,
)
from datasets.ingest.sniff import ParsedCsv

__all__ = ["PERCEPTION_FORMATS", "detect_perception", "import_perception", "measure_of"]


def detect_perception(columns: list[str]) -> str | None:
    """The perception layout a header matches (a key of ``PERCEPTION_FORMATS``), or None."""
    raw = [c.strip().lower() for c in columns]
    names = set(raw) | {n.strip("[]") for n in raw}
    if {"code", "year", "indicator", "estimate"} <= names:
        return "wgi"
    years = [n for n in raw if _YEAR_COLUMN.match(n)]
    if {"country code", "series code"} <= names and any("[yr" in y for y in years):
        return "wgi_databank"
    if {"country code", "indicator code"} <= names and years:
        return "wgi_api"
    if {"seriescode", "timeperiod", "value"} <= names and names & {"geoareacode", "geoareaname"}:
        return "sdg_global"
    trimmed = [n for n in raw if n] if raw and not raw[-1] else raw
    if trimmed and trimmed[0] == "year" and trimmed[-1] == "value" and len(trimmed) >= 2:
        return "sdg_national"
    return None


def import_perception(
    parsed: ParsedCsv,
    fmt: str,
    *,
    file_name: str = "",
    country: str | None = None,
    safe_categories: Sequence[str] | None = None,
) -> Converted:
    """Read ``parsed`` in perception layout ``fmt``; see each source's module docstring for its layouts.

    ``country``: the country of a national SDG file that does not name it (a name or ISO code).
    ``safe_categories``: for an answer distribution, the categories that count as feeling safe.
    """
    if fmt == "sdg_national":
        return _sdg_national(parsed, file_name, country, safe_categories)
    if fmt == "sdg_global":
        return _sdg_global(parsed)
    if fmt == "wgi":
        return _wgi_long(parsed)
    if fmt in ("wgi_databank", "wgi_api"):
        return _wgi_wide(parsed, fmt)
    raise ValueError(f"unknown perception format '{fmt}'")
