"""Chart builders of the Evaluation page on tiny literal frames: traces, shaded windows, the milestone
marker, titles and captions. Expected values are worked out here from the literals."""

from __future__ import annotations

import ast
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from reports import charts_evaluation as ce
from reports.charts import SAMPLE_NOTE, Caption, caption_text, title_text

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = Caption("Test source", "2019-01", "2019-12", True)
REAL = Caption("Test source", "2019-01", "2019-12", False)


def shapes(fig) -> dict[str, dict]:
    return {s.name: s.to_plotly_json() for s in fig.layout.shapes}


def notes(fig) -> dict[str, str]:
    return {a.name: a.text for a in fig.layout.annotations}


def test_builders_are_streamlit_free() -> None:
    tree = ast.parse((ROOT / "reports" / "charts_evaluation.py").read_text(encoding="utf-8"))
    modules = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    modules |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert not {m for m in modules if m.split(".")[0] == "streamlit"}


def test_window_shapes_cover_the_windows_and_mark_the_milestone() -> None:
    # Milestone 2019-06, K = 3: before = 2019-03..2019-05, after = 2019-06..2019-08, so the before
    # rectangle runs from the start of March to the start of June and the after one to the start of
    # September; the milestone line sits at the start of June.
    got = {s["name"]: s for s in ce.window_shapes("2019-06", 3)}
    assert (got["before window"]["x0"], got["before window"]["x1"]) == ("2019-03-01", "2019-06-01")
    assert (got["after window"]["x0"], got["after window"]["x1"]) == ("2019-06-01", "2019-09-01")
    assert got["milestone"]["x0"] == got["milestone"]["x1"] == "2019-06-01"
    assert got["before window"]["type"] == got["after window"]["type"] == "rect"
    # Across a year end: milestone 2020-01, K = 2 → before 2019-11..2019-12, after 2020-01..2020-02.
    got = {s["name"]: s for s in ce.window_shapes("2020-01", 2)}
    assert got["before window"]["x0"] == "2019-11-01" and got["after window"]["x1"] == "2020-03-01"


def timeline_frame() -> pd.DataFrame:
    months = ["2019-03", "2019-04", "2019-05", "2019-06", "2019-07", "2019-08"]
    rows = []
    for m, n, mean, flag, eng, dens in zip(
        months,
        [10, 12, 8, 6, 5, 4],
        [11, 11, 10, 9, 8, 7],
        [0, 0, 0, 1, 1, None],
        [2, 3, 3, 5, 4, 4],
        [0.2, 0.2, 0.3, 0.4, 0.4, 0.5],
        strict=True,
    ):
        rows += [
            ("conflict", m, "incidents", n, None, None),
            ("conflict", m, "fatalities", 2 * n, None, None),
            ("conflict", m, "incidents_rolling_12m", mean, None, None),
            ("conflict", m, "downward_trend", flag, None, None),
            ("collaboration", m, "engagements_total", eng, None, None),
            ("collaboration", m, "network_density", dens, None, None),
        ]
    rows += [
        ("perception", "2019-04", "feel_safe", 0.50, 0.45, 0.56),
        ("perception", "2019-07", "feel_safe", 0.60, 0.52, 0.63),
        ("perception", "2019-04", "trust_military", 0.70, 0.66, 0.74),
        ("perception", "2019-07", "coverage_end", 1.0, None, None),  # bookkeeping, not a survey value
    ]
    frame = pd.DataFrame(rows, columns=["family", "period", "indicator", "value", "ci_low", "ci_high"])
    return frame.assign(region="Testland").astype({"value": float, "ci_low": float, "ci_high": float})


def test_timeline_has_the_three_families_on_one_axis() -> None:
    fig = ce.evaluation_timeline(
        timeline_frame(), milestone="2019-06", window=3, label="Pact <b>signed</b>", title="T", caption=SAMPLE
    )
    names = [t.name for t in fig.data]
    # 5 fixed traces + 2 survey indicators (coverage_end is not one): 7
    assert names == [
        "Incidents per month",
        "12-month mean of incidents",
        "Downward trend (36 months)",
        "Engagements per month",
        "Network density",
        "Feel safe walking alone at night",
        "Trust the military",
    ]
    assert [t.yaxis for t in fig.data] == ["y", "y", "y", "y2", "y3", "y4", "y4"]
    assert {t.xaxis or "x" for t in fig.data} == {"x"}  # one time axis (unset means "x")
    assert "xaxis2" not in fig.layout.to_plotly_json()
    assert list(fig.data[0].y) == [10, 12, 8, 6, 5, 4]
    # flagged months 2019-06 and 2019-07 (the missing flag of 2019-08 is not a decline), drawn at the mean
    assert list(fig.data[2].x) == ["2019-06", "2019-07"] and list(fig.data[2].y) == [9, 8]
    # feel_safe whiskers: 0.56 − 0.50 = 0.06 up, 0.50 − 0.45 = 0.05 down; 0.63 − 0.60, 0.60 − 0.52
    np.testing.assert_allclose(fig.data[5].error_y.array, [0.06, 0.03])
    np.testing.assert_allclose(fig.data[5].error_y.arrayminus, [0.05, 0.08])
    got = shapes(fig)
    assert {"before window", "after window", "milestone"} <= set(got)
    assert got["milestone"]["x0"] == "2019-06-01"
    assert notes(fig)["milestone"] == "Milestone 2019-06: Pact &lt;b&gt;signed&lt;/b&gt;"  # escaped
    assert fig.layout.title.text == "T"
    assert caption_text(fig) == f"Source: Test source · 2019-01 to 2019-12 · {SAMPLE_NOTE}"
    assert fig.layout.yaxis3.range == (0, 1)


