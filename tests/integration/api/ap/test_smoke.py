"""A first end-to-end pass over the AP face on both backends."""

from __future__ import annotations

from tests.support.builders import line
from tests.support.tenant import Tenant


async def test_create_then_get_invoice(tenant: Tenant) -> None:
    created = await tenant.invoice(line(0.1, quantity=3), line(19.99))
    assert created["sub_total"] == 20.29
    fetched = await tenant.request("GET", f"/invoices/{created['id']}")
    assert fetched.status_code == 200
    assert fetched.json() == created
