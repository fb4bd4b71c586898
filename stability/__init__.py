"""Regional Stability Monitor: command line and application entry points."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("regional-stability-monitor")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.1.0"
