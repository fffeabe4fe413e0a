"""Downloads per second of one cached invoice PDF through its signed link.

Starts `invoicery serve` on loopback (SQLite in a temporary data directory, or the
database given), creates an API client, a customer and an invoice, asks for the
invoice's pdf-link and downloads it once (the one render, which fills the caches).
Then it drives the signed link with wrk for `--seconds` (httpx when wrk is missing)
and prints downloads/s, latency, the server's CPU per download (its processes' CPU
time over the downloads answered), the first (rendering) download's time and the peak
RSS of the server's workers.

Run: .venv/bin/python -m bench.pdf_download [--seconds 8] [--workers 1] [--database-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from bench.procs import cpu_seconds, descendants, memory_kib
from bench.server import RunningServer, free_port, running
from bench.wrk import Request, WrkSettings, run_wrk, write_requests

SCOPES = ("invoices:read", "invoices:write", "customers:write")
_RATE_LIMITS = (
    "INVOICERY_RATE_LIMIT",
    "INVOICERY_TOKEN_RATE_LIMIT_PER_CLIENT",
    "INVOICERY_TOKEN_RATE_LIMIT_PER_ADDRESS",
)


@dataclass(frozen=True, slots=True)
class Measurement:
    """What one load run measured."""

    tool: str
    downloads: int
    seconds: float
    failures: int
    p50_ms: float | None = None
    p99_ms: float | None = None
    cpu_seconds: float | None = None

    @property
    def per_second(self) -> float:
        """Successful downloads per second."""
        return self.downloads / self.seconds if self.seconds else 0.0

    @property
    def cpu_ms_per_request(self) -> float | None:
        """The server's CPU milliseconds per request answered, if measured."""
        answered = self.downloads + self.failures
        if self.cpu_seconds is None or not answered:
            return None
        return self.cpu_seconds * 1000 / answered


def _cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "invoicery", *args],
        env=env,
        capture_output=True,
        check=True,
        timeout=60,
    )
    return done.stdout.decode()


@dataclass(frozen=True, slots=True)
class Setup:
    """The invoice under test: its signed PDF URL, its API path and a bearer token."""

    pdf_url: str
    invoice_path: str
    token: str


def _setup(base_url: str, env: dict[str, str], customer_name: str) -> Setup:
    """Create a client, a customer and a 3-line invoice, and ask for its signed PDF URL."""
    scopes = [arg for scope in SCOPES for arg in ("--scope", scope)]
    client = json.loads(
        _cli(env, "clients", "create", "--name", "bench", "--account", "bench", "--json", *scopes)
    )
    with httpx.Client(base_url=base_url, timeout=30) as http:
        grant = http.post(
            "/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=(client["client_id"], client["client_secret"]),
        )
        grant.raise_for_status()
        http.headers["Authorization"] = f"Bearer {grant.json()['access_token']}"
        customer = http.post("/customers", json={"name": customer_name, "email": "b@example.com"})
        customer.raise_for_status()
        lines = [
            {"description": "Consulting", "quantity": 2, "amount": 1234.5},
            {"description": "Hosting", "quantity": 1, "amount": 99},
            {"description": "Support plan", "quantity": 3, "amount": 45},
        ]
        invoice = http.post(
            "/invoices", json={"customer_id": customer.json()["id"], "line_items": lines}
        )
        invoice.raise_for_status()
        path = f"/invoices/{invoice.json()['id']}"
        link = http.get(f"{path}/pdf-link")
        link.raise_for_status()
        return Setup(link.json()["url"], path, grant.json()["access_token"])


def _with_wrk(
    server: RunningServer,
    url: str,
    seconds: float,
    connections: int,
    headers: dict[str, str] | None = None,
) -> Measurement:
    parts = urlsplit(url)
    target = f"{parts.path}?{parts.query}" if parts.query else parts.path
    with tempfile.TemporaryDirectory() as scratch:
        requests = write_requests(
            Path(scratch) / "requests.txt", headers or {}, [Request("GET", target)]
        )
        settings = WrkSettings(threads=1, connections=connections)
        processes = descendants(server.pid)
        cpu_before = cpu_seconds(processes)
        result = run_wrk(server.base_url, requests, settings, seconds=seconds)
        cpu = cpu_seconds(processes) - cpu_before
    return Measurement(
        tool="wrk",
        downloads=result.requests - result.errors,
        seconds=result.seconds,
        failures=result.errors,
        p50_ms=result.p50_ms,
        p99_ms=result.p99_ms,
        cpu_seconds=cpu,
    )


