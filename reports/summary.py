"""Plain-language answers to the three questions, from the ranking and driver tables (pure)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from metrics.periods import end_month, start_month

#: An index change smaller than this (index points, either way) reads as "about the same".
STEADY_POINTS = 1.0
FAMILY_LABELS: dict[str, str] = {
    "conflict": "Conflict",
    "collaboration": "Military collaboration",
    "perception": "Public perception",
}


@dataclass(frozen=True)
class Answer:
    """How stable, which direction, and which family drives it, as three sentences."""

    level: str
    direction: str
    driver: str


def _finite(value: object) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(float(value))


def direction_word(change: float) -> str:
    """ "getting better" (change ≥ +1 point), "getting worse" (≤ −1), else "about the same";
    "unknown" when the change is missing."""
    if not _finite(change):
        return "unknown"
    if change >= STEADY_POINTS:
        return "getting better"
    if change <= -STEADY_POINTS:
        return "getting worse"
    return "about the same"


def no_index_sentence(region: str, row: pd.DataFrame, period: str) -> str:
    """Why ``region`` has no index in ``period``: which families have a score then (``row``: its
    ranking row, ``score_<family>`` columns; empty when the region is not ranked), and that the index
    needs two."""
    scored = [
        label
        for family, label in FAMILY_LABELS.items()
        if len(row) and f"score_{family}" in row and _finite(float(row[f"score_{family}"].iloc[0]))
    ]
    head = f"{region} has no stability index for {period}"
    why = (
        "(their data may end earlier, be yearly, or not cover enough of its people); each family's "
        "chart shows what there is."
    )
    if not scored:
        return f"{head}: no indicator family has a score for that month {why}"
    return (
        f"{head}: only {scored[0]} has a score for that month, and the index needs at least two "
        f"families. The others have no monthly values for {region} then {why}"
    )


def answer(
    region: str, ranking: pd.DataFrame, drivers: pd.DataFrame, *, period: str, previous: str, grouping: str
) -> Answer:
    """The three sentences for ``region``.

    ``ranking``: the output of ``metrics.breakdowns.region_ranking`` for the region's grouping;
    ``drivers``: ``metrics.breakdowns.family_drivers`` for the region.
    """
    row = ranking.loc[ranking["region"] == region]
    index = float(row["stability_index"].iloc[0]) if len(row) else math.nan
    change = float(row["change_stability_index"].iloc[0]) if len(row) else math.nan
    if not _finite(index):
        return Answer(no_index_sentence(region, row, period), "Direction: unknown.", "Driver: unknown.")
    ranked = int(ranking["stability_index"].notna().sum())
    rank = row["rank"].iloc[0]
    level = f"{region} scores {index:.1f} of 100 on the stability index in {period}"
    level += f" (rank {int(rank)} of {ranked} in {grouping})." if pd.notna(rank) else "."
    if not _finite(change):
        direction = f"Direction: unknown — no index for {previous} to compare with."
    else:
        direction = f"{direction_word(change).capitalize()}: {change:+.1f} points since {previous}."
    known = drivers.loc[drivers["contribution"].notna()]
    if known.empty:
        driver = "Driver: unknown — no family has a score in both months."
    else:
        top = known.iloc[0]
        label = FAMILY_LABELS.get(str(top["family"]), str(top["family"]))
        driver = (
            f"Largest contribution: {label} ({float(top['contribution']):+.1f} points; its score went from "
            f"{float(top['previous']):.1f} to {float(top['score']):.1f})."
        )
    return Answer(level, direction, driver)


def scores(ranking: pd.DataFrame, region: str) -> dict[str, tuple[float, float]]:
    """``{name: (value, change)}`` of ``region``'s ranking row for the index and the family scores
    (NaN when the region is not ranked)."""
    row = ranking.loc[ranking["region"] == region]
    out = {}
    for name in ("stability_index", "score_conflict", "score_collaboration", "score_perception"):
        if row.empty:
            out[name] = (math.nan, math.nan)
        else:
            out[name] = (float(row[name].iloc[0]), float(row[f"change_{name}"].iloc[0]))
    return out


@dataclass(frozen=True)
class Headline:
    """A headline number as the page shows it: the value, the change (or why there is none, or
    None) and how old its data are (``latest``: e.g. "latest: 2023"; "" when there are no data)."""

    value: str
    delta: str | None
    latest: str
    is_change: bool = False  # True when ``delta`` is a change (an arrow), False when it is a reason


def _before(period: str, other: str) -> bool:
    """True when ``period`` (``YYYY`` or ``YYYY-MM``) ends before the month or year ``other`` begins:
    its last month (a year's December) before ``other``'s first month (a year's January)."""
    return end_month(period) < start_month(other)


def headline(
    value: float,
    change: float,
    *,
    loaded: bool,
    latest: str | None,
    end: str,
    previous: str,
    fmt: str = "{:.1f}",
    change_fmt: str = "{:+.1f}",
    change_suffix: str = "",
) -> Headline:
    """A headline number with its staleness, never carried past its data as if current.

    - No data loaded for the family: "No data loaded", no change.
    - No value: "—" with the reason (its data end before ``end``, or no value for ``end``).
    - A value: formatted with ``fmt``; the change since ``previous`` only when the data reach past
      ``previous`` (both periods have data), else "no new data since <latest>".
    ``latest`` is the last period of the data behind the number (``YYYY`` for yearly data, else
    ``YYYY-MM``): the region's (``compute.region_latest``) or the family's; None: no data for the
    months shown.
    """
    if not loaded:
        return Headline("No data loaded", None, "")
    if latest is None:
        return Headline("—", "no data for these months", "")
    stamp = f"latest: {latest}"
    if not _finite(value):
        why = f"no value: data end {latest}" if _before(latest, end) else f"no value for {end}"
        return Headline("—", why, stamp)
    text = fmt.format(value)
    if not _before(previous, latest):
        return Headline(text, f"no new data since {latest}", stamp)
    if not _finite(change):
        return Headline(text, None, stamp)
    return Headline(text, change_fmt.format(change) + change_suffix, stamp, is_change=True)
