"""The worker, as `serve` runs it: webhooks go out on their own poll beside settlement."""

from __future__ import annotations

import asyncio

import pytest

from invoicery.config import Settings
from invoicery.domain.events import EventType
from invoicery.payments.sandbox import SandboxProcessor
from invoicery.service import accounts, events, webhooks
from invoicery.service._time import utc_now
from invoicery.store.database import Database
from invoicery.worker import in_background
from tests.support.receiver import receiver


async def test_the_background_worker_delivers_webhooks(db: Database, settings: Settings) -> None:
    account = await accounts.get_or_create(db, name="worker-webhooks")
    configured = settings.model_copy(
        update={"webhook_allow_private": True, "webhook_poll_seconds": 0.05}
    )
    with receiver() as hooks:
        await webhooks.create_endpoint(db, account_id=account.id, url=hooks.url, now=utc_now())
        async with in_background(db, SandboxProcessor(), configured):
            async with db.write() as conn:
                event = await events.record(
                    conn,
                    account_id=account.id,
                    type=EventType.CUSTOMER_CREATED,
                    subject_id="cus_1",
                    snapshot={"id": "cus_1", "name": "Ada"},
                )
            [request] = await asyncio.to_thread(hooks.wait_for, 1)
        assert request.headers["webhook-id"] == event.public_id


def test_private_targets_are_allowed_only_by_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("INVOICERY_WEBHOOK_ALLOW_PRIVATE", raising=False)
    assert Settings().webhook_allow_private is False
    monkeypatch.setenv("INVOICERY_WEBHOOK_ALLOW_PRIVATE", "true")
    assert Settings().webhook_allow_private is True
