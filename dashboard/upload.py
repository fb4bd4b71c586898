"""The upload workflow of the Data page: drop a file, see what will be stored, store it, undo it.

``render(store_dir)`` draws it. All reading, checking and storing is done by ``datasets.ingest``
and ``datasets.store``; this module only lays out their results. Text from files is shown with
native elements (tables, plain text), never as HTML. The file being checked is kept in the
session (``st.session_state``), keyed on its SHA-256 and the chosen layout, so reruns do not read
it again.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import mmap
import os
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import streamlit as st

from dashboard import survey_picker
from datasets.coverage import CoverageError, parse_coverage
from datasets.ingest import (
    TABLE_NAMES,
    ColumnMapping,
    UnreadableFile,
    Upload,
    check_size,
    list_mappings,
    max_upload_bytes,
    prepare,
    save_mapping,
)
from datasets.ingest.layout import data_members, is_zip
from datasets.ingest.sniff import spool
from datasets.schema import SCHEMAS
from datasets.store import Store, StoreError

_AUTO = "Detected automatically"
_OTHER = "Any other CSV (say which column holds what)"
_CHOICES = {
    _AUTO: "auto",
    "ACLED export": "acled",
    "UCDP GED": "ucdp",
    "Canonical table (this tool's own columns)": "canonical",
    _OTHER: "mapped",
}
_NONE = "(not in this file)"
_STATE = "upload_prepared"
#: Batches listed with their buttons on the page; earlier ones wait in an expander.
_NEWEST_BATCHES = 20
_PREVIEW = "upload_preview"  # (the checked file, (store version, full export, skip invalid), counts)
_RESULT = "upload_result"
_MAPPING = "upload_mapping"
_GENERATION = "upload_generation"
_COUNTRY = "upload_country"
_SAFE = "upload_safe_categories"


def _md(text: object) -> str:
    """Escape Markdown so text from a file shows as written."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|<>~$])", r"\\\1", str(text))


def _progress_callback(bar: object) -> object:
    def step(fraction: float, message: str) -> None:
        bar.progress(min(max(fraction, 0.0), 1.0), text=message)  # type: ignore[attr-defined]

    return step


def _limit_mb() -> int:
    limit = max_upload_bytes() // (1024 * 1024)
    with contextlib.suppress(Exception):  # the option is unavailable outside a server
        limit = min(limit, int(st.get_option("server.maxUploadSize")))
    return limit


def _spool(file: object) -> bytes | mmap.mmap:
    """The uploaded file copied in 1 MB chunks to an unlinked temporary file (hashed on the way) and
    mapped from disk read-only (``datasets.ingest.sniff.spool``).

    The check parses it as a stream from that file instead of from a second copy in memory; its
    pages go when the mapping is dropped.
    """
    file.seek(0)  # type: ignore[attr-defined]
    return spool(file)  # type: ignore[arg-type]


#: Files a person may have being checked at the same time (``$STABILITY_UPLOADS_PER_USER``).
_CHECKS_LOCK = threading.Lock()
_CHECKS: dict[str, int] = {}


def _uploads_per_user() -> int:
    try:
        return max(1, int(os.environ.get("STABILITY_UPLOADS_PER_USER", "2")))
    except ValueError:
        return 2


def _who() -> str:
    """Whose uploads count together: the signed-in person, else this browser session."""
    from dashboard import signin

    name = signin.user()
    if name:
        return f"user:{name}"
    with contextlib.suppress(Exception):
        from streamlit.runtime.scriptrunner import get_script_run_ctx

        ctx = get_script_run_ctx()
        if ctx is not None:
            return f"session:{ctx.session_id}"
    return "local"


@contextlib.contextmanager
def _checking(who: str) -> Iterator[None]:
    """Count a file being checked for ``who``; refused (one sentence) beyond the per-person limit."""
    limit = _uploads_per_user()
    with _CHECKS_LOCK:
        if _CHECKS.get(who, 0) >= limit:
            raise UnreadableFile(
                f"you are already checking {limit} file(s); wait until they are done, then try again"
            )
        _CHECKS[who] = _CHECKS.get(who, 0) + 1
    try:
        yield
    finally:
        with _CHECKS_LOCK:
            _CHECKS[who] -= 1
            if not _CHECKS[who]:
                del _CHECKS[who]


