"""Country crosswalk: every source's country names and codes to ISO 3166-1 alpha-3.

One table for the whole project. Each importer turns the names or codes its source uses into
ISO3 here, and nowhere else.

Matching is exact. A name is reduced to a key (case folded, whitespace collapsed, apostrophe and
dash variants unified, ``&`` read as ``and``, full stops and SIPRI's ``*`` markers dropped, a
leading ``The`` or trailing ``, The`` dropped) and looked up in two tables: the names and codes
of ``pycountry`` (ISO short, official and common names, alpha-2 and alpha-3) and ``ALIASES``,
the spellings the sources really use. Diacritics are not stripped: ASCII spellings such as
"Turkiye" or "Cote d'Ivoire" are listed in ``ALIASES``. Nothing is fuzzy: a name that is not in
a table gives ``None`` (``pycountry.countries.search_fuzzy`` maps "Republic of Korea" to North
Korea, which is why it is never used here).

Codes that are not ISO3
    ``XKX``  Kosovo (the user-assigned code used by the EU, the IMF and the World Bank's WDI).
    ``SUN``  Soviet Union, 1922-1991 (ISO 3166-3 retired code).
    ``YUG``  Yugoslavia, 1918-2006, including the Federal Republic of Yugoslavia / Serbia and
             Montenegro of 1992-2006 (ISO 3166-3 retired code; ISO used SCG for 2003-2006).
    ``CSK``  Czechoslovakia, 1918-1992 (ISO 3166-3 retired code).
    ``DDR``  German Democratic Republic (East Germany), 1949-1990 (ISO 3166-3 retired code).
    ``YAR``  Yemen Arab Republic (North Yemen) before unification in 1990 (project code).
    ``YMD``  People's Democratic Republic of Yemen (South Yemen), 1967-1990 (ISO 3166-3).
    ``RVN``  Republic of Vietnam (South Vietnam), 1955-1975 (project code).
    ``ANT``  Netherlands Antilles, dissolved 2010 (ISO 3166-3; still in the World Bank's WGI).
West Germany is ``DEU``: the Federal Republic continues as today's Germany.

Continuing states
    A name or code that a state still uses today gives its current code, even in years when the
    state was called something else: "Russia (Soviet Union)", GW/COW 365 -> RUS; "Vietnam (North
    Vietnam)", GW/COW 816 -> VNM; "Yemen (North Yemen)", GW 678 -> YEM (UCDP and Gleditsch-Ward
    treat unified Yemen as the continuation of North Yemen); "DR Congo (Zaire)", "Zaire" -> COD;
    COW 345 -> SRB (COW has no other code for Serbia). A name of a state that has ended gives its
    historical code ("Soviet Union" -> SUN, "Yugoslavia" -> YUG, "North Yemen" -> YAR, "South
    Vietnam" -> RVN), and so does a code that its system retired: GW 345 Yugoslavia ended in 2006,
    when Gleditsch-Ward gave Serbia 340, so GW 345 -> YUG, and so is UCDP's "Serbia (Yugoslavia)",
    the name UCDP gives GW 345 (its rows are 1991-1999); COW 678 Yemen Arab Republic ended in 1990,
    when COW gave Yemen 679. UCDP names and their GW codes therefore always agree. These mappings
    know no years: an importer that needs the USSR rather than Russia in 1980, or Serbia rather than
    Yugoslavia in a regional total, must decide from the year itself: ``iso3_from_gw_year`` does
    so for the codes of ``GW_DATED`` (GW 817 only until 1975; GW 345 as Serbia from 1992).

Groupings that are not states ("NATO", "European Union", "unknown supplier(s)", SIPRI's
``*``-marked armed groups) are recognised by ``non_state_label`` and give ``None`` from
``to_iso3``.
"""

from __future__ import annotations

import math
import numbers
import re
import unicodedata
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any

import pandas as pd
import pycountry

__all__ = [
    "ALIASES",
    "CURRENT_ISO3",
    "COW_TO_ISO3",
    "GW_TO_ISO3",
    "HISTORICAL_STATES",
    "KNOWN_ISO3",
    "KOSOVO",
    "WB_TO_ISO3",
    "country_name",
    "iso3_from_cow",
    "iso3_from_gw",
    "iso3_from_gw_year",
    "iso3_from_numeric",
    "iso3_from_wb",
    "map_names",
    "non_state_label",
    "to_iso3",
]

KOSOVO = "XKX"

#: Codes of states that no longer exist, with a short name. See the module docstring.
HISTORICAL_STATES: dict[str, str] = {
    "SUN": "Soviet Union",
    "YUG": "Yugoslavia",
    "CSK": "Czechoslovakia",
    "DDR": "East Germany",
    "YAR": "North Yemen",
    "YMD": "South Yemen",
    "RVN": "South Vietnam",
    "ANT": "Netherlands Antilles",
}

#: Every current ISO 3166-1 alpha-3 code (countries and territories) plus Kosovo.
CURRENT_ISO3: frozenset[str] = frozenset(c.alpha_3 for c in pycountry.countries) | {KOSOVO}

