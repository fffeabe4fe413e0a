"""Each state change records one event, from whichever face it came, and a refused one none."""

from __future__ import annotations

from uuid import UUID

from invoicery.domain import ids
from invoicery.domain.coupons import Coupon
from invoicery.domain.credits import CreditEntry
from invoicery.domain.customer import Customer
from invoicery.domain.events import Event, EventType
from invoicery.service import events
from invoicery.store.database import Database
from invoicery.store.snapshots import restore
from tests.integration.api.billing import v1
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
