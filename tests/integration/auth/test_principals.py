"""Principals kept in process: used on PostgreSQL while revocations are heard, never stale."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from invoicery.app import create_app
from invoicery.auth.principals import APPLICATION_NAME, PrincipalCache
from invoicery.config import Settings
from invoicery.service import accounts as account_service
from invoicery.service import clients as client_service
from invoicery.store import clients
from invoicery.store.clients import TokenRecord
from invoicery.store.database import Database
from tests.conftest import PUBLIC_URL
from tests.support.tenant import new_tenant
from tests.support.token_lookups import count_token_lookups


async def _until(condition: Callable[[], bool]) -> None:
    """Wait (10 s at most) for something another connection makes happen."""
    for _ in range(1000):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("it did not happen")


@pytest.fixture
def lookups(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The token hashes looked up in the database from now on."""
    return count_token_lookups(monkeypatch)


@pytest.fixture
def key_lookups(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The API key hashes looked up in the database from now on."""
    looked_up: list[str] = []
    real = clients.find_api_key

    async def counting(db: Database, *, key_hash: str) -> TokenRecord | None:
        looked_up.append(key_hash)
        return await real(db, key_hash=key_hash)

    monkeypatch.setattr(clients, "find_api_key", counting)
    return looked_up


ServerFactory = Callable[[], Awaitable[tuple[FastAPI, httpx.AsyncClient]]]


@pytest.fixture
async def servers(database_url: str, tmp_path: Path) -> AsyncIterator[ServerFactory]:
    """Start app instances (servers), each with its own pools and running its lifespan."""
    async with contextlib.AsyncExitStack() as stack:

        async def start() -> tuple[FastAPI, httpx.AsyncClient]:
            database = Database(database_url, pool_size=2)
            stack.push_async_callback(database.dispose)
            settings = Settings(database_url=database_url, public_url=PUBLIC_URL, data_dir=tmp_path)
            app = create_app(settings, database=database)
            await stack.enter_async_context(app.router.lifespan_context(app))
            http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=PUBLIC_URL)
            stack.push_async_callback(http.aclose)
            return app, http

        yield start


def _cache(app: FastAPI) -> PrincipalCache:
    cache: PrincipalCache = app.state.principals
    return cache


async def test_a_revocation_is_seen_by_every_running_server(
    db: Database, servers: ServerFactory, lookups: list[str]
) -> None:
    (first, one), (second, two) = await servers(), await servers()
    tenant = await new_tenant(db, one)
    headers = await tenant.headers()
    for http in (one, two, one, two):
        assert (await http.get("/invoices", headers=headers)).status_code == 200
    if db.is_sqlite:  # nothing to listen to: every request looks its token up
        assert not _cache(first).on
        assert len(lookups) == 4
    else:
        assert len(lookups) == 2  # once per server, then from its cache
    before = [_cache(app).generation for app in (first, second)]

    await client_service.revoke(db, client_id=tenant.client.client_id)  # as the CLI does

    if not db.is_sqlite:
        apps = (first, second)
        await _until(
            lambda: all(
                _cache(app).generation != was for app, was in zip(apps, before, strict=True)
            )
        )
    for http in (one, two):
        assert (await http.get("/invoices", headers=headers)).status_code == 401


async def test_a_keys_revocation_is_seen_by_every_running_server(
    db: Database, servers: ServerFactory, lookups: list[str], key_lookups: list[str]
) -> None:
    (first, one), (second, two) = await servers(), await servers()
    if not db.is_sqlite:
        await _until(lambda: _cache(first).on and _cache(second).on)
    tenant = await new_tenant(db, one, api_key=True)
    assert tenant.api_key is not None
    headers = {"Authorization": f"Bearer {tenant.api_key.api_key}"}
    for http in (one, two, one, two):
        assert (await http.get("/invoices", headers=headers)).status_code == 200
    assert lookups == []  # a key is not an access token
    assert len(key_lookups) == (4 if db.is_sqlite else 2)  # kept by each server that listens
    before = [_cache(app).generation for app in (first, second)]

    await client_service.revoke_api_key(db, key_id=tenant.api_key.id)  # as the CLI does

    if not db.is_sqlite:
        apps = (first, second)
        await _until(
            lambda: all(
                _cache(app).generation != was for app, was in zip(apps, before, strict=True)
            )
        )
    for http in (one, two):
        assert (await http.get("/invoices", headers=headers)).status_code == 401
        assert (await http.get("/api/v1/invoices", headers=headers)).status_code == 401


async def test_an_account_change_reaches_the_principals_kept(
    db: Database, servers: ServerFactory, lookups: list[str]
) -> None:
    app, http = await servers()
    tenant = await new_tenant(db, http)
    headers = await tenant.headers()
    assert (await http.get("/invoices", headers=headers)).status_code == 200
    generation = _cache(app).generation

    await account_service.update_settings(
        db, name=tenant.account_name, settings={"rate_limit": "2/min"}
    )

    if not db.is_sqlite:
        await _until(lambda: _cache(app).generation != generation)
    lookups.clear()
    answers = [(await http.get("/invoices", headers=headers)).status_code for _ in range(2)]
    assert answers == [200, 429]  # the account's new limit (one used already), read afresh
    assert len(lookups) == (2 if db.is_sqlite else 1)


async def test_while_not_listening_every_request_looks_its_token_up(
    db: Database, servers: ServerFactory, lookups: list[str]
) -> None:
    if db.is_sqlite:
        pytest.skip("SQLite has no listening connection")
    app, http = await servers()
    cache = _cache(app)
    await _until(lambda: cache.on)
    tenant = await new_tenant(db, http)
    headers = await tenant.headers()
    assert (await http.get("/invoices", headers=headers)).status_code == 200

    async with db.write() as conn:  # the listening connection is lost
        await conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = :name AND datname = current_database()"
            ),
            {"name": APPLICATION_NAME},
        )
    await _until(lambda: not cache.on)
    lookups.clear()
    assert (await http.get("/invoices", headers=headers)).status_code == 200
    assert len(lookups) == 1  # the cache was bypassed

    await _until(lambda: cache.on)  # listening again, and starting empty
    lookups.clear()
    for _ in range(2):
        assert (await http.get("/invoices", headers=headers)).status_code == 200
    assert len(lookups) == 1
