"""Sign-in for the dashboard: who is using it and whether they may change the data.

The accounts come from the editors file named by ``$STABILITY_EDITORS`` (``dashboard.access``);
without one, sign-in is off and the app behaves as a local single-user tool. The signed-in
account is kept in this browser session only (``st.session_state``), never shared.
"""

from __future__ import annotations

import os
import sys

import streamlit as st

from dashboard.access import EDITORS_ENV, LOCAL_HOSTS, Account, check_password, load_accounts

_KEY = "signed_in_account"
_warned: list[bool] = []


def warn_if_exposed() -> None:
    """Once per server process: a warning on standard error when the app is bound to an address other
    machines can reach and sign-in is off (however the app was started)."""
    if _warned:
        return
    _warned.append(True)
    address = str(st.get_option("server.address") or "0.0.0.0")
    if address not in LOCAL_HOSTS and not enabled():
        print(
            f"warning: the dashboard is reachable from other machines ({address}) without sign-in: anyone "
            f"who can open it can change the data; set {EDITORS_ENV} to an editors file to turn sign-in on",
            file=sys.stderr,
            flush=True,
        )


def enabled() -> bool:
    """Whether sign-in is on (an editors file was given)."""
    return bool(os.environ.get(EDITORS_ENV))


def _accounts() -> dict[str, Account]:
    try:
        return load_accounts(os.environ[EDITORS_ENV])
    except ValueError as exc:  # fail closed: nobody can change the data
        st.error(f"Sign-in is unavailable: {exc}")
        return {}


def current() -> Account | None:
    """The account signed in in this browser session, if any."""
    held = st.session_state.get(_KEY)
    return held if isinstance(held, Account) else None


def can_edit() -> bool:
    """Whether this session may upload, map, withdraw, restore and clear caches."""
    if not enabled():
        return True
    account = current()
    return account is not None and account.role == "editor"


def user() -> str | None:
    """The name to record for a change: the signed-in editor, or None (the login name) without sign-in."""
    account = current()
    return account.name if enabled() and account is not None else None


def render() -> None:
    """The sign-in form, or who is signed in with a sign-out button (nothing when sign-in is off)."""
    if not enabled():
        return
    account = current()
    if account is not None:
        left, right = st.columns([4, 1])
        left.caption(f"Signed in as {account.name} ({account.role}).")
        if right.button("Sign out", key="signin_out"):
            st.session_state.pop(_KEY, None)
            st.rerun()
        return
    with (
        st.expander("Sign in (editors add and withdraw data)"),
        st.form("signin_form", clear_on_submit=True),
    ):
        name = st.text_input("Name", key="signin_name")
        password = st.text_input("Password", type="password", key="signin_password")
        if st.form_submit_button("Sign in"):
            found = check_password(_accounts(), name, password)
            if found is None:
                st.error("That name and password do not match an account.")
            else:
                st.session_state[_KEY] = found
                st.rerun()