#: Every code this module can return: ``CURRENT_ISO3`` plus the historical states.
KNOWN_ISO3: frozenset[str] = CURRENT_ISO3 | frozenset(HISTORICAL_STATES)

# ---------------------------------------------------------------------------------------------
# Names the sources use, beyond pycountry's own names. Keys are written as the sources spell
# them; they are normalised like every input, so "Korea, Rep." and "korea,  rep" are one entry.
# An entry that pycountry already knows is harmless; one that contradicts pycountry fails at
# import.
# ---------------------------------------------------------------------------------------------
ALIASES: dict[str, str] = {
    # Common English short names, ACLED.
    "Afghanistan": "AFG",
    "Bahamas": "BHS",
    "Bolivia": "BOL",
    "Brunei": "BRN",
    "Burma": "MMR",
    "Cape Verde": "CPV",
    "Czech Republic": "CZE",
    "Czechia": "CZE",
    "Democratic Republic of Congo": "COD",
    "Democratic Republic of the Congo": "COD",
    "East Timor": "TLS",
    "eSwatini": "SWZ",
    "Swaziland": "SWZ",
    "Gambia": "GMB",
    "Iran": "IRN",
    "Ivory Coast": "CIV",
    "Kosovo": KOSOVO,
    "Laos": "LAO",
    "Macedonia": "MKD",
    "Micronesia": "FSM",
    "Federated States of Micronesia": "FSM",
    "Moldova": "MDA",
    "Myanmar": "MMR",
    "North Korea": "PRK",
    "North Macedonia": "MKD",
    "Palestine": "PSE",
    "Palestinian Territories": "PSE",
    "Occupied Palestinian Territory": "PSE",
    "Republic of Congo": "COG",
    "Republic of the Congo": "COG",
    "Russia": "RUS",
    "South Korea": "KOR",
    "Syria": "SYR",
    "Taiwan": "TWN",
    "Tanzania": "TZA",
    "Timor-Leste": "TLS",
    "Turkey": "TUR",
    "Türkiye": "TUR",
    "Turkiye": "TUR",
    "United States": "USA",
    "United Kingdom": "GBR",
    "Venezuela": "VEN",
    "Vietnam": "VNM",
    "Vatican City": "VAT",
    "Vatican": "VAT",
    "Holy See": "VAT",
    "Saint-Martin": "MAF",
    "Saint Martin (French part)": "MAF",
    "Sint Maarten": "SXM",
    "Saint-Barthelemy": "BLM",
    "Saint Barthelemy": "BLM",
    "Saint Helena": "SHN",
    "Caribbean Netherlands": "BES",
    "Bonaire, Saint Eustatius and Saba": "BES",
    "Falkland Islands": "FLK",
    "US Virgin Islands": "VIR",
    "United States Virgin Islands": "VIR",
    "British Virgin Islands": "VGB",
    "Republic of China": "TWN",  # the official name of Taiwan, not of the PRC
    "People's Republic of China": "CHN",
    # ASCII spellings of names with diacritics (diacritics are never stripped automatically).
    "Aland Islands": "ALA",
    "Cote d'Ivoire": "CIV",
    "Curacao": "CUW",
    "Reunion": "REU",
    "Sao Tome and Principe": "STP",
    "São Tomé and Príncipe": "STP",
    "São Tomé and Principe": "STP",
    # Abbreviations in common use.
    "UK": "GBR",
    "U.K.": "GBR",
    "Great Britain": "GBR",
    "Britain": "GBR",
    "UAE": "ARE",
    "DRC": "COD",
    "DPRK": "PRK",
    "ROK": "KOR",
    "PRC": "CHN",
    "USSR": "SUN",
    "GDR": "DDR",
    "FRG": "DEU",
    "FYROM": "MKD",
    # Former names of states that continue today under another name.
    "Zaire": "COD",
    "Rhodesia": "ZWE",
    "Kampuchea": "KHM",
    "Ceylon": "LKA",
    "Upper Volta": "BFA",
    "Dahomey": "BEN",
    "Western Samoa": "WSM",
    # Historical states (see the module docstring).
    "Soviet Union": "SUN",
    "Union of Soviet Socialist Republics": "SUN",
    "Yugoslavia": "YUG",
    "Socialist Federal Republic of Yugoslavia": "YUG",
    "SFR Yugoslavia": "YUG",
    "Federal Republic of Yugoslavia": "YUG",
    "Serbia and Montenegro": "YUG",
    "Czechoslovakia": "CSK",
    "East Germany": "DDR",
    "German Democratic Republic": "DDR",
    "East Germany (GDR)": "DDR",
    "German Democratic Republic (East Germany)": "DDR",
    "West Germany": "DEU",
    "Federal Republic of Germany": "DEU",
    "West Germany (FRG)": "DEU",
    "Germany (FRG)": "DEU",
    "German Federal Republic": "DEU",
    "German Federal Republic (West Germany)": "DEU",
    "North Yemen": "YAR",
    "Yemen Arab Republic": "YAR",
    "Yemen Arab Republic (North Yemen)": "YAR",
    "Yemen, North": "YAR",
    "South Yemen": "YMD",
    "People's Democratic Republic of Yemen": "YMD",
    "Yemen People's Republic": "YMD",
    "Yemen People's Republic (South Yemen)": "YMD",
    "Yemen, People's Republic of": "YMD",
    "Yemen, South": "YMD",
    "South Vietnam": "RVN",
    "Republic of Vietnam": "RVN",
    "Republic of Vietnam (South Vietnam)": "RVN",
    "Vietnam, Republic of": "RVN",
    "Vietnam, South": "RVN",
    "North Vietnam": "VNM",
    "Democratic Republic of Vietnam": "VNM",
    "Vietnam, Democratic Republic of": "VNM",
    "Vietnam or North Vietnam": "VNM",
    "Netherlands Antilles": "ANT",
    # UCDP and Gleditsch-Ward names: "current (former)" names give the current state.
    "Russia (Soviet Union)": "RUS",
    "Yemen (North Yemen)": "YEM",
    "Yemen (Arab Republic of Yemen)": "YEM",
    "Cambodia (Kampuchea)": "KHM",
    "DR Congo (Zaire)": "COD",
    "Congo, Democratic Republic of (Zaire)": "COD",
    "Myanmar (Burma)": "MMR",
    "Zimbabwe (Rhodesia)": "ZWE",
    "Serbia (Yugoslavia)": "YUG",  # UCDP's name for GW 345, which ended in 2006
    "Madagascar (Malagasy)": "MDG",
    "Vietnam (North Vietnam)": "VNM",
    "Bosnia-Herzegovina": "BIH",
    "United States of America": "USA",
    "Rumania": "ROU",
    "Surinam": "SUR",
    "Iran (Persia)": "IRN",
    "Turkey (Ottoman Empire)": "TUR",
    "Sri Lanka (Ceylon)": "LKA",
    "Burkina Faso (Upper Volta)": "BFA",
    "Belarus (Byelorussia)": "BLR",
    "Tanzania/Tanganyika": "TZA",
    "Italy/Sardinia": "ITA",
    "Samoa/Western Samoa": "WSM",
    "Germany (Prussia)": "DEU",
    "Macedonia (Former Yugoslav Republic of)": "MKD",
    "Korea, People's Republic of": "PRK",
    "Kingdom of eSwatini (Swaziland)": "SWZ",
    # SIPRI Arms Transfers Database names.
    "Korea South": "KOR",
    "Korea North": "PRK",
    "DR Congo": "COD",
    "Libya GNC": "LBY",  # the General National Congress government (2014-2016)
    "Libya HoR": "LBY",  # the House of Representatives government
    "Libya GNA": "LBY",  # the Government of National Accord
    "Saint Vincent": "VCT",
    # Multinational Military Exercises (free-text and CLDR short names).
    "Republic of Korea": "KOR",
    "Congo - Brazzaville": "COG",
    "Congo - Kinshasa": "COD",
    "Congo (Brazzaville)": "COG",
    "Congo (Kinshasa)": "COD",
    "Hong Kong SAR China": "HKG",
    "Macao SAR China": "MAC",
    "St. Kitts & Nevis": "KNA",
    "St. Christopher": "KNA",
    "St. Christopher and Nevis": "KNA",
    "St. Vincent & Grenadines": "VCT",
    "Yugoslavia or Serbia": "SRB",  # COW 345 as McManus & Nieman label it, 1950-2012
    # UN names (UN statistics, SDG global database).
    "Iran (Islamic Republic of)": "IRN",
    "Bolivia (Plurinational State of)": "BOL",
    "Venezuela (Bolivarian Republic of)": "VEN",
    "Micronesia (Federated States of)": "FSM",
    "United Republic of Tanzania": "TZA",
    "Democratic People's Republic of Korea": "PRK",
    "Lao People's Democratic Republic": "LAO",
    "Republic of Moldova": "MDA",
    "State of Palestine": "PSE",
    "Syrian Arab Republic": "SYR",
    "Côte d'Ivoire": "CIV",
    "Kosovo (under UNSC res. 1244)": KOSOVO,
    "Kosovo (under UNSCR 1244)": KOSOVO,
    "Kosovo (UNSCR 1244)": KOSOVO,
    "Netherlands (Kingdom of the)": "NLD",
    "China, Hong Kong Special Administrative Region": "HKG",
    "China, Macao Special Administrative Region": "MAC",
    "Wallis and Futuna Islands": "WLF",
    "Saint Helena, Ascension and Tristan da Cunha": "SHN",
    # World Bank names (WDI, WGI, DataBank).
    "Korea, Rep.": "KOR",
    "Korea, Dem. People's Rep.": "PRK",
    "Korea, Dem. Rep.": "PRK",
    "Egypt, Arab Rep.": "EGY",
    "Iran, Islamic Rep.": "IRN",
    "Yemen, Rep.": "YEM",
    "Venezuela, RB": "VEN",
    "Congo, Dem. Rep.": "COD",
    "Congo, Rep.": "COG",
    "Gambia, The": "GMB",
    "Bahamas, The": "BHS",
    "Hong Kong SAR, China": "HKG",
    "Macao SAR, China": "MAC",
    "Lao PDR": "LAO",
    "Kyrgyz Republic": "KGZ",
    "Slovak Republic": "SVK",
    "Micronesia, Fed. Sts.": "FSM",
    "West Bank and Gaza": "PSE",
    "Russian Federation": "RUS",
    "St. Lucia": "LCA",
    "St. Kitts and Nevis": "KNA",
    "St. Vincent and the Grenadines": "VCT",
    "St. Martin (French part)": "MAF",
    "Virgin Islands (U.S.)": "VIR",
    "Taiwan, China": "TWN",
    "Jersey, Channel Islands": "JEY",
    "Netherlands Antilles (former)": "ANT",
    "Macedonia, FYR": "MKD",
    "Somalia, Fed. Rep.": "SOM",
}

