"""The caller behind a bearer token is looked up once per request, whoever asks first."""

from __future__ import annotations

import httpx

from invoicery.auth.scopes import ALL_SCOPES
from invoicery.service import clients as client_service
from invoicery.store.database import Database
from invoicery.web.caller import bearer_token, caller_of
from tests.support.tenant import new_tenant


def test_only_a_bearer_header_with_a_token_names_one() -> None:
    assert bearer_token("Bearer abc") == "abc"
    assert bearer_token("bearer  abc ") == "abc"
    assert bearer_token("Basic abc") is None
    assert bearer_token("Bearer ") is None
    assert bearer_token(None) is None


async def test_the_caller_is_found_once_and_kept_in_the_scope(
    db: Database, http: httpx.AsyncClient
) -> None:
    tenant = await new_tenant(db, http, scopes=ALL_SCOPES)
    token = await tenant.token()
    scope = {"type": "http", "headers": [(b"authorization", f"Bearer {token}".encode())]}

    found = await caller_of(scope, db)
    assert found is not None
    # A second ask answers from the scope: the token is not looked up again.
    await client_service.revoke(db, client_id=tenant.client.client_id)
    assert await caller_of(scope, db) is found
    assert await caller_of(dict(scope, state={}), db) is None
