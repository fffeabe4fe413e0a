"""`Idempotency-Key` on both faces: one execution per key and client, its answer replayed."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

import httpx
import orjson
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from starlette.types import Message

from invoicery.domain import ids
from invoicery.domain.errors import Unavailable
from invoicery.service import invoices as invoice_service
from invoicery.service._time import utc_now
from invoicery.service.idempotency import prune
from invoicery.store import idempotency
from invoicery.store.database import Database, SharedTransaction
from invoicery.store.idempotency import Claim, ClientKey
from invoicery.store.tables import idempotency_keys, invoices
from tests.support.builders import customer_body, invoice_body
from tests.support.tenant import Tenant

API = "/api/v1"
REPLAYED = "idempotent-replayed"


def v1_customer(name: str = "Ada") -> dict[str, Any]:
    """A billing-v1 customer body."""
    return {"name": name, "invoicing_emails": [], "currency": "USD", "custom_taxes": []}


def keyed(key: str | None = None) -> dict[str, str]:
    """Headers carrying a fresh (or the given) idempotency key."""
    return {"Idempotency-Key": key or f"key-{uuid.uuid4()}"}


async def invoice_count(db: Database, customer_id: str) -> int:
    """How many invoices the customer has."""
    customer = ids.decode(ids.CUSTOMER, customer_id)
    async with db.read() as conn:
        count = await conn.scalar(
            select(func.count()).select_from(invoices).where(invoices.c.customer_id == customer)
        )
    return int(count or 0)


async def stored_keys(db: Database, tenant: Tenant) -> list[str]:
    """The keys stored for the tenant's client."""
    client = ids.decode(ids.CLIENT, tenant.client.client_id)
    async with db.read() as conn:
        rows = await conn.execute(
            select(idempotency_keys.c.key).where(idempotency_keys.c.client_id == client)
        )
    return [row.key for row in rows]


async def test_a_keyed_create_is_replayed_byte_identical(db: Database, tenant: Tenant) -> None:
    customer = await tenant.customer()
    body = invoice_body(customer["id"])
    headers = keyed()

    first = await tenant.request("POST", "/invoices", json=body, headers=headers)
    again = await tenant.request("POST", "/invoices", json=body, headers=headers)

    assert first.status_code == again.status_code == 201, first.text
    assert again.content == first.content
    assert again.headers["content-type"] == first.headers["content-type"]
    assert REPLAYED not in first.headers
    assert again.headers[REPLAYED] == "true"
    assert await invoice_count(db, customer["id"]) == 1


async def test_the_v1_face_replays_too(tenant: Tenant) -> None:
    headers = keyed()
    first = await tenant.request("POST", f"{API}/customers", json=v1_customer(), headers=headers)
    again = await tenant.request("POST", f"{API}/customers", json=v1_customer(), headers=headers)
    assert first.status_code == again.status_code, first.text
    assert first.status_code < 300
    assert again.content == first.content
    assert again.headers[REPLAYED] == "true"


async def test_a_keyed_delete_is_replayed(tenant: Tenant) -> None:
    customer = await tenant.customer()
    headers = keyed()
    first = await tenant.request("DELETE", f"/customers/{customer['id']}", headers=headers)
    again = await tenant.request("DELETE", f"/customers/{customer['id']}", headers=headers)
    assert first.status_code < 300, first.text
    assert (again.status_code, again.content) == (first.status_code, first.content)
    assert again.headers[REPLAYED] == "true"


async def test_requests_without_a_key_run_each_time(db: Database, tenant: Tenant) -> None:
    customer = await tenant.customer()
    await tenant.invoice(customer_id=customer["id"])
    await tenant.invoice(customer_id=customer["id"])
    assert await invoice_count(db, customer["id"]) == 2


async def test_a_key_reused_for_another_request_is_refused(tenant: Tenant) -> None:
    customer = await tenant.customer()
    headers = keyed()
    created = await tenant.request(
        "POST", "/invoices", json=invoice_body(customer["id"]), headers=headers
    )
    assert created.status_code == 201

    other_body = await tenant.request(
        "POST", "/invoices", json=invoice_body(customer["id"], memo="other"), headers=headers
    )
    other_path = await tenant.request("POST", "/customers", json=customer_body(), headers=headers)
    other_method = await tenant.request(
        "DELETE", f"/invoices/{created.json()['id']}", headers=headers
    )
    same_path_other_method = await tenant.request("DELETE", "/invoices", headers=headers)
    for response in (other_body, other_path, other_method, same_path_other_method):
        assert response.status_code == 422, response.text
        assert response.json()["code"] == "idempotency_key_reused"
        assert REPLAYED not in response.headers


