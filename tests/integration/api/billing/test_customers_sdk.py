"""The official `meteroid` SDK's customer calls work against billing-v1 2026-10 as they are.

Every call the SDK offers on customers decodes without error and returns what was
stored; each response is also checked against the 2026-10 document, no extra
properties allowed (see `tests/conftest.py`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from meteroid import AsyncMeteroid, BadRequestError, ConflictError, NotFoundError
from meteroid.models import (
    Address,
    Customer,
    CustomerPortalScope,
    CustomTaxRate,
    ShippingAddress,
)

from tests.integration.api.billing.v1 import API
from tests.support.sdk import meteroid_client
from tests.support.tenant import Tenant

BERLIN = Address(line1="Unter den Linden 1", city="Berlin", zip_code="10117", country="DE")
# What Invoicery renders beyond Meteroid's `Customer`: the SDK keeps them as extra fields.
EXTENSIONS = {"is_tax_exempt", "exemption_reason", "archived_at"}


@pytest.fixture
async def sdk(tenant: Tenant, http: httpx.AsyncClient) -> AsyncMeteroid:
    return await meteroid_client(tenant, http)


def fields_of(customer: Customer, leaving_out: set[str]) -> dict[str, Any]:
    """The SDK model's fields, but those named in `leaving_out`."""
    names = {field.name for field in dataclasses.fields(customer)} - leaving_out
    return {name: getattr(customer, name) for name in names}


async def company(sdk: AsyncMeteroid, **fields: Any) -> Customer:
    """A COMPANY customer in EUR named Acme, with `fields`."""
    return await sdk.customers.create(**{"name": "Acme GmbH", "currency": "EUR", **fields})


async def test_create_takes_every_field_and_retrieve_returns_it_by_id_and_alias(
    sdk: AsyncMeteroid,
) -> None:
    created = await company(
        sdk,
        alias="acme",
        billing_email="billing@acme.example",
        phone="+49 30 1234567",
        vat_number="DE123456789",
        billing_address=BERLIN,
        shipping_address=ShippingAddress(same_as_billing=True),
        legal_number="HRB 12345",
        buyer_reference="04011000-12345-67",
        exemption_reason="Reverse charge",
        preferred_locales=["de-DE", "en"],
        custom_properties={"crm_id": "A-1", "seats": 12, "tags": ["gold", "eu"], "vip": True},
        is_tax_exempt=True,
        connected_account_id=None,
    )
    assert created.id.startswith("cus_")
    assert (created.name, created.alias, created.currency) == ("Acme GmbH", "acme", "EUR")
    assert created.customer_type == "COMPANY"
    assert (created.first_name, created.last_name) == (None, None)
    assert (created.legal_number, created.buyer_reference) == ("HRB 12345", "04011000-12345-67")
    assert created.billing_email == "billing@acme.example"
    assert (created.phone, created.vat_number) == ("+49 30 1234567", "DE123456789")
    assert created.billing_address == Address(
        line1="Unter den Linden 1",
        line2=None,
        city="Berlin",
        state=None,
        zip_code="10117",
        country="DE",
    )
    assert created.shipping_address is not None
    assert created.shipping_address.same_as_billing is True
    assert (created.invoicing_emails, created.custom_taxes) == ([], [])
    assert created.preferred_locales == ["de-DE", "en"]
    assert created.invoicing_language == "de-DE"
    assert created.custom_properties == {
        "crm_id": "A-1",
        "seats": 12,
        "tags": ["gold", "eu"],
        "vip": True,
    }
    assert created.connected_account_id is None
    assert created.invoicing_entity_id.startswith("ive_")
    assert created.extra_fields == {
        "is_tax_exempt": True,
        "exemption_reason": "Reverse charge",
        "archived_at": None,
    }
    for reference in (created.id, "acme"):
        fetched = await sdk.customers.retrieve(reference)
        assert fetched == created
        assert fetched.extra_fields == created.extra_fields


async def test_create_takes_invoicing_emails_and_custom_taxes_when_given(
    sdk: AsyncMeteroid,
) -> None:
    created = await company(
        sdk,
        invoicing_emails=["ap@acme.example"],
        custom_taxes=[CustomTaxRate(tax_code="DE-VAT", name="VAT", rate="0.19")],
        invoicing_language="fr",
    )
    assert created.invoicing_emails == ["ap@acme.example"]
    assert created.custom_taxes == [CustomTaxRate(tax_code="DE-VAT", name="VAT", rate="0.19")]
    assert (created.preferred_locales, created.invoicing_language) == (["fr"], "fr")
    assert created.custom_properties == {}


