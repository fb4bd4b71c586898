"""Server settings that keep many sessions cheap (measured with ``benchmarks/bench_sessions.py``).

Streamlit's defaults are for developing an app: every session watches every imported module for
changes (a watcher per session, and a walk over all loaded modules after each run), and every
page run ends with a full garbage collection, which holds the interpreter lock of the whole server
(about 0.3 s with the data of 200,000 incidents loaded) while the other sessions wait. Both are off.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_no_file_watcher_and_no_full_collection_after_each_run() -> None:
    for path in (ROOT / ".streamlit" / "config.toml", ROOT / "dashboard" / ".streamlit" / "config.toml"):
        cfg = tomllib.loads(path.read_text(encoding="utf-8"))
        assert cfg["server"]["fileWatcherType"] == "none", path
        assert cfg["runner"]["postScriptGC"] is False, path


def test_streamlit_knows_both_options() -> None:
    """The option names are Streamlit's (a misspelt option is ignored with a warning)."""
    from streamlit import config

    options = config.get_config_options()
    assert "server.fileWatcherType" in options
    assert "runner.postScriptGC" in options
    assert options["server.fileWatcherType"].default_val == "auto"
    assert options["runner.postScriptGC"].default_val is True


def test_the_server_runs_with_two_malloc_arenas_and_arrows_jemalloc_unless_told_otherwise() -> None:
    from stability.cmd_dashboard import server_environment

    assert server_environment({"PATH": "/bin"}) == {
        "PATH": "/bin",
        "MALLOC_ARENA_MAX": "2",
        "ARROW_DEFAULT_MEMORY_POOL": "jemalloc",
    }
    assert server_environment({"MALLOC_ARENA_MAX": "8"})["MALLOC_ARENA_MAX"] == "8"
    chosen = server_environment({"ARROW_DEFAULT_MEMORY_POOL": "system"})
    assert chosen["ARROW_DEFAULT_MEMORY_POOL"] == "system"


def test_arrow_takes_the_allocator_the_server_is_given() -> None:
    """The variable is Arrow's own: a process started with it allocates from jemalloc (this
    pyarrow build has it)."""
    import subprocess
    import sys

    from stability.cmd_dashboard import server_environment

    code = "import pyarrow as pa; print(pa.default_memory_pool().backend_name)"
    out = subprocess.run(
        [sys.executable, "-c", code], env=server_environment({}), capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "jemalloc"


def test_cached_views_have_one_memory_budget() -> None:
    """Every ``st.cache_data`` view together stays within ``server.maxCacheDataSize`` (Streamlit evicts
    the least recently used), so a shared server's memory does not grow with the views asked for."""
    from streamlit import config
    from streamlit.byte_util import config_max_cache_data_size_to_bytes

    assert "server.maxCacheDataSize" in config.get_config_options()
    for path in (ROOT / ".streamlit" / "config.toml", ROOT / "dashboard" / ".streamlit" / "config.toml"):
        cfg = tomllib.loads(path.read_text(encoding="utf-8"))
        budget = config_max_cache_data_size_to_bytes(cfg["server"]["maxCacheDataSize"])
        assert budget == 48 * 1024 * 1024, path