# Names that denote more than one state: never mapped, whatever a table says.
_AMBIGUOUS: frozenset[str] = frozenset({"korea", "virgin islands", "saint martin", "st martin"})

# Groupings and placeholders that are not states, by key, with the label they are given.
_NON_STATE: dict[str, str] = {
    "nato": "NATO",
    "north atlantic treaty organization": "NATO",
    "north atlantic treaty organisation": "NATO",
    "eu": "European Union",
    "european union": "European Union",
    "african union": "African Union",
    "baltic states": "Baltic States",
    "un": "United Nations",
    "united nations": "United Nations",
    "ecowas": "ECOWAS",
    "economic community of west african states": "ECOWAS",
    "osce": "OSCE",
    "regional security system": "Regional Security System",
    "unknown supplier(s)": "unknown supplier(s)",
    "unknown supplier": "unknown supplier(s)",
    "unknown suppliers": "unknown supplier(s)",
    "unknown recipient(s)": "unknown recipient(s)",
    "unknown recipient": "unknown recipient(s)",
    "unknown recipients": "unknown recipient(s)",
    "unknown country": "unknown country",
}

# ---------------------------------------------------------------------------------------------
# Numeric code systems.
# ---------------------------------------------------------------------------------------------

# fmt: off
#: Gleditsch-Ward state numbers (independent states and microstates lists). States with no
#: ISO3 counterpart (pre-1919 German and Italian states, Hyderabad, Tibet, Abkhazia, ...) are
#: absent and give ``None``.
GW_TO_ISO3: dict[int, str] = {
    2: "USA", 20: "CAN", 31: "BHS", 40: "CUB", 41: "HTI", 42: "DOM", 51: "JAM", 52: "TTO", 53: "BRB",
    54: "DMA", 55: "GRD", 56: "LCA", 57: "VCT", 58: "ATG", 60: "KNA", 70: "MEX", 80: "BLZ", 90: "GTM",
    91: "HND", 92: "SLV", 93: "NIC", 94: "CRI", 95: "PAN", 100: "COL", 101: "VEN", 110: "GUY",
    115: "SUR", 130: "ECU", 135: "PER", 140: "BRA", 145: "BOL", 150: "PRY", 155: "CHL", 160: "ARG",
    165: "URY",
    200: "GBR", 205: "IRL", 210: "NLD", 211: "BEL", 212: "LUX", 220: "FRA", 221: "MCO", 223: "LIE",
    225: "CHE", 230: "ESP", 232: "AND", 235: "PRT",
    255: "DEU",  # Germany (Prussia), 1816-1945
    260: "DEU",  # German Federal Republic, 1949-; GW keeps 260 for Germany after 1990
    265: "DDR",  # German Democratic Republic, 1949-1990
    290: "POL", 305: "AUT", 310: "HUN",
    315: "CSK",  # Czechoslovakia, 1918-1992
    316: "CZE",  # Czech Republic, 1993-
    317: "SVK", 325: "ITA", 331: "SMR", 338: "MLT", 339: "ALB",
    340: "SRB",  # Serbia, 1878-1915 and 2006-
    341: "MNE", 343: "MKD", 344: "HRV",
    345: "YUG",  # Yugoslavia, 1918-2006 (GW gives Serbia 340 from 2006)
    346: "BIH",
    347: KOSOVO,  # Kosovo, 2008-
    349: "SVN", 350: "GRC", 352: "CYP", 355: "BGR", 359: "MDA", 360: "ROU",
    365: "RUS",  # Russia (Soviet Union): one continuing state in GW
    366: "EST", 367: "LVA", 368: "LTU", 369: "UKR", 370: "BLR", 371: "ARM", 372: "GEO", 373: "AZE",
    375: "FIN", 380: "SWE", 385: "NOR", 390: "DNK", 395: "ISL",
    402: "CPV", 403: "STP", 404: "GNB", 411: "GNQ", 420: "GMB", 432: "MLI", 433: "SEN", 434: "BEN",
    435: "MRT", 436: "NER", 437: "CIV", 438: "GIN", 439: "BFA", 450: "LBR", 451: "SLE", 452: "GHA",
    461: "TGO", 471: "CMR", 475: "NGA", 481: "GAB", 482: "CAF", 483: "TCD", 484: "COG", 490: "COD",
    500: "UGA", 501: "KEN", 510: "TZA", 516: "BDI", 517: "RWA", 520: "SOM", 522: "DJI", 530: "ETH",
    531: "ERI", 540: "AGO", 541: "MOZ", 551: "ZMB", 552: "ZWE", 553: "MWI", 560: "ZAF", 565: "NAM",
    570: "LSO", 571: "BWA", 572: "SWZ", 580: "MDG", 581: "COM", 590: "MUS", 591: "SYC",
    600: "MAR", 615: "DZA", 616: "TUN", 620: "LBY", 625: "SDN", 626: "SSD", 630: "IRN", 640: "TUR",
    645: "IRQ", 651: "EGY", 652: "SYR", 660: "LBN", 663: "JOR", 666: "ISR", 670: "SAU",
    678: "YEM",  # Yemen (Arab Republic of Yemen), 1918-; continues as Yemen after 1990
    680: "YMD",  # Yemen, People's Republic of (South Yemen), 1967-1990
    690: "KWT", 692: "BHR", 694: "QAT", 696: "ARE", 698: "OMN",
    700: "AFG", 701: "TKM", 702: "TJK", 703: "KGZ", 704: "UZB", 705: "KAZ", 710: "CHN", 712: "MNG",
    713: "TWN", 731: "PRK", 732: "KOR", 740: "JPN", 750: "IND", 760: "BTN", 770: "PAK", 771: "BGD",
    775: "MMR", 780: "LKA", 781: "MDV", 790: "NPL", 800: "THA", 811: "KHM", 812: "LAO",
    816: "VNM",  # Vietnam, Democratic Republic of (North Vietnam), continues as Vietnam
    817: "RVN",  # Vietnam, Republic of (South Vietnam), 1954-1975
    820: "MYS", 830: "SGP", 835: "BRN", 840: "PHL", 850: "IDN", 860: "TLS",
    900: "AUS", 910: "PNG", 920: "NZL", 935: "VUT", 940: "SLB", 950: "FJI",
    970: "KIR", 971: "NRU", 972: "TON", 973: "TUV",  # GW microstates; COW numbers these differently
    983: "MHL", 986: "PLW", 987: "FSM", 990: "WSM",
}
# fmt: on