def check_file(
    file: object,
    name: str,
    *,
    who: str = "local",
    progress: object | None = None,
    **options: object,
) -> Upload:
    """Check an uploaded file the way the Data page does, from disk: ``file`` (Streamlit's
    ``UploadedFile`` or any binary file object) is copied in 1 MB chunks to a temporary file
    (``_spool``) and read from there, counted against ``who``'s concurrent checks
    (``_checking``); ``options`` go to ``datasets.ingest.prepare``. ``benchmarks/bench_upload_memory.py``
    measures the memory this takes."""
    return _check(_spool(file), name, who=who, progress=progress, **options)


_POOL_SET = threading.Event()


def _returning_pool() -> None:
    """Make Arrow allocate from jemalloc, which hands freed memory back to the system within about
    a second; pyarrow's default (mimalloc) kept about 1.4 × N MB of an N MB upload's check after
    it was dropped (``benchmarks/bench_upload_memory.py``). Once per process; left as it is where
    jemalloc is not built in."""
    if _POOL_SET.is_set():
        return
    import pyarrow as pa

    with contextlib.suppress(NotImplementedError, pa.ArrowNotImplementedError, AttributeError):
        if pa.default_memory_pool().backend_name != "jemalloc":
            pa.set_memory_pool(pa.jemalloc_memory_pool())
        pa.jemalloc_set_decay_ms(0)  # freed pages go back at once, not after a delay
    _POOL_SET.set()


def _check(
    data: bytes | mmap.mmap, name: str, *, who: str, progress: object | None, **options: object
) -> Upload:
    """``prepare`` the spooled file, counted against ``who``'s concurrent checks."""
    _returning_pool()
    with _checking(who):
        return prepare(data, name, progress=progress, **options)  # type: ignore[arg-type]


def _answers(sha256: str) -> tuple[str | None, list[str] | None]:
    """The user's answers to a perception file's questions: its country, the categories that count as safe."""
    country = str(st.session_state.get(f"{_COUNTRY}_{sha256[:16]}") or "").strip() or None
    safe = list(st.session_state.get(f"{_SAFE}_{sha256[:16]}") or []) or None
    return country, safe


def _prepared(
    data: bytes,
    sha256: str,
    name: str,
    table: str,
    fmt: str,
    mapping: ColumnMapping | None,
    member: str | None = None,
) -> Upload:
    """The checked file, read once per (file, table, layout, mapping, answers) in this session."""
    country, safe = _answers(sha256)
    items, weight, year = survey_picker.choice(sha256)
    key = (sha256, table, fmt, mapping.to_json() if mapping else "", country, tuple(safe or ()))
    key += (tuple(items), weight, year, member)
    held = st.session_state.get(_STATE)
    if held is not None and held[0] == key:
        return held[1]
    bar = st.progress(0.0, text="reading the file")
    try:
        upload = _check(
            data,
            name,
            who=_who(),
            table=table,
            format=fmt,
            mapping=mapping,
            progress=_progress_callback(bar),
            country=country,
            safe_categories=safe,
            items=items or None,
            weight=weight,
            survey_year=year,
            member=member,
        )
    finally:  # a refused file leaves no progress bar behind
        bar.empty()
    st.session_state[_STATE] = (key, upload)
    return upload


def _form_mapping(sha256: str) -> ColumnMapping | None:
    """The mapping the user filled in for the file with this SHA-256, if any."""
    held = st.session_state.get(_MAPPING)
    return held[1] if held is not None and held[0] == sha256 else None


def _mapping_form(store_dir: Path, upload: Upload | None, columns: list[str], table: str) -> None:
    """Column-mapping form for "any other CSV"; the mapping can be saved for the next file."""
    schema = SCHEMAS["incidents" if table == "auto" else table]
    current = _form_mapping(upload.sha256) if upload is not None else None
    targets = [c.name for c in schema.columns if c.name not in ("source",)]
    with st.form("upload_mapping_form"):
        st.markdown("**Which column holds what?** Required: " + ", ".join(_md(c) for c in schema.required))
        chosen: dict[str, str] = {}
        options = [_NONE, *columns]
        for target in targets:
            pre = current.columns.get(target) if current else None
            index = options.index(pre) if pre in options else 0
            label = target + (
                " (required)"
                if target in schema.required and target not in ("event_id", "iso3")
                else " (a code or name; or choose 'country')"
                if target == "iso3" and "country" in targets
                else ""
            )
            chosen[target] = st.selectbox(label, options, index=index, key=f"map_{target}")
        source = st.text_input("Source of these rows (e.g. your organisation)", value="My own data")
        name = st.text_input("Name of this mapping", value=current.name if current else "My mapping")
        save = st.checkbox("Save this mapping to use it again")
        if st.form_submit_button("Use this mapping"):
            mapping = ColumnMapping(
                name=name.strip() or "My mapping",
                table=schema.name,
                columns={k: v for k, v in chosen.items() if v != _NONE},
                constants={"source": source.strip() or name},
            )
            st.session_state[_MAPPING] = (upload.sha256 if upload is not None else "", mapping)
            if save:
                save_mapping(store_dir, mapping)
                st.toast(f"Mapping saved: {mapping.name}")
            st.rerun()


