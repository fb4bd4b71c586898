"""What the user is looking at: one frozen ``Selection``, mirrored into the URL query string.

``from_query`` and ``to_query`` are pure: a query dict (values a string or a list of strings, as
``st.query_params`` gives them) in, a ``Selection`` out, and back. Any value that is not valid for
the loaded data falls back to its default, so an old or hand-edited link always opens a view.

Query keys: ``region``, ``start`` and ``end`` (``YYYY-MM``), ``country`` (ISO3, repeated),
``type`` (event type, repeated), ``min_fatalities``, ``w_conflict``, ``w_collaboration``,
``w_perception`` (relative weights 0–10) and ``compare`` (region, repeated). An empty ``country``
or ``type`` list means "all". The Evaluation page adds ``milestone`` (``YYYY-MM``), ``label`` (what
happened then), ``window`` (months, 1–60) and ``comparison`` (region, repeated; empty: the
evaluation's default comparison).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import pandas as pd

from metrics.periods import Month, Span

FAMILIES: tuple[str, ...] = ("conflict", "collaboration", "perception")
DEFAULT_WEIGHTS: tuple[int, int, int] = (5, 5, 5)
MAX_WEIGHT = 10
MAX_COMPARE = 4
MAX_MIN_FATALITIES = 100_000
PREFERRED_GROUPING = "Security grouping"
DEFAULT_WINDOW = 12
#: Years of data the pages show by default (the last ones of the conflict data).
DEFAULT_VIEW_YEARS = 10
MAX_WINDOW = 60
MAX_LABEL = 200
MAX_COMPARISON = 8

QueryValue = str | Sequence[str]


@dataclass(frozen=True)
class Choices:
    """What the loaded data allows: groupings, their regions, members, event types and months."""

    groupings: tuple[str, ...]
    regions: Mapping[str, tuple[str, ...]]
    grouping_of: Mapping[str, str]
    members: Mapping[str, tuple[str, ...]]
    event_types: tuple[str, ...]
    months: tuple[Month, ...]
    #: The default view window; empty: the whole span of ``months``.
    window: tuple[Month, Month] | tuple[()] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "months", tuple(Month(m) for m in self.months))
        if self.window:
            object.__setattr__(self, "window", (Month(self.window[0]), Month(self.window[1])))

    @property
    def default_grouping(self) -> str:
        return PREFERRED_GROUPING if PREFERRED_GROUPING in self.groupings else self.groupings[0]

    @property
    def default_region(self) -> str:
        return self.regions[self.default_grouping][0]

    @property
    def first_month(self) -> Month:
        return self.months[0]

    @property
    def last_month(self) -> Month:
        return self.months[-1]

    @property
    def default_start(self) -> Month:
        return self.window[0] if self.window else self.first_month

    @property
    def default_end(self) -> Month:
        return self.window[1] if self.window else self.last_month

    def default(self) -> Selection:
        return Selection(region=self.default_region, start=self.default_start, end=self.default_end)


def default_window(first_month: str, last_month: str, years: int = DEFAULT_VIEW_YEARS) -> tuple[Month, Month]:
    """The last ``years`` years of data spanning ``first_month`` … ``last_month`` (``YYYY-MM``):
    start = max(first_month, last_month − (12 × years − 1) months), end = last_month."""
    span = Span.last_years(first_month, last_month, years)
    return span.start, span.end


def make_choices(
    regions: pd.DataFrame,
    event_types: Sequence[str],
    first_month: str,
    last_month: str,
    window: tuple[str, str] | None = None,
) -> Choices:
    """``Choices`` from the regions table (``region, iso3, grouping``) and the data's month span;
    ``window`` is the default view window (default: the whole span)."""
    frame = regions.loc[:, ["region", "iso3", "grouping"]].drop_duplicates()
    grouping_of: dict[str, str] = {}
    for region, grouping in frame.sort_values(["grouping", "region"])[["region", "grouping"]].itertuples(
        index=False
    ):
        grouping_of.setdefault(str(region), str(grouping))
    groupings = tuple(sorted(set(grouping_of.values())))
    by_grouping = {g: tuple(sorted(r for r, gg in grouping_of.items() if gg == g)) for g in groupings}
    members = {
        str(r): tuple(sorted(str(i) for i in g["iso3"].unique()))
        for r, g in frame.groupby("region", sort=True)
    }
    months = tuple(Span(Month(first_month), Month(last_month)))
    if window is not None and not (first_month <= window[0] <= window[1] <= last_month):
        raise ValueError(f"default window {window[0]}…{window[1]} is outside {first_month}…{last_month}")
    return Choices(groupings, by_grouping, grouping_of, members, tuple(event_types), months, window or ())


@dataclass(frozen=True)
class Selection:
    """The dashboard's whole filter state.

    ``countries`` and ``event_types`` empty mean "all"; ``weights`` are relative weights (0–10) of
    conflict, collaboration and perception in the composite index; ``compare`` lists the regions of
    the Compare page (empty: the page chooses).
    """

    region: str
    start: Month
    end: Month
    countries: tuple[str, ...] = ()
    event_types: tuple[str, ...] = ()
    min_fatalities: int = 0
    weights: tuple[int, int, int] = DEFAULT_WEIGHTS
    compare: tuple[str, ...] = field(default=())
    milestone: Month | None = None
    label: str = ""
    window: int = DEFAULT_WINDOW
    comparison: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # Months arrive as text from tests, widgets and old callers; they are held as ``Month``.
        object.__setattr__(self, "start", Month(self.start))
        object.__setattr__(self, "end", Month(self.end))
        if self.milestone is not None:
            object.__setattr__(self, "milestone", Month(self.milestone))

    @property
    def weight_map(self) -> dict[str, float]:
        """Weights as shares of their sum, by family name."""
        total = sum(self.weights)
        return {f: w / total for f, w in zip(FAMILIES, self.weights, strict=True)}

    @property
    def types_filter(self) -> tuple[str, ...] | None:
        """Event types to keep, or None for all."""
        return self.event_types or None

    @property
    def previous(self) -> Month:
        """The month a year before ``end``: end − 12 months."""
        return self.end - 12

    @property
    def span(self) -> Span:
        """The selected months, ``start`` … ``end``."""
        return Span(self.start, self.end)


def _values(query: Mapping[str, QueryValue], key: str) -> list[str]:
    raw = query.get(key)
    if raw is None:
        return []
    items = [raw] if isinstance(raw, str) else list(raw)
    return [str(v).strip() for v in items if str(v).strip()]


def _one(query: Mapping[str, QueryValue], key: str) -> str | None:
    vals = _values(query, key)
    return vals[-1] if vals else None


def _int(text: str | None, lo: int, hi: int) -> int | None:
    if text is None or not re.fullmatch(r"\d{1,9}", text):
        return None
    value = int(text)
    return value if lo <= value <= hi else None


def _region(text: str | None, choices: Choices) -> str | None:
    if text is None:
        return None
    folded = {r.casefold(): r for r in choices.grouping_of}
    return folded.get(text.casefold())


def from_query(query: Mapping[str, QueryValue], choices: Choices) -> Selection:
    """Read a ``Selection`` from URL query values; anything invalid falls back to its default.

    Defaults: the first region of the preferred grouping, the default window (``Choices.window``), all member
    countries, all event types, no minimum of fatalities, equal weights and no comparison list.
    A start after the end resets both; countries outside the region, unknown event types and
    unknown comparison regions are dropped; weights that are all zero reset to equal weights.
    """
    default = choices.default()
    region = _region(_one(query, "region"), choices) or default.region
    months = set(choices.months)
    start, end = Month.parse(_one(query, "start")), Month.parse(_one(query, "end"))
    start = start if start is not None and start in months else default.start
    end = end if end is not None and end in months else default.end
    if start > end:
        start, end = default.start, default.end
    members = choices.members.get(region, ())
    countries = tuple(sorted({c.upper() for c in _values(query, "country")} & set(members)))
    if set(countries) == set(members):
        countries = ()
    types = tuple(t for t in choices.event_types if t in set(_values(query, "type")))
    if set(types) == set(choices.event_types):
        types = ()
    min_fatalities = _int(_one(query, "min_fatalities"), 0, MAX_MIN_FATALITIES) or 0
    weights = []
    for fam, dflt in zip(FAMILIES, DEFAULT_WEIGHTS, strict=True):
        w = _int(_one(query, f"w_{fam}"), 0, MAX_WEIGHT)
        weights.append(dflt if w is None else w)
    weight_tuple = (weights[0], weights[1], weights[2]) if sum(weights) > 0 else DEFAULT_WEIGHTS
    compare: list[str] = []
    for text in _values(query, "compare"):
        r = _region(text, choices)
        if r is not None and r not in compare:
            compare.append(r)
    milestone = Month.parse(_one(query, "milestone"))
    milestone = milestone if milestone is not None and milestone in months else None
    comparison: list[str] = []
    for text in _values(query, "comparison"):
        r = _region(text, choices)
        if r is not None and r != region and r not in comparison:
            comparison.append(r)
    return Selection(
        region=region,
        start=start,
        end=end,
        countries=countries,
        event_types=types,
        min_fatalities=min_fatalities,
        weights=weight_tuple,
        compare=tuple(compare[:MAX_COMPARE]),
        milestone=milestone,
        label=clean_label(_one(query, "label")) if milestone else "",
        window=_int(_one(query, "window"), 1, MAX_WINDOW) or DEFAULT_WINDOW,
        comparison=tuple(comparison[:MAX_COMPARISON]),
    )


def to_query(selection: Selection) -> dict[str, str | list[str]]:
    """The URL query values of ``selection``: region and months always, the rest when not default."""
    out: dict[str, str | list[str]] = {
        "region": selection.region,
        "start": str(selection.start),
        "end": str(selection.end),
    }
    if selection.countries:
        out["country"] = list(selection.countries)
    if selection.event_types:
        out["type"] = list(selection.event_types)
    if selection.min_fatalities:
        out["min_fatalities"] = str(selection.min_fatalities)
    if selection.weights != DEFAULT_WEIGHTS:
        for fam, w in zip(FAMILIES, selection.weights, strict=True):
            out[f"w_{fam}"] = str(w)
    if selection.compare:
        out["compare"] = list(selection.compare)
    if selection.milestone:
        out["milestone"] = str(selection.milestone)
    if selection.milestone and selection.label:
        out["label"] = selection.label
    if selection.window != DEFAULT_WINDOW:
        out["window"] = str(selection.window)
    if selection.comparison:
        out["comparison"] = list(selection.comparison)
    return out


def compare_regions(
    selection: Selection, choices: Choices, candidates: Sequence[str] | None = None
) -> tuple[str, ...]:
    """Regions on the Compare page: the chosen list when it has two or more, else the selected region
    and up to three more of its grouping, taken first from ``candidates`` (e.g. regions with an
    index, in rank order) when given, then alphabetically from the rest of the grouping (when no
    region has an index, the page still compares the others' counts)."""
    if len(selection.compare) >= 2:
        return selection.compare
    grouping = choices.regions[choices.grouping_of[selection.region]]
    first = [r for r in (candidates or ()) if r in grouping]
    pool = [*first, *(r for r in grouping if r not in first)]
    peers = [r for r in pool if r != selection.region]
    return (selection.region, *peers[: MAX_COMPARE - 1])


# --- evaluation milestones ----------------------------------------------------------------------


class Proposal(NamedTuple):
    """A milestone proposed from the collaboration data (``metrics.evaluation_context``)."""

    month: Month
    label: str
    reason: str
    kind: str


def clean_label(text: str | None) -> str:
    """A milestone label fit for the URL and the page: control characters dropped, runs of white space
    made one space, at most ``MAX_LABEL`` characters."""
    if not text:
        return ""
    kept = "".join(
        " " if ch.isspace() else ch for ch in text if unicodedata.category(ch)[0] != "C" or ch.isspace()
    )
    return " ".join(kept.split())[:MAX_LABEL].strip()


def default_milestone(proposals: Sequence[Proposal], months: Sequence[str], window: int) -> int | None:
    """Index of the milestone shown before the user picks one: the latest proposal whose before window
    (K months before it) and after window (it and the K − 1 months after) both lie inside ``months``;
    None when no proposal fits."""
    if not months:
        return None
    first, last = Month(months[0]), Month(months[-1])
    fits = [
        k
        for k, p in enumerate(proposals)
        if first <= Month(p.month) - window and Month(p.month) + window - 1 <= last
    ]
    return max(fits, key=lambda k: (proposals[k].month, k)) if fits else None


def milestone_of(
    selection: Selection, proposals: Sequence[Proposal], months: Sequence[str]
) -> tuple[Month, str, int | None]:
    """The milestone the Evaluation page evaluates: ``(month, label, index of the matching proposal or
    None)``. Without a milestone in the selection: the ``default_milestone`` proposal, else the middle
    month of ``months`` with no label."""
    if selection.milestone is None:
        k = default_milestone(proposals, months, selection.window)
        if k is not None:
            return Month(proposals[k].month), clean_label(proposals[k].label), k
        return Month(months[len(months) // 2]), "", None
    for k, p in enumerate(proposals):
        if p.month == selection.milestone and clean_label(p.label) == selection.label:
            return selection.milestone, selection.label, k
    return selection.milestone, selection.label, None