async def test_an_individual_is_named_by_first_and_last_name(sdk: AsyncMeteroid) -> None:
    person = await sdk.customers.create(
        currency="EUR",
        customer_type="INDIVIDUAL",
        first_name="Ada",
        last_name="Lovelace",
        name="ignored for a person",
        billing_address=Address(country="GB"),
    )
    assert (person.customer_type, person.name) == ("INDIVIDUAL", "Ada Lovelace")
    assert (person.first_name, person.last_name) == ("Ada", "Lovelace")
    assert await sdk.customers.retrieve(person.id) == person


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"customer_type": "INDIVIDUAL", "first_name": "Ada"}, "last_name"),
        ({"customer_type": "INDIVIDUAL", "first_name": "A", "last_name": "L"}, "country"),
        ({"customer_type": "COMPANY"}, "name"),
        ({"name": "X", "preferred_locales": ["not a tag"]}, "preferred_locales"),
        ({"name": "X", "connected_account_id": "ca_1"}, "connected_account_id"),
        ({"name": "X", "invoicing_entity_id": "ive_other"}, "invoicing_entity_id"),
        ({"name": "X", "custom_properties": {f"k{n}": n for n in range(51)}}, "custom_prop"),
        ({"name": "X", "custom_properties": {"nested": {"a": 1}}}, "custom_prop"),
        ({"name": "X", "currency": "XXX"}, "currency"),
    ],
)
async def test_invalid_customers_are_refused_naming_the_field(
    sdk: AsyncMeteroid, fields: dict[str, Any], named: str
) -> None:
    with pytest.raises(BadRequestError) as refused:
        await sdk.customers.create(**{"currency": "EUR", **fields})
    assert refused.value.status_code == 400
    assert named in str(refused.value)


async def test_list_pages_through_every_customer_with_each_filter_and_order(
    sdk: AsyncMeteroid, other_tenant: Tenant, http: httpx.AsyncClient
) -> None:
    names = ["Delta", "Alpha", "Charlie", "Bravo", "Echo"]
    made = [
        await company(sdk, name=name, billing_email=f"{name.lower()}@example.com", alias=alias)
        for name, alias in zip(names, ["d", None, "c", "b", None], strict=True)
    ]
    await company(await meteroid_client(other_tenant, http), name="Not mine")
    ids = [customer.id for customer in made]

    listed = [customer async for customer in sdk.customers.list(per_page=2)]
    assert listed == list(reversed(made))
    first = await sdk.customers.list(per_page=2)
    assert first.pagination_meta.total_items == 5
    assert first.pagination_meta.total_pages == 3

    async def order(order_by: str) -> list[str]:
        return [c.id async for c in sdk.customers.list(order_by=order_by, per_page=2)]

    assert await order("created_at.asc") == ids
    assert await order("created_at.desc") == list(reversed(ids))
    assert await order("name.asc") == [ids[1], ids[3], ids[2], ids[0], ids[4]]
    assert await order("email.desc") == [ids[4], ids[0], ids[2], ids[3], ids[1]]
    # no alias sorts last ascending, first descending; ties go by creation
    assert await order("alias.asc") == [ids[3], ids[2], ids[0], ids[1], ids[4]]
    assert await order("alias.desc") == [ids[4], ids[1], ids[0], ids[2], ids[3]]

    found = [c.id async for c in sdk.customers.list(search="charl")]
    assert found == [ids[2]]
    await sdk.customers.archive(ids[0])
    archived = [c async for c in sdk.customers.list(archived=True)]
    assert [c.id for c in archived] == [ids[0]]
    assert archived[0].extra_fields["archived_at"] is not None
    live = [c.id async for c in sdk.customers.list(archived=False)]
    assert ids[0] not in live
    assert len(live) == 4
    for bad in ("name", "name.up", "phone.asc", "created_at.desc.asc"):
        with pytest.raises(BadRequestError, match="order_by"):
            await sdk.customers.list(order_by=bad)


