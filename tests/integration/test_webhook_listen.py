"""`invoicery webhooks listen`, run as a process: forwards signed events, cleans up on SIGTERM."""

from __future__ import annotations

import asyncio
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import orjson
import pytest
from standardwebhooks.webhooks import Webhook

from tests.integration.api.billing import v1
from tests.support.receiver import Receiver, receiver
from tests.support.tenant import Tenant

DEADLINE = 20.0


@pytest.fixture
def hooks() -> Iterator[Receiver]:
    """A receiver on loopback."""
    with receiver() as running:
        yield running


def _listen(database_url: str, url: str, account: str) -> subprocess.Popen[str]:
    env = {**os.environ, "INVOICERY_DATABASE_URL": database_url}
    env.pop("INVOICERY_WEBHOOK_ALLOW_PRIVATE", None)  # listen allows its own target itself
    command = [sys.executable, "-m", "invoicery.cli", "webhooks", "listen"]
    return subprocess.Popen(
        [*command, "--forward-to", url, "--account", account],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _lines(process: subprocess.Popen[str]) -> tuple[queue.Queue[str], threading.Thread]:
    found: queue.Queue[str] = queue.Queue()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            found.put(line.rstrip("\n"))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    return found, reader


def _wait_for(lines: queue.Queue[str], prefix: str, seen: list[str]) -> str:
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=0.2)
        except queue.Empty:
            continue
        seen.append(line)
        if line.startswith(prefix):
            return line
    raise AssertionError(f"no line starting {prefix!r} in {seen}")


async def test_listen_forwards_each_event_and_removes_its_endpoint(
    tenant: Tenant, hooks: Receiver, database_url: str
) -> None:
    process = await asyncio.to_thread(_listen, database_url, hooks.url, tenant.account_name)
    seen: list[str] = []
    lines, reader = _lines(process)
    try:
        secret = _wait_for(lines, "Signing secret: ", seen).removeprefix("Signing secret: ")
        assert secret.startswith("whsec_")
        listed = (await tenant.request("GET", "/api/v1/webhooks/endpoints")).json()["data"]
        assert [e["url"] for e in listed] == [hooks.url]

        customer = await v1.customer(tenant, alias="listened")
        [request] = await asyncio.to_thread(hooks.wait_for, 1, DEADLINE)
        body = Webhook(secret).verify(request.body, request.headers)
        assert body == orjson.loads(request.body)
        assert (body["type"], body["customer_id"]) == ("customer.created", customer["id"])
        line = _wait_for(lines, "webhook evt_", seen)
        assert "customer.created" in line
        assert "HTTP 204" in line

        process.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(process.wait, DEADLINE) == 0
        _wait_for(lines, "Removed the endpoint", seen)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        reader.join(timeout=DEADLINE)
        assert process.stdout is not None
        process.stdout.close()
    assert (await tenant.request("GET", "/api/v1/webhooks/endpoints")).json()["data"] == []


def test_an_unknown_account_is_refused(database_url: str) -> None:
    env = {**os.environ, "INVOICERY_DATABASE_URL": database_url}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "invoicery.cli",
            "webhooks",
            "listen",
            "--forward-to",
            "http://127.0.0.1:9/",
            "--account",
            "no-such-account",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=DEADLINE,
        check=False,
    )
    assert done.returncode == 1
    assert done.stderr.startswith("error:")
