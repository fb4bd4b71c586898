"""Data exports: CSV and Excel files with their metadata, and formula neutralisation in both.

The golden CSV below is written out by hand from the layout documented in
``reports.export.tables``; the chart exports are read back and compared with the chart's table.
"""

from __future__ import annotations

import io
import re
import zipfile

import numpy as np
import pandas as pd
import pytest

from reports import compute
from reports.compute import Frames
from reports.export import catalog, tables
from stability import __version__

HOSTILE = pd.DataFrame(
    {
        "text": ['=HYPERLINK("http://x","y")', "+cmd", "@SUM(A1)", "-2+3", "\tTAB", "\rCR", "plain", None],
        "value": [-7.5, -2.0, 0.0, 3.0, np.nan, 1.0, 2.0, -1.0],
    }
)
ABOUT = tables.About(
    title="Test, a title",
    source="Source: test data · 2020-01 to 2020-12",
    span="2020-01 to 2020-12",
    filters="=region X",
    illustrative=True,
    version="9.9.9",
    exported="2025-01-31",
)


def test_neutralise_each_dangerous_start_and_keep_numbers() -> None:
    assert tables.neutralise('=HYPERLINK("http://x","y")') == '\'=HYPERLINK("http://x","y")'
    assert tables.neutralise("+cmd") == "'+cmd"
    assert tables.neutralise("@SUM(A1)") == "'@SUM(A1)"
    assert tables.neutralise("-2+3") == "'-2+3"
    assert tables.neutralise("\tx") == "'\tx"
    assert tables.neutralise("\rx") == "'\rx"
    assert tables.neutralise("ok = fine") == "ok = fine"
    assert tables.neutralise(-7.5) == -7.5
    assert tables.neutralise(None) is None


def test_neutralise_frame_touches_text_only() -> None:
    out = tables.neutralise_frame(HOSTILE)
    assert out["text"].tolist()[:6] == [
        '\'=HYPERLINK("http://x","y")',
        "'+cmd",
        "'@SUM(A1)",
        "'-2+3",
        "'\tTAB",
        "'\rCR",
    ]
    assert out["text"].tolist()[6] == "plain" and pd.isna(out["text"].tolist()[7])
    assert out["value"].tolist()[:4] == [-7.5, -2.0, 0.0, 3.0]  # numbers stay numbers
    assert HOSTILE["text"][0].startswith("=")  # the input is not changed


def test_csv_golden() -> None:
    frame = pd.DataFrame({"name": ["=1+1", "Ana"], "value": [-3.5, np.nan], "n": [1, 2]})
    expected = (
        "\ufeff"
        'Title,"Test, a title"\n'
        "Source,Source: test data · 2020-01 to 2020-12\n"
        "Time span,2020-01 to 2020-12\n"
        "Filters,'=region X\n"
        'Data,"Illustrative sample data, not real"\n'
        "Provenance,sample\n"  # ABOUT is illustrative: its provenance is the sample (issue 13)
        "Tool,Regional Stability Monitor 9.9.9\n"
        "Exported,2025-01-31\n"
        "\n"
        "name,value,n\n"
        "'=1+1,-3.5,1\n"
        "Ana,,2\n"
    )
    assert tables.to_csv(frame, ABOUT).decode("utf-8") == expected
    assert (
        tables.metadata_rows(ABOUT) == 8
    )  # Title, Source, Time span, Filters, Data, Provenance, Tool, Exported


def test_csv_neutralises_every_hostile_cell_and_reads_back() -> None:
    data = tables.to_csv(HOSTILE, ABOUT)
    back = pd.read_csv(io.BytesIO(data), skiprows=tables.metadata_rows(ABOUT) + 1, encoding="utf-8-sig")
    assert back["text"].tolist()[:4] == ['\'=HYPERLINK("http://x","y")', "'+cmd", "'@SUM(A1)", "'-2+3"]
    assert back["value"].tolist()[:4] == [-7.5, -2.0, 0.0, 3.0]
    assert back["value"].isna().tolist()[4]  # missing stays missing, never zero
    for line in data.decode("utf-8-sig").splitlines():
        assert not re.match(r'^"?[=+@]', line)  # no line (so no first cell) starts a formula


