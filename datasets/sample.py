"""Seeded generator of the bundled, ILLUSTRATIVE sample data.

Nothing in these tables is a real observation. The generator draws synthetic incidents,
engagements and survey waves for the five bundled security groupings so that the dashboard,
the metrics and their tests have data with a known, documented structure:

- **ASEAN**: incidents fall steadily from 2019 (monthly counts about halve by 2025) while the
  number of distinct member pairs tied by engagements grows every year from 2018, and the share
  of people who feel safe rises.
- **Sahel**: incidents and fatalities rise every year; collaboration among members thins out
  after 2021 as states leave the multilateral exercise; feeling safe falls.
- **Middle East**: a stable level with one sudden spike in 2023-10 (about four times the trailing
  12-month mean) that decays within a few months; feeling safe dips after 2023.
- **NATO Europe** and **East Asia**: low, stable levels of mostly Protests/Riots and
  Protests/Strategic developments; dense, stable collaboration.

Run ``python -m datasets.sample`` to regenerate ``datasets/data/sample_*.parquet`` and the
sidecar ``sample.meta.json``. The same seed gives byte-identical files.

Conventions of the generated tables:

- ``weight`` of an engagement is 1.0, except arms transfers, whose weight is the transfer's
  value in TIV millions (5-500). The breadth of a multilateral exercise is carried by its
  ``participants`` list, not by its weight.
- A defence agreement's ``end_date`` is empty while it is in force. An arms transfer is a
  delivery on one day (``end_date`` = ``start_date``).
- The ASEAN Defence Ministers' Meeting-Plus is recorded as a visit of the plus partners to the
  ASEAN chair of the year (participants: the chair and the partners); ties among ASEAN members
  are recorded as bilateral engagements.
- Perception rows are national (``breakdown`` empty); ``std_error``, ``ci_low`` and ``ci_high``
  are empty. North Korea is never surveyed and a few other waves are missing.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from datasets import schema

DEFAULT_SEED: int = 20240601
#: Value of the ``source`` column of every generated row.
SOURCE: str = "Sample (illustrative)"
SURVEY: str = "Illustrative Security Survey"
GROUPING: str = "Security grouping"
FIRST_YEAR: int = 2015
LAST_YEAR: int = 2025
START: dt.date = dt.date(FIRST_YEAR, 1, 1)
END: dt.date = dt.date(LAST_YEAR, 12, 31)
N_MONTHS: int = (LAST_YEAR - FIRST_YEAR + 1) * 12

DATA_DIR: Path = Path(__file__).resolve().parent / "data"
#: File name of each generated table inside ``DATA_DIR``.
FILES: dict[str, str] = {
    "incidents": "sample_incidents.parquet",
    "collaboration": "sample_collaboration.parquet",
    "perception": "sample_perception.parquet",
}
META_FILE: str = "sample.meta.json"
_SCHEMAS: dict[str, schema.TableSchema] = {
    "incidents": schema.INCIDENTS,
    "collaboration": schema.COLLABORATION,
    "perception": schema.PERCEPTION,
}


def _codes(text: str) -> tuple[str, ...]:
    """ISO3 codes from a space-separated string."""
    return tuple(text.split())


#: The bundled security groupings and their members (ISO3). Mirrors ``datasets/data/regions.csv``.
REGION_MEMBERS: dict[str, tuple[str, ...]] = {
    "NATO Europe": _codes(
        "ALB BEL BGR HRV CZE DNK EST FIN FRA DEU GRC HUN ISL ITA LVA LTU LUX MNE NLD MKD NOR POL PRT ROU "
        "SVK SVN ESP SWE TUR GBR"
    ),
    "East Asia": _codes("JPN KOR CHN PRK MNG TWN"),
    "ASEAN": _codes("BRN KHM IDN LAO MYS MMR PHL SGP THA VNM TLS"),
    "Sahel": _codes("BFA MLI NER TCD MRT SEN"),
    "Middle East": _codes("BHR EGY IRN IRQ ISR JOR KWT LBN OMN PSE QAT SAU SYR ARE YEM"),
}
#: States that take part in engagements but belong to none of the bundled regions.
EXTERNAL_PARTNERS: tuple[str, ...] = ("USA", "CAN", "AUS", "IND")


@dataclass(frozen=True)
class Country:
    """A country of the sample: approximate centroid, extent and baseline incident rate.

    ``spread`` is the half-width in degrees of the box around the centroid where admin1 points
    and incidents may fall; ``rate`` the mean number of incidents per month in 2015; ``mix`` the
    key of its event-type profile in ``_MIXES``.
    """

    iso3: str
    name: str
    lat: float
    lon: float
    spread: float
    rate: float
    mix: str


_COUNTRIES: tuple[Country, ...] = (
    # NATO Europe
    Country("ALB", "Albania", 41.1, 20.0, 0.6, 1.5, "civic"),
    Country("BEL", "Belgium", 50.6, 4.6, 0.6, 4.0, "civic"),
    Country("BGR", "Bulgaria", 42.7, 25.3, 1.1, 1.5, "civic"),
    Country("HRV", "Croatia", 45.3, 16.0, 0.8, 1.0, "civic"),
    Country("CZE", "Czechia", 49.8, 15.5, 1.1, 2.0, "civic"),
    Country("DNK", "Denmark", 56.0, 9.5, 0.8, 1.0, "civic"),
    Country("EST", "Estonia", 58.7, 25.5, 0.9, 0.5, "civic"),
    Country("FIN", "Finland", 63.0, 26.0, 2.5, 0.8, "civic"),
    Country("FRA", "France", 46.6, 2.4, 2.8, 25.0, "civic"),
    Country("DEU", "Germany", 51.1, 10.4, 2.4, 22.0, "civic"),
    Country("GRC", "Greece", 39.3, 22.0, 1.3, 6.0, "civic"),
    Country("HUN", "Hungary", 47.2, 19.4, 1.1, 2.0, "civic"),
    Country("ISL", "Iceland", 64.9, -18.6, 1.2, 0.2, "civic"),
    Country("ITA", "Italy", 42.8, 12.6, 2.2, 14.0, "civic"),
    Country("LVA", "Latvia", 56.9, 24.6, 0.9, 0.5, "civic"),
    Country("LTU", "Lithuania", 55.2, 23.9, 0.9, 0.6, "civic"),
    Country("LUX", "Luxembourg", 49.8, 6.1, 0.2, 0.2, "civic"),
    Country("MNE", "Montenegro", 42.7, 19.3, 0.4, 0.6, "civic"),
    Country("NLD", "Netherlands", 52.2, 5.5, 0.7, 4.0, "civic"),
    Country("MKD", "North Macedonia", 41.6, 21.7, 0.5, 1.0, "civic"),
    Country("NOR", "Norway", 61.0, 9.0, 2.5, 1.0, "civic"),
    Country("POL", "Poland", 52.1, 19.4, 2.0, 8.0, "civic"),
    Country("PRT", "Portugal", 39.6, -8.0, 1.1, 2.0, "civic"),
    Country("ROU", "Romania", 45.9, 25.0, 1.8, 4.0, "civic"),
    Country("SVK", "Slovakia", 48.7, 19.7, 0.8, 0.8, "civic"),
    Country("SVN", "Slovenia", 46.1, 14.8, 0.5, 0.5, "civic"),
    Country("ESP", "Spain", 40.2, -3.6, 2.4, 12.0, "civic"),
    Country("SWE", "Sweden", 62.0, 15.0, 2.8, 2.0, "civic"),
    Country("TUR", "Turkey", 39.0, 35.2, 3.2, 20.0, "insurgency"),
    Country("GBR", "United Kingdom", 53.5, -2.0, 2.2, 18.0, "civic"),
    # East Asia
    Country("JPN", "Japan", 36.2, 138.3, 2.8, 8.0, "civic_east"),
    Country("KOR", "South Korea", 36.5, 127.9, 1.0, 16.0, "civic_east"),
    Country("CHN", "China", 33.0, 108.0, 7.0, 18.0, "civic_east"),
    Country("PRK", "North Korea", 40.3, 127.5, 1.2, 4.0, "signalling"),
    Country("MNG", "Mongolia", 46.9, 103.8, 4.5, 3.0, "civic_east"),
    Country("TWN", "Taiwan", 23.7, 121.0, 0.8, 6.0, "civic_east"),
    # ASEAN
    Country("BRN", "Brunei", 4.5, 114.7, 0.2, 0.2, "quiet"),
    Country("KHM", "Cambodia", 12.6, 104.9, 1.5, 6.0, "quiet"),
    Country("IDN", "Indonesia", -2.5, 118.0, 7.0, 35.0, "insurgency"),
    Country("LAO", "Laos", 18.2, 103.9, 1.8, 1.5, "quiet"),
    Country("MYS", "Malaysia", 4.2, 101.9, 1.4, 6.0, "quiet"),
    Country("MMR", "Myanmar", 19.8, 96.1, 3.0, 70.0, "civil_war"),
    Country("PHL", "Philippines", 12.9, 122.0, 3.0, 65.0, "insurgency"),
    Country("SGP", "Singapore", 1.35, 103.82, 0.08, 0.4, "quiet"),
    Country("THA", "Thailand", 15.1, 101.0, 2.4, 25.0, "insurgency"),
    Country("VNM", "Vietnam", 14.1, 108.3, 2.4, 4.0, "quiet"),
    Country("TLS", "Timor-Leste", -8.8, 125.7, 0.4, 1.0, "quiet"),
    # Sahel
    Country("BFA", "Burkina Faso", 12.2, -1.6, 2.0, 14.0, "sahel"),
    Country("MLI", "Mali", 17.6, -4.0, 4.0, 28.0, "sahel"),
    Country("NER", "Niger", 17.6, 8.1, 4.0, 14.0, "sahel"),
    Country("TCD", "Chad", 15.5, 18.7, 4.0, 9.0, "sahel"),
    Country("MRT", "Mauritania", 20.3, -10.9, 3.5, 2.0, "quiet"),
    Country("SEN", "Senegal", 14.5, -14.5, 1.4, 4.0, "quiet"),
    # Middle East
    Country("BHR", "Bahrain", 26.07, 50.55, 0.1, 3.0, "quiet"),
    Country("EGY", "Egypt", 26.8, 30.8, 3.0, 12.0, "quiet"),
    Country("IRN", "Iran", 32.4, 53.7, 5.0, 15.0, "quiet"),
    Country("IRQ", "Iraq", 33.2, 43.7, 3.0, 60.0, "mixed"),
    Country("ISR", "Israel", 31.4, 34.9, 0.7, 12.0, "mixed"),
    Country("JOR", "Jordan", 31.0, 36.4, 1.0, 4.0, "quiet"),
    Country("KWT", "Kuwait", 29.3, 47.6, 0.4, 1.5, "quiet"),
    Country("LBN", "Lebanon", 33.9, 35.9, 0.4, 10.0, "mixed"),
    Country("OMN", "Oman", 21.5, 55.9, 2.5, 0.8, "quiet"),
    Country("PSE", "Palestine", 31.8, 35.0, 0.35, 25.0, "mixed"),
    Country("QAT", "Qatar", 25.35, 51.18, 0.3, 0.5, "quiet"),
    Country("SAU", "Saudi Arabia", 23.9, 45.1, 5.0, 6.0, "quiet"),
    Country("SYR", "Syria", 34.8, 38.9, 1.8, 120.0, "civil_war"),
    Country("ARE", "United Arab Emirates", 23.8, 54.3, 0.9, 0.8, "quiet"),
    Country("YEM", "Yemen", 15.6, 47.5, 2.5, 80.0, "civil_war"),
)
#: Names of the external partners (collaboration only; they have no incidents or surveys).
_PARTNER_NAMES: dict[str, str] = {"USA": "United States", "CAN": "Canada", "AUS": "Australia", "IND": "India"}

EVENT_TYPES: tuple[str, ...] = schema.EVENT_TYPES
# Shares of the six ACLED event types, in the order of ``schema.EVENT_TYPES``:
# Battles, Explosions/Remote violence, Violence against civilians, Protests, Riots, Strategic developments.
_MIXES: dict[str, tuple[float, ...]] = {
    "civic": (0.01, 0.01, 0.02, 0.72, 0.14, 0.10),
    "civic_east": (0.003, 0.007, 0.01, 0.55, 0.05, 0.38),
    "signalling": (0.0, 0.02, 0.03, 0.01, 0.0, 0.94),
    "quiet": (0.02, 0.02, 0.05, 0.62, 0.17, 0.12),
    "insurgency": (0.25, 0.12, 0.20, 0.28, 0.05, 0.10),
    "civil_war": (0.42, 0.18, 0.20, 0.10, 0.02, 0.08),
    "sahel": (0.33, 0.12, 0.37, 0.08, 0.03, 0.07),
    "mixed": (0.15, 0.35, 0.12, 0.25, 0.05, 0.08),
    # extra events of the 2023-10 Middle East spike
    "spike_strikes": (0.12, 0.60, 0.15, 0.06, 0.02, 0.05),
    "spike_protests": (0.05, 0.10, 0.03, 0.70, 0.08, 0.04),
}
_MIX_NAMES: tuple[str, ...] = tuple(_MIXES)

_SUB_EVENTS: dict[str, tuple[tuple[str, float], ...]] = {
    "Battles": (
        ("Armed clash", 0.88),
        ("Government regains territory", 0.07),
        ("Non-state actor overtakes territory", 0.05),
    ),
    "Explosions/Remote violence": (
        ("Shelling/artillery/missile attack", 0.35),
        ("Air/drone strike", 0.30),
        ("Remote explosive/landmine/IED", 0.28),
        ("Grenade", 0.04),
        ("Suicide bomb", 0.025),
        ("Chemical weapon", 0.005),
    ),
    "Violence against civilians": (
        ("Attack", 0.78),
        ("Abduction/forced disappearance", 0.18),
        ("Sexual violence", 0.04),
    ),
    "Protests": (
        ("Peaceful protest", 0.88),
        ("Protest with intervention", 0.10),
        ("Excessive force against protesters", 0.02),
    ),
    "Riots": (("Violent demonstration", 0.7), ("Mob violence", 0.3)),
    "Strategic developments": (
        ("Arrests", 0.25),
        ("Looting/property destruction", 0.15),
        ("Disrupted weapons use", 0.15),
        ("Change to group/activity", 0.15),
        ("Agreement", 0.08),
        ("Headquarters or base established", 0.05),
        ("Non-violent transfer of territory", 0.04),
        ("Other", 0.13),
    ),
}

_MIL, _POL, _GOV = "Military Forces of {c}", "Police Forces of {c}", "Government of {c}"
_UAG, _REB, _MILITIA = "Unidentified Armed Group ({c})", "Rebel Group ({c})", "Communal Militia ({c})"
_CIV, _PROT, _RIOT = "Civilians ({c})", "Protesters ({c})", "Rioters ({c})"
# (actor1, actor2, probability) per event type; Explosions split by civilian targeting.
_ACTORS: dict[str, tuple[tuple[str, str | None, float], ...]] = {
    "Battles": (
        (_MIL, _REB, 0.35),
        (_MIL, _UAG, 0.25),
        (_REB, _MILITIA, 0.15),
        (_UAG, _POL, 0.15),
        (_UAG, _MILITIA, 0.10),
    ),
    "Explosions/Remote violence": ((_MIL, _REB, 0.45), (_UAG, _MIL, 0.40), (_UAG, None, 0.15)),
    "Explosions/Remote violence (civilians)": ((_UAG, _CIV, 0.6), (_MIL, _CIV, 0.4)),
    "Violence against civilians": (
        (_UAG, _CIV, 0.45),
        (_REB, _CIV, 0.20),
        (_MILITIA, _CIV, 0.15),
        (_MIL, _CIV, 0.12),
        (_POL, _CIV, 0.08),
    ),
    "Protests": ((_PROT, None, 1.0),),
    "Riots": ((_RIOT, _POL, 0.5), (_RIOT, _CIV, 0.3), (_RIOT, None, 0.2)),
    "Strategic developments": (
        (_MIL, None, 0.45),
        (_POL, None, 0.25),
        (_GOV, None, 0.15),
        (_UAG, None, 0.15),
    ),
}

# Fatalities: zero with probability p_zero, else negative binomial with the given mean and
# dispersion k (variance = mean + mean^2 / k), so the tail is heavy.
_FATALITIES: dict[str, tuple[float, float, float]] = {
    "Battles": (0.35, 5.0, 0.6),
    "Explosions/Remote violence": (0.55, 4.0, 0.4),
    "Violence against civilians": (0.35, 2.5, 0.6),
    "Protests": (0.997, 1.0, 2.0),
    "Riots": (0.93, 1.2, 1.0),
    "Strategic developments": (0.99, 1.0, 1.0),
}
_SEVERITY: dict[str, float] = {
    "NATO Europe": 0.4,
    "East Asia": 0.3,
    "ASEAN": 1.0,
    "Sahel": 1.3,
    "Middle East": 1.0,
}
# Seasonality: amplitude (on the log scale) and peak month; the Sahel fights in the dry season.
_SEASON: dict[str, tuple[float, int]] = {
    "NATO Europe": (0.12, 5),
    "East Asia": (0.10, 6),
    "ASEAN": (0.15, 3),
    "Sahel": (0.25, 3),
    "Middle East": (0.10, 5),
}
#: Monthly log-rate decline of ASEAN incidents from 2019-01 (about -12 % a year).
ASEAN_DECLINE: float = 0.0115
#: Yearly log-rate growth of Sahel incidents per country (escalation).
SAHEL_GROWTH: dict[str, float] = {
    "BFA": 0.20,
    "MLI": 0.12,
    "NER": 0.16,
    "TCD": 0.10,
    "MRT": 0.05,
    "SEN": 0.05,
}
#: Middle East spike: incident-rate multipliers by month for the three front-line countries and the rest.
ME_SPIKE: dict[str, dict[str, float]] = {
    "2023-10": {"ISR": 12.0, "PSE": 18.0, "LBN": 8.0, "other": 2.8},
    "2023-11": {"ISR": 4.0, "PSE": 6.0, "LBN": 4.0, "other": 1.5},
    "2023-12": {"ISR": 2.0, "PSE": 3.0, "LBN": 2.5, "other": 1.2},
    "2024-01": {"ISR": 1.5, "PSE": 2.0, "LBN": 1.5, "other": 1.1},
    "2024-02": {"ISR": 1.2, "PSE": 1.4, "LBN": 1.2, "other": 1.0},
}
_FRONT_LINE: frozenset[str] = frozenset({"ISR", "PSE", "LBN"})


def _region_of() -> dict[str, str]:
    return {iso3: region for region, members in REGION_MEMBERS.items() for iso3 in members}


def _names() -> dict[str, str]:
    return {**{c.iso3: c.name for c in _COUNTRIES}, **_PARTNER_NAMES}


def _month_index(label: str) -> int:
    year, month = (int(p) for p in label.split("-"))
    return (year - FIRST_YEAR) * 12 + month - 1


def _end_date(kind: str, start: dt.date, days: int | None) -> dt.date | None:
    """Last day of an engagement lasting ``days`` days, never after ``END``.

    Agreements and training missions that last beyond ``END`` are still running: no end date.
    Other engagements are cut at ``END``.
    """
    if days is None:
        return None
    end = start + dt.timedelta(days=days - 1)
    if end <= END:
        return end
    return None if kind in ("defence_agreement", "training_mission") else END


# ----------------------------------------------------------------------------------------------
# Incidents
# ----------------------------------------------------------------------------------------------


def _admin1(rng: np.random.Generator) -> dict[str, tuple[list[str], np.ndarray, np.ndarray, np.ndarray]]:
    """Per country: admin1 names, latitudes, longitudes and the share of incidents in each."""
    out: dict[str, tuple[list[str], np.ndarray, np.ndarray, np.ndarray]] = {}
    for c in _COUNTRIES:
        k = int(np.clip(round(3 + 1.6 * c.spread), 3, 12))
        lat = c.lat + rng.uniform(-0.6, 0.6, k) * c.spread
        lon = c.lon + rng.uniform(-0.6, 0.6, k) * c.spread
        share = rng.dirichlet(np.full(k, 1.0))
        out[c.iso3] = ([f"{c.name} Province {i + 1}" for i in range(k)], lat, lon, share)
    return out


def _incident_rates(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Expected monthly incidents per (country, month): the base layer and the spike layer.

    Returns ``(base, extra, extra_mix)``: ``base`` and ``extra`` are (countries x months) rates;
    ``extra_mix`` is the ``_MIX_NAMES`` index of each country's spike events.
    """
    region_of = _region_of()
    months = np.arange(N_MONTHS)
    calendar_month = months % 12 + 1
    base = np.empty((len(_COUNTRIES), N_MONTHS))
    extra = np.zeros_like(base)
    extra_mix = np.zeros(len(_COUNTRIES), dtype=np.int64)
    for i, c in enumerate(_COUNTRIES):
        region = region_of[c.iso3]
        amp, peak = _SEASON[region]
        log_rate = np.log(c.rate) + amp * np.cos(2 * np.pi * (calendar_month - peak) / 12)
        if region == "ASEAN":
            log_rate -= ASEAN_DECLINE * np.clip(months - _month_index("2018-12"), 0, None)
        if region == "Sahel":
            log_rate += SAHEL_GROWTH[c.iso3] * months / 12
        # persistent country-level noise: AR(1) on the log scale
        noise = np.empty(N_MONTHS)
        noise[0] = rng.normal(0.0, 0.04 / np.sqrt(1 - 0.5**2))
        shocks = rng.normal(0.0, 0.04, N_MONTHS)
        for m in range(1, N_MONTHS):
            noise[m] = 0.5 * noise[m - 1] + shocks[m]
        base[i] = np.exp(log_rate + noise)
        if region == "Middle East":
            key = c.iso3 if c.iso3 in _FRONT_LINE else "other"
            for label, factors in ME_SPIKE.items():
                m = _month_index(label)
                extra[i, m] = base[i, m] * (factors[key] - 1.0)
            extra_mix[i] = _MIX_NAMES.index("spike_strikes" if c.iso3 in _FRONT_LINE else "spike_protests")
    return base, extra, extra_mix


