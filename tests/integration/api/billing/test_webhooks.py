"""Billing-v1 webhook endpoints: CRUD, secrets, deliveries, resend — 400, 401, 403, 404, tenancy.

A real receiver on loopback gets a customer.created delivery through the whole stack,
and `standardwebhooks` verifies it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import orjson
import pytest
from standardwebhooks.webhooks import Webhook

from invoicery.config import Settings
from invoicery.service._time import utc_now
from invoicery.store.database import Database
from tests.integration.api.billing import v1
from tests.integration.api.billing.v1 import API, assert_rest_error
from tests.integration.pages.hosted import DECLINED_CARD, GOOD_CARD, open_page
from tests.support.receiver import Receiver, receiver
from tests.support.sdk import meteroid_client
from tests.support.tenant import Tenant
from tests.support.webhooks import deliver, without_endpoints

ENDPOINTS = f"{API}/webhooks/endpoints"
URL = "https://hooks.example.com/invoicery"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The app's settings, with deliveries to the loopback receiver allowed."""
    return settings.model_copy(update={"webhook_allow_private": True})


@pytest.fixture
def hooks() -> Iterator[Receiver]:
    """A receiver on loopback."""
    with receiver() as running:
        yield running


async def _endpoint(tenant: Tenant, **fields: Any) -> dict[str, Any]:
    response = await tenant.request("POST", ENDPOINTS, json={"url": URL, **fields})
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def test_create_answers_the_endpoint_and_its_secret(tenant: Tenant) -> None:
    created = await _endpoint(
        tenant,
        description="Billing sync",
        event_types=["invoice.paid", "customer.created"],
        headers=[{"name": "X-Team", "value": "billing"}],
    )
    assert created["id"].startswith("whe_")
    assert created["secret"].startswith("whsec_")
    assert (created["url"], created["description"]) == (URL, "Billing sync")
    assert created["event_types"] == ["invoice.paid", "customer.created"]
    assert created["headers"] == [
        {"name": "X-Team", "sensitive": False, "set": True, "value": "billing"}
    ]
    assert (created["disabled"], created["disabled_reason"]) == (False, None)
    assert (created["consecutive_failures"], created["needs_setup"]) == (0, False)
    assert created["max_in_flight"] > 0
    assert created["rate_limit_per_sec"] is None
    assert (created["last_success_at"], created["last_failure_at"]) == (None, None)
    assert created["created_at"].endswith("Z")
    fetched = await tenant.request("GET", f"{ENDPOINTS}/{created['id']}")
    assert fetched.status_code == 200
    assert fetched.json() == {k: v for k, v in created.items() if k != "secret"}


async def test_an_endpoint_without_types_gets_every_type(tenant: Tenant) -> None:
    created = await _endpoint(tenant)
    assert (created["event_types"], created["headers"], created["description"]) == ([], [], None)


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"url": "ftp://hooks.example.com/"},
        {"url": "not a url"},
        {"url": URL, "event_types": ["invoice.exploded"]},
        {"url": URL, "headers": [{"name": "Bad Name", "value": "x"}]},
        {"url": URL, "headers": [{"name": "X-Key", "value": "a\r\nb"}]},
        {"url": URL, "headers": [{"name": "X-Key"}]},
        {"url": URL, "headers": [{"name": "X-Key", "value": "k", "sensitive": True}]},
        {"url": URL, "rate_limit_per_sec": 0},
    ],
)
async def test_invalid_endpoints_are_400(tenant: Tenant, body: dict[str, Any]) -> None:
    response = await tenant.request("POST", ENDPOINTS, json=body)
    assert_rest_error(response, 400, "BAD_REQUEST")


async def test_a_body_that_is_not_json_is_400(tenant: Tenant) -> None:
    response = await tenant.request(
        "POST", ENDPOINTS, content=b"{", headers={"content-type": "application/json"}
    )
    assert_rest_error(response, 400, "BAD_REQUEST")