def test_xlsx_cells_are_typed_and_never_formulas() -> None:
    data = tables.to_xlsx(HOSTILE, ABOUT)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        names = set(z.namelist())
        assert "xl/workbook.xml" in names
        sheets = [z.read(n).decode("utf-8") for n in sorted(names) if n.startswith("xl/worksheets/sheet")]
        strings = z.read("xl/sharedStrings.xml").decode("utf-8")
    assert len(sheets) == 2 and not any("<f>" in s for s in sheets)  # no formula cell anywhere
    # B2 holds −7.5 as a number: a cell without t="s" and its value written out
    assert re.search(r'<c r="B2"[^>]*><v>-7.5</v></c>', sheets[0])
    assert "&apos;=HYPERLINK" in strings or "'=HYPERLINK" in strings
    book = pd.read_excel(io.BytesIO(data), sheet_name=None, engine="calamine", header=None)
    assert list(book) == ["Data", "About"]
    frame = book["Data"]
    assert frame.iloc[0].tolist() == ["text", "value"]
    assert frame.iloc[1:5, 0].tolist() == ['\'=HYPERLINK("http://x","y")', "'+cmd", "'@SUM(A1)", "'-2+3"]
    assert frame.iloc[1:5, 1].tolist() == [-7.5, -2.0, 0.0, 3.0]
    assert pd.isna(frame.iloc[5, 1])
    about = dict(zip(book["About"][0], book["About"][1], strict=True))
    assert about["Filters"] == "'=region X"
    assert about["Tool"] == "Regional Stability Monitor 9.9.9"
    assert about["Data"] == "Illustrative sample data, not real"
    assert about["Provenance"] == "sample"


@pytest.mark.parametrize("name", ["conflict-trend", "world-map", "network"])
def test_chart_data_exports(sample_bundle, name: str) -> None:
    frames = Frames(sample_bundle)
    sel = catalog.selection_for(frames, "Sahel", "2020-01", "2025-12")
    chart = catalog.CHARTS[name].make(frames, sel)
    about = catalog.chart_about(chart, sel, compute.provenance_text(sample_bundle))
    assert about.provenance == "sample"
    assert about.span == "2020-01 to 2025-12" and about.illustrative
    assert "region Sahel" in about.filters and about.version == __version__
    csv = tables.to_csv(chart.table, about)
    assert csv.startswith("\ufeffTitle,".encode())
    meta = pd.read_csv(io.BytesIO(csv), nrows=tables.metadata_rows(about), header=None, encoding="utf-8-sig")
    fields = dict(zip(meta[0], meta[1], strict=True))
    assert fields["Title"] == about.title and fields["Source"].startswith("Source: Illustrative sample data")
    assert fields["Time span"] == "2020-01 to 2025-12"
    assert fields["Provenance"] == "sample"
    back = pd.read_csv(io.BytesIO(csv), skiprows=tables.metadata_rows(about) + 1, encoding="utf-8-sig")
    assert list(back.columns) == list(chart.table.columns) and len(back) == len(chart.table)
    numeric = [c for c in chart.table.columns if pd.api.types.is_float_dtype(chart.table[c])]
    for c in numeric:
        np.testing.assert_allclose(back[c].to_numpy(float), chart.table[c].to_numpy(float), equal_nan=True)
    xlsx = tables.to_xlsx(chart.table, about)
    assert zipfile.ZipFile(io.BytesIO(xlsx)).read("xl/workbook.xml")
    sheet = pd.read_excel(io.BytesIO(xlsx), sheet_name="Data", engine="calamine")
    assert list(sheet.columns) == list(chart.table.columns) and len(sheet) == len(chart.table)
    for c in numeric:
        np.testing.assert_allclose(sheet[c].to_numpy(float), chart.table[c].to_numpy(float), equal_nan=True)


def test_unknown_data_format_is_refused() -> None:
    with pytest.raises(ValueError, match="csv, xlsx"):
        tables.export_table(HOSTILE, ABOUT, "ods")
