"""The survey item picker of the Data page, driven through Streamlit's AppTest."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pandas as pd
import pyreadstat
import pytest
from streamlit.testing.v1 import AppTest

from datasets.ingest.survey import list_survey_mappings
from datasets.store import Store

SCRIPT = """
import os
from pathlib import Path
from dashboard import upload
upload.render(Path(os.environ["STABILITY_STORE"]))
"""


def _sav(path: Path) -> bytes:
    """Five respondents in Ghana: Q10A = 0, 0, 2, 9, 4 with weights 1, 1, 2, 1, 1."""
    frame = pd.DataFrame(
        {
            "COUNTRY": [1.0] * 5,
            "Q10A": [0.0, 0, 2, 9, 4],
            "withinwt": [1.0, 1, 2, 1, 1],
            "DATEINTR": [dt.date(2021, 5, 1)] * 5,
        }
    )
    out = path / "afrobarometer_r7_ghana.sav"
    pyreadstat.write_sav(
        frame,
        out,
        column_labels={
            "COUNTRY": "Country",
            "Q10A": "Q10a. How often felt unsafe walking in neighbourhood",
            "withinwt": "Within country weighting factor",
            "DATEINTR": "Date of interview",
        },
        variable_value_labels={
            "COUNTRY": {1: "Ghana"},
            "Q10A": {0: "Never", 1: "Once", 2: "Several times", 4: "Always", 8: "Refused", 9: "Don't know"},
        },
    )
    return out.read_bytes()


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("STABILITY_STORE", str(tmp_path / "store"))
    script = tmp_path / "upload_page.py"
    script.write_text(SCRIPT, encoding="utf-8")
    at = AppTest.from_file(str(script), default_timeout=30)
    at.run()
    return at


def test_pick_an_item_and_its_answers_then_store_and_save(app: AppTest, tmp_path: Path) -> None:
    at = app
    data = _sav(tmp_path)
    at.file_uploader[0].set_value(("afrobarometer_r7_ghana.sav", data, "application/octet-stream")).run()
    assert not at.exception
    assert any("choose the items" in t.value for t in at.text)
    questions = next(m for m in at.multiselect if m.label == "Questions")
    questions.set_value(["Q10A"]).run()
    assert not at.exception
    # every code with its label and count, non-answers marked
    codes = at.dataframe[0].value
    assert list(codes["label"]) == ["Never", "Once", "Several times", "Always", "Refused", "Don't know"]
    assert list(codes["respondents"]) == [2, 0, 1, 1, 0, 1]
    assert list(codes["non_answer"]) == [False, False, False, False, True, True]
    answers = next(m for m in at.multiselect if m.label.startswith("Answers that count"))
    answers.set_value(["Never"]).run()
    assert not at.exception
    confirm = at.button(key="upload_confirm")
    assert confirm.label == "Store 1 rows" and not confirm.disabled
    next(t for t in at.text_input if t.label.startswith("Save this choice")).set_value("Afrobarometer").run()
    next(b for b in at.button if b.label == "Save choice").click().run()
    assert "Afrobarometer" in list_survey_mappings(tmp_path / "store")
    at.button(key="upload_confirm").click().run()
    assert not at.exception
    stored = Store(os.environ["STABILITY_STORE"]).read_table("perception").to_pandas()  # type: ignore[union-attr]
    # code 9 (don't know) left out: weights 1 + 1 + 2 + 1 = 5, "Never" 1 + 1 -> 2/5
    assert stored["value"].tolist() == pytest.approx([2 / 5])
    assert stored["indicator"].tolist() == ["feel_safe"]


def test_an_archive_with_several_data_files_asks_which(app: AppTest) -> None:
    import io
    import zipfile

    fix = Path(__file__).parent / "fixtures" / "incidents"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("acled.csv", (fix / "acled_current.csv").read_bytes())
        z.writestr("ged.csv", (fix / "ucdp_ged.csv").read_bytes())
        z.writestr("__MACOSX/._acled.csv", b"\x00")
    app.file_uploader[0].set_value(("both.zip", buf.getvalue(), "application/zip")).run()
    assert not app.exception
    which = app.selectbox(key="upload_member")
    assert which.options == ["acled.csv", "ged.csv"]
    which.set_value("ged.csv").run()
    assert not app.exception
    assert app.text[0].value.startswith("Layout: UCDP GED")
