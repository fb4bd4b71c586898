"""Directional arms-transfer indicators against the real SIPRI register (sums computed in the test)."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from pathlib import Path

import pytest
from conftest import value

from datasets.countries import to_iso3
from datasets.ingest import prepare, read_file
from datasets.loaders import load_regions
from metrics.collaboration import collaboration_indicators

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
NAME = "sipri_trade_register_to_ukraine_2000-2024_layout2025.csv"
PATH = SHARED / "data" / "real" / "collaboration" / NAME
pytestmark = pytest.mark.skipif(not PATH.is_file(), reason="the real files are not available")


def test_imports_exports_and_intra_tiv_of_the_ukraine_register() -> None:
    lines = PATH.read_text(encoding="utf-8").splitlines()[11:]
    rows = list(csv.DictReader(io.StringIO("\n".join(lines))))
    regions = load_regions()
    wanted = ["Eastern Europe", "NATO Europe"]
    members = {r: set(regions.loc[regions["region"] == r, "iso3"]) for r in wanted}
    expected: dict[tuple[str, str, str], float] = defaultdict(float)
    for r in rows:
        sup, rec = to_iso3(r["Supplier"]), to_iso3(r["Recipient"])
        tiv, year = float(r["TIV delivery values"]), r["Delivery year"]
        for region, m in members.items():
            if rec in m and sup in m:
                expected[(region, year, "arms_intra_tiv")] += tiv
            elif rec in m:
                expected[(region, year, "arms_imports_tiv")] += tiv
            elif sup in m:
                expected[(region, year, "arms_exports_tiv")] += tiv
    upload = prepare(read_file(PATH), NAME)
    assert upload.data is not None
    out = collaboration_indicators(upload.data, regions.loc[regions["region"].isin(wanted)])
    years = sorted({r["Delivery year"] for r in rows})
    for region in wanted:
        for year in years:
            for name in ("arms_imports_tiv", "arms_exports_tiv", "arms_intra_tiv"):
                got = value(out, region, year, name)
                assert got == pytest.approx(expected[(region, year, name)]), (region, year, name)
            total = sum(
                expected[(region, year, n)]
                for n in ("arms_imports_tiv", "arms_exports_tiv", "arms_intra_tiv")
            )
            assert value(out, region, year, "arms_transfer_tiv") == pytest.approx(total)
    # Ukraine is in Eastern Europe, not in NATO Europe: NATO Europe's deliveries are exports only
    assert value(out, "NATO Europe", "2022", "arms_imports_tiv") == 0
    assert value(out, "NATO Europe", "2022", "arms_exports_tiv") > 0
    assert value(out, "Eastern Europe", "2022", "arms_exports_tiv") == 0
    ee_2022 = [r for r in rows if r["Delivery year"] == "2022"]
    from_ee = sum(
        float(r["TIV delivery values"])
        for r in ee_2022
        if to_iso3(r["Supplier"]) in members["Eastern Europe"]
    )
    assert value(out, "Eastern Europe", "2022", "arms_intra_tiv") == pytest.approx(from_ee)


def test_the_ukraine_register_covers_ukraine_only(tmp_path) -> None:
    """Stored through the store, the register filtered to Ukraine covers Ukraine's imports only:
    no other country's TIV is zero-filled (NATO Europe has no TIV rows at all), and Eastern
    Europe's imports are Ukraine's, with Ukraine's share of the region's people beside them."""
    from datasets.bundle import load_bundle
    from datasets.loaders import load_population
    from datasets.store import Store
    from metrics.indicators import compute_indicators

    Store(tmp_path).add(prepare(read_file(PATH), NAME))
    b = load_bundle(tmp_path)
    cov = b.coverage.loc[b.coverage["table"] == "collaboration"]
    assert set(cov["iso3"]) == {"UKR"}
    regions = b.regions
    out = compute_indicators(
        b.incidents.table,
        b.collaboration.table,
        b.perception.table,
        regions,
        families=["collaboration"],
        coverage=b.coverage,
    )
    tiv = out.loc[out["indicator"].str.endswith("_tiv")]
    # Ukraine's people are far below half of Eastern Europe's: at the default minimum share (0.5)
    # no region has a TIV value from this register
    assert tiv.empty
    # with a minimum share of 0.1, Eastern Europe's imports are Ukraine's imports from outside it
    pop = load_population()
    ee = set(regions.loc[regions["region"] == "Eastern Europe", "iso3"])
    low = collaboration_indicators(
        b.collaboration.table, regions, coverage=b.coverage, population=pop, min_covered_share=0.1
    )
    lines = PATH.read_text(encoding="utf-8").splitlines()[11:]
    rows = list(csv.DictReader(io.StringIO("\n".join(lines))))
    imports: dict[str, float] = defaultdict(float)
    intra: dict[str, float] = defaultdict(float)
    for r in rows:
        target = intra if to_iso3(r["Supplier"]) in ee else imports
        target[r["Delivery year"]] += float(r["TIV delivery values"])
    for year in sorted(imports):
        row = low.loc[
            (low["region"] == "Eastern Europe")
            & (low["period"] == year)
            & (low["indicator"] == "arms_imports_tiv")
        ]
        assert row["value"].tolist() == [pytest.approx(imports[year])], year
        p = pop.loc[pop["year"] == int(year)].set_index("iso3")["population"]
        assert row["covered_share"].tolist() == [pytest.approx(p["UKR"] / sum(p[c] for c in ee))]
        assert value(low, "Eastern Europe", year, "arms_intra_tiv") == pytest.approx(intra[year])
    low_tiv = low.loc[low["indicator"].str.endswith("_tiv")]
    assert set(low_tiv["region"]) == {"Eastern Europe"}  # NATO Europe: unknown, never 0
    assert not (low_tiv["indicator"] == "arms_exports_tiv").any()  # nobody's exports are complete


ATOP = SHARED / "data" / "real" / "collaboration" / "atop_v5.1_alliance_level.csv"


@pytest.mark.skipif(not ATOP.is_file(), reason="the real files are not available")
def test_atop_kinds_from_obligation_codes() -> None:
    with ATOP.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    order = [
        ("defense", "defence_pact"),
        ("offense", "offence_pact"),
        ("neutral", "neutrality_pact"),
        ("nonagg", "non_aggression_pact"),
        ("consul", "consultation_pact"),
    ]
    expected = {r["atopid"]: next(kind for col, kind in order if r[col].strip() == "1") for r in rows}
    upload = prepare(read_file(ATOP), ATOP.name)
    assert upload.data is not None
    got = dict(zip(upload.data["event_id"].to_pylist(), upload.data["kind"].to_pylist(), strict=True))
    assert {k: got[k] for k in expected if k in got} == {k: v for k, v in expected.items() if k in got}
    # of the alliances stored (one, with an unknown COW code, is refused), only those with a
    # defence obligation are defence pacts: 280 of 789 in the file
    stored = [r for r in rows if r["atopid"] in got]
    assert len(stored) >= len(rows) - 1
    assert sum(v == "defence_pact" for v in got.values()) == sum(r["defense"].strip() == "1" for r in stored)
