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
    p.add_argument(
        "--editors",
        metavar="FILE",
        help="turn on sign-in: a TOML file whose [auth.users.NAME] entries give each person a bcrypt "
        "password hash and a role (editor or viewer); only editors change the data",
    )
    p.add_argument(
        "--hash-password",
        action="store_true",
        help="ask for a password and print its bcrypt hash for the editors file, then exit",
    )
    p.set_defaults(handler=run)


#: Environment of the server process (a value already set in the environment wins). Two malloc
#: arenas instead of eight per core for the page threads of every session, and Arrow's jemalloc
#: allocator instead of its default (mimalloc, which keeps what each page thread freed): a server's
#: memory grows less with the number of sessions (``benchmarks/README.md``, "Many users"; where
#: pyarrow is built without jemalloc, Arrow keeps its default).
SERVER_ENVIRONMENT: dict[str, str] = {"MALLOC_ARENA_MAX": "2", "ARROW_DEFAULT_MEMORY_POOL": "jemalloc"}


def server_environment(base: dict[str, str]) -> dict[str, str]:
    """``base`` with ``SERVER_ENVIRONMENT``'s variables added where ``base`` does not set them."""
    return {**SERVER_ENVIRONMENT, **base}


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
    from dashboard.access import EDITORS_ENV, LOCAL_HOSTS, hash_password, load_accounts
    from stability.cli import CliError

    if args.hash_password:
        import getpass

        password = getpass.getpass("Password: ") if sys.stdin.isatty() else sys.stdin.readline().rstrip("\n")
        if not password:
            raise CliError("no password given")
        print(hash_password(password))
        return 0
    if not 0 < args.port < 65536:
        raise CliError(f"--port {args.port} is not a valid port number")
    if not _free(args.host, args.port):
        raise CliError(f"port {args.port} on {args.host} is in use; choose another with --port")
    env = server_environment(dict(os.environ))
    if args.store and args.store.startswith("s3://"):
        env["STABILITY_STORE"] = args.store
    elif args.store:
        env["STABILITY_STORE"] = str(Path(args.store).expanduser().resolve())
    elif not env.get("STABILITY_STORE"):
        # uploads from the Data page go to the default store; until it holds a table, that table
        # is the illustrative sample
        from datasets.store import default_store_dir

        env["STABILITY_STORE"] = str(default_store_dir())
    if args.regions:
        env["STABILITY_REGIONS"] = str(Path(args.regions).expanduser().resolve())
    if args.editors:
        editors = Path(args.editors).expanduser().resolve()
        accounts = load_accounts(editors)  # a broken file stops here, in one sentence
        env[EDITORS_ENV] = str(editors)
        print(
            f"Sign-in on: {sum(a.role == 'editor' for a in accounts.values())} editor(s) may change the data",
            flush=True,
        )
    if args.host not in LOCAL_HOSTS and not env.get(EDITORS_ENV):
        print(
            f"warning: the dashboard is reachable from other machines ({args.host}) without sign-in: anyone "
            "who can open it can change the data; give --editors FILE to turn sign-in on",
            file=sys.stderr,
            flush=True,
        )
    print(f"Regional Stability Monitor: http://{args.host}:{args.port}/  (Ctrl+C to stop)", flush=True)
    print(f"Data store: {env['STABILITY_STORE']}", flush=True)
    proc = subprocess.Popen(command(args), env=env, cwd=str(Path(dashboard.__file__).parent))
    try:
        return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        proc.wait(timeout=10)
        return 0
