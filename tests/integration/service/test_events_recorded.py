"""Each state change records one event, from whichever face it came, and a refused one none."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from fastapi import FastAPI

from invoicery.domain import ids
from invoicery.domain.coupons import Coupon
from invoicery.domain.credits import CreditEntry
from invoicery.domain.customer import Customer
from invoicery.domain.events import Event, EventType
from invoicery.domain.invoice import Invoice
from invoicery.service import events
from invoicery.service._time import utc_now
from invoicery.service.settlement import settle_due
from invoicery.store.database import Database
from invoicery.store.snapshots import restore
from tests.integration.api.billing import v1
from tests.integration.pages.hosted import (
    DECLINED_CARD,
    GOOD_ACCOUNT,
    GOOD_CARD,
    open_page,
    transactions_of,
)
from tests.support.tenant import Tenant

API = v1.API


def _account(tenant: Tenant) -> UUID:
    return ids.decode(ids.ACCOUNT, tenant.client.account_id)


async def _events(db: Database, tenant: Tenant) -> list[Event]:
    """The tenant's events, oldest first."""
    return (await events.recent(db, account_id=_account(tenant)))[::-1]


async def test_customer_changes_on_either_face_record_one_event_each(
    db: Database, tenant: Tenant
) -> None:
    ap = await tenant.customer(name="Ada")
    billing = await v1.customer(tenant, name="Acme", alias="acme")
    await tenant.request("PATCH", f"{API}/customers/acme", json={"phone": "+49 30 1234"})
    await tenant.request("DELETE", f"{API}/customers/acme")
    await tenant.request("POST", f"{API}/customers/acme/unarchive")
    recorded = await _events(db, tenant)
    assert [(event.type, event.subject_id) for event in recorded] == [
        (EventType.CUSTOMER_CREATED, ap["id"]),
        (EventType.CUSTOMER_CREATED, billing["id"]),
        (EventType.CUSTOMER_UPDATED, billing["id"]),
        (EventType.CUSTOMER_ARCHIVED, billing["id"]),
        (EventType.CUSTOMER_UPDATED, billing["id"]),
    ]
    updated = restore(Customer, recorded[2].snapshot)
    assert updated.phone == "+49 30 1234"
    assert restore(Customer, recorded[3].snapshot).archived_at is not None
    assert restore(Customer, recorded[0].snapshot).name == "Ada"


async def test_a_refused_change_records_nothing(db: Database, tenant: Tenant) -> None:
    await v1.customer(tenant, alias="taken")
    duplicate = await tenant.request(
        "POST", f"{API}/customers", json=v1.customer_body(alias="taken")
    )
    assert duplicate.status_code == 409
    archived_twice = [await tenant.request("DELETE", f"{API}/customers/taken") for _ in range(2)]
    assert [response.status_code for response in archived_twice] == [204, 409]
    kinds = [event.type for event in await _events(db, tenant)]
    assert kinds == [EventType.CUSTOMER_CREATED, EventType.CUSTOMER_ARCHIVED]


async def test_coupons_and_credit_grants_record_their_events(db: Database, tenant: Tenant) -> None:
    coupon = await v1.coupon(tenant, "TEN", type="Percentage", percentage="10")
    customer = await v1.customer(tenant)
    body = {"amount": 500, "currency": "USD"}
    grant = await tenant.request("POST", f"{API}/customers/{customer['id']}/credits", json=body)
    assert grant.status_code == 201
    recorded = await _events(db, tenant)
    assert [event.type for event in recorded] == [
        EventType.COUPON_CREATED,
        EventType.CUSTOMER_CREATED,
        EventType.CREDIT_CREATED,
    ]
    assert recorded[0].subject_id == coupon["id"]
    assert restore(Coupon, recorded[0].snapshot).code == "TEN"
    assert restore(CreditEntry, recorded[2].snapshot).amount == 500


