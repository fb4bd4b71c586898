"""The briefing pack: a PowerPoint deck and a PDF on one region, with findings checked against numbers
computed here independently.

Conflict findings are recomputed from the bundled sample Parquet files with pandas and
``pymannkendall``; collaboration, perception and composite findings from the tidy indicators of
``metrics.indicators.compute_indicators``; the evaluation findings are those of
``evaluate_milestone`` called here. The pack is built once (four chart renders).
"""

from __future__ import annotations

import io
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import statsmodels.api as sm
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE
from pypdf import PdfReader

from metrics.evaluation import evaluate_milestone
from reports.compute import Frames
from reports.export import brief, findings
from reports.export.catalog import selection_for
from stability import __version__

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "datasets" / "data"
REGION, MILESTONE, LABEL = "ASEAN", "2019-01", "defence pact"
END, PREV = "2025-12", "2024-12"
# the default window: the last 10 years of the sample incidents (2015-01 … 2025-12), i.e. END and
# the 12 × 10 − 1 = 119 months before it
START = str(pd.Period(END, "M") - 119)
assert START == "2016-01"


@pytest.fixture(scope="module")
def pack(sample_bundle) -> brief.Pack:
    return brief.briefing_pack(sample_bundle, REGION, milestone=MILESTONE, label=LABEL)


@pytest.fixture(scope="module")
def deck(pack):
    return Presentation(io.BytesIO(brief.to_pptx(pack)))


@pytest.fixture(scope="module")
def evaluation_findings(sample_bundle) -> list[str]:
    b = sample_bundle
    ev = evaluate_milestone(
        b.incidents.table,
        b.collaboration.table,
        b.perception.table,
        b.regions,
        region=REGION,
        milestone=MILESTONE,
        label=LABEL,
    )
    return [r.finding for r in ev.results]


@pytest.fixture(scope="module")
def monthly() -> pd.DataFrame:
    """Incidents and deaths per month of the region's members, straight from the sample files."""
    regions = pd.read_csv(DATA / "regions.csv")
    members = set(regions.loc[regions["region"] == REGION, "iso3"])
    inc = pq.read_table(
        DATA / "sample_incidents.parquet", columns=["iso3", "event_date", "fatalities"]
    ).to_pandas()
    inc = inc.loc[inc["iso3"].isin(members)]
    inc["month"] = pd.to_datetime(inc["event_date"]).dt.strftime("%Y-%m")
    out = inc.groupby("month").agg(incidents=("iso3", "size"), fatalities=("fatalities", "sum"))
    months = [str(p) for p in pd.period_range("2015-01", END, freq="M")]
    return out.reindex(months, fill_value=0)


def slide_text(slide) -> list[str]:
    return [p.text for sh in slide.shapes if sh.has_text_frame for p in sh.text_frame.paragraphs if p.text]


