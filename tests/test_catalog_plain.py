"""The catalogue's plain words: every indicator says what it means, its formula in one line and its
caveats, in words for policy staff (no code identifiers), and the Methodology page shows them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from metrics import catalog
from metrics.signals_words import plain_words

APP = Path(__file__).resolve().parents[1] / "dashboard" / "app.py"
SNAKE = re.compile(r"\b[A-Za-z0-9]+_[A-Za-z0-9_]+\b")
ENTRIES = catalog.indicators()


@pytest.mark.parametrize("ind", ENTRIES, ids=[i.name for i in ENTRIES])
def test_every_indicator_has_plain_words(ind: catalog.Indicator) -> None:
    for field in ("meaning", "formula", "caveats"):
        text = getattr(ind, field)
        assert text.strip(), f"{ind.name}: empty {field}"
        assert not SNAKE.search(text), (
            f"{ind.name}: code identifier {SNAKE.search(text).group(0)!r} in {field}"
        )
        assert "``" not in text and "\n" not in text, f"{ind.name}: {field} is not one plain paragraph"
    # the formula is one line that names what it computes: "X = …" or a rule ("1 when …")
    assert "=" in ind.formula or ind.formula.startswith(("1 ", "Same value")), ind.formula


def test_the_catalogue_lists_every_family_and_the_named_indicators() -> None:
    names = {i.name for i in ENTRIES}
    assert {i.family for i in ENTRIES} == set(catalog.FAMILY_TITLES)
    # every indicator with a fixed name, the four perception measures of the index, the patterns
    assert {"incidents", "network_density", "stability_index", "score_perception"} <= names
    assert {"feel_safe", "trust_military", "confidence_alliances", "political_stability"} <= names
    assert {"engagements_<kind>", "<measure>_change", "<measure>_sample_size"} <= names
    # families come in the page's order: conflict, collaboration, perception, composite
    order = [i.family for i in ENTRIES]
    assert order == sorted(order, key=list(catalog.FAMILY_TITLES).index)


@pytest.mark.parametrize(
    ("name", "family", "words_of"),
    [
        ("engagements_joint_exercise", "collaboration", "engagements_<kind>"),
        ("coverage_end_arms_transfer", "collaboration", "coverage_end_<kind>"),
        ("trust_military_change", "perception", "<measure>_change"),
        ("feel_safe_sample_size", "perception", "<measure>_sample_size"),
        ("feel_safe_distribution_1a", "perception", "feel_safe_distribution_<category>"),
    ],
)
def test_names_the_metrics_emit_get_the_plain_words_of_their_pattern(
    name: str, family: str, words_of: str
) -> None:
    ind = catalog.describe(name)
    pattern = next(i for i in ENTRIES if i.name == words_of)
    assert ind.family == family
    assert (ind.meaning, ind.formula, ind.caveats) == (pattern.meaning, pattern.formula, pattern.caveats)


def test_the_downward_trend_formula_quotes_the_code_s_thresholds() -> None:
    from metrics.signals import TREND_ALPHA, TREND_PERSIST

    formula = catalog.describe("downward_trend").formula
    assert f"below {TREND_ALPHA:g} in {TREND_PERSIST} months running" in formula


def test_methodology_page_shows_plain_words_signals_goalposts_and_the_appendix() -> None:
    from datasets.loaders import load_goalposts

    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    at.switch_page("views/methodology.py").run()
    assert not at.exception
    shown = "\n".join(md.value for md in at.markdown)
    unescaped = re.sub(r"\\(.)", r"\1", shown)
    for ind in ENTRIES:
        for text in (ind.meaning, ind.formula, ind.caveats):
            assert text in unescaped, (ind.name, text)
    # each family heading, then the signals with their figures (taken from signals_words, not retyped)
    headers = [h.value for h in at.header]
    assert headers[:4] == list(catalog.FAMILY_TITLES.values())
    for title, text in plain_words():
        assert f"**{title}.** {text}" in shown
    # the goalposts with their version
    version = load_goalposts()["version"]
    assert f"(version {version})" in "\n".join(h.value for h in at.subheader)
    # every plain entry links to its family's section of the technical appendix, which holds the
    # code's documentation as written
    for _title, text in catalog.methodology():
        assert text in shown
    anchors = set(re.findall(r"\]\(#(technical-[a-z0-9-]+)\)", shown))
    assert anchors == {
        "technical-conflict-incidents",
        "technical-military-collaboration",
        "technical-public-perception",
        "technical-composite-indices",
        "technical-signals-downward-trend-and-alarm",
        "technical-appendix",
    }
    assert {h.anchor for h in at.subheader if h.anchor} >= anchors - {"technical-appendix"}