def _choose(rng: np.random.Generator, probs: Sequence[float], size: int) -> np.ndarray:
    """``size`` indices drawn with the (normalised) probabilities ``probs``."""
    p = np.asarray(probs, dtype=float)
    return rng.choice(len(p), size=size, p=p / p.sum())


def _incidents(rng: np.random.Generator) -> pa.Table:
    """Draw the incident table (see ``generate``)."""
    region_of = _region_of()
    n_c = len(_COUNTRIES)
    admin1 = _admin1(rng)
    base, extra, extra_mix = _incident_rates(rng)
    base_mix = np.array([_MIX_NAMES.index(c.mix) for c in _COUNTRIES])

    # 1. counts per (country, month), for the base layer then the spike layer
    country_idx, month_idx, mix_idx, layer = [], [], [], []
    for lam, mixes, lay in ((base, base_mix, 0), (extra, extra_mix, 1)):
        counts = rng.poisson(lam)
        flat = counts.ravel()
        ci = np.repeat(np.repeat(np.arange(n_c), N_MONTHS), flat)
        mi = np.repeat(np.tile(np.arange(N_MONTHS), n_c), flat)
        country_idx.append(ci)
        month_idx.append(mi)
        mix_idx.append(mixes[ci])
        layer.append(np.full(len(ci), lay))
    ci = np.concatenate(country_idx)
    mi = np.concatenate(month_idx)
    mix = np.concatenate(mix_idx)
    spike = np.concatenate(layer) == 1
    n = len(ci)

    # 2. dates: a uniform day of the month
    years = FIRST_YEAR + mi // 12
    month_days = np.array([calendar.monthrange(FIRST_YEAR + m // 12, m % 12 + 1)[1] for m in range(N_MONTHS)])
    day = np.floor(rng.random(n) * month_days[mi]).astype(np.int64) + 1
    start_days = np.array(
        [(dt.date(FIRST_YEAR + m // 12, m % 12 + 1, 1) - dt.date(1970, 1, 1)).days for m in range(N_MONTHS)]
    )
    epoch_day = start_days[mi] + day - 1

    # 3. event type from the row's mix, then sub-event type
    cum = np.cumsum(np.array([_MIXES[k] for k in _MIX_NAMES]), axis=1)
    cum /= cum[:, -1:]
    etype = np.minimum((rng.random(n)[:, None] > cum[mix]).sum(axis=1), len(EVENT_TYPES) - 1)
    sub_event = np.empty(n, dtype=object)
    for t, name in enumerate(EVENT_TYPES):
        rows = np.flatnonzero(etype == t)
        labels, probs = zip(*_SUB_EVENTS[name], strict=True)
        sub_event[rows] = np.array(labels, dtype=object)[_choose(rng, probs, len(rows))]

    # 4. civilian targeting, actors
    civ = np.zeros(n, dtype=bool)
    vac, expl = (
        EVENT_TYPES.index("Violence against civilians"),
        EVENT_TYPES.index("Explosions/Remote violence"),
    )
    civ[etype == vac] = rng.random(int((etype == vac).sum())) < 0.92
    civ[etype == expl] = rng.random(int((etype == expl).sum())) < 0.2
    names = np.array([c.name for c in _COUNTRIES], dtype=object)
    actor1 = np.empty(n, dtype=object)
    actor2 = np.empty(n, dtype=object)
    for t, name in enumerate(EVENT_TYPES):
        groups = [(name, (etype == t) & ~civ if t == expl else etype == t)]
        if t == expl:
            groups.append((f"{name} (civilians)", (etype == t) & civ))
        for key, mask in groups:
            rows = np.flatnonzero(mask)
            pairs = _ACTORS[key]
            pick = _choose(rng, [p for _, _, p in pairs], len(rows))
            for j, (a1, a2, _) in enumerate(pairs):
                sel = rows[pick == j]
                actor1[sel] = [a1.format(c=nm) for nm in names[ci[sel]]]
                actor2[sel] = [a2.format(c=nm) for nm in names[ci[sel]]] if a2 else None
    protest = etype == EVENT_TYPES.index("Protests")
    policed = protest & np.isin(
        sub_event, ["Protest with intervention", "Excessive force against protesters"]
    )
    actor2[policed] = [_POL.format(c=nm) for nm in names[ci[policed]]]

    # 5. fatalities: zero-inflated negative binomial by type, scaled by regional severity
    region_idx = np.array([region_of[c.iso3] for c in _COUNTRIES], dtype=object)
    severity = np.array([_SEVERITY[r] for r in region_idx])[ci]
    sahel = region_idx[ci] == "Sahel"
    severity = np.where(sahel, severity * (1 + 0.08 * (years - FIRST_YEAR)), severity)
    severity = np.where(spike & (mix == _MIX_NAMES.index("spike_strikes")), severity * 2.5, severity)
    p_zero, mean, k = (np.array([_FATALITIES[t][j] for t in EVENT_TYPES])[etype] for j in range(3))
    mean = mean * severity
    draws = rng.negative_binomial(k, k / (k + mean))
    fatalities = np.where(rng.random(n) < p_zero, 0, draws).astype(np.int64)

    # 6. place: an admin1 of the country, scattered around its point and kept inside the country's box
    admin_name = np.empty(n, dtype=object)
    lat = np.empty(n)
    lon = np.empty(n)
    for i, c in enumerate(_COUNTRIES):
        rows = np.flatnonzero(ci == i)
        a_names, a_lat, a_lon, share = admin1[c.iso3]
        a = _choose(rng, share, len(rows))
        admin_name[rows] = np.array(a_names, dtype=object)[a]
        jitter = 0.12 * c.spread + 0.01
        lat[rows] = np.clip(a_lat[a] + rng.normal(0, jitter, len(rows)), c.lat - c.spread, c.lat + c.spread)
        lon[rows] = np.clip(a_lon[a] + rng.normal(0, jitter, len(rows)), c.lon - c.spread, c.lon + c.spread)
    lat = np.round(np.clip(lat, -90.0, 90.0), 4)
    lon = np.round(np.clip(lon, -180.0, 180.0), 4)

    # 7. order by date and country, then number the rows
    iso3 = np.array([c.iso3 for c in _COUNTRIES], dtype=object)[ci]
    order = np.lexsort((etype, np.array([c.iso3 for c in _COUNTRIES])[ci], epoch_day))
    columns = {
        "event_id": [f"SMP-{i + 1:06d}" for i in range(n)],
        "event_date": pa.array(epoch_day[order].astype(np.int32), pa.date32()),
        "iso3": iso3[order],
        "country": names[ci][order],
        "admin1": admin_name[order],
        "event_type": np.array(EVENT_TYPES, dtype=object)[etype][order],
        "sub_event_type": sub_event[order],
        "actor1": actor1[order],
        "actor2": actor2[order],
        "fatalities": fatalities[order],
        "civilian_targeting": civ[order],
        "latitude": lat[order],
        "longitude": lon[order],
        "source": np.full(n, SOURCE, dtype=object),
        "notes": np.full(n, "Illustrative sample incident", dtype=object),
        "events": np.ones(n, dtype=np.int64),
        "grain": np.full(n, "day", dtype=object),
    }
    return pa.table({k: pa.array(v) if not isinstance(v, pa.Array) else v for k, v in columns.items()}).cast(
        schema.INCIDENTS.arrow_schema
    )


# ----------------------------------------------------------------------------------------------
# Collaboration
# ----------------------------------------------------------------------------------------------


@dataclass
class _Engagements:
    """Accumulates engagement rows while the collaboration table is drawn."""

    rng: np.random.Generator
    rows: list[tuple[dt.date, dt.date | None, str, str, tuple[str, ...], float]]

    def add(
        self,
        kind: str,
        start: dt.date,
        days: int | None,
        name: str,
        participants: Iterable[str],
        weight: float = 1.0,
    ) -> None:
        """Record one engagement lasting ``days`` days (None: no end, e.g. an agreement in force)."""
        end = _end_date(kind, start, days)
        parts = tuple(dict.fromkeys(participants))
        if len(parts) < 2:
            raise ValueError(f"an engagement needs two or more participants: {name}")
        self.rows.append((start, end, kind, name, parts, float(weight)))

    def day(self, year: int, month: int | None = None) -> dt.date:
        """A random day of ``year`` (of ``month`` when given)."""
        if month is None:
            return dt.date(year, 1, 1) + dt.timedelta(days=int(self.rng.integers(0, 365)))
        return dt.date(year, month, int(self.rng.integers(1, calendar.monthrange(year, month)[1] + 1)))

    def subset(self, pool: Sequence[str], share: float) -> list[str]:
        """Each member of ``pool`` with probability ``share``, in pool order."""
        return [p for p in pool if self.rng.random() < share]

    def pairs(self, year: int, members: Sequence[str]) -> set[tuple[str, str]]:
        """Distinct member pairs tied by engagements starting in ``year`` (agreements in force included)."""
        inside = set(members)
        out: set[tuple[str, str]] = set()
        for start, end, kind, _, parts, _ in self.rows:
            active = start.year == year or (
                kind == "defence_agreement" and start.year <= year and (end is None or end.year >= year)
            )
            if active:
                out.update(combinations(sorted(inside.intersection(parts)), 2))
        return out


_KIND_LABELS: dict[str, str] = {
    "joint_exercise": "Joint exercise",
    "high_level_visit": "Defence minister visit",
    "training_mission": "Training mission",
    "defence_agreement": "Defence cooperation agreement",
}


def _bilateral(
    eng: _Engagements,
    year: int,
    a: str,
    b: str,
    kind_probs: dict[str, float],
    *,
    agreement_years: tuple[int, int] | None = None,
) -> None:
    """One bilateral engagement of a kind drawn from ``kind_probs``.

    Agreements last ``agreement_years`` (low, high) years, or stay in force when None.
    """
    names = _names()
    kinds = list(kind_probs)
    kind = kinds[int(_choose(eng.rng, list(kind_probs.values()), 1)[0])]
    start = eng.day(year)
    label = f"{_KIND_LABELS[kind]}: {names[a]} and {names[b]}"
    if kind == "defence_agreement":
        days = None
        if agreement_years is not None:
            days = int(eng.rng.integers(agreement_years[0] * 365, agreement_years[1] * 365 + 1))
        eng.add(kind, start, days, label, (a, b))
    elif kind == "training_mission":
        eng.add(kind, start, int(eng.rng.integers(30, 181)), f"{label} {year}", (a, b))
    elif kind == "joint_exercise":
        eng.add(kind, start, int(eng.rng.integers(5, 15)), f"{label} {year}", (a, b))
    else:
        eng.add(kind, start, int(eng.rng.integers(1, 4)), f"{label} {year}", (a, b))


_ASEAN_CHAIRS: dict[int, str] = {
    2015: "MYS", 2016: "LAO", 2017: "PHL", 2018: "SGP", 2019: "THA", 2020: "VNM",
    2021: "BRN", 2022: "KHM", 2023: "IDN", 2024: "LAO", 2025: "MYS",
}  # fmt: skip
#: Distinct ASEAN member pairs tied in each year from 2018 (from 2015: pairs with bilateral ties).
ASEAN_ACTIVE_PAIRS: dict[int, int] = {
    2015: 12, 2016: 12, 2017: 13, 2018: 17, 2019: 21, 2020: 25,
    2021: 29, 2022: 33, 2023: 37, 2024: 42, 2025: 47,
}  # fmt: skip
#: ASEAN states in the large maritime exercises: their pairs are the first to deepen.
ASEAN_MARITIME: tuple[str, ...] = ("BRN", "IDN", "MYS", "PHL", "SGP", "THA")
#: Sahel states in the yearly multilateral exercise: all six to 2021, then states leave.
SAHEL_ENGAGED: dict[int, tuple[str, ...]] = {
    **{y: REGION_MEMBERS["Sahel"] for y in range(FIRST_YEAR, 2022)},
    2022: ("BFA", "NER", "TCD", "MRT", "SEN"),
    2023: ("NER", "TCD", "MRT", "SEN"),
    2024: ("TCD", "MRT", "SEN"),
    2025: ("TCD", "MRT", "SEN"),
}
_ARMS_SUPPLIERS: dict[str, float] = {
    "USA": 0.45, "FRA": 0.12, "DEU": 0.08, "GBR": 0.06, "CHN": 0.08, "ITA": 0.05,
    "KOR": 0.05, "ESP": 0.03, "TUR": 0.03, "ISR": 0.03, "NLD": 0.02,
}  # fmt: skip
# Expected arms deliveries per year by recipient (others: 0.2).
_ARMS_RATES: dict[str, float] = {
    "SAU": 3.0, "EGY": 2.0, "ARE": 2.0, "QAT": 2.0, "KOR": 1.5, "JPN": 1.2, "POL": 1.2, "TUR": 1.0,
    "IDN": 1.0, "TWN": 0.8, "ISR": 0.8, "SGP": 0.8, "VNM": 0.8, "THA": 0.6, "MMR": 0.6, "PHL": 0.5,
    "MYS": 0.4, "IRQ": 0.6, "KWT": 0.6, "GBR": 0.6, "NOR": 0.5, "GRC": 0.5, "ROU": 0.4, "FIN": 0.4,
}  # fmt: skip


def _named_exercises(eng: _Engagements) -> None:
    """The large recurring exercises and meetings."""
    nato = REGION_MEMBERS["NATO Europe"]
    for y in range(FIRST_YEAR, LAST_YEAR + 1):
        eng.add(
            "joint_exercise",
            eng.day(y, 2),
            11,
            f"Cobra Gold {y}",
            ("THA", "USA", "SGP", "IDN", "MYS", "JPN", "KOR"),
        )
        if y % 2 == 0:
            rimpac = list(_codes("USA CAN AUS JPN KOR IND IDN MYS PHL SGP THA BRN FRA GBR"))
            eng.add(
                "joint_exercise", eng.day(y, 6), 38, f"RIMPAC {y}", rimpac + (["CHN"] if y == 2016 else [])
            )
        if y % 2 == 1:
            extra = ["JPN", "CAN", "GBR", "FRA"] + (["KOR", "IDN"] if y >= 2023 else [])
            eng.add("joint_exercise", eng.day(y, 7), 14, f"Talisman Sabre {y}", ["USA", "AUS", *extra])
        baltops = ["USA", "DEU", "DNK", "EST", "FIN", "FRA", "LVA", "LTU", "NLD", "NOR", "POL", "SWE", "GBR"]
        eng.add(
            "joint_exercise",
            eng.day(y, 6),
            14,
            f"BALTOPS {y}",
            baltops + eng.subset(["BEL", "ESP", "ITA", "TUR", "PRT", "CAN"], 0.6),
        )
        saber = ["USA", "EST", "LVA", "LTU", "POL", "GBR", "DEU"]
        eng.add(
            "joint_exercise",
            eng.day(y, 5),
            12,
            f"Saber Strike {y}",
            saber + eng.subset(["CAN", "DNK", "NOR", "FIN", "FRA", "NLD"], 0.5),
        )
        eng.add(
            "high_level_visit",
            eng.day(y, 2),
            2,
            f"NATO Defence Ministers' Meeting {y}",
            [*nato, "USA", "CAN"],
        )
        eng.add(
            "high_level_visit",
            eng.day(y, 11),
            2,
            f"ASEAN Defence Ministers' Meeting-Plus {y}",
            [_ASEAN_CHAIRS[y], "USA", "CHN", "JPN", "KOR", "IND", "AUS"],
        )
        sahel = SAHEL_ENGAGED[y]
        eng.add(
            "joint_exercise",
            eng.day(y, 2),
            21,
            f"Flintlock {y}",
            ["USA", "FRA", *sahel, *eng.subset(["CAN", "DEU", "ITA", "ESP", "NLD", "BEL", "GBR"], 0.5)],
        )
        eagle = eng.subset(["SAU", "ARE", "QAT", "BHR", "KWT", "EGY", "LBN", "IRQ", "GBR", "FRA", "ITA"], 0.6)
        eng.add("joint_exercise", eng.day(y, 5), 12, f"Eager Lion {y}", ["JOR", "USA", *eagle])
        if y in (2018, 2021, 2023, 2025):
            eng.add(
                "joint_exercise",
                eng.day(y, 9),
                14,
                f"Bright Star {y}",
                ["EGY", "USA", "SAU", "JOR", "GRC", "GBR", "FRA", "ITA", "KWT"],
            )
        if y % 2 == 0:
            keen = ["USA", "JPN"] + (["AUS", "CAN", "GBR"] if y >= 2020 else [])
            eng.add("joint_exercise", eng.day(y, 10), 10, f"Keen Sword {y}", keen)
        if y != 2018:
            ulchi = "Ulchi Freedom Guardian" if y < 2019 else "Combined Command Post Training"
            if y >= 2022:
                ulchi = "Ulchi Freedom Shield"
            eng.add("joint_exercise", eng.day(y, 8), 11, f"{ulchi} {y}", ("USA", "KOR"))
        if y >= 2024:
            eng.add(
                "joint_exercise",
                eng.day(y, 6 if y == 2024 else 9),
                3,
                f"Freedom Edge {y}",
                ("USA", "JPN", "KOR"),
            )


def _regional_bilaterals(eng: _Engagements) -> None:
    """Bilateral engagements inside NATO Europe, the Middle East and East Asia, and with partners."""
    rng = eng.rng
    nato = REGION_MEMBERS["NATO Europe"]
    nato_pairs = list(combinations(nato, 2))
    middle_east = REGION_MEMBERS["Middle East"]
    gulf = ("SAU", "ARE", "BHR", "KWT", "QAT", "OMN", "EGY", "JOR")
    me_pairs = list(combinations(middle_east, 2))
    me_weights = np.array([4.0 if a in gulf and b in gulf else 1.0 for a, b in me_pairs])
    east_pairs = [("JPN", "KOR"), ("CHN", "MNG"), ("JPN", "MNG"), ("KOR", "MNG"), ("CHN", "PRK")]
    usual = {
        "joint_exercise": 0.35,
        "high_level_visit": 0.4,
        "training_mission": 0.15,
        "defence_agreement": 0.1,
    }
    visits = {
        "joint_exercise": 0.2,
        "high_level_visit": 0.65,
        "training_mission": 0.1,
        "defence_agreement": 0.05,
    }
    for y in range(FIRST_YEAR, LAST_YEAR + 1):
        for p in rng.choice(len(nato_pairs), size=70, replace=False):
            _bilateral(eng, y, *nato_pairs[p], usual, agreement_years=(3, 10))
        for member in rng.choice(nato, size=25):
            _bilateral(eng, y, str(rng.choice(["USA", "USA", "CAN"])), str(member), usual)
        for p in rng.choice(len(me_pairs), size=25, replace=False, p=me_weights / me_weights.sum()):
            _bilateral(eng, y, *me_pairs[p], visits, agreement_years=(3, 10))
        for member in rng.choice(
            ["SAU", "ARE", "QAT", "BHR", "KWT", "JOR", "EGY", "IRQ", "ISR", "OMN"], size=15
        ):
            _bilateral(eng, y, str(rng.choice(["USA", "GBR", "FRA"])), str(member), usual)
        for p in rng.choice(len(east_pairs), size=4, replace=False):
            _bilateral(eng, y, *east_pairs[p], visits, agreement_years=(3, 10))
        for member in rng.choice(["JPN", "KOR", "JPN", "KOR", "MNG"], size=6):
            _bilateral(eng, y, "USA", str(member), visits)
        for member in rng.choice(["IDN", "PHL", "SGP", "THA", "VNM", "MYS"], size=8):
            _bilateral(eng, y, str(rng.choice(["USA", "AUS", "JPN", "IND", "KOR"])), str(member), visits)


def _sahel(eng: _Engagements) -> None:
    """Sahel: bilateral engagements among the states still engaged, partner missions, agreements."""
    rng = eng.rng
    kinds = {"joint_exercise": 0.45, "high_level_visit": 0.4, "training_mission": 0.15}
    for y in range(FIRST_YEAR, LAST_YEAR + 1):
        engaged = SAHEL_ENGAGED[y]
        pairs = list(combinations(engaged, 2))
        n_bilateral = 10 if y <= 2021 else len(pairs)
        for p in rng.choice(len(pairs), size=n_bilateral, replace=n_bilateral > len(pairs)):
            _bilateral(eng, y, *pairs[p], kinds)
        for member in rng.choice(engaged, size=8 if y <= 2021 else 3):
            partner = str(rng.choice(["FRA", "USA", "FRA", "DEU", "ESP"]))
            eng.add(
                "training_mission",
                eng.day(y),
                int(rng.integers(60, 181)),
                f"Training mission: {_names()[partner]} and {_names()[str(member)]} {y}",
                (partner, str(member)),
            )
    # defence agreements with France and the United States, ended as partners were asked to leave
    ends = {
        "MLI": dt.date(2022, 5, 2),
        "BFA": dt.date(2023, 2, 18),
        "NER": dt.date(2023, 12, 22),
        "TCD": dt.date(2025, 1, 30),
        "SEN": dt.date(2025, 7, 17),
        "MRT": None,
    }
    for member, end in ends.items():
        start = eng.day(int(rng.integers(2015, 2017)))
        days = None if end is None else (end - start).days + 1
        eng.add(
            "defence_agreement",
            start,
            days,
            f"Defence cooperation agreement: France and {_names()[member]}",
            ("FRA", member),
        )
    start = eng.day(2015)
    eng.add(
        "defence_agreement",
        start,
        (dt.date(2024, 9, 15) - start).days + 1,
        "Status of forces agreement: United States and Niger",
        ("USA", "NER"),
    )


def _asean(eng: _Engagements) -> None:
    """ASEAN: bilateral engagements among a growing, nested set of member pairs.

    The pairs of the maritime states come first (they already meet in Cobra Gold and RIMPAC),
    then the others in a random order, so from 2018 the number of distinct member pairs tied in
    a year equals ``ASEAN_ACTIVE_PAIRS`` and grows every year.
    """
    rng = eng.rng
    maritime = list(combinations(ASEAN_MARITIME, 2))
    others = [p for p in combinations(sorted(REGION_MEMBERS["ASEAN"]), 2) if p not in maritime]
    order = [maritime[i] for i in rng.permutation(len(maritime))] + [
        others[i] for i in rng.permutation(len(others))
    ]
    kinds = {
        "joint_exercise": 0.4,
        "high_level_visit": 0.35,
        "training_mission": 0.15,
        "defence_agreement": 0.10,
    }
    first_kinds = {k: v for k, v in kinds.items() if k != "defence_agreement"}
    for y in range(FIRST_YEAR, LAST_YEAR + 1):
        for a, b in order[: ASEAN_ACTIVE_PAIRS[y]]:
            _bilateral(eng, y, a, b, first_kinds)
            for _ in range(int(rng.poisson(0.6))):
                _bilateral(eng, y, a, b, kinds)
        tied = len(eng.pairs(y, REGION_MEMBERS["ASEAN"]))
        if y >= 2018 and tied != ASEAN_ACTIVE_PAIRS[y]:
            raise ValueError(f"ASEAN {y}: {tied} member pairs tied, expected {ASEAN_ACTIVE_PAIRS[y]}")


def _arms(eng: _Engagements) -> None:
    """Arms deliveries (weight = TIV millions)."""
    rng = eng.rng
    names = _names()
    suppliers = list(_ARMS_SUPPLIERS)
    for y in range(FIRST_YEAR, LAST_YEAR + 1):
        for c in _COUNTRIES:
            if c.iso3 in ("PRK", "CHN"):
                continue
            rate = _ARMS_RATES.get(c.iso3, 0.2)
            if c.iso3 in REGION_MEMBERS["Sahel"]:
                rate = 0.5 if y <= 2021 else 0.15
            for _ in range(int(rng.poisson(rate))):
                pool = ["USA"] if c.iso3 == "TWN" else [s for s in suppliers if s != c.iso3]
                weights = [_ARMS_SUPPLIERS[s] for s in pool]
                supplier = pool[int(_choose(rng, weights, 1)[0])]
                tiv = float(np.clip(np.round(rng.lognormal(np.log(60), 1.0), 1), 5.0, 500.0))
                start = eng.day(y)
                eng.add(
                    "arms_transfer",
                    start,
                    1,
                    f"Arms transfer: {names[supplier]} to {c.name} {y}",
                    (supplier, c.iso3),
                    tiv,
                )


def _collaboration(rng: np.random.Generator) -> pa.Table:
    """Draw the collaboration table (see ``generate``)."""
    eng = _Engagements(rng, [])
    _named_exercises(eng)
    _regional_bilaterals(eng)
    _sahel(eng)
    _arms(eng)
    _asean(eng)
    rows = sorted(eng.rows, key=lambda r: (r[0], r[2], r[3], r[4]))
    table = pa.table(
        {
            "event_id": [f"SMP-C-{i + 1:04d}" for i in range(len(rows))],
            "start_date": pa.array([r[0] for r in rows], pa.date32()),
            "end_date": pa.array([r[1] for r in rows], pa.date32()),
            "kind": [r[2] for r in rows],
            "name": [r[3] for r in rows],
            "participants": pa.array([list(r[4]) for r in rows], pa.list_(pa.string())),
            "weight": pa.array([r[5] for r in rows], pa.float64()),
            "source": [SOURCE] * len(rows),
        }
    )
    return schema.conform(table, schema.COLLABORATION)


# ----------------------------------------------------------------------------------------------
# Perception
# ----------------------------------------------------------------------------------------------


def _perception_level(region: str, indicator: str, year: int) -> float:
    """Expected share for a region, indicator and year: the scenario of each region."""
    after_2018 = max(0, year - 2018)
    since_2015 = year - FIRST_YEAR
    dip = {2024: 1.0, 2025: 0.8}.get(year, 0.0)
    levels = {
        "feel_safe": {
            "NATO Europe": 0.74, "East Asia": 0.70, "ASEAN": 0.52 + 0.028 * after_2018,
            "Sahel": 0.60 - 0.03 * since_2015, "Middle East": 0.55 - 0.10 * dip,
        },
        "trust_military": {
            "NATO Europe": 0.68, "East Asia": 0.60, "ASEAN": 0.62 + 0.01 * after_2018,
            "Sahel": 0.58 - 0.01 * since_2015, "Middle East": 0.60 - 0.05 * dip,
        },
        "confidence_alliances": {
            "NATO Europe": 0.62 + (0.06 if year >= 2022 else 0.0), "East Asia": 0.55,
            "ASEAN": 0.45 + 0.025 * after_2018, "Sahel": 0.50 - 0.025 * since_2015,
            "Middle East": 0.50 - 0.06 * dip,
        },
    }  # fmt: skip
    return levels[indicator][region]


def _perception(rng: np.random.Generator) -> pa.Table:
    """Draw the perception table (see ``generate``)."""
    region_of = _region_of()
    indicators = schema.PERCEPTION_INDICATORS
    cols: dict[str, list[object]] = {
        k: [] for k in ("wave_date", "iso3", "indicator", "value", "sample_size")
    }
    for c in _COUNTRIES:
        if c.iso3 == "PRK":
            continue  # never surveyed
        cadence = 1 if rng.random() < 0.5 else 2
        offset = int(rng.integers(0, cadence))
        effect = rng.normal(0.0, 0.05, len(indicators))
        for y in range(FIRST_YEAR, LAST_YEAR + 1):
            if (y - FIRST_YEAR) % cadence != offset or rng.random() < 0.06:
                continue  # not fielded that year, or a missing wave
            n = int(rng.integers(8, 25)) * 100
            wave = dt.date(y, 6, 15) if rng.random() < 0.5 else dt.date(y, 7, 1)
            for j, ind in enumerate(indicators):
                p = _perception_level(region_of[c.iso3], ind, y) + effect[j]
                p += rng.normal(0.0, np.sqrt(max(p * (1 - p), 0.01) / n) + 0.01)
                cols["wave_date"].append(wave)
                cols["iso3"].append(c.iso3)
                cols["indicator"].append(ind)
                cols["value"].append(round(float(np.clip(p, 0.02, 0.98)), 3))
                cols["sample_size"].append(n)
    rows = len(cols["iso3"])
    table = pa.table(
        {
            "survey": [SURVEY] * rows,
            "wave_date": pa.array(cols["wave_date"], pa.date32()),
            "iso3": cols["iso3"],
            "indicator": cols["indicator"],
            "value": pa.array(cols["value"], pa.float64()),
            "sample_size": pa.array(cols["sample_size"], pa.int64()),
            "source": [SOURCE] * rows,
            "scale": ["share"] * rows,
        }
    )
    table = schema.conform(table, schema.PERCEPTION)  # std_error, ci_low, ci_high, breakdown: empty
    order = np.lexsort(
        (
            np.array(table["indicator"].to_pylist()),
            np.array(table["iso3"].to_pylist()),
            table["wave_date"].to_numpy(),
        )
    )
    return table.take(pa.array(order))


# ----------------------------------------------------------------------------------------------
# Public API
# ----------------------------------------------------------------------------------------------


def generate(seed: int = DEFAULT_SEED) -> dict[str, pa.Table]:
    """Generate the three illustrative sample tables from ``seed``.

    Returns ``{"incidents": ..., "collaboration": ..., "perception": ...}``, each cast to its
    schema in ``datasets.schema``. The same seed always gives equal tables.

    - **incidents**: each row represents one synthetic conflict incident in a country and month,
      2015-01-01 to 2025-12-31 (about 120,000 rows, 66 countries, ACLED's six event types).
    - **collaboration**: each row represents one synthetic engagement (exercise, agreement, arms
      transfer, visit or training mission) between two or more states (a few thousand rows).
    - **perception**: each row represents one synthetic national estimate of a survey wave,
      country and indicator (shares of respondents; about 1,500 rows).

    Source: this generator (illustrative, not real). Licence: CC0.
    """
    rng = np.random.default_rng(seed)
    incidents_rng, collaboration_rng, perception_rng = rng.spawn(3)
    return {
        "incidents": _incidents(incidents_rng),
        "collaboration": _collaboration(collaboration_rng),
        "perception": _perception(perception_rng),
    }


def country_iso3() -> frozenset[str]:
    """ISO3 codes of the countries with incidents and surveys (the members of the bundled regions)."""
    return frozenset(c.iso3 for c in _COUNTRIES)


def metadata(seed: int = DEFAULT_SEED, tables: dict[str, pa.Table] | None = None) -> dict[str, object]:
    """The sidecar metadata of the sample files."""
    counts = ""
    if tables is not None:
        counts = " Rows: " + ", ".join(f"{name} {t.num_rows:,}" for name, t in tables.items()) + "."
    return {
        "title": "Illustrative sample data",
        "illustrative": True,
        "source": f"Regional Stability Monitor sample generator (seed {seed})",
        "licence": "CC0",
        "description": (
            "Synthetic, ILLUSTRATIVE data - not real observations. Conflict incidents (ACLED-like "
            "layout, monthly 2015-01 to 2025-12), military collaboration engagements and "
            "security-perception survey shares for the five bundled security groupings (NATO Europe, "
            "East Asia, ASEAN, Sahel, Middle East). Built-in scenarios: ASEAN incidents decline from "
            "2019 while collaboration among members deepens and feeling safe rises; Sahel incidents and "
            "fatalities escalate, collaboration thins after 2021 and feeling safe falls; the Middle East "
            "is stable with one spike in 2023-10 and a dip in feeling safe after 2023; NATO Europe and "
            "East Asia are low and stable. Country centroids are approximate and admin1 names invented."
            + counts
        ),
        "generated_by": "python -m datasets.sample",
    }


def write(
    tables: dict[str, pa.Table], directory: Path = DATA_DIR, seed: int = DEFAULT_SEED
) -> dict[str, Path]:
    """Validate ``tables`` against their schemas and write them (Parquet, zstd) with the sidecar.

    Raises ``datasets.schema.SchemaError`` listing every problem when a table is invalid.
    Returns the path of each written file.
    """
    known = country_iso3()
    checked = {  # every table is checked before any file is written
        name: schema.validate(schema.conform(table, _SCHEMAS[name]), _SCHEMAS[name], known_iso3=known)
        for name, table in tables.items()
    }
    directory.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    for name, table in checked.items():
        paths[name] = directory / FILES[name]
        pq.write_table(table, paths[name], compression="zstd")
    paths["meta"] = directory / META_FILE
    paths["meta"].write_text(
        json.dumps(metadata(seed, tables), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return paths


def main(seed: int = DEFAULT_SEED) -> None:
    """Regenerate the bundled sample files from ``seed``."""
    # Load inputs / process data
    tables = generate(seed)
    # Save outputs
    paths = write(tables, DATA_DIR, seed)
    for name, path in paths.items():
        rows = f"{tables[name].num_rows:>7,} rows, " if name in tables else ""
        print(f"{name:>13}: {rows}{path.stat().st_size / 1e6:.2f} MB  {path}")


if __name__ == "__main__":
    main()