# fmt: off
#: Correlates of War state numbers (COW state system membership). Where COW differs from
#: Gleditsch-Ward: no 340 (COW keeps 345 for Serbia after 2006, so 345 is the continuing state,
#: SRB, as 365 is RUS); 255 is Germany again after 1990 and 260 the Federal Republic 1955-1990;
#: 678 is the Yemen Arab Republic (to 1990) and 679 unified Yemen; Pacific microstates are
#: 946 Kiribati, 947 Tuvalu, 955 Tonga, 970 Nauru.
COW_TO_ISO3: dict[int, str] = {
    2: "USA", 20: "CAN", 31: "BHS", 40: "CUB", 41: "HTI", 42: "DOM", 51: "JAM", 52: "TTO", 53: "BRB",
    54: "DMA", 55: "GRD", 56: "LCA", 57: "VCT", 58: "ATG", 60: "KNA", 70: "MEX", 80: "BLZ", 90: "GTM",
    91: "HND", 92: "SLV", 93: "NIC", 94: "CRI", 95: "PAN", 100: "COL", 101: "VEN", 110: "GUY",
    115: "SUR", 130: "ECU", 135: "PER", 140: "BRA", 145: "BOL", 150: "PRY", 155: "CHL", 160: "ARG",
    165: "URY",
    200: "GBR", 205: "IRL", 210: "NLD", 211: "BEL", 212: "LUX", 220: "FRA", 221: "MCO", 223: "LIE",
    225: "CHE", 230: "ESP", 232: "AND", 235: "PRT",
    255: "DEU",  # Germany, 1816-1945 and 1990-
    260: "DEU",  # German Federal Republic (West Germany), 1955-1990
    265: "DDR",  # German Democratic Republic (East Germany), 1954-1990
    290: "POL", 305: "AUT", 310: "HUN",
    315: "CSK",  # Czechoslovakia, 1918-1992
    316: "CZE",  # Czech Republic, 1993-
    317: "SVK", 325: "ITA", 331: "SMR", 338: "MLT", 339: "ALB", 341: "MNE", 343: "MKD", 344: "HRV",
    345: "SRB",  # Yugoslavia / Serbia: one continuing state in COW (no separate Serbia code)
    346: "BIH",
    347: KOSOVO,  # Kosovo, 2008-
    349: "SVN", 350: "GRC", 352: "CYP", 355: "BGR", 359: "MDA", 360: "ROU",
    365: "RUS",  # Russia, including the Soviet Union
    366: "EST", 367: "LVA", 368: "LTU", 369: "UKR", 370: "BLR", 371: "ARM", 372: "GEO", 373: "AZE",
    375: "FIN", 380: "SWE", 385: "NOR", 390: "DNK", 395: "ISL",
    402: "CPV", 403: "STP", 404: "GNB", 411: "GNQ", 420: "GMB", 432: "MLI", 433: "SEN", 434: "BEN",
    435: "MRT", 436: "NER", 437: "CIV", 438: "GIN", 439: "BFA", 450: "LBR", 451: "SLE", 452: "GHA",
    461: "TGO", 471: "CMR", 475: "NGA", 481: "GAB", 482: "CAF", 483: "TCD", 484: "COG", 490: "COD",
    500: "UGA", 501: "KEN", 510: "TZA", 516: "BDI", 517: "RWA", 520: "SOM", 522: "DJI", 530: "ETH",
    531: "ERI", 540: "AGO", 541: "MOZ", 551: "ZMB", 552: "ZWE", 553: "MWI", 560: "ZAF", 565: "NAM",
    570: "LSO", 571: "BWA", 572: "SWZ", 580: "MDG", 581: "COM", 590: "MUS", 591: "SYC",
    600: "MAR", 615: "DZA", 616: "TUN", 620: "LBY", 625: "SDN", 626: "SSD", 630: "IRN", 640: "TUR",
    645: "IRQ", 651: "EGY", 652: "SYR", 660: "LBN", 663: "JOR", 666: "ISR", 670: "SAU",
    678: "YAR",  # Yemen Arab Republic (North Yemen), 1926-1990
    679: "YEM",  # Yemen, 1990-
    680: "YMD",  # Yemen People's Republic (South Yemen), 1967-1990
    690: "KWT", 692: "BHR", 694: "QAT", 696: "ARE", 698: "OMN",
    700: "AFG", 701: "TKM", 702: "TJK", 703: "KGZ", 704: "UZB", 705: "KAZ", 710: "CHN", 712: "MNG",
    713: "TWN", 731: "PRK", 732: "KOR", 740: "JPN", 750: "IND", 760: "BTN", 770: "PAK", 771: "BGD",
    775: "MMR", 780: "LKA", 781: "MDV", 790: "NPL", 800: "THA", 811: "KHM", 812: "LAO",
    816: "VNM",  # Vietnam (North Vietnam to 1975), 1954-
    817: "RVN",  # Republic of Vietnam (South Vietnam), 1954-1975
    820: "MYS", 830: "SGP", 835: "BRN", 840: "PHL", 850: "IDN", 860: "TLS",
    900: "AUS", 910: "PNG", 920: "NZL", 935: "VUT", 940: "SLB",
    946: "KIR", 947: "TUV", 950: "FJI", 955: "TON", 970: "NRU",
    983: "MHL", 986: "PLW", 987: "FSM", 990: "WSM",
}
# fmt: on