def test_a_long_milestone_name_is_broken_over_lines_not_cut() -> None:
    name = "Joint declaration on maritime security cooperation and the code of conduct"  # 75 characters
    fig = ce.evaluation_timeline(
        timeline_frame(), milestone="2019-06", window=3, label=name, title="T", caption=REAL
    )
    note = [a for a in fig.layout.annotations if a.name == "milestone"][0]
    lines = note.text.split("<br>")
    # "Milestone 2019-06: " (19) + 75 = 94 characters in lines of at most 40: three lines, whole
    assert len(lines) == 3 and all(len(line) <= 40 for line in lines)
    assert " ".join(lines) == f"Milestone 2019-06: {name}" == note.hovertext
    longer = ce.evaluation_timeline(
        timeline_frame(), milestone="2019-06", window=3, label=name * 2, title="T", caption=REAL
    )
    cut = [a for a in longer.layout.annotations if a.name == "milestone"][0]
    assert len(cut.text.split("<br>")) == 3 and cut.text.endswith("…")
    assert cut.hovertext == f"Milestone 2019-06: {name * 2}"  # whole on hover


def test_timeline_without_data_still_draws() -> None:
    empty = timeline_frame().iloc[0:0]
    fig = ce.evaluation_timeline(empty, milestone="2019-06", window=3, label="", title="T", caption=REAL)
    assert len(fig.data) == 5 and all(len(t.x) == 0 for t in fig.data)
    assert notes(fig)["milestone"] == "Milestone 2019-06"
    assert SAMPLE_NOTE not in caption_text(fig)


def around_frame(comparison_relative: bool = True) -> pd.DataFrame:
    rows = []
    for k, m in enumerate(["2019-04", "2019-05", "2019-06", "2019-07"]):
        rows.append(("Testland", "region", m, 10.0 + k, (10.0 + k) / 10.5))
        rel = (20.0 - k) / 19.5 if comparison_relative else math.nan
        rows.append(("Comparison (A, B)", "comparison", m, 20.0 - k, rel))
        rows.append(("A", "comparison_member", m, 5.0, 1.0))  # members are not drawn
    return pd.DataFrame(rows, columns=["series", "role", "period", "value", "relative"])


def test_event_window_relative_to_the_before_mean() -> None:
    fig = ce.event_window(
        around_frame(), milestone="2019-06", window=2, noun="incidents", label="", title="T", caption=SAMPLE
    )
    assert [t.name for t in fig.data] == ["Testland", "Comparison (A, B)"]
    # region: 10, 11 before → mean 10.5; values ÷ 10.5
    np.testing.assert_allclose(fig.data[0].y, [10 / 10.5, 11 / 10.5, 12 / 10.5, 13 / 10.5])
    np.testing.assert_allclose(fig.data[0].customdata, [10, 11, 12, 13])
    got = shapes(fig)
    assert set(got) == {"before window", "after window", "milestone", "no change"}
    assert (got["before window"]["x0"], got["after window"]["x1"]) == ("2019-04-01", "2019-08-01")
    assert got["no change"]["y0"] == got["no change"]["y1"] == 1
    assert fig.layout.yaxis.title.text == "Incidents ÷ before-window mean"
    assert "1 = the before-window mean" in caption_text(fig)
    assert {"before", "after", "milestone"} <= set(notes(fig))
    assert notes(fig)["before"] == "Before (2 months)"


def test_event_window_falls_back_to_counts_and_needs_no_comparison() -> None:
    fig = ce.event_window(
        around_frame(comparison_relative=False),
        milestone="2019-06",
        window=2,
        noun="fatalities",
        label="",
        title="T",
        caption=REAL,
    )
    assert list(fig.data[1].y) == [20, 19, 18, 17]
    assert "no change" not in shapes(fig)
    assert fig.layout.yaxis.title.text == "Fatalities per month"
    alone = around_frame().query("role == 'region'")
    fig = ce.event_window(
        alone, milestone="2019-06", window=2, noun="incidents", label="", title="T", caption=REAL
    )
    assert [t.name for t in fig.data] == ["Testland"]


