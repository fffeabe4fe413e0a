"""A steady mix of requests on both faces, and what a database outage may answer to it.

Shared by the e2e tests that take the database away under load: the mix (by id, a
list and a create on each face, each create uniquely marked in its memo), the check
that an answer is a success or a 503 with ``Retry-After`` in the face's error format,
and a bounded wait for the mix to succeed again.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx

from tests.support.builders import customer_body, invoice_body, line

__all__ = ["Call", "Seed", "check_answer", "recovered", "seed_both_faces", "send"]


@dataclass(frozen=True)
class Call:
    """One request of the mix, and the marker a create carries in its memo."""

    face: str  # "ap" or "v1"
    method: str
    url: str
    body: dict[str, Any] | None = None
    memo: str | None = None


@dataclass
class Seed:
    """What the mix reads and writes: an invoice on each face, a customer on each."""

    ap_invoice: str
    ap_customer: str
    v1_invoice: str
    v1_customer: str

    def calls(self, tag: str) -> Iterator[Call]:
        """The mix, forever: by id, list and create on each face, creates uniquely marked."""
        for n in itertools.count():
            memo = f"{tag}-{n}"
            yield Call("ap", "GET", f"/invoices/{self.ap_invoice}")
            yield Call("ap", "GET", "/invoices?limit=20")
            yield Call("ap", "POST", "/invoices", invoice_body(self.ap_customer, memo=memo), memo)
            yield Call("v1", "GET", f"/api/v1/invoices/{self.v1_invoice}")
            yield Call("v1", "GET", "/api/v1/invoices?page=0&per_page=20")
            body = {
                "customer_id": self.v1_customer,
                "currency": "EUR",
                "memo": f"{memo}-v1",
                "line_items": [{"name": "Seats", "quantity": "3", "unit_price": "49.00"}],
            }
            yield Call("v1", "POST", "/api/v1/invoices", body, f"{memo}-v1")


def seed_both_faces(http: httpx.Client) -> Seed:
    """Create a customer and an invoice on each face through `http`."""
    ap_customer = http.post("/customers", json=customer_body())
    assert ap_customer.status_code == 201, ap_customer.text
    ap_invoice = http.post("/invoices", json=invoice_body(ap_customer.json()["id"], line(12.5)))
    assert ap_invoice.status_code == 201, ap_invoice.text
    v1_customer = http.post(
        "/api/v1/customers",
        json={
            "name": "Acme GmbH",
            "alias": "acme",
            "currency": "EUR",
            "invoicing_emails": [],
            "custom_taxes": [],
        },
    )
    assert v1_customer.status_code == 201, v1_customer.text
    v1_invoice = http.post(
        "/api/v1/invoices",
        json={
            "customer_id": "acme",
            "currency": "EUR",
            "line_items": [{"name": "Seats", "quantity": "1", "unit_price": "9.00"}],
        },
    )
    assert v1_invoice.status_code == 201, v1_invoice.text
    return Seed(
        ap_invoice=ap_invoice.json()["id"],
        ap_customer=ap_customer.json()["id"],
        v1_invoice=v1_invoice.json()["id"],
        v1_customer=v1_customer.json()["id"],
    )


_UNAVAILABLE_CODE = {"ap": "service_unavailable", "v1": "SERVICE_UNAVAILABLE"}


def check_answer(call: Call, response: httpx.Response) -> None:
    """A success, or a 503 with Retry-After in the face's error body; never anything else."""
    where = f"{call.method} {call.url} -> {response.status_code} {response.text[:300]}"
    if response.is_success:
        return
    assert response.status_code == 503, where
    assert int(response.headers["Retry-After"]) >= 1, where
    body = response.json()
    # AP HttpError / v1 RestErrorResponse, with the request id when the server echoes it
    assert set(body) - {"request_id"} == {"code", "message"}, where
    assert body["code"] == _UNAVAILABLE_CODE[call.face], where
    assert isinstance(body["message"], str), where


async def send(http: httpx.AsyncClient, call: Call) -> httpx.Response:
    """Send one call of the mix."""
    return await http.request(call.method, call.url, json=call.body)


async def recovered(http: httpx.AsyncClient, seed: Seed, *, within: float) -> float:
    """Poll until one full round of the mix succeeds; the seconds it took (fails past `within`)."""
    started = time.monotonic()
    mix = seed.calls("recovery")
    while True:
        calls = list(itertools.islice(mix, 6))
        responses = await asyncio.gather(*(send(http, call) for call in calls))
        failed = [
            f"{c.method} {c.url}: {r.status_code}"
            for c, r in zip(calls, responses, strict=True)
            if not r.is_success
        ]
        took = time.monotonic() - started
        if not failed:
            return took
        assert took < within, f"still failing after {within}s: {failed}"
        await asyncio.sleep(0.05)