async def test_the_v1_face_refuses_a_reused_key_in_its_format(tenant: Tenant) -> None:
    headers = keyed()
    first = await tenant.request("POST", f"{API}/customers", json=v1_customer(), headers=headers)
    assert first.status_code < 300
    reused = await tenant.request(
        "POST", f"{API}/customers", json=v1_customer("Grace"), headers=headers
    )
    assert reused.status_code == 422
    assert reused.json()["code"] == "BAD_REQUEST"
    assert "Idempotency-Key" in reused.json()["message"]


async def test_a_key_replays_only_to_the_api_version_it_was_answered_in(
    tenant: Tenant,
) -> None:
    key = keyed()
    seed = {**key, "Invoicery-Version": "2026-03"}
    first = await tenant.request("POST", f"{API}/customers", json=v1_customer(), headers=seed)
    assert first.status_code == 201
    replayed = await tenant.request("POST", f"{API}/customers", json=v1_customer(), headers=seed)
    assert replayed.headers.get("idempotent-replayed") == "true"
    assert replayed.content == first.content
    other = await tenant.request(
        "POST",
        f"{API}/customers",
        json=v1_customer(),
        headers={**key, "Invoicery-Version": "2026-10"},
    )
    assert other.status_code == 422
    assert "Idempotency-Key" in other.json()["message"]


@pytest.mark.parametrize(
    "key",
    [b"", b"x" * 256, "cl\u00e9".encode(), b"tab\there", b"del\x7f"],
    ids=["empty", "too-long", "non-ascii", "tab", "del"],
)
async def test_a_malformed_key_is_a_bad_request_on_both_faces(tenant: Tenant, key: bytes) -> None:
    ap = await tenant.request(
        "POST", "/customers", json=customer_body(), headers={"Idempotency-Key": key}
    )
    v1 = await tenant.request(
        "POST", f"{API}/customers", json=v1_customer(), headers={"Idempotency-Key": key}
    )
    assert ap.status_code == 400, ap.text
    assert ap.json()["code"] == "bad_request"
    assert "Idempotency-Key" in ap.json()["validation_errors"]
    assert v1.status_code == 400
    assert v1.json()["code"] == "BAD_REQUEST"


async def test_keys_of_the_longest_and_shortest_printable_kinds_are_accepted(
    tenant: Tenant,
) -> None:
    for key in ("k", "~" * 255, " !\"#$%&'()*+,-./09:;<=>?@AZ[\\]^_`az{|}"):
        response = await tenant.request(
            "POST", "/customers", json=customer_body(), headers={"Idempotency-Key": key}
        )
        assert response.status_code == 201, (key, response.text)


async def test_keys_are_scoped_to_the_client(
    db: Database, tenant: Tenant, other_tenant: Tenant
) -> None:
    headers = keyed()
    mine = await tenant.customer()
    theirs = await other_tenant.customer()
    first = await tenant.request(
        "POST", "/invoices", json=invoice_body(mine["id"]), headers=headers
    )
    other = await other_tenant.request(
        "POST", "/invoices", json=invoice_body(theirs["id"], memo="x"), headers=headers
    )
    assert first.status_code == other.status_code == 201, other.text
    assert REPLAYED not in other.headers
    assert await invoice_count(db, theirs["id"]) == 1


async def test_a_refused_request_is_not_stored(db: Database, tenant: Tenant) -> None:
    customer = await tenant.customer()
    headers = keyed()
    invalid = await tenant.request(
        "POST", "/invoices", json={"customer_id": customer["id"]}, headers=headers
    )
    missing = await tenant.request("DELETE", f"/customers/cus_{'0' * 26}", headers=keyed())
    assert invalid.status_code == 422
    assert missing.status_code == 404
    assert await stored_keys(db, tenant) == []

    valid = await tenant.request(
        "POST", "/invoices", json=invoice_body(customer["id"]), headers=headers
    )
    assert valid.status_code == 201, valid.text
    assert REPLAYED not in valid.headers


