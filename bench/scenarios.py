"""The measured scenarios: what each one requests, its targets, which ceiling it faces.

To add one (for example when an endpoint lands), append a `Scenario` to `SCENARIOS`.
With `optional=True` it is a hook: the run first sends its first request and only
measures it if the endpoint answers 200; otherwise the report lists it as skipped.
Targets are DESIGN.md's (req/s, p99 at 64 connections) and issue 13's (server and
PostgreSQL CPU per request, share of a ceiling of the same run, p99 at light load,
the extra cost of idempotency keys and webhooks over a plain creation).
"""

from __future__ import annotations

import base64
import json
import random
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal

from bench.wrk import Request

__all__ = ["SCENARIOS", "Fixture", "Scenario", "Targets", "call"]

Ceiling = Literal["select", "insert", "numbered"]
ShareOf = Literal["http", "numbered"]
SHARE_CEILINGS: dict[ShareOf, str] = {"http": "HTTP ceiling", "numbered": "numbered insert"}


@dataclass(frozen=True, slots=True)
class Fixture:
    """What scenarios need from the loaded database and the running server."""

    client_id: str
    client_secret: str
    token: str
    invoice_ids: Sequence[str]
    customer_ids: Sequence[str]
    deep_cursor: str
    deep_rows: int
    today: date
    seed: int

    @property
    def bearer(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def rng(self) -> random.Random:
        return random.Random(self.seed)  # noqa: S311 (request mix, not secrets)


@dataclass(frozen=True, slots=True)
class Targets:
    """Goals printed beside the measurement (not assertions)."""

    min_rps: float | None = None
    max_p99_ms: float | None = None
    max_server_cpu_ms: float | None = None
    max_pg_cpu_ms: float | None = None
    min_share_pct: float | None = None  # req/s as a share of the ceiling `share_of`
    share_of: ShareOf = "http"
    light_p99_ms: float | None = None  # p99 at light load (also: run it in that pass)
    compare_to: str = ""  # the scenario whose cost this one's extra cost is measured against
    max_cost_pct: float | None = None

    def text(self) -> str:
        parts = []
        if self.min_rps is not None:
            parts.append(f"≥ {self.min_rps:,.0f}/s")
        if self.max_p99_ms is not None:
            parts.append(f"p99 ≤ {self.max_p99_ms:g} ms")
        return ", ".join(parts) or "–"


@dataclass(frozen=True, slots=True)
class Scenario:
    """One load pattern: headers and candidate requests (one picked at random per call)."""

    key: str
    title: str
    build: Callable[[Fixture], tuple[Mapping[str, str], Sequence[Request]]]
    ceiling: Ceiling
    targets: Targets = Targets()
    explain: bool = False
    optional: bool = False
    note: str = ""
    unique_headers: Mapping[str, str] = field(default_factory=dict)  # name -> value prefix
    webhook: bool = False  # measured while the account has an active webhook endpoint


def _token(fixture: Fixture) -> tuple[Mapping[str, str], Sequence[Request]]:
    basic = base64.b64encode(f"{fixture.client_id}:{fixture.client_secret}".encode()).decode()
    headers = {
        "Authorization": f"Basic {basic}",
        "Content-Type": "application/x-www-form-urlencoded",
    }
    return headers, [Request("POST", "/oauth/token", "grant_type=client_credentials")]


def _create(fixture: Fixture) -> tuple[Mapping[str, str], Sequence[Request]]:
    rng = fixture.rng()
    due = (fixture.today + timedelta(days=30)).isoformat()
    requests = []
    for customer_id in rng.sample(list(fixture.customer_ids), min(1000, len(fixture.customer_ids))):
        body = {
            "customer_id": customer_id,
            "due_date": due,
            "line_items": [
                {
                    "description": "Consulting",
                    "amount": rng.randint(100, 99999) / 100,
                    "quantity": 2,
                },
                {"description": "Hosting", "amount": 99, "quantity": 1},
                {"description": "Support plan", "amount": 45.5, "quantity": rng.randint(1, 9)},
            ],
        }
        requests.append(Request("POST", "/invoices", json.dumps(body)))
    return {**fixture.bearer, "Content-Type": "application/json"}, requests


def _get_by_id(fixture: Fixture) -> tuple[Mapping[str, str], Sequence[Request]]:
    return fixture.bearer, [Request("GET", f"/invoices/{id_}") for id_ in fixture.invoice_ids]


def _one(path: str) -> Callable[[Fixture], tuple[Mapping[str, str], Sequence[Request]]]:
    def build(fixture: Fixture) -> tuple[Mapping[str, str], Sequence[Request]]:
        return fixture.bearer, [Request("GET", path.format(fixture=fixture))]

    return build


def _deep(fixture: Fixture) -> tuple[Mapping[str, str], Sequence[Request]]:
    cursor = urllib.parse.quote(fixture.deep_cursor, safe="")
    return fixture.bearer, [Request("GET", f"/invoices?limit=100&after={cursor}")]


def _filtered(fixture: Fixture) -> tuple[Mapping[str, str], Sequence[Request]]:
    start = (fixture.today - timedelta(days=365)).isoformat()
    end = (fixture.today - timedelta(days=1)).isoformat()
    return fixture.bearer, [
        Request(
            "GET",
            f"/invoices?customer_id={customer_id}&status=OVERDUE"
            f"&due_date_start={start}&due_date_end={end}",
        )
        for customer_id in fixture.customer_ids
    ]


def _pdf(fixture: Fixture) -> tuple[Mapping[str, str], Sequence[Request]]:
    # One invoice over and over: its PDF is rendered by the probe, then served cached.
    return fixture.bearer, [Request("GET", f"/api/v1/invoices/{fixture.invoice_ids[0]}/download")]


_CREATE_NOTE = "random customer; creations run last so the scenarios above see the loaded set only"

SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "token",
        "POST /oauth/token",
        _token,
        "insert",
        Targets(max_server_cpu_ms=0.3),
    ),
    Scenario(
        "get",
        "GET /invoices/{id}",
        _get_by_id,
        "select",
        Targets(
            min_rps=4500,
            max_p99_ms=30,
            max_server_cpu_ms=0.20,
            min_share_pct=25,
            light_p99_ms=5,
        ),
        explain=True,
        note="random ids of the token's account (all statuses)",
    ),
    Scenario(
        "list_first",
        "GET /invoices?limit=100",
        _one("/invoices?limit=100"),
        "select",
        Targets(max_p99_ms=50, max_server_cpu_ms=1.0, min_share_pct=6, light_p99_ms=15),
        explain=True,
        note="first page, newest first",
    ),
    Scenario(
        "list_deep",
        "GET /invoices?limit=100&after=… (page 5,001)",
        _deep,
        "select",
        Targets(max_p99_ms=50, max_server_cpu_ms=1.0, min_share_pct=6),
        explain=True,
        note="after = cursor of the 500,000th newest listed invoice",
    ),
    Scenario(
        "list_filtered",
        "GET /invoices?customer_id&status&due_date_*",
        _filtered,
        "select",
        Targets(max_p99_ms=50, max_server_cpu_ms=0.8, min_share_pct=8),
        explain=True,
        note="random customer, status=OVERDUE, due in the last 365 days",
    ),
    Scenario(
        "v1_first",
        "GET /api/v1/invoices?page=0&per_page=100",
        _one("/api/v1/invoices?page=0&per_page=100"),
        "select",
        Targets(max_server_cpu_ms=1.5, min_share_pct=4, light_p99_ms=25),
        explain=True,
        optional=True,
    ),
    Scenario(
        "v1_deep",
        "GET /api/v1/invoices?page=5000&per_page=100",
        _one("/api/v1/invoices?page=5000&per_page=100"),
        "select",
        Targets(max_p99_ms=100, max_server_cpu_ms=1.5, min_share_pct=4),
        explain=True,
        optional=True,
    ),
    Scenario(
        "pdf",
        "GET /api/v1/invoices/{id}/download (cached)",
        _pdf,
        "select",
        Targets(max_server_cpu_ms=0.15, min_share_pct=30, light_p99_ms=5),
        optional=True,
    ),
    Scenario(
        "create",
        "POST /invoices (3 lines)",
        _create,
        "numbered",
        Targets(
            min_rps=1500,
            max_p99_ms=60,
            max_server_cpu_ms=0.8,
            max_pg_cpu_ms=0.6,
            min_share_pct=50,
            share_of="numbered",
        ),
        note=_CREATE_NOTE,
    ),
    Scenario(
        "create_idempotent",
        "POST /invoices (3 lines) + Idempotency-Key",
        _create,
        "numbered",
        Targets(compare_to="create", max_cost_pct=10),
        note="a new Idempotency-Key on every request (run tag, wrk thread, counter)",
        unique_headers={"Idempotency-Key": "bench"},
    ),
    Scenario(
        "create_webhook",
        "POST /invoices (3 lines), active webhook",
        _create,
        "numbered",
        Targets(compare_to="create", max_cost_pct=10),
        note="the account has an active AP subscription to invoice_created, delivered by "
        "`invoicery worker` to a loopback receiver answering 204",
        webhook=True,
    ),
)


def call(
    base_url: str, headers: Mapping[str, str], request: Request, timeout: float = 30.0
) -> tuple[int, bytes]:
    """Send one request; its status and body (status 0 if nothing answered)."""
    http_request = urllib.request.Request(  # noqa: S310
        base_url + request.path,
        method=request.method,
        headers=dict(headers),
        data=request.body.encode() if request.body else None,
    )
    try:
        with urllib.request.urlopen(http_request, timeout=timeout) as response:  # noqa: S310
            return int(response.status), bytes(response.read())
    except urllib.error.HTTPError as error:
        return int(error.code), bytes(error.read())
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return 0, b""
