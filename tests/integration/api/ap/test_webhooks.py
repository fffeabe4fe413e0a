"""AP webhooks: subscribe, list, unsubscribe, events — success, 400/422, 401, 403, 404, tenancy.

A real receiver on loopback gets a customer_created delivery through the whole stack.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import orjson
import pytest

from invoicery.config import Settings
from invoicery.domain import ids
from invoicery.store.database import Database
from tests.integration.pages.hosted import (
    DECLINED_CARD,
    GOOD_CARD,
    open_page,
    transactions_of,
)
from tests.support.receiver import Receiver, receiver
from tests.support.tenant import Tenant
from tests.support.webhooks import deliver, without_endpoints

URL = "https://hooks.example.com/invoicery"
NOW = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The app's settings, with deliveries to the loopback receiver allowed."""
    return settings.model_copy(update={"webhook_allow_private": True})


@pytest.fixture
def hooks() -> Iterator[Receiver]:
    """A receiver on loopback."""
    with receiver() as running:
        yield running


async def _subscribe(tenant: Tenant, **fields: Any) -> dict[str, Any]:
    body = {"endpoint_url": URL, "topic": "invoice_paid", **fields}
    response = await tenant.request("POST", "/webhooks", json=body)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def test_subscribe_answers_the_subscription_without_its_secret(tenant: Tenant) -> None:
    created = await _subscribe(tenant, secret_key="sk_live_abcdef1234")
    assert created["id"].startswith("whe_")
    assert created["partner_id"] == tenant.client.account_id
    assert (created["endpoint_url"], created["topic"]) == (URL, "invoice_paid")
    assert created["is_active"] is True
    assert created["secret_last_4_digits"] == "1234"
    assert "sk_live" not in orjson.dumps(created).decode()
    assert created["created_at"] == created["updated_at"]
    assert created["created_at"].endswith("Z")


async def test_a_subscription_without_a_secret_shows_no_digits(tenant: Tenant) -> None:
    created = await _subscribe(tenant)
    assert "secret_last_4_digits" not in created


