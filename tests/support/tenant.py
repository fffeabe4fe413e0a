"""A test tenant: an account with an API client (or key), tokens and builders for its data."""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

from invoicery.auth.scopes import ALL_SCOPES
from invoicery.domain.api_versions import OLDEST, ApiVersion
from invoicery.service import clients as client_service
from invoicery.service.clients import NewApiKey, NewClient
from invoicery.store.database import Database
from tests.support.builders import customer_body, invoice_body


def basic_auth(client_id: str, secret: str) -> str:
    """An HTTP Basic header value for client credentials."""
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


@dataclass
class Tenant:
    """One account, its API client, and an authenticated HTTP client to act as it; with an
    `api_key`, its requests send the key instead of access tokens."""

    http: httpx.AsyncClient
    client: NewClient
    account_name: str
    tokens: dict[tuple[str, ...], str] = field(default_factory=dict)
    api_key: NewApiKey | None = None

    async def token(self, scopes: tuple[str, ...] = ALL_SCOPES) -> str:
        """A bearer token limited to `scopes` (cached per scope set); the API key, if the
        tenant has one and it holds exactly `scopes`."""
        if self.api_key is not None:
            assert set(scopes) == set(self.api_key.scopes), "make a tenant with those scopes"
            return self.api_key.api_key
        if scopes not in self.tokens:
            response = await self.http.post(
                "/oauth/token",
                data={"grant_type": "client_credentials", "scope": " ".join(scopes)},
                headers={
                    "Authorization": basic_auth(self.client.client_id, self.client.client_secret)
                },
            )
            assert response.status_code == 200, response.text
            self.tokens[scopes] = response.json()["access_token"]
        return self.tokens[scopes]

    async def headers(self, scopes: tuple[str, ...] = ALL_SCOPES) -> dict[str, str]:
        """Authorization headers with a token for `scopes`."""
        return {"Authorization": f"Bearer {await self.token(scopes)}"}

    async def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """Send a request as this tenant with every scope."""
        headers = {**await self.headers(), **kwargs.pop("headers", {})}
        return await self.http.request(method, url, headers=headers, **kwargs)

    async def customer(self, **fields: Any) -> dict[str, Any]:
        """Create a customer and return its JSON."""
        response = await self.request("POST", "/customers", json=customer_body(**fields))
        assert response.status_code == 201, response.text
        result: dict[str, Any] = response.json()
        return result

    async def invoice(
        self, *lines: dict[str, Any], customer_id: str | None = None, **fields: Any
    ) -> dict[str, Any]:
        """Create an invoice (and a customer if none is given) and return its JSON."""
        if customer_id is None:
            customer_id = (await self.customer())["id"]
        body = invoice_body(customer_id, *lines, **fields)
        response = await self.request("POST", "/invoices", json=body)
        assert response.status_code == 201, response.text
        result: dict[str, Any] = response.json()
        return result


async def new_tenant(
    db: Database,
    http: httpx.AsyncClient,
    *,
    scopes: tuple[str, ...] = ALL_SCOPES,
    api_version: ApiVersion | str = OLDEST,
    api_key: bool = False,
) -> Tenant:
    """A fresh account with one API client holding `scopes`, pinned to `api_version` (the
    seed's by default); with `api_key`, also an API key like it, which its requests send."""
    account_name = f"test-{uuid.uuid4().hex[:12]}"
    version = ApiVersion(api_version)
    client = await client_service.create(
        db, name="tests", scopes=list(scopes), account_name=account_name, api_version=version
    )
    key = None
    if api_key:
        key = await client_service.create_api_key(
            db, name="tests", scopes=list(scopes), account_name=account_name, api_version=version
        )
    return Tenant(http=http, client=client, account_name=account_name, api_key=key)
