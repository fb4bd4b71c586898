"""What the dashboard and the command line show, without Streamlit: view models, figures, findings, exports.

``dashboard/`` (pages, widgets, caching) and ``stability/`` (the command line) both draw from here, so
an exported chart, table or briefing pack is the one the page shows.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("regional-stability-monitor")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.1.0"
