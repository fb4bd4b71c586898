"""``stability ingest``, ``sources``, ``withdraw`` and ``restore``: the data store from the command line.

``ingest`` reads each file, checks every row, and stores it as a new batch; a file with any
problem is refused whole (its report on standard error, exit status 2) unless
``--skip-invalid``, and a refused file leaves the store exactly as it was. Re-sending a stored
file, or rows already stored, adds nothing and is not an error.

The store is ``--store DIR``, else ``$STABILITY_STORE``, else the default store in the user's
data directory (``datasets.store.default_store_dir()``); the command says which it used and
how to open the dashboard on it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from datasets.loaders import STORE_ENV

if TYPE_CHECKING:
    from datasets.store import IngestResult

#: Layouts ``--format`` accepts (``datasets.ingest.FORMAT_LABELS`` names them; a test keeps them in step).
_FORMATS = [
    "auto",
    "acled",
    "ucdp",
    "ucdp_acd",
    "ucdp_brd",
    "acled_weekly",
    "acled_monthly",
    "cow_war",
    "canonical",
    "sipri",
    "sipri_classic",
    "mme",
    "mme_long",
    "atop",
    "atop_member",
    "mcmanus_nieman",
    "sdg_national",
    "sdg_global",
    "wgi",
    "wgi_databank",
    "wgi_api",
]
_TABLES = ["auto", "incidents", "collaboration", "perception"]


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "ingest",
        help="check CSV files and add them to the data store",
        description="Check files and add them to the data store: incidents (ACLED events and aggregated "
        "tables, UCDP GED, UCDP/PRIO ACD, UCDP battle-related deaths), collaboration "
        "(SIPRI trade register, MME exercises, ATOP alliances, McManus & Nieman signals), perception "
        "(World Bank WGI; UN SDG 16.1.4) or the canonical tables, as CSV, Excel workbooks or ZIP "
        "archives. The table and layout are detected from the file. A file with problems is refused "
        "whole, with a report, unless --skip-invalid.",
    )
    p.add_argument("files", nargs="+", metavar="FILE", help="CSV file(s) to add")
    p.add_argument(
        "--store",
        metavar="DIR",
        help="data store (default: $STABILITY_STORE, else a store in your user data directory)",
    )
    p.add_argument("--format", choices=_FORMATS, default="auto", help="file layout (default: detected)")
    p.add_argument(
        "--table", choices=_TABLES, default="auto", help="table the file feeds (default: detected)"
    )
    p.add_argument(
        "--regions", metavar="FILE", help="regions CSV; ingest notes stored countries that are in no region"
    )
    p.add_argument(
        "--skip-invalid",
        action="store_true",
        help="store the valid rows of a file with problems; rejected rows go to a rejects CSV in the store",
    )
    p.add_argument("--mapping", metavar="FILE", help="column mapping JSON for a file in any other layout")
    p.add_argument(
        "--country",
        metavar="NAME",
        help="country of a national SDG 16.1.4 file that does not name it (a name or ISO code)",
    )
    p.add_argument(
        "--safe-categories",
        metavar="CODES",
        help="for a file giving a distribution across answer categories: the categories that count as "
        "feeling safe, comma-separated (e.g. 1A,1B); without it no feel_safe value is made",
    )
    p.add_argument(
        "--coverage",
        metavar="START:END",
        help="the span the file covers for its countries, e.g. 2020-01:2023-06 (a month or day with no "
        "row in it is then an observed zero; default: what the source's layout says, else the file's "
        "first to last date)",
    )
    p.add_argument(
        "--earliest",
        metavar="YYYY-MM-DD",
        help="earliest plausible date of the file's rows (default: ACLED 1997-01-01, UCDP 1989-01-01, "
        "UCDP ACD 1946-01-01, ATOP 1815-01-01, other files 1900-01-01); earlier rows are refused",
    )
    p.add_argument(
        "--full-export",
        action="store_true",
        help="each file is a full export of its source for its countries and span of dates: stored events "
        "of that scope the file no longer lists are marked removed (kept in the history)",
    )
    p.add_argument(
        "--preview",
        action="store_true",
        help="say how many events each file would add, revise and remove, without storing anything",
    )
    p.add_argument(
        "--item",
        action="append",
        metavar="ITEM[=INDICATOR]",
        help="survey microdata (.sav, .dta, or a CSV of respondents): a question to use, by variable name or "
        "wording; repeat for several; '=trust_military' etc. says what its share measures when the wording "
        "does not",
    )
    p.add_argument(
        "--safe-answers",
        action="append",
        metavar="ANSWERS",
        help="for each --item, in order: the answers that count, as codes or labels, comma-separated "
        "(e.g. 0 for 'Never' felt unsafe; 2,3 for trusting the army 'Somewhat' or 'A lot')",
    )
    p.add_argument(
        "--survey-mapping",
        metavar="NAME",
        help="survey microdata: use the choice of items saved (on the Data page) for an earlier round, "
        "finding its questions in this file by wording",
    )
    p.add_argument(
        "--weight", metavar="VAR", help="survey microdata: the weight variable (default: found by name)"
    )
    p.add_argument(
        "--year",
        type=int,
        metavar="YYYY",
        help="survey microdata without interview dates: the fieldwork year",
    )
    p.add_argument(
        "--member",
        metavar="NAME",
        help="the data file to read from a ZIP archive that holds several",
    )
    p.add_argument("--user", help="who is uploading (default: your login name)")
    p.add_argument(
        "--no-prepare",
        action="store_true",
        help="do not prepare the dashboard's copy of the incidents now (the dashboard prepares it when "
        "it first opens this version of the data)",
    )
    p.set_defaults(handler=run_ingest)

    c = sub.add_parser(
        "coverage",
        help="list which countries each loaded source covers, from when to when",
        description="One row per source and country: the first and last period the source covers "
        "for it, at the source's time grain. Inside that span a period without a row is an observed "
        "zero; outside it the value is missing. Where two sources cover the same country and months, "
        "one counts (the finer grain, then ACLED, UCDP GED, ACLED aggregated, UCDP BRD, UCDP/PRIO ACD, "
        "COW): a note says which is set aside where.",
    )
    c.add_argument(
        "--store", metavar="DIR", help="data store (default: $STABILITY_STORE, else the bundled sample)"
    )
    c.add_argument("--format", choices=["csv", "json"], default="csv")
    c.add_argument(
        "--as-of",
        metavar="BATCH_ID|DATE|TIME",
        help="the coverage as it was just after that batch, at the end of that day (UTC) or at that time",
    )
    c.set_defaults(handler=run_coverage)

    s = sub.add_parser("sources", help="list the batches in the data store with their provenance")
    s.add_argument(
        "--store", metavar="DIR", help="data store (default: $STABILITY_STORE, else the default store)"
    )
    s.add_argument("--format", choices=["csv", "json"], default="csv")
    s.add_argument(
        "--history",
        action="store_true",
        help="one row per change instead: each ingest (events new, revised, removed), withdrawal and "
        "restoration, with who made it and when",
    )
    s.set_defaults(handler=run_sources)

    m = sub.add_parser(
        "store",
        help="maintain the data store (store migrate: move it onto Delta Lake)",
        description="Maintain the data store.",
    )
    msub = m.add_subparsers(dest="store_command", required=True)
    mg = msub.add_parser(
        "migrate",
        help="convert a store of the Parquet-and-manifest layout to Delta Lake tables, keeping every "
        "batch, its provenance and its history",
    )
    mg.add_argument(
        "--store", metavar="DIR", help="data store (default: $STABILITY_STORE, else the default store)"
    )
    mg.add_argument(
        "--to",
        metavar="DIR|s3://BUCKET/PREFIX",
        help="where to write the Delta Lake store (default: the same folder; the old files are kept)",
    )
    mg.set_defaults(handler=run_migrate)
    pr = msub.add_parser(
        "prepare",
        help="prepare the dashboard's copy of the current incidents (sorted rows and aggregates, "
        "written beside the store) so the dashboard opens in seconds; stability ingest does it too",
    )
    pr.add_argument(
        "--store", metavar="DIR", help="data store (default: $STABILITY_STORE, else the default store)"
    )
    pr.set_defaults(handler=run_prepare)

    for name, verb in (
        ("withdraw", "withdraw a batch (its file is kept)"),
        ("restore", "restore a withdrawn batch"),
    ):
        w = sub.add_parser(name, help=verb)
        w.add_argument("batch_id", metavar="BATCH_ID")
        w.add_argument(
            "--store", metavar="DIR", help="data store (default: $STABILITY_STORE, else the default store)"
        )
        w.set_defaults(handler=run_withdraw if name == "withdraw" else run_restore)


def _store_dir(value: str | None) -> tuple[Path, str]:
    """The store directory and how it was chosen."""
    from datasets.store import default_store_dir

    if value:
        return _location(value), "--store"
    env = os.environ.get(STORE_ENV)
    if env:
        return _location(env), f"${STORE_ENV}"
    return default_store_dir(), "default"


def _location(value: str) -> Path:
    """A store folder, or an ``s3://`` URL kept as it is (``Path`` would fold its ``//``)."""
    return value if value.startswith("s3://") else Path(value).expanduser()  # type: ignore[return-value]


