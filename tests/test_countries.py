"""The country crosswalk: every name class the sources use, the numeric code systems, and the
real files in ``../shared/data/real`` when that folder exists."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pycountry
import pytest

from datasets import countries
from datasets.countries import (
    COW_TO_ISO3,
    CURRENT_ISO3,
    GW_TO_ISO3,
    HISTORICAL_STATES,
    KNOWN_ISO3,
    country_name,
    iso3_from_cow,
    iso3_from_gw,
    iso3_from_numeric,
    iso3_from_wb,
    map_names,
    non_state_label,
    to_iso3,
)

REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "real"
needs_real = pytest.mark.skipif(not REAL.is_dir(), reason="real source files not available")

ACLED = [
    ("Democratic Republic of Congo", "COD"),
    ("Republic of Congo", "COG"),
    ("Ivory Coast", "CIV"),
    ("eSwatini", "SWZ"),
    ("Turkey", "TUR"),
    ("Türkiye", "TUR"),
    ("South Korea", "KOR"),
    ("North Korea", "PRK"),
    ("Russia", "RUS"),
    ("Iran", "IRN"),
    ("Syria", "SYR"),
    ("Laos", "LAO"),
    ("Vietnam", "VNM"),
    ("Palestine", "PSE"),
    ("Bolivia", "BOL"),
    ("Tanzania", "TZA"),
    ("Venezuela", "VEN"),
    ("Moldova", "MDA"),
    ("Czech Republic", "CZE"),
    ("Czechia", "CZE"),
    ("North Macedonia", "MKD"),
    ("Macedonia", "MKD"),
    ("Cape Verde", "CPV"),
    ("Kosovo", "XKX"),
    ("Taiwan", "TWN"),
    ("Micronesia", "FSM"),
    ("Brunei", "BRN"),
    ("Myanmar", "MMR"),
    ("Burma", "MMR"),
    ("East Timor", "TLS"),
    ("Timor-Leste", "TLS"),
    ("Gambia", "GMB"),
    ("Bahamas", "BHS"),
    ("United States", "USA"),
    ("United Kingdom", "GBR"),
]
UCDP_GW = [
    ("Russia (Soviet Union)", "RUS"),
    ("Yemen (North Yemen)", "YEM"),
    ("Cambodia (Kampuchea)", "KHM"),
    ("DR Congo (Zaire)", "COD"),
    ("Myanmar (Burma)", "MMR"),
    ("Zimbabwe (Rhodesia)", "ZWE"),
    ("Serbia (Yugoslavia)", "YUG"),  # UCDP's name for GW 345, which ended in 2006
    ("Madagascar (Malagasy)", "MDG"),
    ("Bosnia-Herzegovina", "BIH"),
    ("Vietnam (North Vietnam)", "VNM"),
    ("United States of America", "USA"),
    ("Congo", "COG"),
    ("Rumania", "ROU"),
    ("German Federal Republic", "DEU"),
    ("Iran (Persia)", "IRN"),
]
SIPRI = [
    ("United States", "USA"),
    ("UK", "GBR"),
    ("Soviet Union", "SUN"),
    ("Korea South", "KOR"),
    ("Korea North", "PRK"),
    ("Bosnia-Herzegovina", "BIH"),
    ("Cote d'Ivoire", "CIV"),
    ("DR Congo", "COD"),
    ("Viet Nam", "VNM"),
    ("Czechia", "CZE"),
    ("UAE", "ARE"),
    ("Libya GNC", "LBY"),
    ("Libya HoR", "LBY"),
    ("Turkiye", "TUR"),
    ("East Germany (GDR)", "DDR"),
    ("Germany (FRG)", "DEU"),
]
MME = [
    ("Federal Republic of Germany", "DEU"),
    ("German Democratic Republic", "DDR"),
    ("United States of America", "USA"),
    ("Republic of Korea", "KOR"),
    ("Great Britain", "GBR"),
    ("Côte d’Ivoire", "CIV"),  # typographic apostrophe
    ("Congo - Brazzaville", "COG"),
    ("Congo - Kinshasa", "COD"),
    ("Bosnia & Herzegovina", "BIH"),
    ("São Tomé & Príncipe", "STP"),
    ("St. Kitts & Nevis", "KNA"),
    ("St. Vincent & Grenadines", "VCT"),
    ("Hong Kong SAR China", "HKG"),
    ("st. christopher", "KNA"),
    ("Netherlands Antilles", "ANT"),
]
UN = [
    ("Republic of Korea", "KOR"),
    ("Türkiye", "TUR"),
    ("Iran (Islamic Republic of)", "IRN"),
    ("Bolivia (Plurinational State of)", "BOL"),
    ("Venezuela (Bolivarian Republic of)", "VEN"),
    ("United Republic of Tanzania", "TZA"),
    ("Democratic People's Republic of Korea", "PRK"),
    ("Lao People's Democratic Republic", "LAO"),
    ("Republic of Moldova", "MDA"),
    ("State of Palestine", "PSE"),
    ("Syrian Arab Republic", "SYR"),
    ("Côte d'Ivoire", "CIV"),
    ("Kosovo (under UNSC res. 1244)", "XKX"),
    ("Micronesia (Federated States of)", "FSM"),
    ("United Kingdom of Great Britain and Northern Ireland", "GBR"),
    ("Netherlands (Kingdom of the)", "NLD"),
]
WORLD_BANK = [
    ("Korea, Rep.", "KOR"),
    ("Korea, Dem. People's Rep.", "PRK"),
    ("Korea, Dem. Rep.", "PRK"),
    ("Egypt, Arab Rep.", "EGY"),
    ("Iran, Islamic Rep.", "IRN"),
    ("Yemen, Rep.", "YEM"),
    ("Venezuela, RB", "VEN"),
    ("Congo, Dem. Rep.", "COD"),
    ("Congo, Rep.", "COG"),
    ("Gambia, The", "GMB"),
    ("Bahamas, The", "BHS"),
    ("Hong Kong SAR, China", "HKG"),
    ("Macao SAR, China", "MAC"),
    ("Lao PDR", "LAO"),
    ("Kyrgyz Republic", "KGZ"),
    ("Slovak Republic", "SVK"),
    ("Micronesia, Fed. Sts.", "FSM"),
    ("Turkiye", "TUR"),
    ("West Bank and Gaza", "PSE"),
    ("Russian Federation", "RUS"),
    ("Syrian Arab Republic", "SYR"),
    ("St. Lucia", "LCA"),
    ("Taiwan, China", "TWN"),
    ("São Tomé and Principe", "STP"),
    ("Virgin Islands (U.S.)", "VIR"),
]
HISTORICAL = [
    ("Soviet Union", "SUN"),
    ("USSR", "SUN"),
    ("Yugoslavia", "YUG"),
    ("Serbia and Montenegro", "YUG"),
    ("Czechoslovakia", "CSK"),
    ("East Germany", "DDR"),
    ("West Germany", "DEU"),
    ("North Yemen", "YAR"),
    ("Yemen Arab Republic", "YAR"),
    ("South Yemen", "YMD"),
    ("South Vietnam", "RVN"),
    ("Republic of Vietnam", "RVN"),
    ("North Vietnam", "VNM"),
    ("Zaire", "COD"),
]


@pytest.mark.parametrize(
    ("name", "iso3"),
    ACLED + UCDP_GW + SIPRI + MME + UN + WORLD_BANK + HISTORICAL,
)
def test_source_names(name: str, iso3: str) -> None:
    assert to_iso3(name) == iso3


@pytest.mark.parametrize(
    ("name", "iso3"),
    [
        ("Republic of Korea", "KOR"),
        ("Democratic People's Republic of Korea", "PRK"),
        ("Korea, Rep.", "KOR"),
        ("Korea, Republic of", "KOR"),
        ("Korea, Democratic People's Republic of", "PRK"),
    ],
)
def test_the_two_koreas_are_never_confused(name: str, iso3: str) -> None:
    assert to_iso3(name) == iso3
    # the trap this module exists to avoid
    assert pycountry.countries.search_fuzzy("Republic of Korea")[0].alpha_3 == "PRK"


@pytest.mark.parametrize(
    "variant",
    ["  korea,   rep. ", "KOREA, REP.", "Korea , Rep.", "Korea,Rep", "korea, rep"],
)
def test_case_whitespace_and_punctuation_are_normalised(variant: str) -> None:
    assert to_iso3(variant) == "KOR"


@pytest.mark.parametrize(
    ("name", "iso3"),
    [
        ("Côte d’Ivoire", "CIV"),
        ("Cote d`Ivoire", "CIV"),
        ("Bosnia – Herzegovina", "BIH"),  # en dash
        ("Trinidad & Tobago", "TTO"),
        ("The Gambia", "GMB"),
        ("the Netherlands", "NLD"),
        ("Turkiye", "TUR"),
        ("TÜRKIYE", "TUR"),
        ("Curacao", "CUW"),
        ("Curaçao", "CUW"),
        ("U.S.", "USA"),
        ("NATO**", None),
    ],
)
def test_apostrophes_dashes_and_listed_ascii_spellings(name: str, iso3: str | None) -> None:
    assert to_iso3(name) == iso3


@pytest.mark.parametrize(
    ("code", "iso3"),
    [
        ("USA", "USA"),
        ("usa", "USA"),
        ("DE", "DEU"),
        ("gb", "GBR"),
        ("XK", "XKX"),
        ("XKX", "XKX"),
        ("SUN", "SUN"),
        ("YUG", "YUG"),
    ],
)
def test_codes(code: str, iso3: str) -> None:
    assert to_iso3(code) == iso3


@pytest.mark.parametrize(
    "value",
    [
        "Atlantis",
        "Korea",
        "Virgin Islands",
        "",
        "   ",
        "Hyderabad",
        "Republic of Korea North",
        "ROM",
        None,
        4,
        710,
        "710",
        3.5,
        float("nan"),
        True,
    ],
)
def test_unknown_ambiguous_and_numeric_values_give_none(value: object) -> None:
    assert to_iso3(value) is None  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "label"),
    [
        ("NATO", "NATO"),
        ("NATO**", "NATO"),
        ("North Atlantic Treaty Organization", "NATO"),
        ("EU", "European Union"),
        ("European Union**", "European Union"),
        ("African Union", "African Union"),
        ("Baltic States", "Baltic States"),
        ("United Nations", "United Nations"),
        ("UN", "United Nations"),
        ("unknown supplier(s)", "unknown supplier(s)"),
        ("Unknown Supplier(s)", "unknown supplier(s)"),
        ("unknown recipient(s)", "unknown recipient(s)"),
        ("Syria rebels*", "Syria rebels"),  # SIPRI marks armed groups with *
    ],
)
def test_non_state_groupings(value: str, label: str) -> None:
    assert non_state_label(value) == label
    assert to_iso3(value) is None


@pytest.mark.parametrize("value", ["France", "Korea, Rep.", "Libya HoR*", "Atlantis", None, 2])
def test_states_and_unknowns_are_not_non_state(value: object) -> None:
    assert non_state_label(value) is None  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("code", "iso3"),
    [
        ("024", "AGO"),
        ("24", "AGO"),
        (24, "AGO"),
        (4, "AFG"),
        ("004", "AFG"),
        (24.0, "AGO"),
        ("840", "USA"),
        (810, "SUN"),
        (890, "YUG"),
        (200, "CSK"),
        (278, "DDR"),
        (720, "YMD"),
        (886, "YAR"),
        (530, "ANT"),
        (999, None),
        (-4, None),
        ("AGO", None),
        (None, None),
        (float("nan"), None),
        (True, None),
    ],
)
def test_iso_numeric(code: object, iso3: str | None) -> None:
    assert iso3_from_numeric(code) == iso3  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("code", "iso3"),
    [
        (2, "USA"),
        ("2", "USA"),
        (" 2 ", "USA"),
        (2.0, "USA"),
        (260, "DEU"),
        (255, "DEU"),
        (265, "DDR"),
        (365, "RUS"),
        (816, "VNM"),
        (817, "RVN"),
        (710, "CHN"),
        (713, "TWN"),
        (740, "JPN"),
        (732, "KOR"),
        (731, "PRK"),
        (340, "SRB"),
        (345, "YUG"),
        (347, "XKX"),
        (315, "CSK"),
        (316, "CZE"),
        (678, "YEM"),
        (680, "YMD"),
        (970, "KIR"),
        (971, "NRU"),
        (972, "TON"),
        (973, "TUV"),
        (751, None),
        (-9, None),
        ("-9", None),
        (None, None),
        ("2, 200", None),
    ],
)
def test_gleditsch_ward(code: object, iso3: str | None) -> None:
    assert iso3_from_gw(code) == iso3  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("code", "iso3"),
    [
        (2, "USA"),
        (255, "DEU"),
        (260, "DEU"),
        (265, "DDR"),
        (365, "RUS"),
        (345, "SRB"),
        (340, None),
        (347, "XKX"),
        (315, "CSK"),
        (316, "CZE"),
        (678, "YAR"),
        (679, "YEM"),
        (680, "YMD"),
        (816, "VNM"),
        (817, "RVN"),
        (713, "TWN"),
        (946, "KIR"),
        (947, "TUV"),
        (955, "TON"),
        (970, "NRU"),
        (240, None),
    ],
)
def test_correlates_of_war(code: object, iso3: str | None) -> None:
    assert iso3_from_cow(code) == iso3  # type: ignore[arg-type]


def test_gw_and_cow_differ_only_where_documented() -> None:
    differing = {c for c in GW_TO_ISO3.keys() | COW_TO_ISO3.keys() if GW_TO_ISO3.get(c) != COW_TO_ISO3.get(c)}
    assert differing == {340, 345, 678, 679, 946, 947, 955, 970, 971, 972, 973}
    assert set(GW_TO_ISO3.values()) <= KNOWN_ISO3
    assert set(COW_TO_ISO3.values()) <= KNOWN_ISO3


@pytest.mark.parametrize(
    ("code", "iso3"),
    [
        ("ROM", "ROU"),
        ("ZAR", "COD"),
        ("TMP", "TLS"),
        ("ADO", "AND"),
        ("WBG", "PSE"),
        ("KSV", "XKX"),
        ("USA", "USA"),
        ("deu", "DEU"),
        (" KOR ", "KOR"),
        ("ANT", "ANT"),
        ("JEY", "JEY"),
        ("WLD", None),
        ("SSF", None),
        ("", None),
        (None, None),
    ],
)
def test_world_bank_codes(code: str | None, iso3: str | None) -> None:
    assert iso3_from_wb(code) == iso3


def test_known_codes() -> None:
    iso = {c.alpha_3 for c in pycountry.countries}
    assert iso <= CURRENT_ISO3
    assert iso | {"XKX"} == CURRENT_ISO3
    assert set(HISTORICAL_STATES) == {"SUN", "YUG", "CSK", "DDR", "YAR", "YMD", "RVN", "ANT"}
    assert CURRENT_ISO3 | set(HISTORICAL_STATES) == KNOWN_ISO3
    assert not (set(HISTORICAL_STATES) & CURRENT_ISO3)
    assert all(len(c) == 3 and c.isupper() for c in KNOWN_ISO3)


@pytest.mark.parametrize(
    ("iso3", "name"),
    [
        ("KOR", "South Korea"),
        ("PRK", "North Korea"),
        ("RUS", "Russia"),
        ("TUR", "Türkiye"),
        ("SUN", "Soviet Union"),
        ("XKX", "Kosovo"),
        ("USA", "United States"),
        ("COD", "DR Congo"),
        ("COG", "Republic of the Congo"),
        ("IRN", "Iran"),
        ("VNM", "Vietnam"),
        ("FRA", "France"),
        ("yug", "Yugoslavia"),
    ],
)
def test_country_name(iso3: str, name: str) -> None:
    assert country_name(iso3) == name


def test_country_name_round_trips_for_every_known_code() -> None:
    for iso3 in KNOWN_ISO3:
        name = country_name(iso3)
        assert name and "," not in name.replace("Bonaire, Sint", "")
        assert to_iso3(name) == iso3, (iso3, name)


def test_country_name_of_unknown_code_raises() -> None:
    with pytest.raises(KeyError):
        country_name("ZZZ")


def test_map_names_maps_each_distinct_value_once_and_reports_unknowns() -> None:
    values = ["France", "NATO", "Atlantis", None, "Korea, Rep.", "France", "korea", float("nan")]
    column = pd.Series(values * 1000)
    mapping, unknown = map_names(column)
    assert mapping == {"France": "FRA", "NATO": None, "Atlantis": None, "Korea, Rep.": "KOR", "korea": None}
    assert unknown == ["Atlantis", "korea"]
    iso3 = column.map(mapping)
    first = [None if pd.isna(v) else v for v in iso3.iloc[:8]]
    assert first == ["FRA", None, None, None, "KOR", "FRA", None, None]


def test_map_names_on_arrow_lists_and_code_columns() -> None:
    mapping, unknown = map_names(pa.chunked_array([["Turkey", "Türkiye"], [None, "Turkiye"]]))
    assert mapping == {"Turkey": "TUR", "Türkiye": "TUR", "Turkiye": "TUR"}
    assert unknown == []
    mapping, unknown = map_names([2, 365, -9, 2, 751], convert=iso3_from_gw)
    assert mapping == {2: "USA", 365: "RUS", -9: None, 751: None}
    assert unknown == [-9, 751]


def test_no_fuzzy_matching_and_no_streamlit() -> None:
    tree = ast.parse(inspect.getsource(countries))
    attributes = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    assert "search_fuzzy" not in attributes
    assert "lookup" not in attributes  # pycountry's lookup() tries names in order, also loosely
    imported = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {(n.module or "").split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert "streamlit" not in imported


def test_alias_table_only_names_known_codes() -> None:
    assert set(countries.ALIASES.values()) <= KNOWN_ISO3


# ---------------------------------------------------------------------------------------------
# Conformance with the real files (CI has them beside the checkout).
# ---------------------------------------------------------------------------------------------


@needs_real
def test_sipri_supplier_and_recipient_names() -> None:
    path = REAL / "collaboration" / "sipri_trade_register_to_ukraine_2000-2024_layout2025.csv"
    frame = pd.read_csv(path, skiprows=11, dtype=str, keep_default_na=False)
    names = set(frame["Supplier"]) | set(frame["Recipient"])
    assert names
    bad = sorted(n for n in names if to_iso3(n) is None and non_state_label(n) is None)
    assert bad == []


@needs_real
def test_wgi_codes_and_names() -> None:
    frame = pd.read_excel(
        REAL / "perception" / "wgi_2024_wgidataset.xlsx",
        engine="calamine",
        usecols=["code", "countryname"],
        dtype=str,
    )
    pairs = frame.drop_duplicates()
    assert len(pairs) == frame["code"].nunique()
    unmapped = sorted(c for c in pairs["code"] if iso3_from_wb(c) is None)
    assert unmapped == []
    disagree = [(c, n) for c, n in pairs.itertuples(index=False) if to_iso3(n) != iso3_from_wb(c)]
    assert disagree == []


@needs_real
def test_ucdp_location_names_agree_with_their_gw_codes() -> None:
    path = REAL / "conflict" / "ucdp_prio_acd_v24_1.csv"
    frame = pd.read_csv(path, dtype=str, usecols=["location", "gwno_loc"])
    for location, gwno in frame.drop_duplicates().itertuples(index=False):
        by_name = sorted(str(to_iso3(x.strip())) for x in location.split(","))
        by_code = sorted(str(iso3_from_gw(x)) for x in gwno.split(","))
        assert by_name == by_code, (location, gwno)
    names = {x.strip() for s in frame["location"] for x in s.split(",")}
    # Hyderabad (GW 751, 1947-1948) is the one state in the file with no code.
    assert map_names(names)[1] == ["Hyderabad"]


@needs_real
def test_mcmanus_nieman_country_names_agree_with_their_cow_codes() -> None:
    path = REAL / "collaboration" / "mcmanus_nieman_2019_signals.csv"
    frame = pd.read_csv(path, usecols=["ccode", "country"])
    pairs = frame.drop_duplicates()
    disagree = [(c, n) for c, n in pairs.itertuples(index=False) if iso3_from_cow(c) != to_iso3(n)]
    assert disagree == []
    # Zanzibar (COW 511, 1963-1964) is the one state in the file with no code.
    assert [n for c, n in pairs.itertuples(index=False) if iso3_from_cow(c) is None] == ["Zanzibar"]


@needs_real
def test_mme_participant_names() -> None:
    frame = pd.read_csv(
        REAL / "collaboration" / "mme_v7_long.csv", dtype=str, keep_default_na=False, usecols=["country"]
    )
    mapping, unknown = map_names(frame["country"])
    assert unknown == ["-9"]  # MME's code for a missing participant
    assert non_state_label("NATO") == "NATO" and "NATO" in mapping
