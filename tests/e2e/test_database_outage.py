"""PostgreSQL dropping the server's connections mid-request: 503 + Retry-After, then recovery.

A real server process on a database of its own serves a steady mix of requests on both
faces (GET by id, which goes through the prepared-reads pool; a list; a create, which
writes) while an admin connection terminates every backend of that database a few times.
Every answer must be a success or a 503 in the face's error format with `Retry-After`,
never a 500; shortly afterwards everything succeeds again, and a create that was refused
left nothing behind.
"""

from __future__ import annotations

import asyncio
import itertools
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy.engine import make_url

from invoicery.auth.scopes import ALL_SCOPES
from invoicery.store.migrate import upgrade
from tests.conftest import POSTGRES_ADMIN_URL
from tests.support.builders import customer_body, invoice_body, line
from tests.support.server import ServerProcess

pytestmark = pytest.mark.e2e

CONCURRENCY = 12
TERMINATIONS = 3
RECOVERY_SECONDS = 5.0


def _admin_dsn(database: str | None = None) -> str:
    url = make_url(POSTGRES_ADMIN_URL).set(drivername="postgresql")
    if database is not None:
        url = url.set(database=database)
    return url.render_as_string(hide_password=False)


async def _admin(statement: str) -> None:
    connection = await asyncpg.connect(_admin_dsn())
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@pytest.fixture
def database() -> Iterator[str]:
    """A migrated PostgreSQL database for this test alone (its backends get terminated)."""
    name = f"invoicery_outage_{uuid.uuid4().hex[:10]}"
    try:
        asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    except (OSError, asyncpg.PostgresError) as error:
        pytest.skip(f"PostgreSQL unavailable at {POSTGRES_ADMIN_URL}: {error}")
    try:
        upgrade(_admin_dsn(name))
        yield name
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def server(tmp_path: Path, database: str) -> Iterator[ServerProcess]:
    process = ServerProcess(
        tmp_path,
        {
            "INVOICERY_DATABASE_URL": _admin_dsn(database),
            "INVOICERY_DB_POOL_SIZE": "4",
            "INVOICERY_SETTLEMENT_IN_SERVER": "false",
        },
    )
    try:
        process.start()
        yield process
    finally:
        process.stop()


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


def _seed(http: httpx.Client) -> Seed:
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


@pytest.fixture
def headers(server: ServerProcess) -> dict[str, str]:
    client = server.create_client(*ALL_SCOPES)
    return {"Authorization": f"Bearer {server.token(client)}"}


@pytest.fixture
def seed(server: ServerProcess, headers: dict[str, str]) -> Seed:
    with httpx.Client(base_url=server.base_url, headers=headers) as http:
        return _seed(http)


_UNAVAILABLE_CODE = {"ap": "service_unavailable", "v1": "SERVICE_UNAVAILABLE"}


def _check_answer(call: Call, response: httpx.Response) -> None:
    """A success, or a 503 with Retry-After in the face's error body; never anything else."""
    where = f"{call.method} {call.url} -> {response.status_code} {response.text[:300]}"
    if response.is_success:
        return
    assert response.status_code == 503, where
    assert int(response.headers["Retry-After"]) >= 1, where
    body = response.json()
    assert set(body) == {"code", "message"}, where  # AP HttpError / v1 RestErrorResponse
    assert body["code"] == _UNAVAILABLE_CODE[call.face], where
    assert isinstance(body["message"], str), where


async def _send(http: httpx.AsyncClient, call: Call) -> httpx.Response:
    return await http.request(call.method, call.url, json=call.body)


async def _terminate_backends(database: str) -> int:
    """Terminate every connection to `database` but this one; how many there were."""
    admin = await asyncpg.connect(_admin_dsn())
    try:
        killed: list[bool] = [
            row[0]
            for row in await admin.fetch(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = $1 AND pid <> pg_backend_pid()",
                database,
            )
        ]
    finally:
        await admin.close()
    return sum(killed)