def p_text(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def tidy_value(frame: pd.DataFrame, indicator: str, period: str) -> float:
    hit = frame.loc[
        (frame["region"] == REGION) & (frame["indicator"] == indicator) & (frame["period"] == period)
    ]
    return float(hit["value"].iloc[0]) if len(hit) else math.nan


# --- structure -------------------------------------------------------------------------------------


def test_slides_titles_and_pictures(deck, pack, evaluation_findings) -> None:
    evaluation_slides = math.ceil(len(evaluation_findings) / brief.EVALUATION_PER_SLIDE)
    titles = [s.shapes.title.text for s in deck.slides]
    assert titles == [
        f"Regional stability briefing: {REGION}",
        "Conflict incidents",
        "Military collaboration",
        "Public perception",
        "Stability index",
        "Evaluation around the milestone",
        *["Evaluation around the milestone (continued)"] * (evaluation_slides - 1),
        "Sources and methodology",
    ]
    assert len(pack.slides) == len(titles)
    for k, slide in enumerate(deck.slides):
        pictures = [sh for sh in slide.shapes if sh.shape_type == MSO_SHAPE_TYPE.PICTURE]
        assert len(pictures) == (1 if 1 <= k <= 4 else 0), titles[k]
        for pic in pictures:
            assert pic.image.content_type == "image/png"
            assert pic.image.size[0] >= 1600  # pixels
            assert pic.image.blob[:8] == b"\x89PNG\r\n\x1a\n"


def test_title_slide(deck) -> None:
    lines = slide_text(deck.slides[0])
    assert f"Regional stability briefing: {REGION}" in lines
    assert f"{START} to {END}" in lines
    assert "Illustrative sample data, not real" in lines
    assert any(
        line.startswith("Prepared ") and line.endswith(f"Regional Stability Monitor {__version__}")
        for line in lines
    )


# --- findings against independent numbers ---------------------------------------------------------


def test_conflict_findings(deck, monthly, sample_indicators) -> None:
    lines = slide_text(deck.slides[1])
    recent = monthly.loc["2025-01":END]
    before = monthly.loc["2024-01":"2024-12"]
    n1, n0 = int(recent["incidents"].sum()), int(before["incidents"].sum())
    f1, f0 = int(recent["fatalities"].sum()), int(before["fatalities"].sum())
    change = 100 * (n1 - n0) / n0  # relative change of the 12-month totals, %
    verb = f"{'fell' if change < 0 else 'rose'} {abs(change):.0f} %"
    yoy = (
        f"Incidents {verb} year on year: {n1:,} in the 12 months to {END} against {n0:,} in the 12 months "
        f"before; deaths {f1:,} against {f0:,}."
    )
    assert yoy in lines
    # the trend over the 36 months to END: a Poisson GLM fitted here on intercept, years from the
    # window's centre and a seasonal sine/cosine pair gives the point estimate; the interval (which
    # allows for serial dependence) and the flag are the indicator rows'
    y = monthly.loc["2023-01":END, "incidents"].to_numpy(float)
    j = np.arange(36)
    x = np.column_stack(
        [np.ones(36), (j - 17.5) / 12, np.sin(2 * np.pi * j / 12), np.cos(2 * np.pi * j / 12)]
    )
    change = math.expm1(float(sm.GLM(y, x, family=sm.families.Poisson()).fit().params[1]))
    assert tidy_value(sample_indicators, "trend_change_per_year", END) == pytest.approx(change, rel=1e-6)
    row = sample_indicators.loc[
        (sample_indicators["region"] == REGION)
        & (sample_indicators["indicator"] == "trend_change_per_year")
        & (sample_indicators["period"] == END)
    ].iloc[0]
    lo, hi = row["ci_low"], row["ci_high"]
    assert lo < change < hi
    stats = f"{100 * change:+.0f} % a year, 95 % interval {100 * lo:+.0f} % to {100 * hi:+.0f} %"
    if tidy_value(sample_indicators, "downward_trend", END) == 1:
        trend = f"Over the 36 months to {END} incidents show a downward trend ({stats})."
    elif lo > 0:
        trend = f"Over the 36 months to {END} incidents rose ({stats})."
    else:
        trend = f"Over the 36 months to {END} there is no clear downward trend ({stats})."
    assert trend in lines
    assert (
        len([line for line in lines if line != "Key findings"]) == 3 + 3
    )  # title, subtitle, 3 findings, footer


def test_collaboration_perception_and_composite_findings(deck, sample_indicators) -> None:
    ind = sample_indicators
    now, before = tidy_value(ind, "network_density", END), tidy_value(ind, "network_density", PREV)
    diff = 100 * (now - before)  # percentage points
    move = (
        f"unchanged from {PREV}"
        if diff == 0
        else f"{'up' if diff > 0 else 'down'} {abs(diff):.0f} points from {100 * before:.0f} % in {PREV}"
    )
    density = (
        f"Network density was {100 * now:.0f} % in {END} (share of member pairs tied over the trailing "
        f"12 months), {move}."
    )
    assert density in slide_text(deck.slides[2])

    rows = ind.loc[(ind["region"] == REGION) & (ind["indicator"] == "feel_safe")].sort_values("period")
    last = rows.iloc[-1]
    size = tidy_value(ind, "feel_safe_sample_size", last["period"])
    changes = ind.loc[(ind["region"] == REGION) & (ind["indicator"] == "feel_safe_change")].dropna(
        subset=["value"]
    )
    change = 100 * float(changes.sort_values("period")["value"].iloc[-1])
    sig = ind.loc[(ind["region"] == REGION) & (ind["indicator"] == "feel_safe_change_significant")].dropna(
        subset=["value"]
    )
    significant = float(sig.sort_values("period")["value"].iloc[-1]) == 1
    feel_safe = (
        f"Feel safe walking alone at night: {100 * last['value']:.1f} % in the wave of {last['period']} "
        f"(95 % interval {100 * last['ci_low']:.1f} % to {100 * last['ci_high']:.1f} %, "
        f"{size:,.0f} respondents); "
        f"{'up' if change > 0 else 'down'} {abs(change):.1f} percentage points on the previous wave "
        f"({'significant' if significant else 'not significant'} at 95 %)."
    )
    assert feel_safe in slide_text(deck.slides[3])

    idx_now, idx_before = tidy_value(ind, "stability_index", END), tidy_value(ind, "stability_index", PREV)
    level = (
        f"Stability index {idx_now:.1f} in {END} (0-100, 100 = most stable), "
        f"{idx_now - idx_before:+.1f} points since {PREV}."
    )
    lines = slide_text(deck.slides[4])
    assert level in lines
    assert any("Weights: conflict 33 %, collaboration 33 %, perception 33 %." in line for line in lines)


def test_evaluation_slides_carry_the_evaluation_findings(deck, evaluation_findings) -> None:
    shown = []
    for slide in deck.slides:
        if slide.shapes.title.text.startswith("Evaluation"):
            shown += [t for t in slide_text(slide)[2:-1]]  # after title and subtitle, before the footer
    assert shown == evaluation_findings
    assert any("association, not proof of cause" in f for f in shown)


def test_pdf_has_the_same_pages_and_text(pack) -> None:
    data = brief.to_pdf(pack)
    assert data[:5] == b"%PDF-"
    pages = PdfReader(io.BytesIO(data)).pages
    assert len(pages) == len(pack.slides)
    for page, slide in zip(pages, pack.slides, strict=True):
        text = re.sub(r"\s+", "", page.extract_text())
        assert re.sub(r"\s+", "", slide.title) in text
        for line in slide.bullets:
            assert re.sub(r"\s+", "", line) in text, line
    assert len(pages[1].images) == 1  # the conflict chart


# --- missing data are said, not hidden ----------------------------------------------------------


def test_findings_say_when_data_are_missing(sample_bundle) -> None:
    frames = Frames(sample_bundle)
    none = selection_for(frames, "Antarctica")
    assert findings.perception_findings(frames, none) == [
        f"No survey data for Antarctica from {START} to {END}."
    ]
    short = selection_for(frames, REGION, "2015-01", "2015-06")
    conflict = findings.conflict_findings(frames, short)
    assert conflict[0].startswith(
        "No year-on-year change: the incident data do not cover all 24 months to 2015-06"
    )
    assert conflict[1] == (
        "No trend test for 2015-06: it needs complete incident data for the 36 months to 2015-06."
    )
    assert (
        conflict[2] == "No alarm test from 2015-01 to 2015-06: it needs 36 earlier months of incident data."
    )


def test_a_milestone_outside_the_data_is_one_clear_error(sample_bundle) -> None:
    with pytest.raises(ValueError, match="outside the incident data"):
        brief.briefing_pack(sample_bundle, REGION, milestone="2030-01")


def test_a_wgi_interval_is_said_to_be_90_percent() -> None:
    """WGI's interval is the World Bank's 90 % (estimate ± 1.645 standard errors): the brief says so."""
    import pandas as pd

    from reports.compute import PerceptionPanel

    waves = pd.DataFrame({"period": ["2023"], "value": [-0.9], "ci_low": [-1.14], "ci_high": [-0.65]})
    panel = PerceptionPanel(
        "political_stability",
        "Political stability (WGI)",
        "index (90 % interval)",
        waves,
        float("nan"),
        float("nan"),
        "2023",
        float("nan"),
    )

    class _Frames:
        def perception_panels(self, _sel: object) -> list[PerceptionPanel]:
            return [panel]

    (line,) = findings.perception_findings(_Frames(), None)  # type: ignore[arg-type]
    assert "(90 % interval -1.14 to -0.65)" in line and "95 %" not in line
