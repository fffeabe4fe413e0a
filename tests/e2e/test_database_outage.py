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
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx
import pytest

from invoicery.auth.scopes import ALL_SCOPES
from invoicery.store.migrate import upgrade
from tests.support.mix import Call, Seed, check_answer, recovered, seed_both_faces, send
from tests.support.scratch_db import admin_dsn, scratch_database
from tests.support.server import ServerProcess

pytestmark = pytest.mark.e2e

CONCURRENCY = 12
TERMINATIONS = 3
RECOVERY_SECONDS = 5.0


@pytest.fixture
def database() -> Iterator[str]:
    """A migrated PostgreSQL database for this test alone (its backends get terminated)."""
    with scratch_database("invoicery_outage") as name:
        upgrade(admin_dsn(name))
        yield name


@pytest.fixture
def server(tmp_path: Path, database: str) -> Iterator[ServerProcess]:
    process = ServerProcess(
        tmp_path,
        {
            "INVOICERY_DATABASE_URL": admin_dsn(database),
            "INVOICERY_DB_POOL_SIZE": "4",
            "INVOICERY_SETTLEMENT_IN_SERVER": "false",
        },
    )
    try:
        process.start()
        yield process
    finally:
        process.stop()


@pytest.fixture
def headers(server: ServerProcess) -> dict[str, str]:
    client = server.create_client(*ALL_SCOPES)
    return {"Authorization": f"Bearer {server.token(client)}"}


@pytest.fixture
def seed(server: ServerProcess, headers: dict[str, str]) -> Seed:
    with httpx.Client(base_url=server.base_url, headers=headers) as http:
        return seed_both_faces(http)


async def _terminate_backends(database: str) -> int:
    """Terminate every connection to `database` but this one; how many there were."""
    admin = await asyncpg.connect(admin_dsn())
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
            answers.append((call, await send(http, call)))

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


@dataclass(frozen=True)
class Stored:
    """What the database holds after the run, read straight from it."""

    memos: dict[str, int]  # invoices per memo
    numbers: list[int]  # sequence part of every invoice number, ascending
    live: int  # invoices not archived
    account_counts: int  # the per-account counters' total
    customer_counts: int  # the per-customer counters' total


async def _stored(database: str) -> Stored:
    connection = await asyncpg.connect(admin_dsn(database))
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
        await recovered(http, seed, within=RECOVERY_SECONDS)
        stored = await _stored(database)

    assert killed >= TERMINATIONS, "the terminations found no server connections to end"
    for call, response in answers:
        check_answer(call, response)
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
