"""``stability export`` (one chart as an image or a data file) and ``stability brief`` (the briefing
pack as PowerPoint or PDF), for briefings produced on a schedule without a browser.

Both read the same store and regions as ``stability metrics``; images need Chromium (Debian's
``chromium`` package). Any error prints one line to standard error and exits non-zero.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from stability.cli import CliError, note_sample, period_arg, require_store

IMAGE_FORMATS = ("png", "svg", "pdf")
DATA_FORMATS = ("csv", "xlsx")
BRIEF_SUFFIXES = (".pptx", ".pdf")


def _window(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"window must be a whole number of months, not '{value}'") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"window must be at least 1 month (got {n})")
    return n


def _data_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--region", help="the region, by name")
    p.add_argument(
        "--start",
        type=period_arg,
        metavar="YYYY-MM",
        help="first month (default: 10 years before the end of the conflict data)",
    )
    p.add_argument(
        "--end",
        type=period_arg,
        metavar="YYYY-MM",
        help="last month (default: the last month of the conflict data)",
    )
    p.add_argument(
        "--store", metavar="DIR", help="data store (default: $STABILITY_STORE, else the sample data)"
    )
    p.add_argument(
        "--regions", metavar="FILE", help="CSV with columns region,iso3 replacing the bundled regions"
    )


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "export",
        help="write one chart as PNG, SVG or PDF, or the data behind it as CSV or XLSX",
        description="Write one chart of the dashboard as an image, or its data with a metadata block. "
        "`stability export --list` prints the chart names.",
    )
    p.add_argument("--list", action="store_true", help="print the chart names, one per line, and stop")
    p.add_argument("--chart", metavar="NAME", help="the chart, by name (see --list)")
    _data_arguments(p)
    p.add_argument(
        "--format", choices=[*IMAGE_FORMATS, *DATA_FORMATS], help="file format (default: from --out)"
    )
    p.add_argument("--out", metavar="FILE", help="the file to write; its extension must match --format")
    p.set_defaults(handler=run_export)


def register_brief(sub: argparse._SubParsersAction) -> None:
    b = sub.add_parser(
        "brief",
        help="write the briefing pack of a region as PowerPoint (.pptx) or PDF",
        description="Write a briefing pack: a title slide, one slide per indicator family with its chart "
        "and three findings from the numbers, the composite index, sources and methods; with --milestone "
        "an evaluation slide.",
    )
    _data_arguments(b)
    b.add_argument(
        "--milestone", type=period_arg, metavar="YYYY-MM", help="add an evaluation around this month"
    )
    b.add_argument("--label", help="what happened at the milestone, e.g. 'defence pact signed'")
    b.add_argument(
        "--window", type=_window, default=12, metavar="N", help="evaluation window in months (default 12)"
    )
    b.add_argument("--out", metavar="FILE", help="FILE.pptx or FILE.pdf")
    b.set_defaults(handler=run_brief)


def _images_error(exc: Exception) -> CliError:
    from reports.export.render import ChromiumMissing

    if isinstance(exc, ChromiumMissing):
        return CliError(str(exc))
    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return CliError(f"the chart image could not be drawn: {first}")


def run_export(args: argparse.Namespace) -> int:
    from reports.export.catalog import chart_catalog

    if args.list:
        for spec in chart_catalog():
            print(f"{spec.name} {spec.description}")
        return 0
    missing = [
        flag
        for flag, value in (("--chart", args.chart), ("--region", args.region), ("--out", args.out))
        if not value
    ]
    if missing:
        raise CliError(f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} required (or --list)", 2)
    out = Path(args.out)
    suffix = out.suffix.lower().lstrip(".")
    fmt = args.format or suffix
    if fmt not in (*IMAGE_FORMATS, *DATA_FORMATS):
        raise CliError(f"--out must end in one of .png, .svg, .pdf, .csv, .xlsx (got '{out.name}')", 2)
    if suffix != fmt:
        raise CliError(f"--out must end in .{fmt} for --format {fmt} (got '{out.name}')", 2)

    from datasets.bundle import load_bundle
    from reports.compute import Frames, provenance_text
    from reports.export.catalog import chart_about, get_chart, selection_for

    spec = get_chart(args.chart)  # an unknown chart fails before any data is read
    if fmt in IMAGE_FORMATS:
        from reports.export.render import prestart

        prestart()  # Chromium starts while the data are read and computed
    require_store(args.store)
    bundle = load_bundle(args.store, args.regions)
    frames = Frames(bundle)
    sel = selection_for(frames, args.region, args.start, args.end)
    chart = spec.make(frames, sel)
    if fmt in IMAGE_FORMATS:
        from reports.export.render import render_image

        try:
            payload = render_image(chart.figure, fmt)
        except (RuntimeError, TimeoutError) as exc:
            raise _images_error(exc) from None
    else:
        from reports.export.tables import export_table

        payload = export_table(chart.table, chart_about(chart, sel, provenance_text(bundle)), fmt)
    out.write_bytes(payload)
    note_sample(bundle)
    print(f"wrote {out} ({spec.name}, {sel.region}, {sel.start} to {sel.end}, {len(payload):,} bytes)")
    return 0


def run_brief(args: argparse.Namespace) -> int:
    missing = [flag for flag, value in (("--region", args.region), ("--out", args.out)) if not value]
    if missing:
        raise CliError(f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} required", 2)
    out = Path(args.out)
    if out.suffix.lower() not in BRIEF_SUFFIXES:
        raise CliError(f"--out must end in .pptx or .pdf (got '{out.name}')", 2)
    if args.label and not args.milestone:
        raise CliError("--label needs --milestone", 2)

    from datasets.bundle import load_bundle
    from reports.export.brief import briefing_pack, write_pack
    from reports.export.render import prestart

    prestart()
    require_store(args.store)
    bundle = load_bundle(args.store, args.regions)
    try:
        pack = briefing_pack(
            bundle,
            args.region,
            args.start,
            args.end,
            milestone=args.milestone,
            label=args.label,
            window=args.window,
        )
    except (RuntimeError, TimeoutError) as exc:
        raise _images_error(exc) from None
    payload = write_pack(pack, out.suffix.lower().lstrip("."))
    out.write_bytes(payload)
    note_sample(bundle)
    what = f"{pack.region}, {pack.start} to {pack.end}, {len(pack.slides)} slides"
    print(f"wrote {out} ({what}, {len(payload):,} bytes)")
    return 0
