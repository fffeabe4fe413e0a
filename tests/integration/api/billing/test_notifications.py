"""Billing-v1 `POST /api/v1/invoices/{id}/send` and `GET …/notifications`."""

from __future__ import annotations

from tests.integration.api.billing import v1
from tests.integration.api.billing.v1 import API
from tests.support.tenant import Tenant


async def test_a_finalized_invoice_can_be_sent_again_and_its_mail_listed(
    tenant: Tenant,
) -> None:
    customer = await v1.customer(tenant, name="Acme", alias="acme", billing_email="a@acme.example")
    draft = await v1.draft(tenant, customer["id"], v1.line())
    refused = await tenant.request("POST", f"{API}/invoices/{draft['id']}/send")
    v1.assert_rest_error(refused, 409, "CONFLICT")

    await v1.act(tenant, draft["id"], "finalize")
    sent = await tenant.request("POST", f"{API}/invoices/{draft['id']}/send")
    assert sent.status_code == 202, sent.text
    listed = await tenant.request("GET", f"{API}/invoices/{draft['id']}/notifications")
    assert listed.status_code == 200, listed.text
    assert [row["id"] for row in listed.json()["data"]] == [sent.json()["id"]]


async def test_another_tenants_invoice_is_404(tenant: Tenant, other_tenant: Tenant) -> None:
    draft = await v1.draft(tenant, None, v1.line())
    await v1.act(tenant, draft["id"], "finalize")
    response = await other_tenant.request("POST", f"{API}/invoices/{draft['id']}/send")
    v1.assert_rest_error(response, 404, "NOT_FOUND")
