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
