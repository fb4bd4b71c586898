"""A refused upload leaves no "reading the file" progress bar behind (``dashboard/upload.py``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

SCRIPT = """
import os
from pathlib import Path
from dashboard import upload
upload.render(Path(os.environ["STABILITY_STORE"]))
"""
# The first bytes of a PNG image followed by binary noise: not a table in any format the tool reads.
BINARY = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("STABILITY_STORE", str(tmp_path / "store"))
    script = tmp_path / "upload_page.py"
    script.write_text(SCRIPT, encoding="utf-8")
    at = AppTest.from_file(str(script), default_timeout=30)
    at.run()
    assert not at.exception
    return at


def test_refused_binary_file_clears_the_progress_bar(app: AppTest) -> None:
    app.file_uploader[0].set_value(("picture.csv", BINARY, "text/csv")).run()
    assert not app.exception
    # refused in one sentence ...
    assert len(app.error) == 1 and app.error[0].value
    assert "Traceback" not in app.error[0].value
    # ... and the bar drawn while reading is gone, not stuck at "reading the file"
    assert app.get("progress") == []
    assert not app.button or not [b for b in app.button if b.key == "upload_confirm"]
