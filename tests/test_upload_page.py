"""The upload workflow (``dashboard/upload.py``) driven through Streamlit's AppTest."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from datasets.loaders import load_table
from datasets.store import Store

FIX = Path(__file__).parent / "fixtures" / "incidents"
SCRIPT = """
import os
from pathlib import Path
from dashboard import upload
upload.render(Path(os.environ["STABILITY_STORE"]))
"""


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    store = tmp_path / "store"
    monkeypatch.setenv("STABILITY_STORE", str(store))
    script = tmp_path / "upload_page.py"
    script.write_text(SCRIPT, encoding="utf-8")
    at = AppTest.from_file(str(script), default_timeout=30)
    at.run()
    assert not at.exception
    return at


def _upload(at: AppTest, name: str, data: bytes) -> None:
    at.file_uploader[0].set_value((name, data, "text/csv")).run()
    assert not at.exception


def _store(at: AppTest) -> Store:
    import os

    return Store(os.environ["STABILITY_STORE"])


def test_upload_check_confirm_and_withdraw(app: AppTest) -> None:
    at = app
    assert at.subheader[0].value == "Add data"
    assert "holds no data yet" in at.caption[-1].value
    _upload(at, "acled.csv", (FIX / "acled_current.csv").read_bytes())
    assert at.text[0].value.startswith("Layout: ACLED export · table: incidents · 10 rows")
    assert at.success[0].value == "Every row passed the checks: 10 rows can be stored."
    preview = at.dataframe[1].value
    assert list(preview.columns[:2]) == ["event_id_cnty", "event_date"] and len(preview) == 10
    confirm = at.button(key="upload_confirm")
    assert confirm.label == "Store 10 rows" and not confirm.disabled
    confirm.click().run()
    assert not at.exception
    assert (
        at.success[0].value
        == "acled.csv: 10 rows stored, 0 duplicates skipped, 0 rejected; 10 new, 0 revised, 0 removed"
    )
    (batch,) = _store(at).batches("incidents")
    assert batch["file_name"] == "acled.csv" and batch["rows_stored"] == 10
    ds = load_table("incidents")
    assert not ds.illustrative and ds.table.num_rows == 10
    # the uploader is empty again and the batch is listed with a withdraw button
    assert at.file_uploader[0].value is None or at.file_uploader[0].value == []
    assert at.text[-1].value.startswith("acled.csv (incidents, 10 rows")
    at.button(key=f"batch_withdraw_{batch['id']}").click().run()
    assert not at.exception
    assert _store(at).batches("incidents")[0]["withdrawn"] is True
    assert load_table("incidents").illustrative
    assert at.text[-1].value.startswith("[withdrawn] acled.csv")
    at.button(key=f"batch_restore_{batch['id']}").click().run()
    assert not load_table("incidents").illustrative


def test_bad_file_is_refused_unless_only_valid_rows_are_kept(app: AppTest) -> None:
    at = app
    _upload(at, "bad.csv", (FIX / "bad" / "text_in_fatalities.csv").read_bytes())
    assert at.error[0].value.startswith("2 of 5 rows have problems, so the file is refused as a whole.")
    report = at.dataframe[-1].value if _store(at).sources().empty else None
    assert report is not None
    row = report.iloc[0]
    assert (row["column"], row["problem"], row["rows"], row["first rows"]) == (
        "fatalities",
        "not a whole number",
        2,
        "3, 5",
    )
    assert at.button(key="upload_confirm").disabled
    assert len(at.get("download_button")) == 1
    at.checkbox(key="upload_skip_invalid").check().run()
    confirm = at.button(key="upload_confirm")
    assert confirm.label == "Store 3 rows" and not confirm.disabled
    confirm.click().run()
    assert not at.exception
    assert (
        at.success[0].value
        == "bad.csv: 3 rows stored, 0 duplicates skipped, 2 rejected; 3 new, 0 revised, 0 removed"
    )
    (batch,) = _store(at).batches("incidents")
    assert batch["rows_stored"] == 3 and batch["rows_rejected"] == 2


def test_not_a_csv_gets_one_sentence(app: AppTest) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
    _upload(app, "data.csv", buf.getvalue())
    # workbooks are read now; this one has no worksheet, so it is refused as unreadable, in one sentence
    assert app.error[0].value.startswith("This Excel workbook cannot be read")
    assert not [b for b in app.button if b.key == "upload_confirm"]


def test_column_mapping_form(app: AppTest) -> None:
    at = app
    data = b"When,Where,Dead,What\n2024-01-05,Mali,3,Battles\n2024-01-09,Niger,0,Protests\n"
    _upload(at, "sheet.csv", data)
    assert at.error[0].value == "This file cannot be stored as it is."
    assert at.button(key="upload_confirm").disabled
    for target, column in (
        ("event_date", "When"),
        ("country", "Where"),
        ("fatalities", "Dead"),
        ("event_type", "What"),
    ):
        at.selectbox(key=f"map_{target}").set_value(column)
    at.text_input[0].set_value("Field office")
    at.text_input[1].set_value("Field sheet")
    at.checkbox[0].check()
    at.button[0].click().run()  # "Use this mapping" (the form's submit button)
    assert not at.exception
    assert at.text[0].value.startswith("Layout: Column mapping 'Field sheet' · table: incidents · 2 rows")
    at.button(key="upload_confirm").click().run()
    assert not at.exception
    assert (
        at.success[0].value
        == "sheet.csv: 2 rows stored, 0 duplicates skipped, 0 rejected; 2 new, 0 revised, 0 removed"
    )
    table = _store(at).read_table("incidents")
    assert table is not None and table["iso3"].to_pylist() == ["MLI", "NER"]
    assert table["source"].to_pylist() == ["Field office", "Field office"]
    assert (Path(_store(at).root) / "mappings" / "Field-sheet.json").is_file()
    # the saved mapping is offered for the next file
    _upload(at, "sheet2.csv", data.replace(b"Mali", b"Chad"))
    assert "Saved mapping: Field sheet" in at.selectbox[0].options


def test_stated_coverage_is_stored_and_an_unreadable_one_blocks_storing(app: AppTest) -> None:
    at = app
    _upload(at, "acled.csv", (FIX / "acled_current.csv").read_bytes())
    (field,) = [t for t in at.text_input if t.label == "Period the file covers (optional)"]
    field.set_value("2023:2020").run()
    assert "ends before it starts" in at.error[0].value
    assert at.button(key="upload_confirm").disabled
    field.set_value("2020-01:2024-06").run()
    assert not at.button(key="upload_confirm").disabled
    at.button(key="upload_confirm").click().run()
    assert not at.exception
    (batch,) = _store(at).batches("incidents")
    # 2020-01 starts on its first day, 2024-06 ends on its 30th
    assert batch["coverage"]["first"] == "2020-01-01" and batch["coverage"]["last"] == "2024-06-30"
    assert batch["coverage"]["basis"] == "stated"


def test_what_storing_would_do_is_worked_out_once_per_file_store_version_and_choice(
    app: AppTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Comparing a file with every stored event takes seconds for a large one: the page keeps the
    answer while the file, the store and the full-export choice stay as they are."""
    at = app
    data = (FIX / "acled_current.csv").read_bytes()
    lines = data.decode("utf-8").splitlines(keepends=True)
    _store(at).ingest(data, "week1.csv")
    calls: list[bool] = []
    real = Store.preview

    def counted(self: Store, upload: object, **kwargs: bool) -> dict[str, int]:
        calls.append(bool(kwargs.get("full_export")))
        return real(self, upload, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Store, "preview", counted)
    kept = [line for line in lines if not line.startswith("BFA2002,")]  # one event left out
    _upload(at, "week2.csv", "".join(kept).encode("utf-8"))
    shown = [t.value for t in at.text if t.value.startswith("Storing it:")]
    assert shown == ["Storing it: 0 new events, 0 revised, 1 removed, 9 already stored as they are."]
    assert calls == [True]  # it looks like a newer full export: the box is ticked
    at.run()
    at.run()
    assert calls == [True]  # reruns reuse the answer
    at.checkbox(
        key=next(c.key for c in at.checkbox if c.key.startswith("upload_full_export_"))
    ).uncheck().run()
    assert calls == [True, False]
    assert [t.value for t in at.text if t.value.startswith("Storing it:")] == [
        "Storing it: 0 new events, 0 revised, 0 removed, 9 already stored as they are."
    ]
    _store(at).ingest((FIX / "acled_current.csv").read_bytes().replace(b"MLI1001,", b"MLI9001,"), "c.csv")
    at.run()  # the store changed: worked out again
    assert calls == [True, False, False]


