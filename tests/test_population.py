"""The bundled population table: conversion from the World Bank download, provenance and loader."""

import csv
import json
from pathlib import Path

import pandas as pd
import pytest

from datasets.loaders import _data_path, load_population, population_metadata
from datasets.population import convert, read_world_bank_population

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
REAL = SHARED / "data" / "real" / "population" / "API_SP.POP.TOTL_DS2_en_csv_v2_246068.csv"

TINY = (
    '\ufeff"Data Source","World Development Indicators",\r\n\r\n'
    '"Last Updated Date","2025-10-07",\r\n\r\n'
    '"Country Name","Country Code","Indicator Name","Indicator Code","2022","2023",\r\n'
    '"Korea, Rep.","KOR","Population, total","SP.POP.TOTL","51628117","51712619",\r\n'
    '"World","WLD","Population, total","SP.POP.TOTL","7950000000","8030000000",\r\n'
    '"Kosovo","XKX","Population, total","SP.POP.TOTL","1761985","",\r\n'
    '"Channel Islands","CHI","Population, total","SP.POP.TOTL","170000","171000",\r\n'
)


def test_conversion_of_a_literal_download():
    frame, updated = read_world_bank_population(TINY)
    assert updated == "2025-10-07"
    # WLD (an aggregate) and CHI (no ISO3 code) are dropped; Kosovo's empty 2023 is absent, not 0
    assert frame.values.tolist() == [
        ["KOR", 2022, 51628117],
        ["KOR", 2023, 51712619],
        ["XKX", 2022, 1761985],
    ]


def test_a_broken_number_names_line_and_column():
    bad = TINY.replace('"51712619"', '"51,7m"')
    with pytest.raises(ValueError, match=r"line 6, column '2023'"):
        read_world_bank_population(bad)


def test_convert_writes_table_and_sidecar(tmp_path):
    src = tmp_path / "API_SP.POP.TOTL_DS2_en_csv_v2_1.csv"
    src.write_bytes(TINY.encode("utf-8"))
    path = convert(src, tmp_path)
    assert pd.read_csv(path)["population"].sum() == 51628117 + 51712619 + 1761985
    meta = json.loads((tmp_path / "population.meta.json").read_text(encoding="utf-8"))
    assert meta["original_file"] == src.name and meta["last_updated"] == "2025-10-07"
    assert meta["licence"].startswith("CC BY 4.0") and meta["indicator"] == "SP.POP.TOTL"


def test_bundled_table_has_provenance():
    meta = population_metadata()
    for key in ("source", "indicator", "licence", "attribution", "original_file", "last_updated"):
        assert meta[key]
    assert meta["taken_from_commit"] == "129c2b8cb48065045534593058761fd81fdef1c1"
    assert _data_path("population.csv").is_file()


@pytest.mark.skipif(not REAL.is_file(), reason="shared real files not available")
def test_bundled_table_matches_the_world_bank_file():
    pop = load_population()
    with REAL.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    head = next(i for i, r in enumerate(rows) if r and r[0] == "Country Name")
    header = rows[head]
    by_code = {r[1]: r for r in rows[head + 1 :] if r}
    # 217 economies and 48 aggregates and INX: aggregates, INX and CHI (no ISO3) are left out
    assert pop["iso3"].nunique() == 216
    assert not pop["iso3"].isin(["WLD", "SSF", "HIC", "EUU", "INX", "CHI"]).any()
    col = header.index("2020")
    got = pop.set_index(["iso3", "year"])["population"]
    assert got[("NGA", 2020)] == int(by_code["NGA"][col])
    assert got[("XKX", 2020)] == int(by_code["XKX"][col])
    # West Bank and Gaza is empty before 1990 in the file: absent here, not zero
    assert pop.loc[pop["iso3"] == "PSE", "year"].min() == 1990