#: World Bank codes that differ from ISO3; every other World Bank country code is its ISO3.
WB_TO_ISO3: dict[str, str] = {
    "ROM": "ROU",  # Romania
    "ZAR": "COD",  # Congo, Dem. Rep.
    "TMP": "TLS",  # Timor-Leste
    "ADO": "AND",  # Andorra
    "WBG": "PSE",  # West Bank and Gaza
    "KSV": KOSOVO,  # Kosovo
}

# ISO 3166 numeric codes of retired entries (ISO 3166-3), mapped as the names are.
_HISTORICAL_NUMERIC: dict[int, str] = {
    810: "SUN",  # USSR
    890: "YUG",  # Socialist Federal Republic of Yugoslavia
    891: "YUG",  # Federal Republic of Yugoslavia / Serbia and Montenegro
    200: "CSK",  # Czechoslovakia
    278: "DDR",  # German Democratic Republic
    280: "DEU",  # Federal Republic of Germany before 1990
    886: "YAR",  # Yemen Arab Republic
    720: "YMD",  # People's Democratic Republic of Yemen
    530: "ANT",  # Netherlands Antilles
}
_NUMERIC_TO_ISO3: dict[int, str] = {int(c.numeric): c.alpha_3 for c in pycountry.countries}
_NUMERIC_TO_ISO3.update(_HISTORICAL_NUMERIC)

