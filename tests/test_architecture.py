"""The dependency rule: compute (datasets/, metrics/) never imports the user interface."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
COMPUTE = sorted(p for d in ("datasets", "metrics") for p in (ROOT / d).rglob("*.py"))


@pytest.mark.parametrize("path", COMPUTE, ids=lambda p: str(p.relative_to(ROOT)))
def test_compute_does_not_import_streamlit_or_dashboard(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert not imported & {"streamlit", "dashboard", "stability"}


def test_there_is_compute_to_check():
    names = {p.name for p in COMPUTE}
    assert {"conflict.py", "schema.py", "loaders.py"} <= names
