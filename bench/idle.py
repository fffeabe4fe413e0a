"""Waiting for `invoicery worker` to finish its backlog before a measurement.

Every creation leaves the worker work (the customer's e-mail with the invoice's PDF,
webhook deliveries) that it does after the request, so a scenario measured right after
creations would pay for the previous scenario's backlog, and a reused database may
hold a backlog from earlier runs. The worker counts as idle once it uses less than
`IDLE_CORES` over `QUIET_SECONDS` in a row.
"""

from __future__ import annotations

import time

from bench.procs import cpu_seconds, descendants
from bench.progress import say

__all__ = ["IDLE_CORES", "QUIET_SECONDS", "wait_idle"]

IDLE_CORES = 0.05
QUIET_SECONDS = 3
_REPORT_EVERY = 15.0


def wait_idle(worker_pid: int, *, limit: float) -> bool:
    """Wait up to `limit` seconds for the worker to go idle; whether it did."""
    started = time.monotonic()
    last_report = started
    quiet = 0
    used = cpu_seconds(descendants(worker_pid))
    while quiet < QUIET_SECONDS:
        now = time.monotonic()
        if now - started >= limit:
            say(f"  the worker is still busy after {limit:g} s; measuring anyway")
            return False
        if now - last_report >= _REPORT_EVERY:
            last_report = now
            say(f"  waiting for the worker to finish its backlog ({now - started:.0f} s)")
        time.sleep(1.0)
        total = cpu_seconds(descendants(worker_pid))
        quiet = quiet + 1 if total - used < IDLE_CORES else 0
        used = total
    waited = time.monotonic() - started
    if waited > QUIET_SECONDS + 1:
        say(f"  the worker finished its backlog in {waited - QUIET_SECONDS:.0f} s")
    return True
