"""Operator use cases for API credentials: clients (which ask for tokens) and API keys."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from invoicery.auth.credentials import hash_secret, new_api_key, new_secret
from invoicery.auth.scopes import parse_scopes
from invoicery.domain import ids
from invoicery.domain.api_versions import NEWEST, ApiVersion
from invoicery.domain.errors import InvalidInput, NotFound
from invoicery.service import accounts as account_service
from invoicery.service._time import utc_now
from invoicery.store import accounts, clients
from invoicery.store.clients import ClientKind, ClientRecord
from invoicery.store.database import Database

__all__ = [
    "NewApiKey",
    "NewClient",
    "api_key_id_text",
    "client_id_text",
    "create",
    "create_api_key",
    "list_api_keys",
    "list_clients",
    "revoke",
    "revoke_api_key",
]


@dataclass(frozen=True, slots=True)
class NewClient:
    """A freshly created client; the secret is never retrievable again."""

    client_id: str
    client_secret: str
    account_id: str
    scopes: tuple[str, ...]
    api_version: ApiVersion


@dataclass(frozen=True, slots=True)
class NewApiKey:
    """A freshly created API key; the key is never retrievable again."""

    id: str
    api_key: str
    account_id: str
    scopes: tuple[str, ...]
    api_version: ApiVersion


def client_id_text(record: ClientRecord) -> str:
    """The public client id of a stored client."""
    return ids.encode(ids.CLIENT, record.id)


def api_key_id_text(record: ClientRecord) -> str:
    """The public id of a stored API key."""
    return ids.encode(ids.API_KEY, record.id)


async def _insert(
    db: Database,
    *,
    kind: ClientKind,
    secret: str,
    name: str,
    scopes: list[str],
    account_name: str,
    api_version: ApiVersion,
) -> tuple[UUID, UUID, tuple[str, ...]]:
    """Store a client or key in the named account (created if new): its id, the account's
    id and the scopes granted."""
    parsed = parse_scopes(" ".join(scopes))
    if not parsed:
        raise InvalidInput("invalid scopes", {"scope": "unknown or missing scope"})
    account = await account_service.get_or_create(db, name=account_name)
    row_id = ids.new_uuid7()
    async with db.write() as conn:
        await clients.insert_client(
            conn,
            client_id=row_id,
            account_id=account.id,
            name=name,
            secret_hash=hash_secret(secret),
            scopes=parsed,
            now=utc_now(),
            kind=kind,
            api_version=api_version,
        )
    return row_id, account.id, parsed


async def create(
    db: Database,
    *,
    name: str,
    scopes: list[str],
    account_name: str,
    api_version: ApiVersion = NEWEST,
) -> NewClient:
    """Create an API client in the named account (created if new), pinned to `api_version`."""
    secret = new_secret()
    client_uuid, account_uuid, parsed = await _insert(
        db,
        kind=ClientKind.CLIENT,
        secret=secret,
        name=name,
        scopes=scopes,
        account_name=account_name,
        api_version=api_version,
    )
    return NewClient(
        client_id=ids.encode(ids.CLIENT, client_uuid),
        client_secret=secret,
        account_id=ids.encode(ids.ACCOUNT, account_uuid),
        scopes=parsed,
        api_version=api_version,
    )


async def create_api_key(
    db: Database,
    *,
    name: str,
    scopes: list[str],
    account_name: str,
    api_version: ApiVersion = NEWEST,
) -> NewApiKey:
    """Create an API key in the named account (created if new), pinned to `api_version`."""
    key = new_api_key()
    key_uuid, account_uuid, parsed = await _insert(
        db,
        kind=ClientKind.API_KEY,
        secret=key,
        name=name,
        scopes=scopes,
        account_name=account_name,
        api_version=api_version,
    )
    return NewApiKey(
        id=ids.encode(ids.API_KEY, key_uuid),
        api_key=key,
        account_id=ids.encode(ids.ACCOUNT, account_uuid),
        scopes=parsed,
        api_version=api_version,
    )


async def _list(db: Database, *, kind: ClientKind, account_name: str | None) -> list[ClientRecord]:
    async with db.read() as conn:
        account_id = None
        if account_name is not None:
            account = await accounts.get_by_name(conn, account_name)
            if account is None:
                raise NotFound(f"no account named {account_name!r}")
            account_id = account.id
        return await clients.list_clients(conn, account_id=account_id, kind=kind)


async def list_clients(db: Database, *, account_name: str | None) -> list[ClientRecord]:
    """Every client, or the clients of one account (API keys are not clients)."""
    return await _list(db, kind=ClientKind.CLIENT, account_name=account_name)


async def list_api_keys(db: Database, *, account_name: str | None) -> list[ClientRecord]:
    """Every API key, or the keys of one account."""
    return await _list(db, kind=ClientKind.API_KEY, account_name=account_name)


async def _revoke(db: Database, *, kind: ClientKind, prefix: str, text: str) -> None:
    what = "API key" if kind is ClientKind.API_KEY else "client"
    try:
        row_id = ids.decode(prefix, text)
    except ids.InvalidId:
        raise NotFound(f"no {what} {text!r}") from None
    async with db.write() as conn:
        if not await clients.revoke_client(conn, client_id=row_id, kind=kind, now=utc_now()):
            raise NotFound(f"no live {what} {text!r}")


async def revoke(db: Database, *, client_id: str) -> None:
    """Revoke a client; its outstanding tokens stop working immediately."""
    await _revoke(db, kind=ClientKind.CLIENT, prefix=ids.CLIENT, text=client_id)


async def revoke_api_key(db: Database, *, key_id: str) -> None:
    """Revoke an API key; it stops working immediately."""
    await _revoke(db, kind=ClientKind.API_KEY, prefix=ids.API_KEY, text=key_id)