def _items(items: list[str], answers: list[str]) -> list:  # list[ItemChoice]
    """``--item``/``--safe-answers`` pairs (in order) as ``ItemChoice``; one sentence when unpaired."""
    from datasets.ingest import ItemChoice
    from stability.cli import CliError

    if len(items) != len(answers):
        raise CliError(
            f"give --safe-answers once for each --item ({len(items)} item(s), {len(answers)} --safe-answers)"
        )
    out = []
    for item, ans in zip(items, answers, strict=True):
        name, _, indicator = item.partition("=") if "=" in item and not item.endswith("=") else (item, "", "")
        out.append(
            ItemChoice(
                name.strip(), tuple(a.strip() for a in ans.split(",") if a.strip()), indicator.strip() or None
            )
        )
    return out


def _saved_items(path: Path, saved: dict[str, object], weight: str | None) -> tuple[list, str | None]:
    """The items of a saved survey mapping found in the file at ``path`` by wording, and its weight."""
    from datasets.ingest import UnreadableFile, read_file
    from datasets.ingest.survey import apply_survey_mapping, is_microdata, read_microdata
    from stability.cli import CliError

    try:
        data = read_file(path)
        if not is_microdata(bytes(data[:16])):
            raise UnreadableFile("--survey-mapping reads SPSS (.sav) and Stata (.dta) survey files only")
        md = read_microdata(data, path.name)
    except UnreadableFile as exc:
        raise CliError(f"{path.name}: {exc}") from exc
    items, missing = apply_survey_mapping(md, saved)
    if missing:
        raise CliError(f"{path.name} has no question worded: {'; '.join(missing)}")
    w = weight or saved.get("weight")
    return items, (str(w) if w and str(w) in md.frame.columns else weight)