async def test_what_a_refused_request_wrote_is_undone(db: Database, tenant: Tenant) -> None:
    """A 4xx rolls back the request's whole transaction, so it leaves nothing behind."""
    customer = await tenant.customer()
    archived = await tenant.request("DELETE", f"/customers/{customer['id']}")
    assert archived.status_code < 300
    refused = await tenant.request(
        "POST", "/invoices", json=invoice_body(customer["id"]), headers=keyed()
    )
    assert 400 <= refused.status_code < 500, refused.text
    assert await invoice_count(db, customer["id"]) == 0
    assert await stored_keys(db, tenant) == []


async def test_unauthenticated_and_uncovered_requests_pass_through(
    http: httpx.AsyncClient, tenant: Tenant
) -> None:
    headers = {"Idempotency-Key": "same", "Authorization": "Bearer nope"}
    unauthenticated = await http.post("/customers", json=customer_body(), headers=headers)
    assert unauthenticated.status_code == 401
    malformed_anonymous = await http.post(
        "/customers", json=customer_body(), headers={"Idempotency-Key": ""}
    )
    assert malformed_anonymous.status_code == 401

    token_headers = {"Idempotency-Key": "same"}
    tokens = [
        await http.post(
            "/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=(tenant.client.client_id, tenant.client.client_secret),
            headers=token_headers,
        )
        for _ in range(2)
    ]
    assert [t.status_code for t in tokens] == [200, 200]
    assert tokens[0].json()["access_token"] != tokens[1].json()["access_token"]
    assert REPLAYED not in tokens[1].headers


async def test_twenty_concurrent_keyed_creates_make_one_invoice(
    db: Database, tenant: Tenant
) -> None:
    customer = await tenant.customer()
    body = invoice_body(customer["id"])
    headers = {**await tenant.headers(), **keyed()}

    responses = await asyncio.gather(
        *(tenant.http.post("/invoices", json=body, headers=headers) for _ in range(20))
    )

    statuses = sorted(r.status_code for r in responses)
    assert set(statuses) <= {201, 409}, [r.text for r in responses]
    originals = [r for r in responses if r.status_code == 201 and REPLAYED not in r.headers]
    assert len(originals) == 1
    for response in responses:
        if response.status_code == 201:
            assert response.content == originals[0].content
        else:
            assert response.headers["retry-after"] == "1"
            assert response.json()["code"] == "idempotency_key_in_use"
    assert await invoice_count(db, customer["id"]) == 1


async def test_keyed_and_unkeyed_creates_of_one_account_do_not_starve_the_pool(
    db: Database, tenant: Tenant
) -> None:
    """Keyed creates hold a connection from the start; none may wait behind one that needs one.

    The pool has 5 connections and waits 30 s for one; 8 keyed and 8 unkeyed creates of
    one account must all be answered well within that.
    """
    customer = await tenant.customer()
    body = invoice_body(customer["id"])
    auth = await tenant.headers()
    requests = [
        tenant.http.post("/invoices", json=body, headers={**auth, **keyed()}) for _ in range(8)
    ] + [tenant.http.post("/invoices", json=body, headers=auth) for _ in range(8)]

    responses = await asyncio.wait_for(asyncio.gather(*requests), 10)

    assert [r.status_code for r in responses] == [201] * 16, [r.text for r in responses]
    assert await invoice_count(db, customer["id"]) == 16


async def test_a_crash_after_the_commit_is_answered_by_the_retry(
    app: FastAPI, db: Database, tenant: Tenant
) -> None:
    """The server dies between committing and answering; the client's retry replays."""
    customer = await tenant.customer()
    body = orjson.dumps(invoice_body(customer["id"]))
    headers = {**await tenant.headers(), **keyed(), "Content-Type": "application/json"}
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/invoices",
        "raw_path": b"/invoices",
        "root_path": "",
        "query_string": b"",
        "server": ("testserver", 80),
        "client": ("127.0.0.1", 1234),
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()]
        + [(b"content-length", str(len(body)).encode()), (b"host", b"testserver")],
    }
    delivered = False

    async def receive() -> Message:
        nonlocal delivered
        if delivered:
            await asyncio.Event().wait()
        delivered = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            raise ConnectionResetError("the server died before answering")

    with pytest.raises(ConnectionResetError):
        await app(scope, receive, send)
    assert await invoice_count(db, customer["id"]) == 1

    retry = await tenant.http.post("/invoices", content=body, headers=headers)
    assert retry.status_code == 201, retry.text
    assert retry.headers[REPLAYED] == "true"
    assert await invoice_count(db, customer["id"]) == 1


