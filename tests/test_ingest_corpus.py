"""The corpus of bad and awkward files: each has its expected outcome.

Files that are not CSV at all get one plain sentence (``UnreadableFile``); CSV files with
problems are refused with a report naming the problem, the column and the rows as numbered in
the file (header = line 1); awkward but valid files are read correctly.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from datasets.ingest import UnreadableFile, Upload, prepare
from datasets.store import Store

BAD = Path(__file__).parent / "fixtures" / "incidents" / "bad"


def xlsx_bytes() -> bytes:
    """A real (tiny) .xlsx workbook: a ZIP holding the parts Excel writes."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            "</Types>",
        )
        z.writestr(
            "xl/workbook.xml", '<workbook><sheets><sheet name="Sheet1" sheetId="1"/></sheets></workbook>'
        )
        z.writestr("xl/worksheets/sheet1.xml", "<worksheet><sheetData/></worksheet>")
    return buf.getvalue()


NOT_CSV = [
    ("empty.csv", (BAD / "empty.csv").read_bytes(), "The file is empty"),
    ("header_only.csv", (BAD / "header_only.csv").read_bytes(), "has column names but no data rows"),
    ("binary.csv", (BAD / "binary.csv").read_bytes(), "binary data, not text"),
    # workbooks are read now; this skeleton has no worksheet, so it cannot be read
    ("renamed.csv", xlsx_bytes(), "This Excel workbook cannot be read"),
    ("report.csv", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", "This is a PDF document"),
    ("photo.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 40, "This is an image (PNG)"),
    ("photo2.csv", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x01" * 40, "This is an image (JPEG)"),
    ("page.csv", b"<!DOCTYPE html><html><body>Export</body></html>", "This is a web page"),
    ("blank.csv", b"\r\n\r\n   \n", "The file is empty"),
]


@pytest.mark.parametrize(("name", "data", "sentence"), NOT_CSV, ids=[n for n, _, _ in NOT_CSV])
def test_not_csv_gets_one_plain_sentence(name: str, data: bytes, sentence: str) -> None:
    with pytest.raises(UnreadableFile) as info:
        prepare(data, name)
    message = str(info.value)
    assert sentence in message
    assert "\n" not in message and "Traceback" not in message and message.endswith(".")


def _check(name: str) -> Upload:
    return prepare((BAD / name).read_bytes(), name)


def _summary(upload: Upload) -> list[tuple[str, str, int, str]]:
    s = upload.report.summary()
    return [(r["column"], r["problem"], int(r["rows"]), r["first rows"]) for _, r in s.iterrows()]


# (file, [(column, problem starts with, rows affected, first rows as in the file)])
REFUSED = [
    ("text_in_fatalities.csv", [("fatalities", "not a whole number", 2, "3, 5")]),
    ("negative_fatalities.csv", [("fatalities", "fatalities cannot be negative", 1, "4")]),
    ("future_dates.csv", [("event_date", "date is in the future", 1, "3")]),
    ("unknown_country.csv", [("country", "unknown country", 2, "3, 5")]),
    ("bad_dates.csv", [("event_date", "date could not be read", 2, "3, 4")]),
    (
        "bad_coordinates.csv",
        [
            ("latitude", "latitude must lie between -90 and 90", 1, "3"),
            ("longitude", "longitude must lie between -180 and 180", 1, "4"),
        ],
    ),
    ("ragged.csv", [("", "this row has 8 fields but the header has 31", 1, "3")]),
    # the first data row spans lines 2-4 (a quoted note with two line breaks): the bad row is line 5
    ("quoted_newlines_bad.csv", [("fatalities", "fatalities cannot be negative", 1, "5")]),
]


@pytest.mark.parametrize(("name", "expected"), REFUSED, ids=[n for n, _ in REFUSED])
def test_refused_with_a_readable_report(name: str, expected: list[tuple[str, str, int, str]]) -> None:
    upload = _check(name)
    assert upload.refused and not upload.report.file_problems
    got = _summary(upload)
    assert len(got) == len(expected)
    for (col, problem, n, first), (gcol, gproblem, gn, gfirst) in zip(expected, got, strict=True):
        assert (gcol, gn, gfirst) == (col, n, first)
        assert gproblem.startswith(problem)
    text = upload.report.to_text()
    assert text.startswith(f"{name}: refused, nothing was stored.")
    assert "header is line 1" in text


def test_unknown_country_report_names_the_value() -> None:
    s = _check("unknown_country.csv").report.summary()
    assert s.loc[0, "examples"] == "'Narnia'"


def test_rejected_rows_counted_and_valid_rows_kept() -> None:
    upload = _check("text_in_fatalities.csv")
    # 5 data rows, 2 with text in fatalities
    assert (upload.total_rows, upload.report.rejected_rows, upload.valid.num_rows) == (5, 2, 3)
    assert upload.valid["event_id"].to_pylist() == ["MLI9001", "MLI9002", "BFA9003"]


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("wrong_columns.csv", "The columns of this file do not match"),
        ("missing_fatalities.csv", "required column 'fatalities' is missing"),
    ],
)
def test_whole_file_problems(name: str, problem: str) -> None:
    upload = _check(name)
    assert upload.refused and not upload.storable
    assert len(upload.report.file_problems) == 1
    assert upload.report.file_problems[0].startswith(problem)
    assert upload.report.rejected_rows == upload.total_rows


def test_semicolon_delimited_with_decimal_commas() -> None:
    upload = _check("semicolon.csv")
    assert upload.report.ok and upload.parsed is not None and upload.parsed.delimiter == ";"
    t = upload.data
    assert t is not None
    assert t["latitude"].to_pylist() == [14.1, 13.5] and t["longitude"].to_pylist() == [-4.1, -2.4]
    assert t["notes"].to_pylist() == ["Clash near Mopti, at dawn.", "Attack; 2 killed"]
    assert t["civilian_targeting"].to_pylist() == [False, True]


def test_byte_order_mark() -> None:
    upload = _check("bom.csv")
    assert upload.report.ok and upload.parsed is not None
    assert upload.parsed.encoding == "UTF-8 with byte-order mark"
    assert upload.parsed.columns[0] == "event_id_cnty"
    assert upload.data is not None and upload.data["event_id"].to_pylist() == ["MLI9001", "BFA9003"]


def test_windows_1252() -> None:
    raw = (BAD / "windows1252.csv").read_bytes()
    assert "Côte".encode("cp1252") in raw and "Côte".encode() not in raw
    upload = _check("windows1252.csv")
    assert upload.report.ok and upload.parsed is not None and upload.parsed.encoding == "Windows-1252"
    t = upload.data
    assert t is not None
    assert t["country"].to_pylist() == ["Côte d'Ivoire", "Côte d'Ivoire"]
    # the second row has no ISO code: the country is found from its name
    assert t["iso3"].to_pylist() == ["CIV", "CIV"]
    assert t["actor1"].to_pylist()[0] == "Rioters (Côte d\u2019Ivoire)"
    assert t["admin1"].to_pylist()[1] == "Bouaké"


def test_quoted_newlines() -> None:
    upload = _check("quoted_newlines.csv")
    assert upload.report.ok and upload.data is not None
    assert upload.data["notes"].to_pylist() == [
        "Line one, with a comma.\nLine two.\nLine three.",
        'Single line, quoted "x".',
        "Two\r\nlines (CRLF inside).",
    ]
    assert upload.data["fatalities"].to_pylist() == [3, 1, 2]


def test_formula_cells_are_stored_as_plain_text(tmp_path: Path) -> None:
    store = Store(tmp_path)
    assert store.ingest(BAD / "formula_cells.csv").status == "stored"
    t = store.read_table("incidents")
    assert t is not None
    assert t["actor1"].to_pylist() == ['=HYPERLINK("http://x","y")', "@SUM(1+1)"]
    assert t["notes"].to_pylist() == ["+cmd|' /C calc'!A0", "-2+3"]


def test_html_in_actor_names_is_stored_as_plain_text(tmp_path: Path) -> None:
    store = Store(tmp_path)
    assert store.ingest(BAD / "html_actor.csv").status == "stored"
    t = store.read_table("incidents")
    assert t is not None
    assert t["actor1"].to_pylist() == ["<script>alert('x')</script> Militia"]
    assert t["notes"].to_pylist() == ['<b>bold</b> &amp; <a href="http://x">link</a>']


def test_rejects_file_neutralises_formulas() -> None:
    # make both formula rows invalid (negative fatalities) so they land in the rejects file
    raw = (BAD / "formula_cells.csv").read_text(encoding="utf-8")
    lines = raw.splitlines()
    lines[1] = lines[1].replace(",3,,1700000000", ",-3,,1700000000")
    lines[2] = lines[2].replace(",1,,1700000000", ",-1,,1700000000")
    upload = prepare(("\n".join(lines) + "\n").encode(), "f.csv")
    rejects = upload.rejects_csv().decode()
    assert "'@SUM(1+1)" in rejects and "'-2+3" in rejects
    assert '"\'=HYPERLINK(""http://x"",""y"")"' in rejects
    assert "'+cmd|' /C calc'!A0" in rejects
    header = rejects.splitlines()[0]
    assert header.startswith('"row","problem"')


def test_ragged_row_goes_to_rejects_with_its_line() -> None:
    upload = _check("ragged.csv")
    rejects = upload.rejects_csv().decode().splitlines()
    assert len(rejects) == 2
    assert rejects[1].startswith("3,") and "MLI9010" in rejects[1]
    assert upload.valid.num_rows == 3


def test_empty_required_cells_are_reported() -> None:
    raw = (BAD.parent / "acled_current.csv").read_bytes()
    # row 3 of the file (MLI1002) loses its event id; row 4 (BFA2001) its fatalities
    raw = raw.replace(b"MLI1002,", b",").replace(b"no casualties reported.,0,", b"no casualties reported.,,")
    upload = prepare(raw, "gaps.csv")
    got = _summary(upload)
    assert got == [
        ("event_id_cnty", "value is missing (every row needs one)", 1, "3"),
        ("fatalities", "value is missing (every row needs one)", 1, "4"),
    ]