async def _httpx_load(url: str, seconds: float, connections: int) -> Measurement:
    done = failed = 0
    deadline = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=connections)

    async def worker(http: httpx.AsyncClient) -> None:
        nonlocal done, failed
        while time.monotonic() < deadline:
            response = await http.get(url)
            if response.status_code == 200:
                done += 1
            else:
                failed += 1

    start = time.monotonic()
    async with httpx.AsyncClient(limits=limits, timeout=30) as http:
        await asyncio.gather(*(worker(http) for _ in range(connections)))
    return Measurement("httpx", done, time.monotonic() - start, failed)


def main() -> None:
    """Start a server, make one invoice, and print how fast its cached PDF downloads."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0, help="load duration (default 8)")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=1, help="server worker processes")
    parser.add_argument("--database-url", help="default: SQLite in a temporary directory")
    parser.add_argument("--customer-name", default="Zürich Tōkyō 東京")
    parser.add_argument(
        "--baseline",
        action="store_true",
        help="also measure GET /invoices/{id} (JSON, bearer token) for comparison (needs wrk)",
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="invoicery-pdf-bench-") as scratch:
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        env = {
            "INVOICERY_DATA_DIR": scratch,
            "INVOICERY_PORT": str(port),
            "INVOICERY_PUBLIC_URL": base_url,
            "INVOICERY_WORKERS": str(args.workers),
            # the highest limits accepted, so the limiter runs but never refuses the load
            **dict.fromkeys(_RATE_LIMITS, "10000/s"),
            **({"INVOICERY_DATABASE_URL": args.database_url} if args.database_url else {}),
        }
        command = [sys.executable, "-m", "invoicery", "serve"]
        log = Path(scratch) / "server.log"
        with running(
            command, port=port, ready_path="/openapi.json", log=log, env=env, workers=args.workers
        ) as server:
            cli_env = {**os.environ, **env}
            setup = _setup(base_url, cli_env, args.customer_name)
            url = setup.pdf_url
            start = time.perf_counter()
            first = httpx.get(url, timeout=60)
            cold_ms = (time.perf_counter() - start) * 1000
            first.raise_for_status()
            if shutil.which("wrk"):
                result = _with_wrk(server, url, args.seconds, args.connections)
            else:
                result = asyncio.run(_httpx_load(url, args.seconds, args.connections))
            peaks = [memory_kib(pid).get("VmHWM", 0) for pid in server.workers()]
            baseline = None
            if args.baseline and shutil.which("wrk"):
                auth = {"Authorization": f"Bearer {setup.token}"}
                invoice_url = base_url + setup.invoice_path
                baseline = _with_wrk(server, invoice_url, args.seconds, args.connections, auth)

    backend = "PostgreSQL" if args.database_url else "SQLite"
    print(
        f"cached PDF downloads ({backend}, {args.workers} worker(s), {result.tool}, "
        f"{args.connections} connections, {result.seconds:.1f} s)"
    )
    print(f"  downloads/s      {result.per_second:10.0f}")
    if result.p50_ms is not None and result.p99_ms is not None:
        print(f"  latency p50/p99  {result.p50_ms:7.1f} / {result.p99_ms:.1f} ms")
    if result.cpu_ms_per_request is not None:
        print(f"  server CPU       {result.cpu_ms_per_request:8.2f} ms/request")
    print(f"  failures         {result.failures:10d}")
    print(f"  PDF size         {len(first.content) / 1024:8.1f} kB")
    print(f"  first download   {cold_ms:8.1f} ms (renders)")
    print(f"  worker peak RSS  {max(peaks, default=0) / 1024:8.1f} MiB")
    if baseline is not None:
        cpu = baseline.cpu_ms_per_request
        print(
            f"  baseline: GET /invoices/{{id}} {baseline.per_second:.0f}/s on the same server"
            + (f", {cpu:.2f} ms CPU/request" if cpu is not None else "")
        )


if __name__ == "__main__":
    main()
