"""The worker: settles due ACH debits and delivers webhooks, with no cron.

It runs as `invoicery worker`, and also inside every `invoicery serve` process unless
``INVOICERY_SETTLEMENT_IN_SERVER=false``. Any number of workers may run against one
PostgreSQL database: each due debit is claimed with ``SELECT … FOR UPDATE SKIP
LOCKED``, so no two take the same one. On SQLite, each settlement runs in a
``BEGIN IMMEDIATE`` transaction, and SQLite's single write lock gives the same
guarantee on the one host it serves. Webhooks are delivered beside it, on their own
poll (``INVOICERY_WEBHOOK_POLL_SECONDS``; see `invoicery.service.webhook_delivery`), and
so is e-mail (``INVOICERY_MAIL_POLL_SECONDS``; see `invoicery.service.notifications`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from typing import Any

from invoicery.auth.tokens import purge_expired
from invoicery.config import Settings
from invoicery.mail import MailTransport, transport_from_url
from invoicery.payments.processor import PaymentProcessor
from invoicery.payments.registry import create_processor
from invoicery.service import documents, events, idempotency, webhook_delivery
from invoicery.service._polling import Pass, log_failure, poll
from invoicery.service._time import utc_now
from invoicery.service.heartbeat import BEAT_SECONDS, Heartbeat
from invoicery.service.heartbeat import prune as prune_heartbeats
from invoicery.service.notifications import MailLinks, NoLinks, Notifier
from invoicery.service.settlement import settle_due
from invoicery.service.webhook_delivery import Deliverer
from invoicery.store.database import Database
from invoicery.webhooks import sender
from invoicery.webhooks.bodies import DEFAULT_RENDERERS, Renderers

__all__ = ["MAINTENANCE_SECONDS", "in_background", "mail_transport", "main", "notifier", "run"]

logger = logging.getLogger("invoicery.worker")

MAINTENANCE_SECONDS = 600.0
SHUTDOWN_GRACE_SECONDS = 5.0
"""How long stopping waits for a webhook pass in progress before cancelling it."""
DEFAULT_PDF_RETENTION = timedelta(days=30)


async def run(
    db: Database,
    processor: PaymentProcessor,
    *,
    poll_seconds: float,
    processor_timeout: float,
    stop: asyncio.Event,
    pdf_retention: timedelta = DEFAULT_PDF_RETENTION,
    event_retention: timedelta = events.DEFAULT_RETENTION,
    webhooks: Deliverer | None = None,
    webhook_poll_seconds: float = 1.0,
    mail: Notifier | None = None,
    mail_poll_seconds: float = 5.0,
    heartbeat: Heartbeat | None = None,
) -> None:
    """Settle due debits until `stop` is set, looking again every `poll_seconds`.

    With `webhooks`, it delivers them meanwhile, looking every `webhook_poll_seconds`;
    with `mail`, it sends e-mail, looking every `mail_poll_seconds`; with `heartbeat`, it
    beats every `BEAT_SECONDS` (what `GET /ready` looks at) and removes it when stopping.
    On its first pass and every `MAINTENANCE_SECONDS` after, it also deletes expired
    access tokens, cached PDFs older than `pdf_retention`, events and finished webhook
    deliveries older than `event_retention`, expired idempotency keys and the heartbeats of
    workers long gone, so no table grows without bound however busy the server is.
    """
    loops: list[tuple[Pass | None, float, str]] = [
        (webhooks, webhook_poll_seconds, "webhook delivery"),
        (mail, mail_poll_seconds, "e-mail"),
        (heartbeat, BEAT_SECONDS, "heartbeat"),
    ]
    beside = [
        asyncio.create_task(
            poll(task, poll_seconds=seconds, stop=stop, logger=logger, what=what),
            name=f"invoicery-{what.replace(' ', '-')}",
        )
        for task, seconds, what in loops
        if task is not None
    ]
    next_maintenance = 0.0
    try:
        while not stop.is_set():
            try:
                await settle_due(db, processor, now=utc_now(), processor_timeout=processor_timeout)
            except Exception as error:
                log_failure(logger, "settlement pass failed; retrying", error)
            if time.monotonic() >= next_maintenance:
                next_maintenance = time.monotonic() + MAINTENANCE_SECONDS
                await _maintain(db, pdf_retention, event_retention)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), poll_seconds)
    finally:
        stop.set()
        if beside:
            # A pass may be waiting on slow endpoints or a slow mail server; shutting down
            # does not wait for them. What it had claimed stays leased and is sent again.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.gather(*beside), SHUTDOWN_GRACE_SECONDS)
        if heartbeat is not None:
            await heartbeat.forget()


async def _maintain(db: Database, pdf_retention: timedelta, event_retention: timedelta) -> None:
    now = utc_now()
    chores: list[tuple[str, Callable[[], Awaitable[object]]]] = [
        ("purging expired tokens", lambda: purge_expired(db, now=now)),
        (
            "purging old cached PDFs",
            lambda: documents.purge_cached(db, now=now, retention=pdf_retention),
        ),
        ("pruning old events", lambda: events.prune(db, now=now, retention=event_retention)),
        (
            "pruning old webhook deliveries",
            lambda: webhook_delivery.prune(db, now=now, retention=event_retention),
        ),
        ("pruning expired idempotency keys", lambda: idempotency.prune(db, now=now)),
        ("pruning the heartbeats of workers long gone", lambda: prune_heartbeats(db, now=now)),
    ]
    for what, chore in chores:  # each on its own: one failing leaves the others to run
        try:
            await chore()
        except Exception as error:
            log_failure(logger, f"{what} failed; retrying later", error)


@contextlib.asynccontextmanager
async def in_background(
    db: Database,
    processor: PaymentProcessor,
    settings: Settings,
    *,
    renderers: Renderers = DEFAULT_RENDERERS,
    links: MailLinks | None = None,
) -> AsyncIterator[None]:
    """Run the worker as a task of the current event loop for the duration of the block.

    Webhook bodies are built by `renderers` (by default from the event snapshots as
    stored); e-mail links to and attaches what `links` gives (by default nothing).
    """
    stop = asyncio.Event()
    async with sender.new_client(allow_private=settings.webhook_allow_private) as client:
        task = asyncio.create_task(
            run(
                db,
                processor,
                stop=stop,
                webhooks=Deliverer(db, client, renderers=renderers),
                mail=notifier(db, settings, links),
                heartbeat=Heartbeat(db),
                **_run_settings(settings),
            ),
            name="invoicery-settlement",
        )
        try:
            yield
        finally:
            stop.set()
            await task


def mail_transport(settings: Settings) -> MailTransport:
    """Where e-mail goes: the SMTP server `settings` name, or .eml files when none is set."""
    url = settings.smtp_url.get_secret_value() if settings.smtp_url else None
    return transport_from_url(url, settings.data_dir)


def notifier(db: Database, settings: Settings, links: MailLinks | None = None) -> Notifier:
    """The e-mail sender `settings` configure."""
    return Notifier(
        db,
        mail_transport(settings),
        sender=settings.mail_from,
        links=links or NoLinks(),
    )


def _run_settings(settings: Settings) -> dict[str, Any]:
    return {
        "poll_seconds": settings.worker_poll_seconds,
        "processor_timeout": settings.processor_timeout_seconds,
        "pdf_retention": timedelta(days=settings.pdf_cache_days),
        "event_retention": timedelta(days=settings.event_retention_days),
        "webhook_poll_seconds": settings.webhook_poll_seconds,
        "mail_poll_seconds": settings.mail_poll_seconds,
    }


def main(
    settings: Settings,
    *,
    renderers: Renderers = DEFAULT_RENDERERS,
    links: Callable[[Database], MailLinks] | None = None,
) -> int:
    """Run the worker in the foreground until SIGINT or SIGTERM.

    `renderers` build webhook bodies; `links` makes what e-mail links to and attaches.
    """

    async def serve() -> None:
        db = Database(settings.resolved_database_url(), pool_size=2)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        try:
            async with sender.new_client(allow_private=settings.webhook_allow_private) as client:
                await run(
                    db,
                    create_processor(settings.payment_processor),
                    stop=stop,
                    webhooks=Deliverer(db, client, renderers=renderers),
                    mail=notifier(db, settings, links(db) if links else None),
                    heartbeat=Heartbeat(db),
                    **_run_settings(settings),
                )
        finally:
            await db.dispose()

    asyncio.run(serve())
    return 0
