"""Incident files that count per period: UCDP ACD and battle-related deaths, ACLED aggregates.

Fixtures are written here in each publisher's layout with our own values; the real UCDP files
(``../shared/data/real/conflict/``) are checked against sums computed in the test from the file.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from pathlib import Path

import pytest

from datasets.countries import iso3_from_gw
from datasets.ingest import detect, prepare, read_file
from datasets.loaders import load_regions

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "real"
TODAY = dt.date(2025, 6, 1)

ACD = (
    "conflict_id,location,side_a,side_a_id,side_a_2nd,side_b,side_b_id,side_b_2nd,incompatibility,"
    "territory_name,year,intensity_level,cumulative_intensity,type_of_conflict,start_date,end_date,"
    "gwno_a,gwno_a_2nd,gwno_b,gwno_b_2nd,gwno_loc,region\n"
    "200,India,Government of India,141,,Rebels X,900,,1,Somewhere,2012,1,0,3,15-11-2012,21-12-2012,"
    "750,,,,750,3\n"
    '201,"Egypt, Israel",Government of Egypt,117,,Government of Israel,121,,1,Sinai,1967,2,1,2,'
    '05-06-1967,10-06-1967,651,,666,,"651, 666","2, 3"\n'
    "202,Mali,Government of Mali,94,,Rebels Y,901,,2,,2013,3,0,3,01-01-2013,,432,,,,432,4\n"
)

BRD = (
    '"conflict_id","dyad_id","location_inc","side_a","side_a_id","side_a_2nd","side_b","side_b_id",'
    '"side_b_2nd","incompatibility","territory_name","year","bd_best","bd_low","bd_high",'
    '"type_of_conflict","battle_location","gwno_a","gwno_a_2nd","gwno_b","gwno_b_2nd","gwno_loc",'
    '"gwno_battle","region","version"\n'
    '"300","3001","Mali","Government of Mali","94","","Rebels Y","901","","2","","2013","40","31","55",'
    '"3","Mali, Niger","432","","","","432","432, 436","4","24.1"\n'
    '"300","3002","Mali","Government of Mali","94","","Rebels Z","902","","2","","2013","12","12","20",'
    '"3","Mali","432","","","","432","432","4","24.1"\n'
    '"301","3003","South Sudan, Sudan","Government of Sudan","130","","Government of South Sudan","131",'
    '"","1","Abyei","2012","900","800","1100","2","Sudan","625","","626","","625, 626","625","4","24.1"\n'
)


def _prep(text: str, name: str, **kwargs: object):  # noqa: ANN202
    return prepare(text.encode(), name, today=TODAY, **kwargs)  # type: ignore[arg-type]


def test_acd_one_row_per_location_country_with_intensity_floor() -> None:
    assert detect(ACD.splitlines()[0].split(","))[1] == "ucdp_acd"  # type: ignore[index]
    up = _prep(ACD, "acd.csv")
    assert up.format == "ucdp_acd"
    # Mali's intensity level 3 does not exist: that row is refused, the others kept
    bad = up.report.failures
    assert bad["row"].tolist() == [4] and bad["column"].tolist() == ["intensity_level"]
    rows = up.valid.to_pylist()
    # India once, Egypt and Israel each for conflict 201 -> 1 + 2 rows
    assert [(r["iso3"], r["event_date"].year) for r in rows] == [("IND", 2012), ("EGY", 1967), ("ISR", 1967)]
    assert [r["country"] for r in rows] == ["India", "Egypt", "Israel"]
    assert {r["grain"] for r in rows} == {"year"} and {r["events"] for r in rows} == {1}
    assert all(r["event_date"].month == 1 and r["event_date"].day == 1 for r in rows)
    # intensity 1 -> at least 25 deaths, intensity 2 -> at least 1,000
    assert [r["fatalities"] for r in rows] == [25, 1000, 1000]
    assert "intensity level 2" in rows[1]["notes"]
    assert rows[0]["sub_event_type"] == "State-based armed conflict (intrastate)"
    assert rows[1]["sub_event_type"] == "State-based armed conflict (interstate)"
    assert rows[0]["actor1"] == "Government of India" and rows[0]["source"] == "UCDP/PRIO ACD"
    # three countries: an extract, not the global release (30 or more), so it covers those three
    assert up.info["coverage"] == {
        "countries": ["EGY", "IND", "ISR"],
        "first": "1967-01-01",
        "last": "2013-12-31",
    }
    assert any("several location countries" in n for n in up.report.notes)


def test_brd_best_as_fatalities_with_range_in_notes() -> None:
    up = _prep(BRD, "brd.csv")
    assert up.format == "ucdp_brd" and up.report.ok
    rows = up.valid.to_pylist()
    # two dyads of conflict 300 in Mali 2013, and conflict 301 in Sudan and South Sudan
    assert [(r["event_id"], r["iso3"], r["fatalities"]) for r in rows] == [
        ("300-3001-2013-MLI", "MLI", 40),
        ("300-3002-2013-MLI", "MLI", 12),
        ("301-3003-2012-SDN", "SDN", 900),
        ("301-3003-2012-SSD", "SSD", 900),
    ]
    assert "low 31, high 55" in rows[0]["notes"] and "battles in Mali, Niger" in rows[0]["notes"]
    mali_2013 = sum(r["fatalities"] for r in rows if r["iso3"] == "MLI")
    assert mali_2013 == 40 + 12
    assert up.info["coverage"] == {
        "countries": ["MLI", "SDN", "SSD"],
        "first": "2012-01-01",
        "last": "2013-12-31",
    }


WEEKLY = (
    "WEEK,REGION,COUNTRY,ADMIN1,EVENT_TYPE,SUB_EVENT_TYPE,EVENTS,FATALITIES,POPULATION_EXPOSURE,"
    "DISORDER_TYPE,ID,CENTROID_LATITUDE,CENTROID_LONGITUDE\n"
    "2024-01-06,Western Africa,Nigeria,Borno,Battles,Armed clash,4,17,,Political violence,1,11.9,13.1\n"
    "2024-01-06,Western Africa,Nigeria,Borno,Violence against civilians,Attack,2,5,,Political violence,2,"
    "11.9,13.1\n"
    "2024-01-13,Western Africa,Nigeria,Lagos,Protests,Peaceful protest,3,0,,Demonstrations,3,6.5,3.4\n"
    "2024-01-13,Western Africa,Ghana,Greater Accra,Riots,Mob violence,1,1,,Demonstrations,4,5.6,-0.2\n"
)


def test_acled_weekly_admin1_counts() -> None:
    up = _prep(WEEKLY, "acled_weekly.csv")
    assert up.format == "acled_weekly" and up.report.ok
    rows = up.valid.to_pylist()
    assert sum(r["events"] for r in rows) == 4 + 2 + 3 + 1
    assert sum(r["fatalities"] for r in rows) == 17 + 5 + 0 + 1
    assert {r["grain"] for r in rows} == {"week"}
    assert rows[0]["event_date"] == dt.date(2024, 1, 6) and rows[0]["admin1"] == "Borno"
    assert rows[0]["iso3"] == "NGA" and rows[3]["iso3"] == "GHA"
    assert rows[0]["latitude"] == 11.9
    assert len({r["event_id"] for r in rows}) == 4
    # the last week starts on 13 January and ends on the 19th
    assert up.info["coverage"] == {"countries": ["GHA", "NGA"], "first": "2024-01-06", "last": "2024-01-19"}


def test_acled_weekly_lowercase_and_unknown_country() -> None:
    text = WEEKLY.lower().replace("nigeria,lagos", "atlantis,lagos")
    up = _prep(text, "w.csv")
    assert up.format == "acled_weekly"
    bad = up.report.failures
    assert bad["row"].tolist() == [4] and "unknown country" in bad["problem"].iloc[0]


def test_acled_country_month() -> None:
    text = (
        "Country,Month,Year,Event Type,Events,Fatalities\n"
        "Sudan,January,2023,Battles,30,120\n"
        "Sudan,February,2023,Battles,41,200\n"
        "Chad,2,2023,Riots,3,0\n"
        "Chad,Smarch,2023,Riots,1,0\n"
    )
    up = _prep(text, "acled_monthly.csv")
    assert up.format == "acled_monthly"
    bad = up.report.failures
    assert bad["row"].tolist() == [5]
    rows = up.valid.to_pylist()
    assert [(r["iso3"], r["event_date"]) for r in rows] == [
        ("SDN", dt.date(2023, 1, 1)),
        ("SDN", dt.date(2023, 2, 1)),
        ("TCD", dt.date(2023, 2, 1)),
    ]
    assert sum(r["events"] for r in rows) == 30 + 41 + 3
    assert {r["grain"] for r in rows} == {"month"}
    assert up.info["coverage"]["last"] == "2023-02-28"  # type: ignore[index]


@pytest.mark.parametrize(
    ("header", "word"),
    [
        ("Country,Month,Year,Events", "sums several event types"),
        ("Country,Month,Year,Event Type,Events", "events only"),
    ],
)
def test_acled_country_month_refused_with_a_sentence(header: str, word: str) -> None:
    up = _prep(header + "\nSudan,January,2023,Battles,30\n", "m.csv")
    assert up.refused and up.data is None
    assert word in up.report.file_problems[0]


# ---------------------------------------------------------------- the real UCDP files


def _real_rows(name: str) -> list[dict[str, str]]:
    with open(REAL / "conflict" / name, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


needs_real = pytest.mark.skipif(not (REAL / "conflict").is_dir(), reason="the real files are not available")


@needs_real
def test_real_brd_yearly_fatalities_of_three_regions() -> None:
    name = "ucdp_brd_conflict_v24_1.csv"
    up = prepare(read_file(REAL / "conflict" / name), name)
    assert up.format == "ucdp_brd" and up.report.ok
    regions = load_regions()
    expected: dict[tuple[str, int], int] = defaultdict(int)
    rows = _real_rows(name)
    for r in rows:  # each location country is credited with the row's bd_best
        for code in r["gwno_loc"].split(","):
            iso = iso3_from_gw(code.strip())
            for region in regions.loc[regions["iso3"] == iso, "region"]:
                expected[(region, int(r["year"]))] += int(r["bd_best"])
    stored = up.valid.to_pandas().merge(regions, on="iso3")
    got = stored.groupby(["region", stored["event_date"].map(lambda d: d.year)])["fatalities"].sum()
    names = sorted({k[0] for k in expected})
    checked = 0
    for region in names[:3]:
        for (reg, year), total in expected.items():
            if reg == region:
                assert got[(region, year)] == total
                checked += 1
    assert checked > 20
    assert set(stored["grain"]) == {"year"}
    assert all(d.month == 1 and d.day == 1 for d in stored["event_date"])
    years = [int(r["year"]) for r in rows]
    assert up.info["coverage"] == {
        "countries": "all",
        "first": f"{min(years)}-01-01",
        "last": f"{max(years)}-12-31",
    }


@needs_real
def test_real_acd_loads_one_row_per_location_country() -> None:
    name = "ucdp_prio_acd_v24_1.csv"
    up = prepare(read_file(REAL / "conflict" / name), name)
    assert up.format == "ucdp_acd"
    rows = _real_rows(name)
    known = [r for r in rows if all(iso3_from_gw(c.strip()) for c in r["gwno_loc"].split(","))]
    expected_rows = sum(len(r["gwno_loc"].split(",")) for r in known)
    assert up.valid.num_rows == expected_rows
    # rows naming a Gleditsch-Ward state the crosswalk lacks are refused by row, nothing else
    assert len(up.report.rejected_indices) == len(rows) - len(known)
    assert set(up.report.failures["column"]) <= {"gwno_loc"}
    floors = {"1": 25, "2": 1000}
    assert int(up.valid.to_pandas()["fatalities"].sum()) == sum(
        floors[r["intensity_level"]] * len(r["gwno_loc"].split(",")) for r in known
    )


# ---------------------------------------------------------------- Correlates of War

COW_HEADER = (
    "WarNum,WarName,WarType,ccode,StateName,Side,StartMonth1,StartDay1,StartYear1,EndMonth1,EndDay1,"
    "EndYear1,StartMonth2,StartDay2,StartYear2,EndMonth2,EndDay2,EndYear2,TransFrom,WhereFought,"
    "Initiator,Outcome,TransTo,BatDeath,Version"
)
COW_ROWS = [
    # a war inside one year: one participant-year each
    "1,Short War,1,220,France,1,4,7,1990,11,13,1990,-8,-8,-8,-8,-8,-8,503,2,1,1,-8,400,4",
    # three years, then a second spell of one year: 1991, 1992, 1993 and 1995
    "2,Long War,1,365,Russia,1,4,26,1991,9,14,1993,1,1,1995,5,5,1995,506,11,2,2,-8,8000,4",
    # deaths unknown: refused, never stored as a number
    "2,Long War,1,640,Turkey,2,4,26,1991,9,14,1993,-8,-8,-8,-8,-8,-8,506,11,2,2,-8,-9,4",
    # Bavaria has no country code today
    "3,Old War,1,245,Bavaria,2,6,15,1866,7,26,1866,-8,-8,-8,-8,-8,-8,503,1,2,2,-8,500,4",
]


def test_cow_participant_years_with_bare_cr_and_missing_codes() -> None:
    text = "\r".join([COW_HEADER, *COW_ROWS]) + "\r"
    up = _prep(text, "cow_interstate_war.csv")
    assert up.format == "cow_war"
    bad = up.report.failures.sort_values("row")
    # bare CR line ends: rows are named by record number (the 3rd and 4th data records)
    assert not up.report.lines_exact and bad["row"].tolist() == [3, 4]
    assert bad["column"].tolist() == ["BatDeath", "ccode"]
    rows = up.valid.to_pylist()
    assert [(r["iso3"], r["event_date"].year) for r in rows] == [
        ("FRA", 1990),
        ("RUS", 1991),
        ("RUS", 1992),
        ("RUS", 1993),
        ("RUS", 1995),
    ]
    assert {r["grain"] for r in rows} == {"year"} and {r["events"] for r in rows} == {1}
    # the whole war's deaths in the year of entry: Russia 8000 in 1991, none made up for later years
    assert [r["fatalities"] for r in rows] == [400, 8000, 0, 0, 0]
    assert sum(r["fatalities"] for r in rows) == 400 + 8000
    assert "counted in 1991" in rows[2]["notes"]
    assert up.info["coverage"] == {"countries": ["FRA", "RUS"], "first": "1866-01-01", "last": "1995-12-31"}


@needs_real
def test_real_cow_file_loads() -> None:
    name = "cow_interstate_war_data_v4.0.csv"
    up = prepare(read_file(REAL / "conflict" / name), name)
    assert up.format == "cow_war"
    text = (REAL / "conflict" / name).read_bytes().decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
    rows = list(csv.DictReader(io.StringIO(text)))
    stored = up.valid.to_pandas()
    kept = {i for i in range(len(rows))} - set(up.report.rejected_indices.tolist())
    assert int(stored["fatalities"].sum()) == sum(int(rows[i]["BatDeath"]) for i in kept)
    assert all(int(rows[i]["BatDeath"]) >= 0 for i in kept)


def test_a_conflict_year_release_of_30_countries_or_more_covers_every_country() -> None:
    """The global UCDP release lists every country with a conflict (a country without a row had
    none): 30 or more countries -> "all"; 29 -> those 29 (an extract says nothing of the others)."""
    names = next(csv.reader([BRD.splitlines()[0]]))
    template = next(csv.reader([BRD.splitlines()[1]]))
    gw = [
        2,
        20,
        40,
        41,
        42,
        51,
        52,
        70,
        90,
        91,
        92,
        93,
        94,
        95,
        100,
        101,
        110,
        115,
        130,
        135,
        140,
        145,
        150,
        155,
        160,
        165,
        200,
        205,
        210,
        211,
    ]  # 30 Gleditsch-Ward states

    def brd(codes: list[int]) -> str:
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\n")
        w.writerow(names)
        for k, code in enumerate(codes):
            row = list(template)
            row[names.index("conflict_id")] = str(1000 + k)
            row[names.index("dyad_id")] = str(5000 + k)
            row[names.index("gwno_loc")] = str(code)
            row[names.index("location_inc")] = ""
            w.writerow(row)
        return out.getvalue()

    up = _prep(brd(gw), "brd_global.csv")
    assert up.report.ok, up.report.to_text()
    assert up.info["coverage"]["countries"] == "all"
    up = _prep(brd(gw[:29]), "brd_29.csv")
    assert up.report.ok and len(up.info["coverage"]["countries"]) == 29


def test_sources_list_a_yearly_source_by_years(tmp_path: Path) -> None:
    from datasets.store import Store

    store = Store(tmp_path / "store")
    assert store.ingest(BRD.encode(), "brd.csv").status == "stored"
    row = store.sources().iloc[0]
    assert (row["first_period"], row["last_period"]) == ("2012", "2013")  # not "2012-01", "2013-01"
