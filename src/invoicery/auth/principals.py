"""Principals of live tokens kept in process, trusted only while revocations are heard.

Every authenticated request used to look its token up in the database (a round trip and
a tenth of a millisecond of server CPU). `PrincipalCache` keeps what a lookup found, by
token hash, until the token expires; it is bounded, and it answers only while
`listening()` holds a PostgreSQL connection that LISTENs on `CHANNEL`:

- whatever can change a principal (revoking a client, changing an account's time zone
  or rate limit: see `store.clients.principals_changed`) NOTIFYs `CHANNEL` in its own
  transaction, so every worker of every server hears it when it commits and forgets
  every principal it kept;
- while the connection is being made, or once it is lost, the cache is off: every
  request looks its token up, so nothing stale is ever served; it comes back on, empty,
  only once LISTEN is in place again. A health check every few seconds notices a
  connection that died without closing;
- a lookup that started before an invalidation is not kept (a generation counter), so a
  principal read just before a revocation committed cannot outlive it.

On SQLite (one server; the CLI runs in other processes, and there is no NOTIFY) nothing
listens, so the cache stays off and each request keeps its direct lookup, an in-process
query of a few tens of microseconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url

from invoicery.auth.tokens import Principal
from invoicery.store.clients import PRINCIPALS_CHANNEL
from invoicery.store.database import Database

__all__ = ["APPLICATION_NAME", "CHANNEL", "PrincipalCache", "listening"]

logger = logging.getLogger("invoicery.auth")

CHANNEL = PRINCIPALS_CHANNEL
APPLICATION_NAME = "invoicery-principals"  # the listening connections, in pg_stat_activity
_MAX_ENTRIES = 10_000
_HEALTH_SECONDS = 5.0  # how often the listening connection is checked
_TIMEOUT_SECONDS = 5.0  # to connect, and for a health check to answer
_RETRY_SECONDS = (0.1, 0.5, 1.0, 2.0, 5.0)  # between reconnections, the last repeated


class PrincipalCache:
    """Principals by token hash, each until its token expires; off unless listening."""

    def __init__(self, max_entries: int = _MAX_ENTRIES) -> None:
        self._entries: dict[str, tuple[Principal, float]] = {}
        self._max_entries = max_entries
        self._generation = 0
        self._on = False

    @property
    def on(self) -> bool:
        """Whether the cache answers (revocations are being heard)."""
        return self._on

    @property
    def generation(self) -> int:
        """Changes at every invalidation; `put` keeps only lookups begun in the current one."""
        return self._generation

    def get(self, token_hash: str) -> Principal | None:
        """The principal kept for this token, unless the cache is off or the token expired."""
        if not self._on:
            return None
        entry = self._entries.get(token_hash)
        if entry is None:
            return None
        principal, expires_at = entry
        if expires_at <= time.time():
            self._entries.pop(token_hash, None)
            return None
        return principal

    def put(
        self, token_hash: str, principal: Principal, *, expires_at: float, generation: int
    ) -> None:
        """Keep what a lookup begun in `generation` found, until `expires_at` (epoch seconds)."""
        if not self._on or generation != self._generation:
            return
        if len(self._entries) >= self._max_entries:
            self._entries.pop(next(iter(self._entries)))  # the oldest kept
        self._entries[token_hash] = (principal, expires_at)

    def invalidate(self) -> None:
        """Forget every principal (something that can change one committed)."""
        self._generation += 1
        self._entries.clear()

    def turn_on(self) -> None:
        """Answer from now on, starting empty (LISTEN is in place)."""
        self.invalidate()
        self._on = True

    def turn_off(self) -> None:
        """Stop answering and forget everything (the listening connection is gone)."""
        self._on = False
        self.invalidate()

    def __len__(self) -> int:
        return len(self._entries)


@asynccontextmanager
async def listening(db: Database, cache: PrincipalCache) -> AsyncIterator[None]:
    """Keep `cache` on while a connection LISTENs for principal changes (PostgreSQL only)."""
    if db.is_sqlite:
        yield
        return
    dsn = make_url(db.url).set(drivername="postgresql").render_as_string(hide_password=False)
    task = asyncio.create_task(_listen(dsn, cache), name="invoicery-principal-changes")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        cache.turn_off()


async def _listen(dsn: str, cache: PrincipalCache) -> None:
    failures = 0
    while True:
        began = time.monotonic()
        try:
            await _listen_once(dsn, cache)
        except Exception as error:  # whatever it was, the cache is off until LISTEN is back
            logger.warning(
                "not listening for token revocations (tokens are looked up on each "
                "request meanwhile): %s: %s",
                type(error).__name__,
                error,
            )
        cache.turn_off()
        failures = failures + 1 if time.monotonic() - began < _HEALTH_SECONDS else 0
        await asyncio.sleep(_RETRY_SECONDS[min(failures, len(_RETRY_SECONDS) - 1)])


async def _listen_once(dsn: str, cache: PrincipalCache) -> None:
    """LISTEN on one connection, with the cache on, until the connection fails."""
    conn: asyncpg.Connection = await asyncpg.connect(
        dsn, timeout=_TIMEOUT_SECONDS, server_settings={"application_name": APPLICATION_NAME}
    )
    lost = asyncio.Event()

    def on_lost(_conn: Any) -> None:
        cache.turn_off()  # at once: no request may use the cache past this point
        lost.set()

    def on_change(*_args: Any) -> None:
        cache.invalidate()

    try:
        conn.add_termination_listener(on_lost)
        await conn.add_listener(CHANNEL, on_change)
        cache.turn_on()
        while not lost.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(lost.wait(), _HEALTH_SECONDS)
            if not lost.is_set():
                await conn.execute("SELECT 1", timeout=_TIMEOUT_SECONDS)
        raise ConnectionError("the listening connection was closed")
    finally:
        cache.turn_off()
        conn.terminate()
