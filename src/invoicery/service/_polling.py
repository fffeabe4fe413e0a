"""The worker's loops: one pass of a task, then a wait, until asked to stop.

`while_unavailable` keeps one step of a pass going through a database outage, for work
the pass has leased and must not abandon: its lease would keep it from everyone until
it expired, long after the database is back (and an outcome not recorded is sent again).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Protocol, TypeVar

from invoicery.domain.errors import Unavailable
from invoicery.service._time import utc_now

__all__ = ["RETRY_PAUSE_SECONDS", "Pass", "log_failure", "poll", "while_unavailable"]

RETRY_PAUSE_SECONDS = 0.5
"""How often `while_unavailable` tries again: the database's return is noticed this fast."""

T = TypeVar("T")


def log_failure(logger: logging.Logger, message: str, error: Exception) -> None:
    """Log a failed pass: one warning line for a database outage, the traceback otherwise.

    During an outage every loop fails every poll; a traceback each time buries the cause.
    """
    if isinstance(error, Unavailable):
        logger.warning("%s: database unavailable (%s)", message, error)
    else:
        logger.exception(message)


class Pass(Protocol):
    """Work the worker repeats on a poll of its own (webhooks, e-mail, the heartbeat)."""

    async def run_once(self, *, now: datetime) -> object:
        """Do one pass at `now`."""


async def poll(
    task: Pass,
    *,
    poll_seconds: float,
    stop: asyncio.Event,
    logger: logging.Logger,
    what: str,
    clock: Callable[[], datetime] = utc_now,
) -> None:
    """Run `task` every `poll_seconds` until `stop` is set; a failed pass is logged."""
    while not stop.is_set():
        try:
            await task.run_once(now=clock())
        except Exception as error:
            log_failure(logger, f"{what} pass failed; retrying", error)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), poll_seconds)


async def while_unavailable(
    step: Callable[[], Awaitable[T]],
    *,
    until: float,
    pause: float = RETRY_PAUSE_SECONDS,
) -> T:
    """`step()`, tried again every `pause` s while the database is unavailable.

    Gives up (raising `Unavailable`) once another try would start after `until`, a
    `time.monotonic()` instant: the end of the lease the step works under.
    """
    while True:
        try:
            return await step()
        except Unavailable:
            if time.monotonic() + pause >= until:
                raise
        await asyncio.sleep(pause)