async def test_replace_sets_the_full_state_and_keeps_the_persons_name(
    sdk: AsyncMeteroid,
) -> None:
    person = await sdk.customers.create(
        currency="EUR",
        alias="ada",
        customer_type="INDIVIDUAL",
        first_name="Ada",
        last_name="Lovelace",
        billing_address=Address(country="GB"),
        phone="+44 20 1234",
        preferred_locales=["en-GB"],
        custom_properties={"crm_id": "A-1"},
        legal_number="L-1",
    )
    replaced = await sdk.customers.replace(
        "ada",
        currency="GBP",
        invoicing_emails=["ada@example.com"],
        custom_taxes=[],
        invoicing_entity_id=person.invoicing_entity_id,
        billing_address=Address(city="London", country="GB"),
        buyer_reference="B-2",
    )
    assert replaced.id == person.id
    assert (replaced.customer_type, replaced.name) == ("INDIVIDUAL", "Ada Lovelace")
    assert (replaced.first_name, replaced.last_name) == ("Ada", "Lovelace")
    assert (replaced.currency, replaced.invoicing_emails) == ("GBP", ["ada@example.com"])
    assert replaced.billing_address is not None
    assert replaced.billing_address.city == "London"
    # cleared: left out of a full replace
    assert (replaced.alias, replaced.phone, replaced.legal_number) == (None, None, None)
    assert replaced.buyer_reference == "B-2"
    assert replaced.preferred_locales == []
    assert replaced.invoicing_language is None
    # kept: custom properties are only replaced when given
    assert replaced.custom_properties == {"crm_id": "A-1"}
    assert await sdk.customers.retrieve(person.id) == replaced

    company_now = await sdk.customers.replace(
        person.id,
        currency="GBP",
        invoicing_emails=[],
        custom_taxes=[],
        invoicing_entity_id=person.invoicing_entity_id,
        customer_type="COMPANY",
        name="Analytical Engines Ltd",
        custom_properties={"tier": "gold"},
    )
    assert (company_now.customer_type, company_now.name) == ("COMPANY", "Analytical Engines Ltd")
    assert company_now.custom_properties == {"tier": "gold"}
    with pytest.raises(BadRequestError, match="invoicing_entity_id"):
        await sdk.customers.replace(
            person.id,
            currency="GBP",
            invoicing_emails=[],
            custom_taxes=[],
            invoicing_entity_id="ive_elsewhere",
            name="X",
        )


async def test_update_changes_only_what_is_given_and_not_null(sdk: AsyncMeteroid) -> None:
    created = await company(
        sdk,
        alias="acme",
        phone="+49 30 1",
        vat_number="DE1",
        preferred_locales=["de", "en"],
        custom_properties={"crm_id": "A-1", "seats": 5},
    )
    patched = await sdk.customers.update(
        "acme",
        phone="+49 30 2",
        alias=None,  # null leaves a field unchanged in 2026-10
        currency=None,
        custom_properties={"seats": 7, "crm_id": None, "region": "EU"},
    )
    assert (patched.phone, patched.alias, patched.currency) == ("+49 30 2", "acme", "EUR")
    assert patched.vat_number == "DE1"
    assert patched.custom_properties == {"seats": 7, "region": "EU"}
    assert patched.preferred_locales == ["de", "en"]
    changed = {"phone", "custom_properties"}
    assert fields_of(patched, changed) == fields_of(created, changed)

    french = await sdk.customers.update(created.id, invoicing_language="fr")
    assert (french.preferred_locales, french.invoicing_language) == (["fr"], "fr")
    both = await sdk.customers.update(
        created.id, preferred_locales=["en-US"], invoicing_language="de"
    )
    assert both.preferred_locales == ["en-US"]
    reset = await sdk.customers.update(created.id, preferred_locales=[])
    assert (reset.preferred_locales, reset.invoicing_language) == ([], None)

    person = await sdk.customers.update(
        created.id,
        customer_type="INDIVIDUAL",
        first_name="Grace",
        last_name="Hopper",
        billing_address=Address(country="US"),
    )
    assert (person.customer_type, person.name) == ("INDIVIDUAL", "Grace Hopper")
    renamed = await sdk.customers.update(created.id, last_name="Murray")
    assert renamed.name == "Grace Murray"
    with pytest.raises(BadRequestError, match="name"):
        await sdk.customers.update(created.id, customer_type="COMPANY", name="")
    assert await sdk.customers.retrieve(created.id) == renamed


async def test_a_taken_alias_is_a_conflict(sdk: AsyncMeteroid) -> None:
    await company(sdk, alias="first")
    second = await company(sdk, alias="second")
    with pytest.raises(ConflictError):
        await company(sdk, alias="first")
    with pytest.raises(ConflictError):
        await sdk.customers.update(second.id, alias="first")


async def test_archive_and_unarchive(sdk: AsyncMeteroid) -> None:
    created = await company(sdk, alias="leaving")
    await sdk.customers.archive("leaving")
    archived = await sdk.customers.retrieve(created.id)
    assert archived.extra_fields["archived_at"] is not None
    with pytest.raises(ConflictError):
        await sdk.customers.archive(created.id)
    await sdk.customers.unarchive("leaving")
    assert (await sdk.customers.retrieve("leaving")).extra_fields["archived_at"] is None
    with pytest.raises(ConflictError):
        await sdk.customers.unarchive(created.id)


