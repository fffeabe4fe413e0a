"""Rate-limit test helpers: a frozen wall clock, and a Redis database of the tests' own.

`limits` stamps requests with `time.time()` (it takes no clock), so the clock is frozen
by standing in for the `time` module where `limits` and the limiter read it.

Redis: database 13 of INVOICERY_TEST_REDIS_URL (default 127.0.0.1:6379), emptied for
each test; a test needing it is skipped when Redis does not answer, unless
INVOICERY_TEST_REQUIRE_REDIS=1.
"""

from __future__ import annotations

import os
from pathlib import Path

import coredis
import limits.aio.storage.memory
import limits.aio.storage.redis.coredis
import pytest
from pydantic import SecretStr

import invoicery.web.limiter
from invoicery.config import Settings

REDIS_URL = os.environ.get("INVOICERY_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")
REQUIRE_REDIS = os.environ.get("INVOICERY_TEST_REQUIRE_REDIS") == "1"


def production_limits(
    database_url: str, data_dir: Path, *, public_url: str, redis_url: str | None = None
) -> Settings:
    """Settings with the production default limits, set explicitly: the suite's conftest
    raises them for every other test, which fires requests far faster than a client should."""
    return Settings(
        database_url=database_url,
        public_url=public_url,
        data_dir=data_dir,
        rate_limit="25/s burst 50",
        token_rate_limit_per_client="10/min",
        token_rate_limit_per_address="30/min",
        redis_url=SecretStr(redis_url) if redis_url else None,
    )


class FrozenClock:
    """Wall-clock time that moves only when the test says so."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def time(self) -> float:
        """The frozen time, as `time.time()` would give it."""
        return self.now

    def advance(self, seconds: float) -> None:
        """Let `seconds` pass."""
        self.now += seconds


def freeze_time(monkeypatch: pytest.MonkeyPatch) -> FrozenClock:
    """Freeze the clock of the rate limits (in memory and in Redis) until the test ends."""
    clock = FrozenClock()
    for module in (
        limits.aio.storage.memory,
        limits.aio.storage.redis.coredis,
        invoicery.web.limiter,
    ):
        monkeypatch.setattr(module, "time", clock)
    return clock


async def empty_redis() -> str:
    """The URL of the tests' Redis database, emptied; skips (or fails) if unreachable."""
    client: coredis.Redis[bytes] = coredis.Redis.from_url(REDIS_URL)
    try:
        await client.ping()
        await client.flushdb()
    except (coredis.exceptions.RedisError, OSError) as error:
        message = f"Redis unavailable at {REDIS_URL}: {error}"
        if REQUIRE_REDIS:
            pytest.fail(message)
        pytest.skip(message)
    finally:
        client.connection_pool.disconnect()
    return REDIS_URL
