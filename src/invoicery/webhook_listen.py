"""`invoicery webhooks listen`: forward an account's events to a local URL, for developers.

Like Stripe's CLI: it registers a temporary billing-v1 endpoint for the account (every
event type) pointing at `--forward-to`, prints its signing secret, then delivers to that
endpoint alone in the foreground (loopback and private targets allowed, whatever the
settings say), printing one line per attempt. The endpoint is deleted on Ctrl-C or
SIGTERM. A server's own worker may also pick a delivery up; if it refuses the private
target, the delivery is simply retried here a few seconds later.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from typing import TextIO

from invoicery.config import Settings
from invoicery.service import accounts, webhooks
from invoicery.service._time import utc_now
from invoicery.service.webhook_delivery import Deliverer
from invoicery.store.database import Database
from invoicery.webhooks import sender
from invoicery.webhooks.bodies import DEFAULT_RENDERERS, Renderers

__all__ = ["DESCRIPTION", "listen", "main"]

DESCRIPTION = "invoicery webhooks listen"


async def listen(
    db: Database,
    *,
    account_name: str,
    forward_to: str,
    stop: asyncio.Event,
    renderers: Renderers = DEFAULT_RENDERERS,
    poll_seconds: float = 0.5,
    out: TextIO = sys.stdout,
) -> None:
    """Forward the account's events to `forward_to` until `stop` is set; then unregister."""
    account = await accounts.get_or_raise(db, name=account_name)
    endpoint = await webhooks.create_endpoint(
        db, account_id=account.id, url=forward_to, now=utc_now(), description=DESCRIPTION
    )
    print(f"Forwarding {account_name}'s events to {forward_to}", file=out, flush=True)
    print(f"Signing secret: {endpoint.secret}", file=out, flush=True)
    lines = logging.StreamHandler(out)
    lines.setFormatter(logging.Formatter("%(message)s"))
    logger = logging.getLogger("invoicery.webhooks")
    logger.addHandler(lines)
    logger.setLevel(logging.INFO)
    try:
        async with sender.new_client(allow_private=True) as client:
            deliverer = Deliverer(db, client, renderers=renderers, only=(account.id, endpoint.id))
            while not stop.is_set():
                await deliverer.run_once(now=utc_now())
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), poll_seconds)
    finally:
        logger.removeHandler(lines)
        await webhooks.delete(db, account_id=account.id, endpoint_id=endpoint.id)
        print(f"Removed the endpoint {endpoint.public_id}", file=out, flush=True)


def main(settings: Settings, *, account_name: str, forward_to: str, renderers: Renderers) -> int:
    """Run `listen` in the foreground until SIGINT or SIGTERM."""

    async def run() -> None:
        db = Database(settings.resolved_database_url(), pool_size=2)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        try:
            await listen(
                db,
                account_name=account_name,
                forward_to=forward_to,
                stop=stop,
                renderers=renderers,
            )
        finally:
            await db.dispose()

    asyncio.run(run())
    return 0
