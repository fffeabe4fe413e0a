"""The one customers service of both faces: references, the archive rule, shared filters."""

from __future__ import annotations

import asyncio
from uuid import uuid4

import pytest

from invoicery.auth.tokens import Principal
from invoicery.domain import ids
from invoicery.domain.errors import InvalidInput, InvalidState, NotFound
from invoicery.service import customers
from invoicery.service.customers import CustomerQuery, NewCustomer
from invoicery.store.database import Database
from invoicery.store.pagination import PageRequest
from tests.support.tenant import Tenant


def _principal(tenant: Tenant) -> Principal:
    account_id = ids.decode(ids.ACCOUNT, tenant.client.account_id)
    return Principal(account_id, uuid4(), frozenset(), "UTC")


async def test_an_alias_names_a_customer_only_where_the_face_allows_it(
    db: Database, tenant: Tenant
) -> None:
    principal = _principal(tenant)
    created = await customers.create(
        db, principal=principal, new=NewCustomer(name="Ada", external_id="crm-1")
    )
    found = await customers.get_or_raise(db, principal=principal, reference="crm-1")
    assert found == created
    text_id = ids.encode(ids.CUSTOMER, created.id)
    by_id = await customers.get_or_raise(db, principal=principal, reference=text_id, by_alias=False)
    assert by_id == created
    with pytest.raises(NotFound):
        await customers.get_or_raise(db, principal=principal, reference="crm-1", by_alias=False)


async def test_create_and_update_check_the_same_rules(db: Database, tenant: Tenant) -> None:
    principal = _principal(tenant)
    with pytest.raises(InvalidInput) as raised:
        await customers.create(db, principal=principal, new=NewCustomer(name="", currency="XXX"))
    assert set(raised.value.fields) == {"name", "currency"}
    created = await customers.create(db, principal=principal, new=NewCustomer(name="Ada"))
    reference = ids.encode(ids.CUSTOMER, created.id)
    with pytest.raises(InvalidInput) as raised:
        await customers.update(
            db, principal=principal, reference=reference, changes={"name": "", "currency": "XXX"}
        )
    assert set(raised.value.fields) == {"name", "currency"}


async def test_one_archive_rule_whichever_way_the_customer_is_named(
    db: Database, tenant: Tenant
) -> None:
    principal = _principal(tenant)
    created = await customers.create(
        db, principal=principal, new=NewCustomer(name="Ada", external_id="ada")
    )
    archived = await customers.archive(
        db, principal=principal, reference=ids.encode(ids.CUSTOMER, created.id), by_alias=False
    )
    assert archived.archived_at is not None
    with pytest.raises(InvalidState, match=r"^the customer is already archived$"):
        await customers.archive(db, principal=principal, reference="ada")
    restored = await customers.unarchive(db, principal=principal, reference="ada")
    assert restored.archived_at is None
    with pytest.raises(InvalidState, match=r"^the customer is not archived$"):
        await customers.unarchive(db, principal=principal, reference="ada")


async def test_concurrent_archives_archive_once(db: Database, tenant: Tenant) -> None:
    principal = _principal(tenant)
    created = await customers.create(db, principal=principal, new=NewCustomer(name="Ada"))
    reference = ids.encode(ids.CUSTOMER, created.id)
    outcomes = await asyncio.gather(
        *(customers.archive(db, principal=principal, reference=reference) for _ in range(4)),
        return_exceptions=True,
    )
    assert sorted(type(outcome).__name__ for outcome in outcomes) == [
        "Customer",
        "InvalidState",
        "InvalidState",
        "InvalidState",
    ]


async def test_both_paging_styles_apply_the_same_filters(db: Database, tenant: Tenant) -> None:
    principal = _principal(tenant)
    for name, company in (("Ada", "Acme"), ("Grace", "Acme"), ("Alan", "Other")):
        await customers.create(
            db, principal=principal, new=NewCustomer(name=name, company_name=company)
        )
    query = CustomerQuery(search="a", company_name="Acme")
    keyset = await customers.list_page(
        db, principal=principal, query=query, page=PageRequest(limit=10)
    )
    numbered = await customers.list_numbered(
        db, principal=principal, query=query, page=0, per_page=10
    )
    assert [c.name for c in keyset.items] == [c.name for c in numbered.items] == ["Grace", "Ada"]
    assert numbered.total_items == 2
