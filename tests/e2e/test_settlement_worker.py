"""`invoicery worker` settles ACH debits for a server that runs no worker of its own."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from invoicery.auth.scopes import ALL_SCOPES
from tests.support.builders import customer_body, invoice_body
from tests.support.payer import bank_form
from tests.support.server import INVOICERY, ServerProcess

pytestmark = pytest.mark.e2e


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    """A server with the in-process settlement worker switched off."""
    process = ServerProcess(
        tmp_path,
        {
            "INVOICERY_SETTLEMENT_IN_SERVER": "false",
            "INVOICERY_ACH_SETTLEMENT_SECONDS": "0",
            "INVOICERY_WORKER_POLL_SECONDS": "0.2",
        },
    )
    process.start()
    yield process
    process.stop()


def _status(api: httpx.Client, invoice_id: str) -> str:
    status: str = api.get(f"/invoices/{invoice_id}").json()["status"]
    return status


def test_the_worker_command_settles_a_bank_payment(server: ServerProcess, tmp_path: Path) -> None:
    client = server.create_client(*ALL_SCOPES)
    headers = {"Authorization": f"Bearer {server.token(client)}"}
    with httpx.Client(base_url=server.base_url, headers=headers) as api:
        customer = api.post("/customers", json=customer_body()).json()
        invoice = api.post("/invoices", json=invoice_body(customer["id"])).json()
        url = api.get(f"/invoices/{invoice['id']}/payment-link").json()["url"]
        with httpx.Client() as payer:
            form = bank_form(payer.get(url).text)
            assert payer.post(f"{url}/bank", data=form).status_code == 303
        time.sleep(1)
        assert _status(api, invoice["id"]) == "RECEIVED"  # nobody settles it yet

        with (tmp_path / "worker.log").open("wb") as log:
            worker = subprocess.Popen(
                [*INVOICERY, "worker"], env=server.env, stdout=log, stderr=log
            )
        try:
            deadline = time.monotonic() + 20
            while _status(api, invoice["id"]) != "PAID" and time.monotonic() < deadline:
                time.sleep(0.1)
            assert _status(api, invoice["id"]) == "PAID"
        finally:
            worker.send_signal(signal.SIGINT)
            assert worker.wait(timeout=15) == 0
