"""Rate-limit state kept by the `limits` library: in this process, or in Redis for all.

Why a moving window rather than a token bucket: `limits` has no token bucket, and its
moving window is exact where its other strategies approximate (a fixed window lets
twice the limit through across a window boundary; the sliding-window counter weighs
the previous window's count, so it may refuse early or admit late). A token bucket of
25 requests/s with bursts of 50 is enforced as "at most 50 requests in any 2 seconds":

- the same burst: 50 requests at once pass, the 51st is refused;
- the same sustained rate: 25/s (50 per 2 s) passes forever, anything above it does not;
- stricter only right after a full burst: a bucket refills one request every 40 ms,
  the window frees the burst's requests 2 s after they were made. `Retry-After` says
  exactly when, so a client that honours it loses nothing.

The window keeps one timestamp per request, which is why `domain.rate_limit` bounds the
burst. With Redis (the library's list trimmed to the limit, under the library's key) every
server and worker process using the same database shares it, exactly. One Lua script of
ours counts the request and reads the window back in a single round trip: the library's
`hit` and `get_window_stats` took two, and at 0.3 ms of client CPU each they were the
largest per-request cost of the server. The script runs as one `EVALSHA` on a pooled
coredis connection (`_hit_in_redis`): the client's generic command path (retry policy,
key-spec extraction, reply callbacks) cost 0.1 ms of CPU per call, the connection's own
request 0.02 ms. Its retry policy is kept: three attempts on a connection error or
timeout, and a script Redis no longer holds is loaded again.
In memory the state is this process's alone, and kept here rather than in the library's
memory store: that one sweeps every key, through a thread hop each, after every hit
(0.3 ms of CPU per request measured, growing with the number of clients).
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import deque
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from coredis.commands.constants import CommandName
from coredis.exceptions import ConnectionError as RedisConnectionError
from coredis.exceptions import NoScriptError, RedisError
from coredis.exceptions import TimeoutError as RedisTimeoutError
from limits import RateLimitItem, RateLimitItemPerSecond
from limits.aio.storage import RedisStorage
from limits.aio.storage.redis.coredis import CoredisBridge
from limits.errors import StorageError

__all__ = ["Count", "Decision", "Limiter", "build_limiter"]

logger = logging.getLogger("invoicery.rate_limit")

_REDIS_SCHEMES = ("redis", "rediss", "redis+unix")
_NAMESPACE = "invoicery"
_SWEEP_EVERY = 10_000  # hits between sweeps of the keys that went quiet
# The coredis client's default retry policy: attempts on a lost connection or a timeout,
# the pause before each retry.
_ATTEMPTS = 3
_RETRY_PAUSE_SECONDS = 0.01

# For each key in turn, the library's acquire_moving_window.lua (one entry) followed by its
# moving_window.lua, atomically, stopping after the first refusal: for each key counted,
# {1 if counted else 0, the oldest time in its window, requests in it}.
_HIT_AND_COUNT = """
local timestamp = tonumber(ARGV[1])
local answer = {}
for i = 1, #KEYS do
    local limit = tonumber(ARGV[2 * i])
    local expiry = tonumber(ARGV[2 * i + 1])
    local allowed = 0
    local entry = redis.call('lindex', KEYS[i], limit - 1)
    if not (entry and tonumber(entry) >= timestamp - expiry) then
        redis.call('lpush', KEYS[i], timestamp)
        redis.call('ltrim', KEYS[i], 0, limit - 1)
        redis.call('expire', KEYS[i], expiry)
        allowed = 1
    end
    local target = timestamp - expiry
    local low, high, found = 0, limit - 1, nil
    while low <= high do
        local mid = math.floor((low + high) / 2)
        local value = tonumber(redis.call('lindex', KEYS[i], mid))
        if value and value >= target then
            found = mid
            low = mid + 1
        else
            high = mid - 1
        end
    end
    answer[#answer + 1] = allowed
    if found then
        answer[#answer + 1] = redis.call('lindex', KEYS[i], found)
        answer[#answer + 1] = found + 1
    else
        answer[#answer + 1] = tostring(timestamp)
        answer[#answer + 1] = 0
    end
    if allowed == 0 then
        break
    end
end
return answer
"""


@dataclass(frozen=True, slots=True)
class Decision:
    """Whether one request may pass, and what the client is told about its budget."""

    allowed: bool
    limit: int  # requests per window
    window_seconds: int
    remaining: int
    reset_seconds: int  # until the oldest request in the window leaves it

    def headers(self) -> dict[str, str]:
        """The `RateLimit-*` headers (IETF httpapi draft), and `Retry-After` on refusal."""
        headers = {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset_seconds),
            "RateLimit-Policy": f"{self.limit};w={self.window_seconds}",
        }
        if not self.allowed:
            headers["Retry-After"] = str(max(1, self.reset_seconds))
        return headers


Count = tuple[int, int, tuple[str, ...]]
"""What `Limiter.hit_in_turn` counts: a burst, its window in seconds, and the key."""


@lru_cache(maxsize=1024)
def _item(burst: int, window_seconds: int) -> RateLimitItem:
    return RateLimitItemPerSecond(burst, window_seconds, namespace=_NAMESPACE)


class _LocalWindows:
    """Moving windows of this process: each key's counted request times, oldest first.

    A key's expired times are dropped when it is hit; keys gone quiet are dropped every
    `_SWEEP_EVERY` hits, so memory stays bounded by the clients active in a window.
    """

    def __init__(self) -> None:
        self._windows: dict[tuple[str, ...], tuple[int, deque[float]]] = {}
        self._hits = 0

    def hit(self, burst: int, window_seconds: int, key: tuple[str, ...]) -> Decision:
        """Count one request for `key` if fewer than `burst` fall in the window."""
        now = time.time()
        known = self._windows.get(key)
        times = known[1] if known is not None else deque()
        self._windows[key] = (window_seconds, times)
        while times and times[0] < now - window_seconds:  # both ends of the window count
            times.popleft()
        allowed = len(times) < burst
        if allowed:
            times.append(now)
        self._hits += 1
        if self._hits >= _SWEEP_EVERY:
            self._sweep(now)
        oldest = times[0] if times else now
        return Decision(
            allowed=allowed,
            limit=burst,
            window_seconds=window_seconds,
            remaining=max(0, burst - len(times)),
            reset_seconds=max(0, math.ceil(oldest + window_seconds - now)),
        )

    def __len__(self) -> int:
        return len(self._windows)

    def _sweep(self, now: float) -> None:
        self._hits = 0
        quiet = [
            key
            for key, (window_seconds, times) in self._windows.items()
            if not times or times[-1] < now - window_seconds
        ]
        for key in quiet:
            del self._windows[key]


class Limiter:
    """Moving-window limits (see the module docstring), in Redis or in this process."""

    def __init__(self, redis: RedisStorage | None = None) -> None:
        self._redis = redis
        self._client: Any = None
        self._script: Any = None
        self._failures: tuple[type[Exception], ...] = (StorageError,)
        if redis is not None:
            bridge = redis.bridge
            assert isinstance(bridge, CoredisBridge)  # what `build_limiter` makes
            self._client = bridge.get_connection()
            self._script = self._client.register_script(_HIT_AND_COUNT)
            base = redis.base_exceptions
            self._failures += base if isinstance(base, tuple) else (base,)
        self._local = _LocalWindows()

    def close(self) -> None:
        """Close the storage's connections (Redis's; memory has none)."""
        if self._redis is not None and isinstance(bridge := self._redis.bridge, CoredisBridge):
            bridge.get_connection().connection_pool.disconnect()

    def keys_in_process(self) -> int:
        """How many keys the in-process windows hold now."""
        return len(self._local)

    def describe(self) -> str:
        """Where the limits are kept: "redis" (shared by every server) or "in-process"."""
        return "redis" if self._redis is not None else "in-process"

    async def healthy(self) -> bool:
        """Whether the storage answers (always, in process)."""
        if self._redis is None:
            return True
        try:
            return bool(await self._redis.check())
        except StorageError:
            return False

    async def hit(self, burst: int, window_seconds: int, *key: str) -> Decision | None:
        """Count one request against `burst` per `window_seconds` for `key`.

        None if Redis failed: the request then passes (a rate limiter that is down must
        not take the API down with it), and the failure is logged.
        """
        return (await self.hit_in_turn((burst, window_seconds, key)))[0]

    async def hit_in_turn(self, *counts: Count) -> list[Decision | None]:
        """`hit` each (burst, window_seconds, key) in turn until one is refused, in one
        round trip to Redis: the decisions of those counted (all None if Redis failed)."""
        if self._redis is None:
            decisions: list[Decision | None] = []
            for burst, window_seconds, key in counts:
                decision = self._local.hit(burst, window_seconds, key)
                decisions.append(decision)
                if not decision.allowed:
                    break
            return decisions
        bridge = self._redis.bridge
        keys = [bridge.prefixed_key(_item(b, w).key_for(*key)) for b, w, key in counts]
        now = time.time()  # what `limits` stamps requests with
        arguments: list[float] = [now]
        for burst, window_seconds, _key in counts:
            arguments += (burst, window_seconds)
        try:
            answer = await self._hit_in_redis(keys, arguments)
        except self._failures as error:
            logger.warning("rate limit storage failed; request let through: %s", error)
            return [None] * len(counts)
        after = time.time()
        return [
            Decision(
                allowed=bool(answer[at]),
                limit=burst,
                window_seconds=window_seconds,
                remaining=max(0, burst - int(answer[at + 2])),
                reset_seconds=max(0, math.ceil(float(answer[at + 1]) + window_seconds - after)),
            )
            for at, (burst, window_seconds, _key) in zip(
                range(0, len(answer), 3), counts, strict=False
            )
        ]

    async def _hit_in_redis(self, keys: list[str], arguments: list[float]) -> Any:
        """Run the script with coredis's retry policy: up to `_ATTEMPTS` tries on a lost
        connection or a timeout, and through the client's script path (which loads it)
        when Redis does not hold it."""
        failure: RedisError | None = None
        for attempt in range(_ATTEMPTS):
            if attempt:
                await asyncio.sleep(_RETRY_PAUSE_SECONDS)
            try:
                return await self._evalsha(keys, arguments)
            except NoScriptError:
                return await self._script.execute(keys, arguments)
            except (RedisConnectionError, RedisTimeoutError) as error:
                failure = error
        assert failure is not None
        raise failure

    async def _evalsha(self, keys: list[str], arguments: list[float]) -> Any:
        """One `EVALSHA` of the script as the client would send it, without its command
        machinery: the connection is released once the command is written (replies come
        back in order, so connections are shared), and dropped on any Redis error."""
        client = self._client
        pool = client.connection_pool
        if not pool.initialized:
            await client.initialize()
        connection = await pool.get_connection()
        try:
            try:
                reply = await connection.create_request(
                    CommandName.EVALSHA, self._script.sha, len(keys), *keys, *arguments
                )
            finally:
                pool.release(connection)
            return await reply
        except RedisError:
            connection.disconnect()
            raise


def build_limiter(redis_url: str | None) -> Limiter:
    """A limiter over Redis at `redis_url` (redis://HOST:PORT/DB), or in this process."""
    if redis_url is None:
        return Limiter()
    scheme = redis_url.partition("://")[0]
    if scheme not in _REDIS_SCHEMES:
        raise ValueError(f"INVOICERY_REDIS_URL must be redis://… or rediss://…, not {scheme}://")
    storage = RedisStorage(
        f"async+{redis_url}", wrap_exceptions=True, connect_timeout=1.0, stream_timeout=1.0
    )
    return Limiter(storage)
