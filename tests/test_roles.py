"""Roles: with an editors file, viewers browse; only signed-in editors change the data."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.access import check_password, hash_password, load_accounts
from datasets.store import Store
from stability.cli import main

ROOT = Path(__file__).resolve().parents[1]
ACLED = ROOT / "tests" / "fixtures" / "incidents" / "acled_current.csv"


def snapshot(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def editors(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("auth") / "editors.toml"
    path.write_text(
        "[auth.users.amina]\n"
        f'password = "{hash_password("correct horse")}"\n'
        'role = "editor"\n'
        "[auth.users.viktor]\n"
        f'password = "{hash_password("just looking")}"\n'
        'role = "viewer"\n',
        encoding="utf-8",
    )
    return path


def test_passwords_are_hashed_and_checked(editors: Path) -> None:
    accounts = load_accounts(editors)
    assert set(accounts) == {"amina", "viktor"}
    assert "correct horse" not in editors.read_text()
    assert accounts["amina"].password_hash.startswith("$2b$12$")
    assert check_password(accounts, "amina", "correct horse") == accounts["amina"]
    assert check_password(accounts, "amina", "wrong") is None
    assert check_password(accounts, "nobody", "correct horse") is None


def test_a_plain_text_password_is_refused_in_one_sentence(tmp_path: Path) -> None:
    bad = tmp_path / "e.toml"
    bad.write_text('[auth.users.bob]\npassword = "hunter2"\nrole = "editor"\n')
    with pytest.raises(ValueError, match="the password of 'bob' is not a bcrypt hash"):
        load_accounts(bad)
    bad.write_text('[auth.users.bob]\npassword = "$2b$12$abc"\nrole = "admin"\n')
    with pytest.raises(ValueError, match="must be 'editor' or 'viewer', not 'admin'"):
        load_accounts(bad)


def _page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, editors: Path | None) -> tuple[AppTest, Path]:
    store = tmp_path / "store"
    Store(store).ingest(ACLED, user="setup")
    monkeypatch.setenv("STABILITY_STORE", str(store))
    monkeypatch.delenv("STABILITY_REGIONS", raising=False)
    if editors is None:
        monkeypatch.delenv("STABILITY_EDITORS", raising=False)
    else:
        monkeypatch.setenv("STABILITY_EDITORS", str(editors))
    at = AppTest.from_file(str(ROOT / "dashboard" / "views" / "data.py"), default_timeout=60)
    at.run()
    assert not at.exception
    return at, store


def _buttons(at: AppTest) -> list[str]:
    return [b.key or "" for b in at.button]


def _sign_in(at: AppTest, name: str, password: str) -> None:
    at.text_input(key="signin_name").set_value(name)
    at.text_input(key="signin_password").set_value(password)
    at.button[[b.label for b in at.button].index("Sign in")].click().run()
    assert not at.exception


def test_viewer_sees_batches_but_cannot_change_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, editors: Path
) -> None:
    at, store = _page(tmp_path, monkeypatch, editors)
    before = snapshot(store)
    for who in (None, ("viktor", "just looking"), ("amina", "wrong password")):
        if "signin_out" in _buttons(at):
            at.button(key="signin_out").click().run()
        if who is not None:
            _sign_in(at, *who)
        signed = [c.value for c in at.caption if c.value.startswith("Signed in as")]
        assert signed == (["Signed in as viktor (viewer)."] if who and who[0] == "viktor" else [])
        assert len(at.file_uploader) == 0
        assert not [k for k in _buttons(at) if k.startswith(("batch_", "upload_", "clear_caches"))]
        assert any("Sign in as an editor" in i.value for i in at.info)
        assert len(at.dataframe) >= 2  # the batches are listed for everyone
    assert any("do not match" in e.value for e in at.error)
    assert snapshot(store) == before


def test_editor_changes_are_recorded_under_their_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, editors: Path
) -> None:
    at, store = _page(tmp_path, monkeypatch, editors)
    _sign_in(at, "amina", "correct horse")
    assert len(at.file_uploader) == 1 and "clear_caches" in _buttons(at)
    batch = Store(store).batches()[0]
    at.button(key=f"batch_withdraw_{batch['id']}").click().run()
    assert not at.exception
    record = Store(store).batches()[0]
    assert record["withdrawn"] and record["history"][-1]["user"] == "amina"
    at.button(key="signin_out").click().run()
    assert len(at.file_uploader) == 0


def test_without_editors_file_the_local_user_edits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at, _store = _page(tmp_path, monkeypatch, None)
    assert len(at.file_uploader) == 1
    assert not [t for t in at.text_input if t.key == "signin_name"]


def test_binding_beyond_localhost_without_sign_in_warns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], editors: Path
) -> None:
    import subprocess

    started: list[dict[str, str]] = []

    class Fake:
        def __init__(self, cmd: list[str], env: dict[str, str], cwd: str) -> None:
            started.append(env)

        def wait(self) -> int:
            return 0

    monkeypatch.setattr(subprocess, "Popen", Fake)
    monkeypatch.delenv("STABILITY_EDITORS", raising=False)
    store = str(tmp_path / "s")
    assert main(["dashboard", "--host", "0.0.0.0", "--port", "18931", "--store", store]) == 0
    err = capsys.readouterr().err
    assert err.startswith("warning: the dashboard is reachable from other machines (0.0.0.0) without sign-in")
    assert (
        main(
            ["dashboard", "--host", "0.0.0.0", "--port", "18931", "--store", store, "--editors", str(editors)]
        )
        == 0
    )
    out = capsys.readouterr()
    assert "warning" not in out.err and "Sign-in on: 1 editor(s)" in out.out
    assert started[-1]["STABILITY_EDITORS"] == str(editors.resolve())
    assert main(["dashboard", "--port", "18931", "--store", store]) == 0
    assert "warning" not in capsys.readouterr().err


def test_settings_apply_however_the_app_is_started() -> None:
    """`streamlit run dashboard/app.py` from the root reads .streamlit/ there; the others read dashboard/."""
    root_cfg = (ROOT / ".streamlit" / "config.toml").read_text()
    assert root_cfg == (ROOT / "dashboard" / ".streamlit" / "config.toml").read_text()
    import tomllib

    cfg = tomllib.loads(root_cfg)
    assert cfg["server"]["address"] == "127.0.0.1"
    assert cfg["server"]["enableXsrfProtection"] is True
    assert cfg["browser"]["gatherUsageStats"] is False
    assert cfg["server"]["maxUploadSize"] > 0
