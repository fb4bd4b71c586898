"""``stability dashboard``: start the Streamlit app headless and print its URL."""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
from pathlib import Path

import dashboard


def _free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("dashboard", help="start the dashboard in the background of a browser tab")
    p.add_argument(
        "--store", metavar="DIR", help="data store (default: $STABILITY_STORE, else the sample data)"
    )
    p.add_argument("--port", type=int, default=8501, help="port (default 8501)")
    p.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default 127.0.0.1, this machine only)"
    )
    p.add_argument(
        "--regions", metavar="FILE", help="CSV with columns region,iso3 replacing the bundled regions"
    )
    p.set_defaults(handler=run)


def command(args: argparse.Namespace) -> list[str]:
    app = Path(dashboard.__file__).with_name("app.py")
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(app),
        "--server.headless=true",
        f"--server.port={args.port}",
        f"--server.address={args.host}",
        "--browser.gatherUsageStats=false",
        "--server.enableStaticServing=true",
        "--server.enableXsrfProtection=true",
        "--global.developmentMode=false",
    ]


def run(args: argparse.Namespace) -> int:
    from stability.cli import CliError

    if not 0 < args.port < 65536:
        raise CliError(f"--port {args.port} is not a valid port number")
    if not _free(args.host, args.port):
        raise CliError(f"port {args.port} on {args.host} is in use; choose another with --port")
    env = dict(os.environ)
    if args.store:
        env["STABILITY_STORE"] = str(Path(args.store).expanduser().resolve())
    elif not env.get("STABILITY_STORE"):
        # uploads from the Data page go to the default store; until it holds a table, that table
        # is the illustrative sample
        from datasets.store import default_store_dir

        env["STABILITY_STORE"] = str(default_store_dir())
    if args.regions:
        env["STABILITY_REGIONS"] = str(Path(args.regions).expanduser().resolve())
    print(f"Regional Stability Monitor: http://{args.host}:{args.port}/  (Ctrl+C to stop)", flush=True)
    print(f"Data store: {env['STABILITY_STORE']}", flush=True)
    proc = subprocess.Popen(command(args), env=env, cwd=str(Path(dashboard.__file__).parent))
    try:
        return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        proc.wait(timeout=10)
        return 0
