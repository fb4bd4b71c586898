"""Bundled country population table: conversion from the World Bank's download, reproducibly.

Run ``python -m datasets.population SOURCE.csv`` to rebuild ``datasets/data/population.csv`` and its
sidecar ``population.meta.json`` from the World Bank's per-indicator download of ``SP.POP.TOTL``
("Population, total"; CC BY 4.0). The download is wide (one row per economy or aggregate, one
column per year) with a preamble, a UTF-8 BOM, CRLF line ends and a trailing comma on every line;
older vintages end at an earlier year, so the year columns are taken from the header.

Kept: economies whose World Bank code is a country code of ``datasets.countries``
(``iso3_from_wb``: ISO3 codes pass, ``XKX`` is Kosovo); dropped: the aggregates (``WLD``, ``SSF``,
``HIC``, …), ``INX`` "Not classified" and ``CHI`` Channel Islands (no ISO3 code). Missing years
(an empty cell) are left out, never written as zero.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sys
from pathlib import Path

import pandas as pd

from datasets.countries import iso3_from_wb

POPULATION_FILE = "population.csv"
POPULATION_META = "population.meta.json"
#: Provenance of the bundled vintage of the World Bank table.
SOURCE_META: dict[str, str] = {
    "title": "Population, total (country-years)",
    "source": "The World Bank, World Development Indicators",
    "indicator": "SP.POP.TOTL",
    "indicator_name": "Population, total (midyear, de facto; persons)",
    "licence": "CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/)",
    "attribution": "The World Bank: World Development Indicators: Population, total (SP.POP.TOTL)",
    "original_file": "API_SP.POP.TOTL_DS2_en_csv_v2_246068.csv",
    "taken_from": "data/Population.zip of the GitHub repository zalesjan/gdp_world_bank_agent",
    "taken_from_commit": "129c2b8cb48065045534593058761fd81fdef1c1",
    "conversion": "python -m datasets.population SOURCE.csv (datasets/population.py)",
}


def _header_line(lines: list[str]) -> int:
    for i, line in enumerate(lines):
        if re.match(r'^"?Country Name"?,', line.strip()):
            return i
    raise ValueError("no header line starting with 'Country Name' was found in the population file")


def read_world_bank_population(text: str) -> tuple[pd.DataFrame, str | None]:
    """Long table ``iso3, year, population`` of the economies in a World Bank ``SP.POP.TOTL`` CSV.

    Returns the table (sorted by iso3, year; ``population`` whole persons, int64) and the file's
    "Last Updated Date" (``None`` when the preamble does not give it). Raises ``ValueError`` naming
    the line and column of a value that is not a number.
    """
    text = text.lstrip("\ufeff")
    lines = text.splitlines()
    head = _header_line(lines)
    updated = None
    for line in lines[:head]:
        m = re.match(r'^"?Last Updated Date"?,"?([0-9-]+)"?', line.strip())
        if m:
            updated = m.group(1)
    rows = list(csv.reader(io.StringIO("\n".join(lines[head:]))))
    header = [h.strip() for h in rows[0]]
    code_col = header.index("Country Code")
    years = [(j, int(h)) for j, h in enumerate(header) if re.fullmatch(r"\d{4}", h)]
    out: list[tuple[str, int, int]] = []
    for k, row in enumerate(rows[1:], start=head + 2):
        if not row or len(row) <= code_col:
            continue
        iso3 = iso3_from_wb(row[code_col])
        if iso3 is None:
            continue
        for j, year in years:
            cell = row[j].strip() if j < len(row) else ""
            if not cell:
                continue
            try:
                value = float(cell)
            except ValueError:
                raise ValueError(
                    f"population file, line {k}, column '{year}': '{cell}' is not a number"
                ) from None
            out.append((iso3, year, int(round(value))))
    frame = pd.DataFrame(out, columns=["iso3", "year", "population"])
    frame = frame.astype({"year": "int64", "population": "int64"})
    return frame.sort_values(["iso3", "year"], kind="stable").reset_index(drop=True), updated


def convert(source: str | Path, target_dir: str | Path) -> Path:
    """Write ``population.csv`` (``iso3,year,population``) and its ``.meta.json`` into ``target_dir``.

    ``source`` is the World Bank CSV (BOM, CRLF and LF copies alike). Returns the CSV's path.
    """
    src = Path(source)
    frame, updated = read_world_bank_population(src.read_text(encoding="utf-8-sig"))
    target = Path(target_dir)
    path = target / POPULATION_FILE
    frame.to_csv(path, index=False, lineterminator="\n")
    meta = {
        **SOURCE_META,
        "original_file": src.name,
        "last_updated": updated,
        "rows": len(frame),
        "countries": int(frame["iso3"].nunique()),
        "years": f"{int(frame['year'].min())}-{int(frame['year'].max())}",
        "description": (
            "One row per country and year: iso3 (ISO 3166-1 alpha-3; XKX Kosovo), year, population "
            "(persons, midyear). World Bank aggregates (WLD, SSF, HIC, ...), INX 'Not classified' and "
            "CHI 'Channel Islands' (no ISO3 code) are left out; years the World Bank leaves empty "
            "(West Bank and Gaza before 1990) are absent, not zero."
        ),
        "illustrative": False,
    }
    (target / POPULATION_META).write_text(
        json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return path


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m datasets.population SOURCE.csv", file=sys.stderr)
        return 2
    path = convert(args[0], Path(__file__).resolve().parent / "data")
    print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
