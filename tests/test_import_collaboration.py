"""Collaboration importers: SIPRI (both layouts), MME (wide and long), ATOP (both levels), McManus & Nieman.

The fixtures in ``tests/fixtures/collaboration`` are small files written for these tests in each
source's layout, with its quirks (preambles, Windows-1252, a record broken inside its comment,
duplicated and empty rows, merge-conflict markers, two exercises sharing one ID). Expected values
are worked out by hand from the fixture rows (see the comments).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pandas as pd
import pytest
from conftest import value

from datasets.ingest import FORMAT_LABELS, detect, prepare
from datasets.ingest.sniff import parse
from datasets.store import Store
from metrics.collaboration import collaboration_indicators

FIX = Path(__file__).parent / "fixtures" / "collaboration"


def _read(name: str) -> tuple[pd.DataFrame, list[str]]:
    upload = prepare((FIX / name).read_bytes(), name)
    assert upload.report.ok, upload.report.to_text()
    assert upload.table == "collaboration"
    assert upload.data is not None
    return upload.data.to_pandas(), upload.report.notes


def _by_id(frame: pd.DataFrame) -> dict[str, dict[str, object]]:
    return {r["event_id"]: r for r in frame.to_dict("records")}


def _hashes(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("sipri_2025.csv", "sipri"),
        ("sipri_classic.csv", "sipri_classic"),
        ("mme_long.csv", "mme_long"),
        ("mme_wide.csv", "mme"),
        ("atop_alliance.csv", "atop"),
        ("atop_member.csv", "atop_member"),
        ("mcmanus_nieman.csv", "mcmanus_nieman"),
    ],
)
def test_layout_is_detected_from_the_file(name: str, fmt: str) -> None:
    upload = prepare((FIX / name).read_bytes(), name)
    assert (upload.table, upload.format) == ("collaboration", fmt)
    assert upload.format_label == FORMAT_LABELS[fmt]
    # detection keys: the header alone (after the preamble) decides
    assert detect(upload.parsed.columns) == ("collaboration", fmt)  # type: ignore[union-attr]


def test_attribution_of_each_source() -> None:
    def attribution(name: str) -> str:
        return prepare((FIX / name).read_bytes(), name).attribution

    assert attribution("sipri_2025.csv") == "SIPRI Arms Transfers Database, © SIPRI"
    assert attribution("mme_long.csv").startswith("MME (D'Orazio & Galambos)")
    assert attribution("atop_member.csv").startswith("ATOP v5.1 (Leeds et al.)")
    assert attribution("mcmanus_nieman.csv").startswith("McManus & Nieman (2019)")


def test_sipri_2025_layout() -> None:
    t, notes = _read("sipri_2025.csv")
    rows = _by_id(t)
    # 9 data rows; line 21 repeats line 20 cell for cell and is read once -> 8 transfers
    assert len(t) == 8
    assert set(rows) == {
        "91001-2022",
        "91001-2023",
        "91002-2023",
        "91003-2023",
        "91004-2021",
        "91005-2022",
        "91006-2020",
        "91007-2023",
    }
    assert rows["91001-2022"]["participants"].tolist() == ["FRA", "POL"]
    assert rows["91001-2022"]["weight"] == 21.0 and rows["91001-2023"]["weight"] == 7.0
    assert rows["91001-2022"]["start_date"] == dt.date(2022, 1, 1)
    assert rows["91001-2022"]["name"] == "Caesar 155mm (self-propelled gun)"
    assert rows["91002-2023"]["weight"] == 0.0  # SIPRI's "0": below 0.5 million, not missing
    # labels of parties that are not states are kept, never refused
    assert rows["91003-2023"]["participants"].tolist() == ["unknown supplier(s)", "UKR"]
    assert rows["91004-2021"]["participants"].tolist() == ["IRN", "Houthi rebels (Yemen)"]
    assert rows["91006-2020"]["participants"].tolist() == ["NATO", "POL"]
    assert rows["91005-2022"]["participants"].tolist() == ["TUR", "UKR"]  # "Turkiye"
    assert set(t["kind"]) == {"arms_transfer"} and set(t["period_grain"]) == {"year"}
    assert set(t["source"]) == {"SIPRI Arms Transfers Database"}
    assert any("lines 1–11 are SIPRI's notes" in n for n in notes)
    assert any("repeat an earlier row cell for cell and were read once: line 21" in n for n in notes)


def test_sipri_classic_layout_windows1252_split_years_and_rejoined_comment() -> None:
    upload = prepare((FIX / "sipri_classic.csv").read_bytes(), "sipri_classic.csv")
    assert upload.parsed is not None and upload.parsed.encoding == "Windows-1252"
    assert upload.report.ok, upload.report.to_text()
    t = upload.data.to_pandas()  # type: ignore[union-attr]
    by_year = {(tuple(r["participants"]), r["start_date"].year): r["weight"] for r in t.to_dict("records")}
    # Côte d'Ivoire (Windows-1252 "ô"): TIV 0.8 over 2016 and 2017 -> 0.4 each
    assert by_year[(("FRA", "CIV"), 2016)] == pytest.approx(0.4)
    assert by_year[(("FRA", "CIV"), 2017)] == pytest.approx(0.4)
    # the order broken over lines 14-15 inside its comment is rejoined: TIV 80 in 2019
    assert by_year[(("DEU", "POL"), 2019)] == pytest.approx(80.0)
    # 9 over 2022; 2023; 2024 -> 3 each
    assert [by_year[(("CZE", "UKR"), y)] for y in (2022, 2023, 2024)] == pytest.approx([3.0, 3.0, 3.0])
    # SIPRI's '*' marks an armed group: kept under its label
    assert by_year[(("IRN", "Hezbollah (Lebanon)"), 2020)] == pytest.approx(2.0)
    # the Mali order lists no delivery year: nothing delivered, no transfer
    assert not any("MLI" in p for p, _ in by_year)
    assert len(t) == 2 + 1 + 3 + 1
    # identical orders would get distinct ids; ids are stable digests plus the delivery year
    assert t["event_id"].str.fullmatch(r"[0-9a-f]{10}-\d{4}").all()
    notes = upload.report.notes
    assert any("rejoined (the break read as a space): lines 14–15" in n for n in notes)
    assert any("equal share" in n and "lines 13, 16" in n for n in notes)
    assert any("list no delivery year" in n and "line 17" in n for n in notes)


def test_sipri_classic_record_that_cannot_be_rejoined_safely_is_refused_with_its_lines(
    tmp_path: Path,
) -> None:
    # the comment holds a comma: the first part has 14 fields, the second 4; 14 + 4 - 1 != 16
    upload = prepare((FIX / "sipri_classic_broken.csv").read_bytes(), "b.csv")
    assert upload.refused
    assert sorted(upload.report.failures["row"].tolist()) == [13, 14]
    assert "has 14 fields but the header has 16" in upload.report.to_text()
    result = Store(tmp_path / "s").add(upload, skip_invalid=True)
    assert result.rows_stored == 1 and result.rejected == 2  # only the T-72 order (line 15)


def test_mme_long_form() -> None:
    t, notes = _read("mme_long.csv")
    rows = _by_id(t)
    assert set(rows) == {"mme901", "mme902", "mme903", "mme904", "mme905"}
    # gwcode 2, 366, 367; NATO (no gwcode) keeps its label; the "-9" participant is missing
    assert rows["mme901"]["participants"].tolist() == ["USA", "EST", "LVA", "NATO"]
    assert rows["mme901"]["start_date"] == dt.date(2005, 6, 14) and pd.isna(rows["mme901"]["period_grain"])
    assert rows["mme901"]["end_date"] == dt.date(2005, 6, 20)
    # "2009-07-xx": unknown day -> dated by its month
    assert rows["mme902"]["start_date"] == dt.date(2009, 7, 1) and rows["mme902"]["period_grain"] == "month"
    assert rows["mme902"]["end_date"] == dt.date(2009, 7, 31)
    # an exercise active in two years has a row per year: one engagement, two participants
    assert rows["mme903"]["participants"].tolist() == ["CHN", "RUS"]
    assert rows["mme903"]["start_date"] == dt.date(2008, 12, 28)
    assert rows["mme903"]["end_date"] == dt.date(2009, 1, 5)
    # "2007-xx-xx": unknown month -> dated by its year
    assert rows["mme904"]["start_date"] == dt.date(2007, 1, 1) and rows["mme904"]["period_grain"] == "year"
    # GW 260 is (West) Germany; its name "Federal Republic of Germany" agrees
    assert rows["mme905"]["participants"].tolist() == ["DEU", "EST"]
    assert set(t["kind"]) == {"joint_exercise"}
    assert any("line 17" in n and "repeat an earlier row" in n for n in notes)  # duplicated last row
    assert any("30 row(s) hold no value" in n and "lines 18–47" in n for n in notes)  # empty rows
    assert any("name no participant" in n and "line 6" in n for n in notes)


def test_mme_wide_form_crlf_without_final_newline() -> None:
    data = (FIX / "mme_wide.csv").read_bytes()
    assert data.count(b"\r\n") == 3 and not data.endswith(b"\n")
    t, _notes = _read("mme_wide.csv")
    rows = _by_id(t)
    assert rows["mme921"]["participants"].tolist() == ["KOR", "USA"]  # "Republic of Korea", free text
    assert rows["mme922"]["participants"].tolist() == ["DEU", "POL", "LTU", "NATO"]
    assert rows["mme923"]["start_date"] == dt.date(2003, 4, 1) and rows["mme923"]["period_grain"] == "month"


def test_two_exercises_sharing_one_id_are_refused_with_their_lines(tmp_path: Path) -> None:
    upload = prepare((FIX / "mme_long_shared_id.csv").read_bytes(), "shared.csv")
    assert upload.refused
    summary = upload.report.summary()
    (line,) = summary.loc[
        summary["problem"].str.startswith("two different exercises share the ID mme912")
    ].index
    assert summary.at[line, "first rows"] == "4, 5, 6, 7"
    store = Store(tmp_path / "s")
    result = store.add(upload, skip_invalid=True)
    assert result.rows_stored == 1  # mme911 only: nothing of mme912 is stored half-read
    assert store.read_table("collaboration")["event_id"].to_pylist() == ["mme911"]  # type: ignore[index]


def test_merge_conflict_markers_refuse_the_file_unless_both_versions_agree() -> None:
    refused = prepare((FIX / "mme_long_conflict.csv").read_bytes(), "c.csv")
    assert refused.refused and refused.data is None
    (problem,) = refused.report.file_problems
    assert "'<<<<<<<' at line 4, '=======' at line 6, '>>>>>>>' at line 8" in problem
    same = prepare((FIX / "mme_long_conflict_same.csv").read_bytes(), "s.csv")
    assert same.report.ok, same.report.to_text()
    assert sorted(same.data["event_id"].to_pylist()) == ["mme911", "mme912"]  # type: ignore[index]
    assert any("lines 4, 7–10 skipped" in n for n in same.report.notes)


def test_atop_alliance_level() -> None:
    t, notes = _read("atop_alliance.csv")
    rows = _by_id(t)
    # COW 290 Poland, 305 Austria; begday 0 -> the first of the month; defence and consultation coded 1
    assert rows["9001"]["participants"].tolist() == ["POL", "AUT"]
    assert rows["9001"]["start_date"] == dt.date(1990, 3, 1) and rows["9001"]["end_date"] == dt.date(
        1999, 12, 31
    )
    assert rows["9001"]["name"] == "ATOP 9001: defence, consultation"
    # endyr 0: still in force
    assert (
        rows["9002"]["end_date"] is None and rows["9002"]["name"] == "ATOP 9002: non-aggression, consultation"
    )
    # states of the COW system without an ISO code keep their name
    assert rows["9003"]["participants"].tolist() == ["Bavaria (COW 245)", "Austria-Hungary (COW 300)"]
    # kinds from the obligation codes, the strongest coded 1: 9001 defence (+ consultation),
    # 9002 non-aggression (+ consultation), 9003 defence (+ offence)
    assert [rows[i]["kind"] for i in ("9001", "9002", "9003")] == [
        "defence_pact",
        "non_aggression_pact",
        "defence_pact",
    ]
    assert set(t["source"]) == {"ATOP v5.1"}
    assert any("no ISO code today" in n for n in notes)


def test_atop_member_level_follows_accessions_and_exits() -> None:
    t, _notes = _read("atop_member.csv")
    rows = _by_id(t)
    # 9101: USA, GBR, POL from 2000-01-15; EST joins 2001-04-02; POL leaves 2002-06-30
    assert rows["9101/2000-01"]["participants"].tolist() == ["USA", "GBR", "POL"]
    assert rows["9101/2000-01"]["start_date"] == dt.date(2000, 1, 15)
    assert rows["9101/2000-01"]["end_date"] == dt.date(2001, 3, 31)
    assert rows["9101/2001-04"]["participants"].tolist() == ["USA", "GBR", "POL", "EST"]
    assert rows["9101/2001-04"]["end_date"] == dt.date(2002, 6, 30)
    assert rows["9101/2002-07"]["participants"].tolist() == ["USA", "GBR", "EST"]
    assert rows["9101/2002-07"]["end_date"] is None
    # 9102 never changes members: one agreement under its own id; day 0 -> first / last day
    assert rows["9102"]["participants"].tolist() == ["POL", "AUT"]
    assert rows["9102"]["start_date"] == dt.date(2003, 2, 1) and rows["9102"]["end_date"] == dt.date(
        2003, 11, 30
    )
    assert rows["9102"]["name"] == "ATOP 9102: non-aggression"
    assert len(t) == 4


def test_mcmanus_nieman_country_year_signals() -> None:
    t, notes = _read("mcmanus_nieman.csv")
    # Poland 2000: visits us 1, fra 2; pacts us, uk, fra; exercises us 3, fra 1; arms us 120, fra 15;
    # troops us 50 -> 10 engagements. Poland 2001: pacts 3, arms us 80, troops us 60 (us_ex NA) -> 5.
    # Kazakhstan 2001: visits rus, chi; pact rus; exercises rus 2, chi 1; arms rus 300, chi 10;
    # troops rus 2500 -> 8. Zanzibar 1963: every signal 0 -> nothing.
    assert len(t) == 10 + 5 + 8
    rows = _by_id(t)
    assert rows["290-2000-us-ex"]["weight"] == 3.0 and rows["290-2000-us-ex"]["kind"] == "joint_exercise"
    assert rows["290-2000-us-ex"]["participants"].tolist() == ["USA", "POL"]
    assert (
        rows["290-2000-fra-vis"]["weight"] == 2.0 and rows["290-2000-fra-vis"]["kind"] == "high_level_visit"
    )
    assert rows["705-2001-rus-arms"]["weight"] == 300.0
    assert rows["705-2001-rus-troops"]["kind"] == "troop_deployment"
    assert rows["705-2001-rus-pact"]["end_date"] == dt.date(2001, 12, 31)
    assert "290-2001-us-ex" not in rows  # NA: missing, not an engagement of weight 0
    assert set(t["period_grain"]) == {"year"}
    assert any("1 signal value(s) are missing (NA)" in n for n in notes)


def test_sipri_indicators_worked_out_by_hand() -> None:
    t, _notes = _read("sipri_2025.csv")
    regions = pd.DataFrame(
        {
            "region": ["East", "East", "Pair", "Pair", "Gulf"],
            "iso3": ["POL", "UKR", "FRA", "POL", "IRN"],
        }
    )
    out = collaboration_indicators(t, regions)
    # East = POL + UKR. 2020: E-3A 16 (NATO** -> POL). 2021: nothing of East (Iran -> Houthis), an observed 0.
    # 2022: Caesar 21 + TB2 12 = 33. 2023: Caesar 7 + Javelin 0 + Leopard 6.4 + M-113 2 = 15.4.
    assert [
        value(out, "East", y, "arms_transfer_tiv") for y in ("2020", "2021", "2022", "2023")
    ] == pytest.approx([16.0, 0.0, 33.0, 15.4])
    assert [value(out, "East", y, "engagements_arms_transfer") for y in ("2020", "2021", "2022", "2023")] == [
        1,
        0,
        2,
        4,
    ]
    # FRA -> POL concerns both members of Pair: counted once (21, not 42)
    assert value(out, "Pair", "2022", "arms_transfer_tiv") == pytest.approx(21.0)
    assert value(out, "Gulf", "2021", "arms_transfer_tiv") == pytest.approx(5.0)
    # annual source: no monthly period at all
    assert not out["period"].str.len().eq(7).any()
    assert value(out, "East", "2023", "coverage_end") == 1
    assert value(out, "East", "2023", "coverage_end_arms_transfer") == 1


def test_mme_indicators_monthly_with_year_only_exercises_in_annual_periods() -> None:
    t, _notes = _read("mme_long.csv")
    regions = pd.DataFrame(
        {"region": ["Baltic", "Baltic", "Baltic", "India"], "iso3": ["EST", "LVA", "LTU", "IND"]}
    )
    out = collaboration_indicators(t, regions)
    # months: mme901 2005-06 (EST, LVA), mme905 2009-03 (EST); coverage 2005-06 .. 2009-07 (mme902)
    assert value(out, "Baltic", "2005-06", "engagements_joint_exercise") == 1
    assert value(out, "Baltic", "2007-01", "engagements_joint_exercise") == 0
    assert value(out, "Baltic", "2009-03", "engagements_joint_exercise") == 1
    months = out.loc[
        (out["region"] == "Baltic") & (out["indicator"] == "engagements_joint_exercise"), "period"
    ]
    monthly = sorted(p for p in months if len(p) == 7)
    assert (monthly[0], monthly[-1]) == ("2005-06", "2009-07")
    # network density (3 members, 3 pairs): June 2005 ties EST-LVA in mme901, whose states are USA,
    # EST, LVA (NATO and -9 are not states): k = 3, weight 1/(3 - 1) -> (1/2) / 3; one dyad
    assert value(out, "Baltic", "2005-06", "network_density") == pytest.approx((1 / 2) / 3)
    assert value(out, "Baltic", "2005-06", "network_dyads") == 1
    # mme904 (India, "2007-xx-xx") is in no month; the annual figure counts every exercise in the year
    assert value(out, "India", "2007", "engagements_joint_exercise") == 1
    india = out.loc[(out["region"] == "India") & ~out["indicator"].str.startswith("coverage_end")]
    assert not india["period"].str.len().eq(7).any()
    assert [value(out, "Baltic", y, "engagements_joint_exercise") for y in ("2005", "2006", "2009")] == [
        1,
        0,
        1,
    ]
    assert value(out, "Baltic", "2009-07", "coverage_end_joint_exercise") == 1


def test_member_level_alliance_counts_in_every_month_in_force() -> None:
    t, _notes = _read("atop_member.csv")
    regions = pd.DataFrame({"region": ["Baltic", "Central"], "iso3": ["EST", "POL"]})
    out = collaboration_indicators(t, regions)
    # EST is a member from April 2001 (no double count in the month membership changes)
    assert value(out, "Baltic", "2001-04", "engagements_defence_pact") == 1
    assert not (
        (out["region"] == "Baltic")
        & (out["period"] == "2001-03")
        & (out["indicator"] == "engagements_defence_pact")
        & (out["value"] > 0)
    ).any()
    # POL: 9101 (defense coded 1: a defence pact) until June 2002; 9102 (only nonagg coded 1: a
    # non-aggression pact) from February 2003
    assert value(out, "Central", "2002-06", "engagements_defence_pact") == 1
    assert value(out, "Central", "2002-07", "engagements_defence_pact") == 0
    assert value(out, "Central", "2003-02", "engagements_non_aggression_pact") == 1
    assert value(out, "Central", "2003-02", "engagements_defence_pact") == 0
    assert value(out, "Central", "2003-02", "agreements_in_force") == 0 + 1


def test_parse_keeps_line_numbers_after_the_preamble() -> None:
    # the parsed header is on line 12; the first transfer is line 13
    upload = prepare((FIX / "sipri_2025.csv").read_bytes(), "s.csv")
    assert upload.parsed is not None and int(upload.parsed.lines[0]) == 13
    assert parse((FIX / "mme_long.csv").read_bytes()).columns[0] == "MMEID"


def _register(pairs: list[tuple[str, str]]) -> bytes:
    """A SIPRI 2025-layout register with one delivery (TIV 1) per (supplier, recipient) pair."""
    head = (FIX / "sipri_2025.csv").read_text(encoding="utf-8").splitlines()[:12]
    rows = [
        f"{90000 + i},{s},{r},X,tank,Armoured vehicles,2021,No,1,No,2022,No,New,1,1,1,No"
        for i, (s, r) in enumerate(pairs)
    ]
    return ("\n".join(head + rows) + "\n").encode("utf-8")


def test_sipri_register_scope_follows_its_suppliers_and_recipients() -> None:
    """What a register covers (its recipients' imports), from the states its rows name."""
    # the fixture: several suppliers to Poland, Ukraine and Houthi rebels (not a state)
    fixture = prepare((FIX / "sipri_2025.csv").read_bytes(), "sipri_2025.csv")
    assert fixture.info["coverage"]["countries"] == ["POL", "UKR"]
    # one recipient, several suppliers: that recipient only
    one = prepare(_register([("France", "Ukraine"), ("Germany", "Ukraine")]), "r.csv")
    assert one.info["coverage"]["countries"] == ["UKR"]
    # one supplier, several recipients: a supplier's register covers no recipient in full
    supplier = prepare(_register([("France", "Ukraine"), ("France", "Poland")]), "r.csv")
    assert "coverage" not in supplier.info
    # 30 recipient states and several suppliers: the whole register, every country
    recipients = [
        "Albania",
        "Algeria",
        "Angola",
        "Argentina",
        "Armenia",
        "Australia",
        "Austria",
        "Bangladesh",
        "Belgium",
        "Bolivia",
        "Brazil",
        "Bulgaria",
        "Cameroon",
        "Canada",
        "Chile",
        "Colombia",
        "Croatia",
        "Denmark",
        "Ecuador",
        "Egypt",
        "Estonia",
        "Ethiopia",
        "Finland",
        "Ghana",
        "Greece",
        "Hungary",
        "India",
        "Indonesia",
        "Ireland",
        "Italy",
    ]
    whole = prepare(_register([(("France", "Germany")[i % 2], r) for i, r in enumerate(recipients)]), "r.csv")
    assert whole.info["coverage"]["countries"] == "all"


def test_sipri_classic_identical_orders_are_two_orders() -> None:
    """The classic register has no id: two lines alike in every cell are two orders (SIPRI lists
    each order once), each read with its own id, and their TIVs both count."""
    lines = (FIX / "sipri_classic.csv").read_bytes().split(b"\n")
    order = b"Ukraine,Norway,2023,,2,,NASAMS-2,SAM system,2,,2023,New,Aid,6,12,12"
    upload = prepare(b"\n".join(lines[:12] + [order, order] + lines[12:]), "sipri_classic.csv")
    assert upload.report.ok, upload.report.to_text()
    t = upload.data.to_pandas()  # type: ignore[union-attr]
    nasams = t[[tuple(p) == ("NOR", "UKR") for p in t["participants"]]]
    assert len(nasams) == 2 and nasams["weight"].sum() == pytest.approx(12.0 + 12.0)
    digest = nasams["event_id"].iloc[0][:10]
    assert set(nasams["event_id"]) == {f"{digest}-2023", f"{digest}-2-2023"}  # the second numbered -2
    assert any("line 14" in n and "read as a record of its own" in n for n in upload.report.notes)


def test_mcmanus_nieman_covers_each_country_over_its_own_years(tmp_path: Path) -> None:
    from datasets.coverage import load_coverage
    from datasets.store import Store

    name = "mcmanus_nieman.csv"
    cover = prepare((FIX / name).read_bytes(), name).info["coverage"]
    # Poland's rows: 2000 and 2001; Kazakhstan's: 2001; Zanzibar's (every signal 0): 1963; the
    # powers are the other side of every row: the file's whole span, 1963-2001
    assert cover["spans"]["POL"] == ("2000-01-01", "2001-12-31")
    assert cover["spans"]["KAZ"] == ("2001-01-01", "2001-12-31")
    assert cover["spans"]["Zanzibar (COW 511)"] == ("1963-01-01", "1963-12-31")
    assert cover["spans"]["USA"] == cover["spans"]["RUS"] == ("1963-01-01", "2001-12-31")
    store = Store(tmp_path / "store")
    assert store.ingest((FIX / name).read_bytes(), name).status == "stored"
    table = load_coverage(store.root, tables=("collaboration",)).set_index("iso3")
    assert (table.at["KAZ", "first_period"], table.at["KAZ", "last_period"]) == ("2001", "2001")
    assert (table.at["POL", "first_period"], table.at["POL", "last_period"]) == ("2000", "2001")
    assert (table.at["CHN", "first_period"], table.at["CHN", "last_period"]) == ("1963", "2001")
    # a stated span replaces the importer's, for every country
    stated = Store(tmp_path / "stated")
    span = (dt.date(1990, 1, 1), dt.date(2001, 12, 31))
    assert stated.ingest((FIX / name).read_bytes(), name, coverage=span).status == "stored"
    table = load_coverage(stated.root, tables=("collaboration",)).set_index("iso3")
    assert (table.at["KAZ", "first_period"], table.at["POL", "first_period"]) == ("1990", "1990")
