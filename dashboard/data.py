"""All caching of the dashboard, in one module.

* ``bundle()``: the loaded data (``st.cache_resource``, one shared object; never mutate it), keyed
  on a cheap fingerprint of the store (file names, sizes and modification times) and the regions
  file, so a new upload is picked up on the next rerun without re-reading unchanged files.
* Every computed frame: ``st.cache_data`` keyed on small values only — the bundle's ``version``
  string, the region or grouping name, months and filter tuples — never on a frame. Each public
  function takes the ``Selection`` and passes those values to a private cached function.

Computation lives in ``metrics`` (indicators, breakdowns) and ``reports.compute`` (what each page
shows, without Streamlit, shared with the exports and the command line); this module chooses what
to compute for a selection and caches it.
"""

from __future__ import annotations

import os
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import pyarrow as pa
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from datasets.bundle import Bundle, load_bundle
from datasets.precedence import overlap_notes
from datasets.store_delta import commit_point
from metrics import breakdowns as bd
from metrics.cube import FATALITY_THRESHOLDS, IncidentCube
from metrics.evaluation import Evaluation, EvaluationInputs, evaluate_inputs
from metrics.evaluation_context import propose_milestones
from metrics.perception import perception_indicators
from metrics.prepared import conflict_key, cube_of, prepare_for_app, stored_frame
from metrics.provenance import measure_families
from metrics.signals import downward_trends_across_regions
from reports import compute
from reports.charts import Caption
from reports.compute import COMPARE_INDICATORS as COMPARE_INDICATORS
from reports.compute import PerceptionPanel as PerceptionPanel
from reports.compute import Totals as Totals
from reports.compute import labelled
from reports.compute import latest as latest
from reports.compute import value_at as value_at
from reports.selection import Choices, Proposal, Selection

STORE_ENV = "STABILITY_STORE"
_RUN_BUNDLE = "_bundle_of_this_run"
REGIONS_ENV = "STABILITY_REGIONS"
DERIVED = "derived"  # the store's cache folder (``datasets.derived``)
Types = tuple[str, ...] | None
Weights = tuple[int, int, int]


# --- the loaded data ---------------------------------------------------------------------------


def _fingerprint(store: str | None, regions: str | None) -> tuple[tuple[str, int, int], ...]:
    """(path, mtime in ns, size) of the store's commit point (``datasets.store_delta.commit_point``;
    for a folder without one, of every file in it, its ``derived`` cache folder aside) and of the
    regions file.
    Looked up once per script run (``_current``): a store's commit point is one file, so the
    lookup does not grow with the store."""
    entries: list[tuple[str, int, int]] = []
    if store and store.startswith("s3://"):  # object storage: the store's own version, read each time
        from datasets.store import Store

        entries.append((f"{store}#{Store(store).version()}", 0, 0))
    elif store:
        root = Path(store).expanduser()
        point = commit_point(root) if root.is_dir() else None
        if point is not None:
            entries.append(point)
        elif root.is_dir():
            for dirpath, dirs, files in os.walk(root):
                if Path(dirpath) == root:
                    dirs[:] = [d for d in dirs if d != DERIVED]  # a cache of the store, not its data
                for name in files:
                    s = (Path(dirpath) / name).stat()
                    entries.append((os.path.join(dirpath, name), s.st_mtime_ns, s.st_size))
    if regions and Path(regions).is_file():
        s = Path(regions).stat()
        entries.append((regions, s.st_mtime_ns, s.st_size))
    return tuple(sorted(entries))


@st.cache_resource(max_entries=2, show_spinner="Loading data…")
def _load(store: str | None, regions: str | None, fingerprint: tuple[tuple[str, int, int], ...]) -> Bundle:
    del fingerprint  # part of the cache key only
    return load_bundle(store, regions)


#: The data versions this process has opened (their first open shows its progress).
_OPENED: set[tuple[object, ...]] = set()


