"""Synthetic ACLED-scale incident tables for benchmarks (not used by the tool, never shown as data).

The structure imitates a real conflict archive: a few countries hold most events (Zipf), each
country's events concentrate in a few admin1 units, event types and fatalities vary by country, and
the span is 1997-01 to 2025-12.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from datasets.countries import CURRENT_ISO3
from datasets.schema import EVENT_TYPES, INCIDENTS


def acled_like(n: int = 3_000_000, seed: int = 1) -> pa.Table:
    """``n`` incidents in the canonical incidents schema."""
    rng = np.random.default_rng(seed)
    countries = np.array(sorted(CURRENT_ISO3))[rng.permutation(len(CURRENT_ISO3))[:180]]
    weights = 1.0 / np.arange(1, len(countries) + 1) ** 1.1
    country = rng.choice(len(countries), size=n, p=weights / weights.sum())
    n_admin = rng.integers(5, 40, size=len(countries))
    admin_rank = np.minimum(rng.zipf(1.6, size=n) - 1, n_admin[country] - 1)
    admin = np.char.add(np.char.add(countries[country], " Province "), admin_rank.astype(str))
    first = np.datetime64("1997-01-01")
    span = (np.datetime64("2025-12-31") - first).astype(int)
    # later years hold more events, as in real archives
    day = (span * np.sqrt(rng.random(n))).astype(int)
    dates = first + day.astype("timedelta64[D]")
    type_p = np.array([0.25, 0.15, 0.15, 0.3, 0.1, 0.05])
    etype = np.array(EVENT_TYPES)[rng.choice(6, size=n, p=type_p)]
    deadly = np.isin(etype, ["Battles", "Explosions/Remote violence", "Violence against civilians"])
    fat = np.where(deadly & (rng.random(n) < 0.55), np.floor(rng.lognormal(0.8, 1.2, size=n)), 0).astype(
        np.int64
    )
    civ = np.where(etype == "Violence against civilians", True, False)
    lat = rng.uniform(-40, 60, size=n)
    lon = rng.uniform(-120, 150, size=n)
    columns = {
        "event_id": pa.array(np.char.add("BEN", np.arange(n).astype(str))),
        "event_date": pa.array(dates, pa.date32()),
        "iso3": pa.array(countries[country]),
        "country": pa.array(countries[country]),
        "admin1": pa.array(admin),
        "event_type": pa.array(etype),
        "sub_event_type": pa.array(etype),
        "actor1": pa.array(np.char.add("Actor ", (country % 50).astype(str))),
        "actor2": pa.nulls(n, pa.string()),
        "fatalities": pa.array(fat),
        "civilian_targeting": pa.array(civ),
        "latitude": pa.array(lat),
        "longitude": pa.array(lon),
        "source": pa.array(np.full(n, "Benchmark")),
        "notes": pa.array(np.full(n, "Synthetic benchmark incident with a short description of the event.")),
        "events": pa.nulls(n, pa.int64()),  # one incident per row
        "grain": pa.nulls(n, pa.string()),  # dated events (the default grain)
    }
    return pa.table(columns, schema=INCIDENTS.arrow_schema)
