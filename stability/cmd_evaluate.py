"""``stability evaluate``: did a region become more stable after a milestone? One row per measure."""

from __future__ import annotations

import argparse

from stability.cli import CliError, note_sample, period_arg, print_table


def _window(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"window must be a whole number of months, not '{value}'") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"window must be at least 1 month (got {n})")
    return n


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "evaluate",
        help="evaluate a region around a milestone (rate ratios, DiD, placebo, lead-lag)",
    )
    p.add_argument("--region", required=True, help="the region to evaluate, by name")
    p.add_argument("--milestone", required=True, type=period_arg, metavar="YYYY-MM", help="milestone month")
    p.add_argument("--label", help="what happened at the milestone, e.g. 'defence pact signed'")
    p.add_argument(
        "--window",
        type=_window,
        default=12,
        metavar="N",
        help="months before and after the milestone (default 12)",
    )
    p.add_argument(
        "--compare",
        nargs="+",
        action="extend",
        metavar="REGION",
        help="comparison regions (default: the other regions of the same grouping without a milestone of "
        "their own in the windows)",
    )
    p.add_argument(
        "--regions", metavar="FILE", help="CSV with columns region,iso3 replacing the bundled regions"
    )
    p.add_argument(
        "--store", metavar="DIR", help="data store (default: $STABILITY_STORE, else the sample data)"
    )
    p.add_argument("--format", choices=["csv", "json"], default="csv")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from datasets.bundle import load_bundle
    from metrics.evaluation import evaluate_milestone
    from metrics.provenance import evaluation_provenance, loaded_measures
    from stability.cli import require_store

    require_store(args.store)
    ctx = load_bundle(args.store, args.regions)
    region = ctx.require_region(args.region)
    compare = None
    if args.compare:
        compare = []
        for name in args.compare:
            try:
                compare.append(ctx.require_region(name))
            except ValueError as exc:
                raise CliError(f"--compare: {exc}") from None
        if region in compare:
            raise CliError(f"--compare names the evaluated region '{region}' itself")
    evaluation = evaluate_milestone(
        ctx.incidents.table,
        ctx.collaboration.table,
        ctx.perception.table,
        ctx.regions,
        region=region,
        milestone=args.milestone,
        label=args.label,
        window=args.window,
        compare=compare,
        coverage=ctx.incidents_coverage(),
    )
    # only measures whose families hold data; each row says where its data come from
    table = loaded_measures(evaluation.table(), ctx.loaded_families())
    table = evaluation_provenance(table, {f: ctx.provenance(f) for f in ctx.loaded_families()})
    note_sample(ctx)
    print_table(table, args.format)
    return 0