def run_ingest(args: argparse.Namespace) -> int:
    from datasets.ingest import UnreadableFile, load_mapping, prepare, read_file
    from datasets.store import Store, StoreError
    from stability.cli import CliError

    root, how = _store_dir(args.store)
    store = Store(root)
    stated, earliest = _coverage_options(args)
    mapping = load_mapping(args.mapping) if args.mapping else None
    fmt = args.format
    if mapping is not None and fmt == "auto":
        fmt = "mapped"
    safes = (
        [c.strip() for c in args.safe_categories.split(",") if c.strip()] if args.safe_categories else None
    )
    items = _items(args.item or [], args.safe_answers or [])
    refused = 0
    stored_any = incidents_changed = False
    saved = None
    if args.survey_mapping:
        from datasets.ingest.survey import list_survey_mappings

        saved = list_survey_mappings(root).get(args.survey_mapping)
        if saved is None:
            known = ", ".join(list_survey_mappings(root)) or "none saved"
            raise CliError(f"no saved survey mapping named '{args.survey_mapping}' in the store ({known})")
    for f in args.files:
        path = Path(f)
        if saved is not None:
            items, weight = _saved_items(path, saved, args.weight)
        else:
            weight = args.weight
        try:
            upload = prepare(
                read_file(path),
                path.name,
                table=args.table,
                format=fmt,
                mapping=mapping,
                country=args.country,
                safe_categories=safes,
                earliest=earliest,
                member=args.member,
                items=items,
                weight=weight,
                survey_year=args.year,
            )
        except UnreadableFile as exc:
            print(f"{path.name}: refused, nothing was stored. {exc}", file=sys.stderr)
            refused += 1
            continue
        try:
            if args.preview:
                refused += 0 if _preview(store, upload, args) else 1
                continue
            skip = args.skip_invalid
            earlier = None if args.full_export else store.full_export_of(upload, skip_invalid=skip)
            result = store.add(
                upload,
                skip_invalid=args.skip_invalid,
                user=args.user,
                full_export=args.full_export,
                coverage=stated,
                count_unlisted=earlier is not None,
            )
        except StoreError as exc:
            raise CliError(str(exc)) from exc
        if result.status == "refused":
            print(result.message, file=sys.stderr)
            refused += 1
            continue
        stored_any = stored_any or result.status == "stored"
        incidents_changed = incidents_changed or (result.status == "stored" and result.table == "incidents")
        note = {
            "stored": f" (batch {result.batch_id})",
            "already stored": " (this file is already stored; nothing added)",
            "nothing new": " (every row is already stored; nothing added)",
        }[result.status]
        print(
            f"{path.name}: {result.table}, {result.format_label}: {result.rows_stored} rows stored, "
            f"{result.duplicates} duplicates skipped, {result.rejected} rows rejected; "
            f"{result.new} new, {result.revised} revised, {result.removed} removed{note}"
        )
        if result.status == "stored" and not args.full_export:
            _note_full_export(result, earlier)
        for note in upload.report.notes:
            print(f"  note: {note}")
        if result.carried:
            print(f"  note: {result.carried_note}")
        if result.rejects_path is not None:
            print(f"  rejected rows written to {result.rejects_path}")
        if args.regions and result.status == "stored":
            _note_regions(store, result.batch_id, args.regions)
    if stored_any and not args.no_prepare and incidents_changed:
        _prepare(root)
    where = f"data store: {root}"
    if how != "--store":
        where += f" (chosen by {how})" if how != "default" else " (the default store)"
    print(where, file=sys.stderr if not stored_any else sys.stdout)
    if stored_any and how != f"${STORE_ENV}":
        print(f"to view it: stability dashboard --store {root}   (or set {STORE_ENV}={root})")
    return 2 if refused else 0


