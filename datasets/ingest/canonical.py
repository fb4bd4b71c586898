"""From a table of text columns to a table conformed to a schema, with every problem found.

``convert`` is shared by every importer: an importer says which file column (or constant)
feeds each schema column, may hand over columns it has converted itself (a source's codes,
say), and gets back the conformed table with one ``Problem`` per kind of failure. The canonical
layout of each table (the project's own column names) is read with it directly.
"""

from __future__ import annotations

import concurrent.futures
import os
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from datasets.ingest import convert as cv
from datasets.schema import EVENT_TYPES, TableSchema, conform

__all__ = ["Converted", "Problem", "Given", "convert", "find_columns", "normalise_event_types"]


@dataclass(frozen=True)
class Problem:
    """Rows (0-based indices of the parsed table) that share one problem in one file column."""

    rows: np.ndarray
    column: str
    problem: str
    values: list[object] | None = None


@dataclass(frozen=True)
class Given:
    """A column an importer has converted itself: values, rows it could not read, and why."""

    values: pa.Array
    bad: pa.Array | None = None
    problem: str = ""
    column: str = ""
    shown: str = ""  # how the source column(s) are described to the user, when not just ``column``


@dataclass
class Converted:
    """An importer's result: the conformed table and the problems found while converting.

    Importers that reshape a file (one order into several deliveries, several participant rows
    into one exercise) set ``origin``: pairs ``(output row, parsed row)`` saying which rows of the
    file each stored row comes from; their ``problems`` use parsed rows. ``notes`` are repairs and
    choices the report states; ``file_problems`` refuse the whole file; ``info`` holds facts about
    the file for the preview (what each series measures, questions to ask).
    """

    table: pa.Table
    problems: list[Problem] = field(default_factory=list)
    used: dict[str, str] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    origin: tuple[np.ndarray, np.ndarray] | None = None
    file_problems: list[str] = field(default_factory=list)
    info: dict[str, object] = field(default_factory=dict)


#: Columns are converted in parallel: Arrow's kernels release the GIL, and a file's columns are
#: independent of each other.
_POOL = concurrent.futures.ThreadPoolExecutor(max_workers=max(2, min(4, os.cpu_count() or 2)))

#: Event types of older ACLED exports and common spellings, mapped to the current vocabulary.
#: "Riots/Protests" (ACLED before 2019) is read as "Protests": ACLED's own reclassification sent
#: most of those events there; riots then became a type of their own.
LEGACY_EVENT_TYPES: dict[str, str] = {
    "battle-no change of territory": "Battles",
    "battle-government regains territory": "Battles",
    "battle-non-state actor overtakes territory": "Battles",
    "battle": "Battles",
    "remote violence": "Explosions/Remote violence",
    "explosions/remote violence": "Explosions/Remote violence",
    "explosions / remote violence": "Explosions/Remote violence",
    "riots/protests": "Protests",
    "protest": "Protests",
    "riot": "Riots",
    "strategic development": "Strategic developments",
    "non-violent transfer of territory": "Strategic developments",
    "headquarters or base established": "Strategic developments",
    "violence against civilian": "Violence against civilians",
}
_EVENT_LOOKUP: dict[str, str] = {t.casefold(): t for t in EVENT_TYPES} | LEGACY_EVENT_TYPES

_PROBLEMS = {
    "date": "date could not be read (write it like 2023-01-15 or 15 January 2023)",
    "int": "not a whole number",
    "float": "not a number",
    "bool": "not yes/no (or true/false)",
    "string_list": "lists a country this tool does not know (separate ISO3 codes with ';')",
    "iso3": "unknown country: not a country name or code this tool knows",
    "event_type": "not an ACLED event type (" + ", ".join(EVENT_TYPES) + ")",
}


def normalise_event_types(arr: pa.Array | pa.ChunkedArray) -> tuple[pa.Array, pa.Array]:
    """Event types in the current ACLED vocabulary, matched without regard to case or older names."""

    def conv(d: pa.Array) -> tuple[pa.Array, pa.Array]:
        out = [_EVENT_LOOKUP.get(" ".join(str(v).split()).casefold()) for v in d.to_pylist()]
        return pa.array(out, pa.string()), pa.array([o is None for o in out], pa.bool_())

    return cv.by_distinct(arr, conv)


def find_columns(names: list[str]) -> dict[str, str]:
    """Lower-cased, trimmed column name -> the name in the file (the first when repeated)."""
    out: dict[str, str] = {}
    for n in names:
        out.setdefault(n.strip().lower(), n)
    return out


def _rows(mask: pa.Array) -> np.ndarray:
    return np.asarray(pc.indices_nonzero(pc.fill_null(mask, False)).to_numpy(), dtype=np.int64)


def problem_from_mask(mask: pa.Array, column: str, problem: str, source: pa.Array | None) -> Problem | None:
    """A ``Problem`` for the rows where ``mask`` is true, or None when there are none."""
    rows = _rows(mask)
    if not len(rows):
        return None
    values = None
    if source is not None:
        taken = pc.take(source, pa.array(rows[:1000])).to_pylist()
        values = [v.strip() if isinstance(v, str) else v for v in taken]
    return Problem(rows, column, problem, values)


