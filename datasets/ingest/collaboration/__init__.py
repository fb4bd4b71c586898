"""Importers for military-collaboration sources, into the ``collaboration`` table.

Each importer reads a parsed file (``sniff.parse`` after ``preread``) and returns ``Converted``
whose rows carry their origin in the file (see ``reshape``). Problems are reported on file lines;
an engagement built from several lines (an exercise listed per participant, an alliance listed
per member) is refused whole when any of its lines is, so nothing is stored half-read. Rows that
hold no value, and rows that repeat an earlier row cell for cell, are skipped with a note.

One module per source: ``sipri`` (SIPRI trade register), ``mme`` (Multinational Military
Exercises), ``atop`` (ATOP alliances), ``signals`` (McManus & Nieman country-year signals);
``common`` holds the layout registry and the helpers they share. This package detects a file's
layout and hands it to its importer.
"""

from __future__ import annotations

from collections.abc import Callable

from datasets.ingest.canonical import Converted
from datasets.ingest.collaboration.atop import _atop_alliance, _atop_member
from datasets.ingest.collaboration.common import (  # noqa: F401 (public names of this package)
    ATOP_ATTRIBUTION,
    COLLABORATION_FORMATS,
    COW_HISTORICAL,
    MME_ATTRIBUTION,
    MME_SOURCE,
    MN_ATTRIBUTION,
    MN_SOURCE,
    SIPRI_ATTRIBUTION,
    SIPRI_SOURCE,
    LayoutFormat,
    cow_participant,
)
from datasets.ingest.collaboration.mme import _mme_long, _mme_wide
from datasets.ingest.collaboration.signals import _MN_POWERS, _MN_SIGNALS, _mcmanus_nieman
from datasets.ingest.collaboration.sipri import _sipri_2025, _sipri_classic
from datasets.ingest.sniff import ParsedCsv

__all__ = [
    "COLLABORATION_FORMATS",
    "COW_HISTORICAL",
    "LayoutFormat",
    "detect_collaboration",
    "import_collaboration",
]


def detect_collaboration(columns: list[str]) -> str | None:
    """The collaboration layout a header matches (a key of ``COLLABORATION_FORMATS``), or None."""
    names = {c.strip().lower() for c in columns}
    if {"sipri at database id", "delivery year", "tiv delivery values"} <= names:
        return "sipri"
    if {"recipient", "supplier", "year(s) of delivery", "sipri tiv of delivered weapons"} <= names:
        return "sipri_classic"
    if "mmeid" in names and "statea" in names:
        return "mme"
    if {"mmeid", "gwcode"} <= names and "country" in names:
        return "mme_long"
    if {"atopid", "member", "yrent"} <= names:
        return "atop_member"
    if {"atopid", "begyr", "mem1"} <= names:
        return "atop"
    if {"ccode", "year"} <= names and any(f"{p}_{s}" in names for p in _MN_POWERS for s in _MN_SIGNALS):
        return "mcmanus_nieman"
    return None


def import_collaboration(parsed: ParsedCsv, fmt: str) -> Converted:
    """Read ``parsed`` in collaboration layout ``fmt``; see each source's module docstring for its layouts."""
    readers: dict[str, Callable[[ParsedCsv], Converted]] = {
        "sipri": _sipri_2025,
        "sipri_classic": _sipri_classic,
        "mme": _mme_wide,
        "mme_long": _mme_long,
        "atop": _atop_alliance,
        "atop_member": _atop_member,
        "mcmanus_nieman": _mcmanus_nieman,
    }
    if fmt not in readers:
        raise ValueError(f"unknown collaboration format '{fmt}'")
    return readers[fmt](parsed)
