"""Conventions of the dashboard package: where caching lives, what pages may do, the data fingerprint."""

from __future__ import annotations

import ast
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DASHBOARD = ROOT / "dashboard"
VIEWS = sorted(p for p in (DASHBOARD / "views").glob("*.py") if not p.name.startswith("_"))
#: The app and the presentation layer it draws from (``reports/``; its import rules: test_architecture).
OWN = sorted(p for d in (DASHBOARD, ROOT / "reports") for p in d.rglob("*.py") if p.name != "upload.py")


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", OWN, ids=lambda p: str(p.relative_to(ROOT)))
def test_caching_lives_in_data_py_only(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    if path.name == "data.py" and path.parent == DASHBOARD:
        assert "st.cache_data" in text and "st.cache_resource" in text
    else:
        assert "cache_data" not in text and "cache_resource" not in text


@pytest.mark.parametrize("path", OWN, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_html_from_data(path: Path) -> None:
    assert "unsafe_allow_html" not in path.read_text(encoding="utf-8")


@pytest.mark.parametrize("path", VIEWS, ids=lambda p: p.name)
def test_pages_are_thin(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 150
    assert not {m for m in imports(path) if m.split(".")[0] in ("pandas", "numpy", "plotly", "duckdb")}


def test_pages_have_stable_url_paths() -> None:
    tree = ast.parse((DASHBOARD / "app.py").read_text(encoding="utf-8"))
    paths, defaults = {}, []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "Page":
            words = {k.arg: getattr(k.value, "value", None) for k in node.keywords}
            if not isinstance(node.args[0], ast.Constant):  # a page drawn by a function
                defaults.append(words)
                continue
            paths[node.args[0].value] = words.get("url_path")
            assert not words.get("default"), "a view is never the default page: it would lose its URL"
    assert paths == {f"views/{p.name}": p.stem for p in VIEWS}
    # the root URL is a hidden default page that opens the Overview at /overview
    assert defaults == [{"title": "Home", "url_path": "home", "default": True, "visibility": "hidden"}]


def test_fingerprint_follows_the_store(tmp_path: Path) -> None:
    from dashboard.data import _fingerprint

    store = tmp_path / "store"
    (store / "incidents").mkdir(parents=True)
    batch = store / "incidents" / "batch-1.parquet"
    batch.write_bytes(b"one")
    first = _fingerprint(str(store), None)
    assert first == _fingerprint(str(store), None)  # nothing changed: same key, nothing reloaded
    batch.write_bytes(b"three")  # a new size
    second = _fingerprint(str(store), None)
    assert second != first
    os.utime(batch, ns=(1, 1))  # a new modification time
    assert _fingerprint(str(store), None) != second
    (store / "incidents" / "batch-2.parquet").write_bytes(b"x")  # a new file
    assert len(_fingerprint(str(store), None)) == 2
    regions = tmp_path / "regions.csv"
    regions.write_text("region,iso3\nA,FRA\n", encoding="utf-8")
    assert len(_fingerprint(None, str(regions))) == 1
    assert _fingerprint(str(tmp_path / "missing"), None) == ()


def test_fingerprint_of_a_store_is_its_newest_manifest_commit(tmp_path: Path) -> None:
    """A store's key is its commit point: rows appended without a manifest commit (a writer
    stopped halfway: readers never see them) leave it as it is; each ingest, withdrawal and
    restoration changes it; the lookup reads one file however many the store holds."""
    from dashboard.data import _fingerprint
    from datasets.store import Store

    sys.path.insert(0, str(Path(__file__).parent))
    from test_store_revisions import acled

    root = tmp_path / "store"
    store = Store(root)
    first = store.ingest(acled(range(20)), "a.csv")
    assert first.batch_id
    key = _fingerprint(str(root), None)
    log = root / "store_manifest" / "_delta_log"
    newest = max(p.name for p in log.glob("*.json"))
    assert [Path(p).name for p, _, _ in key] == [newest] and len(key) == 1
    (root / "batches_incidents" / "stray.parquet").write_bytes(b"rows no manifest names")
    assert _fingerprint(str(root), None) == key
    seen = {key}
    assert store.ingest(acled(range(20, 30)), "b.csv").batch_id
    assert _fingerprint(str(root), None) not in seen
    seen.add(_fingerprint(str(root), None))
    store.withdraw(first.batch_id)
    assert _fingerprint(str(root), None) not in seen
    seen.add(_fingerprint(str(root), None))
    store.restore(first.batch_id)
    assert _fingerprint(str(root), None) not in seen
    # a store of the Parquet layout: its manifest.json
    old = tmp_path / "old"
    Store(old, layout="parquet").ingest(acled(range(5)), "a.csv")
    assert [Path(p).name for p, _, _ in _fingerprint(str(old), None)] == ["manifest.json"]


def test_blank_missing_shows_missing_dates_as_empty_cells() -> None:
    import datetime as dt

    import pandas as pd

    from dashboard.ui import blank_missing

    frame = pd.DataFrame(
        {"table": ["incidents", "perception"], "first date": [None, dt.date(2013, 1, 1)], "rows": [0, 602]}
    )
    shown = blank_missing(frame, ("first date", "last date"))  # a column it lacks is left alone
    assert shown["first date"].tolist() == ["", "2013-01-01"]
    assert shown["rows"].tolist() == [0, 602] and frame["first date"].tolist()[0] is None  # input kept
