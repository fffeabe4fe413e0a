"""Builders for e-invoicing tests: a German seller's settings, and a public buyer."""

from __future__ import annotations

from typing import Any

from invoicery.service import accounts
from invoicery.store.database import Database
from tests.integration.api.billing import v1
from tests.support.tenant import Tenant

LEITWEG_ID = "991-12345-67"
"""A German public buyer's routing id (BT-10), which XRechnung requires."""

SELLER: dict[str, Any] = {
    "legal_name": "Northwind Analytics GmbH",
    "display_name": "Northwind",
    "country": "DE",
    "address_line1": "Friedrichstraße 123",
    "city": "Berlin",
    "postal_code": "10117",
    "tax_id": "DE136695976",
    "tax_registration": "30/123/45678",
    "iban": "DE89 3704 0044 0532 0130 00",
    "bic": "COBADEFFXXX",
    "contact_name": "Grete Berger",
    "contact_email": "billing@northwind.example",
    "contact_phone": "+49 30 1234567",
}
"""Every seller setting an e-invoicing profile can need, valid."""


async def turn_on(db: Database, tenant: Tenant, profile: str, **settings: Any) -> None:
    """Give the tenant's account `SELLER`'s settings (and `settings`) and `profile`."""
    values = {**SELLER, **settings, "einvoicing": profile}
    await accounts.update_settings(db, name=tenant.account_name, settings=values)


async def public_buyer(tenant: Tenant, reference: str | None = LEITWEG_ID) -> str:
    """A German public buyer, made over billing v1 2026-10 with `reference` as its BT-10."""
    address = {"line1": "Unter den Linden 1", "city": "Berlin", "zip_code": "10117"}
    body = {
        "name": "Bundesamt für Beispiele",
        "currency": "EUR",
        "billing_email": "rechnung@beispiele.example",
        "billing_address": {**address, "country": "DE"},
        "buyer_reference": reference,
    }
    response = await tenant.request(
        "POST", f"{v1.API}/customers", json=body, headers={"Invoicery-Version": "2026-10"}
    )
    assert response.status_code == 201, response.text
    customer: str = response.json()["id"]
    return customer
