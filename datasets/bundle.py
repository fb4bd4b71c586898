"""Everything a view or command needs: the regions and the three tables, each with its provenance."""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass

import pandas as pd

from datasets.loaders import Dataset, load_regions, load_table


@dataclass(frozen=True)
class Bundle:
    """The loaded regions and tables. ``version`` changes whenever any table or the regions change."""

    regions: pd.DataFrame
    incidents: Dataset
    collaboration: Dataset
    perception: Dataset
    regions_label: str

    @property
    def datasets(self) -> tuple[Dataset, Dataset, Dataset]:
        return (self.incidents, self.collaboration, self.perception)

    @property
    def version(self) -> str:
        return "|".join(d.version for d in self.datasets) + f"|{self.regions_label}"

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
    regions = load_regions(regions_path)
    label = str(regions_path) if regions_path is not None else "bundled regions"
    return Bundle(
        regions=regions,
        incidents=load_table("incidents", store, as_of=as_of),
        collaboration=load_table("collaboration", store, as_of=as_of),
        perception=load_table("perception", store, as_of=as_of),
        regions_label=label,
    )
