"""`invoicery accounts set NAME --rate-limit`, and `serve` refusing unshared limits."""

from __future__ import annotations

import uuid

import pytest

from invoicery.cli import main


@pytest.fixture
def account(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("INVOICERY_DATABASE_URL", database_url)
    return f"acct-{uuid.uuid4().hex[:8]}"


def test_rate_limit_round_trip(account: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["accounts", "set", account, "--rate-limit", "5 / second"]) == 0
    assert "rate_limit: 5/s" in capsys.readouterr().out
    assert main(["accounts", "show", account]) == 0
    assert "rate_limit: 5/s" in capsys.readouterr().out

    assert main(["accounts", "set", account, "--rate-limit", "300/min burst 600"]) == 0
    assert "rate_limit: 300/min burst 600" in capsys.readouterr().out

    assert main(["accounts", "set", account, "--rate-limit", "default"]) == 0
    assert "rate_limit: \n" in capsys.readouterr().out
    assert main(["accounts", "show", account]) == 0
    assert "rate_limit: \n" in capsys.readouterr().out


@pytest.mark.parametrize("value", ["5/ms", "fast", "0/s", "25/s burst 40"])
def test_a_rate_limit_that_cannot_be_enforced_is_refused(
    account: str, value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["accounts", "set", account, "--rate-limit", "7/s"]) == 0
    capsys.readouterr()
    assert main(["accounts", "set", account, "--rate-limit", value]) == 1
    assert "rate_limit:" in capsys.readouterr().err
    main(["accounts", "show", account])
    assert "rate_limit: 7/s" in capsys.readouterr().out


def test_several_workers_without_redis_are_refused(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("INVOICERY_REDIS_URL", raising=False)
    monkeypatch.setenv("INVOICERY_WORKERS", "2")  # what `--workers 2` sets, restored after
    assert main(["serve"]) == 2
    assert "INVOICERY_REDIS_URL" in capsys.readouterr().err
