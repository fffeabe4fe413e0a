"""The moving window that stands in for a token bucket of 25/s with bursts of 50."""

from __future__ import annotations

from typing import Any

import coredis
import pytest
from coredis.exceptions import ConnectionError as RedisConnectionError
from coredis.exceptions import TimeoutError as RedisTimeoutError
from coredis.tokens import PureToken

import invoicery.web.limiter
from invoicery.config import Settings
from invoicery.web.limiter import Limiter, build_limiter
from tests.support.rate_limits import FrozenClock, empty_redis, freeze_time


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FrozenClock:
    return freeze_time(monkeypatch)


async def _hits(limiter: Limiter, count: int, *key: str) -> list[bool]:
    results = []
    for _ in range(count):
        decision = await limiter.hit(50, 2, *key)
        assert decision is not None
        results.append(decision.allowed)
    return results


def test_production_defaults() -> None:
    fields = Settings.model_fields
    assert fields["rate_limit"].default == "25/s burst 50"
    assert fields["token_rate_limit_per_client"].default == "10/min"
    assert fields["token_rate_limit_per_address"].default == "30/min"
    assert fields["redis_url"].default is None
    assert build_limiter(None).describe() == "in-process"


async def test_a_burst_of_50_passes_and_the_51st_waits_for_the_window(clock: FrozenClock) -> None:
    limiter = build_limiter(None)
    assert await _hits(limiter, 50, "a") == [True] * 50
    refused = await limiter.hit(50, 2, "a")
    assert refused is not None
    assert not refused.allowed
    assert refused.headers() == {
        "RateLimit-Limit": "50",
        "RateLimit-Remaining": "0",
        "RateLimit-Reset": "2",
        "RateLimit-Policy": "50;w=2",
        "Retry-After": "2",
    }
    clock.advance(1.5)
    refused = await limiter.hit(50, 2, "a")
    assert refused is not None
    assert not refused.allowed
    assert refused.headers()["Retry-After"] == "1"
    clock.advance(0.501)  # the window is 2 s, both ends included
    assert await _hits(limiter, 50, "a") == [True] * 50


async def test_25_per_second_passes_for_ever_and_26_does_not(clock: FrozenClock) -> None:
    limiter = build_limiter(None)
    for _ in range(10 * 25):  # ten seconds at the rate (a hair under: both ends count)
        assert await _hits(limiter, 1, "steady") == [True]
        clock.advance(0.0401)
    refusals = 0
    for _ in range(10 * 26):  # ten seconds a little above it
        refusals += (await _hits(limiter, 1, "fast")).count(False)
        clock.advance(1 / 26)
    assert refusals >= 10  # at most 50 in each of five 2-second windows: 250 of 260


async def test_remaining_counts_down_and_keys_are_separate(clock: FrozenClock) -> None:
    limiter = build_limiter(None)
    first = await limiter.hit(50, 2, "client", "a")
    assert first is not None
    assert (first.remaining, first.reset_seconds) == (49, 2)
    assert await _hits(limiter, 49, "client", "a") == [True] * 49
    other = await limiter.hit(50, 2, "client", "b")
    assert other is not None
    assert (other.allowed, other.remaining) == (True, 49)