def _perception_questions(upload: Upload) -> None:
    """What each series of a perception file measures, and what only the user can say about it."""
    info = upload.info
    if info.get("series"):
        series = list(info["series"])  # type: ignore[call-overload]
        st.caption("What each series of this file measures, and how it is stored")
        st.dataframe(
            {
                "series": [str(s["series"]) for s in series],
                "stored as": [str(s["measures"]) for s in series],
                "rows": [int(s["rows"]) for s in series],
            },
            hide_index=True,
        )
    if info.get("ask_country") or info.get("country_from") in ("file name", "given"):
        st.text_input(
            "Which country does this file cover? (a name or ISO code)", key=f"{_COUNTRY}_{upload.sha256[:16]}"
        )
    if info.get("categories"):
        shares = dict(info.get("category_shares") or {})  # type: ignore[call-overload]
        year = info.get("category_shares_year")
        if shares:
            shown = ", ".join(f"{c}: {float(v):.1%}" for c, v in shares.items())
            st.caption(f"National shares by answer category in {year}: {shown}")
        st.multiselect(
            "This file gives a distribution across answer categories, not a share who feel safe. Which "
            "categories count as feeling safe? Until you choose, no feel_safe value is stored.",
            options=[str(c) for c in info["categories"]],  # type: ignore[union-attr]
            key=f"{_SAFE}_{upload.sha256[:16]}",
        )


def _show_check(upload: Upload) -> bool:
    """Detected layout, preview and report; returns whether to keep only the valid rows."""
    parsed = upload.parsed
    if parsed is not None:
        st.text(
            f"Layout: {upload.format_label} · table: {upload.table} · {upload.total_rows:,} rows · "
            f"encoding {parsed.encoding} · {parsed.delimiter_name}-separated"
        )
    if upload.used:
        st.caption("Which column of the file feeds which column of the table")
        st.dataframe(
            {"stored as": list(upload.used), "from the file's column": list(upload.used.values())},
            hide_index=True,
        )
    if upload.microdata is not None:  # a respondent file: show what would be stored
        st.caption("What will be stored")
        st.dataframe(upload.preview_converted(10), hide_index=True)
    else:
        st.caption("First rows as read from the file")
        st.dataframe(upload.preview(10), hide_index=True)
    report = upload.report
    for note in report.notes:
        st.text(f"Note: {note}")
    if report.ok:
        if upload.origin is not None and upload.data is not None:  # a reshaped source: say what is stored
            st.success(
                f"Every row passed the checks: the file's {upload.total_rows:,} rows give "
                f"{upload.data.num_rows:,} {upload.table} rows to store."
            )
        else:
            st.success(f"Every row passed the checks: {upload.total_rows:,} rows can be stored.")
        return False
    if report.file_problems:
        st.error("This file cannot be stored as it is.")
        for p in report.file_problems:
            st.text(p)
        return False
    st.error(
        f"{report.rejected_rows:,} of {report.total_rows:,} rows have problems, so the file is refused as a "
        "whole. Row numbers are as in the file (the header is line 1)."
    )
    st.dataframe(report.summary(), hide_index=True)
    if not upload.storable:
        return False
    keep = st.checkbox(f"Store only the {upload.valid.num_rows:,} valid rows", key="upload_skip_invalid")
    st.download_button(
        "Download the rejected rows (CSV)",
        data=upload.rejects_csv(),
        file_name=f"{Path(upload.file_name).stem}-rejected.csv",
        mime="text/csv",
    )
    return bool(keep)


def _coverage_field(upload: Upload) -> tuple[bool, tuple[dt.date, dt.date] | None]:
    """The optional statement of what the file covers; ``(readable, span)``."""
    text = st.text_input(
        "Period the file covers (optional)",
        key=f"upload_coverage_{upload.sha256[:16]}",
        placeholder="e.g. 2020-01:2023-06",
        help="First and last month (or year, or day) for which the file reports every incident of its "
        "countries. Inside that span a month without a row counts as zero; outside, as missing. "
        "Leave empty to use the file's first and last date.",
    )
    if not text.strip():
        return True, None
    try:
        return True, parse_coverage(text)
    except CoverageError as exc:
        st.error(f"Period the file covers: {exc}.")
        return False, None


