"""Multinational Military Exercises (MME) importers, into the ``collaboration`` table.

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
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

from datasets.countries import HISTORICAL_STATES, iso3_from_gw, iso3_from_gw_year
from datasets.ingest.canonical import Converted
from datasets.ingest.collaboration.common import (
    _COLUMNS,
    _UNKNOWN,
    COLLABORATION_FORMATS,
    MME_SOURCE,
    _Bad,
    _int,
    _missing,
    _open,
    _participant,
    _problems,
    _start,
    _whole_groups,
    _year_ok,
)
from datasets.ingest.convert import ID_PROBLEM, whole_id
from datasets.ingest.reshape import Built, Cells, build, line_list, lookup
from datasets.ingest.sniff import ParsedCsv
from datasets.schema import COLLABORATION

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
        if whole_id(ex_id) is None:  # MMEID 12.0 is exercise 12; 12.5 is no id
            bad.setdefault((c_id, ID_PROBLEM), []).append((i, ex_id))
            continue
        ex_id = str(whole_id(ex_id))
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
    cache: dict[tuple[str, str, int | None], str | None] = {}
    c_year = col.get("year")
    outdated: dict[tuple[str, int | None, str], list[int]] = {}
    for i in rows:
        ex_id = f.at[i, c_id]
        if _missing(ex_id):
            bad.setdefault((c_id, "the exercise has no MMEID"), []).append((i, ex_id))
            continue
        if whole_id(ex_id) is None:  # MMEID 12.0 is exercise 12; 12.5 is no id
            bad.setdefault((c_id, ID_PROBLEM), []).append((i, ex_id))
            continue
        ex_id = str(whole_id(ex_id))
        gw, name = f.at[i, c_gw], f.at[i, c_country]
        groups.setdefault(ex_id, []).append(i)
        if _missing(gw) and _missing(name):
            no_participant.append(i)
            participants[i] = []
            continue
        year = _int(f.at[i, c_year]) if c_year else None
        key = (gw, name, year)
        if key not in cache:
            by_code = None if _missing(gw) else iso3_from_gw_year(gw, year)
            by_name = None if _missing(name) else _participant(name)
            cache[key] = by_code or by_name
            if by_code is None and not _missing(gw) and iso3_from_gw(gw) is not None and by_name:
                cache[key] = by_name  # the code's state did not exist that year: the name decides
        code = cache[key]
        stale = not _missing(gw) and iso3_from_gw_year(gw, year) is None and iso3_from_gw(gw) is not None
        if code is not None and stale:
            outdated.setdefault((gw, year, code), []).append(i)
        if code is None:
            column, value = (c_country, name) if not _missing(name) else (c_gw, gw)
            bad.setdefault((column, _UNKNOWN + " (neither by its gwcode nor by its name)"), []).append(
                (i, value)
            )
            participants[i] = []
        else:
            participants[i] = [code]
    for (gw, year, code), at in sorted(outdated.items(), key=lambda kv: kv[1][0]):
        state = HISTORICAL_STATES.get(iso3_from_gw(gw) or "", gw)
        notes.append(
            f"gwcode {gw} ({state}) did not exist in {year}: the country name was used instead, {code} "
            f"({line_list(parsed, at)})."
        )
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
