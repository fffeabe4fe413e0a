"""A request authenticates once: one token lookup, though its router and its scope alias
both ask for the caller."""

from __future__ import annotations

import pytest

from tests.support.builders import customer_body
from tests.support.tenant import Tenant
from tests.support.token_lookups import count_token_lookups

API = "/api/v1"


@pytest.fixture
def lookups(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The token hashes looked up in the database from now on."""
    return count_token_lookups(monkeypatch)


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("GET", "/invoices", None, 200),
        ("GET", "/customers", None, 200),
        ("POST", "/customers", customer_body(), 201),
        ("GET", f"{API}/invoices", None, 200),
        ("GET", f"{API}/coupons", None, 200),
        ("GET", f"{API}/customers", None, 200),
    ],
)
async def test_a_request_looks_its_token_up_once(
    tenant: Tenant, lookups: list[str], method: str, path: str, body: object, status: int
) -> None:
    headers = await tenant.headers()
    lookups.clear()
    response = await tenant.http.request(method, path, json=body, headers=headers)
    assert response.status_code == status, response.text
    assert len(lookups) == 1


@pytest.mark.parametrize("path", ["/invoices", f"{API}/invoices"])
async def test_a_missing_scope_is_found_on_the_same_lookup(
    tenant: Tenant, lookups: list[str], path: str
) -> None:
    headers = await tenant.headers(("customers:read",))
    lookups.clear()
    response = await tenant.http.get(path, headers=headers)
    assert response.status_code == 403
    assert 'error="insufficient_scope"' in response.headers["www-authenticate"]
    assert len(lookups) == 1
