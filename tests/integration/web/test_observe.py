"""Request ids (accepted, made up, echoed) and the one access log line per request."""

from __future__ import annotations

import json
import logging
import re

import httpx
import orjson
import pytest

from invoicery.logs import JsonFormatter
from tests.support.json_logs import only_json_handler
from tests.support.tenant import Tenant

GENERATED = re.compile(r"[0-9a-f]{32}")


async def test_a_request_id_is_made_up_and_echoed(http: httpx.AsyncClient) -> None:
    first = await http.get("/health")
    second = await http.get("/health")
    assert GENERATED.fullmatch(first.headers["X-Request-Id"])
    assert first.headers["X-Request-Id"] != second.headers["X-Request-Id"]


@pytest.mark.parametrize("sent", ["abc", "req 42/a:b=c", "x" * 200])
async def test_a_sound_request_id_is_echoed(http: httpx.AsyncClient, sent: str) -> None:
    response = await http.get("/health", headers={"X-Request-Id": sent})
    assert response.headers["X-Request-Id"] == sent


@pytest.mark.parametrize("sent", ["x" * 201, "tab\there", "   "])
async def test_an_unsound_request_id_is_replaced(http: httpx.AsyncClient, sent: str) -> None:
    response = await http.get("/health", headers={"X-Request-Id": sent})
    assert GENERATED.fullmatch(response.headers["X-Request-Id"])


@pytest.mark.parametrize("path", ["/invoices/inv_x", "/api/v1/invoices/x"])
async def test_error_bodies_carry_the_request_id(http: httpx.AsyncClient, path: str) -> None:
    response = await http.get(path, headers={"X-Request-Id": "trace-me"})
    assert response.status_code == 401
    assert response.headers["X-Request-Id"] == "trace-me"
    assert response.json()["request_id"] == "trace-me"
    assert response.headers.get_list("X-Request-Id") == ["trace-me"]


async def test_an_error_outside_the_routes_carries_it_too(http: httpx.AsyncClient) -> None:
    response = await http.request("PUT", "/health", headers={"X-Request-Id": "r-405"})
    assert response.status_code == 405
    assert response.json()["request_id"] == "r-405"
    assert response.headers.get_list("X-Request-Id") == ["r-405"]


async def test_one_json_log_line_per_request_without_secrets(
    tenant: Tenant, caplog: pytest.LogCaptureFixture
) -> None:
    invoice = await tenant.invoice()
    token = await tenant.token()
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="invoicery.access"):
        response = await tenant.http.get(
            f"/invoices/{invoice['id']}?signature=sekrit",
            headers={"Authorization": f"Bearer {token}", "X-Request-Id": "log-me"},
        )
    assert response.status_code == 200
    records = [record for record in caplog.records if record.name == "invoicery.access"]
    assert len(records) == 1
    line = JsonFormatter().format(records[0])
    assert "\n" not in line
    logged = json.loads(line)
    assert logged["request_id"] == "log-me"
    assert logged["client_id"] == tenant.client.client_id
    assert logged["method"] == "GET"
    assert logged["route"] == "/invoices/{id}"
    assert logged["status"] == 200
    assert logged["duration_ms"] >= 0
    assert logged["level"] == "info"
    assert logged["logger"] == "invoicery.access"
    for secret in (token, "sekrit", tenant.client.client_secret, invoice["id"], "Bearer"):
        assert secret not in line


async def test_an_unauthenticated_request_logs_no_client(
    http: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="invoicery.access"):
        await http.get("/nowhere/at/all")
    (record,) = [record for record in caplog.records if record.name == "invoicery.access"]
    logged = json.loads(JsonFormatter().format(record))
    assert logged["client_id"] is None
    assert logged["route"] is None
    assert logged["status"] == 404


async def test_the_access_line_written_directly_is_the_logged_line(
    http: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="invoicery.access"):
        await http.get("/health", headers={"X-Request-Id": "same"})
    (record,) = [record for record in caplog.records if record.name == "invoicery.access"]
    logged = orjson.loads(JsonFormatter().format(record))
    with caplog.at_level(logging.INFO, logger="invoicery.access"), only_json_handler() as json:
        await http.get("/health", headers={"X-Request-Id": "same"})
    written = orjson.loads(json.stream.getvalue())
    for line in (logged, written):
        del line["ts"], line["duration_ms"]
        line["message"] = re.sub(r" [0-9.]+ms ", " ms ", line["message"])
    assert written == logged
