"""AP `POST /invoices/{id}/send` and `GET /invoices/{id}/notifications`."""

from __future__ import annotations

import pytest

from invoicery.auth.scopes import Scope
from invoicery.domain import ids
from invoicery.mail import SmtpTransport
from invoicery.service._time import utc_now
from invoicery.service.notifications import Notifier
from invoicery.store.database import Database
from tests.support.smtp import BoundController, Recorder, smtp_server
from tests.support.tenant import Tenant


async def test_send_queues_the_invoice_again_and_the_worker_mails_it(
    db: Database, tenant: Tenant
) -> None:
    invoice = await tenant.invoice()
    response = await tenant.request("POST", f"/invoices/{invoice['id']}/send")
    assert response.status_code == 202, response.text
    queued = response.json()
    assert queued["id"].startswith("ntf_")
    assert (queued["invoice_id"], queued["kind"], queued["status"]) == (
        invoice["id"],
        "invoice_issued",
        "pending",
    )

    with smtp_server() as controller:
        await _notifier(db, tenant, controller).run_once(now=utc_now())
        handler = controller.handler
        assert isinstance(handler, Recorder)
        assert [received.rcpt_tos for received in handler.received] == [["ada@example.com"]] * 2

    listed = await tenant.request("GET", f"/invoices/{invoice['id']}/notifications")
    assert listed.status_code == 200, listed.text
    rows = listed.json()["data"]
    assert [(row["kind"], row["status"]) for row in rows] == [("invoice_issued", "sent")] * 2
    assert queued["id"] in [row["id"] for row in rows]
    assert all(row["sent_at"] and row["recipients"] == ["ada@example.com"] for row in rows)
    shown = (await tenant.request("GET", f"/invoices/{invoice['id']}")).json()
    assert shown["last_notification_at"] == max(row["sent_at"] for row in rows)


def _notifier(db: Database, tenant: Tenant, controller: BoundController) -> Notifier:
    transport = SmtpTransport.from_url(f"smtp://{controller.hostname}:{controller.port}")
    account_id = ids.decode(ids.ACCOUNT, tenant.client.account_id)
    return Notifier(db, transport, sender="billing@acme.example", only=account_id)


async def test_another_tenants_invoice_is_404(tenant: Tenant, other_tenant: Tenant) -> None:
    invoice = await tenant.invoice()
    for method, suffix in (("POST", "send"), ("GET", "notifications")):
        response = await other_tenant.request(method, f"/invoices/{invoice['id']}/{suffix}")
        assert response.status_code == 404, response.text
    unknown = await tenant.request("POST", "/invoices/inv_nope/send")
    assert unknown.status_code == 404


@pytest.mark.parametrize(
    ("method", "suffix", "scope"),
    [("POST", "send", Scope.INVOICES_READ), ("GET", "notifications", Scope.INVOICES_WRITE)],
)
async def test_each_route_needs_its_invoice_scope(
    tenant: Tenant, method: str, suffix: str, scope: Scope
) -> None:
    invoice = await tenant.invoice()
    headers = await tenant.headers((scope.value,))
    response = await tenant.http.request(
        method, f"/invoices/{invoice['id']}/{suffix}", headers=headers
    )
    assert response.status_code == 403, response.text
