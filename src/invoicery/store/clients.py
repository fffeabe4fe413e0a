"""API clients and their access tokens (secrets and tokens are stored as SHA-256 hashes)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from invoicery.store.database import Database
from invoicery.store.tables import access_tokens, accounts, api_clients

__all__ = [
    "ClientRecord",
    "TokenRecord",
    "find_token",
    "get_client",
    "insert_client",
    "insert_token",
    "list_clients",
    "revoke_client",
]


@dataclass(frozen=True, slots=True)
class ClientRecord:
    """A stored API client."""

    id: UUID
    account_id: UUID
    account_name: str
    name: str
    secret_hash: str
    scopes: tuple[str, ...]
    created_at: datetime
    revoked_at: datetime | None


@dataclass(frozen=True, slots=True)
class TokenRecord:
    """What a live access token grants."""

    client_id: UUID
    account_id: UUID
    scopes: tuple[str, ...]
    timezone: str
    rate_limit: str | None


_CLIENT_COLUMNS = (
    api_clients.c.id,
    api_clients.c.account_id,
    accounts.c.name.label("account_name"),
    api_clients.c.name,
    api_clients.c.secret_hash,
    api_clients.c.scopes,
    api_clients.c.created_at,
    api_clients.c.revoked_at,
)


async def insert_client(
    conn: AsyncConnection,
    *,
    client_id: UUID,
    account_id: UUID,
    name: str,
    secret_hash: str,
    scopes: tuple[str, ...],
    now: datetime,
) -> None:
    """Store a new API client."""
    await conn.execute(
        api_clients.insert().values(
            id=client_id,
            account_id=account_id,
            name=name,
            secret_hash=secret_hash,
            scopes=" ".join(scopes),
            created_at=now,
        )
    )


async def get_client(conn: AsyncConnection, client_id: UUID) -> ClientRecord | None:
    """The client with this id, revoked or not."""
    query = (
        select(*_CLIENT_COLUMNS)
        .join(accounts, accounts.c.id == api_clients.c.account_id)
        .where(api_clients.c.id == client_id)
    )
    row = (await conn.execute(query)).mappings().first()
    if row is None:
        return None
    return ClientRecord(**{**row, "scopes": tuple(row["scopes"].split())})


async def list_clients(conn: AsyncConnection, *, account_id: UUID | None) -> list[ClientRecord]:
    """All clients, or those of one account, oldest first."""
    query = (
        select(*_CLIENT_COLUMNS)
        .join(accounts, accounts.c.id == api_clients.c.account_id)
        .order_by(api_clients.c.id)
    )
    if account_id is not None:
        query = query.where(api_clients.c.account_id == account_id)
    rows = (await conn.execute(query)).mappings().all()
    return [ClientRecord(**{**row, "scopes": tuple(row["scopes"].split())}) for row in rows]


async def revoke_client(conn: AsyncConnection, *, client_id: UUID, now: datetime) -> bool:
    """Mark a client revoked; False if there is no such live client."""
    result = await conn.execute(
        update(api_clients)
        .where(api_clients.c.id == client_id, api_clients.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return bool(result.rowcount)


async def insert_token(
    conn: AsyncConnection,
    *,
    token_hash: str,
    client_id: UUID,
    account_id: UUID,
    scopes: tuple[str, ...],
    expires_at: datetime,
) -> None:
    """Store an issued access token by its hash."""
    await conn.execute(
        access_tokens.insert().values(
            token_hash=token_hash,
            client_id=client_id,
            account_id=account_id,
            scopes=" ".join(scopes),
            expires_at=expires_at,
        )
    )


# Built once: this runs on every authenticated request.
_FIND_TOKEN = (
    select(
        access_tokens.c.client_id,
        access_tokens.c.account_id,
        access_tokens.c.scopes,
        accounts.c.timezone,
        accounts.c.rate_limit,
    )
    .join(api_clients, api_clients.c.id == access_tokens.c.client_id)
    .join(accounts, accounts.c.id == access_tokens.c.account_id)
    .where(
        access_tokens.c.token_hash == bindparam("token_hash"),
        access_tokens.c.expires_at > bindparam("now", type_=access_tokens.c.expires_at.type),
        api_clients.c.revoked_at.is_(None),
    )
)


async def find_token(db: Database, *, token_hash: str, now: datetime) -> TokenRecord | None:
    """The grant of an unexpired token whose client is not revoked, in one prepared query."""
    row = await db.first_row(_FIND_TOKEN, {"token_hash": token_hash, "now": now})
    if row is None:
        return None
    return TokenRecord(
        client_id=row["client_id"],
        account_id=row["account_id"],
        scopes=tuple(row["scopes"].split()),
        timezone=row["timezone"],
        rate_limit=row["rate_limit"],
    )


async def delete_expired_tokens(conn: AsyncConnection, *, now: datetime) -> int:
    """Delete every access token that expired before `now`; how many were deleted."""
    result = await conn.execute(delete(access_tokens).where(access_tokens.c.expires_at <= now))
    return int(result.rowcount)
