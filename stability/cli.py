"""The ``stability`` command line.

Each subcommand prints its result to standard output; any error prints one line to standard error
(``stability: error: …``) and exits non-zero, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from stability import __version__

if TYPE_CHECKING:
    import pandas as pd

    from datasets.bundle import Bundle


class CliError(Exception):
    """An error to report in one line; ``code`` is the exit status."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def require_store(value: str | None) -> None:
    """Refuse (exit 2) a local data store named by ``--store`` (``value``) or ``$STABILITY_STORE``
    whose folder does not exist: a command that reads the store would otherwise show the
    illustrative sample (or nothing) for a mistyped path. An ``s3://`` URL is left to the store."""
    from datasets.loaders import STORE_ENV

    chosen, how = (value, "--store") if value else (os.environ.get(STORE_ENV) or None, f"${STORE_ENV}")
    if not chosen or str(chosen).startswith("s3://"):
        return
    folder = os.path.expanduser(str(chosen))
    if not os.path.isdir(folder):
        what = "is a file, not a folder" if os.path.exists(folder) else "does not exist"
        raise CliError(
            f"there is no data store at {folder} ({how}): the folder {what}. Check the path; "
            "`stability ingest FILE --store DIR` creates a store.",
            2,
        )


def _period(value: str) -> str:
    from metrics.frames import parse_period

    try:
        parse_period(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc
    return value


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2
        self.exit(2, f"{self.prog}: error: {message}\n")


#: subcommand → "module:function" that registers its arguments and returns the handler.
SUBCOMMANDS: dict[str, str] = {
    "metrics": "stability.cmd_metrics:register",
    "dashboard": "stability.cmd_dashboard:register",
    "ingest": "stability.cmd_ingest:register",
    "evaluate": "stability.cmd_evaluate:register",
    "export": "stability.cmd_export:register",
    "brief": "stability.cmd_export:register_brief",
}


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="stability", description="Regional Stability Monitor: indicators per world region.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for target in SUBCOMMANDS.values():
        module, func = target.split(":")
        register: Callable[[argparse._SubParsersAction], None] = getattr(
            importlib.import_module(module), func
        )
        register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except CliError as exc:
        print(f"stability: error: {exc}", file=sys.stderr)
        return exc.code
    except BrokenPipeError:  # output piped into a command that stopped reading (e.g. head)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except (ValueError, OSError) as exc:
        print(f"stability: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("stability: interrupted", file=sys.stderr)
        return 130


def note_sample(bundle: Bundle) -> None:
    """Say on standard error which of the loaded tables are the illustrative sample, and which
    tables hold no data (their families are left out of the composite and the evaluation)."""
    for ds in bundle.datasets:
        if ds.illustrative:
            print(f"note: {ds.name}: {ds.label}", file=sys.stderr)
        elif not ds.loaded:
            print(f"note: {ds.name}: {ds.label}; its family is left out", file=sys.stderr)


def print_table(frame: pd.DataFrame, fmt: str) -> None:
    """Write ``frame`` to standard output as CSV (a header line, then rows) or as JSON records."""
    if fmt == "csv":
        frame.to_csv(sys.stdout, index=False, lineterminator="\n")
    else:
        frame.to_json(sys.stdout, orient="records", force_ascii=False)
        sys.stdout.write("\n")


def period_arg(value: str) -> str:
    """argparse type for ``YYYY-MM``."""
    return _period(value)


if __name__ == "__main__":  # ``python -m stability.cli``: run the imported module, so that the
    # errors the subcommands raise (``stability.cli.CliError``) are the ones ``main`` catches
    from stability.cli import main as _main

    raise SystemExit(_main())