def _store(
    store_dir: Path,
    upload: Upload,
    skip_invalid: bool,
    user: str | None = None,
    full_export: bool = False,
    coverage: tuple[dt.date, dt.date] | None = None,
) -> None:
    bar = st.progress(0.9, text="storing")
    try:
        result = Store(store_dir).add(
            upload,
            skip_invalid=skip_invalid,
            progress=_progress_callback(bar),
            user=user,
            full_export=full_export,
            coverage=coverage,
        )
    except StoreError as exc:
        st.session_state[_RESULT] = ("error", str(exc))
    else:
        kind = "success" if result.status == "stored" else "info" if result.ok else "error"
        st.session_state[_RESULT] = (
            kind,
            f"{result.file_name}: {result.rows_stored:,} rows stored, "
            f"{result.duplicates:,} duplicates skipped, {result.rejected:,} rejected"
            + ("" if result.status == "stored" else f" ({result.status})")
            + (
                f"; {result.new:,} new, {result.revised:,} revised, {result.removed:,} removed"
                if result.status == "stored"
                else ""
            )
            + (f". {result.carried_note}" if result.carried else ""),
        )
    finally:
        bar.empty()
    st.session_state.pop(_STATE, None)
    st.session_state.pop(_PREVIEW, None)
    st.session_state.pop(_MAPPING, None)
    st.session_state[_GENERATION] = st.session_state.get(_GENERATION, 0) + 1  # a fresh, empty uploader


def _preview(store: Store, upload: Upload, full: bool, skip: bool) -> dict[str, int]:
    """``store.preview`` of the checked file, kept for this session while the file, the store's
    version and the choices stay the same: comparing a large file with every stored event takes
    seconds, and every click on the page reruns it."""
    key = (store.version(), full, skip)
    held = st.session_state.get(_PREVIEW)
    if held is not None and held[0] is upload and held[1] == key:
        return held[2]
    counts = store.preview(upload, full_export=full, skip_invalid=skip)
    st.session_state[_PREVIEW] = (upload, key, counts)
    return counts


def _full_export_choice(store_dir: Path, upload: Upload, skip: bool) -> bool:
    """Ask whether the file is a full export (pre-ticked when it looks like one) and say what it changes."""
    store = Store(store_dir)
    try:
        earlier = store.full_export_of(upload, skip_invalid=skip)
        full = st.checkbox(
            "This file is a full export of its source for its countries and dates: mark stored events it "
            "no longer lists as removed",
            value=earlier is not None,
            key=f"upload_full_export_{upload.sha256[:16]}",
        )
        counts = _preview(store, upload, full, skip)
    except StoreError as exc:
        st.error(str(exc))
        return False
    st.text(
        f"Storing it: {counts['new']:,} new events, {counts['revised']:,} revised, "
        f"{counts['removed']:,} removed, {counts['duplicates']:,} already stored as they are."
    )
    return full