# Short display names where pycountry's name is long or inverted.
_SHORT_NAMES: dict[str, str] = {
    "BOL": "Bolivia",
    "BRN": "Brunei",
    "CIV": "Côte d'Ivoire",
    "COD": "DR Congo",
    "COG": "Republic of the Congo",
    "FLK": "Falkland Islands",
    "FSM": "Micronesia",
    "IRN": "Iran",
    "KOR": "South Korea",
    "LAO": "Laos",
    "MDA": "Moldova",
    "PRK": "North Korea",
    "PSE": "Palestine",
    "RUS": "Russia",
    "SHN": "Saint Helena",
    "SYR": "Syria",
    "TUR": "Türkiye",
    "TWN": "Taiwan",
    "TZA": "Tanzania",
    "VAT": "Vatican City",
    "VEN": "Venezuela",
    "VGB": "British Virgin Islands",
    "VIR": "US Virgin Islands",
    "VNM": "Vietnam",
    KOSOVO: "Kosovo",
    **HISTORICAL_STATES,
}

# ---------------------------------------------------------------------------------------------
# Normalisation and the lookup index.
# ---------------------------------------------------------------------------------------------

_APOSTROPHES = str.maketrans({c: "'" for c in "\u2018\u2019\u201b\u02bc\u02bb\u00b4\u0060\u2032"})
_DASHES = str.maketrans({c: "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"})
_SPACE_RE = re.compile(r"\s+")
_SPACE_AROUND_RE = re.compile(r"\s*([-/])\s*")
_COMMA_RE = re.compile(r"\s*,\s*")