def _coverage_options(args: argparse.Namespace) -> tuple[tuple[dt.date, dt.date] | None, dt.date | None]:
    """``--coverage`` and ``--earliest`` read; ``CliError`` (exit 2) with one sentence when unreadable."""
    from datasets.coverage import CoverageError, parse_coverage
    from stability.cli import CliError

    stated = None
    if args.coverage:
        try:
            stated = parse_coverage(args.coverage)
        except CoverageError as exc:
            raise CliError(f"--coverage: {exc}", 2) from exc
    earliest = None
    if args.earliest:
        try:
            earliest = dt.date.fromisoformat(args.earliest.strip())
        except ValueError as exc:
            raise CliError(f"--earliest: '{args.earliest}' is not a date in the form YYYY-MM-DD", 2) from exc
    return stated, earliest


def run_coverage(args: argparse.Namespace) -> int:
    """Print the coverage table (``datasets.coverage.load_coverage``) as CSV or JSON."""
    from datasets.coverage import COVERAGE_COLUMNS, load_coverage
    from datasets.precedence import overlap_notes
    from stability.cli import require_store

    require_store(args.store)
    full = load_coverage(args.store, as_of=args.as_of)
    frame = full.loc[:, list(COVERAGE_COLUMNS)]
    if args.format == "csv":
        frame.to_csv(sys.stdout, index=False, lineterminator="\n")
    else:
        frame.to_json(sys.stdout, orient="records", force_ascii=False)
        sys.stdout.write("\n")
    for note in overlap_notes(full):  # where two sources cover the same months, one counts
        print(f"note: {note}", file=sys.stderr)
    return 0


