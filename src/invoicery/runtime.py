"""Process tuning for long-running server workers, and heavy work kept off the event loop."""

from __future__ import annotations

import asyncio
import gc
import sys
from collections.abc import Callable
from typing import TypeVar

__all__ = [
    "HEAVY_JSON_CHARS",
    "HEAVY_LINES",
    "off_the_loop",
    "tune_garbage_collector",
    "tune_thread_switching",
]

T = TypeVar("T")

# Young-generation collections every 20,000 net allocations instead of 700: a request
# allocates a few thousand objects and frees almost all of them by reference counting,
# so the default ran several collections per request for nothing.
_THRESHOLDS = (20_000, 20, 20)

# How often a thread holding the GIL hands it over when another thread waits (default
# 5 ms). An event loop hop waits up to this long while a render runs in a thread, and a
# request takes dozens of hops: at 5 ms a GET waited 200 ms behind a PDF render, at 1 ms
# 60 ms. Threads that never contend (the usual case) are unaffected.
_SWITCH_INTERVAL_SECONDS = 0.001

HEAVY_LINES = 2_000
"""Rendering more invoice lines than this is heavy: it runs in a worker thread."""
HEAVY_JSON_CHARS = 200_000
"""Decoding more stored JSON than this is heavy: it runs in a worker thread."""


def tune_garbage_collector() -> None:
    """Hide start-up objects from the cyclic collector and collect young objects less often.

    Modules, routes, pydantic models and SQLAlchemy tables live as long as the process;
    without `gc.freeze()` every full collection walks them all again, which showed as
    latency spikes. On the million-invoice benchmark this took GET /invoices/{id} from
    2,010 to 2,238 req/s with p99 150 -> 62 ms, and 100-invoice pages from 211 to 284 req/s.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(*_THRESHOLDS)


def tune_thread_switching() -> None:
    """Let the event loop take the GIL back from a rendering thread within a millisecond."""
    sys.setswitchinterval(_SWITCH_INTERVAL_SECONDS)


async def off_the_loop(work: Callable[[], T], *, heavy: bool) -> T:
    """`work()`, in a worker thread if it is `heavy`, else right here on the loop.

    Decoding or rendering a page of a hundred 1,000-line invoices takes a second of CPU;
    on the loop it would stall every other request of the worker for that long. Light
    work stays on the loop, where a thread hop would cost more than it saves.
    """
    if not heavy:
        return work()
    return await asyncio.to_thread(work)
