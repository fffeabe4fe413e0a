"""Two servers and an extra worker on one PostgreSQL with Redis: the scale-out path.

Two `invoicery serve` processes (each with its own in-process worker) start at the same
moment on an empty database, and one `invoicery worker` beside them: whichever takes
the migration lock first migrates, the others find the schema current. Clients then
alternate between the servers: invoices are created, paid by bank on the other
server's copy of the payment page, their PDF links followed there too; whichever of
the three workers claims each debit, delivery and e-mail does it. Afterwards every
invoice number exists once with no gap, each debit settled once, each event was
delivered once and each e-mail sent once, and a client's rate limit was one budget
across both servers.
"""

from __future__ import annotations

import asyncio
import json
import re
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from invoicery.auth.scopes import ALL_SCOPES
from tests.support.builders import customer_body, invoice_body, line
from tests.support.payer import bank_form
from tests.support.rate_limits import empty_redis
from tests.support.receiver import Receiver, receiver
from tests.support.scratch_db import admin_dsn, scratch_database
from tests.support.server import INVOICERY, ServerProcess
from tests.support.smtp import Recorder, smtp_server

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

INVOICES = 40
PAID = 6
ACCOUNT = "fleet"
FAST = {
    "INVOICERY_WORKER_POLL_SECONDS": "0.2",
    "INVOICERY_WEBHOOK_POLL_SECONDS": "0.2",
    "INVOICERY_MAIL_POLL_SECONDS": "0.2",
    "INVOICERY_ACH_SETTLEMENT_SECONDS": "1",
    "INVOICERY_WEBHOOK_ALLOW_PRIVATE": "true",
    "INVOICERY_DB_POOL_SIZE": "5",
}


@dataclass
class Fleet:
    """The servers, the extra worker and what they talk to."""

    servers: tuple[ServerProcess, ServerProcess]
    worker: subprocess.Popen[bytes]
    database: str
    hooks: Receiver
    mail: Recorder


@pytest.fixture
def fleet(tmp_path: Path) -> Iterator[Fleet]:
    """Two servers and a worker started together on an empty database."""
    with (
        scratch_database("invoicery_fleet") as database,
        receiver() as hooks,
        smtp_server() as mailbox,
    ):
        env = {
            **FAST,
            "INVOICERY_DATABASE_URL": admin_dsn(database),
            "INVOICERY_REDIS_URL": asyncio.run(empty_redis()),
            "INVOICERY_SMTP_URL": f"smtp://127.0.0.1:{mailbox.port}",
        }
        first, second = (ServerProcess(tmp_path / name, env) for name in ("one", "two"))
        for server in (first, second):
            server.data_dir.mkdir()
        with (tmp_path / "worker.log").open("wb") as log:
            worker = subprocess.Popen([*INVOICERY, "worker"], env=first.env, stdout=log, stderr=log)
        try:
            with ThreadPoolExecutor(2) as pool:  # both migrate the empty database at once
                list(pool.map(lambda server: server.start(timeout=60), (first, second)))
            assert isinstance(mailbox.handler, Recorder)
            yield Fleet((first, second), worker, database, hooks, mailbox.handler)
        finally:
            for server in (first, second):
                server.stop()
            worker.send_signal(signal.SIGTERM)
            assert worker.wait(timeout=40) == 0, (tmp_path / "worker.log").read_text()


def _client(fleet: Fleet, account: str) -> list[httpx.Client]:
    """An API client of `account`, as one authorized HTTP client per server."""
    created = fleet.servers[0].create_client(*ALL_SCOPES, account=account)
    return [
        httpx.Client(
            base_url=server.base_url,
            headers={"Authorization": f"Bearer {server.token(created)}"},
            timeout=30,
        )
        for server in fleet.servers
    ]


def _on(server: ServerProcess, url: str) -> str:
    """`url`, one server made, as the other server's same address."""
    return re.sub(r"^http://127\.0\.0\.1:\d+", server.base_url, url)


def _pay_by_bank(page_url: str) -> None:
    with httpx.Client() as payer:
        page = payer.get(page_url)
        assert page.status_code == 200, page.text
        assert payer.post(f"{page_url}/bank", data=bank_form(page.text)).status_code == 303


async def _rows(database: str, query: str) -> list[asyncpg.Record]:
    connection = await asyncpg.connect(admin_dsn(database))
    try:
        return list(await connection.fetch(query))
    finally:
        await connection.close()


