"""SIPRI Arms Transfers Database importers, into the ``collaboration`` table.

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
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re

import numpy as np
import pandas as pd

from datasets.countries import KNOWN_ISO3
from datasets.coverage import GLOBAL_MIN_COUNTRIES
from datasets.ingest.canonical import Converted
from datasets.ingest.collaboration.common import (
    _COLUMNS,
    _UNKNOWN,
    SIPRI_SOURCE,
    _Bad,
    _float,
    _int,
    _open,
    _participant,
    _problems,
    _start,
    _year_ok,
)
from datasets.ingest.convert import ID_PROBLEM, whole_id
from datasets.ingest.reshape import Built, Cells, build, line_list, lookup
from datasets.ingest.sniff import ParsedCsv
from datasets.schema import COLLABORATION

# ---- SIPRI ---------------------------------------------------------------------------------------


def _sipri_name(designation: str, description: str) -> str | None:
    if designation and description:
        return f"{designation} ({description})"
    return designation or description or None


def _recipient_scope(
    f: Cells, columns: tuple[str, str], codes: dict[str, str | None], out: Converted
) -> Converted:
    """Which recipients' imports the register covers in full (``out.info["coverage"]``, the
    ``datasets.ingest`` coverage contract), from the suppliers and recipients its rows name:

    - one recipient: a register filtered to that recipient ("from All countries to Ukraine"): it
      covers that recipient only, and no country's exports;
    - at least ``GLOBAL_MIN_COUNTRIES`` recipients and several suppliers: the whole register: every
      country (a country no row names received no major arms in the years exported);
    - several suppliers and fewer recipients: a register filtered to those recipients;
    - one supplier and several recipients: a register filtered to that supplier covers no
      recipient's imports in full: no coverage is stated (the data's countries are used).
    The TIV indicators use this coverage (``metrics.collaboration``): imports and intra-regional
    transfers of the covered members; exports only where every other country is covered.
    """
    c_sup, c_rec = columns

    def named(column: str) -> set[str]:
        found = {codes.get(str(v)) for v in pd.unique(f[column].to_numpy()) if str(v).strip()}
        return {c for c in found if c in KNOWN_ISO3}  # states; rebels and "unknown" cover nothing

    recipients, suppliers = named(c_rec), named(c_sup)
    if len(recipients) == 1 or (len(suppliers) > 1 and len(recipients) < GLOBAL_MIN_COUNTRIES):
        out.info["coverage"] = {"countries": sorted(recipients), "first": None, "last": None}
    elif len(suppliers) > 1:
        out.info["coverage"] = {"countries": "all", "first": None, "last": None}
    return out


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
        elif whole_id(deal) is None:  # ID 12345.0 is deal 12345; 12345.5 is no id
            bad.setdefault((c_id, ID_PROBLEM), []).append((i, deal))
            row_bad = True
        else:
            deal = str(whole_id(deal))
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
    out = build(built, COLLABORATION, problems=_problems(bad), used=used, notes=notes)
    return _recipient_scope(f, (c_sup, c_rec), codes, out)


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
    rows, notes = _start(parsed, f, repeats_are_rows=True)  # identical orders are orders (``-k``)
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
    out = build(built, COLLABORATION, problems=_problems(bad), used=used, notes=notes)
    return _recipient_scope(f, (c_sup, c_rec), codes, out)
