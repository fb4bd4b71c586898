"""Reading users' files: bytes in, either a clean canonical table or a report of every problem.

``prepare(data, file_name)`` recognises the file (``preread`` and ``sniff``: publishers' preambles
and footers, merge-conflict markers, broken records, the WGI workbook), its table and layout
(``incidents.detect_incidents``, ``collaboration.detect_collaboration``,
``perception.detect_perception``, or the canonical layouts), converts it (``incidents``,
``collaboration``, ``perception``, ``canonical``) and checks it against the table's
schema (``datasets.schema.check``: dates not in the future, fatalities non-negative whole
numbers, countries known, coordinates in range, no key twice) together with the problems found
while reading (text in a number column, a date that cannot be read, a ragged row). It stores
nothing: ``datasets.store.Store.add`` does, when the user confirms.

Upload size limit: ``DEFAULT_MAX_UPLOAD_MB`` (1024 MB), or ``$STABILITY_MAX_UPLOAD_MB``.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import datetime as dt
import hashlib
import mmap
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from datasets.countries import KNOWN_ISO3
from datasets.ingest.canonical import _POOL, Converted, Problem, find_columns, import_canonical
from datasets.ingest.collaboration import COLLABORATION_FORMATS, detect_collaboration, import_collaboration
from datasets.ingest.incidents import INCIDENT_FORMATS, detect_incidents, import_incidents
from datasets.ingest.mapping import ColumnMapping, list_mappings, load_mapping, save_mapping
from datasets.ingest.perception import PERCEPTION_FORMATS, detect_perception, import_perception
from datasets.ingest.preread import read_source
from datasets.ingest.report import Report, build_report
from datasets.ingest.sniff import Bytes, ParsedCsv, UnreadableFile
from datasets.ingest.survey import ItemChoice, Microdata, is_microdata
from datasets.schema import SCHEMAS, TableSchema, check

__all__ = [
    "DEFAULT_MAX_UPLOAD_MB",
    "FORMAT_LABELS",
    "ItemChoice",
    "TABLE_NAMES",
    "ColumnMapping",
    "FileTooLarge",
    "Progress",
    "Report",
    "UnreadableFile",
    "Upload",
    "check_size",
    "detect",
    "key_strings",
    "list_mappings",
    "load_mapping",
    "max_upload_bytes",
    "prepare",
    "read_file",
    "save_mapping",
]

DEFAULT_MAX_UPLOAD_MB = 1024
MAX_UPLOAD_ENV = "STABILITY_MAX_UPLOAD_MB"
TABLE_NAMES: tuple[str, ...] = ("incidents", "collaboration", "perception")

#: Format key -> label a user reads.
_LAYOUTS = COLLABORATION_FORMATS | PERCEPTION_FORMATS
FORMAT_LABELS: dict[str, str] = (
    {k: f.label for k, f in INCIDENT_FORMATS.items()}
    | {k: f.label for k, f in _LAYOUTS.items()}
    | {
        "survey_microdata": "Survey microdata (one row per respondent)",
        "canonical_collaboration": "Canonical collaboration table",
        "canonical_perception": "Canonical perception table",
        "unknown": "Not recognised",
    }
)
_ATTRIBUTION: dict[str, str] = {k: f.attribution for k, f in INCIDENT_FORMATS.items()} | {
    k: f.attribution for k, f in _LAYOUTS.items()
}

#: A progress callback: fraction done in [0, 1] and what is happening.
Progress = Callable[[float, str], None]


class FileTooLarge(UnreadableFile):
    """The file is above the upload limit."""


def max_upload_bytes() -> int:
    """The upload limit in bytes: ``$STABILITY_MAX_UPLOAD_MB`` megabytes, else 1024 MB."""
    raw = os.environ.get(MAX_UPLOAD_ENV, "").strip()
    try:
        mb = float(raw) if raw else DEFAULT_MAX_UPLOAD_MB
    except ValueError:
        mb = DEFAULT_MAX_UPLOAD_MB
    return int(mb * 1024 * 1024)


def _size_text(n: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"


def check_size(size: int) -> None:
    """Raise ``FileTooLarge`` with a plain sentence when ``size`` bytes is above the limit."""
    limit = max_upload_bytes()
    if size > limit:
        raise FileTooLarge(
            f"The file is {_size_text(size)}, above the upload limit of {_size_text(limit)}; "
            f"split it into smaller files, or raise the limit with the {MAX_UPLOAD_ENV} setting."
        )


def read_file(path: str | os.PathLike[str]) -> Bytes:
    """The bytes of a file, memory-mapped (read-only) rather than copied; size checked first.

    Raises ``FileTooLarge`` above the upload limit and ``UnreadableFile`` when there is no such file.
    """
    p = Path(path)
    try:
        with open(p, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            check_size(size)
            if size == 0:
                return b""
            return mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    except FileNotFoundError as exc:
        raise UnreadableFile(f"file not found: {p}") from exc
    except IsADirectoryError as exc:
        raise UnreadableFile(f"{p} is a folder, not a file") from exc


@dataclass(eq=False)
class Upload:
    """A file read and checked, not yet stored.

    ``data`` holds every parsed row conformed to the table's schema (rows with problems
    included, with nulls where a value could not be read); ``valid`` only the rows without
    problems. ``used`` says which file column fed each schema column.
    """

    file_name: str
    sha256: str
    size: int
    table: str
    format: str
    parsed: ParsedCsv | None
    data: pa.Table | None
    report: Report
    used: dict[str, str]
    mapping: ColumnMapping | None = None
    origin: tuple[np.ndarray, np.ndarray] | None = None
    info: dict[str, object] = dataclasses.field(default_factory=dict)
    #: The respondent file of survey microdata (``survey.Microdata``), for the item picker.
    microdata: Microdata | None = None

    @property
    def format_label(self) -> str:
        if self.format == "mapped" and self.mapping is not None:
            return f"Column mapping '{self.mapping.name}'"
        return FORMAT_LABELS.get(self.format, self.format)

    @property
    def attribution(self) -> str:
        if self.format == "mapped" and self.mapping is not None:
            return str(self.mapping.constants.get("source", self.mapping.name))
        if self.info.get("attribution"):
            return str(self.info["attribution"])
        if (
            self.format.startswith("canonical")
            and self.data is not None
            and "source" in self.data.column_names
        ):
            return ", ".join(sorted(str(s) for s in pc.unique(self.data["source"]).to_pylist() if s))
        return _ATTRIBUTION.get(self.format, "")

    @property
    def total_rows(self) -> int:
        return self.report.total_rows

    @property
    def refused(self) -> bool:
        """True when the file cannot be stored as it is (any problem at all)."""
        return not self.report.ok

    @property
    def storable(self) -> bool:
        """True when some rows could be stored by keeping only the valid ones."""
        return not self.report.file_problems and self.data is not None and self.valid.num_rows > 0

    @cached_property
    def valid(self) -> pa.Table:
        """The rows without any problem."""
        if self.data is None or self.report.file_problems:
            return SCHEMAS[self.table].arrow_schema.empty_table()
        bad = self.report.rejected_indices
        if not len(bad):
            return self.data
        keep = np.ones(self.data.num_rows, dtype=bool)
        if self.origin is not None:  # a stored row is refused when any file row it comes from is
            refused = np.zeros(int(max(bad.max(), self.origin[1].max(initial=-1))) + 1, dtype=bool)
            refused[bad] = True
            np.logical_and.at(keep, self.origin[0], ~refused[self.origin[1]])
        else:
            keep[bad] = False
        return self.data.filter(pa.array(keep))

    def preview(self, n: int = 20) -> pd.DataFrame:
        """The first ``n`` rows as parsed from the file (text, original column names)."""
        if self.parsed is None:
            return pd.DataFrame()
        head = self.parsed.table.slice(0, n).to_pandas()
        head.columns = self.parsed.columns
        return head

    def preview_converted(self, n: int = 20) -> pd.DataFrame:
        """The first ``n`` rows as they would be stored."""
        if self.data is None:
            return pd.DataFrame()
        return self.data.slice(0, n).to_pandas()

    def rejects_csv(self) -> bytes:
        """CSV of the rows with problems, each with its row number and problems (empty when none)."""
        return self.report.rejects_csv(self.parsed)


def detect(columns: list[str]) -> tuple[str, str] | None:
    """``(table, format)`` a header matches, or None.

    Incidents layouts first (ACLED, UCDP GED, canonical), then the collaboration sources (SIPRI,
    MME, ATOP, McManus & Nieman), the perception sources (WGI, SDG 16.1.4), then the canonical
    collaboration and perception tables (all of the schema's required columns present).
    """
    fmt = detect_incidents(columns)
    if fmt is not None:
        return "incidents", fmt
    fmt = detect_collaboration(columns)
    if fmt is not None:
        return "collaboration", fmt
    names = set(find_columns(columns))
    if not set(SCHEMAS["perception"].required) <= names:
        fmt = detect_perception(columns)
        if fmt is not None:
            return "perception", fmt
    for table in ("collaboration", "perception"):
        if set(SCHEMAS[table].required) <= names:
            return table, f"canonical_{table}"
    return None


def _recognised(columns: list[str]) -> bool:
    """True when ``columns`` are the column names of a layout this tool reads (finds a header)."""
    return detect(columns) is not None


def _layouts_text(table: str) -> str:
    if table == "incidents":
        return (
            "an ACLED export or aggregated table, a UCDP GED, ACD or battle-deaths file, "
            "or the canonical incidents table"
        )
    own = "; ".join(f.label for f in _LAYOUTS.values() if f.table == table)
    return f"{own}; or the canonical {table} table (columns {', '.join(SCHEMAS[table].required)})"


def _near_layout(columns: list[str]) -> tuple[str, list[str]] | None:
    """The known layout a header nearly matches, and the columns it lacks: at least two of the
    columns that recognise the layout (``IncidentFormat.signature``, ``LayoutFormat.recognised_by``;
    "A or B" is one column) are present, at least half of them, and some are missing. None when
    no layout is that near (or one matches whole). Case and outer spaces are ignored."""
    if detect(columns) is not None:
        return None
    have = {c.strip().lower() for c in columns} | set(find_columns(columns))
    candidates: list[tuple[str, list[list[str]]]] = [
        (f.label, [[n] for n in f.signature]) for f in INCIDENT_FORMATS.values()
    ]
    for f in _LAYOUTS.values():
        wanted = [
            [alt.strip() for alt in piece.split(" or ")]
            for piece in f.recognised_by.split(", ")
            if piece.strip() and "…" not in piece and "(" not in piece
        ]
        candidates.append((f.label, wanted))
    best: tuple[int, int, str, list[str]] | None = None
    for label, wanted in candidates:
        present = [w for w in wanted if any(a.lower() in have for a in w)]
        missing = [" or ".join(w) for w in wanted if not any(a.lower() in have for a in w)]
        if not missing or len(present) < 2 or len(present) * 2 < len(wanted):
            continue
        rank = (len(present), -len(missing))
        if best is None or rank > best[:2]:
            best = (*rank, label, missing)
    return None if best is None else (best[2], best[3])


def _near_text(columns: list[str]) -> str:
    """A sentence naming the layout a header nearly matches and the columns it lacks, or ""."""
    near = _near_layout(columns)
    if near is None:
        return ""
    label, missing = near
    what = "column" if len(missing) == 1 else "columns"
    return (
        f"The columns of this file nearly match the layout {label}, but the {what} "
        f"{', '.join(repr(m) for m in missing)} {'is' if len(missing) == 1 else 'are'} missing: check "
        "that the file is complete and its column names unchanged. "
    )


def _resolve(
    columns: list[str], table: str, fmt: str, mapping: ColumnMapping | None
) -> tuple[str, str, list[str]]:
    """The table and format to read; file-level problems when neither can be settled."""
    if mapping is not None and fmt in ("auto", "mapped"):
        return (mapping.table if table == "auto" else table), "mapped", []
    found = detect(columns)
    if table == "auto":
        table = found[0] if found else "incidents"
    if table not in TABLE_NAMES:
        return table, "unknown", [f"unknown table '{table}'; expected one of {', '.join(TABLE_NAMES)}"]
    shown = ", ".join(columns[:12]) + (", …" if len(columns) > 12 else "")
    if table != "incidents":
        if fmt in _LAYOUTS:
            if _LAYOUTS[fmt].table != table:
                return (
                    table,
                    "unknown",
                    [f"the layout '{fmt}' feeds the {_LAYOUTS[fmt].table} table, not {table}"],
                )
            return table, fmt, []
        if fmt == "auto" and found is not None and found[0] == table and found[1] in _LAYOUTS:
            return table, found[1], []
        if fmt in ("auto", "canonical") and set(SCHEMAS[table].required) <= set(find_columns(columns)):
            return table, f"canonical_{table}", []
        if fmt in ("auto", "canonical"):
            missing = sorted(set(SCHEMAS[table].required) - set(find_columns(columns)))
            return (
                table,
                "unknown",
                [
                    _near_text(columns)
                    + f"The columns of this file do not match any layout of the {table} table this tool "
                    f"reads ({_layouts_text(table)}); the canonical layout needs the column(s) "
                    f"{', '.join(missing)} (the file's columns: {shown}). "
                    "Say which column holds what with a column mapping ('Any other CSV' on the Data page, or "
                    "--mapping FILE)."
                ],
            )
        return (
            table,
            "unknown",
            [
                f"unknown format '{fmt}' for the {table} table; expected auto, canonical or one of "
                + ", ".join(k for k, f in _LAYOUTS.items() if f.table == table)
            ],
        )
    if fmt == "auto":
        if found and found[0] == "incidents":
            return table, found[1], []
        return (
            table,
            "unknown",
            [
                _near_text(columns) + f"The columns of this file do not match {_layouts_text(table)} "
                f"(the file's columns: {shown}). "
                "Say which column holds what with a column mapping ('Any other CSV' on the Data page, or "
                "--mapping FILE)."
            ],
        )
    if fmt == "acled":
        guess = detect_incidents(columns)
        return table, ("acled_old" if guess == "acled_old" else "acled"), []
    if fmt in (
        "ucdp",
        "canonical",
        "acled_old",
        "ucdp_acd",
        "ucdp_brd",
        "acled_weekly",
        "acled_monthly",
        "cow_war",
    ):
        return table, fmt, []
    if fmt == "mapped":
        return table, "unknown", ["choose which column holds what (a column mapping) to read this file"]
    if fmt in _LAYOUTS:
        return table, "unknown", [f"the layout '{fmt}' feeds the {_LAYOUTS[fmt].table} table, not incidents"]
    return (
        table,
        "unknown",
        [
            f"unknown format '{fmt}'; expected auto, acled, ucdp, ucdp_acd, ucdp_brd, acled_weekly, "
            "acled_monthly or canonical"
        ],
    )


def _convert(
    parsed: ParsedCsv,
    table: str,
    fmt: str,
    mapping: ColumnMapping | None,
    sha: str,
    *,
    file_name: str = "",
    country: str | None = None,
    safe_categories: Sequence[str] | None = None,
) -> Converted:
    from datasets.ingest.incidents import import_mapped

    if fmt in COLLABORATION_FORMATS:
        return import_collaboration(parsed, fmt)
    if fmt in PERCEPTION_FORMATS:
        return import_perception(
            parsed, fmt, file_name=file_name, country=country, safe_categories=safe_categories
        )

    if fmt == "mapped" and mapping is not None and table != "incidents":
        from datasets.ingest.canonical import Given, convert
        from datasets.ingest.convert import parse_countries

        lookup = find_columns(parsed.table.column_names)
        cols = {
            k: (v if v in parsed.table.column_names else lookup.get(v.strip().lower(), v))
            for k, v in mapping.columns.items()
        }
        missing = [v for v in cols.values() if v not in parsed.table.column_names]
        if missing:
            raise ValueError(
                f"the mapping '{mapping.name}' names column(s) this file does not have: {', '.join(missing)}"
            )
        given = {}
        if "iso3" not in cols and "country" in cols:
            got, bad = parse_countries(parsed.table[cols["country"]])
            given["iso3"] = Given(
                got, bad, "unknown country: not a country name or code this tool knows", cols["country"]
            )
        constants = dict(mapping.constants)
        constants.setdefault("source", mapping.name)
        return convert(parsed.table, SCHEMAS[table], cols, constants=constants, prepared=given)
    if table == "incidents":
        if fmt == "mapped":
            assert mapping is not None
            return import_mapped(parsed.table, mapping, file_sha256=sha)
        return import_incidents(parsed.table, fmt, mapping=mapping, file_sha256=sha)
    return import_canonical(parsed.table, SCHEMAS[table])


#: Plainer wording of some of ``check``'s messages, by (schema column, message).
_PLAIN: dict[tuple[str, str], str] = {
    ("fatalities", "below the minimum 0"): "fatalities cannot be negative",
    ("latitude", "above the maximum 90"): "latitude must lie between -90 and 90",
    ("latitude", "below the minimum -90"): "latitude must lie between -90 and 90",
    ("longitude", "above the maximum 180"): "longitude must lie between -180 and 180",
    ("longitude", "below the minimum -180"): "longitude must lie between -180 and 180",
    ("sample_size", "below the minimum 1"): "sample size must be at least 1",
}


def _schema_problems(
    converted: Converted, schema: TableSchema, today: dt.date, earliest: dt.date | None = None
) -> list[Problem]:
    """``datasets.schema.check`` on the converted rows, in the file's column names.

    A "value is missing" failure on a cell that already failed to convert is dropped: the
    conversion problem says more. Duplicate keys are found here with a vectorised pass.
    """
    table = converted.table
    # ``check`` finds duplicate keys through pandas, slow at millions of rows: for incidents (the
    # large table) that check runs here, vectorised. The other tables keep the schema object
    # itself, because ``check`` recognises their table-specific rules by identity.
    own_keys = schema.name == "incidents"
    checked = dataclasses.replace(schema, key=()) if own_keys else schema
    dup_rows = (
        _POOL.submit(_duplicate_rows, table, schema.key)
        if own_keys and schema.key and table.num_rows
        else None
    )
    # missing values are found below (with the conversion problems in mind), not twice
    failures = check(table, checked, today=today, known_iso3=KNOWN_ISO3, earliest=earliest, missing=False)
    already: dict[str, set[int]] = {}
    for p in converted.problems:
        already.setdefault(p.column, set()).update(p.rows.tolist()[:1_000_000])
    out: list[Problem] = []
    # Missing values are found here (``check`` misses nulls in text columns: its ``or`` of a null
    # is null); a cell that failed to convert is reported by its conversion problem instead.
    for col in schema.columns:
        if col.nullable or col.name not in table.column_names:
            continue
        arr = table[col.name]
        mask = pc.is_null(arr)
        if col.kind == "string":
            mask = pc.or_kleene(mask, pc.equal(pc.utf8_trim_whitespace(arr), ""))
        elif col.kind == "string_list":
            mask = pc.or_kleene(mask, pc.equal(pc.list_value_length(arr), 0))
        elif col.kind == "float":
            mask = pc.or_kleene(mask, pc.is_nan(arr))
        rows = np.asarray(pc.indices_nonzero(pc.fill_null(mask, False)).to_numpy(), dtype=np.int64)
        file_col = converted.used.get(col.name, col.name)
        skip = set().union(*(already.get(c.strip(), set()) for c in file_col.split(", else ")))
        if skip:
            rows = rows[np.array([r not in skip for r in rows.tolist()], dtype=bool)] if len(rows) else rows
        if len(rows):
            out.append(Problem(rows, file_col, "value is missing (every row needs one)", None))
    if not failures.empty:
        for (column, problem), g in failures.groupby(["column", "problem"], sort=False):
            file_col = converted.used.get(str(column), str(column))
            rows = g["row"].to_numpy(dtype=np.int64)
            values = g["value"].tolist()
            if len(rows):
                plain = _PLAIN.get((str(column), str(problem).split(" (")[0]), str(problem))
                out.append(Problem(rows, file_col, plain, values[:1000]))
    if dup_rows is not None:
        dup = dup_rows.result()
        if len(dup):
            cols = ", ".join(
                converted.used.get(k, k) for k in schema.key if not converted.used.get(k, "(").startswith("(")
            )
            out.append(
                Problem(
                    dup, cols or ", ".join(schema.key), "the same record appears more than once in the file"
                )
            )
    return out


def _to_file_rows(problems: list[Problem], origin: tuple[np.ndarray, np.ndarray]) -> list[Problem]:
    """Problems found on stored rows of a reshaped file, moved to the file rows they come from."""
    out_idx, in_idx = origin
    order = np.argsort(out_idx, kind="stable")
    out_sorted, in_sorted = out_idx[order], in_idx[order]
    moved = []
    for p in problems:
        rows: list[int] = []
        values: list[object] = []
        for k, r in enumerate(np.asarray(p.rows, dtype=np.int64).tolist()):
            lo, hi = np.searchsorted(out_sorted, r), np.searchsorted(out_sorted, r, side="right")
            for src in in_sorted[lo:hi].tolist():
                rows.append(src)
                values.append(p.values[k] if p.values is not None and k < len(p.values) else None)
        if rows:
            uniq, first = np.unique(np.asarray(rows, dtype=np.int64), return_index=True)
            moved.append(Problem(uniq, p.column, p.problem, [values[k] for k in first.tolist()]))
    return moved


def key_strings(table: pa.Table, key: tuple[str, ...]) -> pa.Array:
    """One text per row joining its key columns (nulls as empty), for vectorised set lookups."""
    parts = []
    for k in key:
        col = table[k]
        if not pa.types.is_string(col.type):
            col = pc.cast(col, pa.string())
        parts.append(pc.fill_null(col, ""))
    if len(parts) == 1:
        return parts[0].combine_chunks() if isinstance(parts[0], pa.ChunkedArray) else parts[0]
    joined = pc.binary_join_element_wise(*parts, "\x1f")
    return joined.combine_chunks() if isinstance(joined, pa.ChunkedArray) else joined


def _constant_column(col: pa.ChunkedArray) -> bool:
    """True when every value of ``col`` is the same and none is null (cheap: min and max)."""
    if col.null_count:
        return col.null_count == len(col)
    if pa.types.is_list(col.type):
        return False
    mm = pc.min_max(col).as_py()
    return bool(mm["min"] == mm["max"])


def _duplicate_rows(table: pa.Table, key: tuple[str, ...]) -> np.ndarray:
    """0-based rows whose key appeared on an earlier row (vectorised)."""
    varying = tuple(k for k in key if not _constant_column(table[k]))
    keys = key_strings(table, varying or key[:1])
    if len(pc.unique(keys)) == len(keys):
        return np.array([], dtype=np.int64)
    encoded = pc.dictionary_encode(keys).indices.to_numpy(zero_copy_only=False)
    _, first = np.unique(encoded, return_index=True)
    is_first = np.zeros(len(encoded), dtype=bool)
    is_first[first] = True
    return np.flatnonzero(~is_first).astype(np.int64)


#: Text rows a checked file keeps for its preview when every row passed (``_preview_only``).
PREVIEW_ROWS = 1_000


def _preview_only(parsed: ParsedCsv) -> ParsedCsv:
    """``parsed`` keeping only its first ``PREVIEW_ROWS`` text rows (copied, so the whole text
    table's memory is released): once every row passed the checks, the text is needed only for the
    preview (``Upload.preview``); the converted rows are what is stored."""
    if parsed.table.num_rows <= PREVIEW_ROWS:
        return parsed
    # the slice first: ``take`` on the whole table would join every chunk of every column first
    head = parsed.table.slice(0, PREVIEW_ROWS).take(pa.array(range(PREVIEW_ROWS), pa.int64()))
    return dataclasses.replace(parsed, table=head)


def prepare(
    data: Bytes,
    file_name: str,
    *,
    table: str = "auto",
    format: str = "auto",
    mapping: ColumnMapping | None = None,
    today: dt.date | None = None,
    progress: Progress | None = None,
    country: str | None = None,
    safe_categories: Sequence[str] | None = None,
    earliest: dt.date | None = None,
    member: str | None = None,
    items: Sequence[ItemChoice] | None = None,
    weight: str | None = None,
    survey_year: int | None = None,
) -> Upload:
    """Read and check a file; store nothing.

    Dates before the source's earliest plausible date (``earliest`` when given, else
    ``datasets.coverage.earliest_date(format)``: ACLED 1997-01-01, UCDP GED 1989-01-01, UCDP ACD
    1946-01-01, ATOP 1815-01-01, any other file 1900-01-01) or after ``today`` are refused by row.

    Importer coverage contract: a converter may put ``info["coverage"] = {"countries": [ISO3, …]
    or "all", "first": "YYYY-MM-DD" or None, "last": "YYYY-MM-DD" or None}`` to say which
    countries and span the file speaks for (``"all"``: every country of the regions file, for a
    global source such as a full UCDP GED or ACLED download; a SIPRI register filtered to one
    recipient lists that recipient only). A None date means the data's own first or last date.
    ``datasets.store`` records it in the batch's ``coverage`` unless the user states a span.

    ``table``: ``auto`` or one of ``TABLE_NAMES``. ``format``: ``auto``, ``acled`` (either ACLED
    layout), ``acled_old``, ``ucdp``, ``canonical``, ``mapped`` (with ``mapping``) or a key of
    ``FORMAT_LABELS`` (``sipri``, ``mme_long``, ``wgi``, …). ``country``: the country of a national
    SDG file that does not name it; ``safe_categories``: for an answer distribution, the categories
    that count as feeling safe; ``member``: the data file to read from a ZIP archive holding several.
    Survey microdata (SPSS ``.sav``, Stata ``.dta``, or a CSV of respondents when ``items`` is
    given): ``items`` are the questions to use with the answers that count, ``weight`` the weight
    variable (found by name otherwise), ``survey_year`` the fieldwork year of a file without
    interview dates (``datasets.ingest.survey``).
    Raises ``UnreadableFile`` (one plain sentence) when the bytes are
    not a file this tool reads or are above the size limit; every other problem is in
    ``Upload.report``.
    """
    step = progress or (lambda _f, _m: None)
    check_size(len(data))
    today = today or dt.date.today()
    if is_microdata(bytes(data[:16])) or items:
        from datasets.ingest.survey_upload import prepare_survey

        return prepare_survey(data, file_name, items or (), weight, country, survey_year, member)
    step(0.05, "reading the file")
    source = read_source(data, _recognised, member=member, limit=max_upload_bytes())
    parsed = source.parsed
    # The SHA-256 of the bytes is computed beside the conversion and the checks, which keep one
    # core busy, rather than beside the parse, which keeps every core busy.
    known = getattr(data, "sha256", "")  # a spooled upload was hashed while it was copied
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="sha256")
    digest = pool.submit(lambda: known or hashlib.sha256(data).hexdigest())
    pool.shutdown(wait=False)  # the digest is still computed; the thread ends with it
    sha = digest.result  # called where the digest is needed
    step(0.45, "recognising the layout")
    table_name, fmt, file_problems = _resolve(parsed.columns, table, format, mapping)
    file_problems = [*source.problems, *file_problems]
    if file_problems:
        report = build_report(file_name, parsed, [], file_problems=file_problems, notes=source.notes)
        return Upload(file_name, sha(), len(data), table_name, fmt, parsed, None, report, {}, mapping)
    step(0.55, "converting the columns")
    try:
        converted = _convert(
            parsed,
            table_name,
            fmt,
            mapping,
            sha() if fmt == "mapped" else "",  # only a column mapping's derived ids use it
            file_name=file_name,
            country=country,
            safe_categories=safe_categories,
        )
    except ValueError as exc:
        report = build_report(file_name, parsed, [], file_problems=[str(exc)], notes=source.notes)
        return Upload(file_name, sha(), len(data), table_name, fmt, parsed, None, report, {}, mapping)
    notes = [*source.notes, *converted.notes]
    if converted.file_problems:
        report = build_report(file_name, parsed, [], file_problems=converted.file_problems, notes=notes)
        return Upload(
            file_name,
            sha(),
            len(data),
            table_name,
            fmt,
            parsed,
            None,
            report,
            converted.used,
            mapping,
            info=converted.info,
        )
    if converted.missing:
        label = FORMAT_LABELS.get(fmt, fmt)
        problems = [
            f"required column '{m}' is missing (the file looks like: {label})" for m in converted.missing
        ]
        report = build_report(file_name, parsed, [], file_problems=problems)
        return Upload(
            file_name, sha(), len(data), table_name, fmt, parsed, None, report, converted.used, mapping
        )
    step(0.8, "checking every row")
    from datasets.coverage import earliest_date

    first_ok = earliest_date(fmt, earliest)
    if converted.origin is None:
        checked = _schema_problems(converted, SCHEMAS[table_name], today, first_ok)
    else:  # rows of a reshaped file: checked as stored, reported on the file rows they come from
        own = dataclasses.replace(converted, problems=[])
        checked = _to_file_rows(_schema_problems(own, SCHEMAS[table_name], today, first_ok), converted.origin)
    problems = [*converted.problems, *checked]
    report = build_report(file_name, parsed, problems, notes=notes)
    if report.ok and not parsed.ragged_count:
        parsed = _preview_only(parsed)
    step(0.9, "checked")
    return Upload(
        file_name,
        sha(),
        len(data),
        table_name,
        fmt,
        parsed,
        converted.table,
        report,
        converted.used,
        mapping,
        origin=converted.origin,
        info=converted.info,
    )