def _statuses(fleet: Fleet, table: str) -> Counter[str]:
    rows = asyncio.run(_rows(fleet.database, f"SELECT status FROM {table}"))
    return Counter(row["status"] for row in rows)


def _until(done: Callable[[], bool], *, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not done():
        assert time.monotonic() < deadline, f"not done within {seconds} s: {what}"
        time.sleep(0.2)


def test_two_servers_and_three_workers_do_everything_once(fleet: Fleet) -> None:
    apis = _client(fleet, ACCOUNT)
    one, two = apis
    endpoint = two.post("/api/v1/webhooks/endpoints", json={"url": fleet.hooks.url})
    assert endpoint.status_code == 201, endpoint.text
    customer = one.post("/customers", json=customer_body("Ada Lovelace")).json()
    body = invoice_body(customer["id"], line(120), line(35.5, quantity=2))

    def create(index: int) -> dict[str, Any]:
        response = apis[index % 2].post("/invoices", json=body)
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created

    with ThreadPoolExecutor(8) as pool:
        created = list(pool.map(create, range(INVOICES)))

    numbers = sorted(invoice["invoice_number"] for invoice in created)
    assert numbers == [f"INV-{n:06d}" for n in range(1, INVOICES + 1)]

    paid = created[:PAID]
    for index, invoice in enumerate(paid):
        made_by, other = fleet.servers[index % 2], fleet.servers[1 - index % 2]
        link = apis[index % 2].get(f"/invoices/{invoice['id']}/payment-link")
        assert link.status_code == 200, link.text
        assert link.json()["url"].startswith(made_by.base_url)
        _pay_by_bank(_on(other, link.json()["url"]))
        pdf = apis[index % 2].get(f"/invoices/{invoice['id']}/pdf-link").json()["url"]
        download = httpx.get(_on(other, pdf))
        assert download.status_code == 200
        assert download.content.startswith(b"%PDF")

    def all_paid() -> bool:
        states = [one.get(f"/invoices/{invoice['id']}").json()["status"] for invoice in paid]
        return states == ["PAID"] * PAID

    _until(all_paid, seconds=30, what="every debit settled")
    _until(
        lambda: (
            set(_statuses(fleet, "webhook_deliveries")) == {"succeeded"}
            and set(_statuses(fleet, "notifications")) == {"sent"}
        ),
        seconds=45,
        what="every webhook delivered and every e-mail sent",
    )

    settled = asyncio.run(
        _rows(
            fleet.database, "SELECT invoice_id, status FROM transactions WHERE status = 'Settled'"
        )
    )
    assert len(settled) == PAID
    assert len({row["invoice_id"] for row in settled}) == PAID

    deliveries = _statuses(fleet, "webhook_deliveries")["succeeded"]
    requests = fleet.hooks.requests()
    ids = [request.headers["webhook-id"] for request in requests]
    assert len(ids) == len(set(ids)) == deliveries
    kinds = Counter(json.loads(request.body)["type"] for request in requests)
    assert kinds["invoice.created"] == INVOICES
    assert kinds["invoice.paid"] == PAID

    subjects = Counter(received.message()["Subject"] for received in fleet.mail.received)
    assert sum(subjects.values()) == _statuses(fleet, "notifications")["sent"]
    for number in numbers:
        issued = [subject for subject in subjects if f"Invoice {number} " in subject]
        assert [subjects[subject] for subject in issued] == [1], (number, subjects)
    receipts = [subject for subject in subjects if "receipt" in subject.lower()]
    assert sum(subjects[subject] for subject in receipts) == PAID, subjects

    for api in apis:
        api.close()


def test_a_clients_rate_limit_is_one_budget_across_the_servers(fleet: Fleet) -> None:
    apis = _client(fleet, "limited")
    fleet.servers[0].cli("accounts", "set", "limited", "--rate-limit", "5/s")
    started = time.monotonic()
    answers = [apis[index % 2].get("/customers") for index in range(12)]
    elapsed = time.monotonic() - started
    for api in apis:
        api.close()

    assert elapsed < 1.0, "the requests must fall in one window for the count to be exact"
    assert [answer.status_code for answer in answers] == [200] * 5 + [429] * 7
    assert {answer.headers["RateLimit-Limit"] for answer in answers} == {"5"}
    assert [int(answer.headers["RateLimit-Remaining"]) for answer in answers[:5]] == [4, 3, 2, 1, 0]
