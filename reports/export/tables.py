"""Data exports: a chart's or an indicator table's rows as CSV or as an Excel workbook, each with a
record of what it is.

CSV layout (UTF-8 with a byte-order mark, so Excel reads accents; ``\\n`` line ends): first the
metadata block, one ``field,value`` row per item of ``About`` (Title, Source, Time span, Filters,
Data, Provenance, Tool, Exported), then one empty line, then the table with its header row. Read the table
back with ``pandas.read_csv(path, skiprows=<metadata rows> + 1)``; ``metadata_rows`` gives the
count. Missing values are empty cells, never zero.

Workbook layout (``.xlsx``): sheet "Data" holds the table (header row frozen), sheet "About" the
same ``field, value`` rows as the CSV's metadata block.

Spreadsheet formulas are neutralised everywhere (metadata and table, header and cells): text that
begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is written with a leading single
quote (``'=HYPERLINK(…)``), so Excel, LibreOffice and Google Sheets show it as text instead of
running it. Numbers stay numbers, negative ones included.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from reports import __version__

FORMATS: tuple[str, ...] = ("csv", "xlsx")
MEDIA_TYPES: dict[str, str] = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
TOOL = "Regional Stability Monitor"
SAMPLE_NOTE = "Illustrative sample data, not real"


def neutralise(value: object) -> object:
    """``value`` with a leading ``'`` when it is text a spreadsheet would run as a formula (it starts
    with ``=``, ``+``, ``-``, ``@``, tab or carriage return); anything else unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every text cell and column name passed through ``neutralise``;
    numeric, boolean and date columns are left as they are."""
    out = frame.copy()
    out.columns = [neutralise(str(c)) for c in out.columns]
    for k in range(out.shape[1]):
        col = out.iloc[:, k]
        if pd.api.types.is_numeric_dtype(col) or pd.api.types.is_datetime64_any_dtype(col):
            continue
        out.isetitem(k, col.map(neutralise, na_action="ignore").astype(object))
    return out


@dataclass(frozen=True)
class About:
    """What an export holds: its title, source (with the span and notes, as under the chart), time
    span, filters and whether the data are the illustrative sample."""

    title: str
    source: str
    span: str
    filters: str = "none"
    illustrative: bool = False
    #: ``sample`` or the sources behind the data (e.g. "conflict: UCDP GED"); "" → from ``illustrative``
    provenance: str = ""
    version: str = __version__
    exported: str = field(default_factory=lambda: dt.date.today().isoformat())

    def rows(self) -> list[tuple[str, str]]:
        """``(field, value)`` rows of the metadata block, in order."""
        return [
            ("Title", self.title),
            ("Source", self.source),
            ("Time span", self.span),
            ("Filters", self.filters),
            ("Data", SAMPLE_NOTE if self.illustrative else "As loaded in the tool (see Source)"),
            ("Provenance", self.provenance or ("sample" if self.illustrative else "see Source")),
            ("Tool", f"{TOOL} {self.version}"),
            ("Exported", self.exported),
        ]


def metadata_rows(about: About) -> int:
    """Number of metadata rows before the empty line of a CSV export."""
    return len(about.rows())


def _plain(value: object) -> object:
    """A cell value as CSV/XLSX writers take it: NaN/NA → None, numpy scalars → Python, dates → ISO."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float | np.floating) and not math.isfinite(float(value)):
        return None
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, pd.Timestamp | dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple | np.ndarray):
        return "; ".join(str(v) for v in value)
    return value


def to_csv(frame: pd.DataFrame, about: About) -> bytes:
    """The CSV export of ``frame`` (layout in the module docstring)."""
    meta = pd.DataFrame([(neutralise(k), neutralise(v)) for k, v in about.rows()])
    buf = io.StringIO()
    meta.to_csv(buf, index=False, header=False, lineterminator="\n")
    buf.write("\n")
    table = neutralise_frame(frame).map(_plain)
    table.to_csv(buf, index=False, lineterminator="\n")
    return buf.getvalue().encode("utf-8-sig")


def _column_width(name: str, values: Sequence[object]) -> float:
    longest = max([len(str(name)), *(len(str(v)) for v in values[:200] if v is not None)], default=8)
    return float(min(max(longest + 2, 8), 60))


def to_xlsx(frame: pd.DataFrame, about: About) -> bytes:
    """The Excel workbook export of ``frame``: sheets "Data" and "About" (module docstring).

    Cells are written by type: numbers as numbers (missing as empty cells), booleans as booleans,
    everything else as neutralised text; nothing is ever written as a formula or a link."""
    import xlsxwriter

    buf = io.BytesIO()
    options = {
        "in_memory": True,
        "strings_to_formulas": False,
        "strings_to_urls": False,
        "strings_to_numbers": False,
    }
    with xlsxwriter.Workbook(buf, options) as book:
        bold = book.add_format({"bold": True})
        wrap = book.add_format({"text_wrap": True, "valign": "top"})
        data = book.add_worksheet("Data")
        table = neutralise_frame(frame)
        for j, name in enumerate(table.columns):
            data.write_string(0, j, str(name), bold)
            values = [_plain(v) for v in table.iloc[:, j].tolist()]
            for i, v in enumerate(values, start=1):
                if v is None:
                    continue
                if isinstance(v, bool):
                    data.write_boolean(i, j, v)
                elif isinstance(v, int | float):
                    data.write_number(i, j, v)
                else:
                    data.write_string(i, j, str(neutralise(str(v))))
            data.set_column(j, j, _column_width(str(name), values))
        data.freeze_panes(1, 0)
        info = book.add_worksheet("About")
        info.set_column(0, 0, 14)
        info.set_column(1, 1, 100, wrap)
        for i, (key, value) in enumerate(about.rows()):
            info.write_string(i, 0, str(neutralise(key)), bold)
            info.write_string(i, 1, str(neutralise(value)))
    return buf.getvalue()


def export_table(frame: pd.DataFrame, about: About, fmt: str) -> bytes:
    """``frame`` as ``fmt`` ("csv" or "xlsx"); ``ValueError`` for another format."""
    if fmt == "csv":
        return to_csv(frame, about)
    if fmt == "xlsx":
        return to_xlsx(frame, about)
    raise ValueError(f"data format must be one of {', '.join(FORMATS)}, not '{fmt}'")