def _key(text: str) -> str:
    """Reduce a name to its lookup key. Exact transformations only; diacritics are kept."""
    s = unicodedata.normalize("NFC", text).translate(_APOSTROPHES).translate(_DASHES)
    s = s.replace("&", " and ").replace(".", "").replace("*", " ").replace('"', " ")
    s = _SPACE_RE.sub(" ", s).strip().casefold()
    s = _SPACE_AROUND_RE.sub(r"\1", s)
    s = _COMMA_RE.sub(", ", s).strip(" ,")
    s = s.removeprefix("the ").removesuffix(", the")
    return s


def _build_index() -> dict[str, str]:
    """Key -> ISO3 from pycountry's codes and names, then ``ALIASES``; fails on any contradiction."""
    index: dict[str, str] = {}

    def add(name: str | None, iso3: str, origin: str) -> None:
        if not name:
            return
        k = _key(name)
        if k in _AMBIGUOUS:
            raise RuntimeError(f"{origin}: {name!r} is ambiguous and must not be mapped")
        if k in _NON_STATE:
            raise RuntimeError(f"{origin}: {name!r} is listed as a non-state grouping")
        if iso3 not in KNOWN_ISO3:
            raise RuntimeError(f"{origin}: {name!r} maps to unknown code {iso3!r}")
        previous = index.setdefault(k, iso3)
        if previous != iso3:
            raise RuntimeError(f"{origin}: {name!r} maps to {iso3} but another entry gives {previous}")

    for c in pycountry.countries:
        for attr in ("alpha_2", "alpha_3", "name", "official_name", "common_name"):
            add(getattr(c, attr, None), c.alpha_3, "pycountry")
    for code in KNOWN_ISO3:
        add(code, code, "codes")
    add("XK", KOSOVO, "codes")
    for name, iso3 in ALIASES.items():
        add(name, iso3, "ALIASES")
    for iso3, name in _SHORT_NAMES.items():
        add(name, iso3, "short names")
    return index


_INDEX: dict[str, str] = _build_index()


