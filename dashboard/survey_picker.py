"""The Data page's item picker for survey microdata (one row per respondent).

Shows each question's wording and every answer code with its label and count (non-answers
marked), lets the user choose the items, the answers that count and the weight, and saves the
choice for the next round of the same survey (matched by wording, ``datasets.ingest.survey``).
The choice lives in ``st.session_state`` keyed on the file's SHA-256; ``choice(sha256)`` turns it
into the arguments of ``datasets.ingest.prepare``.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from datasets.ingest import ItemChoice, Upload
from datasets.ingest.survey import (
    Microdata,
    apply_survey_mapping,
    indicator_of,
    list_survey_mappings,
    save_survey_mapping,
)
from datasets.schema import PERCEPTION_INDICATORS

_ITEMS = "survey_items"
_ANSWERS = "survey_answers"
_INDICATOR = "survey_indicator"
_WEIGHT = "survey_weight"
_YEAR = "survey_year"
_SAVED = "survey_saved"
_NO_WEIGHT = "(no weight: each respondent counts once)"


def _key(kind: str, sha256: str, item: str = "") -> str:
    return f"{kind}_{sha256[:16]}_{item}"


def choice(sha256: str) -> tuple[list[ItemChoice], str | None, int | None]:
    """The items, weight and fieldwork year chosen for the file with this SHA-256."""
    items = []
    for var in st.session_state.get(_key(_ITEMS, sha256)) or []:
        answers = tuple(str(a) for a in st.session_state.get(_key(_ANSWERS, sha256, var)) or [])
        indicator = st.session_state.get(_key(_INDICATOR, sha256, var)) or None
        if answers:
            items.append(ItemChoice(var, answers, indicator))
    weight = st.session_state.get(_key(_WEIGHT, sha256))
    year = st.session_state.get(_key(_YEAR, sha256))
    return items, (None if weight in (None, _NO_WEIGHT) else str(weight)), (int(year) if year else None)


def _apply_saved(store_dir: Path, md: Microdata, sha256: str) -> None:
    saved = list_survey_mappings(store_dir)
    if not saved:
        return
    name = st.selectbox(
        "Use the choice saved for an earlier round of this survey (questions matched by wording)",
        ["(none)", *saved],
        key=_key(_SAVED, sha256),
    )
    if name == "(none)" or st.session_state.get(_key(_SAVED, sha256) + "_applied") == name:
        return
    choices, missing = apply_survey_mapping(md, saved[name])
    st.session_state[_key(_ITEMS, sha256)] = [c.item for c in choices]
    for c in choices:
        labels = md.labels.get(c.item, {})
        st.session_state[_key(_ANSWERS, sha256, c.item)] = [a for a in c.safe_answers if a in labels.values()]
        if c.indicator:
            st.session_state[_key(_INDICATOR, sha256, c.item)] = c.indicator
    weight = saved[name].get("weight")
    if weight and weight in md.frame.columns:
        st.session_state[_key(_WEIGHT, sha256)] = weight
    st.session_state[_key(_SAVED, sha256) + "_applied"] = name
    if missing:
        st.warning("Not in this file: " + "; ".join(missing))
    st.rerun()


def render(store_dir: Path, upload: Upload, sha: str) -> None:
    """The picker for a survey file (``sha``: the SHA-256 of its bytes): items, answers, weight, saving."""
    md = upload.microdata
    if not isinstance(md, Microdata):
        return
    st.caption(
        f"A survey file: {len(md.frame):,} respondents, {md.frame.shape[1]:,} variables. Choose the "
        "questions to use and which answers count; refused, don't know and missing answers are left out."
    )
    _apply_saved(store_dir, md, sha)
    listing = md.items()
    labelled = listing[listing["answers"] > 0]
    wording = dict(zip(labelled["item"], labelled["wording"], strict=True))
    chosen = st.multiselect(
        "Questions",
        options=list(wording),
        format_func=lambda v: f"{v} — {wording.get(v) or '(no wording)'}",
        key=_key(_ITEMS, sha),
    )
    weights = [c for c in md.frame.columns if "wt" in c.lower() or "weight" in c.lower()]
    st.selectbox("Weight", [*weights, _NO_WEIGHT], key=_key(_WEIGHT, sha))
    if upload.report.file_problems and any("interview date" in p for p in upload.report.file_problems):
        st.number_input("Fieldwork year", min_value=1950, max_value=2100, step=1, key=_key(_YEAR, sha))
    for var in chosen:
        st.markdown(f"**{var}**")
        st.text(wording.get(var) or var)
        st.dataframe(md.codes(var), hide_index=True)
        labels = md.labels.get(var, {})
        excluded = md.non_answers(var)
        st.multiselect(
            "Answers that count (the share giving one of them is stored)",
            options=[labels[c] for c in sorted(labels) if c not in excluded],
            key=_key(_ANSWERS, sha, var),
        )
        default = indicator_of(wording.get(var) or "")
        options = list(PERCEPTION_INDICATORS)
        st.selectbox(
            "What this share measures",
            options,
            index=options.index(default) if default in options else 0,
            key=_key(_INDICATOR, sha, var),
        )
    items, weight, _year = choice(sha)
    if items:
        name = st.text_input("Save this choice for the next round as", key=_key(_SAVED, sha) + "_name")
        if st.button("Save choice", key=_key(_SAVED, sha) + "_save", disabled=not name.strip()):
            save_survey_mapping(store_dir, name.strip(), md, items, weight)
            st.success(f"Saved '{name.strip()}': the next round's file finds these questions by wording.")