async def test_the_vendors_other_topics_are_accepted(tenant: Tenant) -> None:
    created = await _subscribe(tenant, topic="payout_paid")
    assert created["topic"] == "payout_paid"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"endpoint_url": URL, "topic": "invoice_exploded"}, "topic"),
        ({"endpoint_url": URL}, "topic"),
        ({"topic": "invoice_paid"}, "endpoint_url"),
        ({"endpoint_url": "ftp://hooks.example.com/x", "topic": "invoice_paid"}, "endpoint_url"),
        ({"endpoint_url": "https://user:pw@example.com/", "topic": "invoice_paid"}, "endpoint_url"),
    ],
)
async def test_invalid_subscriptions_are_422(
    tenant: Tenant, body: dict[str, Any], field: str
) -> None:
    response = await tenant.request("POST", "/webhooks", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "validation_error"
    assert field in response.json()["validation_errors"]


async def test_a_body_that_is_not_json_is_400(tenant: Tenant) -> None:
    response = await tenant.request(
        "POST", "/webhooks", content=b"{", headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["code"] == "bad_request"


async def test_list_pages_and_filters(tenant: Tenant, other_tenant: Tenant) -> None:
    topics = ["invoice_paid", "customer_created", "invoice_paid"]
    made = [await _subscribe(tenant, topic=topic) for topic in topics]
    await _subscribe(other_tenant)
    page = (await tenant.request("GET", "/webhooks", params={"limit": 2})).json()
    assert [s["id"] for s in page["data"]] == [made[2]["id"], made[1]["id"]]
    assert (page["has_next_page"], page["has_previous_page"]) == (True, False)
    rest = (await tenant.request("GET", "/webhooks", params={"after": page["end_cursor"]})).json()
    assert [s["id"] for s in rest["data"]] == [made[0]["id"]]
    assert (rest["has_next_page"], rest["has_previous_page"]) == (False, True)
    back = await tenant.request("GET", "/webhooks", params={"before": rest["start_cursor"]})
    assert [s["id"] for s in back.json()["data"]] == [made[2]["id"], made[1]["id"]]
    paid = (await tenant.request("GET", "/webhooks", params={"topic": "invoice_paid"})).json()
    assert [s["id"] for s in paid["data"]] == [made[2]["id"], made[0]["id"]]
    active = await tenant.request("GET", "/webhooks", params={"is_active": "true"})
    assert len(active.json()["data"]) == 3
    inactive = await tenant.request("GET", "/webhooks", params={"is_active": "false"})
    assert inactive.json()["data"] == []
    assert inactive.json()["start_cursor"] == ""


@pytest.mark.parametrize(
    "params",
    [
        {"topic": "invoice_exploded"},
        {"is_active": "maybe"},
        {"after": "not-a-cursor"},
        {"limit": 0},
        {"limit": 501},
    ],
)
async def test_invalid_list_parameters_are_400(tenant: Tenant, params: dict[str, Any]) -> None:
    response = await tenant.request("GET", "/webhooks", params=params)
    assert response.status_code == 400, response.text
    assert response.json()["validation_errors"]


async def test_unsubscribe_answers_what_was_removed(tenant: Tenant) -> None:
    created = await _subscribe(tenant)
    removed = await tenant.request("DELETE", f"/webhooks/{created['id']}")
    assert removed.status_code == 200
    assert removed.json() == created
    listed = (await tenant.request("GET", "/webhooks")).json()
    assert created["id"] not in [s["id"] for s in listed["data"]]
    again = await tenant.request("DELETE", f"/webhooks/{created['id']}")
    assert again.status_code == 404
    assert again.json()["code"] == "not_found"


async def test_another_tenants_or_faces_subscription_is_not_found(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    theirs = await _subscribe(other_tenant)
    v1 = await tenant.request("POST", "/api/v1/webhooks/endpoints", json={"url": URL})
    same_id = {"X-Request-Id": "compare-404s"}  # the bodies echo it
    missing = {
        "code": "not_found",
        "message": "webhook endpoint not found",
        "request_id": "compare-404s",
    }
    for subscription_id in (theirs["id"], "whe_nonsense", "cus_0000", v1.json().get("id", "x")):
        response = await tenant.request("DELETE", f"/webhooks/{subscription_id}", headers=same_id)
        assert (response.status_code, response.json()) == (404, missing), subscription_id
    assert (await other_tenant.request("GET", "/webhooks")).json()["data"][0]["id"] == theirs["id"]


ROUTES = [
    ("POST", "/webhooks", "webhooks:write"),
    ("GET", "/webhooks", "webhooks:read"),
    ("GET", "/webhooks/events", "webhooks:read"),
    ("DELETE", "/webhooks/whe_0000", "webhooks:write"),
]


@pytest.mark.parametrize(("method", "url", "scope"), ROUTES)
async def test_every_route_needs_a_token(
    http: httpx.AsyncClient, method: str, url: str, scope: str
) -> None:
    response = await http.request(method, url)
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"


@pytest.mark.parametrize(("method", "url", "scope"), ROUTES)
async def test_every_route_needs_its_webhooks_scope(
    tenant: Tenant, method: str, url: str, scope: str
) -> None:
    others = ("invoices:read", "invoices:write", "customers:read", "customers:write")
    other_webhooks = "webhooks:read" if scope == "webhooks:write" else "webhooks:write"
    for scopes in (others, (other_webhooks,)):
        headers = await tenant.headers(scopes)
        response = await tenant.http.request(
            method, url, headers=headers, json={"endpoint_url": URL, "topic": "invoice_paid"}
        )
        assert response.status_code == 403, (scopes, response.text)
        assert response.json()["code"] == "forbidden"
        assert scope in response.json()["message"]
    allowed = await tenant.http.request(
        method,
        url,
        headers=await tenant.headers((scope,)),
        json={"endpoint_url": URL, "topic": "invoice_paid"},
    )
    assert allowed.status_code in (200, 201, 404), allowed.text


async def test_a_customer_created_reaches_a_receiver_as_the_ap_face_shows_it(
    tenant: Tenant, other_tenant: Tenant, db: Database, settings: Settings, hooks: Receiver
) -> None:
    await without_endpoints(db)
    subscription = await _subscribe(
        tenant, endpoint_url=hooks.url, topic="customer_created", secret_key="sk_test_9876"
    )
    await _subscribe(tenant, endpoint_url=hooks.url, topic="customer_archived")
    await _subscribe(other_tenant, endpoint_url=hooks.url, topic="customer_created")
    customer = await tenant.customer(company_name="Acme GmbH", external_id="crm-9")

    assert await deliver(db, settings, now=NOW) == 1
    [request] = hooks.requests()
    assert request.headers["authorization"] == "Bearer sk_test_9876"
    body = orjson.loads(request.body)
    assert set(body) == {"id", "topic", "created_at", "data"}
    assert body["id"].startswith("evt_")
    assert body["topic"] == "customer_created"
    shown = await tenant.request("GET", f"/customers/{customer['id']}")
    assert body["data"] == shown.json() == customer

    listed = await tenant.request("GET", "/webhooks/events")
    assert listed.status_code == 200, listed.text
    [event] = listed.json()["data"]
    assert event["id"].startswith("whd_")
    assert event["event_id"] == body["id"]
    assert event["subscription_id"] == subscription["id"]
    assert (event["topic"], event["status"], event["attempts"]) == (
        "customer_created",
        "succeeded",
        1,
    )
    assert event["last_response_status"] == 204
    assert event["delivered_at"] == NOW.isoformat().replace("+00:00", "Z")
    assert event["payload"] == body
    assert (await other_tenant.request("GET", "/webhooks/events")).json()["data"] == []


async def test_events_filter_by_topic_status_and_time(
    tenant: Tenant, db: Database, settings: Settings, hooks: Receiver
) -> None:
    await without_endpoints(db)
    await _subscribe(tenant, endpoint_url=hooks.url, topic="customer_created")
    await tenant.customer()
    await tenant.customer()
    assert await deliver(db, settings, now=NOW) == 2

    async def count(**params: Any) -> int:
        response = await tenant.request("GET", "/webhooks/events", params=params)
        assert response.status_code == 200, response.text
        return len(response.json()["data"])

    assert await count() == 2
    assert await count(limit=1) == 1
    assert await count(topic="customer_created") == 2
    assert await count(topic="invoice_paid") == 0
    assert await count(topic="payout_paid") == 0
    assert await count(status="succeeded") == 2
    assert await count(status="failed") == 0
    assert await count(created_after=(NOW - timedelta(days=1)).isoformat()) == 2
    assert await count(created_after=(NOW + timedelta(days=1)).isoformat()) == 0
    assert await count(created_before="2000-01-01") == 0


@pytest.mark.parametrize(
    "params",
    [
        {"status": "exploded"},
        {"topic": "nope"},
        {"created_after": "yesterday"},
        {"created_before": "2030-13-01"},
        {"before": "not-a-cursor"},
    ],
)
async def test_invalid_event_filters_are_400(tenant: Tenant, params: dict[str, Any]) -> None:
    response = await tenant.request("GET", "/webhooks/events", params=params)
    assert response.status_code == 400, response.text
    assert response.json()["validation_errors"]


async def test_invoices_reach_ap_subscribers_as_get_shows_them_and_drafts_never(
    tenant: Tenant, db: Database, settings: Settings, hooks: Receiver
) -> None:
    await without_endpoints(db)
    await _subscribe(tenant, endpoint_url=hooks.url, topic="invoice_created")
    await _subscribe(tenant, endpoint_url=hooks.url, topic="invoice_updated")
    draft = await tenant.request(
        "POST",
        "/api/v1/invoices",
        json={
            "customer_id": (await tenant.customer())["id"],
            "line_items": [{"name": "Seats", "quantity": "2", "unit_price": "10.00"}],
        },
    )
    assert draft.status_code == 201, draft.text
    invoice = await tenant.invoice()

    assert await deliver(db, settings, now=NOW) == 1  # the draft is not the AP face's
    [request] = hooks.requests()
    body = orjson.loads(request.body)
    assert body["topic"] == "invoice_created"
    shown = await tenant.request("GET", f"/invoices/{invoice['id']}")
    assert body["data"] == shown.json() == invoice

    finalized = await tenant.request("POST", f"/api/v1/invoices/{draft.json()['id']}/finalize")
    assert finalized.status_code == 200, finalized.text
    assert await deliver(db, settings, now=NOW) == 1
    body = orjson.loads(hooks.requests()[-1].body)
    assert body["topic"] == "invoice_updated"
    assert body["data"] == (await tenant.request("GET", f"/invoices/{draft.json()['id']}")).json()


async def test_card_payments_reach_ap_subscribers_with_the_paid_invoice(
    tenant: Tenant, db: Database, settings: Settings, hooks: Receiver
) -> None:
    await without_endpoints(db)
    for topic in ("payment_succeeded", "payment_failed", "invoice_paid"):
        await _subscribe(tenant, endpoint_url=hooks.url, topic=topic)
    declined = await open_page(tenant)
    assert (await declined.pay_card(DECLINED_CARD)).status_code == 402
    paid = await open_page(tenant)
    assert (await paid.pay_card(GOOD_CARD)).status_code == 303

    assert await deliver(db, settings, now=NOW) == 3
    bodies = sorted((orjson.loads(r.body) for r in hooks.requests()), key=lambda b: str(b["id"]))
    failed, succeeded, invoice_paid = bodies
    [failed_txn] = await transactions_of(db, tenant, declined.invoice_id)
    assert (failed["topic"], failed["data"]["id"]) == (
        "payment_failed",
        ids.encode(ids.TRANSACTION, failed_txn.id),
    )
    assert failed["data"]["status"] == "failed"
    assert failed["data"]["error"] == "Your card was declined."
    assert failed["data"]["invoice_id"] == declined.invoice_id
    assert succeeded["topic"] == "payment_succeeded"
    assert (succeeded["data"]["status"], succeeded["data"]["card_last4"]) == ("succeeded", "4242")
    shown = (await tenant.request("GET", f"/invoices/{paid.invoice_id}")).json()
    assert succeeded["data"]["amount"] == shown["total"]
    assert invoice_paid["topic"] == "invoice_paid"
    assert invoice_paid["data"] == shown
    assert shown["status"] == "PAID"