async def test_the_worker_prunes_keys_after_24_hours(db: Database, tenant: Tenant) -> None:
    customer = await tenant.customer()
    headers = keyed()
    created = await tenant.request(
        "POST", "/invoices", json=invoice_body(customer["id"]), headers=headers
    )
    assert created.status_code == 201
    assert headers["Idempotency-Key"] in await stored_keys(db, tenant)

    await prune(db, now=utc_now() + timedelta(hours=23))
    assert headers["Idempotency-Key"] in await stored_keys(db, tenant)
    assert await prune(db, now=utc_now() + timedelta(hours=24, seconds=1)) >= 1
    assert await stored_keys(db, tenant) == []

    # The key is free again: another request with it runs.
    again = await tenant.request(
        "POST", "/invoices", json=invoice_body(customer["id"], memo="next day"), headers=headers
    )
    assert again.status_code == 201, again.text
    assert REPLAYED not in again.headers
    assert await invoice_count(db, customer["id"]) == 2


@pytest.mark.parametrize(
    ("failure", "status"),
    [
        (RuntimeError("the route crashed after writing"), 500),
        (Unavailable("the database cannot serve right now"), 503),
    ],
)
async def test_a_request_that_failed_after_writing_is_undone_and_not_kept(
    app: FastAPI,
    db: Database,
    tenant: Tenant,
    monkeypatch: pytest.MonkeyPatch,
    failure: Exception,
    status: int,
) -> None:
    """A crash (500) or an outage (503) after the insert: undone, so the key stays free."""
    customer = await tenant.customer()
    body = invoice_body(customer["id"])
    headers = {**await tenant.headers(), **keyed()}
    real_create = invoice_service.create_finalized

    async def create_then_fail(*args: Any, **kwargs: Any) -> None:
        await real_create(*args, **kwargs)
        raise failure

    monkeypatch.setattr(invoice_service, "create_finalized", create_then_fail)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        failed = await client.post("/invoices", json=body, headers=headers)
    assert failed.status_code == status
    assert await invoice_count(db, customer["id"]) == 0
    assert await stored_keys(db, tenant) == []

    monkeypatch.setattr(invoice_service, "create_finalized", real_create)
    retry = await tenant.http.post("/invoices", json=body, headers=headers)
    assert retry.status_code == 201, retry.text
    assert REPLAYED not in retry.headers
    assert await invoice_count(db, customer["id"]) == 1


async def test_an_answer_stored_after_the_claim_looked_is_replayed_and_the_work_undone(
    db: Database, tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL the claim's look-up may predate the holder's commit: not seen, it
    is found when storing the second answer fails, and that request's work is undone."""
    customer = await tenant.customer()
    body = invoice_body(customer["id"])
    headers = keyed()
    first = await tenant.request("POST", "/invoices", json=body, headers=headers)
    claimed = idempotency.claimed

    @asynccontextmanager
    async def unseen(
        shared: SharedTransaction, key: ClientKey, *, now: datetime
    ) -> AsyncIterator[Claim]:
        async with claimed(shared, key, now=now) as claim:
            yield Claim(ours=claim.ours, stored=None)

    monkeypatch.setattr(idempotency, "claimed", unseen)
    again = await tenant.request("POST", "/invoices", json=body, headers=headers)
    other = await tenant.request(
        "POST", "/invoices", json={**body, "memo": "another"}, headers=headers
    )

    assert first.status_code == again.status_code == 201, again.text
    assert again.content == first.content
    assert again.headers[REPLAYED] == "true"
    assert other.status_code == 422, other.text
    assert await invoice_count(db, customer["id"]) == 1
