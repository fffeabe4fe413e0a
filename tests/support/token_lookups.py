"""Counting the token lookups that reach the database."""

from __future__ import annotations

from datetime import datetime

import pytest

from invoicery.store import clients
from invoicery.store.clients import TokenRecord
from invoicery.store.database import Database

__all__ = ["count_token_lookups"]


def count_token_lookups(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The token hashes looked up in the database from now on (filled as lookups happen)."""
    looked_up: list[str] = []
    real = clients.find_token

    async def counting(db: Database, *, token_hash: str, now: datetime) -> TokenRecord | None:
        looked_up.append(token_hash)
        return await real(db, token_hash=token_hash, now=now)

    monkeypatch.setattr(clients, "find_token", counting)
    return looked_up
