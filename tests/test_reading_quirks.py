"""Reading quirks of files as users save them: UTF-16 with a publisher's preamble, repeated column
names, and Excel for Mac's line ends (records end in a bare CR, cells hold LF inside quotes).

Every fixture is written here, byte for byte, in the layout of the real file it stands for, with
values of its own; each test reads it the way ``stability ingest`` does (``prepare`` on the bytes,
or the command itself into a temporary store).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from datasets.ingest import prepare
from datasets.ingest.preread import read_source
from datasets.ingest.sniff import line_end, parse
from stability.cli import main

# ---- fixtures ------------------------------------------------------------------------------------

#: A SIPRI trade register in its 2025 layout: 11 lines of notes, then the column names.
SIPRI_PREAMBLE = [
    "Transfers of major conventional arms from All countries  to Testland  . Deals with deliveries "
    "made for the year range '2020' to '2023' ",
    "A '?' in a column indicates uncertain data.",
    "An empty field for 'Number ordered' indicates that data is not yet available.",
    "SIPRI trend-indicator values (TIVs) are in millions.",
    "An empty field for 'SIPRI TIV for total order' indicates that data is not available.",
    "A '0' for 'SIPRI TIV of delivered weapons' indicates a volume between 0 and 0.5 million.",
    "Figures may not add up to stated totals due to the conventions of rounding.",
    "For the method used see <https://www.sipri.org/databases/armstransfers/sources-and-methods>.",
    "",
    "Source: SIPRI Arms Transfers Database (c) SIPRI.",
    "Data generated: 1 Mar 2025 9:00:00 AM",
]
SIPRI_HEADER = [
    "SIPRI AT Database ID",
    "Supplier",
    "Recipient",
    "Designation",
    "Description",
    "Armament category",
    "Order date",
    "Order date is estimate",
    "Numbers delivered",
    "Numbers delivered is estimate",
    "Delivery year",
    "Delivery year is estimate",
    "Status",
    "SIPRI estimate",
    "TIV deal unit",
    "TIV delivery values",
    "Local production",
]
SIPRI_ROWS = [
    ["70001", "Poland", "Ukraine", "Krab", "self-propelled gun", "Artillery", "2022", "No", "18", "No"]
    + ["2022", "No", "New", "4", "3.5", "63", "No"],
    ["70001", "Poland", "Ukraine", "Krab", "self-propelled gun", "Artillery", "2022", "No", "6", "Yes"]
    + ["2023", "No", "New", "4", "3.5", "21", "No"],
    ["70002", "Canada", "Ukraine", "Senator", "APC", "Armoured vehicles", "2023", "Yes", "10", "No"]
    + ["2023", "No", "New", "0.5", "0.2", "2", "No"],
]


def sipri_text(delimiter: str) -> str:
    """The register as text, lines ended by CR LF as SIPRI writes them."""
    lines = [*SIPRI_PREAMBLE, delimiter.join(SIPRI_HEADER), *(delimiter.join(r) for r in SIPRI_ROWS)]
    return "\r\n".join(lines) + "\r\n"


#: A World Bank API download (indicator PV.EST): 4 lines of notes, every field quoted, a trailing
#: comma on every line (an empty, unnamed last column).
WGI_API = (
    '"Data Source","Worldwide Governance Indicators",\r\n'
    "\r\n"
    '"Last Updated Date","2025-01-15",\r\n'
    "\r\n"
    '"Country Name","Country Code","Indicator Name","Indicator Code","2021","2022","2023",\r\n'
    '"Georgia","GEO","Political Stability and Absence of Violence/Terrorism: Estimate","PV.EST",'
    '"-0.41","-0.38","-0.2",\r\n'
    '"Moldova","MDA","Political Stability and Absence of Violence/Terrorism: Estimate","PV.EST",'
    '"-0.25","-0.5","-0.45",\r\n'
)

#: A UCDP GED file (the columns the importer reads, and a source text quoted with doubled quotes).
GED_HEADER = (
    "id,year,type_of_violence,conflict_name,source_article,country,country_id,latitude,longitude,"
    "date_start,date_end,deaths_civilians,low,best,high"
)
GED_ROWS = [
    '9001,2016,3,IS - Civilians,"""AFP,2016-03-15,Attack""",Bangladesh,771,23.4,89.1,2016-03-14,'
    "2016-03-14,1,1,1,1",
    "9002,2016,1,Government of Bangladesh - JMB,Reuters,Bangladesh,771,24.0,90.0,2016-04-01,"
    "2016-04-01,0,2,3,4",
]

#: A national SDG 16.1.4 file (Ghana's platform layout): the row with every breakdown empty is the
#: national value.
SDG_GHANA = "Year,Location,Sex,Geography,Value\n2017,,,,82.5\n2017,Urban,,,78.5\n2018,,,,83.0\n"


def _values(upload: object, column: str) -> list[object]:
    data = upload.data  # type: ignore[attr-defined]
    assert data is not None
    return data.column(column).to_pylist()


# ---- 1. UTF-16 with a preamble -------------------------------------------------------------------


@pytest.mark.parametrize("delimiter", [",", "\t"])
def test_utf16_sipri_register_with_preamble_reads_as_its_utf8_copy(delimiter: str) -> None:
    text = sipri_text(delimiter)
    as_utf8 = prepare(text.encode("utf-8"), "register.csv")
    as_utf16 = prepare(text.encode("utf-16"), "register.csv")  # Python writes a byte-order mark
    assert as_utf8.format == as_utf16.format == "sipri"
    assert as_utf16.report.ok and not as_utf16.report.file_problems
    assert as_utf16.report.notes == as_utf8.report.notes
    assert as_utf16.data is not None and as_utf8.data is not None
    assert as_utf16.data.num_rows == 3
    assert as_utf16.data.to_pylist() == as_utf8.data.to_pylist()
    assert as_utf16.parsed is not None and as_utf16.parsed.encoding == "UTF-16"
    if delimiter == ",":
        assert as_utf16.report.notes[0] == (
            "lines 1–11 are SIPRI's notes above the column names (a preamble) and were skipped."
        )
    else:
        assert as_utf16.report.notes[0] == (
            "lines 1–11 are notes above the column names (a preamble) and were skipped."
        )


def test_utf16_world_bank_api_download_with_preamble_and_trailing_comma() -> None:
    as_utf8 = prepare(WGI_API.encode("utf-8-sig"), "API_PV.EST.csv")
    as_utf16 = prepare(WGI_API.encode("utf-16"), "API_PV.EST.csv")
    assert as_utf16.format == "wgi_api" and as_utf16.report.ok
    assert as_utf16.report.notes == as_utf8.report.notes
    assert as_utf16.report.notes[0] == (
        "lines 1–4 are World Bank's notes above the column names (a preamble) and were skipped."
    )
    assert _values(as_utf16, "iso3") == ["GEO", "GEO", "GEO", "MDA", "MDA", "MDA"]
    assert _values(as_utf16, "value") == pytest.approx([-0.41, -0.38, -0.2, -0.25, -0.5, -0.45])
    # the trailing comma's empty, unnamed column is read as before, not taken for a repeated name
    assert as_utf16.parsed is not None and as_utf16.parsed.columns[-1] == ""


def test_utf16_register_through_the_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "sipri_register.csv"
    path.write_bytes(sipri_text(",").encode("utf-16"))
    code = main(["ingest", str(path), "--store", str(tmp_path / "store"), "--no-prepare"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "SIPRI trade register (2025 layout): 3 rows stored" in out
    assert "note: lines 1–11 are SIPRI's notes above the column names (a preamble) and were skipped." in out


# ---- 2. Repeated column names --------------------------------------------------------------------


def test_ged_with_a_second_best_column_is_refused_naming_both_columns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [f"{r},7" for r in GED_ROWS]
    path = tmp_path / "ged.csv"
    path.write_bytes("\n".join([GED_HEADER + ",best", *rows]).encode() + b"\n")
    upload = prepare(path.read_bytes(), "ged.csv")
    assert upload.refused and upload.data is None
    assert upload.report.file_problems == [
        "The column name 'best' appears twice (columns 14 and 16): rename or remove one and read the "
        "file again."
    ]
    code = main(["ingest", str(path), "--store", str(tmp_path / "store"), "--no-prepare"])
    out = capsys.readouterr().err  # a refused file is reported on standard error
    assert code == 2
    assert "ged.csv: refused, nothing was stored." in out
    assert "The column name 'best' appears twice (columns 14 and 16)" in out
    assert "Traceback" not in out


def test_sdg_file_with_a_second_value_column_is_refused() -> None:
    lines = SDG_GHANA.splitlines()
    text = "\n".join([lines[0] + ",Value", *(f"{line},{line.rsplit(',', 1)[1]}" for line in lines[1:])])
    upload = prepare(text.encode(), "sdg_16-1-4_ghana.csv")
    assert upload.refused and upload.data is None
    assert upload.report.file_problems == [
        "The column name 'Value' appears twice (columns 5 and 6): rename or remove one and read the "
        "file again."
    ]
    # the same file with one Value column stores its national rows
    ok = prepare(SDG_GHANA.encode(), "sdg_16-1-4_ghana.csv")
    national = [v for v, b in zip(_values(ok, "value"), _values(ok, "breakdown"), strict=True) if b is None]
    assert ok.report.ok and national == pytest.approx([0.825, 0.83])


def test_names_repeated_with_other_capitals_or_thrice_are_named() -> None:
    source = read_source(b"Year,Value,Sex, value ,x,X,x\n2017,1,,2,a,b,c\n")
    assert source.problems == [
        "The column name 'Value' appears twice (columns 2 and 4, written 'Value' and 'value'): rename or "
        "remove one and read the file again.",
        "The column name 'x' appears 3 times (columns 5, 6 and 7, written 'x', 'X' and 'x'): rename or "
        "remove all but one and read the file again.",
    ]


def test_empty_header_cells_may_repeat() -> None:
    # a trailing delimiter, and columns a publisher heads with nothing (SIPRI's classic register)
    source = read_source(b"a, ,b,,\n1,2,3,4,5\n")
    assert source.problems == []
    assert source.parsed.columns == ["a", "", "b", "", ""]
    assert source.parsed.table.column_names == ["a", "column_2", "b", "column_4", "column_5"]
    # parsing alone still keeps repeated names apart (the check refuses them, ``parse`` reads them)
    assert parse(b"a,a\n1,2\n").table.column_names == ["a", "a.2"]


# ---- 3. Excel for Mac: records end in CR, line breaks inside quoted cells are LF -----------------


def mac_ged(rows: list[str], tag_row: bool = False) -> bytes:
    """A GED file as Excel for Mac saves it: every record ends in a bare CR."""
    tags = ["#event+id,#date+year,,,,#country+name,,#geo+lat,#geo+lon,#date+start,,,,#affected+killed,"]
    return "\r".join([GED_HEADER, *(tags if tag_row else []), *rows]).encode() + b"\r"


MULTILINE_ROW = (
    '9003,2018,2,"JMB - Ansar\nal-Islam",Reuters,Bangladesh,771,22.8,89.5,2018-01-20,2018-01-21,0,5,6,8'
)


def test_excel_for_mac_file_is_read_with_its_line_breaks_inside_cells() -> None:
    data = mac_ged([GED_ROWS[0], MULTILINE_ROW, GED_ROWS[1]])
    assert line_end(data) == b"\r"
    upload = prepare(data, "ged_mac.csv")
    assert upload.format == "ucdp"
    assert upload.report.ok, upload.report.to_text()
    assert _values(upload, "event_id") == ["9001", "9003", "9002"]
    assert _values(upload, "fatalities") == [1, 6, 3]
    assert upload.parsed is not None
    assert upload.parsed.table.column("conflict_name").to_pylist()[1] == "JMB - Ansar\nal-Islam"
    assert upload.parsed.ragged_count == 0


def test_mac_file_written_by_python_csv_with_unquoted_line_feeds_is_read() -> None:
    # ``csv.writer(f, lineterminator="\\r")`` quotes a cell holding a CR, not one holding only an LF
    fields = next(csv.reader([GED_ROWS[1]]))
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r")
    writer.writerow(GED_HEADER.split(","))
    writer.writerow(next(csv.reader([GED_ROWS[0]])))
    writer.writerow(["9003", *fields[1:3], "JMB - Ansar\nal-Islam", "AFP\nReuters", *fields[5:]])
    writer.writerow(["9004", *fields[1:]])
    data = buf.getvalue().encode()
    # and a cell with a stray quote and a line feed, as a hand-edited file may hold
    data += ("9005," + ",".join(fields[1:3]) + ",Group 5'10\"\nB,AFP," + ",".join(fields[5:]) + "\r").encode()
    assert b",JMB - Ansar\nal-Islam,AFP\nReuters," in data
    upload = prepare(data, "ged_mac.csv")
    assert upload.report.ok, upload.report.to_text()
    assert upload.parsed is not None and upload.parsed.ragged_count == 0
    table = upload.parsed.table
    assert table.column("id").to_pylist() == ["9001", "9003", "9004", "9005"]
    names = ["IS - Civilians", "JMB - Ansar\nal-Islam", "Government of Bangladesh - JMB", "Group 5'10\"\nB"]
    assert table.column("conflict_name").to_pylist() == names
    assert table.column("source_article").to_pylist()[:2] == ['"AFP,2016-03-15,Attack"', "AFP\nReuters"]
    assert _values(upload, "fatalities") == [1, 3, 3, 3]


def test_excel_for_mac_file_with_a_tag_row_skips_it() -> None:
    upload = prepare(mac_ged([GED_ROWS[0], MULTILINE_ROW], tag_row=True), "ged_mac.csv")
    assert upload.report.ok, upload.report.to_text()
    assert upload.report.notes == [
        "Line 2 holds HXL hashtags (such as '#date+start') under the column names, not data, and was skipped."
    ]
    assert _values(upload, "event_id") == ["9001", "9003"]


def test_ragged_row_in_excel_for_mac_file_is_named_by_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    short = GED_ROWS[1].rsplit(",", 1)[0]  # the last field left out
    # line 1 header, lines 2-3 the record with a line break in a cell, line 4, line 5 (ragged)
    path = tmp_path / "ged_mac.csv"
    path.write_bytes(mac_ged([MULTILINE_ROW, GED_ROWS[0], short]))
    upload = prepare(path.read_bytes(), "ged_mac.csv")
    assert upload.refused and upload.report.lines_exact
    assert upload.report.failures["row"].tolist() == [5]
    assert upload.report.file_problems == []
    code = main(["ingest", str(path), "--store", str(tmp_path / "store"), "--no-prepare"])
    out = capsys.readouterr().err
    assert code == 2
    assert "1 of 3 rows have problems (row numbers as in the file; the header is line 1):" in out
    assert "this row has 14 fields but the header has 15" in out and ": rows 5" in out
    assert "have a different number of fields than the header" not in out


def test_ragged_row_after_a_stray_quote_is_named_by_its_line() -> None:
    # a quote inside an unquoted cell (5'10") is text to the parser, not the start of a quoted cell
    rows = [
        GED_ROWS[0].replace("IS - Civilians", "Group 5'10\" - Civilians"),
        GED_ROWS[1].rsplit(",", 1)[0],  # line 3: a field short
        GED_ROWS[1].replace("9002", "9004"),
    ]
    upload = prepare(("\n".join([GED_HEADER, *rows]) + "\n").encode(), "ged.csv")
    assert upload.report.lines_exact
    assert upload.report.failures["row"].tolist() == [3]
    assert upload.report.file_problems == []
    assert "this row has 14 fields but the header has 15" in upload.report.to_text()


def test_old_mac_file_without_ragged_rows_keeps_record_numbers() -> None:
    # the records of a bare-CR file are numbered as records, as before (no line break in a cell)
    bad = GED_ROWS[1].replace("2016-04-01,2016-04-01", "2016-13-01,2016-13-01")
    upload = prepare(mac_ged([GED_ROWS[0], bad]), "ged_mac.csv")
    assert not upload.report.lines_exact
    assert upload.report.summary().loc[0, "first rows"] == "record 2"
