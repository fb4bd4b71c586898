"""Tests of the bundled illustrative sample data and its generator (``datasets.sample``).

The scenario checks read the bundled Parquet files and recompute every figure here, so they do
not rely on the generator's own bookkeeping.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from itertools import combinations
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from datasets import sample, schema

DATA = Path(__file__).resolve().parents[1] / "datasets" / "data"
FILES = {
    "incidents": DATA / "sample_incidents.parquet",
    "collaboration": DATA / "sample_collaboration.parquet",
    "perception": DATA / "sample_perception.parquet",
}
SCHEMAS = {
    "incidents": schema.INCIDENTS,
    "collaboration": schema.COLLABORATION,
    "perception": schema.PERCEPTION,
}


def _codes(text: str) -> list[str]:
    return text.split()


MEMBERS = {
    "NATO Europe": _codes(
        "ALB BEL BGR HRV CZE DNK EST FIN FRA DEU GRC HUN ISL ITA LVA LTU LUX MNE NLD MKD NOR POL PRT ROU "
        "SVK SVN ESP SWE TUR GBR"
    ),
    "East Asia": _codes("JPN KOR CHN PRK MNG TWN"),
    "ASEAN": _codes("BRN KHM IDN LAO MYS MMR PHL SGP THA VNM TLS"),
    "Sahel": _codes("BFA MLI NER TCD MRT SEN"),
    "Middle East": _codes("BHR EGY IRN IRQ ISR JOR KWT LBN OMN PSE QAT SAU SYR ARE YEM"),
}
REGION_OF = {iso3: region for region, isos in MEMBERS.items() for iso3 in isos}
LAST_DAY = dt.date(2025, 12, 31)


@pytest.fixture(scope="module")
def bundled() -> dict[str, pa.Table]:
    return {name: pq.read_table(path) for name, path in FILES.items()}


@pytest.fixture(scope="module")
def incidents(bundled: dict[str, pa.Table]) -> pd.DataFrame:
    frame = bundled["incidents"].to_pandas()
    frame["region"] = frame["iso3"].map(REGION_OF)
    dates = pd.to_datetime(frame["event_date"])
    frame["year"] = dates.dt.year
    frame["month"] = dates.dt.to_period("M")
    return frame


@pytest.fixture(scope="module")
def monthly(incidents: pd.DataFrame) -> pd.DataFrame:
    """Monthly incident counts, one column per region (months without incidents: 0)."""
    counts = incidents.groupby(["month", "region"]).size().unstack("region")
    full = pd.period_range("2015-01", "2025-12", freq="M")
    return counts.reindex(full).fillna(0)


@pytest.fixture(scope="module")
def collaboration(bundled: dict[str, pa.Table]) -> pd.DataFrame:
    frame = bundled["collaboration"].to_pandas()
    frame["year"] = pd.to_datetime(frame["start_date"]).dt.year
    return frame


@pytest.fixture(scope="module")
def perception(bundled: dict[str, pa.Table]) -> pd.DataFrame:
    frame = bundled["perception"].to_pandas()
    frame["region"] = frame["iso3"].map(REGION_OF)
    frame["year"] = pd.to_datetime(frame["wave_date"]).dt.year
    return frame


@pytest.fixture(scope="module")
def generated() -> dict[str, pa.Table]:
    return sample.generate()


# ---- files, counts, schema ------------------------------------------------------------------


def test_row_counts(bundled: dict[str, pa.Table]) -> None:
    assert 100_000 <= bundled["incidents"].num_rows <= 150_000
    assert 300 <= bundled["collaboration"].num_rows <= 5_000
    assert bundled["perception"].num_rows >= 500


def test_files_are_small_and_zstd() -> None:
    assert FILES["incidents"].stat().st_size < 6_000_000
    for path in FILES.values():
        meta = pq.ParquetFile(path).metadata
        codecs = {meta.row_group(0).column(i).compression for i in range(meta.num_columns)}
        assert codecs == {"ZSTD"}


@pytest.mark.parametrize("name", list(FILES))
def test_tables_validate(bundled: dict[str, pa.Table], name: str) -> None:
    table = bundled[name]
    assert table.schema.equals(SCHEMAS[name].arrow_schema)
    known = frozenset(REGION_OF)
    schema.validate(table, SCHEMAS[name], known_iso3=known if name != "collaboration" else None)


def test_sidecar_says_illustrative() -> None:
    meta = json.loads((DATA / "sample.meta.json").read_text(encoding="utf-8"))
    assert set(meta) == {"title", "illustrative", "source", "licence", "description", "generated_by"}
    assert meta["title"] == "Illustrative sample data"
    assert meta["illustrative"] is True
    assert meta["source"] == f"Regional Stability Monitor sample generator (seed {sample.DEFAULT_SEED})"
    assert meta["licence"] == "CC0"
    assert meta["generated_by"] == "python -m datasets.sample"
    assert "not real" in meta["description"].lower()


def test_every_row_is_marked_illustrative(bundled: dict[str, pa.Table]) -> None:
    for table in bundled.values():
        assert set(table["source"].to_pylist()) == {"Sample (illustrative)"}


def test_region_lists_match_the_bundled_regions() -> None:
    assert {k: list(v) for k, v in sample.REGION_MEMBERS.items()} == MEMBERS


# ---- incidents ------------------------------------------------------------------------------


def test_incident_countries_and_span(incidents: pd.DataFrame) -> None:
    assert incidents["iso3"].nunique() >= 60
    assert set(incidents["iso3"]) == set(REGION_OF)  # every member, no external partner
    assert incidents["month"].min() == pd.Period("2015-01", "M")
    assert incidents["month"].max() == pd.Period("2025-12", "M")
    assert incidents["event_date"].max() <= LAST_DAY


def test_every_month_present_for_each_region(incidents: pd.DataFrame) -> None:
    full = set(pd.period_range("2015-01", "2025-12", freq="M"))
    for region in MEMBERS:
        months = set(incidents.loc[incidents["region"] == region, "month"])
        assert months == full, region


def test_incident_columns_are_plausible(incidents: pd.DataFrame) -> None:
    assert incidents["event_id"].is_unique
    assert incidents["event_id"].str.fullmatch(r"SMP-\d{6}").all()
    assert set(incidents["event_type"]) == set(schema.EVENT_TYPES)
    assert incidents["latitude"].between(-90, 90).all() and incidents["longitude"].between(-180, 180).all()
    admin1 = incidents.groupby("iso3")["admin1"].nunique()
    assert admin1.between(1, 12).all() and admin1.median() >= 3
    # the actors name the incident's country
    assert (
        incidents.loc[incidents["event_type"] == "Protests", "actor1"]
        == "Protesters (" + incidents.loc[incidents["event_type"] == "Protests", "country"] + ")"
    ).all()


def test_coordinates_stay_near_the_country(incidents: pd.DataFrame) -> None:
    spread = incidents.groupby("iso3")[["latitude", "longitude"]].agg(lambda s: s.max() - s.min())
    assert (spread.max(axis=1) <= 16).all()  # no incident strays across the map


def test_fatalities_are_heavy_tailed(incidents: pd.DataFrame) -> None:
    deaths = incidents["fatalities"]
    assert (deaths == 0).mean() > 0.6
    assert deaths.max() >= 50
    by_type = incidents.groupby("event_type")["fatalities"]
    assert (by_type.apply(lambda s: (s == 0).mean())["Protests"]) > 0.99
    assert by_type.mean()["Battles"] > by_type.mean()["Riots"]


def test_civilian_targeting(incidents: pd.DataFrame) -> None:
    share = incidents.groupby("event_type")["civilian_targeting"].mean()
    assert share["Violence against civilians"] > 0.8
    assert 0.05 < share["Explosions/Remote violence"] < 0.5
    assert share["Protests"] == 0


def test_quiet_regions_are_mostly_unrest(incidents: pd.DataFrame) -> None:
    mix = incidents.groupby("region")["event_type"].value_counts(normalize=True)
    assert mix["NATO Europe"][["Protests", "Riots"]].sum() > 0.7
    assert mix["East Asia"][["Protests", "Strategic developments"]].sum() > 0.8


def test_asean_sustained_decline(incidents: pd.DataFrame) -> None:
    yearly = incidents.loc[incidents["region"] == "ASEAN"].groupby("year").size()
    span = yearly.loc[2019:2025].to_numpy()
    assert (np.diff(span) < 0).all(), span
    assert yearly[2025] < 0.6 * yearly[2019]
    assert yearly[2025] < 0.6 * yearly.loc[2015:2018].mean()


def test_sahel_escalates(incidents: pd.DataFrame) -> None:
    sahel = incidents.loc[incidents["region"] == "Sahel"]
    counts = sahel.groupby("year").size()
    deaths = sahel.groupby("year")["fatalities"].sum()
    assert counts[2025] > 1.5 * counts[2016]
    assert deaths[2025] > 1.5 * deaths[2016]
    assert (np.diff(counts.to_numpy()) > 0).all()


def test_middle_east_single_spike(monthly: pd.DataFrame) -> None:
    me = monthly["Middle East"]
    trailing = me[pd.Period("2022-10", "M") : pd.Period("2023-09", "M")].mean()
    assert me[pd.Period("2023-10", "M")] > 3 * trailing
    # the only such month
    rolling = me.shift(1).rolling(12).mean()
    assert list(me.index[me > 3 * rolling]) == [pd.Period("2023-10", "M")]
    # back near the previous level within a few months
    after = me[pd.Period("2024-03", "M") : pd.Period("2024-12", "M")].mean()
    assert 0.8 * trailing < after < 1.25 * trailing


def test_stable_regions_stay_stable(incidents: pd.DataFrame) -> None:
    for region in ("NATO Europe", "East Asia", "Middle East"):
        yearly = (
            incidents.loc[incidents["region"] == region].groupby("year").size().drop(2023, errors="ignore")
        )
        assert yearly.max() < 1.25 * yearly.min(), region


def test_mann_kendall_detects_the_scenarios(monthly: pd.DataFrame) -> None:
    import pymannkendall as mk

    asean = mk.original_test(monthly.loc[pd.Period("2019-01", "M") :, "ASEAN"].to_numpy())
    assert asean.trend == "decreasing" and asean.p < 0.001
    sahel = mk.original_test(monthly["Sahel"].to_numpy())
    assert sahel.trend == "increasing" and sahel.p < 0.001
    for region in ("NATO Europe", "East Asia"):
        assert mk.original_test(monthly[region].to_numpy()).trend == "no trend", region


# ---- collaboration --------------------------------------------------------------------------


def _pairs_tied(collaboration: pd.DataFrame, region: str, year: int) -> set[tuple[str, str]]:
    """Distinct member pairs sharing an engagement that starts in ``year`` or an agreement in force."""
    members = set(MEMBERS[region])
    end_year = pd.to_datetime(collaboration["end_date"]).dt.year
    in_force = (
        (collaboration["kind"] == "defence_agreement")
        & (collaboration["year"] <= year)
        & (end_year.isna() | (end_year >= year))
    )
    active = collaboration.loc[(collaboration["year"] == year) | in_force, "participants"]
    tied: set[tuple[str, str]] = set()
    for parts in active:
        tied.update(combinations(sorted(members.intersection(parts)), 2))
    return tied


def _engagements_concerning(collaboration: pd.DataFrame, region: str) -> pd.Series:
    members = set(MEMBERS[region])
    touches = collaboration["participants"].apply(lambda p: bool(members.intersection(p)))
    return collaboration.loc[touches].groupby("year").size()


def test_collaboration_columns(collaboration: pd.DataFrame) -> None:
    assert collaboration["event_id"].is_unique
    assert collaboration["event_id"].str.fullmatch(r"SMP-C-\d{4}").all()
    # every kind but the ATOP alliance kinds, which the sample does not generate
    assert set(collaboration["kind"]) == set(schema.COLLABORATION_KINDS) - set(schema.ALLIANCE_KINDS)
    assert (collaboration["participants"].apply(len) >= 2).all()
    assert collaboration["year"].between(2015, 2025).all()
    ends = collaboration["end_date"].dropna()
    assert ends.max() <= LAST_DAY
    arms = collaboration["kind"] == "arms_transfer"
    assert collaboration.loc[arms, "weight"].between(5, 500).all()
    assert (collaboration.loc[~arms, "weight"] == 1.0).all()
    in_force = collaboration.loc[collaboration["kind"] == "defence_agreement", "end_date"].isna()
    assert in_force.any() and not in_force.all()
    names = set(collaboration["name"])
    for expected in (
        "Cobra Gold 2019",
        "BALTOPS 2020",
        "Flintlock 2016",
        "RIMPAC 2018",
        "ASEAN Defence Ministers' Meeting-Plus 2021",
    ):
        assert expected in names
    participants = {p for parts in collaboration["participants"] for p in parts}
    assert {"USA", "CAN", "AUS", "IND"} <= participants


def test_asean_collaboration_deepens(collaboration: pd.DataFrame) -> None:
    pairs = [len(_pairs_tied(collaboration, "ASEAN", y)) for y in range(2018, 2026)]
    assert all(b > a for a, b in zip(pairs, pairs[1:], strict=False)), pairs
    counts = _engagements_concerning(collaboration, "ASEAN")
    assert counts.loc[2023:2025].mean() > 1.5 * counts.loc[2015:2017].mean()


def test_sahel_collaboration_thins_out(collaboration: pd.DataFrame) -> None:
    pairs = {y: len(_pairs_tied(collaboration, "Sahel", y)) for y in range(2015, 2026)}
    assert min(pairs[y] for y in range(2015, 2022)) > max(pairs[y] for y in range(2023, 2026))
    counts = _engagements_concerning(collaboration, "Sahel")
    assert counts.loc[2023:2025].mean() < 0.6 * counts.loc[2019:2021].mean()


def test_nato_collaboration_dense_and_stable(collaboration: pd.DataFrame) -> None:
    possible = len(MEMBERS["NATO Europe"]) * (len(MEMBERS["NATO Europe"]) - 1) / 2
    density = [len(_pairs_tied(collaboration, "NATO Europe", y)) / possible for y in range(2015, 2026)]
    assert min(density) > 0.9
    counts = _engagements_concerning(collaboration, "NATO Europe")
    assert counts.max() < 1.3 * counts.min()


# ---- perception -----------------------------------------------------------------------------


def test_perception_columns(perception: pd.DataFrame) -> None:
    assert perception["value"].between(0, 1).all()
    assert perception["sample_size"].between(800, 2400).all()
    assert set(perception["scale"]) == {"share"}
    assert set(perception["indicator"]) == set(schema.PERCEPTION_INDICATORS)
    for col in ("std_error", "ci_low", "ci_high", "breakdown"):
        assert perception[col].isna().all(), col
    assert perception["wave_date"].max() <= LAST_DAY
    assert perception["year"].min() == 2015 and perception["year"].max() == 2025
    waves = perception.groupby("iso3")["year"].nunique()
    assert waves.min() < 11  # some countries are surveyed every second year or miss a wave
    assert "PRK" not in set(perception["iso3"])


def test_perception_scenarios(perception: pd.DataFrame) -> None:
    safe = perception.loc[perception["indicator"] == "feel_safe"]
    mean = safe.groupby(["region", "year"])["value"].mean()

    def period(region: str, first: int, last: int) -> float:
        return float(mean[region].loc[first:last].mean())

    assert period("ASEAN", 2024, 2025) > period("ASEAN", 2015, 2017) + 0.1
    assert period("Sahel", 2024, 2025) < period("Sahel", 2015, 2017) - 0.1
    assert period("Middle East", 2024, 2025) < period("Middle East", 2020, 2023) - 0.04


# ---- provenance and determinism -------------------------------------------------------------


def test_bundled_files_equal_the_default_generation(
    bundled: dict[str, pa.Table], generated: dict[str, pa.Table]
) -> None:
    assert set(generated) == set(bundled)
    for name, table in generated.items():
        assert table.equals(bundled[name]), name


def test_generation_is_deterministic(generated: dict[str, pa.Table]) -> None:
    again = sample.generate(sample.DEFAULT_SEED)
    for name, table in again.items():
        assert table.equals(generated[name]), name
    other = sample.generate(7)
    assert not other["incidents"].equals(generated["incidents"])


def test_written_files_are_byte_identical(generated: dict[str, pa.Table], tmp_path: Path) -> None:
    first = sample.write(generated, tmp_path / "a")
    second = sample.write(generated, tmp_path / "b")
    for name in first:
        a = hashlib.sha256(first[name].read_bytes()).hexdigest()
        b = hashlib.sha256(second[name].read_bytes()).hexdigest()
        assert a == b, name


def test_write_refuses_an_invalid_table(generated: dict[str, pa.Table], tmp_path: Path) -> None:
    bad = generated["perception"].set_column(
        4, "value", pa.array(np.full(generated["perception"].num_rows, 1.5))
    )
    with pytest.raises(schema.SchemaError):
        sample.write({"perception": bad}, tmp_path)
    assert not (tmp_path / sample.FILES["perception"]).exists()
