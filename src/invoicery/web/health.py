"""Operator routes: ``GET /health``, ``GET /ready`` and ``GET /metrics``; no token needed.

What they need is built once at start-up and kept as ``app.state.operations``
(`Operations`). Other parts of the server contribute readiness checks by appending to
its `extra_checks` (e.g. the rate-limit backend: ``Check("rate_limit", True, "redis")``).
None of the three is in either face's OpenAPI document.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from fastapi import APIRouter, Request
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse, Response

from invoicery.service import readiness
from invoicery.service._time import utc_now
from invoicery.service.readiness import Check, ExtraCheck
from invoicery.store.database import Database

__all__ = ["Check", "ExtraCheck", "Operations", "router"]

router = APIRouter(include_in_schema=False)


@dataclass
class Operations:
    """What the operator routes read: the database, the schema head, the clock, checks."""

    db: Database
    head: str | None
    metrics: bool = False
    clock: Callable[[], datetime] = utc_now
    extra_checks: list[ExtraCheck] = field(default_factory=list)


def _operations(request: Request) -> Operations:
    found: Operations = request.app.state.operations
    return found


@router.get("/health")
async def health() -> JSONResponse:
    """The process is up and answering (no database access)."""
    return JSONResponse({"status": "ok"}, headers={"Cache-Control": "no-store"})


@router.get("/ready")
async def ready(request: Request) -> JSONResponse:
    """200 when database, schema, worker and every extra check are fine; 503 and why if not."""
    ops = _operations(request)
    checks = await readiness.check(ops.db, now=ops.clock(), head=ops.head, extra=ops.extra_checks)
    failed = [check.detail for check in checks if not check.ok]
    body: dict[str, object] = {
        "status": "unavailable" if failed else "ready",
        "checks": {check.name: {"ok": check.ok, "detail": check.detail} for check in checks},
    }
    if failed:
        body["reasons"] = failed
    return JSONResponse(
        body, status_code=503 if failed else 200, headers={"Cache-Control": "no-store"}
    )


@router.get("/metrics")
async def metrics(request: Request) -> Response:
    """Prometheus metrics of every server process, when ``INVOICERY_METRICS=true``."""
    ops = _operations(request)
    if not ops.metrics:
        raise HTTPException(404, "not found")
    from invoicery.web import metrics as exposition

    now = ops.clock()
    try:
        states, heartbeat_age = await readiness.queue_states(ops.db, now=now)
    except Exception:
        scrape = exposition.Scrape(database_up=False)
    else:
        scrape = exposition.Scrape(True, states, heartbeat_age)
    exposition.observe_pool(ops.db.connections_in_use())
    return Response(exposition.exposition(scrape), media_type=exposition.CONTENT_TYPE)