def bundle() -> Bundle:
    """The data the dashboard shows: the store in ``$STABILITY_STORE`` (else the bundled sample) and
    the regions in ``$STABILITY_REGIONS`` (else the bundled regions).

    The first open of a data version in this process shows what it is doing (``st.status``): the
    store's incidents are prepared once per version (``metrics.prepared``: sorted, aggregated and
    written beside the store, in a child process for a large store), then memory-mapped."""
    store = os.environ.get(STORE_ENV) or None
    regions = os.environ.get(REGIONS_ENV) or None
    key = (store, regions, _fingerprint(store, regions))
    if key not in _OPENED:
        _OPENED.add(key)  # before opening: the cube's build asks for the bundle again
        try:
            _open(*key)
        except BaseException:
            _OPENED.discard(key)
            raise
    return _load(*key)


def _open(store: str | None, regions: str | None, fingerprint: tuple[tuple[str, int, int], ...]) -> None:
    """Prepare and load a data version, with its progress on the page while it runs."""
    slot = st.empty()
    with slot.status("Opening the data…", expanded=True) as status:
        if store:
            try:
                prepare_for_app(store, status.write)
            except Exception as exc:  # noqa: BLE001 (the rows are read directly instead)
                status.write(f"The incidents are read directly this time ({exc}).")
        status.update(label="Loading the tables and the incident aggregates…")
        b = _load(store, regions, fingerprint)
        _cube(b.version)
    slot.empty()


def _current() -> Bundle:
    """``bundle()``, looked up once per script run and reused by every function of that run: the
    lookup reads the store's commit point, and one run draws its page from one data version. Outside
    a script run (no Streamlit context) it is ``bundle()``. The memo holds the bundle weakly, so an
    idle session never keeps an old data version in memory."""
    ctx = get_script_run_ctx()
    if ctx is None:
        return bundle()
    run = ctx.cursors  # Streamlit starts every script run with a new dict here
    memo = st.session_state.get(_RUN_BUNDLE)
    if memo is not None and memo[0] is run and (found := memo[1]()) is not None:
        return found
    current = bundle()
    st.session_state[_RUN_BUNDLE] = (run, weakref.ref(current))
    return current


def current() -> Bundle:
    """The data this script run shows (``bundle()``, looked up once per run)."""
    return _current()


def store_dir() -> Path | None:
    """The data store uploads go to (``$STABILITY_STORE``), or None when the app runs without one."""
    store = os.environ.get(STORE_ENV) or None
    if store and store.startswith("s3://"):
        return store  # type: ignore[return-value]  # an object-storage URL, kept as it is
    return Path(store).expanduser() if store else None


def _choices(version: str) -> Choices:
    """``compute.choices`` of the data version (a frozen value, shared; never mutate it)."""
    return _CHOICES.get(version, lambda: compute.choices(_current()))


def choices() -> Choices:
    """Regions, members, event types and months the loaded data offers."""
    return _choices(_current().version)


def caption(sel: Selection, *tables: str, note: str = "") -> Caption:
    """Caption of a chart drawn from ``tables`` (names) over the selected months."""
    return compute.caption(_current(), sel.start, sel.end, *tables, note=note)


def family_loaded(family: str) -> bool:
    """True when ``family`` (conflict, collaboration, perception) has data (sample or real)."""
    return _current().family_dataset(family).loaded


def covered_months(sel: Selection) -> list[str] | None:
    """The months the incident files cover at least half of the selected countries' people."""
    return _covered_months(_current().version, _countries(sel))


def yearly(sel: Selection) -> bool:
    """Whether the selected countries' incidents are counted by year (``compute.yearly_grain``)."""
    return compute.yearly_grain(_current(), _countries(sel))


def family_latest(family: str) -> str | None:
    """The last period of ``family``'s data (``YYYY`` for yearly sources, else ``YYYY-MM``)."""
    return compute.family_latest(_current(), family)


def attribution() -> list[str]:
    """The full attribution of the loaded tables (``reports.compute.attribution``)."""
    return compute.attribution(_current())


def provenance_text() -> str:
    """``sample`` or each loaded family with its sources (for exports)."""
    return compute.provenance_text(_current())


def loaded_families() -> list[str]:
    """The families (conflict, collaboration, perception) that have data."""
    return _current().loaded_families()