async def test_each_invoice_change_records_one_event_on_either_face(
    db: Database, tenant: Tenant
) -> None:
    draft = await v1.draft(tenant)
    url = f"{API}/invoices/{draft['id']}"
    await tenant.request("PATCH", url, json={"memo": "changed"})
    await v1.act(tenant, draft["id"], "finalize")
    await v1.act(tenant, draft["id"], "mark-uncollectible")
    await v1.act(tenant, draft["id"], "void")
    ap = await tenant.invoice()
    assert (await tenant.request("DELETE", f"/invoices/{ap['id']}")).status_code == 200
    assert (await tenant.request("POST", f"/invoices/{ap['id']}/restore")).status_code == 200
    recorded = [
        (event.type, event.subject_id)
        for event in await _events(db, tenant)
        if event.type.subject == "invoice"
    ]
    assert recorded == [
        (EventType.INVOICE_CREATED, draft["id"]),
        (EventType.INVOICE_UPDATED, draft["id"]),
        (EventType.INVOICE_FINALIZED, draft["id"]),
        (EventType.INVOICE_MARKED_UNCOLLECTIBLE, draft["id"]),
        (EventType.INVOICE_VOIDED, draft["id"]),
        (EventType.INVOICE_CREATED, ap["id"]),
        (EventType.INVOICE_ARCHIVED, ap["id"]),
        (EventType.INVOICE_RESTORED, ap["id"]),
    ]
    snapshots = [e for e in await _events(db, tenant) if e.subject_id == draft["id"]]
    assert restore(Invoice, snapshots[1].snapshot).memo == "changed"
    finalized = restore(Invoice, snapshots[2].snapshot)
    assert finalized.invoice_number is not None
    assert finalized.total == draft["total"]


async def test_a_refused_invoice_change_records_nothing(db: Database, tenant: Tenant) -> None:
    draft = await v1.draft(tenant)
    await v1.act(tenant, draft["id"], "finalize")
    again = await tenant.request("POST", f"{API}/invoices/{draft['id']}/finalize")
    assert again.status_code == 409
    kinds = [e.type for e in await _events(db, tenant) if e.type.subject == "invoice"]
    assert kinds == [EventType.INVOICE_CREATED, EventType.INVOICE_FINALIZED]


async def test_card_payments_record_the_payment_and_the_paid_invoice(
    db: Database, tenant: Tenant
) -> None:
    declined = await open_page(tenant)
    assert (await declined.pay_card(DECLINED_CARD)).status_code == 402
    paid = await open_page(tenant)
    assert (await paid.pay_card(GOOD_CARD)).status_code == 303
    recorded = [
        (event.type, event.subject_id)
        for event in await _events(db, tenant)
        if event.type.subject in ("payment", "invoice")
        and event.type is not EventType.INVOICE_CREATED
    ]
    [failed_txn] = await transactions_of(db, tenant, declined.invoice_id)
    [paid_txn] = await transactions_of(db, tenant, paid.invoice_id)
    assert recorded == [
        (EventType.PAYMENT_FAILED, ids.encode(ids.TRANSACTION, failed_txn.id)),
        (EventType.PAYMENT_SUCCEEDED, ids.encode(ids.TRANSACTION, paid_txn.id)),
        (EventType.INVOICE_PAID, paid.invoice_id),
    ]
    paid_event = (await _events(db, tenant))[-1]
    assert restore(Invoice, paid_event.snapshot).paid_at is not None


async def test_a_bank_payment_records_its_submission_then_its_settlement(
    app: FastAPI, db: Database, tenant: Tenant
) -> None:
    app.state.settings = app.state.settings.model_copy(update={"ach_settlement_seconds": 60})
    page = await open_page(tenant)
    assert (await page.pay_bank(GOOD_ACCOUNT)).status_code == 303
    later = utc_now() + timedelta(seconds=61)
    assert await settle_due(db, app.state.processor, now=later, processor_timeout=5) == 1
    [transaction] = await transactions_of(db, tenant, page.invoice_id)
    recorded = [
        (event.type, event.subject_id)
        for event in await _events(db, tenant)
        if event.type not in (EventType.INVOICE_CREATED, EventType.CUSTOMER_CREATED)
    ]
    assert recorded == [
        (EventType.INVOICE_UPDATED, page.invoice_id),  # RECEIVED: a debit in flight
        (EventType.PAYMENT_SUCCEEDED, ids.encode(ids.TRANSACTION, transaction.id)),
        (EventType.INVOICE_PAID, page.invoice_id),
    ]
