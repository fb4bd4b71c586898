"""Regional Stability Monitor: command line and application entry points."""

from reports import __version__ as __version__