def illustrative_tables() -> list[str]:
    """Names of the loaded tables that are the illustrative sample."""
    return compute.illustrative_tables(_current())


# --- indicator families, all regions (private; their callers are cached too) -------------------
# Shared by reference (``st.cache_resource``): a page reads them for each new view, and a copy of
# every region's rows per read (``st.cache_data``) cost more than the view. Never mutate them.


@st.cache_resource(max_entries=2, show_spinner="Preparing incidents…")
def _cube(version: str) -> IncidentCube:
    """The incidents pre-aggregated and indexed (built once per data version, shared by every
    session; never mutate it). Its cells summed over admin units, which every filter change reads
    (``IncidentCube.country_months``, 0.1–0.4 s at 1–3 M incidents), are built in the background
    while the first page is drawn, not by the first filter change."""
    cube = cube_of(bundle().incidents)
    threading.Thread(target=lambda: cube.country_months, name="country-months", daemon=True).start()
    return cube


def incidents_source(min_fatalities: int = 0) -> IncidentCube | pa.Table:
    """What incident queries read: the cube (exact for its fatality thresholds and for row queries),
    else the raw incidents for an unusual minimum of fatalities."""
    b = _current()
    return _cube(b.version) if min_fatalities in FATALITY_THRESHOLDS else b.incidents.table


def _computed(
    types: Types, min_fatalities: int, names: tuple[str, ...] | None = None, **options: Any
) -> pd.DataFrame:
    """``compute.conflict_all`` of the regions ``names`` (None: every region) of the current data
    under the incident filters; ``options``: its ``signals`` and ``trend_at``."""
    b = _current()
    regions = b.regions if names is None else b.regions.loc[b.regions["region"].isin(list(names))]
    return compute.conflict_all(
        incidents_source(min_fatalities), regions, types, min_fatalities, b.incidents_coverage(), **options
    )


def _unfiltered(types: Types, min_fatalities: int) -> bool:
    return types is None and min_fatalities == 0


@st.cache_resource(max_entries=2, show_spinner=False)
def _conflict_all(version: str, types: Types, min_fatalities: int) -> pd.DataFrame:
    if _unfiltered(types, min_fatalities):  # the unfiltered view: kept beside the prepared incidents
        b = _current()
        key = conflict_key(b.incidents.version, b.regions, types, min_fatalities)
        return stored_frame(b.incidents.derived, "conflict", key, lambda: _computed(types, min_fatalities))
    return _computed(types, min_fatalities)


@st.cache_resource(max_entries=4, show_spinner=False)
def _conflict_counts(version: str, types: Types, min_fatalities: int) -> pd.DataFrame:
    """Every region's conflict counts, rates and coverage under the incident filters, without the
    trend and alarm (whose models cost most; ``_conflict_of`` fits them for the regions a page
    shows). The unfiltered view is the stored frame, trend and alarm included."""
    if _unfiltered(types, min_fatalities):
        return _conflict_all(version, types, min_fatalities)
    return _computed(types, min_fatalities, signals=False)


@st.cache_resource(max_entries=24, show_spinner=False)
def _conflict_of(version: str, types: Types, min_fatalities: int, names: tuple[str, ...]) -> pd.DataFrame:
    """Every conflict indicator of the regions ``names`` under the incident filters, trend and alarm
    included (a region's values never depend on the other regions computed with it)."""
    if _unfiltered(types, min_fatalities):
        frame = _conflict_all(version, types, min_fatalities)
        return frame.loc[frame["region"].isin(list(names))]
    return _computed(types, min_fatalities, names)


@st.cache_resource(max_entries=2, show_spinner=False)
def _collaboration_all(version: str) -> pd.DataFrame:
    b = _current()
    return compute.collaboration_all(b)


@st.cache_resource(max_entries=2, show_spinner=False)
def _perception_all(version: str) -> pd.DataFrame:
    b = _current()
    return perception_indicators(b.perception.table, b.regions)


