"""Conformance with the real files users download (``../shared/data/real/``, beside the checkout).

Those files are not part of the project (their licences do not allow it): these tests read them
where they are and compute every expected value from the file itself, with plain ``csv`` and
``pandas`` reads independent of the importers. Without the folder the tests are skipped; CI has it.
"""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from pathlib import Path

import pandas as pd
import pytest
from conftest import value

from datasets.countries import iso3_from_cow, iso3_from_gw, iso3_from_wb
from datasets.ingest import prepare, read_file
from metrics.collaboration import collaboration_indicators
from metrics.perception import perception_indicators

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "real"
pytestmark = pytest.mark.skipif(not REAL.is_dir(), reason="the real files are not beside the checkout")


def _upload(sub: str, name: str, **kwargs: object):  # noqa: ANN202
    return prepare(read_file(REAL / sub / name), name, **kwargs)  # type: ignore[arg-type]


def _rows(path: Path, skip: int = 0, encoding: str = "utf-8") -> list[dict[str, str]]:
    text = path.read_text(encoding=encoding)
    lines = text.splitlines()[skip:]
    return list(csv.DictReader(io.StringIO("\n".join(lines))))


def test_sipri_2025_register_to_ukraine() -> None:
    name = "sipri_trade_register_to_ukraine_2000-2024_layout2025.csv"
    rows = _rows(REAL / "collaboration" / name, skip=11)
    count: Counter[str] = Counter(r["Delivery year"] for r in rows)
    tiv: defaultdict[str, float] = defaultdict(float)
    for r in rows:
        tiv[r["Delivery year"]] += float(r["TIV delivery values"])
    upload = _upload("collaboration", name)
    assert (upload.table, upload.format) == ("collaboration", "sipri")
    assert upload.report.ok, upload.report.to_text()
    assert upload.data is not None and upload.data.num_rows == len(rows)
    out = collaboration_indicators(upload.data, pd.DataFrame({"region": ["Ukraine"], "iso3": ["UKR"]}))
    for year in count:
        assert value(out, "Ukraine", year, "engagements_arms_transfer") == count[year]
        assert value(out, "Ukraine", year, "arms_transfer_tiv") == pytest.approx(tiv[year])
    assert value(out, "Ukraine", max(count), "coverage_end") == 1
    # "unknown supplier(s)" is kept under its label
    unknown = [r for r in rows if r["Supplier"] == "unknown supplier(s)"]
    stored = upload.data.to_pandas()
    assert sum("unknown supplier(s)" in list(p) for p in stored["participants"]) == len(unknown)


def test_mme_long_form() -> None:
    path = REAL / "collaboration" / "mme_v7_long.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    versions = frame.groupby("MMEID")[["Ex_Name", "StartDate"]].apply(lambda g: len(g.drop_duplicates()))
    shared = set(versions[versions > 1].index)
    known = frame.loc[~((frame["gwcode"].isin(["NA", "-9", ""])) & (frame["country"].isin(["NA", "-9", ""])))]
    expected = set(known["MMEID"]) - shared
    upload = _upload("collaboration", "mme_v7_long.csv")
    assert upload.format == "mme_long"
    # the IDs shared by two different exercises are refused, on their lines; nothing else is
    refused_lines = sorted(upload.report.failures["row"].unique().tolist())
    expected_lines = sorted((frame.index[frame["MMEID"].isin(shared)] + 2).tolist())
    assert refused_lines == expected_lines
    stored = upload.valid.to_pandas()
    assert set(stored["event_id"]) == expected
    # one engagement per exercise: participants are the exercise's GW codes (its -9/NA rows left out)
    first = frame["MMEID"].iloc[0]
    codes = {iso3_from_gw(g) for g in frame.loc[frame["MMEID"] == first, "gwcode"] if g not in ("NA", "-9")}
    assert set(stored.loc[stored["event_id"] == first, "participants"].iloc[0]) >= codes - {None}
    # the exercises with the United States (GW 2), counted by month, add up to those stored
    with_usa = {m for m in set(frame.loc[frame["gwcode"] == "2", "MMEID"]) if m in expected}
    out = collaboration_indicators(upload.valid, pd.DataFrame({"region": ["US"], "iso3": ["USA"]}))
    monthly = out.loc[(out["indicator"] == "engagements_joint_exercise") & (out["period"].str.len() == 7)]
    assert monthly["value"].sum() == len(with_usa)
    assert value(out, "US", "2010-12", "coverage_end_joint_exercise") == 1  # the data end in 2010


