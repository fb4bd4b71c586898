"""The dependency rule: datasets ← metrics ← reports ← dashboard, and only dashboard/ imports Streamlit.

Every module is read with ``ast`` (nothing is imported), so a forbidden import anywhere in a file,
even inside a function, fails the test.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: The installed packages (``pyproject.toml``); tests and benchmarks drive the app, so they may import it.
PACKAGES = ("datasets", "metrics", "reports", "dashboard", "stability")


def _files(*packages: str) -> list[Path]:
    return sorted(p for d in packages for p in (ROOT / d).rglob("*.py"))


def _imports(path: Path) -> set[str]:
    """Top-level names of every module ``path`` imports (``from x.y import z`` gives ``x``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imported: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            imported.add(node.module.split(".")[0])
    return imported


def _rel(p: Path) -> str:
    return str(p.relative_to(ROOT))


COMPUTE = _files("datasets", "metrics")
REPORTS = _files("reports")
NOT_DASHBOARD = _files(*(p for p in PACKAGES if p != "dashboard"))
CLI = _files("stability")


@pytest.mark.parametrize("path", COMPUTE, ids=_rel)
def test_compute_does_not_import_the_presentation(path):
    assert not _imports(path) & {"streamlit", "reports", "dashboard", "stability"}


@pytest.mark.parametrize("path", REPORTS, ids=_rel)
def test_reports_do_not_import_the_app(path):
    assert not _imports(path) & {"streamlit", "dashboard", "stability"}


@pytest.mark.parametrize("path", NOT_DASHBOARD, ids=_rel)
def test_only_the_dashboard_imports_streamlit(path):
    assert "streamlit" not in _imports(path)


@pytest.mark.parametrize("path", CLI, ids=_rel)
def test_the_command_line_does_not_import_the_dashboard(path):
    """Only ``stability dashboard`` (which starts the app and manages its accounts) may."""
    if path.name == "cmd_dashboard.py":
        return
    assert "dashboard" not in _imports(path)


def test_the_rule_catches_a_forbidden_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from dashboard.data import family\n    import streamlit as st\n")
    assert _imports(bad) == {"dashboard", "streamlit"}


def test_there_is_code_to_check():
    names = {p.name for p in COMPUTE}
    assert {"conflict.py", "schema.py", "loaders.py"} <= names
    assert {"charts.py", "figures.py", "compute.py", "selection.py"} <= {p.name for p in REPORTS}
    assert {"cli.py", "cmd_export.py"} <= {p.name for p in CLI}


def test_the_packages_listed_are_the_installed_ones():
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert all(f'"{name}*"' in text for name in PACKAGES)
