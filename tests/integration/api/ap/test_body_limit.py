"""Request bodies over the limit are refused with 413, declared or streamed."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx

from tests.support.tenant import Tenant


async def _chunks(total: int) -> AsyncIterator[bytes]:
    sent = 0
    while sent < total:
        yield b" " * 65536
        sent += 65536


async def test_a_streamed_body_without_length_is_cut_off(tenant: Tenant) -> None:
    response = await tenant.request(
        "POST",
        "/invoices",
        content=_chunks(2 * 1024 * 1024),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"


async def test_the_token_endpoint_is_limited_too(http: httpx.AsyncClient) -> None:
    response = await http.post(
        "/oauth/token", data={"grant_type": "client_credentials", "x": "y" * 2_000_000}
    )
    assert response.status_code == 413
