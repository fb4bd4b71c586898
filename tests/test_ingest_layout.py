"""Layout recovery for any table: preambles, HXL tag rows, footers, workbooks and ZIP archives.

Fixtures are the project's own small files (``tests/fixtures/incidents``) wrapped in each quirk;
the expected rows are those of the plain file.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from datasets.ingest import UnreadableFile, prepare, read_file

FIX = Path(__file__).parent / "fixtures" / "incidents"
ACLED = (FIX / "acled_current.csv").read_bytes()
GED = (FIX / "ucdp_ged.csv").read_bytes()
TODAY = dt.date(2025, 6, 1)
REAL = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "real"


def _plain(data: bytes, name: str = "plain.csv"):  # noqa: ANN202
    up = prepare(data, name, today=TODAY)
    assert up.report.ok, up.report.to_text()
    return up


def _preamble(n: int, seed: int) -> bytes:
    """``n`` arbitrary lines a publisher or a user might put above the column names."""
    rng = random.Random(seed)
    pool = [
        "(Sample)",
        "",
        "ACLED export generated 2024-03-01",
        "Filters: country = Mali; year >= 2023",
        '"Note: fatalities are estimates, see the codebook",,,',
        "Source: www.acleddata.com",
        "Downloaded by: analyst@example.org;;",
        "Rows: 3",
        "Contact,info@example.org",
    ]
    return b"\n".join(rng.choice(pool).encode() for _ in range(n)) + b"\n"


@pytest.mark.parametrize("n", [1, 2, 5, 11, 20])
def test_a_preamble_of_any_length_before_an_acled_header(n: int) -> None:
    plain = _plain(ACLED)
    up = prepare(_preamble(n, seed=n) + ACLED, "acled_with_preamble.csv", today=TODAY)
    assert up.format == "acled" and up.report.ok, up.report.to_text()
    assert up.valid.to_pylist() == plain.valid.to_pylist()
    assert any("(a preamble) and were skipped" in note for note in up.report.notes)


def test_the_sample_preamble_acled_writes() -> None:
    up = prepare(b"(Sample)\n\n" + ACLED, "acled.csv", today=TODAY)
    assert up.format == "acled" and up.valid.num_rows == _plain(ACLED).valid.num_rows
    # line numbers stay those of the file: the header is on line 3
    assert "lines 1–2 are notes above the column names" in " ".join(up.report.notes)


def test_a_preamble_before_a_ucdp_header_and_a_problem_keeps_its_line_number() -> None:
    lines = GED.decode().splitlines()
    bad_row = lines[1].split(",")
    bad_row[lines[0].split(",").index("best")] = "many"
    body = "\n".join([lines[0], ",".join(bad_row), *lines[2:]]) + "\n"
    up = prepare(b"UCDP GED extract\nfor review\n\n" + body.encode(), "ged.csv", today=TODAY)
    assert up.format == "ucdp"
    f = up.report.failures
    # preamble 3 lines + header on line 4: the first data row is line 5
    assert f["row"].tolist() == [5] and f["column"].tolist() == ["best"]


def test_hxl_tag_row_under_the_header() -> None:
    lines = GED.decode().splitlines()
    tags = ",".join(
        "#" + c.replace("_", "+") if k % 3 == 0 else "" for k, c in enumerate(lines[0].split(","))
    )
    with_tags = "\n".join([lines[0], tags, *lines[1:]]) + "\n"
    up = prepare(with_tags.encode(), "ged_hxl.csv", today=TODAY)
    plain = _plain(GED)
    assert up.report.ok, up.report.to_text()
    assert up.valid.to_pylist() == plain.valid.to_pylist()
    assert any("HXL hashtags" in n and "Line 2" in n for n in up.report.notes)


def test_footer_lines_and_blank_trailing_columns() -> None:
    rows = ACLED.decode().splitlines()
    text = "\n".join(r + ",," for r in rows) + "\n\nSource: ACLED, www.acleddata.com\n© ACLED 2024\n"
    up = prepare(text.encode(), "acled_footer.csv", today=TODAY)
    assert up.format == "acled" and up.report.ok, up.report.to_text()
    assert up.valid.num_rows == _plain(ACLED).valid.num_rows
    n = len(rows)
    # data lines 1..n, a blank line n+1, the footer on lines n+2 and n+3
    assert any(f"lines {n + 2}–{n + 3} below the data" in note for note in up.report.notes)


def _xlsx(sheets: dict[str, list[list[str]]]) -> bytes:
    """A real .xlsx workbook (the parts Excel writes) with one worksheet per entry of ``sheets``."""
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    pkg = "http://schemas.openxmlformats.org/package/2006"
    kind = "application/vnd.openxmlformats-officedocument.spreadsheetml"

    def col(c: int) -> str:
        return (chr(ord("A") + c // 26 - 1) if c >= 26 else "") + chr(ord("A") + c % 26)

    def cell(r: int, c: int, v: str) -> str:
        return f'<c r="{col(c)}{r}" t="inlineStr"><is><t>{escape(v)}</t></is></c>'

    parts = {
        "_rels/.rels": f'<?xml version="1.0"?><Relationships xmlns="{pkg}/relationships">'
        f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
    }
    overrides, entries, rels = [], [], []
    for k, (name, rows) in enumerate(sheets.items(), start=1):
        body = "".join(
            f'<row r="{r}">' + "".join(cell(r, c, v) for c, v in enumerate(row) if v != "") + "</row>"
            for r, row in enumerate(rows, start=1)
        )
        parts[f"xl/worksheets/sheet{k}.xml"] = (
            f'<?xml version="1.0"?><worksheet xmlns="{main}"><sheetData>{body}</sheetData></worksheet>'
        )
        overrides.append(
            f'<Override PartName="/xl/worksheets/sheet{k}.xml" ContentType="{kind}.worksheet+xml"/>'
        )
        entries.append(f'<sheet name="{escape(name)}" sheetId="{k}" r:id="rId{k}"/>')
        rels.append(f'<Relationship Id="rId{k}" Type="{rel}/worksheet" Target="worksheets/sheet{k}.xml"/>')
    parts["[Content_Types].xml"] = (
        f'<?xml version="1.0"?><Types xmlns="{pkg}/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{kind}.sheet.main+xml"/>'
        + "".join(overrides)
        + "</Types>"
    )
    parts["xl/workbook.xml"] = (
        f'<?xml version="1.0"?><workbook xmlns="{main}" xmlns:r="{rel}">'
        f"<sheets>{''.join(entries)}</sheets></workbook>"
    )
    parts["xl/_rels/workbook.xml.rels"] = (
        f'<?xml version="1.0"?><Relationships xmlns="{pkg}/relationships">{"".join(rels)}</Relationships>'
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in parts.items():
            z.writestr(name, text)
    return buf.getvalue()


def _rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode())))


def test_workbook_with_a_licence_sheet_and_a_title_above_the_header() -> None:
    book = _xlsx(
        {
            "Licence": [["This data is licensed under CC BY 4.0."], ["Cite: ACLED."]],
            "Notes": [["Fatalities are estimates."]],
            "Data": [["ACLED export for Mali"], [], *_rows(ACLED)],
        }
    )
    up = prepare(book, "acled_export.xlsx", today=TODAY)
    assert up.format == "acled" and up.report.ok, up.report.to_text()
    plain = _plain(ACLED)
    got, want = up.valid.to_pylist(), plain.valid.to_pylist()
    assert [r["event_id"] for r in got] == [r["event_id"] for r in want]
    assert [r["fatalities"] for r in got] == [r["fatalities"] for r in want]
    notes = " ".join(up.report.notes)
    assert "Read sheet 'Data'" in notes and "'Licence' (no table this tool reads" in notes
    assert "Rows 1–2 of sheet 'Data' are notes" in notes


def test_workbook_without_a_recognised_sheet_is_refused_in_one_sentence() -> None:
    book = _xlsx({"A": [["x", "y"], ["1", "2"]], "B": [["p", "q"], ["3", "4"]]})
    with pytest.raises(UnreadableFile, match="No sheet of this workbook"):
        prepare(book, "two.xlsx")


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


def test_zip_with_macosx_entries_reads_its_one_data_file() -> None:
    archive = _zip(
        {
            "acled_2024/acled.csv": ACLED,
            "__MACOSX/acled_2024/._acled.csv": b"\x00\x05\x16\x07 mac metadata",
            "acled_2024/.DS_Store": b"\x00\x00\x00\x01Bud1",
            "acled_2024/ACLED_Terms_of_use.pdf": b"%PDF-1.4",
        }
    )
    up = prepare(archive, "acled_2024.zip", today=TODAY)
    assert up.format == "acled" and up.report.ok, up.report.to_text()
    assert up.valid.to_pylist() == _plain(ACLED).valid.to_pylist()
    notes = " ".join(up.report.notes)
    assert "Read acled_2024/acled.csv from the ZIP archive" in notes and "__MACOSX" in notes


def test_zip_with_several_data_files_asks_which() -> None:
    archive = _zip({"acled.csv": ACLED, "ged.csv": GED})
    with pytest.raises(UnreadableFile, match=r"several data files \(acled.csv, ged.csv\)"):
        prepare(archive, "both.zip")
    up = prepare(archive, "both.zip", member="ged.csv", today=TODAY)
    assert up.format == "ucdp" and up.valid.num_rows == _plain(GED).valid.num_rows


def test_zip_holding_a_workbook() -> None:
    archive = _zip({"export/data.xlsx": _xlsx({"Sheet1": _rows(GED)})})
    up = prepare(archive, "export.zip", today=TODAY)
    assert up.format == "ucdp" and up.valid.num_rows == _plain(GED).valid.num_rows


@pytest.mark.skipif(not (REAL / "conflict").is_dir(), reason="the real files are not available")
def test_real_hdx_ged_with_its_tag_row() -> None:
    path = REAL / "conflict" / "ucdp_ged_hdx_conflict_data_BGD_with_HXL_tag_row.csv"
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))[1:]  # the first record under the header is the tag row
    up = prepare(read_file(path), path.name)
    assert up.format == "ucdp" and up.report.ok, up.report.to_text()
    assert up.valid.num_rows == len(rows)
    assert int(up.valid.to_pandas()["fatalities"].sum()) == sum(int(r["best"]) for r in rows)
    assert set(up.valid.to_pandas()["iso3"]) == {"BGD"}
    years = [int(r["date_start"][:4]) for r in rows]
    assert up.info["coverage"] == {
        "countries": ["BGD"],
        "first": f"{min(years)}-01-01",
        "last": f"{max(years)}-12-31",
    }


def test_older_ged_layout_with_best_est_and_relid() -> None:
    text = (
        "relid,year,type_of_violence,conflict_new_id,side_a,side_b,adm_1,latitude,longitude,country,"
        "country_id,date_start,date_end,low_est,best_est,high_est\n"
        "IND-1989-1-1,1989,1,218,Government of India,Kashmir insurgents,Jammu and Kashmir,34.08,74.79,"
        "India,750,1989-09-14,1989-09-14,2,3,4\n"
        "IND-1989-1-2,1989,3,500,Kashmir insurgents,Civilians,Jammu and Kashmir,34.08,74.79,India,750,"
        "1989-10-02,1989-10-02,1,1,1\n"
    )
    up = prepare(text.encode(), "ged_v2.csv", today=TODAY)
    assert up.format == "ucdp" and up.report.ok, up.report.to_text()
    rows = up.valid.to_pylist()
    assert [(r["event_id"], r["fatalities"], r["event_type"]) for r in rows] == [
        ("IND-1989-1-1", 3, "Battles"),
        ("IND-1989-1-2", 1, "Violence against civilians"),
    ]


def test_a_last_record_broken_inside_its_quoted_notes_is_data_not_a_footer() -> None:
    rows = ACLED.decode().splitlines()
    header = rows[0].split(",")
    fields = next(csv.reader([rows[-1]]))
    k = header.index("notes")
    fields[k] = "First line of the notes\nsecond line"
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([r for r in csv.reader(rows[:-1])] + [fields])
    up = prepare(out.getvalue().encode(), "acled.csv", today=TODAY)
    assert up.report.ok, up.report.to_text()
    assert up.valid.to_pylist()[-1]["notes"] == "First line of the notes\nsecond line"
    assert not any("footer" in n for n in up.report.notes)


def test_a_preamble_before_a_table_in_no_known_layout_is_found_by_shape() -> None:
    body = "region,month,clashes,deaths\n" + "".join(f"North,2024-{m:02d},{m},{2 * m}\n" for m in range(1, 9))
    text = "Monthly clashes, internal report\nPrepared by: unit 4\n\n" + body
    up = prepare(text.encode(), "report.csv")
    # not a layout this tool knows: the column-mapping route, with the header found on line 4
    assert up.parsed is not None and up.parsed.columns == ["region", "month", "clashes", "deaths"]
    assert up.parsed.table.num_rows == 8
    assert any("found by the shape of the rows below" in n for n in up.report.notes)
    # a plain table with a numeric first row is left as it is (no header to look for)
    plain = prepare(body.encode(), "plain.csv")
    assert plain.parsed is not None and plain.parsed.columns == ["region", "month", "clashes", "deaths"]
    assert not any("preamble" in n for n in plain.report.notes)


def test_a_file_cut_off_inside_its_last_row_is_refused_not_read_as_a_footer() -> None:
    rows = ACLED.decode().splitlines()
    header = next(csv.reader([rows[0]]))
    last = next(csv.reader([rows[-1]]))
    cut = ",".join(last[:12])  # the download stopped 12 fields into the last row
    text = "\n".join(rows[:-1] + [cut]) + "\n"
    assert len(last[:12]) * 2 <= len(header)  # short enough to have passed for a footer
    up = prepare(text.encode(), "acled_cut.csv", today=TODAY)
    assert not up.report.ok
    assert not any("footer" in n for n in up.report.notes)
    report = up.report.to_text()
    assert f"this row has 12 fields but the header has {len(header)}" in report
    assert f"rows {len(rows)}" in report  # the cut row, by its line number
    # a real footer below complete rows is still skipped
    text = "\n".join(rows) + "\nSource: ACLED, 2024\n"
    up = prepare(text.encode(), "acled_footer.csv", today=TODAY)
    assert up.report.ok and up.valid.num_rows == _plain(ACLED).valid.num_rows


def test_trailing_rows_of_empty_cells_are_skipped() -> None:
    rows = GED.decode().splitlines()
    width = len(next(csv.reader([rows[0]])))
    text = "\r\n".join(rows) + "\r\n" + ("," * (width - 1) + "\r\n") * 3
    up = prepare(text.encode(), "ged_excel.csv", today=TODAY)
    assert up.report.ok, up.report.to_text()
    assert up.valid.to_pylist() == _plain(GED).valid.to_pylist()
    n = len(rows)
    assert (
        f"3 row(s) hold no value at all and were skipped (empty cells below the data): lines {n + 1}–{n + 3}."
        in (up.report.notes)
    )
    assert not any("footer" in note for note in up.report.notes)


def test_a_table_split_over_two_sheets_is_read_whole_and_another_table_is_named() -> None:
    rows = [next(csv.reader([r])) for r in GED.decode().splitlines()]
    header, data = rows[0], rows[1:]
    plain = _plain(GED)
    book = _xlsx({"2022 a": [header] + data[:3], "2022 b": [header] + data[3:], "About": [["CC BY 4.0"]]})
    up = prepare(book, "ged_two_sheets.xlsx", today=TODAY)
    assert up.report.ok, up.report.to_text()
    assert up.valid.to_pylist() == plain.valid.to_pylist()  # every row of both sheets, in order
    notes = " ".join(up.report.notes)
    # sheet a: header on line 1, its 3 rows on lines 2-4; sheet b's rows (header left out) on 5-
    assert f"lines 2–4 are sheet '2022 a' from its row 2; lines 5–{len(data) + 1} are sheet '2022 b'" in notes
    assert "'About' (no table this tool reads" in notes
    # a problem in the second sheet is reported at its line of the combined table
    bad = list(data[4])
    bad[header.index("best")] = "-3"
    book = _xlsx({"2022 a": [header] + data[:3], "2022 b": [header, data[3], bad] + data[5:]})
    up = prepare(book, "ged_bad.xlsx", today=TODAY)
    assert not up.report.ok and "rows 6" in up.report.to_text()  # sheet b's row 3 = line 6
    # a sheet holding another known table is not mixed in, and the note says so
    sdg = [["Year", "Series", "Value"], ["2021", "VC_SNS_WALN_DRK", "60.5"]]
    up = prepare(_xlsx({"Events": [header] + data, "SDG": sdg}), "mixed.xlsx", today=TODAY)
    assert up.report.ok and up.valid.num_rows == plain.valid.num_rows
    assert any("Sheet 'SDG' of this workbook holds another table" in n for n in up.report.notes)


def test_hxl_tag_row_under_the_header_of_a_workbook_sheet() -> None:
    rows = [next(csv.reader([r])) for r in GED.decode().splitlines()]
    tags = ["#" + c.replace("_", "+") if k % 3 == 0 else "" for k, c in enumerate(rows[0])]
    up = prepare(_xlsx({"Data": [rows[0], tags, *rows[1:]]}), "ged_hxl.xlsx", today=TODAY)
    assert up.report.ok, up.report.to_text()
    assert up.valid.to_pylist() == _plain(GED).valid.to_pylist()
    assert (
        "Line 2 holds HXL hashtags (such as '#date+start') under the column names, not data, and was skipped."
        in (up.report.notes)
    )
    # a problem keeps the sheet's row number: the third data row is sheet row 5
    bad = [list(r) for r in rows]
    bad[3][rows[0].index("best")] = "-3"
    up = prepare(_xlsx({"Data": [bad[0], tags, *bad[1:]]}), "ged_hxl.xlsx", today=TODAY)
    assert not up.report.ok and up.report.to_text().rstrip().endswith("rows 5")
