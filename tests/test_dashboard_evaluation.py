"""The Evaluation page: its selection in the URL, the text it shows, and its numbers against the
``stability evaluate`` command on the bundled sample data.

The page's numbers are compared with the command's CSV output, rounded here by the page's stated rule
(three decimals; "—" when there is no number); the windows' incident counts are also counted straight
from the sample Parquet file with pandas.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
from collections.abc import Iterable
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.sidebar import OTHER_MONTH
from datasets.schema import EVENT_TYPES
from reports import findings, vocabulary
from reports.charts import title_text
from reports.selection import (
    DEFAULT_WINDOW,
    MAX_COMPARISON,
    MAX_LABEL,
    Proposal,
    Selection,
    clean_label,
    default_milestone,
    from_query,
    make_choices,
    milestone_of,
    to_query,
)
from stability.cli import main

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "dashboard" / "app.py"
DATA = ROOT / "datasets" / "data"
PAGE = "views/evaluation.py"
HEADLINES = list(findings.HEADLINES)
# The pages open on the last 10 years of the conflict data: the sample incidents run 2015-01 …
# 2025-12, so 2025-12 and the 12 × 10 − 1 = 119 months before it (issue 13).
DEFAULT_START = str(pd.Period("2025-12", "M") - 119)
assert DEFAULT_START == "2016-01"


# --- the selection in the URL --------------------------------------------------------------------


@pytest.fixture
def choices():
    regions = pd.DataFrame(
        {
            "region": ["North", "North", "South", "Both", "Both", "Zed"],
            "iso3": ["FRA", "DEU", "ITA", "FRA", "ITA", "ISL"],
            "grouping": ["Security grouping"] * 6,
        }
    )
    return make_choices(regions, EVENT_TYPES, "2019-01", "2021-12")


def test_evaluation_selection_round_trip(choices) -> None:
    sel = Selection(
        region="North",
        start="2019-01",
        end="2021-12",
        milestone="2020-03",
        label="Pact signed",
        window=6,
        comparison=("Zed", "South"),
    )
    query = to_query(sel)
    assert query == {
        "region": "North",
        "start": "2019-01",
        "end": "2021-12",
        "milestone": "2020-03",
        "label": "Pact signed",
        "window": "6",
        "comparison": ["Zed", "South"],
    }
    assert from_query(query, choices) == sel
    # defaults stay out of the URL
    plain = Selection(region="North", start="2019-01", end="2021-12")
    assert set(to_query(plain)) == {"region", "start", "end"}
    assert (plain.milestone, plain.label, plain.window, plain.comparison) == (None, "", DEFAULT_WINDOW, ())


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"milestone": "2020-13"}, (None, "", 12, ())),  # no such month
        ({"milestone": "2030-01"}, (None, "", 12, ())),  # outside the data
        ({"milestone": "March 2020"}, (None, "", 12, ())),
        ({"label": "orphan"}, (None, "", 12, ())),  # a label needs its milestone
        ({"milestone": "2020-03", "window": "0"}, ("2020-03", "", 12, ())),
        ({"milestone": "2020-03", "window": "-3"}, ("2020-03", "", 12, ())),
        ({"milestone": "2020-03", "window": "61"}, ("2020-03", "", 12, ())),  # above the maximum of 60
        ({"milestone": "2020-03", "window": "2.5"}, ("2020-03", "", 12, ())),
        ({"window": "60"}, (None, "", 60, ())),
        ({"comparison": ["north", "Nowhere", "South", "south"]}, (None, "", 12, ("South",))),  # not itself
    ],
)
def test_bad_evaluation_values_fall_back(choices, query, expected) -> None:
    sel = from_query({"region": "North", **query}, choices)
    assert (sel.milestone, sel.label, sel.window, sel.comparison) == expected


def test_labels_are_cleaned(choices) -> None:
    assert clean_label("  Pact\n\tsigned \u202e evil ") == "Pact signed evil"  # controls and runs of space
    assert clean_label(None) == "" and clean_label("   ") == ""
    assert len(clean_label("x" * 500)) == MAX_LABEL
    sel = from_query({"region": "North", "milestone": "2020-03", "label": "<script>a</script>"}, choices)
    assert sel.label == "<script>a</script>"  # kept as text; the page never renders it as HTML
    many = [f"R{k}" for k in range(20)]
    regions = pd.DataFrame({"region": ["North", *many], "iso3": ["FRA"] * 21, "grouping": ["G"] * 21})
    wide = make_choices(regions, EVENT_TYPES, "2019-01", "2019-12")
    assert len(from_query({"region": "North", "comparison": many}, wide).comparison) == MAX_COMPARISON


PROPOSALS = [
    Proposal("2019-05", "First exercise", "why", "new_kind"),
    Proposal("2020-06", "First partner", "why", "new_partner"),
    Proposal("2021-09", "Density jump", "why", "density_jump"),
]


def test_default_milestone_is_the_latest_proposal_whose_windows_fit() -> None:
    months = [str(p) for p in pd.period_range("2019-01", "2021-12", freq="M")]
    # K = 6: 2021-09 needs 2021-09..2022-02 (past 2021-12); 2020-06 needs 2019-12..2020-11: fits.
    assert default_milestone(PROPOSALS, months, 6) == 1
    # K = 4: 2019-05 needs 2019-01 first (fits); 2021-09 needs up to 2021-12 (fits) → the latest.
    assert default_milestone(PROPOSALS, months, 4) == 2
    # K = 19: 2020-06 needs 2018-11 .. 2021-12; the data begin 2019-01, so nothing fits.
    assert default_milestone(PROPOSALS, months, 19) is None
    assert default_milestone([], months, 6) is None


def test_milestone_of_resolves_the_selection() -> None:
    months = [str(p) for p in pd.period_range("2019-01", "2021-12", freq="M")]
    base = Selection(region="North", start="2019-01", end="2021-12", window=6)
    assert milestone_of(base, PROPOSALS, months) == ("2020-06", "First partner", 1)
    chosen = Selection(
        region="North", start="2019-01", end="2021-12", milestone="2019-05", label="First exercise"
    )
    assert milestone_of(chosen, PROPOSALS, months) == ("2019-05", "First exercise", 0)
    own = Selection(region="North", start="2019-01", end="2021-12", milestone="2019-05", label="Mine")
    assert milestone_of(own, PROPOSALS, months) == ("2019-05", "Mine", None)
    # no proposal fits: the middle of the 36 months (index 18 = 2020-07), no label
    assert milestone_of(Selection("North", "2019-01", "2021-12", window=30), PROPOSALS, months) == (
        "2020-07",
        "",
        None,
    )


def test_rounding_rules() -> None:
    assert findings.number(0.91617) == "0.916" and findings.number(0.02, signed=True) == "+0.020"
    assert findings.number(math.nan) == "—" and findings.count(2565.0) == "2,565"
    assert findings.p_text(0.0004) == "< 0.001" and findings.p_text(0.0335) == "0.034"
    assert findings.interval(0.8457, 0.9925) == "0.846 to 0.993" and findings.interval(math.nan, 1) == "—"


# --- the page against the command line -----------------------------------------------------------

_CLI: dict[tuple[str, ...], pd.DataFrame] = {}


def cli(*args: str) -> pd.DataFrame:
    """``stability evaluate … --format csv`` parsed, indexed by measure (each command run once)."""
    if args not in _CLI:
        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
            assert main(["evaluate", *args, "--format", "csv"]) == 0
        frame = pd.read_csv(io.StringIO(out.getvalue()), dtype={"milestone": str}, keep_default_na=False)
        for c in ("estimate", "ci_low", "ci_high", "p_value", "n_before", "n_after"):
            frame[c] = pd.to_numeric(frame[c].replace("", math.nan))
        _CLI[args] = frame.set_index("measure")
    return _CLI[args]


def r3(x: float) -> str:
    return "—" if math.isnan(x) else f"{x:.3f}"


def p3(x: float) -> str:
    return "—" if math.isnan(x) else ("< 0.001" if x < 0.001 else f"{x:.3f}")


def n0(x: float) -> str:
    return "—" if math.isnan(x) else f"{x:,.0f}"


def open_page(query: dict[str, str | list[str]]) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=60)
    for k, v in query.items():
        at.query_params[k] = v
    at.run()
    at.switch_page(PAGE).run()
    ok(at)
    return open_tables(at)


def open_tables(at: AppTest) -> AppTest:
    """Open the two expanders whose tables are built only while open (as a click on each does)."""
    at.session_state["e_measures"] = True
    at.session_state["e_comparison_table"] = True
    at.run()
    ok(at)
    return at


def ok(at: AppTest) -> None:
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]


def url(at: AppTest) -> dict[str, list[str]]:
    return {k: list(v) if isinstance(v, list) else [v] for k, v in at.query_params.items()}


def metrics(at: AppTest) -> dict[str, str]:
    """Headline measure → the value shown in its metric."""
    by_label = {m.label: m.value for m in at.metric}
    return {m: by_label[label] for m, label in findings.HEADLINES.items()}


#: The measures table's human column labels back to the command's column names.
SHOWN = {vocabulary.column_label(c): c for c in findings.TABLE_COLUMNS if c != "measure"}


def table(at: AppTest, codes: Iterable[str]) -> pd.DataFrame:
    """The page's measures table under the command's column names, indexed by measure code (the
    page shows each measure by its label, ``findings.measure_label``, never by its code)."""
    hits = [d.value for d in at.dataframe if "Finding" in d.value.columns]
    assert len(hits) == 1
    frame = hits[0].rename(columns=SHOWN)
    assert list(frame.columns[:2]) == ["finding", "what"]  # the sentence first, then the measure
    assert "measure" not in frame.columns
    labels = {findings.measure_label(c): c for c in codes}
    return frame.set_index(frame["what"].map(labels))


def assert_matches(at: AppTest, ref: pd.DataFrame) -> None:
    """Every number the page shows equals the command's, with the page's rounding."""
    shown, rows = metrics(at), table(at, ref.index)
    assert list(rows.index) == list(ref.index)  # the same measures in the same order
    for m in HEADLINES:
        assert shown[m] == r3(ref.loc[m, "estimate"]), m
    for m, r in ref.iterrows():
        if math.isnan(r["estimate"]):  # no number: a reason instead
            assert rows.loc[m, "estimate"] == rows.loc[m, "p"] == "—", m
        else:
            signed = m.endswith(("_change", "_sustained_decline")) or m.startswith("leadlag_")
            est = f"{r['estimate']:+.3f}" if signed else r3(r["estimate"])
            assert rows.loc[m, "estimate"] == est, m
            assert rows.loc[m, "p"] == p3(r["p_value"]), m
            if not math.isnan(r["ci_low"]):
                lo, hi = (
                    (f"{r['ci_low']:+.3f}", f"{r['ci_high']:+.3f}")
                    if signed
                    else (r3(r.ci_low), r3(r.ci_high))
                )
                assert rows.loc[m, "95% interval"] == f"{lo} to {hi}", m
        assert rows.loc[m, "n_before"] == n0(r["n_before"]) and rows.loc[m, "n_after"] == n0(r["n_after"]), m
        assert rows.loc[m, "finding"] == r["finding"] and rows.loc[m, "method"] == r["method"], m


def window_counts(region_iso3: set[str], milestone: str, window: int) -> tuple[int, int]:
    """Incidents of the members in the K months before ``milestone`` and in the K months from it."""
    inc = pq.read_table(DATA / "sample_incidents.parquet", columns=["event_date", "iso3"]).to_pandas()
    month = pd.to_datetime(inc["event_date"]).dt.to_period("M")
    m = pd.Period(milestone, "M")
    mine = inc["iso3"].isin(region_iso3)
    before = mine & (month >= m - window) & (month <= m - 1)
    after = mine & (month >= m) & (month <= m + window - 1)
    return int(before.sum()), int(after.sum())


def members(region: str) -> set[str]:
    regions = pd.read_csv(DATA / "regions.csv")
    return set(regions.loc[regions["region"] == region, "iso3"])


def test_numbers_equal_the_command_line() -> None:
    at = open_page({"region": "ASEAN", "milestone": "2019-06"})
    ref = cli("--region", "ASEAN", "--milestone", "2019-06")
    assert_matches(at, ref)
    # The window counts, counted from the sample file: rate ratio = after ÷ before.
    s0, s1 = window_counts(members("ASEAN"), "2019-06", 12)
    assert metrics(at)["incidents_rate_ratio"] == f"{s1 / s0:.3f}"
    rr = ref.loc["incidents_rate_ratio"]
    assert (
        f"95% interval {r3(rr.ci_low)} to {r3(rr.ci_high)} · p {p3(rr.p_value)} · {s0:,} before, {s1:,} after"
        in [c.value for c in at.caption]
    )
    placebo = ref.loc["incidents_placebo_p"]
    # the sentence under the placebo p and the histogram's title say the same count
    k_of_n = placebo["finding"].split("happened in ")[1].split(" other non-overlapping")[0]  # "3 of 8"
    assert f"{k_of_n} other periods changed at least as much" in [c.value for c in at.caption]
    titles = [
        json.loads(c.proto.spec)["layout"]["title"]["text"].replace("<br>", " ")
        for c in at.get("plotly_chart")
    ]
    assert any(f"a change this large happened in {k_of_n} other periods" in t for t in titles)
    # the findings say what they are: association, not proof of cause
    assert "association, not proof of cause" in "\n".join(md.value for md in at.markdown)
    assert url(at) == {
        "region": ["ASEAN"],
        "start": [DEFAULT_START],
        "end": ["2025-12"],
        "milestone": ["2019-06"],
    }


def test_changing_the_window_or_the_milestone_changes_the_numbers() -> None:
    at = open_page({"region": "ASEAN", "milestone": "2019-06"})
    before = metrics(at)
    at.number_input(key="e_window").set_value(6).run()
    ok(at)
    assert url(at)["window"] == ["6"]
    ref6 = cli("--region", "ASEAN", "--milestone", "2019-06", "--window", "6")
    assert_matches(at, ref6)
    assert metrics(at)["incidents_rate_ratio"] != before["incidents_rate_ratio"]
    s0, s1 = window_counts(members("ASEAN"), "2019-06", 6)
    assert metrics(at)["incidents_rate_ratio"] == f"{s1 / s0:.3f}"

    # another month and a label of the user's own
    assert at.selectbox(key="e_milestone").value == OTHER_MONTH
    at.selectbox(key="e_month").set_value("2021-03").run()
    at.text_input(key="e_label").input("Joint patrols begin").run()
    ok(at)
    assert url(at)["milestone"] == ["2021-03"] and url(at)["label"] == ["Joint patrols begin"]
    ref = cli(
        "--region", "ASEAN", "--milestone", "2021-03", "--window", "6", "--label", "Joint patrols begin"
    )
    assert_matches(at, ref)
    assert "after Joint patrols begin (2021-03)" in ref.loc["incidents_rate_ratio", "finding"]


def test_a_proposed_milestone_can_be_picked() -> None:
    at = open_page({"region": "ASEAN"})
    box = at.selectbox(key="e_milestone")
    proposals = [o for o in box.options if not o.startswith("Another month")]
    assert proposals and all(" · " in o and " — " in o for o in proposals)  # month · label — reason
    # Shown first: the latest proposal whose windows (12 months each side) fit in 2015-01..2025-12.
    months = [pd.Period(o.split(" · ")[0], "M") for o in proposals]
    fitting = [
        k
        for k, m in enumerate(months)
        if m - 12 >= pd.Period("2015-01", "M") and m + 11 <= pd.Period("2025-12", "M")
    ]
    assert box.value == max(fitting, key=lambda k: months[k])
    first = box.options[0]
    month = first.split(" · ")[0]
    at.selectbox(key="e_milestone").set_value(0).run()
    ok(at)
    assert url(at)["milestone"] == [month]
    label = url(at)["label"][0]
    assert first.startswith(f"{month} · {label} — ")
    assert_matches(at, cli("--region", "ASEAN", "--milestone", month, "--label", label))


def test_a_milestone_at_the_edge_of_the_data_shows_reasons() -> None:
    # 2025-06 with 12-month windows: the after window runs to 2026-05, past the data's end (2025-12).
    at = open_page({"region": "ASEAN", "milestone": "2025-06"})
    ref = cli("--region", "ASEAN", "--milestone", "2025-06")
    assert all(v == "—" for v in metrics(at).values())
    reasons = [i.value for i in at.info]
    for m in HEADLINES:
        assert math.isnan(ref.loc[m, "estimate"])
        assert "after window (2025-06 to 2026-05)" in ref.loc[m, "finding"]
        assert findings_md(ref.loc[m, "finding"]) in reasons
    assert_matches(at, ref)


def findings_md(text: str) -> str:
    """``text`` as the page writes it (Markdown escaped by ``ui.plain``)."""
    from dashboard.ui import plain

    return plain(text)


def test_a_link_with_the_evaluation_reopens_the_same_view() -> None:
    query = {
        "region": "ASEAN",
        "milestone": "2019-06",
        "label": "Pact signed",
        "window": "9",
        "comparison": ["Sahel", "East Asia"],
    }
    at = open_page(query)
    assert at.selectbox(key="e_milestone").value == OTHER_MONTH
    assert at.selectbox(key="e_month").value == "2019-06"
    assert at.text_input(key="e_label").value == "Pact signed"
    assert at.number_input(key="e_window").value == 9
    assert at.multiselect(key="e_comparison").value == ["Sahel", "East Asia"]
    expected = {k: v if isinstance(v, list) else [v] for k, v in query.items()}
    assert url(at) == {**expected, "start": [DEFAULT_START], "end": ["2025-12"]}
    ref = cli(
        "--region", "ASEAN", "--milestone", "2019-06", "--label", "Pact signed", "--window", "9",
        "--compare", "Sahel", "East Asia",
    )  # fmt: skip
    assert_matches(at, ref)
    note = findings_md("ASEAN is compared with Sahel and East Asia (their incidents pooled).")
    assert note in [m.value for m in at.markdown]
    used = [d.value for d in at.dataframe if list(d.value.columns) == ["Region", "Used", "Why"]][0]
    assert list(used["Region"]) == ["Sahel", "East Asia"] and list(used["Used"]) == ["yes", "yes"]
    # the view survives a trip to another page and back
    at.switch_page("views/overview.py").run()
    at.switch_page(PAGE).run()
    ok(at)
    assert url(at) == {**expected, "start": [DEFAULT_START], "end": ["2025-12"]}
    assert metrics(at) == {m: r3(ref.loc[m, "estimate"]) for m in HEADLINES}


def test_the_default_comparison_is_shown_with_reasons_and_a_new_region_resets_it() -> None:
    at = open_page({"region": "ASEAN", "milestone": "2019-06"})
    comparison = [d.value for d in at.dataframe if list(d.value.columns) == ["Region", "Used", "Why"]][0]
    used = list(comparison.loc[comparison["Used"] == "yes", "Region"])
    assert at.multiselect(key="e_comparison").value == used and used
    ref = cli("--region", "ASEAN", "--milestone", "2019-06")
    assert ref.loc["incidents_did_ratio", "method"].count(", ".join(used)) == 1  # the command's comparison
    assert all(comparison.loc[comparison["Used"] == "no", "Why"].str.len() > 0)  # why not
    assert "comparison" not in url(at)  # the default is not written into the link
    at.sidebar.selectbox(key="f_region").set_value("Sahel").run()
    ok(at)
    assert "milestone" not in url(at) and url(at)["region"] == ["Sahel"]
    assert at.title[0].value == "Evaluation: Sahel"


def test_evaluation_figures_draw_from_a_streamlit_free_source(sample_bundle) -> None:
    # The exports' data source (reports.compute.Frames) gives the same charts as the page.
    from metrics.evaluation import evaluate_milestone
    from reports import figures_evaluation as fe
    from reports.charts import caption_text
    from reports.compute import Frames

    b = sample_bundle
    ev = evaluate_milestone(
        b.incidents.table,
        b.collaboration.table,
        b.perception.table,
        b.regions,
        region="ASEAN",
        milestone="2019-06",
    )
    src = Frames(b)
    sel = Selection(region="ASEAN", start="2015-01", end="2025-12", milestone="2019-06")
    around = fe.around(sel, ev, "incidents", src)
    # shown: from a window before the before window (2017-06) to a window after the after window (2021-05)
    assert (around.table["period"].min(), around.table["period"].max()) == ("2017-06", "2021-05")
    assert set(around.table["role"]) == {"region", "comparison"}
    assert "2017-06 to 2021-05" in caption_text(around.figure)
    assert "illustrative sample data" in caption_text(around.figure).lower()  # the source says so
    placebo = fe.placebo(sel, ev, "fatalities", src)
    res = ev.result("fatalities_placebo_p")
    assert set(placebo.table["period"]) and len(placebo.table) == res.details["denominator"]
    assert title_text(placebo.figure).endswith(
        f"a change this large happened in {res.details['count']} of {res.details['denominator']} other "
        f"periods (p = {res.estimate:.2f})"
    )
    timeline = fe.timeline(sel, ev, src)
    assert {s.name for s in timeline.figure.layout.shapes} == {"before window", "after window", "milestone"}
    assert "2015-01 to 2025-12" in caption_text(timeline.figure)
    assert len(fe.lead_lag(sel, ev, src).figure.data) >= 2


def test_the_comparison_chart_says_when_no_comparison_could_be_used(sample_bundle) -> None:
    from metrics.evaluation import evaluate_milestone
    from reports import figures_evaluation as fe
    from reports.charts import caption_text
    from reports.compute import Frames

    b = sample_bundle
    common = {"region": "ASEAN", "milestone": "2019-06"}
    tables = (b.incidents.table, b.collaboration.table, b.perception.table, b.regions)
    src = Frames(b)
    sel = Selection(region="ASEAN", start="2015-01", end="2025-12", milestone="2019-06")
    with_one = evaluate_milestone(*tables, **common, compare=["Sahel"])
    title = title_text(fe.around(sel, with_one, "incidents", src).figure)
    assert title == "ASEAN and its comparison (Sahel): monthly incidents around 2019-06"
    alone = evaluate_milestone(*tables, **common, compare=[])
    chart = fe.around(sel, alone, "incidents", src)
    assert set(chart.table["role"]) == {"region"}  # nothing to compare with is drawn ...
    assert title_text(chart.figure) == "ASEAN, no comparison could be used: monthly incidents around 2019-06"
    assert "no comparison region could be used" in caption_text(chart.figure)  # ... and it is said
