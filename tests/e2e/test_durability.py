"""An acknowledged invoice survives the server being killed and started again."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from invoicery.auth.scopes import ALL_SCOPES
from tests.support.builders import customer_body, invoice_body, line
from tests.support.server import ServerProcess

pytestmark = pytest.mark.e2e


@pytest.fixture
def server(tmp_path: Path, database_url: str) -> Iterator[ServerProcess]:
    process = ServerProcess(tmp_path, {"INVOICERY_DATABASE_URL": database_url})
    yield process
    process.stop()


def test_a_created_invoice_survives_a_crash_and_restart(server: ServerProcess) -> None:
    client = server.create_client(*ALL_SCOPES)
    server.start()
    headers = {"Authorization": f"Bearer {server.token(client)}"}
    with httpx.Client(base_url=server.base_url, headers=headers) as http:
        customer = http.post("/customers", json=customer_body()).json()
        created = http.post("/invoices", json=invoice_body(customer["id"], line(99.95, quantity=2)))
        assert created.status_code == 201
    server.stop(signal.SIGKILL)
    server.start()
    with httpx.Client(base_url=server.base_url, headers=headers) as http:
        fetched = http.get(f"/invoices/{created.json()['id']}")
    assert fetched.status_code == 200
    # The worker may have mailed the invoice in between: the one field that may change.
    sent = "last_notification_at"
    assert {k: v for k, v in fetched.json().items() if k != sent} == created.json()


def test_zero_configuration_first_start_prints_a_working_client(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path)
    try:
        server.start()
        log = (tmp_path / "server.log").read_text()
    finally:
        server.stop()
    assert (tmp_path / "invoicery.db").exists()
    client_id = next(w for w in log.split() if w.startswith("cli_"))
    secret = log.split("client_secret:")[1].split()[0]
    assert f"curl -s -u '{client_id}:{secret}'" in log
    server.start()
    try:
        token = server.token({"client_id": client_id, "client_secret": secret})
        listing = httpx.get(
            f"{server.base_url}/invoices", headers={"Authorization": f"Bearer {token}"}
        )
        assert listing.status_code == 200
    finally:
        server.stop()
    assert (tmp_path / "server.log").read_text().count("client_secret:") == 1
