"""One vocabulary of labels, display units and colours, used by every page, export and slide.

* **Labels** come from the indicator catalogue (``metrics.catalog.describe``); column names of tables
  get human labels from ``COLUMN_LABELS`` (else the catalogue, else the name in words).
* **Units**: every share is shown in per cent. A value ``v`` stored as a share (0–1) is displayed as
  ``100 · v`` with the unit "%", in headlines, chart axes and tables alike (``display_unit``,
  ``to_display``), so a headline and its chart always agree.
* **Colours**: the Okabe–Ito palette (distinguishable with the common colour-vision deficiencies).
  One colour per series everywhere (``colour``): a series keeps its colour whichever other series
  share the chart. Event types take six of the eight colours, chosen so that every pair differs by at
  least 20 CIEDE2000 units for normal vision, 15 under simulated deuteranopia and 12 under
  protanopia (orange is left out: beside vermillion it differs by only 12.5 under deuteranopia).
* **No data** is never a grey inside a scale: bars and areas without data are hatched
  (``NO_DATA_PATTERN``), countries without a value are white with a dark outline, and the map's scale
  (Viridis) has no grey at all.
* **Tables** (``display_table``): human column names, dates as dates (``2024-03-05``, never
  ``00:00:00``), shares in %, and empty cells where a value is missing (never "None", "NaT" or "nan").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import pandas as pd

from datasets.schema import EVENT_TYPES
from metrics import catalog

BLACK, ORANGE, SKY, GREEN, YELLOW, BLUE, VERMILLION, PURPLE = (
    "#000000",
    "#E69F00",
    "#56B4E9",
    "#009E73",
    "#F0E442",
    "#0072B2",
    "#D55E00",
    "#CC79A7",
)
#: Okabe–Ito colours in the order series without a colour of their own take them.
PALETTE: tuple[str, ...] = (BLUE, ORANGE, GREEN, VERMILLION, PURPLE, SKY, YELLOW, BLACK)
GREY = "#9a9a9a"

FAMILY_COLOURS: dict[str, str] = {
    "stability_index": BLACK,
    "composite": BLACK,
    "conflict": VERMILLION,
    "collaboration": BLUE,
    "perception": GREEN,
}
EVENT_TYPE_COLOURS: dict[str, str] = dict(
    zip(EVENT_TYPES, (VERMILLION, BLUE, PURPLE, SKY, YELLOW, GREEN), strict=True)
)
#: Series with a colour of their own (the rest take their family's colour).
SERIES_COLOURS: dict[str, str] = {
    "stability_index": BLACK,
    "outcome_index": GREY,
    "score_conflict": VERMILLION,
    "score_collaboration": BLUE,
    "score_perception": GREEN,
    "incidents": VERMILLION,
    "incidents_rolling_12m": BLUE,
    "fatalities": PURPLE,
    "feel_safe": GREEN,
    "feel_unsafe": VERMILLION,
    "trust_military": BLUE,
    "confidence_alliances": ORANGE,
    "political_stability": PURPLE,
    "network_density": BLUE,
    "external_partners": SKY,
    "engagements_total": BLUE,
    "agreements_in_force": GREEN,
    "arms_imports_tiv": ORANGE,
    "arms_exports_tiv": SKY,
    "arms_intra_tiv": PURPLE,
    **EVENT_TYPE_COLOURS,
}

#: "No data": white with a dark outline, or hatched; never a grey on a grey scale.
NO_DATA_FILL = "#ffffff"
NO_DATA_LINE = "#555555"
NO_DATA_PATTERN: dict[str, object] = {"shape": "/", "fgcolor": "#777777", "bgcolor": "#ffffff", "size": 6}
#: The map's sequential scale: perceptually uniform, colour-blind-safe, no grey anywhere in it.
MAP_COLOURSCALE = "Viridis"

#: Human labels of the column names tables show.
COLUMN_LABELS: dict[str, str] = {
    "event_date": "Date",
    "date": "Date",
    "period": "Month",
    "year": "Year",
    "region": "Region",
    "country": "Country",
    "iso3": "Country code",
    "admin1": "Province or state",
    "location": "Place",
    "event_type": "Event type",
    "sub_event_type": "Event sub-type",
    "actor1": "Actor",
    "actor2": "Other actor",
    "fatalities": "Deaths",
    "incidents": "Incidents",
    "source": "Source",
    "notes": "Notes",
    "indicator": "Indicator code",
    "label": "Indicator",
    "value": "Value",
    "unit": "Unit",
    "rank": "Rank",
    "kind": "Kind",
    "engagements": "Engagements",
    "partner": "Partner",
    "weight": "Engagements",
    "lower": "Lower bound",
    "upper": "Upper bound",
    "sample_size": "Respondents",
    "wave": "Survey wave",
    "members": "Member countries",
    "covered": "Covered",
    "milestone": "Milestone",
    "window": "Window (months)",
    "comparison": "Comparison",
    "measure": "Measure",
    "estimate": "Estimate",
    "p_value": "p-value",
    "incidents_rate_ratio": "Change in incidents (rate ratio)",
    "fatalities_rate_ratio": "Change in deaths (rate ratio)",
    "rate_ratio": "Rate ratio",
    "ci_low": "95 % interval, lower",
    "ci_high": "95 % interval, upper",
    "ci_lower": "95 % interval, lower",
    "ci_upper": "95 % interval, upper",
    "before": "Before",
    "after": "After",
    "event_id": "Event id",
    "stability_index": "Stability index",
    "score_conflict": "Conflict score",
    "score_collaboration": "Collaboration score",
    "score_perception": "Perception score",
    "change_stability_index": "Index change",
    "change_score_conflict": "Conflict change",
    "change_score_collaboration": "Collaboration change",
    "change_score_perception": "Perception change",
    "coverage": "Weight with data",
    "what": "Measure",
    "95% interval": "95 % interval",
    "p": "p-value",
    "n_before": "Count before",
    "n_after": "Count after",
    "method": "Method",
    "finding": "Finding",
    "used": "Used",
    "reason": "Why",
}
#: Columns shown first where a table has them: what a reader looks for before the details.
FIRST_COLUMNS: tuple[str, ...] = ("finding", "what", "event_date", "country", "event_type", "fatalities")

_SHARE_UNIT = re.compile(r"^share\b")
_MISSING_TEXT = {"None", "NaT", "nan", "NaN", "<NA>"}


@dataclass(frozen=True)
class Term:
    """How one indicator is shown: ``label``, display ``unit``, ``colour``; ``percent`` when the
    stored value is a share (0–1) shown as ``100 · value`` %."""

    name: str
    label: str
    unit: str
    colour: str
    percent: bool

    def display(self, value: float | None) -> float | None:
        """The value in display units: ``100 · value`` for a share, else unchanged; missing stays missing."""
        if value is None or pd.isna(value):
            return None
        return 100.0 * float(value) if self.percent else float(value)


def is_share(unit: str) -> bool:
    """Whether a catalogue unit is a share (a value between 0 and 1, shown in %)."""
    return bool(_SHARE_UNIT.match(unit.strip().lower()))


def display_unit(unit: str) -> str:
    """The unit shown to people: "% of member pairs" for "share of member pairs", else ``unit``."""
    if unit.strip().lower() == "share points":
        return "percentage points"
    if is_share(unit):
        rest = unit.strip()[len("share") :].strip()
        rest = re.sub(r"^of\s+", "", rest)
        return f"% of {rest}" if rest else "%"
    return unit


@cache
def term(name: str) -> Term:
    """Label, display unit and colour of an indicator name of the catalogue (patterns included)."""
    ind = catalog.describe(name)
    base = re.sub(r"_(change_significant|change|sample_size|countries_covered|population_covered)$", "", name)
    colour = SERIES_COLOURS.get(name) or SERIES_COLOURS.get(base) or FAMILY_COLOURS.get(ind.family, BLACK)
    return Term(name, ind.label, display_unit(ind.unit), colour, is_share(ind.unit))


def catalogue_names() -> tuple[str, ...]:
    """Every indicator name the catalogue lists by name: the fixed ones and the survey questions."""
    return tuple(i.name for i in catalog._FIXED) + tuple(catalog._PERCEPTION_LABELS)


@cache
def _colour_by_label() -> dict[str, str]:
    out = {term(n).label: term(n).colour for n in catalogue_names()}
    out.update(EVENT_TYPE_COLOURS)
    return out


def colour(series: str, k: int = 0) -> str:
    """The one colour of a series, named by indicator name, label or event type; a series the
    vocabulary does not know (a region, an engagement kind) takes the ``k``-th palette colour."""
    if series in SERIES_COLOURS:
        return SERIES_COLOURS[series]
    if series in _colour_by_label():
        return _colour_by_label()[series]
    return PALETTE[k % len(PALETTE)]


def column_label(column: str) -> str:
    """Human label of a column name: ``COLUMN_LABELS``, else the catalogue label, else words."""
    if column in COLUMN_LABELS:
        return COLUMN_LABELS[column]
    if column in catalogue_names():
        return term(column).label
    return column.replace("_", " ").strip().capitalize()


def _is_date_column(s: pd.Series) -> bool:
    return pd.api.types.is_datetime64_any_dtype(s)


def _date_text(s: pd.Series) -> pd.Series:
    """Dates as ``YYYY-MM-DD`` (a time of day only where one is not midnight); missing → empty."""
    values = pd.to_datetime(s, errors="coerce")
    known = values.dropna()
    has_time = bool(((known.dt.hour != 0) | (known.dt.minute != 0)).any())
    text = values.dt.strftime("%Y-%m-%d %H:%M" if has_time else "%Y-%m-%d")
    return text.astype(object).where(values.notna(), "")


def display_table(
    frame: pd.DataFrame, *, shares: tuple[str, ...] = (), drop: tuple[str, ...] = ()
) -> pd.DataFrame:
    """A copy of ``frame`` ready to show: ``drop`` columns left out, ``FIRST_COLUMNS`` first, dates as
    dates, ``shares`` columns ×100 (in %), missing values as empty cells (text columns get "",
    numbers stay numbers with NaN, which ``styled`` draws empty), human column labels. The input
    is not changed."""
    first = [c for c in FIRST_COLUMNS if c in frame.columns and c not in drop]
    rest = [c for c in frame.columns if c not in first and c not in drop]
    out = frame.loc[:, first + rest].copy()
    for col in out.columns:
        s = out[col]
        if _is_date_column(s):
            out[col] = _date_text(s)
        elif col in shares:
            out[col] = pd.to_numeric(s, errors="coerce") * 100.0
        elif not pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
            text = s.astype(object).where(s.notna(), "")
            out[col] = text.map(lambda v: "" if str(v) in _MISSING_TEXT else v)
    labels: dict[object, str] = {}
    for c in out.columns:
        label = column_label(str(c)) + (" (%)" if c in shares else "")
        labels[c] = f"{label} ({c})" if label in labels.values() else label
    return out.rename(columns=labels)


def _signed(value: float) -> str:
    """A change with its sign and one decimal; a change that rounds to zero is "+0.0", never "-0.0"."""
    return f"{round(float(value), 1) + 0.0:+,.1f}"


def table_format(frame: pd.DataFrame) -> dict[str, Callable[[float], str] | str]:
    """Number formats per shown column (for ``Styler.format``): whole numbers without decimals,
    changes signed, other numbers with one decimal."""
    out: dict[str, Callable[[float], str] | str] = {}
    for col in frame.columns:
        s = frame[col]
        if pd.api.types.is_bool_dtype(s):
            continue
        if pd.api.types.is_integer_dtype(s):
            out[str(col)] = "{:,.0f}"
        elif pd.api.types.is_float_dtype(s):
            whole = s.dropna()
            signed = str(col).lower().endswith("change")
            if signed:
                out[str(col)] = _signed
            else:
                out[str(col)] = "{:,.0f}" if len(whole) and (whole == whole.round()).all() else "{:,.1f}"
    return out


def styled(
    frame: pd.DataFrame, *, shares: tuple[str, ...] = (), drop: tuple[str, ...] = ()
) -> pd.io.formats.style.Styler:
    """``display_table`` as a pandas ``Styler`` whose missing values render as empty cells, in every
    column (a column with no value at all has no number type: it is blanked too, never "None")."""
    shown = display_table(frame, shares=shares, drop=drop)
    return shown.style.format(na_rep="").format(table_format(shown), na_rep="")
