"""The webhook side of the creation scenarios: a loopback receiver and a subscription.

The receiver answers every POST with 204 on an HTTP/1.1 keep-alive connection and
counts the deliveries; the subscription (AP face, `invoice_created`) is made and
removed through the API, like a customer would.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from bench.scenarios import Fixture, call
from bench.wrk import Request

__all__ = ["TOPIC", "Receiver", "receiving", "remove_leftovers", "subscribe", "unsubscribe"]

TOPIC = "invoice_created"
# What `Receiver.url` looks like: a subscription to such a URL is a bench's own.
_OURS = re.compile(r"^http://127\.0\.0\.1:\d+/hooks$")
_ATTEMPTS = 5


class Receiver:
    """Counts the webhook deliveries it was sent."""

    def __init__(self, server: ThreadingHTTPServer) -> None:
        self._server = server
        self._lock = threading.Lock()
        self._count = 0

    @property
    def url(self) -> str:
        """Where to deliver."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/hooks"

    @property
    def received(self) -> int:
        """Deliveries received so far."""
        with self._lock:
            return self._count

    def add(self) -> None:
        """Count one delivery."""
        with self._lock:
            self._count += 1


def _handler(receiver: list[Receiver]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            receiver[0].add()
            self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            return

    return Handler


@contextmanager
def receiving() -> Iterator[Receiver]:
    """A receiver on a free loopback port, served from a thread until the block ends."""
    holder: list[Receiver] = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(holder))
    server.daemon_threads = True
    receiver = Receiver(server)
    holder.append(receiver)
    thread = threading.Thread(target=server.serve_forever, name="webhook-receiver", daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def subscribe(base_url: str, fixture: Fixture, url: str) -> str:
    """Subscribe `url` to `TOPIC` for the fixture's account; the subscription id."""
    body = json.dumps({"endpoint_url": url, "topic": TOPIC, "secret_key": "bench-secret"})
    headers = {**fixture.bearer, "Content-Type": "application/json"}
    status, answer = call(base_url, headers, Request("POST", "/webhooks", body))
    if status != 201:
        raise RuntimeError(f"POST /webhooks answered {status}: {answer[:300]!r}")
    return str(json.loads(answer)["id"])


def unsubscribe(base_url: str, fixture: Fixture, subscription_id: str) -> None:
    """Remove the subscription (so a reused database has no endpoint left over);
    a failure is retried a few times."""
    request = Request("DELETE", f"/webhooks/{subscription_id}")
    for attempt in range(1, _ATTEMPTS + 1):
        status, answer = call(base_url, fixture.bearer, request)
        if status in (200, 404):
            return
        if attempt == _ATTEMPTS:
            raise RuntimeError(
                f"DELETE /webhooks/{subscription_id} answered {status}: {answer[:300]!r}"
            )
        time.sleep(attempt)


def remove_leftovers(base_url: str, fixture: Fixture) -> list[str]:
    """Remove subscriptions an earlier bench run left behind (to a receiver now gone);
    their ids."""
    status, answer = call(base_url, fixture.bearer, Request("GET", "/webhooks?limit=100"))
    if status != 200:
        raise RuntimeError(f"GET /webhooks answered {status}: {answer[:300]!r}")
    found = [
        str(item["id"])
        for item in json.loads(answer)["data"]
        if _OURS.match(str(item["endpoint_url"]))
    ]
    for subscription_id in found:
        unsubscribe(base_url, fixture, subscription_id)
    return found
