"""Incident importers: ACLED (both layouts), UCDP GED, canonical and mapped files.

The fixtures in ``tests/fixtures/incidents`` are small files written for these tests in each
source's layout. Expected values are worked out by hand from the fixture rows (see comments).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pandas as pd
import pytest

from datasets.bundle import load_bundle
from datasets.ingest import ColumnMapping, detect, list_mappings, load_mapping, prepare, save_mapping
from datasets.store import Store
from metrics.conflict import monthly_counts

FIX = Path(__file__).parent / "fixtures" / "incidents"


def _read(name: str) -> pd.DataFrame:
    upload = prepare((FIX / name).read_bytes(), name)
    assert upload.report.ok, upload.report.to_text()
    assert upload.data is not None
    return upload.data.to_pandas()


def test_detection() -> None:
    header = lambda name: (FIX / name).read_text(encoding="utf-8").splitlines()[0].split(",")  # noqa: E731
    assert detect(header("acled_current.csv")) == ("incidents", "acled")
    assert detect(header("acled_older.csv")) == ("incidents", "acled_old")
    assert detect(header("ucdp_ged.csv")) == ("incidents", "ucdp")
    assert detect(["event_id", "event_date", "iso3", "event_type", "fatalities", "source"]) == (
        "incidents",
        "canonical",
    )
    assert detect(["EVENT_ID_CNTY", "Event_Date", "EVENT_TYPE", "FATALITIES", "COUNTRY"]) == (
        "incidents",
        "acled_old",
    )
    assert detect(["name", "age"]) is None


def test_acled_current_layout() -> None:
    t = _read("acled_current.csv")
    assert t["event_id"].tolist()[:3] == ["MLI1001", "MLI1002", "BFA2001"]
    assert t["event_date"].iloc[0] == dt.date(2023, 1, 5)
    # iso 466 -> MLI, 854 -> BFA, 562 -> NER, 384 -> CIV; Kosovo has iso 0 and is found by name
    assert t["iso3"].tolist() == ["MLI", "MLI", "BFA", "NER", "MLI", "BFA", "CIV", "NER", "MLI", "XKX"]
    assert t["civilian_targeting"].tolist() == [
        False,
        True,
        False,
        False,
        False,
        True,
        False,
        False,
        False,
        False,
    ]
    assert t["fatalities"].tolist() == [4, 2, 0, 7, 0, 5, 1, 0, 12, 0]
    assert set(t["source"]) == {"ACLED"}
    assert (
        t["notes"].iloc[1]
        == 'On 17 January 2023, militants killed 2 civilians near "the market", Sangha, Bandiagara.'
    )
    assert t["notes"].iloc[3].count("\n") == 1
    assert t["latitude"].iloc[0] == pytest.approx(13.9061)
    assert pd.isna(t["actor2"].iloc[4])  # empty cell: missing, not ""


def test_acled_older_layout() -> None:
    t = _read("acled_older.csv")
    # event_id_cnty is preferred to data_id when both are present
    assert t["event_id"].tolist()[0] == "SYR20011"
    assert t["event_date"].tolist()[:2] == [dt.date(2018, 3, 14), dt.date(2018, 3, 29)]
    # "Remote violence" -> "Explosions/Remote violence"; "Riots/Protests" -> "Protests"
    assert t["event_type"].tolist() == [
        "Battles",
        "Explosions/Remote violence",
        "Violence against civilians",
        "Protests",
        "Battles",
        "Explosions/Remote violence",
    ]
    assert t["iso3"].tolist() == ["SYR", "SYR", "YEM", "IRQ", "SYR", "TUR"]
    # no civilian_targeting column: unknown, not false
    assert t["civilian_targeting"].isna().all()


def test_acled_older_layout_with_data_id_only() -> None:
    data = (
        b"data_id,event_date,event_type,country,iso3,fatalities\n"
        b"901,03 February 2019,Battle-No change of territory,Ivory Coast,CIV,2\n"
        b"902,17 February 2019,Strategic development,Democratic Republic of Congo,,0\n"
    )
    upload = prepare(data, "old.csv")
    assert upload.format == "acled_old" and upload.report.ok
    t = upload.data.to_pandas()  # type: ignore[union-attr]
    assert t["event_id"].tolist() == ["901", "902"]
    assert t["iso3"].tolist() == ["CIV", "COD"]
    assert t["event_type"].tolist() == ["Battles", "Strategic developments"]


def test_ucdp_ged() -> None:
    t = _read("ucdp_ged.csv")
    assert t["event_id"].tolist()[0] == "410001"
    # dates come as "2022-05-03 00:00:00.000": date_start is used
    assert t["event_date"].iloc[0] == dt.date(2022, 5, 3)
    # Gleditsch-Ward 432 Mali, 439 Burkina Faso, 436 Niger, 678 Yemen, 775 Myanmar
    assert t["iso3"].tolist() == ["MLI", "MLI", "BFA", "NER", "YEM", "MMR", "MMR"]
    # type_of_violence 1, 3, 2, 3, 1, 1, 3
    assert t["event_type"].tolist() == [
        "Battles",
        "Violence against civilians",
        "Battles",
        "Violence against civilians",
        "Battles",
        "Battles",
        "Violence against civilians",
    ]
    assert t["civilian_targeting"].tolist() == [False, True, False, True, False, False, True]
    assert t["fatalities"].tolist() == [5, 11, 9, 6, 25, 4, 3]  # the "best" column
    assert t["actor1"].iloc[4] == "Government of Yemen (North Yemen)"
    assert set(t["source"]) == {"UCDP GED"}


def test_ucdp_country_by_name_when_code_missing_and_bad_violence_type() -> None:
    header = (FIX / "ucdp_ged.csv").read_text(encoding="utf-8").splitlines()[0]
    cols = header.split(",")
    row = dict.fromkeys(cols, "")
    row.update(id="1", type_of_violence="3", date_start="2021-02-03", best="2", country="DR Congo (Zaire)")
    bad = dict(row, id="2", type_of_violence="4")
    lines = [header] + [",".join(r[c] for c in cols) for r in (row, bad)]
    upload = prepare(("\n".join(lines) + "\n").encode(), "ged.csv")
    assert upload.format == "ucdp"
    assert upload.data is not None and upload.data["iso3"].to_pylist()[0] == "COD"
    s = upload.report.summary()
    assert s["column"].tolist() == ["type_of_violence"] and s.loc[0, "first rows"] == "3"


def test_ucdp_gw_345_is_yugoslavia_until_1991_and_serbia_after() -> None:
    header = (FIX / "ucdp_ged.csv").read_text(encoding="utf-8").splitlines()[0]
    cols = header.split(",")
    row = dict.fromkeys(cols, "")
    row.update(type_of_violence="1", best="3", country_id="345", country="Yugoslavia")
    rows = [
        dict(row, id="1", date_start="1991-06-30 00:00:00.000"),  # Yugoslavia still
        dict(row, id="2", date_start="1999-03-24 00:00:00.000"),  # the Kosovo war: Serbia
        dict(row, id="3", date_start="1998-02-28", country_id="432", country="Mali"),  # undated code
    ]
    lines = [header] + [",".join(r[c] for c in cols) for r in rows]
    upload = prepare(("\n".join(lines) + "\n").encode(), "ged.csv")
    assert upload.data is not None and upload.data["iso3"].to_pylist() == ["YUG", "SRB", "MLI"]
    # Serbia is a member of Southern Europe, so the 1999 deaths stay in that region
    regions = load_bundle().regions
    assert "SRB" in set(regions.loc[regions["region"] == "Southern Europe", "iso3"])


def test_monthly_counts_and_fatalities_per_region(tmp_path: Path) -> None:
    store = Store(tmp_path)
    for name in ("acled_current.csv", "acled_older.csv", "ucdp_ged.csv"):
        assert store.ingest(FIX / name).status == "stored"
    bundle = load_bundle(tmp_path)
    assert not bundle.incidents.illustrative
    monthly, _per_region, span = monthly_counts(bundle.incidents.table, bundle.regions)
    got = {(r.region, r.period): (int(r.incidents), int(r.fatalities)) for r in monthly.itertuples()}
    # Sahel = BFA, MLI, MRT, NER, SEN, TCD.
    # ACLED 2023-01: MLI1001 (4) + MLI1002 (2) + BFA2001 (0)  -> 3 incidents, 6 deaths
    # ACLED 2023-02: NER3001 (7) + MLI1003 (0) + BFA2002 (5)  -> 3, 12   (CIV4001 is not Sahel)
    # ACLED 2023-03: NER3002 (0) + MLI1004 (12)               -> 2, 12
    # UCDP  2022-05: 410001 MLI (5) + 410002 MLI (11)          -> 2, 16
    # UCDP  2022-06: 410003 BFA (9) + 410004 NER (6)           -> 2, 15
    assert got[("Sahel", "2023-01")] == (3, 6)
    assert got[("Sahel", "2023-02")] == (3, 12)
    assert got[("Sahel", "2023-03")] == (2, 12)
    assert got[("Sahel", "2022-05")] == (2, 16)
    assert got[("Sahel", "2022-06")] == (2, 15)
    # Western Africa (UN M49) also holds CIV: 2023-02 = 3 + CIV4001 (1 death) -> 4, 13
    assert got[("Western Africa", "2023-02")] == (4, 13)
    # Middle East, older ACLED: 2018-03 SYR 6 + SYR 9 -> 2, 15; 2018-04 YEM 1 + IRQ 0 + SYR 14 -> 3, 15
    assert got[("Middle East", "2018-03")] == (2, 15)
    assert got[("Middle East", "2018-04")] == (3, 15)
    # UCDP Yemen (GW 678) 2022-05: 25 deaths; Myanmar 2022-06: 4 + 3 in ASEAN
    assert got[("Middle East", "2022-05")] == (1, 25)
    assert got[("ASEAN", "2022-06")] == (2, 7)
    # Turkey (older ACLED, 2018-04) counts in NATO Europe; Kosovo in Southern Europe
    assert got[("NATO Europe", "2018-04")] == (1, 0)
    assert got[("Southern Europe", "2023-03")] == (1, 0)
    assert span == ("2018-03", "2023-03")
    civ = {(r.region, r.period): (int(r.civ), int(r.civ_known)) for r in monthly.itertuples()}
    # Sahel 2023-01: MLI1002 targeted civilians, 3 known; older ACLED has no civilian_targeting
    assert civ[("Sahel", "2023-01")] == (1, 3)
    assert civ[("Middle East", "2018-04")] == (0, 0)


def test_canonical_incidents() -> None:
    data = (
        "event_id,event_date,iso3,country,event_type,fatalities,source,civilian_targeting\n"
        "k1,2024-02-01,kor,South Korea,battles,0,Own list,no\n"
        "k2,2024-02-03,Türkiye,,Protests,3,Own list,yes\n"
    ).encode()
    upload = prepare(data, "own.csv")
    assert (upload.table, upload.format) == ("incidents", "canonical") and upload.report.ok
    t = upload.data.to_pandas()  # type: ignore[union-attr]
    assert t["iso3"].tolist() == ["KOR", "TUR"]
    assert t["event_type"].tolist() == ["Battles", "Protests"]
    assert t["civilian_targeting"].tolist() == [False, True]


def test_column_mapping_for_any_other_csv(tmp_path: Path) -> None:
    data = (
        b"Date;Nation;Killed;Kind;Where\n"
        b"02/03/2024;Mali;4;Battles;Mopti\n"
        b"15/03/2024;Niger;1;Violence against civilians;Tillaberi\n"
    )
    refused = prepare(data, "sheet.csv")
    assert refused.format == "unknown" and "column mapping" in refused.report.file_problems[0]
    mapping = ColumnMapping(
        name="Ministry weekly sheet",
        columns={
            "event_date": "Date",
            "country": "Nation",
            "fatalities": "Killed",
            "event_type": "Kind",
            "admin1": "Where",
        },
        constants={"source": "Ministry of Defence"},
    )
    path = save_mapping(tmp_path, mapping)
    assert path == tmp_path / "mappings" / "Ministry-weekly-sheet.json"
    again = load_mapping(path)
    assert again == mapping
    assert list(list_mappings(tmp_path, "incidents")) == ["Ministry weekly sheet"]
    upload = prepare(data, "sheet.csv", mapping=again)
    assert upload.format == "mapped" and upload.report.ok, upload.report.to_text()
    t = upload.data.to_pandas()  # type: ignore[union-attr]
    # day/month/year: 15/03 cannot be month/day, so 02/03/2024 is 2 March
    assert t["event_date"].tolist() == [dt.date(2024, 3, 2), dt.date(2024, 3, 15)]
    assert t["iso3"].tolist() == ["MLI", "NER"] and t["fatalities"].tolist() == [4, 1]
    assert set(t["source"]) == {"Ministry of Defence"}

    # no event id column: rows are identified by their content (date, country, place, type; text
    # case-folded), so the same events saved again get the same ids
    def key(*values: str) -> str:
        return "c" + hashlib.sha256("\x1f".join(values).encode()).hexdigest()[:20]

    assert t["event_id"].tolist() == [
        key("2024-03-02", "mli", "mopti", "battles"),
        key("2024-03-15", "ner", "tillaberi", "violence against civilians"),
    ]


def test_mapping_naming_a_missing_column_is_a_file_problem() -> None:
    mapping = ColumnMapping(name="m", columns={"event_date": "When"})
    upload = prepare(b"Date,Country\n2024-01-01,Mali\n", "x.csv", mapping=mapping)
    assert upload.refused and "does not have: When" in upload.report.file_problems[0]


def test_forced_format_that_does_not_fit() -> None:
    upload = prepare((FIX / "acled_current.csv").read_bytes(), "a.csv", format="ucdp")
    assert upload.refused
    assert any("required column 'id' is missing" in p for p in upload.report.file_problems)


def test_file_matching_no_layout_of_the_table_says_so() -> None:
    upload = prepare((FIX / "acled_current.csv").read_bytes(), "a.csv", table="collaboration")
    assert upload.refused
    assert upload.report.file_problems[0].startswith(
        "The columns of this file do not match any layout of the collaboration table"
    )