async def test_list_shows_only_the_accounts_v1_endpoints(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    first = await _endpoint(tenant)
    second = await _endpoint(tenant, description="second")
    await _endpoint(other_tenant)
    subscribed = await tenant.request(
        "POST", "/webhooks", json={"endpoint_url": URL, "topic": "invoice_paid"}
    )
    assert subscribed.status_code == 201
    listed = await tenant.request("GET", ENDPOINTS)
    assert listed.status_code == 200
    assert [e["id"] for e in listed.json()["data"]] == [first["id"], second["id"]]
    assert "secret" not in listed.json()["data"][0]


async def test_update_changes_only_what_is_given(tenant: Tenant) -> None:
    created = await _endpoint(
        tenant, description="d", event_types=["invoice.paid"], headers=[{"name": "A", "value": "1"}]
    )
    url = f"{ENDPOINTS}/{created['id']}"
    same = await tenant.request("PATCH", url, json={})
    assert same.status_code == 200
    assert same.json()["event_types"] == ["invoice.paid"]
    assert same.json()["description"] == "d"
    changed = await tenant.request(
        "PATCH",
        url,
        json={
            "url": "https://other.example.com/",
            "description": None,
            "event_types": ["coupon.created", "coupon.archived"],
            "headers": [],
        },
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert body["url"] == "https://other.example.com/"
    assert body["description"] is None
    assert body["event_types"] == ["coupon.created", "coupon.archived"]
    assert body["headers"] == []
    everything = await tenant.request("PATCH", url, json={"event_types": []})
    assert everything.json()["event_types"] == []


async def test_disable_by_hand_and_enable_again(tenant: Tenant) -> None:
    created = await _endpoint(tenant)
    url = f"{ENDPOINTS}/{created['id']}"
    disabled = (await tenant.request("PATCH", url, json={"disabled": True})).json()
    assert (disabled["disabled"], disabled["disabled_reason"]) == (True, "MANUAL")
    enabled = (await tenant.request("PATCH", url, json={"disabled": False})).json()
    assert (enabled["disabled"], enabled["disabled_reason"]) == (False, None)
    assert enabled["consecutive_failures"] == 0


@pytest.mark.parametrize(
    "body",
    [
        {"url": "gopher://x/"},
        {"disabled": "yes"},
        {"event_types": ["nope.nope"]},
        {"headers": [{"name": "X", "value": "1", "sensitive": True}]},
    ],
)
async def test_invalid_updates_are_400(tenant: Tenant, body: dict[str, Any]) -> None:
    created = await _endpoint(tenant)
    response = await tenant.request("PATCH", f"{ENDPOINTS}/{created['id']}", json=body)
    assert_rest_error(response, 400, "BAD_REQUEST")


async def test_rotate_and_reveal_the_secret(tenant: Tenant) -> None:
    created = await _endpoint(tenant)
    url = f"{ENDPOINTS}/{created['id']}"
    shown = await tenant.request("GET", f"{url}/secret")
    assert shown.json() == {"secret": created["secret"]}
    rotated = await tenant.request("POST", f"{url}/rotate-secret")
    assert rotated.status_code == 200
    new = rotated.json()["secret"]
    assert new.startswith("whsec_")
    assert new != created["secret"]
    assert (await tenant.request("GET", f"{url}/secret")).json() == {"secret": new}


async def test_delete_removes_the_endpoint(tenant: Tenant) -> None:
    created = await _endpoint(tenant)
    url = f"{ENDPOINTS}/{created['id']}"
    removed = await tenant.request("DELETE", url)
    assert (removed.status_code, removed.content) == (204, b"")
    assert_rest_error(await tenant.request("GET", url), 404, "NOT_FOUND")
    assert_rest_error(await tenant.request("DELETE", url), 404, "NOT_FOUND")


async def test_another_tenants_or_faces_endpoint_is_not_found(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    theirs = await _endpoint(other_tenant)
    subscription = await tenant.request(
        "POST", "/webhooks", json={"endpoint_url": URL, "topic": "invoice_paid"}
    )
    for endpoint_id in (theirs["id"], subscription.json()["id"], "whe_nonsense", "cus_x"):
        base = f"{ENDPOINTS}/{endpoint_id}"
        for method, url, body in (
            ("GET", base, None),
            ("PATCH", base, {"description": "mine now"}),
            ("DELETE", base, None),
            ("GET", f"{base}/deliveries", None),
            ("POST", f"{base}/rotate-secret", None),
            ("GET", f"{base}/secret", None),
        ):
            response = await tenant.request(method, url, json=body)
            assert_rest_error(response, 404, "NOT_FOUND")
            assert response.json()["message"] == "webhook endpoint not found", (method, url)
    still = await other_tenant.request("GET", f"{ENDPOINTS}/{theirs['id']}")
    assert still.json()["description"] is None


def _routes(endpoint_id: str, delivery_id: str) -> list[tuple[str, str, str]]:
    base = f"{ENDPOINTS}/{endpoint_id}"
    return [
        ("GET", ENDPOINTS, "webhooks:read"),
        ("POST", ENDPOINTS, "webhooks:write"),
        ("GET", base, "webhooks:read"),
        ("PATCH", base, "webhooks:write"),
        ("DELETE", base, "webhooks:write"),
        ("GET", f"{base}/deliveries", "webhooks:read"),
        ("POST", f"{base}/rotate-secret", "webhooks:write"),
        ("GET", f"{base}/secret", "webhooks:write"),
        ("POST", f"{API}/webhooks/deliveries/{delivery_id}/resend", "webhooks:write"),
    ]


async def test_every_route_needs_a_token(http: httpx.AsyncClient) -> None:
    for method, url, _scope in _routes("whe_x", "whd_x"):
        response = await http.request(method, url)
        assert_rest_error(response, 401, "UNAUTHORIZED")


async def test_every_route_needs_its_webhooks_scope(tenant: Tenant) -> None:
    others = ("invoices:read", "invoices:write", "customers:read", "customers:write")
    for method, url, scope in _routes("whe_x", "whd_x"):
        opposite = "webhooks:read" if scope == "webhooks:write" else "webhooks:write"
        for scopes in (others, (opposite,)):
            response = await tenant.http.request(
                method, url, headers=await tenant.headers(scopes), json={"url": URL}
            )
            assert_rest_error(response, 403, "FORBIDDEN")
            assert scope in response.json()["message"], (method, url)
        allowed = await tenant.http.request(
            method, url, headers=await tenant.headers((scope,)), json={"url": URL}
        )
        assert allowed.status_code in (200, 201, 404), (method, url, allowed.text)


async def test_a_customer_created_reaches_a_receiver_signed_and_flattened(
    tenant: Tenant,
    other_tenant: Tenant,
    db: Database,
    settings: Settings,
    hooks: Receiver,
    http: httpx.AsyncClient,
) -> None:
    await without_endpoints(db)
    endpoint = await _endpoint(
        tenant,
        url=hooks.url,
        event_types=["customer.created"],
        headers=[{"name": "X-Team", "value": "billing"}],
    )
    await _endpoint(tenant, url=hooks.url, event_types=["invoice.paid"])
    await _endpoint(other_tenant, url=hooks.url)
    customer = await v1.customer(
        tenant, alias="acme", billing_email="ap@acme.test", invoicing_emails=["a@acme.test"]
    )

    # A clock of its own, near the real one: receivers refuse stale signature timestamps.
    now = utc_now().replace(microsecond=0)
    assert await deliver(db, settings, now=now) == 1
    [request] = hooks.requests()
    payload = Webhook(endpoint["secret"]).verify(request.body, request.headers)
    assert request.headers["x-team"] == "billing"
    body = orjson.loads(request.body)
    assert payload == body
    assert body == {
        "id": request.headers["webhook-id"],
        "type": "customer.created",
        "timestamp": body["timestamp"],
        "customer_id": customer["id"],
        "name": "Ada Lovelace",
        "alias": "acme",
        "billing_email": "ap@acme.test",
        "invoicing_emails": ["a@acme.test"],
        "currency": "USD",
    }
    assert body["id"].startswith("evt_")

    listed = await tenant.request("GET", f"{ENDPOINTS}/{endpoint['id']}/deliveries")
    assert listed.status_code == 200, listed.text
    [delivery] = listed.json()["data"]
    assert listed.json()["pagination_meta"] == {
        "page": 0,
        "per_page": 10,
        "total_items": 1,
        "total_pages": 1,
    }
    assert delivery["endpoint_id"] == endpoint["id"]
    assert (delivery["event_type"], delivery["message_id"]) == ("customer.created", body["id"])
    assert (delivery["status"], delivery["attempt_count"]) == ("SUCCEEDED", 1)
    assert delivery["last_response_status"] == 204
    assert delivery["completed_at"] == now.isoformat().replace("+00:00", "Z")
    shown = await tenant.request("GET", f"{ENDPOINTS}/{endpoint['id']}")
    assert shown.json()["last_success_at"] == delivery["completed_at"]
    for status, count in (("SUCCEEDED", 1), ("FAILED", 0), ("CANCELLED", 0)):
        filtered = await tenant.request(
            "GET", f"{ENDPOINTS}/{endpoint['id']}/deliveries", params={"status": status}
        )
        assert len(filtered.json()["data"]) == count, status
    bad = await tenant.request(
        "GET", f"{ENDPOINTS}/{endpoint['id']}/deliveries", params={"status": "LOST"}
    )
    assert_rest_error(bad, 400, "BAD_REQUEST")
    bad_page = await tenant.request(
        "GET", f"{ENDPOINTS}/{endpoint['id']}/deliveries", params={"per_page": 0}
    )
    assert_rest_error(bad_page, 400, "BAD_REQUEST")

    resend = f"{API}/webhooks/deliveries/{delivery['id']}/resend"
    assert_rest_error(await other_tenant.request("POST", resend), 404, "NOT_FOUND")
    queued = await tenant.request("POST", resend)
    assert queued.status_code == 200, queued.text
    assert (queued.json()["status"], queued.json()["id"]) == ("PENDING", delivery["id"])
    later = now + timedelta(minutes=1)
    assert await deliver(db, settings, now=later) == 1
    first, again = hooks.requests()
    assert again.headers["webhook-id"] == first.headers["webhook-id"]
    assert Webhook(endpoint["secret"]).verify(again.body, again.headers) == body
    sdk = await meteroid_client(tenant, http)  # the official SDK's resend decodes it too
    resent = await sdk.webhook_endpoints.resend_webhook_delivery(delivery["id"])
    assert (resent.id, resent.status, resent.event_type) == (
        delivery["id"],
        "PENDING",
        "customer.created",
    )
    assert await deliver(db, settings, now=later + timedelta(minutes=1)) == 1

    await tenant.request("PATCH", f"{ENDPOINTS}/{endpoint['id']}", json={"disabled": True})
    assert_rest_error(await tenant.request("POST", resend), 409, "CONFLICT")


async def test_resending_an_unknown_delivery_is_404(tenant: Tenant) -> None:
    for delivery_id in ("whd_nonsense", "whe_x", "0"):
        response = await tenant.request("POST", f"{API}/webhooks/deliveries/{delivery_id}/resend")
        assert_rest_error(response, 404, "NOT_FOUND")


async def test_invoice_events_carry_meteroids_invoice_fields(
    tenant: Tenant, db: Database, settings: Settings, hooks: Receiver
) -> None:
    await without_endpoints(db)
    endpoint = await _endpoint(
        tenant, url=hooks.url, event_types=["invoice.created", "invoice.finalized"]
    )
    draft = await v1.draft(tenant, None, v1.line(tax_rate="0.19"))
    await v1.act(tenant, draft["id"], "finalize")

    now = utc_now().replace(microsecond=0)
    assert await deliver(db, settings, now=now) == 2
    verified = [
        Webhook(endpoint["secret"]).verify(request.body, request.headers)
        for request in hooks.requests()
    ]
    bodies = sorted(verified, key=lambda body: str(body["id"]))  # event ids are time-ordered
    assert [(body["type"], body["status"]) for body in bodies] == [
        ("invoice.created", "Draft"),
        ("invoice.finalized", "Finalized"),
    ]
    final = (await tenant.request("GET", f"{API}/invoices/{draft['id']}")).json()
    assert bodies[1] == {
        "id": bodies[1]["id"],
        "type": "invoice.finalized",
        "timestamp": bodies[1]["timestamp"],
        "invoice_id": draft["id"],
        "customer_id": final["customer_id"],
        "status": "Finalized",
        "currency": final["currency"],
        "total": final["total"],
        "tax_amount": final["tax_amount"],
        "created_at": bodies[1]["created_at"],
    }
    assert final["tax_amount"] > 0


async def test_payment_events_carry_the_transaction_as_the_invoice_shows_it(
    tenant: Tenant, db: Database, settings: Settings, hooks: Receiver
) -> None:
    await without_endpoints(db)
    endpoint = await _endpoint(
        tenant, url=hooks.url, event_types=["payment.succeeded", "payment.failed"]
    )
    declined = await open_page(tenant)
    assert (await declined.pay_card(DECLINED_CARD)).status_code == 402
    paid = await open_page(tenant)
    assert (await paid.pay_card(GOOD_CARD)).status_code == 303

    assert await deliver(db, settings, now=utc_now()) == 2
    verified = [
        Webhook(endpoint["secret"]).verify(request.body, request.headers)
        for request in hooks.requests()
    ]
    failed, succeeded = sorted(verified, key=lambda body: str(body["id"]))
    assert (failed["type"], failed["status"], failed["invoice_id"]) == (
        "payment.failed",
        "Failed",
        declined.invoice_id,
    )
    assert failed["error"] == "Your card was declined."
    invoice = (await tenant.request("GET", f"{API}/invoices/{paid.invoice_id}")).json()
    [transaction] = invoice["transactions"]
    assert succeeded == {
        "id": succeeded["id"],
        "type": "payment.succeeded",
        "timestamp": succeeded["timestamp"],
        "payment_id": transaction["id"],
        "invoice_id": paid.invoice_id,
        **{
            name: value for name, value in transaction.items() if value is not None and name != "id"
        },
    }


async def test_the_rate_limit_is_kept_changed_and_cleared(tenant: Tenant) -> None:
    created = await _endpoint(tenant, rate_limit_per_sec=5)
    assert created["rate_limit_per_sec"] == 5
    path = f"{ENDPOINTS}/{created['id']}"
    changed = await tenant.request("PATCH", path, json={"rate_limit_per_sec": 10})
    assert changed.status_code == 200, changed.text
    assert (await tenant.request("GET", path)).json()["rate_limit_per_sec"] == 10
    kept = await tenant.request("PATCH", path, json={"description": "billing"})
    assert kept.json()["rate_limit_per_sec"] == 10
    cleared = await tenant.request("PATCH", path, json={"rate_limit_per_sec": None})
    assert cleared.json()["rate_limit_per_sec"] is None
