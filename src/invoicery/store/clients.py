"""API clients and their access tokens (secrets and tokens are stored as SHA-256 hashes)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy import bindparam, delete, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection

from invoicery.store.database import Database
from invoicery.store.tables import access_tokens, accounts, api_clients

__all__ = [
    "PRINCIPALS_CHANNEL",
    "ClientRecord",
    "TokenRecord",
    "find_client",
    "find_token",
    "insert_client",
    "list_clients",
    "principals_changed",
    "revoke_client",
    "store_token",
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
    expires_at: datetime


PRINCIPALS_CHANNEL = "invoicery_principals"
"""Where PostgreSQL tells every server that what some token grants may have changed."""


async def principals_changed(conn: AsyncConnection) -> None:
    """Tell every server, when this transaction commits, to forget the principals it keeps.

    Call it in every transaction that changes what `find_token` reads (a client's
    revocation, an account's time zone or rate limit). On SQLite nobody keeps any.
    """
    if conn.dialect.name == "postgresql":
        await conn.execute(text(f"NOTIFY {PRINCIPALS_CHANNEL}"))


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


# Built once: every token request reads its client.
_FIND_CLIENT = (
    select(*_CLIENT_COLUMNS)
    .join(accounts, accounts.c.id == api_clients.c.account_id)
    .where(api_clients.c.id == bindparam("client_id"))
)
_INSERT_TOKEN = access_tokens.insert().values(
    token_hash=bindparam("token_hash"),
    client_id=bindparam("client_id"),
    account_id=bindparam("account_id"),
    scopes=bindparam("scopes"),
    expires_at=bindparam("expires_at"),
)


async def find_client(db: Database, client_id: UUID) -> ClientRecord | None:
    """The client with this id, revoked or not, in one prepared query (`get_client`'s twin
    for the token endpoint)."""
    row = await db.first_row(_FIND_CLIENT, {"client_id": client_id})
    if row is None:
        return None
    return ClientRecord(
        id=row["id"],
        account_id=row["account_id"],
        account_name=row["account_name"],
        name=row["name"],
        secret_hash=row["secret_hash"],
        scopes=tuple(row["scopes"].split()),
        created_at=row["created_at"],
        revoked_at=row["revoked_at"],
    )


async def store_token(
    db: Database,
    *,
    token_hash: str,
    client_id: UUID,
    account_id: UUID,
    scopes: tuple[str, ...],
    expires_at: datetime,
) -> None:
    """Store an issued access token by its hash, in a transaction of its own."""
    await db.write_one(
        _INSERT_TOKEN,
        {
            "token_hash": token_hash,
            "client_id": client_id,
            "account_id": account_id,
            "scopes": " ".join(scopes),
            "expires_at": expires_at,
        },
    )


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
    """Mark a client revoked (every server forgets its tokens at commit); False if there is
    no such live client."""
    result = await conn.execute(
        update(api_clients)
        .where(api_clients.c.id == client_id, api_clients.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    await principals_changed(conn)
    return bool(result.rowcount)


# Built once: this runs on every authenticated request.
_FIND_TOKEN = (
    select(
        access_tokens.c.client_id,
        access_tokens.c.account_id,
        access_tokens.c.scopes,
        accounts.c.timezone,
        accounts.c.rate_limit,
        access_tokens.c.expires_at,
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
        expires_at=row["expires_at"],
    )


async def delete_expired_tokens(conn: AsyncConnection, *, now: datetime) -> int:
    """Delete every access token that expired before `now`; how many were deleted."""
    result = await conn.execute(delete(access_tokens).where(access_tokens.c.expires_at <= now))
    return int(result.rowcount)
