"""A real HTTP receiver on loopback, in a thread: records every request it gets."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Received:
    """One request as the receiver saw it."""

    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """The receiver's address, what it got, and how it answers (`answer(request)`)."""

    url: str
    answer: Callable[[Received], int] = field(default=lambda _request: 204)
    received: list[Received] = field(default_factory=list)
    arrived: threading.Condition = field(default_factory=threading.Condition)

    def requests(self) -> list[Received]:
        """A copy of everything received so far."""
        with self.arrived:
            return list(self.received)

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        """Block until `count` requests have arrived (AssertionError after `timeout` s)."""
        with self.arrived:
            if not self.arrived.wait_for(lambda: len(self.received) >= count, timeout):
                raise AssertionError(f"{len(self.received)} of {count} requests arrived")
            return list(self.received)


@contextmanager
def receiver() -> Iterator[Receiver]:
    """Run a receiver on a free port of 127.0.0.1 for the duration of the block."""
    state: Receiver

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", "0"))
            request = Received(
                path=self.path,
                headers={name.lower(): value for name, value in self.headers.items()},
                body=self.rfile.read(length),
            )
            with state.arrived:
                state.received.append(request)
                state.arrived.notify_all()
            status = state.answer(request)
            reply = b"" if status in (204, 304) else f"answered {status}".encode()
            self.send_response(status)
            if status not in (204, 304):
                self.send_header("content-length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, format: str, *args: object) -> None:
            pass

    class Server(ThreadingHTTPServer):
        request_queue_size = 256  # the default 5 resets bursts of concurrent deliveries

    server = Server(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    port = server.server_address[1]
    state = Receiver(url=f"http://127.0.0.1:{port}/hooks")
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
