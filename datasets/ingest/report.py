"""The validation report a user reads, and the rejects file of the rows that were refused.

Rows are numbered as in the file: the header is line 1, so the first data row is row 2, and a
row whose quoted text spans several lines is numbered by the line it starts on. When the file's
layout does not allow exact line numbers (old Mac line endings, stray quotes), rows are numbered
as records instead ("record 1" is the first data row) and the report says so.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from datasets.ingest.canonical import Problem
from datasets.ingest.sniff import ParsedCsv, RaggedRow

__all__ = ["FIRST_ROWS", "Report", "build_report", "neutralise_formulas"]

#: How many affected rows the report names for each problem.
FIRST_ROWS = 5
_FORMULA = r"^[=+\-@\t\r]"


@dataclass(eq=False)
class Report:
    """Every problem found in one file.

    ``failures`` has one row per (row, problem): ``index`` (0-based row of the parsed table; -1
    for a ragged row that could not be parsed), ``row`` (line in the file, or record number when
    ``lines_exact`` is False), ``column``, ``problem``, ``value``. ``file_problems`` are problems of
    the whole file (a missing column, an unknown layout): then no row can be stored. ``notes`` say
    what was repaired or left out on reading (a preamble, a record split by a line break, rows that
    hold no value), whether or not the file is stored.
    """

    file_name: str
    total_rows: int
    failures: pd.DataFrame
    file_problems: list[str] = field(default_factory=list)
    lines_exact: bool = True
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.file_problems and self.failures.empty

    @property
    def rejected_indices(self) -> np.ndarray:
        """Sorted distinct 0-based indices of parsed rows with at least one problem."""
        idx = self.failures["index"].to_numpy(dtype=np.int64)
        return np.unique(idx[idx >= 0])

    @property
    def rejected_rows(self) -> int:
        """Rows of the file that cannot be stored (every row when the file as a whole is refused)."""
        if self.file_problems:
            return self.total_rows
        ragged = int((self.failures["index"] < 0).sum())
        return len(self.rejected_indices) + ragged

    def row_label(self, row: int) -> str:
        return str(row) if self.lines_exact else f"record {row}"

    def summary(self, first: int = FIRST_ROWS) -> pd.DataFrame:
        """One line per (problem, column): how many rows, the first rows, and example values.

        Columns: ``problem``, ``column``, ``rows`` (count), ``first rows`` (row numbers as in the
        file, comma-separated), ``examples`` (up to three distinct values, quoted).
        """
        cols = ["problem", "column", "rows", "first rows", "examples"]
        out: list[dict[str, object]] = [
            {
                "problem": p,
                "column": "",
                "rows": self.total_rows,
                "first rows": "(whole file)",
                "examples": "",
            }
            for p in self.file_problems
        ]
        if not self.failures.empty:
            f = self.failures.sort_values("row", kind="stable")
            for (column, problem), g in f.groupby(["column", "problem"], sort=False):
                rows = g["row"].drop_duplicates()
                values = [v for v in g["value"].dropna().astype(str).drop_duplicates().head(3)]
                out.append(
                    {
                        "problem": problem,
                        "column": column,
                        "rows": int(len(rows)),
                        "first rows": ", ".join(self.row_label(int(r)) for r in rows.head(first)),
                        "examples": ", ".join(repr(_short(v)) for v in values),
                    }
                )
        return pd.DataFrame(out, columns=cols)

    def to_text(self) -> str:
        """The report as plain text for a terminal."""
        lines = [f"{self.file_name}: refused, nothing was stored."]
        if self.file_problems:
            lines += [f"  {p}" for p in self.file_problems]
        lines += [f"  note: {n}" for n in self.notes]
        if not self.failures.empty:
            unit = "row" if self.lines_exact else "record"
            lines.append(
                f"  {self.rejected_rows} of {self.total_rows} rows have problems "
                f"({unit} numbers as in the file; the header is line 1):"
            )
            for _, r in self.summary().iterrows():
                if r["first rows"] == "(whole file)":
                    continue
                more = f" and {r['rows'] - FIRST_ROWS} more" if r["rows"] > FIRST_ROWS else ""
                ex = f" (e.g. {r['examples']})" if r["examples"] else ""
                col = f"column '{r['column']}': " if r["column"] else ""
                # the row labels already say "record 7" when line numbers are not exact
                where = f"rows {r['first rows']}" if self.lines_exact else str(r["first rows"])
                lines.append(f"  - {col}{r['problem']}{ex}: {where}{more}")
        return "\n".join(lines)

    def rejects_csv(self, parsed: ParsedCsv | None) -> bytes:
        """CSV of the rejected rows as they were in the file, with ``row`` and ``problem`` columns.

        Cells that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``,
        tab or carriage return) are prefixed with ``'`` so they open as text.
        """
        if parsed is None or self.failures.empty:
            return b""
        idx = self.rejected_indices
        names = list(parsed.table.column_names)
        problems = (
            self.failures.groupby(["index", "row"], sort=True)["problem"]
            .agg(lambda s: "; ".join(dict.fromkeys(s)))
            .reset_index()
        )
        parsed_rows = problems[problems["index"] >= 0]
        taken = parsed.table.take(pa.array(idx, pa.int64()))
        frame_cols: dict[str, pa.Array] = {
            "row": pa.array(parsed_rows["row"].to_numpy(dtype=np.int64)),
            "problem": pa.array(parsed_rows["problem"].astype(str).tolist(), pa.string()),
        }
        for n in names:
            frame_cols[n] = taken[n].combine_chunks()
        table = pa.table(frame_cols)
        ragged = problems[problems["index"] < 0]
        if len(ragged):
            extra = _ragged_table(parsed.ragged, names, parsed.delimiter, ragged)
            table = pa.concat_tables([table, extra]).sort_by("row")
        table = neutralise_formulas(table)
        sink = io.BytesIO()
        pacsv.write_csv(table, sink, write_options=pacsv.WriteOptions(quoting_style="needed"))
        return sink.getvalue()


def _short(v: str, n: int = 40) -> str:
    return v if len(v) <= n else v[: n - 1] + "…"


def _ragged_table(
    ragged: Sequence[RaggedRow], names: list[str], delimiter: str, problems: pd.DataFrame
) -> pa.Table:
    by_line = dict(zip(problems["row"].astype(int), problems["problem"].astype(str), strict=True))
    rows: dict[str, list[object]] = {"row": [], "problem": [], **{n: [] for n in names}}
    for r in ragged:
        if r.line is None or r.line not in by_line:
            continue
        fields = next(csv.reader(io.StringIO(r.text), delimiter=delimiter), [])
        if len(fields) > len(names):
            fields = fields[: len(names) - 1] + [delimiter.join(fields[len(names) - 1 :])]
        fields += [""] * (len(names) - len(fields))
        rows["row"].append(r.line)
        rows["problem"].append(by_line[r.line])
        for n, v in zip(names, fields, strict=True):
            rows[n].append(v)
    return pa.table(
        {"row": pa.array(rows["row"], pa.int64()), "problem": pa.array(rows["problem"], pa.string())}
        | {n: pa.array(rows[n], pa.string()) for n in names}
    )


def neutralise_formulas(table: pa.Table) -> pa.Table:
    """Prefix ``'`` to text cells a spreadsheet would run as a formula."""
    for k, name in enumerate(table.column_names):
        col = table[name]
        if not pa.types.is_string(col.type):
            continue
        risky = pc.fill_null(pc.match_substring_regex(col, _FORMULA), False)
        if pc.any(risky).as_py():
            fixed = pc.if_else(risky, pc.binary_join_element_wise("'", col, ""), col)
            table = table.set_column(k, name, fixed)
    return table


