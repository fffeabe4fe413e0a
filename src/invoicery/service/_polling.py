"""The worker's loops: one pass of a task, then a wait, until asked to stop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from invoicery.service._time import utc_now

__all__ = ["poll"]


async def poll(
    run_once: Callable[[datetime], Awaitable[object]],
    *,
    poll_seconds: float,
    stop: asyncio.Event,
    logger: logging.Logger,
    what: str,
    clock: Callable[[], datetime] = utc_now,
) -> None:
    """Run `run_once(now)` every `poll_seconds` until `stop` is set; a failed pass is logged."""
    while not stop.is_set():
        try:
            await run_once(clock())
        except Exception:
            logger.exception("%s pass failed; retrying", what)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), poll_seconds)
