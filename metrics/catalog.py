"""Catalogue of indicators: label, unit and plain words of every indicator name the metrics emit.

Two levels of explanation. For policy staff, each ``Indicator`` carries ``meaning`` (what the number
says), ``formula`` (one line, in words) and ``caveats`` (missing data, coverage, grain); the
Methodology page and the briefing pack show these. The exact definitions live in one place, the
docstrings of the metric functions; ``methodology()`` returns those texts, shown as the technical
appendix.
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass, replace

from metrics import collaboration, composite, conflict, intervals, perception, signals, signals_eval
from metrics.signals import TREND_ALPHA, TREND_PERSIST


@dataclass(frozen=True)
class Indicator:
    """One indicator: its name in exports, family, label and unit, and its plain words."""

    name: str
    family: str
    label: str
    unit: str
    meaning: str = ""
    formula: str = ""
    caveats: str = ""


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
_COMPOSITE_DEFAULTS = inspect.signature(composite.composite_indicators).parameters
_MAX_AGE = _COMPOSITE_DEFAULTS["perception_max_age"].default
_MIN_FAMILIES = _COMPOSITE_DEFAULTS["min_families"].default

#: Plain words for policy staff, per indicator name: (what the number means, its formula in one line,
#: its caveats: missing data, coverage, grain). The code's own definitions are in ``methodology()``.
_PLAIN: dict[str, tuple[str, str, str]] = {
    "incidents": (
        "How many conflict incidents were recorded in the region's member countries in the month.",
        "Incidents = sum of the recorded incidents of the covered member countries in the month.",
        "Only countries the loaded files cover count; a covered month without an incident is a real "
        "zero, an uncovered one is missing. Yearly sources (such as UCDP's conflict-years) give "
        "yearly totals instead of months. Missing when less than half the region is covered.",
    ),
    "fatalities": (
        "How many people were reported killed in those incidents in the month.",
        "Fatalities = sum of the reported deaths of the covered member countries' incidents.",
        "Reported deaths are estimates by the source, often revised; same coverage rules as incidents.",
    ),
    "fatalities_per_incident": (
        "How deadly an incident was on average in the month.",
        "Fatalities per incident = fatalities ÷ incidents.",
        "Empty in a month without incidents (nothing to divide by). A few very deadly events move it a lot.",
    ),
    "civilian_targeting_share": (
        "Among the incidents whose target is known, the share that targeted civilians.",
        "Civilian targeting share = incidents targeting civilians ÷ incidents whose target is recorded.",
        "Only sources that record the target (ACLED) feed it; empty when no incident says.",
    ),
    "diffusion": (
        "How widely the violence is spread: the share of the region's provinces with at least one "
        "incident in the month.",
        "Geographic diffusion = provinces with an incident this month ÷ provinces that ever had one "
        "in the data.",
        "Needs the province (admin 1) of each incident; sources without it give no value. The "
        "denominator grows as new provinces see incidents.",
    ),
    "incidents_rolling_12m": (
        "The typical monthly number of incidents over the last year, smoothing out single months.",
        "Trailing 12-month mean = average of the monthly incidents over the 12 months ending this month.",
        "Missing when any of the 12 months is missing or the set of covered countries changed inside "
        "the window; not made from yearly sources.",
    ),
    "incidents_yoy_change": (
        "How this month's incidents compare with the same month a year earlier.",
        "Change on a year earlier = (incidents this month − incidents 12 months earlier) ÷ incidents "
        "12 months earlier.",
        "Empty when the month a year earlier had no incident or is outside the data; small numbers "
        "give large swings.",
    ),
    "downward_trend_across_regions": (
        "Whether a region's downward trend still stands when many regions are read at once, so a few "
        "flags among many are not taken for real declines (1 = yes, 0 = no).",
        "Downward trend across regions = 1 when the region's trend p-value passes the Benjamini–Hochberg "
        "cut-off at a 10 % false discovery rate over the regions shown.",
        "Depends on which regions are shown together; needs the same 36 complete months as the "
        "downward trend.",
    ),
    "downward_trend": (
        "Whether incidents have fallen steadily over the last three years, more than chance alone "
        "would explain (1 = yes, 0 = no).",
        f"Downward trend = 1 when the chance of so steep a fall over 36 months without a real "
        f"decline is below {TREND_ALPHA:g} in {TREND_PERSIST} months running (a seasonal count model "
        "allowing for runs of busy and quiet months), or when the last 12 months fall well below "
        "what the 36 months before them predict, two months running.",
        "Needs 36 complete months of monthly data; slow to appear and often misses real declines in "
        "small numbers (see the signals section for how often it fires by chance).",
    ),
    "trend_change_per_year": (
        "By how much incidents rose or fell per year over the last three years.",
        "Trend = yearly change of incidents fitted over the last 36 months (a seasonal count model), "
        "with a 95 % range.",
        "Needs 36 complete months of monthly data; the range is wide when counts are small or jumpy.",
    ),
    "trend_p_value": (
        "How surprising the trend would be if incidents were in fact flat: small values mean a real "
        "trend is likely.",
        "p-value = chance of a trend at least this steep, up or down, when there is none (same model).",
        "Not the chance that the trend is real; when many regions are tested, some small values are chance.",
    ),
    "alarm": (
        "Whether this month had more incidents than the region's previous three years make "
        "plausible (1 = yes, 0 = no).",
        "Alarm = 1 when incidents this month are above the alarm threshold and at least 5.",
        "Needs the 36 months before; a single incident after quiet months is never an alarm "
        "(see the signals section for how often it fires by chance).",
    ),
    "alarm_upper_limit": (
        "The highest number of incidents the previous three years make plausible for this month.",
        "Alarm threshold = upper limit of the expected count, from the trend and seasons of the 36 "
        "months before.",
        "Missing when the 36 months before are incomplete.",
    ),
    "sustained_decline": (
        "The downward-trend flag under its old name, kept for one release.",
        "Same value as the downward trend.",
        "Use the downward trend instead; this name will be removed.",
    ),
    "spike": (
        "The alarm under its old name, kept for one release.",
        "Same value as the alarm.",
        "Use the alarm instead; this name will be removed.",
    ),
    "covered_members": (
        "How many member countries the incident data cover in the period.",
        "Covered members = member countries inside the coverage of a loaded incident file.",
        "A country absent from every loaded file is not covered and adds nothing, not zero.",
    ),
    "engagements_total": (
        "How many military engagements (exercises, arms deliveries, visits, missions) involving a "
        "member started in the month.",
        "Engagements started = sum over the kinds of engagement of those involving at least one "
        "member that started in the month.",
        "Counted once per region however many members take part; exists only in months every kind "
        "is covered by a loaded file; outside them it is missing, never zero.",
    ),
    "collaboration_score": (
        "The count of engagements started under its old name, to be removed.",
        "Same value as engagements started.",
        "Use engagements started instead.",
    ),
    "agreements_in_force": (
        "How many alliances and defence agreements involving a member are in force in the month.",
        "Agreements in force = agreements involving at least one member that started before and had "
        "not ended by the month.",
        "A stock, never added to engagements; an agreement without an end date counts until the end "
        "of the data.",
    ),
    "network_density": (
        "How tightly the members are tied to each other by shared engagements over the last year: "
        "0 = no two members engage together, 1 = every pair does, fully.",
        "Density = sum over member pairs of their shared-engagement weight (capped at 1) ÷ number of "
        "member pairs; an engagement of k states gives each of its pairs 1 ÷ (k − 1).",
        "Large exercises count less per pair than bilateral ones; needs at least two members and "
        "monthly data; missing outside the loaded files' coverage.",
    ),
    "network_dyads": (
        "How many member pairs took part in at least one engagement together over the last year.",
        "Pairs tied = count of member pairs sharing at least one engagement in the 12 months.",
        "Unweighted: a 30-state exercise ties every pair it contains.",
    ),
    "external_partners": (
        "How many states outside the region engaged with its members over the last year.",
        "External partners = distinct non-member states in engagements involving a member in the 12 months.",
        "Organisations (NATO, the EU) and unknown suppliers are not counted as partners.",
    ),
    "arms_imports_tiv": (
        "The volume of major arms delivered to members by suppliers outside the region.",
        "Imports = sum of SIPRI trend-indicator values of deliveries to a member from a non-member "
        "in the period.",
        "TIV measures military capability transferred, not money paid; yearly; a register "
        "downloaded for some recipients says nothing of other countries' transfers.",
    ),
    "arms_exports_tiv": (
        "The volume of major arms members delivered to recipients outside the region.",
        "Exports = sum of SIPRI trend-indicator values of deliveries from a member to a non-member "
        "in the period.",
        "Same caveats as imports: a measure of capability, yearly, only as complete as the register loaded.",
    ),
    "arms_intra_tiv": (
        "The volume of major arms delivered from one member to another.",
        "Transfers between members = sum of SIPRI trend-indicator values of deliveries between two "
        "members in the period.",
        "Same caveats as imports.",
    ),
    "arms_transfer_tiv": (
        "All arms deliveries to, from and between members under an old name, to be removed.",
        "Total = imports + exports + transfers between members.",
        "Use the three separate measures instead.",
    ),
    "coverage_end": (
        "Marks the last period the loaded files cover, so charts can say where the data end.",
        "1 in the last period covered, nothing elsewhere.",
        "A marker, not a measure: never averaged or summed.",
    ),
    "stability_index": (
        "One number from 0 (least stable) to 100 (most stable) combining conflict, military "
        "collaboration and public perception.",
        "Stability index = weighted mean of the conflict, collaboration and perception scores "
        "(equal thirds unless the weights are changed).",
        f"Shown only when every family the region has data for (at least {_MIN_FAMILIES}) has a score "
        "that month: where one "
        "family's data end, the index breaks off instead of quietly using the others. Scores use "
        "fixed goalposts, so the index does not move when other regions or months are shown.",
    ),
    "outcome_index": (
        "The same 0–100 scale from conflict and perception only, leaving out collaboration, so it "
        "can be set against collaboration without counting it twice.",
        "Outcome index = weighted mean of the conflict and perception scores.",
        "Needs at least one of the two scores that month.",
    ),
    "conflict_deaths_per_100k": (
        "Conflict deaths over the last year for every 100,000 people living in the region.",
        "Deaths per 100,000 = deaths in the 12 months ending this month ÷ population × 100,000.",
        "Missing when any month of the 12 lacks conflict data; population from the World Bank, "
        "countries without a figure left out.",
    ),
    "conflict_incidents_per_100k": (
        "Conflict incidents over the last year for every 100,000 people living in the region.",
        "Incidents per 100,000 = incidents in the 12 months ending this month ÷ population × 100,000.",
        "Same caveats as deaths per 100,000.",
    ),
    "score_conflict": (
        "The conflict family on the 0–100 scale: 100 = no deaths or incidents, 0 = a rate of the "
        "deadliest recent wars.",
        "Conflict score = mean of the scores of deaths per 100,000 and incidents per 100,000, each "
        "placed between fixed goalposts on a log scale.",
        "Needs both rates; goalposts are listed below with their version.",
    ),
    "score_collaboration": (
        "The collaboration family on the 0–100 scale: network density placed between 0 and 1.",
        "Collaboration score = 100 × network density.",
        "Missing where the collaboration files end; a gap, never a zero.",
    ),
    "score_perception": (
        "The perception family on the 0–100 scale: how safe people feel, how much they trust the "
        "military and alliances, and the World Bank's political stability estimate.",
        "Perception score = mean of the scores of the perception measures available that month, "
        "each placed between fixed goalposts.",
        f"Uses the latest survey wave no older than {_MAX_AGE} months (a yearly value counts from July of "
        "its year); older waves leave it missing.",
    ),
    "coverage": (
        "How much of the index's weight is backed by data this month.",
        "Coverage = sum of the weights of the families with a score ÷ sum of all weights.",
        "Below 1 the index is not shown for that month: the missing family is named instead.",
    ),
    "coverage_conflict": (
        "Whether the conflict family has a score this month (1 = yes, 0 = no).",
        "1 when the conflict score exists, else 0.",
        "A marker for the charts, not a measure.",
    ),
    "coverage_collaboration": (
        "Whether the collaboration family has a score this month (1 = yes, 0 = no).",
        "1 when the collaboration score exists, else 0.",
        "A marker for the charts, not a measure.",
    ),
    "coverage_perception": (
        "Whether the perception family has a score this month (1 = yes, 0 = no).",
        "1 when the perception score exists, else 0.",
        "A marker for the charts, not a measure.",
    ),
}
_SURVEY_CAVEATS = (
    "Only national values count (never summed from breakdowns by sex or province); countries "
    "without a survey in the wave are left out and the share of the region's people covered is "
    "shown beside the value; waves are yearly or irregular, not monthly."
)
#: Plain words for the perception measures (the survey questions and the WGI estimate).
_PLAIN_PERCEPTION: dict[str, tuple[str, str, str]] = {
    "feel_safe": (
        "The share of people who say they feel safe walking alone at night where they live (UN SDG 16.1.4).",
        "Feel safe = population-weighted mean of the member countries' national shares, with a 95 % range.",
        _SURVEY_CAVEATS + " A file giving the spread over answer categories counts only once you say "
        "which answers mean feeling safe.",
    ),
    "trust_military": (
        "The share of people who trust the military.",
        "Trust the military = population-weighted mean of the member countries' national shares, "
        "with a 95 % range.",
        _SURVEY_CAVEATS,
    ),
    "confidence_alliances": (
        "The share of people who have confidence in their country's alliances.",
        "Confidence in alliances = population-weighted mean of the member countries' national shares, "
        "with a 95 % range.",
        _SURVEY_CAVEATS,
    ),
    "political_stability": (
        "The World Bank's estimate of political stability and absence of violence or terrorism, "
        "from about −2.5 (weak) to 2.5 (strong).",
        "Political stability = population-weighted mean of the member countries' estimates, with "
        "the 90 % range the World Bank publishes.",
        "An expert-based estimate, not a survey of the public; yearly; comparable across "
        "countries but small changes are within its margin of error.",
    ),
    "feel_unsafe": (
        "The share of people who say they feel unsafe walking alone at night, as some national files "
        "report it.",
        "Feel unsafe = population-weighted mean of the member countries' national shares.",
        _SURVEY_CAVEATS + " Never turned into a share who feel safe.",
    ),
}
#: Plain words for the variants every perception measure has.
_PLAIN_SUFFIX: dict[str, tuple[str, str, str]] = {
    "_change": (
        "How much the measure moved since the region's previous survey wave.",
        "Change = value in this wave − value in the previous wave, over the countries surveyed in both.",
        "Countries surveyed in only one of the two waves are left out of both, so the change is like "
        "for like.",
    ),
    "_change_significant": (
        "Whether that change is larger than the surveys' margin of error (1 = yes, 0 = no).",
        "1 when the 95 % range of the change excludes zero, else 0.",
        "Empty when a country's survey gives no margin of error.",
    ),
    "_countries_covered": (
        "How many member countries stand behind the regional value.",
        "Countries covered = member countries with a national value in the wave.",
        "One country of seventeen is shown as such, never as the region.",
    ),
    "_population_covered": (
        "The share of the region's people living in the countries behind the value.",
        "Population covered = population of the countries with a value ÷ population of all members.",
        "Population from the World Bank; a country without a figure is left out.",
    ),
    "_sample_size": (
        "How many people answered, summed over the countries behind the value.",
        "Respondents = sum of the national sample sizes.",
        "Empty when one country's sample size is unknown.",
    ),
}


def _with_plain(ind: Indicator, words: tuple[str, str, str] | None) -> Indicator:
    if words is None:
        return ind
    meaning, formula, caveats = words
    return replace(ind, meaning=meaning, formula=formula, caveats=caveats)


_FIXED = tuple(_with_plain(i, _PLAIN.get(i.name)) for i in _FIXED)
_BY_NAME = {i.name: i for i in _FIXED}
_PERCEPTION_LABELS = {
    "feel_safe": "Feel safe walking alone at night",
    "trust_military": "Trust the military",
    "confidence_alliances": "Confidence in alliances",
    "political_stability": "Political stability (WGI)",
    "feel_unsafe": "Feel unsafe walking alone at night",
}


_KIND_WORDS = (
    "How many engagements of this kind involving a member started in the period (for agreements: "
    "were in force).",
    "Engagements of a kind = count of engagements of that kind with at least one member taking part.",
    "Counted once per region however many members take part; a kind exists only in the periods a "
    "loaded file covers it, missing (not zero) elsewhere; sources dated by year give yearly counts.",
)
_KIND_END_WORDS = (
    "Marks the last period the loaded files cover for this kind of engagement.",
    "1 in the last period covered for the kind, nothing elsewhere.",
    "A marker, not a measure: never averaged or summed.",
)
_CATEGORY_WORDS = (
    "The share of people giving this answer to the question on feeling safe walking alone after "
    "dark, where a file gives the spread over answer categories.",
    "Answer share = population-weighted mean of the member countries' national shares for the category.",
    _SURVEY_CAVEATS + " Becomes a share who feel safe only once you say which answers mean feeling safe.",
)
_OTHER_WORDS = (
    "A share of survey respondents, from a perception file loaded with its own measure.",
    "Value = population-weighted mean of the member countries' national shares.",
    _SURVEY_CAVEATS,
)


def describe(name: str) -> Indicator:
    """Label, unit and plain words of an indicator name, including the pattern families
    ``engagements_<kind>`` and ``coverage_end_<kind>`` and the perception variants ``<j>``,
    ``<j>_change``, ``<j>_change_significant``, ``<j>_countries_covered``,
    ``<j>_population_covered`` and ``<j>_sample_size``."""
    if name in _BY_NAME:
        return _BY_NAME[name]
    m = re.fullmatch(r"coverage_end_(\w+)", name)
    if m:
        kind = m.group(1).replace("_", " ")
        return _with_plain(
            Indicator(name, "collaboration", f"Last period covered: {kind}", "1 in the last period covered"),
            _KIND_END_WORDS,
        )
    m = re.fullmatch(r"engagements_(\w+)", name)
    if m:
        kind = m.group(1).replace("_", " ")
        return _with_plain(
            Indicator(name, "collaboration", f"Engagements: {kind}", "engagements per period"), _KIND_WORDS
        )
    m = re.fullmatch(
        r"(\w+?)(_change_significant|_change|_sample_size|_countries_covered|_population_covered)?", name
    )
    base, suffix = (m.group(1), m.group(2)) if m else (name, None)
    label = _PERCEPTION_LABELS.get(base, base.replace("_", " ").capitalize())
    cat = re.fullmatch(r"feel_safe_distribution_(\w+)", base)
    if cat:
        label = f"Answer category {cat.group(1).upper()} of the 'feel safe' question"
    words = _PLAIN_PERCEPTION.get(base, _CATEGORY_WORDS if cat else _OTHER_WORDS)
    if suffix:
        words = _PLAIN_SUFFIX[suffix]
    unit = "index (90 % interval)" if base == "political_stability" else "share of respondents"
    if suffix == "_change":
        unit = "points of index" if base == "political_stability" else "share points"
        return _with_plain(Indicator(name, "perception", f"{label}: change since previous wave", unit), words)
    if suffix == "_change_significant":
        return _with_plain(
            Indicator(name, "perception", f"{label}: change significant", "1 = yes, 0 = no"), words
        )
    if suffix == "_countries_covered":
        return _with_plain(
            Indicator(name, "perception", f"{label}: countries behind the value", "countries"), words
        )
    if suffix == "_population_covered":
        return _with_plain(
            Indicator(
                name, "perception", f"{label}: share of the region's people covered", "share of population"
            ),
            words,
        )
    if suffix == "_sample_size":
        return _with_plain(Indicator(name, "perception", f"{label}: respondents", "respondents"), words)
    return _with_plain(Indicator(name, "perception", label, unit), words)


#: Families in the order the Methodology page shows them, with their headings.
FAMILY_TITLES: dict[str, str] = {
    "conflict": "Conflict incidents",
    "collaboration": "Military collaboration",
    "perception": "Public perception",
    "composite": "Stability and outcome indices",
}
_PATTERNS: tuple[Indicator, ...] = (
    _with_plain(
        Indicator(
            "engagements_<kind>", "collaboration", "Engagements of each kind", "engagements per period"
        ),
        _KIND_WORDS,
    ),
    _with_plain(
        Indicator(
            "coverage_end_<kind>",
            "collaboration",
            "Last period covered, per kind",
            "1 in the last period covered",
        ),
        _KIND_END_WORDS,
    ),
)
_VARIANT_LABELS = {
    "_change": ("Any perception measure: change since previous wave", "share points (index points for WGI)"),
    "_change_significant": ("Any perception measure: change significant", "1 = yes, 0 = no"),
    "_countries_covered": ("Any perception measure: countries behind the value", "countries"),
    "_population_covered": (
        "Any perception measure: share of the region's people covered",
        "share of population",
    ),
    "_sample_size": ("Any perception measure: respondents", "respondents"),
}


def indicators() -> list[Indicator]:
    """Every entry of the catalogue, in family order: the named indicators, the perception
    measures, their variants (``<measure>_change`` …) and the per-kind collaboration series
    (``engagements_<kind>``, ``coverage_end_<kind>``), each with its plain words."""
    entries = [
        *_FIXED,
        *_PATTERNS,
        *(describe(base) for base in _PLAIN_PERCEPTION),
        _with_plain(
            Indicator(
                "feel_safe_distribution_<category>",
                "perception",
                "Answer categories of the 'feel safe' question",
                "share of respondents",
            ),
            _CATEGORY_WORDS,
        ),
        *(
            _with_plain(Indicator(f"<measure>{suffix}", "perception", label, unit), _PLAIN_SUFFIX[suffix])
            for suffix, (label, unit) in _VARIANT_LABELS.items()
        ),
    ]
    order = list(FAMILY_TITLES)
    return sorted(entries, key=lambda i: order.index(i.family))


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