async def test_a_portal_token_and_no_entitlements(sdk: AsyncMeteroid) -> None:
    created = await company(sdk, alias="portal")
    token = await sdk.customers.create_portal_token(
        "portal", expires_in_seconds=3600, scopes=[CustomerPortalScope.READ]
    )
    assert token.token
    assert token.token in token.portal_link
    entitlements = await sdk.customers.list_entitlements(created.id)
    assert entitlements.data == []
    assert (await sdk.customers.list_entitlements("portal")).data == []


async def test_unknown_and_foreign_customers_are_not_found(
    sdk: AsyncMeteroid, other_tenant: Tenant, http: httpx.AsyncClient
) -> None:
    theirs = await company(await meteroid_client(other_tenant, http), alias="theirs")
    entity = (await company(sdk)).invoicing_entity_id
    customers = sdk.customers
    calls: list[Callable[[str], Awaitable[object]]] = [
        customers.retrieve,
        lambda reference: customers.update(reference, name="X"),
        lambda reference: customers.replace(
            reference,
            currency="EUR",
            invoicing_emails=[],
            custom_taxes=[],
            invoicing_entity_id=entity,
        ),
        customers.archive,
        customers.unarchive,
        customers.list_entitlements,
        customers.create_portal_token,
    ]
    for reference in ("cus_nope", "no-such-alias", theirs.id, "theirs"):
        for call in calls:
            with pytest.raises(NotFoundError):
                await call(reference)


async def test_one_customer_in_both_versions_and_on_the_ap_face(
    sdk: AsyncMeteroid, tenant: Tenant
) -> None:
    created = await company(
        sdk,
        alias="both",
        billing_email="both@example.com",
        preferred_locales=["de-AT", "en"],
        custom_properties={"k": "v"},
    )
    old = await tenant.request(
        "GET", f"{API}/customers/both", headers={"Invoicery-Version": "2026-03"}
    )
    assert old.status_code == 200, old.text
    assert old.headers["invoicery-version"] == "2026-03"
    assert "preferred_locales" not in old.json()
    assert old.json()["name"] == created.name
    ap = (await tenant.request("GET", f"/customers/{created.id}")).json()
    assert (ap["email"], ap["external_id"], ap["locale"]) == ("both@example.com", "both", "de-AT")

    renamed = await tenant.request(
        "PATCH",
        f"{API}/customers/both",
        json={"name": "Renamed", "vat_number": None},
        headers={"Invoicery-Version": "2026-03"},
    )
    assert renamed.status_code == 200, renamed.text
    kept = await sdk.customers.retrieve("both")
    assert (kept.name, kept.preferred_locales, kept.custom_properties) == (
        "Renamed",
        ["de-AT", "en"],
        {"k": "v"},
    )

    from_ap = await tenant.customer(name="Gerda", email="gerda@example.de", locale="de")
    seen = await sdk.customers.retrieve(from_ap["id"])
    assert (seen.preferred_locales, seen.invoicing_language) == (["de"], "de")
    assert seen.customer_type == "COMPANY"


async def test_each_version_publishes_its_own_customer_shapes(http: httpx.AsyncClient) -> None:
    new = (await http.get(f"{API}/openapi.json?version=2026-10")).json()["components"]
    old = (await http.get(f"{API}/openapi.json?version=2026-03")).json()["components"]
    meteroid_fields = {
        "preferred_locales",
        "custom_properties",
        "customer_type",
        "first_name",
        "last_name",
        "legal_number",
        "buyer_reference",
        "connected_account_id",
        "invoicing_language",
    }
    assert meteroid_fields <= set(new["schemas"]["Customer"]["properties"])
    assert set(new["schemas"]["Customer"]["required"]) >= meteroid_fields | EXTENSIONS
    assert not meteroid_fields & set(old["schemas"]["Customer"]["properties"])
    create = new["schemas"]["CustomerCreateRequest"]
    assert set(create["required"]) == {"currency"}
    assert "preferred_locales" in create["properties"]
    assert "preferred_locales" not in old["schemas"]["CustomerCreateRequest"]["properties"]
    assert set(old["schemas"]["CustomerCreateRequest"]["required"]) == {
        "name",
        "invoicing_emails",
        "currency",
        "custom_taxes",
    }
