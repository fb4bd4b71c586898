"""Survey microdata: respondent files into weighted shares per country and wave.

Fixtures are written in the test with ``pyreadstat.write_sav``/``write_dta``; the expected shares
are worked out by hand below each fixture. The real Afrobarometer file is checked against a
computation written here with pandas.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from datasets.ingest import ItemChoice, prepare, read_file
from datasets.ingest.survey import read_microdata, weighted_share
from stability.cli import main

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "real"
AFRO = REAL / "perception" / "afrobarometer_tunisia_r7_2018_tun_r7_data.sav"

OFTEN = {-1: "Missing", 0: "Never", 1: "Just once or twice", 2: "Several times", 3: "Many times", 4: "Always"}
OFTEN |= {8: "Refused", 9: "Don't know"}
TRUST = {
    -1: "Missing",
    0: "Not at all",
    1: "Just a little",
    2: "Somewhat",
    3: "A lot",
    8: "Refused",
    9: "Don't know",
}


def _round8(path: Path) -> Path:
    """An R8-style file: renumbered questions (Q8A, Q41H), weight ``withinwt_hh``, two countries.

    Ghana (country 1): Q8A = 0, 0, 1, 9, 4 with weights 1, 2, 1, 3, 1.
    Kenya (country 2): Q8A = 0, 2, -1 with weights 1, 1, 1.
    """
    frame = pd.DataFrame(
        {
            "RESPNO": ["GHA1", "GHA2", "GHA3", "GHA4", "GHA5", "KEN1", "KEN2", "KEN3"],
            "COUNTRY": [1.0, 1, 1, 1, 1, 2, 2, 2],
            "Q8A": [0.0, 0, 1, 9, 4, 0, 2, -1],
            "Q41H": [3.0, 2, 0, 8, 3, 3, 3, 1],
            "withinwt_hh": [1.0, 2, 1, 3, 1, 1, 1, 1],
            "DATEINTR": [
                dt.date(2022, 3, 1),
                dt.date(2022, 3, 5),
                dt.date(2022, 3, 11),
                dt.date(2022, 3, 3),
                dt.date(2022, 3, 2),
                dt.date(2022, 6, 10),
                dt.date(2022, 6, 20),
                dt.date(2022, 6, 12),
            ],
        }
    )
    out = path / "afrobarometer_r8_merged.sav"
    pyreadstat.write_sav(
        frame,
        out,
        column_labels={
            "RESPNO": "Respondent number",
            "COUNTRY": "Country",
            "Q8A": "Q8a. How often felt unsafe walking in neighbourhood",
            "Q41H": "Q41h. Trust army",
            "withinwt_hh": "Within country weighting factor",
            "DATEINTR": "Date of interview",
        },
        variable_value_labels={"COUNTRY": {1: "Ghana", 2: "Kenya"}, "Q8A": OFTEN, "Q41H": TRUST},
    )
    return out


def _by_country(rows: list[dict[str, object]], indicator: str) -> dict[str, dict[str, object]]:
    return {str(r["iso3"]): r for r in rows if r["indicator"] == indicator}


def test_weighted_shares_per_country_with_kish_standard_errors(tmp_path: Path) -> None:
    path = _round8(tmp_path)
    up = prepare(
        path.read_bytes(),
        path.name,
        items=[
            ItemChoice("How often felt unsafe walking in neighbourhood", ("Never",)),
            ItemChoice("Q41H", ("2", "3")),
        ],
    )
    assert up.report.ok, up.report.to_text()
    rows = up.valid.to_pylist()
    safe = _by_country(rows, "feel_safe")
    # Ghana: code 9 (don't know, weight 3) excluded; answered weights 1 + 2 + 1 + 1 = 5, "Never" 1 + 2
    gha = safe["GHA"]
    assert gha["value"] == pytest.approx(3 / 5)
    n_eff = 5**2 / (1 + 4 + 1 + 1)
    assert gha["std_error"] == pytest.approx(math.sqrt(0.6 * 0.4 / n_eff))
    assert gha["sample_size"] == 4
    # Kenya: -1 (missing) excluded; answered 0 and 2, weights 1 and 1 -> 1/2
    assert safe["KEN"]["value"] == pytest.approx(1 / 2) and safe["KEN"]["sample_size"] == 2
    trust = _by_country(rows, "trust_military")
    # Ghana Q41H = 3, 2, 0, 8 (refused), 3 with weights 1, 2, 1, 3, 1: trusting 1 + 2 + 1 of 5
    assert trust["GHA"]["value"] == pytest.approx(4 / 5)
    # Kenya 3, 3, 1: 2 of 3
    assert trust["KEN"]["value"] == pytest.approx(2 / 3)
    # the wave is the middle of each country's fieldwork: Ghana 1–11 March, Kenya 10–20 June
    assert gha["wave_date"] == dt.date(2022, 3, 6) and safe["KEN"]["wave_date"] == dt.date(2022, 6, 15)
    # the survey names the question without its number, so the next round's renumbered item matches
    assert gha["survey"] == "Afrobarometer R8 — How often felt unsafe walking in neighbourhood"
    assert gha["breakdown"] is None
    assert gha["ci_low"] == pytest.approx(0.6 - 1.96 * gha["std_error"])


def test_the_preview_lists_every_code_with_label_count_and_non_answers(tmp_path: Path) -> None:
    md = read_microdata(_round8(tmp_path).read_bytes(), "r8.sav")
    items = md.items()
    assert (
        items.loc[items["item"] == "Q8A", "wording"].item()
        == "Q8a. How often felt unsafe walking in neighbourhood"
    )
    codes = md.codes("Q8A", "withinwt_hh").set_index("code")
    assert list(codes.index) == [-1, 0, 1, 2, 3, 4, 8, 9]
    assert codes.loc[0, "label"] == "Never" and codes.loc[0, "respondents"] == 3
    assert codes.loc[0, "weighted"] == 1 + 2 + 1
    assert codes.loc[9, "respondents"] == 1 and codes.loc[3, "respondents"] == 0
    assert set(codes.index[codes["non_answer"]]) == {-1, 8, 9}


def test_declared_missing_codes_and_unlabelled_negative_codes(tmp_path: Path) -> None:
    frame = pd.DataFrame({"Q1": [1.0, 0, 1, 98, -5, 0], "country": ["Chad"] * 6, "year": [2020] * 6})
    out = tmp_path / "other_survey.sav"
    pyreadstat.write_sav(
        frame,
        out,
        column_labels={"Q1": "Do you feel safe at night?"},
        variable_value_labels={"Q1": {0: "No", 1: "Yes", 98: "Code 98"}},
        missing_ranges={"Q1": [98]},
    )
    up = prepare(out.read_bytes(), out.name, items=[ItemChoice("Q1", ("Yes",))], survey_year=2020)
    assert up.report.ok, up.report.to_text()
    (row,) = up.valid.to_pylist()
    # 98 is declared missing, -5 is negative without a label: 1, 0, 1, 0 remain -> 2 of 4
    assert row["value"] == pytest.approx(2 / 4) and row["sample_size"] == 4
    assert row["iso3"] == "TCD" and row["wave_date"] == dt.date(2020, 7, 1) and row["period_grain"] == "year"
    assert "No weight variable" in " ".join(up.report.notes)


def test_stata_file_and_unknown_answers(tmp_path: Path) -> None:
    frame = pd.DataFrame({"cntry": [1.0, 1, 1], "q5": [1.0, 2, 2], "weight": [2.0, 1, 1], "yr": [2019] * 3})
    out = tmp_path / "barometer.dta"
    pyreadstat.write_dta(
        frame,
        out,
        column_labels=["Country", "Trust in the armed forces", "Weight", "Year"],
        variable_value_labels={"cntry": {1: "Peru"}, "q5": {1: "A lot", 2: "Little"}},
    )
    # no interview date: the year variable ``yr`` dates the wave (1 July 2019)
    up = prepare(out.read_bytes(), out.name, items=[ItemChoice("q5", ("A lot",))])
    (row,) = up.valid.to_pylist()
    assert row["wave_date"] == dt.date(2019, 7, 1) and row["period_grain"] == "year"
    # weights 2, 1, 1: "A lot" carries 2 of 4
    assert row["indicator"] == "trust_military" and row["value"] == pytest.approx(2 / 4)
    assert row["iso3"] == "PER"
    bad = prepare(out.read_bytes(), out.name, items=[ItemChoice("q5", ("Always",))], survey_year=2019)
    assert bad.refused and "not codes or labels of this item" in bad.report.file_problems[0]


def test_a_survey_file_without_items_asks_for_them(tmp_path: Path) -> None:
    path = _round8(tmp_path)
    up = prepare(path.read_bytes(), path.name)
    assert up.refused and up.info["ask_items"] is True
    assert "--item and --safe-answers" in up.report.file_problems[0]


def test_design_based_standard_error_with_strata_and_clusters() -> None:
    # two strata of two clusters; unweighted, p = 4/8
    y = np.array([1, 1, 0, 0, 1, 0, 1, 0], dtype=float)
    w = np.ones(8)
    strata = np.array(["a"] * 4 + ["b"] * 4)
    clusters = np.array([1, 1, 2, 2, 3, 3, 4, 4])
    p, se, n, n_eff = weighted_share(y, w, strata, clusters)
    assert p == 0.5 and n == 8 and n_eff == 8
    # z = (y - 0.5) / 8; cluster totals: a: (+1/8, -1/8), b: (0, 0)
    # stratum a: 2/1 * ((1/8)^2 + (1/8)^2) = 1/16; stratum b: 0
    assert se == pytest.approx(math.sqrt(1 / 16))


def test_csv_of_respondents() -> None:
    text = "country,q_army,wt\nGhana,1,1\nGhana,0,3\nGhana,1,1\n"
    up = prepare(
        text.encode(), "resp.csv", items=[ItemChoice("q_army", ("1",), "trust_military")], survey_year=2021
    )
    assert up.report.ok, up.report.to_text()
    (row,) = up.valid.to_pylist()
    assert row["value"] == pytest.approx((1 + 1) / (1 + 3 + 1))


def test_csv_of_respondents_with_a_repeated_column_name_is_refused() -> None:
    text = "country,q_army,wt,q_army\nGhana,1,1,0\nGhana,0,3,1\n"
    up = prepare(
        text.encode(), "resp.csv", items=[ItemChoice("q_army", ("1",), "trust_military")], survey_year=2021
    )
    assert up.refused and up.data is None
    assert up.report.file_problems == [
        "The column name 'q_army' appears twice (columns 2 and 4): rename or remove one and read the "
        "file again."
    ]


def test_cli_stores_two_items(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _round8(tmp_path)
    code = main(
        [
            "ingest",
            "--store",
            str(tmp_path / "store"),
            str(path),
            "--item",
            "Q8A",
            "--safe-answers",
            "0",
            "--item",
            "Trust army",
            "--safe-answers",
            "Somewhat,A lot",
            "--weight",
            "withinwt_hh",
        ]
    )
    out = capsys.readouterr()
    assert code == 0, out.err
    assert "4 rows stored" in out.out
    code = main(["ingest", "--store", str(tmp_path / "store"), str(path), "--item", "Q8A"])
    assert code != 0 and "once for each --item" in capsys.readouterr().err


@pytest.mark.skipif(not AFRO.is_file(), reason="the real files are not available")
def test_real_afrobarometer_unsafe_and_army_items() -> None:
    frame, _meta = pyreadstat.read_sav(str(AFRO))
    up = prepare(
        read_file(AFRO),
        AFRO.name,
        items=[ItemChoice("Q10A", ("0",)), ItemChoice("Q43H", ("2", "3"))],
    )
    assert up.report.ok, up.report.to_text()
    rows = {r["indicator"]: r for r in up.valid.to_pylist()}
    for var, indicator, counted in (("Q10A", "feel_safe", [0]), ("Q43H", "trust_military", [2, 3])):
        keep = ~frame[var].isin([8, 9, -1]) & frame[var].notna()
        w = frame.loc[keep, "withinwt"]
        hit = frame.loc[keep, var].isin(counted)
        share = (w * hit).sum() / w.sum()
        n_eff = w.sum() ** 2 / (w**2).sum()
        got = rows[indicator]
        assert got["value"] == pytest.approx(share, abs=1e-9)
        assert got["sample_size"] == int(keep.sum())
        assert got["std_error"] == pytest.approx(math.sqrt(share * (1 - share) / n_eff))
        assert got["iso3"] == "TUN"


def test_saved_choice_finds_the_renumbered_items_of_the_next_round(tmp_path: Path) -> None:
    from datasets.ingest.survey import apply_survey_mapping, list_survey_mappings, save_survey_mapping

    r7 = tmp_path / "r7.sav"
    pyreadstat.write_sav(
        pd.DataFrame({"Q10A": [0.0, 1], "Q43H": [3.0, 2]}),
        r7,
        column_labels={
            "Q10A": "Q10a. How often felt unsafe walking in neighbourhood",
            "Q43H": "Q43h. Trust army",
        },
        variable_value_labels={"Q10A": OFTEN, "Q43H": TRUST},
    )
    md7 = read_microdata(r7.read_bytes(), r7.name)
    save_survey_mapping(
        tmp_path,
        "Afrobarometer",
        md7,
        [ItemChoice("Q10A", ("0",)), ItemChoice("Q43H", ("2", "3"))],
        "withinwt",
    )
    saved = list_survey_mappings(tmp_path)["Afrobarometer"]
    md8 = read_microdata(_round8(tmp_path).read_bytes(), "r8.sav")
    choices, missing = apply_survey_mapping(md8, saved)
    assert missing == []
    assert [(c.item, c.safe_answers) for c in choices] == [
        ("Q8A", ("Never",)),
        ("Q41H", ("Somewhat", "A lot")),
    ]


def test_cli_applies_a_saved_choice_to_the_next_round(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from datasets.ingest.survey import save_survey_mapping

    store = tmp_path / "store"
    r7 = tmp_path / "r7.sav"
    pyreadstat.write_sav(
        pd.DataFrame({"Q10A": [0.0, 1]}),
        r7,
        column_labels={"Q10A": "Q10a. How often felt unsafe walking in neighbourhood"},
        variable_value_labels={"Q10A": OFTEN},
    )
    save_survey_mapping(store, "Afro", read_microdata(r7.read_bytes(), r7.name), [ItemChoice("Q10A", ("0",))])
    r8 = _round8(tmp_path)
    assert main(["ingest", "--store", str(store), str(r8), "--survey-mapping", "Afro"]) == 0
    out = capsys.readouterr().out
    # Q8A in Ghana and Kenya: two rows
    assert "2 rows stored" in out
    assert main(["ingest", "--store", str(store), str(r8), "--survey-mapping", "Nope"]) != 0
    assert "no saved survey mapping named 'Nope'" in capsys.readouterr().err
