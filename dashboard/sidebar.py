"""Sidebar filters, kept in step with the ``Selection`` and the URL query string.

The ``Selection`` in ``st.session_state["selection"]`` is the one source of truth. On a session's
first run it is read from the URL (``from_query``); afterwards every widget's ``on_change``
callback rebuilds it from the widgets, and every run writes it back to the widgets and to the URL
(``to_query``), so a copied link reopens the same view and a page switch keeps the filters.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import streamlit as st

from datasets.countries import country_name
from reports.selection import (
    FAMILIES,
    MAX_COMPARE,
    MAX_COMPARISON,
    MAX_LABEL,
    MAX_MIN_FATALITIES,
    MAX_WEIGHT,
    MAX_WINDOW,
    Choices,
    Proposal,
    Selection,
    clean_label,
    from_query,
    to_query,
)

STATE = "selection"
K_GROUPING = "f_grouping"
K_REGION = "f_region"
K_COUNTRIES = "f_countries"
K_MONTHS = "f_months"
K_TYPES = "f_types"
K_MIN_FATALITIES = "f_min_fatalities"
K_WEIGHT = "f_weight_"
K_COMPARE = "f_compare"
FAMILY_LABELS = {"conflict": "Conflict", "collaboration": "Collaboration", "perception": "Perception"}


def _url() -> dict[str, list[str]]:
    return {k: st.query_params.get_all(k) for k in st.query_params}


def selection() -> Selection:
    """The current selection (``render`` must have run in this script run)."""
    return st.session_state[STATE]


def _from_widgets(choices: Choices, changed: str) -> None:
    ss = st.session_state
    old: Selection = ss[STATE]
    region = ss[K_REGION]
    countries = tuple(ss[K_COUNTRIES])
    if changed == "grouping":
        region = old.region if choices.grouping_of.get(old.region) == ss[K_GROUPING] else None
        region = region or choices.regions[ss[K_GROUPING]][0]
        countries = ()
    elif changed == "region":
        countries = ()
    start, end = ss[K_MONTHS]
    new = replace(
        old,
        region=region,
        start=start,
        end=end,
        countries=countries,
        event_types=tuple(ss[K_TYPES]),
        min_fatalities=int(ss[K_MIN_FATALITIES] or 0),
        weights=tuple(int(ss[K_WEIGHT + f]) for f in FAMILIES),  # type: ignore[arg-type]
        compare=old.compare,
    )
    if region != old.region:  # a milestone and comparison belong to the region they were chosen for
        new = replace(new, milestone=None, label="", comparison=())
    ss[STATE] = from_query(to_query(new), choices)


def _to_widgets(sel: Selection, choices: Choices) -> None:
    ss = st.session_state
    ss[K_GROUPING] = choices.grouping_of[sel.region]
    ss[K_REGION] = sel.region
    ss[K_COUNTRIES] = list(sel.countries)
    ss[K_TYPES] = list(sel.event_types)
    ss[K_MIN_FATALITIES] = sel.min_fatalities
    for fam, w in zip(FAMILIES, sel.weights, strict=True):
        ss[K_WEIGHT + fam] = w


def render(choices: Choices) -> Selection:
    """Draw the filters in the sidebar and return the selection; writes it to the URL."""
    ss = st.session_state
    previous = ss.get(STATE)
    sel = from_query(_url() if previous is None else to_query(previous), choices)
    ss[STATE] = sel
    _to_widgets(sel, choices)
    with st.sidebar:
        st.header("Filters")
        st.selectbox(
            "Region grouping",
            choices.groupings,
            key=K_GROUPING,
            on_change=_from_widgets,
            args=(choices, "grouping"),
        )
        st.selectbox(
            "Region",
            choices.regions[ss[K_GROUPING]],
            key=K_REGION,
            on_change=_from_widgets,
            args=(choices, "region"),
        )
        st.multiselect(
            "Countries",
            choices.members.get(sel.region, ()),
            key=K_COUNTRIES,
            format_func=lambda c: f"{country_name(c)} ({c})",
            placeholder="All member countries",
            help="Narrows the conflict charts and tables; the stability index covers the whole region.",
            on_change=_from_widgets,
            args=(choices, "countries"),
        )
        st.select_slider(
            "Months",
            options=choices.months,
            value=(sel.start, sel.end),
            key=K_MONTHS,
            help="The period shown. Headline values refer to its last month, compared with a year earlier.",
            on_change=_from_widgets,
            args=(choices, "months"),
        )
        st.multiselect(
            "Event types",
            choices.event_types,
            key=K_TYPES,
            placeholder="All event types",
            on_change=_from_widgets,
            args=(choices, "types"),
        )
        st.number_input(
            "Minimum fatalities per incident",
            min_value=0,
            max_value=MAX_MIN_FATALITIES,
            step=1,
            key=K_MIN_FATALITIES,
            on_change=_from_widgets,
            args=(choices, "min_fatalities"),
        )
        with st.expander("Index weights"):
            for fam in FAMILIES:
                st.slider(
                    FAMILY_LABELS[fam],
                    min_value=0,
                    max_value=MAX_WEIGHT,
                    step=1,
                    key=K_WEIGHT + fam,
                    on_change=_from_widgets,
                    args=(choices, "weights"),
                )
            shares = ", ".join(f"{FAMILY_LABELS[f].lower()} {w:.0%}" for f, w in sel.weight_map.items())
            st.caption(f"Share of the index: {shares}.")
    sel = ss[STATE]
    wanted = to_query(sel)
    if _url() != {k: [v] if isinstance(v, str) else list(v) for k, v in wanted.items()}:
        st.query_params.from_dict(wanted)
    return sel


def _compare_changed(choices: Choices) -> None:
    ss = st.session_state
    ss[STATE] = from_query(to_query(replace(ss[STATE], compare=tuple(ss[K_COMPARE]))), choices)


def compare_picker(choices: Choices, regions: tuple[str, ...]) -> None:
    """The Compare page's region picker (2–4 regions of any grouping), kept in the selection."""
    st.session_state[K_COMPARE] = list(regions)
    st.multiselect(
        "Regions to compare (two to four)",
        sorted(choices.grouping_of),
        key=K_COMPARE,
        max_selections=MAX_COMPARE,
        on_change=_compare_changed,
        args=(choices,),
    )


