"""A fresh benchmark database: create, migrate, add API clients, bulk-load, vacuum, drop.

The schema comes only from the project's Alembic migrations
(`invoicery.store.migrate.upgrade`); the clients from `invoicery.service.clients.create`.
Rows go in with binary COPY (asyncpg `copy_records_to_table`), filling only the
columns `bench.dataset` knows; every other column must be nullable or have a server
default, which is checked against `invoicery.store.tables` first, so columns added by
later migrations keep working.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
from sqlalchemy import Table
from sqlalchemy.engine import make_url

from bench.dataset import (
    CUSTOMER_COLUMNS,
    INVOICE_COLUMNS,
    AccountPlan,
    DatasetPlan,
    customer_rows,
    invoice_batches,
)
from bench.progress import Progress, step
from invoicery.auth.scopes import ALL_SCOPES
from invoicery.domain import ids
from invoicery.domain.api_versions import OLDEST
from invoicery.service import accounts as account_service
from invoicery.service import clients as client_service
from invoicery.store import tables
from invoicery.store.database import Database
from invoicery.store.migrate import upgrade

__all__ = [
    "BenchClient",
    "LoadedDatabase",
    "create_database",
    "database_url",
    "drop_database",
    "execute",
    "load",
    "required_columns_check",
]

_BATCH = 25_000


@dataclass(frozen=True, slots=True)
class BenchClient:
    """An API client of one benchmark account."""

    account_name: str
    account_id: UUID
    client_id: str
    client_secret: str


@dataclass(frozen=True, slots=True)
class LoadedDatabase:
    """What `load` put in the database."""

    url: str
    clients: Sequence[BenchClient]
    plan: DatasetPlan
    seconds: float


def database_url(admin_url: str, name: str) -> str:
    """The URL of database `name` on the server of `admin_url`."""
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def execute(url: str, statement: str) -> None:
    """Run SQL (one or more statements, no parameters) in the database at `url`."""
    conn = await asyncpg.connect(_dsn(url))
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


async def create_database(admin_url: str, name: str) -> str:
    """Create an empty database called `name`; returns its URL."""
    await execute(admin_url, f'CREATE DATABASE "{name}"')
    return database_url(admin_url, name)


async def drop_database(admin_url: str, name: str) -> None:
    """Drop database `name`, disconnecting anything still attached."""
    await execute(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def required_columns_check(table: Table, filled: Sequence[str]) -> None:
    """Fail early if `table` has a NOT NULL column without a server default we don't fill."""
    names = {column.name for column in table.c}
    unknown = sorted(set(filled) - names)
    missing = sorted(
        column.name
        for column in table.c
        if not column.nullable
        and column.server_default is None
        and column.name not in filled
        and column.autoincrement is not True
    )
    if unknown or missing:
        raise RuntimeError(
            f"bench.dataset is out of date with table {table.name!r}: "
            f"columns it fills that no longer exist: {unknown}; "
            f"required columns it does not fill: {missing}"
        )


async def _create_clients(url: str, names: Sequence[str]) -> list[BenchClient]:
    db = Database(url)
    try:
        made = []
        for name in names:
            created = await client_service.create(
                db,
                name=f"bench {name}",
                scopes=list(ALL_SCOPES),
                account_name=name,
                # The seed's version: the one every earlier result was measured in.
                api_version=OLDEST,
            )
            made.append(
                BenchClient(
                    account_name=name,
                    account_id=ids.decode(ids.ACCOUNT, created.account_id),
                    client_id=created.client_id,
                    client_secret=created.client_secret,
                )
            )
        return made
    finally:
        await db.dispose()


async def _prefixes(url: str, names: Sequence[str]) -> dict[str, str]:
    db = Database(url)
    try:
        return {
            name: (await account_service.get_or_raise(db, name=name)).invoice_prefix
            for name in names
        }
    finally:
        await db.dispose()


