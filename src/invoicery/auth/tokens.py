"""Token issuance (RFC 6749 §4.4) and bearer authentication (RFC 6750) by token or API key."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING
from uuid import UUID

from invoicery.auth.credentials import (
    hash_secret,
    is_api_key,
    new_access_token,
    secret_matches,
)
from invoicery.auth.scopes import parse_scopes
from invoicery.domain import ids
from invoicery.domain.api_versions import OLDEST, ApiVersion
from invoicery.domain.rate_limit import RateLimit, stored_rate_limit
from invoicery.store import clients
from invoicery.store.clients import ClientKind, ClientRecord
from invoicery.store.database import Database

if TYPE_CHECKING:
    from invoicery.auth.principals import PrincipalCache

__all__ = [
    "OAuthError",
    "OAuthErrorCode",
    "Principal",
    "TokenGrant",
    "authenticate",
    "authenticate_client",
    "issue_token",
]


class OAuthErrorCode(StrEnum):
    """Error codes of RFC 6749 §5.2."""

    INVALID_REQUEST = "invalid_request"
    INVALID_CLIENT = "invalid_client"
    UNSUPPORTED_GRANT_TYPE = "unsupported_grant_type"
    INVALID_SCOPE = "invalid_scope"


class OAuthError(Exception):
    """A token request refused for one of the reasons of RFC 6749 §5.2."""

    def __init__(self, code: OAuthErrorCode, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description


@dataclass(frozen=True, slots=True)
class TokenGrant:
    """An issued access token; `scope` is set when it differs from the request."""

    access_token: str
    expires_in: int
    scope: str | None


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated caller: its account, client, scopes, the account's time zone,
    request limit (None: the server's default) and pinned billing-v1 version."""

    account_id: UUID
    client_id: UUID
    scopes: frozenset[str]
    timezone: str
    rate_limit: RateLimit | None = None
    api_version: ApiVersion = OLDEST


async def authenticate_client(db: Database, *, client_id: str, client_secret: str) -> ClientRecord:
    """The live client these credentials name; `OAuthError` (invalid_client) if none.

    An API key is no client: it is a bearer credential of its own, never exchanged.
    """
    failed = OAuthError(OAuthErrorCode.INVALID_CLIENT, "client authentication failed")
    try:
        client_uuid = ids.decode(ids.CLIENT, client_id)
    except ids.InvalidId:
        raise failed from None
    # The read and the insert need no common transaction: a revocation committed between
    # them leaves a token that `find_token` refuses, as it did under READ COMMITTED.
    client = await clients.find_client(db, client_uuid)
    if (
        client is None
        or client.kind is not ClientKind.CLIENT
        or client.revoked_at is not None
        or not secret_matches(client_secret, client.secret_hash)
    ):
        raise failed
    return client


async def issue_token(
    db: Database,
    *,
    client_id: str,
    client_secret: str,
    requested_scope: str | None,
    ttl_seconds: int,
) -> TokenGrant:
    """Exchange client credentials for an access token (never an API key's: it is one)."""
    client = await authenticate_client(db, client_id=client_id, client_secret=client_secret)
    scopes = client.scopes
    if requested_scope is not None:
        requested = parse_scopes(requested_scope)
        if requested is None or not requested or not set(requested) <= set(client.scopes):
            raise OAuthError(
                OAuthErrorCode.INVALID_SCOPE,
                "the requested scope is unknown or exceeds the scope granted to the client",
            )
        scopes = requested
    token = new_access_token()
    await clients.store_token(
        db,
        token_hash=hash_secret(token),
        client_id=client.id,
        account_id=client.account_id,
        scopes=scopes,
        expires_at=datetime.now(UTC) + timedelta(seconds=ttl_seconds),
    )
    granted = " ".join(scopes)
    return TokenGrant(
        access_token=token,
        expires_in=ttl_seconds,
        scope=granted if requested_scope is None or granted != requested_scope else None,
    )


async def authenticate(
    db: Database, token: str, cache: PrincipalCache | None = None
) -> Principal | None:
    """The principal behind a live access token or API key, or None if it is unknown, expired
    or revoked.

    With a `cache` (`auth.principals`) that is on, a token or key seen before is not looked up.
    """
    token_hash = hash_secret(token)
    if cache is not None and (kept := cache.get(token_hash)) is not None:
        return kept
    generation = cache.generation if cache is not None else 0
    if is_api_key(token):
        record = await clients.find_api_key(db, key_hash=token_hash)
    else:
        record = await clients.find_token(db, token_hash=token_hash, now=datetime.now(UTC))
    if record is None:
        return None
    principal = Principal(
        account_id=record.account_id,
        client_id=record.client_id,
        scopes=frozenset(record.scopes),
        timezone=record.timezone,
        rate_limit=stored_rate_limit(record.rate_limit),
        api_version=record.api_version,
    )
    if cache is not None:
        # A key never expires: it is kept until an invalidation (its revocation among them).
        expires_at = math.inf if record.expires_at is None else record.expires_at.timestamp()
        cache.put(token_hash, principal, expires_at=expires_at, generation=generation)
    return principal


async def purge_expired(db: Database, *, now: datetime) -> int:
    """Delete access tokens that can no longer be used; how many were deleted."""
    async with db.write() as conn:
        return await clients.delete_expired_tokens(conn, now=now)
