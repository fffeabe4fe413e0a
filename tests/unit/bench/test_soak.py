"""`bench.soak`: durations, the request mix and the memory verdict per worker."""

from __future__ import annotations

from datetime import date

import pytest
from bench.scenarios import SCENARIOS, Fixture
from bench.soak import SoakResult, mixed_requests, parse_duration


@pytest.mark.parametrize(
    ("text", "seconds"), [("90s", 90), ("30m", 1800), ("1.5h", 5400), ("45", 45), ("2 min", 120)]
)
def test_parses_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "0s", "-5m", "10d", "m"])
def test_refuses_what_is_not_a_duration(text: str) -> None:
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration(text)


def _fixture() -> Fixture:
    return Fixture(
        client_id="cli_x",
        client_secret="secret",
        token="tok",
        invoice_ids=[f"inv_{n}" for n in range(50)],
        customer_ids=[f"cus_{n}" for n in range(20)],
        deep_cursor="cursor",
        deep_rows=100,
        today=date(2026, 12, 4),
        seed=6,
    )


def test_the_mix_carries_each_request_with_its_own_headers_in_proportion() -> None:
    requests = mixed_requests(SCENARIOS, _fixture(), size=1000)

    creates = [r for r in requests if r.method == "POST"]
    gets = [r for r in requests if r.path.startswith("/invoices/inv_")]
    assert len(creates) == 100
    assert len(gets) == 400
    assert all(("Content-Type", "application/json") in r.headers for r in creates)
    assert all(("Authorization", "Bearer tok") in r.headers for r in requests)
    assert not any(r.path == "/oauth/token" for r in requests)


def test_memory_is_judged_after_the_warm_up() -> None:
    result = SoakResult(seconds=100, warmup_seconds=20, connections=64)
    result.samples = [
        (0.0, {1: (50_000, 50_000), 2: (50_000, 50_000)}),
        (10.0, {1: (80_000, 80_000), 2: (80_000, 80_000)}),
        (20.0, {1: (100_000, 100_000), 2: (100_000, 100_000)}),
        (60.0, {1: (104_000, 104_000), 2: (110_000, 110_000)}),
        (100.0, {1: (101_000, 104_000), 2: (112_000, 112_000)}),
    ]

    first, second = result.workers()

    assert (first.start, first.reference, first.end, first.peak) == (
        50_000,
        100_000,
        101_000,
        104_000,
    )
    assert first.spread_pct == pytest.approx((0.0, 4.0))
    assert first.flat is True
    assert second.spread_pct == pytest.approx((0.0, 12.0))
    assert second.flat is False


def test_a_worker_seen_only_during_the_warm_up_has_no_verdict() -> None:
    result = SoakResult(seconds=100, warmup_seconds=20, connections=64)
    result.samples = [(0.0, {7: (10, 10)}), (5.0, {7: (12, 12)})]

    (worker,) = result.workers()

    assert worker.flat is None
    assert worker.peak == 12
