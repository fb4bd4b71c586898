"""Country codes checked against the year: GW 817 South Vietnam until 1975, GW 345 Serbia from 1992."""

from datasets.countries import iso3_from_gw, iso3_from_gw_year
from datasets.ingest import prepare

HEADER = (
    "MMEID,Ex_Name,Series_Name,gwcode,country,year,Location,lat,lon,StartDate,s.year,s.month,s.day,"
    "EndDate,e.year,e.month,e.day,CPX,Air,Land,Sea,Amphibious,Cyber,Warfighting,Peacekeeping,"
    "Humanitarian,FocusDescription,AdditionalParticipantInfo,participant_count"
)
TAIL = "0,0,1,0,0,0,1,0,0,x,NA,2"


def _row(ex: str, gw: str, name: str, year: int) -> str:
    d = f"6/1/{year % 100:02d},{year},6,1,6/9/{year % 100:02d},{year},6,9"
    return f"{ex},Ex {ex},NA,{gw},{name},{year},somewhere,1.0,2.0,{d},{TAIL}"


def test_gleditsch_ward_codes_against_the_year():
    assert iso3_from_gw_year(817, 1970) == "RVN"
    assert iso3_from_gw_year(817, 1985) is None  # South Vietnam ended in 1975
    assert iso3_from_gw_year("345", 1985) == "YUG"
    assert iso3_from_gw_year("345", 1999) == "SRB"  # UCDP's 345: Serbia, so Kosovo-war deaths stay in Europe
    assert iso3_from_gw_year(2, 1999) == iso3_from_gw(2) == "USA"
    assert iso3_from_gw_year(817, None) == "RVN"


def test_mme_code_that_contradicts_the_year_uses_the_name_and_says_so():
    text = "\n".join(
        [
            HEADER,
            _row("m1", "817", "Vietnam", 1985),
            _row("m1", "2", "United States", 1985),
            _row("m2", "817", "South Vietnam", 1970),
            _row("m2", "2", "United States", 1970),
        ]
    )
    up = prepare(text.encode(), "mme_long.csv")
    assert up.data is not None, up.report.to_text()
    rows = {r["event_id"]: r["participants"] for r in up.data.to_pylist()}
    assert sorted(rows["m1"]) == ["USA", "VNM"]  # 1985: unified Vietnam, by its name
    assert sorted(rows["m2"]) == ["RVN", "USA"]  # 1970: the code is right
    assert any("gwcode 817" in n and "1985" in n and "line 2" in n for n in up.report.notes)
