"""Quirks of files re-saved by spreadsheets and scripts, read through the real ingest path.

Each fixture is built here in its publisher's layout (from the project's own fixtures or values
written below), with the quirk users meet: whole numbers written as ``157230.0``, US dates whose
days are all 12 or less, SDG percentages saved as shares, a non-answer chosen as the counted
answer, counts with a thousands separator, negative codes that are not COW's missing codes.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

import pandas as pd
import pyreadstat
import pytest

from datasets.ingest import ItemChoice, Upload, prepare
from stability.cli import main

FIX = Path(__file__).parent / "fixtures"
TODAY = dt.date(2025, 6, 1)
ID_PROBLEM = (
    "not a whole number: an identifier must be a whole number such as 157230 (157230.0 is read as "
    "157230, but a fraction such as 157230.5 or scientific notation such as 1.5723E+05 cannot be an id)"
)


def _prep(data: str | bytes, name: str, **kwargs: object) -> Upload:
    raw = data.encode() if isinstance(data, str) else data
    return prepare(raw, name, today=TODAY, **kwargs)  # type: ignore[arg-type]


def _floats(text: str, columns: list[str], *, skip: int = 0) -> str:
    """``text`` with every whole number of ``columns`` written as a spreadsheet exports it: 12 -> 12.0.

    ``skip`` lines of preamble before the header are kept as they are.
    """
    lines = text.splitlines(keepends=True)
    rows = list(csv.reader(io.StringIO("".join(lines[skip:]))))
    at = [rows[0].index(c) for c in columns]
    for r in rows[1:]:
        for k in at:
            if k < len(r) and re.fullmatch(r"-?\d+", r[k]):
                r[k] += ".0"
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return "".join(lines[:skip]) + out.getvalue()


def _failures(up: Upload) -> list[tuple[int, str, str]]:
    f = up.report.failures
    return list(zip(f["row"].tolist(), f["column"].tolist(), f["problem"].tolist(), strict=True))


# ---- 1. whole numbers written as floats keep their identifiers ---------------------------------------

GED = (FIX / "incidents" / "ucdp_ged.csv").read_text(encoding="utf-8")
GED_NUMBERS = ["id", "year", "best", "low", "high", "country_id", "type_of_violence"]


def test_ged_ids_written_as_floats_are_the_same_events(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    original = _prep(GED, "ged.csv")
    resaved = _prep(_floats(GED, GED_NUMBERS), "ged_resaved.csv")
    assert original.report.ok and resaved.report.ok, resaved.report.to_text()
    assert resaved.data["event_id"].to_pylist() == original.data["event_id"].to_pylist()  # type: ignore[index]
    assert resaved.data["event_id"].to_pylist()[:2] == ["410001", "410002"]  # type: ignore[index]
    assert resaved.data.equals(original.data)  # type: ignore[union-attr]

    # into a store that holds the original: nothing new
    store = tmp_path / "store"
    (tmp_path / "ged.csv").write_text(GED, encoding="utf-8")
    (tmp_path / "ged_resaved.csv").write_text(_floats(GED, GED_NUMBERS), encoding="utf-8")
    assert main(["ingest", str(tmp_path / "ged.csv"), "--store", str(store), "--no-prepare"]) == 0
    capsys.readouterr()
    assert main(["ingest", str(tmp_path / "ged_resaved.csv"), "--store", str(store), "--no-prepare"]) == 0
    n = original.data.num_rows  # type: ignore[union-attr]
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith(
        f"ged_resaved.csv: incidents, UCDP GED: 0 rows stored, {n} duplicates skipped, 0 rows rejected; "
        "0 new, 0 revised, 0 removed"
    )


def test_ged_fractional_id_is_refused_naming_line_and_column() -> None:
    lines = GED.splitlines(keepends=True)
    lines[2] = lines[2].replace("410002,", "410002.5,", 1)
    up = _prep("".join(lines), "ged.csv")
    assert up.refused
    assert _failures(up) == [(3, "id", ID_PROBLEM)]
    assert f"column 'id': {ID_PROBLEM} (e.g. '410002.5'): rows 3" in up.report.to_text()


BRD = (
    '"conflict_id","dyad_id","location_inc","side_a","side_b","year","bd_best","bd_low","bd_high",'
    '"type_of_conflict","battle_location","gwno_loc","gwno_battle"\n'
    '"11342","11971","India","Government of India","GNLA","2012","27","23","27","3","India","750","750"\n'
    '"301","3003","South Sudan, Sudan","Government of Sudan","Government of South Sudan","2012","900",'
    '"800","1100","2","Sudan","625, 626","625"\n'
)
BRD_NUMBERS = [
    "conflict_id",
    "dyad_id",
    "year",
    "bd_best",
    "bd_low",
    "bd_high",
    "type_of_conflict",
    "gwno_loc",
]


def test_brd_ids_written_as_floats_are_the_same_conflict_years() -> None:
    original = _prep(BRD, "brd.csv")
    resaved = _prep(_floats(BRD, BRD_NUMBERS), "brd.csv")
    assert resaved.format == "ucdp_brd" and resaved.report.ok, resaved.report.to_text()
    assert resaved.valid["event_id"].to_pylist() == [
        "11342-11971-2012-IND",
        "301-3003-2012-SDN",
        "301-3003-2012-SSD",
    ]
    assert resaved.valid.equals(original.valid)
    assert (
        resaved.valid["notes"][0].as_py()
        == "battle-related deaths: best 27, low 23, high 27; battles in India"
    )


ACD = (
    "conflict_id,location,side_a,side_b,year,intensity_level,type_of_conflict,gwno_loc\n"
    "11342,India,Government of India,GNLA,2014,1,3,750\n"
    '201,"Egypt, Israel",Government of Egypt,Government of Israel,1967,2,2,"651, 666"\n'
)


def test_acd_ids_written_as_floats_are_the_same_conflict_years() -> None:
    original = _prep(ACD, "acd.csv")
    resaved = _prep(_floats(ACD, ["conflict_id", "year", "intensity_level", "type_of_conflict"]), "acd.csv")
    assert resaved.format == "ucdp_acd" and resaved.report.ok, resaved.report.to_text()
    assert resaved.valid["event_id"].to_pylist() == ["11342-2014-IND", "201-1967-EGY", "201-1967-ISR"]
    assert resaved.valid.equals(original.valid)


def test_acd_fractional_conflict_id_is_refused() -> None:
    up = _prep(ACD.replace("11342,", "11342.5,"), "acd.csv")
    assert _failures(up) == [(2, "conflict_id", ID_PROBLEM)]


ATOP_MEMBER = (FIX / "collaboration" / "atop_member.csv").read_text(encoding="utf-8")
ATOP_MEMBER_NUMBERS = [
    "atopid", "member", "cowsys", "yrent", "moent", "dayent", "yrexit", "moexit", "dayexit", "ineffect",
    "bilat", "phase", "defense", "offense", "neutral", "nonagg", "consul",
]  # fmt: skip


def test_atop_member_ids_and_codes_written_as_floats() -> None:
    original = _prep(ATOP_MEMBER, "atop_member.csv")
    resaved = _prep(_floats(ATOP_MEMBER, ATOP_MEMBER_NUMBERS), "atop_member.csv")
    assert resaved.format == "atop_member"
    assert _failures(resaved) == _failures(original)
    assert resaved.valid.equals(original.valid)
    # 1.0 is an obligation coded 1: the kind is read as from the publisher's file
    assert resaved.valid["event_id"].to_pylist()[0] == "9101/2000-01"
    assert resaved.valid["kind"].to_pylist()[0] == "defence_pact"


def test_atop_fractional_id_is_refused() -> None:
    lines = ATOP_MEMBER.splitlines(keepends=True)
    lines[1] = lines[1].replace("9101,", "9101.5,", 1)
    up = _prep("".join(lines), "atop_member.csv")
    assert (2, "atopid", ID_PROBLEM) in _failures(up)


ATOP_ALLIANCE = (FIX / "collaboration" / "atop_alliance.csv").read_text(encoding="utf-8")
ATOP_ALLIANCE_NUMBERS = [
    "atopid", "begyr", "begmo", "begday", "endyr", "endmo", "endday", "defense", "offense", "neutral",
    "nonagg", "consul", "mem1", "mem2", "mem3", "mem4", "mem5", "mem6",
]  # fmt: skip


def test_atop_alliance_ids_obligations_and_empty_slots_written_as_floats() -> None:
    original = _prep(ATOP_ALLIANCE, "atop.csv")
    resaved = _prep(_floats(ATOP_ALLIANCE, ATOP_ALLIANCE_NUMBERS), "atop.csv")
    assert resaved.format == "atop"
    assert _failures(resaved) == _failures(original)
    assert resaved.valid.equals(original.valid)
    assert resaved.valid["event_id"].to_pylist()[:2] == ["9001", "9002"]


@pytest.mark.parametrize(
    ("name", "columns", "skip"),
    [
        ("mme_long.csv", ["MMEID", "gwcode", "year"], 0),  # with numeric MMEIDs, as MME v7's own files
        ("sipri_2025.csv", ["SIPRI AT Database ID", "Delivery year", "Order date"], 11),
        ("mcmanus_nieman.csv", ["ccode", "year"], 0),
    ],
)
def test_other_collaboration_keys_written_as_floats(name: str, columns: list[str], skip: int) -> None:
    text = (FIX / "collaboration" / name).read_text(encoding="utf-8").replace("\nmme", "\n")
    original = _prep(text, name)
    resaved = _prep(_floats(text, columns, skip=skip), name)
    assert resaved.format == original.format
    assert resaved.valid.num_rows == original.valid.num_rows > 0
    assert resaved.valid["event_id"].to_pylist() == original.valid["event_id"].to_pylist()
    assert not any(".0" in k for k in resaved.valid["event_id"].to_pylist())


COW_HEADER = (
    "WarNum,WarName,WarType,ccode,StateName,Side,StartMonth1,StartDay1,StartYear1,EndMonth1,EndDay1,"
    "EndYear1,StartMonth2,StartDay2,StartYear2,EndMonth2,EndDay2,EndYear2,TransFrom,WhereFought,"
    "Initiator,Outcome,TransTo,BatDeath,Version"
)
COW_ROWS = [
    "1,Our War,1,230,Spain,2,4,7,1990,11,13,1991,-8,-8,-8,-8,-8,-8,503,2,2,2,-8,600,4",
    "1,Our War,1,220,France,1,4,7,1990,11,13,1990,-8,-8,-8,-8,-8,-8,503,2,1,1,-8,400,4",
]
COW_NUMBERS = ["WarNum", "ccode", "Side", "StartYear1", "EndYear1", "StartYear2", "EndYear2", "BatDeath"]


def test_cow_keys_written_as_floats() -> None:
    text = "\n".join([COW_HEADER, *COW_ROWS]) + "\n"
    original = _prep(text, "cow.csv")
    resaved = _prep(_floats(text, COW_NUMBERS), "cow.csv")
    assert resaved.report.ok, resaved.report.to_text()
    assert resaved.valid["event_id"].to_pylist() == ["1-230-2-1990", "1-230-2-1991", "1-220-1-1990"]
    assert resaved.valid.equals(original.valid)


# ---- 2. day/month order that the file cannot settle ------------------------------------------------

ACLED_HEADER = (
    "event_id_cnty,event_date,year,disorder_type,event_type,sub_event_type,actor1,actor2,"
    "civilian_targeting,iso,country,admin1,latitude,longitude,fatalities,notes"
)


def _acled(dates: list[str]) -> str:
    rows = [
        f"MLI{k + 1},{d},{d[-4:]},Political violence,Battles,Armed clash,A,B,,466,Mali,Mopti,13.9,-4.5,1,"
        for k, d in enumerate(dates)
    ]
    return "\n".join([ACLED_HEADER, *rows]) + "\n"


ORDER_PROBLEM = (
    "the day/month order cannot be told from the file: every date in this column can be read day-first "
    "or month-first ('03/04/2023' could be 3 April 2023 or 4 March 2023), so no date is stored; save the "
    "file again with dates written as YYYY-MM-DD (2023-04-03 or 2023-03-04) or with the month's name, "
    "and load it again"
)


def test_us_dates_with_every_day_at_most_12_are_refused_not_swapped() -> None:
    # month/day/year, every day 12 or less: nothing in the file says which order is meant
    up = _prep(_acled(["03/04/2023", "11/12/2022", "01/01/2023", "07/08/2023"]), "acled.csv")
    assert up.refused
    # 01/01/2023 reads the same either way; the three others are named, with the column
    assert _failures(up) == [(2, "event_date", ORDER_PROBLEM), (3, "event_date", ORDER_PROBLEM)] + [
        (5, "event_date", ORDER_PROBLEM)
    ]
    assert up.valid.num_rows == 1 and up.data["event_date"].to_pylist()[0] is None  # type: ignore[index]
    assert (
        f"column 'event_date': {ORDER_PROBLEM} (e.g. '03/04/2023', '11/12/2022', '07/08/2023'): rows 2, 3, 5"
        in (up.report.to_text())
    )


def test_us_dates_refused_on_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "acled.csv"
    path.write_text(_acled(["03/04/2023", "11/12/2022"]), encoding="utf-8")
    assert main(["ingest", str(path), "--store", str(tmp_path / "store"), "--no-prepare"]) == 2
    assert "the day/month order cannot be told from the file" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("dates", "expected"),
    [
        (["03/04/2023", "12/25/2022"], [dt.date(2023, 3, 4), dt.date(2022, 12, 25)]),  # a day > 12: US
        (["03/04/2023", "25/12/2022"], [dt.date(2023, 4, 3), dt.date(2022, 12, 25)]),  # a day > 12: day first
        (["2023-03-04", "2023-12-11"], [dt.date(2023, 3, 4), dt.date(2023, 12, 11)]),
        (["15 January 2023", "3 March 2023"], [dt.date(2023, 1, 15), dt.date(2023, 3, 3)]),
        (["01/01/2023", "02/02/2023"], [dt.date(2023, 1, 1), dt.date(2023, 2, 2)]),  # the same both ways
    ],
)
def test_dates_whose_order_is_clear_read_as_before(dates: list[str], expected: list[dt.date]) -> None:
    up = _prep(_acled(dates), "acled.csv")
    assert up.report.ok, up.report.to_text()
    assert up.valid["event_date"].to_pylist() == expected


# ---- 3. SDG percentages saved as shares ------------------------------------------------------------

GHANA = (
    "Year,Location,Sex,Geography,Value\n2017,,,,82.5\n2017,Urban,,,78.5\n2017,,Male,,83.9\n2017,,Female,,0\n"
)


def _shares(text: str) -> str:
    lines = text.splitlines()
    out = [lines[0]]
    for line in lines[1:]:
        head, value = line.rsplit(",", 1)
        out.append(f"{head},{float(value) / 100:g}")
    return "\n".join(out) + "\n"


def test_sdg_national_values_given_as_shares_are_refused() -> None:
    assert _prep(GHANA, "sdg_16-1-4_ghana.csv").valid["value"].to_pylist() == [0.825, 0.785, 0.839, 0.0]
    up = _prep(_shares(GHANA), "sdg_16-1-4_ghana.csv")
    problem = (
        "the values look like shares (0 to 1), not percent: every value of column 'Value' lies between 0 "
        "and 1 ('0.825' would be read as 0.825 %), but this layout gives percent (82.5 for 82.5 %); nothing "
        "is stored. If they are shares, multiply them by 100 and load the file again"
    )
    assert up.refused and up.valid.num_rows == 0
    assert _failures(up) == [(row, "Value", problem) for row in (2, 3, 4, 5)]


def test_sdg_global_values_given_as_shares_are_refused() -> None:
    text = (FIX / "perception" / "sdg_global.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    for r in rows:
        r["Value"] = f"{float(r['Value']) / 100:g}" if r["Value"] else ""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    assert _prep(text, "sdg_global.csv").valid.num_rows > 0
    up = _prep(out.getvalue(), "sdg_global.csv")
    assert up.refused and up.valid.num_rows == 0
    assert {c for _r, c, p in _failures(up) if p.startswith("the values look like shares (0 to 1)")} == {
        "Value"
    }


# ---- 4. a non-answer chosen as the counted answer ---------------------------------------------------

TRUST = {-1: "Missing", 0: "Not at all", 1: "Just a little", 2: "Somewhat", 3: "A lot", 8: "Refused"}
TRUST |= {9: "Don't know"}


def _survey(tmp_path: Path) -> Path:
    frame = pd.DataFrame(
        {
            "Q43H": [0.0, 3, 2, 9, 3, 1],
            "withinwt": [1.0, 1, 1, 1, 1, 1],
            "DATEINTR": [dt.date(2018, 4, d) for d in (1, 2, 3, 4, 5, 6)],
        }
    )
    out = tmp_path / "afrobarometer_tunisia_r7_2018.sav"
    pyreadstat.write_sav(
        frame,
        out,
        column_labels={"Q43H": "Q43h. Trust army", "withinwt": "Weight", "DATEINTR": "Date of interview"},
        variable_value_labels={"Q43H": TRUST},
    )
    return out


NON_ANSWER = (
    "Q43H: code 9 (Don't know) is treated as a non-answer (left out of the share), so it cannot be the "
    "counted answer; choose among the answer codes 0 Not at all, 1 Just a little, 2 Somewhat, 3 A lot."
)


def test_non_answer_as_counted_answer_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _survey(tmp_path)
    code = main(
        [
            "ingest",
            str(path),
            "--item",
            "Q43H",
            "--safe-answers",
            "9",
            "--store",
            str(tmp_path / "s"),
            "--no-prepare",
        ]
    )
    assert code == 2
    assert f"  {NON_ANSWER}\n" in capsys.readouterr().err
    # by label too; and an answer that counts still gives its share
    up = prepare(path.read_bytes(), path.name, items=[ItemChoice("Q43H", ("Don't know",))])
    assert up.report.file_problems == [NON_ANSWER]
    up = prepare(path.read_bytes(), path.name, items=[ItemChoice("Q43H", ("3",))])
    assert up.report.ok and up.data["value"].to_pylist() == [0.4]  # type: ignore[index]


# ---- 5. messages -----------------------------------------------------------------------------------


def test_brd_deaths_with_a_thousands_separator_are_reported_once() -> None:
    up = _prep(BRD.replace('"27","23","27"', '"1,667","23","27"'), "brd.csv")
    problem = (
        "not a whole number: battle-related deaths are a count written with digits only, such as 1667 "
        "(no thousands separator, no decimals)"
    )
    assert _failures(up) == [(2, "bd_best", problem)]
    assert up.valid["event_id"].to_pylist() == ["301-3003-2012-SDN", "301-3003-2012-SSD"]


def test_cow_negative_deaths_say_what_the_value_is() -> None:
    rows = [COW_ROWS[0].replace(",600,4", ",-5,4"), COW_ROWS[1].replace(",400,4", ",-9,4")]
    up = _prep("\n".join([COW_HEADER, *rows]) + "\n", "cow.csv")
    assert _failures(up) == [
        (
            2,
            "BatDeath",
            "a negative number other than the missing codes -8 and -9 is not a count of deaths: "
            "not stored as any number",
        ),
        (3, "BatDeath", "battle deaths unknown (-9, COW's missing code): not stored as any number"),
    ]