async def _copy_invoices(
    conn: asyncpg.Connection, plan: DatasetPlan, customers: dict[UUID, list[tuple[Any, ...]]]
) -> None:
    """COPY the invoices while the next batch is generated in a worker thread."""
    progress = Progress("invoices", plan.invoices)
    batches = invoice_batches(plan, customers, _BATCH)

    def next_batch() -> list[tuple[Any, ...]] | None:
        return next(batches, None)

    pending = asyncio.create_task(asyncio.to_thread(next_batch))
    while (batch := await pending) is not None:
        pending = asyncio.create_task(asyncio.to_thread(next_batch))
        await conn.copy_records_to_table("invoices", records=batch, columns=list(INVOICE_COLUMNS))
        progress.advance(len(batch))
    progress.done()


async def _bulk_load(
    url: str, plan: DatasetPlan, customers: dict[UUID, list[tuple[Any, ...]]]
) -> None:
    conn = await asyncpg.connect(_dsn(url))
    try:
        # The generator writes consistent rows (customers before their invoices, in
        # the same account), so the per-row foreign-key triggers are skipped during
        # the load and the integrity is checked once afterwards instead.
        await conn.execute("SET session_replication_role = replica")
        await conn.execute("SET synchronous_commit = off")
        for rows in customers.values():
            await conn.copy_records_to_table(
                "customers", records=rows, columns=list(CUSTOMER_COLUMNS)
            )
        await _copy_invoices(conn, plan, customers)
        for account in plan.accounts:
            await conn.execute(
                "UPDATE accounts SET last_invoice_seq = $1 WHERE id = $2",
                account.invoices,
                account.account_id,
            )
        await conn.execute("RESET session_replication_role")
        with step("checking foreign keys of the loaded rows"):
            orphans = await conn.fetchval(
                "SELECT count(*) FROM invoices i LEFT JOIN customers c"
                " ON c.account_id = i.account_id AND c.id = i.customer_id WHERE c.id IS NULL"
            )
            if orphans:
                raise RuntimeError(f"{orphans} loaded invoices reference no customer")
        with step("VACUUM (FREEZE, ANALYZE)"):
            await conn.execute("VACUUM (FREEZE, ANALYZE)")
            await conn.execute("CHECKPOINT")
    finally:
        await conn.close()


def load(
    url: str,
    *,
    invoices: int,
    customers: int,
    now: datetime,
    seed: int,
    big_share: float = 0.8,
) -> LoadedDatabase:
    """Migrate the empty database at `url` and fill it; call outside any event loop."""
    started = time.monotonic()
    required_columns_check(tables.customers, CUSTOMER_COLUMNS)
    required_columns_check(tables.invoices, INVOICE_COLUMNS)
    with step("alembic upgrade head"):
        upgrade(url)
    names = ["bench-big", "bench-small"]

    async def work() -> LoadedDatabase:
        with step("creating API clients (invoicery.service.clients.create)"):
            clients = await _create_clients(url, names)
            prefixes = await _prefixes(url, names)
        big_invoices = round(invoices * big_share)
        big_customers = round(customers * big_share)
        plan = DatasetPlan(
            accounts=[
                AccountPlan(
                    account_id=clients[0].account_id,
                    invoice_prefix=prefixes[names[0]],
                    customers=big_customers,
                    invoices=big_invoices,
                ),
                AccountPlan(
                    account_id=clients[1].account_id,
                    invoice_prefix=prefixes[names[1]],
                    customers=customers - big_customers,
                    invoices=invoices - big_invoices,
                ),
            ],
            now=now,
            seed=seed,
        )
        rows = customer_rows(plan)
        await _bulk_load(url, plan, rows)
        return LoadedDatabase(
            url=url, clients=clients, plan=plan, seconds=time.monotonic() - started
        )

    return asyncio.run(work())


def unique_name() -> str:
    """A database name no other run uses."""
    return f"invoicery_bench_{time.strftime('%Y%m%d_%H%M%S')}_{uuid.uuid4().hex[:6]}"
