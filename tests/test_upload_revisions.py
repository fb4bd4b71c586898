"""The Data page's upload of a corrected full export: the preview says what changes, then it is stored."""

from __future__ import annotations

import sys
from pathlib import Path

import pyarrow.compute as pc
import pytest
from streamlit.testing.v1 import AppTest

from datasets.store import Store

sys.path.insert(0, str(Path(__file__).parent))
from test_store_revisions import acled  # noqa: E402

SCRIPT = """
import os
from pathlib import Path
from dashboard import upload
upload.render(Path(os.environ["STABILITY_STORE"]), user="amina")
"""


def test_full_export_preview_then_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = tmp_path / "store"
    Store(store).ingest(acled(range(30)), "week1.csv")
    monkeypatch.setenv("STABILITY_STORE", str(store))
    monkeypatch.delenv("STABILITY_EDITORS", raising=False)
    script = tmp_path / "page.py"
    script.write_text(SCRIPT)
    at = AppTest.from_file(str(script), default_timeout=60)
    at.run()
    # next week's full export (same span, 1 to 28 January): MLI20..26, MLI28 and MLI29 gone, MLI30
    # new, MLI0 corrected to 7 deaths
    data = acled([*range(20), 27, 30], {0: 7})  # type: ignore[arg-type]
    at.file_uploader[0].set_value(("week2.csv", data, "text/csv")).run()
    assert not at.exception
    full = [c for c in at.checkbox if c.key and c.key.startswith("upload_full_export_")]
    assert len(full) == 1 and full[0].value is True  # same source, country and first date as week 1
    shown = [t.value for t in at.text if t.value.startswith("Storing it:")]
    assert shown == ["Storing it: 1 new events, 1 revised, 9 removed, 20 already stored as they are."]
    at.button(key="upload_confirm").click().run()
    assert not at.exception
    assert at.success[0].value.endswith("; 1 new, 1 revised, 9 removed")
    table = Store(store).read_table("incidents")
    assert table is not None and table.num_rows == 30 - 9 + 1
    assert int(pc.sum(table["fatalities"]).as_py()) == (30 - 9 + 1) * 2 + (7 - 2)
    record = Store(store).batches()[-1]
    assert record["user"] == "amina" and record["full_export"] is True
