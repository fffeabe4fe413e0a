"""API clients, API keys and access tokens (secrets, keys and tokens stored as SHA-256 hashes).

An API key is a row of `api_clients` of kind `api_key` whose `secret_hash` is the digest
of the key itself: the key is a bearer token of its own, never exchanged at the token
endpoint. Idempotency keys, rate limits and revocations key on the row's id either way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from sqlalchemy import bindparam, delete, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection

from invoicery.domain.api_versions import ApiVersion
from invoicery.store.database import Database
from invoicery.store.rows import ColumnValues
from invoicery.store.tables import access_tokens, accounts, api_clients

__all__ = [
    "PRINCIPALS_CHANNEL",
    "ClientKind",
    "ClientRecord",
    "TokenRecord",
    "find_api_key",
    "find_client",
    "find_token",
    "insert_client",
    "list_clients",
    "principals_changed",
    "revoke_client",
    "store_token",
]


class ClientKind(StrEnum):
    """What a row of `api_clients` is: a client that asks for tokens, or an API key."""

    CLIENT = "client"
    API_KEY = "api_key"


@dataclass(frozen=True, slots=True)
class ClientRecord:
    """A stored API client or API key."""

    id: UUID
    account_id: UUID
    account_name: str
    name: str
    secret_hash: str
    scopes: tuple[str, ...]
    created_at: datetime
    revoked_at: datetime | None
    kind: ClientKind
    api_version: ApiVersion


@dataclass(frozen=True, slots=True)
class TokenRecord:
    """What a live access token or API key grants (an API key never expires: None)."""

    client_id: UUID
    account_id: UUID
    scopes: tuple[str, ...]
    timezone: str
    rate_limit: str | None
    expires_at: datetime | None
    api_version: ApiVersion


PRINCIPALS_CHANNEL = "invoicery_principals"
"""Where PostgreSQL tells every server that what some token grants may have changed."""


async def principals_changed(conn: AsyncConnection) -> None:
    """Tell every server, when this transaction commits, to forget the principals it keeps.

    Call it in every transaction that changes what `find_token` or `find_api_key` read (a
    client's or key's revocation, an account's time zone or rate limit). On SQLite nobody keeps any.
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
    api_clients.c.kind,
    api_clients.c.api_version,
)


def _client_record(row: ColumnValues) -> ClientRecord:
    return ClientRecord(
        id=row["id"],
        account_id=row["account_id"],
        account_name=row["account_name"],
        name=row["name"],
        secret_hash=row["secret_hash"],
        scopes=tuple(row["scopes"].split()),
        created_at=row["created_at"],
        revoked_at=row["revoked_at"],
        kind=ClientKind(row["kind"]),
        api_version=ApiVersion(row["api_version"]),
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
    kind: ClientKind,
    api_version: ApiVersion,
) -> None:
    """Store a new API client or API key."""
    await conn.execute(
        api_clients.insert().values(
            id=client_id,
            account_id=account_id,
            name=name,
            secret_hash=secret_hash,
            scopes=" ".join(scopes),
            created_at=now,
            kind=kind.value,
            api_version=api_version.value,
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
    """The client or key with this id, revoked or not, in one prepared query (for the token
    endpoint, which must refuse a key)."""
    row = await db.first_row(_FIND_CLIENT, {"client_id": client_id})
    return None if row is None else _client_record(row)


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


async def list_clients(
    conn: AsyncConnection, *, account_id: UUID | None, kind: ClientKind
) -> list[ClientRecord]:
    """All clients (or keys), or those of one account, oldest first."""
    query = (
        select(*_CLIENT_COLUMNS)
        .join(accounts, accounts.c.id == api_clients.c.account_id)
        .where(api_clients.c.kind == kind.value)
        .order_by(api_clients.c.id)
    )
    if account_id is not None:
        query = query.where(api_clients.c.account_id == account_id)
    rows = (await conn.execute(query)).mappings().all()
    return [_client_record(row) for row in rows]


async def revoke_client(
    conn: AsyncConnection, *, client_id: UUID, kind: ClientKind, now: datetime
) -> bool:
    """Mark a client (or key) revoked (every server forgets its principals at commit); False
    if there is no such live client of that kind."""
    result = await conn.execute(
        update(api_clients)
        .where(
            api_clients.c.id == client_id,
            api_clients.c.kind == kind.value,
            api_clients.c.revoked_at.is_(None),
        )
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
        api_clients.c.api_version,
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
        api_version=ApiVersion(row["api_version"]),
    )


# Built once: this runs on every request authenticated by an API key.
_FIND_API_KEY = (
    select(
        api_clients.c.id,
        api_clients.c.account_id,
        api_clients.c.scopes,
        accounts.c.timezone,
        accounts.c.rate_limit,
        api_clients.c.api_version,
    )
    .join(accounts, accounts.c.id == api_clients.c.account_id)
    .where(
        api_clients.c.secret_hash == bindparam("key_hash"),
        api_clients.c.kind == bindparam("kind"),
        api_clients.c.revoked_at.is_(None),
    )
)


async def find_api_key(db: Database, *, key_hash: str) -> TokenRecord | None:
    """The grant of an API key that is not revoked, in one prepared query."""
    row = await db.first_row(
        _FIND_API_KEY, {"key_hash": key_hash, "kind": ClientKind.API_KEY.value}
    )
    if row is None:
        return None
    return TokenRecord(
        client_id=row["id"],
        account_id=row["account_id"],
        scopes=tuple(row["scopes"].split()),
        timezone=row["timezone"],
        rate_limit=row["rate_limit"],
        expires_at=None,
        api_version=ApiVersion(row["api_version"]),
    )


async def delete_expired_tokens(conn: AsyncConnection, *, now: datetime) -> int:
    """Delete every access token that expired before `now`; how many were deleted."""
    result = await conn.execute(delete(access_tokens).where(access_tokens.c.expires_at <= now))
    return int(result.rowcount)