def test_atop_member_level_nato_membership() -> None:
    path = REAL / "collaboration" / "atop_v5.1_member_level.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    upload = _upload("collaboration", path.name)
    assert upload.format == "atop_member"
    bad_alliances = set(
        frame.loc[frame["member"].map(lambda c: iso3_from_cow(c) is None and int(c) > 990), "atopid"]
    )
    stored = upload.valid.to_pandas()
    assert {e.split("/")[0] for e in stored["event_id"]} == set(frame["atopid"]) - bad_alliances
    # NATO (3180) in January 2005: the members who had entered and not left
    nato = frame.loc[frame["atopid"] == "3180"]
    month = 2005 * 12
    present = nato.loc[
        nato.apply(
            lambda r: (
                int(r["yrent"]) * 12 + int(r["moent"]) - 1 <= month
                and (r["yrexit"] in ("", "0") or int(r["yrexit"]) * 12 + int(r["moexit"]) - 1 >= month)
            ),
            axis=1,
        ),
        "member",
    ]
    expected = {iso3_from_cow(c) for c in present}
    nato_rows = stored.loc[stored["event_id"].str.startswith("3180")]
    covering = nato_rows.loc[
        nato_rows.apply(
            lambda r: (
                r["start_date"] <= pd.Timestamp("2005-01-31").date()
                and (r["end_date"] is None or r["end_date"] >= pd.Timestamp("2005-01-01").date())
            ),
            axis=1,
        )
    ]
    assert len(covering) == 1 and set(covering["participants"].iloc[0]) == expected


def test_atop_alliance_level() -> None:
    path = REAL / "collaboration" / "atop_v5.1_alliance_level.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    upload = _upload("collaboration", path.name)
    slots = [c for c in frame.columns if c.startswith("mem")]
    weird = frame[slots].apply(lambda r: any(v and int(v) > 990 for v in r), axis=1)
    stored = upload.valid.to_pandas()
    assert set(stored["event_id"]) == set(frame.loc[~weird, "atopid"])
    ongoing = frame.loc[~weird & frame["endyr"].isin(["0", ""]), "atopid"]
    assert set(stored.loc[stored["end_date"].isna(), "event_id"]) == set(ongoing)
    first = frame.iloc[0]
    obligations = [lab for k, lab in (("defense", "defence"), ("consul", "consultation")) if first[k] == "1"]
    assert all(o in stored.loc[stored["event_id"] == first["atopid"], "name"].iloc[0] for o in obligations)


def test_mcmanus_nieman_signals_for_canada() -> None:
    path = REAL / "collaboration" / "mcmanus_nieman_2019_signals.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    canada = frame.loc[frame["ccode"] == "20"]
    arms = pd.to_numeric(canada["us_arms"])
    exercises = pd.to_numeric(canada["us_ex"])
    upload = _upload("collaboration", path.name)
    assert upload.format == "mcmanus_nieman" and upload.report.ok, upload.report.to_text()
    stored = upload.data.to_pandas()  # type: ignore[union-attr]
    usa_can = stored.loc[stored["participants"].map(list).map(lambda p: p == ["USA", "CAN"])]
    assert usa_can.loc[usa_can["kind"] == "arms_transfer", "weight"].sum() == pytest.approx(
        arms[arms > 0].sum()
    )
    assert (usa_can["kind"] == "joint_exercise").sum() == int((exercises > 0).sum())
    assert usa_can.loc[usa_can["kind"] == "joint_exercise", "weight"].sum() == exercises.sum()
    # each country is covered over its own rows: Bangladesh (COW 771) from its first year, not 1950
    years = pd.to_numeric(frame.loc[frame["ccode"] == "771", "year"])
    assert upload.info["coverage"]["spans"]["BGD"] == (f"{years.min()}-01-01", f"{years.max()}-12-31")
    assert years.min() > int(frame["year"].astype(int).min())