async def _load_while_terminating(
    http: httpx.AsyncClient, seed: Seed, database: str
) -> tuple[list[tuple[Call, httpx.Response]], int]:
    """Run the mix on `CONCURRENCY` clients while backends are terminated a few times."""
    answers: list[tuple[Call, httpx.Response]] = []
    calls = seed.calls("outage")
    done = asyncio.Event()

    async def client() -> None:
        while not done.is_set():
            call = next(calls)
            answers.append((call, await _send(http, call)))

    async def terminator() -> int:
        killed = 0
        for _ in range(TERMINATIONS):
            await asyncio.sleep(0.3)
            killed += await _terminate_backends(database)
        await asyncio.sleep(0.3)
        done.set()
        return killed

    async with asyncio.timeout(30):
        clients = asyncio.gather(*(client() for _ in range(CONCURRENCY)))
        killed, _ = await asyncio.gather(terminator(), clients)
    return answers, killed


async def _recovered(http: httpx.AsyncClient, seed: Seed) -> None:
    """Poll (bounded) until one full round of the mix succeeds."""
    deadline = time.monotonic() + RECOVERY_SECONDS
    mix = seed.calls("recovery")
    while True:
        calls = list(itertools.islice(mix, 6))
        responses = await asyncio.gather(*(_send(http, call) for call in calls))
        failed = [
            f"{c.method} {c.url}: {r.status_code}"
            for c, r in zip(calls, responses, strict=True)
            if not r.is_success
        ]
        if not failed:
            return
        assert time.monotonic() < deadline, f"still failing after {RECOVERY_SECONDS}s: {failed}"
        await asyncio.sleep(0.05)


@dataclass(frozen=True)
class Stored:
    """What the database holds after the run, read straight from it."""

    memos: dict[str, int]  # invoices per memo
    numbers: list[int]  # sequence part of every invoice number, ascending
    live: int  # invoices not archived
    account_counts: int  # the per-account counters' total
    customer_counts: int  # the per-customer counters' total


async def _stored(database: str) -> Stored:
    connection = await asyncpg.connect(_admin_dsn(database))
    try:
        memos = await connection.fetch(
            "SELECT memo, count(*) FROM invoices WHERE memo IS NOT NULL GROUP BY memo"
        )
        numbers = await connection.fetchval(
            "SELECT coalesce(array_agg(substring(invoice_number FROM '([0-9]+)$')::int"
            " ORDER BY 1), '{}') FROM invoices WHERE invoice_number IS NOT NULL"
        )
        live = await connection.fetchval("SELECT count(*) FROM invoices WHERE archived_at IS NULL")
        account_counts = await connection.fetchval(
            "SELECT coalesce(sum(n_draft + n_finalized + n_uncollectible + n_void), 0)"
            " FROM account_invoice_counts"
        )
        customer_counts = await connection.fetchval(
            "SELECT coalesce(sum(n), 0) FROM customer_invoice_counts"
        )
    finally:
        await connection.close()
    return Stored(
        memos={row[0]: row[1] for row in memos},
        numbers=sorted(numbers),
        live=live,
        account_counts=account_counts,
        customer_counts=customer_counts,
    )


async def test_terminated_connections_answer_503_then_recover(
    server: ServerProcess, headers: dict[str, str], seed: Seed, database: str
) -> None:
    async with httpx.AsyncClient(base_url=server.base_url, headers=headers, timeout=10.0) as http:
        answers, killed = await _load_while_terminating(http, seed, database)
        await _recovered(http, seed)
        stored = await _stored(database)

    assert killed >= TERMINATIONS, "the terminations found no server connections to end"
    for call, response in answers:
        _check_answer(call, response)
    assert len(answers) > CONCURRENCY * TERMINATIONS

    # No partial writes: every create is all there or not there at all.
    created = [call.memo for call, r in answers if call.memo and r.status_code == 201]
    assert {memo: stored.memos.get(memo, 0) for memo in created} == dict.fromkeys(created, 1)
    refused = [
        (call, stored.memos.get(call.memo, 0))
        for call, r in answers
        if call.memo and r.status_code == 503
    ]
    # A create on either face is one transaction, its answer read inside it: refused
    # means not written.
    assert [(c.face, c.memo, n) for c, n in refused if n != 0] == []
    # Invoice numbers stay gap-free, and the list counters agree with the rows.
    assert stored.numbers == list(range(1, len(stored.numbers) + 1))
    assert stored.account_counts == stored.customer_counts == stored.live
