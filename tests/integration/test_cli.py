"""The operator command: clients, API keys and accounts."""

from __future__ import annotations

import json
import uuid

import pytest

from invoicery.auth.credentials import API_KEY_PREFIX
from invoicery.cli import main


@pytest.fixture
def cli_env(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("INVOICERY_DATABASE_URL", database_url)
    return f"acct-{uuid.uuid4().hex[:8]}"


def test_clients_create_list_revoke(cli_env: str, capsys: pytest.CaptureFixture[str]) -> None:
    account = cli_env
    assert (
        main(
            [
                "clients",
                "create",
                "--name",
                "ci",
                "--scope",
                "invoices:read",
                "--scope",
                "invoices:write",
                "--account",
                account,
                "--json",
            ]
        )
        == 0
    )
    created = json.loads(capsys.readouterr().out)
    assert set(created) == {"client_id", "client_secret", "account_id", "scopes", "api_version"}
    assert created["scopes"] == ["invoices:read", "invoices:write"]
    assert created["account_id"].startswith("acct_")
    assert created["api_version"] == "2026-10"  # the newest, unless told otherwise

    assert main(["clients", "list", "--account", account]) == 0
    listing = capsys.readouterr().out
    assert created["client_id"] in listing
    assert "active" in listing
    assert "2026-10" in listing
    assert created["client_secret"] not in listing

    assert main(["clients", "revoke", created["client_id"]]) == 0
    capsys.readouterr()
    main(["clients", "list", "--account", account])
    assert "revoked" in capsys.readouterr().out
    assert main(["clients", "revoke", created["client_id"]]) == 1


def test_api_keys_create_list_revoke(cli_env: str, capsys: pytest.CaptureFixture[str]) -> None:
    account = cli_env
    argv = ["api-keys", "create", "--name", "ci", "--scope", "invoices:read", "--account", account]
    assert main([*argv, "--scope", "customers:read", "--api-version", "2026-03", "--json"]) == 0
    created = json.loads(capsys.readouterr().out)
    assert set(created) == {"id", "api_key", "account_id", "scopes", "api_version"}
    assert created["id"].startswith("key_")
    assert created["api_key"].startswith(API_KEY_PREFIX)
    assert created["account_id"].startswith("acct_")
    assert created["scopes"] == ["invoices:read", "customers:read"]
    assert created["api_version"] == "2026-03"
    client_argv = ["clients", "create", "--name", "c", "--scope", "invoices:read"]
    assert main([*client_argv, "--account", account]) == 0
    client_id = capsys.readouterr().out.split()[1]

    assert main(["api-keys", "list", "--account", account]) == 0
    listing = capsys.readouterr().out
    assert created["id"] in listing
    assert "active" in listing
    assert "2026-03" in listing
    assert created["api_key"] not in listing
    assert client_id not in listing  # a client is not a key, nor a key a client
    main(["clients", "list", "--account", account])
    clients = capsys.readouterr().out
    assert client_id in clients
    assert created["id"].removeprefix("key_") not in clients

    assert main(["clients", "revoke", "cli_" + created["id"].removeprefix("key_")]) == 1
    assert main(["api-keys", "revoke", client_id]) == 1
    capsys.readouterr()
    assert main(["api-keys", "revoke", created["id"]]) == 0
    assert created["id"] in capsys.readouterr().out
    main(["api-keys", "list", "--account", account])
    assert "revoked" in capsys.readouterr().out
    assert main(["api-keys", "revoke", created["id"]]) == 1
    assert "no live API key" in capsys.readouterr().err


def test_an_api_key_is_pinned_to_the_newest_version_by_default(
    cli_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["api-keys", "create", "--name", "ci", "--scope", "invoices:read", "--account", cli_env]
    assert main([*argv, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["api_version"] == "2026-10"
    assert main(argv) == 0
    shown = capsys.readouterr().out
    assert "api_version: 2026-10" in shown
    assert "Authorization: Bearer " + API_KEY_PREFIX in shown


@pytest.mark.parametrize("command", ["clients", "api-keys"])
def test_an_unknown_api_version_is_refused(
    cli_env: str, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    argv = [command, "create", "--name", "x", "--scope", "invoices:read", "--account", cli_env]
    with pytest.raises(SystemExit) as exited:
        main([*argv, "--api-version", "2025-01"])
    assert exited.value.code == 2
    error = capsys.readouterr().err
    assert "unknown API version '2025-01' (one of 2026-03, 2026-10)" in error


def test_unknown_scope_is_refused(cli_env: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["clients", "create", "--name", "x", "--scope", "everything", "--account", cli_env])


def test_accounts_set_and_show(cli_env: str, capsys: pytest.CaptureFixture[str]) -> None:
    account = cli_env
    assert (
        main(
            [
                "accounts",
                "set",
                account,
                "--display-name",
                "Acme GmbH",
                "--country",
                "DE",
                "--city",
                "Zürich",
                "--timezone",
                "Europe/Berlin",
                "--invoice-prefix",
                "AC-",
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert main(["accounts", "show", account]) == 0
    shown = capsys.readouterr().out
    for expected in (
        "display_name: Acme GmbH",
        "country: DE",
        "city: Zürich",
        "timezone: Europe/Berlin",
        "invoice_prefix: AC-",
    ):
        assert expected in shown


def test_accounts_set_the_email_settings(cli_env: str, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["accounts", "set", cli_env, "--reminders", "-3,0, 14,7", "--reminder-hour", "8"]
    assert main([*argv, "--send-invoices", "false", "--locale", "de_AT"]) == 0
    shown = capsys.readouterr().out
    for expected in (
        "reminders: -3,0,7,14",
        "reminder_hour: 8",
        "send_invoices: false",
        "locale: de",
    ):
        assert expected in shown


@pytest.mark.parametrize(
    ("flag", "value"),
    [
        ("--timezone", "Mars/Olympus"),
        ("--country", "Germany"),
        ("--reminders", "-3,x"),
        ("--reminders", "0,0"),
        ("--reminder-hour", "24"),
        ("--send-invoices", "maybe"),
        ("--locale", "es"),
    ],
)
def test_invalid_settings_are_refused(
    cli_env: str, capsys: pytest.CaptureFixture[str], flag: str, value: str
) -> None:
    assert main(["accounts", "set", cli_env, flag, value]) == 1
    assert "error" in capsys.readouterr().err


def test_showing_an_unknown_account_fails(cli_env: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["accounts", "show", "no-such-account"]) == 1
