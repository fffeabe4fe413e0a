"""The official `meteroid` SDK's webhook endpoint calls work against Invoicery as they are."""

from __future__ import annotations

import httpx
import pytest
from meteroid import AsyncMeteroid, NotFoundError
from meteroid.models import WebhookHeaderInput

from tests.conftest import PUBLIC_URL
from tests.support.tenant import Tenant

URL = "https://hooks.example.com/sdk"


async def test_the_sdk_creates_lists_gets_updates_rotates_and_deletes(
    tenant: Tenant, http: httpx.AsyncClient
) -> None:
    client = AsyncMeteroid(
        api_key=await tenant.token(), base_url=PUBLIC_URL, http_client=http, max_retries=0
    )
    endpoints = client.webhook_endpoints.endpoints

    created = await endpoints.create(
        url=URL,
        description="from the SDK",
        event_types=["customer.created", "invoice.paid"],
        headers=[WebhookHeaderInput(name="X-Source", value="sdk")],
    )
    endpoint = created.webhook_endpoint
    assert created.secret.startswith("whsec_")
    assert endpoint.id.startswith("whe_")
    assert (endpoint.url, endpoint.description) == (URL, "from the SDK")
    assert endpoint.event_types == ["customer.created", "invoice.paid"]
    assert [(h.name, h.value, h.sensitive) for h in endpoint.headers] == [
        ("X-Source", "sdk", False)
    ]
    assert endpoint.disabled is False
    assert endpoint.extra_fields == {}

    listed = await endpoints.list()
    assert [item.id for item in listed.data] == [endpoint.id]

    fetched = await endpoints.retrieve(endpoint.id)
    assert fetched.created_at == endpoint.created_at
    assert fetched.extra_fields == {}

    updated = await endpoints.update(endpoint.id, description="renamed", disabled=True)
    assert (updated.description, updated.disabled) == ("renamed", True)
    assert updated.disabled_reason == "MANUAL"
    assert updated.event_types == ["customer.created", "invoice.paid"]

    assert (await endpoints.retrieve_secret(endpoint.id)).secret == created.secret
    rotated = await endpoints.rotate_secret(endpoint.id)
    assert rotated.secret != created.secret
    assert (await endpoints.retrieve_secret(endpoint.id)).secret == rotated.secret

    deliveries = [item async for item in endpoints.list_deliveries(endpoint.id, per_page=5)]
    assert deliveries == []

    await endpoints.delete(endpoint.id)
    with pytest.raises(NotFoundError):
        await endpoints.retrieve(endpoint.id)
