"""ATOP (Alliance Treaty Obligations and Provisions) importers, into the ``collaboration`` table.

ATOP kinds
    An alliance's ``kind`` comes from its obligation codes, the strongest coded 1 in this order:
    ``defense`` → ``defence_pact``, ``offense`` → ``offence_pact``, ``neutral`` →
    ``neutrality_pact``, ``nonagg`` → ``non_aggression_pact``, ``consul`` → ``consultation_pact``
    (all of them are listed in ``name``). A file without the obligation columns gives the generic
    ``defence_agreement`` and says so; an alliance with none of them coded 1 is refused.
ATOP, alliance level (``atop``)
    One agreement per ``atopid``: participants ``mem1`` … ``memN`` (COW codes; a
    state of the COW system with no ISO code, such as 245 Bavaria, keeps its name as a label),
    in force from ``begyr/begmo/begday`` to ``endyr/endmo/endday`` (end 0 or empty: still in
    force). ``name`` = "ATOP <id>: <obligations>", the obligations among defence, offence,
    neutrality, non-aggression and consultation coded 1.
ATOP, member level (``atop_member``)
    One row per alliance, member and phase, with entry (``yrent/moent/dayent``) and exit
    (``yrexit/moexit/dayexit``, 0 = still a member). An alliance becomes one
    agreement per stretch of months with the same members: ``event_id`` =
    ``<atopid>`` when its membership never changes, else ``<atopid>/<YYYY-MM>`` of each stretch's
    first month; a change of membership takes effect from the month it happens, so the stretches
    never overlap. Obligations: those of the members in the stretch. Load either ATOP file, not
    both: each describes the same alliances. A row with a problem refuses its whole alliance.
ATOP dates
    Day 0 or empty: the first day of the month (entry) or its last day (exit); month 0 or empty:
    January (entry) or December (exit).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

from datasets.countries import iso3_from_cow
from datasets.ingest.canonical import Converted
from datasets.ingest.collaboration.common import (
    _COLUMNS,
    ATOP_ATTRIBUTION,
    _Bad,
    _historical_note,
    _int,
    _open,
    _problems,
    _start,
    _whole_groups,
    _year_ok,
    cow_participant,
)
from datasets.ingest.convert import ID_PROBLEM, whole_id
from datasets.ingest.reshape import Built, Cells, build, lookup
from datasets.ingest.sniff import ParsedCsv
from datasets.schema import COLLABORATION

_OBLIGATIONS = {
    "defense": "defence",
    "offense": "offence",
    "neutral": "neutrality",
    "nonagg": "non-aggression",
    "consul": "consultation",
}


# ---- ATOP ----------------------------------------------------------------------------------------


def _atopid(text: str) -> str | None:
    """An alliance's id as ATOP writes it: ``1005.0`` (a spreadsheet's export) is ``1005``, so the
    keys match those of the publisher's file; "" when empty, None for a fraction (refused)."""
    return whole_id(text) if text else ""


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
        if c and any(_int(f.at[i, c]) == 1 for i in rows):  # "1" or "1.0" (a spreadsheet's export)
            out.append(label)
    return out


#: Obligation label → collaboration kind, strongest first.
ATOP_KINDS: dict[str, str] = {
    "defence": "defence_pact",
    "offence": "offence_pact",
    "neutrality": "neutrality_pact",
    "non-aggression": "non_aggression_pact",
    "consultation": "consultation_pact",
}
_NO_OBLIGATION = "no obligation (defense, offense, neutral, nonagg, consul) is coded 1"
_GENERIC_NOTE = (
    "The file has no obligation columns (defense, offense, neutral, nonagg, consul): alliances are "
    "stored with the generic kind defence_agreement."
)


def atop_kind(obligations: list[str], has_columns: bool) -> str | None:
    """The kind of an alliance from its obligations (see the module docstring); None when none."""
    if not has_columns:
        return "defence_agreement"
    for label, kind in ATOP_KINDS.items():
        if label in obligations:
            return kind
    return None


def _atop_name(atopid: str, obligations: list[str]) -> str:
    return f"ATOP {atopid}: {', '.join(obligations)}" if obligations else f"ATOP {atopid}"


def _atop_source(f: Cells, col: dict[str, str]) -> str:
    c = col.get("version")
    versions = {v for v in f[c].tolist() if v} if c else set()
    return f"ATOP v{versions.pop()}" if len(versions) == 1 else "ATOP"


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
    has_obligations = any(key in col for key in _OBLIGATIONS)
    if not has_obligations:
        notes.append(_GENERIC_NOTE)

    def get(i: int, name: str) -> str:
        return f.at[i, col[name]] if name in col else ""

    for i in rows:
        atopid = _atopid(get(i, "atopid"))
        if not atopid:
            problem = "the alliance has no atopid" if atopid == "" else ID_PROBLEM
            bad.setdefault((col["atopid"], problem), []).append((i, get(i, "atopid")))
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
            if not v or _int(v) == 0:  # an empty slot: "0" or "0.0"
                continue
            code = cow_participant(v)
            if code is None:
                bad.setdefault((c, "unknown COW state number"), []).append((i, v))
                row_bad = True
            else:
                members.append(code)
                if iso3_from_cow(v) is None:
                    historical.add(code)
        obligations = _obligations(f, col, [i])
        kind = atop_kind(obligations, has_obligations)
        if kind is None:
            bad.setdefault((col.get("defense", "defense"), _NO_OBLIGATION), []).append((i, atopid))
            row_bad = True
        if row_bad or kind is None:
            continue
        built.add(
            {
                "event_id": atopid,
                "start_date": start,
                "end_date": end,
                "kind": kind,
                "name": _atop_name(atopid, obligations),
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
        "kind": "the strongest obligation coded 1 (defense, offense, neutral, nonagg, consul)",
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
        atopid = _atopid(get(i, "atopid"))
        if not atopid:
            problem = "the row has no atopid" if atopid == "" else ID_PROBLEM
            bad.setdefault((col["atopid"], problem), []).append((i, get(i, "atopid")))
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
    has_obligations = any(key in col for key in _OBLIGATIONS)
    if not has_obligations:
        notes.append(_GENERIC_NOTE)
    for atopid, group_rows in groups.items():
        if atop_kind(_obligations(f, col, group_rows), has_obligations) is None:
            where = (col.get("defense", "defense"), _NO_OBLIGATION)
            bad.setdefault(where, []).append((group_rows[0], atopid))
    refused = _whole_groups(bad, groups, col["atopid"], "alliance")
    built = Built(_COLUMNS)
    changed = 0
    for atopid, group_rows in groups.items():
        sp = spells.get(atopid, [])
        if atopid in refused or not sp:
            continue
        kind = atop_kind(_obligations(f, col, group_rows), has_obligations) or "defence_agreement"
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
                    "kind": kind,
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
        "kind": "the strongest obligation coded 1 by any member row of the alliance",
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
