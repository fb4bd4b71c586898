"""Perception importers: World Bank WGI (workbook, CSV, DataBank, API) and UN SDG 16.1.4 (national, global).

The fixtures in ``tests/fixtures/perception`` are small files written for these tests in each
layout with its quirks (byte-order mark, CRLF, ``..`` for missing, a preamble, a footer, a trailing
comma on every line, World Bank codes that are not ISO3, ``2019/20`` years, a file without a
national row, an answer distribution, a series about feeling unsafe). The WGI workbook is built in
the test from the same rows. Expected values are worked out by hand (see the comments).
"""

from __future__ import annotations

import datetime as dt
import io
import math
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import pandas as pd
import pytest
from conftest import value

from datasets.ingest import FORMAT_LABELS, detect, prepare
from metrics.intervals import Z95
from metrics.perception import perception_indicators

FIX = Path(__file__).parent / "fixtures" / "perception"
WGI_HEADER = ["codeindyr", "code", "countryname", "year", "indicator", "estimate", "stddev"]


def workbook(rows: list[list[str]], *, first_row: int = 1) -> bytes:
    """A real .xlsx workbook (the parts Excel writes) with ``rows`` from spreadsheet row ``first_row``."""

    def cell(r: int, c: int, v: str) -> str:
        ref = f"{chr(ord('A') + c)}{r}"
        try:
            float(v)
        except ValueError:
            return f'<c r="{ref}" t="inlineStr"><is><t>{escape(v)}</t></is></c>'
        return f'<c r="{ref}"><v>{v}</v></c>'

    body = "".join(
        f'<row r="{r}">' + "".join(cell(r, c, v) for c, v in enumerate(row) if v != "") + "</row>"
        for r, row in enumerate(rows, start=first_row)
    )
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    pkg = "http://schemas.openxmlformats.org/package/2006"
    sheet_type = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    parts = {
        "[Content_Types].xml": f'<?xml version="1.0"?><Types xmlns="{pkg}/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{sheet_type}.sheet.main+xml"/>'
        f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{sheet_type}.worksheet+xml"/></Types>',
        "_rels/.rels": f'<?xml version="1.0"?><Relationships xmlns="{pkg}/relationships">'
        f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<?xml version="1.0"?><workbook xmlns="{main}" xmlns:r="{rel}"><sheets>'
        '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'<?xml version="1.0"?><Relationships xmlns="{pkg}/relationships">'
        f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": f'<?xml version="1.0"?><worksheet xmlns="{main}"><sheetData>{body}'
        "</sheetData></worksheet>",
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in parts.items():
            z.writestr(name, text)
    return buf.getvalue()


def _read(name: str, **kwargs: object) -> pd.DataFrame:
    upload = prepare((FIX / name).read_bytes(), name, **kwargs)  # type: ignore[arg-type]
    assert upload.report.ok, upload.report.to_text()
    assert upload.table == "perception" and upload.data is not None
    return upload.data.to_pandas()


def _national(t: pd.DataFrame) -> pd.DataFrame:
    return t.loc[t["breakdown"].isna()]


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("wgi_saved_from_excel.csv", "wgi"),
        ("wgi_databank.csv", "wgi_databank"),
        ("wgi_api.csv", "wgi_api"),
        ("indicator_16-1-4_senegal.csv", "sdg_national"),
        ("sdg_global.csv", "sdg_global"),
        ("canonical_perception.csv", "canonical_perception"),
    ],
)
def test_layout_is_detected_from_the_file(name: str, fmt: str) -> None:
    upload = prepare((FIX / name).read_bytes(), name)
    assert (upload.table, upload.format) == ("perception", fmt)
    assert detect(upload.parsed.columns) == ("perception", fmt)  # type: ignore[union-attr]
    assert upload.format_label == FORMAT_LABELS[fmt]


