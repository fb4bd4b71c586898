"""All indicator families at once, in the tidy grain, from the three tables and the regions.

Each family is computed over the whole data (so trailing statistics see the months before
``start``); the composite is scaled against fixed goalposts, so it does not depend on the other
regions or the period; then rows are clipped to the period and, when asked, to the chosen regions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from metrics.collaboration import collaboration_indicators
from metrics.composite import composite_indicators
from metrics.conflict import conflict_indicators
from metrics.frames import TableLike, clip_periods, empty_tidy, finish, parse_period
from metrics.perception import perception_indicators

FAMILIES: tuple[str, ...] = ("conflict", "collaboration", "perception", "composite")


def compute_indicators(
    incidents: TableLike,
    collaboration: TableLike,
    perception: TableLike,
    regions: pd.DataFrame,
    *,
    families: Sequence[str] = FAMILIES,
    region_names: Sequence[str] | None = None,
    start: str | None = None,
    end: str | None = None,
    event_types: Sequence[str] | None = None,
    min_fatalities: int = 0,
    countries: Sequence[str] | None = None,
    weights: Mapping[str, float] | None = None,
    coverage: pd.DataFrame | None = None,
    population: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Tidy indicators (``region, period, family, indicator, value, ci_low, ci_high, covered_share``).

    ``coverage`` (the coverage table, ``datasets.coverage.load_coverage``; its incidents rows for
    conflict, its collaboration rows for the arms-transfer TIV) and ``population`` (default: the
    bundled World Bank table, ``datasets.loaders.load_population``) go to ``conflict_indicators``
    and ``collaboration_indicators``: values are computed over the covered members and carry their
    ``covered_share`` of the region's population.

    ``families`` chooses which families to return; ``region_names`` keeps those regions. Filters apply to
    incidents (see ``conflict_indicators``); ``weights`` to the composite.
    """
    if population is None:  # the bundled World Bank table: covered shares are shares of people
        from datasets.loaders import load_population

        population = load_population()
    unknown = [f for f in families if f not in FAMILIES]
    if unknown:
        raise ValueError(f"unknown family '{unknown[0]}'; expected one of {', '.join(FAMILIES)}")
    start_p, end_p = parse_period(start), parse_period(end)
    if start_p is not None and end_p is not None and start_p > end_p:
        raise ValueError(f"start {start} is after end {end}")
    want = set(families)
    needs_all = "composite" in want
    conflict_regions = regions
    if region_names is not None:  # every index depends on its own region only
        conflict_regions = regions.loc[regions["region"].isin(region_names)]
    parts: dict[str, pd.DataFrame] = {}
    if want & {"conflict", "composite"}:
        parts["conflict"] = conflict_indicators(
            incidents,
            conflict_regions,
            event_types=event_types,
            min_fatalities=min_fatalities,
            countries=countries,
            coverage=coverage,
            population=population,
        )
    if want & {"collaboration", "composite"}:
        parts["collaboration"] = collaboration_indicators(
            collaboration, conflict_regions, coverage=coverage, population=population
        )
    if want & {"perception", "composite"}:
        parts["perception"] = perception_indicators(perception, conflict_regions)
    if needs_all:
        parts["composite"] = composite_indicators(
            parts["conflict"],
            parts["collaboration"],
            parts["perception"],
            conflict_regions,
            weights=weights,
            start=start,
            end=end,
        )
    frames = [parts[f] for f in FAMILIES if f in want and len(parts[f])]
    if not frames:
        return empty_tidy()
    out = pd.concat(frames, ignore_index=True)
    ends = out["indicator"].str.startswith("coverage_end")  # where the data end, whatever the period
    out = pd.concat([clip_periods(out.loc[~ends], start_p, end_p), out.loc[ends]], ignore_index=True)
    if region_names is not None:
        out = out.loc[out["region"].isin(region_names)]
    return finish(out)
