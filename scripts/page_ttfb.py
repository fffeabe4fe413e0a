"""Measure the hosted payment page's time to first byte against a real server.

Usage: .venv/bin/python scripts/page_ttfb.py [--requests N] [--url PAYMENT_PAGE_URL]

Without --url it starts `invoicery serve` on a free port with a temporary SQLite data
dir, creates an API client, a customer and an invoice, and measures that invoice's page.
TTFB is the time from sending the request to receiving the first byte of the response,
on a kept-alive connection (one warm-up request first). Prints median, p90, p99, max.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

INVOICERY = [sys.executable, "-m", "invoicery"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def _server() -> Iterator[tuple[str, dict[str, str]]]:
    with tempfile.TemporaryDirectory() as data_dir:
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        env = {
            **os.environ,
            "INVOICERY_DATA_DIR": data_dir,
            "INVOICERY_PORT": str(port),
            "INVOICERY_PUBLIC_URL": base,
        }
        log = Path(data_dir) / "server.log"
        with log.open("wb") as output:
            process = subprocess.Popen(  # noqa: S603 - our own fixed command line
                [*INVOICERY, "serve"], env=env, stdout=output, stderr=output
            )
        try:
            for _ in range(300):
                try:
                    httpx.get(f"{base}/openapi.json", timeout=1)
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            yield base, env
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)


def _payment_link(base: str, env: dict[str, str]) -> str:
    scopes = ["invoices:read", "invoices:write", "customers:write"]
    args = [arg for scope in scopes for arg in ("--scope", scope)]
    done = subprocess.run(  # noqa: S603 - our own fixed command line
        [*INVOICERY, "clients", "create", "--name", "ttfb", "--json", *args],
        env=env,
        capture_output=True,
        check=True,
    )
    client = json.loads(done.stdout)
    token = httpx.post(
        f"{base}/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(client["client_id"], client["client_secret"]),
    ).json()["access_token"]
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}) as api:
        customer = api.post("/customers", json={"name": "Ada", "email": "ada@example.com"}).json()
        lines = [{"description": f"Item {i}", "amount": 12.5, "quantity": 2} for i in range(5)]
        invoice = api.post("/invoices", json={"customer_id": customer["id"], "line_items": lines})
        url: str = api.get(f"/invoices/{invoice.json()['id']}/payment-link").json()["url"]
    return url


def measure(url: str, requests: int) -> list[float]:
    """Milliseconds to the first response byte for `requests` sequential GETs of `url`."""
    samples = []
    with httpx.Client() as client:
        client.get(url).raise_for_status()  # warm-up: connection, key, caches
        for _ in range(requests):
            start = time.perf_counter()
            with client.stream("GET", url) as response:
                chunks = response.iter_raw(1)
                next(chunks)
                samples.append((time.perf_counter() - start) * 1000)
                for _ in chunks:  # drain the body so the connection is reused
                    pass
    return samples


def _report(samples: list[float]) -> None:
    ordered = sorted(samples)

    def pick(share: float) -> float:
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))]

    print(
        f"page TTFB over {len(samples)} requests: median {statistics.median(samples):.2f} ms, "
        f"p90 {pick(0.90):.2f} ms, p99 {pick(0.99):.2f} ms, max {ordered[-1]:.2f} ms"
    )


def main() -> None:
    """Parse arguments, measure, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--url", help="an existing payment page URL")
    args = parser.parse_args()
    if args.url:
        _report(measure(args.url, args.requests))
        return
    with _server() as (base, env):
        _report(measure(_payment_link(base, env), args.requests))


if __name__ == "__main__":
    main()