def test_a_long_history_lists_the_newest_batches_and_keeps_the_rest_in_an_expander(app: AppTest) -> None:
    """With more batches than the page lists (20), the earlier ones wait in an expander drawn only
    while open; a batch in it can be withdrawn as any other."""
    import sys

    from dashboard.upload import _NEWEST_BATCHES

    sys.path.insert(0, str(Path(__file__).parent))
    from test_store_revisions import acled

    at = app
    store = _store(at)
    ids = [store.ingest(acled(range(k * 2, k * 2 + 2)), f"week{k:02d}.csv").batch_id for k in range(25)]
    at.run()
    assert _NEWEST_BATCHES == 20
    rows = [t.value for t in at.text if t.value.startswith(("week", "[withdrawn] week"))]
    assert [r[:10] for r in rows] == [f"week{k:02d}.csv" for k in range(5, 25)]  # the newest 20, in order
    (older,) = [e for e in at.expander if e.label == "5 earlier batches"]
    assert not [b for b in at.button if b.key == f"batch_withdraw_{ids[0]}"]  # not drawn while closed
    at.session_state["older-batches"] = True  # open it, as a click does
    at.run()
    rows = [t.value for t in at.text if t.value.startswith(("week", "[withdrawn] week"))]
    assert [r[:10] for r in rows] == [f"week{k:02d}.csv" for k in range(25)]
    at.button(key=f"batch_withdraw_{ids[0]}").click().run()
    assert not at.exception
    assert [b["withdrawn"] for b in _store(at).batches("incidents")] == [True] + [False] * 24
