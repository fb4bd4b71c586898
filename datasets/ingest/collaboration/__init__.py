"""Importers for military-collaboration sources, into the ``collaboration`` table.

Each importer reads a parsed file (``sniff.parse`` after ``preread``) and returns ``Converted``
whose rows carry their origin in the file (see ``reshape``). Problems are reported on file lines;
an engagement built from several lines (an exercise listed per participant, an alliance listed
per member) is refused whole when any of its lines is, so nothing is stored half-read. Rows that
hold no value, and rows that repeat an earlier row cell for cell, are skipped with a note.

SIPRI Arms Transfers Database, trade register, 2025 layout (``sipri``)
    11 preamble lines, then one row per deal and delivery year (``SIPRI AT Database ID`` repeats).
    One ``arms_transfer`` per row: ``event_id`` = ``<ID>-<Delivery year>``, dated 1 January of the
    delivery year with ``period_grain`` "year", participants [supplier, recipient], ``weight`` =
    ``TIV delivery values`` (SIPRI trend-indicator value, millions; empty = unknown, not zero),
    ``name`` = designation (description).
SIPRI trade register, classic 16-column layout (``sipri_classic``)
    Windows-1252, 11 preamble lines, one row per order, three columns headed by a single space
    (SIPRI's uncertainty marks), ``Year(s) of delivery`` as a ``; ``-separated list and ``SIPRI TIV
    of delivered weapons`` for all of them. One ``arms_transfer`` per order and delivery year; an
    order delivered over n years with no split given has its TIV divided evenly, TIV/n per year
    (the report says so). ``event_id`` = ``<first 10 hex of SHA-1 of recipient|supplier|order
    year|designation|description|number ordered>[-k]-<delivery year>`` (``-k`` numbers identical
    orders). An order with no delivery year adds nothing. A record broken by a line break inside
    its unquoted comment is rejoined (``preread``).
Both SIPRI layouts
    Countries by SIPRI name; armed groups (``*``), organisations (``**``) and "unknown
    supplier(s)" keep their label (``datasets.countries.non_state_label``), never refused.
MME, wide form (``mme``)
    One row per exercise, participant names in ``StateA`` … ``StateAM`` (free text, "-9" or
    empty for none). One ``joint_exercise`` per ``MMEID``.
MME, long form (``mme_long``)
    One row per exercise, participant and active year; participant from ``gwcode``
    (Gleditsch–Ward), else from ``country`` (``NA`` and ``-9`` mean missing; "NATO" keeps its
    label). One ``joint_exercise`` per ``MMEID`` with the participants of all its rows; rows of one
    ID that disagree on the exercise's name or start ("two exercises sharing one ID") are refused,
    and so is an exercise any of whose rows has a problem. An end date before the start (a
    source error) is dropped, with a note.
Both MME forms
    ``StartDate`` as ``m/d/yy`` (two-digit years 50–99 → 19xx, else 20xx), ``YYYY-MM-DD``, or with
    ``xx`` for an unknown day or month (else ``s.year``/``s.month``/``s.day``). Dated by the start:
    an unknown day dates it by its month (``period_grain`` "month"), an unknown month by its year
    ("year"). The end likewise (an unknown day: the month's last day; unknown month: 31 December).
ATOP, alliance level (``atop``)
    One ``defence_agreement`` per ``atopid``: participants ``mem1`` … ``memN`` (COW codes; a
    state of the COW system with no ISO code, such as 245 Bavaria, keeps its name as a label),
    in force from ``begyr/begmo/begday`` to ``endyr/endmo/endday`` (end 0 or empty: still in
    force). ``name`` = "ATOP <id>: <obligations>", the obligations among defence, offence,
    neutrality, non-aggression and consultation coded 1.
ATOP, member level (``atop_member``)
    One row per alliance, member and phase, with entry (``yrent/moent/dayent``) and exit
    (``yrexit/moexit/dayexit``, 0 = still a member). An alliance becomes one
    ``defence_agreement`` per stretch of months with the same members: ``event_id`` =
    ``<atopid>`` when its membership never changes, else ``<atopid>/<YYYY-MM>`` of each stretch's
    first month; a change of membership takes effect from the month it happens, so the stretches
    never overlap. Obligations: those of the members in the stretch. Load either ATOP file, not
    both: each describes the same alliances. A row with a problem refuses its whole alliance.
ATOP dates
    Day 0 or empty: the first day of the month (entry) or its last day (exit); month 0 or empty:
    January (entry) or December (exit).
McManus & Nieman (2019) country-year signals (``mcmanus_nieman``)
    One row per country (``ccode``, COW) and year. For each major power p (``us`` United States,
    ``uk`` United Kingdom, ``fra`` France, ``rus`` Russia, ``chi`` China) and signal:
    ``p_vis`` (leader visits) → ``high_level_visit``, ``p_ex`` (joint exercises) →
    ``joint_exercise``, ``p_arms`` (arms, SIPRI TIV millions) → ``arms_transfer``, ``p_troops``
    (troops stationed) → ``troop_deployment``, ``p_pact`` (defence pact) → ``defence_agreement``
    (in force that year). One engagement per country, year, power and signal when the value is
    above 0, with ``weight`` = the value (a count, TIV or troops; 1 for a pact), participants
    [power, country], dated 1 January with ``period_grain`` "year". 0 adds nothing; ``NA`` is
    missing, not zero.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from datasets.countries import iso3_from_cow, iso3_from_gw, non_state_label, to_iso3
from datasets.ingest.canonical import Converted, Problem
from datasets.ingest.reshape import (
    Built,
    Cells,
    blank_rows,
    build,
    exact_repeats,
    line_list,
    lookup,
    problem,
    skipped_notes,
    text_frame,
)
from datasets.ingest.sniff import ParsedCsv
from datasets.schema import COLLABORATION

__all__ = [
    "COLLABORATION_FORMATS",
    "COW_HISTORICAL",
    "LayoutFormat",
    "detect_collaboration",
    "import_collaboration",
]


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
_MN_POWERS = {"us": "USA", "uk": "GBR", "fra": "FRA", "rus": "RUS", "chi": "CHN"}
_MN_POWER_NAMES = {
    "us": "United States",
    "uk": "United Kingdom",
    "fra": "France",
    "rus": "Russia",
    "chi": "China",
}
_MN_SIGNALS = {
    "vis": ("high_level_visit", "leader visits"),
    "ex": ("joint_exercise", "joint exercises"),
    "arms": ("arms_transfer", "arms transfers (SIPRI TIV)"),
    "troops": ("troop_deployment", "troops stationed"),
    "pact": ("defence_agreement", "defence pact"),
}
_OBLIGATIONS = {
    "defense": "defence",
    "offense": "offence",
    "neutral": "neutrality",
    "nonagg": "non-aggression",
    "consul": "consultation",
}
_COLUMNS = [c.name for c in COLLABORATION.columns]
_Bad = dict[tuple[str, str], list[tuple[int, str]]]


def detect_collaboration(columns: list[str]) -> str | None:
    """The collaboration layout a header matches (a key of ``COLLABORATION_FORMATS``), or None."""
    names = {c.strip().lower() for c in columns}
    if {"sipri at database id", "delivery year", "tiv delivery values"} <= names:
        return "sipri"
    if {"recipient", "supplier", "year(s) of delivery", "sipri tiv of delivered weapons"} <= names:
        return "sipri_classic"
    if "mmeid" in names and "statea" in names:
        return "mme"
    if {"mmeid", "gwcode"} <= names and "country" in names:
        return "mme_long"
    if {"atopid", "member", "yrent"} <= names:
        return "atop_member"
    if {"atopid", "begyr", "mem1"} <= names:
        return "atop"
    if {"ccode", "year"} <= names and any(f"{p}_{s}" in names for p in _MN_POWERS for s in _MN_SIGNALS):
        return "mcmanus_nieman"
    return None


def import_collaboration(parsed: ParsedCsv, fmt: str) -> Converted:
    """Read ``parsed`` in collaboration layout ``fmt``; see the module docstring for each layout."""
    readers: dict[str, Callable[[ParsedCsv], Converted]] = {
        "sipri": _sipri_2025,
        "sipri_classic": _sipri_classic,
        "mme": _mme_wide,
        "mme_long": _mme_long,
        "atop": _atop_alliance,
        "atop_member": _atop_member,
        "mcmanus_nieman": _mcmanus_nieman,
    }
    if fmt not in readers:
        raise ValueError(f"unknown collaboration format '{fmt}'")
    return readers[fmt](parsed)


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


def _start(parsed: ParsedCsv, f: Cells) -> tuple[list[int], list[str]]:
    """Rows to read (not empty, not repeating an earlier row) and the notes on the others."""
    blank = blank_rows(f.frame)
    repeats = exact_repeats(f.frame) & ~blank
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


# ---- SIPRI ---------------------------------------------------------------------------------------


def _sipri_name(designation: str, description: str) -> str | None:
    if designation and description:
        return f"{designation} ({description})"
    return designation or description or None


def _parties(f: Cells, columns: tuple[str, str]) -> dict[str, str | None]:
    values = pd.unique(np.concatenate([f[c].to_numpy() for c in columns]))
    return {str(v): _participant(str(v)) for v in values}


def _sipri_2025(parsed: ParsedCsv) -> Converted:
    need = ["SIPRI AT Database ID", "Supplier", "Recipient", "Delivery year", "TIV delivery values"]
    f, gone = _open(parsed, need, "sipri")
    if gone is not None:
        return gone
    col = lookup(f)
    c_id, c_sup, c_rec = col["sipri at database id"], col["supplier"], col["recipient"]
    c_year, c_tiv = col["delivery year"], col["tiv delivery values"]
    c_des, c_desc = col.get("designation"), col.get("description")
    rows, notes = _start(parsed, f)
    bad: _Bad = {}
    built = Built(_COLUMNS)
    no_tiv: list[int] = []
    codes = _parties(f, (c_sup, c_rec))
    for i in rows:
        row_bad = False
        deal = f.at[i, c_id]
        if not deal:
            bad.setdefault((c_id, "the deal has no SIPRI AT Database ID"), []).append((i, deal))
            row_bad = True
        year = _int(f.at[i, c_year])
        if not _year_ok(year):
            text = "delivery year could not be read (write it like 2022)"
            bad.setdefault((c_year, text), []).append((i, f.at[i, c_year]))
            row_bad = True
        parts = []
        for c in (c_sup, c_rec):
            code = codes.get(f.at[i, c])
            if code is None:
                bad.setdefault((c, _UNKNOWN), []).append((i, f.at[i, c]))
                row_bad = True
            else:
                parts.append(code)
        tiv_text = f.at[i, c_tiv]
        tiv = _float(tiv_text) if tiv_text else None
        if tiv_text and tiv is None:
            bad.setdefault((c_tiv, "not a number (SIPRI TIV, millions)"), []).append((i, tiv_text))
            row_bad = True
        if row_bad or year is None:
            continue
        if not tiv_text:
            no_tiv.append(i)
        built.add(
            {
                "event_id": f"{deal}-{year}",
                "start_date": dt.date(year, 1, 1),
                "kind": "arms_transfer",
                "name": _sipri_name(f.at[i, c_des] if c_des else "", f.at[i, c_desc] if c_desc else ""),
                "participants": list(dict.fromkeys(parts)),
                "weight": tiv,
                "source": SIPRI_SOURCE,
                "period_grain": "year",
            },
            [i],
        )
    if no_tiv:
        notes.append(
            f"{len(no_tiv)} deliveries give no TIV value: their TIV is stored as unknown, not zero "
            f"({line_list(parsed, no_tiv)})."
        )
    used = {
        "event_id": f"{c_id}, {c_year}",
        "start_date": f"{c_year} (1 January; periods are years)",
        "kind": "(fixed: arms_transfer)",
        "name": ", ".join(c for c in (c_des, c_desc) if c) or "(none)",
        "participants": f"{c_sup}, {c_rec}",
        "weight": c_tiv,
        "source": f"(fixed: {SIPRI_SOURCE})",
        "period_grain": "(fixed: year)",
    }
    return build(built, COLLABORATION, problems=_problems(bad), used=used, notes=notes)


def _delivery_years(text: str) -> list[int] | None:
    """``"2016; 2017"`` -> [2016, 2017]; [] for an empty cell; None when a part is not a year."""
    parts = [p.strip().rstrip("?").strip() for p in re.split(r"[;,]", text) if p.strip()]
    years = [_int(p) for p in parts]
    if any(not _year_ok(y) for y in years):
        return None
    return list(dict.fromkeys(y for y in years if y is not None))


def _sipri_classic(parsed: ParsedCsv) -> Converted:
    need = ["Recipient", "Supplier", "Year(s) of delivery", "SIPRI TIV of delivered weapons"]
    f, gone = _open(parsed, need, "sipri_classic")
    if gone is not None:
        return gone
    col = lookup(f)
    c_rec, c_sup = col["recipient"], col["supplier"]
    c_years, c_tiv = col["year(s) of delivery"], col["sipri tiv of delivered weapons"]
    c_order = col.get("year of order") or col.get("order date")
    c_des = col.get("weapon designation") or col.get("designation")
    c_desc = col.get("weapon description") or col.get("description")
    c_num = col.get("number ordered")
    rows, notes = _start(parsed, f)
    bad: _Bad = {}
    built = Built(_COLUMNS)
    seen: dict[str, int] = {}
    undelivered: list[int] = []
    split: list[int] = []
    no_tiv: list[int] = []
    codes = _parties(f, (c_sup, c_rec))

    def cell(c: str | None, i: int) -> str:
        return f.at[i, c] if c else ""

    for i in rows:
        row_bad = False
        parts = []
        for c in (c_sup, c_rec):
            code = codes.get(f.at[i, c])
            if code is None:
                bad.setdefault((c, _UNKNOWN), []).append((i, f.at[i, c]))
                row_bad = True
            else:
                parts.append(code)
        years = _delivery_years(f.at[i, c_years])
        if years is None:
            text = "delivery years could not be read (write them like 2016; 2017)"
            bad.setdefault((c_years, text), []).append((i, f.at[i, c_years]))
            row_bad = True
        tiv_text = f.at[i, c_tiv]
        tiv = _float(tiv_text) if tiv_text else None
        if tiv_text and tiv is None:
            bad.setdefault((c_tiv, "not a number (SIPRI TIV, millions)"), []).append((i, tiv_text))
            row_bad = True
        if row_bad or years is None:
            continue
        if not years:
            undelivered.append(i)
            continue
        fields = [f.at[i, c_rec], f.at[i, c_sup]] + [cell(c, i) for c in (c_order, c_des, c_desc, c_num)]
        digest = hashlib.sha1("|".join(fields).encode("utf-8")).hexdigest()[:10]
        seen[digest] = seen.get(digest, 0) + 1
        order_id = digest if seen[digest] == 1 else f"{digest}-{seen[digest]}"
        if len(years) > 1:
            split.append(i)
        if tiv is None:
            no_tiv.append(i)
        share = None if tiv is None else tiv / len(years)
        for y in years:
            built.add(
                {
                    "event_id": f"{order_id}-{y}",
                    "start_date": dt.date(y, 1, 1),
                    "kind": "arms_transfer",
                    "name": _sipri_name(cell(c_des, i), cell(c_desc, i)),
                    "participants": list(dict.fromkeys(parts)),
                    "weight": share,
                    "source": SIPRI_SOURCE,
                    "period_grain": "year",
                },
                [i],
            )
    if split:
        notes.append(
            f"{len(split)} order(s) list several delivery years and no split of their TIV: each year was "
            "given an equal share of the order's 'SIPRI TIV of delivered weapons' "
            f"({line_list(parsed, split)})."
        )
    if undelivered:
        notes.append(
            f"{len(undelivered)} order(s) list no delivery year (nothing delivered in the years exported) "
            f"and add no transfer ({line_list(parsed, undelivered)})."
        )
    if no_tiv:
        notes.append(
            f"{len(no_tiv)} order(s) give no TIV of delivered weapons: stored as unknown, not zero "
            f"({line_list(parsed, no_tiv)})."
        )
    used = {
        "event_id": "Recipient, Supplier, order and weapon columns (a stable digest), delivery year",
        "start_date": f"{c_years} (1 January of each year; periods are years)",
        "kind": "(fixed: arms_transfer)",
        "name": ", ".join(c for c in (c_des, c_desc) if c) or "(none)",
        "participants": f"{c_sup}, {c_rec}",
        "weight": f"{c_tiv} ÷ number of delivery years",
        "source": f"(fixed: {SIPRI_SOURCE})",
        "period_grain": "(fixed: year)",
    }
    return build(built, COLLABORATION, problems=_problems(bad), used=used, notes=notes)


# ---- MME -----------------------------------------------------------------------------------------


def _two_digit(y: int) -> int:
    return 1900 + y if y >= 50 else 2000 + y


def _date_parts(text: str) -> tuple[int | None, int | None, int | None] | None:
    """(year, month, day) of an MME date, None for an unknown part; None when unreadable."""
    t = text.strip().lower()
    m = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})", t)
    if m:
        y = int(m.group(3))
        return (_two_digit(y) if len(m.group(3)) == 2 else y, int(m.group(1)), int(m.group(2)))
    m = re.fullmatch(r"(\d{4})-(\d{1,2}|xx)-(\d{1,2}|xx)", t)
    if m:
        month = None if m.group(2) == "xx" else int(m.group(2))
        day = None if m.group(3) == "xx" or month is None else int(m.group(3))
        return (int(m.group(1)), month, day)
    m = re.fullmatch(r"(\d{4})(-xx)?(-xx)?", t)
    if m:
        return (int(m.group(1)), None, None)
    return None


def _compose(
    parts: tuple[int | None, int | None, int | None], *, end: bool
) -> tuple[dt.date | None, str | None]:
    """The date of (year, month, day) and its grain; an unknown day or month gives the first (start)
    or last (end) day of the month or year. (None, None) when the date does not exist."""
    y, m, d = parts
    if y is None or not _year_ok(y):
        return None, None
    if m is None:
        return (dt.date(y, 12, 31) if end else dt.date(y, 1, 1)), "year"
    if not 1 <= m <= 12:
        return None, None
    if d is None:
        last = calendar.monthrange(y, m)[1]
        return (dt.date(y, m, last) if end else dt.date(y, m, 1)), "month"
    try:
        return dt.date(y, m, d), None
    except ValueError:
        return None, None


_MME_DATE_PROBLEM = "date could not be read (write it like 5/16/80, 1980-05-16 or 1980-05-xx)"
_Date = tuple[dt.date | None, str | None, str, str]


class _MmeDates:
    """Start and end dates of MME rows, each distinct text read once."""

    def __init__(self, f: Cells, col: dict[str, str]) -> None:
        self.f = f
        self.col = col
        self.cache: dict[tuple[str, str, bool], tuple[dt.date | None, str | None]] = {}

    def get(self, i: int, which: str) -> _Date:
        """(date, grain, column read, its text) of row ``i``; ``which`` is "start" or "end"."""
        f, col = self.f, self.col
        end = which == "end"
        main = col.get("enddate" if end else "startdate")
        text = f.at[i, main] if main else ""
        if main and not _missing(text):
            key = ("text", text, end)
            if key not in self.cache:
                parts = _date_parts(text)
                self.cache[key] = (None, None) if parts is None else _compose(parts, end=end)
            return (*self.cache[key], main, text)
        prefix = "e" if end else "s"
        ycol, mcol, dcol = (col.get(f"{prefix}.{p}") for p in ("year", "month", "day"))
        if not ycol:
            return None, None, main or f"{prefix}.year", text

        def part(c: str | None) -> int | None:
            if not c:
                return None
            v = f.at[i, c]
            return None if _missing(v) or v.lower() == "xx" else _int(v)

        shown = "/".join(f.at[i, c] for c in (ycol, mcol, dcol) if c)
        d, grain = _compose((part(ycol), part(mcol), part(dcol)), end=end)
        return d, grain, ycol, shown


def _mme_engagements(
    parsed: ParsedCsv,
    f: Cells,
    col: dict[str, str],
    groups: dict[str, list[int]],
    participants: dict[int, list[str]],
    bad: _Bad,
    notes: list[str],
) -> Built:
    """One engagement per exercise ID from its rows; IDs whose rows disagree are refused whole."""
    built = Built(_COLUMNS)
    c_id = col["mmeid"]
    c_name = col.get("ex_name") or col.get("exercise") or col.get("name")
    dates = _MmeDates(f, col)
    empty: list[int] = []
    reversed_end: list[int] = []
    for ex_id, rows in groups.items():
        starts: dict[int, tuple[dt.date | None, str | None]] = {}
        ends: dict[int, dt.date | None] = {}
        group_bad = False
        for i in rows:
            d, grain, c, text = dates.get(i, "start")
            if d is None:
                bad.setdefault((c, _MME_DATE_PROBLEM), []).append((i, text))
                group_bad = True
            starts[i] = (d, grain)
            e, _g, ec, etext = dates.get(i, "end")
            if e is None and etext and not _missing(etext):
                bad.setdefault((ec, _MME_DATE_PROBLEM), []).append((i, etext))
                group_bad = True
            ends[i] = e
        if group_bad:
            continue
        names = {f.at[i, c_name] if c_name else "" for i in rows}
        if len(names) > 1 or len({starts[i] for i in rows}) > 1:
            versions = []
            for i in rows:
                d = starts[i][0]
                shown = f"'{f.at[i, c_name] if c_name else ''}' starting {d.isoformat() if d else '?'}"
                versions.append(shown)
            versions = sorted(set(versions))
            text = f"two different exercises share the ID {ex_id}: " + "; ".join(versions[:3])
            bad.setdefault((c_id, text), []).extend((i, ex_id) for i in rows)
            continue
        members = list(dict.fromkeys(p for i in rows for p in participants.get(i, [])))
        if not members:
            empty.extend(rows)
            continue
        first = rows[0]
        start, grain = starts[first]
        end = max((e for e in ends.values() if e is not None), default=None)
        if end is not None and start is not None and end < start:
            reversed_end.extend(rows)
            end = None
        name = f.at[first, c_name] if c_name else ""
        built.add(
            {
                "event_id": ex_id,
                "start_date": start,
                "end_date": end,
                "kind": "joint_exercise",
                "name": None if _missing(name) else name,
                "participants": members,
                "weight": None,
                "source": MME_SOURCE,
                "period_grain": grain,
            },
            rows,
        )
    if empty:
        notes.append(
            "Exercises whose participants are all missing (-9 or NA) add nothing: "
            f"{line_list(parsed, empty)}."
        )
    if reversed_end:
        notes.append(
            "Exercises whose end date comes before their start (a source error) keep their start and have no "
            f"end date: {line_list(parsed, reversed_end)}."
        )
    grains = [r[_COLUMNS.index("period_grain")] for r in built.rows]
    dated = [
        f"{n} exercise(s) without a day of start are dated by their month" if n else ""
        for n in [grains.count("month")]
    ] + [f"{n} without a month by their year" if n else "" for n in [grains.count("year")]]
    if any(dated):
        notes.append("; ".join(d for d in dated if d) + ".")
    return built


def _mme_used(col: dict[str, str], participants: str) -> dict[str, str]:
    c_name = col.get("ex_name") or col.get("exercise") or col.get("name")
    return {
        "event_id": col["mmeid"],
        "start_date": col.get("startdate") or "s.year, s.month, s.day",
        "end_date": col.get("enddate") or "e.year, e.month, e.day",
        "kind": "(fixed: joint_exercise)",
        "name": c_name or "(none)",
        "participants": participants,
        "source": f"(fixed: {MME_SOURCE})",
        "period_grain": "(from the start date: month when the day is unknown, year when the month is)",
    }


def _mme_open(parsed: ParsedCsv, need: list[str], fmt: str) -> tuple[Cells, Converted | None]:
    f, gone = _open(parsed, need, fmt)
    if gone is not None:
        return f, gone
    col = lookup(f)
    if "startdate" in col or "s.year" in col:
        return f, None
    label = COLLABORATION_FORMATS[fmt].label
    return f, Converted(
        COLLABORATION.arrow_schema.empty_table(),
        file_problems=[f"required column 'StartDate' (or s.year) is missing (the file looks like: {label})"],
    )


def _mme_wide(parsed: ParsedCsv) -> Converted:
    f, gone = _mme_open(parsed, ["MMEID"], "mme")
    if gone is not None:
        return gone
    col = lookup(f)
    c_id = col["mmeid"]
    slots = [c for c in f.columns if re.fullmatch(r"state[a-z]{1,2}", c.strip().lower())]
    rows, notes = _start(parsed, f)
    bad: _Bad = {}
    participants: dict[int, list[str]] = {}
    groups: dict[str, list[int]] = {}
    codes: dict[str, str | None] = {}
    for i in rows:
        ex_id = f.at[i, c_id]
        if _missing(ex_id):
            bad.setdefault((c_id, "the exercise has no MMEID"), []).append((i, ex_id))
            continue
        found = []
        for c in slots:
            v = f.at[i, c]
            if _missing(v):
                continue
            if v not in codes:
                codes[v] = _participant(v)
            code = codes[v]
            if code is None:
                bad.setdefault((c, _UNKNOWN), []).append((i, v))
            else:
                found.append(code)
        participants[i] = found
        groups.setdefault(ex_id, []).append(i)
    rejected = {r for items in bad.values() for r, _ in items}
    for ex_id, ex_rows in list(groups.items()):
        if len(ex_rows) > 1:  # a wide file has one row per exercise
            text = "two different exercises share one ID (a wide file has one row per exercise)"
            bad.setdefault((c_id, text), []).extend((r, ex_id) for r in ex_rows if r not in rejected)
            del groups[ex_id]
        elif rejected & set(ex_rows):
            del groups[ex_id]
    built = _mme_engagements(parsed, f, col, groups, participants, bad, notes)
    used = _mme_used(col, f"{slots[0]} … {slots[-1]}" if slots else "(no StateA… columns)")
    return build(built, COLLABORATION, problems=_problems(bad), used=used, notes=notes)


def _mme_long(parsed: ParsedCsv) -> Converted:
    f, gone = _mme_open(parsed, ["MMEID", "gwcode", "country"], "mme_long")
    if gone is not None:
        return gone
    col = lookup(f)
    c_id, c_gw, c_country = col["mmeid"], col["gwcode"], col["country"]
    rows, notes = _start(parsed, f)
    bad: _Bad = {}
    participants: dict[int, list[str]] = {}
    groups: dict[str, list[int]] = {}
    no_participant: list[int] = []
    cache: dict[tuple[str, str], str | None] = {}
    for i in rows:
        ex_id = f.at[i, c_id]
        if _missing(ex_id):
            bad.setdefault((c_id, "the exercise has no MMEID"), []).append((i, ex_id))
            continue
        gw, name = f.at[i, c_gw], f.at[i, c_country]
        groups.setdefault(ex_id, []).append(i)
        if _missing(gw) and _missing(name):
            no_participant.append(i)
            participants[i] = []
            continue
        key = (gw, name)
        if key not in cache:
            by_code = None if _missing(gw) else iso3_from_gw(gw)
            cache[key] = by_code or (None if _missing(name) else _participant(name))
        code = cache[key]
        if code is None:
            column, value = (c_country, name) if not _missing(name) else (c_gw, gw)
            bad.setdefault((column, _UNKNOWN + " (neither by its gwcode nor by its name)"), []).append(
                (i, value)
            )
            participants[i] = []
        else:
            participants[i] = [code]
    for ex_id in _whole_groups(bad, groups, c_id, "exercise"):
        del groups[ex_id]
    if no_participant:
        notes.append(
            f"{len(no_participant)} row(s) name no participant (gwcode and country missing, -9 or NA): "
            f"they add no participant ({line_list(parsed, no_participant)})."
        )
    built = _mme_engagements(parsed, f, col, groups, participants, bad, notes)
    used = _mme_used(col, f"{c_gw} (Gleditsch–Ward), else {c_country}; all rows of one MMEID")
    return build(built, COLLABORATION, problems=_problems(bad), used=used, notes=notes)


# ---- ATOP ----------------------------------------------------------------------------------------


def _atop_date(y: str, m: str, d: str, *, end: bool) -> tuple[dt.date | None, bool]:
    """Date from ATOP's year/month/day (0 or empty unknown); (None, True) for an empty or 0 year,
    (None, False) when unreadable."""
    year = _int(y) if y else 0
    if year is None:
        return None, False
    if year == 0:
        return None, True
    month = _int(m) if m else 0
    day = _int(d) if d else 0
    if month is None or day is None or not _year_ok(year) or not 0 <= month <= 12:
        return None, False
    if month == 0:
        month = 12 if end else 1
        day = 0
    last = calendar.monthrange(year, month)[1]
    if day == 0:
        day = last if end else 1
    if not 1 <= day <= last:
        return None, False
    return dt.date(year, month, day), True


def _obligations(f: Cells, col: dict[str, str], rows: list[int]) -> list[str]:
    out = []
    for key, label in _OBLIGATIONS.items():
        c = col.get(key)
        if c and any(f.at[i, c] == "1" for i in rows):
            out.append(label)
    return out


def _atop_name(atopid: str, obligations: list[str]) -> str:
    return f"ATOP {atopid}: {', '.join(obligations)}" if obligations else f"ATOP {atopid}"


def _atop_source(f: Cells, col: dict[str, str]) -> str:
    c = col.get("version")
    versions = {v for v in f[c].tolist() if v} if c else set()
    return f"ATOP v{versions.pop()}" if len(versions) == 1 else "ATOP"


def _historical_note(codes: set[str]) -> list[str]:
    if not codes:
        return []
    return [
        f"{len(codes)} participant(s) are states of the COW system with no ISO code today ("
        + ", ".join(sorted(codes)[:6])
        + "): kept under their own names; they belong to no region."
    ]


def _atop_alliance(parsed: ParsedCsv) -> Converted:
    f, gone = _open(parsed, ["atopid", "begyr", "mem1"], "atop")
    if gone is not None:
        return gone
    col = lookup(f)
    slots = [c for c in f.columns if re.fullmatch(r"mem\d+", c.strip().lower())]
    rows, notes = _start(parsed, f)
    bad: _Bad = {}
    source = _atop_source(f, col)
    built = Built(_COLUMNS)
    ids: set[str] = set()
    historical: set[str] = set()

    def get(i: int, name: str) -> str:
        return f.at[i, col[name]] if name in col else ""

    for i in rows:
        atopid = get(i, "atopid")
        if not atopid:
            bad.setdefault((col["atopid"], "the alliance has no atopid"), []).append((i, atopid))
            continue
        if atopid in ids:
            text = "the same atopid appears on two different rows"
            bad.setdefault((col["atopid"], text), []).append((i, atopid))
            continue
        ids.add(atopid)
        row_bad = False
        start, _ok = _atop_date(get(i, "begyr"), get(i, "begmo"), get(i, "begday"), end=False)
        if start is None:
            text = "start date could not be read (begyr, begmo, begday)"
            bad.setdefault((col["begyr"], text), []).append((i, get(i, "begyr")))
            row_bad = True
        end, ok = _atop_date(get(i, "endyr"), get(i, "endmo"), get(i, "endday"), end=True)
        if not ok:
            text = "end date could not be read (endyr, endmo, endday)"
            bad.setdefault((col.get("endyr", "endyr"), text), []).append((i, get(i, "endyr")))
            row_bad = True
        members = []
        for c in slots:
            v = f.at[i, c]
            if not v or v == "0":
                continue
            code = cow_participant(v)
            if code is None:
                bad.setdefault((c, "unknown COW state number"), []).append((i, v))
                row_bad = True
            else:
                members.append(code)
                if iso3_from_cow(v) is None:
                    historical.add(code)
        if row_bad:
            continue
        built.add(
            {
                "event_id": atopid,
                "start_date": start,
                "end_date": end,
                "kind": "defence_agreement",
                "name": _atop_name(atopid, _obligations(f, col, [i])),
                "participants": list(dict.fromkeys(members)),
                "weight": None,
                "source": source,
                "period_grain": None,
            },
            [i],
        )
    notes += _historical_note(historical)
    info = {"attribution": ATOP_ATTRIBUTION.replace("ATOP v5.1", source)}
    notes.append(
        "Every member listed counts for the whole life of its alliance at this level; the member-level "
        "file follows accessions and withdrawals (load one of the two ATOP files, not both)."
    )
    used = {
        "event_id": col["atopid"],
        "start_date": "begyr, begmo, begday",
        "end_date": "endyr, endmo, endday (0 or empty: still in force)",
        "kind": "(fixed: defence_agreement)",
        "name": "atopid and the obligations coded 1 (defense, offense, neutral, nonagg, consul)",
        "participants": f"{slots[0]} … {slots[-1]} (COW state numbers)",
        "source": f"(fixed: {source})",
    }
    return build(built, COLLABORATION, problems=_problems(bad), used=used, notes=notes, info=info)


def _month(d: dt.date) -> int:
    return d.year * 12 + d.month - 1


def _month_start(m: int) -> dt.date:
    return dt.date(m // 12, m % 12 + 1, 1)


def _month_end(m: int) -> dt.date:
    y, mo = m // 12, m % 12 + 1
    return dt.date(y, mo, calendar.monthrange(y, mo)[1])


_Spell = tuple[int, str, dt.date, dt.date | None]


def _atop_member(parsed: ParsedCsv) -> Converted:
    f, gone = _open(parsed, ["atopid", "member", "yrent"], "atop_member")
    if gone is not None:
        return gone
    col = lookup(f)
    rows, notes = _start(parsed, f)
    bad: _Bad = {}
    source = _atop_source(f, col)
    spells: dict[str, list[_Spell]] = {}
    groups: dict[str, list[int]] = {}
    historical: set[str] = set()
    c_exit = col.get("yrexit", "yrexit")

    def get(i: int, name: str) -> str:
        return f.at[i, col[name]] if name in col else ""

    for i in rows:
        atopid = get(i, "atopid")
        if not atopid:
            bad.setdefault((col["atopid"], "the row has no atopid"), []).append((i, atopid))
            continue
        groups.setdefault(atopid, []).append(i)
        code = cow_participant(get(i, "member"))
        if code is None:
            bad.setdefault((col["member"], "unknown COW state number"), []).append((i, get(i, "member")))
            continue
        if iso3_from_cow(get(i, "member")) is None:
            historical.add(code)
        start, _ok = _atop_date(get(i, "yrent"), get(i, "moent"), get(i, "dayent"), end=False)
        if start is None:
            text = "entry date could not be read (yrent, moent, dayent)"
            bad.setdefault((col["yrent"], text), []).append((i, get(i, "yrent")))
            continue
        end, ok = _atop_date(get(i, "yrexit"), get(i, "moexit"), get(i, "dayexit"), end=True)
        if not ok:
            text = "exit date could not be read (yrexit, moexit, dayexit)"
            bad.setdefault((c_exit, text), []).append((i, get(i, "yrexit")))
            continue
        if end is not None and end < start:
            bad.setdefault((c_exit, "the member leaves before it joins"), []).append((i, get(i, "yrexit")))
            continue
        spells.setdefault(atopid, []).append((i, code, start, end))
    refused = _whole_groups(bad, groups, col["atopid"], "alliance")
    built = Built(_COLUMNS)
    changed = 0
    for atopid, group_rows in groups.items():
        sp = spells.get(atopid, [])
        if atopid in refused or not sp:
            continue
        segments = _segments(sp)
        if len(segments) > 1:
            changed += 1
        first_start = min(s[2] for s in sp)
        for k, (lo, hi, who) in enumerate(segments):
            members = list(dict.fromkeys(s[1] for s in sp if s[0] in who))
            if hi is None:
                end = None
            elif k == len(segments) - 1:
                exits = [s[3] for s in sp if s[0] in who and s[3] is not None and _month(s[3]) == hi]
                end = max(exits) if exits else _month_end(hi)
            else:
                end = _month_end(hi)
            event_id = atopid if len(segments) == 1 else f"{atopid}/{lo // 12:04d}-{lo % 12 + 1:02d}"
            built.add(
                {
                    "event_id": event_id,
                    "start_date": first_start if lo == _month(first_start) else _month_start(lo),
                    "end_date": end,
                    "kind": "defence_agreement",
                    "name": _atop_name(atopid, _obligations(f, col, sorted(who))),
                    "participants": members,
                    "weight": None,
                    "source": source,
                    "period_grain": None,
                },
                group_rows,
            )
    notes += _historical_note(historical)
    if changed:
        notes.append(
            f"{changed} alliance(s) changed members over time: each is stored as one agreement per stretch "
            "of months with the same members (a change takes effect from the month it happens)."
        )
    notes.append("Load either ATOP file, not both: the alliance-level file describes the same alliances.")
    used = {
        "event_id": f"{col['atopid']} (and the first month of each stretch of unchanged membership)",
        "start_date": "yrent, moent, dayent",
        "end_date": "yrexit, moexit, dayexit (0: still a member)",
        "kind": "(fixed: defence_agreement)",
        "name": "atopid and the obligations coded 1 (defense, offense, neutral, nonagg, consul)",
        "participants": f"{col['member']} (COW state numbers) of every row of the alliance",
        "source": f"(fixed: {source})",
    }
    info = {"attribution": ATOP_ATTRIBUTION.replace("ATOP v5.1", source)}
    return build(built, COLLABORATION, problems=_problems(bad), used=used, notes=notes, info=info)


def _segments(spells: list[_Spell]) -> list[tuple[int, int | None, frozenset[int]]]:
    """Stretches of months with the same members: (first month, last month or None, spell rows).

    Month m = year·12 + month − 1. A spell covers the months from its entry month to its exit month.
    Adjacent stretches with the same members (by country) are merged.
    """
    lo_points = {_month(s[2]) for s in spells}
    hi_points = {_month(s[3]) + 1 for s in spells if s[3] is not None}
    points = sorted(lo_points | hi_points)
    raw: list[tuple[int, int | None, frozenset[int]]] = []
    for k, p in enumerate(points):
        nxt = points[k + 1] - 1 if k + 1 < len(points) else None
        who = frozenset(s[0] for s in spells if _month(s[2]) <= p and (s[3] is None or _month(s[3]) >= p))
        if who:
            raw.append((p, nxt, who))
    code = {s[0]: s[1] for s in spells}
    merged: list[tuple[int, int | None, frozenset[int]]] = []
    for lo, hi, who in raw:
        if merged:
            plo, phi, pwho = merged[-1]
            same = {code[r] for r in pwho} == {code[r] for r in who}
            if same and phi is not None and phi + 1 == lo:
                merged[-1] = (plo, hi, pwho | who)
                continue
        merged.append((lo, hi, who))
    return merged


# ---- McManus & Nieman ------------------------------------------------------------------------------


def _mcmanus_nieman(parsed: ParsedCsv) -> Converted:
    f, gone = _open(parsed, ["ccode", "year"], "mcmanus_nieman")
    if gone is not None:
        return gone
    col = lookup(f)
    rows, notes = _start(parsed, f)
    frame = f.frame.iloc[rows]
    bad: _Bad = {}
    c_code, c_year = col["ccode"], col["year"]
    signals = [(p, s, col[f"{p}_{s}"]) for p in _MN_POWERS for s in _MN_SIGNALS if f"{p}_{s}" in col]
    values: dict[str, pd.Series] = {}
    row_bad = pd.Series(False, index=frame.index)
    any_signal = pd.Series(False, index=frame.index)
    missing_values = 0
    for _p, _s, c in signals:
        raw = frame[c]
        absent = raw.str.upper().isin(["NA", "", "."])
        missing_values += int(absent.sum())
        num = pd.to_numeric(raw.where(~absent), errors="coerce")
        wrong = ~absent & (num.isna() | (num < 0))
        for i in frame.index[wrong].tolist():
            bad.setdefault((c, "not a number of 0 or more"), []).append((i, raw.at[i]))
        row_bad |= wrong
        values[c] = num.where(~wrong)
        any_signal |= values[c].fillna(0) > 0
    years = pd.to_numeric(frame[c_year], errors="coerce")
    codes = {v: cow_participant(v) for v in frame[c_code].unique()}
    country = frame[c_code].map(codes)
    active = any_signal & ~row_bad
    for i in frame.index[active & ~years.between(1000, 2999)].tolist():
        bad.setdefault((c_year, "year could not be read"), []).append((i, frame.at[i, c_year]))
    for i in frame.index[active & country.isna()].tolist():
        bad.setdefault((c_code, "unknown COW state number"), []).append((i, frame.at[i, c_code]))
    ok = active & years.between(1000, 2999) & country.notna()
    built = Built(_COLUMNS)
    for p, s, c in signals:
        v = values[c]
        sel = ok & (v.fillna(0) > 0) & (country != _MN_POWERS[p])
        if not sel.any():
            continue
        idx = frame.index[sel]
        yr = years[sel].astype(int)
        kind, what = _MN_SIGNALS[s]
        part = pd.DataFrame(
            {
                "event_id": frame.loc[idx, c_code] + "-" + yr.astype(str) + f"-{p}-{s}",
                "start_date": [dt.date(y, 1, 1) for y in yr.tolist()],
                "end_date": [
                    dt.date(y, 12, 31) if kind == "defence_agreement" else None for y in yr.tolist()
                ],
                "kind": kind,
                "name": [f"{_MN_POWER_NAMES[p]}: {what}, {y}" for y in yr.tolist()],
                "participants": [[_MN_POWERS[p], str(x)] for x in country[sel].tolist()],
                "weight": 1.0 if s == "pact" else v[sel].astype(float),
                "source": MN_SOURCE,
                "period_grain": "year",
            }
        )
        built.extend(part, [[i] for i in idx.tolist()])
    historical = {str(x) for x in country[ok].unique() if x and "(COW " in str(x)}
    notes += _historical_note(historical)
    if missing_values:
        notes.append(f"{missing_values} signal value(s) are missing (NA): no engagement, not read as zero.")
    notes.append(
        "Each country-year signal above 0 is one engagement with the major power, its weight the value "
        "(visits, exercises, troops: counts; arms: SIPRI TIV millions; pacts: 1)."
    )
    shown = sorted({f"{p}_{s}" for p, s, _ in signals})
    used = {
        "event_id": f"{c_code}, {c_year}, power and signal",
        "start_date": f"{c_year} (1 January; periods are years)",
        "end_date": "31 December of the year for pacts",
        "kind": "from the signal: vis, ex, arms, troops, pact",
        "name": "power, signal and year",
        "participants": f"the major power and {c_code} (COW)",
        "weight": ", ".join(shown),
        "source": f"(fixed: {MN_SOURCE})",
        "period_grain": "(fixed: year)",
    }
    return build(built, COLLABORATION, problems=_problems(bad), used=used, notes=notes)