def placebo_frame() -> pd.DataFrame:
    ratios = np.array([0.5, 0.8, 1.0, 1.1, 2.0, math.inf])
    logs = np.log(ratios)
    observed = math.log(0.8)
    return pd.DataFrame(
        {
            "period": ["2016-01", "2016-02", "2016-03", "2016-04", "2016-05", "2016-06"],
            "rate_ratio": ratios,
            "log_ratio": logs,
            "at_least_as_far": np.abs(logs) >= abs(observed) - 1e-9,
        }
    )


def test_placebo_histogram_counts_and_marks_the_observed_ratio() -> None:
    fig = ce.placebo_histogram(
        placebo_frame(), observed=0.8, noun="incidents", title="Testland", caption=SAMPLE
    )
    # |log r| ≥ |log 0.8| = 0.223: 0.5 (0.693), 0.8 (0.223), 2.0 (0.693) and ∞ — 4 of 6; 1.0 and 1.1 not.
    assert title_text(fig) == "Testland: a change this large happened in 4 of 6 other periods (p = 0.71)"
    far, near = fig.data
    assert far.name == "At least as large a change (4 months)" and near.name == "Smaller change (2 months)"
    assert far.y.sum() == 3 and near.y.sum() == 2  # the infinite ratio is counted but not drawn
    assert "1 placebo month(s) with no incidents in one window counted but not drawn" in caption_text(fig)
    got = shapes(fig)
    assert got["observed"]["x0"] == pytest.approx(math.log(0.8))
    assert got["observed, mirrored"]["x0"] == pytest.approx(math.log(1.25))
    assert notes(fig)["observed"] == "Observed 0.80"
    # the bins are symmetric about a ratio of 1 and the ticks are ratios
    assert far.x[0] == pytest.approx(-far.x[-1])
    assert (
        "1" in fig.layout.xaxis.ticktext
        and fig.layout.xaxis.tickvals[fig.layout.xaxis.ticktext.index("1")] == 0
    )


def test_placebo_histogram_without_placebo_months() -> None:
    fig = ce.placebo_histogram(
        placebo_frame().iloc[0:0], observed=math.nan, noun="incidents", title="Testland", caption=REAL
    )
    assert title_text(fig) == "Testland: no other period could serve as a placebo"
    assert all(t.y.sum() == 0 for t in fig.data) and not fig.layout.shapes


def lead_lag_frame() -> pd.DataFrame:
    rows = []
    for outcome in ("incidents", "feel_safe", "coverage_end"):
        for driver in ("engagements_total", "network_density"):
            for lag, r in enumerate((0.1, -0.4, 0.2)):
                rows.append((driver, outcome, lag, r, r - 0.3, r + 0.25, 0.5, 20, lag == 1))
    cols = ["driver", "outcome", "lag", "r", "ci_low", "ci_high", "p_value", "n_pairs", "strongest"]
    return pd.DataFrame(rows, columns=cols)


def test_lead_lag_bars_with_whiskers_one_panel_per_outcome() -> None:
    fig = ce.lead_lag_bars(lead_lag_frame(), title="Lead–lag", caption=SAMPLE)
    # 2 outcomes (coverage_end is not an outcome measure) × 2 drivers = 4 bar traces
    assert [(t.name, t.yaxis) for t in fig.data] == [
        ("Engagements", "y"),
        ("Network density", "y"),
        ("Engagements", "y2"),
        ("Network density", "y2"),
    ]
    assert [t.showlegend for t in fig.data] == [True, True, False, False]
    bars = fig.data[0]
    assert list(bars.x) == [0, 1, 2] and list(bars.y) == [0.1, -0.4, 0.2]
    np.testing.assert_allclose(bars.error_y.array, [0.25] * 3)
    np.testing.assert_allclose(bars.error_y.arrayminus, [0.3] * 3)
    assert list(bars.marker.line.width) == [0, 2.5, 0]  # the strongest lag outlined
    assert fig.layout.yaxis.range == (-1, 1) and fig.layout.yaxis2.range == (-1, 1)
    assert fig.layout.yaxis.domain[0] > fig.layout.yaxis2.domain[1]  # incidents panel above
    assert [a.text for a in fig.layout.annotations if a.name == "panel"] == [
        "Outcome: Incidents",
        "Outcome: Feel safe walking alone at night",
    ]
    assert fig.layout.title.text == "Lead–lag" and SAMPLE_NOTE in caption_text(fig)
