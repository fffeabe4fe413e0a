"""Operator use cases for API clients."""

from __future__ import annotations

from dataclasses import dataclass

from invoicery.auth.credentials import hash_secret, new_secret
from invoicery.auth.scopes import parse_scopes
from invoicery.domain import ids
from invoicery.domain.errors import InvalidInput, NotFound
from invoicery.service import accounts as account_service
from invoicery.service._time import utc_now
from invoicery.store import accounts, clients
from invoicery.store.clients import ClientRecord
from invoicery.store.database import Database

__all__ = ["NewClient", "client_id_text", "create", "list_clients", "revoke"]


@dataclass(frozen=True, slots=True)
class NewClient:
    """A freshly created client; the secret is never retrievable again."""

    client_id: str
    client_secret: str
    account_id: str
    scopes: tuple[str, ...]


def client_id_text(record: ClientRecord) -> str:
    """The public client id of a stored client."""
    return ids.encode(ids.CLIENT, record.id)


async def create(db: Database, *, name: str, scopes: list[str], account_name: str) -> NewClient:
    """Create an API client in the named account (created if new)."""
    parsed = parse_scopes(" ".join(scopes))
    if not parsed:
        raise InvalidInput("invalid scopes", {"scope": "unknown or missing scope"})
    account = await account_service.get_or_create(db, name=account_name)
    client_uuid = ids.new_uuid7()
    secret = new_secret()
    async with db.write() as conn:
        await clients.insert_client(
            conn,
            client_id=client_uuid,
            account_id=account.id,
            name=name,
            secret_hash=hash_secret(secret),
            scopes=parsed,
            now=utc_now(),
        )
    return NewClient(
        client_id=ids.encode(ids.CLIENT, client_uuid),
        client_secret=secret,
        account_id=ids.encode(ids.ACCOUNT, account.id),
        scopes=parsed,
    )


async def list_clients(db: Database, *, account_name: str | None) -> list[ClientRecord]:
    """Every client, or the clients of one account."""
    async with db.read() as conn:
        account_id = None
        if account_name is not None:
            account = await accounts.get_by_name(conn, account_name)
            if account is None:
                raise NotFound(f"no account named {account_name!r}")
            account_id = account.id
        return await clients.list_clients(conn, account_id=account_id)


async def revoke(db: Database, *, client_id: str) -> None:
    """Revoke a client; its outstanding tokens stop working immediately."""
    try:
        client_uuid = ids.decode(ids.CLIENT, client_id)
    except ids.InvalidId:
        raise NotFound(f"no client {client_id!r}") from None
    async with db.write() as conn:
        if not await clients.revoke_client(conn, client_id=client_uuid, now=utc_now()):
            raise NotFound(f"no live client {client_id!r}")
