"""Meaning from labels in UN SDG 16.1.4 files: answer categories, and countries named by name.

A national file whose categories are "Very unsafe" and "Bit unsafe" gives the share who feel
*unsafe*; its blank-category row is their total and must never become ``feel_safe``.
"""

from __future__ import annotations

import pytest

from datasets.ingest import prepare
from datasets.ingest.perception.sdg import answer_kind

UNSAFE_CATEGORIES = (
    "Year,Series,Units,Sex,Feeling of safety,GeoCode,Value\n"
    "2021,Proportion of population that feel safe walking alone around the area they live after dark,"
    "Percent,,,,75.2\n"
    "2021,Proportion of population that feel safe walking alone around the area they live after dark,"
    "Percent,,Very unsafe,,40.1\n"
    "2021,Proportion of population that feel safe walking alone around the area they live after dark,"
    "Percent,,Bit unsafe,,35.1\n"
    "2021,Proportion of population that feel safe walking alone around the area they live after dark,"
    "Percent,Female,,,80.0\n"
)


def _rows(text: str, name: str, **kw: object) -> list[dict[str, object]]:
    up = prepare(text.encode(), name, **kw)  # type: ignore[arg-type]
    assert up.report.ok, up.report.to_text()
    return up.valid.to_pylist()


def test_unsafe_categories_never_yield_feel_safe() -> None:
    rows = _rows(UNSAFE_CATEGORIES, "indicator_16-1-4.csv", country="Ghana")
    assert all(r["indicator"] != "feel_safe" for r in rows)
    # categories are stored nationally too, each as its own distribution indicator
    national = [r for r in rows if r["breakdown"] is None and not r["indicator"].startswith("feel_safe_")]
    assert [(r["indicator"], r["value"]) for r in national] == [("feel_unsafe", pytest.approx(0.752))]
    parts = {r["indicator"]: r["value"] for r in rows if r["indicator"].startswith("feel_safe_distribution")}
    assert parts == {
        "feel_safe_distribution_very_unsafe": pytest.approx(0.401),
        "feel_safe_distribution_bit_unsafe": pytest.approx(0.351),
    }
    # the categories add up to the blank-category row: 40.1 + 35.1 = 75.2
    assert sum(parts.values()) == pytest.approx(0.752)
    female = [r for r in rows if r["breakdown"] == "Sex=Female"]
    assert [(r["indicator"], r["value"]) for r in female] == [("feel_unsafe", pytest.approx(0.8))]


def test_safe_categories_keep_feel_safe_and_mixed_totals_are_not_stored() -> None:
    safe = UNSAFE_CATEGORIES.replace("Very unsafe", "Very safe").replace("Bit unsafe", "Fairly safe")
    rows = _rows(safe, "indicator_16-1-4.csv", country="Ghana")
    national = [r for r in rows if r["breakdown"] is None and not r["indicator"].startswith("feel_safe_")]
    assert [(r["indicator"], r["value"]) for r in national] == [("feel_safe", pytest.approx(0.752))]
    mixed = UNSAFE_CATEGORIES.replace("Bit unsafe", "Fairly safe")
    up = prepare(mixed.encode(), "indicator_16-1-4.csv", country="Ghana")
    rows = up.valid.to_pylist()
    assert not [r for r in rows if r["breakdown"] is None and r["indicator"] in ("feel_safe", "feel_unsafe")]
    assert any("total over 'safe' and 'unsafe' answers" in n for n in up.report.notes)


@pytest.mark.parametrize(
    ("label", "kind"),
    [
        ("Very unsafe", "unsafe"),
        ("Bit unsafe", "unsafe"),
        ("Not at all safe", "unsafe"),
        ("Very safe", "safe"),
        ("Fairly safe", "safe"),
        ("Female", None),
        ("15-24", None),
    ],
)
def test_answer_kind(label: str, kind: str | None) -> None:
    assert answer_kind(label) == kind


def test_countries_named_in_geoareaname() -> None:
    text = (
        "Year,Series,GeoAreaName,Sex,Value\n"
        "2021,Proportion of population that feel safe walking alone after dark,Ghana,,61.0\n"
        "2021,Proportion of population that feel safe walking alone after dark,Ghana,Male,70.0\n"
        "2021,Proportion of population that feel safe walking alone after dark,Republic of Korea,,81.5\n"
        "2021,Proportion of population that feel safe walking alone after dark,Türkiye,,72.0\n"
        "2021,Proportion of population that feel safe walking alone after dark,Narnia,,50.0\n"
    )
    up = prepare(text.encode(), "sdg_16-1-4_multi.csv")
    assert up.format == "sdg_national"
    bad = up.report.failures
    assert bad["row"].tolist() == [6] and "unknown country" in bad["problem"].iloc[0]
    got = {(r["iso3"], r["breakdown"]): r["value"] for r in up.valid.to_pylist()}
    assert got == {
        ("GHA", None): pytest.approx(0.61),
        ("GHA", "Sex=Male"): pytest.approx(0.70),
        ("KOR", None): pytest.approx(0.815),
        ("TUR", None): pytest.approx(0.72),
    }