@st.cache_resource(max_entries=4, show_spinner=False)
def _composite_all(
    version: str, types: Types, min_fatalities: int, weights: Weights, start: str, end: str
) -> pd.DataFrame:
    return compute.composite_all(
        _conflict_counts(version, types, min_fatalities),
        _collaboration_all(version),
        _perception_all(version),
        _current().regions,
        weights,
        start,
        end,
    )


# --- per selection -----------------------------------------------------------------------------


def _countries(sel: Selection) -> tuple[str, ...]:
    return sel.countries or choices().members.get(sel.region, ())


@st.cache_data(max_entries=64, show_spinner=False)
def _region_family(
    version: str,
    region: str,
    family: str,
    start: str,
    end: str,
    types: Types,
    min_fatalities: int,
    countries: tuple[str, ...],
) -> pd.DataFrame:
    b = _current()
    if family == "conflict" and countries:
        frame = compute.member_conflict(
            incidents_source(min_fatalities),
            b.regions,
            region,
            types,
            min_fatalities,
            countries,
            b.incidents_coverage(),
        )
    elif family == "conflict":
        frame = _conflict_of(version, types, min_fatalities, (region,))
    elif family == "collaboration":
        frame = _collaboration_all(version)
    else:
        frame = _perception_all(version)
    return compute.region_rows(frame, region, start, end)


def family(sel: Selection, name: str) -> pd.DataFrame:
    """Tidy rows of one family ("conflict", "collaboration", "perception") for the selected region and
    months; the conflict family follows the incident filters, including the chosen countries."""
    return _region_family(
        _current().version,
        sel.region,
        name,
        sel.start,
        sel.end,
        sel.types_filter,
        sel.min_fatalities,
        sel.countries if name == "conflict" else (),
    )


def coverage_note(sel: Selection) -> str:
    """How much of the selected region (or chosen countries) the incident data cover, in words."""
    members = len(_countries(sel))
    return compute.coverage_note(family(sel, "conflict"), members)


@st.cache_data(max_entries=64, show_spinner=False)
def _region_composite(
    version: str, region: str, types: Types, min_fatalities: int, weights: Weights, start: str, end: str
) -> pd.DataFrame:
    return compute.region_rows(_composite_all(version, types, min_fatalities, weights, start, end), region)


def composite(sel: Selection, region: str | None = None) -> pd.DataFrame:
    """Tidy composite rows (index, family scores, coverage) of a region (default: the selected one).
    The index covers whole regions: the country filter does not apply to it."""
    return _region_composite(
        _current().version,
        region or sel.region,
        sel.types_filter,
        sel.min_fatalities,
        sel.weights,
        sel.start,
        sel.end,
    )


@st.cache_data(max_entries=32, show_spinner=False)
def _ranking(
    version: str, grouping: str, types: Types, min_fatalities: int, weights: Weights, start: str, end: str
) -> pd.DataFrame:
    frame = _composite_all(version, types, min_fatalities, weights, start, end)
    return compute.ranking(frame, _choices(version).regions[grouping], end)


def _grouping_view(sel: Selection) -> tuple[str, str, Types, int, Weights, str, str]:
    """The cache key of a view of the selected region's grouping: data version, grouping, filters,
    weights and window."""
    return (
        _current().version,
        choices().grouping_of[sel.region],
        sel.types_filter,
        sel.min_fatalities,
        sel.weights,
        sel.start,
        sel.end,
    )


def ranking(sel: Selection) -> pd.DataFrame:
    """Regions of the selected region's grouping ranked by stability index in the end month."""
    return _ranking(*_grouping_view(sel))


@st.cache_data(max_entries=32, show_spinner=False)
def _trends_across(version: str, grouping: str, types: Types, min_fatalities: int, end: str) -> pd.DataFrame:
    regions = tuple(_choices(version).regions[grouping])
    if _unfiltered(types, min_fatalities):
        frame = _conflict_of(version, types, min_fatalities, regions)
    else:  # the trend in the end month alone: one fit per region
        frame = _computed(types, min_fatalities, regions, trend_at=end)
    return downward_trends_across_regions(frame, end)