def _is_missing(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def _as_int(code: object) -> int | None:
    """A non-negative integer from an int, an integral float or a string of digits, else None."""
    if isinstance(code, bool) or _is_missing(code):
        return None
    if isinstance(code, numbers.Integral):
        n = int(code)
    elif isinstance(code, numbers.Real):
        f = float(code)
        if not math.isfinite(f) or not f.is_integer():
            return None
        n = int(f)
    elif isinstance(code, str):
        m = re.fullmatch(r"\s*(\d+)(?:\.0*)?\s*", code)
        if m is None:
            return None
        n = int(m.group(1))
    else:
        return None
    return n if n >= 0 else None


# ---------------------------------------------------------------------------------------------
# Public functions.
# ---------------------------------------------------------------------------------------------


@lru_cache(maxsize=65536)
def _lookup(text: str) -> str | None:
    return _INDEX.get(_key(text))


def to_iso3(value: str | int | None) -> str | None:
    """ISO3 code of a country name or code, or ``None`` when it is unknown or not a state.

    Accepts ISO 3166-1 alpha-3 and alpha-2 codes (any case), the codes of ``HISTORICAL_STATES``,
    pycountry's short, official and common names, and every spelling in ``ALIASES``. Matching is
    exact after normalisation (see the module docstring); nothing is guessed. Numbers give
    ``None``: a bare number could be ISO numeric, Gleditsch-Ward or COW (710 is South Africa in
    ISO and China in GW), so use ``iso3_from_numeric``, ``iso3_from_gw`` or ``iso3_from_cow``.
    World Bank codes that are not ISO3 (``ROM``) need ``iso3_from_wb``.

    >>> to_iso3("Republic of Korea"), to_iso3("Korea, Dem. People's Rep."), to_iso3("Korea")
    ('KOR', 'PRK', None)
    """
    if not isinstance(value, str):
        return None
    return _lookup(value)


def non_state_label(value: str | int | None) -> str | None:
    """Normalised label of a grouping or placeholder that is not a state, else ``None``.

    Knows international organisations and groupings ("NATO", "European Union", "African Union",
    "Baltic States", "United Nations", ...) and the placeholders "unknown supplier(s)" and
    "unknown recipient(s)". A name that SIPRI marks with ``*`` (armed groups) or ``**``
    (organisations) and that is not a country is returned without the marks. Countries give
    ``None``.

    >>> non_state_label("NATO**"), non_state_label("Unknown supplier(s)"), non_state_label("France")
    ('NATO', 'unknown supplier(s)', None)
    """
    if not isinstance(value, str):
        return None
    label = _NON_STATE.get(_key(value))
    if label is not None:
        return label
    stripped = value.strip()
    if stripped.endswith("*") and to_iso3(value) is None:
        name = _SPACE_RE.sub(" ", stripped.rstrip("*")).strip()
        return name or None
    return None


def iso3_from_numeric(code: str | int | None) -> str | None:
    """ISO3 code of an ISO 3166-1 numeric code (``"024"``, ``24`` or ``24.0``), else ``None``.

    Retired numeric codes of the historical states map to their codes (810 -> SUN, 890 and
    891 -> YUG, 200 -> CSK, 278 -> DDR, 280 -> DEU, 886 -> YAR, 720 -> YMD, 530 -> ANT).
    """
    n = _as_int(code)
    return None if n is None else _NUMERIC_TO_ISO3.get(n)


def iso3_from_gw(code: str | int | None) -> str | None:
    """ISO3 code of a Gleditsch-Ward state number (``GW_TO_ISO3``), else ``None``.

    Takes one code; split multi-code cells such as UCDP's ``"2, 200"`` first. ``-9`` and other
    placeholders give ``None``.
    """
    n = _as_int(code)
    return None if n is None else GW_TO_ISO3.get(n)


#: Gleditsch–Ward codes whose state depends on the year: code → ((first year, last year or None, ISO3), …).
#: GW 817 is South Vietnam until 1975 only; GW 345, which UCDP keeps for Serbia, is Yugoslavia until
#: 1991 and Serbia (the Federal Republic, then Serbia) from 1992.
GW_DATED: dict[int, tuple[tuple[int, int | None, str], ...]] = {
    817: ((1954, 1975, "RVN"),),
    345: ((1918, 1991, "YUG"), (1992, None, "SRB")),
}


def iso3_from_gw_year(code: str | int | None, year: int | None) -> str | None:
    """ISO3 code of a Gleditsch-Ward state number in ``year``, else ``None``.

    Like ``iso3_from_gw``, but checked against the year for the codes of ``GW_DATED``: GW 817 in
    1980 gives ``None`` (South Vietnam no longer existed), GW 345 in 1999 gives SRB. Without a year
    it is ``iso3_from_gw``.
    """
    n = _as_int(code)
    if n is None:
        return None
    spans = GW_DATED.get(n)
    if spans is None or year is None:
        return GW_TO_ISO3.get(n)
    for first, last, iso3 in spans:
        if year >= first and (last is None or year <= last):
            return iso3
    return None


def iso3_from_cow(code: str | int | None) -> str | None:
    """ISO3 code of a Correlates of War state number (``COW_TO_ISO3``), else ``None``."""
    n = _as_int(code)
    return None if n is None else COW_TO_ISO3.get(n)


def iso3_from_wb(code: str | None) -> str | None:
    """ISO3 code of a World Bank country code, else ``None``.

    World Bank codes are ISO3 except ``WB_TO_ISO3`` (ROM, ZAR, TMP, ADO, WBG, KSV); codes already
    in ``KNOWN_ISO3`` pass through (so does ANT, the former Netherlands Antilles). Aggregates such
    as ``WLD`` or ``SSF`` give ``None``.
    """
    if not isinstance(code, str):
        return None
    c = code.strip().upper()
    if c in WB_TO_ISO3:
        return WB_TO_ISO3[c]
    return c if c in KNOWN_ISO3 else None


def country_name(iso3: str) -> str:
    """Short common name of a code in ``KNOWN_ISO3`` ("South Korea", "Russia", "Türkiye").

    Raises ``KeyError`` for a code that is not in ``KNOWN_ISO3``.
    """
    code = iso3.strip().upper()
    if code in _SHORT_NAMES:
        return _SHORT_NAMES[code]
    country = pycountry.countries.get(alpha_3=code)
    if country is None:
        raise KeyError(iso3)
    return str(getattr(country, "common_name", None) or country.name)


def map_names(
    values: Iterable[Any],
    convert: Callable[[Any], str | None] = to_iso3,
) -> tuple[dict[Any, str | None], list[Any]]:
    """Map the distinct values of a column once; return the mapping and the unknown values.

    ``values`` may be a pandas Series, a pyarrow array or any iterable; missing values (None,
    NaN, NA) are skipped. ``convert`` is ``to_iso3`` by default; pass ``iso3_from_gw`` and the
    like for code columns. The mapping holds every distinct value with its ISO3 or ``None``;
    the second item lists, sorted by their text, the values that are neither converted nor a
    ``non_state_label`` -- the ones an importer should report. Apply the mapping with
    ``series.map(mapping)``: converting a million-row column costs one lookup per distinct value.
    """
    unique = getattr(values, "unique", None)
    if callable(unique):
        distinct = unique()
        items: Iterable[Any] = distinct.to_pylist() if hasattr(distinct, "to_pylist") else list(distinct)
    else:
        items = dict.fromkeys(values)
    mapping: dict[Any, str | None] = {}
    unknown: list[Any] = []
    for value in items:
        if _is_missing(value) or value in mapping:
            continue
        iso3 = convert(value)
        mapping[value] = iso3
        if iso3 is None and non_state_label(value) is None:
            unknown.append(value)
    return mapping, sorted(unknown, key=str)
