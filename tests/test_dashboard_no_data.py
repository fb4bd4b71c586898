"""The dashboard over a store holding only real incidents: no sample data anywhere, a family without
data says so with a link to the Data page, and headline numbers say how old their data are (issue 13)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from datasets.loaders import NO_DATA_LABEL
from datasets.store import Store

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "dashboard" / "app.py"
UCDP = ROOT / "tests" / "fixtures" / "incidents" / "ucdp_ged.csv"  # 7 events, 2022-05 and 2022-06


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    store = tmp_path / "store"
    assert Store(store).ingest(UCDP).status == "stored"
    monkeypatch.setenv("STABILITY_STORE", str(store))
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.query_params["region"] = "Western Africa"
    at.run()
    assert not at.exception, at.exception
    return at


def _texts(at: AppTest) -> str:
    parts = [e.value for kind in ("info", "caption", "markdown", "warning") for e in at.get(kind)]
    return "\n".join(str(p) for p in parts)


def _links(at: AppTest) -> list[str]:
    return [str(e.proto.page) for e in at.get("page_link")]


def _metric(at: AppTest, label: str):
    hits = [m for m in at.metric if m.label == label]
    assert len(hits) == 1, [m.label for m in at.metric]
    return hits[0]


def test_overview_names_the_family_used_and_says_which_have_no_data(app: AppTest) -> None:
    at = app
    assert not at.error, [e.value for e in at.error]
    assert "Illustrative sample data" not in _texts(at)  # no sample banner: the store holds a table
    assert _metric(at, "Collaboration score").value == "No data loaded"
    assert _metric(at, "Perception score").value == "No data loaded"
    assert "The stability index uses conflict." in _texts(at)
    # the default window ends with the incident coverage: the events run 2022-05..2022-06, but a
    # UCDP GED download covers whole years, so July to December 2022 are observed zeros
    assert (at.query_params["start"], at.query_params["end"]) == ("2022-01", "2022-12")
    assert "latest: 2022-12" in [c.value for c in at.caption]
    # one family cannot make an index: the ranking's cells are missing, shown empty (never "None"),
    # and the map says why rather than asking to load data that are already loaded
    ranking = at.dataframe[0]
    assert ranking.value["Stability index"].isna().all()
    assert ranking.proto.HasField("placeholder") and ranking.proto.placeholder == ""
    assert any("an index needs at least two indicator families" in i.value for i in at.info)


@pytest.mark.parametrize(
    "page",
    ["views/collaboration.py", "views/perception.py"],
)
def test_a_family_without_data_says_so_with_a_link_to_the_data_page(app: AppTest, page: str) -> None:
    at = app
    at.switch_page(page).run()
    assert not at.exception and not at.error
    assert any(NO_DATA_LABEL in i.value for i in at.info)
    assert _links(at) == ["data"]  # the Data page's URL path (dashboard/app.py)
    assert not at.get("plotly_chart")  # a sentence instead of a chart


def test_region_page_shows_the_sentence_in_place_of_the_missing_families(app: AppTest) -> None:
    at = app
    at.switch_page("views/region.py").run()
    assert not at.exception and not at.error
    assert sum(NO_DATA_LABEL in i.value for i in at.info) == 2  # collaboration and perception


def test_conflict_page_counts_the_store_incidents(app: AppTest) -> None:
    at = app
    at.switch_page("views/conflict.py").run()
    assert not at.exception and not at.error
    # Western Africa (bundled regions) holds the fixture's Mali, Burkina Faso and Niger events
    assert not any(NO_DATA_LABEL in i.value for i in at.info)
    assert "Incident data latest: 2022-12." in [c.value for c in at.caption]  # GED covers whole years


def test_evaluation_page_evaluates_only_the_loaded_family(app: AppTest) -> None:
    at = app
    at.query_params["milestone"] = "2022-06"
    at.switch_page("views/evaluation.py").run()
    assert not at.exception
    assert "Families evaluated: conflict." in [c.value for c in at.caption]
    at.session_state["e_measures"] = True  # open the expander holding the measures table
    at.run()
    assert not at.exception
    measures = [d.value for d in at.dataframe if "Finding" in d.value.columns][0]["Measure"].tolist()
    # 4 incident + 4 fatality measures (rate ratio, DiD, pre-trend p, placebo) + the trend measure
    assert len(measures) == 4 + 4 + 1, measures


def test_no_index_with_two_loaded_families_says_they_do_not_meet() -> None:
    from types import SimpleNamespace

    from reports.figures import no_data_sentence
    from reports.selection import Selection

    sel = Selection(region="Sahel", start="2014-01", end="2023-12")
    both = SimpleNamespace(family_loaded=lambda f: f in ("conflict", "collaboration"))
    sentence = no_data_sentence(sel, "composite", both)
    assert sentence.startswith("No stability index for Sahel from 2014-01 to 2023-12: an index needs values")
    assert "the loaded conflict, collaboration data do not give that here" in sentence
    assert "Load" not in sentence  # the data are loaded: nothing to load
    one = SimpleNamespace(family_loaded=lambda f: f == "conflict")
    assert "Load data for another family" in no_data_sentence(sel, "composite", one)
