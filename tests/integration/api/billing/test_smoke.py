"""A first pass over the billing-v1 face."""

from __future__ import annotations

from tests.integration.api.billing import v1
from tests.support.tenant import Tenant


async def test_draft_finalize_get(tenant: Tenant) -> None:
    created = await v1.draft(tenant, None, v1.line(quantity="3", unit_price="0.10"))
    assert created["status"] == "Draft"
    assert created["subtotal"] == 30
    final = await v1.act(tenant, created["id"], "finalize")
    assert final["status"] == "Finalized"
    fetched = await tenant.request("GET", f"{v1.API}/invoices/{created['id']}")
    assert fetched.status_code == 200
    listed = await tenant.request("GET", f"{v1.API}/invoices")
    assert listed.status_code == 200, listed.text
    assert listed.json()["pagination_meta"]["total_items"] == 1
