"""Shared parts of the collaboration importers: the layout registry and helpers.

``COLLABORATION_FORMATS`` lists every collaboration layout; the helpers read cells (numbers, years,
participants by name or COW code) and gather problems on file lines, as every importer does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from datasets.countries import iso3_from_cow, non_state_label, to_iso3
from datasets.ingest.canonical import Converted, Problem
from datasets.ingest.reshape import (
    Cells,
    blank_rows,
    exact_repeats,
    line_list,
    lookup,
    problem,
    skipped_notes,
    text_frame,
)
from datasets.ingest.sniff import ParsedCsv
from datasets.schema import COLLABORATION


@dataclass(frozen=True)
class LayoutFormat:
    """A file layout: its key, the label users read, the attribution its data requires, its table."""

    key: str
    label: str
    attribution: str
    table: str
    recognised_by: str


SIPRI_SOURCE = "SIPRI Arms Transfers Database"
SIPRI_ATTRIBUTION = "SIPRI Arms Transfers Database, © SIPRI"
MME_SOURCE = "Multinational Military Exercises (MME)"
MME_ATTRIBUTION = "MME (D'Orazio & Galambos), Multinational Military Exercises, doi:10.7910/DVN/KHFODX"
ATOP_ATTRIBUTION = "ATOP v5.1 (Leeds et al.), Alliance Treaty Obligations and Provisions, atopdata.org"
MN_SOURCE = "McManus & Nieman (2019)"
MN_ATTRIBUTION = "McManus & Nieman (2019), Journal of Peace Research, replication data"

COLLABORATION_FORMATS: dict[str, LayoutFormat] = {
    f.key: f
    for f in (
        LayoutFormat(
            "sipri",
            "SIPRI trade register (2025 layout)",
            SIPRI_ATTRIBUTION,
            "collaboration",
            "SIPRI AT Database ID, Delivery year, TIV delivery values",
        ),
        LayoutFormat(
            "sipri_classic",
            "SIPRI trade register (classic 16-column layout)",
            SIPRI_ATTRIBUTION,
            "collaboration",
            "Recipient, Supplier, Year(s) of delivery, SIPRI TIV of delivered weapons",
        ),
        LayoutFormat(
            "mme",
            "MME exercises (wide form, StateA…StateAM)",
            MME_ATTRIBUTION,
            "collaboration",
            "MMEID, StateA",
        ),
        LayoutFormat(
            "mme_long",
            "MME exercises (long form, one row per participant)",
            MME_ATTRIBUTION,
            "collaboration",
            "MMEID, gwcode, country",
        ),
        LayoutFormat(
            "atop",
            "ATOP alliance-level file",
            ATOP_ATTRIBUTION,
            "collaboration",
            "atopid, begyr, mem1",
        ),
        LayoutFormat(
            "atop_member",
            "ATOP member-level file",
            ATOP_ATTRIBUTION,
            "collaboration",
            "atopid, member, yrent",
        ),
        LayoutFormat(
            "mcmanus_nieman",
            "McManus & Nieman country-year signals",
            MN_ATTRIBUTION,
            "collaboration",
            "ccode, year and signals such as us_vis, us_ex, us_arms",
        ),
    )
}

#: States of the Correlates of War system that have no ISO code (they ended long ago): kept as
#: participants under their own name, "Bavaria (COW 245)"; they belong to no region.
COW_HISTORICAL: dict[int, str] = {
    89: "United Provinces of Central America",
    99: "Gran Colombia",
    240: "Hanover",
    245: "Bavaria",
    267: "Baden",
    269: "Saxony",
    271: "Württemberg",
    273: "Hesse Electoral",
    275: "Hesse Grand Ducal",
    280: "Mecklenburg-Schwerin",
    300: "Austria-Hungary",
    327: "Papal States",
    329: "Two Sicilies",
    332: "Modena",
    335: "Parma",
    337: "Tuscany",
    511: "Zanzibar",
    730: "Korea (1887–1905)",
}

_UNKNOWN = "unknown country: not a country name or code this tool knows"
_MISSING = frozenset({"", "na", "n/a", "-9", "-9.0", ".", "..", "nan", "none", "null"})
_COLUMNS = [c.name for c in COLLABORATION.columns]
_Bad = dict[tuple[str, str], list[tuple[int, str]]]


# ---- shared helpers ------------------------------------------------------------------------------


def _missing(value: str) -> bool:
    return value.strip().lower() in _MISSING


def _participant(name: str) -> str | None:
    """ISO3 of a country name, or the label of a non-state party; None when unknown."""
    return to_iso3(name) or non_state_label(name)


def cow_participant(code: str) -> str | None:
    """ISO3 of a COW state number, or the label of a historical COW state; None when unknown."""
    iso3 = iso3_from_cow(code)
    if iso3 is not None:
        return iso3
    n = _int(code)
    return f"{COW_HISTORICAL[n]} (COW {n})" if n in COW_HISTORICAL else None


def _open(parsed: ParsedCsv, need: list[str], fmt: str) -> tuple[Cells, Converted | None]:
    """The file as text cells, or a refusal naming the required columns it lacks."""
    f = Cells(text_frame(parsed.table))
    have = lookup(f)
    gone = [n for n in need if n.lower() not in have]
    if not gone:
        return f, None
    label = COLLABORATION_FORMATS[fmt].label
    return f, Converted(
        COLLABORATION.arrow_schema.empty_table(),
        file_problems=[f"required column '{g}' is missing (the file looks like: {label})" for g in gone],
    )


def _start(parsed: ParsedCsv, f: Cells, *, repeats_are_rows: bool = False) -> tuple[list[int], list[str]]:
    """Rows to read (not empty, not repeating an earlier row) and the notes on the others.

    ``repeats_are_rows``: a row repeating an earlier one cell for cell is a row of its own (a
    layout without an id, where two identical lines are two records, as SIPRI's classic register
    lists two identical orders), read with a note instead of once."""
    blank = blank_rows(f.frame)
    repeats = exact_repeats(f.frame) & ~blank
    if repeats_are_rows:
        notes = skipped_notes(parsed, blank, np.zeros_like(repeats))
        if repeats.any():
            notes.append(
                f"{int(repeats.sum())} row(s) repeat an earlier row cell for cell; this layout has no id "
                "and lists each record on a line of its own, so each was read as a record of its own: "
                f"{line_list(parsed, np.flatnonzero(repeats))}."
            )
        return np.flatnonzero(~blank).tolist(), notes
    return np.flatnonzero(~(blank | repeats)).tolist(), skipped_notes(parsed, blank, repeats)


def _int(text: str) -> int | None:
    t = text.strip().rstrip("?").strip()
    if re.fullmatch(r"[+-]?\d+(\.0*)?", t):
        return int(float(t))
    return None


def _float(text: str) -> float | None:
    t = text.strip()
    if re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", t):
        return float(t)
    if re.fullmatch(r"[+-]?\d+,\d+", t):
        return float(t.replace(",", "."))
    return None


def _year_ok(y: int | None) -> bool:
    return y is not None and 1000 <= y <= 2999


def _problems(bad: _Bad) -> list[Problem]:
    out = []
    for (column, text), items in bad.items():
        out.append(problem([r for r, _ in items], column, text, [v for _, v in items]))
    return out


def _whole_groups(bad: _Bad, groups: dict[str, list[int]], column: str, what: str) -> set[str]:
    """Refuse every row of a group (an exercise, an alliance) one of whose rows has a problem.

    Returns the refused groups' keys.
    """
    rejected = {r for items in bad.values() for r, _ in items}
    refused = set()
    for key, rows in groups.items():
        if rejected & set(rows):
            refused.add(key)
            rest = [r for r in rows if r not in rejected]
            if rest:
                text = f"another row of the same {what} has a problem, so the whole {what} is refused"
                bad.setdefault((column, text), []).extend((r, key) for r in rest)
    return refused


def _historical_note(codes: set[str]) -> list[str]:
    if not codes:
        return []
    return [
        f"{len(codes)} participant(s) are states of the COW system with no ISO code today ("
        + ", ".join(sorted(codes)[:6])
        + "): kept under their own names; they belong to no region."
    ]
