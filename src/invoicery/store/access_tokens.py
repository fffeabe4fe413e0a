"""Access tokens as their clients manage them: revocation (RFC 7009).

Issuing and looking tokens up stay in `store.clients` (`store_token`, `find_token`).
"""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncConnection

from invoicery.store.clients import principals_changed
from invoicery.store.tables import access_tokens

__all__ = ["delete_token"]


async def delete_token(conn: AsyncConnection, *, token_hash: str, client_id: UUID) -> bool:
    """Delete a token of this client (every server forgets it at commit); False if the
    client has no such token."""
    result = await conn.execute(
        delete(access_tokens).where(
            access_tokens.c.token_hash == token_hash,
            access_tokens.c.client_id == client_id,
        )
    )
    if not result.rowcount:
        return False
    await principals_changed(conn)
    return True
