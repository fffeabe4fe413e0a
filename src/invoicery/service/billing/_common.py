"""Helpers shared by the billing-v1 use cases: references, pages, snapshots."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Generic, TypeVar
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from invoicery.auth.tokens import Principal
from invoicery.domain import ids
from invoicery.domain.customer import Customer
from invoicery.domain.errors import NotFound
from invoicery.store import customers
from invoicery.store.database import Database

__all__ = [
    "NumberedPage",
    "customer_uuid",
    "find_customer",
    "parse_id",
    "resolve_customer",
    "snapshot_read",
]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class NumberedPage(Generic[T]):
    """Page `page` (0-indexed) of `per_page` items, and the exact number of items in all."""

    items: Sequence[T]
    page: int
    per_page: int
    total_items: int

    @property
    def total_pages(self) -> int:
        """How many pages of `per_page` the items fill."""
        return -(-self.total_items // self.per_page)


def parse_id(prefix: str, text: str, what: str) -> UUID:
    """The UUID of an id text with `prefix`; `NotFound` naming `what` if it cannot be one."""
    try:
        return ids.decode(prefix, text)
    except ids.InvalidId:
        raise NotFound(f"{what} not found") from None


def customer_uuid(reference: str) -> UUID | None:
    """The UUID if `reference` is a customer id, None if it can only be an alias."""
    try:
        return ids.decode(ids.CUSTOMER, reference)
    except ids.InvalidId:
        return None


async def find_customer(
    conn: AsyncConnection, principal: Principal, reference: str, *, for_update: bool = False
) -> Customer | None:
    """The caller's customer with this id or alias (archived too), if any."""
    return await customers.find(
        conn,
        account_id=principal.account_id,
        customer_id=customer_uuid(reference),
        alias=reference,
        for_update=for_update,
    )


async def resolve_customer(
    conn: AsyncConnection, principal: Principal, reference: str, *, for_update: bool = False
) -> Customer:
    """The caller's customer with this id or alias, or `NotFound`."""
    customer = await find_customer(conn, principal, reference, for_update=for_update)
    if customer is None:
        raise NotFound("customer not found")
    return customer


@asynccontextmanager
async def snapshot_read(db: Database) -> AsyncIterator[AsyncConnection]:
    """A read connection whose statements all see one snapshot (REPEATABLE READ)."""
    async with db.read() as conn:
        if not db.is_sqlite:  # a SQLite read transaction is already one snapshot
            await conn.execution_options(isolation_level="REPEATABLE READ")
        yield conn
