"""Token introspection (RFC 7662) and revocation (RFC 7009), asked by an authenticated client.

A client sees the live tokens of its own account, and revokes its own tokens; any other
token is as good as unknown to it: inactive, and revoked with the same 200 as a real
one, so that no answer tells whether another account's token exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from invoicery.auth.credentials import hash_secret
from invoicery.store import access_tokens, clients
from invoicery.store.clients import ClientRecord
from invoicery.store.database import Database

__all__ = ["TokenInfo", "introspect", "revoke"]


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """What a live access token grants, as introspection tells it."""

    client_id: UUID
    scopes: tuple[str, ...]
    expires_at: datetime | None


async def introspect(db: Database, *, client: ClientRecord, token: str) -> TokenInfo | None:
    """What `token` grants if it is a live access token of the client's account, else None."""
    record = await clients.find_token(db, token_hash=hash_secret(token), now=datetime.now(UTC))
    if record is None or record.account_id != client.account_id:
        return None
    return TokenInfo(client_id=record.client_id, scopes=record.scopes, expires_at=record.expires_at)


async def revoke(db: Database, *, client: ClientRecord, token: str) -> bool:
    """Revoke `token` if it is one of the client's own (every server stops accepting it at
    commit); whether it was."""
    async with db.write() as conn:
        return await access_tokens.delete_token(
            conn, token_hash=hash_secret(token), client_id=client.id
        )