# --- evaluation page ---------------------------------------------------------------------------

K_MILESTONE = "e_milestone"
K_MONTH = "e_month"
K_LABEL = "e_label"
K_WINDOW = "e_window"
K_COMPARISON = "e_comparison"
OTHER_MONTH = -1


def _evaluation_changed(choices: Choices, **changes: object) -> None:
    ss = st.session_state
    ss[STATE] = from_query(to_query(replace(ss[STATE], **changes)), choices)  # type: ignore[arg-type]


def _milestone_picked(choices: Choices, proposals: Sequence[Proposal], month: str) -> None:
    pick = st.session_state[K_MILESTONE]
    if pick == OTHER_MONTH:  # keep the month, let the user write a label
        _evaluation_changed(choices, milestone=month, label="")
    else:
        _evaluation_changed(choices, milestone=proposals[pick].month, label=proposals[pick].label)


def _custom_changed(choices: Choices) -> None:
    ss = st.session_state
    _evaluation_changed(choices, milestone=ss[K_MONTH], label=clean_label(ss[K_LABEL]))


def milestone_picker(
    choices: Choices, proposals: Sequence[Proposal], month: str, label: str, index: int | None
) -> None:
    """The Evaluation page's milestone (a proposal, or a month and a label) and window, kept in the
    selection. ``month``, ``label`` and ``index`` are what ``selection.milestone_of`` resolved."""
    ss = st.session_state
    sel: Selection = ss[STATE]
    ss[K_MILESTONE] = OTHER_MONTH if index is None else index
    ss[K_WINDOW] = sel.window
    left, right = st.columns([4, 1])
    left.selectbox(
        "Milestone",
        [*range(len(proposals)), OTHER_MONTH],
        key=K_MILESTONE,
        format_func=lambda k: (
            "Another month: enter a month and a label"
            if k == OTHER_MONTH
            else f"{proposals[k].month} · {proposals[k].label} — {proposals[k].reason}"
        ),
        help="Milestones proposed from the collaboration data: a new partner, a new kind of engagement "
        "or a jump in network density.",
        on_change=_milestone_picked,
        args=(choices, proposals, month),
    )
    right.number_input(
        "Window (months)",
        min_value=1,
        max_value=MAX_WINDOW,
        step=1,
        key=K_WINDOW,
        help="Before: the K months before the milestone. After: the milestone month and the K − 1 after.",
        on_change=lambda: _evaluation_changed(choices, window=int(st.session_state[K_WINDOW])),
    )
    if index is None:
        ss[K_MONTH] = month
        ss[K_LABEL] = label
        left, right = st.columns([1, 4])
        left.selectbox(
            "Milestone month", choices.months, key=K_MONTH, on_change=_custom_changed, args=(choices,)
        )
        right.text_input(
            "What happened then",
            key=K_LABEL,
            max_chars=MAX_LABEL,
            placeholder="e.g. defence pact signed",
            on_change=_custom_changed,
            args=(choices,),
        )


def comparison_picker(choices: Choices, shown: Sequence[str]) -> None:
    """The Evaluation page's comparison regions (``shown``: the chosen ones, else the default used)."""
    sel: Selection = st.session_state[STATE]
    own = choices.grouping_of[sel.region]
    options = [r for r in choices.regions[own] if r != sel.region]
    options += sorted(r for r in choices.grouping_of if r not in options and r != sel.region)
    st.session_state[K_COMPARISON] = [r for r in shown if r in options]
    st.multiselect(
        "Comparison regions",
        options,
        key=K_COMPARISON,
        max_selections=MAX_COMPARISON,
        placeholder="The default comparison",
        help="Default: the other regions of the same grouping that share no member country, have incident "
        "data and no milestone of their own in the windows. Empty the list to return to the default.",
        on_change=lambda: _evaluation_changed(choices, comparison=tuple(st.session_state[K_COMPARISON])),
    )