def _preview(store: object, upload: object, args: argparse.Namespace) -> bool:
    """Print what storing ``upload`` would do (``--preview``); nothing is stored. False when refused."""
    if upload.data is None or (not upload.report.ok and not args.skip_invalid):  # type: ignore[attr-defined]
        print(upload.report.to_text(), file=sys.stderr)  # type: ignore[attr-defined]
        return False
    c = store.preview(upload, full_export=args.full_export, skip_invalid=args.skip_invalid)  # type: ignore[attr-defined]
    print(
        f"{upload.file_name}: would store {c['new']} new and {c['revised']} revised events, "  # type: ignore[attr-defined]
        f"remove {c['removed']}, skip {c['duplicates']} duplicates (preview; nothing stored)"
    )
    return True


def _note_full_export(result: IngestResult, earlier: dict[str, object] | None) -> None:
    """Say when a stored file looks like a newer full export, and what ``--full-export`` would
    remove (``IngestResult.unlisted``, counted while the file was stored)."""
    gone = result.unlisted
    if earlier is None or not gone:
        return
    print(
        f"  note: this file looks like a newer full export of batch {earlier['id']}; {gone} stored "
        "events of that scope are not in it. Ingest it again with --full-export to mark them removed."
    )


def _note_regions(store: object, batch_id: str | None, regions_path: str) -> None:
    from datasets.loaders import load_regions

    regions = load_regions(regions_path)
    members = set(regions["iso3"])
    for b in store.batches():  # type: ignore[attr-defined]
        if b["id"] == batch_id:
            outside = [c for c in b.get("countries", []) if c not in members]
            if outside:
                print(
                    f"  note: {len(outside)} stored country code(s) are in no region of {regions_path}: "
                    f"{', '.join(outside)}"
                )


def run_sources(args: argparse.Namespace) -> int:
    from datasets.store import Store
    from stability.cli import require_store

    require_store(args.store)
    root, _how = _store_dir(args.store)
    store = Store(root)
    frame = store.history() if args.history else store.sources()
    if args.format == "csv":
        frame.to_csv(sys.stdout, index=False, lineterminator="\n")
    else:
        frame.to_json(sys.stdout, orient="records", force_ascii=False)
        sys.stdout.write("\n")
    return 0


def _set(args: argparse.Namespace, withdraw: bool) -> int:
    from datasets.store import Store, StoreError
    from stability.cli import CliError, require_store

    require_store(args.store)
    root, _how = _store_dir(args.store)
    store = Store(root)
    try:
        record = store.withdraw(args.batch_id) if withdraw else store.restore(args.batch_id)
    except StoreError as exc:
        raise CliError(str(exc), 2) from exc
    state = "withdrawn" if record.get("withdrawn") else "active"
    print(f"batch {record['id']} ({record.get('file_name')}, {record.get('table')}) is now {state}")
    return 0


def _prepare(root: Path | str) -> bool:
    """Prepare the store's incidents for the dashboard (``metrics.prepared``), saying how long it
    took; a failure is a note (the dashboard prepares them later), never a failed ingest."""
    import time

    from metrics.prepared import prepare

    started = time.perf_counter()
    try:
        folder = prepare(root)
    except Exception as exc:  # noqa: BLE001 (a cache: the data are stored whatever happens here)
        print(
            f"  note: the dashboard's copy of the incidents was not prepared ({exc}); "
            "the dashboard prepares it when it opens",
            file=sys.stderr,
        )
        return False
    if folder is not None:
        print(f"prepared the incidents for the dashboard in {time.perf_counter() - started:.1f} s")
    return True


def run_prepare(args: argparse.Namespace) -> int:
    root, _how = _store_dir(args.store)
    if not _prepare(root):
        return 1
    return 0


def run_migrate(args: argparse.Namespace) -> int:
    from datasets.store import StoreError
    from datasets.store_delta import migrate
    from stability.cli import CliError

    root, _how = _store_dir(args.store)
    if not str(root).startswith("s3://") and not (Path(root) / "manifest.json").is_file():
        raise CliError(f"there is no store to migrate at {root} (no manifest.json)", 2)
    try:
        new = migrate(root, _location(args.to) if args.to else None)
    except StoreError as exc:
        raise CliError(str(exc), 2) from exc
    batches = new.batches()
    print(f"migrated {len(batches)} batches to Delta Lake at {new.uri}")
    return 0


def run_withdraw(args: argparse.Namespace) -> int:
    return _set(args, True)


def run_restore(args: argparse.Namespace) -> int:
    return _set(args, False)