def build_report(
    file_name: str,
    parsed: ParsedCsv | None,
    problems: Sequence[Problem],
    *,
    file_problems: Sequence[str] = (),
    notes: Sequence[str] = (),
) -> Report:
    """Assemble the report of one file from the problems its importer and the checks found."""
    total = (parsed.table.num_rows + parsed.ragged_count) if parsed is not None else 0
    frames = []
    exact = True
    if parsed is not None and (problems or parsed.ragged_count):
        lines = parsed.lines
        exact = parsed.lines_exact
        for p in problems:
            rows = np.asarray(p.rows, dtype=np.int64)
            nums = lines[rows] if exact else rows + 1
            values: list[object] = list(p.values or [])
            values = values[: len(rows)] + [None] * (len(rows) - len(values[: len(rows)]))
            frames.append(
                pd.DataFrame(
                    {
                        "index": rows,
                        "row": nums,
                        "column": p.column,
                        "problem": p.problem,
                        "value": pd.array([None if v is None else str(v) for v in values], dtype=object),
                    }
                )
            )
        if parsed.ragged_count:
            rag = parsed.ragged
            frames.append(
                pd.DataFrame(
                    {
                        "index": np.full(len(rag), -1, dtype=np.int64),
                        "row": [r.line if r.line is not None else -1 for r in rag],
                        "column": "",
                        "problem": [
                            f"this row has {r.fields} fields but the header has {r.expected}"
                            " (a missing or extra delimiter, or an unclosed quote)"
                            for r in rag
                        ],
                        "value": [_short(r.text, 60) for r in rag],
                    }
                )
            )
            if not exact and parsed.ragged_count and not rag:
                file_problems = [
                    *file_problems,
                    f"{parsed.ragged_count} row(s) have a different number of fields than the header",
                ]
    failures = (
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame(
            {
                "index": pd.Series([], dtype=np.int64),
                "row": pd.Series([], dtype=np.int64),
                "column": pd.Series([], dtype=object),
                "problem": pd.Series([], dtype=object),
                "value": pd.Series([], dtype=object),
            }
        )
    )
    failures = failures.sort_values(["row", "column"], kind="stable").reset_index(drop=True)
    return Report(file_name, total, failures, list(file_problems), exact, list(notes))
