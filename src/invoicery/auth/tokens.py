"""Token issuance (RFC 6749 §4.4) and bearer-token authentication (RFC 6750)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING
from uuid import UUID

from invoicery.auth.credentials import hash_secret, new_secret, secret_matches
from invoicery.auth.scopes import parse_scopes
from invoicery.domain import ids
from invoicery.domain.rate_limit import RateLimit, stored_rate_limit
from invoicery.store import clients
from invoicery.store.database import Database

if TYPE_CHECKING:
    from invoicery.auth.principals import PrincipalCache

__all__ = [
    "OAuthError",
    "OAuthErrorCode",
    "Principal",
    "TokenGrant",
    "authenticate",
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
    """The authenticated caller: its account, client, scopes, the account's time zone and
    request limit (None: the server's default)."""

    account_id: UUID
    client_id: UUID
    scopes: frozenset[str]
    timezone: str
    rate_limit: RateLimit | None = None


async def issue_token(
    db: Database,
    *,
    client_id: str,
    client_secret: str,
    requested_scope: str | None,
    ttl_seconds: int,
) -> TokenGrant:
    """Exchange client credentials for an access token."""
    try:
        client_uuid = ids.decode(ids.CLIENT, client_id)
    except ids.InvalidId:
        raise OAuthError(OAuthErrorCode.INVALID_CLIENT, "client authentication failed") from None
    # The read and the insert need no common transaction: a revocation committed between
    # them leaves a token that `find_token` refuses, as it did under READ COMMITTED.
    client = await clients.find_client(db, client_uuid)
    if (
        client is None
        or client.revoked_at is not None
        or not secret_matches(client_secret, client.secret_hash)
    ):
        raise OAuthError(OAuthErrorCode.INVALID_CLIENT, "client authentication failed")
    scopes = client.scopes
    if requested_scope is not None:
        requested = parse_scopes(requested_scope)
        if requested is None or not requested or not set(requested) <= set(client.scopes):
            raise OAuthError(
                OAuthErrorCode.INVALID_SCOPE,
                "the requested scope is unknown or exceeds the scope granted to the client",
            )
        scopes = requested
    token = new_secret()
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
    """The principal behind a live bearer token, or None if it is unknown or expired.

    With a `cache` (`auth.principals`) that is on, a token seen before is not looked up.
    """
    token_hash = hash_secret(token)
    if cache is not None and (kept := cache.get(token_hash)) is not None:
        return kept
    generation = cache.generation if cache is not None else 0
    record = await clients.find_token(db, token_hash=token_hash, now=datetime.now(UTC))
    if record is None:
        return None
    principal = Principal(
        account_id=record.account_id,
        client_id=record.client_id,
        scopes=frozenset(record.scopes),
        timezone=record.timezone,
        rate_limit=stored_rate_limit(record.rate_limit),
    )
    if cache is not None:
        cache.put(
            token_hash,
            principal,
            expires_at=record.expires_at.timestamp(),
            generation=generation,
        )
    return principal


async def purge_expired(db: Database, *, now: datetime) -> int:
    """Delete access tokens that can no longer be used; how many were deleted."""
    async with db.write() as conn:
        return await clients.delete_expired_tokens(conn, now=now)