def render_upload(store_dir: Path, user: str | None = None) -> None:
    """Drop a file, check it, and store it on confirmation (recorded as ``user``'s change)."""
    st.subheader("Add data")
    st.caption(
        "Files from ACLED (events and aggregated tables), UCDP (GED, ACD, battle-related deaths), SIPRI, "
        "MME, ATOP, McManus & Nieman, the World Bank's WGI, UN SDG 16.1.4, survey microdata "
        "(Afrobarometer and other barometers), this tool's own tables or any other layout, as CSV, Excel "
        "workbooks or ZIP archives, "
        f"up to {_limit_mb():,} MB. "
        "A file with problems is refused whole unless you choose to keep only its valid rows; "
        "nothing already stored is ever changed."
    )
    if _RESULT in st.session_state:
        kind, message = st.session_state[_RESULT]
        getattr(st, kind)(message)
    file = st.file_uploader(
        "Drop a file here (CSV, Excel, ZIP, SPSS .sav or Stata .dta)",
        key=f"upload_file_{st.session_state.get(_GENERATION, 0)}",
    )
    if file is None:
        return
    st.session_state.pop(_RESULT, None)
    left, right = st.columns(2)
    choice = left.selectbox("Layout", [*_CHOICES, *(f"Saved mapping: {n}" for n in list_mappings(store_dir))])
    table = right.selectbox(
        "Table", ["auto", *TABLE_NAMES], format_func=lambda t: "Detected" if t == "auto" else t
    )
    try:
        check_size(file.size)
        data = _spool(file)
    except UnreadableFile as exc:
        st.error(str(exc))
        return
    sha256 = hashlib.sha256(data).hexdigest()
    mapping: ColumnMapping | None = None
    fmt = _CHOICES.get(choice, "mapped")
    if choice.startswith("Saved mapping: "):
        mapping = list_mappings(store_dir)[choice.removeprefix("Saved mapping: ")]
    elif fmt in ("mapped", "auto"):
        mapping = _form_mapping(sha256)
    member = None
    members = data_members(data) if is_zip(data[:65536]) else []
    if len(members) > 1:
        member = st.selectbox(
            "This archive holds several data files: which one?", members, key="upload_member"
        )
    try:
        upload = _prepared(
            data, sha256, file.name, table, fmt if mapping is None else "mapped", mapping, member
        )
    except UnreadableFile as exc:
        st.error(str(exc))
        return
    if upload.format in ("unknown", "mapped") and not choice.startswith("Saved mapping: "):
        columns = upload.parsed.columns if upload.parsed is not None else []
        _mapping_form(store_dir, upload, columns, upload.table if table == "auto" else table)
    _perception_questions(upload)
    if upload.format == "survey_microdata":
        survey_picker.render(store_dir, upload, sha256)
    skip = _show_check(upload)
    readable, stated = _coverage_field(upload)
    checked = upload.report.ok or (skip and upload.storable)
    can_store = checked and readable
    n = (
        upload.valid.num_rows
        if skip
        else upload.data.num_rows
        if upload.data is not None
        else upload.total_rows
    )
    full = _full_export_choice(store_dir, upload, skip) if checked else False
    if st.button(f"Store {n:,} rows", type="primary", disabled=not can_store, key="upload_confirm"):
        _store(store_dir, upload, skip, user, full, stated)
        st.rerun()


def render_batches(store_dir: Path, *, user: str | None = None, editable: bool = True) -> None:
    """The batches in the store with their provenance (and what each added, revised and removed),
    with withdraw/restore buttons when ``editable`` (changes recorded as ``user``'s)."""
    store = Store(store_dir)
    try:
        sources = store.sources()
    except StoreError as exc:
        st.error(str(exc))
        return
    st.subheader("Batches in your data store")
    if sources.empty:
        st.caption(
            f"The store {store_dir} holds no data yet; the dashboard shows the illustrative sample data."
        )
        return
    shown = sources.drop(columns=["sha256"]).assign(sha256=sources["sha256"].str[:12])
    st.dataframe(shown, hide_index=True)
    if not editable:
        return
    records = sources.to_dict("records")
    older, newest = records[:-_NEWEST_BATCHES], records[-_NEWEST_BATCHES:]
    if older:
        # drawn only while open: a store with a long history keeps its page quick
        with st.expander(f"{len(older):,} earlier batches", key="older-batches", on_change="rerun") as box:
            if box.open:
                for b in older:
                    _batch_row(store, b, user)
    for b in newest:
        _batch_row(store, b, user)


def _batch_row(store: Store, b: dict[str, object], user: str | None) -> None:
    """One batch with its Withdraw (or Restore) button."""
    label = f"{b['file_name']} ({b['table']}, {b['rows_stored']:,} rows, {b['ingested_at']})"
    cols = st.columns([4, 1])
    cols[0].text(("[withdrawn] " if b["withdrawn"] else "") + label)
    verb = "Restore" if b["withdrawn"] else "Withdraw"
    if cols[1].button(verb, key=f"batch_{verb.lower()}_{b['batch_id']}"):
        try:
            if b["withdrawn"]:
                store.restore(str(b["batch_id"]), user=user)
            else:
                store.withdraw(str(b["batch_id"]), user=user)
        except StoreError as exc:
            st.session_state[_RESULT] = ("error", str(exc))
        else:
            st.session_state[_RESULT] = (
                "info",
                f"{b['file_name']}: {verb.lower()}{'d' if verb == 'Restore' else 'n'}.",
            )
        st.rerun()


def render(store_dir: Path, user: str | None = None) -> None:
    """The whole upload workflow for the store at ``store_dir``: add data, then the list of batches.

    ``user`` (the signed-in editor) is recorded with every change; None records the login name."""
    render_upload(store_dir, user)
    render_batches(store_dir, user=user)


__all__ = ["render", "render_batches", "render_upload"]
