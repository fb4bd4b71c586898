"""Catalogue of indicators: label and unit of every indicator name the metrics emit.

The formulas live in one place, the docstrings of the metric functions; ``methodology()`` returns
those texts so the dashboard's Methodology page and the docs show exactly what the code documents.
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass

from metrics import collaboration, composite, conflict, intervals, perception, signals, signals_eval


@dataclass(frozen=True)
class Indicator:
    name: str
    family: str
    label: str
    unit: str


_FIXED: tuple[Indicator, ...] = (
    Indicator("incidents", "conflict", "Incidents", "incidents per month"),
    Indicator("fatalities", "conflict", "Fatalities", "deaths per month"),
    Indicator("fatalities_per_incident", "conflict", "Fatalities per incident", "deaths per incident"),
    Indicator("civilian_targeting_share", "conflict", "Civilian targeting share", "share of incidents"),
    Indicator("diffusion", "conflict", "Geographic diffusion", "share of admin1 units"),
    Indicator(
        "incidents_rolling_12m", "conflict", "Incidents, trailing 12-month mean", "incidents per month"
    ),
    Indicator("incidents_yoy_change", "conflict", "Incidents, change on a year earlier", "relative change"),
    Indicator("downward_trend", "conflict", "Downward trend over the last 36 months", "1 = yes, 0 = no"),
    Indicator(
        "trend_change_per_year",
        "conflict",
        "Trend over the last 36 months (change per year)",
        "relative change per year",
    ),
    Indicator("trend_p_value", "conflict", "Trend p-value (seasonal count model)", "p-value"),
    Indicator(
        "downward_trend_across_regions",
        "conflict",
        "Downward trend, read across the regions shown (false discoveries controlled)",
        "1 = yes, 0 = no",
    ),
    Indicator("alarm", "conflict", "Alarm: month above the expected range", "1 = yes, 0 = no"),
    Indicator("alarm_upper_limit", "conflict", "Alarm threshold (upper limit)", "incidents per month"),
    Indicator(
        "sustained_decline",
        "conflict",
        "Downward trend (old name 'sustained_decline', kept for one release; use 'downward_trend')",
        "1 = yes, 0 = no",
    ),
    Indicator(
        "spike", "conflict", "Alarm (old name 'spike', kept for one release; use 'alarm')", "1 = yes, 0 = no"
    ),
    Indicator("covered_members", "conflict", "Member countries the incident data cover", "countries"),
    Indicator("engagements_total", "collaboration", "Engagements started", "engagements started per month"),
    Indicator(
        "collaboration_score",
        "collaboration",
        "Engagements started (old name 'collaboration score', to be removed)",
        "engagements started per month",
    ),
    Indicator("agreements_in_force", "collaboration", "Agreements in force", "agreements in force"),
    Indicator(
        "network_density",
        "collaboration",
        "Network density, collaboration-weighted (trailing 12 months)",
        "share of member pairs",
    ),
    Indicator(
        "network_dyads", "collaboration", "Member pairs tied (trailing 12 months, unweighted)", "pairs"
    ),
    Indicator("external_partners", "collaboration", "External partner states (trailing 12 months)", "states"),
    Indicator(
        "arms_imports_tiv",
        "collaboration",
        "Arms imports from outside the region (SIPRI TIV)",
        "TIV millions per period",
    ),
    Indicator(
        "arms_exports_tiv",
        "collaboration",
        "Arms exports to outside the region (SIPRI TIV)",
        "TIV millions per period",
    ),
    Indicator(
        "arms_intra_tiv",
        "collaboration",
        "Arms transfers between members (SIPRI TIV)",
        "TIV millions per period",
    ),
    Indicator(
        "arms_transfer_tiv",
        "collaboration",
        "Arms transfers in, out and within (old name, to be removed; SIPRI TIV)",
        "TIV millions per period",
    ),
    Indicator(
        "coverage_end",
        "collaboration",
        "Last period the loaded sources cover",
        "1 in the last period covered",
    ),
    Indicator("stability_index", "composite", "Stability index", "0–100 (100 = most stable)"),
    Indicator(
        "outcome_index", "composite", "Outcome index (conflict and perception)", "0–100 (100 = most stable)"
    ),
    Indicator(
        "conflict_deaths_per_100k",
        "composite",
        "Conflict deaths per 100,000 people (trailing 12 months)",
        "deaths per 100,000 people per year",
    ),
    Indicator(
        "conflict_incidents_per_100k",
        "composite",
        "Conflict incidents per 100,000 people (trailing 12 months)",
        "incidents per 100,000 people per year",
    ),
    Indicator("score_conflict", "composite", "Conflict score", "0–100 (100 = least conflict)"),
    Indicator("score_collaboration", "composite", "Collaboration score (normalised)", "0–100"),
    Indicator("score_perception", "composite", "Perception score", "0–100"),
    Indicator("coverage", "composite", "Coverage of the index", "share of the weight backed by data"),
    Indicator("coverage_conflict", "composite", "Conflict data present", "1 = yes, 0 = no"),
    Indicator("coverage_collaboration", "composite", "Collaboration data present", "1 = yes, 0 = no"),
    Indicator("coverage_perception", "composite", "Perception data present", "1 = yes, 0 = no"),
)
_BY_NAME = {i.name: i for i in _FIXED}
_PERCEPTION_LABELS = {
    "feel_safe": "Feel safe walking alone at night",
    "trust_military": "Trust the military",
    "confidence_alliances": "Confidence in alliances",
    "political_stability": "Political stability (WGI)",
    "feel_unsafe": "Feel unsafe walking alone at night",
}


def describe(name: str) -> Indicator:
    """Label and unit of an indicator name, including the pattern families
    ``engagements_<kind>`` and the perception variants ``<j>``, ``<j>_change``,
    ``<j>_change_significant`` and ``<j>_sample_size``."""
    if name in _BY_NAME:
        return _BY_NAME[name]
    m = re.fullmatch(r"coverage_end_(\w+)", name)
    if m:
        kind = m.group(1).replace("_", " ")
        return Indicator(
            name, "collaboration", f"Last period covered: {kind}", "1 in the last period covered"
        )
    m = re.fullmatch(r"engagements_(\w+)", name)
    if m:
        kind = m.group(1).replace("_", " ")
        return Indicator(name, "collaboration", f"Engagements: {kind}", "engagements per period")
    m = re.fullmatch(
        r"(\w+?)(_change_significant|_change|_sample_size|_countries_covered|_population_covered)?", name
    )
    base, suffix = (m.group(1), m.group(2)) if m else (name, None)
    label = _PERCEPTION_LABELS.get(base, base.replace("_", " ").capitalize())
    cat = re.fullmatch(r"feel_safe_distribution_(\w+)", base)
    if cat:
        label = f"Answer category {cat.group(1).upper()} of the 'feel safe' question"
    unit = "index (90 % interval)" if base == "political_stability" else "share of respondents"
    if suffix == "_change":
        return Indicator(
            name,
            "perception",
            f"{label}: change since previous wave",
            "points of index" if base == "political_stability" else "share points",
        )
    if suffix == "_change_significant":
        return Indicator(name, "perception", f"{label}: change significant", "1 = yes, 0 = no")
    if suffix == "_countries_covered":
        return Indicator(name, "perception", f"{label}: countries behind the value", "countries")
    if suffix == "_population_covered":
        return Indicator(
            name, "perception", f"{label}: share of the region's people covered", "share of population"
        )
    if suffix == "_sample_size":
        return Indicator(name, "perception", f"{label}: respondents", "respondents")
    return Indicator(name, "perception", label, unit)


def methodology() -> list[tuple[str, str]]:
    """(title, text) sections: each family's definition, taken from the code's own docstrings."""
    parts = [
        ("Conflict incidents", conflict, conflict.conflict_indicators),
        ("Military collaboration", collaboration, collaboration.collaboration_indicators),
        ("Public perception", perception, perception.perception_indicators),
        ("Composite indices", composite, composite.composite_indicators),
    ]
    out = [(title, f"{inspect.getdoc(mod)}\n\n{inspect.getdoc(fn)}") for title, mod, fn in parts]
    out.append(("Intervals", inspect.getdoc(intervals) or ""))
    out.append(("Signals: downward trend and alarm", inspect.getdoc(signals) or ""))
    out.append(("Evaluation around a milestone", inspect.getdoc(signals_eval) or ""))
    return out
