"""The event log: written with the change or not at all, per account, pruned by age."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from uuid import UUID

import pytest

from invoicery.domain import ids
from invoicery.domain.events import EventType
from invoicery.payments.sandbox import SandboxProcessor
from invoicery.service import events
from invoicery.store.database import Database
from invoicery.worker import run
from tests.support.tenant import Tenant


def _account(tenant: Tenant) -> UUID:
    return ids.decode(ids.ACCOUNT, tenant.client.account_id)


async def test_an_event_is_kept_when_its_transaction_commits(db: Database, tenant: Tenant) -> None:
    async with db.write() as conn:
        recorded = await events.record(
            conn,
            account_id=_account(tenant),
            type=EventType.INVOICE_CREATED,
            subject_id="inv_x",
            snapshot={"total": 1234, "lines": [{"name": "Seats"}]},
        )
    [found] = await events.recent(db, account_id=_account(tenant))
    assert found == recorded
    assert found.public_id.startswith("evt_")
    assert found.snapshot == {"total": 1234, "lines": [{"name": "Seats"}]}


async def test_an_event_is_gone_with_a_rolled_back_change(db: Database, tenant: Tenant) -> None:
    async def change_that_fails() -> None:
        async with db.write() as conn:
            await events.record(
                conn,
                account_id=_account(tenant),
                type=EventType.CUSTOMER_CREATED,
                subject_id="cus_x",
                snapshot={},
            )
            raise RuntimeError("the change failed after its event was written")

    with pytest.raises(RuntimeError):
        await change_that_fails()
    assert await events.recent(db, account_id=_account(tenant)) == []


async def test_events_are_listed_newest_first_per_account_and_type(
    db: Database, tenant: Tenant, other_tenant: Tenant
) -> None:
    kinds = [EventType.INVOICE_CREATED, EventType.INVOICE_FINALIZED, EventType.COUPON_CREATED]
    for kind in kinds:
        async with db.write() as conn:
            await events.record(
                conn, account_id=_account(tenant), type=kind, subject_id="x", snapshot={}
            )
    async with db.write() as conn:
        await events.record(
            conn,
            account_id=_account(other_tenant),
            type=EventType.INVOICE_CREATED,
            subject_id="theirs",
            snapshot={},
        )
    listed = await events.recent(db, account_id=_account(tenant))
    assert [event.type for event in listed] == kinds[::-1]
    invoices = await events.recent(
        db, account_id=_account(tenant), types=[EventType.INVOICE_CREATED]
    )
    assert [event.subject_id for event in invoices] == ["x"]


async def test_pruning_deletes_only_events_older_than_the_retention(
    db: Database, tenant: Tenant
) -> None:
    async with db.write() as conn:
        kept = await events.record(
            conn,
            account_id=_account(tenant),
            type=EventType.CREDIT_CREATED,
            subject_id="c",
            snapshot={},
        )
    # The clock is injected: thirty days on, the event is exactly at the edge and stays.
    edge = kept.created_at + timedelta(days=30)
    await events.prune(db, now=edge, retention=timedelta(days=30))
    assert await events.recent(db, account_id=_account(tenant)) == [kept]
    later = edge + timedelta(microseconds=1)
    assert await events.prune(db, now=later, retention=timedelta(days=30)) >= 1
    assert await events.recent(db, account_id=_account(tenant)) == []


async def test_the_workers_maintenance_pass_prunes_events_past_the_retention(
    db: Database, tenant: Tenant
) -> None:
    async with db.write() as conn:
        await events.record(
            conn,
            account_id=_account(tenant),
            type=EventType.COUPON_CREATED,
            subject_id="c",
            snapshot={},
        )
    stop = asyncio.Event()

    async def stop_after_first_pass() -> None:
        while await events.recent(db, account_id=_account(tenant)):  # noqa: ASYNC110 - polls the db
            await asyncio.sleep(0.01)
        stop.set()

    # A retention of zero: the maintenance pass of the worker's first round deletes it.
    await asyncio.wait_for(
        asyncio.gather(
            run(
                db,
                SandboxProcessor(),
                poll_seconds=0.01,
                processor_timeout=5,
                stop=stop,
                event_retention=timedelta(0),
            ),
            stop_after_first_pass(),
        ),
        timeout=30,
    )
    assert await events.recent(db, account_id=_account(tenant)) == []
