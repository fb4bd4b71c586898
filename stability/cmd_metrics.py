"""``stability metrics``: print the tidy indicator table."""

from __future__ import annotations

import argparse
import sys

import pandas as pd

from datasets.bundle import load_bundle
from stability.cli import note_sample, period_arg, print_table


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("metrics", help="print indicators per region and period as CSV or JSON")
    p.add_argument(
        "--family",
        choices=["conflict", "collaboration", "perception", "composite"],
        help="one indicator family (default: all)",
    )
    p.add_argument("--region", help="one region by name (default: every region)")
    p.add_argument(
        "--regions", metavar="FILE", help="CSV with columns region,iso3 replacing the bundled regions"
    )
    p.add_argument("--start", type=period_arg, metavar="YYYY-MM", help="first month")
    p.add_argument("--end", type=period_arg, metavar="YYYY-MM", help="last month")
    p.add_argument(
        "--store", metavar="DIR", help="data store (default: $STABILITY_STORE, else the sample data)"
    )
    p.add_argument(
        "--as-of",
        metavar="BATCH_ID|TIME",
        help="the numbers as they were just after that batch was stored, or at that date "
        "(YYYY-MM-DD, end of day UTC) or time (ISO 8601); see `stability sources --history`",
    )
    p.add_argument("--format", choices=["csv", "json"], default="csv")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from metrics.indicators import FAMILIES, compute_indicators
    from metrics.provenance import tidy_provenance
    from stability.cli import require_store

    require_store(args.store)
    ctx = load_bundle(args.store, args.regions, as_of=args.as_of)
    names = None
    if args.region is not None:
        names = [ctx.require_region(args.region)]
    families = [args.family] if args.family else list(FAMILIES)
    table = compute_indicators(
        ctx.incidents.table,
        ctx.collaboration.table,
        ctx.perception.table,
        ctx.regions,
        families=families,
        region_names=names,
        start=args.start,
        end=args.end,
        coverage=ctx.coverage if not ctx.coverage.empty else None,
    )
    table = tidy_provenance(table, {f: ctx.provenance(f) for f in FAMILIES})
    if "composite" in families:  # which goalposts scaled the index rows
        from datasets.loaders import load_goalposts
        from metrics.composite import goalposts_method

        method = goalposts_method(load_goalposts())
        table = table.assign(method=table["family"].map({"composite": method}).fillna(""))
    if "conflict" in families and table["region"].nunique() > 1:  # trend flags of many regions at once
        from metrics.signals import ACROSS_REGIONS, trends_across_regions_rows

        across = trends_across_regions_rows(table)
        if not across.empty:
            table = pd.concat([table, across], ignore_index=True)
            regions = table["region"].nunique()
            print(
                f"note: {ACROSS_REGIONS}: the downward trend read across the {regions} regions output, "
                "period by period (Benjamini–Hochberg, q = 0.10): across the regions shown, at most "
                "about 1 in 10 flags is expected to be a false discovery",
                file=sys.stderr,
            )
    note_sample(ctx)
    print_table(table, args.format)
    return 0