def convert(
    src: pa.Table,
    schema: TableSchema,
    columns: Mapping[str, str],
    *,
    constants: Mapping[str, object] | None = None,
    prepared: Mapping[str, Given] | None = None,
) -> Converted:
    """Convert text columns of ``src`` to ``schema``.

    ``columns`` maps a schema column to the file column that feeds it; ``constants`` gives a
    value for every row; ``prepared`` holds columns the importer converted itself. Schema columns
    given by none of them are null; required ones are listed in ``missing``. Each column is read
    by its kind (dates, whole numbers, decimals, yes/no, ``;``-separated lists); ``iso3`` by
    country name or code; ``event_type`` in ACLED's vocabulary.
    """
    constants = constants or {}
    prepared = prepared or {}
    n = src.num_rows
    arrays: dict[str, object] = {}
    problems: list[Problem] = []
    used: dict[str, str] = {}
    missing: list[str] = []
    for col in schema.columns:
        name = col.name
        if name in prepared:
            p = prepared[name]
            arrays[name] = p.values
            used[name] = p.shown or p.column or name
            if p.bad is not None:
                pr = problem_from_mask(p.bad, p.column or name, p.problem, _source(src, p.column))
                if pr:
                    problems.append(pr)
            continue
        if name in columns:
            file_col = columns[name]
            used[name] = file_col
            arrays[name] = _POOL.submit(_convert_kind, name, col.kind, src[file_col], trim=name in schema.key)
            continue
        if name in constants:
            arrays[name] = _constant(constants[name], col.arrow_type, n)
            used[name] = f"(fixed: {constants[name]})"
            continue
        if col.required:
            missing.append(name)
    for name, value in list(arrays.items()):
        if isinstance(value, concurrent.futures.Future):
            values, failed = value.result()
            arrays[name] = values
            for bad, text in failed:
                pr = problem_from_mask(bad, used[name], text, src[used[name]])
                if pr:
                    problems.append(pr)
    if missing:
        return Converted(pa.table({}), problems, used, missing)
    table = pa.table({k: v for k, v in arrays.items()}) if arrays else pa.table({})
    if table.num_columns == 0:
        table = pa.table({"_": pa.nulls(n)}).drop_columns(["_"])
    return Converted(conform(table, schema), problems, used, missing)


def _source(src: pa.Table, column: str) -> pa.ChunkedArray | None:
    if column and column in src.column_names:
        return src[column]
    return None


def _constant(value: object, arrow_type: pa.DataType, n: int) -> pa.Array:
    if pa.types.is_list(arrow_type):
        items = value if isinstance(value, list) else [p.strip() for p in str(value).split(";") if p.strip()]
        return pa.array([items] * n, arrow_type)
    if pa.types.is_string(arrow_type):
        raw = str(value).encode("utf-8")
        offsets = np.arange(n + 1, dtype=np.int32) * len(raw)
        return pa.StringArray.from_buffers(n, pa.py_buffer(offsets.tobytes()), pa.py_buffer(raw * n))
    return pa.array([value] * n, arrow_type) if n else pa.array([], arrow_type)


def date_order_problem(example: cv.DateOrder) -> str:
    """The problem stated for dates whose day/month order a column cannot settle (``example``:
    one of them, with its two readings)."""
    a, b = example.day_first, example.month_first
    return (
        "the day/month order cannot be told from the file: every date in this column can be read "
        f"day-first or month-first ('{example.text}' could be {a.day} {a:%B %Y} or {b.day} {b:%B %Y}), "
        "so no date is stored; save the file again with dates written as YYYY-MM-DD "
        f"({a.isoformat()} or {b.isoformat()}) or with the month's name, and load it again"
    )


def _convert_kind(
    name: str, kind: str, raw: pa.ChunkedArray, *, trim: bool = False
) -> tuple[pa.Array, list[tuple[pa.Array, str]]]:
    """The column converted by its kind, with each mask of failed cells and its problem."""
    if name == "iso3":
        v, b = cv.parse_countries(raw)
        return v, [(b, _PROBLEMS["iso3"])]
    if name == "event_type":
        v, b = normalise_event_types(raw)
        return v, [(b, _PROBLEMS["event_type"])]
    if kind == "date":
        v, b, unclear, example = cv.parse_dates_detail(raw)
        failed = [(b, _PROBLEMS["date"])]
        if example is not None:
            failed.append((unclear, date_order_problem(example)))
        return v, failed
    if kind == "int":
        v, b = cv.parse_ints(raw)
    elif kind == "float":
        v, b = cv.parse_floats(raw)
    elif kind == "bool":
        v, b = cv.parse_bools(raw)
    elif kind == "string_list":
        v, b = cv.parse_lists(raw)
    else:
        # free text is kept as written (empty cells are already null); key columns are trimmed
        return (cv.text(raw) if trim else raw), []
    return v, [(b, _PROBLEMS[kind])]


def import_canonical(src: pa.Table, schema: TableSchema) -> Converted:
    """Read a file in the canonical layout of ``schema`` (its own column names, any case)."""
    lookup = find_columns(src.column_names)
    columns = {c.name: lookup[c.name] for c in schema.columns if c.name in lookup}
    out = convert(src, schema, columns)
    if schema.name == "perception" and not out.missing:
        # an empty or absent scale means a share (the schema's default), and is checked as one
        k = out.table.column_names.index("scale")
        out.table = out.table.set_column(k, "scale", pc.fill_null(out.table["scale"], "share"))
    return out
