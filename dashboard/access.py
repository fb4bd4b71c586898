"""Who may change the data: the editors file, password checks and the roles (no Streamlit here).

Sign-in is on when the dashboard is given an editors file (``stability dashboard --editors FILE``,
or ``$STABILITY_EDITORS``). The file is TOML; its ``[auth]`` section (so it can also be the
``[auth]`` section of a larger config file) lists people with a bcrypt password hash and a role::

    [auth.users.amina]
    password = "$2b$12$..."      # from `stability dashboard --hash-password`
    role = "editor"              # "editor" or "viewer"

Roles: with sign-in on, anyone may browse and export (a *viewer*); only a signed-in *editor* may
upload, map, withdraw, restore or clear the shared caches, and each change records the editor's
name. Without an editors file the app is a local single-user tool: whoever runs it edits.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

import bcrypt

__all__ = [
    "EDITORS_ENV",
    "LOCAL_HOSTS",
    "Account",
    "check_password",
    "hash_password",
    "load_accounts",
]

EDITORS_ENV = "STABILITY_EDITORS"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
ROLES = ("editor", "viewer")


@dataclass(frozen=True)
class Account:
    """A person who may sign in: name, bcrypt hash, role (``editor`` or ``viewer``)."""

    name: str
    password_hash: str
    role: str


def hash_password(password: str) -> str:
    """A bcrypt hash (cost 12) of ``password`` for the editors file."""
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(rounds=12)).decode("ascii")


def load_accounts(path: str | os.PathLike[str]) -> dict[str, Account]:
    """The accounts of an editors file; ``ValueError`` in one sentence when it cannot be used."""
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ValueError(f"editors file not found: {p}") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"editors file {p} is not a TOML file: {exc}") from exc
    users = (data.get("auth") or {}).get("users")
    if not isinstance(users, dict) or not users:
        raise ValueError(f"editors file {p} has no [auth.users.NAME] entries")
    out: dict[str, Account] = {}
    for name, entry in users.items():
        if not isinstance(entry, dict):
            raise ValueError(f"editors file {p}: [auth.users.{name}] must be a table")
        hashed = str(entry.get("password") or "")
        role = str(entry.get("role") or "viewer")
        if not hashed.startswith(("$2a$", "$2b$", "$2y$")):
            raise ValueError(
                f"editors file {p}: the password of '{name}' is not a bcrypt hash "
                "(make one with `stability dashboard --hash-password`)"
            )
        if role not in ROLES:
            raise ValueError(
                f"editors file {p}: the role of '{name}' must be 'editor' or 'viewer', not '{role}'"
            )
        out[str(name)] = Account(str(name), hashed, role)
    return out


def check_password(accounts: dict[str, Account], name: str, password: str) -> Account | None:
    """The account when ``name`` and ``password`` match one, else None (same work either way)."""
    account = accounts.get(name.strip())
    hashed = account.password_hash if account else "$2b$12$" + "." * 53
    try:
        ok = bcrypt.checkpw(password.encode("utf-8"), hashed.encode("ascii"))
    except ValueError:
        ok = False
    return account if ok and account is not None else None
