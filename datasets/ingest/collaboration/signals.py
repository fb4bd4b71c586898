"""McManus & Nieman (2019) signals importer, into the ``collaboration`` table.

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

import datetime as dt

import pandas as pd

from datasets.ingest.canonical import Converted
from datasets.ingest.collaboration.common import (
    _COLUMNS,
    MN_SOURCE,
    _Bad,
    _historical_note,
    _open,
    _problems,
    _start,
    cow_participant,
)
from datasets.ingest.convert import whole_id
from datasets.ingest.reshape import Built, build, lookup
from datasets.ingest.sniff import ParsedCsv
from datasets.schema import COLLABORATION

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
    # ccode 2.0 (a spreadsheet's export) is state 2: the same keys as the publisher's file
    key_code = frame[c_code].map(lambda v: whole_id(v) or v)
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
                "event_id": key_code.loc[idx] + "-" + yr.astype(str) + f"-{p}-{s}",
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
    out = build(built, COLLABORATION, problems=_problems(bad), used=used, notes=notes)
    spans = _country_spans(country, years)
    if spans:
        whole = (min(a for a, _ in spans.values()), max(b for _, b in spans.values()))
        for p in {p for p, _, _ in signals}:  # a power is the other side of every row: the whole file
            spans[_MN_POWERS[p]] = (min(spans.get(_MN_POWERS[p], whole)[0], whole[0]), whole[1])
        out.info["coverage"] = {
            "countries": sorted(spans),
            "first": whole[0],
            "last": whole[1],
            "spans": spans,
        }
    return out


def _country_spans(country: pd.Series, years: pd.Series) -> dict[str, tuple[str, str]]:
    """Each country's first and last year in the file (every row counts, zeros included), as ISO
    dates: ``{ISO3: ("YYYY-01-01", "YYYY-12-31")}``. The file holds a row for each country and year
    of the COW state system, so Bangladesh is covered from 1971, not from the file's first year."""
    known = country.notna() & years.between(1000, 2999)
    if not known.any():
        return {}
    bounds = years[known].astype(int).groupby(country[known].astype(str)).agg(["min", "max"])
    return {str(c): (f"{a:04d}-01-01", f"{b:04d}-12-31") for c, a, b in bounds.itertuples()}