def test_wgi_workbook() -> None:
    path = REAL / "perception" / "wgi_2024_wgidataset.xlsx"
    sheet = pd.read_excel(path, engine="calamine", dtype=str)
    pv = sheet.loc[(sheet["indicator"] == "pv") & (sheet["estimate"] != "..")]
    upload = _upload("perception", path.name)
    assert (upload.table, upload.format) == ("perception", "wgi")
    assert upload.report.ok, upload.report.to_text()
    stored = upload.data.to_pandas()  # type: ignore[union-attr]
    assert len(stored) == len(pv)
    got = {(r["iso3"], r["wave_date"].year): (r["value"], r["std_error"]) for r in stored.to_dict("records")}
    for code in ("ROM", "ZAR", "TMP", "ADO", "WBG", "KSV", "FRA"):
        rows = pv.loc[pv["code"] == code]
        assert len(rows), code
        r = rows.iloc[-1]
        assert got[(iso3_from_wb(code), int(r["year"]))] == (
            pytest.approx(float(r["estimate"])),
            pytest.approx(float(r["stddev"])),
        )
    assert iso3_from_wb("ROM") == "ROU" and iso3_from_wb("KSV") == "XKX"


def test_sdg_nigeria_has_no_national_value() -> None:
    path = REAL / "perception" / "sdg_16-1-4_nigeria.csv"
    rows = _rows(path)
    upload = _upload("perception", path.name)
    stored = upload.data.to_pandas()  # type: ignore[union-attr]
    assert len(stored) == len(rows) and stored["breakdown"].notna().all()
    male_only = [r for r in rows if r["Gender"] == "Male" and not any(r[c] for c in list(r)[3:-2])]
    assert len(male_only) == 1
    assert stored.loc[stored["breakdown"] == "Gender=Male", "value"].item() == pytest.approx(
        float(male_only[0]["Value"]) / 100
    )
    out = perception_indicators(stored, pd.DataFrame({"region": ["Nigeria"], "iso3": ["NGA"]}))
    assert not (out["indicator"] == "feel_safe").any()


def test_sdg_kazakhstan_is_a_distribution_not_feel_safe() -> None:
    path = REAL / "perception" / "sdg_16-1-4_kazakhstan.csv"
    rows = _rows(path)
    national = {
        r["SERIES"].split("_")[-1]: float(r["Value"]) / 100
        for r in rows
        if r["Year"] == "2016" and r["SERIES"] and not (r["URBANISATION"] or r["SEX"] or r["AGE"])
    }
    upload = _upload("perception", path.name)
    stored = upload.data.to_pandas()  # type: ignore[union-attr]
    assert "feel_safe" not in set(stored["indicator"])
    nat16 = stored.loc[stored["breakdown"].isna() & (stored["wave_date"].map(lambda d: d.year) == 2016)]
    assert {
        i.removeprefix("feel_safe_distribution_").upper(): v
        for i, v in zip(nat16["indicator"], nat16["value"], strict=True)
    } == (pytest.approx(national))
    chosen = _upload("perception", path.name, safe_categories=["1A", "1B"]).data.to_pandas()  # type: ignore[union-attr]
    safe16 = chosen.loc[
        (chosen["indicator"] == "feel_safe")
        & chosen["breakdown"].isna()
        & (chosen["wave_date"].map(lambda d: d.year) == 2016)
    ]
    assert safe16["value"].item() == pytest.approx(national["1A"] + national["1B"])


def test_sdg_ghana_national_values() -> None:
    path = REAL / "perception" / "sdg_16-1-4_ghana.csv"
    rows = _rows(path)
    national = {
        int(r["Year"]): float(r["Value"]) / 100
        for r in rows
        if not (r["Location"] or r["Sex"] or r["Geography"])
    }
    upload = _upload("perception", path.name)
    stored = upload.data.to_pandas()  # type: ignore[union-attr]
    assert set(stored["iso3"]) == {"GHA"} and len(stored) == len(rows)
    out = perception_indicators(stored, pd.DataFrame({"region": ["Ghana"], "iso3": ["GHA"]}))
    for year, share in national.items():
        assert value(out, "Ghana", str(year), "feel_safe") == pytest.approx(share)
