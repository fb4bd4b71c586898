"""The bundled region definitions: a complete UN M49 partition and the five security groupings."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from datasets.countries import CURRENT_ISO3, HISTORICAL_STATES, KNOWN_ISO3

DATA = Path(__file__).resolve().parents[1] / "datasets" / "data"
M49 = "UN M49 sub-region"
SECURITY = "Security grouping"

M49_REGIONS = {
    "Northern Africa",
    "Eastern Africa",
    "Middle Africa",
    "Southern Africa",
    "Western Africa",
    "Caribbean",
    "Central America",
    "South America",
    "Northern America",
    "Central Asia",
    "Eastern Asia",
    "South-eastern Asia",
    "Southern Asia",
    "Western Asia",
    "Eastern Europe",
    "Northern Europe",
    "Southern Europe",
    "Western Europe",
    "Australia and New Zealand",
    "Melanesia",
    "Micronesia",
    "Polynesia",
    "Antarctica",  # M49 places Antarctica in no region; it is a region of its own here
}

SECURITY_GROUPINGS = {
    "NATO Europe": {
        "ALB",
        "BEL",
        "BGR",
        "HRV",
        "CZE",
        "DNK",
        "EST",
        "FIN",
        "FRA",
        "DEU",
        "GRC",
        "HUN",
        "ISL",
        "ITA",
        "LVA",
        "LTU",
        "LUX",
        "MNE",
        "NLD",
        "MKD",
        "NOR",
        "POL",
        "PRT",
        "ROU",
        "SVK",
        "SVN",
        "ESP",
        "SWE",
        "TUR",
        "GBR",
    },
    "East Asia": {"JPN", "KOR", "CHN", "PRK", "MNG", "TWN"},
    "ASEAN": {"BRN", "KHM", "IDN", "LAO", "MYS", "MMR", "PHL", "SGP", "THA", "VNM", "TLS"},
    "Sahel": {"BFA", "MLI", "NER", "TCD", "MRT", "SEN"},
    "Middle East": {
        "BHR",
        "EGY",
        "IRN",
        "IRQ",
        "ISR",
        "JOR",
        "KWT",
        "LBN",
        "OMN",
        "PSE",
        "QAT",
        "SAU",
        "SYR",
        "ARE",
        "YEM",
    },
}


@pytest.fixture(scope="module")
def regions() -> pd.DataFrame:
    return pd.read_csv(DATA / "regions.csv", dtype=str, keep_default_na=False)


def test_columns_and_unique_key(regions: pd.DataFrame) -> None:
    assert list(regions.columns) == ["region", "iso3", "grouping"]
    assert not regions.duplicated(["region", "iso3"]).any()
    assert set(regions["grouping"]) == {M49, SECURITY}
    assert (regions == regions.apply(lambda s: s.str.strip())).all().all()


def test_every_code_is_known(regions: pd.DataFrame) -> None:
    assert set(regions["iso3"]) <= KNOWN_ISO3


def test_m49_partition_covers_every_current_code_exactly_once(regions: pd.DataFrame) -> None:
    m49 = regions[regions["grouping"] == M49]
    counts = m49["iso3"].value_counts()
    assert set(counts.index) == CURRENT_ISO3
    assert (counts == 1).all(), counts[counts > 1]
    assert not (set(m49["iso3"]) & set(HISTORICAL_STATES))
    assert set(m49["region"]) == M49_REGIONS


@pytest.mark.parametrize(
    ("iso3", "region"),
    [
        ("XKX", "Southern Europe"),
        ("TWN", "Eastern Asia"),
        ("SDN", "Northern Africa"),
        ("SSD", "Eastern Africa"),
        ("COD", "Middle Africa"),
        ("MEX", "Central America"),
        ("USA", "Northern America"),
        ("TUR", "Western Asia"),
        ("IRN", "Southern Asia"),
        ("RUS", "Eastern Europe"),
        ("GBR", "Northern Europe"),
        ("FSM", "Micronesia"),
    ],
)
def test_m49_placements(regions: pd.DataFrame, iso3: str, region: str) -> None:
    m49 = regions[regions["grouping"] == M49].set_index("iso3")["region"]
    assert m49[iso3] == region


def test_security_groupings_are_exactly_the_defined_lists(regions: pd.DataFrame) -> None:
    sec = regions[regions["grouping"] == SECURITY]
    found = {r: set(g["iso3"]) for r, g in sec.groupby("region")}
    assert found == SECURITY_GROUPINGS
    assert "USA" not in found["East Asia"]


def test_provenance_sidecar() -> None:
    meta = json.loads((DATA / "regions.meta.json").read_text(encoding="utf-8"))
    assert {"title", "source", "licence", "description", "illustrative"} <= set(meta)
    assert meta["illustrative"] is False
    assert all(isinstance(meta[k], str) and meta[k] for k in ("title", "source", "licence", "description"))
