"""The README's webhook receiver, run as written, verifies real deliveries of both faces."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from http.server import HTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from invoicery.config import Settings
from invoicery.service._time import utc_now
from invoicery.store.database import Database
from tests.support.tenant import Tenant
from tests.support.webhooks import deliver, without_endpoints

README = Path(__file__).resolve().parents[2] / "README.md"
AP_SECRET_KEY = "sk_readme_0123456789"


def receiver_source() -> str:
    """The Python block that follows the README's `webhook-receiver` marker."""
    found = re.search(r"<!-- webhook-receiver -->\n```python\n(.*?)```", README.read_text(), re.S)
    assert found is not None, "the README has no webhook receiver example"
    return found.group(1)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The app's settings, with deliveries to the loopback receiver allowed."""
    return settings.model_copy(update={"webhook_allow_private": True})


@pytest.fixture
def serve() -> Iterator[Any]:
    """Run the README's `Receiver` on a free loopback port: serve(namespace) -> base URL."""
    servers: list[HTTPServer] = []

    def start(namespace: dict[str, Any]) -> str:
        server = HTTPServer(("127.0.0.1", 0), namespace["Receiver"])
        servers.append(server)
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


async def test_the_readme_receiver_accepts_both_faces_and_refuses_forgeries(
    tenant: Tenant,
    db: Database,
    settings: Settings,
    serve: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await without_endpoints(db)
    namespace: dict[str, Any] = {"__name__": "readme_receiver"}
    # The receiver's URL is known only once it runs, so register with a placeholder first.
    created = await tenant.request(
        "POST", "/api/v1/webhooks/endpoints", json={"url": "https://placeholder.example/"}
    )
    endpoint = created.json()
    monkeypatch.setenv("INVOICERY_WEBHOOK_SECRET", endpoint["secret"])
    monkeypatch.setenv("INVOICERY_AP_SECRET_KEY", AP_SECRET_KEY)
    exec(compile(receiver_source(), str(README), "exec"), namespace)  # noqa: S102
    base = serve(namespace)
    moved = await tenant.request(
        "PATCH",
        f"/api/v1/webhooks/endpoints/{endpoint['id']}",
        json={"url": f"{base}/invoicery/v1", "event_types": ["customer.created"]},
    )
    assert moved.status_code == 200, moved.text
    subscribed = await tenant.request(
        "POST",
        "/webhooks",
        json={
            "endpoint_url": f"{base}/invoicery/ap",
            "topic": "customer_created",
            "secret_key": AP_SECRET_KEY,
        },
    )
    assert subscribed.status_code == 201, subscribed.text
    customer = await tenant.customer()

    assert await deliver(db, settings, now=utc_now()) == 2
    received = namespace["received"]
    assert sorted(event.get("type") or event["topic"] for event in received) == [
        "customer.created",
        "customer_created",
    ]
    assert {event.get("customer_id") or event["data"]["id"] for event in received} == {
        customer["id"]
    }

    async with httpx.AsyncClient(base_url=base) as client:
        forged = await client.post(
            "/invoicery/v1",
            content=b'{"id": "evt_x"}',
            headers={"webhook-id": "evt_x", "webhook-timestamp": "1", "webhook-signature": "v1,x"},
        )
        wrong_key = await client.post(
            "/invoicery/ap", content=b"{}", headers={"authorization": "Bearer guess"}
        )
    assert (forged.status_code, wrong_key.status_code) == (401, 401)
    assert len(received) == 2
