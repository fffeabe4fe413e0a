"""Invoice numbers stay gap-free and unique under concurrent creation."""

from __future__ import annotations

import asyncio

from tests.support.builders import invoice_body
from tests.support.tenant import Tenant


async def test_fifty_concurrent_creates_get_fifty_consecutive_numbers(tenant: Tenant) -> None:
    customer = await tenant.customer()
    headers = await tenant.headers()
    responses = await asyncio.gather(
        *(
            tenant.http.post("/invoices", json=invoice_body(customer["id"]), headers=headers)
            for _ in range(50)
        )
    )
    assert [response.status_code for response in responses] == [201] * 50
    numbers = sorted(response.json()["invoice_number"] for response in responses)
    assert numbers == [f"INV-{n:06d}" for n in range(1, 51)]


async def test_a_failed_create_does_not_use_up_a_number(tenant: Tenant) -> None:
    await tenant.invoice()
    bad = await tenant.request(
        "POST", "/invoices", json=invoice_body("cus_00000000000000000000000000")
    )
    assert bad.status_code == 422
    assert (await tenant.invoice())["invoice_number"] == "INV-000002"
