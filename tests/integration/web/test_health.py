"""GET /health and GET /ready: the process is up; the database, schema and workers are."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from alembic import command
from fastapi import FastAPI
from pydantic import SecretStr

from invoicery.app import create_app
from invoicery.config import Settings
from invoicery.service.heartbeat import PRUNE_AFTER, STALE_AFTER, Heartbeat, prune
from invoicery.service.readiness import Check
from invoicery.store import heartbeats
from invoicery.store.database import Database
from invoicery.store.migrate import alembic_config
from invoicery.web.health import Operations
from tests.conftest import PUBLIC_URL
from tests.support.scratch_db import admin_dsn, scratch_database
from tests.support.server import free_port

NOW = datetime(2031, 5, 6, 7, 8, 9, tzinfo=UTC)


def _operations(app: FastAPI) -> Operations:
    found: Operations = app.state.operations
    return found


@pytest.fixture
async def beating(app: FastAPI, db: Database) -> AsyncIterator[Heartbeat]:
    """The one worker, which beat at NOW; the app's clock stands at NOW."""
    await prune(db, now=NOW + PRUNE_AFTER)  # the heartbeats earlier tests' workers left
    heartbeat = Heartbeat(db)
    await heartbeat.run_once(now=NOW)
    _operations(app).clock = lambda: NOW
    yield heartbeat
    await heartbeat.forget()


async def test_health_answers_without_a_token_or_the_database(http: httpx.AsyncClient) -> None:
    response = await http.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_ready_when_database_schema_and_worker_are(
    http: httpx.AsyncClient, beating: Heartbeat
) -> None:
    response = await http.get("/ready")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ready"
    assert {name: check["ok"] for name, check in body["checks"].items()} == {
        "database": True,
        "migrations": True,
        "worker": True,
        "rate_limit": True,
    }
    assert "reasons" not in body


async def test_a_stale_heartbeat_is_not_ready(
    app: FastAPI, http: httpx.AsyncClient, beating: Heartbeat
) -> None:
    _operations(app).clock = lambda: NOW + STALE_AFTER  # at the limit: still fresh
    assert (await http.get("/ready")).status_code == 200
    _operations(app).clock = lambda: NOW + STALE_AFTER + timedelta(seconds=1)
    response = await http.get("/ready")
    assert response.status_code == 503
    assert response.json()["reasons"] == ["worker heartbeat stale (61 s old)"]
    assert response.json()["checks"]["worker"]["ok"] is False


async def test_the_newest_of_several_workers_counts(
    app: FastAPI, db: Database, http: httpx.AsyncClient, beating: Heartbeat
) -> None:
    later = NOW + timedelta(minutes=5)
    other = Heartbeat(db)
    await other.run_once(now=later)
    try:
        _operations(app).clock = lambda: later
        assert (await http.get("/ready")).status_code == 200
    finally:
        await other.forget()


async def test_no_worker_is_not_ready(app: FastAPI, db: Database, http: httpx.AsyncClient) -> None:
    await prune(db, now=NOW + PRUNE_AFTER)  # the heartbeats earlier tests' workers left
    _operations(app).clock = lambda: NOW
    response = await http.get("/ready")
    assert response.status_code == 503
    assert response.json()["reasons"] == ["no worker heartbeat"]


async def test_the_heartbeats_of_workers_long_gone_are_pruned(db: Database) -> None:
    dead = Heartbeat(db)
    await dead.run_once(now=NOW)
    await prune(db, now=NOW + PRUNE_AFTER)  # at the limit: kept
    async with db.read() as conn:
        assert await heartbeats.latest(conn) == NOW
    await prune(db, now=NOW + PRUNE_AFTER + timedelta(seconds=1))
    async with db.read() as conn:
        assert await heartbeats.latest(conn) is None


async def test_a_stopped_worker_removes_its_heartbeat(
    app: FastAPI, http: httpx.AsyncClient, beating: Heartbeat
) -> None:
    await beating.forget()
    response = await http.get("/ready")
    assert response.json()["reasons"] == ["no worker heartbeat"]


async def test_ready_says_where_rate_limits_are_kept(
    http: httpx.AsyncClient, beating: Heartbeat
) -> None:
    response = await http.get("/ready")
    assert response.json()["checks"]["rate_limit"] == {
        "ok": True,
        "detail": "in-process (this server's own, not shared)",
    }


async def test_an_unreachable_redis_is_reported_but_leaves_the_server_ready(
    db: Database, settings: Settings
) -> None:
    """Requests still pass (unlimited); a limiter outage must not become an API outage."""
    redis_url = f"redis://127.0.0.1:{free_port()}/0"
    app = create_app(settings.model_copy(update={"redis_url": SecretStr(redis_url)}), database=db)
    heartbeat = Heartbeat(db)
    await heartbeat.run_once(now=NOW)
    _operations(app).clock = lambda: NOW
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=PUBLIC_URL) as http:
            response = await http.get("/ready")
    finally:
        await heartbeat.forget()
    assert response.status_code == 200, response.text
    assert response.json()["checks"]["rate_limit"] == {
        "ok": True,
        "detail": "redis unreachable: requests pass unlimited",
    }


async def test_a_failing_extra_check_makes_the_server_unready(
    app: FastAPI, http: httpx.AsyncClient, beating: Heartbeat
) -> None:
    async def broken() -> Check:
        return Check("broken", False, "the broken part is down")

    _operations(app).extra_checks[:] = [broken]
    response = await http.get("/ready")
    assert response.status_code == 503
    assert response.json()["reasons"] == ["the broken part is down"]


async def test_an_unreachable_database_is_not_ready(tmp_path: Path) -> None:
    url = f"postgresql://postgres@127.0.0.1:{free_port()}/invoicery"
    db = Database(url, pool_size=2)
    app = create_app(Settings(database_url=url, data_dir=tmp_path), database=db)
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=PUBLIC_URL
        ) as http:
            assert (await http.get("/health")).status_code == 200
            response = await http.get("/ready")
    finally:
        await db.dispose()
    assert response.status_code == 503
    assert response.json()["reasons"] == ["database unreachable"]


@pytest.fixture
def behind_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """A fresh database of the current backend, migrated only to revision 0007."""
    if database_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'behind.db'}"
        command.upgrade(alembic_config(url), "0007")
        yield url
        return
    with scratch_database("invoicery_behind") as name:
        url = admin_dsn(name)
        command.upgrade(alembic_config(url), "0007")
        yield url


async def test_a_database_behind_the_migrations_is_not_ready(
    behind_url: str, tmp_path: Path
) -> None:
    db = Database(behind_url, pool_size=2)
    app = create_app(Settings(database_url=behind_url, data_dir=tmp_path), database=db)
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=PUBLIC_URL
        ) as http:
            response = await http.get("/ready")
    finally:
        await db.dispose()
    assert response.status_code == 503
    head = _operations(app).head
    assert response.json()["reasons"] == [f"database at revision 0007, the code at {head}"]
    assert response.json()["checks"]["database"]["ok"] is True
