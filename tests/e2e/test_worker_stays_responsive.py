"""One worker keeps answering while it processes the heaviest input it accepts.

The server runs with one worker. A separate process sends the heaviest accepted
requests (the largest invoice on each face, its finalization, reads and PDF render, and
a page of such invoices) while this process probes a small invoice every few
milliseconds and records how long each answer takes. Every probe must be answered within
100 ms. The heavy client is a process of its own so that its parsing of large responses
does not hold this process's GIL and distort the probe.

The machine has two cores shared by the server, the heavy client and the probe, so each
operation is measured up to three times and judged by its best run.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from invoicery.auth.scopes import ALL_SCOPES
from invoicery.domain.invoice import MAX_LINE_ITEMS
from invoicery.service.invoices import MAX_INVOICE_SUB_LINES, MAX_SUB_LINES
from tests.support.server import ServerProcess

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]

PROBE_LIMIT_SECONDS = 0.1
ATTEMPTS = 3

# Sends one request and discards the answer; run as a separate process.
_HEAVY_CLIENT = """
import sys, httpx
method, url, token = sys.argv[1:4]
body = sys.stdin.read()
with httpx.Client(timeout=120) as client:
    response = client.request(method, url, content=body.encode() if body else None,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
print(response.status_code)
"""


@pytest.fixture
def server(tmp_path: Path, database_url: str) -> Iterator[ServerProcess]:
    # No background worker: the database is shared with earlier tests, whose webhook
    # endpoints and payments are none of this test's business.
    env = {"INVOICERY_DATABASE_URL": database_url, "INVOICERY_SETTLEMENT_IN_SERVER": "false"}
    process = ServerProcess(tmp_path, env)
    yield process
    process.stop()


def _largest_v1_body(customer_id: str) -> dict[str, Any]:
    """A draft at every limit: 1,000 lines, 1,000 sub-lines, long decimals, two taxes."""
    sub = {"name": "tier", "quantity": "1.12345678", "unit_price": "0.123456789012"}
    lines: list[dict[str, Any]] = []
    for index in range(MAX_LINE_ITEMS):
        if index < MAX_INVOICE_SUB_LINES // MAX_SUB_LINES:
            lines.append({"name": f"usage {index}", "sub_line_items": [sub] * MAX_SUB_LINES})
        else:
            lines.append({"name": f"seat {index}", "quantity": "3.5", "unit_price": "19.99"})
    return {"customer_id": customer_id, "line_items": lines, "memo": "m" * 5000}


def _largest_ap_body(customer_id: str) -> dict[str, Any]:
    """An AP invoice at every limit that fits the body limit: 1,000 lines, long texts."""
    line = {"amount": 12.34, "quantity": 3, "description": "d" * 900}
    return {"customer_id": customer_id, "line_items": [line] * MAX_LINE_ITEMS}


class Probe:
    """Reads a small invoice every few milliseconds in a thread; keeps each latency."""

    def __init__(self, base_url: str, headers: dict[str, str], path: str) -> None:
        self._client = httpx.Client(base_url=base_url, headers=headers)
        self._path = path
        self._stop = threading.Event()
        self.latencies: list[float] = []
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            started = time.perf_counter()
            response = self._client.get(self._path)
            self.latencies.append(time.perf_counter() - started)
            assert response.status_code == 200
            time.sleep(0.005)

    def __enter__(self) -> Probe:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self._client.close()


def _heavy(server: ServerProcess, token: str, method: str, path: str, body: Any = None) -> str:
    text = "" if body is None else json.dumps(body)
    done = subprocess.run(
        [sys.executable, "-c", _HEAVY_CLIENT, method, server.base_url + path, token],
        input=text,
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    return done.stdout.strip()


def _slowest_probe_while(
    server: ServerProcess,
    token: str,
    probe_path: str,
    method: str,
    paths: list[str],
    body: Any = None,
) -> float:
    """The best, over up to `ATTEMPTS` runs, of the slowest probe answer during the request.

    Each run requests the next of `paths` (one per run for a request that changes state).
    """
    headers = {"Authorization": f"Bearer {token}"}
    best = float("inf")
    for attempt in range(ATTEMPTS):
        path = paths[attempt % len(paths)]
        with Probe(server.base_url, headers, probe_path) as probe:
            time.sleep(0.05)
            status = _heavy(server, token, method, path, body)
        assert status.startswith("2"), (method, path, status)
        assert len(probe.latencies) >= 3
        best = min(best, max(probe.latencies))
        if best < PROBE_LIMIT_SECONDS:
            break
    return best


def test_the_worker_answers_within_100_ms_during_the_heaviest_accepted_requests(
    server: ServerProcess,
) -> None:
    client = server.create_client(*ALL_SCOPES, account="heavy")
    server.start()
    token = server.token(client)
    with httpx.Client(
        base_url=server.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=120
    ) as http:
        customer = http.post(
            "/api/v1/customers",
            json={
                "name": "Heavy GmbH",
                "currency": "USD",
                "invoicing_emails": [],
                "custom_taxes": [
                    {"tax_code": "VAT", "name": "VAT", "rate": "0.19"},
                    {"tax_code": "CITY", "name": "City tax", "rate": "0.0725"},
                ],
            },
        ).json()
        ap_customer = http.post("/customers", json={"name": "A", "email": "a@example.com"}).json()
        small = http.post(
            "/invoices",
            json={"customer_id": ap_customer["id"], "line_items": [{"amount": 1}]},
        ).json()
        drafts = [
            http.post("/api/v1/invoices", json=_largest_v1_body(customer["id"])).json()["id"]
            for _ in range(2 * ATTEMPTS)
        ]
        # The first half is finalized while measured; the second half now, to be read.
        finals = drafts[ATTEMPTS:]
        for final in finals:
            assert http.post(f"/api/v1/invoices/{final}/finalize").status_code == 200
        for _ in range(9):
            http.post("/invoices", json=_largest_ap_body(ap_customer["id"]))

    probe = f"/invoices/{small['id']}"
    to_finalize = [f"/api/v1/invoices/{draft}/finalize" for draft in drafts[:ATTEMPTS]]
    v1 = [f"/api/v1/invoices/{final}" for final in finals]
    ap = [f"/invoices/{final}" for final in finals]

    def slowest_during(method: str, paths: list[str], body: Any = None) -> float:
        return _slowest_probe_while(server, token, probe, method, paths, body)

    slowest = {
        "v1 create": slowest_during("POST", ["/api/v1/invoices"], _largest_v1_body(customer["id"])),
        "AP create": slowest_during("POST", ["/invoices"], _largest_ap_body(ap_customer["id"])),
        "finalize": slowest_during("POST", to_finalize),
        "v1 read": slowest_during("GET", v1),
        "AP read": slowest_during("GET", ap),
        # every run renders anew: each draft's PDF is rendered once, then cached
        "PDF render": slowest_during("GET", [f"{path}/download" for path in v1]),
        "AP page": slowest_during("GET", ["/invoices?limit=100"]),
        "v1 page": slowest_during("GET", ["/api/v1/invoices?per_page=100"]),
    }
    print({name: round(seconds * 1000) for name, seconds in slowest.items()})
    assert all(seconds < PROBE_LIMIT_SECONDS for seconds in slowest.values()), slowest
