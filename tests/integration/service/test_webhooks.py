"""Registering webhook endpoints: checked URLs, fresh secrets, one account's own only."""

from __future__ import annotations

import time
from datetime import timedelta
from uuid import UUID

import pytest

from invoicery.domain.errors import InvalidInput, NotFound
from invoicery.domain.events import EventType
from invoicery.domain.webhooks import Face
from invoicery.service import accounts, webhooks
from invoicery.service._time import utc_now
from invoicery.store.database import Database


async def _account(db: Database) -> UUID:
    return (await accounts.get_or_create(db, name=f"acct-{time.time_ns()}")).id


async def test_a_subscription_keeps_its_secret_to_send_and_shows_its_last_4(db: Database) -> None:
    account_id = await _account(db)
    created = await webhooks.create_subscription(
        db,
        account_id=account_id,
        endpoint_url="https://example.com/hooks",
        topic="invoice_paid",
        secret_key="sk_abcdef987654",
        now=utc_now(),
    )
    found = await webhooks.get_or_raise(db, account_id=account_id, endpoint_id=created.id)
    assert found == created
    assert (found.face, found.topic, found.secret_last_4) == (Face.AP, "invoice_paid", "7654")


async def test_a_v1_endpoint_gets_a_whsec_secret_that_rotates(db: Database) -> None:
    account_id = await _account(db)
    now = utc_now()
    created = await webhooks.create_endpoint(
        db,
        account_id=account_id,
        url="https://example.com/hooks",
        now=now,
        description="billing",
        event_types=[EventType.INVOICE_PAID, EventType.INVOICE_PAID],
        headers={"x-team": "billing"},
    )
    assert created.secret is not None
    assert created.secret.startswith("whsec_")
    assert created.event_types == (EventType.INVOICE_PAID,)
    rotated = await webhooks.rotate_secret(
        db, account_id=account_id, endpoint_id=created.id, now=now
    )
    found = await webhooks.get_or_raise(db, account_id=account_id, endpoint_id=created.id)
    assert found == rotated
    assert found.signing_secrets(now + timedelta(hours=1)) == (rotated.secret, created.secret)
    assert found.signing_secrets(now + timedelta(hours=25)) == (rotated.secret,)


@pytest.mark.parametrize("url", ["ftp://example.com/", "example.com/hooks", "https://u:p@x.com/"])
async def test_only_http_and_https_urls_are_accepted(db: Database, url: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        await webhooks.create_endpoint(db, account_id=await _account(db), url=url, now=utc_now())
    assert set(raised.value.fields) == {"url"}


async def test_another_accounts_endpoint_is_not_found(db: Database) -> None:
    ours, theirs = await _account(db), await _account(db)
    endpoint = await webhooks.create_endpoint(
        db, account_id=ours, url="https://example.com/hooks", now=utc_now()
    )
    with pytest.raises(NotFound):
        await webhooks.get_or_raise(db, account_id=theirs, endpoint_id=endpoint.id)
    with pytest.raises(NotFound):
        await webhooks.rotate_secret(db, account_id=theirs, endpoint_id=endpoint.id, now=utc_now())
    with pytest.raises(NotFound):
        await webhooks.delete(db, account_id=theirs, endpoint_id=endpoint.id)
    await webhooks.delete(db, account_id=ours, endpoint_id=endpoint.id)
    with pytest.raises(NotFound):
        await webhooks.get_or_raise(db, account_id=ours, endpoint_id=endpoint.id)