def test_wgi_saved_as_csv_with_bom_crlf_and_world_bank_codes() -> None:
    data = (FIX / "wgi_saved_from_excel.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    upload = prepare(data, "wgi.csv")
    assert upload.attribution.startswith("World Bank WGI, CC BY 4.0")
    t = upload.data.to_pandas()  # type: ignore[union-attr]
    got = {(r["iso3"], r["wave_date"].year): (r["value"], r["std_error"]) for r in t.to_dict("records")}
    # ROM -> ROU, ZAR -> COD, TMP -> TLS, ADO -> AND, WBG -> PSE; KSV has '..': missing, not stored
    assert got == {
        ("ROU", 2022): (0.52, 0.2),
        ("ROU", 2023): (0.61, 0.19),
        ("COD", 2023): (-2.2, 0.23),
        ("TLS", 2023): (0.14, 0.3),
        ("AND", 2023): (1.55, 0.5),
        ("PSE", 2023): (-1.8, 0.25),
        ("FRA", 2023): (0.3, 0.18),
    }
    assert set(t["indicator"]) == {"political_stability"} and set(t["scale"]) == {"index"}
    assert set(t["period_grain"]) == {"year"} and all((d.month, d.day) == (1, 1) for d in t["wave_date"])
    notes = upload.report.notes
    assert any("cc (2 rows)" in n for n in notes)  # control of corruption is not read
    assert any("1 pv row(s) have no estimate ('..')" in n for n in notes)


def test_wgi_workbook_read_as_it_is_with_spreadsheet_row_numbers() -> None:
    rows = [
        WGI_HEADER,
        ["ROMpv2023", "ROM", "Romania", "2023", "pv", "0.61", "0.19"],
        ["KSVpv2023", "KSV", "Kosovo", "2023", "pv", "..", ".."],
        ["XYZpv2023", "XYZ", "Atlantis", "2023", "pv", "0.1", "0.2"],
        ["ROMcc2023", "ROM", "Romania", "2023", "cc", "0.2", "0.2"],
    ]
    upload = prepare(workbook(rows, first_row=3), "wgidataset.xlsx")
    assert (upload.table, upload.format) == ("perception", "wgi")
    assert upload.parsed is not None and upload.parsed.encoding.startswith("Excel workbook")
    # the unknown code is reported on its spreadsheet row: header on row 3, so Atlantis is row 6
    assert upload.report.failures[["row", "column", "value"]].values.tolist() == [[6, "code", "XYZ"]]
    assert upload.valid.to_pandas()[["iso3", "value", "std_error"]].values.tolist() == [["ROU", 0.61, 0.19]]


def test_a_workbook_that_is_not_the_wgi_workbook_is_refused_in_one_sentence() -> None:
    # any workbook is read now: its one table sheet goes to the column-mapping route like a CSV
    upload = prepare(workbook([["name", "age"], ["a", "1"]]), "people.xlsx")
    assert upload.parsed is not None and upload.parsed.columns == ["name", "age"]
    assert upload.refused and "column mapping" in upload.report.file_problems[0]


def test_wgi_databank_export_with_footer() -> None:
    upload = prepare((FIX / "wgi_databank.csv").read_bytes(), "databank.csv")
    t = upload.data.to_pandas()  # type: ignore[union-attr]
    got = {(r["iso3"], r["wave_date"].year): (r["value"], r["std_error"]) for r in t.to_dict("records")}
    # ROU 2023 has no standard error (".."): stored without it; POL 2022 estimate ".." is missing
    assert got[("ROU", 2021)] == (0.45, 0.21) and got[("ROU", 2022)] == (0.52, 0.2)
    assert got[("ROU", 2023)][0] == 0.61 and math.isnan(got[("ROU", 2023)][1])
    assert set(got) == {("ROU", 2021), ("ROU", 2022), ("ROU", 2023), ("POL", 2021), ("POL", 2023)}
    assert any("lines 10–11 below the data are DataBank's footer" in n for n in upload.report.notes)
    assert any("CC.EST" in n for n in upload.report.notes)


def test_wgi_api_download_with_preamble_and_trailing_commas() -> None:
    upload = prepare((FIX / "wgi_api.csv").read_bytes(), "API_PV.EST_DS2_en_csv_v2.csv")
    t = upload.data.to_pandas()  # type: ignore[union-attr]
    got = {(r["iso3"], r["wave_date"].year): r["value"] for r in t.to_dict("records")}
    # GEO 2023 is empty: missing; WLD is a World Bank aggregate, not a country
    assert got == {
        ("GEO", 2021): -0.35,
        ("GEO", 2022): -0.3,
        ("ARM", 2021): -0.6,
        ("ARM", 2022): -0.65,
        ("ARM", 2023): -0.7,
    }
    assert t["std_error"].isna().all()
    notes = upload.report.notes
    assert any("lines 1–4 are World Bank's notes" in n for n in notes)
    assert any("aggregates" in n and "WLD" in n for n in notes)


def test_political_stability_with_intervals_from_its_standard_error() -> None:
    t = _read("wgi_saved_from_excel.csv")
    regions = pd.DataFrame({"region": ["Two", "Two", "One"], "iso3": ["ROU", "FRA", "ROU"]})
    pop = pd.DataFrame(
        {"iso3": ["ROU", "FRA"] * 2, "year": [2022, 2022, 2023, 2023], "population": [19e6, 68e6] * 2}
    ).astype({"population": "int64"})
    out = perception_indicators(t, regions, population=pop)
    z90 = 1.6448536269514722  # WGI intervals at the World Bank's 90 % by default
    # one country: its estimate ± 1.645 × SE; annual source -> period "2023"
    row = out.loc[
        (out["region"] == "One") & (out["period"] == "2023") & (out["indicator"] == "political_stability")
    ]
    assert row["value"].item() == pytest.approx(0.61)
    assert row["ci_low"].item() == pytest.approx(0.61 - z90 * 0.19)
    assert row["ci_high"].item() == pytest.approx(0.61 + z90 * 0.19)
    # two countries, population-weighted: (0.61·19 + 0.3·68)/87, ± 1.645 × √((19/87)²·0.19² + (68/87)²·0.18²)
    both = out.loc[
        (out["region"] == "Two") & (out["period"] == "2023") & (out["indicator"] == "political_stability")
    ]
    mean = (0.61 * 19 + 0.3 * 68) / 87
    half = z90 * math.sqrt((19 / 87) ** 2 * 0.19**2 + (68 / 87) ** 2 * 0.18**2)
    assert both["value"].item() == pytest.approx(mean)
    assert (both["ci_low"].item(), both["ci_high"].item()) == (
        pytest.approx(mean - half),
        pytest.approx(mean + half),
    )
    # the change since 2022 (ROU only in "One"): 0.61 − 0.52
    assert value(out, "One", "2023", "political_stability_change") == pytest.approx(0.09)
    assert value(out, "One", "2023", "coverage_end") == 1


def test_sdg_national_layout_years_breakdowns_and_geocode() -> None:
    t = _read("indicator_16-1-4_senegal.csv")
    got = {
        (r["wave_date"].year, r["breakdown"] if isinstance(r["breakdown"], str) else ""): r["value"]
        for r in t.to_dict("records")
    }
    # 2019/20 -> its later middle year 2020; 2020-2021 -> 2021; percent -> share
    assert got == {
        (2020, ""): 0.715,
        (2020, "Sex=Female"): 0.66,
        (2020, "Sex=Male"): 0.772,
        (2020, "Location=Urban"): 0.691,
        (2020, "Region=Dakar Region; GeoCode=SNDK"): 0.644,  # "Dakar  Region": the double space collapsed
        (2021, ""): 0.73,
        (2021, "Sex=Female"): 0.685,
        (2021, "Location=Rural"): 0.78,
    }
    assert set(t["iso3"]) == {"SEN"} and set(t["indicator"]) == {"feel_safe"}
    assert set(t["source"]) == {"UN SDG indicator 16.1.4 (national platform of Senegal)"}
    out = perception_indicators(t, pd.DataFrame({"region": ["West Africa"], "iso3": ["SEN"]}))
    # only national values enter the region; no sample size is published, so no interval
    assert value(out, "West Africa", "2020", "feel_safe") == pytest.approx(0.715)
    assert value(out, "West Africa", "2021", "feel_safe") == pytest.approx(0.73)
    row = out.loc[(out["period"] == "2021") & (out["indicator"] == "feel_safe")]
    assert math.isnan(row["ci_low"].item()) and math.isnan(row["ci_high"].item())


def test_file_without_a_national_row_has_no_national_value() -> None:
    upload = prepare((FIX / "sdg_no_national_row.csv").read_bytes(), "x.csv")
    t = upload.data.to_pandas()  # type: ignore[union-attr]
    assert len(t) == 3 and t["breakdown"].notna().all()
    assert any("no national value" in n for n in upload.report.notes)
    out = perception_indicators(t, pd.DataFrame({"region": ["Sahel"], "iso3": ["NER"]}))
    # breakdowns are never averaged into a national value: the region has no feel_safe at all
    assert not (out["indicator"] == "feel_safe").any()


def test_country_from_the_user_or_the_file_name_never_guessed() -> None:
    data = (FIX / "indicator_16-1-4.csv").read_bytes()
    refused = prepare(data, "indicator_16-1-4.csv")
    assert refused.refused and refused.info.get("ask_country") is True
    assert "does not say which country" in refused.report.file_problems[0]
    given = prepare(data, "indicator_16-1-4.csv", country="Ghana")
    assert given.report.ok and set(given.data["iso3"].to_pylist()) == {"GHA"}  # type: ignore[index]
    named = prepare(data, "indicator_16-1-4_ghana.csv")
    assert set(named.data["iso3"].to_pylist()) == {"GHA"}  # type: ignore[index]
    assert any("read from the file name" in n for n in named.report.notes)
    wrong = prepare(data, "indicator_16-1-4.csv", country="Atlantis")
    assert wrong.refused and "not a country name or code" in wrong.report.file_problems[0]
    # this file has no Series column: read as 16.1.4 only because its name says so
    other = prepare(data, "survey_results.csv", country="Ghana")
    assert other.refused and "does not say what it measures" in other.report.file_problems[0]


def test_answer_distribution_is_never_feel_safe_until_the_user_says_which_categories() -> None:
    name = "indicator_16-1-4_distribution.csv"
    upload = prepare((FIX / name).read_bytes(), name, country="KAZ")
    assert upload.report.ok, upload.report.to_text()
    t = upload.data.to_pandas()  # type: ignore[union-attr]
    assert "feel_safe" not in set(t["indicator"])
    assert sorted(set(t["indicator"])) == [f"feel_safe_distribution_{c}" for c in ("1a", "1b", "1c", "1d")]
    # 2 years × 3 breakdowns × 4 categories; the 6 rows holding 100 (blank series) are not stored
    assert len(t) == 24
    assert upload.info["categories"] == ["1A", "1B", "1C", "1D"]
    assert upload.info["question"] == "Which answer categories count as feeling safe?"
    assert upload.info["category_shares"] == {"1A": 0.5, "1B": 0.38, "1C": 0.08, "1D": 0.04}
    assert any("6 row(s) with a blank series hold the total" in n for n in upload.report.notes)
    chosen = prepare((FIX / name).read_bytes(), name, country="KAZ", safe_categories=["1A", "1B"])
    c = chosen.data.to_pandas()  # type: ignore[union-attr]
    safe = {
        (r["wave_date"].year, r["breakdown"] if isinstance(r["breakdown"], str) else ""): r["value"]
        for r in c.to_dict("records")
        if r["indicator"] == "feel_safe"
    }
    # 2018 national: 40 + 45 = 85 %; urban: (40 − 2) + (45 + 2) = 85 %; 2022 national: 50 + 38 = 88 %
    assert safe[(2018, "")] == pytest.approx(0.85)
    assert safe[(2018, "URBANISATION=U")] == pytest.approx(0.85)
    assert safe[(2022, "")] == pytest.approx(0.88)
    assert len(safe) == 6
    unknown = prepare((FIX / name).read_bytes(), name, country="KAZ", safe_categories=["1A", "1E"])
    assert "feel_safe" not in set(unknown.data["indicator"].to_pylist())  # type: ignore[index]


def test_series_about_feeling_unsafe_is_stored_as_feel_unsafe() -> None:
    t = _read("sdg_unsafe.csv")
    assert set(t["indicator"]) == {"feel_unsafe"} and set(t["iso3"]) == {"MNG"}
    assert _national(t)["value"].tolist() == [0.225]


def test_sdg_global_database_extract() -> None:
    upload = prepare((FIX / "sdg_global.csv").read_bytes(), "sdg.csv")
    t = upload.data.to_pandas()  # type: ignore[union-attr]
    nat = _national(t)
    # "Republic of Korea" (410) is South Korea, "Türkiye" (792) Turkey; Age "15+" on every row is the
    # population the indicator covers, not a breakdown; BOTHSEX is the total
    kor = nat.loc[nat["iso3"] == "KOR"].iloc[0]
    assert (kor["value"], kor["ci_low"], kor["ci_high"]) == (0.793, 0.785, 0.801)
    assert kor["wave_date"] == dt.date(2021, 1, 1)
    assert nat.loc[nat["iso3"] == "TUR", "value"].tolist() == [0.589]
    assert t.loc[t["breakdown"].notna(), "breakdown"].tolist() == ["Sex=FEMALE"]
    assert any("World (1)" in n for n in upload.report.notes)  # a regional aggregate, left out


def test_canonical_perception_with_sample_size_gets_a_wilson_interval() -> None:
    t = _read("canonical_perception.csv")
    out = perception_indicators(t, pd.DataFrame({"region": ["Sahel", "Sahel"], "iso3": ["SEN", "NER"]}))
    # SEN 0.62 (2022-03) and NER 0.55 (2022-04) are different waves: each month its own value
    row = out.loc[(out["period"] == "2022-03") & (out["indicator"] == "feel_safe")].iloc[0]
    n, p = 1200, 0.62
    centre = (p + Z95**2 / (2 * n)) / (1 + Z95**2 / n)
    half = Z95 / (1 + Z95**2 / n) * math.sqrt(p * (1 - p) / n + Z95**2 / (4 * n * n))
    assert (row["ci_low"], row["ci_high"]) == (pytest.approx(centre - half), pytest.approx(centre + half))