def trends_across_regions(sel: Selection) -> pd.DataFrame:
    """The downward trend in the end month read across the regions of the selected grouping
    (Benjamini–Hochberg, q = 0.10): ``region, trend_change_per_year, p_decline, discovery``."""
    version, grouping, types, min_fatalities, _weights, _start, end = _grouping_view(sel)
    return _trends_across(version, grouping, types, min_fatalities, end)


@st.cache_data(max_entries=32, show_spinner=False)
def _rank_sensitivity(
    version: str, grouping: str, types: Types, min_fatalities: int, weights: Weights, start: str, end: str
) -> pd.DataFrame:
    frame = _composite_all(version, types, min_fatalities, weights, start, end)
    return compute.rank_sensitivity(frame, _choices(version).regions[grouping], end, weights)


def rank_sensitivity(sel: Selection) -> pd.DataFrame:
    """Ranks of the selected grouping's regions in the end month under weights varied ±20 %."""
    return _rank_sensitivity(*_grouping_view(sel))


def ranked_regions(sel: Selection) -> tuple[str, ...]:
    """Regions of the selected grouping that have an index in the end month, most stable first."""
    frame = ranking(sel)
    return tuple(frame.loc[frame["rank"].notna(), "region"])


@st.cache_data(max_entries=32, show_spinner=False)
def _map_values(
    version: str,
    grouping: str,
    region: str,
    types: Types,
    min_fatalities: int,
    weights: Weights,
    start: str,
    end: str,
) -> pd.DataFrame:
    frame = _composite_all(version, types, min_fatalities, weights, start, end)
    return compute.map_values(frame, _current().regions, grouping, region, end)


def map_values(sel: Selection) -> pd.DataFrame:
    """Each country of the selected grouping with its region's stability index in the end month."""
    return _map_values(
        _current().version,
        choices().grouping_of[sel.region],
        sel.region,
        sel.types_filter,
        sel.min_fatalities,
        sel.weights,
        sel.start,
        sel.end,
    )


@st.cache_data(max_entries=64, show_spinner=False)
def _drivers(
    version: str, region: str, types: Types, min_fatalities: int, weights: Weights, start: str, end: str
) -> pd.DataFrame:
    frame = _region_composite(version, region, types, min_fatalities, weights, start, end)
    return compute.drivers(frame, end, weights)


def drivers(sel: Selection) -> pd.DataFrame:
    """Each family's score now and a year earlier, and its contribution to the index change."""
    return _drivers(
        _current().version, sel.region, sel.types_filter, sel.min_fatalities, sel.weights, sel.start, sel.end
    )


# --- breakdowns --------------------------------------------------------------------------------


#: The incident breakdowns a page asks for, all with the same filters; answered from the cube.
_BREAKDOWNS: dict[str, Callable[..., object]] = {
    "monthly_by_type": bd.monthly_by_type,
    "top_countries": bd.top_countries,
    "largest_incidents": bd.largest_incidents,
    "event_locations": bd.event_locations,
}


@st.cache_data(max_entries=96, show_spinner=False)
def _breakdown(
    name: str,
    version: str,
    countries: tuple[str, ...],
    start: str,
    end: str,
    types: Types,
    min_fatalities: int,
) -> Any:
    extra: dict[str, object] = {}
    if name == "monthly_by_type":
        extra = {
            "covered_months": _covered_months(version, countries),
            "yearly": compute.yearly_grain(_current(), countries),
        }
    return _BREAKDOWNS[name](
        _cube(version),
        countries,
        start=start,
        end=end,
        event_types=types,
        min_fatalities=min_fatalities,
        **extra,
    )


@st.cache_data(max_entries=64, show_spinner=False)
def _covered_months(version: str, countries: tuple[str, ...]) -> list[str] | None:
    """The months the incident data cover at least half of the countries' people."""
    return compute.covered_months(_current(), countries)


def _selected(name: str, sel: Selection) -> Any:
    """Breakdown ``name`` for the selected countries, months and filters (cached)."""
    return _breakdown(
        name, _current().version, _countries(sel), sel.start, sel.end, sel.types_filter, sel.min_fatalities
    )


def monthly_by_type(sel: Selection) -> pd.DataFrame:
    """Incidents and fatalities per month and event type in the selected countries and months."""
    return _selected("monthly_by_type", sel)


