"""A real server for its operator: SIGTERM stops gracefully, metrics sum its processes."""

from __future__ import annotations

import asyncio
import json
import re
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from invoicery.auth.scopes import ALL_SCOPES
from tests.support.builders import customer_body
from tests.support.rate_limits import empty_redis
from tests.support.server import INVOICERY, ServerProcess

pytestmark = pytest.mark.e2e


def _trickled(body: bytes, seconds: float) -> Iterator[bytes]:
    """`body` a few bytes at a time, spread over `seconds`: a request that stays in flight."""
    step = max(len(body) // 20, 1)
    for start in range(0, len(body), step):
        yield body[start : start + step]
        time.sleep(seconds * step / len(body))


def _access_lines(log: Path) -> list[dict[str, object]]:
    lines = []
    for line in log.read_text().splitlines():
        if line.startswith("{") and '"invoicery.access"' in line:
            lines.append(json.loads(line))
    return lines


def test_sigterm_finishes_the_request_in_flight_and_exits_0(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path)
    server.start()
    try:
        token = server.token(server.create_client(*ALL_SCOPES))
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        answers: list[httpx.Response] = []

        def create() -> None:
            body = json.dumps(customer_body()).encode()
            answers.append(
                httpx.post(
                    f"{server.base_url}/customers",
                    content=_trickled(body, 3.0),
                    headers=headers,
                    timeout=60,
                )
            )

        in_flight = threading.Thread(target=create)
        in_flight.start()
        time.sleep(1.0)
        assert server.process is not None
        server.process.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        with pytest.raises(httpx.TransportError):  # no longer accepting
            httpx.get(f"{server.base_url}/health", timeout=2)
        in_flight.join(timeout=30)
        assert server.process.wait(timeout=30) == 0
    finally:
        server.stop()
    (answer,) = answers
    assert answer.status_code == 201, answer.text
    logged = [line for line in _access_lines(tmp_path / "server.log") if line["status"] == 201]
    assert [line["route"] for line in logged] == ["/customers"]
    assert logged[0]["request_id"] == answer.headers["X-Request-Id"]
    assert logged[0]["duration_ms"] > 2000  # type: ignore[operator]
    assert token not in (tmp_path / "server.log").read_text()


def test_sigterm_stops_the_worker_command_with_0_and_its_heartbeat(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path, {"INVOICERY_SETTLEMENT_IN_SERVER": "false"})
    server.start()
    try:
        assert httpx.get(f"{server.base_url}/ready").json()["reasons"] == ["no worker heartbeat"]
        with (tmp_path / "worker.log").open("ab") as log:
            worker = subprocess.Popen(
                [*INVOICERY, "worker"], env=server.env, stdout=log, stderr=log
            )
        try:
            deadline = time.monotonic() + 20
            while httpx.get(f"{server.base_url}/ready").status_code != 200:
                assert time.monotonic() < deadline, (tmp_path / "worker.log").read_text()
                time.sleep(0.2)
            worker.send_signal(signal.SIGTERM)
            assert worker.wait(timeout=30) == 0
        finally:
            if worker.poll() is None:
                worker.kill()
        ready = httpx.get(f"{server.base_url}/ready")
        assert ready.status_code == 503
        assert ready.json()["reasons"] == ["no worker heartbeat"]  # removed, not left stale
    finally:
        server.stop()


def _count(text: str, route: str) -> float:
    pattern = rf'invoicery_http_requests_total\{{[^}}]*route="{re.escape(route)}"[^}}]*\}} (\S+)'
    return sum(float(value) for value in re.findall(pattern, text))


def test_metrics_sum_every_server_process(tmp_path: Path) -> None:
    # Two processes keep exact rate limits only in a store they share.
    env = {"INVOICERY_WORKERS": "2", "INVOICERY_METRICS": "true"}
    server = ServerProcess(tmp_path, {**env, "INVOICERY_REDIS_URL": asyncio.run(empty_redis())})
    server.start()
    try:
        (directory,) = tmp_path.glob("metrics-*")
        for _ in range(40):  # a connection each, so both processes take some
            assert httpx.get(f"{server.base_url}/health").status_code == 200
        pids = {path.stem.rsplit("_", 1)[-1] for path in directory.glob("*.db")}
        assert len(pids) == 2, sorted(directory.iterdir())
        for _ in range(6):  # whichever process answers the scrape, it counts both
            text = httpx.get(f"{server.base_url}/metrics").text
            assert _count(text, "/health") == 40
        assert "invoicery_queue_pending_items" in text
    finally:
        server.stop()
    assert not directory.exists()  # removed when serve ends
