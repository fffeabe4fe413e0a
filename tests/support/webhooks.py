"""Webhook helpers for API tests: one delivery pass as the worker runs it, a clean slate."""

from __future__ import annotations

import random
from datetime import datetime

from sqlalchemy import delete

from invoicery.app import webhook_renderers
from invoicery.config import Settings
from invoicery.service.webhook_delivery import Deliverer
from invoicery.store.database import Database
from invoicery.store.tables import webhook_endpoints
from invoicery.webhooks import sender


async def without_endpoints(db: Database) -> None:
    """Remove every endpoint of earlier tests, so a delivery pass attempts only this test's."""
    async with db.write() as conn:
        await conn.execute(delete(webhook_endpoints))


async def deliver(db: Database, settings: Settings, *, now: datetime) -> int:
    """One pass of the worker's delivery at `now`, with the faces' renderers; attempts made."""
    async with sender.new_client(allow_private=settings.webhook_allow_private) as client:
        deliverer = Deliverer(db, client, renderers=webhook_renderers(), rng=random.Random(0))
        return await deliverer.run_once(now=now)