@st.cache_data(max_entries=64, show_spinner=False)
def _totals(version: str, countries: tuple[str, ...], end: str, types: Types, min_fatalities: int) -> Totals:
    first = compute.totals_first(end)
    frame = _breakdown("monthly_by_type", version, countries, first, end, types, min_fatalities)
    return compute.totals(frame, end)


def totals(sel: Selection) -> Totals:
    """Incidents and deaths in the 12 months to the end month, and the 12 months before."""
    return _totals(_current().version, _countries(sel), sel.end, sel.types_filter, sel.min_fatalities)


def top_countries(sel: Selection) -> pd.DataFrame:
    """The member countries with the most incidents in the selected months."""
    return compute.with_country_names(_selected("top_countries", sel))


def largest_incidents(sel: Selection) -> pd.DataFrame:
    """The 20 incidents with the most fatalities in the selection."""
    return _selected("largest_incidents", sel)


def locations(sel: Selection) -> bd.Locations:
    """Incident locations of the selection (aggregated to a grid above 5,000 points)."""
    return _selected("event_locations", sel)


@st.cache_data(max_entries=32, show_spinner=False)
def _edges(version: str, members: tuple[str, ...], start: str, end: str) -> pd.DataFrame:
    return bd.collaboration_edges(_current().collaboration.table, members, start=start, end=end)


def edges(sel: Selection) -> pd.DataFrame:
    """Collaboration network of the selected region (members and partners) in the selected months."""
    return _edges(_current().version, choices().members.get(sel.region, ()), sel.start, sel.end)


@st.cache_data(max_entries=64, show_spinner=False)
def _compare(
    version: str,
    regions: tuple[str, ...],
    types: Types,
    min_fatalities: int,
    weights: Weights,
    start: str,
    end: str,
) -> pd.DataFrame:
    """Long frame ``region, period, indicator, value`` of the comparison indicators."""
    return compute.compare_frame(
        _composite_all(version, types, min_fatalities, weights, start, end),
        _conflict_counts(version, types, min_fatalities),
        _collaboration_all(version),
        _perception_all(version),
        _choices(version).members,
        regions,
        start,
        end,
    )


def compare(sel: Selection, regions: tuple[str, ...]) -> dict[str, pd.DataFrame]:
    """Comparison indicators of ``regions``, each a frame ``region, period, value``:
    ``stability_index`` (0–100), ``incidents_per_member`` (trailing 12-month mean of incidents ÷
    member countries, per month; per year for yearly data: ``compute.compare_frame``),
    ``network_density`` (share) and ``feel_safe`` (share)."""
    frame = _compare(
        _current().version, regions, sel.types_filter, sel.min_fatalities, sel.weights, sel.start, sel.end
    )
    return compute.compare_split(frame)


# --- shaping for the pages (small frames; not cached) ------------------------------------------


@st.cache_data(max_entries=128, show_spinner=False)
def _family_table(
    version: str,
    region: str,
    name: str,
    start: str,
    end: str,
    types: Types,
    min_fatalities: int,
    countries: tuple[str, ...],
    indicators: tuple[str, ...],
) -> pd.DataFrame:
    frame = _region_family(version, region, name, start, end, types, min_fatalities, countries)
    return labelled(frame, indicators)


def family_table(sel: Selection, name: str, indicators: tuple[str, ...]) -> pd.DataFrame:
    """``labelled`` rows of ``indicators`` from one family of the selected region (see ``family``)."""
    return _family_table(
        _current().version,
        sel.region,
        name,
        sel.start,
        sel.end,
        sel.types_filter,
        sel.min_fatalities,
        sel.countries if name == "conflict" else (),
        tuple(indicators),
    )


@st.cache_data(max_entries=64, show_spinner=False)
def _composite_table(
    version: str, region: str, types: Types, min_fatalities: int, weights: Weights, start: str, end: str
) -> pd.DataFrame:
    frame = _region_composite(version, region, types, min_fatalities, weights, start, end)
    return labelled(frame, compute.COMPOSITE_TABLE)


