"""Shared plumbing of the importers that reshape a file (collaboration and perception sources).

Those sources do not hold one stored row per file row: a SIPRI order delivered over three years
gives three transfers, an exercise listed once per participant gives one engagement, a WGI
workbook holds five indicators this tool does not read. An importer therefore builds its output
rows together with their *origin* (which parsed rows each comes from, see
``canonical.Converted``) and reports problems on parsed rows, so the report names file lines
and ``--skip-invalid`` leaves out exactly the stored rows that come from a refused line.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa

from datasets.ingest.canonical import Converted, Problem
from datasets.ingest.sniff import ParsedCsv
from datasets.schema import TableSchema, conform

__all__ = [
    "Built",
    "Cells",
    "blank_rows",
    "build",
    "exact_repeats",
    "line_list",
    "problem",
    "text_frame",
]

#: Cells that mean "no value" in these sources (besides an empty cell).
MISSING_MARKS: frozenset[str] = frozenset({"", "NA", "N/A", "..", "-9", "nan", "NaN", "-"})


def text_frame(src: pa.Table) -> pd.DataFrame:
    """Every column as trimmed text, empty cells as ``""`` (column names as parsed)."""
    out = {}
    for name in src.column_names:
        col = src[name].to_pandas(types_mapper=None)
        out[name] = col.fillna("").astype(str).str.strip().to_numpy(dtype=object)
    return pd.DataFrame(out)


def lookup(frame: pd.DataFrame | Cells) -> dict[str, str]:
    """Lower-cased, trimmed column name -> the name in the frame (the first when repeated)."""
    out: dict[str, str] = {}
    for n in frame.columns:
        out.setdefault(str(n).strip().lower(), str(n))
    return out


def line_list(parsed: ParsedCsv, rows: Sequence[int] | np.ndarray, limit: int = 8) -> str:
    """File line numbers of parsed ``rows`` as text ("lines 14, 15 and 3 more")."""
    rows = np.asarray(rows, dtype=np.int64)
    if not len(rows):
        return ""
    nums = parsed.lines[rows] if parsed.lines_exact else rows + 1
    nums = sorted(int(n) for n in nums)
    word = "line" if len(nums) == 1 else "lines"
    if not parsed.lines_exact:
        word = "record" if len(nums) == 1 else "records"
    shown = ", ".join(str(n) for n in nums[:limit])
    more = f" and {len(nums) - limit} more" if len(nums) > limit else ""
    return f"{word} {shown}{more}"


def blank_rows(frame: pd.DataFrame) -> np.ndarray:
    """True for rows where every cell is empty (the empty rows some exports leave after the data)."""
    if frame.empty:
        return np.zeros(0, dtype=bool)
    return (frame == "").all(axis=1).to_numpy()


def exact_repeats(frame: pd.DataFrame) -> np.ndarray:
    """True for rows that repeat an earlier row cell for cell (a duplicated last row, say)."""
    if frame.empty:
        return np.zeros(0, dtype=bool)
    return frame.duplicated(keep="first").to_numpy()


def skipped_notes(parsed: ParsedCsv, blank: np.ndarray, repeats: np.ndarray) -> list[str]:
    """Notes for empty rows and rows repeated cell for cell, both read as nothing / once."""
    notes = []
    if blank.any():
        notes.append(
            f"{int(blank.sum())} row(s) hold no value at all and were skipped: "
            f"{line_list(parsed, np.flatnonzero(blank))}."
        )
    if repeats.any():
        notes.append(
            f"{int(repeats.sum())} row(s) repeat an earlier row cell for cell and were read once: "
            f"{line_list(parsed, np.flatnonzero(repeats))}."
        )
    return notes


def problem(
    rows: Sequence[int] | np.ndarray, column: str, text: str, values: Sequence[object] | None = None
) -> Problem:
    """A ``Problem`` on parsed ``rows`` (0-based) of file column ``column``."""
    r = np.asarray(rows, dtype=np.int64)
    order = np.argsort(r, kind="stable")
    vals = None if values is None else [list(values)[k] for k in order.tolist()]
    return Problem(r[order], column, text, vals)


class _At:
    def __init__(self, lists: dict[str, list[str]]) -> None:
        self._lists = lists

    def __getitem__(self, key: tuple[int, str]) -> str:
        return self._lists[key[1]][key[0]]


class Cells:
    """A text frame with fast cell access: ``cells.at[i, column]`` reads Python lists, not pandas.

    ``cells[column]`` is the pandas column, ``cells.columns`` the column names, ``cells.frame`` the
    frame itself.
    """

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame
        self.columns = [str(c) for c in frame.columns]
        self.lists = {str(c): frame[c].tolist() for c in frame.columns}
        self.at = _At(self.lists)

    def __getitem__(self, column: str) -> pd.Series:
        return self.frame[column]

    def __len__(self) -> int:
        return len(self.frame)


class Built:
    """Output rows under construction: their values and the parsed rows each comes from."""

    def __init__(self, columns: Sequence[str]) -> None:
        self.columns = list(columns)
        self.rows: list[tuple[object, ...]] = []
        self.origins: list[Sequence[int]] = []

    def add(self, values: dict[str, object], origin: Sequence[int]) -> None:
        self.rows.append(tuple(values.get(c) for c in self.columns))
        self.origins.append(origin)

    def extend(self, frame: pd.DataFrame, origin: Sequence[Sequence[int]]) -> None:
        """Add a frame of output rows (its columns a subset of ``columns``) and their origins."""
        if frame.empty:
            return
        cols = [frame[c].tolist() if c in frame else [None] * len(frame) for c in self.columns]
        self.rows.extend(zip(*cols, strict=True))
        self.origins.extend(origin)

    def __len__(self) -> int:
        return len(self.rows)


def build(
    built: Built,
    schema: TableSchema,
    *,
    problems: list[Problem],
    used: dict[str, str],
    notes: list[str],
    info: dict[str, object] | None = None,
    file_problems: list[str] | None = None,
) -> Converted:
    """The ``Converted`` of an importer: rows conformed to ``schema`` with their origin pairs."""
    frame = pd.DataFrame.from_records(built.rows, columns=built.columns)
    arrays = {}
    for col in schema.columns:
        if col.name not in frame:
            continue
        values = frame[col.name].tolist()
        values = [None if (isinstance(v, float) and np.isnan(v)) else v for v in values]
        arrays[col.name] = pa.array(values, col.arrow_type)
    table = schema.arrow_schema.empty_table() if not arrays else conform(pa.table(arrays), schema)
    out_idx = np.repeat(np.arange(len(built.origins), dtype=np.int64), [len(o) for o in built.origins])
    in_idx = (
        np.concatenate([np.asarray(o, dtype=np.int64) for o in built.origins])
        if built.origins
        else np.zeros(0, dtype=np.int64)
    )
    return Converted(
        table,
        problems=problems,
        used=used,
        notes=notes,
        origin=(out_idx, in_idx),
        file_problems=list(file_problems or []),
        info=dict(info or {}),
    )
