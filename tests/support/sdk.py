"""The official `meteroid` SDK, talking to the app under test in-process."""

from __future__ import annotations

import httpx
from meteroid import AsyncMeteroid

from tests.support.tenant import Tenant

PUBLIC_URL = "http://testserver"


async def meteroid_client(
    tenant: Tenant, http: httpx.AsyncClient, *, api_version: str | None = "2026-10"
) -> AsyncMeteroid:
    """An SDK client acting as `tenant` through `http` (whose hooks check every response),
    asking for `api_version` in `Invoicery-Version` (None: the client's pinned version)."""
    headers = {} if api_version is None else {"Invoicery-Version": api_version}
    return AsyncMeteroid(
        api_key=await tenant.token(),
        base_url=PUBLIC_URL,
        http_client=http,
        max_retries=0,
        default_headers=headers,
    )
