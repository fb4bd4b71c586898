"""Everything a view or command needs: the regions and the three tables, each with its provenance."""

from __future__ import annotations

import difflib
import functools
import os
from dataclasses import dataclass, field

import pandas as pd

from datasets.loaders import Dataset, load_regions, load_table

#: The indicator families backed by one table each (the composite combines them).
FAMILY_TABLES: tuple[str, ...] = ("conflict", "collaboration", "perception")


@dataclass(frozen=True)
class Bundle:
    """The loaded regions and tables. ``version`` changes whenever any table or the regions change."""

    regions: pd.DataFrame
    incidents: Dataset
    collaboration: Dataset
    perception: Dataset
    regions_label: str
    #: What the loaded tables cover (``datasets.coverage.load_coverage``): ``table, source, iso3,
    #: first_period, last_period, grain, first_day, last_day``.
    coverage: pd.DataFrame = field(default_factory=pd.DataFrame)

    def incidents_coverage(self) -> pd.DataFrame | None:
        """The incidents rows of ``coverage`` (None when the bundle carries no coverage): one table
        per bundle, so what is derived from it can be kept with it (never mutate it)."""
        return self._incidents_coverage

    @functools.cached_property
    def _incidents_coverage(self) -> pd.DataFrame | None:
        if self.coverage.empty or "table" not in self.coverage.columns:
            return None
        return self.coverage.loc[self.coverage["table"] == "incidents"].reset_index(drop=True)

    @property
    def datasets(self) -> tuple[Dataset, Dataset, Dataset]:
        return (self.incidents, self.collaboration, self.perception)

    @property
    def version(self) -> str:
        return "|".join(d.version for d in self.datasets) + f"|{self.regions_label}"

    @property
    def illustrative(self) -> bool:
        """True when the tables are the bundled sample (the store holds no table at all)."""
        return any(d.illustrative for d in self.datasets)

    def family_dataset(self, family: str) -> Dataset:
        """The table behind indicator family ``family`` (conflict → incidents, collaboration, perception)."""
        return {
            "conflict": self.incidents,
            "collaboration": self.collaboration,
            "perception": self.perception,
        }[family]

    def loaded_families(self) -> list[str]:
        """The indicator families (conflict, collaboration, perception) whose table holds data."""
        return [f for f in FAMILY_TABLES if self.family_dataset(f).loaded]

    def provenance(self, family: str) -> str:
        """What the values of ``family`` come from: ``sample``, the sources (e.g. "UCDP GED; ACLED
        export"), "" when none is loaded; for the composite, each family it uses with its sources
        ("conflict: UCDP GED; perception: WGI"), or ``sample``."""
        if family != "composite":
            return self.family_dataset(family).provenance
        if self.illustrative:
            return self.incidents.provenance
        return "; ".join(f"{f}: {self.family_dataset(f).provenance}" for f in self.loaded_families())

    @property
    def region_names(self) -> list[str]:
        return sorted(self.regions["region"].unique())

    def require_region(self, name: str) -> str:
        """The region called ``name`` (case-insensitive); ``ValueError`` naming close matches otherwise."""
        names = self.region_names
        for n in names:
            if n.casefold() == name.strip().casefold():
                return n
        close = difflib.get_close_matches(name, names, n=3)
        hint = (
            f"; did you mean {', '.join(repr(c) for c in close)}?"
            if close
            else "; `stability metrics` without --region lists every region"
        )
        raise ValueError(f"unknown region '{name}'{hint}")


def load_bundle(
    store: str | os.PathLike[str] | None = None,
    regions_path: str | os.PathLike[str] | None = None,
    *,
    as_of: str | None = None,
) -> Bundle:
    """Load regions (bundled or ``regions_path``) and the three tables (store, else sample).

    ``as_of`` (a batch id, date or time) loads the store's tables as they were then."""
    from datasets.coverage import load_coverage

    regions = load_regions(regions_path)
    label = str(regions_path) if regions_path is not None else "bundled regions"
    tables = {
        name: load_table(name, store, as_of=as_of) for name in ("incidents", "collaboration", "perception")
    }
    samples = {name: d.table for name, d in tables.items() if d.illustrative}
    return Bundle(
        regions=regions,
        incidents=tables["incidents"],
        collaboration=tables["collaboration"],
        perception=tables["perception"],
        regions_label=label,
        coverage=load_coverage(store, regions, samples=samples, as_of=as_of),
    )
