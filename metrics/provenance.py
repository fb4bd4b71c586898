"""Which data families a result rests on, and where those data come from.

Every output row says what it was computed from: the ``provenance`` column holds ``sample`` (the
bundled illustrative data), the sources behind the row's family (e.g. "UCDP GED; ACLED export"),
or, for the composite, each family it uses with its sources. A measure that needs a family with no
data loaded is not reported at all (it would be a statement about data that are not there).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

import pandas as pd

#: Measure-name prefixes of ``stability evaluate`` and the family each one reads.
_MEASURE_PREFIXES: tuple[tuple[str, str], ...] = (
    ("incidents_", "conflict"),
    ("fatalities_", "conflict"),
    ("engagements_", "collaboration"),
    ("network_density_", "collaboration"),
    ("perception_", "perception"),
)


def measure_families(measure: str) -> tuple[str, ...]:
    """The families (conflict, collaboration, perception) an evaluation ``measure`` reads.

    A lead–lag measure ``leadlag_<driver>_<outcome>`` reads the collaboration driver and its outcome
    (incidents: conflict; otherwise a perception measure). Unknown names read no family.
    """
    if measure.startswith("leadlag_"):
        outcome = "conflict" if measure.endswith("_incidents") else "perception"
        return ("collaboration", outcome)
    for prefix, family in _MEASURE_PREFIXES:
        if measure.startswith(prefix):
            return (family,)
    return ()


def loaded_measures(table: pd.DataFrame, loaded: Collection[str]) -> pd.DataFrame:
    """Rows of an evaluation ``table`` whose measure reads only ``loaded`` families (index reset)."""
    keep = table["measure"].map(lambda m: set(measure_families(str(m))) <= set(loaded))
    return table.loc[keep.astype(bool)].reset_index(drop=True)


def evaluation_provenance(table: pd.DataFrame, by_family: Mapping[str, str]) -> pd.DataFrame:
    """``table`` with a ``provenance`` column: the sources of the families each measure reads,
    joined by "; " once each (``sample`` when they are the sample)."""
    out = table.copy()

    def sources(measure: object) -> str:
        parts = [by_family.get(f, "") for f in measure_families(str(measure))]
        return "; ".join(dict.fromkeys(p for part in parts for p in part.split("; ") if p))

    out["provenance"] = out["measure"].map(sources).astype(str) if len(out) else pd.Series(dtype=str)
    return out


def tidy_provenance(tidy: pd.DataFrame, by_family: Mapping[str, str]) -> pd.DataFrame:
    """Tidy indicators with a ``provenance`` column taken from ``by_family`` (family → provenance)."""
    out = tidy.copy()
    out["provenance"] = out["family"].map(lambda f: by_family.get(str(f), "")).astype(str)
    return out
