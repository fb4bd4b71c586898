"""Declared schemas of the four tables and a vectorised validator.

Every table that crosses a module boundary is described here once: its columns, their Arrow
types, units, allowed values and which are required. ``datasets/README.md`` documents the same
schemas and a test keeps the two in step.

The validator works column by column with pyarrow compute, so checking a multi-million-row
upload costs about as much as reading it. It returns a table of failures (row, column,
problem) instead of raising on the first one, so a user sees every problem in a file at once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

EVENT_TYPES: tuple[str, ...] = (
    "Battles",
    "Explosions/Remote violence",
    "Violence against civilians",
    "Protests",
    "Riots",
    "Strategic developments",
)

#: Alliance kinds by their strongest obligation (ATOP's obligation codes).
ALLIANCE_KINDS: tuple[str, ...] = (
    "defence_pact",
    "offence_pact",
    "neutrality_pact",
    "non_aggression_pact",
    "consultation_pact",
)
COLLABORATION_KINDS: tuple[str, ...] = (
    "joint_exercise",
    "defence_agreement",
    "arms_transfer",
    "high_level_visit",
    "training_mission",
    *ALLIANCE_KINDS,
)

PERCEPTION_INDICATORS: tuple[str, ...] = ("feel_safe", "trust_military", "confidence_alliances")
SCALES: tuple[str, ...] = ("share", "index")
#: How precisely a source dates a row (empty: the exact day). Annual sources give "year".
PERIOD_GRAINS: tuple[str, ...] = ("year", "month", "day")
#: The time grain of an incidents row: an event on a day, or a count over a week, month or year.
INCIDENT_GRAINS: tuple[str, ...] = ("day", "week", "month", "year")

#: Columns of every indicator table that ``metrics`` returns. ``covered_share``: the share of the
#: region (of its members, or of its population when a population table is given) whose data cover
#: the period (0–1); empty where the family does not measure it.
TIDY_COLUMNS: tuple[str, ...] = (
    "region",
    "period",
    "family",
    "indicator",
    "value",
    "ci_low",
    "ci_high",
    "covered_share",
)
FAMILIES: tuple[str, ...] = ("conflict", "collaboration", "perception", "composite")


@dataclass(frozen=True)
class Column:
    """One column of a table.

    ``kind`` is one of ``string``, ``date``, ``int``, ``float``, ``bool``, ``string_list``.
    ``allowed`` restricts a string column to a vocabulary (``extendable`` lets a caller pass more).
    ``minimum``/``maximum`` bound a numeric column (inclusive).
    """

    name: str
    kind: str
    required: bool
    description: str
    unit: str = ""
    allowed: tuple[str, ...] = ()
    extendable: bool = False
    minimum: float | None = None
    maximum: float | None = None
    nullable: bool = True

    @property
    def arrow_type(self) -> pa.DataType:
        return {
            "string": pa.string(),
            "date": pa.date32(),
            "int": pa.int64(),
            "float": pa.float64(),
            "bool": pa.bool_(),
            "string_list": pa.list_(pa.string()),
        }[self.kind]


@dataclass(frozen=True)
class TableSchema:
    """A table: its name, grain (what one row is), columns and unique key."""

    name: str
    grain: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    @property
    def arrow_schema(self) -> pa.Schema:
        return pa.schema([pa.field(c.name, c.arrow_type) for c in self.columns])


REGIONS = TableSchema(
    name="regions",
    grain="one row per membership of a country in a region; a country may sit in several regions",
    columns=(
        Column("region", "string", True, "Region name, e.g. 'NATO Europe'", nullable=False),
        Column("iso3", "string", True, "ISO 3166-1 alpha-3 code of a member country", nullable=False),
        Column(
            "grouping",
            "string",
            False,
            "Which set of regions the row belongs to, e.g. 'UN M49 sub-region' or 'Security grouping'; "
            "'Custom' when not given",
        ),
    ),
    key=("region", "iso3"),
)

INCIDENTS = TableSchema(
    name="incidents",
    grain="one row per conflict incident, or per count of incidents over a week, month or year",
    columns=(
        Column("event_id", "string", True, "Identifier of the incident within its source", nullable=False),
        Column("event_date", "date", True, "Date of the incident (not in the future)", nullable=False),
        Column("iso3", "string", True, "ISO 3166-1 alpha-3 code of the country", nullable=False),
        Column("country", "string", False, "Country name as the source spells it"),
        Column("admin1", "string", False, "First-level administrative division"),
        Column("event_type", "string", True, "ACLED event type", allowed=EVENT_TYPES, nullable=False),
        Column("sub_event_type", "string", False, "ACLED sub-event type"),
        Column("actor1", "string", False, "First actor"),
        Column("actor2", "string", False, "Second actor"),
        Column("fatalities", "int", True, "Reported fatalities", unit="deaths", minimum=0, nullable=False),
        Column("civilian_targeting", "bool", False, "True when civilians were the target"),
        Column("latitude", "float", False, "Latitude (WGS84)", unit="degrees", minimum=-90, maximum=90),
        Column("longitude", "float", False, "Longitude (WGS84)", unit="degrees", minimum=-180, maximum=180),
        Column("source", "string", True, "Dataset the row came from, e.g. 'ACLED'", nullable=False),
        Column("notes", "string", False, "Free-text description"),
        Column(
            "events",
            "int",
            False,
            "Incidents the row stands for: 1 for a single event (the default when empty); a count for "
            "aggregated sources (ACLED weekly or country-month tables, UCDP conflict-years)",
            unit="incidents",
            minimum=0,
        ),
        Column(
            "grain",
            "string",
            False,
            "Time grain of the row: 'day' for an event (the default when empty); 'week', 'month' or "
            "'year' for a count over the period that starts at event_date",
            allowed=INCIDENT_GRAINS,
        ),
    ),
    key=("source", "event_id"),
)

COLLABORATION = TableSchema(
    name="collaboration",
    grain="one row per engagement between states (an exercise, agreement, transfer, visit or mission)",
    columns=(
        Column("event_id", "string", True, "Identifier of the engagement within its source", nullable=False),
        Column("start_date", "date", True, "First day of the engagement", nullable=False),
        Column("end_date", "date", False, "Last day (agreements: end of force; empty = still in force)"),
        Column(
            "kind",
            "string",
            True,
            "Kind of engagement",
            allowed=COLLABORATION_KINDS,
            extendable=True,
            nullable=False,
        ),
        Column("name", "string", False, "Name, e.g. 'Cobra Gold 2019'"),
        Column(
            "participants",
            "string_list",
            True,
            "ISO3 codes of the participating states (two or more); non-state parties keep their label; "
            "arms transfers list the supplier first, then the recipient",
            nullable=False,
        ),
        Column(
            "weight",
            "float",
            False,
            "Weight of the engagement (default 1; arms transfers: TIV millions)",
            unit="engagement weight",
            minimum=0,
        ),
        Column("source", "string", True, "Dataset the row came from", nullable=False),
        Column(
            "period_grain",
            "string",
            False,
            "How precisely the source dates the row: 'year' (periods YYYY), 'month', or empty (the day)",
            allowed=PERIOD_GRAINS,
        ),
    ),
    key=("source", "event_id"),
)

PERCEPTION = TableSchema(
    name="perception",
    grain="one row per survey wave, country, indicator and breakdown",
    columns=(
        Column("survey", "string", True, "Survey name, e.g. 'Afrobarometer R9'", nullable=False),
        Column(
            "wave_date", "date", True, "Date the wave was fielded (mid-point when a range)", nullable=False
        ),
        Column("iso3", "string", True, "ISO 3166-1 alpha-3 code of the country", nullable=False),
        Column(
            "indicator",
            "string",
            True,
            "What is measured",
            allowed=PERCEPTION_INDICATORS,
            extendable=True,
            nullable=False,
        ),
        Column(
            "value", "float", True, "The estimate: a share in [0, 1] when scale is 'share'", nullable=False
        ),
        Column("sample_size", "int", False, "Respondents behind the estimate", unit="respondents", minimum=1),
        Column("source", "string", True, "Publisher of the estimate", nullable=False),
        Column(
            "scale", "string", False, "'share' (0-1, default) or 'index' (a published scale)", allowed=SCALES
        ),
        Column("std_error", "float", False, "Published standard error, in the unit of value", minimum=0),
        Column("ci_low", "float", False, "Published lower 95% bound, in the unit of value"),
        Column("ci_high", "float", False, "Published upper 95% bound, in the unit of value"),
        Column("breakdown", "string", False, "Disaggregation (e.g. 'sex=F'); empty for the national value"),
        Column(
            "period_grain",
            "string",
            False,
            "How precisely the source dates the row: 'year' (periods YYYY), 'month', or empty (the day)",
            allowed=PERIOD_GRAINS,
        ),
    ),
    key=("survey", "wave_date", "iso3", "indicator", "breakdown"),
)

SCHEMAS: dict[str, TableSchema] = {s.name: s for s in (REGIONS, INCIDENTS, COLLABORATION, PERCEPTION)}


class SchemaError(ValueError):
    """A table does not match its schema. ``failures`` lists every problem found."""

    def __init__(self, table: str, failures: pd.DataFrame) -> None:
        self.table = table
        self.failures = failures
        first = failures.iloc[0] if len(failures) else None
        msg = f"{table}: {len(failures)} problem(s)"
        if first is not None:
            where = f"row {first['row']}, " if pd.notna(first["row"]) else ""
            msg += f"; first: {where}column '{first['column']}': {first['problem']}"
        super().__init__(msg)


FAILURE_COLUMNS = ("row", "column", "problem", "value")


def _failures(
    rows: Sequence[int | None], column: str, problem: str, values: Sequence[object]
) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "row": pd.array(list(rows), dtype="Int64"),
            "column": column,
            "problem": problem,
            "value": [None if v is None else str(v) for v in values],
        }
    )


def _rows(mask: pa.Array | pa.ChunkedArray) -> list[int]:
    """Indices where a boolean mask is true (nulls count as false)."""
    filled = pc.fill_null(mask, False)
    if isinstance(filled, pa.ChunkedArray):
        filled = filled.combine_chunks()
    return pc.indices_nonzero(filled).to_pylist()


def conform(table: pa.Table, schema: TableSchema) -> pa.Table:
    """Return ``table`` with the schema's columns in order and types cast; absent optional columns are null.

    Raises ``SchemaError`` when a required column is missing or a column cannot be cast.
    """
    missing = [c for c in schema.required if c not in table.column_names]
    if missing:
        raise SchemaError(
            schema.name,
            pd.concat(
                [_failures([None], m, "required column is missing", [None]) for m in missing],
                ignore_index=True,
            ),
        )
    arrays = []
    for col in schema.columns:
        if col.name in table.column_names:
            arr = table[col.name]
            if not arr.type.equals(col.arrow_type):
                try:
                    arr = arr.cast(col.arrow_type)
                except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
                    raise SchemaError(
                        schema.name,
                        _failures([None], col.name, f"cannot be read as {col.kind}: {exc}", [None]),
                    ) from exc
        else:
            arr = pa.nulls(table.num_rows, col.arrow_type)
        arrays.append(arr)
    return pa.Table.from_arrays(arrays, schema=schema.arrow_schema)


def check(
    table: pa.Table,
    schema: TableSchema,
    *,
    today: dt.date | None = None,
    extra_allowed: dict[str, Sequence[str]] | None = None,
    known_iso3: frozenset[str] | None = None,
    earliest: dt.date | None = None,
    missing: bool = True,
) -> pd.DataFrame:
    """Check a conformed table against its schema; return every failure (empty frame when valid).

    Checks: nulls in non-nullable columns (unless ``missing`` is False: a caller that finds
    missing values itself), vocabularies, numeric bounds, dates in the future or
    before ``earliest`` (the source's earliest plausible date, ``datasets.coverage.earliest_date``),
    ISO3 codes (when ``known_iso3`` is given), end dates before start dates, share values outside
    [0, 1], and duplicate keys. ``row`` is the 0-based row index in ``table``.
    """
    today = today or dt.date.today()
    extra_allowed = extra_allowed or {}
    parts: list[pd.DataFrame] = []
    for col in schema.columns:
        arr = table[col.name]
        if not col.nullable and missing:
            nulls = pc.is_null(arr)
            if col.kind == "string":
                nulls = pc.or_kleene(nulls, pc.equal(pc.utf8_trim_whitespace(arr), ""))
            if col.kind == "string_list":
                nulls = pc.or_kleene(nulls, pc.equal(pc.list_value_length(arr), 0))
            idx = _rows(nulls)
            if idx:
                parts.append(_failures(idx, col.name, "value is missing", [None] * len(idx)))
        if col.allowed and col.kind == "string" and not col.extendable:
            allowed = set(col.allowed) | set(extra_allowed.get(col.name, ()))
            bad = pc.and_kleene(
                pc.invert(pc.is_in(arr, value_set=pa.array(sorted(allowed)))), pc.is_valid(arr)
            )
            idx = _rows(bad)
            if idx:
                vals = pc.take(arr, pa.array(idx)).to_pylist()
                parts.append(_failures(idx, col.name, f"not one of: {', '.join(sorted(allowed))}", vals))
        if col.kind in ("int", "float"):
            if col.minimum is not None:
                idx = _rows(pc.less(arr, col.minimum))
                if idx:
                    vals = pc.take(arr, pa.array(idx)).to_pylist()
                    parts.append(_failures(idx, col.name, f"below the minimum {col.minimum:g}", vals))
            if col.maximum is not None:
                idx = _rows(pc.greater(arr, col.maximum))
                if idx:
                    vals = pc.take(arr, pa.array(idx)).to_pylist()
                    parts.append(_failures(idx, col.name, f"above the maximum {col.maximum:g}", vals))
        if col.kind == "float" and len(arr) and not col.nullable and missing:
            idx = _rows(pc.is_nan(arr))
            if idx:
                parts.append(_failures(idx, col.name, "value is missing", [None] * len(idx)))
        if col.kind == "date" and col.name in ("event_date", "start_date", "wave_date"):
            idx = _rows(pc.greater(arr, pa.scalar(today, pa.date32())))
            if idx:
                vals = pc.take(arr, pa.array(idx)).to_pylist()
                parts.append(_failures(idx, col.name, f"date is in the future (after {today})", vals))
            if earliest is not None:
                idx = _rows(pc.less(arr, pa.scalar(earliest, pa.date32())))
                if idx:
                    vals = pc.take(arr, pa.array(idx)).to_pylist()
                    parts.append(
                        _failures(
                            idx,
                            col.name,
                            f"date is before {earliest}, the earliest plausible date for this source "
                            "(state another with --earliest)",
                            vals,
                        )
                    )
        if col.name == "iso3" and known_iso3 is not None:
            bad = pc.and_kleene(
                pc.is_valid(arr), pc.invert(pc.is_in(arr, value_set=pa.array(sorted(known_iso3))))
            )
            idx = _rows(bad)
            if idx:
                vals = pc.take(arr, pa.array(idx)).to_pylist()
                parts.append(_failures(idx, col.name, "unknown country code", vals))
    if schema.name == "collaboration":
        idx = _rows(pc.less(table["end_date"], table["start_date"]))
        if idx:
            vals = pc.take(table["end_date"], pa.array(idx)).to_pylist()
            parts.append(_failures(idx, "end_date", "ends before it starts", vals))
    if schema.name == "perception":
        share = pc.or_kleene(pc.is_null(table["scale"]), pc.equal(table["scale"], "share"))
        out = pc.or_kleene(pc.less(table["value"], 0.0), pc.greater(table["value"], 1.0))
        idx = _rows(pc.and_kleene(share, out))
        if idx:
            vals = pc.take(table["value"], pa.array(idx)).to_pylist()
            parts.append(_failures(idx, "value", "a share must lie between 0 and 1", vals))
    if schema.key and table.num_rows:
        key_frame = table.select(list(schema.key)).to_pandas()
        dup = key_frame.duplicated(keep="first").to_numpy()
        if dup.any():
            idx = [int(i) for i in dup.nonzero()[0]]
            parts.append(
                _failures(
                    idx,
                    ", ".join(schema.key),
                    "duplicate key: the same record appears twice",
                    [None] * len(idx),
                )
            )
    if not parts:
        return _failures([], "", "", [])
    return (
        pd.concat(parts, ignore_index=True)
        .sort_values(["row", "column"], kind="stable", na_position="first")
        .reset_index(drop=True)
    )


def validate(table: pa.Table, schema: TableSchema, **kwargs: object) -> pa.Table:
    """Conform and check ``table``; raise ``SchemaError`` with every failure, else return it conformed."""
    conformed = conform(table, schema)
    failures = check(conformed, schema, **kwargs)  # type: ignore[arg-type]
    if len(failures):
        raise SchemaError(schema.name, failures)
    return conformed