async def test_keys_gone_quiet_are_forgotten(
    clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(invoicery.web.limiter, "_SWEEP_EVERY", 100)
    limiter = build_limiter(None)
    for client in range(98):
        await limiter.hit(5, 1, "client", str(client))
    clock.advance(0.5)
    await limiter.hit(5, 1, "client", "recent")
    assert limiter.keys_in_process() == 99
    clock.advance(0.6)  # the first 98 have left their window; "recent" has not
    await limiter.hit(5, 1, "client", "last")  # the 100th hit sweeps
    assert limiter.keys_in_process() == 2


async def test_a_redis_that_does_not_answer_lets_requests_through(
    caplog: pytest.LogCaptureFixture,
) -> None:
    limiter = build_limiter("redis://127.0.0.1:1/0")
    assert limiter.describe() == "redis"
    assert await limiter.hit(50, 2, "a") is None
    assert not await limiter.healthy()
    assert "rate limit storage failed" in caplog.text


def test_only_redis_urls_are_accepted() -> None:
    with pytest.raises(ValueError, match="redis://"):
        build_limiter("memcached://127.0.0.1:11211")


async def test_redis_decides_and_counts_down_exactly_as_the_process_does(
    clock: FrozenClock,
) -> None:
    shared = build_limiter(await empty_redis())
    local = build_limiter(None)
    try:
        for step in range(60):
            if step % 20 == 19:
                clock.advance(0.7)
            in_redis = await shared.hit(25, 2, "client", "a")
            in_process = await local.hit(25, 2, "client", "a")
            assert in_redis is not None
            assert in_redis == in_process
        assert await shared.hit(25, 2, "client", "b") == await local.hit(25, 2, "client", "b")
    finally:
        shared.close()


async def test_counts_in_turn_stop_at_the_first_refusal_in_redis_as_in_process(
    clock: FrozenClock,
) -> None:
    shared = build_limiter(await empty_redis())
    local = build_limiter(None)
    address, client = (3, 60, ("token-address", "1.2.3.4")), (5, 60, ("token-client", "c"))
    try:
        for limiter in (shared, local):
            answers = [await limiter.hit_in_turn(address, client) for _ in range(4)]
            assert [[d.allowed if d else None for d in turn] for turn in answers] == [
                [True, True],
                [True, True],
                [True, True],
                [False],  # the address is refused: the client is not counted
            ]
            # The client counted 3 of its 5: two more pass, the third does not.
            later = [(await limiter.hit_in_turn(client))[0] for _ in range(3)]
            assert [decision.allowed for decision in later if decision] == [True, True, False]
        assert await shared.hit_in_turn(address, client) == await local.hit_in_turn(address, client)
    finally:
        shared.close()


async def test_redis_counts_on_after_its_scripts_are_flushed(clock: FrozenClock) -> None:
    url = await empty_redis()
    shared = build_limiter(url)
    local = build_limiter(None)
    admin: coredis.Redis[bytes] = coredis.Redis.from_url(url)
    try:
        assert await shared.hit(5, 60, "client", "a") == await local.hit(5, 60, "client", "a")
        await admin.script_flush()  # a restarted Redis holds no scripts: it is loaded again
        assert await shared.hit(5, 60, "client", "a") == await local.hit(5, 60, "client", "a")
    finally:
        shared.close()
        admin.connection_pool.disconnect()


async def test_redis_counts_on_after_its_connections_are_dropped(
    clock: FrozenClock, caplog: pytest.LogCaptureFixture
) -> None:
    url = await empty_redis()
    shared = build_limiter(url)
    local = build_limiter(None)
    admin: coredis.Redis[bytes] = coredis.Redis.from_url(url)
    try:
        assert await shared.hit(5, 60, "client", "a") == await local.hit(5, 60, "client", "a")
        await admin.client_kill(type_=PureToken.NORMAL, skipme=True)
        assert await shared.hit(5, 60, "client", "a") == await local.hit(5, 60, "client", "a")
        assert "rate limit storage failed" not in caplog.text
    finally:
        shared.close()
        admin.connection_pool.disconnect()


async def test_redis_is_tried_three_times_before_a_request_passes_uncounted(
    clock: FrozenClock, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    shared = build_limiter(await empty_redis())
    local = build_limiter(None)
    evalsha = shared._evalsha
    failures = [RedisConnectionError("lost"), RedisTimeoutError("slow")]

    async def failing_first(keys: list[str], arguments: list[float]) -> Any:
        if failures:
            raise failures.pop(0)
        return await evalsha(keys, arguments)

    monkeypatch.setattr(shared, "_evalsha", failing_first)
    try:
        assert await shared.hit(5, 60, "client", "a") == await local.hit(5, 60, "client", "a")
        assert "rate limit storage failed" not in caplog.text
        failures.extend(RedisConnectionError("lost") for _ in range(3))
        assert await shared.hit(5, 60, "client", "a") is None
        assert failures == []
        assert "rate limit storage failed" in caplog.text
    finally:
        shared.close()
