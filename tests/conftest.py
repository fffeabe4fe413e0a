"""Fixtures shared by every test: databases (SQLite and PostgreSQL), the app, tenants.

Every integration test runs once per backend. The PostgreSQL half uses a fresh
database created for this run on INVOICERY_TEST_POSTGRES_URL (default
postgresql://postgres@127.0.0.1:5432/postgres) and dropped afterwards; if that server
is unreachable the half is skipped, unless INVOICERY_TEST_REQUIRE_POSTGRES=1.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from invoicery.app import create_app
from invoicery.config import Settings
from invoicery.store.database import Database, async_url
from invoicery.store.migrate import upgrade
from tests.support import spec
from tests.support.tenant import Tenant, new_tenant

POSTGRES_ADMIN_URL = os.environ.get(
    "INVOICERY_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REQUIRE_POSTGRES = os.environ.get("INVOICERY_TEST_REQUIRE_POSTGRES") == "1"

# The suite fires requests far faster than a client should, from one address: its apps,
# servers and CLI calls get generous limits. The rate limits' own tests set the
# production defaults explicitly (tests/support/rate_limits.py).
for _name, _limit in (
    ("INVOICERY_RATE_LIMIT", "10000/s"),
    ("INVOICERY_TOKEN_RATE_LIMIT_PER_CLIENT", "10000/min"),
    ("INVOICERY_TOKEN_RATE_LIMIT_PER_ADDRESS", "10000/min"),
):
    os.environ.setdefault(_name, _limit)
PUBLIC_URL = "http://testserver"


async def _admin(statement: str) -> None:
    engine = create_async_engine(async_url(POSTGRES_ADMIN_URL), isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(statement))
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated SQLite database file for this test session."""
    url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'invoicery.db'}"
    upgrade(url)
    return url


@pytest.fixture(scope="session")
def postgresql_url() -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for this test session, dropped at the end."""
    name = f"invoicery_test_{uuid.uuid4().hex[:10]}"
    try:
        asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    except Exception as error:
        message = f"PostgreSQL unavailable at {POSTGRES_ADMIN_URL}: {error}"
        if REQUIRE_POSTGRES:
            pytest.fail(message)
        pytest.skip(message)
    url = make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    try:
        upgrade(url)
        yield url
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    """The URL of a migrated database of each backend in turn."""
    url: str = request.getfixturevalue(f"{request.param}_url")
    return url


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    """A `Database` on the current backend."""
    database = Database(database_url, pool_size=5)
    yield database
    await database.dispose()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """Settings for an app under test."""
    return Settings(database_url=database_url, public_url=PUBLIC_URL, data_dir=tmp_path)


@pytest.fixture
def app(settings: Settings, db: Database) -> FastAPI:
    """The ASGI application over the current backend."""
    return create_app(settings, database=db)


def conformance_check(
    transport: httpx.AsyncBaseTransport,
) -> Callable[[httpx.Response], Awaitable[None]]:
    """A response hook: every response to a documented operation must match its schema.

    The AP face and billing-v1 `2026-03` are checked against the seed specs; billing-v1
    `2026-10` (named by the response's `Invoicery-Version`) against the document the app
    serves for it, with no extra properties allowed.
    """

    served: dict[str, spec.Served] = {}

    async def check(response: httpx.Response) -> None:
        await response.aread()
        if not response.headers.get("content-type", "").startswith("application/json"):
            return
        request = response.request
        path = request.url.path
        version = response.headers.get("invoicery-version")
        if path.startswith("/api/v1/") and version not in (None, "2026-03"):
            if version not in served:
                async with httpx.AsyncClient(transport=transport, base_url=PUBLIC_URL) as fetch:
                    published = await fetch.get(f"/api/v1/openapi.json?version={version}")
                served[version] = spec.Served(published.json())
            served[version].validate(request.method, path, response.status_code, response.json())
            return
        seed = spec.BILLING_SPEC if path.startswith("/api/v1/") else spec.AP_SPEC
        spec.validate(seed, request.method, path, response.status_code, response.json())

    return check


@pytest.fixture
async def http(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client talking to the app in-process; checks every response's schema."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport,
        base_url=PUBLIC_URL,
        event_hooks={"response": [conformance_check(transport)]},
    ) as client:
        yield client


@pytest.fixture
async def tenant(db: Database, http: httpx.AsyncClient) -> Tenant:
    """A fresh account with an all-scopes client."""
    return await new_tenant(db, http)


@pytest.fixture
async def other_tenant(db: Database, http: httpx.AsyncClient) -> Tenant:
    """A second account, to prove isolation."""
    return await new_tenant(db, http)