def composite_table(sel: Selection) -> pd.DataFrame:
    """The stability index and family scores of the selected region, labelled."""
    return _composite_table(
        _current().version, sel.region, sel.types_filter, sel.min_fatalities, sel.weights, sel.start, sel.end
    )


def period_totals(sel: Selection) -> tuple[int, int]:
    """Incidents and deaths in the selected countries, months and filters."""
    return compute.period_totals(monthly_by_type(sel))


def engagements_by_kind(sel: Selection) -> pd.DataFrame:
    """``period, kind, engagements`` for the selected region (agreements count in every month in force)."""
    return compute.engagements_by_kind(family(sel, "collaboration"))


def perception_panels(sel: Selection) -> list[PerceptionPanel]:
    """Each perception indicator with data for the selected region, in a fixed order."""
    return compute.perception_panels(family(sel, "perception"))


@st.cache_data(max_entries=4, show_spinner=False)
def _catalog(version: str) -> pd.DataFrame:
    return compute.catalog(
        _conflict_all(version, None, 0), _collaboration_all(version), _perception_all(version)
    )


def catalog() -> pd.DataFrame:
    """Every indicator the loaded data produces: family, name, label and unit."""
    return _catalog(_current().version)


# --- figures -----------------------------------------------------------------------------------


class _Shared:
    """A small process-wide cache of immutable values by a hashable key, least recently used out
    first (``st.cache_resource`` semantics: one object shared by reference, never mutate it). Its
    look-up is a dict access, where Streamlit's caches hash every argument on every call (about 1 ms
    each, and a page makes dozens)."""

    def __init__(self, max_entries: int) -> None:
        self._items: OrderedDict[Hashable, object] = OrderedDict()
        self._max = max_entries
        self._lock = threading.Lock()

    def get(self, key: Hashable, build: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = build()  # outside the lock: two sessions may build the same value, both equal
        with self._lock:
            self._items[key] = value
            while len(self._items) > self._max:
                self._items.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


_FIGURES = _Shared(max_entries=96)
_CHOICES = _Shared(max_entries=4)


def figure(name: str, key: tuple[object, ...], build: Callable[[], go.Figure]) -> go.Figure:
    """The figure ``build()`` returns, cached under (data version, ``name``, ``key``).

    ``key`` must hold every small value the figure depends on besides the data version. Figures are
    shared by reference between reruns and sessions: never mutate one; ``st.plotly_chart`` only
    reads it."""
    return _FIGURES.get((_current().version, name, key), build)


# --- data page ---------------------------------------------------------------------------------


@st.cache_data(max_entries=4, show_spinner=False)
def _coverage(version: str) -> pd.DataFrame:
    return compute.coverage(_current())


@st.cache_data(max_entries=1, show_spinner=False)
def goalposts() -> tuple[str, str, pd.DataFrame]:
    """The composite's goalposts (``datasets/data/goalposts.json``): version, provenance, table."""
    return compute.goalposts()


def coverage() -> pd.DataFrame:
    """One row per loaded table: origin, label, rows, countries, first and last date, version."""
    return _coverage(_current().version)


@st.cache_data(max_entries=4, show_spinner=False)
def _overlap_notes(version: str) -> list[str]:
    return overlap_notes(_current().coverage)


def overlap_notes_now() -> list[str]:
    """Which conflict source is set aside where another covers the same months, in sentences
    (``datasets.precedence.overlap_notes``); none when no two sources overlap."""
    return _overlap_notes(_current().version)


def coverage_chart(table: str = "incidents") -> go.Figure:
    """Which countries the loaded ``table`` covers, and when (``reports.charts_coverage``)."""
    from reports.charts_coverage import coverage_figure

    b = _current()
    return figure("coverage", (table,), lambda: coverage_figure(b.coverage, table=table, counted=True))


def provenance() -> list[tuple[str, list[dict[str, object]]]]:
    """Each table's provenance records (``Dataset.details``)."""
    return compute.provenance(_current())


def clear() -> None:
    """Drop every cached frame and figure and the loaded data (after the store changed)."""
    st.session_state.pop(_RUN_BUNDLE, None)
    st.cache_data.clear()
    for shared in (_conflict_all, _collaboration_all, _perception_all, _composite_all):
        shared.clear()
    for shared in (_evaluation_collaboration, _evaluation_inputs):
        shared.clear()
    _FIGURES.clear()
    _CHOICES.clear()
    _load.clear()
    _OPENED.clear()


# --- evaluation page ---------------------------------------------------------------------------


@st.cache_data(max_entries=16, show_spinner=False)
def _proposals(version: str, region: str) -> tuple[Proposal, ...]:
    b = _current()
    frame = propose_milestones(b.collaboration.table, b.regions, region_names=[region])
    return tuple(
        Proposal(str(r.month), str(r.label), str(r.reason), str(r.kind))
        for r in frame.itertuples(index=False)
    )


def milestone_proposals(sel: Selection) -> tuple[Proposal, ...]:
    """Milestones proposed from the collaboration data for the selected region (a new partner, a new
    kind of engagement, a jump in network density), by month."""
    return _proposals(_current().version, sel.region)


@st.cache_resource(max_entries=2, show_spinner=False)
def _evaluation_collaboration(version: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Collaboration indicators and proposed milestones of every region, as evaluations read them
    (shared by every session; never mutate them)."""
    return compute.evaluation_collaboration(_current())


@st.cache_resource(max_entries=4, show_spinner=False)
def _evaluation_inputs(version: str, region: str, types: Types, min_fatalities: int) -> EvaluationInputs:
    """What an evaluation of ``region`` reads whatever its milestone, window and comparison: the
    conflict indicators of every region (the pages' own), the collaboration indicators and proposals
    of every region, and the region's density flows and survey indicators (shared; never mutate)."""
    return compute.evaluation_inputs(
        _current(),
        region,
        _conflict_counts(version, types, min_fatalities),
        _evaluation_collaboration(version),
        _evaluation_region(version, region),
        own=_conflict_of(version, types, min_fatalities, (region,)),
    )


@st.cache_resource(max_entries=16, show_spinner=False)
def _evaluation_region(version: str, region: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The region's collaboration flows and survey indicators, whatever the incident filters
    (shared; never mutate them)."""
    return compute.evaluation_region(_current(), region)


@st.cache_data(max_entries=64, show_spinner=False)
def _evaluation_union(
    version: str, names: tuple[str, ...], types: Types, min_fatalities: int
) -> pd.DataFrame:
    """Conflict indicators of the comparison regions ``names`` pooled as one union of countries."""
    b = _current()
    return compute.evaluation_union(
        incidents_source(min_fatalities), b.regions, names, types, min_fatalities, b.incidents_coverage()
    )


@st.cache_data(max_entries=32, show_spinner="Evaluating…")
def _evaluation(
    version: str,
    region: str,
    milestone: str,
    label: str,
    window: int,
    compare: tuple[str, ...] | None,
    types: Types,
    min_fatalities: int,
) -> Evaluation:
    b = _current()
    ev = evaluate_inputs(
        _evaluation_inputs(version, region, types, min_fatalities),
        b.collaboration.table,
        b.regions,
        lambda names: _evaluation_union(version, tuple(names), types, min_fatalities),
        region=region,
        milestone=milestone,
        label=label or None,
        window=window,
        compare=list(compare) if compare else None,
    )
    # only the measures of families with data (a family without data is not evaluated)
    loaded = set(b.loaded_families())
    return replace(ev, results=tuple(r for r in ev.results if set(measure_families(r.measure)) <= loaded))


def evaluation(sel: Selection, milestone: str, label: str) -> Evaluation:
    """The evaluation of the selected region around ``milestone`` (``YYYY-MM``, labelled ``label``)
    with the selection's window, comparison regions (none chosen: the default comparison) and incident
    filters (event types, minimum fatalities; the country filter does not apply). Raises ``ValueError``
    when the milestone lies outside the incident data."""
    return _evaluation(
        _current().version,
        sel.region,
        milestone,
        label,
        sel.window,
        sel.comparison or None,
        sel.types_filter,
        sel.min_fatalities,
    )
