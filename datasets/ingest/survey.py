"""Survey microdata (one row per respondent) into the ``perception`` table.

Barometer surveys (Afrobarometer, Latinobarómetro, Arab Barometer, Asian Barometer,
Eurobarometer) publish respondent-level SPSS (``.sav``) and Stata (``.dta``) files, read here with
``pyreadstat``; a CSV of respondents is read too when the user names an item.

Reading an item
    ``Microdata.items()`` lists every variable with its question wording; ``Microdata.codes(var)``
    every code of one item with its answer label, its count and whether it is a non-answer.
    An item is chosen by variable name or by its wording (``resolve_item``: the question number
    before the wording, "Q10a.", is ignored, so a mapping saved for one round finds the same
    question in the next, where it is renumbered). The answers that count ("safe answers": codes
    or answer labels) are chosen by the user; labels are matched again in the next round.
Non-answers
    Codes declared missing in the file, and codes whose label says refused, don't know, missing,
    not asked or not applicable (in English, French, Spanish or Portuguese), are excluded from
    the share by default, whether or not the file declares them (Afrobarometer's 8, 9 and −1 are
    not declared). Negative codes without a label are excluded too. A non-answer cannot be an
    answer that counts: choosing one (``--safe-answers 9`` for "Don't know") is refused, naming the
    answer codes to choose from, since the share would be 0 % by construction.
Estimate, per country and wave
    p = Σ wᵢ·yᵢ / Σ wᵢ over respondents with an answer (yᵢ = 1 when the answer counts), weights w
    from the weight variable (1 each without one). Standard error: with strata and/or clusters named
    in the file (``strata``, ``psu``/``cluster``), the linearised (Taylor) variance of the ratio,
    Σₕ nₕ/(nₕ−1) Σᵢ (tₕᵢ − t̄ₕ)², tₕᵢ = Σⱼ∈ᵢ wⱼ(yⱼ − p)/Σw over the clusters i of stratum h;
    otherwise √(p(1−p)/n_eff) with Kish's effective sample size n_eff = (Σw)²/Σw². 95 % interval
    p ± 1.96·SE, clipped to [0, 1]. ``sample_size`` = respondents with an answer (unweighted).
Country and wave
    The country from a country variable (``country``, ``COUNTRY``, ``cntry``, ``idenpa``, … through its
    answer labels, by exact name), else the country the user gives, else the file name (noted). The
    wave is dated at the middle of the fieldwork (the interview-date variable's first and last
    date); without one, the user gives the year.
Stored rows
    ``survey`` = "<survey> — <question wording without its number>", ``indicator`` from the
    wording (army, military, armed forces -> ``trust_military``; safe, unsafe, fear, crime ->
    ``feel_safe``; alliance -> ``confidence_alliances``) unless the user names it, ``value`` = p,
    ``sample_size``, ``std_error``, ``ci_low``, ``ci_high``, ``breakdown`` empty (the national
    value).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePath

import numpy as np
import pandas as pd
import pyarrow as pa

from datasets.countries import to_iso3
from datasets.ingest.canonical import Converted
from datasets.ingest.mapping import is_remote
from datasets.ingest.sniff import Bytes, UnreadableFile
from datasets.schema import PERCEPTION

__all__ = [
    "ItemChoice",
    "Microdata",
    "apply_survey_mapping",
    "import_survey",
    "list_survey_mappings",
    "save_survey_mapping",
    "is_microdata",
    "read_microdata",
    "resolve_item",
    "weighted_share",
]

_NON_ANSWER = re.compile(
    r"\b(refus|don.?t know|do not know|dk\b|missing|not asked|not applicable|n/?a\b|no answer|"
    r"ne sait pas|nsp\b|refus[ée]|sans r[ée]ponse|no sabe|no contesta|no responde|n[ãa]o sabe|recusou)",
    re.I,
)
_COUNTRY_VARS = ("country", "cntry", "isocntry", "idenpa", "b_country", "country_name", "s003", "pais")
_DATE_HINT = re.compile(r"date of interview|interview date|date d.entretien|fecha de (la )?entrevista", re.I)
_STRATA_VARS = ("strata", "stratum", "strat")
_CLUSTER_VARS = ("psu", "cluster", "ea", "ea_number", "clusterid")
_SURVEYS = {
    "afrobarometer": "Afrobarometer",
    "latinobarometro": "Latinobarómetro",
    "latinobarómetro": "Latinobarómetro",
    "arabbarometer": "Arab Barometer",
    "arab_barometer": "Arab Barometer",
    "asianbarometer": "Asian Barometer",
    "asian_barometer": "Asian Barometer",
    "eurobarometer": "Eurobarometer",
}


@dataclass(frozen=True)
class ItemChoice:
    """An item to import: variable name or wording, the answers that count, and (optionally) what
    the share measures (``feel_safe``, ``trust_military``, …; read from the wording otherwise)."""

    item: str
    safe_answers: tuple[str, ...]
    indicator: str | None = None


@dataclass
class Microdata:
    """A respondent file: codes per variable, question wording, answer labels, declared missing."""

    frame: pd.DataFrame
    wording: dict[str, str]
    labels: dict[str, dict[float, str]]
    declared_missing: dict[str, set[float]] = field(default_factory=dict)
    kind: str = "SPSS"

    def items(self) -> pd.DataFrame:
        """Every variable with its wording and how many labelled answers it has (the picker's list)."""
        return pd.DataFrame(
            {
                "item": list(self.frame.columns),
                "wording": [self.wording.get(c, "") for c in self.frame.columns],
                "answers": [len(self.labels.get(c, {})) for c in self.frame.columns],
            }
        )

    def codes(self, var: str, weight: str | None = None) -> pd.DataFrame:
        """Every code of ``var``: code, answer label, respondents, weighted count, non-answer or not."""
        col = pd.to_numeric(self.frame[var], errors="coerce")
        w = self._weights(weight)
        labels = self.labels.get(var, {})
        seen = sorted(set(col.dropna().tolist()) | set(labels))
        excluded = self.non_answers(var)
        return pd.DataFrame(
            {
                "code": seen,
                "label": [labels.get(c, "") for c in seen],
                "respondents": [int((col == c).sum()) for c in seen],
                "weighted": [float(w[(col == c).to_numpy()].sum()) for c in seen],
                "non_answer": [c in excluded for c in seen],
            }
        )

    def non_answers(self, var: str) -> set[float]:
        """Codes excluded by default: declared missing, labelled as a non-answer, or negative unlabelled."""
        labels = self.labels.get(var, {})
        out = set(self.declared_missing.get(var, set()))
        out |= {c for c, label in labels.items() if _NON_ANSWER.search(label)}
        values = pd.to_numeric(self.frame[var], errors="coerce").dropna().unique().tolist()
        out |= {float(v) for v in values if v < 0 and v not in labels}
        return out

    def _weights(self, weight: str | None) -> np.ndarray:
        if weight is None:
            return np.ones(len(self.frame))
        return pd.to_numeric(self.frame[weight], errors="coerce").to_numpy(dtype=float)

    def find(self, names: Sequence[str]) -> str | None:
        """The first variable whose name (any case) is one of ``names``."""
        lower = {c.lower(): c for c in self.frame.columns}
        return next((lower[n] for n in names if n in lower), None)


def is_microdata(head: bytes) -> bool:
    """True for an SPSS system file or a Stata data file."""
    if head.startswith((b"$FL2", b"$FL3")):
        return True
    if head.startswith(b"<stata_dta>"):
        return True
    # Stata 8–12 (formats 113–115): version byte, byte order 1 or 2, file type 1
    return len(head) > 3 and head[0] in (113, 114, 115) and head[1] in (1, 2) and head[2] == 1


def read_microdata(data: Bytes, file_name: str) -> Microdata:
    """Read an SPSS or Stata file; raise ``UnreadableFile`` with one sentence when it cannot be."""
    import pyreadstat

    head = bytes(data[:16])
    spss = head.startswith((b"$FL2", b"$FL3"))
    suffix = ".sav" if spss else ".dta"
    fd, path = tempfile.mkstemp(suffix=suffix)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(bytes(data))
        reader = pyreadstat.read_sav if spss else pyreadstat.read_dta
        frame, meta = reader(path, user_missing=True)
    except Exception as exc:  # a damaged file
        kind = "SPSS" if spss else "Stata"
        raise UnreadableFile(
            f"This {kind} file cannot be read ({exc}); export it again from {kind}."
        ) from exc
    finally:
        os.unlink(path)
    labels = {
        var: {float(k): str(v) for k, v in meta.variable_value_labels.get(var, {}).items() if _is_num(k)}
        for var in frame.columns
    }
    declared: dict[str, set[float]] = {}
    for var, values in (getattr(meta, "missing_user_values", None) or {}).items():
        declared[var] = {float(v) for v in values if _is_num(v)}
    for var, ranges in (getattr(meta, "missing_ranges", None) or {}).items():
        col = pd.to_numeric(frame[var], errors="coerce")
        for r in ranges:
            lo, hi = r.get("lo"), r.get("hi")
            if _is_num(lo) and _is_num(hi):
                hit = col[(col >= float(lo)) & (col <= float(hi))].unique().tolist()
                declared.setdefault(var, set()).update(float(v) for v in hit)
                declared[var].update(float(v) for v in (lo, hi))
    wording = dict(zip(meta.column_names, [lab or "" for lab in meta.column_labels], strict=True))
    return Microdata(frame, wording, labels, declared, "SPSS" if spss else "Stata")


def _is_num(v: object) -> bool:
    try:
        float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return True


_QNUM = re.compile(r"^(q(uestion)?\s*\d+[a-z]?(\.\d+)?[.:)]?\s*)", re.I)


def _normalise_wording(text: str) -> str:
    """Wording without its question number ("Q10a. ", "Q8A:"), spaces and case."""
    return _QNUM.sub("", " ".join(str(text).split())).casefold()


def resolve_item(md: Microdata, item: str) -> str:
    """The variable an item names: its variable name (any case) or its question wording.

    Raises ``ValueError`` with one sentence when nothing matches or the wording is ambiguous.
    """
    lower = {c.lower(): c for c in md.frame.columns}
    if item.lower() in lower:
        return lower[item.lower()]
    want = _normalise_wording(item)
    hits = [c for c, w in md.wording.items() if w and _normalise_wording(w) == want]
    if len(hits) == 1:
        return hits[0]
    if len(hits) > 1:
        raise ValueError(f"the wording '{item}' matches several items ({', '.join(hits)}): name one")
    raise ValueError(f"this file has no item named or worded '{item}'")


def _answer_codes(md: Microdata, var: str, answers: Sequence[str]) -> tuple[set[float], list[str]]:
    """Codes of the answers given as codes or labels (case-insensitive), and those not found."""
    labels = md.labels.get(var, {})
    by_label = {" ".join(v.split()).casefold(): k for k, v in labels.items()}
    codes, unknown = set(), []
    present = set(pd.to_numeric(md.frame[var], errors="coerce").dropna().unique().tolist())
    for a in answers:
        key = " ".join(str(a).split()).casefold()
        if key in by_label:
            codes.add(by_label[key])
        elif _is_num(a) and (float(a) in labels or float(a) in present):
            codes.add(float(a))
        else:
            unknown.append(str(a))
    return codes, unknown


def indicator_of(wording: str) -> str | None:
    """What a share of an item measures, from its wording, or None."""
    s = wording.casefold()
    if re.search(
        r"\barmy\b|\bmilitary\b|armed forces|\bdefen[cs]e forces?\b|\barm[ée]e\b|fuerzas armadas", s
    ):
        return "trust_military"
    if re.search(r"allian|\bnato\b|\botan\b", s):
        return "confidence_alliances"
    if re.search(r"\bunsafe\b|\bsafe\b|\bfear|\bcrime\b|ins[ée]curit|insegur|\bsecure\b", s):
        return "feel_safe"
    return None


def weighted_share(
    y: np.ndarray,
    w: np.ndarray,
    strata: np.ndarray | None = None,
    clusters: np.ndarray | None = None,
) -> tuple[float, float, int, float]:
    """Weighted share, its standard error, respondents and Kish effective sample size.

    p = Σwy/Σw; n_eff = (Σw)²/Σw². SE: with strata or clusters, the linearised variance
    Σₕ nₕ/(nₕ−1) Σᵢ (tₕᵢ − t̄ₕ)² with tₕᵢ = Σⱼ∈ᵢ wⱼ(yⱼ − p)/Σw (strata with one cluster add
    nothing); otherwise √(p(1−p)/n_eff). Unit: share (0–1).
    """
    y = np.asarray(y, dtype=float)
    w = np.asarray(w, dtype=float)
    total = float(w.sum())
    p = float((w * y).sum() / total)
    n_eff = total**2 / float((w**2).sum())
    if strata is None and clusters is None:
        return p, math.sqrt(max(p * (1 - p), 0.0) / n_eff), len(y), n_eff
    z = w * (y - p) / total
    st = np.zeros(len(y), dtype=object) if strata is None else np.asarray(strata, dtype=object)
    cl = np.arange(len(y)).astype(object) if clusters is None else np.asarray(clusters, dtype=object)
    frame = pd.DataFrame({"h": st.astype(str), "i": cl.astype(str), "z": z})
    t = frame.groupby(["h", "i"], sort=False)["z"].sum().reset_index()
    var = 0.0
    for _h, g in t.groupby("h", sort=False):
        n_h = len(g)
        if n_h > 1:
            var += n_h / (n_h - 1) * float(((g["z"] - g["z"].mean()) ** 2).sum())
    return p, math.sqrt(var), len(y), n_eff


def survey_name(file_name: str) -> str:
    """ "Afrobarometer R7" from a file name such as ``afrobarometer_tunisia_r7_2018.sav``."""
    stem = PurePath(file_name).stem.lower()
    name = next((v for k, v in _SURVEYS.items() if k in stem.replace(" ", "")), None)
    rnd = re.search(r"(?:^|[^a-z])r(?:ound)?[_ ]?(\d{1,2})(?:[^0-9]|$)", stem)
    base = name or PurePath(file_name).stem
    return f"{base} R{rnd.group(1)}" if (name and rnd) else base


def _country(
    md: Microdata, file_name: str, given: str | None, notes: list[str]
) -> tuple[pd.Series | None, str]:
    """ISO3 per respondent, and how it was found (or None when it cannot be)."""
    n = len(md.frame)
    if given:
        code = to_iso3(given.strip())
        if code is None:
            raise ValueError(f"'{given}' is not a country name or code this tool knows")
        return pd.Series([code] * n, index=md.frame.index), "given"
    var = md.find(_COUNTRY_VARS)
    if var is not None:
        labels = md.labels.get(var, {})
        raw = md.frame[var]
        named = raw.map(lambda v: labels.get(float(v), str(v)) if _is_num(v) else str(v))
        iso = named.map(lambda s: to_iso3(str(s).strip()))
        if iso.notna().any():
            return iso, var
    from datasets.ingest.perception.common import _country_from_name

    code = _country_from_name(file_name)
    if code is not None:
        notes.append(
            f"The file has no country variable; {code} was read from the file name '{file_name}'. "
            "If that is wrong, give the country (in the preview, or --country)."
        )
        return pd.Series([code] * n, index=md.frame.index), "file name"
    return None, ""


def _fieldwork(md: Microdata) -> pd.Series | None:
    """Interview date per respondent, from the variable labelled as the date of interview."""
    var = next((c for c, w in md.wording.items() if w and _DATE_HINT.search(w)), None)
    var = var or md.find(("dateintr", "date_of_interview", "intdate", "fecha"))
    if var is None:
        return None
    dates = pd.to_datetime(md.frame[var], errors="coerce")
    return dates if dates.notna().any() else None


def _year_of(md: Microdata, sel: np.ndarray) -> int | None:
    """The fieldwork year from a year variable (``year``, ``yr``, ``numinves``, ``anio``) when it is one
    year for the selected respondents."""
    var = md.find(("year", "yr", "numinves", "anio", "wave_year"))
    if var is None:
        return None
    years = pd.to_numeric(md.frame[var], errors="coerce").to_numpy()[sel]
    years = years[~np.isnan(years)]
    distinct = np.unique(years)
    return int(distinct[0]) if len(distinct) == 1 and 1900 < distinct[0] < 2100 else None


def import_survey(
    md: Microdata,
    choices: Sequence[ItemChoice],
    *,
    file_name: str,
    weight: str | None = None,
    country: str | None = None,
    year: int | None = None,
    include_non_answers: bool = False,
) -> Converted:
    """One perception row per item, country and wave (see the module docstring)."""
    notes: list[str] = []
    info: dict[str, object] = {"microdata": True}
    empty = PERCEPTION.arrow_schema.empty_table()
    if not choices:
        info["ask_items"] = True
        return Converted(
            empty,
            info=info,
            file_problems=[
                "This is a survey file with one row per respondent: choose the items to use and the "
                "answers that count (in the preview, or --item and --safe-answers)."
            ],
        )
    try:
        iso, how = _country(md, file_name, country, notes)
    except ValueError as exc:
        return Converted(empty, info=info, file_problems=[f"{exc}."])
    if iso is None:
        info["ask_country"] = True
        return Converted(
            empty,
            info=info,
            file_problems=[
                "This survey file does not say which country it covers (no country variable, none in "
                "its file name): give the country in the preview, or with --country."
            ],
        )
    if weight is not None:
        try:
            weight = resolve_item(md, weight)
        except ValueError as exc:
            return Converted(empty, info=info, file_problems=[f"Weight: {exc}."])
    else:
        weight = md.find(
            ("withinwt", "withinwt_hh", "withinwt_ea", "wt", "weight", "wgt", "pondera", "w1", "pspwght")
        )
        if weight is not None:
            notes.append(f"Weighted by '{weight}' ({md.wording.get(weight) or 'the weight variable'}).")
        else:
            notes.append("No weight variable found or given: every respondent counts once.")
    w_all = md._weights(weight)
    dates = _fieldwork(md)
    strata_var = md.find(_STRATA_VARS)
    cluster_var = md.find(_CLUSTER_VARS)
    if strata_var or cluster_var:
        notes.append(
            "Standard errors from the design: "
            + ", ".join(
                x
                for x in (
                    f"strata '{strata_var}'" if strata_var else "",
                    f"clusters '{cluster_var}'" if cluster_var else "",
                )
                if x
            )
            + "."
        )
    else:
        notes.append(
            "Standard errors from Kish's effective sample size (the file names no strata or clusters)."
        )
    survey = survey_name(file_name)
    rows: list[dict[str, object]] = []
    problems: list[str] = []
    items_info = []
    for choice in choices:
        try:
            var = resolve_item(md, choice.item)
        except ValueError as exc:
            problems.append(f"{exc}.")
            continue
        wording = " ".join((md.wording.get(var) or var).split())
        question = _QNUM.sub("", wording) or wording  # the wording without "Q10a. ": stable across rounds
        indicator = choice.indicator or indicator_of(wording)
        if indicator is None:
            problems.append(
                f"'{wording}' ({var}): say what its share measures (feel_safe, trust_military or "
                f"confidence_alliances), e.g. --item '{var}=trust_military'."
            )
            continue
        counted, unknown = _answer_codes(md, var, choice.safe_answers)
        excluded = set() if include_non_answers else md.non_answers(var)
        if unknown or not counted:
            problems.append(
                f"{var}: the answers {', '.join(unknown) or '(none given)'} are not codes or labels of this "
                "item; choose among "
                + ", ".join(f"{c:g} {lab}" for c, lab in md.labels.get(var, {}).items())
                + "."
            )
            continue
        if counted & excluded:
            # a non-answer is left out of the share, so counting it would store 0 % (or less than the
            # answers given): no share is made from such a choice
            labels = md.labels.get(var, {})
            wrong = " and ".join(f"{c:g} ({labels.get(c) or 'no label'})" for c in sorted(counted & excluded))
            present = pd.to_numeric(md.frame[var], errors="coerce").dropna().unique().tolist()
            valid = [c for c in sorted(set(labels) | {float(v) for v in present}) if c not in excluded]
            several = len(counted & excluded) > 1
            problems.append(
                f"{var}: {'codes' if several else 'code'} {wrong} "
                + ("are treated as non-answers" if several else "is treated as a non-answer")
                + " (left out of the share), so "
                + ("they cannot be counted answers" if several else "it cannot be the counted answer")
                + "; choose among the answer codes "
                + ", ".join(f"{c:g} {labels.get(c, '(no label)')}" for c in valid)
                + "."
            )
            continue
        codes = pd.to_numeric(md.frame[var], errors="coerce").to_numpy(dtype=float)
        answered = ~np.isnan(codes) & ~np.isin(codes, list(excluded)) & ~np.isnan(w_all)
        items_info.append({"item": var, "wording": wording, "indicator": indicator})
        labels = md.labels.get(var, {})
        if excluded:
            shown = ", ".join(
                f"{c:g} {labels.get(c, '(no label)')} ({int((codes == c).sum())})" for c in sorted(excluded)
            )
            notes.append(f"{var}: non-answers excluded from the share: {shown}.")
        y = np.isin(codes, list(counted)).astype(float)
        keys = pd.DataFrame({"iso3": iso.to_numpy()})
        for code in sorted(keys["iso3"].dropna().unique()):
            sel = answered & (keys["iso3"] == code).to_numpy()
            if not sel.any():
                continue
            strata = md.frame[strata_var].to_numpy()[sel] if strata_var else None
            clusters = md.frame[cluster_var].to_numpy()[sel] if cluster_var else None
            p, se, n, n_eff = weighted_share(y[sel], w_all[sel], strata, clusters)
            if dates is not None and dates[sel].notna().any():
                d0, d1 = dates[sel].min(), dates[sel].max()
                wave = (d0 + (d1 - d0) / 2).date()
                grain = None
            elif year is not None:
                wave, grain = dt.date(year, 7, 1), "year"
            elif (y := _year_of(md, sel)) is not None:
                wave, grain = dt.date(y, 7, 1), "year"
            else:
                problems.append(
                    "This survey file has no interview date: give the fieldwork year in the preview "
                    "(or --year)."
                )
                break
            rows.append(
                {
                    "survey": f"{survey} — {question}",
                    "wave_date": wave,
                    "iso3": code,
                    "indicator": indicator,
                    "value": round(p, 12),
                    "sample_size": int(n),
                    "source": survey,
                    "scale": "share",
                    "std_error": se,
                    "ci_low": max(0.0, p - 1.96 * se),
                    "ci_high": min(1.0, p + 1.96 * se),
                    "breakdown": None,
                    "period_grain": grain,
                }
            )
            notes.append(
                f"{code}, {wording}: {p:.1%} answer "
                + " or ".join(labels.get(c, f"{c:g}") for c in sorted(counted))
                + f" ({n} respondents with an answer, effective sample size {n_eff:.0f}, standard error "
                f"{se:.3f})."
            )
    info["items"] = items_info
    info["country_from"] = how
    info["weight"] = weight
    info["attribution"] = survey
    if problems:
        return Converted(empty, notes=notes, info=info, file_problems=problems)
    table = pa.Table.from_pylist(rows, schema=PERCEPTION.arrow_schema) if rows else empty
    used = {
        "survey": "(survey and question wording)",
        "wave_date": "interview dates (middle of the fieldwork)" if dates is not None else "(the year given)",
        "iso3": f"{how}",
        "value": f"weighted share ({weight or 'unweighted'})",
    }
    return Converted(table, used=used, notes=notes, info=info)


# ---- saved choices, for the next round of the same survey -----------------------------------------


def save_survey_mapping(
    root: str | os.PathLike[str],
    name: str,
    md: Microdata,
    choices: Sequence[ItemChoice],
    weight: str | None = None,
) -> Path | str:
    """Save ``choices`` under ``<root>/survey_mappings/<name>.json`` (on object storage: in the
    store's ``documents`` table) by question wording and answer label.

    The next round renumbers questions and may recode answers; the wording (without its number)
    and the answer labels find them again (``apply_survey_mapping``).
    """
    items = []
    for c in choices:
        var = resolve_item(md, c.item)
        labels = md.labels.get(var, {})
        counted, _unknown = _answer_codes(md, var, c.safe_answers)
        items.append(
            {
                "wording": _QNUM.sub("", " ".join((md.wording.get(var) or var).split())),
                "answers": [labels.get(k, f"{k:g}") for k in sorted(counted)],
                "indicator": c.indicator or indicator_of(md.wording.get(var) or ""),
            }
        )
    text = json.dumps({"name": name, "items": items, "weight": weight}, indent=2, ensure_ascii=False)
    safe_name = re.sub(r"[^A-Za-z0-9_. -]+", "_", name).strip() or "survey"
    if is_remote(root):  # object storage: the store's documents table
        from datasets.store import Store

        return Store(root).save_document("survey_mappings", safe_name, text)  # type: ignore[attr-defined]
    folder = Path(root) / "survey_mappings"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{safe_name}.json"
    path.write_text(text)
    return path


def list_survey_mappings(root: str | os.PathLike[str]) -> dict[str, dict[str, object]]:
    """Saved survey mappings in ``<root>/survey_mappings`` by name (unreadable files skipped)."""
    out: dict[str, dict[str, object]] = {}
    if is_remote(root):  # object storage: the store's documents table
        from datasets.store import Store

        texts = Store(root).documents("survey_mappings")  # type: ignore[attr-defined]
    else:
        folder = Path(root) / "survey_mappings"
        texts = {}
        for p in sorted(folder.glob("*.json")) if folder.is_dir() else []:
            try:
                texts[p.stem] = p.read_text(encoding="utf-8")
            except OSError:
                continue
    for stem, text in texts.items():
        try:
            saved = json.loads(text)
        except ValueError:
            continue
        if isinstance(saved, dict) and isinstance(saved.get("items"), list):
            out[str(saved.get("name", stem))] = saved
    return out


def apply_survey_mapping(md: Microdata, saved: dict[str, object]) -> tuple[list[ItemChoice], list[str]]:
    """The saved choices found in ``md`` by wording, and the wordings this file lacks."""
    choices, missing = [], []
    for item in saved.get("items", []):  # type: ignore[union-attr]
        try:
            var = resolve_item(md, str(item["wording"]))
        except ValueError:
            missing.append(str(item["wording"]))
            continue
        choices.append(ItemChoice(var, tuple(str(a) for a in item["answers"]), item.get("indicator")))
    return choices, missing
