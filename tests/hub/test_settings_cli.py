"""Settings errors name the variable; the CLI mints tokens and checks migrations."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub import cli
from hub.auth import read_token
from hub.settings import SettingsError, load_settings
from rules.access import Role


def test_wrong_database_url_names_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XUEJI_DATABASE_URL", "mysql://nope")
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert str(caught.value) == (
        "invalid settings:\n  XUEJI_DATABASE_URL: must start with "
        "sqlite+aiosqlite:// or postgresql+asyncpg://"
    )


def test_prod_without_keys_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XUEJI_ENV", "prod")
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert "XUEJI_TOKEN_KEY, XUEJI_FIELD_KEY" in str(caught.value)


def test_cli_reports_bad_setting_without_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("XUEJI_PORT", "seventy")
    assert cli.main(["db", "check"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("invalid settings:\n  XUEJI_PORT:")
    assert "Traceback" not in err


def test_dev_keys_are_kept_beside_database(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'hub.sqlite3'}"
    first = load_settings(database_url=url)
    second = load_settings(database_url=url)
    assert (first.token_key, first.field_key) == (second.token_key, second.field_key)
    assert len(first.field_key_bytes()) == 32
    assert (tmp_path / ".xueji-dev-keys").stat().st_mode & 0o777 == 0o600


def test_token_command_prints_token_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("XUEJI_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'h.db'}")
    assert cli.main(["token", "registrar", "--school", "2103110001"]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    principal = read_token(out.strip(), load_settings().token_key)
    assert (principal.role, principal.school) == (Role.REGISTRAR, "2103110001")


def test_token_command_refuses_unbound_role(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("XUEJI_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'h.db'}")
    assert cli.main(["token", "head_teacher", "--school", "2103110001"]) == 2
    assert capsys.readouterr().err == "xueji token: head_teacher token needs a class\n"


def test_db_upgrade_then_check_agree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("XUEJI_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'h.db'}")
    assert cli.main(["db", "upgrade"]) == 0
    assert cli.main(["db", "check"]) == 0
    assert capsys.readouterr().out.strip().endswith("models and migrations agree")
